use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

#[test]
fn dump() {
    let dir = std::path::PathBuf::from("/tmp/kvdump");
    std::fs::create_dir_all(&dir).unwrap();
    let vault = kvcert::Vault::new("https://myvault.vault.azure.net");
    let now: kvcert::UnixTime = "2026-01-15T12:00:00Z".parse().unwrap();
    let cases: &[(&str, &str)] = &[
        ("rsa", r#"{"policy":{"issuer":{"name":"Self"},"x509_props":{"subject":"CN=DefaultPolicy"}}}"#),
        ("k1", r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256K"},"x509_props":{"subject":"CN=k1","key_usage":["digitalSignature","nonRepudiation","keyEncipherment","dataEncipherment","keyAgreement","keyCertSign","cRLSign","encipherOnly","decipherOnly"]}}}"#),
        ("p256", r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"sans":{"dns_names":["a.example"],"emails":["a@b.example"],"upns":["u@corp.example"],"ipAddresses":["192.0.2.1","2001:db8::1"],"uris":["https://x.example/p"]}}}}"#),
        ("utf", r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-384"},"x509_props":{"subject":"CN=Caf\\C3\\A9\\, Inc.","validity_months":120}}}"#),
        ("mv", r#"{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-521"},"x509_props":{"subject":"CN=a+O=b, C=US","ekus":[]}}}"#),
    ];
    for (n, body) in cases {
        let i = kvcert::create_from_json("c1", body.as_bytes(), &vault, now, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        std::fs::write(dir.join(format!("{n}.csr.der")), &i.csr).unwrap();
        std::fs::write(dir.join(format!("{n}.key.pem")), i.key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
        if let Some(c) = &i.completed {
            std::fs::write(dir.join(format!("{n}.cert.der")), &c.certificate).unwrap();
            std::fs::write(dir.join(format!("{n}.cert.pem")), kvcert::pem::encode("CERTIFICATE", &c.certificate)).unwrap();
        }
    }
}
