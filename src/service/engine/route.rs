//! A request in, a response out: an HTTP-shaped request (method, path with query, body) routed
//! to the operation it names, with the service's `api-version` handling.
//!
//! # Routes
//!
//! | method | path | operation |
//! |---|---|---|
//! | POST | `/certificates/{name}/create` | [`VaultState::create_certificate`] |
//! | POST | `/certificates/{name}/import` | [`VaultState::import_certificate`] |
//! | GET, PATCH, DELETE | `/certificates/{name}/pending` | [`VaultState::get_pending`], [`VaultState::update_pending`], [`VaultState::delete_pending`] |
//! | POST | `/certificates/{name}/pending/merge` | [`VaultState::merge_certificate`] |
//! | GET, PATCH | `/certificates/{name}/policy` | [`VaultState::get_policy`], [`VaultState::update_policy`] |
//! | PATCH | `/certificates/{name}[/{version}]` | [`VaultState::update_certificate`] |
//! | PUT, GET, PATCH, DELETE | `/certificates/issuers/{name}` | [`VaultState::set_issuer`], [`VaultState::get_issuer`], [`VaultState::update_issuer`], [`VaultState::delete_issuer`] |
//! | GET | `/certificates/issuers` | [`VaultState::list_issuers`] |
//! | POST | `/certificates/{name}/backup`, `/certificates/restore` | [`VaultState::backup_certificate`], [`VaultState::restore_certificate`] |
//! | PUT, GET, DELETE | `/certificates/contacts` | [`VaultState::set_contacts`], [`VaultState::get_contacts`], [`VaultState::delete_contacts`] |
//! | GET | `/certificates/{name}[/{version}]` | [`VaultState::get_certificate`] |
//! | GET | `/keys/{name}[/{version}]`, `/secrets/{name}[/{version}]` | [`VaultState::get_key`], [`VaultState::get_secret`] |
//! | GET | `/secrets`, `/secrets/{name}/versions`, `/keys`, `/keys/{name}/versions` | [`VaultState::list_secrets`], [`VaultState::list_secret_versions`], [`VaultState::list_keys`], [`VaultState::list_key_versions`] (`maxresults`, `$skiptoken`): the clients' secrets, and the certificates' secrets and keys |
//! | PUT, PATCH, DELETE | `/secrets/{name}`, PATCH `/secrets/{name}/{version}` | [`VaultState::set_secret`], [`VaultState::update_secret`], [`VaultState::delete_secret`] |
//! | POST | `/secrets/{name}/backup`, `/secrets/restore` | [`VaultState::backup_secret`], [`VaultState::restore_secret`] |
//! | GET, DELETE | `/deletedsecrets/{name}` | [`VaultState::get_deleted_secret`], [`VaultState::purge_deleted_secret`] |
//! | POST | `/deletedsecrets/{name}/recover` | [`VaultState::recover_deleted_secret`] |
//! | GET | `/deletedsecrets` | [`VaultState::list_deleted_secrets`] |
//! | GET | `/certificates`, `/certificates/{name}/versions`, `/deletedcertificates` | [`VaultState::list_certificates`], [`VaultState::list_versions`], [`VaultState::list_deleted_certificates`] (`maxresults`, `$skiptoken`, `includePending`) |
//! | DELETE | `/certificates/{name}` | [`VaultState::delete_certificate`] |
//! | GET, DELETE | `/deletedcertificates/{name}` | [`VaultState::get_deleted_certificate`], [`VaultState::purge_deleted_certificate`] |
//! | POST | `/deletedcertificates/{name}/recover` | [`VaultState::recover_deleted_certificate`] |
//!
//! The path may be absolute (`https://…/certificates/…`) or start at `/`; a trailing `/` is
//! ignored. `request_id` filters the pending operation.
//!
//! # api-version
//!
//! Required on every request, one of [`API_VERSIONS`]. Per version, a body has only the fields
//! the version has, taken out of the typed body before it is written (the `view` module; a
//! client's tags are never touched): no `recoverableDays` in 7.0 (recorded 7.0 bodies), no
//! `preserveCertOrder` before 7.6, no `sans.uris` or `sans.ipAddresses` before 2025-06-01. The
//! 202's `Location` carries the request's version. Two recorded quirks of single versions:
//! at 7.2 a `GET` of a version adds the certificate's `subject`, `issuer`, `sans` and
//! `serialnumber` ([`details`](super::details)); before 7.4 a `failed` operation has no
//! `status_details`. Error texts do not depend on the version: the short 404 text
//! (`Certificate not found: {name}`) of the 2018–2020 recordings at 7.0 is gone from the
//! service at 7.0 too (recorded, Python 7.0 and 7.1, April 2022).
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | request | answer |
//! |---|---|
//! | no `api-version` | 400 `BadParameter`, the unrecognised-version text with an empty version |
//! | a path no route matches | 404 `NotFound`, `The requested resource was not found: {path}` |
//! | a known path with another method | 405 `MethodNotAllowed`, `HTTP {METHOD} not allowed` (the recorded text for `POST /certificates//create`) |
//! | a whole URL whose scheme and authority are not the vault's | the answer's ids, `nextLink` and `Location` name the request's (the service has one name per vault; an emulator reached by several names and ports answers each client with ids it can call). Every JSON string starting with the vault's URL and `/` is rewritten, a client's tag with such a value too |

use rand_core::CryptoRng;

use super::answer::Answer;
use super::view::{API_VERSIONS, LATEST_API_VERSION, View};
use super::{Page, Response, VaultState};
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// An HTTP-shaped request: what a server or an SDK transport hands over, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE` (any case).
    pub method: &'a str,
    /// The path with its query, e.g. `/certificates/web/create?api-version=7.6`, or the
    /// whole URL.
    pub path: &'a str,
    /// The body (empty for none).
    pub body: &'a [u8],
}

/// The lowercase certificate name a request works on, when it works on one name only (and
/// on the vault's settings, read-only); `None` when it may read or change any name: the
/// lists, issuers, contacts and restore (whose name is inside the blob). Kept beside the
/// routing table it mirrors: a path routed to an operation on one name has that name here.
pub(super) fn request_name(request: &Request<'_>) -> Option<String> {
    let (path, _) = split_url(request.path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["certificates", "issuers" | "contacts", ..] => None,
        ["certificates" | "secrets" | "keys", "restore"]
            if request.method.eq_ignore_ascii_case("POST") =>
        {
            None
        }
        [
            "certificates"
            | "deletedcertificates"
            | "keys"
            | "secrets"
            | "deletedsecrets"
            | "deletedkeys",
            name,
            ..,
        ] => Some(name.to_ascii_lowercase()),
        _ => None,
    }
}

/// Why a request reached no operation.
enum Unrouted {
    NotFound,
    MethodNotAllowed,
}

impl VaultState {
    /// Routes `request` to its operation and answers as the service does (see the
    /// [module docs](self)).
    ///
    /// ```
    /// use kvcert::rand_core::SeedableRng;
    /// use kvcert::service::engine::Request;
    /// use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
    ///
    /// let mut vault = VaultState::new(Vault::new("https://myvault.vault.azure.net"));
    /// let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    /// let mut rng = ChaCha20Rng::seed_from_u64(1);
    /// let create = Request {
    ///     method: "POST",
    ///     path: "/certificates/web/create?api-version=7.4",
    ///     body: br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#,
    /// };
    /// let answer = vault.handle(&create, now, &mut rng);
    /// assert_eq!(answer.status, 202);
    /// assert!(answer.header("Location").unwrap().contains("api-version=7.4&request_id="));
    /// let get = Request { method: "GET", path: "/certificates/web?api-version=7.4", body: b"" };
    /// assert_eq!(vault.handle(&get, now, &mut rng).status, 200);
    /// ```
    pub fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        request: &Request<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Response {
        self.handle_dyn(request, now, &mut { rng })
    }

    fn handle_dyn(
        &mut self,
        request: &Request<'_>,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Response {
        let answer = self.answer(request, now, rng);
        self.addressed(request, answer)
    }

    fn answer(
        &mut self,
        request: &Request<'_>,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Response {
        // Whatever has come due by `now` happens first (see `lifetime`).
        self.advance_dyn(now, rng);
        if let Some(answer) = self.read_as_stored(request, now) {
            return answer;
        }
        let (path, query) = split_url(request.path);
        let api_version = match api_version(query) {
            Ok(v) => v,
            Err(e) => return Response::error(&e),
        };
        let request_id = query_value(query, "request_id");
        let request_id = request_id.as_deref();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.to_ascii_uppercase();
        let body = request.body;
        let pending_url = |name: &str| format!("{}/certificates/{name}/pending", self.vault.url);
        let routed: Result<Result<Answer, Error>, Unrouted> =
            match (segments.as_slice(), method.as_str()) {
                (["certificates", "issuers", name], "PUT") => {
                    Ok(self.set_issuer(name, body, now).map(Answer::Issuer))
                }
                (["certificates", "issuers", name], "PATCH") => {
                    Ok(self.update_issuer(name, body, now).map(Answer::Issuer))
                }
                (["certificates", "issuers", name], "DELETE") => {
                    Ok(self.delete_issuer(name).map(Answer::Issuer))
                }
                (["certificates", "contacts"], "PUT") => {
                    Ok(self.set_contacts(body).map(Answer::Contacts))
                }
                (["certificates", "contacts"], "DELETE") => {
                    Ok(self.delete_contacts().map(Answer::Contacts))
                }
                (["certificates", "issuers" | "contacts"] | ["certificates", "issuers", _], _) => {
                    Err(Unrouted::MethodNotAllowed)
                }
                (["certificates", name, "create"], "POST") => {
                    let pending_url = pending_url(name);
                    Ok(self
                        .create_certificate(name, body, now, rng)
                        .map(|operation| Answer::Accepted {
                            operation,
                            pending_url,
                        }))
                }
                (["certificates", "restore"], "POST") => {
                    Ok(self.restore_certificate(body, now).map(Answer::Certificate))
                }
                (["certificates", name, "backup"], "POST") => {
                    Ok(self.backup_certificate(name, now).map(Answer::Backup))
                }
                (["certificates", name, "import"], "POST") => Ok(self
                    .import_certificate(name, body, now, rng)
                    .map(Answer::Certificate)),
                (["certificates", name, "pending"], "PATCH") => Ok(self
                    .update_pending(name, request_id, body, now)
                    .map(Answer::Operation)),
                (["certificates", name, "pending"], "DELETE") => Ok(self
                    .delete_pending(name, request_id, now)
                    .map(Answer::Operation)),
                (["certificates", name, "pending", "merge"], "POST") => Ok(self
                    .merge_certificate(name, body, now, rng)
                    .map(Answer::Merged)),
                (["certificates", name, "policy"], "PATCH") => {
                    Ok(self.update_policy(name, body, now).map(Answer::Policy))
                }
                (["certificates", name], "PATCH") => Ok(self
                    .update_certificate(name, None, body, now)
                    .map(Answer::Certificate)),
                (["certificates", name, version], "PATCH") => Ok(self
                    .update_certificate(name, Some(version), body, now)
                    .map(Answer::Certificate)),
                (["deletedcertificates", name], "DELETE") => Ok(self
                    .purge_deleted_certificate(name, now)
                    .map(|()| Answer::Purged)),
                (["deletedcertificates", name, "recover"], "POST") => Ok(self
                    .recover_deleted_certificate(name, now)
                    .map(Answer::Certificate)),
                (["certificates", name], "DELETE") => {
                    Ok(self.delete_certificate(name, now).map(Answer::Deleted))
                }
                (["keys", "restore"], "POST") => Ok(self.restore_key(body, now).map(Answer::Key)),
                (["keys", name, "create"], "POST") => {
                    Ok(self.create_key(name, body, now, rng).map(Answer::Key))
                }
                (["keys", name], "PUT") => {
                    Ok(self.import_key(name, body, now, rng).map(Answer::Key))
                }
                (["keys", name, "backup"], "POST") => Ok(self.backup_key(name).map(Answer::Backup)),
                (["keys", name, "rotate"], "POST") => {
                    Ok(self.rotate_key(name, now, rng).map(Answer::Key))
                }
                (["keys", name, "rotationpolicy"], "PUT") => Ok(self
                    .update_key_rotation_policy(name, body, now)
                    .map(Answer::RotationPolicy)),
                (["keys", name, op], "POST") | (["keys", name, _, op], "POST")
                    if super::keys::crypto::KeyOperation::from_path(op).is_some() =>
                {
                    let version = match segments.as_slice() {
                        [_, _, version, _] => Some(*version),
                        _ => None,
                    };
                    Ok(self.key_operation_answer(name, version, op, body, now, rng))
                }
                (["keys", name], "PATCH") => {
                    Ok(self.update_key(name, None, body, now).map(Answer::Key))
                }
                (["keys", name, version], "PATCH") => Ok(self
                    .update_key(name, Some(version), body, now)
                    .map(Answer::Key)),
                (["keys", name], "DELETE") => {
                    Ok(self.delete_key(name, now).map(Answer::DeletedKey))
                }
                (["deletedkeys", name], "DELETE") => {
                    Ok(self.purge_deleted_key(name, now).map(|()| Answer::Purged))
                }
                (["deletedkeys", name, "recover"], "POST") => {
                    Ok(self.recover_deleted_key(name, now).map(Answer::Key))
                }
                (["secrets", "restore"], "POST") => {
                    Ok(self.restore_secret(body, now).map(Answer::Secret))
                }
                (["secrets", name], "PUT") => {
                    Ok(self.set_secret(name, body, now, rng).map(Answer::Secret))
                }
                (["secrets", name, "backup"], "POST") => {
                    Ok(self.backup_secret(name).map(Answer::Backup))
                }
                (["secrets", name], "PATCH") => Ok(self
                    .update_secret(name, None, body, now)
                    .map(Answer::Secret)),
                (["secrets", name, version], "PATCH") => Ok(self
                    .update_secret(name, Some(version), body, now)
                    .map(Answer::Secret)),
                (["secrets", name], "DELETE") => {
                    Ok(self.delete_secret(name, now).map(Answer::DeletedSecret))
                }
                (["deletedsecrets", name], "DELETE") => Ok(self
                    .purge_deleted_secret(name, now)
                    .map(|()| Answer::Purged)),
                (["deletedsecrets", name, "recover"], "POST") => {
                    Ok(self.recover_deleted_secret(name, now).map(Answer::Secret))
                }
                (["certificates", _, "create" | "import" | "backup"], _)
                | (["certificates", _, "pending", "merge"], _)
                | (["certificates", _, "pending"], _)
                | (["certificates", _, _] | ["certificates", _], _)
                | (
                    ["keys" | "secrets"] | ["keys" | "secrets", _] | ["keys" | "secrets", _, _],
                    _,
                )
                | (
                    ["certificates" | "deletedcertificates" | "deletedsecrets" | "deletedkeys"],
                    _,
                )
                | (["keys", _, _, _], _)
                | (
                    ["deletedcertificates" | "deletedsecrets" | "deletedkeys", _]
                    | [
                        "deletedcertificates" | "deletedsecrets" | "deletedkeys",
                        _,
                        "recover",
                    ],
                    _,
                ) => Err(Unrouted::MethodNotAllowed),
                _ => Err(Unrouted::NotFound),
            };
        let answered = match routed {
            Ok(answered) => answered,
            Err(Unrouted::MethodNotAllowed) => Err(Error::MethodNotAllowed { method }),
            Err(Unrouted::NotFound) => Err(Error::NotFound {
                path: path.to_owned(),
            }),
        };
        respond(answered, &api_version)
    }
}

impl VaultState {
    /// Answers `request` if it is a `GET` of the routing table, reading the vault as it
    /// stands at `now` without changing it; `None` for any other request. Issuances that
    /// came due read as completed; a lifetime action that came due (a renewal) is not run:
    /// [`Self::handle`] runs it first. A caller that must not write (its store refuses) reads
    /// the vault this way.
    ///
    /// ```
    /// use kvcert::service::engine::Request;
    /// use kvcert::{UnixTime, Vault, VaultState};
    /// let vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
    /// let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    /// let get = Request { method: "GET", path: "/certificates/x?api-version=7.6", body: b"" };
    /// assert_eq!(vault.read(&get, now).unwrap().status, 404);
    /// let delete = Request { method: "DELETE", ..get };
    /// assert!(vault.read(&delete, now).is_none());
    /// ```
    pub fn read(&self, request: &Request<'_>, now: UnixTime) -> Option<Response> {
        self.read_as_stored(request, now)
            .map(|answer| self.addressed(request, answer))
    }

    /// The answer with the ids of the client's address: when the request's path is a whole
    /// URL whose scheme and authority are not the vault's, every JSON string and `Location`
    /// that starts with the vault's URL and `/` starts with the request's instead. The vault
    /// is then reachable under any name and port (an emulator saved on one port and served
    /// on another, `localhost` and `127.0.0.1` at once) with ids each client can call. A
    /// stored value the client wrote that starts with the vault's URL (a tag) is rewritten
    /// too (kvcert's decision: such values do not occur in practice, and the ids must).
    fn addressed(&self, request: &Request<'_>, mut answer: Response) -> Response {
        let Some(base) = base_of(request.path) else {
            return answer;
        };
        let stored = self.vault.url.trim_end_matches('/');
        // `https://host:443` is `https://host`: a client that follows a `nextLink` (written
        // with the port, as recorded) keeps the ids without it.
        if base.eq_ignore_ascii_case(stored)
            || base.eq_ignore_ascii_case(&super::list::with_port_443(stored))
        {
            return answer;
        }
        if let Ok(text) = std::str::from_utf8(&answer.body) {
            let mut text = std::borrow::Cow::Borrowed(text);
            // `nextLink`'s recorded form names port 443 (see `list`): that form first.
            let port_443 = super::list::with_port_443(stored);
            let mut pairs = vec![(format!("\"{stored}/"), format!("\"{base}/"))];
            if port_443 != stored {
                let to = super::list::with_port_443(base);
                pairs.insert(0, (format!("\"{port_443}/"), format!("\"{to}/")));
            }
            for (from, to) in pairs {
                if text.contains(&from) {
                    text = std::borrow::Cow::Owned(text.replace(&from, &to));
                }
            }
            if let std::borrow::Cow::Owned(text) = text {
                answer.body = text.into_bytes();
            }
        }
        for (name, value) in &mut answer.headers {
            if name.eq_ignore_ascii_case("Location")
                && let Some(rest) = value.strip_prefix(stored)
                && rest.starts_with('/')
            {
                *value = format!("{base}{rest}");
            }
        }
        answer
    }

    fn read_as_stored(&self, request: &Request<'_>, now: UnixTime) -> Option<Response> {
        if !request.method.eq_ignore_ascii_case("GET") {
            return None;
        }
        let (path, query) = split_url(request.path);
        let api_version = match api_version(query) {
            Ok(v) => v,
            Err(e) => return Some(Response::error(&e)),
        };
        let request_id = query_value(query, "request_id");
        let request_id = request_id.as_deref();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let page = || page(query, &api_version);
        let answered = match segments.as_slice() {
            ["certificates", "issuers"] => Ok(Answer::Issuers(self.list_issuers())),
            ["certificates", "issuers", name] => self.get_issuer(name).map(Answer::Issuer),
            ["certificates", "contacts"] => self.get_contacts().map(Answer::Contacts),
            ["certificates", name, "pending"] => self
                .get_pending(name, request_id, now)
                .map(Answer::Operation),
            ["certificates", name, "policy"] => self.get_policy(name, now).map(Answer::Policy),
            ["certificates"] => self
                .list_certificates(&page(), now)
                .map(Answer::Certificates),
            ["certificates", name, "versions"] => self
                .list_versions(name, &page(), now)
                .map(Answer::Certificates),
            ["deletedcertificates"] => self
                .list_deleted_certificates(&page(), now)
                .map(Answer::Certificates),
            ["deletedcertificates", name] => {
                self.get_deleted_certificate(name, now).map(Answer::Deleted)
            }
            ["certificates", name] => self
                .get_certificate(name, None, now)
                .map(Answer::Certificate),
            ["certificates", name, version] => {
                let bundle = self.get_certificate(name, Some(version), now);
                // 7.2 adds the certificate's own fields (`details`).
                match bundle {
                    Ok(b) if View::of(&api_version).certificate_details => {
                        super::details::with_certificate_details(b)
                    }
                    other => other,
                }
                .map(Answer::Certificate)
            }
            ["secrets"] => self.list_secrets(&page(), now).map(Answer::Secrets),
            ["deletedsecrets"] => self
                .list_deleted_secrets(&page(), now)
                .map(Answer::DeletedSecrets),
            ["deletedsecrets", name] => self
                .get_deleted_secret(name, now)
                .map(Answer::DeletedSecret),
            ["secrets", name, "versions"] => self
                .list_secret_versions(name, &page(), now)
                .map(Answer::Secrets),
            ["keys"] => self.list_keys(&page(), now).map(Answer::Keys),
            ["keys", name, "versions"] => {
                self.list_key_versions(name, &page(), now).map(Answer::Keys)
            }
            ["deletedkeys"] => self
                .list_deleted_keys(&page(), now)
                .map(Answer::DeletedKeys),
            ["deletedkeys", name] => self.get_deleted_key(name, now).map(Answer::DeletedKey),
            ["keys", name, "rotationpolicy"] => self
                .get_key_rotation_policy(name, now)
                .map(Answer::RotationPolicy),
            ["keys", name] => self.get_key(name, None, now).map(Answer::Key),
            ["keys", name, version] => self.get_key(name, Some(version), now).map(Answer::Key),
            ["secrets", name] => self
                .secret_in(name, None, query, &api_version, now)
                .map(Answer::Secret),
            ["secrets", name, version] => self
                .secret_in(name, Some(version), query, &api_version, now)
                .map(Answer::Secret),
            _ => return None,
        };
        Some(respond(answered, &api_version))
    }
}

impl VaultState {
    /// `GET /secrets/{name}[/{version}]`, converted when the query has an `outContentType`
    /// and the api-version defines it ([`convert`](super::convert)).
    fn secret_in(
        &self,
        name: &str,
        version: Option<&str>,
        query: &str,
        api_version: &str,
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        match query_value(query, "outContentType") {
            Some(out) if View::of(api_version).out_content_type => {
                self.get_secret_as(name, version, &out, now)
            }
            _ => self.get_secret(name, version, now),
        }
    }
}

/// The HTTP answer to a routed request, in its api-version: the one place an operation's
/// result becomes a status, headers and a body ([`Answer`], [`View`]).
fn respond(answered: Result<Answer, Error>, api_version: &str) -> Response {
    match answered {
        Ok(answer) => answer.into_response(View::of(api_version), api_version),
        Err(e) => Response::error(&e),
    }
}

/// The query's `api-version`, one of [`API_VERSIONS`]; the service's 400 otherwise.
fn api_version(query: &str) -> Result<String, Error> {
    let api_version = query_value(query, "api-version").unwrap_or_default();
    if API_VERSIONS.contains(&api_version.as_str()) {
        Ok(api_version)
    } else {
        Err(Error::UnsupportedApiVersion {
            version: api_version,
            latest: LATEST_API_VERSION,
        })
    }
}

impl VaultState {
    /// A key operation (`sign`, `verify`, …) as its answer.
    fn key_operation_answer(
        &self,
        name: &str,
        version: Option<&str>,
        op: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<Answer, Error> {
        use super::keys::crypto::KeyOperation;
        match KeyOperation::from_path(op) {
            Some(KeyOperation::Verify) => self
                .verify_with_key(name, version, body, now)
                .map(Answer::Verified),
            Some(operation) => self
                .key_operation(name, version, operation, body, now, rng)
                .map(Answer::KeyOperation),
            None => Err(Error::MethodNotAllowed {
                method: "POST".to_owned(),
            }),
        }
    }
}

/// The list paging parameters of a query.
fn page(query: &str, api_version: &str) -> Page {
    Page {
        max_results: query_value(query, "maxresults"),
        skip_token: query_value(query, "$skiptoken"),
        include_pending: query_value(query, "includePending")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        api_version: api_version.to_owned(),
    }
}

#[cfg(feature = "http")]
impl VaultState {
    /// [`VaultState::handle`] on the `http` crate's types (feature `http`): the request's method,
    /// URI and body in; the status, the headers (with `Content-Type: application/json;
    /// charset=utf-8` when there is a body, as the service sends) and the body out.
    ///
    /// ```
    /// use kvcert::rand_core::SeedableRng;
    /// use kvcert::{ChaCha20Rng, UnixTime, Vault, VaultState};
    /// let mut vault = VaultState::new(Vault::new("https://v.vault.azure.net"));
    /// let request = http::Request::get("https://v.vault.azure.net/certificates/x?api-version=7.6")
    ///     .body(Vec::new())
    ///     .unwrap();
    /// let now: UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    /// let response = vault.handle_http(&request, now, &mut ChaCha20Rng::seed_from_u64(1));
    /// assert_eq!(response.status(), 404);
    /// assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    /// ```
    pub fn handle_http<B: AsRef<[u8]>, R: CryptoRng + ?Sized>(
        &mut self,
        request: &http::Request<B>,
        now: UnixTime,
        rng: &mut R,
    ) -> http::Response<Vec<u8>> {
        let target = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |pq| pq.as_str().to_owned(),
        );
        let answer = self.handle(
            &Request {
                method: request.method().as_str(),
                path: &target,
                body: request.body().as_ref(),
            },
            now,
            rng,
        );
        let mut response = http::Response::new(answer.body);
        *response.status_mut() = http::StatusCode::from_u16(answer.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in &answer.headers {
            if let (Ok(name), Ok(value)) = (
                http::header::HeaderName::from_bytes(name.as_bytes()),
                http::header::HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        if !response.body().is_empty() {
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::header::HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        response
    }
}

/// The scheme and authority of a whole URL (`https://host:port`), `None` for a path.
fn base_of(target: &str) -> Option<&str> {
    let (scheme, rest) = target.split_once("://")?;
    let authority = rest.find(['/', '?', '#']).map_or(rest, |i| &rest[..i]);
    (!scheme.is_empty() && !authority.is_empty())
        .then(|| &target[..scheme.len() + 3 + authority.len()])
}

/// The path and the query of a request target (a whole URL or a path).
fn split_url(target: &str) -> (&str, &str) {
    let without_scheme = target.split_once("://").map_or(target, |(_, rest)| {
        rest.find('/').map_or("", |i| &rest[i..])
    });
    let without_fragment = without_scheme.split('#').next().unwrap_or_default();
    without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""))
}

/// The first value of `key` in a query string, percent-decoded.
fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

/// `%XX` escapes and `+` for space (HTML form encoding, as HTTP clients send queries).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(
            split_url("https://v.vault.azure.net/certificates/a?api-version=7.4"),
            ("/certificates/a", "api-version=7.4")
        );
        assert_eq!(split_url("/certificates/a"), ("/certificates/a", ""));
        assert_eq!(split_url("/x?a=1#frag"), ("/x", "a=1"));
        assert_eq!(
            query_value("a=1&api-version=7%2E4", "api-version").as_deref(),
            Some("7.4")
        );
        assert_eq!(query_value("a=1", "api-version"), None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("a+b%20c"), "a b c");
    }
}
