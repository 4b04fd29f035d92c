//! Shared bodies of the kvcert fuzz targets.
//!
//! `checks.rs` is also compiled into `tests/fuzz_corpus.rs` of the parent crate (through
//! `#[path]`), so the corpus replay test runs exactly what the fuzz targets run.

pub mod checks;
