//! A model-based test of `VaultState`: random sequences of operations on two names are run
//! against the engine and against a small reference model of what the service answers; after
//! every step the statuses must agree and the invariants hold (ids of one version; the
//! secret's key is its certificate's; a saved and restored vault answers as the original).

use kvcert::pkcs12::decode_pfx;
use kvcert::rand_core::SeedableRng;
use kvcert::service::engine::Request;
use kvcert::{ChaCha20Rng, KeyPair, UnixTime, Vault, VaultState};
use proptest::prelude::*;
use serde_json::Value;

const NAMES: [&str; 2] = ["m0", "m1"];
const SELF_EC: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=m"},"issuer":{"name":"Self"},"lifetime_actions":[]}}"#;
const UNKNOWN_EC: &str = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=u"},"issuer":{"name":"Unknown"},"lifetime_actions":[]}}"#;
const DAY: u64 = 86_400;
const RECOVERABLE_DAYS: u64 = 90;

#[derive(Debug, Clone, Copy)]
enum Op {
    CreateSelf(usize),
    CreateUnknown(usize),
    GetPending(usize),
    Cancel(usize),
    DeletePending(usize),
    Get(usize),
    Delete(usize),
    Recover(usize),
    Purge(usize),
    Advance(u64),
    SaveRestore,
}

fn op() -> impl Strategy<Value = Op> {
    let n = 0..NAMES.len();
    prop_oneof![
        n.clone().prop_map(Op::CreateSelf),
        n.clone().prop_map(Op::CreateUnknown),
        n.clone().prop_map(Op::GetPending),
        n.clone().prop_map(Op::Cancel),
        n.clone().prop_map(Op::DeletePending),
        n.clone().prop_map(Op::Get),
        n.clone().prop_map(Op::Delete),
        n.clone().prop_map(Op::Recover),
        n.prop_map(Op::Purge),
        (0u64..120).prop_map(Op::Advance),
        Just(Op::SaveRestore),
    ]
}

/// What the model knows of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Completed,
    WaitingMerge,
    Cancelled,
}

#[derive(Debug, Clone, Copy)]
struct Name {
    exists: bool,
    versions: usize,
    pending: Pending,
    /// Deleted at (seconds), while recoverable.
    deleted: Option<u64>,
}

impl Name {
    const NEW: Name = Name {
        exists: false,
        versions: 0,
        pending: Pending::None,
        deleted: None,
    };
}

struct Run {
    state: VaultState,
    rng: ChaCha20Rng,
    now: u64,
    model: [Name; 2],
}

impl Run {
    fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let path = format!("{path}?api-version=7.6");
        let now = UnixTime::from_unix_seconds(self.now).unwrap();
        let r = self.state.handle(
            &Request {
                method,
                path: &path,
                body: body.as_bytes(),
            },
            now,
            &mut self.rng,
        );
        assert!(
            r.status < 500,
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        (r.status, r.body_json())
    }

    /// Purges what the model's clock has made due.
    fn expire(&mut self) {
        for m in &mut self.model {
            if m.deleted
                .is_some_and(|at| self.now >= at + RECOVERABLE_DAYS * DAY)
            {
                *m = Name::NEW;
            }
        }
    }

    fn step(&mut self, op: Op) {
        self.expire();
        match op {
            Op::CreateSelf(i) | Op::CreateUnknown(i) => {
                let body = if matches!(op, Op::CreateSelf(_)) {
                    SELF_EC
                } else {
                    UNKNOWN_EC
                };
                let (status, _) =
                    self.call("POST", &format!("/certificates/{}/create", NAMES[i]), body);
                let m = &mut self.model[i];
                // Deleted but recoverable, or a merge awaited: 409.
                let expected = if m.deleted.is_some() || m.pending == Pending::WaitingMerge {
                    409
                } else {
                    202
                };
                assert_eq!(status, expected, "create {op:?} with {m:?}");
                if status == 202 {
                    m.exists = true;
                    if matches!(op, Op::CreateSelf(_)) {
                        m.versions += 1;
                        m.pending = Pending::Completed;
                    } else {
                        m.pending = Pending::WaitingMerge;
                    }
                }
            }
            Op::GetPending(i) => {
                let (status, body) =
                    self.call("GET", &format!("/certificates/{}/pending", NAMES[i]), "");
                let m = self.model[i];
                let live = m.deleted.is_none() && m.pending != Pending::None;
                assert_eq!(status, if live { 200 } else { 404 }, "{op:?} {m:?}");
                if live {
                    let expected = match m.pending {
                        Pending::Completed => "completed",
                        Pending::WaitingMerge => "inProgress",
                        Pending::Cancelled => "cancelled",
                        Pending::None => unreachable!(),
                    };
                    assert_eq!(body["status"], expected);
                }
            }
            Op::Cancel(i) => {
                let (status, _) = self.call(
                    "PATCH",
                    &format!("/certificates/{}/pending", NAMES[i]),
                    r#"{"cancellation_requested":true}"#,
                );
                let m = &mut self.model[i];
                let expected = match (m.deleted, m.pending) {
                    (Some(_), _) | (None, Pending::None) => 404,
                    (None, Pending::WaitingMerge) => 200,
                    (None, _) => 403,
                };
                assert_eq!(status, expected, "{op:?} {m:?}");
                if status == 200 {
                    m.pending = Pending::Cancelled;
                }
            }
            Op::DeletePending(i) => {
                let (status, _) =
                    self.call("DELETE", &format!("/certificates/{}/pending", NAMES[i]), "");
                let m = &mut self.model[i];
                let live = m.deleted.is_none() && m.pending != Pending::None;
                assert_eq!(status, if live { 200 } else { 404 }, "{op:?} {m:?}");
                if live {
                    m.pending = Pending::None;
                    if m.versions == 0 {
                        m.exists = false;
                    }
                }
            }
            Op::Get(i) => {
                let (status, body) = self.call("GET", &format!("/certificates/{}", NAMES[i]), "");
                let m = self.model[i];
                let visible = m.deleted.is_none() && m.versions > 0;
                assert_eq!(status, if visible { 200 } else { 404 }, "{op:?} {m:?}");
                if visible {
                    self.check_version(i, &body);
                    let (_, versions) =
                        self.call("GET", &format!("/certificates/{}/versions", NAMES[i]), "");
                    assert_eq!(versions["value"].as_array().unwrap().len(), m.versions);
                }
            }
            Op::Delete(i) => {
                let (status, _) = self.call("DELETE", &format!("/certificates/{}", NAMES[i]), "");
                let now = self.now;
                let m = &mut self.model[i];
                let live = m.exists && m.deleted.is_none();
                assert_eq!(status, if live { 200 } else { 404 }, "{op:?} {m:?}");
                if live {
                    m.deleted = Some(now);
                }
            }
            Op::Recover(i) => {
                let (status, _) = self.call(
                    "POST",
                    &format!("/deletedcertificates/{}/recover", NAMES[i]),
                    "",
                );
                let m = &mut self.model[i];
                assert_eq!(
                    status,
                    if m.deleted.is_some() { 200 } else { 404 },
                    "{op:?} {m:?}"
                );
                m.deleted = None;
            }
            Op::Purge(i) => {
                let (status, _) =
                    self.call("DELETE", &format!("/deletedcertificates/{}", NAMES[i]), "");
                let m = &mut self.model[i];
                assert_eq!(
                    status,
                    if m.deleted.is_some() { 204 } else { 404 },
                    "{op:?} {m:?}"
                );
                if status == 204 {
                    *m = Name::NEW;
                }
            }
            Op::Advance(days) => self.now += days * DAY,
            Op::SaveRestore => {
                let saved = self.state.to_json().unwrap();
                let restored = VaultState::from_json(&saved).unwrap();
                assert!(restored == self.state, "a restored vault differs");
                self.state = restored;
            }
        }
    }

    /// The current version: one version in id, kid and sid; the secret's key is the
    /// certificate's.
    fn check_version(&mut self, i: usize, bundle: &Value) {
        let version = |v: &Value| v.as_str().unwrap().rsplit('/').next().unwrap().to_owned();
        let v = version(&bundle["id"]);
        assert_eq!(version(&bundle["kid"]), v);
        assert_eq!(version(&bundle["sid"]), v);
        let (status, secret) = self.call("GET", &format!("/secrets/{}", NAMES[i]), "");
        assert_eq!(status, 200);
        assert_eq!(version(&secret["id"]), v);
        let pfx = kvcert::pem::base64_decode(secret["value"].as_str().unwrap()).unwrap();
        let decoded = decode_pfx(&pfx, None).unwrap();
        let key = KeyPair::from_pkcs8_der(decoded.key_pkcs8.as_ref().unwrap()).unwrap();
        let cer = kvcert::pem::base64_decode(bundle["cer"].as_str().unwrap()).unwrap();
        assert_eq!(
            decoded.certificates[0], cer,
            "the secret holds the bundle's certificate"
        );
        let spki = key.subject_public_key_info().unwrap();
        assert!(
            cer.windows(spki.len()).any(|w| w == spki.as_slice()),
            "the secret's key is the certificate's"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_answers_like_the_model(ops in proptest::collection::vec(op(), 1..14), seed in any::<u64>()) {
        let mut run = Run {
            state: VaultState::new(Vault::new("https://model.vault.azure.net")),
            rng: ChaCha20Rng::seed_from_u64(seed),
            now: 1_767_225_600,
            model: [Name::NEW; 2],
        };
        for op in ops {
            run.step(op);
        }
    }
}
