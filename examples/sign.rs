//! Signing timing, one line per signature, for side-by-side comparisons in one run
//! (`kvcert-rsa/benches/compare_sign.py`).
//!
//! ```text
//! cargo run --release --example sign -- --key KEY.pem --count N [--bytes 1024]
//! ```
//!
//! Reads a PKCS#8 PEM private key, signs the same message (`--bytes` long, byte `i` is
//! `i mod 251`) `N` times with [`kvcert::KeyPair::sign`] (PKCS#1 v1.5 with SHA-256 for RSA),
//! and prints `sig I MS` for each (MS the milliseconds that signature took), then
//! `signature BASE64` (the last one: PKCS#1 v1.5 is deterministic, so a comparison can check
//! it against another implementation's) and `median_ms=X`.

use base64ct::Encoding as _;
use std::process::ExitCode;
use std::time::Instant;

use kvcert::KeyPair;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const USAGE: &str = "usage: sign --key KEY.pem --count N [--bytes LEN]";

fn run() -> Result<(), String> {
    let (mut key, mut count, mut bytes) = (None, 1usize, 1024usize);
    // lexopt: a value follows its option or is joined by `=`.
    let mut parser = lexopt::Parser::from_env();
    let usage = |_| USAGE.to_owned();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        use lexopt::prelude::*;
        match arg {
            Long("key") => {
                key = Some(
                    parser
                        .value()
                        .map_err(|e| e.to_string())?
                        .string()
                        .map_err(usage)?,
                )
            }
            Long("count") => {
                count = parser
                    .value()
                    .map_err(|e| e.to_string())?
                    .parse()
                    .map_err(usage)?
            }
            Long("bytes") => {
                bytes = parser
                    .value()
                    .map_err(|e| e.to_string())?
                    .parse()
                    .map_err(usage)?
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let path = key.ok_or(USAGE)?;
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?,
    );
    let key = KeyPair::from_pkcs8_pem(&pem).map_err(|e| format!("{path}: {e}"))?;
    let message: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    // The RNG only blinds the RSA operation: the signature does not depend on it.
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut times = Vec::with_capacity(count);
    let mut last = Vec::new();
    for i in 1..=count {
        let start = Instant::now();
        last = key.sign(&message, &mut rng).map_err(|e| e.to_string())?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        println!("sig {i} {ms:.4}");
        times.push(ms);
    }
    println!("signature {}", base64ct::Base64::encode_string(&last));
    times.sort_by(f64::total_cmp);
    if let Some(median) = times.get(times.len() / 2) {
        println!("median_ms={median:.4}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sign: {e}");
            ExitCode::FAILURE
        }
    }
}
