//! `VaultState`, the vault as serde data, and the issuers' delays; the operations are the
//! other files of `engine`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::record::{CertificateRecord, DeletedRecord};
use super::{ca, changes, keys, lifetime, secrets};
use crate::service::vault::Vault;
use crate::service::wire;

/// How long an issuer takes, in seconds of the callers' `now`.
///
/// ```
/// let delays = kvcert::IssuanceDelays::default();
/// assert_eq!(delays.self_signed, 0); // completed at the first call at or after the create
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IssuanceDelays {
    /// Issuer `Self`: seconds from the create to the completed certificate.
    pub self_signed: u64,
    /// A registered issuer whose provider kvcert emulates ([`ca::EMULATED_PROVIDERS`]):
    /// seconds from the create to the signed certificate (or to the failure, for an issuer
    /// that does not exist).
    pub ca_signed: u64,
}

/// A vault's certificates and the operations on them. See the [module docs](super).
///
/// ```
/// use kvcert::rand_core::SeedableRng;
/// use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
///
/// let mut vault = VaultState::new(Vault::new("https://myvault.vault.azure.net"));
/// let mut rng = ChaCha20Rng::seed_from_u64(1);
/// let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
/// let body = br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
///
/// // Each operation answers its wire type (`service::wire`) or the typed error.
/// let created = vault.create_certificate("web", body, now, &mut rng)?;
/// assert_eq!(created.status.as_deref(), Some("inProgress"));
/// let pending = vault.get_pending("web", None, now)?;
/// assert_eq!(pending.status.as_deref(), Some("completed"));
/// let bundle = vault.get_certificate("web", None, now)?;
/// assert!(bundle.cer.is_some());
/// let missing = vault.get_certificate("other", None, now).unwrap_err();
/// assert_eq!(missing.status(), 404);
///
/// // Saved and restored, it answers the same.
/// let restored = VaultState::from_json(&vault.to_json()?)?;
/// assert_eq!(restored.get_certificate("web", None, now)?, bundle);
/// # Ok::<(), kvcert::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultState {
    pub(super) vault: Vault,
    pub(super) delays: IssuanceDelays,
    /// By lowercase name: identifiers compare case-insensitively.
    pub(super) certificates: BTreeMap<String, CertificateRecord>,
    /// Deleted but recoverable certificates, by lowercase name.
    pub(super) deleted: BTreeMap<String, DeletedRecord>,
    /// The secrets clients set, by lowercase name (see [`secrets`]).
    #[serde(default)]
    pub(super) secrets: BTreeMap<String, secrets::SecretRecord>,
    /// Deleted but recoverable secrets, by lowercase name.
    #[serde(default)]
    pub(super) deleted_secrets: BTreeMap<String, secrets::DeletedSecretRecord>,
    /// The keys clients created or imported, by lowercase name (see [`keys`]).
    #[serde(default)]
    pub(super) keys: BTreeMap<String, keys::KeyRecord>,
    /// Deleted but recoverable keys, by lowercase name.
    #[serde(default)]
    pub(super) deleted_keys: BTreeMap<String, keys::DeletedKeyRecord>,
    /// Certificate issuers, by lowercase name.
    pub(super) issuers: BTreeMap<String, wire::IssuerBundle>,
    /// The vault's certificate contacts, once set.
    pub(super) contacts: Option<Vec<wire::Contact>>,
    /// The emulated CA hierarchies, by provider.
    pub(super) cas: BTreeMap<String, ca::EmulatedCa>,
    /// Due work by instant (Unix seconds) and lowercase name (see `lifetime`).
    pub(super) due_index: BTreeSet<(i64, String)>,
    /// Each name's entry in `due_index`.
    pub(super) scheduled: BTreeMap<String, i64>,
    /// `EmailContacts` actions that came due.
    pub(super) notifications: Vec<lifetime::Notification>,
    /// What the calls changed since [`Self::take_changes`] (see [`changes`]).
    #[serde(skip)]
    pub(super) changes: changes::Pending,
    /// Where new key pairs come from ([`Self::set_key_source`]).
    #[serde(skip)]
    pub(super) key_source: KeySourceSlot,
}

/// The vault's key source: part of how it runs, not of its value or its JSON.
#[derive(Clone, Default)]
pub(super) struct KeySourceSlot(
    pub(super) Option<std::sync::Arc<dyn crate::key::source::KeySource>>,
);

impl core::fmt::Debug for KeySourceSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.0.is_some() {
            "custom"
        } else {
            "generated"
        })
    }
}

impl PartialEq for KeySourceSlot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for KeySourceSlot {}
