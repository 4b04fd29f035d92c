//! The secrets a client sets (`PUT /secrets/{name}`), beside the certificates' own: set, get,
//! update, delete, the deleted secrets, recover, purge, backup and restore, as the service
//! answers them (`docs/service-behaviour.md` §11, `docs/service-facts-secrets.md`).
//!
//! A name is a certificate's or a client's secret, never both: the certificate's secret
//! (`managed: true`) is read here too, and every write to it is refused as the service
//! refuses it (403, inner code `SecretManagedByKeyVault`).
//!
//! # Bounds
//!
//! | what | bound | answer |
//! |---|---|---|
//! | the value | [`MAX_SECRET_VALUE_LEN`] characters | 400 `BadParameter`, `Secret is beyond the maximum permitted length of 25600 characters.`, inner `SecretTooLarge` (reported, azure-cli #5639) |
//! | `contentType` | [`MAX_CONTENT_TYPE_LEN`] characters (documented) | 400 `BadParameter` (kvcert's text) |
//! | tags | [`MAX_TAGS`] (documented) | 400 `Property  has invalid value` (reported) |
//! | the body | [`MAX_SECRET_BODY_LEN`] bytes | 400, the malformed-body text |
//! | the versions of one name | [`MAX_SECRET_VERSIONS`] | 400 `BadParameter` (kvcert's text; no limit is documented) |
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert's answer |
//! |---|---|
//! | a missing version of an existing secret | 404 `SecretNotFound`, the name's text (no recording names the version) |
//! | a version id's case | any (as a key's; versions are written lowercase) |
//! | `PUT` with no `value` | 400 `BadParameter`, `Property value has invalid value. A value is required` |
//! | set, update, backup of a certificate's secret | 403 `Forbidden`, inner `SecretManagedByKeyVault`, the delete's recorded wording with the operation's name (`set` reported in 2020; the others not recorded) |
//! | a set over a certificate that is deleted but recoverable | 409, the secret's deleted-but-recoverable text (the certificate's secret is deleted with it) |
//! | a certificate create or import on a client's secret's name | 409 `Conflict`, kvcert's text (a guide says the create fails; no recording) |
//! | the 25600 limit | counted in characters of the value (Unicode scalar values), as the message says |
//! | a deleted certificate's secret in `GET /deletedsecrets` | not listed (only the certificate is recovered or purged) |
//! | `GET /deletedsecrets/{name}` of a secret whose latest version is disabled | 403 `SecretDisabled` (recorded, JS 2021) |
//! | a restore over a name in use, or deleted | 409 with the recorded restore-conflict text |
//! | `previousVersion` (2025-06-01-preview on: "the version of the previous certificate, if applicable") | not written: no recording shows its value or its place (the Go, Java and JS recordings of 2025–2026 have none, on a client's secret and on a certificate's first version), and clients read it as absent, as for every certificate made before June 2025 |
//!
//! # The backup blob
//!
//! As the certificate's ([`backup`](super::backup)), with the magic `KVCERT-SECRET-V1`: the
//! secret's versions (values included) as JSON, under an integrity MAC. Not a seal: keep it as
//! secret as the values.

use core::fmt;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use super::delete::kept_after;
use super::objects::{ClientObject, Version, Versions};
use super::record::Deleted;
use super::{VaultState, secs_i64};
use crate::service::error::{Error, ObjectKind};
use crate::service::plan::{CertificateName, MAX_TAGS};
use crate::service::shape::parse_request;
use crate::service::vault::hex_id;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The most characters of a secret's value (the service's limit, in its message).
pub const MAX_SECRET_VALUE_LEN: usize = 25_600;
/// The most characters of a secret's `contentType` (documented: about-secrets).
pub const MAX_CONTENT_TYPE_LEN: usize = 255;
/// The largest `PUT`/`PATCH` body read: the value at its bound with every character a six-byte
/// JSON `\u` escape, and room for tags and attributes.
pub const MAX_SECRET_BODY_LEN: usize = 6 * MAX_SECRET_VALUE_LEN + 64 * 1024;
/// The most versions one secret name keeps (kvcert's bound: a set beyond it is refused, so
/// that no name grows without end).
pub const MAX_SECRET_VERSIONS: usize = 4096;
/// The largest restore body read (a secret with its versions at their bounds).
pub const MAX_SECRET_RESTORE_LEN: usize = 16 * 1024 * 1024;

const MAGIC: &[u8; 16] = b"KVCERT-SECRET-V1";

/// A secret's value in the state: wiped when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct SecretValue(Zeroizing<String>);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<elided>")
    }
}

/// One version of a client's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecretVersion {
    /// 32 lowercase hex characters.
    version: String,
    value: SecretValue,
    content_type: Option<String>,
    enabled: bool,
    nbf: Option<i64>,
    exp: Option<i64>,
    /// Unix seconds.
    created: i64,
    /// Unix seconds: the set, or the last PATCH.
    updated: i64,
    tags: Option<wire::Tags>,
}

/// A client's secret: its name as first set, its versions oldest first.
pub(crate) type SecretRecord = Versions<SecretVersion>;

/// A deleted secret.
pub(crate) type DeletedSecretRecord = Deleted<SecretRecord>;

impl Version for SecretVersion {
    fn id(&self) -> &str {
        &self.version
    }
}

impl ClientObject for SecretRecord {
    const KIND: ObjectKind = ObjectKind::Secret;
    const SEGMENT: &'static str = "secrets";
    const MAGIC: &'static [u8; 16] = MAGIC;
    const MAX_RESTORE_LEN: usize = MAX_SECRET_RESTORE_LEN;

    fn maps(vault: &VaultState) -> (&BTreeMap<String, Self>, &BTreeMap<String, Deleted<Self>>) {
        (&vault.secrets, &vault.deleted_secrets)
    }

    fn maps_mut(
        vault: &mut VaultState,
    ) -> (
        &mut BTreeMap<String, Self>,
        &mut BTreeMap<String, Deleted<Self>>,
    ) {
        (&mut vault.secrets, &mut vault.deleted_secrets)
    }

    fn not_found(name: String) -> Error {
        Error::SecretNotFound { name }
    }

    fn deleted_not_found(name: String) -> Error {
        Error::DeletedSecretNotFound { name }
    }

    fn malformed_backup() -> Error {
        Error::MalformedBackup
    }

    fn name(&self) -> &str {
        Versions::name(self)
    }

    fn latest_id(&self) -> Option<&str> {
        self.latest().map(Version::id)
    }

    fn well_formed(&self) -> bool {
        Versions::well_formed(self, MAX_SECRET_VERSIONS, |v| {
            v.value.0.chars().count() <= MAX_SECRET_VALUE_LEN
        })
    }
}

/// What a `PUT /secrets/{name}` sets, checked: the value within its bound, the content type,
/// tags and attributes (see the module's bounds).
struct NewSecret {
    value: Zeroizing<String>,
    content_type: Option<String>,
    enabled: bool,
    nbf: Option<i64>,
    exp: Option<i64>,
    tags: Option<wire::Tags>,
}

impl NewSecret {
    fn from_wire(sent: wire::SecretSetParameters) -> Result<Self, Error> {
        let wire::SecretSetParameters {
            value,
            tags,
            content_type,
            attributes,
        } = sent;
        let value = value.ok_or_else(|| Error::property("value", "A value is required"))?;
        if value.chars().count() > MAX_SECRET_VALUE_LEN {
            return Err(Error::SecretTooLarge);
        }
        check_content_type(content_type.as_deref())?;
        check_tags(tags.as_ref())?;
        let (enabled, nbf, exp) = settable(attributes);
        Ok(NewSecret {
            value,
            content_type,
            enabled: enabled.unwrap_or(true),
            nbf,
            exp,
            tags,
        })
    }
}

fn check_content_type(content_type: Option<&str>) -> Result<(), Error> {
    match content_type {
        Some(c) if c.chars().count() > MAX_CONTENT_TYPE_LEN => Err(Error::property(
            "contentType",
            "The content type is longer than 255 characters",
        )),
        _ => Ok(()),
    }
}

fn check_tags(tags: Option<&wire::Tags>) -> Result<(), Error> {
    match tags {
        Some(t) if t.0.len() > MAX_TAGS => Err(Error::TooManyTags),
        _ => Ok(()),
    }
}

/// The attributes a client sets (`enabled`, `nbf`, `exp`); the read-only ones it may send
/// back (`created`, `recoveryLevel`, …) are ignored, as the service ignores them (recorded for
/// keys, Rust 2025).
fn settable(
    attributes: Option<wire::CertificateAttributes>,
) -> (Option<bool>, Option<i64>, Option<i64>) {
    match attributes {
        Some(wire::CertificateAttributes {
            enabled,
            nbf,
            exp,
            created: _,
            updated: _,
            recovery_level: _,
            recoverable_days: _,
            exportable: _,
            hsm_platform: _,
        }) => (enabled, nbf, exp),
        None => (None, None, None),
    }
}

impl VaultState {
    /// The `attributes` of a secret version, with the vault's recovery settings.
    fn secret_attributes(&self, v: &SecretVersion) -> wire::CertificateAttributes {
        wire::CertificateAttributes {
            enabled: Some(v.enabled),
            nbf: v.nbf,
            exp: v.exp,
            created: Some(v.created),
            updated: Some(v.updated),
            recovery_level: Some(self.vault.recovery_level.clone()),
            recoverable_days: self.vault.recoverable_days,
            exportable: None,
            hsm_platform: None,
        }
    }

    /// A version as the service answers it; the value only where it is given out.
    fn secret_bundle(&self, name: &str, v: &SecretVersion, with_value: bool) -> wire::SecretBundle {
        wire::SecretBundle {
            id: Some(format!("{}/secrets/{name}/{}", self.vault.url, v.version)),
            value: with_value.then(|| v.value.0.clone()),
            content_type: v.content_type.clone(),
            managed: None,
            attributes: Some(self.secret_attributes(v)),
            tags: v.tags.clone(),
            kid: None,
        }
    }

    /// A version as a list item: without its value, under `id`.
    pub(super) fn plain_secret_item(&self, v: &SecretVersion, id: String) -> wire::SecretItem {
        wire::SecretItem {
            content_type: v.content_type.clone(),
            id: Some(id),
            managed: None,
            attributes: Some(self.secret_attributes(v)),
            tags: v.tags.clone(),
        }
    }

    /// The client's secret of `name` (any case).
    pub(super) fn plain_secret(&self, name: &str) -> Option<&SecretRecord> {
        self.secrets.get(&name.to_ascii_lowercase())
    }

    /// `PUT /secrets/{name}`: a new version, answered 200 with its value (recorded: Go 7.3,
    /// Python 2026-03-01-preview).
    pub fn set_secret<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::SecretBundle, Error> {
        // The name is part of the URI: checked before the body is read.
        let name = CertificateName::try_from(name)?;
        let name = name.as_str();
        let sent: wire::SecretSetParameters = parse_request(body, MAX_SECRET_BODY_LEN)?;
        let new = NewSecret::from_wire(sent)?;
        let key = name.to_ascii_lowercase();
        self.purge_if_due(name, now);
        self.purge_object_if_due::<SecretRecord>(&key, now);
        self.refuse_if_managed::<SecretRecord>(&key, "set")?;
        if self.deleted.contains_key(&key) || self.deleted_secrets.contains_key(&key) {
            return Err(Error::DeletedButRecoverable {
                kind: ObjectKind::Secret,
                name: name.to_owned(),
            });
        }
        if self
            .secrets
            .get(&key)
            .is_some_and(|r| r.all().len() >= MAX_SECRET_VERSIONS)
        {
            return Err(Error::property(
                "value",
                format!("A secret keeps at most {MAX_SECRET_VERSIONS} versions"),
            ));
        }
        let secs = secs_i64(now);
        let NewSecret {
            value,
            content_type,
            enabled,
            nbf,
            exp,
            tags,
        } = new;
        let version = SecretVersion {
            version: hex_id(rng),
            value: SecretValue(value),
            content_type,
            enabled,
            nbf,
            exp,
            created: secs,
            updated: secs,
            tags,
        };
        self.touch(&key);
        let record = self
            .secrets
            .entry(key)
            .or_insert_with(|| SecretRecord::new(name));
        // The name keeps the case of its first set (as certificates do).
        let record_name = record.name().to_owned();
        record.push(version);
        let record = self.object::<SecretRecord>(&name.to_ascii_lowercase())?;
        let version = record
            .latest()
            .ok_or_else(|| Error::internal("a version just set"))?;
        Ok(self.secret_bundle(&record_name, version, true))
    }

    /// `GET /secrets/{name}[/{version}]` of a client's secret; `None` when `name` has none.
    /// A disabled version is refused (403 `SecretDisabled`, recorded); one outside its
    /// `nbf`/`exp` is answered (recorded: Go 7.3 for `nbf`, a 2024 report for `exp`).
    pub(super) fn get_plain_secret(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Option<Result<wire::SecretBundle, Error>> {
        let record = self.plain_secret(name)?;
        Some(match record.find(version) {
            None => Err(Error::SecretNotFound {
                name: name.to_owned(),
            }),
            Some(v) if !v.enabled => Err(Error::SecretDisabled {
                name: name.to_owned(),
            }),
            Some(v) => Ok(self.secret_bundle(record.name(), v, true)),
        })
    }

    /// `PATCH /secrets/{name}[/{version}]`: the version's content type, attributes and tags
    /// (what the body has replaces, what it lacks is kept; `updated` moves); 200 without the
    /// value (recorded: Go 7.3, JS 7.3, Python 2026-03-01-preview). A disabled secret is
    /// updated too (recorded).
    pub fn update_secret(
        &mut self,
        name: &str,
        version: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        let sent: wire::SecretUpdateParameters = parse_request(body, MAX_SECRET_BODY_LEN)?;
        let wire::SecretUpdateParameters {
            content_type,
            attributes,
            tags,
        } = sent;
        check_content_type(content_type.as_deref())?;
        check_tags(tags.as_ref())?;
        let key = name.to_ascii_lowercase();
        self.refuse_if_managed::<SecretRecord>(&key, "update")?;
        let not_found = || Error::SecretNotFound {
            name: name.to_owned(),
        };
        let record = self.secrets.get_mut(&key).ok_or_else(not_found)?;
        let record_name = record.name().to_owned();
        let v = record.find_mut(version).ok_or_else(not_found)?;
        let (enabled, nbf, exp) = settable(attributes);
        if let Some(enabled) = enabled {
            v.enabled = enabled;
        }
        if nbf.is_some() {
            v.nbf = nbf;
        }
        if exp.is_some() {
            v.exp = exp;
        }
        if content_type.is_some() {
            v.content_type = content_type;
        }
        if tags.is_some() {
            v.tags = tags;
        }
        v.updated = secs_i64(now);
        let v = v.clone();
        self.touch(&key);
        Ok(self.secret_bundle(&record_name, &v, false))
    }

    /// `DELETE /secrets/{name}`: the deleted secret (every version), 200 with its latest
    /// version without the value (recorded, Go 7.3). A certificate's secret is refused (403,
    /// recorded).
    pub fn delete_secret(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedSecretBundle, Error> {
        let (key, deleted) = self.take_for_delete::<SecretRecord>(name, now)?;
        let mut body = self.deleted_secret_bundle(&deleted)?;
        if !self.keep_deleted(key, deleted) {
            body.recovery_id = None;
            body.deleted_date = None;
            body.scheduled_purge_date = None;
        }
        Ok(body)
    }

    /// A deleted secret as the service shows it: the recovery fields, then its latest version
    /// without the value.
    fn deleted_secret_bundle(
        &self,
        deleted: &DeletedSecretRecord,
    ) -> Result<wire::DeletedSecretBundle, Error> {
        let record = &deleted.record;
        let latest = record
            .latest()
            .ok_or_else(|| Error::internal("a deleted secret without versions"))?;
        Ok(wire::DeletedSecretBundle {
            recovery_id: Some(format!(
                "{}/deletedsecrets/{}",
                self.vault.url,
                record.name()
            )),
            deleted_date: Some(deleted.deleted_date),
            scheduled_purge_date: Some(deleted.scheduled_purge_date),
            secret: self.secret_bundle(record.name(), latest, false),
        })
    }

    /// `GET /deletedsecrets/{name}`: 200 as the delete answered; 404 `Deleted Secret not
    /// found: {name}` (recorded); 403 `SecretDisabled` when its latest version is disabled
    /// (recorded, JS 2021).
    pub fn get_deleted_secret(
        &self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedSecretBundle, Error> {
        let deleted = self.deleted_object::<SecretRecord>(name, now)?;
        if deleted.record.latest().is_some_and(|v| !v.enabled) {
            return Err(Error::SecretDisabled {
                name: name.to_owned(),
            });
        }
        self.deleted_secret_bundle(deleted)
    }

    /// The latest version of the client's secret under `key`, without its value.
    fn latest_secret_bundle(&self, key: &str) -> Result<wire::SecretBundle, Error> {
        let record = self.object::<SecretRecord>(key)?;
        record
            .latest()
            .map(|v| self.secret_bundle(record.name(), v, false))
            .ok_or_else(|| Error::internal("a secret without versions"))
    }

    /// `POST /deletedsecrets/{name}/recover`: the secret is back with every version; 200 with
    /// its latest version without the value (recorded, JS 7.4-preview.1). A name with no
    /// deleted secret: 404 with the live secret's text (recorded).
    pub fn recover_deleted_secret(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        let key = self.recover_object::<SecretRecord>(name, now)?;
        self.latest_secret_bundle(&key)
    }

    /// `DELETE /deletedsecrets/{name}`: 204, gone for good; 403 under purge protection.
    pub fn purge_deleted_secret(&mut self, name: &str, now: UnixTime) -> Result<(), Error> {
        self.purge_object::<SecretRecord>(name, now)
    }

    /// `POST /secrets/{name}/backup`: 200 `{"value": blob}` (see the module docs); a
    /// certificate's secret is refused (403).
    pub fn backup_secret(&self, name: &str) -> Result<wire::BackupSecretResult, Error> {
        self.backup_object::<SecretRecord>(name)
    }

    /// `POST /secrets/restore`: 200 with the latest version without the value, its id,
    /// version and dates as backed up (recorded, JS 7.4-preview.1); 409 when the name is in
    /// use or deleted; 400 `Malformed backup blob` for a blob kvcert did not make.
    pub fn restore_secret(
        &mut self,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        let key = self.restore_object::<SecretRecord>(body, now)?;
        self.latest_secret_bundle(&key)
    }

    /// The deleted secrets still kept at `now`, after the marker `after`, as list items (the
    /// `id` without a version, recorded).
    pub(super) fn deleted_secret_items(
        &self,
        after: Option<String>,
        now: UnixTime,
    ) -> impl Iterator<Item = (String, wire::DeletedSecretItem)> + '_ {
        kept_after(&self.deleted_secrets, after, now).filter_map(move |(key, d)| {
            let latest = d.record.latest()?;
            let name = d.record.name();
            let url = &self.vault.url;
            Some((
                key.clone(),
                wire::DeletedSecretItem {
                    recovery_id: Some(format!("{url}/deletedsecrets/{name}")),
                    deleted_date: Some(d.deleted_date),
                    scheduled_purge_date: Some(d.scheduled_purge_date),
                    item: self.plain_secret_item(latest, format!("{url}/secrets/{name}")),
                },
            ))
        })
    }

    /// The versions of the client's secret `name`, each with its id, for a versions page.
    pub(super) fn plain_secret_versions(
        &self,
        name: &str,
    ) -> Option<(&str, impl Iterator<Item = (&str, wire::SecretItem)>)> {
        let record = self.plain_secret(name)?;
        let url = format!("{}/secrets/{}", self.vault.url, record.name());
        Some((
            record.name(),
            record.all().iter().map(move |v| {
                (
                    v.version.as_str(),
                    self.plain_secret_item(v, format!("{url}/{}", v.version)),
                )
            }),
        ))
    }

    /// The latest version of a client's secret as a `GET /secrets` item.
    pub(super) fn plain_secret_listed(&self, record: &SecretRecord) -> Option<wire::SecretItem> {
        let latest = record.latest()?;
        Some(self.plain_secret_item(
            latest,
            format!("{}/secrets/{}", self.vault.url, record.name()),
        ))
    }
}
