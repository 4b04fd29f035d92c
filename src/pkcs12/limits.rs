//! The bounds of the PFX reader: the caller's [`Pkcs12Limits`] and the fixed size bounds.

/// The largest PFX [`decode_pfx`](super::decode_pfx) reads (4 MiB).
pub const MAX_PFX_LEN: usize = 4 * 1024 * 1024;

/// What [`decode_pfx_with_limits`](super::decode_pfx_with_limits) accepts before it spends any work on a file: the iteration
/// counts the file declares, and how many keys and certificates it holds.
///
/// The defaults are .NET's `Pkcs12LoaderLimits.Defaults` (made for the same threat: a small
/// file that declares millions of iterations; dotnet/runtime, `Pkcs12LoaderLimits.cs`): 300,000
/// MAC iterations, 300,000 iterations for one key derivation, 1,000,000 for all key derivations
/// together (the MAC not counted), 200 keys, 200 certificates. Key Vault's own files use 2,000
/// everywhere; OpenSSL 3 writes 2,048 and PBKDF2 with 2,048.
///
/// ```
/// use kvcert::pkcs12::Pkcs12Limits;
/// let mut limits = Pkcs12Limits::default();
/// assert_eq!(limits.kdf_iterations, 300_000);
/// limits.kdf_iterations = 600_000; // a caller that trusts its inputs more
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Pkcs12Limits {
    /// The largest iteration count of the MAC's key derivation.
    pub mac_iterations: u32,
    /// The largest iteration count of one encryption key derivation (PKCS#12 PBE or PBKDF2).
    pub kdf_iterations: u32,
    /// The largest sum of the iteration counts of all encryption key derivations in a file.
    pub total_kdf_iterations: u64,
    /// The most private keys (key bags and shrouded key bags) a file may hold.
    pub max_keys: usize,
    /// The most certificates a file may hold (those in an encrypted safe are counted when it
    /// is decrypted: the service's own files encrypt their certificates).
    pub max_certificates: usize,
}

impl Pkcs12Limits {
    /// .NET's `Pkcs12LoaderLimits.Defaults`.
    pub const DEFAULT: Pkcs12Limits = Pkcs12Limits {
        mac_iterations: 300_000,
        kdf_iterations: 300_000,
        total_kdf_iterations: 1_000_000,
        max_keys: 200,
        max_certificates: 200,
    };
}

impl Default for Pkcs12Limits {
    fn default() -> Self {
        Pkcs12Limits::DEFAULT
    }
}

/// The most safe bags in one file (nested ones included).
pub const MAX_BAGS: usize = 512;
/// The most ContentInfos in the AuthenticatedSafe.
pub const MAX_CONTENT_INFOS: usize = 64;
/// The longest password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1024;
