//! What a client's secrets and keys share: a name's versions ([`Versions`]), and the life of
//! the name in the vault's maps ([`ClientObject`]): the refusals on a certificate's name,
//! delete, the deleted object, recover, purge, backup and restore. Each kind builds its own
//! answers ([`secrets`](super::secrets), [`keys`](super::keys)); the steps are here, once.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::VaultState;
use super::backup::{open_blob, seal_blob};
use super::delete::purge_due;
use super::record::Deleted;
use crate::service::error::{Error, ObjectKind};
use crate::service::plan::CertificateName;
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// One version of a client's object.
pub(crate) trait Version {
    /// 32 lowercase hex characters.
    fn id(&self) -> &str;
}

/// A client's secret or key: its name as first set, its versions oldest first (the last is the
/// latest, what a `GET` without a version answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Versions<V> {
    name: String,
    versions: Vec<V>,
}

impl<V: Version> Versions<V> {
    /// A name without versions yet.
    pub(super) fn new(name: &str) -> Self {
        Versions {
            name: name.to_owned(),
            versions: Vec::new(),
        }
    }

    /// The name as first set.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The latest version.
    pub(super) fn latest(&self) -> Option<&V> {
        self.versions.last()
    }

    /// The version named, or the latest for none or an empty one (recorded: `/keys/{name}//sign`,
    /// `/secrets/{name}/`); version ids match in any case.
    pub(super) fn find(&self, version: Option<&str>) -> Option<&V> {
        self.position(version).and_then(|i| self.versions.get(i))
    }

    /// [`Self::find`], to change.
    pub(super) fn find_mut(&mut self, version: Option<&str>) -> Option<&mut V> {
        self.position(version)
            .and_then(|i| self.versions.get_mut(i))
    }

    fn position(&self, version: Option<&str>) -> Option<usize> {
        match version.filter(|v| !v.is_empty()) {
            None => self.versions.len().checked_sub(1),
            Some(wanted) => self
                .versions
                .iter()
                .position(|v| v.id().eq_ignore_ascii_case(wanted)),
        }
    }

    /// Every version, oldest first.
    pub(super) fn all(&self) -> &[V] {
        &self.versions
    }

    /// Adds the latest version.
    pub(super) fn push(&mut self, version: V) {
        self.versions.push(version);
    }

    /// Whether a backup's versions are ones kvcert keeps: at least one, at most `max`, each
    /// with a 32-hex id, each passing `valid`.
    pub(super) fn well_formed(&self, max: usize, valid: impl Fn(&V) -> bool) -> bool {
        !self.versions.is_empty()
            && self.versions.len() <= max
            && self.versions.iter().all(|v| {
                v.id().len() == 32 && v.id().bytes().all(|b| b.is_ascii_hexdigit()) && valid(v)
            })
    }
}

/// A kind of client object: where the vault keeps it, its errors and its backup's magic.
pub(crate) trait ClientObject: Clone + Serialize + DeserializeOwned {
    /// Secret or key, in the service's texts.
    const KIND: ObjectKind;
    /// The path segment of its ids (`secrets`, `keys`).
    const SEGMENT: &'static str;
    /// The first bytes of its backup blob.
    const MAGIC: &'static [u8; 16];
    /// The largest restore body read.
    const MAX_RESTORE_LEN: usize;

    /// The vault's live and deleted objects of this kind.
    fn maps(vault: &VaultState) -> (&BTreeMap<String, Self>, &BTreeMap<String, Deleted<Self>>);
    /// The same, to change.
    fn maps_mut(
        vault: &mut VaultState,
    ) -> (
        &mut BTreeMap<String, Self>,
        &mut BTreeMap<String, Deleted<Self>>,
    );
    /// The 404 of a name without a live object (also the recover's, recorded).
    fn not_found(name: String) -> Error;
    /// The 404 of a name without a deleted object.
    fn deleted_not_found(name: String) -> Error;
    /// The 400 of a blob this kind did not make.
    fn malformed_backup() -> Error;
    /// The name as first set.
    fn name(&self) -> &str;
    /// The latest version's id.
    fn latest_id(&self) -> Option<&str>;
    /// Whether a restored object is one kvcert keeps (bounds, key material).
    fn well_formed(&self) -> bool;
}

impl VaultState {
    /// Purges the deleted object of `key` if its scheduled purge date has come.
    pub(super) fn purge_object_if_due<O: ClientObject>(&mut self, key: &str, now: UnixTime) {
        if purge_due(O::maps_mut(self).1, key, now) {
            self.touch(key);
        }
    }

    /// The 403 of a write to a certificate's secret or key (recorded for delete: inner code
    /// `SecretManagedByKeyVault`, `KeyManagedByKeyVault`).
    pub(super) fn refuse_if_managed<O: ClientObject>(
        &self,
        key: &str,
        operation: &'static str,
    ) -> Result<(), Error> {
        if self.certificates.contains_key(key) {
            return Err(Error::ManagedByKeyVault {
                kind: O::KIND,
                operation,
            });
        }
        Ok(())
    }

    /// The 409 of a certificate create or import on a name a client's object holds (live, or
    /// deleted but recoverable).
    pub(super) fn refuse_if_object_holds<O: ClientObject>(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<(), Error> {
        let key = name.to_ascii_lowercase();
        self.purge_object_if_due::<O>(&key, now);
        let (live, deleted) = O::maps(self);
        if live.contains_key(&key) {
            return Err(Error::NameInUse {
                held_by: O::KIND,
                name: name.to_owned(),
            });
        }
        if deleted.contains_key(&key) {
            return Err(Error::DeletedButRecoverable {
                kind: O::KIND,
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// The deletion of `name`'s object at `now` (a certificate's refused, 403), out of the
    /// live map; [`Self::keep_deleted`] keeps it once its answer is made.
    pub(super) fn take_for_delete<O: ClientObject>(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<(String, Deleted<O>), Error> {
        let key = name.to_ascii_lowercase();
        self.refuse_if_managed::<O>(&key, "delete")?;
        let Some(record) = O::maps_mut(self).0.remove(&key) else {
            return Err(O::not_found(name.to_owned()));
        };
        // A key's rotation is due no more; the row is written.
        self.reschedule(&key);
        self.purge_object_if_due::<O>(&key, now);
        let deleted = self.deletion(record, now);
        Ok((key, deleted))
    }

    /// Keeps a deleted object when the vault soft-deletes; whether it did (otherwise it is
    /// gone, and the answer carries no recovery fields).
    pub(super) fn keep_deleted<O: ClientObject>(
        &mut self,
        key: String,
        deleted: Deleted<O>,
    ) -> bool {
        let soft = self.soft_delete();
        if soft {
            O::maps_mut(self).1.insert(key, deleted);
        }
        soft
    }

    /// The deleted object of `name` still kept at `now`.
    pub(super) fn deleted_object<O: ClientObject>(
        &self,
        name: &str,
        now: UnixTime,
    ) -> Result<&Deleted<O>, Error> {
        O::maps(self)
            .1
            .get(&name.to_ascii_lowercase())
            .filter(|d| d.kept_at(now))
            .ok_or_else(|| O::deleted_not_found(name.to_owned()))
    }

    /// `POST /deleted…/{name}/recover`: the object back in the live map, every version (a name
    /// with none deleted: the live object's 404, recorded).
    pub(super) fn recover_object<O: ClientObject>(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<String, Error> {
        let key = name.to_ascii_lowercase();
        self.purge_object_if_due::<O>(&key, now);
        let Some(deleted) = O::maps_mut(self).1.remove(&key) else {
            return Err(O::not_found(name.to_owned()));
        };
        Ok(self.put_object(key, deleted.record))
    }

    /// `DELETE /deleted…/{name}`: gone for good; 403 under purge protection.
    pub(super) fn purge_object<O: ClientObject>(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<(), Error> {
        let key = name.to_ascii_lowercase();
        self.purge_object_if_due::<O>(&key, now);
        let allowed = self.purge_allowed();
        Self::purge_from(
            O::maps_mut(self).1,
            &key,
            allowed,
            name,
            O::deleted_not_found,
        )?;
        self.touch(&key);
        Ok(())
    }

    /// `POST /…/{name}/backup`: the object's versions in a sealed blob (a certificate's
    /// refused, 403).
    pub(super) fn backup_object<O: ClientObject>(
        &self,
        name: &str,
    ) -> Result<wire::BackupResult, Error> {
        let key = name.to_ascii_lowercase();
        self.refuse_if_managed::<O>(&key, "backup")?;
        let record = O::maps(self)
            .0
            .get(&key)
            .ok_or_else(|| O::not_found(name.to_owned()))?;
        Ok(wire::BackupResult {
            value: seal_blob(O::MAGIC, record)?,
        })
    }

    /// `POST /…/restore`: the blob's object back under its name, ids and dates as backed up;
    /// 409 (the recorded conflict text) when the name is in use by any object or deleted; 400
    /// for a blob this kind did not make.
    pub(super) fn restore_object<O: ClientObject>(
        &mut self,
        body: &[u8],
        now: UnixTime,
    ) -> Result<String, Error> {
        let sent: wire::BackupResult = parse_request(body, O::MAX_RESTORE_LEN)?;
        let record: O = open_blob(O::MAGIC, &sent.value).map_err(|_| O::malformed_backup())?;
        CertificateName::try_from(record.name()).map_err(|_| O::malformed_backup())?;
        if !record.well_formed() {
            return Err(O::malformed_backup());
        }
        let latest = record.latest_id().ok_or_else(O::malformed_backup)?;
        let key = record.name().to_ascii_lowercase();
        self.purge_if_due(record.name(), now);
        self.purge_object_if_due::<O>(&key, now);
        let (live, deleted) = O::maps(self);
        let in_use = live.contains_key(&key)
            || deleted.contains_key(&key)
            || self.certificates.contains_key(&key)
            || self.deleted.contains_key(&key);
        if in_use {
            return Err(Error::RestoreConflict {
                kind: O::KIND,
                id: format!(
                    "{}/{}/{}/{latest}",
                    self.vault.url,
                    O::SEGMENT,
                    record.name()
                ),
            });
        }
        Ok(self.put_object(key, record))
    }

    /// Puts `record` in the live map under `key` (its row written, a key's rotation
    /// scheduled); the key it is under.
    pub(super) fn put_object<O: ClientObject>(&mut self, key: String, record: O) -> String {
        O::maps_mut(self).0.insert(key.clone(), record);
        self.reschedule(&key);
        key
    }

    /// The live object under `key` (a key [`Self::put_object`] or the maps gave).
    pub(super) fn object<O: ClientObject>(&self, key: &str) -> Result<&O, Error> {
        O::maps(self)
            .0
            .get(key)
            .ok_or_else(|| Error::internal("an object just put is not there"))
    }
}
