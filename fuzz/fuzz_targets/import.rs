//! Import Certificate request bodies: `kvcert::service::import::import_certificate` must never panic (see
//! `kvcert_fuzz::checks::import`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::import(data);
});
