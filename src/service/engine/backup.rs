//! Backup and restore (`POST /certificates/{name}/backup`, `POST /certificates/restore`).
//!
//! # The blob
//!
//! The service's blob is opaque (base64url, starting `&AzureKeyVaultKeyBackupV1.microsoft.com`,
//! then a JWE sealed by the service's keys). kvcert's is its own, documented here, and also
//! base64url without padding:
//!
//! ```text
//! "KVCERT-BACKUP-V1" ‖ u32 big-endian length of J ‖ J ‖ HMAC-SHA-256(K, everything before)
//! J = the certificate as JSON: the vault URL it came from, its policy and its versions
//!     (bundles, managed keys and secrets, private keys), or, before its first version, the
//!     object its create made
//! K = SHA-256("kvcert certificate backup v1")
//! ```
//!
//! The MAC makes a truncated, altered or foreign blob fail as the service's does (400
//! `Malformed backup blob`, recorded). It is an integrity check, not a seal: K is public, so
//! anyone with kvcert can make a blob, and the blob holds the private keys in the clear.
//! Keep it as secret as the vault.
//!
//! Restoring into another vault gives the same versions, ids rewritten to that vault's URL
//! and attributes carrying its recovery settings. The restored certificate has no pending
//! operation and its bundles no `pending` link, and a `sans` that was `{}` is dropped from the
//! policy: both as recorded (JS 7.4-preview.1). A certificate that is only pending backs up
//! too, and restores as the object its create made (same version, disabled, its dates and
//! policy, no `pending`): recorded (JS 7.0).

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::VaultState;
use super::current::shows;
use super::record::{CertificateRecord, UnissuedRecord, VersionRecord};
use crate::pem;
use crate::service::error::Error;
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

const MAGIC: &[u8; 16] = b"KVCERT-BACKUP-V1";
/// The largest restore body read (a certificate with many versions of large keys).
pub const MAX_RESTORE_BODY_LEN: usize = 8 * 1024 * 1024;

/// What the blob holds.
#[derive(Serialize, Deserialize)]
struct Backup {
    vault: String,
    policy: wire::CertificatePolicy,
    versions: Vec<VersionRecord>,
    /// The object a create made, for a certificate backed up before its first version.
    #[serde(default)]
    unissued: Option<UnissuedRecord>,
}

fn mac_key() -> [u8; 32] {
    Sha256::digest(b"kvcert certificate backup v1").into()
}

fn mac(data: &[u8]) -> Result<[u8; 32], Error> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&mac_key()).map_err(Error::internal)?;
    m.update(data);
    Ok(m.finalize().into_bytes().into())
}

impl VaultState {
    /// `POST /certificates/{name}/backup`: 200 `{"value": blob}` (see the module docs).
    pub fn backup_certificate(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::BackupCertificateResult, Error> {
        self.settle(name, now);
        // Recorded (JS 7.0): a certificate that is only pending backs up too (200, a blob),
        // and its restore gives back the object the create made.
        let Some(record) = self.record(name).filter(|r| shows(r, now)) else {
            return Err(Error::CertificateNotFound {
                name: name.to_owned(),
            });
        };
        let backup = Backup {
            vault: self.vault.url.clone(),
            policy: record.policy.clone(),
            versions: record.versions.clone(),
            unissued: record
                .unissued
                .clone()
                .filter(|_| record.versions.is_empty()),
        };
        Ok(wire::BackupCertificateResult {
            value: seal_blob(MAGIC, &backup)?,
        })
    }

    /// `POST /certificates/restore`: 200 with the restored certificate's bundle; 409 with the
    /// recorded text when the name is in use (or deleted), 400 `Malformed backup blob` for a
    /// blob kvcert did not make or that was altered.
    pub fn restore_certificate(
        &mut self,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::CertificateBundle, Error> {
        let sent: wire::BackupCertificateResult = parse_request(body, MAX_RESTORE_BODY_LEN)?;
        let backup = open(&sent.value)?;
        let Backup {
            vault: from,
            policy,
            versions,
            unissued,
        } = backup;
        // `{from}/certificates/{name}/…` of the current version, or of the policy.
        let id = versions
            .last()
            .and_then(|v| v.bundle.id.clone())
            .or_else(|| policy.id.clone())
            .ok_or(Error::MalformedBackup)?;
        let name = id
            .strip_prefix(&format!("{from}/certificates/"))
            .and_then(|rest| rest.split('/').next())
            .map(str::to_owned)
            .ok_or(Error::MalformedBackup)?;
        crate::service::plan::CertificateName::try_from(name.as_str())
            .map_err(|_| Error::MalformedBackup)?;
        let key = name.to_ascii_lowercase();
        self.settle(&name, now);
        self.purge_if_due(&name, now);
        // A client's secret or key of the name keeps the certificate out, as at a create.
        let in_use = self.certificates.contains_key(&key)
            || self.deleted.contains_key(&key)
            || self.secrets.contains_key(&key)
            || self.deleted_secrets.contains_key(&key)
            || self.keys.contains_key(&key)
            || self.deleted_keys.contains_key(&key);
        if in_use {
            let id = match (&unissued, versions.is_empty()) {
                (Some(u), true) => format!("{}/certificates/{name}/{}", self.vault.url, u.version),
                _ => id.replacen(&from, &self.vault.url, 1),
            };
            return Err(Error::RestoreConflict {
                kind: crate::service::error::ObjectKind::Certificate,
                id,
            });
        }
        let mut record = CertificateRecord {
            name: name.clone(),
            policy,
            versions,
            pending: None,
            notified: None,
            unissued,
        };
        self.rehome(&mut record, &from)?;
        self.certificates.insert(key, record);
        self.reschedule(&name);
        self.record(&name)
            .and_then(|r| super::current::current_bundle(r, &self.vault, now))
            .ok_or(Error::MalformedBackup)
    }

    /// Rewrites a restored record for this vault: ids, recovery settings, the recorded quirks.
    fn rehome(&self, record: &mut CertificateRecord, from: &str) -> Result<(), Error> {
        let json = serde_json::to_string(&*record).map_err(Error::internal)?;
        let json =
            Zeroizing::new(json.replace(&format!("\"{from}/"), &format!("\"{}/", self.vault.url)));
        *record = serde_json::from_str(&json).map_err(|_| Error::MalformedBackup)?;
        for v in &mut record.versions {
            v.bundle.pending = None;
            for attrs in [
                &mut v.bundle.attributes,
                &mut v.key.attributes,
                &mut v.secret.attributes,
            ] {
                if let Some(a) = attrs.as_mut() {
                    a.recovery_level = Some(self.vault.recovery_level.clone());
                    a.recoverable_days = self.vault.recoverable_days;
                }
            }
        }
        if let Some(x) = record.policy.x509_props.as_mut()
            && x.sans
                .as_ref()
                .is_some_and(|s| *s == wire::SubjectAlternativeNames::default())
        {
            x.sans = None;
        }
        Ok(())
    }
}

/// The blob for `backup` (see the module docs), of the kind `magic` names.
pub(super) fn seal_blob<T: Serialize>(
    magic: &[u8; 16],
    backup: &T,
) -> Result<Zeroizing<String>, Error> {
    let json = Zeroizing::new(serde_json::to_vec(backup).map_err(Error::internal)?);
    let len = u32::try_from(json.len()).map_err(|_| Error::internal("backup too large"))?;
    let mut blob = Zeroizing::new(Vec::with_capacity(MAGIC.len() + 4 + json.len() + 32));
    blob.extend_from_slice(magic);
    blob.extend_from_slice(&len.to_be_bytes());
    blob.extend_from_slice(&json);
    let tag = mac(&blob)?;
    blob.extend_from_slice(&tag);
    Ok(Zeroizing::new(pem::base64url(&blob)))
}

/// The backup in `value`, of the kind `magic` names, or `MalformedBackup` for anything else
/// (another kind's blob included: the magic is under the MAC).
pub(super) fn open_blob<T: serde::de::DeserializeOwned>(
    magic: &[u8; 16],
    value: &str,
) -> Result<T, Error> {
    let blob = Zeroizing::new(pem::base64url_decode(value).ok_or(Error::MalformedBackup)?);
    let body_len = blob.len().checked_sub(32).ok_or(Error::MalformedBackup)?;
    let (body, tag) = blob.split_at(body_len);
    let expected = mac(body)?;
    // Not secret: the key is public; a plain comparison is enough.
    if tag != expected.as_slice() || !body.starts_with(magic) || body.len() < magic.len() + 4 {
        return Err(Error::MalformedBackup);
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&body[magic.len()..magic.len() + 4]);
    let json = &body[magic.len() + 4..];
    if usize::try_from(u32::from_be_bytes(len)).ok() != Some(json.len()) {
        return Err(Error::MalformedBackup);
    }
    serde_json::from_slice(json).map_err(|_| Error::MalformedBackup)
}

/// A certificate's backup in `value`.
fn open(value: &str) -> Result<Backup, Error> {
    let backup: Backup = open_blob(MAGIC, value)?;
    if backup.versions.is_empty() && backup.unissued.is_none() {
        return Err(Error::MalformedBackup);
    }
    Ok(backup)
}
