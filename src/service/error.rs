//! The service layer's error: what the service answers (status, code, message, the Key Vault
//! body), and the one place where the lower layers' errors become it.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Everything that can make a Create Certificate or Import Certificate request fail.
///
/// Each variant maps to the HTTP status, error code and message the service answers with
/// ([`Error::status`], [`Error::to_key_vault_error`]). Where the real service's wording is
/// known (see `docs/service-behaviour.md` §8) the message is that text, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The certificate name in the request URI is not 1–127 characters of `0-9a-zA-Z-`.
    InvalidName {
        /// The name as received.
        name: String,
    },
    /// The request body is not valid JSON for the wire model, or exceeds a size bound.
    MalformedRequest {
        /// What was wrong with it.
        problem: RequestProblem,
    },
    /// The policy subject is not a distinguished name the service accepts.
    InvalidSubject {
        /// Why the subject was refused (for logs; the service's message does not carry it).
        detail: String,
    },
    /// A policy property the service refuses.
    InvalidProperty {
        /// The property path in Key Vault spelling, e.g. `policy.key_props`.
        property: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// More than one lifetime action.
    TooManyLifetimeActions,
    /// More than 15 tags.
    TooManyTags,
    /// A request without a policy: the first create of a certificate requires one.
    MissingPolicy,
    /// Import: the value is not a PKCS#12 file that can be read (not base64, not PKCS#12,
    /// unsupported algorithms, or the wrong password).
    Pkcs12Unreadable {
        /// What was wrong (for logs; the service's message does not carry it).
        detail: String,
        /// The PKCS#12 decoder's error, when it was the decoder that refused.
        source: Option<crate::pkcs12::Error>,
    },
    /// Import of `application/x-pem-file`: the value is neither PEM text nor base64 of PEM.
    PemUnreadable {
        /// What was wrong (for logs).
        detail: String,
    },
    /// Import of `application/x-pem-file`: PEM blocks the service does not read, e.g. a
    /// PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY` instead of a PKCS#8 `PRIVATE KEY`.
    PemUnexpectedFormat {
        /// What was wrong (for logs).
        detail: String,
    },
    /// Import: no private key, more than one, or a key that belongs to none of the
    /// certificates.
    NoCertificateWithPrivateKey {
        /// Which of these it was.
        reason: KeyPairing,
    },
    /// Import: a certificate that does not parse as X.509, or whose properties cannot be
    /// stored (e.g. notAfter before notBefore).
    InvalidCertificate {
        /// What was wrong (for logs).
        detail: String,
        /// The DER decoder's error, when it was the decoder that refused.
        source: Option<der::Error>,
    },
    /// Import: a key of a size the service does not hold.
    UnsupportedKeySize {
        /// The key's size in bits.
        bits: u64,
        /// The supported sizes as the message lists them, e.g. `[2048, 3072, 4096]`.
        supported: &'static str,
    },
    /// Import: a key that is neither RSA nor EC on a supported named curve.
    UnsupportedKeyType {
        /// The key's algorithm (`PrivateKeyInfo.privateKeyAlgorithm`).
        algorithm: const_oid::ObjectIdentifier,
        /// For an EC key, its named curve, or `None` when the parameters name none
        /// (explicit parameters, or absent).
        curve: Option<const_oid::ObjectIdentifier>,
    },
    /// A key handed to [`crate::create_with_key`] (or [`crate::Policy::issue_with_key`]) that
    /// is not of the policy's type or size: the caller's mistake, not the service's.
    KeyMismatch {
        /// The key's type and size.
        key: crate::key::spec::KeySpec,
        /// What the policy's `key_props` ask for.
        policy: crate::key::spec::KeySpec,
    },
    /// A private key handed to kvcert ([`crate::KeyPair::from_pkcs8_der`],
    /// [`crate::KeyPair::from_pkcs8_pem`]) that is not a well-formed PKCS#8 key.
    InvalidPrivateKey {
        /// What was wrong.
        detail: String,
        /// The DER decoder's error, when it was the decoder that refused.
        source: Option<der::Error>,
    },
    /// A value handed to a kvcert function that the function cannot take, e.g. an empty
    /// certificate list for [`crate::pkcs12::encode_service_pfx`]: the caller's mistake.
    InvalidArgument {
        /// The argument, as the function's documentation names it.
        argument: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Import with a policy but without `secret_props.contentType`, for a value that is not
    /// PKCS#12 (a PEM value needs `application/x-pem-file`).
    InvalidPolicy,
    /// No certificate of this name (or no such version) in the vault.
    CertificateNotFound {
        /// The name as requested.
        name: String,
    },
    /// No such version of the certificate (`GET /certificates/{name}/{version}`).
    CertificateVersionNotFound {
        /// The name as requested.
        name: String,
        /// The version as requested.
        version: String,
    },
    /// The certificate's managed secret is disabled: its value is not given out.
    SecretDisabled {
        /// The name as requested.
        name: String,
    },
    /// No managed key of this name (or no such version).
    KeyNotFound {
        /// The name as requested.
        name: String,
    },
    /// No managed secret of this name (or no such version).
    SecretNotFound {
        /// The name as requested.
        name: String,
    },
    /// No pending operation of this name: none was created, it was deleted, or the
    /// `request_id` filter did not match.
    PendingCertificateNotFound {
        /// The name as requested.
        name: String,
    },
    /// A PKCS#10 request handed to [`crate::x509::csr::read`] (or a CA's
    /// [`crate::x509::ca::CertificateAuthority::sign_request`]) that is not DER, too large, or
    /// whose signature does not verify with its own key.
    InvalidCertificateRequest {
        /// What was wrong.
        detail: String,
    },
    /// Merge: no usable certificate in `x5c` (empty, not base64 DER, PEM or PKCS#7, or more
    /// than the bound).
    InvalidX5c {
        /// What was wrong (for logs; the service's message does not carry it).
        detail: String,
    },
    /// Merge: no certificate in `x5c` holds the pending operation's public key.
    MergeKeyMismatch,
    /// Merge on a pending operation of a named issuer (or `Self`) that is still in progress.
    MergeForbidden {
        /// The issuer's name as the policy holds it.
        issuer: String,
    },
    /// No deleted certificate of this name (never deleted, recovered, or purged).
    DeletedCertificateNotFound {
        /// The name as requested.
        name: String,
    },
    /// Create, import or set over a name that is deleted but recoverable.
    DeletedButRecoverable {
        /// What kind of object the name is deleted as.
        kind: ObjectKind,
        /// The name as requested.
        name: String,
    },
    /// No deleted secret of this name (never deleted, recovered, or purged).
    DeletedSecretNotFound {
        /// The name as requested.
        name: String,
    },
    /// A write to a certificate's own secret or key (set, update, delete, backup, …): only
    /// the certificate's operations change them.
    ManagedByKeyVault {
        /// A secret or a key.
        kind: ObjectKind,
        /// The operation, as the service names it (`set`, `update`, `delete`, `backup`).
        operation: &'static str,
    },
    /// A digest for `sign` or `verify` that is not its algorithm's length.
    InvalidDigestLength {
        /// The algorithm (`RS256`, …).
        algorithm: &'static str,
        /// The digest's length in bytes.
        length: usize,
        /// The algorithm's digest length.
        expected: usize,
    },
    /// A key operation with an algorithm that is not the key's (`ES256` on an RSA key, RSA
    /// encryption on an EC key, `ES384` on a P-256 key).
    AlgorithmNotForKey {
        /// The algorithm as named.
        algorithm: &'static str,
        /// The key (`RSA 2048`, `EC P-256`).
        key: String,
    },
    /// A plaintext for encrypt or wrap that the key's padding cannot take (too long).
    InvalidOperationInput {
        /// What was wrong.
        detail: String,
    },
    /// `outContentType` asking for a conversion other than PKCS#12 to PEM.
    UnsupportedTransformation {
        /// The secret's format as the service names it (`PFX`, `PEM`, `Unsupported`).
        from: &'static str,
        /// The format asked for, named the same way.
        to: &'static str,
    },
    /// A key operation's `value` or `digest` missing, or not base64url.
    InvalidBase64Url {
        /// The member (`value`, `digest`).
        member: &'static str,
        /// Whether it was sent (and is not base64url).
        present: bool,
    },
    /// A ciphertext for decrypt or unwrap that the key does not decrypt (not the modulus'
    /// length, or a padding that does not check).
    Undecryptable {
        /// What was wrong, for logs (the answer does not say).
        detail: &'static str,
    },
    /// An `ES*` algorithm on an EC key of another curve.
    CurveNotForAlgorithm {
        /// The key version's `kid`.
        kid: String,
        /// The key's curve (`P-256`, …).
        curve: &'static str,
        /// The algorithm (`ES384`, …).
        algorithm: &'static str,
        /// The curve the algorithm takes.
        algorithm_curve: &'static str,
    },
    /// A key type a vault does not hold (`oct`, `oct-HSM`: Managed HSM only).
    KeyTypeNotSupported {
        /// The type as the service names it in its answer.
        kty: &'static str,
    },
    /// An import whose JWK lacks a member its type needs, or has one that is not base64url
    /// or not a key of its curve.
    InvalidJsonWebKey {
        /// What was wrong, for logs (the answer does not say).
        detail: &'static str,
    },
    /// An import whose RSA JWK's parts do not make a key (`n` not `p·q`, `e` not invertible).
    InvalidRsaJsonWebKey {
        /// What was wrong, for logs (the answer does not say).
        detail: &'static str,
    },
    /// No deleted key of this name.
    DeletedKeyNotFound {
        /// The name as requested.
        name: String,
    },
    /// Key restore of a blob that is not a key backup kvcert made.
    MalformedKeyBackup,
    /// A key with `exportable: true` and no release policy.
    ExportableWithoutReleasePolicy,
    /// `RSA-HSM`, `EC-HSM` or `Hsm: true` on a standard vault.
    HsmKeyOnStandardVault,
    /// A key operation its `key_ops` do not allow.
    KeyOperationForbidden {
        /// The operation (`sign`, `wrapKey`, …).
        operation: &'static str,
    },
    /// A key operation on a disabled key.
    KeyDisabled {
        /// The operation.
        operation: &'static str,
    },
    /// A key operation (other than verify) before the key's `nbf`.
    KeyNotYetValid {
        /// The operation.
        operation: &'static str,
    },
    /// Sign, encrypt or wrapKey at or after the key's `exp`.
    KeyExpired {
        /// The operation.
        operation: &'static str,
    },
    /// A secret value longer than [`crate::service::engine::secrets::MAX_SECRET_VALUE_LEN`].
    SecretTooLarge,
    /// A certificate create or import on a name that a client's own secret or key holds.
    NameInUse {
        /// The kind of object that holds the name.
        held_by: ObjectKind,
        /// The name as requested.
        name: String,
    },
    /// Purge in a vault with purge protection.
    PurgeProtected {
        /// The name as requested.
        name: String,
    },
    /// Restore of a blob that is not a backup kvcert made, or was altered or truncated.
    MalformedBackup,
    /// Restore over a name in use (or deleted but recoverable).
    RestoreConflict {
        /// What kind of object the blob holds.
        kind: ObjectKind,
        /// The restored version's id in this vault.
        id: String,
    },
    /// No issuer of this name.
    IssuerNotFound,
    /// A DigiCert issuer without `org_details.id`.
    IssuerOrganizationIdMissing,
    /// The vault has no certificate contacts.
    ContactsNotFound,
    /// A request without `api-version`, or with one the vault does not answer.
    UnsupportedApiVersion {
        /// The version as sent (empty when absent).
        version: String,
        /// The newest version the vault answers.
        latest: &'static str,
    },
    /// A known path with a method it does not take.
    MethodNotAllowed {
        /// The method, upper case.
        method: String,
    },
    /// A path no operation has.
    NotFound {
        /// The path as sent, without the query.
        path: String,
    },
    /// Create or Import while the name's pending operation is `inProgress`.
    PendingInProgress,
    /// PATCH of a pending operation that is no longer `inProgress`.
    PendingNotInProgress,
    /// A failure inside the cryptographic or encoding layers (never expected for valid plans).
    Internal {
        /// What failed.
        detail: String,
        /// The lower layer's error, when one failed.
        cause: Option<Cause>,
    },
}

impl Error {
    /// The HTTP status the service answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            Error::CertificateNotFound { .. }
            | Error::CertificateVersionNotFound { .. }
            | Error::KeyNotFound { .. }
            | Error::SecretNotFound { .. }
            | Error::PendingCertificateNotFound { .. }
            | Error::NotFound { .. }
            | Error::DeletedCertificateNotFound { .. }
            | Error::DeletedSecretNotFound { .. }
            | Error::DeletedKeyNotFound { .. }
            | Error::IssuerNotFound
            | Error::ContactsNotFound => 404,
            Error::DeletedButRecoverable { .. }
            | Error::RestoreConflict { .. }
            | Error::NameInUse { .. } => 409,
            Error::MethodNotAllowed { .. } => 405,
            // Documented: 409 with the code "Forbidden" (create-certificate-scenarios).
            Error::PendingInProgress => 409,
            Error::PendingNotInProgress
            | Error::MergeForbidden { .. }
            | Error::SecretDisabled { .. }
            | Error::ManagedByKeyVault { .. }
            | Error::KeyOperationForbidden { .. }
            | Error::KeyDisabled { .. }
            | Error::KeyNotYetValid { .. }
            | Error::KeyExpired { .. }
            | Error::PurgeProtected { .. } => 403,
            Error::Internal { .. } => 500,
            _ => 400,
        }
    }

    /// The Key Vault error code (`error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::CertificateNotFound { .. }
            | Error::CertificateVersionNotFound { .. }
            | Error::DeletedCertificateNotFound { .. } => "CertificateNotFound",
            Error::SecretDisabled { .. }
            | Error::ManagedByKeyVault { .. }
            | Error::KeyOperationForbidden { .. }
            | Error::KeyDisabled { .. }
            | Error::KeyNotYetValid { .. }
            | Error::KeyExpired { .. } => "Forbidden",
            Error::DeletedButRecoverable { .. }
            | Error::RestoreConflict { .. }
            | Error::NameInUse { .. } => "Conflict",
            // Recorded, spaces included (JS 7.4-preview.1, a malformed blob).
            Error::MalformedBackup | Error::MalformedKeyBackup => "Malformed backup blob",
            Error::IssuerNotFound => "CertificateIssuerNotFound",
            Error::ContactsNotFound => "ContactsNotFound",
            Error::KeyNotFound { .. } | Error::DeletedKeyNotFound { .. } => "KeyNotFound",
            Error::SecretNotFound { .. } | Error::DeletedSecretNotFound { .. } => "SecretNotFound",
            Error::PendingCertificateNotFound { .. } => "PendingCertificateNotFound",
            Error::MethodNotAllowed { .. } => "MethodNotAllowed",
            Error::NotFound { .. } => "NotFound",
            Error::PendingInProgress
            | Error::PendingNotInProgress
            | Error::MergeForbidden { .. }
            | Error::PurgeProtected { .. } => "Forbidden",
            Error::Internal { .. } => "InternalError",
            _ => "BadParameter",
        }
    }

    /// The Key Vault error message (`error.message`), with the service's wording where known.
    pub fn message(&self) -> String {
        match self {
            // Recorded: Rust SDK 2025-07-01, `create_invalid_certificate`.
            Error::InvalidName { name } => {
                format!("The request URI contains an invalid name: {name}")
            }
            // Recorded: .NET 7.6-preview.1, subject "Self" (note the trailing CRLF).
            Error::InvalidSubject { .. } => {
                "Property policy.x509_props has invalid value. Invalid X.500 distinguished name\r\n"
                    .to_owned()
            }
            // Reported: azure-sdk-for-net#15633.
            Error::TooManyLifetimeActions => "At most one action is allowed".to_owned(),
            // Same style as the recorded X.500 message.
            Error::InvalidProperty { property, detail } => {
                format!("Property {property} has invalid value. {detail}\r\n")
            }
            // Reported text, two spaces included (aztfmod/terraform-azurerm-caf #813).
            Error::TooManyTags => "Property  has invalid value\r\n".to_owned(),
            Error::MissingPolicy => {
                "Property policy has invalid value. A policy is required to create a certificate\r\n"
                    .to_owned()
            }
            Error::MalformedRequest { problem } => {
                format!("The request body is not valid: {problem}")
            }
            // Reported: damienbod/AspNetCoreCertificates #38 (import of an unreadable PFX).
            Error::Pkcs12Unreadable { .. } => "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.".to_owned(),
            // Reported: Azure-Samples/ms-identity-python-daemon #21 (2023).
            Error::PemUnreadable { .. } => "The specified PEM X.509 certificate content can not be read. Please check if certificate is in valid PEM format. Accepted formats: PEM content or Base64 encoded PEM content.".to_owned(),
            // Reported: Azure/azure-cli #19017 (a PKCS#1 `RSA PRIVATE KEY` block).
            Error::PemUnexpectedFormat { .. } => "The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.".to_owned(),
            // Reported: Azure/azure-sdk-for-java #31997, Azure/azure-sdk-for-net #26492.
            Error::NoCertificateWithPrivateKey { .. } => "No certificate with private key found in the specified X.509 certificate content. Please specify X.509 certificate content with only one certificate containing private key.".to_owned(),
            // Reported: MicrosoftDocs/azure-docs #115101.
            Error::InvalidCertificate { .. } => "The specified X.509 certificate content is invalid. Error: One or more X.509 properties are invalid.".to_owned(),
            // Reported wording (MicrosoftDocs/azure-docs #115129; inner code KeySizeNotSupported).
            Error::UnsupportedKeySize { bits, supported } => {
                format!("Unsupported key size ({bits}). Supported sizes are {supported}")
            }
            // kvcert's text, in the style of the key-size message.
            Error::UnsupportedKeyType { algorithm, curve } => {
                let algorithm = match (curve, *algorithm == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY) {
                    (Some(curve), true) => format!("EC {curve}"),
                    (None, true) => "EC without a named curve".to_owned(),
                    (_, false) => algorithm.to_string(),
                };
                format!(
                    "Unsupported key type ({algorithm}). Supported key types are [RSA, EC (P-256, P-384, P-521, P-256K)]"
                )
            }
            // Reported, with the CRLF: Azure/azure-sdk-for-go #21780, Azure/azure-cli #27220.
            Error::InvalidPolicy => "Property policy has invalid value\r\n".to_owned(),
            // kvcert's text: the service makes its own keys.
            Error::KeyMismatch { key, policy } => format!(
                "The key ({key}) does not match the policy's key_props ({policy})"
            ),
            // kvcert's text: the service has no call that takes a bare private key.
            Error::InvalidPrivateKey { detail, .. } => {
                format!("The private key is not a valid PKCS#8 private key: {detail}")
            }
            // kvcert's text: no service call reaches these functions.
            Error::InvalidArgument { argument, problem } => {
                format!("Invalid argument {argument}: {problem}")
            }
            // Recorded wording at every api-version since 2021 (C++, Java, Python 7.0 and 7.1 in
            // 2022); the 2018–2020 service said `Certificate not found: {name}`.
            Error::CertificateNotFound { name } => format!(
                "A certificate with (name/id) {name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
            // Recorded (7.1): the version is named as `{name}/versions/{version}`.
            Error::CertificateVersionNotFound { name, version } => format!(
                "A certificate with (name/id) {name}/versions/{version} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
            // Recorded for plain secrets (inner code `SecretDisabled`); the docs say a
            // certificate's attributes are mirrored to its secret.
            Error::SecretDisabled { .. } => {
                "Operation get is not allowed on a disabled secret.".to_owned()
            }
            // The keys and secrets APIs' wording, in the style of the certificate's.
            Error::KeyNotFound { name } => format!(
                "A key with (name/id) {name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
            Error::SecretNotFound { name } => format!(
                "A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
            ),
            // Recorded: Node 7.0, GET /pending after DELETE /pending.
            Error::PendingCertificateNotFound { name } => {
                format!("Pending certificate not found: {name}")
            }
            // kvcert's text: no service call reaches this (a CA signing a request).
            Error::InvalidCertificateRequest { .. } => {
                "The certificate signing request is not valid.".to_owned()
            }
            // Reported: MicrosoftDocs/azure-docs #100959 (a PKCS#7 PEM block in x5c).
            Error::InvalidX5c { .. } => {
                "Property x5c has invalid value X5C must has at least one valid item".to_owned()
            }
            // kvcert's text, in the style of the x5c message (the service's is not recorded).
            Error::MergeKeyMismatch => "Property x5c has invalid value. The public key of the certificate does not match the pending certificate's key".to_owned(),
            // Documented text, typo included: create-certificate-scenarios.
            Error::MergeForbidden { issuer } => format!(
                "Merge is forbidden on pending object created with issuer : {issuer} while it is in progess."
            ),
            // Recorded: JS SDK 7.3, GET /deletedcertificates/{name} before the deletion shows.
            Error::DeletedCertificateNotFound { name } => {
                format!("Deleted Certificate not found: {name}")
            }
            // Reported: Lets-Encrypt-Auto #16 (a certificate); the secret's in Microsoft's
            // docs and the .NET sample (inner code ObjectIsDeletedButRecoverable); the key's
            // recorded (C++ 7.3).
            Error::DeletedButRecoverable { kind, name } => format!(
                "{} {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the {kind} can only be recovered or purged.",
                kind.capitalised()
            ),
            // Recorded: Go 7.3, Python 7.0 and 2026-03-01-preview.
            Error::DeletedSecretNotFound { name } => format!("Deleted Secret not found: {name}"),
            // The current wording, reported for `delete` in a 2026 log; the 2019–2020
            // recordings said `Operation "delete" is not allowed as this object's lifetime is
            // managed by Key Vault.` (inner code `SecretManagedByKeyVault`/`KeyManagedByKeyVault`).
            Error::ManagedByKeyVault { kind, operation } => format!(
                "Operation \"{operation}\" is not allowed on this {kind}, since it is associated with a certificate. Perform the operation on the corresponding certificate. For more information refer to https://docs.microsoft.com/en-us/azure/key-vault/certificates/about-certificates#composition-of-a-certificate"
            ),
            // Reported: Azure/azure-sdk-for-js #12654, Azure/azure-cli #28027 (BadParameter).
            Error::InvalidDigestLength {
                algorithm,
                length,
                expected,
            } => format!(
                "Invalid length of 'value': {length} bytes. {algorithm} requires {expected} bytes, encoded with base64url."
            ),
            // kvcert's text: no recording of an algorithm of another key type.
            Error::AlgorithmNotForKey { algorithm, key } => {
                format!("Property alg has invalid value. {algorithm} cannot be used with a {key} key\r\n")
            }
            // kvcert's text: no recording of a plaintext too long for its padding.
            Error::InvalidOperationInput { detail } => {
                format!("Property value has invalid value. {detail}\r\n")
            }
            // Recorded (Python and JS, 2025-07-01 and 2026-03-01-preview): a client's secret,
            // `'Unsupported' to 'PEM'` and `'Unsupported' to 'PFX'`.
            Error::UnsupportedTransformation { from, to } => format!(
                "The '{from}' to '{to}' transformation is not supported. Only PFX to PEM transformation is supported."
            ),
            // Reported (autorest log of unwrapKey, bruj0/vault-recovery-key #20, 2025): the
            // service's two validation sentences; a missing member gets the second alone.
            Error::InvalidBase64Url {
                member,
                present: true,
            } => format!(
                "Content of '{member}' is not base64url.\r\nProperty '{member}' is required.\r\n"
            ),
            Error::InvalidBase64Url { member, .. } => {
                format!("Property '{member}' is required.\r\n")
            }
            // Reported, 400 BadParameter: pulumi/pulumi #22338 (2026, a ciphertext of another
            // key version), Azure/azure-sdk-for-js #30125 (2024, RSA1_5). Earlier services said
            // `Error occurred while decoding OAEP padding.` (Azure/azure-sdk-for-net #18947,
            // 2021) or `The parameter is incorrect.` (pulumi/pulumi #5842, 2020).
            Error::Undecryptable { .. } => {
                "Unable to decrypt specified value with this key.".to_owned()
            }
            // Reported, 400 BadParameter: Azure/azure-sdk-for-node #4603 (7.0, 2019, curl),
            // Azure/azure-sdk-for-java #6262 (2019).
            Error::CurveNotForAlgorithm {
                kid,
                curve,
                algorithm,
                algorithm_curve,
            } => format!(
                "Key and signing algorithm are incompatible. Key {kid} uses curve '{curve}', and algorithm '{algorithm}' can only be used with curve '{algorithm_curve}'."
            ),
            // Reported with the raw HTTP: Azure/azure-sdk-for-net #13437 (7.0, 2020,
            // `{"kty":"oct"}`); the same body for an import (Azure/azure-sdk-for-java #12898)
            // and for `oct-HSM` (Azure/azure-sdk-for-js #26212, 2023: still "oct").
            Error::KeyTypeNotSupported { kty } => format!("Invalid kty value: {kty}"),
            // Reported: Azure/azure-sdk-for-java #3405 (2019) and #19529 (2022),
            // Azure/azure-sdk-for-python #11822, ecadlabs/signatory #231 (no `crv`).
            Error::InvalidJsonWebKey { .. } => {
                "The property \"key\" must be a valid JsonWebKey object.".to_owned()
            }
            // Reported: Azure/azure-sdk-for-python #28452 (7.3, 2023),
            // Azure/azure-sdk-for-go #22173 (2023).
            Error::InvalidRsaJsonWebKey { .. } => {
                "RSA key is not valid - cannot instantiate crypto service".to_owned()
            }
            // Recorded: C++ 7.3, GET /deletedkeys/{name} while the deletion runs.
            Error::DeletedKeyNotFound { name } => format!("Deleted Key not found: {name}"),
            // Recorded: .NET 7.6-preview.1 (the secret's blob has another text).
            Error::MalformedKeyBackup => "Backup blob is corrupt.".to_owned(),
            // Recorded: JS 7.3-preview (premium vault, RSA-HSM, exportable).
            Error::ExportableWithoutReleasePolicy => {
                "AKV.SKR.1004: Exportable keys must have release policy.".to_owned()
            }
            // Reported: azure-sdk-for-net #6551, MicrosoftDocs/azure-docs #63888.
            Error::HsmKeyOnStandardVault => {
                "Hardware key operation not allowed on standard vault".to_owned()
            }
            // The SDKs' troubleshooting text (inner code KeyOperationForbidden).
            Error::KeyOperationForbidden { operation } => {
                format!("Operation {operation} is not permitted on this key.")
            }
            // The recorded secret wording, for keys (not recorded).
            Error::KeyDisabled { operation } => {
                format!("Operation {operation} is not allowed on a disabled key.")
            }
            // kvcert's texts, in the same style (not recorded).
            Error::KeyNotYetValid { operation } => {
                format!("Operation {operation} is not allowed on a key that is not yet valid.")
            }
            Error::KeyExpired { operation } => {
                format!("Operation {operation} is not allowed on an expired key.")
            }
            // Reported: Azure/azure-cli #5639 (inner code SecretTooLarge).
            Error::SecretTooLarge => {
                "Secret is beyond the maximum permitted length of 25600 characters.".to_owned()
            }
            // kvcert's text: the service's is not recorded (a guide says the create fails).
            Error::NameInUse { held_by, name } => format!(
                "A {held_by} named {name} exists in this key vault and is not a certificate's; a certificate's key and secret take its name. Delete or rename the {held_by} first."
            ),
            // Reported in user logs (microsoft/AzureTRE #1951, for a secret); the service adds
            // the vault's name and location, which kvcert does not know.
            Error::PurgeProtected { .. } => "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.".to_owned(),
            // Recorded: JS 7.4-preview.1.
            Error::MalformedBackup => {
                "Backup blob contains invalid or corrupt version.".to_owned()
            }
            // Recorded: JS 7.4-preview.1 (a restore right after the purge of the same name).
            // The secret's recorded the same (JS 7.4-preview.1), with `secret` for `certificate`.
            Error::RestoreConflict { kind, id } => format!(
                "There was a conflict restoring the {kind} '{id}'. This can happen if either: a second {kind} with the same name was created after the first {kind} was deleted; thus trying to restore a {kind} whose name is already in use. To fix this, rename the second {kind} to something else so that the restore works. The second probable cause of this exception is when multiple operations are performed in parallel against the {kind}. To avoid this error, perform operations against a {kind} in a sequential manner."
            ),
            // Recorded: Python 7.3 and JS 7.4-preview.1, GET after DELETE.
            Error::IssuerNotFound => "Issuer not found".to_owned(),
            // Reported: Azure/azure-sdk-for-java #29166.
            Error::IssuerOrganizationIdMissing => "Id in organization details is not set".to_owned(),
            // Recorded: Python 7.3, GET after DELETE.
            Error::ContactsNotFound => "Contacts not found".to_owned(),
            // Reported: Azure/azure-sdk-for-python #28595 (Azure Stack Hub, `7.3` on a 7.1 vault).
            Error::UnsupportedApiVersion { version, latest } => format!(
                "The specified version ({version}) is not recognized. Consider using the latest supported version ({latest})."
            ),
            // Recorded: Java 2026-03-01-preview, `POST /certificates//create`.
            Error::MethodNotAllowed { method } => format!("HTTP {method} not allowed"),
            // kvcert's text: no recording of an unknown path.
            Error::NotFound { path } => format!("The requested resource was not found: {path}"),
            // Documented: create-certificate-scenarios ("Create while pending").
            Error::PendingInProgress => "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.".to_owned(),
            // Recorded: azure-sdk-for-js #25758 (PATCH /pending after completion).
            Error::PendingNotInProgress => {
                "Pending status must be in progress to allow update.".to_owned()
            }
            Error::Internal { detail, .. } => format!("Internal error: {detail}"),
        }
    }

    /// The error as the service's JSON body, `{"error":{"code":…,"message":…}}`.
    ///
    /// ```
    /// let err = kvcert::Error::InvalidName { name: "a_b".into() };
    /// let body = serde_json::to_string(&err.to_key_vault_error()).unwrap();
    /// assert_eq!(
    ///     body,
    ///     r#"{"error":{"code":"BadParameter","message":"The request URI contains an invalid name: a_b"}}"#
    /// );
    /// ```
    pub fn to_key_vault_error(&self) -> KeyVaultError {
        KeyVaultError {
            error: KeyVaultErrorDetail {
                code: self.code().to_owned(),
                message: self.message(),
                innererror: self.inner_code().map(|code| {
                    Box::new(KeyVaultErrorDetail {
                        code: code.to_owned(),
                        message: String::new(),
                        innererror: None,
                    })
                }),
            },
        }
    }

    /// The `innererror.code`, for the errors the service details.
    pub fn inner_code(&self) -> Option<&'static str> {
        match self {
            Error::DeletedButRecoverable { .. } => Some("ObjectIsDeletedButRecoverable"),
            Error::SecretDisabled { .. } => Some("SecretDisabled"),
            Error::SecretTooLarge => Some("SecretTooLarge"),
            Error::KeyOperationForbidden { .. } => Some("KeyOperationForbidden"),
            Error::KeyTypeNotSupported { .. } => Some("KeyTypeNotSupported"),
            Error::KeyDisabled { .. } => Some("KeyDisabled"),
            Error::KeyNotYetValid { .. } => Some("KeyNotYetValid"),
            Error::KeyExpired { .. } => Some("KeyExpired"),
            Error::ManagedByKeyVault {
                kind: ObjectKind::Key,
                ..
            } => Some("KeyManagedByKeyVault"),
            Error::ManagedByKeyVault { .. } => Some("SecretManagedByKeyVault"),
            _ => None,
        }
    }

    pub(crate) fn property(property: &'static str, detail: impl Into<String>) -> Self {
        Error::InvalidProperty {
            property,
            detail: detail.into(),
        }
    }

    pub(crate) fn internal(detail: impl fmt::Display) -> Self {
        Error::Internal {
            detail: detail.to_string(),
            cause: None,
        }
    }

    /// kvcert's own failure in a lower layer: a 500 that keeps the layer's error.
    fn internal_cause(cause: Cause) -> Self {
        Error::Internal {
            detail: cause.to_string(),
            cause: Some(cause),
        }
    }
}

/// The three kinds of object a vault holds, as error texts name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A certificate.
    Certificate,
    /// A secret.
    Secret,
    /// A key.
    Key,
}

impl ObjectKind {
    /// `Certificate`, `Secret`, `Key`: the word that starts a sentence.
    pub fn capitalised(self) -> &'static str {
        match self {
            ObjectKind::Certificate => "Certificate",
            ObjectKind::Secret => "Secret",
            ObjectKind::Key => "Key",
        }
    }
}

impl fmt::Display for ObjectKind {
    /// `certificate`, `secret`, `key`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Certificate => "certificate",
            ObjectKind::Secret => "secret",
            ObjectKind::Key => "key",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSubject { detail } => write!(f, "invalid subject: {detail}"),
            Error::Pkcs12Unreadable { detail, .. }
            | Error::PemUnreadable { detail }
            | Error::PemUnexpectedFormat { detail }
            | Error::InvalidCertificate { detail, .. }
            | Error::InvalidCertificateRequest { detail }
            | Error::InvalidX5c { detail } => {
                write!(f, "{} ({detail})", self.message().trim_end())
            }
            Error::NoCertificateWithPrivateKey { reason } => {
                write!(f, "{} ({reason})", self.message().trim_end())
            }
            Error::Undecryptable { detail }
            | Error::InvalidJsonWebKey { detail }
            | Error::InvalidRsaJsonWebKey { detail } => {
                write!(f, "{} ({detail})", self.message().trim_end())
            }
            other => f.write_str(other.message().trim_end()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Pkcs12Unreadable {
                source: Some(e), ..
            } => Some(e),
            Error::InvalidCertificate {
                source: Some(e), ..
            }
            | Error::InvalidPrivateKey {
                source: Some(e), ..
            } => Some(e),
            Error::Internal { cause: Some(e), .. } => Some(e),
            _ => None,
        }
    }
}

/// The lower layer whose failure an [`Error::Internal`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The key layer.
    Key(crate::key::Error),
    /// The X.509 layer.
    X509(crate::x509::Error),
    /// The PKCS#12 layer.
    Pkcs12(crate::pkcs12::Error),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Key(e) => fmt::Display::fmt(e, f),
            Cause::X509(e) => fmt::Display::fmt(e, f),
            Cause::Pkcs12(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Cause::Key(e) => Some(e),
            Cause::X509(e) => Some(e),
            Cause::Pkcs12(e) => Some(e),
        }
    }
}

/// The key layer's refusals are the request's (400, the service's words); its own failures
/// are 500.
impl From<crate::key::Error> for Error {
    fn from(e: crate::key::Error) -> Self {
        use crate::key::Error as K;
        match e {
            K::InvalidPrivateKey { detail, source } => Error::InvalidPrivateKey { detail, source },
            K::UnsupportedKeySize { bits, supported } => {
                Error::UnsupportedKeySize { bits, supported }
            }
            K::UnsupportedKeyType { algorithm, curve } => {
                Error::UnsupportedKeyType { algorithm, curve }
            }
            K::InvalidEcScalar { .. } => {
                Error::property("policy.key_props", "Invalid EC private key")
            }
            K::InvalidPublicKey { problem } => Error::InvalidArgument {
                argument: "subject_public_key_info",
                problem,
            },
            K::InvalidDigestLength {
                algorithm,
                length,
                expected,
            } => Error::InvalidDigestLength {
                algorithm,
                length,
                expected,
            },
            K::AlgorithmNotForKey { algorithm, key } => Error::AlgorithmNotForKey {
                algorithm,
                key: key.to_string(),
            },
            K::InvalidOperationInput { detail } => Error::InvalidOperationInput { detail },
            K::Undecryptable { detail } => Error::Undecryptable { detail },
            e => Error::internal_cause(Cause::Key(e)),
        }
    }
}

/// The X.509 layer's refusals are the request's (400); its own failures are 500.
impl From<crate::x509::Error> for Error {
    fn from(e: crate::x509::Error) -> Self {
        use crate::x509::Error as X;
        match e {
            X::InvalidSubject { detail } => Error::InvalidSubject { detail },
            X::InvalidCertificate { detail, source } => {
                Error::InvalidCertificate { detail, source }
            }
            X::InvalidCertificateRequest { detail } => Error::InvalidCertificateRequest { detail },
            X::TimeOutOfRange { what, bound } => Error::InvalidArgument {
                argument: what,
                problem: bound,
            },
            X::ValidityTooLong { .. } => Error::property(
                "policy.x509_props.validity_months",
                "The certificate would expire after 9999-12-31",
            ),
            X::KeyNotCertificates => Error::InvalidArgument {
                argument: "key",
                problem: "the key is not the CA certificate's",
            },
            X::Key(e) => Error::from(e),
            e => Error::internal_cause(Cause::X509(e)),
        }
    }
}

/// The PKCS#12 layer: a PFX that cannot be read is Import's 400 (`Pkcs12Unreadable`, or two
/// keys), contents no PFX can carry are the caller's, the rest is 500.
impl From<crate::pkcs12::Error> for Error {
    fn from(e: crate::pkcs12::Error) -> Self {
        use crate::pkcs12::Error as P;
        match e {
            P::MultipleKeys => Error::NoCertificateWithPrivateKey {
                reason: KeyPairing::MultiplePrivateKeys,
            },
            P::InvalidContents(problem) => Error::InvalidArgument {
                argument: "contents",
                problem,
            },
            P::Key(e) => Error::from(e),
            e if e.is_internal() => Error::internal_cause(Cause::Pkcs12(e)),
            e => Error::Pkcs12Unreadable {
                detail: e.to_string(),
                source: Some(e),
            },
        }
    }
}

/// What was wrong with a request body ([`Error::MalformedRequest`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestProblem {
    /// Longer than the operation's bound.
    TooLarge {
        /// The bound, in bytes.
        limit: usize,
    },
    /// Not JSON, or JSON that does not fit the wire model (wrong type, duplicate key).
    Json {
        /// The parser's message, position included.
        message: String,
        /// The line of the first error (1-based).
        line: usize,
        /// The column of the first error (1-based).
        column: usize,
    },
}

impl RequestProblem {
    pub(crate) fn json(e: &serde_json::Error) -> Self {
        RequestProblem::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }
}

impl fmt::Display for RequestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestProblem::TooLarge { limit } => write!(f, "body larger than {limit} bytes"),
            RequestProblem::Json { message, .. } => f.write_str(message),
        }
    }
}

/// Why Import found no certificate with a private key ([`Error::NoCertificateWithPrivateKey`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyPairing {
    /// The value holds no private key.
    NoPrivateKey,
    /// The value holds more than one private key.
    MultiplePrivateKeys,
    /// The value holds no certificate.
    NoCertificate,
    /// The private key belongs to none of the certificates.
    KeyMatchesNoCertificate,
}

impl fmt::Display for KeyPairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyPairing::NoPrivateKey => "no private key",
            KeyPairing::MultiplePrivateKeys => "more than one private key",
            KeyPairing::NoCertificate => "no certificate",
            KeyPairing::KeyMatchesNoCertificate => "the private key matches no certificate",
        })
    }
}

/// `KeyVaultError`: `{"error": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVaultError {
    /// The error.
    pub error: KeyVaultErrorDetail,
}

/// `Error`: code, message and an optional inner error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVaultErrorDetail {
    /// The error code, e.g. `BadParameter`.
    pub code: String,
    /// The message (an inner error may have none: `{"code":"ObjectIsDeletedButRecoverable"}`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// A more specific error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<KeyVaultErrorDetail>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use const_oid::db::rfc5912::{ID_DSA, ID_EC_PUBLIC_KEY};

    #[test]
    fn the_layers_refusals_are_400s_in_the_services_words_and_their_failures_500s() {
        let key = |e: crate::key::Error| Error::from(e);
        let short = key(crate::key::Error::InvalidDigestLength {
            algorithm: "RS256",
            length: 10,
            expected: 32,
        });
        assert_eq!(short.status(), 400);
        assert_eq!(
            short.message(),
            "Invalid length of 'value': 10 bytes. RS256 requires 32 bytes, encoded with base64url."
        );
        let junk = key(crate::key::Error::InvalidPrivateKey {
            detail: "junk".into(),
            source: None,
        });
        assert_eq!((junk.status(), junk.code()), (400, "BadParameter"));
        let pfx = Error::from(crate::pkcs12::Error::WrongPassword);
        assert!(matches!(pfx, Error::Pkcs12Unreadable { .. }), "{pfx:?}");
        assert_eq!(
            Error::from(crate::pkcs12::Error::InvalidContents("none")).status(),
            400
        );
        let csr = Error::from(crate::x509::Error::InvalidCertificateRequest {
            detail: "bad".into(),
        });
        assert_eq!(csr.status(), 400);
        // kvcert's own failures: 500, with the layer's error as the source.
        let encoding = crate::x509::Error::Encoding(der::Error::from(der::ErrorKind::Overflow));
        let internal = Error::from(encoding.clone());
        assert_eq!(internal.status(), 500);
        let source = std::error::Error::source(&internal).expect("a source");
        assert_eq!(source.to_string(), encoding.to_string());
        let signing = Error::from(crate::x509::Error::Key(crate::key::Error::Rsa(
            kvcert_rsa::Error::SignatureFaulty,
        )));
        assert_eq!(signing.status(), 500);
    }

    #[test]
    fn unsupported_key_types_are_worded_by_their_oids() {
        let message = |algorithm, curve| Error::UnsupportedKeyType { algorithm, curve }.message();
        let tail = ". Supported key types are [RSA, EC (P-256, P-384, P-521, P-256K)]";
        assert_eq!(
            message(ID_DSA, None),
            format!("Unsupported key type (1.2.840.10040.4.1){tail}")
        );
        assert_eq!(
            message(ID_EC_PUBLIC_KEY, None),
            format!("Unsupported key type (EC without a named curve){tail}")
        );
        let brainpool = const_oid::ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
        assert_eq!(
            message(ID_EC_PUBLIC_KEY, Some(brainpool)),
            format!("Unsupported key type (EC 1.3.36.3.3.2.8.1.1.7){tail}")
        );
    }

    #[test]
    fn typed_details_keep_the_wire_text() {
        let too_large = Error::MalformedRequest {
            problem: RequestProblem::TooLarge { limit: 10 },
        };
        assert_eq!(
            too_large.message(),
            "The request body is not valid: body larger than 10 bytes"
        );
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let problem = RequestProblem::json(&json);
        assert!(matches!(
            problem,
            RequestProblem::Json {
                line: 1,
                column: 1,
                ..
            }
        ));
        let no_key = Error::NoCertificateWithPrivateKey {
            reason: KeyPairing::NoPrivateKey,
        };
        assert_eq!(no_key.status(), 400);
        assert!(no_key.to_string().ends_with("(no private key)"));
        let misuse = Error::InvalidArgument {
            argument: "now",
            problem: "before 1970-01-01T00:00:00Z",
        };
        assert_eq!((misuse.status(), misuse.code()), (400, "BadParameter"));
    }
}
