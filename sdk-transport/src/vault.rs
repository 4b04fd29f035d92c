//! [`InProcessVault`]: a `VaultState`, its clock and its RNG behind one lock, as the SDK's
//! `HttpClient`.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{AUTHORIZATION, CONTENT_TYPE, Headers, WWW_AUTHENTICATE};
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, HttpClient, Request, StatusCode, Transport,
};
use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
use azure_security_keyvault_keys::{KeyClient, KeyClientOptions};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use kvcert::rand_core::SeedableRng as _;
use kvcert::service::engine::Request as EngineRequest;
use kvcert::{ChaCha20Rng, Response, UnixTime, Vault, VaultState};

use crate::credential::AnyCredential;
use crate::runtime::install_instant_runtime;

/// The URL of [`InProcessVault::new`]'s vault. A `*.vault.azure.net` host, so that the
/// clients' check of the challenge's resource against the host passes as with a real vault.
pub const DEFAULT_VAULT_URL: &str = "https://probe.vault.azure.net";

/// Where [`InProcessVault::new`]'s clock starts: 2026-01-15T12:00:00Z. Fixed, so that a test's
/// certificates (validity, ids from the seeded RNG) are the same on every run.
pub const DEFAULT_START: UnixTime = match UnixTime::from_unix_seconds(1_768_478_400) {
    Some(t) => t,
    // Evaluated at compile time: a constant out of range fails the build, never a run.
    #[allow(clippy::panic)]
    None => panic!("DEFAULT_START is before 9999"),
};

/// What Key Vault answers a request without a token: the clients' first request draws it,
/// and read from it the scope they ask the credential for.
const CHALLENGE_BODY: &[u8] = br#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#;

/// One request the SDK sent and the status it got, in [`InProcessVault::exchanges`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The full request URL, query included.
    pub url: String,
    /// The status answered (401 for the challenge).
    pub status: u16,
}

impl fmt::Display for Exchange {
    /// `status method url`, e.g. `202 POST https://…/certificates/web/create?api-version=…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.status, self.method, self.url)
    }
}

/// The engine and what it is called with.
struct Engine {
    state: VaultState,
    rng: ChaCha20Rng,
    now: UnixTime,
    log: Vec<Exchange>,
}

struct Shared {
    url: String,
    credential: AnyCredential,
    engine: Mutex<Engine>,
}

/// A Key Vault in process, for the Azure SDK for Rust's `CertificateClient`, `SecretClient`
/// and `KeyClient`: kvcert's [`VaultState`] with a clock the test moves and a seeded RNG.
///
/// It is the clients' [`HttpClient`]: each request goes straight to
/// [`VaultState::handle`] at the vault's clock, no socket, no TLS. A request without an
/// `Authorization` header gets Key Vault's 401 challenge (the clients' first request is
/// one); any token is accepted after that. Clones share the vault.
///
/// ```
/// use kvcert_sdk_transport::InProcessVault;
///
/// let vault = InProcessVault::new(1);
/// let _certificates = vault.certificate_client()?;
/// let _secrets = vault.secret_client()?;
/// let _keys = vault.key_client()?;
/// vault.advance(86_400);
/// assert_eq!(vault.now().to_string(), "2026-01-16T12:00:00Z");
/// # Ok::<(), kvcert_sdk_transport::azure_core::Error>(())
/// ```
#[derive(Clone)]
pub struct InProcessVault {
    shared: Arc<Shared>,
}

impl fmt::Debug for InProcessVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessVault")
            .field("url", &self.shared.url)
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

impl InProcessVault {
    /// An empty vault at [`DEFAULT_VAULT_URL`], its clock at [`DEFAULT_START`], its RNG
    /// seeded with `seed` (the same seed and calls give the same keys and ids).
    ///
    /// Also installs the instant runtime ([`crate::install_instant_runtime`]).
    pub fn new(seed: u64) -> Self {
        Self::from_state(
            VaultState::new(Vault::new(DEFAULT_VAULT_URL)),
            seed,
            DEFAULT_START,
        )
    }

    /// `state` (e.g. another vault URL, [`kvcert::IssuanceDelays`], a key source, or a vault
    /// loaded from JSON), its clock at `now`, its RNG seeded with `seed`.
    ///
    /// The clients' URL is the vault's ([`Vault::url`]). They check that the host ends with
    /// `.` and the challenge's resource, which this transport takes from the host (everything
    /// after its first label): `https://name.example.test` works, a bare `localhost` needs
    /// `verify_challenge_resource: Some(false)` in the client's options. Also installs the
    /// instant runtime ([`crate::install_instant_runtime`]).
    pub fn from_state(state: VaultState, seed: u64, now: UnixTime) -> Self {
        install_instant_runtime();
        InProcessVault {
            shared: Arc::new(Shared {
                url: state.vault().url.clone(),
                credential: AnyCredential::new(),
                engine: Mutex::new(Engine {
                    state,
                    rng: ChaCha20Rng::seed_from_u64(seed),
                    now,
                    log: Vec::new(),
                }),
            }),
        }
    }

    /// A panic in a test's `with_state` closure poisons the lock; the next test step still
    /// sees the vault as the engine left it.
    fn engine(&self) -> MutexGuard<'_, Engine> {
        self.shared
            .engine
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The vault URL the clients take, e.g. `https://probe.vault.azure.net`.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// A credential that gives a token for any scope (the vault's own [`AnyCredential`]:
    /// its scopes are in [`Self::requested_scopes`]).
    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        Arc::new(self.shared.credential.clone())
    }

    /// Client options whose transport is this vault; everything else default. Put them in a
    /// client's options (`CertificateClientOptions { client_options, ..Default::default() }`)
    /// to set other options too.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            transport: Some(Transport::new(Arc::new(self.clone()))),
            ..Default::default()
        }
    }

    /// A `CertificateClient` on this vault, with [`Self::credential`] and
    /// [`Self::client_options`].
    ///
    /// # Errors
    /// The client's own: only when the vault's URL does not parse as an `http(s)` URL.
    pub fn certificate_client(&self) -> azure_core::Result<CertificateClient> {
        CertificateClient::new(
            self.url(),
            self.credential(),
            Some(CertificateClientOptions {
                client_options: self.client_options(),
                ..Default::default()
            }),
        )
    }

    /// A `SecretClient` on this vault, as [`Self::certificate_client`].
    ///
    /// # Errors
    /// As [`Self::certificate_client`].
    pub fn secret_client(&self) -> azure_core::Result<SecretClient> {
        SecretClient::new(
            self.url(),
            self.credential(),
            Some(SecretClientOptions {
                client_options: self.client_options(),
                ..Default::default()
            }),
        )
    }

    /// A `KeyClient` on this vault, as [`Self::certificate_client`].
    ///
    /// # Errors
    /// As [`Self::certificate_client`].
    pub fn key_client(&self) -> azure_core::Result<KeyClient> {
        KeyClient::new(
            self.url(),
            self.credential(),
            Some(KeyClientOptions {
                client_options: self.client_options(),
                ..Default::default()
            }),
        )
    }

    /// The vault's clock: the `now` of every request.
    pub fn now(&self) -> UnixTime {
        self.engine().now
    }

    /// Moves the vault's clock `seconds` forward (at most to 9999-12-31T23:59:59Z, the last
    /// instant X.509 can express). Whatever comes due by then (a pending issuance completing,
    /// AutoRenew) happens on the next request, as the engine does it.
    pub fn advance(&self, seconds: u64) {
        let mut engine = self.engine();
        let later = engine.now.as_secs().saturating_add(seconds);
        engine.now = UnixTime::from_unix_seconds(later)
            .or_else(|| UnixTime::from_unix_seconds(MAX_X509_SECS))
            .unwrap_or(engine.now);
    }

    /// A copy of the vault's state as it is now (serde data: save it with
    /// [`VaultState::to_json`], compare it, or start another vault from it).
    pub fn state(&self) -> VaultState {
        self.engine().state.clone()
    }

    /// Runs `f` on the vault's state under its lock, e.g. to set a key source or read the
    /// emulated CAs' roots. Do not call the vault's other methods from `f`: the lock is held.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut VaultState) -> T) -> T {
        f(&mut self.engine().state)
    }

    /// One request straight to the engine at the vault's clock, beside the SDK: `target` is a
    /// path with its query (`/secrets/web?api-version=7.6`) or a full URL. Not recorded in
    /// [`Self::exchanges`], and no challenge.
    pub fn request(&self, method: &str, target: &str, body: &[u8]) -> Response {
        let mut engine = self.engine();
        let Engine {
            state, rng, now, ..
        } = &mut *engine;
        state.handle(
            &EngineRequest {
                method,
                path: target,
                body,
            },
            *now,
            rng,
        )
    }

    /// Every request the SDK's clients sent to this vault and the status each got, in order
    /// (401 challenges included): a failing test's story.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.engine().log.clone()
    }

    /// Every scope the clients asked [`Self::credential`] for, in order.
    pub fn requested_scopes(&self) -> Vec<String> {
        self.shared.credential.requested_scopes()
    }

    /// The SDK's request in, the engine's answer out. Synchronous: the engine is pure, and no
    /// lock is held across an `.await`.
    fn exchange(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let method = request.method().as_str();
        let url = request.url().as_str().to_owned();
        let body = match request.body() {
            Body::Bytes(bytes) => bytes.clone(),
            // Not `Io`: the clients would retry that. No Key Vault call streams its body.
            Body::SeekableStream(_) => {
                return Err(azure_core::Error::with_message(
                    ErrorKind::Other,
                    "streamed request bodies are not supported by the in-process vault",
                ));
            }
        };
        let mut engine = self.engine();

        // kvcert has no authentication: the challenge is answered here, as the service
        // answers a request without a token, so the clients learn their scope.
        if request.headers().get_optional_str(&AUTHORIZATION).is_none() {
            engine.log.push(Exchange {
                method: method.to_owned(),
                url,
                status: 401,
            });
            let mut headers = Headers::new();
            headers.insert(WWW_AUTHENTICATE, challenge(request.url().host_str()));
            headers.insert(CONTENT_TYPE, "application/json; charset=utf-8");
            return Ok(AsyncRawResponse::from_bytes(
                StatusCode::Unauthorized,
                headers,
                CHALLENGE_BODY,
            ));
        }

        let Engine {
            state,
            rng,
            now,
            log,
        } = &mut *engine;
        let answer = state.handle(
            &EngineRequest {
                method,
                path: &url,
                body: &body,
            },
            *now,
            rng,
        );
        log.push(Exchange {
            method: method.to_owned(),
            url,
            status: answer.status,
        });

        let mut headers = Headers::new();
        for (name, value) in &answer.headers {
            headers.insert(name.clone(), value.clone());
        }
        if !answer.body.is_empty() {
            headers.insert(CONTENT_TYPE, "application/json; charset=utf-8");
        }
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::from(answer.status),
            headers,
            answer.body,
        ))
    }
}

/// The last instant X.509 can express, 9999-12-31T23:59:59Z: where `advance` stops.
const MAX_X509_SECS: u64 = 253_402_300_799;

/// Key Vault's `WWW-Authenticate` for a request to `host`. The clients check that the host
/// ends with `.` and the resource's host, so the resource is the host's parent domain:
/// `https://vault.azure.net` for `probe.vault.azure.net`, as the service says.
fn challenge(host: Option<&str>) -> String {
    let parent = host
        .and_then(|h| h.split_once('.'))
        .map_or("vault.azure.net", |(_, parent)| parent);
    format!(
        r#"Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://{parent}""#
    )
}

#[async_trait]
impl HttpClient for InProcessVault {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        self.exchange(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::Method;
    use azure_core::http::Url;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("URL")
    }

    fn send(vault: &InProcessVault, request: &Request) -> AsyncRawResponse {
        futures::executor::block_on(vault.execute_request(request)).expect("an answer")
    }

    #[test]
    fn default_start_is_the_documented_instant() {
        assert_eq!(DEFAULT_START.to_string(), "2026-01-15T12:00:00Z");
        assert_eq!(
            UnixTime::from_unix_seconds(MAX_X509_SECS).map(|t| t.to_string()),
            Some("9999-12-31T23:59:59Z".to_owned())
        );
    }

    #[test]
    fn a_request_without_a_token_draws_the_challenge() {
        let vault = InProcessVault::new(1);
        let request = Request::new(
            url("https://probe.vault.azure.net/certificates?api-version=7.6"),
            Method::Get,
        );
        let answer = send(&vault, &request);
        assert_eq!(answer.status(), StatusCode::Unauthorized);
        let challenge = answer
            .headers()
            .get_optional_str(&WWW_AUTHENTICATE)
            .expect("a challenge");
        assert!(
            challenge.ends_with(r#"resource="https://vault.azure.net""#),
            "{challenge}"
        );
        assert_eq!(
            vault.exchanges(),
            [Exchange {
                method: "GET".into(),
                url: "https://probe.vault.azure.net/certificates?api-version=7.6".into(),
                status: 401,
            }]
        );
        assert_eq!(
            vault.exchanges()[0].to_string(),
            "401 GET https://probe.vault.azure.net/certificates?api-version=7.6"
        );
    }

    #[test]
    fn the_challenge_names_the_hosts_parent_domain() {
        assert!(challenge(Some("a.example.test")).ends_with(r#"resource="https://example.test""#));
        assert!(challenge(None).ends_with(r#"resource="https://vault.azure.net""#));
    }

    #[test]
    fn any_token_reaches_the_engine_at_the_vaults_clock() {
        let vault = InProcessVault::new(1);
        vault.advance(3600);
        assert_eq!(vault.now().to_string(), "2026-01-15T13:00:00Z");

        let mut request = Request::new(
            url("https://probe.vault.azure.net/secrets/db?api-version=7.6"),
            Method::Put,
        );
        request.insert_header(AUTHORIZATION, "Bearer anything");
        request.set_body(r#"{"value":"s3cret"}"#);
        let answer = send(&vault, &request);
        assert_eq!(answer.status(), StatusCode::Ok);
        assert_eq!(
            answer.headers().get_optional_str(&CONTENT_TYPE),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(vault.exchanges().len(), 1);
        assert_eq!(vault.exchanges()[0].status, 200);

        // Beside the SDK: not logged, same vault and clock.
        let read = vault.request("GET", "/secrets/db?api-version=7.6", b"");
        assert_eq!(read.status, 200);
        let body = read.body_json();
        assert_eq!(body["value"], "s3cret");
        // 2026-01-15T13:00:00Z
        assert_eq!(body["attributes"]["created"], 1_768_482_000);
        assert_eq!(vault.exchanges().len(), 1);
    }

    #[test]
    fn clones_share_the_vault_and_state_is_a_copy() {
        let vault = InProcessVault::new(1);
        let clone = vault.clone();
        clone.advance(10);
        assert_eq!(vault.now().as_secs(), DEFAULT_START.as_secs() + 10);
        let put = vault.request("PUT", "/secrets/a?api-version=7.6", br#"{"value":"v"}"#);
        assert_eq!(put.status, 200);
        let copy = clone.state();
        assert_eq!(copy, vault.with_state(|state| state.clone()));
        assert_eq!(copy.vault().url, DEFAULT_VAULT_URL);
        assert_eq!(vault.url(), DEFAULT_VAULT_URL);
        assert!(format!("{vault:?}").contains("probe.vault.azure.net"));
    }

    #[test]
    fn the_clock_stops_at_the_last_x509_instant() {
        let vault = InProcessVault::new(1);
        vault.advance(u64::MAX);
        assert_eq!(vault.now().to_string(), "9999-12-31T23:59:59Z");
        vault.advance(1);
        assert_eq!(vault.now().to_string(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn another_state_keeps_its_url_and_clock() {
        let start: UnixTime = "2030-06-01T00:00:00Z".parse().expect("RFC 3339");
        let vault = InProcessVault::from_state(
            VaultState::new(Vault::new("https://other.example.test/")),
            7,
            start,
        );
        assert_eq!(vault.url(), "https://other.example.test");
        assert_eq!(vault.now(), start);
        assert!(vault.certificate_client().is_ok());
        assert!(vault.secret_client().is_ok());
        assert!(vault.key_client().is_ok());
    }

    #[test]
    fn the_same_seed_gives_the_same_vault() {
        let create = |seed| {
            let vault = InProcessVault::new(seed);
            let answer = vault.request(
                "POST",
                "/certificates/web/create?api-version=7.6",
                br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#,
            );
            assert_eq!(answer.status, 202);
            vault.state()
        };
        assert_eq!(create(3), create(3));
        assert_ne!(create(3), create(4));
    }
}
