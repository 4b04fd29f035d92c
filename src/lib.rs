//! # kvcert
//!
//! Azure Key Vault's **Create Certificate** (`POST {vault}/certificates/{name}/create`) as a
//! library: a `CertificatePolicy` goes in; the key pair, the PKCS#10 CSR, for issuer `Self`
//! the self-signed X.509 certificate, and the JSON the service answers with come out,
//! identical to the real service wherever the output does not depend on randomness or time.
//!
//! The core is pure and synchronous: no clock, no OS randomness, no files, no network. The
//! caller passes `now` and a [`rand_core::CryptoRng`]; the same request, seed and `now` give
//! byte-identical output.
//!
//! ```
//! use kvcert::{create_from_json, UnixTime, Vault};
//! use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
//!
//! let body = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},
//!                "x509_props":{"subject":"CN=example.com","sans":{"dns_names":["example.com"]}},
//!                "issuer":{"name":"Self"}}}"#;
//! let vault = Vault::new("https://myvault.vault.azure.net");
//! let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
//!
//! let issued = create_from_json("web", body, &vault, now, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
//! let again = create_from_json("web", body, &vault, now, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
//!
//! let done = issued.completed.as_ref().unwrap();
//! assert_eq!(done.certificate, again.completed.as_ref().unwrap().certificate);
//! assert_eq!(issued.operation.status.as_deref(), Some("inProgress"));
//! assert_eq!(done.operation.status.as_deref(), Some("completed"));
//! assert_eq!(done.not_after.to_string(), "2027-01-15T12:00:00Z");
//! let json = serde_json::to_string(&done.bundle).unwrap();
//! assert!(json.starts_with(r#"{"id":"https://myvault.vault.azure.net/certificates/web/"#));
//!
//! // A refusal is the service's error body.
//! let err = create_from_json("a_b", body, &vault, now, &mut ChaCha20Rng::seed_from_u64(1)).unwrap_err();
//! assert_eq!(err.status(), 400);
//! assert_eq!(
//!     serde_json::to_string(&err.to_key_vault_error()).unwrap(),
//!     r#"{"error":{"code":"BadParameter","message":"The request URI contains an invalid name: a_b"}}"#
//! );
//! ```
//!
//! ## The path a request takes
//!
//! ```text
//! JSON ───serde───┐
//!                 ├─▶ wire::CertificateCreateParameters ─IssuancePlan::new─▶ IssuancePlan
//! Policy (Rust) ──┘
//!      ─KeyPair::generate─▶ KeyPair ─▶ csr::build, certificate::self_signed ─▶ Issued (+ JSON)
//! ```
//!
//! Each step is public for emulators that need only one of them: parse a subject
//! ([`DistinguishedName`]), build a CSR for a key already held ([`csr::build`]), or issue with
//! a fixed key ([`create_with_key`]).
//!
//! ## The certificate's secret and key, and imports
//!
//! A completed issuance also carries the managed secret ([`Completed::secret`]: a PFX in the
//! service's layout, see [`pkcs12`], or PEM) and key ([`Completed::key_bundle`], the public
//! JWK). [`import_certificate`] is "Import Certificate": a PFX or PEM in; the bundle, secret
//! and key out, with the policy the service derives from the certificate ([`import`]).
//!
//! ## Refusals
//!
//! Every refusal is a [`Error`] that maps to the service's error body
//! ([`Error::to_key_vault_error`]), never a panic. The rules, their messages and sources, and
//! the size bounds are tabled in [`plan`].
//!
//! ## Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert |
//! |---|---|
//! | hash for RSA-3072/4096 | SHA-256, as for RSA-2048 |
//! | EC without `crv` or `key_size` | P-256 |
//! | `crv` without `kty` | EC |
//! | `key_usage: []` | stored as `[]`, no KeyUsage extension (as `ekus: []`) |
//! | default lifetime action for a CA issuer | AutoRenew at 80 % (partnered CAs auto-renew) |
//! | `validity_months` | 1 to 1200 |
//! | SAN order | dNSName, rfc822Name, UPN otherName, iPAddress, URI |
//! | `E`/`emailAddress` and `DC` in the subject | IA5String (RFC 5280) |
//! | month-end | clamped: 31 Jan + 1 month = 28/29 Feb |
//! | RSA primes | FIPS 186-5 A.1.3 probable primes: fresh random candidate per try, two top bits set, Miller–Rabin rounds from Table B.1's 2⁻¹⁰⁰ column after a base-2 Fermat test (four candidates at a time; the prime kept is the first that passes, in the order drawn); p and q from two ChaCha20 streams seeded from the caller's RNG |
//! | a private key given to [`KeyPair::from_pkcs8_der`]/[`KeyPair::from_pkcs8_pem`] that is not PKCS#8 | 400 `BadParameter`, [`Error::InvalidPrivateKey`], kvcert's wording (no service call takes a bare key); a well-formed key of another size or type gets Import's size/type errors |
//! | [`Policy::issue`] for an issuer other than `Self` | refused (400 on `policy.issuer`) rather than returning no certificate |
//! | the name and vault [`Policy::issue`] answers for | `kvcert-test` in `https://kvcert-test.vault.azure.net` ([`policy::TEST_CERTIFICATE_NAME`], [`policy::TEST_VAULT_URL`]) |
//! | OS randomness | only in [`os_rng`] (default feature `os-rng`), for callers; never used inside the core |
// `deny`, not `forbid`: the crate's one `unsafe` is the AVX2 dispatch in `lanes::fermat2`
// (a runtime CPU-feature check, then the call into `#[target_feature(enable = "avx2")]` code),
// allowed there and nowhere else.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod certificate;
pub mod csr;
mod error;
mod extensions;
pub mod import;
mod issue;
pub mod key;
mod lanes;
mod monty;
pub mod name;
pub mod pem;
pub mod pkcs12;
pub mod plan;
pub mod policy;
mod prime;
mod rsa_key;
mod rsa_sign;
pub mod san;
pub mod secret;
mod shape;
mod time;
pub mod wire;

/// Kernel entry points for the `monty/*` benches and `examples/kernel` only (feature
/// `bench-internals`): not API.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod bench_internals;

/// The RNG behind [`Policy::issue_seeded`] (ChaCha20, `rand_core` 0.10 `SeedableRng`), re-exported
/// so that a test can seed one without adding `rand_chacha` and matching its version.
pub use chacha20::ChaCha20Rng;
pub use error::Error;
pub use import::{Imported, import_certificate};
pub use issue::{
    Completed, Issued, STATUS_IN_PROGRESS, STATUS_MERGE, Vault, create, create_from_json,
    create_with_key,
};
pub use key::{Curve, KeyPair, KeySpec, RsaSize};
pub use name::DistinguishedName;
pub use plan::{CertificateName, IssuancePlan};
pub use policy::{Policy, SelfSigned};
/// The `rand_core` kvcert's RNG parameters come from.
pub use rand_core;
pub use time::{ParseTimeError, UnixTime};

/// The operating system's randomness as a [`rand_core::CryptoRng`] (feature `os-rng`): a
/// convenience for callers, never used inside kvcert, whose core takes its randomness from the
/// caller. It panics if the operating system cannot supply randomness (as `getrandom` reports).
///
/// ```
/// # #[cfg(feature = "os-rng")] {
/// let key = kvcert::KeyPair::generate(kvcert::KeySpec::Ec(kvcert::Curve::P256), &mut kvcert::os_rng())?;
/// # }
/// # Ok::<(), kvcert::Error>(())
/// ```
#[cfg(feature = "os-rng")]
pub fn os_rng() -> OsRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// The type [`os_rng`] returns (feature `os-rng`).
#[cfg(feature = "os-rng")]
pub type OsRng = rand_core::UnwrapErr<getrandom::SysRng>;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
