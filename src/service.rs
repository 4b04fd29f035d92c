//! The Key Vault service layer: what the service takes and answers, and its rules.
//!
//! A request arrives as [`wire`] types (serde, the service's spellings), after a bounded first
//! pass over its bytes (`shape`); [`plan`] turns it once into an [`IssuancePlan`](plan::IssuancePlan)
//! that holds only what the service accepts, with its defaults filled in ([`Policy`](crate::Policy) states the
//! same request in Rust). The operations take plans: Create Certificate (`create`, re-exported at
//! the crate root) and Import Certificate ([`import`]); [`secret`] makes the certificate's
//! managed secret and key as `GET /secrets` and `GET /keys` answer them. [`engine`] keeps a
//! vault's certificates as state and answers every operation of their life. Below this layer,
//! [`crate::x509`] builds the certificates and [`crate::key`] holds the keys. Their errors
//! ([`crate::key::Error`], [`crate::x509::Error`], [`crate::pkcs12::Error`]) become the Key
//! Vault error ([`crate::Error`]) here, in one place (`From`), and nowhere below.

pub(crate) mod create;
pub mod engine;
pub(crate) mod error;
pub mod import;
pub mod plan;
pub(crate) mod policy;
pub mod secret;
pub(crate) mod shape;
pub(crate) mod vault;
pub(crate) mod version;
pub mod wire;
