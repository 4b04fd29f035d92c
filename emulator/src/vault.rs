//! The emulated vault: kvcert's engine, a clock the tests can move, the authentication
//! challenge, the management endpoints and the store. No sockets here: one request in, one
//! answer out, from any number of threads at once.
//!
//! # Decide, work, commit
//!
//! A request holds the vault's lock only to decide and to commit; its key generation,
//! signing and PFX run without it (`kvcert::service::engine::detach`):
//!
//! 1. Under the lock: the emulated `now`; a `GET` with no time-driven work due is answered at
//!    once. Otherwise the request's part of the vault is copied out, and a seed for its RNG
//!    is drawn from the vault's RNG (so that a sequential client with `--seed` gets the same
//!    bytes on every run).
//! 2. Without the lock: the engine answers the request on that part.
//! 3. Under the lock: the change is put back into the vault and committed to the store in
//!    one transaction before the answer leaves; if the vault changed meanwhile under that
//!    part, the request is worked again (at most [`MAX_ATTEMPTS`] times, then under the
//!    lock). When the commit fails, the rows it named are read back from the store and the
//!    client gets 500: nothing of the change stays.
//!
//! Requests that may read any name (lists, issuers, contacts, restore) run under the lock,
//! after the due work has been worked and committed as in steps 1–3.

use std::sync::{Mutex, MutexGuard};

use kvcert::rand_core::{Rng, SeedableRng};
use kvcert::service::engine::Request as EngineRequest;
use kvcert::{ChaCha20Rng, UnixTime, VaultState};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Error;
use crate::error::{CHALLENGE, ClockError, TimeError};
use crate::http::{Request, Response};
use crate::store::{Meta, VaultStore};

/// Where the management endpoints live: no Key Vault path starts with it.
pub const MANAGEMENT_PREFIX: &str = "/_kvcert/";

/// How many times a request is worked outside the lock before it is worked under it (each
/// retry follows a commit of another request on the same name).
pub const MAX_ATTEMPTS: usize = 4;

/// The 401 body, in the recorded wording.
const UNAUTHORIZED: &str = r#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#;

/// The emulator's clock: the system clock shifted by the tests, never going back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// Seconds added to the system clock (moved by `POST /_kvcert/clock`).
    pub offset: i64,
    /// The latest `now` handed to the engine (Unix seconds): time never goes back, even if
    /// the system clock does, or the emulator restarts.
    pub last: u64,
}

/// The vault and what drives it, shared by every connection.
pub struct Emulator {
    inner: Mutex<Inner>,
}

struct Inner {
    state: VaultState,
    rng: ChaCha20Rng,
    clock: Clock,
    store: Option<VaultStore>,
}

impl Emulator {
    /// An emulator of `state`, drawing keys and ids from `rng`, with its clock at `clock`,
    /// committing every change to `store` (none: the vault lives in memory only).
    pub fn new(
        state: VaultState,
        rng: ChaCha20Rng,
        clock: Clock,
        store: Option<VaultStore>,
    ) -> Self {
        Emulator {
            inner: Mutex::new(Inner {
                state,
                rng,
                clock,
                store,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while answering would poison the lock; the vault is still whole (a change
        // is put back in one step), so go on with it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the vault, with the lock held (for tests and the shutdown, which waits
    /// for a commit in progress).
    pub fn with_state<T>(&self, f: impl FnOnce(&VaultState) -> T) -> T {
        f(&self.lock().state)
    }

    /// The answer to `request` if it is a plain read: a `GET` with a token, nothing due, no
    /// crypto; `None` for anything else (answer it with [`Self::handle`], off the async
    /// threads). Holds the vault's lock only to read.
    pub fn try_read(&self, request: &Request, system: u64) -> Option<Response> {
        let plain = request.method == "GET"
            && !request.target.starts_with(MANAGEMENT_PREFIX)
            && has_bearer(request);
        if !plain {
            return None;
        }
        let target = self.addressed(request);
        let engine_request = EngineRequest {
            method: &request.method,
            path: &target,
            body: &request.body,
        };
        let mut inner = self.lock();
        let now = inner.now(system).ok()?;
        if inner.state.has_due(now) {
            return None;
        }
        inner.state.read(&engine_request, now).map(converted)
    }

    /// The request's target as a whole URL of the address the client used, so that the
    /// engine renders the answer's ids under it.
    fn addressed(&self, request: &Request) -> String {
        match &request.host {
            Some(host) if request.target.starts_with('/') => {
                format!("https://{host}{}", request.target)
            }
            _ => request.target.clone(),
        }
    }

    /// Answers one request at system time `system` (Unix seconds).
    pub fn handle(&self, request: &Request, system: u64) -> Response {
        if request.target.starts_with(MANAGEMENT_PREFIX) {
            return self.lock().manage(request, system);
        }
        if !has_bearer(request) {
            let mut r = Response::json(401, UNAUTHORIZED.as_bytes().to_vec());
            r.headers
                .push(("WWW-Authenticate".to_owned(), CHALLENGE.to_owned()));
            return r;
        }
        // The ids of the answer follow the address the client used (the engine renders them
        // from a whole URL's scheme and authority).
        let target = self.addressed(request);
        let engine_request = EngineRequest {
            method: &request.method,
            path: &target,
            body: &request.body,
        };
        let read = request.method.eq_ignore_ascii_case("GET");
        for _ in 0..MAX_ATTEMPTS {
            let mut inner = self.lock();
            let now = match inner.now(system) {
                Ok(now) => now,
                Err(e) => return Error::from(e).response(),
            };
            if read
                && !inner.state.has_due(now)
                && let Some(answer) = inner.state.read(&engine_request, now)
            {
                return converted(answer);
            }
            match inner.state.detach(&engine_request, now) {
                Some(mut part) => {
                    let mut rng = inner.request_rng();
                    drop(inner);
                    let answer = part.handle(&engine_request, now, &mut rng);
                    let mut inner = self.lock();
                    if inner.state.attach(part).is_ok() {
                        return match inner.commit() {
                            Ok(()) => converted(answer),
                            Err(failed) => inner.read_instead(&engine_request, now, failed),
                        };
                    }
                }
                None => {
                    let Some(mut due) = inner.state.detach_due(now) else {
                        return inner.direct(&engine_request, now);
                    };
                    let mut rng = inner.request_rng();
                    drop(inner);
                    due.advance(now, &mut rng);
                    let mut inner = self.lock();
                    if inner.state.attach(due).is_ok()
                        && let Err(failed) = inner.commit()
                    {
                        return inner.read_instead(&engine_request, now, failed);
                    }
                }
            }
        }
        let mut inner = self.lock();
        match inner.now(system) {
            Ok(now) => inner.direct(&engine_request, now),
            Err(e) => Error::from(e).response(),
        }
    }
}

/// Whether the request carries a bearer token (any: the emulator authorizes nothing); one
/// without gets the challenge.
fn has_bearer(request: &Request) -> bool {
    request.authorization.as_deref().is_some_and(|a| {
        a.get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer "))
            && a.get(7..).is_some_and(|t| !t.trim().is_empty())
    })
}

fn converted(answer: kvcert::Response) -> Response {
    let mut r = Response::json(answer.status, answer.body);
    r.headers.extend(answer.headers);
    r
}

impl Inner {
    /// The emulated `now` for a system time of `system` seconds.
    fn now(&mut self, system: u64) -> Result<UnixTime, TimeError> {
        let shifted = i64::try_from(system)
            .ok()
            .and_then(|s| s.checked_add(self.clock.offset))
            .and_then(|s| u64::try_from(s).ok())
            .ok_or(TimeError::OutOfRange)?;
        self.clock.last = self.clock.last.max(shifted);
        UnixTime::from_unix_seconds(self.clock.last).ok_or(TimeError::Past9999)
    }

    /// An RNG for one request worked outside the lock, seeded from the vault's.
    fn request_rng(&mut self) -> ChaCha20Rng {
        let mut seed = Zeroizing::new([0u8; 32]);
        self.rng.fill_bytes(seed.as_mut());
        ChaCha20Rng::from_seed(*seed)
    }

    fn meta(&self) -> Meta {
        Meta {
            offset: self.clock.offset,
            last: self.clock.last,
            rng_seed: Zeroizing::new(self.rng.get_seed()),
            rng_word_pos: self.rng.get_word_pos(),
        }
    }

    /// After a failed commit: a `GET` is answered from the vault as committed (the due work
    /// it triggered is not shown, as it is not saved: a read keeps working while the store
    /// refuses writes); any other request gets `failed`.
    fn read_instead(
        &self,
        request: &EngineRequest<'_>,
        now: UnixTime,
        failed: Response,
    ) -> Response {
        self.state.read(request, now).map_or(failed, converted)
    }

    /// Answers `request` with the lock held, committing what it changed.
    fn direct(&mut self, request: &EngineRequest<'_>, now: UnixTime) -> Response {
        let answer = self.state.handle(request, now, &mut self.rng);
        match self.commit() {
            Ok(()) => converted(answer),
            Err(failed) => self.read_instead(request, now, failed),
        }
    }

    /// Commits what the vault's calls changed; on failure, puts the vault back to what the
    /// store holds and gives the 500 to answer.
    fn commit(&mut self) -> Result<(), Response> {
        let changes = self.state.take_changes();
        if changes.is_empty() {
            return Ok(());
        }
        let meta = self.meta();
        let Some(store) = &self.store else {
            return Ok(());
        };
        let Err(e) = store.commit(&self.state, &changes, &meta) else {
            return Ok(());
        };
        eprintln!("kvcert-emulator: could not save the vault: {e}");
        if let Err(e) = store.revert(&mut self.state, &changes) {
            eprintln!("kvcert-emulator: could not go back to the saved vault: {e}");
        }
        Err(Response::text(500, "the vault could not be saved"))
    }

    fn manage(&mut self, request: &Request, system: u64) -> Response {
        let now = match self.now(system) {
            Ok(now) => now,
            Err(e) => return Error::from(e).response(),
        };
        let path = request.target.split('?').next().unwrap_or_default();
        let clock = |now: UnixTime| {
            Response::json(
                200,
                json!({ "now": now.to_string() }).to_string().into_bytes(),
            )
        };
        match (request.method.as_str(), &path[MANAGEMENT_PREFIX.len()..]) {
            ("GET", "clock") => clock(now),
            ("POST", "clock") => {
                let before = self.clock;
                match self.set_clock(&request.body, system, now) {
                    Ok(now) => {
                        let meta = self.meta();
                        if let Some(store) = &self.store
                            && let Err(e) = store.commit_meta(&meta)
                        {
                            eprintln!("kvcert-emulator: could not save the clock: {e}");
                            self.clock = before;
                            return Response::text(500, "the clock could not be saved");
                        }
                        clock(now)
                    }
                    Err(e) => Error::from(e).response(),
                }
            }
            ("GET", "ca") => {
                let mut r = Response::text(200, &self.state.emulated_ca_roots_pem());
                r.headers[0].1 = "application/x-pem-file".to_owned();
                r
            }
            _ => Response::text(404, "no such management endpoint"),
        }
    }

    /// `{"advance_seconds": N}` or `{"now": RFC3339}`; the clock only moves forward.
    fn set_clock(
        &mut self,
        body: &[u8],
        system: u64,
        now: UnixTime,
    ) -> Result<UnixTime, ClockError> {
        let body: Value = serde_json::from_slice(body).map_err(ClockError::NotJson)?;
        let target = match (body.get("advance_seconds"), body.get("now")) {
            (Some(n), None) => n
                .as_u64()
                .and_then(|n| now.as_secs().checked_add(n))
                .ok_or(ClockError::AdvanceSeconds)?,
            (None, Some(t)) => {
                let t: UnixTime = t
                    .as_str()
                    .ok_or(ClockError::NowNotText)?
                    .parse()
                    .map_err(ClockError::Now)?;
                if t.as_secs() < now.as_secs() {
                    return Err(ClockError::Backwards { now });
                }
                t.as_secs()
            }
            _ => return Err(ClockError::Neither),
        };
        let target_i = i64::try_from(target).map_err(|_| ClockError::OutOfRange)?;
        let system_i = i64::try_from(system).map_err(|_| ClockError::OutOfRange)?;
        self.clock.offset = target_i - system_i;
        Ok(self.now(system)?)
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
            Clock::default(),
            None,
        )
    }

    fn request(method: &str, target: &str, token: bool, body: &str) -> Request {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            host: None,
            authorization: token.then(|| "Bearer anything".to_owned()),
            identity_header: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn challenges_a_request_without_a_token_then_takes_any() {
        let e = emulator();
        let r = e.handle(
            &request("GET", "/certificates?api-version=7.6", false, ""),
            T0,
        );
        assert_eq!(r.status, 401);
        // A blank token is no token, on the read path as on the others.
        let mut blank = request("GET", "/certificates?api-version=7.6", false, "");
        blank.authorization = Some("Bearer   ".to_owned());
        assert_eq!(e.try_read(&blank, T0), None);
        assert_eq!(e.handle(&blank, T0).status, 401);
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "WWW-Authenticate" && v == CHALLENGE)
        );
        assert!(String::from_utf8_lossy(&r.body).contains("AKV10000"));
        let r = e.handle(
            &request("GET", "/certificates?api-version=7.6", true, ""),
            T0,
        );
        assert_eq!(r.status, 200);
        let create = r#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
        let r = e.handle(
            &request(
                "POST",
                "/certificates/a/create?api-version=7.6",
                true,
                create,
            ),
            T0,
        );
        assert_eq!(r.status, 202);
        assert!(r.headers.iter().any(|(n, _)| n == "Location"));
    }

    #[test]
    fn the_clock_moves_forward_only() {
        let e = emulator();
        let r = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2026-01-01T00:00:00Z"}"#
        );
        let r = e.handle(
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
        let r = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0 + 10);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"now":"2026-01-02T00:00:10Z"}"#
        );
        let r = e.handle(
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
        // The refusal's body, as it has always read.
        let r = e.handle(
            &request(
                "POST",
                "/_kvcert/clock",
                false,
                r#"{"now":"2026-01-01T00:00:00Z"}"#,
            ),
            T0 + 10,
        );
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r#"{"error":"the clock only moves forward (it is 2027-06-01T00:00:00Z)"}"#
        );
        for refused in [
            r#"{"now":"2026-01-01T00:00:00Z"}"#,
            r#"{"advance_seconds":-5}"#,
            r#"{"advance_seconds":1,"now":"2027-06-01T00:00:00Z"}"#,
            "nonsense",
        ] {
            let r = e.handle(&request("POST", "/_kvcert/clock", false, refused), T0 + 10);
            assert_eq!(r.status, 400, "{refused}");
        }
        // A system clock that steps back does not take the vault back.
        let r = e.handle(&request("GET", "/_kvcert/clock", false, ""), T0);
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
        let e = Emulator::new(state, rng, Clock::default(), None);
        let r = e.handle(&request("GET", "/_kvcert/ca", false, ""), T0);
        assert_eq!(r.status, 200);
        assert_eq!(
            String::from_utf8_lossy(&r.body)
                .matches("-----BEGIN CERTIFICATE-----")
                .count(),
            4
        );
        let r = e.handle(&request("DELETE", "/_kvcert/clock", false, ""), T0);
        assert_eq!(r.status, 404);
    }
}
