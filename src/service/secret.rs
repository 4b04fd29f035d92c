//! The certificate's managed secret and key: what `GET /secrets/{name}` and `GET /keys/{name}`
//! return for a certificate (`docs/service-behaviour.md` §7).

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::key::pkcs8::Pkcs8Attributes;
use crate::key::{JwkParts, KeyPair, KeySpec};
use crate::pkcs12::{PfxContents, PfxKeyKind, encode_service_pfx_with_leaf};
use crate::service::plan::{ContentType, IssuancePlan, KeyUsage, KeyUsages};
use crate::{error::Error, pem, service::wire};

/// The managed key's `key_ops`, derived from the policy's key usages as the docs map them
/// (dataEncipherment → encrypt, decrypt; decipherOnly → decrypt; encipherOnly → encrypt;
/// digitalSignature, keyCertSign, nonRepudiation, cRLSign → sign, verify; keyEncipherment →
/// wrapKey, unwrapKey; keyAgreement → none), in the order encrypt, decrypt, sign, verify,
/// wrapKey, unwrapKey. Recorded: RSA with the default usages gives `["sign","verify",
/// "wrapKey","unwrapKey"]`, EC `["sign","verify"]`. EC keys only sign and verify.
///
/// ```
/// use kvcert::{service::plan::{KeyUsage, KeyUsages}, service::secret::key_operations, KeySpec, RsaSize};
/// let mut ku = KeyUsages::EMPTY;
/// ku.insert(KeyUsage::DigitalSignature);
/// ku.insert(KeyUsage::KeyEncipherment);
/// assert_eq!(key_operations(KeySpec::Rsa(RsaSize::Rsa2048), ku), ["sign", "verify", "wrapKey", "unwrapKey"]);
/// ```
pub fn key_operations(spec: KeySpec, usages: KeyUsages) -> Vec<&'static str> {
    use KeyUsage::*;
    let has = |list: &[KeyUsage]| list.iter().any(|u| usages.contains(*u));
    let rsa = matches!(spec, KeySpec::Rsa(_));
    let mut ops = Vec::new();
    if rsa && has(&[DataEncipherment, EncipherOnly]) {
        ops.push("encrypt");
    }
    if rsa && has(&[DataEncipherment, DecipherOnly]) {
        ops.push("decrypt");
    }
    if has(&[DigitalSignature, KeyCertSign, NonRepudiation, CrlSign]) {
        ops.extend(["sign", "verify"]);
    }
    if rsa && has(&[KeyEncipherment]) {
        ops.extend(["wrapKey", "unwrapKey"]);
    }
    ops
}

/// The managed key as `GET /keys/{name}` returns it: the public JWK, the certificate's
/// attributes with `hsmPlatform: "0"` (written by the service since 2024), tags, `managed`.
pub fn key_bundle(
    plan: &IssuancePlan,
    key: &KeyPair,
    kid: &str,
    attributes: &wire::CertificateAttributes,
) -> Result<wire::KeyBundle, Error> {
    let mut jwk = wire::JsonWebKey {
        kid: Some(kid.to_owned()),
        kty: Some(plan.key().kty().to_owned()),
        key_ops: Some(
            key_operations(plan.key().spec(), plan.key_usage())
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
        ..Default::default()
    };
    match key.jwk_parts()? {
        JwkParts::Rsa { n, e } => {
            jwk.n = Some(pem::base64url(&n));
            jwk.e = Some(pem::base64url(&e));
        }
        JwkParts::Ec { x, y } => {
            if let KeySpec::Ec(c) = key.spec() {
                jwk.crv = Some(c.name().to_owned());
            }
            jwk.x = Some(pem::base64url(&x));
            jwk.y = Some(pem::base64url(&y));
        }
    }
    let mut attributes = attributes.clone();
    attributes.hsm_platform = Some("0".to_owned());
    Ok(wire::KeyBundle {
        key: Some(jwk),
        attributes: Some(attributes),
        tags: plan.tags().cloned(),
        managed: Some(true),
    })
}

/// The `application/x-pem-file` secret value: the PKCS#8 `PRIVATE KEY` block, then the
/// `CERTIFICATE` block, LF line ends. RSA keys carry no PKCS#8 attributes (as in the 2018 and
/// 2021 recordings), EC keys the keyUsage attribute (2024 recording). Without an exportable
/// key the value is the certificate block alone.
pub fn pem_value(
    key: &KeyPair,
    certificate: &[u8],
    exportable: bool,
) -> Result<Zeroizing<String>, Error> {
    pem_chain_value(key, core::slice::from_ref(&certificate), exportable)
}

/// [`pem_value`] for a chain: the key block, then one `CERTIFICATE` block per certificate in
/// the order given (Import Certificate stores whole chains).
pub(crate) fn pem_chain_value<C: AsRef<[u8]>>(
    key: &KeyPair,
    certificates: &[C],
    exportable: bool,
) -> Result<Zeroizing<String>, Error> {
    let key_pem = if exportable {
        let der = match key.spec() {
            KeySpec::Rsa(_) => key.pkcs8(Pkcs8Attributes::None)?,
            KeySpec::Ec(_) => key.pkcs8(Pkcs8Attributes::ServiceKeyUsage)?,
        };
        Zeroizing::new(pem::encode("PRIVATE KEY", &der))
    } else {
        Zeroizing::new(String::new())
    };
    let certificates: Vec<String> = certificates
        .iter()
        .map(|c| pem::encode("CERTIFICATE", c.as_ref()))
        .collect();
    // Sized before the key goes in: a growing string would free unwiped copies of the key.
    let len = key_pem.len() + certificates.iter().map(String::len).sum::<usize>();
    let mut out = Zeroizing::new(String::with_capacity(len));
    out.push_str(&key_pem);
    for certificate in &certificates {
        out.push_str(certificate);
    }
    Ok(out)
}

/// The `application/x-pkcs12` secret value: a base64 PFX as the service writes it (see
/// [`crate::pkcs12::encode_service_pfx`]), with a fresh lowercase GUID as the RSA key's
/// friendlyName and, for a non-exportable key, the certificate alone.
pub fn pkcs12_value<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    certificate: &[u8],
    exportable: bool,
    rng: &mut R,
) -> Result<Zeroizing<String>, Error> {
    pkcs12_chain_value(key, &[certificate.to_vec()], 0, exportable, rng)
}

/// [`pkcs12_value`] for a chain in the order given, the key's certificate at index `leaf`
/// (Import Certificate stores whole chains, in uploaded order with `preserveCertOrder`).
pub(crate) fn pkcs12_chain_value<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    certificates: &[Vec<u8>],
    leaf: usize,
    exportable: bool,
    rng: &mut R,
) -> Result<Zeroizing<String>, Error> {
    let pkcs8 = if exportable {
        Some(key.pkcs8(Pkcs8Attributes::ServiceKeyUsage)?)
    } else {
        None
    };
    let (key_kind, friendly_name) = match key.spec() {
        // The service names RSA keys with a GUID and EC keys not at all (recorded 2018–2024).
        KeySpec::Rsa(_) => (PfxKeyKind::Rsa, Some(guid(rng))),
        KeySpec::Ec(_) => (PfxKeyKind::Ec, None),
    };
    let pfx = Zeroizing::new(encode_service_pfx_with_leaf(
        &PfxContents {
            key_pkcs8: pkcs8.as_deref().map(|v| v.as_slice()),
            certificates,
            key_kind,
            friendly_name,
        },
        leaf,
        rng,
    )?);
    Ok(Zeroizing::new(pem::base64(&pfx)))
}

/// The managed secret as `GET /secrets/{name}` returns it: `chain` (DER, in the order stored)
/// with the key's certificate at `leaf`, as PFX or PEM as the plan says.
pub fn secret_bundle<R: CryptoRng + ?Sized>(
    plan: &IssuancePlan,
    key: &KeyPair,
    chain: &[Vec<u8>],
    leaf: usize,
    ids: (&str, &str),
    attributes: &wire::CertificateAttributes,
    rng: &mut R,
) -> Result<wire::SecretBundle, Error> {
    let (sid, kid) = ids;
    let value = match plan.content_type() {
        ContentType::Pkcs12 => pkcs12_chain_value(key, chain, leaf, plan.key().exportable(), rng)?,
        ContentType::Pem => pem_chain_value(key, chain, plan.key().exportable())?,
    };
    Ok(wire::SecretBundle {
        id: Some(sid.to_owned()),
        value: Some(value),
        content_type: Some(plan.content_type().mime().to_owned()),
        managed: Some(true),
        attributes: Some(attributes.clone()),
        tags: plan.tags().cloned(),
        kid: Some(kid.to_owned()),
    })
}

/// A random (version 4) GUID in the lowercase form the service writes.
fn guid<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
