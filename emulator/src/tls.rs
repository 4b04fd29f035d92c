//! The emulator's own TLS: a root and a server certificate for `localhost`, `127.0.0.1`,
//! `::1` and the vaults' host names, both made by kvcert at start, and the rustls
//! configuration that serves them.

use std::sync::Arc;

use kvcert::x509::ca::CertificateAuthority;
use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec, Policy, UnixTime};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Error;
use crate::error::kvcert;

/// The CA/Browser Forum domain-validated policy OID, for the server certificate.
const DOMAIN_VALIDATED: &str = "2.23.140.1.2.1";

/// The server's TLS: the configuration, and the root's PEM for clients to trust.
pub struct Tls {
    /// The rustls server configuration (the leaf, then the root, as the chain).
    pub config: Arc<ServerConfig>,
    /// The root, PEM: what `--tls-cert-out` writes.
    pub root_pem: String,
}

/// Makes the root (ten years) and the server certificate (one year), EC P-256, for
/// `localhost`, the loopback addresses and `hosts` (the vaults' host names).
///
/// # Errors
///
/// [`Error::Kvcert`] when kvcert refuses a key or a certificate, [`Error::Tls`] when rustls
/// refuses the configuration.
pub fn make(now: UnixTime, hosts: &[String], rng: &mut ChaCha20Rng) -> Result<Tls, Error> {
    let root_key =
        KeyPair::generate(KeySpec::Ec(Curve::P256), rng).map_err(kvcert("the TLS root's key"))?;
    let root_name = "CN=kvcert emulator TLS root, O=kvcert emulation"
        .parse()
        .map_err(kvcert("the TLS root's name"))?;
    let root = CertificateAuthority::root(&root_name, root_key, now, 120, rng)
        .map_err(kvcert("the TLS root"))?;
    let mut policy = Policy::self_signed("CN=localhost")
        .key(KeySpec::Ec(Curve::P256))
        .dns_name("localhost")
        .ip_address("127.0.0.1")
        .ip_address("::1")
        .validity_months(12);
    for host in hosts {
        policy = policy.dns_name(host);
    }
    let plan = policy
        .plan("tls")
        .map_err(kvcert("the TLS certificate's plan"))?;
    let leaf_key = KeyPair::generate(KeySpec::Ec(Curve::P256), rng)
        .map_err(kvcert("the TLS certificate's key"))?;
    let policy = DOMAIN_VALIDATED
        .parse()
        .map_err(|_| Error::Internal("policy OID"))?;
    let (leaf, _, _) = root
        .issue(&plan.profile(), &leaf_key, policy, now, rng)
        .map_err(kvcert("the TLS certificate"))?;
    let key = leaf_key
        .to_pkcs8_der()
        .map_err(kvcert("the TLS certificate's key"))?;
    let chain = vec![
        CertificateDer::from(leaf),
        CertificateDer::from(root.certificate().to_vec()),
    ];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, private)?;
    Ok(Tls {
        config: Arc::new(config),
        root_pem: pem_rfc7468::encode_string(
            "CERTIFICATE",
            pem_rfc7468::LineEnding::LF,
            root.certificate(),
        )
        .map_err(|_| Error::Internal("the TLS root's PEM"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kvcert::rand_core::SeedableRng;

    #[test]
    fn makes_a_root_and_a_server_certificate_rustls_takes() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let now = UnixTime::from_unix_seconds(1_767_225_600).unwrap();
        let tls = make(now, &["one.localhost".to_owned()], &mut rng).unwrap();
        assert!(tls.root_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(tls.root_pem.matches("BEGIN").count(), 1);
    }
}
