//! The emulator README's recipes ("Point a client at it"), run as a reader would run them.
//!
//! `emulator/README.md` marks each recipe with an HTML comment and two fenced blocks after it:
//!
//! * `<!-- recipe: emulator -->` then an `sh` block: the `cargo run … -- FLAGS` line that starts
//!   the emulator, and `export` lines every client shares;
//! * `<!-- recipe: LANGUAGE FILE -->` then an `sh` block (that language's trust and run lines)
//!   and the program, which is written to `FILE`.
//!
//! [`run`] starts the emulator with the README's flags (on a free port, not 8443), writes the
//! program into the scratch directory that holds the emulator's root (`emulator-root.pem`), and runs the
//! shared `export` lines and the language's block with `sh -e` there. The one change to the
//! text is the address: `https://127.0.0.1:8443` becomes the emulator's.

use std::path::Path;
use std::process::Command;

use super::TempDir;
use super::emulator::Emulator;

const README: &str = include_str!("../../../README.md");

/// The address the README's recipes use.
const README_ADDRESS: &str = "https://127.0.0.1:8443";

/// The environment a developer's shell may carry that would steer a credential elsewhere.
const CLEARED: &[&str] = &[
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_TOKEN_CREDENTIALS",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "JAVA_TOOL_OPTIONS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
];

/// A recipe's text: its `sh` block and, for a language, the program and its file name.
#[derive(Debug)]
pub struct Recipe {
    pub shell: String,
    pub program: Option<(String, String)>,
}

/// The fenced blocks after `<!-- recipe: NAME … -->` (panics, naming the marker, when absent).
pub fn recipe(name: &str) -> Recipe {
    let marker = README
        .lines()
        .position(|l| {
            l.trim()
                .strip_prefix("<!-- recipe: ")
                .and_then(|rest| rest.strip_suffix("-->"))
                .is_some_and(|rest| rest.split_whitespace().next() == Some(name))
        })
        .unwrap_or_else(|| panic!("README.md has no `<!-- recipe: {name} … -->`"));
    let header = README.lines().nth(marker).unwrap();
    let file = header
        .trim()
        .trim_start_matches("<!-- recipe: ")
        .trim_end_matches("-->")
        .split_whitespace()
        .nth(1)
        .map(str::to_owned);
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in README.lines().skip(marker + 1) {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) => current = Some(Vec::new()),
            (Some(lines), true) => {
                blocks.push(lines.join("\n") + "\n");
                current = None;
                if blocks.len() == 1 + usize::from(file.is_some()) {
                    break;
                }
            }
            (Some(lines), false) => lines.push(line.strip_prefix("  ").unwrap_or(line)),
            (None, false) => {}
        }
    }
    let mut blocks = blocks.into_iter();
    let shell = blocks
        .next()
        .unwrap_or_else(|| panic!("recipe {name}: no sh block"));
    let program = file.map(|file| {
        let text = blocks
            .next()
            .unwrap_or_else(|| panic!("recipe {name}: no program block"));
        (file, text)
    });
    Recipe { shell, program }
}

/// The emulator's flags in the README's start line, without `--listen` and `--tls-cert-out`
/// (the test picks a free port and a scratch file).
pub fn emulator_flags() -> Vec<String> {
    let shell = recipe("emulator").shell;
    let line = shell
        .lines()
        .find(|l| l.trim_start().starts_with("cargo run"))
        .expect("the emulator recipe starts the emulator with cargo run");
    let (_, flags) = line.split_once(" -- ").expect("cargo run … -- FLAGS");
    let mut out = Vec::new();
    let mut words = flags.split_whitespace();
    while let Some(word) = words.next() {
        if word == "--listen" || word == "--tls-cert-out" {
            words.next();
        } else {
            out.push(word.to_owned());
        }
    }
    out
}

/// Starts the emulator as the README does, runs recipe `language` in `dir` with `env` added
/// (a class path, say), asserts that it exits 0 and returns what it printed.
pub fn run(language: &str, dir: &TempDir, env: &[(&str, &str)]) -> String {
    let flags = emulator_flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let emulator = Emulator::start(dir.path(), &flags);
    let at = |text: &str| text.replace(README_ADDRESS, &emulator.url);
    // `Emulator::start` writes the root where the README's `--tls-cert-out` does.
    assert_eq!(emulator.trusted_pem, dir.path().join("emulator-root.pem"));
    let shared: String = recipe("emulator")
        .shell
        .lines()
        .filter(|l| l.trim_start().starts_with("export "))
        .map(|l| format!("{l}\n"))
        .collect();
    let this = recipe(language);
    if let Some((file, program)) = &this.program {
        std::fs::write(dir.path().join(file), at(program)).expect("the program written");
    }
    let script = at(&(shared + &this.shell));
    let out = shell(dir.path(), &script, env);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the README's {language} recipe:\n{script}\n{text}"
    );
    text
}

fn shell(dir: &Path, script: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new("sh");
    command.args(["-e", "-c", script]).current_dir(dir);
    for name in CLEARED {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("sh runs")
}

/// What a recipe printed on lines of its own (the README: "Each prints `s3cret` and `256`"),
/// without the runtime's notices (`Picked up JAVA_TOOL_OPTIONS`, …).
pub fn results(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| *l == "s3cret" || l.parse::<u32>().is_ok())
        .collect()
}
