//! The Azure SDK for Java (`azure-security-keyvault-certificates`, `-secrets`, `-keys`) and
//! `azure-identity` against the reference emulator over HTTPS (TLS verification on, the
//! emulator's root in a trust store the test makes): `clients/java`'s class path comes from
//! Maven (`dependency:build-classpath`, versions from `azure-sdk-bom`), `javac` compiles
//! `kvcert.Flows` and `java` runs it, then `kvcert.KeyStoreFlow`: the Java keystore provider
//! (`azure-security-keyvault-jca`) loads the vault's certificate and serves a TLS handshake.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::emulator::Emulator;
use support::{TempDir, Tool};

const PROJECT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../clients/java");

fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?}:\n{text}");
    text
}

#[test]
fn the_java_sdk_runs_its_flows_with_a_real_credential() {
    if !support::tool(Tool::Maven, file!()) {
        return;
    }
    let dir = TempDir::new("sdk-java");
    let work = dir.path();
    let classpath_file = work.join("classpath.txt");
    run(
        "mvn",
        &[
            "-q",
            "-B",
            "-f",
            &format!("{PROJECT}/pom.xml"),
            "dependency:build-classpath",
            &format!("-Dmdep.outputFile={}", classpath_file.display()),
        ],
        work,
    );
    let classpath = std::fs::read_to_string(&classpath_file).expect("the class path");
    let classes = work.join("classes");
    run(
        "javac",
        &[
            "-d",
            classes.to_str().unwrap(),
            "-cp",
            classpath.trim(),
            &format!("{PROJECT}/src/main/java/kvcert/Flows.java"),
            &format!("{PROJECT}/src/main/java/kvcert/KeyStoreFlow.java"),
        ],
        work,
    );
    // Any token: the keystore provider asks the managed identity for the resource it derives
    // from the vault's host (`https://0.0.1:PORT` for `127.0.0.1:PORT`, where a real vault's
    // `*.vault.azure.net` gives `https://vault.azure.net`), which `--verify-tokens` refuses.
    // The Go and Python suites run against verified tokens.
    let emulator = Emulator::start(work, &[]);
    let trust = work.join("trust.p12");
    run(
        "keytool",
        &[
            "-importcert",
            "-noprompt",
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
            "-alias",
            "kvcert-emulator",
            "-file",
            emulator.trusted_pem.to_str().unwrap(),
            "-keystore",
            trust.to_str().unwrap(),
        ],
        work,
    );
    let path = format!("{}:{}", classes.display(), classpath.trim());
    let output = run(
        "java",
        &[
            &format!("-Djavax.net.ssl.trustStore={}", trust.display()),
            "-Djavax.net.ssl.trustStorePassword=changeit",
            "-Djavax.net.ssl.trustStoreType=PKCS12",
            "-cp",
            &path,
            "kvcert.Flows",
            &emulator.url,
        ],
        work,
    );
    assert!(output.contains("java flows passed"), "{output}");
    assert_eq!(output.matches("ok: ").count(), 22, "{output}");

    // The Java keystore provider: the certificate `Flows` made, through the managed identity
    // endpoint (the provider's Container Apps path: IDENTITY_ENDPOINT, IDENTITY_HEADER).
    let out = Command::new("java")
        .args([
            &format!("-Djavax.net.ssl.trustStore={}", trust.display()),
            "-Djavax.net.ssl.trustStorePassword=changeit",
            "-Djavax.net.ssl.trustStoreType=PKCS12",
            // The provider's own HTTP client trusts the store `javax.net.ssl.keyStore` names
            // (or the JRE's cacerts), not the trust store.
            &format!("-Djavax.net.ssl.keyStore={}", trust.display()),
            "-Djavax.net.ssl.keyStorePassword=changeit",
            "-Djavax.net.ssl.keyStoreType=PKCS12",
            "-cp",
            &path,
            "kvcert.KeyStoreFlow",
            &emulator.url,
            "java-cert",
        ])
        .env(
            "IDENTITY_ENDPOINT",
            format!("{}/_kvcert/identity/token", emulator.url),
        )
        .env("IDENTITY_HEADER", "any-value")
        .current_dir(work)
        .output()
        .expect("java runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "KeyStoreFlow:\n{text}");
    assert!(text.contains("keystore flow passed"), "{text}");
}

/// The emulator README's Java recipe, as written (only the port differs): `DefaultAzureCredential` from
/// the environment, the root in a trust store `keytool` makes, `java Recipe.java` with the
/// SDK's jars on the `CLASSPATH`.
#[test]
fn the_readmes_java_recipe_runs() {
    if !support::tool(Tool::Maven, file!()) {
        return;
    }
    let dir = TempDir::new("recipe-java");
    let classpath = maven_classpath(dir.path());
    let output = support::recipes::run("java", &dir, &[("CLASSPATH", &classpath)]);
    assert_eq!(
        support::recipes::results(&output),
        ["s3cret", "256"],
        "{output}"
    );
}

/// The class path of `clients/java`'s dependencies, from Maven.
fn maven_classpath(work: &Path) -> String {
    let file = work.join("classpath.txt");
    run(
        "mvn",
        &[
            "-q",
            "-B",
            "-f",
            &format!("{PROJECT}/pom.xml"),
            "dependency:build-classpath",
            &format!("-Dmdep.outputFile={}", file.display()),
        ],
        work,
    );
    std::fs::read_to_string(&file)
        .expect("the class path")
        .trim()
        .to_owned()
}
