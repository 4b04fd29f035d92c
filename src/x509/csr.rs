//! PKCS#10 certification requests (RFC 2986), as the service makes them.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, SetOfVec};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use x509_cert::attr::Attribute;

use crate::key::KeyPair;
use crate::x509::Profile;
use crate::x509::signed::Signed;
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

/// The DER PKCS#10 request for `profile`, signed with `key`: version 0, the policy subject, one
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
