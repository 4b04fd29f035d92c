//! Certificate authorities: a root, an intermediate under it, and the leaves they sign, with
//! the CA profile of RFC 5280 and the CA/Browser Forum Baseline Requirements (see
//! `x509/extensions.rs` for each certificate's extensions).

use der::{Decode, Encode};
use rand_core::CryptoRng;
use x509_cert::Certificate;

use super::Profile;
use super::certificate::{TbsFields, serial, sign_tbs, validity};
use super::extensions;
use super::name::DistinguishedName;
use crate::error::Error;
use crate::key::KeyPair;
use crate::x509::time::UnixTime;

/// A CA: its certificate and key, and what its leaves need from them.
pub struct CertificateAuthority {
    certificate: Vec<u8>,
    key: KeyPair,
    subject: Vec<u8>,
    key_id: [u8; 20],
}

impl core::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate", &self.certificate.len())
            .field("key", &self.key)
            .finish()
    }
}

impl CertificateAuthority {
    /// A CA from its certificate (DER) and key, which must be the certificate's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCertificate`] when the DER is not a certificate;
    /// [`Error::InvalidArgument`] when the key is not the certificate's.
    pub fn new(certificate: Vec<u8>, key: KeyPair) -> Result<Self, Error> {
        let cert = Certificate::from_der(&certificate).map_err(|e| Error::InvalidCertificate {
            detail: e.to_string(),
            source: Some(e),
        })?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info().to_der()?;
        if spki != key.subject_public_key_info()? {
            return Err(Error::InvalidArgument {
                argument: "key",
                problem: "the key is not the CA certificate's",
            });
        }
        let subject = tbs.subject().to_der()?;
        let key_id = extensions::key_identifier(&key.public_key_bits()?);
        Ok(CertificateAuthority {
            certificate,
            key,
            subject,
            key_id,
        })
    }

    /// A self-signed root for `subject`, valid from `now − 10 min` for `months` months.
    pub fn root<R: CryptoRng + ?Sized>(
        subject: &DistinguishedName,
        key: KeyPair,
        now: UnixTime,
        months: u32,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Self::make(subject, key, None, now, months, rng)
    }

    /// An intermediate CA under this one (path length 0: it signs leaves only).
    pub fn intermediate<R: CryptoRng + ?Sized>(
        &self,
        subject: &DistinguishedName,
        key: KeyPair,
        now: UnixTime,
        months: u32,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Self::make(subject, key, Some(self), now, months, rng)
    }

    /// A CA certificate for `key`, signed by `issuer` (an intermediate) or by itself (a root).
    fn make<R: CryptoRng + ?Sized>(
        subject: &DistinguishedName,
        key: KeyPair,
        issuer: Option<&Self>,
        now: UnixTime,
        months: u32,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let name = subject.to_der()?;
        let spki = key.subject_public_key_info()?;
        let bits = key.public_key_bits()?;
        let (not_before, not_after) = validity(now, months)?;
        let serial = serial(rng);
        let (issuer_name, issuer_key_id, path_len) = match issuer {
            Some(ca) => (ca.subject.as_slice(), Some(ca.key_id.as_slice()), Some(0)),
            None => (name.as_slice(), None, None),
        };
        let fields = TbsFields {
            serial: &serial,
            issuer: issuer_name,
            subject: &name,
            subject_public_key_info: &spki,
            not_before,
            not_after,
            extensions: extensions::for_ca(&bits, issuer_key_id, path_len)?,
        };
        let signer = issuer.map_or(&key, |ca| &ca.key);
        let certificate = sign_tbs(&fields, signer, rng)?;
        Self::new(certificate, key)
    }

    /// A leaf for `profile` and the public key `subject` (its `SubjectPublicKeyInfo` DER and
    /// the key's bits), valid from [`validity`]`(now, …)`, with CertificatePolicies `policy`.
    /// Returns the DER and the validity.
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        profile: &Profile<'_>,
        subject_key: &KeyPair,
        policy: const_oid::ObjectIdentifier,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(Vec<u8>, UnixTime, UnixTime), Error> {
        let (not_before, not_after) = validity(now, profile.validity_months)?;
        let serial = serial(rng);
        let name = profile.subject.to_der()?;
        let spki = subject_key.subject_public_key_info()?;
        let der = sign_tbs(
            &TbsFields {
                serial: &serial,
                issuer: &self.subject,
                subject: &name,
                subject_public_key_info: &spki,
                not_before,
                not_after,
                extensions: extensions::for_ca_leaf(
                    profile,
                    &subject_key.public_key_bits()?,
                    &self.key_id,
                    policy,
                )?,
            },
            &self.key,
            rng,
        )?;
        Ok((der, not_before, not_after))
    }

    /// The CA's certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The CA's key.
    pub fn key(&self) -> &KeyPair {
        &self.key
    }
}
