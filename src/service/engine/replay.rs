//! A script of requests against one vault, every answer recorded: the interface of
//! `examples/vault_replay` and of scripts outside the crate.
//!
//! The script is a JSON array of steps `{"now": RFC 3339, "method": "POST", "path":
//! "/certificates/x/create?api-version=7.4", "body": <JSON value, optional>}`; the answers are
//! a JSON array of `{"status": N, "headers": {...}, "body": <JSON value or null>}`, one per
//! step. The same script, vault settings and seed give the same answers, byte for byte.

use rand_core::SeedableRng;
use serde_json::{Map, Value, json};

use super::route::Request;
use super::{IssuanceDelays, VaultState};
use crate::rng::ChaCha20Rng;
use crate::service::error::{Error, RequestProblem};
use crate::service::vault::Vault;
use crate::x509::time::UnixTime;

/// The most steps a script may hold (kvcert's bound).
pub const MAX_STEPS: usize = 10_000;

/// Runs `script` (see the [module docs](self)) against a new vault with these settings, its
/// randomness from ChaCha20 seeded with `seed`; returns the answers as pretty JSON.
///
/// ```
/// use kvcert::IssuanceDelays;
/// use kvcert::service::engine::replay::replay;
/// let script = r#"[{"now": "2026-01-15T12:00:00Z", "method": "GET", "path": "/certificates/x?api-version=7.6"}]"#;
/// let answers = replay(script, kvcert::Vault::new("https://v.vault.azure.net"), IssuanceDelays::default(), 0)?;
/// assert!(answers.contains("\"status\": 404"));
/// # Ok::<(), kvcert::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::MalformedRequest`] when the script is not such an array (a step without `now`,
/// `method` or `path`, an unreadable time, more than [`MAX_STEPS`] steps).
pub fn replay(
    script: &str,
    vault: Vault,
    delays: IssuanceDelays,
    seed: u64,
) -> Result<String, Error> {
    let malformed = |message: String| Error::MalformedRequest {
        problem: RequestProblem::Json {
            message,
            line: 0,
            column: 0,
        },
    };
    let steps: Vec<Value> = serde_json::from_str(script).map_err(|e| Error::MalformedRequest {
        problem: RequestProblem::json(&e),
    })?;
    if steps.len() > MAX_STEPS {
        return Err(malformed(format!("more than {MAX_STEPS} steps")));
    }
    let mut state = VaultState::with_delays(vault, delays);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut answers = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let field = |name: &str| {
            step.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(format!("step {i}: no \"{name}\" string")))
        };
        let now: UnixTime = field("now")?
            .parse()
            .map_err(|e| malformed(format!("step {i}: now: {e}")))?;
        let body = match step.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => serde_json::to_vec(value).map_err(Error::internal)?,
        };
        let response = state.handle(
            &Request {
                method: field("method")?,
                path: field("path")?,
                body: &body,
            },
            now,
            &mut rng,
        );
        let headers: Map<String, Value> = response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let body = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response.body).unwrap_or(Value::Null)
        };
        answers.push(json!({"status": response.status, "headers": headers, "body": body}));
    }
    serde_json::to_string_pretty(&answers).map_err(Error::internal)
}
