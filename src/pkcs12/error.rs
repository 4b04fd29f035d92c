//! What the PKCS#12 layer fails with: why a PFX could not be read, or written. It knows
//! PKCS#12, not HTTP: the service layer turns each variant into the Key Vault error.

use core::fmt;

use super::limits::MAX_PFX_LEN;

/// Why a PFX could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than [`MAX_PFX_LEN`].
    TooLarge {
        /// The input's length.
        len: usize,
    },
    /// Not DER/BER, or not the PKCS#12 structure.
    Malformed(&'static str),
    /// A PFX version other than 3.
    UnsupportedVersion(u64),
    /// An algorithm or structure the decoder does not implement.
    Unsupported(String),
    /// The MAC does not verify, or no encrypted part decrypts, with any form of the password.
    WrongPassword,
    /// A bound on the work or the structure was exceeded.
    LimitExceeded(&'static str),
    /// More than one private key.
    MultipleKeys,
    /// Contents that no PFX can carry ([`super::encode_service_pfx`]): no certificate, a
    /// certificate that is not one DER SEQUENCE, a friendly name outside the BMP.
    InvalidContents(&'static str),
    /// The key layer refused the key to be written (not PKCS#8, or not of the key kind).
    Key(crate::key::Error),
    /// Encoding or encrypting one of kvcert's own structures failed (never expected).
    Encoding(der::Error),
    /// A cipher or MAC refused its key length (never expected).
    Crypto(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooLarge { len } => {
                write!(
                    f,
                    "PKCS#12 input of {len} bytes exceeds {MAX_PFX_LEN} bytes"
                )
            }
            Error::Malformed(what) => write!(f, "malformed PKCS#12: {what}"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported PFX version {v}"),
            Error::Unsupported(what) => write!(f, "unsupported PKCS#12 feature: {what}"),
            Error::WrongPassword => {
                f.write_str("PKCS#12 MAC verification or decryption failed: wrong password")
            }
            Error::LimitExceeded(what) => write!(f, "PKCS#12 limit exceeded: {what}"),
            Error::MultipleKeys => f.write_str("PKCS#12 file holds more than one private key"),
            Error::InvalidContents(what) => write!(f, "PFX contents: {what}"),
            Error::Key(e) => write!(f, "PFX key: {e}"),
            Error::Encoding(e) => write!(f, "PFX encoding: {e}"),
            Error::Crypto(what) => write!(f, "PFX cipher: {what}"),
        }
    }
}

impl Error {
    /// Whether the failure is kvcert's own (a 500), not the input's.
    pub fn is_internal(&self) -> bool {
        match self {
            Error::Encoding(_) | Error::Crypto(_) => true,
            Error::Key(e) => e.is_internal(),
            _ => false,
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Key(e) => Some(e),
            Error::Encoding(e) => Some(e),
            _ => None,
        }
    }
}

/// The key to be written: the key layer's refusal, kept whole.
impl From<crate::key::Error> for Error {
    fn from(e: crate::key::Error) -> Self {
        Error::Key(e)
    }
}
