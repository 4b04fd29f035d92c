//! The ASN.1 syntax the writer emits (RFC 7292, RFC 2315, RFC 5208), as `der` types.
//!
//! Each structure is written by `der`'s derive, so lengths and tags are `der`'s. The one
//! departure from DER is [`InOrder`]: the service writes the key bag's attribute SET in its
//! own order (localKeyID, friendlyName, CSP name), not sorted as X.690 §11.6 asks; for the
//! names the service writes the two orders coincide, for a caller's long friendly name they
//! need not.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};
use spki::AlgorithmIdentifierRef;

/// `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData
/// OPTIONAL }` (RFC 7292 §4); the service always writes the MAC.
#[derive(Sequence)]
pub(super) struct Pfx<'a> {
    pub(super) version: u8,
    pub(super) auth_safe: ContentInfo<'a>,
    pub(super) mac_data: MacData<'a>,
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }` (RFC 2315 §7).
#[derive(Sequence)]
pub(super) struct ContentInfo<'a> {
    pub(super) content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub(super) content: AnyRef<'a>,
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER }`
/// (RFC 7292 §4; the iterations' DEFAULT 1 is never used by the service).
#[derive(Sequence)]
pub(super) struct MacData<'a> {
    pub(super) mac: DigestInfo<'a>,
    pub(super) mac_salt: &'a OctetStringRef,
    pub(super) iterations: u32,
}

/// `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }`
/// (RFC 8017 §9.2 / PKCS#7).
#[derive(Sequence)]
pub(super) struct DigestInfo<'a> {
    pub(super) digest_algorithm: AlgorithmIdentifierRef<'a>,
    pub(super) digest: &'a OctetStringRef,
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF
/// PKCS12Attribute OPTIONAL }` (RFC 7292 §4.2); the service always writes the SET, empty
/// (`31 00`) when there is nothing in it.
#[derive(Sequence)]
pub(super) struct SafeBag<'a> {
    pub(super) bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub(super) bag_value: AnyRef<'a>,
    pub(super) bag_attributes: InOrder<Attribute<'a>>,
}

/// `PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }` (RFC 7292 §4.2),
/// with the values in the order given.
#[derive(Sequence)]
pub(super) struct Attribute<'a> {
    pub(super) attr_id: ObjectIdentifier,
    pub(super) attr_values: InOrder<AnyRef<'a>>,
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`
/// (RFC 7292 §4.2.3; x509Certificate: the DER in the OCTET STRING).
#[derive(Sequence)]
pub(super) struct CertBag<'a> {
    pub(super) cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub(super) cert_value: &'a OctetStringRef,
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier,
/// encryptedData OCTET STRING }` (RFC 5208 §6), with a PKCS#12 PBE algorithm.
#[derive(Sequence)]
pub(super) struct EncryptedPrivateKeyInfo<'a> {
    pub(super) encryption_algorithm: PbeAlgorithm<'a>,
    pub(super) encrypted_data: &'a OctetStringRef,
}

/// `AlgorithmIdentifier { pbe OID, pkcs-12PbeParams }` (RFC 7292 Appendix C).
#[derive(Sequence)]
pub(super) struct PbeAlgorithm<'a> {
    pub(super) algorithm: ObjectIdentifier,
    pub(super) parameters: PbeParams<'a>,
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }` (Appendix C).
#[derive(Sequence)]
pub(super) struct PbeParams<'a> {
    pub(super) salt: &'a OctetStringRef,
    pub(super) iterations: u32,
}

/// `EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo }` (RFC 2315 §13).
#[derive(Sequence)]
pub(super) struct EncryptedData<'a> {
    pub(super) version: u8,
    pub(super) encrypted_content_info: EncryptedContentInfo<'a>,
}

/// `EncryptedContentInfo ::= SEQUENCE { contentType OID, contentEncryptionAlgorithm,
/// encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }` (RFC 2315 §10.1), the content
/// primitive as the service writes it.
#[derive(Sequence)]
pub(super) struct EncryptedContentInfo<'a> {
    pub(super) content_type: ObjectIdentifier,
    pub(super) content_encryption_algorithm: PbeAlgorithm<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    pub(super) encrypted_content: &'a OctetStringRef,
}

/// A `SET OF` written in the order of its elements (see the [module docs](self)).
pub(super) struct InOrder<T>(pub(super) Vec<T>);

impl<T> FixedTag for InOrder<T> {
    const TAG: Tag = Tag::Set;
}

impl<T: der::Encode> EncodeValue for InOrder<T> {
    fn value_len(&self) -> der::Result<Length> {
        self.0
            .iter()
            .try_fold(Length::ZERO, |sum, e| sum + e.encoded_len()?)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.iter().try_for_each(|e| e.encode(writer))
    }
}

impl<'a, T: der::Decode<'a, Error = der::Error>> DecodeValue<'a> for InOrder<T> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let mut out = Vec::new();
        while !reader.is_finished() {
            out.push(T::decode(reader)?);
        }
        Ok(InOrder(out))
    }
}
