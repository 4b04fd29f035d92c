//! The external tools the interop suites call, and scratch directories that do not outlive
//! their test: one file shared by kvcert's tests (`tests/it/support/mod.rs`) and the
//! emulator's (`emulator/tests/it/support/mod.rs`, through `#[path]`). Only `std`.
//!
//! # External tools
//!
//! [`tool`] says whether a tool is usable (checked once per process). When it is not:
//!
//! * with `KVCERT_REQUIRE_INTEROP=1` in the environment (`.ci/run` sets it), it panics with what
//!   is missing and how to install it: a missing tool is a failure;
//! * otherwise it returns `false`, and the test skips the part that needs the tool. Once per
//!   suite and tool it writes a `SKIPPED …` line naming the suite, the tool and how to get it
//!   straight to the process's standard error, past libtest's output capture, so a plain
//!   `cargo test` shows it: a skip never passes for a pass.
//!
//! # Scratch directories
//!
//! [`TempDir`] is a fresh directory under `std::env::temp_dir()`, removed with everything in it
//! when the guard is dropped. When the test is failing the directory is kept and its path is
//! printed (with the test's captured output), for a look at the files; not when the failure is
//! a missing tool under `KVCERT_REQUIRE_INTEROP`, which the files cannot explain.

#![allow(dead_code)] // Each binary uses its own part of this module.

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Set to `1` to make a missing tool a failure instead of a skip.
pub const REQUIRE_VAR: &str = "KVCERT_REQUIRE_INTEROP";

thread_local! {
    /// This thread (a test) is panicking because a required tool is missing.
    static TOOL_MISSING: Cell<bool> = const { Cell::new(false) };
}

/// An external implementation a suite checks kvcert's output with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The OpenSSL 3 command line, `openssl`.
    OpenSsl,
    /// `python3` with the `cryptography` package, >= 42.
    PythonCryptography,
    /// `python3` with pkilint 0.13 (the expected findings are 0.13.3's).
    Pkilint,
    /// A JDK: `java`, `javac` and `keytool`.
    Jdk,
    /// `python3` with the Azure SDK for Key Vault (azure-keyvault-certificates, -keys,
    /// -secrets) and `cryptography`.
    AzureSdkPython,
    /// Valgrind's memcheck, `valgrind` (the constant-time check).
    Valgrind,
    /// The Go toolchain, `go` 1.26 or later, with the Go module proxy (the Azure SDK for Go).
    Go,
    /// A JDK 17 with Maven, `mvn`, and Maven Central (the Azure SDK for Java).
    Maven,
}

impl Tool {
    const ALL: usize = 8;

    fn index(self) -> usize {
        match self {
            Tool::OpenSsl => 0,
            Tool::PythonCryptography => 1,
            Tool::Pkilint => 2,
            Tool::Jdk => 3,
            Tool::AzureSdkPython => 4,
            Tool::Valgrind => 5,
            Tool::Go => 6,
            Tool::Maven => 7,
        }
    }

    /// What the tests that return early need.
    fn needed(self) -> &'static str {
        match self {
            Tool::OpenSsl => "OpenSSL 3",
            Tool::PythonCryptography => "python3 with cryptography",
            Tool::Pkilint => "pkilint",
            Tool::Jdk => "a JDK",
            Tool::AzureSdkPython => "python3 with the Azure Key Vault SDK and azure-identity",
            Tool::Valgrind => "Valgrind",
            Tool::Go => "Go 1.26",
            Tool::Maven => "a JDK 17 and Maven",
        }
    }

    /// How to get it.
    fn install(self) -> &'static str {
        match self {
            Tool::OpenSsl => "install OpenSSL 3 (apt-get install openssl)",
            Tool::PythonCryptography => {
                "install python3 and cryptography >= 42 (apt-get install python3 python3-pip; \
                 python3 -m pip install 'cryptography>=42')"
            }
            Tool::Pkilint => {
                "install pkilint 0.13.3, the version the expected findings were triaged with \
                 (python3 -m pip install pkilint==0.13.3)"
            }
            Tool::Jdk => "install a JDK 17 (apt-get install openjdk-17-jdk-headless)",
            Tool::Valgrind => "install Valgrind (apt-get install valgrind)",
            Tool::Go => {
                "install Go 1.26 or later (https://go.dev/dl/), with the Go module proxy reachable"
            }
            Tool::Maven => {
                "install a JDK 17 and Maven (apt-get install openjdk-17-jdk-headless maven), with \
                 Maven Central reachable"
            }
            Tool::AzureSdkPython => {
                "install the Azure SDK for Python's Key Vault and identity packages (python3 -m pip \
                 install azure-keyvault-certificates azure-keyvault-keys azure-keyvault-secrets \
                 azure-identity 'cryptography>=42')"
            }
        }
    }

    /// `Ok` when usable, else why not.
    fn probe(self) -> Result<(), String> {
        match self {
            Tool::Maven => {
                Tool::Jdk.probe()?;
                let o = output("mvn", &["-v"])?;
                if o.status.success() {
                    Ok(())
                } else {
                    Err(format!("`mvn -v` failed ({})", o.status))
                }
            }
            Tool::Go => {
                let o = output("go", &["env", "GOVERSION"])?;
                let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
                let minor = version
                    .strip_prefix("go1.")
                    .and_then(|rest| rest.split('.').next())
                    .and_then(|m| m.parse::<u32>().ok());
                if o.status.success() && minor.is_some_and(|m| m >= 26) {
                    Ok(())
                } else {
                    Err(format!(
                        "`go env GOVERSION` printed {version:?}, not go1.26 or later"
                    ))
                }
            }
            Tool::OpenSsl => {
                let o = output("openssl", &["version"])?;
                let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
                if o.status.success() && version.starts_with("OpenSSL 3.") {
                    Ok(())
                } else {
                    Err(format!(
                        "`openssl version` printed {version:?} ({}), not OpenSSL 3.x",
                        o.status
                    ))
                }
            }
            Tool::PythonCryptography => {
                // The APIs the suites use; both are in cryptography 42 and later.
                let o = output(
                    "python3",
                    &[
                        "-c",
                        "import cryptography; from cryptography import x509; \
                         x509.Certificate.verify_directly_issued_by; \
                         x509.Certificate.not_valid_after_utc; print(cryptography.__version__)",
                    ],
                )?;
                if o.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "python3 cannot use cryptography >= 42 ({})",
                        last_line(&o.stderr)
                    ))
                }
            }
            Tool::Pkilint => {
                let o = output(
                    "python3",
                    &[
                        "-c",
                        "from importlib.metadata import version; \
                         from pkilint.bin import lint_pkix_cert; print(version('pkilint'))",
                    ],
                )?;
                let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
                if !o.status.success() {
                    Err(format!(
                        "python3 cannot import pkilint ({})",
                        last_line(&o.stderr)
                    ))
                } else if !version.starts_with("0.13.") {
                    Err(format!("pkilint {version} is installed, not 0.13.x"))
                } else {
                    Ok(())
                }
            }
            Tool::AzureSdkPython => {
                let o = output(
                    "python3",
                    &[
                        "-c",
                        "import azure.keyvault.certificates, azure.keyvault.keys, \
                         azure.keyvault.secrets, azure.identity; from cryptography.x509.verification \
                         import PolicyBuilder; print(azure.keyvault.certificates.__version__)",
                    ],
                )?;
                if o.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "python3 cannot import the Azure Key Vault SDK ({})",
                        last_line(&o.stderr)
                    ))
                }
            }
            Tool::Valgrind => {
                let o = output("valgrind", &["--version"])?;
                if o.status.success() {
                    Ok(())
                } else {
                    Err(format!("`valgrind --version` failed ({})", o.status))
                }
            }
            Tool::Jdk => {
                for (program, args) in [
                    ("java", &["-version"][..]),
                    ("javac", &["-version"][..]),
                    ("keytool", &["-help"][..]),
                ] {
                    let o = output(program, args)?;
                    if !o.status.success() {
                        return Err(format!(
                            "`{program} {}` failed ({}): {}",
                            args.join(" "),
                            o.status,
                            last_line(&o.stderr)
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

fn output(program: &str, args: &[&str]) -> Result<Output, String> {
    Command::new(program)
        .args(args)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{program} not found on PATH"),
            _ => format!("cannot run {program} ({e})"),
        })
}

fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no error output")
        .trim()
        .to_owned()
}

/// Whether a missing tool must fail the tests.
pub fn interop_required() -> bool {
    std::env::var_os(REQUIRE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether `tool` can be used by `suite` (the test file, e.g. `file!()`).
///
/// Not usable: panics when `KVCERT_REQUIRE_INTEROP` is set (to anything but empty or `0`);
/// otherwise returns `false` after writing, once per suite and tool, a `SKIPPED` line to
/// standard error that libtest does not capture.
#[track_caller]
pub fn tool(tool: Tool, suite: &str) -> bool {
    static STATUS: [OnceLock<Result<(), String>>; Tool::ALL] =
        [const { OnceLock::new() }; Tool::ALL];
    let Err(why) = STATUS[tool.index()].get_or_init(|| tool.probe()) else {
        return true;
    };
    if interop_required() {
        TOOL_MISSING.set(true);
        panic!(
            "{suite}: {why}: {}. {REQUIRE_VAR} is set, so a missing tool is a failure \
             (unset it to skip what needs {} instead).",
            tool.install(),
            tool.needed()
        );
    }
    static PRINTED: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    let mut printed = PRINTED.lock().unwrap_or_else(|e| e.into_inner());
    let key = (suite.to_owned(), tool.index());
    if !printed.contains(&key) {
        printed.push(key);
        // Not `eprintln!`: libtest captures the print macros (and shows them only for failing
        // tests); a write to the stream itself reaches the terminal.
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED {suite} (the tests or parts that need {}): {why} — {}; set {REQUIRE_VAR}=1 \
             to make a missing tool a failure",
            tool.needed(),
            tool.install()
        );
    }
    false
}

/// Set to `1` to keep a failing test's scratch directory (it may hold private keys).
pub const KEEP_VAR: &str = "KVCERT_KEEP_TEMP";

/// A fresh directory `kvcert-<label>-<pid>-<n>` under `std::env::temp_dir()`, readable only by
/// its owner (the tests write private keys and vaults into it), removed recursively on drop,
/// passed or failed: a failing test keeps it only when [`KEEP_VAR`] is `1`.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("kvcert-{label}-{}-{n}", std::process::id()));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return TempDir { path },
                // Left by an earlier process with the same id: take the next number.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `name` in the directory; returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let failing = std::thread::panicking() && !TOOL_MISSING.get();
        if failing && std::env::var(KEEP_VAR).is_ok_and(|v| v == "1") {
            eprintln!("files kept in {}", self.path.display());
            return;
        }
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            // Not a panic in drop; say it where it will be seen.
            let _ = writeln!(
                std::io::stderr().lock(),
                "could not remove {}: {e}",
                self.path.display()
            );
        } else if failing {
            eprintln!(
                "removed {} ({KEEP_VAR}=1 keeps a failing test's files)",
                self.path.display()
            );
        }
    }
}
