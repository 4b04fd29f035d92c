//! Replays a script of requests against one vault and prints every answer: an exchange can be
//! checked without a server.
//!
//! ```text
//! cargo run --release --example vault_replay -- [--vault URL] [--seed N] [--self-delay SECONDS]
//!     [--recovery-level LEVEL] [--recoverable-days N] STEPS.json
//! ```
//!
//! `STEPS.json` is a JSON array of steps, in order:
//!
//! ```json
//! [{"now": "2026-01-15T12:00:00Z", "method": "POST",
//!   "path": "/certificates/x/create?api-version=7.4", "body": {"policy": {…}}}]
//! ```
//!
//! `body` is optional (a JSON value, sent serialized). stdout gets a JSON array with one
//! `{"status": N, "headers": {…}, "body": <JSON value or null>}` per step. The same steps and
//! seed give the same output, byte for byte. The work is `kvcert::service::engine::replay`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use kvcert::service::engine::replay::replay;
use kvcert::{IssuanceDelays, Vault};

const HELP: &str = "\
vault_replay: a script of Key Vault requests against one emulated vault, answered in order.

usage: vault_replay [OPTIONS] STEPS.json

STEPS.json is a JSON array of {\"now\": RFC3339, \"method\": \"POST\", \"path\": \"/certificates/x/create?api-version=7.4\",
\"body\": <JSON value, optional>}. stdout gets a JSON array of {\"status\", \"headers\", \"body\"}, one per step.

Options:
  --vault URL             the vault's URL (default https://myvault.vault.azure.net)
  --seed N                a u64 seeding ChaCha20 for every key, id and salt (default 0)
  --self-delay SECONDS    how long issuer Self takes (default 0: completed at the first read)
  --recovery-level LEVEL  the vault's recoveryLevel (default Recoverable+Purgeable)
  --recoverable-days N    the vault's recoverableDays (default 90)
  -h, --help              this text

Bad arguments or an unreadable script exit with 1.
";

fn run() -> Result<(), String> {
    let mut url = "https://myvault.vault.azure.net".to_owned();
    let mut seed = 0u64;
    let mut self_delay = 0u64;
    let mut recovery_level = None;
    let mut recoverable_days = None;
    let mut file = None;
    // An option's value follows it or is joined by `=` (`--seed=7`); `--` ends the options.
    let refused = |e: lexopt::Error| match e {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => format!("{option} needs a value"),
        lexopt::Error::UnexpectedValue { option, value } => {
            format!("unknown option {option}={}", value.to_string_lossy())
        }
        other => other.to_string(),
    };
    let text = |parser: &mut lexopt::Parser| {
        parser
            .value()
            .and_then(lexopt::ValueExt::string)
            .map_err(refused)
    };
    let number = |parser: &mut lexopt::Parser, flag: &str| {
        let v = text(parser)?;
        v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"))
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().map_err(refused)? {
        use lexopt::prelude::*;
        match arg {
            Long("vault") => url = text(&mut parser)?,
            Long("seed") => seed = number(&mut parser, "--seed")?,
            Long("self-delay") => self_delay = number(&mut parser, "--self-delay")?,
            Long("recovery-level") => recovery_level = Some(text(&mut parser)?),
            Long("recoverable-days") => {
                recoverable_days = Some(number(&mut parser, "--recoverable-days")?)
            }
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Short(c) => return Err(format!("unknown option -{c}")),
            Long(other) => return Err(format!("unknown option --{other}")),
            Value(v) if v == "-" => return Err("unknown option -".to_owned()),
            // The last one counts, as before.
            Value(v) => file = Some(PathBuf::from(v)),
        }
    }
    let file = file.ok_or("no STEPS.json given (--help for usage)")?;
    let script = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut vault = Vault::new(&url);
    if let Some(level) = recovery_level {
        vault.recovery_level = level;
    }
    if let Some(days) = recoverable_days {
        vault.recoverable_days = Some(i64::try_from(days).map_err(|e| e.to_string())?);
    }
    let mut delays = IssuanceDelays::default();
    delays.self_signed = self_delay;
    let answers =
        replay(&script, vault, delays, seed).map_err(|e| format!("{}: {e}", file.display()))?;
    // A closed pipe (`| head`) ends the output quietly, not with a panic.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{answers}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vault_replay: {e}");
            ExitCode::from(1)
        }
    }
}
