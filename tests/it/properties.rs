//! Property tests (proptest) over kvcert's public API.
//!
//! - any valid policy issues, and issuing it again with the same seed gives the same bytes;
//! - the CSR and certificate re-parse (x509-cert) to exactly the policy's fields — the checks of
//!   the `roundtrip` fuzz target, `fuzz/src/checks.rs::roundtrip_case`, on cases built here with
//!   proptest strategies instead of from fuzzer bytes;
//! - any subject the parser accepts encodes to DER that x509-cert decodes with as many RDNs;
//! - no input string makes the subject parser or `IssuancePlan::from_json` panic.
//!
//! Reproducibility: every property runs with a fixed RNG seed (`SEED`, ChaCha), so a run is the
//! same on every machine and a failure recurs on the next `cargo test`; proptest prints the
//! shrunk failing input. `PROPTEST_RNG_SEED=N` and `PROPTEST_CASES=N` override the seed and the
//! number of cases (e.g. a longer exploratory run), and a failure under such a run reproduces
//! with the same variables. Failure persistence (`proptest-regressions/`) is off: with a fixed
//! seed it adds nothing, and a real failure belongs in a named test or `fuzz/regressions/`.
//!
//! proptest is a dev-dependency with `default-features = false, features = ["std"]`: that gives
//! the strategies, regex string strategies (`regex-syntax`), `std` types' `Arbitrary` and
//! environment configuration, but no `fork`/`timeout` (each case runs in-process; a panic is
//! caught and shrunk) and no `bit-set` (no `prop::bits` / `sample::subsequence`).

use crate::checks;
use checks::{EkuSpec, IpSan, KeyChoice, RoundtripCase, SansSpec, SubjectAttr, SubjectSpec};
use kvcert::service::plan::IssuancePlan;
use kvcert::x509::name::DistinguishedName;
use kvcert::{UnixTime, Vault};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

// Runtime: 768 cases for each issuing property, 10,000 for each parser property; about 6 s for
// the four on two cores, 12 s on one (RSA cases use one fixed key, generated once).

/// The fixed seed of every property (override: `PROPTEST_RNG_SEED`).
const SEED: u64 = 0x6b76_6365_7274_0001;

/// `cases` cases from the fixed seed, unless `PROPTEST_CASES` / `PROPTEST_RNG_SEED` say
/// otherwise; no regression files.
fn config(cases: u32) -> ProptestConfig {
    let env = ProptestConfig::default(); // reads the PROPTEST_* variables
    let set = |v: &str| std::env::var_os(v).is_some();
    ProptestConfig {
        cases: if set("PROPTEST_CASES") {
            env.cases
        } else {
            cases
        },
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: if set("PROPTEST_RNG_SEED") {
            env.rng_seed
        } else {
            RngSeed::Fixed(SEED)
        },
        failure_persistence: None,
        ..env
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies for valid-by-construction policies
// ---------------------------------------------------------------------------------------------

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(checks::VALUE_CHARS), 1..=max)
        .prop_map(|chars| chars.into_iter().collect())
}

fn attr() -> impl Strategy<Value = SubjectAttr> {
    (
        0..checks::KEYWORDS.len(),
        text(16),
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
    )
        .prop_map(|(keyword, value, spelling, style, escapes)| SubjectAttr {
            keyword,
            value,
            spelling,
            style,
            escapes,
        })
}

fn subject() -> impl Strategy<Value = SubjectSpec> {
    (
        prop::collection::vec(prop::collection::vec(attr(), 1..=3), 0..=6),
        any::<u8>(),
    )
        .prop_map(|(rdns, layout)| SubjectSpec { rdns, layout })
}

const LABEL: &str = "[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,8}[a-zA-Z0-9_])?";

fn dns(wildcard: bool) -> impl Strategy<Value = String> {
    let star = if wildcard { r"(\*\.)?" } else { "" };
    prop::string::string_regex(&format!(r"{star}({LABEL}\.){{0,3}}{LABEL}")).expect("DNS regex")
}

fn email() -> impl Strategy<Value = String> {
    // Printable ASCII but `@` (0x21–0x3F, 0x41–0x7E).
    (
        prop::string::string_regex("[!-?A-~]{1,16}").expect("local-part regex"),
        dns(false),
    )
        .prop_map(|(local, domain)| format!("{local}@{domain}"))
}

fn ip() -> impl Strategy<Value = IpSan> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    prop_oneof![
        (any::<u32>(), any::<u8>()).prop_map(|(a, form)| IpSan {
            addr: IpAddr::V4(Ipv4Addr::from(a)),
            form,
        }),
        (any::<[u16; 8]>(), any::<u8>(), any::<u8>()).prop_map(|(mut g, zeros, form)| {
            for (i, g) in g.iter_mut().enumerate() {
                if zeros & 1 << i != 0 {
                    *g = 0;
                }
            }
            IpSan {
                addr: IpAddr::V6(Ipv6Addr::from(g)),
                form,
            }
        }),
    ]
}

fn uri() -> impl Strategy<Value = String> {
    // RFC 3986 characters allowed unencoded (no `"<>\^`{|}`), or `%XX`.
    prop::string::string_regex(
        r"[a-zA-Z][a-zA-Z0-9+.-]{0,6}:(//)?([!#$&-;=?-\[\]_a-z~]|%[0-9a-fA-F]{2}){1,24}",
    )
    .expect("URI regex")
}

fn list<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<Vec<T>>> {
    prop::option::of(prop::collection::vec(s, 0..=4))
}

fn sans() -> impl Strategy<Value = Option<SansSpec>> {
    prop::option::of(
        (
            list(dns(true)),
            list(email()),
            list(text(24)),
            list(ip()),
            list(uri()),
        )
            .prop_map(|(dns_names, emails, upns, ip_addresses, uris)| SansSpec {
                dns_names,
                emails,
                upns,
                ip_addresses,
                uris,
            }),
    )
}

fn oid() -> impl Strategy<Value = String> {
    (
        0..3u32,
        0..40u32,
        prop::collection::vec(
            prop_oneof![0..128u32, 0..=u32::from(u16::MAX), any::<u32>()],
            0..=6,
        ),
    )
        .prop_map(|(a, b, rest)| {
            let mut arcs = vec![a, b];
            arcs.extend(rest);
            arcs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(".")
        })
}

fn ekus() -> impl Strategy<Value = EkuSpec> {
    prop_oneof![
        Just(EkuSpec::Absent),
        Just(EkuSpec::Empty),
        prop::collection::vec(
            prop_oneof![
                oid(),
                (1..=9u8).prop_map(|n| format!("1.3.6.1.5.5.7.3.{n}"))
            ],
            1..=4
        )
        .prop_map(EkuSpec::List),
    ]
}

fn key() -> impl Strategy<Value = KeyChoice> {
    prop::sample::select(checks::KEY_CHOICES.to_vec())
}

fn case() -> impl Strategy<Value = RoundtripCase> {
    (
        key(),
        any::<u8>(),
        subject(),
        sans(),
        prop::option::of(prop::collection::vec((0..9usize, any::<u8>()), 0..=7)),
        ekus(),
        prop::option::of(1..=1200u32),
        any::<u8>(),
    )
        .prop_map(
            |(key, key_spelling, subject, sans, key_usage, ekus, validity_months, now)| {
                RoundtripCase {
                    key,
                    key_spelling,
                    subject,
                    sans,
                    key_usage,
                    ekus,
                    validity_months,
                    now,
                }
                .normalized()
            },
        )
}

/// The request body of a (normalised) case.
fn body(case: &RoundtripCase) -> Vec<u8> {
    let subject = checks::render_subject(&case.subject);
    serde_json::to_vec(&checks::case_json(case, subject.as_deref())).expect("JSON")
}

// ---------------------------------------------------------------------------------------------
// Strategies for hostile input
// ---------------------------------------------------------------------------------------------

/// Pieces of RFC 4514 syntax, good and bad, for subject soup.
const SUBJECT_TOKENS: &[&str] = &[
    "CN",
    "cn",
    "O",
    "OU",
    "E",
    "DC",
    "C",
    "ST",
    "SERIALNUMBER",
    "UID",
    "OID.",
    "OID.2.5.4.3",
    "2.5.4.3",
    "1.2.3",
    "0.99",
    "=",
    "=",
    ",",
    ",",
    ";",
    "+",
    " ",
    "  ",
    "\"",
    "\\",
    "\\,",
    "\\2C",
    "\\C3\\A9",
    "\\C3",
    "\\ ",
    "\\\\",
    "\\\"",
    "\\#",
    "#",
    "#0c0178",
    "#3000",
    "#0c",
    "#1300",
    "a",
    "xyz",
    "é",
    "日",
    "😀",
    "<",
    ">",
    "\u{0}",
    "\n",
    "\t",
    "\u{7f}",
    "-",
    ".",
];

fn subject_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SUBJECT_TOKENS), 0..24).prop_map(|t| t.concat())
}

/// Pieces of Create Certificate JSON, for body soup.
const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"policy\"",
    "\"x509_props\"",
    "\"subject\"",
    "\"CN=a\"",
    "\"sans\"",
    "\"dns_names\"",
    "\"ipAddresses\"",
    "\"emails\"",
    "\"upns\"",
    "\"uris\"",
    "\"ekus\"",
    "\"key_usage\"",
    "\"validity_months\"",
    "\"key_props\"",
    "\"kty\"",
    "\"EC\"",
    "\"RSA\"",
    "\"crv\"",
    "\"P-256K\"",
    "\"key_size\"",
    "\"issuer\"",
    "\"name\"",
    "\"Self\"",
    "\"lifetime_actions\"",
    "\"trigger\"",
    "\"lifetime_percentage\"",
    "\"days_before_expiry\"",
    "\"action\"",
    "\"action_type\"",
    "\"AutoRenew\"",
    "\"tags\"",
    "\"attributes\"",
    "\"enabled\"",
    "\"secret_props\"",
    "\"contentType\"",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1200",
    "4294967296",
    "1e999",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"a\"",
    " ",
];

fn json_soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(JSON_TOKENS), 0..40)
        .prop_map(|t| t.concat().into_bytes())
}

/// A valid body with up to six byte edits (delete, insert or replace at a random place).
fn mutated_body() -> impl Strategy<Value = Vec<u8>> {
    (
        case(),
        prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<u8>()), 0..=6),
    )
        .prop_map(|(case, edits)| {
            let mut b = body(&case);
            for (at, op, byte) in edits {
                let i = at.index(b.len() + 1);
                match op {
                    0 if i < b.len() => {
                        b.remove(i);
                    }
                    1 => b.insert(i, byte),
                    _ if i < b.len() => b[i] = byte,
                    _ => b.push(byte),
                }
            }
            b
        })
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

fn issue(case: &RoundtripCase) -> kvcert::Issued {
    let plan = IssuancePlan::from_json("prop", &body(case))
        .unwrap_or_else(|e| panic!("valid policy refused: {e:?}"));
    let now: UnixTime = "2026-03-01T10:00:00Z".parse().expect("instant");
    let vault = Vault::new("https://propvault.vault.azure.net");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    match case.key {
        KeyChoice::Rsa2048 => {
            kvcert::create_with_key(plan, checks::fixed_rsa_key(), &vault, now, &mut rng)
        }
        KeyChoice::Ec(_) => kvcert::create(plan, &vault, now, &mut rng),
    }
    .unwrap_or_else(|e| panic!("issuance failed: {e:?}"))
}

proptest! {
    #![proptest_config(config(768))]

    /// Any valid policy issues; the same case, seed and `now` give the same bytes.
    #[test]
    fn any_valid_policy_issues(case in case()) {
        let a = issue(&case);
        let b = issue(&case);
        let (da, db) = (a.completed.as_ref().expect("Self"), b.completed.as_ref().expect("Self"));
        prop_assert_eq!(&a.csr, &b.csr);
        prop_assert_eq!(&da.certificate, &db.certificate);
        prop_assert_eq!(
            serde_json::to_string(&da.bundle).expect("JSON"),
            serde_json::to_string(&db.bundle).expect("JSON")
        );
    }

    /// The CSR and certificate re-parse to the policy's fields (the roundtrip target's checks).
    #[test]
    fn output_reparses_to_the_policy_fields(case in case()) {
        checks::roundtrip_case(&case);
    }
}

proptest! {
    #![proptest_config(config(10000))]

    /// Every subject the parser accepts encodes to DER that x509-cert decodes with as many RDNs
    /// (and that re-encodes identically: `checks::subject_dn`); generated valid subjects are
    /// all accepted, with their RDN count.
    #[test]
    fn accepted_subjects_encode_to_decodable_der(
        spec in subject(),
        soup in subject_soup(),
        random in any::<String>(),
    ) {
        let case = RoundtripCase {
            key: KeyChoice::Ec(kvcert::Curve::P256),
            key_spelling: 0,
            subject: spec,
            sans: None,
            key_usage: None,
            ekus: EkuSpec::Absent,
            validity_months: None,
            now: 0,
        }
        .normalized();
        let valid = checks::render_subject(&case.subject).expect("a subject");
        prop_assert!(checks::subject_dn(valid.as_bytes()), "refused: {:?}", valid);
        let dn: DistinguishedName = valid.parse().expect("accepted above");
        prop_assert_eq!(dn.rdns().len(), case.subject.rdns.len());
        let _ = checks::subject_dn(soup.as_bytes());
        let _ = checks::subject_dn(random.as_bytes());
    }

    /// No string makes the subject parser or `IssuancePlan::from_json` panic (and every answer
    /// serialises: `checks::policy_json`).
    #[test]
    fn no_input_panics_the_parsers(
        soup in subject_soup(),
        random in any::<String>(),
        json in json_soup(),
        mutated in mutated_body(),
    ) {
        for s in [&soup, &random] {
            let _ = s.parse::<DistinguishedName>().map(|dn| dn.to_der());
            let _ = checks::policy_json(s.as_bytes());
        }
        let _ = checks::policy_json(&json);
        let _ = checks::policy_json(&mutated);
        if let Ok(s) = std::str::from_utf8(&mutated) {
            let _ = s.parse::<DistinguishedName>();
        }
    }
}
