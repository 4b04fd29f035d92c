//! What key to make: the RSA sizes and curves the service issues.

use core::fmt;

use super::rsa::RsaSize;

/// A curve the service issues on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1.
    P256K,
}

impl Curve {
    /// The Key Vault spelling (`crv`).
    pub const fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::P256K => "P-256K",
        }
    }

    /// The curve's size in bits, as the service echoes it in `key_size` (256 for P-256K too).
    pub const fn bits(self) -> u32 {
        match self {
            Curve::P256 | Curve::P256K => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    /// The curve for a Key Vault `crv` spelling (exact, as the service's enum).
    pub fn from_name(name: &str) -> Option<Self> {
        [Curve::P256, Curve::P384, Curve::P521, Curve::P256K]
            .into_iter()
            .find(|c| c.name() == name)
    }
}

/// What key to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySpec {
    /// RSA with e = 65537.
    Rsa(RsaSize),
    /// ECDSA on a curve.
    Ec(Curve),
}

impl fmt::Display for KeySpec {
    /// `RSA 2048`, `EC P-256`: the key as a person names it.
    ///
    /// ```
    /// use kvcert::{Curve, KeySpec, RsaSize};
    /// assert_eq!(KeySpec::Rsa(RsaSize::Rsa4096).to_string(), "RSA 4096");
    /// assert_eq!(KeySpec::Ec(Curve::P256K).to_string(), "EC P-256K");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySpec::Rsa(size) => write!(f, "RSA {}", size.bits()),
            KeySpec::Ec(curve) => write!(f, "EC {}", curve.name()),
        }
    }
}

impl KeySpec {
    /// Key size as the policy echoes it.
    pub const fn bits(self) -> u32 {
        match self {
            KeySpec::Rsa(s) => s.bits(),
            KeySpec::Ec(c) => c.bits(),
        }
    }
}
