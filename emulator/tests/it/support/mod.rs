//! Shared by the emulator's suites: the external tools they call and scratch directories (one
//! file with kvcert's tests, `tests/it/support/tools.rs` at the workspace root), the emulator
//! as a child process (`emulator`) and the README's client recipes (`recipes`).

#![allow(dead_code)] // Each suite uses its own part of this module.

pub mod emulator;
pub mod recipes;
#[path = "../../../../tests/it/support/tools.rs"]
mod tools;

pub use tools::*;
