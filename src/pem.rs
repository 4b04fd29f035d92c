//! Base64 and PEM text, as the service writes them.

use base64ct::{Base64, Base64UrlUnpadded, Encoding};

/// Standard base64 with padding (the wire's `format: byte`: `csr`, `cer`).
pub fn base64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// base64url without padding (`x5t`).
pub fn base64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// base64url without padding, decoded (kvcert's list skip tokens).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Standard base64 decoding (for callers reading the wire's `format: byte`).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    Base64::decode_vec(text).ok()
}

/// An RFC 7468 block: 64-column base64 and LF line endings, with a final newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    // Labels are the crate's own constants and every input has a length, so encoding cannot
    // fail; fall back to an empty string rather than panic.
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(base64(b"\xfb\xff"), "+/8=");
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64_decode("+/8=").unwrap(), b"\xfb\xff");
        let pem = encode("CERTIFICATE", &[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[3], "-----END CERTIFICATE-----");
        assert!(pem.ends_with("-----\n"));
    }
}
