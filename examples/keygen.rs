//! Key generation timing, one line per key, for side-by-side comparisons in one run.
//!
//! ```text
//! cargo run --release --example keygen -- --kty RSA --size 2048 --count N [--seed S]
//! cargo run --release --example keygen -- --kty EC --size 256 --count N
//! ```
//!
//! Prints `key I MS` for each key (I from 1; MS the milliseconds that key took), then
//! `median_ms=X`. Without `--seed` the RNG is seeded from the OS. With `--stats`, RSA lines go on
//! with what the prime search did: `candidates=C exponentiated=X exponentiations=E`, and a
//! closing `totals` line sums them.
//!
//! RSA keys come from `kvcert_rsa::generate`, what `KeyPair::generate` calls (the same keys for
//! a seed), because only it reports the search's statistics.

use std::process::ExitCode;
use std::time::Instant;

use kvcert::{Curve, KeyPair, KeySpec, RsaSize};
use kvcert_rsa::SearchStats;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const USAGE: &str = "usage: keygen --kty RSA|EC --size BITS --count N [--seed S] [--stats]";

fn run() -> Result<(), String> {
    let (mut kty, mut size, mut count, mut seed) = (None, None, 1usize, None);
    let mut show_stats = false;
    // lexopt: a value follows its option or is joined by `=`.
    let mut parser = lexopt::Parser::from_env();
    let usage = |_| USAGE.to_owned();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        use lexopt::prelude::*;
        match arg {
            Long("kty") => {
                kty = Some(
                    parser
                        .value()
                        .map_err(|e| e.to_string())?
                        .string()
                        .map_err(usage)?,
                )
            }
            Long("size") => {
                size = Some(
                    parser
                        .value()
                        .map_err(|e| e.to_string())?
                        .parse::<i64>()
                        .map_err(|e| e.to_string())?,
                )
            }
            Long("count") => {
                count = parser
                    .value()
                    .map_err(|e| e.to_string())?
                    .parse()
                    .map_err(usage)?
            }
            Long("seed") => {
                seed = Some(
                    parser
                        .value()
                        .map_err(|e| e.to_string())?
                        .parse::<u64>()
                        .map_err(usage)?,
                )
            }
            Long("stats") => show_stats = true,
            _ => return Err(USAGE.to_owned()),
        }
    }
    let spec = match (kty.as_deref(), size) {
        (Some("RSA"), s) => KeySpec::Rsa(
            RsaSize::from_bits(s.unwrap_or(2048)).ok_or("RSA sizes: 2048, 3072, 4096")?,
        ),
        (Some("EC"), Some(256) | None) => KeySpec::Ec(Curve::P256),
        (Some("EC"), Some(384)) => KeySpec::Ec(Curve::P384),
        (Some("EC"), Some(521)) => KeySpec::Ec(Curve::P521),
        _ => return Err(USAGE.to_owned()),
    };
    let mut rng = match seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).map_err(|e| e.to_string())?;
            ChaCha20Rng::from_seed(s)
        }
    };
    let mut times = Vec::with_capacity(count);
    let mut totals = SearchStats::default();
    for i in 1..=count {
        let start = Instant::now();
        // RSA: the key `KeyPair::generate` would wrap, with the search's statistics.
        let stats = match spec {
            KeySpec::Rsa(size) => {
                let (key, stats) =
                    kvcert_rsa::generate(size, &mut rng).map_err(|e| e.to_string())?;
                drop(key);
                Some(stats)
            }
            _ => {
                drop(KeyPair::generate(spec, &mut rng).map_err(|e| e.to_string())?);
                None
            }
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match stats {
            Some(s) if show_stats => {
                totals += s;
                println!(
                    "key {i} {ms:.3} candidates={} exponentiated={} exponentiations={}",
                    s.candidates, s.exponentiated, s.exponentiations
                );
            }
            _ => println!("key {i} {ms:.3}"),
        }
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let median = if n == 0 {
        0.0
    } else if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    };
    if show_stats {
        println!(
            "totals candidates={} exponentiated={} exponentiations={}",
            totals.candidates, totals.exponentiated, totals.exponentiations
        );
    }
    println!("median_ms={median:.3}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
