//! Shared by the suites: the external tools the interop suites call and scratch directories
//! (`tools.rs`, which the emulator's tests share), and a client of the engine's request
//! function (`engine`).

pub mod engine;
mod tools;

pub use tools::*;
