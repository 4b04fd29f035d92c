//! Import Certificate through the public API: round trips through Create Certificate's
//! secrets, the PFX files of `tests/data/pkcs12/`, PEM in every order, the chain files of
//! `tests/data/import/` (see its README), every refusal, and the re-encoded PFX opened by
//! OpenSSL's CLI and Python's `cryptography`. Without one of those on PATH, that part is skipped
//! and `cargo test` prints a `SKIPPED` line saying what to install; with
//! `KVCERT_REQUIRE_INTEROP=1` (as `.ci/run` sets it) a missing tool fails the test instead (see
//! `tests/it/support/tools.rs`).

use crate::support;

use std::path::Path;
use std::process::Command;

use kvcert::service::import::{Imported, import_certificate};
use kvcert::{Error, UnixTime, Vault, create_from_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{Value, json};

use support::{TempDir, Tool};

const SUITE: &str = "tests/it/import.rs";

const VAULT: &str = "https://myvault.vault.azure.net";
const PKCS12_UNREADABLE: &str = "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.";
const PEM_UNEXPECTED: &str = "The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.";
const NO_KEY: &str = "No certificate with private key found in the specified X.509 certificate content. Please specify X.509 certificate content with only one certificate containing private key.";
const PEM: &str = "application/x-pem-file";

fn now() -> UnixTime {
    "2026-03-01T08:00:00Z".parse().unwrap()
}

fn import(body: &Value) -> Result<Imported, Error> {
    import_certificate(
        "imported",
        body.to_string().as_bytes(),
        &Vault::new(VAULT),
        now(),
        &mut ChaCha20Rng::seed_from_u64(9),
    )
}

fn data(path: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(path: &str) -> String {
    String::from_utf8(data(path)).unwrap()
}

/// The DER of every `label` block of a PEM text.
fn pem_ders(pem: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i + begin.len()..];
        let j = after.find(&end).unwrap();
        let b64: String = after[..j].split_whitespace().collect();
        out.push(crate::support::text::base64_decode(&b64).unwrap());
        rest = &after[j + end.len()..];
    }
    out
}

fn cert_der(path: &str) -> Vec<u8> {
    pem_ders(&text(path), "CERTIFICATE").remove(0)
}

fn b64(bytes: &[u8]) -> String {
    crate::support::text::base64(bytes)
}

fn cer(imported: &Imported) -> Vec<u8> {
    crate::support::text::base64_decode(imported.bundle.cer.as_deref().unwrap()).unwrap()
}

fn policy_json(imported: &Imported) -> Value {
    serde_json::to_value(imported.bundle.policy.as_ref().unwrap()).unwrap()
}

fn message(e: &Error) -> String {
    e.to_key_vault_error().error.message
}

fn create(body: &str, seed: u64) -> kvcert::Issued {
    create_from_json(
        "created",
        body.as_bytes(),
        &Vault::new(VAULT),
        "2026-01-15T12:00:00Z".parse().unwrap(),
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

#[test]
fn round_trip_through_the_created_pfx_secret() {
    for (kty, seed) in [(r#""kty":"RSA""#, 1), (r#""kty":"EC","crv":"P-256""#, 2)] {
        let body = format!(
            r#"{{"policy":{{"key_props":{{{kty}}},"x509_props":{{"subject":"CN=round trip","sans":{{"dns_names":["rt.example"]}}}},"issuer":{{"name":"Self"}}}}}}"#
        );
        let issued = create(&body, seed);
        let done = issued.completed.as_ref().unwrap();
        // The Python and Java recordings: a PFX, no password, no policy.
        let imported = import(&json!({"value": done.secret.value})).unwrap();
        assert_eq!(cer(&imported), done.certificate);
        assert_eq!(imported.certificate, done.certificate);
        assert_eq!(imported.chain, std::slice::from_ref(&done.certificate));
        assert_eq!(
            *imported.key.to_pkcs8_der().unwrap(),
            *issued.key.to_pkcs8_der().unwrap()
        );
        assert_eq!(imported.bundle.x5t, done.bundle.x5t);
        assert_eq!(
            imported.key_bundle.key.as_ref().unwrap().n,
            done.key_bundle.key.as_ref().unwrap().n
        );
        assert_eq!(
            imported.key_bundle.key.as_ref().unwrap().x,
            done.key_bundle.key.as_ref().unwrap().x
        );
        assert_eq!(
            imported.key_bundle.key.as_ref().unwrap().key_ops,
            done.key_bundle.key.as_ref().unwrap().key_ops
        );

        let (size, extra, usages) = if seed == 1 {
            (
                2048,
                json!(null),
                json!(["digitalSignature", "keyEncipherment"]),
            )
        } else {
            (256, json!("P-256"), json!(["digitalSignature"]))
        };
        let mut key_props = json!({"exportable": true, "kty": if seed == 1 {"RSA"} else {"EC"}, "key_size": size, "reuse_key": false});
        if !extra.is_null() {
            key_props["crv"] = extra;
        }
        let t = now().as_secs();
        // 12 months backdated by 10 minutes re-import as 13 months, as the service does.
        assert_eq!(
            policy_json(&imported),
            json!({
                "id": format!("{VAULT}/certificates/imported/policy"),
                "key_props": key_props,
                "secret_props": {"contentType": "application/x-pkcs12"},
                "x509_props": {
                    "subject": "CN=round trip",
                    "sans": {"emails": [], "dns_names": ["rt.example"], "upns": [], "uris": [], "ipAddresses": []},
                    "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                    "key_usage": usages,
                    "validity_months": 13,
                    "basic_constraints": {"ca": false}
                },
                "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "EmailContacts"}}],
                "issuer": {"name": "Unknown"},
                "attributes": {"enabled": true, "created": t, "updated": t}
            })
        );
        let attrs = imported.bundle.attributes.as_ref().unwrap();
        let created = done.bundle.attributes.as_ref().unwrap();
        assert_eq!((attrs.nbf, attrs.exp), (created.nbf, created.exp));
        assert_eq!(
            (attrs.created, attrs.updated),
            (Some(t as i64), Some(t as i64))
        );
        let json = serde_json::to_string(&imported.bundle).unwrap();
        let v = &imported.version;
        assert!(
            json.starts_with(&format!(
                r#"{{"id":"{VAULT}/certificates/imported/{v}","kid":"{VAULT}/keys/imported/{v}","sid":"{VAULT}/secrets/imported/{v}","x5t":"#
            )),
            "{json}"
        );
        assert!(
            !json.contains("pending")
                && !json.contains("tags")
                && !json.contains("preserveCertOrder")
        );
        assert_eq!(
            imported.secret.content_type.as_deref(),
            Some("application/x-pkcs12")
        );
        assert_eq!(imported.secret.attributes.as_ref(), Some(attrs));

        // The re-encoded PFX imports again to the same certificate and key.
        let again = import(&json!({"value": imported.secret.value})).unwrap();
        assert_eq!(again.certificate, done.certificate);
        assert_eq!(
            *again.key.to_pkcs8_der().unwrap(),
            *issued.key.to_pkcs8_der().unwrap()
        );
    }
}

#[test]
fn round_trip_through_the_created_pem_secret() {
    for (kty, seed) in [(r#""kty":"RSA""#, 3), (r#""kty":"EC","crv":"P-384""#, 4)] {
        let body = format!(
            r#"{{"policy":{{"key_props":{{{kty}}},"secret_props":{{"contentType":"{PEM}"}},"x509_props":{{"subject":"CN=pem, O=kvcert"}},"issuer":{{"name":"Self"}}}}}}"#
        );
        let issued = create(&body, seed);
        let done = issued.completed.as_ref().unwrap();
        // The C++ recording re-imports the downloaded PEM (key first) with a policy.
        let imported = import(&json!({
            "value": done.secret.value,
            "policy": {"secret_props": {"contentType": PEM}, "issuer": {"name": "Self"}, "lifetime_actions": []},
            "tags": {},
        }))
        .unwrap();
        assert_eq!(imported.certificate, done.certificate);
        assert_eq!(
            *imported.key.to_pkcs8_der().unwrap(),
            *issued.key.to_pkcs8_der().unwrap()
        );
        // The same key and certificate re-encode to the very same PEM secret.
        assert_eq!(imported.secret.value, done.secret.value);
        let p = policy_json(&imported);
        assert_eq!(p["x509_props"]["subject"], "CN=pem, O=kvcert");
        assert_eq!(p["x509_props"]["validity_months"], 13);
        assert!(p["x509_props"].get("sans").is_none());
        assert_eq!(p["lifetime_actions"], json!([]));
        assert_eq!(p["issuer"], json!({"name": "Self"}));
        assert_eq!(p["secret_props"]["contentType"], PEM);
        let json = serde_json::to_string(&imported.bundle).unwrap();
        assert!(json.contains(r#","tags":{},"policy":"#), "{json}");
        // Default lifetime action for Self is AutoRenew.
        let imported = import(&json!({"value": done.secret.value, "policy": {"secret_props": {"contentType": PEM}, "issuer": {"name": "Self"}}})).unwrap();
        assert_eq!(
            policy_json(&imported)["lifetime_actions"],
            json!([{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}])
        );
    }
}

#[test]
fn pfx_files_from_openssl_java_and_key_vault() {
    let cases: &[(&str, Option<&str>, &str, usize)] = &[
        (
            "openssl3_default.pfx",
            Some("kvcert-test"),
            "CN=kvcert test leaf",
            2,
        ),
        (
            "openssl3_default_emptypass.pfx",
            Some(""),
            "CN=kvcert test leaf",
            2,
        ),
        (
            "openssl3_default_emptypass.pfx",
            None,
            "CN=kvcert test leaf",
            2,
        ),
        (
            "openssl3_unicode_pass.pfx",
            Some("pässwörd"),
            "CN=kvcert test leaf",
            1,
        ),
        (
            "openssl_legacy.pfx",
            Some("kvcert-test"),
            "CN=kvcert test rsa",
            1,
        ),
        (
            "openssl_legacy_emptypass.pfx",
            None,
            "CN=kvcert test leaf",
            2,
        ),
        (
            "openssl_legacy_unicode_pass.pfx",
            Some("pässwörd"),
            "CN=kvcert test leaf",
            1,
        ),
        ("openssl_plain_nomac.pfx", None, "CN=kvcert test leaf", 2),
        (
            "java_keytool.p12",
            Some("kvcert-test"),
            "CN=kvcert test java",
            1,
        ),
        ("keyvault_rsa_2021.pfx", None, "CN=xyz", 1),
        ("keyvault_rsa_2024.pfx", None, "", 1),
        ("keyvault_ec256_2024.pfx", None, "", 1),
        ("keyvault_rsa_rc2_2018.pfx", None, "", 1),
    ];
    for (file, pwd, subject, count) in cases {
        let pfx = data(&format!("pkcs12/{file}"));
        let mut body = json!({"value": b64(&pfx)});
        if let Some(p) = pwd {
            body["pwd"] = json!(p);
        }
        let imported = import(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(imported.chain.len(), *count, "{file}");
        assert_eq!(imported.leaf_index, 0);
        if !subject.is_empty() {
            assert_eq!(
                policy_json(&imported)["x509_props"]["subject"],
                *subject,
                "{file}"
            );
        }
        if subject.contains("leaf") {
            assert_eq!(
                imported.certificate,
                cert_der("pkcs12/leaf.crt.pem"),
                "{file}"
            );
            assert_eq!(
                imported.chain[1..],
                [cert_der("pkcs12/ca.crt.pem")][..*count - 1]
            );
        }
        // A wrong password is the service's PKCS#12 message.
        body["pwd"] = json!("wrong password");
        if !file.contains("nomac") {
            let e = import(&body).unwrap_err();
            assert_eq!(message(&e), PKCS12_UNREADABLE, "{file}");
            assert!(matches!(e, Error::Pkcs12Unreadable { .. }));
        }
    }
    // A certificate-only PFX (the service's non-exportable secret) has no key to import.
    let pfx = data("pkcs12/keyvault_nonexportable_rsa_2024.pfx");
    let e = import(&json!({"value": b64(&pfx)})).unwrap_err();
    assert_eq!(message(&e), NO_KEY);
    // The RSA Key Vault secret of 2021 is the C++ recording's: CN=xyz, as there.
    let imported = import(&json!({"value": b64(&data("pkcs12/keyvault_rsa_2021.pfx"))})).unwrap();
    let p = policy_json(&imported);
    assert_eq!(
        p["x509_props"]["key_usage"],
        json!(["digitalSignature", "keyEncipherment"])
    );
    assert_eq!(p["x509_props"]["validity_months"], 13);
}

fn pem_body(value: String) -> Value {
    json!({"value": value, "policy": {"secret_props": {"contentType": PEM}}})
}

#[test]
fn pem_in_any_order_and_base64_encoded() {
    let key = text("pkcs12/leaf.key.pem");
    let cert = text("pkcs12/leaf.crt.pem");
    let ca = text("pkcs12/ca.crt.pem");
    // The .NET recording: certificate before key.
    for value in [
        format!("{cert}{key}"),
        format!("{key}{cert}"),
        format!("Bag Attributes: ignored\r\n{cert}\r\nsome text\r\n{key}"),
        b64(format!("{cert}{key}").as_bytes()),
    ] {
        let imported = import(&pem_body(value.clone())).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(imported.certificate, cert_der("pkcs12/leaf.crt.pem"));
        // The stored PEM: PKCS#8 key first, then the certificate, LF line ends.
        let secret = imported.secret.value.as_deref().unwrap();
        assert!(
            secret.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "{secret}"
        );
        assert_eq!(
            pem_ders(secret, "CERTIFICATE"),
            [cert_der("pkcs12/leaf.crt.pem")]
        );
    }
    // A chain with the CA first: stored leaf first.
    let imported = import(&pem_body(format!("{ca}{key}{cert}"))).unwrap();
    assert_eq!(
        imported.chain,
        [
            cert_der("pkcs12/leaf.crt.pem"),
            cert_der("pkcs12/ca.crt.pem")
        ]
    );
}

#[test]
fn pkcs1_and_sec1_pem_keys_are_refused_with_the_service_text() {
    for (key, cert) in [
        ("import/rsa_pkcs1.key.pem", "pkcs12/rsa.crt.pem"),
        ("import/ec_sec1.key.pem", "pkcs12/leaf.crt.pem"),
    ] {
        for value in [
            format!("{}{}", text(key), text(cert)),
            format!("{}{}", text(cert), text(key)),
        ] {
            let e = import(&pem_body(value)).unwrap_err();
            assert_eq!(e.status(), 400);
            assert_eq!(
                serde_json::to_string(&e.to_key_vault_error()).unwrap(),
                format!(r#"{{"error":{{"code":"BadParameter","message":"{PEM_UNEXPECTED}"}}}}"#)
            );
        }
    }
    // The PKCS#8 forms of the same keys are accepted.
    for (key, cert) in [
        ("pkcs12/rsa.key.pem", "pkcs12/rsa.crt.pem"),
        ("pkcs12/leaf.key.pem", "pkcs12/leaf.crt.pem"),
    ] {
        import(&pem_body(format!("{}{}", text(key), text(cert)))).unwrap();
    }
}

#[test]
fn a_key_that_matches_no_certificate() {
    let value = format!(
        "{}{}{}",
        text("pkcs12/rsa.key.pem"),
        text("pkcs12/leaf.crt.pem"),
        text("pkcs12/ca.crt.pem")
    );
    let e = import(&pem_body(value)).unwrap_err();
    assert_eq!(message(&e), NO_KEY);
    // No key at all, and a key without a certificate.
    for value in [text("pkcs12/leaf.crt.pem"), text("pkcs12/leaf.key.pem")] {
        assert_eq!(message(&import(&pem_body(value)).unwrap_err()), NO_KEY);
    }
}

#[test]
fn unsupported_and_unusual_keys() {
    let e = import(&pem_body(format!(
        "{}{}",
        text("import/rsa1024.key.pem"),
        text("import/rsa1024.crt.pem")
    )))
    .unwrap_err();
    assert_eq!(
        message(&e),
        "Unsupported key size (1024). Supported sizes are [2048, 3072, 4096]"
    );
    let e = import(&pem_body(format!(
        "{}{}",
        text("import/ed25519.key.pem"),
        text("import/ed25519.crt.pem")
    )))
    .unwrap_err();
    assert!(matches!(e, Error::UnsupportedKeyType { .. }), "{e:?}");
    assert_eq!(e.status(), 400);
    let imported = import(&pem_body(format!(
        "{}{}",
        text("import/secp256k1.crt.pem"),
        text("import/secp256k1.key.pem")
    )))
    .unwrap();
    assert_eq!(
        policy_json(&imported)["key_props"],
        json!({"exportable": true, "kty": "EC", "key_size": 256, "reuse_key": false, "crv": "P-256K"})
    );
    assert_eq!(
        imported.key_bundle.key.as_ref().unwrap().crv.as_deref(),
        Some("P-256K")
    );
    // kty EC sent for an RSA key: the create rules answer with the reported import text.
    let mut body = pem_body(format!(
        "{}{}",
        text("pkcs12/rsa.key.pem"),
        text("pkcs12/rsa.crt.pem")
    ));
    body["policy"]["key_props"] = json!({"kty": "EC"});
    let e = import(&body).unwrap_err();
    assert!(
        message(&e).contains("Unsupported key size (2048). Supported sizes are [256, 384, 521]"),
        "{e}"
    );
}

#[test]
fn garbage_truncated_and_malformed_requests() {
    let pfx = data("pkcs12/openssl_legacy.pfx");
    // Truncated PFX values: the PKCS#12 message, never a panic.
    for cut in (0..pfx.len()).step_by(97).chain([pfx.len() - 1]) {
        let e = import(&json!({"value": b64(&pfx[..cut]), "pwd": "kvcert-test"})).unwrap_err();
        assert_eq!(message(&e), PKCS12_UNREADABLE, "cut at {cut}");
    }
    for value in ["", "@@@@", "AAAA", "not base64 at all"] {
        assert_eq!(
            message(&import(&json!({"value": value})).unwrap_err()),
            PKCS12_UNREADABLE
        );
    }
    // Truncated PEM: never a panic, always a 400.
    let pem = format!(
        "{}{}",
        text("pkcs12/leaf.key.pem"),
        text("pkcs12/leaf.crt.pem")
    );
    for cut in 0..pem.len() {
        if let Err(e) = import(&pem_body(pem[..cut].to_owned())) {
            assert_eq!(e.status(), 400, "cut at {cut}: {e}");
        }
    }
    // A PEM without a content type: read as PKCS#12 without a policy, the reported policy
    // error with one.
    assert_eq!(
        message(&import(&json!({"value": pem})).unwrap_err()),
        PKCS12_UNREADABLE
    );
    let e = import(&json!({"value": pem, "policy": {"lifetime_actions": [{"trigger": {"days_before_expiry": 5}, "action": {"action_type": "EmailContacts"}}]}})).unwrap_err();
    assert_eq!(message(&e), "Property policy has invalid value\r\n");
    // Bodies.
    let vault = Vault::new(VAULT);
    let run = |name: &str, body: &[u8]| {
        import_certificate(
            name,
            body,
            &vault,
            now(),
            &mut ChaCha20Rng::seed_from_u64(1),
        )
        .unwrap_err()
    };
    assert!(matches!(run("a_b", b"garbage"), Error::InvalidName { .. }));
    for body in [
        &b""[..],
        b"{",
        b"[]",
        br#"{"value":1}"#,
        br#"{"policy":[]}"#,
        br#"{"value":"a","value":"b"}"#,
    ] {
        assert!(
            matches!(run("ok", body), Error::MalformedRequest { .. }),
            "{body:?}"
        );
    }
    assert_eq!(
        message(&run("ok", b"{}")),
        "Property value has invalid value. A value is required\r\n"
    );
    let big = vec![b' '; kvcert::service::import::MAX_IMPORT_BODY_LEN + 1];
    assert!(matches!(run("ok", &big), Error::MalformedRequest { .. }));
    let e = run(
        "ok",
        br#"{"value":"AAAA","policy":{"secret_props":{"contentType":"text/plain"}}}"#,
    );
    assert!(
        matches!(
            e,
            Error::InvalidProperty {
                property: "policy.secret_props",
                ..
            }
        ),
        "{e:?}"
    );
}

fn chain_pem() -> String {
    // Root, the leaf's key, intermediate, leaf.
    [
        "import/root.crt.pem",
        "import/leaf.key.pem",
        "import/intermediate.crt.pem",
        "import/leaf.crt.pem",
    ]
    .map(text)
    .concat()
}

#[test]
fn chains_with_and_without_preserve_cert_order() {
    let (root, inter, leaf) = (
        cert_der("import/root.crt.pem"),
        cert_der("import/intermediate.crt.pem"),
        cert_der("import/leaf.crt.pem"),
    );
    for preserve in [None, Some(false), Some(true)] {
        let mut body = pem_body(chain_pem());
        if let Some(p) = preserve {
            body["preserveCertOrder"] = json!(p);
        }
        let imported = import(&body).unwrap();
        let expected = if preserve == Some(true) {
            vec![root.clone(), inter.clone(), leaf.clone()]
        } else {
            vec![leaf.clone(), root.clone(), inter.clone()]
        };
        assert_eq!(imported.chain, expected, "{preserve:?}");
        assert_eq!(
            imported.leaf_index,
            if preserve == Some(true) { 2 } else { 0 }
        );
        assert_eq!(imported.certificate, leaf);
        assert_eq!(cer(&imported), leaf);
        let secret = imported.secret.value.as_deref().unwrap();
        assert_eq!(pem_ders(secret, "CERTIFICATE"), expected);
        assert_eq!(pem_ders(secret, "PRIVATE KEY").len(), 1);
        let json = serde_json::to_string(&imported.bundle).unwrap();
        match preserve {
            Some(p) => assert!(
                json.ends_with(&format!(r#","preserveCertOrder":{p}}}"#)),
                "{json}"
            ),
            None => assert!(!json.contains("preserveCertOrder")),
        }
    }
    // The leaf's properties, derived as the service derives them.
    let imported = import(&pem_body(chain_pem())).unwrap();
    assert_eq!(
        policy_json(&imported)["x509_props"],
        json!({
            "subject": r#"E=ops@example.com, CN=leaf.example.com, OU=Eng + OU=Ops, O="Contoso, Ltd.", L=Redmond, S=Washington, C=US, DC=example, DC=com"#,
            "sans": {
                "emails": ["ops@example.com"],
                "dns_names": ["leaf.example.com", "www.example.com"],
                "upns": ["user@example.com"],
                "uris": ["https://example.com/x"],
                "ipAddresses": ["192.0.2.1", "2001:db8::1"]
            },
            "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            "key_usage": ["digitalSignature", "keyAgreement"],
            "validity_months": 120,
            "basic_constraints": {"ca": false}
        })
    );
    assert_eq!(
        policy_json(&imported)["key_props"],
        json!({"exportable": true, "kty": "EC", "key_size": 384, "reuse_key": false, "crv": "P-384"})
    );
    // The chain PFX (OpenSSL: leaf, intermediate, root).
    let imported =
        import(&json!({"value": b64(&data("import/chain.pfx")), "pwd": "chain-test"})).unwrap();
    assert_eq!(imported.chain, [leaf.clone(), inter.clone(), root.clone()]);
    // The root alone with the leaf's key: no pair.
    let value = format!(
        "{}{}",
        text("import/root.crt.pem"),
        text("import/leaf.key.pem")
    );
    assert_eq!(message(&import(&pem_body(value)).unwrap_err()), NO_KEY);
}

#[test]
fn request_parts_are_echoed_and_validated() {
    let value = format!(
        "{}{}",
        text("pkcs12/rsa.crt.pem"),
        text("pkcs12/rsa.key.pem")
    );
    let imported = import(&json!({
        "value": value,
        "policy": {
            "key_props": {"exportable": false, "kty": "RSA-HSM", "key_size": 4096, "reuse_key": true},
            "secret_props": {"contentType": PEM},
            "x509_props": {"subject": "CN=ignored", "validity_months": 3},
            "attributes": {"enabled": false}
        },
        "attributes": {"enabled": false},
        "tags": {"b": "2", "a": "1"}
    }))
    .unwrap();
    let p = policy_json(&imported);
    assert_eq!(
        p["key_props"],
        json!({"exportable": false, "kty": "RSA-HSM", "key_size": 2048, "reuse_key": true})
    );
    assert_eq!(p["x509_props"]["subject"], "CN=kvcert test rsa");
    assert_eq!(p["attributes"]["enabled"], false);
    assert_eq!(
        imported.bundle.attributes.as_ref().unwrap().enabled,
        Some(false)
    );
    let tags = json!({"b": "2", "a": "1"});
    assert_eq!(serde_json::to_value(&imported.bundle.tags).unwrap(), tags);
    assert_eq!(serde_json::to_value(&imported.secret.tags).unwrap(), tags);
    assert_eq!(
        serde_json::to_value(&imported.key_bundle.tags).unwrap(),
        tags
    );
    // Not exportable: the secret holds the certificate only.
    let secret = imported.secret.value.as_deref().unwrap();
    assert!(secret.starts_with("-----BEGIN CERTIFICATE-----") && !secret.contains("PRIVATE"));
    // A certificate without KeyUsage: every operation of an RSA key.
    assert_eq!(
        imported
            .key_bundle
            .key
            .as_ref()
            .unwrap()
            .key_ops
            .as_deref()
            .unwrap(),
        [
            "encrypt",
            "decrypt",
            "sign",
            "verify",
            "wrapKey",
            "unwrapKey"
        ]
    );
    // The create rules still apply to the rest of the policy.
    let bad = json!({"value": value, "policy": {"secret_props": {"contentType": PEM},
        "lifetime_actions": [{"trigger": {"lifetime_percentage": 100}, "action": {"action_type": "AutoRenew"}}]}});
    assert!(matches!(
        import(&bad).unwrap_err(),
        Error::InvalidProperty {
            property: "policy.lifetime_actions",
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// The re-encoded PFX opened by OpenSSL and Python.
// ---------------------------------------------------------------------------------------------

fn run(program: &str, args: &[&str], hint: &str) -> String {
    let o = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): {hint}"));
    assert!(
        o.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn reencoded_chain_pfx_opens_in_openssl_and_python() {
    // A PFX upload whose chain does not start with the leaf (written with kvcert's encoder,
    // which marks the first certificate), imported with its order kept: in the re-encoded PFX
    // the leaf, last, alone carries localKeyID.
    let key = pem_ders(&text("import/leaf.key.pem"), "PRIVATE KEY").remove(0);
    let upload = kvcert::pkcs12::encode_service_pfx(
        &kvcert::pkcs12::PfxContents {
            key_pkcs8: Some(&key),
            certificates: &[
                cert_der("import/root.crt.pem"),
                cert_der("import/intermediate.crt.pem"),
                cert_der("import/leaf.crt.pem"),
            ],
            key_kind: kvcert::pkcs12::PfxKeyKind::Ec,
            friendly_name: None,
        },
        &mut ChaCha20Rng::seed_from_u64(3),
    )
    .unwrap();
    let imported = import(&json!({"value": b64(&upload), "preserveCertOrder": true})).unwrap();
    assert_eq!(imported.leaf_index, 2);
    let pfx =
        crate::support::text::base64_decode(imported.secret.value.as_deref().unwrap()).unwrap();
    // Both calls come first, so that each missing tool is reported.
    let has_openssl = support::tool(Tool::OpenSsl, SUITE);
    let has_python = support::tool(Tool::PythonCryptography, SUITE);
    if !has_openssl && !has_python {
        return;
    }
    let dir = TempDir::new("import-chain");
    let path = dir.write("chain.pfx", &pfx);
    let path = path.to_str().unwrap();
    if has_openssl {
        reencoded_chain_pfx_in_openssl(path, &imported);
    }
    if has_python {
        reencoded_chain_pfx_in_python(path, &imported);
    }
}

fn reencoded_chain_pfx_in_openssl(path: &str, imported: &Imported) {
    let hint = "install the OpenSSL 3 command line (`openssl`)";
    let info = run(
        "openssl",
        &["pkcs12", "-info", "-nodes", "-passin", "pass:", "-in", path],
        hint,
    );
    assert_eq!(pem_ders(&info, "CERTIFICATE").len(), 3, "{info}");
    assert_eq!(pem_ders(&info, "PRIVATE KEY").len(), 1, "{info}");
    let leaf_only = run(
        "openssl",
        &[
            "pkcs12", "-nokeys", "-clcerts", "-passin", "pass:", "-in", path,
        ],
        hint,
    );
    assert_eq!(
        pem_ders(&leaf_only, "CERTIFICATE"),
        std::slice::from_ref(&imported.certificate)
    );
}

fn reencoded_chain_pfx_in_python(path: &str, imported: &Imported) {
    let script = r#"
import sys, json
from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat
data = open(sys.argv[1], "rb").read()
key, cert, extra = pkcs12.load_key_and_certificates(data, None)
pub = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex()
print(json.dumps({"cert": cert.public_bytes(Encoding.DER).hex(), "extra": len(extra),
                  "match": pub(key.public_key()) == pub(cert.public_key())}))
"#;
    let out = run(
        "python3",
        &["-c", script, path],
        "install python3 and the `cryptography` package (`pip install 'cryptography>=42'`)",
    );
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let hex: String = imported
        .certificate
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v, json!({"cert": hex, "extra": 2, "match": true}));
}

/// The vault's PFX limits (.NET's defaults): OpenSSL files at 100,000 iterations import, at
/// 300,001 and 5,000,000 they are refused with the service's PKCS#12 message; a vault with a
/// lower limit refuses the 100,000 one too.
#[test]
fn pfx_iteration_limits() {
    let body = |n: u32| {
        json!({
            "value": b64(&data(&format!("pkcs12/openssl3_iter_{n}.pfx"))),
            "pwd": "kvcert-test",
        })
    };
    let imported = import(&body(100_000)).expect("100,000 iterations are under the limits");
    assert_eq!(cer(&imported), cert_der("pkcs12/leaf.crt.pem"));
    for n in [300_001, 5_000_000] {
        let e = import(&body(n)).unwrap_err();
        assert_eq!(message(&e), PKCS12_UNREADABLE, "{n}");
        assert!(
            matches!(&e, Error::Pkcs12Unreadable { detail, .. } if detail.contains("over the limit")),
            "{n}: {e:?}"
        );
    }
    // The decoder's own error is the source.
    let e = import(&body(5_000_000)).unwrap_err();
    let source = std::error::Error::source(&e).expect("a source");
    assert_eq!(
        source.downcast_ref::<kvcert::pkcs12::Error>(),
        Some(&kvcert::pkcs12::Error::LimitExceeded(
            "MAC iteration count over the limit"
        ))
    );
    let mut strict = Vault::new(VAULT);
    strict.pfx_limits.kdf_iterations = 99_999;
    let e = import_certificate(
        "imported",
        body(100_000).to_string().as_bytes(),
        &strict,
        now(),
        &mut ChaCha20Rng::seed_from_u64(9),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Pkcs12Unreadable { detail, .. } if detail.contains("key derivation iteration count over the limit")),
        "{e:?}"
    );
}
