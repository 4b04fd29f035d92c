#!/usr/bin/env python3
"""Side-by-side RSA PKCS#1 v1.5 SHA-256 signing: kvcert vs OpenSSL (as bundled in Python `cryptography`).

One key per run (made by `cryptography`, handed to kvcert as PKCS#8 PEM in a private temporary file
that is removed at the end), one message (`--bytes` long, byte i is i mod 251), both sides in one
invocation, pinned to the same core, in alternating batches whose order rotates every round. kvcert
runs as kvcert's `examples/sign` (build it first, from the workspace root, with
`cargo build --release --example sign`) and times each signature itself; OpenSSL runs in this
process. PKCS#1 v1.5 is deterministic: every batch checks that kvcert's signature equals OpenSSL's,
byte for byte. From the workspace root:

    taskset -c 0 python3 kvcert-rsa/benches/compare_sign.py --bits 2048 --signatures 600 --batch 50
    taskset -c 0 python3 kvcert-rsa/benches/compare_sign.py --bits 4096 --signatures 300 --batch 25

Prints the host, each side's median per signature, and the ratio kvcert / OpenSSL.
"""
import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cryptography
from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(__file__)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bits", type=int, default=2048)
    p.add_argument("--signatures", type=int, default=600, help="signatures per side")
    p.add_argument("--batch", type=int, default=50, help="signatures per batch")
    p.add_argument("--bytes", type=int, default=1024, help="message length")
    p.add_argument("--exe", default=os.path.join(HERE, "..", "..", "target", "release", "examples", "sign"))
    a = p.parse_args()
    if not os.path.exists(a.exe):
        sys.exit(f"{a.exe} missing: run `cargo build --release --example sign` first")

    key = rsa.generate_private_key(public_exponent=65537, key_size=a.bits)
    message = bytes(i % 251 for i in range(a.bytes))
    expected = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, path = tempfile.mkstemp(prefix="kvcert-sign-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)

        def kvcert_batch(n):
            res = subprocess.run([a.exe, "--key", path, "--count", str(n), "--bytes", str(a.bytes)],
                                 check=True, capture_output=True, text=True)
            lines = res.stdout.splitlines()
            sig = next(l.split()[1] for l in lines if l.startswith("signature "))
            if base64.b64decode(sig) != expected:
                sys.exit("kvcert's signature differs from OpenSSL's")
            return [float(l.split()[2]) for l in lines if l.startswith("sig ")]

        def openssl_batch(n):
            out = []
            for _ in range(n):
                t = time.perf_counter()
                s = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
                out.append((time.perf_counter() - t) * 1000.0)
            if s != expected:
                sys.exit("OpenSSL's signature changed")
            return out

        sides = [
            ("kvcert", "kvcert", kvcert_batch),
            ("OpenSSL", f"{backend.openssl_version_text()} (cryptography {cryptography.__version__})",
             openssl_batch),
        ]
        times = {name: [] for name, _, _ in sides}
        done, rnd = 0, 0
        while done < a.signatures:
            n = min(a.batch, a.signatures - done)
            k = rnd % len(sides)
            for name, _, batch in sides[k:] + sides[:k]:
                times[name] += batch(n)
            done += n
            rnd += 1
    finally:
        os.remove(path)

    medians = {name: statistics.median(times[name]) for name, _, _ in sides}
    print(f"machine: {cpu_model()}, cpu affinity {sorted(os.sched_getaffinity(0))}")
    print(f"RSA-{a.bits} PKCS#1 v1.5 SHA-256, {a.bytes}-byte message, {a.signatures} signatures per side, "
          f"batches of {a.batch}, {rnd} rounds, side order rotating; signatures identical")
    for name, label, _ in sides:
        print(f"{label:48} median {medians[name]:8.3f} ms  ({len(times[name])} signatures)")
    print(f"ratio kvcert/OpenSSL {medians['kvcert'] / medians['OpenSSL']:.2f}")


if __name__ == "__main__":
    main()
