//! A request worked outside the vault, so that its key generation, signing and PFX do not
//! hold up anyone else: decide, work, commit.
//!
//! 1. **Decide** (with the vault borrowed, briefly): [`VaultState::detach`] copies out the
//!    part of the vault the request works on: its certificate name (live and deleted), the
//!    names whose time-driven work is due at `now`, and the settings (issuers, contacts,
//!    emulated CAs).
//! 2. **Work** (no borrow of the vault, on any thread): [`Detached::handle`] answers the
//!    request on that part, with whatever RNG the caller gives (an emulator draws a seed
//!    for it from the vault's RNG in step 1, so that a sequential client gets the same bytes
//!    on every run).
//! 3. **Commit** (the vault borrowed mutably, briefly): [`VaultState::attach`] puts what
//!    the request changed back, and notes it in the [`ChangeSet`](super::ChangeSet), if
//!    nothing it copied out has changed meanwhile; otherwise it refuses with [`Conflict`] and
//!    changes nothing, and the caller works the request again from step 1 (the order of
//!    commits decides between concurrent clients, as if they had come one after the other).
//!
//! Requests that may read any name (the lists, issuers, contacts, restore) are not
//! detached ([`VaultState::detach`] answers `None`): they are cheap, and run on the vault
//! itself, after the due work has been detached and committed on its own
//! ([`VaultState::detach_due`]).
//!
//! ```
//! use kvcert::rand_core::SeedableRng;
//! use kvcert::service::engine::Request;
//! use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
//!
//! let mut vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
//! let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
//! let body = br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
//! let create = Request { method: "POST", path: "/certificates/a/create?api-version=7.6", body };
//!
//! let mut detached = vault.detach(&create, now).expect("a request on one name");
//! let answer = detached.handle(&create, now, &mut ChaCha20Rng::seed_from_u64(1)); // no lock held
//! assert_eq!(answer.status, 202);
//! vault.attach(detached)?;
//! assert_eq!(vault.take_changes().names().collect::<Vec<_>>(), ["a"]);
//!
//! // The same request on the vault itself gives the same bytes.
//! let mut direct = VaultState::new(Vault::new("https://v.vault.azure.net"));
//! let again = direct.handle(&create, now, &mut ChaCha20Rng::seed_from_u64(1));
//! assert_eq!(again, answer);
//! assert!(direct == vault);
//! # Ok::<(), kvcert::service::engine::detach::Conflict>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rand_core::CryptoRng;

use super::keys::{DeletedKeyRecord, KeyRecord};
use super::lifetime::{MAX_DUE_PER_CALL, MAX_NOTIFICATIONS};
use super::record::{CertificateRecord, DeletedRecord};
use super::route::{Request, request_name};
use super::secrets::{DeletedSecretRecord, SecretRecord};
use super::{Response, VaultState, ca, secs_i64};
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The part of a vault one request works on, copied out (see the [module docs](self)). It
/// holds private keys, as the vault does.
#[derive(Debug, Clone)]
pub struct Detached {
    part: VaultState,
    /// The entries of the part's names as they were in the vault.
    before: BTreeMap<String, Entry>,
    /// The settings as they were in the vault.
    settings: Settings,
}

/// What one name holds: its certificate, secret and key, each live or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) live: Option<CertificateRecord>,
    pub(super) deleted: Option<DeletedRecord>,
    pub(super) secret: Option<SecretRecord>,
    pub(super) deleted_secret: Option<DeletedSecretRecord>,
    pub(super) key: Option<KeyRecord>,
    pub(super) deleted_key: Option<DeletedKeyRecord>,
}

impl VaultState {
    /// What `key` holds now.
    fn entry(&self, key: &str) -> Entry {
        Entry {
            live: self.certificates.get(key).cloned(),
            deleted: self.deleted.get(key).cloned(),
            secret: self.secrets.get(key).cloned(),
            deleted_secret: self.deleted_secrets.get(key).cloned(),
            key: self.keys.get(key).cloned(),
            deleted_key: self.deleted_keys.get(key).cloned(),
        }
    }

    /// Whether `key` holds what `entry` says, compared in place (no copies).
    fn holds(&self, key: &str, entry: &Entry) -> bool {
        self.certificates.get(key) == entry.live.as_ref()
            && self.deleted.get(key) == entry.deleted.as_ref()
            && self.secrets.get(key) == entry.secret.as_ref()
            && self.deleted_secrets.get(key) == entry.deleted_secret.as_ref()
            && self.keys.get(key) == entry.key.as_ref()
            && self.deleted_keys.get(key) == entry.deleted_key.as_ref()
    }

    /// Puts `entry` in place under `key` (lowercase), and schedules its due work.
    pub(super) fn put(&mut self, key: &str, entry: Entry) {
        fn set<T>(map: &mut BTreeMap<String, T>, key: &str, value: Option<T>) {
            match value {
                Some(v) => map.insert(key.to_owned(), v),
                None => map.remove(key),
            };
        }
        let Entry {
            live,
            deleted,
            secret,
            deleted_secret,
            key: own_key,
            deleted_key,
        } = entry;
        set(&mut self.certificates, key, live);
        set(&mut self.deleted, key, deleted);
        set(&mut self.secrets, key, secret);
        set(&mut self.deleted_secrets, key, deleted_secret);
        set(&mut self.keys, key, own_key);
        set(&mut self.deleted_keys, key, deleted_key);
        self.reschedule(key);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    issuers: BTreeMap<String, wire::IssuerBundle>,
    contacts: Option<Vec<wire::Contact>>,
    cas: BTreeMap<String, ca::EmulatedCa>,
}

/// Why [`VaultState::attach`] refused: the vault changed under the detached request, which is
/// to be worked again from a new [`VaultState::detach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// A name the request copied out, or the settings, changed in the vault meanwhile.
    Changed,
    /// The request changed a name it had not copied out (not expected: the routing and
    /// [`VaultState::detach`] disagree); nothing was put back.
    OutOfScope,
}

impl core::fmt::Display for Conflict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Conflict::Changed => "the vault changed since the request was detached",
            Conflict::OutOfScope => "the detached request changed a name outside its part",
        })
    }
}

impl std::error::Error for Conflict {}

impl Detached {
    /// Answers `request` on the part, as [`VaultState::handle`] would on the whole vault.
    pub fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        request: &Request<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Response {
        self.part.handle(request, now, rng)
    }

    /// Does the due work of the part ([`VaultState::advance`]); returns how many items it
    /// worked.
    pub fn advance<R: CryptoRng + ?Sized>(&mut self, now: UnixTime, rng: &mut R) -> usize {
        self.part.advance(now, rng)
    }
}

impl VaultState {
    /// Whether time-driven work is due at `now` (an issuance to complete, a lifetime action
    /// to run): a `GET` then changes the vault, and a caller that reads without it should
    /// [`Self::detach`] first.
    pub fn has_due(&self, now: UnixTime) -> bool {
        self.due_index
            .first()
            .is_some_and(|(at, _)| *at <= secs_i64(now))
    }

    /// The part of the vault `request` works on, with the work due at `now`; `None` for
    /// a request that may read any name (lists, issuers, contacts, restore), which runs on the
    /// vault itself.
    pub fn detach(&self, request: &Request<'_>, now: UnixTime) -> Option<Detached> {
        let name = request_name(request)?;
        let mut names = self.due_names(now);
        names.insert(name);
        Some(self.part(names))
    }

    /// The work due at `now` alone, `None` when nothing is due: for the requests
    /// [`Self::detach`] does not take.
    pub fn detach_due(&self, now: UnixTime) -> Option<Detached> {
        let names = self.due_names(now);
        (!names.is_empty()).then(|| self.part(names))
    }

    /// Puts back what the detached request changed, if the vault still holds what it
    /// copied out; the change is noted for [`Self::take_changes`].
    ///
    /// # Errors
    ///
    /// [`Conflict`], the vault unchanged, when it changed under the request.
    pub fn attach(&mut self, detached: Detached) -> Result<(), Conflict> {
        let Detached {
            mut part,
            before,
            settings,
        } = detached;
        let unchanged =
            before.iter().all(|(key, entry)| self.holds(key, entry)) && self.settings() == settings;
        if !unchanged {
            return Err(Conflict::Changed);
        }
        let changes = part.take_changes();
        if changes.names().any(|n| !before.contains_key(n)) {
            return Err(Conflict::OutOfScope);
        }
        for key in changes.names() {
            let entry = Entry {
                live: part.certificates.remove(key),
                deleted: part.deleted.remove(key),
                secret: part.secrets.remove(key),
                deleted_secret: part.deleted_secrets.remove(key),
                key: part.keys.remove(key),
                deleted_key: part.deleted_keys.remove(key),
            };
            self.put(key, entry);
        }
        if changes.settings_changed() {
            let VaultState {
                issuers,
                contacts,
                cas,
                notifications,
                ..
            } = part;
            self.issuers = issuers;
            self.contacts = contacts;
            self.cas = cas;
            self.notifications.extend(notifications);
            let excess = self.notifications.len().saturating_sub(MAX_NOTIFICATIONS);
            self.notifications.drain(..excess);
            self.touch_settings();
        }
        Ok(())
    }

    /// The names with work due at `now`, as many as one call works.
    fn due_names(&self, now: UnixTime) -> BTreeSet<String> {
        let now = secs_i64(now);
        self.due_index
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(MAX_DUE_PER_CALL)
            .map(|(_, key)| key.clone())
            .collect()
    }

    fn settings(&self) -> Settings {
        Settings {
            issuers: self.issuers.clone(),
            contacts: self.contacts.clone(),
            cas: self.cas.clone(),
        }
    }

    fn part(&self, names: BTreeSet<String>) -> Detached {
        let mut part = VaultState::with_delays(self.vault.clone(), self.delays);
        part.key_source = self.key_source.clone();
        let settings = self.settings();
        part.issuers = settings.issuers.clone();
        part.contacts = settings.contacts.clone();
        part.cas = settings.cas.clone();
        let mut before = BTreeMap::new();
        for key in names {
            let entry = self.entry(&key);
            part.put(&key, entry.clone());
            before.insert(key, entry);
        }
        part.changes = Default::default();
        Detached {
            part,
            before,
            settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaCha20Rng;
    use crate::service::vault::Vault;
    use rand_core::SeedableRng;

    const EC_SELF: &[u8] = br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;

    fn now(secs: u64) -> UnixTime {
        UnixTime::from_unix_seconds(1_767_225_600 + secs).unwrap()
    }

    fn create(name: &str) -> String {
        format!("/certificates/{name}/create?api-version=7.6")
    }

    #[test]
    fn a_request_on_a_name_that_changed_meanwhile_is_refused_and_changes_nothing() {
        let mut vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
        let path = create("a");
        let request = Request {
            method: "POST",
            path: &path,
            body: EC_SELF,
        };
        let mut first = vault.detach(&request, now(0)).unwrap();
        let mut second = vault.detach(&request, now(0)).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert_eq!(first.handle(&request, now(0), &mut rng).status, 202);
        assert_eq!(second.handle(&request, now(0), &mut rng).status, 202);
        vault.attach(first).unwrap();
        let committed = vault.clone();
        assert_eq!(vault.attach(second), Err(Conflict::Changed));
        assert!(vault == committed);
        // Worked again on what is there now, it is a create over an existing name.
        let mut again = vault.detach(&request, now(0)).unwrap();
        again.handle(&request, now(0), &mut rng);
        vault.attach(again).unwrap();
        let versions = Request {
            method: "GET",
            path: "/certificates/a/versions?api-version=7.6",
            body: b"",
        };
        let listed = vault.handle(&versions, now(1), &mut rng).body_json();
        assert_eq!(listed["value"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn other_names_commit_in_any_order_and_settings_changes_conflict() {
        let mut vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let (pa, pb) = (create("a"), create("b"));
        let a = Request {
            method: "POST",
            path: &pa,
            body: EC_SELF,
        };
        let b = Request {
            method: "POST",
            path: &pb,
            body: EC_SELF,
        };
        let mut da = vault.detach(&a, now(0)).unwrap();
        let mut db = vault.detach(&b, now(0)).unwrap();
        da.handle(&a, now(0), &mut rng);
        db.handle(&b, now(0), &mut rng);
        vault.attach(db).unwrap();
        vault.attach(da).unwrap();
        let changes = vault.take_changes();
        assert_eq!(changes.names().collect::<Vec<_>>(), ["a", "b"]);
        let contacts = Request {
            method: "PUT",
            path: "/certificates/contacts?api-version=7.6",
            body: br#"{"contacts":[{"email":"a@example.com"}]}"#,
        };
        let mut dc = vault.detach(&a, now(0)).unwrap();
        dc.handle(&a, now(0), &mut rng);
        assert!(vault.detach(&contacts, now(0)).is_none(), "vault-wide");
        assert_eq!(vault.handle(&contacts, now(0), &mut rng).status, 200);
        assert_eq!(vault.attach(dc), Err(Conflict::Changed));
    }

    #[test]
    fn due_work_is_detached_with_the_request_or_alone() {
        let mut vault = VaultState::with_delays(
            Vault::new("https://v.vault.azure.net"),
            crate::service::engine::IssuanceDelays {
                self_signed: 30,
                ca_signed: 0,
            },
        );
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let path = create("a");
        let request = Request {
            method: "POST",
            path: &path,
            body: EC_SELF,
        };
        vault.handle(&request, now(0), &mut rng);
        vault.take_changes();
        assert!(!vault.has_due(now(29)));
        assert!(vault.has_due(now(30)));
        let list = Request {
            method: "GET",
            path: "/certificates?api-version=7.6",
            body: b"",
        };
        assert!(vault.detach(&list, now(30)).is_none());
        let mut due = vault.detach_due(now(30)).unwrap();
        assert_eq!(due.advance(now(30), &mut rng), 1);
        vault.attach(due).unwrap();
        assert!(!vault.has_due(now(30)));
        assert_eq!(vault.take_changes().names().collect::<Vec<_>>(), ["a"]);
        assert!(vault.detach_due(now(30)).is_none());
    }
}
