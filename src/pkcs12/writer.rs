//! DER writing: the encoder's exact bytes.

use super::*;

pub(super) const INTEGER: u8 = 0x02;
pub(super) const BIT_STRING: u8 = 0x03;
pub(super) const OCTET_STRING: u8 = 0x04;
pub(super) const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
pub(super) const NULL: u8 = 0x05;
pub(super) const OBJECT_IDENTIFIER: u8 = 0x06;
pub(super) const BMP_STRING: u8 = 0x1e;
pub(super) const SEQUENCE: u8 = 0x30;
pub(super) const SET: u8 = 0x31;
pub(super) const CONTEXT_0: u8 = 0xa0;
pub(super) const CONTEXT_0_PRIMITIVE: u8 = 0x80;
pub(super) const CONSTRUCTED: u8 = 0x20;

pub(super) fn length_octets(len: usize) -> usize {
    match len {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 5,
    }
}

/// Writes one TLV whose content is the concatenation of `parts` (X.690 §8.1, definite
/// length, minimal length octets).
pub(super) fn write_tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.push(tag);
    let n = length_octets(len);
    if n == 1 {
        out.push(len as u8);
    } else {
        out.push(0x80 | (n - 1) as u8);
        for i in (0..n - 1).rev() {
            out.push((len >> (8 * i)) as u8);
        }
    }
    for p in parts {
        out.extend_from_slice(p);
    }
}

pub(super) fn tlv_len(parts: &[&[u8]]) -> usize {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    1 + length_octets(len) + len
}

pub(super) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tlv_len(parts));
    write_tlv(&mut out, tag, parts);
    out
}

/// [`tlv`] for secret content: allocated once at its final size, wiped on drop.
pub(super) fn tlv_secret(tag: u8, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(tlv_len(parts)));
    write_tlv(&mut out, tag, parts);
    out
}

pub(super) fn oid(o: &ObjectIdentifier) -> Vec<u8> {
    tlv(OBJECT_IDENTIFIER, &[o.as_bytes()])
}

/// A non-negative INTEGER, minimal (X.690 §8.3).
pub(super) fn der_uint(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    tlv(INTEGER, &[&content])
}

/// A BMPString (UCS-2 big-endian); characters outside the BMP are refused.
pub(super) fn bmp_string(s: &str) -> Result<Vec<u8>, Error> {
    let mut content = Vec::with_capacity(2 * s.len());
    for c in s.chars() {
        let unit = u16::try_from(u32::from(c))
            .map_err(|_| Error::internal("friendly name has a character outside the BMP"))?;
        content.extend_from_slice(&unit.to_be_bytes());
    }
    Ok(tlv(BMP_STRING, &[&content]))
}

/// `Attribute ::= SEQUENCE { type OID, values SET OF ANY }` with one value.
pub(super) fn attribute(kind: &ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    tlv(SEQUENCE, &[&oid(kind), &tlv(SET, &[value])])
}

/// `SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF OPTIONAL }`
/// (§4.2); `attributes` is the whole SET.
pub(super) fn safe_bag(kind: &ObjectIdentifier, value: &[u8], attributes: &[u8]) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[&oid(kind), &tlv(CONTEXT_0, &[value]), attributes],
    )
}

/// `ContentInfo { data, [0] EXPLICIT OCTET STRING }` (RFC 2315 §7-8, primitive OCTET STRING).
pub(super) fn content_info_data(content: &[u8]) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[
            &oid(&OID_DATA),
            &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[content])]),
        ],
    )
}

/// `AlgorithmIdentifier { pbe OID, pkcs-12PbeParams { salt, iterations } }` (Appendix C).
pub(super) fn pbe_algorithm(kind: &ObjectIdentifier, salt: &[u8], iterations: u32) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[
            &oid(kind),
            &tlv(
                SEQUENCE,
                &[&tlv(OCTET_STRING, &[salt]), &der_uint(iterations.into())],
            ),
        ],
    )
}

/// The key bag's attribute SET in the service's order: localKeyID, friendlyName (if any),
/// Microsoft CSP name. The order is the service's, not DER's sorted SET OF (which it
/// happens to equal for these lengths).
pub(super) fn key_bag_attributes(
    kind: PfxKeyKind,
    friendly_name: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let mut attrs = vec![attribute(
        &OID_LOCAL_KEY_ID,
        &tlv(OCTET_STRING, &[&SERVICE_LOCAL_KEY_ID]),
    )];
    if let Some(name) = friendly_name {
        attrs.push(attribute(&OID_FRIENDLY_NAME, &bmp_string(name)?));
    }
    let csp = match kind {
        PfxKeyKind::Rsa => CSP_RSA,
        PfxKeyKind::Ec => CSP_EC,
    };
    attrs.push(attribute(&OID_MS_CSP_NAME, &bmp_string(csp)?));
    let refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    Ok(tlv(SET, &refs))
}

/// Inserts the service's PKCS#8 attributes `[0] { keyUsage: BIT STRING 00 10 | 00 80 }`
/// (RFC 5208 §5 `attributes`) after `privateKey`. A PKCS#8 that has attributes is kept.
pub(super) fn pkcs8_with_key_usage(
    pkcs8: &[u8],
    kind: PfxKeyKind,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bad = |_| Error::internal("the private key is not PKCS#8 DER");
    let outer = parse_exact(pkcs8, SEQUENCE, 0).map_err(bad)?;
    let mut seq = Seq::of(outer).map_err(bad)?;
    let version = seq.required_tlv(INTEGER, "version").map_err(bad)?;
    let algorithm = seq
        .required_tlv(SEQUENCE, "privateKeyAlgorithm")
        .map_err(bad)?;
    let private_key = seq.required_tlv(OCTET_STRING, "privateKey").map_err(bad)?;
    let rest = seq.rest;
    let algorithm_oid = Seq::of(algorithm)
        .and_then(|mut a| a.required(OBJECT_IDENTIFIER, "algorithm"))
        .map_err(bad)?;
    let matches = match kind {
        PfxKeyKind::Rsa => algorithm_oid == OID_RSA_ENCRYPTION.as_bytes(),
        PfxKeyKind::Ec => algorithm_oid == OID_EC_PUBLIC_KEY.as_bytes(),
    };
    if !matches {
        return Err(Error::internal(
            "the PKCS#8 algorithm does not match the key kind",
        ));
    }
    if rest.first() == Some(&CONTEXT_0) {
        return Ok(Zeroizing::new(pkcs8.to_vec()));
    }
    let usage: u8 = match kind {
        PfxKeyKind::Rsa => 0x10,
        PfxKeyKind::Ec => 0x80,
    };
    let attributes = tlv(
        CONTEXT_0,
        &[&attribute(
            &OID_KEY_USAGE,
            &tlv(BIT_STRING, &[&[0x00, usage]]),
        )],
    );
    Ok(tlv_secret(
        SEQUENCE,
        &[
            version.raw,
            algorithm.raw,
            private_key.raw,
            &attributes,
            rest,
        ],
    ))
}

/// pbeWithSHAAnd3-KeyTripleDES-CBC encryption with the zero-length password (Appendix C;
/// key and IV from the B.2 KDF with ID 1 and 2; PKCS#7 padding, RFC 8018 §6.1.1 step 4).
pub(super) fn pbe_3des_encrypt(
    salt: &[u8],
    iterations: u32,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let key = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_KEY, iterations, 24);
    let iv = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_IV, iterations, 8);
    let encryptor = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
        .map_err(|_| Error::internal("3DES key length"))?;
    Ok(encryptor.encrypt_padded_vec::<Pkcs7>(plaintext))
}

pub(super) fn hmac_tag<D: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key)
        .map_err(|_| Error::internal("HMAC key length"))?;
    Mac::update(&mut mac, data);
    Ok(mac.finalize().into_bytes().to_vec())
}

pub(super) fn is_single_sequence(der: &[u8]) -> bool {
    parse_exact(der, SEQUENCE, 0).is_ok()
}
