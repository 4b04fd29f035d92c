//! kvcert-emulator: the reference Azure Key Vault emulator on kvcert. It serves the engine's
//! request function (`kvcert::VaultState::handle`) over HTTPS on loopback, with Key Vault's
//! authentication challenge, a clock tests can move, one or several vaults, and the vaults
//! kept in an SQLite database.
//!
//! ```text
//! cargo run --release -p kvcert-emulator -- [--listen 127.0.0.1:PORT] [--tls-cert-out PATH]
//!     [--seed N] [--state FILE] [--self-delay SECONDS] [--ca-delay SECONDS]
//!     [--max-connections N] [--vault NAME[=PORT]]...
//! ```
//!
//! The path of a request: [`server`] accepts a connection (hyper on tokio, TLS by
//! tokio-rustls, every bound in its table) and picks the vault (by port, host name or
//! `?vault=`); [`vault::Emulator`] answers it (challenge, management endpoints, or the engine:
//! decide under the vault's lock, work the request's part without it, commit under it);
//! [`store`] commits the change set in one transaction before the answer is written;
//! [`identity`] answers the token requests of the credentials applications use. [`http`]
//! holds the request and answer types and the size bounds; [`client`] and [`tls`] serve the
//! tests and the load example. What fails is an [`Error`] ([`error`]), which also says how
//! a request that failed is answered.

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod args;
pub mod client;
pub mod error;
pub mod http;
pub mod identity;
pub mod server;
pub mod store;
pub mod tls;
pub mod vault;

pub use error::Error;
