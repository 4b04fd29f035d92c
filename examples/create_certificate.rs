//! The main job as an example, for scripts that call
//! `cargo run --release --example create_certificate -- [--vault URL] [--name NAME]
//! [--now RFC3339] [--seed N] [--out DIR] REQUEST.json`: the same program as the
//! `create_certificate` binary (`src/bin/create_certificate.rs`, included here), with the same
//! flags and outputs. The README's command runs the binary, whose build skips the test-only
//! crates an example gets.

#[path = "../src/bin/create_certificate.rs"]
mod create_certificate;

fn main() -> std::process::ExitCode {
    create_certificate::main()
}
