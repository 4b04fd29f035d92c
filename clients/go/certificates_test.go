package flows

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"software.sslmate.com/src/go-pkcs12"
)

const (
	pfxType = "application/x-pkcs12"
	pemType = "application/x-pem-file"
)

// The certificate flows of emulator/tests/sdk/python_flows.py (steps 1 to 12 and 16), in its
// order.

// 1. A policy naming only the issuer and the subject (what the Python SDK's default policy
// sends; the Go SDK has none): the service fills in RSA 2048 and PFX. Get latest and by version.
func TestCertificateDefaultPolicy(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	created := create(t, c, "go-default", azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=DefaultPolicy")},
	})
	latest := must(c.GetCertificate(ctx, "go-default", "", nil))(t)
	if latest.ID.Version() != created.ID.Version() {
		t.Fatalf("latest %s, created %s", *latest.ID, *created.ID)
	}
	byVersion := must(c.GetCertificate(ctx, "go-default", created.ID.Version(), nil))(t)
	if !bytes.Equal(byVersion.CER, latest.CER) {
		t.Fatal("the certificate by version is not the latest")
	}
	leaf, _, _ := checkCertificate(t, e, latest.Certificate)
	if pub, ok := leaf.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() != 2048 {
		t.Fatalf("a %T key, not RSA 2048", leaf.PublicKey)
	}
	p := must(c.GetCertificatePolicy(ctx, "go-default", nil))(t)
	if *p.IssuerParameters.Name != "Self" || *p.KeyProperties.KeyType != azcertificates.KeyTypeRSA || *p.KeyProperties.KeySize != 2048 {
		t.Fatalf("policy %+v %+v", *p.IssuerParameters, *p.KeyProperties)
	}
	if *p.SecretProperties.ContentType != pfxType {
		t.Fatalf("content type %s", *p.SecretProperties.ContentType)
	}
}

// 2, 3, 4b. Every key type and size, in both content types, with tags; the certificates listed;
// their secrets and keys listed beside them as managed.
func TestCertificateKeyTypesAndContentTypes(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	cases := []struct {
		kty     azcertificates.KeyType
		size    int32
		curve   azcertificates.CurveName
		content string
		goCurve elliptic.Curve
	}{
		{azcertificates.KeyTypeRSA, 2048, "", pfxType, nil},
		{azcertificates.KeyTypeRSA, 3072, "", pemType, nil},
		{azcertificates.KeyTypeRSA, 4096, "", pfxType, nil},
		{azcertificates.KeyTypeEC, 0, azcertificates.CurveNameP256, pemType, elliptic.P256()},
		{azcertificates.KeyTypeEC, 0, azcertificates.CurveNameP384, pfxType, elliptic.P384()},
		{azcertificates.KeyTypeEC, 0, azcertificates.CurveNameP521, pemType, elliptic.P521()},
	}
	for i, k := range cases {
		name := fmt.Sprintf("go-custom%d", i)
		p := policy(name+".example", k.kty, k.size, k.curve, k.content)
		p.X509CertificateProperties.ValidityInMonths = to.Ptr(int32(6))
		cert := createWith(t, c, name, azcertificates.CreateCertificateParameters{
			CertificatePolicy: &p,
			Tags:              map[string]*string{"n": to.Ptr(strconv.Itoa(i))},
		})
		if len(cert.Tags) != 1 || *cert.Tags["n"] != strconv.Itoa(i) {
			t.Fatalf("%s: tags %v", name, cert.Tags)
		}
		leaf, _, _ := checkCertificate(t, e, cert)
		switch pub := leaf.PublicKey.(type) {
		case *rsa.PublicKey:
			if k.kty != azcertificates.KeyTypeRSA || pub.N.BitLen() != int(k.size) {
				t.Fatalf("%s: RSA %d", name, pub.N.BitLen())
			}
		case *ecdsa.PublicKey:
			if pub.Curve != k.goCurve {
				t.Fatalf("%s: curve %s", name, pub.Curve.Params().Name)
			}
		default:
			t.Fatalf("%s: a %T key", name, pub)
		}
		if !slices.Equal(leaf.DNSNames, []string{name + ".example"}) {
			t.Fatalf("%s: DNS names %v", name, leaf.DNSNames)
		}
	}

	index := map[string]int{} // go-customI -> I
	for i := range cases {
		index[fmt.Sprintf("go-custom%d", i)] = i
	}
	listed := map[string]bool{}
	for _, page := range all(t, c.NewListCertificatePropertiesPager(nil)) {
		for _, p := range page.Value {
			if i, ok := index[p.ID.Name()]; ok && *p.Tags["n"] == strconv.Itoa(i) {
				listed[p.ID.Name()] = true
			}
		}
	}
	if len(listed) != len(cases) {
		t.Fatalf("of the certificates, %v are listed with their tags", listed)
	}

	// The certificates' secrets, managed, with the certificates' tags and content types; a list
	// names the secret, not a version.
	listed = map[string]bool{}
	for _, page := range all(t, e.secrets(t).NewListSecretPropertiesPager(nil)) {
		for _, s := range page.Value {
			i, ok := index[s.ID.Name()]
			if !ok {
				continue
			}
			if s.Managed == nil || !*s.Managed || *s.Tags["n"] != strconv.Itoa(i) || *s.ContentType != cases[i].content {
				t.Fatalf("secret %s: managed %v, tags %v, content type %s", *s.ID, s.Managed, s.Tags, *s.ContentType)
			}
			if s.ID.Version() != "" {
				t.Fatalf("a listed secret names a version: %s", *s.ID)
			}
			listed[s.ID.Name()] = true
		}
	}
	if len(listed) != len(cases) {
		t.Fatalf("of the certificates' secrets, %v are listed", listed)
	}
	// The certificates' keys, managed and enabled.
	listed = map[string]bool{}
	for _, page := range all(t, e.keys(t).NewListKeyPropertiesPager(nil)) {
		for _, k := range page.Value {
			if _, ok := index[k.KID.Name()]; !ok {
				continue
			}
			if k.Managed == nil || !*k.Managed || !*k.Attributes.Enabled {
				t.Fatalf("key %s: managed %v, enabled %v", *k.KID, k.Managed, *k.Attributes.Enabled)
			}
			listed[k.KID.Name()] = true
		}
	}
	if len(listed) != len(cases) {
		t.Fatalf("of the certificates' keys, %v are listed", listed)
	}
}

// 4. Update a policy; a new version under it; the versions of the certificate, its secret and
// its key; update the properties.
func TestCertificatePolicyUpdate(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	first := create(t, c, "go-policy", policy("policy.example", azcertificates.KeyTypeEC, 0, azcertificates.CurveNameP256, pemType))
	updated := must(c.UpdateCertificatePolicy(ctx, "go-policy", azcertificates.CertificatePolicy{
		X509CertificateProperties: &azcertificates.X509CertificateProperties{ValidityInMonths: to.Ptr(int32(3))},
		KeyProperties:             &azcertificates.KeyProperties{Curve: to.Ptr(azcertificates.CurveNameP384)},
	}, nil))(t)
	if *updated.X509CertificateProperties.ValidityInMonths != 3 || *updated.KeyProperties.Curve != azcertificates.CurveNameP384 {
		t.Fatalf("updated policy %+v %+v", *updated.X509CertificateProperties, *updated.KeyProperties)
	}
	if got := must(c.GetCertificatePolicy(ctx, "go-policy", nil))(t); *got.KeyProperties.Curve != azcertificates.CurveNameP384 {
		t.Fatal("the policy read back is not the updated one")
	}
	second := create(t, c, "go-policy", updated.CertificatePolicy)
	if second.ID.Version() == first.ID.Version() {
		t.Fatal("no new version")
	}
	leaf, _, _ := checkCertificate(t, e, second)
	if leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P384() {
		t.Fatal("the new version's key is not P-384")
	}
	// Three months from its start, give or take the month lengths.
	if months := leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24; months < 88 || months > 93 {
		t.Fatalf("valid for %.0f days", months)
	}
	var versions, secretVersions, keyVersions []string
	for _, page := range all(t, c.NewListCertificatePropertiesVersionsPager("go-policy", nil)) {
		for _, p := range page.Value {
			versions = append(versions, p.ID.Version())
		}
	}
	for _, page := range all(t, e.secrets(t).NewListSecretPropertiesVersionsPager("go-policy", nil)) {
		for _, p := range page.Value {
			secretVersions = append(secretVersions, p.ID.Version())
		}
	}
	for _, page := range all(t, e.keys(t).NewListKeyPropertiesVersionsPager("go-policy", nil)) {
		for _, p := range page.Value {
			keyVersions = append(keyVersions, p.KID.Version())
		}
	}
	want := []string{first.ID.Version(), second.ID.Version()}
	if !sameSet(versions, want) || !sameSet(secretVersions, want) || !sameSet(keyVersions, want) {
		t.Fatalf("versions %v, secrets %v, keys %v; want %v", versions, secretVersions, keyVersions, want)
	}
	props := must(c.UpdateCertificate(ctx, "go-policy", "", azcertificates.UpdateCertificateParameters{
		CertificateAttributes: &azcertificates.CertificateAttributes{Enabled: to.Ptr(true)},
		Tags:                  map[string]*string{"updated": to.Ptr("yes")},
	}, nil))(t)
	if len(props.Tags) != 1 || *props.Tags["updated"] != "yes" || !*props.Attributes.Enabled {
		t.Fatalf("updated %v %+v", props.Tags, *props.Attributes)
	}
}

// 5. Issuer Unknown: the pending operation's CSR, signed here by a test CA, merged with the
// chain; the secret then holds [leaf, CA].
func TestCertificateMergeUnknownIssuer(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	ca, caKey := testCA(t, "Go SDK test CA", e.now(t))
	created := must(c.CreateCertificate(ctx, "go-merged", azcertificates.CreateCertificateParameters{
		CertificatePolicy: &azcertificates.CertificatePolicy{
			IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Unknown")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=merged.example")},
		},
	}, nil))(t)
	op := must(c.GetCertificateOperation(ctx, "go-merged", nil))(t)
	if *op.Status != "inProgress" || len(op.CSR) == 0 || !bytes.Equal(op.CSR, created.CSR) {
		t.Fatalf("operation %+v", op.CertificateOperation)
	}
	csr := must(x509.ParseCertificateRequest(op.CSR))(t)
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("the CSR's signature: %v", err)
	}
	if csr.Subject.CommonName != "merged.example" {
		t.Fatalf("CSR subject %v", csr.Subject)
	}
	now := e.now(t)
	leafDER := must(x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial(t),
		RawSubject:   csr.RawSubject,
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}, ca, csr.PublicKey, caKey))(t)
	merged := must(c.MergeCertificate(ctx, "go-merged", azcertificates.MergeCertificateParameters{
		X509Certificates: [][]byte{leafDER, ca.Raw},
	}, nil))(t)
	if !bytes.Equal(merged.CER, leafDER) {
		t.Fatal("the merged certificate is not the signed leaf")
	}
	_, chain, _ := checkCertificate(t, e, merged.Certificate)
	if len(chain) != 2 || !bytes.Equal(chain[0].Raw, leafDER) || !chain[1].Equal(ca) {
		t.Fatalf("the secret holds %d certificates, not [leaf, CA]", len(chain))
	}
	if op := must(c.GetCertificateOperation(ctx, "go-merged", nil))(t); *op.Status != "completed" {
		t.Fatalf("operation %s after the merge", *op.Status)
	}
}

// digicert registers an issuer of the emulated DigiCert provider.
func digicert(t *testing.T, c *azcertificates.Client, name string) azcertificates.Issuer {
	t.Helper()
	return must(c.SetIssuer(ctx, name, azcertificates.SetIssuerParameters{
		Provider:    to.Ptr("DigiCert"),
		Credentials: &azcertificates.IssuerCredentials{AccountID: to.Ptr("account"), Password: to.Ptr("secret")},
		OrganizationDetails: &azcertificates.OrganizationDetails{
			ID: to.Ptr("org"),
			AdminContacts: []*azcertificates.AdministratorContact{{
				FirstName: to.Ptr("A"), LastName: to.Ptr("B"), Email: to.Ptr("a@example.com"), Phone: to.Ptr("1"),
			}},
		},
	}, nil))(t).Issuer
}

// 6. A registered CA issuer: the emulated DigiCert signs; Go's x509 verifies the secret's chain
// up to the emulator's CA roots, at the emulator's time, for the certificate's DNS name.
func TestCertificateFromRegisteredIssuer(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	if issuer := digicert(t, c, "go-digicert"); *issuer.Provider != "DigiCert" {
		t.Fatalf("provider %s", *issuer.Provider)
	}
	p := azcertificates.CertificatePolicy{
		IssuerParameters: &azcertificates.IssuerParameters{Name: to.Ptr("go-digicert")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{
			Subject:                 to.Ptr("CN=ca.example"),
			SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{DNSNames: []*string{to.Ptr("ca.example")}},
		},
	}
	leaf, chain, _ := checkCertificate(t, e, create(t, c, "go-from-ca", p))
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(e.manage(t, "/_kvcert/ca", nil)) {
		t.Fatal("the emulator's CA roots are not PEM")
	}
	intermediates := x509.NewCertPool()
	for _, cert := range chain[1:] {
		intermediates.AddCert(cert)
	}
	paths, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       "ca.example",
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   e.now(t),
	})
	if err != nil {
		t.Fatalf("the chain does not verify: %v", err)
	}
	if len(paths[0]) != 3 {
		t.Fatalf("a path of %d certificates, not leaf, intermediate, root", len(paths[0]))
	}

	// OutContentType PEM (2025-06-01-preview on): the PKCS#12 secret as PEM, the same key and
	// certificates in the same order.
	s := e.secrets(t)
	_, pfxKey, pfxChain := openSecret(t, s, "go-from-ca", "")
	asPEM := must(s.GetSecret(ctx, "go-from-ca", "", &azsecrets.GetSecretOptions{
		OutContentType: to.Ptr(azsecrets.ContentTypePEM),
	}))(t).Secret
	if asPEM.ContentType == nil || *asPEM.ContentType != pemType {
		t.Fatalf("content type %v", asPEM.ContentType)
	}
	pemKey, pemChain := pemContents(t, "go-from-ca", *asPEM.Value)
	if len(pemChain) != len(pfxChain) {
		t.Fatalf("%d certificates in the PEM, %d in the PFX", len(pemChain), len(pfxChain))
	}
	for i := range pemChain {
		if !pemChain[i].Equal(pfxChain[i]) {
			t.Fatalf("certificate %d differs", i)
		}
	}
	if signer, ok := pemKey.(crypto.Signer); !ok || !signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pfxKey.Public()) {
		t.Fatal("the PEM's key is not the PFX's")
	}
}

// 7. Cancel a pending operation, then delete it.
func TestCertificateCancelPendingOperation(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	must(c.CreateCertificate(ctx, "go-cancelled", azcertificates.CreateCertificateParameters{
		CertificatePolicy: &azcertificates.CertificatePolicy{
			IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Unknown")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=c")},
		},
	}, nil))(t)
	op := must(c.UpdateCertificateOperation(ctx, "go-cancelled", azcertificates.UpdateCertificateOperationParameter{CancellationRequested: to.Ptr(true)}, nil))(t)
	if !*op.CancellationRequested || *op.Status != "inProgress" {
		t.Fatalf("after the cancel request: %+v", op.CertificateOperation)
	}
	// Waiting for a merge, the operation is cancelled one poll interval (10 s) later; the clock
	// moves instead of the test sleeping.
	e.advance(t, 10)
	if op := must(c.GetCertificateOperation(ctx, "go-cancelled", nil))(t); *op.Status != "cancelled" {
		t.Fatalf("status %s", *op.Status)
	}
	// Nothing was issued: the certificate the create made stays, disabled, without a CER.
	shell := must(c.GetCertificate(ctx, "go-cancelled", "", nil))(t)
	if *shell.Attributes.Enabled || len(shell.CER) != 0 {
		t.Fatalf("the cancelled certificate: enabled %v, %d CER bytes", *shell.Attributes.Enabled, len(shell.CER))
	}
	must(c.DeleteCertificateOperation(ctx, "go-cancelled", nil))(t)
	_, err := c.GetCertificateOperation(ctx, "go-cancelled", nil)
	expectStatus(t, err, 404, "")
}

// 8. Delete, get deleted, list deleted, recover, delete again, purge.
func TestCertificateDeleteRecoverPurge(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	create(t, c, "go-deleted", policy("deleted.example", azcertificates.KeyTypeRSA, 2048, "", pemType))
	deleted := must(c.DeleteCertificate(ctx, "go-deleted", nil))(t)
	if deleted.RecoveryID == nil || deleted.DeletedDate == nil || deleted.ScheduledPurgeDate == nil {
		t.Fatalf("deleted %+v", deleted.DeletedCertificate)
	}
	got := eventually(t, "get deleted", func() (azcertificates.GetDeletedCertificateResponse, error) {
		return c.GetDeletedCertificate(ctx, "go-deleted", nil)
	})
	if got.ID.Name() != "go-deleted" {
		t.Fatalf("deleted %s", *got.ID)
	}
	listed := false
	for _, page := range all(t, c.NewListDeletedCertificatePropertiesPager(nil)) {
		for _, d := range page.Value {
			listed = listed || d.ID.Name() == "go-deleted"
		}
	}
	if !listed {
		t.Fatal("go-deleted is not among the deleted")
	}
	if recovered := must(c.RecoverDeletedCertificate(ctx, "go-deleted", nil))(t); recovered.ID.Name() != "go-deleted" {
		t.Fatalf("recovered %s", *recovered.ID)
	}
	back := eventually(t, "get recovered", func() (azcertificates.GetCertificateResponse, error) {
		return c.GetCertificate(ctx, "go-deleted", "", nil)
	})
	checkCertificate(t, e, back.Certificate)
	must(c.DeleteCertificate(ctx, "go-deleted", nil))(t)
	eventually(t, "get deleted again", func() (azcertificates.GetDeletedCertificateResponse, error) {
		return c.GetDeletedCertificate(ctx, "go-deleted", nil)
	})
	must(c.PurgeDeletedCertificate(ctx, "go-deleted", nil))(t)
	_, err := c.GetDeletedCertificate(ctx, "go-deleted", nil)
	expectStatus(t, err, 404, "")
}

// 9. Backup, delete and purge, restore: the same version and CER, its secret and key back too.
func TestCertificateBackupRestore(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	before := create(t, c, "go-backup", policy("backup.example", azcertificates.KeyTypeRSA, 2048, "", pfxType))
	blob := must(c.BackupCertificate(ctx, "go-backup", nil))(t)
	must(c.DeleteCertificate(ctx, "go-backup", nil))(t)
	eventually(t, "get deleted", func() (azcertificates.GetDeletedCertificateResponse, error) {
		return c.GetDeletedCertificate(ctx, "go-backup", nil)
	})
	must(c.PurgeDeletedCertificate(ctx, "go-backup", nil))(t)
	restored := must(c.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob.Value}, nil))(t)
	if restored.ID.Version() != before.ID.Version() || !bytes.Equal(restored.CER, before.CER) {
		t.Fatalf("restored %s, backed up %s", *restored.ID, *before.ID)
	}
	checkCertificate(t, e, must(c.GetCertificate(ctx, "go-backup", "", nil))(t).Certificate)
}

// 10. Import a PFX made here (go-pkcs12's encoder: Go's standard library has none) and a PEM.
func TestCertificateImport(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	now := e.now(t)
	template := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "imported.example"},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	own := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key))(t)))(t)

	// PKCS#12 with AES-256 and a SHA-256 MAC, protected by a password.
	pfx := must(pkcs12.Modern.Encode(key, own, nil, "pw"))(t)
	imported := must(c.ImportCertificate(ctx, "go-imported-pfx", azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(base64.StdEncoding.EncodeToString(pfx)),
		Password:                 to.Ptr("pw"),
	}, nil))(t)
	checkImported(t, e, imported.Certificate, own, key)

	// PEM: the PKCS#8 key and the certificate, sent as text (not base64) with a PEM policy.
	pkcs8 := must(x509.MarshalPKCS8PrivateKey(key))(t)
	text := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: own.Raw})...)
	imported = must(c.ImportCertificate(ctx, "go-imported-pem", azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(string(text)),
		CertificatePolicy: &azcertificates.CertificatePolicy{
			SecretProperties: &azcertificates.SecretProperties{ContentType: to.Ptr(pemType)},
		},
	}, nil))(t)
	checkImported(t, e, imported.Certificate, own, key)
}

// checkImported: the vault's certificate is the one imported, its secret holds the imported key.
func checkImported(t *testing.T, e env, cert azcertificates.Certificate, own *x509.Certificate, key *ecdsa.PrivateKey) {
	t.Helper()
	if !bytes.Equal(cert.CER, own.Raw) {
		t.Fatalf("%s: the CER is not the imported certificate", *cert.ID)
	}
	_, _, private := checkCertificate(t, e, cert)
	if !key.Equal(private) {
		t.Fatalf("%s: the secret's key is not the imported key", *cert.ID)
	}
}

// 11. Issuers (create, get, update, list, delete) and contacts (set, get, delete).
func TestIssuersAndContacts(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	digicert(t, c, "go-issuer")
	got := must(c.GetIssuer(ctx, "go-issuer", nil))(t)
	if *got.Provider != "DigiCert" || *got.OrganizationDetails.ID != "org" || *got.Credentials.AccountID != "account" {
		t.Fatalf("issuer %+v", got.Issuer)
	}
	updated := must(c.UpdateIssuer(ctx, "go-issuer", azcertificates.UpdateIssuerParameters{
		Attributes: &azcertificates.IssuerAttributes{Enabled: to.Ptr(false)},
	}, nil))(t)
	if *updated.Attributes.Enabled {
		t.Fatal("the issuer is still enabled")
	}
	var issuers []string
	for _, page := range all(t, c.NewListIssuerPropertiesPager(nil)) {
		for _, i := range page.Value {
			issuers = append(issuers, *i.ID)
		}
	}
	if !names(issuers)["go-issuer"] {
		t.Fatalf("go-issuer is not listed: %v", issuers)
	}
	must(c.DeleteIssuer(ctx, "go-issuer", nil))(t)
	_, err := c.GetIssuer(ctx, "go-issuer", nil)
	expectStatus(t, err, 404, "")

	emails := func(cs azcertificates.Contacts) []string {
		var out []string
		for _, contact := range cs.ContactList {
			out = append(out, *contact.Email)
		}
		return out
	}
	set := must(c.SetContacts(ctx, azcertificates.Contacts{ContactList: []*azcertificates.Contact{
		{Email: to.Ptr("ops@example.com"), Name: to.Ptr("Ops"), Phone: to.Ptr("1")},
	}}, nil))(t)
	if !slices.Equal(emails(set.Contacts), []string{"ops@example.com"}) {
		t.Fatalf("contacts set: %v", emails(set.Contacts))
	}
	if got := must(c.GetContacts(ctx, nil))(t); !slices.Equal(emails(got.Contacts), []string{"ops@example.com"}) {
		t.Fatalf("contacts read: %v", emails(got.Contacts))
	}
	must(c.DeleteContacts(ctx, nil))(t)
	_, err = c.GetContacts(ctx, nil)
	expectStatus(t, err, 404, "")
}

// 16. An error carries the service's status and text.
func TestCertificateErrors(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	_, err := c.GetCertificate(ctx, "go-no-such-certificate", "", nil)
	expectStatus(t, err, 404, "was not found in this key vault")
	ca, _ := testCA(t, "Go SDK stray", e.now(t))
	_, err = c.MergeCertificate(ctx, "go-no-such-certificate", azcertificates.MergeCertificateParameters{X509Certificates: [][]byte{ca.Raw}}, nil)
	expectStatus(t, err, 404, "")
}

// 12. AutoRenew as the clock moves: valid for a month, renewed 10 days before it expires; 25
// days on, a new version is the latest. Last among the certificate tests: the clock only moves
// forward.
func TestCertificateAutoRenew(t *testing.T) {
	e := setup(t)
	c := e.certificates(t)
	p := policy("renewed.example", azcertificates.KeyTypeRSA, 2048, "", pfxType)
	p.X509CertificateProperties.ValidityInMonths = to.Ptr(int32(1))
	p.LifetimeActions = []*azcertificates.LifetimeAction{{
		Action:  &azcertificates.LifetimeActionType{ActionType: to.Ptr(azcertificates.CertificatePolicyActionAutoRenew)},
		Trigger: &azcertificates.LifetimeActionTrigger{DaysBeforeExpiry: to.Ptr(int32(10))},
	}}
	first := create(t, c, "go-renewed", p)
	firstLeaf := must(x509.ParseCertificate(first.CER))(t)
	e.advance(t, 25*86400)
	latest := must(c.GetCertificate(ctx, "go-renewed", "", nil))(t)
	if latest.ID.Version() == first.ID.Version() {
		t.Fatal("not renewed")
	}
	versions := 0
	for _, page := range all(t, c.NewListCertificatePropertiesVersionsPager("go-renewed", nil)) {
		versions += len(page.Value)
	}
	if versions != 2 {
		t.Fatalf("%d versions", versions)
	}
	leaf, _, _ := checkCertificate(t, e, latest.Certificate)
	if !leaf.NotAfter.After(firstLeaf.NotAfter) {
		t.Fatalf("the renewed certificate expires %v, the first %v", leaf.NotAfter, firstLeaf.NotAfter)
	}
}
