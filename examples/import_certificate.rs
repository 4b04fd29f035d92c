//! Import Certificate: a PFX or PEM file in, the service's answers out.
//!
//! ```text
//! cargo run --release --example import_certificate -- [--vault URL] [--name NAME]
//!     [--now RFC3339] [--seed N] [--password PWD] [--out DIR] FILE
//! ```
//!
//! `FILE` is a PFX (binary, sent base64 with `contentType` `application/x-pkcs12`) or PEM
//! text (a `CERTIFICATE` block and a PKCS#8 `PRIVATE KEY` block, sent with
//! `application/x-pem-file`); a file that starts with `{` is sent as the request body itself.
//! Prints the 200 `CertificateBundle`. With `--out DIR` writes `bundle.json`, `secret.json`,
//! `key.json` and `certificate.pem`. A refused import prints the Key Vault error JSON and
//! exits with status 2.

use std::path::PathBuf;
use std::process::ExitCode;

use base64ct::{Base64, Encoding};
use kvcert::service::import::import_certificate;
use kvcert::{UnixTime, Vault};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use zeroize::Zeroizing;

const USAGE: &str = "usage: import_certificate [--vault URL] [--name NAME] [--now RFC3339] [--seed N] [--password PWD] [--out DIR] FILE  (--help for more)";

const HELP: &str = "\
import_certificate: Azure Key Vault's Import Certificate, answered as the service would.

usage: import_certificate [OPTIONS] FILE

FILE is a PFX (sent base64 as application/x-pkcs12), PEM text with a CERTIFICATE and a PKCS#8
PRIVATE KEY block (sent as application/x-pem-file), or, if it starts with '{', the request body.

Options:
  --vault URL      the vault the answer names (default https://myvault.vault.azure.net)
  --name NAME      the certificate name in the URL (default importedCert01)
  --now RFC3339    the import instant (default: the system clock)
  --seed N         a u64 seeding ChaCha20 for the ids and the re-encoded PFX (default: the
                   operating system's randomness)
  --password PWD   the PFX's password (sent as \"pwd\")
  --out DIR        write bundle.json, secret.json, key.json and certificate.pem to DIR
  -h, --help       this text

stdout gets the 200 CertificateBundle JSON. A refused import prints the Key Vault error JSON
and exits with 2; bad arguments or I/O errors exit with 1.
";

fn run() -> Result<ExitCode, String> {
    let mut vault = "https://myvault.vault.azure.net".to_owned();
    let mut name = "importedCert01".to_owned();
    let mut now = None;
    let mut seed = None;
    let mut password: Option<String> = None;
    let mut out = None;
    let mut file = None;
    // An option's value follows it or is joined by `=` (`--seed=7`); `--` ends the options.
    let refused = |e: lexopt::Error| match e {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => format!("{option} needs a value"),
        lexopt::Error::UnexpectedValue { option, value } => format!(
            "unexpected argument {option}={}\n{USAGE}",
            value.to_string_lossy()
        ),
        other => other.to_string(),
    };
    let text = |parser: &mut lexopt::Parser| {
        parser
            .value()
            .and_then(lexopt::ValueExt::string)
            .map_err(refused)
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().map_err(refused)? {
        use lexopt::prelude::*;
        match arg {
            Long("vault") => vault = text(&mut parser)?,
            Long("name") => name = text(&mut parser)?,
            Long("now") => {
                let v = text(&mut parser)?;
                now = Some(
                    v.parse::<UnixTime>()
                        .map_err(|e| format!("--now {v}: {e}"))?,
                );
            }
            Long("seed") => {
                let v = text(&mut parser)?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--seed {v}: not a number"))?,
                );
            }
            Long("password") => password = Some(text(&mut parser)?),
            Long("out") => out = Some(PathBuf::from(parser.value().map_err(refused)?)),
            Short('h') | Long("help") => {
                emit(HELP.trim_end());
                return Ok(ExitCode::SUCCESS);
            }
            Value(v) if file.is_none() && v != "-" => file = Some(PathBuf::from(v)),
            Value(v) => {
                return Err(format!(
                    "unexpected argument {}\n{USAGE}",
                    v.to_string_lossy()
                ));
            }
            Short(c) => return Err(format!("unexpected argument -{c}\n{USAGE}")),
            Long(other) => return Err(format!("unexpected argument --{other}\n{USAGE}")),
        }
    }
    let file = file.ok_or_else(|| USAGE.to_owned())?;
    let shown = file.display();
    let bytes = Zeroizing::new(std::fs::read(&file).map_err(|e| format!("{shown}: {e}"))?);
    let body = Zeroizing::new(if bytes.first() == Some(&b'{') {
        bytes.to_vec()
    } else {
        let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
        let (value, content_type) = if is_pem {
            let text =
                String::from_utf8(bytes.to_vec()).map_err(|_| format!("{shown}: not UTF-8"))?;
            (text, "application/x-pem-file")
        } else {
            (Base64::encode_string(&bytes), "application/x-pkcs12")
        };
        let mut request = serde_json::json!({
            "value": value,
            "policy": {"secret_props": {"contentType": content_type}},
        });
        if let Some(p) = &password {
            request["pwd"] = serde_json::Value::String(p.clone());
        }
        serde_json::to_vec(&request).map_err(|e| e.to_string())?
    });
    let now = match now {
        Some(t) => t,
        None => UnixTime::try_from(std::time::SystemTime::now()).map_err(|e| e.to_string())?,
    };
    let mut rng = match seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).map_err(|e| format!("OS randomness: {e}"))?;
            ChaCha20Rng::from_seed(s)
        }
    };
    let imported = match import_certificate(&name, &body, &Vault::new(&vault), now, &mut rng) {
        Ok(i) => i,
        Err(e) => {
            emit(&pretty(&e.to_key_vault_error())?);
            return Ok(ExitCode::from(2));
        }
    };
    let bundle = pretty(&imported.bundle)?;
    emit(&bundle);
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let write = |f: &str, b: &[u8]| {
            let p = dir.join(f);
            std::fs::write(&p, b).map_err(|e| format!("{}: {e}", p.display()))
        };
        write("bundle.json", format!("{bundle}\n").as_bytes())?;
        let secret = Zeroizing::new(pretty(&imported.secret)?);
        write("secret.json", format!("{}\n", secret.as_str()).as_bytes())?;
        write(
            "key.json",
            format!("{}\n", pretty(&imported.key_bundle)?).as_bytes(),
        )?;
        write(
            "certificate.pem",
            pem_rfc7468::encode_string(
                "CERTIFICATE",
                pem_rfc7468::LineEnding::LF,
                &imported.certificate,
            )
            .map_err(|e| e.to_string())?
            .as_bytes(),
        )?;
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
