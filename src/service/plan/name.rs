//! The certificate name, the URI's first check.

use super::MAX_NAME_LEN;
use crate::service::error::Error;

/// A certificate name: 1–127 characters of `0-9`, `a-z`, `A-Z`, `-`.
///
/// ```
/// use kvcert::service::plan::CertificateName;
/// assert!(CertificateName::try_from("selfSignedCert01").is_ok());
/// let err = CertificateName::try_from("create_invalid_certificate").unwrap_err();
/// assert_eq!(err.message(), "The request URI contains an invalid name: create_invalid_certificate");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateName(String);

impl TryFrom<&str> for CertificateName {
    type Error = Error;
    fn try_from(name: &str) -> Result<Self, Error> {
        // Swagger pattern `^[0-9a-zA-Z-]+$` on create/import; 127 from the Key Vault docs.
        let ok = !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(CertificateName(name.to_owned()))
        } else {
            // Echo at most a bounded prefix of a hostile name.
            let shown: String = name.chars().take(4 * MAX_NAME_LEN).collect();
            Err(Error::InvalidName { name: shown })
        }
    }
}

impl CertificateName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
