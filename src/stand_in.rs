//! Stand-ins for the costly primitives, for fuzzing the vault's state machine; in fuzzing
//! builds only.
//!
//! A coverage-guided fuzzer of request sequences (the `requests` target in `fuzz/`) spends
//! most of an execution in ECDSA signing (two signatures per create) and in the PFX's key
//! derivations (2,000 SHA-1 iterations each, on every secret read), code that other targets
//! fuzz on its own and that its own inputs cannot steer. `enable` switches both to stand-ins
//! for the rest of the process, so the fuzzer's time goes to the state machine:
//!
//! - every signature is the fixed DER `SEQUENCE { INTEGER 1, INTEGER 1 }` (8 bytes) for an
//!   EC key, and zero bytes of the modulus' length for an RSA key;
//! - a PFX is written with 1 iteration for its key bag, its certificates and its MAC (the
//!   iteration counts in the PFX say 1, so it still reads back).
//!
//! Certificates and CSRs keep their structure and every other byte, but their signatures do
//! not verify: never for anything but fuzzing. `enable` exists only when the crate is built
//! with `--cfg fuzzing`, as cargo-fuzz builds it; without it, nothing here can be switched on
//! and the check inside kvcert is constant `false`. The precedent is BoringSSL's fuzzer mode, which
//! replaces its signatures and ciphers the same way.

#[cfg(fuzzing)]
static ACTIVE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Switches the stand-ins on for this process (fuzzing builds only; see the
/// [module docs](self)). A fuzz target calls it once, in its `init`.
#[cfg(fuzzing)]
pub fn enable() {
    ACTIVE.store(true, core::sync::atomic::Ordering::Relaxed);
}

/// Whether the stand-ins are on: only ever in a fuzzing build whose target called
/// `enable`.
#[inline]
pub(crate) fn active() -> bool {
    #[cfg(fuzzing)]
    {
        ACTIVE.load(core::sync::atomic::Ordering::Relaxed)
    }
    #[cfg(not(fuzzing))]
    {
        false
    }
}

/// The stand-in EC signature: DER `SEQUENCE { INTEGER 1, INTEGER 1 }`.
pub(crate) const EC_SIGNATURE: [u8; 8] = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_unless_a_fuzzing_build_switches_it_on() {
        assert!(!active());
        // The stand-in is a well-formed ECDSA-Sig-Value (r = s = 1), as the ecdsa crate reads it.
        let parsed = p256::ecdsa::Signature::from_der(&EC_SIGNATURE).unwrap();
        assert_eq!(parsed.to_bytes()[31], 1);
        assert_eq!(parsed.to_bytes()[63], 1);
    }
}
