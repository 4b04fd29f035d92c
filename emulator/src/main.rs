//! The `kvcert-emulator` command: see the library's documentation.

#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::process::ExitCode;

use kvcert_emulator::{args, server};

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
