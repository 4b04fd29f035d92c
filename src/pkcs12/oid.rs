//! The object identifiers and fixed values PKCS#12 files carry.

use const_oid::ObjectIdentifier;

pub(super) const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(super) const OID_ENCRYPTED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

// RFC 7292 §4.2 bag types.
pub(super) const OID_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
pub(super) const OID_PKCS8_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
pub(super) const OID_CERT_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
pub(super) const OID_SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
pub(super) const OID_X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

// PKCS#9 attributes and Microsoft's CSP name.
pub(super) const OID_FRIENDLY_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
pub(super) const OID_LOCAL_KEY_ID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
pub(super) const OID_MS_CSP_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.17.1");

// RFC 7292 Appendix C.
pub(super) const OID_PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
pub(super) const OID_PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
pub(super) const OID_PBE_SHA1_3DES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
pub(super) const OID_PBE_SHA1_2DES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");

// RFC 8018.
pub(super) const OID_PBES2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
pub(super) const OID_PBKDF2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
pub(super) const OID_HMAC_SHA1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
pub(super) const OID_HMAC_SHA224: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
pub(super) const OID_HMAC_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
pub(super) const OID_HMAC_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
pub(super) const OID_HMAC_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
pub(super) const OID_AES128_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
pub(super) const OID_AES192_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
pub(super) const OID_AES256_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
pub(super) const OID_DES_EDE3_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

// Digests for the MAC.
pub(super) const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
pub(super) const OID_SHA224: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
pub(super) const OID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(super) const OID_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(super) const OID_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
pub(super) const OID_SHA512_224: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.5");
pub(super) const OID_SHA512_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.6");

pub(super) const OID_RSA_ENCRYPTION: ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;
pub(super) const OID_EC_PUBLIC_KEY: ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;

/// The service's `localKeyID` value.
pub(super) const SERVICE_LOCAL_KEY_ID: [u8; 4] = [0x01, 0x00, 0x00, 0x00];
pub(super) const CSP_RSA: &str = "Microsoft Enhanced RSA and AES Cryptographic Provider";
pub(super) const CSP_EC: &str = "Microsoft Software Key Storage Provider";
