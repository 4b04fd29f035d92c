//! A key's rotation policy (`GET/PUT /keys/{name}/rotationpolicy`) and `POST
//! /keys/{name}/rotate`, as recorded (.NET 7.6-preview.1, C++ 7.3).
//!
//! | question | answer |
//! |---|---|
//! | the policy of a key that has none | the service's default, recorded: `{"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":null}` |
//! | a stored policy | `id` (unversioned), the actions as sent, `attributes` with `expiryTime`, `created`, `updated` |
//! | a rotation | a new version of the same type, size, curve, `key_ops` and tags; `exp` = its creation + `expiryTime` when the policy has one (recorded: P48M gave +126230400 s, months of 30.4375 days) |
//! | durations | ISO 8601 `P[nY][nM][nW][nD][T[nH][nM][nS]]`; `expiryTime` at least 28 days (documented) |
//! | a `Rotate` action | run at its due instant by the first call at or after it, as the certificates' lifetime actions are ([`lifetime`](super::super::lifetime)): `timeAfterCreate` after the current version's `created`, `timeBeforeExpiry` before its `exp`; the new version is dated at the due instant. A due instant at or before the version's creation never runs; a disabled current version is not rotated |
//! | a `Notify` action | nothing (the service sends an Event Grid event; kvcert has none) |
//! | the policy of a certificate's key | read as the default; set, and rotate, refused as for every write to a certificate's key (403) |

use rand_core::CryptoRng;

use super::super::{VaultState, secs_i64};
use super::{KeySettings, KeyVersion};
use crate::key::KeySpec;
use crate::service::error::{Error, ObjectKind};
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The largest policy body read.
pub const MAX_POLICY_BODY_LEN: usize = 16 * 1024;
/// The most lifetime actions of a policy (one `Rotate`, one `Notify`).
pub const MAX_ROTATION_ACTIONS: usize = 2;
/// The shortest `expiryTime` (documented: at least 28 days).
pub const MIN_EXPIRY_SECS: u64 = 28 * 86_400;

/// Seconds in an ISO 8601 duration `P[nY][nM][nW][nD][T[nH][nM][nS]]`, months of 30.4375 days
/// and years of 365.25 (the recorded P48M is 1461 days); `None` when it is not one.
///
/// ```
/// use kvcert::service::engine::keys::rotation::duration_secs;
/// assert_eq!(duration_secs("P48M"), Some(126_230_400));
/// assert_eq!(duration_secs("P30D"), Some(30 * 86_400));
/// assert_eq!(duration_secs("PT1H30M"), Some(5_400));
/// assert_eq!(duration_secs("P"), None);
/// assert_eq!(duration_secs("30D"), None);
/// ```
pub fn duration_secs(text: &str) -> Option<u64> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: u64 = 0;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, u64)]| -> Option<()> {
        let mut number = String::new();
        let mut last = 0;
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let at = units.iter().position(|(u, _)| *u == c)?;
            // Each unit once, in order.
            if at < last || number.is_empty() || number.len() > 9 {
                return None;
            }
            last = at + 1;
            let n: u64 = number.parse().ok()?;
            total = total.checked_add(n.checked_mul(units[at].1)?)?;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    add(
        date,
        &[
            ('Y', 31_557_600),
            ('M', 2_629_800),
            ('W', 604_800),
            ('D', 86_400),
        ],
    )?;
    if let Some(time) = time {
        add(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    }
    any.then_some(total)
}

/// The service's policy for a key that has none (recorded, .NET 7.6-preview.1).
fn default_policy() -> wire::KeyRotationPolicy {
    wire::KeyRotationPolicy {
        id: None,
        lifetime_actions: Some(vec![wire::KeyLifetimeAction {
            trigger: Some(wire::KeyLifetimeTrigger {
                time_after_create: None,
                time_before_expiry: Some("P30D".to_owned()),
            }),
            action: Some(wire::KeyLifetimeActionType {
                action_type: Some("Notify".to_owned()),
            }),
        }]),
        attributes: None,
    }
}

/// A policy as sent, checked: each action `Rotate` or `Notify` with one trigger of a valid
/// duration, `expiryTime` a duration of at least [`MIN_EXPIRY_SECS`].
fn checked(
    sent: wire::KeyRotationPolicy,
) -> Result<(Vec<wire::KeyLifetimeAction>, Option<String>), Error> {
    let wire::KeyRotationPolicy {
        id: _,
        lifetime_actions,
        attributes,
    } = sent;
    let actions = lifetime_actions.unwrap_or_default();
    if actions.len() > MAX_ROTATION_ACTIONS {
        return Err(Error::property(
            "lifetimeActions",
            "At most one Rotate and one Notify action",
        ));
    }
    for action in &actions {
        let wire::KeyLifetimeAction { trigger, action } = action;
        let kind = action.as_ref().and_then(|a| a.action_type.as_deref());
        if !matches!(kind, Some("Rotate" | "Notify" | "rotate" | "notify")) {
            return Err(Error::property(
                "lifetimeActions.action.type",
                "Rotate or Notify",
            ));
        }
        let Some(wire::KeyLifetimeTrigger {
            time_after_create,
            time_before_expiry,
        }) = trigger
        else {
            return Err(Error::property(
                "lifetimeActions.trigger",
                "A trigger is required",
            ));
        };
        let durations = [time_after_create, time_before_expiry];
        let set: Vec<&String> = durations.iter().filter_map(|d| d.as_ref()).collect();
        if set.len() != 1 || set.iter().any(|d| duration_secs(d).is_none()) {
            return Err(Error::property(
                "lifetimeActions.trigger",
                "One of timeAfterCreate, timeBeforeExpiry, an ISO 8601 duration",
            ));
        }
    }
    let expiry = match attributes {
        Some(wire::KeyRotationPolicyAttributes {
            expiry_time,
            created: _,
            updated: _,
        }) => expiry_time,
        None => None,
    };
    if let Some(e) = &expiry
        && duration_secs(e).is_none_or(|s| s < MIN_EXPIRY_SECS)
    {
        return Err(Error::property(
            "attributes.expiryTime",
            "An ISO 8601 duration of at least 28 days",
        ));
    }
    Ok((actions, expiry))
}

/// When the current version of `record` is due for rotation by its policy's `Rotate` action.
pub(in crate::service::engine) fn rotation_due(record: &super::KeyRecord) -> Option<i64> {
    let current = record.latest()?;
    if !current.enabled {
        return None;
    }
    let policy = record.rotation_policy.as_ref()?;
    let action = policy.lifetime_actions.as_ref()?.iter().find(|a| {
        a.action
            .as_ref()
            .and_then(|t| t.action_type.as_deref())
            .is_some_and(|t| t.eq_ignore_ascii_case("Rotate"))
    })?;
    let trigger = action.trigger.as_ref()?;
    let secs = |d: &str| duration_secs(d).and_then(|s| i64::try_from(s).ok());
    let due = match (&trigger.time_after_create, &trigger.time_before_expiry) {
        (Some(after), _) => current.created.checked_add(secs(after)?)?,
        (None, Some(before)) => current.exp?.checked_sub(secs(before)?)?,
        (None, None) => return None,
    };
    // A trigger at or before the version's creation would rotate forever: never due.
    (due > current.created).then_some(due)
}

impl VaultState {
    /// Rotates the client's key `key` (lowercase) at `at` if its policy's `Rotate` action is
    /// due by then (see [`rotation_due`]); whether it did.
    pub(in crate::service::engine) fn rotate_if_due(
        &mut self,
        key: &str,
        at: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> bool {
        let Some(record) = self.keys.get(key) else {
            return false;
        };
        if rotation_due(record).is_none_or(|due| due > secs_i64(at)) {
            return false;
        }
        let name = record.name().to_owned();
        self.rotate_key(&name, at, rng).is_ok()
    }

    /// `GET /keys/{name}/rotationpolicy`: the stored policy, or the service's default.
    pub fn get_key_rotation_policy(
        &self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::KeyRotationPolicy, Error> {
        if let Some(record) = self.plain_key(name) {
            return Ok(record
                .rotation_policy
                .clone()
                .unwrap_or_else(default_policy));
        }
        match self.version(name, None, now) {
            Some(_) => Ok(default_policy()),
            None => Err(Error::KeyNotFound {
                name: name.to_owned(),
            }),
        }
    }

    /// `PUT /keys/{name}/rotationpolicy`: the policy stored and answered with its `id` and
    /// dates (`created` kept from an earlier one).
    pub fn update_key_rotation_policy(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::KeyRotationPolicy, Error> {
        let sent: wire::KeyRotationPolicy = parse_request(body, MAX_POLICY_BODY_LEN)?;
        let (actions, expiry) = checked(sent)?;
        let key = name.to_ascii_lowercase();
        if self.certificates.contains_key(&key) {
            return Err(Error::ManagedByKeyVault {
                kind: ObjectKind::Key,
                operation: "setRotationPolicy",
            });
        }
        let url = self.vault.url.clone();
        let record = self.keys.get_mut(&key).ok_or_else(|| Error::KeyNotFound {
            name: name.to_owned(),
        })?;
        let secs = secs_i64(now);
        let created = record
            .rotation_policy
            .as_ref()
            .and_then(|p| p.attributes.as_ref())
            .and_then(|a| a.created)
            .unwrap_or(secs);
        let policy = wire::KeyRotationPolicy {
            id: Some(format!("{url}/keys/{}/rotationpolicy", record.name())),
            lifetime_actions: Some(actions),
            attributes: Some(wire::KeyRotationPolicyAttributes {
                expiry_time: expiry,
                created: Some(created),
                updated: Some(secs),
            }),
        };
        record.rotation_policy = Some(policy.clone());
        self.reschedule(&key);
        Ok(policy)
    }

    /// `POST /keys/{name}/rotate`: a new version like the current one (see the module docs).
    pub fn rotate_key<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::KeyBundle, Error> {
        let key = name.to_ascii_lowercase();
        self.refuse_if_managed::<super::KeyRecord>(&key, "rotate")?;
        let record = self.keys.get(&key).ok_or_else(|| Error::KeyNotFound {
            name: name.to_owned(),
        })?;
        let current: &KeyVersion = record.latest().ok_or_else(|| Error::KeyNotFound {
            name: name.to_owned(),
        })?;
        let spec: KeySpec = super::super::key_from_material(&current.private_key)?.spec();
        let expiry = record
            .rotation_policy
            .as_ref()
            .and_then(|p| p.attributes.as_ref())
            .and_then(|a| a.expiry_time.as_deref())
            .and_then(duration_secs);
        let exp =
            expiry.map(|s| secs_i64(now).saturating_add(i64::try_from(s).unwrap_or(i64::MAX)));
        let settings = KeySettings {
            key_ops: current.key_ops.clone(),
            enabled: true,
            nbf: None,
            exp,
            tags: current.tags.clone(),
        };
        let (record_name, kty) = (record.name().to_owned(), current.kty.clone());
        let rng: &mut dyn CryptoRng = &mut { rng };
        let pair = self.new_key(spec, rng)?;
        self.add_key_version(&record_name, &kty, &pair, settings, now, rng)
    }
}
