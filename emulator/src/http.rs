//! HTTP/1.1 on one connection, bounded: a request's head, its body, and the answer.
//!
//! Only what Key Vault clients send: a request line, headers and a `Content-Length` body
//! (no chunked uploads: 411), keep-alive by default. Every size is capped, so a client can
//! only waste its own connection's memory.

use std::io::{self, Read, Write};

/// The longest request head (request line and headers).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most headers in one request.
pub const MAX_HEADERS: usize = 64;
/// The longest body: the engine's largest (a restore blob, 8 MiB) and room for its JSON.
pub const MAX_BODY_BYTES: usize = 9 * 1024 * 1024;

/// One request, as the emulator needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// Whether the client keeps the connection open (`Connection: close` does not).
    pub keep_alive: bool,
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection between requests.
    Closed,
    /// A request that breaks a rule: answer with this status and text, then close.
    Refused(u16, &'static str),
    /// The connection failed or timed out (nothing more can be said on it).
    Io,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// Reads the next request from `stream`; `buf` keeps bytes read past it (a pipelined next
/// request) for the next call.
pub fn read_request(stream: &mut impl Read, buf: &mut Vec<u8>) -> Result<Request, ReadError> {
    let head_len = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Refused(431, "Request Header Fields Too Large"));
        }
        if fill(stream, buf)? == 0 {
            return if buf.is_empty() {
                Err(ReadError::Closed)
            } else {
                Err(ReadError::Refused(400, "Bad Request"))
            };
        }
    };
    if head_len > MAX_HEAD_BYTES {
        return Err(ReadError::Refused(431, "Request Header Fields Too Large"));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => {
            return Err(ReadError::Refused(431, "Request Header Fields Too Large"));
        }
        _ => return Err(ReadError::Refused(400, "Bad Request")),
    }
    let method = parsed.method.unwrap_or_default().to_owned();
    let target = parsed.path.unwrap_or_default().to_owned();
    let http10 = parsed.version == Some(0);
    let mut length = 0usize;
    let mut authorization = None;
    let mut keep_alive = !http10;
    for h in parsed.headers.iter() {
        let value =
            std::str::from_utf8(h.value).map_err(|_| ReadError::Refused(400, "Bad Request"))?;
        if h.name.eq_ignore_ascii_case("content-length") {
            length = value
                .trim()
                .parse()
                .map_err(|_| ReadError::Refused(400, "Bad Request"))?;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ReadError::Refused(411, "Length Required"));
        } else if h.name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value.to_owned());
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                keep_alive = false;
            } else if v.contains("keep-alive") {
                keep_alive = true;
            }
        }
    }
    if length > MAX_BODY_BYTES {
        return Err(ReadError::Refused(413, "Payload Too Large"));
    }
    buf.drain(..head_len);
    while buf.len() < length {
        if fill(stream, buf)? == 0 {
            return Err(ReadError::Refused(400, "Bad Request"));
        }
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    Ok(Request {
        method,
        target,
        authorization,
        body,
        keep_alive,
    })
}

/// Reads what is there (up to 16 KiB) onto `buf`; 0 at end of stream.
fn fill(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = loop {
        match stream.read(&mut chunk) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other?,
        }
    };
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: Vec<u8>) -> Response {
        let headers = if body.is_empty() {
            Vec::new()
        } else {
            vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )]
        };
        Response {
            status,
            headers,
            body,
        }
    }

    /// A plain-text answer (for refusals before any Key Vault routing).
    pub fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: text.as_bytes().to_vec(),
        }
    }
}

/// Writes `response`, with `Connection: close` unless `keep_alive`.
pub fn write_response(
    stream: &mut impl Write,
    response: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        // Values come from the engine and from this crate; never let one end the head.
        if !value.contains(['\r', '\n']) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut out = head.into_bytes();
    out.extend_from_slice(&response.body);
    stream.write_all(&out)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<Request, ReadError> {
        read_request(&mut &bytes[..], &mut Vec::new())
    }

    #[test]
    fn reads_a_request_and_keeps_what_follows() {
        let two = b"POST /certificates/a/create?api-version=7.6 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        let mut stream = &two[..];
        let mut buf = Vec::new();
        let first = read_request(&mut stream, &mut buf).unwrap();
        assert_eq!(first.method, "POST");
        assert_eq!(first.target, "/certificates/a/create?api-version=7.6");
        assert_eq!(first.authorization.as_deref(), Some("Bearer t"));
        assert_eq!(first.body, b"{}");
        assert!(first.keep_alive);
        let second = read_request(&mut stream, &mut buf).unwrap();
        assert_eq!(second.target, "/");
        assert!(!second.keep_alive);
        assert!(matches!(
            read_request(&mut stream, &mut buf),
            Err(ReadError::Closed)
        ));
    }

    #[test]
    fn every_bound_is_a_refusal() {
        let status = |r: Result<Request, ReadError>| match r {
            Err(ReadError::Refused(s, _)) => s,
            other => panic!("{other:?}"),
        };
        let long = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEAD_BYTES)
        );
        assert_eq!(status(read(long.as_bytes())), 431);
        let endless = vec![b'a'; MAX_HEAD_BYTES + 100];
        assert_eq!(status(read(&endless)), 431);
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X{i}: y\r\n"))
            .collect();
        assert_eq!(
            status(read(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes())),
            431
        );
        let big = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY_BYTES + 1
        );
        assert_eq!(status(read(big.as_bytes())), 413);
        assert_eq!(
            status(read(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            )),
            411
        );
        assert_eq!(
            status(read(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n{}")),
            400
        );
        assert_eq!(status(read(b"\x00\x01 nonsense\r\n\r\n")), 400);
        assert_eq!(
            status(read(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")),
            400
        );
    }

    #[test]
    fn writes_the_length_and_drops_a_header_that_would_split_the_head() {
        let mut out = Vec::new();
        let mut r = Response::json(200, b"{}".to_vec());
        r.headers
            .push(("X-Bad".to_owned(), "a\r\nInjected: 1".to_owned()));
        write_response(&mut out, &r, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(!text.contains("Injected"));
        assert!(text.ends_with("\r\n\r\n{}"));
    }
}
