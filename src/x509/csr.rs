//! PKCS#10 certification requests (RFC 2986), as the service makes them.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, BitString, SetOfVec};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use crate::key::KeyPair;
use crate::x509::Profile;
use crate::{error::Error, x509::extensions};

/// PKCS#9 extensionRequest.
const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

#[derive(Sequence)]
struct CertificationRequestInfo<'a> {
    version: u8,
    subject: AnyRef<'a>,
    subject_pk_info: AnyRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", constructed = "true")]
    attributes: SetOfVec<Attribute>,
}

/// `SEQUENCE { toBeSigned, signatureAlgorithm, signature BIT STRING }`: the shape shared by
/// `CertificationRequest` (RFC 2986 §4.2) and `Certificate` (RFC 5280 §4.1).
#[derive(Sequence)]
pub(crate) struct Signed<'a> {
    pub to_be_signed: AnyRef<'a>,
    pub algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
}

impl Signed<'_> {
    /// Signs `to_be_signed` (DER) with `key` and wraps it.
    pub(crate) fn sign<R: CryptoRng + ?Sized>(
        to_be_signed: &[u8],
        key: &KeyPair,
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        let signature = key.sign(to_be_signed, rng)?;
        let signed = Signed {
            to_be_signed: AnyRef::from_der(to_be_signed)?,
            algorithm: key.signature_algorithm()?,
            signature: BitString::from_bytes(&signature)?,
        };
        Ok(signed.to_der()?)
    }
}

/// The DER PKCS#10 request for `plan`, signed with `key`: version 0, the policy subject, one
/// extensionRequest attribute (KeyUsage, EKU, SAN, BasicConstraints), no challengePassword.
///
/// `rng` only blinds an RSA signature; the output depends on the plan and key alone.
pub fn build<R: CryptoRng + ?Sized>(
    profile: &Profile<'_>,
    key: &KeyPair,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let subject = profile.subject.to_der()?;
    let spki = key.subject_public_key_info()?;
    let extensions = extensions::for_csr(profile)?;
    let request = Attribute {
        oid: EXTENSION_REQUEST,
        values: SetOfVec::try_from(vec![Any::encode_from(&extensions)?])?,
    };
    let info = CertificationRequestInfo {
        version: 0,
        subject: AnyRef::from_der(&subject)?,
        subject_pk_info: AnyRef::from_der(&spki)?,
        attributes: SetOfVec::try_from(vec![request])?,
    };
    Signed::sign(&info.to_der()?, key, rng)
}
