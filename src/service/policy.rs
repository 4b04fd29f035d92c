//! `Policy`: a Create Certificate request stated in Rust, and the shortest way to a certificate
//! in a test (re-exported at the crate root).

use rand_core::{CryptoRng, SeedableRng};

use crate::key::{KeyPair, KeySpec};
use crate::service::plan::{ContentType, IssuancePlan};
use crate::x509::key_usage::KeyUsage;
use crate::{
    service::create::Completed, service::create::Issued, service::error::Error,
    service::vault::Vault, service::wire, x509::time::UnixTime,
};

/// The certificate name [`Policy::issue`] uses (`{vault}/certificates/kvcert-test`).
pub const TEST_CERTIFICATE_NAME: &str = "kvcert-test";
/// The vault [`Policy::issue`] uses.
pub const TEST_VAULT_URL: &str = "https://kvcert-test.vault.azure.net";

/// A Create Certificate request built field by field.
///
/// A certificate policy stated in Rust instead of JSON, and the shortest way to a certificate
/// in a test.
///
/// [`Policy`] only fills in the wire model ([`wire::CertificateCreateParameters`]): every
/// property left unset stays absent, and [`IssuancePlan`](crate::service::plan::IssuancePlan)'s validation
/// then applies the service's defaults and refusals exactly as for a JSON body. The JSON path
/// stays the reference; this is a typed way to write the same request.
///
/// ```
/// use kvcert::{Curve, KeySpec, Policy, UnixTime};
///
/// let now: UnixTime = "2026-01-15T12:00:00Z".parse()?;
/// let cert = Policy::self_signed("CN=localhost").dns_name("localhost").issue_seeded(now, 1)?;
/// assert_eq!(cert.not_after().to_string(), "2027-01-15T12:00:00Z"); // the service's 12 months
///
/// // The same request as JSON, through the same validation:
/// let json = Policy::self_signed("CN=localhost").key(KeySpec::Ec(Curve::P256)).to_json();
/// assert_eq!(
///     json,
///     r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=localhost"},"issuer":{"name":"Self"}}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Each method sets one property of the request, in the service's terms; nothing is checked
/// until [`Policy::plan`] (or an `issue` method) runs the service's rules on it, so a policy
/// built here is refused exactly where the same JSON would be, with the same error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    request: wire::CertificateCreateParameters,
}

impl Policy {
    /// A policy for issuer `Self` (a self-signed certificate) with this subject (RFC 4514,
    /// as the service takes it, e.g. `CN=example.com, O=Contoso`; `""` for none, which then
    /// needs a subject alternative name).
    pub fn self_signed(subject: &str) -> Self {
        Self::with_issuer("Self", subject)
    }

    /// A policy for another issuer: `Unknown` (the certificate is merged later) or the name of
    /// an issuer object.
    pub fn with_issuer(issuer: &str, subject: &str) -> Self {
        let policy = wire::CertificatePolicy {
            x509_props: Some(wire::X509CertificateProperties {
                subject: Some(subject.to_owned()),
                ..Default::default()
            }),
            issuer: Some(wire::IssuerParameters {
                name: Some(issuer.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        };
        Policy {
            request: wire::CertificateCreateParameters {
                policy: Some(policy),
                ..Default::default()
            },
        }
    }

    fn policy(&mut self) -> &mut wire::CertificatePolicy {
        self.request.policy.get_or_insert_with(Default::default)
    }

    fn key_props(&mut self) -> &mut wire::KeyProperties {
        self.policy().key_props.get_or_insert_with(Default::default)
    }

    fn x509(&mut self) -> &mut wire::X509CertificateProperties {
        self.policy()
            .x509_props
            .get_or_insert_with(Default::default)
    }

    fn sans(&mut self) -> &mut wire::SubjectAlternativeNames {
        self.x509().sans.get_or_insert_with(Default::default)
    }

    /// The key (`key_props.kty`, and `key_size` or `crv`). Unset: RSA-2048, the service's
    /// default.
    pub fn key(mut self, spec: KeySpec) -> Self {
        let props = self.key_props();
        match spec {
            KeySpec::Rsa(size) => {
                props.kty = Some("RSA".to_owned());
                props.key_size = Some(i64::from(size.bits()));
                props.crv = None;
            }
            KeySpec::Ec(curve) => {
                props.kty = Some("EC".to_owned());
                props.crv = Some(curve.name().to_owned());
                props.key_size = None;
            }
        }
        self
    }

    /// `key_props.exportable`: whether the secret carries the private key. Unset: `true`.
    pub fn exportable(mut self, exportable: bool) -> Self {
        self.key_props().exportable = Some(exportable);
        self
    }

    /// `key_props.reuse_key`: whether renewal keeps the key. Unset: `false`.
    pub fn reuse_key(mut self, reuse: bool) -> Self {
        self.key_props().reuse_key = Some(reuse);
        self
    }

    /// `secret_props.contentType`: the secret as PKCS#12 (unset: the default) or PEM.
    pub fn content_type(mut self, content_type: ContentType) -> Self {
        self.policy().secret_props = Some(wire::SecretProperties {
            content_type: Some(content_type.mime().to_owned()),
        });
        self
    }

    /// Adds a DNS name to the subject alternative names.
    pub fn dns_name(mut self, name: &str) -> Self {
        push(&mut self.sans().dns_names, name);
        self
    }

    /// Adds an e-mail address (rfc822Name) to the subject alternative names.
    pub fn email(mut self, address: &str) -> Self {
        push(&mut self.sans().emails, address);
        self
    }

    /// Adds a user principal name to the subject alternative names.
    pub fn upn(mut self, upn: &str) -> Self {
        push(&mut self.sans().upns, upn);
        self
    }

    /// Adds an IPv4 or IPv6 address to the subject alternative names (api-version
    /// 2025-06-01 and later).
    pub fn ip_address(mut self, address: &str) -> Self {
        push(&mut self.sans().ip_addresses, address);
        self
    }

    /// Adds a URI to the subject alternative names (api-version 2025-06-01 and later).
    pub fn uri(mut self, uri: &str) -> Self {
        push(&mut self.sans().uris, uri);
        self
    }

    /// `x509_props.key_usage`. Unset: the service's default for the key type
    /// (digitalSignature and keyEncipherment for RSA, digitalSignature for EC); an empty list
    /// gives no KeyUsage extension.
    pub fn key_usage(mut self, usages: impl IntoIterator<Item = KeyUsage>) -> Self {
        self.x509().key_usage = Some(usages.into_iter().map(|u| u.name().to_owned()).collect());
        self
    }

    /// `x509_props.ekus`, dotted OIDs (e.g. `1.3.6.1.5.5.7.3.1`, serverAuth). Unset:
    /// serverAuth and clientAuth; an empty list gives no extension.
    pub fn ekus<'a>(mut self, oids: impl IntoIterator<Item = &'a str>) -> Self {
        self.x509().ekus = Some(oids.into_iter().map(str::to_owned).collect());
        self
    }

    /// `x509_props.validity_months`. Unset: 12.
    pub fn validity_months(mut self, months: u32) -> Self {
        self.x509().validity_months = Some(i64::from(months));
        self
    }

    /// The request body this policy stands for.
    pub fn to_request(&self) -> wire::CertificateCreateParameters {
        self.request.clone()
    }

    /// The request body as JSON (what a client would `POST` to `…/create`).
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and booleans cannot fail; an empty object is the
        // answer should it ever.
        serde_json::to_string(&self.request).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Runs the service's rules and defaults on the policy, for the certificate `name`.
    pub fn plan(&self, name: &str) -> Result<IssuancePlan, Error> {
        IssuancePlan::new(name, &self.request)
    }

    /// Issues the certificate as Create Certificate would, for [`TEST_CERTIFICATE_NAME`] in
    /// [`TEST_VAULT_URL`], with the key and serial from `rng`. For issuer `Self` only (the
    /// helper is meant for tests): another issuer is refused with
    /// [`Error::InvalidProperty`] on `policy.issuer`, never a silent "no certificate".
    pub fn issue<R: CryptoRng + ?Sized>(
        &self,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<SelfSigned, Error> {
        let plan = self.plan(TEST_CERTIFICATE_NAME)?;
        self_signed_only(&plan)?;
        SelfSigned::from_issued(crate::service::create::create(
            plan,
            &Vault::new(TEST_VAULT_URL),
            now,
            rng,
        )?)
    }

    /// [`Policy::issue`] with a fixed key (e.g. [`KeyPair::from_pkcs8_pem`] of a fixture), so
    /// that no key is generated; the key must be of the policy's type.
    pub fn issue_with_key<R: CryptoRng + ?Sized>(
        &self,
        key: KeyPair,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<SelfSigned, Error> {
        let plan = self.plan(TEST_CERTIFICATE_NAME)?;
        self_signed_only(&plan)?;
        let vault = Vault::new(TEST_VAULT_URL);
        SelfSigned::from_issued(crate::service::create::create_with_key(
            plan, key, &vault, now, rng,
        )?)
    }

    /// [`Policy::issue`] with the RNG `ChaCha20Rng::seed_from_u64(seed)`: the same seed and
    /// `now` give the same key and certificate, byte for byte.
    pub fn issue_seeded(&self, now: UnixTime, seed: u64) -> Result<SelfSigned, Error> {
        self.issue(now, &mut chacha20::ChaCha20Rng::seed_from_u64(seed))
    }

    /// [`Policy::issue`] with a fresh key from the operating system's randomness (feature
    /// `os-rng`) and `now` from the system clock.
    #[cfg(feature = "os-rng")]
    pub fn issue_random(&self) -> Result<SelfSigned, Error> {
        let now = UnixTime::try_from(std::time::SystemTime::now())
            .map_err(|e| Error::internal(format!("system clock: {e}")))?;
        self.issue(now, &mut crate::rng::os_rng())
    }
}

fn push(list: &mut Option<Vec<String>>, value: &str) {
    list.get_or_insert_with(Vec::new).push(value.to_owned());
}

fn self_signed_only(plan: &IssuancePlan) -> Result<(), Error> {
    if plan.is_self_signed() {
        Ok(())
    } else {
        Err(Error::InvalidProperty {
            property: "policy.issuer",
            detail: format!(
                "Policy::issue makes self-signed certificates only; issuer {} needs \
                 kvcert::create and a merge",
                plan.issuer().name()
            ),
        })
    }
}

/// A self-signed certificate, issued: the key, the certificate and everything the service
/// shows for it ([`Completed`]), none of it optional.
#[derive(Debug)]
#[non_exhaustive]
pub struct SelfSigned {
    /// The key pair (private key zeroized on drop; `Debug` hides it).
    pub key: KeyPair,
    /// The PKCS#10 request the service made on the way, DER.
    pub csr: Vec<u8>,
    /// The validated plan it was issued from.
    pub plan: IssuancePlan,
    /// The certificate (DER), its validity, and the bundle, secret and key JSON.
    pub completed: Completed,
}

impl SelfSigned {
    fn from_issued(issued: Issued) -> Result<Self, Error> {
        let Issued {
            plan,
            key,
            csr,
            operation: _,
            completed,
        } = issued;
        let completed = completed.ok_or_else(|| Error::internal("Self issuance incomplete"))?;
        Ok(SelfSigned {
            key,
            csr,
            plan,
            completed,
        })
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.completed.certificate
    }

    /// The certificate as a `CERTIFICATE` PEM block.
    pub fn certificate_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", &self.completed.certificate)
    }

    /// `notAfter`.
    pub fn not_after(&self) -> UnixTime {
        self.completed.not_after
    }

    /// `notBefore` (the service's: 10 minutes before the issuance instant).
    pub fn not_before(&self) -> UnixTime {
        self.completed.not_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Curve, RsaSize};

    fn now() -> UnixTime {
        "2026-03-01T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn the_typed_policy_is_the_json_policy() {
        let typed = Policy::self_signed("CN=a, O=b")
            .key(KeySpec::Ec(Curve::P384))
            .exportable(false)
            .content_type(ContentType::Pem)
            .dns_name("a.example")
            .dns_name("b.example")
            .email("x@example.com")
            .ip_address("10.0.0.1")
            .key_usage([KeyUsage::DigitalSignature, KeyUsage::KeyAgreement])
            .ekus(["1.3.6.1.5.5.7.3.1"])
            .validity_months(3);
        let json = br#"{"policy":{"key_props":{"exportable":false,"kty":"EC","crv":"P-384"},
            "secret_props":{"contentType":"application/x-pem-file"},
            "x509_props":{"subject":"CN=a, O=b","sans":{"emails":["x@example.com"],
            "dns_names":["a.example","b.example"],"ipAddresses":["10.0.0.1"]},
            "ekus":["1.3.6.1.5.5.7.3.1"],"key_usage":["digitalSignature","keyAgreement"],
            "validity_months":3},"issuer":{"name":"Self"}}}"#;
        assert_eq!(
            typed.plan("n").expect("typed"),
            IssuancePlan::from_json("n", json).expect("json")
        );
        let back: wire::CertificateCreateParameters =
            serde_json::from_str(&typed.to_json()).expect("to_json parses");
        assert_eq!(back, typed.to_request());
    }

    #[test]
    fn unset_properties_get_the_services_defaults() {
        let typed = Policy::self_signed("CN=d").plan("n").expect("typed");
        let json = IssuancePlan::from_json(
            "n",
            br#"{"policy":{"x509_props":{"subject":"CN=d"},"issuer":{"name":"Self"}}}"#,
        )
        .expect("json");
        assert_eq!(typed, json);
        assert_eq!(typed.key().spec(), KeySpec::Rsa(RsaSize::Rsa2048));
        assert_eq!(typed.validity_months(), 12);
        assert_eq!(typed.content_type(), ContentType::Pkcs12);
    }

    #[test]
    fn refusals_are_the_services() {
        let typed = Policy::self_signed("CN=x").validity_months(0).plan("n");
        let json = IssuancePlan::from_json(
            "n",
            br#"{"policy":{"x509_props":{"subject":"CN=x","validity_months":0},"issuer":{"name":"Self"}}}"#,
        );
        assert_eq!(typed.expect_err("refused"), json.expect_err("refused"));
    }

    #[test]
    fn issue_is_for_self_only_and_says_so() {
        let err = Policy::with_issuer("Unknown", "CN=x")
            .key(KeySpec::Ec(Curve::P256))
            .issue_seeded(now(), 1)
            .expect_err("Unknown is not issued here");
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("policy.issuer"), "{}", err.message());
    }

    /// A fixed key of another type is the caller's mistake: 400, naming both, not a 500.
    #[test]
    fn a_key_of_another_type_is_a_caller_error() {
        let key = KeyPair::generate(
            KeySpec::Ec(Curve::P384),
            &mut chacha20::ChaCha20Rng::seed_from_u64(1),
        )
        .expect("key");
        let err = Policy::self_signed("CN=k")
            .key(KeySpec::Ec(Curve::P256))
            .issue_with_key(key, now(), &mut chacha20::ChaCha20Rng::seed_from_u64(2))
            .expect_err("mismatch");
        assert_eq!(err.status(), 400);
        assert_eq!(err.code(), "BadParameter");
        assert_eq!(
            err.message(),
            "The key (EC P-384) does not match the policy's key_props (EC P-256)"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_certificate_and_the_fixed_key_is_used() {
        let policy = Policy::self_signed("CN=seeded").key(KeySpec::Ec(Curve::P256));
        let a = policy.issue_seeded(now(), 9).expect("a");
        let b = policy.issue_seeded(now(), 9).expect("b");
        let c = policy.issue_seeded(now(), 10).expect("c");
        assert_eq!(a.certificate_der(), b.certificate_der());
        assert_ne!(a.certificate_der(), c.certificate_der());
        assert!(
            a.certificate_pem()
                .starts_with("-----BEGIN CERTIFICATE-----\n")
        );

        let key = KeyPair::from_pkcs8_der(&a.key.to_pkcs8_der().expect("der")).expect("key");
        let pinned = policy
            .issue_with_key(key, now(), &mut chacha20::ChaCha20Rng::seed_from_u64(1))
            .expect("pinned");
        assert_eq!(
            pinned.key.public_key_bits().expect("bits"),
            a.key.public_key_bits().expect("bits")
        );
    }

    /// `kvcert::ChaCha20Rng` (the `chacha20` crate's) is the same stream as `rand_chacha`'s, so
    /// seeds carry over between the two, and the main job's `--seed N` gives the keys it gave
    /// when it used `rand_chacha`.
    #[test]
    fn the_re_exported_rng_is_rand_chachas_stream() {
        use rand_core::Rng;
        for seed in [0, 1, 5, u64::MAX] {
            let mut ours = crate::rng::ChaCha20Rng::seed_from_u64(seed);
            let mut theirs = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            let (mut a, mut b) = ([0u8; 1000], [0u8; 1000]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b, "seed {seed}");
            assert_eq!(ours.next_u64(), theirs.next_u64());
        }
    }

    #[cfg(feature = "os-rng")]
    #[test]
    fn issue_random_uses_fresh_keys_and_the_clock() {
        let policy = Policy::self_signed("CN=random").key(KeySpec::Ec(Curve::P256));
        let a = policy.issue_random().expect("a");
        let b = policy.issue_random().expect("b");
        assert_ne!(
            a.key.public_key_bits().expect("bits"),
            b.key.public_key_bits().expect("bits")
        );
        let clock = UnixTime::try_from(std::time::SystemTime::now()).expect("clock");
        // notBefore is the issuance instant minus the service's 10 minutes.
        assert!(a.not_before().as_secs() + 600 <= clock.as_secs());
        assert!(a.not_before().as_secs() + 600 + 60 >= clock.as_secs());
    }
}
