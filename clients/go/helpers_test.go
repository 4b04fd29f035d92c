package flows

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"software.sslmate.com/src/go-pkcs12"
)

const tenant = "00000000-0000-0000-0000-000000000000"

var ctx = context.Background()

func ellipticP256() elliptic.Curve { return elliptic.P256() }

func randReader() io.Reader { return rand.Reader }

// env is one emulator: its URL, an HTTP client that trusts its TLS root, and a credential whose
// authority is the emulator (which runs with --verify-tokens, so the tokens must be its own).
type env struct {
	vault      string
	transport  *http.Client
	credential azcore.TokenCredential
}

func setup(t *testing.T) env {
	t.Helper()
	vault, rootPath := os.Getenv("KVCERT_VAULT_URL"), os.Getenv("KVCERT_ROOT_PEM")
	if vault == "" || rootPath == "" {
		t.Skip("KVCERT_VAULT_URL and KVCERT_ROOT_PEM are not set (emulator/tests/it/sdk_go.rs sets them)")
	}
	root, err := os.ReadFile(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(root) {
		t.Fatal("the emulator's root is not PEM")
	}
	transport := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	credential, err := azidentity.NewClientSecretCredential(tenant, "go-app", "go-app-secret", &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: vault + "/"},
			Transport: transport,
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env{vault: vault, transport: transport, credential: credential}
}

func (e env) options() azcore.ClientOptions {
	return azcore.ClientOptions{Transport: e.transport}
}

func (e env) certificates(t *testing.T) *azcertificates.Client {
	c, err := azcertificates.NewClient(e.vault, e.credential, &azcertificates.ClientOptions{ClientOptions: e.options(), DisableChallengeResourceVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e env) secrets(t *testing.T) *azsecrets.Client {
	c, err := azsecrets.NewClient(e.vault, e.credential, &azsecrets.ClientOptions{ClientOptions: e.options(), DisableChallengeResourceVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e env) keys(t *testing.T) *azkeys.Client {
	c, err := azkeys.NewClient(e.vault, e.credential, &azkeys.ClientOptions{ClientOptions: e.options(), DisableChallengeResourceVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// manage calls one of the emulator's management endpoints (no token): a GET without body, a
// POST of body as JSON otherwise.
func (e env) manage(t *testing.T, path string, body any) []byte {
	t.Helper()
	method, payload := http.MethodGet, io.Reader(nil)
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		method, payload = http.MethodPost, bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.vault+path, payload)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.transport.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

// now is the emulator's clock, which the tests move instead of sleeping: certificates it makes
// are valid from its time, not this machine's.
func (e env) now(t *testing.T) time.Time {
	t.Helper()
	var clock struct {
		Now string `json:"now"`
	}
	if err := json.Unmarshal(e.manage(t, "/_kvcert/clock", nil), &clock); err != nil {
		t.Fatal(err)
	}
	when, err := time.Parse(time.RFC3339, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return when
}

// advance moves the emulator's clock forward.
func (e env) advance(t *testing.T, seconds int) {
	t.Helper()
	e.manage(t, "/_kvcert/clock", map[string]int{"advance_seconds": seconds})
}

// all reads every page of a pager.
func all[T any](t *testing.T, pager *runtime.Pager[T]) []T {
	t.Helper()
	var pages []T
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
	}
	return pages
}

// eventually retries read until it succeeds: the service completes deletes, recoveries and
// restores in the background (the Go SDK, unlike Python's, has no poller for them).
func eventually[T any](t *testing.T, what string, read func() (T, error)) T {
	t.Helper()
	var err error
	for range 100 {
		var got T
		if got, err = read(); err == nil {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
	var zero T
	return zero
}

// expectStatus checks that err is the service's answer with status and, in its text, want.
func expectStatus(t *testing.T, err error, status int, want string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want a %d response error, got %v", status, err)
	}
	if re.StatusCode != status || !strings.Contains(re.Error(), want) {
		t.Fatalf("want %d with %q, got %d: %s", status, want, re.StatusCode, re.Error())
	}
}

// must is v, or the test fails with err; called as must(call())(t), the call's two results
// passed whole.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// policy is a self-signed certificate policy for subject CN=cn with a SAN DNS name cn.
func policy(cn string, kty azcertificates.KeyType, size int32, curve azcertificates.CurveName, contentType string) azcertificates.CertificatePolicy {
	keys := &azcertificates.KeyProperties{KeyType: &kty}
	if size != 0 {
		keys.KeySize = &size
	}
	if curve != "" {
		keys.Curve = &curve
	}
	return azcertificates.CertificatePolicy{
		IssuerParameters: &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{
			Subject:                 to.Ptr("CN=" + cn),
			SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{DNSNames: []*string{to.Ptr(cn)}},
		},
		KeyProperties:    keys,
		SecretProperties: &azcertificates.SecretProperties{ContentType: &contentType},
	}
}

func ptr[T any](v T) *T { return &v }

// create makes a certificate and polls its operation until it completes.
func create(t *testing.T, c *azcertificates.Client, name string, policy azcertificates.CertificatePolicy) azcertificates.Certificate {
	t.Helper()
	return createWith(t, c, name, azcertificates.CreateCertificateParameters{CertificatePolicy: &policy})
}

func createWith(t *testing.T, c *azcertificates.Client, name string, params azcertificates.CreateCertificateParameters) azcertificates.Certificate {
	t.Helper()
	if _, err := c.CreateCertificate(ctx, name, params, nil); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		op, err := c.GetCertificateOperation(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if op.Status != nil && *op.Status == "completed" {
			got, err := c.GetCertificate(ctx, name, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			return got.Certificate
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not complete", name)
	return azcertificates.Certificate{}
}

// pemContents reads a PEM secret's PKCS#8 key and its certificates, in order.
func pemContents(t *testing.T, name, text string) (any, []*x509.Certificate) {
	t.Helper()
	var private any
	var chain []*x509.Certificate
	for rest := []byte(text); ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		switch block.Type {
		case "PRIVATE KEY":
			private = must(x509.ParsePKCS8PrivateKey(block.Bytes))(t)
		case "CERTIFICATE":
			chain = append(chain, must(x509.ParseCertificate(block.Bytes))(t))
		default:
			t.Fatalf("%s: a PEM block %q", name, block.Type)
		}
	}
	return private, chain
}

// openSecret reads a certificate's secret by its content type: its private key and its
// certificates, leaf first.
func openSecret(t *testing.T, c *azsecrets.Client, name, version string) (azsecrets.Secret, crypto.Signer, []*x509.Certificate) {
	t.Helper()
	s := must(c.GetSecret(ctx, name, version, nil))(t).Secret
	if s.Value == nil || s.ContentType == nil {
		t.Fatalf("%s: a secret without value or content type", name)
	}
	var private any
	var chain []*x509.Certificate
	switch *s.ContentType {
	case "application/x-pem-file":
		private, chain = pemContents(t, name, *s.Value)
	case "application/x-pkcs12":
		// The vault's PFX has no password.
		pfx := must(base64.StdEncoding.DecodeString(*s.Value))(t)
		key, leaf, cas, err := pkcs12.DecodeChain(pfx, "")
		if err != nil {
			t.Fatalf("%s: the PFX: %v", name, err)
		}
		private, chain = key, append([]*x509.Certificate{leaf}, cas...)
	default:
		t.Fatalf("%s: content type %q", name, *s.ContentType)
	}
	signer, ok := private.(crypto.Signer)
	if !ok {
		t.Fatalf("%s: no private key in the secret", name)
	}
	return s, signer, chain
}

// checkCertificate opens the certificate's secret (its key is the certificate's, its first
// certificate the certificate) and reads its key (the JWK is the certificate's public key), both
// at the certificate's version. It returns the certificate, the secret's chain and private key.
func checkCertificate(t *testing.T, e env, cert azcertificates.Certificate) (*x509.Certificate, []*x509.Certificate, crypto.Signer) {
	t.Helper()
	leaf := must(x509.ParseCertificate(cert.CER))(t)
	name, version := cert.ID.Name(), cert.ID.Version()
	s, private, chain := openSecret(t, e.secrets(t), name, version)
	if !publicEqual(private.Public(), leaf.PublicKey) {
		t.Fatalf("%s: the secret's key is not the certificate's", name)
	}
	if !chain[0].Equal(leaf) {
		t.Fatalf("%s: the secret's first certificate is not the certificate", name)
	}
	k := must(e.keys(t).GetKey(ctx, name, version, nil))(t)
	if !publicEqual(jwkPublic(t, k.Key), leaf.PublicKey) {
		t.Fatalf("%s: the key's JWK is not the certificate's public key", name)
	}
	if k.Key.KID.Version() != version || s.ID.Version() != version {
		t.Fatalf("%s: key %s and secret %s, not version %s", name, *k.Key.KID, *s.ID, version)
	}
	return leaf, chain, private
}

func publicEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// jwkPublic is a JWK's public key as Go's crypto has it (RSA, or EC on a NIST curve).
func jwkPublic(t *testing.T, jwk *azkeys.JSONWebKey) crypto.PublicKey {
	t.Helper()
	switch *jwk.Kty {
	case azkeys.KeyTypeRSA, azkeys.KeyTypeRSAHSM:
		return &rsa.PublicKey{N: new(big.Int).SetBytes(jwk.N), E: int(new(big.Int).SetBytes(jwk.E).Int64())}
	case azkeys.KeyTypeEC, azkeys.KeyTypeECHSM:
		curve, ok := map[azkeys.CurveName]elliptic.Curve{
			azkeys.CurveNameP256: elliptic.P256(),
			azkeys.CurveNameP384: elliptic.P384(),
			azkeys.CurveNameP521: elliptic.P521(),
		}[*jwk.Crv]
		if !ok {
			t.Fatalf("no Go curve for %s", *jwk.Crv)
		}
		point := append(append([]byte{4}, jwk.X...), jwk.Y...)
		return must(ecdsa.ParseUncompressedPublicKey(curve, point))(t)
	}
	t.Fatalf("a %s JWK", *jwk.Kty)
	return nil
}

// testCA is a CA certificate made here, valid around the emulator's time.
func testCA(t *testing.T, cn string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	template := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(3650 * 24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der := must(x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key))(t)
	return must(x509.ParseCertificate(der))(t), key
}

func serial(t *testing.T) *big.Int {
	return must(rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)))(t)
}

// names is the set of the last path segments of ids.
func names(ids []string) map[string]bool {
	set := map[string]bool{}
	for _, id := range ids {
		set[id[strings.LastIndex(id, "/")+1:]] = true
	}
	return set
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
