"""The credentials applications use, unchanged, against the reference emulator started with
--verify-tokens: ClientSecretCredential and CertificateCredential with the emulator as
their authority, and
DefaultAzureCredential with nothing but environment variables (App Service's managed identity:
IDENTITY_ENDPOINT, IDENTITY_HEADER; and REQUESTS_CA_BUNDLE to trust the emulator). Each token is
checked by `cryptography` against the emulator's published JWKS; a token the emulator did not
issue is refused.

usage: python3 python_identity.py VAULT_URL TRUSTED_PEM
"""

import base64
import json
import os
import ssl
import sys
import time
import urllib.request

VAULT, PEM = sys.argv[1], sys.argv[2]
TENANT = "00000000-0000-0000-0000-000000000000"
SCOPE = "https://vault.azure.net/.default"
# DefaultAzureCredential reads its configuration from the environment only: set before import.
os.environ["IDENTITY_ENDPOINT"] = VAULT + "/_kvcert/identity/token"
os.environ["IDENTITY_HEADER"] = "any-value"
os.environ["REQUESTS_CA_BUNDLE"] = PEM
for name in ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_USERNAME",
             "AZURE_FEDERATED_TOKEN_FILE", "MSI_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT"]:
    os.environ.pop(name, None)

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import CertificateCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.secrets import SecretClient
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TLS = ssl.create_default_context(cafile=PEM)


def step(text):
    print("ok:", text, flush=True)


def b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check_token(token):
    """The JWT verifies with the emulator's JWKS and carries the claims the libraries read."""
    header_b64, claims_b64, sig_b64 = token.split(".")
    header, claims = json.loads(b64d(header_b64)), json.loads(b64d(claims_b64))
    jwks = json.load(urllib.request.urlopen(f"{VAULT}/{TENANT}/discovery/v2.0/keys", context=TLS))
    key = [k for k in jwks["keys"] if k["kid"] == header["kid"]][0]
    public = rsa.RSAPublicNumbers(int.from_bytes(b64d(key["e"]), "big"), int.from_bytes(b64d(key["n"]), "big")).public_key()
    public.verify(b64d(sig_b64), f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    assert header["alg"] == "RS256", header
    assert claims["aud"] == "https://vault.azure.net", claims
    assert claims["tid"] == TENANT and claims["oid"] and claims["exp"] > time.time(), claims
    return claims


options = dict(verify_challenge_resource=False, connection_verify=PEM)

# 1. ClientSecretCredential: the emulator is the authority (OpenID discovery, then the token
# endpoint); only configuration changes.
secret_credential = ClientSecretCredential(
    TENANT, "my-app", "my-app-secret", authority=VAULT, disable_instance_discovery=True, connection_verify=PEM
)
claims = check_token(secret_credential.get_token(SCOPE).token)
assert claims["appid"] == "my-app", claims
secrets = SecretClient(VAULT, secret_credential, **options)
secrets.set_secret("with-a-real-credential", "v1")
assert secrets.get_secret("with-a-real-credential").value == "v1"
step("ClientSecretCredential: discovery, token endpoint, a token verified by the JWKS, secrets set and read")

# 1b. CertificateCredential (ClientCertificateCredential in other languages): the same endpoint, a client assertion signed with the app's
# certificate instead of a secret (the emulator authorizes nothing, so any certificate will do).
import datetime
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
app_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "my-cert-app")])
day = datetime.datetime.now(datetime.timezone.utc)
app_cert = (
    x509.CertificateBuilder().subject_name(app_name).issuer_name(app_name).public_key(app_key.public_key())
    .serial_number(x509.random_serial_number()).not_valid_before(day - datetime.timedelta(days=1))
    .not_valid_after(day + datetime.timedelta(days=30)).sign(app_key, hashes.SHA256())
)
with tempfile.NamedTemporaryFile(suffix=".pem") as pem_file:
    pem_file.write(app_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pem_file.write(app_cert.public_bytes(serialization.Encoding.PEM))
    pem_file.flush()
    cert_credential = CertificateCredential(
        TENANT, "my-cert-app", pem_file.name, authority=VAULT, disable_instance_discovery=True, connection_verify=PEM
    )
    claims = check_token(cert_credential.get_token(SCOPE).token)
assert claims["appid"] == "my-cert-app", claims
assert SecretClient(VAULT, cert_credential, **options).get_secret("with-a-real-credential").value == "v1"
step("CertificateCredential: a client assertion for a token verified by the JWKS, a secret read")

# 2. DefaultAzureCredential with only environment variables: App Service's managed identity.
default = DefaultAzureCredential()
claims = check_token(default.get_token(SCOPE).token)
certificates = CertificateClient(VAULT, default, verify_challenge_resource=False)
made = certificates.begin_create_certificate("by-managed-identity", CertificatePolicy.get_default(), _polling_interval=0).result()
assert made.name == "by-managed-identity"
assert SecretClient(VAULT, ManagedIdentityCredential(), verify_challenge_resource=False).get_secret("with-a-real-credential").value == "v1"
step("DefaultAzureCredential and ManagedIdentityCredential from IDENTITY_ENDPOINT/IDENTITY_HEADER: a certificate created, a secret read")


# 3. Under --verify-tokens a token the emulator did not issue is refused.
class Forged:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2ln", int(time.time()) + 3600)


try:
    SecretClient(VAULT, Forged(), **options).get_secret("with-a-real-credential")
    raise AssertionError("a forged token was accepted")
except (ClientAuthenticationError, HttpResponseError) as e:
    assert getattr(e, "status_code", 401) == 401, e
step("a token the emulator did not issue: 401")
print("identity flows passed", flush=True)
