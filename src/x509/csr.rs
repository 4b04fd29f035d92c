//! PKCS#10 certification requests (RFC 2986), as the service makes them.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, SetOfVec};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use x509_cert::attr::Attribute;

use super::Error;
use crate::key::KeyPair;
use crate::x509::Profile;
use crate::x509::extensions;
use crate::x509::signed::Signed;

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
        values: SetOfVec::try_from(vec![
            Any::encode_from(&extensions).map_err(Error::Encoding)?,
        ])
        .map_err(Error::Encoding)?,
    };
    let info = CertificationRequestInfo {
        version: 0,
        subject: AnyRef::from_der(&subject).map_err(Error::Encoding)?,
        subject_pk_info: AnyRef::from_der(&spki).map_err(Error::Encoding)?,
        attributes: SetOfVec::try_from(vec![request]).map_err(Error::Encoding)?,
    };
    Signed::sign(&info.to_der().map_err(Error::Encoding)?, key, rng)
}

/// The longest certification request [`read`] takes: 64 KiB (kvcert's own are under 2 KiB;
/// an RSA-8192 request with many names stays far below).
pub const MAX_REQUEST_LEN: usize = 64 * 1024;
/// The most extensions a request may ask for.
pub const MAX_REQUESTED_EXTENSIONS: usize = 32;

/// A certification request whose signature was checked with its own public key.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    /// The subject `Name`, DER.
    pub subject: Vec<u8>,
    /// The `SubjectPublicKeyInfo`, DER.
    pub subject_public_key_info: Vec<u8>,
    /// The extensions of its extensionRequest attribute (PKCS#9), in order; empty without one.
    pub extensions: Vec<x509_cert::ext::Extension>,
}

/// The outer `CertificationRequest`, its info kept as the bytes that were signed.
#[derive(Sequence)]
struct RawRequest<'a> {
    info: AnyRef<'a>,
    algorithm: spki::AlgorithmIdentifierRef<'a>,
    signature: der::asn1::BitStringRef<'a>,
}

/// Reads a DER PKCS#10 request (RFC 2986) and checks its proof of possession: the signature
/// over `certificationRequestInfo` verifies with the request's own public key.
///
/// # Errors
///
/// [`Error::InvalidCertificateRequest`] for a request longer than [`MAX_REQUEST_LEN`], not
/// DER, of a version other than 1, with more than [`MAX_REQUESTED_EXTENSIONS`] extensions, or
/// whose signature does not verify; [`Error::Key`] for a key kvcert cannot
/// check (see [`crate::key::PublicKey`]).
pub fn read(der: &[u8]) -> Result<VerifiedRequest, Error> {
    let bad = |detail: String| Error::InvalidCertificateRequest { detail };
    if der.len() > MAX_REQUEST_LEN {
        return Err(bad(format!("longer than {MAX_REQUEST_LEN} bytes")));
    }
    let raw = RawRequest::from_der(der).map_err(|e| bad(e.to_string()))?;
    // Re-encodings of what the request holds: a failure is the request's.
    let signed = raw.info.to_der().map_err(|e| bad(e.to_string()))?;
    let info =
        x509_cert::request::CertReqInfo::from_der(&signed).map_err(|e| bad(e.to_string()))?;
    if info.version != x509_cert::request::Version::V1 {
        return Err(bad("not a version 1 request".to_owned()));
    }
    let spki = info.public_key.to_der().map_err(|e| bad(e.to_string()))?;
    let key = crate::key::PublicKey::from_spki_der(&spki)?;
    let signature = raw
        .signature
        .as_bytes()
        .ok_or_else(|| bad("the signature has unused bits".to_owned()))?;
    if !key.verifies(&raw.algorithm, &signed, signature) {
        return Err(bad(
            "the signature does not verify with the request's key".to_owned()
        ));
    }
    let mut extensions = Vec::new();
    for attribute in info
        .attributes
        .iter()
        .filter(|a| a.oid == EXTENSION_REQUEST)
    {
        for value in attribute.values.iter() {
            let requested: Vec<x509_cert::ext::Extension> = value
                .decode_as()
                .map_err(|e: der::Error| bad(e.to_string()))?;
            extensions.extend(requested);
            if extensions.len() > MAX_REQUESTED_EXTENSIONS {
                return Err(bad(format!(
                    "more than {MAX_REQUESTED_EXTENSIONS} requested extensions"
                )));
            }
        }
    }
    Ok(VerifiedRequest {
        subject: info.subject.to_der().map_err(|e| bad(e.to_string()))?,
        subject_public_key_info: spki,
        extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, KeySpec};
    use crate::x509::key_usage::{KeyUsage, KeyUsages};
    use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};

    fn request(curve: Curve) -> (Vec<u8>, KeyPair, Vec<u8>) {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let key = KeyPair::generate(KeySpec::Ec(curve), &mut rng).unwrap();
        let subject: crate::x509::name::DistinguishedName =
            "CN=request.example, O=kvcert".parse().unwrap();
        let ekus = [const_oid::db::rfc5280::ID_KP_SERVER_AUTH];
        let mut key_usage = KeyUsages::EMPTY;
        key_usage.insert(KeyUsage::DigitalSignature);
        let profile = Profile {
            subject: &subject,
            sans: None,
            key_usage,
            ekus: &ekus,
            validity_months: 12,
        };
        let der = build(&profile, &key, &mut rng).unwrap();
        (der, key, subject.to_der().unwrap())
    }

    #[test]
    fn reads_back_what_build_signs() {
        for curve in [Curve::P256, Curve::P384, Curve::P521, Curve::P256K] {
            let (der, key, subject) = request(curve);
            let read = read(&der).unwrap();
            assert_eq!(read.subject, subject);
            assert_eq!(
                read.subject_public_key_info,
                key.subject_public_key_info().unwrap()
            );
            let oids: Vec<String> = read
                .extensions
                .iter()
                .map(|e| e.extn_id.to_string())
                .collect();
            // KeyUsage, ExtendedKeyUsage, BasicConstraints, in the order for_csr writes them.
            assert_eq!(oids.len(), 3, "{oids:?}");
            assert!(oids.contains(&"2.5.29.15".to_owned()));
        }
    }

    #[test]
    fn refuses_a_forged_or_unbounded_request() {
        let (der, _, _) = request(Curve::P256);
        // The subject's last byte changed: the signature no longer covers the info.
        let mut forged = der.clone();
        let at = forged.windows(7).position(|w| w == b"example").unwrap();
        forged[at] = b'E';
        let err = read(&forged).unwrap_err();
        assert!(err.to_string().contains("does not verify"), "{err}");
        assert!(!err.is_internal());
        assert!(matches!(
            read(&vec![0x30; MAX_REQUEST_LEN + 1]),
            Err(Error::InvalidCertificateRequest { .. })
        ));
        assert!(matches!(
            read(&der[..der.len() - 1]),
            Err(Error::InvalidCertificateRequest { .. })
        ));
    }
}
