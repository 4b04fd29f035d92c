//! Crashes: the emulator is killed with SIGKILL while a client creates certificates, three
//! times over one state file. After each restart the file loads and every certificate whose
//! create was answered is there; SIGTERM then exits cleanly. A renewal a read triggered and
//! showed survives a SIGKILL; a save that fails keeps nothing of the change it answered 500 to.
//! Every answered secret set and key create survives SIGKILL too.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::TempDir;
use crate::support::emulator::Emulator;
use kvcert_emulator::client::{self, Client};

const CREATE: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=crash"},"issuer":{"name":"Self"}}}"#;

fn start(dir: &Path, state: &Path) -> Emulator {
    Emulator::start(dir, &["--state", state.to_str().expect("a UTF-8 path")])
}

/// Kills the emulator with SIGKILL once `answered()` reaches `count` (the writer's requests in
/// flight), then waits for the writer, which must end without a wrong answer.
fn kill_once_answered(
    running: Emulator,
    writer: std::thread::JoinHandle<()>,
    answered: impl Fn() -> usize,
    count: usize,
) {
    let start = Instant::now();
    while answered() < count {
        assert!(start.elapsed() < Duration::from_secs(120), "too slow");
        std::thread::sleep(Duration::from_millis(5));
    }
    running.kill9();
    writer
        .join()
        .expect("the writer ends without a wrong answer");
}

/// Every name whose create was answered can be read.
fn all_there(c: &mut Client, names: &[String], when: &str) {
    for name in names {
        let target = format!("/certificates/{name}?api-version=7.6");
        let r = c.request("GET", &target, b"", true).expect("answers");
        assert_eq!(r.status, 200, "{when}: {name} was answered, then lost");
    }
}

#[test]
fn every_answered_create_survives_a_kill_dash_nine() {
    let dir = TempDir::new("crash");
    let state = dir.path().join("vault.json");
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    for round in 0..3 {
        let running = start(dir.path(), &state);
        let config = client::config(&running.root_pem).expect("root");
        // Everything answered before this round is still there.
        let mut c = Client::connect(running.addr, config.clone()).expect("connects");
        all_there(
            &mut c,
            &answered.lock().expect("lock"),
            &format!("round {round}"),
        );
        let before = answered.lock().expect("lock").len();
        let writer = {
            let answered = Arc::clone(&answered);
            let addr = running.addr;
            std::thread::spawn(move || {
                let Ok(mut c) = Client::connect(addr, config) else {
                    return;
                };
                for i in 0.. {
                    let name = format!("r{round}-c{i}");
                    let target = format!("/certificates/{name}/create?api-version=7.6");
                    match c.request("POST", &target, CREATE.as_bytes(), true) {
                        Ok(r) if r.status == 202 => answered.lock().expect("lock").push(name),
                        Ok(r) => panic!("create {name}: {} {:?}", r.status, r.json()),
                        // The kill: the connection drops mid-request.
                        Err(_) => return,
                    }
                }
            })
        };
        // Kill while creates are in flight, after some were answered.
        kill_once_answered(
            running,
            writer,
            || answered.lock().expect("lock").len(),
            before + 15 + 5 * round,
        );
    }
    // A last start loads the file; SIGTERM exits cleanly.
    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    let total = answered.lock().expect("lock").len();
    assert!(total >= 60, "{total}");
    // Visible with --nocapture: the figure the closing notes quote.
    println!("{total} answered creates over 3 kills");
    all_there(
        &mut c,
        &answered.lock().expect("lock"),
        "after the last kill",
    );
    assert!(running.terminate().success(), "SIGTERM is a clean exit");
}

#[test]
fn every_answered_secret_and_key_survives_a_kill_dash_nine() {
    let dir = TempDir::new("crash-secrets");
    let state = dir.path().join("vault.db");
    // (secret name, its value) and (key name, its kid), as answered.
    let answered = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    for round in 0..2 {
        let running = start(dir.path(), &state);
        let config = client::config(&running.root_pem).expect("root");
        let mut c = Client::connect(running.addr, config.clone()).expect("connects");
        for (name, expected) in answered.lock().expect("lock").iter() {
            let (target, field) = if name.starts_with('s') {
                (format!("/secrets/{name}?api-version=7.6"), "value")
            } else {
                (format!("/keys/{name}?api-version=7.6"), "kid")
            };
            let r = c.request("GET", &target, b"", true).expect("answers");
            assert_eq!(
                r.status, 200,
                "round {round}: {name} was answered, then lost"
            );
            let body = r.json();
            let got = if field == "kid" {
                body["key"]["kid"]
                    .as_str()
                    .and_then(|k| k.rsplit('/').next())
            } else {
                body["value"].as_str()
            };
            assert_eq!(got, Some(expected.as_str()), "round {round}: {name}");
        }
        let before = answered.lock().expect("lock").len();
        let writer = {
            let answered = Arc::clone(&answered);
            let addr = running.addr;
            std::thread::spawn(move || {
                let Ok(mut c) = Client::connect(addr, config) else {
                    return;
                };
                for i in 0.. {
                    let secret = format!("s{round}-{i}");
                    let value = format!("value {round} {i}");
                    let target = format!("/secrets/{secret}?api-version=7.6");
                    let body = format!(r#"{{"value":"{value}"}}"#);
                    match c.request("PUT", &target, body.as_bytes(), true) {
                        Ok(r) if r.status == 200 => {
                            answered.lock().expect("lock").push((secret, value));
                        }
                        Ok(r) => panic!("set {secret}: {} {:?}", r.status, r.json()),
                        Err(_) => return,
                    }
                    let key = format!("k{round}-{i}");
                    let target = format!("/keys/{key}/create?api-version=7.6");
                    match c.request("POST", &target, br#"{"kty":"EC"}"#, true) {
                        Ok(r) if r.status == 200 => {
                            // The kid's version (the port changes with each start).
                            let kid = r.json()["key"]["kid"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned();
                            let version = kid.rsplit('/').next().unwrap_or_default().to_owned();
                            answered.lock().expect("lock").push((key, version));
                        }
                        Ok(r) => panic!("create {key}: {} {:?}", r.status, r.json()),
                        Err(_) => return,
                    }
                }
            })
        };
        kill_once_answered(
            running,
            writer,
            || answered.lock().expect("lock").len(),
            before + 20,
        );
    }
    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    let total = answered.lock().expect("lock").len();
    println!("{total} answered secret sets and key creates over 2 kills");
    for (name, expected) in answered.lock().expect("lock").iter() {
        let target = if name.starts_with('s') {
            format!("/secrets/{name}?api-version=7.6")
        } else {
            format!("/keys/{name}?api-version=7.6")
        };
        let r = c.request("GET", &target, b"", true).expect("answers");
        assert_eq!(r.status, 200, "after the last kill: {name}");
        let body = r.json();
        let got = body["value"].as_str().or(body["key"]["kid"]
            .as_str()
            .and_then(|k| k.rsplit('/').next()));
        assert_eq!(got, Some(expected.as_str()), "after the last kill: {name}");
    }
}

#[test]
fn a_corrupt_state_file_is_refused_at_start() {
    let dir = TempDir::new("corrupt");
    let state = dir.path().join("vault.json");
    std::fs::write(&state, br#"{"vault":{"url":"https://127.0.0.1:1""#).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_kvcert-emulator"))
        .arg("--state")
        .arg(&state)
        .output()
        .expect("runs");
    assert!(
        !out.status.success(),
        "a corrupt file must not start a vault"
    );
    assert!(out.stdout.is_empty(), "never says it listens");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("vault.json is not a saved vault"),
        "{message}"
    );
}

/// The current version of `name`, as a client reads it.
fn current_version(c: &mut Client, name: &str) -> String {
    let id = current_id(c, name);
    id.rsplit('/').next().expect("a version").to_owned()
}

/// A renewal that came due and that a GET showed is saved before the GET is answered: after a
/// SIGKILL the restarted vault has the version the client saw (before, a GET saved nothing and
/// the restarted vault renewed again, with another key and version).
#[test]
fn a_renewal_a_read_showed_survives_a_kill_dash_nine() {
    let dir = TempDir::new("renewal");
    let state = dir.path().join("vault.json");
    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    let renewing = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=renew","validity_months":1},"issuer":{"name":"Self"},"lifetime_actions":[{"trigger":{"days_before_expiry":20},"action":{"action_type":"AutoRenew"}}]}}"#;
    let created = c
        .request(
            "POST",
            "/certificates/r/create?api-version=7.6",
            renewing.as_bytes(),
            true,
        )
        .expect("answers");
    assert_eq!(created.status, 202);
    let first = current_version(&mut c, "r");
    let moved = c
        .request(
            "POST",
            "/_kvcert/clock",
            br#"{"advance_seconds":1296000}"#,
            false,
        )
        .expect("answers");
    assert_eq!(moved.status, 200);
    let seen = current_version(&mut c, "r");
    assert_ne!(
        seen, first,
        "15 days on, the renewal came due and the GET shows it"
    );
    running.kill9();

    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    assert_eq!(
        current_version(&mut c, "r"),
        seen,
        "the version the client saw"
    );
    drop(running);
}

/// A commit that fails answers 500 and keeps nothing: the vault is what the database holds,
/// reads go on, and once the database can be written again the same request succeeds (not
/// 409, not a second version). The failure: another process holds the database's write lock
/// (SQLite's `BEGIN IMMEDIATE`) longer than the emulator's busy timeout.
#[test]
fn a_failed_save_keeps_nothing_of_the_change() {
    let dir = TempDir::new("failed-save");
    let state = dir.path().join("vault.db");
    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    let create = |c: &mut Client, name: &str| {
        let target = format!("/certificates/{name}/create?api-version=7.6");
        c.request("POST", &target, CREATE.as_bytes(), true)
            .expect("answers")
            .status
    };
    assert_eq!(create(&mut c, "kept"), 202);
    let blocker = rusqlite::Connection::open(&state).expect("opens the vault");
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("holds the write lock");
    assert_eq!(create(&mut c, "lost"), 500, "the save fails");
    let read = |c: &mut Client, name: &str| {
        let target = format!("/certificates/{name}?api-version=7.6");
        c.request("GET", &target, b"", true)
            .expect("answers")
            .status
    };
    assert_eq!(read(&mut c, "lost"), 404, "nothing of the failed change");
    assert_eq!(read(&mut c, "kept"), 200, "reads go on");
    blocker.execute_batch("ROLLBACK").expect("lets go");
    assert_eq!(create(&mut c, "lost"), 202, "the retry is a first create");
    assert_eq!(read(&mut c, "lost"), 200);
    drop(running);
}

/// A month's certificate that renews 20 days before it expires (10 days after it is issued).
const RENEWING: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=renew","validity_months":1},"issuer":{"name":"Self"},"lifetime_actions":[{"trigger":{"days_before_expiry":20},"action":{"action_type":"AutoRenew"}}]}}"#;

/// What the clients of one round saw answered.
#[derive(Default)]
struct Seen {
    /// The last answered write per name: `true` created, `false` deleted.
    written: std::collections::BTreeMap<String, bool>,
    /// Every (name, version) a GET answered.
    versions: std::collections::BTreeSet<(String, String)>,
    /// The latest `now` the clock endpoint answered.
    clock: String,
    /// The name of a write sent and not answered (the kill came first): it may or may not
    /// have happened.
    in_flight: Option<String>,
}

/// A mixed run killed at many moments: each round moves the clock 5 days on (renewals come
/// due and the readers' GETs trigger them), a writer creates and deletes, readers read; the
/// emulator is killed after a delay that differs per round. After each restart every answered
/// write is there, every version any client saw is there, and the clock is not behind what
/// it answered.
#[test]
fn a_mixed_run_with_renewals_survives_kill_dash_nine_at_any_moment() {
    const ROUNDS: u64 = 12;
    const RENEWERS: usize = 6;
    let dir = TempDir::new("mixed");
    let state = dir.path().join("vault.db");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let renewers: Vec<String> = (0..RENEWERS).map(|i| format!("renew{i}")).collect();
    let mut checked = (0, 0);
    for round in 0..ROUNDS {
        let running = start(dir.path(), &state);
        let config = client::config(&running.root_pem).expect("root");
        let mut c = Client::connect(running.addr, config.clone()).expect("connects");
        {
            let seen = seen.lock().expect("lock");
            for (name, live) in &seen.written {
                if seen.in_flight.as_ref() == Some(name) {
                    continue;
                }
                let r = get_certificate(&mut c, name);
                let want = if *live { 200 } else { 404 };
                assert_eq!(
                    r.status, want,
                    "round {round}: {name}, answered live={live}"
                );
            }
            for (name, version) in &seen.versions {
                let target = format!("/certificates/{name}/{version}?api-version=7.6");
                let r = c.request("GET", &target, b"", true).expect("answers");
                assert_eq!(
                    r.status, 200,
                    "round {round}: {name}/{version} was seen, then lost"
                );
            }
            let clock = c
                .request("GET", "/_kvcert/clock", b"", false)
                .expect("answers")
                .json()["now"]
                .as_str()
                .expect("now")
                .to_owned();
            // RFC 3339 in UTC with `Z` sorts as text.
            assert!(
                clock >= seen.clock,
                "round {round}: the clock went back: {clock} < {}",
                seen.clock
            );
            checked = (seen.written.len(), seen.versions.len());
        }
        // The write the kill interrupted: what it left is what the writer goes on from.
        let interrupted = seen.lock().expect("lock").in_flight.take();
        if let Some(name) = interrupted {
            let r = get_certificate(&mut c, &name);
            let mut seen = seen.lock().expect("lock");
            if r.status == 200 {
                seen.written.insert(name, true);
            } else if seen.written.contains_key(&name) {
                seen.written.insert(name, false);
            }
        }
        if round == 0 {
            for name in &renewers {
                let target = format!("/certificates/{name}/create?api-version=7.6");
                let r = c
                    .request("POST", &target, RENEWING.as_bytes(), true)
                    .expect("answers");
                assert_eq!(r.status, 202);
            }
        }
        let moved = c
            .request(
                "POST",
                "/_kvcert/clock",
                br#"{"advance_seconds":432000}"#,
                false,
            )
            .expect("answers");
        assert_eq!(moved.status, 200);
        seen.lock().expect("lock").clock = moved.json()["now"].as_str().expect("now").to_owned();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut threads = Vec::new();
        // The writer: creates and deletes its own names, in turn.
        {
            let (seen, stop, config, addr) = (
                Arc::clone(&seen),
                Arc::clone(&stop),
                config.clone(),
                running.addr,
            );
            threads.push(std::thread::spawn(move || {
                let Ok(mut c) = Client::connect(addr, config) else {
                    return;
                };
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let name = format!("w{}", i % 5);
                    let live = {
                        let mut seen = seen.lock().expect("lock");
                        seen.in_flight = Some(name.clone());
                        seen.written.get(&name).copied()
                    };
                    let (method, target, body, ok) = if live == Some(true) {
                        (
                            "DELETE",
                            format!("/certificates/{name}?api-version=7.6"),
                            "",
                            200,
                        )
                    } else {
                        // Purge protection off: a deleted name is purged before it is made again.
                        if live == Some(false) {
                            let purge = format!("/deletedcertificates/{name}?api-version=7.6");
                            match c.request("DELETE", &purge, b"", true) {
                                Ok(r) => assert!(
                                    matches!(r.status, 204 | 404),
                                    "purge {name}: {}",
                                    r.status
                                ),
                                Err(_) => return,
                            }
                        }
                        (
                            "POST",
                            format!("/certificates/{name}/create?api-version=7.6"),
                            CREATE,
                            202,
                        )
                    };
                    match c.request(method, &target, body.as_bytes(), true) {
                        Ok(r) => {
                            assert_eq!(r.status, ok, "{method} {name}: {:?}", r.json());
                            seen.lock()
                                .expect("lock")
                                .written
                                .insert(name, method == "POST");
                        }
                        Err(_) => return,
                    }
                }
            }));
        }
        // Two readers: the renewing certificates' current versions.
        for reader in 0..2 {
            let (seen, stop, config, addr, renewers) = (
                Arc::clone(&seen),
                Arc::clone(&stop),
                config.clone(),
                running.addr,
                renewers.clone(),
            );
            threads.push(std::thread::spawn(move || {
                let Ok(mut c) = Client::connect(addr, config) else {
                    return;
                };
                for i in reader.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    let name = &renewers[i % renewers.len()];
                    let target = format!("/certificates/{name}?api-version=7.6");
                    match c.request("GET", &target, b"", true) {
                        Ok(r) => {
                            assert_eq!(r.status, 200, "{name}");
                            let id = r.json()["id"].as_str().expect("id").to_owned();
                            let version = id.rsplit('/').next().expect("version").to_owned();
                            seen.lock()
                                .expect("lock")
                                .versions
                                .insert((name.clone(), version));
                        }
                        Err(_) => return,
                    }
                }
            }));
        }
        // A moment that differs per round: 30 to 250 ms into the run.
        std::thread::sleep(Duration::from_millis(30 + (round * 37) % 220));
        running.kill9();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in threads {
            t.join().expect("no wrong answer before the kill");
        }
    }
    let seen = seen.lock().expect("lock");
    let renewed = seen.versions.len();
    // Every renewing certificate renews every other round (10 days, 5 per round).
    assert!(renewed > RENEWERS * 3, "{renewed} versions seen");
    println!(
        "{ROUNDS} kills; last check: {} names written, {} versions seen",
        checked.0, checked.1
    );
}

/// `GET /certificates/{name}` as the client `c` sends it.
fn get_certificate(c: &mut Client, name: &str) -> client::Reply {
    c.request(
        "GET",
        &format!("/certificates/{name}?api-version=7.6"),
        b"",
        true,
    )
    .expect("answers")
}

/// The id of `name`'s current version as the client `c` reads it.
fn current_id(c: &mut Client, name: &str) -> String {
    let r = get_certificate(c, name);
    assert_eq!(r.status, 200, "{:?}", r.json());
    r.json()["id"].as_str().expect("an id").to_owned()
}

/// Ids follow the address the client used: a saved vault served again on another port has
/// that port in every id, and clients of one vault by two names each get their own.
#[test]
fn ids_follow_the_port_and_the_name_the_client_used() {
    let dir = TempDir::new("addresses");
    let state = dir.path().join("vault.db");
    let running = start(dir.path(), &state);
    let config = client::config(&running.root_pem).expect("root");
    let mut c = Client::connect(running.addr, config).expect("connects");
    let target = "/certificates/moved/create?api-version=7.6";
    let created = c
        .request("POST", target, CREATE.as_bytes(), true)
        .expect("answers");
    assert_eq!(created.status, 202);
    let first_port = running.addr.port();
    assert!(current_id(&mut c, "moved").starts_with(&format!("https://127.0.0.1:{first_port}/")));
    drop(running);

    let running = start(dir.path(), &state);
    let port = running.addr.port();
    assert_ne!(port, first_port, "a new free port");
    let config = client::config(&running.root_pem).expect("root");
    let mut by_ip = Client::connect(running.addr, config.clone()).expect("connects");
    let mut by_name = Client::connect(running.addr, config)
        .expect("connects")
        .with_host(&format!("localhost:{port}"));
    let id = current_id(&mut by_ip, "moved");
    assert!(
        id.starts_with(&format!("https://127.0.0.1:{port}/certificates/moved/")),
        "{id}"
    );
    let id = current_id(&mut by_name, "moved");
    assert!(
        id.starts_with(&format!("https://localhost:{port}/certificates/moved/")),
        "{id}"
    );
    // The id a client got is one it can call.
    let path = id.trim_start_matches(&format!("https://localhost:{port}"));
    let again = by_name
        .request("GET", &format!("{path}?api-version=7.6"), b"", true)
        .expect("answers");
    assert_eq!(again.status, 200);
}
