//! Every output of the main job, byte for byte: the SHA-256 of each file `create_certificate`
//! writes (and of its stdout) for every request in `examples/requests/`, two seeds each, against
//! `tests/data/golden/main_job.sha256` (how it was made: `tests/data/golden/README.md`).
//!
//! Refactorings must not change behaviour; this is the test that says they did not.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use sha2::{Digest, Sha256};
use support::TempDir;

const REQUESTS: [&str; 5] = [
    "docs_sample",
    "ec_p384_pem",
    "multi_rdn",
    "san_types",
    "unknown_issuer",
];
const SEEDS: [u64; 2] = [1, 2];
const NOW: &str = "2026-01-15T12:00:00Z";

fn expected() -> BTreeMap<String, String> {
    let manifest = include_str!("../data/golden/main_job.sha256");
    manifest
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (hash, path) = l.split_once("  ").expect("sha256sum format");
            (path.to_owned(), hash.to_owned())
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn every_output_of_the_main_job_is_unchanged() {
    let dir = TempDir::new("golden");
    let mut actual = BTreeMap::new();
    for request in REQUESTS {
        for seed in SEEDS {
            let out = dir.path().join(request).join(seed.to_string());
            let run = Command::new(env!("CARGO_BIN_EXE_create_certificate"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["-q", "--seed", &seed.to_string(), "--now", NOW, "--out"])
                .arg(&out)
                .arg(format!("examples/requests/{request}.json"))
                .output()
                .expect("the main job runs");
            assert!(
                run.status.success(),
                "{request} seed {seed}: {:?}",
                run.status
            );
            actual.insert(format!("{request}/{seed}/stdout"), sha256_hex(&run.stdout));
            for entry in std::fs::read_dir(&out).expect("out dir") {
                let entry = entry.expect("entry");
                let name = entry.file_name().into_string().expect("UTF-8 name");
                let bytes = std::fs::read(entry.path()).expect("read");
                actual.insert(format!("{request}/{seed}/{name}"), sha256_hex(&bytes));
            }
        }
    }
    let expected = expected();
    let differ: BTreeSet<&String> = expected
        .keys()
        .chain(actual.keys())
        .filter(|k| expected.get(*k) != actual.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "outputs changed or missing: {differ:?}\nthe new manifest would be:\n{}",
        actual
            .iter()
            .map(|(p, h)| format!("{h}  {p}\n"))
            .collect::<String>()
    );
    assert_eq!(actual.len(), 104, "files per run changed");
}
