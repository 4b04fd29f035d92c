//! The PKCS#12 writer against the service's files, and the reader against OpenSSL's, Java's and hostile ones.
//!
//! Compiled only for tests: `pkcs12.rs` declares it as `#[cfg(test)] mod tests;`.

thread_local! {
    static DERIVATIONS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Called by every key derivation (PKCS#12 KDF, PBKDF2) in test builds.
pub(super) fn count_derivation() {
    DERIVATIONS.with(|d| d.set(d.get() + 1));
}

/// How many key derivations `f` ran on this thread.
fn derivations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = DERIVATIONS.with(|d| d.get());
    let out = f();
    (out, DERIVATIONS.with(|d| d.get()) - before)
}

/// An exportable EC PFX with the leaf and the CA certificate, written with `iterations`.
fn pfx_with(iterations: Iterations) -> Vec<u8> {
    let key = pem_der("leaf.key.pem");
    let certs = [pem_der("leaf.crt.pem"), pem_der("ca.crt.pem")];
    encode_pfx(
        &service_contents(Some(&key), &certs, PfxKeyKind::Ec, None),
        0,
        iterations,
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap()
}

fn limits(f: impl FnOnce(&mut Pkcs12Limits)) -> Pkcs12Limits {
    let mut l = Pkcs12Limits::DEFAULT;
    f(&mut l);
    l
}

#[test]
fn the_default_limits_are_dotnets() {
    let d = Pkcs12Limits::default();
    assert_eq!(
        (
            d.mac_iterations,
            d.kdf_iterations,
            d.total_kdf_iterations,
            d.max_keys,
            d.max_certificates
        ),
        (300_000, 300_000, 1_000_000, 200, 200)
    );
}

/// Each limit refuses a file one over it, before any key derivation, and accepts the
/// same file at the limit (after deriving keys).
#[test]
fn every_limit_refuses_before_any_derivation() {
    let service = pfx_with(Iterations::SERVICE); // 2,000 everywhere, 1 key, 2 certificates
    let over = [
        (
            limits(|l| l.mac_iterations = 1_999),
            "MAC iteration count over the limit",
        ),
        (
            limits(|l| l.kdf_iterations = 1_999),
            "key derivation iteration count over the limit",
        ),
        (
            limits(|l| l.total_kdf_iterations = 3_999),
            "total key derivation iterations over the limit",
        ),
        (limits(|l| l.max_keys = 0), "too many keys"),
    ];
    for (limits, why) in over {
        let (result, runs) = derivations(|| decode_pfx_with_limits(&service, None, &limits));
        assert_eq!(result.unwrap_err(), Error::LimitExceeded(why));
        assert_eq!(runs, 0, "{why}: derivations ran before the refusal");
    }
    // The service encrypts its certificates: they are counted once their safe decrypts.
    let few = limits(|l| l.max_certificates = 1);
    assert_eq!(
        decode_pfx_with_limits(&service, None, &few).unwrap_err(),
        Error::LimitExceeded("too many certificates")
    );
    let at = limits(|l| {
        l.mac_iterations = 2_000;
        l.kdf_iterations = 2_000;
        l.total_kdf_iterations = 4_000;
        l.max_keys = 1;
        l.max_certificates = 2;
    });
    let (decoded, runs) = derivations(|| decode_pfx_with_limits(&service, None, &at));
    let decoded = decoded.unwrap();
    assert!(decoded.key_pkcs8.is_some());
    assert_eq!(decoded.certificates.len(), 2);
    assert!(
        runs >= 5,
        "MAC, then key and IV for two encrypted parts: {runs}"
    );
}

/// The default limits: a MAC or an encryption one iteration over 300,000 is refused
/// without any derivation; 100,000 is read.
#[test]
fn the_default_limits_refuse_300_001_iterations_at_once() {
    let mac = pfx_with(Iterations {
        mac: 300_001,
        ..Iterations::SERVICE
    });
    let (result, runs) = derivations(|| decode_pfx(&mac, None));
    assert_eq!(
        result.unwrap_err(),
        Error::LimitExceeded("MAC iteration count over the limit")
    );
    assert_eq!(runs, 0);
    let key = pfx_with(Iterations {
        key: 300_001,
        ..Iterations::SERVICE
    });
    let (result, runs) = derivations(|| decode_pfx(&key, None));
    assert_eq!(
        result.unwrap_err(),
        Error::LimitExceeded("key derivation iteration count over the limit")
    );
    assert_eq!(runs, 0);
    let fine = pfx_with(Iterations {
        key: 100_000,
        certificates: 100_000,
        mac: 100_000,
    });
    assert!(decode_pfx(&fine, None).unwrap().key_pkcs8.is_some());
}
mod tlv;

use self::tlv::*;
use super::*;
// The tests reach into every part.
use super::{ber::*, decode::*, encode::*, kdf::*, oid::*, pbe::*, state::*};
use const_oid::ObjectIdentifier;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pkcs12/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn pem_der(name: &str) -> Vec<u8> {
    let text = String::from_utf8(data(name)).unwrap();
    let (_, der) = pem_rfc7468::decode_vec(text.as_bytes()).unwrap();
    der
}

// Vectors computed with OpenSSL 3.0.19 (`openssl kdf -kdfopt digest:… -kdfopt hexpass:…
// -kdfopt hexsalt:… -kdfopt iter:… -kdfopt id:… PKCS12KDF`). A and B are the classic
// "smeg" vectors (also in Bouncy Castle's tests); C is the service's MAC key derivation
// with the zero-length password, D the same with `00 00`; E and H need several rounds
// of step 6 (H with all-ones inputs, so every addition carries); G uses v = 128.
#[test]
fn kdf_vectors() {
    let cases: [(HashAlg, &str, &str, u32, u8, usize, &str); 8] = [
        (
            HashAlg::Sha1,
            "0073006d006500670000",
            "0a58cf64530d823f",
            1,
            1,
            24,
            "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3",
        ),
        (
            HashAlg::Sha1,
            "0073006d006500670000",
            "0a58cf64530d823f",
            1,
            2,
            8,
            "79993DFE048D3B76",
        ),
        (
            HashAlg::Sha1,
            "",
            "0102030405060708090a0b0c0d0e0f1011121314",
            2000,
            3,
            20,
            "5B4387279A0F0DC8B31026FA61D158BFD3A17992",
        ),
        (
            HashAlg::Sha1,
            "0000",
            "0102030405060708090a0b0c0d0e0f1011121314",
            2000,
            3,
            20,
            "C6D3858C7D12B792B28647945F614B4E283CDC57",
        ),
        (
            HashAlg::Sha1,
            "0071007500650065006700000000",
            "05deadbeef",
            1000,
            1,
            70,
            "6F6D3A92A00069DD285F5096B24890C5C92A9AE5DB4DC3A78A0E7D9A629DBA4088F2D21AD6E17892DF26BBFDF43136542A6D90E27C6A69F9207861819B0A086FE0F82A88FD6C",
        ),
        (
            HashAlg::Sha256,
            "0000",
            "a1a2a3a4a5a6a7a8",
            2048,
            3,
            32,
            "9FD1F82332185043B111A1FAB138D6DE5FF452615EB154DEAE0C750A8BBD609B",
        ),
        (
            HashAlg::Sha512,
            "00700077000000",
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879",
            3,
            1,
            150,
            "28801B9389D26E8442A3B469395495E18A2F96FA4298D00075FB153A2BED8E76B13DD2D761BC5415A0226453A4DF296F4C72F368F15A215C92BEC643BFF1B987D7D874646EB4CDA2B07875D610303A82D51163DBF0DE899E9DAF6BFB44889C910BDE868698A9943A0D909AD035D1205019D3727068EFE3A7A85886C2C7EF2D0F209D9C8D508FB1594AD4169EED1F62E5C23A89F5D50E",
        ),
        (
            HashAlg::Sha1,
            &"ff".repeat(64),
            "ffffffffffffffff",
            1,
            1,
            24,
            "BDF5D8CCC58C3305FCDF291B7D92E6D04EC0A9E106535ECD",
        ),
    ];
    for (hash, password, salt, iterations, id, len, expected) in cases {
        let got = hash.kdf(&hex(password), &hex(salt), id, iterations, len);
        assert_eq!(*got, hex(expected), "{hash:?} {password} id {id}");
    }
}

fn service_contents<'a>(
    key: Option<&'a [u8]>,
    certs: &'a [Vec<u8>],
    kind: PfxKeyKind,
    name: Option<&str>,
) -> PfxContents<'a> {
    PfxContents {
        key_pkcs8: key,
        certificates: certs,
        key_kind: kind,
        friendly_name: name.map(str::to_owned),
    }
}

/// Strips the PKCS#8 attributes (the service's key usage) from a PrivateKeyInfo.
fn strip_pkcs8_attributes(pkcs8: &[u8]) -> Vec<u8> {
    let mut seq = Seq::of(parse_exact(pkcs8, SEQUENCE, 0).unwrap()).unwrap();
    let mut parts = Vec::new();
    while let Some(t) = seq.next().unwrap() {
        if t.tag != CONTEXT_0 {
            parts.push(t.raw);
        }
    }
    tlv(SEQUENCE, &parts)
}

/// The structure of a PFX with every salt, ciphertext and MAC zeroed: OCTET STRINGs
/// that hold DER are walked into, the others are replaced by zeros of equal length.
fn skeleton(der: &[u8]) -> Vec<u8> {
    fn walk(input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while !rest.is_empty() {
            let (t, next) = parse_tlv(rest, 0).unwrap();
            let header = &t.raw[..t.raw.len() - t.content.len()];
            out.extend_from_slice(header);
            let holds_der = t.tag == OCTET_STRING && parse_exact(t.content, SEQUENCE, 0).is_ok();
            if t.tag & CONSTRUCTED != 0 || holds_der {
                walk(t.content, out);
            } else if t.tag == OCTET_STRING || t.tag == CONTEXT_0_PRIMITIVE {
                out.extend(std::iter::repeat_n(0, t.content.len()));
            } else {
                out.extend_from_slice(t.content);
            }
            rest = next;
        }
    }
    let mut out = Vec::new();
    walk(der, &mut out);
    out
}

/// The plaintexts of a PFX's encrypted parts, in file order (internal walk).
fn plaintexts(der: &[u8], password: &[u8]) -> Vec<Vec<u8>> {
    fn pbe(password: &[u8], alg: Tlv<'_>, ct: &[u8]) -> Vec<u8> {
        let (oid, params) = algorithm_identifier(alg).unwrap();
        let cipher = if oid == OID_PBE_SHA1_3DES.as_bytes() {
            Pkcs12Cipher::TripleDes3
        } else {
            Pkcs12Cipher::Rc2_40
        };
        let mut p = Seq::of(params.unwrap()).unwrap();
        let salt = p.required(OCTET_STRING, "").unwrap();
        let it = iteration_count(p.required(INTEGER, "").unwrap()).unwrap();
        let key = pkcs12_kdf::<sha1::Sha1>(password, salt, 1, it, cipher.key_len());
        let iv = pkcs12_kdf::<sha1::Sha1>(password, salt, 2, it, 8);
        cipher.decrypt(&key, &iv, ct).unwrap().to_vec()
    }
    let mut out = Vec::new();
    let mut pfx = Seq::of(parse_exact(der, SEQUENCE, 0).unwrap()).unwrap();
    pfx.next().unwrap();
    let mut auth = Seq::of(pfx.next().unwrap().unwrap()).unwrap();
    auth.next().unwrap();
    let explicit = auth.next().unwrap().unwrap();
    let safe = parse_exact_any(explicit.content, 1).unwrap().content;
    let mut list = Seq::of(parse_exact(safe, SEQUENCE, 0).unwrap()).unwrap();
    while let Some(ci) = list.next().unwrap() {
        let mut ci = Seq::of(ci).unwrap();
        let kind = ci.required(OBJECT_IDENTIFIER, "").unwrap();
        let content = parse_exact_any(ci.next().unwrap().unwrap().content, 1).unwrap();
        if kind == OID_DATA.as_bytes() {
            let mut bags = Seq::of(parse_exact(content.content, SEQUENCE, 0).unwrap()).unwrap();
            while let Some(bag) = bags.next().unwrap() {
                let mut bag = Seq::of(bag).unwrap();
                bag.next().unwrap();
                let value = parse_exact_any(bag.next().unwrap().unwrap().content, 1).unwrap();
                let mut epki = Seq::of(value).unwrap();
                let alg = epki.next().unwrap().unwrap();
                let ct = epki.required(OCTET_STRING, "").unwrap();
                out.push(pbe(password, alg, ct));
            }
        } else {
            let mut ed = Seq::of(content).unwrap();
            ed.next().unwrap();
            let mut eci = Seq::of(ed.next().unwrap().unwrap()).unwrap();
            eci.next().unwrap();
            let alg = eci.next().unwrap().unwrap();
            let ct = eci.next().unwrap().unwrap();
            out.push(pbe(password, alg, ct.content));
        }
    }
    out
}

/// Encodes the service's own key and certificate again and compares with the recorded
/// PFX: identical structure (salts, ciphertexts and the MAC aside) and identical
/// plaintexts (the PKCS#8 with its key usage, the bag attributes, the certificate bag).
fn reproduces(file: &str, kind: PfxKeyKind) {
    let service = data(file);
    let decoded = decode_pfx(&service, None).unwrap();
    assert_eq!(decoded.mac_password, Some(PasswordForm::ZeroLength));
    let key = decoded
        .key_pkcs8
        .as_deref()
        .map(|k| strip_pkcs8_attributes(k));
    let contents = service_contents(
        key.as_deref(),
        &decoded.certificates,
        kind,
        decoded.key_attributes.friendly_name.as_deref(),
    );
    let ours = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
    assert_eq!(ours.len(), service.len(), "{file}");
    assert_eq!(skeleton(&ours), skeleton(&service), "{file}");
    assert_eq!(plaintexts(&ours, &[]), plaintexts(&service, &[]), "{file}");
    let again = decode_pfx(&ours, None).unwrap();
    assert_eq!(again.key_pkcs8, decoded.key_pkcs8);
    assert_eq!(again.certificates, decoded.certificates);
    assert_eq!(again.key_attributes, decoded.key_attributes);
    assert_eq!(again.certificate_attributes, decoded.certificate_attributes);
}

#[test]
fn reproduces_the_service_rsa_pfx_2021() {
    reproduces("keyvault_rsa_2021.pfx", PfxKeyKind::Rsa);
}

#[test]
fn reproduces_the_service_rsa_pfx_2024() {
    reproduces("keyvault_rsa_2024.pfx", PfxKeyKind::Rsa);
}

#[test]
fn reproduces_the_service_ec_pfx_2024() {
    reproduces("keyvault_ec256_2024.pfx", PfxKeyKind::Ec);
}

#[test]
fn reproduces_the_service_non_exportable_pfx_2024() {
    reproduces("keyvault_nonexportable_rsa_2024.pfx", PfxKeyKind::Rsa);
    let decoded = decode_pfx(&data("keyvault_nonexportable_rsa_2024.pfx"), None).unwrap();
    assert!(decoded.key_pkcs8.is_none());
    assert_eq!(
        decoded.certificate_attributes,
        vec![BagAttributes::default()]
    );
}

#[test]
fn service_pfx_verify_only_with_the_zero_length_password() {
    for file in [
        "keyvault_rsa_2021.pfx",
        "keyvault_rsa_2024.pfx",
        "keyvault_ec256_2024.pfx",
        "keyvault_nonexportable_rsa_2024.pfx",
        "keyvault_rsa_rc2_2018.pfx",
    ] {
        let der = data(file);
        for password in [None, Some("")] {
            let d = decode_pfx(&der, password).unwrap();
            assert_eq!(d.mac_password, Some(PasswordForm::ZeroLength), "{file}");
            assert_eq!(d.certificates.len(), 1);
        }
        assert_eq!(
            decode_pfx(&der, Some("x")).unwrap_err(),
            Error::WrongPassword
        );
    }
    // 2018: RC2-40 certificates and the MAC iterations field omitted (DEFAULT 1).
    let old = decode_pfx(&data("keyvault_rsa_rc2_2018.pfx"), None).unwrap();
    assert!(old.key_pkcs8.is_some());
    assert_eq!(
        old.key_attributes.friendly_name.as_deref(),
        Some("3f91d24a-b53c-4e16-84cf-1169559395e0")
    );
}

fn rsa_key_and_cert(seed: u64) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    let body = br#"{"policy":{"x509_props":{"subject":"CN=pfx"},"issuer":{"name":"Self"}}}"#;
    ec_or_rsa(body, seed)
}

fn ec_or_rsa(body: &[u8], seed: u64) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    let vault = crate::Vault::new("https://v.vault.azure.net");
    let now = "2026-01-15T12:00:00Z".parse().unwrap();
    let issued = crate::service::create::create_from_json(
        "c",
        body,
        &vault,
        now,
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap();
    let cert = issued.completed.as_ref().unwrap().certificate.clone();
    (issued.key.to_pkcs8_der().unwrap(), cert)
}

#[test]
fn round_trip_and_determinism() {
    let ec_body = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=pfx"},"issuer":{"name":"Self"}}}"#;
    for (kind, (key, cert)) in [
        (PfxKeyKind::Rsa, rsa_key_and_cert(1)),
        (PfxKeyKind::Ec, ec_or_rsa(ec_body, 2)),
    ] {
        let certs = vec![cert.clone()];
        let name = (kind == PfxKeyKind::Rsa).then_some("3f91d24a-b53c-4e16-84cf-1169559395e0");
        let contents = service_contents(Some(&key), &certs, kind, name);
        let a = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
        let b = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
        let c = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let decoded = decode_pfx(&a, None).unwrap();
        assert_eq!(decoded.mac_password, Some(PasswordForm::ZeroLength));
        assert_eq!(decoded.certificates, certs);
        let stored = decoded.key_pkcs8.unwrap();
        assert_eq!(strip_pkcs8_attributes(&stored), *key);
        let usage: &[u8] = match kind {
            PfxKeyKind::Rsa => &hex("a00d300b0603551d0f310403020010"),
            PfxKeyKind::Ec => &hex("a00d300b0603551d0f310403020080"),
        };
        assert!(stored.ends_with(usage));
        assert_eq!(
            decoded.key_attributes.local_key_id.as_deref(),
            Some(&[1u8, 0, 0, 0][..])
        );
        assert_eq!(decoded.key_attributes.friendly_name.as_deref(), name);
        assert_eq!(
            decoded.certificate_attributes[0].local_key_id.as_deref(),
            Some(&[1u8, 0, 0, 0][..])
        );
        // Decoding with `Some("")` is the same.
        assert!(decode_pfx(&a, Some("")).is_ok());
    }
}

/// The key bag's attribute SET of an encoded PFX (it lies unencrypted in the `data`
/// ContentInfo), in the service's order, against the bytes this file's TLV writer builds.
fn key_bag_attribute_set(kind: PfxKeyKind, friendly_name: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let (key, cert) = match kind {
        PfxKeyKind::Rsa => rsa_key_and_cert(5),
        PfxKeyKind::Ec => (
            Zeroizing::new(pem_der("leaf.key.pem")),
            pem_der("leaf.crt.pem"),
        ),
    };
    let certs = vec![cert];
    let contents = PfxContents {
        friendly_name: friendly_name.map(str::to_owned),
        ..service_contents(Some(&key), &certs, kind, None)
    };
    let der = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let mut attributes = vec![attribute(
        &OID_LOCAL_KEY_ID,
        &tlv(OCTET_STRING, &[&SERVICE_LOCAL_KEY_ID]),
    )];
    if let Some(name) = friendly_name {
        attributes.push(attribute(&OID_FRIENDLY_NAME, &bmp_string(name).unwrap()));
    }
    let csp = match kind {
        PfxKeyKind::Rsa => CSP_RSA,
        PfxKeyKind::Ec => CSP_EC,
    };
    attributes.push(attribute(&OID_MS_CSP_NAME, &bmp_string(csp).unwrap()));
    let refs: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
    (der, tlv(SET, &refs))
}

#[test]
fn exact_attribute_bytes() {
    let (rsa, expected) = key_bag_attribute_set(
        PfxKeyKind::Rsa,
        Some("3f91d24a-b53c-4e16-84cf-1169559395e0"),
    );
    assert!(rsa.windows(expected.len()).any(|w| w == expected));
    // localKeyID and the CSP name's header, exactly as recorded.
    for recorded in [
        "301306092a864886f70d0109153106040401000000",
        "307906092b0601040182371101316c1e6a",
    ] {
        let recorded = hex(recorded);
        assert!(rsa.windows(recorded.len()).any(|w| w == recorded));
    }
    let (ec, expected) = key_bag_attribute_set(PfxKeyKind::Ec, None);
    assert!(ec.windows(expected.len()).any(|w| w == expected));
    assert!(
        !ec.windows(11)
            .any(|w| w == oid(&OID_FRIENDLY_NAME).as_slice())
    );
}

/// A friendly name longer than the CSP name still comes second: the SET is written in the
/// service's order, not re-sorted as DER would (`syntax::InOrder`).
#[test]
fn attribute_order_is_the_services_not_ders() {
    let long = "n".repeat(100);
    let (der, expected) = key_bag_attribute_set(PfxKeyKind::Ec, Some(&long));
    assert!(der.windows(expected.len()).any(|w| w == expected));
}

#[test]
fn non_exportable_layout() {
    let (_, cert) = rsa_key_and_cert(3);
    let certs = vec![cert.clone(), cert.clone()];
    let contents = service_contents(None, &certs, PfxKeyKind::Rsa, None);
    let der = encode_service_pfx(&contents, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let plain = plaintexts(&der, &[]);
    assert_eq!(plain.len(), 1, "only the encryptedData ContentInfo");
    // Every cert bag ends with the empty attribute SET.
    let bag = safe_bag(
        &OID_CERT_BAG,
        &tlv(
            SEQUENCE,
            &[
                &oid(&OID_X509_CERTIFICATE),
                &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[&cert])]),
            ],
        ),
        &[0x31, 0x00],
    );
    assert_eq!(plain[0], tlv(SEQUENCE, &[&bag, &bag]));
    let decoded = decode_pfx(&der, None).unwrap();
    assert!(decoded.key_pkcs8.is_none());
    assert_eq!(decoded.certificates, certs);
}

#[test]
fn encoder_refusals() {
    let (key, cert) = rsa_key_and_cert(4);
    let certs = vec![cert];
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut refused = |contents: &PfxContents<'_>, argument_or_key: &str| {
        let e = encode_service_pfx(contents, &mut rng).unwrap_err();
        assert!(!e.is_internal(), "{e:?}: a caller error");
        match e {
            Error::InvalidContents(_) => assert!(argument_or_key.starts_with("contents")),
            Error::Key(_) => assert_eq!("key", argument_or_key),
            other => panic!("{other:?}"),
        }
    };
    refused(
        &service_contents(Some(&key), &[], PfxKeyKind::Rsa, None),
        "contents.certificates",
    );
    refused(
        &service_contents(Some(&key), &certs, PfxKeyKind::Ec, None),
        "key",
    );
    refused(
        &service_contents(Some(b"junk"), &certs, PfxKeyKind::Rsa, None),
        "key",
    );
    let junk_cert = vec![vec![1u8, 2, 3]];
    refused(
        &service_contents(Some(&key), &junk_cert, PfxKeyKind::Rsa, None),
        "contents.certificates",
    );
    let contents = PfxContents {
        friendly_name: Some("\u{1F600}".into()),
        ..service_contents(Some(&key), &certs, PfxKeyKind::Rsa, None)
    };
    refused(&contents, "contents.friendly_name");
    assert!(format!("{contents:?}").contains("<elided>"));
}

#[test]
fn existing_pkcs8_attributes_are_kept() {
    let with = data_pkcs8_with_attributes();
    let out = crate::key::pkcs8::with_service_key_usage(&with, OID_EC_PUBLIC_KEY).unwrap();
    assert_eq!(*out, with);
}

fn data_pkcs8_with_attributes() -> Vec<u8> {
    let decoded = decode_pfx(&data("keyvault_ec256_2024.pfx"), None).unwrap();
    decoded.key_pkcs8.unwrap().to_vec()
}

#[test]
fn decodes_openssl3_default() {
    let leaf = pem_der("leaf.crt.pem");
    let ca = pem_der("ca.crt.pem");
    let key = pem_der("leaf.key.pem");
    let d = decode_pfx(&data("openssl3_default.pfx"), Some("kvcert-test")).unwrap();
    assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
    assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()], "file order");
    assert_eq!(
        d.key_pkcs8.as_deref().map(Vec::as_slice),
        Some(key.as_slice())
    );
    assert_eq!(
        d.key_attributes.friendly_name.as_deref(),
        Some("kvcert leaf")
    );
    assert_eq!(
        d.key_attributes.local_key_id,
        d.certificate_attributes[0].local_key_id
    );
    assert_eq!(d.certificate_attributes[1], BagAttributes::default());
    assert_eq!(
        decode_pfx(&data("openssl3_default.pfx"), Some("wrong")).unwrap_err(),
        Error::WrongPassword
    );
    assert_eq!(
        decode_pfx(&data("openssl3_default.pfx"), None).unwrap_err(),
        Error::WrongPassword
    );
    // `-passout pass:`: MAC and PKCS#12 KDF with `00 00`, PBES2 with the empty string.
    for password in [None, Some("")] {
        let d = decode_pfx(&data("openssl3_default_emptypass.pfx"), password).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
        assert_eq!(
            d.key_pkcs8.as_deref().map(Vec::as_slice),
            Some(key.as_slice())
        );
    }
    let d = decode_pfx(&data("openssl3_unicode_pass.pfx"), Some("pässwörd")).unwrap();
    assert_eq!(d.certificates, vec![leaf]);
    assert!(d.key_pkcs8.is_some());
}

#[test]
fn decodes_openssl_legacy() {
    let rsa = pem_der("rsa.crt.pem");
    let rsa_key = pem_der("rsa.key.pem");
    let d = decode_pfx(&data("openssl_legacy.pfx"), Some("kvcert-test")).unwrap();
    assert_eq!(d.certificates, vec![rsa]);
    assert_eq!(
        d.key_pkcs8.as_deref().map(Vec::as_slice),
        Some(rsa_key.as_slice())
    );
    assert_eq!(
        d.key_attributes.friendly_name.as_deref(),
        Some("kvcert rsa")
    );
    let leaf = pem_der("leaf.crt.pem");
    let ca = pem_der("ca.crt.pem");
    for password in [None, Some("")] {
        let d = decode_pfx(&data("openssl_legacy_emptypass.pfx"), password).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
    }
    let d = decode_pfx(&data("openssl_legacy_unicode_pass.pfx"), Some("pässwörd")).unwrap();
    assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
    assert_eq!(d.certificates, vec![leaf]);
}

#[test]
fn decodes_unencrypted_key_bag_without_mac() {
    let d = decode_pfx(&data("openssl_plain_nomac.pfx"), None).unwrap();
    assert_eq!(d.mac_password, None);
    assert_eq!(
        d.certificates,
        vec![pem_der("leaf.crt.pem"), pem_der("ca.crt.pem")]
    );
    assert_eq!(
        d.key_pkcs8.as_deref().map(Vec::as_slice),
        Some(pem_der("leaf.key.pem").as_slice())
    );
    // Nothing is encrypted, so any password reads it.
    assert!(decode_pfx(&data("openssl_plain_nomac.pfx"), Some("anything")).is_ok());
}

#[test]
fn decodes_java_keytool() {
    let d = decode_pfx(&data("java_keytool.p12"), Some("kvcert-test")).unwrap();
    assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
    assert_eq!(d.certificates.len(), 1);
    assert!(d.key_pkcs8.is_some());
    assert_eq!(d.key_attributes.friendly_name.as_deref(), Some("kvcert"));
    let cert = x509_cert::Certificate::from_der(&d.certificates[0]).unwrap();
    assert_eq!(
        cert.tbs_certificate().subject().to_string(),
        "CN=kvcert test java"
    );
    assert_eq!(
        decode_pfx(&data("java_keytool.p12"), Some("nope")).unwrap_err(),
        Error::WrongPassword
    );
}

use der::Decode;

/// A PFX assembled here: plain bags of every kind (a crlBag, a secretBag, an sdsi
/// certificate, a nested safeContentsBag holding a certificate), BER indefinite
/// lengths and a constructed OCTET STRING, MAC with SHA-256 and `00 00`.
fn handmade(bags: &[Vec<u8>], indefinite: bool) -> Vec<u8> {
    let refs: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
    let safe_contents = tlv(SEQUENCE, &refs);
    let ci = if indefinite {
        // data ContentInfo with indefinite lengths and the OCTET STRING in two segments.
        let (a, b) = safe_contents.split_at(safe_contents.len() / 2);
        let mut v = vec![0x30, 0x80];
        v.extend(oid(&OID_DATA));
        v.extend([0xa0, 0x80, 0x24, 0x80]);
        v.extend(tlv(OCTET_STRING, &[a]));
        v.extend(tlv(OCTET_STRING, &[b]));
        v.extend([0, 0, 0, 0, 0, 0]);
        v
    } else {
        content_info_data(&safe_contents)
    };
    let auth = tlv(SEQUENCE, &[&ci]);
    let salt = [7u8; 8];
    let key = HashAlg::Sha256.kdf(&[0, 0], &salt, KDF_ID_MAC, 3, 32);
    let mac = hmac_tag::<sha2::Sha256>(&key, &auth).unwrap();
    let mac_data = tlv(
        SEQUENCE,
        &[
            &tlv(
                SEQUENCE,
                &[
                    &tlv(SEQUENCE, &[&oid(&OID_SHA256), &[0x05, 0x00]]),
                    &tlv(OCTET_STRING, &[&mac]),
                ],
            ),
            &tlv(OCTET_STRING, &[&salt]),
            &der_uint(3),
        ],
    );
    tlv(
        SEQUENCE,
        &[&der_uint(3), &content_info_data(&auth), &mac_data],
    )
}

fn cert_bag(cert: &[u8], cert_type: &ObjectIdentifier) -> Vec<u8> {
    safe_bag(
        &OID_CERT_BAG,
        &tlv(
            SEQUENCE,
            &[
                &oid(cert_type),
                &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[cert])]),
            ],
        ),
        &tlv(SET, &[]),
    )
}

#[test]
fn skips_unknown_bags_and_reads_ber() {
    let leaf = pem_der("leaf.crt.pem");
    let ca = pem_der("ca.crt.pem");
    let crl_bag = safe_bag(
        &ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.4"),
        &tlv(
            SEQUENCE,
            &[
                &oid(&ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.23.1")),
                &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[b"crl"])]),
            ],
        ),
        &tlv(SET, &[]),
    );
    let secret_bag = safe_bag(
        &ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5"),
        &tlv(
            SEQUENCE,
            &[
                &oid(&OID_DATA),
                &tlv(CONTEXT_0, &[&tlv(OCTET_STRING, &[b"s"])]),
            ],
        ),
        &tlv(SET, &[]),
    );
    let sdsi = cert_bag(
        b"not x509",
        &ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.2"),
    );
    let nested = safe_bag(
        &OID_SAFE_CONTENTS_BAG,
        &tlv(SEQUENCE, &[&cert_bag(&ca, &OID_X509_CERTIFICATE)]),
        &[],
    );
    let bags = vec![
        crl_bag,
        cert_bag(&leaf, &OID_X509_CERTIFICATE),
        secret_bag,
        sdsi,
        nested,
    ];
    for indefinite in [false, true] {
        let pfx = handmade(&bags, indefinite);
        let d = decode_pfx(&pfx, None).unwrap();
        assert_eq!(d.mac_password, Some(PasswordForm::Bmp));
        assert_eq!(d.certificates, vec![leaf.clone(), ca.clone()]);
        assert!(d.key_pkcs8.is_none());
    }
    // Two keys are refused.
    let key = pem_der("leaf.key.pem");
    let key_bag = safe_bag(&OID_KEY_BAG, &key, &tlv(SET, &[]));
    let pfx = handmade(&[key_bag.clone(), key_bag], false);
    assert_eq!(decode_pfx(&pfx, None).unwrap_err(), Error::MultipleKeys);
    // Too deep nesting of safeContentsBag.
    let mut bag = cert_bag(&leaf, &OID_X509_CERTIFICATE);
    for _ in 0..=MAX_BAG_NESTING {
        bag = safe_bag(&OID_SAFE_CONTENTS_BAG, &tlv(SEQUENCE, &[&bag]), &[]);
    }
    assert_eq!(
        decode_pfx(&handmade(&[bag], false), None).unwrap_err(),
        Error::LimitExceeded("safeContentsBag nesting")
    );
    // Too many bags.
    let many = vec![
        tlv(
            SEQUENCE,
            &[&oid(&OID_DATA), &tlv(CONTEXT_0, &[&[0x05, 0x00]])]
        );
        MAX_BAGS + 1
    ];
    assert_eq!(
        decode_pfx(&handmade(&many, false), None).unwrap_err(),
        Error::LimitExceeded("too many bags")
    );
}

#[test]
fn bounds() {
    assert_eq!(
        decode_pfx(&vec![0u8; MAX_PFX_LEN + 1], None).unwrap_err(),
        Error::TooLarge {
            len: MAX_PFX_LEN + 1
        }
    );
    // Counts over u32 are over every limit; zero is malformed.
    assert_eq!(
        iteration_count(&hex("0100000000")).unwrap_err(),
        Error::LimitExceeded("iteration count over the limit")
    );
    assert_eq!(iteration_count(&hex("00989680")).unwrap(), 10_000_000);
    assert!(iteration_count(&hex("00")).is_err());
    assert!(iteration_count(&hex("ff")).is_err());
    assert!(Passwords::new(Some(&"x".repeat(MAX_PASSWORD_CHARS + 1))).is_err());
    // Deeply nested indefinite lengths.
    let mut deep = [0x30, 0x80].repeat(200);
    deep.extend(vec![0u8; 400]);
    assert_eq!(
        decode_pfx(&deep, None).unwrap_err(),
        Error::Malformed("nesting too deep")
    );
}

#[test]
fn truncated_and_garbage_input_never_panics() {
    let mut inputs = vec![
        data("keyvault_rsa_2021.pfx"),
        data("openssl3_default.pfx"),
        data("openssl_legacy_emptypass.pfx"),
        data("openssl_plain_nomac.pfx"),
        data("java_keytool.p12"),
    ];
    inputs.push(Vec::new());
    inputs.push(vec![0x30]);
    inputs.push(vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff]);
    inputs.push(vec![0x30, 0x80]);
    inputs.push(vec![0x04, 0x80, 0x00, 0x00]);
    inputs.push(vec![0x1f, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    for input in &inputs {
        // The whole input: read or refused, never a panic (the files need other passwords).
        let whole = std::panic::catch_unwind(|| decode_pfx(input, None).is_ok());
        assert!(whole.is_ok(), "panicked on a whole input");
        // Every truncation is refused.
        for len in (0..input.len()).step_by(7) {
            assert!(
                decode_pfx(&input[..len], None).is_err(),
                "truncated to {len}"
            );
        }
    }
    // Bit flips in a file with a MAC: the MAC (or the structure around it) refuses every one.
    let base = data("keyvault_ec256_2024.pfx");
    assert!(decode_pfx(&base, None).is_ok(), "the unflipped file reads");
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for _ in 0..300 {
        let mut m = base.clone();
        let i = (rand_core::Rng::next_u32(&mut rng) as usize) % m.len();
        let bit = rand_core::Rng::next_u32(&mut rng) % 8;
        m[i] ^= 1 << bit;
        assert!(
            decode_pfx(&m, None).is_err(),
            "a flip of bit {bit} at byte {i} of a MAC-protected file was accepted"
        );
    }
    // Without a MAC nothing vouches for the bytes: a change may be read, but only into
    // certificates that are still one DER SEQUENCE each, and some changes are refused.
    let plain = data("openssl_plain_nomac.pfx");
    let mut refused = 0;
    for i in 0..plain.len() {
        let mut m = plain.clone();
        m[i] = m[i].wrapping_add(0x41);
        match decode_pfx(&m, None) {
            Ok(d) => assert!(d.certificates.iter().all(|c| is_single_sequence(c))),
            Err(_) => refused += 1,
        }
    }
    assert!(refused > 0, "no change of {} bytes refused", plain.len());
}

#[test]
fn errors_display() {
    assert_eq!(
        Error::WrongPassword.to_string(),
        "PKCS#12 MAC verification or decryption failed: wrong password"
    );
    assert!(Error::Unsupported("x".into()).to_string().contains('x'));
    let e = unsupported_oid("MAC algorithm", OID_SHA1.as_bytes());
    assert_eq!(e, Error::Unsupported("MAC algorithm 1.3.14.3.2.26".into()));
    let d = decode_pfx(&data("keyvault_ec256_2024.pfx"), None).unwrap();
    assert!(format!("{d:?}").contains("<elided>"));
}

#[test]
fn der_writer() {
    assert_eq!(der_uint(0), hex("020100"));
    assert_eq!(der_uint(3), hex("020103"));
    assert_eq!(der_uint(128), hex("02020080"));
    assert_eq!(der_uint(2000), hex("020207d0"));
    assert_eq!(tlv(OCTET_STRING, &[&[0u8; 200]])[..3], hex("0481c8")[..]);
    assert_eq!(tlv(OCTET_STRING, &[&[0u8; 300]])[..4], hex("0482012c")[..]);
    let input = hex("0481050102030405ff");
    let (t, rest) = parse_tlv(&input, 0).unwrap();
    assert_eq!(t.content, hex("0102030405"));
    assert_eq!(rest, [0xff]);
}
