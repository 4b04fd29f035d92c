//! Shared by the test suites (`mod support;`): the external tools the interop suites call and
//! scratch directories (`tools.rs`, which the emulator's tests share), and a client of the
//! engine's request function (`engine`).

#![allow(dead_code)] // Each suite uses its own part of this module.

pub mod engine;
mod tools;

#[allow(unused_imports)] // The suites that use only `engine`.
pub use tools::*;
