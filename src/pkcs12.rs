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
//! Not supported (reported as [`Error::Unsupported`]): public-key integrity
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
//!
//! # The parts
//!
//! | file | holds |
//! |---|---|
//! | `encode.rs` | the writer: the service's layout, salts, encryption, MAC |
//! | `syntax.rs` | the ASN.1 structures the writer emits, as `der` types |
//! | `decode.rs` | the reader: the two passes, the MAC, the bags |
//! | `state.rs` | the decoder's passwords and work budget |
//! | `ber.rs` | bounded BER/DER reading of untrusted input |
//! | `kdf.rs` | the PKCS#12 KDF, PBKDF2 and the hash dispatch |
//! | `pbe.rs` | PKCS#12 PBE and PBES2 decryption, their ciphers |
//! | `limits.rs`, `error.rs` | [`Pkcs12Limits`] and the size bounds; [`Error`] |
//! | `oid.rs` | the OIDs and fixed values |
//! | `tests.rs`, `tests/tlv.rs` | the tests, and the small TLV writer they build expected and hostile bytes with |

use core::fmt;

use zeroize::Zeroizing;

pub(crate) mod error;
pub(crate) mod limits;
pub use error::Error;
pub use limits::{MAX_BAGS, MAX_CONTENT_INFOS, MAX_PASSWORD_CHARS, MAX_PFX_LEN, Pkcs12Limits};

mod ber;
mod decode;
mod encode;
mod kdf;
mod oid;
mod pbe;
mod state;
mod syntax;
#[cfg(test)]
mod tests;

pub use decode::{decode_pfx, decode_pfx_with_limits};
pub use encode::encode_service_pfx;
pub(crate) use encode::encode_service_pfx_with_leaf;

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
