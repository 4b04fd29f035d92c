//! Where new key pairs come from: generated from the RNG ([`Generated`]), or handed out from a
//! set made once ([`Pinned`]). The engine takes its keys from a [`KeySource`]
//! (`VaultState::set_key_source`): a fuzzer or a test suite that makes thousands of
//! certificates pins its keys and pays for no key generation; the certificates, CSRs and
//! secrets are made as ever.

use rand_core::CryptoRng;

use super::Error;
use super::{KeyPair, KeySpec};

/// Hands out key pairs.
pub trait KeySource: Send + Sync {
    /// A key pair of `spec`, drawing from `rng` if it makes one.
    ///
    /// # Errors
    ///
    /// As [`KeyPair::generate`].
    fn key_pair(&self, spec: KeySpec, rng: &mut dyn CryptoRng) -> Result<KeyPair, Error>;
}

/// Every key new, from the RNG ([`KeyPair::generate`]): the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated;

impl KeySource for Generated {
    fn key_pair(&self, spec: KeySpec, rng: &mut dyn CryptoRng) -> Result<KeyPair, Error> {
        KeyPair::generate(spec, rng)
    }
}

/// The same key for every request of its spec, a copy each time; a spec with no pinned key
/// is generated. Certificates of one spec then share their key, as certificates with
/// `reuse_key` do: fine for tests and fuzzing, never for anything real.
///
/// ```
/// use kvcert::key::source::{KeySource, Pinned};
/// use kvcert::rand_core::SeedableRng;
/// use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec};
///
/// let mut rng = ChaCha20Rng::seed_from_u64(1);
/// let spec = KeySpec::Ec(Curve::P256);
/// let pinned = Pinned::new([KeyPair::generate(spec, &mut rng)?]);
/// let a = pinned.key_pair(spec, &mut rng)?;
/// let b = pinned.key_pair(spec, &mut rng)?;
/// assert_eq!(a.public_key_bits()?, b.public_key_bits()?);
/// # Ok::<(), kvcert::Error>(())
/// ```
pub struct Pinned {
    keys: Vec<KeyPair>,
}

impl core::fmt::Debug for Pinned {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(KeyPair::spec))
            .finish()
    }
}

impl Pinned {
    /// Pins `keys` (the first of each spec is used).
    pub fn new(keys: impl IntoIterator<Item = KeyPair>) -> Self {
        Pinned {
            keys: keys.into_iter().collect(),
        }
    }
}

impl KeySource for Pinned {
    fn key_pair(&self, spec: KeySpec, rng: &mut dyn CryptoRng) -> Result<KeyPair, Error> {
        match self.keys.iter().find(|k| k.spec() == spec) {
            Some(key) => Ok(key.duplicate()),
            None => KeyPair::generate(spec, rng),
        }
    }
}
