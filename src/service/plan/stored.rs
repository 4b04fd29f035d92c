//! The plan as the policy the service stores and echoes (plan → wire).

use super::{IssuancePlan, Trigger};
use crate::key::KeySpec;
use crate::service::wire;

impl IssuancePlan {
    /// The policy as the service stores and echoes it: defaults filled, key usages sorted,
    /// subject verbatim, `basic_constraints {"ca": false}`. `id` and `attributes` times are
    /// set by the caller.
    pub fn stored_policy(&self) -> wire::CertificatePolicy {
        let key_props = wire::KeyProperties {
            exportable: Some(self.key.exportable),
            kty: Some(self.key.kty.to_owned()),
            key_size: Some(i64::from(self.key.spec.bits())),
            reuse_key: Some(self.key.reuse_key),
            crv: match self.key.spec {
                KeySpec::Ec(c) => Some(c.name().to_owned()),
                KeySpec::Rsa(_) => None,
            },
        };
        let sans = self.x509.sans.as_ref().map(|s| {
            let list = |present: bool, v: Vec<String>| present.then_some(v);
            wire::SubjectAlternativeNames {
                emails: list(s.present.emails, s.emails.clone()),
                dns_names: list(s.present.dns_names, s.dns_names.clone()),
                upns: list(s.present.upns, s.upns.clone()),
                uris: list(s.present.uris, s.uris.clone()),
                ip_addresses: list(
                    s.present.ip_addresses,
                    s.ip_addresses.iter().map(|(_, t)| t.clone()).collect(),
                ),
            }
        });
        wire::CertificatePolicy {
            id: None,
            key_props: Some(key_props),
            secret_props: Some(wire::SecretProperties {
                content_type: Some(self.content_type.mime().to_owned()),
            }),
            x509_props: Some(wire::X509CertificateProperties {
                subject: self.x509.subject_text.clone(),
                sans,
                ekus: Some(self.x509.ekus.iter().map(ToString::to_string).collect()),
                key_usage: Some(
                    self.x509
                        .key_usage
                        .sorted_names()
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                ),
                validity_months: Some(i64::from(self.x509.validity_months)),
                basic_constraints: Some(wire::BasicConstraints { ca: false }),
            }),
            lifetime_actions: Some(
                self.lifecycle
                    .lifetime_actions
                    .iter()
                    .map(|a| wire::LifetimeAction {
                        trigger: Some(match a.trigger {
                            Trigger::LifetimePercentage(p) => wire::Trigger {
                                lifetime_percentage: Some(i64::from(p)),
                                days_before_expiry: None,
                            },
                            Trigger::DaysBeforeExpiry(d) => wire::Trigger {
                                lifetime_percentage: None,
                                days_before_expiry: Some(i64::from(d)),
                            },
                        }),
                        action: Some(wire::Action {
                            action_type: Some(a.action.name().to_owned()),
                        }),
                    })
                    .collect(),
            ),
            issuer: Some(wire::IssuerParameters {
                name: Some(self.lifecycle.issuer.name.clone()),
                cty: self.lifecycle.issuer.cty.clone(),
                cert_transparency: self.lifecycle.issuer.cert_transparency,
            }),
            attributes: None,
        }
    }
}
