//! The vault as state (`kvcert::VaultState`): a certificate's pending operation, its versions,
//! its key and secret, through the public API only, with the service's statuses and texts.

use kvcert::rand_core::SeedableRng;
use kvcert::service::engine::Request;
use kvcert::{ChaCha20Rng, Error, IssuanceDelays, UnixTime, Vault, VaultState};
use serde::Serialize;
use serde_json::Value;

const VAULT: &str = "https://kvcert-engine.vault.azure.net";
const SELF_EC: &[u8] =
    br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=engine"},"issuer":{"name":"Self"}}}"#;
const UNKNOWN_EC: &[u8] =
    br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=merge-me"},"issuer":{"name":"Unknown"}}}"#;

fn t(s: &str) -> UnixTime {
    s.parse().unwrap()
}

fn at(base: UnixTime, secs: u64) -> UnixTime {
    UnixTime::from_unix_seconds(base.as_secs() + secs).unwrap()
}

fn vault(self_delay: u64) -> VaultState {
    let mut delays = IssuanceDelays::default();
    delays.self_signed = self_delay;
    VaultState::with_delays(Vault::new(VAULT), delays)
}

/// The typed answer as the JSON a client reads.
fn json<T: Serialize>(answer: Result<T, Error>) -> Value {
    serde_json::to_value(answer.unwrap()).unwrap()
}

/// The status, code and message of a refused operation, as the service answers them.
fn error_of<T: std::fmt::Debug>(answer: Result<T, Error>) -> (u16, String, String) {
    let error = answer.unwrap_err();
    let body = error.to_key_vault_error().error;
    (error.status(), body.code, body.message)
}

/// With the default delay, the engine's create answers exactly what the stateless create
/// does, and the first read at the same instant sees it completed.
#[test]
fn self_signed_completes_at_the_first_read_and_matches_the_stateless_create() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let created = state.create_certificate("web", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(9));
    let stateless = kvcert::create_from_json(
        "web",
        SELF_EC,
        &Vault::new(VAULT),
        now,
        &mut ChaCha20Rng::seed_from_u64(9),
    )
    .unwrap();
    assert_eq!(created, Ok(stateless.operation.clone()));

    let done = stateless.completed.unwrap();
    assert_eq!(state.get_pending("web", None, now), Ok(done.operation));
    let bundle = state.get_certificate("web", None, now).unwrap();
    assert_eq!(bundle, done.bundle);
    // By version: the same bundle without `policy` and `pending` (recorded, JS 7.3).
    let by_version = state
        .get_certificate("web", Some(&done.version), now)
        .unwrap();
    let mut expected = bundle;
    expected.policy = None;
    expected.pending = None;
    assert_eq!(by_version, expected);
    assert_eq!(state.get_key("web", None, now), Ok(done.key_bundle));
    assert_eq!(state.get_secret("WEB", None, now), Ok(done.secret));
    assert_eq!(
        state.get_policy("web", now).ok(),
        done.bundle.policy,
        "the policy in force"
    );
}

/// Through `handle`, the edge: the create's 202 names its operation in `Location` with the
/// request's api-version and says `Retry-After`; the operation's poll says `Retry-After` only
/// while it is in progress.
#[test]
fn the_edge_answers_the_statuses_and_headers_of_the_service() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(30);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let request = |method, path: &'static str, body: &'static [u8]| Request { method, path, body };
    let created = state.handle(
        &request("POST", "/certificates/Web/create?api-version=7.4", SELF_EC),
        now,
        &mut rng,
    );
    assert_eq!(created.status, 202);
    let request_id = created.body_json()["request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        created.header("Location"),
        Some(
            format!("{VAULT}/certificates/Web/pending?api-version=7.4&request_id={request_id}")
                .as_str()
        ),
        "the name as the request spelled it, the request's api-version"
    );
    assert_eq!(created.header("Retry-After"), Some("10"));
    let poll = request("GET", "/certificates/web/pending?api-version=7.6", b"");
    let early = state.handle(&poll, at(now, 1), &mut rng);
    assert_eq!(
        (early.status, early.header("Retry-After")),
        (200, Some("10"))
    );
    let late = state.handle(&poll, at(now, 30), &mut rng);
    assert_eq!(late.body_json()["status"], "completed");
    assert_eq!(
        (late.status, late.header("Retry-After")),
        (200, None),
        "no Retry-After once finished"
    );
    let deleted = state.handle(
        &request("DELETE", "/certificates/web?api-version=7.6", b""),
        at(now, 31),
        &mut rng,
    );
    assert_eq!(deleted.status, 200);
    let purged = state.handle(
        &request("DELETE", "/deletedcertificates/web?api-version=7.6", b""),
        at(now, 32),
        &mut rng,
    );
    assert_eq!((purged.status, purged.body.len()), (204, 0));
    let again = state.handle(
        &request("DELETE", "/deletedcertificates/web?api-version=7.6", b""),
        at(now, 33),
        &mut rng,
    );
    assert_eq!(again.status, 404);
    assert_eq!(
        again.body_json()["error"]["message"],
        "Deleted Certificate not found: web"
    );
}

#[test]
fn a_delayed_issuance_is_in_progress_until_due_and_dated_then() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(30);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert!(
        state
            .create_certificate("slow", SELF_EC, now, &mut rng)
            .is_ok()
    );
    let early = json(state.get_pending("slow", None, at(now, 29)));
    assert_eq!(early["status"], "inProgress");
    // Before it is issued, the certificate object the create made: disabled, dated at the
    // create, with the version the operation will produce (docs/service-behaviour.md §10).
    let shell = json(state.get_certificate("slow", None, at(now, 29)));
    let keys: Vec<&str> = shell
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["id", "attributes", "policy", "pending"]);
    assert_eq!(shell["attributes"]["enabled"], false);
    assert_eq!(shell["attributes"]["created"], now.as_secs());
    assert_eq!(shell["attributes"]["updated"], now.as_secs());
    assert_eq!(shell["attributes"]["nbf"], now.as_secs() - 600);
    assert_eq!(
        shell["attributes"]["exp"],
        t("2027-01-15T12:00:00Z").as_secs()
    );
    assert_eq!(
        shell["pending"]["id"],
        format!("{VAULT}/certificates/slow/pending")
    );

    let late = json(state.get_pending("slow", None, at(now, 400)));
    assert_eq!(late["status"], "completed");
    assert_eq!(late["target"], format!("{VAULT}/certificates/slow"));
    let bundle = json(state.get_certificate("slow", None, at(now, 400)));
    assert_eq!(bundle["id"], shell["id"], "the version the create showed");
    // Issued at the due instant (create + 30 s), whenever it is read.
    let created = bundle["attributes"]["created"].as_u64().unwrap();
    assert_eq!(created, now.as_secs() + 30);
    assert_eq!(bundle["attributes"]["nbf"].as_u64().unwrap(), created - 600);
    // The policy was stored when the create arrived.
    assert_eq!(
        bundle["policy"]["attributes"]["created"].as_u64().unwrap(),
        now.as_secs()
    );
}

#[test]
fn cancel_before_completion_gives_the_cancelled_shape() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(30);
    state
        .create_certificate("c", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(2))
        .unwrap();
    let body =
        json(state.update_pending("c", None, br#"{"cancellation_requested":true}"#, at(now, 5)));
    assert_eq!(
        (
            body["cancellation_requested"].clone(),
            body["status"].clone()
        ),
        (Value::Bool(true), "inProgress".into())
    );

    let after = json(state.get_pending("c", None, at(now, 30)));
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["cancellation_requested"], true);
    for absent in ["status_details", "target", "error"] {
        assert!(after.get(absent).is_none(), "{absent} in {after}");
    }
    // Nothing was issued: the object the create made stays, disabled, with its operation.
    let body = json(state.get_certificate("c", None, at(now, 60)));
    assert_eq!(body["attributes"]["enabled"], false);
    assert!(
        body.get("cer").is_none() && body.get("pending").is_some(),
        "{body}"
    );

    // No longer in progress: the recorded 403.
    let refused = state.update_pending(
        "c",
        None,
        br#"{"cancellation_requested":true}"#,
        at(now, 60),
    );
    assert_eq!(
        error_of(refused),
        (
            403,
            "Forbidden".into(),
            "Pending status must be in progress to allow update.".into()
        )
    );
}

#[test]
fn a_completed_operation_refuses_the_cancel() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    state
        .create_certificate("done", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(3))
        .unwrap();
    let refused = state.update_pending("done", None, br#"{"cancellation_requested":true}"#, now);
    assert_eq!(error_of(refused).0, 403);
    assert!(
        state.get_certificate("done", None, now).is_ok(),
        "the version stays"
    );
}

#[test]
fn delete_pending_answers_the_operation_then_404() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let created = state
        .create_certificate("m", UNKNOWN_EC, now, &mut ChaCha20Rng::seed_from_u64(4))
        .unwrap();
    let request_id = created.request_id.clone().unwrap();
    // The request_id filter: another id is not found.
    assert_eq!(error_of(state.get_pending("m", Some("0123"), now)).0, 404);
    assert!(state.get_pending("m", Some(&request_id), now).is_ok());

    let deleted = state.delete_pending("m", None, now).unwrap();
    assert_eq!(deleted.csr, created.csr);
    assert_eq!(
        deleted.status_details.as_deref(),
        Some("Pending certificate created. Please Perform Merge to complete the request.")
    );
    assert_eq!(
        error_of(state.get_pending("m", None, now)),
        (
            404,
            "PendingCertificateNotFound".into(),
            "Pending certificate not found: m".into()
        )
    );
}

#[test]
fn a_create_while_another_is_in_progress_is_refused_with_the_documented_text() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    state
        .create_certificate("busy", UNKNOWN_EC, now, &mut rng)
        .unwrap();
    let second = state.create_certificate("busy", SELF_EC, at(now, 1), &mut rng);
    assert_eq!(
        error_of(second),
        (
            409,
            "Forbidden".into(),
            "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.".into()
        )
    );
    // Cancelled, the name takes a new create.
    state
        .update_pending(
            "busy",
            None,
            br#"{"cancellation_requested":true}"#,
            at(now, 2),
        )
        .unwrap();
    // Still in progress until one poll interval has passed (recorded, Go 7.5).
    assert_eq!(
        json(state.get_pending("busy", None, at(now, 3)))["status"],
        "inProgress"
    );
    assert_eq!(
        error_of(state.create_certificate("busy", SELF_EC, at(now, 3), &mut rng)).0,
        409
    );
    let done = 2 + kvcert::service::engine::CANCEL_DELAY_SECS;
    assert_eq!(
        json(state.get_pending("busy", None, at(now, done)))["status"],
        "cancelled"
    );
    assert!(
        state
            .create_certificate("busy", SELF_EC, at(now, done), &mut rng)
            .is_ok()
    );
}

#[test]
fn new_versions_use_the_stored_policy_or_replace_it() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    state
        .create_certificate("v", SELF_EC, now, &mut rng)
        .unwrap();
    let first = json(state.get_certificate("v", None, now));

    // No policy: the stored one, unchanged.
    let later = at(now, 3600);
    assert!(
        state
            .create_certificate("v", b"{}", later, &mut rng)
            .is_ok()
    );
    let second = json(state.get_certificate("v", None, later));
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["policy"], first["policy"]);
    assert_ne!(second["cer"], first["cer"], "a new certificate");
    // The first version is still there.
    let first_version = first["id"].as_str().unwrap().rsplit('/').next().unwrap();
    assert_eq!(
        json(state.get_certificate("v", Some(first_version), later))["cer"],
        first["cer"]
    );

    // A policy that keeps the key and changes the subject replaces the stored one.
    let reuse = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256","reuse_key":true},"x509_props":{"subject":"CN=renamed"},"issuer":{"name":"Self"}}}"#;
    let third_at = at(now, 7200);
    assert!(
        state
            .create_certificate("v", reuse, third_at, &mut rng)
            .is_ok()
    );
    let third = json(state.get_certificate("v", None, third_at));
    assert_eq!(third["policy"]["x509_props"]["subject"], "CN=renamed");
    assert_eq!(third["policy"]["key_props"]["reuse_key"], true);
    assert_eq!(
        third["policy"]["attributes"]["created"], first["policy"]["attributes"]["created"],
        "a replaced policy keeps its creation time"
    );
    assert_eq!(
        third["policy"]["attributes"]["updated"].as_u64(),
        Some(third_at.as_secs())
    );
    let key_of = |version: &Value| {
        let v = version["kid"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let key = json(state.get_key("v", Some(&v), third_at))["key"].clone();
        (key["x"].clone(), key["y"].clone())
    };
    assert_eq!(
        key_of(&third),
        key_of(&second),
        "reuse_key keeps the key pair"
    );
    assert_ne!(
        key_of(&second),
        key_of(&first),
        "without reuse_key, a new key"
    );
}

#[test]
fn unknown_names_and_versions_are_the_services_404s() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    state
        .create_certificate("here", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(7))
        .unwrap();
    for ((status, code, _), expected) in [
        (
            error_of(state.get_certificate("nothere", None, now)),
            "CertificateNotFound",
        ),
        (
            error_of(state.get_certificate("here", Some("00000000000000000000000000000000"), now)),
            "CertificateNotFound",
        ),
        (error_of(state.get_key("nothere", None, now)), "KeyNotFound"),
        (
            error_of(state.get_secret("nothere", None, now)),
            "SecretNotFound",
        ),
        (
            error_of(state.get_policy("nothere", now)),
            "CertificateNotFound",
        ),
        (
            error_of(state.get_pending("nothere", None, now)),
            "PendingCertificateNotFound",
        ),
    ] {
        assert_eq!((status, code.as_str()), (404, expected));
    }
    let (_, _, message) = error_of(state.get_certificate("nothere", None, now));
    assert!(
        message
            .starts_with("A certificate with (name/id) nothere was not found in this key vault.")
    );
    // Bad input to the operations: the service's errors, not panics.
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert_eq!(
        error_of(state.create_certificate("a_b", SELF_EC, now, &mut rng)).0,
        400
    );
    assert_eq!(
        error_of(state.create_certificate("x", b"{not json", now, &mut rng)).0,
        400
    );
    assert_eq!(
        error_of(state.create_certificate("x", b"{}", now, &mut rng)).0,
        400,
        "first create needs a policy"
    );
    assert_eq!(
        error_of(state.update_pending("here", None, b"{}", now)).0,
        400,
        "cancellation_requested is required"
    );
}

/// A vault saved and restored answers every later request byte for byte as the original.
#[test]
fn a_restored_vault_answers_like_the_original() {
    let now = t("2026-01-15T12:00:00Z");
    let mut original = vault(30);
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    original
        .create_certificate("a", SELF_EC, now, &mut rng)
        .unwrap();
    original
        .create_certificate("b", UNKNOWN_EC, now, &mut rng)
        .unwrap();
    let saved = original.to_json().unwrap();
    let mut restored = VaultState::from_json(&saved).unwrap();
    assert_eq!(restored, original);

    let steps = |state: &mut VaultState| -> Vec<Value> {
        let mut rng = ChaCha20Rng::seed_from_u64(80);
        vec![
            json(state.get_pending("a", None, at(now, 10))),
            json(state.get_certificate("a", None, at(now, 31))),
            json(state.update_pending(
                "b",
                None,
                br#"{"cancellation_requested":true}"#,
                at(now, 40),
            )),
            json(state.get_pending("b", None, at(now, 41))),
            json(state.create_certificate("a", b"{}", at(now, 50), &mut rng)),
            json(state.get_secret("a", None, at(now, 90))),
            json(state.delete_pending("b", None, at(now, 100))),
            json(state.create_certificate("b", SELF_EC, at(now, 110), &mut rng)),
        ]
    };
    let from_original = steps(&mut original);
    let from_restored = steps(&mut restored);
    assert_eq!(from_original, from_restored);
    assert!(VaultState::from_json("{\"truncated").is_err());
    assert!(
        !format!("{original:?}").contains("PRIVATE"),
        "Debug hides keys"
    );
}

/// A pinned key source: every create of the pinned spec has the pinned key (its JWK), other
/// specs are generated, and the vault's JSON does not hold the source.
#[test]
fn a_pinned_key_source_hands_out_its_key() {
    use kvcert::key::source::Pinned;
    let now = t("2026-01-15T12:00:00Z");
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let pinned =
        kvcert::KeyPair::generate(kvcert::KeySpec::Ec(kvcert::Curve::P256), &mut rng).unwrap();
    let bits = pinned.public_key_bits().unwrap();
    let mut state = vault(0);
    state.set_key_source(std::sync::Arc::new(Pinned::new([pinned])));
    let mut jwks = Vec::new();
    for name in ["a", "b"] {
        assert!(
            state
                .create_certificate(name, SELF_EC, now, &mut rng)
                .is_ok()
        );
        let mut jwk = json(state.get_key(name, None, now))["key"].clone();
        jwk.as_object_mut().unwrap().remove("kid");
        jwks.push(jwk);
    }
    assert_eq!(jwks[0], jwks[1], "the pinned key, twice");
    let rsa = r#"{"policy":{"key_props":{"kty":"RSA","key_size":2048},"x509_props":{"subject":"CN=r"},"issuer":{"name":"Self"}}}"#;
    assert!(
        state
            .create_certificate("c", rsa.as_bytes(), now, &mut rng)
            .is_ok()
    );
    assert_eq!(json(state.get_key("c", None, now))["key"]["kty"], "RSA");
    let x = jwks[0]["x"].as_str().unwrap();
    let x = crate::support::text::base64url_decode(x).unwrap();
    assert!(
        bits.windows(x.len()).any(|w| w == x.as_slice()),
        "the JWK is the pinned key's"
    );
    let restored = VaultState::from_json(&state.to_json().unwrap()).unwrap();
    assert!(restored == state);
}

#[test]
fn a_clients_secret_is_in_its_names_row_and_works_detached() {
    use kvcert::service::engine::Request;
    let mut vault = VaultState::new(Vault::new("https://rows.vault.azure.net"));
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let set = Request {
        method: "PUT",
        path: "/secrets/Api-Key?api-version=7.6",
        body: br#"{"value":"v1","tags":{"a":"b"}}"#,
    };
    // Worked detached, as the emulator works it, and put back.
    let mut detached = vault.detach(&set, now).expect("one name");
    assert_eq!(detached.handle(&set, now, &mut rng).status, 200);
    vault.attach(detached).unwrap();
    let changes = vault.take_changes();
    assert_eq!(changes.names().collect::<Vec<_>>(), ["api-key"]);
    // Deleted, it is still the name's row; the rows give the same vault back.
    let delete = Request {
        method: "DELETE",
        path: "/secrets/api-key?api-version=7.6",
        body: b"",
    };
    let set_other = Request {
        path: "/secrets/other?api-version=7.6",
        ..set
    };
    vault.handle(&set_other, now, &mut rng);
    vault.handle(&delete, now, &mut rng);
    let settings = vault.settings_json().unwrap();
    let rows: Vec<(String, String)> = vault
        .entry_names()
        .map(|n| {
            (
                n.to_owned(),
                vault.entry_json(n).unwrap().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 2);
    let again = VaultState::from_rows(
        &settings,
        rows.iter().map(|(n, j)| (n.as_str(), j.as_str())),
    )
    .unwrap();
    assert!(again == vault);
    let get_deleted = Request {
        method: "GET",
        path: "/deletedsecrets/api-key?api-version=7.6",
        body: b"",
    };
    assert_eq!(again.read(&get_deleted, now).unwrap().status, 200);
    // A row of another name's secret is refused.
    let (_, other_row) = &rows[1];
    assert!(VaultState::from_rows(&settings, [("api-key", other_row.as_str())]).is_err());
}
