//! The certificate's own fields that api-version 7.2 adds to `GET /certificates/{name}/{version}`.
//!
//! Recorded (Python recordings of one service build at 2016-10-01, 7.0, 7.1, 7.2 and 7.3,
//! April 2022; JavaScript at 7.2, 2021; Python 7.2 again in May 2024): only 7.2 answers a
//! `GET` of a version with `subject`, `issuer`, `sans` and `serialnumber` after `attributes`
//! and `tags`, e.g.
//! `"subject":"CN=MyCert","issuer":"CN=MyCert","sans":{},"serialnumber":"00CBC5964D5847D7A200257C5056F63E"`.
//! The latest (`GET /certificates/{name}`), a PATCH and every other api-version do not.
//!
//! - `subject`, `issuer`: the certificate's names (not the policy's text: a policy subject
//!   `cn=MyCert` is answered `CN=MyCert`), written as the service writes a name it reads
//!   from a certificate (the subject as Import writes it).
//! - `serialnumber`: the serial's DER content octets in upper-case hex, a leading `00` kept.
//! - `sans`: `{}` for a certificate without the extension. With names, kvcert writes the
//!   non-empty lists in the policy's spelling (`dns_names`, `emails`, `upns`); no recording
//!   of a 7.2 version with SANs was found.

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;

use crate::pem;
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::name_text::subject_string;
use crate::x509::read::san_lists;

/// `bundle` with the four fields filled from its `cer` (see the [module docs](self)).
pub(super) fn with_certificate_details(
    mut bundle: wire::CertificateBundle,
) -> Result<wire::CertificateBundle, Error> {
    let Some(cer) = bundle.cer.as_deref() else {
        return Ok(bundle);
    };
    let der = pem::base64_decode(cer).ok_or_else(|| Error::internal("stored cer is not base64"))?;
    let cert = Certificate::from_der(&der).map_err(Error::internal)?;
    let tbs = cert.tbs_certificate();
    let mut sans = wire::SubjectAlternativeNames::default();
    if let Some(ext) = tbs
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
    {
        let names = SubjectAltName::from_der(ext.extn_value.as_bytes()).map_err(Error::internal)?;
        let all = san_lists(&names);
        let non_empty = |list: Vec<String>| Some(list).filter(|l| !l.is_empty());
        sans = wire::SubjectAlternativeNames {
            emails: non_empty(all.emails),
            dns_names: non_empty(all.dns_names),
            upns: non_empty(all.upns),
            uris: non_empty(all.uris),
            ip_addresses: non_empty(all.ip_addresses),
        };
    }
    bundle.subject = Some(subject_string(tbs.subject()));
    bundle.issuer = Some(subject_string(tbs.issuer()));
    bundle.sans = Some(sans);
    bundle.serialnumber = Some(
        tbs.serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
    );
    Ok(bundle)
}
