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

mod args;
mod http;
mod server;
mod store;
mod tls;
mod vault;

use std::process::ExitCode;

fn main() -> ExitCode {
    match args::parse(std::env::args().skip(1)) {
        Ok(None) => {
            print!("{}", args::HELP);
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match server::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kvcert-emulator: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("kvcert-emulator: {e}");
            ExitCode::from(2)
        }
    }
}
