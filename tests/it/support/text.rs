//! Base64 and PEM for the suites, from the crates kvcert writes them with (`base64ct`,
//! `pem-rfc7468`): kvcert's own helpers are internal.

use base64ct::{Base64, Base64UrlUnpadded, Encoding};

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Standard base64, decoded.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    Base64::decode_vec(text).ok()
}

/// base64url without padding, decoded.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// One RFC 7468 block with LF line endings.
pub fn pem(label: &str, der: &[u8]) -> String {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).expect("PEM")
}
