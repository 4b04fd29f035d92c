"""The Azure SDK for Python (azure-keyvault-certificates, -keys, -secrets) against the
reference emulator over HTTPS, TLS verification on.

usage: python3 python_flows.py VAULT_URL TRUSTED_PEM

Every certificate flow of the SDK's samples runs; every secret is opened by `cryptography`
and its key matched to the certificate, and the keys client's JWK matched too. Any
disagreement raises (exit status 1, with the traceback). Run by emulator/tests/it/sdk_python.rs.
"""

import base64
import datetime
import json
import ssl
import sys
import time
import urllib.request

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.certificates import (
    AdministratorContact,
    CertificateClient,
    CertificateContact,
    CertificateContentType,
    CertificatePolicy,
    CertificatePolicyAction,
    KeyCurveName,
    KeyType,
    LifetimeAction,
    WellKnownIssuerNames,
)
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store

VAULT, PEM = sys.argv[1], sys.argv[2]
FAST = {"_polling_interval": 0}


class AnyToken:
    """The emulator takes any bearer token."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("emulator-token", int(time.time()) + 3600)

    def get_token_info(self, *scopes, options=None):
        return AccessTokenInfo("emulator-token", int(time.time()) + 3600)


kwargs = dict(verify_challenge_resource=False, connection_verify=PEM)
certs = CertificateClient(VAULT, AnyToken(), **kwargs)
keys = KeyClient(VAULT, AnyToken(), **kwargs)
secrets = SecretClient(VAULT, AnyToken(), **kwargs)
TLS = ssl.create_default_context(cafile=PEM)


def manage(path, body=None):
    """The emulator's management endpoints (no token)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(VAULT + path, data=data, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, context=TLS) as r:
        return r.read()


def now():
    return json.loads(manage("/_kvcert/clock"))["now"]


def step(text):
    print("ok:", text, flush=True)


def public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def open_secret(name, version=None):
    """The secret's key and certificates, by its content type."""
    s = secrets.get_secret(name, version)
    if s.properties.content_type == "application/x-pem-file":
        text = s.value.encode()
        key = serialization.load_pem_private_key(text, None)
        chain = x509.load_pem_x509_certificates(text)
    else:
        key, leaf, extra = pkcs12.load_key_and_certificates(base64.b64decode(s.value), None)
        chain = [leaf] + list(extra)
    return s, key, chain


def check_certificate(cert, leaf_first=True):
    """The secret opens, its key is the certificate's, the keys client's JWK is too."""
    der = x509.load_der_x509_certificate(bytes(cert.cer))
    s, key, chain = open_secret(cert.name, cert.properties.version)
    assert public_der(key.public_key()) == public_der(der.public_key()), "secret key != certificate"
    if leaf_first:
        assert chain[0] == der, "the secret's first certificate is the certificate"
    k = keys.get_key(cert.name, cert.properties.version)
    jwk = k.key
    pub = der.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        n = int.from_bytes(jwk.n, "big")
        assert n == pub.public_numbers().n, "JWK n"
    else:
        assert int.from_bytes(jwk.x, "big") == pub.public_numbers().x, "JWK x"
        assert int.from_bytes(jwk.y, "big") == pub.public_numbers().y, "JWK y"
    assert k.id.split("/")[-1] == cert.properties.version
    assert s.id.split("/")[-1] == cert.properties.version
    return der, chain


def create(name, policy, **kw):
    result = certs.begin_create_certificate(name, policy, **kw, **FAST).result()
    assert result.__class__.__name__ == "KeyVaultCertificate", f"{name}: {result}"
    return result


# 1. The default policy; get latest and by version.
c = create("default", CertificatePolicy.get_default())
got = certs.get_certificate("default")
assert got.properties.version == c.properties.version
by_version = certs.get_certificate_version("default", c.properties.version)
assert by_version.cer == got.cer
check_certificate(got)
policy = certs.get_certificate_policy("default")
assert policy.issuer_name == "Self" and policy.key_type == KeyType.rsa and policy.key_size == 2048
step("default policy: create, poll, get, get version, policy, secret, key")

# 2. Custom policies: RSA 2048/3072/4096 and EC P-256/384/521, PFX and PEM.
for i, (kty, size, curve, content) in enumerate(
    [
        (KeyType.rsa, 2048, None, CertificateContentType.pkcs12),
        (KeyType.rsa, 3072, None, CertificateContentType.pem),
        (KeyType.rsa, 4096, None, CertificateContentType.pkcs12),
        (KeyType.ec, None, KeyCurveName.p_256, CertificateContentType.pem),
        (KeyType.ec, None, KeyCurveName.p_384, CertificateContentType.pkcs12),
        (KeyType.ec, None, KeyCurveName.p_521, CertificateContentType.pem),
    ]
):
    p = CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self,
        subject=f"CN=custom{i}.example",
        san_dns_names=[f"custom{i}.example"],
        key_type=kty,
        key_size=size,
        key_curve_name=curve,
        content_type=content,
        validity_in_months=6,
    )
    c = create(f"custom{i}", p, tags={"n": str(i)})
    assert c.properties.tags == {"n": str(i)}
    der, _ = check_certificate(c)
    pub = der.public_key()
    if kty == KeyType.rsa:
        assert pub.key_size == size
    else:
        assert pub.curve.name == {"P-256": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1"}[curve]
    assert der.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == [f"custom{i}.example"]
step("custom policies: RSA 2048/3072/4096, EC P-256/384/521, PFX and PEM")

# 3. Lists.
names = {p.name for p in certs.list_properties_of_certificates()}
assert {"default", "custom0", "custom5"} <= names, names
step("list certificates")

# 4. Update the policy; a new version under it; versions.
updated = certs.update_certificate_policy(
    "custom3", CertificatePolicy(validity_in_months=3, key_curve_name=KeyCurveName.p_384)
)
assert updated.validity_in_months == 3
v2 = create("custom3", updated)
versions = list(certs.list_properties_of_certificate_versions("custom3"))
assert len(versions) == 2, versions
der, _ = check_certificate(v2)
assert der.public_key().curve.name == "secp384r1"
props = certs.update_certificate_properties("custom3", enabled=True, tags={"updated": "yes"})
assert props.properties.tags == {"updated": "yes"}
step("update policy, new version, versions, update properties")

# 4b. The certificates' secrets and keys in the secrets and keys lists (managed), with versions.
listed = {s.name: s for s in secrets.list_properties_of_secrets(max_page_size=2)}
assert {"default", "custom0", "custom1", "custom3"} <= set(listed), listed
assert listed["custom0"].managed is True and listed["custom0"].tags == {"n": "0"}
assert listed["custom0"].content_type == "application/x-pkcs12"
assert listed["custom1"].content_type == "application/x-pem-file"
assert listed["custom0"].version is None, "a list names the secret, not a version"
secret_versions = list(secrets.list_properties_of_secret_versions("custom3"))
assert sorted(v.version for v in secret_versions) == sorted(v.version for v in versions)
listed_keys = {k.name: k for k in keys.list_properties_of_keys()}
assert listed_keys["custom0"].managed is True and listed_keys["custom0"].enabled is True
assert len(list(keys.list_properties_of_key_versions("custom3"))) == 2
step("the certificates' secrets and keys in the secrets and keys lists, with versions")

# 5. Unknown issuer: the CSR, signed by a test CA, merged with the chain.
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SDK test CA")])
start = datetime.datetime.fromisoformat(now().replace("Z", "+00:00"))
ca = (
    x509.CertificateBuilder()
    .subject_name(ca_name)
    .issuer_name(ca_name)
    .public_key(ca_key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(start - datetime.timedelta(days=1))
    .not_valid_after(start + datetime.timedelta(days=3650))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .sign(ca_key, hashes.SHA256())
)
op = certs.begin_create_certificate(
    "merged",
    CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=merged.example"),
    **FAST,
).result()
assert op.status == "inProgress" and op.csr, op
csr = x509.load_der_x509_csr(bytes(op.csr))
assert csr.is_signature_valid
leaf = (
    x509.CertificateBuilder()
    .subject_name(csr.subject)
    .issuer_name(ca_name)
    .public_key(csr.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(start - datetime.timedelta(minutes=5))
    .not_valid_after(start + datetime.timedelta(days=365))
    .sign(ca_key, hashes.SHA256())
)
enc = serialization.Encoding.DER
merged = certs.merge_certificate("merged", [leaf.public_bytes(enc), ca.public_bytes(enc)])
_, chain = check_certificate(merged)
assert chain == [leaf, ca], "the secret holds the chain, leaf first"
assert certs.get_certificate_operation("merged").status == "completed"
step("Unknown issuer: CSR, signed, merged; the secret holds the chain")

# 6. A registered CA issuer: the emulated DigiCert signs; the chain verifies.
issuer = certs.create_issuer(
    "digicert-issuer",
    "DigiCert",
    account_id="account",
    password="secret",
    organization_id="org",
    admin_contacts=[AdministratorContact(first_name="A", last_name="B", email="a@example.com", phone="1")],
)
assert issuer.provider == "DigiCert"
c = create(
    "from-ca",
    CertificatePolicy(issuer_name="digicert-issuer", subject="CN=ca.example", san_dns_names=["ca.example"]),
)
der, chain = check_certificate(c)
roots = x509.load_pem_x509_certificates(manage("/_kvcert/ca"))
when = datetime.datetime.fromisoformat(now().replace("Z", "+00:00"))
verifier = PolicyBuilder().store(Store(roots)).time(when).build_server_verifier(x509.DNSName("ca.example"))
path = verifier.verify(chain[0], chain[1:])
assert len(path) == 3, path
step("emulated DigiCert issuer: chain verified by cryptography")

# 6b. outContentType (api-version 2025-06-01-preview on): the PKCS#12 secret as PEM, the same
# key and chain; a client's secret refused with the service's recorded text.
pfx_secret, pfx_key, pfx_chain = open_secret("from-ca")
as_pem = secrets.get_secret("from-ca", out_content_type="application/x-pem-file")
assert as_pem.properties.content_type == "application/x-pem-file", as_pem.properties.content_type
assert as_pem.id == pfx_secret.id and as_pem.properties.managed is True
pem_text = as_pem.value.encode()
assert pem_text.startswith(b"-----BEGIN PRIVATE KEY-----\n"), pem_text[:40]
pem_chain = x509.load_pem_x509_certificates(pem_text)
assert pem_chain == pfx_chain, "the PFX's certificates, in its order"
pem_key = serialization.load_pem_private_key(pem_text, None)
assert public_der(pem_key.public_key()) == public_der(pfx_key.public_key())
secrets.set_secret("not-a-certificate", "x", content_type="application/x-pkcs12")
try:
    secrets.get_secret("not-a-certificate", out_content_type="application/x-pem-file")
    raise AssertionError("a client's secret converted")
except HttpResponseError as e:
    assert e.status_code == 400, e.status_code
    assert e.message.endswith(
        "The 'Unsupported' to 'PEM' transformation is not supported. Only PFX to PEM transformation is supported."
    ), e.message
secrets.begin_delete_secret("not-a-certificate", **FAST).result()
secrets.purge_deleted_secret("not-a-certificate")
step("outContentType: the certificate's PKCS#12 secret as PEM (same key and chain); a client's secret refused")

# 7. Cancel and delete a pending operation.
certs.begin_create_certificate(
    "cancelled", CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=c"), **FAST
).result()
op = certs.cancel_certificate_operation("cancelled")
assert op.cancellation_requested and op.status == "inProgress", op
# Waiting for a merge, the operation is cancelled one poll interval (10 s) later (recorded: in
# progress at first); the clock moves instead of the test sleeping.
manage("/_kvcert/clock", {"advance_seconds": 10})
assert certs.get_certificate_operation("cancelled").status == "cancelled"
# Nothing was issued: the certificate the create made stays, disabled.
shell = certs.get_certificate("cancelled")
assert shell.properties.enabled is False and shell.cer is None, shell
certs.delete_certificate_operation("cancelled")
try:
    certs.get_certificate_operation("cancelled")
    raise AssertionError("the operation is gone")
except ResourceNotFoundError:
    pass
step("cancel and delete a pending operation")

# 8. Delete, get deleted, recover, purge.
deleted = certs.begin_delete_certificate("custom1", **FAST).result()
assert deleted.recovery_id and deleted.deleted_on and deleted.scheduled_purge_date
assert certs.get_deleted_certificate("custom1").name == "custom1"
assert "custom1" in {d.name for d in certs.list_deleted_certificates()}
recovered = certs.begin_recover_deleted_certificate("custom1", **FAST).result()
assert recovered.name == "custom1"
check_certificate(certs.get_certificate("custom1"))
certs.begin_delete_certificate("custom1", **FAST).result()
certs.purge_deleted_certificate("custom1")
try:
    certs.get_deleted_certificate("custom1")
    raise AssertionError("purged")
except ResourceNotFoundError:
    pass
step("delete, get deleted, list deleted, recover, delete, purge")

# 9. Backup and restore.
blob = certs.backup_certificate("custom0")
before = certs.get_certificate("custom0")
certs.begin_delete_certificate("custom0", **FAST).result()
certs.purge_deleted_certificate("custom0")
restored = certs.restore_certificate_backup(blob)
assert restored.properties.version == before.properties.version and restored.cer == before.cer
check_certificate(certs.get_certificate("custom0"))
step("backup, purge, restore")

# 10. Import PFX and PEM.
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported.example")])
own = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(start - datetime.timedelta(days=1))
    .not_valid_after(start + datetime.timedelta(days=90))
    .sign(key, hashes.SHA256())
)
pfx = pkcs12.serialize_key_and_certificates(
    b"imp", key, own, None, serialization.BestAvailableEncryption(b"pw")
)
imported = certs.import_certificate("imported-pfx", pfx, password="pw")
assert bytes(imported.cer) == own.public_bytes(enc)
check_certificate(imported)
pem = key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
) + own.public_bytes(serialization.Encoding.PEM)
imported = certs.import_certificate(
    "imported-pem", pem, policy=CertificatePolicy(content_type=CertificateContentType.pem)
)
assert bytes(imported.cer) == own.public_bytes(enc)
check_certificate(imported)
step("import PFX and PEM")

# 11. Issuers and contacts.
got = certs.get_issuer("digicert-issuer")
assert got.provider == "DigiCert" and got.organization_id == "org"
upd = certs.update_issuer("digicert-issuer", enabled=False)
assert upd.enabled is False
assert "digicert-issuer" in {i.name for i in certs.list_properties_of_issuers()}
certs.delete_issuer("digicert-issuer")
try:
    certs.get_issuer("digicert-issuer")
    raise AssertionError("issuer deleted")
except ResourceNotFoundError:
    pass
contacts = certs.set_contacts([CertificateContact(email="ops@example.com", name="Ops", phone="1")])
assert [c.email for c in contacts] == ["ops@example.com"]
assert [c.email for c in certs.get_contacts()] == ["ops@example.com"]
certs.delete_contacts()
try:
    certs.get_contacts()
    raise AssertionError("contacts deleted")
except ResourceNotFoundError:
    pass
step("issuers (create, get, update, list, delete) and contacts (set, get, delete)")

# 12. AutoRenew as the clock moves.
p = CertificatePolicy(
    issuer_name=WellKnownIssuerNames.self,
    subject="CN=renewed.example",
    validity_in_months=1,
    lifetime_actions=[LifetimeAction(CertificatePolicyAction.auto_renew, days_before_expiry=10)],
)
first = create("renewed", p)
manage("/_kvcert/clock", {"advance_seconds": 25 * 86400})
latest = certs.get_certificate("renewed")
assert latest.properties.version != first.properties.version, "renewed"
assert len(list(certs.list_properties_of_certificate_versions("renewed"))) == 2
check_certificate(latest)
step("AutoRenew after the clock moved 25 days")

# 13. A client's own secrets beside the certificates' secrets.
first = secrets.set_secret("db-password", "s3cret", content_type="text/plain", tags={"env": "test"})
assert first.value == "s3cret" and first.properties.content_type == "text/plain"
assert first.properties.tags == {"env": "test"} and not first.properties.managed
second = secrets.set_secret("db-password", "rotated", expires_on=datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc))
assert secrets.get_secret("db-password").value == "rotated"
assert secrets.get_secret("db-password", first.properties.version).value == "s3cret"
assert secrets.set_secret("empty", "").value == ""
versions = sorted(p.version for p in secrets.list_properties_of_secret_versions("db-password"))
assert versions == sorted([first.properties.version, second.properties.version]), versions
updated = secrets.update_secret_properties("db-password", first.properties.version, enabled=False, tags={"env": "old"})
assert updated.enabled is False and updated.tags == {"env": "old"}
try:
    secrets.get_secret("db-password", first.properties.version)
    raise AssertionError("a disabled secret's value is refused")
except HttpResponseError as e:
    assert e.status_code == 403 and "disabled secret" in str(e), e
listed = {p.name: p for p in secrets.list_properties_of_secrets()}
assert not listed["db-password"].managed and listed["default"].managed, listed
assert listed["default"].content_type == "application/x-pkcs12"
try:
    secrets.set_secret("default", "x")
    raise AssertionError("a certificate's secret is the certificate's")
except HttpResponseError as e:
    assert e.status_code == 403 and "associated with a certificate" in str(e), e
blob = secrets.backup_secret("db-password")
deleted = secrets.begin_delete_secret("db-password", **FAST).result()
assert deleted.recovery_id.endswith("/deletedsecrets/db-password") and deleted.scheduled_purge_date
assert secrets.get_deleted_secret("db-password").name == "db-password"
assert "db-password" in [d.name for d in secrets.list_deleted_secrets()]
secrets.begin_recover_deleted_secret("db-password", **FAST).result()
assert secrets.get_secret("db-password").value == "rotated"
secrets.begin_delete_secret("db-password", **FAST).result()
secrets.purge_deleted_secret("db-password")
try:
    secrets.get_secret("db-password")
    raise AssertionError("purged")
except ResourceNotFoundError:
    pass
restored = secrets.restore_secret_backup(blob)
assert restored.version == second.properties.version
assert secrets.get_secret("db-password").value == "rotated"
step("secrets: set, get, versions, update, disabled, list with the certificates' secrets, refusals, delete, recover, purge, backup, restore")

# 14. A client's own keys: create RSA and EC, list beside the certificates' keys, update,
# rotate with a policy, import, delete/recover/purge, backup/restore.
from azure.keyvault.keys import (
    JsonWebKey,
    KeyCurveName as KCurve,
    KeyRotationLifetimeAction,
    KeyRotationPolicy,
    KeyRotationPolicyAction,
)
from azure.keyvault.keys.crypto import (
    CryptographyClient,
    EncryptionAlgorithm,
    KeyWrapAlgorithm,
    SignatureAlgorithm,
)
from cryptography.hazmat.primitives.asymmetric import padding, utils

rsa_key = keys.create_rsa_key("rsa-key", size=2048, tags={"use": "wrap"})
assert rsa_key.key_type == "RSA" and len(rsa_key.key.n) == 256
assert sorted(rsa_key.key_operations) == sorted(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"])
ec_keys = {c: keys.create_ec_key("ec-" + c.lower().replace("-", ""), curve=c) for c in ["P-256", "P-384", "P-521", "P-256K"]}
assert ec_keys["P-521"].key.crv == "P-521" and len(ec_keys["P-521"].key.x) == 66
listed = {p.name: p for p in keys.list_properties_of_keys()}
assert not listed["rsa-key"].managed and listed["default"].managed, listed
updated = keys.update_key_properties("rsa-key", enabled=True, tags={"use": "wrap", "v": "2"})
assert updated.properties.tags == {"use": "wrap", "v": "2"}
default_policy = keys.get_key_rotation_policy("rsa-key")
assert default_policy.id is None and default_policy.lifetime_actions[0].action == "Notify"
policy = keys.update_key_rotation_policy(
    "rsa-key",
    KeyRotationPolicy(
        lifetime_actions=[KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P18M")],
        expires_in="P48M",
    ),
)
assert policy.expires_in == "P48M" and policy.id.endswith("/keys/rsa-key/rotationpolicy")
rotated = keys.rotate_key("rsa-key")
assert rotated.properties.version != rsa_key.properties.version
assert (rotated.properties.expires_on - rotated.properties.created_on).days == 1461
assert len(list(keys.list_properties_of_key_versions("rsa-key"))) == 2
own_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
numbers = own_rsa.private_numbers()
to_bytes = lambda i: i.to_bytes((i.bit_length() + 7) // 8, "big")
imported = keys.import_key(
    "imported",
    JsonWebKey(
        kty="RSA",
        n=to_bytes(numbers.public_numbers.n),
        e=to_bytes(numbers.public_numbers.e),
        d=to_bytes(numbers.d),
        p=to_bytes(numbers.p),
        q=to_bytes(numbers.q),
        dp=to_bytes(numbers.dmp1),
        dq=to_bytes(numbers.dmq1),
        qi=to_bytes(numbers.iqmp),
        key_ops=["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    ),
)
assert int.from_bytes(imported.key.n, "big") == numbers.public_numbers.n
blob = keys.backup_key("ec-p256")
keys.begin_delete_key("ec-p256", **FAST).result()
assert keys.get_deleted_key("ec-p256").name == "ec-p256"
assert "ec-p256" in [d.name for d in keys.list_deleted_keys()]
keys.begin_recover_deleted_key("ec-p256", **FAST).result()
keys.begin_delete_key("ec-p256", **FAST).result()
keys.purge_deleted_key("ec-p256")
restored_key = keys.restore_key_backup(blob)
assert restored_key.id == ec_keys["P-256"].id
try:
    keys.begin_delete_key("default", **FAST).result()
    raise AssertionError("a certificate's key is the certificate's")
except HttpResponseError as e:
    assert e.status_code == 403, e
step("keys: create RSA and EC, list with the certificates' keys, update, rotation policy, rotate, import, delete, recover, purge, backup, restore")

# 15. CryptographyClient on plain keys and on a certificate's key, every result checked by
# `cryptography`.
CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(), "P-256K": ec.SECP256K1()}
EC_ALGS = {"P-256": ("ES256", hashes.SHA256()), "P-384": ("ES384", hashes.SHA384()), "P-521": ("ES512", hashes.SHA512()), "P-256K": ("ES256K", hashes.SHA256())}


def public_of(jwk):
    if jwk.kty.startswith("RSA"):
        return rsa.RSAPublicNumbers(int.from_bytes(jwk.e, "big"), int.from_bytes(jwk.n, "big")).public_key()
    return ec.EllipticCurvePublicNumbers(
        int.from_bytes(jwk.x, "big"), int.from_bytes(jwk.y, "big"), CURVES[jwk.crv]
    ).public_key()


def digest_of(h, data=b"kvcert"):
    d = hashes.Hash(h)
    d.update(data)
    return d.finalize()


def crypto(key):
    return CryptographyClient(key, AnyToken(), **kwargs)


for curve, key in ec_keys.items():
    if curve == "P-256":
        key = restored_key
    alg, h = EC_ALGS[curve]
    digest = digest_of(h)
    signed = crypto(key.id).sign(alg, digest)
    size = (CURVES[curve].key_size + 7) // 8
    assert len(signed.signature) == 2 * size, (curve, len(signed.signature))
    r, s_ = int.from_bytes(signed.signature[:size], "big"), int.from_bytes(signed.signature[size:], "big")
    public_of(key.key).verify(utils.encode_dss_signature(r, s_), digest, ec.ECDSA(utils.Prehashed(h)))
    assert crypto(key.id).verify(alg, digest, signed.signature).is_valid
rsa_now = keys.get_key("rsa-key")
rsa_public = public_of(rsa_now.key)
for alg, h, pad in [
    ("RS256", hashes.SHA256(), padding.PKCS1v15()),
    ("RS384", hashes.SHA384(), padding.PKCS1v15()),
    ("RS512", hashes.SHA512(), padding.PKCS1v15()),
    ("PS256", hashes.SHA256(), padding.PSS(padding.MGF1(hashes.SHA256()), 32)),
    ("PS384", hashes.SHA384(), padding.PSS(padding.MGF1(hashes.SHA384()), 48)),
    ("PS512", hashes.SHA512(), padding.PSS(padding.MGF1(hashes.SHA512()), 64)),
]:
    digest = digest_of(h)
    signed = crypto(rsa_now.id).sign(alg, digest)
    rsa_public.verify(signed.signature, digest, pad, utils.Prehashed(h))
    assert crypto(rsa_now.id).verify(alg, digest, signed.signature).is_valid, alg
PADS = {
    "RSA1_5": padding.PKCS1v15(),
    "RSA-OAEP": padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
    "RSA-OAEP-256": padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
}
content_key = b"0123456789abcdef0123456789abcdef"
for alg, pad in PADS.items():
    # Sealed here, opened by the vault; sealed by the vault, opened here (the imported key).
    ciphertext = rsa_public.encrypt(content_key, pad)
    assert crypto(rsa_now.id).decrypt(alg, ciphertext).plaintext == content_key, alg
    wrapped = rsa_public.encrypt(content_key, pad)
    assert crypto(rsa_now.id).unwrap_key(alg, wrapped).key == content_key, alg
    sealed = crypto(imported.id).encrypt(alg, content_key).ciphertext
    assert own_rsa.decrypt(sealed, pad) == content_key, alg
    wrapped_remote = crypto(imported.id).wrap_key(alg, content_key).encrypted_key
    assert own_rsa.decrypt(wrapped_remote, pad) == content_key, alg
# A certificate's key: its kid signs, decrypts and unwraps with the private key of its PFX.
from azure.keyvault.certificates import KeyUsageType

signer = create(
    "signer-cert",
    CertificatePolicy(
        issuer_name="Self",
        subject="CN=signer",
        key_type=KeyType.rsa,
        key_size=2048,
        key_usage=[KeyUsageType.digital_signature, KeyUsageType.key_encipherment, KeyUsageType.data_encipherment],
    ),
)
_, cert_private, _ = open_secret("signer-cert")
cert_public = x509.load_der_x509_certificate(bytes(signer.cer)).public_key()
digest = digest_of(hashes.SHA256())
signed = crypto(signer.key_id).sign(SignatureAlgorithm.rs256, digest)
cert_public.verify(signed.signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
assert signed.key_id.split("/")[-1] == signer.properties.version
sealed = crypto(signer.key_id).encrypt(EncryptionAlgorithm.rsa_oaep_256, content_key).ciphertext
assert cert_private.decrypt(sealed, PADS["RSA-OAEP-256"]) == content_key
opened = crypto(signer.key_id).decrypt(EncryptionAlgorithm.rsa_oaep, cert_public.encrypt(content_key, PADS["RSA-OAEP"]))
assert opened.plaintext == content_key
unwrapped = crypto(signer.key_id).unwrap_key(KeyWrapAlgorithm.rsa1_5, cert_public.encrypt(content_key, PADS["RSA1_5"]))
assert unwrapped.key == content_key
step("cryptography: sign/verify every algorithm, encrypt/decrypt and wrap/unwrap each padding, on plain keys and a certificate's key, checked by cryptography")

# 16. An error the SDK surfaces with the service's text.
try:
    certs.get_certificate("no-such-certificate")
    raise AssertionError("404")
except ResourceNotFoundError as e:
    assert "was not found in this key vault" in str(e), str(e)
try:
    certs.merge_certificate("no-such-certificate", [own.public_bytes(enc)])
    raise AssertionError("404")
except HttpResponseError as e:
    assert e.status_code == 404, e
step("errors carry the service's status and text")
print("all flows passed", flush=True)
