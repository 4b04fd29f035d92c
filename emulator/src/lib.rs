//! kvcert-emulator: the reference Azure Key Vault emulator on kvcert. It serves the engine's
//! request function (`kvcert::VaultState::handle`) over HTTPS on loopback, with Key Vault's
//! authentication challenge, a clock tests can move, and the vault kept in a file.
//!
//! ```text
//! cargo run --release -p kvcert-emulator -- [--listen 127.0.0.1:PORT] [--tls-cert-out PATH]
//!     [--seed N] [--state FILE] [--self-delay SECONDS] [--ca-delay SECONDS]
//! ```
//!
//! The path of a request: [`server`] accepts a connection (at most [`server::MAX_CONNECTIONS`]
//! at once) and does TLS; [`http`] reads one bounded request; [`vault::Emulator`] answers it
//! (challenge, management endpoints, or the engine); [`store`] saves a change before the
//! answer is written.

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod args;
pub mod client;
pub mod http;
pub mod server;
pub mod store;
pub mod tls;
pub mod vault;
