#!/usr/bin/env python3
"""Side-by-side RSA key generation: kvcert vs OpenSSL (as bundled in Python `cryptography`).

Both sides run in the same session, pinned to the same core, in alternating batches, so drift in
the machine's speed hits both equally. kvcert runs as `examples/keygen` (build it first with
`cargo build --release --example keygen`); OpenSSL runs in this process.

    taskset -c 0 python3 benches/compare_keygen.py --bits 2048 --keys 200 --batch 20

Prints each side's median per key over all batches and the ratio kvcert / OpenSSL.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

from cryptography.hazmat.primitives.asymmetric import rsa


def openssl_batch(bits, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def kvcert_batch(exe, bits, n, seed):
    res = subprocess.run(
        [exe, "--kty", "RSA", "--size", str(bits), "--count", str(n), "--seed", str(seed)],
        check=True, capture_output=True, text=True)
    return [float(line.split()[2]) for line in res.stdout.splitlines() if line.startswith("key ")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bits", type=int, default=2048)
    p.add_argument("--keys", type=int, default=200, help="keys per side")
    p.add_argument("--batch", type=int, default=20, help="keys per batch")
    p.add_argument("--exe", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "keygen"))
    a = p.parse_args()
    if not os.path.exists(a.exe):
        sys.exit(f"{a.exe} missing: run `cargo build --release --example keygen` first")
    ours, theirs = [], []
    seed = 1
    while len(ours) < a.keys:
        n = min(a.batch, a.keys - len(ours))
        ours += kvcert_batch(a.exe, a.bits, n, seed)
        theirs += openssl_batch(a.bits, n)
        seed += 1
    mo, mt = statistics.median(ours), statistics.median(theirs)
    import cryptography
    from cryptography.hazmat.backends.openssl import backend
    print(f"RSA-{a.bits}, {a.keys} keys per side, batches of {a.batch}, cpu affinity {sorted(os.sched_getaffinity(0))}")
    print(f"kvcert                       median {mo:8.1f} ms")
    print(f"{backend.openssl_version_text():28} median {mt:8.1f} ms  (cryptography {cryptography.__version__})")
    print(f"ratio kvcert/OpenSSL {mo / mt:.2f}")


if __name__ == "__main__":
    main()
