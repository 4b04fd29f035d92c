//! The validated plan: a wire request, checked once, defaults filled as the service fills them.
//!
//! [`IssuancePlan::new`] is the only place that reads a [`wire::CertificateCreateParameters`];
//! every later step takes the plan. The wire structs are destructured without `..` so that a
//! field added to the wire model cannot be silently ignored here.
//!
//! # What is refused
//!
//! Every refusal is HTTP 400 with code `BadParameter`. Where the real service's text is known
//! it is used byte for byte; elsewhere the message follows its style,
//! `Property {path} has invalid value. {detail}\r\n`. Checks run in this order (the service
//! checks the URI name before the body, and the subject before other properties).
//! `tests/data/refusals.json` has a case for each row.
//!
//! | rule | message | source |
//! |---|---|---|
//! | name is 1–127 of `0-9a-zA-Z-` | `The request URI contains an invalid name: {name}` | recorded; docs (127) |
//! | body at most [`MAX_BODY_LEN`] bytes, JSON, right types, no duplicate key, no array for an object, nesting ≤ 128 | `The request body is not valid: {detail}` | kvcert |
//! | a policy is present | `Property policy has invalid value. A policy is required …` | docs: first create needs a policy |
//! | subject is an RFC 4514 name: no empty RDN, `key=value`, known keyword or dotted OID, valid escapes and `#hex`, no empty value, distinct types in a `+` RDN, ≤ [`MAX_SUBJECT_LEN`](crate::x509::name::MAX_SUBJECT_LEN) bytes and ≤ [`MAX_SUBJECT_ATTRIBUTES`](crate::x509::name::MAX_SUBJECT_ATTRIBUTES) attributes | `Property policy.x509_props has invalid value. Invalid X.500 distinguished name\r\n` | recorded |
//! | `kty` is RSA, RSA-HSM, EC, EC-HSM (not `oct`, `oct-HSM`, nor unknown) | `policy.key_props` | spec |
//! | RSA `key_size` 2048, 3072, 4096; no `crv` with RSA | `… Unsupported key size (N). Supported sizes are [2048, 3072, 4096]` | docs; wording as reported for EC |
//! | EC `crv` P-256, P-384, P-521, P-256K; `key_size` (if given) matches it; without `crv`, `key_size` 256/384/521 | `policy.key_props` | spec; kvcert |
//! | `contentType` is `application/x-pkcs12` or `application/x-pem-file` | `policy.secret_props` | spec |
//! | SANs: at most [`MAX_SANS`] in all; each value valid for its kind (see [`crate::x509::san`]) | `policy.x509_props.sans` | RFC 5280 §4.2.1.6 |
//! | subject or at least one SAN | `policy.x509_props` | SDKs (.NET, Python, JS) |
//! | `ekus` are OIDs, at most [`MAX_EKUS`] | `policy.x509_props.ekus` | spec |
//! | `key_usage` names the nine usages (any case) | `policy.x509_props.key_usage` | spec |
//! | `validity_months` 1 … [`MAX_VALIDITY_MONTHS`] | `policy.x509_props.validity_months` | swagger minimum 0; kvcert refuses 0 |
//! | at most one lifetime action | `At most one action is allowed` | reported (azure-sdk-for-net #15633) |
//! | a trigger has exactly one of `lifetime_percentage` (1–99) and `days_before_expiry` (1 … months × 27) | `policy.lifetime_actions` | swagger; description |
//! | `action_type` is `AutoRenew` or `EmailContacts` | `policy.lifetime_actions` | swagger (closed enum) |
//! | at most [`MAX_TAGS`] tags | `Property  has invalid value\r\n` | reported (aztfmod #813) |
//!
//! Kept, as the service keeps them: duplicate SANs and EKUs, lower-case attribute keys (`cn=`),
//! empty objects (`"key_props": {}`), explicit empty lists (`"ekus": []`), unknown properties.
//! Ignored, as the service ignores them: `attributes.nbf`/`exp`, `basic_constraints`, `policy.id`.
//!
//! # Bounds
//!
//! Hostile sizes are refused before any work: the body size first (a 10 MB body costs nothing),
//! then each list and string against its bound above. Key sizes come from a closed set, so no
//! input makes key generation run longer or allocate more than the largest key needs.

use const_oid::ObjectIdentifier;

use crate::service::error::Error;
use crate::service::wire;
use crate::x509::Profile;
use crate::x509::key_usage::KeyUsages;
use crate::x509::name::DistinguishedName;
use crate::x509::san::SubjectAltNames;

mod import;
mod key;
mod lifecycle;
mod name;
mod stored;
mod x509_props;

pub use key::{ContentType, KeyPlan};
use key::{content_type, default_key_usage, key_plan};
use lifecycle::Lifecycle;
pub use lifecycle::{ActionType, Issuer, IssuerKind, LifetimeAction, Trigger};
pub use name::CertificateName;
use x509_props::{X509Sections, extended_key_usages, key_usages, subject_alt_names};

/// The longest certificate name (Key Vault object names are 1–127 characters).
pub const MAX_NAME_LEN: usize = 127;
/// The longest accepted validity, in months (100 years; a project bound, see the crate docs).
pub const MAX_VALIDITY_MONTHS: u32 = 1200;
/// Most subject alternative names of all kinds together.
pub const MAX_SANS: usize = 256;
/// Most extended key usages.
pub const MAX_EKUS: usize = 64;
/// Most tags on a certificate (the service refuses more than 15).
pub const MAX_TAGS: usize = 15;

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// A Create Certificate request, validated, with the service's defaults filled in.
///
/// ```
/// use kvcert::service::plan::IssuancePlan;
/// use kvcert::{KeySpec, RsaSize};
/// let body = br#"{"policy":{"issuer":{"name":"self"},"x509_props":{"subject":"CN=DefaultPolicy"}}}"#;
/// let plan = IssuancePlan::from_json("cert1", body).unwrap();
/// assert_eq!(plan.key().spec(), KeySpec::Rsa(RsaSize::Rsa2048));
/// assert_eq!(plan.validity_months(), 12);
/// assert_eq!(plan.key_usage().sorted_names(), ["digitalSignature", "keyEncipherment"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuancePlan {
    /// The certificate name.
    name: CertificateName,
    /// Key type, size and flags.
    key: KeyPlan,
    /// The secret's content type.
    content_type: ContentType,
    /// The X.509 sections (from the request on create, from the certificate on import).
    x509: X509Sections,
    /// Issuer, lifetime actions and the enabled flags.
    lifecycle: Lifecycle,
    /// Tags as sent.
    tags: Option<wire::Tags>,
    /// `preserveCertOrder` as sent.
    preserve_cert_order: Option<bool>,
}

impl IssuancePlan {
    /// The certificate name.
    pub fn name(&self) -> &CertificateName {
        &self.name
    }

    /// Key type, size and flags.
    pub fn key(&self) -> &KeyPlan {
        &self.key
    }

    /// The secret's content type.
    pub fn content_type(&self) -> ContentType {
        self.content_type
    }

    /// The subject string as sent (echoed byte for byte), if any.
    pub fn subject_text(&self) -> Option<&str> {
        self.x509.subject_text.as_deref()
    }

    /// The parsed subject (empty when absent).
    pub fn subject(&self) -> &DistinguishedName {
        &self.x509.subject
    }

    /// Subject alternative names, when the request had `sans` (even `{}`).
    pub fn sans(&self) -> Option<&SubjectAltNames> {
        self.x509.sans.as_ref()
    }

    /// Extended key usages in request order; empty means no EKU extension.
    pub fn ekus(&self) -> &[ObjectIdentifier] {
        &self.x509.ekus
    }

    /// Key usages; empty means no KeyUsage extension.
    pub fn key_usage(&self) -> KeyUsages {
        self.x509.key_usage
    }

    /// Validity in calendar months.
    pub fn validity_months(&self) -> u32 {
        self.x509.validity_months
    }

    /// Lifetime actions (zero or one).
    pub fn lifetime_actions(&self) -> &[LifetimeAction] {
        &self.lifecycle.lifetime_actions
    }

    /// The issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.lifecycle.issuer
    }

    /// `policy.attributes.enabled`.
    pub fn policy_enabled(&self) -> bool {
        self.lifecycle.policy_enabled
    }

    /// The certificate's `attributes.enabled`.
    pub fn enabled(&self) -> bool {
        self.lifecycle.enabled
    }

    /// Tags as sent.
    pub fn tags(&self) -> Option<&wire::Tags> {
        self.tags.as_ref()
    }

    /// `preserveCertOrder` as sent.
    pub fn preserve_cert_order(&self) -> Option<bool> {
        self.preserve_cert_order
    }
}

/// The largest request body [`IssuancePlan::from_json`] reads.
pub const MAX_BODY_LEN: usize = 128 * 1024;

impl IssuancePlan {
    /// What the certificate and its request carry, for the X.509 layer.
    pub fn profile(&self) -> Profile<'_> {
        Profile {
            subject: &self.x509.subject,
            sans: self.x509.sans.as_ref(),
            key_usage: self.x509.key_usage,
            ekus: &self.x509.ekus,
            validity_months: self.x509.validity_months,
        }
    }

    /// The tag rule of every request that carries tags: at most 15.
    pub(crate) fn check_tags(tags: &wire::Tags) -> Result<(), Error> {
        if tags.0.len() > MAX_TAGS {
            // Reported text, with the two spaces (aztfmod/terraform-azurerm-caf #813).
            return Err(Error::TooManyTags);
        }
        Ok(())
    }

    /// Parses a request body and validates it ([`IssuancePlan::new`]).
    pub fn from_json(name: &str, body: &[u8]) -> Result<Self, Error> {
        // The name is part of the URI: the service checks it before reading the body.
        CertificateName::try_from(name)?;
        let request: wire::CertificateCreateParameters =
            crate::service::shape::parse_request(body, MAX_BODY_LEN)?;
        IssuancePlan::new(name, &request)
    }

    /// Validates a request: every refusal the service makes, every default it fills.
    pub fn new(name: &str, request: &wire::CertificateCreateParameters) -> Result<Self, Error> {
        let name = CertificateName::try_from(name)?;
        let wire::CertificateCreateParameters {
            policy,
            attributes,
            tags,
            preserve_cert_order,
        } = request;
        let policy = policy.as_ref().ok_or(Error::MissingPolicy)?;
        let wire::CertificatePolicy {
            id: _, // read-only; the service ignores it on input
            key_props,
            secret_props,
            x509_props,
            lifetime_actions,
            issuer,
            attributes: policy_attributes,
        } = policy;

        let default_x509 = wire::X509CertificateProperties::default();
        let wire::X509CertificateProperties {
            subject,
            sans,
            ekus,
            key_usage,
            validity_months,
            basic_constraints: _, // the service always stores {"ca": false}
        } = x509_props.as_ref().unwrap_or(&default_x509);

        // The service validates the subject first: the recorded request with a bad subject,
        // a bad key_usage and a bad issuer got the X.500 error.
        let subject_dn: DistinguishedName = match subject {
            Some(s) => s.parse()?,
            None => DistinguishedName::default(),
        };

        let key = key_plan(key_props.as_ref())?;
        let content_type = content_type(secret_props.as_ref())?;
        let sans = sans.as_ref().map(subject_alt_names).transpose()?;
        if subject_dn.is_empty() && sans.as_ref().is_none_or(SubjectAltNames::is_empty) {
            return Err(Error::property(
                "policy.x509_props",
                "Either subject or one of the subject alternative names must be set",
            ));
        }
        let ekus = match ekus {
            // Default: serverAuth, clientAuth for RSA and EC.
            None => vec![
                ObjectIdentifier::new_unwrap(SERVER_AUTH),
                ObjectIdentifier::new_unwrap(CLIENT_AUTH),
            ],
            Some(list) => extended_key_usages(list)?,
        };
        let key_usage = match key_usage {
            None => default_key_usage(key.spec),
            Some(list) => key_usages(list)?,
        };
        let validity_months = match validity_months {
            None => 12,
            Some(m) => u32::try_from(*m)
                .ok()
                .filter(|m| (1..=MAX_VALIDITY_MONTHS).contains(m))
                .ok_or_else(|| {
                    Error::property(
                        "policy.x509_props.validity_months",
                        format!("validity_months must be between 1 and {MAX_VALIDITY_MONTHS}"),
                    )
                })?,
        };
        let lifecycle = Lifecycle::of(
            issuer.as_ref(),
            lifetime_actions.as_deref(),
            validity_months,
            policy_attributes.as_ref(),
            attributes.as_ref(),
            tags.as_ref(),
        )?;
        let x509 = X509Sections {
            subject_text: subject.clone(),
            subject: subject_dn,
            sans,
            ekus,
            key_usage,
            validity_months,
        };
        Ok(IssuancePlan {
            name,
            key,
            content_type,
            x509,
            lifecycle,
            tags: tags.clone(),
            preserve_cert_order: *preserve_cert_order,
        })
    }

    /// Whether the certificate is issued at once (issuer `Self`).
    pub fn is_self_signed(&self) -> bool {
        self.lifecycle.issuer.kind == IssuerKind::SelfSigned
    }
}

/// A client string quoted in a message, cut to a sane length.
pub(super) fn bounded(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, KeySpec, RsaSize};

    fn plan(json: &str) -> Result<IssuancePlan, Error> {
        IssuancePlan::from_json("c1", json.as_bytes())
    }

    fn policy(x: &str) -> String {
        format!(r#"{{"policy":{{"issuer":{{"name":"Self"}},{x}}}}}"#)
    }

    #[test]
    fn defaults_for_a_minimal_policy() {
        let p = plan(&policy(r#""x509_props":{"subject":"CN=a"}"#)).unwrap();
        assert_eq!(p.key.spec, KeySpec::Rsa(RsaSize::Rsa2048));
        assert_eq!(p.key.kty, "RSA");
        assert!(p.key.exportable && !p.key.reuse_key);
        assert_eq!(p.content_type, ContentType::Pkcs12);
        assert_eq!(p.validity_months(), 12);
        assert_eq!(
            p.ekus().iter().map(ToString::to_string).collect::<Vec<_>>(),
            [SERVER_AUTH, CLIENT_AUTH]
        );
        assert_eq!(
            p.key_usage().sorted_names(),
            ["digitalSignature", "keyEncipherment"]
        );
        assert_eq!(
            p.lifetime_actions(),
            [LifetimeAction {
                trigger: Trigger::LifetimePercentage(80),
                action: ActionType::AutoRenew
            }]
        );
        assert!(p.sans().is_none());
    }

    #[test]
    fn ec_defaults_and_curves() {
        let p = plan(&policy(
            r#""key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=a"}"#,
        ))
        .unwrap();
        assert_eq!(p.key.spec, KeySpec::Ec(Curve::P384));
        assert_eq!(p.key_usage().sorted_names(), ["digitalSignature"]);
        let p = plan(&policy(
            r#""key_props":{"kty":"EC-HSM","key_size":521},"x509_props":{"subject":"CN=a"}"#,
        ))
        .unwrap();
        assert_eq!(p.key.spec, KeySpec::Ec(Curve::P521));
        assert_eq!(p.key.kty, "EC-HSM");
        let p = plan(&policy(
            r#""key_props":{"crv":"P-256K","key_size":256},"x509_props":{"subject":"CN=a"}"#,
        ))
        .unwrap();
        assert_eq!(p.key.spec, KeySpec::Ec(Curve::P256K));
        assert_eq!(p.key.kty, "EC");
    }

    #[test]
    fn key_usage_normalised_and_unknown_issuer_default_action() {
        let body = r#"{"policy":{"x509_props":{"subject":"CN=a","key_usage":["crlSign","dataEncipherment","digitalSignature","keyEncipherment","keyAgreement","keyCertSign","KEYCERTSIGN"]}}}"#;
        let p = plan(body).unwrap();
        assert_eq!(
            p.key_usage().sorted_names(),
            [
                "cRLSign",
                "dataEncipherment",
                "digitalSignature",
                "keyAgreement",
                "keyCertSign",
                "keyEncipherment"
            ]
        );
        assert_eq!(p.issuer().kind, IssuerKind::Unknown);
        assert_eq!(p.issuer().name, "Unknown");
        assert_eq!(p.lifetime_actions()[0].action, ActionType::EmailContacts);
    }

    #[test]
    fn explicit_empty_lists_are_kept() {
        let p = plan(&policy(
            r#""x509_props":{"subject":"CN=a","ekus":[],"sans":{}},"lifetime_actions":[]"#,
        ))
        .unwrap();
        assert!(p.ekus().is_empty());
        assert!(p.lifetime_actions().is_empty());
        let stored = p.stored_policy();
        let json = serde_json::to_string(&stored).unwrap();
        assert!(json.contains(r#""sans":{},"ekus":[],"#), "{json}");
        assert!(json.contains(r#""lifetime_actions":[]"#), "{json}");
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, &str)] = &[
            (
                r#""key_props":{"kty":"oct"},"x509_props":{"subject":"CN=a"}"#,
                "policy.key_props",
            ),
            (
                r#""key_props":{"kty":"RSA","key_size":1024},"x509_props":{"subject":"CN=a"}"#,
                "policy.key_props",
            ),
            (
                r#""key_props":{"kty":"RSA","crv":"P-256"},"x509_props":{"subject":"CN=a"}"#,
                "policy.key_props",
            ),
            (
                r#""key_props":{"kty":"EC","crv":"P-256","key_size":384},"x509_props":{"subject":"CN=a"}"#,
                "policy.key_props",
            ),
            (
                r#""key_props":{"kty":"EC","crv":"P-192"},"x509_props":{"subject":"CN=a"}"#,
                "policy.key_props",
            ),
            (
                r#""secret_props":{"contentType":"text/plain"},"x509_props":{"subject":"CN=a"}"#,
                "policy.secret_props",
            ),
            (
                r#""x509_props":{"subject":"CN=a","validity_months":0}"#,
                "policy.x509_props.validity_months",
            ),
            (
                r#""x509_props":{"subject":"CN=a","ekus":["serverAuth"]}"#,
                "policy.x509_props.ekus",
            ),
            (
                r#""x509_props":{"subject":"CN=a","key_usage":["invalid"]}"#,
                "policy.x509_props.key_usage",
            ),
            (
                r#""x509_props":{"subject":"CN=a","sans":{"ipAddresses":["1.2.3"]}}"#,
                "policy.x509_props.sans",
            ),
            (r#""x509_props":{"sans":{}}"#, "policy.x509_props"),
            (
                r#""x509_props":{"subject":"CN=a"},"lifetime_actions":[{"trigger":{"lifetime_percentage":100},"action":{"action_type":"AutoRenew"}}]"#,
                "policy.lifetime_actions",
            ),
            (
                r#""x509_props":{"subject":"CN=a","validity_months":2},"lifetime_actions":[{"trigger":{"days_before_expiry":55},"action":{"action_type":"AutoRenew"}}]"#,
                "policy.lifetime_actions",
            ),
            (
                r#""x509_props":{"subject":"CN=a"},"lifetime_actions":[{"trigger":{"lifetime_percentage":50},"action":{"action_type":"Nothing"}}]"#,
                "policy.lifetime_actions",
            ),
        ];
        for (body, property) in cases {
            match plan(&policy(body)) {
                Err(Error::InvalidProperty { property: p, .. }) => {
                    assert_eq!(p, *property, "{body}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        let two = r#""x509_props":{"subject":"CN=a"},"lifetime_actions":[{"trigger":{"lifetime_percentage":50},"action":{"action_type":"AutoRenew"}},{"trigger":{"lifetime_percentage":60},"action":{"action_type":"AutoRenew"}}]"#;
        assert_eq!(
            plan(&policy(two)).unwrap_err().message(),
            "At most one action is allowed"
        );
    }

    #[test]
    fn invalid_subject_wins_over_other_errors() {
        // The recorded .NET request: bad subject, bad key_usage, bad issuer.
        let body = r#"{"policy":{"x509_props":{"subject":"Self","key_usage":["invalid"]},"issuer":{"name":"invalid"}}}"#;
        assert_eq!(
            plan(body).unwrap_err().message(),
            "Property policy.x509_props has invalid value. Invalid X.500 distinguished name\r\n"
        );
    }

    #[test]
    fn names() {
        assert!(CertificateName::try_from("a-B-9").is_ok());
        for bad in ["", "a_b", "a.b", "a b", "é", &"a".repeat(128)] {
            assert!(
                matches!(
                    CertificateName::try_from(bad),
                    Err(Error::InvalidName { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(CertificateName::try_from("a".repeat(127).as_str()).is_ok());
    }

    #[test]
    fn malformed_json() {
        for body in [
            "",
            "{",
            "[]",
            r#"{"policy":1}"#,
            r#"{"policy":{"key_props":{"key_size":"big"}}}"#,
            r#"{"policy":{},"policy":{}}"#,
            r#"{"tags":{"a":"1","a":"2"}}"#,
            r#"{"tags":{"a":1}}"#,
        ] {
            assert!(
                matches!(plan(body), Err(Error::MalformedRequest { .. })),
                "{body}"
            );
        }
        assert!(matches!(plan("{}"), Err(Error::MissingPolicy)));
    }
}
