//! The main job: one Create Certificate request, as the service would answer it.
//!
//! ```text
//! cargo run --release --bin create_certificate -- [OPTIONS] REQUEST.json|-
//! ```
//!
//! A binary of the kvcert package, so that its build needs only kvcert's own dependencies (not
//! the test and bench ones an example gets). `examples/create_certificate.rs` runs this same
//! file, for scripts that call the example. Run with `--help` for the options.
//!
//! stdout: the 202 operation JSON (machine-readable, as before). stderr: what was issued, the
//! files written and how to open the secret. A refused request prints the Key Vault error JSON,
//! writes nothing and exits with status 2; a usage or I/O problem exits with 1.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64ct::{Base64, Encoding};
use kvcert::rand_core::SeedableRng;
use kvcert::{ChaCha20Rng, Completed, Issued, UnixTime, Vault, create_from_json};
use sha1::Digest;
use zeroize::Zeroizing;

const HELP: &str = "\
create_certificate: Azure Key Vault's Create Certificate, answered as the service would.

usage: create_certificate [OPTIONS] REQUEST.json|-

REQUEST.json is a Create Certificate request body ({\"policy\": {...}}); - reads it from stdin.
Examples: examples/requests/ (docs_sample.json is the Key Vault docs' sample).

Options:
  --vault URL      the vault the answer names (default https://myvault.vault.azure.net)
  --name NAME      the certificate name in the URL (default selfSignedCert01)
  --now RFC3339    the issuance instant, e.g. 2026-01-15T12:00:00Z (default: the system clock)
  --seed N         a u64 seeding ChaCha20 for the key, serial and ids: the same request, seed and
                   --now give the same bytes (default: the operating system's randomness)
  --out DIR        write the artefacts to DIR (created if missing); listed on stderr
  -q, --quiet      no summary on stderr
  -h, --help       this text

Output: stdout gets the 202 CertificateOperation JSON (what the service answers to the POST).
stderr gets a summary: subject, key, validity, thumbprint, files written, and the OpenSSL
command that opens the secret. A refused request prints the Key Vault error JSON on stdout,
writes nothing and exits with 2; bad arguments or I/O errors exit with 1.

Files with --out DIR:
  operation.json             the 202 operation
  csr.der, csr.pem           the PKCS#10 request
For issuer Self (issued at once), also:
  operation_completed.json   GET .../pending once completed
  certificate.der/.pem       the certificate
  bundle.json                GET /certificates/{name}
  key.pem                    the private key, PKCS#8 (unencrypted)
  secret.json                GET /secrets/{name}: the PFX as base64 (empty password) or the PEM
  secret.pfx or secret.pem   the secret's value decoded: what the service's users download
  key.json                   GET /keys/{name}: the public JWK
Private keys (key.pem, secret.*) are written readable by the owner only (Unix).
";

struct Args {
    vault: String,
    name: String,
    now: Option<UnixTime>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    quiet: bool,
    /// The request file, `-` for stdin.
    request: PathBuf,
}

enum Parsed {
    Run(Args),
    Help,
}

/// Reads the command line (without the program name). An option's value follows it
/// (`--seed 7`) or is joined by `=` (`--seed=7`); `--` ends the options.
fn parse_args(command_line: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let usage = "usage: create_certificate [--vault URL] [--name NAME] [--now RFC3339] \
                 [--seed N] [--out DIR] [-q] REQUEST.json|-  (--help for more)";
    let refused = |e: lexopt::Error| match e {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => format!("{option} needs a value"),
        lexopt::Error::UnexpectedValue { option, value } => format!(
            "unexpected argument {option}={}\n{usage}",
            value.to_string_lossy()
        ),
        other => other.to_string(),
    };
    // An option's value, as text.
    let text = |parser: &mut lexopt::Parser| {
        parser
            .value()
            .and_then(lexopt::ValueExt::string)
            .map_err(refused)
    };
    let mut args = Args {
        vault: "https://myvault.vault.azure.net".to_owned(),
        name: "selfSignedCert01".to_owned(),
        now: None,
        seed: None,
        out: None,
        quiet: false,
        request: PathBuf::new(),
    };
    let mut parser = lexopt::Parser::from_args(command_line);
    let mut request = None;
    while let Some(arg) = parser.next().map_err(refused)? {
        match arg {
            Long("vault") => args.vault = text(&mut parser)?,
            Long("name") => args.name = text(&mut parser)?,
            Long("now") => {
                let v = text(&mut parser)?;
                args.now = Some(v.parse().map_err(|e| format!("--now {v}: {e}"))?);
            }
            Long("seed") => {
                let v = text(&mut parser)?;
                args.seed = Some(v.parse().map_err(|_| format!("--seed {v}: not a number"))?);
            }
            Long("out") => args.out = Some(PathBuf::from(parser.value().map_err(refused)?)),
            Short('q') | Long("quiet") => args.quiet = true,
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Value(v) if request.is_none() => request = Some(PathBuf::from(v)),
            Value(v) => {
                return Err(format!(
                    "unexpected argument {}\n{usage}",
                    v.to_string_lossy()
                ));
            }
            Short(c) => return Err(format!("unexpected argument -{c}\n{usage}")),
            Long(other) => return Err(format!("unexpected argument --{other}\n{usage}")),
        }
    }
    args.request = request.ok_or_else(|| format!("no REQUEST.json given\n{usage}"))?;
    Ok(Parsed::Run(args))
}

fn run() -> Result<ExitCode, String> {
    let args = match parse_args(std::env::args_os().skip(1))? {
        Parsed::Help => {
            print_out(HELP.trim_end());
            return Ok(ExitCode::SUCCESS);
        }
        Parsed::Run(args) => args,
    };
    let body = if args.request.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("stdin: {e}"))?;
        b
    } else {
        std::fs::read(&args.request).map_err(|e| format!("{}: {e}", args.request.display()))?
    };
    let now = match args.now {
        Some(t) => t,
        None => UnixTime::try_from(std::time::SystemTime::now()).map_err(|e| e.to_string())?,
    };
    let mut rng = match args.seed {
        Some(s) => ChaCha20Rng::seed_from_u64(s),
        None => ChaCha20Rng::from_rng(&mut kvcert::os_rng()),
    };
    let vault = Vault::new(&args.vault);
    let issued = match create_from_json(&args.name, &body, &vault, now, &mut rng) {
        Ok(i) => i,
        Err(e) => {
            print_out(&pretty(&e.to_key_vault_error())?);
            if !args.quiet {
                print_err(&format!("refused: {} {}", e.status(), e.code()));
            }
            return Ok(ExitCode::from(2));
        }
    };
    let operation = pretty(&issued.operation)?;
    print_out(&operation);
    let written = match &args.out {
        Some(dir) => write_files(dir, &issued, &operation)?,
        None => Vec::new(),
    };
    if !args.quiet {
        print_err(&summary(&issued, &written, args.out.as_deref()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The artefacts, in `dir`; returns what was written.
fn write_files(dir: &Path, issued: &Issued, operation: &str) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut write = |file: &str, bytes: &[u8], private: bool| -> Result<(), String> {
        let p = dir.join(file);
        write_file(&p, bytes, private).map_err(|e| format!("{}: {e}", p.display()))?;
        written.push(p);
        Ok(())
    };
    write("operation.json", format!("{operation}\n").as_bytes(), false)?;
    write("csr.der", &issued.csr, false)?;
    let csr_pem = pem("CERTIFICATE REQUEST", &issued.csr)?;
    write("csr.pem", csr_pem.as_bytes(), false)?;
    if let Some(done) = &issued.completed {
        let completed = pretty(&done.operation)?;
        write(
            "operation_completed.json",
            format!("{completed}\n").as_bytes(),
            false,
        )?;
        write("certificate.der", &done.certificate, false)?;
        let cert_pem = pem("CERTIFICATE", &done.certificate)?;
        write("certificate.pem", cert_pem.as_bytes(), false)?;
        write(
            "bundle.json",
            format!("{}\n", pretty(&done.bundle)?).as_bytes(),
            false,
        )?;
        let key = issued.key.to_pkcs8_pem().map_err(|e| e.to_string())?;
        write("key.pem", key.as_bytes(), true)?;
        let secret = Zeroizing::new(pretty(&done.secret)?);
        let secret_line = Zeroizing::new(format!("{}\n", secret.as_str()));
        write("secret.json", secret_line.as_bytes(), true)?;
        if let Some((file, bytes)) = decoded_secret(done)? {
            write(file, &bytes, true)?;
        }
        write(
            "key.json",
            format!("{}\n", pretty(&done.key_bundle)?).as_bytes(),
            false,
        )?;
    }
    Ok(written)
}

/// A file name and its contents (wiped on drop).
type SecretFile = (&'static str, Zeroizing<Vec<u8>>);

/// The secret's value as a user downloads it: the PFX bytes, or the PEM text.
/// One RFC 7468 block, 64 columns and LF line endings, as kvcert writes its PEM secrets.
fn pem(label: &str, der: &[u8]) -> Result<String, String> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).map_err(|e| e.to_string())
}

fn decoded_secret(done: &Completed) -> Result<Option<SecretFile>, String> {
    let Some(value) = done.secret.value.as_deref() else {
        return Ok(None);
    };
    Ok(match done.secret.content_type.as_deref() {
        Some("application/x-pem-file") => {
            Some(("secret.pem", Zeroizing::new(value.as_bytes().to_vec())))
        }
        _ => {
            let pfx = Base64::decode_vec(value).map_err(|_| "the secret's value is not base64")?;
            Some(("secret.pfx", Zeroizing::new(pfx)))
        }
    })
}

/// Writes `bytes`; a private file is created readable by its owner only (Unix).
fn write_file(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path)?;
    #[cfg(unix)]
    if private {
        // `mode` applies only when the file is created: an older file is narrowed too.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)
}

/// What a person wants to know after the run.
fn summary(issued: &Issued, written: &[PathBuf], out: Option<&Path>) -> String {
    let plan = &issued.plan;
    let key = plan.key().spec().to_string();
    let subject = plan.subject_text().unwrap_or("");
    let subject = if subject.is_empty() {
        "(empty subject)"
    } else {
        subject
    };
    let mut s = String::new();
    match &issued.completed {
        Some(done) => {
            let sha1 = hex(&sha1::Sha1::digest(&done.certificate));
            s += &format!(
                "issued: self-signed certificate '{}' (version {})\n  subject:    {subject}\n  \
                 key:        {key}\n  validity:   {} to {} ({} months)\n  thumbprint: {sha1} \
                 (SHA-1, x5t)\n",
                plan.name().as_str(),
                done.version,
                done.not_before,
                done.not_after,
                plan.validity_months(),
            );
        }
        None => {
            s += &format!(
                "pending: certificate '{}' for issuer {} is not issued here\n  subject: {subject}\n  \
                 key:     {key}\n  the CSR (stdout's \"csr\", csr.pem with --out) is what the \
                 issuer signs; the result is merged later\n",
                plan.name().as_str(),
                plan.issuer().name(),
            );
        }
    }
    if written.is_empty() {
        s += "no files written (--out DIR writes the CSR, certificate, key and secret)";
        return s;
    }
    s += "wrote:\n";
    for p in written {
        s += &format!("  {}\n", p.display());
    }
    if let (Some(done), Some(dir)) = (&issued.completed, out) {
        match done.secret.content_type.as_deref() {
            Some("application/x-pem-file") => {
                s += &format!(
                    "secret: {} is PEM (key and certificate); e.g. openssl x509 -in {} -noout -text",
                    dir.join("secret.pem").display(),
                    dir.join("secret.pem").display(),
                );
            }
            _ => {
                s += &format!(
                    "secret: {} is PKCS#12 with an empty password (secret.json holds it as \
                     base64, as GET /secrets returns it); open it with\n  openssl pkcs12 -in {} \
                     -passin pass: -nodes",
                    dir.join("secret.pfx").display(),
                    dir.join("secret.pfx").display(),
                );
            }
        }
    }
    s.trim_end().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Prints a line; a closed stdout (e.g. `| head`) is not an error worth a panic.
fn print_out(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn print_err(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

/// The entry point (also run by `examples/create_certificate.rs`).
pub fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(msg) => {
            print_err(&msg);
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Result<Parsed, String> {
        parse_args(line.split_whitespace().map(OsString::from))
    }

    #[test]
    fn reads_the_documented_command_line() {
        let Ok(Parsed::Run(a)) = parsed(
            "--vault https://v.vault.azure.net --name n --now 2026-01-15T12:00:00Z --seed 3 \
             --out d -q -",
        ) else {
            panic!("not read");
        };
        assert_eq!(
            (a.vault.as_str(), a.name.as_str()),
            ("https://v.vault.azure.net", "n")
        );
        assert_eq!((a.seed, a.quiet), (Some(3), true));
        assert_eq!(
            a.now.map(|t| t.to_string()).as_deref(),
            Some("2026-01-15T12:00:00Z")
        );
        assert_eq!(
            (a.out, a.request),
            (Some(PathBuf::from("d")), PathBuf::from("-"))
        );
        assert!(matches!(parsed("r.json --help"), Ok(Parsed::Help)));
        assert!(matches!(parsed("-h"), Ok(Parsed::Help)));
    }

    #[test]
    fn refusals_say_what_and_how() {
        let said = |line: &str| parsed(line).err().unwrap_or_default();
        assert_eq!(said("--seed"), "--seed needs a value");
        assert_eq!(said("--seed x r.json"), "--seed x: not a number");
        assert!(said("--bogus r.json").starts_with("unexpected argument --bogus\nusage: "));
        assert!(said("a.json b.json").starts_with("unexpected argument b.json\n"));
        assert!(said("-q").starts_with("no REQUEST.json given\n"));
        assert!(said("--now yesterday r.json").starts_with("--now yesterday: "));
    }
}
