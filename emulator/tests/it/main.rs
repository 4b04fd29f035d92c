//! The emulator's integration tests, one binary (`cargo test -p kvcert-emulator --test it`):
//! each former test file is a module, so a filter picks a suite, e.g. `-- crash::` or
//! `-- sdk_go::`. The emulator runs as a child process, the executable Cargo builds before
//! this binary (`CARGO_BIN_EXE_kvcert-emulator`).
//!
//! - `bounds`, `crash`, `vaults`: the emulator over real connections;
//! - `sdk_python`, `sdk_go`, `sdk_java`: the Azure SDKs for Python (`emulator/tests/sdk/`), Go
//!   (`clients/go`) and Java (`clients/java`) against it, and the README's client recipes
//!   (`support`: the emulator as a child for every suite, the recipes, and the external-tool
//!   probe and scratch directories shared with kvcert's tests). Without a tool such a test returns early after a `SKIPPED` line naming
//!   its file; with `KVCERT_REQUIRE_INTEROP=1` a missing tool fails it.

mod support;

mod bounds;
mod crash;
mod sdk_go;
mod sdk_java;
mod sdk_python;
mod vaults;
