package kvcert;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.certificates.models.AdministratorContact;
import com.azure.security.keyvault.certificates.models.CertificateContact;
import com.azure.security.keyvault.certificates.models.CertificateContentType;
import com.azure.security.keyvault.certificates.models.CertificateIssuer;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateKeyUsage;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.CertificatePolicyAction;
import com.azure.security.keyvault.certificates.models.CertificateProperties;
import com.azure.security.keyvault.certificates.models.DeletedCertificate;
import com.azure.security.keyvault.certificates.models.ImportCertificateOptions;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificate;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.certificates.models.LifetimeAction;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import com.azure.security.keyvault.certificates.models.SubjectAlternativeNames;
import com.azure.security.keyvault.certificates.models.WellKnownIssuerNames;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.EncryptionAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.SignResult;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.DeletedKey;
import com.azure.security.keyvault.keys.models.ImportKeyOptions;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyRotationLifetimeAction;
import com.azure.security.keyvault.keys.models.KeyRotationPolicy;
import com.azure.security.keyvault.keys.models.KeyRotationPolicyAction;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The Azure SDK for Java (certificates, secrets, keys) and azure-identity against the reference
 * emulator; every client authenticates with a ClientSecretCredential whose authority is the
 * emulator (its token a JWT from the emulator's token endpoint). The flows follow
 * emulator/tests/sdk/python_flows.py, flow by flow. Each result is checked by the JDK's own
 * crypto (KeyStore loads the PFX, CertificateFactory parses the PEM, Signature verifies, Cipher
 * encrypts and decrypts, CertPathValidator checks a chain), not only by the absence of an
 * exception. BouncyCastle builds what the JDK cannot: X.509 certificates (a test CA, a leaf from
 * the vault's CSR, a certificate to import), and verifies secp256k1, which JDK 17's SunEC lacks.
 * The emulator's root is in the JVM's trust store (javax.net.ssl.trustStore).
 * Usage: java kvcert.Flows VAULT_URL
 */
public final class Flows {
    static final String TENANT = "00000000-0000-0000-0000-000000000000";
    static final String PFX = "application/x-pkcs12";
    static final String PEM = "application/x-pem-file";
    static final byte[] MESSAGE = "kvcert".getBytes(StandardCharsets.UTF_8);
    static final byte[] CONTENT_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final Provider BC = new BouncyCastleProvider();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String vault;
    static TokenCredential credential;
    static CertificateClient certificates;
    static SecretClient secrets;
    static KeyClient keys;

    static void ok(String step) {
        System.out.println("ok: " + step);
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) throws Exception {
        vault = args[0];
        credential = new ClientSecretCredentialBuilder()
            .authorityHost(vault)
            .tenantId(TENANT)
            .clientId("java-app")
            .clientSecret("java-app-secret")
            .disableInstanceDiscovery()
            .build();
        String token = credential.getTokenSync(new TokenRequestContext().addScopes("https://vault.azure.net/.default")).getToken();
        check(token.split("\\.").length == 3, "a JWT from the emulator's token endpoint");
        ok("ClientSecretCredential with the emulator as authority");
        certificates = new CertificateClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();
        secrets = new SecretClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();
        keys = new KeyClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();

        firstCertificateAndKeys();
        defaultPolicy();
        customPolicies();
        listCertificates();
        updatePolicyAndProperties();
        managedSecretsAndKeys();
        unknownIssuerMerge();
        registeredCaIssuer();
        cancelAndDeleteOperation();
        deleteRecoverPurge();
        backupRestore();
        importPfxAndPem();
        issuersAndContacts();
        autoRenew();
        ownSecrets();
        ownKeys();
        cryptography();
        errors();
        System.out.println("java flows passed");
    }

    /** The first flows: a certificate, its kid signing, secrets and an RSA key (kept for KeyStoreFlow). */
    static void firstCertificateAndKeys() throws Exception {
        // A certificate: created and polled, its PFX loaded by KeyStore, its key the certificate's.
        CertificatePolicy policy = new CertificatePolicy("Self", "CN=java.example")
            .setKeyType(CertificateKeyType.EC).setKeyCurveName(CertificateKeyCurveName.P_256);
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller =
            certificates.beginCreateCertificate("java-cert", policy);
        poller.setPollInterval(Duration.ofMillis(100));
        poller.waitForCompletion(Duration.ofSeconds(60));
        KeyVaultCertificateWithPolicy cert = poller.getFinalResult();
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(cert.getCer()));
        check(x509.getSubjectX500Principal().getName().equals("CN=java.example"), "the subject");
        byte[] pfx = Base64.getDecoder().decode(secrets.getSecret("java-cert").getValue());
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(pfx), new char[0]);
        String alias = store.aliases().nextElement();
        PrivateKey key = (PrivateKey) store.getKey(alias, new char[0]);
        X509Certificate inPfx = (X509Certificate) store.getCertificate(alias);
        check(inPfx.equals(x509), "the PFX holds the certificate");
        Signature proof = Signature.getInstance("SHA256withECDSA");
        proof.initSign(key);
        proof.update(new byte[] {1, 2, 3});
        byte[] proofSignature = proof.sign();
        proof.initVerify(x509.getPublicKey());
        proof.update(new byte[] {1, 2, 3});
        check(proof.verify(proofSignature), "the PFX's key is the certificate's");
        ok("certificate created and polled; KeyStore loads its PFX; the key is the certificate's");

        // The certificate's kid signs; the JDK verifies the raw r || s (P1363) with the certificate.
        byte[] message = "header.payload".getBytes(StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(message);
        CryptographyClient certCrypto = new CryptographyClientBuilder().keyIdentifier(cert.getKeyId())
            .credential(credential).disableChallengeResourceVerification().buildClient();
        byte[] signature = certCrypto.sign(SignatureAlgorithm.ES256, digest).getSignature();
        check(signature.length == 64, "a raw r || s signature");
        Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(x509.getPublicKey());
        verifier.update(message);
        check(verifier.verify(signature), "the certificate key's signature verifies");
        ok("the certificate's kid signs ES256; the JDK verifies it");

        // Secrets of their own.
        secrets.setSecret("java-secret", "s3cret");
        check("s3cret".equals(secrets.getSecret("java-secret").getValue()), "the secret's value");
        boolean managedListed = secrets.listPropertiesOfSecrets().stream()
            .anyMatch(p -> p.getName().equals("java-cert") && Boolean.TRUE.equals(p.isManaged()));
        check(managedListed, "the certificate's secret is listed as managed");
        try {
            secrets.setSecret("java-cert", "x");
            throw new AssertionError("a certificate's secret was set");
        } catch (HttpResponseException e) {
            check(e.getResponse().getStatusCode() == 403, "403 for a certificate's secret");
        }
        ok("secrets set, read, listed beside the certificate's; a certificate's secret refused");

        // Keys: an RSA key, a plaintext sealed by the JDK and opened by the vault.
        KeyVaultKey rsa = keys.createRsaKey(new CreateRsaKeyOptions("java-rsa").setKeySize(2048));
        PublicKey rsaPublic = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
            new BigInteger(1, rsa.getKey().getN()), new BigInteger(1, rsa.getKey().getE())));
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        oaep.init(Cipher.ENCRYPT_MODE, rsaPublic,
            new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        byte[] sealed = oaep.doFinal("content key".getBytes(StandardCharsets.UTF_8));
        CryptographyClient rsaCrypto = new CryptographyClientBuilder().keyIdentifier(rsa.getId())
            .credential(credential).disableChallengeResourceVerification().buildClient();
        byte[] opened = rsaCrypto.decrypt(EncryptionAlgorithm.RSA_OAEP_256, sealed).getPlainText();
        check("content key".equals(new String(opened, StandardCharsets.UTF_8)), "RSA-OAEP-256 decrypt");
        byte[] rs256 = rsaCrypto.sign(SignatureAlgorithm.RS256, digest).getSignature();
        Signature rsaVerifier = Signature.getInstance("SHA256withRSA");
        rsaVerifier.initVerify(rsaPublic);
        rsaVerifier.update(message);
        check(rsaVerifier.verify(rs256), "RS256 verifies");
        ok("keys: RSA created; the JDK's OAEP sealed, the vault opened; RS256 verified by the JDK");
    }

    // ---- Certificates (python_flows.py 1 to 12) ----

    /** 1. The default policy; get latest and by version; the policy as stored. */
    static void defaultPolicy() throws Exception {
        KeyVaultCertificateWithPolicy created = create("default", CertificatePolicy.getDefault(), null);
        KeyVaultCertificateWithPolicy latest = certificates.getCertificate("default");
        check(latest.getProperties().getVersion().equals(created.getProperties().getVersion()), "the latest version");
        KeyVaultCertificate byVersion = certificates.getCertificateVersion("default", created.getProperties().getVersion());
        check(Arrays.equals(byVersion.getCer(), latest.getCer()), "by version, the same certificate");
        checkCertificate(latest);
        CertificatePolicy policy = certificates.getCertificatePolicy("default");
        check("Self".equals(policy.getIssuerName()) && CertificateKeyType.RSA.equals(policy.getKeyType())
            && Integer.valueOf(2048).equals(policy.getKeySize()), "the default policy: Self, RSA 2048");
        ok("default policy: create, poll, get, get version, policy, secret, key");
    }

    /** A custom policy's key (RSA size, or EC curve and its field size) and content type. */
    record Custom(CertificateKeyType type, int bits, CertificateKeyCurveName curve, CertificateContentType content) {
    }

    /** 2. Every key type and size, both content types; tags, SAN and key checked on the certificate. */
    static void customPolicies() throws Exception {
        List<Custom> cases = List.of(
            new Custom(CertificateKeyType.RSA, 2048, null, CertificateContentType.PKCS12),
            new Custom(CertificateKeyType.RSA, 3072, null, CertificateContentType.PEM),
            new Custom(CertificateKeyType.RSA, 4096, null, CertificateContentType.PKCS12),
            new Custom(CertificateKeyType.EC, 256, CertificateKeyCurveName.P_256, CertificateContentType.PEM),
            new Custom(CertificateKeyType.EC, 384, CertificateKeyCurveName.P_384, CertificateContentType.PKCS12),
            new Custom(CertificateKeyType.EC, 521, CertificateKeyCurveName.P_521, CertificateContentType.PEM));
        for (int i = 0; i < cases.size(); i++) {
            Custom c = cases.get(i);
            String dns = "custom" + i + ".example";
            CertificatePolicy policy = new CertificatePolicy(WellKnownIssuerNames.SELF, "CN=" + dns,
                new SubjectAlternativeNames().setDnsNames(List.of(dns)))
                .setKeyType(c.type()).setContentType(c.content()).setValidityInMonths(6);
            if (c.curve() == null) {
                policy.setKeySize(c.bits());
            } else {
                policy.setKeyCurveName(c.curve());
            }
            KeyVaultCertificateWithPolicy cert = create("custom" + i, policy, Map.of("n", String.valueOf(i)));
            check(Map.of("n", String.valueOf(i)).equals(cert.getProperties().getTags()), "the tags");
            X509Certificate x509 = checkCertificate(cert).get(0);
            check(keyBits(x509.getPublicKey()) == c.bits(), "custom" + i + ": the key's size or curve");
            check(dnsNames(x509).equals(List.of(dns)), "custom" + i + ": the SAN");
        }
        ok("custom policies: RSA 2048/3072/4096, EC P-256/384/521, PFX and PEM");
    }

    /** 3. The certificates list. */
    static void listCertificates() {
        Set<String> names = certificates.listPropertiesOfCertificates().stream()
            .map(CertificateProperties::getName).collect(Collectors.toSet());
        check(names.containsAll(List.of("default", "custom0", "custom5")), "listed: " + names);
        ok("list certificates");
    }

    /** 4. The policy updated; a new version under it; the versions; the properties updated. */
    static void updatePolicyAndProperties() throws Exception {
        // The SDK sends the whole policy (issuer, subject, key properties): the stored one is read and
        // changed. It holds the EC key's size (256) beside its curve, so both change together.
        CertificatePolicy changed = certificates.getCertificatePolicy("custom3")
            .setValidityInMonths(3).setKeyCurveName(CertificateKeyCurveName.P_384).setKeySize(384);
        CertificatePolicy updated = certificates.updateCertificatePolicy("custom3", changed);
        check(Integer.valueOf(3).equals(updated.getValidityInMonths()), "the updated validity");
        KeyVaultCertificateWithPolicy second = create("custom3", updated, null);
        check(certificates.listPropertiesOfCertificateVersions("custom3").stream().count() == 2, "2 versions");
        X509Certificate x509 = checkCertificate(second).get(0);
        check(keyBits(x509.getPublicKey()) == 384, "the new version's key is P-384");
        CertificateProperties properties = certificates.getCertificate("custom3").getProperties()
            .setEnabled(true).setTags(Map.of("updated", "yes"));
        KeyVaultCertificate props = certificates.updateCertificateProperties(properties);
        check(Map.of("updated", "yes").equals(props.getProperties().getTags()), "the updated tags");
        ok("update policy, new version, versions, update properties");
    }

    /** 4b. The certificates' secrets and keys in the secrets and keys lists (managed), with versions. */
    static void managedSecretsAndKeys() {
        Map<String, SecretProperties> listed = secrets.listPropertiesOfSecrets().stream()
            .collect(Collectors.toMap(SecretProperties::getName, Function.identity()));
        check(listed.keySet().containsAll(List.of("default", "custom0", "custom1", "custom3")), "secrets: " + listed.keySet());
        SecretProperties custom0 = listed.get("custom0");
        check(Boolean.TRUE.equals(custom0.isManaged()) && Map.of("n", "0").equals(custom0.getTags()), "custom0 managed, tagged");
        check(PFX.equals(custom0.getContentType()), "custom0's content type");
        check(PEM.equals(listed.get("custom1").getContentType()), "custom1's content type");
        check(custom0.getVersion() == null, "a list names the secret, not a version");
        Set<String> secretVersions = secrets.listPropertiesOfSecretVersions("custom3").stream()
            .map(SecretProperties::getVersion).collect(Collectors.toSet());
        Set<String> certificateVersions = certificates.listPropertiesOfCertificateVersions("custom3").stream()
            .map(CertificateProperties::getVersion).collect(Collectors.toSet());
        check(secretVersions.equals(certificateVersions), "the secret's versions are the certificate's");
        Map<String, KeyProperties> listedKeys = keys.listPropertiesOfKeys().stream()
            .collect(Collectors.toMap(KeyProperties::getName, Function.identity()));
        check(Boolean.TRUE.equals(listedKeys.get("custom0").isManaged())
            && Boolean.TRUE.equals(listedKeys.get("custom0").isEnabled()), "custom0's key managed, enabled");
        check(keys.listPropertiesOfKeyVersions("custom3").stream().count() == 2, "the key's 2 versions");
        ok("the certificates' secrets and keys in the secrets and keys lists, with versions");
    }

    /** 5. Unknown issuer: the vault's CSR signed by a test CA (BouncyCastle), merged with the chain. */
    static void unknownIssuerMerge() throws Exception {
        KeyPair caKeys = generate("EC", new ECGenParameterSpec("secp256r1"));
        Instant start = clock();
        X509Certificate ca = issue(new X500Name("CN=SDK test CA"), caKeys.getPublic(), new X500Name("CN=SDK test CA"),
            caKeys.getPrivate(), start.minus(1, ChronoUnit.DAYS), start.plus(3650, ChronoUnit.DAYS), true);
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller = certificates.beginCreateCertificate(
            "merged", new CertificatePolicy(WellKnownIssuerNames.UNKNOWN, "CN=merged.example"));
        CertificateOperation operation = poller.poll().getValue();
        check("inProgress".equals(operation.getStatus()) && operation.getCsr() != null, "a pending operation with a CSR");
        JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(operation.getCsr());
        check(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo())),
            "the CSR's signature");
        X509Certificate leaf = issue(csr.getSubject(), csr.getPublicKey(), new X500Name("CN=SDK test CA"),
            caKeys.getPrivate(), start.minus(5, ChronoUnit.MINUTES), start.plus(365, ChronoUnit.DAYS), false);
        // MergeCertificateOptions keeps `enabled` in a primitive boolean: unless set, the SDK sends
        // "attributes": {"enabled": false} and the merged certificate (and its secret) is disabled.
        KeyVaultCertificateWithPolicy merged = certificates.mergeCertificate(
            new MergeCertificateOptions("merged", List.of(leaf.getEncoded(), ca.getEncoded())).setEnabled(true));
        List<X509Certificate> chain = checkCertificate(merged);
        check(chain.equals(List.of(leaf, ca)), "the secret holds the chain, leaf first: " + chain);
        check("completed".equals(operation("merged").getStatus()), "the operation completed");
        ok("Unknown issuer: CSR, signed, merged; the secret holds the chain");
    }

    /** 6. A registered CA issuer: the emulated DigiCert signs; the JDK's PKIX validates the chain. */
    static void registeredCaIssuer() throws Exception {
        CertificateIssuer issuer = certificates.createIssuer(new CertificateIssuer("digicert-issuer", "DigiCert")
            .setAccountId("account").setPassword("secret").setOrganizationId("org")
            .setAdministratorContacts(List.of(new AdministratorContact().setFirstName("A").setLastName("B")
                .setEmail("a@example.com").setPhone("1"))));
        check("DigiCert".equals(issuer.getProvider()), "the provider");
        KeyVaultCertificateWithPolicy cert = create("from-ca", new CertificatePolicy("digicert-issuer", "CN=ca.example",
            new SubjectAlternativeNames().setDnsNames(List.of("ca.example"))), null);
        List<X509Certificate> chain = checkCertificate(cert);
        check(dnsNames(chain.get(0)).equals(List.of("ca.example")), "the SAN");
        // The roots are the emulator's (its management endpoint); the date is the emulator's clock.
        Set<TrustAnchor> anchors = new HashSet<>();
        for (Certificate root : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(manage("/_kvcert/ca", null)))) {
            anchors.add(new TrustAnchor((X509Certificate) root, null));
        }
        List<X509Certificate> path = chain.stream()
            .filter(c -> !c.getSubjectX500Principal().equals(c.getIssuerX500Principal())).collect(Collectors.toList());
        PKIXParameters parameters = new PKIXParameters(anchors);
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(clock()));
        CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
        PKIXCertPathValidatorResult result =
            (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        check(path.size() + 1 == 3, "leaf, intermediate and root: " + chain);
        check(result.getTrustAnchor().getTrustedCert().getSubjectX500Principal()
            .equals(path.get(path.size() - 1).getIssuerX500Principal()), "anchored at the emulated root");
        // outContentType PEM (2025-06-01-preview on): the PFX as PEM, the same key and chain.
        Opened pfx = openSecret("from-ca", null);
        Opened pem = opened("from-ca", secrets.getSecret("from-ca", null, PEM));
        check(PEM.equals(pem.contentType) && pem.id.equals(pfx.id), "the converted secret: " + pem.contentType);
        check(pem.chain.equals(pfx.chain), "the PFX's certificates, in its order");
        check(((RSAPrivateCrtKey) pem.key).getModulus().equals(((RSAPrivateCrtKey) pfx.key).getModulus()),
            "the PFX's key");
        ok("emulated DigiCert issuer: chain validated by the JDK's PKIX at the emulator's clock; its secret as PEM");
    }

    /** 7. Cancel and delete a pending operation. */
    static void cancelAndDeleteOperation() throws Exception {
        certificates.beginCreateCertificate("cancelled", new CertificatePolicy(WellKnownIssuerNames.UNKNOWN, "CN=c"));
        CertificateOperation cancelling = certificates.cancelCertificateOperation("cancelled");
        check(Boolean.TRUE.equals(cancelling.getCancellationRequested()) && "inProgress".equals(cancelling.getStatus()),
            "cancellation requested, still in progress");
        // Waiting for a merge, the operation is cancelled one poll interval (10 s) later; the clock
        // moves instead of the test sleeping.
        manage("/_kvcert/clock", "{\"advance_seconds\":10}");
        check("cancelled".equals(operation("cancelled").getStatus()), "the operation is cancelled");
        // Nothing was issued: the certificate the create made stays, disabled and without a cer.
        KeyVaultCertificateWithPolicy shell = certificates.getCertificate("cancelled");
        check(Boolean.FALSE.equals(shell.getProperties().isEnabled()) && shell.getCer() == null, "a disabled shell");
        certificates.deleteCertificateOperation("cancelled");
        expectNotFound(() -> operation("cancelled"), "the operation is gone");
        ok("cancel and delete a pending operation");
    }

    /** 8. Delete, get deleted, list deleted, recover, delete, purge. */
    static void deleteRecoverPurge() throws Exception {
        DeletedCertificate deleted = finish(certificates.beginDeleteCertificate("custom1"));
        check(deleted.getRecoveryId() != null && deleted.getDeletedOn() != null
            && deleted.getScheduledPurgeDate() != null, "recovery id, deleted on, purge date");
        check("custom1".equals(certificates.getDeletedCertificate("custom1").getName()), "get deleted");
        check(certificates.listDeletedCertificates().stream().anyMatch(d -> "custom1".equals(d.getName())), "list deleted");
        KeyVaultCertificateWithPolicy recovered = finish(certificates.beginRecoverDeletedCertificate("custom1"));
        check("custom1".equals(recovered.getName()), "recovered");
        checkCertificate(certificates.getCertificate("custom1"));
        finish(certificates.beginDeleteCertificate("custom1"));
        certificates.purgeDeletedCertificate("custom1");
        expectNotFound(() -> certificates.getDeletedCertificate("custom1"), "purged");
        ok("delete, get deleted, list deleted, recover, delete, purge");
    }

    /** 9. Backup, purge, restore: the same version and certificate come back. */
    static void backupRestore() throws Exception {
        byte[] blob = certificates.backupCertificate("custom0");
        KeyVaultCertificateWithPolicy before = certificates.getCertificate("custom0");
        finish(certificates.beginDeleteCertificate("custom0"));
        certificates.purgeDeletedCertificate("custom0");
        KeyVaultCertificateWithPolicy restored = certificates.restoreCertificateBackup(blob);
        check(restored.getProperties().getVersion().equals(before.getProperties().getVersion())
            && Arrays.equals(restored.getCer(), before.getCer()), "the same version and certificate");
        checkCertificate(certificates.getCertificate("custom0"));
        ok("backup, purge, restore");
    }

    /** 10. Import a PFX the JDK's KeyStore wrote (with a password) and a PEM. */
    static void importPfxAndPem() throws Exception {
        KeyPair own = generate("EC", new ECGenParameterSpec("secp256r1"));
        Instant start = clock();
        X500Name name = new X500Name("CN=imported.example");
        X509Certificate cert = issue(name, own.getPublic(), name, own.getPrivate(),
            start.minus(1, ChronoUnit.DAYS), start.plus(90, ChronoUnit.DAYS), false);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("imp", own.getPrivate(), "pw".toCharArray(), new Certificate[] {cert});
        ByteArrayOutputStream pfx = new ByteArrayOutputStream();
        store.store(pfx, "pw".toCharArray());
        KeyVaultCertificateWithPolicy imported = certificates.importCertificate(
            new ImportCertificateOptions("imported-pfx", pfx.toByteArray()).setPassword("pw"));
        check(Arrays.equals(imported.getCer(), cert.getEncoded()), "the PFX's certificate");
        checkCertificate(imported);
        String pem = pem("PRIVATE KEY", own.getPrivate().getEncoded()) + pem("CERTIFICATE", cert.getEncoded());
        imported = certificates.importCertificate(new ImportCertificateOptions("imported-pem",
            pem.getBytes(StandardCharsets.US_ASCII)).setPolicy(new CertificatePolicy(WellKnownIssuerNames.SELF,
                "CN=imported.example").setContentType(CertificateContentType.PEM)));
        check(Arrays.equals(imported.getCer(), cert.getEncoded()), "the PEM's certificate");
        checkCertificate(imported);
        ok("import PFX (JDK KeyStore, password) and PEM");
    }

    /** 11. Issuers (get, update, list, delete) and contacts (set, list, delete). */
    static void issuersAndContacts() {
        CertificateIssuer got = certificates.getIssuer("digicert-issuer");
        check("DigiCert".equals(got.getProvider()) && "org".equals(got.getOrganizationId()), "the issuer");
        CertificateIssuer updated = certificates.updateIssuer(got.setEnabled(false));
        check(Boolean.FALSE.equals(updated.isEnabled()), "the issuer disabled");
        check(certificates.listPropertiesOfIssuers().stream().anyMatch(i -> "digicert-issuer".equals(i.getName())),
            "the issuer listed");
        certificates.deleteIssuer("digicert-issuer");
        expectNotFound(() -> certificates.getIssuer("digicert-issuer"), "the issuer deleted");
        // The contacts methods answer a PagedIterable, which sends its request when iterated.
        List<String> set = certificates.setContacts(List.of(new CertificateContact().setEmail("ops@example.com")
            .setName("Ops").setPhone("1"))).stream().map(CertificateContact::getEmail).collect(Collectors.toList());
        check(set.equals(List.of("ops@example.com")), "the contacts set: " + set);
        List<String> listed = certificates.listContacts().stream().map(CertificateContact::getEmail)
            .collect(Collectors.toList());
        check(listed.equals(List.of("ops@example.com")), "the contacts listed: " + listed);
        certificates.deleteContacts().stream().count();
        expectNotFound(() -> certificates.listContacts().stream().count(), "the contacts deleted");
        ok("issuers (create, get, update, list, delete) and contacts (set, list, delete)");
    }

    /** 12. AutoRenew 10 days before expiry of a 1-month certificate, after the clock moved 25 days. */
    static void autoRenew() throws Exception {
        KeyVaultCertificateWithPolicy first = create("renewed", new CertificatePolicy(WellKnownIssuerNames.SELF,
            "CN=renewed.example").setValidityInMonths(1)
            .setLifetimeActions(new LifetimeAction(CertificatePolicyAction.AUTO_RENEW).setDaysBeforeExpiry(10)), null);
        manage("/_kvcert/clock", "{\"advance_seconds\":" + 25 * 86400 + "}");
        KeyVaultCertificateWithPolicy latest = certificates.getCertificate("renewed");
        check(!latest.getProperties().getVersion().equals(first.getProperties().getVersion()), "renewed");
        check(certificates.listPropertiesOfCertificateVersions("renewed").stream().count() == 2, "2 versions");
        checkCertificate(latest);
        ok("AutoRenew after the clock moved 25 days");
    }

    // ---- Secrets, keys, cryptography, errors (python_flows.py 13 to 16) ----

    /** 13. A client's own secrets beside the certificates' secrets. */
    static void ownSecrets() {
        KeyVaultSecret first = secrets.setSecret(new KeyVaultSecret("db-password", "s3cret").setProperties(
            new SecretProperties().setContentType("text/plain").setTags(Map.of("env", "test"))));
        check("s3cret".equals(first.getValue()) && "text/plain".equals(first.getProperties().getContentType()),
            "value and content type");
        check(Map.of("env", "test").equals(first.getProperties().getTags())
            && !Boolean.TRUE.equals(first.getProperties().isManaged()), "tags, not managed");
        KeyVaultSecret second = secrets.setSecret(new KeyVaultSecret("db-password", "rotated").setProperties(
            new SecretProperties().setExpiresOn(OffsetDateTime.of(2040, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))));
        String v1 = first.getProperties().getVersion();
        check("rotated".equals(secrets.getSecret("db-password").getValue()), "the latest value");
        check("s3cret".equals(secrets.getSecret("db-password", v1).getValue()), "the first version's value");
        check("".equals(secrets.setSecret("empty", "").getValue()), "an empty secret");
        Set<String> versions = secrets.listPropertiesOfSecretVersions("db-password").stream()
            .map(SecretProperties::getVersion).collect(Collectors.toSet());
        check(versions.equals(Set.of(v1, second.getProperties().getVersion())), "versions: " + versions);
        SecretProperties updated = secrets.updateSecretProperties(secrets.getSecret("db-password", v1).getProperties()
            .setEnabled(false).setTags(Map.of("env", "old")));
        check(Boolean.FALSE.equals(updated.isEnabled()) && Map.of("env", "old").equals(updated.getTags()), "updated");
        expectStatus(() -> secrets.getSecret("db-password", v1), 403, "disabled secret");
        Map<String, SecretProperties> listed = secrets.listPropertiesOfSecrets().stream()
            .collect(Collectors.toMap(SecretProperties::getName, Function.identity()));
        check(!Boolean.TRUE.equals(listed.get("db-password").isManaged())
            && Boolean.TRUE.equals(listed.get("default").isManaged()), "managed only for the certificate's");
        check(PFX.equals(listed.get("default").getContentType()), "the certificate's secret is a PFX");
        expectStatus(() -> secrets.setSecret("default", "x"), 403, "associated with a certificate");
        byte[] blob = secrets.backupSecret("db-password");
        DeletedSecret deleted = finish(secrets.beginDeleteSecret("db-password"));
        check(deleted.getRecoveryId().endsWith("/deletedsecrets/db-password") && deleted.getScheduledPurgeDate() != null,
            "the recovery id and purge date");
        check("db-password".equals(secrets.getDeletedSecret("db-password").getName()), "get deleted");
        check(secrets.listDeletedSecrets().stream().anyMatch(d -> "db-password".equals(d.getName())), "list deleted");
        finish(secrets.beginRecoverDeletedSecret("db-password"));
        check("rotated".equals(secrets.getSecret("db-password").getValue()), "recovered");
        finish(secrets.beginDeleteSecret("db-password"));
        secrets.purgeDeletedSecret("db-password");
        expectNotFound(() -> secrets.getSecret("db-password"), "purged");
        KeyVaultSecret restored = secrets.restoreSecretBackup(blob);
        check(restored.getProperties().getVersion().equals(second.getProperties().getVersion()), "restored version");
        check("rotated".equals(secrets.getSecret("db-password").getValue()), "restored value");
        ok("secrets: set, get, versions, update, disabled, list with the certificates' secrets, refusals, "
            + "delete, recover, purge, backup, restore");
    }

    static KeyVaultKey restoredEcKey;
    static Map<String, KeyVaultKey> ecKeys = new LinkedHashMap<>();
    static KeyPair importedRsa;
    static KeyVaultKey importedKey;

    /** 14. A client's own keys: create, list, update, rotation policy, rotate, import, delete/recover/purge, backup/restore. */
    static void ownKeys() throws Exception {
        KeyVaultKey rsa = keys.createRsaKey(new CreateRsaKeyOptions("rsa-key").setKeySize(2048)
            .setTags(Map.of("use", "wrap")));
        check("RSA".equals(rsa.getKeyType().toString()) && rsa.getKey().getN().length == 256, "an RSA 2048 key");
        Set<String> ops = rsa.getKeyOperations().stream().map(Object::toString).collect(Collectors.toSet());
        check(ops.equals(Set.of("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey")), "key ops: " + ops);
        for (KeyCurveName curve : List.of(KeyCurveName.P_256, KeyCurveName.P_384, KeyCurveName.P_521, KeyCurveName.P_256K)) {
            String name = "ec-" + curve.toString().toLowerCase().replace("-", "");
            ecKeys.put(curve.toString(), keys.createEcKey(new CreateEcKeyOptions(name).setCurveName(curve)));
        }
        check(KeyCurveName.P_521.equals(ecKeys.get("P-521").getKey().getCurveName())
            && ecKeys.get("P-521").getKey().getX().length == 66, "a P-521 key");
        Map<String, KeyProperties> listed = keys.listPropertiesOfKeys().stream()
            .collect(Collectors.toMap(KeyProperties::getName, Function.identity()));
        check(!Boolean.TRUE.equals(listed.get("rsa-key").isManaged())
            && Boolean.TRUE.equals(listed.get("default").isManaged()), "managed only for the certificate's");
        // updateKeyProperties without operations sends "key_ops": [] (its varargs array is empty, not
        // null), and the service empties the key's operations (recorded: the Java SDK's session
        // KeyClientTest.updateKey in Azure/azure-sdk-assets answers "key_ops": []); so does kvcert.
        KeyVaultKey emptied = keys.updateKeyProperties(rsa.getProperties().setEnabled(true));
        check(emptied.getKeyOperations().isEmpty(), "[] empties the key's operations, as the service does");
        // Its own operations passed back restore them.
        KeyVaultKey updated = keys.updateKeyProperties(rsa.getProperties().setEnabled(true)
            .setTags(Map.of("use", "wrap", "v", "2")), rsa.getKeyOperations().toArray(new KeyOperation[0]));
        check(updated.getKeyOperations().size() == 6, "the key's operations kept");
        check(Map.of("use", "wrap", "v", "2").equals(updated.getProperties().getTags()), "updated tags");
        KeyRotationPolicy defaultPolicy = keys.getKeyRotationPolicy("rsa-key");
        check(defaultPolicy.getId() == null
            && KeyRotationPolicyAction.NOTIFY.equals(defaultPolicy.getLifetimeActions().get(0).getAction()),
            "the default rotation policy: no id, Notify");
        KeyRotationPolicy policy = keys.updateKeyRotationPolicy("rsa-key", new KeyRotationPolicy()
            .setLifetimeActions(List.of(new KeyRotationLifetimeAction(KeyRotationPolicyAction.ROTATE)
                .setTimeAfterCreate("P18M")))
            .setExpiresIn("P48M"));
        check("P48M".equals(policy.getExpiresIn()) && policy.getId().endsWith("/keys/rsa-key/rotationpolicy"),
            "the rotation policy");
        KeyVaultKey rotated = keys.rotateKey("rsa-key");
        check(!rotated.getProperties().getVersion().equals(rsa.getProperties().getVersion()), "a new version");
        check(ChronoUnit.DAYS.between(rotated.getProperties().getCreatedOn(), rotated.getProperties().getExpiresOn())
            == 1461, "expires 48 months after creation");
        check(keys.listPropertiesOfKeyVersions("rsa-key").stream().count() == 2, "2 versions");
        // An RSA key the JDK made, imported as a JWK; its private part opens what the vault seals.
        importedRsa = generate("RSA", null);
        importedKey = keys.importKey(new ImportKeyOptions("imported", JsonWebKey.fromRsa(importedRsa, List.of(
            KeyOperation.ENCRYPT, KeyOperation.DECRYPT, KeyOperation.SIGN, KeyOperation.VERIFY,
            KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY))));
        check(new BigInteger(1, importedKey.getKey().getN())
            .equals(((RSAPublicKey) importedRsa.getPublic()).getModulus()), "the imported modulus");
        byte[] blob = keys.backupKey("ec-p256");
        finish(keys.beginDeleteKey("ec-p256"));
        check("ec-p256".equals(keys.getDeletedKey("ec-p256").getName()), "get deleted");
        check(keys.listDeletedKeys().stream().map(DeletedKey::getName).anyMatch("ec-p256"::equals), "list deleted");
        finish(keys.beginRecoverDeletedKey("ec-p256"));
        finish(keys.beginDeleteKey("ec-p256"));
        keys.purgeDeletedKey("ec-p256");
        restoredEcKey = keys.restoreKeyBackup(blob);
        check(restoredEcKey.getId().equals(ecKeys.get("P-256").getId()), "the restored key's id");
        expectStatus(() -> keys.beginDeleteKey("default"), 403, "");
        ok("keys: create RSA and EC, list with the certificates' keys, update, rotation policy, rotate, import, "
            + "delete, recover, purge, backup, restore");
    }

    /** 15. CryptographyClient on plain keys and on a certificate's key, each result checked by the JDK. */
    static void cryptography() throws Exception {
        // Every curve signs; the JDK (BouncyCastle for secp256k1) verifies the raw r || s.
        String[][] ecAlgorithms = {
            {"P-256", "ES256", "SHA-256"}, {"P-384", "ES384", "SHA-384"},
            {"P-521", "ES512", "SHA-512"}, {"P-256K", "ES256K", "SHA-256"},
        };
        for (String[] row : ecAlgorithms) {
            KeyVaultKey key = row[0].equals("P-256") ? restoredEcKey : ecKeys.get(row[0]);
            SignatureAlgorithm algorithm = SignatureAlgorithm.fromString(row[1]);
            byte[] digest = MessageDigest.getInstance(row[2]).digest(MESSAGE);
            byte[] signature = crypto(key.getId()).sign(algorithm, digest).getSignature();
            int size = (keyBits(ecPublic(key.getKey())) + 7) / 8;
            check(signature.length == 2 * size, row[1] + ": a raw r || s of " + 2 * size + " bytes");
            check(verifies(ecSignature(row), ecPublic(key.getKey()), signature), row[1] + " verifies");
            check(crypto(key.getId()).verify(algorithm, digest, signature).isValid(), row[1] + ": the vault verifies");
        }
        // Every RSA signature, PKCS#1 v1.5 and PSS (salt as long as the hash).
        KeyVaultKey rsaNow = keys.getKey("rsa-key");
        PublicKey rsaPublic = rsaPublic(rsaNow.getKey());
        String[][] rsaAlgorithms = {
            {"RS256", "SHA-256"}, {"RS384", "SHA-384"}, {"RS512", "SHA-512"},
            {"PS256", "SHA-256"}, {"PS384", "SHA-384"}, {"PS512", "SHA-512"},
        };
        for (String[] row : rsaAlgorithms) {
            SignatureAlgorithm algorithm = SignatureAlgorithm.fromString(row[0]);
            byte[] digest = MessageDigest.getInstance(row[1]).digest(MESSAGE);
            byte[] signature = crypto(rsaNow.getId()).sign(algorithm, digest).getSignature();
            check(verifies(rsaSignature(row[0], row[1]), rsaPublic, signature), row[0] + " verifies");
            check(crypto(rsaNow.getId()).verify(algorithm, digest, signature).isValid(), row[0] + ": the vault verifies");
        }
        // Each padding both ways: sealed by the JDK and opened by the vault; sealed by the vault and
        // opened by the JDK with the imported key's private part.
        for (String padding : List.of("RSA1_5", "RSA-OAEP", "RSA-OAEP-256")) {
            EncryptionAlgorithm encryption = EncryptionAlgorithm.fromString(padding);
            KeyWrapAlgorithm wrap = KeyWrapAlgorithm.fromString(padding);
            byte[] opened = crypto(rsaNow.getId()).decrypt(encryption, seal(padding, rsaPublic, CONTENT_KEY)).getPlainText();
            check(Arrays.equals(opened, CONTENT_KEY), padding + ": the vault decrypts");
            byte[] unwrapped = crypto(rsaNow.getId()).unwrapKey(wrap, seal(padding, rsaPublic, CONTENT_KEY)).getKey();
            check(Arrays.equals(unwrapped, CONTENT_KEY), padding + ": the vault unwraps");
            byte[] sealed = crypto(importedKey.getId()).encrypt(encryption, CONTENT_KEY).getCipherText();
            check(Arrays.equals(open(padding, importedRsa.getPrivate(), sealed), CONTENT_KEY), padding + ": the JDK decrypts");
            byte[] wrapped = crypto(importedKey.getId()).wrapKey(wrap, CONTENT_KEY).getEncryptedKey();
            check(Arrays.equals(open(padding, importedRsa.getPrivate(), wrapped), CONTENT_KEY), padding + ": the JDK unwraps");
        }
        // A certificate's key: its kid signs, encrypts, decrypts and unwraps; the PFX's private key
        // and the certificate's public key check each.
        KeyVaultCertificateWithPolicy signer = create("signer-cert", new CertificatePolicy(WellKnownIssuerNames.SELF,
            "CN=signer").setKeyType(CertificateKeyType.RSA).setKeySize(2048).setKeyUsage(
                CertificateKeyUsage.DIGITAL_SIGNATURE, CertificateKeyUsage.KEY_ENCIPHERMENT,
                CertificateKeyUsage.DATA_ENCIPHERMENT), null);
        Opened secret = openSecret("signer-cert", null);
        PublicKey certPublic = x509(signer.getCer()).getPublicKey();
        CryptographyClient certCrypto = crypto(signer.getKeyId());
        SignResult signed = certCrypto.sign(SignatureAlgorithm.RS256, MessageDigest.getInstance("SHA-256").digest(MESSAGE));
        check(verifies(Signature.getInstance("SHA256withRSA"), certPublic, signed.getSignature()), "RS256 verifies");
        check(signed.getKeyId().endsWith("/" + signer.getProperties().getVersion()), "signed by the version's key");
        byte[] sealed = certCrypto.encrypt(EncryptionAlgorithm.RSA_OAEP_256, CONTENT_KEY).getCipherText();
        check(Arrays.equals(open("RSA-OAEP-256", secret.key, sealed), CONTENT_KEY), "the PFX's key decrypts");
        byte[] opened = certCrypto.decrypt(EncryptionAlgorithm.RSA_OAEP, seal("RSA-OAEP", certPublic, CONTENT_KEY))
            .getPlainText();
        check(Arrays.equals(opened, CONTENT_KEY), "the certificate's key decrypts");
        byte[] unwrapped = certCrypto.unwrapKey(KeyWrapAlgorithm.RSA1_5, seal("RSA1_5", certPublic, CONTENT_KEY)).getKey();
        check(Arrays.equals(unwrapped, CONTENT_KEY), "the certificate's key unwraps");
        ok("cryptography: sign/verify every algorithm, encrypt/decrypt and wrap/unwrap each padding, on plain keys "
            + "and a certificate's key, checked by the JDK");
    }

    /** 16. Errors carry the service's status and text. */
    static void errors() {
        try {
            certificates.getCertificate("no-such-certificate");
            throw new AssertionError("404");
        } catch (ResourceNotFoundException e) {
            check(e.getMessage().contains("was not found in this key vault"), e.getMessage());
        }
        expectStatus(() -> certificates.mergeCertificate(new MergeCertificateOptions("no-such-certificate",
            List.of(anyCertificateDer()))), 404, "");
        ok("errors carry the service's status and text");
    }

    // ---- Helpers ----

    /** Any certificate's DER for the merge that must fail before it is read. */
    static byte[] anyCertificateDer() {
        return certificates.getCertificate("java-cert").getCer();
    }

    /** A create polled to the end (every 100 ms); the final result is the certificate. */
    static KeyVaultCertificateWithPolicy create(String name, CertificatePolicy policy, Map<String, String> tags) {
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller =
            certificates.beginCreateCertificate(name, policy, true, tags);
        poller.setPollInterval(Duration.ofMillis(100));
        PollResponse<CertificateOperation> last = poller.waitForCompletion(Duration.ofSeconds(60));
        check(last.getStatus() == LongRunningOperationStatus.SUCCESSFULLY_COMPLETED, name + ": " + last.getStatus());
        return poller.getFinalResult();
    }

    /** A delete or recover polled to the end; its last value (the deleted or recovered item). */
    static <T> T finish(SyncPoller<T, Void> poller) {
        poller.setPollInterval(Duration.ofMillis(100));
        return poller.waitForCompletion(Duration.ofSeconds(60)).getValue();
    }

    /** The certificate's pending operation, read once (the SDK's operation poller, one poll). */
    static CertificateOperation operation(String name) {
        return certificates.getCertificateOperation(name).poll().getValue();
    }

    /** A CryptographyClient that sends every operation to the vault (no local public-key crypto). */
    static CryptographyClient crypto(String keyId) {
        return new CryptographyClientBuilder().keyIdentifier(keyId).credential(credential)
            .disableChallengeResourceVerification().disableKeyCaching().buildClient();
    }

    /** A secret's private key and certificates, read by its content type: PFX by KeyStore, PEM by CertificateFactory. */
    static final class Opened {
        String contentType;
        PrivateKey key;
        List<X509Certificate> chain = new ArrayList<>();
        String id;
    }

    static Opened openSecret(String name, String version) throws Exception {
        return opened(name, secrets.getSecret(name, version));
    }

    static Opened opened(String name, KeyVaultSecret secret) throws Exception {
        Opened opened = new Opened();
        opened.contentType = secret.getProperties().getContentType();
        opened.id = secret.getId();
        if (PEM.equals(opened.contentType)) {
            for (String block : pemBlocks(secret.getValue(), "CERTIFICATE")) {
                opened.chain.add(x509(block.getBytes(StandardCharsets.US_ASCII)));
            }
            byte[] pkcs8 = pemBody(pemBlocks(secret.getValue(), "PRIVATE KEY").get(0));
            String algorithm = opened.chain.get(0).getPublicKey().getAlgorithm();
            opened.key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } else {
            check(PFX.equals(opened.contentType), name + ": content type " + opened.contentType);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(Base64.getDecoder().decode(secret.getValue())), new char[0]);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    opened.key = (PrivateKey) store.getKey(alias, new char[0]);
                    for (Certificate c : store.getCertificateChain(alias)) {
                        opened.chain.add((X509Certificate) c);
                    }
                }
            }
        }
        check(opened.key != null && !opened.chain.isEmpty(), name + ": a key and certificates in the secret");
        return opened;
    }

    /**
     * The certificate's secret (same version) opens, its private key is the certificate's key, its
     * first certificate is the certificate; the keys client's JWK (same version) is the same key.
     * Returns the secret's chain.
     */
    static List<X509Certificate> checkCertificate(KeyVaultCertificate cert) throws Exception {
        X509Certificate x509 = x509(cert.getCer());
        String version = cert.getProperties().getVersion();
        Opened secret = openSecret(cert.getName(), version);
        check(pairs(secret.key, x509.getPublicKey()), cert.getName() + ": the secret's key is the certificate's");
        check(secret.chain.get(0).equals(x509), cert.getName() + ": the secret's first certificate");
        check(secret.id.endsWith("/" + version), cert.getName() + ": the secret's version");
        KeyVaultKey key = keys.getKey(cert.getName(), version);
        check(key.getId().endsWith("/" + version), cert.getName() + ": the key's version");
        PublicKey jwk = key.getKey().getCurveName() == null ? rsaPublic(key.getKey()) : ecPublic(key.getKey());
        check(Arrays.equals(jwk.getEncoded(), x509.getPublicKey().getEncoded()), cert.getName() + ": the JWK");
        return secret.chain;
    }

    /** The private key signs what the public key verifies. */
    static boolean pairs(PrivateKey key, PublicKey publicKey) throws Exception {
        String algorithm = publicKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(MESSAGE);
        return verifies(Signature.getInstance(algorithm), publicKey, signer.sign());
    }

    static boolean verifies(Signature verifier, PublicKey key, byte[] signature) throws Exception {
        verifier.initVerify(key);
        verifier.update(MESSAGE);
        return verifier.verify(signature);
    }

    /** The JCA signature for an ES* row: raw r || s, SunEC (P1363 format) or BouncyCastle (PLAIN-ECDSA). */
    static Signature ecSignature(String[] row) throws Exception {
        String hash = row[2].replace("-", "");
        return row[0].equals("P-256K")
            ? Signature.getInstance(hash + "withPLAIN-ECDSA", BC)
            : Signature.getInstance(hash + "withECDSAinP1363Format");
    }

    static Provider ecProvider(String curve) {
        return curve.equals("P-256K") ? BC : null;
    }

    static Signature rsaSignature(String algorithm, String hash) throws Exception {
        if (algorithm.startsWith("RS")) {
            return Signature.getInstance(hash.replace("-", "") + "withRSA");
        }
        int length = MessageDigest.getInstance(hash).getDigestLength();
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), length, 1));
        return pss;
    }

    /** The JDK's Cipher for a JWA RSA padding (OAEP-256 with MGF1-SHA-256, as JWA defines it). */
    static Cipher cipher(String padding, int mode, Key key) throws Exception {
        switch (padding) {
            case "RSA1_5": {
                Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                c.init(mode, key);
                return c;
            }
            case "RSA-OAEP": {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(mode, key, new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
                return c;
            }
            case "RSA-OAEP-256": {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(mode, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
                return c;
            }
            default:
                throw new IllegalArgumentException(padding);
        }
    }

    static byte[] seal(String padding, PublicKey key, byte[] plain) throws Exception {
        return cipher(padding, Cipher.ENCRYPT_MODE, key).doFinal(plain);
    }

    static byte[] open(String padding, PrivateKey key, byte[] sealed) throws Exception {
        return cipher(padding, Cipher.DECRYPT_MODE, key).doFinal(sealed);
    }

    static PublicKey rsaPublic(JsonWebKey jwk) throws Exception {
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
            new BigInteger(1, jwk.getN()), new BigInteger(1, jwk.getE())));
    }

    /** An EC JWK as a JCA public key; secp256k1 through BouncyCastle (not in JDK 17's SunEC). */
    static PublicKey ecPublic(JsonWebKey jwk) throws Exception {
        String curve = jwk.getCurveName().toString();
        String name = Map.of("P-256", "secp256r1", "P-384", "secp384r1", "P-521", "secp521r1", "P-256K", "secp256k1")
            .get(curve);
        Provider provider = ecProvider(curve);
        AlgorithmParameters parameters = provider == null
            ? AlgorithmParameters.getInstance("EC") : AlgorithmParameters.getInstance("EC", provider);
        parameters.init(new ECGenParameterSpec(name));
        ECPoint point = new ECPoint(new BigInteger(1, jwk.getX()), new BigInteger(1, jwk.getY()));
        ECPublicKeySpec spec = new ECPublicKeySpec(point, parameters.getParameterSpec(ECParameterSpec.class));
        KeyFactory factory = provider == null ? KeyFactory.getInstance("EC") : KeyFactory.getInstance("EC", provider);
        return factory.generatePublic(spec);
    }

    /** An RSA key's modulus size, or an EC key's field size (256, 384, 521). */
    static int keyBits(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return ((RSAPublicKey) key).getModulus().bitLength();
        }
        return ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
    }

    static List<String> dnsNames(X509Certificate cert) throws Exception {
        List<String> names = new ArrayList<>();
        Collection<List<?>> all = cert.getSubjectAlternativeNames();
        if (all != null) {
            for (List<?> entry : all) {
                if (Integer.valueOf(2).equals(entry.get(0))) {
                    names.add((String) entry.get(1));
                }
            }
        }
        return names;
    }

    static X509Certificate x509(byte[] derOrPem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(derOrPem));
    }

    static KeyPair generate(String algorithm, ECGenParameterSpec curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (curve != null) {
            generator.initialize(curve);
        } else {
            generator.initialize(2048);
        }
        return generator.generateKeyPair();
    }

    /** A certificate signed by issuerKey (BouncyCastle: the JDK has no public certificate builder). */
    static X509Certificate issue(X500Name subject, PublicKey subjectKey, X500Name issuer, PrivateKey issuerKey,
            Instant notBefore, Instant notAfter, boolean ca) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
            new BigInteger(64, new SecureRandom()).setBit(62), Date.from(notBefore), Date.from(notAfter),
            subject, subjectKey);
        if (ca) {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        }
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(
            builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END " + label + "-----\n";
    }

    /** The PEM blocks of one label, each with its BEGIN and END lines. */
    static List<String> pemBlocks(String text, String label) {
        Matcher m = Pattern.compile("-----BEGIN " + label + "-----.*?-----END " + label + "-----", Pattern.DOTALL)
            .matcher(text);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group() + "\n");
        }
        return blocks;
    }

    static byte[] pemBody(String block) {
        String body = block.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    /** The emulator's management endpoints (no token): GET without a body, POST with a JSON body. */
    static byte[] manage(String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(vault + path));
        if (json != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        check(response.statusCode() == 200, path + ": " + response.statusCode());
        return response.body();
    }

    /** The emulator's clock: {"now": RFC 3339}. */
    static Instant clock() throws Exception {
        String body = new String(manage("/_kvcert/clock", null), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"now\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        check(m.find(), "the clock: " + body);
        return OffsetDateTime.parse(m.group(1)).toInstant();
    }

    interface Call {
        Object run() throws Exception;
    }

    static void expectNotFound(Call call, String what) {
        try {
            call.run();
        } catch (ResourceNotFoundException e) {
            return;
        } catch (Exception e) {
            throw new AssertionError(what + ": " + e, e);
        }
        throw new AssertionError(what + ": no 404");
    }

    /** The call fails with the status, and the service's message holds the text. */
    static void expectStatus(Call call, int status, String text) {
        try {
            call.run();
        } catch (HttpResponseException e) {
            check(e.getResponse().getStatusCode() == status, "status " + e.getResponse().getStatusCode() + ": " + e);
            check(e.getMessage().contains(text), "the service's text '" + text + "' in " + e.getMessage());
            return;
        } catch (Exception e) {
            throw new AssertionError("status " + status + " expected: " + e, e);
        }
        throw new AssertionError("status " + status + " expected");
    }
}
