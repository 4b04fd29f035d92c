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
use crate::error::Error;
use crate::pem;
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
        let size = page.size()?;
        let start = page.start()?;
        let lower = start
            .as_ref()
            .map_or(Bound::Unbounded, |s| Bound::Excluded(s.clone()));
        let mut value = Vec::with_capacity(size);
        let mut last = None;
        let mut more = false;
        for (key, record) in self.certificates.range((lower, Bound::Unbounded)) {
            // Before its first version, a certificate is listed only with `includePending`.
            let issued = current_version(record, now).is_some();
            if !issued && !page.include_pending {
                continue;
            }
            let Some(bundle) = current_bundle(record, &self.vault, now) else {
                continue;
            };
            if value.len() == size {
                more = true;
                break;
            }
            value.push(item_of(
                &bundle,
                format!("{}/certificates/{}", self.vault.url, record.name),
            ));
            last = Some(key.clone());
        }
        let next_link = match (more, last) {
            (true, Some(after)) => Some(page.next_link(&self.vault.url, "/certificates", &after)),
            _ => None,
        };
        Ok(wire::CertificateListResult { value, next_link })
    }

    /// `GET /certificates/{name}/versions`: every completed version, by version string; an
    /// empty list for a name without versions, even one that never existed (recorded at 7.2).
    pub fn list_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::CertificateListResult, Error> {
        let size = page.size()?;
        let start = page.start()?;
        let Some(record) = self.record(name) else {
            return Ok(wire::CertificateListResult {
                value: Vec::new(),
                next_link: None,
            });
        };
        // Recorded (JS 2021): sorted by the version string, not by creation time.
        let mut all: Vec<&VersionRecord> = versions(record, now).collect();
        all.sort_by(|a, b| a.version.cmp(&b.version));
        let from = start.map_or(0, |s| {
            all.partition_point(|v| v.version.as_str() <= s.as_str())
        });
        let page_items = &all[from.min(all.len())..];
        let value = page_items
            .iter()
            .take(size)
            .map(|v| {
                let id = format!(
                    "{}/certificates/{}/{}",
                    self.vault.url, record.name, v.version
                );
                item_of(&v.bundle, id)
            })
            .collect();
        let next_link = (page_items.len() > size).then(|| {
            page.next_link(
                &self.vault.url,
                &format!("/certificates/{}/versions", record.name),
                &page_items[size - 1].version,
            )
        });
        Ok(wire::CertificateListResult { value, next_link })
    }

    /// `GET /deletedcertificates`: the deleted certificates not yet purged at `now`.
    pub fn list_deleted_certificates(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::CertificateListResult, Error> {
        let size = page.size()?;
        let start = page.start()?;
        let lower = start
            .as_ref()
            .map_or(Bound::Unbounded, |s| Bound::Excluded(s.clone()));
        let now_secs = super::secs_i64(now);
        let mut value = Vec::with_capacity(size);
        let mut last = None;
        let mut more = false;
        for (key, deleted) in self.deleted.range((lower, Bound::Unbounded)) {
            if now_secs >= deleted.scheduled_purge_date {
                continue; // purged by now
            }
            // Deleted before its first version: listed only with `includePending`, as in the
            // list of live certificates (the swagger's one meaning of the parameter for both).
            if !page.include_pending && current_version(&deleted.record, now).is_none() {
                continue;
            }
            if value.len() == size {
                more = true;
                break;
            }
            let body = self.deleted_bundle(deleted, now);
            let id = format!("{}/certificates/{}", self.vault.url, deleted.record.name);
            let mut item = item_of(&body.bundle, id);
            // Recorded (JS): deleted items keep the recovery level in their attributes, and
            // have no `subject` (7.1, 7.2, 7.4).
            item.attributes = body.bundle.attributes.clone();
            item.subject = None;
            item.recovery_id = body.recovery_id;
            item.deleted_date = body.deleted_date;
            item.scheduled_purge_date = body.scheduled_purge_date;
            value.push(item);
            last = Some(key.clone());
        }
        let next_link = match (more, last) {
            (true, Some(after)) => {
                Some(page.next_link(&self.vault.url, "/deletedcertificates", &after))
            }
            _ => None,
        };
        Ok(wire::CertificateListResult { value, next_link })
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
    /// `GET /secrets`: the secret of every certificate that has a version (`managed: true`,
    /// its `id` without the version), by name. A certificate before its first version has no
    /// secret yet and is not listed.
    pub fn list_secrets(
        &self,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::SecretListResult, Error> {
        let (value, next) = self.managed_page(page, now, |record, v| {
            secret_item(v, format!("{}/secrets/{}", self.vault.url, record.name))
        })?;
        let next_link = next.map(|after| page.next_link(&self.vault.url, "/secrets", &after));
        Ok(wire::SecretListResult { value, next_link })
    }

    /// `GET /keys`: the key of every certificate that has a version (`managed: true`, its
    /// `kid` without the version), by name.
    pub fn list_keys(&self, page: &Page, now: UnixTime) -> Result<wire::KeyListResult, Error> {
        let (value, next) = self.managed_page(page, now, |record, v| {
            key_item(v, format!("{}/keys/{}", self.vault.url, record.name))
        })?;
        let next_link = next.map(|after| page.next_link(&self.vault.url, "/keys", &after));
        Ok(wire::KeyListResult { value, next_link })
    }

    /// `GET /secrets/{name}/versions`: the secret of each version of the certificate, by
    /// version string; `[]` for a name without versions (recorded, JS 7.4-preview.1).
    pub fn list_secret_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::SecretListResult, Error> {
        let (value, next, record_name) = self.version_page(
            name,
            page,
            now,
            |url, v| secret_item(v, format!("{url}/{}", v.version)),
            "secrets",
        )?;
        let next_link = next.map(|after| {
            page.next_link(
                &self.vault.url,
                &format!("/secrets/{record_name}/versions"),
                &after,
            )
        });
        Ok(wire::SecretListResult { value, next_link })
    }

    /// `GET /keys/{name}/versions`: the key of each version of the certificate, by version
    /// string; `[]` for a name without versions.
    pub fn list_key_versions(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
    ) -> Result<wire::KeyListResult, Error> {
        let (value, next, record_name) = self.version_page(
            name,
            page,
            now,
            |url, v| key_item(v, format!("{url}/{}", v.version)),
            "keys",
        )?;
        let next_link = next.map(|after| {
            page.next_link(
                &self.vault.url,
                &format!("/keys/{record_name}/versions"),
                &after,
            )
        });
        Ok(wire::KeyListResult { value, next_link })
    }

    /// A page of the certificates' current versions, one item each, by lowercase name.
    fn managed_page<T>(
        &self,
        page: &Page,
        now: UnixTime,
        item: impl Fn(&super::record::CertificateRecord, &VersionRecord) -> T,
    ) -> Result<(Vec<T>, Option<String>), Error> {
        let size = page.size()?;
        let start = page.start()?;
        let lower = start
            .as_ref()
            .map_or(Bound::Unbounded, |s| Bound::Excluded(s.clone()));
        let items = self
            .certificates
            .range((lower, Bound::Unbounded))
            .filter_map(|(key, record)| {
                current_version(record, now).map(|v| (key.clone(), item(record, v)))
            });
        Ok(page_of(items, size))
    }

    /// A page of one certificate's versions, by version string, and the certificate's name
    /// as stored (for the `nextLink`).
    fn version_page<T>(
        &self,
        name: &str,
        page: &Page,
        now: UnixTime,
        item: impl Fn(&str, &VersionRecord) -> T,
        collection: &str,
    ) -> Result<(Vec<T>, Option<String>, String), Error> {
        let size = page.size()?;
        let start = page.start()?;
        let Some(record) = self.record(name) else {
            return Ok((Vec::new(), None, name.to_owned()));
        };
        let url = format!("{}/{collection}/{}", self.vault.url, record.name);
        // Recorded (Go 7.3): sorted by the version string, not by creation time.
        let mut all: Vec<&VersionRecord> = versions(record, now).collect();
        all.sort_by(|a, b| a.version.cmp(&b.version));
        let items = all
            .iter()
            .filter(|v| start.as_deref().is_none_or(|s| v.version.as_str() > s))
            .map(|v| (v.version.clone(), item(&url, v)));
        let (value, next) = page_of(items, size);
        Ok((value, next, record.name.clone()))
    }
}

/// One page of `items` (ordered by their marker, already past the page's start): at most
/// `size`, and the marker of the last one when more follow.
fn page_of<T>(items: impl Iterator<Item = (String, T)>, size: usize) -> (Vec<T>, Option<String>) {
    let mut page = Vec::with_capacity(size);
    let mut last = None;
    for (marker, item) in items {
        if page.len() == size {
            return (page, last);
        }
        page.push(item);
        last = Some(marker);
    }
    (page, None)
}

#[cfg(test)]
mod tests {
    use super::*;

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
