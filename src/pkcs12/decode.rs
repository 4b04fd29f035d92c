//! The reader: a PFX from an upload, bounded by [`Pkcs12Limits`] (checked before any work).

use super::ber::{
    BMP_STRING, CONTEXT_0, CONTEXT_0_PRIMITIVE, INTEGER, MAX_BAG_NESTING, NULL, OBJECT_IDENTIFIER,
    OCTET_STRING, OCTET_STRING_CONSTRUCTED, SEQUENCE, SET, Seq, Tlv, der_to_u64,
    is_single_sequence, malformed, octets, parse_exact, parse_exact_any, unsupported_oid,
};
use super::ber::{algorithm_identifier, iteration_count, salt_value};
use super::error::Error;
use super::kdf::{HashAlg, KDF_ID_MAC};
use super::limits::{MAX_BAGS, MAX_CONTENT_INFOS, MAX_PFX_LEN, Pkcs12Limits};
use super::oid::{
    OID_CERT_BAG, OID_DATA, OID_ENCRYPTED_DATA, OID_FRIENDLY_NAME, OID_KEY_BAG, OID_LOCAL_KEY_ID,
    OID_PKCS8_SHROUDED_KEY_BAG, OID_SAFE_CONTENTS_BAG, OID_X509_CERTIFICATE,
};
use super::pbe::decrypt;
use super::state::{DecodeState, Passwords};
use super::{BagAttributes, DecodedPfx, PasswordForm};

use zeroize::Zeroizing;

/// Reads a PFX: verifies the MAC (when present), decrypts the bags and returns the private
/// key and the certificates.
///
/// `password`: see the [module docs](crate::pkcs12). Never panics; every size and the work spent on
/// key derivation is bounded.
///
/// # Errors
///
/// [`Error::WrongPassword`] when the MAC fails with every form of the password (or,
/// without a MAC, nothing decrypts); the other variants for malformed, unsupported or
/// oversized input.
pub fn decode_pfx(der: &[u8], password: Option<&str>) -> Result<DecodedPfx, Error> {
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
) -> Result<DecodedPfx, Error> {
    if der.len() > MAX_PFX_LEN {
        return Err(Error::TooLarge { len: der.len() });
    }
    let passwords = Passwords::new(password)?;
    // The first pass only looks: it derives nothing, so it needs no password.
    read_pfx(der, DecodeState::new(Passwords::none(), limits, true))?;
    read_pfx(der, DecodeState::new(passwords, limits, false))
}

/// One pass over the PFX (see [`decode_pfx_with_limits`]).
pub(super) fn read_pfx(der: &[u8], mut state: DecodeState) -> Result<DecodedPfx, Error> {
    // PFX ::= SEQUENCE { version, authSafe ContentInfo, macData MacData OPTIONAL } (§4).
    let pfx = parse_exact(der, SEQUENCE, 0)?;
    let mut pfx = Seq::of(pfx)?;
    let version = der_to_u64(pfx.required(INTEGER, "PFX version")?)?;
    if version != 3 {
        return Err(Error::UnsupportedVersion(version));
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
            return Err(Error::LimitExceeded("too many ContentInfos"));
        }
        read_content_info(&mut state, content_info)?;
    }
    Ok(state.out)
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// MacData (§4, B.4): finds the password form whose HMAC matches (`None` on the first pass,
/// which only checks the iteration count).
pub(super) fn verify_mac(
    state: &mut DecodeState,
    mac_data: Tlv<'_>,
    authenticated_safe: &[u8],
) -> Result<Option<PasswordForm>, Error> {
    let mut seq = Seq::of(mac_data)?;
    let digest_info = seq.required_tlv(SEQUENCE, "MacData DigestInfo")?;
    let salt = salt_value(seq.required(OCTET_STRING, "MacData salt")?)?;
    let iterations = match seq.optional(INTEGER)? {
        Some(t) => iteration_count(t.content)?,
        // `iterations INTEGER DEFAULT 1` (§4): the 2018 service omitted it.
        None => 1,
    };
    if iterations > state.limits.mac_iterations {
        return Err(Error::LimitExceeded("MAC iteration count over the limit"));
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
    Err(Error::WrongPassword)
}

/// One ContentInfo of the AuthenticatedSafe (§4.1): plain `data` or `encryptedData`.
pub(super) fn read_content_info(state: &mut DecodeState, t: Tlv<'_>) -> Result<(), Error> {
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
pub(super) fn read_safe_contents(
    state: &mut DecodeState,
    der: &[u8],
    nesting: usize,
) -> Result<(), Error> {
    if nesting > MAX_BAG_NESTING {
        return Err(Error::LimitExceeded("safeContentsBag nesting"));
    }
    let list = parse_exact(der, SEQUENCE, 0)?;
    let mut list = Seq::of(list)?;
    while let Some(bag) = list.next()? {
        state.bags += 1;
        if state.bags > MAX_BAGS {
            return Err(Error::LimitExceeded("too many bags"));
        }
        read_safe_bag(state, bag, nesting)?;
    }
    Ok(())
}

pub(super) fn read_safe_bag(
    state: &mut DecodeState,
    bag: Tlv<'_>,
    nesting: usize,
) -> Result<(), Error> {
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
            return Err(Error::LimitExceeded("too many certificates"));
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

pub(super) fn store_key(
    state: &mut DecodeState,
    key: Zeroizing<Vec<u8>>,
    attributes: BagAttributes,
) -> Result<(), Error> {
    if state.out.key_pkcs8.is_some() {
        return Err(Error::MultipleKeys);
    }
    state.out.key_pkcs8 = Some(key);
    state.out.key_attributes = attributes;
    Ok(())
}

/// `SET OF PKCS12Attribute` (§4.2): localKeyID and friendlyName; others are ignored, as is
/// a value of an unexpected type.
pub(super) fn read_attributes(set: Tlv<'_>) -> Result<BagAttributes, Error> {
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
