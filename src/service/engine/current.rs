//! What `GET /certificates/{name}` shows of a certificate: its current version, or, while it
//! has none, the object its create made.
//!
//! # The certificate before its first version
//!
//! Recorded at api-versions 7.0–7.4 (`docs/service-behaviour.md` §10): a create makes the
//! certificate object at once. Until a version is issued (or for ever, when none is: a
//! cancelled or deleted operation, an issuer that never answers) `GET /certificates/{name}`
//! answers 200 with
//!
//! ```text
//! {"id": "{vault}/certificates/{name}/{version}",        the version the operation will produce
//!  "attributes": {"enabled": false, "nbf", "exp", "created", "updated", "recoveryLevel", …},
//!  "tags": {…},                                         when set
//!  "policy": {…},
//!  "pending": {"id": "{vault}/certificates/{name}/pending"}}   while the operation exists
//! ```
//!
//! dated at the create (`created` = `updated` = the create's instant, `nbf` ten minutes
//! earlier, `exp` = the instant plus `validity_months`). PATCH (of the certificate or of that
//! version), DELETE, `GET /deletedcertificates/{name}`
//! and recover answer the same shape; lists show it with `includePending=true`.

use super::record::{CertificateRecord, PendingStatus, VersionRecord};
use super::settled_status;
use crate::service::vault::Vault;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The pending operation's version once it has come due at `now` and is not yet stored.
fn due_outcome(record: &CertificateRecord, now: UnixTime) -> Option<&VersionRecord> {
    record
        .pending
        .as_ref()
        .filter(|p| p.status == PendingStatus::InProgress)
        .filter(|p| settled_status(p, now) == PendingStatus::Completed)
        .and_then(|p| p.outcome.as_deref())
}

/// Every version at `now`, oldest first: the stored ones, then the due outcome.
pub(super) fn versions(
    record: &CertificateRecord,
    now: UnixTime,
) -> impl Iterator<Item = &VersionRecord> {
    record.versions.iter().chain(due_outcome(record, now))
}

/// Whether `GET /certificates/{name}` shows anything of `record` at `now`: a version, or the
/// object a create made (a state saved before kvcert kept that object shows nothing).
pub(super) fn shows(record: &CertificateRecord, now: UnixTime) -> bool {
    record.unissued.is_some() || current_version(record, now).is_some()
}

/// The current version at `now`.
pub(super) fn current_version(record: &CertificateRecord, now: UnixTime) -> Option<&VersionRecord> {
    versions(record, now).last()
}

/// The bundle `GET /certificates/{name}` answers at `now` (see the [module docs](self)), or
/// `None` for a record that shows nothing (a state saved before kvcert kept the object).
pub(super) fn current_bundle(
    record: &CertificateRecord,
    vault: &Vault,
    now: UnixTime,
) -> Option<wire::CertificateBundle> {
    if let Some(v) = current_version(record, now) {
        let mut bundle = v.bundle.clone();
        bundle.policy = Some(record.policy.clone());
        return Some(bundle);
    }
    let mut bundle = unissued_bundle(record, vault)?;
    bundle.tags = record.unissued.as_ref().and_then(|u| u.tags.clone());
    bundle.policy = Some(record.policy.clone());
    bundle.pending = record.pending.as_ref().map(|_| wire::PendingReference {
        id: Some(format!(
            "{}/certificates/{}/pending",
            vault.url, record.name
        )),
    });
    Some(bundle)
}

/// `GET /certificates/{name}/{version}` of the version the create made before anything is
/// issued: `id` and `attributes` only (recorded: .NET, 7.6-preview.1).
pub(super) fn unissued_version(
    record: &CertificateRecord,
    vault: &Vault,
    version: &str,
) -> Option<wire::CertificateBundle> {
    record
        .unissued
        .as_ref()
        .filter(|u| record.versions.is_empty() && u.version.eq_ignore_ascii_case(version))?;
    unissued_bundle(record, vault)
}

/// The object's `id` and `attributes`.
fn unissued_bundle(record: &CertificateRecord, vault: &Vault) -> Option<wire::CertificateBundle> {
    let unissued = record.unissued.as_ref()?;
    Some(wire::CertificateBundle {
        id: Some(format!(
            "{}/certificates/{}/{}",
            vault.url, record.name, unissued.version
        )),
        attributes: Some(wire::CertificateAttributes {
            enabled: Some(unissued.enabled),
            nbf: Some(unissued.not_before),
            exp: Some(unissued.not_after),
            created: Some(unissued.created),
            updated: Some(unissued.updated),
            recovery_level: Some(vault.recovery_level.clone()),
            recoverable_days: vault.recoverable_days,
            exportable: None,
            hsm_platform: None,
        }),
        ..Default::default()
    })
}
