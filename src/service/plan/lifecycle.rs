//! The sections that govern the certificate's life: the issuer, the lifetime actions, the
//! `enabled` flags.

use super::{IssuancePlan, bounded};
use crate::service::error::Error;
use crate::service::wire;

/// Which issuer completes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerKind {
    /// `Self` (any case): self-signed, completed at once.
    SelfSigned,
    /// `Unknown` (or no issuer): the owner merges a certificate signed elsewhere.
    Unknown,
    /// An issuer object (a CA provider).
    Named,
}

/// The issuer part of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub(super) name: String,
    pub(super) kind: IssuerKind,
    pub(super) cty: Option<String>,
    pub(super) cert_transparency: Option<bool>,
}

impl Issuer {
    /// The name as sent (echoed verbatim: Go's `self` stays `self`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the name means.
    pub fn kind(&self) -> &IssuerKind {
        &self.kind
    }

    /// `cty`, echoed when sent.
    pub fn cty(&self) -> Option<&str> {
        self.cty.as_deref()
    }

    /// `cert_transparency`, echoed when sent.
    pub fn cert_transparency(&self) -> Option<bool> {
        self.cert_transparency
    }
}

/// When a lifetime action runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trigger {
    /// At this percentage of the lifetime (1–99).
    LifetimePercentage(u8),
    /// This many days before expiry (1 … validity_months × 27).
    DaysBeforeExpiry(u32),
}

/// What a lifetime action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActionType {
    /// Renew the certificate.
    AutoRenew,
    /// E-mail the vault's certificate contacts.
    EmailContacts,
}

impl ActionType {
    /// The wire spelling.
    pub const fn name(self) -> &'static str {
        match self {
            ActionType::AutoRenew => "AutoRenew",
            ActionType::EmailContacts => "EmailContacts",
        }
    }
}

/// A lifetime action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifetimeAction {
    pub(super) trigger: Trigger,
    pub(super) action: ActionType,
}

impl LifetimeAction {
    /// When.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// What.
    pub fn action(&self) -> ActionType {
        self.action
    }
}

/// The sections create and import read alike: the issuer, the lifetime actions, the policy's
/// and the certificate's `enabled`; [`Lifecycle::of`] also checks the tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Lifecycle {
    pub(super) issuer: Issuer,
    pub(super) lifetime_actions: Vec<LifetimeAction>,
    pub(super) policy_enabled: bool,
    pub(super) enabled: bool,
}

impl Lifecycle {
    pub(super) fn of(
        issuer: Option<&wire::IssuerParameters>,
        lifetime_actions: Option<&[wire::LifetimeAction]>,
        validity_months: u32,
        policy_attributes: Option<&wire::CertificateAttributes>,
        attributes: Option<&wire::CertificateAttributes>,
        tags: Option<&wire::Tags>,
    ) -> Result<Self, Error> {
        let issuer = issuer_of(issuer);
        let lifetime_actions = match lifetime_actions {
            None => vec![LifetimeAction {
                trigger: Trigger::LifetimePercentage(80),
                // Self (and CA issuers) renew at 80 %; Unknown can only e-mail the contacts.
                action: if issuer.kind == IssuerKind::Unknown {
                    ActionType::EmailContacts
                } else {
                    ActionType::AutoRenew
                },
            }],
            Some(list) => lifetime_actions_of(list, validity_months)?,
        };
        let policy_enabled = policy_attributes.and_then(|a| a.enabled).unwrap_or(true);
        // nbf/exp sent with create are ignored by the service (Java 7.0 fixture).
        let enabled = attributes.and_then(|a| a.enabled).unwrap_or(true);
        if let Some(t) = tags {
            IssuancePlan::check_tags(t)?;
        }
        Ok(Lifecycle {
            issuer,
            lifetime_actions,
            policy_enabled,
            enabled,
        })
    }
}

pub(super) fn issuer_of(issuer: Option<&wire::IssuerParameters>) -> Issuer {
    let default = wire::IssuerParameters::default();
    let wire::IssuerParameters {
        name,
        cty,
        cert_transparency,
    } = issuer.unwrap_or(&default);
    // "If the issuer name is not specified it is set to 'Unknown'" (create-certificate docs);
    // the reserved names match in any case (Go sent "self" and got a self-signed certificate).
    let name = name.clone().unwrap_or_else(|| "Unknown".to_owned());
    let kind = if name.eq_ignore_ascii_case("Self") {
        IssuerKind::SelfSigned
    } else if name.eq_ignore_ascii_case("Unknown") {
        IssuerKind::Unknown
    } else {
        IssuerKind::Named
    };
    Issuer {
        name,
        kind,
        cty: cty.clone(),
        cert_transparency: *cert_transparency,
    }
}

pub(super) fn lifetime_actions_of(
    list: &[wire::LifetimeAction],
    validity_months: u32,
) -> Result<Vec<LifetimeAction>, Error> {
    const P: &str = "policy.lifetime_actions";
    if list.len() > 1 {
        return Err(Error::TooManyLifetimeActions);
    }
    let mut out = Vec::with_capacity(list.len());
    for wire::LifetimeAction { trigger, action } in list {
        let default_trigger = wire::Trigger::default();
        let wire::Trigger {
            lifetime_percentage,
            days_before_expiry,
        } = trigger.as_ref().unwrap_or(&default_trigger);
        let trigger = match (lifetime_percentage, days_before_expiry) {
            (Some(p), None) => Trigger::LifetimePercentage(
                u8::try_from(*p)
                    .ok()
                    .filter(|p| (1..=99).contains(p))
                    .ok_or_else(|| {
                        Error::property(P, "lifetime_percentage must be between 1 and 99")
                    })?,
            ),
            (None, Some(d)) => {
                let max = validity_months * 27;
                Trigger::DaysBeforeExpiry(
                    u32::try_from(*d)
                        .ok()
                        .filter(|d| (1..=max).contains(d))
                        .ok_or_else(|| {
                            Error::property(
                                P,
                                format!("days_before_expiry must be between 1 and {max}"),
                            )
                        })?,
                )
            }
            _ => {
                return Err(Error::property(
                    P,
                    "A trigger needs exactly one of lifetime_percentage and days_before_expiry",
                ));
            }
        };
        let action = match action.as_ref().and_then(|a| a.action_type.as_deref()) {
            Some(a) if a.eq_ignore_ascii_case("AutoRenew") => ActionType::AutoRenew,
            Some(a) if a.eq_ignore_ascii_case("EmailContacts") => ActionType::EmailContacts,
            Some(a) => {
                return Err(Error::property(
                    P,
                    format!("Unknown action_type {}", bounded(a)),
                ));
            }
            None => return Err(Error::property(P, "An action needs an action_type")),
        };
        out.push(LifetimeAction { trigger, action });
    }
    Ok(out)
}
