//! What an operation answers: the HTTP status, the headers a client reads, the JSON body.

use serde::Serialize;

use crate::service::error::Error;

/// The seconds the service asks a client to wait between polls of an operation in progress
/// (`Retry-After: 10` on the 202 and on `GET …/pending`, every recording).
pub const RETRY_AFTER_SECS: u32 = 10;

/// One answer of the vault, as the service sends it.
///
/// `body` is the exact JSON the service sends (empty when it sends none); `headers` holds the
/// ones a client acts on (`Location`, `Retry-After`), in the order the service sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// `(name, value)` pairs.
    pub headers: Vec<(String, String)>,
    /// The JSON body, UTF-8.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `value` serialized as its body.
    pub(crate) fn json<T: Serialize>(status: u16, value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response {
                status,
                headers: Vec::new(),
                body,
            },
            Err(e) => Response::error(&Error::internal(e)),
        }
    }

    /// The service's error body for `error`, with its status.
    pub(crate) fn error(error: &Error) -> Response {
        let body = serde_json::to_vec(&error.to_key_vault_error()).unwrap_or_default();
        Response {
            status: error.status(),
            headers: Vec::new(),
            body,
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: String) -> Response {
        self.headers.push((name.to_owned(), value));
        self
    }

    /// The value of the header `name` (case-insensitive), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when empty or not JSON), for tests and logs.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}
