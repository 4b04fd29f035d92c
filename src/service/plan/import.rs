//! The plan of Import Certificate: the request's own sections, the certificate's X.509 ones.

use super::key::{content_type, key_plan};
use super::lifecycle::Lifecycle;
use super::x509_props::X509Sections;
use super::{IssuancePlan, MAX_VALIDITY_MONTHS, name::CertificateName};
use crate::key::KeySpec;
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::key_usage::KeyUsages;
use crate::x509::name::DistinguishedName;

impl IssuancePlan {
    /// The plan of Import Certificate: the request's key, secret, issuer, lifetime and
    /// attribute sections, checked by the same rules as on create, for a certificate that
    /// already exists. What the X.509 sections would say comes from the certificate instead:
    /// `key_props` must describe `key_spec` (the uploaded key), and the key usages and
    /// validity are the certificate's. The plan has no subject of its own (the stored policy's
    /// `x509_props` are the certificate's).
    pub(crate) fn for_import(
        name: &str,
        request: &wire::CertificateImportParameters,
        key_props: &wire::KeyProperties,
        key_spec: KeySpec,
        key_usage: KeyUsages,
        validity_months: u32,
    ) -> Result<Self, Error> {
        let name = CertificateName::try_from(name)?;
        let wire::CertificateImportParameters {
            value: _, // read by the import itself
            pwd: _,
            policy,
            attributes,
            tags,
            preserve_cert_order,
        } = request;
        let default_policy = wire::CertificatePolicy::default();
        let wire::CertificatePolicy {
            id: _,         // read-only; the service ignores it on input
            key_props: _,  // `key_props`, completed from the key by the caller
            secret_props,  // checked by the caller first (it picks the value's format)
            x509_props: _, // the certificate's
            lifetime_actions,
            issuer,
            attributes: policy_attributes,
        } = policy.as_ref().unwrap_or(&default_policy);
        let key = key_plan(Some(key_props))?;
        let content_type = content_type(secret_props.as_ref())?;
        let validity_months = validity_months.clamp(1, MAX_VALIDITY_MONTHS);
        let lifecycle = Lifecycle::of(
            issuer.as_ref(),
            lifetime_actions.as_deref(),
            validity_months,
            policy_attributes.as_ref(),
            attributes.as_ref(),
            tags.as_ref(),
        )?;
        // Last, as when this was checked after the whole policy had been read.
        if key.spec != key_spec {
            return Err(Error::property(
                "policy.key_props",
                "The key type does not match the certificate's key",
            ));
        }
        // No subject, SANs or EKUs of its own: the stored policy's are the certificate's.
        let x509 = X509Sections {
            subject_text: None,
            subject: DistinguishedName::default(),
            sans: None,
            ekus: Vec::new(),
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
}
