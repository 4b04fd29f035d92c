//! Create Certificate request bodies: `IssuancePlan::from_json` must never panic, and
//! whatever it answers must serialise (see `kvcert_fuzz::checks::policy_json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kvcert_fuzz::checks::policy_json(data);
});
