//! The import's value: a base64 PFX with its password, or PEM (text or base64 of text),
//! read into a key and certificates not yet paired.

use zeroize::Zeroizing;

use super::MAX_CERTIFICATES;
use super::invalid;
use crate::pem;
use crate::pkcs12::{self, Pkcs12Limits, decode_pfx_with_limits};
use crate::service::error::{Error, KeyPairing};
use crate::service::plan::ContentType;

/// What an import value holds, before the key is paired with a certificate.
#[derive(Clone, Default)]
pub(crate) struct Upload {
    /// The private key as PKCS#8 DER (zeroized on drop), if the value has one.
    pub(crate) key_pkcs8: Option<Zeroizing<Vec<u8>>>,
    /// The certificates as DER, in uploaded order.
    pub(crate) certificates: Vec<Vec<u8>>,
}

impl core::fmt::Debug for Upload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Upload")
            .field("key_pkcs8", &self.key_pkcs8.as_ref().map(|_| "<elided>"))
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

/// Reads an import value as `format` says: base64 PFX with `password`, or PEM (text or
/// base64 of text). Returns the key and certificates unpaired and unparsed. Never panics.
pub(super) fn read_value(
    value: &str,
    password: Option<&str>,
    format: ContentType,
    limits: &Pkcs12Limits,
) -> Result<Upload, Error> {
    match format {
        ContentType::Pkcs12 => read_pfx(value, password, limits),
        ContentType::Pem => read_pem(value),
    }
}

pub(super) fn looks_like_pem(value: &str) -> bool {
    value.contains("-----BEGIN")
        || base64_compact(value).is_some_and(|b| b.windows(10).any(|w| w == b"-----BEGIN"))
}

/// Standard base64 with white space ignored (as .NET's `Convert.FromBase64String`).
fn base64_compact(value: &str) -> Option<Zeroizing<Vec<u8>>> {
    // Sized before the key goes in (`collect` would grow it, freeing unwiped copies).
    let mut compact = Zeroizing::new(String::with_capacity(value.len()));
    compact.extend(value.chars().filter(|c| !c.is_ascii_whitespace()));
    pem::base64_decode(&compact).map(Zeroizing::new)
}

fn read_pfx(value: &str, password: Option<&str>, limits: &Pkcs12Limits) -> Result<Upload, Error> {
    let der = base64_compact(value).ok_or_else(|| Error::Pkcs12Unreadable {
        detail: "the value is not base64".into(),
        source: None,
    })?;
    let pfx = decode_pfx_with_limits(&der, password, limits).map_err(|e| match e {
        pkcs12::Error::MultipleKeys => Error::NoCertificateWithPrivateKey {
            reason: KeyPairing::MultiplePrivateKeys,
        },
        e => Error::Pkcs12Unreadable {
            detail: e.to_string(),
            source: Some(e),
        },
    })?;
    let crate::pkcs12::DecodedPfx {
        key_pkcs8,
        certificates,
        ..
    } = pfx;
    Ok(Upload {
        key_pkcs8,
        certificates,
    })
}

fn read_pem(value: &str) -> Result<Upload, Error> {
    let unreadable = |detail: &str| Error::PemUnreadable {
        detail: detail.to_owned(),
    };
    let unexpected = |detail: String| Error::PemUnexpectedFormat { detail };
    let decoded: Zeroizing<Vec<u8>>;
    let text: &str = if value.contains("-----BEGIN") {
        value
    } else {
        // The service also takes base64 of the PEM text ("Accepted formats: PEM content or
        // Base64 encoded PEM content").
        decoded = base64_compact(value).ok_or_else(|| unreadable("neither PEM nor base64"))?;
        core::str::from_utf8(&decoded).map_err(|_| unreadable("base64 of something not text"))?
    };
    let mut upload = Upload::default();
    let mut blocks = 0usize;
    for block in pem::blocks(text) {
        let pem::Block { label, der } = block.map_err(|e| unexpected(e.to_string()))?;
        blocks += 1;
        match label {
            "CERTIFICATE" => {
                if upload.certificates.len() >= MAX_CERTIFICATES {
                    return Err(invalid(&format!(
                        "more than {MAX_CERTIFICATES} certificates"
                    )));
                }
                upload.certificates.push(der.to_vec());
            }
            "PRIVATE KEY" if upload.key_pkcs8.is_some() => {
                return Err(Error::NoCertificateWithPrivateKey {
                    reason: KeyPairing::MultiplePrivateKeys,
                });
            }
            "PRIVATE KEY" => upload.key_pkcs8 = Some(der),
            // PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, …:
            // refused as the service refuses a PKCS#1 key (Azure CLI #19017).
            other => {
                let shown: String = other.chars().take(pem::SHOWN_LABEL).collect();
                return Err(unexpected(format!("a {shown} block")));
            }
        }
    }
    if blocks == 0 {
        return Err(unreadable("no PEM block"));
    }
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_reader_refusals() {
        type Check = fn(&Error) -> bool;
        let cases: [(&str, Check); 6] = [
            ("", |e| matches!(e, Error::PemUnreadable { .. })),
            ("not pem at all!", |e| {
                matches!(e, Error::PemUnreadable { .. })
            }),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
                |e| matches!(e, Error::PemUnexpectedFormat { .. }),
            ),
            ("-----BEGIN CERTIFICATE-----\nAAAA\n", |e| {
                matches!(e, Error::PemUnexpectedFormat { .. })
            }),
            (
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----",
                |e| matches!(e, Error::PemUnexpectedFormat { .. }),
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                |e| matches!(e, Error::NoCertificateWithPrivateKey { .. }),
            ),
        ];
        for (text, ok) in cases {
            let e = read_pem(text).unwrap_err();
            assert!(ok(&e), "{text:?}: {e:?}");
        }
        // Base64 of PEM text is read as the text.
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\r\n";
        let b64 = crate::pem::base64(pem.as_bytes());
        assert_eq!(read_pem(&b64).unwrap().certificates, [vec![0, 1, 2]]);
        assert_eq!(read_pem(pem).unwrap().certificates, [vec![0, 1, 2]]);
    }
}
