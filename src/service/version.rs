//! One stored version of a certificate: the bundle (`GET /certificates/{name}/{version}`), its
//! managed key (`GET /keys/…`) and secret (`GET /secrets/…`), with the ids, the thumbprint and
//! the attributes they share. Create Certificate and Import Certificate (and the merge to
//! come) store a version through [`NewVersion::store`] and nothing else.

use rand_core::CryptoRng;
use sha1::{Digest, Sha1};

use crate::key::KeyPair;
use crate::pem;
use crate::service::error::Error;
use crate::service::plan::IssuancePlan;
use crate::service::vault::{Vault, hex_id};
use crate::service::{secret, wire};
use crate::x509::time::UnixTime;

/// What a new version is made of.
pub(crate) struct NewVersion<'a> {
    /// The vault it is stored in.
    pub vault: &'a Vault,
    /// The validated plan (name, policy, flags, tags).
    pub plan: &'a IssuancePlan,
    /// The version's key.
    pub key: &'a KeyPair,
    /// The certificates the secret holds, in the order stored, DER.
    pub chain: &'a [Vec<u8>],
    /// Where the key's certificate (the bundle's `cer`) is in `chain`.
    pub leaf: usize,
    /// The certificate's validity (the bundle's `nbf` and `exp`).
    pub not_before: UnixTime,
    /// See `not_before`.
    pub not_after: UnixTime,
    /// When the version is stored (`created`, `updated`).
    pub now: UnixTime,
    /// The policy's `x509_props` when they come from the certificate (import) rather than the
    /// plan (create).
    pub x509_props: Option<wire::X509CertificateProperties>,
    /// Whether the bundle links its pending operation (created ones do; recorded imports do
    /// not).
    pub pending: bool,
    /// When the secret's PKCS#12 value is made.
    pub pfx: secret::PfxTiming,
}

/// A stored version, as the service shows it.
pub(crate) struct StoredVersion {
    /// The object version shared by `id`, `kid` and `sid` (32 lowercase hex).
    pub version: String,
    /// `GET /certificates/{name}/{version}`.
    pub bundle: wire::CertificateBundle,
    /// `GET /keys/{name}/{version}`.
    pub key_bundle: wire::KeyBundle,
    /// `GET /secrets/{name}/{version}` (without its `value` when that is deferred).
    pub secret: wire::SecretBundle,
    /// The PKCS#12 value, when it is made on read.
    pub deferred: Option<secret::DeferredPfx>,
}

impl NewVersion<'_> {
    /// Draws the version id, then the secret's randomness, from `rng` (in that order).
    pub(crate) fn store(self, rng: &mut dyn CryptoRng) -> Result<StoredVersion, Error> {
        let NewVersion {
            vault,
            plan,
            key,
            chain,
            leaf,
            not_before,
            not_after,
            now,
            x509_props,
            pending,
            pfx,
        } = self;
        let certificate = chain
            .get(leaf)
            .ok_or_else(|| Error::internal("the leaf is not in the chain"))?;
        let version = hex_id(rng);
        let name = plan.name().as_str();
        let base = format!("{}/certificates/{name}", vault.url);
        let kid = format!("{}/keys/{name}/{version}", vault.url);
        let sid = format!("{}/secrets/{name}/{version}", vault.url);
        let secs = |t: UnixTime| i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
        let mut policy = plan.stored_policy();
        policy.id = Some(format!("{base}/policy"));
        if let Some(props) = x509_props {
            policy.x509_props = Some(props);
        }
        policy.attributes = Some(wire::CertificateAttributes {
            enabled: Some(plan.policy_enabled()),
            created: Some(secs(now)),
            updated: Some(secs(now)),
            ..Default::default()
        });
        let attributes = wire::CertificateAttributes {
            enabled: Some(plan.enabled()),
            nbf: Some(secs(not_before)),
            exp: Some(secs(not_after)),
            created: Some(secs(now)),
            updated: Some(secs(now)),
            recovery_level: Some(vault.recovery_level.clone()),
            recoverable_days: vault.recoverable_days,
            exportable: None,
            hsm_platform: None,
        };
        let bundle = wire::CertificateBundle {
            id: Some(format!("{base}/{version}")),
            kid: Some(kid.clone()),
            sid: Some(sid.clone()),
            x5t: Some(pem::base64url(&Sha1::digest(certificate))),
            cer: Some(pem::base64(certificate)),
            attributes: Some(attributes.clone()),
            tags: plan.tags().cloned(),
            subject: None,
            issuer: None,
            sans: None,
            serialnumber: None,
            policy: Some(policy),
            pending: pending.then(|| wire::PendingReference {
                id: Some(format!("{base}/pending")),
            }),
            preserve_cert_order: plan.preserve_cert_order(),
        };
        let key_bundle = secret::key_bundle(plan, key, &kid, &attributes)?;
        let (secret, deferred) = secret::secret_bundle_timed(
            plan,
            key,
            chain,
            leaf,
            (&sid, &kid),
            &attributes,
            pfx,
            rng,
        )?;
        Ok(StoredVersion {
            version,
            bundle,
            key_bundle,
            secret,
            deferred,
        })
    }
}
