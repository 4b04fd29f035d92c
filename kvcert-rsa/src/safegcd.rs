//! Constant-time modular inversion for the blinding factors of RSA signing: Bernstein and Yang's
//! safegcd ("Fast constant-time gcd computation and modular inversion", TCHES 2019), in the
//! half-delta variant, on signed numbers in radix 2⁶².
//!
//! Each batch runs 62 division steps on the low 64 bits of f and g alone, collecting them in a
//! 2×2 matrix T scaled by 2⁶²; it then applies T to the full f, g (exactly divisible by 2⁶²)
//! and to d, e (made divisible by adding a multiple of the modulus). The invariants are
//! f ≡ d·a and g ≡ e·a (mod m), from f = m, g = a, d = 0, e = 1; when g reaches 0, f = ±gcd.
//! The number of steps is fixed by the bit length (public): ⌊(45907·b + 30179) / 19929⌋ steps
//! suffice for the half-delta variant on b-bit inputs (Wuille's safegcd-bounds, the figure
//! libsecp256k1 and crypto-bigint use), so nothing depends on the values.
//!
//! Constant time: every step is masks and arithmetic, the loops' bounds depend only on the size.
//! `tests/constant_time.rs` checks it with the value and the modulus secret.

use crate::monty::barrier;

/// Bits per limb of the signed representation.
const LIMB_BITS: u32 = 62;
/// The low 62 bits.
const M62: i64 = (1 << LIMB_BITS) - 1;
/// Division steps per batch: the matrix entries then stay within ±2⁶² (one i64).
const BATCH: usize = 62;
/// Limbs for the largest size kvcert inverts at (2048-bit primes of RSA-4096): 2048 bits of
/// magnitude, a sign, and room for d, e in (−2m, m).
const MAX_LIMBS: usize = 2048 / 62 + 2;

/// A signed number in radix 2⁶², least significant limb first: limbs below the top in
/// [0, 2⁶²) once normalised, the top one carries the sign. Only the first `len` limbs are used.
#[derive(Clone)]
struct Signed62 {
    limbs: [i64; MAX_LIMBS],
}

impl Signed62 {
    const ZERO: Signed62 = Signed62 {
        limbs: [0; MAX_LIMBS],
    };

    /// The 62-bit limbs of a non-negative number given as 64-bit limbs.
    fn from_u64s(x: &[u64]) -> Signed62 {
        let mut out = Signed62::ZERO;
        for (i, limb) in out.limbs.iter_mut().enumerate() {
            let bit = i * LIMB_BITS as usize;
            let (word, shift) = (bit / 64, bit % 64);
            let lo = x.get(word).copied().unwrap_or(0) >> shift;
            // `<< 1 <<` keeps the shift below 64 when shift = 0 (public positions only).
            let hi = x.get(word + 1).copied().unwrap_or(0) << 1 << (63 - shift);
            *limb = ((lo | hi) & M62 as u64) as i64;
        }
        out
    }

    /// The 64-bit limbs of a normalised number in [0, 2^(64·out.len())).
    fn write_u64s(&self, out: &mut [u64]) {
        for (w, word) in out.iter_mut().enumerate() {
            let bit = w * 64;
            let (limb, shift) = (bit / LIMB_BITS as usize, bit % LIMB_BITS as usize);
            let mut v = (self.limbs[limb] as u64) >> shift;
            // The next limbs supply the rest of the 64 bits (62 − shift from the next one, and
            // when shift > 60, more from the one after).
            if let Some(next) = self.limbs.get(limb + 1) {
                v |= (*next as u64) << (LIMB_BITS as usize - shift);
            }
            if shift > 60
                && let Some(after) = self.limbs.get(limb + 2)
            {
                v |= (*after as u64) << (2 * LIMB_BITS as usize - shift);
            }
            *word = v;
        }
    }

    /// Propagates carries so that the limbs below the top are in [0, 2⁶²) again.
    fn normalise(&mut self, len: usize) {
        for i in 0..len - 1 {
            let carry = self.limbs[i] >> LIMB_BITS; // arithmetic: negative limbs borrow
            self.limbs[i] &= M62;
            self.limbs[i + 1] += carry;
        }
    }

    /// All ones when the number is negative (the top limb's sign), else zero.
    fn sign_mask(&self, len: usize) -> i64 {
        // Behind the barrier, or the compiler turns the masked additions into branches (the
        // constant-time check caught that).
        barrier((self.limbs[len - 1] >> 63) as u64) as i64
    }
}

/// The transition matrix of one batch, 2⁶² times the product of its steps.
struct Matrix {
    u: i64,
    v: i64,
    q: i64,
    r: i64,
}

/// 62 division steps on the low bits of f (odd) and g, from η = 2δ; returns the new η and
/// the matrix. Per step: if δ > 0 and g is odd, (f, g) ← (g, −f) (and the matrix rows likewise,
/// δ ← −δ); then g ← (g + f)/2 if g is odd, g/2 otherwise, with δ ← δ + 1 — all as masks.
fn divsteps(mut eta: i64, f0: u64, g0: u64) -> (i64, Matrix) {
    let (mut f, mut g) = (f0 as i64, g0 as i64);
    let (mut u, mut v, mut q, mut r) = (1i64, 0i64, 0i64, 1i64);
    for _ in 0..BATCH {
        let g_odd = -(g & 1);
        // All ones when η > 0 (η is small, so −η does not overflow).
        let positive = (-eta) >> 63;
        let swap = positive & g_odd;
        // Conditional swap of (f, g), (u, q), (v, r), then negation of the new g row and η.
        let x = (f ^ g) & swap;
        f ^= x;
        g ^= x;
        let x = (u ^ q) & swap;
        u ^= x;
        q ^= x;
        let x = (v ^ r) & swap;
        v ^= x;
        r ^= x;
        g = (g ^ swap).wrapping_sub(swap);
        q = (q ^ swap).wrapping_sub(swap);
        r = (r ^ swap).wrapping_sub(swap);
        eta = (eta ^ swap).wrapping_sub(swap);
        // g ← (g + f·[g odd]) / 2; the g row adds the f row likewise; the f row doubles.
        g = g.wrapping_add(f & g_odd);
        q = q.wrapping_add(u & g_odd);
        r = r.wrapping_add(v & g_odd);
        g >>= 1;
        u = u.wrapping_shl(1);
        v = v.wrapping_shl(1);
        eta = eta.wrapping_add(2);
    }
    (eta, Matrix { u, v, q, r })
}

/// (f, g) ← T·(f, g) / 2⁶², exact by construction of T.
fn update_fg(f: &mut Signed62, g: &mut Signed62, t: &Matrix, len: usize) {
    let (u, v, q, r) = (t.u as i128, t.v as i128, t.q as i128, t.r as i128);
    let mut cf = u * f.limbs[0] as i128 + v * g.limbs[0] as i128;
    let mut cg = q * f.limbs[0] as i128 + r * g.limbs[0] as i128;
    cf >>= LIMB_BITS;
    cg >>= LIMB_BITS;
    for i in 1..len {
        cf += u * f.limbs[i] as i128 + v * g.limbs[i] as i128;
        cg += q * f.limbs[i] as i128 + r * g.limbs[i] as i128;
        f.limbs[i - 1] = cf as i64 & M62;
        g.limbs[i - 1] = cg as i64 & M62;
        cf >>= LIMB_BITS;
        cg >>= LIMB_BITS;
    }
    f.limbs[len - 1] = cf as i64;
    g.limbs[len - 1] = cg as i64;
}

/// (d, e) ← (T·(d, e) + (md, me)·m) / 2⁶² with md, me chosen so that the division is exact;
/// keeps d, e in (−2m, m) (libsecp256k1's `modinv64` analysis: adding u, v (q, r) times m for a
/// negative d (e) first, then at most 2⁶² − 1 more).
fn update_de(
    d: &mut Signed62,
    e: &mut Signed62,
    t: &Matrix,
    m: &Signed62,
    m_inv62: i64,
    len: usize,
) {
    let (sd, se) = (d.sign_mask(len), e.sign_mask(len));
    let mut md = (t.u & sd) + (t.v & se);
    let mut me = (t.q & sd) + (t.r & se);
    let (u, v, q, r) = (t.u as i128, t.v as i128, t.q as i128, t.r as i128);
    let mut cd = u * d.limbs[0] as i128 + v * e.limbs[0] as i128;
    let mut ce = q * d.limbs[0] as i128 + r * e.limbs[0] as i128;
    // md ≡ −cd·m⁻¹ (mod 2⁶²), moved down from its start by less than 2⁶².
    md -= (m_inv62.wrapping_mul(cd as i64).wrapping_add(md)) & M62;
    me -= (m_inv62.wrapping_mul(ce as i64).wrapping_add(me)) & M62;
    cd += m.limbs[0] as i128 * md as i128;
    ce += m.limbs[0] as i128 * me as i128;
    cd >>= LIMB_BITS;
    ce >>= LIMB_BITS;
    for i in 1..len {
        cd += u * d.limbs[i] as i128 + v * e.limbs[i] as i128 + m.limbs[i] as i128 * md as i128;
        ce += q * d.limbs[i] as i128 + r * e.limbs[i] as i128 + m.limbs[i] as i128 * me as i128;
        d.limbs[i - 1] = cd as i64 & M62;
        e.limbs[i - 1] = ce as i64 & M62;
        cd >>= LIMB_BITS;
        ce >>= LIMB_BITS;
    }
    d.limbs[len - 1] = cd as i64;
    e.limbs[len - 1] = ce as i64;
}

/// d + m when d is negative (by mask), normalised.
fn add_m_if_negative(d: &mut Signed62, m: &Signed62, len: usize) {
    let negative = d.sign_mask(len);
    for i in 0..len {
        d.limbs[i] += m.limbs[i] & negative;
    }
    d.normalise(len);
}

/// `a⁻¹ mod m` for an odd modulus `m` of `64·H` bits (H ≤ 32) and `a < m`, with an all-ones
/// mask when it exists (gcd(a, m) = 1; a = 0 has none) and zero otherwise, in which case the
/// value is meaningless. Constant-time in `a` and `m`.
pub(crate) fn invert<const H: usize>(a: &[u64; H], m: &[u64; H]) -> ([u64; H], u64) {
    const {
        assert!(
            64 * H <= 2048,
            "sizes up to the 2048-bit primes of RSA-4096"
        )
    };
    let bits = 64 * H;
    let len = bits / LIMB_BITS as usize + 2;
    let steps = (45907 * bits + 30179) / 19929;
    let batches = steps.div_ceil(BATCH);

    let mut modulus = Signed62::from_u64s(m);
    // m⁻¹ mod 2⁶² from m⁻¹ mod 2⁶⁴ (Newton: each step doubles the correct low bits).
    let mut inv = m[0];
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
    }
    let m_inv62 = (inv & M62 as u64) as i64;

    let mut f = modulus.clone();
    let mut g = Signed62::from_u64s(a);
    let mut d = Signed62::ZERO;
    let mut e = Signed62::ZERO;
    e.limbs[0] = 1;
    let mut eta = 1i64; // δ = 1/2: the half-delta variant
    for _ in 0..batches {
        let (next_eta, t) = divsteps(eta, f.limbs[0] as u64, g.limbs[0] as u64);
        eta = next_eta;
        update_fg(&mut f, &mut g, &t, len);
        update_de(&mut d, &mut e, &t, &modulus, m_inv62, len);
    }

    // f = ±gcd(a, m): invertible exactly when f = 1 or f = −1 (all low limbs 2⁶² − 1, top −1).
    let mut is_one = f.limbs[0] ^ 1;
    let mut is_minus_one = (f.limbs[0] ^ M62) | (f.limbs[len - 1] ^ -1);
    for i in 1..len - 1 {
        is_one |= f.limbs[i];
        is_minus_one |= f.limbs[i] ^ M62;
    }
    is_one |= f.limbs[len - 1];
    let ok = (nonzero_to_mask(is_one as u64) & nonzero_to_mask(is_minus_one as u64)) ^ u64::MAX;

    // a⁻¹ = ±d: d in (−2m, m) → (−m, m) → negated with f's sign → [0, m).
    add_m_if_negative(&mut d, &modulus, len);
    let f_negative = f.sign_mask(len);
    for i in 0..len {
        d.limbs[i] = (d.limbs[i] ^ f_negative).wrapping_sub(f_negative);
    }
    d.normalise(len);
    add_m_if_negative(&mut d, &modulus, len);

    let mut out = [0u64; H];
    d.write_u64s(&mut out);
    use zeroize::Zeroize;
    for x in [&mut f, &mut g, &mut d, &mut e, &mut modulus] {
        x.limbs.zeroize();
    }
    (out, ok)
}

/// All ones when `x ≠ 0`, else zero, without a branch.
fn nonzero_to_mask(x: u64) -> u64 {
    barrier((((x | x.wrapping_neg()) >> 63) as i64).wrapping_neg() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{Odd, Uint};

    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Against crypto-bigint's `invert_odd_mod` (another implementation), on random odd moduli
    /// with the top bit set and random values below them, plus the edges 0, 1, m − 1, m − 2.
    fn agrees_with_crypto_bigint<const H: usize>(cases: usize) {
        let mut state = H as u64;
        for case in 0..cases {
            let mut m = [0u64; H];
            m.iter_mut().for_each(|x| *x = splitmix(&mut state));
            m[0] |= 1;
            m[H - 1] |= 1 << 63;
            if case % 7 == 0 {
                m[1..].iter_mut().for_each(|x| *x = u64::MAX); // near 2^(64H)
            }
            let mut a = [0u64; H];
            a.iter_mut().for_each(|x| *x = splitmix(&mut state));
            a[H - 1] &= u64::MAX >> 1; // below m
            let mut edges = vec![a, [0u64; H]];
            let mut one = [0u64; H];
            one[0] = 1;
            edges.push(one);
            let mut m1 = m;
            m1[0] -= 1;
            edges.push(m1);
            let mut m2 = m;
            m2[0] -= 2;
            edges.push(m2);
            let modulus = Odd::new(Uint::<H>::from_words(m)).expect("odd");
            for x in edges {
                let want = Uint::<H>::from_words(x).invert_odd_mod(&modulus);
                let (got, ok) = invert(&x, &m);
                assert_eq!(ok == u64::MAX, bool::from(want.is_some()), "{m:x?} {x:x?}");
                assert!(ok == 0 || ok == u64::MAX);
                if ok == u64::MAX {
                    assert_eq!(got, want.unwrap().to_words(), "{m:x?} {x:x?}");
                }
            }
        }
    }

    #[test]
    fn inverses_agree_with_crypto_bigint() {
        agrees_with_crypto_bigint::<1>(300);
        agrees_with_crypto_bigint::<2>(300);
        agrees_with_crypto_bigint::<16>(200);
        agrees_with_crypto_bigint::<24>(50);
        agrees_with_crypto_bigint::<32>(50);
    }

    #[test]
    fn shared_factor_has_no_inverse() {
        // m = 3·5 = 15 (a tiny odd modulus, top bit not needed here) and a = 6: gcd 3.
        let (_, ok) = invert(&[6u64], &[15u64]);
        assert_eq!(ok, 0);
        let (inv, ok) = invert(&[7u64], &[15u64]);
        assert_eq!((inv, ok), ([13u64], u64::MAX)); // 7·13 = 91 = 6·15 + 1
    }

    #[test]
    fn limb_conversions_round_trip() {
        let mut state = 5;
        for _ in 0..100 {
            let mut x = [0u64; 32];
            x.iter_mut().for_each(|w| *w = splitmix(&mut state));
            let mut back = [0u64; 32];
            Signed62::from_u64s(&x).write_u64s(&mut back);
            assert_eq!(back, x);
        }
    }
}
