//! The main job (`create_certificate`, the README's first command) as a person and a script see
//! it: `--help`, the JSON on stdout, the summary on stderr, the files, and the refusal path.

use crate::support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use sha1::Digest;
use support::{TempDir, Tool};

const REQUEST: &str = "examples/requests/docs_sample.json";

fn main_job(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_create_certificate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the main job runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn help_exits_zero_and_describes_every_option() {
    for flag in ["--help", "-h"] {
        let out = main_job(&[flag]);
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        let help = text(&out.stdout);
        for option in [
            "--vault URL",
            "--name NAME",
            "--now RFC3339",
            "--seed N",
            "--out DIR",
            "--quiet",
            "--help",
            "REQUEST.json",
            "secret.pfx",
            "exits with 2",
        ] {
            assert!(
                help.contains(option),
                "{flag} does not describe {option}:\n{help}"
            );
        }
    }
    let out = main_job(&["--bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--help"));
}

#[test]
fn a_certificate_is_issued_written_and_explained() {
    let dir = TempDir::new("main-job");
    let out_dir = dir.path().join("out");
    let out_arg = out_dir.to_str().expect("UTF-8 path");
    let out = main_job(&[
        "--seed",
        "3",
        "--now",
        "2026-01-15T12:00:00Z",
        "--out",
        out_arg,
        REQUEST,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // stdout: exactly the 202 operation, as JSON.
    let operation: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(operation["status"], "inProgress");
    let written: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("operation.json")).expect("written"))
            .expect("operation.json");
    assert_eq!(operation, written);

    // stderr: what was issued, which files, how to open the secret.
    let summary = text(&out.stderr);
    let cert = std::fs::read(out_dir.join("certificate.der")).expect("certificate.der");
    let thumbprint: String = sha1::Sha1::digest(&cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    for expected in [
        "issued: self-signed certificate 'selfSignedCert01'",
        "subject:    CN=*.microsoft.com",
        "key:        RSA 2048",
        "validity:   2026-01-15T11:50:00Z to 2027-01-15T12:00:00Z (12 months)",
        &format!("thumbprint: {thumbprint}"),
        "PKCS#12 with an empty password",
        "openssl pkcs12 -in ",
    ] {
        assert!(summary.contains(expected), "no {expected:?} in:\n{summary}");
    }
    let files = [
        "operation.json",
        "csr.der",
        "csr.pem",
        "operation_completed.json",
        "certificate.der",
        "certificate.pem",
        "bundle.json",
        "key.pem",
        "secret.json",
        "secret.pfx",
        "key.json",
    ];
    for f in files {
        let p = out_dir.join(f);
        assert!(p.is_file(), "{f} not written");
        assert!(summary.contains(&p.display().to_string()), "{f} not listed");
    }
    assert_eq!(
        std::fs::read_dir(&out_dir).expect("dir").count(),
        files.len()
    );

    // secret.pfx is the secret's value, decoded.
    let secret: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("secret.json")).expect("secret"))
            .expect("secret.json");
    let pfx = std::fs::read(out_dir.join("secret.pfx")).expect("secret.pfx");
    assert_eq!(
        secret["value"].as_str().expect("value"),
        crate::support::text::base64(&pfx)
    );
    #[cfg(unix)]
    for private in ["key.pem", "secret.json", "secret.pfx"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out_dir.join(private))
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{private} is readable by others: {mode:o}");
    }

    // The command the summary prints opens it (OpenSSL 3, no legacy provider).
    if support::tool(Tool::OpenSsl, file!()) {
        let opened = Command::new("openssl")
            .args(["pkcs12", "-in"])
            .arg(out_dir.join("secret.pfx"))
            .args(["-passin", "pass:", "-nodes"])
            .output()
            .expect("openssl");
        let pem = text(&opened.stdout);
        assert!(opened.status.success(), "{}", text(&opened.stderr));
        assert!(pem.contains("-----BEGIN PRIVATE KEY-----"));
        assert!(pem.contains("-----BEGIN CERTIFICATE-----"));
    }

    // The same seed and instant give the same bytes; -q silences the summary only.
    let again_dir = dir.path().join("again");
    let again = main_job(&[
        "-q",
        "--seed",
        "3",
        "--now",
        "2026-01-15T12:00:00Z",
        "--out",
        again_dir.to_str().expect("UTF-8 path"),
        REQUEST,
    ]);
    assert!(again.status.success());
    assert!(again.stderr.is_empty(), "{}", text(&again.stderr));
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(
        std::fs::read(again_dir.join("certificate.der")).expect("again"),
        cert
    );
}

#[test]
fn a_pem_secret_is_written_as_secret_pem() {
    let dir = TempDir::new("main-job-pem");
    let request = dir.write(
        "request.json",
        r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},
            "secret_props":{"contentType":"application/x-pem-file"},
            "x509_props":{"subject":"CN=pem.example"},"issuer":{"name":"Self"}}}"#,
    );
    let out_dir = dir.path().join("out");
    let out = main_job(&[
        "--seed",
        "1",
        "--out",
        out_dir.to_str().expect("UTF-8 path"),
        request.to_str().expect("UTF-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pem = std::fs::read_to_string(out_dir.join("secret.pem")).expect("secret.pem");
    assert!(pem.contains("-----BEGIN PRIVATE KEY-----") && pem.contains("CERTIFICATE"));
    assert!(!out_dir.join("secret.pfx").exists());
    assert!(text(&out.stderr).contains("key:        EC P-256"));
}

#[test]
fn a_refusal_prints_the_key_vault_error_writes_nothing_and_exits_2() {
    let dir = TempDir::new("main-job-refused");
    let out_dir = dir.path().join("out");
    let out = main_job(&[
        "--name",
        "a_b",
        "--out",
        out_dir.to_str().expect("UTF-8 path"),
        REQUEST,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let body: Value = serde_json::from_slice(&out.stdout).expect("the error body");
    assert_eq!(body["error"]["code"], "BadParameter");
    assert_eq!(
        body["error"]["message"],
        "The request URI contains an invalid name: a_b"
    );
    assert!(!Path::new(&out_dir).exists(), "a refusal wrote files");
}

#[test]
fn issuer_unknown_is_reported_as_pending() {
    let dir = TempDir::new("main-job-unknown");
    let request = dir.write(
        "request.json",
        r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},
            "x509_props":{"subject":"CN=later"},"issuer":{"name":"Unknown"}}}"#,
    );
    let out = main_job(&["--seed", "1", request.to_str().expect("UTF-8 path")]);
    assert!(out.status.success());
    let summary = text(&out.stderr);
    assert!(summary.contains("pending: certificate 'selfSignedCert01' for issuer Unknown"));
    assert!(summary.contains("no files written"));
}
