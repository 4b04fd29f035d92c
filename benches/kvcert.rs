//! Criterion benches: key generation (the hot path), signing and whole issuance.
//!
//! `cargo bench --bench kvcert`; one group with `cargo bench --bench kvcert -- keygen/rsa2048`.
//! RSA key generation is a prime search: its time per key varies widely, so only medians over
//! many keys mean anything. The RSA arithmetic's own benches, with its kernels (`monty/*`), are
//! in `kvcert-rsa/benches/rsa.rs`.

use base64ct::Encoding as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use kvcert::service::plan::IssuancePlan;
use kvcert::{Curve, KeyPair, KeySpec, RsaSize, UnixTime, Vault, create_from_json};
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
        b.iter(|| black_box(KeyPair::generate(KeySpec::Rsa(RsaSize::Rsa2048), &mut rng)))
    });
    g.sample_size(30).measurement_time(Duration::from_secs(60));
    g.bench_function("rsa4096", |b| {
        b.iter(|| black_box(KeyPair::generate(KeySpec::Rsa(RsaSize::Rsa4096), &mut rng)))
    });
    g.sample_size(100).measurement_time(Duration::from_secs(5));
    for (id, curve) in [
        ("ec/p256", Curve::P256),
        ("ec/p384", Curve::P384),
        ("ec/p521", Curve::P521),
        ("ec/p256k", Curve::P256K),
    ] {
        g.bench_function(id, |b| {
            b.iter(|| black_box(KeyPair::generate(KeySpec::Ec(curve), &mut rng)))
        });
    }
    g.finish();
}

/// RSA signing (PKCS#1 v1.5, SHA-256): kvcert's CRT signer against the `rsa` crate's on the
/// same key, and ECDSA for scale.
fn sign(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign");
    g.sample_size(100).measurement_time(Duration::from_secs(5));
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let message = b"kvcert signs a TBSCertificate of a few hundred bytes".repeat(8);
    for (id, size) in [("rsa2048", RsaSize::Rsa2048), ("rsa4096", RsaSize::Rsa4096)] {
        let key = KeyPair::generate(KeySpec::Rsa(size), &mut rng).expect("key");
        g.bench_function(id, |b| b.iter(|| black_box(key.sign(&message, &mut rng))));
        // The same key in the rsa crate (the signer kvcert used before).
        let der = key.to_pkcs8_der().expect("pkcs8");
        let rsa_key = {
            use rsa::pkcs8::DecodePrivateKey;
            rsa::PrivateKey::from_pkcs8_der(&der).expect("rsa key")
        };
        let digest = {
            use sha2::Digest;
            sha2::Sha256::digest(&message)
        };
        g.bench_function(format!("{id}-rsa-crate"), |b| {
            b.iter(|| {
                black_box(rsa_key.sign_with_rng(
                    &mut rng,
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &digest,
                ))
            })
        });
    }
    let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng).expect("key");
    g.bench_function("ec/p256", |b| {
        b.iter(|| black_box(key.sign(&message, &mut rng)))
    });
    g.finish();
}

fn issue(c: &mut Criterion) {
    let vault = Vault::new("https://myvault.vault.azure.net");
    let now: UnixTime = "2026-01-15T12:00:00Z"
        .parse()
        .unwrap_or(UnixTime::from_unix_seconds(0).unwrap());
    let rsa = br#"{"policy":{"x509_props":{"subject":"CN=*.microsoft.com","sans":{"dns_names":["onedrive.microsoft.com","xbox.microsoft.com"]}},"issuer":{"name":"Self"}}}"#;
    let p256 = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=example.com","sans":{"dns_names":["example.com"]}},"issuer":{"name":"Self"}}}"#;
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut g = c.benchmark_group("issue");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(100).measurement_time(Duration::from_secs(20));
    g.bench_function("rsa2048", |b| {
        b.iter(|| black_box(create_from_json("bench", rsa, &vault, now, &mut rng)))
    });
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("p256", |b| {
        b.iter(|| black_box(create_from_json("bench", p256, &vault, now, &mut rng)))
    });
    g.finish();
}

/// Hostile request bodies: each must be refused before any real work.
fn refuse(c: &mut Criterion) {
    let list = |n: usize, item: &str| vec![item; n].join(",");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "key_size_1e9",
            br#"{"policy":{"key_props":{"kty":"RSA","key_size":1000000000},"x509_props":{"subject":"CN=a"}}}"#.to_vec(),
        ),
        (
            "sans_1e5",
            format!(r#"{{"policy":{{"x509_props":{{"sans":{{"dns_names":[{}]}}}}}}}}"#, list(100_000, r#""a.b""#)).into_bytes(),
        ),
        (
            "sans_1e4",
            format!(r#"{{"policy":{{"x509_props":{{"sans":{{"dns_names":[{}]}}}}}}}}"#, list(10_000, r#""a.b""#)).into_bytes(),
        ),
        (
            "subject_1mb",
            format!(r#"{{"policy":{{"x509_props":{{"subject":"CN={}"}}}}}}"#, "a".repeat(1 << 20)).into_bytes(),
        ),
        (
            "rdns_1e4",
            format!(r#"{{"policy":{{"x509_props":{{"subject":"{}"}}}}}}"#, list(10_000, "CN=a")).into_bytes(),
        ),
        (
            "ekus_1e4",
            format!(r#"{{"policy":{{"x509_props":{{"subject":"CN=a","ekus":[{}]}}}}}}"#, list(10_000, r#""1.2.3""#)).into_bytes(),
        ),
        ("body_10mb", vec![b' '; 10 << 20]),
        ("nesting_1e5", "[".repeat(100_000).into_bytes()),
    ];
    let mut g = c.benchmark_group("refuse");
    g.sample_size(50).measurement_time(Duration::from_secs(2));
    for (id, body) in &cases {
        assert!(
            IssuancePlan::from_json("c", body).is_err(),
            "{id} must be refused"
        );
        g.bench_function(*id, |b| {
            b.iter(|| black_box(IssuancePlan::from_json("c", body)))
        });
    }
    // PFX files over the default limits (.NET's): refused before any key derivation. The
    // 100,000-iteration file is read in full, for scale.
    let vault = Vault::new("https://myvault.vault.azure.net");
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().expect("time");
    for (n, accepted) in [(300_001, false), (5_000_000, false), (100_000, true)] {
        let path = format!(
            "{}/tests/data/pkcs12/openssl3_iter_{n}.pfx",
            env!("CARGO_MANIFEST_DIR")
        );
        let pfx = std::fs::read(&path).expect("test file");
        let body = serde_json::json!({"value": base64ct::Base64::encode_string(&pfx), "pwd": "kvcert-test"})
            .to_string();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let import = |rng: &mut ChaCha20Rng| {
            kvcert::service::import::import_certificate("c", body.as_bytes(), &vault, now, rng)
        };
        assert_eq!(import(&mut rng).is_ok(), accepted, "pfx_iter_{n}");
        g.bench_function(format!("pfx_iter_{n}"), |b| {
            b.iter(|| black_box(import(&mut rng).is_ok()))
        });
    }
    g.finish();
}

criterion_group!(benches, keygen, sign, issue, refuse);
criterion_main!(benches);
