//! The lists: certificates, one certificate's versions, deleted certificates, and the
//! secrets and keys of the certificates (each certificate version's secret and key, listed
//! `managed: true` as the service lists them); a page at a time, as the service pages them.
//!
//! A page holds at most `maxresults` items (1–25, default 25, the swagger's bounds). The
//! `nextLink` of every page but the last is an absolute URL on port 443 (as recorded:
//! `https://{vault}:443/certificates?api-version=7.3&$skiptoken=…`), the last page's is
//! `null`. The skip token is kvcert's own (base64url of where the next page starts); a page
//! costs the same however many certificates the vault holds (a range of an ordered map).
//! Names are listed in case-insensitive order, versions by their version string (recorded).

use std::ops::Bound;

use super::VaultState;
use super::current::{current_bundle, current_version, versions};
use super::record::VersionRecord;
use crate::pem;
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The most items a page holds (swagger `maxresults` maximum).
pub const MAX_PAGE_SIZE: usize = 25;

/// Which page of a list, from the request's query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// `maxresults` as sent.
    pub max_results: Option<String>,
    /// `$skiptoken` as sent (from a `nextLink`).
    pub skip_token: Option<String>,
    /// `includePending` as sent (`true` lists certificates that are only pending).
    pub include_pending: bool,
    /// The request's api-version, for the `nextLink`.
    pub api_version: String,
}

impl Page {
    fn size(&self) -> Result<usize, Error> {
        match &self.max_results {
            None => Ok(MAX_PAGE_SIZE),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| Error::property("maxresults", "The value must be between 1 and 25")),
        }
    }

    fn start(&self) -> Result<Option<String>, Error> {
        self.skip_token
            .as_deref()
            .map(|token| {
                pem::base64url_decode(token)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| Error::property("$skiptoken", "The skip token is not valid"))
            })
            .transpose()
    }

    fn next_link(&self, vault_url: &str, path: &str, after: &str) -> String {
        let mut link = format!(
            "{}{path}?api-version={}&$skiptoken={}",
            with_port_443(vault_url),
            self.api_version,
            pem::base64url(after.as_bytes())
        );
        if let Some(n) = &self.max_results {
            link.push_str(&format!("&maxresults={n}"));
        }
        if self.include_pending {
            link.push_str("&includePending=true");
        }
        link
    }
}

/// `https://host/…` → `https://host:443/…` (the recorded form); a URL with a port is kept.
pub(super) fn with_port_443(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if !rest.contains(':') => {
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let path = if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            };
            format!("{scheme}://{host}:443{path}")
        }
        _ => url.to_owned(),
    }
}

/// A list item's attributes: the recorded lists carry no recovery level.
fn item_attributes(
    attributes: Option<&wire::CertificateAttributes>,
) -> Option<wire::CertificateAttributes> {
    attributes.map(|a| wire::CertificateAttributes {
        enabled: a.enabled,
        nbf: a.nbf,
        exp: a.exp,
        created: a.created,
        updated: a.updated,
        recovery_level: None,
        recoverable_days: None,
        exportable: None,
        hsm_platform: None,
    })
}

fn item_of(bundle: &wire::CertificateBundle, id: String) -> wire::CertificateItem {
    wire::CertificateItem {
        recovery_id: None,
        deleted_date: None,
        scheduled_purge_date: None,
        id: Some(id),
        x5t: bundle.x5t.clone(),
        attributes: item_attributes(bundle.attributes.as_ref()),
        tags: bundle.tags.clone(),
        subject: Some(String::new()),
    }
}

impl VaultState {
    /// `GET /certificates`: the current version of every certificate (and, with
    /// `includePending`, those only pending).
    pub fn list_certificates(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::CertificateListResult, Error> {
        let items = self.certificates_from(page)?.filter_map(|(key, record)| {
            // Before its first version, a certificate is listed only with `includePending`.
            if !page.include_pending && current_version(record, now).is_none() {
                return None;
            }
            let bundle = current_bundle(record, &self.vault, now)?;
            let id = format!("{}/certificates/{}", self.vault.url, record.name);
            Some((key.clone(), item_of(&bundle, id)))
        });
        self.page_of(page, "/certificates", items)
    }

    /// `GET /certificates/{name}/versions`: every completed version, by version string; an
    /// empty list for a name without versions, even one that never existed (recorded at 7.2).
    pub fn list_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::CertificateListResult, Error> {
        self.version_page(name, page, now, "certificates", |id, v| {
            item_of(&v.bundle, id)
        })
    }

    /// `GET /deletedcertificates`: the deleted certificates not yet purged at `now`.
    pub fn list_deleted_certificates(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::CertificateListResult, Error> {
        page.size()?;
        let items = super::delete::kept_after(&self.deleted, page.start()?, now)
            // Deleted before its first version: listed only with `includePending`, as in the
            // list of live certificates (the swagger's one meaning of the parameter for both).
            .filter(|(_, deleted)| {
                page.include_pending || current_version(&deleted.record, now).is_some()
            })
            .map(|(key, deleted)| {
                let body = self.deleted_bundle(deleted, now);
                let id = format!("{}/certificates/{}", self.vault.url, deleted.record.name);
                let mut item = item_of(&body.bundle, id);
                // Recorded (JS): deleted items keep the recovery level in their attributes,
                // and have no `subject` (7.1, 7.2, 7.4).
                item.attributes = body.bundle.attributes.clone();
                item.subject = None;
                item.recovery_id = body.recovery_id;
                item.deleted_date = body.deleted_date;
                item.scheduled_purge_date = body.scheduled_purge_date;
                (key.clone(), item)
            });
        self.page_of(page, "/deletedcertificates", items)
    }
}

/// A certificate's secret in a list: the stored secret without its value, under `id`
/// (recorded, JS 2021: `contentType, id, managed, attributes`; no `kid`).
fn secret_item(v: &VersionRecord, id: String) -> wire::SecretItem {
    wire::SecretItem {
        content_type: v.secret.content_type.clone(),
        id: Some(id),
        managed: v.secret.managed,
        attributes: v.secret.attributes.clone(),
        tags: v.secret.tags.clone(),
    }
}

/// A certificate's key in a list: the stored key without its material, under `kid`.
fn key_item(v: &VersionRecord, kid: String) -> wire::KeyItem {
    wire::KeyItem {
        kid: Some(kid),
        attributes: v.key.attributes.clone(),
        tags: v.key.tags.clone(),
        managed: v.key.managed,
    }
}

impl VaultState {
    /// `GET /secrets`: the clients' secrets and the secret of every certificate that has a
    /// version (`managed: true`), each `id` without the version, by name. A certificate before
    /// its first version has no secret yet and is not listed.
    pub fn list_secrets(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::SecretListResult, Error> {
        let managed = self.certificates_from(page)?.filter_map(|(key, record)| {
            let id = format!("{}/secrets/{}", self.vault.url, record.name);
            current_version(record, now).map(|v| (key.clone(), secret_item(v, id)))
        });
        let lower = page.start()?.map_or(Bound::Unbounded, Bound::Excluded);
        let plain = self
            .secrets
            .range((lower, Bound::Unbounded))
            .filter_map(|(key, record)| Some((key.clone(), self.plain_secret_listed(record)?)));
        self.page_of(page, "/secrets", merged(managed, plain))
    }

    /// `GET /deletedsecrets`: the clients' deleted secrets not yet purged at `now`, by name
    /// (recorded, Go 7.3: the recovery fields, then the item without a version in its `id`).
    pub fn list_deleted_secrets(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::DeletedSecretListResult, Error> {
        page.size()?;
        let items = self.deleted_secret_items(page.start()?, now);
        self.page_of(page, "/deletedsecrets", items)
    }

    /// `GET /keys`: the clients' keys and the key of every certificate that has a version
    /// (`managed: true`), each `kid` without the version, by name.
    pub fn list_keys(&self, page: &Page, now: UnixTime) -> Result<wire::KeyListResult, Error> {
        let managed = self.certificates_from(page)?.filter_map(|(key, record)| {
            let kid = format!("{}/keys/{}", self.vault.url, record.name);
            current_version(record, now).map(|v| (key.clone(), key_item(v, kid)))
        });
        let lower = page.start()?.map_or(Bound::Unbounded, Bound::Excluded);
        let plain = self
            .keys
            .range((lower, Bound::Unbounded))
            .filter_map(|(key, record)| Some((key.clone(), self.plain_key_listed(record)?)));
        self.page_of(page, "/keys", merged(managed, plain))
    }

    /// `GET /deletedkeys`: the clients' deleted keys not yet purged at `now`, by name
    /// (recorded, C++ 7.3: the recovery fields, then the item without a version in its `kid`).
    pub fn list_deleted_keys(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::DeletedKeyListResult, Error> {
        page.size()?;
        let items = self.deleted_key_items(page.start()?, now);
        self.page_of(page, "/deletedkeys", items)
    }

    /// `GET /secrets/{name}/versions`: each version of a client's secret, or the secret of
    /// each version of the certificate, by version string; `[]` for a name without versions
    /// (recorded, JS 7.4-preview.1).
    pub fn list_secret_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::SecretListResult, Error> {
        let Some((record_name, versions)) = self.plain_secret_versions(name) else {
            return self.version_page(name, page, now, "secrets", |id, v| secret_item(v, id));
        };
        self.sorted_version_page(page, &format!("/secrets/{record_name}/versions"), versions)
    }

    /// A page of a client's secret's or key's versions (`version`, item), by version string
    /// (recorded, Go 7.3: not by creation time).
    fn sorted_version_page<'a, T>(
        &self,
        page: &Page,
        path: &str,
        versions: impl Iterator<Item = (&'a str, T)>,
    ) -> Result<wire::ListResult<T>, Error> {
        page.size()?;
        let start = page.start()?;
        let mut all: Vec<(&str, T)> = versions
            .filter(|(v, _)| start.as_deref().is_none_or(|s| *v > s))
            .collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        let items = all.into_iter().map(|(v, item)| (v.to_owned(), item));
        self.page_of(page, path, items)
    }

    /// `GET /keys/{name}/versions`: each version of a client's key, or the key of each
    /// version of the certificate, by version string; `[]` for a name without versions.
    pub fn list_key_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::KeyListResult, Error> {
        let Some((record_name, versions)) = self.plain_key_versions(name) else {
            return self.version_page(name, page, now, "keys", |id, v| key_item(v, id));
        };
        self.sorted_version_page(page, &format!("/keys/{record_name}/versions"), versions)
    }

    /// The certificates after the page's skip token, by lowercase name.
    fn certificates_from(
        &self,
        page: &Page,
    ) -> Result<impl Iterator<Item = (&String, &super::record::CertificateRecord)>, Error> {
        page.size()?; // `maxresults` is checked first, as every list does
        let lower = page.start()?.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(self.certificates.range((lower, Bound::Unbounded)))
    }

    /// A page of one certificate's versions in `collection` (`certificates`, `secrets`,
    /// `keys`), by version string, each under `{vault}/{collection}/{name}/{version}`; an
    /// empty page for a name without versions.
    fn version_page<T>(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
        collection: &str,
        item: impl Fn(String, &VersionRecord) -> T,
    ) -> Result<wire::ListResult<T>, Error> {
        page.size()?;
        let start = page.start()?;
        let Some(record) = self.record(name) else {
            return Ok(wire::ListResult::default());
        };
        let url = format!("{}/{collection}/{}", self.vault.url, record.name);
        // Recorded (JS 2021, Go 7.3): sorted by the version string, not by creation time.
        let mut all: Vec<&VersionRecord> = versions(record, now).collect();
        all.sort_by(|a, b| a.version.cmp(&b.version));
        let items = all
            .into_iter()
            .filter(|v| start.as_deref().is_none_or(|s| v.version.as_str() > s))
            .map(|v| (v.version.clone(), item(format!("{url}/{}", v.version), v)));
        self.page_of(
            page,
            &format!("/{collection}/{}/versions", record.name),
            items,
        )
    }

    /// One page of `items` (ordered by their marker, a name or a version, and already past
    /// the page's start): at most `maxresults`, and a `nextLink` to `path` after the last
    /// one when more follow.
    fn page_of<T>(
        &self,
        page: &Page,
        path: &str,
        items: impl Iterator<Item = (String, T)>,
    ) -> Result<wire::ListResult<T>, Error> {
        let size = page.size()?;
        let mut value = Vec::with_capacity(size);
        let mut last = None;
        for (marker, item) in items {
            if value.len() == size {
                let next_link =
                    last.map(|after: String| page.next_link(&self.vault.url, path, &after));
                return Ok(wire::ListResult { value, next_link });
            }
            value.push(item);
            last = Some(marker);
        }
        Ok(wire::ListResult {
            value,
            next_link: None,
        })
    }
}

/// Two lists ordered by their markers, as one (a marker in both: the first list's item first).
fn merged<T>(
    a: impl Iterator<Item = (String, T)>,
    b: impl Iterator<Item = (String, T)>,
) -> impl Iterator<Item = (String, T)> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    core::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some((x, _)), Some((y, _))) if y < x => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_lists_keep_the_order_of_their_markers() {
        let a = ["b", "d"].map(|m| (m.to_owned(), 1));
        let b = ["a", "c", "e"].map(|m| (m.to_owned(), 2));
        let out: Vec<(String, i32)> = merged(a.into_iter(), b.into_iter()).collect();
        let markers: Vec<&str> = out.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(markers, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            out.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            [2, 1, 2, 1, 2]
        );
    }

    #[test]
    fn next_links_are_on_port_443() {
        assert_eq!(
            with_port_443("https://v.vault.azure.net"),
            "https://v.vault.azure.net:443"
        );
        assert_eq!(
            with_port_443("https://127.0.0.1:8443"),
            "https://127.0.0.1:8443"
        );
    }
}
