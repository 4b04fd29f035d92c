//! Issuance as a dependent's test sees it: RSA-2048 and P-256 certificates for issuer Self,
//! each timed, the median printed. It measures, it does not judge: no timing is asserted
//! (`measure.sh` compares the debug and release figures of one run).

use std::io::Write;
use std::time::Instant;

use kvcert::{Curve, KeySpec, Policy, RsaSize, UnixTime};

fn median_ms(policy: &Policy, seeds: std::ops::Range<u64>) -> (f64, f64, f64) {
    let now: UnixTime = "2026-06-01T00:00:00Z".parse().expect("time");
    let mut times: Vec<f64> = seeds
        .map(|seed| {
            let start = Instant::now();
            let cert = policy.issue_seeded(now, seed).expect("issued");
            let ms = start.elapsed().as_secs_f64() * 1e3;
            assert!(!cert.certificate_der().is_empty());
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[0], times[times.len() / 2], times[times.len() - 1])
}

fn report(what: &str, count: u64, (min, median, max): (f64, f64, f64)) {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    // Straight to stderr: libtest captures only print!/eprint!, and this line is the result.
    let _ = writeln!(
        std::io::stderr(),
        "{profile} {what}: median {median:.2} ms over {count} seeds (min {min:.2}, max {max:.2})"
    );
}

#[test]
fn rsa2048_issuance() {
    let count = 31;
    let policy = Policy::self_signed("CN=dependent").key(KeySpec::Rsa(RsaSize::Rsa2048));
    report("rsa2048", count, median_ms(&policy, 0..count));
}

#[test]
fn p256_issuance() {
    let count = 201;
    let policy = Policy::self_signed("CN=dependent").key(KeySpec::Ec(Curve::P256));
    report("p256", count, median_ms(&policy, 0..count));
}
