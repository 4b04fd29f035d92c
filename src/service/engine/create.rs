//! Create Certificate on the vault: the plan, the pending operation, and the version it will
//! become.

use rand_core::CryptoRng;

use super::record::{
    CertificateRecord, PendingRecord, PendingStatus, UnissuedRecord, VersionRecord,
};
use super::{
    VaultState, ca, key_from_material, key_material, plus_secs, policy_as_request, secs_i64,
    settled_status,
};
use crate::service::create::{self, Issued};
use crate::service::error::Error;
use crate::service::plan::{CertificateName, IssuancePlan, IssuerKind, MAX_BODY_LEN};
use crate::service::shape::parse_request;
use crate::service::vault::hex_id;
use crate::service::wire;
use crate::x509::time::UnixTime;

impl VaultState {
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
