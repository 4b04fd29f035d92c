//! The emulator's bounds over real connections: idle, garbage and slowloris connections do
//! not stop a well-behaved client; oversized heads and bodies are refused with their status
//! on that connection only; chunked bodies and `Expect: 100-continue` are served; a
//! connection over the limit is answered 503; a request without a token is challenged.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::TempDir;
use crate::support::emulator::Emulator as Running;
use kvcert_emulator::client::{self, Client};
use kvcert_emulator::http::{MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

struct Emulator {
    /// Kept for its drop, which stops the process.
    _running: Running,
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

fn start() -> Emulator {
    start_with(&[])
}

fn start_with(args: &[&str]) -> Emulator {
    // A directory per emulator (the tests of this file run at the same time), gone once the
    // emulator has written its root and the test has read it.
    let dir = TempDir::new("bounds");
    let running = Running::start(dir.path(), args);
    drop(dir);
    Emulator {
        addr: running.addr,
        config: client::config(&running.root_pem).expect("a root"),
        _running: running,
    }
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn tls(r: &Emulator) -> Tls {
    let tcp = TcpStream::connect(r.addr).expect("connects");
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let conn =
        ClientConnection::new(r.config.clone(), ServerName::from(r.addr.ip())).expect("client");
    StreamOwned::new(conn, tcp)
}

/// Reads the next answer's head and returns its status.
fn read_status(tls: &mut Tls) -> u16 {
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        match tls.read(&mut byte) {
            Ok(0) | Err(_) => break,
            Ok(_) => answer.push(byte[0]),
        }
    }
    let line = String::from_utf8_lossy(&answer);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
}

/// Sends raw bytes over TLS and reads the status line of the answer.
fn raw_status(r: &Emulator, bytes: &[u8]) -> u16 {
    let mut tls = tls(r);
    // The server may answer and close before all is sent: a write error is not the point.
    let _ = tls.write_all(bytes);
    let _ = tls.flush();
    read_status(&mut tls)
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

const CREATE: &str = r#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;

#[test]
fn oversized_requests_are_refused_and_chunked_bodies_served() {
    let r = start();
    let big_head = format!(
        "GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(MAX_HEAD_BYTES)
    );
    assert_eq!(raw_status(&r, big_head.as_bytes()), 431);
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X{i}: y\r\n")).collect();
    assert_eq!(
        raw_status(&r, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
        431
    );
    let big_body = format!(
        "POST /certificates/x/create?api-version=7.6 HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    assert_eq!(raw_status(&r, big_body.as_bytes()), 413);
    // Chunked past the bound: 413 once the bound is passed.
    let mut chunked_big = b"POST /certificates/x/create?api-version=7.6 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..=MAX_BODY_BYTES >> 20 {
        chunked_big.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked_big.extend_from_slice(&chunk);
        chunked_big.extend_from_slice(b"\r\n");
    }
    chunked_big.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(raw_status(&r, &chunked_big), 413);
    assert_eq!(raw_status(&r, b"\x01\x02 nonsense\r\n\r\n"), 400);
    // No token: the challenge.
    assert_eq!(
        raw_status(&r, b"GET /certificates?api-version=7.6 HTTP/1.1\r\n\r\n"),
        401
    );
    // A chunked create is a create.
    let mut chunked = String::from(
        "POST /certificates/chunked/create?api-version=7.6 HTTP/1.1\r\nAuthorization: Bearer t\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let (first, second) = CREATE.split_at(20);
    for part in [first, second] {
        chunked.push_str(&format!("{:x}\r\n{part}\r\n", part.len()));
    }
    chunked.push_str("0\r\n\r\n");
    assert_eq!(raw_status(&r, chunked.as_bytes()), 202);
    // And the emulator still answers.
    let mut c = Client::connect(r.addr, r.config.clone()).expect("connects");
    let reply = c
        .request("GET", "/certificates/chunked?api-version=7.6", b"", true)
        .expect("answers");
    assert_eq!(reply.status, 200);
}

/// `Expect: 100-continue`: the interim answer comes before the body is sent; a body over the
/// bound is refused without it.
#[test]
fn expect_continue_gets_its_interim_answer() {
    let r = start();
    let mut t = tls(&r);
    let head = format!(
        "POST /certificates/cont/create?api-version=7.6 HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        CREATE.len()
    );
    t.write_all(head.as_bytes()).expect("writes");
    t.flush().expect("flushes");
    assert_eq!(
        read_status(&mut t),
        100,
        "the interim answer, before any body"
    );
    t.write_all(CREATE.as_bytes()).expect("writes");
    t.flush().expect("flushes");
    assert_eq!(read_status(&mut t), 202);
    let mut t = tls(&r);
    let head = format!(
        "POST /certificates/cont/create?api-version=7.6 HTTP/1.1\r\nAuthorization: Bearer t\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    t.write_all(head.as_bytes()).expect("writes");
    t.flush().expect("flushes");
    assert_eq!(read_status(&mut t), 413, "no 100 for a body over the bound");
}

/// Over `--max-connections`: 503 with `Retry-After` on the connection's first request, and
/// the connections within the limit go on.
#[test]
fn a_connection_over_the_limit_is_answered_503() {
    let r = start_with(&["--max-connections", "2"]);
    let mut held: Vec<Client> = (0..2)
        .map(|_| Client::connect(r.addr, r.config.clone()).expect("connects"))
        .collect();
    for c in &mut held {
        let reply = c
            .request("GET", "/_kvcert/clock", b"", false)
            .expect("answers");
        assert_eq!(reply.status, 200);
    }
    let mut over = Client::connect(r.addr, r.config.clone()).expect("connects");
    let reply = over
        .request("GET", "/_kvcert/clock", b"", false)
        .expect("an answer, not a dropped connection");
    assert_eq!(reply.status, 503);
    assert!(
        reply
            .headers
            .iter()
            .any(|(n, v)| n == "retry-after" && v == "1"),
        "{:?}",
        reply.headers
    );
    let reply = held[0]
        .request("GET", "/_kvcert/clock", b"", false)
        .expect("answers");
    assert_eq!(reply.status, 200);
}

/// A thousand connections that never speak and a hundred that send a request's head a byte
/// at a time: a client's GETs still answer.
#[test]
fn a_thousand_idle_and_a_hundred_slowloris_connections_do_not_stop_a_client() {
    let r = start();
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(r.addr).expect("connects"))
        .collect();
    let mut slow: Vec<Tls> = (0..100).map(|_| tls(&r)).collect();
    let head = b"GET /certificates?api-version=7.6 HTTP/1.1\r\nAuthorization: Bearer t\r\n";
    let mut c = Client::connect(r.addr, r.config.clone()).expect("connects");
    for (i, byte) in head.iter().enumerate().take(20) {
        for s in &mut slow {
            s.write_all(&[*byte]).expect("the slow byte");
            s.flush().expect("flushes");
        }
        let reply = c
            .request("GET", "/certificates?api-version=7.6", b"", true)
            .unwrap_or_else(|e| panic!("answers after {i} slow bytes: {e}"));
        assert_eq!(reply.status, 200);
    }
    drop((idle, slow));
}
