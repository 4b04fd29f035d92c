//! Key derivation: the PKCS#12 KDF (RFC 7292 Appendix B.2), PBKDF2, and the hash dispatch.

use super::oid::{
    OID_HMAC_SHA1, OID_HMAC_SHA224, OID_HMAC_SHA256, OID_HMAC_SHA384, OID_HMAC_SHA512, OID_SHA1,
    OID_SHA224, OID_SHA256, OID_SHA384, OID_SHA512, OID_SHA512_224, OID_SHA512_256,
};
#[cfg(test)]
use super::tests;

use zeroize::Zeroize;

use cbc::cipher::KeyInit;
use hmac::EagerHash;
use hmac::Hmac;
use hmac::Mac;
use hmac::digest::Digest;
use hmac::digest::block_api::BlockSizeUser;
use zeroize::Zeroizing;

/// Diversifier ID 1: key material for encryption (B.3).
pub(super) const KDF_ID_KEY: u8 = 1;
/// Diversifier ID 2: the IV (B.3).
pub(super) const KDF_ID_IV: u8 = 2;
/// Diversifier ID 3: the MAC key (B.3).
pub(super) const KDF_ID_MAC: u8 = 3;

/// RFC 7292 B.2: derives `out_len` bytes from the formatted `password` (B.1; empty for the
/// zero-length password), `salt`, the diversifier `id` and `iterations` (at least 1).
pub(super) fn pkcs12_kdf<D: EagerHash>(
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
pub(super) enum HashAlg {
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
    pub(super) fn from_digest_oid(oid: &[u8]) -> Option<Self> {
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

    pub(super) fn from_hmac_oid(oid: &[u8]) -> Option<Self> {
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

    pub(super) fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 | HashAlg::Sha512_224 => 28,
            HashAlg::Sha256 | HashAlg::Sha512_256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    pub(super) fn kdf(
        self,
        password: &[u8],
        salt: &[u8],
        id: u8,
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        with_hash!(self, pkcs12_kdf(password, salt, id, iterations, len))
    }

    pub(super) fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
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

    pub(super) fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        with_hash!(self, pbkdf2_into(password, salt, iterations, out))
    }
}

pub(super) fn pbkdf2_into<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    #[cfg(test)]
    tests::count_derivation();
    pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, out);
}
