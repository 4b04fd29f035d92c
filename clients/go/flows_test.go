// The Azure SDK for Go (azcertificates, azsecrets, azkeys) and azidentity against the reference
// emulator over HTTPS (TLS verification on, the emulator's root trusted), started with
// --verify-tokens: every client authenticates with a ClientSecretCredential whose authority is
// the emulator. Each result is checked with Go's own crypto (x509, ecdsa, rsa).
//
// Run by emulator/tests/it/sdk_go.rs: KVCERT_VAULT_URL and KVCERT_ROOT_PEM name the emulator
// and its root.
// The tests run in order in one process against one emulator, each with its own names (all
// starting with "go-"). The flows mirror emulator/tests/sdk/python_flows.py, by topic:
// certificates_test.go, secrets_test.go, keys_test.go and crypto_test.go; helpers_test.go has the
// setup and the checks they share.
package flows

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// A PEM certificate: its secret holds a key that x509 reads and that is the certificate's.
func TestCertificateSecretAndKey(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	policy := azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=go.example")},
		KeyProperties:             &azcertificates.KeyProperties{KeyType: to.Ptr(azcertificates.KeyTypeEC), Curve: to.Ptr(azcertificates.CurveNameP256)},
		SecretProperties:          &azcertificates.SecretProperties{ContentType: to.Ptr("application/x-pem-file")},
	}
	cert := create(t, e.certificates(t), "go-cert", policy)
	leaf, err := x509.ParseCertificate(cert.CER)
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.CommonName != "go.example" {
		t.Fatalf("subject %v", leaf.Subject)
	}
	secret, err := e.secrets(t).GetSecret(ctx, "go-cert", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var private any
	for rest := []byte(*secret.Value); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "PRIVATE KEY" {
			if private, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
				t.Fatal(err)
			}
		}
	}
	ec, ok := private.(*ecdsa.PrivateKey)
	if !ok || !ec.PublicKey.Equal(leaf.PublicKey) {
		t.Fatal("the secret's key is not the certificate's")
	}
	// The certificate's kid signs; Go's ecdsa verifies with the certificate's key.
	digest := sha256.Sum256([]byte("header.payload"))
	signed, err := e.keys(t).Sign(ctx, "go-cert", "", azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmES256), Value: digest[:]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(signed.Result) != 64 {
		t.Fatalf("a %d-byte signature, not r || s", len(signed.Result))
	}
	r, s := new(big.Int).SetBytes(signed.Result[:32]), new(big.Int).SetBytes(signed.Result[32:])
	if !ecdsa.Verify(leaf.PublicKey.(*ecdsa.PublicKey), digest[:], r, s) {
		t.Fatal("the certificate key's signature does not verify")
	}
}

func TestSecrets(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := e.secrets(t)
	if _, err := c.SetSecret(ctx, "go-secret", azsecrets.SetSecretParameters{Value: to.Ptr("s3cret"), ContentType: to.Ptr("text/plain")}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecret(ctx, "go-secret", "", nil)
	if err != nil || *got.Value != "s3cret" || *got.ContentType != "text/plain" {
		t.Fatalf("get: %v %v", got, err)
	}
	found := false
	for pager := c.NewListSecretPropertiesPager(nil); pager.More(); {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Value {
			found = found || strings.HasSuffix(string(*p.ID), "/secrets/go-secret")
		}
	}
	if !found {
		t.Fatal("go-secret is not listed")
	}
	if _, err := c.DeleteSecret(ctx, "go-secret", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedSecret(ctx, "go-secret", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, "go-secret", "", nil); err == nil {
		t.Fatal("a purged secret was read")
	}
}

func TestKeys(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	c := e.keys(t)
	ec, err := c.CreateKey(ctx, "go-ec", azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: to.Ptr(azkeys.CurveNameP256)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("go"))
	signed, err := c.Sign(ctx, "go-ec", ec.Key.KID.Version(), azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmES256), Value: digest[:]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	point := append(append([]byte{4}, ec.Key.X...), ec.Key.Y...)
	verifier, err := ecdsa.ParseUncompressedPublicKey(ellipticP256(), point)
	if err != nil {
		t.Fatal(err)
	}
	r, s := new(big.Int).SetBytes(signed.Result[:32]), new(big.Int).SetBytes(signed.Result[32:])
	if !ecdsa.Verify(verifier, digest[:], r, s) {
		t.Fatal("ES256 does not verify")
	}
	rsaKey, err := c.CreateKey(ctx, "go-rsa", azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr(int32(2048))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Sealed here with the JWK's public key, opened by the vault.
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(rsaKey.Key.N), E: int(new(big.Int).SetBytes(rsaKey.Key.E).Int64())}
	sealed, err := rsa.EncryptOAEP(sha256.New(), randReader(), pub, []byte("content key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := c.Decrypt(ctx, "go-rsa", "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: sealed}, nil)
	if err != nil || string(opened.Result) != "content key" {
		t.Fatalf("decrypt: %q %v", opened.Result, err)
	}
}
