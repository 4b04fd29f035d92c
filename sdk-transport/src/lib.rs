//! # kvcert-sdk-transport
//!
//! The official Azure SDK for Rust's Key Vault clients (`azure_security_keyvault_certificates`,
//! `_secrets`, `_keys`) on a vault in process, for tests: kvcert's engine
//! ([`kvcert::VaultState`]) answers every request as the service does, with no server, no TLS
//! and no token.
//!
//! [`InProcessVault`] is the vault: an `azure_core` [`HttpClient`](azure_core::http::HttpClient)
//! over a shared `VaultState`, a clock the test moves ([`InProcessVault::advance`]; the
//! engine takes `now` from its caller, never from the system) and an RNG seeded by the test,
//! so the same test gives the same certificates on every run. It hands out what a client
//! needs: [`InProcessVault::url`], [`InProcessVault::credential`] (an [`AnyCredential`]) and
//! [`InProcessVault::client_options`], or the clients themselves.
//!
//! ```
//! use azure_security_keyvault_certificates::models::{
//!     CertificatePolicy, CreateCertificateParameters, CurveName, IssuerParameters,
//!     KeyProperties, KeyType, X509CertificateProperties,
//! };
//! use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
//! use kvcert_sdk_transport::InProcessVault;
//!
//! let vault = InProcessVault::new(1);
//! // What the code under test does with a real vault's URL and credential:
//! let client = CertificateClient::new(
//!     vault.url(),
//!     vault.credential(),
//!     Some(CertificateClientOptions {
//!         client_options: vault.client_options(),
//!         ..Default::default()
//!     }),
//! )?;
//!
//! let policy = CertificatePolicy {
//!     key_properties: Some(KeyProperties {
//!         key_type: Some(KeyType::Ec),
//!         curve: Some(CurveName::P256),
//!         ..Default::default()
//!     }),
//!     x509_certificate_properties: Some(X509CertificateProperties {
//!         subject: Some("CN=example.com".into()),
//!         ..Default::default()
//!     }),
//!     issuer_parameters: Some(IssuerParameters {
//!         name: Some("Self".into()),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let parameters = CreateCertificateParameters {
//!     certificate_policy: Some(policy),
//!     ..Default::default()
//! };
//!
//! // Any executor: the SDK's sleeps return at once (see `install_instant_runtime`), so a
//! // create's polling does not wait the engine's `Retry-After`.
//! let certificate = futures::executor::block_on(async {
//!     client
//!         .begin_create_certificate("web", parameters.try_into()?, None)?
//!         .await?
//!         .into_model()
//! })?;
//! assert!(certificate.cer.is_some_and(|der| !der.is_empty()));
//! assert_eq!(
//!     certificate.id.as_deref().map(|id| id.starts_with("https://probe.vault.azure.net/certificates/web/")),
//!     Some(true)
//! );
//! # Ok::<(), kvcert_sdk_transport::azure_core::Error>(())
//! ```
//!
//! [`InProcessVault::certificate_client`], [`InProcessVault::secret_client`] and
//! [`InProcessVault::key_client`] build the same clients in one call; all clients of one
//! vault (and its clones) share it.
//!
//! ## What it does not do
//!
//! - No network: code that builds its own `reqwest` client or takes a URL from the
//!   environment without taking `ClientOptions` needs the reference emulator (`emulator/`).
//! - No authentication: any token is accepted; only a request with no `Authorization`
//!   header is refused, with Key Vault's 401 challenge (what the clients expect first).
//! - The SDK versions are pinned (`azure_core =1.2.0-beta.1`, certificates
//!   `=1.1.0-beta.2`, secrets and keys `=1.1.0-beta.1`): a client from another version
//!   cannot take this crate's `ClientOptions`. The crates are re-exported here.
//! - The instant runtime is process-wide and `azure_core` takes one only once: in a test
//!   binary where something set another runtime first, the SDK sleeps for real (same
//!   answers, slower).

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod credential;
mod runtime;
mod vault;

pub use credential::{AnyCredential, TOKEN};
pub use runtime::install_instant_runtime;
pub use vault::{DEFAULT_START, DEFAULT_VAULT_URL, Exchange, InProcessVault};

/// The `azure_core` this crate is built on: name its types from here to match the clients'.
pub use azure_core;
/// The certificates client this crate is built for.
pub use azure_security_keyvault_certificates;
/// The keys client this crate is built for.
pub use azure_security_keyvault_keys;
/// The secrets client this crate is built for.
pub use azure_security_keyvault_secrets;
/// The engine behind the vault ([`kvcert::VaultState`], [`kvcert::UnixTime`]).
pub use kvcert;

#[cfg(test)]
mod tests {
    use super::*;
    use azure_security_keyvault_secrets::models::SetSecretParameters;

    /// The secrets client end to end: the challenge, the scope it parsed from it, the token
    /// accepted, and the vault beside it sees what the client set.
    #[test]
    fn a_secret_client_sets_and_reads_through_the_vault() {
        let vault = InProcessVault::new(5);
        let secrets = vault.secret_client().expect("client");
        let parameters = SetSecretParameters {
            value: Some("s3cret".into()),
            ..Default::default()
        };
        let read = futures::executor::block_on(async {
            secrets
                .set_secret("db", parameters.try_into()?, None)
                .await?;
            secrets.get_secret("db", None).await?.into_model()
        })
        .expect("set and get");
        assert_eq!(read.value.as_deref(), Some("s3cret"));

        let statuses: Vec<u16> = vault.exchanges().iter().map(|e| e.status).collect();
        // The set's first try draws the challenge and is resent with the token.
        assert_eq!(statuses, [401, 200, 200], "{:?}", vault.exchanges());
        assert_eq!(vault.exchanges()[1].method, "PUT");
        assert!(
            vault
                .requested_scopes()
                .iter()
                .all(|s| s == "https://vault.azure.net/.default")
        );
        let beside = vault.request("GET", "/secrets/db?api-version=7.6", b"");
        assert_eq!(beside.body_json()["value"], "s3cret");
    }
}
