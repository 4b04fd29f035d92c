//! A model-based test of `VaultState`: random sequences of operations on two names (create
//! with three policies, poll, cancel, merge, update tags and policy, delete, recover, purge,
//! backup and restore, lists, and time passing so that AutoRenew comes due) are run against
//! the engine and against a small reference model of what the service answers. After every
//! step the statuses must agree and the invariants hold: one version in id, kid and sid; the
//! secret's key is its certificate's; the current version's validity is the model's (which
//! places every renewal at its due instant); before its first version a certificate shows the
//! object its create made (disabled, dated at the create, linked to its operation while that
//! exists), and keeps it when the operation is cancelled or deleted; a restore gives back the
//! versions backed up; a saved and restored vault is the same vault. Clients' own secrets and
//! keys share the names: a certificate's name refuses their writes, theirs refuses a
//! certificate, and they delete, recover and purge on their own.

use kvcert::pkcs12::decode_pfx;
use kvcert::rand_core::SeedableRng;
use kvcert::service::engine::{CANCEL_DELAY_SECS, Request};
use kvcert::x509::ca::CertificateAuthority;
use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec, UnixTime, Vault, VaultState};
use proptest::prelude::*;
use serde_json::{Value, json};

const NAMES: [&str; 2] = ["m0", "m1"];
const DAY: u64 = 86_400;
const RECOVERABLE_DAYS: u64 = 90;
/// The certificate is backdated ten minutes (service-behaviour §4).
const BACKDATE: u64 = 600;
/// Renewing policies renew this long before expiry.
const RENEW_DAYS: u64 = 10;
/// Validity of the leaves the test CA signs for merges.
const MERGED_MONTHS: u32 = 1;

/// The policies a create can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Self, 12 months, no lifetime action.
    Plain,
    /// Self, 1 month, AutoRenew 10 days before expiry.
    Renewing,
    /// Unknown issuer (a CSR to merge), no lifetime action.
    Unknown,
}

impl Kind {
    fn body(self) -> String {
        let (issuer, months, actions) = match self {
            Kind::Plain => ("Self", 12, json!([])),
            Kind::Renewing => ("Self", 1, renew_actions(true)),
            Kind::Unknown => ("Unknown", 12, json!([])),
        };
        json!({"policy": {"key_props": {"kty": "EC", "crv": "P-256"},
            "x509_props": {"subject": "CN=m", "validity_months": months},
            "issuer": {"name": issuer}, "lifetime_actions": actions}})
        .to_string()
    }
}

fn renew_actions(on: bool) -> Value {
    if on {
        json!([{"trigger": {"days_before_expiry": RENEW_DAYS},
                "action": {"action_type": "AutoRenew"}}])
    } else {
        json!([])
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Create(usize, Kind),
    GetPending(usize),
    Cancel(usize),
    DeletePending(usize),
    /// Merge the pending CSR signed by the test CA (`true`), or a certificate of another key.
    Merge(usize, bool),
    Get(usize),
    /// `PATCH /certificates/{name}` with the tag `t` set to the value.
    Tag(usize, u8),
    /// `PATCH /certificates/{name}/policy` turning AutoRenew on or off.
    Renewal(usize, bool),
    /// Delete, and purge at once when `true`.
    Delete(usize, bool),
    Recover(usize),
    Purge(usize),
    Backup(usize),
    /// Restores the last backup of that name.
    Restore(usize),
    /// `GET /certificates`, with `includePending=true` when `true`.
    List(bool),
    Advance(u64),
    SaveRestore,
    /// A client's secret (`Secret`) or key (`Key`) on the same names as the certificates.
    Plain(usize, PlainObject, PlainOp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainObject {
    Secret,
    Key,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainOp {
    /// Set a secret, create a key.
    New,
    /// Get the latest (a key also signs).
    Use,
    Delete,
    Recover,
    Purge,
}

/// What the model knows of a client's secret or key on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PlainModel {
    versions: usize,
    /// When it was deleted, while it is deleted.
    deleted: Option<u64>,
}

fn op() -> impl Strategy<Value = Op> {
    let n = 0..NAMES.len();
    let kind = prop_oneof![Just(Kind::Plain), Just(Kind::Renewing), Just(Kind::Unknown)];
    prop_oneof![
        3 => (n.clone(), kind).prop_map(|(i, k)| Op::Create(i, k)),
        1 => n.clone().prop_map(Op::GetPending),
        1 => n.clone().prop_map(Op::Cancel),
        1 => n.clone().prop_map(Op::DeletePending),
        2 => (n.clone(), any::<bool>()).prop_map(|(i, own)| Op::Merge(i, own)),
        2 => n.clone().prop_map(Op::Get),
        1 => (n.clone(), any::<u8>()).prop_map(|(i, v)| Op::Tag(i, v)),
        1 => (n.clone(), any::<bool>()).prop_map(|(i, on)| Op::Renewal(i, on)),
        2 => (n.clone(), any::<bool>()).prop_map(|(i, purge)| Op::Delete(i, purge)),
        1 => n.clone().prop_map(Op::Recover),
        1 => n.clone().prop_map(Op::Purge),
        2 => n.clone().prop_map(Op::Backup),
        2 => n.clone().prop_map(Op::Restore),
        1 => any::<bool>().prop_map(Op::List),
        2 => (0u64..120).prop_map(Op::Advance),
        1 => Just(Op::SaveRestore),
        4 => (
            n.clone(),
            prop_oneof![Just(PlainObject::Secret), Just(PlainObject::Key)],
            prop_oneof![
                3 => Just(PlainOp::New),
                2 => Just(PlainOp::Use),
                2 => Just(PlainOp::Delete),
                1 => Just(PlainOp::Recover),
                1 => Just(PlainOp::Purge),
            ],
        )
            .prop_map(|(i, object, op)| Op::Plain(i, object, op)),
    ]
}

/// What the model knows of a name's pending operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Completed,
    WaitingMerge,
    /// Cancelled at that second, waiting for a merge: `cancelled` `CANCEL_DELAY_SECS` later.
    Cancelling(u64),
    Cancelled,
}

impl Pending {
    /// Whether the operation is `inProgress` (a create is refused, a merge taken).
    fn in_progress(self) -> bool {
        matches!(self, Pending::WaitingMerge | Pending::Cancelling(_))
    }
}

/// The policy in force, as far as the model needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PolicyModel {
    renew: bool,
    unknown: bool,
    months: u32,
}

#[derive(Debug, Clone, Copy)]
struct Name {
    exists: bool,
    versions: usize,
    pending: Pending,
    /// Deleted at (seconds), while recoverable.
    deleted: Option<u64>,
    policy: PolicyModel,
    /// The current version's tag `t`, the one the pending operation will give its version, and
    /// the one the object the create made shows before the first version.
    tag: Option<u8>,
    pending_tag: Option<u8>,
    unissued_tag: Option<u8>,
    /// When the object the create made was created (the latest create before any version).
    unissued_at: Option<u64>,
    /// The current version's notBefore and notAfter.
    validity: Option<(u64, u64)>,
}

impl Name {
    const NEW: Name = Name {
        exists: false,
        versions: 0,
        pending: Pending::None,
        deleted: None,
        policy: PolicyModel {
            renew: false,
            unknown: false,
            months: 12,
        },
        tag: None,
        pending_tag: None,
        unissued_tag: None,
        unissued_at: None,
        validity: None,
    };

    fn live(&self) -> bool {
        self.exists && self.deleted.is_none()
    }

    fn visible(&self) -> bool {
        self.live() && self.versions > 0
    }
}

/// A backup: the blob, the model then, the version ids then, and the version its GET showed.
#[derive(Debug, Clone)]
struct Backed {
    blob: String,
    then: Name,
    ids: Vec<String>,
    current: String,
}

struct Run {
    state: VaultState,
    rng: ChaCha20Rng,
    now: u64,
    model: [Name; 2],
    ca: CertificateAuthority,
    /// The last backup of each name.
    backups: [Option<Backed>; 2],
    /// Each name's client secret and client key.
    plain: [[PlainModel; 2]; 2],
}

fn version_of(id: &Value) -> String {
    id.as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

fn plus_months(at: u64, months: u32) -> u64 {
    UnixTime::from_unix_seconds(at)
        .unwrap()
        .plus_months(months)
        .unwrap()
        .as_secs()
}

/// The vault as a store keeps it: the settings row and each name's row.
fn rows(state: &VaultState) -> (String, std::collections::BTreeMap<String, String>) {
    let entries = state
        .entry_names()
        .map(|n| {
            (
                n.to_owned(),
                state.entry_json(n).unwrap().unwrap().to_string(),
            )
        })
        .collect();
    (state.settings_json().unwrap().to_string(), entries)
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let now = 1_767_225_600;
        let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng).unwrap();
        let ca = CertificateAuthority::root(
            &"CN=Model CA".parse().unwrap(),
            key,
            UnixTime::from_unix_seconds(now).unwrap(),
            600,
            &mut rng,
        )
        .unwrap();
        Run {
            state: VaultState::new(Vault::new("https://model.vault.azure.net")),
            rng,
            now,
            model: [Name::NEW; 2],
            ca,
            backups: [None, None],
            plain: [[PlainModel::default(); 2]; 2],
        }
    }

    fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let path = format!("{path}{sep}api-version=7.6");
        let now = UnixTime::from_unix_seconds(self.now).unwrap();
        let request = Request {
            method,
            path: &path,
            body: body.as_bytes(),
        };
        let before = rows(&self.state);
        // The same request, worked detached (decide, work, commit), on a copy.
        let mut copy = self.state.clone();
        let mut copy_rng = ChaCha20Rng::from_seed(self.rng.get_seed());
        copy_rng.set_word_pos(self.rng.get_word_pos());
        let detached_answer = match copy.detach(&request, now) {
            Some(mut part) => {
                let answer = part.handle(&request, now, &mut copy_rng);
                copy.attach(part).unwrap();
                answer
            }
            None => {
                if let Some(mut due) = copy.detach_due(now) {
                    due.advance(now, &mut copy_rng);
                    copy.attach(due).unwrap();
                }
                copy.handle(&request, now, &mut copy_rng)
            }
        };
        // A GET with nothing due reads the vault without changing it.
        let read = (!self.state.has_due(now))
            .then(|| self.state.read(&request, now))
            .flatten();
        let r = self.state.handle(&request, now, &mut self.rng);
        assert_eq!(detached_answer, r, "{method} {path}: detached");
        if let Some(read) = read {
            assert_eq!(read, r, "{method} {path}: read");
        }
        assert!(copy == self.state, "{method} {path}: detached state");
        // The change set names every row that changed, and the rows give the vault back.
        let changes = self.state.take_changes();
        let after = rows(&self.state);
        assert!(
            before.0 == after.0 || changes.settings_changed(),
            "{method} {path}: settings changed unnoted"
        );
        let names: std::collections::BTreeSet<&String> =
            before.1.keys().chain(after.1.keys()).collect();
        for name in names {
            if before.1.get(name) != after.1.get(name) {
                assert!(
                    changes.names().any(|n| n == name),
                    "{method} {path}: {name} changed unnoted"
                );
            }
        }
        let rebuilt = VaultState::from_rows(
            &after.0,
            after.1.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .unwrap();
        assert!(rebuilt == self.state, "{method} {path}: rows");
        assert!(
            r.status < 500,
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        (r.status, r.body_json())
    }

    /// What the model's clock has made due: purges, and AutoRenew at each due instant (a
    /// create without a policy at `exp − 10 days`, so the next version runs from there).
    fn settle(&mut self) {
        for p in self.plain.iter_mut().flatten() {
            if p.deleted
                .is_some_and(|at| self.now >= at + RECOVERABLE_DAYS * DAY)
            {
                *p = PlainModel::default();
            }
        }
        for m in &mut self.model {
            if let Pending::Cancelling(at) = m.pending
                && self.now >= at + CANCEL_DELAY_SECS
            {
                m.pending = Pending::Cancelled;
            }
            if m.deleted
                .is_some_and(|at| self.now >= at + RECOVERABLE_DAYS * DAY)
            {
                *m = Name::NEW;
            }
            while m.visible() && m.policy.renew && !m.pending.in_progress() {
                let (_, exp) = m.validity.unwrap();
                let due = exp - RENEW_DAYS * DAY;
                if due > self.now {
                    break;
                }
                if std::env::var_os("KVCERT_MODEL_TRACE").is_some() {
                    eprintln!("RENEW unknown={}", m.policy.unknown);
                }
                if m.policy.unknown {
                    m.pending = Pending::WaitingMerge;
                    m.pending_tag = m.tag;
                } else {
                    m.versions += 1;
                    m.pending = Pending::Completed;
                    m.validity = Some((due - BACKDATE, plus_months(due, m.policy.months)));
                }
            }
        }
    }

    fn step(&mut self, op: Op) {
        self.settle();
        let now = self.now;
        match op {
            Op::Create(i, kind) => {
                let (status, _) = self.call(
                    "POST",
                    &format!("/certificates/{}/create", NAMES[i]),
                    &kind.body(),
                );
                let held = self.plain[i].iter().any(|p| p.versions > 0);
                let m = &mut self.model[i];
                // Deleted but recoverable, an operation in progress, or a client's secret or
                // key holding the name: 409.
                let expected = if m.deleted.is_some() || m.pending.in_progress() || held {
                    409
                } else {
                    202
                };
                assert_eq!(status, expected, "{op:?} with {m:?}");
                if status == 202 {
                    m.exists = true;
                    if m.versions == 0 {
                        m.unissued_at = Some(now);
                        m.unissued_tag = None;
                    }
                    m.policy = PolicyModel {
                        renew: kind == Kind::Renewing,
                        unknown: kind == Kind::Unknown,
                        months: if kind == Kind::Renewing { 1 } else { 12 },
                    };
                    m.pending_tag = None;
                    if kind == Kind::Unknown {
                        m.pending = Pending::WaitingMerge;
                    } else {
                        m.versions += 1;
                        m.pending = Pending::Completed;
                        m.tag = None;
                        m.validity = Some((now - BACKDATE, plus_months(now, m.policy.months)));
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
                        Pending::WaitingMerge | Pending::Cancelling(_) => "inProgress",
                        Pending::Cancelled => "cancelled",
                        Pending::None => unreachable!(),
                    };
                    assert_eq!(body["status"], expected, "{m:?}");
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
                    (None, Pending::WaitingMerge | Pending::Cancelling(_)) => 200,
                    (None, _) => 403,
                };
                assert_eq!(status, expected, "{op:?} {m:?}");
                // Waiting for a merge: `cancelled` `CANCEL_DELAY_SECS` later (the first cancel
                // counts); a deleted certificate's operation is not cancelled (404).
                if status == 200 && m.pending == Pending::WaitingMerge {
                    m.pending = Pending::Cancelling(now);
                }
            }
            Op::DeletePending(i) => {
                let (status, _) =
                    self.call("DELETE", &format!("/certificates/{}/pending", NAMES[i]), "");
                let m = &mut self.model[i];
                let live = m.deleted.is_none() && m.pending != Pending::None;
                assert_eq!(status, if live { 200 } else { 404 }, "{op:?} {m:?}");
                if live {
                    // The object the create made stays (recorded).
                    m.pending = Pending::None;
                }
            }
            Op::Merge(i, own) => self.merge(i, own),
            Op::Get(i) => {
                let (status, body) = self.call("GET", &format!("/certificates/{}", NAMES[i]), "");
                let m = self.model[i];
                assert_eq!(status, if m.live() { 200 } else { 404 }, "{op:?} {m:?}");
                if m.visible() {
                    self.check_version(i, &body);
                } else if m.live() {
                    self.check_unissued(i, &body);
                }
            }
            Op::Tag(i, value) => {
                let body = json!({"tags": {"t": value.to_string()}}).to_string();
                let (status, _) = self.call("PATCH", &format!("/certificates/{}", NAMES[i]), &body);
                let m = &mut self.model[i];
                // The current version, or with none yet, the version the operation will make.
                assert_eq!(status, if m.live() { 200 } else { 404 }, "{op:?} {m:?}");
                if m.visible() {
                    m.tag = Some(value);
                } else if m.live() {
                    m.pending_tag = Some(value);
                    m.unissued_tag = Some(value);
                }
            }
            Op::Renewal(i, on) => {
                let body = json!({"lifetime_actions": renew_actions(on)}).to_string();
                let (status, policy) = self.call(
                    "PATCH",
                    &format!("/certificates/{}/policy", NAMES[i]),
                    &body,
                );
                let m = &mut self.model[i];
                assert_eq!(status, if m.live() { 200 } else { 404 }, "{op:?} {m:?}");
                if status == 200 {
                    m.policy.renew = on;
                    assert_eq!(policy["lifetime_actions"], renew_actions(on));
                }
            }
            Op::Delete(i, purge) => {
                let (status, _) = self.call("DELETE", &format!("/certificates/{}", NAMES[i]), "");
                let m = &mut self.model[i];
                assert_eq!(status, if m.live() { 200 } else { 404 }, "{op:?} {m:?}");
                if status == 200 {
                    m.deleted = Some(now);
                    if purge {
                        self.step(Op::Purge(i));
                    }
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
            Op::Backup(i) => {
                let (status, body) =
                    self.call("POST", &format!("/certificates/{}/backup", NAMES[i]), "");
                let m = self.model[i];
                // Before its first version too (recorded, JS 7.0): the object a create made.
                assert_eq!(status, if m.live() { 200 } else { 404 }, "{op:?} {m:?}");
                if status == 200 {
                    let ids = self.version_ids(i);
                    let (_, current) = self.call("GET", &format!("/certificates/{}", NAMES[i]), "");
                    let blob = body["value"].as_str().unwrap().to_owned();
                    self.backups[i] = Some(Backed {
                        blob,
                        then: m,
                        ids,
                        current: version_of(&current["id"]),
                    });
                }
            }
            Op::Restore(i) => {
                let Some(Backed {
                    blob,
                    then,
                    ids,
                    current,
                }) = self.backups[i].clone()
                else {
                    return;
                };
                let body = json!({ "value": blob }).to_string();
                let (status, restored) = self.call("POST", "/certificates/restore", &body);
                let held = self.plain[i].iter().any(|p| p.versions > 0);
                let m = &mut self.model[i];
                // The name in use, live or deleted (a client's secret or key too): 409.
                assert_eq!(
                    status,
                    if m.exists || held { 409 } else { 200 },
                    "{op:?} {m:?}"
                );
                if status == 200 {
                    *m = Name {
                        pending: Pending::None,
                        pending_tag: None,
                        deleted: None,
                        ..then
                    };
                    assert_eq!(
                        version_of(&restored["id"]),
                        current,
                        "the version backed up"
                    );
                    assert!(restored.get("pending").is_none(), "{restored}");
                    // Due renewals are worked by the next request; the versions restored are
                    // those backed up, the oldest first.
                    let now_ids = self.version_ids(i);
                    assert_eq!(now_ids[..ids.len()], ids[..], "the versions backed up");
                    self.settle();
                    assert_eq!(now_ids.len(), self.model[i].versions);
                }
            }
            Op::List(include_pending) => {
                let query = if include_pending {
                    "?includePending=true"
                } else {
                    ""
                };
                let (status, list) = self.call("GET", &format!("/certificates{query}"), "");
                assert_eq!(status, 200);
                let listed: Vec<String> = list["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| version_of(&item["id"]))
                    .collect();
                for (i, name) in NAMES.iter().enumerate() {
                    let m = self.model[i];
                    // Before its first version, listed only with `includePending` (recorded).
                    let expected = m.visible() || (include_pending && m.live());
                    assert_eq!(
                        listed.iter().any(|n| n == name),
                        expected,
                        "{op:?} {name} {m:?} {list}"
                    );
                }
            }
            Op::Advance(days) => self.now += days * DAY,
            Op::Plain(i, object, op) => self.plain(i, object, op),
            Op::SaveRestore => {
                let saved = self.state.to_json().unwrap();
                let restored = VaultState::from_json(&saved).unwrap();
                assert!(restored == self.state, "a restored vault differs");
                self.state = restored;
            }
        }
    }

    /// A client's secret or key operation on name `i`, against the model: a certificate's
    /// name refuses every write (403; 409 while the certificate is deleted, for a new one).
    fn plain(&mut self, i: usize, object: PlainObject, op: PlainOp) {
        let name = NAMES[i];
        let slot = object as usize;
        let (collection, deleted_collection) = match object {
            PlainObject::Secret => ("secrets", "deletedsecrets"),
            PlainObject::Key => ("keys", "deletedkeys"),
        };
        let cert = self.model[i];
        let p = self.plain[i][slot];
        let certificate = cert.exists;
        let live = p.versions > 0 && p.deleted.is_none();
        let (status, body) = match op {
            PlainOp::New => match object {
                PlainObject::Secret => {
                    self.call("PUT", &format!("/secrets/{name}"), r#"{"value":"v"}"#)
                }
                PlainObject::Key => {
                    self.call("POST", &format!("/keys/{name}/create"), r#"{"kty":"EC"}"#)
                }
            },
            PlainOp::Use => match object {
                PlainObject::Secret => self.call("GET", &format!("/secrets/{name}"), ""),
                PlainObject::Key => self.call(
                    "POST",
                    &format!("/keys/{name}/sign"),
                    r#"{"alg":"ES256","value":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
                ),
            },
            PlainOp::Delete => self.call("DELETE", &format!("/{collection}/{name}"), ""),
            PlainOp::Recover => {
                self.call("POST", &format!("/{deleted_collection}/{name}/recover"), "")
            }
            PlainOp::Purge => self.call("DELETE", &format!("/{deleted_collection}/{name}"), ""),
        };
        let now = self.now;
        let p = &mut self.plain[i][slot];
        let expected = match op {
            PlainOp::New if certificate && cert.deleted.is_none() => 403,
            PlainOp::New if cert.deleted.is_some() || p.deleted.is_some() => 409,
            PlainOp::New => {
                p.versions += 1;
                200
            }
            // A certificate's own secret or key is read and used (its GET and sign answer).
            PlainOp::Use if live => 200,
            PlainOp::Use => match object {
                PlainObject::Secret if cert.visible() => 200,
                // An expired certificate's key no longer signs (documented for keys).
                PlainObject::Key if cert.visible() => {
                    if cert.validity.is_some_and(|(_, exp)| now < exp) {
                        200
                    } else {
                        403
                    }
                }
                _ => 404,
            },
            PlainOp::Delete if certificate && cert.deleted.is_none() => 403,
            PlainOp::Delete if live => {
                p.deleted = Some(now);
                200
            }
            PlainOp::Delete => 404,
            PlainOp::Recover if p.deleted.is_some() => {
                p.deleted = None;
                200
            }
            PlainOp::Recover => 404,
            PlainOp::Purge if p.deleted.is_some() => {
                *p = PlainModel::default();
                204
            }
            PlainOp::Purge => 404,
        };
        assert_eq!(
            status, expected,
            "{object:?} {op:?} on {name}: {body} {p:?} {cert:?}"
        );
    }

    fn merge(&mut self, i: usize, own: bool) {
        let (status, pending) =
            self.call("GET", &format!("/certificates/{}/pending", NAMES[i]), "");
        let now = UnixTime::from_unix_seconds(self.now).unwrap();
        let leaf = match pending["csr"].as_str() {
            Some(csr) if status == 200 && own => {
                let csr = crate::support::text::base64_decode(csr).unwrap();
                self.ca
                    .sign_request(&csr, now, MERGED_MONTHS, &mut self.rng)
                    .unwrap()
                    .0
            }
            // Another key's certificate: the CA's own.
            _ => self.ca.certificate().to_vec(),
        };
        let x5c = [leaf, self.ca.certificate().to_vec()].map(|c| crate::support::text::base64(&c));
        let body = json!({ "x5c": x5c }).to_string();
        let (status, bundle) = self.call(
            "POST",
            &format!("/certificates/{}/pending/merge", NAMES[i]),
            &body,
        );
        let t = self.now;
        let m = &mut self.model[i];
        let expected = match (m.deleted, m.pending) {
            (Some(_), _) | (None, Pending::None) => 404,
            (None, Pending::Completed) => 403,
            (None, Pending::WaitingMerge | Pending::Cancelling(_) | Pending::Cancelled) if own => {
                201
            }
            // A certificate that is not the pending key's.
            (None, _) => 400,
        };
        assert_eq!(status, expected, "merge(own {own}) {m:?}");
        if status == 201 {
            m.versions += 1;
            m.pending = Pending::Completed;
            m.tag = m.pending_tag;
            m.validity = Some((t - BACKDATE, plus_months(t, MERGED_MONTHS)));
            assert!(bundle["x5t"].is_string(), "{bundle}");
        }
    }

    /// The object a create made, before the first version: disabled, dated at the create,
    /// `pending` while the operation exists, the tags patched on it; `GET` of its version
    /// answers its `id` and `attributes` only; no secret yet.
    fn check_unissued(&mut self, i: usize, body: &Value) {
        let m = self.model[i];
        let created = m.unissued_at.unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec!["id", "attributes"];
        if m.unissued_tag.is_some() {
            expected.push("tags");
        }
        expected.push("policy");
        if m.pending != Pending::None {
            expected.push("pending");
        }
        assert_eq!(keys, expected, "{m:?} {body}");
        let a = &body["attributes"];
        assert_eq!(a["enabled"], false, "{m:?}");
        assert_eq!(
            (
                a["created"].as_u64(),
                a["updated"].as_u64(),
                a["nbf"].as_u64()
            ),
            (Some(created), Some(created), Some(created - BACKDATE)),
            "{m:?}"
        );
        assert_eq!(
            a["exp"].as_u64(),
            Some(plus_months(created, m.policy.months))
        );
        let tag = m.unissued_tag.map(|t| t.to_string());
        assert_eq!(body["tags"]["t"].as_str(), tag.as_deref(), "{m:?}");
        let version = version_of(&body["id"]);
        let (status, by_version) =
            self.call("GET", &format!("/certificates/{}/{version}", NAMES[i]), "");
        assert_eq!(status, 200);
        assert_eq!(by_version["id"], body["id"]);
        assert_eq!(by_version.as_object().unwrap().len(), 2, "{by_version}");
        let (status, _) = self.call("GET", &format!("/secrets/{}", NAMES[i]), "");
        assert_eq!(status, 404, "nothing issued, no secret");
    }

    /// The name's version ids, oldest first.
    fn version_ids(&mut self, i: usize) -> Vec<String> {
        let (status, list) = self.call("GET", &format!("/certificates/{}/versions", NAMES[i]), "");
        assert_eq!(status, 200);
        let mut items: Vec<(i64, String)> = list["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["attributes"]["created"].as_i64().unwrap(),
                    version_of(&v["id"]),
                )
            })
            .collect();
        assert!(list["nextLink"].is_null(), "fewer than a page");
        items.sort();
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// The current version: the model's validity, tag and version count; one version in id,
    /// kid and sid; the secret's key is the certificate's.
    fn check_version(&mut self, i: usize, bundle: &Value) {
        let m = self.model[i];
        let (nbf, exp) = m.validity.unwrap();
        assert_eq!(
            (
                bundle["attributes"]["nbf"].as_u64(),
                bundle["attributes"]["exp"].as_u64()
            ),
            (Some(nbf), Some(exp)),
            "the validity of the current version of {m:?}"
        );
        let tag = m.tag.map(|t| t.to_string());
        assert_eq!(bundle["tags"]["t"].as_str(), tag.as_deref(), "{m:?}");
        let v = version_of(&bundle["id"]);
        assert_eq!(version_of(&bundle["kid"]), v);
        assert_eq!(version_of(&bundle["sid"]), v);
        let (_, list) = self.call("GET", &format!("/certificates/{}/versions", NAMES[i]), "");
        assert_eq!(list["value"].as_array().unwrap().len(), m.versions);
        let (status, secret) = self.call("GET", &format!("/secrets/{}", NAMES[i]), "");
        assert_eq!(status, 200);
        assert_eq!(version_of(&secret["id"]), v);
        let pfx = crate::support::text::base64_decode(secret["value"].as_str().unwrap()).unwrap();
        let decoded = decode_pfx(&pfx, None).unwrap();
        let key = KeyPair::from_pkcs8_der(decoded.key_pkcs8.as_ref().unwrap()).unwrap();
        let cer = crate::support::text::base64_decode(bundle["cer"].as_str().unwrap()).unwrap();
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
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_answers_like_the_model(ops in proptest::collection::vec(op(), 1..28), seed in any::<u64>()) {
        let mut run = Run::new(seed);
        for op in ops {
            run.step(op);
        }
    }
}

/// One fixed sequence through the paths random sequences reach rarely: a restore after a
/// purge, a recover that catches up on renewals, an `Unknown` renewal merged, a cancelled
/// request merged, tags carried by renewal and merge.
#[test]
fn a_fixed_walk_through_the_rare_paths() {
    use Op::*;
    let mut run = Run::new(1);
    for op in [
        Create(0, Kind::Renewing),
        Tag(0, 7),
        Backup(0),
        Advance(45),
        Get(0),
        Delete(0, false),
        Advance(60),
        Recover(0),
        Get(0),
        Delete(0, true),
        Restore(0),
        Get(0),
        Restore(0),
        Create(1, Kind::Unknown),
        Tag(1, 3),
        Cancel(1),
        Merge(1, false),
        Merge(1, true),
        Get(1),
        Renewal(1, true),
        Advance(25),
        GetPending(1),
        Create(1, Kind::Plain),
        Merge(1, true),
        Get(1),
        Create(1, Kind::Plain),
        Advance(25),
        Get(1),
        SaveRestore,
        Get(0),
    ] {
        run.step(op);
    }
    assert_eq!(run.model[0].tag, Some(7), "renewals carry the tag");
    assert!(run.model[0].versions >= 5, "{:?}", run.model[0]);
    assert_eq!(run.model[1].versions, 3, "{:?}", run.model[1]);
}

/// The object a create makes, through every operation in one walk: shown while only pending,
/// tagged, cancelled (one poll interval later), its operation deleted, deleted and recovered, listed
/// with `includePending`, purged; a new create on the name; backed up before its first
/// version and restored as that object.
#[test]
fn a_fixed_walk_through_the_object_a_create_makes() {
    use Op::*;
    let mut run = Run::new(2);
    for op in [
        Create(0, Kind::Unknown),
        Get(0),
        Tag(0, 5),
        Get(0),
        Cancel(0),
        GetPending(0),
        Get(0),
        Advance(1),
        GetPending(0),
        DeletePending(0),
        Get(0),
        GetPending(0),
        List(false),
        List(true),
        Backup(0),
        Delete(0, false),
        Recover(0),
        Get(0),
        Create(0, Kind::Unknown),
        Get(0),
        Cancel(0),
        Merge(0, true),
        Get(0),
        Create(1, Kind::Unknown),
        DeletePending(1),
        Delete(1, true),
        Create(1, Kind::Unknown),
        Renewal(1, true),
        SaveRestore,
        Get(1),
        List(true),
    ] {
        run.step(op);
    }
    assert_eq!(run.model[0].versions, 1, "{:?}", run.model[0]);
    assert_eq!(
        run.model[0].tag, None,
        "a new create starts without the old tags"
    );
    assert!(run.model[1].live() && run.model[1].versions == 0);
    // The backup taken before the first version restores that object, tags included.
    for op in [Delete(0, true), Restore(0), Get(0), Backup(1)] {
        run.step(op);
    }
    assert_eq!(run.model[0].versions, 0, "{:?}", run.model[0]);
    assert_eq!(run.model[0].unissued_tag, Some(5), "{:?}", run.model[0]);
    assert!(run.backups[1].is_some());
}
