//! The keys a client creates or imports, beside the certificates' own: create, import, get,
//! update, delete, the deleted keys, recover, purge, backup, restore, rotate with its policy
//! ([`rotation`]) and the cryptographic operations ([`crypto`]), as a software-protected vault
//! answers them (`docs/service-behaviour.md` §12, `docs/service-facts-keys.md`).
//!
//! A name is a certificate's or a client's key, never both: the certificate's key
//! (`managed: true`) is read and used here too, and every write to it is refused (403, inner
//! code `KeyManagedByKeyVault`, recorded for delete).
//!
//! # What a create takes
//!
//! | field | taken | refused |
//! |---|---|---|
//! | `kty` | `RSA`, `EC` | `RSA-HSM`, `EC-HSM`: 400 `Hardware key operation not allowed on standard vault` (reported text); `oct`, `oct-HSM`: 400 `Invalid kty value: oct`, inner `KeyTypeNotSupported` (reported with the raw HTTP, Azure/azure-sdk-for-net #13437; for `oct-HSM`, Azure/azure-sdk-for-js #26212); anything else: 400 `Property kty has invalid value` |
//! | `key_size` | RSA 2048 (default), 3072, 4096 | others: the certificates' key-size text |
//! | `public_exponent` | 65537 (default; 0, the Java SDK's unset value, too) | others: 400 |
//! | `crv` | `P-256` (default), `P-384`, `P-521`, `P-256K` | others: 400 |
//! | `key_ops` | `encrypt`, `decrypt`, `sign`, `verify`, `wrapKey`, `unwrapKey`, `import`, `export`; by the key type when absent (recorded: RSA all six, EC `sign`, `verify`) | another name: 400 |
//! | `attributes` | `enabled`, `nbf`, `exp`; `exportable: true` | `exportable: true` without a release policy: 400 `AKV.SKR.1004: Exportable keys must have release policy.` (recorded) |
//! | `tags` | at most [`MAX_TAGS`] | the certificates' text |
//!
//! An unknown member is ignored (recorded: `curve` for `crv` made a P-256 key).
//!
//! # What an import refuses
//!
//! | JWK | answer |
//! |---|---|
//! | `kty` `oct`/`oct-HSM`, or a `k` | 400 `Invalid kty value: oct`, inner `KeyTypeNotSupported` (reported for an import, Azure/azure-sdk-for-java #12898) |
//! | no RSA or EC `kty`; a member its type needs missing or not base64url; no `crv` or one a vault has not; a `d` that is no scalar of the curve; `x`, `y` not `d`'s point | 400 `The property "key" must be a valid JsonWebKey object.` (reported: Azure/azure-sdk-for-java #3405, #19529; ecadlabs/signatory #231, a JWK without `crv`) |
//! | RSA `p`, `q`, `e` that make no key, or an `n` that is not `p·q` | 400 `RSA key is not valid - cannot instantiate crypto service` (reported: Azure/azure-sdk-for-python #28452, 7.3; Azure/azure-sdk-for-go #22173) |
//!
//! # Decisions where the service's behaviour is not recorded
//!
//! | question | kvcert's answer |
//! |---|---|
//! | the status of `RSA-HSM`/`EC-HSM` on a standard vault | 400 `BadParameter` with the reported text |
//! | a missing version of an existing key | 404 `KeyNotFound`, the name's text |
//! | update, rotate, backup, import, create on a certificate's key | 403 `Forbidden`, inner `KeyManagedByKeyVault`, the secret's wording with the operation's name |
//! | a deleted certificate's key in `GET /deletedkeys` | not listed |
//! | restore over a name in use or deleted | 409, the restore-conflict text with `key` (recorded for a name just purged: JS `can restore a key with a given backup`, 2021; the same words for a live name) |
//! | which member of a bad JWK gets which of the two reported texts | RSA parts that do not make a key: the RSA text; everything else: the JsonWebKey text |
//! | a certificate create on a client's key's name | 409 `Conflict`, kvcert's text (as for secrets) |
//! | import of an RSA key of another size than 2048, 3072, 4096 | 400 (kvcert's keys are those sizes) |
//! | the import JWK's `dp`, `dq`, `qi` | recomputed from `p`, `q`, `d` (a JWK whose `n` is not `p·q` is refused) |
//!
//! # The backup blob
//!
//! As the certificate's ([`backup`](super::backup)), with the magic `KVCERT-KEYBAK-V1`: the
//! key's versions (private keys included) and its rotation policy, under an integrity MAC.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::delete::kept_after;
use super::objects::{ClientObject, Version, Versions};
use super::record::Deleted;
use super::record::KeyMaterial;
use super::{VaultState, key_from_material, key_material, secs_i64};
use crate::key::{Curve, KeyPair, KeySpec, RsaSize};
use crate::pem;
use crate::service::error::{Error, ObjectKind};
use crate::service::plan::{CertificateName, MAX_TAGS};
use crate::service::secret::public_jwk;
use crate::service::shape::parse_request;
use crate::service::vault::hex_id;
use crate::service::wire;
use crate::x509::time::UnixTime;

pub mod crypto;
pub mod rotation;

/// The largest create, import or update body read (an RSA-4096 JWK with every private part
/// is under 6 KiB).
pub const MAX_KEY_BODY_LEN: usize = 64 * 1024;
/// The most versions one key name keeps (kvcert's bound, as for secrets).
pub const MAX_KEY_VERSIONS: usize = 4096;
/// The largest restore body read.
pub const MAX_KEY_RESTORE_LEN: usize = 16 * 1024 * 1024;

const MAGIC: &[u8; 16] = b"KVCERT-KEYBAK-V1";

/// The operations a key may allow (`key_ops`), in the service's order.
pub const KEY_OPERATIONS: [&str; 8] = [
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "wrapKey",
    "unwrapKey",
    "import",
    "export",
];

/// One version of a client's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyVersion {
    /// 32 lowercase hex characters.
    version: String,
    /// `RSA` or `EC`.
    kty: String,
    key_ops: Vec<String>,
    /// The public parts, as answered (no `kid`, no `kty`, no `key_ops`).
    public: wire::JsonWebKey,
    /// The private key, PKCS#8.
    private_key: KeyMaterial,
    enabled: bool,
    nbf: Option<i64>,
    exp: Option<i64>,
    created: i64,
    updated: i64,
    tags: Option<wire::Tags>,
}

/// A client's key: its name as first made, its versions oldest first (the last is the
/// current one), and its rotation policy once set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    /// The stored row and the backup keep `name` and `versions` at the top level.
    #[serde(flatten)]
    versions: Versions<KeyVersion>,
    #[serde(default)]
    rotation_policy: Option<wire::KeyRotationPolicy>,
}

/// A deleted key.
pub(crate) type DeletedKeyRecord = Deleted<KeyRecord>;

/// A key is its versions, and a rotation policy.
impl core::ops::Deref for KeyRecord {
    type Target = Versions<KeyVersion>;
    fn deref(&self) -> &Versions<KeyVersion> {
        &self.versions
    }
}

impl core::ops::DerefMut for KeyRecord {
    fn deref_mut(&mut self) -> &mut Versions<KeyVersion> {
        &mut self.versions
    }
}

impl Version for KeyVersion {
    fn id(&self) -> &str {
        &self.version
    }
}

impl ClientObject for KeyRecord {
    const KIND: ObjectKind = ObjectKind::Key;
    const SEGMENT: &'static str = "keys";
    const MAGIC: &'static [u8; 16] = MAGIC;
    const MAX_RESTORE_LEN: usize = MAX_KEY_RESTORE_LEN;

    fn maps(vault: &VaultState) -> (&BTreeMap<String, Self>, &BTreeMap<String, Deleted<Self>>) {
        (&vault.keys, &vault.deleted_keys)
    }

    fn maps_mut(
        vault: &mut VaultState,
    ) -> (
        &mut BTreeMap<String, Self>,
        &mut BTreeMap<String, Deleted<Self>>,
    ) {
        (&mut vault.keys, &mut vault.deleted_keys)
    }

    fn not_found(name: String) -> Error {
        Error::KeyNotFound { name }
    }

    fn deleted_not_found(name: String) -> Error {
        Error::DeletedKeyNotFound { name }
    }

    fn malformed_backup() -> Error {
        Error::MalformedKeyBackup
    }

    fn name(&self) -> &str {
        self.versions.name()
    }

    fn latest_id(&self) -> Option<&str> {
        self.latest().map(Version::id)
    }

    fn well_formed(&self) -> bool {
        self.versions.well_formed(MAX_KEY_VERSIONS, |v| {
            key_from_material(&v.private_key).is_ok()
        })
    }
}

/// A new key's settings, checked (see the module's table).
struct KeySettings {
    key_ops: Vec<String>,
    enabled: bool,
    nbf: Option<i64>,
    exp: Option<i64>,
    tags: Option<wire::Tags>,
}

/// `key_ops` as sent, checked; `None` when absent.
fn key_ops(sent: Option<Vec<String>>) -> Result<Option<Vec<String>>, Error> {
    let Some(ops) = sent else {
        return Ok(None);
    };
    if ops.len() > KEY_OPERATIONS.len() || ops.iter().any(|o| !KEY_OPERATIONS.contains(&o.as_str()))
    {
        return Err(Error::property("key_ops", "Unknown key operation"));
    }
    Ok(Some(ops))
}

/// The attributes a client sets on a key: `enabled`, `nbf`, `exp`, `exportable`; the
/// read-only ones are ignored (recorded, Rust 2025: a PATCH carrying `created`, `hsmPlatform`).
fn settable(
    attributes: Option<wire::CertificateAttributes>,
) -> (Option<bool>, Option<i64>, Option<i64>, Option<bool>) {
    match attributes {
        Some(wire::CertificateAttributes {
            enabled,
            nbf,
            exp,
            created: _,
            updated: _,
            recovery_level: _,
            recoverable_days: _,
            exportable,
            hsm_platform: _,
        }) => (enabled, nbf, exp, exportable),
        None => (None, None, None, None),
    }
}

fn check_tags(tags: Option<&wire::Tags>) -> Result<(), Error> {
    match tags {
        Some(t) if t.0.len() > MAX_TAGS => Err(Error::TooManyTags),
        _ => Ok(()),
    }
}

impl KeySettings {
    fn new(
        spec: KeySpec,
        ops: Option<Vec<String>>,
        attributes: Option<wire::CertificateAttributes>,
        release_policy: bool,
        tags: Option<wire::Tags>,
    ) -> Result<Self, Error> {
        let (enabled, nbf, exp, exportable) = settable(attributes);
        // Recorded (JS, premium vault): an exportable key needs a release policy; a software
        // key cannot have one, so it is never exportable here.
        if exportable == Some(true) && !release_policy {
            return Err(Error::ExportableWithoutReleasePolicy);
        }
        if release_policy {
            return Err(Error::property(
                "release_policy",
                "A key release policy needs an HSM key; this vault is a standard vault",
            ));
        }
        check_tags(tags.as_ref())?;
        let key_ops = match key_ops(ops)? {
            Some(ops) => ops,
            // Recorded defaults: RSA all six, EC sign and verify.
            None => match spec {
                KeySpec::Rsa(_) => KEY_OPERATIONS[..6]
                    .iter()
                    .map(|o| (*o).to_owned())
                    .collect(),
                KeySpec::Ec(_) => vec!["sign".to_owned(), "verify".to_owned()],
            },
        };
        Ok(KeySettings {
            key_ops,
            enabled: enabled.unwrap_or(true),
            nbf,
            exp,
            tags,
        })
    }
}

/// The key type of a create: RSA or EC on a standard vault.
fn kty_of(kty: Option<&str>) -> Result<&'static str, Error> {
    match kty {
        Some("RSA") => Ok("RSA"),
        Some("EC") => Ok("EC"),
        Some("RSA-HSM" | "EC-HSM") => Err(Error::HsmKeyOnStandardVault),
        Some("oct" | "oct-HSM") => Err(Error::KeyTypeNotSupported { kty: "oct" }),
        _ => Err(Error::property(
            "kty",
            "The key type is not supported in a vault",
        )),
    }
}

/// What a create makes: the spec from `kty`, `key_size`, `public_exponent`, `crv`.
fn create_spec(
    kty: &str,
    key_size: Option<i64>,
    public_exponent: Option<i64>,
    crv: Option<&str>,
) -> Result<KeySpec, Error> {
    if kty == "RSA" {
        // 0 is the Java SDK's unset value (`azure-security-keyvault-keys` 4.11 sends
        // `"public_exponent":0` for every RSA create, and its live tests run against the
        // service): the default, as when absent.
        if public_exponent.is_some_and(|e| e != 65_537 && e != 0) {
            return Err(Error::property(
                "public_exponent",
                "Only the public exponent 65537 is supported",
            ));
        }
        let bits = key_size.unwrap_or(2048);
        return RsaSize::from_bits(bits)
            .map(KeySpec::Rsa)
            .ok_or(Error::UnsupportedKeySize {
                bits: u64::try_from(bits).unwrap_or(0),
                supported: "2048, 3072, 4096",
            });
    }
    match crv {
        None => Ok(KeySpec::Ec(Curve::P256)),
        Some(name) => Curve::from_name(name)
            .map(KeySpec::Ec)
            .ok_or_else(|| Error::property("crv", "The curve is not supported")),
    }
}

/// Big-endian bytes of a base64url JWK member; a missing or malformed one makes the JWK
/// invalid.
fn jwk_bytes(value: Option<&str>, detail: &'static str) -> Result<Vec<u8>, Error> {
    value
        .and_then(pem::base64url_decode)
        .ok_or(Error::InvalidJsonWebKey { detail })
}

/// The private key of an imported JWK (`kty` RSA with `n`, `e`, `d`, `p`, `q`; EC with `crv`,
/// `d`, `x`, `y`), checked against its public parts. The refusals are the service's reported
/// texts: a JWK without what its type needs is not "a valid JsonWebKey object"; RSA parts
/// that make no key "cannot instantiate crypto service"; `oct` is not a vault's type.
fn imported_key(jwk: &wire::JsonWebKey) -> Result<(KeyPair, &'static str), Error> {
    use crypto_bigint::BoxedUint;
    let wire::JsonWebKey {
        kid: _,
        kty,
        key_ops: _,
        n,
        e,
        crv,
        x,
        y,
        d,
        p,
        q,
        dp: _,
        dq: _,
        qi: _,
        k,
    } = jwk;
    let kty = match kty.as_deref() {
        Some("RSA" | "RSA-HSM") => "RSA",
        Some("EC" | "EC-HSM") => "EC",
        Some("oct" | "oct-HSM") => return Err(Error::KeyTypeNotSupported { kty: "oct" }),
        _ if k.is_some() => return Err(Error::KeyTypeNotSupported { kty: "oct" }),
        _ => {
            return Err(Error::InvalidJsonWebKey {
                detail: "no RSA or EC kty",
            });
        }
    };
    let private = |part: &Option<zeroize::Zeroizing<String>>, detail| {
        jwk_bytes(part.as_deref().map(String::as_str), detail).map(zeroize::Zeroizing::new)
    };
    if kty == "RSA" {
        let n = jwk_bytes(n.as_deref(), "n missing or not base64url")?;
        let e = jwk_bytes(e.as_deref(), "e missing or not base64url")?;
        let p = private(p, "p missing or not base64url")?;
        let q = private(q, "q missing or not base64url")?;
        private(d, "d missing or not base64url")?;
        if n.len() > 512 || e.len() > 512 || p.len() > 256 || q.len() > 256 {
            return Err(Error::property(
                "key.n",
                "RSA keys of 2048, 3072 or 4096 bits",
            ));
        }
        let invalid = |detail| Error::InvalidRsaJsonWebKey { detail };
        let uint = |bytes: &[u8]| {
            // At most 512 bytes (checked above): 4,096 bits, a multiple of 64.
            let bits = u32::try_from(bytes.len().saturating_mul(8).next_multiple_of(64).max(64))
                .map_err(|_| invalid("a part too long"))?;
            BoxedUint::from_be_slice(bytes, bits).map_err(|_| invalid("a part too long"))
        };
        let key = ::rsa::PrivateKey::from_p_q(uint(&p)?, uint(&q)?, uint(&e)?)
            .map_err(|_| invalid("p, q and e make no RSA key"))?;
        use ::rsa::traits::PublicKeyParts;
        if key.n().to_be_bytes_trimmed_vartime().as_ref() != trimmed(&n) {
            return Err(invalid("n is not p·q"));
        }
        let pair = KeyPair::from_rsa(key)
            .map_err(|_| Error::property("key.n", "RSA keys of 2048, 3072 or 4096 bits"))?;
        return Ok((pair, kty));
    }
    let curve = crv
        .as_deref()
        .and_then(Curve::from_name)
        .ok_or(Error::InvalidJsonWebKey {
            detail: "crv missing or not a vault's curve",
        })?;
    let d = private(d, "d missing or not base64url")?;
    let pair = KeyPair::from_ec_scalar(curve, &d).map_err(|_| Error::InvalidJsonWebKey {
        detail: "d is not a scalar of the curve",
    })?;
    let public = public_jwk(&pair)?;
    // `x` and `y` may be left out (the private scalar gives them); sent, they must be its.
    for (sent, own) in [(x, &public.x), (y, &public.y)] {
        let Some(sent) = sent else { continue };
        let sent = jwk_bytes(Some(sent), "x or y not base64url")?;
        let own = own.as_deref().and_then(pem::base64url_decode);
        if Some(trimmed(&sent)) != own.as_deref().map(trimmed) {
            return Err(Error::InvalidJsonWebKey {
                detail: "x, y are not d's point",
            });
        }
    }
    Ok((pair, kty))
}

/// `bytes` without leading zeros.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

impl VaultState {
    /// The `attributes` of a client's key version: recorded order, `exportable: false` and
    /// `hsmPlatform: "0"` last (every software key since 2024).
    fn key_attributes(&self, v: &KeyVersion) -> wire::CertificateAttributes {
        wire::CertificateAttributes {
            enabled: Some(v.enabled),
            nbf: v.nbf,
            exp: v.exp,
            created: Some(v.created),
            updated: Some(v.updated),
            recovery_level: Some(self.vault.recovery_level.clone()),
            recoverable_days: self.vault.recoverable_days,
            exportable: Some(false),
            hsm_platform: Some("0".to_owned()),
        }
    }

    /// A version as `GET /keys/{name}/{version}` answers it.
    fn key_bundle_of(&self, name: &str, v: &KeyVersion) -> wire::KeyBundle {
        wire::KeyBundle {
            key: Some(wire::JsonWebKey {
                kid: Some(format!("{}/keys/{name}/{}", self.vault.url, v.version)),
                kty: Some(v.kty.clone()),
                key_ops: Some(v.key_ops.clone()),
                ..v.public.clone()
            }),
            attributes: Some(self.key_attributes(v)),
            tags: v.tags.clone(),
            managed: None,
        }
    }

    /// A version as a list item, under `kid`.
    fn key_item_of(&self, v: &KeyVersion, kid: String) -> wire::KeyItem {
        wire::KeyItem {
            kid: Some(kid),
            attributes: Some(self.key_attributes(v)),
            tags: v.tags.clone(),
            managed: None,
        }
    }

    /// The client's key of `name` (any case).
    pub(super) fn plain_key(&self, name: &str) -> Option<&KeyRecord> {
        self.keys.get(&name.to_ascii_lowercase())
    }

    /// Adds `pair` as the new version of the client's key `name` (checked free first).
    fn add_key_version(
        &mut self,
        name: &str,
        kty: &str,
        pair: &KeyPair,
        settings: KeySettings,
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<wire::KeyBundle, Error> {
        let key = name.to_ascii_lowercase();
        if self
            .keys
            .get(&key)
            .is_some_and(|r| r.all().len() >= MAX_KEY_VERSIONS)
        {
            return Err(Error::property(
                "key",
                format!("A key keeps at most {MAX_KEY_VERSIONS} versions"),
            ));
        }
        let KeySettings {
            key_ops,
            enabled,
            nbf,
            exp,
            tags,
        } = settings;
        let secs = secs_i64(now);
        let version = KeyVersion {
            version: hex_id(rng),
            kty: kty.to_owned(),
            key_ops,
            public: public_jwk(pair)?,
            private_key: key_material(pair)?,
            enabled,
            nbf,
            exp,
            created: secs,
            updated: secs,
            tags,
        };
        self.touch(&key);
        let record = self.keys.entry(key).or_insert_with(|| KeyRecord {
            versions: Versions::new(name),
            rotation_policy: None,
        });
        let record_name = record.name().to_owned();
        record.push(version.clone());
        // A rotation policy's next rotation is measured from the new version.
        self.reschedule(&record_name);
        Ok(self.key_bundle_of(&record_name, &version))
    }

    /// The checks before a new version of `name`: the name, a certificate's key, a deleted key.
    fn refuse_new_key(
        &mut self,
        name: &str,
        operation: &'static str,
        now: UnixTime,
    ) -> Result<(), Error> {
        let key = name.to_ascii_lowercase();
        self.purge_if_due(name, now);
        self.purge_object_if_due::<KeyRecord>(&key, now);
        self.refuse_if_managed::<KeyRecord>(&key, operation)?;
        if self.deleted.contains_key(&key) || self.deleted_keys.contains_key(&key) {
            return Err(Error::DeletedButRecoverable {
                kind: ObjectKind::Key,
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// `POST /keys/{name}/create`: a new version, 200 with its public JWK (recorded: Rust
    /// 7.6-preview.2, C++ 7.3, .NET 7.6-preview.1).
    pub fn create_key<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::KeyBundle, Error> {
        self.create_key_dyn(name, body, now, &mut { rng })
    }

    fn create_key_dyn(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut dyn CryptoRng,
    ) -> Result<wire::KeyBundle, Error> {
        let name = CertificateName::try_from(name)?;
        let name = name.as_str();
        let sent: wire::KeyCreateParameters = parse_request(body, MAX_KEY_BODY_LEN)?;
        let wire::KeyCreateParameters {
            kty,
            key_size,
            public_exponent,
            key_ops,
            attributes,
            tags,
            crv,
            release_policy,
        } = sent;
        let kty = kty_of(kty.as_deref())?;
        let spec = create_spec(kty, key_size, public_exponent, crv.as_deref())?;
        let settings = KeySettings::new(spec, key_ops, attributes, release_policy.is_some(), tags)?;
        self.refuse_new_key(name, "create", now)?;
        let pair = self.new_key(spec, rng)?;
        self.add_key_version(name, kty, &pair, settings, now, rng)
    }

    /// `PUT /keys/{name}`: the client's JWK as a new version (recorded, C++ 7.3: 200, a new
    /// version id, `key_ops` as sent).
    pub fn import_key<R: CryptoRng + ?Sized>(
        &mut self,
        name: &str,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::KeyBundle, Error> {
        let name = CertificateName::try_from(name)?;
        let name = name.as_str();
        let sent: wire::KeyImportParameters = parse_request(body, MAX_KEY_BODY_LEN)?;
        let wire::KeyImportParameters {
            hsm,
            key,
            attributes,
            tags,
            release_policy,
        } = sent;
        if hsm == Some(true) {
            return Err(Error::HsmKeyOnStandardVault);
        }
        let jwk = key.ok_or_else(|| Error::property("key", "A key is required"))?;
        let (pair, kty) = imported_key(&jwk)?;
        let settings = KeySettings::new(
            pair.spec(),
            jwk.key_ops.clone(),
            attributes,
            release_policy.is_some(),
            tags,
        )?;
        self.refuse_new_key(name, "import", now)?;
        self.add_key_version(name, kty, &pair, settings, now, &mut { rng })
    }

    /// `GET /keys/{name}[/{version}]` of a client's key; `None` when `name` has none. A
    /// disabled key is answered (recorded, C++ 7.3).
    pub(super) fn get_plain_key(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Option<Result<wire::KeyBundle, Error>> {
        let record = self.plain_key(name)?;
        Some(
            record
                .find(version)
                .map(|v| self.key_bundle_of(record.name(), v))
                .ok_or_else(|| Error::KeyNotFound {
                    name: name.to_owned(),
                }),
        )
    }

    /// `PATCH /keys/{name}[/{version}]`: `key_ops`, attributes and tags (what the body has
    /// replaces; `updated` moves); 200 with the whole bundle (recorded, Rust 2025).
    pub fn update_key(
        &mut self,
        name: &str,
        version: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::KeyBundle, Error> {
        let sent: wire::KeyUpdateParameters = parse_request(body, MAX_KEY_BODY_LEN)?;
        let wire::KeyUpdateParameters {
            key_ops: ops,
            attributes,
            tags,
            release_policy,
        } = sent;
        if release_policy.is_some() {
            return Err(Error::property(
                "release_policy",
                "A key release policy needs an HSM key; this vault is a standard vault",
            ));
        }
        let ops = key_ops(ops)?;
        check_tags(tags.as_ref())?;
        let (enabled, nbf, exp, exportable) = settable(attributes);
        if exportable == Some(true) {
            return Err(Error::ExportableWithoutReleasePolicy);
        }
        let key = name.to_ascii_lowercase();
        self.refuse_if_managed::<KeyRecord>(&key, "update")?;
        let not_found = || Error::KeyNotFound {
            name: name.to_owned(),
        };
        let record = self.keys.get_mut(&key).ok_or_else(not_found)?;
        let record_name = record.name().to_owned();
        let v = record.find_mut(version).ok_or_else(not_found)?;
        if let Some(ops) = ops {
            v.key_ops = ops;
        }
        if let Some(enabled) = enabled {
            v.enabled = enabled;
        }
        if nbf.is_some() {
            v.nbf = nbf;
        }
        if exp.is_some() {
            v.exp = exp;
        }
        if tags.is_some() {
            v.tags = tags;
        }
        v.updated = secs_i64(now);
        let v = v.clone();
        self.reschedule(&key);
        Ok(self.key_bundle_of(&record_name, &v))
    }

    /// `DELETE /keys/{name}`: the deleted key (every version), 200 with its latest version
    /// (recorded, Rust 2025, C++ 7.3). A certificate's key is refused (403, recorded).
    pub fn delete_key(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedKeyBundle, Error> {
        let (key, deleted) = self.take_for_delete::<KeyRecord>(name, now)?;
        let mut body = self.deleted_key_bundle(&deleted)?;
        if !self.keep_deleted(key, deleted) {
            body.recovery_id = None;
            body.deleted_date = None;
            body.scheduled_purge_date = None;
        }
        Ok(body)
    }

    fn deleted_key_bundle(
        &self,
        deleted: &DeletedKeyRecord,
    ) -> Result<wire::DeletedKeyBundle, Error> {
        let record = &deleted.record;
        let latest = record
            .latest()
            .ok_or_else(|| Error::internal("a deleted key without versions"))?;
        Ok(wire::DeletedKeyBundle {
            recovery_id: Some(format!("{}/deletedkeys/{}", self.vault.url, record.name())),
            deleted_date: Some(deleted.deleted_date),
            scheduled_purge_date: Some(deleted.scheduled_purge_date),
            key: self.key_bundle_of(record.name(), latest),
        })
    }

    /// `GET /deletedkeys/{name}`: 200 as the delete answered; 404 `Deleted Key not found:
    /// {name}` (recorded, C++ 7.3).
    pub fn get_deleted_key(
        &self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::DeletedKeyBundle, Error> {
        self.deleted_key_bundle(self.deleted_object::<KeyRecord>(name, now)?)
    }

    /// The current version of the client's key under `key`.
    fn latest_key_bundle(&self, key: &str) -> Result<wire::KeyBundle, Error> {
        let record = self.object::<KeyRecord>(key)?;
        record
            .latest()
            .map(|v| self.key_bundle_of(record.name(), v))
            .ok_or_else(|| Error::internal("a key without versions"))
    }

    /// `POST /deletedkeys/{name}/recover`: the key is back with every version; 200 with its
    /// latest version (recorded, C++ 7.3: the original `kid` and dates).
    pub fn recover_deleted_key(
        &mut self,
        name: &str,
        now: UnixTime,
    ) -> Result<wire::KeyBundle, Error> {
        let key = self.recover_object::<KeyRecord>(name, now)?;
        self.latest_key_bundle(&key)
    }

    /// `DELETE /deletedkeys/{name}`: 204, gone for good; 403 under purge protection.
    pub fn purge_deleted_key(&mut self, name: &str, now: UnixTime) -> Result<(), Error> {
        self.purge_object::<KeyRecord>(name, now)
    }

    /// `POST /keys/{name}/backup`: 200 `{"value": blob}` (see the module docs).
    pub fn backup_key(&self, name: &str) -> Result<wire::BackupKeyResult, Error> {
        self.backup_object::<KeyRecord>(name)
    }

    /// `POST /keys/restore`: 200 with the latest version, its `kid` and dates as backed up
    /// (recorded, C++ 7.3); 409 when the name is in use or deleted; 400 `Malformed backup
    /// blob`, `Backup blob is corrupt.` (recorded, .NET) for a blob kvcert did not make.
    pub fn restore_key(&mut self, body: &[u8], now: UnixTime) -> Result<wire::KeyBundle, Error> {
        let key = self.restore_object::<KeyRecord>(body, now)?;
        self.latest_key_bundle(&key)
    }

    /// The latest version of a client's key as a `GET /keys` item.
    pub(super) fn plain_key_listed(&self, record: &KeyRecord) -> Option<wire::KeyItem> {
        let latest = record.latest()?;
        Some(self.key_item_of(latest, format!("{}/keys/{}", self.vault.url, record.name())))
    }

    /// The versions of the client's key `name`, each with its `kid`, for a versions page.
    pub(super) fn plain_key_versions(
        &self,
        name: &str,
    ) -> Option<(&str, impl Iterator<Item = (&str, wire::KeyItem)>)> {
        let record = self.plain_key(name)?;
        let url = format!("{}/keys/{}", self.vault.url, record.name());
        Some((
            record.name(),
            record.all().iter().map(move |v| {
                (
                    v.version.as_str(),
                    self.key_item_of(v, format!("{url}/{}", v.version)),
                )
            }),
        ))
    }

    /// The deleted keys still kept at `now`, after the marker `after`, as list items (the
    /// `id` without a version, recorded).
    pub(super) fn deleted_key_items(
        &self,
        after: Option<String>,
        now: UnixTime,
    ) -> impl Iterator<Item = (String, wire::DeletedKeyItem)> + '_ {
        kept_after(&self.deleted_keys, after, now).filter_map(move |(key, d)| {
            let latest = d.record.latest()?;
            let name = d.record.name();
            let url = &self.vault.url;
            Some((
                key.clone(),
                wire::DeletedKeyItem {
                    recovery_id: Some(format!("{url}/deletedkeys/{name}")),
                    deleted_date: Some(d.deleted_date),
                    scheduled_purge_date: Some(d.scheduled_purge_date),
                    item: self.key_item_of(latest, format!("{url}/keys/{name}")),
                },
            ))
        })
    }
}
