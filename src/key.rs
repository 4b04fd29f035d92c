//! Key pairs: generation, signing and the public key as the service writes it.
//!
//! [`KeyPair`], [`KeySpec`], [`Curve`] and [`RsaSize`] are at the crate root; this module holds the rest of the layer.

pub use self::error::Error;

mod error;
pub mod operations;
pub(crate) mod pair;
pub(crate) mod pkcs8;
pub mod public;
pub(crate) mod rsa;
pub mod source;
pub(crate) mod spec;
pub use pair::JwkParts;
pub(crate) use pair::{KeyPair, secp256k1_explicit_parameters};
// The pair's innards, for the sibling files that implement more of `KeyPair`.
use pair::{EC_PUBLIC_KEY, Inner, RSA_ENCRYPTION, SECP256K1, SECP256R1, SECP384R1, SECP521R1, alg};
pub use public::PublicKey;
pub(crate) use rsa::RsaSize;
pub(crate) use spec::{Curve, KeySpec};
