//! What `rust_sdk.rs` runs the Azure SDK for Rust on: an `HttpClient` that hands each request
//! to a `kvcert::VaultState` in process (answering the SDK's first, token-less request with
//! Key Vault's 401 challenge, as the service does), a credential that gives any token, an
//! `AsyncRuntime` whose sleeps return at once (so polls and retries do not wait the engine's
//! `Retry-After: 10`), and the X.509 checks the flows share.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll};

use async_trait::async_trait;
use azure_core::async_runtime::{
    AbortableTask, AsyncRuntime, SpawnedTask, TaskFuture, set_async_runtime,
};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::headers::{AUTHORIZATION, CONTENT_TYPE, Headers, WWW_AUTHENTICATE};
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, HttpClient, Request, StatusCode, Transport,
};
use azure_core::time::{Duration, OffsetDateTime};
use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
use azure_security_keyvault_keys::{KeyClient, KeyClientOptions};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use kvcert::rand_core::SeedableRng as _;
use kvcert::service::engine::Request as EngineRequest;
use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
use x509_cert::Certificate as X509;
use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::spki::AlgorithmIdentifierRef;

pub const VAULT: &str = "https://probe.vault.azure.net";
/// The engine's clock at the start of every test.
pub const START: &str = "2026-01-15T12:00:00Z";
/// The api-version of the transport's own reads (`engine_get`), not the SDK's.
const ENGINE_API_VERSION: &str = "7.6";

/// What Key Vault answers a request without a token (the SDK's first request).
const CHALLENGE: &str = r#"Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net""#;
const CHALLENGE_BODY: &[u8] = br#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#;

// ---------------------------------------------------------------------------------------------
// Runtime: instant sleeps. `set_async_runtime` is process-wide and settable once, so every
// test of the binary calls `install_runtime` and only the first one sets it.
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct InstantRuntime;

/// A spawned task's completion, as the `SpawnedTask` future `AsyncRuntime::spawn` returns.
struct ThreadTask(futures::channel::oneshot::Receiver<()>);

impl Future for ThreadTask {
    type Output = Result<(), Box<dyn std::error::Error + Send>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(canceled)) => Poll::Ready(Err(Box::new(canceled))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AbortableTask for ThreadTask {
    fn abort(&self) {}
}

impl AsyncRuntime for InstantRuntime {
    /// The certificates client never spawns; a task runs to its end on its own thread.
    fn spawn(&self, f: TaskFuture) -> SpawnedTask {
        let (done, finished) = futures::channel::oneshot::channel();
        std::thread::spawn(move || {
            futures::executor::block_on(f);
            // The receiver is gone only when the caller dropped the task: nothing to tell.
            done.send(()).ok();
        });
        Box::pin(ThreadTask(finished))
    }

    fn sleep(&self, _duration: Duration) -> TaskFuture {
        Box::pin(std::future::ready(()))
    }

    fn yield_now(&self) -> TaskFuture {
        Box::pin(std::future::ready(()))
    }
}

pub fn install_runtime() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        set_async_runtime(Arc::new(InstantRuntime)).expect("no runtime was set before");
    });
}

// ---------------------------------------------------------------------------------------------
// Credential: any token. The Key Vault authorizer asks for the scope it parsed from the 401.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct FakeCredential;

#[async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        // The scope comes from the challenge's `resource`: a wrong one means the SDK read
        // another challenge than the one sent.
        assert_eq!(scopes, ["https://vault.azure.net/.default"]);
        Ok(AccessToken::new(
            Secret::new("fake-token"),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Transport: the SDK's request in, kvcert's `VaultState::handle` answers.
// ---------------------------------------------------------------------------------------------

struct Engine {
    state: VaultState,
    rng: ChaCha20Rng,
    now: UnixTime,
    /// (method, url, status) of every exchange the SDK made.
    log: Vec<(String, String, u16)>,
}

pub struct KvTransport {
    engine: Mutex<Engine>,
}

impl std::fmt::Debug for KvTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KvTransport")
    }
}

impl KvTransport {
    fn new(seed: u64) -> Self {
        KvTransport {
            engine: Mutex::new(Engine {
                state: VaultState::new(Vault::new(VAULT)),
                rng: ChaCha20Rng::seed_from_u64(seed),
                now: START.parse().expect("RFC 3339"),
                log: Vec::new(),
            }),
        }
    }

    /// The engine's clock.
    pub fn now(&self) -> UnixTime {
        self.engine.lock().unwrap().now
    }

    /// Moves the engine's clock `secs` forward.
    pub fn advance(&self, secs: u64) {
        let mut engine = self.engine.lock().unwrap();
        engine.now = UnixTime::from_unix_seconds(engine.now.as_secs() + secs).expect("< 9999");
    }

    /// A `GET` straight to the engine, outside the SDK and its log: what the certificates
    /// client cannot read (the secret), as the secrets client would.
    pub fn engine_get(&self, path: &str) -> kvcert::Response {
        let target = format!("{VAULT}{path}?api-version={ENGINE_API_VERSION}");
        let mut engine = self.engine.lock().unwrap();
        let Engine {
            state, rng, now, ..
        } = &mut *engine;
        state.handle(
            &EngineRequest {
                method: "GET",
                path: &target,
                body: b"",
            },
            *now,
            rng,
        )
    }

    /// The emulated CAs' roots, the trust anchors a client of the emulator is given (see
    /// `VaultState::emulated_ca_roots_pem`).
    pub fn emulated_ca_roots(&self) -> Vec<X509> {
        let pem = self.engine.lock().unwrap().state.emulated_ca_roots_pem();
        X509::load_pem_chain(pem.as_bytes()).expect("PEM roots")
    }

    /// Every exchange the SDK made, one line each, for a failing test's output.
    pub fn log_text(&self) -> String {
        self.engine
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(method, url, status)| format!("{status} {method} {url}\n"))
            .collect()
    }

    /// The client drew exactly one 401 (its first request: the challenge, before it had a
    /// token) and the engine answered no 5xx (the SDK would retry those silently).
    pub fn assert_one_challenge_no_5xx(&self) {
        self.assert_challenges_no_5xx(1);
    }

    /// As [`Self::assert_one_challenge_no_5xx`], for `clients` clients on one vault (each
    /// draws its own challenge).
    pub fn assert_challenges_no_5xx(&self, clients: usize) {
        let log = self.engine.lock().unwrap().log.clone();
        let text = self.log_text();
        assert_eq!(log.first().map(|e| e.2), Some(401), "{text}");
        assert_eq!(log.iter().filter(|e| e.2 == 401).count(), clients, "{text}");
        assert!(log.iter().all(|e| e.2 < 500), "{text}");
    }

    /// Synchronous: the engine is pure, and no lock is held across an `.await`.
    fn exchange(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let method = request.method().as_str();
        let url = request.url().as_str().to_owned();
        let body = match request.body() {
            Body::Bytes(bytes) => bytes.clone(),
            Body::SeekableStream(_) => {
                return Err(azure_core::Error::with_message(
                    ErrorKind::Io,
                    "streamed request bodies are not supported by this transport",
                ));
            }
        };
        let mut engine = self.engine.lock().unwrap();

        // Key Vault's challenge: kvcert has no authentication, so the transport answers the
        // SDK's first (token-less, body-less) request as the service does.
        if request.headers().get_optional_str(&AUTHORIZATION).is_none() {
            engine.log.push((method.to_owned(), url, 401));
            let mut headers = Headers::new();
            headers.insert(WWW_AUTHENTICATE, CHALLENGE);
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
        log.push((method.to_owned(), url, answer.status));

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

#[async_trait]
impl HttpClient for KvTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        self.exchange(request)
    }
}

/// A fresh vault (engine seeded with `seed`) and the SDK's client on it.
pub fn vault(seed: u64) -> (Arc<KvTransport>, CertificateClient) {
    install_runtime();
    let transport = Arc::new(KvTransport::new(seed));
    let client = CertificateClient::new(
        VAULT,
        Arc::new(FakeCredential),
        Some(CertificateClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(transport.clone())),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client");
    (transport, client)
}

/// A secrets client on `transport`'s vault, beside its certificates client (its own first
/// request draws its own 401 challenge).
pub fn secret_client(transport: &Arc<KvTransport>) -> SecretClient {
    SecretClient::new(
        VAULT,
        Arc::new(FakeCredential),
        Some(SecretClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(transport.clone())),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client")
}

/// A keys client on `transport`'s vault, beside its other clients.
pub fn key_client(transport: &Arc<KvTransport>) -> KeyClient {
    KeyClient::new(
        VAULT,
        Arc::new(FakeCredential),
        Some(KeyClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(transport.clone())),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client")
}

/// The status and service error code of an SDK error, or a panic naming what it was.
pub fn http_error(err: &azure_core::Error) -> (StatusCode, Option<String>) {
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("not an HTTP error: {other:?} ({err})"),
    }
}

// ---------------------------------------------------------------------------------------------
// X.509: what the flows read from a `cer` or a chain.
// ---------------------------------------------------------------------------------------------

/// A certificate's public key, as far as a policy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA and the modulus size in bits.
    Rsa(usize),
    /// EC and the curve, by its JOSE name.
    Ec(&'static str),
}

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const CURVES: [(&str, ObjectIdentifier); 3] = [
    ("P-256", ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7")),
    ("P-384", ObjectIdentifier::new_unwrap("1.3.132.0.34")),
    ("P-521", ObjectIdentifier::new_unwrap("1.3.132.0.35")),
];

pub fn parse(der: &[u8]) -> X509 {
    X509::from_der(der).expect("an X.509 certificate")
}

/// The key type and size or curve of a DER certificate.
pub fn key_kind(der: &[u8]) -> KeyKind {
    let cert = parse(der);
    let spki = cert.tbs_certificate().subject_public_key_info();
    let bits = spki.subject_public_key.raw_bytes();
    match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            let integers = Vec::<UintRef<'_>>::from_der(bits).expect("RSAPublicKey");
            let modulus = integers[0].as_bytes();
            KeyKind::Rsa(modulus.len() * 8 - modulus[0].leading_zeros() as usize)
        }
        EC_PUBLIC_KEY => {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .expect("namedCurve")
                .decode_as()
                .expect("a curve OID");
            let name = CURVES
                .iter()
                .find(|(_, oid)| *oid == curve)
                .map(|(name, _)| *name)
                .unwrap_or_else(|| panic!("unexpected curve {curve}"));
            KeyKind::Ec(name)
        }
        other => panic!("unexpected key algorithm {other}"),
    }
}

/// The subject of a DER certificate, RFC 4514.
pub fn subject(der: &[u8]) -> String {
    parse(der).tbs_certificate().subject().to_string()
}

/// `(notBefore, notAfter)` of a DER certificate, Unix seconds.
pub fn validity(der: &[u8]) -> (u64, u64) {
    let cert = parse(der);
    let validity = cert.tbs_certificate().validity();
    (
        validity.not_before.to_unix_duration().as_secs(),
        validity.not_after.to_unix_duration().as_secs(),
    )
}

/// Whether `issuer` signed `cert` and names it as its issuer: the issuer's public key checks
/// the signature over the TBS bytes (kvcert's verifier), and `cert`'s issuer name is the
/// issuer's subject, byte for byte.
pub fn issued_by(cert: &X509, issuer: &X509) -> bool {
    let spki = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI DER");
    let key = kvcert::key::PublicKey::from_spki_der(&spki).expect("a key kvcert can verify with");
    let algorithm = cert.signature_algorithm().to_der().expect("algorithm DER");
    let algorithm = AlgorithmIdentifierRef::from_der(&algorithm).expect("algorithm");
    let tbs = cert.tbs_certificate().to_der().expect("TBS DER");
    let signature = cert.signature().raw_bytes();
    let names_chain = cert
        .tbs_certificate()
        .issuer()
        .to_der()
        .expect("issuer DER")
        == issuer
            .tbs_certificate()
            .subject()
            .to_der()
            .expect("subject DER");
    names_chain && key.verifies(&algorithm, &tbs, signature)
}
