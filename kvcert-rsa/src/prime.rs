//! Random probable primes for RSA, per FIPS 186-5 Appendix A.1.3 with the Miller–Rabin test of
//! Appendix B.3.1.
//!
//! Each try draws a **fresh** random candidate of exactly `64·N` bits with the two top bits and
//! the low bit set. Nothing steps from one candidate to the next: stepping (as `rsa` 0.10 and
//! OpenSSL do) makes the prime that is found depend on which of its predecessors were rejected
//! by trial division, i.e. leaks residues of the prime modulo small primes through timing.
//!
//! A candidate then goes through, cheapest first:
//! 1. trial division by every odd prime below the size's depth ([`sieve_depth`]: 2¹⁶ for
//!    RSA-2048, 2¹⁸ above), multiplications only, no division instruction, and no branch except "a prime of
//!    this group divides it", which only rejected candidates take. Primes below 2¹³ in
//!    [`Group`]s: the residue modulo a product M < 2²⁶ is a dot product of the candidate's
//!    32-bit digits with `2^(32·i) mod M`, and each prime is one multiplication by its inverse
//!    modulo 2⁶⁴ and a comparison (Granlund–Montgomery). Larger primes in [`Hub`]s of about
//!    three: one 128-bit reduction modulo their product, then four multiplications per prime;
//! 2. `gcd(e, p − 1) = 1` for e = 65537, i.e. p mod 65537 ≠ 1 (65537 is prime);
//! 3. a Fermat test to base 2, `2^(p−1) ≡ 1 (mod p)`, on four candidates at once: candidates
//!    that pass steps 1–2 are collected in fours, in the order drawn, and tested side by side in
//!    the four lanes of AVX2 registers ([`crate::lanes`], where multiplying by the base 2 costs
//!    nothing), or one at a time with [`Modulus::pow2`] on CPUs without AVX2 (same verdicts).
//!    Almost every composite that survives trial division stops here. The prime kept is the
//!    first candidate of the batch, in drawing order, to pass this and step 4, so batching never
//!    changes which prime an RNG stream gives; it only tests up to three candidates that follow
//!    the prime and are then thrown away;
//! 4. Miller–Rabin with bases drawn from the RNG, as many rounds as FIPS 186-5 Table B.1 asks.
//!
//! The number of candidates that reach an exponentiation is what the trial division depth buys
//! down; the cost of each is the Montgomery arithmetic of [`crate::monty`].
//!
//! The exponentiations are constant-time ([`Modulus::pow`]). What timing reveals about a prime
//! that is kept: the number of squarings after the exponentiation, s = v₂(p − 1), as in every
//! Miller–Rabin implementation, and how many random bases were redrawn because they were ≥ p − 1.

use std::sync::OnceLock;

use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::monty::{self, Modulus};

/// The small primes used for trial division are those below this bound (at most 2²⁰: see
/// [`Hub`]). The tables for it take about 3 MB (estimated from the entry sizes), built in tiers
/// as the key sizes need them.
pub(crate) const SIEVE_LIMIT: u32 = 1 << 18;

/// Primes below this bound are tried in [`Group`]s, those above it in [`Hub`]s.
const GROUP_LIMIT: u32 = 1 << 13;

/// Products of small primes in a group are kept below 2^this, so that a dot product of 64
/// digits of 32 bits with residues below it stays below 2⁶⁴ (64 · 2³² · 2²⁶ = 2⁶⁴).
const GROUP_BITS: u32 = 26;

/// Products of small primes in a hub are kept below 2^this, so that a sum of 32 products of a
/// 64-bit limb with a residue below it stays below 2¹²⁸ (32 · 2⁶⁴ · 2⁵⁸ = 2¹²⁷).
const HUB_BITS: u32 = 58;

/// Most 32-bit digits a candidate has (64 for 2048-bit primes).
const MAX_DIGITS: usize = 64;

/// Most limbs a candidate has.
const MAX_LIMBS: usize = MAX_DIGITS / 2;

/// One small odd prime, as its Granlund–Montgomery divisibility constants.
#[derive(Clone, Copy)]
struct Divisor {
    /// p⁻¹ mod 2⁶⁴.
    inverse: u64,
    /// ⌊(2⁶⁴ − 1) / p⌋: x < 2⁶⁴ is divisible by p exactly when x·p⁻¹ mod 2⁶⁴ ≤ this.
    limit: u64,
}

impl Divisor {
    fn new(p: u64) -> Self {
        Divisor {
            inverse: inverse_mod_2_64(p),
            limit: u64::MAX / p,
        }
    }

    /// 1 when p divides `x`, else 0, without a branch.
    #[inline(always)]
    fn divides(&self, x: u64) -> u64 {
        (x.wrapping_mul(self.inverse) <= self.limit) as u64
    }
}

/// Tier 1, the smallest primes, where most candidates are rejected: a product M < 2²⁶ of
/// several of them, the candidate's residue mod M being a dot product of its 32-bit digits with
/// `2^(32·i) mod M` (no carries: it vectorises), then one divisibility test per prime.
struct Group {
    powers: [u32; MAX_DIGITS],
    divisors: Vec<Divisor>,
}

/// Tier 2, the larger primes (2¹³ … 2²⁰), three or so to a product M < 2⁵⁸: the candidate is
/// reduced once to a 128-bit S ≡ x (mod M) with one multiplication per limb, and each prime
/// then needs only S's four 32-bit digits: Σ s_j·(2^(32·j) mod p) < 2⁵⁴ is tested for
/// divisibility. About a third of the multiplications of a [`Group`] per prime.
struct Hub {
    /// `2^(64·i) mod M`, i = 0 … 31.
    powers: [u64; MAX_LIMBS],
    /// Its primes: `SieveTable::hub_primes[start..end]` (one allocation for all hubs).
    start: u32,
    end: u32,
    /// The largest prime in the hub (the table is cut at a bound).
    largest: u32,
}

struct HubPrime {
    /// `2^(32·j) mod p`, j = 0 … 3.
    digit_powers: [u32; 4],
    divisor: Divisor,
}

/// The hubs for the primes in one range of [`TIER_BOUNDS`].
struct HubTier {
    hubs: Vec<Hub>,
    hub_primes: Vec<HubPrime>,
}

/// Hub tiers are built on first use, so that RSA-2048 (sieved to 2¹⁶) never builds the tables
/// only RSA-4096 needs: the primes in `TIER_BOUNDS[i] .. TIER_BOUNDS[i + 1]`.
const TIER_BOUNDS: [u32; 4] = [GROUP_LIMIT, 1 << 16, 1 << 17, SIEVE_LIMIT];

fn groups() -> &'static [Group] {
    static GROUPS: OnceLock<Vec<Group>> = OnceLock::new();
    GROUPS.get_or_init(build_groups)
}

fn hub_tier(i: usize) -> &'static HubTier {
    static TIERS: [OnceLock<HubTier>; 3] = [const { OnceLock::new() }; 3];
    TIERS[i].get_or_init(|| build_hub_tier(TIER_BOUNDS[i], TIER_BOUNDS[i + 1]))
}

/// The odd primes below `limit` (sieve of Eratosthenes).
fn odd_primes_below(limit: u32) -> Vec<u32> {
    let n = limit as usize;
    let mut composite = vec![false; n];
    let mut primes = Vec::new();
    for i in 3..n {
        if composite[i] || i % 2 == 0 {
            continue;
        }
        primes.push(i as u32);
        let mut j = i * i;
        while j < n {
            composite[j] = true;
            j += i;
        }
    }
    primes
}

/// Splits `primes` into runs whose product stays at or below 2^bits.
fn pack(primes: &[u32], bits: u32) -> Vec<&[u32]> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut product: u128 = 1;
    for (i, &p) in primes.iter().enumerate() {
        if product * p as u128 > 1 << bits {
            runs.push(&primes[start..i]);
            start = i;
            product = 1;
        }
        product *= p as u128;
    }
    if start < primes.len() {
        runs.push(&primes[start..]);
    }
    runs
}

// Building the tables divides public constants with `%`: nothing secret is involved.
fn build_groups() -> Vec<Group> {
    let primes = odd_primes_below(GROUP_LIMIT);
    pack(&primes, GROUP_BITS)
        .into_iter()
        .map(|run| {
            let m: u64 = run.iter().map(|&p| p as u64).product();
            let mut powers = [0u32; MAX_DIGITS];
            for (slot, power) in powers.iter_mut().zip(powers_mod(m as u128, 32)) {
                *slot = power as u32; // < 2²⁶
            }
            Group {
                powers,
                divisors: run.iter().map(|&p| Divisor::new(p as u64)).collect(),
            }
        })
        .collect()
}

/// 1, 2^shift, 2^(2·shift), … modulo `m` (m < 2⁶⁴, shift ≤ 64), without end.
fn powers_mod(m: u128, shift: u32) -> impl Iterator<Item = u128> {
    std::iter::successors(Some(1 % m), move |x| Some((x << shift) % m))
}

fn build_hub_tier(from: u32, to: u32) -> HubTier {
    let all = odd_primes_below(to);
    let primes = &all[all.partition_point(|&p| p < from)..];
    let mut hub_primes = Vec::new();
    let hubs = pack(primes, HUB_BITS)
        .into_iter()
        .map(|run| {
            let m: u128 = run.iter().map(|&p| p as u128).product();
            let mut powers = [0u64; MAX_LIMBS];
            for (slot, power) in powers.iter_mut().zip(powers_mod(m, 64)) {
                *slot = power as u64; // < 2⁵⁸
            }
            let start = hub_primes.len() as u32;
            for &p in run {
                let mut digit_powers = [0u32; 4];
                for (slot, power) in digit_powers.iter_mut().zip(powers_mod(p as u128, 32)) {
                    *slot = power as u32; // < p < 2²⁰
                }
                let p = p as u64;
                hub_primes.push(HubPrime {
                    digit_powers,
                    divisor: Divisor::new(p),
                });
            }
            Hub {
                powers,
                start,
                end: hub_primes.len() as u32,
                largest: *run.last().unwrap_or(&0),
            }
        })
        .collect();
    HubTier { hubs, hub_primes }
}

/// p⁻¹ mod 2⁶⁴ for odd p (Newton's iteration doubles the correct low bits each step).
fn inverse_mod_2_64(p: u64) -> u64 {
    let mut y = p;
    for _ in 0..5 {
        y = y.wrapping_mul(2u64.wrapping_sub(p.wrapping_mul(y)));
    }
    y
}

/// How far a prime of `64·N` bits is trial-divided: the small primes up to the bound where one
/// more prime costs more, on average, than the exponentiations it saves. Measured on the
/// development machine (README, "RSA key generation"): deeper for larger primes, whose
/// exponentiations cost more. RSA-2048 went from 2¹⁷ to 2¹⁶ when the four-lane base-2 test made
/// its first exponentiation about 1.5× cheaper (5 % faster keys, measured on the same seeds),
/// and RSA-4096 from 2¹⁹ to 2¹⁸ (4–5 %, geometric mean of per-key ratios over 96 keys). RSA-3072
/// keeps 2¹⁸, not re-measured. The depth never changes which prime is kept, only how a
/// composite is thrown out.
pub(crate) fn sieve_depth(n: usize) -> u32 {
    match n {
        0..=16 => 1 << 16,
        _ => 1 << 18,
    }
}

/// The candidate split into 32-bit digits, least significant first.
fn digits<const N: usize>(x: &[u64; N]) -> [u32; MAX_DIGITS] {
    let mut d = [0u32; MAX_DIGITS];
    for (i, limb) in x.iter().enumerate() {
        d[2 * i] = *limb as u32;
        d[2 * i + 1] = (*limb >> 32) as u32;
    }
    d
}

/// True when no odd prime below `bound` divides `x` (`x` larger than all of them, at most 32
/// limbs). The only branch on the candidate is "some prime of this group or hub divides it",
/// which only a rejected candidate takes.
fn survives_trial_division<const N: usize>(x: &[u64; N], bound: u32) -> bool {
    const { assert!(N <= MAX_LIMBS && N.is_multiple_of(4)) };
    let mut d = digits(x);
    let mut survives = true;
    'tiers: {
        for group in groups() {
            // A value ≡ x (mod M), below 2⁶⁴ by the choice of GROUP_BITS.
            let mut residue: u64 = 0;
            for (digit, power) in d[..2 * N].iter().zip(&group.powers) {
                residue = residue.wrapping_add(*digit as u64 * *power as u64);
            }
            let mut divisible = 0u64;
            for div in &group.divisors {
                divisible |= div.divides(residue);
            }
            // Public by design: only a rejected candidate is divisible.
            if crate::ct_check::public(divisible) != 0 {
                survives = false;
                break 'tiers;
            }
        }
        for (i, &tier_start) in TIER_BOUNDS[..TIER_BOUNDS.len() - 1].iter().enumerate() {
            if tier_start >= bound {
                break;
            }
            let tier = hub_tier(i);
            for hub in &tier.hubs {
                if hub.largest >= bound {
                    break 'tiers;
                }
                // S ≡ x (mod M), below 2¹²⁷ by the choice of HUB_BITS. Four partial sums
                // (limbs i mod 4) so that the additions are not one serial carry chain.
                let (mut s0, mut s1, mut s2, mut s3) = (0u128, 0u128, 0u128, 0u128);
                for (l, w) in x.chunks_exact(4).zip(hub.powers.chunks_exact(4)) {
                    s0 += l[0] as u128 * w[0] as u128;
                    s1 += l[1] as u128 * w[1] as u128;
                    s2 += l[2] as u128 * w[2] as u128;
                    s3 += l[3] as u128 * w[3] as u128;
                }
                let s = s0 + s1 + s2 + s3;
                let s_digits = [
                    s as u32,
                    (s >> 32) as u32,
                    (s >> 64) as u32,
                    (s >> 96) as u32,
                ];
                let mut divisible = 0u64;
                for prime in &tier.hub_primes[hub.start as usize..hub.end as usize] {
                    let mut t: u64 = 0;
                    for (digit, power) in s_digits.iter().zip(&prime.digit_powers) {
                        t += *digit as u64 * *power as u64;
                    }
                    divisible |= prime.divisor.divides(t);
                }
                if crate::ct_check::public(divisible) != 0 {
                    survives = false;
                    break 'tiers;
                }
            }
        }
    }
    d.zeroize();
    survives
}

/// All ones when x ≡ 1 (mod 65537). Since 2¹⁶ ≡ −1 (mod 65537), x is congruent to the
/// alternating sum of its 16-bit digits; no division of the secret.
fn is_one_mod_65537<const N: usize>(x: &[u64; N]) -> u64 {
    const P: u64 = 65537;
    // Even-position digits count +, odd ones −; the offset keeps the sum positive.
    let mut sum: u64 = P * (4 * N as u64);
    for limb in x {
        let l = *limb;
        sum += (l & 0xFFFF) + ((l >> 32) & 0xFFFF);
        sum -= ((l >> 16) & 0xFFFF) + (l >> 48);
    }
    // sum < 2³¹: reduce with a multiplication by ⌊2⁴⁸/P⌋ and two corrections, no division.
    let q = (sum * ((1u64 << 48) / P)) >> 48;
    let mut r = sum - q * P;
    r = r.wrapping_sub(P & monty::barrier(monty::mask_is_zero((r < P) as u64)));
    r = r.wrapping_sub(P & monty::barrier(monty::mask_is_zero((r < P) as u64)));
    monty::mask_is_zero(r ^ 1)
}

/// Counts of what a prime search did, for profiling and the benches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchStats {
    /// Random candidates drawn.
    pub candidates: u64,
    /// Candidates that passed trial division and the e check and reached an exponentiation.
    pub exponentiated: u64,
    /// Modular exponentiations (Miller–Rabin rounds) run in all.
    pub exponentiations: u64,
}

/// Adds another search's counts (two searches per key; totals over many keys).
///
/// ```
/// use kvcert_rsa::{RsaSize, SearchStats};
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
///
/// let mut rng = ChaCha20Rng::seed_from_u64(7);
/// let mut total = SearchStats::default();
/// for _ in 0..2 {
///     let (_, stats) = kvcert_rsa::generate(RsaSize::Rsa2048, &mut rng)?;
///     total += stats;
/// }
/// assert!(total.candidates >= total.exponentiated && total.exponentiations >= 20);
/// # Ok::<(), kvcert_rsa::Error>(())
/// ```
impl core::ops::AddAssign for SearchStats {
    fn add_assign(&mut self, other: SearchStats) {
        let SearchStats {
            candidates,
            exponentiated,
            exponentiations,
        } = other;
        self.candidates += candidates;
        self.exponentiated += exponentiated;
        self.exponentiations += exponentiations;
    }
}

/// Miller–Rabin rounds with random bases for a prime of `bits` bits: FIPS 186-5 Table B.1,
/// the column for an error probability of at most 2⁻¹⁰⁰ (p and q of 1024 bits: 4 rounds;
/// 1536: 3; 2048: 2). Each candidate has passed the base-2 test before these, which the table
/// does not count.
pub(crate) fn miller_rabin_rounds(bits: usize) -> u32 {
    match bits {
        0..=1024 => 4,
        1025..=1536 => 3,
        _ => 2,
    }
}

/// The candidates one prime search may draw: FIPS 186-5 A.1.3 steps 4.7 and 5.9 give up at
/// 5·(nlen/2) (a failure, after which key generation starts again).
pub(crate) const fn search_budget(n: usize) -> u32 {
    5 * 64 * n as u32
}

/// A random probable prime of exactly `64·N` bits (two top bits set) with p mod 65537 ≠ 1, or
/// `None` once `budget` candidates have been drawn without one (each draw takes one off it).
pub(crate) fn random_prime<const N: usize, R: CryptoRng + ?Sized>(
    rng: &mut R,
    stats: &mut SearchStats,
    budget: &mut u32,
) -> Option<[u64; N]> {
    let bound = sieve_depth(N);
    let rounds = miller_rabin_rounds(64 * N);
    let mut bytes = [[0u8; 8]; N];
    loop {
        // Up to four candidates that pass trial division and the e check, in the order drawn,
        // for the four-lane base-2 test. The prime kept is the first of them (in that order)
        // to pass every test, so batching changes which draws are tested, never which prime
        // a given RNG stream gives.
        let mut batch = [[0u64; N]; 4];
        let mut filled = 0;
        while filled < 4 && *budget > 0 {
            *budget -= 1;
            stats.candidates += 1;
            rng.fill_bytes(bytes.as_flattened_mut());
            let candidate = &mut batch[filled];
            for (limb, b) in candidate.iter_mut().zip(bytes.iter()) {
                *limb = u64::from_le_bytes(*b);
            }
            // Every candidate is a secret until it is thrown away: the one kept becomes p or q.
            crate::ct_check::secret(candidate);
            // FIPS 186-5 A.1.3 step 4.2 (odd) and 4.4 (p ≥ √2·2^(nlen/2 − 1)): the two top bits
            // set is the stronger form, which also makes n exactly nlen bits.
            candidate[0] |= 1;
            candidate[N - 1] |= 0b11 << 62;
            if survives_trial_division(candidate, bound)
                // Step 4.5: gcd(p − 1, e) = 1.
                // (Public by design: a candidate ≡ 1 mod e is thrown away.)
                && crate::ct_check::public(is_one_mod_65537(candidate)) == 0
            {
                filled += 1;
            }
        }
        bytes.as_flattened_mut().zeroize();
        if filled == 0 {
            batch.as_flattened_mut().zeroize();
            return None;
        }
        stats.exponentiated += filled as u64;
        stats.exponentiations += filled as u64;
        // Lanes past `filled` repeat the first candidate; their verdicts are not read.
        for l in filled..4 {
            batch[l] = batch[0];
        }
        // The four lanes at once on AVX2; else each candidate with the scalar kernel, only as
        // far as needed (the same verdicts, so the same prime).
        let lanes = crate::lanes::fermat2(&batch);
        let mut found = None;
        for (l, candidate) in batch.iter().enumerate().take(filled) {
            let passed = match lanes {
                Some(verdicts) => verdicts[l],
                None => fermat2_scalar(candidate),
            };
            if passed && miller_rabin(candidate, rounds, rng, stats) {
                found = Some(*candidate);
                break;
            }
        }
        batch.as_flattened_mut().zeroize();
        if found.is_some() {
            return found;
        }
    }
}

/// The base-2 Fermat test `2^(w−1) ≡ 1 (mod w)` on one candidate with the scalar kernel
/// ([`Modulus::pow2`]): the cheap first test that almost every composite surviving trial
/// division fails, when [`crate::lanes::fermat2`] cannot run four at once.
pub(crate) fn fermat2_scalar<const N: usize>(w: &[u64; N]) -> bool {
    let Some(md) = Modulus::new(w) else {
        return false;
    };
    // w − 1: w is odd.
    let mut exponent = *w;
    exponent[0] &= !1;
    let mut z = md.pow2(&exponent);
    // Public by design, as the four-lane verdicts.
    let passed = crate::ct_check::public(monty::ct_eq(&z, md.one())) != 0;
    exponent.zeroize();
    z.zeroize();
    passed
}

/// FIPS 186-5 B.3.1: `rounds` Miller–Rabin rounds with bases from the RNG. Stops at the first
/// round that proves `w` composite. (The base-2 test before it, [`fermat2_scalar`] or its four-lane
/// form, is not a round.)
fn miller_rabin<const N: usize, R: CryptoRng + ?Sized>(
    w: &[u64; N],
    rounds: u32,
    rng: &mut R,
    stats: &mut SearchStats,
) -> bool {
    let Some(md) = Modulus::new(w) else {
        return false;
    };
    let mut one = [0u64; N];
    one[0] = 1;
    // w − 1 = 2^s · d with d odd. w is odd, so s ≥ 1.
    let (mut w_minus_1, _) = monty::sub(w, &one);
    // v₂(w − 1) is public by design: it decides how many squarings the strong test runs (at
    // most one more than the least such count among primes, on average), as in every
    // implementation of FIPS 186-5 B.3.1.
    let s = crate::ct_check::public(trailing_zeros(&w_minus_1));
    let mut d = shift_right(&w_minus_1, s);
    let (two, _) = monty::add(&one, &one);
    let (mut minus_one, _) = monty::sub(w, md.one());
    let mut base_bytes = [[0u8; 8]; N];
    let mut result = true;
    for _ in 0..rounds {
        // Step 4.1–4.2: b from wlen random bits, redrawn while b ≤ 1 or b ≥ w − 1.
        let mut b = [0u64; N];
        let mut drawn = false;
        // A base is redrawn with probability below 1/4 (w has its two top bits set); 64 draws
        // in a row out of range only happen with an RNG that is not random, and then the
        // candidate is dropped rather than the loop running forever.
        for _ in 0..64 {
            rng.fill_bytes(base_bytes.as_flattened_mut());
            for (limb, bytes) in b.iter_mut().zip(base_bytes.iter()) {
                *limb = u64::from_le_bytes(*bytes);
            }
            let (_, below_two) = monty::sub(&b, &two);
            let (_, below_w_minus_1) = monty::sub(&b, &w_minus_1);
            // Public by design: a base out of range is drawn again (step 4.2), which says only
            // that one random number was at least w − 1.
            let in_range = !below_two & below_w_minus_1 & 1;
            if crate::ct_check::public(in_range) == 1 {
                drawn = true;
                break;
            }
        }
        if !drawn {
            b.zeroize();
            result = false;
            break;
        }
        stats.exponentiations += 1;
        let z = md.pow(&md.to_mont(&b), &d);
        b.zeroize();
        if !strong_check(&md, z, s, &minus_one) {
            // Composite: this candidate is thrown away.
            result = false;
            break;
        }
    }
    base_bytes.as_flattened_mut().zeroize();
    // Values derived from the candidate, which may be the prime that is kept.
    for secret in [&mut w_minus_1, &mut d, &mut minus_one] {
        secret.zeroize();
    }
    result
}

/// Steps 4.5–4.7 of B.3.1 for z = b^d: probably prime if z = 1, or z = −1 now or after one of
/// the next s − 1 squarings. The squarings always run s − 1 times, whatever z becomes.
fn strong_check<const N: usize>(
    md: &Modulus<N>,
    mut z: [u64; N],
    s: u32,
    minus_one: &[u64; N],
) -> bool {
    let mut passed = monty::ct_eq(&z, md.one()) | monty::ct_eq(&z, minus_one);
    for _ in 1..s {
        z = md.sqr(&z);
        passed |= monty::ct_eq(&z, minus_one);
    }
    z.zeroize();
    // Public by design: a composite is thrown away; a prime passes every round.
    crate::ct_check::public(passed) != 0
}

/// The number of trailing zero bits of `x` (x ≠ 0), reading every limb the same way: the
/// count is released as public by the caller, the limbs are not.
fn trailing_zeros<const N: usize>(x: &[u64; N]) -> u32 {
    let mut count = 0u32;
    // All ones while every limb so far was zero.
    let mut all_zero = u64::MAX;
    for limb in x {
        // `trailing_zeros` is `tzcnt` (bmi1) or a `bsf` with a fixed fallback: no branch on the
        // value in either form (checked by tests/constant_time.rs).
        let tz = u64::from(limb.trailing_zeros());
        count += (tz & all_zero) as u32;
        all_zero &= monty::barrier(monty::mask_is_zero(*limb));
    }
    count
}

/// `x >> s` for s < 64·N.
fn shift_right<const N: usize>(x: &[u64; N], s: u32) -> [u64; N] {
    let limbs = (s / 64) as usize;
    let bits = s % 64;
    let mut r = [0u64; N];
    for i in 0..N - limbs {
        let lo = x[i + limbs] >> bits;
        let hi = if bits > 0 && i + limbs + 1 < N {
            x[i + limbs + 1] << (64 - bits)
        } else {
            0
        };
        r[i] = lo | hi;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::BoxedUint;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    fn boxed<const N: usize>(x: &[u64; N]) -> BoxedUint {
        BoxedUint::from_words(x.iter().copied())
    }

    /// The primes `survives_trial_division(_, bound)` tries: all group primes, and the hubs that
    /// lie entirely below `bound`.
    fn tried_primes(bound: u32) -> Vec<u64> {
        let primes = odd_primes_below(SIEVE_LIMIT);
        let split = primes.partition_point(|&p| p < GROUP_LIMIT);
        let mut tried: Vec<u64> = primes[..split].iter().map(|&p| p as u64).collect();
        let mut next = split;
        'tiers: for (i, &tier_start) in TIER_BOUNDS[..3].iter().enumerate() {
            if tier_start >= bound {
                break;
            }
            for hub in &hub_tier(i).hubs {
                if hub.largest >= bound {
                    break 'tiers;
                }
                let len = (hub.end - hub.start) as usize;
                tried.extend(primes[next..next + len].iter().map(|&p| p as u64));
                next += len;
            }
        }
        tried
    }

    fn remainder<const N: usize>(x: &[u64; N], p: u64) -> u64 {
        let mut r = 0u128;
        for l in x.iter().rev() {
            r = ((r << 64) | *l as u128) % p as u128;
        }
        r as u64
    }

    #[test]
    fn table_covers_every_odd_prime_below_the_limit_once() {
        let primes = odd_primes_below(SIEVE_LIMIT);
        assert_eq!(primes[..6], [3, 5, 7, 11, 13, 17]);
        assert_eq!(*primes.last().expect("non-empty"), 262_139);
        let in_groups: usize = groups().iter().map(|g| g.divisors.len()).sum();
        assert_eq!(in_groups, primes.partition_point(|&p| p < GROUP_LIMIT));
        for g in groups() {
            assert_eq!(g.powers[0], 1);
        }
        let mut next = in_groups;
        for i in 0..TIER_BOUNDS.len() - 1 {
            let tier = hub_tier(i);
            for hub in &tier.hubs {
                let hub_primes = &tier.hub_primes[hub.start as usize..hub.end as usize];
                let run = &primes[next..next + hub_primes.len()];
                next += run.len();
                assert!(
                    run.iter()
                        .all(|&p| TIER_BOUNDS[i] <= p && p < TIER_BOUNDS[i + 1])
                );
                let m: u128 = run.iter().map(|&p| p as u128).product();
                assert!(m <= 1 << HUB_BITS);
                assert_eq!(hub.largest, *run.last().expect("non-empty"));
                for (&p, hp) in run.iter().zip(hub_primes) {
                    assert_eq!(hp.digit_powers[1] as u64, (1u64 << 32) % p as u64);
                    assert!(p < 1 << 20, "hub residues need p < 2^20");
                }
                assert_eq!(hub.powers[1] as u128, (1u128 << 64) % m);
            }
        }
        assert_eq!(next, primes.len());
    }

    fn check_against_remainders<const N: usize>(seed: u64, count: usize) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        for (k, bound) in [1u32 << 14, 1 << 16, 1 << 17, SIEVE_LIMIT]
            .into_iter()
            .cycle()
            .take(count)
            .enumerate()
        {
            let tried = tried_primes(bound);
            let mut x = [0u64; N];
            for l in x.iter_mut() {
                *l = rand_chacha::rand_core::Rng::next_u64(&mut rng);
            }
            x[0] |= 1;
            x[N - 1] |= 1 << 63;
            if k % 3 == 1 {
                // Make x divisible by one tried prime (x − x mod p is; keep it odd by using p).
                let p = tried[(k * 7919) % tried.len()];
                let r = remainder(&x, p);
                let (y, _) = crate::monty::sub(&x, &{
                    let mut v = [0u64; N];
                    v[0] = r;
                    v
                });
                x = y;
                if x[0] & 1 == 0 {
                    let (y, _) = crate::monty::add(&x, &{
                        let mut v = [0u64; N];
                        v[0] = p;
                        v
                    });
                    x = y;
                }
            }
            let want = tried.iter().all(|&p| remainder(&x, p) != 0);
            assert_eq!(survives_trial_division(&x, bound), want, "bound {bound}");
        }
    }

    #[test]
    fn trial_division_agrees_with_plain_remainders() {
        check_against_remainders::<16>(7, 60);
        check_against_remainders::<24>(8, 12);
        check_against_remainders::<32>(9, 12);
    }

    #[test]
    fn trial_division_finds_the_largest_small_primes() {
        // x = p · (2^1000 + 1) for primes at the ends of both tiers.
        for p in [3u64, 8191, 8209, 262_139] {
            let mut y = [0u64; 16];
            y[0] = 1;
            y[15] = 1 << 40;
            let mut x = [0u64; 16];
            let mut carry = 0u128;
            for i in 0..16 {
                let t = y[i] as u128 * p as u128 + carry;
                x[i] = t as u64;
                carry = t >> 64;
            }
            assert!(!survives_trial_division(&x, SIEVE_LIMIT), "p = {p}");
        }
    }

    #[test]
    fn mod_65537_check() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for k in 0..2000u64 {
            let mut x = [0u64; 16];
            for l in x.iter_mut() {
                *l = rand_chacha::rand_core::Rng::next_u64(&mut rng);
            }
            if k % 2 == 0 {
                // Force x ≡ 1 (mod 65537) half of the time.
                let mut r = 0u128;
                for l in x.iter().rev() {
                    r = ((r << 64) | *l as u128) % 65537;
                }
                let delta = (r as u64 + 65537 - 1) % 65537;
                x[0] = x[0].wrapping_sub(delta);
                if x[0] > u64::MAX - 70000 {
                    continue; // borrowed; skip this rare case
                }
            }
            let mut r = 0u128;
            for l in x.iter().rev() {
                r = ((r << 64) | *l as u128) % 65537;
            }
            assert_eq!(is_one_mod_65537(&x) == u64::MAX, r == 1, "{x:?}");
        }
    }

    #[test]
    fn miller_rabin_rejects_composites_and_prime_powers() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut stats = SearchStats::default();
        let m127 = [u64::MAX, u64::MAX >> 1];
        assert!(!miller_rabin(&m127, 20, &mut rng, &mut stats)); // top bit clear: refused
        let p128 = [u64::MAX - 158, u64::MAX]; // 2^128 − 159, prime
        assert!(miller_rabin(&p128, 20, &mut rng, &mut stats));
        // (2^64 − 59)·(2^64 − 83): a product of two large factors, no small ones.
        let product = (u64::MAX - 58) as u128 * (u64::MAX - 82) as u128;
        let composite = [product as u64, (product >> 64) as u64];
        assert!(!miller_rabin(&composite, 20, &mut rng, &mut stats));
        // 2^128 − 159 squared: a prime power passes Fermat for no base coprime to it either.
        let sq = {
            #[allow(deprecated)] // the replacement trait is not re-exported in 0.7.11
            let sq = boxed(&p128).square();
            let mut w = [0u64; 4];
            w.copy_from_slice(sq.as_words());
            w
        };
        assert!(!miller_rabin(&sq, 20, &mut rng, &mut stats));
    }

    #[test]
    fn primes_are_prime_for_an_independent_test() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut stats = SearchStats::default();
        for _ in 0..3 {
            let p: [u64; 16] =
                random_prime(&mut rng, &mut stats, &mut search_budget(16)).expect("within budget");
            assert_eq!(p[15] >> 62, 0b11);
            // crypto-primes: Miller–Rabin base 2 plus a strong Lucas test (BPSW).
            let b = boxed(&p);
            assert!(crypto_primes::is_prime(crypto_primes::Flavor::Any, &b));
        }
        assert!(stats.candidates > stats.exponentiated);
        assert!(stats.exponentiations >= 3 * (1 + 4));
    }

    #[test]
    fn rounds_follow_fips_186_5_table_b1() {
        // Table B.1, error probability 2^-100: p, q of 1024 bits 4 rounds, 1536 bits 3, 2048 bits 2.
        assert_eq!(miller_rabin_rounds(1024), 4);
        assert_eq!(miller_rabin_rounds(1536), 3);
        assert_eq!(miller_rabin_rounds(2048), 2);
    }

    /// An RNG that returns the same bytes forever.
    struct Stuck;
    impl rand_core::TryRng for Stuck {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Stuck {}

    #[test]
    fn a_stuck_rng_ends_the_search_after_the_fips_budget() {
        // Every candidate is 0b11 << 1022 | 1, which 3 divides: each try is rejected cheaply.
        let mut stats = SearchStats::default();
        let mut budget = search_budget(16);
        assert_eq!(
            random_prime::<16, _>(&mut Stuck, &mut stats, &mut budget),
            None
        );
        assert_eq!(stats.candidates, 5 * 1024);
        assert_eq!(budget, 0);
    }

    #[test]
    fn same_prime_with_and_without_the_four_lane_test() {
        // The scalar path (CPUs without AVX2) must keep the same prime for the same stream, and
        // count the same work; RSA-2048 and RSA-4096 sizes.
        fn both<const N: usize>(seed: u64) {
            let run = |scalar: bool| {
                crate::lanes::SCALAR_ONLY.set(scalar);
                let mut stats = SearchStats::default();
                let p: [u64; N] = random_prime(
                    &mut ChaCha20Rng::seed_from_u64(seed),
                    &mut stats,
                    &mut search_budget(N),
                )
                .expect("within budget");
                crate::lanes::SCALAR_ONLY.set(false);
                (p, stats)
            };
            crate::lanes::SCALAR_ONLY.set(true);
            assert_eq!(crate::lanes::fermat2(&[[1u64 << 63 | 1; N]; 4]), None);
            crate::lanes::SCALAR_ONLY.set(false);
            let (lanes, scalar) = (run(false), run(true));
            assert_eq!(lanes.0, scalar.0);
            assert_eq!(lanes.1.candidates, scalar.1.candidates);
        }
        both::<16>(21);
        both::<16>(22);
        both::<32>(23);
    }

    #[test]
    fn same_rng_stream_same_prime() {
        let mut s1 = SearchStats::default();
        let mut s2 = SearchStats::default();
        let a: [u64; 16] = random_prime(
            &mut ChaCha20Rng::seed_from_u64(11),
            &mut s1,
            &mut search_budget(16),
        )
        .expect("within budget");
        let b: [u64; 16] = random_prime(
            &mut ChaCha20Rng::seed_from_u64(11),
            &mut s2,
            &mut search_budget(16),
        )
        .expect("within budget");
        assert_eq!(a, b);
        assert_eq!(s1, s2);
    }
}
