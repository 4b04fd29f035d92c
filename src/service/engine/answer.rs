//! The edge of the engine: an operation's typed answer becomes the service's HTTP answer
//! here and nowhere else: its status, its headers (`Location`, `Retry-After`) and its body in
//! the request's api-version ([`View`]), written once.

use super::view::View;
use super::{RETRY_AFTER_SECS, Response};
use crate::service::error::Error;
use crate::service::wire;

/// What one routed operation answered, typed.
pub(super) enum Answer {
    /// 202 to a create, with `Location` (the operation's URL with the request's api-version
    /// and `request_id`) and `Retry-After`.
    Accepted {
        /// The new operation.
        operation: wire::CertificateOperation,
        /// `{vault}/certificates/{name}/pending`, `name` as the request spelled it.
        pending_url: String,
    },
    /// 200 with an operation, and `Retry-After` while it is in progress (every recording).
    Operation(wire::CertificateOperation),
    /// 200 with a certificate.
    Certificate(wire::CertificateBundle),
    /// 201 to a merge, with `Location`: the certificate's URL (its id without the version).
    Merged(wire::CertificateBundle),
    /// 200 with a deleted certificate.
    Deleted(wire::DeletedCertificateBundle),
    /// 204, no body: purged.
    Purged,
    /// 200 with a policy.
    Policy(wire::CertificatePolicy),
    /// 200 with a certificate's key.
    Key(wire::KeyBundle),
    /// 200 with a secret (a client's or a certificate's).
    Secret(wire::SecretBundle),
    /// 200 with a deleted key.
    DeletedKey(wire::DeletedKeyBundle),
    /// 200 with a page of deleted keys.
    DeletedKeys(wire::DeletedKeyListResult),
    /// 200 with a key operation's output.
    KeyOperation(wire::KeyOperationResult),
    /// 200 with a verification's outcome.
    Verified(wire::KeyVerifyResult),
    /// 200 with a key's rotation policy.
    RotationPolicy(wire::KeyRotationPolicy),
    /// 200 with a deleted secret.
    DeletedSecret(wire::DeletedSecretBundle),
    /// 200 with a page of deleted secrets.
    DeletedSecrets(wire::DeletedSecretListResult),
    /// 200 with an issuer.
    Issuer(wire::IssuerBundle),
    /// 200 with the issuers.
    Issuers(wire::IssuerListResult),
    /// 200 with the contacts.
    Contacts(wire::Contacts),
    /// 200 with a page of certificates, versions or deleted certificates.
    Certificates(wire::CertificateListResult),
    /// 200 with a backup blob.
    Backup(wire::BackupResult),
    /// 200 with a page of secrets or of a secret's versions.
    Secrets(wire::SecretListResult),
    /// 200 with a page of keys or of a key's versions.
    Keys(wire::KeyListResult),
}

impl Answer {
    /// The HTTP answer in `view`'s api-version (`api_version` names it in a `Location`).
    pub(super) fn into_response(self, view: View, api_version: &str) -> Response {
        match self {
            Answer::Accepted {
                mut operation,
                pending_url,
            } => {
                view.operation(&mut operation);
                let request_id = operation.request_id.clone().unwrap_or_default();
                Response::json(202, &operation)
                    .with_header(
                        "Location",
                        format!("{pending_url}?api-version={api_version}&request_id={request_id}"),
                    )
                    .with_header("Retry-After", RETRY_AFTER_SECS.to_string())
            }
            Answer::Operation(mut operation) => {
                view.operation(&mut operation);
                let response = Response::json(200, &operation);
                if operation.status.as_deref() == Some("inProgress") {
                    response.with_header("Retry-After", RETRY_AFTER_SECS.to_string())
                } else {
                    response
                }
            }
            Answer::Certificate(mut bundle) => {
                view.bundle(&mut bundle);
                Response::json(200, &bundle)
            }
            Answer::Merged(mut bundle) => {
                view.bundle(&mut bundle);
                let location = bundle
                    .id
                    .as_deref()
                    .and_then(|id| id.rsplit_once('/'))
                    .map(|(url, _version)| url.to_owned());
                match location {
                    Some(location) => {
                        Response::json(201, &bundle).with_header("Location", location)
                    }
                    None => Response::error(&Error::internal("a merged certificate has no id")),
                }
            }
            Answer::Deleted(mut deleted) => {
                view.bundle(&mut deleted.bundle);
                Response::json(200, &deleted)
            }
            Answer::Purged => Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            },
            Answer::Policy(mut policy) => {
                view.policy(&mut policy);
                Response::json(200, &policy)
            }
            Answer::Key(mut key) => {
                view.attributes(&mut key.attributes);
                Response::json(200, &key)
            }
            Answer::Secret(mut secret) => {
                view.attributes(&mut secret.attributes);
                if view.secret_id_first {
                    Response::json(200, &secret.id_first())
                } else {
                    Response::json(200, &secret)
                }
            }
            Answer::DeletedKey(mut deleted) => {
                view.attributes(&mut deleted.key.attributes);
                Response::json(200, &deleted)
            }
            Answer::DeletedKeys(mut list) => {
                view.list(&mut list);
                Response::json(200, &list)
            }
            Answer::KeyOperation(result) => Response::json(200, &result),
            Answer::Verified(result) => Response::json(200, &result),
            Answer::RotationPolicy(policy) => Response::json(200, &policy),
            Answer::DeletedSecret(mut deleted) => {
                view.attributes(&mut deleted.secret.attributes);
                Response::json(200, &deleted)
            }
            Answer::DeletedSecrets(mut list) => {
                view.list(&mut list);
                Response::json(200, &list)
            }
            Answer::Issuer(issuer) => Response::json(200, &issuer),
            Answer::Issuers(issuers) => Response::json(200, &issuers),
            Answer::Contacts(contacts) => Response::json(200, &contacts),
            Answer::Certificates(mut list) => {
                view.list(&mut list);
                Response::json(200, &list)
            }
            Answer::Backup(backup) => Response::json(200, &backup),
            Answer::Secrets(mut list) => {
                view.list(&mut list);
                Response::json(200, &list)
            }
            Answer::Keys(mut list) => {
                view.list(&mut list);
                Response::json(200, &list)
            }
        }
    }
}
