//! The Key Vault wire model: serde types with the service's exact property names.
//!
//! Nothing here is checked: these types carry what a client sent or what the service answers,
//! spelled as on the wire (`key_props`, `contentType`, `action_type`, `ipAddresses`, …). Field
//! declaration order is the service's output order, so serialising one of these writes the
//! properties in the order the real service does. Every property is optional, as in the swagger
//! for api-versions 7.0 to 2025-07-01; absent properties are not written.
//!
//! Validation happens once, when a [`CertificateCreateParameters`] becomes a
//! [`crate::service::plan::IssuancePlan`].

use core::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The body of `POST {vault}/certificates/{name}/create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateCreateParameters {
    /// The management policy of the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<CertificatePolicy>,
    /// Certificate attributes (`enabled`; `nbf`/`exp` are ignored by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Application tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Whether the chain keeps its original order (api-version 7.6 and later).
    #[serde(
        rename = "preserveCertOrder",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_cert_order: Option<bool>,
}

/// The body of `POST {vault}/certificates/{name}/import`.
///
/// `value` and `pwd` hold the private key and its password: both are wiped on drop and hidden
/// from `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateImportParameters {
    /// The certificate and key: base64 PFX, or PEM text (required by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The PFX password, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd: Option<String>,
    /// The management policy; the service takes `x509_props` from the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<CertificatePolicy>,
    /// Certificate attributes (`enabled`; `nbf`/`exp` come from the certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Application tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Whether the chain keeps its uploaded order (api-version 7.6 and later).
    #[serde(
        rename = "preserveCertOrder",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_cert_order: Option<bool>,
}

impl Drop for CertificateImportParameters {
    /// The value and the password open the private key: wiped when the request goes.
    fn drop(&mut self) {
        for s in [self.value.as_mut(), self.pwd.as_mut()]
            .into_iter()
            .flatten()
        {
            zeroize::Zeroize::zeroize(s);
        }
    }
}

impl fmt::Debug for CertificateImportParameters {
    /// The value and the password are never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateImportParameters")
            .field("value", &self.value.as_ref().map(|_| "<elided>"))
            .field("pwd", &self.pwd.as_ref().map(|_| "<elided>"))
            .field("policy", &self.policy)
            .field("attributes", &self.attributes)
            .field("tags", &self.tags)
            .field("preserve_cert_order", &self.preserve_cert_order)
            .finish()
    }
}

/// `CertificatePolicy`: everything the service needs to make (and renew) a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatePolicy {
    /// `{vault}/certificates/{name}/policy` (read-only; ignored on input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Key properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_props: Option<KeyProperties>,
    /// Secret properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_props: Option<SecretProperties>,
    /// X.509 properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_props: Option<X509CertificateProperties>,
    /// Lifetime actions (at most one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_actions: Option<Vec<LifetimeAction>>,
    /// The issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerParameters>,
    /// Policy attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
}

/// `KeyProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyProperties {
    /// Whether the private key can be exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// Key type: `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct`, `oct-HSM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    /// Key size in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_size: Option<i64>,
    /// Whether the key is kept on renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_key: Option<bool>,
    /// Elliptic curve: `P-256`, `P-384`, `P-521`, `P-256K`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
}

/// `SecretProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretProperties {
    /// `application/x-pkcs12` or `application/x-pem-file`.
    #[serde(
        rename = "contentType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
}

/// `X509CertificateProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct X509CertificateProperties {
    /// The subject as an X.500 distinguished name string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Subject alternative names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sans: Option<SubjectAlternativeNames>,
    /// Extended key usage OIDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ekus: Option<Vec<String>>,
    /// Key usages (`digitalSignature`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<Vec<String>>,
    /// Validity in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<i64>,
    /// Basic constraints: the service always stores `{"ca": false}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_constraints: Option<BasicConstraints>,
}

/// `basic_constraints` (in real responses, in no swagger).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicConstraints {
    /// Whether the certificate is a CA.
    #[serde(default)]
    pub ca: bool,
}

/// `SubjectAlternativeNames`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAlternativeNames {
    /// RFC 822 e-mail addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// DNS names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_names: Option<Vec<String>>,
    /// User principal names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upns: Option<Vec<String>>,
    /// URIs (api-version 2025-06-01 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uris: Option<Vec<String>>,
    /// IPv4 and IPv6 addresses (api-version 2025-06-01 and later).
    #[serde(
        rename = "ipAddresses",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_addresses: Option<Vec<String>>,
}

/// `IssuerParameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerParameters {
    /// `Self`, `Unknown`, or the name of an issuer object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Certificate type for a CA issuer (`OV-SSL`, `EV-SSL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
    /// Whether the certificate is logged to certificate transparency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_transparency: Option<bool>,
}

/// `LifetimeAction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeAction {
    /// When the action runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// What runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

/// `Trigger`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Percentage of the lifetime (1–99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_percentage: Option<i64>,
    /// Days before expiry (1 … validity_months × 27).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_before_expiry: Option<i64>,
}

/// `Action`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// `EmailContacts` or `AutoRenew`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
}

/// `CertificateAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateAttributes {
    /// Whether the object is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Not before, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expiry, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Creation time, Unix seconds (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// Last update time, Unix seconds (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
    /// The vault's deletion recovery level (read-only).
    #[serde(
        rename = "recoveryLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_level: Option<String>,
    /// Soft-delete retention in days (read-only; api-version 7.1 and later).
    #[serde(
        rename = "recoverableDays",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recoverable_days: Option<i64>,
    /// Whether a key's private part may be exported (keys only; recorded `false` for every
    /// software key since 2022).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// The HSM platform of a key (keys only; the service writes `"0"` since 2024).
    #[serde(
        rename = "hsmPlatform",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hsm_platform: Option<String>,
}

/// `CertificateOperation`: the body of the 202 and of `GET …/pending`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateOperation {
    /// `{vault}/certificates/{name}/pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The issuer, name only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerParameters>,
    /// The PKCS#10 request, base64 DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr: Option<String>,
    /// Whether cancellation was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_requested: Option<bool>,
    /// `inProgress`, `completed`, `failed` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Echo of the request's `preserveCertOrder`, when it carried one.
    #[serde(
        rename = "preserveCertOrder",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_cert_order: Option<bool>,
    /// Human-readable status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_details: Option<String>,
    /// `{vault}/certificates/{name}` once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The failure, when the operation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<KeyVaultErrorDetail>,
    /// 32 lowercase hex characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `DeletedCertificateBundle`: a deleted certificate (`DELETE /certificates/{name}`,
/// `GET /deletedcertificates/{name}`): the recovery fields, then the bundle's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedCertificateBundle {
    /// `{vault}/deletedcertificates/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// When it was deleted, Unix seconds.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// When it will be purged, Unix seconds.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// The certificate as it was.
    #[serde(flatten)]
    pub bundle: CertificateBundle,
}

/// `CertificateItem` (and `DeletedCertificateItem` with its recovery fields): one entry of
/// a certificate list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateItem {
    /// For deleted items: `{vault}/deletedcertificates/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// For deleted items: when it was deleted.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// For deleted items: when it will be purged.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// `{vault}/certificates/{name}` (lists of names) or `…/{name}/{version}` (versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The thumbprint, absent for a certificate that is only pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t: Option<String>,
    /// `enabled`, `nbf`, `exp`, `created`, `updated` (recorded lists carry no recovery level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The tags, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Always `""` in the recorded lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// A page of a list: `{"value": [...], "nextLink": url-or-null}` (`nextLink` is written as
/// `null` on the last page, as recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResult<T> {
    /// The items of this page.
    pub value: Vec<T>,
    /// The next page's URL, `null` on the last page.
    #[serde(rename = "nextLink")]
    pub next_link: Option<String>,
}

impl<T> Default for ListResult<T> {
    fn default() -> Self {
        ListResult {
            value: Vec::new(),
            next_link: None,
        }
    }
}

/// `CertificateListResult` (and `DeletedCertificateListResult`): a page of certificates.
pub type CertificateListResult = ListResult<CertificateItem>;

/// `CertificateUpdateParameters`: the body of `PATCH /certificates/{name}/{version}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateUpdateParameters {
    /// A policy patch (merged as `PATCH …/policy` merges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<CertificatePolicy>,
    /// The version's attributes (`enabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The version's tags (replacing its tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `IssuerBundle`: a certificate issuer (`PUT/GET/PATCH/DELETE /certificates/issuers/{name}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerBundle {
    /// `{vault}/certificates/issuers/{name}` (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provider: `DigiCert`, `GlobalSign`, `OneCertV2-PublicCA`, `OneCertV2-PrivateCA`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The account at the provider (the password is never echoed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<IssuerCredentials>,
    /// The organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_details: Option<OrganizationDetails>,
    /// `enabled`, `created`, `updated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<IssuerAttributes>,
}

/// `IssuerCredentials`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerCredentials {
    /// The user name or account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The password or key (accepted, never answered back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd: Option<zeroize::Zeroizing<String>>,
}

impl core::fmt::Debug for IssuerCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuerCredentials")
            .field("account_id", &self.account_id)
            .field("pwd", &self.pwd.as_ref().map(|_| "<elided>"))
            .finish()
    }
}

/// `OrganizationDetails`: `id`, then the `zip` the service adds (always `0`), then the admins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationDetails {
    /// The organization's id at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Written `0` by the service (recorded), whatever was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<i64>,
    /// The organization's administrators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_details: Option<Vec<AdministratorDetails>>,
}

/// `AdministratorDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdministratorDetails {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `IssuerAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerAttributes {
    /// Whether the issuer is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Unix seconds (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// Unix seconds (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
}

/// An issuer list item: `{id, provider}` (recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerItem {
    /// `{vault}/certificates/issuers/{name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// `CertificateIssuerListResult`: a page of issuers.
pub type IssuerListResult = ListResult<IssuerItem>;

/// `Contacts`: the vault's certificate contacts (`/certificates/contacts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    /// `{vault}/certificates/contacts` (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<Contact>>,
}

/// `Contact`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `CertificateMergeParameters`: the body of `POST …/pending/merge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateMergeParameters {
    /// The certificate or chain: base64 DER (the wire's `format: byte`); kvcert also reads
    /// PEM `CERTIFICATE` blocks and base64 PKCS#7, as the docs accept (required).
    pub x5c: Vec<String>,
    /// The certificate's attributes (`enabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Tags for the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `CertificateOperationUpdateParameter`: the body of `PATCH …/pending`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateOperationUpdateParameter {
    /// Whether to cancel the operation (required).
    pub cancellation_requested: bool,
}

/// `CertificateBundle`: the body of `GET /certificates/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateBundle {
    /// `{vault}/certificates/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `{vault}/keys/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// `{vault}/secrets/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// base64url SHA-1 thumbprint of `cer`, no padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t: Option<String>,
    /// The DER certificate, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cer: Option<String>,
    /// Certificate attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Tags, when the request carried them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// The certificate's subject, e.g. `CN=MyCert`: only in `GET` of a version at
    /// api-version 7.2 (recorded; no other version has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The certificate's issuer, as `subject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate's subject alternative names (`{}` when it has none), as `subject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sans: Option<SubjectAlternativeNames>,
    /// The certificate's serial number, upper-case hex of its DER content octets (a leading
    /// `00` kept), as `subject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serialnumber: Option<String>,
    /// The stored policy, defaults filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<CertificatePolicy>,
    /// `{"id": "{vault}/certificates/{name}/pending"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingReference>,
    /// Echo of the request's `preserveCertOrder`, when it carried one.
    #[serde(
        rename = "preserveCertOrder",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub preserve_cert_order: Option<bool>,
}

/// `SecretBundle`: `GET /secrets/{name}` of a certificate's managed secret.
///
/// Field order as the service writes it since 2024 (`id` first; 2018–2022 responses began
/// with `value`). The value is a [`Zeroizing`](zeroize::Zeroizing) string, wiped when dropped,
/// also after it is taken out of the bundle, and hidden from `Debug`. kvcert cannot wipe what
/// is made from it: a JSON string serialised from the bundle (and serde_json's buffers on the
/// way) is the caller's to wipe.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SecretBundle {
    /// `{vault}/secrets/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The secret: base64 PFX, or PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<zeroize::Zeroizing<String>>,
    /// `application/x-pkcs12` or `application/x-pem-file`.
    #[serde(
        rename = "contentType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
    /// Always `true` for a certificate's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    /// The certificate's attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The certificate's tags, when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// `{vault}/keys/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl fmt::Debug for SecretBundle {
    /// The value holds the private key: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBundle")
            .field("id", &self.id)
            .field("value", &self.value.as_ref().map(|_| "<elided>"))
            .field("content_type", &self.content_type)
            .field("managed", &self.managed)
            .field("attributes", &self.attributes)
            .field("tags", &self.tags)
            .field("kid", &self.kid)
            .finish()
    }
}

impl Serialize for SecretBundle {
    /// In the service's order: `value, contentType, id, managed, attributes, tags, kid`, for a
    /// certificate's secret and a client's alike (recorded 2018–2026: Java 7.0, C++ 7.3, Go
    /// 7.3 to 2026-03-01-preview, JS and .NET 7.5, Python 7.6, JS 2025-07-01). The two 7.6
    /// previews wrote `id` first: [`SecretBundle::id_first`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        InOrder {
            bundle: self,
            id_first: false,
        }
        .serialize(serializer)
    }
}

impl SecretBundle {
    /// The bundle as api-versions 7.6-preview.1 and 7.6-preview.2 wrote it: `id` first, then
    /// the usual order (recorded, May 2024 to March 2025, for a certificate's secret and a
    /// client's alike: .NET, Python and JS; the same .NET test is value-first at 7.5).
    pub fn id_first(&self) -> impl Serialize + '_ {
        InOrder {
            bundle: self,
            id_first: true,
        }
    }
}

/// A secret in one of its two recorded orders.
struct InOrder<'a> {
    bundle: &'a SecretBundle,
    id_first: bool,
}

impl Serialize for InOrder<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let SecretBundle {
            id,
            value,
            content_type,
            managed,
            attributes,
            tags,
            kid,
        } = self.bundle;
        let value = value.as_ref().map(|v| v.as_str());
        if self.id_first {
            IdFirstOrder {
                id,
                value,
                content_type,
                managed,
                attributes,
                tags,
                kid,
            }
            .serialize(serializer)
        } else {
            SecretOrder {
                value,
                content_type,
                id,
                managed,
                attributes,
                tags,
                kid,
            }
            .serialize(serializer)
        }
    }
}

/// A secret in the 7.6 previews' order.
#[derive(Serialize)]
struct IdFirstOrder<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    content_type: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed: &'a Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: &'a Option<CertificateAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: &'a Option<Tags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: &'a Option<String>,
}

/// A secret in the service's order.
#[derive(Serialize)]
struct SecretOrder<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(rename = "contentType", skip_serializing_if = "Option::is_none")]
    content_type: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed: &'a Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: &'a Option<CertificateAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: &'a Option<Tags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: &'a Option<String>,
}

/// `DeletedSecretBundle`: a deleted secret (`DELETE /secrets/{name}`,
/// `GET /deletedsecrets/{name}`): the recovery fields, then the secret's, without its value
/// (recorded, Go 7.3: `recoveryId, deletedDate, scheduledPurgeDate, contentType, id,
/// attributes, tags`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSecretBundle {
    /// `{vault}/deletedsecrets/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// When it was deleted, Unix seconds.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// When it will be purged, Unix seconds.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// The secret's latest version as it was, without its value.
    #[serde(flatten)]
    pub secret: SecretBundle,
}

/// `SecretSetParameters`: the body of `PUT /secrets/{name}`.
///
/// The value is wiped when dropped and hidden from `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SecretSetParameters {
    /// The secret's value (required).
    #[serde(default)]
    pub value: Option<zeroize::Zeroizing<String>>,
    /// Application tags.
    #[serde(default)]
    pub tags: Option<Tags>,
    /// A free-form content type.
    #[serde(rename = "contentType", default)]
    pub content_type: Option<String>,
    /// `enabled`, `nbf`, `exp` (the read-only attributes are ignored, as the service does).
    #[serde(default)]
    pub attributes: Option<CertificateAttributes>,
}

impl fmt::Debug for SecretSetParameters {
    /// The value is a secret: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSetParameters")
            .field("value", &self.value.as_ref().map(|_| "<elided>"))
            .field("tags", &self.tags)
            .field("content_type", &self.content_type)
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// `SecretUpdateParameters`: the body of `PATCH /secrets/{name}/{version}`; what it has
/// replaces, what it lacks is kept (recorded, Go 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretUpdateParameters {
    /// A new content type.
    #[serde(
        rename = "contentType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
    /// `enabled`, `nbf`, `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The tags, replacing the version's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `SecretItem`: one entry of `GET /secrets` (the secret's `id` without a version) or of
/// `GET /secrets/{name}/versions` (with it); never the value.
///
/// Key order as recorded: `contentType, id, managed, attributes, tags` (a certificate's secret,
/// JS 2021; plain secrets, Go 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretItem {
    /// The content type.
    #[serde(
        rename = "contentType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
    /// `{vault}/secrets/{name}[/{version}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `true` for a certificate's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    /// The secret's attributes, its recovery level included (recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The tags, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `DeletedSecretItem`: one entry of `GET /deletedsecrets`: the recovery fields, then the
/// item's (recorded, Go 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSecretItem {
    /// `{vault}/deletedsecrets/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// When it was deleted, Unix seconds.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// When it will be purged, Unix seconds.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// The secret's item.
    #[serde(flatten)]
    pub item: SecretItem,
}

/// `DeletedSecretListResult`: a page of deleted secrets.
pub type DeletedSecretListResult = ListResult<DeletedSecretItem>;

/// `SecretListResult`: a page of secrets.
pub type SecretListResult = ListResult<SecretItem>;

/// `KeyItem`: one entry of `GET /keys` (the key's `kid` without a version) or of
/// `GET /keys/{name}/versions` (with it); never the key material.
///
/// Key order as recorded (Rust 2025, C++ 7.3): `kid, attributes, tags, managed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyItem {
    /// `{vault}/keys/{name}[/{version}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The key's attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The tags, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// `true` for a certificate's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
}

/// `KeyListResult`: a page of keys.
pub type KeyListResult = ListResult<KeyItem>;

/// A backup blob: the body of `POST /certificates|secrets|keys/{name}/backup`
/// (`BackupCertificateResult`, `BackupSecretResult`, `BackupKeyResult`), and of the restores
/// (`…RestoreParameters`, the same shape).
///
/// The blob holds private keys or a secret's value: wiped when dropped, hidden from `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupResult {
    /// The blob, base64url.
    pub value: zeroize::Zeroizing<String>,
}

/// `BackupCertificateResult`.
pub type BackupCertificateResult = BackupResult;
/// `BackupSecretResult`.
pub type BackupSecretResult = BackupResult;
/// `BackupKeyResult`.
pub type BackupKeyResult = BackupResult;

impl fmt::Debug for BackupResult {
    /// The blob holds private keys: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupResult")
            .field("value", &"<elided>")
            .finish()
    }
}

/// `KeyBundle`: a key as `GET /keys/{name}` answers it (public parts only): a client's key
/// (`key, attributes, tags`, recorded) or a certificate's (`managed: true`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyBundle {
    /// The key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<JsonWebKey>,
    /// The certificate's attributes (plus `hsmPlatform`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The certificate's tags, when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// Always `true` for a certificate's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
}

/// `JsonWebKey` (RFC 7517), base64url without padding: the public parts as the service
/// answers them, and the private parts a client imports (`PUT /keys/{name}`), which are never
/// answered, wiped when dropped and hidden from `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonWebKey {
    /// `{vault}/keys/{name}/{version}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// `RSA`, `RSA-HSM`, `EC`, `EC-HSM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    /// Allowed operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// RSA modulus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA private exponent, or the EC private scalar (import only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<zeroize::Zeroizing<String>>,
    /// RSA first prime (import only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<zeroize::Zeroizing<String>>,
    /// RSA second prime (import only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<zeroize::Zeroizing<String>>,
    /// RSA CRT exponent of `p` (import only; recomputed from `d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp: Option<zeroize::Zeroizing<String>>,
    /// RSA CRT exponent of `q` (import only; recomputed from `d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dq: Option<zeroize::Zeroizing<String>>,
    /// RSA CRT coefficient (import only; recomputed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi: Option<zeroize::Zeroizing<String>>,
    /// A symmetric key (`oct`, Managed HSM only: refused here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<zeroize::Zeroizing<String>>,
}

impl fmt::Debug for JsonWebKey {
    /// The private parts are never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let private = [
            &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qi, &self.k,
        ]
        .iter()
        .any(|part| part.is_some());
        f.debug_struct("JsonWebKey")
            .field("kid", &self.kid)
            .field("kty", &self.kty)
            .field("key_ops", &self.key_ops)
            .field("n", &self.n)
            .field("e", &self.e)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("private", &if private { "<elided>" } else { "none" })
            .finish()
    }
}

/// `DeletedKeyBundle`: a deleted key (`DELETE /keys/{name}`, `GET /deletedkeys/{name}`): the
/// recovery fields, then the key's (recorded, Rust 7.6-preview.2, C++ 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedKeyBundle {
    /// `{vault}/deletedkeys/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// When it was deleted, Unix seconds.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// When it will be purged, Unix seconds.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// The key's latest version as it was.
    #[serde(flatten)]
    pub key: KeyBundle,
}

/// `DeletedKeyItem`: one entry of `GET /deletedkeys` (recorded, C++ 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedKeyItem {
    /// `{vault}/deletedkeys/{name}`.
    #[serde(
        rename = "recoveryId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery_id: Option<String>,
    /// When it was deleted, Unix seconds.
    #[serde(
        rename = "deletedDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<i64>,
    /// When it will be purged, Unix seconds.
    #[serde(
        rename = "scheduledPurgeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_purge_date: Option<i64>,
    /// The key's item.
    #[serde(flatten)]
    pub item: KeyItem,
}

/// `DeletedKeyListResult`: a page of deleted keys.
pub type DeletedKeyListResult = ListResult<DeletedKeyItem>;

/// `KeyCreateParameters`: the body of `POST /keys/{name}/create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCreateParameters {
    /// `RSA`, `EC` (`RSA-HSM`, `EC-HSM`, `oct`, `oct-HSM`: not on a standard vault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    /// RSA modulus bits (2048 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_size: Option<i64>,
    /// RSA public exponent (65537 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_exponent: Option<i64>,
    /// Allowed operations (by the key type when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// `enabled`, `nbf`, `exp`, `exportable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Application tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// The EC curve (`P-256` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// A key release policy (exportable HSM keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<serde_json::Value>,
}

/// `KeyImportParameters`: the body of `PUT /keys/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyImportParameters {
    /// Whether to import into an HSM.
    #[serde(rename = "Hsm", default, skip_serializing_if = "Option::is_none")]
    pub hsm: Option<bool>,
    /// The key, with its private parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<JsonWebKey>,
    /// `enabled`, `nbf`, `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// Application tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// A key release policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<serde_json::Value>,
}

/// `KeyUpdateParameters`: the body of `PATCH /keys/{name}/{version}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUpdateParameters {
    /// New allowed operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// `enabled`, `nbf`, `exp` (read-only attributes sent back are ignored, recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateAttributes>,
    /// The tags, replacing the version's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// A key release policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_policy: Option<serde_json::Value>,
}

/// `KeyOperationsParameters` (encrypt, decrypt, wrapKey, unwrapKey) and `KeySignParameters`
/// (sign): the algorithm and the input, base64url.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOperationsParameters {
    /// The JWA algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The input: a plaintext, a ciphertext, a key to wrap or a digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<zeroize::Zeroizing<String>>,
    /// AES-GCM and AES-CBC inputs (Managed HSM `oct` keys; refused here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iv: Option<String>,
    /// Additional authenticated data (AES-GCM; refused here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad: Option<String>,
    /// The authentication tag (AES-GCM; refused here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl fmt::Debug for KeyOperationsParameters {
    /// The input may be a plaintext or a key: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyOperationsParameters")
            .field("alg", &self.alg)
            .field("value", &self.value.as_ref().map(|_| "<elided>"))
            .finish()
    }
}

/// `KeyVerifyParameters`: the body of `POST …/verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVerifyParameters {
    /// The JWA algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The digest, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The signature, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `KeyOperationResult`: what sign, encrypt, decrypt, wrapKey and unwrapKey answer
/// (recorded: `kid` then `value`).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOperationResult {
    /// The versioned id of the key that did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The output, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<zeroize::Zeroizing<String>>,
}

impl fmt::Debug for KeyOperationResult {
    /// The output may be a plaintext or an unwrapped key: never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyOperationResult")
            .field("kid", &self.kid)
            .field("value", &self.value.as_ref().map(|_| "<elided>"))
            .finish()
    }
}

/// `KeyVerifyResult`: `{"value": true|false}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVerifyResult {
    /// Whether the signature verified.
    pub value: bool,
}

/// `KeyRotationPolicy` (`GET/PUT /keys/{name}/rotationpolicy`), as recorded: `id,
/// lifetimeActions, attributes`; the default one has no `id` and `"attributes": null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotationPolicy {
    /// `{vault}/keys/{name}/rotationpolicy`, once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The actions and their triggers.
    #[serde(rename = "lifetimeActions", default)]
    pub lifetime_actions: Option<Vec<KeyLifetimeAction>>,
    /// `expiryTime`, `created`, `updated`; `null` in the default policy (recorded).
    #[serde(default)]
    pub attributes: Option<KeyRotationPolicyAttributes>,
}

/// One action of a key's rotation policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLifetimeAction {
    /// When it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<KeyLifetimeTrigger>,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<KeyLifetimeActionType>,
}

/// A rotation policy action's trigger: ISO 8601 durations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLifetimeTrigger {
    /// After the version's creation (`P18M`).
    #[serde(
        rename = "timeAfterCreate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_after_create: Option<String>,
    /// Before the version's expiry (`P30D`).
    #[serde(
        rename = "timeBeforeExpiry",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_before_expiry: Option<String>,
}

/// A rotation policy action: `Rotate` or `Notify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLifetimeActionType {
    /// `Rotate` or `Notify`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
}

/// A rotation policy's attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotationPolicyAttributes {
    /// Each new version's lifetime (ISO 8601, at least 28 days).
    #[serde(
        rename = "expiryTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expiry_time: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
}

/// `pending` of a bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReference {
    /// `{vault}/certificates/{name}/pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The error body: defined beside the crate's [`Error`](crate::service::error::Error), which maps to it.
pub use crate::service::error::{KeyVaultError, KeyVaultErrorDetail};

/// How many tags the parser reads before it gives up.
const MAX_TAGS_PARSED: usize = 64;

/// Application tags: string values, in the order the client sent them.
///
/// Unlike a `HashMap`, this keeps the order of the request so the echo matches it; a key sent
/// twice or a value that is not a string is refused while parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(pub Vec<(String, String)>);

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object whose values are strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Tags, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = access.next_entry::<String, String>()? {
                    // Bounds the quadratic duplicate check; the plan refuses far fewer.
                    if out.len() >= MAX_TAGS_PARSED {
                        return Err(serde::de::Error::custom("too many tags"));
                    }
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate tag `{k}`"
                        )));
                    }
                    out.push((k, v));
                }
                Ok(Tags(out))
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}
