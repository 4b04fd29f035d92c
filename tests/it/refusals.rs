//! The refusal table (`tests/data/refusals.json`): every request kvcert must refuse, with the
//! status, code and message it answers, and where each rule comes from.

use kvcert::{UnixTime, Vault, create_from_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;

fn table() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/refusals.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// The request body a case describes.
fn body(case: &Value) -> Vec<u8> {
    if let Some(b) = case.get("body") {
        return serde_json::to_vec(b).unwrap();
    }
    if let Some(r) = case["raw"].as_str() {
        return r.as_bytes().to_vec();
    }
    if let Some(n) = case["body_sans_dns"].as_u64() {
        let names: Vec<String> = (0..n).map(|i| format!("a{i}.com")).collect();
        let b = serde_json::json!({"policy": {"x509_props": {"sans": {"dns_names": names}}, "issuer": {"name": "Self"}}});
        return serde_json::to_vec(&b).unwrap();
    }
    if let Some(n) = case["body_ekus"].as_u64() {
        let ekus: Vec<&str> = (0..n).map(|_| "1.2.3").collect();
        let b = serde_json::json!({"policy": {"x509_props": {"subject": "CN=a", "ekus": ekus}, "issuer": {"name": "Self"}}});
        return serde_json::to_vec(&b).unwrap();
    }
    if let Some(n) = case["raw_nesting"].as_u64() {
        let n = n as usize;
        return format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n)).into_bytes();
    }
    if let Some(n) = case["raw_list"].as_u64() {
        let items = vec![r#""1.2.3""#; n as usize].join(",");
        return format!(r#"{{"policy":{{"x509_props":{{"subject":"CN=a","ekus":[{items}]}}}}}}"#)
            .into_bytes();
    }
    if let Some(n) = case["raw_spaces"].as_u64() {
        return vec![b' '; n as usize];
    }
    panic!("case {} has no body", case["case"]);
}

#[test]
fn every_refusal_in_the_table() {
    let cases = table();
    assert!(cases.len() >= 40, "the table lost cases: {}", cases.len());
    let vault = Vault::new("https://myvault.vault.azure.net");
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let what = case["case"].as_str().unwrap();
        assert!(
            case["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: no source"
        );
        let name = case["name"].as_str().unwrap_or("cert1");
        // A refusal happens before any key is made: a fresh RNG each time.
        let result = create_from_json(
            name,
            &body(case),
            &vault,
            now,
            &mut ChaCha20Rng::seed_from_u64(1),
        );
        let err = match result {
            Ok(_) => {
                failures.push(format!("{what}: accepted"));
                continue;
            }
            Err(e) => e,
        };
        let wire = err.to_key_vault_error();
        if u64::from(err.status()) != case["status"].as_u64().unwrap() {
            failures.push(format!("{what}: status {}", err.status()));
        }
        if wire.error.code != case["code"].as_str().unwrap() {
            failures.push(format!("{what}: code {}", wire.error.code));
        }
        let ok = match (case["message"].as_str(), case["message_prefix"].as_str()) {
            (Some(m), _) => wire.error.message == m,
            (None, Some(p)) => wire.error.message.starts_with(p),
            _ => false,
        };
        if !ok {
            failures.push(format!("{what}: message {:?}", wire.error.message));
        }
        // The body is what an emulator sends back: it must serialise.
        serde_json::to_string(&wire).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
