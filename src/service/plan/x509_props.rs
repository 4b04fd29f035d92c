//! The policy's `x509_props`: subject alternative names, key usages, extended key usages.

use const_oid::ObjectIdentifier;

use super::{MAX_EKUS, MAX_SANS, bounded};
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::key_usage::{KeyUsage, KeyUsages};
use crate::x509::name::DistinguishedName;
use crate::x509::san::{self, Present, SubjectAltNames};

/// What the certificate carries, in X.509 terms: the plan's input to [`IssuancePlan::profile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct X509Sections {
    /// The subject string as sent (echoed byte for byte), if any.
    pub(super) subject_text: Option<String>,
    /// The parsed subject (empty when absent).
    pub(super) subject: DistinguishedName,
    /// Subject alternative names, when the request had `sans` (even `{}`).
    pub(super) sans: Option<SubjectAltNames>,
    /// Extended key usages in request order; empty means no EKU extension.
    pub(super) ekus: Vec<ObjectIdentifier>,
    /// Key usages; empty means no KeyUsage extension.
    pub(super) key_usage: KeyUsages,
    /// Validity in calendar months.
    pub(super) validity_months: u32,
}

pub(super) fn key_usages(list: &[String]) -> Result<KeyUsages, Error> {
    let mut k = KeyUsages::EMPTY;
    for name in list {
        let u = KeyUsage::from_name(name).ok_or_else(|| {
            Error::property(
                "policy.x509_props.key_usage",
                format!("Unknown key usage {}", bounded(name)),
            )
        })?;
        k.insert(u);
    }
    Ok(k)
}

pub(super) fn extended_key_usages(list: &[String]) -> Result<Vec<ObjectIdentifier>, Error> {
    const P: &str = "policy.x509_props.ekus";
    if list.len() > MAX_EKUS {
        return Err(Error::property(
            P,
            format!("At most {MAX_EKUS} ekus are allowed"),
        ));
    }
    list.iter()
        .map(|s| {
            ObjectIdentifier::new(s)
                .map_err(|_| Error::property(P, format!("{} is not an OID", bounded(s))))
        })
        .collect()
}

pub(super) fn subject_alt_names(
    sans: &wire::SubjectAlternativeNames,
) -> Result<SubjectAltNames, Error> {
    const P: &str = "policy.x509_props.sans";
    let wire::SubjectAlternativeNames {
        emails,
        dns_names,
        upns,
        uris,
        ip_addresses,
    } = sans;
    let total: usize = [emails, dns_names, upns, uris, ip_addresses]
        .iter()
        .map(|l| l.as_ref().map_or(0, Vec::len))
        .sum();
    if total > MAX_SANS {
        return Err(Error::property(
            P,
            format!("At most {MAX_SANS} names are allowed"),
        ));
    }
    fn checked(
        field: &str,
        list: &Option<Vec<String>>,
        check: fn(&str) -> Result<(), san::SanError>,
    ) -> Result<Vec<String>, Error> {
        let list = list.clone().unwrap_or_default();
        for v in &list {
            check(v)
                .map_err(|e| Error::property(P, format!("{field} entry {} {e}", bounded(v))))?;
        }
        Ok(list)
    }
    let mut ips = Vec::new();
    for text in ip_addresses.iter().flatten() {
        let ip = san::ip_address(text)
            .map_err(|e| Error::property(P, format!("ipAddresses entry {} {e}", bounded(text))))?;
        ips.push((ip, text.clone()));
    }
    Ok(SubjectAltNames {
        dns_names: checked("dns_names", dns_names, san::dns_name)?,
        emails: checked("emails", emails, san::email)?,
        upns: checked("upns", upns, san::upn)?,
        ip_addresses: ips,
        uris: checked("uris", uris, san::uri)?,
        present: Present {
            emails: emails.is_some(),
            dns_names: dns_names.is_some(),
            upns: upns.is_some(),
            uris: uris.is_some(),
            ip_addresses: ip_addresses.is_some(),
        },
    })
}
