//! Interoperability: every CSR, certificate and private key kvcert produces is checked by
//! implementations written elsewhere.
//!
//! * the OpenSSL 3 command line (`openssl req -verify`, `openssl x509 -text`,
//!   `openssl verify -check_ss_sig` with and without `-x509_strict`, `openssl pkey -check`,
//!   public-key comparison, `openssl asn1parse` for the X.509 `Time` and string types; for
//!   issuer Unknown, a throwaway OpenSSL CA signs the CSR and `openssl verify` checks the
//!   chain);
//! * Python's `cryptography` (signatures, subject as RFC 4514, SANs, key usages, EKUs,
//!   validity), run as an embedded script;
//! * the `x509-cert` crate (re-parse, byte-exact re-encode, extensions, times).
//!
//! Without `openssl` (3.x) or `python3` with `cryptography` (>= 42) on PATH, the checks that
//! need the missing tool are skipped and `cargo test` prints one `SKIPPED` line per missing
//! tool saying what to install (see `tests/it/support/tools.rs`); the `x509-cert` checks still
//! run. With `KVCERT_REQUIRE_INTEROP=1` (as `.ci/run` sets it) a missing tool fails the tests
//! instead.
//!
//! Each case writes its DER into its own directory under `std::env::temp_dir()`; the directory
//! is removed when the case passes and kept (its path is in the panic message) when it fails.
//!
//! ## What the external implementations say about P-256K
//!
//! The service writes secp256k1 public keys with explicit `ECParameters` (not the named-curve
//! OID), and kvcert does the same. Observed with OpenSSL 3.0.19 and cryptography 48.0.0:
//!
//! * OpenSSL reads it everywhere: `req -verify` says OK, `x509 -text` prints
//!   `Field Type: prime-field` and the curve (no `ASN1 OID` line), `pkey -pubcheck` of the
//!   certificate's key is valid, and `verify -check_ss_sig` of the self-signed certificate is
//!   OK, with or without `-x509_strict`: OpenSSL 3.0 checks for explicit curve parameters
//!   (like the other strict RFC 5280 checks) only in chains of more than one certificate.
//!   Which bites on the merge path: when an OpenSSL CA signs the P-256K CSR, the leaf keeps
//!   the explicit parameters and `openssl verify -CAfile ca.pem leaf.pem` fails, strict or
//!   not, with `error 94 at 0 depth lookup: Certificate public key has explicit ECC
//!   parameters` (asserted in `ec_p256k_csr_for_an_external_ca`).
//!   `openssl pkey -pubout -ec_param_enc explicit` of kvcert's PKCS#8 key (which names the
//!   curve by OID) gives byte for byte the SubjectPublicKeyInfo in the CSR and certificate,
//!   and `-ec_param_enc named_curve` of the certificate's key gives the key's named form.
//! * `cryptography` loads the certificate and the CSR and parses every extension, but refuses
//!   the public key: `cert.public_key()`, `cert.verify_directly_issued_by(cert)` and
//!   `csr.is_signature_valid` raise `UnsupportedAlgorithm: ECDSA keys with explicit parameters
//!   are only supported when they map to secp256r1, secp384r1, or secp521r1. No custom curves
//!   are supported.` The test asserts exactly that, and verifies the signatures in Python
//!   instead with the public half of the PKCS#8 private key (named curve secp256k1), over
//!   `tbs_certificate_bytes` / `tbs_certrequest_bytes`. A CA-issued P-256K leaf verifies
//!   against its (P-256) CA in `cryptography`, but its `public_key()` is refused the same way.

use crate::support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use der::{Decode, Encode, Tagged};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::request::{CertReq, ExtensionReq};
use x509_cert::time::Time;

use support::{TempDir, Tool};

const SUITE: &str = "tests/it/interop.rs";

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// The key a case asks for, with what each tool calls its algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa(u32),
    P256,
    P384,
    P521,
    P256K,
}

impl KeyKind {
    /// The signature algorithm as `openssl x509 -text` names it.
    fn openssl_signature(self) -> &'static str {
        match self {
            KeyKind::Rsa(_) => "sha256WithRSAEncryption",
            KeyKind::P256 | KeyKind::P256K => "ecdsa-with-SHA256",
            KeyKind::P384 => "ecdsa-with-SHA384",
            KeyKind::P521 => "ecdsa-with-SHA512",
        }
    }

    fn signature_oid(self) -> &'static str {
        match self {
            KeyKind::Rsa(_) => "1.2.840.113549.1.1.11",
            KeyKind::P256 | KeyKind::P256K => "1.2.840.10045.4.3.2",
            KeyKind::P384 => "1.2.840.10045.4.3.3",
            KeyKind::P521 => "1.2.840.10045.4.3.4",
        }
    }

    /// `cryptography`'s hash name for the signature.
    fn hash(self) -> &'static str {
        match self {
            KeyKind::Rsa(_) | KeyKind::P256 | KeyKind::P256K => "sha256",
            KeyKind::P384 => "sha384",
            KeyKind::P521 => "sha512",
        }
    }

    /// `cryptography`'s curve name.
    fn python_curve(self) -> Option<&'static str> {
        match self {
            KeyKind::Rsa(_) => None,
            KeyKind::P256 => Some("secp256r1"),
            KeyKind::P384 => Some("secp384r1"),
            KeyKind::P521 => Some("secp521r1"),
            KeyKind::P256K => Some("secp256k1"),
        }
    }

    /// The named-curve OID in the SubjectPublicKeyInfo (none for RSA and P-256K).
    fn named_curve_oid(self) -> Option<&'static str> {
        match self {
            KeyKind::P256 => Some("1.2.840.10045.3.1.7"),
            KeyKind::P384 => Some("1.3.132.0.34"),
            KeyKind::P521 => Some("1.3.132.0.35"),
            KeyKind::Rsa(_) | KeyKind::P256K => None,
        }
    }

    /// Lines `openssl x509 -text` / `openssl req -text` print for the public key.
    fn openssl_key_lines(self) -> Vec<String> {
        match self {
            KeyKind::Rsa(bits) => vec![
                "Public Key Algorithm: rsaEncryption".into(),
                format!("Public-Key: ({bits} bit)"),
                "Exponent: 65537 (0x10001)".into(),
            ],
            KeyKind::P256 => vec![
                "Public Key Algorithm: id-ecPublicKey".into(),
                "Public-Key: (256 bit)".into(),
                "ASN1 OID: prime256v1".into(),
                "NIST CURVE: P-256".into(),
            ],
            KeyKind::P384 => vec![
                "Public Key Algorithm: id-ecPublicKey".into(),
                "Public-Key: (384 bit)".into(),
                "ASN1 OID: secp384r1".into(),
                "NIST CURVE: P-384".into(),
            ],
            KeyKind::P521 => vec![
                "Public Key Algorithm: id-ecPublicKey".into(),
                "Public-Key: (521 bit)".into(),
                "ASN1 OID: secp521r1".into(),
                "NIST CURVE: P-521".into(),
            ],
            // Explicit parameters: OpenSSL prints the field and the curve, not an OID.
            KeyKind::P256K => vec![
                "Public Key Algorithm: id-ecPublicKey".into(),
                "Public-Key: (256 bit)".into(),
                "Field Type: prime-field".into(),
                "A:    0".into(),
                "B:    7 (0x7)".into(),
                "Cofactor:  1 (0x1)".into(),
            ],
        }
    }
}

/// One subject alternative name, as each tool renders it.
#[derive(Debug, Clone, Copy)]
enum San {
    Dns(&'static str),
    Email(&'static str),
    Upn(&'static str),
    /// The address as Python's `ipaddress` prints it, and as OpenSSL 3.0 prints it.
    Ip(&'static str, &'static str),
    Uri(&'static str),
}

impl San {
    fn openssl(self) -> String {
        match self {
            San::Dns(v) => format!("DNS:{v}"),
            San::Email(v) => format!("email:{v}"),
            // OpenSSL 3.0 prints `othername: UPN::value`; normalised to one colon below.
            San::Upn(v) => format!("othername: UPN:{v}"),
            San::Ip(_, o) => format!("IP Address:{o}"),
            San::Uri(v) => format!("URI:{v}"),
        }
    }

    /// The rendering of the embedded Python script.
    fn python(self) -> String {
        match self {
            San::Dns(v) => format!("DNS:{v}"),
            San::Email(v) => format!("email:{v}"),
            San::Upn(v) => format!("UPN:{v}"),
            San::Ip(p, _) => format!("IP:{p}"),
            San::Uri(v) => format!("URI:{v}"),
        }
    }
}

/// A policy and everything the three implementations must find in what kvcert made of it.
struct Case {
    name: &'static str,
    body: &'static str,
    seed: u64,
    now: &'static str,
    key: KeyKind,
    /// RFC 4514 (last RDN first), as `cryptography` and `x509-cert` print it.
    subject_rfc4514: &'static str,
    /// As `openssl x509 -text` prints it (DER order, `oneline` format).
    subject_openssl: &'static str,
    /// In the order kvcert documents: dNSName, rfc822Name, UPN, iPAddress, URI.
    sans: &'static [San],
    /// Key Vault names, in bit order.
    key_usage: &'static [&'static str],
    ekus: &'static [&'static str],
    /// RFC 3339; only checked for issuer Self.
    not_before: &'static str,
    not_after: &'static str,
    self_signed: bool,
    /// When not empty: the subject's attributes in DER order as `openssl asn1parse` shows
    /// them, `type:STRINGTYPE:value` (checks PrintableString / UTF8String / IA5String).
    subject_asn1: &'static [&'static str],
}

const NOW: &str = "2026-01-15T12:00:00Z";
const NBF: &str = "2026-01-15T11:50:00Z";
const EXP_12: &str = "2027-01-15T12:00:00Z";
const DEFAULT_EKUS: &[&str] = &["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];
const RSA_KU: &[&str] = &["digitalSignature", "keyEncipherment"];
const EC_KU: &[&str] = &["digitalSignature"];
const ALL_KU: &[&str] = &[
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];
const ALL_SANS: &[San] = &[
    San::Dns("www.contoso.example"),
    San::Dns("*.contoso.example"),
    San::Email("admin@contoso.example"),
    San::Email("ops@contoso.example"),
    San::Upn("user@contoso.example"),
    San::Upn("jürgen@contoso.example"),
    San::Ip("192.0.2.10", "192.0.2.10"),
    San::Ip("2001:db8::1", "2001:DB8:0:0:0:0:0:1"),
    San::Ip("fe80::1:2", "FE80:0:0:0:0:0:1:2"),
    San::Uri("https://contoso.example/path?q=1"),
    San::Uri("urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"),
];
const ALL_SANS_JSON: &str = r#""sans":{
    "dns_names":["www.contoso.example","*.contoso.example"],
    "emails":["admin@contoso.example","ops@contoso.example"],
    "upns":["user@contoso.example","jürgen@contoso.example"],
    "ipAddresses":["192.0.2.10","2001:db8::1","fe80::1:2"],
    "uris":["https://contoso.example/path?q=1","urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"]}"#;

fn base(name: &'static str, body: &'static str, key: KeyKind) -> Case {
    let rsa = matches!(key, KeyKind::Rsa(_));
    Case {
        name,
        body,
        seed: 1,
        now: NOW,
        key,
        subject_rfc4514: "",
        subject_openssl: "",
        sans: &[],
        key_usage: if rsa { RSA_KU } else { EC_KU },
        ekus: DEFAULT_EKUS,
        not_before: NBF,
        not_after: EXP_12,
        self_signed: true,
        subject_asn1: &[],
    }
}

#[test]
fn rsa_2048_default_policy() {
    run(Case {
        seed: 2048,
        subject_rfc4514: "CN=DefaultPolicy",
        subject_openssl: "CN = DefaultPolicy",
        ..base(
            "rsa2048",
            r#"{"policy":{"issuer":{"name":"Self"},"x509_props":{"subject":"CN=DefaultPolicy"}}}"#,
            KeyKind::Rsa(2048),
        )
    });
}

#[test]
fn rsa_3072() {
    run(Case {
        seed: 3072,
        subject_rfc4514: "CN=rsa3072.contoso.example",
        subject_openssl: "CN = rsa3072.contoso.example",
        sans: &[San::Dns("rsa3072.contoso.example")],
        ..base(
            "rsa3072",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"RSA","key_size":3072},
                "x509_props":{"subject":"CN=rsa3072.contoso.example",
                              "sans":{"dns_names":["rsa3072.contoso.example"]}}}}"#,
            KeyKind::Rsa(3072),
        )
    });
}

#[test]
fn rsa_4096() {
    run(Case {
        seed: 4096,
        subject_rfc4514: "CN=rsa4096.contoso.example",
        subject_openssl: "CN = rsa4096.contoso.example",
        ..base(
            "rsa4096",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"RSA-HSM","key_size":4096},
                "x509_props":{"subject":"CN=rsa4096.contoso.example"}}}"#,
            KeyKind::Rsa(4096),
        )
    });
}

#[test]
fn ec_p256() {
    run(Case {
        seed: 256,
        subject_rfc4514: "CN=p256.contoso.example",
        subject_openssl: "CN = p256.contoso.example",
        ..base(
            "p256",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=p256.contoso.example"}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn ec_p384() {
    run(Case {
        seed: 384,
        subject_rfc4514: "CN=p384.contoso.example",
        subject_openssl: "CN = p384.contoso.example",
        ..base(
            "p384",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-384"},
                "x509_props":{"subject":"CN=p384.contoso.example"}}}"#,
            KeyKind::P384,
        )
    });
}

#[test]
fn ec_p521() {
    run(Case {
        seed: 521,
        subject_rfc4514: "CN=p521.contoso.example",
        subject_openssl: "CN = p521.contoso.example",
        ..base(
            "p521",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC-HSM","key_size":521},
                "x509_props":{"subject":"CN=p521.contoso.example"}}}"#,
            KeyKind::P521,
        )
    });
}

#[test]
fn ec_p256k() {
    run(Case {
        seed: 2561,
        subject_rfc4514: "CN=p256k.contoso.example",
        subject_openssl: "CN = p256k.contoso.example",
        sans: &[San::Dns("p256k.contoso.example")],
        ..base(
            "p256k",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256K"},
                "x509_props":{"subject":"CN=p256k.contoso.example",
                              "sans":{"dns_names":["p256k.contoso.example"]}}}}"#,
            KeyKind::P256K,
        )
    });
}

#[test]
fn six_rdn_subject() {
    // The CLI fixture's subject: the string's first component is the DER's last RDN.
    run(Case {
        seed: 6,
        subject_rfc4514: "C=US,ST=WA,L=Redmon,O=Test Noodle,OU=TestNugget,CN=www.mytestdomain.com",
        subject_openssl: "CN = www.mytestdomain.com, OU = TestNugget, O = Test Noodle, \
                          L = Redmon, ST = WA, C = US",
        subject_asn1: &[
            "commonName:PRINTABLESTRING:www.mytestdomain.com",
            "organizationalUnitName:PRINTABLESTRING:TestNugget",
            "organizationName:PRINTABLESTRING:Test Noodle",
            "localityName:PRINTABLESTRING:Redmon",
            "stateOrProvinceName:PRINTABLESTRING:WA",
            "countryName:PRINTABLESTRING:US",
        ],
        ..base(
            "sixrdn",
            r#"{"policy":{"issuer":{"name":"Self"},"x509_props":{
                "subject":"C=US, ST=WA, L=Redmon, O=Test Noodle, OU=TestNugget, CN=www.mytestdomain.com"}}}"#,
            KeyKind::Rsa(2048),
        )
    });
}

#[test]
fn multi_valued_rdn() {
    run(Case {
        seed: 7,
        // The SET OF is DER-sorted: CN (2.5.4.3) before O (2.5.4.10).
        subject_rfc4514: "CN=a+O=b,C=US",
        subject_openssl: "C = US, CN = a + O = b",
        ..base(
            "multirdn",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-384"},
                "x509_props":{"subject":"CN=a+O=b, C=US"}}}"#,
            KeyKind::P384,
        )
    });
}

#[test]
fn escaped_comma_and_utf8_subject() {
    run(Case {
        seed: 8,
        subject_rfc4514: "CN=Café\\, Inc.",
        // oneline quotes a value holding a comma and escapes bytes above 0x7F.
        subject_openssl: "CN = \"Caf\\C3\\A9, Inc.\"",
        subject_asn1: &["commonName:UTF8STRING:Café, Inc."],
        ..base(
            "utf8",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=Caf\\C3\\A9\\, Inc."}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn subject_escapes_quotes_and_string_types() {
    // RFC 4514 escapes, an RFC 2253 quoted value, significant leading/trailing spaces, `*`
    // (not PrintableString, so UTF8String) and DC (IA5String).
    run(Case {
        seed: 15,
        subject_rfc4514: r#"DC=contoso,OU=\ lead and trail\ ,O=x*y\, Ltd,CN=a\+b\;c\"d\<e\>f\\g=h"#,
        subject_openssl: r#"CN = "a+b;c\"d<e>f\\g=h", O = "x*y, Ltd", OU = " lead and trail ", DC = contoso"#,
        subject_asn1: &[
            r#"commonName:UTF8STRING:a+b;c"d<e>f\g=h"#,
            "organizationName:UTF8STRING:x*y, Ltd",
            "organizationalUnitName:PRINTABLESTRING: lead and trail ",
            "domainComponent:IA5STRING:contoso",
        ],
        ..base(
            "escapes",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"DC=contoso, OU=\\ lead and trail\\ , O=\"x*y, Ltd\", CN=a\\+b\\;c\\\"d\\<e\\>f\\\\g=h"}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn all_san_kinds_with_subject() {
    run(Case {
        seed: 9,
        subject_rfc4514: "CN=contoso.example",
        subject_openssl: "CN = contoso.example",
        sans: ALL_SANS,
        ..base(
            "sans-subject",
            concat_body(
                r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=contoso.example","#,
                ALL_SANS_JSON,
                "}}}",
            ),
            KeyKind::P256,
        )
    });
}

#[test]
fn all_san_kinds_without_subject() {
    // No subject: an empty Name, and the SAN extension is critical (RFC 5280 §4.2.1.6).
    run(Case {
        seed: 10,
        sans: ALL_SANS,
        ..base(
            "sans-nosubject",
            concat_body(
                r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"RSA","key_size":2048},
                "x509_props":{"#,
                ALL_SANS_JSON,
                "}}}",
            ),
            KeyKind::Rsa(2048),
        )
    });
}

#[test]
fn empty_ekus() {
    run(Case {
        seed: 11,
        subject_rfc4514: "CN=noeku.contoso.example",
        subject_openssl: "CN = noeku.contoso.example",
        ekus: &[],
        ..base(
            "noeku",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=noeku.contoso.example","ekus":[]}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn empty_key_usage() {
    // kvcert's documented decision: `key_usage: []` writes no KeyUsage extension.
    run(Case {
        seed: 12,
        subject_rfc4514: "CN=noku.contoso.example",
        subject_openssl: "CN = noku.contoso.example",
        key_usage: &[],
        ..base(
            "noku",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=noku.contoso.example","key_usage":[]}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn all_nine_key_usages_and_custom_ekus() {
    run(Case {
        seed: 13,
        subject_rfc4514: "CN=allusages.contoso.example",
        subject_openssl: "CN = allusages.contoso.example",
        key_usage: ALL_KU,
        ekus: &["1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.4", "1.2.3.4.5"],
        ..base(
            "allku",
            // Sent in another order and case; the certificate holds the bits in bit order.
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-521"},
                "x509_props":{"subject":"CN=allusages.contoso.example",
                  "key_usage":["decipherOnly","encipherOnly","crlSign","keyCertSign","keyAgreement",
                               "dataEncipherment","keyEncipherment","nonRepudiation","digitalSignature"],
                  "ekus":["1.3.6.1.5.5.7.3.3","1.3.6.1.5.5.7.3.4","1.2.3.4.5"]}}}"#,
            KeyKind::P521,
        )
    });
}

#[test]
fn validity_60_months() {
    run(Case {
        seed: 60,
        now: "2021-10-15T06:09:12Z",
        subject_rfc4514: "CN=five-years.contoso.example",
        subject_openssl: "CN = five-years.contoso.example",
        not_before: "2021-10-15T05:59:12Z",
        not_after: "2026-10-15T06:09:12Z",
        ..base(
            "v60",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-384"},
                "x509_props":{"subject":"CN=five-years.contoso.example","validity_months":60}}}"#,
            KeyKind::P384,
        )
    });
}

#[test]
fn validity_crossing_2050() {
    // notBefore in 2045 is UTCTime; notAfter in 2055 must be GeneralizedTime.
    run(Case {
        seed: 2050,
        now: "2045-06-30T23:59:59Z",
        subject_rfc4514: "CN=y2050.contoso.example",
        subject_openssl: "CN = y2050.contoso.example",
        not_before: "2045-06-30T23:49:59Z",
        not_after: "2055-06-30T23:59:59Z",
        ..base(
            "y2050",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=y2050.contoso.example","validity_months":120}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn validity_at_the_2050_boundary_and_month_end() {
    // Both times after 2049 (GeneralizedTime both), and 31 Jan + 1 month clamped to 28 Feb
    // (2051 is not a leap year).
    run(Case {
        seed: 2051,
        now: "2051-01-31T00:05:00Z",
        subject_rfc4514: "CN=edge.contoso.example",
        subject_openssl: "CN = edge.contoso.example",
        not_before: "2051-01-30T23:55:00Z",
        not_after: "2051-02-28T00:05:00Z",
        ..base(
            "edge2051",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=edge.contoso.example","validity_months":1}}}"#,
            KeyKind::P256,
        )
    });
    // Issued 5 minutes into 2050: notBefore (2049-12-31T23:55) is still UTCTime, notAfter
    // GeneralizedTime.
    run(Case {
        seed: 2049,
        now: "2050-01-01T00:05:00Z",
        subject_rfc4514: "CN=edge.contoso.example",
        subject_openssl: "CN = edge.contoso.example",
        not_before: "2049-12-31T23:55:00Z",
        not_after: "2050-02-01T00:05:00Z",
        ..base(
            "edge2050",
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},
                "x509_props":{"subject":"CN=edge.contoso.example","validity_months":1}}}"#,
            KeyKind::P256,
        )
    });
}

#[test]
fn issuer_unknown_csr_only() {
    run(Case {
        seed: 14,
        subject_rfc4514: "O=Contoso,CN=merge.contoso.example",
        subject_openssl: "CN = merge.contoso.example, O = Contoso",
        sans: &[
            San::Dns("merge.contoso.example"),
            San::Ip("198.51.100.7", "198.51.100.7"),
        ],
        self_signed: false,
        ..base(
            "unknown",
            r#"{"policy":{"issuer":{"name":"Unknown"},"key_props":{"kty":"RSA","key_size":2048},
                "x509_props":{"subject":"O=Contoso, CN=merge.contoso.example",
                  "sans":{"dns_names":["merge.contoso.example"],"ipAddresses":["198.51.100.7"]}}}}"#,
            KeyKind::Rsa(2048),
        )
    });
}

#[test]
fn ec_p256k_csr_for_an_external_ca() {
    // The merge path for P-256K: the CSR keeps the explicit parameters, so does the leaf a
    // CA issues from it, and OpenSSL 3 then refuses the chain (error 94).
    run(Case {
        seed: 16,
        subject_rfc4514: "CN=p256k-merge.contoso.example",
        subject_openssl: "CN = p256k-merge.contoso.example",
        sans: &[San::Dns("p256k-merge.contoso.example")],
        self_signed: false,
        ..base(
            "p256k-unknown",
            r#"{"policy":{"key_props":{"crv":"P-256K"},
                "x509_props":{"subject":"CN=p256k-merge.contoso.example",
                  "sans":{"dns_names":["p256k-merge.contoso.example"]}}}}"#,
            KeyKind::P256K,
        )
    });
}

/// Negative control: the same tools, given a CSR and a certificate whose signature has one
/// bit flipped, must refuse them. Guards against a harness that "passes" because a tool
/// printed OK for anything.
#[test]
fn tools_reject_a_flipped_signature_bit() {
    // Both calls come first, so that each missing tool is reported.
    let openssl = support::tool(Tool::OpenSsl, SUITE);
    let python = support::tool(Tool::PythonCryptography, SUITE);
    if !openssl && !python {
        return;
    }
    for (name, key, body) in [
        (
            "tampered-ec",
            KeyKind::P256,
            r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=t"}}}"#,
        ),
        (
            "tampered-rsa",
            KeyKind::Rsa(2048),
            r#"{"policy":{"issuer":{"name":"Self"},"x509_props":{"subject":"CN=t"}}}"#,
        ),
    ] {
        let case = Case {
            subject_rfc4514: "CN=t",
            subject_openssl: "CN = t",
            ..base(name, body, key)
        };
        let now: kvcert::UnixTime = case.now.parse().unwrap();
        let vault = kvcert::Vault::new("https://myvault.vault.azure.net");
        let mut issued = kvcert::create_from_json(
            "t",
            case.body.as_bytes(),
            &vault,
            now,
            &mut ChaCha20Rng::seed_from_u64(99),
        )
        .unwrap();
        // The signature BIT STRING ends both structures; its last byte is signature data.
        *issued.csr.last_mut().unwrap() ^= 0x01;
        let done = issued.completed.as_mut().unwrap();
        *done.certificate.last_mut().unwrap() ^= 0x01;

        let dir = TempDir::new(&format!("interop-{name}"));
        let f = Files::write(dir.path(), &issued);
        let ctx = Ctx {
            case: &case,
            dir: dir.path(),
            now,
        };
        if openssl {
            ctx.openssl_rejects_flipped_bit(&f);
        }
        if python {
            ctx.python_rejects_flipped_bit(&f);
        }
    }
}

impl Ctx<'_> {
    fn openssl_rejects_flipped_bit(&self, f: &Files) {
        let (name, now) = (self.case.name, self.now);
        let csr = path(&f.csr_der);
        let pem = path(f.cert_pem.as_ref().unwrap());
        let o = exec(
            "openssl",
            &["req", "-inform", "DER", "-in", csr, "-noout", "-verify"],
        );
        let (out, err) = text(&o);
        assert!(
            !o.status.success() || !format!("{out}{err}").contains("verify OK"),
            "{name}: openssl req -verify accepted a flipped bit: {out}{err}"
        );
        let attime = now.as_secs().to_string();
        let o = exec(
            "openssl",
            &[
                "verify",
                "-attime",
                &attime,
                "-check_ss_sig",
                "-partial_chain",
                "-CAfile",
                pem,
                pem,
            ],
        );
        let (out, err) = text(&o);
        assert!(
            !o.status.success() && !out.contains(": OK"),
            "{name}: openssl verify accepted a flipped bit: {out}{err}"
        );
        assert!(
            format!("{out}{err}").contains("signature failure"),
            "{name}: {out}{err}"
        );
    }

    fn python_rejects_flipped_bit(&self, f: &Files) {
        let name = self.case.name;
        let py = self.python(f);
        assert_eq!(py["csr"]["is_signature_valid"], false, "{name}: {py:#}");
        assert_eq!(
            py["csr"]["signature_verifies_with_private_keys_public_key"], false,
            "{name}"
        );
        assert_eq!(
            py["cert"]["verify_directly_issued_by"]["error"], "InvalidSignature",
            "{name}: {py:#}"
        );
        assert_eq!(
            py["cert"]["signature_verifies_with_private_keys_public_key"], false,
            "{name}"
        );
    }
}

/// Concatenates three string pieces into a `'static` body (leaked; tests only).
fn concat_body(a: &str, b: &str, c: &str) -> &'static str {
    Box::leak(format!("{a}{b}{c}").into_boxed_str())
}

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

fn run(case: Case) {
    // Both calls come first, so that each missing tool is reported.
    let openssl = support::tool(Tool::OpenSsl, SUITE);
    let python = support::tool(Tool::PythonCryptography, SUITE);
    let vault = kvcert::Vault::new("https://myvault.vault.azure.net");
    let now: kvcert::UnixTime = case.now.parse().expect("case.now");
    let issued = kvcert::create_from_json(
        "interop",
        case.body.as_bytes(),
        &vault,
        now,
        &mut ChaCha20Rng::seed_from_u64(case.seed),
    )
    .unwrap_or_else(|e| panic!("{}: kvcert refused the policy: {e:?}", case.name));
    assert_eq!(
        issued.completed.is_some(),
        case.self_signed,
        "{}: a certificate exactly for issuer Self",
        case.name
    );

    let dir = TempDir::new(&format!("interop-{}", case.name));
    let mut files = Files::write(dir.path(), &issued);
    let ctx = Ctx {
        case: &case,
        dir: dir.path(),
        now,
    };

    // The CSR, whatever the issuer.
    if openssl {
        ctx.openssl_csr(&files);
        ctx.openssl_key(&files);
        if !case.self_signed {
            // Issuer Unknown: the owner has the CSR signed elsewhere and merges the result.
            ctx.openssl_ca_signs_the_csr(&mut files);
        }
    }
    // For issuer Unknown the script also reads the leaf the OpenSSL CA issued.
    let py = (python && (case.self_signed || openssl)).then(|| ctx.python(&files));
    if let Some(py) = &py {
        ctx.python_csr(py);
        if !case.self_signed {
            ctx.python_ca_issued(py);
        }
    }
    ctx.x509_cert_csr(&issued.csr);
    assert_eq!(
        issued.operation.csr.as_deref(),
        Some(crate::support::text::base64(&issued.csr).as_str()),
        "{}: the operation's csr is the CSR",
        case.name
    );

    if let Some(done) = &issued.completed {
        assert_eq!(
            done.not_before.to_string(),
            case.not_before,
            "{}",
            case.name
        );
        assert_eq!(done.not_after.to_string(), case.not_after, "{}", case.name);
        if openssl {
            ctx.openssl_certificate(&files);
        }
        if let Some(py) = &py {
            ctx.python_certificate(py);
        }
        ctx.x509_cert_certificate(&done.certificate, &issued.csr);
    }
}

struct Files {
    csr_der: PathBuf,
    key_pem: PathBuf,
    cert_der: Option<PathBuf>,
    cert_pem: Option<PathBuf>,
    /// Issuer Unknown: a throwaway OpenSSL CA and the leaf it issued from the CSR.
    ca_pem: Option<PathBuf>,
    leaf_pem: Option<PathBuf>,
}

impl Files {
    fn write(dir: &Path, issued: &kvcert::Issued) -> Files {
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
            p
        };
        let key = issued.key.to_pkcs8_pem().expect("PKCS#8 PEM");
        let key_pem = write("key.pem", key.as_bytes());
        let csr_der = write("csr.der", &issued.csr);
        let (cert_der, cert_pem) = match &issued.completed {
            Some(done) => (
                Some(write("cert.der", &done.certificate)),
                Some(write(
                    "cert.pem",
                    crate::support::text::pem("CERTIFICATE", &done.certificate).as_bytes(),
                )),
            ),
            None => (None, None),
        };
        Files {
            csr_der,
            key_pem,
            cert_der,
            cert_pem,
            ca_pem: None,
            leaf_pem: None,
        }
    }
}

struct Ctx<'a> {
    case: &'a Case,
    dir: &'a Path,
    now: kvcert::UnixTime,
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

fn exec(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} {args:?}: {e}"))
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

impl Ctx<'_> {
    fn fail(&self, what: &str, detail: impl std::fmt::Display) -> ! {
        panic!(
            "[{}] {what}\n{detail}\n(files kept in {})",
            self.case.name,
            self.dir.display()
        )
    }

    /// Runs `openssl args…`; must exit 0. Returns (stdout, stderr).
    fn openssl_ok(&self, args: &[&str]) -> (String, String) {
        let o = exec("openssl", args);
        let (out, err) = text(&o);
        if !o.status.success() {
            self.fail(
                &format!("`openssl {}` failed ({})", args.join(" "), o.status),
                format!("stdout:\n{out}\nstderr:\n{err}"),
            );
        }
        (out, err)
    }

    // -----------------------------------------------------------------------------------------
    // OpenSSL
    // -----------------------------------------------------------------------------------------

    fn openssl_csr(&self, f: &Files) {
        let c = self.case;
        let csr = path(&f.csr_der);
        // 1. The request's self-signature.
        let (out, err) =
            self.openssl_ok(&["req", "-inform", "DER", "-in", csr, "-noout", "-verify"]);
        let both = format!("{out}{err}");
        if !both.contains("verify OK") || both.contains("fail") {
            self.fail("openssl req -verify did not say `verify OK`", both);
        }
        // 2. What it says.
        let (t, _) = self.openssl_ok(&["req", "-inform", "DER", "-in", csr, "-noout", "-text"]);
        self.expect_line(&t, "Version: 1 (0x0)");
        self.expect_line(&t, &format!("Subject: {}", c.subject_openssl));
        self.expect_line(
            &t,
            &format!("Signature Algorithm: {}", c.key.openssl_signature()),
        );
        for l in c.key.openssl_key_lines() {
            self.expect_line(&t, &l);
        }
        self.expect_line(&t, "Requested Extensions:");
        self.openssl_extensions(&t);
        for absent in [
            "X509v3 Authority Key Identifier",
            "X509v3 Subject Key Identifier",
            "challengePassword",
        ] {
            if t.contains(absent) {
                self.fail(&format!("CSR unexpectedly has {absent}"), &t);
            }
        }
    }

    fn openssl_certificate(&self, f: &Files) {
        let c = self.case;
        let der = path(f.cert_der.as_ref().expect("cert"));
        let pem = path(f.cert_pem.as_ref().expect("cert"));
        let (t, _) = self.openssl_ok(&["x509", "-inform", "DER", "-in", der, "-noout", "-text"]);
        self.expect_line(&t, "Version: 3 (0x2)");
        self.expect_line(&t, &format!("Subject: {}", c.subject_openssl));
        self.expect_line(&t, &format!("Issuer: {}", c.subject_openssl));
        let sig = format!("Signature Algorithm: {}", c.key.openssl_signature());
        if t.lines().filter(|l| l.trim() == sig).count() != 2 {
            self.fail(&format!("expected `{sig}` twice (TBS and outer)"), &t);
        }
        for l in c.key.openssl_key_lines() {
            self.expect_line(&t, &l);
        }
        self.expect_line(&t, &format!("Not Before: {}", openssl_date(c.not_before)));
        self.expect_line(&t, &format!("Not After : {}", openssl_date(c.not_after)));
        self.openssl_extensions(&t);
        // AKI and SKI: present, non-critical, the same key id.
        let (aki_crit, aki) = ext_block(&t, "X509v3 Authority Key Identifier:")
            .unwrap_or_else(|| self.fail("no AKI", &t));
        let (ski_crit, ski) = ext_block(&t, "X509v3 Subject Key Identifier:")
            .unwrap_or_else(|| self.fail("no SKI", &t));
        let aki = aki.trim_start_matches("keyid:");
        if aki_crit || ski_crit || aki != ski || ski.len() != 59 {
            self.fail("AKI/SKI not a non-critical 20-byte key id pair", &t);
        }

        // The X.509 Time types: UTCTime through 2049, GeneralizedTime from 2050.
        let (asn1, _) = self.openssl_ok(&["asn1parse", "-inform", "DER", "-in", der]);
        let times: Vec<String> = asn1
            .lines()
            .filter_map(|l| {
                let (_, rest) = l.split_once("prim: ")?;
                let (tag, value) = rest.split_once(':')?;
                let tag = tag.trim();
                (tag == "UTCTIME" || tag == "GENERALIZEDTIME")
                    .then(|| format!("{tag}:{}", value.trim()))
            })
            .collect();
        let expected = vec![x509_time(c.not_before), x509_time(c.not_after)];
        if times != expected {
            self.fail(
                &format!("validity encoded as {times:?}, expected {expected:?}"),
                &asn1,
            );
        }

        // The subject's string types (the issuer, equal, comes first in the TBS).
        if !c.subject_asn1.is_empty() {
            let lines: Vec<&str> = asn1.lines().collect();
            let mut atvs = Vec::new();
            for w in lines.windows(2) {
                let field = |l: &str| -> Option<(String, String)> {
                    let (_, rest) = l.split_once("prim: ")?;
                    let (tag, value) = rest.split_once(':')?;
                    Some((tag.trim().to_owned(), value.to_owned()))
                };
                if let (Some((t0, oid)), Some((t1, value))) = (field(w[0]), field(w[1]))
                    && t0 == "OBJECT"
                    && t1.ends_with("STRING")
                    && !t1.contains("OCTET")
                    && !t1.contains("BIT")
                {
                    atvs.push(format!("{oid}:{t1}:{value}"));
                }
            }
            let n = c.subject_asn1.len();
            if atvs.len() < 2 * n || atvs[..n] != atvs[n..2 * n] || atvs[..n] != *c.subject_asn1 {
                self.fail(
                    &format!(
                        "subject attributes {atvs:?}, expected (issuer and subject) {:?}",
                        c.subject_asn1
                    ),
                    &asn1,
                );
            }
        }

        // The self-signed chain, at the issuance instant (so 2045 certificates verify too).
        let attime = self.now.as_secs().to_string();
        for strict in [false, true] {
            let mut args = vec![
                "verify",
                "-attime",
                &attime,
                "-check_ss_sig",
                "-partial_chain",
            ];
            if strict {
                args.push("-x509_strict");
            }
            args.extend(["-CAfile", pem, pem]);
            let (out, err) = self.openssl_ok(&args);
            if out.trim() != format!("{pem}: OK") {
                self.fail(
                    &format!("`openssl {}` did not say OK", args.join(" ")),
                    format!("{out}{err}"),
                );
            }
        }

        // The certificate's public key is the private key's, and the CSR's.
        let (cert_pub, _) =
            self.openssl_ok(&["x509", "-inform", "DER", "-in", der, "-noout", "-pubkey"]);
        let (csr_pub, _) = self.openssl_ok(&[
            "req",
            "-inform",
            "DER",
            "-in",
            path(&f.csr_der),
            "-noout",
            "-pubkey",
        ]);
        if cert_pub != csr_pub {
            self.fail(
                "certificate and CSR public keys differ",
                format!("{cert_pub}\n{csr_pub}"),
            );
        }
        let key = path(&f.key_pem);
        let (key_pub, _) = self.openssl_ok(&["pkey", "-in", key, "-pubout"]);
        if c.key == KeyKind::P256K {
            // The PKCS#8 key names the curve; the certificate spells its parameters out.
            // Both directions of OpenSSL's own conversion must land on the other's bytes.
            if cert_pub == key_pub {
                self.fail(
                    "P-256K certificate key unexpectedly uses the named curve",
                    &cert_pub,
                );
            }
            let (explicit, _) =
                self.openssl_ok(&["pkey", "-in", key, "-pubout", "-ec_param_enc", "explicit"]);
            if explicit != cert_pub {
                self.fail(
                    "OpenSSL's explicit-parameter encoding of the key differs from the certificate's",
                    format!("openssl:\n{explicit}\nkvcert:\n{cert_pub}"),
                );
            }
            let cert_pub_path = self.dir.join("cert-pub.pem");
            std::fs::write(&cert_pub_path, &cert_pub).expect("write cert-pub.pem");
            let (named, _) = self.openssl_ok(&[
                "pkey",
                "-pubin",
                "-in",
                path(&cert_pub_path),
                "-pubout",
                "-ec_param_enc",
                "named_curve",
            ]);
            if named != key_pub {
                self.fail(
                    "certificate key (as named curve) differs from the private key's",
                    format!("{named}\n{key_pub}"),
                );
            }
            let (out, err) = self.openssl_ok(&[
                "pkey",
                "-pubin",
                "-in",
                path(&cert_pub_path),
                "-pubcheck",
                "-noout",
            ]);
            if !format!("{out}{err}").contains("Key is valid") {
                self.fail(
                    "openssl pkey -pubcheck of the certificate key",
                    format!("{out}{err}"),
                );
            }
        } else if cert_pub != key_pub {
            self.fail(
                "certificate public key differs from the private key's",
                format!("{cert_pub}\n{key_pub}"),
            );
        }
    }

    /// `openssl pkey -check`: the PKCS#8 key is consistent.
    fn openssl_key(&self, f: &Files) {
        let key = path(&f.key_pem);
        let (out, err) = self.openssl_ok(&["pkey", "-in", key, "-check", "-noout"]);
        if !format!("{out}{err}").contains("Key is valid") {
            self.fail(
                "openssl pkey -check did not say `Key is valid`",
                format!("{out}{err}"),
            );
        }
        let (t, _) = self.openssl_ok(&["pkey", "-in", key, "-noout", "-text"]);
        let want = match self.case.key {
            KeyKind::Rsa(bits) => format!("Private-Key: ({bits} bit, 2 primes)"),
            KeyKind::P256 => "ASN1 OID: prime256v1".into(),
            KeyKind::P384 => "ASN1 OID: secp384r1".into(),
            KeyKind::P521 => "ASN1 OID: secp521r1".into(),
            KeyKind::P256K => "ASN1 OID: secp256k1".into(),
        };
        self.expect_line(&t, &want);
        // The CSR's key is the private key's (for P-256K, once converted to the named curve).
        let (csr_pub, _) = self.openssl_ok(&[
            "req",
            "-inform",
            "DER",
            "-in",
            path(&f.csr_der),
            "-noout",
            "-pubkey",
        ]);
        let (key_pub, _) = if self.case.key == KeyKind::P256K {
            self.openssl_ok(&["pkey", "-in", key, "-pubout", "-ec_param_enc", "explicit"])
        } else {
            self.openssl_ok(&["pkey", "-in", key, "-pubout"])
        };
        if csr_pub != key_pub {
            self.fail(
                "CSR public key differs from the private key's",
                format!("{csr_pub}\n{key_pub}"),
            );
        }
    }

    /// The extensions kvcert writes into both the CSR and the certificate.
    fn openssl_extensions(&self, t: &str) {
        let c = self.case;
        match ext_block(t, "X509v3 Key Usage:") {
            None if c.key_usage.is_empty() => {}
            Some((true, v)) if !c.key_usage.is_empty() => {
                let want: Vec<&str> = c.key_usage.iter().map(|u| openssl_key_usage(u)).collect();
                if v != want.join(", ") {
                    self.fail(&format!("Key Usage `{v}`, expected {want:?}"), t);
                }
            }
            other => self.fail(
                &format!("Key Usage {other:?}, expected critical {:?}", c.key_usage),
                t,
            ),
        }
        match ext_block(t, "X509v3 Basic Constraints:") {
            Some((false, v)) if v == "CA:FALSE" => {}
            other => self.fail(
                &format!("Basic Constraints {other:?}, expected non-critical CA:FALSE"),
                t,
            ),
        }
        match ext_block(t, "X509v3 Extended Key Usage:") {
            None if c.ekus.is_empty() => {}
            Some((false, v)) if !c.ekus.is_empty() => {
                let want: Vec<&str> = c.ekus.iter().map(|o| openssl_eku(o)).collect();
                if v != want.join(", ") {
                    self.fail(&format!("Extended Key Usage `{v}`, expected {want:?}"), t);
                }
            }
            other => self.fail(
                &format!("Extended Key Usage {other:?}, expected {:?}", c.ekus),
                t,
            ),
        }
        let critical = c.subject_rfc4514.is_empty();
        match ext_block(t, "X509v3 Subject Alternative Name:") {
            None if c.sans.is_empty() => {}
            Some((crit, v)) if !c.sans.is_empty() => {
                let v = v.replace("othername: UPN::", "othername: UPN:");
                let want: Vec<String> = c.sans.iter().map(|s| s.openssl()).collect();
                if v != want.join(", ") || crit != critical {
                    self.fail(
                        &format!(
                            "SAN (critical={crit}) `{v}`, expected (critical={critical}) {want:?}"
                        ),
                        t,
                    );
                }
            }
            other => self.fail(&format!("SAN {other:?}, expected {:?}", c.sans), t),
        }
    }

    fn expect_line(&self, t: &str, want: &str) {
        if !t.lines().any(|l| l.trim() == want.trim()) {
            self.fail(&format!("OpenSSL output lacks the line `{want}`"), t);
        }
    }

    /// Issuer Unknown: a throwaway OpenSSL CA (P-256) signs the CSR, copying the requested
    /// extensions, and OpenSSL verifies the chain — what a merge after an external CA does.
    fn openssl_ca_signs_the_csr(&self, f: &mut Files) {
        let c = self.case;
        let cnf = self.dir.join("ca.cnf");
        std::fs::write(&cnf, CA_CNF).expect("write ca.cnf");
        let (cnf, ca_key, ca_pem, leaf) = (
            path(&cnf).to_owned(),
            path(&self.dir.join("ca.key")).to_owned(),
            path(&self.dir.join("ca.pem")).to_owned(),
            path(&self.dir.join("leaf.pem")).to_owned(),
        );
        self.openssl_ok(&[
            "req",
            "-x509",
            "-config",
            &cnf,
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &ca_key,
            "-out",
            &ca_pem,
            "-days",
            "3650",
        ]);
        self.openssl_ok(&[
            "x509",
            "-req",
            "-inform",
            "DER",
            "-in",
            path(&f.csr_der),
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "7",
            "-days",
            "30",
            "-copy_extensions",
            "copyall",
            "-extfile",
            &cnf,
            "-extensions",
            "v3_leaf",
            "-out",
            &leaf,
        ]);
        // OpenSSL read kvcert's extensionRequest: the leaf carries exactly what was asked.
        let (t, _) = self.openssl_ok(&["x509", "-in", &leaf, "-noout", "-text"]);
        self.expect_line(&t, &format!("Subject: {}", c.subject_openssl));
        self.expect_line(&t, "Issuer: CN = Interop Test CA");
        self.openssl_extensions(&t);
        for strict in [false, true] {
            let mut args = vec!["verify"];
            if strict {
                args.push("-x509_strict");
            }
            args.extend(["-CAfile", &ca_pem, &leaf]);
            let o = exec("openssl", &args);
            let (out, err) = text(&o);
            if c.key == KeyKind::P256K {
                // OpenSSL 3 refuses explicit curve parameters in any chain longer than one
                // certificate, strict or not (a self-signed P-256K certificate passes).
                if o.status.success()
                    || !format!("{out}{err}").contains(
                        "error 94 at 0 depth lookup: Certificate public key has explicit ECC parameters",
                    )
                {
                    self.fail(
                        "OpenSSL was expected to refuse the CA-issued P-256K leaf with error 94",
                        format!("{out}{err}"),
                    );
                }
            } else if !o.status.success() || out.trim() != format!("{leaf}: OK") {
                self.fail(
                    &format!("`openssl {}` did not say OK", args.join(" ")),
                    format!("{out}{err}"),
                );
            }
        }
        f.ca_pem = Some(PathBuf::from(ca_pem));
        f.leaf_pem = Some(PathBuf::from(leaf));
    }

    // -----------------------------------------------------------------------------------------
    // Python cryptography
    // -----------------------------------------------------------------------------------------

    fn python(&self, f: &Files) -> Value {
        let cert = f.cert_der.as_deref().map(path).unwrap_or("");
        let leaf = f.leaf_pem.as_deref().map(path).unwrap_or("");
        let ca = f.ca_pem.as_deref().map(path).unwrap_or("");
        let o = exec(
            "python3",
            &[
                "-c",
                PYTHON,
                cert,
                path(&f.csr_der),
                path(&f.key_pem),
                leaf,
                ca,
            ],
        );
        let (out, err) = text(&o);
        if !o.status.success() {
            self.fail(
                "the cryptography script failed",
                format!("stdout:\n{out}\nstderr:\n{err}"),
            );
        }
        serde_json::from_str(&out)
            .unwrap_or_else(|e| self.fail(&format!("script output is not JSON: {e}"), &out))
    }

    /// Checks common to the CSR's and the certificate's view in Python.
    fn python_common(&self, what: &str, v: &Value, extension_order: &[String]) {
        let c = self.case;
        let ctx = |field: &str| format!("{what}.{field}: {v:#}");
        assert_eq!(v["subject"], c.subject_rfc4514, "{}", ctx("subject"));
        assert_eq!(
            v["signature_oid"],
            c.key.signature_oid(),
            "{}",
            ctx("signature_oid")
        );
        assert_eq!(
            v["signature_hash"],
            c.key.hash(),
            "{}",
            ctx("signature_hash")
        );
        // The signature, checked with the public half of the PKCS#8 key.
        assert_eq!(
            v["signature_verifies_with_private_keys_public_key"],
            true,
            "{}",
            ctx("signature")
        );
        let e = &v["extensions"];
        let order: Vec<String> = e["order"]
            .as_array()
            .expect("order")
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(order, extension_order, "{}", ctx("extension order"));
        assert_eq!(
            e["unrecognized"],
            Value::Null,
            "{}",
            ctx("unrecognized extensions")
        );
        if c.key_usage.is_empty() {
            assert_eq!(e["key_usage"], Value::Null, "{}", ctx("key_usage"));
        } else {
            assert_eq!(
                e["key_usage"],
                serde_json::json!(c.key_usage),
                "{}",
                ctx("key_usage")
            );
            assert_eq!(e["critical"]["2.5.29.15"], true, "{}", ctx("KU critical"));
        }
        if c.ekus.is_empty() {
            assert_eq!(e["eku"], Value::Null, "{}", ctx("eku"));
        } else {
            assert_eq!(e["eku"], serde_json::json!(c.ekus), "{}", ctx("eku"));
            assert_eq!(e["critical"]["2.5.29.37"], false, "{}", ctx("EKU critical"));
        }
        if c.sans.is_empty() {
            assert_eq!(e["san"], Value::Null, "{}", ctx("san"));
        } else {
            let want: Vec<String> = c.sans.iter().map(|s| s.python()).collect();
            assert_eq!(e["san"], serde_json::json!(want), "{}", ctx("san"));
            assert_eq!(
                e["critical"]["2.5.29.17"],
                c.subject_rfc4514.is_empty(),
                "{}",
                ctx("SAN critical iff no subject")
            );
        }
        assert_eq!(
            e["basic_constraints"],
            serde_json::json!({"ca": false, "path_length": null}),
            "{}",
            ctx("basic_constraints")
        );
        assert_eq!(e["critical"]["2.5.29.19"], false, "{}", ctx("BC critical"));
    }

    fn python_key(&self, v: &Value) {
        let k = &v["key"];
        match self.case.key {
            KeyKind::Rsa(bits) => {
                assert_eq!(k["type"], "RSA", "{v:#}");
                assert_eq!(k["bits"], bits, "{v:#}");
                assert_eq!(k["e"], 65537, "{v:#}");
            }
            other => {
                assert_eq!(k["type"], "EC", "{v:#}");
                assert_eq!(k["curve"], other.python_curve().unwrap(), "{v:#}");
            }
        }
    }

    fn python_csr(&self, py: &Value) {
        self.python_key(py);
        let v = &py["csr"];
        self.python_common("csr", v, &csr_extension_order(self.case));
        let attrs: Vec<&str> = v["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(
            attrs,
            ["1.2.840.113549.1.9.14"],
            "only extensionRequest: {v:#}"
        );
        if self.case.key == KeyKind::P256K {
            assert_explicit_params_refused(&v["is_signature_valid"], "csr.is_signature_valid", v);
            assert_explicit_params_refused(&v["public_key"], "csr.public_key()", v);
        } else {
            assert_eq!(
                v["is_signature_valid"], true,
                "csr.is_signature_valid: {v:#}"
            );
            assert_eq!(
                v["public_key"]["matches_private_key"], true,
                "csr key: {v:#}"
            );
        }
    }

    /// The CA-issued leaf (issuer Unknown) as `cryptography` sees it.
    fn python_ca_issued(&self, py: &Value) {
        let c = self.case;
        let v = &py["ca_issued"];
        assert_eq!(v["subject"], c.subject_rfc4514, "leaf subject: {v:#}");
        // Signed by the CA's P-256 key, so this works for a P-256K leaf too.
        assert_eq!(v["verify_directly_issued_by_ca"], "ok", "leaf: {v:#}");
        let e = &v["extensions"];
        if c.key_usage.is_empty() {
            assert_eq!(e["key_usage"], Value::Null, "{v:#}");
        } else {
            assert_eq!(e["key_usage"], serde_json::json!(c.key_usage), "{v:#}");
        }
        if c.ekus.is_empty() {
            assert_eq!(e["eku"], Value::Null, "{v:#}");
        } else {
            assert_eq!(e["eku"], serde_json::json!(c.ekus), "{v:#}");
        }
        let want: Vec<String> = c.sans.iter().map(|s| s.python()).collect();
        if want.is_empty() {
            assert_eq!(e["san"], Value::Null, "{v:#}");
        } else {
            assert_eq!(e["san"], serde_json::json!(want), "{v:#}");
        }
        if c.key == KeyKind::P256K {
            assert_explicit_params_refused(&v["public_key"], "leaf.public_key()", v);
        } else {
            assert_eq!(
                v["public_key"]["matches_private_key"], true,
                "leaf key: {v:#}"
            );
        }
    }

    fn python_certificate(&self, py: &Value) {
        let c = self.case;
        let v = &py["cert"];
        self.python_common("cert", v, &cert_extension_order(c));
        assert_eq!(v["version"], "v3", "{v:#}");
        assert_eq!(v["issuer"], c.subject_rfc4514, "issuer = subject: {v:#}");
        let nbf: kvcert::UnixTime = c.not_before.parse().unwrap();
        let exp: kvcert::UnixTime = c.not_after.parse().unwrap();
        assert_eq!(v["not_before"], nbf.as_secs(), "not_before: {v:#}");
        assert_eq!(v["not_after"], exp.as_secs(), "not_after: {v:#}");
        let serial = v["serial_hex"].as_str().expect("serial");
        assert!(
            serial.len() == 32 || serial.len() == 31,
            "16-byte positive serial: {serial}"
        );
        let e = &v["extensions"];
        assert_eq!(e["ski"], e["aki"]["key_identifier"], "AKI = SKI: {v:#}");
        assert_eq!(e["aki"]["issuer"], false, "{v:#}");
        assert_eq!(e["aki"]["serial"], Value::Null, "{v:#}");
        // RFC 5280 §4.2.1.2 method 1, computed by cryptography from the private key.
        assert_eq!(
            e["ski"], py["key"]["ski_method1"],
            "SKI = SHA-1(subjectPublicKey): {v:#}"
        );
        if c.key == KeyKind::P256K {
            // See the module docs: cryptography refuses explicit curve parameters.
            assert_explicit_params_refused(&v["public_key"], "cert.public_key()", v);
            assert_explicit_params_refused(
                &v["verify_directly_issued_by"],
                "cert.verify_directly_issued_by(cert)",
                v,
            );
        } else {
            assert_eq!(
                v["public_key"]["matches_private_key"], true,
                "cert key: {v:#}"
            );
            assert_eq!(
                v["verify_directly_issued_by"], "ok",
                "self-signature: {v:#}"
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // x509-cert
    // -----------------------------------------------------------------------------------------

    fn x509_cert_csr(&self, der: &[u8]) {
        let c = self.case;
        let req = CertReq::from_der(der)
            .unwrap_or_else(|e| self.fail("x509-cert cannot parse the CSR", e));
        assert_eq!(
            req.to_der().unwrap(),
            der,
            "{}: CSR re-encodes byte for byte",
            c.name
        );
        assert_eq!(req.info.version, x509_cert::request::Version::V1);
        assert_eq!(
            req.info.subject.to_string(),
            c.subject_rfc4514,
            "{}: CSR subject",
            c.name
        );
        assert_eq!(
            req.algorithm.oid.to_string(),
            c.key.signature_oid(),
            "{}",
            c.name
        );
        self.x509_cert_spki(&req.info.public_key);
        let attrs: Vec<_> = req.info.attributes.iter().collect();
        assert_eq!(attrs.len(), 1, "{}: one attribute", c.name);
        assert_eq!(
            attrs[0].oid.to_string(),
            "1.2.840.113549.1.9.14",
            "{}",
            c.name
        );
        let values: Vec<_> = attrs[0].values.iter().collect();
        assert_eq!(values.len(), 1, "{}: one extensionRequest value", c.name);
        let exts = ExtensionReq::from_der(&values[0].to_der().unwrap())
            .unwrap_or_else(|e| self.fail("x509-cert cannot parse extensionRequest", e))
            .0;
        let order: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
        assert_eq!(
            order,
            csr_extension_order(c),
            "{}: CSR extension order",
            c.name
        );
        self.x509_cert_extensions(&exts);
    }

    fn x509_cert_certificate(&self, der: &[u8], csr: &[u8]) {
        let c = self.case;
        let cert = Certificate::from_der(der)
            .unwrap_or_else(|e| self.fail("x509-cert cannot parse the certificate", e));
        assert_eq!(
            cert.to_der().unwrap(),
            der,
            "{}: certificate re-encodes byte for byte",
            c.name
        );
        let tbs = cert.tbs_certificate();
        assert_eq!(tbs.version(), x509_cert::Version::V3);
        assert_eq!(
            tbs.signature(),
            cert.signature_algorithm(),
            "{}: inner = outer algorithm",
            c.name
        );
        assert_eq!(
            cert.signature_algorithm().oid.to_string(),
            c.key.signature_oid()
        );
        assert_eq!(
            tbs.subject().to_string(),
            c.subject_rfc4514,
            "{}: subject",
            c.name
        );
        assert_eq!(tbs.issuer(), tbs.subject(), "{}: issuer = subject", c.name);
        let req = CertReq::from_der(csr).unwrap();
        assert_eq!(
            &req.info.subject,
            tbs.subject(),
            "{}: CSR and certificate subjects",
            c.name
        );
        assert_eq!(
            &req.info.public_key,
            tbs.subject_public_key_info(),
            "{}: same SPKI",
            c.name
        );
        self.x509_cert_spki(tbs.subject_public_key_info());
        let serial = tbs.serial_number().as_bytes();
        assert!(
            serial.len() == 16 && serial[0] != 0 && serial[0] < 0x80,
            "{}: serial {serial:02x?}",
            c.name
        );

        let nbf: kvcert::UnixTime = c.not_before.parse().unwrap();
        let exp: kvcert::UnixTime = c.not_after.parse().unwrap();
        for (t, want) in [
            (tbs.validity().not_before, nbf),
            (tbs.validity().not_after, exp),
        ] {
            assert_eq!(
                t.to_unix_duration().as_secs(),
                want.as_secs(),
                "{}: {t:?}",
                c.name
            );
            let general = want.to_string().as_str() >= "2050";
            match t {
                Time::UtcTime(_) if !general => {}
                Time::GeneralTime(_) if general => {}
                other => panic!("{}: {want} encoded as {other:?}", c.name),
            }
        }

        let exts = tbs.extensions().expect("v3 extensions");
        let order: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
        assert_eq!(
            order,
            cert_extension_order(c),
            "{}: certificate extension order",
            c.name
        );
        self.x509_cert_extensions(exts);
        let (crit, aki) = tbs
            .get_extension::<AuthorityKeyIdentifier>()
            .unwrap()
            .expect("AKI");
        let (crit2, ski) = tbs
            .get_extension::<SubjectKeyIdentifier>()
            .unwrap()
            .expect("SKI");
        assert!(!crit && !crit2);
        assert_eq!(
            aki.key_identifier.as_ref(),
            Some(&ski.0),
            "{}: AKI = SKI",
            c.name
        );
        assert!(aki.authority_cert_issuer.is_none() && aki.authority_cert_serial_number.is_none());
        assert_eq!(ski.0.as_bytes().len(), 20);
    }

    fn x509_cert_spki(&self, spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) {
        let c = self.case;
        match c.key {
            KeyKind::Rsa(_) => {
                assert_eq!(spki.algorithm.oid.to_string(), "1.2.840.113549.1.1.1");
                assert_eq!(
                    spki.algorithm
                        .parameters
                        .as_ref()
                        .unwrap()
                        .to_der()
                        .unwrap(),
                    [5, 0],
                    "NULL"
                );
            }
            k => {
                assert_eq!(spki.algorithm.oid.to_string(), "1.2.840.10045.2.1");
                let params = spki.algorithm.parameters.as_ref().expect("EC parameters");
                match k.named_curve_oid() {
                    Some(oid) => {
                        let got: der::asn1::ObjectIdentifier =
                            params.decode_as().expect("named curve");
                        assert_eq!(got.to_string(), oid, "{}", c.name);
                    }
                    None => assert_eq!(
                        params.tag(),
                        der::Tag::Sequence,
                        "{}: explicit ECParameters",
                        c.name
                    ),
                }
                let point = spki.subject_public_key.raw_bytes();
                let coord = match k {
                    KeyKind::P384 => 48,
                    KeyKind::P521 => 66,
                    _ => 32,
                };
                assert_eq!(point.len(), 1 + 2 * coord, "{}: uncompressed point", c.name);
                assert_eq!(point[0], 4, "{}: uncompressed point", c.name);
            }
        }
    }

    fn x509_cert_extensions(&self, exts: &[x509_cert::ext::Extension]) {
        let c = self.case;
        let find = |oid: &str| exts.iter().find(|e| e.extn_id.to_string() == oid);
        match find("2.5.29.15") {
            None => assert!(c.key_usage.is_empty(), "{}: KeyUsage missing", c.name),
            Some(e) => {
                assert!(e.critical, "{}: KeyUsage critical", c.name);
                let ku = KeyUsage::from_der(e.extn_value.as_bytes()).expect("KeyUsage");
                let names: Vec<&str> = KU_BITS
                    .iter()
                    .filter(|(f, _)| ku.0.contains(*f))
                    .map(|(_, n)| *n)
                    .collect();
                assert_eq!(names, c.key_usage, "{}: KeyUsage", c.name);
            }
        }
        let bc = find("2.5.29.19").expect("BasicConstraints");
        assert!(!bc.critical);
        let bc = BasicConstraints::from_der(bc.extn_value.as_bytes()).expect("BasicConstraints");
        assert!(!bc.ca && bc.path_len_constraint.is_none());
        match find("2.5.29.37") {
            None => assert!(c.ekus.is_empty(), "{}: EKU missing", c.name),
            Some(e) => {
                assert!(!e.critical);
                let eku = ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).expect("EKU");
                let got: Vec<String> = eku.0.iter().map(ToString::to_string).collect();
                assert_eq!(got, c.ekus, "{}: EKU", c.name);
            }
        }
        match find("2.5.29.17") {
            None => assert!(c.sans.is_empty(), "{}: SAN missing", c.name),
            Some(e) => {
                assert_eq!(
                    e.critical,
                    c.subject_rfc4514.is_empty(),
                    "{}: SAN critical iff no subject",
                    c.name
                );
                let san = SubjectAltName::from_der(e.extn_value.as_bytes()).expect("SAN");
                assert_eq!(san.0.len(), c.sans.len(), "{}: SAN count", c.name);
                for (got, want) in san.0.iter().zip(c.sans) {
                    let ok = match (got, want) {
                        (GeneralName::DnsName(g), San::Dns(w)) => g.as_str() == *w,
                        (GeneralName::Rfc822Name(g), San::Email(w)) => g.as_str() == *w,
                        (GeneralName::UniformResourceIdentifier(g), San::Uri(w)) => {
                            g.as_str() == *w
                        }
                        (GeneralName::IpAddress(g), San::Ip(w, _)) => {
                            let ip: IpAddr = w.parse().unwrap();
                            let octets = match ip {
                                IpAddr::V4(a) => a.octets().to_vec(),
                                IpAddr::V6(a) => a.octets().to_vec(),
                            };
                            g.as_bytes() == octets.as_slice()
                        }
                        (GeneralName::OtherName(g), San::Upn(w)) => {
                            g.type_id.to_string() == "1.3.6.1.4.1.311.20.2.3"
                                && g.value
                                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                                    .map(|s| s.as_str() == *w)
                                    .unwrap_or(false)
                        }
                        _ => false,
                    };
                    assert!(ok, "{}: SAN {got:?} != {want:?}", c.name);
                }
            }
        }
    }
}

fn csr_extension_order(c: &Case) -> Vec<String> {
    let mut v = Vec::new();
    if !c.key_usage.is_empty() {
        v.push("2.5.29.15");
    }
    if !c.ekus.is_empty() {
        v.push("2.5.29.37");
    }
    if !c.sans.is_empty() {
        v.push("2.5.29.17");
    }
    v.push("2.5.29.19");
    v.into_iter().map(String::from).collect()
}

fn cert_extension_order(c: &Case) -> Vec<String> {
    let mut v = Vec::new();
    if !c.key_usage.is_empty() {
        v.push("2.5.29.15");
    }
    v.push("2.5.29.19");
    if !c.ekus.is_empty() {
        v.push("2.5.29.37");
    }
    if !c.sans.is_empty() {
        v.push("2.5.29.17");
    }
    v.extend(["2.5.29.35", "2.5.29.14"]);
    v.into_iter().map(String::from).collect()
}

const KU_BITS: [(KeyUsages, &str); 9] = [
    (KeyUsages::DigitalSignature, "digitalSignature"),
    (KeyUsages::NonRepudiation, "nonRepudiation"),
    (KeyUsages::KeyEncipherment, "keyEncipherment"),
    (KeyUsages::DataEncipherment, "dataEncipherment"),
    (KeyUsages::KeyAgreement, "keyAgreement"),
    (KeyUsages::KeyCertSign, "keyCertSign"),
    (KeyUsages::CRLSign, "cRLSign"),
    (KeyUsages::EncipherOnly, "encipherOnly"),
    (KeyUsages::DecipherOnly, "decipherOnly"),
];

fn openssl_key_usage(name: &str) -> &'static str {
    match name {
        "digitalSignature" => "Digital Signature",
        "nonRepudiation" => "Non Repudiation",
        "keyEncipherment" => "Key Encipherment",
        "dataEncipherment" => "Data Encipherment",
        "keyAgreement" => "Key Agreement",
        "keyCertSign" => "Certificate Sign",
        "cRLSign" => "CRL Sign",
        "encipherOnly" => "Encipher Only",
        "decipherOnly" => "Decipher Only",
        other => panic!("unknown key usage {other}"),
    }
}

fn openssl_eku(oid: &str) -> &str {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "TLS Web Server Authentication",
        "1.3.6.1.5.5.7.3.2" => "TLS Web Client Authentication",
        "1.3.6.1.5.5.7.3.3" => "Code Signing",
        "1.3.6.1.5.5.7.3.4" => "E-mail Protection",
        other => other, // OpenSSL prints unknown OIDs dotted
    }
}

/// `(critical, first value line)` of an extension in `openssl … -text` output.
fn ext_block(t: &str, header: &str) -> Option<(bool, String)> {
    let mut lines = t.lines();
    while let Some(l) = lines.next() {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix(header) {
            let critical = rest.trim() == "critical";
            return Some((critical, lines.next().unwrap_or("").trim().to_owned()));
        }
    }
    None
}

/// RFC 3339 (`2027-01-15T12:00:00Z`) as OpenSSL prints it (`Jan 15 12:00:00 2027 GMT`).
fn openssl_date(rfc3339: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = rfc3339[5..7].parse().unwrap();
    let day: u32 = rfc3339[8..10].parse().unwrap();
    format!(
        "{} {day:>2} {} {} GMT",
        MONTHS[month - 1],
        &rfc3339[11..19],
        &rfc3339[0..4]
    )
}

/// RFC 3339 as `openssl asn1parse` shows the X.509 Time (RFC 5280 §4.1.2.5 choice).
fn x509_time(rfc3339: &str) -> String {
    let digits: String = rfc3339.chars().filter(char::is_ascii_digit).collect();
    if &rfc3339[0..4] >= "2050" {
        format!("GENERALIZEDTIME:{digits}Z")
    } else {
        format!("UTCTIME:{}Z", &digits[2..])
    }
}

/// `cryptography`'s refusal of explicit curve parameters, as the script records an exception.
fn assert_explicit_params_refused(got: &Value, what: &str, all: &Value) {
    assert_eq!(got["error"], "UnsupportedAlgorithm", "{what}: {all:#}");
    let msg = got["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("explicit parameters") && msg.contains("No custom curves are supported"),
        "{what}: unexpected message {msg:?}"
    );
}

/// OpenSSL configuration for the throwaway CA of the issuer-Unknown cases.
const CA_CNF: &str = "\
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = Interop Test CA
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
";

/// Loads the key, CSR and (if given) certificate with `cryptography` and prints what it sees
/// as JSON. argv: cert.der (or ""), csr.der, key.pem, CA-issued leaf.pem (or ""), ca.pem.
const PYTHON: &str = r#"
import sys, json
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

cert_path, csr_path, key_path, leaf_path, ca_path = sys.argv[1:6]
key = serialization.load_pem_private_key(open(key_path, 'rb').read(), password=None)
pub = key.public_key()
SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

def err(e):
    return {'error': type(e).__name__, 'message': str(e)}

def key_info():
    d = {'ski_method1': x509.SubjectKeyIdentifier.from_public_key(pub).digest.hex()}
    if isinstance(key, rsa.RSAPrivateKey):
        d.update(type='RSA', bits=key.key_size, e=pub.public_numbers().e)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        d.update(type='EC', curve=key.curve.name, bits=key.curve.key_size)
    else:
        d.update(type=type(key).__name__)
    return d

def verifies(sig, data, h):
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(sig, data, padding.PKCS1v15(), h)
        else:
            pub.verify(sig, data, ec.ECDSA(h))
        return True
    except InvalidSignature:
        return False

def public_key(obj):
    try:
        k = obj.public_key()
    except Exception as e:
        return err(e)
    return {'type': type(k).__name__, 'matches_private_key': k.public_bytes(*SPKI) == pub.public_bytes(*SPKI)}

KU = [('digital_signature', 'digitalSignature'), ('content_commitment', 'nonRepudiation'),
      ('key_encipherment', 'keyEncipherment'), ('data_encipherment', 'dataEncipherment'),
      ('key_agreement', 'keyAgreement'), ('key_cert_sign', 'keyCertSign'), ('crl_sign', 'cRLSign'),
      ('encipher_only', 'encipherOnly'), ('decipher_only', 'decipherOnly')]

def der_utf8(v):
    if len(v) < 2 or v[0] != 0x0c:
        return None
    n, i = v[1], 2
    if n & 0x80:
        k = n & 0x7f
        n, i = int.from_bytes(v[2:2 + k], 'big'), 2 + k
    if i + n != len(v):
        return None
    return v[i:].decode('utf-8')

def general_name(g):
    if isinstance(g, x509.DNSName): return 'DNS:' + g.value
    if isinstance(g, x509.RFC822Name): return 'email:' + g.value
    if isinstance(g, x509.UniformResourceIdentifier): return 'URI:' + g.value
    if isinstance(g, x509.IPAddress): return 'IP:' + str(g.value)
    if isinstance(g, x509.OtherName):
        s = der_utf8(g.value)
        if g.type_id.dotted_string == '1.3.6.1.4.1.311.20.2.3' and s is not None:
            return 'UPN:' + s
        return 'othername:' + g.type_id.dotted_string + ':' + g.value.hex()
    return 'unexpected:' + repr(g)

def extensions(exts):
    d = {'order': [e.oid.dotted_string for e in exts],
         'critical': {e.oid.dotted_string: e.critical for e in exts}}
    for e in exts:
        v = e.value
        if isinstance(v, x509.KeyUsage):
            names = []
            for attr, name in KU:
                try:
                    if getattr(v, attr): names.append(name)
                except ValueError:  # encipher/decipher_only without keyAgreement
                    pass
            d['key_usage'] = names
        elif isinstance(v, x509.ExtendedKeyUsage):
            d['eku'] = [o.dotted_string for o in v]
        elif isinstance(v, x509.SubjectAlternativeName):
            d['san'] = [general_name(g) for g in v]
        elif isinstance(v, x509.BasicConstraints):
            d['basic_constraints'] = {'ca': v.ca, 'path_length': v.path_length}
        elif isinstance(v, x509.SubjectKeyIdentifier):
            d['ski'] = v.digest.hex()
        elif isinstance(v, x509.AuthorityKeyIdentifier):
            d['aki'] = {'key_identifier': v.key_identifier.hex() if v.key_identifier is not None else None,
                        'issuer': v.authority_cert_issuer is not None,
                        'serial': v.authority_cert_serial_number}
        else:
            d.setdefault('unrecognized', []).append(e.oid.dotted_string)
    return d

out = {'key': key_info()}

csr = x509.load_der_x509_csr(open(csr_path, 'rb').read())
try:
    valid = csr.is_signature_valid
except Exception as e:
    valid = err(e)
out['csr'] = {
    'subject': csr.subject.rfc4514_string(),
    'signature_oid': csr.signature_algorithm_oid.dotted_string,
    'signature_hash': csr.signature_hash_algorithm.name,
    'is_signature_valid': valid,
    'signature_verifies_with_private_keys_public_key':
        verifies(csr.signature, csr.tbs_certrequest_bytes, csr.signature_hash_algorithm),
    'public_key': public_key(csr),
    'attributes': [a.oid.dotted_string for a in csr.attributes],
    'extensions': extensions(csr.extensions),
}

if cert_path:
    cert = x509.load_der_x509_certificate(open(cert_path, 'rb').read())
    try:
        cert.verify_directly_issued_by(cert)
        self_verify = 'ok'
    except Exception as e:
        self_verify = err(e)
    out['cert'] = {
        'version': cert.version.name,
        'serial_hex': format(cert.serial_number, 'x'),
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'signature_oid': cert.signature_algorithm_oid.dotted_string,
        'signature_hash': cert.signature_hash_algorithm.name,
        'not_before': int(cert.not_valid_before_utc.timestamp()),
        'not_after': int(cert.not_valid_after_utc.timestamp()),
        'verify_directly_issued_by': self_verify,
        'signature_verifies_with_private_keys_public_key':
            verifies(cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm),
        'public_key': public_key(cert),
        'extensions': extensions(cert.extensions),
    }

if leaf_path:
    leaf = x509.load_pem_x509_certificate(open(leaf_path, 'rb').read())
    ca = x509.load_pem_x509_certificate(open(ca_path, 'rb').read())
    try:
        leaf.verify_directly_issued_by(ca)
        by_ca = 'ok'
    except Exception as e:
        by_ca = err(e)
    out['ca_issued'] = {
        'subject': leaf.subject.rfc4514_string(),
        'verify_directly_issued_by_ca': by_ca,
        'public_key': public_key(leaf),
        'extensions': extensions(leaf.extensions),
    }

print(json.dumps(out))
"#;

/// Issue 5: every key from kvcert's own prime search passes `openssl pkey -check` (which checks
/// that p and q are prime, n = p·q, d·e ≡ 1 mod λ, and the CRT values), and its signatures
/// verify with the `rsa` crate and with `openssl dgst -verify`. Twelve RSA-2048 keys from
/// different seeds, one 3072 and one 4096. Without OpenSSL only the `rsa` crate checks them.
#[test]
fn generated_rsa_keys_pass_openssl_pkey_check_and_sign() {
    use rsa::pkcs8::DecodePublicKey;
    let openssl = support::tool(Tool::OpenSsl, SUITE);
    let dir = TempDir::new("interop-keygen");
    let dir = dir.path();
    let sizes = std::iter::repeat_n(kvcert::RsaSize::Rsa2048, 12)
        .chain([kvcert::RsaSize::Rsa3072, kvcert::RsaSize::Rsa4096]);
    for (seed, size) in (100u64..).zip(sizes) {
        let key = kvcert::KeyPair::generate(
            kvcert::KeySpec::Rsa(size),
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .expect("key");
        // Signature: kvcert signs, the rsa crate and OpenSSL verify.
        let message = format!("kvcert keygen interop, seed {seed}").into_bytes();
        let signature = key
            .sign(&message, &mut ChaCha20Rng::seed_from_u64(seed ^ 1))
            .expect("sign");
        let spki = key.subject_public_key_info().expect("spki");
        let public = rsa::PublicKey::from_public_key_der(&spki).expect("rsa public key");
        let digest = {
            use sha2::Digest;
            sha2::Sha256::digest(&message)
        };
        public
            .verify(
                rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                &digest,
                &signature,
            )
            .unwrap_or_else(|e| panic!("seed {seed}: rsa crate rejects the signature: {e}"));
        if !openssl {
            continue;
        }
        // OpenSSL checks the key and verifies the signature.
        let key_path = dir.join(format!("key-{seed}.pem"));
        std::fs::write(&key_path, key.to_pkcs8_pem().expect("pem").as_bytes()).expect("write");
        let o = exec(
            "openssl",
            &["pkey", "-in", path(&key_path), "-check", "-noout"],
        );
        let (out, err) = text(&o);
        assert!(
            o.status.success() && out.contains("Key is valid"),
            "seed {seed}: pkey -check failed\n{out}\n{err}"
        );
        let (msg_path, sig_path) = (dir.join("msg"), dir.join("sig"));
        std::fs::write(&msg_path, &message).expect("write");
        std::fs::write(&sig_path, &signature).expect("write");
        let pub_path = dir.join(format!("pub-{seed}.pem"));
        let o = exec(
            "openssl",
            &[
                "pkey",
                "-in",
                path(&key_path),
                "-pubout",
                "-out",
                path(&pub_path),
            ],
        );
        assert!(o.status.success(), "seed {seed}: pkey -pubout");
        let o = exec(
            "openssl",
            &[
                "dgst",
                "-sha256",
                "-verify",
                path(&pub_path),
                "-signature",
                path(&sig_path),
                path(&msg_path),
            ],
        );
        let (out, err) = text(&o);
        assert!(
            o.status.success() && out.contains("Verified OK"),
            "seed {seed}: openssl rejects the signature\n{out}\n{err}"
        );
    }
}
