//! `KeyPair`: a private key with its public half — generation, signing, the public key and
//! `SubjectPublicKeyInfo` as the service writes them, and the JWK's parts.

use core::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, Null, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;

use super::Error;
use super::rsa::{self, RsaSize};
use super::spec::{Curve, KeySpec};

/// A private key, with its public half.
///
/// The private key is zeroized when dropped (the `rsa` and `ecdsa` key types zeroize on drop)
/// and never shown by `Debug`.
///
/// ```
/// use kvcert::{Curve, KeyPair, KeySpec};
/// use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
/// let mut rng = ChaCha20Rng::seed_from_u64(7);
/// let key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng).unwrap();
/// assert_eq!(format!("{key:?}"), "KeyPair { spec: Ec(P256), private: \"<elided>\" }");
/// ```
pub struct KeyPair {
    pub(super) inner: Inner,
}

pub(super) enum Inner {
    Rsa(Box<::rsa::PrivateKey>, RsaSize),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    P256K(k256::ecdsa::SigningKey),
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("spec", &self.spec())
            .field("private", &"<elided>")
            .finish()
    }
}

pub(super) const RSA_ENCRYPTION: ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub(super) const EC_PUBLIC_KEY: ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
pub(super) const SECP256R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;
pub(super) const SECP384R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_384_R_1;
pub(super) const SECP521R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_521_R_1;
pub(super) const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");

impl KeyPair {
    /// A second `KeyPair` holding the same key (zeroized on drop, as this one): for a
    /// [`super::source::Pinned`] key source. Deliberately not `Clone`, so that copies of a private key
    /// are made where they are meant.
    pub fn duplicate(&self) -> KeyPair {
        let inner = match &self.inner {
            Inner::Rsa(key, size) => Inner::Rsa(key.clone(), *size),
            Inner::P256(key) => Inner::P256(key.clone()),
            Inner::P384(key) => Inner::P384(key.clone()),
            Inner::P521(key) => Inner::P521(key.clone()),
            Inner::P256K(key) => Inner::P256K(key.clone()),
        };
        KeyPair { inner }
    }

    /// Makes a fresh key from `rng`. The same RNG stream gives the same key. RSA primes follow
    /// FIPS 186-5 A.1.3 (`kvcert-rsa`, whose README has the method and its speed).
    pub fn generate<R: CryptoRng + ?Sized>(spec: KeySpec, rng: &mut R) -> Result<Self, Error> {
        Self::generate_dyn(spec, &mut { rng })
    }

    // The generic entry points are one-line shims onto `&mut dyn CryptoRng` functions, so that
    // the expensive code is compiled once in kvcert's codegen units (at kvcert's opt-level),
    // not instantiated in each caller's crate at the caller's (README, "Using kvcert in your
    // tests").

    fn generate_dyn(spec: KeySpec, rng: &mut dyn CryptoRng) -> Result<Self, Error> {
        use ::rsa::Generate;
        let inner = match spec {
            KeySpec::Rsa(size) => Inner::Rsa(Box::new(rsa::generate(size, rng)?), size),
            KeySpec::Ec(Curve::P256) => {
                Inner::P256(p256::ecdsa::SigningKey::generate_from_rng(rng))
            }
            KeySpec::Ec(Curve::P384) => {
                Inner::P384(p384::ecdsa::SigningKey::generate_from_rng(rng))
            }
            KeySpec::Ec(Curve::P521) => {
                Inner::P521(p521::ecdsa::SigningKey::generate_from_rng(rng))
            }
            KeySpec::Ec(Curve::P256K) => {
                Inner::P256K(k256::ecdsa::SigningKey::generate_from_rng(rng))
            }
        };
        Ok(KeyPair { inner })
    }

    /// Wraps an existing RSA key (e.g. a fixed test key). Sizes other than 2048/3072/4096
    /// are refused.
    pub(crate) fn from_rsa(key: ::rsa::PrivateKey) -> Result<Self, Error> {
        use ::rsa::traits::PublicKeyParts;
        let bits = key.size() as u64 * 8;
        let size = i64::try_from(bits)
            .ok()
            .and_then(RsaSize::from_bits)
            .ok_or(Error::UnsupportedKeySize {
                bits,
                supported: "[2048, 3072, 4096]",
            })?;
        Ok(KeyPair {
            inner: Inner::Rsa(Box::new(key), size),
        })
    }

    /// Wraps an existing EC private key: the curve and the private scalar, big-endian (SEC 1
    /// §2.3.6; a shorter encoding is left-padded). A zero or out-of-range scalar is refused.
    pub fn from_ec_scalar(curve: Curve, scalar: &[u8]) -> Result<Self, Error> {
        let bad = |_| Error::InvalidEcScalar { curve };
        let inner = match curve {
            Curve::P256 => Inner::P256(p256::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?),
            Curve::P384 => Inner::P384(p384::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?),
            Curve::P521 => Inner::P521(p521::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?),
            Curve::P256K => Inner::P256K(k256::ecdsa::SigningKey::from_slice(scalar).map_err(bad)?),
        };
        Ok(KeyPair { inner })
    }

    /// What kind of key this is.
    pub fn spec(&self) -> KeySpec {
        match &self.inner {
            Inner::Rsa(_, s) => KeySpec::Rsa(*s),
            Inner::P256(_) => KeySpec::Ec(Curve::P256),
            Inner::P384(_) => KeySpec::Ec(Curve::P384),
            Inner::P521(_) => KeySpec::Ec(Curve::P521),
            Inner::P256K(_) => KeySpec::Ec(Curve::P256K),
        }
    }

    /// The `subjectPublicKey` BIT STRING contents: PKCS#1 `RSAPublicKey` DER, or the
    /// uncompressed EC point.
    pub fn public_key_bits(&self) -> Result<Vec<u8>, Error> {
        Ok(match &self.inner {
            Inner::Rsa(k, _) => {
                use ::rsa::pkcs1::EncodeRsaPublicKey;
                k.to_public_key()
                    .to_pkcs1_der()
                    .map_err(|e| Error::crypto("RSA public key encoding", e))?
                    .into_vec()
            }
            Inner::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::P521(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Inner::P256K(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        })
    }

    /// `SubjectPublicKeyInfo` DER as the service writes it: RSA with NULL parameters, EC with
    /// the named curve, except P-256K, which the service writes with explicit `ECParameters`
    /// (`docs/service-behaviour.md` §4).
    pub fn subject_public_key_info(&self) -> Result<Vec<u8>, Error> {
        let algorithm = match self.spec() {
            KeySpec::Rsa(_) => alg(RSA_ENCRYPTION, Some(Any::from(Null)))?,
            KeySpec::Ec(Curve::P256) => alg(
                EC_PUBLIC_KEY,
                Some(Any::encode_from(&SECP256R1).map_err(Error::Encoding)?),
            )?,
            KeySpec::Ec(Curve::P384) => alg(
                EC_PUBLIC_KEY,
                Some(Any::encode_from(&SECP384R1).map_err(Error::Encoding)?),
            )?,
            KeySpec::Ec(Curve::P521) => alg(
                EC_PUBLIC_KEY,
                Some(Any::encode_from(&SECP521R1).map_err(Error::Encoding)?),
            )?,
            KeySpec::Ec(Curve::P256K) => alg(
                EC_PUBLIC_KEY,
                Some(Any::from_der(&secp256k1_explicit_parameters()?).map_err(Error::Encoding)?),
            )?,
        };
        let spki = spki::SubjectPublicKeyInfoOwned {
            algorithm,
            subject_public_key: BitString::from_bytes(&self.public_key_bits()?)
                .map_err(Error::Encoding)?,
        };
        spki.to_der().map_err(Error::Encoding)
    }

    /// The signature `AlgorithmIdentifier` for this key: sha256WithRSAEncryption (NULL
    /// parameters) for every RSA size, ecdsa-with-SHA256/384/512 by curve (no parameters).
    pub fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, Error> {
        match self.spec() {
            // Only RSA-2048 certificates were observed; the service's hash does not vary with
            // the key elsewhere, so SHA-256 is used for 3072 and 4096 too.
            KeySpec::Rsa(_) => alg(SHA256_WITH_RSA, Some(Any::from(Null))),
            KeySpec::Ec(Curve::P256 | Curve::P256K) => alg(ECDSA_SHA256, None),
            KeySpec::Ec(Curve::P384) => alg(ECDSA_SHA384, None),
            KeySpec::Ec(Curve::P521) => alg(ECDSA_SHA512, None),
        }
    }

    /// Signs `message` with [`Self::signature_algorithm`]: PKCS#1 v1.5 (deterministic; `rng`
    /// only blinds the private-key operation) or RFC 6979 ECDSA, DER-encoded. RSA keys of
    /// 2048/3072/4096 bits with two equal-length primes are signed with CRT on kvcert's own
    /// Montgomery arithmetic (`kvcert-rsa`), blinded, and the signature is checked with the
    /// public key before it is returned; other RSA keys (imported ones of another shape) by the
    /// `rsa` crate.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        self.sign_dyn(message, &mut { rng })
    }

    fn sign_dyn(&self, message: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, Error> {
        use ecdsa_sig::Signer;
        if crate::stand_in::active() {
            return Ok(self.stand_in_signature());
        }
        Ok(match &self.inner {
            Inner::Rsa(k, _) => {
                let digest: [u8; 32] = sha2::Sha256::digest(message).into();
                rsa::sign_sha256(k, &digest, rng)?
            }
            Inner::P256(k) => {
                let s: p256::ecdsa::DerSignature = k
                    .try_sign(message)
                    .map_err(|e| Error::crypto("ECDSA signing", e))?;
                s.as_bytes().to_vec()
            }
            Inner::P384(k) => {
                let s: p384::ecdsa::DerSignature = k
                    .try_sign(message)
                    .map_err(|e| Error::crypto("ECDSA signing", e))?;
                s.as_bytes().to_vec()
            }
            Inner::P521(k) => {
                let s: p521::ecdsa::DerSignature = k
                    .try_sign(message)
                    .map_err(|e| Error::crypto("ECDSA signing", e))?;
                s.as_bytes().to_vec()
            }
            Inner::P256K(k) => {
                let s: k256::ecdsa::DerSignature = k
                    .try_sign(message)
                    .map_err(|e| Error::crypto("ECDSA signing", e))?;
                s.as_bytes().to_vec()
            }
        })
    }

    /// A signature of the right shape that does not verify ([`crate::stand_in`]).
    fn stand_in_signature(&self) -> Vec<u8> {
        match self.spec() {
            KeySpec::Rsa(size) => vec![0; size.bits() as usize / 8],
            KeySpec::Ec(_) => crate::stand_in::EC_SIGNATURE.to_vec(),
        }
    }

    /// The JSON Web Key public parts (RFC 7518 §6.2, §6.3): `n`/`e` for RSA, `x`/`y` for EC,
    /// big-endian bytes (EC coordinates at the curve's full width; the curve is [`Self::spec`]).
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if the public key cannot be encoded (not expected).
    pub fn jwk_parts(&self) -> Result<JwkParts, Error> {
        use ::rsa::traits::PublicKeyParts;
        let point = |p: &[u8]| {
            // Uncompressed SEC1 point: 04 || x || y.
            let xy = p.get(1..).unwrap_or_default();
            let (x, y) = xy.split_at(xy.len() / 2);
            JwkParts::Ec {
                x: x.to_vec(),
                y: y.to_vec(),
            }
        };
        Ok(match &self.inner {
            Inner::Rsa(k, _) => JwkParts::Rsa {
                n: k.n().to_be_bytes_trimmed_vartime().to_vec(),
                e: k.e().to_be_bytes_trimmed_vartime().to_vec(),
            },
            _ => point(&self.public_key_bits()?),
        })
    }
}

use p256::ecdsa::signature as ecdsa_sig;

/// Public key parts for a JSON Web Key, big-endian bytes ([`KeyPair::jwk_parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwkParts {
    /// An RSA key.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// An EC key.
    Ec {
        /// The x coordinate.
        x: Vec<u8>,
        /// The y coordinate.
        y: Vec<u8>,
    },
}

pub(super) fn alg(
    oid: ObjectIdentifier,
    parameters: Option<Any>,
) -> Result<AlgorithmIdentifierOwned, Error> {
    Ok(AlgorithmIdentifierOwned { oid, parameters })
}

/// `ECParameters` (SEC 1 §C.2 / RFC 3279 §2.3.5) of secp256k1, as the service writes them:
/// version 1, prime field, `a` and `b` as one-byte OCTET STRINGs, uncompressed base point,
/// order, cofactor 1, no seed.
pub(crate) fn secp256k1_explicit_parameters() -> Result<Vec<u8>, Error> {
    #[derive(Sequence)]
    struct FieldId<'a> {
        field_type: ObjectIdentifier,
        prime: UintRef<'a>,
    }
    #[derive(Sequence)]
    struct CurveParams<'a> {
        a: &'a OctetStringRef,
        b: &'a OctetStringRef,
    }
    #[derive(Sequence)]
    struct EcParameters<'a> {
        version: u8,
        field_id: FieldId<'a>,
        curve: CurveParams<'a>,
        base: &'a OctetStringRef,
        order: UintRef<'a>,
        cofactor: u8,
    }
    const P: [u8; 32] = hex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    const N: [u8; 32] = hex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    const GX: [u8; 32] = hex32("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
    const GY: [u8; 32] = hex32("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8");
    let mut g = Vec::with_capacity(65);
    g.push(0x04);
    g.extend_from_slice(&GX);
    g.extend_from_slice(&GY);
    let params = EcParameters {
        version: 1,
        field_id: FieldId {
            field_type: PRIME_FIELD,
            prime: UintRef::new(&P).map_err(Error::Encoding)?,
        },
        curve: CurveParams {
            a: OctetStringRef::new(&[0x00]).map_err(Error::Encoding)?,
            b: OctetStringRef::new(&[0x07]).map_err(Error::Encoding)?,
        },
        base: OctetStringRef::new(&g).map_err(Error::Encoding)?,
        order: UintRef::new(&N).map_err(Error::Encoding)?,
        cofactor: 1,
    };
    params.to_der().map_err(Error::Encoding)
}

const fn hex32(s: &str) -> [u8; 32] {
    const fn nib(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            // Only the constants above are passed; a test checks their round trip.
            _ => 0,
        }
    }
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nib(b[2 * i]) << 4 | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn ec_keys_sign_and_encode() {
        for curve in [Curve::P256, Curve::P384, Curve::P521, Curve::P256K] {
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let key = KeyPair::generate(KeySpec::Ec(curve), &mut rng).unwrap();
            let spki = key.subject_public_key_info().unwrap();
            let parsed = spki::SubjectPublicKeyInfoOwned::from_der(&spki).unwrap();
            assert_eq!(parsed.algorithm.oid, EC_PUBLIC_KEY);
            let sig1 = key.sign(b"hello", &mut rng).unwrap();
            let sig2 = key.sign(b"hello", &mut rng).unwrap();
            assert_eq!(sig1, sig2, "RFC 6979 signatures are deterministic");
            let again =
                KeyPair::generate(KeySpec::Ec(curve), &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
            assert_eq!(*again.to_pkcs8_der().unwrap(), *key.to_pkcs8_der().unwrap());
        }
    }

    #[test]
    fn secp256k1_parameters_are_explicit() {
        let p = secp256k1_explicit_parameters().unwrap();
        // SEQUENCE { INTEGER 1, SEQUENCE { prime-field, INTEGER p }, SEQUENCE { 04 01 00, 04 01 07 }, ...
        assert_eq!(&p[..5], &[0x30, 0x81, 0xa2, 0x02, 0x01]);
        let tail = [
            0x30, 0x06, 0x04, 0x01, 0x00, 0x04, 0x01, 0x07, 0x04, 0x41, 0x04,
        ];
        assert!(p.windows(tail.len()).any(|w| w == tail));
        assert_eq!(&p[p.len() - 3..], &[0x02, 0x01, 0x01]);
    }

    #[test]
    fn curve_constants_decode() {
        let h = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        assert_eq!(
            h(&hex32(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"
            )),
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"
        );
        // G is on the curve k256 knows: the explicit base point equals k256's generator.
        use k256::elliptic_curve::sec1::ToSec1Point;
        let g = k256::AffinePoint::GENERATOR.to_sec1_point(false);
        let p = secp256k1_explicit_parameters().unwrap();
        assert!(p.windows(65).any(|w| w == g.as_bytes()));
    }

    #[test]
    fn private_key_types_zeroize_on_drop() {
        // KeyPair holds only these; each wipes its secret when dropped.
        fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroize_on_drop::<::rsa::PrivateKey>();
        zeroize_on_drop::<p256::ecdsa::SigningKey>();
        zeroize_on_drop::<p384::ecdsa::SigningKey>();
        zeroize_on_drop::<p521::ecdsa::SigningKey>();
        zeroize_on_drop::<k256::ecdsa::SigningKey>();
    }

    #[test]
    fn debug_elides_private_key() {
        let key = KeyPair::generate(KeySpec::Ec(Curve::P384), &mut ChaCha20Rng::seed_from_u64(3))
            .unwrap();
        let d = format!("{key:?}");
        assert!(!d.contains("SigningKey") && d.contains("<elided>"), "{d}");
    }
}
