//! The vault an operation runs in: its own settings, and the random ids it gives out.

use rand_core::CryptoRng;

use crate::pkcs12::limits::Pkcs12Limits;

/// The vault's own settings, which the service takes from the vault, not the request.
///
/// ```
/// let vault = kvcert::Vault::new("https://myvault.vault.azure.net/");
/// assert_eq!(vault.url, "https://myvault.vault.azure.net");
/// assert_eq!(vault.recovery_level, "Recoverable+Purgeable");
/// assert_eq!(vault.recoverable_days, Some(90));
/// assert_eq!(vault.pfx_limits.mac_iterations, 300_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Vault {
    /// The vault URL without a trailing `/`, e.g. `https://myvault.vault.azure.net`.
    pub url: String,
    /// `attributes.recoveryLevel`, e.g. `Recoverable+Purgeable`.
    pub recovery_level: String,
    /// `attributes.recoverableDays`; `None` for api-version 7.0, which does not have it.
    pub recoverable_days: Option<i64>,
    /// What Import Certificate accepts in a PFX before it spends work on it (default: .NET's
    /// `Pkcs12LoaderLimits`, see [`Pkcs12Limits`]).
    pub pfx_limits: Pkcs12Limits,
}

impl Vault {
    /// A vault with soft delete and purge protection off: `Recoverable+Purgeable`, 90 days.
    pub fn new(url: &str) -> Self {
        Vault {
            url: url.trim_end_matches('/').to_owned(),
            recovery_level: "Recoverable+Purgeable".to_owned(),
            recoverable_days: Some(90),
            pfx_limits: Pkcs12Limits::DEFAULT,
        }
    }
}

/// 32 lowercase hex characters from 16 random bytes (`request_id`, object versions).
pub(crate) fn hex_id<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
