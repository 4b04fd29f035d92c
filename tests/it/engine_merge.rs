//! Merge through `kvcert::VaultState`: a CSR from an `Unknown` request signed by an OpenSSL CA,
//! uploaded as base64 DER, PEM and PKCS#7; the stored chain read back by OpenSSL; and the
//! refusals (foreign key, garbage, empty list, a PKCS#7 PEM block, a merge an issuer forbids).

use crate::support;

use std::process::Command;

use kvcert::pkcs12::decode_pfx;
use kvcert::rand_core::SeedableRng;
use kvcert::service::engine::Request;
use kvcert::{ChaCha20Rng, IssuanceDelays, UnixTime, Vault, VaultState};
use serde_json::{Value, json};
use support::engine::refusal;
use support::{TempDir, Tool};

const VAULT: &str = "https://kvcert-merge.vault.azure.net";

fn t(s: &str) -> UnixTime {
    s.parse().unwrap()
}

fn unknown(preserve: bool, content_type: &str) -> Vec<u8> {
    let mut body = json!({"policy":{"key_props":{"kty":"EC","crv":"P-256"},
        "secret_props":{"contentType":content_type},
        "x509_props":{"subject":"CN=merged.example"},"issuer":{"name":"Unknown"}}});
    if preserve {
        body["preserveCertOrder"] = json!(true);
    }
    serde_json::to_vec(&body).unwrap()
}

fn openssl(dir: &TempDir, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A CA made by OpenSSL, and the pending CSR signed by it: (leaf DER, CA DER).
fn sign_csr(dir: &TempDir, csr_b64: &str) -> (Vec<u8>, Vec<u8>) {
    let csr = crate::support::text::base64_decode(csr_b64).unwrap();
    dir.write("req.der", &csr);
    openssl(
        dir,
        &["req", "-inform", "DER", "-in", "req.der", "-out", "req.pem"],
    );
    openssl(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Merge Test CA",
            "-days",
            "30",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "req.pem",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "7",
            "-days",
            "20",
            "-out",
            "leaf.pem",
        ],
    );
    let der = |name: &str| openssl(dir, &["x509", "-in", name, "-outform", "DER"]);
    (der("leaf.pem"), der("ca.pem"))
}

fn b64(der: &[u8]) -> String {
    crate::support::text::base64(der)
}

#[test]
fn a_signed_csr_merges_in_every_accepted_form_and_the_secret_holds_the_chain() {
    if !support::tool(Tool::OpenSsl, file!()) {
        return;
    }
    let now = t("2026-01-15T12:00:00Z");
    let dir = TempDir::new("engine-merge");
    let mut rng = ChaCha20Rng::seed_from_u64(1);

    // The three forms of the same chain: base64 DER items, one PEM text, base64 PKCS#7.
    let mut state = VaultState::new(Vault::new(VAULT));
    let created = state
        .create_certificate("m", &unknown(false, "application/x-pkcs12"), now, &mut rng)
        .unwrap();
    let (leaf, ca) = sign_csr(&dir, created.csr.as_deref().unwrap());
    let leaf_pem = crate::support::text::pem("CERTIFICATE", &leaf);
    let ca_pem = crate::support::text::pem("CERTIFICATE", &ca);
    openssl(
        &dir,
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "ca.pem",
            "-certfile",
            "leaf.pem",
            "-outform",
            "DER",
            "-out",
            "chain.p7b",
        ],
    );
    let p7b = std::fs::read(dir.path().join("chain.p7b")).unwrap();
    // What the SDKs' merge samples send, base64 once more by the SDK: the PEM text (the
    // Python test and JavaScript sample as the issue describes them), the base64 body with
    // the END line kept (recorded, JS 7.4-preview.1) or without armour (recorded, Python 7.0
    // and 7.5). The service answers 201 to each.
    let twice = |text: &str| b64(text.as_bytes());
    let body_only = |pem: &str| {
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let forms: [Vec<String>; 6] = [
        vec![b64(&ca), b64(&leaf)], // CA first: the leaf is still found and stored first
        vec![format!("{ca_pem}{leaf_pem}")],
        vec![b64(&p7b)],
        vec![twice(&leaf_pem), twice(&ca_pem)],
        vec![
            twice(&format!(
                "{}-----END CERTIFICATE-----",
                body_only(&leaf_pem)
            )),
            twice(&format!("{}-----END CERTIFICATE-----", body_only(&ca_pem))),
        ],
        vec![twice(&body_only(&leaf_pem)), twice(&body_only(&ca_pem))],
    ];
    for (i, x5c) in forms.iter().enumerate() {
        // Each form merges into a copy of the same pending operation (same CSR, same key).
        let mut state = state.clone();
        // Through the edge: the 201 and its `Location`.
        let body = serde_json::to_vec(&json!({"x5c": x5c})).unwrap();
        let merged = state.handle(
            &Request {
                method: "POST",
                path: "/certificates/m/pending/merge?api-version=7.6",
                body: &body,
            },
            now,
            &mut rng,
        );
        assert_eq!(
            merged.status,
            201,
            "form {i}: {}",
            String::from_utf8_lossy(&merged.body)
        );
        let bundle = merged.body_json();
        assert_eq!(bundle["cer"], b64(&leaf), "form {i}");
        assert_eq!(
            merged.header("Location").map(str::to_owned),
            Some(format!("{VAULT}/certificates/m"))
        );
        let nbf = bundle["attributes"]["nbf"].as_u64().unwrap();
        let exp = bundle["attributes"]["exp"].as_u64().unwrap();
        assert!(
            exp > nbf && exp - nbf <= 20 * 86_400 + 1,
            "the CA's validity, not the policy's"
        );

        let op = state.get_pending("m", None, now).unwrap();
        assert_eq!(op.status.as_deref(), Some("completed"));
        assert_eq!(op.target, Some(format!("{VAULT}/certificates/m")));
        assert_eq!(op.status_details, None);
        assert_eq!(
            state
                .get_certificate("m", None, now)
                .unwrap()
                .cer
                .as_deref(),
            bundle["cer"].as_str()
        );

        // The secret: the leaf (with the key) first, then the CA; OpenSSL reads it.
        let secret = state.get_secret("m", None, now).unwrap();
        let pfx = crate::support::text::base64_decode(secret.value.as_deref().unwrap()).unwrap();
        let decoded = decode_pfx(&pfx, None).unwrap();
        assert_eq!(
            decoded.certificates,
            vec![leaf.clone(), ca.clone()],
            "form {i}"
        );
        assert!(decoded.key_pkcs8.is_some());
        let pfx_file = dir.write(&format!("secret{i}.pfx"), &pfx);
        let text = String::from_utf8(openssl(
            &dir,
            &[
                "pkcs12",
                "-in",
                pfx_file.to_str().unwrap(),
                "-passin",
                "pass:",
                "-nodes",
            ],
        ))
        .unwrap();
        assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(text.contains("BEGIN PRIVATE KEY"));
        // The key in the PFX is the CSR's: OpenSSL agrees the leaf and the key match.
        dir.write("k.pem", text.as_bytes());
        let leaf_key = openssl(&dir, &["x509", "-in", "leaf.pem", "-noout", "-pubkey"]);
        let pfx_key = openssl(&dir, &["pkey", "-in", "k.pem", "-pubout"]);
        assert_eq!(leaf_key, pfx_key);
        // A second merge: the operation is over.
        let again = state.merge_certificate(
            "m",
            &serde_json::to_vec(&json!({"x5c": x5c})).unwrap(),
            now,
            &mut rng,
        );
        assert_eq!(refusal(again).0, 403);
    }

    // preserveCertOrder and PEM: the chain in the order uploaded.
    let mut state = VaultState::new(Vault::new(VAULT));
    let created = state
        .create_certificate("p", &unknown(true, "application/x-pem-file"), now, &mut rng)
        .unwrap();
    let dir2 = TempDir::new("engine-merge-order");
    let (leaf, ca) = sign_csr(&dir2, created.csr.as_deref().unwrap());
    let merged = state
        .merge_certificate(
            "p",
            &serde_json::to_vec(&json!({"x5c": [b64(&ca), b64(&leaf)]})).unwrap(),
            now,
            &mut rng,
        )
        .unwrap();
    assert_eq!(merged.preserve_cert_order, Some(true));
    let pem = state
        .get_secret("p", None, now)
        .unwrap()
        .value
        .as_deref()
        .unwrap()
        .to_owned();
    let blocks: Vec<&str> = pem
        .match_indices("-----BEGIN ")
        .map(|(i, _)| &pem[i..i + 25])
        .collect();
    assert_eq!(blocks.len(), 3, "{pem}");
    let certs: Vec<Vec<u8>> = pem
        .split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .map(|b| {
            crate::support::text::base64_decode(
                &b.split("-----END").next().unwrap().replace('\n', ""),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(certs, vec![ca, leaf], "uploaded order kept");
}

#[test]
fn merge_refusals_are_key_vault_errors() {
    let now = t("2026-01-15T12:00:00Z");
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut state = VaultState::new(Vault::new(VAULT));
    state
        .create_certificate("u", &unknown(false, "application/x-pkcs12"), now, &mut rng)
        .unwrap();
    // A certificate of another key: a Self certificate from the same vault.
    let self_body = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=other"},"issuer":{"name":"Self"}}}"#;
    state
        .create_certificate("other", self_body, now, &mut rng)
        .unwrap();
    let foreign = Value::from(state.get_certificate("other", None, now).unwrap().cer);

    let x5c_error = "Property x5c has invalid value X5C must has at least one valid item";
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"x5c": [foreign]}),
            400,
            "The public key of the certificate does not match",
        ),
        (json!({"x5c": []}), 400, x5c_error),
        (json!({"x5c": ["not base64!"]}), 400, x5c_error),
        (json!({"x5c": ["AAAA"]}), 400, x5c_error),
        (
            json!({"x5c": ["-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"]}),
            400,
            x5c_error,
        ),
        (
            json!({"x5c": ["-----BEGIN CERTIFICATE-----\nMAA=\n"]}),
            400,
            x5c_error,
        ),
        (json!({"x5c": [b64(&nested(100_000))]}), 400, x5c_error),
        (json!({}), 400, "The request body is not valid"),
        (
            json!({"x5c": "a string"}),
            400,
            "The request body is not valid",
        ),
    ];
    for (body, status, text) in cases {
        let response =
            state.merge_certificate("u", &serde_json::to_vec(&body).unwrap(), now, &mut rng);
        let (got, code, message) = refusal(response);
        assert_eq!((got, code.as_str()), (status, "BadParameter"), "{body}");
        assert!(message.contains(text), "{body}: {message}");
    }
    // Too many certificates.
    let many = vec![foreign.clone(); 33];
    let (status, _, message) = refusal(state.merge_certificate(
        "u",
        &serde_json::to_vec(&json!({"x5c": many})).unwrap(),
        now,
        &mut rng,
    ));
    assert_eq!((status, message.as_str()), (400, x5c_error));
    // A body over the bound.
    let huge = vec![b' '; kvcert::service::engine::MAX_MERGE_BODY_LEN + 1];
    assert_eq!(
        refusal(state.merge_certificate("u", &huge, now, &mut rng)).0,
        400
    );
    // Still pending after all of these.
    assert_eq!(
        state.get_pending("u", None, now).unwrap().status.as_deref(),
        Some("inProgress")
    );

    // No pending operation.
    let (status, code, message) =
        refusal(state.merge_certificate("none", br#"{"x5c":["AAAA"]}"#, now, &mut rng));
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (
            404,
            "PendingCertificateNotFound",
            "Pending certificate not found: none"
        )
    );

    // An issuer still working: the documented 403, typo included.
    let mut delays = IssuanceDelays::default();
    delays.self_signed = 60;
    let mut slow = VaultState::with_delays(Vault::new(VAULT), delays);
    slow.create_certificate("s", self_body, now, &mut rng)
        .unwrap();
    let (status, code, message) = refusal(slow.merge_certificate(
        "s",
        &serde_json::to_vec(&json!({"x5c": [foreign]})).unwrap(),
        now,
        &mut rng,
    ));
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (
            403,
            "Forbidden",
            "Merge is forbidden on pending object created with issuer : Self while it is in progess."
        )
    );
}

/// `depth` nested SEQUENCEs: a deeply nested input must be refused, not overflow the stack.
fn nested(depth: usize) -> Vec<u8> {
    let mut der = vec![0x05, 0x00];
    for _ in 0..depth {
        let len = der.len();
        let mut head = vec![0x30];
        if len < 0x80 {
            head.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            head.push(0x80 | (bytes.len() - skip) as u8);
            head.extend_from_slice(&bytes[skip..]);
        }
        head.extend_from_slice(&der);
        der = head;
    }
    der
}
