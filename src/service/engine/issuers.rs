//! Certificate issuers (`/certificates/issuers/{name}`) and the vault's certificate contacts
//! (`/certificates/contacts`), with the recorded shapes: the password is accepted and never
//! answered back, `org_details` gains `"zip": 0`, PATCH merges, DELETE answers what it
//! deleted, an issuer list item is `{id, provider}`.

use super::{VaultState, secs_i64};
use crate::service::error::Error;
use crate::service::plan::{CertificateName, MAX_BODY_LEN};
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The most issuers a vault holds (kvcert's bound).
pub const MAX_ISSUERS: usize = 1000;
/// The most contacts a vault holds (kvcert's bound).
pub const MAX_CONTACTS: usize = 100;

impl VaultState {
    /// `PUT /certificates/issuers/{name}`: 200 with the issuer as stored.
    pub fn set_issuer(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::IssuerBundle, Error> {
        self.set_issuer_inner(name, body, now, false)
    }

    /// `PATCH /certificates/issuers/{name}`: the fields sent replace the stored ones.
    pub fn update_issuer(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::IssuerBundle, Error> {
        self.set_issuer_inner(name, body, now, true)
    }

    fn set_issuer_inner(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        patch: bool,
    ) -> Result<wire::IssuerBundle, Error> {
        CertificateName::try_from(name)?;
        let sent: wire::IssuerBundle = parse_request(body, MAX_BODY_LEN)?;
        let key = name.to_ascii_lowercase();
        let existing = self.issuers.get(&key).cloned();
        if patch && existing.is_none() {
            return Err(Error::IssuerNotFound);
        }
        if existing.is_none() && self.issuers.len() >= MAX_ISSUERS {
            return Err(Error::property(
                "issuer",
                "The vault holds too many issuers",
            ));
        }
        let wire::IssuerBundle {
            id: _, // read-only
            provider,
            credentials,
            org_details,
            attributes,
        } = sent;
        let base = if patch { existing.clone() } else { None }.unwrap_or_default();
        let provider = provider.or(base.provider);
        let Some(provider) = provider.filter(|p| !p.is_empty()) else {
            return Err(Error::property("provider", "A provider is required"));
        };
        let credentials = match credentials {
            // Recorded: the password is not echoed (and kvcert does not keep it).
            Some(c) => Some(wire::IssuerCredentials {
                account_id: c.account_id,
                pwd: None,
            }),
            None => base.credentials,
        };
        let org_details = match org_details {
            Some(o) => Some(wire::OrganizationDetails {
                id: o.id,
                zip: Some(0), // recorded: the service writes 0
                admin_details: o.admin_details,
            }),
            None => base.org_details,
        };
        // Reported (Azure/azure-sdk-for-java #29166): DigiCert needs the organization's id.
        if provider.eq_ignore_ascii_case("DigiCert")
            && org_details.as_ref().and_then(|o| o.id.as_ref()).is_none()
        {
            return Err(Error::IssuerOrganizationIdMissing);
        }
        let stamp = secs_i64(now);
        let created = existing
            .as_ref()
            .and_then(|e| e.attributes.as_ref())
            .and_then(|a| a.created)
            .unwrap_or(stamp);
        let enabled = attributes
            .and_then(|a| a.enabled)
            .or(base.attributes.and_then(|a| a.enabled))
            .unwrap_or(true);
        let issuer = wire::IssuerBundle {
            id: Some(format!("{}/certificates/issuers/{name}", self.vault.url)),
            provider: Some(provider),
            credentials,
            org_details,
            attributes: Some(wire::IssuerAttributes {
                enabled: Some(enabled),
                created: Some(created),
                updated: Some(stamp),
            }),
        };
        self.touch_settings();
        self.issuers.insert(key, issuer.clone());
        Ok(issuer)
    }

    /// `GET /certificates/issuers/{name}`.
    pub fn get_issuer(&self, name: &str) -> Result<wire::IssuerBundle, Error> {
        self.issuers
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or(Error::IssuerNotFound)
    }

    /// `DELETE /certificates/issuers/{name}`: 200 with the deleted issuer.
    pub fn delete_issuer(&mut self, name: &str) -> Result<wire::IssuerBundle, Error> {
        let issuer = self
            .issuers
            .remove(&name.to_ascii_lowercase())
            .ok_or(Error::IssuerNotFound)?;
        self.touch_settings();
        Ok(issuer)
    }

    /// `GET /certificates/issuers`: `{id, provider}` per issuer, by name; one page (at most
    /// [`MAX_ISSUERS`]).
    pub fn list_issuers(&self) -> wire::IssuerListResult {
        let value = self
            .issuers
            .values()
            .map(|i| wire::IssuerItem {
                id: i.id.clone(),
                provider: i.provider.clone(),
            })
            .collect();
        wire::IssuerListResult {
            value,
            next_link: None,
        }
    }

    /// The issuer a policy names, if the vault has it.
    pub(super) fn issuer(&self, name: &str) -> Option<&wire::IssuerBundle> {
        self.issuers.get(&name.to_ascii_lowercase())
    }

    /// `PUT /certificates/contacts`: 200 with the contacts as stored.
    pub fn set_contacts(&mut self, body: &[u8]) -> Result<wire::Contacts, Error> {
        let sent: wire::Contacts = parse_request(body, MAX_BODY_LEN)?;
        let wire::Contacts {
            id: _, // read-only
            contacts,
        } = sent;
        let contacts = contacts.unwrap_or_default();
        if contacts.len() > MAX_CONTACTS {
            return Err(Error::property("contacts", "Too many contacts"));
        }
        self.touch_settings();
        self.contacts = Some(contacts);
        self.get_contacts()
    }

    /// `GET /certificates/contacts`: 404 `ContactsNotFound` when none are set.
    pub fn get_contacts(&self) -> Result<wire::Contacts, Error> {
        match &self.contacts {
            Some(contacts) => Ok(wire::Contacts {
                id: Some(format!("{}/certificates/contacts", self.vault.url)),
                contacts: Some(contacts.clone()),
            }),
            None => Err(Error::ContactsNotFound),
        }
    }

    /// `DELETE /certificates/contacts`: 200 with the deleted contacts.
    pub fn delete_contacts(&mut self) -> Result<wire::Contacts, Error> {
        let contacts = self.get_contacts()?;
        self.touch_settings();
        self.contacts = None;
        Ok(contacts)
    }
}
