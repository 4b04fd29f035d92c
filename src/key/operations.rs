//! What a key does for a caller who holds only its name: sign a digest, verify a signature,
//! encrypt and decrypt (and wrap and unwrap, the same RSA operations on a key), with the JSON
//! Web Algorithms Key Vault names (RFC 7518 §3.3–3.5 and §4.2–4.3; `ES256K`, RFC 8812).
//!
//! Signatures are as the service returns them: PKCS#1 v1.5 and PSS bytes for RSA (PSS with a
//! salt as long as the hash, RFC 7518 §3.5), and the raw `r ‖ s` of ECDSA, each half the
//! curve's size (RFC 7518 §3.4; recorded: 64 bytes for ES256, 132 for ES512).
//!
//! ```
//! use kvcert::key::operations::{EncryptionAlgorithm, SignatureAlgorithm};
//! use kvcert::rand_core::SeedableRng;
//! use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec};
//! use sha2::Digest;
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng)?;
//! let digest = sha2::Sha256::digest(b"a JWT's signing input");
//! let signature = key.sign_digest(SignatureAlgorithm::Es256, &digest, &mut rng)?;
//! assert_eq!(signature.len(), 64);
//! assert!(key.verify_digest(SignatureAlgorithm::Es256, &digest, &signature)?);
//! // An EC key has no RSA encryption.
//! assert!(key.encrypt(EncryptionAlgorithm::RsaOaep256, b"k", &mut rng).is_err());
//! # Ok::<(), kvcert::Error>(())
//! ```

use core::fmt;

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::Error;
use super::{Curve, Inner, KeyPair, KeySpec};

/// A signature algorithm of `sign` and `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256 (MGF1 SHA-256, 32-byte salt).
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with a SHA-256 digest.
    Es256,
    /// ECDSA on P-384 with a SHA-384 digest.
    Es384,
    /// ECDSA on P-521 with a SHA-512 digest.
    Es512,
    /// ECDSA on secp256k1 with a SHA-256 digest.
    Es256K,
}

const SIGNATURE_ALGORITHMS: [SignatureAlgorithm; 10] = [
    SignatureAlgorithm::Rs256,
    SignatureAlgorithm::Rs384,
    SignatureAlgorithm::Rs512,
    SignatureAlgorithm::Ps256,
    SignatureAlgorithm::Ps384,
    SignatureAlgorithm::Ps512,
    SignatureAlgorithm::Es256,
    SignatureAlgorithm::Es384,
    SignatureAlgorithm::Es512,
    SignatureAlgorithm::Es256K,
];

impl SignatureAlgorithm {
    /// The JWA name (`RS256`, `ES256K`, …).
    pub const fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Rs256 => "RS256",
            SignatureAlgorithm::Rs384 => "RS384",
            SignatureAlgorithm::Rs512 => "RS512",
            SignatureAlgorithm::Ps256 => "PS256",
            SignatureAlgorithm::Ps384 => "PS384",
            SignatureAlgorithm::Ps512 => "PS512",
            SignatureAlgorithm::Es256 => "ES256",
            SignatureAlgorithm::Es384 => "ES384",
            SignatureAlgorithm::Es512 => "ES512",
            SignatureAlgorithm::Es256K => "ES256K",
        }
    }

    /// The algorithm of a JWA name (exact, as the service's enum).
    pub fn from_name(name: &str) -> Option<Self> {
        SIGNATURE_ALGORITHMS.into_iter().find(|a| a.name() == name)
    }

    /// The length of the digest it signs, in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            SignatureAlgorithm::Rs256
            | SignatureAlgorithm::Ps256
            | SignatureAlgorithm::Es256
            | SignatureAlgorithm::Es256K => 32,
            SignatureAlgorithm::Rs384 | SignatureAlgorithm::Ps384 | SignatureAlgorithm::Es384 => 48,
            SignatureAlgorithm::Rs512 | SignatureAlgorithm::Ps512 | SignatureAlgorithm::Es512 => 64,
        }
    }

    /// The curve of an `ES*` algorithm (`None` for the RSA ones).
    pub const fn curve(self) -> Option<Curve> {
        match self {
            SignatureAlgorithm::Es256 => Some(Curve::P256),
            SignatureAlgorithm::Es384 => Some(Curve::P384),
            SignatureAlgorithm::Es512 => Some(Curve::P521),
            SignatureAlgorithm::Es256K => Some(Curve::P256K),
            SignatureAlgorithm::Rs256
            | SignatureAlgorithm::Rs384
            | SignatureAlgorithm::Rs512
            | SignatureAlgorithm::Ps256
            | SignatureAlgorithm::Ps384
            | SignatureAlgorithm::Ps512 => None,
        }
    }

    /// Whether a key of `spec` signs with it: RSA for `RS*`/`PS*`, each `ES*` its own curve.
    pub fn fits(self, spec: KeySpec) -> bool {
        match (self.curve(), spec) {
            (None, KeySpec::Rsa(_)) => true,
            (Some(curve), KeySpec::Ec(of_key)) => curve == of_key,
            _ => false,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An encryption algorithm of `encrypt`/`decrypt` and `wrapKey`/`unwrapKey` (RSA keys only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptionAlgorithm {
    /// RSAES-PKCS1-v1_5.
    Rsa1_5,
    /// RSAES-OAEP with SHA-1 and MGF1 SHA-1.
    RsaOaep,
    /// RSAES-OAEP with SHA-256 and MGF1 SHA-256.
    RsaOaep256,
}

impl EncryptionAlgorithm {
    /// The JWA name (`RSA1_5`, `RSA-OAEP`, `RSA-OAEP-256`).
    pub const fn name(self) -> &'static str {
        match self {
            EncryptionAlgorithm::Rsa1_5 => "RSA1_5",
            EncryptionAlgorithm::RsaOaep => "RSA-OAEP",
            EncryptionAlgorithm::RsaOaep256 => "RSA-OAEP-256",
        }
    }

    /// The algorithm of a JWA name (exact).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            EncryptionAlgorithm::Rsa1_5,
            EncryptionAlgorithm::RsaOaep,
            EncryptionAlgorithm::RsaOaep256,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }

    /// The longest plaintext for a modulus of `k` bytes (RFC 8017 §7.1.1, §7.2.1).
    pub const fn max_plaintext(self, k: usize) -> usize {
        match self {
            EncryptionAlgorithm::Rsa1_5 => k.saturating_sub(11),
            EncryptionAlgorithm::RsaOaep => k.saturating_sub(2 * 20 + 2),
            EncryptionAlgorithm::RsaOaep256 => k.saturating_sub(2 * 32 + 2),
        }
    }
}

impl fmt::Display for EncryptionAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The refusal of an algorithm that does not fit the key.
fn unfit(algorithm: &'static str, key: KeySpec) -> Error {
    Error::AlgorithmNotForKey { algorithm, key }
}

impl KeyPair {
    /// Signs `digest` (already hashed, as Key Vault's `sign` takes it) with `algorithm`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDigestLength`] when the digest is not the algorithm's length (the
    /// service's text), [`Error::AlgorithmNotForKey`] when the algorithm is not this key's.
    pub fn sign_digest<R: CryptoRng + ?Sized>(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        self.sign_digest_dyn(algorithm, digest, &mut { rng })
    }

    fn sign_digest_dyn(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        use SignatureAlgorithm as A;
        if !algorithm.fits(self.spec()) {
            return Err(unfit(algorithm.name(), self.spec()));
        }
        if digest.len() != algorithm.digest_len() {
            return Err(Error::InvalidDigestLength {
                algorithm: algorithm.name(),
                length: digest.len(),
                expected: algorithm.digest_len(),
            });
        }
        let failed = |e: ::rsa::Error| Error::crypto("RSA signing", e);
        let ecdsa = |e: p256::ecdsa::Error| Error::crypto("ECDSA signing", e);
        Ok(match (&self.inner, algorithm) {
            (Inner::Rsa(k, _), A::Rs256) => {
                let mut fixed = [0u8; 32];
                fixed.copy_from_slice(digest);
                // kvcert's CRT signer (blinded, verified before release) where it applies, the
                // rsa crate otherwise: the seam decides.
                crate::key::rsa::sign_sha256(k, &fixed, rng)?
            }
            (Inner::Rsa(k, _), A::Rs384) => k
                .sign_with_rng(rng, ::rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest)
                .map_err(failed)?,
            (Inner::Rsa(k, _), A::Rs512) => k
                .sign_with_rng(rng, ::rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest)
                .map_err(failed)?,
            (Inner::Rsa(k, _), A::Ps256) => k
                .sign_with_rng(rng, ::rsa::Pss::<sha2::Sha256>::new(), digest)
                .map_err(failed)?,
            (Inner::Rsa(k, _), A::Ps384) => k
                .sign_with_rng(rng, ::rsa::Pss::<sha2::Sha384>::new(), digest)
                .map_err(failed)?,
            (Inner::Rsa(k, _), A::Ps512) => k
                .sign_with_rng(rng, ::rsa::Pss::<sha2::Sha512>::new(), digest)
                .map_err(failed)?,
            (Inner::P256(k), _) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(digest).map_err(ecdsa)?;
                s.to_bytes().to_vec()
            }
            (Inner::P384(k), _) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(digest).map_err(ecdsa)?;
                s.to_bytes().to_vec()
            }
            (Inner::P521(k), _) => {
                let s: p521::ecdsa::Signature = k.sign_prehash(digest).map_err(ecdsa)?;
                s.to_bytes().to_vec()
            }
            (Inner::P256K(k), _) => {
                let s: k256::ecdsa::Signature = k.sign_prehash(digest).map_err(ecdsa)?;
                s.to_bytes().to_vec()
            }
            (Inner::Rsa(..), _) => return Err(unfit(algorithm.name(), self.spec())),
        })
    }

    /// Whether `signature` is this key's signature of `digest` with `algorithm` (a malformed
    /// signature is `false`, not an error).
    ///
    /// # Errors
    ///
    /// As [`Self::sign_digest`]: a digest of the wrong length, an algorithm of another key.
    pub fn verify_digest(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        use SignatureAlgorithm as A;
        if !algorithm.fits(self.spec()) {
            return Err(unfit(algorithm.name(), self.spec()));
        }
        if digest.len() != algorithm.digest_len() {
            return Err(Error::InvalidDigestLength {
                algorithm: algorithm.name(),
                length: digest.len(),
                expected: algorithm.digest_len(),
            });
        }
        Ok(match (&self.inner, algorithm) {
            (Inner::Rsa(k, _), _) => {
                let public = k.to_public_key();
                match algorithm {
                    A::Rs256 => public.verify(
                        ::rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        digest,
                        signature,
                    ),
                    A::Rs384 => public.verify(
                        ::rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                        digest,
                        signature,
                    ),
                    A::Rs512 => public.verify(
                        ::rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                        digest,
                        signature,
                    ),
                    A::Ps256 => public.verify(::rsa::Pss::<sha2::Sha256>::new(), digest, signature),
                    A::Ps384 => public.verify(::rsa::Pss::<sha2::Sha384>::new(), digest, signature),
                    A::Ps512 => public.verify(::rsa::Pss::<sha2::Sha512>::new(), digest, signature),
                    _ => return Err(unfit(algorithm.name(), self.spec())),
                }
                .is_ok()
            }
            (Inner::P256(k), _) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verifying_key().verify_prehash(digest, &s).is_ok()),
            (Inner::P384(k), _) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verifying_key().verify_prehash(digest, &s).is_ok()),
            (Inner::P521(k), _) => p521::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verifying_key().verify_prehash(digest, &s).is_ok()),
            (Inner::P256K(k), _) => k256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verifying_key().verify_prehash(digest, &s).is_ok()),
        })
    }

    /// Encrypts `plaintext` to this RSA key with `algorithm` (randomised padding from `rng`).
    ///
    /// # Errors
    ///
    /// [`Error::AlgorithmNotForKey`] for an EC key, [`Error::InvalidOperationInput`] for a
    /// plaintext longer than the padding allows ([`EncryptionAlgorithm::max_plaintext`]).
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        algorithm: EncryptionAlgorithm,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        use ::rsa::traits::PublicKeyParts;
        let Inner::Rsa(k, _) = &self.inner else {
            return Err(unfit(algorithm.name(), self.spec()));
        };
        let public = k.to_public_key();
        if plaintext.len() > algorithm.max_plaintext(public.size()) {
            return Err(Error::InvalidOperationInput {
                detail: format!(
                    "{algorithm} with this key takes at most {} bytes",
                    algorithm.max_plaintext(public.size())
                ),
            });
        }
        let rng = &mut { rng };
        match algorithm {
            EncryptionAlgorithm::Rsa1_5 => public.encrypt(rng, ::rsa::Pkcs1v15Encrypt, plaintext),
            EncryptionAlgorithm::RsaOaep => {
                public.encrypt(rng, ::rsa::Oaep::<sha1::Sha1>::new(), plaintext)
            }
            EncryptionAlgorithm::RsaOaep256 => {
                public.encrypt(rng, ::rsa::Oaep::<sha2::Sha256>::new(), plaintext)
            }
        }
        .map_err(|e| Error::crypto("RSA encryption", e))
    }

    /// Decrypts `ciphertext` with this RSA key (blinded with `rng`).
    ///
    /// # Errors
    ///
    /// [`Error::AlgorithmNotForKey`] for an EC key; [`Error::Undecryptable`] for a ciphertext
    /// that is not the modulus' length or does not decrypt.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        algorithm: EncryptionAlgorithm,
        ciphertext: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        use ::rsa::traits::PublicKeyParts;
        let Inner::Rsa(k, _) = &self.inner else {
            return Err(unfit(algorithm.name(), self.spec()));
        };
        if ciphertext.len() != k.size() {
            return Err(Error::Undecryptable {
                detail: "the ciphertext is not the modulus' length",
            });
        }
        let rng = &mut { rng };
        match algorithm {
            EncryptionAlgorithm::Rsa1_5 => {
                k.decrypt_blinded(rng, ::rsa::Pkcs1v15Encrypt, ciphertext)
            }
            EncryptionAlgorithm::RsaOaep => {
                k.decrypt_blinded(rng, ::rsa::Oaep::<sha1::Sha1>::new(), ciphertext)
            }
            EncryptionAlgorithm::RsaOaep256 => {
                k.decrypt_blinded(rng, ::rsa::Oaep::<sha2::Sha256>::new(), ciphertext)
            }
        }
        .map(Zeroizing::new)
        .map_err(|_| Error::Undecryptable {
            detail: "the padding does not check",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, RsaSize};
    use crate::rng::ChaCha20Rng;
    use rand_core::SeedableRng;
    use sha2::Digest;

    #[test]
    fn every_algorithm_signs_and_verifies_on_its_key_and_no_other() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let rsa =
            KeyPair::from_pkcs8_pem(include_str!("../../tests/data/keys/rsa2048.pem")).unwrap();
        let ec = [Curve::P256, Curve::P384, Curve::P521, Curve::P256K]
            .map(|c| KeyPair::generate(KeySpec::Ec(c), &mut rng).unwrap());
        for alg in SIGNATURE_ALGORITHMS {
            assert_eq!(SignatureAlgorithm::from_name(alg.name()), Some(alg));
            let digest = vec![7u8; alg.digest_len()];
            for key in std::iter::once(&rsa).chain(ec.iter()) {
                let signed = key.sign_digest(alg, &digest, &mut rng);
                if !alg.fits(key.spec()) {
                    assert!(matches!(signed, Err(Error::AlgorithmNotForKey { .. })));
                    continue;
                }
                let signature = signed.unwrap();
                assert!(
                    key.verify_digest(alg, &digest, &signature).unwrap(),
                    "{alg}"
                );
                let mut bad = signature.clone();
                bad[0] ^= 1;
                assert!(!key.verify_digest(alg, &digest, &bad).unwrap(), "{alg}");
                if let KeySpec::Ec(c) = key.spec() {
                    // Raw r ‖ s, each the curve's size (RFC 7518 §3.4).
                    assert_eq!(signature.len(), 2 * (c.bits() as usize).div_ceil(8));
                }
            }
        }
        let short = rsa.sign_digest(SignatureAlgorithm::Rs256, &[0; 10], &mut rng);
        // The service's words come from the service layer's mapping (its tests).
        assert_eq!(
            short.unwrap_err(),
            Error::InvalidDigestLength {
                algorithm: "RS256",
                length: 10,
                expected: 32
            }
        );
        let rs256 = rsa
            .sign_digest(
                SignatureAlgorithm::Rs256,
                &sha2::Sha256::digest(b"m"),
                &mut rng,
            )
            .unwrap();
        assert_eq!(rs256.len(), RsaSize::Rsa2048.bits() as usize / 8);
    }

    #[test]
    fn each_padding_round_trips_within_its_bound() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let rsa =
            KeyPair::from_pkcs8_pem(include_str!("../../tests/data/keys/rsa2048.pem")).unwrap();
        for alg in [
            EncryptionAlgorithm::Rsa1_5,
            EncryptionAlgorithm::RsaOaep,
            EncryptionAlgorithm::RsaOaep256,
        ] {
            let max = alg.max_plaintext(256);
            let plain = vec![3u8; max];
            let sealed = rsa.encrypt(alg, &plain, &mut rng).unwrap();
            assert_eq!(sealed.len(), 256);
            assert_eq!(*rsa.decrypt(alg, &sealed, &mut rng).unwrap(), plain);
            assert!(rsa.encrypt(alg, &vec![3u8; max + 1], &mut rng).is_err());
            assert!(rsa.decrypt(alg, &sealed[1..], &mut rng).is_err());
        }
    }
}
