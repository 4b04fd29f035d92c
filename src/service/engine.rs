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

use zeroize::Zeroizing;

use crate::key::KeyPair;
use crate::pem;
use crate::service::error::Error;
use crate::service::vault::Vault;
use crate::service::wire;
use crate::x509::time::UnixTime;

mod answer;
pub mod backup;
pub mod ca;
pub mod changes;
pub mod convert;
mod create;
pub mod current;
pub mod delete;
pub mod detach;
pub mod details;
mod import;
pub mod issuers;
pub mod keys;
pub mod lifetime;
pub mod list;
pub mod merge;
mod objects;
mod pending;
mod read;
mod record;
pub mod replay;
pub(crate) mod response;
pub mod route;
pub mod secrets;
pub(crate) mod state;
pub mod update;
mod view;

pub use changes::ChangeSet;
pub use detach::{Conflict, Detached};
pub use lifetime::{MAX_DUE_PER_CALL, Notification};
pub use list::{MAX_PAGE_SIZE, Page};
pub use merge::{MAX_MERGE_BODY_LEN, MAX_MERGE_CERTIFICATES, read_x5c};
use pending::settled_status;
use record::{CertificateRecord, KeyMaterial, VersionRecord};
pub use response::RETRY_AFTER_SECS;
use response::Response;
pub use route::Request;
use state::{IssuanceDelays, KeySourceSlot, VaultState};
pub use view::{API_VERSIONS, LATEST_API_VERSION};

/// Seconds from the cancel (`PATCH …/pending`) of an operation that waits for a merge to
/// its `cancelled` status: one poll interval ([`RETRY_AFTER_SECS`]). Recorded (Go 7.5): a GET
/// in the same second and a DELETE a second later still say `inProgress`; no recording waits
/// longer (a `Self` cancel, Python 7.3, showed `cancelled` ten seconds after the PATCH).
pub const CANCEL_DELAY_SECS: u64 = RETRY_AFTER_SECS as u64;

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
    fn new_key(
        &self,
        spec: crate::key::KeySpec,
        rng: &mut dyn CryptoRng,
    ) -> Result<KeyPair, Error> {
        match &self.key_source.0 {
            Some(source) => Ok(source.key_pair(spec, rng)?),
            None => Ok(KeyPair::generate(spec, rng)?),
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
            problem: crate::service::error::RequestProblem::json(&e),
        })
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
    // Stored by kvcert: a key that does not read back is kvcert's failure (500).
    KeyPair::from_pkcs8_der(&der).map_err(|e| Error::internal(format!("stored key: {e}")))
}
