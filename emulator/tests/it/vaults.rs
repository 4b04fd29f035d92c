//! Several vaults in one emulator (`--vault`): each on its own port and, on the main port, by
//! its host name; each with its own certificates, clock and rows in the one database.

use crate::support::TempDir;
use crate::support::emulator::Emulator;

use std::net::SocketAddr;

use kvcert_emulator::client::{self, Client};

const CREATE: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=v"},"issuer":{"name":"Self"}}}"#;

/// Every vault's name and port, as `GET /_kvcert/vaults` lists them.
fn vaults(c: &mut Client) -> Vec<(String, SocketAddr)> {
    let r = c
        .request("GET", "/_kvcert/vaults", b"", false)
        .expect("answers");
    assert_eq!(r.status, 200);
    r.json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            let url = v["url"].as_str().expect("url");
            let addr = url
                .trim_start_matches("https://")
                .parse()
                .expect("an address");
            (v["name"].as_str().expect("name").to_owned(), addr)
        })
        .collect()
}

fn status(c: &mut Client, method: &str, target: &str, body: &str) -> u16 {
    c.request(method, target, body.as_bytes(), true)
        .expect("answers")
        .status
}

fn clock(c: &mut Client, target: &str) -> String {
    c.request("GET", target, b"", false)
        .expect("answers")
        .json()["now"]
        .as_str()
        .expect("now")
        .to_owned()
}

#[test]
fn two_vaults_by_port_and_by_name_each_with_its_own_certificates_and_clock() {
    // Removed when the test ends, passed or failed: the database holds private keys.
    let dir = TempDir::new("vaults");
    let state = dir.path().join("vaults.db");
    let state = state.to_str().expect("a UTF-8 path");
    let args = ["--vault", "one", "--vault", "two", "--state", state];
    let running = Emulator::start(dir.path(), &args);
    let config = client::config(&running.root_pem).expect("root");
    let mut main = Client::connect(running.addr, config.clone()).expect("connects");
    let list = vaults(&mut main);
    let names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    let mut one = Client::connect(list[0].1, config.clone()).expect("connects");
    let mut two = Client::connect(list[1].1, config.clone()).expect("connects");
    assert_eq!(
        status(
            &mut one,
            "POST",
            "/certificates/a/create?api-version=7.6",
            CREATE
        ),
        202
    );
    assert_eq!(
        status(&mut one, "GET", "/certificates/a?api-version=7.6", ""),
        200
    );
    assert_eq!(
        status(&mut two, "GET", "/certificates/a?api-version=7.6", ""),
        404,
        "another vault"
    );
    // On the main port: the first vault, and each vault by its host name (its TLS name too).
    assert_eq!(
        status(&mut main, "GET", "/certificates/a?api-version=7.6", ""),
        200
    );
    let mut by_name = Client::connect_as(running.addr, config.clone(), "two.localhost")
        .expect("TLS for two.localhost");
    assert_eq!(
        status(
            &mut by_name,
            "POST",
            "/certificates/b/create?api-version=7.6",
            CREATE
        ),
        202
    );
    let got = by_name
        .request("GET", "/certificates/b?api-version=7.6", b"", true)
        .expect("answers");
    let id = got.json()["id"].as_str().expect("id").to_owned();
    let port = running.addr.port();
    assert!(
        id.starts_with(&format!("https://two.localhost:{port}/certificates/b/")),
        "{id}"
    );
    assert_eq!(
        status(&mut two, "GET", "/certificates/b?api-version=7.6", ""),
        200
    );
    assert_eq!(
        status(&mut one, "GET", "/certificates/b?api-version=7.6", ""),
        404
    );
    let mut unknown = Client::connect_as(running.addr, config.clone(), "localhost")
        .expect("connects")
        .with_host(&format!("three.localhost:{port}"));
    assert_eq!(
        status(&mut unknown, "GET", "/certificates/b?api-version=7.6", ""),
        404
    );
    // A clock move on the main port moves every vault; one named by ?vault= only that one.
    let moved = main
        .request(
            "POST",
            "/_kvcert/clock",
            br#"{"advance_seconds":864000}"#,
            false,
        )
        .expect("answers");
    assert_eq!(moved.status, 200);
    let (c1, c2) = (
        clock(&mut one, "/_kvcert/clock"),
        clock(&mut two, "/_kvcert/clock"),
    );
    assert_eq!(c1[..13], c2[..13], "both ten days on: {c1} {c2}");
    let moved = main
        .request(
            "POST",
            "/_kvcert/clock?vault=two",
            br#"{"advance_seconds":8640000}"#,
            false,
        )
        .expect("answers");
    assert_eq!(moved.status, 200);
    let (c1, c2) = (
        clock(&mut main, "/_kvcert/clock?vault=one"),
        clock(&mut main, "/_kvcert/clock?vault=two"),
    );
    assert!(c2 > c1, "only two moved on: {c1} {c2}");
    drop(running);

    // Both vaults come back from the one database.
    let running = Emulator::start(dir.path(), &args);
    let config = client::config(&running.root_pem).expect("root");
    let mut main = Client::connect(running.addr, config.clone()).expect("connects");
    let list = vaults(&mut main);
    let mut one = Client::connect(list[0].1, config.clone()).expect("connects");
    let mut two = Client::connect(list[1].1, config).expect("connects");
    assert_eq!(
        status(&mut one, "GET", "/certificates/a?api-version=7.6", ""),
        200
    );
    assert_eq!(
        status(&mut two, "GET", "/certificates/b?api-version=7.6", ""),
        200
    );
    assert_eq!(
        status(&mut two, "GET", "/certificates/a?api-version=7.6", ""),
        404
    );
    assert!(
        clock(&mut two, "/_kvcert/clock") > clock(&mut one, "/_kvcert/clock"),
        "each vault's clock kept"
    );
    drop(running);
}
