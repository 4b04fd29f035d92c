//! Emulated CA issuers: a create naming a registered DigiCert, GlobalSign or OneCert issuer is
//! signed by kvcert's hierarchy for that provider; OpenSSL and Python `cryptography` verify
//! every chain against the root the vault hands out.

use crate::support;

use std::process::Command;

use kvcert::pkcs12::decode_pfx;
use kvcert::rand_core::SeedableRng;
use kvcert::{ChaCha20Rng, IssuanceDelays, Response, UnixTime, Vault, VaultState};
use serde_json::{Value, json};
use support::engine::Client;
use support::{TempDir, Tool};

/// What these tests do through a client, beyond a call.
trait CaClient {
    fn issuer(&mut self, name: &str, provider: &str);
    fn create(&mut self, name: &str, issuer: &str, cty: Option<&str>, kty: &str) -> Response;
    fn chain(&mut self, name: &str) -> Vec<Vec<u8>>;
}

fn client(ca_delay: u64) -> Client {
    let mut delays = IssuanceDelays::default();
    delays.ca_signed = ca_delay;
    Client::new(Vault::new("https://ca.vault.azure.net"), delays, 11)
}

impl CaClient for Client {
    fn issuer(&mut self, name: &str, provider: &str) {
        let body = json!({"provider": provider, "credentials": {"account_id": "a", "pwd": "p"}, "org_details": {"id": "org"}});
        assert_eq!(
            self.call(
                "PUT",
                &format!("/certificates/issuers/{name}"),
                &body.to_string()
            )
            .status,
            200
        );
    }

    fn create(&mut self, name: &str, issuer: &str, cty: Option<&str>, kty: &str) -> Response {
        let mut issuer_params = json!({"name": issuer});
        if let Some(c) = cty {
            issuer_params["cty"] = json!(c);
        }
        let key = if kty == "EC" {
            json!({"kty": "EC", "crv": "P-256"})
        } else {
            json!({"kty": "RSA", "key_size": 2048})
        };
        let body = json!({"policy": {"key_props": key, "x509_props": {"subject": format!("CN={name}.example.com"),
            "sans": {"dns_names": [format!("{name}.example.com")]}}, "issuer": issuer_params}});
        self.call(
            "POST",
            &format!("/certificates/{name}/create"),
            &body.to_string(),
        )
    }

    /// The secret's chain (DER, stored order).
    fn chain(&mut self, name: &str) -> Vec<Vec<u8>> {
        let secret = self
            .call("GET", &format!("/secrets/{name}"), "")
            .body_json();
        assert!(secret["value"].is_string(), "{name}: {secret}");
        let pfx = crate::support::text::base64_decode(secret["value"].as_str().unwrap()).unwrap();
        decode_pfx(&pfx, None).unwrap().certificates
    }
}

fn run(dir: &TempDir, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const PY_VERIFY: &str = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store
root = x509.load_pem_x509_certificates(open(sys.argv[1], 'rb').read())
leaf = x509.load_der_x509_certificate(open(sys.argv[2], 'rb').read())
inter = x509.load_der_x509_certificate(open(sys.argv[3], 'rb').read())
when = datetime.datetime.fromtimestamp(int(sys.argv[5]), datetime.timezone.utc)
verifier = PolicyBuilder().store(Store(root)).time(when).build_server_verifier(x509.DNSName(sys.argv[4]))
chain = verifier.verify(leaf, [inter])
print(len(chain))
"#;

#[test]
fn every_emulated_provider_issues_chains_openssl_and_cryptography_verify() {
    let mut c = client(0);
    let dir = TempDir::new("engine-ca");
    let providers = [
        "DigiCert",
        "GlobalSign",
        "OneCertV2-PublicCA",
        "OneCertV2-PrivateCA",
    ];
    for (i, provider) in providers.iter().enumerate() {
        c.issuer(&format!("issuer{i}"), provider);
    }
    let cases = [
        ("web0", 0, None, "EC", "2.23.140.1.2.1"),
        ("web1", 1, Some("OV-SSL"), "RSA", "2.23.140.1.2.2"),
        ("web2", 2, Some("EV-SSL"), "EC", "2.23.140.1.1"),
        ("web3", 3, None, "EC", "2.23.140.1.2.1"),
    ];
    for (name, issuer, cty, kty, policy) in cases {
        let created = c.create(name, &format!("issuer{issuer}"), cty, kty);
        assert_eq!(created.status, 202);
        assert_eq!(
            created.body_json()["status_details"],
            "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later."
        );
        let op = c
            .call("GET", &format!("/certificates/{name}/pending"), "")
            .body_json();
        assert_eq!(op["status"], "completed", "{name}: {op}");
        let chain = c.chain(name);
        assert_eq!(chain.len(), 2, "{name}: leaf and intermediate");
        let bundle = c
            .call("GET", &format!("/certificates/{name}"), "")
            .body_json();
        assert_eq!(
            crate::support::text::base64_decode(bundle["cer"].as_str().unwrap()).unwrap(),
            chain[0]
        );

        if !support::tool(Tool::OpenSsl, file!()) {
            continue;
        }
        dir.write("roots.pem", c.state.emulated_ca_roots_pem());
        dir.write(&format!("{name}.der"), &chain[0]);
        dir.write(&format!("{name}.inter.der"), &chain[1]);
        run(
            &dir,
            "openssl",
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
        run(
            &dir,
            "openssl",
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.inter.der"),
                "-out",
                &format!("{name}.inter.pem"),
            ],
        );
        let verified = run(
            &dir,
            "openssl",
            &[
                "verify",
                "-CAfile",
                "roots.pem",
                "-untrusted",
                &format!("{name}.inter.pem"),
                "-purpose",
                "sslserver",
                "-attime",
                &c.now.as_secs().to_string(),
                &format!("{name}.pem"),
            ],
        );
        assert!(verified.trim_end().ends_with(": OK"), "{verified}");
        let text = run(
            &dir,
            "openssl",
            &["x509", "-in", &format!("{name}.pem"), "-noout", "-text"],
        );
        assert!(
            text.contains(&format!("Policy: {policy}")),
            "{name}: {text}"
        );
        assert!(
            text.contains(&format!(
                "CN = kvcert Emulated {} Issuing CA",
                providers[issuer]
            )),
            "{text}"
        );
        let inter_text = run(
            &dir,
            "openssl",
            &[
                "x509",
                "-in",
                &format!("{name}.inter.pem"),
                "-noout",
                "-text",
            ],
        );
        assert!(inter_text.contains("CA:TRUE, pathlen:0"), "{inter_text}");

        if support::tool(Tool::PythonCryptography, file!()) {
            dir.write("verify.py", PY_VERIFY);
            let out = run(
                &dir,
                "python3",
                &[
                    "verify.py",
                    "roots.pem",
                    &format!("{name}.der"),
                    &format!("{name}.inter.der"),
                    &format!("{name}.example.com"),
                    &(c.now.as_secs() + 60).to_string(),
                ],
            );
            assert_eq!(out.trim(), "3", "leaf, intermediate, root");
        }
    }
    // One root per provider, made once.
    assert_eq!(
        c.state
            .emulated_ca_roots_pem()
            .matches("BEGIN CERTIFICATE")
            .count(),
        4
    );
}

#[test]
fn issuance_takes_the_configured_delay_and_survives_a_restore() {
    let mut c = client(20);
    c.issuer("dc", "DigiCert");
    c.create("slow", "dc", None, "EC");
    c.now = UnixTime::from_unix_seconds(c.now.as_secs() + 19).unwrap();
    let op = c.call("GET", "/certificates/slow/pending", "");
    assert_eq!(op.body_json()["status"], "inProgress");
    assert_eq!(op.header("Retry-After"), Some("10"));
    // Merge is forbidden while the issuer works (documented text).
    let merge = c.call(
        "POST",
        "/certificates/slow/pending/merge",
        r#"{"x5c":["AAAA"]}"#,
    );
    assert_eq!(merge.status, 403);
    c.now = UnixTime::from_unix_seconds(c.now.as_secs() + 1).unwrap();
    assert_eq!(
        c.call("GET", "/certificates/slow/pending", "").body_json()["status"],
        "completed"
    );
    let intermediate = c.chain("slow")[1].clone();

    // Saved and restored, the vault keeps its CA: a new certificate has the same intermediate.
    let mut restored = client(0);
    restored.state = VaultState::from_json(&c.state.to_json().unwrap()).unwrap();
    restored.now = c.now;
    restored.create("again", "dc", None, "EC");
    // The delays are part of the saved vault.
    restored.now = UnixTime::from_unix_seconds(restored.now.as_secs() + 20).unwrap();
    assert_eq!(restored.chain("again")[1], intermediate);
    assert_eq!(
        restored.state.emulated_ca_roots_pem(),
        c.state.emulated_ca_roots_pem()
    );
}

#[test]
fn unknown_and_unemulated_issuers() {
    let mut c = client(0);
    // Never registered: failed, the recorded failed shape (no status_details, no target).
    c.create("nobody", "missing-issuer", None, "EC");
    let op = c
        .call("GET", "/certificates/nobody/pending", "")
        .body_json();
    assert_eq!(op["status"], "failed");
    assert_eq!(
        op["error"],
        json!({"code": "Certificate issuer error", "message": "Issuer not found"})
    );
    let keys: Vec<&String> = op.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "issuer",
            "csr",
            "cancellation_requested",
            "status",
            "status_details",
            "error",
            "request_id"
        ]
    );
    // Recorded at 7.4-preview.1 to 7.6-preview.1: the in-progress text is kept.
    assert_eq!(
        op["status_details"],
        "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later."
    );
    // Recorded at 7.0 (2020): without `status_details`.
    c.api_version = Some("7.0");
    let old = c
        .call("GET", "/certificates/nobody/pending", "")
        .body_json();
    assert_eq!(old["status"], "failed");
    assert!(old.get("status_details").is_none(), "{old}");
    c.api_version = Some("7.6");
    // Nothing was issued: the object the create made, disabled.
    let unissued = c.call("GET", "/certificates/nobody", "");
    assert_eq!(unissued.status, 200);
    assert_eq!(unissued.body_json()["attributes"]["enabled"], false);
    // A failed request takes a merge (documented): a foreign certificate is still refused by key.
    let foreign = {
        c.issuer("dc", "DigiCert");
        c.create("other", "dc", None, "EC");
        c.call("GET", "/certificates/other", "").body_json()["cer"].clone()
    };
    let merge = c.call(
        "POST",
        "/certificates/nobody/pending/merge",
        &json!({"x5c": [foreign]}).to_string(),
    );
    assert_eq!(merge.status, 400, "allowed, but the key must match");
    // A provider kvcert does not emulate: in progress, as recorded for the SDKs' `Test` issuer.
    c.issuer("test", "Test");
    c.create("t", "test", None, "EC");
    c.now = UnixTime::from_unix_seconds(c.now.as_secs() + 3600).unwrap();
    let op: Value = c.call("GET", "/certificates/t/pending", "").body_json();
    assert_eq!(op["status"], "inProgress");
}

#[test]
fn a_caller_supplied_hierarchy_signs_the_leaves() {
    use kvcert::x509::ca::CertificateAuthority;
    use kvcert::{Curve, KeyPair, KeySpec};
    let mut c = client(0);
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let key = |rng: &mut ChaCha20Rng| KeyPair::generate(KeySpec::Ec(Curve::P256), rng).unwrap();
    let root = CertificateAuthority::root(
        &"CN=Test Root, O=Tests".parse().unwrap(),
        key(&mut rng),
        c.now,
        120,
        &mut rng,
    )
    .unwrap();
    let issuing = root
        .intermediate(
            &"CN=Test Issuing, O=Tests".parse().unwrap(),
            key(&mut rng),
            c.now,
            60,
            &mut rng,
        )
        .unwrap();
    let issuing_key = KeyPair::from_pkcs8_der(&issuing.key().to_pkcs8_der().unwrap()).unwrap();
    // A key that is not the intermediate's is refused.
    assert!(
        c.state
            .set_emulated_ca(
                "GlobalSign",
                root.certificate(),
                issuing.certificate(),
                key(&mut rng)
            )
            .is_err()
    );
    assert!(
        c.state
            .set_emulated_ca(
                "NoSuchCA",
                root.certificate(),
                issuing.certificate(),
                key(&mut rng)
            )
            .is_err()
    );
    c.state
        .set_emulated_ca(
            "GlobalSign",
            root.certificate(),
            issuing.certificate(),
            issuing_key,
        )
        .unwrap();
    c.issuer("gs", "GlobalSign");
    assert_eq!(c.create("mine", "gs", None, "EC").status, 202);
    let chain = c.chain("mine");
    assert_eq!(chain[1], issuing.certificate(), "the caller's intermediate");
    assert_eq!(
        c.state.emulated_ca_roots_pem(),
        crate::support::text::pem("CERTIFICATE", root.certificate())
    );
}

#[test]
fn a_ca_signs_openssl_requests_and_refuses_a_forged_one() {
    use kvcert::x509::ca::CertificateAuthority;
    use kvcert::{Curve, KeyPair, KeySpec};
    if !support::tool(Tool::OpenSsl, file!()) {
        return;
    }
    let dir = TempDir::new("sign-request");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let now = UnixTime::from_unix_seconds(1_767_225_600).unwrap();
    let root = CertificateAuthority::root(
        &"CN=Request Root".parse().unwrap(),
        KeyPair::generate(KeySpec::Ec(Curve::P384), &mut rng).unwrap(),
        now,
        120,
        &mut rng,
    )
    .unwrap();
    dir.write(
        "root.pem",
        crate::support::text::pem("CERTIFICATE", root.certificate()),
    );
    for (label, newkey) in [("rsa", "rsa:2048"), ("ec", "ec")] {
        let mut args = vec![
            "req", "-new", "-nodes", "-keyout", "k.pem", "-outform", "DER",
        ];
        args.extend(["-out", "req.der", "-subj", "/CN=openssl.example"]);
        args.extend(["-addext", "subjectAltName=DNS:openssl.example"]);
        args.extend(["-addext", "extendedKeyUsage=serverAuth"]);
        if newkey == "ec" {
            run(
                &dir,
                "openssl",
                &["ecparam", "-name", "prime256v1", "-out", "p.pem"],
            );
            args.extend(["-newkey", "ec:p.pem"]);
        } else {
            args.extend(["-newkey", newkey]);
        }
        run(&dir, "openssl", &args);
        let csr = std::fs::read(dir.path().join("req.der")).unwrap();
        let (leaf, _, _) = root.sign_request(&csr, now, 12, &mut rng).unwrap();
        dir.write("leaf.der", &leaf);
        run(
            &dir,
            "openssl",
            &[
                "x509", "-inform", "DER", "-in", "leaf.der", "-out", "leaf.pem",
            ],
        );
        let text = run(
            &dir,
            "openssl",
            &["x509", "-in", "leaf.pem", "-noout", "-text"],
        );
        assert!(
            text.contains("DNS:openssl.example"),
            "{label}: the SAN is copied\n{text}"
        );
        assert!(
            text.contains("TLS Web Server Authentication"),
            "{label}: the EKU is copied"
        );
        assert!(text.contains("CA:FALSE"), "{label}");
        let at = format!("{}", now.as_secs() + 3600);
        let out = run(
            &dir,
            "openssl",
            &["verify", "-attime", &at, "-CAfile", "root.pem", "leaf.pem"],
        );
        assert!(out.contains("leaf.pem: OK"), "{label}: {out}");
        // The same request with one byte of the subject changed: its signature fails.
        let mut forged = csr.clone();
        let i = forged.windows(7).position(|w| w == b"openssl").unwrap();
        forged[i] = b'O';
        let err = root.sign_request(&forged, now, 12, &mut rng).unwrap_err();
        assert!(
            matches!(err, kvcert::x509::Error::InvalidCertificateRequest { .. }),
            "{label}: {err}"
        );
        // The service answers it with a 400.
        assert_eq!(kvcert::Error::from(err).status(), 400, "{label}");
    }
}

#[test]
fn every_root_can_be_made_before_the_first_issuance() {
    let mut c = client(0);
    assert_eq!(c.state.emulated_ca_roots_pem(), "", "made at first use");
    let now = c.now;
    c.state.make_emulated_cas(now, &mut c.rng).unwrap();
    let roots = c.state.emulated_ca_roots_pem();
    assert_eq!(roots.matches("BEGIN CERTIFICATE").count(), 4);
    // The issuance uses the root made in advance, and making them again changes nothing.
    c.issuer("dc", "DigiCert");
    assert_eq!(c.create("early", "dc", None, "EC").status, 202);
    let chain = c.chain("early");
    let root_pems = roots.clone();
    c.state.make_emulated_cas(now, &mut c.rng).unwrap();
    assert_eq!(c.state.emulated_ca_roots_pem(), root_pems);
    let intermediate =
        <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&chain[1]).unwrap();
    let issuer = intermediate.tbs_certificate().issuer().to_string();
    assert!(issuer.contains("DigiCert Root CA"), "{issuer}");
}

/// `outContentType=application/x-pem-file` (2025-07-01): a certificate's PKCS#12 secret comes
/// back as the PEM a PEM certificate holds: the key, then the leaf and its intermediate, in
/// the PFX's order, with `contentType` PEM; the other conversions are refused with the
/// recorded pattern, and versions before 2025-06-01-preview ignore the parameter.
#[test]
fn a_certificates_pkcs12_secret_is_converted_to_pem() {
    let mut c = client(0);
    c.issuer("dc", "DigiCert");
    assert_eq!(c.create("conv", "dc", None, "RSA").status, 202);
    let chain = c.chain("conv");
    assert_eq!(chain.len(), 2, "leaf and intermediate");
    let pfx = c.call("GET", "/secrets/conv", "").body_json();

    let pem_query = "outContentType=application%2Fx-pem-file";
    c.api_version = Some("2025-07-01");
    let converted = c.call("GET", &format!("/secrets/conv?{pem_query}"), "");
    assert_eq!(converted.status, 200);
    let converted = converted.body_json();
    assert_eq!(converted["contentType"], "application/x-pem-file");
    for member in ["id", "managed", "attributes", "kid"] {
        assert_eq!(converted[member], pfx[member], "{member}");
    }
    let value = converted["value"].as_str().unwrap();
    let labels: Vec<&str> = value
        .lines()
        .filter(|l| l.starts_with("-----BEGIN "))
        .collect();
    assert_eq!(
        labels,
        [
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----"
        ]
    );
    let expected_certificates: String = chain
        .iter()
        .map(|der| crate::support::text::pem("CERTIFICATE", der))
        .collect();
    assert!(value.ends_with(&expected_certificates), "{value}");
    let key = kvcert::KeyPair::from_pkcs8_pem(value).unwrap();
    let key_bundle = c.call("GET", "/keys/conv", "").body_json();
    let n = crate::support::text::base64url_decode(key_bundle["key"]["n"].as_str().unwrap());
    let kvcert::key::JwkParts::Rsa { n: own, .. } = key.jwk_parts().unwrap() else {
        panic!("an RSA key")
    };
    assert_eq!(Some(own), n, "the certificate's own key");

    // The same version by id; a case-insensitive media type.
    let version = pfx["id"].as_str().unwrap().rsplit('/').next().unwrap();
    let by_version = c
        .call(
            "GET",
            &format!("/secrets/conv/{version}?outContentType=Application/X-PEM-File"),
            "",
        )
        .body_json();
    assert_eq!(by_version["value"], converted["value"]);

    // Before 2025-06-01-preview the parameter is not there.
    c.api_version = Some("7.6");
    assert_eq!(
        c.call("GET", &format!("/secrets/conv?{pem_query}"), "")
            .body_json(),
        pfx
    );

    // The refusals: the recorded pattern.
    c.api_version = Some("2025-07-01");
    let refused = |c: &mut Client, path: &str| {
        let answer = c.call("GET", path, "");
        assert_eq!(answer.status, 400, "{path}");
        let body = answer.body_json();
        assert_eq!(body["error"]["code"], "BadParameter");
        body["error"]["message"].as_str().unwrap().to_owned()
    };
    let only = "transformation is not supported. Only PFX to PEM transformation is supported.";
    assert_eq!(
        refused(&mut c, "/secrets/conv?outContentType=application/x-pkcs12"),
        format!("The 'PFX' to 'PFX' {only}")
    );
    assert_eq!(
        refused(&mut c, "/secrets/conv?outContentType=text/plain"),
        format!("The 'PFX' to 'Unsupported' {only}")
    );
    let plain = json!({"value": "x", "contentType": "application/x-pkcs12"}).to_string();
    assert_eq!(c.call("PUT", "/secrets/plain", &plain).status, 200);
    assert_eq!(
        refused(&mut c, &format!("/secrets/plain?{pem_query}")),
        format!("The 'Unsupported' to 'PEM' {only}")
    );
    assert_eq!(
        refused(&mut c, "/secrets/plain?outContentType=application/x-pkcs12"),
        format!("The 'Unsupported' to 'PFX' {only}")
    );
}
