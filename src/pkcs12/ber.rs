//! BER reading of untrusted input: bounded depth and lengths, indefinite lengths, segments.

use super::error::Error;
use std::borrow::Cow;

use const_oid::ObjectIdentifier;

// The tags the reader meets (X.690 §8.1.2: class, constructed bit, number).
pub(super) const INTEGER: u8 = 0x02;
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

/// Nesting depth bound for the BER reader.
pub(super) const MAX_DEPTH: usize = 48;
/// Nesting bound for safeContentsBag.
pub(super) const MAX_BAG_NESTING: usize = 4;
/// The longest salt accepted.
pub(super) const MAX_SALT_LEN: usize = 1024;

/// One TLV: its tag byte, its content and its whole encoding.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub(super) tag: u8,
    pub(super) content: &'a [u8],
    pub(super) raw: &'a [u8],
    pub(super) depth: usize,
}

pub(super) fn malformed(what: &'static str) -> Error {
    Error::Malformed(what)
}

/// Parses one TLV from the front of `input` (X.690 §8.1; BER: indefinite lengths for
/// constructed encodings, non-minimal length octets). Returns it and the rest.
pub(super) fn parse_tlv(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), Error> {
    if depth > MAX_DEPTH {
        return Err(malformed("nesting too deep"));
    }
    let truncated = || malformed("truncated");
    let (&tag, mut rest) = input.split_first().ok_or_else(truncated)?;
    if tag & 0x1f == 0x1f {
        // High tag number form (§8.1.2.4): skip the subsequent octets. PKCS#12 uses none;
        // such a tag never equals an expected one.
        let mut n = 0;
        loop {
            let (&b, r) = rest.split_first().ok_or_else(truncated)?;
            rest = r;
            n += 1;
            if b & 0x80 == 0 {
                break;
            }
            if n >= 4 {
                return Err(malformed("tag number too large"));
            }
        }
    }
    let (&first, r) = rest.split_first().ok_or_else(truncated)?;
    rest = r;
    let header_len = input.len() - rest.len();
    if first == 0x80 {
        // Indefinite length (§8.1.3.6): constructed only, ends with end-of-contents 00 00.
        if tag & CONSTRUCTED == 0 {
            return Err(malformed("indefinite length on a primitive encoding"));
        }
        let mut cursor = rest;
        loop {
            if cursor.starts_with(&[0, 0]) {
                let content_len = rest.len() - cursor.len();
                let content = rest.get(..content_len).ok_or_else(truncated)?;
                let after = cursor.get(2..).ok_or_else(truncated)?;
                let raw_len = header_len + content_len + 2;
                let raw = input.get(..raw_len).ok_or_else(truncated)?;
                return Ok((
                    Tlv {
                        tag,
                        content,
                        raw,
                        depth,
                    },
                    after,
                ));
            }
            let (_, next) = parse_tlv(cursor, depth + 1)?;
            cursor = next;
        }
    }
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(malformed("length too large"));
        }
        let bytes = rest.get(..n).ok_or_else(truncated)?;
        rest = rest.get(n..).ok_or_else(truncated)?;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let header_len = input.len() - rest.len();
    let content = rest.get(..len).ok_or_else(truncated)?;
    let after = rest.get(len..).ok_or_else(truncated)?;
    let raw = input.get(..header_len + len).ok_or_else(truncated)?;
    Ok((
        Tlv {
            tag,
            content,
            raw,
            depth,
        },
        after,
    ))
}

/// Parses `input` as exactly one TLV with tag `tag`.
pub(super) fn parse_exact(input: &[u8], tag: u8, depth: usize) -> Result<Tlv<'_>, Error> {
    let t = parse_exact_any(input, depth)?;
    if t.tag != tag {
        return Err(malformed("unexpected tag"));
    }
    Ok(t)
}

/// Parses `input` as exactly one TLV of any tag.
pub(super) fn parse_exact_any(input: &[u8], depth: usize) -> Result<Tlv<'_>, Error> {
    let (t, rest) = parse_tlv(input, depth)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data"));
    }
    Ok(t)
}

/// The elements of a constructed TLV, read front to back.
pub(super) struct Seq<'a> {
    pub(super) rest: &'a [u8],
    pub(super) depth: usize,
}

impl<'a> Seq<'a> {
    pub(super) fn of(t: Tlv<'a>) -> Result<Self, Error> {
        if t.tag & CONSTRUCTED == 0 {
            return Err(malformed("expected a constructed encoding"));
        }
        Ok(Seq {
            rest: t.content,
            depth: t.depth + 1,
        })
    }

    #[allow(clippy::should_implement_trait)]
    pub(super) fn next(&mut self) -> Result<Option<Tlv<'a>>, Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (t, rest) = parse_tlv(self.rest, self.depth)?;
        self.rest = rest;
        Ok(Some(t))
    }

    pub(super) fn required_tlv(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, Error> {
        match self.next()? {
            Some(t) if t.tag == tag => Ok(t),
            _ => Err(malformed(what)),
        }
    }

    /// The content of the next element, which must have tag `tag`.
    pub(super) fn required(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], Error> {
        self.required_tlv(tag, what).map(|t| t.content)
    }

    pub(super) fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.rest.first() == Some(&tag) {
            self.next()
        } else {
            Ok(None)
        }
    }
}

/// The value of an OCTET STRING (or an IMPLICIT one such as `[0]`): the content of a
/// primitive encoding, or the concatenated segments of a constructed one (X.690 §8.7.3).
pub(super) fn octets(t: Tlv<'_>) -> Result<Cow<'_, [u8]>, Error> {
    if t.tag & CONSTRUCTED == 0 {
        return Ok(Cow::Borrowed(t.content));
    }
    let mut out = Vec::new();
    collect_segments(t, &mut out)?;
    Ok(Cow::Owned(out))
}

pub(super) fn collect_segments(t: Tlv<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let mut seq = Seq::of(t)?;
    while let Some(segment) = seq.next()? {
        match segment.tag {
            OCTET_STRING => out.extend_from_slice(segment.content),
            OCTET_STRING_CONSTRUCTED => collect_segments(segment, out)?,
            _ => return Err(malformed("constructed OCTET STRING segment")),
        }
    }
    Ok(())
}

/// A non-negative INTEGER's value (X.690 §8.3), at most 64 bits.
pub(super) fn der_to_u64(content: &[u8]) -> Result<u64, Error> {
    match content.first() {
        None => return Err(malformed("empty INTEGER")),
        Some(b) if b & 0x80 != 0 => return Err(malformed("negative INTEGER")),
        _ => {}
    }
    let significant: &[u8] = {
        let skip = content.iter().take_while(|&&b| b == 0).count();
        content.get(skip..).unwrap_or_default()
    };
    if significant.len() > 8 {
        return Err(Error::LimitExceeded("INTEGER too large"));
    }
    Ok(significant
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

pub(super) fn unsupported_oid(what: &str, oid_content: &[u8]) -> Error {
    let dotted = ObjectIdentifier::from_bytes(oid_content)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "an invalid OID".to_owned());
    Error::Unsupported(format!("{what} {dotted}"))
}

/// Whether `der` is exactly one SEQUENCE (a certificate, a PKCS#8 key, a SafeContents).
pub(super) fn is_single_sequence(der: &[u8]) -> bool {
    parse_exact(der, SEQUENCE, 0).is_ok()
}

pub(super) fn iteration_count(content: &[u8]) -> Result<u32, Error> {
    let n = der_to_u64(content)?;
    if n == 0 {
        return Err(malformed("iteration count 0"));
    }
    // Over u32 is over every limit (`Pkcs12Limits` holds u32 counts).
    u32::try_from(n).map_err(|_| Error::LimitExceeded("iteration count over the limit"))
}

pub(super) fn salt_value(content: &[u8]) -> Result<&[u8], Error> {
    if content.len() > MAX_SALT_LEN {
        return Err(Error::LimitExceeded("salt length"));
    }
    Ok(content)
}

/// Parses `AlgorithmIdentifier` into its OID content and its parameters (if any).
pub(super) fn algorithm_identifier(t: Tlv<'_>) -> Result<(&[u8], Option<Tlv<'_>>), Error> {
    let mut seq = Seq::of(t)?;
    let oid = seq.required(OBJECT_IDENTIFIER, "AlgorithmIdentifier")?;
    let params = seq.next()?;
    Ok((oid, params))
}
