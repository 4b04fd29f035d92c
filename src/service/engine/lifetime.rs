//! Time's work: issuances that come due, and the policy's lifetime actions.
//!
//! Time moves only with the `now` each call brings. [`VaultState::advance`] does, in due
//! order, everything that has come due by `now` across the vault: a `Self` or CA issuance
//! whose delay has passed completes, and a lifetime action whose trigger has come runs at its
//! due instant. [`VaultState::handle`] calls it first on every request; callers of the typed
//! methods call it themselves. The due work is kept in an index ordered by time, so a call
//! costs the same however many certificates are not due.
//!
//! # When a lifetime action is due
//!
//! Measured on the current version's validity, `nbf` to `exp` (the certificate's notBefore and
//! notAfter, Unix seconds):
//!
//! | trigger | due at |
//! |---|---|
//! | `lifetime_percentage: p` | `nbf + ⌊(exp − nbf) × p / 100⌋` |
//! | `days_before_expiry: d` | `exp − d × 86 400` |
//!
//! For example, the default policy (12 months, 80 %) of a certificate issued at
//! 2026-01-15T12:00:00Z (nbf 11:50:00, exp 2027-01-15T12:00:00Z, 365 days + 600 s) is due at
//! 2026-11-03T11:58:00Z: nbf + 25 229 280 s (80 % of 31 536 600 s, rounded down).
//! `days_before_expiry: 30` on the same certificate is due at 2026-12-16T12:00:00Z.
//!
//! # What runs
//!
//! - `AutoRenew`: a new version, as a create without a policy would make it at the due
//!   instant (the policy in force; a new key unless `reuse_key`). For `Self` and emulated CA
//!   issuers it completes after their delay; for `Unknown` it opens a pending operation with a
//!   CSR for the owner to merge (kvcert's decision: the docs say only that autorotation does
//!   not apply to non-partnered CAs). Tags are carried over (documented).
//! - `EmailContacts`: a [`Notification`] for the vault's contacts, once per version, read with
//!   [`VaultState::notifications`] and cleared with [`VaultState::take_notifications`].
//!
//! A client's key whose rotation policy has a `Rotate` action is rotated at its due instant
//! the same way (see [`keys::rotation`](super::keys::rotation)).
//!
//! No action runs while the certificate has an operation in progress, or for a disabled
//! current version. At most [`MAX_DUE_PER_CALL`] due items are worked per call (a `now`
//! years ahead catches up over several calls).

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use super::record::{CertificateRecord, PendingStatus};
use super::{VaultState, secs_i64};
use crate::x509::time::UnixTime;

/// The most due items (completions, actions) one [`VaultState::advance`] works.
pub const MAX_DUE_PER_CALL: usize = 64;
/// The most notifications kept; the oldest go first.
pub const MAX_NOTIFICATIONS: usize = 1000;

/// An `EmailContacts` lifetime action that came due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// The certificate's name.
    pub certificate: String,
    /// The version whose lifetime triggered it.
    pub version: String,
    /// When it came due, Unix seconds.
    pub due: i64,
    /// The e-mail addresses of the vault's contacts at that time.
    pub emails: Vec<String>,
}

/// The next due work of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// Its pending operation completes (or fails, or is cancelled).
    Pending(i64),
    /// Its lifetime action runs.
    Action(i64),
}

impl Due {
    fn at(self) -> i64 {
        match self {
            Due::Pending(t) | Due::Action(t) => t,
        }
    }
}

/// When the current version's lifetime action is due, and whether it renews.
fn action_due(record: &CertificateRecord) -> Option<(i64, bool)> {
    let current = record.versions.last()?;
    let attributes = current.bundle.attributes.as_ref()?;
    if attributes.enabled == Some(false) {
        return None;
    }
    let (nbf, exp) = (attributes.nbf?, attributes.exp?);
    let action = record.policy.lifetime_actions.as_ref()?.first()?;
    let trigger = action.trigger.as_ref()?;
    let due = match (trigger.lifetime_percentage, trigger.days_before_expiry) {
        (Some(p), _) => nbf.checked_add(exp.checked_sub(nbf)?.checked_mul(p)? / 100)?,
        (None, Some(d)) => exp.checked_sub(d.checked_mul(86_400)?)?,
        (None, None) => return None,
    };
    let renew = action.action.as_ref()?.action_type.as_deref() == Some("AutoRenew");
    if !renew && record.notified.as_deref() == Some(current.version.as_str()) {
        return None;
    }
    // A trigger at or before the version's start would renew forever: never due.
    (due > nbf).then_some((due, renew))
}

fn next_due(record: &CertificateRecord) -> Option<Due> {
    match &record.pending {
        // An operation in progress: its completion, if it has a due instant; no action.
        Some(p) if p.status == PendingStatus::InProgress => {
            p.due.and_then(|d| i64::try_from(d).ok()).map(Due::Pending)
        }
        _ => action_due(record).map(|(at, _)| Due::Action(at)),
    }
}

impl VaultState {
    /// Recomputes when `name` next has due work (after any change to it).
    pub(super) fn reschedule(&mut self, name: &str) {
        let key = name.to_ascii_lowercase();
        // Called after every change to a name: the row it names is to be written.
        self.touch(&key);
        if let Some(old) = self.scheduled.remove(&key) {
            self.due_index.remove(&(old, key.clone()));
        }
        let due = match self.certificates.get(&key) {
            Some(record) => next_due(record).map(Due::at),
            // A client's key with a rotation policy (see `keys::rotation`).
            None => self
                .keys
                .get(&key)
                .and_then(super::keys::rotation::rotation_due),
        };
        if let Some(at) = due {
            self.scheduled.insert(key.clone(), at);
            self.due_index.insert((at, key));
        }
    }

    /// Does everything due by `now` (see the [module docs](self)); returns how many items it
    /// worked.
    pub fn advance<R: CryptoRng + ?Sized>(&mut self, now: UnixTime, rng: &mut R) -> usize {
        self.advance_dyn(now, &mut { rng })
    }

    pub(super) fn advance_dyn(&mut self, now: UnixTime, rng: &mut dyn CryptoRng) -> usize {
        let now_secs = secs_i64(now);
        let mut worked = 0;
        while worked < MAX_DUE_PER_CALL {
            let Some((at, key)) = self.due_index.first().cloned() else {
                break;
            };
            if at > now_secs {
                break;
            }
            self.due_index.remove(&(at, key.clone()));
            self.scheduled.remove(&key);
            worked += 1;
            let Some(at_time) = u64::try_from(at).ok().and_then(UnixTime::from_unix_seconds) else {
                continue;
            };
            let name = match self.certificates.get(&key) {
                Some(r) => r.name.clone(),
                None => {
                    // A client's key whose rotation came due.
                    self.rotate_if_due(&key, at_time, rng);
                    self.reschedule(&key);
                    continue;
                }
            };
            self.settle(&name, at_time);
            if let Some(record) = self.certificates.get(&key)
                && record
                    .pending
                    .as_ref()
                    .is_none_or(|p| p.status != PendingStatus::InProgress)
                && let Some((due, renew)) = action_due(record)
                && due <= at
            {
                if renew {
                    // A create without a policy, at the due instant, carrying the tags.
                    let tags = record.versions.last().and_then(|v| v.bundle.tags.clone());
                    let body =
                        serde_json::to_vec(&crate::service::wire::CertificateCreateParameters {
                            tags,
                            ..Default::default()
                        })
                        .unwrap_or_default();
                    let _ = self.create_certificate(&name, &body, at_time, rng);
                } else {
                    self.notify(&key, at);
                }
            }
            self.reschedule(&name);
        }
        worked
    }

    fn notify(&mut self, key: &str, due: i64) {
        let emails: Vec<String> = self
            .contacts
            .iter()
            .flatten()
            .filter_map(|c| c.email.clone())
            .collect();
        self.touch(key);
        self.touch_settings();
        let Some(record) = self.certificates.get_mut(key) else {
            return;
        };
        let Some(version) = record.versions.last().map(|v| v.version.clone()) else {
            return;
        };
        record.notified = Some(version.clone());
        self.notifications.push(Notification {
            certificate: record.name.clone(),
            version,
            due,
            emails,
        });
        if self.notifications.len() > MAX_NOTIFICATIONS {
            self.notifications.remove(0);
        }
    }

    /// The `EmailContacts` notifications that came due (oldest first).
    pub fn notifications(&self) -> &[Notification] {
        &self.notifications
    }

    /// The notifications, emptied.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.touch_settings();
        core::mem::take(&mut self.notifications)
    }
}
