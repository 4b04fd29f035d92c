//! The certificate's managed secret and key: what `GET /secrets/{name}` and `GET /keys/{name}`
//! return for a certificate (`docs/service-behaviour.md` §7).

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::key::pkcs8::Pkcs8Attributes;
use crate::key::{JwkParts, KeyPair, KeySpec};
use crate::pkcs12::{PfxContents, PfxKeyKind, encode_service_pfx_with_leaf};
use crate::service::plan::{ContentType, IssuancePlan};
use crate::x509::key_usage::{KeyUsage, KeyUsages};
use crate::{pem, service::error::Error, service::wire};

/// The managed key's `key_ops`, derived from the policy's key usages as the docs map them
/// (dataEncipherment → encrypt, decrypt; decipherOnly → decrypt; encipherOnly → encrypt;
/// digitalSignature, keyCertSign, nonRepudiation, cRLSign → sign, verify; keyEncipherment →
/// wrapKey, unwrapKey; keyAgreement → none), in the order encrypt, decrypt, sign, verify,
/// wrapKey, unwrapKey. Recorded: RSA with the default usages gives `["sign","verify",
/// "wrapKey","unwrapKey"]`, EC `["sign","verify"]`. EC keys only sign and verify.
///
/// ```
/// use kvcert::{x509::key_usage::{KeyUsage, KeyUsages}, service::secret::key_operations, KeySpec, RsaSize};
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

/// The public parts of `key` as a JSON Web Key: `n`, `e` for RSA; `crv`, `x`, `y` for EC (each
/// coordinate at the curve's full width, recorded: P-521's 66 bytes keep a leading zero).
pub(crate) fn public_jwk(key: &KeyPair) -> Result<wire::JsonWebKey, Error> {
    let mut jwk = wire::JsonWebKey::default();
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
    Ok(jwk)
}

/// The managed key as `GET /keys/{name}` returns it: the public JWK, the certificate's
/// attributes with `hsmPlatform: "0"` (written by the service since 2024), tags, `managed`.
pub fn key_bundle(
    plan: &IssuancePlan,
    key: &KeyPair,
    kid: &str,
    attributes: &wire::CertificateAttributes,
) -> Result<wire::KeyBundle, Error> {
    let jwk = wire::JsonWebKey {
        kid: Some(kid.to_owned()),
        kty: Some(plan.key().kty().to_owned()),
        key_ops: Some(
            key_operations(plan.key().spec(), plan.key_usage())
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
        ..public_jwk(key)?
    };
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

/// A PKCS#12 secret value not made yet: what it holds and the random bytes its making draws
/// (an RSA key's friendly-name GUID, the salts), drawn from the caller's RNG when the version
/// is stored, in the order and sizes [`pkcs12_chain_value`] draws them. The engine stores this
/// instead of the PFX and makes the PFX when the secret is read ([`DeferredPfx::value`]): the
/// same bytes as a PFX made at once from the same RNG stream, and a vault whose secrets are
/// never read never pays their key derivations (the fuzzer's request sequences, most tests).
/// Its salts are no secret, but it travels with the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeferredPfx {
    /// The drawn bytes, lowercase hex.
    drawn: String,
    /// The certificates, base64 DER, in the order stored.
    chain: Vec<String>,
    /// Where the key's certificate is in `chain`.
    leaf: usize,
    /// Whether the PFX holds the private key.
    exportable: bool,
}

impl core::fmt::Debug for DeferredPfx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeferredPfx")
            .field("certificates", &self.chain.len())
            .field("leaf", &self.leaf)
            .field("exportable", &self.exportable)
            .finish_non_exhaustive()
    }
}

/// The sizes of the RNG draws [`pkcs12_chain_value`] makes, in order: the GUID of an RSA key's
/// friendly name (16), the key bag's salt when the key is in the PFX (8), the certificates'
/// salt (8), the MAC's salt (20) (`pkcs12::encode`). A unit test holds the two together.
fn pfx_draws(spec: KeySpec, exportable: bool) -> impl Iterator<Item = usize> {
    let rsa = matches!(spec, KeySpec::Rsa(_));
    [(rsa, 16), (exportable, 8), (true, 8), (true, 20)]
        .into_iter()
        .filter_map(|(drawn, n)| drawn.then_some(n))
}

/// Hands out recorded bytes, in order: the RNG a deferred PFX is made with.
struct Replay<'a>(&'a [u8]);

impl rand_core::TryRng for Replay<'_> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        // Past the recording (not expected: `pfx_draws` is kept in step by a test), zeros: the
        // PFX is still whole, with weaker salts.
        let n = dst.len().min(self.0.len());
        dst[..n].copy_from_slice(&self.0[..n]);
        dst[n..].fill(0);
        self.0 = &self.0[n..];
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Replay<'_> {}

impl DeferredPfx {
    /// Draws what the PFX of `key` and `chain` will need from `rng`, as making it now would.
    fn draw(
        key: &KeyPair,
        chain: &[Vec<u8>],
        leaf: usize,
        exportable: bool,
        rng: &mut dyn CryptoRng,
    ) -> DeferredPfx {
        let mut drawn = String::new();
        for n in pfx_draws(key.spec(), exportable) {
            let mut bytes = vec![0u8; n];
            rng.fill_bytes(&mut bytes);
            drawn.extend(bytes.iter().map(|b| format!("{b:02x}")));
        }
        DeferredPfx {
            drawn,
            chain: chain.iter().map(|c| pem::base64(c)).collect(),
            leaf,
            exportable,
        }
    }

    /// The PFX of `key` (the version's), base64: byte for byte what [`pkcs12_chain_value`]
    /// made at the store from the same RNG stream.
    pub(crate) fn value(&self, key: &KeyPair) -> Result<Zeroizing<String>, Error> {
        let corrupt = || Error::internal("a deferred secret is not one kvcert stored");
        let drawn = (0..self.drawn.len() / 2)
            .map(|i| u8::from_str_radix(self.drawn.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(corrupt)?;
        let chain: Vec<Vec<u8>> = self
            .chain
            .iter()
            .map(|b64| pem::base64_decode(b64).ok_or_else(corrupt))
            .collect::<Result<_, _>>()?;
        pkcs12_chain_value(key, &chain, self.leaf, self.exportable, &mut Replay(&drawn))
    }
}

/// When a secret's PKCS#12 value is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PfxTiming {
    /// Now, from the caller's RNG (the stateless create: its bytes are the golden ones).
    Now,
    /// When it is read: its random bytes are drawn now ([`DeferredPfx`]).
    OnRead,
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
    let (bundle, _) = secret_bundle_timed(
        plan,
        key,
        chain,
        leaf,
        ids,
        attributes,
        PfxTiming::Now,
        &mut { rng },
    )?;
    Ok(bundle)
}

/// [`secret_bundle`], with the PKCS#12 value made now or deferred (its `value` then `None`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn secret_bundle_timed(
    plan: &IssuancePlan,
    key: &KeyPair,
    chain: &[Vec<u8>],
    leaf: usize,
    ids: (&str, &str),
    attributes: &wire::CertificateAttributes,
    timing: PfxTiming,
    rng: &mut dyn CryptoRng,
) -> Result<(wire::SecretBundle, Option<DeferredPfx>), Error> {
    let (sid, kid) = ids;
    let exportable = plan.key().exportable();
    let (value, deferred) = match (plan.content_type(), timing) {
        (ContentType::Pkcs12, PfxTiming::Now) => (
            Some(pkcs12_chain_value(key, chain, leaf, exportable, rng)?),
            None,
        ),
        (ContentType::Pkcs12, PfxTiming::OnRead) => (
            None,
            Some(DeferredPfx::draw(key, chain, leaf, exportable, rng)),
        ),
        (ContentType::Pem, _) => (Some(pem_chain_value(key, chain, exportable)?), None),
    };
    let bundle = wire::SecretBundle {
        id: Some(sid.to_owned()),
        value,
        content_type: Some(plan.content_type().mime().to_owned()),
        managed: Some(true),
        attributes: Some(attributes.clone()),
        tags: plan.tags().cloned(),
        kid: Some(kid.to_owned()),
    };
    Ok((bundle, deferred))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn key(file: &str) -> KeyPair {
        let path = format!("{}/tests/data/keys/{file}.pem", env!("CARGO_MANIFEST_DIR"));
        KeyPair::from_pkcs8_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// A deferred PFX is byte for byte the PFX made at once from the same RNG stream, and
    /// draws as much from it: `pfx_draws` is in step with `pkcs12_chain_value`.
    #[test]
    fn a_deferred_pfx_is_the_pfx_made_at_once() {
        let chain = vec![
            b"\x30\x03\x02\x01\x01".to_vec(),
            b"\x30\x03\x02\x01\x02".to_vec(),
        ];
        for file in ["rsa2048", "p256"] {
            let key = key(file);
            for exportable in [true, false] {
                let mut at_once = ChaCha20Rng::seed_from_u64(5);
                let made = pkcs12_chain_value(&key, &chain, 1, exportable, &mut at_once).unwrap();
                let mut later = ChaCha20Rng::seed_from_u64(5);
                let deferred = DeferredPfx::draw(&key, &chain, 1, exportable, &mut later);
                assert_eq!(
                    at_once.get_word_pos(),
                    later.get_word_pos(),
                    "{file} {exportable}: the same draws"
                );
                assert_eq!(deferred.value(&key).unwrap(), made, "{file} {exportable}");
                assert!(!format!("{deferred:?}").contains(&deferred.drawn));
            }
        }
    }
}
