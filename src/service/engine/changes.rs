//! What a call changed, and the vault as rows: the seam between the engine and a store.
//!
//! Every call that changes the vault notes what it changed in a [`ChangeSet`]:
//! the names whose certificate (live or deleted) changed, and whether the
//! vault-wide settings did (issuers, contacts, the emulated CAs, notifications).
//! [`VaultState::take_changes`] hands the set over and starts a new one. A store writes exactly
//! those rows ([`VaultState::entry_json`], [`VaultState::settings_json`]) in one transaction,
//! and [`VaultState::from_rows`] builds the vault from all of them again. The engine itself
//! keeps no storage: what a store does with the rows is its own affair.
//!
//! ```
//! use kvcert::rand_core::SeedableRng;
//! use kvcert::service::engine::Request;
//! use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
//!
//! let mut vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
//! let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
//! let body = br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
//! let request = Request { method: "POST", path: "/certificates/Web/create?api-version=7.6", body };
//! vault.handle(&request, now, &mut ChaCha20Rng::seed_from_u64(1));
//! let changes = vault.take_changes();
//! assert_eq!(changes.names().collect::<Vec<_>>(), ["web"]);
//! assert!(!changes.settings_changed());
//!
//! // The rows give the same vault back.
//! let settings = vault.settings_json()?;
//! let row = vault.entry_json("web")?.expect("a certificate");
//! let again = VaultState::from_rows(&settings, [("web", row.as_str())])?;
//! assert!(again == vault);
//! # Ok::<(), kvcert::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keys::{DeletedKeyRecord, KeyRecord};
use super::record::{CertificateRecord, DeletedRecord};
use super::secrets::{DeletedSecretRecord, SecretRecord};
use super::{IssuanceDelays, VaultState, ca, lifetime};
use crate::service::error::Error;
use crate::service::vault::Vault;
use crate::service::wire;

/// What the calls since the last [`VaultState::take_changes`] changed.
///
/// It may name a row that ends up as it was (a call that changed a name and changed it back
/// names it): a store that writes what it names stays right, and writes no more than the
/// calls touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    names: BTreeSet<String>,
    settings: bool,
}

impl ChangeSet {
    /// The names (lowercase) whose certificate, live or deleted, changed: write
    /// [`VaultState::entry_json`] of each (`None`: delete the row).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Whether the vault-wide settings changed: write [`VaultState::settings_json`].
    pub fn settings_changed(&self) -> bool {
        self.settings
    }

    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && !self.settings
    }

    /// Adds what `other` changed.
    pub fn extend(&mut self, other: ChangeSet) {
        self.names.extend(other.names);
        self.settings |= other.settings;
    }

    pub(super) fn name(&mut self, key: &str) {
        if !self.names.contains(key) {
            self.names.insert(key.to_owned());
        }
    }

    pub(super) fn settings(&mut self) {
        self.settings = true;
    }
}

/// One name's row: what the name holds, live or deleted: a certificate, or a client's secret.
/// The secret's members are absent from the rows of names without one (rows written before
/// secrets were kept read as they did).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRow<C, D, S, SD, K, KD> {
    live: Option<C>,
    deleted: Option<D>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    secret: Option<S>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    deleted_secret: Option<SD>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    key: Option<K>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    deleted_key: Option<KD>,
}

/// An absent member (without serde's `Default` bound on the generic type).
fn none<T>() -> Option<T> {
    None
}

type OwnedEntry = EntryRow<
    CertificateRecord,
    DeletedRecord,
    SecretRecord,
    DeletedSecretRecord,
    KeyRecord,
    DeletedKeyRecord,
>;

/// The settings row.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsRow<V, D, I, C, A, N> {
    vault: V,
    delays: D,
    issuers: I,
    contacts: C,
    cas: A,
    notifications: N,
}

type OwnedSettings = SettingsRow<
    Vault,
    IssuanceDelays,
    BTreeMap<String, wire::IssuerBundle>,
    Option<Vec<wire::Contact>>,
    BTreeMap<String, ca::EmulatedCa>,
    Vec<lifetime::Notification>,
>;

fn malformed(e: &serde_json::Error) -> Error {
    Error::MalformedRequest {
        problem: crate::service::error::RequestProblem::json(e),
    }
}

impl VaultState {
    /// What changed since the last call of this method (or since the vault was made), and
    /// a new, empty set from here on.
    pub fn take_changes(&mut self) -> ChangeSet {
        core::mem::take(&mut self.changes.0)
    }

    /// Every name with a row, lowercase and in order: what a store writes for a vault it
    /// has not seen before.
    pub fn entry_names(&self) -> impl Iterator<Item = &str> {
        let names: BTreeSet<&str> = self
            .certificates
            .keys()
            .chain(self.deleted.keys())
            .chain(self.secrets.keys())
            .chain(self.deleted_secrets.keys())
            .chain(self.keys.keys())
            .chain(self.deleted_keys.keys())
            .map(String::as_str)
            .collect();
        names.into_iter()
    }

    /// The row of `name` (any case) as JSON: its certificate, secret and key, each live or
    /// deleted; `None` when it has none of them. It holds private keys and secrets.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the row cannot be written as JSON (not expected).
    pub fn entry_json(&self, name: &str) -> Result<Option<Zeroizing<String>>, Error> {
        let key = name.to_ascii_lowercase();
        let row = EntryRow {
            live: self.certificates.get(&key),
            deleted: self.deleted.get(&key),
            secret: self.secrets.get(&key),
            deleted_secret: self.deleted_secrets.get(&key),
            key: self.keys.get(&key),
            deleted_key: self.deleted_keys.get(&key),
        };
        if row.live.is_none()
            && row.deleted.is_none()
            && row.secret.is_none()
            && row.deleted_secret.is_none()
            && row.key.is_none()
            && row.deleted_key.is_none()
        {
            return Ok(None);
        }
        serde_json::to_string(&row)
            .map(|s| Some(Zeroizing::new(s)))
            .map_err(Error::internal)
    }

    /// The vault-wide row as JSON: the vault's settings and delays, issuers, contacts, the
    /// emulated CAs (with the intermediates' keys) and the notifications.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the row cannot be written as JSON (not expected).
    pub fn settings_json(&self) -> Result<Zeroizing<String>, Error> {
        serde_json::to_string(&SettingsRow {
            vault: &self.vault,
            delays: &self.delays,
            issuers: &self.issuers,
            contacts: &self.contacts,
            cas: &self.cas,
            notifications: &self.notifications,
        })
        .map(Zeroizing::new)
        .map_err(Error::internal)
    }

    /// The vault from its rows: the settings row and every name's row, as the methods
    /// above wrote them. The due work is indexed again from the certificates.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedRequest`] when a row is not one kvcert wrote;
    /// [`Error::InvalidArgument`] when a row's name is not its certificate's.
    pub fn from_rows<'a>(
        settings: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Error> {
        let mut state = VaultState::new(Vault::new(""));
        state.put_settings(settings)?;
        for (name, json) in entries {
            state.put_entry(name, Some(json))?;
        }
        state.changes = Default::default();
        Ok(state)
    }

    /// Puts the row of `name` in place (`None`: the name has no row): what a store read back,
    /// for example after a write failed, so that the vault is again what the store holds.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedRequest`] when the row is not one kvcert wrote;
    /// [`Error::InvalidArgument`] when it is another name's.
    pub fn put_entry(&mut self, name: &str, json: Option<&str>) -> Result<(), Error> {
        let key = name.to_ascii_lowercase();
        let row: OwnedEntry = match json {
            Some(json) => serde_json::from_str(json).map_err(|e| malformed(&e))?,
            None => EntryRow {
                live: None,
                deleted: None,
                secret: None,
                deleted_secret: None,
                key: None,
                deleted_key: None,
            },
        };
        let EntryRow {
            live,
            deleted,
            secret,
            deleted_secret,
            key: own_key,
            deleted_key,
        } = row;
        let names = live
            .as_ref()
            .map(|r| r.name.as_str())
            .into_iter()
            .chain(deleted.as_ref().map(|d| d.record.name.as_str()))
            .chain(secret.as_ref().map(SecretRecord::name))
            .chain(deleted_secret.as_ref().map(|d| d.record.name()))
            .chain(own_key.as_ref().map(|k| k.name()))
            .chain(deleted_key.as_ref().map(|d| d.record.name()));
        if names.into_iter().any(|own| own.to_ascii_lowercase() != key) {
            return Err(Error::InvalidArgument {
                argument: "row",
                problem: "holds another name's object",
            });
        }
        self.put(
            &key,
            super::detach::Entry {
                live,
                deleted,
                secret,
                deleted_secret,
                key: own_key,
                deleted_key,
            },
        );
        Ok(())
    }

    /// Puts the settings row in place (see [`Self::put_entry`]).
    ///
    /// # Errors
    ///
    /// [`Error::MalformedRequest`] when the row is not one kvcert wrote.
    pub fn put_settings(&mut self, json: &str) -> Result<(), Error> {
        let row: OwnedSettings = serde_json::from_str(json).map_err(|e| malformed(&e))?;
        let SettingsRow {
            vault,
            delays,
            issuers,
            contacts,
            cas,
            notifications,
        } = row;
        self.vault = vault;
        self.delays = delays;
        self.issuers = issuers;
        self.contacts = contacts;
        self.cas = cas;
        self.notifications = notifications;
        self.changes.0.settings();
        Ok(())
    }

    /// Notes that the row of `key` (lowercase) changed.
    pub(super) fn touch(&mut self, key: &str) {
        self.changes.0.name(&key.to_ascii_lowercase());
    }

    /// Notes that the settings row changed.
    pub(super) fn touch_settings(&mut self) {
        self.changes.0.settings();
    }
}

/// The change set a vault collects: work in progress of its calls, not part of its value
/// (equal vaults may have noted different changes) nor of its JSON.
#[derive(Debug, Clone, Default)]
pub(super) struct Pending(pub(super) ChangeSet);

impl PartialEq for Pending {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Pending {}
