//! Shared by the suites: the external tools the interop suites call and scratch directories
//! (`tools.rs`, which the emulator's tests share), and a client of the engine's request
//! function (`engine`), base64 and PEM (`text`).

pub mod engine;
pub mod text;
mod tools;

pub use tools::*;
