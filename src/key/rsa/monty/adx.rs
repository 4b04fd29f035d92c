//! The Montgomery product for RSA's CRT halves (16 and 32 limbs) as x86-64 assembly built on
//! `mulx`, `adcx` and `adox`: two independent carry chains, so each limb product costs one
//! multiplication and two additions and the adds of a row do not wait on one another. The
//! compiler emits neither `adcx` nor `adox` by itself, which is why this is written out.
//!
//! The method is operand scanning (CIOS, Koç, Acar and Kaliski, "Analyzing and comparing
//! Montgomery multiplication algorithms", 1996), one row per limb `b_i`:
//!
//! 1. `t += a·b_i` — pass A: limb j gets the low half of `a_j·b_i` on the CF chain (`adcx`)
//!    and the high half of `a_(j−1)·b_i` on the OF chain (`adox`);
//! 2. `q = t_0·(−m⁻¹) mod 2⁶⁴`, then `t = (t + q·m) / 2⁶⁴` — pass B, the same shape over `m`,
//!    each limb stored one place lower.
//!
//! `t` has N + 2 limbs. Between rows `t < 2m` (so `t_N ≤ 1`): with `a, t < 2m`… the usual
//! CIOS bound, `(2m + (2⁶⁴ − 1)·m + (2⁶⁴ − 1)·m) / 2⁶⁴ < 2m` for `a < m`. Limb N + 1 only carries
//! pass A's top carry into pass B. The caller reduces the result once.
//!
//! Constant time: the instruction stream is the same for every value — no branch but the row
//! counter, every address a fixed offset from the operands' bases, and `mulx`, `adcx`, `adox`
//! take the same time for every operand on the CPUs that have them.

/// One limb of pass A: `t_j += lo(a_j·b_i) + hi(a_(j−1)·b_i)` with the carries on the two chains.
/// `$hi` receives this product's high half; `$prev` holds the previous one's.
#[rustfmt::skip]
macro_rules! pass_a {
    ($j:literal, $hi:literal, $prev:literal) => {
        concat!(
            "mulx ", $hi, ", {lo}, qword ptr [{a} + 8*", $j, "]\n",
            "adcx {lo}, qword ptr [{t} + 8*", $j, "]\n",
            "adox {lo}, ", $prev, "\n",
            "mov qword ptr [{t} + 8*", $j, "], {lo}\n",
        )
    };
}

/// One limb of pass B: `t_(j−1) = t_j + lo(q·m_j) + hi(q·m_(j−1))` with the carries on the two
/// chains (the division by 2⁶⁴ is the store one limb lower).
#[rustfmt::skip]
macro_rules! pass_b {
    ($j:literal, $below:literal, $hi:literal, $prev:literal) => {
        concat!(
            "mulx ", $hi, ", {lo}, qword ptr [{m} + 8*", $j, "]\n",
            "adcx {lo}, qword ptr [{t} + 8*", $j, "]\n",
            "adox {lo}, ", $prev, "\n",
            "mov qword ptr [{t} + 8*", $below, "], {lo}\n",
        )
    };
}

/// The whole product for `$n` limbs (`$n` even). `$j`/`$below` list 1 … N−1 and 0 … N−2 in
/// pairs of (odd, even) limbs; `$n1` is N + 1.
macro_rules! kernel {
    (
        $(#[$doc:meta])* $name:ident, $n:literal, $n1:literal,
        $( ($odd:literal, $odd_below:literal, $even:literal, $even_below:literal) )*
        last ($last:literal, $last_below:literal)
    ) => {
        $(#[$doc])*
        #[allow(unsafe_code)]
        pub(super) fn $name(
            a: &[u64; $n],
            b: &[u64; $n],
            m: &[u64; $n],
            m0inv: u64,
            t: &mut [u64; $n + 2],
        ) {
            assert_adx();
            *t = [0u64; $n + 2];
            // SAFETY: the template reads `a`, `m` and `t` at offsets 0 … 8·(N − 1) and
            // 0 … 8·(N + 1), and `b` at 8·i for the row counter i < N (the pointer advances
            // once per row, N rows), all inside the arrays passed by reference; it writes only
            // `t`, borrowed mutably. It uses no stack and restores no flags (not preserved:
            // the default). `mulx`, `adcx` and `adox` need BMI2 and ADX, which `assert_adx`
            // checked at the top.
            unsafe {
                core::arch::asm!(
                    "2:",
                    // zero = 0, CF = OF = 0: both chains start empty.
                    "xor {zero:e}, {zero:e}",
                    "mov rdx, qword ptr [{b}]",
                    // Pass A, limb 0: no previous high half.
                    "mulx {h0}, {lo}, qword ptr [{a}]",
                    "adcx {lo}, qword ptr [{t}]",
                    "mov qword ptr [{t}], {lo}",
                    $(
                        pass_a!($odd, "{h1}", "{h0}"),
                        pass_a!($even, "{h0}", "{h1}"),
                    )*
                    pass_a!($last, "{h1}", "{h0}"),
                    // t_N += hi(a_(N−1)·b_i) and both carries; t_(N+1) = the carries out.
                    concat!("mov {lo}, qword ptr [{t} + 8*", $n, "]"),
                    "adcx {lo}, {h1}",
                    "adox {lo}, {zero}",
                    concat!("mov qword ptr [{t} + 8*", $n, "], {lo}"),
                    "mov {lo}, {zero}",
                    "adcx {lo}, {zero}",
                    "adox {lo}, {zero}",
                    concat!("mov qword ptr [{t} + 8*", $n1, "], {lo}"),
                    // q = t_0·(−m⁻¹) mod 2⁶⁴, then clear the flags `imul` left.
                    "mov rdx, qword ptr [{t}]",
                    "imul rdx, {m0inv}",
                    "xor {zero:e}, {zero:e}",
                    // Pass B, limb 0: the sum is 0 mod 2⁶⁴ by the choice of q; only its carry
                    // is kept.
                    "mulx {h0}, {lo}, qword ptr [{m}]",
                    "adcx {lo}, qword ptr [{t}]",
                    $(
                        pass_b!($odd, $odd_below, "{h1}", "{h0}"),
                        pass_b!($even, $even_below, "{h0}", "{h1}"),
                    )*
                    pass_b!($last, $last_below, "{h1}", "{h0}"),
                    concat!("mov {lo}, qword ptr [{t} + 8*", $n, "]"),
                    "adcx {lo}, {h1}",
                    "adox {lo}, {zero}",
                    concat!("mov qword ptr [{t} + 8*", $last, "], {lo}"),
                    concat!("mov {lo}, qword ptr [{t} + 8*", $n1, "]"),
                    "adcx {lo}, {zero}",
                    "adox {lo}, {zero}",
                    concat!("mov qword ptr [{t} + 8*", $n, "], {lo}"),
                    // Next row.
                    "add {b}, 8",
                    "dec {rows}",
                    "jnz 2b",
                    a = in(reg) a.as_ptr(),
                    b = inout(reg) b.as_ptr() => _,
                    m = in(reg) m.as_ptr(),
                    t = in(reg) t.as_mut_ptr(),
                    m0inv = in(reg) m0inv,
                    rows = inout(reg) $n as u64 => _,
                    lo = out(reg) _,
                    h0 = out(reg) _,
                    h1 = out(reg) _,
                    zero = out(reg) _,
                    out("rdx") _,
                    options(nostack),
                );
            }
        }
    };
}

kernel!(
    /// The Montgomery product of 16-limb numbers into `t` (N + 2 limbs; `t_0 … t_16` hold the
    /// unreduced result, below 2m). Needs BMI2 and ADX.
    mul_16, 16, 17,
    (1, 0, 2, 1) (3, 2, 4, 3) (5, 4, 6, 5) (7, 6, 8, 7) (9, 8, 10, 9) (11, 10, 12, 11)
    (13, 12, 14, 13)
    last (15, 14)
);

kernel!(
    /// The Montgomery product of 32-limb numbers into `t` (N + 2 limbs; `t_0 … t_32` hold the
    /// unreduced result, below 2m). Needs BMI2 and ADX.
    mul_32, 32, 33,
    (1, 0, 2, 1) (3, 2, 4, 3) (5, 4, 6, 5) (7, 6, 8, 7) (9, 8, 10, 9) (11, 10, 12, 11)
    (13, 12, 14, 13) (15, 14, 16, 15) (17, 16, 18, 17) (19, 18, 20, 19) (21, 20, 22, 21)
    (23, 22, 24, 23) (25, 24, 26, 25) (27, 26, 28, 27) (29, 28, 30, 29)
    last (31, 30)
);

/// Whether the assembly kernels can run here: BMI2 and ADX. Under Valgrind (the constant-time
/// check, feature `ct-check`) they always can — its virtual CPU executes `adcx`/`adox` but hides
/// ADX from CPUID — so that the check runs the path the host runs.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("bmi2")
        && (std::arch::is_x86_feature_detected!("adx") || crate::ct_check::under_check())
}

/// A cheap guard for the kernels' precondition (cached feature detection).
#[inline(always)]
fn assert_adx() {
    assert!(available(), "the mulx/adx kernel needs BMI2 and ADX");
}
