//! The main job: one Create Certificate request, as the service would answer it.
//!
//! ```text
//! cargo run --release --example create_certificate -- [--vault URL] [--name NAME]
//!     [--now RFC3339] [--seed N] [--out DIR] REQUEST.json
//! ```
//!
//! `REQUEST.json` is the request body (`-` reads stdin). Prints the 202 operation JSON. With
//! `--out DIR` writes `operation.json`, `csr.der`, `csr.pem` and, for issuer Self,
//! `operation_completed.json`, `certificate.der`, `certificate.pem`, `bundle.json`,
//! `key.pem` (PKCS#8), `secret.json` (`GET /secrets/{name}`, PFX or PEM as the policy says)
//! and `key.json` (`GET /keys/{name}`). A refused request prints the Key Vault error JSON, writes nothing and
//! exits with status 2.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use kvcert::{UnixTime, Vault, create_from_json, pem};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const USAGE: &str = "usage: create_certificate [--vault URL] [--name NAME] [--now RFC3339] [--seed N] [--out DIR] REQUEST.json|-";

struct Args {
    vault: String,
    name: String,
    now: Option<UnixTime>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    request: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        vault: "https://myvault.vault.azure.net".to_owned(),
        name: "selfSignedCert01".to_owned(),
        now: None,
        seed: None,
        out: None,
        request: String::new(),
    };
    let mut it = std::env::args().skip(1);
    let mut request = None;
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "--vault" => args.vault = value("--vault")?,
            "--name" => args.name = value("--name")?,
            "--now" => {
                let v = value("--now")?;
                args.now = Some(v.parse().map_err(|e| format!("--now {v}: {e}"))?);
            }
            "--seed" => {
                let v = value("--seed")?;
                args.seed = Some(v.parse().map_err(|_| format!("--seed {v}: not a number"))?);
            }
            "--out" => args.out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ if request.is_none() && (a == "-" || !a.starts_with('-')) => request = Some(a),
            _ => return Err(format!("unexpected argument {a}\n{USAGE}")),
        }
    }
    args.request = request.ok_or_else(|| USAGE.to_owned())?;
    Ok(args)
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let body = if args.request == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("stdin: {e}"))?;
        b
    } else {
        std::fs::read(&args.request).map_err(|e| format!("{}: {e}", args.request))?
    };
    let now = match args.now {
        Some(t) => t,
        None => UnixTime::try_from(std::time::SystemTime::now()).map_err(|e| e.to_string())?,
    };
    let mut rng = match args.seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| format!("OS randomness: {e}"))?;
            ChaCha20Rng::from_seed(seed)
        }
    };
    let vault = Vault::new(&args.vault);
    let issued = match create_from_json(&args.name, &body, &vault, now, &mut rng) {
        Ok(i) => i,
        Err(e) => {
            emit(&pretty(&e.to_key_vault_error())?);
            return Ok(ExitCode::from(2));
        }
    };
    let operation = pretty(&issued.operation)?;
    emit(&operation);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let write = |file: &str, bytes: &[u8]| {
            let p = dir.join(file);
            std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))
        };
        write("operation.json", format!("{operation}\n").as_bytes())?;
        write("csr.der", &issued.csr)?;
        write(
            "csr.pem",
            pem::encode("CERTIFICATE REQUEST", &issued.csr).as_bytes(),
        )?;
        if let Some(done) = &issued.completed {
            write(
                "operation_completed.json",
                format!("{}\n", pretty(&done.operation)?).as_bytes(),
            )?;
            write("certificate.der", &done.certificate)?;
            write(
                "certificate.pem",
                pem::encode("CERTIFICATE", &done.certificate).as_bytes(),
            )?;
            write(
                "bundle.json",
                format!("{}\n", pretty(&done.bundle)?).as_bytes(),
            )?;
            let key = issued.key.to_pkcs8_pem().map_err(|e| e.to_string())?;
            write("key.pem", key.as_bytes())?;
            let secret = zeroize::Zeroizing::new(pretty(&done.secret)?);
            write("secret.json", format!("{}\n", secret.as_str()).as_bytes())?;
            write(
                "key.json",
                format!("{}\n", pretty(&done.key_bundle)?).as_bytes(),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a line; a closed stdout (e.g. `| head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
    }
}
