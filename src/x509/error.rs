//! What the X.509 layer fails with. It knows names, certificates, requests and time, not
//! HTTP: the service layer turns each variant into the Key Vault error the service answers
//! (`From<x509::Error> for kvcert::Error`).

use core::fmt;

/// Why a name, request or certificate was not read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A subject that is not a distinguished name the service accepts (RFC 4514 text, or an
    /// attribute value that does not encode).
    InvalidSubject {
        /// Why.
        detail: String,
    },
    /// A certificate that does not parse, or says what a certificate cannot (notAfter before
    /// notBefore, a time after 9999).
    InvalidCertificate {
        /// What was wrong.
        detail: String,
        /// The DER decoder's error, when it was the decoder that refused.
        source: Option<der::Error>,
    },
    /// A PKCS#10 request that does not parse, or whose signature does not verify.
    InvalidCertificateRequest {
        /// What was wrong.
        detail: String,
    },
    /// An instant outside what X.509 time (and kvcert's [`super::time::UnixTime`]) can
    /// write: before 1970 once backdated, or after 9999-12-31.
    TimeOutOfRange {
        /// Which instant (`now`, `notAfter`).
        what: &'static str,
        /// Which bound it crosses.
        bound: &'static str,
    },
    /// A certificate's validity that would end after 9999-12-31 (`validity_months` too long
    /// for `now`).
    ValidityTooLong {
        /// The months asked for.
        months: u32,
    },
    /// A CA key that is not its certificate's ([`super::ca::CertificateAuthority::new`]).
    KeyNotCertificates,
    /// The key layer failed while signing or writing the public key.
    Key(crate::key::Error),
    /// Encoding one of kvcert's own structures failed (never expected).
    Encoding(der::Error),
}

impl Error {
    /// Whether the failure is kvcert's own (a 500), not the input's.
    pub fn is_internal(&self) -> bool {
        match self {
            Error::Encoding(_) => true,
            Error::Key(e) => e.is_internal(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSubject { detail } => write!(f, "invalid subject: {detail}"),
            Error::InvalidCertificate { detail, .. } => write!(f, "invalid certificate: {detail}"),
            Error::InvalidCertificateRequest { detail } => {
                write!(f, "invalid certificate request: {detail}")
            }
            Error::TimeOutOfRange { what, bound } => write!(f, "{what} is {bound}"),
            Error::ValidityTooLong { months } => write!(
                f,
                "a validity of {months} months would end after 9999-12-31"
            ),
            Error::KeyNotCertificates => f.write_str("the key is not the CA certificate's"),
            Error::Key(e) => write!(f, "key: {e}"),
            Error::Encoding(e) => write!(f, "encoding: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidCertificate {
                source: Some(e), ..
            }
            | Error::Encoding(e) => Some(e),
            Error::Key(e) => Some(e),
            _ => None,
        }
    }
}

/// Signing and the public key: the key layer's failure, kept whole.
impl From<crate::key::Error> for Error {
    fn from(e: crate::key::Error) -> Self {
        Error::Key(e)
    }
}
