//! Lifetime actions through `VaultState::handle`: AutoRenew makes the next version at the due
//! instant, EmailContacts notifies once, the due instants the docs give.

use crate::support;

use kvcert::{IssuanceDelays, UnixTime, Vault};
use serde_json::{Value, json};
use support::engine::Client;

fn client() -> Client {
    Client::new(
        Vault::new("https://renew.vault.azure.net"),
        IssuanceDelays::default(),
        21,
    )
}

/// The certificate's versions, as the list shows them.
fn versions(c: &mut Client, name: &str) -> Vec<Value> {
    c.call("GET", &format!("/certificates/{name}/versions"), "")
        .body_json()["value"]
        .as_array()
        .unwrap()
        .clone()
}

fn policy(action: &str, trigger: Value, issuer: &str, reuse_key: bool) -> String {
    json!({"policy": {"key_props": {"kty": "EC", "crv": "P-256", "reuse_key": reuse_key},
        "x509_props": {"subject": "CN=renew"}, "issuer": {"name": issuer},
        "lifetime_actions": [{"trigger": trigger, "action": {"action_type": action}}]},
        "tags": {"team": "a"}})
    .to_string()
}

#[test]
fn auto_renew_at_eighty_percent_makes_the_next_version_at_the_due_instant() {
    let mut c = client();
    assert_eq!(
        c.call(
            "POST",
            "/certificates/r/create",
            &policy(
                "AutoRenew",
                json!({"lifetime_percentage": 80}),
                "Self",
                false
            )
        )
        .status,
        202
    );
    let first = c.call("GET", "/certificates/r", "").body_json();
    // The docs' example: due at 2026-11-03T11:58:00Z.
    c.at("2026-11-03T11:57:59Z");
    assert_eq!(versions(&mut c, "r").len(), 1, "not yet due");
    c.at("2026-11-03T11:58:00Z");
    assert_eq!(versions(&mut c, "r").len(), 2);
    let second = c.call("GET", "/certificates/r", "").body_json();
    let due: i64 = "2026-11-03T11:58:00Z"
        .parse::<UnixTime>()
        .unwrap()
        .as_secs() as i64;
    assert_eq!(
        second["attributes"]["created"].as_i64(),
        Some(due),
        "dated at the due instant"
    );
    assert_eq!(second["attributes"]["nbf"].as_i64(), Some(due - 600));
    assert_eq!(second["tags"], json!({"team": "a"}), "tags carried over");
    let key = |c: &mut Client, v: &Value| {
        let version = v["kid"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        c.call("GET", &format!("/keys/r/{version}"), "").body_json()["key"]["x"].clone()
    };
    assert_ne!(
        key(&mut c, &first),
        key(&mut c, &second),
        "a new key without reuse_key"
    );
    // The next renewal is measured on the new version: nothing more for months.
    c.at("2027-01-01T00:00:00Z");
    assert_eq!(versions(&mut c, "r").len(), 2);
    c.at("2027-09-03T00:00:00Z");
    assert_eq!(versions(&mut c, "r").len(), 3);
}

#[test]
fn reuse_key_keeps_the_key_and_a_jump_catches_up() {
    let mut c = client();
    c.call(
        "POST",
        "/certificates/k/create",
        &policy("AutoRenew", json!({"days_before_expiry": 30}), "Self", true),
    );
    let first_key = c.call("GET", "/keys/k", "").body_json()["key"]["x"].clone();
    // Three years later: a renewal each year (11 months apart), done in one call.
    c.at("2029-01-10T00:00:00Z");
    let versions = versions(&mut c, "k");
    assert_eq!(
        versions.len(),
        4,
        "2026, then renewals 2026-12, 2027-11, 2028-10"
    );
    assert_eq!(
        c.call("GET", "/keys/k", "").body_json()["key"]["x"],
        first_key,
        "reuse_key"
    );
}

#[test]
fn email_contacts_notifies_once_per_version() {
    let mut c = client();
    c.call(
        "PUT",
        "/certificates/contacts",
        r#"{"contacts":[{"email":"ops@example.com","name":"Ops"}]}"#,
    );
    c.call(
        "POST",
        "/certificates/e/create",
        &policy(
            "EmailContacts",
            json!({"days_before_expiry": 30}),
            "Self",
            false,
        ),
    );
    c.at("2026-12-16T11:59:59Z");
    c.call("GET", "/certificates/e", "");
    assert!(c.state.notifications().is_empty());
    c.at("2026-12-16T12:00:00Z");
    c.call("GET", "/certificates/e", "");
    let n = c.state.take_notifications();
    assert_eq!(n.len(), 1);
    assert_eq!(
        (n[0].certificate.as_str(), n[0].emails.clone()),
        ("e", vec!["ops@example.com".to_owned()])
    );
    assert_eq!(
        n[0].due,
        "2026-12-16T12:00:00Z"
            .parse::<UnixTime>()
            .unwrap()
            .as_secs() as i64
    );
    c.at("2027-06-01T00:00:00Z");
    c.call("GET", "/certificates/e", "");
    assert!(c.state.notifications().is_empty(), "once");
    assert_eq!(versions(&mut c, "e").len(), 1, "no renewal");
}

#[test]
fn no_action_runs_while_a_merge_is_awaited() {
    let mut c = client();
    c.call(
        "POST",
        "/certificates/u/create",
        &policy(
            "AutoRenew",
            json!({"lifetime_percentage": 50}),
            "Unknown",
            false,
        ),
    );
    // Pending for a merge: no action while an operation is in progress, however late.
    c.at("2030-01-01T00:00:00Z");
    let op = c.call("GET", "/certificates/u/pending", "").body_json();
    assert_eq!(op["status"], "inProgress");
    assert_eq!(
        op["status_details"],
        "Pending certificate created. Please Perform Merge to complete the request."
    );
}
