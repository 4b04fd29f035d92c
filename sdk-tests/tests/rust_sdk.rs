//! The official Azure SDK for Rust (`azure_security_keyvault_certificates`) driving kvcert's
//! engine in process: every certificates flow of the SDK's client, one test each, on a fresh
//! vault. Create (default and custom policies, PKCS#12 and PEM), get by version, list with
//! paging, policy update and new versions, `Unknown` issuer merge, a registered DigiCert issuer
//! whose chain verifies to the emulated root, cancel, delete/recover/purge, backup/restore,
//! import, issuers and contacts, and AutoRenew as the engine's clock moves.
//!
//! Each test checks what the SDK hands back (key type and size, subjects, validity, chains,
//! ids), the secret the engine stores (read beside the SDK, as the secrets client would), and
//! that the client drew one 401 (Key Vault's challenge) and no 5xx. The transport, credential
//! and instant runtime are `kvcert-sdk-transport`'s (`sdk-transport/`), the suite's checks
//! in `transport/mod.rs`; futures run under `futures::executor::block_on` (no tokio).

mod transport;

use base64ct::Encoding as _;
use std::collections::{BTreeMap, BTreeSet};

use azure_core::http::{RequestContent, StatusCode};
use azure_security_keyvault_certificates::models::{
    AdministratorContact, Certificate, CertificateClientGetCertificateOptions,
    CertificateClientListCertificatePropertiesOptions,
    CertificateClientListCertificatePropertiesVersionsOptions, CertificatePolicy,
    CertificatePolicyAction, Contact, Contacts, CreateCertificateParameters, CurveName,
    DeletionRecoveryLevel, ImportCertificateParameters, IssuerAttributes, IssuerCredentials,
    IssuerParameters, KeyProperties, KeyType, LifetimeAction, LifetimeActionTrigger,
    LifetimeActionType, MergeCertificateParameters, OrganizationDetails,
    RestoreCertificateParameters, SecretProperties, SetIssuerParameters, SubjectAlternativeNames,
    UpdateCertificateOperationParameter, UpdateIssuerParameters, X509CertificateProperties,
};
use azure_security_keyvault_certificates::{CertificateClient, ResourceExt as _};
use futures::{StreamExt as _, TryStreamExt as _};
use kvcert::rand_core::SeedableRng as _;
use kvcert::x509::ca::CertificateAuthority;
use kvcert::{ChaCha20Rng, Curve, KeyPair, KeySpec, UnixTime};
use transport::{
    InProcessVault, KeyKind, VAULT, assert_challenges_no_5xx, assert_one_challenge_no_5xx,
    emulated_ca_roots, engine_get, http_error, issued_by, key_client, key_kind, parse,
    secret_client, subject, validity, vault,
};

const PKCS12: &str = "application/x-pkcs12";
const PEM: &str = "application/x-pem-file";
/// notBefore is ten minutes before the issuance instant (the service's backdating).
const BACKDATE_SECS: u64 = 600;
const DAY_SECS: u64 = 86_400;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// A policy for `issuer` and `subject`; everything else unset (the service's defaults).
fn policy(issuer: &str, subject: &str) -> CertificatePolicy {
    CertificatePolicy {
        x509_certificate_properties: Some(X509CertificateProperties {
            subject: Some(subject.into()),
            ..Default::default()
        }),
        issuer_parameters: Some(IssuerParameters {
            name: Some(issuer.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The SDKs' default policy: subject `CN=DefaultPolicy`, issuer `Self`, nothing else.
fn default_policy() -> CertificatePolicy {
    policy("Self", "CN=DefaultPolicy")
}

fn rsa(bits: i32) -> KeyProperties {
    KeyProperties {
        key_type: Some(KeyType::Rsa),
        key_size: Some(bits),
        ..Default::default()
    }
}

fn ec(curve: CurveName) -> KeyProperties {
    KeyProperties {
        key_type: Some(KeyType::Ec),
        curve: Some(curve),
        ..Default::default()
    }
}

/// A `Self` policy with this key, content type and validity.
fn self_policy(
    subject: &str,
    key: KeyProperties,
    content_type: &str,
    months: i32,
) -> CertificatePolicy {
    let mut p = policy("Self", subject);
    p.key_properties = Some(key);
    p.secret_properties = Some(SecretProperties {
        content_type: Some(content_type.into()),
    });
    if let Some(x509) = p.x509_certificate_properties.as_mut() {
        x509.validity_in_months = Some(months);
    }
    p
}

fn create_parameters(
    policy: Option<CertificatePolicy>,
) -> RequestContent<CreateCertificateParameters> {
    CreateCertificateParameters {
        certificate_policy: policy,
        ..Default::default()
    }
    .try_into()
    .expect("JSON")
}

/// Create, poll to completion, and the certificate the poller fetches at the end.
async fn create(
    client: &CertificateClient,
    name: &str,
    policy: Option<CertificatePolicy>,
) -> Certificate {
    client
        .begin_create_certificate(name, create_parameters(policy), None)
        .expect("poller")
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
        .into_model()
        .expect("certificate model")
}

/// Create, and the operation of the create's own answer (the poller's first page), for
/// issuers that never complete by themselves: the poller would poll `inProgress` forever.
async fn begin_pending(
    client: &CertificateClient,
    name: &str,
    policy: CertificatePolicy,
) -> azure_security_keyvault_certificates::models::CertificateOperation {
    let mut poller = client
        .begin_create_certificate(name, create_parameters(Some(policy)), None)
        .expect("poller");
    poller
        .next()
        .await
        .expect("a first page")
        .expect("create")
        .into_model()
        .expect("operation model")
}

async fn get(client: &CertificateClient, name: &str, version: Option<&str>) -> Certificate {
    client
        .get_certificate(
            name,
            Some(CertificateClientGetCertificateOptions {
                certificate_version: version.map(str::to_owned),
                ..Default::default()
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("get {name} {version:?}: {e}"))
        .into_model()
        .expect("certificate model")
}

/// The version ids of a certificate, through the pager.
async fn versions(client: &CertificateClient, name: &str) -> BTreeSet<String> {
    client
        .list_certificate_properties_versions(name, None)
        .expect("pager")
        .map_ok(|item| version_of_id(item.resource_id().expect("id")))
        .try_collect()
        .await
        .expect("versions")
}

fn version_of_id(id: azure_security_keyvault_certificates::ResourceId) -> String {
    id.version.expect("a versioned id")
}

fn version(cert: &Certificate) -> String {
    version_of_id(cert.resource_id().expect("id"))
}

fn cer(cert: &Certificate) -> &[u8] {
    cert.cer.as_deref().expect("cer")
}

/// `at` plus `months` calendar months, Unix seconds.
fn plus_months(at: UnixTime, months: u32) -> u64 {
    at.plus_months(months).expect("in range").as_secs()
}

// ---------------------------------------------------------------------------------------------
// The secret, read beside the SDK
// ---------------------------------------------------------------------------------------------

/// A certificate's secret, opened.
struct Secret {
    content_type: String,
    /// The certificates, DER, in the order stored.
    chain: Vec<Vec<u8>>,
    /// Whether it carries the private key.
    has_key: bool,
}

/// `GET /secrets/{name}` on the engine (the secrets client's call), opened by content type.
fn secret(transport: &InProcessVault, name: &str) -> Secret {
    let answer = engine_get(transport, &format!("/secrets/{name}"));
    assert_eq!(answer.status, 200, "{}", answer.body_json());
    let body = answer.body_json();
    let content_type = body["contentType"]
        .as_str()
        .expect("contentType")
        .to_owned();
    let value = body["value"].as_str().expect("value");
    match content_type.as_str() {
        PKCS12 => {
            let der = base64ct::Base64::decode_vec(value).expect("base64 PFX");
            let pfx = kvcert::pkcs12::decode_pfx(&der, None).expect("the PFX opens");
            Secret {
                content_type,
                chain: pfx.certificates.clone(),
                has_key: pfx.key_pkcs8.is_some(),
            }
        }
        PEM => Secret {
            chain: pem_blocks(value, "CERTIFICATE"),
            has_key: pem_blocks(value, "PRIVATE KEY").len() == 1,
            content_type,
        },
        other => panic!("unexpected secret content type {other}"),
    }
}

/// The DER of every `label` block of a PEM text.
fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let body = &rest[start + begin.len()..];
        let stop = body.find(&end).expect("an END line");
        let b64: String = body[..stop].split_whitespace().collect();
        blocks.push(base64ct::Base64::decode_vec(&b64).expect("base64 block"));
        rest = &body[stop + end.len()..];
    }
    blocks
}

// ---------------------------------------------------------------------------------------------
// 1. Create: the default policy and custom ones
// ---------------------------------------------------------------------------------------------

#[test]
fn create_default_and_custom_policies() {
    let (transport, client) = vault(1);
    let start = transport.now();
    block_on(async {
        let cert = create(&client, "default", Some(default_policy())).await;
        assert_eq!(key_kind(cer(&cert)), KeyKind::Rsa(2048));
        assert_eq!(subject(cer(&cert)), "CN=DefaultPolicy");
        assert_eq!(
            validity(cer(&cert)),
            (start.as_secs() - BACKDATE_SECS, plus_months(start, 12))
        );
        let stored = secret(&transport, "default");
        assert_eq!(
            (stored.content_type.as_str(), stored.has_key),
            (PKCS12, true)
        );
        assert_eq!(stored.chain, [cer(&cert).to_vec()]);

        let custom = [
            ("rsa2048-pem", rsa(2048), PEM, KeyKind::Rsa(2048)),
            ("rsa3072-pfx", rsa(3072), PKCS12, KeyKind::Rsa(3072)),
            ("rsa4096-pem", rsa(4096), PEM, KeyKind::Rsa(4096)),
            (
                "p256-pfx",
                ec(CurveName::P256),
                PKCS12,
                KeyKind::Ec("P-256"),
            ),
            ("p384-pem", ec(CurveName::P384), PEM, KeyKind::Ec("P-384")),
            (
                "p521-pfx",
                ec(CurveName::P521),
                PKCS12,
                KeyKind::Ec("P-521"),
            ),
        ];
        for (name, key, content_type, expected) in custom {
            let subject_name = format!("CN={name}.example");
            let p = self_policy(&subject_name, key, content_type, 6);
            let cert = create(&client, name, Some(p)).await;
            assert_eq!(key_kind(cer(&cert)), expected, "{name}");
            assert_eq!(subject(cer(&cert)), subject_name, "{name}");
            assert_eq!(validity(cer(&cert)).1, plus_months(start, 6), "{name}");
            assert_eq!(
                cert.policy
                    .as_ref()
                    .and_then(|p| p.secret_properties.as_ref())
                    .and_then(|s| s.content_type.as_deref()),
                Some(content_type),
                "{name}"
            );
            let stored = secret(&transport, name);
            assert_eq!(
                (stored.content_type.as_str(), stored.has_key),
                (content_type, true),
                "{name}"
            );
            assert_eq!(stored.chain, [cer(&cert).to_vec()], "{name}");
        }
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 2. Get: the latest and by version
// ---------------------------------------------------------------------------------------------

#[test]
fn get_latest_and_by_version() {
    let (transport, client) = vault(2);
    block_on(async {
        let p = self_policy("CN=versions.example", ec(CurveName::P256), PKCS12, 12);
        let first = create(&client, "versions", Some(p)).await;
        transport.advance(3600);
        // Without a policy: the stored one.
        let second = create(&client, "versions", None).await;
        assert_ne!(version(&first), version(&second));
        assert_ne!(cer(&first), cer(&second));

        let latest = get(&client, "versions", None).await;
        assert_eq!(latest.id, second.id);
        assert_eq!(latest.cer, second.cer);
        assert_eq!(latest.x509_thumbprint, second.x509_thumbprint);
        assert!(latest.policy.is_some(), "the latest carries the policy");

        for created in [&first, &second] {
            let by_version = get(&client, "versions", Some(&version(created))).await;
            assert_eq!(by_version.id, created.id);
            assert_eq!(by_version.cer, created.cer);
            assert_eq!(by_version.x509_thumbprint, created.x509_thumbprint);
        }
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 3. Lists: certificates (more than a page) and versions
// ---------------------------------------------------------------------------------------------

/// The pages of the certificates list: each page's `(name, x5t)` items.
async fn certificate_pages(
    client: &CertificateClient,
    maxresults: Option<i32>,
) -> Vec<Vec<(String, Option<Vec<u8>>)>> {
    let mut pages = client
        .list_certificate_properties(Some(CertificateClientListCertificatePropertiesOptions {
            maxresults,
            ..Default::default()
        }))
        .expect("pager")
        .into_pages();
    let mut names = Vec::new();
    while let Some(page) = pages.try_next().await.expect("page") {
        let page = page.into_model().expect("page model");
        names.push(
            page.value
                .into_iter()
                .map(|item| {
                    let name = item.resource_id().expect("id").name;
                    (name, item.x509_thumbprint)
                })
                .collect(),
        );
    }
    names
}

#[test]
fn list_certificates_and_versions_through_the_pager() {
    let (transport, client) = vault(3);
    block_on(async {
        // 27 names: one more page than the service's 25 a page.
        let mut thumbprints = BTreeMap::new();
        for i in 0..27 {
            let name = format!("list-{i:02}");
            let p = self_policy(&format!("CN={name}"), ec(CurveName::P256), PKCS12, 12);
            let cert = create(&client, &name, Some(p)).await;
            thumbprints.insert(name, cert.x509_thumbprint.expect("x5t"));
        }
        let all: Vec<(String, Option<Vec<u8>>)> = thumbprints
            .iter()
            .map(|(name, x5t)| (name.clone(), Some(x5t.clone())))
            .collect();

        for (maxresults, sizes) in [(None, vec![25, 2]), (Some(10), vec![10, 10, 7])] {
            let pages = certificate_pages(&client, maxresults).await;
            let got: Vec<usize> = pages.iter().map(Vec::len).collect();
            assert_eq!(got, sizes, "maxresults {maxresults:?}");
            assert_eq!(pages.concat(), all, "maxresults {maxresults:?}");
        }

        // Versions: three of one name, two a page.
        let mut expected = BTreeSet::from([version(&get(&client, "list-00", None).await)]);
        for _ in 0..2 {
            expected.insert(version(&create(&client, "list-00", None).await));
        }
        assert_eq!(expected.len(), 3);
        let mut pages = client
            .list_certificate_properties_versions(
                "list-00",
                Some(CertificateClientListCertificatePropertiesVersionsOptions {
                    maxresults: Some(2),
                    ..Default::default()
                }),
            )
            .expect("pager")
            .into_pages();
        let mut sizes = Vec::new();
        let mut listed = BTreeSet::new();
        while let Some(page) = pages.try_next().await.expect("page") {
            let page = page.into_model().expect("page model");
            sizes.push(page.value.len());
            for item in page.value {
                listed.insert(version_of_id(item.resource_id().expect("id")));
            }
        }
        assert_eq!(sizes, [2, 1]);
        assert_eq!(listed, expected);
        // The item pager reads the same versions.
        assert_eq!(versions(&client, "list-00").await, expected);
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 4. Policy update, and the new versions that follow it
// ---------------------------------------------------------------------------------------------

#[test]
fn update_policy_then_new_versions_follow_it() {
    let (transport, client) = vault(4);
    block_on(async {
        let p = self_policy("CN=first.example", ec(CurveName::P256), PKCS12, 12);
        let first = create(&client, "evolving", Some(p)).await;
        assert_eq!(subject(cer(&first)), "CN=first.example");

        // PATCH: only the X.509 properties sent; the key properties stay.
        let patch = CertificatePolicy {
            x509_certificate_properties: Some(X509CertificateProperties {
                subject: Some("CN=second.example".into()),
                validity_in_months: Some(6),
                ..Default::default()
            }),
            ..Default::default()
        };
        let updated = client
            .update_certificate_policy("evolving", patch.try_into().expect("JSON"), None)
            .await
            .expect("update policy")
            .into_model()
            .expect("policy model");
        let x509 = updated.x509_certificate_properties.expect("x509_props");
        assert_eq!(x509.subject.as_deref(), Some("CN=second.example"));
        assert_eq!(x509.validity_in_months, Some(6));
        let key = updated.key_properties.expect("key_props");
        assert_eq!(
            (key.key_type, key.curve),
            (Some(KeyType::Ec), Some(CurveName::P256))
        );
        let read = client
            .get_certificate_policy("evolving", None)
            .await
            .expect("get policy")
            .into_model()
            .expect("policy model");
        assert_eq!(
            read.x509_certificate_properties
                .and_then(|x| x.subject)
                .as_deref(),
            Some("CN=second.example")
        );

        // A new version without a policy: the updated one.
        transport.advance(DAY_SECS);
        let now = transport.now();
        let second = create(&client, "evolving", None).await;
        assert_eq!(subject(cer(&second)), "CN=second.example");
        assert_eq!(key_kind(cer(&second)), KeyKind::Ec("P-256"));
        assert_eq!(
            validity(cer(&second)),
            (now.as_secs() - BACKDATE_SECS, plus_months(now, 6))
        );
        assert_eq!(
            versions(&client, "evolving").await,
            BTreeSet::from([version(&first), version(&second)])
        );

        // A new version with a policy: that one, which is now the stored policy.
        let p = self_policy("CN=third.example", ec(CurveName::P384), PEM, 3);
        let third = create(&client, "evolving", Some(p)).await;
        assert_eq!(subject(cer(&third)), "CN=third.example");
        assert_eq!(key_kind(cer(&third)), KeyKind::Ec("P-384"));
        assert_eq!(validity(cer(&third)).1, plus_months(now, 3));
        assert_eq!(secret(&transport, "evolving").content_type, PEM);
        assert_eq!(versions(&client, "evolving").await.len(), 3);
        let stored = client
            .get_certificate_policy("evolving", None)
            .await
            .expect("get policy")
            .into_model()
            .expect("policy model");
        assert_eq!(
            stored
                .x509_certificate_properties
                .and_then(|x| x.subject)
                .as_deref(),
            Some("CN=third.example")
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 5. Issuer `Unknown`: the CSR, signed by a test CA, merged
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_issuer_csr_signed_and_merged() {
    let (transport, client) = vault(5);
    let mut rng = ChaCha20Rng::seed_from_u64(50);
    block_on(async {
        let op = begin_pending(&client, "merged", policy("Unknown", "CN=merged.example")).await;
        assert_eq!(op.status.as_deref(), Some("inProgress"));
        let csr = op.csr.expect("the operation carries the CSR");

        let now = transport.now();
        let ca_key = KeyPair::generate(KeySpec::Ec(Curve::P256), &mut rng).expect("CA key");
        let ca = CertificateAuthority::root(
            &"CN=Test CA".parse().expect("name"),
            ca_key,
            now,
            120,
            &mut rng,
        )
        .expect("CA");
        let (leaf, _, _) = ca
            .sign_request(&csr, now, 12, &mut rng)
            .expect("the CSR's signature checks");
        assert_eq!(subject(&leaf), "CN=merged.example");

        let merge = MergeCertificateParameters {
            x509_certificates: Some(vec![leaf.clone(), ca.certificate().to_vec()]),
            ..Default::default()
        };
        let merged = client
            .merge_certificate("merged", merge.try_into().expect("JSON"), None)
            .await
            .expect("merge")
            .into_model()
            .expect("certificate model");
        assert_eq!(cer(&merged), leaf.as_slice());
        assert_eq!(get(&client, "merged", None).await.cer, merged.cer);

        let stored = secret(&transport, "merged");
        assert_eq!(stored.chain, [leaf, ca.certificate().to_vec()]);
        assert!(stored.has_key);

        let op = client
            .get_certificate_operation("merged", None)
            .await
            .expect("operation")
            .into_model()
            .expect("operation model");
        assert_eq!(op.status.as_deref(), Some("completed"));
        assert_eq!(
            op.target.as_deref(),
            Some(format!("{VAULT}/certificates/merged").as_str())
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 6. A registered DigiCert issuer: the chain verifies to the emulated root
// ---------------------------------------------------------------------------------------------

fn digicert_issuer(organization_id: Option<&str>) -> SetIssuerParameters {
    SetIssuerParameters {
        provider: Some("DigiCert".into()),
        credentials: Some(IssuerCredentials {
            account_id: Some("account".into()),
            password: Some("secret".into()),
        }),
        organization_details: Some(OrganizationDetails {
            id: organization_id.map(str::to_owned),
            admin_contacts: Some(vec![AdministratorContact {
                email: Some("admin@example.com".into()),
                first_name: Some("Ada".into()),
                last_name: Some("Admin".into()),
                phone: Some("5550100".into()),
            }]),
        }),
        ..Default::default()
    }
}

#[test]
fn registered_digicert_issuer_chains_to_the_emulated_root() {
    let (transport, client) = vault(6);
    block_on(async {
        // DigiCert needs the organization's id: the engine refuses without one, as the service
        // was reported to (Azure/azure-sdk-for-java #29166).
        let refused = client
            .set_issuer(
                "digicert",
                digicert_issuer(None).try_into().expect("JSON"),
                None,
            )
            .await
            .expect_err("no organization id");
        assert_eq!(
            http_error(&refused),
            (StatusCode::BadRequest, Some("BadParameter".into()))
        );
        let issuer = client
            .set_issuer(
                "digicert",
                digicert_issuer(Some("org-1")).try_into().expect("JSON"),
                None,
            )
            .await
            .expect("set issuer")
            .into_model()
            .expect("issuer model");
        assert_eq!(issuer.provider.as_deref(), Some("DigiCert"));

        let mut p = policy("digicert", "CN=ca.example");
        if let Some(x509) = p.x509_certificate_properties.as_mut() {
            x509.subject_alternative_names = Some(SubjectAlternativeNames {
                dns_names: Some(vec!["ca.example".into()]),
                ..Default::default()
            });
        }
        let cert = create(&client, "from-ca", Some(p)).await;
        assert_eq!(subject(cer(&cert)), "CN=ca.example");

        let stored = secret(&transport, "from-ca");
        assert!(stored.has_key);
        assert_eq!(stored.chain.len(), 2, "leaf and intermediate");
        assert_eq!(stored.chain[0], cer(&cert));
        let leaf = parse(&stored.chain[0]);
        let intermediate = parse(&stored.chain[1]);

        let roots = emulated_ca_roots(&transport);
        let root = roots
            .iter()
            .find(|root| issued_by(&intermediate, root))
            .expect("an emulated root signed the intermediate");
        assert!(
            issued_by(&leaf, &intermediate),
            "the intermediate signed the leaf"
        );
        assert!(issued_by(root, root), "the root is self-signed");
        // The check can fail: the root did not sign the leaf.
        assert!(!issued_by(&leaf, root));

        let op = client
            .get_certificate_operation("from-ca", None)
            .await
            .expect("operation")
            .into_model()
            .expect("operation model");
        assert_eq!(op.status.as_deref(), Some("completed"));
        assert_eq!(
            op.issuer_parameters.and_then(|i| i.name).as_deref(),
            Some("digicert")
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 7. Cancel and delete a pending operation
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_then_delete_a_pending_operation() {
    let (transport, client) = vault(7);
    block_on(async {
        let op = begin_pending(&client, "cancelled", policy("Unknown", "CN=c.example")).await;
        assert_eq!(op.status.as_deref(), Some("inProgress"));

        let cancel = UpdateCertificateOperationParameter {
            cancellation_requested: Some(true),
        };
        let patched = client
            .update_certificate_operation("cancelled", cancel.try_into().expect("JSON"), None)
            .await
            .expect("cancel")
            .into_model()
            .expect("operation model");
        assert_eq!(patched.cancellation_requested, Some(true));
        // Recorded (Go 7.5): still `inProgress` right after the PATCH; kvcert cancels an
        // operation waiting for a merge one poll interval later.
        assert_eq!(patched.status.as_deref(), Some("inProgress"));
        transport.advance(kvcert::service::engine::CANCEL_DELAY_SECS);

        let read = client
            .get_certificate_operation("cancelled", None)
            .await
            .expect("operation")
            .into_model()
            .expect("operation model");
        assert_eq!(read.status.as_deref(), Some("cancelled"));
        assert_eq!(read.cancellation_requested, Some(true));

        let deleted = client
            .delete_certificate_operation("cancelled", None)
            .await
            .expect("delete operation")
            .into_model()
            .expect("operation model");
        assert_eq!(deleted.status.as_deref(), Some("cancelled"));

        let gone = client
            .get_certificate_operation("cancelled", None)
            .await
            .expect_err("the operation is gone");
        assert_eq!(
            http_error(&gone),
            (
                StatusCode::NotFound,
                Some("PendingCertificateNotFound".into())
            )
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 8. Delete, recover, delete again, purge
// ---------------------------------------------------------------------------------------------

#[test]
fn delete_recover_delete_purge() {
    let (transport, client) = vault(8);
    block_on(async {
        let p = self_policy("CN=doomed.example", ec(CurveName::P256), PKCS12, 12);
        let cert = create(&client, "doomed", Some(p)).await;

        let deleted = client
            .delete_certificate("doomed", None)
            .await
            .expect("delete")
            .into_model()
            .expect("deleted model");
        assert_eq!(deleted.id, cert.id);
        assert_eq!(deleted.cer, cert.cer);
        let recovery_id = format!("{VAULT}/deletedcertificates/doomed");
        assert_eq!(deleted.recovery_id.as_deref(), Some(recovery_id.as_str()));
        let (deleted_on, purge_on) = (
            deleted.deleted_date.expect("deletedDate"),
            deleted.scheduled_purge_date.expect("scheduledPurgeDate"),
        );
        // The engine's default vault: soft delete with 90 days' retention, purge allowed.
        let attributes = deleted.attributes.expect("attributes");
        assert_eq!(
            attributes.recovery_level,
            Some(DeletionRecoveryLevel::RecoverablePurgeable)
        );
        assert_eq!(attributes.recoverable_days, Some(90));
        assert_eq!(purge_on - deleted_on, azure_core::time::Duration::days(90));

        let not_found = client
            .get_certificate("doomed", None)
            .await
            .expect_err("deleted");
        assert_eq!(http_error(&not_found).0, StatusCode::NotFound);

        let got = client
            .get_deleted_certificate("doomed", None)
            .await
            .expect("get deleted")
            .into_model()
            .expect("deleted model");
        assert_eq!(got.id, cert.id);
        assert_eq!(got.recovery_id, deleted.recovery_id);

        let listed: Vec<Option<String>> = client
            .list_deleted_certificate_properties(None)
            .expect("pager")
            .map_ok(|item| item.recovery_id)
            .try_collect()
            .await
            .expect("deleted list");
        assert_eq!(listed, [Some(recovery_id.clone())]);

        // This SDK version's recover is a plain call (no poller).
        let recovered = client
            .recover_deleted_certificate("doomed", None)
            .await
            .expect("recover")
            .into_model()
            .expect("certificate model");
        assert_eq!(recovered.id, cert.id);
        assert_eq!(get(&client, "doomed", None).await.cer, cert.cer);

        let deleted_again = client
            .delete_certificate("doomed", None)
            .await
            .expect("delete again")
            .into_model()
            .expect("deleted model");
        assert_eq!(deleted_again.id, cert.id);
        let purged = client
            .purge_deleted_certificate("doomed", None)
            .await
            .expect("purge");
        assert_eq!(purged.status(), StatusCode::NoContent);
        let gone = client
            .get_deleted_certificate("doomed", None)
            .await
            .expect_err("purged");
        assert_eq!(
            http_error(&gone),
            (StatusCode::NotFound, Some("CertificateNotFound".into()))
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 9. Backup, delete and purge, restore
// ---------------------------------------------------------------------------------------------

#[test]
fn backup_purge_restore() {
    let (transport, client) = vault(9);
    block_on(async {
        let p = self_policy("CN=kept.example", ec(CurveName::P384), PKCS12, 12);
        let cert = create(&client, "kept", Some(p)).await;
        let blob = client
            .backup_certificate("kept", None)
            .await
            .expect("backup")
            .into_model()
            .expect("backup model")
            .value
            .expect("backup value");
        assert!(!blob.is_empty());

        client
            .delete_certificate("kept", None)
            .await
            .expect("delete");
        client
            .purge_deleted_certificate("kept", None)
            .await
            .expect("purge");
        let gone = client
            .get_certificate("kept", None)
            .await
            .expect_err("purged");
        assert_eq!(http_error(&gone).0, StatusCode::NotFound);

        let restore = RestoreCertificateParameters {
            certificate_backup: Some(blob),
        };
        let restored = client
            .restore_certificate(restore.try_into().expect("JSON"), None)
            .await
            .expect("restore")
            .into_model()
            .expect("certificate model");
        assert_eq!(restored.id, cert.id);
        assert_eq!(restored.cer, cert.cer);
        let latest = get(&client, "kept", None).await;
        assert_eq!((latest.id, latest.cer), (cert.id.clone(), cert.cer.clone()));
        assert_eq!(secret(&transport, "kept").chain, [cer(&cert).to_vec()]);
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 10. Import a PFX and a PEM
// ---------------------------------------------------------------------------------------------

#[test]
fn import_pfx_and_pem() {
    let (transport, client) = vault(10);
    let mut rng = ChaCha20Rng::seed_from_u64(100);
    let now = transport.now();
    // Certificates and keys made by kvcert outside the vault, as a user brings them.
    let for_pfx = kvcert::Policy::self_signed("CN=imported-pfx.example")
        .issue(now, &mut rng)
        .expect("self-signed RSA");
    let pkcs8 = for_pfx.key.to_pkcs8_der().expect("PKCS#8");
    let certificates = [for_pfx.certificate_der().to_vec()];
    let pfx = kvcert::pkcs12::encode_service_pfx(
        &kvcert::pkcs12::PfxContents {
            key_pkcs8: Some(&pkcs8),
            certificates: &certificates,
            key_kind: kvcert::pkcs12::PfxKeyKind::Rsa,
            friendly_name: None,
        },
        &mut rng,
    )
    .expect("PFX");
    let for_pem = kvcert::Policy::self_signed("CN=imported-pem.example")
        .key(KeySpec::Ec(Curve::P384))
        .issue(now, &mut rng)
        .expect("self-signed EC");
    let pem = format!(
        "{}{}",
        for_pem.key.to_pkcs8_pem().expect("PKCS#8 PEM").as_str(),
        for_pem.certificate_pem()
    );

    block_on(async {
        let import = ImportCertificateParameters {
            base64_encoded_certificate: Some(base64ct::Base64::encode_string(&pfx)),
            ..Default::default()
        };
        let imported = client
            .import_certificate("imported-pfx", import.try_into().expect("JSON"), None)
            .await
            .expect("import PFX")
            .into_model()
            .expect("certificate model");
        assert_eq!(cer(&imported), for_pfx.certificate_der());
        assert_eq!(key_kind(cer(&imported)), KeyKind::Rsa(2048));
        let stored = secret(&transport, "imported-pfx");
        assert_eq!(
            (stored.content_type.as_str(), stored.has_key),
            (PKCS12, true)
        );
        assert_eq!(stored.chain, [for_pfx.certificate_der().to_vec()]);

        let import = ImportCertificateParameters {
            base64_encoded_certificate: Some(pem.clone()),
            certificate_policy: Some(CertificatePolicy {
                secret_properties: Some(SecretProperties {
                    content_type: Some(PEM.into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let imported = client
            .import_certificate("imported-pem", import.try_into().expect("JSON"), None)
            .await
            .expect("import PEM")
            .into_model()
            .expect("certificate model");
        assert_eq!(cer(&imported), for_pem.certificate_der());
        assert_eq!(key_kind(cer(&imported)), KeyKind::Ec("P-384"));
        let stored = secret(&transport, "imported-pem");
        assert_eq!((stored.content_type.as_str(), stored.has_key), (PEM, true));
        assert_eq!(stored.chain, [for_pem.certificate_der().to_vec()]);

        assert_eq!(
            get(&client, "imported-pfx", None).await.cer.as_deref(),
            Some(for_pfx.certificate_der())
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 11. Issuers and contacts
// ---------------------------------------------------------------------------------------------

#[test]
fn issuers_and_contacts() {
    let (transport, client) = vault(11);
    block_on(async {
        let set = client
            .set_issuer(
                "issuer-a",
                digicert_issuer(Some("org-a")).try_into().expect("JSON"),
                None,
            )
            .await
            .expect("set issuer")
            .into_model()
            .expect("issuer model");
        assert_eq!(
            set.id.as_deref(),
            Some(format!("{VAULT}/certificates/issuers/issuer-a").as_str())
        );
        let globalsign = SetIssuerParameters {
            provider: Some("GlobalSign".into()),
            ..Default::default()
        };
        client
            .set_issuer("issuer-b", globalsign.try_into().expect("JSON"), None)
            .await
            .expect("set second issuer");

        let got = client
            .get_issuer("issuer-a", None)
            .await
            .expect("get issuer")
            .into_model()
            .expect("issuer model");
        assert_eq!(got.provider.as_deref(), Some("DigiCert"));
        let org = got.organization_details.expect("org_details");
        assert_eq!(org.id.as_deref(), Some("org-a"));
        let admins = org.admin_contacts.expect("admin_details");
        assert_eq!(admins.len(), 1);
        assert_eq!(admins[0].email.as_deref(), Some("admin@example.com"));
        let credentials = got.credentials.expect("credentials");
        assert_eq!(credentials.account_id.as_deref(), Some("account"));
        assert_eq!(credentials.password, None, "the password is never answered");
        assert_eq!(got.attributes.and_then(|a| a.enabled), Some(true));

        let update = UpdateIssuerParameters {
            attributes: Some(IssuerAttributes {
                enabled: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        };
        let updated = client
            .update_issuer("issuer-a", update.try_into().expect("JSON"), None)
            .await
            .expect("update issuer")
            .into_model()
            .expect("issuer model");
        assert_eq!(updated.attributes.and_then(|a| a.enabled), Some(false));
        assert_eq!(
            updated.provider.as_deref(),
            Some("DigiCert"),
            "PATCH merges"
        );

        let listed: Vec<(String, Option<String>)> = client
            .list_issuer_properties(None)
            .expect("pager")
            .map_ok(|i| (i.id.expect("id"), i.provider))
            .try_collect()
            .await
            .expect("issuers");
        assert_eq!(
            listed,
            [
                (
                    format!("{VAULT}/certificates/issuers/issuer-a"),
                    Some("DigiCert".into())
                ),
                (
                    format!("{VAULT}/certificates/issuers/issuer-b"),
                    Some("GlobalSign".into())
                ),
            ]
        );

        let deleted = client
            .delete_issuer("issuer-a", None)
            .await
            .expect("delete issuer")
            .into_model()
            .expect("issuer model");
        assert_eq!(deleted.provider.as_deref(), Some("DigiCert"));
        let gone = client
            .get_issuer("issuer-a", None)
            .await
            .expect_err("deleted");
        assert_eq!(
            http_error(&gone),
            (
                StatusCode::NotFound,
                Some("CertificateIssuerNotFound".into())
            )
        );
        let left = client
            .list_issuer_properties(None)
            .expect("pager")
            .map_ok(|i| i.provider)
            .try_collect::<Vec<_>>()
            .await
            .expect("issuers");
        assert_eq!(left, [Some("GlobalSign".to_owned())]);

        // Contacts.
        let contacts = Contacts {
            contact_list: Some(vec![
                Contact {
                    email: Some("ops@example.com".into()),
                    name: Some("Ops".into()),
                    phone: Some("5550101".into()),
                },
                Contact {
                    email: Some("sec@example.com".into()),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        let emails = |c: Contacts| -> Vec<String> {
            c.contact_list
                .expect("contacts")
                .into_iter()
                .map(|c| c.email.expect("email"))
                .collect()
        };
        let set = client
            .set_contacts(contacts.try_into().expect("JSON"), None)
            .await
            .expect("set contacts")
            .into_model()
            .expect("contacts model");
        assert_eq!(
            set.id.as_deref(),
            Some(format!("{VAULT}/certificates/contacts").as_str())
        );
        assert_eq!(emails(set), ["ops@example.com", "sec@example.com"]);
        let got = client
            .get_contacts(None)
            .await
            .expect("get contacts")
            .into_model()
            .expect("contacts model");
        let first = got.contact_list.as_ref().and_then(|l| l.first()).cloned();
        assert_eq!(first.and_then(|c| c.name).as_deref(), Some("Ops"));
        assert_eq!(emails(got), ["ops@example.com", "sec@example.com"]);
        let deleted = client
            .delete_contacts(None)
            .await
            .expect("delete contacts")
            .into_model()
            .expect("contacts model");
        assert_eq!(emails(deleted), ["ops@example.com", "sec@example.com"]);
        let gone = client.get_contacts(None).await.expect_err("deleted");
        assert_eq!(
            http_error(&gone),
            (StatusCode::NotFound, Some("ContactsNotFound".into()))
        );
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// 12. AutoRenew as the engine's clock moves
// ---------------------------------------------------------------------------------------------

#[test]
fn auto_renew_when_the_clock_passes_the_trigger() {
    let (transport, client) = vault(12);
    let start = transport.now();
    block_on(async {
        let mut p = self_policy("CN=renewed.example", ec(CurveName::P256), PKCS12, 1);
        p.lifetime_actions = Some(vec![LifetimeAction {
            action: Some(LifetimeActionType {
                action_type: Some(CertificatePolicyAction::AutoRenew),
            }),
            trigger: Some(LifetimeActionTrigger {
                days_before_expiry: Some(10),
                ..Default::default()
            }),
        }]);
        let first = create(&client, "renewed", Some(p)).await;
        let expires = plus_months(start, 1);
        assert_eq!(validity(cer(&first)).1, expires);

        // Before the trigger (expiry − 10 days): nothing yet.
        transport.advance(15 * DAY_SECS);
        assert_eq!(get(&client, "renewed", None).await.id, first.id);

        // 25 days in: past the trigger, so the engine has renewed.
        transport.advance(10 * DAY_SECS);
        let latest = get(&client, "renewed", None).await;
        assert_ne!(latest.id, first.id);
        assert_ne!(latest.cer, first.cer);
        assert_eq!(subject(cer(&latest)), "CN=renewed.example");
        // The renewal is dated at its due instant: ten days before the first one's expiry.
        let due = expires - 10 * DAY_SECS;
        let due_time = UnixTime::from_unix_seconds(due).expect("in range");
        assert_eq!(
            validity(cer(&latest)),
            (due - BACKDATE_SECS, plus_months(due_time, 1))
        );
        assert_eq!(
            versions(&client, "renewed").await,
            BTreeSet::from([version(&first), version(&latest)])
        );
        assert_eq!(secret(&transport, "renewed").chain, [cer(&latest).to_vec()]);
    });
    assert_one_challenge_no_5xx(&transport);
}

// ---------------------------------------------------------------------------------------------
// Secrets: `azure_security_keyvault_secrets` on the same vault.
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_client_sets_reads_lists_and_recovers_secrets_beside_a_certificate() {
    use azure_security_keyvault_secrets::ResourceExt as _;
    use azure_security_keyvault_secrets::models::{
        RestoreSecretParameters, SecretAttributes, SecretClientGetSecretOptions,
        SecretClientUpdateSecretPropertiesOptions, SetSecretParameters,
        UpdateSecretPropertiesParameters,
    };
    let (transport, certificates) = vault(21);
    let secrets = secret_client(&transport);
    block_on(async {
        let tls = create(&certificates, "tls", Some(default_policy())).await;
        // `out_content_type: Pem`: the certificate's PKCS#12 secret as PEM. ring signs with
        // the key the PEM holds, and the certificate's public key verifies it.
        let pem = secrets
            .get_secret(
                "tls",
                Some(SecretClientGetSecretOptions {
                    out_content_type: Some(
                        azure_security_keyvault_secrets::models::ContentType::Pem,
                    ),
                    ..Default::default()
                }),
            )
            .await
            .expect("get as PEM")
            .into_model()
            .expect("secret");
        assert_eq!(pem.content_type.as_deref(), Some("application/x-pem-file"));
        assert_eq!(pem.managed, Some(true));
        let pem_text = pem.value.expect("value");
        let blocks: Vec<&str> = pem_text
            .lines()
            .filter(|l| l.starts_with("-----BEGIN"))
            .collect();
        assert_eq!(
            blocks,
            ["-----BEGIN PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----"]
        );
        let end = "-----END PRIVATE KEY-----\n";
        let key_block = &pem_text[..pem_text.find(end).expect("a key block") + end.len()];
        let (label, pkcs8) = x509_cert::der::pem::decode_vec(key_block.as_bytes()).expect("PEM");
        assert_eq!(label, "PRIVATE KEY");
        let key = ring::rsa::KeyPair::from_pkcs8(&pkcs8).expect("ring reads the PKCS#8 key");
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            b"signed with the PEM's key",
            &mut signature,
        )
        .expect("ring signs");
        use x509_cert::der::Decode as _;
        let cer = x509_cert::Certificate::from_der(tls.cer.as_deref().expect("cer")).expect("DER");
        let spki = cer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, spki)
            .verify(b"signed with the PEM's key", &signature)
            .expect("the certificate's key verifies what the PEM's key signed");
        let set = |value: &str, content_type: Option<&str>| SetSecretParameters {
            value: Some(value.to_owned()),
            content_type: content_type.map(str::to_owned),
            tags: Some([("env".to_owned(), "test".to_owned())].into()),
            ..Default::default()
        };
        let first = secrets
            .set_secret(
                "db",
                set("s3cret", Some("text/plain")).try_into().unwrap(),
                None,
            )
            .await
            .expect("set")
            .into_model()
            .expect("secret");
        assert_eq!(first.value.as_deref(), Some("s3cret"));
        assert_eq!(first.content_type.as_deref(), Some("text/plain"));
        assert_eq!(first.managed, None);
        let v1 = first.resource_id().expect("id").version.expect("version");
        transport.advance(1);
        let second = secrets
            .set_secret("db", set("rotated", None).try_into().unwrap(), None)
            .await
            .expect("set again")
            .into_model()
            .expect("secret");
        let v2 = second.resource_id().expect("id").version.expect("version");
        let latest = secrets
            .get_secret("db", None)
            .await
            .expect("get")
            .into_model()
            .expect("secret");
        assert_eq!(latest.value.as_deref(), Some("rotated"));
        let old = secrets
            .get_secret(
                "db",
                Some(SecretClientGetSecretOptions {
                    secret_version: Some(v1.clone()),
                    ..Default::default()
                }),
            )
            .await
            .expect("get version")
            .into_model()
            .expect("secret");
        assert_eq!(old.value.as_deref(), Some("s3cret"));

        // Disable the first version: updated, and its value refused.
        let update = UpdateSecretPropertiesParameters {
            secret_attributes: Some(SecretAttributes {
                enabled: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        };
        let updated = secrets
            .update_secret_properties(
                "db",
                update.try_into().unwrap(),
                Some(SecretClientUpdateSecretPropertiesOptions {
                    secret_version: Some(v1.clone()),
                    ..Default::default()
                }),
            )
            .await
            .expect("update")
            .into_model()
            .expect("secret");
        assert_eq!(updated.value, None, "a PATCH answers without the value");
        assert_eq!(updated.attributes.and_then(|a| a.enabled), Some(false));
        let refused = secrets
            .get_secret(
                "db",
                Some(SecretClientGetSecretOptions {
                    secret_version: Some(v1.clone()),
                    ..Default::default()
                }),
            )
            .await
            .expect_err("disabled");
        assert_eq!(
            http_error(&refused),
            (StatusCode::Forbidden, Some("Forbidden".into()))
        );

        // Listed beside the certificate's secret; versions listed.
        let listed: Vec<(String, Option<bool>)> = secrets
            .list_secret_properties(None)
            .expect("pager")
            .map_ok(|p| (p.resource_id().expect("id").name, p.managed))
            .try_collect()
            .await
            .expect("list");
        assert_eq!(
            listed,
            [("db".to_owned(), None), ("tls".to_owned(), Some(true))]
        );
        let mut versions: Vec<String> = secrets
            .list_secret_properties_versions("db", None)
            .expect("pager")
            .map_ok(|p| p.resource_id().expect("id").version.expect("version"))
            .try_collect()
            .await
            .expect("versions");
        versions.sort();
        let mut expected = vec![v1.clone(), v2.clone()];
        expected.sort();
        assert_eq!(versions, expected);

        // The certificate's secret is the certificate's.
        let managed = secrets
            .set_secret("tls", set("x", None).try_into().unwrap(), None)
            .await
            .expect_err("managed");
        assert_eq!(http_error(&managed).0, StatusCode::Forbidden);

        // Backup, delete, recover, delete, purge, restore.
        let blob = secrets
            .backup_secret("db", None)
            .await
            .expect("backup")
            .into_model()
            .expect("backup")
            .value
            .expect("blob");
        let deleted = secrets
            .delete_secret("db", None)
            .await
            .expect("delete")
            .into_model()
            .expect("deleted");
        assert_eq!(
            deleted.recovery_id.as_deref(),
            Some(format!("{VAULT}/deletedsecrets/db").as_str())
        );
        assert_eq!(deleted.value, None);
        let got = secrets
            .get_deleted_secret("db", None)
            .await
            .expect("get deleted")
            .into_model()
            .expect("deleted");
        assert_eq!(got.id, deleted.id);
        let deleted_names: Vec<Option<String>> = secrets
            .list_deleted_secret_properties(None)
            .expect("pager")
            .map_ok(|p| p.recovery_id)
            .try_collect()
            .await
            .expect("deleted list");
        assert_eq!(deleted_names, std::slice::from_ref(&deleted.recovery_id));
        secrets
            .recover_deleted_secret("db", None)
            .await
            .expect("recover");
        let back = secrets
            .get_secret("db", None)
            .await
            .expect("get")
            .into_model()
            .expect("secret");
        assert_eq!(back.value.as_deref(), Some("rotated"));
        secrets.delete_secret("db", None).await.expect("delete");
        secrets
            .purge_deleted_secret("db", None)
            .await
            .expect("purge");
        let gone = secrets.get_secret("db", None).await.expect_err("purged");
        assert_eq!(http_error(&gone).0, StatusCode::NotFound);
        let restore = RestoreSecretParameters {
            secret_backup: Some(blob),
        };
        let restored = secrets
            .restore_secret(restore.try_into().unwrap(), None)
            .await
            .expect("restore")
            .into_model()
            .expect("secret");
        assert_eq!(restored.resource_id().expect("id").version, Some(v2));
        let again = secrets
            .get_secret("db", None)
            .await
            .expect("get")
            .into_model()
            .expect("secret");
        assert_eq!(again.value.as_deref(), Some("rotated"));
    });
    assert_challenges_no_5xx(&transport, 2);
}

// ---------------------------------------------------------------------------------------------
// Keys: `azure_security_keyvault_keys` on the same vault; signatures checked by `ring`.
// ---------------------------------------------------------------------------------------------

#[test]
fn keys_client_creates_keys_and_signs_with_a_certificates_kid_checked_by_ring() {
    use azure_security_keyvault_keys::ResourceExt as _;
    use azure_security_keyvault_keys::models::{
        CreateKeyParameters, CurveName as KeyCurve, EncryptionAlgorithm, KeyClientDecryptOptions,
        KeyClientEncryptOptions, KeyClientGetKeyOptions, KeyClientSignOptions,
        KeyClientVerifyOptions, KeyOperationParameters, KeyType as KeyKty, RestoreKeyParameters,
        SignParameters, SignatureAlgorithm, VerifyParameters,
    };
    use ring::signature::{self as ring_sig, UnparsedPublicKey};
    use sha2::Digest as _;
    let (transport, certificates) = vault(22);
    let keys = key_client(&transport);
    block_on(async {
        // The certificate's key: its kid signs a JWT's input; ring checks it with the
        // certificate's public key.
        let p = self_policy("CN=signer.example", ec(CurveName::P256), PKCS12, 12);
        let cert = create(&certificates, "signer", Some(p)).await;
        use x509_cert::der::Decode as _;
        let cer = x509_cert::Certificate::from_der(cert.cer.as_deref().expect("cer")).expect("DER");
        let point = cer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            .to_vec();
        let message = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrdmNlcnQifQ";
        let digest = sha2::Sha256::digest(message).to_vec();
        let sign = |alg: SignatureAlgorithm, digest: Vec<u8>| SignParameters {
            algorithm: Some(alg),
            value: Some(digest),
        };
        let signed = keys
            .sign(
                "signer",
                sign(SignatureAlgorithm::Es256, digest.clone())
                    .try_into()
                    .unwrap(),
                None,
            )
            .await
            .expect("sign")
            .into_model()
            .expect("result");
        let signature = signed.result.expect("signature");
        assert_eq!(signature.len(), 64, "raw r || s");
        UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, &point)
            .verify(message, &signature)
            .expect("ring verifies the certificate key's signature");
        assert_eq!(
            signed.kid.as_deref().and_then(|k| k.rsplit('/').next()),
            cert.id.as_deref().and_then(|k| k.rsplit('/').next()),
            "the kid names the certificate's version"
        );
        let managed = keys
            .get_key("signer", None)
            .await
            .expect("get")
            .into_model()
            .expect("key");
        assert_eq!(managed.managed, Some(true));

        // A client's RSA key: create, RS256 checked by ring, encrypt/decrypt round trip.
        let create_rsa = CreateKeyParameters {
            kty: Some(KeyKty::Rsa),
            key_size: Some(2048),
            ..Default::default()
        };
        let rsa_key = keys
            .create_key("rsa", create_rsa.try_into().unwrap(), None)
            .await
            .expect("create")
            .into_model()
            .expect("key");
        let jwk = rsa_key.key.as_ref().expect("jwk");
        let version = rsa_key
            .resource_id()
            .expect("kid")
            .version
            .expect("version");
        let rs256 = keys
            .sign(
                "rsa",
                sign(SignatureAlgorithm::Rs256, digest.clone())
                    .try_into()
                    .unwrap(),
                Some(KeyClientSignOptions {
                    key_version: Some(version.clone()),
                    ..Default::default()
                }),
            )
            .await
            .expect("sign")
            .into_model()
            .expect("result")
            .result
            .expect("signature");
        ring_sig::RsaPublicKeyComponents {
            n: jwk.n.as_deref().expect("n"),
            e: jwk.e.as_deref().expect("e"),
        }
        .verify(&ring_sig::RSA_PKCS1_2048_8192_SHA256, message, &rs256)
        .expect("ring verifies RS256");
        let verified = keys
            .verify(
                "rsa",
                &version,
                VerifyParameters {
                    algorithm: Some(SignatureAlgorithm::Rs256),
                    digest: Some(digest.clone()),
                    signature: Some(rs256.clone()),
                }
                .try_into()
                .unwrap(),
                None::<KeyClientVerifyOptions>,
            )
            .await
            .expect("verify")
            .into_model()
            .expect("result");
        assert_eq!(verified.value, Some(true));
        let sealed = keys
            .encrypt(
                "rsa",
                KeyOperationParameters {
                    algorithm: Some(EncryptionAlgorithm::RsaOaep256),
                    value: Some(b"content key".to_vec()),
                    ..Default::default()
                }
                .try_into()
                .unwrap(),
                Some(KeyClientEncryptOptions {
                    key_version: Some(version.clone()),
                    ..Default::default()
                }),
            )
            .await
            .expect("encrypt")
            .into_model()
            .expect("result")
            .result
            .expect("ciphertext");
        let opened = keys
            .decrypt(
                "rsa",
                &version,
                KeyOperationParameters {
                    algorithm: Some(EncryptionAlgorithm::RsaOaep256),
                    value: Some(sealed),
                    ..Default::default()
                }
                .try_into()
                .unwrap(),
                None::<KeyClientDecryptOptions>,
            )
            .await
            .expect("decrypt")
            .into_model()
            .expect("result")
            .result;
        assert_eq!(opened.as_deref(), Some(&b"content key"[..]));

        // An EC key on P-384; the list has both kinds; backup, delete, purge, restore.
        let create_ec = CreateKeyParameters {
            kty: Some(KeyKty::Ec),
            curve: Some(KeyCurve::P384),
            ..Default::default()
        };
        let ec_key = keys
            .create_key("ec", create_ec.try_into().unwrap(), None)
            .await
            .expect("create")
            .into_model()
            .expect("key");
        assert_eq!(
            ec_key.key.as_ref().and_then(|k| k.crv.clone()),
            Some(KeyCurve::P384)
        );
        let listed: Vec<(String, Option<bool>)> = keys
            .list_key_properties(None)
            .expect("pager")
            .map_ok(|p| (p.resource_id().expect("kid").name, p.managed))
            .try_collect()
            .await
            .expect("list");
        assert_eq!(
            listed,
            [
                ("ec".to_owned(), None),
                ("rsa".to_owned(), None),
                ("signer".to_owned(), Some(true))
            ]
        );
        let blob = keys
            .backup_key("ec", None)
            .await
            .expect("backup")
            .into_model()
            .expect("backup")
            .value
            .expect("blob");
        keys.delete_key("ec", None).await.expect("delete");
        keys.purge_deleted_key("ec", None).await.expect("purge");
        let restored = keys
            .restore_key(
                RestoreKeyParameters {
                    key_backup: Some(blob),
                }
                .try_into()
                .unwrap(),
                None,
            )
            .await
            .expect("restore")
            .into_model()
            .expect("key");
        assert_eq!(
            restored.key.and_then(|k| k.kid),
            ec_key.key.and_then(|k| k.kid)
        );
        let rotated = keys
            .rotate_key("rsa", None)
            .await
            .expect("rotate")
            .into_model()
            .expect("key");
        assert_ne!(
            rotated.resource_id().expect("kid").version,
            Some(version.clone())
        );
        let old = keys
            .get_key(
                "rsa",
                Some(KeyClientGetKeyOptions {
                    key_version: Some(version),
                    ..Default::default()
                }),
            )
            .await
            .expect("get version");
        assert_eq!(old.status(), StatusCode::Ok);
        let refused = keys.delete_key("signer", None).await.expect_err("managed");
        assert_eq!(http_error(&refused).0, StatusCode::Forbidden);
    });
    assert_challenges_no_5xx(&transport, 2);
}

#[test]
fn keys_client_imports_updates_rotates_wraps_and_recovers() {
    use azure_security_keyvault_keys::ResourceExt as _;
    use azure_security_keyvault_keys::models::{
        CreateKeyParameters, CurveName as KeyCurve, EncryptionAlgorithm, ImportKeyParameters,
        JsonWebKey, KeyAttributes, KeyClientSignOptions, KeyOperationParameters, KeyRotationPolicy,
        KeyRotationPolicyAction, KeyRotationPolicyAttributes, KeyType as KeyKty, LifetimeAction,
        LifetimeActionTrigger, LifetimeActionType, SignParameters, SignatureAlgorithm,
        UpdateKeyPropertiesParameters,
    };
    use ring::signature::{self as ring_sig, UnparsedPublicKey};
    use sha2::Digest as _;
    let (transport, _certificates) = vault(23);
    let keys = key_client(&transport);
    block_on(async {
        // Import a P-256 private scalar alone: the vault derives the public point, and ring
        // verifies the imported key's signature with it.
        let import = ImportKeyParameters {
            key: Some(JsonWebKey {
                kty: Some(KeyKty::Ec),
                crv: Some(KeyCurve::P256),
                d: Some(vec![0x11; 32]),
                key_ops: Some(vec!["sign".into(), "verify".into()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let imported = keys
            .import_key("imported", import.try_into().unwrap(), None)
            .await
            .expect("import")
            .into_model()
            .expect("key");
        let jwk = imported.key.as_ref().expect("jwk");
        assert!(jwk.d.is_none(), "the private part is never answered");
        let mut point = vec![4u8];
        point.extend(jwk.x.as_deref().expect("x"));
        point.extend(jwk.y.as_deref().expect("y"));
        let message = b"imported";
        let sign = SignParameters {
            algorithm: Some(SignatureAlgorithm::Es256),
            value: Some(sha2::Sha256::digest(message).to_vec()),
        };
        let signature = keys
            .sign("imported", sign.clone().try_into().unwrap(), None)
            .await
            .expect("sign")
            .into_model()
            .expect("result")
            .result
            .expect("signature");
        UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, &point)
            .verify(message, &signature)
            .expect("ring verifies the imported key's signature");

        // Update: tags and disabled; a disabled key does not sign.
        let update = UpdateKeyPropertiesParameters {
            key_attributes: Some(KeyAttributes {
                enabled: Some(false),
                ..Default::default()
            }),
            tags: Some([("use".to_owned(), "jwt".to_owned())].into()),
            ..Default::default()
        };
        let updated = keys
            .update_key_properties("imported", update.try_into().unwrap(), None)
            .await
            .expect("update")
            .into_model()
            .expect("key");
        assert_eq!(updated.attributes.and_then(|a| a.enabled), Some(false));
        assert_eq!(
            updated.tags.and_then(|t| t.get("use").cloned()).as_deref(),
            Some("jwt")
        );
        let refused = keys
            .sign(
                "imported",
                sign.try_into().unwrap(),
                Some(KeyClientSignOptions::default()),
            )
            .await
            .expect_err("disabled");
        assert_eq!(http_error(&refused).0, StatusCode::Forbidden);

        // A rotation policy set and read back; a rotation gives a version with its expiry.
        let rsa = CreateKeyParameters {
            kty: Some(KeyKty::Rsa),
            ..Default::default()
        };
        keys.create_key("wrapper", rsa.try_into().unwrap(), None)
            .await
            .expect("create");
        let policy = KeyRotationPolicy {
            lifetime_actions: Some(vec![LifetimeAction {
                trigger: Some(LifetimeActionTrigger {
                    time_after_create: Some("P18M".into()),
                    ..Default::default()
                }),
                action: Some(LifetimeActionType {
                    type_prop: Some(KeyRotationPolicyAction::Rotate),
                }),
            }]),
            attributes: Some(KeyRotationPolicyAttributes {
                expiry_time: Some("P48M".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let set = keys
            .update_key_rotation_policy("wrapper", policy.try_into().unwrap(), None)
            .await
            .expect("set policy")
            .into_model()
            .expect("policy");
        assert_eq!(
            set.id.as_deref(),
            Some(format!("{VAULT}/keys/wrapper/rotationpolicy").as_str())
        );
        let got = keys
            .get_key_rotation_policy("wrapper", None)
            .await
            .expect("get policy")
            .into_model()
            .expect("policy");
        assert_eq!(
            got.attributes.and_then(|a| a.expiry_time).as_deref(),
            Some("P48M")
        );
        let rotated = keys
            .rotate_key("wrapper", None)
            .await
            .expect("rotate")
            .into_model()
            .expect("key");
        let attributes = rotated.attributes.as_ref().expect("attributes");
        let lifetime = attributes.expires.expect("exp") - attributes.created.expect("created");
        assert_eq!(lifetime, azure_core::time::Duration::days(1461), "P48M");
        let version = rotated
            .resource_id()
            .expect("kid")
            .version
            .expect("version");
        let versions: Vec<String> = keys
            .list_key_properties_versions("wrapper", None)
            .expect("pager")
            .map_ok(|p| p.resource_id().expect("kid").version.expect("version"))
            .try_collect()
            .await
            .expect("versions");
        assert_eq!(versions.len(), 2);
        assert!(versions.contains(&version));

        // Wrap and unwrap a content key with the new version (RSA-OAEP-256).
        let wrap = |value: Vec<u8>| KeyOperationParameters {
            algorithm: Some(EncryptionAlgorithm::RsaOaep256),
            value: Some(value),
            ..Default::default()
        };
        let wrapped = keys
            .wrap_key("wrapper", wrap(vec![7; 32]).try_into().unwrap(), None)
            .await
            .expect("wrap")
            .into_model()
            .expect("result")
            .result
            .expect("wrapped");
        assert_eq!(wrapped.len(), 256);
        let unwrapped = keys
            .unwrap_key("wrapper", &version, wrap(wrapped).try_into().unwrap(), None)
            .await
            .expect("unwrap")
            .into_model()
            .expect("result")
            .result;
        assert_eq!(unwrapped, Some(vec![7; 32]));

        // Delete, the deleted key and the deleted list, recover.
        let deleted = keys
            .delete_key("wrapper", None)
            .await
            .expect("delete")
            .into_model()
            .expect("deleted");
        assert_eq!(
            deleted.recovery_id.as_deref(),
            Some(format!("{VAULT}/deletedkeys/wrapper").as_str())
        );
        let got = keys
            .get_deleted_key("wrapper", None)
            .await
            .expect("get deleted")
            .into_model()
            .expect("deleted");
        assert_eq!(got.recovery_id, deleted.recovery_id);
        let listed: Vec<Option<String>> = keys
            .list_deleted_key_properties(None)
            .expect("pager")
            .map_ok(|p| p.recovery_id)
            .try_collect()
            .await
            .expect("deleted list");
        assert_eq!(listed, std::slice::from_ref(&deleted.recovery_id));
        keys.recover_deleted_key("wrapper", None)
            .await
            .expect("recover");
        let back = keys
            .get_key("wrapper", None)
            .await
            .expect("get")
            .into_model()
            .expect("key");
        assert_eq!(back.resource_id().expect("kid").version, Some(version));
    });
    assert_challenges_no_5xx(&transport, 1);
}
