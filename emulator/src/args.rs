//! The command line.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use crate::error::ArgsError;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where to write the PEM a client trusts (the TLS root).
    pub tls_cert_out: Option<PathBuf>,
    /// Seeds every key, id and salt (`None`: the operating system's randomness).
    pub seed: Option<u64>,
    /// The vault's database: opened at start, every change committed before its answer.
    pub state: Option<PathBuf>,
    /// Seconds issuer `Self` takes.
    pub self_delay: u64,
    /// Seconds an emulated CA issuer takes.
    pub ca_delay: u64,
    /// The most connections served at once; more are answered 503.
    pub max_connections: usize,
    /// The vaults served (`--vault NAME[=PORT]`), each with the port of its own (`0`: any
    /// free one); empty: one vault, [`DEFAULT_VAULT`], on the main port only.
    pub vaults: Vec<(String, u16)>,
    /// Whether a vault request's bearer token must be one the emulator's issuer signed
    /// (`--verify-tokens`; default: any token).
    pub verify_tokens: bool,
    /// The `X-IDENTITY-HEADER` value the managed-identity endpoint requires (`None`: any
    /// non-empty value).
    pub identity_header: Option<String>,
}

/// The vault's name when no `--vault` is given.
pub const DEFAULT_VAULT: &str = "default";

/// The most connections served at once (the default of `--max-connections`).
pub const MAX_CONNECTIONS: usize = 4096;

/// `name` if it is a Key Vault name: 3 to 24 letters, digits and hyphens, starting with a
/// letter, ending with a letter or digit, no two hyphens in a row (the service's rule).
pub fn vault_name(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let ok = (3..=24).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !name.contains("--");
    ok.then(|| name.to_ascii_lowercase())
}

/// The usage text.
pub const HELP: &str = "\
kvcert-emulator: an Azure Key Vault (certificates, and the keys and secrets behind them) on
loopback over HTTPS, answered by kvcert's engine.

usage: kvcert-emulator [--listen 127.0.0.1:PORT] [--tls-cert-out PATH] [--seed N]
                       [--state FILE] [--self-delay SECONDS] [--ca-delay SECONDS]
                       [--max-connections N] [--vault NAME[=PORT]]...
                       [--verify-tokens] [--identity-header SECRET]

  --listen ADDR          where to listen (default 127.0.0.1:0, any free port); stdout gets
                         'listening on https://ADDR' once connections are accepted
  --tls-cert-out PATH    write the PEM of the TLS root a client must trust
  --seed N               a u64 seeding every key, id and salt (default: OS randomness)
  --state FILE           keep the vault in FILE, an SQLite database: opened at start
                         (created if missing; a JSON state file of an earlier version is
                         migrated, the JSON kept as FILE.json-before-sqlite), every change
                         committed before its answer
  --self-delay SECONDS   how long issuer Self takes (default 0)
  --ca-delay SECONDS     how long an emulated CA issuer takes (default 0)
  --max-connections N    connections served at once (default 4096); more get 503
  --vault NAME[=PORT]    serve a vault NAME (repeatable; default: one vault, 'default'): on
                         its own port (PORT, or any free one; stdout gets 'vault NAME on
                         https://ADDR'), and on the main port by the host names
                         NAME.localhost and NAME.vault.azure.net (the first vault answers
                         any other name there)
  --verify-tokens        accept only bearer tokens the emulator's own issuer signed (below),
                         unexpired, for https://vault.azure.net (default: any token)
  --identity-header S    the X-IDENTITY-HEADER the managed-identity endpoint requires
                         (default: any non-empty value)
  -h, --help             this text

Any bearer token is accepted (unless --verify-tokens): this is an emulator, with no
authorization. A request without one gets Key Vault's 401 challenge, tenant
00000000-0000-0000-0000-000000000000. The credentials applications use get tokens here
(RS256 JWTs of a key made at start):
  GET  /{tenant}/v2.0/.well-known/openid-configuration   (authority = this emulator)
  GET  /{tenant}/discovery/v2.0/keys                      the JWKS
  POST /{tenant}/oauth2/v2.0/token                        client credentials (secret or assertion)
  GET  /_kvcert/identity/token                            managed identity, App Service style:
       IDENTITY_ENDPOINT=https://ADDR/_kvcert/identity/token, IDENTITY_HEADER=any value
Management endpoints (no token needed):
  GET  /_kvcert/clock    {\"now\": RFC3339}
  POST /_kvcert/clock    {\"advance_seconds\": N} or {\"now\": RFC3339}; the clock only moves forward
  GET  /_kvcert/ca       the PEM of the emulated CA issuers' roots
  GET  /_kvcert/vaults   [{\"name\": NAME, \"url\": URL}] of every vault
They address the vault of the port or host name, or the one named by ?vault=NAME; a clock
move on the main port by another name moves every vault's clock.
";

/// Reads the arguments (without the program name). `Ok(None)` for `--help`.
///
/// An option's value follows it (`--seed 7`) or is joined to it by `=` (`--seed=7`); `--`
/// ends the options (the emulator takes no other argument).
///
/// # Errors
///
/// An [`ArgsError`] saying which argument is refused and why.
pub fn parse<I>(args: I) -> Result<Option<Args>, ArgsError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::prelude::*;
    let mut out = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls_cert_out: None,
        seed: None,
        state: None,
        self_delay: 0,
        ca_delay: 0,
        max_connections: MAX_CONNECTIONS,
        vaults: Vec::new(),
        verify_tokens: false,
        identity_header: None,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(refused)? {
        match arg {
            Long("listen") => {
                let v = text(parser.value())?;
                out.listen = v
                    .parse()
                    .map_err(|source| ArgsError::Address { value: v, source })?;
            }
            Long("tls-cert-out") => {
                out.tls_cert_out = Some(parser.value().map_err(refused)?.into())
            }
            Long("seed") => out.seed = Some(number("--seed", parser.value())?),
            Long("state") => out.state = Some(parser.value().map_err(refused)?.into()),
            Long("self-delay") => out.self_delay = number("--self-delay", parser.value())?,
            Long("ca-delay") => out.ca_delay = number("--ca-delay", parser.value())?,
            Long("max-connections") => {
                let n = number("--max-connections", parser.value())?;
                out.max_connections = usize::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(ArgsError::NoConnections)?;
            }
            Long("vault") => {
                let v = text(parser.value())?;
                let (name, port) = v.split_once('=').unwrap_or((&v, "0"));
                let Some(name) = vault_name(name) else {
                    return Err(ArgsError::VaultName { value: v });
                };
                let port = match port.parse() {
                    Ok(port) => port,
                    Err(source) => return Err(ArgsError::VaultPort { value: v, source }),
                };
                if out.vaults.iter().any(|(n, _)| *n == name) {
                    return Err(ArgsError::VaultTwice { name });
                }
                out.vaults.push((name, port));
            }
            Long("verify-tokens") => out.verify_tokens = true,
            Long("identity-header") => {
                let v = text(parser.value())?;
                if v.is_empty() {
                    return Err(ArgsError::EmptyIdentityHeader);
                }
                out.identity_header = Some(v);
            }
            Short('h') | Long("help") => return Ok(None),
            Short(c) => return Err(ArgsError::Unknown(format!("-{c}"))),
            Long(name) => return Err(ArgsError::Unknown(format!("--{name}"))),
            Value(v) => return Err(ArgsError::Unknown(v.to_string_lossy().into_owned())),
        }
    }
    Ok(Some(out))
}

/// The parser's refusal in the emulator's words.
fn refused(e: lexopt::Error) -> ArgsError {
    match e {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => ArgsError::MissingValue { option },
        lexopt::Error::UnexpectedValue { option, .. } => ArgsError::UnexpectedValue { option },
        other => ArgsError::Parser(other),
    }
}

/// An option's value as text.
fn text(value: Result<OsString, lexopt::Error>) -> Result<String, ArgsError> {
    use lexopt::prelude::*;
    value.and_then(ValueExt::string).map_err(refused)
}

/// An option's value as a `u64`.
fn number(option: &'static str, value: Result<OsString, lexopt::Error>) -> Result<u64, ArgsError> {
    let value = text(value)?;
    value.parse().map_err(|source| ArgsError::Number {
        option,
        value,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Option<Args>, ArgsError> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn reads_every_option_and_refuses_the_rest() {
        let a = args("--listen 127.0.0.1:8443 --seed 7 --state v.json --self-delay 3 --ca-delay 9 --tls-cert-out ca.pem --max-connections 5")
            .unwrap()
            .unwrap();
        assert_eq!(a.max_connections, 5);
        let v = args("--vault One --vault two=8450").unwrap().unwrap();
        assert_eq!(v.vaults, [("one".to_owned(), 0), ("two".to_owned(), 8450)]);
        assert!(args("--vault a").is_err(), "too short");
        assert!(args("--vault one --vault ONE").is_err(), "twice");
        assert!(args("--vault 1ab").is_err());
        assert!(args("--vault ab--c").is_err());
        assert!(args("--vault abc=x").is_err());
        assert!(args("--max-connections 0").is_err());
        assert_eq!(a.listen.port(), 8443);
        assert_eq!((a.seed, a.self_delay, a.ca_delay), (Some(7), 3, 9));
        assert_eq!(a.state.unwrap().to_str(), Some("v.json"));
        assert_eq!(args("--help").unwrap(), None);
        assert!(args("--seed x").is_err());
        assert!(args("--listen nowhere").is_err());
        assert!(args("--seed").is_err());
        assert!(args("extra").is_err());
        assert_eq!(args("").unwrap().unwrap().listen.port(), 0);
    }

    #[test]
    fn says_what_is_refused_as_before() {
        let said = |s: &str| args(s).unwrap_err().to_string();
        assert_eq!(said("--nope"), "unknown argument --nope (--help for usage)");
        assert!(matches!(args("--nope"), Err(ArgsError::Unknown(a)) if a == "--nope"));
        assert_eq!(said("-x"), "unknown argument -x (--help for usage)");
        assert_eq!(said("extra"), "unknown argument extra (--help for usage)");
        assert_eq!(said("--seed"), "--seed needs a value");
        assert_eq!(said("--seed x"), "--seed x: invalid digit found in string");
        assert_eq!(said("--max-connections 0"), "--max-connections: 1 or more");
        assert_eq!(said("--vault one --vault ONE"), "--vault one twice");
        assert_eq!(
            said("--vault a"),
            "--vault a: a vault name is 3-24 letters, digits and hyphens"
        );
        assert_eq!(
            said("--verify-tokens=yes"),
            "--verify-tokens takes no value"
        );
        assert!(said("--listen nowhere").starts_with("--listen nowhere: "));
        assert_eq!(
            parse(["--identity-header", ""]).unwrap_err().to_string(),
            "--identity-header needs a non-empty value"
        );
        // A value may look like an option, or be joined by `=`.
        let a = args("--identity-header --x --seed=9 -h").unwrap();
        assert_eq!(a, None, "-h after the others");
        let a = args("--identity-header --x --seed=9").unwrap().unwrap();
        assert_eq!(
            (a.identity_header.as_deref(), a.seed),
            (Some("--x"), Some(9))
        );
    }
}
