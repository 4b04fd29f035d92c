//! Shared bodies of the kvcert fuzz targets.
//!
//! `checks.rs` is also compiled into the parent crate's test binary (`tests/it/main.rs`,
//! through `#[path]`), so the corpus replay test (`tests/it/fuzz_corpus.rs`) runs exactly what
//! the fuzz targets run.

pub mod checks;
