//! Emulated CA issuers: what no Key Vault emulator had. A create that names an issuer
//! registered with `PUT /certificates/issuers/{name}` is signed, after
//! [`IssuanceDelays::ca_signed`](super::IssuanceDelays), by an in-memory hierarchy for that
//! issuer's provider: a root, an intermediate under it, and the leaf.
//!
//! # The hierarchy
//!
//! One per provider of [`EMULATED_PROVIDERS`], made from the RNG of the first create that
//! needs it and kept in the vault's state (so it survives a save and restore), or supplied by
//! the caller ([`VaultState::set_emulated_ca`]). EC P-384 keys, ecdsa-with-SHA384 (as
//! DigiCert Global Root G3 and GlobalSign's ECC roots). Names say plainly that they are not a
//! real CA: `CN=kvcert Emulated {provider} Root CA, O=kvcert emulation` and
//! `CN=kvcert Emulated {provider} Issuing CA, O=kvcert emulation`. The root is valid 25 years
//! and the intermediate 10 from the first use; BasicConstraints, KeyUsage and SKI/AKI as
//! RFC 5280 and the CA/Browser Forum Baseline Requirements §7.1.2 ask (see `x509::ca`).
//!
//! # The leaf
//!
//! The service's leaf profile (subject, SANs, KeyUsage, EKU, validity from the policy; the
//! CSR's key) with the issuer's AKI and a CertificatePolicies extension, the one extension
//! public TLS leaves of these CAs always carry: the CA/Browser Forum policy by the issuer's
//! `cty` (Baseline Requirements §7.1.6.1): `EV-SSL` → 2.23.140.1.1, `OV-SSL` →
//! 2.23.140.1.2.2, anything else → domain validated 2.23.140.1.2.1.
//!
//! Left out, and why: Authority Information Access and CRL Distribution Points (no OCSP or
//! CRL service stands behind the emulated CA, and a client that fetches would fail);
//! `cert_transparency: true` gives no SCT list (an SCT must be signed by a real log, and a
//! forged one fails every client that checks it).
//!
//! The secret stores the leaf and the intermediate (the root is the client's trust anchor,
//! read with [`VaultState::emulated_ca_roots_pem`]).
//!
//! # Issuers kvcert does not emulate
//!
//! | the policy's issuer | the operation |
//! |---|---|
//! | registered, provider in [`EMULATED_PROVIDERS`] | `completed` at the due instant, the chain in the secret |
//! | registered, another provider (e.g. `Test`, as the SDKs' tests use) | stays `inProgress` (recorded for `Test`); merge after cancel |
//! | not registered | `failed` at the due instant with `error {"code": "Certificate issuer error", "message": "Issuer not found"}`: the documented code and the issuer 404's text (kvcert's decision: nothing is recorded) |

use serde::{Deserialize, Serialize};

use super::record::KeyMaterial;
use super::{VaultState, key_from_material, key_material};
use crate::key::{Curve, KeyPair, KeySpec};
use crate::pem;
use crate::service::error::Error;
use crate::service::plan::IssuancePlan;
use crate::service::version::{NewVersion, StoredVersion};
use crate::service::wire;
use crate::x509::ca::CertificateAuthority;
use crate::x509::name::DistinguishedName;
use crate::x509::time::UnixTime;

/// The providers whose CAs kvcert emulates (compared case-insensitively).
pub const EMULATED_PROVIDERS: &[&str] = &[
    "DigiCert",
    "GlobalSign",
    "OneCertV2-PublicCA",
    "OneCertV2-PrivateCA",
];

const ROOT_MONTHS: u32 = 300;
const INTERMEDIATE_MONTHS: u32 = 120;

/// One provider's hierarchy, as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmulatedCa {
    /// The root certificate, base64 DER.
    pub(crate) root: String,
    /// The intermediate certificate, base64 DER.
    pub(crate) intermediate: String,
    /// The intermediate's key (the root's is not kept: it has signed all it will sign).
    pub(crate) intermediate_key: KeyMaterial,
}

/// What a named issuer does with a request.
pub(crate) enum NamedIssuance {
    /// Signed: the version the operation completes with.
    Signed(Box<StoredVersion>),
    /// The operation fails with this error.
    Failed(wire::KeyVaultErrorDetail),
    /// The provider is not emulated: the request stays in progress.
    NotEmulated,
}

fn provider_key(provider: &str) -> Option<&'static str> {
    EMULATED_PROVIDERS
        .iter()
        .find(|p| p.eq_ignore_ascii_case(provider))
        .copied()
}

/// The CA/Browser Forum policy OID for the issuer's `cty` (see the module docs).
fn policy_for(cty: Option<&str>) -> const_oid::ObjectIdentifier {
    match cty {
        Some(c) if c.eq_ignore_ascii_case("EV-SSL") => {
            const_oid::ObjectIdentifier::new_unwrap("2.23.140.1.1")
        }
        Some(c) if c.eq_ignore_ascii_case("OV-SSL") => {
            const_oid::ObjectIdentifier::new_unwrap("2.23.140.1.2.2")
        }
        _ => const_oid::ObjectIdentifier::new_unwrap("2.23.140.1.2.1"),
    }
}

impl VaultState {
    /// Signs the pending key for a named issuer (see the module docs).
    pub(super) fn issue_by_named_issuer(
        &mut self,
        plan: &IssuancePlan,
        key: &KeyPair,
        now: UnixTime,
        issued_at: UnixTime,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<NamedIssuance, Error> {
        let Some(issuer) = self.issuer(plan.issuer().name()) else {
            return Ok(NamedIssuance::Failed(wire::KeyVaultErrorDetail {
                code: "Certificate issuer error".to_owned(),
                message: "Issuer not found".to_owned(),
                innererror: None,
            }));
        };
        let Some(provider) = issuer.provider.as_deref().and_then(provider_key) else {
            return Ok(NamedIssuance::NotEmulated);
        };
        let ca = self.emulated_ca(provider, now, rng)?;
        let intermediate = pem::base64_decode(&ca.intermediate)
            .ok_or_else(|| Error::internal("stored CA is not base64"))?;
        let authority = CertificateAuthority::new(
            intermediate.clone(),
            key_from_material(&ca.intermediate_key)?,
        )?;
        let (leaf, not_before, not_after) = authority.issue(
            &plan.profile(),
            key,
            policy_for(plan.issuer().cty()),
            issued_at,
            rng,
        )?;
        let chain = [leaf, intermediate];
        let stored = NewVersion {
            vault: &self.vault,
            plan,
            key,
            chain: &chain,
            leaf: 0,
            not_before,
            not_after,
            now: issued_at,
            x509_props: None,
            pending: true,
            pfx: crate::service::secret::PfxTiming::OnRead,
        }
        .store(rng)?;
        Ok(NamedIssuance::Signed(Box::new(stored)))
    }

    /// The provider's hierarchy, made at first use.
    fn emulated_ca(
        &mut self,
        provider: &'static str,
        now: UnixTime,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<EmulatedCa, Error> {
        if let Some(ca) = self.cas.get(provider) {
            return Ok(ca.clone());
        }
        let name = |role: &str| -> Result<DistinguishedName, Error> {
            Ok(format!("CN=kvcert Emulated {provider} {role}, O=kvcert emulation").parse()?)
        };
        let spec = KeySpec::Ec(Curve::P384);
        let root = CertificateAuthority::root(
            &name("Root CA")?,
            KeyPair::generate(spec, rng)?,
            now,
            ROOT_MONTHS,
            rng,
        )?;
        let intermediate = root.intermediate(
            &name("Issuing CA")?,
            KeyPair::generate(spec, rng)?,
            now,
            INTERMEDIATE_MONTHS,
            rng,
        )?;
        let ca = EmulatedCa {
            root: pem::base64(root.certificate()),
            intermediate: pem::base64(intermediate.certificate()),
            intermediate_key: key_material(intermediate.key())?,
        };
        self.touch_settings();
        self.cas.insert(provider.to_owned(), ca.clone());
        Ok(ca)
    }

    /// Makes now the hierarchy of every emulated provider not made or set yet (otherwise each
    /// is made at its first issuance), so that [`Self::emulated_ca_roots_pem`] has every root
    /// before a client needs to trust it.
    pub fn make_emulated_cas<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(), Error> {
        let rng: &mut dyn rand_core::CryptoRng = &mut { rng };
        for provider in EMULATED_PROVIDERS {
            self.emulated_ca(provider, now, rng)?;
        }
        Ok(())
    }

    /// Uses the caller's hierarchy for `provider` instead of one kvcert makes: the root and
    /// intermediate certificates (DER) and the intermediate's key, which must be the
    /// intermediate's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a provider kvcert does not emulate or a key that is
    /// not the intermediate's; [`Error::InvalidCertificate`] for DER that is not a
    /// certificate.
    pub fn set_emulated_ca(
        &mut self,
        provider: &str,
        root: &[u8],
        intermediate: &[u8],
        intermediate_key: KeyPair,
    ) -> Result<(), Error> {
        let provider = provider_key(provider).ok_or(Error::InvalidArgument {
            argument: "provider",
            problem: "not a provider kvcert emulates",
        })?;
        use der::Decode;
        x509_cert::Certificate::from_der(root).map_err(|e| Error::InvalidCertificate {
            detail: format!("root: {e}"),
            source: Some(e),
        })?;
        let authority = CertificateAuthority::new(intermediate.to_vec(), intermediate_key)?;
        self.touch_settings();
        self.cas.insert(
            provider.to_owned(),
            EmulatedCa {
                root: pem::base64(root),
                intermediate: pem::base64(intermediate),
                intermediate_key: key_material(authority.key())?,
            },
        );
        Ok(())
    }

    /// The roots of the emulated CAs made or set so far, as PEM `CERTIFICATE` blocks (by
    /// provider name), for a client to trust.
    pub fn emulated_ca_roots_pem(&self) -> String {
        self.cas
            .values()
            .filter_map(|ca| pem::base64_decode(&ca.root))
            .map(|der| pem::encode("CERTIFICATE", &der))
            .collect()
    }
}
