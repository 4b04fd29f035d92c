//! Fixed-width Montgomery arithmetic: the multiplication, squaring and exponentiation behind the
//! RSA prime search ([`crate::prime`]) and RSA signing.
//!
//! Numbers are `[u64; N]`, least significant limb first, with `N` a compile-time constant (16 for
//! the 1024-bit primes of RSA-2048, 24 for RSA-3072, 32 for RSA-4096), so every loop has a fixed
//! trip count and the compiler unrolls them into `mul`/`adc` chains. Everything here is
//! constant-time in the values: no branch and no memory index depends on a limb of an operand,
//! the modulus or the exponent (the exponent's length in windows is the fixed `64·N`).
//!
//! On x86-64 CPUs with BMI2 and ADX, the exponentiation of RSA's CRT halves (16 and 32 limbs)
//! runs on the assembly product of [`adx`].

#[cfg(target_arch = "x86_64")]
mod adx;

/// `a + b + carry` with `carry` ≤ 1, as (sum, carry out).
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let mut sum = 0;
    let c = add_carry(carry as u8, a, b, &mut sum);
    (sum, c as u64)
}

/// `a − b − borrow` with `borrow` ≤ 1, as (difference, borrow out ∈ {0, 1}): `sbb` on x86-64
/// (the `u128` form compiled to a `sub`/`sbb`/`add`/`adc`/`sar` run per limb).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut diff = 0;
        let b_out = core::arch::x86_64::_subborrow_u64(borrow as u8, a, b, &mut diff);
        (diff, b_out as u64)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
        (t as u64, ((t >> 64) as u64) & 1)
    }
}

/// A column accumulator of three limbs (192 bits): enough for 2·N products of two limbs each.
/// Three separate limbs, added with explicit carries, so that each product costs one `mul` and
/// an `add`/`adc`/`adc` chain (a `u128` plus a carry flag compiled to `setb` and a second add).
#[derive(Clone, Copy)]
struct Acc {
    l0: u64,
    l1: u64,
    l2: u64,
}

/// `a + b + carry_in` with the carry out, as `adc` on x86-64.
#[inline(always)]
fn add_carry(carry_in: u8, a: u64, b: u64, out: &mut u64) -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        core::arch::x86_64::_addcarry_u64(carry_in, a, b, out)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let t = a as u128 + b as u128 + carry_in as u128;
        *out = t as u64;
        (t >> 64) as u8
    }
}

impl Acc {
    const ZERO: Acc = Acc {
        l0: 0,
        l1: 0,
        l2: 0,
    };

    #[inline(always)]
    fn add_product(&mut self, a: u64, b: u64) {
        let p = (a as u128) * (b as u128);
        let c = add_carry(0, self.l0, p as u64, &mut self.l0);
        let c = add_carry(c, self.l1, (p >> 64) as u64, &mut self.l1);
        add_carry(c, self.l2, 0, &mut self.l2);
    }

    #[inline(always)]
    fn add(&mut self, other: &Acc) {
        let c = add_carry(0, self.l0, other.l0, &mut self.l0);
        let c = add_carry(c, self.l1, other.l1, &mut self.l1);
        add_carry(c, self.l2, other.l2, &mut self.l2);
    }

    #[inline(always)]
    fn double(&mut self) {
        self.l2 = (self.l2 << 1) | (self.l1 >> 63);
        self.l1 = (self.l1 << 1) | (self.l0 >> 63);
        self.l0 <<= 1;
    }

    /// The lowest limb.
    #[inline(always)]
    fn low(&self) -> u64 {
        self.l0
    }

    /// Returns the lowest limb and shifts the accumulator down by one limb.
    #[inline(always)]
    fn shift(&mut self) -> u64 {
        let r = self.l0;
        self.l0 = self.l1;
        self.l1 = self.l2;
        self.l2 = 0;
        r
    }
}

/// All ones when `x` is zero, else zero, without a branch.
#[inline(always)]
pub(crate) fn mask_is_zero(x: u64) -> u64 {
    // (x | −x) has its top bit set exactly when x ≠ 0.
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// All ones when `a == b` (every limb), else zero.
#[inline(always)]
pub(crate) fn ct_eq<const N: usize>(a: &[u64; N], b: &[u64; N]) -> u64 {
    let mut acc = 0u64;
    for i in 0..N {
        acc |= a[i] ^ b[i];
    }
    mask_is_zero(acc)
}

/// `a − b` and the borrow out (1 when `b > a`).
#[inline(always)]
pub(crate) fn sub<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], u64) {
    let mut r = [0u64; N];
    let mut borrow = 0;
    for i in 0..N {
        (r[i], borrow) = sbb(a[i], b[i], borrow);
    }
    (r, borrow)
}

/// `a + b` and the carry out.
#[inline(always)]
pub(crate) fn add<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], u64) {
    let mut r = [0u64; N];
    let mut carry = 0;
    for i in 0..N {
        (r[i], carry) = adc(a[i], b[i], carry);
    }
    (r, carry)
}

/// `a` where `mask` is all ones, `b` where it is zero.
#[inline(always)]
pub(crate) fn select<const N: usize>(mask: u64, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    // The barrier hides that the mask is all ones or zero: at opt-level 3 LLVM otherwise turns
    // this into a branch on it (seen in the disassembly of `reduce_once` and `lookup`).
    let mask = barrier(mask);
    let mut r = [0u64; N];
    for i in 0..N {
        r[i] = (a[i] & mask) | (b[i] & !mask);
    }
    r
}

/// An optimisation barrier for masks derived from secrets, so that the compiler cannot prove
/// they are 0 or all ones and branch on them. `black_box` is documented as best effort; it is
/// what keeps the release build's selects, table scan and corrections free of secret branches.
#[inline(always)]
pub(crate) fn barrier(mask: u64) -> u64 {
    core::hint::black_box(mask)
}

/// The multiplicative inverse of odd `x` modulo 2⁶⁴ (Newton iteration: each step doubles the
/// number of correct low bits, starting from the 3 that x·x ≡ 1 (mod 8) gives for odd x).
fn inv_mod_2_64(x: u64) -> u64 {
    let mut y = x; // correct to 3 bits (x·x ≡ 1 mod 8 for odd x)
    for _ in 0..5 {
        y = y.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(y)));
    }
    y
}

/// An odd modulus `m` of exactly `64·N` bits (top bit set) with its Montgomery constants,
/// R = 2^(64·N).
#[derive(Clone)]
pub(crate) struct Modulus<const N: usize> {
    m: [u64; N],
    /// −m⁻¹ mod 2⁶⁴.
    m0inv: u64,
    /// R mod m: one in Montgomery form.
    one: [u64; N],
    /// R² mod m: converts into Montgomery form.
    r2: [u64; N],
}

impl<const N: usize> Drop for Modulus<N> {
    fn drop(&mut self) {
        // The modulus is a prime candidate or a secret prime: zeroize it and what derives from it.
        use zeroize::Zeroize;
        self.m.zeroize();
        self.m0inv.zeroize();
        self.one.zeroize();
        self.r2.zeroize();
    }
}

/// Scratch limbs for the assembly kernels: room for the largest (2N limbs of the 32-limb
/// square). It holds intermediate values of secret computations, so it is zeroized on drop.
#[cfg(target_arch = "x86_64")]
struct Scratch([u64; 64]);

#[cfg(target_arch = "x86_64")]
impl Scratch {
    fn new() -> Self {
        Scratch([0u64; 64])
    }
}

#[cfg(target_arch = "x86_64")]
impl Drop for Scratch {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.0.zeroize();
    }
}

impl<const N: usize> Modulus<N> {
    /// The constants for `m`, which must be odd with its top bit set (both are checked; `None`
    /// otherwise — the callers only pass such numbers, so this is not secret-dependent).
    pub(crate) fn new(m: &[u64; N]) -> Option<Self> {
        if N == 0 {
            return None;
        }
        // Odd with the top bit set: true of every prime candidate by construction, so the
        // verdict is public even when m is secret.
        if crate::ct_check::public(m[0] & (m[N - 1] >> 63) & 1) == 0 {
            return None;
        }
        let m0inv = inv_mod_2_64(m[0]).wrapping_neg();
        // m > R/2, so R mod m = R − m, the two's complement of m.
        let (one, _) = sub(&[0u64; N], m);
        let mut this = Modulus {
            m: *m,
            m0inv,
            one,
            r2: [0u64; N],
        };
        // R² mod m is 2^(64N) in Montgomery form. Write 64N = t·2^k with t odd: double
        // R mod m t times (Montgomery form of 2^t), then square it k times.
        let bits = 64 * N;
        let k = bits.trailing_zeros();
        let t = bits >> k;
        let mut x = this.one;
        for _ in 0..t {
            x = this.double(&x);
        }
        for _ in 0..k {
            x = this.sqr(&x);
        }
        this.r2 = x;
        Some(this)
    }

    /// One in Montgomery form.
    pub(crate) fn one(&self) -> &[u64; N] {
        &self.one
    }

    /// `2·x mod m` for `x < m`.
    fn double(&self, x: &[u64; N]) -> [u64; N] {
        let (d, carry) = add(x, x);
        self.reduce_once(&d, carry)
    }

    /// `(carry·R + t) mod m` for a value below 2m.
    #[inline(always)]
    fn reduce_once(&self, t: &[u64; N], carry: u64) -> [u64; N] {
        let (r, borrow) = sub(t, &self.m);
        // Keep t only when the subtraction borrowed and there was no carry (t < m).
        let keep_t = barrier((borrow & !carry & 1).wrapping_neg());
        select(keep_t, t, &r)
    }

    /// Montgomery product `a·b·R⁻¹ mod m`: the assembly kernel of [`adx`] where it runs (RSA's
    /// 16- and 32-limb CRT halves on CPUs with BMI2 and ADX), [`Self::mul_portable`] otherwise.
    #[inline(always)]
    pub(crate) fn mul(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        #[cfg(target_arch = "x86_64")]
        if (N == 16 || N == 32) && adx::available() {
            let mut scratch = Scratch::new();
            if let Some(product) = self.mul_adx(a, b, &mut scratch) {
                return product;
            }
        }
        self.mul_portable(a, b)
    }

    /// Montgomery product in Rust, product scanning (Koç's FIPS order): each output column is
    /// summed in a three-limb accumulator, so no partial row is stored and reloaded. Measured
    /// against CIOS on the measuring VM: equal at 1024 bits, 10–20 % faster from 1536 bits.
    #[inline(never)]
    pub(crate) fn mul_portable(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        self.mul_inline(a, b)
    }

    /// [`Self::mul`], inlined into its caller (and compiled with the caller's target features).
    #[inline(always)]
    fn mul_inline(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        self.redc_columns(|k, lo| {
            let mut column = Acc::ZERO;
            for j in lo..=k.min(N - 1) {
                column.add_product(a[j], b[k - j]);
            }
            column
        })
    }

    /// Montgomery square `a²·R⁻¹ mod m`: the assembly kernel of [`adx`] where it runs, as for
    /// [`Self::mul`]; [`Self::sqr_portable`] otherwise.
    #[inline(always)]
    pub(crate) fn sqr(&self, a: &[u64; N]) -> [u64; N] {
        #[cfg(target_arch = "x86_64")]
        if (N == 16 || N == 32) && adx::available() {
            let mut scratch = Scratch::new();
            if let Some(square) = self.sqr_adx(a, &mut scratch) {
                return square;
            }
        }
        self.sqr_portable(a)
    }

    /// Montgomery square in Rust: as [`Self::mul_portable`], with each cross product a_i·a_j
    /// (i < j) computed once and doubled, about 3/4 of the products of a multiplication.
    #[inline(never)]
    pub(crate) fn sqr_portable(&self, a: &[u64; N]) -> [u64; N] {
        self.sqr_inline(a)
    }

    /// [`Self::sqr`], inlined into its caller (and compiled with the caller's target features).
    #[inline(always)]
    fn sqr_inline(&self, a: &[u64; N]) -> [u64; N] {
        self.redc_columns(|k, lo| Self::square_column(a, k, lo))
    }

    /// The Montgomery reduction of a 2N-limb product given column by column:
    /// `product_column(k, lo)` is column k of the product, whose terms start at index `lo`
    /// (k + 1 − N from column N on). Adds q·m column by column, fixing q_k in the low N
    /// columns, and returns the high N columns, reduced once.
    #[inline(always)]
    fn redc_columns(&self, product_column: impl Fn(usize, usize) -> Acc) -> [u64; N] {
        let mut q = [0u64; N];
        let mut t = [0u64; N];
        let mut acc = Acc::ZERO;
        // Columns with literal indices. Only for 16 limbs: written out for RSA-4096's 32, the
        // kernel no longer fits the instruction cache (measured no faster than the loops).
        macro_rules! each_column {
            ($k:ident in $($lit:literal)* => $step:expr) => {
                $( { let $k: usize = $lit; $step; } )*
            };
        }
        if N == 16 {
            // The 1024-bit primes of RSA-2048: every column written out with its index a
            // literal, so that each column's bounds are constants and its products unroll into
            // one straight run (callgrind, RSA-2048 signing: 1.3× fewer instructions per square
            // than the loops below).
            each_column!(k in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 =>
                self.low_column(k, &product_column, &mut acc, &mut q));
            each_column!(k in 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 =>
                self.high_column(k, &product_column, &mut acc, &mut q, &mut t));
        } else {
            // Columns 0 … N−1 each fix one q_k; columns N … 2N−2 hold the result.
            for k in 0..N {
                self.low_column(k, &product_column, &mut acc, &mut q);
            }
            for k in N..2 * N - 1 {
                self.high_column(k, &product_column, &mut acc, &mut q, &mut t);
            }
        }
        t[N - 1] = acc.shift();
        let top = acc.low();
        use zeroize::Zeroize;
        q.zeroize();
        self.reduce_once(&t, top)
    }

    /// Column `k` < N of the reduction: the product's column plus q_j·m_(k−j) for j < k, then
    /// q_k chosen so that the column vanishes (acc + q_k·m_0 ≡ 0 mod 2⁶⁴).
    #[inline(always)]
    fn low_column(
        &self,
        k: usize,
        product_column: &impl Fn(usize, usize) -> Acc,
        acc: &mut Acc,
        q: &mut [u64; N],
    ) {
        let m = &self.m;
        acc.add(&product_column(k, 0));
        for j in 0..k {
            acc.add_product(q[j], m[k - j]);
        }
        let qk = acc.low().wrapping_mul(self.m0inv);
        q[k] = qk;
        acc.add_product(qk, m[0]);
        acc.shift();
    }

    /// Column `k` ≥ N of the reduction: the product's column plus q_j·m_(k−j), giving limb
    /// k − N of the result.
    #[inline(always)]
    fn high_column(
        &self,
        k: usize,
        product_column: &impl Fn(usize, usize) -> Acc,
        acc: &mut Acc,
        q: &mut [u64; N],
        t: &mut [u64; N],
    ) {
        let m = &self.m;
        acc.add(&product_column(k, k + 1 - N));
        for j in k + 1 - N..N {
            acc.add_product(q[j], m[k - j]);
        }
        t[k - N] = acc.shift();
    }

    /// Column `k` of a²: 2·Σ a_j·a_(k−j) over `lo` ≤ j < k − j, plus a_(k/2)² when k is even.
    #[inline(always)]
    fn square_column(a: &[u64; N], k: usize, lo: usize) -> Acc {
        let mut cross = Acc::ZERO;
        for j in lo..k.div_ceil(2) {
            cross.add_product(a[j], a[k - j]);
        }
        cross.double();
        if k.is_multiple_of(2) {
            cross.add_product(a[k / 2], a[k / 2]);
        }
        cross
    }

    /// `2^exp` in Montgomery form, for the base-2 first test of a candidate: a window of
    /// [`POW2_WINDOW`] bits costs that many squarings and one [`Self::mul_pow2`] (a shift and a
    /// one-limb quotient), where a general base costs a full multiplication and a table scan.
    /// Constant-time like [`Self::pow`]: every window of all `64·N` bits is processed the same way.
    pub(crate) fn pow2(&self, exp: &[u64; N]) -> [u64; N] {
        let reciprocal = top_limb_reciprocal(self.m[N - 1]);
        let bits = 64 * N;
        let windows = bits.div_ceil(POW2_WINDOW);
        let mut acc = self.one;
        for w in (0..windows).rev() {
            if w + 1 != windows {
                for _ in 0..POW2_WINDOW {
                    acc = self.sqr(&acc);
                }
            }
            let k = window_bits::<N, POW2_WINDOW>(exp, w * POW2_WINDOW) as u32;
            acc = self.mul_pow2(&acc, k, reciprocal);
        }
        acc
    }

    /// `x·2^k mod m` for `x < m` and `k < 64`, constant-time in `x`, `k` and `m`: the shifted
    /// value y < m·2⁶⁴ has the quotient estimate q̂ = ⌊Y·v / 2¹²⁷⌋ from its top two limbs Y and
    /// v = ⌊2¹²⁷ / (m_top + 1)⌋; q − 3 ≤ q̂ ≤ q because m_top ≥ 2⁶³ (q − 2 ≤ q̂ when the two
    /// top bits are set, as for prime candidates), so four conditional subtractions finish it.
    fn mul_pow2(&self, x: &[u64; N], k: u32, reciprocal: u64) -> [u64; N] {
        // y = x << k over N + 1 limbs; `>> 1 >> (63 − k)` is `>> (64 − k)` without the k = 0
        // overflow (a register shift count: same time for every k).
        let mut y = [0u64; N];
        let mut prev = 0u64;
        for i in 0..N {
            y[i] = (x[i] << k) | ((prev >> 1) >> (63 - k));
            prev = x[i];
        }
        let top = (prev >> 1) >> (63 - k);
        // q̂ = ⌊(top·2⁶⁴ + y[N−1])·v / 2¹²⁷⌋.
        let hi = top as u128 * reciprocal as u128;
        let lo = y[N - 1] as u128 * reciprocal as u128;
        let sum = hi + (lo >> 64); // < 2¹²⁷ + 2⁶⁴: no overflow
        let q_hat = (sum >> 63) as u64;
        // r = y − q̂·m, as N + 1 limbs.
        let mut r = [0u64; N];
        let mut mul_carry = 0u64;
        let mut borrow = 0u64;
        for i in 0..N {
            let prod = q_hat as u128 * self.m[i] as u128 + mul_carry as u128;
            mul_carry = (prod >> 64) as u64;
            (r[i], borrow) = sbb(y[i], prod as u64, borrow);
        }
        let (mut r_top, _) = sbb(top, mul_carry, borrow);
        for _ in 0..4 {
            let (d, b) = sub(&r, &self.m);
            let (d_top, b_top) = sbb(r_top, 0, b);
            // Keep r when r < m, i.e. the (N + 1)-limb subtraction borrowed.
            let keep = barrier(b_top.wrapping_neg());
            r = select(keep, &r, &d);
            r_top = (r_top & keep) | (d_top & !keep);
        }
        r
    }

    /// `a + b mod m` for `a, b < m`.
    pub(crate) fn add_mod(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let (s, carry) = add(a, b);
        self.reduce_once(&s, carry)
    }

    /// `base^e` (Montgomery form in and out) for a **public** exponent `e ≥ 1`, such as RSA's
    /// 65537: square-and-multiply over e's bits, whose pattern is public.
    pub(crate) fn pow_public(&self, base: &[u64; N], e: u64) -> [u64; N] {
        if e == 0 {
            return self.one;
        }
        let mut acc = *base;
        for bit in (0..63 - e.leading_zeros()).rev() {
            acc = self.sqr(&acc);
            if (e >> bit) & 1 == 1 {
                acc = self.mul(&acc, base);
            }
        }
        acc
    }

    /// `x` into Montgomery form (`x·R mod m`), for `x < m`.
    pub(crate) fn to_mont(&self, x: &[u64; N]) -> [u64; N] {
        self.mul(x, &self.r2)
    }

    /// `x` out of Montgomery form.
    pub(crate) fn out_of_mont(&self, x: &[u64; N]) -> [u64; N] {
        let mut unit = [0u64; N];
        unit[0] = 1;
        self.mul(x, &unit)
    }

    /// `base^exp` with `base` and the result in Montgomery form: fixed window of
    /// [`WINDOW`] bits over all `64·N` exponent bits, every window multiplies by a table entry
    /// read with a full masked scan, so the time depends on neither value.
    ///
    /// RSA's CRT halves (16 and 32 limbs) on CPUs with BMI2 and ADX run on the assembly kernels
    /// of [`adx`] ([`Self::mul`], [`Self::sqr`]), the rest compiled for AVX2 where the CPU has it
    /// (the table scan). Otherwise, on x86-64 CPUs with BMI2, the Rust
    /// kernels run compiled for it (`mulx` takes any registers, where `mul` ties up rax and
    /// rdx: fewer moves and spills; RSA-2048 signing measured 10–20 % faster with
    /// `benches/compare_sign.py`).
    pub(crate) fn pow(&self, base: &[u64; N], exp: &[u64; N]) -> [u64; N] {
        #[cfg(target_arch = "x86_64")]
        if (N == 16 || N == 32) && adx::available() {
            if std::arch::is_x86_feature_detected!("avx2") {
                #[allow(unsafe_code)]
                // SAFETY: `pow_adx_avx2` needs AVX2, detected just above; it is `pow_adx`
                // compiled with it (the table scan on 256-bit registers), the same results.
                return unsafe { self.pow_adx_avx2(base, exp) };
            }
            return self.pow_adx(base, exp);
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") {
            #[allow(unsafe_code)]
            // SAFETY: `pow_bmi2` only needs the BMI2 instructions, detected just above; it is
            // the same exponentiation with its kernels compiled with them, the same results.
            return unsafe { self.pow_bmi2(base, exp) };
        }
        self.pow_any(base, exp)
    }

    /// [`Self::pow_adx`] compiled for AVX2: the table scan of every window (32 entries of N
    /// limbs, masked) takes half the instructions on 256-bit registers.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn pow_adx_avx2(&self, base: &[u64; N], exp: &[u64; N]) -> [u64; N] {
        self.pow_adx(base, exp)
    }

    /// [`Self::pow`] on the assembly kernels of [`adx`] (the caller checked
    /// [`adx::available`]).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn pow_adx(&self, base: &[u64; N], exp: &[u64; N]) -> [u64; N] {
        // One scratch for the whole exponentiation, zeroized once when it drops.
        let mut scratch = Scratch::new();
        self.pow_with(
            base,
            exp,
            &mut scratch,
            |a, s| self.sqr_adx(a, s).unwrap_or_else(|| self.sqr_portable(a)),
            |a, b, s| {
                self.mul_adx(a, b, s)
                    .unwrap_or_else(|| self.mul_portable(a, b))
            },
        )
    }

    /// [`Self::pow`] with the kernels compiled for BMI2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2")]
    fn pow_bmi2(&self, base: &[u64; N], exp: &[u64; N]) -> [u64; N] {
        self.pow_with(
            base,
            exp,
            &mut (),
            |a, _| self.sqr_bmi2(a),
            |a, b, _| self.mul_bmi2(a, b),
        )
    }

    /// [`Self::sqr`] compiled for BMI2: one copy, called from every place in the exponentiation
    /// (inlined there, the kernel's copies did not all fit the instruction cache).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2")]
    #[inline(never)]
    fn sqr_bmi2(&self, a: &[u64; N]) -> [u64; N] {
        self.sqr_inline(a)
    }

    /// [`Self::mul`] compiled for BMI2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2")]
    #[inline(never)]
    fn mul_bmi2(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        self.mul_inline(a, b)
    }

    /// The Montgomery product on the assembly kernel of [`adx`], reduced once; `None` when `N`
    /// has no kernel (only 16 and 32 do). The caller has checked [`adx::available`]. The
    /// intermediate limbs stay in `scratch`, which its owner zeroizes (once per
    /// exponentiation rather than once per product).
    #[cfg(target_arch = "x86_64")]
    #[inline(never)]
    fn mul_adx(&self, a: &[u64; N], b: &[u64; N], scratch: &mut Scratch) -> Option<[u64; N]> {
        let t = &mut scratch.0;
        if let (Ok(a), Ok(b), Ok(m), Ok(t)) = (
            <&[u64; 16]>::try_from(&a[..]),
            <&[u64; 16]>::try_from(&b[..]),
            <&[u64; 16]>::try_from(&self.m[..]),
            <&mut [u64; 18]>::try_from(&mut t[..18]),
        ) {
            adx::mul_16(a, b, m, self.m0inv, t);
        } else if let (Ok(a), Ok(b), Ok(m), Ok(t)) = (
            <&[u64; 32]>::try_from(&a[..]),
            <&[u64; 32]>::try_from(&b[..]),
            <&[u64; 32]>::try_from(&self.m[..]),
            <&mut [u64; 34]>::try_from(&mut t[..34]),
        ) {
            adx::mul_32(a, b, m, self.m0inv, t);
        } else {
            return None;
        }
        // The result is limbs 0 … N − 1 with limb N on top.
        let low = <&[u64; N]>::try_from(&t[..N]).ok()?;
        Some(self.reduce_once(low, t[N]))
    }

    /// The Montgomery square on the assembly kernel of [`adx`], reduced once; `None` when `N`
    /// has no kernel (only 16 and 32 do). The caller has checked [`adx::available`]; `scratch`
    /// as for [`Self::mul_adx`].
    #[cfg(target_arch = "x86_64")]
    #[inline(never)]
    fn sqr_adx(&self, a: &[u64; N], scratch: &mut Scratch) -> Option<[u64; N]> {
        let t = &mut scratch.0;
        let top = if let (Ok(a), Ok(m), Ok(t)) = (
            <&[u64; 16]>::try_from(&a[..]),
            <&[u64; 16]>::try_from(&self.m[..]),
            <&mut [u64; 32]>::try_from(&mut t[..32]),
        ) {
            adx::sqr_16(a, m, self.m0inv, t)
        } else if let (Ok(a), Ok(m), Ok(t)) = (
            <&[u64; 32]>::try_from(&a[..]),
            <&[u64; 32]>::try_from(&self.m[..]),
            <&mut [u64; 64]>::try_from(&mut t[..64]),
        ) {
            adx::sqr_32(a, m, self.m0inv, t)
        } else {
            return None;
        };
        // The result is limbs N … 2N − 1 with the returned carry on top.
        let high = <&[u64; N]>::try_from(t.get(N..2 * N)?).ok()?;
        Some(self.reduce_once(high, top))
    }

    /// [`Self::pow`] for any CPU.
    fn pow_any(&self, base: &[u64; N], exp: &[u64; N]) -> [u64; N] {
        self.pow_with(
            base,
            exp,
            &mut (),
            |a, _| self.sqr_portable(a),
            |a, b, _| self.mul_portable(a, b),
        )
    }

    /// The fixed-window exponentiation of [`Self::pow`] on the given square and product.
    #[inline(always)]
    fn pow_with<S>(
        &self,
        base: &[u64; N],
        exp: &[u64; N],
        scratch: &mut S,
        sqr: impl Fn(&[u64; N], &mut S) -> [u64; N],
        mul: impl Fn(&[u64; N], &[u64; N], &mut S) -> [u64; N],
    ) -> [u64; N] {
        let mut table = [[0u64; N]; 1 << WINDOW];
        table[0] = self.one;
        table[1] = *base;
        for k in 2..table.len() {
            table[k] = if k.is_multiple_of(2) {
                sqr(&table[k / 2], scratch)
            } else {
                mul(&table[k - 1], base, scratch)
            };
        }
        let bits = 64 * N;
        let windows = bits.div_ceil(WINDOW);
        let mut acc = self.one;
        for w in (0..windows).rev() {
            let lo_bit = w * WINDOW;
            let value = window_bits::<N, WINDOW>(exp, lo_bit);
            if w + 1 != windows {
                for _ in 0..WINDOW {
                    acc = sqr(&acc, scratch);
                }
            }
            let entry = lookup(&table, value);
            acc = mul(&acc, &entry, scratch);
        }
        use zeroize::Zeroize;
        table.zeroize();
        acc
    }
}

/// Exponent bits per window of [`Modulus::pow2`]: the shift must stay below one limb.
const POW2_WINDOW: usize = 6;

/// ⌊2¹²⁷ / (d + 1)⌋ for a top limb `d ≥ 2⁶³`, by restoring division one bit at a time (no
/// division instruction, whose time depends on the operands). The quotient is in [2⁶², 2⁶⁴).
fn top_limb_reciprocal(d: u64) -> u64 {
    let divisor = d as u128 + 1;
    // Long division of 2¹²⁷ by divisor: the remainder starts as 2¹²⁷'s top 64 bits.
    let mut rem: u128 = 1 << 63; // 2¹²⁷ >> 64
    let mut q = 0u64;
    for _ in 0..64 {
        rem <<= 1; // next dividend bit is 0
        let (diff, borrow) = rem.overflowing_sub(divisor);
        // All ones when rem ≥ divisor (behind the barrier: no branch on the top limb of p).
        let take = barrier((borrow as u64).wrapping_sub(1)) as i64 as i128 as u128;
        rem = (diff & take) | (rem & !take);
        q = (q << 1) | (take as u64 & 1);
    }
    q
}

/// Exponent bits per window of [`Modulus::pow`].
const WINDOW: usize = 5;

/// The `W` bits of `exp` starting at bit `lo_bit` (bits past the top read as zero).
#[inline(always)]
fn window_bits<const N: usize, const W: usize>(exp: &[u64; N], lo_bit: usize) -> u64 {
    // Public positions only: which limbs are read depends on the loop counter, not on values.
    let limb = lo_bit / 64;
    let shift = lo_bit % 64;
    let mut v = exp[limb] >> shift;
    if shift + W > 64 && limb + 1 < N {
        v |= exp[limb + 1] << (64 - shift);
    }
    v & ((1 << W) - 1)
}

/// `table[index]`, reading every entry (no secret-dependent address).
#[inline(always)]
fn lookup<const N: usize, const T: usize>(table: &[[u64; N]; T], index: u64) -> [u64; N] {
    let mut r = [0u64; N];
    for (k, entry) in table.iter().enumerate() {
        // Behind the barrier, or the compiler skips the entries whose mask is zero.
        let mask = barrier(mask_is_zero(k as u64 ^ index));
        for i in 0..N {
            r[i] |= entry[i] & mask;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{BoxedUint, Odd, modular::BoxedMontyForm, modular::BoxedMontyParams};

    fn to_boxed<const N: usize>(x: &[u64; N]) -> BoxedUint {
        let mut bytes = Vec::with_capacity(8 * N);
        for limb in x.iter().rev() {
            bytes.extend_from_slice(&limb.to_be_bytes());
        }
        BoxedUint::from_be_slice(&bytes, 64 * N as u32).expect("fits")
    }

    fn from_seed<const N: usize>(seed: u64) -> [u64; N] {
        // splitmix64: a deterministic spread of test values.
        let mut s = seed;
        let mut r = [0u64; N];
        for x in r.iter_mut() {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *x = z ^ (z >> 31);
        }
        r
    }

    fn check_against_crypto_bigint<const N: usize>(seed: u64) {
        let mut m = from_seed::<N>(seed);
        m[0] |= 1;
        m[N - 1] |= 1 << 63;
        let md = Modulus::new(&m).expect("odd, top bit set");
        let params = BoxedMontyParams::new(Odd::new(to_boxed(&m)).expect("odd"));
        let mut a = from_seed::<N>(seed ^ 0xA5A5);
        let mut b = from_seed::<N>(seed ^ 0x5A5A);
        a[N - 1] &= !(1 << 63); // a, b < m
        b[N - 1] &= !(1 << 63);
        let e = from_seed::<N>(seed ^ 0x1234);
        let am = md.to_mont(&a);
        let bm = md.to_mont(&b);
        let fa = BoxedMontyForm::new(to_boxed(&a), &params);
        let fb = BoxedMontyForm::new(to_boxed(&b), &params);
        let want_mul = fa.mul(&fb).retrieve();
        assert_eq!(to_boxed(&md.out_of_mont(&md.mul(&am, &bm))), want_mul);
        let want_sqr = fa.square().retrieve();
        assert_eq!(to_boxed(&md.out_of_mont(&md.sqr(&am))), want_sqr);
        // Both paths, where the assembly kernel runs too.
        assert_eq!(md.mul_portable(&am, &bm), md.mul(&am, &bm));
        assert_eq!(md.sqr_portable(&am), md.sqr(&am));
        let want_pow = BoxedMontyForm::new(to_boxed(&a), &params)
            .pow(&to_boxed(&e))
            .retrieve();
        assert_eq!(to_boxed(&md.out_of_mont(&md.pow(&am, &e))), want_pow);
        let two = {
            let mut t = [0u64; N];
            t[0] = 2;
            md.to_mont(&t)
        };
        assert_eq!(md.pow2(&e), md.pow(&two, &e));
        for k in [0u32, 1, 5, 31, 63] {
            let mut want = a;
            for _ in 0..k {
                want = md.double(&want);
            }
            let r = top_limb_reciprocal(m[N - 1]);
            assert_eq!(md.mul_pow2(&a, k, r), want, "k = {k}");
        }
        // Edge values: 0, 1 and m − 1.
        let zero = [0u64; N];
        assert_eq!(md.out_of_mont(&md.pow(&md.to_mont(&zero), &e)), zero);
        let (m_minus_1, _) = sub(&m, &{
            let mut one = [0u64; N];
            one[0] = 1;
            one
        });
        let mm1 = md.to_mont(&m_minus_1);
        assert_eq!(md.out_of_mont(&md.sqr(&mm1))[0], 1);
        assert_eq!(md.out_of_mont(&md.mul(&mm1, &mm1))[0], 1);
    }

    #[test]
    fn agrees_with_crypto_bigint() {
        for seed in 0..20 {
            check_against_crypto_bigint::<1>(seed);
            check_against_crypto_bigint::<2>(seed);
            check_against_crypto_bigint::<3>(seed);
            check_against_crypto_bigint::<16>(seed);
        }
        for seed in 0..3 {
            check_against_crypto_bigint::<24>(seed);
            check_against_crypto_bigint::<32>(seed);
        }
    }

    #[test]
    fn all_ones_modulus_extremes() {
        // m = 2^128 − 1 and operands m − 1 stress every carry path.
        let m = [u64::MAX; 2];
        let md = Modulus::new(&m).expect("valid");
        let a = [u64::MAX - 1, u64::MAX];
        let am = md.to_mont(&a);
        assert_eq!(md.out_of_mont(&md.sqr(&am)), [1, 0]);
        assert_eq!(md.out_of_mont(&md.mul(&am, &am)), [1, 0]);
    }

    /// The assembly product against the portable one, on random operands and on the extremes
    /// that stress every carry (all-ones modulus, operands m − 1, zero), for both kernels.
    #[cfg(target_arch = "x86_64")]
    fn adx_agrees_with_portable<const N: usize>() {
        let mut moduli = vec![[u64::MAX; N]];
        for seed in 0..40 {
            let mut m = from_seed::<N>(seed);
            m[0] |= 1;
            m[N - 1] |= 1 << 63;
            moduli.push(m);
        }
        let mut top_bit_only = [0u64; N];
        top_bit_only[0] = 1;
        top_bit_only[N - 1] = 1 << 63;
        moduli.push(top_bit_only);
        // Near-R moduli with near-m operands: the rare top carries of both passes (t close
        // to 2m with a and b_i close to their maxima) happen only there.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut m = [u64::MAX; N];
            m[0] = next() | 1;
            if next() % 2 == 0 {
                m[1] = next();
            }
            let md = Modulus::new(&m).expect("odd, top bit set");
            for _ in 0..20 {
                let mut x = m;
                let mut y = m;
                x[0] = next() % m[0];
                y[0] = next() % m[0];
                if next() % 4 == 0 {
                    x[N / 2] = next();
                }
                let want = md.mul_portable(&x, &y);
                assert_eq!(
                    md.mul_adx(&x, &y, &mut used_scratch()),
                    Some(want),
                    "near-R modulus {m:x?}"
                );
                assert_eq!(
                    md.mul_adx(&x, &x, &mut used_scratch()),
                    Some(md.sqr_portable(&x)),
                    "near-R modulus {m:x?}"
                );
            }
        }
        // Limbs drawn from the carry extremes (0, 1, 2⁶⁴ − 2, 2⁶⁴ − 1) and a modulus whose low
        // limb is 2⁶⁴ − 1 (so q = t_0): intermediate limbs then sit at the extremes too, and
        // each chain's rare last carry happens in some cases.
        let extreme = |r: u64| [0, 1, u64::MAX - 1, u64::MAX][(r % 4) as usize];
        for _ in 0..3000 {
            let mut m = [0u64; N];
            for limb in m.iter_mut() {
                *limb = if next() % 3 == 0 {
                    extreme(next())
                } else {
                    u64::MAX
                };
            }
            m[0] = if next() % 2 == 0 {
                u64::MAX
            } else {
                next() | 1
            };
            m[N - 1] |= 1 << 63;
            let md = Modulus::new(&m).expect("odd, top bit set");
            let below_m = |mut x: [u64; N]| {
                let (d, borrow) = sub(&x, &m);
                if borrow == 0 {
                    x = d;
                }
                x
            };
            let mut x = [0u64; N];
            let mut y = [0u64; N];
            for limb in x.iter_mut().chain(y.iter_mut()) {
                *limb = if next() % 4 == 0 {
                    extreme(next())
                } else {
                    u64::MAX
                };
            }
            let (x, y) = (below_m(x), below_m(y));
            assert_eq!(
                md.mul_adx(&x, &y, &mut used_scratch()),
                Some(md.mul_portable(&x, &y)),
                "{m:x?} {x:x?} {y:x?}"
            );
            assert_eq!(
                md.mul_adx(&x, &x, &mut used_scratch()),
                Some(md.sqr_portable(&x)),
                "{m:x?} {x:x?}"
            );
            assert_eq!(
                md.sqr_adx(&x, &mut used_scratch()),
                Some(md.sqr_portable(&x)),
                "{m:x?} {x:x?}"
            );
        }
        for (i, m) in moduli.iter().enumerate() {
            let md = Modulus::new(m).expect("odd, top bit set");
            let (m_minus_1, _) = sub(m, &{
                let mut one = [0u64; N];
                one[0] = 1;
                one
            });
            let mut a = from_seed::<N>(i as u64 ^ 0xA5A5);
            let mut b = from_seed::<N>(i as u64 ^ 0x5A5A);
            a[N - 1] &= !(1 << 63);
            b[N - 1] &= !(1 << 63);
            for (x, y) in [
                (a, b),
                (m_minus_1, m_minus_1),
                (m_minus_1, a),
                ([0u64; N], m_minus_1),
                (*md.one(), b),
            ] {
                let want = md.mul_portable(&x, &y);
                assert_eq!(
                    md.mul_adx(&x, &y, &mut used_scratch()),
                    Some(want),
                    "modulus {i}"
                );
                assert_eq!(
                    md.mul_adx(&x, &x, &mut used_scratch()),
                    Some(md.sqr_portable(&x)),
                    "modulus {i}"
                );
                assert_eq!(
                    md.sqr_adx(&x, &mut used_scratch()),
                    Some(md.sqr_portable(&x)),
                    "modulus {i}"
                );
            }
        }
    }

    /// A scratch as a previous operation leaves it (here every limb 0xA5…): the square kernel
    /// does not zero it, so a limb read before it is written shows up as a wrong result (the
    /// product zeroes its own limbs; it runs on one too, so that stays checked).
    #[cfg(target_arch = "x86_64")]
    fn used_scratch() -> Scratch {
        Scratch([0xA5A5_A5A5_A5A5_A5A5; 64])
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn adx_kernels_agree_with_portable() {
        if !adx::available() {
            eprintln!("SKIPPED adx_kernels_agree_with_portable: this CPU lacks BMI2 or ADX");
            return;
        }
        adx_agrees_with_portable::<16>();
        adx_agrees_with_portable::<32>();
        // No kernel for other sizes: the caller falls back.
        let md = Modulus::new(&[1u64, 1 << 63]).expect("valid");
        assert_eq!(md.mul_adx(&[1, 0], &[1, 0], &mut Scratch::new()), None);
        assert_eq!(md.sqr_adx(&[1, 0], &mut Scratch::new()), None);
    }

    #[test]
    fn reciprocal_of_top_limb() {
        for d in [
            1u64 << 63,
            (1 << 63) + 1,
            0xC000_0000_0000_0000,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let want = ((1u128 << 127) / (d as u128 + 1)) as u64;
            assert_eq!(top_limb_reciprocal(d), want, "{d:#x}");
        }
    }

    #[test]
    fn rejects_even_or_short_moduli() {
        assert!(Modulus::new(&[2u64, 1 << 63]).is_none());
        assert!(Modulus::new(&[3u64, 1]).is_none());
    }
}
