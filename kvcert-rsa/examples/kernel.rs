//! Times the Montgomery kernel (min of repeated runs). A quick look while tuning; the criterion
//! `monty/*` benches are the record. The kernel is behind the hidden bench door:
//!
//! ```text
//! RUSTFLAGS="--cfg kvcert_bench_internals" CARGO_TARGET_DIR=target/bench-internals \
//!     cargo run -p kvcert-rsa --release --example kernel
//! ```
//!
//! Without the cfg it compiles to a line that says so, so that `--all-targets` builds still build
//! it.
#[cfg(kvcert_bench_internals)]
use kvcert_rsa::bench_internals::Kernel;
#[cfg(kvcert_bench_internals)]
use std::time::Instant;

#[cfg(kvcert_bench_internals)]
fn min_ns(reps: usize, per: usize, mut f: impl FnMut() -> u64) -> f64 {
    let mut best = f64::MAX;
    let mut sink = 0u64;
    for _ in 0..reps {
        let t = Instant::now();
        sink ^= f();
        best = best.min(t.elapsed().as_nanos() as f64 / per as f64);
    }
    std::hint::black_box(sink);
    best
}

#[cfg(kvcert_bench_internals)]
fn report<const N: usize>() {
    let Some(k) = Kernel::<N>::new(7) else { return };
    let sqr = min_ns(15, 2000, || k.sqr_chain(2000));
    let mul = min_ns(15, 2000, || k.mul_chain(2000));
    let pow2 = min_ns(9, 1, || k.pow2());
    let pow = min_ns(9, 1, || k.pow());
    println!(
        "{:5} bits: sqr {:7.0} ns  mul {:7.0} ns  pow2 {:8.1} us  pow {:8.1} us",
        64 * N,
        sqr,
        mul,
        pow2 / 1e3,
        pow / 1e3
    );
}

#[cfg(kvcert_bench_internals)]
fn lanes<const N: usize>() {
    let k = kvcert_rsa::bench_internals::Fermat4::<N>::new(7);
    let t = min_ns(9, 1, || k.run().map_or(0, |v| v[0] as u64));
    println!(
        "{:5} bits: 4-lane fermat2 {:8.1} us ({:8.1} us per candidate)",
        64 * N,
        t / 1e3,
        t / 4e3
    );
}

#[cfg(kvcert_bench_internals)]
fn main() {
    lanes::<16>();
    lanes::<32>();
    report::<16>();
    report::<24>();
    report::<32>();
}

#[cfg(not(kvcert_bench_internals))]
fn main() {
    eprintln!("examples/kernel needs RUSTFLAGS=\"--cfg kvcert_bench_internals\"");
}
