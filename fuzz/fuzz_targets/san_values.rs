//! SAN values: a selector byte and a string; the `kvcert::x509::san` validators must never panic,
//! and a value a validator accepts must make an accepted policy (see
//! `kvcert_fuzz::checks::san_values`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::san_values(data);
});
