//! The Azure SDK for Python against the reference emulator over HTTPS (TLS verification on):
//! every flow of `emulator/tests/sdk/python_flows.py`, then a clean stop (SIGTERM) whose saved
//! vault a restarted emulator serves.

use crate::support;

use std::process::Command;

use support::emulator::Emulator;
use support::{TempDir, Tool};

const FLOWS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/python_flows.py");
const IDENTITY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/python_identity.py");

fn python(args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .args(args)
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_python_sdk_runs_every_flow_and_a_saved_vault_survives_a_restart() {
    if !support::tool(Tool::AzureSdkPython, file!()) {
        return;
    }
    let dir = TempDir::new("sdk-python");
    let state = dir.path().join("vault.json");
    let state_arg = state.to_str().unwrap();
    let emulator = Emulator::start(dir.path(), &["--state", state_arg, "--seed", "11"]);
    let pem = emulator.trusted_pem.to_str().unwrap().to_owned();
    let (ok, output) = python(&[FLOWS, &emulator.url, &pem]);
    assert!(ok, "python_flows.py:\n{output}");
    assert!(output.contains("all flows passed"), "{output}");
    assert_eq!(output.matches("ok: ").count(), 18, "{output}");
    let port = emulator.port().to_string();
    let status = emulator.terminate();
    assert!(status.success(), "SIGTERM is a clean exit: {status}");

    // The same port and file: the vault is there, and the SDK reads it.
    let listen = format!("127.0.0.1:{port}");
    let restarted = Emulator::start(dir.path(), &["--state", state_arg, "--listen", &listen]);
    let pem = restarted.trusted_pem.to_str().unwrap().to_owned();
    let check = format!(
        r#"
import sys, time
sys.argv = ["x", "{url}", "{pem}"]
from azure.core.credentials import AccessToken
from azure.keyvault.certificates import CertificateClient
class T:
    def get_token(self, *s, **k): return AccessToken("t", int(time.time()) + 3600)
c = CertificateClient("{url}", T(), verify_challenge_resource=False, connection_verify="{pem}")
names = sorted(p.name for p in c.list_properties_of_certificates())
assert "default" in names and "merged" in names and "renewed" in names, names
print(len(names))
"#,
        url = restarted.url,
    );
    let (ok, output) = python(&["-c", &check]);
    assert!(ok, "after the restart:\n{output}");
}

/// Two vaults in one emulator (`--vault`), each reached on its own port by its own
/// `CertificateClient`: a certificate made in one is not in the other, and each client reads
/// ids it can call back.
#[test]
fn the_python_sdk_uses_two_vaults_of_one_emulator() {
    if !support::tool(Tool::AzureSdkPython, file!()) {
        return;
    }
    let dir = TempDir::new("sdk-python-vaults");
    let emulator = Emulator::start(dir.path(), &["--vault", "alpha", "--vault", "beta"]);
    let pem = emulator.trusted_pem.to_str().unwrap().to_owned();
    let flow = format!(
        r#"
import json, ssl, time, urllib.request
from azure.core.credentials import AccessToken
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
ctx = ssl.create_default_context(cafile="{pem}")
vaults = json.load(urllib.request.urlopen("{url}/_kvcert/vaults", context=ctx))
assert [v["name"] for v in vaults] == ["alpha", "beta"], vaults
class T:
    def get_token(self, *s, **k): return AccessToken("t", int(time.time()) + 3600)
clients = {{v["name"]: CertificateClient(v["url"], T(), verify_challenge_resource=False, connection_verify="{pem}") for v in vaults}}
for name, client in clients.items():
    policy = CertificatePolicy(issuer_name="Self", subject="CN=" + name)
    made = client.begin_create_certificate("shared-name", policy).result()
    assert made.policy.subject == "CN=" + name, made.policy.subject
for name, client in clients.items():
    got = client.get_certificate("shared-name")
    assert got.policy.subject == "CN=" + name, (name, got.policy.subject)
    url = [v["url"] for v in vaults if v["name"] == name][0]
    assert got.id.startswith(url + "/certificates/shared-name/"), (url, got.id)
    again = client.get_certificate_version("shared-name", got.properties.version)
    assert again.cer == got.cer
only = clients["alpha"]
only.begin_create_certificate("alpha-only", CertificatePolicy.get_default()).result()
assert "alpha-only" in [p.name for p in only.list_properties_of_certificates()]
assert "alpha-only" not in [p.name for p in clients["beta"].list_properties_of_certificates()]
print("two vaults ok")
"#,
        url = emulator.url,
    );
    let (ok, output) = python(&["-c", &flow]);
    assert!(ok, "two vaults:\n{output}");
    assert!(output.contains("two vaults ok"), "{output}");
}

/// The credentials applications construct (`azure-identity`'s `ClientSecretCredential` and
/// `CertificateCredential` with the emulator as authority; `DefaultAzureCredential` and
/// `ManagedIdentityCredential` from `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` alone) against an
/// emulator that verifies tokens.
#[test]
fn the_python_sdk_uses_real_credentials_against_verified_tokens() {
    if !support::tool(Tool::AzureSdkPython, file!()) {
        return;
    }
    let dir = TempDir::new("sdk-python-identity");
    let emulator = Emulator::start(dir.path(), &["--verify-tokens"]);
    let pem = emulator.trusted_pem.to_str().unwrap().to_owned();
    let (ok, output) = python(&[IDENTITY, &emulator.url, &pem]);
    assert!(ok, "python_identity.py:\n{output}");
    assert!(output.contains("identity flows passed"), "{output}");
    assert_eq!(output.matches("ok: ").count(), 4, "{output}");
}

/// The emulator README's Python recipe, as written (only the port differs): `DefaultAzureCredential`
/// from the environment, against the emulator started with the README's flags.
#[test]
fn the_readmes_python_recipe_runs() {
    if !support::tool(Tool::AzureSdkPython, file!()) {
        return;
    }
    let dir = TempDir::new("recipe-python");
    let output = support::recipes::run("python", &dir, &[]);
    assert_eq!(
        support::recipes::results(&output),
        ["s3cret", "256"],
        "{output}"
    );
}
