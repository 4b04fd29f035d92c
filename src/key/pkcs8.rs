//! PKCS#8 (RFC 5208, RFC 5915): a key pair's `PrivateKeyInfo` as the service writes it (with
//! the keyUsage attribute of its secrets), and the one reader of PKCS#8 keys.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, AnyRef, BitStringRef, Null, OctetStringRef};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Writer,
};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};
use zeroize::Zeroizing;

use super::Error;
use super::{
    Curve, EC_PUBLIC_KEY, Inner, KeyPair, RSA_ENCRYPTION, RsaSize, SECP256K1, SECP256R1, SECP384R1,
    SECP521R1, alg,
};

impl KeyPair {
    /// The private key as PKCS#8 `PrivateKeyInfo` DER (zeroized on drop), in the form the
    /// service exports: version 0, no attributes; an EC key's `ECPrivateKey` carries the curve
    /// in `[0]` and the public key in `[1]` (RFC 5915 §3), as in the service's PEM secrets.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.pkcs8(Pkcs8Attributes::None)
    }

    /// PKCS#8 with the chosen attributes: none, or the keyUsage attribute the service
    /// writes into its secrets.
    pub(crate) fn pkcs8(&self, attributes: Pkcs8Attributes) -> Result<Zeroizing<Vec<u8>>, Error> {
        use pkcs8::EncodePrivateKey;
        let ec = |oid: ObjectIdentifier, scalar: &[u8], point: &[u8]| -> Result<_, Error> {
            let inner = Zeroizing::new(
                EcPrivateKey {
                    version: 1,
                    private_key: OctetStringRef::new(scalar).map_err(Error::Encoding)?,
                    parameters: oid,
                    public_key: der::asn1::BitStringRef::from_bytes(point)
                        .map_err(Error::Encoding)?,
                }
                .to_der()
                .map_err(Error::Encoding)?,
            );
            private_key_info(
                alg(
                    EC_PUBLIC_KEY,
                    Some(Any::encode_from(&oid).map_err(Error::Encoding)?),
                )?,
                &inner,
                attributes,
            )
        };
        match &self.inner {
            Inner::Rsa(k, _) => {
                let doc = k
                    .to_pkcs8_der()
                    .map_err(|e| Error::crypto("RSA key encoding", e))?;
                // The rsa crate's own PKCS#8, read back for its RSAPrivateKey.
                let parsed = pkcs8::PrivateKeyInfoRef::try_from(doc.as_bytes())
                    .map_err(|e| Error::crypto("RSA key encoding", e))?;
                private_key_info(
                    alg(RSA_ENCRYPTION, Some(Any::from(Null)))?,
                    parsed.private_key.as_bytes(),
                    attributes,
                )
            }
            Inner::P256(k) => ec(
                SECP256R1,
                &Zeroizing::new(k.to_bytes().to_vec()),
                k.verifying_key().to_sec1_point(false).as_bytes(),
            ),
            Inner::P384(k) => ec(
                SECP384R1,
                &Zeroizing::new(k.to_bytes().to_vec()),
                k.verifying_key().to_sec1_point(false).as_bytes(),
            ),
            Inner::P521(k) => ec(
                SECP521R1,
                &Zeroizing::new(k.to_bytes().to_vec()),
                k.verifying_key().to_sec1_point(false).as_bytes(),
            ),
            // The service's PKCS#8 for P-256K was not observed: the named curve is used here
            // (its SubjectPublicKeyInfo has explicit parameters, which PKCS#8 readers reject).
            Inner::P256K(k) => ec(
                SECP256K1,
                &Zeroizing::new(k.to_bytes().to_vec()),
                k.verifying_key().to_sec1_point(false).as_bytes(),
            ),
        }
    }

    /// The private key as a PKCS#8 `PRIVATE KEY` PEM block (zeroized on drop).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(crate::pem::encode("PRIVATE KEY", &der)))
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` (DER, v1 or v2; attributes ignored): RSA of 2048, 3072
    /// or 4096 bits, or EC on P-256, P-384, P-521 or P-256K (named curve), as kvcert and the
    /// service write them ([`Self::to_pkcs8_der`], the PEM secret's key). Pins a fixture key
    /// for [`create_with_key`](crate::service::create::create_with_key).
    ///
    /// ```
    /// use kvcert::rand_core::SeedableRng;
    /// use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec};
    /// let key = KeyPair::generate(KeySpec::Ec(Curve::P384), &mut ChaCha20Rng::seed_from_u64(7))?;
    /// let again = KeyPair::from_pkcs8_der(&key.to_pkcs8_der()?)?;
    /// assert_eq!(again.spec(), KeySpec::Ec(Curve::P384));
    /// assert_eq!(again.public_key_bits()?, key.public_key_bits()?);
    /// let junk = KeyPair::from_pkcs8_der(b"junk").unwrap_err();
    /// assert!(matches!(junk, kvcert::key::Error::InvalidPrivateKey { .. }));
    /// assert_eq!(kvcert::Error::from(junk).status(), 400); // as the service answers it
    /// # Ok::<(), kvcert::key::Error>(())
    /// ```
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        read_pkcs8(der).map_err(|problem| match problem {
            Pkcs8Problem::Malformed { detail, source } => {
                Error::InvalidPrivateKey { detail, source }
            }
            Pkcs8Problem::Unsupported(e) => e,
        })
    }

    /// Reads a `-----BEGIN PRIVATE KEY-----` PEM block (RFC 7468 §10: PKCS#8), as written by
    /// [`Self::to_pkcs8_pem`], `openssl genpkey` or `openssl pkcs8 -topk8 -nocrypt`. Text
    /// around the block is ignored; PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY` and
    /// encrypted keys are refused ([`Error::InvalidPrivateKey`]).
    ///
    /// ```
    /// use kvcert::{KeyPair, KeySpec, RsaSize};
    /// // A fixed RSA-2048 test key, so that tests need not generate one.
    /// let pem = include_str!("../../tests/data/keys/rsa2048.pem");
    /// let key = KeyPair::from_pkcs8_pem(pem)?;
    /// assert_eq!(key.spec(), KeySpec::Rsa(RsaSize::Rsa2048));
    /// # Ok::<(), kvcert::Error>(())
    /// ```
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        let invalid = |detail: String| Error::InvalidPrivateKey {
            detail,
            source: None,
        };
        let mut other = None;
        for block in crate::pem::blocks(pem) {
            let block = block.map_err(|e| invalid(e.to_string()))?;
            if block.label == "PRIVATE KEY" {
                return Self::from_pkcs8_der(&block.der);
            }
            other.get_or_insert(block.label);
        }
        Err(invalid(match other {
            // PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`.
            Some(label) => {
                let shown: String = label.chars().take(crate::pem::SHOWN_LABEL).collect();
                format!("a {shown} block, no PRIVATE KEY block")
            }
            None => "no -----BEGIN PRIVATE KEY----- block".to_owned(),
        }))
    }
}

/// `ECPrivateKey` (RFC 5915 §3) with the curve and public key present.
#[derive(Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    parameters: ObjectIdentifier,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    public_key: der::asn1::BitStringRef<'a>,
}

/// `PrivateKeyInfo` (RFC 5208 §5; v2 `OneAsymmetricKey`, RFC 5958 §2, for reading): the one
/// shape kvcert writes and rewrites. `attributes` holds the contents of the `[0]` SET as
/// they are, so a key's own attributes pass through unchanged.
#[derive(Sequence)]
struct PrivateKeyInfo<'a> {
    version: u8,
    algorithm: AlgorithmIdentifierRef<'a>,
    private_key: &'a OctetStringRef,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    attributes: Option<SetContents<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// The contents of a SET, kept as bytes: the PKCS#8 `[0] IMPLICIT` attributes, which
/// kvcert writes (one attribute) or passes through (a caller's) without interpreting them.
#[derive(Clone, Copy)]
struct SetContents<'a>(&'a [u8]);

impl FixedTag for SetContents<'_> {
    const TAG: Tag = Tag::Set;
}

impl EncodeValue for SetContents<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

impl<'a> DecodeValue<'a> for SetContents<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        reader.read_slice(header.length()).map(SetContents)
    }
}

/// Which attributes a PKCS#8 that kvcert writes carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pkcs8Attributes {
    /// None: the form of `to_pkcs8_der` and of the service's RSA PEM secrets.
    None,
    /// The keyUsage attribute of the service's secrets ([`service_key_usage`]).
    ServiceKeyUsage,
}

/// The keyUsage attribute value (a BIT STRING: unused bits, then the bits) the service puts
/// in the PKCS#8 of its secrets: `00 10` (CAPI's key-exchange flag) for RSA whatever the
/// policy says, `00 80` (digitalSignature) for EC (recorded PFX and PEM secrets, 2018–2024).
/// `None` for any other algorithm.
pub(crate) fn service_key_usage(algorithm: ObjectIdentifier) -> Option<[u8; 2]> {
    match algorithm {
        RSA_ENCRYPTION => Some([0x00, 0x10]),
        EC_PUBLIC_KEY => Some([0x00, 0x80]),
        _ => None,
    }
}

/// The `[0]` SET's contents for the service's keyUsage attribute:
/// `SEQUENCE { 2.5.29.15, SET { BIT STRING } }` (PKCS#9 `Attribute`).
fn key_usage_attribute(algorithm: ObjectIdentifier) -> Result<Vec<u8>, Error> {
    let bits = service_key_usage(algorithm).ok_or_else(|| Error::InvalidPrivateKey {
        detail: format!("no service key usage for the algorithm {algorithm}"),
        source: None,
    })?;
    let attribute = x509_cert::attr::Attribute {
        oid: const_oid::db::rfc5280::ID_CE_KEY_USAGE,
        values: der::asn1::SetOfVec::try_from(vec![
            Any::encode_from(&BitStringRef::new(bits[0], &bits[1..]).map_err(Error::Encoding)?)
                .map_err(Error::Encoding)?,
        ])
        .map_err(Error::Encoding)?,
    };
    attribute.to_der().map_err(Error::Encoding)
}

/// A version-0 `PrivateKeyInfo` of `private_key` under `algorithm`, with `attributes`.
fn private_key_info(
    algorithm: AlgorithmIdentifierOwned,
    private_key: &[u8],
    attributes: Pkcs8Attributes,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let attribute = match attributes {
        Pkcs8Attributes::None => None,
        Pkcs8Attributes::ServiceKeyUsage => Some(key_usage_attribute(algorithm.oid)?),
    };
    let info = PrivateKeyInfo {
        version: 0,
        algorithm: AlgorithmIdentifierRef {
            oid: algorithm.oid,
            parameters: algorithm.parameters.as_ref().map(Any::to_ref),
        },
        private_key: OctetStringRef::new(private_key).map_err(Error::Encoding)?,
        attributes: attribute.as_deref().map(SetContents),
        public_key: None,
    };
    Ok(Zeroizing::new(info.to_der().map_err(Error::Encoding)?))
}

/// A caller's PKCS#8 with the service's keyUsage attribute added after `privateKey` (RFC 5208
/// §5), as the PFX writer stores keys; a PKCS#8 that already has attributes is returned as
/// given (as the service keeps an imported key's). `expected` is the algorithm the caller
/// said the key has.
///
/// # Errors
///
/// [`Error::InvalidPrivateKey`] when `pkcs8` is not PKCS#8 DER or its algorithm is not
/// `expected`.
pub(crate) fn with_service_key_usage(
    pkcs8: &[u8],
    expected: ObjectIdentifier,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let info = PrivateKeyInfo::from_der(pkcs8).map_err(|e| Error::InvalidPrivateKey {
        detail: format!("not PKCS#8 DER: {e}"),
        source: Some(e),
    })?;
    if info.algorithm.oid != expected {
        return Err(Error::InvalidPrivateKey {
            detail: format!(
                "the PKCS#8 algorithm is {}, not {expected}",
                info.algorithm.oid
            ),
            source: None,
        });
    }
    if info.attributes.is_some() {
        return Ok(Zeroizing::new(pkcs8.to_vec()));
    }
    let attribute = key_usage_attribute(info.algorithm.oid)?;
    let with = PrivateKeyInfo {
        attributes: Some(SetContents(&attribute)),
        ..info
    };
    Ok(Zeroizing::new(with.to_der().map_err(Error::Encoding)?))
}

/// Why a PKCS#8 key was not read: its bytes, or a key kvcert does not hold.
pub(crate) enum Pkcs8Problem {
    /// Not a well-formed PKCS#8 key.
    Malformed {
        /// What the decoder said.
        detail: String,
        /// The DER decoder's error, when it was the DER decoder that refused.
        source: Option<der::Error>,
    },
    /// A well-formed key of a type or size the service does not hold.
    Unsupported(Error),
}

/// `ECPrivateKey` (RFC 5915 §3), as read (optional parts optional).
#[derive(Sequence)]
struct EcPrivateKeyIn<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// A PKCS#8 `PrivateKeyInfo` (v1 or v2; attributes ignored) as a [`KeyPair`]: the one reader
/// behind [`KeyPair::from_pkcs8_der`] and Import Certificate, which words its errors by format.
pub(crate) fn read_pkcs8(der: &[u8]) -> Result<KeyPair, Pkcs8Problem> {
    let malformed =
        |e: &dyn core::fmt::Display, source: Option<der::Error>| Pkcs8Problem::Malformed {
            detail: format!("private key: {e}"),
            source,
        };
    let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|e| {
        let source = match e {
            pkcs8::Error::Asn1(d) => Some(d),
            _ => None,
        };
        malformed(&e, source)
    })?;
    let algorithm = info.algorithm.oid;
    let key_bytes = info.private_key.as_bytes();
    if algorithm == RSA_ENCRYPTION {
        use ::rsa::pkcs1::RsaPrivateKeyRef;
        let k = RsaPrivateKeyRef::from_der(key_bytes).map_err(|e| malformed(&e, Some(e)))?;
        let n = k.modulus.as_bytes();
        let bits = n
            .first()
            .map_or(0, |b| n.len() as u64 * 8 - u64::from(b.leading_zeros()));
        if i64::try_from(bits)
            .ok()
            .and_then(RsaSize::from_bits)
            .is_none()
        {
            return Err(Pkcs8Problem::Unsupported(Error::UnsupportedKeySize {
                bits,
                supported: "[2048, 3072, 4096]",
            }));
        }
        let key = ::rsa::PrivateKey::try_from(k).map_err(|e| malformed(&e, None))?;
        return KeyPair::from_rsa(key).map_err(Pkcs8Problem::Unsupported);
    }
    if algorithm != EC_PUBLIC_KEY {
        return Err(Pkcs8Problem::Unsupported(Error::UnsupportedKeyType {
            algorithm,
            curve: None,
        }));
    }
    let curve_oid = info
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p: &AnyRef<'_>| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or(Pkcs8Problem::Unsupported(Error::UnsupportedKeyType {
            algorithm,
            curve: None,
        }))?;
    let curve = match curve_oid {
        SECP256R1 => Curve::P256,
        SECP384R1 => Curve::P384,
        SECP521R1 => Curve::P521,
        SECP256K1 => Curve::P256K,
        other => {
            return Err(Pkcs8Problem::Unsupported(Error::UnsupportedKeyType {
                algorithm,
                curve: Some(other),
            }));
        }
    };
    let ec = EcPrivateKeyIn::from_der(key_bytes).map_err(|e| malformed(&e, Some(e)))?;
    if ec.version != 1 || ec.parameters.is_some_and(|p| p != curve_oid) {
        return Err(malformed(&"ECPrivateKey version or curve", None));
    }
    // `public_key` ([1]) is optional and not needed: the scalar gives the public key.
    KeyPair::from_ec_scalar(curve, ec.private_key.as_bytes())
        .map_err(|_| malformed(&"EC scalar out of range", None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeySpec;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    /// OpenSSL's PKCS#8 keys (tests/data/keys/README.md) of every size and curve kvcert
    /// issues, as PEM and as DER, and kvcert's own PKCS#8 of the same key, read back.
    #[test]
    fn pkcs8_keys_of_every_kind_are_read() {
        let cases = [
            ("rsa2048", KeySpec::Rsa(RsaSize::Rsa2048)),
            ("rsa3072", KeySpec::Rsa(RsaSize::Rsa3072)),
            ("rsa4096", KeySpec::Rsa(RsaSize::Rsa4096)),
            ("p256", KeySpec::Ec(Curve::P256)),
            ("p384", KeySpec::Ec(Curve::P384)),
            ("p521", KeySpec::Ec(Curve::P521)),
            ("p256k", KeySpec::Ec(Curve::P256K)),
        ];
        for (file, spec) in cases {
            let path = format!("{}/tests/data/keys/{file}.pem", env!("CARGO_MANIFEST_DIR"));
            let pem = std::fs::read_to_string(&path).expect("fixture");
            let key =
                KeyPair::from_pkcs8_pem(&format!("a comment\n{pem}trailing text\n")).expect(file);
            assert_eq!(key.spec(), spec, "{file}");
            let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).expect("pem");
            let from_der = KeyPair::from_pkcs8_der(&der).expect(file);
            assert_eq!(
                from_der.public_key_bits().unwrap(),
                key.public_key_bits().unwrap()
            );
            let again = KeyPair::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).expect(file);
            assert_eq!(
                again.public_key_bits().unwrap(),
                key.public_key_bits().unwrap()
            );
            // The key signs, and the signature verifies under the same public key.
            let sig = key.sign(b"m", &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
            assert!(!sig.is_empty());
        }
    }

    #[test]
    fn pkcs8_refusals_are_caller_errors() {
        let refused = |r: Result<KeyPair, Error>| {
            let e = r.expect_err("refused");
            assert!(!e.is_internal(), "{e:?}");
            e
        };
        assert!(matches!(
            refused(KeyPair::from_pkcs8_der(b"")),
            Error::InvalidPrivateKey { .. }
        ));
        let pem = std::fs::read_to_string(format!(
            "{}/tests/data/keys/p256.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        for cut in [1, der.len() / 2, der.len() - 1] {
            refused(KeyPair::from_pkcs8_der(&der[..cut]));
        }
        let pkcs1 = pem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
        assert!(matches!(
            refused(KeyPair::from_pkcs8_pem(&pkcs1)),
            Error::InvalidPrivateKey { .. }
        ));
        refused(KeyPair::from_pkcs8_pem("no key here"));
        refused(KeyPair::from_pkcs8_pem(
            "-----BEGIN PRIVATE KEY-----\n!!!\n",
        ));
        refused(KeyPair::from_pkcs8_pem(
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
        ));
        // A 1024-bit RSA key: well formed, but of a size the service does not hold.
        let small = std::fs::read_to_string(format!(
            "{}/tests/data/keys/rsa1024.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(matches!(
            refused(KeyPair::from_pkcs8_pem(&small)),
            Error::UnsupportedKeySize { bits: 1024, .. }
        ));
    }

    #[test]
    fn malformed_keys_carry_the_decoders_error() {
        use std::error::Error as _;
        let e = KeyPair::from_pkcs8_der(b"junk").unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidPrivateKey {
                source: Some(_),
                ..
            }
        ));
        assert!(e.source().is_some());
    }
}
