//! A bounded load test of a running emulator from loopback: a fixed number of creates (EC
//! P-256, issuer Self), GETs for a fixed time, then creates, deletes, recovers and purges of
//! the same few names from every thread at once. Prints requests per second and latency
//! percentiles per phase; exits 1 on any 5xx, connection failure or unexpected status.
//!
//! ```text
//! cargo run --release -p kvcert-emulator -- --tls-cert-out root.pem --listen 127.0.0.1:8443 &
//! cargo run --release -p kvcert-emulator --example load -- --addr 127.0.0.1:8443 --ca root.pem \
//!     [--threads 4] [--creates 400] [--seconds 10]
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kvcert_emulator::client::{self, Client};

const CREATE: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=load"},"issuer":{"name":"Self"}}}"#;
const API: &str = "api-version=7.6";
/// The names every thread fights over in the last phase.
const SHARED: [&str; 4] = ["shared-a", "shared-b", "shared-c", "shared-d"];

struct Options {
    addr: SocketAddr,
    ca: String,
    threads: usize,
    creates: usize,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 8443)),
        ca: String::new(),
        threads: 4,
        creates: 400,
        seconds: 10,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--addr" => o.addr = v()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--ca" => {
                let path = v()?;
                o.ca = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            }
            "--threads" => o.threads = v()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--creates" => o.creates = v()?.parse().map_err(|e| format!("--creates: {e}"))?,
            "--seconds" => o.seconds = v()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.ca.is_empty() {
        return Err("--ca ROOT.pem is required (the emulator's --tls-cert-out)".to_owned());
    }
    Ok(o)
}

/// What one thread saw: latencies (µs) and statuses.
#[derive(Default)]
struct Tally {
    micros: Vec<u64>,
    statuses: BTreeMap<u16, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.micros.extend(other.micros);
        for (s, n) in other.statuses {
            *self.statuses.entry(s).or_default() += n;
        }
        self.failures.extend(other.failures);
    }

    fn time(&mut self, c: &mut Client, method: &str, target: &str, body: &str, ok: &[u16]) {
        let start = Instant::now();
        match c.request(method, target, body.as_bytes(), true) {
            Ok(r) => {
                self.micros
                    .push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
                *self.statuses.entry(r.status).or_default() += 1;
                if !ok.contains(&r.status) {
                    self.failures
                        .push(format!("{method} {target}: {} {}", r.status, r.json()));
                }
            }
            Err(e) => self.failures.push(format!("{method} {target}: {e}")),
        }
    }

    fn report(&mut self, phase: &str, wall: Duration) {
        self.micros.sort_unstable();
        let n = self.micros.len();
        let pct = |p: usize| {
            self.micros
                .get((n * p / 100).min(n.saturating_sub(1)))
                .map_or(0.0, |&u| u as f64 / 1000.0)
        };
        println!(
            "| {phase} | {n} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:?} |",
            n as f64 / wall.as_secs_f64(),
            pct(50),
            pct(90),
            pct(99),
            self.micros.last().map_or(0.0, |&u| u as f64 / 1000.0),
            self.statuses
        );
    }
}

/// Runs `work(thread, client, tally)` on every thread and merges what they saw.
fn phase(
    o: &Options,
    config: &Arc<rustls::ClientConfig>,
    name: &str,
    work: impl Fn(usize, &mut Client, &mut Tally) + Sync,
) -> Tally {
    let start = Instant::now();
    let mut all = Tally::default();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..o.threads)
            .map(|t| {
                let work = &work;
                s.spawn(move || {
                    let mut tally = Tally::default();
                    match Client::connect(o.addr, Arc::clone(config)) {
                        Ok(mut c) => work(t, &mut c, &mut tally),
                        Err(e) => tally.failures.push(format!("connect: {e}")),
                    }
                    tally
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(t) => all.merge(t),
                Err(_) => all.failures.push("a thread panicked".to_owned()),
            }
        }
    });
    all.report(name, start.elapsed());
    all
}

fn run() -> Result<bool, String> {
    let o = options()?;
    let config = client::config(&o.ca).map_err(|e| e.to_string())?;
    println!(
        "{} threads, {} creates, {} s per timed phase, against {}",
        o.threads, o.creates, o.seconds, o.addr
    );
    println!("| phase | requests | per second | p50 ms | p90 ms | p99 ms | max ms | statuses |");
    println!("|---|---|---|---|---|---|---|---|");
    let per_thread = o.creates.div_ceil(o.threads);
    let mut failures = Vec::new();
    let creates = phase(&o, &config, "create (EC P-256, Self)", |t, c, tally| {
        for i in 0..per_thread {
            let target = format!("/certificates/load-{t}-{i}/create?{API}");
            tally.time(c, "POST", &target, CREATE, &[202]);
        }
    });
    failures.extend(creates.failures);
    let deadline = Duration::from_secs(o.seconds);
    let gets = phase(&o, &config, "get certificate", |t, c, tally| {
        let start = Instant::now();
        let mut i = t;
        while start.elapsed() < deadline {
            let target = format!(
                "/certificates/load-{}-{}?{API}",
                i % o.threads,
                i % per_thread
            );
            tally.time(c, "GET", &target, "", &[200]);
            i += 7;
        }
    });
    failures.extend(gets.failures);
    let contention = phase(
        &o,
        &config,
        "same names: create/delete/recover/purge/get",
        |t, c, tally| {
            let start = Instant::now();
            let mut i = t;
            while start.elapsed() < deadline {
                let name = SHARED[i % SHARED.len()];
                // Every answer the service gives for these operations in some state is allowed;
                // a 5xx, a dropped connection or another status is a failure.
                match (i / SHARED.len()) % 5 {
                    0 => tally.time(
                        c,
                        "POST",
                        &format!("/certificates/{name}/create?{API}"),
                        CREATE,
                        &[202, 409],
                    ),
                    1 => tally.time(
                        c,
                        "DELETE",
                        &format!("/certificates/{name}?{API}"),
                        "",
                        &[200, 404],
                    ),
                    2 => tally.time(
                        c,
                        "POST",
                        &format!("/deletedcertificates/{name}/recover?{API}"),
                        "",
                        &[200, 404, 409],
                    ),
                    3 => tally.time(
                        c,
                        "DELETE",
                        &format!("/deletedcertificates/{name}?{API}"),
                        "",
                        &[204, 404, 409],
                    ),
                    _ => tally.time(
                        c,
                        "GET",
                        &format!("/certificates/{name}?{API}"),
                        "",
                        &[200, 404],
                    ),
                }
                i += 3;
            }
        },
    );
    failures.extend(contention.failures);
    // Afterwards every shared name is live, deleted, or gone: never live and deleted at once.
    let mut c = Client::connect(o.addr, Arc::clone(&config)).map_err(|e| e.to_string())?;
    for name in SHARED {
        let live = c
            .request("GET", &format!("/certificates/{name}?{API}"), b"", true)
            .map_err(|e| e.to_string())?;
        let deleted = c
            .request(
                "GET",
                &format!("/deletedcertificates/{name}?{API}"),
                b"",
                true,
            )
            .map_err(|e| e.to_string())?;
        if live.status == 200 && deleted.status == 200 {
            failures.push(format!("{name} is both live and deleted"));
        }
    }
    for f in failures.iter().take(20) {
        eprintln!("failure: {f}");
    }
    println!("failures: {}", failures.len());
    Ok(failures.is_empty())
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::from(2)
        }
    }
}
