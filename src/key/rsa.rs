//! The one place kvcert reaches its RSA arithmetic, the `kvcert-rsa` crate: key generation and
//! PKCS#1 v1.5 SHA-256 signing, in the spirit of rustls's `CryptoProvider`. The rest of kvcert
//! sees only these two functions, kvcert's [`Error`] and the `rsa` crate's key type, so another
//! provider (or none but the `rsa` crate) would change this file alone. `kvcert-rsa`'s errors
//! become kvcert's here, and nowhere else.
//!
//! Everything `unsafe` (CPU-feature dispatch, the assembly kernels, Valgrind's client request)
//! is in `kvcert-rsa`; kvcert itself forbids it.

use rand_core::CryptoRng;

use super::Error;

/// The modulus sizes kvcert issues are the ones `kvcert-rsa` has kernels for.
pub use kvcert_rsa::RsaSize;

/// A fresh RSA key of `size` from `rng` (FIPS 186-5 A.1.3 primes, e = 65537): the same RNG
/// stream gives the same key, with or without the `parallel` feature, on every CPU.
pub(crate) fn generate(size: RsaSize, rng: &mut dyn CryptoRng) -> Result<::rsa::PrivateKey, Error> {
    let (key, _stats) = kvcert_rsa::generate(size, rng).map_err(to_kvcert)?;
    Ok(key)
}

/// RSASSA-PKCS1-v1_5 with SHA-256 of `digest`: deterministic; `rng` only blinds the
/// private-key operation. Keys of 2048/3072/4096 bits with two equal-length primes (every key
/// kvcert generates) are signed with CRT on `kvcert-rsa`'s constant-time arithmetic, blinded and
/// verified before release; other RSA keys (imported ones of another shape) by the `rsa` crate.
pub(crate) fn sign_sha256(
    key: &::rsa::PrivateKey,
    digest: &[u8; 32],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>, Error> {
    match kvcert_rsa::sign_pkcs1v15_sha256(key, digest, rng) {
        // Refused before drawing from `rng`, so the rsa crate sees the same stream as before.
        Err(kvcert_rsa::Error::UnsupportedKey) => key
            .sign_with_rng(rng, ::rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest)
            .map_err(|e| Error::crypto("RSA signing", e)),
        signed => signed.map_err(to_kvcert),
    }
}

/// `kvcert-rsa`'s failures are none of the caller's doing (an RNG that is not random, a fault
/// caught by the verification before release): the service's 500, with the same words.
fn to_kvcert(e: kvcert_rsa::Error) -> Error {
    Error::Rsa(e)
}
