//! Criterion benches of the vault engine: the operations that should not grow with the number
//! of certificates (issue 12: within 2x between 10 and 10,000 certificates of 3 EC versions).
//!
//! `cargo bench --bench engine`. The large vault is built once: one certificate with three
//! versions is made through the engine, then its record is copied under 10,000 names in the
//! saved state (ids rewritten), and the state is restored.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kvcert::service::engine::Request;
use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;

const POLICY: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=bench"},"issuer":{"name":"Self"},"lifetime_actions":[]}}"#;

fn call(
    state: &mut VaultState,
    rng: &mut ChaCha20Rng,
    now: UnixTime,
    method: &str,
    path: &str,
    body: &str,
) -> u16 {
    let path = format!(
        "{path}{}api-version=7.6",
        if path.contains('?') { '&' } else { '?' }
    );
    state
        .handle(
            &Request {
                method,
                path: &path,
                body: body.as_bytes(),
            },
            now,
            rng,
        )
        .status
}

/// A vault of `n` certificates named `c00000`…, each with the same three versions.
fn vault(n: usize, now: UnixTime) -> VaultState {
    let mut state = VaultState::new(Vault::new("https://bench.vault.azure.net"));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..3 {
        assert_eq!(
            call(
                &mut state,
                &mut rng,
                now,
                "POST",
                "/certificates/template/create",
                POLICY
            ),
            202
        );
        assert_eq!(
            call(
                &mut state,
                &mut rng,
                now,
                "GET",
                "/certificates/template/pending",
                ""
            ),
            200
        );
    }
    let mut json: Value = serde_json::from_str(&state.to_json().unwrap()).unwrap();
    let template = json["certificates"]["template"].take();
    let template = serde_json::to_string(&template).unwrap();
    let certificates = json["certificates"].as_object_mut().unwrap();
    certificates.clear();
    for i in 0..n {
        let name = format!("c{i:05}");
        let copy = template
            .replace("/template/", &format!("/{name}/"))
            .replace("\"template\"", &format!("\"{name}\""));
        certificates.insert(name, serde_json::from_str(&copy).unwrap());
    }
    VaultState::from_json(&json.to_string()).unwrap()
}

fn operations(c: &mut Criterion) {
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    let mut g = c.benchmark_group("engine");
    g.sample_size(50).measurement_time(Duration::from_secs(4));
    for n in [10usize, 10_000] {
        let mut state = vault(n, now);
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let middle = format!("c{:05}", n / 2);
        g.bench_with_input(BenchmarkId::new("get", n), &n, |b, _| {
            b.iter(|| {
                black_box(call(
                    &mut state,
                    &mut rng,
                    now,
                    "GET",
                    &format!("/certificates/{middle}"),
                    "",
                ))
            })
        });
        // The same page size on both vaults (5 of 10, 5 of 10,000): the same work if a page
        // does not grow with the vault.
        g.bench_with_input(BenchmarkId::new("list_page", n), &n, |b, _| {
            b.iter(|| {
                black_box(call(
                    &mut state,
                    &mut rng,
                    now,
                    "GET",
                    "/certificates?maxresults=5",
                    "",
                ))
            })
        });
        g.bench_with_input(BenchmarkId::new("list_versions", n), &n, |b, _| {
            b.iter(|| {
                black_box(call(
                    &mut state,
                    &mut rng,
                    now,
                    "GET",
                    &format!("/certificates/{middle}/versions"),
                    "",
                ))
            })
        });
        g.bench_with_input(BenchmarkId::new("update", n), &n, |b, _| {
            b.iter(|| {
                black_box(call(
                    &mut state,
                    &mut rng,
                    now,
                    "PATCH",
                    &format!("/certificates/{middle}/"),
                    r#"{"tags":{"a":"b"}}"#,
                ))
            })
        });
        g.bench_with_input(BenchmarkId::new("delete_recover", n), &n, |b, _| {
            b.iter(|| {
                assert_eq!(
                    call(
                        &mut state,
                        &mut rng,
                        now,
                        "DELETE",
                        &format!("/certificates/{middle}"),
                        ""
                    ),
                    200
                );
                black_box(call(
                    &mut state,
                    &mut rng,
                    now,
                    "POST",
                    &format!("/deletedcertificates/{middle}/recover"),
                    "",
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, operations);
criterion_main!(benches);
