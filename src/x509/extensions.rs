//! X.509 extensions: the one place that knows what the service writes and in which order.

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, Ia5String, OctetString, Utf8StringRef};
use der::flagset::FlagSet;
use sha1::{Digest, Sha1};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{self, KeyUsages};

use super::Error;
use crate::x509::Profile;
use crate::x509::san::SubjectAltNames;

const KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_KEY_USAGE;
const BASIC_CONSTRAINTS: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS;
const EXT_KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
const SUBJECT_ALT_NAME: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
const AUTHORITY_KEY_ID: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;
const SUBJECT_KEY_ID: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
const CERTIFICATE_POLICIES: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CERTIFICATE_POLICIES;
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

/// The RFC 5280 §4.2.1.2 method 1 key identifier of a public key (the BIT STRING contents).
pub(crate) fn key_identifier(subject_public_key: &[u8]) -> [u8; 20] {
    Sha1::digest(subject_public_key).into()
}

/// A CA certificate's extensions (RFC 5280 §4.2.1.9, §4.2.1.3; CA/Browser Forum Baseline
/// Requirements §7.1.2.1–2): BasicConstraints cA TRUE (critical, with `path_len` for an
/// intermediate), KeyUsage keyCertSign + cRLSign (+ digitalSignature for an intermediate,
/// which may sign OCSP responses; critical), SKI, and AKI naming the issuer's key when the
/// certificate is not self-signed.
pub(crate) fn for_ca(
    subject_public_key: &[u8],
    issuer_key_id: Option<&[u8]>,
    path_len: Option<u8>,
) -> Result<Vec<Extension>, Error> {
    let mut usages = FlagSet::<KeyUsages>::from(KeyUsages::KeyCertSign) | KeyUsages::CRLSign;
    if issuer_key_id.is_some() {
        usages |= KeyUsages::DigitalSignature;
    }
    let mut out = vec![
        ext(
            BASIC_CONSTRAINTS,
            true,
            &pkix::BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
        )?,
        ext(KEY_USAGE, true, &pkix::KeyUsage(usages))?,
        subject_key_identifier(&key_identifier(subject_public_key))?,
    ];
    if let Some(id) = issuer_key_id {
        out.push(authority_key_identifier(id)?);
    }
    Ok(out)
}

/// A leaf signed by an emulated CA: the service's leaf extensions (KeyUsage, BasicConstraints,
/// EKU, SAN) with AKI naming the CA's key, SKI of the leaf's, and CertificatePolicies with
/// the CA/Browser Forum policy OID `policy` (Baseline Requirements §7.1.6.1: DV, OV or EV).
pub(crate) fn for_ca_leaf(
    profile: &Profile<'_>,
    subject_public_key: &[u8],
    issuer_key_id: &[u8],
    policy: ObjectIdentifier,
) -> Result<Vec<Extension>, Error> {
    let mut out = Vec::with_capacity(7);
    out.extend(key_usage(profile)?);
    out.push(basic_constraints()?);
    out.extend(extended_key_usage(profile)?);
    out.extend(subject_alt_name(profile)?);
    out.push(authority_key_identifier(issuer_key_id)?);
    out.push(subject_key_identifier(&key_identifier(subject_public_key))?);
    let policies = pkix::CertificatePolicies(vec![pkix::certpolicy::PolicyInformation {
        policy_identifier: policy,
        policy_qualifiers: None,
    }]);
    out.push(ext(CERTIFICATE_POLICIES, false, &policies)?);
    Ok(out)
}

/// A CA's leaf for a certification request: the KeyUsage, ExtendedKeyUsage and
/// SubjectAltName the request asks for (each as requested, criticality included; the first
/// of each kind), an end-entity BasicConstraints whatever was asked, and the key identifiers.
/// Any other requested extension is not copied.
pub(crate) fn for_request(
    requested: &[Extension],
    subject_public_key: &[u8],
    issuer_key_id: &[u8],
) -> Result<Vec<Extension>, Error> {
    let asked = |oid: ObjectIdentifier| requested.iter().find(|e| e.extn_id == oid).cloned();
    let mut out = Vec::with_capacity(6);
    out.extend(asked(KEY_USAGE));
    out.push(basic_constraints()?);
    out.extend(asked(EXT_KEY_USAGE));
    out.extend(asked(SUBJECT_ALT_NAME));
    out.push(authority_key_identifier(issuer_key_id)?);
    out.push(subject_key_identifier(&key_identifier(subject_public_key))?);
    Ok(out)
}

fn ext(extn_id: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(Error::Encoding)?)
            .map_err(Error::Encoding)?,
    })
}

/// KeyUsage, critical, minimal DER BIT STRING (trailing zero bits dropped, X.690 §11.2.2, as
/// `der` encodes a flag set): dS+kE is `03 02 05 A0`, decipherOnly `03 03 07 00 80`.
fn key_usage(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    if profile.key_usage.is_empty() {
        return Ok(None);
    }
    let mut flags = FlagSet::<KeyUsages>::default();
    for u in profile.key_usage.iter() {
        // RFC 5280 §4.2.1.3 numbers the bits as `KeyUsages` orders its flags (1 << bit).
        flags |= FlagSet::<KeyUsages>::new_truncated(1u16 << u.bit());
    }
    Ok(Some(ext(KEY_USAGE, true, &pkix::KeyUsage(flags))?))
}

/// BasicConstraints, non-critical, an empty SEQUENCE (cA FALSE by omission, X.690 §11.5),
/// always — even with keyCertSign, as the service writes it.
fn basic_constraints() -> Result<Extension, Error> {
    let end_entity = pkix::BasicConstraints {
        ca: false,
        path_len_constraint: None,
    };
    ext(BASIC_CONSTRAINTS, false, &end_entity)
}

/// ExtendedKeyUsage, non-critical, OIDs in policy order; absent for `"ekus": []`.
fn extended_key_usage(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    if profile.ekus.is_empty() {
        return Ok(None);
    }
    let ekus = pkix::ExtendedKeyUsage(profile.ekus.to_vec());
    Ok(Some(ext(EXT_KEY_USAGE, false, &ekus)?))
}

/// SubjectAltName; critical when the subject is empty (RFC 5280 §4.2.1.6; seen in 2025-07-01).
/// Order: dNSName, rfc822Name, otherName (UPN), iPAddress, URI.
fn subject_alt_name(profile: &Profile<'_>) -> Result<Option<Extension>, Error> {
    let Some(sans) = profile.sans.as_ref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let names = pkix::SubjectAltName(general_names(sans)?);
    Ok(Some(ext(
        SUBJECT_ALT_NAME,
        profile.subject.is_empty(),
        &names,
    )?))
}

/// The names as `GeneralName`s. The policy's validation (`x509::san`) admits only ASCII for
/// the IA5String forms, so the conversions below fail only on a broken invariant.
fn general_names(sans: &SubjectAltNames) -> Result<Vec<GeneralName>, Error> {
    let ia5 = |s: &str| Ia5String::new(s).map_err(Error::Encoding);
    let mut out = Vec::new();
    for d in &sans.dns_names {
        out.push(GeneralName::DnsName(ia5(d)?));
    }
    for e in &sans.emails {
        out.push(GeneralName::Rfc822Name(ia5(e)?));
    }
    for u in &sans.upns {
        // otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }, the value a
        // UTF8String (MS-WCCE §2.2.2.7.7.4); `OtherName` adds the explicit [0].
        out.push(GeneralName::OtherName(OtherName {
            type_id: UPN,
            value: Any::encode_from(&Utf8StringRef::new(u).map_err(Error::Encoding)?)
                .map_err(Error::Encoding)?,
        }));
    }
    for (ip, _) in &sans.ip_addresses {
        out.push(GeneralName::from(*ip));
    }
    for u in &sans.uris {
        out.push(GeneralName::UniformResourceIdentifier(ia5(u)?));
    }
    Ok(out)
}

/// AuthorityKeyIdentifier: `SEQUENCE { [0] keyIdentifier }` only, the certificate's own key id.
fn authority_key_identifier(key_id: &[u8]) -> Result<Extension, Error> {
    let aki = pkix::AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_id).map_err(Error::Encoding)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    ext(AUTHORITY_KEY_ID, false, &aki)
}

/// SubjectKeyIdentifier: the 20-byte SHA-1 key id as an OCTET STRING.
fn subject_key_identifier(key_id: &[u8]) -> Result<Extension, Error> {
    let ski = pkix::SubjectKeyIdentifier(OctetString::new(key_id).map_err(Error::Encoding)?);
    ext(SUBJECT_KEY_ID, false, &ski)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::key_usage::{KeyUsage, KeyUsages};
    use crate::x509::name::DistinguishedName;

    fn profile_with<'a>(usages: &[KeyUsage], subject: &'a DistinguishedName) -> Profile<'a> {
        let mut key_usage = KeyUsages::default();
        for u in usages {
            key_usage.insert(*u);
        }
        Profile {
            subject,
            sans: None,
            key_usage,
            ekus: &[],
            validity_months: 12,
        }
    }

    fn key_usage_value(usages: &[KeyUsage]) -> Vec<u8> {
        let subject = DistinguishedName::default();
        let ext = key_usage(&profile_with(usages, &subject)).unwrap().unwrap();
        assert!(ext.critical);
        ext.extn_value.as_bytes().to_vec()
    }

    #[test]
    fn key_usage_bit_strings_are_minimal() {
        // The service's values (docs/service-behaviour.md §4): trailing zero bits dropped.
        assert_eq!(
            key_usage_value(&[KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]),
            [0x03, 0x02, 0x05, 0xa0]
        );
        assert_eq!(
            key_usage_value(&[KeyUsage::DigitalSignature]),
            [0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            key_usage_value(&[KeyUsage::CrlSign]),
            [0x03, 0x02, 0x01, 0x02]
        );
        assert_eq!(
            key_usage_value(&[KeyUsage::DecipherOnly]),
            [0x03, 0x03, 0x07, 0x00, 0x80]
        );
    }

    #[test]
    fn end_entity_basic_constraints_is_an_empty_sequence() {
        let ext = basic_constraints().unwrap();
        assert!(!ext.critical);
        assert_eq!(ext.extn_value.as_bytes(), [0x30, 0x00]);
    }

    #[test]
    fn upn_other_name_has_one_explicit_tag() {
        let sans = SubjectAltNames {
            upns: vec!["a@b.c".to_owned()],
            ..SubjectAltNames::default()
        };
        let names = general_names(&sans).unwrap();
        let der = names[0].to_der().unwrap();
        let mut expected = vec![0xa0, 0x15, 0x06, 0x0a];
        expected.extend_from_slice(UPN.as_bytes());
        expected.extend_from_slice(&[0xa0, 0x07, 0x0c, 0x05]);
        expected.extend_from_slice(b"a@b.c");
        assert_eq!(der, expected);
    }
}
