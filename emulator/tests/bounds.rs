//! The emulator's bounds over real connections: idle and garbage connections do not stop a
//! well-behaved client; oversized heads and bodies and chunked uploads are refused with their
//! status on that connection only; a request without a token is challenged.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Running;
use kvcert_emulator::client::{self, Client};
use kvcert_emulator::http::{MAX_BODY_BYTES, MAX_HEAD_BYTES};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

struct Emulator {
    /// Kept for its drop, which stops the process.
    _running: Running,
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

fn start() -> Emulator {
    // One file per emulator: the tests of this file run at the same time.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let pem = std::env::temp_dir().join(format!(
        "kvcert-emulator-bounds-{}-{}.pem",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let running = common::start(&pem, &[]);
    std::fs::remove_file(&pem).expect("clean up");
    Emulator {
        addr: running.addr,
        config: client::config(&running.root_pem).expect("a root"),
        _running: running,
    }
}

/// Sends raw bytes over TLS and reads the status line of the answer.
fn raw_status(r: &Emulator, bytes: &[u8]) -> u16 {
    let tcp = TcpStream::connect(r.addr).expect("connects");
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let conn =
        ClientConnection::new(r.config.clone(), ServerName::from(r.addr.ip())).expect("client");
    let mut tls = StreamOwned::new(conn, tcp);
    // The server may answer and close before all is sent: a write error is not the point.
    let _ = tls.write_all(bytes);
    let _ = tls.flush();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match tls.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
}

#[test]
fn idle_and_garbage_connections_do_not_stop_a_client() {
    let r = start();
    // Idle TCP, half a TLS hello, and plain-text HTTP on the TLS port.
    let idle = TcpStream::connect(r.addr).expect("connects");
    let mut half = TcpStream::connect(r.addr).expect("connects");
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .expect("writes");
    let mut plain = TcpStream::connect(r.addr).expect("connects");
    plain.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("writes");
    let start = Instant::now();
    let mut c = Client::connect(r.addr, r.config.clone()).expect("connects");
    for _ in 0..20 {
        let reply = c
            .request("GET", "/certificates?api-version=7.6", b"", true)
            .expect("answers");
        assert_eq!(reply.status, 200);
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the client waited on the others: {:?}",
        start.elapsed()
    );
    // The plain-text client gets no HTTP answer: its connection is closed.
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let got = plain.read(&mut buf).unwrap_or(0);
    assert!(
        !String::from_utf8_lossy(&buf[..got]).starts_with("HTTP/"),
        "no HTTP over plain TCP"
    );
    drop((idle, half));
}

#[test]
fn oversized_and_chunked_requests_are_refused() {
    let r = start();
    let big_head = format!(
        "GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(MAX_HEAD_BYTES)
    );
    assert_eq!(raw_status(&r, big_head.as_bytes()), 431);
    let big_body = format!(
        "POST /certificates/x/create?api-version=7.6 HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    assert_eq!(raw_status(&r, big_body.as_bytes()), 413);
    let chunked = "POST /certificates/x/create?api-version=7.6 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(raw_status(&r, chunked.as_bytes()), 411);
    assert_eq!(raw_status(&r, b"\x01\x02 nonsense\r\n\r\n"), 400);
    // No token: the challenge.
    assert_eq!(
        raw_status(&r, b"GET /certificates?api-version=7.6 HTTP/1.1\r\n\r\n"),
        401
    );
    // And the emulator still answers.
    let mut c = Client::connect(r.addr, r.config.clone()).expect("connects");
    let reply = c
        .request("GET", "/_kvcert/clock", b"", false)
        .expect("answers");
    assert_eq!(reply.status, 200);
}
