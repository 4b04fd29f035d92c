//! A client of `VaultState::handle` for the engine suites: one vault, one RNG, and a clock
//! the test moves.

use kvcert::rand_core::SeedableRng;
use kvcert::service::engine::Request;
use kvcert::{ChaCha20Rng, IssuanceDelays, Response, UnixTime, Vault, VaultState};

/// The instant every engine suite starts at.
pub const START: &str = "2026-01-15T12:00:00Z";

/// One vault and what calls it.
pub struct Client {
    /// The vault.
    pub state: VaultState,
    /// The RNG every call draws from.
    pub rng: ChaCha20Rng,
    /// The `now` of the next call.
    pub now: UnixTime,
    /// Appended to paths without an `api-version` (`None`: sent as given).
    pub api_version: Option<&'static str>,
}

impl Client {
    /// A client of a new vault with these settings, at [`START`], calling with api-version 7.6.
    pub fn new(vault: Vault, delays: IssuanceDelays, seed: u64) -> Self {
        Client {
            state: VaultState::with_delays(vault, delays),
            rng: ChaCha20Rng::seed_from_u64(seed),
            now: START.parse().expect("START is RFC 3339"),
            api_version: Some("7.6"),
        }
    }

    /// One request at `now`.
    pub fn call(&mut self, method: &str, path: &str, body: &str) -> Response {
        let path = match self.api_version {
            Some(v) if !path.contains("api-version=") => {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{path}{sep}api-version={v}")
            }
            _ => path.to_owned(),
        };
        self.state.handle(
            &Request {
                method,
                path: &path,
                body: body.as_bytes(),
            },
            self.now,
            &mut self.rng,
        )
    }

    /// Moves the clock `secs` forward.
    pub fn later(&mut self, secs: u64) {
        self.now = UnixTime::from_unix_seconds(self.now.as_secs() + secs).expect("before 9999");
    }

    /// Sets the clock.
    pub fn at(&mut self, rfc3339: &str) {
        self.now = rfc3339.parse().expect("RFC 3339");
    }
}

/// A refused operation's typed error as (status, code, message), as the service answers it.
#[allow(dead_code)] // not every test binary that includes `support` uses it
pub fn refusal<T: std::fmt::Debug>(answer: Result<T, kvcert::Error>) -> (u16, String, String) {
    let error = answer.unwrap_err();
    let body = error.to_key_vault_error().error;
    (error.status(), body.code, body.message)
}

/// A Key Vault error answer as (status, code, message).
pub fn error(response: &Response) -> (u16, String, String) {
    let body = response.body_json();
    (
        response.status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}
