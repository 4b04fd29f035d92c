//! Delete, recover, purge: a certificate's soft-deleted life, by the vault's recovery level.
//!
//! | `recoveryLevel` | `DELETE /certificates/{name}` | purge |
//! |---|---|---|
//! | `Purgeable` | gone at once | nothing to purge |
//! | `Recoverable+Purgeable`, `CustomizedRecoverable+Purgeable` | kept `recoverableDays` days | allowed |
//! | `Recoverable`, `CustomizedRecoverable`, `…+ProtectedSubscription` | kept `recoverableDays` days | refused (purge protection) |
//!
//! A deleted certificate is purged by the first call at or after its `scheduledPurgeDate`.
//! The service shows a deletion a few seconds late (a recorded `GET /deletedcertificates/{name}`
//! answered 404 twice before 200); kvcert shows it at once.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::current::{current_bundle, shows};
use super::record::{Deleted, DeletedRecord};
use super::{VaultState, secs_i64};
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::time::UnixTime;

impl<R> Deleted<R> {
    /// Whether it is still there at `now` (not past its scheduled purge date).
    pub(super) fn kept_at(&self, now: UnixTime) -> bool {
        secs_i64(now) < self.scheduled_purge_date
    }
}

/// Removes the deleted object of `key` from `deleted` if its purge date has come by `now`;
/// whether it did (the caller notes the row's change).
pub(super) fn purge_due<R>(
    deleted: &mut BTreeMap<String, Deleted<R>>,
    key: &str,
    now: UnixTime,
) -> bool {
    let due = deleted.get(key).is_some_and(|d| !d.kept_at(now));
    if due {
        deleted.remove(key);
    }
    due
}

/// The deleted objects still kept at `now`, after the marker `after` (exclusive), by
/// lowercase name: a page's worth of a deleted list.
pub(super) fn kept_after<R>(
    deleted: &BTreeMap<String, Deleted<R>>,
    after: Option<String>,
    now: UnixTime,
) -> impl Iterator<Item = (&String, &Deleted<R>)> {
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    deleted
        .range((lower, Bound::Unbounded))
        .filter(move |(_, d)| d.kept_at(now))
}

impl VaultState {
    /// `record` deleted at `now`, kept for the vault's `recoverableDays`.
    pub(super) fn deletion<R>(&self, record: R, now: UnixTime) -> Deleted<R> {
        let deleted_date = secs_i64(now);
        let days = self.vault.recoverable_days.unwrap_or(90).max(0);
        Deleted {
            record,
            deleted_date,
            scheduled_purge_date: deleted_date.saturating_add(days.saturating_mul(86_400)),
        }
    }

    /// The purge of `key` from `deleted` (`DELETE /deleted…/{name}`): `missing` when there is
    /// nothing to purge, 403 under purge protection, gone for good otherwise.
    pub(super) fn purge_from<R>(
        deleted: &mut BTreeMap<String, Deleted<R>>,
        key: &str,
        purge_allowed: bool,
        name: &str,
        missing: fn(String) -> Error,
    ) -> Result<(), Error> {
        if !deleted.contains_key(key) {
            return Err(missing(name.to_owned()));
        }
        if !purge_allowed {
            return Err(Error::PurgeProtected {
                name: name.to_owned(),
            });
        }
        deleted.remove(key);
        Ok(())
    }

    /// Whether the vault keeps deleted certificates (every level but `Purgeable`).
    pub(super) fn soft_delete(&self) -> bool {
        self.vault.recovery_level != "Purgeable"
    }

    /// Whether the vault allows purging (`Purgeable` levels; purge protection otherwise).
    pub(super) fn purge_allowed(&self) -> bool {
        self.vault.recovery_level.ends_with("Purgeable")
    }

    /// Purges `name` if its scheduled purge date has come.
    pub(super) fn purge_if_due(&mut self, name: &str, now: UnixTime) {
        let key = name.to_ascii_lowercase();
        if purge_due(&mut self.deleted, &key, now) {
            self.touch(&key);
        }
    }

    /// The 409 of a create or import over a deleted, recoverable name, or a name a client's
    /// secret holds.
    pub(super) fn refuse_if_deleted(&mut self, name: &str, now: UnixTime) -> Result<(), Error> {
        self.purge_if_due(name, now);
        match self.deleted.get(&name.to_ascii_lowercase()) {
            Some(_) => Err(Error::DeletedButRecoverable {
                kind: crate::service::error::ObjectKind::Certificate,
                name: name.to_owned(),
            }),
            // A client's secret or key of the name, live or deleted, keeps the certificate out.
            None => {
                self.refuse_if_object_holds::<super::secrets::SecretRecord>(name, now)?;
                self.refuse_if_object_holds::<super::keys::KeyRecord>(name, now)
            }
        }
    }

    /// `DELETE /certificates/{name}`: the deleted certificate (all its versions, its policy
    /// and its pending operation).
    pub fn delete_certificate(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedCertificateBundle, Error> {
        self.settle(name, now);
        self.purge_if_due(name, now);
        let key = name.to_ascii_lowercase();
        let record = match self.certificates.get(&key) {
            Some(r) if shows(r, now) => self.certificates.remove(&key),
            _ => None,
        };
        let Some(record) = record else {
            return Err(Error::CertificateNotFound {
                name: name.to_owned(),
            });
        };
        let deleted = self.deletion(record, now);
        self.reschedule(name);
        let mut body = self.deleted_bundle(&deleted, now);
        if self.soft_delete() {
            self.deleted.insert(key, deleted);
        } else {
            body.recovery_id = None;
            body.deleted_date = None;
            body.scheduled_purge_date = None;
        }
        Ok(body)
    }

    /// `GET /deletedcertificates/{name}`.
    pub fn get_deleted_certificate(
        &self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedCertificateBundle, Error> {
        // Past its purge date it is gone (the row itself goes at the next write of the name).
        match self
            .deleted
            .get(&name.to_ascii_lowercase())
            .filter(|d| d.kept_at(now))
        {
            Some(deleted) => Ok(self.deleted_bundle(deleted, now)),
            None => Err(Error::DeletedCertificateNotFound {
                name: name.to_owned(),
            }),
        }
    }

    /// `POST /deletedcertificates/{name}/recover`: the certificate is back, as it was; 200
    /// with its current bundle.
    pub fn recover_deleted_certificate(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::CertificateBundle, Error> {
        self.purge_if_due(name, now);
        let key = name.to_ascii_lowercase();
        let Some(deleted) = self.deleted.remove(&key) else {
            // Recorded (JS 7.3): the active certificate's wording, not the deleted one's.
            return Err(Error::CertificateNotFound {
                name: name.to_owned(),
            });
        };
        let record_name = deleted.record.name.clone();
        self.certificates.insert(key, deleted.record);
        self.reschedule(&record_name);
        // The current bundle, or the object a create made for a certificate that never
        // completed (see `current`).
        self.record(&record_name)
            .and_then(|r| current_bundle(r, &self.vault, now))
            .ok_or(Error::CertificateNotFound { name: record_name })
    }

    /// `DELETE /deletedcertificates/{name}`: 204, gone for good; 403 under purge protection.
    pub fn purge_deleted_certificate(&mut self, name: &str, now: UnixTime) -> Result<(), Error> {
        self.purge_if_due(name, now);
        let key = name.to_ascii_lowercase();
        let allowed = self.purge_allowed();
        Self::purge_from(&mut self.deleted, &key, allowed, name, |name| {
            Error::DeletedCertificateNotFound { name }
        })?;
        self.touch(&key);
        Ok(())
    }

    /// A deleted certificate as the service shows it: the recovery fields, then its current
    /// version's bundle, or, when it had none, the object its create made (see `current`).
    pub(super) fn deleted_bundle(
        &self,
        deleted: &DeletedRecord,
        now: UnixTime,
    ) -> wire::DeletedCertificateBundle {
        let record = &deleted.record;
        let bundle = current_bundle(record, &self.vault, now).unwrap_or_default();
        wire::DeletedCertificateBundle {
            recovery_id: Some(format!(
                "{}/deletedcertificates/{}",
                self.vault.url, record.name
            )),
            deleted_date: Some(deleted.deleted_date),
            scheduled_purge_date: Some(deleted.scheduled_purge_date),
            bundle,
        }
    }
}
