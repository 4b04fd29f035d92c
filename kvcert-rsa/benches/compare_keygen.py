#!/usr/bin/env python3
"""Side-by-side RSA key generation: kvcert vs OpenSSL (as bundled in Python `cryptography`) vs graviola.

All sides are measured in one invocation, pinned to the same core, in alternating batches, so drift in
the host's speed hits them equally; the order of the sides rotates every round, so none always
runs first. kvcert runs as kvcert's `examples/keygen` (build it first, from the workspace root, with
`cargo build --release --example keygen`); OpenSSL runs in this process; graviola runs as
`kvcert-rsa/benches/graviola-keygen` (build it with
`cargo build --release --manifest-path kvcert-rsa/benches/graviola-keygen/Cargo.toml`; if its binary
is missing, that side is skipped with a note). From the workspace root:

    taskset -c 0 python3 kvcert-rsa/benches/compare_keygen.py --bits 2048 --keys 200 --batch 20
    taskset -c 0 python3 kvcert-rsa/benches/compare_keygen.py --bits 4096 --keys 50 --batch 5 --graviola PATH
    ... --also "kvcert-before=/path/to/old/keygen"   # one more side, for a before/after in one run

Prints the host (CPU model, affinity set), each side's median per key over all batches and its
number of keys, the ratio kvcert / each other side, and the ratio kvcert / the fastest other side.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import cryptography
from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(__file__)


def openssl_batch(bits, n, seed):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def exe_batch(exe, bits, n, seed):
    """Runs a binary that prints `key I MS` lines (kvcert's examples/keygen, graviola-keygen)."""
    res = subprocess.run(
        [exe, "--kty", "RSA", "--size", str(bits), "--count", str(n), "--seed", str(seed)],
        check=True, capture_output=True, text=True)
    return [float(line.split()[2]) for line in res.stdout.splitlines() if line.startswith("key ")]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def graviola_version(exe):
    """graviola's version from the Cargo.lock of the crate that built `exe` (target/release/..)."""
    lock = os.path.join(os.path.dirname(exe), "..", "..", "Cargo.lock")
    try:
        with open(lock) as f:
            m = re.search(r'name = "graviola"\nversion = "([^"]+)"', f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bits", type=int, default=2048)
    p.add_argument("--keys", type=int, default=200, help="keys per side")
    p.add_argument("--batch", type=int, default=20, help="keys per batch")
    p.add_argument("--exe", default=os.path.join(HERE, "..", "..", "target", "release", "examples", "keygen"))
    p.add_argument("--graviola", default=os.path.join(HERE, "graviola-keygen", "target", "release", "graviola-keygen"),
                   help="graviola-keygen binary (side skipped if missing)")
    p.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                   help="another binary speaking the keygen protocol, run as one more side for "
                        "reference (e.g. kvcert built before a change, to get a before/after in "
                        "one run); not counted as an 'other' in the ratios")
    a = p.parse_args()
    if not os.path.exists(a.exe):
        sys.exit(f"{a.exe} missing: run `cargo build --release --example keygen` first")

    # (short name, label, batch function)
    sides = [
        ("kvcert", "kvcert", lambda n, seed: exe_batch(a.exe, a.bits, n, seed)),
        ("OpenSSL", f"{backend.openssl_version_text()} (cryptography {cryptography.__version__})",
         lambda n, seed: openssl_batch(a.bits, n, seed)),
    ]
    if os.path.exists(a.graviola):
        v = graviola_version(a.graviola)
        sides.append(("graviola", f"graviola {v}" if v else "graviola",
                      lambda n, seed: exe_batch(a.graviola, a.bits, n, seed)))
    else:
        print(f"note: {a.graviola} missing, skipping graviola "
              f"(cargo build --release --manifest-path kvcert-rsa/benches/graviola-keygen/Cargo.toml)")

    reference = set()
    for spec in a.also:
        name, _, path = spec.partition("=")
        if not path or not os.path.exists(path):
            sys.exit(f"--also {spec}: expected NAME=PATH to an existing binary")
        reference.add(name)
        sides.append((name, name, lambda n, seed, path=path: exe_batch(path, a.bits, n, seed)))

    times = {name: [] for name, _, _ in sides}
    done, rnd = 0, 0
    while done < a.keys:
        n = min(a.batch, a.keys - done)
        k = rnd % len(sides)
        for name, _, batch in sides[k:] + sides[:k]:
            times[name] += batch(n, rnd + 1)
        done += n
        rnd += 1

    medians = {name: statistics.median(times[name]) for name, _, _ in sides}
    print(f"machine: {cpu_model()}, cpu affinity {sorted(os.sched_getaffinity(0))}")
    print(f"RSA-{a.bits}, {a.keys} keys per side, batches of {a.batch}, {rnd} rounds, side order rotating")
    for name, label, _ in sides:
        print(f"{label:48} median {medians[name]:8.1f} ms  ({len(times[name])} keys)")
    others = [name for name, _, _ in sides if name != "kvcert" and name not in reference]
    for name in sorted(reference):
        print(f"ratio kvcert/{name} {medians['kvcert'] / medians[name]:.2f} (reference side)")
    for name in others:
        print(f"ratio kvcert/{name} {medians['kvcert'] / medians[name]:.2f}")
    fastest = min(others, key=medians.get)
    print(f"ratio kvcert/fastest-other {medians['kvcert'] / medians[fastest]:.2f} (fastest other: {fastest})")


if __name__ == "__main__":
    main()
