//! The reference emulator (this package's binary, `kvcert-emulator`, which Cargo builds before
//! the integration tests) as a child process: started on a free loopback port, stopped with
//! SIGTERM (a clean exit) or SIGKILL (a crash).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running emulator; dropping it kills it, so a failing test never leaves one behind (it
/// holds the test's stderr).
pub struct Emulator {
    child: Option<Child>,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The TLS root a client trusts (`--tls-cert-out`).
    pub trusted_pem: PathBuf,
    /// That root, PEM.
    pub root_pem: String,
}

impl Emulator {
    /// Starts the emulator with its TLS root written into `dir`, and `args` (e.g. `--state`).
    /// Returns once it prints `listening on …`.
    pub fn start(dir: &Path, args: &[&str]) -> Emulator {
        let trusted_pem = dir.join("emulator-root.pem");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kvcert-emulator"))
            .arg("--tls-cert-out")
            .arg(&trusted_pem)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                panic!("the emulator did not say where it listens: {e}");
            }
        };
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        let stop = |mut child: Child, why: String| -> ! {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{why}")
        };
        let Some(addr) = url.strip_prefix("https://").and_then(|a| a.parse().ok()) else {
            stop(child, format!("not an address: {url}"))
        };
        let root_pem = match std::fs::read_to_string(&trusted_pem) {
            Ok(pem) => pem,
            Err(e) => stop(child, format!("the root {}: {e}", trusted_pem.display())),
        };
        Emulator {
            child: Some(child),
            url,
            addr,
            trusted_pem,
            root_pem,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    fn signal(&mut self, signal: &str) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal}");
        child.wait().expect("the emulator exits")
    }

    /// SIGTERM: the emulator saves the vault and exits 0.
    pub fn terminate(mut self) -> ExitStatus {
        self.signal("-TERM")
    }

    /// SIGKILL: a crash, nothing saved at exit.
    pub fn kill9(mut self) -> ExitStatus {
        self.signal("-KILL")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
