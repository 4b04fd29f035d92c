//! Base64 and PEM text, as the service writes them, and the one reader of PEM blocks.

use core::fmt;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use zeroize::Zeroizing;

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

/// One block of a PEM text (RFC 7468): its label and its contents.
pub(crate) struct Block<'a> {
    /// The label of the `-----BEGIN {label}-----` line.
    pub(crate) label: &'a str,
    /// The decoded contents, wiped when dropped: a block may hold a private key.
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Why a PEM block cannot be read. Each names the block's label, cut to [`SHOWN_LABEL`]
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockError {
    /// No `-----END {label}-----` line follows the BEGIN line.
    NoEnd(String),
    /// A line inside the block that is not base64: another boundary, or an RFC 1421 header
    /// (`Proc-Type: …`, which only encrypted legacy keys carry).
    UnexpectedLine(String),
    /// The block's body is not base64.
    NotBase64(String),
}

/// The most characters of a label an error repeats.
pub(crate) const SHOWN_LABEL: usize = 64;

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::NoEnd(label) => write!(f, "the {label} block has no END line"),
            BlockError::UnexpectedLine(label) => write!(f, "unexpected line in the {label} block"),
            BlockError::NotBase64(label) => write!(f, "the {label} block is not base64"),
        }
    }
}

/// The blocks of a PEM text, in order; the iterator ends after the first error.
///
/// Lenient as the service's readers are: boundary lines are matched after trimming, text
/// outside the blocks is ignored (RFC 7468 §2: "parsers SHOULD ignore" it; the .NET import
/// recording has text around its blocks), and white space inside a body is skipped. Each
/// body is buffered once, in a buffer sized to that block.
pub(crate) fn blocks(text: &str) -> Blocks<'_> {
    Blocks {
        rest: text,
        failed: false,
    }
}

/// The iterator of [`blocks`].
pub(crate) struct Blocks<'a> {
    rest: &'a str,
    failed: bool,
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<Block<'a>, BlockError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = self.next_block()?;
        self.failed = result.is_err();
        Some(result)
    }
}

impl<'a> Blocks<'a> {
    fn next_block(&mut self) -> Option<Result<Block<'a>, BlockError>> {
        let label = loop {
            let (line, rest) = split_line(self.rest)?;
            self.rest = rest;
            if let Some(label) = line
                .trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|l| l.strip_suffix("-----"))
            {
                break label;
            }
        };
        let shown = || label.chars().take(SHOWN_LABEL).collect::<String>();
        // First pass: where the body ends, and that every line in it can be base64.
        let body = self.rest;
        let mut body_len = 0;
        let mut scan = body;
        loop {
            let Some((line, rest)) = split_line(scan) else {
                return Some(Err(BlockError::NoEnd(shown())));
            };
            let trimmed = line.trim();
            if let Some(end) = trimmed.strip_prefix("-----END ") {
                if end.strip_suffix("-----") == Some(label) {
                    self.rest = rest;
                    break;
                }
                return Some(Err(BlockError::UnexpectedLine(shown())));
            }
            if trimmed.starts_with("-----") || trimmed.contains(':') {
                return Some(Err(BlockError::UnexpectedLine(shown())));
            }
            body_len += trimmed.len();
            scan = rest;
        }
        // Second pass: the base64 text without white space, in a buffer of its own size.
        let mut compact = Zeroizing::new(String::with_capacity(body_len));
        for line in body.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("-----END ") {
                break;
            }
            compact.extend(trimmed.chars().filter(|c| !c.is_ascii_whitespace()));
        }
        match Base64::decode_vec(&compact) {
            Ok(der) => Some(Ok(Block {
                label,
                der: Zeroizing::new(der),
            })),
            Err(_) => Some(Err(BlockError::NotBase64(shown()))),
        }
    }
}

/// The first line of `text` and what follows it; `None` when `text` is empty.
fn split_line(text: &str) -> Option<(&str, &str)> {
    if text.is_empty() {
        return None;
    }
    Some(match text.find('\n') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    })
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

    fn read(text: &str) -> Vec<Result<(String, Vec<u8>), BlockError>> {
        blocks(text)
            .map(|b| b.map(|b| (b.label.to_owned(), b.der.to_vec())))
            .collect()
    }

    #[test]
    fn blocks_are_read_in_order_with_text_around_them_ignored() {
        let text = "junk\r\n-----BEGIN CERTIFICATE-----\r\n AQ ID\r\n-----END CERTIFICATE-----\r\n\
                    between\n  -----BEGIN PRIVATE KEY-----\nBAU=\n-----END PRIVATE KEY-----";
        assert_eq!(
            read(text),
            [
                Ok(("CERTIFICATE".to_owned(), vec![1, 2, 3])),
                Ok(("PRIVATE KEY".to_owned(), vec![4, 5])),
            ]
        );
        assert!(read("no blocks here").is_empty());
    }

    #[test]
    fn a_broken_block_is_the_last_item() {
        let no_end = "-----BEGIN CERTIFICATE-----\nAQID\n";
        assert_eq!(read(no_end), [Err(BlockError::NoEnd("CERTIFICATE".into()))]);
        let header = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAQID\n-----END RSA PRIVATE KEY-----\n-----BEGIN X-----\nAQID\n-----END X-----";
        assert_eq!(
            read(header),
            [Err(BlockError::UnexpectedLine("RSA PRIVATE KEY".into()))]
        );
        let other_end = "-----BEGIN A-----\nAQID\n-----END B-----";
        assert_eq!(
            read(other_end),
            [Err(BlockError::UnexpectedLine("A".into()))]
        );
        let bad = "-----BEGIN A-----\n!!!!\n-----END A-----";
        assert_eq!(read(bad), [Err(BlockError::NotBase64("A".into()))]);
        let long = format!("-----BEGIN {}-----\n", "L".repeat(1000));
        assert_eq!(
            read(&long),
            [Err(BlockError::NoEnd("L".repeat(SHOWN_LABEL)))]
        );
    }
}
