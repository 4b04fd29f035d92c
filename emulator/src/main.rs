//! The `kvcert-emulator` command: see the library's documentation.

#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::process::ExitCode;

use kvcert_emulator::error::Report;
use kvcert_emulator::{Error, args, server};

fn main() -> ExitCode {
    let result = args::parse(std::env::args_os().skip(1))
        .map_err(Error::from)
        .and_then(|parsed| match parsed {
            None => {
                print!("{}", args::HELP);
                Ok(())
            }
            Some(args) => server::run(&args),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The error's text, and any cause it does not already show.
            eprintln!("kvcert-emulator: {}", Report(&e));
            // A command line the emulator does not take: 2, as usage errors do.
            match e {
                Error::Args(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
