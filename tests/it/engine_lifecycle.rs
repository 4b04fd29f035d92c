//! Delete, recover and purge by recovery level, and the paged lists, through
//! `VaultState::handle`.

use crate::support;

use kvcert::{IssuanceDelays, Vault, VaultState};
use serde_json::Value;
use support::engine::{Client, error};

const SELF_EC: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=l"},"issuer":{"name":"Self"}}}"#;
const UNKNOWN_EC: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=u"},"issuer":{"name":"Unknown"}}}"#;

/// A client of a vault with this recovery level and retention.
fn client(level: &str, days: i64) -> Client {
    let mut vault = Vault::new("https://life.vault.azure.net");
    vault.recovery_level = level.to_owned();
    vault.recoverable_days = Some(days);
    Client::new(vault, IssuanceDelays::default(), 1)
}

#[test]
fn delete_recover_and_purge_in_a_soft_delete_vault() {
    let mut c = client("CustomizedRecoverable+Purgeable", 7);
    assert_eq!(
        c.call("POST", "/certificates/d/create", SELF_EC).status,
        202
    );
    let before = c.call("GET", "/certificates/d", "").body_json();
    c.later(60);
    let deleted = c.call("DELETE", "/certificates/d", "");
    assert_eq!(deleted.status, 200);
    let body = deleted.body_json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        &keys[..4],
        ["recoveryId", "deletedDate", "scheduledPurgeDate", "id"],
        "recorded order"
    );
    assert_eq!(
        body["recoveryId"],
        "https://life.vault.azure.net/deletedcertificates/d"
    );
    let deleted_date = body["deletedDate"].as_i64().unwrap();
    assert_eq!(deleted_date as u64, c.now.as_secs());
    assert_eq!(
        body["scheduledPurgeDate"].as_i64().unwrap() - deleted_date,
        7 * 86_400
    );
    assert_eq!(body["cer"], before["cer"]);
    assert_eq!(body["policy"], before["policy"]);

    assert_eq!(
        error(&c.call("GET", "/certificates/d", "")).1,
        "CertificateNotFound"
    );
    assert_eq!(
        c.call("GET", "/deletedcertificates/d", "").body,
        deleted.body
    );
    let list = c.call("GET", "/deletedcertificates", "").body_json();
    assert_eq!(list["value"][0]["recoveryId"], body["recoveryId"]);
    assert_eq!(
        list["value"][0]["id"],
        "https://life.vault.azure.net/certificates/d"
    );
    assert_eq!(list["nextLink"], Value::Null);

    // The name cannot be reused while it is recoverable: the reported 409.
    let conflict = c.call("POST", "/certificates/d/create", SELF_EC);
    assert_eq!(conflict.status, 409);
    let e = conflict.body_json();
    assert_eq!(e["error"]["code"], "Conflict");
    assert_eq!(
        e["error"]["innererror"],
        serde_json::json!({"code": "ObjectIsDeletedButRecoverable"})
    );
    assert_eq!(
        e["error"]["message"],
        "Certificate d is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged."
    );

    // Recover: the same certificate, versions and policy.
    let recovered = c.call("POST", "/deletedcertificates/d/recover", "");
    assert_eq!(recovered.status, 200);
    assert_eq!(recovered.body_json(), before);
    assert_eq!(
        error(&c.call("GET", "/deletedcertificates/d", "")),
        (
            404,
            "CertificateNotFound".into(),
            "Deleted Certificate not found: d".into()
        )
    );

    // Delete again and purge: 204, no body; the name is free.
    c.call("DELETE", "/certificates/d", "");
    let purged = c.call("DELETE", "/deletedcertificates/d", "");
    assert_eq!((purged.status, purged.body.len()), (204, 0));
    assert_eq!(
        error(&c.call("DELETE", "/deletedcertificates/d", "")).0,
        404
    );
    assert_eq!(
        c.call("POST", "/certificates/d/create", SELF_EC).status,
        202
    );
}

#[test]
fn the_scheduled_purge_date_purges_and_protection_refuses_purge() {
    let mut c = client("Recoverable", 90);
    c.call("POST", "/certificates/p/create", SELF_EC);
    c.call("DELETE", "/certificates/p", "");
    let (status, code, _) = error(&c.call("DELETE", "/deletedcertificates/p", ""));
    assert_eq!(
        (status, code.as_str()),
        (403, "Forbidden"),
        "purge protection"
    );
    c.later(90 * 86_400 - 1);
    assert_eq!(c.call("GET", "/deletedcertificates/p", "").status, 200);
    c.later(1);
    assert_eq!(
        c.call("GET", "/deletedcertificates/p", "").status,
        404,
        "purged when due"
    );
    assert_eq!(
        c.call("GET", "/deletedcertificates", "").body_json()["value"],
        serde_json::json!([])
    );
    assert_eq!(
        c.call("POST", "/certificates/p/create", SELF_EC).status,
        202
    );
}

#[test]
fn a_purgeable_vault_deletes_at_once() {
    let mut c = client("Purgeable", 0);
    c.call("POST", "/certificates/g/create", SELF_EC);
    let deleted = c.call("DELETE", "/certificates/g", "").body_json();
    assert!(deleted.get("recoveryId").is_none());
    assert!(deleted["cer"].is_string());
    assert_eq!(c.call("GET", "/deletedcertificates/g", "").status, 404);
    assert_eq!(
        c.call("POST", "/certificates/g/create", SELF_EC).status,
        202
    );
}

#[test]
fn deleting_a_pending_only_certificate_gives_the_recorded_shape() {
    let mut c = client("Recoverable+Purgeable", 90);
    let created = c.call("POST", "/certificates/u/create", UNKNOWN_EC);
    assert_eq!(created.status, 202);
    let body = c.call("DELETE", "/certificates/u", "").body_json();
    for absent in ["kid", "sid", "x5t", "cer"] {
        assert!(body.get(absent).is_none(), "{absent}: {body}");
    }
    let id = body["id"].as_str().unwrap();
    let version = id.rsplit('/').next().unwrap();
    assert_eq!(version.len(), 32);
    assert_eq!(body["attributes"]["enabled"], false);
    let (nbf, exp) = (
        body["attributes"]["nbf"].as_u64().unwrap(),
        body["attributes"]["exp"].as_u64().unwrap(),
    );
    assert_eq!(nbf, c.now.as_secs() - 600);
    assert!(exp > nbf);
    assert_eq!(body["policy"]["issuer"]["name"], "Unknown");
}

#[test]
fn lists_page_by_maxresults_with_next_links() {
    let mut c = client("Recoverable+Purgeable", 90);
    for i in 0..7 {
        assert_eq!(
            c.call("POST", &format!("/certificates/c{i}/create"), SELF_EC)
                .status,
            202
        );
    }
    c.call("POST", "/certificates/pending-one/create", UNKNOWN_EC);
    // Pages of 3: c0..c2, c3..c5, c6.
    let mut names = Vec::new();
    let mut path = "/certificates?maxresults=3".to_owned();
    let mut pages = 0;
    loop {
        let page = c.call("GET", &path, "").body_json();
        pages += 1;
        let items = page["value"].as_array().unwrap();
        assert!(items.len() <= 3);
        for item in items {
            let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                ["id", "x5t", "attributes", "subject"],
                "recorded item fields"
            );
            assert!(item["attributes"].get("recoveryLevel").is_none());
            assert_eq!(item["subject"], "");
            names.push(
                item["id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            );
        }
        match page["nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(
                        "https://life.vault.azure.net:443/certificates?api-version=7.6&$skiptoken="
                    ),
                    "{next}"
                );
                path = next
                    .split_once(":443")
                    .unwrap()
                    .1
                    .replace("api-version=7.6&", "");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["c0", "c1", "c2", "c3", "c4", "c5", "c6"],
        "no pending-only certificate without includePending"
    );
    let with_pending = c
        .call("GET", "/certificates?includePending=true", "")
        .body_json();
    let pending_item = with_pending["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str().unwrap().ends_with("/pending-one"))
        .unwrap()
        .clone();
    assert!(pending_item.get("x5t").is_none());
    assert_eq!(pending_item["attributes"]["enabled"], false);

    // Versions: three of c0, oldest first.
    c.later(10);
    c.call("POST", "/certificates/c0/create", "{}");
    c.later(10);
    c.call("POST", "/certificates/c0/create", "{}");
    let versions = c
        .call("GET", "/certificates/c0/versions?maxresults=2", "")
        .body_json();
    assert_eq!(versions["value"].as_array().unwrap().len(), 2);
    let next = versions["nextLink"].as_str().unwrap();
    assert!(next.contains("/certificates/c0/versions?"), "{next}");
    let rest = c
        .call(
            "GET",
            &next
                .split_once(":443")
                .unwrap()
                .1
                .replace("api-version=7.6&", ""),
            "",
        )
        .body_json();
    assert_eq!(rest["value"].as_array().unwrap().len(), 1);
    assert_eq!(rest["nextLink"], Value::Null);
    // Sorted by version string, as recorded (not by creation time); the latest is among them.
    let ids: Vec<String> = versions["value"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["value"].as_array().unwrap())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let latest = c.call("GET", "/certificates/c0", "").body_json();
    assert!(ids.contains(&latest["id"].as_str().unwrap().to_owned()));

    // Bounds.
    for bad in [
        "/certificates?maxresults=0",
        "/certificates?maxresults=26",
        "/certificates?$skiptoken=!!",
    ] {
        assert_eq!(error(&c.call("GET", bad, "")).0, 400, "{bad}");
    }
    // Recorded (JS 7.4-preview.1): the versions of a name that never existed are an empty
    // list, not a 404.
    let none = c.call("GET", "/certificates/none/versions", "");
    assert_eq!(none.status, 200);
    assert_eq!(none.body, br#"{"value":[],"nextLink":null}"#);
}

#[test]
fn policy_patches_merge_and_apply_to_the_next_version() {
    let mut c = client("Recoverable+Purgeable", 90);
    c.call("POST", "/certificates/pp/create", SELF_EC);
    let before = c.call("GET", "/certificates/pp/policy", "").body_json();
    c.later(5);
    // The recorded request shape: empty objects keep their values, only the subject changes.
    let patch = r#"{"key_props":{},"secret_props":{},"x509_props":{"subject":"cn=MyOtherCert","sans":{}},"issuer":{"name":"Self"},"attributes":{}}"#;
    let patched = c.call("PATCH", "/certificates/pp/policy", patch);
    assert_eq!(patched.status, 200);
    let after = patched.body_json();
    assert_eq!(after["x509_props"]["subject"], "cn=MyOtherCert");
    for kept in ["key_props", "secret_props", "lifetime_actions", "issuer"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["x509_props"]["ekus"], before["x509_props"]["ekus"]);
    assert_eq!(
        after["attributes"]["created"],
        before["attributes"]["created"]
    );
    assert_eq!(
        after["attributes"]["updated"].as_u64(),
        Some(c.now.as_secs())
    );
    let keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "key_props",
            "secret_props",
            "x509_props",
            "lifetime_actions",
            "issuer",
            "attributes"
        ]
    );
    // The current certificate keeps its subject; the next version takes the new one.
    let cert = c.call("GET", "/certificates/pp", "").body_json();
    assert_eq!(cert["policy"], after);
    c.call("POST", "/certificates/pp/create", "{}");
    let next = c.call("GET", "/certificates/pp", "").body_json();
    assert_ne!(next["cer"], cert["cer"]);
    // A patch the create rules refuse is refused with the create's error, nothing stored.
    let refused = c.call(
        "PATCH",
        "/certificates/pp/policy",
        r#"{"x509_props":{"validity_months":0}}"#,
    );
    assert_eq!(error(&refused).0, 400);
    assert_eq!(
        c.call("GET", "/certificates/pp/policy", "").body_json(),
        next["policy"]
    );
    assert_eq!(
        error(&c.call("PATCH", "/certificates/none/policy", "{}")).0,
        404
    );
    // A new curve alone: the P-256 size goes with the old curve; then RSA without a size.
    let p384 = c.call(
        "PATCH",
        "/certificates/pp/policy",
        r#"{"key_props":{"crv":"P-384"}}"#,
    );
    assert_eq!(p384.status, 200, "{:?}", p384.body_json());
    assert_eq!(p384.body_json()["key_props"]["key_size"], 384);
    let rsa = c.call(
        "PATCH",
        "/certificates/pp/policy",
        r#"{"key_props":{"kty":"RSA"}}"#,
    );
    assert_eq!(rsa.status, 200, "{:?}", rsa.body_json());
    assert_eq!(rsa.body_json()["key_props"]["key_size"], 2048);
    assert!(rsa.body_json()["key_props"].get("crv").is_none());
}

#[test]
fn certificate_patches_change_enabled_and_tags_of_one_version() {
    let mut c = client("Recoverable+Purgeable", 90);
    c.call("POST", "/certificates/t/create", SELF_EC);
    let first = c.call("GET", "/certificates/t", "").body_json();
    let v1 = first["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    c.later(10);
    c.call("POST", "/certificates/t/create", "{}");
    c.later(10);
    // The SDKs send an empty version for the current one: a trailing slash.
    let patched = c.call(
        "PATCH",
        "/certificates/t/",
        r#"{"attributes":{},"tags":{"customTag":"value"}}"#,
    );
    assert_eq!(patched.status, 200);
    let body = patched.body_json();
    assert_eq!(body["tags"], serde_json::json!({"customTag": "value"}));
    assert!(
        body["policy"].is_object() && body["pending"].is_object(),
        "the full bundle"
    );
    assert_eq!(
        body["attributes"]["updated"].as_u64(),
        Some(c.now.as_secs())
    );
    assert_ne!(body["attributes"]["created"], body["attributes"]["updated"]);
    // Disable the first version only; its key and secret follow.
    let disabled = c.call(
        "PATCH",
        &format!("/certificates/t/{v1}"),
        r#"{"attributes":{"enabled":false}}"#,
    );
    assert_eq!(disabled.status, 200);
    // Recorded (.NET 7.3, 7.4; JS 7.3): the version patched, with `pending`, without `policy`.
    let answered = disabled.body_json();
    assert!(
        answered["id"].as_str().unwrap().ends_with(&v1),
        "{answered}"
    );
    assert_eq!(answered["attributes"]["enabled"], false);
    assert!(answered.get("policy").is_none() && answered["pending"].is_object());
    assert_eq!(
        c.call("GET", &format!("/certificates/t/{v1}"), "")
            .body_json()["attributes"]["enabled"],
        false
    );
    assert_eq!(
        c.call("GET", &format!("/keys/t/{v1}"), "").body_json()["attributes"]["enabled"],
        false
    );
    // The disabled version's secret keeps its value (recorded for plain secrets: 403).
    let secret = c.call("GET", &format!("/secrets/t/{v1}"), "");
    assert_eq!(secret.status, 403);
    assert_eq!(
        secret.body,
        br#"{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}"#
    );
    assert_eq!(
        c.call("GET", "/secrets/t", "").status,
        200,
        "the current one is enabled"
    );
    assert_eq!(
        c.call("GET", "/certificates/t", "").body_json()["attributes"]["enabled"],
        true
    );
    let versions = c.call("GET", "/certificates/t/versions", "").body_json();
    let v1_item = versions["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str().unwrap().ends_with(&v1))
        .unwrap()
        .clone();
    assert_eq!(v1_item["attributes"]["enabled"], false);
    // Bounds and unknown versions.
    let many: serde_json::Map<String, Value> = (0..16)
        .map(|i| (format!("k{i}"), Value::String("v".into())))
        .collect();
    let too_many = serde_json::json!({"tags": many}).to_string();
    assert_eq!(
        error(&c.call("PATCH", "/certificates/t/", &too_many)).0,
        400
    );
    assert_eq!(
        error(&c.call(
            "PATCH",
            "/certificates/t/00000000000000000000000000000000",
            "{}"
        ))
        .0,
        404
    );
}

#[test]
fn issuers_and_contacts_have_the_recorded_shapes() {
    let mut c = client("Recoverable+Purgeable", 90);
    let put = r#"{"provider":"Test","credentials":{"account_id":"keyvaultuser","pwd":"s3cret"},
        "org_details":{"admin_details":[{"first_name":"John","last_name":"Doe","email":"admin@microsoft.com","phone":"4255555555"}]},
        "attributes":{"enabled":true}}"#;
    let created = c.call("PUT", "/certificates/issuers/issuer1", put);
    assert_eq!(created.status, 200);
    let body = created.body_json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["id", "provider", "credentials", "org_details", "attributes"]
    );
    assert_eq!(
        body["id"],
        "https://life.vault.azure.net/certificates/issuers/issuer1"
    );
    assert_eq!(
        body["credentials"],
        serde_json::json!({"account_id": "keyvaultuser"}),
        "no password echoed"
    );
    assert_eq!(body["org_details"]["zip"], 0);
    assert!(
        !String::from_utf8_lossy(c.state.to_json().unwrap().as_bytes()).contains("s3cret"),
        "nor kept"
    );
    assert_eq!(
        c.call("GET", "/certificates/issuers/ISSUER1", "").body,
        created.body
    );
    c.later(1);
    let patched = c
        .call(
            "PATCH",
            "/certificates/issuers/issuer1",
            r#"{"credentials":{"account_id":"keyvaultuser2"}}"#,
        )
        .body_json();
    assert_eq!(patched["provider"], "Test", "merged");
    assert_eq!(patched["credentials"]["account_id"], "keyvaultuser2");
    assert_eq!(patched["org_details"], body["org_details"]);
    assert_eq!(
        patched["attributes"]["updated"].as_i64().unwrap(),
        body["attributes"]["created"].as_i64().unwrap() + 1
    );
    c.call(
        "PUT",
        "/certificates/issuers/issuer0",
        r#"{"provider":"GlobalSign"}"#,
    );
    let list = c.call("GET", "/certificates/issuers", "").body_json();
    assert_eq!(
        list["value"][0],
        serde_json::json!({"id": "https://life.vault.azure.net/certificates/issuers/issuer0", "provider": "GlobalSign"})
    );
    assert_eq!(list["nextLink"], Value::Null);
    assert_eq!(
        c.call("DELETE", "/certificates/issuers/issuer1", "")
            .body_json(),
        patched
    );
    assert_eq!(
        error(&c.call("GET", "/certificates/issuers/issuer1", "")),
        (
            404,
            "CertificateIssuerNotFound".into(),
            "Issuer not found".into()
        )
    );
    assert_eq!(
        error(&c.call(
            "PUT",
            "/certificates/issuers/d",
            r#"{"provider":"DigiCert","credentials":{"account_id":"a"}}"#
        )),
        (
            400,
            "BadParameter".into(),
            "Id in organization details is not set".into()
        )
    );
    assert_eq!(
        error(&c.call("PUT", "/certificates/issuers/x", "{}")).0,
        400,
        "a provider is required"
    );

    assert_eq!(
        error(&c.call("GET", "/certificates/contacts", "")),
        (404, "ContactsNotFound".into(), "Contacts not found".into())
    );
    let contacts =
        r#"{"contacts":[{"email":"admin@contoso.com","name":"John Doe","phone":"1111111111"}]}"#;
    let set = c
        .call("PUT", "/certificates/contacts", contacts)
        .body_json();
    assert_eq!(
        set["id"],
        "https://life.vault.azure.net/certificates/contacts"
    );
    assert_eq!(set["contacts"][0]["email"], "admin@contoso.com");
    assert_eq!(
        c.call("DELETE", "/certificates/contacts", "").body_json(),
        set
    );
    assert_eq!(c.call("GET", "/certificates/contacts", "").status, 404);
}

#[test]
fn backup_restores_into_another_vault_and_refuses_altered_blobs() {
    let mut c = client("Recoverable+Purgeable", 90);
    c.call("POST", "/certificates/b/create", SELF_EC);
    c.later(10);
    c.call("POST", "/certificates/b/create", "{}");
    let backup = c.call("POST", "/certificates/b/backup", "");
    assert_eq!(backup.status, 200);
    let value = backup.body_json()["value"].as_str().unwrap().to_owned();
    assert!(
        !value.contains('=') && !value.contains('+') && !value.contains('/'),
        "base64url"
    );
    let original = c.call("GET", "/certificates/b", "").body_json();
    let original_versions = c.call("GET", "/certificates/b/versions", "").body_json();
    let original_secret = c.call("GET", "/secrets/b", "").body_json();

    // Another vault, other recovery settings.
    let mut other = client("CustomizedRecoverable+Purgeable", 7);
    let mut vault = Vault::new("https://other.vault.azure.net");
    vault.recovery_level = "CustomizedRecoverable+Purgeable".to_owned();
    vault.recoverable_days = Some(7);
    other.state = VaultState::new(vault);
    let body = serde_json::json!({"value": value}).to_string();
    let restored = other.call("POST", "/certificates/restore", &body);
    assert_eq!(
        restored.status,
        200,
        "{}",
        String::from_utf8_lossy(&restored.body)
    );
    let r = restored.body_json();
    assert!(r.get("pending").is_none(), "recorded: no pending link");
    assert_eq!(r["cer"], original["cer"]);
    assert_eq!(
        r["id"]
            .as_str()
            .unwrap()
            .replace("other.vault", "life.vault"),
        original["id"].as_str().unwrap()
    );
    assert_eq!(r["attributes"]["recoverableDays"], 7);
    assert_eq!(
        r["attributes"]["created"], original["attributes"]["created"],
        "original times"
    );
    let versions = other
        .call("GET", "/certificates/b/versions", "")
        .body_json();
    assert_eq!(
        versions["value"].as_array().unwrap().len(),
        original_versions["value"].as_array().unwrap().len()
    );
    let secret = other.call("GET", "/secrets/b", "").body_json();
    assert_eq!(secret["value"], original_secret["value"], "the same PFX");
    assert_eq!(
        secret["id"].as_str().unwrap(),
        original_secret["id"]
            .as_str()
            .unwrap()
            .replace("life.vault", "other.vault")
    );

    // Over a name in use: the recorded 409.
    let (status, code, message) = error(&c.call("POST", "/certificates/restore", &body));
    assert_eq!((status, code.as_str()), (409, "Conflict"));
    assert!(message.starts_with("There was a conflict restoring the certificate 'https://life.vault.azure.net/certificates/b/"));
    // Deleted but recoverable is in use too; purged, the name is free.
    c.call("DELETE", "/certificates/b", "");
    assert_eq!(
        error(&c.call("POST", "/certificates/restore", &body)).0,
        409
    );
    c.call("DELETE", "/deletedcertificates/b", "");
    assert_eq!(c.call("POST", "/certificates/restore", &body).status, 200);

    // Altered, truncated or foreign blobs: the recorded 400.
    let mut chars: Vec<char> = value.chars().collect();
    let mid = chars.len() / 2;
    chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    for bad in [
        tampered,
        value[..value.len() - 10].to_owned(),
        "JkF6dXJlS2V5VmF1bHRLZXlCYWNrdXBWMS5taWNyb3NvZnQuY29t".to_owned(),
        String::new(),
    ] {
        let mut fresh = client("Recoverable+Purgeable", 90);
        let response = fresh.call(
            "POST",
            "/certificates/restore",
            &serde_json::json!({"value": bad}).to_string(),
        );
        assert_eq!(
            error(&response),
            (
                400,
                "Malformed backup blob".into(),
                "Backup blob contains invalid or corrupt version.".into()
            )
        );
    }
    assert_eq!(
        error(&c.call("POST", "/certificates/none/backup", "")).0,
        404
    );
}

fn keys(body: &Value) -> Vec<&str> {
    body.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// The certificate a create makes before anything is issued, in every answer that shows it
/// (recorded shapes, docs/service-behaviour.md §10: JS 7.0 and 7.4-preview.1, .NET
/// 7.6-preview.1, Python 7.3).
#[test]
fn the_object_a_create_makes_in_every_answer() {
    let mut c = client("Recoverable+Purgeable", 90);
    let created_at = c.now.as_secs() as i64;
    let body = UNKNOWN_EC.replacen("{\"policy\"", "{\"tags\":{\"a\":\"1\"},\"policy\"", 1);
    assert_eq!(c.call("POST", "/certificates/u/create", &body).status, 202);

    let get = c.call("GET", "/certificates/u", "");
    assert_eq!(get.status, 200);
    let shell = get.body_json();
    assert_eq!(
        keys(&shell),
        ["id", "attributes", "tags", "policy", "pending"]
    );
    assert_eq!(
        keys(&shell["attributes"]),
        [
            "enabled",
            "nbf",
            "exp",
            "created",
            "updated",
            "recoveryLevel",
            "recoverableDays"
        ]
    );
    assert_eq!(shell["attributes"]["enabled"], false);
    assert_eq!(shell["attributes"]["created"], created_at);
    assert_eq!(shell["tags"], serde_json::json!({"a": "1"}));
    let id = shell["id"].as_str().unwrap().to_owned();
    let version = id.rsplit('/').next().unwrap().to_owned();
    assert_eq!(version.len(), 32);
    assert_eq!(c.call("GET", "/certificates/u/", "").body, get.body);

    // PATCH: the same shape, the tags changed, `updated` kept (recorded, JS 7.4-preview.1).
    c.later(5);
    let patched = c.call(
        "PATCH",
        "/certificates/u/",
        r#"{"attributes":{},"tags":{"b":"2"}}"#,
    );
    assert_eq!(patched.status, 200);
    let patched_body = patched.body.clone();
    let patched = patched.body_json();
    assert_eq!(keys(&patched), keys(&shell));
    assert_eq!(patched["tags"], serde_json::json!({"b": "2"}));
    assert_eq!(patched["attributes"], shell["attributes"]);

    // Its version: `id` and `attributes` only (recorded, .NET 7.6-preview.1); nothing else.
    let by_version = c.call("GET", &format!("/certificates/u/{version}"), "");
    assert_eq!(by_version.status, 200);
    assert_eq!(keys(&by_version.body_json()), ["id", "attributes"]);
    // PATCH of that version (what the .NET SDK sends, patching the id it read): the same
    // object changes; answered without `policy`, as a PATCH of a version is.
    let by_id = c.call(
        "PATCH",
        &format!("/certificates/u/{version}"),
        r#"{"tags":{"b":"2"}}"#,
    );
    assert_eq!(by_id.status, 200);
    assert_eq!(
        keys(&by_id.body_json()),
        ["id", "attributes", "tags", "pending"]
    );
    assert_eq!(
        c.call("GET", "/certificates/u", "").body,
        patched_body,
        "the same object"
    );
    for path in ["/secrets/u", "/keys/u"] {
        assert_eq!(c.call("GET", path, "").status, 404, "{path}");
    }
    let versions = c.call("GET", "/certificates/u/versions", "");
    assert_eq!(versions.body, br#"{"value":[],"nextLink":null}"#);

    // Lists: only with includePending, as an item without x5t (recorded, JS 7.0).
    let plain = c.call("GET", "/certificates", "").body_json();
    assert_eq!(plain["value"], serde_json::json!([]));
    let listed = c
        .call("GET", "/certificates?includePending=true", "")
        .body_json();
    let item = &listed["value"][0];
    assert_eq!(keys(item), ["id", "attributes", "tags", "subject"]);
    assert_eq!(item["id"], "https://life.vault.azure.net/certificates/u");
    assert_eq!(
        keys(&item["attributes"]),
        ["enabled", "nbf", "exp", "created", "updated"]
    );

    // At 7.0 the attributes have no recoverableDays.
    c.api_version = Some("7.0");
    let old = c.call("GET", "/certificates/u", "").body_json();
    assert!(old["attributes"].get("recoverableDays").is_none(), "{old}");
    c.api_version = Some("7.6");

    // DELETE and GET deleted: the recovery fields, then the same object, `pending` and tags
    // kept (recorded, JS 7.0 and 7.4).
    let deleted = c.call("DELETE", "/certificates/u", "");
    assert_eq!(deleted.status, 200);
    let d = deleted.body_json();
    assert_eq!(
        keys(&d),
        [
            "recoveryId",
            "deletedDate",
            "scheduledPurgeDate",
            "id",
            "attributes",
            "tags",
            "policy",
            "pending"
        ]
    );
    assert_eq!(d["id"], id.as_str());
    assert_eq!(
        c.call("GET", "/deletedcertificates/u", "").body,
        deleted.body
    );
    // The deleted list's items have neither x5t nor subject (recorded, JS 7.0, with
    // includePending); without it, as the live list, none before a version.
    let plain = c.call("GET", "/deletedcertificates", "").body_json();
    assert_eq!(plain["value"], serde_json::json!([]));
    let gone = c
        .call("GET", "/deletedcertificates?includePending=true", "")
        .body_json();
    assert_eq!(
        keys(&gone["value"][0]),
        [
            "recoveryId",
            "deletedDate",
            "scheduledPurgeDate",
            "id",
            "attributes",
            "tags"
        ]
    );

    // Recover: the live shape again, the same version (recorded, JS 7.0).
    let recovered = c.call("POST", "/deletedcertificates/u/recover", "");
    assert_eq!(recovered.status, 200);
    assert_eq!(recovered.body_json(), patched);

    // Its operation deleted: the object stays, without `pending` (recorded, Python 7.3).
    assert_eq!(c.call("DELETE", "/certificates/u/pending", "").status, 200);
    let orphan = c.call("GET", "/certificates/u", "").body_json();
    assert_eq!(keys(&orphan), ["id", "attributes", "tags", "policy"]);
    // Backed up before its first version (recorded, JS 7.0: 200 and a blob), and restored as
    // that object after a purge: the same version, disabled, its dates, no `pending`.
    let backup = c.call("POST", "/certificates/u/backup", "");
    assert_eq!(backup.status, 200);
    let deleted = c.call("DELETE", "/certificates/u", "").body_json();
    assert!(deleted.get("pending").is_none(), "{deleted}");
    assert_eq!(c.call("DELETE", "/deletedcertificates/u", "").status, 204);
    assert_eq!(c.call("GET", "/certificates/u", "").status, 404);
    let restored = c.call(
        "POST",
        "/certificates/restore",
        &String::from_utf8(backup.body).unwrap(),
    );
    assert_eq!(restored.status, 200);
    assert_eq!(restored.body_json(), orphan, "the object backed up");
    assert_eq!(c.call("DELETE", "/certificates/u", "").status, 200);
    assert_eq!(c.call("DELETE", "/deletedcertificates/u", "").status, 204);
    assert_eq!(
        c.call("POST", "/certificates/u/create", UNKNOWN_EC).status,
        202
    );
}

/// A GET of one version at each api-version: 7.2 alone adds the certificate's subject,
/// issuer, SANs and serial (recorded, Python 2016-10-01 to 7.3 of one service build); a
/// missing version is named in the 404.
#[test]
fn a_version_in_the_shape_of_each_api_version() {
    use der::Decode;
    let mut c = client("Recoverable+Purgeable", 90);
    let create = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"cn=Details","sans":{"dns_names":["d.example"]}},"issuer":{"name":"Self"}}}"#;
    assert_eq!(c.call("POST", "/certificates/d/create", create).status, 202);
    c.later(1);
    let latest = c.call("GET", "/certificates/d", "").body_json();
    let version = latest["id"]
        .as_str()
        .unwrap()
        .rsplit_once('/')
        .unwrap()
        .1
        .to_owned();
    let path = format!("/certificates/d/{version}");

    c.api_version = Some("7.2");
    let details = c.call("GET", &path, "").body_json();
    assert_eq!(
        keys(&details),
        [
            "id",
            "kid",
            "sid",
            "x5t",
            "cer",
            "attributes",
            "subject",
            "issuer",
            "sans",
            "serialnumber"
        ]
    );
    assert_eq!(
        details["subject"], "CN=Details",
        "the certificate's, not the policy's text"
    );
    assert_eq!(details["issuer"], "CN=Details");
    assert_eq!(
        details["sans"],
        serde_json::json!({"dns_names": ["d.example"]})
    );
    let der = crate::support::text::base64_decode(details["cer"].as_str().unwrap()).unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let serial: String = cert
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(details["serialnumber"], serial.as_str());
    // Not in the latest, nor in a PATCH of the version (recorded, JS 7.2).
    let latest_72 = c.call("GET", "/certificates/d", "").body_json();
    assert!(latest_72.get("subject").is_none(), "{latest_72}");
    let patched = c.call("PATCH", &path, r#"{"tags":{"t":"1"}}"#).body_json();
    assert!(patched.get("serialnumber").is_none(), "{patched}");

    for other in ["7.0", "7.1", "7.3", "7.4", "7.6", "2025-07-01"] {
        c.api_version = Some(other);
        let body = c.call("GET", &path, "").body_json();
        assert_eq!(
            keys(&body)[..6],
            ["id", "kid", "sid", "x5t", "cer", "attributes"],
            "{other}"
        );
        assert!(body.get("subject").is_none(), "{other}: {body}");
    }

    // Recorded (7.1): the 404 names the version.
    let missing = c.call(
        "GET",
        "/certificates/d/00000000000000000000000000000000",
        "",
    );
    assert_eq!(
        error(&missing),
        (
            404,
            "CertificateNotFound".to_owned(),
            "A certificate with (name/id) d/versions/00000000000000000000000000000000 was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182".to_owned()
        )
    );
}
