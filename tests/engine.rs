//! The vault as state (`kvcert::VaultState`): a certificate's pending operation, its versions,
//! its key and secret, through the public API only, with the service's statuses and texts.

use kvcert::rand_core::SeedableRng;
use kvcert::{ChaCha20Rng, IssuanceDelays, UnixTime, Vault, VaultState};
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

fn error_of(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().unwrap(),
        body["error"]["message"].as_str().unwrap(),
    )
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
    assert_eq!(created.status, 202);
    assert_eq!(
        created.body,
        serde_json::to_vec(&stateless.operation).unwrap()
    );
    let request_id = stateless.operation.request_id.clone().unwrap();
    assert_eq!(
        created.header("Location"),
        Some(
            format!("{VAULT}/certificates/web/pending?api-version=7.6&request_id={request_id}")
                .as_str()
        )
    );
    assert_eq!(created.header("Retry-After"), Some("10"));

    let done = stateless.completed.unwrap();
    let pending = state.get_pending("web", None, now);
    assert_eq!(pending.status, 200);
    assert_eq!(pending.body, serde_json::to_vec(&done.operation).unwrap());
    assert_eq!(
        pending.header("Retry-After"),
        None,
        "no Retry-After once finished"
    );
    let bundle = state.get_certificate("web", None, now);
    assert_eq!(bundle.body, serde_json::to_vec(&done.bundle).unwrap());
    // By version: the same bundle without `policy` and `pending` (recorded, JS 7.3).
    let by_version = state
        .get_certificate("web", Some(&done.version), now)
        .body_json();
    let mut expected = bundle.body_json();
    expected.as_object_mut().unwrap().remove("policy");
    expected.as_object_mut().unwrap().remove("pending");
    assert_eq!(by_version, expected);
    assert_eq!(
        state.get_key("web", None, now).body,
        serde_json::to_vec(&done.key_bundle).unwrap()
    );
    assert_eq!(
        state.get_secret("WEB", None, now).body,
        serde_json::to_vec(&done.secret).unwrap()
    );
    assert_eq!(
        state.get_policy("web", now).body_json(),
        serde_json::to_value(done.bundle.policy.as_ref().unwrap()).unwrap()
    );
}

#[test]
fn a_delayed_issuance_is_in_progress_until_due_and_dated_then() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(30);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert_eq!(
        state
            .create_certificate("slow", SELF_EC, now, &mut rng)
            .status,
        202
    );
    let early = state.get_pending("slow", None, at(now, 29));
    assert_eq!(early.body_json()["status"], "inProgress");
    assert_eq!(early.header("Retry-After"), Some("10"));
    // Before it is issued, the certificate object the create made: disabled, dated at the
    // create, with the version the operation will produce (docs/service-behaviour.md §10).
    let unissued = state.get_certificate("slow", None, at(now, 29));
    assert_eq!(unissued.status, 200);
    let shell = unissued.body_json();
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

    let late = state.get_pending("slow", None, at(now, 400));
    assert_eq!(late.body_json()["status"], "completed");
    assert_eq!(
        late.body_json()["target"],
        format!("{VAULT}/certificates/slow")
    );
    let bundle = state
        .get_certificate("slow", None, at(now, 400))
        .body_json();
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
    state.create_certificate("c", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(2));
    let patched =
        state.update_pending("c", None, br#"{"cancellation_requested":true}"#, at(now, 5));
    assert_eq!(patched.status, 200);
    let body = patched.body_json();
    assert_eq!(
        (
            body["cancellation_requested"].clone(),
            body["status"].clone()
        ),
        (Value::Bool(true), "inProgress".into())
    );

    let after = state.get_pending("c", None, at(now, 30)).body_json();
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["cancellation_requested"], true);
    for absent in ["status_details", "target", "error"] {
        assert!(after.get(absent).is_none(), "{absent} in {after}");
    }
    // Nothing was issued: the object the create made stays, disabled, with its operation.
    let unissued = state.get_certificate("c", None, at(now, 60));
    assert_eq!(unissued.status, 200);
    let body = unissued.body_json();
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
    assert_eq!(refused.status, 403);
    assert_eq!(
        error_of(&refused.body_json()),
        (
            "Forbidden",
            "Pending status must be in progress to allow update."
        )
    );
}

#[test]
fn a_completed_operation_refuses_the_cancel() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    state.create_certificate("done", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(3));
    let refused = state.update_pending("done", None, br#"{"cancellation_requested":true}"#, now);
    assert_eq!(refused.status, 403);
    assert_eq!(
        state.get_certificate("done", None, now).status,
        200,
        "the version stays"
    );
}

#[test]
fn delete_pending_answers_the_operation_then_404() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let created =
        state.create_certificate("m", UNKNOWN_EC, now, &mut ChaCha20Rng::seed_from_u64(4));
    let csr = created.body_json()["csr"].clone();
    let request_id = created.body_json()["request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The request_id filter: another id is not found.
    assert_eq!(state.get_pending("m", Some("0123"), now).status, 404);
    assert_eq!(state.get_pending("m", Some(&request_id), now).status, 200);

    let deleted = state.delete_pending("m", None, now);
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body_json()["csr"], csr);
    assert_eq!(
        deleted.body_json()["status_details"],
        "Pending certificate created. Please Perform Merge to complete the request."
    );
    let gone = state.get_pending("m", None, now);
    assert_eq!(gone.status, 404);
    assert_eq!(
        error_of(&gone.body_json()),
        (
            "PendingCertificateNotFound",
            "Pending certificate not found: m"
        )
    );
}

#[test]
fn a_create_while_another_is_in_progress_is_refused_with_the_documented_text() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    state.create_certificate("busy", UNKNOWN_EC, now, &mut rng);
    let second = state.create_certificate("busy", SELF_EC, at(now, 1), &mut rng);
    assert_eq!(second.status, 409);
    assert_eq!(
        error_of(&second.body_json()),
        (
            "Forbidden",
            "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress."
        )
    );
    // Cancelled, the name takes a new create.
    state.update_pending(
        "busy",
        None,
        br#"{"cancellation_requested":true}"#,
        at(now, 2),
    );
    // Still in progress until one poll interval has passed (recorded, Go 7.5).
    assert_eq!(
        state.get_pending("busy", None, at(now, 3)).body_json()["status"],
        "inProgress"
    );
    assert_eq!(
        state
            .create_certificate("busy", SELF_EC, at(now, 3), &mut rng)
            .status,
        409
    );
    let done = 2 + kvcert::service::engine::CANCEL_DELAY_SECS;
    assert_eq!(
        state.get_pending("busy", None, at(now, done)).body_json()["status"],
        "cancelled"
    );
    assert_eq!(
        state
            .create_certificate("busy", SELF_EC, at(now, done), &mut rng)
            .status,
        202
    );
}

#[test]
fn new_versions_use_the_stored_policy_or_replace_it() {
    let now = t("2026-01-15T12:00:00Z");
    let mut state = vault(0);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    state.create_certificate("v", SELF_EC, now, &mut rng);
    let first = state.get_certificate("v", None, now).body_json();

    // No policy: the stored one, unchanged.
    let later = at(now, 3600);
    assert_eq!(
        state.create_certificate("v", b"{}", later, &mut rng).status,
        202
    );
    let second = state.get_certificate("v", None, later).body_json();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["policy"], first["policy"]);
    assert_ne!(second["cer"], first["cer"], "a new certificate");
    // The first version is still there.
    let first_version = first["id"].as_str().unwrap().rsplit('/').next().unwrap();
    assert_eq!(
        state
            .get_certificate("v", Some(first_version), later)
            .body_json()["cer"],
        first["cer"]
    );

    // A policy that keeps the key and changes the subject replaces the stored one.
    let reuse = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256","reuse_key":true},"x509_props":{"subject":"CN=renamed"},"issuer":{"name":"Self"}}}"#;
    let third_at = at(now, 7200);
    assert_eq!(
        state
            .create_certificate("v", reuse, third_at, &mut rng)
            .status,
        202
    );
    let third = state.get_certificate("v", None, third_at).body_json();
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
        let key = state.get_key("v", Some(&v), third_at).body_json()["key"].clone();
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
    state.create_certificate("here", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(7));
    for (response, code) in [
        (
            state.get_certificate("nothere", None, now),
            "CertificateNotFound",
        ),
        (
            state.get_certificate("here", Some("00000000000000000000000000000000"), now),
            "CertificateNotFound",
        ),
        (state.get_key("nothere", None, now), "KeyNotFound"),
        (state.get_secret("nothere", None, now), "SecretNotFound"),
        (state.get_policy("nothere", now), "CertificateNotFound"),
        (
            state.get_pending("nothere", None, now),
            "PendingCertificateNotFound",
        ),
    ] {
        assert_eq!(response.status, 404);
        assert_eq!(error_of(&response.body_json()).0, code);
    }
    let message = state.get_certificate("nothere", None, now).body_json();
    assert!(
        error_of(&message)
            .1
            .starts_with("A certificate with (name/id) nothere was not found in this key vault.")
    );
    // Bad input to the operations: the service's errors, not panics.
    assert_eq!(
        state
            .create_certificate("a_b", SELF_EC, now, &mut ChaCha20Rng::seed_from_u64(1))
            .status,
        400
    );
    assert_eq!(
        state
            .create_certificate("x", b"{not json", now, &mut ChaCha20Rng::seed_from_u64(1))
            .status,
        400
    );
    assert_eq!(
        state
            .create_certificate("x", b"{}", now, &mut ChaCha20Rng::seed_from_u64(1))
            .status,
        400,
        "first create needs a policy"
    );
    assert_eq!(
        state.update_pending("here", None, b"{}", now).status,
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
    original.create_certificate("a", SELF_EC, now, &mut rng);
    original.create_certificate("b", UNKNOWN_EC, now, &mut rng);
    let saved = original.to_json().unwrap();
    let mut restored = VaultState::from_json(&saved).unwrap();
    assert_eq!(restored, original);

    let steps = |state: &mut VaultState| -> Vec<kvcert::Response> {
        let mut rng = ChaCha20Rng::seed_from_u64(80);
        vec![
            state.get_pending("a", None, at(now, 10)),
            state.get_certificate("a", None, at(now, 31)),
            state.update_pending(
                "b",
                None,
                br#"{"cancellation_requested":true}"#,
                at(now, 40),
            ),
            state.get_pending("b", None, at(now, 41)),
            state.create_certificate("a", b"{}", at(now, 50), &mut rng),
            state.get_secret("a", None, at(now, 90)),
            state.delete_pending("b", None, at(now, 100)),
            state.create_certificate("b", SELF_EC, at(now, 110), &mut rng),
        ]
    };
    let from_original = steps(&mut original);
    let from_restored = steps(&mut restored);
    assert_eq!(from_original, from_restored);
    assert_eq!(from_original[1].status, 200);
    assert_eq!(from_original[4].status, 202);
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
        assert_eq!(
            state
                .create_certificate(name, SELF_EC, now, &mut rng)
                .status,
            202
        );
        let mut jwk = state.get_key(name, None, now).body_json()["key"].clone();
        jwk.as_object_mut().unwrap().remove("kid");
        jwks.push(jwk);
    }
    assert_eq!(jwks[0], jwks[1], "the pinned key, twice");
    let rsa = r#"{"policy":{"key_props":{"kty":"RSA","key_size":2048},"x509_props":{"subject":"CN=r"},"issuer":{"name":"Self"}}}"#;
    assert_eq!(
        state
            .create_certificate("c", rsa.as_bytes(), now, &mut rng)
            .status,
        202
    );
    assert_eq!(
        state.get_key("c", None, now).body_json()["key"]["kty"],
        "RSA"
    );
    let x = jwks[0]["x"].as_str().unwrap();
    let x = kvcert::pem::base64url_decode(x).unwrap();
    assert!(
        bits.windows(x.len()).any(|w| w == x.as_slice()),
        "the JWK is the pinned key's"
    );
    let restored = VaultState::from_json(&state.to_json().unwrap()).unwrap();
    assert!(restored == state);
}
