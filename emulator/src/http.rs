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
    /// The address the client used (the `Host` header, checked), for the ids of the answer;
    /// `None`: the vault's own.
    pub host: Option<String>,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
    /// The `X-IDENTITY-HEADER` header (the managed-identity endpoint's secret), if sent.
    pub identity_header: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// `value` if it is a host and optional port a URL can carry (letters, digits, `.`, `-`,
/// `:` and the brackets of an IPv6 literal, at most 255 bytes).
pub fn checked_host(value: &str) -> Option<&str> {
    let ok = !value.is_empty()
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    ok.then_some(value)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_what_a_url_can_carry() {
        for good in [
            "localhost:8443",
            "127.0.0.1:1",
            "[::1]:8443",
            "v.vault.azure.net",
        ] {
            assert_eq!(checked_host(good), Some(good));
        }
        for bad in ["", "a/b", "a b", "a@b", "a\r\nX: y", &"a".repeat(256)] {
            assert_eq!(checked_host(bad), None, "{bad:?}");
        }
    }
}
