//! The vault's certificates as state: one value that holds every certificate, its versions,
//! its policy and its pending operation, and one method per operation that takes the request,
//! `now` and the RNG and returns the service's wire type ([`wire`]) or the typed [`Error`].
//! Reads take `&self`. [`VaultState::handle`] is the one request function: it routes a request
//! to its operation and makes the HTTP answer ([`Response`]: status, headers, the body in the
//! request's api-version) in one place, the edge.
//!
//! The state is plain serde data ([`VaultState::to_json`], [`VaultState::from_json`]): an
//! emulator keeps it wherever it likes, and a restored state answers every later request
//! byte for byte as the original would.
//!
//! # Time
//!
//! Nothing reads a clock: time moves only through the `now` each call brings. An issuance
//! that takes time on the service (`Self` completes at the first or second poll) completes
//! [`IssuanceDelays`] after the create, measured in those `now`s: the first call on that
//! certificate at or after the due instant sees it completed. The certificate is dated at the
//! due instant (its `created`, and `notBefore` ten minutes earlier), whenever it is read.
//!
//! # What each pending operation does
//!
//! | issuer | on create | completes | cancel (PATCH) |
//! |---|---|---|---|
//! | `Self` | key, CSR and the certificate made at once, dated `now + delays.self_signed` | at `now + delays.self_signed` | before completion: `cancelled` at the due instant (the certificate is discarded) |
//! | `Unknown` | key and CSR | never by itself (merge) | `cancelled` [`CANCEL_DELAY_SECS`] after the PATCH; until then `inProgress` with `cancellation_requested: true` |
//! | a named issuer | key and CSR | an emulated provider: after `delays.ca_signed`, signed by its CA ([`ca`]); another provider: never (stays `inProgress`, merge after cancel) | an emulated provider: as `Self`; another: as `Unknown` |
//!
//! # Before the first version
//!
//! A create makes the certificate object at once ([`current`]): `GET /certificates/{name}`
//! answers it, disabled and dated at the create, until a version exists, and it stays when
//! the operation is cancelled or deleted (recorded at 7.0–7.4; `docs/service-behaviour.md`
//! §10). The name is then in use: a restore over it is refused; a create makes a new
//! operation and a new object; a backup of it restores as that object (recorded, JS 7.0).
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert's answer |
//! |---|---|
//! | a `GET` by version | no `policy`, no `pending` (recorded, JS 7.3); the latest has the policy in force; at 7.2 the certificate's `subject`, `issuer`, `sans`, `serialnumber` ([`details`], recorded) |
//! | a second create while the first is `inProgress` | 409 `Forbidden` with the documented text, for every issuer kind |
//! | a create without `policy` for an existing name | the stored policy, unchanged; with `policy`, it replaces the stored one (its `created` is kept, `updated` is `now`) |
//! | a new create on a name that has only the object of an earlier create (cancelled, operation deleted, failed) | a new operation and a new object (a new version id, dated at this create); no recording re-creates such a name |
//! | `PATCH …/pending` with `cancellation_requested: false` while in progress | 200, nothing changes |
//! | when a cancel of an operation waiting for a merge takes effect | [`CANCEL_DELAY_SECS`] (10 s, one poll interval) after the PATCH: recorded (Go 7.5), a GET in the same second and a DELETE a second later still say `inProgress`; no recording of an `Unknown` operation waits longer, and a `Self` cancel (Python 7.3) was `cancelled` 10 s after the PATCH |
//! | `request_id` query that does not match the pending operation | 404 `PendingCertificateNotFound` (documented) |
//! | `PATCH /certificates/{name}` before the first version | 200, the object's shape with its tags and `enabled` changed, `updated` kept (recorded); the tags and `enabled` also go to the version the operation makes |
//! | `PATCH /certificates/{name}/{version}` of the version the object of a create shows | the same object changes, answered without `policy` as a PATCH of a version is (no recording; the .NET SDK patches the versioned id it read) |
//! | the object of a create in a list | only with `includePending=true`: recorded with it (JS 7.0), and a cancelled, never-issued certificate missing from a list with `includePending=false` (Java 7.4) |
//! | `GET …/versions` of a name with only the object of a create | `[]`: it is not a version of the list (no recording lists one) |
//! | a deleted certificate that had no version, in `GET /deletedcertificates` | only with `includePending=true`, as in the live list (recorded with it at 7.0; no recording without it; the swagger gives the parameter one meaning for both lists) |
//! | merge: what is checked in `x5c` | one certificate holds the pending key; the chain's signatures and order are not checked (a test CA's chain is taken as uploaded) |
//! | a failed operation's body | `status: failed`, the in-progress `status_details` kept, `error` (recorded 7.4-preview.1 to 7.6-preview.1); before 7.4 without `status_details` (recorded 7.0). The provider (DigiCert) is the same in all four recordings, so the difference is not the issuer's |
//! | the 404 text of a missing certificate at api-version 7.0 | the long text at every version: recorded at 7.0 and 7.1 in April 2022 (Python); the short `Certificate not found: {name}` came from the 2018–2020 service builds, not from the api-version |
//! | a disabled certificate | its bundle, key and versions are read as before; its secret's value is refused with 403 `SecretDisabled` (recorded for plain secrets; the Key Vault team: a disabled certificate withholds its private part, the secret) |
//! | the service's eventual consistency (a read just after a write that misses it) | not emulated: every answer reflects every earlier call |

use std::collections::{BTreeMap, BTreeSet};

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::key::KeyPair;
use crate::pem;
use crate::service::create::{self, Issued};
use crate::service::plan::{CertificateName, IssuancePlan, IssuerKind, MAX_BODY_LEN};
use crate::service::shape::parse_request;
use crate::service::vault::{Vault, hex_id};
use crate::service::wire;
use crate::x509::time::UnixTime;

mod answer;
pub mod backup;
pub mod ca;
pub mod changes;
pub mod current;
pub mod delete;
pub mod detach;
pub mod details;
pub mod issuers;
pub mod keys;
pub mod lifetime;
pub mod list;
pub mod merge;
mod record;
pub mod replay;
mod response;
pub mod route;
pub mod secrets;
pub mod update;
mod view;

pub use changes::ChangeSet;
pub use detach::{Conflict, Detached};
pub use lifetime::{MAX_DUE_PER_CALL, Notification};
pub use list::{MAX_PAGE_SIZE, Page};
pub use merge::{MAX_MERGE_BODY_LEN, MAX_MERGE_CERTIFICATES, read_x5c};
use record::{
    CertificateRecord, DeletedRecord, KeyMaterial, PendingRecord, PendingStatus, UnissuedRecord,
    VersionRecord,
};
pub use response::{RETRY_AFTER_SECS, Response};
pub use route::{API_VERSIONS, LATEST_API_VERSION, Request};

/// Seconds from the cancel (`PATCH …/pending`) of an operation that waits for a merge to
/// its `cancelled` status: one poll interval ([`RETRY_AFTER_SECS`]). Recorded (Go 7.5): a GET
/// in the same second and a DELETE a second later still say `inProgress`; no recording waits
/// longer (a `Self` cancel, Python 7.3, showed `cancelled` ten seconds after the PATCH).
pub const CANCEL_DELAY_SECS: u64 = RETRY_AFTER_SECS as u64;

/// How long an issuer takes, in seconds of the callers' `now`.
///
/// ```
/// let delays = kvcert::service::engine::IssuanceDelays::default();
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

/// A vault's certificates and the operations on them. See the [module docs](self).
///
/// ```
/// use kvcert::rand_core::SeedableRng;
/// use kvcert::service::engine::VaultState;
/// use kvcert::{ChaCha20Rng, UnixTime, Vault};
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
    vault: Vault,
    delays: IssuanceDelays,
    /// By lowercase name: identifiers compare case-insensitively.
    certificates: BTreeMap<String, CertificateRecord>,
    /// Deleted but recoverable certificates, by lowercase name.
    deleted: BTreeMap<String, DeletedRecord>,
    /// The secrets clients set, by lowercase name (see [`secrets`]).
    #[serde(default)]
    secrets: BTreeMap<String, secrets::SecretRecord>,
    /// Deleted but recoverable secrets, by lowercase name.
    #[serde(default)]
    deleted_secrets: BTreeMap<String, secrets::DeletedSecretRecord>,
    /// The keys clients created or imported, by lowercase name (see [`keys`]).
    #[serde(default)]
    keys: BTreeMap<String, keys::KeyRecord>,
    /// Deleted but recoverable keys, by lowercase name.
    #[serde(default)]
    deleted_keys: BTreeMap<String, keys::DeletedKeyRecord>,
    /// Certificate issuers, by lowercase name.
    issuers: BTreeMap<String, wire::IssuerBundle>,
    /// The vault's certificate contacts, once set.
    contacts: Option<Vec<wire::Contact>>,
    /// The emulated CA hierarchies, by provider.
    cas: BTreeMap<String, ca::EmulatedCa>,
    /// Due work by instant (Unix seconds) and lowercase name (see `lifetime`).
    due_index: BTreeSet<(i64, String)>,
    /// Each name's entry in `due_index`.
    scheduled: BTreeMap<String, i64>,
    /// `EmailContacts` actions that came due.
    notifications: Vec<lifetime::Notification>,
    /// What the calls changed since [`Self::take_changes`] (see [`changes`]).
    #[serde(skip)]
    changes: changes::Pending,
    /// Where new key pairs come from ([`Self::set_key_source`]).
    #[serde(skip)]
    key_source: KeySourceSlot,
}

/// The vault's key source: part of how it runs, not of its value or its JSON.
#[derive(Clone, Default)]
struct KeySourceSlot(Option<std::sync::Arc<dyn crate::key::source::KeySource>>);

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

impl VaultState {
    /// An empty vault with the default delays.
    pub fn new(vault: Vault) -> Self {
        Self::with_delays(vault, IssuanceDelays::default())
    }

    /// An empty vault whose issuers take `delays`.
    pub fn with_delays(vault: Vault, delays: IssuanceDelays) -> Self {
        VaultState {
            vault,
            delays,
            certificates: BTreeMap::new(),
            deleted: BTreeMap::new(),
            secrets: BTreeMap::new(),
            deleted_secrets: BTreeMap::new(),
            keys: BTreeMap::new(),
            deleted_keys: BTreeMap::new(),
            issuers: BTreeMap::new(),
            contacts: None,
            cas: BTreeMap::new(),
            due_index: BTreeSet::new(),
            scheduled: BTreeMap::new(),
            notifications: Vec::new(),
            changes: Default::default(),
            key_source: KeySourceSlot::default(),
        }
    }

    /// Takes new key pairs (creates, renewals without `reuse_key`) from `source` instead of
    /// generating them: [`crate::key::source::Pinned`] keys make a fuzzer's or a large test
    /// suite's creates cheap. Not saved with the vault.
    pub fn set_key_source(&mut self, source: std::sync::Arc<dyn crate::key::source::KeySource>) {
        self.key_source = KeySourceSlot(Some(source));
    }

    /// A new key pair of `spec`, from the key source.
    fn new_key(&self, spec: crate::KeySpec, rng: &mut dyn CryptoRng) -> Result<KeyPair, Error> {
        match &self.key_source.0 {
            Some(source) => source.key_pair(spec, rng),
            None => KeyPair::generate(spec, rng),
        }
    }

    /// The vault's settings.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The state as JSON. It holds the private keys: keep it as secret as the vault.
    pub fn to_json(&self) -> Result<Zeroizing<String>, Error> {
        serde_json::to_string(self)
            .map(Zeroizing::new)
            .map_err(Error::internal)
    }

    /// A state saved by [`Self::to_json`].
    ///
    /// # Errors
    ///
    /// [`Error::MalformedRequest`] when `json` is not such a state.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::MalformedRequest {
            problem: crate::error::RequestProblem::json(&e),
        })
    }

    /// `POST /certificates/{name}/create`: the pending operation (answered 202, with its URL
    /// as `Location` and `Retry-After`), or the error.
    pub fn create_certificate<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::CertificateOperation, Error> {
        self.create_dyn(name, body, now, &mut { rng })
    }

    fn create_dyn(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<wire::CertificateOperation, Error> {
        // The name is part of the URI: checked before the body is read.
        let certificate_name = CertificateName::try_from(name)?;
        let mut request: wire::CertificateCreateParameters = parse_request(body, MAX_BODY_LEN)?;
        // A completion that came due since the last call becomes a version first.
        self.settle(name, now);
        self.refuse_if_deleted(name, now)?;
        let key = name.to_ascii_lowercase();
        self.touch(&key);
        let existing = self.certificates.get_mut(&key);
        if let Some(record) = existing.as_deref()
            && record
                .pending
                .as_ref()
                .is_some_and(|p| settled_status(p, now) == PendingStatus::InProgress)
        {
            return Err(Error::PendingInProgress);
        }
        let policy_sent = request.policy.is_some();
        if let (None, Some(record)) = (&request.policy, existing.as_deref()) {
            request.policy = Some(policy_as_request(&record.policy));
        }
        let plan = IssuancePlan::new(certificate_name.as_str(), &request)?;
        let plan_request = request.clone();
        let reused = match existing.as_deref() {
            Some(record) if plan.key().reuse_key() => {
                record.versions.last().map(|v| &v.private_key)
            }
            _ => None,
        };
        let delay = match plan.issuer().kind() {
            IssuerKind::SelfSigned => self.delays.self_signed,
            IssuerKind::Named => self.delays.ca_signed,
            _ => 0,
        };
        let issued_at = plus_secs(now, delay)?;
        let kept = match reused {
            Some(pkcs8) => key_from_material(pkcs8)?,
            None => self.new_key(plan.key().spec(), rng)?,
        };
        // The PKCS#12 secret is made when it is read (`secret::DeferredPfx`).
        let issued = create::create_deferring(plan, kept, &self.vault, issued_at, rng)?;
        let Issued {
            plan,
            key: pending_key,
            csr: _,
            operation,
            completed,
        } = issued;
        let private_key = key_material(&pending_key)?;
        // A named issuer: signed by the emulated CA of its provider, or failed, at the due
        // instant (see `ca`).
        let (named, failure) = match plan.issuer().kind() {
            IssuerKind::Named => {
                match self.issue_by_named_issuer(&plan, &pending_key, now, issued_at, rng)? {
                    ca::NamedIssuance::Signed(version) => (Some(version), None),
                    ca::NamedIssuance::Failed(error) => (None, Some(error)),
                    ca::NamedIssuance::NotEmulated => (None, None),
                }
            }
            _ => (None, None),
        };
        let due = match plan.issuer().kind() {
            IssuerKind::SelfSigned => Some(issued_at.as_secs()),
            IssuerKind::Named if named.is_some() || failure.is_some() => Some(issued_at.as_secs()),
            _ => None,
        };
        let outcome = match completed {
            Some(done) => {
                let mut bundle = done.bundle;
                bundle.policy = None;
                Some(Box::new(VersionRecord {
                    version: done.version,
                    bundle,
                    key: done.key_bundle,
                    secret: done.secret,
                    private_key: private_key.clone(),
                    deferred: done.deferred,
                }))
            }
            None => named.map(|stored| {
                let stored = *stored;
                Box::new(VersionRecord {
                    version: stored.version,
                    bundle: wire::CertificateBundle {
                        policy: None,
                        ..stored.bundle
                    },
                    key: stored.key_bundle,
                    secret: stored.secret,
                    private_key: private_key.clone(),
                    deferred: stored.deferred,
                })
            }),
        };
        // The version the operation will produce: the issued one's for `Self` and an emulated
        // CA; drawn after everything the 202 needs otherwise.
        let version = match &outcome {
            Some(v) => v.version.clone(),
            None => hex_id(rng),
        };
        let unissued = unissued_record(version, now, plan.validity_months(), &plan_request)?;
        let pending = PendingRecord {
            operation: operation.clone(),
            status: PendingStatus::InProgress,
            due,
            outcome,
            private_key,
            request: plan_request,
            failure,
        };
        let base = format!("{}/certificates/{}", self.vault.url, name);
        let secs = now.as_secs();
        let record = self
            .certificates
            .entry(key)
            .or_insert_with(|| CertificateRecord {
                name: name.to_owned(),
                policy: wire::CertificatePolicy::default(),
                versions: Vec::new(),
                pending: None,
                notified: None,
                unissued: None,
            });
        if policy_sent || record.policy.id.is_none() {
            let created = record
                .policy
                .attributes
                .as_ref()
                .and_then(|a| a.created)
                .unwrap_or(secs as i64);
            let mut policy = plan.stored_policy();
            policy.id = Some(format!("{base}/policy"));
            policy.attributes = Some(wire::CertificateAttributes {
                enabled: Some(plan.policy_enabled()),
                created: Some(created),
                updated: Some(secs as i64),
                ..Default::default()
            });
            record.policy = policy;
        }
        record.pending = Some(pending);
        if record.versions.is_empty() {
            record.unissued = Some(unissued);
        }
        self.reschedule(name);
        Ok(operation)
    }

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

    /// `GET /certificates/{name}[/{version}]`: the current version (or, before the first, the
    /// object the create made: see [`current`]), or the version named.
    pub fn get_certificate(
        &self,
        name: &str,
        version: Option<&str>,
        now: UnixTime,
    ) -> Result<wire::CertificateBundle, Error> {
        let found = match version.filter(|v| !v.is_empty()) {
            None => self
                .record(name)
                .and_then(|record| current::current_bundle(record, &self.vault, now)),
            // Recorded (JS 7.3): a GET by version carries neither `policy` nor `pending`.
            Some(v) => match self.version(name, version, now) {
                Some((_, stored)) => {
                    let mut bundle = stored.bundle.clone();
                    bundle.pending = None;
                    Some(bundle)
                }
                None => self
                    .record(name)
                    .and_then(|r| current::unissued_version(r, &self.vault, v)),
            },
        };
        found.ok_or_else(|| not_found(name, version))
    }

    /// `GET /certificates/{name}/policy`. The policy is stored when the create arrives, before
    /// any version completes, so it does not depend on `_now` (taken, like every operation's).
    pub fn get_policy(&self, name: &str, _now: UnixTime) -> Result<wire::CertificatePolicy, Error> {
        self.record(name)
            .map(|record| record.policy.clone())
            .ok_or_else(|| Error::CertificateNotFound {
                name: name.to_owned(),
            })
    }

    /// `GET /keys/{name}[/{version}]`: a client's key ([`keys`]) or a certificate's managed key.
    pub fn get_key(
        &self,
        name: &str,
        version: Option<&str>,
        now: UnixTime,
    ) -> Result<wire::KeyBundle, Error> {
        if let Some(answer) = self.get_plain_key(name, version) {
            return answer;
        }
        self.version(name, version, now)
            .map(|(_, v)| v.key.clone())
            .ok_or_else(|| Error::KeyNotFound {
                name: name.to_owned(),
            })
    }

    /// `GET /secrets/{name}[/{version}]`: a client's secret ([`secrets`]) or a certificate's
    /// managed secret; 403 when the version is disabled (the certificate's `enabled` is
    /// mirrored to its secret).
    pub fn get_secret(
        &self,
        name: &str,
        version: Option<&str>,
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        if let Some(answer) = self.get_plain_secret(name, version) {
            return answer;
        }
        let Some((_, v)) = self.version(name, version, now) else {
            return Err(Error::SecretNotFound {
                name: name.to_owned(),
            });
        };
        // Recorded for plain secrets (JS 7.4-preview.1): 403, inner code `SecretDisabled`;
        // the Key Vault team: a disabled certificate withholds only its secret.
        if v.secret.attributes.as_ref().and_then(|a| a.enabled) == Some(false) {
            return Err(Error::SecretDisabled {
                name: name.to_owned(),
            });
        }
        match &v.deferred {
            None => Ok(v.secret.clone()),
            // Made now, from its stored seed: the same bytes at every read.
            Some(deferred) => {
                let value = deferred.value(&key_from_material(&v.private_key)?)?;
                Ok(wire::SecretBundle {
                    value: Some(value),
                    ..v.secret.clone()
                })
            }
        }
    }

    fn record(&self, name: &str) -> Option<&CertificateRecord> {
        self.certificates.get(&name.to_ascii_lowercase())
    }

    fn record_mut(&mut self, name: &str) -> Option<&mut CertificateRecord> {
        self.touch(name);
        self.certificates.get_mut(&name.to_ascii_lowercase())
    }

    /// A version as it reads at `now`: the stored ones, and the pending outcome once due.
    fn version(
        &self,
        name: &str,
        version: Option<&str>,
        now: UnixTime,
    ) -> Option<(&CertificateRecord, &VersionRecord)> {
        let record = self.record(name)?;
        let found = match version.filter(|v| !v.is_empty()) {
            None => current::current_version(record, now),
            Some(v) => current::versions(record, now).find(|r| r.version.eq_ignore_ascii_case(v)),
        };
        found.map(|v| (record, v))
    }

    /// Applies what is due at `now` to the pending operation of `name`: its completion (the
    /// outcome becomes the current version) or its cancellation.
    fn settle(&mut self, name: &str, now: UnixTime) {
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

/// The 404 of a `GET` by name, or by version (recorded at 7.1: the version is named).
fn not_found(name: &str, version: Option<&str>) -> Error {
    match version.filter(|v| !v.is_empty()) {
        Some(version) => Error::CertificateVersionNotFound {
            name: name.to_owned(),
            version: version.to_owned(),
        },
        None => Error::CertificateNotFound {
            name: name.to_owned(),
        },
    }
}

/// Where a pending operation stands at `now`.
fn settled_status(pending: &PendingRecord, now: UnixTime) -> PendingStatus {
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
fn settled_operation(
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

/// The stored policy as a create request's `policy`: without the read-only `id` and times.
fn policy_as_request(stored: &wire::CertificatePolicy) -> wire::CertificatePolicy {
    let mut policy = stored.clone();
    policy.id = None;
    policy.attributes = stored
        .attributes
        .as_ref()
        .map(|a| wire::CertificateAttributes {
            enabled: a.enabled,
            ..Default::default()
        });
    policy
}

/// The certificate object a create shows before its first version (see [`UnissuedRecord`]),
/// dated as a certificate issued at `now` would be: recorded at 7.0, 7.4-preview.1 and
/// 7.6-preview.1, `nbf` is the create's instant minus ten minutes and `exp` the instant plus
/// the policy's months (e.g. JS 7.4-preview.1: `created` 1668448634, `nbf` 1668448034, `exp`
/// 1699984634).
fn unissued_record(
    version: String,
    now: UnixTime,
    validity_months: u32,
    request: &wire::CertificateCreateParameters,
) -> Result<UnissuedRecord, Error> {
    let (not_before, not_after) = crate::x509::certificate::validity(now, validity_months)?;
    Ok(UnissuedRecord {
        version,
        enabled: false,
        not_before: secs_i64(not_before),
        not_after: secs_i64(not_after),
        created: secs_i64(now),
        updated: secs_i64(now),
        tags: request.tags.clone().filter(|t| !t.0.is_empty()),
    })
}

fn secs_i64(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

fn plus_secs(now: UnixTime, secs: u64) -> Result<UnixTime, Error> {
    now.as_secs()
        .checked_add(secs)
        .and_then(UnixTime::from_unix_seconds)
        .ok_or(Error::InvalidArgument {
            argument: "now",
            problem: "now plus the issuance delay is after 9999",
        })
}

fn key_material(key: &KeyPair) -> Result<KeyMaterial, Error> {
    let der = key.to_pkcs8_der()?;
    Ok(KeyMaterial(Zeroizing::new(pem::base64(&der))))
}

fn key_from_material(material: &KeyMaterial) -> Result<KeyPair, Error> {
    let der = Zeroizing::new(
        pem::base64_decode(&material.0)
            .ok_or_else(|| Error::internal("stored key is not base64"))?,
    );
    KeyPair::from_pkcs8_der(&der)
}

impl VaultState {
    /// `POST /certificates/{name}/import`: 200 with the imported version's bundle (stored as
    /// the certificate's current version, its policy derived as
    /// [`import`](crate::service::import) describes), or the error.
    pub fn import_certificate<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::CertificateBundle, Error> {
        self.import_dyn(name, body, now, &mut { rng })
    }

    fn import_dyn(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<wire::CertificateBundle, Error> {
        CertificateName::try_from(name)?;
        self.settle(name, now);
        self.refuse_if_deleted(name, now)?;
        if self.record(name).is_some_and(|r| {
            r.pending
                .as_ref()
                .is_some_and(|p| settled_status(p, now) == PendingStatus::InProgress)
        }) {
            // Documented: "can not be created or imported while … inProgress".
            return Err(Error::PendingInProgress);
        }
        let imported =
            crate::service::import::import_certificate(name, body, &self.vault, now, rng)?;
        let crate::service::import::Imported {
            key,
            version,
            mut bundle,
            key_bundle,
            secret,
            ..
        } = imported;
        let policy = bundle.policy.take().unwrap_or_default();
        let response = wire::CertificateBundle {
            policy: Some(policy.clone()),
            ..bundle.clone()
        };
        let record = self
            .certificates
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| CertificateRecord {
                name: name.to_owned(),
                policy: wire::CertificatePolicy::default(),
                versions: Vec::new(),
                pending: None,
                notified: None,
                unissued: None,
            });
        record.policy = policy;
        record.unissued = None;
        record.versions.push(VersionRecord {
            version,
            bundle,
            key: key_bundle,
            secret,
            private_key: key_material(&key)?,
            deferred: None,
        });
        self.reschedule(name);
        Ok(response)
    }
}
