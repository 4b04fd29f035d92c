//! Times the Montgomery kernel (min of repeated runs): `cargo run --release --features
//! bench-internals --example kernel`. A quick look while tuning; the criterion `monty/*` benches
//! are the record.
use kvcert::bench_internals::Kernel;
use std::time::Instant;

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

fn lanes<const N: usize>() {
    let k = kvcert::bench_internals::Fermat4::<N>::new(7);
    let t = min_ns(9, 1, || k.run().map_or(0, |v| v[0] as u64));
    println!(
        "{:5} bits: 4-lane fermat2 {:8.1} us ({:8.1} us per candidate)",
        64 * N,
        t / 1e3,
        t / 4e3
    );
}

fn main() {
    lanes::<16>();
    lanes::<32>();
    report::<16>();
    report::<24>();
    report::<32>();
}
