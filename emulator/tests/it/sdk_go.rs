//! The Azure SDK for Go (`azcertificates`, `azsecrets`, `azkeys`) and `azidentity` against the
//! reference emulator over HTTPS (TLS verification on): `clients/go` runs with `go test`, every
//! client authenticated by a `ClientSecretCredential` whose authority is the emulator, against
//! an emulator that verifies tokens (`--verify-tokens`).

use crate::support;

use std::process::Command;

use support::emulator::Emulator;
use support::{TempDir, Tool};

const MODULE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../clients/go");

#[test]
fn the_go_sdk_runs_its_flows_with_a_real_credential() {
    if !support::tool(Tool::Go, file!()) {
        return;
    }
    let dir = TempDir::new("sdk-go");
    let emulator = Emulator::start(dir.path(), &["--verify-tokens"]);
    let out = Command::new("go")
        .args(["test", "-count=1", "-v", "./..."])
        .current_dir(MODULE)
        .env("KVCERT_VAULT_URL", &emulator.url)
        .env("KVCERT_ROOT_PEM", &emulator.trusted_pem)
        // The module's test cache and build outputs stay out of the source tree.
        .env("GOFLAGS", "-mod=readonly")
        .output()
        .expect("go runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "go test:\n{text}");
    for flow in [
        "TestCertificateDefaultPolicy",
        "TestCertificateKeyTypesAndContentTypes",
        "TestCertificatePolicyUpdate",
        "TestCertificateMergeUnknownIssuer",
        "TestCertificateFromRegisteredIssuer",
        "TestCertificateCancelPendingOperation",
        "TestCertificateDeleteRecoverPurge",
        "TestCertificateBackupRestore",
        "TestCertificateImport",
        "TestIssuersAndContacts",
        "TestCertificateErrors",
        "TestCertificateAutoRenew",
        "TestSignVerifyEveryAlgorithm",
        "TestEncryptDecryptWrapUnwrap",
        "TestCertificateKeyCrypto",
        "TestCertificateSecretAndKey",
        "TestSecrets",
        "TestKeys",
        "TestKeyLifecycle",
        "TestSecretLifecycle",
    ] {
        assert!(
            text.contains(&format!("--- PASS: {flow}")),
            "{flow}:\n{text}"
        );
    }
    assert!(!text.contains("--- SKIP"), "{text}");
}

/// The emulator README's Go recipe, as written (only the port differs): `DefaultAzureCredential` from
/// the environment, `go run .` in a module with this module's requirements.
#[test]
fn the_readmes_go_recipe_runs() {
    if !support::tool(Tool::Go, file!()) {
        return;
    }
    let dir = TempDir::new("recipe-go");
    for file in ["go.mod", "go.sum"] {
        std::fs::copy(format!("{MODULE}/{file}"), dir.path().join(file)).expect("copied");
    }
    let output = support::recipes::run("go", &dir, &[("GOFLAGS", "-mod=mod")]);
    assert_eq!(
        support::recipes::results(&output),
        ["s3cret", "256"],
        "{output}"
    );
}
