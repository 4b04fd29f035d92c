//! The RSA modulus sizes the service issues.

/// An RSA modulus size the service issues: 2048, 3072 or 4096 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RsaSize {
    /// 2048 bits (the service's default).
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

    /// The size for a bit count, if the service issues it.
    pub const fn from_bits(bits: i64) -> Option<Self> {
        match bits {
            2048 => Some(RsaSize::Rsa2048),
            3072 => Some(RsaSize::Rsa3072),
            4096 => Some(RsaSize::Rsa4096),
            _ => None,
        }
    }
}
