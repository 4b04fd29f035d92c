//! Merge (`POST /certificates/{name}/pending/merge`): the certificate a CA signed for the
//! pending CSR, and its chain, become the certificate's new version.
//!
//! # What `x5c` may hold
//!
//! Each element is read in this order, and may give several certificates:
//! - PEM text with `-----BEGIN CERTIFICATE-----` blocks (the docs' merge format);
//! - base64 of one DER certificate (the wire's `format: byte`);
//! - base64 of a DER PKCS#7 `SignedData` (a `.p7b`), whose `certificates` are taken in order;
//! - base64 of text: a PEM certificate, or a certificate's base64 body with or without its
//!   END line (what the Python SDK's merge test and the JavaScript merge sample send, and
//!   the service accepts: recorded at 7.0, 7.4-preview.1 and 7.5).
//!
//! A PEM `PKCS7` block is refused, as the service refuses it (MicrosoftDocs/azure-docs #100959).
//! At most [`MAX_MERGE_CERTIFICATES`] certificates in all, from a body of at most
//! [`MAX_MERGE_BODY_LEN`] bytes.
//!
//! # The chain that is stored
//!
//! The certificate holding the pending key is the leaf. The secret (PFX or PEM) holds the leaf
//! first and the others in the order uploaded, or, when the create asked for
//! `preserveCertOrder`, every certificate in the order uploaded.

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber};
use rand_core::CryptoRng;
use x509_cert::Certificate;

use super::record::{PendingStatus, VersionRecord};
use super::{VaultState, key_from_material, settled_status};
use crate::pem;
use crate::service::error::Error;
use crate::service::plan::{IssuancePlan, IssuerKind};
use crate::service::shape::parse_request;
use crate::service::version::{NewVersion, StoredVersion};
use crate::service::wire;
use crate::x509::read::{self, public_key_matches};
use crate::x509::time::UnixTime;

/// The largest merge body read (a chain of PEM certificates is larger than a create request).
pub const MAX_MERGE_BODY_LEN: usize = 1024 * 1024;
/// The most certificates a merge takes, over all `x5c` elements.
pub const MAX_MERGE_CERTIFICATES: usize = 32;

/// PKCS#7 `signedData` (RFC 2315 §9.1).
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

impl VaultState {
    /// `POST /certificates/{name}/pending/merge`: the new version's bundle (answered 201,
    /// with the certificate's URL as `Location`), or the error.
    pub fn merge_certificate<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::CertificateBundle, Error> {
        self.merge_dyn(name, body, now, &mut { rng })
    }

    fn merge_dyn(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<wire::CertificateBundle, Error> {
        let merge: wire::CertificateMergeParameters = parse_request(body, MAX_MERGE_BODY_LEN)?;
        self.settle(name, now);
        let vault = self.vault.clone();
        let not_found = || Error::PendingCertificateNotFound {
            name: name.to_owned(),
        };
        let record = self.record_mut(name).ok_or_else(not_found)?;
        let pending = record.pending.as_mut().ok_or_else(not_found)?;
        let wire::CertificateMergeParameters {
            x5c,
            attributes,
            tags,
        } = merge;
        let mut request = pending.request.clone();
        if attributes.is_some() {
            request.attributes = attributes;
        }
        if tags.is_some() {
            request.tags = tags;
        }
        let plan = IssuancePlan::new(&record.name, &request)?;
        match (settled_status(pending, now), plan.issuer().kind()) {
            // The docs: merge completes an `Unknown` request, and any request that failed or
            // was cancelled; not one an issuer is still working on.
            (PendingStatus::InProgress, IssuerKind::Unknown)
            | (PendingStatus::Cancelled | PendingStatus::Failed, _) => {}
            (PendingStatus::InProgress, _) => {
                return Err(Error::MergeForbidden {
                    issuer: plan.issuer().name().to_owned(),
                });
            }
            (PendingStatus::Completed, _) => return Err(Error::PendingNotInProgress),
        }
        let certificates = read_x5c(&x5c)?;
        let key = key_from_material(&pending.private_key)?;
        let parts = key.jwk_parts()?;
        let mut leaf = None;
        for (i, der) in certificates.iter().enumerate() {
            let cert = Certificate::from_der(der).map_err(|e| Error::InvalidX5c {
                detail: format!("certificate {i}: {e}"),
            })?;
            if leaf.is_none()
                && public_key_matches(&parts, cert.tbs_certificate().subject_public_key_info())
            {
                // Read as Import reads a leaf: its validity, and extensions that parse.
                let facts = read::facts(&cert)?;
                leaf = Some((i, (facts.not_before, facts.not_after)));
            }
        }
        let (leaf_at, (not_before, not_after)) = leaf.ok_or(Error::MergeKeyMismatch)?;
        let (chain, leaf) = if plan.preserve_cert_order() == Some(true) {
            (certificates, leaf_at)
        } else {
            let mut chain = certificates;
            let leaf_der = chain.remove(leaf_at);
            chain.insert(0, leaf_der);
            (chain, 0)
        };
        let StoredVersion {
            version,
            mut bundle,
            key_bundle,
            secret,
            deferred,
        } = NewVersion {
            vault: &vault,
            plan: &plan,
            key: &key,
            chain: &chain,
            leaf,
            not_before,
            not_after,
            now,
            x509_props: None,
            pending: true,
            pfx: crate::service::secret::PfxTiming::OnRead,
        }
        .store(rng)?;
        bundle.policy = None;
        let response_bundle = wire::CertificateBundle {
            policy: Some(record.policy.clone()),
            ..bundle.clone()
        };
        let base = format!("{}/certificates/{}", vault.url, record.name);
        pending.status = PendingStatus::Completed;
        pending.operation.status = Some("completed".to_owned());
        pending.operation.status_details = None;
        pending.operation.error = None;
        pending.operation.target = Some(base);
        pending.outcome = None;
        let private_key = pending.private_key.clone();
        record.versions.push(VersionRecord {
            version,
            bundle,
            key: key_bundle,
            secret,
            private_key,
            deferred,
        });
        record.unissued = None;
        let name = record.name.clone();
        self.reschedule(&name);
        Ok(response_bundle)
    }
}

/// The certificates of a merge's `x5c`, DER, in the order given (see the module docs).
pub fn read_x5c(x5c: &[String]) -> Result<Vec<Vec<u8>>, Error> {
    let invalid = |detail: String| Error::InvalidX5c { detail };
    let mut out = Vec::new();
    for (i, item) in x5c.iter().enumerate() {
        if item.contains("-----BEGIN") {
            read_pem_certificates(item, &mut out).map_err(|d| invalid(format!("x5c[{i}]: {d}")))?;
        } else {
            let compact: String = item.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let der = pem::base64_decode(&compact)
                .ok_or_else(|| invalid(format!("x5c[{i}] is not base64")))?;
            read_decoded(&der, &mut out).map_err(|d| invalid(format!("x5c[{i}]: {d}")))?;
        }
        if out.len() > MAX_MERGE_CERTIFICATES {
            return Err(invalid(format!(
                "more than {MAX_MERGE_CERTIFICATES} certificates"
            )));
        }
    }
    if out.is_empty() {
        return Err(invalid("no certificate".to_owned()));
    }
    Ok(out)
}

/// Every `CERTIFICATE` block of a PEM text; any other block is refused.
fn read_pem_certificates(text: &str, out: &mut Vec<Vec<u8>>) -> Result<(), String> {
    for block in pem::blocks(text) {
        let pem::Block { label, der } = block.map_err(|e| e.to_string())?;
        if label != "CERTIFICATE" {
            let shown: String = label.chars().take(pem::SHOWN_LABEL).collect();
            return Err(format!("a {shown} block"));
        }
        Certificate::from_der(&der).map_err(|e| e.to_string())?;
        out.push(der.to_vec());
        if out.len() > MAX_MERGE_CERTIFICATES {
            return Ok(());
        }
    }
    Ok(())
}

/// What one base64 `x5c` element decodes to: DER (a certificate or PKCS#7), or, as the SDKs'
/// merge samples send it, the certificate's PEM text, or its base64 body with or without the
/// armour lines, base64-encoded once more. The service takes those (recorded: Python 7.0 and
/// 7.5, the body without armour; JS 7.4-preview.1, the body followed by the END line).
fn read_decoded(decoded: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), String> {
    // DER starts with a SEQUENCE tag; text never does.
    let text = match decoded.first() {
        Some(0x30) | None => None,
        Some(_) => core::str::from_utf8(decoded).ok(),
    };
    let Some(text) = text else {
        return read_der(decoded, out);
    };
    if text.contains("-----BEGIN") {
        return read_pem_certificates(text, out);
    }
    let inner: String = text
        .replace("-----END CERTIFICATE-----", "")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = pem::base64_decode(&inner).ok_or("neither DER nor base64 text")?;
    read_der(&der, out)
}

/// One DER certificate, or the certificates of a DER PKCS#7 `SignedData`.
fn read_der(der: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), String> {
    if Certificate::from_der(der).is_ok() {
        out.push(der.to_vec());
        return Ok(());
    }
    let content_info = AnyRef::from_der(der).map_err(|e| e.to_string())?;
    let certificates = content_info
        .sequence(|r| {
            let content_type = ObjectIdentifier::decode(r)?;
            if content_type != SIGNED_DATA {
                return Err(Tag::ObjectIdentifier.value_error().into());
            }
            // content [0] EXPLICIT SignedData.
            let explicit = AnyRef::decode(r)?;
            let signed_data = AnyRef::from_der(explicit.value())?;
            signed_data.sequence(signed_data_certificates)
        })
        .map_err(|e: der::Error| format!("neither a certificate nor PKCS#7: {e}"))?;
    for cert in certificates {
        Certificate::from_der(&cert).map_err(|e| e.to_string())?;
        out.push(cert);
        if out.len() > MAX_MERGE_CERTIFICATES {
            return Ok(());
        }
    }
    Ok(())
}

/// `SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, certificates [0]
/// IMPLICIT SET OF … OPTIONAL, crls [1] OPTIONAL, signerInfos }` (RFC 2315 §9.1): the
/// certificates, DER, in the order stored.
fn signed_data_certificates<'a>(r: &mut SliceReader<'a>) -> der::Result<Vec<Vec<u8>>> {
    for _ in 0..3 {
        AnyRef::decode(r)?; // version, digestAlgorithms, contentInfo
    }
    let mut certificates = Vec::new();
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if Tag::peek(r)? == certificates_tag {
        let set = AnyRef::decode(r)?;
        let mut inner = SliceReader::new(set.value())?;
        while !inner.is_finished() {
            let item = AnyRef::decode(&mut inner)?;
            if der::Tagged::tag(&item) == Tag::Sequence {
                certificates.push(item.to_der()?);
            }
            if certificates.len() > MAX_MERGE_CERTIFICATES {
                break;
            }
        }
    }
    while !r.is_finished() {
        AnyRef::decode(r)?; // crls, signerInfos
    }
    Ok(certificates)
}
