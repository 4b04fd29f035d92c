//! pkilint's RFC 5280 linter (`lint_pkix_cert lint`) over the service's recorded certificates
//! and over certificates kvcert issues. Every finding of severity NOTICE or higher (FATAL,
//! ERROR, WARNING, NOTICE; not INFO or DEBUG) is asserted, per certificate, and each expected
//! finding says why it is expected.
//!
//! Written against pkilint 0.13.3. Without `python3` and pkilint 0.13 on PATH, the linting is
//! skipped and `cargo test` prints a `SKIPPED` line with the command that installs it; with
//! `KVCERT_REQUIRE_INTEROP=1` (as `.ci/run` sets it) the tests fail instead (see
//! `tests/it/support/tools.rs`). All certificates go through one `python3` process (about 0.5 s
//! of imports, then ~20 ms a certificate), which calls the CLI's own
//! `main(["lint", "-f", "JSON", "-s", "NOTICE", file])` for each one: the findings are exactly
//! what `lint_pkix_cert lint -s NOTICE file.der` prints.
//!
//! What pkilint 0.13.3 (with `validators` 0.22, which it pins) says, in short:
//!
//! * The service's 7 certificates in `tests/data/keyvault/`: two findings each on the two whose
//!   policies ask for keyCertSign and keyAgreement on an RSA key, nothing on the other five.
//!   None of them has an empty subject or a P-256K key, so those parts of the service's
//!   behaviour (`docs/service-behaviour.md` §4: empty Name as subject and issuer; explicit
//!   ECParameters for P-256K) are not linted here on the service's own output.
//! * kvcert's replay of each recorded request has exactly the service's findings: same codes,
//!   node paths and messages.
//! * `pkix.invalid_uri_syntax` is pkilint's URI check, `validators.url`, which accepts only the
//!   schemes ftp, ftps, git, http, https, rtsp, sftp, ssh and telnet: `spiffe://…` (and `urn:`,
//!   `mailto:`) fail, `https://contoso.com/api` in the same certificate passes.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use der::Decode;
use kvcert::{UnixTime, Vault, create_from_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{Value, json};
use x509_cert::Certificate;

use support::Tool;

const SUITE: &str = "tests/it/pkilint.rs";

/// Whether pkilint can run (else the caller returns: see `support::tool`).
#[track_caller]
fn pkilint() -> bool {
    support::tool(Tool::Pkilint, SUITE)
}

// ---------------------------------------------------------------------------------------------
// pkilint
// ---------------------------------------------------------------------------------------------

/// Reads `[[label, base64 DER], …]` on stdin; prints `{version, reports: {label: {rc, stderr,
/// results}}}`, `results` being the CLI's JSON report (null when the file did not load).
const LINT: &str = r#"
import base64, contextlib, io, json, os, sys, tempfile
from importlib.metadata import version
from pkilint.bin import lint_pkix_cert
reports = {}
with tempfile.TemporaryDirectory() as d:
    for i, (label, b64) in enumerate(json.load(sys.stdin)):
        path = os.path.join(d, f"{i}.der")
        with open(path, "wb") as f:
            f.write(base64.b64decode(b64))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = lint_pkix_cert.main(["lint", "-f", "JSON", "-s", "NOTICE", path])
        text = out.getvalue().strip()
        reports[label] = {"rc": rc, "stderr": err.getvalue(),
                          "results": json.loads(text)["results"] if text else None}
print(json.dumps({"version": version("pkilint"), "reports": reports}))
"#;

const INSTALL: &str = "install it with `python3 -m pip install pkilint` (the expected findings \
     are pkilint 0.13.3's, the version .ci/run installs: `python3 -m pip install pkilint==0.13.3`)";

/// One finding as the CLI reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    code: String,
    message: String,
    severity: String,
    node_path: String,
}

impl Finding {
    /// `code` or `code: message`, what the expectations below are written against.
    fn short(&self) -> String {
        if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        }
    }
}

/// label → (DER, the certificate's findings, sorted).
type Linted = BTreeMap<String, (Vec<u8>, Vec<Finding>)>;

/// Lints what `certs` makes; python3 starts first, so its imports overlap the issuance.
fn lint_all(certs: impl FnOnce() -> Vec<(String, Vec<u8>)>) -> Linted {
    let mut child = Command::new("python3")
        .args(["-c", LINT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `python3` ({e}): pkilint needs it; {INSTALL}"));
    let certs = certs();
    let input: Vec<Value> = certs
        .iter()
        .map(|(l, der)| json!([l, crate::support::text::base64(der)]))
        .collect();
    // A python3 that died early (no pkilint) closes the pipe: its stderr says why, below.
    let _ = serde_json::to_writer(child.stdin.take().unwrap(), &input);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("No module named 'pkilint"),
        "pkilint is not installed: {INSTALL}\n{err}"
    );
    assert!(o.status.success(), "the pkilint script failed:\n{err}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let version = v["version"].as_str().unwrap();
    assert!(
        version.starts_with("0.13."),
        "pkilint {version} is installed; {INSTALL}"
    );
    let mut linted = Linted::new();
    for (label, der) in certs {
        let r = &v["reports"][&label];
        let mut list = Vec::new();
        if r["results"].is_null() {
            list.push(Finding {
                code: "load_failed".into(),
                message: r["stderr"].as_str().unwrap().trim().into(),
                severity: "FATAL".into(),
                node_path: String::new(),
            });
        }
        for res in r["results"].as_array().into_iter().flatten() {
            for f in res["finding_descriptions"].as_array().unwrap() {
                list.push(Finding {
                    code: f["code"].as_str().unwrap().into(),
                    message: f["message"].as_str().unwrap_or("").into(),
                    severity: f["severity"].as_str().unwrap().into(),
                    node_path: res["node_path"].as_str().unwrap().into(),
                });
            }
        }
        // The CLI's exit code: 1 when the file does not load, else the number of findings.
        let rc = if r["results"].is_null() {
            1
        } else {
            list.len().min(255)
        };
        assert_eq!(r["rc"].as_u64(), Some(rc as u64), "{label}: exit code");
        list.sort();
        linted.insert(label, (der, list));
    }
    linted
}

/// The findings, and how to reproduce them, for a failure message.
fn explain(label: &str, (der, findings): &(Vec<u8>, Vec<Finding>)) -> String {
    let mut lines: String = findings
        .iter()
        .map(|f| {
            format!(
                "\n  {} {} @ {}: {}",
                f.severity, f.code, f.node_path, f.message
            )
        })
        .collect();
    if lines.is_empty() {
        lines = " no findings at NOTICE or above".into();
    }
    format!(
        "{label}:{lines}\n  reproduce: echo {} | base64 -d > c.der && lint_pkix_cert lint c.der",
        crate::support::text::base64(der)
    )
}

/// Asserts a certificate's findings, each expected as `code` (a finding without message) or as
/// `code: message` or a prefix of it.
fn assert_findings(label: &str, expected: &[&str]) {
    let entry = &linted()[label];
    let mut got: Vec<String> = entry.1.iter().map(Finding::short).collect();
    let mut want = expected.to_vec();
    got.sort();
    want.sort();
    let ok = got.len() == want.len()
        && (got.iter().zip(&want)).all(|(g, w)| g == w || (w.contains(": ") && g.starts_with(w)));
    assert!(ok, "expected {want:#?}\n{}", explain(label, entry));
}

// ---------------------------------------------------------------------------------------------
// The certificates: the service's, kvcert's replays of them, kvcert's sample
// ---------------------------------------------------------------------------------------------

fn fixture(file: &str) -> Option<Vec<u8>> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "keyvault"]
        .iter()
        .collect();
    std::fs::read(dir.join(file)).ok()
}

/// Prefixes of every `*.cer.b64`, the certificates the service issued, sorted.
fn service_prefixes() -> Vec<String> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "keyvault"]
        .iter()
        .collect();
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let f = e.unwrap().file_name().into_string().unwrap();
            f.strip_suffix(".cer.b64").map(str::to_owned)
        })
        .collect();
    v.sort();
    v
}

fn service_cert(prefix: &str) -> Vec<u8> {
    let b64 = String::from_utf8(fixture(&format!("{prefix}.cer.b64")).unwrap()).unwrap();
    crate::support::text::base64_decode(b64.trim()).unwrap()
}

/// kvcert's certificate for a fixture's recorded request body, issued as
/// `tests/it/service_fixtures.rs` does: the 202's vault and name, now = service notBefore + 600 s.
/// `None` without a recorded (`create_request`) or rebuilt (`reconstructed_request`) body.
fn replay(prefix: &str) -> Option<Vec<u8>> {
    let body = fixture(&format!("{prefix}.create_request.json"))
        .or_else(|| fixture(&format!("{prefix}.reconstructed_request.json")))?;
    let op: Value =
        serde_json::from_slice(&fixture(&format!("{prefix}.create_response_202.json"))?).unwrap();
    let id = op["id"].as_str().unwrap().strip_suffix("/pending").unwrap();
    let (vault, name) = id.rsplit_once("/certificates/").unwrap();
    let cert = Certificate::from_der(&service_cert(prefix)).unwrap();
    let nbf = cert.tbs_certificate().validity().not_before;
    let now = UnixTime::from_unix_seconds(nbf.to_unix_duration().as_secs() + 600).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(0x6b76);
    let issued = create_from_json(name, &body, &Vault::new(vault), now, &mut rng)
        .unwrap_or_else(|e| panic!("{prefix}: {e}"));
    Some(issued.completed.unwrap().certificate)
}

/// kvcert's sample: label and `x509_props` (+ `key_props`) of an issuer-Self policy.
const SAMPLE: &[(&str, &str)] = &[
    (
        "rsa2048_default",
        r#""x509_props":{"subject":"CN=rsa.contoso.com"}"#,
    ),
    (
        "ec_p256",
        r#""key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=ec"}"#,
    ),
    (
        "ec_p384",
        r#""key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=ec"}"#,
    ),
    (
        "ec_p521",
        r#""key_props":{"kty":"EC","crv":"P-521"},"x509_props":{"subject":"CN=ec"}"#,
    ),
    (
        "ec_p256k",
        r#""key_props":{"kty":"EC","crv":"P-256K"},"x509_props":{"subject":"CN=ec"}"#,
    ),
    (
        "sans_all_kinds_no_subject",
        r#""x509_props":{"sans":{"dns_names":["api.contoso.com","*.api.contoso.com"],
            "emails":["ops@contoso.com"],"upns":["svc-api@contoso.com"],
            "ipAddresses":["10.0.0.1","2001:db8::1"],
            "uris":["https://contoso.com/api","spiffe://contoso.com/api"]}}"#,
    ),
    (
        "subject_6_rdns",
        r#""x509_props":{"subject":"C=US, ST=WA, L=Redmond, O=Contoso, OU=Web, CN=www.contoso.com"}"#,
    ),
    (
        "key_usage_all_nine",
        r#""x509_props":{"subject":"CN=ku","key_usage":["digitalSignature","nonRepudiation",
            "keyEncipherment","dataEncipherment","keyAgreement","keyCertSign","cRLSign",
            "encipherOnly","decipherOnly"]}"#,
    ),
    (
        "ekus_empty",
        r#""x509_props":{"subject":"CN=noeku","ekus":[]}"#,
    ),
    (
        "subject_email_and_san_email",
        r#""x509_props":{"subject":"CN=mail.contoso.com, E=admin@contoso.com",
            "sans":{"emails":["admin@contoso.com"]}}"#,
    ),
    (
        "validity_past_2050",
        r#""x509_props":{"subject":"CN=long","validity_months":1200}"#,
    ),
];

fn sample_cert(props: &str, seed: u64) -> Vec<u8> {
    let body = format!(r#"{{"policy":{{{props},"issuer":{{"name":"Self"}}}}}}"#);
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    let vault = Vault::new("https://myvault.vault.azure.net");
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let issued = create_from_json("pkilint", body.as_bytes(), &vault, now, &mut rng)
        .unwrap_or_else(|e| panic!("{body}: {e}"));
    issued.completed.unwrap().certificate
}

/// Everything, linted once in one python3 process and shared by the tests. Labels:
/// `service/<prefix>`, `kvcert/<prefix>` (replays), `sample/<label>`.
fn linted() -> &'static Linted {
    static ALL: OnceLock<Linted> = OnceLock::new();
    ALL.get_or_init(|| {
        lint_all(|| {
            let mut certs = Vec::new();
            for p in service_prefixes() {
                certs.push((format!("service/{p}"), service_cert(&p)));
                if let Some(der) = replay(&p) {
                    certs.push((format!("kvcert/{p}"), der));
                }
            }
            for (i, (label, props)) in SAMPLE.iter().enumerate() {
                certs.push((format!("sample/{label}"), sample_cert(props, i as u64)));
            }
            certs
        })
    })
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// keyCertSign in a certificate without BasicConstraints cA (RFC 5280 §4.2.1.3: "If the
/// keyCertSign bit is asserted, then the cA bit in the basic constraints extension MUST also
/// be asserted"): the policy asks for keyCertSign; the service writes cA FALSE regardless.
const KEYCERTSIGN_ON_EE: &str = "pkix.ee_certificate_keycertsign_keyusage_set";
/// keyAgreement on an RSA key (RFC 4055 §1.2 allows every bit but keyAgreement): the policy
/// asks for keyAgreement on RSA. pkilint lists only keyAgreement (encipherOnly and
/// decipherOnly are allowed for RSA).
const KEYAGREEMENT_ON_RSA: &str =
    "pkix.key_usage_value_prohibited_for_rsa: Prohibited key usage value(s) present: keyAgreement";

/// The service's own certificates. A new `.cer.b64` fixture must be triaged here.
#[test]
fn service_certificates_show_only_what_their_policies_ask_for() {
    let expected: &[(&str, &[&str])] = &[
        // key_usage asks for keyAgreement and keyCertSign on RSA-2048.
        (
            "cli_rsa2048_multirdn_60months_70",
            &[KEYCERTSIGN_ON_EE, KEYAGREEMENT_ON_RSA],
        ),
        ("cpp_rsa2048_sdkdefaults_getpolicy_73", &[]),
        ("go_rsa2048_minimal_lowercase_self_73", &[]),
        ("javaold_rsa2048_minimal_pem_70", &[]),
        ("net_ec_p384_pem_76preview1", &[]),
        // key_usage asks for keyAgreement and keyCertSign (and cRLSign, not flagged) on RSA.
        (
            "net_rsa2048_6keyusages_keycertsign_76preview1",
            &[KEYCERTSIGN_ON_EE, KEYAGREEMENT_ON_RSA],
        ),
        // decipherOnly without keyAgreement (RFC 5280: meaning undefined) is not flagged.
        ("py_rsa2048_decipherOnly_san_73", &[]),
    ];
    let names: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
    assert_eq!(service_prefixes(), names, "the .cer.b64 fixtures changed");
    if !pkilint() {
        return;
    }
    for (prefix, codes) in expected {
        assert_findings(&format!("service/{prefix}"), codes);
    }
}

/// kvcert, given the request the service was given, has exactly the service's findings (code,
/// severity, node path and message): none more, none fewer.
#[test]
fn kvcert_replays_have_exactly_the_services_findings() {
    if !pkilint() {
        return;
    }
    let all = linted();
    let mut replayed = Vec::new();
    for p in service_prefixes() {
        let Some(ours) = all.get(&format!("kvcert/{p}")) else {
            continue;
        };
        let theirs = &all[&format!("service/{p}")];
        assert!(
            ours.1 == theirs.1,
            "kvcert's findings differ from the service's\n{}\n{}",
            explain(&format!("kvcert/{p}"), ours),
            explain(&format!("service/{p}"), theirs)
        );
        replayed.push(p);
    }
    // Recorded bodies (create_request.json), then the two rebuilt ones (reconstructed_request).
    assert_eq!(
        replayed,
        [
            "cli_rsa2048_multirdn_60months_70",
            "cpp_rsa2048_sdkdefaults_getpolicy_73",
            "go_rsa2048_minimal_lowercase_self_73",
            "javaold_rsa2048_minimal_pem_70",
            "net_ec_p384_pem_76preview1",
            "net_rsa2048_6keyusages_keycertsign_76preview1",
            "py_rsa2048_decipherOnly_san_73",
        ]
    );
}

#[test]
fn kvcert_sample_has_only_the_findings_its_policies_ask_for() {
    let expected: &[(&str, &[&str])] = &[
        // The service's default policy (go_rsa2048_minimal_lowercase_self_73): nothing.
        ("rsa2048_default", &[]),
        ("ec_p256", &[]),
        ("ec_p384", &[]), // as the service's net_ec_p384_pem_76preview1
        ("ec_p521", &[]),
        // The policy asks for P-256K, which the service writes with explicit ECParameters
        // (docs/service-behaviour.md §4; no service P-256K certificate is in tests/data). RFC 5480
        // §2.1.1 forbids specifiedCurve in PKIX, and pkilint's ECParameters schema
        // (pyasn1_alt_modules.rfc5480) has only namedCurve: the parameters do not decode. The
        // other validators still run and find nothing.
        (
            "ec_p256k",
            &[
                "itu.invalid_asn1_syntax: ASN.1 decoding failure occurred at \
               \"certificate.tbsCertificate.subjectPublicKeyInfo.algorithm.parameters\" with \
               schema \"ECParameters\"",
            ],
        ),
        (
            "sans_all_kinds_no_subject",
            &[
                // No subject: the service writes the empty Name as subject AND issuer
                // (docs/service-behaviour.md §4, 2025-07-01; not among the fixtures here), and an
                // empty issuer is an RFC 5280 §4.1.2.4 MUST violation. The empty subject
                // itself is allowed: the SAN is critical, as the service makes it.
                "pkix.name_empty",
                // The policy asks for a wildcard; pkilint's RFC 5280 validator checks the
                // preferred name syntax, which has no `*` (the CA/B Forum validator allows it).
                "pkix.invalid_domain_name_syntax: Invalid domain name syntax: \"*.api.contoso.com\"",
                // pkilint's URI check (validators.url) knows only ftp(s), git, http(s), rtsp,
                // sftp, ssh and telnet. spiffe: is RFC 3986-valid; https:// here passes.
                "pkix.invalid_uri_syntax: Invalid URI syntax: \"spiffe://contoso.com/api\"",
            ],
        ),
        ("subject_6_rdns", &[]), // as the service's cli_rsa2048_multirdn_60months_70
        (
            // The policy asks for all nine. Only the first finding of pkilint's
            // KeyUsageValidator is reported, so encipherOnly with decipherOnly
            // (pkix.both_encipheronly_and_decipheronly_ku_set) is masked by keyCertSign.
            "key_usage_all_nine",
            &[KEYCERTSIGN_ON_EE, KEYAGREEMENT_ON_RSA],
        ),
        ("ekus_empty", &[]),
        // E= (IA5String) equals the rfc822Name: no pkix.subject_email_address_not_in_san, which
        // pkilint reports only for an E= missing from the SAN.
        ("subject_email_and_san_email", &[]),
        // notAfter 2126 is a GeneralizedTime, as RFC 5280 §4.1.2.5 requires from 2050 on.
        ("validity_past_2050", &[]),
    ];
    let names: Vec<&str> = expected.iter().map(|(l, _)| *l).collect();
    let sample: Vec<&str> = SAMPLE.iter().map(|(l, _)| *l).collect();
    assert_eq!(names, sample);
    if !pkilint() {
        return;
    }
    for (label, codes) in expected {
        assert_findings(&format!("sample/{label}"), codes);
    }
}
