//! A request and an answer as the emulator sees them (the server reads and writes them with
//! hyper), and the bounds on a request's size.

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
