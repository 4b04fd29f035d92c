//! Nothing to link: this package holds `tests/rust_sdk.rs`, where the official Azure SDK for
//! Rust (`azure_security_keyvault_certificates`) drives kvcert's engine in process through a
//! custom HTTP transport (`tests/transport/mod.rs`). It is a workspace member of its own so
//! that the SDK and its dependencies never reach kvcert's dependency tree.

#![deny(missing_docs)]
