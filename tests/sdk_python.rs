//! The Azure SDK for Python against the reference emulator over HTTPS (TLS verification on):
//! every flow of `tests/sdk/python_flows.py`, then a clean stop (SIGTERM) whose saved vault a
//! restarted emulator serves.

mod support;

use std::process::Command;

use support::emulator::Emulator;
use support::{TempDir, Tool};

const FLOWS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/python_flows.py");

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
    assert_eq!(output.matches("ok: ").count(), 13, "{output}");
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
