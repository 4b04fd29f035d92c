//! `GET /secrets/{name}[/{version}]?outContentType=…` (api-version 2025-06-01-preview and
//! later): a certificate's PKCS#12 secret converted to PEM.
//!
//! The swagger (2025-06-01-preview, 2025-07-01, 2026-01-01-preview `secrets.json`): "If a
//! supported format is specified, the certificate content is converted to the requested
//! format. Currently, only PFX to PEM conversion is supported. If an unsupported format is
//! specified, the request is rejected."
//!
//! | secret | `outContentType` | answer |
//! |---|---|---|
//! | a certificate's, `application/x-pkcs12` | `application/x-pem-file` | 200, the secret with `value` the PEM the certificate would hold with `contentType: application/x-pem-file` (key, then the certificates in the PFX's order) and that `contentType` |
//! | a client's (any `contentType`) | `application/x-pem-file` | 400 `BadParameter`, `The 'Unsupported' to 'PEM' transformation is not supported. Only PFX to PEM transformation is supported.` (recorded: Python and JS, 2025-07-01 and 2026-03-01-preview, also for a client's secret whose `contentType` says PKCS#12) |
//! | a client's | `application/x-pkcs12` | 400, `The 'Unsupported' to 'PFX' transformation …` (recorded, JS 2025-07-01) |
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert's answer |
//! |---|---|
//! | a certificate's PKCS#12 secret asked for as `application/x-pkcs12` | 400 `The 'PFX' to 'PFX' transformation …` (the recorded pattern: only PFX to PEM is a transformation) |
//! | a certificate's PEM secret asked for as either | 400 `The 'PEM' to 'PEM'` (or `'PFX'`) `transformation …` |
//! | any other `outContentType` value | 400, the pattern with `'Unsupported'` as the target |
//! | the media type's case | ASCII case-insensitive, as HTTP media types are |
//! | the parameter before 2025-06-01-preview | ignored (the versions before do not define it) |
//! | a disabled or missing secret | its 403 or 404 first, as without the parameter |
//! | the line ends and block order of the PEM | those of the certificates' PEM secrets (LF; the key, then the certificates), recorded for native PEM secrets (.NET 7.6-preview.1, JS 2025-07-01); no converted value is recorded |

use super::{VaultState, key_from_material};
use crate::pem;
use crate::pkcs12::decode_pfx;
use crate::service::error::Error;
use crate::service::secret::pem_chain_value;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The PKCS#12 media type.
const PFX: &str = "application/x-pkcs12";
/// The PEM media type.
const PEM: &str = "application/x-pem-file";

/// A secret format as the service's conversion message names it.
fn format_label(media_type: Option<&str>) -> &'static str {
    match media_type {
        Some(t) if t.eq_ignore_ascii_case(PFX) => "PFX",
        Some(t) if t.eq_ignore_ascii_case(PEM) => "PEM",
        _ => "Unsupported",
    }
}

impl VaultState {
    /// `GET /secrets/{name}[/{version}]?outContentType={out}`: the secret in the format `out`
    /// names (see the module docs); [`VaultState::get_secret`] without a conversion.
    pub fn get_secret_as(
        &self,
        name: &str,
        version: Option<&str>,
        out: &str,
        now: UnixTime,
    ) -> Result<wire::SecretBundle, Error> {
        let bundle = self.get_secret(name, version, now)?;
        let from = match self.plain_secret(name) {
            // A client's secret is no certificate, whatever its `contentType` says (recorded).
            Some(_) => "Unsupported",
            None => format_label(bundle.content_type.as_deref()),
        };
        let to = format_label(Some(out));
        if (from, to) != ("PFX", "PEM") {
            return Err(Error::UnsupportedTransformation { from, to });
        }
        let Some((_, stored)) = self.version(name, version, now) else {
            return Err(Error::SecretNotFound {
                name: name.to_owned(),
            });
        };
        let der = bundle
            .value
            .as_deref()
            .and_then(|v| pem::base64_decode(v))
            .ok_or_else(|| Error::internal("a certificate's PKCS#12 secret is not base64"))?;
        let pfx = decode_pfx(&der, None).map_err(|e| {
            Error::internal(format_args!(
                "a certificate's PKCS#12 secret does not decode: {e}"
            ))
        })?;
        let key = key_from_material(&stored.private_key)?;
        let value = pem_chain_value(&key, &pfx.certificates, pfx.key_pkcs8.is_some())?;
        Ok(wire::SecretBundle {
            value: Some(value),
            content_type: Some(PEM.to_owned()),
            ..bundle
        })
    }
}
