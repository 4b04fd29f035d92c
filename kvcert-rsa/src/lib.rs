//! # kvcert-rsa
//!
//! kvcert's RSA arithmetic: key generation per FIPS 186-5 A.1.3 and RSASSA-PKCS1-v1_5 signing
//! with SHA-256, for moduli of 2048, 3072 and 4096 bits, on fixed-width Montgomery arithmetic
//! that is constant-time in every secret (checked under Valgrind, see the README). Keys are the
//! `rsa` crate's [`rsa::PrivateKey`], so everything else (encodings, verification, other key
//! shapes) stays with that crate.
//!
//! ```
//! use kvcert_rsa::{RsaSize, generate, sign_pkcs1v15_sha256};
//! use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! use rsa::Pkcs1v15Sign;
//! use sha2::{Digest, Sha256};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(1);
//! // The same seed gives the same key, on every CPU, with or without the `parallel` feature.
//! let (key, stats) = generate(RsaSize::Rsa2048, &mut rng)?;
//! assert!(stats.candidates >= stats.exponentiated);
//!
//! let digest: [u8; 32] = Sha256::digest(b"a message").into();
//! let signature = sign_pkcs1v15_sha256(&key, &digest, &mut rng)?;
//! // PKCS#1 v1.5 is deterministic: the rsa crate's signature is the same bytes.
//! let theirs = key.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
//! assert_eq!(signature, theirs);
//! # Ok::<(), kvcert_rsa::Error>(())
//! ```
//!
//! ## What is where
//!
//! ```text
//! keygen     generate: two primes, then the key (e = 65537, FIPS 186-5 A.1.1 criteria)
//! prime      the A.1.3 prime search: fresh candidates, trial division, base-2 Fermat test,
//!            Miller–Rabin (B.3.1); SearchStats
//! lanes      the base-2 Fermat test on four candidates at once (AVX2)
//! monty      fixed-width Montgomery arithmetic and exponentiation; monty/adx: mulx/adcx/adox
//!            assembly for the 1024- and 2048-bit CRT halves
//! safegcd    constant-time inversion (the signing's blinding factors)
//! sign       CRT signing, blinded, verified before release
//! ct_check   the constant-time check's secret-taint hooks (`--cfg kvcert_ct_check`)
//! ```
//!
//! ## Per CPU
//!
//! x86-64 with BMI2 and ADX: `mulx`/`adcx`/`adox` assembly for the 1024- and 2048-bit CRT
//! halves (RSA-2048/4096); other x86-64 with BMI2: the Rust kernels compiled for BMI2; AVX2:
//! the four-lane first test; elsewhere the portable Rust kernels. The same results on every
//! path. There is no AVX-512 path: Valgrind cannot run AVX-512, so the constant-time check could
//! not cover it.
//!
//! ## Test and bench doors
//!
//! Two `cfg`s, set with `RUSTFLAGS`, not features (so that `--all-features` never turns them
//! on): `--cfg kvcert_ct_check` makes the `ct_check` hooks real for the constant-time check
//! (`tests/constant_time.rs`), and `--cfg kvcert_bench_internals` opens the kernel to the
//! `monty/*` benches and `examples/kernel`. The one feature, `parallel`, searches p and q on two
//! threads (the same key).

// `deny`, not `forbid`: the crate's `unsafe` is the CPU-feature dispatches (a runtime check,
// then the call into `#[target_feature]` code: AVX2 in `lanes::fermat2`, BMI2 and AVX2 in
// `monty::Modulus::pow`), the `mulx`/`adcx`/`adox` kernels' `asm!` in `monty::adx`, and, with
// `--cfg kvcert_ct_check` only, Valgrind's client request in `ct_check`; allowed there, each
// with its SAFETY comment, and nowhere else.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// With `--cfg kvcert_ct_check`, public: what `tests/constant_time.rs` needs from Valgrind.
#[cfg(kvcert_ct_check)]
pub mod ct_check;
#[cfg(not(kvcert_ct_check))]
mod ct_check;
mod error;
mod keygen;
mod lanes;
mod monty;
mod prime;
mod safegcd;
mod sign;
mod size;

/// Kernel entry points for the `monty/*` benches and `examples/kernel` only (`--cfg
/// kvcert_bench_internals`): not API.
#[cfg(kvcert_bench_internals)]
#[doc(hidden)]
pub mod bench_internals;

pub use error::Error;
pub use keygen::generate;
pub use prime::SearchStats;
/// The `rsa` crate whose [`rsa::PrivateKey`] [`generate`] returns and
/// [`sign_pkcs1v15_sha256`] reads.
pub use rsa;
pub use sign::sign_pkcs1v15_sha256;
pub use size::RsaSize;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
