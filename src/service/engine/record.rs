//! What the vault keeps per certificate, as plain serde data: the policy in force, the
//! completed versions and the pending operation.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::service::wire;

/// Key material kept in the state (PKCS#8 DER, base64): zeroized on drop, never shown by
/// `Debug`. It is in the serialized state, which is therefore as secret as the keys.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct KeyMaterial(pub(crate) Zeroizing<String>);

impl core::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<elided>")
    }
}

/// One certificate name: its policy, its versions, its pending operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CertificateRecord {
    /// The name as first created (names compare case-insensitively).
    pub(crate) name: String,
    /// The policy in force, as `GET …/policy` answers it (`id` and `attributes` set).
    pub(crate) policy: wire::CertificatePolicy,
    /// The completed versions, oldest first; the last is the current one.
    pub(crate) versions: Vec<VersionRecord>,
    /// The latest pending operation, until it is deleted.
    pub(crate) pending: Option<PendingRecord>,
    /// The version whose `EmailContacts` action has run.
    #[serde(default)]
    pub(crate) notified: Option<String>,
    /// The certificate object the latest create made, shown while no version exists.
    #[serde(default)]
    pub(crate) unissued: Option<UnissuedRecord>,
}

/// The certificate object a create makes at once, before anything is issued (recorded at
/// 7.0–7.4, `docs/service-behaviour.md` §10): `GET /certificates/{name}` shows it, disabled
/// and dated at the create, until the name has a version; it stays when its operation is
/// cancelled or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UnissuedRecord {
    /// The version the operation will produce (32 lowercase hex).
    pub(crate) version: String,
    /// `false` until a PATCH enables it.
    pub(crate) enabled: bool,
    /// The create's instant minus ten minutes (Unix seconds).
    pub(crate) not_before: i64,
    /// The create's instant plus the policy's `validity_months`.
    pub(crate) not_after: i64,
    /// The create's instant.
    pub(crate) created: i64,
    /// The create's instant, or the last PATCH's.
    pub(crate) updated: i64,
    /// The create's tags, or the last PATCH's.
    pub(crate) tags: Option<wire::Tags>,
}

/// A stored version: what `GET /certificates|keys|secrets/{name}/{version}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VersionRecord {
    /// 32 lowercase hex characters.
    pub(crate) version: String,
    /// The bundle without its `policy` (the policy in force is filled in when it is read).
    pub(crate) bundle: wire::CertificateBundle,
    /// The managed key.
    pub(crate) key: wire::KeyBundle,
    /// The managed secret.
    pub(crate) secret: wire::SecretBundle,
    /// The private key, for a renewal that keeps it (`reuse_key`).
    pub(crate) private_key: KeyMaterial,
    /// The secret's PKCS#12 value, made when it is read (then `secret.value` is `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) deferred: Option<crate::service::secret::DeferredPfx>,
}

/// Where a pending operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PendingStatus {
    /// `inProgress`.
    InProgress,
    /// `completed`.
    Completed,
    /// `cancelled`.
    Cancelled,
    /// `failed`.
    Failed,
}

/// A pending operation (`…/certificates/{name}/pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingRecord {
    /// The operation as it reads now.
    pub(crate) operation: wire::CertificateOperation,
    /// Where it stands.
    pub(crate) status: PendingStatus,
    /// When the issuer completes it (Unix seconds), or `None` when it waits for a merge.
    pub(crate) due: Option<u64>,
    /// The version it completes with, made when it was created (so that its completion
    /// draws nothing from any later call's RNG).
    pub(crate) outcome: Option<Box<VersionRecord>>,
    /// The pending key (the CSR's), for the merge.
    pub(crate) private_key: KeyMaterial,
    /// The create request with the policy it ran under, for the merge's plan.
    pub(crate) request: wire::CertificateCreateParameters,
    /// The error the issuer answers at the due instant, for a request that fails.
    pub(crate) failure: Option<wire::KeyVaultErrorDetail>,
}

/// A deleted object (a certificate, a client's secret or key), kept until it is recovered or
/// purged: the object as it was, and its two dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Deleted<R> {
    /// The object as it was.
    pub(crate) record: R,
    /// Unix seconds.
    pub(crate) deleted_date: i64,
    /// Unix seconds: purged by the first call at or after it.
    pub(crate) scheduled_purge_date: i64,
}

/// A deleted certificate.
pub(crate) type DeletedRecord = Deleted<CertificateRecord>;
