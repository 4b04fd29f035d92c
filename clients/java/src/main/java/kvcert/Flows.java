package kvcert;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.EncryptionAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import java.security.spec.MGF1ParameterSpec;

/**
 * The Azure SDK for Java (certificates, secrets, keys) and azure-identity against the reference
 * emulator; every client authenticates with a ClientSecretCredential whose authority is the
 * emulator (its token a JWT from the emulator's token endpoint). Each result is checked by the JDK's own crypto (KeyStore loads
 * the PFX, Signature verifies, Cipher encrypts). The emulator's root is in the JVM's trust store
 * (javax.net.ssl.trustStore). Usage: java kvcert.Flows VAULT_URL
 */
public final class Flows {
    static final String TENANT = "00000000-0000-0000-0000-000000000000";

    static void ok(String step) {
        System.out.println("ok: " + step);
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) throws Exception {
        String vault = args[0];
        TokenCredential credential = new ClientSecretCredentialBuilder()
            .authorityHost(vault)
            .tenantId(TENANT)
            .clientId("java-app")
            .clientSecret("java-app-secret")
            .disableInstanceDiscovery()
            .build();
        String token = credential.getTokenSync(new TokenRequestContext().addScopes("https://vault.azure.net/.default")).getToken();
        check(token.split("\\.").length == 3, "a JWT from the emulator's token endpoint");
        ok("ClientSecretCredential with the emulator as authority");

        // A certificate: created and polled, its PFX loaded by KeyStore, its key the certificate's.
        CertificateClient certificates = new CertificateClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();
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
        SecretClient secrets = new SecretClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();
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
        KeyClient keys = new KeyClientBuilder().vaultUrl(vault).credential(credential)
            .disableChallengeResourceVerification().buildClient();
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
        System.out.println("java flows passed");
    }
}
