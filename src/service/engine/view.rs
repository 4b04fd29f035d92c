//! What an api-version's bodies have: the fields each version lacks are taken out of the
//! typed body before it is written, once, at the edge ([`answer`](super::answer)).
//!
//! The later fields (the swagger of each version; `docs/service-behaviour.md` §2 for
//! `recoverableDays`): `recoverableDays` since 7.1, `preserveCertOrder`
//! since 7.6 (its previews included), `sans.uris` and `sans.ipAddresses` since 2025-06-01
//! (its preview included). The recorded quirks of single versions: the certificate's fields
//! in a `GET` of a version at 7.2 only ([`details`](super::details)); a failed operation's
//! `status_details` since 7.4-preview.1; a secret's `id` before its `value` at 7.6-preview.1
//! and 7.6-preview.2 only. `outContentType` on a secret's `GET` since 2025-06-01-preview
//! ([`convert`](super::convert)).
//!
//! Only the service's own fields are touched: a client's tag named `recoverableDays` is
//! answered at every version (the tags are data, not the envelope).

use crate::service::wire;

/// The api-versions kvcert answers, oldest first (the stable versions of
/// `docs/service-behaviour.md`, and the previews the SDKs send).
pub const API_VERSIONS: &[&str] = &[
    "7.0",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6-preview.1",
    "7.6-preview.2",
    "7.6",
    "2025-06-01-preview",
    "2025-06-01",
    "2025-07-01",
    "2026-01-01-preview",
    "2026-03-01-preview",
    "2026-04-01",
    "2026-05-01-preview",
    "2026-07-01-preview",
];

/// The newest stable version, named in the unrecognised-version message.
pub const LATEST_API_VERSION: &str = "2026-04-01";

/// The fields of one api-version's bodies (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct View {
    recoverable_days: bool,
    preserve_cert_order: bool,
    uri_and_ip_sans: bool,
    /// Recorded: `subject`, `issuer`, `sans`, `serialnumber` in `GET …/{version}` at 7.2 and
    /// at no other version (see [`details`](super::details)).
    pub(super) certificate_details: bool,
    /// A secret's `id` first (recorded at 7.6-preview.1 and 7.6-preview.2 only:
    /// [`wire::SecretBundle::id_first`]).
    pub(super) secret_id_first: bool,
    /// `outContentType` on `GET /secrets/…` (the swagger: 2025-06-01-preview on).
    pub(super) out_content_type: bool,
    /// Recorded (.NET, DigiCert refusing the request): a `failed` operation keeps the
    /// in-progress `status_details` at 7.4-preview.1, 7.5 and 7.6-preview.1, and has none at
    /// 7.0.
    failed_status_details: bool,
}

impl View {
    /// The view of `api_version` (one of [`API_VERSIONS`]).
    pub(super) fn of(api_version: &str) -> View {
        let at = |v: &str| API_VERSIONS.iter().position(|x| *x == v);
        let since = |first: &str| at(api_version) >= at(first);
        View {
            recoverable_days: since("7.1"),
            preserve_cert_order: since("7.6-preview.1"),
            uri_and_ip_sans: since("2025-06-01-preview"),
            certificate_details: api_version == "7.2",
            out_content_type: since("2025-06-01-preview"),
            secret_id_first: matches!(api_version, "7.6-preview.1" | "7.6-preview.2"),
            failed_status_details: since("7.4"),
        }
    }

    pub(super) fn attributes(self, attributes: &mut Option<wire::CertificateAttributes>) {
        if let Some(a) = attributes
            && !self.recoverable_days
        {
            a.recoverable_days = None;
        }
    }

    fn sans(self, sans: &mut Option<wire::SubjectAlternativeNames>) {
        if let Some(s) = sans
            && !self.uri_and_ip_sans
        {
            s.uris = None;
            s.ip_addresses = None;
        }
    }

    pub(super) fn policy(self, policy: &mut wire::CertificatePolicy) {
        self.attributes(&mut policy.attributes);
        if let Some(x509) = &mut policy.x509_props {
            self.sans(&mut x509.sans);
        }
    }

    pub(super) fn bundle(self, bundle: &mut wire::CertificateBundle) {
        self.attributes(&mut bundle.attributes);
        self.sans(&mut bundle.sans);
        if let Some(policy) = &mut bundle.policy {
            self.policy(policy);
        }
        if !self.preserve_cert_order {
            bundle.preserve_cert_order = None;
        }
    }

    pub(super) fn operation(self, operation: &mut wire::CertificateOperation) {
        if !self.preserve_cert_order {
            operation.preserve_cert_order = None;
        }
        if !self.failed_status_details && operation.status.as_deref() == Some("failed") {
            operation.status_details = None;
        }
    }

    pub(super) fn list<T: Listed>(self, list: &mut wire::ListResult<T>) {
        for item in &mut list.value {
            self.attributes(item.attributes_mut());
        }
    }
}

/// A list item with attributes (certificates, secrets, keys).
pub(super) trait Listed {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes>;
}

impl Listed for wire::CertificateItem {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes> {
        &mut self.attributes
    }
}

impl Listed for wire::SecretItem {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes> {
        &mut self.attributes
    }
}

impl Listed for wire::DeletedSecretItem {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes> {
        &mut self.item.attributes
    }
}

impl Listed for wire::DeletedKeyItem {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes> {
        &mut self.item.attributes
    }
}

impl Listed for wire::KeyItem {
    fn attributes_mut(&mut self) -> &mut Option<wire::CertificateAttributes> {
        &mut self.attributes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_has_its_fields() {
        let newest = View::of("2026-04-01");
        assert!(newest.recoverable_days && newest.preserve_cert_order && newest.uri_and_ip_sans);
        assert!(!newest.certificate_details && newest.failed_status_details);
        let v70 = View::of("7.0");
        assert!(!v70.recoverable_days && !v70.preserve_cert_order && !v70.uri_and_ip_sans);
        assert!(!v70.failed_status_details);
        assert!(View::of("7.2").certificate_details);
        assert!(View::of("7.6-preview.1").preserve_cert_order);
        assert!(!View::of("7.5").preserve_cert_order);
        assert!(View::of("2025-06-01-preview").uri_and_ip_sans);
        assert!(
            View::of("2025-06-01-preview").out_content_type && !View::of("7.6").out_content_type
        );
        assert!(View::of("7.6-preview.2").secret_id_first && !View::of("7.6").secret_id_first);
        assert!(View::of("7.4").failed_status_details);
    }

    #[test]
    fn a_tag_named_as_a_field_is_kept() {
        let mut bundle = wire::CertificateBundle {
            attributes: Some(wire::CertificateAttributes {
                recoverable_days: Some(90),
                ..Default::default()
            }),
            tags: Some(wire::Tags(vec![("recoverableDays".into(), "7".into())])),
            preserve_cert_order: Some(true),
            ..Default::default()
        };
        View::of("7.0").bundle(&mut bundle);
        assert_eq!(bundle.attributes.and_then(|a| a.recoverable_days), None);
        assert_eq!(bundle.preserve_cert_order, None);
        assert_eq!(
            bundle.tags,
            Some(wire::Tags(vec![("recoverableDays".into(), "7".into())]))
        );
    }
}
