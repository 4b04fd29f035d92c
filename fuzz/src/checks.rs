//! What each fuzz target does with one input.
//!
//! This file is shared: the fuzz targets call it through the `kvcert_fuzz` library, and
//! `tests/fuzz_corpus.rs` of the parent crate includes it with `#[path]` to replay the corpus.
//! It therefore uses only kvcert's public API (plus `serde_json`, `der` and `x509-cert`,
//! which the parent crate's tests can also reach). A property that does not hold panics.

use der::{Decode, Encode};

/// The certificate name the `policy_json` target uses (a valid one, so the body is read).
pub const CERT_NAME: &str = "fuzzcert";

/// `policy_json`: a Create Certificate request body.
///
/// `IssuancePlan::from_json` must not panic. On success the stored policy must serialise to
/// JSON; on refusal the Key Vault error body must serialise and carry a non-empty message.
/// No key is generated here (RSA key generation is far too slow for fuzzing).
///
/// Returns whether the body was accepted (the fuzz target ignores it; the replay test counts).
pub fn policy_json(data: &[u8]) -> bool {
    match kvcert::IssuancePlan::from_json(CERT_NAME, data) {
        Ok(plan) => {
            let stored = plan.stored_policy();
            let json = serde_json::to_vec(&stored)
                .unwrap_or_else(|e| panic!("stored policy does not serialise: {e}"));
            assert!(!json.is_empty(), "stored policy serialised to nothing");
            true
        }
        Err(err) => {
            let body = err.to_key_vault_error();
            assert!(
                !body.error.message.is_empty(),
                "empty error message for {err:?}"
            );
            let json = serde_json::to_vec(&body)
                .unwrap_or_else(|e| panic!("error body does not serialise: {e} ({err:?})"));
            assert!(!json.is_empty(), "error body serialised to nothing");
            false
        }
    }
}

/// `subject_dn`: an RFC 4514 subject string (inputs that are not UTF-8 are skipped).
///
/// Parsing and `to_der` must not panic. When both succeed, the DER must decode as an
/// `x509_cert::name::Name` with as many RDNs as were parsed, and re-encode to the same bytes
/// (kvcert writes DER, so the encoding is canonical).
///
/// Returns whether the subject was parsed and encoded (the replay test counts).
pub fn subject_dn(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    let Ok(dn) = text.parse::<kvcert::DistinguishedName>() else {
        return false;
    };
    let Ok(der) = dn.to_der() else {
        return false;
    };
    let name = x509_cert::name::Name::from_der(&der).unwrap_or_else(|e| {
        panic!("kvcert's DER for {text:?} does not decode as a Name: {e}; DER {der:02x?}")
    });
    assert_eq!(
        name.len(),
        dn.rdns().len(),
        "RDN count differs for {text:?}"
    );
    let again = name
        .to_der()
        .unwrap_or_else(|e| panic!("decoded Name for {text:?} does not re-encode: {e}"));
    assert_eq!(again, der, "DER for {text:?} is not canonical");
    true
}
