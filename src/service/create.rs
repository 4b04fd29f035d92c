//! The paved path: a validated plan, a key, a CSR, for `Self` a certificate, and the JSON the
//! service answers with.

use rand_core::CryptoRng;

use crate::key::KeyPair;
use crate::service::plan::{IssuancePlan, IssuerKind};
use crate::service::secret::{DeferredPfx, PfxTiming};
use crate::service::vault::{Vault, hex_id};
use crate::service::version::{NewVersion, StoredVersion};
use crate::{
    pem, service::error::Error, service::wire, x509::certificate, x509::csr, x509::time::UnixTime,
};

/// The 202's `status_details` while a request is in progress (Self and CA issuers).
pub const STATUS_IN_PROGRESS: &str = "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";
/// The 202's `status_details` for issuer `Unknown`.
pub const STATUS_MERGE: &str =
    "Pending certificate created. Please Perform Merge to complete the request.";

/// Everything one Create Certificate produces.
#[derive(Debug)]
#[non_exhaustive]
pub struct Issued {
    /// The validated plan.
    pub plan: IssuancePlan,
    /// The key pair (private key zeroized on drop).
    pub key: KeyPair,
    /// The PKCS#10 request, DER.
    pub csr: Vec<u8>,
    /// The 202 `CertificateOperation`.
    pub operation: wire::CertificateOperation,
    /// For issuer `Self`: the certificate and what the service shows once it is issued.
    pub completed: Option<Completed>,
}

/// A completed self-signed issuance.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Completed {
    /// The certificate, DER.
    pub certificate: Vec<u8>,
    /// `notBefore`.
    pub not_before: UnixTime,
    /// `notAfter`.
    pub not_after: UnixTime,
    /// The object version shared by `id`, `kid` and `sid` (32 lowercase hex).
    pub version: String,
    /// `GET …/pending` once completed.
    pub operation: wire::CertificateOperation,
    /// `GET /certificates/{name}`.
    pub bundle: wire::CertificateBundle,
    /// `GET /keys/{name}`: the managed key, public parts.
    pub key_bundle: wire::KeyBundle,
    /// `GET /secrets/{name}`: the managed secret (PFX or PEM, with the private key when the
    /// policy makes it exportable). Its `Debug` hides the value.
    pub secret: wire::SecretBundle,
    /// The engine's PKCS#12 value, made when the secret is read (`secret.value` is `None`
    /// then); never for [`create_from_json`].
    pub(crate) deferred: Option<DeferredPfx>,
}

/// Create Certificate from a request body: validate, generate, sign, answer.
///
/// `now` is the issuance instant; `rng` supplies the key, the serial, the request id and the
/// version. The same body, vault, `now` and RNG stream give byte-identical output.
pub fn create_from_json<R: CryptoRng + ?Sized>(
    name: &str,
    body: &[u8],
    vault: &Vault,
    now: UnixTime,
    rng: &mut R,
) -> Result<Issued, Error> {
    create(IssuancePlan::from_json(name, body)?, vault, now, rng)
}

/// Create Certificate for a validated plan (see [`create_from_json`]).
pub fn create<R: CryptoRng + ?Sized>(
    plan: IssuancePlan,
    vault: &Vault,
    now: UnixTime,
    rng: &mut R,
) -> Result<Issued, Error> {
    // Generic shims onto `&mut dyn CryptoRng` functions: the work is compiled once, in
    // kvcert's own codegen units (docs/performance.md, "Make kvcert fast in your debug tests").
    create_dyn(plan, vault, now, &mut { rng })
}

fn create_dyn(
    plan: IssuancePlan,
    vault: &Vault,
    now: UnixTime,
    rng: &mut dyn CryptoRng,
) -> Result<Issued, Error> {
    let key = KeyPair::generate(plan.key().spec(), rng)?;
    create_with_key_dyn(plan, key, vault, now, PfxTiming::Now, rng)
}

/// The engine's create: with `key`, the PKCS#12 secret made when it is read.
pub(crate) fn create_deferring(
    plan: IssuancePlan,
    key: KeyPair,
    vault: &Vault,
    now: UnixTime,
    rng: &mut dyn CryptoRng,
) -> Result<Issued, Error> {
    create_with_key_dyn(plan, key, vault, now, PfxTiming::OnRead, rng)
}

/// Create Certificate with a key the caller already holds (e.g. `reuse_key` on renewal, or a
/// fixed test key). The key must be of the plan's type.
pub fn create_with_key<R: CryptoRng + ?Sized>(
    plan: IssuancePlan,
    key: KeyPair,
    vault: &Vault,
    now: UnixTime,
    rng: &mut R,
) -> Result<Issued, Error> {
    create_with_key_dyn(plan, key, vault, now, PfxTiming::Now, &mut { rng })
}

fn create_with_key_dyn(
    plan: IssuancePlan,
    key: KeyPair,
    vault: &Vault,
    now: UnixTime,
    pfx: PfxTiming,
    rng: &mut dyn CryptoRng,
) -> Result<Issued, Error> {
    if key.spec() != plan.key().spec() {
        return Err(Error::KeyMismatch {
            key: key.spec(),
            policy: plan.key().spec(),
        });
    }
    let request_id = hex_id(rng);
    let csr = csr::build(&plan.profile(), &key, rng)?;
    let base = format!("{}/certificates/{}", vault.url, plan.name().as_str());
    let status_details = match plan.issuer().kind() {
        IssuerKind::Unknown => STATUS_MERGE,
        IssuerKind::SelfSigned | IssuerKind::Named => STATUS_IN_PROGRESS,
    };
    let operation = wire::CertificateOperation {
        id: Some(format!("{base}/pending")),
        // Only the name, even if cert_transparency was sent.
        issuer: Some(wire::IssuerParameters {
            name: Some(plan.issuer().name().to_owned()),
            cty: None,
            cert_transparency: None,
        }),
        csr: Some(pem::base64(&csr)),
        cancellation_requested: Some(false),
        status: Some("inProgress".to_owned()),
        preserve_cert_order: plan.preserve_cert_order(),
        status_details: Some(status_details.to_owned()),
        target: None,
        error: None,
        request_id: Some(request_id),
    };
    let completed = if plan.is_self_signed() {
        Some(complete(&plan, &key, &operation, vault, now, pfx, rng)?)
    } else {
        None
    };
    Ok(Issued {
        plan,
        key,
        csr,
        operation,
        completed,
    })
}

fn complete(
    plan: &IssuancePlan,
    key: &KeyPair,
    pending: &wire::CertificateOperation,
    vault: &Vault,
    now: UnixTime,
    pfx: PfxTiming,
    rng: &mut dyn CryptoRng,
) -> Result<Completed, Error> {
    // The validity is computed once, where the certificate is made.
    let certificate::SelfSignedCertificate {
        der,
        not_before,
        not_after,
    } = certificate::self_signed(&plan.profile(), key, now, rng)?;
    let chain = [der];
    let stored = NewVersion {
        vault,
        plan,
        key,
        chain: &chain,
        leaf: 0,
        not_before,
        not_after,
        now,
        x509_props: None,
        pending: true,
        pfx,
    }
    .store(rng)?;
    let [certificate] = chain;
    let mut operation = pending.clone();
    operation.status = Some("completed".to_owned());
    operation.status_details = None;
    operation.target = Some(format!(
        "{}/certificates/{}",
        vault.url,
        plan.name().as_str()
    ));
    let StoredVersion {
        version,
        bundle,
        key_bundle,
        secret,
        deferred,
    } = stored;
    Ok(Completed {
        key_bundle,
        secret,
        deferred,
        certificate,
        not_before,
        not_after,
        version,
        operation,
        bundle,
    })
}
