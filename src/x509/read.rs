//! Reading a certificate kvcert did not write (Import, merge) as the service reads it: its
//! validity, the sections a policy names (subject, SANs, key usages, EKUs, CA flag), and
//! whether a key is its key.

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage as X509KeyUsage, SubjectAltName,
};

use super::Error;
use super::extensions::UPN;
use super::key_usage::{KeyUsage, KeyUsages};
use super::name_text::subject_string;
use super::time::{UnixTime, validity_months};
use crate::key::JwkParts;

const RSA_ENCRYPTION: ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;
const EC_PUBLIC_KEY: ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
const KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_KEY_USAGE;
const SUBJECT_ALT_NAME: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
const BASIC_CONSTRAINTS: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS;
const EXT_KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;

/// A certificate's subject alternative names by kind, in certificate order (the five lists
/// the service shows; other kinds are not shown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SanLists {
    pub(crate) emails: Vec<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) upns: Vec<String>,
    pub(crate) uris: Vec<String>,
    pub(crate) ip_addresses: Vec<String>,
}

/// What a certificate says that a policy names, and its validity.
#[derive(Debug, Clone)]
pub(crate) struct CertificateFacts {
    /// The subject as the service writes it ([`subject_string`]).
    pub(crate) subject: String,
    /// The SANs, when the certificate has the extension.
    pub(crate) sans: Option<SanLists>,
    /// The extended key usages as dotted OIDs, in certificate order.
    pub(crate) ekus: Vec<String>,
    /// The key usages (empty without the extension).
    pub(crate) key_usage: KeyUsages,
    /// BasicConstraints' `cA` (false without the extension).
    pub(crate) ca: bool,
    /// `notBefore`.
    pub(crate) not_before: UnixTime,
    /// `notAfter`.
    pub(crate) not_after: UnixTime,
    /// Calendar months from `notBefore` to `notAfter`, rounded up ([`validity_months`]).
    pub(crate) validity_months: u32,
}

/// Reads `cert` as Import and merge do: a validity that ends after it starts, and the
/// extensions a policy names (the first of duplicated extensions counts).
pub(crate) fn facts(cert: &Certificate) -> Result<CertificateFacts, Error> {
    let tbs = cert.tbs_certificate();
    let (not_before, not_after) = validity(cert)?;
    let months = validity_months(not_before, not_after)
        .ok_or_else(|| invalid("notAfter is not after notBefore"))?;
    let mut sans = None;
    let mut ekus = None;
    let mut key_usage = None;
    let mut ca = None;
    for ext in tbs.extensions().map(|e| e.as_slice()).unwrap_or_default() {
        let der = ext.extn_value.as_bytes();
        match ext.extn_id {
            SUBJECT_ALT_NAME if sans.is_none() => {
                let names = SubjectAltName::from_der(der).map_err(invalid_certificate)?;
                sans = Some(san_lists(&names));
            }
            EXT_KEY_USAGE if ekus.is_none() => {
                let list = ExtendedKeyUsage::from_der(der).map_err(invalid_certificate)?;
                ekus = Some(list.0.iter().map(ToString::to_string).collect::<Vec<_>>());
            }
            KEY_USAGE if key_usage.is_none() => {
                let ku = X509KeyUsage::from_der(der).map_err(invalid_certificate)?;
                key_usage = Some(key_usages(&ku));
            }
            BASIC_CONSTRAINTS if ca.is_none() => {
                let bc = BasicConstraints::from_der(der).map_err(invalid_certificate)?;
                ca = Some(bc.ca);
            }
            _ => {}
        }
    }
    Ok(CertificateFacts {
        subject: subject_string(tbs.subject()),
        sans,
        ekus: ekus.unwrap_or_default(),
        key_usage: key_usage.unwrap_or_default(),
        ca: ca.unwrap_or(false),
        not_before,
        not_after,
        validity_months: months,
    })
}

/// A certificate's `notBefore` and `notAfter` (both before the year 10000).
fn validity(cert: &Certificate) -> Result<(UnixTime, UnixTime), Error> {
    let v = cert.tbs_certificate().validity();
    let time = |t: &x509_cert::time::Time| {
        UnixTime::from_unix_seconds(t.to_unix_duration().as_secs())
            .ok_or_else(|| invalid("a validity time after 9999"))
    };
    Ok((time(&v.not_before)?, time(&v.not_after)?))
}

/// The names of a SubjectAltName extension, by kind.
pub(crate) fn san_lists(names: &SubjectAltName) -> SanLists {
    let (mut emails, mut dns, mut upns, mut uris, mut ips) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for name in &names.0 {
        match name {
            GeneralName::Rfc822Name(s) => emails.push(s.to_string()),
            GeneralName::DnsName(s) => dns.push(s.to_string()),
            GeneralName::UniformResourceIdentifier(s) => uris.push(s.to_string()),
            GeneralName::OtherName(o) if o.type_id == UPN => {
                upns.push(String::from_utf8_lossy(o.value.value()).into_owned());
            }
            GeneralName::IpAddress(o) => {
                let b = o.as_bytes();
                if let Ok(v4) = <[u8; 4]>::try_from(b) {
                    ips.push(std::net::Ipv4Addr::from(v4).to_string());
                } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
                    ips.push(std::net::Ipv6Addr::from(v6).to_string());
                }
            }
            _ => {}
        }
    }
    SanLists {
        emails,
        dns_names: dns,
        upns,
        uris,
        ip_addresses: ips,
    }
}

/// The nine usages of a KeyUsage extension.
fn key_usages(ku: &X509KeyUsage) -> KeyUsages {
    let mut out = KeyUsages::EMPTY;
    let bits = [
        (ku.digital_signature(), KeyUsage::DigitalSignature),
        (ku.non_repudiation(), KeyUsage::NonRepudiation),
        (ku.key_encipherment(), KeyUsage::KeyEncipherment),
        (ku.data_encipherment(), KeyUsage::DataEncipherment),
        (ku.key_agreement(), KeyUsage::KeyAgreement),
        (ku.key_cert_sign(), KeyUsage::KeyCertSign),
        (ku.crl_sign(), KeyUsage::CrlSign),
        (ku.encipher_only(), KeyUsage::EncipherOnly),
        (ku.decipher_only(), KeyUsage::DecipherOnly),
    ];
    for (set, usage) in bits {
        if set {
            out.insert(usage);
        }
    }
    out
}

/// Whether a certificate's key is the key's public half (RSA n and e; EC x and y, the
/// certificate's point compressed or not).
pub(crate) fn public_key_matches(parts: &JwkParts, spki: &spki::SubjectPublicKeyInfoOwned) -> bool {
    let Some(bits) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    match parts {
        JwkParts::Rsa { n, e } => {
            spki.algorithm.oid == RSA_ENCRYPTION
                && rsa::pkcs1::RsaPublicKeyRef::from_der(bits).is_ok_and(|k| {
                    k.modulus.as_bytes() == n.as_slice()
                        && k.public_exponent.as_bytes() == e.as_slice()
                })
        }
        JwkParts::Ec { x, y } => {
            if spki.algorithm.oid != EC_PUBLIC_KEY {
                return false;
            }
            let l = x.len();
            match bits.split_first() {
                Some((4, xy)) => xy.len() == 2 * l && xy[..l] == x[..] && xy[l..] == y[..],
                Some((tag @ (2 | 3), px)) => {
                    px == x.as_slice() && y.last().is_some_and(|b| b & 1 == tag & 1)
                }
                _ => false,
            }
        }
    }
}

/// A certificate that is not what a certificate must be.
pub(crate) fn invalid(detail: &str) -> Error {
    Error::InvalidCertificate {
        detail: detail.to_owned(),
        source: None,
    }
}

/// A certificate (or one of its extensions) that is not DER.
pub(crate) fn invalid_certificate(e: der::Error) -> Error {
    Error::InvalidCertificate {
        detail: e.to_string(),
        source: Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, KeyPair, KeySpec};

    #[test]
    fn compressed_points_match() {
        let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut {
            use rand_chacha::rand_core::SeedableRng;
            rand_chacha::ChaCha20Rng::seed_from_u64(5)
        })
        .unwrap();
        let JwkParts::Ec { x, y } = key.jwk_parts().unwrap() else {
            panic!("EC")
        };
        let spki =
            spki::SubjectPublicKeyInfoOwned::from_der(&key.subject_public_key_info().unwrap())
                .unwrap();
        let parts = key.jwk_parts().unwrap();
        assert!(public_key_matches(&parts, &spki));
        let mut compressed = vec![2 | (y[31] & 1)];
        compressed.extend(&x);
        let mut c = spki.clone();
        c.subject_public_key = der::asn1::BitString::from_bytes(&compressed).unwrap();
        assert!(public_key_matches(&parts, &c));
        compressed[0] ^= 1;
        c.subject_public_key = der::asn1::BitString::from_bytes(&compressed).unwrap();
        assert!(!public_key_matches(&parts, &c));
    }
}
