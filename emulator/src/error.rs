//! The emulator's errors: one [`Error`] for start-up, the store and the answers that fail,
//! with typed details and their causes as [`source`](std::error::Error::source).
//!
//! Each error's text is the sentence the emulator prints (`kvcert-emulator: …` on stderr) or
//! answers (a management or token refusal), cause included; [`Error::response`] is the one
//! place an error becomes an HTTP answer.

use std::fmt;
use std::net::SocketAddr;
use std::num::ParseIntError;
use std::path::PathBuf;

use kvcert::UnixTime;

use crate::http::Response;

/// The challenge Key Vault sends to a request without a token (every recording's first
/// exchange; `docs/service-behaviour.md` §8). The tenant is a placeholder: the emulator
/// takes any token.
pub const CHALLENGE: &str = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";

/// What went wrong in the emulator.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The command line is not one the emulator takes (the command exits with 2).
    Args(ArgsError),
    /// An operating-system call that is not about a file: `what` names it.
    Io {
        /// What was being done, e.g. "the runtime".
        what: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file could not be read, written, created or renamed.
    File {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A listening socket could not be opened (or its address read).
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The vault's database refused a statement.
    Store {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The `--state` file is not one this emulator can open, or holds rows it did not write.
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: StateFileProblem,
    },
    /// kvcert refused one of the emulator's own calls (its TLS certificates, the token
    /// issuer's key, a vault's rows).
    Kvcert {
        /// What was being done, e.g. "the TLS root".
        what: &'static str,
        /// kvcert's error.
        source: Box<kvcert::Error>,
    },
    /// rustls refused the server configuration.
    Tls(rustls::Error),
    /// A bearer token that is not one the emulator's issuer signed for a vault, now
    /// (`--verify-tokens`): answered 401 with the challenge.
    Token(TokenError),
    /// A `POST /_kvcert/clock` body the clock does not take: answered 400.
    Clock(ClockError),
    /// The emulated clock is out of the range kvcert's time covers: answered 500.
    Time(TimeError),
    /// Something that cannot happen did (a broken invariant of the emulator's own).
    Internal(&'static str),
}

/// `map_err` for a call into kvcert: its error (the service's, or a layer's, which kvcert
/// turns into the service's) with what the emulator was doing.
pub(crate) fn kvcert<E: Into<kvcert::Error>>(what: &'static str) -> impl FnOnce(E) -> Error {
    move |source| Error::Kvcert {
        what,
        source: Box::new(source.into()),
    }
}

impl Error {
    /// The answer a request that failed with this error gets: a token refusal is 401 with
    /// Key Vault's challenge, a clock body refusal is 400 with `{"error": TEXT}`, anything
    /// else 500 with the text.
    pub fn response(&self) -> Response {
        match self {
            Error::Token(why) => {
                let body = serde_json::json!({"error": {"code": "Unauthorized",
                    "message": format!("The bearer token is not valid: {why}.")}});
                let mut r = Response::json(401, body.to_string().into_bytes());
                r.headers
                    .push(("WWW-Authenticate".to_owned(), CHALLENGE.to_owned()));
                r
            }
            Error::Clock(why) => Response::json(
                400,
                serde_json::json!({ "error": why.to_string() })
                    .to_string()
                    .into_bytes(),
            ),
            other => Response::text(500, &other.to_string()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Args(e) => e.fmt(f),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::File { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Listen { addr, source } => write!(f, "listen on {addr}: {source}"),
            Error::Store { path, source } => write!(f, "{}: {source}", path.display()),
            Error::StateFile { path, problem } => {
                let shown = path.display();
                match problem {
                    StateFileProblem::Unknown => write!(
                        f,
                        "{shown} is neither a kvcert vault database nor a state file kvcert wrote"
                    ),
                    StateFileProblem::Schema { found, expected } => write!(
                        f,
                        "{shown} is a kvcert vault of schema {found}; this emulator reads schema \
                         {expected}: use the emulator that wrote it"
                    ),
                    StateFileProblem::ForeignDatabase => {
                        write!(f, "{shown} is an SQLite database, but not a kvcert vault")
                    }
                    StateFileProblem::TooLarge { limit, .. } => {
                        write!(f, "{shown}: larger than {limit} bytes: not a state file")
                    }
                    StateFileProblem::NotAVault(e) => write!(
                        f,
                        "{shown} is not a saved vault (corrupt or from elsewhere): {e}"
                    ),
                    StateFileProblem::ForeignRow(e) => {
                        write!(f, "{shown} holds a row kvcert did not write: {e}")
                    }
                    StateFileProblem::DamagedMeta => {
                        write!(f, "{shown}: the meta table is damaged")
                    }
                }
            }
            // kvcert's own sentence, as the emulator has always printed it.
            Error::Kvcert { source, .. } => source.fmt(f),
            Error::Tls(e) => e.fmt(f),
            Error::Token(e) => e.fmt(f),
            Error::Clock(e) => e.fmt(f),
            Error::Time(e) => e.fmt(f),
            Error::Internal(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Args(e) => Some(e),
            Error::Io { source, .. }
            | Error::File { source, .. }
            | Error::Listen { source, .. } => Some(source),
            Error::Store { source, .. } => Some(source),
            Error::StateFile { problem, .. } => match problem {
                StateFileProblem::NotAVault(e) | StateFileProblem::ForeignRow(e) => Some(e),
                _ => None,
            },
            Error::Kvcert { source, .. } => Some(source),
            Error::Tls(e) => Some(e),
            Error::Token(e) => Some(e),
            Error::Clock(e) => Some(e),
            Error::Time(e) => Some(e),
            Error::Internal(_) => None,
        }
    }
}

impl From<ArgsError> for Error {
    fn from(e: ArgsError) -> Self {
        Error::Args(e)
    }
}

impl From<TokenError> for Error {
    fn from(e: TokenError) -> Self {
        Error::Token(e)
    }
}

impl From<ClockError> for Error {
    fn from(e: ClockError) -> Self {
        Error::Clock(e)
    }
}

impl From<TimeError> for Error {
    fn from(e: TimeError) -> Self {
        Error::Time(e)
    }
}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Error::Tls(e)
    }
}

/// Why the command line is refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum ArgsError {
    /// An option that takes a value came last.
    MissingValue {
        /// The option, as written (`--seed`).
        option: String,
    },
    /// An option that takes no value was given one (`--verify-tokens=yes`).
    UnexpectedValue {
        /// The option, as written.
        option: String,
    },
    /// A value that is not a number.
    Number {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// Why it is not a number.
        source: ParseIntError,
    },
    /// A `--listen` value that is not an address and port.
    Address {
        /// The value given.
        value: String,
        /// Why it is not an address.
        source: std::net::AddrParseError,
    },
    /// `--max-connections 0` (or more than the platform's `usize`).
    NoConnections,
    /// A `--vault` name that is not a Key Vault name.
    VaultName {
        /// The value given (`NAME[=PORT]`).
        value: String,
    },
    /// A `--vault` port that is not a port.
    VaultPort {
        /// The value given (`NAME=PORT`).
        value: String,
        /// Why it is not a port.
        source: ParseIntError,
    },
    /// The same vault named twice.
    VaultTwice {
        /// The vault's name.
        name: String,
    },
    /// `--identity-header ""`.
    EmptyIdentityHeader,
    /// An argument the emulator does not know.
    Unknown(String),
    /// What the argument parser refused otherwise (a value that is not UTF-8).
    Parser(lexopt::Error),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::MissingValue { option } => write!(f, "{option} needs a value"),
            ArgsError::UnexpectedValue { option } => write!(f, "{option} takes no value"),
            ArgsError::Number {
                option,
                value,
                source,
            } => write!(f, "{option} {value}: {source}"),
            ArgsError::Address { value, source } => write!(f, "--listen {value}: {source}"),
            ArgsError::NoConnections => f.write_str("--max-connections: 1 or more"),
            ArgsError::VaultName { value } => write!(
                f,
                "--vault {value}: a vault name is 3-24 letters, digits and hyphens"
            ),
            ArgsError::VaultPort { value, source } => write!(f, "--vault {value}: {source}"),
            ArgsError::VaultTwice { name } => write!(f, "--vault {name} twice"),
            ArgsError::EmptyIdentityHeader => {
                f.write_str("--identity-header needs a non-empty value")
            }
            ArgsError::Unknown(arg) => write!(f, "unknown argument {arg} (--help for usage)"),
            ArgsError::Parser(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ArgsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ArgsError::Number { source, .. } | ArgsError::VaultPort { source, .. } => Some(source),
            ArgsError::Address { source, .. } => Some(source),
            ArgsError::Parser(e) => Some(e),
            _ => None,
        }
    }
}

/// What is wrong with a `--state` file.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateFileProblem {
    /// Neither an SQLite database nor JSON.
    Unknown,
    /// A kvcert vault of another schema.
    Schema {
        /// Its schema (`PRAGMA user_version`).
        found: i64,
        /// The schema this emulator reads.
        expected: i64,
    },
    /// An SQLite database of something else.
    ForeignDatabase,
    /// A JSON file larger than [`crate::store::MAX_STATE_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The largest state file read.
        limit: u64,
    },
    /// JSON kvcert cannot read as a saved vault.
    NotAVault(Box<kvcert::Error>),
    /// A row kvcert cannot read.
    ForeignRow(Box<kvcert::Error>),
    /// The `meta` table's values are not the emulator's.
    DamagedMeta,
}

/// Why a bearer token is refused under `--verify-tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three dot-separated parts.
    NotJwt,
    /// The header or the claims are not base64url.
    PartNotBase64url,
    /// The header or the claims are not JSON.
    PartNotJson,
    /// Not `RS256` with the key id of this emulator's issuer.
    WrongIssuer,
    /// The signature is not base64url.
    SignatureNotBase64url,
    /// The signature does not verify with the issuer's key.
    BadSignature,
    /// The audience is not the vault's ([`crate::identity::VAULT_AUDIENCE`]).
    WrongAudience {
        /// The token's audience (trailing `/` removed).
        audience: String,
        /// The audience a vault takes.
        expected: &'static str,
    },
    /// `now` is not within `nbf` (less five minutes of skew) and `exp`.
    Expired,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::NotJwt => "it is not a JWT",
            TokenError::PartNotBase64url => "a part is not base64url",
            TokenError::PartNotJson => "a part is not JSON",
            TokenError::WrongIssuer => "it is not signed by this emulator's issuer",
            TokenError::SignatureNotBase64url => "the signature is not base64url",
            TokenError::BadSignature => "its signature does not verify",
            TokenError::WrongAudience { audience, expected } => {
                return write!(f, "its audience is {audience}, not {expected}");
            }
            TokenError::Expired => "it is expired or not yet valid",
        })
    }
}

impl std::error::Error for TokenError {}

/// Why a `POST /_kvcert/clock` body is refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClockError {
    /// The body is not JSON.
    NotJson(serde_json::Error),
    /// `advance_seconds` is not a whole number of seconds, 0 or more (or overflows).
    AdvanceSeconds,
    /// `now` is not a string.
    NowNotText,
    /// `now` is not RFC 3339.
    Now(kvcert::ParseTimeError),
    /// `now` is before the clock's time.
    Backwards {
        /// The clock's time.
        now: UnixTime,
    },
    /// Neither or both of `advance_seconds` and `now`.
    Neither,
    /// The target does not fit the clock's offset.
    OutOfRange,
    /// The clock moved out of kvcert's range.
    Time(TimeError),
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::NotJson(e) => write!(f, "not JSON: {e}"),
            ClockError::AdvanceSeconds => {
                f.write_str("advance_seconds must be a whole number of seconds, 0 or more")
            }
            ClockError::NowNotText => f.write_str("now must be an RFC 3339 string"),
            ClockError::Now(e) => write!(f, "now: {e}"),
            ClockError::Backwards { now } => {
                write!(f, "the clock only moves forward (it is {now})")
            }
            ClockError::Neither => {
                f.write_str("send {\"advance_seconds\": N} or {\"now\": RFC3339}")
            }
            ClockError::OutOfRange => f.write_str("out of range"),
            ClockError::Time(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ClockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClockError::NotJson(e) => Some(e),
            ClockError::Now(e) => Some(e),
            ClockError::Time(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TimeError> for ClockError {
    fn from(e: TimeError) -> Self {
        ClockError::Time(e)
    }
}

/// The emulated clock (or the system's) outside kvcert's time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The system clock shifted by the emulator's offset is not a Unix time.
    OutOfRange,
    /// The emulated clock is past the year 9999.
    Past9999,
    /// The system clock is not a time kvcert takes.
    SystemOutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::OutOfRange => "the clock is out of range",
            TimeError::Past9999 => "the clock is past 9999",
            TimeError::SystemOutOfRange => "the system clock is out of range",
        })
    }
}

impl std::error::Error for TimeError {}

/// An error and the causes its text does not already show, for the command's last words:
/// `TEXT: CAUSE: …`.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a>(pub &'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        let mut cause = std::error::Error::source(self.0);
        while let Some(e) = cause {
            let text = e.to_string();
            if !shown.contains(&text) {
                shown.push_str(": ");
                shown.push_str(&text);
            }
            cause = e.source();
        }
        f.write_str(&shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_sources() {
        let e = Error::File {
            path: PathBuf::from("v.db"),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        };
        assert_eq!(e.to_string(), "v.db: gone");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(Report(&e).to_string(), "v.db: gone", "a cause shown once");
        let r = Error::from(TokenError::Expired).response();
        assert_eq!(r.status, 401);
        assert!(r.headers.iter().any(|(n, _)| n == "WWW-Authenticate"));
        assert!(
            String::from_utf8_lossy(&r.body)
                .contains("The bearer token is not valid: it is expired or not yet valid.")
        );
        let r = Error::from(ClockError::Neither).response();
        assert_eq!(r.status, 400);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"error":"send {\"advance_seconds\": N} or {\"now\": RFC3339}"}"#
        );
        let r = Error::from(TimeError::Past9999).response();
        assert_eq!(
            (r.status, String::from_utf8_lossy(&r.body).as_ref()),
            (500, "the clock is past 9999")
        );
    }
}
