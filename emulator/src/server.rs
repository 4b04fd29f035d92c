//! Start-up and connections, on the ecosystem's stack: tokio, tokio-rustls and hyper's
//! HTTP/1.1 server. Each request goes to the [`Emulator`] on tokio's blocking pool (it may
//! generate keys), which commits a change before its answer.
//!
//! # Bounds
//!
//! | what | bound | answer |
//! |---|---|---|
//! | connections served at once | `--max-connections` ([`MAX_CONNECTIONS`]) | 503 with `Retry-After`, then close, on up to [`MAX_REFUSING`] more; beyond that, closed |
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

use crate::args::Args;
use crate::http::{MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS, Request, Response};
use crate::store::{Meta, Store};
use crate::tls;
use crate::vault::{Clock, Emulator};

/// The most connections served at once (the default of `--max-connections`).
pub const MAX_CONNECTIONS: usize = 4096;
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

/// The RNG of the vault: where the store left it, or from `--seed` (mixed with a migrated
/// vault, so that it does not draw the same ids again), or from the operating system.
fn vault_rng(seed: Option<u64>, meta: Option<&Meta>, migrated: Option<&str>) -> ChaCha20Rng {
    if let Some(meta) = meta {
        let mut rng = ChaCha20Rng::from_seed(*meta.rng_seed);
        rng.set_word_pos(meta.rng_word_pos);
        return rng;
    }
    match (seed, migrated) {
        (Some(seed), None) => ChaCha20Rng::seed_from_u64(seed),
        (Some(seed), Some(state)) => {
            let mut h = Sha256::new();
            h.update(seed.to_le_bytes());
            h.update(state.as_bytes());
            ChaCha20Rng::from_seed(h.finalize().into())
        }
        (None, _) => {
            let mut bytes = [0u8; 32];
            kvcert::os_rng().fill_bytes(&mut bytes);
            ChaCha20Rng::from_seed(bytes)
        }
    }
}

/// Runs the emulator until SIGINT or SIGTERM.
pub fn run(args: &Args) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("kvcert-emulator")
        .build()
        .map_err(|e| format!("the runtime: {e}"))?;
    let listener = runtime
        .block_on(TcpListener::bind(args.listen))
        .map_err(|e| format!("listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("https://{addr}");
    let (mut store, saved) = match &args.state {
        Some(path) => {
            let (store, saved) = Store::open(path)?;
            (Some(store), saved)
        }
        None => (None, None),
    };
    let (state, meta) = match saved {
        Some(saved) => (Some(saved.state), saved.meta),
        None => (None, None),
    };
    let migrated = match (&state, &meta) {
        (Some(state), None) => Some(state.to_json().map_err(|e| e.to_string())?),
        _ => None,
    };
    let mut rng = vault_rng(
        args.seed,
        meta.as_ref(),
        migrated.as_deref().map(|s| s.as_str()),
    );
    let clock = meta.as_ref().map_or_else(Clock::default, |m| Clock {
        offset: m.offset,
        last: m.last,
    });
    let system = i64::try_from(system_now()).map_err(|_| "the system clock is out of range")?;
    let now = u64::try_from(system.saturating_add(clock.offset))
        .ok()
        .map(|s| s.max(clock.last))
        .and_then(UnixTime::from_unix_seconds)
        .ok_or("the clock is out of range")?;
    let new_vault = state.is_none();
    let mut state = match state {
        // Its ids are rendered from each request's address, whatever port it was saved on.
        Some(state) => state,
        None => {
            let mut delays = IssuanceDelays::default();
            delays.self_signed = args.self_delay;
            delays.ca_signed = args.ca_delay;
            VaultState::with_delays(Vault::new(&url), delays)
        }
    };
    state
        .make_emulated_cas(now, &mut rng)
        .map_err(|e| e.to_string())?;
    let changes = state.take_changes();
    if let Some(store) = &mut store {
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
    let mut tls_rng = vault_rng(None, None, None);
    // The TLS certificate is checked against the client's clock, the system's: not the
    // vault's, which tests move ahead.
    let system_time =
        UnixTime::from_unix_seconds(system_now()).ok_or("the system clock is out of range")?;
    let tls = tls::make(system_time, &mut tls_rng)?;
    if let Some(path) = &args.tls_cert_out {
        std::fs::write(path, &tls.root_pem).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let emulator = Arc::new(Emulator::new(state, rng, clock, store));
    println!("listening on {url}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
    runtime.block_on(serve(listener, acceptor, emulator, args.max_connections));
    // Requests still running after the grace period are cut off with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

/// Accepts connections until SIGINT or SIGTERM, then lets the requests in progress finish.
async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    emulator: Arc<Emulator>,
    max_connections: usize,
) {
    let served = Arc::new(Semaphore::new(max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                // Out of descriptors, for example: the others go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        if let Ok(permit) = Arc::clone(&served).try_acquire_owned() {
            let emulator = Arc::clone(&emulator);
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                let _permit = permit;
                let Some(io) = handshake(&acceptor, tcp).await else {
                    return;
                };
                let service = service_fn(move |request| answer(request, Arc::clone(&emulator)));
                let _ = watcher
                    .watch(builder(true).serve_connection(io, service))
                    .await;
            });
        } else if let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() {
            tokio::spawn(refuse(acceptor, tcp, permit));
        }
        // Beyond both: the connection is closed unanswered (dropped here).
    }
    drop(listener);
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
    emulator: Arc<Emulator>,
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
        body,
    };
    let answered =
        tokio::task::spawn_blocking(move || emulator.handle(&request, system_now())).await;
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
