"""GETs of one certificate through the Azure SDK for Python while three RSA-4096 creates run, against a
running emulator; prints the GET count and latency percentiles. Measures what the README quotes.

    python3 emulator/examples/sdk_python_load.py https://127.0.0.1:8443 emulator-root.pem
"""
import sys, time, threading
from azure.core.credentials import AccessToken
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
url, pem = sys.argv[1], sys.argv[2]
class T:
    def get_token(self, *s, **k): return AccessToken("t", int(time.time()) + 3600)
def client(): return CertificateClient(url, T(), verify_challenge_resource=False, connection_verify=pem)
c = client()
c.begin_create_certificate("base", CertificatePolicy.get_default()).result()
c.get_certificate("base")
done = threading.Event()
lat = []
def reader():
    r = client()
    while not done.is_set():
        t = time.perf_counter(); r.get_certificate("base"); lat.append((time.perf_counter() - t) * 1000)
def creator(i):
    p = CertificatePolicy(issuer_name="Self", subject="CN=big%d" % i, key_type="RSA", key_size=4096)
    client().begin_create_certificate("big%d" % i, p)  # the 202: the key is made in the create
th = threading.Thread(target=reader); th.start()
time.sleep(0.5)
start = time.perf_counter()
cs = [threading.Thread(target=creator, args=(i,)) for i in range(3)]
[x.start() for x in cs]; [x.join() for x in cs]
wall = time.perf_counter() - start
done.set(); th.join()
lat.sort()
n = len(lat)
print("python sdk: %d GETs while 3 RSA-4096 creates ran (%.2f s): p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (n, wall, lat[n//2], lat[min(n-1, n*99//100)], lat[-1]))
