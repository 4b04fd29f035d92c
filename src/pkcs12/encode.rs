//! The writer: a PFX in the exact layout Key Vault writes for a certificate's secret.

use super::ber::is_single_sequence;
use super::error::Error;
use super::kdf::{KDF_ID_MAC, pkcs12_kdf};
use super::oid::{
    CSP_EC, CSP_RSA, OID_CERT_BAG, OID_DATA, OID_EC_PUBLIC_KEY, OID_ENCRYPTED_DATA,
    OID_FRIENDLY_NAME, OID_LOCAL_KEY_ID, OID_MS_CSP_NAME, OID_PBE_SHA1_3DES,
    OID_PKCS8_SHROUDED_KEY_BAG, OID_RSA_ENCRYPTION, OID_SHA1, OID_X509_CERTIFICATE,
    SERVICE_LOCAL_KEY_ID,
};
use super::pbe::pbe_3des_encrypt;
use super::{PfxContents, PfxKeyKind, SERVICE_ITERATIONS};

use cbc::cipher::KeyInit;
use const_oid::ObjectIdentifier;
use hmac::EagerHash;
use hmac::Hmac;
use hmac::Mac;
use rand_core::CryptoRng;

use der::Encode;
use der::asn1::{Any, AnyRef, BmpString, OctetStringRef};
use spki::AlgorithmIdentifierRef;

use super::syntax::{
    Attribute, CertBag, ContentInfo, DigestInfo, EncryptedContentInfo, EncryptedData,
    EncryptedPrivateKeyInfo, InOrder, MacData, PbeAlgorithm, PbeParams, Pfx, SafeBag,
};

/// Encodes a PFX byte for byte in the service's layout (see the [module docs](crate::pkcs12)), with
/// the zero-length password.
///
/// `rng` supplies the salts only, in this order: the key bag's (8 bytes, only when there is a
/// key), the certificates' (8), the MAC's (20). The same contents and RNG stream give the
/// same bytes.
///
/// Certificate bags: with a key, the first (leaf) carries `localKeyID 01 00 00 00` like the
/// service's; further chain certificates and every certificate of a non-exportable PFX carry
/// an empty attribute set (`31 00`), as the service's non-exportable PFX does.
///
/// # Errors
///
/// Caller errors (400), nothing is written:
/// - [`Error::InvalidContents`] when there is no certificate, a certificate is not one DER
///   SEQUENCE, or the friendly name has a character outside the BMP;
/// - [`Error::Key`] when the PKCS#8 is not PKCS#8 DER or its algorithm does not
///   match `key_kind`.
pub fn encode_service_pfx<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    encode_service_pfx_with_leaf(contents, 0, rng)
}

/// [`encode_service_pfx`] with the key's certificate (the one that carries `localKeyID`) at
/// index `leaf` of `contents.certificates` instead of first: an imported chain kept in its
/// uploaded order (`preserveCertOrder`) need not start with the leaf.
pub(crate) fn encode_service_pfx_with_leaf<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    leaf: usize,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    encode_pfx(contents, leaf, Iterations::service(), rng)
}

/// The iteration counts a PFX is written with: the service's 2,000 everywhere, other counts
/// only in tests (of the reader's limits).
#[derive(Debug, Clone, Copy)]
pub(super) struct Iterations {
    pub(super) key: u32,
    pub(super) certificates: u32,
    pub(super) mac: u32,
}

impl Iterations {
    pub(super) const SERVICE: Iterations = Iterations {
        key: SERVICE_ITERATIONS,
        certificates: SERVICE_ITERATIONS,
        mac: SERVICE_ITERATIONS,
    };

    /// The service's counts, or 1 everywhere under the fuzzing stand-ins
    /// ([`crate::stand_in`]).
    fn service() -> Iterations {
        if crate::stand_in::active() {
            Iterations {
                key: 1,
                certificates: 1,
                mac: 1,
            }
        } else {
            Iterations::SERVICE
        }
    }
}

pub(super) fn encode_pfx<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    leaf: usize,
    iterations: Iterations,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    if contents.certificates.is_empty() {
        return Err(Error::InvalidContents(
            "a PFX needs at least one certificate",
        ));
    }
    for cert in contents.certificates {
        if !is_single_sequence(cert) {
            return Err(Error::InvalidContents(
                "a certificate is not one DER SEQUENCE",
            ));
        }
    }
    let mut safes: Vec<Vec<u8>> = Vec::with_capacity(2);

    // AuthenticatedSafe[0]: the key, in a plain `data` ContentInfo (RFC 7292 §4.1: the
    // shrouded key bag protects itself).
    if let Some(pkcs8) = contents.key_pkcs8 {
        let mut salt = [0u8; 8];
        rng.fill_bytes(&mut salt);
        let algorithm = match contents.key_kind {
            PfxKeyKind::Rsa => OID_RSA_ENCRYPTION,
            PfxKeyKind::Ec => OID_EC_PUBLIC_KEY,
        };
        let plain = crate::key::pkcs8::with_service_key_usage(pkcs8, algorithm)?;
        let encrypted = pbe_3des_encrypt(&salt, iterations.key, &plain)?;
        let epki = EncryptedPrivateKeyInfo {
            encryption_algorithm: pbe_algorithm(&salt, iterations.key).map_err(Error::Encoding)?,
            encrypted_data: OctetStringRef::new(&encrypted).map_err(Error::Encoding)?,
        }
        .to_der()
        .map_err(Error::Encoding)?;
        let friendly_name = contents
            .friendly_name
            .as_deref()
            .map(|name| {
                BmpString::from_utf8(name).map_err(|_| {
                    Error::InvalidContents(
                        "a friendly name character outside the Basic Multilingual Plane",
                    )
                })
            })
            .transpose()?;
        let csp = BmpString::from_utf8(match contents.key_kind {
            PfxKeyKind::Rsa => CSP_RSA,
            PfxKeyKind::Ec => CSP_EC,
        })
        .map_err(Error::Encoding)?;
        let local_key_id =
            AnyRef::from(OctetStringRef::new(&SERVICE_LOCAL_KEY_ID).map_err(Error::Encoding)?);
        let friendly_name = friendly_name
            .map(|n| Any::encode_from(&n))
            .transpose()
            .map_err(Error::Encoding)?;
        let csp = Any::encode_from(&csp).map_err(Error::Encoding)?;
        // The service's order: localKeyID, friendlyName (if any), Microsoft CSP name.
        let mut attributes = vec![attribute(OID_LOCAL_KEY_ID, local_key_id)];
        if let Some(name) = &friendly_name {
            attributes.push(attribute(OID_FRIENDLY_NAME, name.to_ref()));
        }
        attributes.push(attribute(OID_MS_CSP_NAME, csp.to_ref()));
        let bag = SafeBag {
            bag_id: OID_PKCS8_SHROUDED_KEY_BAG,
            bag_value: AnyRef::try_from(epki.as_slice()).map_err(Error::Encoding)?,
            bag_attributes: InOrder(attributes),
        };
        let safe_contents = vec![bag].to_der().map_err(Error::Encoding)?;
        safes.push(data_content_info(&safe_contents).map_err(Error::Encoding)?);
    }

    // AuthenticatedSafe[1]: the certificates, in an `encryptedData` ContentInfo.
    let mut salt = [0u8; 8];
    rng.fill_bytes(&mut salt);
    let local_key_id =
        AnyRef::from(OctetStringRef::new(&SERVICE_LOCAL_KEY_ID).map_err(Error::Encoding)?);
    let cert_bags = contents
        .certificates
        .iter()
        .map(|cert| {
            CertBag {
                cert_id: OID_X509_CERTIFICATE,
                cert_value: OctetStringRef::new(cert)?,
            }
            .to_der()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Encoding)?;
    let bags = cert_bags
        .iter()
        .enumerate()
        .map(|(i, cert_bag)| {
            // With a key, the leaf's bag carries localKeyID; every other bag (and every bag of
            // a non-exportable PFX) an empty attribute SET, as the service writes them.
            let attributes = if i == leaf && contents.key_pkcs8.is_some() {
                vec![attribute(OID_LOCAL_KEY_ID, local_key_id)]
            } else {
                Vec::new()
            };
            Ok(SafeBag {
                bag_id: OID_CERT_BAG,
                bag_value: AnyRef::try_from(cert_bag.as_slice())?,
                bag_attributes: InOrder(attributes),
            })
        })
        .collect::<Result<Vec<_>, der::Error>>()
        .map_err(Error::Encoding)?;
    let cert_safe_contents = bags.to_der().map_err(Error::Encoding)?;
    let encrypted = pbe_3des_encrypt(&salt, iterations.certificates, &cert_safe_contents)?;
    // EncryptedData (RFC 2315 §13): version 0, the content a primitive [0] IMPLICIT OCTET STRING.
    let encrypted_data = EncryptedData {
        version: 0,
        encrypted_content_info: EncryptedContentInfo {
            content_type: OID_DATA,
            content_encryption_algorithm: pbe_algorithm(&salt, iterations.certificates)
                .map_err(Error::Encoding)?,
            encrypted_content: OctetStringRef::new(&encrypted).map_err(Error::Encoding)?,
        },
    }
    .to_der()
    .map_err(Error::Encoding)?;
    safes.push(
        ContentInfo {
            content_type: OID_ENCRYPTED_DATA,
            content: AnyRef::try_from(encrypted_data.as_slice()).map_err(Error::Encoding)?,
        }
        .to_der()
        .map_err(Error::Encoding)?,
    );

    // AuthenticatedSafe ::= SEQUENCE OF ContentInfo (§4.1).
    let authenticated_safe = safes
        .iter()
        .map(|s| AnyRef::try_from(s.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Encoding)?
        .to_der()
        .map_err(Error::Encoding)?;

    // MacData (§4, B.4, with the zero-length password): HMAC-SHA-1 over the
    // AuthenticatedSafe's DER, the content of authSafe's OCTET STRING.
    let mut mac_salt = [0u8; 20];
    rng.fill_bytes(&mut mac_salt);
    let mac_key = pkcs12_kdf::<sha1::Sha1>(&[], &mac_salt, KDF_ID_MAC, iterations.mac, 20);
    let digest = hmac_tag::<sha1::Sha1>(&mac_key, &authenticated_safe)?;
    let pfx = Pfx {
        version: 3,
        auth_safe: ContentInfo {
            content_type: OID_DATA,
            content: OctetStringRef::new(&authenticated_safe)
                .map_err(Error::Encoding)?
                .into(),
        },
        mac_data: MacData {
            mac: DigestInfo {
                // sha1 WITHOUT NULL parameters, as the service writes it.
                digest_algorithm: AlgorithmIdentifierRef {
                    oid: OID_SHA1,
                    parameters: None,
                },
                digest: OctetStringRef::new(&digest).map_err(Error::Encoding)?,
            },
            mac_salt: OctetStringRef::new(&mac_salt).map_err(Error::Encoding)?,
            iterations: iterations.mac,
        },
    };
    pfx.to_der().map_err(Error::Encoding)
}

/// A `PKCS12Attribute` with one value.
fn attribute(attr_id: ObjectIdentifier, value: AnyRef<'_>) -> Attribute<'_> {
    Attribute {
        attr_id,
        attr_values: InOrder(vec![value]),
    }
}

/// `ContentInfo { data, [0] EXPLICIT OCTET STRING }` (RFC 2315 §7-8, primitive OCTET STRING).
fn data_content_info(content: &[u8]) -> Result<Vec<u8>, der::Error> {
    ContentInfo {
        content_type: OID_DATA,
        content: OctetStringRef::new(content)?.into(),
    }
    .to_der()
}

/// `AlgorithmIdentifier { pbeWithSHAAnd3-KeyTripleDES-CBC, { salt, iterations } }` (Appendix C).
fn pbe_algorithm(salt: &[u8], iterations: u32) -> Result<PbeAlgorithm<'_>, der::Error> {
    Ok(PbeAlgorithm {
        algorithm: OID_PBE_SHA1_3DES,
        parameters: PbeParams {
            salt: OctetStringRef::new(salt)?,
            iterations,
        },
    })
}

/// HMAC-`D` of `data` (RFC 2104), the PFX's MAC.
pub(super) fn hmac_tag<D: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut mac =
        <Hmac<D> as KeyInit>::new_from_slice(key).map_err(|_| Error::Crypto("HMAC key length"))?;
    Mac::update(&mut mac, data);
    Ok(mac.finalize().into_bytes().to_vec())
}
