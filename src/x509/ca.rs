//! Certificate authorities: a root, an intermediate under it, and the leaves they sign, with
//! the CA profile of RFC 5280 and the CA/Browser Forum Baseline Requirements (see
//! `x509/extensions.rs` for each certificate's extensions).

use der::{Decode, Encode};
use rand_core::CryptoRng;
use x509_cert::Certificate;

use super::Error;
use super::Profile;
use super::certificate::{TbsFields, serial, sign_tbs, validity};
use super::extensions;
use super::name::DistinguishedName;
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
    /// [`Error::KeyNotCertificates`] when the key is not the certificate's.
    pub fn new(certificate: Vec<u8>, key: KeyPair) -> Result<Self, Error> {
        let cert = Certificate::from_der(&certificate).map_err(|e| Error::InvalidCertificate {
            detail: e.to_string(),
            source: Some(e),
        })?;
        let tbs = cert.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(Error::Encoding)?;
        if spki != key.subject_public_key_info()? {
            return Err(Error::KeyNotCertificates);
        }
        let subject = tbs.subject().to_der().map_err(Error::Encoding)?;
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

    /// A leaf for a PKCS#10 request (DER), after its signature is checked with its own key:
    /// the request's subject and key, the KeyUsage, ExtendedKeyUsage and SubjectAltName it
    /// asks for, an end-entity BasicConstraints and the key identifiers; valid from
    /// [`validity`]`(now, months)`. Returns the DER and the validity.
    ///
    /// This is what a test needs to complete an `Unknown`-issuer request: sign the pending
    /// operation's `csr`, then merge the leaf and this CA's certificate.
    ///
    /// ```
    /// use kvcert::x509::ca::CertificateAuthority;
    /// use kvcert::rand_core::SeedableRng;
    /// use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec, UnixTime, Vault, VaultState};
    /// let mut rng = ChaCha20Rng::seed_from_u64(1);
    /// let now = UnixTime::from_unix_seconds(1_767_225_600).unwrap();
    /// let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng).unwrap();
    /// let ca = CertificateAuthority::root(&"CN=Test Root".parse().unwrap(), key, now, 120, &mut rng)
    ///     .unwrap();
    ///
    /// let mut vault = VaultState::new(Vault::new("https://example.vault.azure.net"));
    /// let body = br#"{"policy":{"issuer":{"name":"Unknown"},"key_props":{"kty":"EC"},
    ///     "x509_props":{"subject":"CN=leaf.example"}}}"#;
    /// let pending = vault.create_certificate("leaf", body, now, &mut rng).unwrap();
    /// use base64ct::{Base64, Encoding};
    /// let csr = Base64::decode_vec(pending.csr.as_deref().unwrap()).unwrap();
    ///
    /// let (leaf, _, _) = ca.sign_request(&csr, now, 12, &mut rng).unwrap();
    /// let x5c = [leaf, ca.certificate().to_vec()].map(|c| Base64::encode_string(&c));
    /// let merge = serde_json::json!({ "x5c": x5c }).to_string();
    /// let merged = vault.merge_certificate("leaf", merge.as_bytes(), now, &mut rng).unwrap();
    /// assert!(merged.cer.is_some());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`crate::x509::csr::read`]; [`Error::TimeOutOfRange`] or [`Error::ValidityTooLong`]
    /// when `now` and `months` give a validity X.509 cannot write.
    pub fn sign_request<R: CryptoRng + ?Sized>(
        &self,
        request: &[u8],
        now: UnixTime,
        months: u32,
        rng: &mut R,
    ) -> Result<(Vec<u8>, UnixTime, UnixTime), Error> {
        let request = super::csr::read(request)?;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(&request.subject_public_key_info)
            .map_err(Error::Encoding)?;
        let bits = spki.subject_public_key.raw_bytes();
        let (not_before, not_after) = validity(now, months)?;
        let der = sign_tbs(
            &TbsFields {
                serial: &serial(rng),
                issuer: &self.subject,
                subject: &request.subject,
                subject_public_key_info: &request.subject_public_key_info,
                not_before,
                not_after,
                extensions: extensions::for_request(&request.extensions, bits, &self.key_id)?,
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
