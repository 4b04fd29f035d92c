//! The emulated vault: kvcert's engine, a clock the tests can move, the authentication
//! challenge and the management endpoints. No sockets here: one request in, one answer out.

use kvcert::service::engine::Request as EngineRequest;
use kvcert::{ChaCha20Rng, UnixTime, VaultState};
use serde_json::{Value, json};

use crate::http::{Request, Response};

/// Where the management endpoints live: no Key Vault path starts with it.
pub const MANAGEMENT_PREFIX: &str = "/_kvcert/";

/// The challenge Key Vault sends to a request without a token (every recording's first
/// exchange; `spec/service-behaviour.md` §errors). The tenant is a placeholder: the emulator
/// takes any token.
pub const CHALLENGE: &str = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"";

/// The 401 body, in the recorded wording.
const UNAUTHORIZED: &str = r#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#;

/// The vault and what drives it.
pub struct Emulator {
    state: VaultState,
    rng: ChaCha20Rng,
    /// Seconds added to the system clock (moved by `POST /_kvcert/clock`).
    offset: i64,
    /// The latest `now` handed to the engine: time never goes back, even if the system
    /// clock does.
    last: u64,
}

/// Whether an answer changed the vault (so that it must be saved before it is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Nothing to save.
    No,
    /// Save before answering.
    Yes,
}

impl Emulator {
    /// An emulator of `state`, drawing keys and ids from `rng`.
    pub fn new(state: VaultState, rng: ChaCha20Rng) -> Self {
        Emulator {
            state,
            rng,
            offset: 0,
            last: 0,
        }
    }

    /// The vault.
    pub fn state(&self) -> &VaultState {
        &self.state
    }

    /// Puts `state` in place of the vault (the last saved one, after a save failed).
    pub fn replace_state(&mut self, state: VaultState) {
        self.state = state;
    }

    /// The emulated `now` for a system time of `system` seconds.
    fn now(&mut self, system: u64) -> Result<UnixTime, String> {
        let shifted = i64::try_from(system)
            .ok()
            .and_then(|s| s.checked_add(self.offset))
            .and_then(|s| u64::try_from(s).ok())
            .ok_or("the clock is out of range")?;
        self.last = self.last.max(shifted);
        UnixTime::from_unix_seconds(self.last).ok_or_else(|| "the clock is past 9999".to_owned())
    }

    /// Answers one request at system time `system` (Unix seconds).
    pub fn handle(&mut self, request: &Request, system: u64) -> (Response, Changed) {
        let now = match self.now(system) {
            Ok(now) => now,
            Err(e) => return (Response::text(500, &e), Changed::No),
        };
        if request.target.starts_with(MANAGEMENT_PREFIX) {
            return self.manage(request, system, now);
        }
        let bearer = request.authorization.as_deref().is_some_and(|a| {
            a.len() > 7 && a[..7].eq_ignore_ascii_case("bearer ") && !a[7..].trim().is_empty()
        });
        if !bearer {
            let mut r = Response::json(401, UNAUTHORIZED.as_bytes().to_vec());
            r.headers
                .push(("WWW-Authenticate".to_owned(), CHALLENGE.to_owned()));
            return (r, Changed::No);
        }
        let drawn = self.rng.get_word_pos();
        let answer = self.state.handle(
            &EngineRequest {
                method: &request.method,
                path: &request.target,
                body: &request.body,
            },
            now,
            &mut self.rng,
        );
        // A request that drew randomness made something that could not be made the same
        // again after a restart: a new key, version or id (for a read, the renewals that came
        // due first, which its answer may show). It is saved before the answer, like any
        // successful write. Work that draws nothing (a completion made at the create, a
        // notification) is made again identically from the saved vault, so a read that
        // caused it saves nothing and keeps answering while the store cannot be written.
        let drew = self.rng.get_word_pos() != drawn;
        let changed = if drew || (request.method != "GET" && answer.status < 400) {
            Changed::Yes
        } else {
            Changed::No
        };
        let mut r = Response::json(answer.status, answer.body);
        r.headers.extend(answer.headers);
        (r, changed)
    }

    fn manage(&mut self, request: &Request, system: u64, now: UnixTime) -> (Response, Changed) {
        let path = request.target.split('?').next().unwrap_or_default();
        let clock = |now: UnixTime| {
            Response::json(
                200,
                json!({ "now": now.to_string() }).to_string().into_bytes(),
            )
        };
        match (request.method.as_str(), &path[MANAGEMENT_PREFIX.len()..]) {
            ("GET", "clock") => (clock(now), Changed::No),
            ("POST", "clock") => match self.set_clock(&request.body, system, now) {
                Ok(now) => (clock(now), Changed::No),
                Err(e) => (
                    Response::json(400, json!({ "error": e }).to_string().into_bytes()),
                    Changed::No,
                ),
            },
            ("GET", "ca") => {
                let mut r = Response::text(200, &self.state.emulated_ca_roots_pem());
                r.headers[0].1 = "application/x-pem-file".to_owned();
                (r, Changed::No)
            }
            _ => (
                Response::text(404, "no such management endpoint"),
                Changed::No,
            ),
        }
    }

    /// `{"advance_seconds": N}` or `{"now": RFC3339}`; the clock only moves forward.
    fn set_clock(&mut self, body: &[u8], system: u64, now: UnixTime) -> Result<UnixTime, String> {
        let body: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let target = match (body.get("advance_seconds"), body.get("now")) {
            (Some(n), None) => n
                .as_u64()
                .and_then(|n| now.as_secs().checked_add(n))
                .ok_or("advance_seconds must be a whole number of seconds, 0 or more")?,
            (None, Some(t)) => {
                let t: UnixTime = t
                    .as_str()
                    .ok_or("now must be an RFC 3339 string")?
                    .parse()
                    .map_err(|e| format!("now: {e}"))?;
                if t.as_secs() < now.as_secs() {
                    return Err(format!("the clock only moves forward (it is {now})"));
                }
                t.as_secs()
            }
            _ => return Err("send {\"advance_seconds\": N} or {\"now\": RFC3339}".to_owned()),
        };
        let target_i = i64::try_from(target).map_err(|_| "out of range")?;
        let system_i = i64::try_from(system).map_err(|_| "out of range")?;
        self.offset = target_i - system_i;
        self.now(system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kvcert::Vault;
    use kvcert::rand_core::SeedableRng;

    const T0: u64 = 1_767_225_600;

    fn emulator() -> Emulator {
        Emulator::new(
            VaultState::new(Vault::new("https://127.0.0.1:8443")),
            ChaCha20Rng::seed_from_u64(7),
        )
    }

    fn request(method: &str, target: &str, token: bool, body: &str) -> Request {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            authorization: token.then(|| "Bearer anything".to_owned()),
            body: body.as_bytes().to_vec(),
            keep_alive: true,
        }
    }

    #[test]
    fn challenges_a_request_without_a_token_then_takes_any() {
        let mut e = emulator();
        let (r, _) = e.handle(
            &request("GET", "/certificates?api-version=7.6", false, ""),
            T0,
        );
        assert_eq!(r.status, 401);
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "WWW-Authenticate" && v == CHALLENGE)
        );
        assert!(String::from_utf8_lossy(&r.body).contains("AKV10000"));
        let (r, changed) = e.handle(
            &request("GET", "/certificates?api-version=7.6", true, ""),
            T0,
        );
        assert_eq!((r.status, changed), (200, Changed::No));
        let create = r#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
        let (r, changed) = e.handle(
            &request(
                "POST",
                "/certificates/a/create?api-version=7.6",
                true,
                create,
            ),
            T0,
        );
        assert_eq!((r.status, changed), (202, Changed::Yes));
        assert!(r.headers.iter().any(|(n, _)| n == "Location"));
    }

    #[test]
    fn the_clock_moves_forward_only() {
        let mut e = emulator();
        let (r, _) = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2026-01-01T00:00:00Z"}"#
        );
        let (r, _) = e.handle(
            &request(
                "POST",
                "/_kvcert/clock",
                false,
                r#"{"advance_seconds":86400}"#,
            ),
            T0,
        );
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2026-01-02T00:00:00Z"}"#
        );
        // Ten seconds of system time later, the shifted clock has moved ten seconds.
        let (r, _) = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0 + 10);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2026-01-02T00:00:10Z"}"#
        );
        let (r, _) = e.handle(
            &request(
                "POST",
                "/_kvcert/clock",
                false,
                r#"{"now":"2027-06-01T00:00:00Z"}"#,
            ),
            T0 + 10,
        );
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2027-06-01T00:00:00Z"}"#
        );
        for refused in [
            r#"{"now":"2026-01-01T00:00:00Z"}"#,
            r#"{"advance_seconds":-5}"#,
            r#"{"advance_seconds":1,"now":"2027-06-01T00:00:00Z"}"#,
            "nonsense",
        ] {
            let (r, _) = e.handle(&request("POST", "/_kvcert/clock", false, refused), T0 + 10);
            assert_eq!(r.status, 400, "{refused}");
        }
        // A system clock that steps back does not take the vault back.
        let (r, _) = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2027-06-01T00:00:00Z"}"#
        );
    }

    #[test]
    fn serves_the_emulated_roots_and_refuses_other_management_paths() {
        let mut state = VaultState::new(Vault::new("https://127.0.0.1:8443"));
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let now = UnixTime::from_unix_seconds(T0).unwrap();
        state.make_emulated_cas(now, &mut rng).unwrap();
        let mut e = Emulator::new(state, rng);
        let (r, _) = e.handle(&request("GET", "/_kvcert/ca", false, ""), T0);
        assert_eq!(r.status, 200);
        assert_eq!(
            String::from_utf8_lossy(&r.body)
                .matches("-----BEGIN CERTIFICATE-----")
                .count(),
            4
        );
        let (r, _) = e.handle(&request("DELETE", "/_kvcert/clock", false, ""), T0);
        assert_eq!(r.status, 404);
    }
}
