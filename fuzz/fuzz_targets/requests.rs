//! Random request sequences into `VaultState::handle` (see `kvcert_fuzz::checks::requests`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::requests(data);
});
