//! Public keys of others, read from a `SubjectPublicKeyInfo`, to check their signatures (a
//! certification request's proof of possession, before a CA signs it).

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::Digest;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::Error;

/// secp256k1 (SEC 2 §2.4.1): the `P-256K` curve.
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// A public key whose signatures kvcert can check: RSA (up to the `rsa` crate's 8192 bits) or
/// EC on P-256, P-384, P-521 and secp256k1.
pub struct PublicKey {
    inner: Inner,
}

enum Inner {
    Rsa(Box<::rsa::PublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    P256K(k256::ecdsa::VerifyingKey),
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = match self.inner {
            Inner::Rsa(_) => "RSA",
            Inner::P256(_) => "P-256",
            Inner::P384(_) => "P-384",
            Inner::P521(_) => "P-521",
            Inner::P256K(_) => "P-256K",
        };
        f.debug_struct("PublicKey").field("kind", &kind).finish()
    }
}

/// The digests a signature algorithm may use.
#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(message).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        }
    }
}

/// What the signature algorithm names: RSA PKCS#1 v1.5 or ECDSA, and its hash.
fn scheme(algorithm: &AlgorithmIdentifierRef<'_>) -> Option<(bool, Hash)> {
    let oid = algorithm.oid;
    Some(match oid {
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION => (true, Hash::Sha256),
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION => (true, Hash::Sha384),
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION => (true, Hash::Sha512),
        rfc5912::ECDSA_WITH_SHA_256 => (false, Hash::Sha256),
        rfc5912::ECDSA_WITH_SHA_384 => (false, Hash::Sha384),
        rfc5912::ECDSA_WITH_SHA_512 => (false, Hash::Sha512),
        _ => return None,
    })
}

impl PublicKey {
    /// The key of a DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPublicKey`] when the DER is not a `SubjectPublicKeyInfo` or its key does
    /// not decode; [`Error::UnsupportedKeyType`] for another algorithm or curve (Ed25519, DSA,
    /// brainpool, …).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let bad = |problem| Error::InvalidPublicKey { problem };
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| bad("not a DER SubjectPublicKeyInfo"))?;
        let algorithm = spki.algorithm.oid;
        let parameters = spki.algorithm.parameters;
        // secp256k1 is named, or spelt out as the service writes it (explicit parameters).
        let explicit_k1 = parameters.is_some()
            && parameters.and_then(|p| p.to_der().ok())
                == crate::key::secp256k1_explicit_parameters().ok();
        let curve = match parameters {
            _ if explicit_k1 => Some(SECP256K1),
            Some(p) => p.decode_as::<Oid>().ok(),
            None => None,
        };
        let point = spki.subject_public_key.raw_bytes();
        let bad_point = || bad("not a point of its curve");
        let inner = match (algorithm, curve) {
            (rfc5912::RSA_ENCRYPTION, _) => Inner::Rsa(Box::new(
                ::rsa::PublicKey::try_from(spki)
                    .map_err(|_| bad("not an RSA public key of 1024 to 8192 bits"))?,
            )),
            (rfc5912::ID_EC_PUBLIC_KEY, Some(rfc5912::SECP_256_R_1)) => Inner::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
            ),
            (rfc5912::ID_EC_PUBLIC_KEY, Some(rfc5912::SECP_384_R_1)) => Inner::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
            ),
            (rfc5912::ID_EC_PUBLIC_KEY, Some(rfc5912::SECP_521_R_1)) => Inner::P521(
                p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
            ),
            (rfc5912::ID_EC_PUBLIC_KEY, Some(SECP256K1)) => Inner::P256K(
                k256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
            ),
            (algorithm, curve) => {
                // Ed25519 and the like name no curve parameter: report the algorithm alone.
                let curve = curve.filter(|_| algorithm != rfc8410::ID_ED_25519);
                return Err(Error::UnsupportedKeyType { algorithm, curve });
            }
        };
        Ok(PublicKey { inner })
    }

    /// Whether `signature` is this key's signature of `message` under `algorithm`
    /// (sha256/384/512WithRSAEncryption, or ecdsa-with-SHA256/384/512 with a DER
    /// `Ecdsa-Sig-Value`). An algorithm that does not fit the key is `false`.
    pub fn verifies(
        &self,
        algorithm: &AlgorithmIdentifierRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let Some((rsa, hash)) = scheme(algorithm) else {
            return false;
        };
        let digest = hash.digest(message);
        match (&self.inner, rsa) {
            (Inner::Rsa(k), true) => {
                let scheme = match hash {
                    Hash::Sha256 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => ::rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.verify(scheme, &digest, signature).is_ok()
            }
            (Inner::P256(k), false) => p256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            (Inner::P384(k), false) => p384::ecdsa::Signature::from_der(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            (Inner::P521(k), false) => p521::ecdsa::Signature::from_der(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            (Inner::P256K(k), false) => k256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, KeyPair, KeySpec};
    use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};

    fn check(key: &KeyPair) {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let public = PublicKey::from_spki_der(&key.subject_public_key_info().unwrap()).unwrap();
        let algorithm = key.signature_algorithm().unwrap().to_der().unwrap();
        let algorithm = AlgorithmIdentifierRef::from_der(&algorithm).unwrap();
        let signature = key.sign(b"message", &mut rng).unwrap();
        assert!(public.verifies(&algorithm, b"message", &signature));
        assert!(!public.verifies(&algorithm, b"massage", &signature));
        let mut flipped = signature.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(!public.verifies(&algorithm, b"message", &flipped));
    }

    #[test]
    fn verifies_its_own_keys_signatures_and_nothing_else() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for curve in [Curve::P256, Curve::P384, Curve::P521, Curve::P256K] {
            check(&KeyPair::generate(KeySpec::Ec(curve), &mut rng).unwrap());
        }
        check(&KeyPair::generate(KeySpec::Rsa(crate::key::RsaSize::Rsa2048), &mut rng).unwrap());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(matches!(
            PublicKey::from_spki_der(b"\x30\x00"),
            Err(Error::InvalidPublicKey { .. })
        ));
        // An Ed25519 SPKI (RFC 8410 §10.1).
        let ed25519 = crate::pem::base64_decode(
            "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
        )
        .unwrap();
        assert!(matches!(
            PublicKey::from_spki_der(&ed25519),
            Err(Error::UnsupportedKeyType { .. })
        ));
    }
}
