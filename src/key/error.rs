//! What the key layer fails with. It knows keys, DER and algorithms, not HTTP: the service
//! layer turns each variant into the Key Vault error the service answers
//! (`From<key::Error> for kvcert::Error`).

use core::fmt;

use const_oid::ObjectIdentifier;

use super::spec::{Curve, KeySpec};

/// Why a key was not read, made or used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A private key that is not a well-formed PKCS#8 key (or a PEM text without one).
    InvalidPrivateKey {
        /// What was wrong.
        detail: String,
        /// The DER decoder's error, when it was the DER decoder that refused.
        source: Option<der::Error>,
    },
    /// A well-formed key of a size kvcert does not hold (RSA other than 2048/3072/4096).
    UnsupportedKeySize {
        /// The key's size in bits.
        bits: u64,
        /// The supported sizes as a list, e.g. `[2048, 3072, 4096]`.
        supported: &'static str,
    },
    /// A key that is neither RSA nor EC on P-256, P-384, P-521 or P-256K (named).
    UnsupportedKeyType {
        /// The key's algorithm.
        algorithm: ObjectIdentifier,
        /// For an EC key, its named curve, or `None` when the parameters name none.
        curve: Option<ObjectIdentifier>,
    },
    /// An EC private scalar that is zero or not below the curve's order.
    InvalidEcScalar {
        /// The curve the scalar was for.
        curve: Curve,
    },
    /// A `SubjectPublicKeyInfo` that does not decode ([`super::PublicKey::from_spki_der`]).
    InvalidPublicKey {
        /// What was wrong.
        problem: &'static str,
    },
    /// A digest for sign or verify that is not its algorithm's length.
    InvalidDigestLength {
        /// The algorithm (`RS256`, …).
        algorithm: &'static str,
        /// The digest's length in bytes.
        length: usize,
        /// The algorithm's digest length.
        expected: usize,
    },
    /// An algorithm that is not this key's (`ES256` on an RSA key, `ES384` on a P-256 key).
    AlgorithmNotForKey {
        /// The algorithm as named.
        algorithm: &'static str,
        /// The key.
        key: KeySpec,
    },
    /// A plaintext for encrypt or wrap that the padding cannot take (too long).
    InvalidOperationInput {
        /// What was wrong.
        detail: String,
    },
    /// A ciphertext for decrypt or unwrap that this key does not decrypt: not the modulus'
    /// length, or its padding does not check.
    Undecryptable {
        /// What was wrong (the caller's side only; which padding check failed is not said).
        detail: &'static str,
    },
    /// The RSA arithmetic (`kvcert-rsa`) failed: an RNG that does not look random, or a
    /// signature caught by its verification before release. Never the caller's input.
    Rsa(kvcert_rsa::Error),
    /// A cryptographic library refused work kvcert gave it (never expected).
    Crypto {
        /// What was being done.
        operation: &'static str,
        /// The library's words.
        detail: String,
    },
    /// Encoding one of kvcert's own structures failed (never expected).
    Encoding(der::Error),
}

impl Error {
    /// Whether the failure is kvcert's own (a 500), not the input's.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Rsa(_) | Error::Crypto { .. } | Error::Encoding(_)
        )
    }

    pub(crate) fn crypto(operation: &'static str, e: impl fmt::Display) -> Self {
        Error::Crypto {
            operation,
            detail: e.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidPrivateKey { detail, .. } => write!(f, "invalid private key: {detail}"),
            Error::UnsupportedKeySize { bits, supported } => {
                write!(f, "unsupported key size {bits}; supported are {supported}")
            }
            Error::UnsupportedKeyType {
                algorithm,
                curve: Some(curve),
            } => write!(f, "unsupported key type {algorithm} on curve {curve}"),
            Error::UnsupportedKeyType { algorithm, .. } => {
                write!(f, "unsupported key type {algorithm}")
            }
            Error::InvalidEcScalar { curve } => {
                write!(f, "the {} private scalar is out of range", curve.name())
            }
            Error::InvalidPublicKey { problem } => write!(f, "invalid public key: {problem}"),
            Error::InvalidDigestLength {
                algorithm,
                length,
                expected,
            } => write!(
                f,
                "a {length}-byte digest for {algorithm}, which takes {expected} bytes"
            ),
            Error::AlgorithmNotForKey { algorithm, key } => {
                write!(f, "{algorithm} is not an algorithm for a {key} key")
            }
            Error::InvalidOperationInput { detail } => f.write_str(detail),
            Error::Undecryptable { detail } => write!(f, "not decryptable: {detail}"),
            Error::Rsa(e) => write!(f, "RSA: {e}"),
            Error::Crypto { operation, detail } => write!(f, "{operation}: {detail}"),
            Error::Encoding(e) => write!(f, "encoding: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidPrivateKey {
                source: Some(e), ..
            }
            | Error::Encoding(e) => Some(e),
            Error::Rsa(e) => Some(e),
            _ => None,
        }
    }
}
