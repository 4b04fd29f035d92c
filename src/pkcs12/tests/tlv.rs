//! A minimal TLV writer, for tests only: builds the expected bytes independently of `der`,
//! and the hostile inputs (wrong tags, odd lengths) that `der` would refuse to write.

use super::*;

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
            .map_err(|_| Error::InvalidContents("friendly name has a character outside the BMP"))?;
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
