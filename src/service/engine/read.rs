//! Reads of a certificate's version: the bundle, the policy, its key and its secret.

use super::{VaultState, current, key_from_material, not_found};
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::time::UnixTime;

impl VaultState {
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

    /// `GET /keys/{name}[/{version}]`: a client's key ([`keys`](super::keys)) or a certificate's managed key.
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

    /// `GET /secrets/{name}[/{version}]`: a client's secret ([`secrets`](super::secrets)) or a certificate's
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
}
