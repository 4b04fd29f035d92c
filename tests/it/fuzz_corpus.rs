//! Replays the fuzz corpus (and any crash artifacts) through exactly what the fuzz targets run.
//!
//! For each target `T` this reads every file of `fuzz/corpus/T/` (committed seeds, which must
//! not be empty), of `fuzz/regressions/T/` when that directory exists (committed inputs that
//! once crashed a target) and of `fuzz/artifacts/T/` when that directory exists (inputs
//! libFuzzer saved on a crash, timeout or leak, git-ignored), and feeds each one to the function
//! the target calls. The bodies are shared with the fuzz crate: `fuzz/src/checks.rs`, public
//! kvcert API only.

use std::panic;
use std::path::{Path, PathBuf};

use crate::checks;

/// Regular files of `dir`, sorted; `None` when the directory does not exist.
fn files_in(dir: &Path) -> Option<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    files.sort();
    Some(files)
}

/// Runs `check` on every corpus file, regression and artifact of `target`; fails listing each
/// input that panicked. Returns (inputs run, inputs `check` accepted).
fn replay(target: &str, check: fn(&[u8]) -> bool) -> (usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus_dir = root.join("corpus").join(target);
    let corpus = files_in(&corpus_dir)
        .unwrap_or_else(|| panic!("missing seed corpus {}", corpus_dir.display()));
    assert!(
        !corpus.is_empty(),
        "seed corpus {} is empty",
        corpus_dir.display()
    );
    let regressions = files_in(&root.join("regressions").join(target)).unwrap_or_default();
    let artifacts = files_in(&root.join("artifacts").join(target)).unwrap_or_default();

    let mut failed = Vec::new();
    let mut accepted = 0;
    for path in corpus.iter().chain(&regressions).chain(&artifacts) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match panic::catch_unwind(|| check(&data)) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => failed.push(path.display().to_string()),
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} input(s) panicked (messages above):\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    println!(
        "{target}: {} seed(s), {} regression(s), {} artifact(s), {accepted} accepted",
        corpus.len(),
        regressions.len(),
        artifacts.len()
    );
    (corpus.len() + regressions.len() + artifacts.len(), accepted)
}

#[test]
fn policy_json_corpus() {
    let (run, accepted) = replay("policy_json", checks::policy_json);
    // The seeds hold both accepted and refused requests; all-refused would mean a broken check.
    assert!(accepted > 0, "no policy_json seed was accepted ({run} run)");
    assert!(
        accepted < run,
        "no policy_json seed was refused ({run} run)"
    );
}

#[test]
fn subject_dn_corpus() {
    let (run, accepted) = replay("subject_dn", checks::subject_dn);
    assert!(accepted > 0, "no subject_dn seed was encoded ({run} run)");
    assert!(accepted < run, "no subject_dn seed was refused ({run} run)");
}

#[test]
fn san_values_corpus() {
    let (run, accepted) = replay("san_values", checks::san_values);
    assert!(accepted > 0, "no san_values seed was accepted ({run} run)");
    assert!(accepted < run, "no san_values seed was refused ({run} run)");
}

#[test]
fn roundtrip_corpus() {
    // Every input describes a valid policy: all must issue and re-parse.
    let (run, accepted) = replay("roundtrip", checks::roundtrip);
    assert_eq!(accepted, run, "a roundtrip input was not issued");
}

#[test]
fn import_corpus() {
    let (run, accepted) = replay("import", checks::import);
    assert!(accepted > 0, "no import seed was accepted ({run} run)");
    assert!(accepted < run, "no import seed was refused ({run} run)");
}

#[test]
fn pfx_corpus() {
    let (run, accepted) = replay("pfx", checks::pfx);
    assert!(accepted > 0, "no pfx seed was read ({run} run)");
    assert!(accepted < run, "no pfx seed was refused ({run} run)");
}

#[test]
fn merge_corpus() {
    let (run, accepted) = replay("merge", checks::merge);
    assert!(
        accepted > 0,
        "no merge seed held readable certificates ({run} run)"
    );
    assert!(accepted < run, "no merge seed was unreadable ({run} run)");
}

#[test]
fn requests_corpus() {
    let (run, accepted) = replay("requests", checks::requests);
    assert!(accepted > 0, "no requests seed succeeded ({run} run)");
    assert!(accepted < run, "every requests seed succeeded ({run} run)");
}
