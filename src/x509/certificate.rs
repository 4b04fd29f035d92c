//! Self-signed X.509 v3 certificates (RFC 5280), as the service issues them for issuer `Self`.

use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;

use super::Error;
use crate::key::KeyPair;
use crate::x509::Profile;
use crate::x509::signed::Signed;
use crate::x509::time::X509Time;
use crate::{x509::extensions, x509::time::UnixTime};

/// The service backdates every certificate by ten minutes: `nbf − created` is −600 s in all
/// 109 service certificates except where `created` was rounded up (`docs/service-behaviour.md` §4).
pub const BACKDATE_SECS: u64 = 600;

/// The validity the service gives a certificate issued at `now`:
/// `(now − 10 min, now + validity_months calendar months)`.
///
/// ```
/// use kvcert::{x509::certificate::validity, UnixTime};
/// let t: UnixTime = "2021-10-15T06:09:12Z".parse().unwrap();
/// let (nbf, exp) = validity(t, 60).unwrap();
/// assert_eq!(nbf.to_string(), "2021-10-15T05:59:12Z");
/// assert_eq!(exp.to_string(), "2026-10-15T06:09:12Z");
/// ```
pub fn validity(now: UnixTime, validity_months: u32) -> Result<(UnixTime, UnixTime), Error> {
    let not_before = now.minus_secs(BACKDATE_SECS).ok_or(Error::TimeOutOfRange {
        what: "now",
        bound: "before 1970-01-01T00:10:00Z (the certificate is backdated ten minutes)",
    })?;
    let not_after = now
        .plus_months(validity_months)
        .ok_or(Error::ValidityTooLong {
            months: validity_months,
        })?;
    Ok((not_before, not_after))
}

#[derive(Sequence)]
struct Validity {
    not_before: X509Time,
    not_after: X509Time,
}

#[derive(Sequence)]
struct TbsCertificate<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: UintRef<'a>,
    signature: AlgorithmIdentifierOwned,
    issuer: AnyRef<'a>,
    validity: Validity,
    subject: AnyRef<'a>,
    subject_public_key_info: AnyRef<'a>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

/// A serial as the service makes them: 16 bytes, positive, first byte 0x01–0x7F (128 random
/// bits, top bit cleared; a zero first byte is drawn again so the INTEGER is always 16 bytes).
pub fn serial<R: CryptoRng + ?Sized>(rng: &mut R) -> [u8; 16] {
    let mut s = [0u8; 16];
    loop {
        rng.fill_bytes(&mut s);
        s[0] &= 0x7f;
        if s[0] != 0 {
            return s;
        }
    }
}

/// A certificate made by [`self_signed`], with the validity written in it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelfSignedCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// `notBefore`.
    pub not_before: UnixTime,
    /// `notAfter`.
    pub not_after: UnixTime,
}

/// The certificate for `profile`, self-signed with `key`, valid from [`validity`]`(now, …)`.
///
/// Issuer = subject; extensions KeyUsage, BasicConstraints, EKU, SAN, AKI, SKI. `rng` gives
/// the serial (and blinds an RSA signature).
pub fn self_signed<R: CryptoRng + ?Sized>(
    profile: &Profile<'_>,
    key: &KeyPair,
    now: UnixTime,
    rng: &mut R,
) -> Result<SelfSignedCertificate, Error> {
    let (not_before, not_after) = validity(now, profile.validity_months)?;
    let serial = serial(rng);
    let name = profile.subject.to_der()?;
    let spki = key.subject_public_key_info()?;
    let der = sign_tbs(
        &TbsFields {
            serial: &serial,
            issuer: &name,
            subject: &name,
            subject_public_key_info: &spki,
            not_before,
            not_after,
            extensions: extensions::for_certificate(profile, &key.public_key_bits()?)?,
        },
        key,
        rng,
    )?;
    Ok(SelfSignedCertificate {
        der,
        not_before,
        not_after,
    })
}

/// What a certificate says, before it is signed: the one builder of every certificate kvcert
/// makes (self-signed, and by the emulated CAs).
pub(crate) struct TbsFields<'a> {
    /// The serial's bytes (positive, minimal).
    pub serial: &'a [u8],
    /// The issuer's `Name`, DER.
    pub issuer: &'a [u8],
    /// The subject's `Name`, DER.
    pub subject: &'a [u8],
    /// The subject's `SubjectPublicKeyInfo`, DER.
    pub subject_public_key_info: &'a [u8],
    /// `notBefore`.
    pub not_before: UnixTime,
    /// `notAfter`.
    pub not_after: UnixTime,
    /// The extensions, in order.
    pub extensions: Vec<Extension>,
}

/// The v3 certificate of `fields`, signed by `signer` with its algorithm (RFC 5280 §4.1).
pub(crate) fn sign_tbs<R: CryptoRng + ?Sized>(
    fields: &TbsFields<'_>,
    signer: &KeyPair,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let tbs = TbsCertificate {
        version: 2, // v3
        serial_number: UintRef::new(fields.serial).map_err(Error::Encoding)?,
        signature: signer.signature_algorithm()?,
        issuer: AnyRef::from_der(fields.issuer).map_err(Error::Encoding)?,
        validity: Validity {
            not_before: fields.not_before.to_x509_time()?,
            not_after: fields.not_after.to_x509_time()?,
        },
        subject: AnyRef::from_der(fields.subject).map_err(Error::Encoding)?,
        subject_public_key_info: AnyRef::from_der(fields.subject_public_key_info)
            .map_err(Error::Encoding)?,
        extensions: fields.extensions.clone(),
    };
    Signed::sign(&tbs.to_der().map_err(Error::Encoding)?, signer, rng)
}
