//! Valid-by-construction policies: each input describes one (`RoundtripCase::from_bytes`), which
//! is issued and whose CSR and certificate must re-parse to exactly the policy's fields (see
//! `kvcert_fuzz::checks::roundtrip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::roundtrip(data);
});
