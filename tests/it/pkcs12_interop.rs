//! Interoperability of the PFX kvcert writes the way Key Vault does (`kvcert::pkcs12`),
//! checked by three implementations written elsewhere:
//!
//! * the OpenSSL 3 command line with **only the default provider** (an explicit config that
//!   activates `default` and nothing else, so 3DES and the PKCS#12 KDF must come from it):
//!   `openssl pkcs12 -info -nodes -passin pass:` exits 0, verifies the MAC (no `-nomacver`),
//!   prints the key and the certificate, and its description of the layout is line for line
//!   the one it prints for the real service's PFX in `tests/data/pkcs12/`;
//! * Python's `cryptography`: `pkcs12.load_key_and_certificates(data, None)` and `(data, b"")`;
//! * Java 17: `keytool -list -v -storepass ''` and a small program compiled at test time
//!   (`KeyStore.getInstance("PKCS12").load(in, new char[0])`, `getKey(alias, new char[0])`,
//!   a signature made with the key verified with the certificate).
//!
//! How each opens a PFX whose password is zero-length (RFC 7292 B.2 with an empty `P`, as
//! the service writes it; observed with OpenSSL 3.0.19, cryptography 48.0.0, OpenJDK 17.0.15):
//! OpenSSL's `pkcs12` command verifies the MAC with `""` (BMP `00 00`) and, failing that,
//! with no password; `cryptography` opens it with `None` and with `b""`; Java's
//! `new char[0]` also tries `00 00` first and then the zero-length form (`new char[]{'\0'}`
//! opens the service's PFX but not OpenSSL's `-passout pass:` one; `new char[0]` opens
//! both). No tool needs anything but the empty password.
//!
//! For each, the non-exportable PFX (certificates only) is read too, and every tool says the
//! same about kvcert's PFX as about the service's (Java lists no entry for either: a
//! certificate without a key and without a trust attribute is no key-store entry).
//!
//! Without `openssl` (3.x), `python3` with `cryptography` (>= 42) or a JDK (`java`, `javac`,
//! `keytool`) on PATH, the tests that need the missing tool return early and `cargo test`
//! prints one `SKIPPED` line per missing tool saying what to install (see
//! `tests/it/support/tools.rs`). With `KVCERT_REQUIRE_INTEROP=1` (as `.ci/run` sets it) a missing
//! tool fails the tests instead.
//!
//! Each test writes into its own directory under `std::env::temp_dir()` (the OpenSSL config
//! too), removed when the test passes and kept (its path is printed) when it fails.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use support::{TempDir, Tool};

use kvcert::pkcs12::{PfxContents, PfxKeyKind, decode_pfx, encode_service_pfx};
use kvcert::{UnixTime, Vault, create_from_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const GUID: &str = "3f91d24a-b53c-4e16-84cf-1169559395e0";

const SUITE: &str = "tests/it/pkcs12_interop.rs";

/// A key and certificate issued by kvcert, and the PFX made of them.
struct Made {
    name: &'static str,
    /// The service's recorded PFX of the same kind, for comparison.
    service_file: &'static str,
    pfx: Vec<u8>,
    certificate: Vec<u8>,
    /// The key's SubjectPublicKeyInfo (None: non-exportable).
    spki: Option<Vec<u8>>,
    kind: PfxKeyKind,
}

fn issue(body: &str, seed: u64) -> kvcert::Issued {
    let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    create_from_json(
        "pfx",
        body.as_bytes(),
        &Vault::new("https://myvault.vault.azure.net"),
        now,
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

fn cases() -> &'static [Made] {
    static CASES: OnceLock<Vec<Made>> = OnceLock::new();
    CASES.get_or_init(|| {
        let rsa = issue(
            r#"{"policy":{"key_props":{"kty":"RSA","key_size":2048},"x509_props":{"subject":"CN=kvcert pfx rsa"},"issuer":{"name":"Self"}}}"#,
            1,
        );
        let ec = issue(
            r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=kvcert pfx ec"},"issuer":{"name":"Self"}}}"#,
            2,
        );
        let make = |issued: &kvcert::Issued,
                    name: &'static str,
                    service_file: &'static str,
                    exportable: bool,
                    kind: PfxKeyKind,
                    friendly: Option<&str>| {
            let certificate = issued.completed.as_ref().unwrap().certificate.clone();
            let certs = vec![certificate.clone()];
            let key = issued.key.to_pkcs8_der().unwrap();
            let contents = PfxContents {
                key_pkcs8: exportable.then_some(key.as_slice()),
                certificates: &certs,
                key_kind: kind,
                friendly_name: friendly.map(str::to_owned),
            };
            let pfx = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
            Made {
                name,
                service_file,
                pfx,
                certificate,
                spki: exportable.then(|| issued.key.subject_public_key_info().unwrap()),
                kind,
            }
        };
        vec![
            make(&rsa, "rsa2048", "keyvault_rsa_2021.pfx", true, PfxKeyKind::Rsa, Some(GUID)),
            make(&ec, "p256", "keyvault_ec256_2024.pfx", true, PfxKeyKind::Ec, None),
            make(
                &rsa,
                "rsa2048_nonexportable",
                "keyvault_nonexportable_rsa_2024.pfx",
                false,
                PfxKeyKind::Rsa,
                None,
            ),
        ]
    })
}

// ---------------------------------------------------------------------------------------------
// Scratch directories and tools
// ---------------------------------------------------------------------------------------------

fn service_file(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pkcs12")
            .join(name),
    )
    .unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn run(program: &str, args: &[&str], env: &[(&str, &Path)], hint: &str) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| {
        panic!("cannot run `{program}` ({e}). These interop tests need it on PATH: {hint}")
    })
}

fn ok(o: &Output, what: &str) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "{what} failed ({}):\nstdout:\n{out}\nstderr:\n{err}",
        o.status
    );
    (out, err)
}

const OPENSSL_HINT: &str = "install OpenSSL 3 (e.g. `apt-get install openssl`)";
const PYTHON_HINT: &str =
    "install python3 and the `cryptography` package (`pip install 'cryptography>=42'`)";
const JAVA_HINT: &str = "install a JDK 17 (e.g. `apt-get install openjdk-17-jdk-headless`)";

/// The OpenSSL command line with a config, in a test's own directory, that activates the
/// default provider and nothing else.
struct OpenSsl {
    conf: PathBuf,
}

impl OpenSsl {
    fn new(dir: &TempDir) -> OpenSsl {
        let conf = dir.write(
            "openssl.cnf",
            "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n\
             [provider_sect]\ndefault = default_sect\n[default_sect]\nactivate = 1\n",
        );
        let openssl = OpenSsl { conf };
        let (providers, _) = openssl.run(&["list", "-providers"]);
        assert!(
            providers.contains("default") && !providers.to_lowercase().contains("legacy"),
            "the test config must load only the default provider:\n{providers}"
        );
        openssl
    }

    fn run(&self, args: &[&str]) -> (String, String) {
        let o = run(
            "openssl",
            args,
            &[("OPENSSL_CONF", &self.conf)],
            OPENSSL_HINT,
        );
        ok(&o, &format!("openssl {}", args.join(" ")))
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    crate::support::text::pem(label, der)
}

/// The PEM blocks with `label` in `text`.
fn pem_blocks(text: &str, label: &str) -> Vec<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let Some(j) = rest[i..].find(&end) else { break };
        out.push(format!("{}\n", &rest[i..i + j + end.len()]));
        rest = &rest[i + j + end.len()..];
    }
    out
}

/// `openssl pkcs12 -info` output with the parts that differ between two PFX of the same
/// layout (PEM bodies, names, the friendly-name GUID) replaced by placeholders.
fn layout(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_pem = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN ") {
            in_pem = true;
            out.push(line.to_owned());
        } else if line.starts_with("-----END ") {
            in_pem = false;
            out.push(line.to_owned());
        } else if in_pem {
            continue;
        } else if line.starts_with("subject=") || line.starts_with("issuer=") {
            out.push(format!(
                "{}=<name>",
                line.split('=').next().unwrap_or_default()
            ));
        } else if let Some(name) = line.trim_start().strip_prefix("friendlyName: ") {
            assert!(
                is_guid(name),
                "friendlyName {name:?} is not a lowercase GUID"
            );
            out.push("    friendlyName: <guid>".to_owned());
        } else {
            out.push(line.to_owned());
        }
    }
    out
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

// ---------------------------------------------------------------------------------------------
// OpenSSL
// ---------------------------------------------------------------------------------------------

#[test]
fn openssl_default_provider_reads_the_service_pfx() {
    if !support::tool(Tool::OpenSsl, SUITE) {
        return;
    }
    for case in cases() {
        let dir = TempDir::new(&format!("pkcs12-openssl-{}", case.name));
        let openssl = OpenSsl::new(&dir);
        let ours = dir.write("ours.pfx", &case.pfx);
        let theirs = dir.write("service.pfx", service_file(case.service_file));
        let info =
            |f: &Path| openssl.run(&["pkcs12", "-in", p(f), "-info", "-nodes", "-passin", "pass:"]);
        let (out, err) = info(&ours);
        let (service_out, service_err) = info(&theirs);

        // The layout, as OpenSSL describes it (on stderr).
        let mut expected = vec![
            "MAC: sha1, Iteration 2000",
            "MAC length: 20, salt length: 20",
        ];
        if case.spki.is_some() {
            expected.extend([
                "PKCS7 Data",
                "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2000",
            ]);
        }
        expected.extend([
            "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2000",
            "Certificate bag",
        ]);
        assert_eq!(
            err.lines().collect::<Vec<_>>(),
            expected,
            "[{}] stderr:\n{err}",
            case.name
        );
        assert!(
            !out.contains("Mac verify error") && !err.contains("rror"),
            "{err}"
        );

        // Line for line what OpenSSL prints for the real service's PFX of the same kind.
        assert_eq!(
            layout(&err),
            layout(&service_err),
            "[{}] vs {}",
            case.name,
            case.service_file
        );
        assert_eq!(
            layout(&out),
            layout(&service_out),
            "[{}] vs {}\n{out}",
            case.name,
            case.service_file
        );

        // The certificate comes back byte for byte; the key is the certificate's.
        assert_eq!(
            pem_blocks(&out, "CERTIFICATE"),
            vec![pem("CERTIFICATE", &case.certificate)]
        );
        let keys = pem_blocks(&out, "PRIVATE KEY");
        match &case.spki {
            Some(spki) => {
                assert_eq!(keys.len(), 1, "{out}");
                let key = dir.write("key.pem", keys[0].as_bytes());
                let spki_file = dir.path().join("spki.der");
                openssl.run(&[
                    "pkey",
                    "-in",
                    p(&key),
                    "-pubout",
                    "-outform",
                    "DER",
                    "-out",
                    p(&spki_file),
                ]);
                assert_eq!(&std::fs::read(&spki_file).unwrap(), spki, "[{}]", case.name);
                let attrs = match case.kind {
                    PfxKeyKind::Rsa => [
                        "    localKeyID: 01 00 00 00 ",
                        "    friendlyName: 3f91d24a-b53c-4e16-84cf-1169559395e0",
                        "    Microsoft CSP Name: Microsoft Enhanced RSA and AES Cryptographic Provider",
                        "    X509v3 Key Usage: 10 ",
                    ]
                    .as_slice(),
                    PfxKeyKind::Ec => [
                        "    localKeyID: 01 00 00 00 ",
                        "    Microsoft CSP Name: Microsoft Software Key Storage Provider",
                        "    X509v3 Key Usage: 80 ",
                    ]
                    .as_slice(),
                };
                for a in attrs {
                    assert!(
                        out.lines().any(|l| l == *a),
                        "[{}] missing {a:?} in\n{out}",
                        case.name
                    );
                }
                assert!(!out.contains("friendlyName") || case.kind == PfxKeyKind::Rsa);
            }
            None => assert!(keys.is_empty(), "{out}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Python cryptography
// ---------------------------------------------------------------------------------------------

const PYTHON: &str = r#"
import json, sys
from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat
data = open(sys.argv[1], "rb").read()
expected = open(sys.argv[2], "rb").read()
spki = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex()
out = {}
for label, password in (("none", None), ("empty", b"")):
    key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    out[label] = {
        "key": type(key).__name__ if key is not None else None,
        "key_spki": spki(key.public_key()) if key is not None else None,
        "cert_is_ours": cert.public_bytes(Encoding.DER) == expected if cert is not None else None,
        "cert_spki": spki(cert.public_key()) if cert is not None else None,
        "subject": cert.subject.rfc4514_string() if cert is not None else None,
        "extra_are_ours": [c.public_bytes(Encoding.DER) == expected for c in extra],
    }
print(json.dumps(out))
"#;

fn python(pfx: &Path, cert: &Path) -> serde_json::Value {
    let o = run(
        "python3",
        &["-c", PYTHON, p(pfx), p(cert)],
        &[],
        PYTHON_HINT,
    );
    let (out, _) = ok(&o, &format!("python3 cryptography pkcs12 ({PYTHON_HINT})"));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn python_cryptography_reads_the_service_pfx() {
    if !support::tool(Tool::PythonCryptography, SUITE) {
        return;
    }
    for case in cases() {
        let dir = TempDir::new(&format!("pkcs12-python-{}", case.name));
        let pfx = dir.write("ours.pfx", &case.pfx);
        let cert = dir.write("cert.der", &case.certificate);
        let got = python(&pfx, &cert);
        assert_eq!(
            got["none"], got["empty"],
            "[{}] None and b\"\" differ: {got}",
            case.name
        );
        let r = &got["none"];
        match &case.spki {
            Some(spki) => {
                let key_type = match case.kind {
                    PfxKeyKind::Rsa => "RSAPrivateKey",
                    PfxKeyKind::Ec => "ECPrivateKey",
                };
                assert_eq!(r["key"], key_type, "{got}");
                assert_eq!(r["cert_is_ours"], true, "{got}");
                let hex: String = spki.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(
                    r["key_spki"],
                    hex.as_str(),
                    "key matches the certificate: {got}"
                );
                assert_eq!(r["cert_spki"], hex.as_str(), "{got}");
                assert!(
                    r["subject"].as_str().unwrap().starts_with("CN=kvcert pfx"),
                    "{got}"
                );
                assert_eq!(r["extra_are_ours"], serde_json::json!([]), "{got}");
            }
            None => {
                // A certificate without localKeyID is an "additional" certificate, exactly
                // as for the service's own non-exportable PFX.
                assert_eq!(r["key"], serde_json::Value::Null, "{got}");
                assert_eq!(r["cert_is_ours"], serde_json::Value::Null, "{got}");
                assert_eq!(r["extra_are_ours"], serde_json::json!([true]), "{got}");
                let service = dir.write("service.pfx", service_file(case.service_file));
                let theirs = python(&service, &cert);
                assert_eq!(theirs["none"]["key"], serde_json::Value::Null);
                assert_eq!(theirs["none"]["cert_is_ours"], serde_json::Value::Null);
                assert_eq!(theirs["none"]["extra_are_ours"], serde_json::json!([false]));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------------------------

const JAVA: &str = r#"
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;

public class PfxLoad {
    public static void main(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) {
            ks.load(in, new char[0]);
        }
        byte[] expected = Files.readAllBytes(Paths.get(args[1]));
        System.out.println("entries=" + ks.size());
        for (String alias : Collections.list(ks.aliases())) {
            System.out.println("alias=" + alias);
            Key key = ks.getKey(alias, new char[0]);
            System.out.println("key=" + (key == null ? "none" : key.getAlgorithm()));
            X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
            System.out.println("subject=" + cert.getSubjectX500Principal().getName());
            System.out.println("certMatches=" + Arrays.equals(cert.getEncoded(), expected));
            if (key instanceof PrivateKey) {
                String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
                Signature s = Signature.getInstance(alg);
                s.initSign((PrivateKey) key);
                s.update(new byte[] {1, 2, 3});
                byte[] sig = s.sign();
                Signature v = Signature.getInstance(alg);
                v.initVerify(cert.getPublicKey());
                v.update(new byte[] {1, 2, 3});
                System.out.println("keyMatches=" + v.verify(sig));
            }
        }
    }
}
"#;

/// Compiles `PfxLoad.java` into `dir`.
fn compile_pfx_load(dir: &TempDir) {
    let src = dir.write("PfxLoad.java", JAVA);
    let o = run("javac", &["-d", p(dir.path()), p(&src)], &[], JAVA_HINT);
    ok(&o, &format!("javac ({JAVA_HINT})"));
}

fn java_load(classes: &TempDir, pfx: &Path, cert: &Path) -> String {
    let o = run(
        "java",
        &["-cp", p(classes.path()), "PfxLoad", p(pfx), p(cert)],
        &[],
        JAVA_HINT,
    );
    ok(&o, &format!("java PfxLoad {}", pfx.display())).0
}

fn keytool_list(pfx: &Path) -> String {
    let o = run(
        "keytool",
        &[
            "-list",
            "-v",
            "-storetype",
            "PKCS12",
            "-keystore",
            p(pfx),
            "-storepass",
            "",
        ],
        &[],
        JAVA_HINT,
    );
    let (out, err) = ok(&o, "keytool -list");
    assert!(
        !out.contains("WARNING") && !err.contains("WARNING"),
        "keytool did not verify the integrity:\n{out}{err}"
    );
    out
}

#[test]
fn java_reads_the_service_pfx() {
    if !support::tool(Tool::Jdk, SUITE) {
        return;
    }
    let classes = TempDir::new("pkcs12-java");
    compile_pfx_load(&classes);
    for case in cases() {
        let dir = TempDir::new(&format!("pkcs12-java-{}", case.name));
        let pfx = dir.write("ours.pfx", &case.pfx);
        let cert = dir.write("cert.der", &case.certificate);
        let service = dir.write("service.pfx", service_file(case.service_file));
        let listed = keytool_list(&pfx);
        let loaded = java_load(&classes, &pfx, &cert);
        let service_listed = keytool_list(&service);
        let service_loaded = java_load(&classes, &service, &cert);
        let lines: Vec<&str> = loaded.lines().collect();
        match &case.spki {
            Some(_) => {
                assert!(
                    listed.contains("Your keystore contains 1 entry"),
                    "{listed}"
                );
                assert!(listed.contains("Entry type: PrivateKeyEntry"), "{listed}");
                assert!(listed.contains("Certificate chain length: 1"), "{listed}");
                assert!(listed.contains("Owner: CN=kvcert pfx"), "{listed}");
                assert!(service_listed.contains("Entry type: PrivateKeyEntry"));
                let (alg, subject) = match case.kind {
                    PfxKeyKind::Rsa => ("RSA", "CN=kvcert pfx rsa"),
                    PfxKeyKind::Ec => ("EC", "CN=kvcert pfx ec"),
                };
                assert_eq!(lines[0], "entries=1", "{loaded}");
                assert!(lines[1].starts_with("alias="), "{loaded}");
                if case.kind == PfxKeyKind::Rsa {
                    // Java names the entry after the friendly name, as for the service's.
                    assert_eq!(lines[1], format!("alias={GUID}"), "{loaded}");
                }
                assert_eq!(
                    &lines[2..],
                    [
                        format!("key={alg}"),
                        format!("subject={subject}"),
                        "certMatches=true".to_owned(),
                        "keyMatches=true".to_owned(),
                    ],
                    "{loaded}"
                );
                let service_lines: Vec<&str> = service_loaded.lines().collect();
                assert_eq!(service_lines[0], "entries=1");
                assert_eq!(service_lines[2], format!("key={alg}"));
                assert_eq!(service_lines[5], "keyMatches=true");
            }
            None => {
                // A certificate without a key, localKeyID or trust attribute is no key-store
                // entry in Java: the file loads (MAC verified) and lists nothing, exactly as
                // the service's own non-exportable PFX.
                assert!(
                    listed.contains("Your keystore contains 0 entries"),
                    "{listed}"
                );
                assert!(service_listed.contains("Your keystore contains 0 entries"));
                assert_eq!(loaded, "entries=0\n");
                assert_eq!(service_loaded, "entries=0\n");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// kvcert's own decoder agrees
// ---------------------------------------------------------------------------------------------

#[test]
fn kvcert_decodes_what_it_wrote() {
    for case in cases() {
        for password in [None, Some("")] {
            let d = decode_pfx(&case.pfx, password).unwrap();
            assert_eq!(d.certificates, vec![case.certificate.clone()]);
            assert_eq!(d.key_pkcs8.is_some(), case.spki.is_some());
        }
    }
}

/// The `application/x-pem-file` secrets of every key type: OpenSSL checks the key and that it
/// is the certificate's; Python `cryptography` loads both and compares the public keys.
/// Without one of the tools the other still runs.
#[test]
fn pem_secrets_read_in_openssl_and_python() {
    // Both calls come first, so that each missing tool is reported.
    let has_openssl = support::tool(Tool::OpenSsl, SUITE);
    let has_python = support::tool(Tool::PythonCryptography, SUITE);
    if !has_openssl && !has_python {
        return;
    }
    let dir = TempDir::new("pkcs12-pem-secret");
    let openssl = has_openssl.then(|| OpenSsl::new(&dir));
    for (i, key_props) in [
        r#"{"kty":"RSA"}"#,
        r#"{"kty":"EC","crv":"P-256"}"#,
        r#"{"kty":"EC","crv":"P-384"}"#,
        r#"{"kty":"EC","crv":"P-521"}"#,
    ]
    .iter()
    .enumerate()
    {
        let body = format!(
            r#"{{"policy":{{"key_props":{key_props},"secret_props":{{"contentType":"application/x-pem-file"}},"x509_props":{{"subject":"CN=pem{i}"}},"issuer":{{"name":"Self"}}}}}}"#
        );
        let issued = issue(&body, 40 + i as u64);
        let done = issued.completed.as_ref().unwrap();
        let value = done.secret.value.clone().unwrap();
        let f = dir.write(&format!("secret{i}.pem"), &value);
        // The key block passes OpenSSL's consistency check and is the certificate's key.
        if let Some(openssl) = &openssl {
            let (check, _) = openssl.run(&["pkey", "-in", p(&f), "-check", "-noout"]);
            assert!(check.contains("valid"), "{key_props}: {check}");
            let (from_key, _) = openssl.run(&["pkey", "-in", p(&f), "-pubout"]);
            let (from_cert, _) = openssl.run(&["x509", "-in", p(&f), "-noout", "-pubkey"]);
            assert_eq!(from_key, from_cert, "{key_props}");
        }
        if !has_python {
            continue;
        }
        let script = "import sys\nfrom cryptography import x509\nfrom cryptography.hazmat.primitives import serialization as s\n\
            d=open(sys.argv[1],'rb').read()\nk=s.load_pem_private_key(d,None)\nc=x509.load_pem_x509_certificate(d)\n\
            f=s.PublicFormat.SubjectPublicKeyInfo\n\
            assert k.public_key().public_bytes(s.Encoding.DER,f)==c.public_key().public_bytes(s.Encoding.DER,f)\n\
            print(c.subject.rfc4514_string())\n";
        let out = run("python3", &["-c", script, p(&f)], &[], PYTHON_HINT);
        let (subject, _) = ok(&out, "python3 PEM secret");
        assert_eq!(subject.trim(), format!("CN=pem{i}"));
    }
}
