//! Import Certificate on the vault: the imported version becomes the current one.

use rand_core::CryptoRng;

use super::record::{CertificateRecord, PendingStatus, VersionRecord};
use super::{VaultState, key_material, settled_status};
use crate::service::error::Error;
use crate::service::plan::CertificateName;
use crate::service::wire;
use crate::x509::time::UnixTime;

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
