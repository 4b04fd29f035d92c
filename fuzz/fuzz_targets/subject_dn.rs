//! RFC 4514 subjects: parsing and DER encoding must never panic, and every DER kvcert
//! writes must decode as an X.509 `Name` (see `kvcert_fuzz::checks::subject_dn`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::subject_dn(data);
});
