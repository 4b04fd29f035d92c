//! The base-2 Fermat test of the prime search on four candidates at once, with AVX2.
//!
//! Each candidate is held in `D` digits of 28 bits, and digit `i` of the four candidates sits in
//! one 256-bit vector, so every step is the same operation on four independent lanes:
//! `vpmuludq` gives four 28×28-bit products in one instruction, and since each is below 2⁵⁶, a
//! column of up to 2·74 of them plus its carry fits a 64-bit lane with no carry to propagate.
//! No operation crosses lanes. This is what the scalar kernel ([`crate::monty`]) cannot do
//! without a carry chain per product.
//!
//! The exponentiation is left to right over the bits of w − 1, one Montgomery squaring per bit
//! whose square is doubled (before the reduction) in the lanes whose bit is 1: a per-lane shift
//! of the column sums, so multiplying by the base 2 costs nothing.
//!
//! Everything is constant-time in the values, as in [`crate::monty`]: fixed trip counts, no
//! branch and no memory index on a digit or an exponent bit; the verdicts are read at the end.
//!
//! This module is the crate's only `unsafe`: [`fermat2`] checks at run time that the CPU has
//! AVX2 and only then calls the `#[target_feature(enable = "avx2")]` code. Without AVX2 (or on
//! another architecture) the caller runs the scalar test, which gives the same verdicts.

use zeroize::Zeroize;

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{
    __m256i, _mm256_add_epi64, _mm256_and_si256, _mm256_extract_epi64, _mm256_mul_epu32,
    _mm256_set_epi64x, _mm256_set1_epi64x, _mm256_setzero_si256, _mm256_sllv_epi64,
    _mm256_srli_epi64,
};

/// Bits per digit.
const BITS: usize = 28;
/// The low [`BITS`] bits.
const MASK: u64 = (1 << BITS) - 1;

/// The number of 28-bit digits the four-lane test uses for a 64·N-bit candidate: R = 2^(28·D)
/// must exceed 8w (the doubled square of a value below 2w still reduces below 2w).
pub(crate) const fn digits(n: usize) -> usize {
    (64 * n + 3).div_ceil(BITS)
}

#[cfg(test)]
thread_local! {
    /// Tests set this to run the prime search on the scalar path, as on a CPU without AVX2.
    pub(crate) static SCALAR_ONLY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Verdicts of the base-2 Fermat test `2^(w−1) ≡ 1 (mod w)` for four odd candidates `w` of
/// `64·N` bits with the top bit set, or `None` when this CPU has no AVX2 or `N` is not one of
/// the prime sizes 16, 24 and 32 limbs (the caller then runs the scalar test).
pub(crate) fn fermat2<const N: usize>(w: &[[u64; N]; 4]) -> Option<[bool; 4]> {
    #[cfg(test)]
    if SCALAR_ONLY.get() {
        return None;
    }
    // D is spelled out per size: a const generic cannot be computed from N on stable Rust.
    match N {
        16 => fermat2_with::<N, 37>(w),
        24 => fermat2_with::<N, 55>(w),
        32 => fermat2_with::<N, 74>(w),
        _ => None,
    }
}

fn fermat2_with<const N: usize, const D: usize>(w: &[[u64; N]; 4]) -> Option<[bool; 4]> {
    // Also bounds the column sums: D ≤ 74 keeps them below 2⁶⁴ (see `sqr_then_double`).
    if D != digits(N) || D > 74 {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // R mod w: where each lane starts, and what it ends at when the test passes.
        let mut ones: [[u64; N]; 4] = core::array::from_fn(|l| montgomery_one(&w[l], D));
        let residues = {
            #[allow(unsafe_code)]
            // SAFETY: `fermat2_avx2` only needs the AVX2 instructions, detected just above.
            unsafe {
                avx2::fermat2_avx2::<N, D>(w, &ones)
            }
        };
        let verdicts = verdicts(w, &ones, residues);
        ones.as_flattened_mut().zeroize();
        return Some(verdicts);
    }
    let _ = w;
    None
}

/// Reads the verdict of each lane from `2^(w−1)·R mod w`, given as a value below 2w: the test
/// passes when it is R mod w, itself or plus w.
fn verdicts<const N: usize>(
    w: &[[u64; N]; 4],
    ones: &[[u64; N]; 4],
    mut residues: [[u64; N]; 4],
) -> [bool; 4] {
    let verdicts = core::array::from_fn(|l| {
        let (mut plus_w, _) = crate::monty::add(&ones[l], &w[l]);
        let passed = crate::monty::ct_eq(&residues[l], &ones[l])
            | crate::monty::ct_eq(&residues[l], &plus_w);
        plus_w.zeroize();
        // Public by design: a candidate that fails is thrown away, and one that passes goes on
        // to Miller–Rabin whatever this says about it.
        crate::ct_check::public(passed) != 0
    });
    // Values derived from the candidates, one of which may be the prime that is kept.
    residues.as_flattened_mut().zeroize();
    verdicts
}

/// R mod w for R = 2^(28·d) and a 64·N-bit w with its top bit set: 2^(64N) mod w = 2^(64N) − w,
/// doubled modulo w the remaining 28·d − 64·N times.
fn montgomery_one<const N: usize>(w: &[u64; N], d: usize) -> [u64; N] {
    let (mut x, _) = crate::monty::sub(&[0u64; N], w);
    for _ in 0..BITS * d - 64 * N {
        let (doubled, carry) = crate::monty::add(&x, &x);
        let (reduced, borrow) = crate::monty::sub(&doubled, w);
        // Keep the doubled value when it is below w: no carry out and the subtraction borrowed.
        let keep = crate::monty::barrier((borrow & !carry & 1).wrapping_neg());
        x = crate::monty::select(keep, &doubled, &reduced);
    }
    x
}

/// The 28-bit digits of `x` (64·N bits), least significant first.
fn to_digits<const N: usize, const D: usize>(x: &[u64; N]) -> [u64; D] {
    core::array::from_fn(|i| {
        let bit = i * BITS;
        let (limb, shift) = (bit / 64, bit % 64);
        let mut v = if limb < N { x[limb] >> shift } else { 0 };
        if shift + BITS > 64 && limb + 1 < N {
            v |= x[limb + 1] << (64 - shift);
        }
        v & MASK
    })
}

/// The 64·N-bit number with 28-bit digits `d` (each below 2²⁸, the value below 2^(64·N)).
fn from_digits<const N: usize, const D: usize>(d: &[u64; D]) -> [u64; N] {
    let mut x = [0u64; N];
    for (i, digit) in d.iter().enumerate() {
        let bit = i * BITS;
        let (limb, shift) = (bit / 64, bit % 64);
        if limb < N {
            x[limb] |= digit << shift;
            if shift + BITS > 64 && limb + 1 < N {
                x[limb + 1] |= digit >> (64 - shift);
            }
        }
    }
    x
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;

    /// `2^(w−1)·R mod w` for each of the four lanes, as a value below 2w; `ones` is R mod w.
    #[target_feature(enable = "avx2")]
    pub(super) fn fermat2_avx2<const N: usize, const D: usize>(
        w: &[[u64; N]; 4],
        ones: &[[u64; N]; 4],
    ) -> [[u64; N]; 4] {
        let mut m: [__m256i; D] = digit_vectors(w);
        let m0inv = vector(core::array::from_fn(|l| neg_inverse_28(w[l][0])));
        // Start from R mod w (one in Montgomery form) in every lane.
        let mut x: [__m256i; D] = digit_vectors(ones);
        // The reduction digits of a squaring: scratch kept here, so it is zeroized once.
        let mut q = [_mm256_setzero_si256(); D];
        // The exponent w − 1 is w with its low bit cleared (w is odd).
        for bit in (0..64 * N).rev() {
            let (limb, shift) = (bit / 64, bit % 64);
            let e: [u64; 4] = core::array::from_fn(|l| {
                let v = if limb == 0 { w[l][0] & !1 } else { w[l][limb] };
                (v >> shift) & 1
            });
            let doubling = vector(e);
            x = sqr_then_double(&m, m0inv, &x, doubling, &mut q);
        }
        let mut lanes: [[u64; D]; 4] =
            core::array::from_fn(|l| core::array::from_fn(|i| lane(x[i], l)));
        let residues = core::array::from_fn(|l| from_digits::<N, D>(&lanes[l]));
        // Everything here derives from the candidates, one of which may be the prime kept.
        lanes.as_flattened_mut().zeroize();
        m.zeroize();
        x.zeroize();
        q.zeroize();
        residues
    }

    /// The vector with lanes `v[0]` (lowest) to `v[3]`.
    #[target_feature(enable = "avx2")]
    fn vector(v: [u64; 4]) -> __m256i {
        _mm256_set_epi64x(v[3] as i64, v[2] as i64, v[1] as i64, v[0] as i64)
    }

    /// Digit i of the four numbers `x` in vector i.
    #[target_feature(enable = "avx2")]
    fn digit_vectors<const N: usize, const D: usize>(x: &[[u64; N]; 4]) -> [__m256i; D] {
        let mut digits: [[u64; D]; 4] = core::array::from_fn(|l| to_digits::<N, D>(&x[l]));
        let vectors = core::array::from_fn(|i| vector(core::array::from_fn(|l| digits[l][i])));
        digits.as_flattened_mut().zeroize();
        vectors
    }

    /// Lane `l` of `v`.
    #[target_feature(enable = "avx2")]
    fn lane(v: __m256i, l: usize) -> u64 {
        (match l {
            0 => _mm256_extract_epi64::<0>(v),
            1 => _mm256_extract_epi64::<1>(v),
            2 => _mm256_extract_epi64::<2>(v),
            _ => _mm256_extract_epi64::<3>(v),
        }) as u64
    }

    /// `Σ x_i·y_(n−1−i)` over two equally long runs of digits (x forwards, y backwards), in two
    /// accumulators so that the additions are not one serial chain.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn dot_reversed(x: &[__m256i], y: &[__m256i]) -> __m256i {
        let mut s0 = _mm256_setzero_si256();
        let mut s1 = _mm256_setzero_si256();
        let mut xs = x.chunks_exact(4);
        let mut ys = y.rchunks_exact(4);
        for (a, b) in (&mut xs).zip(&mut ys) {
            s0 = _mm256_add_epi64(s0, _mm256_mul_epu32(a[0], b[3]));
            s1 = _mm256_add_epi64(s1, _mm256_mul_epu32(a[1], b[2]));
            s0 = _mm256_add_epi64(s0, _mm256_mul_epu32(a[2], b[1]));
            s1 = _mm256_add_epi64(s1, _mm256_mul_epu32(a[3], b[0]));
        }
        for (a, b) in xs.remainder().iter().zip(ys.remainder().iter().rev()) {
            s0 = _mm256_add_epi64(s0, _mm256_mul_epu32(*a, *b));
        }
        _mm256_add_epi64(s0, s1)
    }

    /// Montgomery square `2^e·a²·R⁻¹ mod w` per lane, with `e` ∈ {0, 1} per lane, for a < 2w,
    /// giving a value below 2w (R > 8w). Product scanning: column k is the (doubled) cross
    /// products plus the square term, shifted left by e, plus q_j·m_(k−j); the low D columns
    /// each fix one q_k and the high ones are the result, one digit at a time.
    /// `q` is scratch for the q_k (each is written before it is read).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn sqr_then_double<const D: usize>(
        m: &[__m256i; D],
        m0inv: __m256i,
        a: &[__m256i; D],
        e: __m256i,
        q: &mut [__m256i; D],
    ) -> [__m256i; D] {
        let mask = _mm256_set1_epi64x(MASK as i64);
        let zero = _mm256_setzero_si256();
        let mut t = [zero; D];
        let mut acc = zero;
        // One column of the product and its reduction.
        macro_rules! column {
            ($k:expr) => {{
                let k: usize = $k;
                let lo = (k + 1).saturating_sub(D);
                let end = k.div_ceil(2);
                let mut column = if lo < end {
                    dot_reversed(&a[lo..end], &a[k + 1 - end..=k - lo])
                } else {
                    zero
                };
                column = _mm256_add_epi64(column, column);
                if k % 2 == 0 {
                    column = _mm256_add_epi64(column, _mm256_mul_epu32(a[k / 2], a[k / 2]));
                }
                // The squared part of a column is below D·2⁵⁶·2 after doubling, the q·m part
                // below D·2⁵⁶: below 2⁶⁴ for D ≤ 74.
                acc = _mm256_add_epi64(acc, _mm256_sllv_epi64(column, e));
                if k < D {
                    acc = _mm256_add_epi64(acc, dot_reversed(&q[..k], &m[1..=k]));
                    // q_k makes the column vanish modulo 2²⁸: (acc + q_k·m_0) ≡ 0.
                    let qk = _mm256_and_si256(_mm256_mul_epu32(acc, m0inv), mask);
                    acc = _mm256_add_epi64(acc, _mm256_mul_epu32(qk, m[0]));
                    q[k] = qk;
                } else {
                    acc = _mm256_add_epi64(acc, dot_reversed(&q[lo..], &m[lo..]));
                    t[k - D] = _mm256_and_si256(acc, mask);
                }
                acc = _mm256_srli_epi64::<28>(acc);
            }};
        }
        if D == 37 {
            // RSA-2048's 1024-bit candidates: the columns written out with literal indices, so
            // that every slice bound is a constant and each column unrolls into one straight run
            // of multiplications (no loop, no bounds check).
            column!(0);
            column!(1);
            column!(2);
            column!(3);
            column!(4);
            column!(5);
            column!(6);
            column!(7);
            column!(8);
            column!(9);
            column!(10);
            column!(11);
            column!(12);
            column!(13);
            column!(14);
            column!(15);
            column!(16);
            column!(17);
            column!(18);
            column!(19);
            column!(20);
            column!(21);
            column!(22);
            column!(23);
            column!(24);
            column!(25);
            column!(26);
            column!(27);
            column!(28);
            column!(29);
            column!(30);
            column!(31);
            column!(32);
            column!(33);
            column!(34);
            column!(35);
            column!(36);
            column!(37);
            column!(38);
            column!(39);
            column!(40);
            column!(41);
            column!(42);
            column!(43);
            column!(44);
            column!(45);
            column!(46);
            column!(47);
            column!(48);
            column!(49);
            column!(50);
            column!(51);
            column!(52);
            column!(53);
            column!(54);
            column!(55);
            column!(56);
            column!(57);
            column!(58);
            column!(59);
            column!(60);
            column!(61);
            column!(62);
            column!(63);
            column!(64);
            column!(65);
            column!(66);
            column!(67);
            column!(68);
            column!(69);
            column!(70);
            column!(71);
            column!(72);
        } else {
            for k in 0..2 * D - 1 {
                column!(k);
            }
        }
        t[D - 1] = acc;
        t
    }
}

/// −w⁻¹ mod 2²⁸ for odd `w0` (the low limb of w).
fn neg_inverse_28(w0: u64) -> u64 {
    // Newton: each step doubles the number of correct low bits, from the 3 of w·w ≡ 1 (mod 8).
    let mut y = w0;
    for _ in 0..5 {
        y = y.wrapping_mul(2u64.wrapping_sub(w0.wrapping_mul(y)));
    }
    y.wrapping_neg() & MASK
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scalar verdict: 2^(w−1) ≡ 1 (mod w).
    fn scalar<const N: usize>(w: &[u64; N]) -> bool {
        crate::prime::fermat2_scalar(w)
    }

    fn random<const N: usize>(rng: &mut impl rand_core::Rng) -> [u64; N] {
        let mut w = [0u64; N];
        for limb in w.iter_mut() {
            *limb = rng.next_u64();
        }
        w[0] |= 1;
        w[N - 1] |= 0b11 << 62;
        w
    }

    /// The composite of `64 * N` bits in `tests/data/primes/fermat_liars.txt` that passes the
    /// base-2 Fermat test (a liar both kernels must agree on).
    fn fermat_liar<const N: usize>() -> [u64; N] {
        let data = include_str!("../tests/data/primes/fermat_liars.txt");
        let line = data
            .lines()
            .filter(|l| !l.starts_with('#'))
            .find(|l| l.split(' ').next() == Some(&(64 * N).to_string()))
            .expect("a Fermat liar of this size");
        let hex = line.split(' ').nth(3).expect("N");
        assert_eq!(hex.len(), 16 * N);
        let mut w = [0u64; N];
        for (i, limb) in w.iter_mut().enumerate() {
            let end = hex.len() - 16 * i;
            *limb = u64::from_str_radix(&hex[end - 16..end], 16).expect("hex");
        }
        w
    }

    /// Little-endian limbs of a hex number.
    fn limbs(hex: &str) -> Vec<u64> {
        let mut out = Vec::new();
        let mut end = hex.len();
        while end > 0 {
            let start = end.saturating_sub(16);
            out.push(u64::from_str_radix(&hex[start..end], 16).expect("hex"));
            end = start;
        }
        out
    }

    fn mul(a: &[u64], b: &[u64]) -> Vec<u64> {
        let mut out = vec![0u64; a.len() + b.len()];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                let t = u128::from(x) * u128::from(y) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + b.len()] = carry as u64;
        }
        while out.last() == Some(&0) {
            out.pop();
        }
        out
    }

    fn small(x: &[u64], m: u64, add: u64) -> Vec<u64> {
        mul(x, &[m])
            .into_iter()
            .enumerate()
            .fold(Vec::new(), |mut v, (i, l)| {
                v.push(if i == 0 { l + add } else { l });
                v
            })
    }

    /// The liars are composite: each line's N is the product its kind and parameter say.
    #[test]
    fn the_fermat_liars_are_the_products_they_claim() {
        let data = include_str!("../tests/data/primes/fermat_liars.txt");
        let mut seen = 0;
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split(' ').collect();
            let (param, n) = (limbs(f[2]), limbs(f[3]));
            let product = match f[1] {
                // (6k+1)(12k+1)(18k+1); the low limbs of 6k, 12k, 18k are even, so +1 never carries.
                "carmichael" => mul(
                    &mul(&small(&param, 6, 1), &small(&param, 12, 1)),
                    &small(&param, 18, 1),
                ),
                // p(2p-1); p is odd, so 2p has a low limb >= 2 and -1 never borrows.
                "p(2p-1)" => {
                    let mut q = small(&param, 2, 0);
                    q[0] -= 1;
                    mul(&param, &q)
                }
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(product, n, "{line}");
            seen += 1;
        }
        assert_eq!(seen, 2);
    }

    /// Writes past libtest's capture: a skipped comparison must be seen.
    fn say_skipped() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED kvcert-rsa src/lanes.rs: no AVX2 on this CPU, the four-lane kernel is not \
             compared (the scalar verdicts are still checked)"
        );
    }

    fn check<const N: usize>(seed: u64) {
        use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let prime: [u64; N] = crate::prime::random_prime(
            &mut rng,
            &mut Default::default(),
            &mut crate::prime::search_budget(N),
        )
        .expect("a prime");
        let liar = fermat_liar::<N>();
        // The scalar test's known answers: the prime and the composite liar both pass.
        assert!(scalar(&prime), "the prime passes");
        assert!(scalar(&liar), "the Fermat liar passes base 2");
        // Primes and liars in different lanes, composites (random odd numbers) around them.
        for shape in 0..8usize {
            let w: [[u64; N]; 4] = core::array::from_fn(|l| match shape {
                0..=3 if l == shape => prime,
                4 => prime,
                5 => liar,
                6 if l % 2 == 0 => liar,
                7 if l == 3 => liar,
                _ => random(&mut rng),
            });
            let expected = w.each_ref().map(scalar);
            let passing = expected.iter().filter(|&&p| p).count();
            match shape {
                4 | 5 => assert_eq!(passing, 4, "shape {shape}"),
                6 => assert!(passing >= 2, "shape {shape}"),
                _ => assert!(passing >= 1, "shape {shape}"),
            }
            match fermat2(&w) {
                Some(got) => assert_eq!(got, expected, "shape {shape}"),
                None => say_skipped(),
            }
        }
    }

    #[test]
    fn agrees_with_the_scalar_test_1024() {
        check::<16>(1);
    }

    #[test]
    fn agrees_with_the_scalar_test_2048() {
        check::<32>(2);
    }

    #[test]
    fn digit_conversions_round_trip() {
        use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let x: [u64; 16] = random(&mut rng);
        let d = to_digits::<16, { digits(16) }>(&x);
        assert!(d.iter().all(|&v| v <= MASK));
        assert_eq!(from_digits::<16, { digits(16) }>(&d), x);
    }

    #[test]
    fn montgomery_one_is_r_mod_w() {
        use crypto_bigint::{BoxedUint, NonZero, Resize};
        use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let w: [u64; 16] = random(&mut rng);
        let one = montgomery_one(&w, digits(16));
        let r = BoxedUint::one_with_precision(2048).shl(28 * digits(16) as u32);
        let wb = BoxedUint::from_words(w.map(|x| x as crypto_bigint::Word)).resize(2048);
        let expected = r.rem(&NonZero::new(wb).expect("nonzero"));
        let expected = expected.to_words();
        assert_eq!(&one[..], &expected[..16]);
    }
}
