//! The writer: a PFX in the exact layout Key Vault writes for a certificate's secret.

use super::*;

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
/// [`Error::Internal`] when there is no certificate, a certificate or the PKCS#8 is not a DER
/// SEQUENCE, the PKCS#8 algorithm does not match `key_kind`, or the friendly name has a
/// character outside the BMP.
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
    encode_pfx(contents, leaf, Iterations::SERVICE, rng)
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
}

pub(super) fn encode_pfx<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    leaf: usize,
    iterations: Iterations,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    if contents.certificates.is_empty() {
        return Err(Error::internal("a PFX needs at least one certificate"));
    }
    for cert in contents.certificates {
        if !is_single_sequence(cert) {
            return Err(Error::internal("a certificate is not a DER SEQUENCE"));
        }
    }
    let mut safes: Vec<Vec<u8>> = Vec::with_capacity(2);

    // AuthenticatedSafe[0]: the key, in a plain `data` ContentInfo (RFC 7292 §4.1: the
    // shrouded key bag protects itself).
    if let Some(pkcs8) = contents.key_pkcs8 {
        let mut salt = [0u8; 8];
        rng.fill_bytes(&mut salt);
        let plain = pkcs8_with_key_usage(pkcs8, contents.key_kind)?;
        let encrypted = pbe_3des_encrypt(&salt, iterations.key, &plain)?;
        // EncryptedPrivateKeyInfo (RFC 5208 §6).
        let epki = tlv(
            SEQUENCE,
            &[
                &pbe_algorithm(&OID_PBE_SHA1_3DES, &salt, iterations.key),
                &tlv(OCTET_STRING, &[&encrypted]),
            ],
        );
        let attributes = key_bag_attributes(contents.key_kind, contents.friendly_name.as_deref())?;
        let bag = safe_bag(&OID_PKCS8_SHROUDED_KEY_BAG, &epki, &attributes);
        let safe_contents = tlv(SEQUENCE, &[&bag]);
        safes.push(content_info_data(&safe_contents));
    }

    // AuthenticatedSafe[1]: the certificates, in an `encryptedData` ContentInfo.
    let mut salt = [0u8; 8];
    rng.fill_bytes(&mut salt);
    let local_key_id = tlv(
        SET,
        &[&attribute(
            &OID_LOCAL_KEY_ID,
            &tlv(OCTET_STRING, &[&SERVICE_LOCAL_KEY_ID]),
        )],
    );
    let empty_set = tlv(SET, &[]);
    let bags: Vec<Vec<u8>> = contents
        .certificates
        .iter()
        .enumerate()
        .map(|(i, cert)| {
            // CertBag (§4.2.3): certId x509Certificate, certValue [0] EXPLICIT OCTET STRING.
            let cert_bag = tlv(
                SEQUENCE,
                &[
                    &oid(&OID_X509_CERTIFICATE),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[cert])]),
                ],
            );
            let attrs = if i == leaf && contents.key_pkcs8.is_some() {
                &local_key_id
            } else {
                &empty_set
            };
            safe_bag(&OID_CERT_BAG, &cert_bag, attrs)
        })
        .collect();
    let bag_refs: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
    let cert_safe_contents = tlv(SEQUENCE, &bag_refs);
    let encrypted = pbe_3des_encrypt(&salt, iterations.certificates, &cert_safe_contents)?;
    // EncryptedData (PKCS#7 / RFC 2315 §13): version 0, EncryptedContentInfo with the
    // content as a primitive [0] IMPLICIT OCTET STRING.
    let encrypted_data = tlv(
        SEQUENCE,
        &[
            &der_uint(0),
            &tlv(
                SEQUENCE,
                &[
                    &oid(&OID_DATA),
                    &pbe_algorithm(&OID_PBE_SHA1_3DES, &salt, iterations.certificates),
                    &tlv(CONTEXT_0_PRIMITIVE, &[&encrypted]),
                ],
            ),
        ],
    );
    safes.push(tlv(
        SEQUENCE,
        &[
            &oid(&OID_ENCRYPTED_DATA),
            &tlv(CONTEXT_0, &[&encrypted_data]),
        ],
    ));

    let safe_refs: Vec<&[u8]> = safes.iter().map(Vec::as_slice).collect();
    let authenticated_safe = tlv(SEQUENCE, &safe_refs);

    // MacData (§4, B.4, with the zero-length password): HMAC-SHA-1 over the
    // AuthenticatedSafe's DER, the content of authSafe's OCTET STRING.
    let mut mac_salt = [0u8; 20];
    rng.fill_bytes(&mut mac_salt);
    let mac_key = pkcs12_kdf::<sha1::Sha1>(&[], &mac_salt, KDF_ID_MAC, iterations.mac, 20);
    let digest = hmac_tag::<sha1::Sha1>(&mac_key, &authenticated_safe)?;
    let mac_data = tlv(
        SEQUENCE,
        &[
            // DigestInfo: AlgorithmIdentifier sha1 WITHOUT NULL parameters, as the service.
            &tlv(
                SEQUENCE,
                &[
                    &tlv(SEQUENCE, &[&oid(&OID_SHA1)]),
                    &tlv(OCTET_STRING, &[&digest]),
                ],
            ),
            &tlv(OCTET_STRING, &[&mac_salt]),
            &der_uint(iterations.mac.into()),
        ],
    );
    Ok(tlv(
        SEQUENCE,
        &[
            &der_uint(3),
            &content_info_data(&authenticated_safe),
            &mac_data,
        ],
    ))
}
