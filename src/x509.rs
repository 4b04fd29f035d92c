//! X.509 building: names, subject alternative names, extensions, the PKCS#10 request, the
//! certificate and X.509 time, each as the service writes it.
//!
//! This layer knows DER and RFC 5280 / RFC 2986; it signs with a [`crate::key::KeyPair`].

pub mod ca;
pub mod certificate;
pub mod csr;
mod error;
pub(crate) mod extensions;
pub mod key_usage;
pub mod name;
pub(crate) mod name_text;
mod profile;
pub(crate) mod read;
pub mod san;
mod signed;
pub(crate) mod time;

pub use error::Error;
pub use profile::Profile;
