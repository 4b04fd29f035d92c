//! Nothing to link: this package holds `tests/rust_sdk.rs`, where the official Azure SDK for
//! Rust (`azure_security_keyvault_certificates`, `_secrets`, `_keys`) drives kvcert's engine in
//! process through `kvcert-sdk-transport` (`sdk-transport/`), the custom HTTP transport. It is
//! a workspace member of its own so that the SDK and its dependencies never reach kvcert's
//! dependency tree.

#![deny(missing_docs)]
