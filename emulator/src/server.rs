//! Start-up and connections, on the ecosystem's stack: tokio, tokio-rustls and hyper's
//! HTTP/1.1 server. Each request goes to the [`Emulator`] on tokio's blocking pool (it may
//! generate keys), which commits a change before its answer.
//!
//! # Bounds
//!
//! | what | bound | answer |
//! |---|---|---|
//! | connections served at once | `--max-connections` ([`MAX_CONNECTIONS`](crate::args::MAX_CONNECTIONS)) | 503 with `Retry-After`, then close, on up to [`MAX_REFUSING`] more; beyond that, closed |
//! | TLS handshake | [`HANDSHAKE_TIMEOUT`] | closed |
//! | a request head, and the idle time before it | [`IDLE_TIMEOUT`] | closed |
//! | a head's size, its header count | [`MAX_HEAD_BYTES`], [`MAX_HEADERS`] | 431 |
//! | a body (`Content-Length` or chunked) | [`MAX_BODY_BYTES`] | 413 (a `Content-Length` over it before `100 Continue`) |
//! | a body's arrival | [`REQUEST_DEADLINE`] | 408 |
//! | malformed HTTP | | 400 |
//!
//! `Expect: 100-continue` gets its interim answer when the body is read. SIGINT and SIGTERM
//! stop accepting, let the requests in progress finish and answer (at most
//! [`SHUTDOWN_GRACE`]), then exit.

use std::convert::Infallible;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use kvcert::rand_core::{Rng, SeedableRng};
use kvcert::{ChaCha20Rng, IssuanceDelays, UnixTime, Vault, VaultState};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::Error;
use crate::args::{Args, DEFAULT_VAULT};
use crate::error::{TimeError, kvcert};
use crate::http::{MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS, Request, Response};
use crate::identity::{self, Issuer};
use crate::store::{Meta, Store, VaultStore};
use crate::tls;
use crate::vault::{Clock, Emulator};

/// The most connections over the limit being answered 503 at once; more are closed.
pub const MAX_REFUSING: usize = 1024;
/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may sit idle, or take to send a request's head.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one request's body may take to arrive.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// How long the shutdown waits for requests in progress.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// The most requests worked at once (tokio's blocking pool); more wait for a thread.
pub const MAX_BLOCKING_THREADS: usize = 64;

fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The RNG of a vault: where the store left it, or from `--seed` (mixed with the vault's
/// name for every vault but the first, and with a migrated vault, so that none draws the same
/// ids as another), or from the operating system.
fn vault_rng(seed: Option<u64>, meta: Option<&Meta>, mixed: &[&[u8]]) -> ChaCha20Rng {
    if let Some(meta) = meta {
        let mut rng = ChaCha20Rng::from_seed(*meta.rng_seed);
        rng.set_word_pos(meta.rng_word_pos);
        return rng;
    }
    match seed {
        Some(seed) if mixed.is_empty() => ChaCha20Rng::seed_from_u64(seed),
        Some(seed) => {
            let mut h = Sha256::new();
            h.update(seed.to_le_bytes());
            for part in mixed {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
            ChaCha20Rng::from_seed(h.finalize().into())
        }
        None => {
            let mut bytes = [0u8; 32];
            kvcert::os_rng().fill_bytes(&mut bytes);
            ChaCha20Rng::from_seed(bytes)
        }
    }
}

/// The vaults one emulator serves, the first answering on the main port by default.
pub struct Vaults {
    list: Vec<(String, String, Arc<Emulator>)>,
    /// The token issuer of the credential endpoints (`identity`).
    issuer: Issuer,
    /// `--verify-tokens`: a vault request's token must be the issuer's.
    verify_tokens: bool,
    /// The main port's URL, for a request without a `Host`.
    url: String,
}

impl Vaults {
    /// The vault a request on a listener whose own vault is `own` addresses: the one
    /// `?vault=NAME` names, or its host name (`NAME.localhost`, `NAME.vault.azure.net`), or
    /// `own`. `None` with `all` when a management request on the main port names none.
    fn pick(&self, request: &Request, own: usize) -> Result<usize, Unknown> {
        let query = request.target.split_once('?').map_or("", |(_, q)| q);
        let named = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("vault="))
            .map(str::to_ascii_lowercase);
        if let Some(name) = named {
            return self.index(&name).ok_or(Unknown::Named(name));
        }
        let host = request
            .host
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let host = host.rsplit_once(':').map_or(host.as_str(), |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host.as_str()
            }
        });
        let label = host
            .strip_suffix(".localhost")
            .or_else(|| host.strip_suffix(".vault.azure.net"));
        match label {
            Some(name) => self.index(name).ok_or(Unknown::Named(name.to_owned())),
            None => Err(Unknown::Unnamed(own)),
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|(n, _, _)| n == name)
    }

    /// The answer to a plain read ([`Emulator::try_read`]) of the vault it addresses, made on
    /// the calling (async) thread; `None` for anything else.
    fn try_read(&self, request: &Request, own: usize) -> Option<Response> {
        // The credential endpoints sign: the blocking pool answers them.
        if self.is_credential_request(request) {
            return None;
        }
        if let Some(refused) = self.refuse_token(request) {
            return Some(refused);
        }
        let i = self.pick(request, own).ok()?;
        self.list[i].2.try_read(request, system_now())
    }

    /// The emulator's URL as the client called it.
    fn base(&self, request: &Request) -> String {
        request
            .host
            .as_deref()
            .map_or_else(|| self.url.clone(), |h| format!("https://{h}"))
    }

    fn is_credential_request(&self, request: &Request) -> bool {
        let path = request.target.split('?').next().unwrap_or_default();
        path == identity::MANAGED_IDENTITY_PATH
            || path.ends_with("/openid-configuration")
            || path.ends_with("/keys") && path.contains("/discovery/")
            || path.ends_with("/oauth2/v2.0/token")
    }

    /// Under `--verify-tokens`, the 401 of a vault request whose bearer token is not the
    /// issuer's (with Key Vault's challenge, so that a client fetches a new one).
    fn refuse_token(&self, request: &Request) -> Option<Response> {
        if !self.verify_tokens || request.target.starts_with(crate::vault::MANAGEMENT_PREFIX) {
            return None;
        }
        let token = request.authorization.as_deref().and_then(|a| {
            a.get(7..)
                .filter(|_| a[..7].eq_ignore_ascii_case("bearer "))
        })?;
        let why = self.issuer.verify(token.trim(), system_now()).err()?;
        Some(Error::Token(why).response())
    }

    /// Answers `request` that arrived on the listener of vault `own` (`main`: the main port).
    fn answer(&self, request: &Request, own: usize, main: bool) -> Response {
        if let Some(answer) = self
            .issuer
            .answer(request, &self.base(request), system_now())
        {
            return answer;
        }
        if let Some(refused) = self.refuse_token(request) {
            return refused;
        }
        let path = request.target.split('?').next().unwrap_or_default();
        let picked = self.pick(request, own);
        if path == "/_kvcert/vaults" && request.method == "GET" {
            let list: Vec<serde_json::Value> = self
                .list
                .iter()
                .map(|(name, url, _)| serde_json::json!({ "name": name, "url": url }))
                .collect();
            return Response::json(200, serde_json::Value::from(list).to_string().into_bytes());
        }
        match picked {
            Ok(i) => self.list[i].2.handle(request, system_now()),
            Err(Unknown::Named(name)) => Response::text(404, &format!("no vault {name} here")),
            // A clock move on the main port that names no vault: every vault's clock.
            Err(Unknown::Unnamed(i))
                if main && path == "/_kvcert/clock" && request.method == "POST" =>
            {
                let mut answers = self
                    .list
                    .iter()
                    .map(|(_, _, e)| e.handle(request, system_now()));
                let first = answers.next();
                let failed = answers.find(|r| r.status != 200);
                failed
                    .or(first)
                    .unwrap_or_else(|| self.list[i].2.handle(request, system_now()))
            }
            Err(Unknown::Unnamed(i)) => self.list[i].2.handle(request, system_now()),
        }
    }
}

enum Unknown {
    /// A vault name no vault has.
    Named(String),
    /// No name: the listener's own vault.
    Unnamed(usize),
}

/// Opens (or makes) vault `name`, with its CAs made, and saved when there is a store.
fn open_vault(
    args: &Args,
    name: &str,
    first: bool,
    url: &str,
    store: Option<VaultStore>,
) -> Result<Emulator, Error> {
    let saved = match &store {
        Some(s) => s.load()?,
        None => None,
    };
    let (state, meta) = match saved {
        Some(saved) => (Some(saved.state), saved.meta),
        None => (None, None),
    };
    let migrated = match (&state, &store) {
        (Some(state), Some(s)) if s.migrated() => {
            Some(state.to_json().map_err(kvcert("the migrated vault"))?)
        }
        _ => None,
    };
    let mut mixed: Vec<&[u8]> = Vec::new();
    if !first {
        mixed.push(name.as_bytes());
    }
    if let Some(json) = &migrated {
        mixed.push(json.as_bytes());
    }
    let mut rng = vault_rng(args.seed, meta.as_ref(), &mixed);
    let clock = meta.as_ref().map_or_else(Clock::default, |m| Clock {
        offset: m.offset,
        last: m.last,
    });
    let system = i64::try_from(system_now()).map_err(|_| TimeError::SystemOutOfRange)?;
    let now = u64::try_from(system.saturating_add(clock.offset))
        .ok()
        .map(|s| s.max(clock.last))
        .and_then(UnixTime::from_unix_seconds)
        .ok_or(TimeError::OutOfRange)?;
    let new_vault = state.is_none();
    let mut state = match state {
        // Its ids are rendered from each request's address, whatever port it was saved on.
        Some(state) => state,
        None => {
            let mut delays = IssuanceDelays::default();
            delays.self_signed = args.self_delay;
            delays.ca_signed = args.ca_delay;
            VaultState::with_delays(Vault::new(url), delays)
        }
    };
    state
        .make_emulated_cas(now, &mut rng)
        .map_err(kvcert("the emulated CAs"))?;
    let changes = state.take_changes();
    if let Some(store) = &store {
        let meta = Meta {
            offset: clock.offset,
            last: clock.last,
            rng_seed: zeroize::Zeroizing::new(rng.get_seed()),
            rng_word_pos: rng.get_word_pos(),
        };
        if new_vault || migrated.is_some() {
            store.write_all(&state, Some(&meta))?;
        } else {
            store.commit(&state, &changes, &meta)?;
        }
    }
    Ok(Emulator::new(state, rng, clock, store))
}

/// Runs the emulator until SIGINT or SIGTERM.
///
/// # Errors
///
/// What stopped the start: a socket, the store, the TLS certificates, the token issuer.
pub fn run(args: &Args) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("kvcert-emulator")
        .build()
        .map_err(|source| Error::Io {
            what: "the runtime",
            source,
        })?;
    let bind = |addr: std::net::SocketAddr| {
        let listener = runtime
            .block_on(TcpListener::bind(addr))
            .map_err(|source| Error::Listen { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| Error::Listen { addr, source })?;
        Ok::<_, Error>((listener, bound))
    };
    let (main, main_addr) = bind(args.listen)?;
    let url = format!("https://{main_addr}");
    let several = !args.vaults.is_empty();
    let names: Vec<(String, u16)> = if several {
        args.vaults.clone()
    } else {
        vec![(DEFAULT_VAULT.to_owned(), 0)]
    };
    let store = match &args.state {
        Some(path) => Some(Store::open(path, &names[0].0)?),
        None => None,
    };
    let mut listeners = vec![(main, 0, true)];
    let mut list = Vec::new();
    for (i, (name, port)) in names.iter().enumerate() {
        let vault_url = if several {
            let (listener, addr) = bind(std::net::SocketAddr::new(main_addr.ip(), *port))?;
            listeners.push((listener, i, false));
            format!("https://{addr}")
        } else {
            url.clone()
        };
        let emulator = open_vault(
            args,
            name,
            i == 0,
            &vault_url,
            store.as_ref().map(|s| s.vault(name)),
        )?;
        list.push((name.clone(), vault_url, Arc::new(emulator)));
    }
    let mut tls_rng = vault_rng(None, None, &[]);
    // The TLS certificate is checked against the client's clock, the system's: not the
    // vault's, which tests move ahead.
    let system_time =
        UnixTime::from_unix_seconds(system_now()).ok_or(TimeError::SystemOutOfRange)?;
    let hosts: Vec<String> = names
        .iter()
        .flat_map(|(n, _)| [format!("{n}.localhost"), format!("{n}.vault.azure.net")])
        .collect();
    let tls = tls::make(system_time, &hosts, &mut tls_rng)?;
    if let Some(path) = &args.tls_cert_out {
        std::fs::write(path, &tls.root_pem).map_err(|source| Error::File {
            path: path.clone(),
            source,
        })?;
    }
    // One write: a reader that takes the first line and closes the pipe must not make a later
    // line fail (stdout going away does not stop the server).
    let mut said = format!("listening on {url}\n");
    if several {
        for (name, vault_url, _) in &list {
            said.push_str(&format!("vault {name} on {vault_url}\n"));
        }
    }
    let mut out = io::stdout().lock();
    let _ = out.write_all(said.as_bytes()).and_then(|()| out.flush());
    drop(out);
    let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
    let mut identity_seed = [0u8; 32];
    vault_rng(args.seed, None, &[b"identity"]).fill_bytes(&mut identity_seed);
    let issuer = Issuer::new(identity_seed, args.identity_header.clone())?;
    let vaults = Arc::new(Vaults {
        list,
        issuer,
        verify_tokens: args.verify_tokens,
        url: url.clone(),
    });
    runtime.block_on(serve(listeners, acceptor, vaults, args.max_connections));
    // Requests still running after the grace period are cut off with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// Accepts connections until SIGINT or SIGTERM, then lets the requests in progress finish.
/// Each listener serves its vault (the main one: the first, and the others by host name).
async fn serve(
    listeners: Vec<(TcpListener, usize, bool)>,
    acceptor: TlsAcceptor,
    vaults: Arc<Vaults>,
    max_connections: usize,
) {
    let served = Arc::new(Semaphore::new(max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let (accepted, mut incoming) = tokio::sync::mpsc::channel(64);
    let mut accepting = Vec::new();
    for (listener, own, main) in listeners {
        let accepted = accepted.clone();
        accepting.push(tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((tcp, _)) => {
                        if accepted.send((tcp, own, main)).await.is_err() {
                            return;
                        }
                    }
                    // Out of descriptors, for example: the others go on.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }
    drop(accepted);
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let (tcp, own, main) = tokio::select! {
            next = incoming.recv() => match next {
                Some(next) => next,
                None => break,
            },
            () = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        if let Ok(permit) = Arc::clone(&served).try_acquire_owned() {
            let vaults = Arc::clone(&vaults);
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                let _permit = permit;
                let Some(io) = handshake(&acceptor, tcp).await else {
                    return;
                };
                let service =
                    service_fn(move |request| answer(request, Arc::clone(&vaults), own, main));
                let _ = watcher
                    .watch(builder(true).serve_connection(io, service))
                    .await;
            });
        } else if let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() {
            tokio::spawn(refuse(acceptor, tcp, permit));
        }
        // Beyond both: the connection is closed unanswered (dropped here).
    }
    for task in accepting {
        task.abort();
    }
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
        }
        // No signal handling: serve until killed.
        _ => std::future::pending().await,
    }
}

async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
) -> Option<TokioIo<tokio_rustls::server::TlsStream<TcpStream>>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some(TokioIo::new(tls)),
        _ => None,
    }
}

fn builder(keep_alive: bool) -> http1::Builder {
    let mut b = http1::Builder::new();
    b.timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        .keep_alive(keep_alive);
    b
}

/// A connection over the limit: 503 to its first request, then closed.
async fn refuse(acceptor: TlsAcceptor, tcp: TcpStream, permit: OwnedSemaphorePermit) {
    let _permit = permit;
    let Some(io) = handshake(&acceptor, tcp).await else {
        return;
    };
    let service = service_fn(|_request| async {
        let mut r = Response::text(503, "too many connections: retry");
        r.headers.push(("Retry-After".to_owned(), "1".to_owned()));
        Ok::<_, Infallible>(to_hyper(r))
    });
    let _ = builder(false).serve_connection(io, service).await;
}

/// One request: its body read within the bounds, then the emulator's answer.
async fn answer(
    request: hyper::Request<Incoming>,
    vaults: Arc<Vaults>,
    own: usize,
    main: bool,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        // Before the body is read: an `Expect: 100-continue` client sends none of it.
        return Ok(to_hyper(Response::text(413, "Payload Too Large")));
    }
    let body = match tokio::time::timeout(
        REQUEST_DEADLINE,
        Limited::new(body, MAX_BODY_BYTES).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(to_hyper(Response::text(413, "Payload Too Large")));
        }
        Ok(Err(_)) => return Ok(to_hyper(Response::text(400, "Bad Request"))),
        Err(_) => return Ok(to_hyper(Response::text(408, "Request Timeout"))),
    };
    let request = Request {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        host: parts
            .headers
            .get(hyper::header::HOST)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::http::checked_host)
            .map(str::to_owned),
        authorization: parts
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        identity_header: parts
            .headers
            .get("x-identity-header")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    // A plain read is answered here (the vault's lock is held only to read); anything that
    // may generate keys, sign or write goes to the blocking pool.
    if let Some(read) = vaults.try_read(&request, own) {
        return Ok(to_hyper(read));
    }
    let answered = tokio::task::spawn_blocking(move || vaults.answer(&request, own, main)).await;
    Ok(to_hyper(answered.unwrap_or_else(|_| {
        Response::text(500, "the request failed inside the emulator")
    })))
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        // Values come from the engine and from this crate; one that is not a valid header
        // value is left out rather than split the head.
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    out
}
