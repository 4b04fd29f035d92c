//! The policy's `key_props` and `secret_props`: which key, and the secret's format.

use super::bounded;
use crate::key::{Curve, KeySpec, RsaSize};
use crate::service::error::Error;
use crate::service::wire;
use crate::x509::key_usage::{KeyUsage, KeyUsages};

/// The key part of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPlan {
    pub(super) spec: KeySpec,
    pub(super) kty: &'static str,
    pub(super) exportable: bool,
    pub(super) reuse_key: bool,
}

impl KeyPlan {
    /// What key to generate.
    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// `kty` as the policy echoes it (`RSA`, `RSA-HSM`, `EC`, `EC-HSM`).
    pub fn kty(&self) -> &'static str {
        self.kty
    }

    /// Whether the private key may be exported.
    pub fn exportable(&self) -> bool {
        self.exportable
    }

    /// Whether renewal keeps the key.
    pub fn reuse_key(&self) -> bool {
        self.reuse_key
    }
}

/// The secret's content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentType {
    /// `application/x-pkcs12` (the default).
    Pkcs12,
    /// `application/x-pem-file`.
    Pem,
}

impl ContentType {
    /// The MIME type.
    pub const fn mime(self) -> &'static str {
        match self {
            ContentType::Pkcs12 => "application/x-pkcs12",
            ContentType::Pem => "application/x-pem-file",
        }
    }
}

pub(super) fn key_plan(props: Option<&wire::KeyProperties>) -> Result<KeyPlan, Error> {
    const P: &str = "policy.key_props";
    let default = wire::KeyProperties::default();
    let wire::KeyProperties {
        exportable,
        kty,
        key_size,
        reuse_key,
        crv,
    } = props.unwrap_or(&default);
    // A curve without a key type can only mean EC.
    let kty: &'static str = match (kty.as_deref(), crv) {
        (None, None) => "RSA",
        (None, Some(_)) => "EC",
        (Some("RSA"), _) => "RSA",
        (Some("RSA-HSM"), _) => "RSA-HSM",
        (Some("EC"), _) => "EC",
        (Some("EC-HSM"), _) => "EC-HSM",
        (Some(k @ ("oct" | "oct-HSM")), _) => {
            return Err(Error::property(
                P,
                format!("Key type {k} is not supported for certificates"),
            ));
        }
        (Some(k), _) => {
            return Err(Error::property(
                P,
                format!("Unknown key type {}", bounded(k)),
            ));
        }
    };
    let spec = if kty.starts_with("RSA") {
        if let Some(c) = crv {
            return Err(Error::property(
                P,
                format!("Curve {} cannot be used with key type {kty}", bounded(c)),
            ));
        }
        let size = match key_size {
            None => RsaSize::Rsa2048,
            Some(bits) => RsaSize::from_bits(*bits).ok_or_else(|| {
                Error::property(
                    P,
                    format!(
                        "Unsupported key size ({bits}). Supported sizes are [2048, 3072, 4096]"
                    ),
                )
            })?,
        };
        KeySpec::Rsa(size)
    } else {
        let from_size = |bits: i64| match bits {
            256 => Some(Curve::P256),
            384 => Some(Curve::P384),
            521 => Some(Curve::P521),
            _ => None,
        };
        let curve = match (crv, key_size) {
            (Some(c), size) => {
                let curve = Curve::from_name(c)
                    .ok_or_else(|| Error::property(P, format!("Unknown curve {}", bounded(c))))?;
                if let Some(bits) = size.filter(|b| *b != i64::from(curve.bits())) {
                    return Err(Error::property(
                        P,
                        format!("Key size {bits} does not match curve {}", curve.name()),
                    ));
                }
                curve
            }
            (None, Some(bits)) => from_size(*bits).ok_or_else(|| {
                Error::property(
                    P,
                    format!("Unsupported key size ({bits}). Supported sizes are [256, 384, 521]"),
                )
            })?,
            // No curve and no size: P-256, the smallest (a project default; not observed).
            (None, None) => Curve::P256,
        };
        KeySpec::Ec(curve)
    };
    Ok(KeyPlan {
        spec,
        kty,
        exportable: exportable.unwrap_or(true),
        reuse_key: reuse_key.unwrap_or(false),
    })
}

pub(super) fn content_type(props: Option<&wire::SecretProperties>) -> Result<ContentType, Error> {
    let default = wire::SecretProperties::default();
    let wire::SecretProperties { content_type } = props.unwrap_or(&default);
    match content_type.as_deref() {
        None => Ok(ContentType::Pkcs12),
        Some(c) if c.eq_ignore_ascii_case("application/x-pkcs12") => Ok(ContentType::Pkcs12),
        Some(c) if c.eq_ignore_ascii_case("application/x-pem-file") => Ok(ContentType::Pem),
        Some(c) => Err(Error::property(
            "policy.secret_props",
            format!("Unsupported content type {}", bounded(c)),
        )),
    }
}

pub(super) fn default_key_usage(spec: KeySpec) -> KeyUsages {
    let mut k = KeyUsages::EMPTY;
    k.insert(KeyUsage::DigitalSignature);
    if matches!(spec, KeySpec::Rsa(_)) {
        k.insert(KeyUsage::KeyEncipherment);
    }
    k
}
