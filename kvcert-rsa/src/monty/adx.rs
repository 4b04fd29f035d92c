//! The Montgomery product and square for RSA's CRT halves (16 and 32 limbs) as x86-64 assembly
//! built on `mulx`, `adcx` and `adox`: two independent carry chains, so each limb product costs
//! one multiplication and two additions and the adds of a row do not wait on one another. The
//! compiler emits neither `adcx` nor `adox` by itself, which is why this is written out.
//!
//! The product is operand scanning (CIOS, Koç, Acar and Kaliski, "Analyzing and comparing
//! Montgomery multiplication algorithms", 1996), one row per limb `b_i`:
//!
//! 1. `t += a·b_i` — pass A: limb j gets the low half of `a_j·b_i` on the CF chain (`adcx`)
//!    and the high half of `a_(j−1)·b_i` on the OF chain (`adox`);
//! 2. `q = t_0·(−m⁻¹) mod 2⁶⁴`, then `t = (t + q·m) / 2⁶⁴` — pass B, the same shape over `m`,
//!    each limb stored one place lower.
//!
//! `t` has N + 2 limbs. For `a < m`, `t` stays below 2m between rows (so `t_N ≤ 1`), since
//! `(2m + (2⁶⁴ − 1)·m + (2⁶⁴ − 1)·m) / 2⁶⁴ < 2m`. Limb N + 1 only carries pass A's top carry into
//! pass B. The caller reduces the result once.
//!
//! The square is product then reduction (SOS, same paper): the cross products once, doubled
//! with the squares added, then N reduction rows (see [`sqr_16`]).
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
                    "mulx {h0}, {t0}, qword ptr [{a}]",
                    "adcx {t0}, qword ptr [{t}]",
                    // Limb 0 stays in a register: q and pass B's limb 0 read it there, and pass
                    // B's limb 1 writes t_0 (no store and reload on the rows' critical path).
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
                    "mov rdx, {t0}",
                    "imul rdx, {m0inv}",
                    "xor {zero:e}, {zero:e}",
                    // Pass B, limb 0: the sum is 0 mod 2⁶⁴ by the choice of q; only its carry
                    // is kept.
                    "mulx {h0}, {lo}, qword ptr [{m}]",
                    "adcx {lo}, {t0}",
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
                    t0 = out(reg) _,
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

/// One product of a squaring's cross row i: `t_(i+j) += lo(a_i·a_j) + hi(a_i·a_(j−1))` on the
/// two chains (`rdx` = a_i).
#[rustfmt::skip]
macro_rules! cross_step {
    ($i:literal, $j:literal, $hi:literal, $prev:literal) => {
        concat!(
            "mulx ", $hi, ", {lo}, qword ptr [{a} + 8*", $j, "]\n",
            "adcx {lo}, qword ptr [{t} + 8*(", $i, "+", $j, ")]\n",
            "adox {lo}, ", $prev, "\n",
            "mov qword ptr [{t} + 8*(", $i, "+", $j, ")], {lo}\n",
        )
    };
}

/// The rest of cross row `$i` over the limbs `$j…`, alternating the two high-half registers;
/// at the end, the last high half and both carries become limb i + N, which no row has
/// written yet (the partial sum after row i is below 2^(64·(N+i+1)): no carry out).
#[rustfmt::skip]
macro_rules! cross_row {
    ($i:literal, $n:literal; $hi:literal $other:literal $prev:literal;) => {
        concat!(
            "adcx ", $prev, ", {zero}\n",
            "adox ", $prev, ", {zero}\n",
            "mov qword ptr [{t} + 8*(", $i, "+", $n, ")], ", $prev, "\n",
        )
    };
    ($i:literal, $n:literal; $hi:literal $other:literal $prev:literal; $j:literal $($rest:literal)*) => {
        concat!(
            cross_step!($i, $j, $hi, $prev),
            cross_row!($i, $n; $other $hi $hi; $($rest)*),
        )
    };
}

/// One product of cross row 0, which is the first to write its limbs: `t_j = lo(a_0·a_j) +
/// hi(a_0·a_(j−1))` on the OF chain, without reading `t` (so the scratch needs no zeroing).
#[rustfmt::skip]
macro_rules! first_step {
    ($j:literal, $hi:literal, $prev:literal) => {
        concat!(
            "mulx ", $hi, ", {lo}, qword ptr [{a} + 8*", $j, "]\n",
            "adox {lo}, ", $prev, "\n",
            "mov qword ptr [{t} + 8*", $j, "], {lo}\n",
        )
    };
}

/// Cross row 0 over the limbs `$j…` (as [`cross_row`], with [`first_step`]); its last high
/// half and the OF carry become limb N.
#[rustfmt::skip]
macro_rules! first_row {
    ($n:literal; $hi:literal $other:literal $prev:literal;) => {
        concat!(
            "adox ", $prev, ", {zero}\n",
            "mov qword ptr [{t} + 8*", $n, "], ", $prev, "\n",
        )
    };
    ($n:literal; $hi:literal $other:literal $prev:literal; $j:literal $($rest:literal)*) => {
        concat!(
            first_step!($j, $hi, $prev),
            first_row!($n; $other $hi $hi; $($rest)*),
        )
    };
}

/// Every cross row of a square: row i adds a_i·a_j for j > i at limb i + j. Row 0 writes
/// limbs 1 … N; row i ≥ 1 reads limbs 2i + 1 … i + N − 1, which the rows before it wrote,
/// and writes up to limb i + N. No row writes limb 0 or limb 2N − 1: the caller zeroes those.
/// The list is 0 … N − 1 (its first entry is taken as row 0); the last row has no j and
/// emits nothing.
#[rustfmt::skip]
macro_rules! cross_rows {
    ($n:literal; $first:literal $($j:literal)+) => {
        concat!(
            "mov rdx, qword ptr [{a} + 8*", $first, "]\n",
            "xor {zero:e}, {zero:e}\n",
            first_row!($n; "{h0}" "{h1}" "{zero}"; $($j)+),
            cross_rows!(@rest $n; $($j)+),
        )
    };
    (@rest $n:literal; $i:literal) => { "" };
    (@rest $n:literal; $i:literal $($j:literal)+) => {
        concat!(
            "mov rdx, qword ptr [{a} + 8*", $i, "]\n",
            "xor {zero:e}, {zero:e}\n",
            cross_row!($i, $n; "{h0}" "{h1}" "{zero}"; $($j)+),
            cross_rows!(@rest $n; $($j)+),
        )
    };
}

/// Doubling the cross sum and adding the squares a_k² at limbs 2k, 2k + 1: doubling on the CF
/// chain (`adcx x, x`), the squares on the OF chain.
#[rustfmt::skip]
macro_rules! diagonal {
    ($($k:literal)*) => {
        concat!(
            "xor {zero:e}, {zero:e}\n",
            $(
                "mov rdx, qword ptr [{a} + 8*", $k, "]\n",
                "mulx {h0}, {lo}, rdx\n",
                "mov rdx, qword ptr [{t} + 8*(2*", $k, ")]\n",
                "adcx rdx, rdx\n",
                "adox rdx, {lo}\n",
                "mov qword ptr [{t} + 8*(2*", $k, ")], rdx\n",
                "mov rdx, qword ptr [{t} + 8*(2*", $k, "+1)]\n",
                "adcx rdx, rdx\n",
                "adox rdx, {h0}\n",
                "mov qword ptr [{t} + 8*(2*", $k, "+1)], rdx\n",
            )*
        )
    };
}

/// One limb of a reduction row (`{t}` at limb i, `rdx` = q): `t_(i+j) += lo(q·m_j) +
/// hi(q·m_(j−1))` on the two chains.
#[rustfmt::skip]
macro_rules! reduce_step {
    ($j:literal, $hi:literal, $prev:literal) => {
        concat!(
            "mulx ", $hi, ", {lo}, qword ptr [{m} + 8*", $j, "]\n",
            "adcx {lo}, qword ptr [{t} + 8*", $j, "]\n",
            "adox {lo}, ", $prev, "\n",
            "mov qword ptr [{t} + 8*", $j, "], {lo}\n",
        )
    };
}

/// The Montgomery square for `$n` limbs (`$n` even), product then reduction (SOS, Koç et al.
/// 1996): the N(N − 1)/2 cross products once, doubled, plus the N squares; then N reduction
/// rows of N products. 3/4 of the CIOS product's multiplications, plus one pass to double.
macro_rules! square_kernel {
    (
        $(#[$doc:meta])* $name:ident, $n:literal, $two_n:literal,
        all ($($k:literal)*)
        pairs $( ($odd:literal, $even:literal) )*
        last $last:literal
    ) => {
        $(#[$doc])*
        #[allow(unsafe_code)]
        pub(super) fn $name(a: &[u64; $n], m: &[u64; $n], m0inv: u64, t: &mut [u64; $two_n]) -> u64 {
            assert_adx();
            // The two limbs no cross row writes (see `cross_rows`); every other limb is
            // written before it is read.
            t[0] = 0;
            t[$two_n - 1] = 0;
            let carry: u64;
            // SAFETY: the cross rows and the diagonal read `a` at 8·k for k < N and read and
            // write `t` at 8·k for k < 2N; each reduction row reads `m` at 8·j for j < N and
            // `t` at 8·(i + j) for i < N (the `t` pointer advances once per row) and j ≤ N, so
            // below 8·2N — all inside the arrays passed by reference, and only `t`, borrowed
            // mutably, is written. No stack use; flags not preserved (the default). BMI2 and
            // ADX were checked by `assert_adx` at the top.
            unsafe {
                core::arch::asm!(
                    cross_rows!($n; $($k)*),
                    diagonal!($($k)*),
                    // Reduction: N rows, each adding q·m at limb i (q = t_i·(−m⁻¹)), so that
                    // limb i vanishes; the carry out of limb i + N goes into the next row's top.
                    "mov rdx, qword ptr [{t}]",
                    "imul rdx, {m0inv}",
                    "2:",
                    "xor {zero:e}, {zero:e}",
                    "mulx {h0}, {lo}, qword ptr [{m}]",
                    "adcx {lo}, qword ptr [{t}]",
                    reduce_step!(1, "{h1}", "{h0}"),
                    // Limb i + 1 is final here: keep it for the next row's q, which then does
                    // not wait for a store and a reload (the rows' critical path).
                    "mov {next}, {lo}",
                    reduce_step!(2, "{h0}", "{h1}"),
                    $(
                        reduce_step!($odd, "{h1}", "{h0}"),
                        reduce_step!($even, "{h0}", "{h1}"),
                    )*
                    reduce_step!($last, "{h1}", "{h0}"),
                    concat!("mov {lo}, qword ptr [{t} + 8*", $n, "]"),
                    "adcx {lo}, {h1}",
                    "adox {lo}, {carry}",
                    concat!("mov qword ptr [{t} + 8*", $n, "], {lo}"),
                    "mov {carry}, {zero}",
                    "adcx {carry}, {zero}",
                    "adox {carry}, {zero}",
                    // The next row's q (one spare after the last row).
                    "mov rdx, {next}",
                    "imul rdx, {m0inv}",
                    "add {t}, 8",
                    "dec {rows}",
                    "jnz 2b",
                    a = in(reg) a.as_ptr(),
                    m = in(reg) m.as_ptr(),
                    t = inout(reg) t.as_mut_ptr() => _,
                    m0inv = in(reg) m0inv,
                    rows = inout(reg) $n as u64 => _,
                    carry = inout(reg) 0u64 => carry,
                    lo = out(reg) _,
                    h0 = out(reg) _,
                    h1 = out(reg) _,
                    zero = out(reg) _,
                    next = out(reg) _,
                    out("rdx") _,
                    options(nostack),
                );
            }
            carry
        }
    };
}

square_kernel!(
    /// The Montgomery square of a 16-limb number: `t_16 … t_31` plus the returned carry times
    /// 2^1024 hold the unreduced result, below 2m. Needs BMI2 and ADX.
    sqr_16, 16, 32,
    all (0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    pairs (3, 4) (5, 6) (7, 8) (9, 10) (11, 12) (13, 14)
    last 15
);

square_kernel!(
    /// The Montgomery square of a 32-limb number: `t_32 … t_63` plus the returned carry times
    /// 2^2048 hold the unreduced result, below 2m. Needs BMI2 and ADX.
    sqr_32, 32, 64,
    all (0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    pairs (3, 4) (5, 6) (7, 8) (9, 10) (11, 12) (13, 14) (15, 16) (17, 18) (19, 20)
    (21, 22) (23, 24) (25, 26) (27, 28) (29, 30)
    last 31
);

/// Whether the assembly kernels can run here: BMI2 and ADX. Under Valgrind (the constant-time
/// check, `--cfg kvcert_ct_check`) they always can — its virtual CPU executes `adcx`/`adox` but hides
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
