//! X.509 extensions: the one place that knows what the service writes and in which order.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, OctetString};
use der::{Encode, Tag, TagNumber};
use sha1::{Digest, Sha1};
use x509_cert::ext::Extension;

use crate::error::Error;
use crate::x509::Profile;
use crate::x509::san::SubjectAltNames;

const KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_KEY_USAGE;
const BASIC_CONSTRAINTS: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS;
const EXT_KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
const SUBJECT_ALT_NAME: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
const AUTHORITY_KEY_ID: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;
const SUBJECT_KEY_ID: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
/// Microsoft's UPN otherName type (szOID_NT_PRINCIPAL_NAME).
/// The Microsoft user principal name `otherName` (szOID_NT_PRINCIPAL_NAME): not in const-oid's
/// database, so declared here once.
pub(crate) const UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");

/// The CSR's extensionRequest: KeyUsage (critical), EKU, SAN, BasicConstraints — the order of
/// all ~600 service CSRs (`docs/service-behaviour.md` §5); no SKI/AKI.
pub(crate) fn for_csr(profile: &Profile<'_>) -> Result<Vec<Extension>, Error> {
    let mut out = Vec::with_capacity(4);
    out.extend(key_usage(profile)?);
    out.extend(extended_key_usage(profile)?);
    out.extend(subject_alt_name(profile)?);
    out.push(basic_constraints()?);
    Ok(out)
}

/// The certificate's extensions: KeyUsage (critical), BasicConstraints, EKU, SAN, AKI, SKI —
/// the order of all 109 service certificates (`docs/service-behaviour.md` §4), unlike the CSR's.
pub(crate) fn for_certificate(
    profile: &Profile<'_>,
    subject_public_key: &[u8],
) -> Result<Vec<Extension>, Error> {
    // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents.
    let key_id = Sha1::digest(subject_public_key);
    let mut out = Vec::with_capacity(6);
    out.extend(key_usage(profile)?);
    out.push(basic_constraints()?);
    out.extend(extended_key_usage(profile)?);
    out.extend(subject_alt_name(profile)?);
    out.push(authority_key_identifier(&key_id)?);
    out.push(subject_key_identifier(&key_id)?);
    Ok(out)
}

fn ext(extn_id: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// KeyUsage, critical, minimal DER BIT STRING (trailing zero bits dropped, X.690 §11.2.2):
/// dS+kE is `03 02 05 A0`, decipherOnly `03 03 07 00 80`.
fn key_usage(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    if profile.key_usage.is_empty() {
        return Ok(None);
    }
    let mut bits = [0u8; 2];
    for u in profile.key_usage.iter() {
        let b = u.bit() as usize;
        bits[b / 8] |= 0x80 >> (b % 8);
    }
    let len = if bits[1] != 0 { 2 } else { 1 };
    let unused = bits[len - 1].trailing_zeros() as u8;
    let bs = BitString::new(unused, &bits[..len])?;
    Ok(Some(ext(KEY_USAGE, true, &bs)?))
}

/// BasicConstraints, non-critical, an empty SEQUENCE (cA FALSE by omission), always — even
/// with keyCertSign, as the service writes it.
fn basic_constraints() -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: BASIC_CONSTRAINTS,
        critical: false,
        extn_value: OctetString::new(vec![0x30, 0x00])?,
    })
}

/// ExtendedKeyUsage, non-critical, OIDs in policy order; absent for `"ekus": []`.
fn extended_key_usage(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    if profile.ekus.is_empty() {
        return Ok(None);
    }
    // `Vec` is what `der` encodes as SEQUENCE OF.
    Ok(Some(ext(EXT_KEY_USAGE, false, &profile.ekus.to_vec())?))
}

/// SubjectAltName; critical when the subject is empty (RFC 5280 §4.2.1.6; seen in 2025-07-01).
/// Order: dNSName, rfc822Name, otherName (UPN), iPAddress, URI.
fn subject_alt_name(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    let Some(sans) = profile.sans.as_ref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let names = general_names(sans)?;
    Ok(Some(ext(
        SUBJECT_ALT_NAME,
        profile.subject.is_empty(),
        &names,
    )?))
}

fn general_names(sans: &SubjectAltNames) -> Result<Vec<Any>, Error> {
    let implicit = |n: u32, bytes: &[u8]| {
        Any::new(
            Tag::ContextSpecific {
                constructed: false,
                number: TagNumber(n),
            },
            bytes,
        )
    };
    let mut out = Vec::new();
    for d in &sans.dns_names {
        out.push(implicit(2, d.as_bytes())?);
    }
    for e in &sans.emails {
        out.push(implicit(1, e.as_bytes())?);
    }
    for u in &sans.upns {
        // otherName ::= [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }
        let utf8 = Any::new(Tag::Utf8String, u.as_bytes())?.to_der()?;
        let value = Any::new(
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            },
            utf8,
        )?;
        let mut body = UPN.to_der()?;
        body.extend(value.to_der()?);
        out.push(Any::new(
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            },
            body,
        )?);
    }
    for (ip, _) in &sans.ip_addresses {
        let bytes = match ip {
            std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
            std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        out.push(implicit(7, &bytes)?);
    }
    for u in &sans.uris {
        out.push(implicit(6, u.as_bytes())?);
    }
    Ok(out)
}

/// AuthorityKeyIdentifier: `SEQUENCE { [0] keyIdentifier }` only, the certificate's own key id.
fn authority_key_identifier(key_id: &[u8]) -> Result<Extension, Error> {
    let ki = Any::new(
        Tag::ContextSpecific {
            constructed: false,
            number: TagNumber(0),
        },
        key_id,
    )?;
    let seq = Any::new(Tag::Sequence, ki.to_der()?)?;
    ext(AUTHORITY_KEY_ID, false, &seq)
}

/// SubjectKeyIdentifier: the 20-byte SHA-1 key id as an OCTET STRING.
fn subject_key_identifier(key_id: &[u8]) -> Result<Extension, Error> {
    ext(SUBJECT_KEY_ID, false, &OctetString::new(key_id)?)
}
