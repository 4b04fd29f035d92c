//! What can go wrong in key generation and signing.

use core::fmt;

/// A key that was not made or a signature that was not released.
///
/// Every variant is either the caller's key being of a shape this crate does not handle, or a
/// failure that should not happen with a working RNG and CPU; none carries secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// [`crate::sign_pkcs1v15_sha256`] does not handle this key: not 2048, 3072 or 4096 bits,
    /// not two primes of exactly half the modulus's length each, or a public exponent above
    /// 2⁶⁴. Nothing was drawn from the RNG; the caller signs it another way (the `rsa` crate).
    UnsupportedKey,
    /// Key generation found nothing usable four times in a row (a prime search that used up
    /// its budget, FIPS 186-5 A.1.3 steps 4.7 and 5.9, or a d too small): with a random RNG the
    /// chance of this is below 2⁻⁸⁰, so the RNG does not look random.
    GenerationFailed,
    /// The thread searching q panicked (feature `parallel`).
    SearchThreadPanicked,
    /// The `rsa` crate refused the key built from the two primes found.
    KeyAssembly(rsa::Error),
    /// The signature did not verify with the key's public half (a fault in one CRT half, which
    /// would leak a factor of n), so it was not released.
    SignatureFaulty,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnsupportedKey => f.write_str(
                "the RSA key is not one of 2048, 3072 or 4096 bits with two primes of half its length",
            ),
            Error::GenerationFailed => f.write_str(
                "RSA key generation failed four times in a row: the RNG does not look random",
            ),
            Error::SearchThreadPanicked => f.write_str("the prime search thread panicked"),
            Error::KeyAssembly(e) => fmt::Display::fmt(e, f),
            Error::SignatureFaulty => {
                f.write_str("RSA signature failed its verification; not released")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::KeyAssembly(e) => Some(e),
            _ => None,
        }
    }
}
