//! A Merge Certificate body into a vault with a pending `Unknown` request (see
//! `kvcert_fuzz::checks::merge`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::merge(data);
});
