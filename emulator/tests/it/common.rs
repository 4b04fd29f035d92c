//! The emulator binary as a child of a test: started with its TLS root written to a file,
//! killed when the test ends, however it ends.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running emulator.
pub struct Running {
    /// The process (SIGKILL it to crash it; dropping kills it too).
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its TLS root, PEM.
    pub root_pem: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failing test must not leave the emulator running (it holds the test's stderr).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the emulator with `--tls-cert-out root_file` and `args`; returns once it says where
/// it listens.
pub fn start(root_file: &Path, args: &[&std::ffi::OsStr]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvcert-emulator"))
        .arg("--tls-cert-out")
        .arg(root_file)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("piped");
    // From here the child is owned by a `Running`, so a failed start-up still kills it.
    let mut running = Running {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        root_pem: String::new(),
    };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on https://")
        .unwrap_or_else(|| panic!("{line:?}"));
    running.addr = url.parse().expect("an address");
    running.root_pem = std::fs::read_to_string(root_file).expect("the root");
    running
}

/// A directory of its own for one test, removed when the test ends, passed or failed (it
/// holds a vault with private keys).
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    /// A new, empty directory named after `label` and the process.
    pub fn new(label: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("kvcert-emulator-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
