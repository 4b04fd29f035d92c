//! The one signing helper: what a PKCS#10 request and a certificate both are once signed.

use der::asn1::{AnyRef, BitString};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use spki::AlgorithmIdentifierOwned;

use super::Error;
use crate::key::KeyPair;

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
            to_be_signed: AnyRef::from_der(to_be_signed).map_err(Error::Encoding)?,
            algorithm: key.signature_algorithm()?,
            signature: BitString::from_bytes(&signature).map_err(Error::Encoding)?,
        };
        signed.to_der().map_err(Error::Encoding)
    }
}
