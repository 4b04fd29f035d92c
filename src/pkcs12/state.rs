//! The decoder's state: the password in every form it tries, and the work it may still spend
//! ([`Pkcs12Limits`]), shared by the reader and the decryption.

use super::error::Error;
use super::limits::{MAX_PASSWORD_CHARS, Pkcs12Limits};
use super::{DecodedPfx, PasswordForm};

use zeroize::Zeroizing;

/// The password forms tried at most per derivation (see [`PasswordForm`]).
pub(super) const MAX_PASSWORD_FORMS: u64 = 2;

/// The password in every form the decoder tries.
pub(super) struct Passwords {
    /// For the MAC and PKCS#12 PBE, in the order tried.
    pub(super) pkcs12: Vec<(PasswordForm, Zeroizing<Vec<u8>>)>,
    /// For PBES2 (RFC 8018: an octet string; UTF-8 as OpenSSL and Java).
    pub(super) pbes2: Zeroizing<Vec<u8>>,
}

impl Passwords {
    /// No password: for the first pass, which derives nothing.
    pub(super) fn none() -> Self {
        Passwords {
            pkcs12: Vec::new(),
            pbes2: Zeroizing::new(Vec::new()),
        }
    }

    pub(super) fn new(password: Option<&str>) -> Result<Self, Error> {
        let password = password.unwrap_or("");
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(Error::LimitExceeded("password too long"));
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
    pub(super) fn prefer(&mut self, form: PasswordForm) {
        if let Some(i) = self.pkcs12.iter().position(|(f, _)| *f == form) {
            let entry = self.pkcs12.remove(i);
            self.pkcs12.insert(0, entry);
        }
    }
}

pub(super) struct DecodeState {
    pub(super) passwords: Passwords,
    pub(super) limits: Pkcs12Limits,
    /// The first pass: check what the file declares, derive nothing.
    pub(super) dry_run: bool,
    /// The sum of the encryption derivations' iteration counts declared so far.
    pub(super) declared_kdf: u64,
    /// Hash iterations left: a bound on the work actually done, every password form and
    /// output block counted (the limits bound the declared counts).
    pub(super) budget: u64,
    pub(super) bags: usize,
    pub(super) keys: usize,
    pub(super) certificates: usize,
    pub(super) out: DecodedPfx,
}

impl DecodeState {
    pub(super) fn new(passwords: Passwords, limits: &Pkcs12Limits, dry_run: bool) -> Self {
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
    pub(super) fn declare_kdf(&mut self, iterations: u32) -> Result<(), Error> {
        if iterations > self.limits.kdf_iterations {
            return Err(Error::LimitExceeded(
                "key derivation iteration count over the limit",
            ));
        }
        self.declared_kdf = self.declared_kdf.saturating_add(u64::from(iterations));
        if self.declared_kdf > self.limits.total_kdf_iterations {
            return Err(Error::LimitExceeded(
                "total key derivation iterations over the limit",
            ));
        }
        Ok(())
    }

    /// Counts a key bag against [`Pkcs12Limits::max_keys`].
    pub(super) fn declare_key(&mut self) -> Result<(), Error> {
        self.keys += 1;
        if self.keys > self.limits.max_keys {
            return Err(Error::LimitExceeded("too many keys"));
        }
        Ok(())
    }

    /// Charges `iterations × blocks` to the work budget before a derivation runs.
    pub(super) fn charge(&mut self, iterations: u32, blocks: usize) -> Result<(), Error> {
        let cost = u64::from(iterations).saturating_mul(blocks as u64);
        if cost > self.budget {
            return Err(Error::LimitExceeded("total key-derivation work"));
        }
        self.budget -= cost;
        Ok(())
    }
}
