//! PKCS#12 (RFC 7292) PFX files: the exact layout Key Vault writes for a certificate's
//! secret, and a decoder for the PFX files clients upload.
//!
//! # Encoding: [`encode_service_pfx`]
//!
//! The bytes follow the service's 2021+ layout, as decoded from recorded secrets
//! (7.3 in 2021, 7.6-preview.1 in 2024; `tests/data/pkcs12/keyvault_*.pfx` are copies):
//!
//! ```text
//! PFX { version 3,                                               -- RFC 7292 §4
//!   authSafe ContentInfo data {                                  -- §4.1 (integrity: MAC)
//!     AuthenticatedSafe [
//!       ContentInfo data { SafeContents [                        -- only when exportable
//!         pkcs8ShroudedKeyBag (pbeWithSHAAnd3-KeyTripleDES-CBC, salt 8, 2000 it.)
//!           attributes: localKeyID 01000000, [friendlyName GUID,] Microsoft CSP name
//!           PKCS#8 + [0] { keyUsage 2.5.29.15: BIT STRING 00 10 (RSA) / 00 80 (EC) }
//!       ] },
//!       ContentInfo encryptedData { version 0, 3DES, salt 8, 2000 it.,   -- §4.1, PKCS#7 §13
//!         encryptedContent [0] IMPLICIT (primitive) SafeContents [ certBag(s) ] } ] } }
//!   macData { DigestInfo { sha1 (no NULL parameters), 20 bytes }, salt 20, iterations 2000 }
//! ```
//!
//! The password is **zero-length**: the PKCS#12 KDF runs with an empty `P` (RFC 7292 B.2
//! step 3 with `p = 0`), not with the BMPString terminator `00 00`. The recorded service PFX
//! verify and decrypt only that way; OpenSSL (`-passin pass:`), Python `cryptography`
//! (`None` or `b""`) and Java's `PKCS12` key store (`new char[0]`) all retry an empty
//! password in this form, so every one of them opens the file.
//!
//! # Decoding: [`decode_pfx`]
//!
//! For PFX files written by OpenSSL 3 (PBES2 / PBKDF2 / AES-CBC, MAC SHA-256), OpenSSL's
//! `-legacy` (3DES keys, RC2-40 certificates, MAC SHA-1), Windows and Key Vault (above) and
//! Java's `keytool` (PBES2, MAC SHA-256). Supported:
//!
//! | what | algorithms |
//! |---|---|
//! | integrity (§4 MacData, B.4) | password MAC, HMAC with SHA-1, SHA-224/256/384/512, SHA-512/224, SHA-512/256; an absent MAC is accepted |
//! | PKCS#12 PBE (Appendix C) | pbeWithSHAAnd3-KeyTripleDES-CBC, 2-KeyTripleDES-CBC, 128BitRC2-CBC, 40BitRC2-CBC |
//! | PBES2 (RFC 8018 §6.2) | PBKDF2 with HMAC-SHA-1/224/256/384/512; AES-128/192/256-CBC, DES-EDE3-CBC |
//! | bags (§4.2) | keyBag, pkcs8ShroudedKeyBag, certBag (x509Certificate), safeContentsBag (nested); crlBag, secretBag and other certificate types are skipped |
//!
//! Not supported (reported as [`Pkcs12Error::Unsupported`]): public-key integrity
//! (`signedData`), `envelopedData`, RC4, PBES1 and PBMAC1 (RFC 9579).
//!
//! Passwords (RFC 7292 B.1): for `None` or `Some("")` the zero-length password and the BMP
//! terminator form `00 00` are tried for the MAC and PKCS#12 PBE, and the empty string for
//! PBES2. A non-empty password is the BMPString (UTF-16BE, with `00 00`) for the MAC and
//! PKCS#12 PBE, with the byte-wise form older OpenSSL used for non-ASCII passwords as a
//! fallback, and UTF-8 for PBES2.
//!
//! The input is untrusted: every length is checked, nothing panics, and the work is bounded
//! ([`Pkcs12Limits`] for the iteration counts and the number of keys and certificates, checked
//! before any key derivation or MAC runs; [`MAX_PFX_LEN`], [`MAX_BAGS`], [`MAX_CONTENT_INFOS`],
//! [`MAX_PASSWORD_CHARS`]). BER indefinite lengths and constructed
//! OCTET STRINGs are accepted, as PKCS#12 writers other than DER ones produce them.

use std::borrow::Cow;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit,
};
use const_oid::ObjectIdentifier;
use core::fmt;
use hmac::digest::Digest;
use hmac::digest::block_api::BlockSizeUser;
use hmac::{EagerHash, Hmac, Mac};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;

pub(crate) mod error;
pub(crate) mod limits;
pub use error::Pkcs12Error;
pub use limits::{MAX_BAGS, MAX_CONTENT_INFOS, MAX_PASSWORD_CHARS, MAX_PFX_LEN, Pkcs12Limits};

// ---------------------------------------------------------------------------------------------
// Public API: encoding
// ---------------------------------------------------------------------------------------------

/// Which Windows key-storage provider and PKCS#8 key usage the service writes for the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PfxKeyKind {
    /// RSA: CSP "Microsoft Enhanced RSA and AES Cryptographic Provider", PKCS#8 key usage
    /// `00 10` (the same for every policy `key_usage`).
    Rsa,
    /// EC: provider "Microsoft Software Key Storage Provider", PKCS#8 key usage `00 80`.
    Ec,
}

/// What goes into a PFX the way Key Vault writes its certificate secrets.
#[derive(Clone)]
pub struct PfxContents<'a> {
    /// The private key as PKCS#8 `PrivateKeyInfo` DER ([`crate::KeyPair::to_pkcs8_der`]), or
    /// `None` for a non-exportable key: the PFX then holds the certificates only.
    ///
    /// The key-usage attribute the service adds is inserted here; a PKCS#8 that already
    /// carries attributes is written as given (as the service keeps an imported key's).
    pub key_pkcs8: Option<&'a [u8]>,
    /// The certificates as DER, leaf first. At least one.
    pub certificates: &'a [Vec<u8>],
    /// RSA or EC (must match the PKCS#8 algorithm).
    pub key_kind: PfxKeyKind,
    /// The key bag's `friendlyName`: the service writes a fresh lowercase GUID
    /// (`3f91d24a-b53c-4e16-84cf-1169559395e0`) for RSA keys and none for EC keys. `None`
    /// omits the attribute. Only characters of the Basic Multilingual Plane are allowed
    /// (it is a BMPString).
    pub friendly_name: Option<String>,
}

impl fmt::Debug for PfxContents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PfxContents")
            .field("key_pkcs8", &self.key_pkcs8.map(|_| "<elided>"))
            .field("certificates", &self.certificates.len())
            .field("key_kind", &self.key_kind)
            .field("friendly_name", &self.friendly_name)
            .finish()
    }
}

/// The iteration count the service uses for the key bag, the certificate encryption and the
/// MAC.
pub const SERVICE_ITERATIONS: u32 = 2000;

/// Encodes a PFX byte for byte in the service's layout (see the [module docs](self)), with
/// the zero-length password.
///
/// `rng` supplies the salts only, in this order: the key bag's (8 bytes, only when there is a
/// key), the certificates' (8), the MAC's (20). The same contents and RNG stream give the
/// same bytes.
///
/// Certificate bags: with a key, the first (leaf) carries `localKeyID 01 00 00 00` like the
/// service's; further chain certificates and every certificate of a non-exportable PFX carry
/// an empty attribute set (`31 00`), as the service's non-exportable PFX does.
///
/// # Errors
///
/// [`Error::Internal`] when there is no certificate, a certificate or the PKCS#8 is not a DER
/// SEQUENCE, the PKCS#8 algorithm does not match `key_kind`, or the friendly name has a
/// character outside the BMP.
pub fn encode_service_pfx<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    encode_service_pfx_with_leaf(contents, 0, rng)
}

/// [`encode_service_pfx`] with the key's certificate (the one that carries `localKeyID`) at
/// index `leaf` of `contents.certificates` instead of first: an imported chain kept in its
/// uploaded order (`preserveCertOrder`) need not start with the leaf.
pub(crate) fn encode_service_pfx_with_leaf<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    leaf: usize,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    encode_pfx(contents, leaf, Iterations::SERVICE, rng)
}

/// The iteration counts a PFX is written with: the service's 2,000 everywhere, other counts
/// only in tests (of the reader's limits).
#[derive(Debug, Clone, Copy)]
struct Iterations {
    key: u32,
    certificates: u32,
    mac: u32,
}

impl Iterations {
    const SERVICE: Iterations = Iterations {
        key: SERVICE_ITERATIONS,
        certificates: SERVICE_ITERATIONS,
        mac: SERVICE_ITERATIONS,
    };
}

fn encode_pfx<R: CryptoRng + ?Sized>(
    contents: &PfxContents<'_>,
    leaf: usize,
    iterations: Iterations,
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    if contents.certificates.is_empty() {
        return Err(Error::internal("a PFX needs at least one certificate"));
    }
    for cert in contents.certificates {
        if !is_single_sequence(cert) {
            return Err(Error::internal("a certificate is not a DER SEQUENCE"));
        }
    }
    let mut safes: Vec<Vec<u8>> = Vec::with_capacity(2);

    // AuthenticatedSafe[0]: the key, in a plain `data` ContentInfo (RFC 7292 §4.1: the
    // shrouded key bag protects itself).
    if let Some(pkcs8) = contents.key_pkcs8 {
        let mut salt = [0u8; 8];
        rng.fill_bytes(&mut salt);
        let plain = pkcs8_with_key_usage(pkcs8, contents.key_kind)?;
        let encrypted = pbe_3des_encrypt(&salt, iterations.key, &plain)?;
        // EncryptedPrivateKeyInfo (RFC 5208 §6).
        let epki = tlv(
            SEQUENCE,
            &[
                &pbe_algorithm(&OID_PBE_SHA1_3DES, &salt, iterations.key),
                &tlv(OCTET_STRING, &[&encrypted]),
            ],
        );
        let attributes = key_bag_attributes(contents.key_kind, contents.friendly_name.as_deref())?;
        let bag = safe_bag(&OID_PKCS8_SHROUDED_KEY_BAG, &epki, &attributes);
        let safe_contents = tlv(SEQUENCE, &[&bag]);
        safes.push(content_info_data(&safe_contents));
    }

    // AuthenticatedSafe[1]: the certificates, in an `encryptedData` ContentInfo.
    let mut salt = [0u8; 8];
    rng.fill_bytes(&mut salt);
    let local_key_id = tlv(
        SET,
        &[&attribute(
            &OID_LOCAL_KEY_ID,
            &tlv(OCTET_STRING, &[&SERVICE_LOCAL_KEY_ID]),
        )],
    );
    let empty_set = tlv(SET, &[]);
    let bags: Vec<Vec<u8>> = contents
        .certificates
        .iter()
        .enumerate()
        .map(|(i, cert)| {
            // CertBag (§4.2.3): certId x509Certificate, certValue [0] EXPLICIT OCTET STRING.
            let cert_bag = tlv(
                SEQUENCE,
                &[
                    &oid(&OID_X509_CERTIFICATE),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[cert])]),
                ],
            );
            let attrs = if i == leaf && contents.key_pkcs8.is_some() {
                &local_key_id
            } else {
                &empty_set
            };
            safe_bag(&OID_CERT_BAG, &cert_bag, attrs)
        })
        .collect();
    let bag_refs: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
    let cert_safe_contents = tlv(SEQUENCE, &bag_refs);
    let encrypted = pbe_3des_encrypt(&salt, iterations.certificates, &cert_safe_contents)?;
    // EncryptedData (PKCS#7 / RFC 2315 §13): version 0, EncryptedContentInfo with the
    // content as a primitive [0] IMPLICIT OCTET STRING.
    let encrypted_data = tlv(
        SEQUENCE,
        &[
            &der_uint(0),
            &tlv(
                SEQUENCE,
                &[
                    &oid(&OID_DATA),
                    &pbe_algorithm(&OID_PBE_SHA1_3DES, &salt, iterations.certificates),
                    &tlv(CONTEXT_0_PRIMITIVE, &[&encrypted]),
                ],
            ),
        ],
    );
    safes.push(tlv(
        SEQUENCE,
        &[
            &oid(&OID_ENCRYPTED_DATA),
            &tlv(CONTEXT_0, &[&encrypted_data]),
        ],
    ));

    let safe_refs: Vec<&[u8]> = safes.iter().map(Vec::as_slice).collect();
    let authenticated_safe = tlv(SEQUENCE, &safe_refs);

    // MacData (§4, B.4, with the zero-length password): HMAC-SHA-1 over the
    // AuthenticatedSafe's DER, the content of authSafe's OCTET STRING.
    let mut mac_salt = [0u8; 20];
    rng.fill_bytes(&mut mac_salt);
    let mac_key = pkcs12_kdf::<sha1::Sha1>(&[], &mac_salt, KDF_ID_MAC, iterations.mac, 20);
    let digest = hmac_tag::<sha1::Sha1>(&mac_key, &authenticated_safe)?;
    let mac_data = tlv(
        SEQUENCE,
        &[
            // DigestInfo: AlgorithmIdentifier sha1 WITHOUT NULL parameters, as the service.
            &tlv(
                SEQUENCE,
                &[
                    &tlv(SEQUENCE, &[&oid(&OID_SHA1)]),
                    &tlv(OCTET_STRING, &[&digest]),
                ],
            ),
            &tlv(OCTET_STRING, &[&mac_salt]),
            &der_uint(iterations.mac.into()),
        ],
    );
    Ok(tlv(
        SEQUENCE,
        &[
            &der_uint(3),
            &content_info_data(&authenticated_safe),
            &mac_data,
        ],
    ))
}

// ---------------------------------------------------------------------------------------------
// Public API: decoding
// ---------------------------------------------------------------------------------------------

/// The password forms tried at most per derivation (see [`PasswordForm`]).
const MAX_PASSWORD_FORMS: u64 = 2;
/// The attributes of a safe bag that [`decode_pfx`] reports (RFC 7292 §4.2, PKCS#9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BagAttributes {
    /// `localKeyID` (1.2.840.113549.1.9.21), pairing a key with its certificate.
    pub local_key_id: Option<Vec<u8>>,
    /// `friendlyName` (1.2.840.113549.1.9.20), a BMPString.
    pub friendly_name: Option<String>,
}

/// Which form of the password verified the MAC (RFC 7292 B.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasswordForm {
    /// The zero-length password (no terminator), as Windows and Key Vault write for "no
    /// password".
    ZeroLength,
    /// The BMPString with its `00 00` terminator: for an empty password just `00 00`, which
    /// is what OpenSSL writes for `-passout pass:`.
    Bmp,
    /// Each byte of the UTF-8 password widened to two bytes, plus `00 00`: what OpenSSL
    /// before 1.1.0 wrote for non-ASCII passwords.
    LegacyBytes,
}

/// The contents of a PFX.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct DecodedPfx {
    /// The private key as PKCS#8 DER, as stored (attributes included), zeroized on drop.
    pub key_pkcs8: Option<Zeroizing<Vec<u8>>>,
    /// The key bag's attributes (empty without a key).
    pub key_attributes: BagAttributes,
    /// The X.509 certificates as DER, in file order.
    pub certificates: Vec<Vec<u8>>,
    /// Each certificate's bag attributes, parallel to `certificates`.
    pub certificate_attributes: Vec<BagAttributes>,
    /// The password form the MAC verified with, or `None` when the PFX has no MAC (then
    /// nothing vouches for the file's integrity).
    pub mac_password: Option<PasswordForm>,
}

impl fmt::Debug for DecodedPfx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedPfx")
            .field("key_pkcs8", &self.key_pkcs8.as_ref().map(|_| "<elided>"))
            .field("key_attributes", &self.key_attributes)
            .field("certificates", &self.certificates.len())
            .field("certificate_attributes", &self.certificate_attributes)
            .field("mac_password", &self.mac_password)
            .finish()
    }
}

/// Reads a PFX: verifies the MAC (when present), decrypts the bags and returns the private
/// key and the certificates.
///
/// `password`: see the [module docs](self). Never panics; every size and the work spent on
/// key derivation is bounded.
///
/// # Errors
///
/// [`Pkcs12Error::WrongPassword`] when the MAC fails with every form of the password (or,
/// without a MAC, nothing decrypts); the other variants for malformed, unsupported or
/// oversized input.
pub fn decode_pfx(der: &[u8], password: Option<&str>) -> Result<DecodedPfx, Pkcs12Error> {
    decode_pfx_with_limits(der, password, &Pkcs12Limits::DEFAULT)
}

/// [`decode_pfx`] with the caller's [`Pkcs12Limits`].
///
/// A first pass reads the structure without deriving any key: every iteration count the file
/// declares outside its encrypted parts (the MAC's, each encrypted safe's, each shrouded key's)
/// and the number of key and certificate bags are checked against `limits` there, so a file
/// over them is refused before any work. The second pass decrypts, checking what the
/// encrypted parts declare before each derivation.
pub fn decode_pfx_with_limits(
    der: &[u8],
    password: Option<&str>,
    limits: &Pkcs12Limits,
) -> Result<DecodedPfx, Pkcs12Error> {
    if der.len() > MAX_PFX_LEN {
        return Err(Pkcs12Error::TooLarge { len: der.len() });
    }
    let passwords = Passwords::new(password)?;
    // The first pass only looks: it derives nothing, so it needs no password.
    read_pfx(der, DecodeState::new(Passwords::none(), limits, true))?;
    read_pfx(der, DecodeState::new(passwords, limits, false))
}

/// One pass over the PFX (see [`decode_pfx_with_limits`]).
fn read_pfx(der: &[u8], mut state: DecodeState) -> Result<DecodedPfx, Pkcs12Error> {
    // PFX ::= SEQUENCE { version, authSafe ContentInfo, macData MacData OPTIONAL } (§4).
    let pfx = parse_exact(der, SEQUENCE, 0)?;
    let mut pfx = Seq::of(pfx)?;
    let version = der_to_u64(pfx.required(INTEGER, "PFX version")?)?;
    if version != 3 {
        return Err(Pkcs12Error::UnsupportedVersion(version));
    }
    let auth_safe = pfx.required_tlv(SEQUENCE, "authSafe")?;
    let mac_data = pfx.optional(SEQUENCE)?;

    let mut auth_safe = Seq::of(auth_safe)?;
    let content_type = auth_safe.required(OBJECT_IDENTIFIER, "authSafe contentType")?;
    if content_type != OID_DATA.as_bytes() {
        return Err(unsupported_oid(
            "authSafe content type (public-key integrity)",
            content_type,
        ));
    }
    let explicit = auth_safe.required_tlv(CONTEXT_0, "authSafe content")?;
    let content = parse_exact_any(explicit.content, explicit.depth + 1)?;
    if content.tag != OCTET_STRING && content.tag != OCTET_STRING_CONSTRUCTED {
        return Err(malformed("authSafe content is not an OCTET STRING"));
    }
    let authenticated_safe = octets(content)?;

    if let Some(mac_data) = mac_data
        && let Some(form) = verify_mac(&mut state, mac_data, &authenticated_safe)?
    {
        state.out.mac_password = Some(form);
        state.passwords.prefer(form);
    }

    // AuthenticatedSafe ::= SEQUENCE OF ContentInfo (§4.1).
    let list = parse_exact(&authenticated_safe, SEQUENCE, 0)?;
    let mut list = Seq::of(list)?;
    let mut count = 0usize;
    while let Some(content_info) = list.next()? {
        count += 1;
        if count > MAX_CONTENT_INFOS {
            return Err(Pkcs12Error::LimitExceeded("too many ContentInfos"));
        }
        read_content_info(&mut state, content_info)?;
    }
    Ok(state.out)
}

// ---------------------------------------------------------------------------------------------
// Object identifiers
// ---------------------------------------------------------------------------------------------

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

// RFC 7292 §4.2 bag types.
const OID_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const OID_PKCS8_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const OID_CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const OID_SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const OID_X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

// PKCS#9 attributes and Microsoft's CSP name.
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const OID_MS_CSP_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.17.1");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

// RFC 7292 Appendix C.
const OID_PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const OID_PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const OID_PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const OID_PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");

// RFC 8018.
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const OID_PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const OID_HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
const OID_HMAC_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
const OID_HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
const OID_HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
const OID_HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
const OID_AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const OID_AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const OID_AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
const OID_DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

// Digests for the MAC.
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_SHA512_224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.5");
const OID_SHA512_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.6");

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The service's `localKeyID` value.
const SERVICE_LOCAL_KEY_ID: [u8; 4] = [0x01, 0x00, 0x00, 0x00];
const CSP_RSA: &str = "Microsoft Enhanced RSA and AES Cryptographic Provider";
const CSP_EC: &str = "Microsoft Software Key Storage Provider";

// ---------------------------------------------------------------------------------------------
// DER writing (the encoder's exact bytes)
// ---------------------------------------------------------------------------------------------

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
const NULL: u8 = 0x05;
const OBJECT_IDENTIFIER: u8 = 0x06;
const BMP_STRING: u8 = 0x1e;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const CONTEXT_0: u8 = 0xa0;
const CONTEXT_0_PRIMITIVE: u8 = 0x80;
const CONSTRUCTED: u8 = 0x20;

fn length_octets(len: usize) -> usize {
    match len {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 5,
    }
}

/// Writes one TLV whose content is the concatenation of `parts` (X.690 §8.1, definite
/// length, minimal length octets).
fn write_tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.push(tag);
    let n = length_octets(len);
    if n == 1 {
        out.push(len as u8);
    } else {
        out.push(0x80 | (n - 1) as u8);
        for i in (0..n - 1).rev() {
            out.push((len >> (8 * i)) as u8);
        }
    }
    for p in parts {
        out.extend_from_slice(p);
    }
}

fn tlv_len(parts: &[&[u8]]) -> usize {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    1 + length_octets(len) + len
}

fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tlv_len(parts));
    write_tlv(&mut out, tag, parts);
    out
}

/// [`tlv`] for secret content: allocated once at its final size, wiped on drop.
fn tlv_secret(tag: u8, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(tlv_len(parts)));
    write_tlv(&mut out, tag, parts);
    out
}

fn oid(o: &ObjectIdentifier) -> Vec<u8> {
    tlv(OBJECT_IDENTIFIER, &[o.as_bytes()])
}

/// A non-negative INTEGER, minimal (X.690 §8.3).
fn der_uint(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    tlv(INTEGER, &[&content])
}

/// A BMPString (UCS-2 big-endian); characters outside the BMP are refused.
fn bmp_string(s: &str) -> Result<Vec<u8>, Error> {
    let mut content = Vec::with_capacity(2 * s.len());
    for c in s.chars() {
        let unit = u16::try_from(u32::from(c))
            .map_err(|_| Error::internal("friendly name has a character outside the BMP"))?;
        content.extend_from_slice(&unit.to_be_bytes());
    }
    Ok(tlv(BMP_STRING, &[&content]))
}

/// `Attribute ::= SEQUENCE { type OID, values SET OF ANY }` with one value.
fn attribute(kind: &ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    tlv(SEQUENCE, &[&oid(kind), &tlv(SET, &[value])])
}

/// `SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF OPTIONAL }`
/// (§4.2); `attributes` is the whole SET.
fn safe_bag(kind: &ObjectIdentifier, value: &[u8], attributes: &[u8]) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[&oid(kind), &tlv(CONTEXT_0, &[value]), attributes],
    )
}

/// `ContentInfo { data, [0] EXPLICIT OCTET STRING }` (RFC 2315 §7-8, primitive OCTET STRING).
fn content_info_data(content: &[u8]) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[
            &oid(&OID_DATA),
            &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[content])]),
        ],
    )
}

/// `AlgorithmIdentifier { pbe OID, pkcs-12PbeParams { salt, iterations } }` (Appendix C).
fn pbe_algorithm(kind: &ObjectIdentifier, salt: &[u8], iterations: u32) -> Vec<u8> {
    tlv(
        SEQUENCE,
        &[
            &oid(kind),
            &tlv(
                SEQUENCE,
                &[&tlv(OCTET_STRING, &[salt]), &der_uint(iterations.into())],
            ),
        ],
    )
}

/// The key bag's attribute SET in the service's order: localKeyID, friendlyName (if any),
/// Microsoft CSP name. The order is the service's, not DER's sorted SET OF (which it
/// happens to equal for these lengths).
fn key_bag_attributes(kind: PfxKeyKind, friendly_name: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut attrs = vec![attribute(
        &OID_LOCAL_KEY_ID,
        &tlv(OCTET_STRING, &[&SERVICE_LOCAL_KEY_ID]),
    )];
    if let Some(name) = friendly_name {
        attrs.push(attribute(&OID_FRIENDLY_NAME, &bmp_string(name)?));
    }
    let csp = match kind {
        PfxKeyKind::Rsa => CSP_RSA,
        PfxKeyKind::Ec => CSP_EC,
    };
    attrs.push(attribute(&OID_MS_CSP_NAME, &bmp_string(csp)?));
    let refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    Ok(tlv(SET, &refs))
}

/// Inserts the service's PKCS#8 attributes `[0] { keyUsage: BIT STRING 00 10 | 00 80 }`
/// (RFC 5208 §5 `attributes`) after `privateKey`. A PKCS#8 that has attributes is kept.
fn pkcs8_with_key_usage(pkcs8: &[u8], kind: PfxKeyKind) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bad = |_| Error::internal("the private key is not PKCS#8 DER");
    let outer = parse_exact(pkcs8, SEQUENCE, 0).map_err(bad)?;
    let mut seq = Seq::of(outer).map_err(bad)?;
    let version = seq.required_tlv(INTEGER, "version").map_err(bad)?;
    let algorithm = seq
        .required_tlv(SEQUENCE, "privateKeyAlgorithm")
        .map_err(bad)?;
    let private_key = seq.required_tlv(OCTET_STRING, "privateKey").map_err(bad)?;
    let rest = seq.rest;
    let algorithm_oid = Seq::of(algorithm)
        .and_then(|mut a| a.required(OBJECT_IDENTIFIER, "algorithm"))
        .map_err(bad)?;
    let matches = match kind {
        PfxKeyKind::Rsa => algorithm_oid == OID_RSA_ENCRYPTION.as_bytes(),
        PfxKeyKind::Ec => algorithm_oid == OID_EC_PUBLIC_KEY.as_bytes(),
    };
    if !matches {
        return Err(Error::internal(
            "the PKCS#8 algorithm does not match the key kind",
        ));
    }
    if rest.first() == Some(&CONTEXT_0) {
        return Ok(Zeroizing::new(pkcs8.to_vec()));
    }
    let usage: u8 = match kind {
        PfxKeyKind::Rsa => 0x10,
        PfxKeyKind::Ec => 0x80,
    };
    let attributes = tlv(
        CONTEXT_0,
        &[&attribute(
            &OID_KEY_USAGE,
            &tlv(BIT_STRING, &[&[0x00, usage]]),
        )],
    );
    Ok(tlv_secret(
        SEQUENCE,
        &[
            version.raw,
            algorithm.raw,
            private_key.raw,
            &attributes,
            rest,
        ],
    ))
}

/// pbeWithSHAAnd3-KeyTripleDES-CBC encryption with the zero-length password (Appendix C;
/// key and IV from the B.2 KDF with ID 1 and 2; PKCS#7 padding, RFC 8018 §6.1.1 step 4).
fn pbe_3des_encrypt(salt: &[u8], iterations: u32, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let key = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_KEY, iterations, 24);
    let iv = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_IV, iterations, 8);
    let encryptor = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
        .map_err(|_| Error::internal("3DES key length"))?;
    Ok(encryptor.encrypt_padded_vec::<Pkcs7>(plaintext))
}

fn hmac_tag<D: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key)
        .map_err(|_| Error::internal("HMAC key length"))?;
    Mac::update(&mut mac, data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn is_single_sequence(der: &[u8]) -> bool {
    parse_exact(der, SEQUENCE, 0).is_ok()
}

// ---------------------------------------------------------------------------------------------
// The PKCS#12 key derivation function (RFC 7292 Appendix B.2)
// ---------------------------------------------------------------------------------------------

/// Diversifier ID 1: key material for encryption (B.3).
const KDF_ID_KEY: u8 = 1;
/// Diversifier ID 2: the IV (B.3).
const KDF_ID_IV: u8 = 2;
/// Diversifier ID 3: the MAC key (B.3).
const KDF_ID_MAC: u8 = 3;

/// RFC 7292 B.2: derives `out_len` bytes from the formatted `password` (B.1; empty for the
/// zero-length password), `salt`, the diversifier `id` and `iterations` (at least 1).
fn pkcs12_kdf<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    out_len: usize,
) -> Zeroizing<Vec<u8>> {
    #[cfg(test)]
    tests::count_derivation();
    let u = <D as Digest>::output_size();
    let v = <D as BlockSizeUser>::block_size();
    // Step 1: D = v copies of ID.
    let diversifier = vec![id; v];
    // Steps 2-4: I = S || P, each repeated to a multiple of v bytes (empty stays empty).
    let s_len = v * salt.len().div_ceil(v);
    let p_len = v * password.len().div_ceil(v);
    let mut i_buf = Zeroizing::new(Vec::with_capacity(s_len + p_len));
    i_buf.extend(salt.iter().cycle().take(s_len));
    i_buf.extend(password.iter().cycle().take(p_len));
    let mut out = Zeroizing::new(Vec::with_capacity(out_len + u));
    let mut b = Zeroizing::new(vec![0u8; v]);
    loop {
        // Step 6a: A_i = H^r(D || I).
        let mut hash = D::new();
        Digest::update(&mut hash, &diversifier);
        Digest::update(&mut hash, &i_buf[..]);
        let mut a = hash.finalize();
        for _ in 1..iterations {
            let mut hash = D::new();
            Digest::update(&mut hash, &a);
            Digest::finalize_into(hash, &mut a);
        }
        // Step 7: the output is the first n bytes of A_1 || A_2 || ...
        let take = u.min(out_len - out.len());
        out.extend_from_slice(&a[..take]);
        if out.len() >= out_len {
            a.as_mut_slice().zeroize();
            break;
        }
        // Step 6b: B = A_i repeated to v bytes.
        for (k, byte) in b.iter_mut().enumerate() {
            *byte = a[k % u];
        }
        a.as_mut_slice().zeroize();
        // Step 6c: each v-byte block I_j becomes (I_j + B + 1) mod 2^(8v).
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..block.len()).rev() {
                let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Hash dispatch
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashAlg {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

macro_rules! with_hash {
    ($alg:expr, $f:ident ( $($arg:expr),* )) => {
        match $alg {
            HashAlg::Sha1 => $f::<sha1::Sha1>($($arg),*),
            HashAlg::Sha224 => $f::<sha2::Sha224>($($arg),*),
            HashAlg::Sha256 => $f::<sha2::Sha256>($($arg),*),
            HashAlg::Sha384 => $f::<sha2::Sha384>($($arg),*),
            HashAlg::Sha512 => $f::<sha2::Sha512>($($arg),*),
            HashAlg::Sha512_224 => $f::<sha2::Sha512_224>($($arg),*),
            HashAlg::Sha512_256 => $f::<sha2::Sha512_256>($($arg),*),
        }
    };
}

impl HashAlg {
    fn from_digest_oid(oid: &[u8]) -> Option<Self> {
        [
            (OID_SHA1, HashAlg::Sha1),
            (OID_SHA224, HashAlg::Sha224),
            (OID_SHA256, HashAlg::Sha256),
            (OID_SHA384, HashAlg::Sha384),
            (OID_SHA512, HashAlg::Sha512),
            (OID_SHA512_224, HashAlg::Sha512_224),
            (OID_SHA512_256, HashAlg::Sha512_256),
        ]
        .into_iter()
        .find(|(o, _)| o.as_bytes() == oid)
        .map(|(_, h)| h)
    }

    fn from_hmac_oid(oid: &[u8]) -> Option<Self> {
        [
            (OID_HMAC_SHA1, HashAlg::Sha1),
            (OID_HMAC_SHA224, HashAlg::Sha224),
            (OID_HMAC_SHA256, HashAlg::Sha256),
            (OID_HMAC_SHA384, HashAlg::Sha384),
            (OID_HMAC_SHA512, HashAlg::Sha512),
        ]
        .into_iter()
        .find(|(o, _)| o.as_bytes() == oid)
        .map(|(_, h)| h)
    }

    fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 | HashAlg::Sha512_224 => 28,
            HashAlg::Sha256 | HashAlg::Sha512_256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    fn kdf(
        self,
        password: &[u8],
        salt: &[u8],
        id: u8,
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        with_hash!(self, pkcs12_kdf(password, salt, id, iterations, len))
    }

    fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        fn verify<D: EagerHash>(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
            match <Hmac<D> as KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    Mac::update(&mut mac, data);
                    // Constant-time comparison (digest's `Mac::verify_slice`).
                    mac.verify_slice(tag).is_ok()
                }
                Err(_) => false,
            }
        }
        with_hash!(self, verify(key, data, tag))
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        with_hash!(self, pbkdf2_into(password, salt, iterations, out))
    }
}

fn pbkdf2_into<D: EagerHash>(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    #[cfg(test)]
    tests::count_derivation();
    pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, out);
}

// ---------------------------------------------------------------------------------------------
// BER reading (untrusted input)
// ---------------------------------------------------------------------------------------------

/// Nesting depth bound for the BER reader.
const MAX_DEPTH: usize = 48;
/// Nesting bound for safeContentsBag.
const MAX_BAG_NESTING: usize = 4;
/// The longest salt accepted.
const MAX_SALT_LEN: usize = 1024;

/// One TLV: its tag byte, its content and its whole encoding.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    raw: &'a [u8],
    depth: usize,
}

fn malformed(what: &'static str) -> Pkcs12Error {
    Pkcs12Error::Malformed(what)
}

/// Parses one TLV from the front of `input` (X.690 §8.1; BER: indefinite lengths for
/// constructed encodings, non-minimal length octets). Returns it and the rest.
fn parse_tlv(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), Pkcs12Error> {
    if depth > MAX_DEPTH {
        return Err(malformed("nesting too deep"));
    }
    let truncated = || malformed("truncated");
    let (&tag, mut rest) = input.split_first().ok_or_else(truncated)?;
    if tag & 0x1f == 0x1f {
        // High tag number form (§8.1.2.4): skip the subsequent octets. PKCS#12 uses none;
        // such a tag never equals an expected one.
        let mut n = 0;
        loop {
            let (&b, r) = rest.split_first().ok_or_else(truncated)?;
            rest = r;
            n += 1;
            if b & 0x80 == 0 {
                break;
            }
            if n >= 4 {
                return Err(malformed("tag number too large"));
            }
        }
    }
    let (&first, r) = rest.split_first().ok_or_else(truncated)?;
    rest = r;
    let header_len = input.len() - rest.len();
    if first == 0x80 {
        // Indefinite length (§8.1.3.6): constructed only, ends with end-of-contents 00 00.
        if tag & CONSTRUCTED == 0 {
            return Err(malformed("indefinite length on a primitive encoding"));
        }
        let mut cursor = rest;
        loop {
            if cursor.starts_with(&[0, 0]) {
                let content_len = rest.len() - cursor.len();
                let content = rest.get(..content_len).ok_or_else(truncated)?;
                let after = cursor.get(2..).ok_or_else(truncated)?;
                let raw_len = header_len + content_len + 2;
                let raw = input.get(..raw_len).ok_or_else(truncated)?;
                return Ok((
                    Tlv {
                        tag,
                        content,
                        raw,
                        depth,
                    },
                    after,
                ));
            }
            let (_, next) = parse_tlv(cursor, depth + 1)?;
            cursor = next;
        }
    }
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(malformed("length too large"));
        }
        let bytes = rest.get(..n).ok_or_else(truncated)?;
        rest = rest.get(n..).ok_or_else(truncated)?;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let header_len = input.len() - rest.len();
    let content = rest.get(..len).ok_or_else(truncated)?;
    let after = rest.get(len..).ok_or_else(truncated)?;
    let raw = input.get(..header_len + len).ok_or_else(truncated)?;
    Ok((
        Tlv {
            tag,
            content,
            raw,
            depth,
        },
        after,
    ))
}

/// Parses `input` as exactly one TLV with tag `tag`.
fn parse_exact(input: &[u8], tag: u8, depth: usize) -> Result<Tlv<'_>, Pkcs12Error> {
    let t = parse_exact_any(input, depth)?;
    if t.tag != tag {
        return Err(malformed("unexpected tag"));
    }
    Ok(t)
}

/// Parses `input` as exactly one TLV of any tag.
fn parse_exact_any(input: &[u8], depth: usize) -> Result<Tlv<'_>, Pkcs12Error> {
    let (t, rest) = parse_tlv(input, depth)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data"));
    }
    Ok(t)
}

/// The elements of a constructed TLV, read front to back.
struct Seq<'a> {
    rest: &'a [u8],
    depth: usize,
}

impl<'a> Seq<'a> {
    fn of(t: Tlv<'a>) -> Result<Self, Pkcs12Error> {
        if t.tag & CONSTRUCTED == 0 {
            return Err(malformed("expected a constructed encoding"));
        }
        Ok(Seq {
            rest: t.content,
            depth: t.depth + 1,
        })
    }

    #[allow(clippy::should_implement_trait)]
    fn next(&mut self) -> Result<Option<Tlv<'a>>, Pkcs12Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (t, rest) = parse_tlv(self.rest, self.depth)?;
        self.rest = rest;
        Ok(Some(t))
    }

    fn required_tlv(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, Pkcs12Error> {
        match self.next()? {
            Some(t) if t.tag == tag => Ok(t),
            _ => Err(malformed(what)),
        }
    }

    /// The content of the next element, which must have tag `tag`.
    fn required(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], Pkcs12Error> {
        self.required_tlv(tag, what).map(|t| t.content)
    }

    fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Pkcs12Error> {
        if self.rest.first() == Some(&tag) {
            self.next()
        } else {
            Ok(None)
        }
    }
}

/// The value of an OCTET STRING (or an IMPLICIT one such as `[0]`): the content of a
/// primitive encoding, or the concatenated segments of a constructed one (X.690 §8.7.3).
fn octets(t: Tlv<'_>) -> Result<Cow<'_, [u8]>, Pkcs12Error> {
    if t.tag & CONSTRUCTED == 0 {
        return Ok(Cow::Borrowed(t.content));
    }
    let mut out = Vec::new();
    collect_segments(t, &mut out)?;
    Ok(Cow::Owned(out))
}

fn collect_segments(t: Tlv<'_>, out: &mut Vec<u8>) -> Result<(), Pkcs12Error> {
    let mut seq = Seq::of(t)?;
    while let Some(segment) = seq.next()? {
        match segment.tag {
            OCTET_STRING => out.extend_from_slice(segment.content),
            OCTET_STRING_CONSTRUCTED => collect_segments(segment, out)?,
            _ => return Err(malformed("constructed OCTET STRING segment")),
        }
    }
    Ok(())
}

/// A non-negative INTEGER's value (X.690 §8.3), at most 64 bits.
fn der_to_u64(content: &[u8]) -> Result<u64, Pkcs12Error> {
    match content.first() {
        None => return Err(malformed("empty INTEGER")),
        Some(b) if b & 0x80 != 0 => return Err(malformed("negative INTEGER")),
        _ => {}
    }
    let significant: &[u8] = {
        let skip = content.iter().take_while(|&&b| b == 0).count();
        content.get(skip..).unwrap_or_default()
    };
    if significant.len() > 8 {
        return Err(Pkcs12Error::LimitExceeded("INTEGER too large"));
    }
    Ok(significant
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

fn unsupported_oid(what: &str, oid_content: &[u8]) -> Pkcs12Error {
    let dotted = ObjectIdentifier::from_bytes(oid_content)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "an invalid OID".to_owned());
    Pkcs12Error::Unsupported(format!("{what} {dotted}"))
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// The password in every form the decoder tries.
struct Passwords {
    /// For the MAC and PKCS#12 PBE, in the order tried.
    pkcs12: Vec<(PasswordForm, Zeroizing<Vec<u8>>)>,
    /// For PBES2 (RFC 8018: an octet string; UTF-8 as OpenSSL and Java).
    pbes2: Zeroizing<Vec<u8>>,
}

impl Passwords {
    /// No password: for the first pass, which derives nothing.
    fn none() -> Self {
        Passwords {
            pkcs12: Vec::new(),
            pbes2: Zeroizing::new(Vec::new()),
        }
    }

    fn new(password: Option<&str>) -> Result<Self, Pkcs12Error> {
        let password = password.unwrap_or("");
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(Pkcs12Error::LimitExceeded("password too long"));
        }
        // B.1: BMPString with a two-byte zero terminator (UTF-16BE, surrogates as OpenSSL
        // and Java's char[]).
        let mut bmp = Zeroizing::new(Vec::with_capacity(2 * password.len() + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        let mut pkcs12 = Vec::with_capacity(2);
        if password.is_empty() {
            pkcs12.push((PasswordForm::ZeroLength, Zeroizing::new(Vec::new())));
            pkcs12.push((PasswordForm::Bmp, bmp));
        } else {
            pkcs12.push((PasswordForm::Bmp, bmp));
            if !password.is_ascii() {
                let mut legacy = Zeroizing::new(Vec::with_capacity(2 * password.len() + 2));
                for &b in password.as_bytes() {
                    legacy.extend_from_slice(&[0, b]);
                }
                legacy.extend_from_slice(&[0, 0]);
                pkcs12.push((PasswordForm::LegacyBytes, legacy));
            }
        }
        Ok(Passwords {
            pkcs12,
            pbes2: Zeroizing::new(password.as_bytes().to_vec()),
        })
    }

    /// Moves the form the MAC verified with to the front.
    fn prefer(&mut self, form: PasswordForm) {
        if let Some(i) = self.pkcs12.iter().position(|(f, _)| *f == form) {
            let entry = self.pkcs12.remove(i);
            self.pkcs12.insert(0, entry);
        }
    }
}

struct DecodeState {
    passwords: Passwords,
    limits: Pkcs12Limits,
    /// The first pass: check what the file declares, derive nothing.
    dry_run: bool,
    /// The sum of the encryption derivations' iteration counts declared so far.
    declared_kdf: u64,
    /// Hash iterations left: a bound on the work actually done, every password form and
    /// output block counted (the limits bound the declared counts).
    budget: u64,
    bags: usize,
    keys: usize,
    certificates: usize,
    out: DecodedPfx,
}

impl DecodeState {
    fn new(passwords: Passwords, limits: &Pkcs12Limits, dry_run: bool) -> Self {
        // Each derivation may run once per password form and, for 3DES, over three SHA-1
        // blocks (key and IV): 4 × blocks × forms covers every derivation the limits allow.
        let declared = limits
            .total_kdf_iterations
            .saturating_add(u64::from(limits.mac_iterations));
        DecodeState {
            passwords,
            limits: *limits,
            dry_run,
            declared_kdf: 0,
            budget: declared.saturating_mul(4 * MAX_PASSWORD_FORMS),
            bags: 0,
            keys: 0,
            certificates: 0,
            out: DecodedPfx::default(),
        }
    }

    /// Checks an encryption derivation's declared iteration count against the limits.
    fn declare_kdf(&mut self, iterations: u32) -> Result<(), Pkcs12Error> {
        if iterations > self.limits.kdf_iterations {
            return Err(Pkcs12Error::LimitExceeded(
                "key derivation iteration count over the limit",
            ));
        }
        self.declared_kdf = self.declared_kdf.saturating_add(u64::from(iterations));
        if self.declared_kdf > self.limits.total_kdf_iterations {
            return Err(Pkcs12Error::LimitExceeded(
                "total key derivation iterations over the limit",
            ));
        }
        Ok(())
    }

    /// Counts a key bag against [`Pkcs12Limits::max_keys`].
    fn declare_key(&mut self) -> Result<(), Pkcs12Error> {
        self.keys += 1;
        if self.keys > self.limits.max_keys {
            return Err(Pkcs12Error::LimitExceeded("too many keys"));
        }
        Ok(())
    }

    /// Charges `iterations × blocks` to the work budget before a derivation runs.
    fn charge(&mut self, iterations: u32, blocks: usize) -> Result<(), Pkcs12Error> {
        let cost = u64::from(iterations).saturating_mul(blocks as u64);
        if cost > self.budget {
            return Err(Pkcs12Error::LimitExceeded("total key-derivation work"));
        }
        self.budget -= cost;
        Ok(())
    }
}

fn iteration_count(content: &[u8]) -> Result<u32, Pkcs12Error> {
    let n = der_to_u64(content)?;
    if n == 0 {
        return Err(malformed("iteration count 0"));
    }
    // Over u32 is over every limit (`Pkcs12Limits` holds u32 counts).
    u32::try_from(n).map_err(|_| Pkcs12Error::LimitExceeded("iteration count over the limit"))
}

fn salt_value(content: &[u8]) -> Result<&[u8], Pkcs12Error> {
    if content.len() > MAX_SALT_LEN {
        return Err(Pkcs12Error::LimitExceeded("salt length"));
    }
    Ok(content)
}

/// Parses `AlgorithmIdentifier` into its OID content and its parameters (if any).
fn algorithm_identifier(t: Tlv<'_>) -> Result<(&[u8], Option<Tlv<'_>>), Pkcs12Error> {
    let mut seq = Seq::of(t)?;
    let oid = seq.required(OBJECT_IDENTIFIER, "AlgorithmIdentifier")?;
    let params = seq.next()?;
    Ok((oid, params))
}

/// MacData (§4, B.4): finds the password form whose HMAC matches (`None` on the first pass,
/// which only checks the iteration count).
fn verify_mac(
    state: &mut DecodeState,
    mac_data: Tlv<'_>,
    authenticated_safe: &[u8],
) -> Result<Option<PasswordForm>, Pkcs12Error> {
    let mut seq = Seq::of(mac_data)?;
    let digest_info = seq.required_tlv(SEQUENCE, "MacData DigestInfo")?;
    let salt = salt_value(seq.required(OCTET_STRING, "MacData salt")?)?;
    let iterations = match seq.optional(INTEGER)? {
        Some(t) => iteration_count(t.content)?,
        // `iterations INTEGER DEFAULT 1` (§4): the 2018 service omitted it.
        None => 1,
    };
    if iterations > state.limits.mac_iterations {
        return Err(Pkcs12Error::LimitExceeded(
            "MAC iteration count over the limit",
        ));
    }
    let mut info = Seq::of(digest_info)?;
    let (digest_oid, params) =
        algorithm_identifier(info.required_tlv(SEQUENCE, "digestAlgorithm")?)?;
    if params.is_some_and(|p| p.tag != NULL) {
        return Err(malformed("digest parameters"));
    }
    let hash = HashAlg::from_digest_oid(digest_oid)
        .ok_or_else(|| unsupported_oid("MAC algorithm", digest_oid))?;
    let expected = info.required(OCTET_STRING, "MAC digest")?;
    if expected.len() != hash.output_len() {
        return Err(malformed("MAC digest length"));
    }
    if state.dry_run {
        return Ok(None);
    }
    let candidates: Vec<(PasswordForm, Zeroizing<Vec<u8>>)> = state.passwords.pkcs12.clone();
    for (form, password) in &candidates {
        state.charge(iterations, 1)?;
        // B.4: the MAC key is as long as the hash output.
        let key = hash.kdf(password, salt, KDF_ID_MAC, iterations, hash.output_len());
        if hash.hmac_verify(&key, authenticated_safe, expected) {
            return Ok(Some(*form));
        }
    }
    Err(Pkcs12Error::WrongPassword)
}

/// One ContentInfo of the AuthenticatedSafe (§4.1): plain `data` or `encryptedData`.
fn read_content_info(state: &mut DecodeState, t: Tlv<'_>) -> Result<(), Pkcs12Error> {
    if t.tag != SEQUENCE {
        return Err(malformed("ContentInfo"));
    }
    let mut seq = Seq::of(t)?;
    let content_type = seq.required(OBJECT_IDENTIFIER, "ContentInfo contentType")?;
    let explicit = seq.required_tlv(CONTEXT_0, "ContentInfo content")?;
    let inner = parse_exact_any(explicit.content, explicit.depth + 1)?;
    if content_type == OID_DATA.as_bytes() {
        if inner.tag != OCTET_STRING && inner.tag != OCTET_STRING_CONSTRUCTED {
            return Err(malformed("data content"));
        }
        let safe_contents = octets(inner)?;
        read_safe_contents(state, &safe_contents, 0)
    } else if content_type == OID_ENCRYPTED_DATA.as_bytes() {
        // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo } (PKCS#7 §13).
        if inner.tag != SEQUENCE {
            return Err(malformed("EncryptedData"));
        }
        let mut encrypted_data = Seq::of(inner)?;
        encrypted_data.required(INTEGER, "EncryptedData version")?;
        let eci = encrypted_data.required_tlv(SEQUENCE, "EncryptedContentInfo")?;
        let mut eci = Seq::of(eci)?;
        let inner_type = eci.required(OBJECT_IDENTIFIER, "EncryptedContentInfo contentType")?;
        if inner_type != OID_DATA.as_bytes() {
            return Err(unsupported_oid("encrypted content type", inner_type));
        }
        let algorithm = eci.required_tlv(SEQUENCE, "contentEncryptionAlgorithm")?;
        // encryptedContent [0] IMPLICIT OCTET STRING, primitive or constructed.
        let ciphertext = match eci.next()? {
            Some(c) if c.tag == CONTEXT_0_PRIMITIVE || c.tag == CONTEXT_0 => octets(c)?,
            _ => return Err(malformed("encryptedContent")),
        };
        match decrypt(state, algorithm, &ciphertext)? {
            Some(plaintext) => read_safe_contents(state, &plaintext, 0),
            // The first pass cannot look inside; the second checks before each derivation.
            None => Ok(()),
        }
    } else {
        Err(unsupported_oid("ContentInfo type", content_type))
    }
}

/// `SafeContents ::= SEQUENCE OF SafeBag` (§4.2).
fn read_safe_contents(
    state: &mut DecodeState,
    der: &[u8],
    nesting: usize,
) -> Result<(), Pkcs12Error> {
    if nesting > MAX_BAG_NESTING {
        return Err(Pkcs12Error::LimitExceeded("safeContentsBag nesting"));
    }
    let list = parse_exact(der, SEQUENCE, 0)?;
    let mut list = Seq::of(list)?;
    while let Some(bag) = list.next()? {
        state.bags += 1;
        if state.bags > MAX_BAGS {
            return Err(Pkcs12Error::LimitExceeded("too many bags"));
        }
        read_safe_bag(state, bag, nesting)?;
    }
    Ok(())
}

fn read_safe_bag(state: &mut DecodeState, bag: Tlv<'_>, nesting: usize) -> Result<(), Pkcs12Error> {
    if bag.tag != SEQUENCE {
        return Err(malformed("SafeBag"));
    }
    let mut seq = Seq::of(bag)?;
    let kind = seq.required(OBJECT_IDENTIFIER, "bagId")?;
    let explicit = seq.required_tlv(CONTEXT_0, "bagValue")?;
    let value = parse_exact_any(explicit.content, explicit.depth + 1)?;
    let attributes = match seq.optional(SET)? {
        Some(set) => read_attributes(set)?,
        None => BagAttributes::default(),
    };
    if kind == OID_KEY_BAG.as_bytes() {
        // KeyBag ::= PrivateKeyInfo (§4.2.1).
        if value.tag != SEQUENCE {
            return Err(malformed("keyBag"));
        }
        state.declare_key()?;
        if state.dry_run {
            return Ok(());
        }
        store_key(state, Zeroizing::new(value.raw.to_vec()), attributes)
    } else if kind == OID_PKCS8_SHROUDED_KEY_BAG.as_bytes() {
        // EncryptedPrivateKeyInfo (§4.2.2, RFC 5208 §6).
        if value.tag != SEQUENCE {
            return Err(malformed("pkcs8ShroudedKeyBag"));
        }
        let mut epki = Seq::of(value)?;
        let algorithm = epki.required_tlv(SEQUENCE, "EncryptedPrivateKeyInfo algorithm")?;
        let data = match epki.next()? {
            Some(d) if d.tag == OCTET_STRING || d.tag == OCTET_STRING_CONSTRUCTED => octets(d)?,
            _ => return Err(malformed("EncryptedPrivateKeyInfo encryptedData")),
        };
        state.declare_key()?;
        match decrypt(state, algorithm, &data)? {
            Some(key) => store_key(state, key, attributes),
            None => Ok(()),
        }
    } else if kind == OID_CERT_BAG.as_bytes() {
        // CertBag (§4.2.3).
        if value.tag != SEQUENCE {
            return Err(malformed("certBag"));
        }
        let mut cert_bag = Seq::of(value)?;
        let cert_type = cert_bag.required(OBJECT_IDENTIFIER, "certId")?;
        if cert_type != OID_X509_CERTIFICATE.as_bytes() {
            return Ok(()); // sdsiCertificate and others: not X.509, skipped.
        }
        let explicit = cert_bag.required_tlv(CONTEXT_0, "certValue")?;
        let inner = parse_exact_any(explicit.content, explicit.depth + 1)?;
        if inner.tag != OCTET_STRING && inner.tag != OCTET_STRING_CONSTRUCTED {
            return Err(malformed("certValue"));
        }
        let cert = octets(inner)?;
        if !is_single_sequence(&cert) {
            return Err(malformed("certificate is not a DER SEQUENCE"));
        }
        state.certificates += 1;
        if state.certificates > state.limits.max_certificates {
            return Err(Pkcs12Error::LimitExceeded("too many certificates"));
        }
        if state.dry_run {
            return Ok(());
        }
        state.out.certificates.push(cert.into_owned());
        state.out.certificate_attributes.push(attributes);
        Ok(())
    } else if kind == OID_SAFE_CONTENTS_BAG.as_bytes() {
        // SafeContents nested in a bag (§4.2.6).
        read_safe_contents(state, value.raw, nesting + 1)
    } else {
        // crlBag, secretBag and unknown bag types (§4.2.4, §4.2.5): skipped.
        Ok(())
    }
}

fn store_key(
    state: &mut DecodeState,
    key: Zeroizing<Vec<u8>>,
    attributes: BagAttributes,
) -> Result<(), Pkcs12Error> {
    if state.out.key_pkcs8.is_some() {
        return Err(Pkcs12Error::MultipleKeys);
    }
    state.out.key_pkcs8 = Some(key);
    state.out.key_attributes = attributes;
    Ok(())
}

/// `SET OF PKCS12Attribute` (§4.2): localKeyID and friendlyName; others are ignored, as is
/// a value of an unexpected type.
fn read_attributes(set: Tlv<'_>) -> Result<BagAttributes, Pkcs12Error> {
    let mut out = BagAttributes::default();
    let mut seq = Seq::of(set)?;
    while let Some(attribute) = seq.next()? {
        if attribute.tag != SEQUENCE {
            return Err(malformed("attribute"));
        }
        let mut attribute = Seq::of(attribute)?;
        let kind = attribute.required(OBJECT_IDENTIFIER, "attribute type")?;
        let values = attribute.required_tlv(SET, "attribute values")?;
        let Some(value) = Seq::of(values)?.next()? else {
            continue;
        };
        if kind == OID_LOCAL_KEY_ID.as_bytes() && value.tag == OCTET_STRING {
            out.local_key_id = Some(value.content.to_vec());
        } else if kind == OID_FRIENDLY_NAME.as_bytes()
            && value.tag == BMP_STRING
            && value.content.len() % 2 == 0
        {
            let units: Vec<u16> = value
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            out.friendly_name = String::from_utf16(&units).ok();
        }
    }
    Ok(out)
}

/// Decrypts with a PKCS#12 PBE scheme (Appendix C) or PBES2 (RFC 8018 §6.2). The plaintext
/// must be exactly one SEQUENCE (SafeContents or PrivateKeyInfo): a wrong password shows
/// as bad padding or, rarely, as a padding that happens to be valid over garbage.
fn decrypt(
    state: &mut DecodeState,
    algorithm: Tlv<'_>,
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, Pkcs12Error> {
    let (alg, params) = algorithm_identifier(algorithm)?;
    let params = params.ok_or_else(|| malformed("encryption parameters"))?;
    if alg == OID_PBES2.as_bytes() {
        return decrypt_pbes2(state, params, ciphertext);
    }
    let cipher = if alg == OID_PBE_SHA1_3DES.as_bytes() {
        Pkcs12Cipher::TripleDes3
    } else if alg == OID_PBE_SHA1_2DES.as_bytes() {
        Pkcs12Cipher::TripleDes2
    } else if alg == OID_PBE_SHA1_RC2_128.as_bytes() {
        Pkcs12Cipher::Rc2_128
    } else if alg == OID_PBE_SHA1_RC2_40.as_bytes() {
        Pkcs12Cipher::Rc2_40
    } else {
        return Err(unsupported_oid("encryption algorithm", alg));
    };
    // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } (Appendix C).
    if params.tag != SEQUENCE {
        return Err(malformed("pkcs-12PbeParams"));
    }
    let mut p = Seq::of(params)?;
    let salt = salt_value(p.required(OCTET_STRING, "PBE salt")?)?;
    let iterations = iteration_count(p.required(INTEGER, "PBE iterations")?)?;
    state.declare_kdf(iterations)?;
    if state.dry_run {
        return Ok(None);
    }
    let candidates: Vec<(PasswordForm, Zeroizing<Vec<u8>>)> = state.passwords.pkcs12.clone();
    for (_, password) in &candidates {
        let key_len = cipher.key_len();
        state.charge(iterations, key_len.div_ceil(20) + 1)?;
        let key = pkcs12_kdf::<sha1::Sha1>(password, salt, KDF_ID_KEY, iterations, key_len);
        let iv = pkcs12_kdf::<sha1::Sha1>(password, salt, KDF_ID_IV, iterations, 8);
        if let Some(plain) = cipher.decrypt(&key, &iv, ciphertext)
            && is_single_sequence(&plain)
        {
            return Ok(Some(plain));
        }
    }
    Err(decryption_failed(state))
}

/// A decryption failure is a wrong password unless the MAC already proved the password.
fn decryption_failed(state: &DecodeState) -> Pkcs12Error {
    if state.out.mac_password.is_some() {
        malformed("an encrypted part does not decrypt with the password the MAC verified")
    } else {
        Pkcs12Error::WrongPassword
    }
}

#[derive(Debug, Clone, Copy)]
enum Pkcs12Cipher {
    TripleDes3,
    TripleDes2,
    Rc2_128,
    Rc2_40,
}

impl Pkcs12Cipher {
    fn key_len(self) -> usize {
        match self {
            Pkcs12Cipher::TripleDes3 => 24,
            Pkcs12Cipher::TripleDes2 | Pkcs12Cipher::Rc2_128 => 16,
            Pkcs12Cipher::Rc2_40 => 5,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Pkcs12Cipher::TripleDes3 => {
                cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, ciphertext)
            }
            Pkcs12Cipher::TripleDes2 => {
                cbc_decrypt(des::TdesEde2::new_from_slice(key).ok()?, iv, ciphertext)
            }
            // RC2 with the effective key bits equal to the key length (RFC 2268 §2).
            Pkcs12Cipher::Rc2_128 => {
                cbc_decrypt(rc2::Rc2::new_with_eff_key_len(key, 128), iv, ciphertext)
            }
            Pkcs12Cipher::Rc2_40 => {
                cbc_decrypt(rc2::Rc2::new_with_eff_key_len(key, 40), iv, ciphertext)
            }
        }
    }
}

/// CBC decryption with PKCS#7 padding removal, in a buffer wiped on drop.
fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: C,
    iv: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let decryptor = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).ok()?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = decryptor.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

#[derive(Debug, Clone, Copy)]
enum Pbes2Cipher {
    Aes128,
    Aes192,
    Aes256,
    TripleDes,
}

impl Pbes2Cipher {
    fn from_oid(oid: &[u8]) -> Option<Self> {
        [
            (OID_AES128_CBC, Pbes2Cipher::Aes128),
            (OID_AES192_CBC, Pbes2Cipher::Aes192),
            (OID_AES256_CBC, Pbes2Cipher::Aes256),
            (OID_DES_EDE3_CBC, Pbes2Cipher::TripleDes),
        ]
        .into_iter()
        .find(|(o, _)| o.as_bytes() == oid)
        .map(|(_, c)| c)
    }

    fn key_len(self) -> usize {
        match self {
            Pbes2Cipher::Aes128 => 16,
            Pbes2Cipher::Aes192 | Pbes2Cipher::TripleDes => 24,
            Pbes2Cipher::Aes256 => 32,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Pbes2Cipher::TripleDes => 8,
            _ => 16,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Pbes2Cipher::Aes128 => {
                cbc_decrypt(aes::Aes128::new_from_slice(key).ok()?, iv, ciphertext)
            }
            Pbes2Cipher::Aes192 => {
                cbc_decrypt(aes::Aes192::new_from_slice(key).ok()?, iv, ciphertext)
            }
            Pbes2Cipher::Aes256 => {
                cbc_decrypt(aes::Aes256::new_from_slice(key).ok()?, iv, ciphertext)
            }
            Pbes2Cipher::TripleDes => {
                cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, ciphertext)
            }
        }
    }
}

/// PBES2 (RFC 8018 §6.2, A.4) with PBKDF2 (§5.2, A.2).
fn decrypt_pbes2(
    state: &mut DecodeState,
    params: Tlv<'_>,
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, Pkcs12Error> {
    // PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }.
    if params.tag != SEQUENCE {
        return Err(malformed("PBES2-params"));
    }
    let mut p = Seq::of(params)?;
    let (kdf_oid, kdf_params) =
        algorithm_identifier(p.required_tlv(SEQUENCE, "keyDerivationFunc")?)?;
    let (enc_oid, enc_params) =
        algorithm_identifier(p.required_tlv(SEQUENCE, "encryptionScheme")?)?;
    if kdf_oid != OID_PBKDF2.as_bytes() {
        return Err(unsupported_oid("PBES2 key derivation", kdf_oid));
    }
    let cipher = Pbes2Cipher::from_oid(enc_oid)
        .ok_or_else(|| unsupported_oid("PBES2 encryption scheme", enc_oid))?;
    let iv = match enc_params {
        Some(t) if t.tag == OCTET_STRING && t.content.len() == cipher.iv_len() => t.content,
        _ => return Err(malformed("PBES2 IV")),
    };
    // PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT
    // hmacWithSHA1 }.
    let kdf_params = kdf_params.ok_or_else(|| malformed("PBKDF2-params"))?;
    if kdf_params.tag != SEQUENCE {
        return Err(malformed("PBKDF2-params"));
    }
    let mut k = Seq::of(kdf_params)?;
    let salt = match k.next()? {
        Some(t) if t.tag == OCTET_STRING => salt_value(t.content)?,
        Some(_) => {
            return Err(Pkcs12Error::Unsupported(
                "PBKDF2 salt otherSource".to_owned(),
            ));
        }
        None => return Err(malformed("PBKDF2 salt")),
    };
    let iterations = iteration_count(k.required(INTEGER, "PBKDF2 iterationCount")?)?;
    if let Some(key_length) = k.optional(INTEGER)?
        && der_to_u64(key_length.content)? != cipher.key_len() as u64
    {
        return Err(malformed("PBKDF2 keyLength"));
    }
    let prf = match k.optional(SEQUENCE)? {
        Some(t) => {
            let (prf_oid, prf_params) = algorithm_identifier(t)?;
            if prf_params.is_some_and(|p| p.tag != NULL) {
                return Err(malformed("PBKDF2 prf parameters"));
            }
            HashAlg::from_hmac_oid(prf_oid).ok_or_else(|| unsupported_oid("PBKDF2 prf", prf_oid))?
        }
        None => HashAlg::Sha1,
    };
    state.declare_kdf(iterations)?;
    if state.dry_run {
        return Ok(None);
    }
    state.charge(iterations, 2 * cipher.key_len().div_ceil(prf.output_len()))?;
    let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
    prf.pbkdf2(&state.passwords.pbes2, salt, iterations, &mut key);
    match cipher.decrypt(&key, iv, ciphertext) {
        Some(plain) if is_single_sequence(&plain) => Ok(Some(plain)),
        _ => Err(decryption_failed(state)),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {

    thread_local! {
        static DERIVATIONS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    /// Called by every key derivation (PKCS#12 KDF, PBKDF2) in test builds.
    pub(super) fn count_derivation() {
        DERIVATIONS.with(|d| d.set(d.get() + 1));
    }

    /// How many key derivations `f` ran on this thread.
    fn derivations<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = DERIVATIONS.with(|d| d.get());
        let out = f();
        (out, DERIVATIONS.with(|d| d.get()) - before)
    }

    /// An exportable EC PFX with the leaf and the CA certificate, written with `iterations`.
    fn pfx_with(iterations: Iterations) -> Vec<u8> {
        let key = pem_der("leaf.key.pem");
        let certs = [pem_der("leaf.crt.pem"), pem_der("ca.crt.pem")];
        encode_pfx(
            &service_contents(Some(&key), &certs, PfxKeyKind::Ec, None),
            0,
            iterations,
            &mut ChaCha20Rng::seed_from_u64(1),
        )
        .unwrap()
    }

    fn limits(f: impl FnOnce(&mut Pkcs12Limits)) -> Pkcs12Limits {
        let mut l = Pkcs12Limits::DEFAULT;
        f(&mut l);
        l
    }

    #[test]
    fn the_default_limits_are_dotnets() {
        let d = Pkcs12Limits::default();
        assert_eq!(
            (
                d.mac_iterations,
                d.kdf_iterations,
                d.total_kdf_iterations,
                d.max_keys,
                d.max_certificates
            ),
            (300_000, 300_000, 1_000_000, 200, 200)
        );
    }

    /// Each limit refuses a file one over it, before any key derivation, and accepts the
    /// same file at the limit (after deriving keys).
    #[test]
    fn every_limit_refuses_before_any_derivation() {
        let service = pfx_with(Iterations::SERVICE); // 2,000 everywhere, 1 key, 2 certificates
        let over = [
            (
                limits(|l| l.mac_iterations = 1_999),
                "MAC iteration count over the limit",
            ),
            (
                limits(|l| l.kdf_iterations = 1_999),
                "key derivation iteration count over the limit",
            ),
            (
                limits(|l| l.total_kdf_iterations = 3_999),
                "total key derivation iterations over the limit",
            ),
            (limits(|l| l.max_keys = 0), "too many keys"),
        ];
        for (limits, why) in over {
            let (result, runs) = derivations(|| decode_pfx_with_limits(&service, None, &limits));
            assert_eq!(result.unwrap_err(), Pkcs12Error::LimitExceeded(why));
            assert_eq!(runs, 0, "{why}: derivations ran before the refusal");
        }
        // The service encrypts its certificates: they are counted once their safe decrypts.
        let few = limits(|l| l.max_certificates = 1);
        assert_eq!(
            decode_pfx_with_limits(&service, None, &few).unwrap_err(),
            Pkcs12Error::LimitExceeded("too many certificates")
        );
        let at = limits(|l| {
            l.mac_iterations = 2_000;
            l.kdf_iterations = 2_000;
            l.total_kdf_iterations = 4_000;
            l.max_keys = 1;
            l.max_certificates = 2;
        });
        let (decoded, runs) = derivations(|| decode_pfx_with_limits(&service, None, &at));
        let decoded = decoded.unwrap();
        assert!(decoded.key_pkcs8.is_some());
        assert_eq!(decoded.certificates.len(), 2);
        assert!(
            runs >= 5,
            "MAC, then key and IV for two encrypted parts: {runs}"
        );
    }

    /// The default limits: a MAC or an encryption one iteration over 300,000 is refused
    /// without any derivation; 100,000 is read.
    #[test]
    fn the_default_limits_refuse_300_001_iterations_at_once() {
        let mac = pfx_with(Iterations {
            mac: 300_001,
            ..Iterations::SERVICE
        });
        let (result, runs) = derivations(|| decode_pfx(&mac, None));
        assert_eq!(
            result.unwrap_err(),
            Pkcs12Error::LimitExceeded("MAC iteration count over the limit")
        );
        assert_eq!(runs, 0);
        let key = pfx_with(Iterations {
            key: 300_001,
            ..Iterations::SERVICE
        });
        let (result, runs) = derivations(|| decode_pfx(&key, None));
        assert_eq!(
            result.unwrap_err(),
            Pkcs12Error::LimitExceeded("key derivation iteration count over the limit")
        );
        assert_eq!(runs, 0);
        let fine = pfx_with(Iterations {
            key: 100_000,
            certificates: 100_000,
            mac: 100_000,
        });
        assert!(decode_pfx(&fine, None).unwrap().key_pkcs8.is_some());
    }
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/data/pkcs12/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn pem_der(name: &str) -> Vec<u8> {
        let text = String::from_utf8(data(name)).unwrap();
        let (_, der) = pem_rfc7468::decode_vec(text.as_bytes()).unwrap();
        der
    }

    // Vectors computed with OpenSSL 3.0.19 (`openssl kdf -kdfopt digest:… -kdfopt hexpass:…
    // -kdfopt hexsalt:… -kdfopt iter:… -kdfopt id:… PKCS12KDF`). A and B are the classic
    // "smeg" vectors (also in Bouncy Castle's tests); C is the service's MAC key derivation
    // with the zero-length password, D the same with `00 00`; E and H need several rounds
    // of step 6 (H with all-ones inputs, so every addition carries); G uses v = 128.
    #[test]
    fn kdf_vectors() {
        let cases: [(HashAlg, &str, &str, u32, u8, usize, &str); 8] = [
            (
                HashAlg::Sha1,
                "0073006d006500670000",
                "0a58cf64530d823f",
                1,
                1,
                24,
                "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3",
            ),
            (
                HashAlg::Sha1,
                "0073006d006500670000",
                "0a58cf64530d823f",
                1,
                2,
                8,
                "79993DFE048D3B76",
            ),
            (
                HashAlg::Sha1,
                "",
                "0102030405060708090a0b0c0d0e0f1011121314",
                2000,
                3,
                20,
                "5B4387279A0F0DC8B31026FA61D158BFD3A17992",
            ),
            (
                HashAlg::Sha1,
                "0000",
                "0102030405060708090a0b0c0d0e0f1011121314",
                2000,
                3,
                20,
                "C6D3858C7D12B792B28647945F614B4E283CDC57",
            ),
            (
                HashAlg::Sha1,
                "0071007500650065006700000000",
                "05deadbeef",
                1000,
                1,
                70,
                "6F6D3A92A00069DD285F5096B24890C5C92A9AE5DB4DC3A78A0E7D9A629DBA4088F2D21AD6E17892DF26BBFDF43136542A6D90E27C6A69F9207861819B0A086FE0F82A88FD6C",
            ),
            (
                HashAlg::Sha256,
                "0000",
                "a1a2a3a4a5a6a7a8",
                2048,
                3,
                32,
                "9FD1F82332185043B111A1FAB138D6DE5FF452615EB154DEAE0C750A8BBD609B",
            ),
            (
                HashAlg::Sha512,
                "00700077000000",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879",
                3,
                1,
                150,
                "28801B9389D26E8442A3B469395495E18A2F96FA4298D00075FB153A2BED8E76B13DD2D761BC5415A0226453A4DF296F4C72F368F15A215C92BEC643BFF1B987D7D874646EB4CDA2B07875D610303A82D51163DBF0DE899E9DAF6BFB44889C910BDE868698A9943A0D909AD035D1205019D3727068EFE3A7A85886C2C7EF2D0F209D9C8D508FB1594AD4169EED1F62E5C23A89F5D50E",
            ),
            (
                HashAlg::Sha1,
                &"ff".repeat(64),
                "ffffffffffffffff",
                1,
                1,
                24,
                "BDF5D8CCC58C3305FCDF291B7D92E6D04EC0A9E106535ECD",
            ),
        ];
        for (hash, password, salt, iterations, id, len, expected) in cases {
            let got = hash.kdf(&hex(password), &hex(salt), id, iterations, len);
            assert_eq!(*got, hex(expected), "{hash:?} {password} id {id}");
        }
    }

    fn service_contents<'a>(
        key: Option<&'a [u8]>,
        certs: &'a [Vec<u8>],
        kind: PfxKeyKind,
        name: Option<&str>,
    ) -> PfxContents<'a> {
        PfxContents {
            key_pkcs8: key,
            certificates: certs,
            key_kind: kind,
            friendly_name: name.map(str::to_owned),
        }
    }

    /// Strips the PKCS#8 attributes (the service's key usage) from a PrivateKeyInfo.
    fn strip_pkcs8_attributes(pkcs8: &[u8]) -> Vec<u8> {
        let mut seq = Seq::of(parse_exact(pkcs8, SEQUENCE, 0).unwrap()).unwrap();
        let mut parts = Vec::new();
        while let Some(t) = seq.next().unwrap() {
            if t.tag != CONTEXT_0 {
                parts.push(t.raw);
            }
        }
        tlv(SEQUENCE, &parts)
    }

    /// The structure of a PFX with every salt, ciphertext and MAC zeroed: OCTET STRINGs
    /// that hold DER are walked into, the others are replaced by zeros of equal length.
    fn skeleton(der: &[u8]) -> Vec<u8> {
        fn walk(input: &[u8], out: &mut Vec<u8>) {
            let mut rest = input;
            while !rest.is_empty() {
                let (t, next) = parse_tlv(rest, 0).unwrap();
                let header = &t.raw[..t.raw.len() - t.content.len()];
                out.extend_from_slice(header);
                let holds_der =
                    t.tag == OCTET_STRING && parse_exact(t.content, SEQUENCE, 0).is_ok();
                if t.tag & CONSTRUCTED != 0 || holds_der {
                    walk(t.content, out);
                } else if t.tag == OCTET_STRING || t.tag == CONTEXT_0_PRIMITIVE {
                    out.extend(std::iter::repeat_n(0, t.content.len()));
                } else {
                    out.extend_from_slice(t.content);
                }
                rest = next;
            }
        }
        let mut out = Vec::new();
        walk(der, &mut out);
        out
    }

    /// The plaintexts of a PFX's encrypted parts, in file order (internal walk).
    fn plaintexts(der: &[u8], password: &[u8]) -> Vec<Vec<u8>> {
        fn pbe(password: &[u8], alg: Tlv<'_>, ct: &[u8]) -> Vec<u8> {
            let (oid, params) = algorithm_identifier(alg).unwrap();
            let cipher = if oid == OID_PBE_SHA1_3DES.as_bytes() {
                Pkcs12Cipher::TripleDes3
            } else {
                Pkcs12Cipher::Rc2_40
            };
            let mut p = Seq::of(params.unwrap()).unwrap();
            let salt = p.required(OCTET_STRING, "").unwrap();
            let it = iteration_count(p.required(INTEGER, "").unwrap()).unwrap();
            let key = pkcs12_kdf::<sha1::Sha1>(password, salt, 1, it, cipher.key_len());
            let iv = pkcs12_kdf::<sha1::Sha1>(password, salt, 2, it, 8);
            cipher.decrypt(&key, &iv, ct).unwrap().to_vec()
        }
        let mut out = Vec::new();
        let mut pfx = Seq::of(parse_exact(der, SEQUENCE, 0).unwrap()).unwrap();
        pfx.next().unwrap();
        let mut auth = Seq::of(pfx.next().unwrap().unwrap()).unwrap();
        auth.next().unwrap();
        let explicit = auth.next().unwrap().unwrap();
        let safe = parse_exact_any(explicit.content, 1).unwrap().content;
        let mut list = Seq::of(parse_exact(safe, SEQUENCE, 0).unwrap()).unwrap();
        while let Some(ci) = list.next().unwrap() {
            let mut ci = Seq::of(ci).unwrap();
            let kind = ci.required(OBJECT_IDENTIFIER, "").unwrap();
            let content = parse_exact_any(ci.next().unwrap().unwrap().content, 1).unwrap();
            if kind == OID_DATA.as_bytes() {
                let mut bags = Seq::of(parse_exact(content.content, SEQUENCE, 0).unwrap()).unwrap();
                while let Some(bag) = bags.next().unwrap() {
                    let mut bag = Seq::of(bag).unwrap();
                    bag.next().unwrap();
                    let value = parse_exact_any(bag.next().unwrap().unwrap().content, 1).unwrap();
                    let mut epki = Seq::of(value).unwrap();
                    let alg = epki.next().unwrap().unwrap();
                    let ct = epki.required(OCTET_STRING, "").unwrap();
                    out.push(pbe(password, alg, ct));
                }
            } else {
                let mut ed = Seq::of(content).unwrap();
                ed.next().unwrap();
                let mut eci = Seq::of(ed.next().unwrap().unwrap()).unwrap();
                eci.next().unwrap();
                let alg = eci.next().unwrap().unwrap();
                let ct = eci.next().unwrap().unwrap();
                out.push(pbe(password, alg, ct.content));
            }
        }
        out
    }

    /// Encodes the service's own key and certificate again and compares with the recorded
    /// PFX: identical structure (salts, ciphertexts and the MAC aside) and identical
    /// plaintexts (the PKCS#8 with its key usage, the bag attributes, the certificate bag).
    fn reproduces(file: &str, kind: PfxKeyKind) {
        let service = data(file);
        let decoded = decode_pfx(&service, None).unwrap();
        assert_eq!(decoded.mac_password, Some(PasswordForm::ZeroLength));
        let key = decoded
            .key_pkcs8
            .as_deref()
            .map(|k| strip_pkcs8_attributes(k));
        let contents = service_contents(
            key.as_deref(),
            &decoded.certificates,
            kind,
            decoded.key_attributes.friendly_name.as_deref(),
        );
        let ours = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
        assert_eq!(ours.len(), service.len(), "{file}");
        assert_eq!(skeleton(&ours), skeleton(&service), "{file}");
        assert_eq!(plaintexts(&ours, &[]), plaintexts(&service, &[]), "{file}");
        let again = decode_pfx(&ours, None).unwrap();
        assert_eq!(again.key_pkcs8, decoded.key_pkcs8);
        assert_eq!(again.certificates, decoded.certificates);
        assert_eq!(again.key_attributes, decoded.key_attributes);
        assert_eq!(again.certificate_attributes, decoded.certificate_attributes);
    }

    #[test]
    fn reproduces_the_service_rsa_pfx_2021() {
        reproduces("keyvault_rsa_2021.pfx", PfxKeyKind::Rsa);
    }

    #[test]
    fn reproduces_the_service_rsa_pfx_2024() {
        reproduces("keyvault_rsa_2024.pfx", PfxKeyKind::Rsa);
    }

    #[test]
    fn reproduces_the_service_ec_pfx_2024() {
        reproduces("keyvault_ec256_2024.pfx", PfxKeyKind::Ec);
    }

    #[test]
    fn reproduces_the_service_non_exportable_pfx_2024() {
        reproduces("keyvault_nonexportable_rsa_2024.pfx", PfxKeyKind::Rsa);
        let decoded = decode_pfx(&data("keyvault_nonexportable_rsa_2024.pfx"), None).unwrap();
        assert!(decoded.key_pkcs8.is_none());
        assert_eq!(
            decoded.certificate_attributes,
            vec![BagAttributes::default()]
        );
    }

    #[test]
    fn service_pfx_verify_only_with_the_zero_length_password() {
        for file in [
            "keyvault_rsa_2021.pfx",
            "keyvault_rsa_2024.pfx",
            "keyvault_ec256_2024.pfx",
            "keyvault_nonexportable_rsa_2024.pfx",
            "keyvault_rsa_rc2_2018.pfx",
        ] {
            let der = data(file);
            for password in [None, Some("")] {
                let d = decode_pfx(&der, password).unwrap();
                assert_eq!(d.mac_password, Some(PasswordForm::ZeroLength), "{file}");
                assert_eq!(d.certificates.len(), 1);
            }
            assert_eq!(
                decode_pfx(&der, Some("x")).unwrap_err(),
                Pkcs12Error::WrongPassword
            );
        }
        // 2018: RC2-40 certificates and the MAC iterations field omitted (DEFAULT 1).
        let old = decode_pfx(&data("keyvault_rsa_rc2_2018.pfx"), None).unwrap();
        assert!(old.key_pkcs8.is_some());
        assert_eq!(
            old.key_attributes.friendly_name.as_deref(),
            Some("3f91d24a-b53c-4e16-84cf-1169559395e0")
        );
    }

    fn rsa_key_and_cert(seed: u64) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
        let body = br#"{"policy":{"x509_props":{"subject":"CN=pfx"},"issuer":{"name":"Self"}}}"#;
        ec_or_rsa(body, seed)
    }

    fn ec_or_rsa(body: &[u8], seed: u64) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
        let vault = crate::Vault::new("https://v.vault.azure.net");
        let now = "2026-01-15T12:00:00Z".parse().unwrap();
        let issued = crate::service::create::create_from_json(
            "c",
            body,
            &vault,
            now,
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .unwrap();
        let cert = issued.completed.as_ref().unwrap().certificate.clone();
        (issued.key.to_pkcs8_der().unwrap(), cert)
    }

    #[test]
    fn round_trip_and_determinism() {
        let ec_body = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=pfx"},"issuer":{"name":"Self"}}}"#;
        for (kind, (key, cert)) in [
            (PfxKeyKind::Rsa, rsa_key_and_cert(1)),
            (PfxKeyKind::Ec, ec_or_rsa(ec_body, 2)),
        ] {
            let certs = vec![cert.clone()];
            let name = (kind == PfxKeyKind::Rsa).then_some("3f91d24a-b53c-4e16-84cf-1169559395e0");
            let contents = service_contents(Some(&key), &certs, kind, name);
            let a = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
            let b = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
            let c = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
            assert_eq!(a, b);
            assert_ne!(a, c);
            let decoded = decode_pfx(&a, None).unwrap();
            assert_eq!(decoded.mac_password, Some(PasswordForm::ZeroLength));
            assert_eq!(decoded.certificates, certs);
            let stored = decoded.key_pkcs8.unwrap();
            assert_eq!(strip_pkcs8_attributes(&stored), *key);
            let usage: &[u8] = match kind {
                PfxKeyKind::Rsa => &hex("a00d300b0603551d0f310403020010"),
                PfxKeyKind::Ec => &hex("a00d300b0603551d0f310403020080"),
            };
            assert!(stored.ends_with(usage));
            assert_eq!(
                decoded.key_attributes.local_key_id.as_deref(),
                Some(&[1u8, 0, 0, 0][..])
            );
            assert_eq!(decoded.key_attributes.friendly_name.as_deref(), name);
            assert_eq!(
                decoded.certificate_attributes[0].local_key_id.as_deref(),
                Some(&[1u8, 0, 0, 0][..])
            );
            // Decoding with `Some("")` is the same.
            assert!(decode_pfx(&a, Some("")).is_ok());
        }
    }

    #[test]
    fn exact_attribute_bytes() {
        let rsa = key_bag_attributes(
            PfxKeyKind::Rsa,
            Some("3f91d24a-b53c-4e16-84cf-1169559395e0"),
        )
        .unwrap();
        // localKeyID, exactly as recorded.
        assert!(rsa[3..].starts_with(&hex("301306092a864886f70d0109153106040401000000")));
        // CSP name header as recorded.
        let csp = hex("307906092b0601040182371101316c1e6a");
        assert!(rsa.windows(csp.len()).any(|w| w == csp));
        let ec = key_bag_attributes(PfxKeyKind::Ec, None).unwrap();
        assert!(
            !ec.windows(11)
                .any(|w| w == oid(&OID_FRIENDLY_NAME).as_slice())
        );
        assert!(bmp_string("\u{1F600}").is_err());
    }

    #[test]
    fn non_exportable_layout() {
        let (_, cert) = rsa_key_and_cert(3);
        let certs = vec![cert.clone(), cert.clone()];
        let contents = service_contents(None, &certs, PfxKeyKind::Rsa, None);
        let der = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        let plain = plaintexts(&der, &[]);
        assert_eq!(plain.len(), 1, "only the encryptedData ContentInfo");
        // Every cert bag ends with the empty attribute SET.
        let bag = safe_bag(
            &OID_CERT_BAG,
            &tlv(
                SEQUENCE,
                &[
                    &oid(&OID_X509_CERTIFICATE),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[&cert])]),
                ],
            ),
            &[0x31, 0x00],
        );
        assert_eq!(plain[0], tlv(SEQUENCE, &[&bag, &bag]));
        let decoded = decode_pfx(&der, None).unwrap();
        assert!(decoded.key_pkcs8.is_none());
        assert_eq!(decoded.certificates, certs);
    }

    #[test]
    fn encoder_refusals() {
        let (key, cert) = rsa_key_and_cert(4);
        let certs = vec![cert];
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert!(
            encode_service_pfx(
                &service_contents(Some(&key), &[], PfxKeyKind::Rsa, None),
                &mut rng
            )
            .is_err()
        );
        assert!(
            encode_service_pfx(
                &service_contents(Some(&key), &certs, PfxKeyKind::Ec, None),
                &mut rng
            )
            .is_err()
        );
        assert!(
            encode_service_pfx(
                &service_contents(Some(b"junk"), &certs, PfxKeyKind::Rsa, None),
                &mut rng
            )
            .is_err()
        );
        let junk_cert = vec![vec![1u8, 2, 3]];
        assert!(
            encode_service_pfx(
                &service_contents(Some(&key), &junk_cert, PfxKeyKind::Rsa, None),
                &mut rng
            )
            .is_err()
        );
        let contents = PfxContents {
            friendly_name: Some("\u{1F600}".into()),
            ..service_contents(Some(&key), &certs, PfxKeyKind::Rsa, None)
        };
        assert!(encode_service_pfx(&contents, &mut rng).is_err());
        assert!(format!("{contents:?}").contains("<elided>"));
    }

    #[test]
    fn existing_pkcs8_attributes_are_kept() {
        let with = data_pkcs8_with_attributes();
        let out = pkcs8_with_key_usage(&with, PfxKeyKind::Ec).unwrap();
        assert_eq!(*out, with);
    }

    fn data_pkcs8_with_attributes() -> Vec<u8> {
        let decoded = decode_pfx(&data("keyvault_ec256_2024.pfx"), None).unwrap();
        decoded.key_pkcs8.unwrap().to_vec()
    }

    #[test]
    fn decodes_openssl3_default() {
        let leaf = pem_der("leaf.crt.pem");
        let ca = pem_der("ca.crt.pem");
        let key = pem_der("leaf.key.pem");
        let d = decode_pfx(&data("openssl3_default.pfx"), Some("kvcert-test")).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()], "file order");
        assert_eq!(
            d.key_pkcs8.as_deref().map(Vec::as_slice),
            Some(key.as_slice())
        );
        assert_eq!(
            d.key_attributes.friendly_name.as_deref(),
            Some("kvcert leaf")
        );
        assert_eq!(
            d.key_attributes.local_key_id,
            d.certificate_attributes[0].local_key_id
        );
        assert_eq!(d.certificate_attributes[1], BagAttributes::default());
        assert_eq!(
            decode_pfx(&data("openssl3_default.pfx"), Some("wrong")).unwrap_err(),
            Pkcs12Error::WrongPassword
        );
        assert_eq!(
            decode_pfx(&data("openssl3_default.pfx"), None).unwrap_err(),
            Pkcs12Error::WrongPassword
        );
        // `-passout pass:`: MAC and PKCS#12 KDF with `00 00`, PBES2 with the empty string.
        for password in [None, Some("")] {
            let d = decode_pfx(&data("openssl3_default_emptypass.pfx"), password).unwrap();
            assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
            assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
            assert_eq!(
                d.key_pkcs8.as_deref().map(Vec::as_slice),
                Some(key.as_slice())
            );
        }
        let d = decode_pfx(&data("openssl3_unicode_pass.pfx"), Some("pässwörd")).unwrap();
        assert_eq!(d.certificates, vec![leaf]);
        assert!(d.key_pkcs8.is_some());
    }

    #[test]
    fn decodes_openssl_legacy() {
        let rsa = pem_der("rsa.crt.pem");
        let rsa_key = pem_der("rsa.key.pem");
        let d = decode_pfx(&data("openssl_legacy.pfx"), Some("kvcert-test")).unwrap();
        assert_eq!(d.certificates, vec![rsa]);
        assert_eq!(
            d.key_pkcs8.as_deref().map(Vec::as_slice),
            Some(rsa_key.as_slice())
        );
        assert_eq!(
            d.key_attributes.friendly_name.as_deref(),
            Some("kvcert rsa")
        );
        let leaf = pem_der("leaf.crt.pem");
        let ca = pem_der("ca.crt.pem");
        for password in [None, Some("")] {
            let d = decode_pfx(&data("openssl_legacy_emptypass.pfx"), password).unwrap();
            assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
            assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
        }
        let d = decode_pfx(&data("openssl_legacy_unicode_pass.pfx"), Some("pässwörd")).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates, vec![leaf]);
    }

    #[test]
    fn decodes_unencrypted_key_bag_without_mac() {
        let d = decode_pfx(&data("openssl_plain_nomac.pfx"), None).unwrap();
        assert_eq!(d.mac_password, None);
        assert_eq!(
            d.certificates,
            vec![pem_der("leaf.crt.pem"), pem_der("ca.crt.pem")]
        );
        assert_eq!(
            d.key_pkcs8.as_deref().map(Vec::as_slice),
            Some(pem_der("leaf.key.pem").as_slice())
        );
        // Nothing is encrypted, so any password reads it.
        assert!(decode_pfx(&data("openssl_plain_nomac.pfx"), Some("anything")).is_ok());
    }

    #[test]
    fn decodes_java_keytool() {
        let d = decode_pfx(&data("java_keytool.p12"), Some("kvcert-test")).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates.len(), 1);
        assert!(d.key_pkcs8.is_some());
        assert_eq!(d.key_attributes.friendly_name.as_deref(), Some("kvcert"));
        let cert = x509_cert::Certificate::from_der(&d.certificates[0]).unwrap();
        assert_eq!(
            cert.tbs_certificate().subject().to_string(),
            "CN=kvcert test java"
        );
        assert_eq!(
            decode_pfx(&data("java_keytool.p12"), Some("nope")).unwrap_err(),
            Pkcs12Error::WrongPassword
        );
    }

    use der::Decode;

    /// A PFX assembled here: plain bags of every kind (a crlBag, a secretBag, an sdsi
    /// certificate, a nested safeContentsBag holding a certificate), BER indefinite
    /// lengths and a constructed OCTET STRING, MAC with SHA-256 and `00 00`.
    fn handmade(bags: &[Vec<u8>], indefinite: bool) -> Vec<u8> {
        let refs: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
        let safe_contents = tlv(SEQUENCE, &refs);
        let ci = if indefinite {
            // data ContentInfo with indefinite lengths and the OCTET STRING in two segments.
            let (a, b) = safe_contents.split_at(safe_contents.len() / 2);
            let mut v = vec![0x30, 0x80];
            v.extend(oid(&OID_DATA));
            v.extend([0xa0, 0x80, 0x24, 0x80]);
            v.extend(tlv(OCTET_STRING, &[a]));
            v.extend(tlv(OCTET_STRING, &[b]));
            v.extend([0, 0, 0, 0, 0, 0]);
            v
        } else {
            content_info_data(&safe_contents)
        };
        let auth = tlv(SEQUENCE, &[&ci]);
        let salt = [7u8; 8];
        let key = HashAlg::Sha256.kdf(&[0, 0], &salt, KDF_ID_MAC, 3, 32);
        let mac = hmac_tag::<sha2::Sha256>(&key, &auth).unwrap();
        let mac_data = tlv(
            SEQUENCE,
            &[
                &tlv(
                    SEQUENCE,
                    &[
                        &tlv(SEQUENCE, &[&oid(&OID_SHA256), &[0x05, 0x00]]),
                        &tlv(OCTET_STRING, &[&mac]),
                    ],
                ),
                &tlv(OCTET_STRING, &[&salt]),
                &der_uint(3),
            ],
        );
        tlv(
            SEQUENCE,
            &[&der_uint(3), &content_info_data(&auth), &mac_data],
        )
    }

    fn cert_bag(cert: &[u8], cert_type: &ObjectIdentifier) -> Vec<u8> {
        safe_bag(
            &OID_CERT_BAG,
            &tlv(
                SEQUENCE,
                &[
                    &oid(cert_type),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[cert])]),
                ],
            ),
            &tlv(SET, &[]),
        )
    }

    #[test]
    fn skips_unknown_bags_and_reads_ber() {
        let leaf = pem_der("leaf.crt.pem");
        let ca = pem_der("ca.crt.pem");
        let crl_bag = safe_bag(
            &ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.4"),
            &tlv(
                SEQUENCE,
                &[
                    &oid(&ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.23.1")),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[b"crl"])]),
                ],
            ),
            &tlv(SET, &[]),
        );
        let secret_bag = safe_bag(
            &ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5"),
            &tlv(
                SEQUENCE,
                &[
                    &oid(&OID_DATA),
                    &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[b"s"])]),
                ],
            ),
            &tlv(SET, &[]),
        );
        let sdsi = cert_bag(
            b"not x509",
            &ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.2"),
        );
        let nested = safe_bag(
            &OID_SAFE_CONTENTS_BAG,
            &tlv(SEQUENCE, &[&cert_bag(&ca, &OID_X509_CERTIFICATE)]),
            &[],
        );
        let bags = vec![
            crl_bag,
            cert_bag(&leaf, &OID_X509_CERTIFICATE),
            secret_bag,
            sdsi,
            nested,
        ];
        for indefinite in [false, true] {
            let pfx = handmade(&bags, indefinite);
            let d = decode_pfx(&pfx, None).unwrap();
            assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
            assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
            assert!(d.key_pkcs8.is_none());
        }
        // Two keys are refused.
        let key = pem_der("leaf.key.pem");
        let key_bag = safe_bag(&OID_KEY_BAG, &key, &tlv(SET, &[]));
        let pfx = handmade(&[key_bag.clone(), key_bag], false);
        assert_eq!(
            decode_pfx(&pfx, None).unwrap_err(),
            Pkcs12Error::MultipleKeys
        );
        // Too deep nesting of safeContentsBag.
        let mut bag = cert_bag(&leaf, &OID_X509_CERTIFICATE);
        for _ in 0..=MAX_BAG_NESTING {
            bag = safe_bag(&OID_SAFE_CONTENTS_BAG, &tlv(SEQUENCE, &[&bag]), &[]);
        }
        assert_eq!(
            decode_pfx(&handmade(&[bag], false), None).unwrap_err(),
            Pkcs12Error::LimitExceeded("safeContentsBag nesting")
        );
        // Too many bags.
        let many = vec![
            tlv(
                SEQUENCE,
                &[&oid(&OID_DATA), &tlv(CONTEXT_0, &[&[0x05, 0x00]])]
            );
            MAX_BAGS + 1
        ];
        assert_eq!(
            decode_pfx(&handmade(&many, false), None).unwrap_err(),
            Pkcs12Error::LimitExceeded("too many bags")
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(
            decode_pfx(&vec![0u8; MAX_PFX_LEN + 1], None).unwrap_err(),
            Pkcs12Error::TooLarge {
                len: MAX_PFX_LEN + 1
            }
        );
        // Counts over u32 are over every limit; zero is malformed.
        assert_eq!(
            iteration_count(&hex("0100000000")).unwrap_err(),
            Pkcs12Error::LimitExceeded("iteration count over the limit")
        );
        assert_eq!(iteration_count(&hex("00989680")).unwrap(), 10_000_000);
        assert!(iteration_count(&hex("00")).is_err());
        assert!(iteration_count(&hex("ff")).is_err());
        assert!(Passwords::new(Some(&"x".repeat(MAX_PASSWORD_CHARS + 1))).is_err());
        // Deeply nested indefinite lengths.
        let mut deep = [0x30, 0x80].repeat(200);
        deep.extend(vec![0u8; 400]);
        assert_eq!(
            decode_pfx(&deep, None).unwrap_err(),
            Pkcs12Error::Malformed("nesting too deep")
        );
    }

    #[test]
    fn truncated_and_garbage_input_never_panics() {
        let mut inputs = vec![
            data("keyvault_rsa_2021.pfx"),
            data("openssl3_default.pfx"),
            data("openssl_legacy_emptypass.pfx"),
            data("openssl_plain_nomac.pfx"),
            data("java_keytool.p12"),
        ];
        inputs.push(Vec::new());
        inputs.push(vec![0x30]);
        inputs.push(vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff]);
        inputs.push(vec![0x30, 0x80]);
        inputs.push(vec![0x04, 0x80, 0x00, 0x00]);
        inputs.push(vec![0x1f, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
        for input in &inputs {
            // The whole input: read or refused, never a panic (the files need other passwords).
            let whole = std::panic::catch_unwind(|| decode_pfx(input, None).is_ok());
            assert!(whole.is_ok(), "panicked on a whole input");
            // Every truncation is refused.
            for len in (0..input.len()).step_by(7) {
                assert!(
                    decode_pfx(&input[..len], None).is_err(),
                    "truncated to {len}"
                );
            }
        }
        // Bit flips in a file with a MAC: the MAC (or the structure around it) refuses every one.
        let base = data("keyvault_ec256_2024.pfx");
        assert!(decode_pfx(&base, None).is_ok(), "the unflipped file reads");
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for _ in 0..300 {
            let mut m = base.clone();
            let i = (rand_core::Rng::next_u32(&mut rng) as usize) % m.len();
            let bit = rand_core::Rng::next_u32(&mut rng) % 8;
            m[i] ^= 1 << bit;
            assert!(
                decode_pfx(&m, None).is_err(),
                "a flip of bit {bit} at byte {i} of a MAC-protected file was accepted"
            );
        }
        // Without a MAC nothing vouches for the bytes: a change may be read, but only into
        // certificates that are still one DER SEQUENCE each, and some changes are refused.
        let plain = data("openssl_plain_nomac.pfx");
        let mut refused = 0;
        for i in 0..plain.len() {
            let mut m = plain.clone();
            m[i] = m[i].wrapping_add(0x41);
            match decode_pfx(&m, None) {
                Ok(d) => assert!(d.certificates.iter().all(|c| is_single_sequence(c))),
                Err(_) => refused += 1,
            }
        }
        assert!(refused > 0, "no change of {} bytes refused", plain.len());
    }

    #[test]
    fn errors_display() {
        assert_eq!(
            Pkcs12Error::WrongPassword.to_string(),
            "PKCS#12 MAC verification or decryption failed: wrong password"
        );
        assert!(
            Pkcs12Error::Unsupported("x".into())
                .to_string()
                .contains('x')
        );
        let e = unsupported_oid("MAC algorithm", OID_SHA1.as_bytes());
        assert_eq!(
            e,
            Pkcs12Error::Unsupported("MAC algorithm 1.3.14.3.2.26".into())
        );
        let d = decode_pfx(&data("keyvault_ec256_2024.pfx"), None).unwrap();
        assert!(format!("{d:?}").contains("<elided>"));
    }

    #[test]
    fn der_writer() {
        assert_eq!(der_uint(0), hex("020100"));
        assert_eq!(der_uint(3), hex("020103"));
        assert_eq!(der_uint(128), hex("02020080"));
        assert_eq!(der_uint(2000), hex("020207d0"));
        assert_eq!(tlv(OCTET_STRING, &[&[0u8; 200]])[..3], hex("0481c8")[..]);
        assert_eq!(tlv(OCTET_STRING, &[&[0u8; 300]])[..4], hex("0482012c")[..]);
        let input = hex("0481050102030405ff");
        let (t, rest) = parse_tlv(&input, 0).unwrap();
        assert_eq!(t.content, hex("0102030405"));
        assert_eq!(rest, [0xff]);
    }
}
