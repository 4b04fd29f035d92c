//! kvcert's integration tests, one binary (`cargo test -p kvcert --test it`; the emulator's,
//! also named `it`, are `emulator/tests/it`). Each former test file is a module, so a filter
//! picks a suite, e.g. `cargo test -p kvcert --test it fuzz_corpus::`. Test data is in
//! `tests/data/`.
//!
//! - the engine (`VaultState`) through its request function: `engine`, `engine_ca`,
//!   `engine_lifecycle`, `engine_merge`, `engine_model` (model-based, proptest), `engine_renewal`,
//!   `engine_route`;
//! - issuance and the service's own exchanges: `issuance`, `service_fixtures`, `refusals`,
//!   `properties` (proptest), `fuzz_corpus` (the fuzz targets' corpus, `fuzz/src/checks.rs`);
//! - the main job (`create_certificate`): `main_job`, `golden`;
//! - kvcert's output read by other implementations: `interop`, `pkcs12_interop`, `import`,
//!   `pkilint`. Without a tool (OpenSSL 3, Python's `cryptography`, pkilint, a JDK) the parts
//!   that need it return early after a `SKIPPED` line naming the suite's file; with
//!   `KVCERT_REQUIRE_INTEROP=1` a missing tool fails them (`support`).

mod support;

/// What each fuzz target does with one input (`fuzz/src/checks.rs`, shared with the fuzz
/// crate): `fuzz_corpus` replays the corpus through it, `properties` reuses its roundtrip
/// checks.
#[path = "../../fuzz/src/checks.rs"]
mod checks;

mod engine;
mod engine_ca;
mod engine_lifecycle;
mod engine_merge;
mod engine_model;
mod engine_renewal;
mod engine_route;
mod fuzz_corpus;
mod golden;
mod import;
mod interop;
mod issuance;
mod main_job;
mod pkcs12_interop;
mod pkilint;
mod properties;
mod refusals;
mod service_fixtures;
