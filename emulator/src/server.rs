//! Start-up and connections: the listener, one thread per connection (bounded), TLS; each
//! request goes to the [`Emulator`], which commits a change before its answer.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kvcert::rand_core::{Rng, SeedableRng};
use kvcert::{ChaCha20Rng, IssuanceDelays, UnixTime, Vault, VaultState};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use sha2::{Digest, Sha256};

use crate::args::Args;
use crate::http::{self, ReadError, Response};
use crate::store::{Meta, Store};
use crate::tls;
use crate::vault::{Clock, Emulator};

/// The most connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 128;
/// How long a connection may sit idle between two reads.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one request (head and body) may take to arrive.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);

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
    let listener =
        TcpListener::bind(args.listen).map_err(|e| format!("listen on {}: {e}", args.listen))?;
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
        Some(state) => {
            if state.vault().url != url {
                eprintln!(
                    "kvcert-emulator: the saved vault is {} (ids keep that URL); listening on {url}",
                    state.vault().url
                );
            }
            state
        }
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
    let shared = Arc::new(Emulator::new(state, rng, clock, store));
    let on_signal = Arc::clone(&shared);
    ctrlc::set_handler(move || {
        // Every change is committed before its answer; taking the vault waits for a commit
        // in progress.
        on_signal.with_state(|_| std::process::exit(0));
    })
    .map_err(|e| e.to_string())?;
    println!("listening on {url}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(tcp) = stream else { continue };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            drop(tcp);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let shared = Arc::clone(&shared);
        let config = Arc::clone(&tls.config);
        let spawned = std::thread::Builder::new()
            .name("connection".to_owned())
            .spawn(move || {
                let _slot = slot;
                let _ = serve(tcp, config, &shared);
            });
        if let Err(e) = spawned {
            eprintln!("kvcert-emulator: no thread for a connection: {e}");
        }
    }
    Ok(())
}

/// One connection's place among [`MAX_CONNECTIONS`], given back when it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads within [`REQUEST_DEADLINE`] of `start`, each read within [`IDLE_TIMEOUT`].
struct Deadline<'a> {
    stream: &'a mut StreamOwned<ServerConnection, TcpStream>,
    start: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = REQUEST_DEADLINE.saturating_sub(self.start.elapsed());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream
            .sock
            .set_read_timeout(Some(left.min(IDLE_TIMEOUT)))?;
        self.stream.read(buf)
    }
}

fn serve(tcp: TcpStream, config: Arc<ServerConfig>, shared: &Emulator) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(IDLE_TIMEOUT))?;
    tcp.set_write_timeout(Some(IDLE_TIMEOUT))?;
    let conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    let mut buf = Vec::new();
    loop {
        let read = http::read_request(
            &mut Deadline {
                stream: &mut tls,
                start: Instant::now(),
            },
            &mut buf,
        );
        let request = match read {
            Ok(r) => r,
            Err(ReadError::Closed | ReadError::Io) => return Ok(()),
            Err(ReadError::Refused(status, text)) => {
                http::write_response(&mut tls, &Response::text(status, text), false)?;
                tls.conn.send_close_notify();
                return tls.flush();
            }
        };
        let response = shared.handle(&request, system_now());
        http::write_response(&mut tls, &response, request.keep_alive)?;
        if !request.keep_alive {
            tls.conn.send_close_notify();
            return tls.flush();
        }
    }
}
