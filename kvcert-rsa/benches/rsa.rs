//! Criterion benches of the RSA arithmetic: key generation, signing (against the `rsa` crate's
//! signer on the same key) and, behind the bench door, the kernels under them.
//!
//! ```text
//! cargo bench -p kvcert-rsa --bench rsa -- keygen/
//! cargo bench -p kvcert-rsa --bench rsa -- sign/
//! RUSTFLAGS="--cfg kvcert_bench_internals" CARGO_TARGET_DIR=target/bench-internals \
//!     cargo bench -p kvcert-rsa --bench rsa -- monty/
//! ```
//!
//! Key generation is a prime search: its time per key varies widely, so only medians over many
//! keys mean anything.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use kvcert_rsa::RsaSize;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn keygen(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen");
    // A prime search: flat sampling (the same few iterations per sample) keeps the run short
    // and makes each sample a handful of independent keys.
    g.sampling_mode(SamplingMode::Flat);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    g.sample_size(100).measurement_time(Duration::from_secs(20));
    g.bench_function("rsa2048", |b| {
        b.iter(|| black_box(kvcert_rsa::generate(RsaSize::Rsa2048, &mut rng)))
    });
    g.sample_size(30).measurement_time(Duration::from_secs(60));
    g.bench_function("rsa4096", |b| {
        b.iter(|| black_box(kvcert_rsa::generate(RsaSize::Rsa4096, &mut rng)))
    });
    g.finish();
}

/// PKCS#1 v1.5 with SHA-256: the CRT signer against the `rsa` crate's on the same key.
fn sign(c: &mut Criterion) {
    use sha2::Digest;
    let mut g = c.benchmark_group("sign");
    g.sample_size(100).measurement_time(Duration::from_secs(5));
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let digest: [u8; 32] = sha2::Sha256::digest(b"a TBSCertificate of a few hundred bytes").into();
    for (id, size) in [("rsa2048", RsaSize::Rsa2048), ("rsa4096", RsaSize::Rsa4096)] {
        let (key, _) = kvcert_rsa::generate(size, &mut rng).expect("key");
        g.bench_function(id, |b| {
            b.iter(|| black_box(kvcert_rsa::sign_pkcs1v15_sha256(&key, &digest, &mut rng)))
        });
        g.bench_function(format!("{id}-rsa-crate"), |b| {
            b.iter(|| {
                black_box(key.sign_with_rng(
                    &mut rng,
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &digest,
                ))
            })
        });
    }
    g.finish();
}

/// The kernels under key generation (`--cfg kvcert_bench_internals`): one scalar Montgomery
/// square, one scalar base-2 exponentiation (the first test without AVX2) and the four-lane
/// base-2 test (per four candidates), for 1024- and 2048-bit primes.
#[cfg(kvcert_bench_internals)]
fn monty(c: &mut Criterion) {
    use kvcert_rsa::bench_internals::{Fermat4, Kernel};
    fn sizes<const N: usize>(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    ) {
        let bits = 64 * N;
        let k = Kernel::<N>::new(7).expect("odd modulus with its top bits set");
        g.bench_function(format!("sqr{bits}"), |b| {
            b.iter(|| black_box(k.sqr_chain(1)))
        });
        g.bench_function(format!("pow2_{bits}"), |b| b.iter(|| black_box(k.pow2())));
        let f = Fermat4::<N>::new(7);
        g.bench_function(format!("fermat2_x4_{bits}"), |b| {
            b.iter(|| black_box(f.run()))
        });
    }
    let mut g = c.benchmark_group("monty");
    g.sample_size(50).measurement_time(Duration::from_secs(5));
    sizes::<16>(&mut g);
    sizes::<32>(&mut g);
    g.finish();
}

#[cfg(kvcert_bench_internals)]
criterion_group!(benches, keygen, sign, monty);
#[cfg(not(kvcert_bench_internals))]
criterion_group!(benches, keygen, sign);
criterion_main!(benches);
