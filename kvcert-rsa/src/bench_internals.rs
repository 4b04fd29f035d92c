//! The Montgomery kernel behind a hidden door (`--cfg kvcert_bench_internals`), so that the
//! criterion `monty/*` benches (`RUSTFLAGS="--cfg kvcert_bench_internals" cargo bench -p
//! kvcert-rsa --bench rsa -- monty/`) and `examples/kernel` can time it. Not part of the API: no
//! stability, no docs.

use crate::monty::Modulus;

/// A fixed odd `64·N`-bit modulus (top bits set) and operand derived from `seed`.
pub struct Kernel<const N: usize> {
    m: Modulus<N>,
    x: [u64; N],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<const N: usize> Kernel<N> {
    /// A modulus and operand from `seed`.
    pub fn new(seed: u64) -> Option<Self> {
        let mut s = seed;
        let mut m = [0u64; N];
        let mut x = [0u64; N];
        for i in 0..N {
            m[i] = splitmix(&mut s);
            x[i] = splitmix(&mut s);
        }
        m[0] |= 1;
        m[N - 1] |= 0xc000_0000_0000_0000;
        x[N - 1] >>= 2;
        Some(Kernel {
            m: Modulus::new(&m)?,
            x,
        })
    }

    /// `iterations` chained Montgomery squarings; returns a limb so nothing is optimised away.
    pub fn sqr_chain(&self, iterations: usize) -> u64 {
        let mut a = self.x;
        for _ in 0..iterations {
            a = self.m.sqr(&a);
        }
        a[0]
    }

    /// `iterations` chained Montgomery multiplications by the operand.
    pub fn mul_chain(&self, iterations: usize) -> u64 {
        let mut a = self.x;
        for _ in 0..iterations {
            a = self.m.mul(&a, &self.x);
        }
        a[0]
    }

    /// One base-2 exponentiation with the operand as exponent.
    pub fn pow2(&self) -> u64 {
        self.m.pow2(&self.x)[0]
    }

    /// One general exponentiation, operand to the power of itself.
    pub fn pow(&self) -> u64 {
        self.m.pow(&self.x, &self.x)[0]
    }
}

/// Four odd candidates for the four-lane base-2 Fermat test.
pub struct Fermat4<const N: usize> {
    w: [[u64; N]; 4],
}

impl<const N: usize> Fermat4<N> {
    /// Four candidates from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = seed;
        let mut w = [[0u64; N]; 4];
        for v in w.iter_mut() {
            for limb in v.iter_mut() {
                *limb = splitmix(&mut s);
            }
            v[0] |= 1;
            v[N - 1] |= 0xc000_0000_0000_0000;
        }
        Fermat4 { w }
    }

    /// The four verdicts (`None` without AVX2).
    pub fn run(&self) -> Option<[bool; 4]> {
        crate::lanes::fermat2(&self.w)
    }
}
