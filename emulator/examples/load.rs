//! A bounded load test of a running emulator from loopback: a fixed number of creates (EC
//! P-256, issuer Self), GETs for a fixed time, secret GETs for as long, RS256 signing with an
//! RSA-2048 key from every thread, GETs while the threads sign, GETs while RSA-4096 creates
//! run, creates,
//! deletes, recovers and purges of the same few names from every thread at once, then a
//! clock move that makes renewals (AutoRenew) due and GETs that trigger them. Prints requests
//! per second and latency percentiles per phase; exits 1 on any 5xx, connection failure or
//! unexpected status.
//!
//! With `--compare-store BIN` it starts the emulator `BIN` itself, twice: in memory, then
//! with a new `--state` database, and times the same creates on both, then with the
//! database at each of `--sizes` certificates, printing the ratios of this one run.
//!
//! ```text
//! cargo run --release -p kvcert-emulator -- --tls-cert-out root.pem --listen 127.0.0.1:8443 &
//! cargo run --release -p kvcert-emulator --example load -- --addr 127.0.0.1:8443 --ca root.pem \
//!     [--threads 4] [--creates 400] [--seconds 10] [--rsa4096 3] [--renewals 64] [--prefix load]
//! cargo run --release -p kvcert-emulator --example load -- \
//!     --compare-store target/release/kvcert-emulator [--sizes 100,10000] [--creates 400]
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kvcert_emulator::client::{self, Client};

const CREATE: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=load"},"issuer":{"name":"Self"}}}"#;
const CREATE_RSA4096: &str = r#"{"policy":{"key_props":{"kty":"RSA","key_size":4096},"x509_props":{"subject":"CN=load"},"issuer":{"name":"Self"}}}"#;
const API: &str = "api-version=7.6";
/// The names every thread fights over in the last phase.
const SHARED: [&str; 4] = ["shared-a", "shared-b", "shared-c", "shared-d"];

struct Options {
    addr: SocketAddr,
    ca: String,
    threads: usize,
    creates: usize,
    seconds: u64,
    /// RSA-4096 creates run at once while a client reads.
    rsa4096: usize,
    /// The names' prefix (another one per run against the same vault).
    prefix: String,
    /// Certificates that renew after the clock move (0: no such phase).
    renewals: usize,
    /// The emulator to start for the store comparison.
    compare_store: Option<String>,
    /// The store sizes the comparison times creates at.
    sizes: Vec<usize>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 8443)),
        ca: String::new(),
        threads: 4,
        creates: 400,
        seconds: 10,
        rsa4096: 3,
        prefix: "load".to_owned(),
        renewals: 64,
        compare_store: None,
        sizes: vec![100, 10_000],
    };
    // An option's value follows it or is joined by `=` (`--threads=8`).
    let mut args = lexopt::Parser::from_env();
    let said = |e: lexopt::Error| match e {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => format!("{option} needs a value"),
        other => other.to_string(),
    };
    while let Some(arg) = args.next().map_err(said)? {
        use lexopt::prelude::*;
        let flag = match arg {
            Long(name) => format!("--{name}"),
            Short(c) => format!("-{c}"),
            Value(v) => return Err(format!("unknown argument {}", v.to_string_lossy())),
        };
        let mut v = || args.value().and_then(ValueExt::string).map_err(said);
        match flag.as_str() {
            "--addr" => o.addr = v()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--ca" => {
                let path = v()?;
                o.ca = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            }
            "--threads" => o.threads = v()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--creates" => o.creates = v()?.parse().map_err(|e| format!("--creates: {e}"))?,
            "--seconds" => o.seconds = v()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--rsa4096" => o.rsa4096 = v()?.parse().map_err(|e| format!("--rsa4096: {e}"))?,
            "--prefix" => o.prefix = v()?,
            "--renewals" => o.renewals = v()?.parse().map_err(|e| format!("--renewals: {e}"))?,
            "--compare-store" => o.compare_store = Some(v()?),
            "--sizes" => {
                o.sizes = v()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--sizes: {e}"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.ca.is_empty() && o.compare_store.is_none() {
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
    if let Some(bin) = &o.compare_store {
        return compare_store(&o, bin);
    }
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
            let target = format!("/certificates/{}-{t}-{i}/create?{API}", o.prefix);
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
                "/certificates/{}-{}-{}?{API}",
                o.prefix,
                i % o.threads,
                i % per_thread
            );
            tally.time(c, "GET", &target, "", &[200]);
            i += 7;
        }
    });
    failures.extend(gets.failures);
    failures.extend(secrets_and_signing(&o, &config, gets.micros.len()));
    if o.rsa4096 > 0 {
        failures.extend(gets_during_rsa4096(&o, &config));
    }
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
    if o.renewals > 0 {
        failures.extend(renewals_through_gets(&o, &config)?);
    }
    for f in failures.iter().take(20) {
        eprintln!("failure: {f}");
    }
    println!("failures: {}", failures.len());
    Ok(failures.is_empty())
}

/// A month's certificate that renews 20 days before it expires.
const RENEWING: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=renew","validity_months":1},"issuer":{"name":"Self"},"lifetime_actions":[{"trigger":{"days_before_expiry":20},"action":{"action_type":"AutoRenew"}}]}}"#;

/// `o.renewals` renewing certificates, the clock moved 15 days on (their renewals are due),
/// then GETs of them from every thread: the GETs trigger the renewals. Afterwards each has
/// two versions. The clock stays moved: this phase comes last.
fn renewals_through_gets(
    o: &Options,
    config: &Arc<rustls::ClientConfig>,
) -> Result<Vec<String>, String> {
    let mut failures = Vec::new();
    let per_thread = o.renewals.div_ceil(o.threads);
    let name = |t: usize, i: usize| format!("{}-renew-{t}-{i}", o.prefix);
    let made = phase(o, config, "create (renewing)", |t, c, tally| {
        for i in 0..per_thread {
            let target = format!("/certificates/{}/create?{API}", name(t, i));
            tally.time(c, "POST", &target, RENEWING, &[202]);
        }
    });
    failures.extend(made.failures);
    let mut c = Client::connect(o.addr, Arc::clone(config)).map_err(|e| e.to_string())?;
    // Every renewing certificate completed before the clock moves.
    for t in 0..o.threads {
        for i in 0..per_thread {
            let target = format!("/certificates/{}?{API}", name(t, i));
            c.request("GET", &target, b"", true)
                .map_err(|e| e.to_string())?;
        }
    }
    let moved = c
        .request(
            "POST",
            "/_kvcert/clock",
            br#"{"advance_seconds":1296000}"#,
            false,
        )
        .map_err(|e| e.to_string())?;
    if moved.status != 200 {
        failures.push(format!("clock move: {}", moved.status));
    }
    let gets = phase(
        o,
        config,
        &format!(
            "get after a clock move: {} renewals due",
            per_thread * o.threads
        ),
        |t, c, tally| {
            for i in 0..per_thread {
                let target = format!("/certificates/{}?{API}", name(t, i));
                tally.time(c, "GET", &target, "", &[200]);
            }
        },
    );
    failures.extend(gets.failures);
    for t in 0..o.threads {
        for i in 0..per_thread {
            let target = format!("/certificates/{}/versions?{API}", name(t, i));
            let r = c
                .request("GET", &target, b"", true)
                .map_err(|e| e.to_string())?;
            let n = r.json()["value"].as_array().map_or(0, Vec::len);
            if n != 2 {
                failures.push(format!("{}: {n} versions after the renewal", name(t, i)));
            }
        }
    }
    Ok(failures)
}

/// An emulator this example started, stopped when dropped.
struct Spawned {
    child: std::process::Child,
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(
    bin: &str,
    dir: &std::path::Path,
    state: Option<&std::path::Path>,
) -> Result<Spawned, String> {
    use std::io::BufRead;
    let root = dir.join("root.pem");
    let mut command = std::process::Command::new(bin);
    command
        .args(["--listen", "127.0.0.1:0", "--tls-cert-out"])
        .arg(&root)
        .stdout(std::process::Stdio::piped());
    if let Some(state) = state {
        command.arg("--state").arg(state);
    }
    let mut child = command.spawn().map_err(|e| format!("{bin}: {e}"))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    }
    let addr = line
        .trim()
        .strip_prefix("listening on https://")
        .and_then(|a| a.parse().ok());
    let Some(addr) = addr else {
        let _ = child.kill();
        return Err(format!("{bin} did not say where it listens: {line:?}"));
    };
    let pem = std::fs::read_to_string(&root).map_err(|e| e.to_string())?;
    let config = client::config(&pem).map_err(|e| e.to_string())?;
    Ok(Spawned {
        child,
        addr,
        config,
    })
}

/// Creates of `o.creates` names from `o.threads` clients against `e`; the rate.
fn timed_creates(o: &Options, e: &Spawned, label: &str, prefix: &str) -> Result<f64, String> {
    let mut local = Options {
        addr: e.addr,
        ca: String::new(),
        threads: o.threads,
        creates: o.creates,
        seconds: o.seconds,
        rsa4096: 0,
        prefix: prefix.to_owned(),
        renewals: 0,
        compare_store: None,
        sizes: Vec::new(),
    };
    let per_thread = local.creates.div_ceil(local.threads);
    local.creates = per_thread * local.threads;
    let start = Instant::now();
    let tally = phase(&local, &e.config, label, |t, c, tally| {
        for i in 0..per_thread {
            let target = format!("/certificates/{prefix}-{t}-{i}/create?{API}");
            tally.time(c, "POST", &target, CREATE, &[202]);
        }
    });
    let wall = start.elapsed();
    if let Some(f) = tally.failures.first() {
        return Err(format!(
            "{label}: {} failures, first: {f}",
            tally.failures.len()
        ));
    }
    Ok(tally.micros.len() as f64 / wall.as_secs_f64())
}

/// The store's cost, measured in this one run: the same creates in memory and with the
/// database, then with the database at each size.
fn compare_store(o: &Options, bin: &str) -> Result<bool, String> {
    let dir = std::env::temp_dir().join(format!("kvcert-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = (|| {
        println!(
            "{} threads, {} EC P-256 creates per timed phase, emulator {bin}",
            o.threads, o.creates
        );
        println!(
            "| phase | requests | per second | p50 ms | p90 ms | p99 ms | max ms | statuses |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        let memory = {
            let e = spawn(bin, &dir, None)?;
            timed_creates(o, &e, "create, in memory", "m")?
        };
        // Each size on a database of its own: filled to the size, then the timed creates.
        let mut rows = Vec::new();
        for (k, &size) in [0].iter().chain(&o.sizes).enumerate() {
            let state = dir.join(format!("vault-{k}.db"));
            let e = spawn(bin, &dir, Some(&state))?;
            if size > 0 {
                let fill = Options {
                    creates: size,
                    ..clone_options(o)
                };
                timed_creates(&fill, &e, &format!("fill to {size}"), &format!("f{k}"))?;
            }
            let rate = timed_creates(
                o,
                &e,
                &format!("create, database at {size}"),
                &format!("s{k}"),
            )?;
            rows.push((format!("database at {size}"), rate));
        }
        let empty = rows.first().map_or(1.0, |r| r.1);
        println!();
        println!("| store | creates/s | vs in memory | vs empty database |");
        println!("|---|---|---|---|");
        println!("| in memory | {memory:.0} | 1.00 | |");
        for (label, rate) in &rows {
            println!(
                "| {label} | {rate:.0} | {:.2} | {:.2} |",
                rate / memory,
                rate / empty
            );
        }
        Ok(true)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn clone_options(o: &Options) -> Options {
    Options {
        addr: o.addr,
        ca: String::new(),
        threads: o.threads,
        creates: o.creates,
        seconds: o.seconds,
        rsa4096: o.rsa4096,
        prefix: o.prefix.clone(),
        renewals: o.renewals,
        compare_store: None,
        sizes: o.sizes.clone(),
    }
}

/// One client reads an existing certificate for as long as `o.rsa4096` RSA-4096 creates,
/// sent at once from their own clients, take; both are reported.
/// A SHA-256 digest's worth of bytes, base64url: what an RS256 sign takes.
const DIGEST: &str = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

/// Secrets GETs for the timed phase (their rate beside the certificate GETs'), then RS256
/// signing with one RSA-2048 key from every thread, then certificate GETs from one client
/// while the other threads sign.
fn secrets_and_signing(
    o: &Options,
    config: &Arc<rustls::ClientConfig>,
    certificate_gets: usize,
) -> Vec<String> {
    let deadline = Duration::from_secs(o.seconds);
    let mut failures = Vec::new();
    let set = phase(o, config, "set secret", |t, c, tally| {
        let target = format!("/secrets/{}-secret-{t}?{API}", o.prefix);
        tally.time(
            c,
            "PUT",
            &target,
            r#"{"value":"a connection string"}"#,
            &[200],
        );
    });
    failures.extend(set.failures);
    let secret_gets = phase(o, config, "get secret", |t, c, tally| {
        let start = Instant::now();
        let mut i = t;
        while start.elapsed() < deadline {
            let target = format!("/secrets/{}-secret-{}?{API}", o.prefix, i % o.threads);
            tally.time(c, "GET", &target, "", &[200]);
            i += 1;
        }
    });
    failures.extend(secret_gets.failures);
    println!(
        "| secret GETs / certificate GETs | {:.2} | | | | | | |",
        secret_gets.micros.len() as f64 / certificate_gets.max(1) as f64
    );
    let key = phase(o, config, "create key (RSA-2048)", |t, c, tally| {
        if t == 0 {
            let target = format!("/keys/{}-signer/create?{API}", o.prefix);
            tally.time(
                c,
                "POST",
                &target,
                r#"{"kty":"RSA","key_size":2048}"#,
                &[200],
            );
        }
    });
    failures.extend(key.failures);
    let sign_target = format!("/keys/{}-signer/sign?{API}", o.prefix);
    let sign_body = format!(r#"{{"alg":"RS256","value":"{DIGEST}"}}"#);
    let signs = phase(o, config, "sign RS256 (RSA-2048)", |_, c, tally| {
        let start = Instant::now();
        while start.elapsed() < deadline {
            tally.time(c, "POST", &sign_target, &sign_body, &[200]);
        }
    });
    failures.extend(signs.failures);
    // One client reads while the others sign.
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let (mut reads, mut signing) = (Tally::default(), Tally::default());
    std::thread::scope(|s| {
        let signers: Vec<_> = (0..o.threads)
            .map(|_| {
                s.spawn(|| {
                    let mut tally = Tally::default();
                    match Client::connect(o.addr, Arc::clone(config)) {
                        Ok(mut c) => {
                            while !done.load(Ordering::SeqCst) {
                                tally.time(&mut c, "POST", &sign_target, &sign_body, &[200]);
                            }
                        }
                        Err(e) => tally.failures.push(format!("connect: {e}")),
                    }
                    tally
                })
            })
            .collect();
        let mut tally = Tally::default();
        match Client::connect(o.addr, Arc::clone(config)) {
            Ok(mut c) => {
                let target = format!("/certificates/{}-0-0?{API}", o.prefix);
                while start.elapsed() < deadline {
                    tally.time(&mut c, "GET", &target, "", &[200]);
                }
            }
            Err(e) => tally.failures.push(format!("connect: {e}")),
        }
        reads.merge(tally);
        done.store(true, Ordering::SeqCst);
        for h in signers {
            match h.join() {
                Ok(t) => signing.merge(t),
                Err(_) => signing.failures.push("a thread panicked".to_owned()),
            }
        }
    });
    let wall = start.elapsed();
    reads.report(
        &format!("get certificate while {} clients sign", o.threads),
        wall,
    );
    signing.report("sign RS256, beside the reader", wall);
    failures.extend(reads.failures);
    failures.extend(signing.failures);
    failures
}

fn gets_during_rsa4096(o: &Options, config: &Arc<rustls::ClientConfig>) -> Vec<String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let (mut reads, mut creates) = (Tally::default(), Tally::default());
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut tally = Tally::default();
            match Client::connect(o.addr, Arc::clone(config)) {
                Ok(mut c) => {
                    let target = format!("/certificates/{}-0-0?{API}", o.prefix);
                    while !done.load(Ordering::SeqCst) {
                        tally.time(&mut c, "GET", &target, "", &[200]);
                    }
                }
                Err(e) => tally.failures.push(format!("connect: {e}")),
            }
            tally
        });
        let creators: Vec<_> = (0..o.rsa4096)
            .map(|i| {
                s.spawn(move || {
                    let mut tally = Tally::default();
                    match Client::connect(o.addr, Arc::clone(config)) {
                        Ok(mut c) => {
                            let target =
                                format!("/certificates/{}-rsa4096-{i}/create?{API}", o.prefix);
                            tally.time(&mut c, "POST", &target, CREATE_RSA4096, &[202]);
                        }
                        Err(e) => tally.failures.push(format!("connect: {e}")),
                    }
                    tally
                })
            })
            .collect();
        for h in creators {
            match h.join() {
                Ok(t) => creates.merge(t),
                Err(_) => creates.failures.push("a thread panicked".to_owned()),
            }
        }
        done.store(true, Ordering::SeqCst);
        match reader.join() {
            Ok(t) => reads.merge(t),
            Err(_) => reads.failures.push("a thread panicked".to_owned()),
        }
    });
    let wall = start.elapsed();
    reads.report(
        &format!("get certificate while {} RSA-4096 creates run", o.rsa4096),
        wall,
    );
    creates.report("create (RSA-4096, Self), at once", wall);
    reads.failures.extend(creates.failures);
    reads.failures
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
