//! Random request sequences into `VaultState::handle` (see `kvcert_fuzz::checks::requests`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // The state machine is fuzzed here, not the signatures and key derivations (the
        // `roundtrip`, `pfx` and `merge` targets fuzz those): see `kvcert::stand_in`.
        #[cfg(fuzzing)]
        kvcert::stand_in::enable();
    },
    |data: &[u8]| {
        let _ = kvcert_fuzz::checks::requests(data);
    }
);
