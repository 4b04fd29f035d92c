package kvcert;

import com.azure.security.keyvault.jca.KeyVaultJcaProvider;
import com.azure.security.keyvault.jca.KeyVaultLoadStoreParameter;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Java keystore provider (azure-security-keyvault-jca) on the emulator, as Spring Boot and
 * Tomcat use it: a KeyStore of type AzureKeyVault lists the vault's certificates as aliases and
 * gives each chain and private key; an SSLContext made from it serves a TLS handshake that a
 * client trusting the certificate completes. The provider takes its token from the managed
 * identity endpoint (IDENTITY_ENDPOINT and IDENTITY_HEADER in the environment).
 * Usage: java kvcert.KeyStoreFlow VAULT_URL CERTIFICATE_NAME
 */
public final class KeyStoreFlow {
    public static void main(String[] args) throws Exception {
        String vault = args[0];
        String name = args[1];
        System.setProperty("azure.keyvault.disable-challenge-resource-verification", "true");
        // Last: the JDK keeps its own trust managers (the emulator root in javax.net.ssl.trustStore).
        Security.addProvider(new KeyVaultJcaProvider());
        KeyStore store = KeyStore.getInstance("AzureKeyVault");
        store.load(new KeyVaultLoadStoreParameter(vault + "/"));
        List<String> aliases = Collections.list(store.aliases());
        Flows.check(aliases.contains(name), "the certificate is an alias: " + aliases);
        Certificate[] chain = store.getCertificateChain(name);
        Flows.check(chain != null && chain.length >= 1, "a chain");
        X509Certificate leaf = (X509Certificate) chain[0];
        PrivateKey key = (PrivateKey) store.getKey(name, new char[0]);
        Flows.check(key != null, "a private key");
        Flows.ok("KeyStore AzureKeyVault: " + aliases.size() + " aliases, the chain and key of " + name);

        // A TLS server with the vault's certificate; a client trusting it completes a handshake.
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore own = KeyStore.getInstance("PKCS12");
        own.load(null, null);
        own.setKeyEntry(name, key, new char[0], chain);
        keys.init(own, new char[0]);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keys.getKeyManagers(), null, null);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("vault-certificate", leaf);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trust.getTrustManagers(), null);
        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0)) {
            Thread serving = new Thread(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    OutputStream out = accepted.getOutputStream();
                    out.write("hello".getBytes());
                    out.flush();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            serving.start();
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
                client.startHandshake();
                X509Certificate presented = (X509Certificate) client.getSession().getPeerCertificates()[0];
                Flows.check(presented.equals(leaf), "the server presented the vault's certificate");
                InputStream in = client.getInputStream();
                byte[] hello = in.readNBytes(5);
                Flows.check(new String(hello).equals("hello"), "data over the TLS connection");
            }
            serving.join();
        }
        Flows.ok("an SSLContext from the vault's key and chain served a TLS handshake the client verified");
        System.out.println("keystore flow passed");
    }
}
