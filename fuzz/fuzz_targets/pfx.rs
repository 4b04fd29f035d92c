//! Raw PFX bytes straight into `kvcert::pkcs12::decode_pfx_with_limits` (see
//! `kvcert_fuzz::checks::pfx`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::pfx(data);
});
