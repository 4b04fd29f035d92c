//! What goes into a certificate and its request, in X.509 terms: the input of
//! [`csr::build`](super::csr::build) and [`certificate::self_signed`](super::certificate::self_signed).

use const_oid::ObjectIdentifier;

use super::key_usage::KeyUsages;
use super::name::DistinguishedName;
use super::san::SubjectAltNames;

/// The subject, the extensions' contents and the validity of a certificate, borrowed from
/// whoever decided them (the service layer's [`IssuancePlan::profile`](crate::service::plan::IssuancePlan::profile)).
///
/// The X.509 layer takes only this, so it knows nothing of Key Vault's policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile<'a> {
    /// The subject (empty: no subject, which makes the SAN extension critical).
    pub subject: &'a DistinguishedName,
    /// Subject alternative names, if any.
    pub sans: Option<&'a SubjectAltNames>,
    /// Key usages; empty means no KeyUsage extension.
    pub key_usage: KeyUsages,
    /// Extended key usages, in order; empty means no extension.
    pub ekus: &'a [ObjectIdentifier],
    /// Validity in calendar months from the issuance instant.
    pub validity_months: u32,
}
