//! Public-API tests of whole issuances: determinism, issuers, JSON envelopes, validity.

use der::{Decode, Encode};
use kvcert::{Issued, STATUS_IN_PROGRESS, STATUS_MERGE, UnixTime, Vault, create_from_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use x509_cert::Certificate;

fn vault() -> Vault {
    Vault::new("https://myvault.vault.azure.net")
}

fn t(s: &str) -> UnixTime {
    s.parse().unwrap()
}

fn issue(body: &str, now: &str, seed: u64) -> Issued {
    create_from_json(
        "cert1",
        body.as_bytes(),
        &vault(),
        t(now),
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

const EC: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
const RSA: &str = r#"{"policy":{"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;

fn everything(i: &Issued) -> Vec<u8> {
    let done = i.completed.as_ref().unwrap();
    let mut out = i.csr.clone();
    out.extend(&done.certificate);
    out.extend(i.key.to_pkcs8_der().unwrap().iter());
    out.extend(serde_json::to_vec(&i.operation).unwrap());
    out.extend(serde_json::to_vec(&done.operation).unwrap());
    out.extend(serde_json::to_vec(&done.bundle).unwrap());
    out
}

#[test]
fn same_seed_and_now_give_identical_bytes() {
    for body in [EC, RSA] {
        let a = issue(body, "2026-03-01T10:00:00Z", 42);
        let b = issue(body, "2026-03-01T10:00:00Z", 42);
        assert_eq!(everything(&a), everything(&b));
    }
}

#[test]
fn different_seeds_give_different_keys_serials_and_ids() {
    for body in [EC, RSA] {
        let a = issue(body, "2026-03-01T10:00:00Z", 1);
        let b = issue(body, "2026-03-01T10:00:00Z", 2);
        assert_ne!(
            *a.key.to_pkcs8_der().unwrap(),
            *b.key.to_pkcs8_der().unwrap()
        );
        let (ca, cb) = (a.completed.unwrap(), b.completed.unwrap());
        let serial = |d: &[u8]| {
            Certificate::from_der(d)
                .unwrap()
                .tbs_certificate()
                .serial_number()
                .as_bytes()
                .to_vec()
        };
        assert_ne!(serial(&ca.certificate), serial(&cb.certificate));
        assert_ne!(ca.version, cb.version);
        assert_ne!(a.operation.request_id, b.operation.request_id);
    }
}

#[test]
fn issuers_self_unknown_and_named() {
    let unknown = issue(
        r#"{"policy":{"x509_props":{"subject":"CN=a"},"issuer":{"name":"Unknown"}}}"#,
        "2026-03-01T10:00:00Z",
        1,
    );
    assert!(unknown.completed.is_none());
    assert_eq!(
        unknown.operation.status_details.as_deref(),
        Some(STATUS_MERGE)
    );
    // No issuer at all means Unknown.
    let none = issue(
        r#"{"policy":{"x509_props":{"subject":"CN=a"}}}"#,
        "2026-03-01T10:00:00Z",
        1,
    );
    assert!(none.completed.is_none());
    assert_eq!(
        none.operation.issuer.as_ref().unwrap().name.as_deref(),
        Some("Unknown")
    );
    let ca = issue(
        r#"{"policy":{"x509_props":{"subject":"CN=a"},"issuer":{"name":"DigiCertIssuer","cty":"OV-SSL","cert_transparency":true}}}"#,
        "2026-03-01T10:00:00Z",
        1,
    );
    assert!(ca.completed.is_none());
    assert_eq!(
        ca.operation.status_details.as_deref(),
        Some(STATUS_IN_PROGRESS)
    );
    // The operation's issuer carries the name only.
    assert_eq!(
        serde_json::to_string(&ca.operation.issuer).unwrap(),
        r#"{"name":"DigiCertIssuer"}"#
    );
}

#[test]
fn envelope_echoes_tags_preserve_cert_order_and_vault_settings() {
    let body = r#"{"policy":{"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}},"tags":{"b":"2","a":"1"},"preserveCertOrder":true,"attributes":{"enabled":false,"nbf":946684800}}"#;
    let mut v = vault();
    v.recovery_level = "Purgeable".into();
    v.recoverable_days = None; // api-version 7.0
    let i = create_from_json(
        "cert1",
        body.as_bytes(),
        &v,
        t("2026-03-01T10:00:00Z"),
        &mut ChaCha20Rng::seed_from_u64(3),
    )
    .unwrap();
    let op = serde_json::to_string(&i.operation).unwrap();
    assert!(
        op.contains(r#""status":"inProgress","preserveCertOrder":true,"status_details""#),
        "{op}"
    );
    let done = i.completed.unwrap();
    let bundle = serde_json::to_value(&done.bundle).unwrap();
    let keys: Vec<&String> = bundle.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "kid",
            "sid",
            "x5t",
            "cer",
            "attributes",
            "tags",
            "policy",
            "pending",
            "preserveCertOrder"
        ]
    );
    assert_eq!(
        serde_json::to_string(&bundle["tags"]).unwrap(),
        r#"{"b":"2","a":"1"}"#
    );
    let attrs = &bundle["attributes"];
    assert_eq!(attrs["enabled"], false);
    // nbf sent with create is ignored: it is the certificate's notBefore.
    assert_eq!(attrs["nbf"], t("2026-03-01T09:50:00Z").as_secs());
    assert_eq!(attrs["exp"], t("2027-03-01T10:00:00Z").as_secs());
    assert_eq!(attrs["recoveryLevel"], "Purgeable");
    assert!(attrs.get("recoverableDays").is_none());
    assert_eq!(bundle["policy"]["attributes"]["enabled"], true);
}

fn validity_der(i: &Issued) -> (Vec<u8>, Vec<u8>) {
    let c = Certificate::from_der(&i.completed.as_ref().unwrap().certificate).unwrap();
    let v = c.tbs_certificate().validity();
    (
        v.not_before.to_der().unwrap(),
        v.not_after.to_der().unwrap(),
    )
}

#[test]
fn validity_months_clamp_and_generalized_time_from_2050() {
    let body = |m: u32| {
        format!(
            r#"{{"policy":{{"key_props":{{"kty":"EC"}},"x509_props":{{"subject":"CN=a","validity_months":{m}}},"issuer":{{"name":"Self"}}}}}}"#
        )
    };
    let i = issue(&body(1), "2027-01-31T23:30:00Z", 1);
    let (nbf, naf) = validity_der(&i);
    assert_eq!(&nbf[2..], b"270131232000Z");
    assert_eq!(&naf[2..], b"270228233000Z");
    let i = issue(&body(120), "2045-06-15T08:00:00Z", 1);
    let (nbf, naf) = validity_der(&i);
    assert_eq!(nbf[0], 0x17, "UTCTime before 2050");
    assert_eq!(naf[0], 0x18, "GeneralizedTime from 2050");
    assert_eq!(&naf[2..], b"20550615080000Z");
}

#[test]
fn rsa_4096_issues() {
    let body = r#"{"policy":{"key_props":{"kty":"RSA-HSM","key_size":4096},"x509_props":{"subject":"CN=big"},"issuer":{"name":"Self"}}}"#;
    let i = issue(body, "2026-03-01T10:00:00Z", 9);
    let der = &i.completed.as_ref().unwrap().certificate;
    let c = Certificate::from_der(der).unwrap();
    // The certificate's key is a 4096-bit RSA key with e = 65537, the issued key's public half.
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::traits::PublicKeyParts;
    let spki = c.tbs_certificate().subject_public_key_info();
    let public = rsa::PublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes()).unwrap();
    assert_eq!(public.n().as_ref().bit_width(), 4096);
    assert_eq!(&*public.e().to_be_bytes_trimmed_vartime(), &[1u8, 0, 1][..]);
    assert_eq!(
        i.key.public_key_bits().unwrap(),
        spki.subject_public_key.raw_bytes()
    );
    assert_eq!(i.key.spec(), kvcert::KeySpec::Rsa(kvcert::RsaSize::Rsa4096));
    // Its self-signature verifies under that key (sha256WithRSAEncryption), by the rsa crate.
    let tbs = der::Encode::to_der(c.tbs_certificate()).unwrap();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&tbs);
    public
        .verify(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &digest,
            c.signature().raw_bytes(),
        )
        .expect("the RSA-4096 self-signature verifies");
    let policy = serde_json::to_value(&i.completed.unwrap().bundle.policy).unwrap();
    assert_eq!(policy["key_props"]["kty"], "RSA-HSM");
    assert_eq!(policy["key_props"]["key_size"], 4096);
}

#[test]
fn managed_key_bundle() {
    // RSA default usages: the recorded 2018 key_ops; EC: sign, verify (recorded 2024).
    for (body, kty, ops) in [
        (RSA, "RSA", vec!["sign", "verify", "wrapKey", "unwrapKey"]),
        (EC, "EC", vec!["sign", "verify"]),
    ] {
        let i = issue(body, "2026-03-01T10:00:00Z", 4);
        let done = i.completed.as_ref().unwrap();
        let kb = serde_json::to_value(&done.key_bundle).unwrap();
        let keys: Vec<&String> = kb.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["key", "attributes", "managed"]);
        assert_eq!(kb["managed"], true);
        assert_eq!(kb["key"]["kty"], kty);
        assert_eq!(kb["key"]["key_ops"], serde_json::json!(ops));
        assert_eq!(
            kb["key"]["kid"],
            serde_json::to_value(&done.bundle).unwrap()["kid"]
        );
        // Attributes are the certificate's, plus hsmPlatform.
        let mut cert_attrs = serde_json::to_value(&done.bundle).unwrap()["attributes"].clone();
        cert_attrs["hsmPlatform"] = "0".into();
        assert_eq!(kb["attributes"], cert_attrs);
        // The JWK is the certificate's public key.
        let c = Certificate::from_der(&done.certificate).unwrap();
        let spk = c
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            .to_vec();
        let b64 = |v: &serde_json::Value| base64url_decode(v.as_str().unwrap());
        if kty == "RSA" {
            let key_order: Vec<&String> = kb["key"].as_object().unwrap().keys().collect();
            assert_eq!(key_order, ["kid", "kty", "key_ops", "n", "e"]);
            assert_eq!(b64(&kb["key"]["e"]), [1, 0, 1]);
            let n = b64(&kb["key"]["n"]);
            assert_eq!(n.len(), 256);
            assert!(spk.windows(n.len()).any(|w| w == n.as_slice()));
        } else {
            let key_order: Vec<&String> = kb["key"].as_object().unwrap().keys().collect();
            assert_eq!(key_order, ["kid", "kty", "key_ops", "crv", "x", "y"]);
            assert_eq!(kb["key"]["crv"], "P-256");
            let mut point = vec![4u8];
            point.extend(b64(&kb["key"]["x"]));
            point.extend(b64(&kb["key"]["y"]));
            assert_eq!(point, spk);
        }
    }
}

fn base64url_decode(s: &str) -> Vec<u8> {
    let std: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let pad = "=".repeat((4 - std.len() % 4) % 4);
    crate::support::text::base64_decode(&format!("{std}{pad}")).unwrap()
}

#[test]
fn key_operations_follow_the_key_usages() {
    use kvcert::service::secret::key_operations;
    use kvcert::x509::key_usage::{KeyUsage::*, KeyUsages};
    use kvcert::{Curve, KeySpec, RsaSize};
    let set = |l: &[kvcert::x509::key_usage::KeyUsage]| {
        let mut k = KeyUsages::EMPTY;
        l.iter().for_each(|u| k.insert(*u));
        k
    };
    let rsa = KeySpec::Rsa(RsaSize::Rsa2048);
    assert_eq!(
        key_operations(rsa, set(&[DataEncipherment])),
        ["encrypt", "decrypt"]
    );
    assert_eq!(key_operations(rsa, set(&[DecipherOnly])), ["decrypt"]);
    assert_eq!(
        key_operations(rsa, set(&[EncipherOnly, CrlSign])),
        ["encrypt", "sign", "verify"]
    );
    assert!(key_operations(rsa, set(&[KeyAgreement])).is_empty());
    assert_eq!(
        key_operations(
            KeySpec::Ec(Curve::P384),
            set(&[DigitalSignature, KeyEncipherment, DataEncipherment])
        ),
        ["sign", "verify"]
    );
}

#[test]
fn managed_secret_bundle_pkcs12_and_pem() {
    use kvcert::pkcs12::decode_pfx;
    // The service's order (JS 2025-07-01, 2026); `id` first at the 7.6 previews (fixture
    // net_ec_p384_pem_76preview1.secret.json).
    let order = ["value", "contentType", "id", "managed", "attributes", "kid"];
    let preview_order = ["id", "value", "contentType", "managed", "attributes", "kid"];
    for (body, exportable) in [
        (RSA, true),
        (EC, true),
        (
            r#"{"policy":{"key_props":{"exportable":false},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}},"tags":{"k":"v"}}"#,
            false,
        ),
    ] {
        let i = issue(body, "2026-03-01T10:00:00Z", 6);
        let done = i.completed.as_ref().unwrap();
        let s = serde_json::to_value(&done.secret).unwrap();
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        let preview = serde_json::to_value(done.secret.id_first()).unwrap();
        let preview_keys: Vec<&String> = preview.as_object().unwrap().keys().collect();
        if exportable {
            assert_eq!(keys, order);
            assert_eq!(preview_keys, preview_order);
        } else {
            assert_eq!(
                keys,
                [
                    "value",
                    "contentType",
                    "id",
                    "managed",
                    "attributes",
                    "tags",
                    "kid"
                ]
            );
        }
        let bundle = serde_json::to_value(&done.bundle).unwrap();
        assert_eq!(s["id"], bundle["sid"]);
        assert_eq!(s["kid"], bundle["kid"]);
        assert_eq!(s["attributes"], bundle["attributes"]);
        assert_eq!(s["contentType"], "application/x-pkcs12");
        assert_eq!(s["managed"], true);
        let pfx = crate::support::text::base64_decode(s["value"].as_str().unwrap()).unwrap();
        let decoded = decode_pfx(&pfx, None).unwrap();
        assert_eq!(decoded.certificates, vec![done.certificate.clone()]);
        assert_eq!(decoded.key_pkcs8.is_some(), exportable);
        // The secret never shows in Debug.
        let dbg = format!("{:?}", done.secret);
        assert!(dbg.contains("<elided>") && !dbg.contains(&s["value"].as_str().unwrap()[..40]));
    }
    // PEM: key block then certificate block; only the certificate when not exportable.
    let pem_body = r#"{"policy":{"secret_props":{"contentType":"application/x-pem-file"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
    let i = issue(pem_body, "2026-03-01T10:00:00Z", 7);
    let v = i.completed.as_ref().unwrap().secret.value.clone().unwrap();
    assert!(v.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(v.contains("-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n"));
    let no_key = pem_body.replace(
        r#""x509_props""#,
        r#""key_props":{"exportable":false},"x509_props""#,
    );
    let i = issue(&no_key, "2026-03-01T10:00:00Z", 7);
    let v = i.completed.as_ref().unwrap().secret.value.clone().unwrap();
    assert!(v.starts_with("-----BEGIN CERTIFICATE-----\n") && !v.contains("PRIVATE"));
}
