//! The updates: a certificate's policy (`PATCH …/policy`) and a version's attributes and tags
//! (`PATCH /certificates/{name}/{version}`).
//!
//! # PATCH policy merges
//!
//! Recorded (JS 7.4-preview.1): fields the request does not send, or sends as empty objects,
//! keep their values; only what is sent changes. kvcert merges field by field inside
//! `key_props`, `secret_props`, `x509_props` (and `sans`), `issuer` and `attributes`;
//! `lifetime_actions`, a list, is replaced when sent. A `crv` or `kty` sent without `key_size`
//! drops the stored size (and a `kty` without `crv` the stored curve): they belonged to the
//! old key, and the create rules derive them again (kvcert's decision, met when the Python SDK
//! patches an EC P-256 policy to `key_curve_name=P-384`). The merged policy is validated by the
//! create rules (a policy that could not be created is refused with the create's error) and
//! stored normalised, with `updated` set to `now`. It applies to the next version; the
//! existing versions keep their certificates.

use super::current::current_bundle;
use super::record::CertificateRecord;
use super::{VaultState, policy_as_request, secs_i64};
use crate::service::error::Error;
use crate::service::plan::{IssuancePlan, MAX_BODY_LEN};
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

impl VaultState {
    /// `PATCH /certificates/{name}/policy`: 200 with the policy now in force.
    pub fn update_policy(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::CertificatePolicy, Error> {
        let patch: wire::CertificatePolicy = parse_request(body, MAX_BODY_LEN)?;
        self.settle(name, now);
        let vault_url = self.vault.url.clone();
        let record = self
            .record_mut(name)
            .ok_or_else(|| Error::CertificateNotFound {
                name: name.to_owned(),
            })?;
        apply_policy_patch(record, &vault_url, patch, now)?;
        let policy = record.policy.clone();
        self.reschedule(name);
        Ok(policy)
    }

    /// `PATCH /certificates/{name}/{version}` (an empty version is the current one): the
    /// version's `enabled` and tags (mirrored to its key and secret), and the policy when the
    /// body carries one; 200 with the bundle as `GET` shows the current version, or, for a
    /// PATCH that names a version, that version without `policy` (recorded at 7.2).
    pub fn update_certificate(
        &mut self,
        name: &str,
        version: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::CertificateBundle, Error> {
        let update: wire::CertificateUpdateParameters = parse_request(body, MAX_BODY_LEN)?;
        let wire::CertificateUpdateParameters {
            policy,
            attributes,
            tags,
        } = update;
        if let Some(t) = &tags {
            IssuancePlan::check_tags(t)?;
        }
        self.settle(name, now);
        let vault = self.vault.clone();
        let vault_url = vault.url.clone();
        let not_found = || Error::CertificateNotFound {
            name: name.to_owned(),
        };
        let record = self.record_mut(name).ok_or_else(not_found)?;
        let enabled = attributes.as_ref().and_then(|a| a.enabled);
        let stamp = secs_i64(now);
        let explicit = version.filter(|v| !v.is_empty());
        let target = match explicit {
            None => record.versions.last_mut(),
            Some(v) => record
                .versions
                .iter_mut()
                .find(|r| r.version.eq_ignore_ascii_case(v)),
        };
        // Recorded (7.2): PATCH of a version answers that version, without `policy`.
        let mut changed = None;
        match (target, record.unissued.as_mut()) {
            (Some(v), _) => {
                for attrs in [
                    &mut v.bundle.attributes,
                    &mut v.key.attributes,
                    &mut v.secret.attributes,
                ] {
                    let a = attrs.get_or_insert_with(Default::default);
                    if let Some(e) = enabled {
                        a.enabled = Some(e);
                    }
                    a.updated = Some(stamp);
                }
                if let Some(t) = &tags {
                    let t = (!t.0.is_empty()).then(|| t.clone());
                    v.bundle.tags = t.clone();
                    v.key.tags = t.clone();
                    v.secret.tags = t;
                }
                // Recorded (.NET 7.3 and 7.4, JS 7.3): with its `pending` link, unlike a GET.
                if explicit.is_some() {
                    changed = Some(v.bundle.clone());
                }
            }
            // No version yet: the object the create made changes, its `updated` kept (recorded,
            // JS 7.4-preview.1); the tags and `enabled` also go to the version its operation
            // makes. Named by its version too: the .NET SDK patches the id it read.
            (None, Some(unissued))
                if explicit.is_none_or(|v| unissued.version.eq_ignore_ascii_case(v)) =>
            {
                if let Some(e) = enabled {
                    unissued.enabled = e;
                }
                if let Some(t) = &tags {
                    unissued.tags = (!t.0.is_empty()).then(|| t.clone());
                }
                if let Some(p) = record.pending.as_mut() {
                    if tags.is_some() {
                        p.request.tags = tags.clone();
                    }
                    if let Some(e) = enabled {
                        p.request
                            .attributes
                            .get_or_insert_with(Default::default)
                            .enabled = Some(e);
                    }
                }
            }
            (None, _) => return Err(super::not_found(name, version)),
        }
        if let Some(patch) = policy {
            apply_policy_patch(record, &vault_url, patch, now)?;
        }
        let bundle = match changed {
            Some(bundle) => bundle,
            None => {
                let mut bundle = current_bundle(record, &vault, now).ok_or_else(not_found)?;
                if explicit.is_some() {
                    bundle.policy = None; // a PATCH of a version has no `policy` (recorded)
                }
                bundle
            }
        };
        self.reschedule(name);
        Ok(bundle)
    }
}

/// Merges `patch` into the record's policy, validates it as a create would, and stores it.
fn apply_policy_patch(
    record: &mut CertificateRecord,
    vault_url: &str,
    patch: wire::CertificatePolicy,
    now: UnixTime,
) -> Result<(), Error> {
    let merged = merge_policy(policy_as_request(&record.policy), patch);
    let plan = IssuancePlan::new(
        &record.name,
        &wire::CertificateCreateParameters {
            policy: Some(merged),
            ..Default::default()
        },
    )?;
    let created = record.policy.attributes.as_ref().and_then(|a| a.created);
    let mut policy = plan.stored_policy();
    policy.id = Some(format!("{vault_url}/certificates/{}/policy", record.name));
    policy.attributes = Some(wire::CertificateAttributes {
        enabled: Some(plan.policy_enabled()),
        created: created.or(Some(secs_i64(now))),
        updated: Some(secs_i64(now)),
        ..Default::default()
    });
    record.policy = policy;
    Ok(())
}

/// `base` with every field `patch` sends (see the module docs).
fn merge_policy(
    base: wire::CertificatePolicy,
    patch: wire::CertificatePolicy,
) -> wire::CertificatePolicy {
    let wire::CertificatePolicy {
        id: _, // read-only
        key_props,
        secret_props,
        x509_props,
        lifetime_actions,
        issuer,
        attributes,
    } = patch;
    let mut out = base;
    if let Some(p) = key_props {
        let k = out.key_props.get_or_insert_with(Default::default);
        let wire::KeyProperties {
            exportable,
            kty,
            key_size,
            reuse_key,
            crv,
        } = p;
        // A new curve or key type without a size: the stored size was the old key's (an EC
        // policy stores the curve's size), so it goes, and is derived again from what is sent.
        let kty_changed = kty.is_some() && kty != k.kty;
        let crv_changed = crv.is_some() && crv != k.crv;
        if key_size.is_none() && (kty_changed || crv_changed) {
            k.key_size = None;
        }
        if crv.is_none() && kty_changed {
            k.crv = None;
        }
        merge(&mut k.exportable, exportable);
        merge(&mut k.kty, kty);
        merge(&mut k.key_size, key_size);
        merge(&mut k.reuse_key, reuse_key);
        merge(&mut k.crv, crv);
    }
    if let Some(p) = secret_props {
        let s = out.secret_props.get_or_insert_with(Default::default);
        let wire::SecretProperties { content_type } = p;
        merge(&mut s.content_type, content_type);
    }
    if let Some(p) = x509_props {
        let x = out.x509_props.get_or_insert_with(Default::default);
        let wire::X509CertificateProperties {
            subject,
            sans,
            ekus,
            key_usage,
            validity_months,
            basic_constraints: _, // always {"ca": false}
        } = p;
        merge(&mut x.subject, subject);
        if let Some(sans) = sans {
            let s = x.sans.get_or_insert_with(Default::default);
            let wire::SubjectAlternativeNames {
                emails,
                dns_names,
                upns,
                uris,
                ip_addresses,
            } = sans;
            merge(&mut s.emails, emails);
            merge(&mut s.dns_names, dns_names);
            merge(&mut s.upns, upns);
            merge(&mut s.uris, uris);
            merge(&mut s.ip_addresses, ip_addresses);
        }
        merge(&mut x.ekus, ekus);
        merge(&mut x.key_usage, key_usage);
        merge(&mut x.validity_months, validity_months);
    }
    merge(&mut out.lifetime_actions, lifetime_actions);
    if let Some(p) = issuer {
        let i = out.issuer.get_or_insert_with(Default::default);
        let wire::IssuerParameters {
            name,
            cty,
            cert_transparency,
        } = p;
        merge(&mut i.name, name);
        merge(&mut i.cty, cty);
        merge(&mut i.cert_transparency, cert_transparency);
    }
    if let Some(p) = attributes {
        let a = out.attributes.get_or_insert_with(Default::default);
        merge(&mut a.enabled, p.enabled);
    }
    out
}

fn merge<T>(into: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *into = value;
    }
}
