//! What `rust_sdk.rs` runs the Azure SDK for Rust on: `kvcert-sdk-transport`'s
//! `InProcessVault` (the `HttpClient` into a `kvcert::VaultState`, Key Vault's 401 challenge,
//! a credential that gives any token, an instant runtime), the checks the flows end with, and
//! the X.509 reads they share.

use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use azure_security_keyvault_certificates::CertificateClient;
use azure_security_keyvault_keys::KeyClient;
use azure_security_keyvault_secrets::SecretClient;
pub use kvcert_sdk_transport::DEFAULT_VAULT_URL as VAULT;
pub use kvcert_sdk_transport::InProcessVault;
use x509_cert::Certificate as X509;
use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::spki::AlgorithmIdentifierRef;

/// The api-version of the suite's own reads (`engine_get`), not the SDK's.
const ENGINE_API_VERSION: &str = "7.6";

/// A fresh vault (its RNG seeded with `seed`, its clock at 2026-01-15T12:00:00Z) and the SDK's
/// certificates client on it.
pub fn vault(seed: u64) -> (InProcessVault, CertificateClient) {
    let vault = InProcessVault::new(seed);
    let client = vault.certificate_client().expect("client");
    (vault, client)
}

/// A secrets client on `vault`, beside its certificates client (its own first request draws
/// its own 401 challenge).
pub fn secret_client(vault: &InProcessVault) -> SecretClient {
    vault.secret_client().expect("client")
}

/// A keys client on `vault`, beside its other clients.
pub fn key_client(vault: &InProcessVault) -> KeyClient {
    vault.key_client().expect("client")
}

/// A `GET` straight to the engine, outside the SDK and its log: what the certificates client
/// cannot read (the secret), as the secrets client would.
pub fn engine_get(vault: &InProcessVault, path: &str) -> kvcert::Response {
    vault.request(
        "GET",
        &format!("{path}?api-version={ENGINE_API_VERSION}"),
        b"",
    )
}

/// The emulated CAs' roots, the trust anchors a client of the emulator is given (see
/// `VaultState::emulated_ca_roots_pem`).
pub fn emulated_ca_roots(vault: &InProcessVault) -> Vec<X509> {
    let pem = vault.with_state(|state| state.emulated_ca_roots_pem());
    X509::load_pem_chain(pem.as_bytes()).expect("PEM roots")
}

/// The client drew exactly one 401 (its first request: the challenge, before it had a token)
/// and the engine answered no 5xx (the SDK would retry those silently).
pub fn assert_one_challenge_no_5xx(vault: &InProcessVault) {
    assert_challenges_no_5xx(vault, 1);
}

/// As [`assert_one_challenge_no_5xx`], for `clients` clients on one vault (each draws its own
/// challenge). The credential was asked only for the scope of Key Vault's challenge: another
/// one means the SDK read another challenge than the one sent.
pub fn assert_challenges_no_5xx(vault: &InProcessVault, clients: usize) {
    let log = vault.exchanges();
    let text: String = log.iter().map(|e| format!("{e}\n")).collect();
    assert_eq!(log.first().map(|e| e.status), Some(401), "{text}");
    assert_eq!(
        log.iter().filter(|e| e.status == 401).count(),
        clients,
        "{text}"
    );
    assert!(log.iter().all(|e| e.status < 500), "{text}");
    let scopes = vault.requested_scopes();
    assert!(!scopes.is_empty(), "{text}");
    assert!(
        scopes
            .iter()
            .all(|s| s == "https://vault.azure.net/.default"),
        "{scopes:?}"
    );
}

/// The status and service error code of an SDK error, or a panic naming what it was.
pub fn http_error(err: &azure_core::Error) -> (StatusCode, Option<String>) {
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("not an HTTP error: {other:?} ({err})"),
    }
}

// ---------------------------------------------------------------------------------------------
// X.509: what the flows read from a `cer` or a chain.
// ---------------------------------------------------------------------------------------------

/// A certificate's public key, as far as a policy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA and the modulus size in bits.
    Rsa(usize),
    /// EC and the curve, by its JOSE name.
    Ec(&'static str),
}

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const CURVES: [(&str, ObjectIdentifier); 3] = [
    ("P-256", ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7")),
    ("P-384", ObjectIdentifier::new_unwrap("1.3.132.0.34")),
    ("P-521", ObjectIdentifier::new_unwrap("1.3.132.0.35")),
];

pub fn parse(der: &[u8]) -> X509 {
    X509::from_der(der).expect("an X.509 certificate")
}

/// The key type and size or curve of a DER certificate.
pub fn key_kind(der: &[u8]) -> KeyKind {
    let cert = parse(der);
    let spki = cert.tbs_certificate().subject_public_key_info();
    let bits = spki.subject_public_key.raw_bytes();
    match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            let integers = Vec::<UintRef<'_>>::from_der(bits).expect("RSAPublicKey");
            let modulus = integers[0].as_bytes();
            KeyKind::Rsa(modulus.len() * 8 - modulus[0].leading_zeros() as usize)
        }
        EC_PUBLIC_KEY => {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .expect("namedCurve")
                .decode_as()
                .expect("a curve OID");
            let name = CURVES
                .iter()
                .find(|(_, oid)| *oid == curve)
                .map(|(name, _)| *name)
                .unwrap_or_else(|| panic!("unexpected curve {curve}"));
            KeyKind::Ec(name)
        }
        other => panic!("unexpected key algorithm {other}"),
    }
}

/// The subject of a DER certificate, RFC 4514.
pub fn subject(der: &[u8]) -> String {
    parse(der).tbs_certificate().subject().to_string()
}

/// `(notBefore, notAfter)` of a DER certificate, Unix seconds.
pub fn validity(der: &[u8]) -> (u64, u64) {
    let cert = parse(der);
    let validity = cert.tbs_certificate().validity();
    (
        validity.not_before.to_unix_duration().as_secs(),
        validity.not_after.to_unix_duration().as_secs(),
    )
}

/// Whether `issuer` signed `cert` and names it as its issuer: the issuer's public key checks
/// the signature over the TBS bytes (kvcert's verifier), and `cert`'s issuer name is the
/// issuer's subject, byte for byte.
pub fn issued_by(cert: &X509, issuer: &X509) -> bool {
    let spki = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI DER");
    let key = kvcert::key::PublicKey::from_spki_der(&spki).expect("a key kvcert can verify with");
    let algorithm = cert.signature_algorithm().to_der().expect("algorithm DER");
    let algorithm = AlgorithmIdentifierRef::from_der(&algorithm).expect("algorithm");
    let tbs = cert.tbs_certificate().to_der().expect("TBS DER");
    let signature = cert.signature().raw_bytes();
    let names_chain = cert
        .tbs_certificate()
        .issuer()
        .to_der()
        .expect("issuer DER")
        == issuer
            .tbs_certificate()
            .subject()
            .to_der()
            .expect("subject DER");
    names_chain && key.verifies(&algorithm, &tbs, signature)
}
