//! Import Certificate (`POST {vault}/certificates/{name}/import`): a certificate and its
//! private key go in; the certificate bundle, the managed secret and key, and the policy the
//! service derives from the certificate come out.
//!
//! The behaviour follows real-service recordings where they exist (Python and Java PFX
//! imports without a policy, C++ PFX and PEM re-imports with one, .NET PEM imports with
//! `preserveCertOrder`; `docs/service-facts-keys-secrets-import.md` lists their repositories and paths) and the service's
//! error texts as quoted in public issues (see [`Error`]).
//!
//! # The value
//!
//! The format is chosen by the request's `policy.secret_props.contentType`, as the service
//! chooses it: a PFX needs no content type, a PEM needs `application/x-pem-file` (Azure SDK
//! for Go #21780, Azure CLI #27220).
//!
//! | content type | `value` | read as |
//! |---|---|---|
//! | absent or `application/x-pkcs12` | base64 PFX (whitespace ignored), `pwd` its password | [`crate::pkcs12::decode_pfx_with_limits`], the vault's limits |
//! | `application/x-pem-file` | PEM text, or base64 of PEM text (the service's message names both) | `CERTIFICATE` blocks and one PKCS#8 `PRIVATE KEY` block, in any order (the .NET recording sends the certificate first); text between blocks is ignored |
//!
//! PEM keys that are not PKCS#8 — `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1),
//! `ENCRYPTED PRIVATE KEY` — and any other block label are refused with the service's
//! `…is in an unexpected format…` message, as the service refuses a PKCS#1 key (Azure CLI
//! #19017). Handling PKCS#1 and SEC1 therefore means refusing them with that text.
//!
//! # Refusals (all 400 `BadParameter`)
//!
//! | case | error |
//! |---|---|
//! | name not 1–127 of `0-9a-zA-Z-` | [`Error::InvalidName`] (checked first) |
//! | body larger than [`MAX_IMPORT_BODY_LEN`], not JSON, wrong types | [`Error::MalformedRequest`] |
//! | no `value` | `Property value has invalid value. A value is required` (kvcert's text) |
//! | unknown content type | `policy.secret_props`, as on create |
//! | PFX not base64, not PKCS#12, unsupported algorithm, wrong password | [`Error::Pkcs12Unreadable`] |
//! | a PEM value with a policy but no content type | [`Error::InvalidPolicy`] (`Property policy has invalid value\r\n`) |
//! | PEM value that holds no PEM block | [`Error::PemUnreadable`] |
//! | PEM block not PKCS#8 / not `CERTIFICATE`, bad base64, unterminated | [`Error::PemUnexpectedFormat`] |
//! | no key, two keys, no certificate, or a key that matches no certificate | [`Error::NoCertificateWithPrivateKey`] |
//! | a certificate that does not parse, notAfter ≤ notBefore, more than [`MAX_CERTIFICATES`] | [`Error::InvalidCertificate`] |
//! | RSA other than 2048/3072/4096 bits | [`Error::UnsupportedKeySize`] (`Unsupported key size (1024). Supported sizes are [2048, 3072, 4096]`) |
//! | neither RSA nor EC on P-256/P-384/P-521/P-256K (named curve) | [`Error::UnsupportedKeyType`] |
//! | the rest of the policy (lifetime actions, issuer, tags, `key_props.kty`) | the create rules ([`crate::service::plan`]) |
//!
//! # What is stored
//!
//! The key is the one that matches a certificate's public key (compared as numbers: RSA
//! modulus and exponent, EC point, compressed or not); that certificate is the leaf. The chain
//! is stored leaf first and the others in uploaded order, or exactly as uploaded with
//! `preserveCertOrder: true` (swagger: "The default value is false, which sets the leaf
//! certificate at index 0").
//!
//! The policy's `x509_props` always come from the leaf, whatever the request sent (recorded:
//! subject `CN=contoso.com` sent, `CN=Azure SDK` stored):
//!
//! - `subject`: the RDNs in reverse DER order joined by `", "`, with Windows' short names
//!   (`CN O OU L S C E DC STREET T G I SN SERIALNUMBER`, plus `Description`, `PostalCode`,
//!   `POBox`, `Phone`) and `OID.x.y.z` for other types — `S=`, not `ST=`, is recorded.
//!   Multi-valued RDNs are joined with `" + "` in DER order. A value is put in double quotes,
//!   inner quotes doubled, when it contains `, + = " \ < > # ;` or a line break or starts or
//!   ends with white space (Windows `CertNameToStr`; only plain values were recorded). Values
//!   that are not character strings are written `#` and the hex of their DER.
//! - `sans`: only when the certificate has a SubjectAltName extension; then all five lists,
//!   empty ones included, `emails, dns_names, upns, uris, ipAddresses` (the 2025-07-01
//!   shape). Other name forms (directoryName, registeredID, other otherNames) are not listed.
//! - `ekus`: the EKU OIDs in certificate order, `[]` without the extension.
//! - `key_usage`: the KeyUsage bits as sorted names, `[]` without the extension.
//! - `validity_months`: calendar months from notBefore to notAfter, rounded up when anything
//!   is left over (four recorded cases fit only this rule: 296 months + 2 days → 297; 1199
//!   months + 7 days → 1200; 12 months + 10 minutes → 13; exactly 120 months → 120). A Key Vault
//!   12-month certificate (backdated 10 minutes) re-imports as 13 months.
//! - `basic_constraints.ca`: the certificate's cA flag, `false` without the extension.
//!
//! The rest: `key_props` `kty` (the request's `RSA-HSM`/`EC-HSM` spelling is kept),
//! `key_size` and `crv` from the key, `exportable` (default `true`) and `reuse_key` (default
//! `false`) from the request; `contentType` as sent, default `application/x-pkcs12`;
//! `issuer` as sent, default `Unknown`; `lifetime_actions` as sent (`[]` kept), default
//! `EmailContacts` at 80 % for `Unknown` and `AutoRenew` at 80 % otherwise; `attributes`
//! `{enabled, created, updated}` at `now`.
//!
//! The bundle has no `pending`; `tags` and `preserveCertOrder` appear when sent; `nbf`/`exp`
//! are the certificate's validity. The secret is re-encoded: a PFX in the service's layout
//! ([`crate::pkcs12::encode_service_pfx`], zero-length password, the whole chain with
//! `localKeyID` on the leaf), or PEM with the key block first and then the chain. The
//! password is not kept ("Key Vault doesn't save the associated password").
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert |
//! |---|---|
//! | the request's `key_size`/`crv` differ from the key | the key's win (as the certificate's x509_props win) |
//! | `kty` of the other family (`EC` for an RSA key) | refused by the create rules; for an RSA key that gives `Unsupported key size (2048). Supported sizes are [256, 384, 521]`, the text reported for an import (MicrosoftDocs/azure-docs #115129) |
//! | `key_ops` of a certificate without KeyUsage | every operation of the key type (RFC 5280: no extension, no restriction) |
//! | days_before_expiry bound | validity_months × 27, validity_months capped at 1200 |
//! | expired certificates | accepted (the FAQ says they cannot be imported; no message is known) |
//! | PKCS#8 attributes and CSP name of an uploaded PFX key | not carried over: the secret is written as for a created certificate |
//! | `ENCRYPTED PRIVATE KEY` PEM, `pwd` with PEM | refused / ignored |
//! | EC keys with explicit curve parameters | refused ([`Error::UnsupportedKeyType`]) |
//! | IPv6 SANs | RFC 5952 text (`2001:db8::1`) |
//!
//! # Determinism and fuzzing
//!
//! No key is generated, so an import is cheap apart from the PFX key derivation (bounded by
//! the vault's [`crate::pkcs12::Pkcs12Limits`], checked before any derivation) and RSA key validation (≤ 4096 bits). `rng`
//! supplies, in order, the version (16 bytes) and then the secret: for a PFX the RSA key's
//! friendlyName GUID (16 bytes) and the salts. A fuzz target can call
//! [`import_certificate`] with any bytes, a fixed [`Vault`], a fixed `now` and a seeded RNG;
//! no input panics.

use crate::key::pkcs8::{Pkcs8Problem, read_pkcs8};
use crate::key::{KeyPair, KeySpec};
use crate::service::error::KeyPairing;
use crate::service::plan::{CertificateName, ContentType, IssuancePlan};
use crate::service::version::{NewVersion, StoredVersion};
use crate::x509::key_usage::KeyUsages;
use crate::x509::read::{self, CertificateFacts, SanLists};
use crate::{service::error::Error, service::vault::Vault, service::wire, x509::time::UnixTime};
use der::Decode;
use rand_core::CryptoRng;
use x509_cert::Certificate;

mod value;

pub(crate) use value::Upload;
use value::{looks_like_pem, read_value};

/// The largest import request body [`import_certificate`] reads (1 MiB; a kvcert bound — the
/// service keeps secrets of at most 25 KB, so real certificate files are far smaller).
pub const MAX_IMPORT_BODY_LEN: usize = 1024 * 1024;
/// The most certificates one import may hold.
pub const MAX_CERTIFICATES: usize = 64;

/// Everything one Import Certificate produces.
#[derive(Debug)]
#[non_exhaustive]
pub struct Imported {
    /// The private key (zeroized on drop).
    pub key: KeyPair,
    /// The leaf certificate (the key's), DER.
    pub certificate: Vec<u8>,
    /// Every uploaded certificate in the stored order (leaf first unless `preserveCertOrder`).
    pub chain: Vec<Vec<u8>>,
    /// The leaf's index in `chain` (0 unless `preserveCertOrder` kept another order).
    pub leaf_index: usize,
    /// The leaf's `notBefore`.
    pub not_before: UnixTime,
    /// The leaf's `notAfter`.
    pub not_after: UnixTime,
    /// The object version shared by `id`, `kid` and `sid` (32 lowercase hex).
    pub version: String,
    /// The 200 body: the `CertificateBundle` (no `pending`).
    pub bundle: wire::CertificateBundle,
    /// `GET /keys/{name}`: the managed key, public parts.
    pub key_bundle: wire::KeyBundle,
    /// `GET /secrets/{name}`: the managed secret, re-encoded. Its `Debug` hides the value.
    pub secret: wire::SecretBundle,
}

/// Import Certificate from a request body (`CertificateImportParameters` JSON): parse, read
/// the value, pair key and certificate, derive the policy, answer.
///
/// The name is checked first, then the body's size and JSON, then [`import`]'s rules. Never
/// panics, whatever `body` holds. The same body, vault, `now` and RNG stream give identical
/// output.
pub fn import_certificate<R: CryptoRng + ?Sized>(
    name: &str,
    body: &[u8],
    vault: &Vault,
    now: UnixTime,
    rng: &mut R,
) -> Result<Imported, Error> {
    // The name is part of the URI: checked before the body, as on create.
    CertificateName::try_from(name)?;
    let request: wire::CertificateImportParameters =
        crate::service::shape::parse_request(body, MAX_IMPORT_BODY_LEN)?;
    import(name, &request, vault, now, rng)
}

/// Import Certificate for a parsed request (see [`import_certificate`] and the
/// [module docs](self)).
pub fn import<R: CryptoRng + ?Sized>(
    name: &str,
    request: &wire::CertificateImportParameters,
    vault: &Vault,
    now: UnixTime,
    rng: &mut R,
) -> Result<Imported, Error> {
    // A shim: the work is compiled once, in kvcert (see `KeyPair::generate`).
    import_dyn(name, request, vault, now, &mut { rng })
}

fn import_dyn(
    name: &str,
    request: &wire::CertificateImportParameters,
    vault: &Vault,
    now: UnixTime,
    rng: &mut dyn CryptoRng,
) -> Result<Imported, Error> {
    let name = CertificateName::try_from(name)?;
    let wire::CertificateImportParameters {
        value,
        pwd,
        policy,
        // Validated and echoed through the plan (`request_plan`).
        attributes: _,
        tags: _,
        preserve_cert_order,
    } = request;
    let value = value
        .as_deref()
        .ok_or_else(|| Error::property("value", "A value is required"))?;
    if value.len() > MAX_IMPORT_BODY_LEN {
        return Err(Error::property("value", "The value is too large"));
    }
    let (format, explicit) = value_format(policy.as_ref())?;
    let upload = match read_value(value, pwd.as_deref(), format, &vault.pfx_limits) {
        // A PEM sent with a policy that has no content type (Azure CLI #27220, Azure SDK for
        // Go #21780: "Property policy has invalid value").
        Err(Error::Pkcs12Unreadable { .. })
            if policy.is_some() && !explicit && looks_like_pem(value) =>
        {
            return Err(Error::InvalidPolicy);
        }
        other => other?,
    };
    let (key, uploaded, leaf_at) = pair(upload, format)?;

    let leaf_der = uploaded
        .get(leaf_at)
        .ok_or_else(|| Error::internal("leaf index out of range"))?
        .clone();
    let leaf = Certificate::from_der(&leaf_der).map_err(invalid_certificate)?;
    let facts = read::facts(&leaf)?;
    let x509_props = x509_properties(&facts);

    let plan = request_plan(name.as_str(), request, &key, &facts)?;
    let preserve = preserve_cert_order.unwrap_or(false);
    let (chain, leaf_index) = if preserve {
        (uploaded, leaf_at)
    } else {
        let mut chain = Vec::with_capacity(uploaded.len());
        chain.push(leaf_der.clone());
        chain.extend(
            uploaded
                .into_iter()
                .enumerate()
                .filter(|(i, _)| *i != leaf_at)
                .map(|(_, c)| c),
        );
        (chain, 0)
    };

    // Recorded: import responses have no `pending`; `preserveCertOrder` is echoed at the end.
    let StoredVersion {
        version,
        bundle,
        key_bundle,
        secret,
        deferred: _,
    } = NewVersion {
        vault,
        plan: &plan,
        key: &key,
        chain: &chain,
        leaf: leaf_index,
        not_before: facts.not_before,
        not_after: facts.not_after,
        now,
        x509_props: Some(x509_props),
        pending: false,
        pfx: crate::service::secret::PfxTiming::Now,
    }
    .store(rng)?;
    Ok(Imported {
        key,
        certificate: leaf_der,
        chain,
        leaf_index,
        not_before: facts.not_before,
        not_after: facts.not_after,
        version,
        bundle,
        key_bundle,
        secret,
    })
}

/// The certificate's properties as the service stores them in `policy.x509_props` (see the
/// [module docs](self)).
fn x509_properties(facts: &CertificateFacts) -> wire::X509CertificateProperties {
    wire::X509CertificateProperties {
        subject: Some(facts.subject.clone()),
        sans: facts.sans.as_ref().map(sans_to_wire),
        ekus: Some(facts.ekus.clone()),
        key_usage: Some(
            facts
                .key_usage
                .sorted_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
        validity_months: Some(i64::from(facts.validity_months)),
        basic_constraints: Some(wire::BasicConstraints { ca: facts.ca }),
    }
}

/// A certificate's SANs as the service shows them: all five lists, empty ones included
/// (recorded 2025-07-01 shape).
pub(crate) fn sans_to_wire(sans: &SanLists) -> wire::SubjectAlternativeNames {
    wire::SubjectAlternativeNames {
        emails: Some(sans.emails.clone()),
        dns_names: Some(sans.dns_names.clone()),
        upns: Some(sans.upns.clone()),
        uris: Some(sans.uris.clone()),
        ip_addresses: Some(sans.ip_addresses.clone()),
    }
}

/// The import's plan: the request's sections checked as on create, with `key_props`
/// completed from the uploaded key (the sent `kty` or the key's family; the key's size and
/// curve) and the key usages and validity the certificate has.
fn request_plan(
    name: &str,
    request: &wire::CertificateImportParameters,
    key: &KeyPair,
    facts: &CertificateFacts,
) -> Result<IssuancePlan, Error> {
    let sent = request
        .policy
        .as_ref()
        .and_then(|p| p.key_props.clone())
        .unwrap_or_default();
    let (family, crv) = match key.spec() {
        KeySpec::Rsa(_) => ("RSA", None),
        KeySpec::Ec(c) => ("EC", Some(c.name().to_owned())),
    };
    let key_props = wire::KeyProperties {
        exportable: sent.exportable,
        kty: Some(sent.kty.clone().unwrap_or_else(|| family.to_owned())),
        key_size: Some(i64::from(key.spec().bits())),
        reuse_key: sent.reuse_key,
        crv,
    };
    // key_ops follow the certificate's key usages; without the extension, every usage.
    let usages = if facts.key_usage.is_empty() {
        KeyUsages::ALL
    } else {
        facts.key_usage
    };
    let months = facts.validity_months.max(1);
    IssuancePlan::for_import(name, request, &key_props, key.spec(), usages, months)
}

/// The value's format from the content type, and whether the request named it.
fn value_format(policy: Option<&wire::CertificatePolicy>) -> Result<(ContentType, bool), Error> {
    let ct = policy
        .and_then(|p| p.secret_props.as_ref())
        .and_then(|s| s.content_type.as_deref());
    match ct {
        None => Ok((ContentType::Pkcs12, false)),
        Some(c) if c.eq_ignore_ascii_case("application/x-pkcs12") => {
            Ok((ContentType::Pkcs12, true))
        }
        Some(c) if c.eq_ignore_ascii_case("application/x-pem-file") => Ok((ContentType::Pem, true)),
        // The create rule's text (`plan`), checked here because it picks the reader.
        Some(c) => {
            let shown: String = c.chars().take(64).collect();
            let more = if c.chars().count() > 64 { "…" } else { "" };
            Err(Error::property(
                "policy.secret_props",
                format!("Unsupported content type {shown}{more}"),
            ))
        }
    }
}

/// Parses the key and the certificates and finds the key's certificate.
fn pair(upload: Upload, format: ContentType) -> Result<(KeyPair, Vec<Vec<u8>>, usize), Error> {
    let Upload {
        key_pkcs8,
        certificates,
    } = upload;
    let no_pair = |reason| Error::NoCertificateWithPrivateKey { reason };
    if certificates.len() > MAX_CERTIFICATES {
        return Err(invalid(&format!(
            "more than {MAX_CERTIFICATES} certificates"
        )));
    }
    let pkcs8 = key_pkcs8.ok_or_else(|| no_pair(KeyPairing::NoPrivateKey))?;
    if certificates.is_empty() {
        return Err(no_pair(KeyPairing::NoCertificate));
    }
    let key = read_pkcs8(&pkcs8).map_err(|p| match p {
        Pkcs8Problem::Unsupported(e) => Error::from(e),
        Pkcs8Problem::Malformed { detail, .. } => match format {
            ContentType::Pkcs12 => Error::Pkcs12Unreadable {
                detail,
                source: None,
            },
            ContentType::Pem => Error::PemUnexpectedFormat { detail },
        },
    })?;
    let parts = key.jwk_parts()?;
    let mut leaf = None;
    for (i, der) in certificates.iter().enumerate() {
        let cert = Certificate::from_der(der).map_err(invalid_certificate)?;
        if leaf.is_none()
            && read::public_key_matches(&parts, cert.tbs_certificate().subject_public_key_info())
        {
            leaf = Some(i);
        }
    }
    let leaf = leaf.ok_or_else(|| no_pair(KeyPairing::KeyMatchesNoCertificate))?;
    Ok((key, certificates, leaf))
}

/// A certificate upload the service refuses: `InvalidCertificate`, with what was wrong.
pub(crate) fn invalid(detail: &str) -> Error {
    Error::InvalidCertificate {
        detail: detail.to_owned(),
        source: None,
    }
}

/// An uploaded certificate that is not DER.
fn invalid_certificate(e: der::Error) -> Error {
    Error::InvalidCertificate {
        detail: e.to_string(),
        source: Some(e),
    }
}
