//! Decryption: PKCS#12 PBE (RFC 7292 Appendix C) and PBES2 (RFC 8018 §6.2) with their ciphers.

use super::PasswordForm;
use super::ber::{
    INTEGER, NULL, OCTET_STRING, SEQUENCE, Seq, Tlv, der_to_u64, is_single_sequence, malformed,
    unsupported_oid,
};
use super::ber::{algorithm_identifier, iteration_count, salt_value};
use super::error::Error;
use super::kdf::{HashAlg, KDF_ID_IV, KDF_ID_KEY, pkcs12_kdf};
use super::oid::{
    OID_AES128_CBC, OID_AES192_CBC, OID_AES256_CBC, OID_DES_EDE3_CBC, OID_PBE_SHA1_2DES,
    OID_PBE_SHA1_3DES, OID_PBE_SHA1_RC2_40, OID_PBE_SHA1_RC2_128, OID_PBES2, OID_PBKDF2,
};
use super::state::DecodeState;

use cbc::cipher::BlockModeDecrypt;
use cbc::cipher::BlockModeEncrypt;

use cbc::cipher::InnerIvInit;
use cbc::cipher::KeyIvInit;
use hmac::KeyInit;

use cbc::cipher::BlockCipherDecrypt;
use cbc::cipher::block_padding::Pkcs7;
use zeroize::Zeroizing;

/// Decrypts with a PKCS#12 PBE scheme (Appendix C) or PBES2 (RFC 8018 §6.2). The plaintext
/// must be exactly one SEQUENCE (SafeContents or PrivateKeyInfo): a wrong password shows
/// as bad padding or, rarely, as a padding that happens to be valid over garbage.
pub(super) fn decrypt(
    state: &mut DecodeState,
    algorithm: Tlv<'_>,
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
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
pub(super) fn decryption_failed(state: &DecodeState) -> Error {
    if state.out.mac_password.is_some() {
        malformed("an encrypted part does not decrypt with the password the MAC verified")
    } else {
        Error::WrongPassword
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Pkcs12Cipher {
    TripleDes3,
    TripleDes2,
    Rc2_128,
    Rc2_40,
}

impl Pkcs12Cipher {
    pub(super) fn key_len(self) -> usize {
        match self {
            Pkcs12Cipher::TripleDes3 => 24,
            Pkcs12Cipher::TripleDes2 | Pkcs12Cipher::Rc2_128 => 16,
            Pkcs12Cipher::Rc2_40 => 5,
        }
    }

    pub(super) fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
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
pub(super) fn cbc_decrypt<C: BlockCipherDecrypt>(
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
pub(super) enum Pbes2Cipher {
    Aes128,
    Aes192,
    Aes256,
    TripleDes,
}

impl Pbes2Cipher {
    pub(super) fn from_oid(oid: &[u8]) -> Option<Self> {
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

    pub(super) fn key_len(self) -> usize {
        match self {
            Pbes2Cipher::Aes128 => 16,
            Pbes2Cipher::Aes192 | Pbes2Cipher::TripleDes => 24,
            Pbes2Cipher::Aes256 => 32,
        }
    }

    pub(super) fn iv_len(self) -> usize {
        match self {
            Pbes2Cipher::TripleDes => 8,
            _ => 16,
        }
    }

    pub(super) fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
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
pub(super) fn decrypt_pbes2(
    state: &mut DecodeState,
    params: Tlv<'_>,
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
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
            return Err(Error::Unsupported("PBKDF2 salt otherSource".to_owned()));
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

/// pbeWithSHAAnd3-KeyTripleDES-CBC encryption with the zero-length password (Appendix C;
/// key and IV from the B.2 KDF with ID 1 and 2; PKCS#7 padding, RFC 8018 §6.1.1 step 4).
pub(super) fn pbe_3des_encrypt(
    salt: &[u8],
    iterations: u32,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let key = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_KEY, iterations, 24);
    let iv = pkcs12_kdf::<sha1::Sha1>(&[], salt, KDF_ID_IV, iterations, 8);
    let encryptor = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
        .map_err(|_| Error::Crypto("3DES key length"))?;
    Ok(encryptor.encrypt_padded_vec::<Pkcs7>(plaintext))
}
