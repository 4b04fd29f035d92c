//! Why a PFX could not be read.

use core::fmt;

use super::limits::MAX_PFX_LEN;

/// Why a PFX could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs12Error {
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
}

impl fmt::Display for Pkcs12Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkcs12Error::TooLarge { len } => {
                write!(
                    f,
                    "PKCS#12 input of {len} bytes exceeds {MAX_PFX_LEN} bytes"
                )
            }
            Pkcs12Error::Malformed(what) => write!(f, "malformed PKCS#12: {what}"),
            Pkcs12Error::UnsupportedVersion(v) => write!(f, "unsupported PFX version {v}"),
            Pkcs12Error::Unsupported(what) => write!(f, "unsupported PKCS#12 feature: {what}"),
            Pkcs12Error::WrongPassword => {
                f.write_str("PKCS#12 MAC verification or decryption failed: wrong password")
            }
            Pkcs12Error::LimitExceeded(what) => write!(f, "PKCS#12 limit exceeded: {what}"),
            Pkcs12Error::MultipleKeys => {
                f.write_str("PKCS#12 file holds more than one private key")
            }
        }
    }
}

impl std::error::Error for Pkcs12Error {}
