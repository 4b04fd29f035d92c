//! A credential that gives a token for any scope.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};

/// The token [`AnyCredential`] gives. The in-process vault accepts any `Authorization` header.
pub const TOKEN: &str = "kvcert-in-process";

/// A [`TokenCredential`] that gives [`TOKEN`] for any scope, without a network call, and
/// remembers the scopes it was asked for.
///
/// The Key Vault clients ask for the scope they read from the vault's 401 challenge
/// (`https://vault.azure.net/.default` for a `*.vault.azure.net` URL): a test can check it
/// with [`AnyCredential::requested_scopes`]. Clones share the record.
///
/// ```
/// use kvcert_sdk_transport::AnyCredential;
/// use kvcert_sdk_transport::azure_core::credentials::TokenCredential as _;
///
/// let credential = AnyCredential::new();
/// let token = futures::executor::block_on(credential.get_token(&["any/.default"], None))?;
/// assert_eq!(token.token.secret(), "kvcert-in-process");
/// assert_eq!(credential.requested_scopes(), ["any/.default"]);
/// # Ok::<(), kvcert_sdk_transport::azure_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AnyCredential {
    scopes: Arc<Mutex<Vec<String>>>,
}

impl AnyCredential {
    /// A credential with an empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every scope asked for so far, in order (a call with two scopes adds two).
    pub fn requested_scopes(&self) -> Vec<String> {
        self.scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl TokenCredential for AnyCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(scopes.iter().map(|s| (*s).to_owned()));
        // The SDK's token cache compares the expiry with the wall clock, not the vault's: an
        // hour of wall time means one token per client for a test's whole run.
        Ok(AccessToken::new(
            Secret::new(TOKEN),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}
