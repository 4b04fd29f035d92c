//! A small HTTPS client of the emulator, for its tests and the load tool: one keep-alive
//! connection, the server's certificate verified against the emulator's TLS root.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// The longest answer read (a list page or a restore answer is far below).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// One answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The certificates of a PEM text (`CERTIFICATE` blocks), read by rustls's PEM reader.
pub fn certificates_from_pem(pem: &str) -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .map(|der| der.to_vec())
        .collect()
}

/// A TLS client configuration trusting the roots in `root_pem`.
pub fn config(root_pem: &str) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for der in certificates_from_pem(root_pem) {
        roots
            .add(CertificateDer::from(der))
            .map_err(io::Error::other)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One connection to the emulator.
pub struct Client {
    stream: StreamOwned<ClientConnection, TcpStream>,
    buf: Vec<u8>,
    host: String,
}

impl Client {
    /// Connects to `addr`, verifying the server's certificate for its IP address.
    pub fn connect(addr: SocketAddr, config: Arc<ClientConfig>) -> io::Result<Client> {
        let tcp = TcpStream::connect(addr)?;
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
        let name = ServerName::from(addr.ip());
        let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
        Ok(Client {
            stream: StreamOwned::new(conn, tcp),
            buf: Vec::new(),
            host: addr.to_string(),
        })
    }

    /// Connects to `addr`, verifying the server's certificate for the DNS name `name`, and
    /// sending `name:PORT` as the `Host` header (a vault's host name, `NAME.localhost`).
    pub fn connect_as(
        addr: SocketAddr,
        config: Arc<ClientConfig>,
        name: &str,
    ) -> io::Result<Client> {
        let tcp = TcpStream::connect(addr)?;
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
        let server = ServerName::try_from(name.to_owned()).map_err(io::Error::other)?;
        let conn = ClientConnection::new(config, server).map_err(io::Error::other)?;
        Ok(Client {
            stream: StreamOwned::new(conn, tcp),
            buf: Vec::new(),
            host: format!("{name}:{}", addr.port()),
        })
    }

    /// The same connection, sending `host` as its `Host` header (the address a client used,
    /// say `localhost:PORT` for a server on `127.0.0.1:PORT`).
    #[must_use]
    pub fn with_host(mut self, host: &str) -> Client {
        self.host = host.to_owned();
        self
    }

    /// Sends one request (with a bearer token when `token`) and reads its answer.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        body: &[u8],
        token: bool,
    ) -> io::Result<Reply> {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if token {
            head.push_str("Authorization: Bearer load-test\r\n");
        }
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        self.stream.write_all(&out)?;
        self.stream.flush()?;
        self.read_reply()
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        if self.buf.len() > MAX_ANSWER_BYTES {
            return Err(io::Error::other("answer too large"));
        }
        Ok(())
    }

    fn read_reply(&mut self) -> io::Result<Reply> {
        let head_len = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            self.fill()?;
        };
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        parsed
            .parse(&self.buf[..head_len])
            .map_err(io::Error::other)?;
        let status = parsed.code.unwrap_or_default();
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        self.buf.drain(..head_len);
        while self.buf.len() < length {
            self.fill()?;
        }
        let body = self.buf.drain(..length).collect();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}
