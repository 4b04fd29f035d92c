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
//! ## The path a request takes, through the layers
//!
//! ```text
//! service/   JSON ──serde──▶ wire::CertificateCreateParameters ─plan::IssuancePlan::new─▶ IssuancePlan
//!            Policy (Rust) ──┘                 (shape: bounded first pass over the bytes)
//!            create ─┬─▶ key::KeyPair::generate ──────────────────────────▶ KeyPair
//!                    ├─▶ x509::csr::build, x509::certificate::self_signed ─▶ DER (signed by the key)
//!                    └─▶ secret (PFX via pkcs12, or PEM; JWK) ────────────▶ Issued + the service's JSON
//!            engine: VaultState ◀─ route (method, path, api-version) ◀─ HTTP-shaped request
//!                    create / merge / renew (lifetime) / import ─▶ version: the one stored-version builder
//!                    pending, delete/recover/purge, lists, updates, issuers, contacts, backup
//! x509/      name, san, extensions, csr (build, and read with its signature checked), certificate,
//!            ca (root, intermediate, leaves, sign_request), time, read (certificates kvcert did
//!            not write): DER as the service writes and reads it
//! key/       KeyPair (generate, sign, PKCS#8 in and out), PublicKey (verify others' signatures);
//!            key/rsa: the seam to the kvcert-rsa crate (RSA key generation and signing)
//! pkcs12     the PFX writer in the service's layout, and the bounded reader for imports
//! stand_in   fuzzing builds only: cheap stand-ins for signatures and the PFX's derivations
//! ```
//!
//! Each layer uses only the ones below it (`service` → `x509` → `key`; `pkcs12` → `key`) and
//! fails with its own error ([`key::Error`], [`x509::Error`], [`pkcs12::Error`]), which knows
//! nothing of HTTP; [`Error`], the service's, is built from them in one place (`From`), with the
//! status, code and words the service answers. Each step is public for emulators that need only
//! one of them:
//! parse a subject ([`x509::name::DistinguishedName`]), build a CSR for a key already held
//! ([`x509::csr::build`]), or issue with a fixed key ([`create_with_key`]).
//!
//! ## The certificate's secret and key, and imports
//!
//! A completed issuance also carries the managed secret ([`Completed::secret`]: a PFX in the
//! service's layout, see [`pkcs12`], or PEM) and key ([`Completed::key_bundle`], the public
//! JWK). [`service::import::import_certificate`] is "Import Certificate": a PFX or PEM in; the bundle, secret
//! and key out, with the policy the service derives from the certificate ([`service::import`]).
//!
//! [`VaultState`] is the engine of a certificate's whole life: a vault's certificates as serde
//! data and every certificates operation, through [`VaultState::handle`] (an HTTP-shaped
//! request in, the service's [`Response`] out) or one method per operation
//! ([`service::engine`]). The workspace's `emulator/` (package `kvcert-emulator`) serves it
//! over HTTPS as a reference emulator, and `sdk-tests/` runs the Azure SDK for Rust on it in
//! process.
//!
//! ## Secrets in memory
//!
//! The vault's saved state ([`VaultState::to_json`]) and backup blobs hold private keys in the
//! clear (zeroized in memory, but as JSON text they are the caller's to protect).
//!
//! What kvcert promises: private keys ([`KeyPair`]), PKCS#8 and PEM encodings of them, PFX
//! passwords, the decoded contents of an imported PFX and the secret's value
//! ([`service::wire::SecretBundle::value`], a `Zeroizing<String>`) are wiped when dropped, and
//! buffers that will hold key material are sized before it goes in, so no growing buffer
//! leaves an unwiped copy behind when it moves. `Debug` never shows them.
//!
//! What it cannot promise: copies made by the caller or by other crates outside its control,
//! e.g. the JSON text `serde_json` makes from a [`service::wire::SecretBundle`] (and its
//! buffers on the way), the stack of the RSA and EC crates it calls, swapped-out pages, or
//! memory a panic unwinds past.
//!
//! ## Refusals
//!
//! Every refusal is a [`Error`] that maps to the service's error body
//! ([`Error::to_key_vault_error`]), never a panic. The rules, their messages and sources, and
//! the size bounds are tabled in [`service::plan`].
//!
//! ## Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert |
//! |---|---|
//! | hash for RSA-3072/4096 | SHA-256, as for RSA-2048 |
//! | EC without `crv` or `key_size` | P-256 |
//! | `crv` without `kty` | EC |
//! | an EC `key_size` that contradicts `crv` (`256` with `P-384`: what the Java SDK sends when a client reads a policy and changes only the curve) | 400 `BadParameter` `Key size 256 does not match curve P-384`; the recordings show the service echoing the curve's size (P-256/P-256K 256, P-384 384, P-521 521) and accepting matching pairs, none a mismatch |
//! | `key_usage: []` | stored as `[]`, no KeyUsage extension (as `ekus: []`) |
//! | default lifetime action for a CA issuer | AutoRenew at 80 % (partnered CAs auto-renew) |
//! | `validity_months` | 1 to 1200 |
//! | SAN order | dNSName, rfc822Name, UPN otherName, iPAddress, URI |
//! | `E`/`emailAddress` and `DC` in the subject | IA5String (RFC 5280) |
//! | month-end | clamped: 31 Jan + 1 month = 28/29 Feb |
//! | RSA primes | FIPS 186-5 A.1.3 probable primes: fresh random candidate per try, two top bits set, Miller–Rabin rounds from Table B.1's 2⁻¹⁰⁰ column after a base-2 Fermat test (four candidates at a time; the prime kept is the first that passes, in the order drawn); p and q from two ChaCha20 streams seeded from the caller's RNG |
//! | a private key given to [`KeyPair::from_pkcs8_der`]/[`KeyPair::from_pkcs8_pem`] that is not PKCS#8 | 400 `BadParameter`, [`Error::InvalidPrivateKey`], kvcert's wording (no service call takes a bare key); a well-formed key of another size or type gets Import's size/type errors |
//! | [`Policy::issue`] for an issuer other than `Self` | refused (400 on `policy.issuer`) rather than returning no certificate |
//! | the name and vault [`Policy::issue`] answers for | `kvcert-test` in `https://kvcert-test.vault.azure.net` ([`TEST_CERTIFICATE_NAME`], [`TEST_VAULT_URL`]) |
//! | RSA private-key arithmetic per CPU (kvcert-rsa) | x86-64 with BMI2 and ADX: `mulx`/`adcx`/`adox` assembly for the 1024- and 2048-bit CRT halves (RSA-2048/4096); other x86-64 with BMI2: the Rust kernels compiled for BMI2; elsewhere the portable Rust kernels. The same results on every path |
//! | no AVX-512 IFMA path (OpenSSL's on CPUs that have it) | Valgrind cannot run AVX-512, so the constant-time check could not cover it; every path kvcert takes is checked |
//! | OS randomness | only in [`os_rng`] (default feature `os-rng`), for callers; never used inside the core |
//!
//! The vault engine's decisions are tabled where they apply: [`service::engine`] (the pending
//! operation, the certificate before its first version ([`service::engine::current`]), new
//! versions, a GET by version), [`service::engine::route`] (api-version, unknown
//! paths and methods), [`service::engine::ca`] (emulated issuers, the leaf profile, issuers
//! kvcert does not emulate), [`service::engine::lifetime`] (due instants, AutoRenew for
//! `Unknown`), [`service::engine::backup`] (the blob), [`service::engine::list`] (paging),
//! [`service::engine::merge`] (x5c forms, chain order), [`service::engine::delete`] (recovery levels), [`service::engine::update`] (PATCH merging), [`service::engine::secrets`] (clients' secrets), [`service::engine::convert`] (`outContentType`), [`service::engine::keys`], [`service::engine::keys::crypto`] and [`service::engine::keys::rotation`] (clients' keys, key operations, rotation).
// No `unsafe` in kvcert: all of it (CPU-feature dispatch, the assembly kernels, Valgrind's
// client request) is in the kvcert-rsa crate, behind `key::rsa`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod key;
pub(crate) mod pem;
pub mod pkcs12;
mod rng;
pub mod service;
pub mod stand_in;
pub mod x509;

pub use key::pair::KeyPair;
pub use key::spec::{Curve, KeySpec};
pub use kvcert_rsa::RsaSize;
/// The `rand_core` kvcert's RNG parameters come from.
pub use rand_core;
pub use rng::ChaCha20Rng;
#[cfg(feature = "os-rng")]
pub use rng::{OsRng, os_rng};
pub use service::create::{
    Completed, Issued, STATUS_IN_PROGRESS, STATUS_MERGE, create, create_from_json, create_with_key,
};
pub use service::engine::response::Response;
pub use service::engine::state::{IssuanceDelays, VaultState};
pub use service::error::{Cause, Error, KeyPairing, ObjectKind, RequestProblem};
pub use service::policy::{Policy, SelfSigned, TEST_CERTIFICATE_NAME, TEST_VAULT_URL};
pub use service::vault::Vault;
pub use x509::time::{ParseTimeError, UnixTime};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
