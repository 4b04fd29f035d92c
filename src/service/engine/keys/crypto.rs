//! `POST /keys/{name}/{version}/sign|verify|encrypt|decrypt|wrapkey|unwrapkey` on a client's
//! key or a certificate's (its `kid` signs with the private key of its PFX), with the
//! algorithms of [`crate::key::operations`].
//!
//! # The checks, in order
//!
//! | check | answer |
//! |---|---|
//! | the key (and version) exists | 404 `KeyNotFound` |
//! | the operation is in its `key_ops` | 403 `Forbidden`, `Operation {op} is not permitted on this key.`, inner `KeyOperationForbidden` (SDK troubleshooting text) |
//! | the key is enabled | 403 `Forbidden`, `Operation {op} is not allowed on a disabled key.`, inner `KeyDisabled` (the secret's recorded wording for keys; not recorded) |
//! | before `nbf`: every operation but verify | 403 `Forbidden`, inner `KeyNotYetValid` (kvcert's text; documented: a key is not used before `nbf`) |
//! | at or after `exp`: sign, encrypt, wrapKey | 403 `Forbidden`, inner `KeyExpired` (kvcert's text; documented: an expired key "MUST NOT be used for encryption of new data, wrapping of new keys, and signing"; it still decrypts, unwraps and verifies) |
//! | `alg` is a known algorithm that fits the key | 400 `BadParameter`; an `ES*` algorithm on an EC key of another curve: `Key and signing algorithm are incompatible. Key {kid} uses curve 'P-256', and algorithm 'ES384' can only be used with curve 'P-384'.` (reported, Azure/azure-sdk-for-node #4603); `RS*` on an EC key or `ES*` on an RSA key: kvcert's text (not recorded) |
//! | `value` (and `digest`) is base64url of the right length | 400 `Content of 'value' is not base64url.\r\nProperty 'value' is required.\r\n` (reported, an autorest log of unwrapKey: bruj0/vault-recovery-key #20); missing: its second sentence alone (kvcert's reading); the wrong length: the service's digest-length text for sign and verify |
//! | decrypt, unwrapKey: `value` decrypts with the key | 400 `BadParameter`, `Unable to decrypt specified value with this key.` (reported: pulumi/pulumi #22338, 2026; Azure/azure-sdk-for-js #30125) for a ciphertext not of the modulus' length, and for an OAEP padding that does not check |
//!
//! # Decisions where the service's behaviour is not recorded, or not followed
//!
//! | question | kvcert's answer |
//! |---|---|
//! | an `RSA1_5` ciphertext of the right length whose padding does not check | 200 with a synthetic plaintext (implicit rejection, draft-irtf-cfrg-rsa-guidance §7.2, as the `rsa` crate decrypts), where the service answers 400 as for OAEP: an explicit check would be a padding oracle, and the issue asks for the RustCrypto crates, not new padding code |
//! | `verify` with an `ES*` algorithm of another curve | the sign's reported refusal (the service verifies too) |

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::super::{VaultState, key_from_material, secs_i64};
use crate::key::operations::{EncryptionAlgorithm, SignatureAlgorithm};
use crate::key::{KeyPair, KeySpec};
use crate::pem;
use crate::service::error::Error;
use crate::service::shape::parse_request;
use crate::service::wire;
use crate::x509::time::UnixTime;

/// The largest operation body read (an RSA-4096 ciphertext is 683 base64url characters).
pub const MAX_OPERATION_BODY_LEN: usize = 16 * 1024;

/// An operation a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOperation {
    /// Sign a digest.
    Sign,
    /// Verify a signature of a digest.
    Verify,
    /// Encrypt with the public key.
    Encrypt,
    /// Decrypt with the private key.
    Decrypt,
    /// Wrap a key with the public key.
    WrapKey,
    /// Unwrap a key with the private key.
    UnwrapKey,
}

impl KeyOperation {
    /// The operation of a path segment (`sign`, `wrapkey`, any case).
    pub fn from_path(segment: &str) -> Option<Self> {
        [
            KeyOperation::Sign,
            KeyOperation::Verify,
            KeyOperation::Encrypt,
            KeyOperation::Decrypt,
            KeyOperation::WrapKey,
            KeyOperation::UnwrapKey,
        ]
        .into_iter()
        .find(|op| op.name().eq_ignore_ascii_case(segment))
    }

    /// The name in `key_ops` (`wrapKey`, …).
    pub const fn name(self) -> &'static str {
        match self {
            KeyOperation::Sign => "sign",
            KeyOperation::Verify => "verify",
            KeyOperation::Encrypt => "encrypt",
            KeyOperation::Decrypt => "decrypt",
            KeyOperation::WrapKey => "wrapKey",
            KeyOperation::UnwrapKey => "unwrapKey",
        }
    }

    /// Whether it makes something new (a signature, a ciphertext, a wrapped key): what an
    /// expired key no longer does (documented, about-keys-details).
    const fn makes_new(self) -> bool {
        matches!(
            self,
            KeyOperation::Sign | KeyOperation::Encrypt | KeyOperation::WrapKey
        )
    }
}

/// The key an operation runs with: its versioned id, what it allows, and its private key.
struct Usable {
    kid: String,
    key: KeyPair,
}

impl Usable {
    /// An `ES*` algorithm on an EC key of another curve gets the service's reported text,
    /// which names the key version (Azure/azure-sdk-for-node #4603, 7.0); the other misfits
    /// (`RS*` on an EC key, `ES*` on an RSA key: not recorded) keep the key layer's refusal.
    fn check_curve(&self, alg: SignatureAlgorithm) -> Result<(), Error> {
        match (alg.curve(), self.key.spec()) {
            (Some(wanted), KeySpec::Ec(curve)) if wanted != curve => {
                Err(Error::CurveNotForAlgorithm {
                    kid: self.kid.clone(),
                    curve: curve.name(),
                    algorithm: alg.name(),
                    algorithm_curve: wanted.name(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// The bytes of a base64url member (`value`, `digest`); missing or not base64url, the
/// service's validation text.
fn decode(member: &'static str, value: Option<&str>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let Some(value) = value else {
        return Err(Error::InvalidBase64Url {
            member,
            present: false,
        });
    };
    pem::base64url_decode(value.trim_end_matches('='))
        .map(Zeroizing::new)
        .ok_or(Error::InvalidBase64Url {
            member,
            present: true,
        })
}

impl VaultState {
    /// The version `name`/`version` for `operation` at `now`, a client's key or a
    /// certificate's, checked (see the module docs).
    fn usable_key(
        &self,
        name: &str,
        version: Option<&str>,
        operation: KeyOperation,
        now: UnixTime,
    ) -> Result<Usable, Error> {
        let not_found = || Error::KeyNotFound {
            name: name.to_owned(),
        };
        let (kid, key_ops, enabled, nbf, exp, material) = if let Some(record) = self.plain_key(name)
        {
            let v = record.find(version).ok_or_else(not_found)?;
            (
                format!("{}/keys/{}/{}", self.vault.url, record.name(), v.version),
                &v.key_ops,
                v.enabled,
                v.nbf,
                v.exp,
                &v.private_key,
            )
        } else {
            let (_, v) = self.version(name, version, now).ok_or_else(not_found)?;
            let jwk = v.key.key.as_ref().ok_or_else(not_found)?;
            let attributes = v.key.attributes.as_ref();
            (
                jwk.kid.clone().ok_or_else(not_found)?,
                jwk.key_ops.as_ref().ok_or_else(not_found)?,
                attributes.and_then(|a| a.enabled).unwrap_or(true),
                attributes.and_then(|a| a.nbf),
                attributes.and_then(|a| a.exp),
                &v.private_key,
            )
        };
        let name_of = operation.name();
        if !key_ops.iter().any(|o| o == name_of) {
            return Err(Error::KeyOperationForbidden { operation: name_of });
        }
        if !enabled {
            return Err(Error::KeyDisabled { operation: name_of });
        }
        let now = secs_i64(now);
        if operation != KeyOperation::Verify && nbf.is_some_and(|nbf| now < nbf) {
            return Err(Error::KeyNotYetValid { operation: name_of });
        }
        if operation.makes_new() && exp.is_some_and(|exp| now >= exp) {
            return Err(Error::KeyExpired { operation: name_of });
        }
        Ok(Usable {
            kid,
            key: key_from_material(material)?,
        })
    }

    /// `POST /keys/{name}[/{version}]/sign|encrypt|decrypt|wrapkey|unwrapkey`: 200 `{"kid",
    /// "value"}` (recorded, Rust 7.6-preview.2). `verify` is [`Self::verify_with_key`].
    pub fn key_operation<R: CryptoRng + ?Sized>(
        &self,
        name: &str,
        version: Option<&str>,
        operation: KeyOperation,
        body: &[u8],
        now: UnixTime,
        rng: &mut R,
    ) -> Result<wire::KeyOperationResult, Error> {
        let sent: wire::KeyOperationsParameters = parse_request(body, MAX_OPERATION_BODY_LEN)?;
        let wire::KeyOperationsParameters {
            alg,
            value,
            iv,
            aad,
            tag,
        } = sent;
        if iv.is_some() || aad.is_some() || tag.is_some() {
            return Err(Error::property(
                "iv",
                "AES parameters are for Managed HSM keys",
            ));
        }
        let alg = alg.ok_or_else(|| Error::property("alg", "An algorithm is required"))?;
        if operation == KeyOperation::Verify {
            return Err(Error::internal("verify is answered by verify_with_key"));
        }
        let input = decode("value", value.as_deref().map(String::as_str))?;
        let usable = self.usable_key(name, version, operation, now)?;
        let output: Zeroizing<Vec<u8>> = match operation {
            KeyOperation::Sign => {
                let alg = SignatureAlgorithm::from_name(&alg)
                    .ok_or_else(|| Error::property("alg", "Unknown signature algorithm"))?;
                usable.check_curve(alg)?;
                Zeroizing::new(usable.key.sign_digest(alg, &input, &mut { rng })?)
            }
            _ => {
                let alg = EncryptionAlgorithm::from_name(&alg)
                    .ok_or_else(|| Error::property("alg", "Unknown encryption algorithm"))?;
                match operation {
                    KeyOperation::Encrypt | KeyOperation::WrapKey => {
                        Zeroizing::new(usable.key.encrypt(alg, &input, &mut { rng })?)
                    }
                    _ => usable.key.decrypt(alg, &input, &mut { rng })?,
                }
            }
        };
        Ok(wire::KeyOperationResult {
            kid: Some(usable.kid),
            value: Some(Zeroizing::new(pem::base64url(&output))),
        })
    }

    /// `POST /keys/{name}[/{version}]/verify`: 200 `{"value": true|false}` (recorded: the
    /// service still verifies, .NET 2026-03-01-preview).
    pub fn verify_with_key(
        &self,
        name: &str,
        version: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Result<wire::KeyVerifyResult, Error> {
        let sent: wire::KeyVerifyParameters = parse_request(body, MAX_OPERATION_BODY_LEN)?;
        let wire::KeyVerifyParameters { alg, digest, value } = sent;
        let alg = alg
            .as_deref()
            .and_then(SignatureAlgorithm::from_name)
            .ok_or_else(|| Error::property("alg", "Unknown signature algorithm"))?;
        let digest = decode("digest", digest.as_deref())?;
        let signature = decode("value", value.as_deref())?;
        let usable = self.usable_key(name, version, KeyOperation::Verify, now)?;
        usable.check_curve(alg)?;
        Ok(wire::KeyVerifyResult {
            value: usable.key.verify_digest(alg, &digest, &signature)?,
        })
    }
}
