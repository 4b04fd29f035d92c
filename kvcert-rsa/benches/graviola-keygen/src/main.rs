//! RSA key generation timing with graviola, in the output format of kvcert's `examples/keygen`.
//!
//! ```text
//! graviola-keygen --kty RSA --size 2048|3072|4096 --count N [--seed S]
//! ```
//!
//! Prints `key I MS` for each key (I from 1; MS the milliseconds that key took), then
//! `median_ms=X`. `--seed` is accepted for command-line compatibility and ignored: graviola's
//! `SigningKey::generate` takes no RNG and always draws from the operating system.

use std::process::ExitCode;
use std::time::Instant;

use graviola::signing::rsa::{KeySize, SigningKey};

const USAGE: &str = "usage: graviola-keygen --kty RSA --size 2048|3072|4096 --count N [--seed S]
  --seed S is accepted and ignored: graviola generates keys from the OS RNG only";

fn run() -> Result<(), String> {
    let (mut kty, mut size, mut count) = (None, None, 1usize);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |f: &str| it.next().ok_or_else(|| format!("{f} needs a value"));
        match a.as_str() {
            "--kty" => kty = Some(value("--kty")?),
            "--size" => size = Some(value("--size")?.parse::<i64>().map_err(|e| e.to_string())?),
            "--count" => count = value("--count")?.parse().map_err(|_| USAGE.to_owned())?,
            // Ignored (see above); still parsed so a bad value is rejected like kvcert does.
            "--seed" => {
                value("--seed")?
                    .parse::<u64>()
                    .map_err(|_| USAGE.to_owned())?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let key_size = match (kty.as_deref(), size.unwrap_or(2048)) {
        (Some("RSA"), 2048) => KeySize::Rsa2048,
        (Some("RSA"), 3072) => KeySize::Rsa3072,
        (Some("RSA"), 4096) => KeySize::Rsa4096,
        (Some("RSA"), _) => return Err("RSA sizes: 2048, 3072, 4096".to_owned()),
        _ => return Err(USAGE.to_owned()),
    };
    let mut times = Vec::with_capacity(count);
    for i in 1..=count {
        let start = Instant::now();
        let key = SigningKey::generate(key_size).map_err(|e| e.to_string())?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        drop(key);
        println!("key {i} {ms:.3}");
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
