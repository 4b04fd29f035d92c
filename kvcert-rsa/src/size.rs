//! The RSA modulus sizes there are kernels for.

/// An RSA modulus size this crate generates and signs with: 2048, 3072 or 4096 bits (the sizes
/// Azure Key Vault issues), each with fixed-width kernels for its primes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RsaSize {
    /// 2048 bits.
    Rsa2048,
    /// 3072 bits.
    Rsa3072,
    /// 4096 bits.
    Rsa4096,
}

impl RsaSize {
    /// The modulus size in bits.
    pub const fn bits(self) -> u32 {
        match self {
            RsaSize::Rsa2048 => 2048,
            RsaSize::Rsa3072 => 3072,
            RsaSize::Rsa4096 => 4096,
        }
    }

    /// The size for a bit count, if it is one of the three.
    pub const fn from_bits(bits: i64) -> Option<Self> {
        match bits {
            2048 => Some(RsaSize::Rsa2048),
            3072 => Some(RsaSize::Rsa3072),
            4096 => Some(RsaSize::Rsa4096),
            _ => None,
        }
    }
}
