//! Randomness for callers: kvcert's core takes its RNG from the caller and reads none itself.

/// The RNG behind [`Policy::issue_seeded`](crate::Policy::issue_seeded) (ChaCha20, `rand_core`
/// 0.10 `SeedableRng`), re-exported so that a test can seed one without adding `rand_chacha` and
/// matching its version.
pub use chacha20::ChaCha20Rng;

/// The operating system's randomness as a [`rand_core::CryptoRng`] (feature `os-rng`): a
/// convenience for callers, never used inside kvcert, whose core takes its randomness from the
/// caller. It panics if the operating system cannot supply randomness (as `getrandom` reports).
///
/// ```
/// # #[cfg(feature = "os-rng")] {
/// let key = kvcert::KeyPair::generate(kvcert::KeySpec::Ec(kvcert::Curve::P256), &mut kvcert::os_rng())?;
/// # }
/// # Ok::<(), kvcert::Error>(())
/// ```
#[cfg(feature = "os-rng")]
pub fn os_rng() -> OsRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// The type [`os_rng`] returns (feature `os-rng`).
#[cfg(feature = "os-rng")]
pub type OsRng = rand_core::UnwrapErr<getrandom::SysRng>;
