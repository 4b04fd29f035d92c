//! Secret-taint hooks for the constant-time check under Valgrind (`tests/constant_time.rs`), in
//! the spirit of ctgrind and TIMECOP.
//!
//! The RSA code marks its secrets where they enter (`secret`: the key's primes and CRT
//! exponents when signing, the blinding factor, every prime candidate as it is drawn) and
//! releases what is public by design (`public`: the verdict on a rejected candidate,
//! v₂(p − 1), the signature once verified). With `--cfg kvcert_ct_check`, and only when the
//! process runs under Valgrind's memcheck, marking makes the bytes *undefined*: memcheck then
//! reports every conditional jump and every memory address that depends on them, which is
//! exactly a secret-dependent branch or table index. Releasing makes them defined again.
//!
//! Without the cfg both hooks compile to nothing; with it and outside Valgrind each is a
//! few register rotations that Valgrind recognises and a CPU executes as no-ops.
//!
//! What memcheck cannot see: an instruction whose *duration* depends on its operands (a
//! division, say) does not branch, so it is not reported. The kernels use no division on
//! secrets (see `monty`).
//!
//! The public part of this module (with the cfg) is what the check itself needs: whether it
//! runs under Valgrind, memcheck's error count, and marking a buffer.

/// Marks `value` as secret for the constant-time check (see the module documentation).
#[cfg(kvcert_ct_check)]
#[inline(always)]
pub(crate) fn secret<T: ?Sized>(value: &mut T) {
    // The bytes of `value`, as a raw range: the request only changes Valgrind's shadow state,
    // never the bytes themselves.
    let len = core::mem::size_of_val(value);
    client::mark(
        client::MAKE_MEM_UNDEFINED,
        (value as *mut T).cast::<u8>(),
        len,
    );
}

/// Marks `value` as secret for the constant-time check: nothing without `--cfg kvcert_ct_check`.
#[cfg(not(kvcert_ct_check))]
#[inline(always)]
pub(crate) fn secret<T: ?Sized>(_value: &mut T) {}

/// Releases `value` as public by design (see the module documentation), and returns it.
#[cfg(kvcert_ct_check)]
#[inline(always)]
pub(crate) fn public<T: Copy>(value: T) -> T {
    let mut v = value;
    release(&mut v);
    // Read back from memory: memcheck's verdict on `v` is the one in memory, now defined.
    core::hint::black_box(v)
}

/// Releases `value` as public by design: the identity without `--cfg kvcert_ct_check`.
#[cfg(not(kvcert_ct_check))]
#[inline(always)]
pub(crate) fn public<T: Copy>(value: T) -> T {
    value
}

/// Releases the bytes of `value` as public by design, in place.
#[cfg(kvcert_ct_check)]
#[inline(always)]
pub(crate) fn release<T: ?Sized>(value: &mut T) {
    let len = core::mem::size_of_val(value);
    client::mark(
        client::MAKE_MEM_DEFINED,
        (value as *mut T).cast::<u8>(),
        len,
    );
}

/// Releases the bytes of `value` as public by design: nothing without `--cfg kvcert_ct_check`.
#[cfg(not(kvcert_ct_check))]
#[inline(always)]
pub(crate) fn release<T: ?Sized>(_value: &mut T) {}

/// True when this process runs under Valgrind (always false on a platform other than x86-64
/// Linux, where the check does not run).
#[cfg(kvcert_ct_check)]
pub fn running_on_valgrind() -> bool {
    client::request(0, client::RUNNING_ON_VALGRIND, 0, 0) != 0
}

/// Whether the code runs under the check: Valgrind with `--cfg kvcert_ct_check`. The RSA kernels
/// then take their `mulx`/`adcx`/`adox` path even though Valgrind's virtual CPU hides ADX from
/// CPUID (it executes the instructions), so that the path checked is the one the host runs.
#[cfg(kvcert_ct_check)]
pub(crate) fn under_check() -> bool {
    running_on_valgrind()
}

/// Whether the code runs under the check: never without `--cfg kvcert_ct_check`.
#[cfg(not(kvcert_ct_check))]
#[inline(always)]
pub(crate) fn under_check() -> bool {
    false
}

/// The number of errors the Valgrind tool has reported so far (0 outside Valgrind).
#[cfg(kvcert_ct_check)]
pub fn error_count() -> u64 {
    client::request(0, client::COUNT_ERRORS, 0, 0)
}

/// Marks `bytes` as secret (undefined for memcheck), as the library does with its own secrets.
#[cfg(kvcert_ct_check)]
pub fn mark_secret(bytes: &mut [u8]) {
    secret(bytes);
}

/// Marks `bytes` as public again (defined for memcheck).
#[cfg(kvcert_ct_check)]
pub fn mark_public(bytes: &mut [u8]) {
    release(bytes);
}

/// Valgrind's client requests: the documented x86-64 instruction sequence (`valgrind.h`,
/// `VALGRIND_DO_CLIENT_REQUEST_EXPR`) with the request numbers of `valgrind.h` and
/// `memcheck.h`. On other platforms every request returns its default.
#[cfg(kvcert_ct_check)]
mod client {
    /// `VG_USERREQ__RUNNING_ON_VALGRIND` (valgrind.h).
    pub(super) const RUNNING_ON_VALGRIND: u64 = 0x1001;
    /// `VG_USERREQ__COUNT_ERRORS` (valgrind.h).
    pub(super) const COUNT_ERRORS: u64 = 0x1201;
    /// `VG_USERREQ__MAKE_MEM_UNDEFINED`: memcheck's tool base `('M' << 24) | ('C' << 16)`, + 1.
    pub(super) const MAKE_MEM_UNDEFINED: u64 = 0x4D43_0001;
    /// `VG_USERREQ__MAKE_MEM_DEFINED`: the tool base + 2.
    pub(super) const MAKE_MEM_DEFINED: u64 = 0x4D43_0002;

    /// Changes memcheck's view of `len` bytes at `ptr` (the bytes themselves are unchanged).
    #[inline(always)]
    pub(super) fn mark(request_code: u64, ptr: *mut u8, len: usize) {
        request(0, request_code, ptr as u64, len as u64);
    }

    /// One client request with two arguments; `default` outside Valgrind.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[inline(always)]
    pub(super) fn request(default: u64, code: u64, arg1: u64, arg2: u64) -> u64 {
        let args: [u64; 6] = [code, arg1, arg2, 0, 0, 0];
        let mut result = default;
        // SAFETY: the four rotations of rdi add up to 128 bits (rdi is unchanged) and
        // `xchg rbx, rbx` swaps a register with itself: on a CPU the sequence changes only the
        // flags (not declared preserved). Under Valgrind it is the client-request marker: Valgrind
        // reads the six words at rax (a live local array) and writes its answer to rdx, which is
        // declared in/out. The requests used here change only Valgrind's shadow state of the
        // given range, never memory the program sees; memory is not declared untouched, so the
        // compiler keeps `args` (and the marked values) in memory around it.
        #[allow(unsafe_code)]
        unsafe {
            core::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") result,
                options(nostack),
            );
        }
        result
    }

    /// One client request: outside x86-64 Linux there is no Valgrind to answer.
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    #[inline(always)]
    pub(super) fn request(default: u64, _code: u64, _arg1: u64, _arg2: u64) -> u64 {
        default
    }
}
