//! The pending operation (`/certificates/{name}/pending`): read, cancel, delete, and where it
//! stands at `now`.

use super::record::{PendingRecord, PendingStatus};
use super::{CANCEL_DELAY_SECS, VaultState};
use crate::service::error::Error;
use crate::service::plan::MAX_BODY_LEN;
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

impl VaultState {
    /// `GET /certificates/{name}/pending[?request_id=…]`: the operation as it reads at `now`
    /// (completion and cancellation applied; answered with `Retry-After` while in progress).
    pub fn get_pending(
        &self,
        name: &str,
        request_id: Option<&str>,
        now: UnixTime,
    ) -> Result<wire::CertificateOperation, Error> {
        let not_found = || Error::PendingCertificateNotFound {
            name: name.to_owned(),
        };
        let record = self.record(name).ok_or_else(not_found)?;
        let pending = record.pending.as_ref().ok_or_else(not_found)?;
        if request_id.is_some_and(|id| Some(id) != pending.operation.request_id.as_deref()) {
            return Err(not_found());
        }
        Ok(settled_operation(
            pending,
            &self.vault.url,
            &record.name,
            now,
        ))
    }

    /// `PATCH /certificates/{name}/pending` with `{"cancellation_requested": bool}`.
    pub fn update_pending(
        &mut self,
        name: &str,
        request_id: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::CertificateOperation, Error> {
        let update: wire::CertificateOperationUpdateParameter = parse_request(body, MAX_BODY_LEN)?;
        self.settle(name, now);
        self.get_pending(name, request_id, now)?;
        let pending = self
            .record_mut(name)
            .and_then(|r| r.pending.as_mut())
            .ok_or_else(|| Error::PendingCertificateNotFound {
                name: name.to_owned(),
            })?;
        if pending.status != PendingStatus::InProgress {
            return Err(Error::PendingNotInProgress);
        }
        if update.cancellation_requested {
            pending.operation.cancellation_requested = Some(true);
            // An operation no issuer is working on (waiting for a merge, or a provider kvcert
            // does not emulate) is cancelled one poll interval later: recorded (Go 7.5), a GET
            // and a DELETE of `…/pending` right after the PATCH still say `inProgress`.
            if pending.due.is_none() {
                pending.due = Some(now.as_secs().saturating_add(CANCEL_DELAY_SECS));
            }
        }
        let operation = pending.operation.clone();
        self.reschedule(name);
        Ok(operation)
    }

    /// `DELETE /certificates/{name}/pending`: 200 with the operation as it stood; afterwards
    /// `GET …/pending` is 404.
    pub fn delete_pending(
        &mut self,
        name: &str,
        request_id: Option<&str>,
        now: UnixTime,
    ) -> Result<wire::CertificateOperation, Error> {
        self.settle(name, now);
        let operation = self.get_pending(name, request_id, now)?;
        let key = name.to_ascii_lowercase();
        self.touch(&key);
        if let Some(record) = self.certificates.get_mut(&key) {
            record.pending = None;
            // Recorded (7.0–7.2): the object the create made stays, without `pending`.
            if record.versions.is_empty() && record.unissued.is_none() {
                self.certificates.remove(&key);
            }
        }
        self.reschedule(name);
        Ok(operation)
    }

    /// Applies what is due at `now` to the pending operation of `name`: its completion (the
    /// outcome becomes the current version) or its cancellation.
    pub(super) fn settle(&mut self, name: &str, now: UnixTime) {
        let url = self.vault.url.clone();
        let Some(record) = self.record_mut(name) else {
            return;
        };
        let Some(pending) = record.pending.as_mut() else {
            return;
        };
        if pending.status != PendingStatus::InProgress {
            return;
        }
        match settled_status(pending, now) {
            PendingStatus::InProgress => {}
            status => {
                pending.operation = settled_operation(pending, &url, &record.name, now);
                pending.status = status;
                if let Some(outcome) = pending.outcome.take()
                    && status == PendingStatus::Completed
                {
                    record.versions.push(*outcome);
                    record.unissued = None;
                }
            }
        }
    }
}

/// Where a pending operation stands at `now`.
pub(super) fn settled_status(pending: &PendingRecord, now: UnixTime) -> PendingStatus {
    if pending.status != PendingStatus::InProgress {
        return pending.status;
    }
    let cancelled = pending.operation.cancellation_requested == Some(true);
    match pending.due {
        Some(due) if now.as_secs() >= due => {
            if cancelled {
                PendingStatus::Cancelled
            } else if pending.outcome.is_some() {
                PendingStatus::Completed
            } else if pending.failure.is_some() {
                PendingStatus::Failed
            } else {
                PendingStatus::InProgress
            }
        }
        // A cancel saved before it was given a due instant: in effect.
        None if cancelled => PendingStatus::Cancelled,
        _ => PendingStatus::InProgress,
    }
}

/// The operation's body at `now`: `completed` with `target`, or `cancelled` without
/// `status_details` (recorded shapes, docs/service-behaviour.md §1).
pub(super) fn settled_operation(
    pending: &PendingRecord,
    vault_url: &str,
    name: &str,
    now: UnixTime,
) -> wire::CertificateOperation {
    let mut operation = pending.operation.clone();
    match settled_status(pending, now) {
        PendingStatus::InProgress => {}
        PendingStatus::Completed if pending.status == PendingStatus::InProgress => {
            operation.status = Some("completed".to_owned());
            operation.status_details = None;
            operation.target = Some(format!("{vault_url}/certificates/{name}"));
        }
        PendingStatus::Cancelled if pending.status == PendingStatus::InProgress => {
            operation.status = Some("cancelled".to_owned());
            operation.status_details = None;
            operation.target = None;
            operation.error = None;
        }
        // Recorded (.NET, DigiCert with bad credentials, 7.4-preview.1 to 7.6-preview.1):
        // `status`, the in-progress `status_details` kept, `error`, `request_id`; no `target`.
        // Before 7.4 without `status_details` (recorded at 7.0; `route` strips it).
        PendingStatus::Failed if pending.status == PendingStatus::InProgress => {
            operation.status = Some("failed".to_owned());
            operation.target = None;
            operation.error = pending.failure.clone();
        }
        PendingStatus::Completed | PendingStatus::Cancelled | PendingStatus::Failed => {}
    }
    operation
}
