package flows

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// 14. A client's own keys beside a certificate's key: create RSA and EC on every curve, list,
// update, rotation policy, rotate, import, backup, delete, recover, purge, restore; a
// certificate's key cannot be deleted on its own.
func TestKeyLifecycle(t *testing.T) {
	e := setup(t)
	c := e.keys(t)
	create(t, e.certificates(t), "go-key-cert", policy("key-cert.example", azcertificates.KeyTypeEC, 0, azcertificates.CurveNameP256, pemType))

	rsaKey := must(c.CreateKey(ctx, "go-rsa-key", azkeys.CreateKeyParameters{
		Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr(int32(2048)), Tags: map[string]*string{"use": to.Ptr("wrap")},
	}, nil))(t)
	if *rsaKey.Key.Kty != azkeys.KeyTypeRSA || len(rsaKey.Key.N) != 256 {
		t.Fatalf("a %s key with a %d-byte modulus", *rsaKey.Key.Kty, len(rsaKey.Key.N))
	}
	var ops []string
	for _, op := range rsaKey.Key.KeyOps {
		ops = append(ops, string(*op))
	}
	if !sameSet(ops, []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}) {
		t.Fatalf("key ops %v", ops)
	}

	// An EC key on every curve, its point on the curve (Go's ecdsa for the NIST curves, the
	// secp256k1 module for P-256K, which Go's standard library lacks).
	ecKeys := map[azkeys.CurveName]azkeys.KeyBundle{}
	for _, curve := range []azkeys.CurveName{azkeys.CurveNameP256, azkeys.CurveNameP384, azkeys.CurveNameP521, azkeys.CurveNameP256K} {
		k := must(c.CreateKey(ctx, ecKeyName(curve), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: &curve}, nil))(t).KeyBundle
		if *k.Key.Crv != curve {
			t.Fatalf("%s: curve %s", curve, *k.Key.Crv)
		}
		if curve == azkeys.CurveNameP256K {
			secp256k1Public(t, k.Key)
		} else {
			jwkPublic(t, k.Key)
		}
		ecKeys[curve] = k
	}
	if len(ecKeys[azkeys.CurveNameP521].Key.X) != 66 {
		t.Fatalf("a P-521 x of %d bytes", len(ecKeys[azkeys.CurveNameP521].Key.X))
	}

	listed := map[string]*azkeys.KeyProperties{}
	for _, page := range all(t, c.NewListKeyPropertiesPager(nil)) {
		for _, p := range page.Value {
			listed[p.KID.Name()] = p
		}
	}
	if own := listed["go-rsa-key"]; own == nil || (own.Managed != nil && *own.Managed) {
		t.Fatalf("go-rsa-key listed as %+v", own)
	}
	if managed := listed["go-key-cert"]; managed == nil || managed.Managed == nil || !*managed.Managed {
		t.Fatalf("the certificate's key listed as %+v", managed)
	}

	updated := must(c.UpdateKey(ctx, "go-rsa-key", "", azkeys.UpdateKeyParameters{
		KeyAttributes: &azkeys.KeyAttributes{Enabled: to.Ptr(true)},
		Tags:          map[string]*string{"use": to.Ptr("wrap"), "v": to.Ptr("2")},
	}, nil))(t)
	if len(updated.Tags) != 2 || *updated.Tags["use"] != "wrap" || *updated.Tags["v"] != "2" {
		t.Fatalf("tags %v", updated.Tags)
	}

	// The rotation policy: the default (notify, no id), then rotate 18 months after creation,
	// versions expiring after 48 months.
	def := must(c.GetKeyRotationPolicy(ctx, "go-rsa-key", nil))(t)
	if def.ID != nil || len(def.LifetimeActions) == 0 || *def.LifetimeActions[0].Action.Type != azkeys.KeyRotationPolicyActionNotify {
		t.Fatalf("default rotation policy %+v", def.KeyRotationPolicy)
	}
	rp := must(c.UpdateKeyRotationPolicy(ctx, "go-rsa-key", azkeys.KeyRotationPolicy{
		LifetimeActions: []*azkeys.LifetimeAction{{
			Action:  &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyActionRotate)},
			Trigger: &azkeys.LifetimeActionTrigger{TimeAfterCreate: to.Ptr("P18M")},
		}},
		Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to.Ptr("P48M")},
	}, nil))(t)
	if *rp.Attributes.ExpiryTime != "P48M" || !strings.HasSuffix(*rp.ID, "/keys/go-rsa-key/rotationpolicy") {
		t.Fatalf("rotation policy %s, expiry %s", *rp.ID, *rp.Attributes.ExpiryTime)
	}
	rotated := must(c.RotateKey(ctx, "go-rsa-key", nil))(t)
	if rotated.Key.KID.Version() == rsaKey.Key.KID.Version() {
		t.Fatal("the rotated key has the same version")
	}
	if days := int(rotated.Attributes.Expires.Sub(*rotated.Attributes.Created).Hours() / 24); days != 1461 {
		t.Fatalf("the rotated version expires %d days after its creation, not 48 months", days)
	}
	versions := 0
	for _, page := range all(t, c.NewListKeyPropertiesVersionsPager("go-rsa-key", nil)) {
		versions += len(page.Value)
	}
	if versions != 2 {
		t.Fatalf("%d versions after a rotation", versions)
	}

	// Import an RSA key made here, as a JWK with its private part.
	own := must(rsa.GenerateKey(rand.Reader, 2048))(t)
	imported := must(c.ImportKey(ctx, "go-imported-key", azkeys.ImportKeyParameters{Key: rsaJWK(own)}, nil))(t)
	if !bytes.Equal(imported.Key.N, own.N.Bytes()) || imported.Key.D != nil {
		t.Fatal("the imported key's JWK is not the public part of the key imported")
	}

	// Backup, delete, recover, delete, purge, restore: the restored key signs, and its
	// signature verifies with the public key read before the backup.
	p256 := ecKeys[azkeys.CurveNameP256]
	blob := must(c.BackupKey(ctx, "go-ec-p256", nil))(t)
	if deleted := must(c.DeleteKey(ctx, "go-ec-p256", nil))(t); deleted.RecoveryID == nil || deleted.ScheduledPurgeDate == nil {
		t.Fatalf("deleted %+v", deleted.DeletedKey)
	}
	got := eventually(t, "get deleted", func() (azkeys.GetDeletedKeyResponse, error) {
		return c.GetDeletedKey(ctx, "go-ec-p256", nil)
	})
	if got.Key.KID.Name() != "go-ec-p256" {
		t.Fatalf("deleted %s", *got.Key.KID)
	}
	listedDeleted := false
	for _, page := range all(t, c.NewListDeletedKeyPropertiesPager(nil)) {
		for _, d := range page.Value {
			listedDeleted = listedDeleted || d.KID.Name() == "go-ec-p256"
		}
	}
	if !listedDeleted {
		t.Fatal("go-ec-p256 is not among the deleted")
	}
	must(c.RecoverDeletedKey(ctx, "go-ec-p256", nil))(t)
	eventually(t, "get recovered", func() (azkeys.GetKeyResponse, error) { return c.GetKey(ctx, "go-ec-p256", "", nil) })
	must(c.DeleteKey(ctx, "go-ec-p256", nil))(t)
	eventually(t, "get deleted again", func() (azkeys.GetDeletedKeyResponse, error) {
		return c.GetDeletedKey(ctx, "go-ec-p256", nil)
	})
	must(c.PurgeDeletedKey(ctx, "go-ec-p256", nil))(t)
	_, err := c.GetKey(ctx, "go-ec-p256", "", nil)
	expectStatus(t, err, 404, "")
	restored := must(c.RestoreKey(ctx, azkeys.RestoreKeyParameters{KeyBackup: blob.Value}, nil))(t)
	if *restored.Key.KID != *p256.Key.KID {
		t.Fatalf("restored %s, backed up %s", *restored.Key.KID, *p256.Key.KID)
	}
	d := digest(crypto.SHA256)
	signed := must(c.Sign(ctx, "go-ec-p256", "", azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmES256), Value: d}, nil))(t)
	r, s := splitSignature(t, signed.Result, 32)
	if !ecdsa.Verify(jwkPublic(t, p256.Key).(*ecdsa.PublicKey), d, r, s) {
		t.Fatal("the restored key's signature does not verify with the key backed up")
	}

	// A certificate's key is the certificate's: deleting it alone is refused.
	_, err = c.DeleteKey(ctx, "go-key-cert", nil)
	expectStatus(t, err, 403, "")
}

func ecKeyName(curve azkeys.CurveName) string {
	return "go-ec-" + strings.ToLower(strings.ReplaceAll(string(curve), "-", ""))
}

// rsaJWK is an RSA private key as a JWK, every private field set.
func rsaJWK(k *rsa.PrivateKey) *azkeys.JSONWebKey {
	return &azkeys.JSONWebKey{
		Kty: to.Ptr(azkeys.KeyTypeRSA),
		N:   k.N.Bytes(),
		E:   big.NewInt(int64(k.E)).Bytes(),
		D:   k.D.Bytes(),
		P:   k.Primes[0].Bytes(),
		Q:   k.Primes[1].Bytes(),
		DP:  k.Precomputed.Dp.Bytes(),
		DQ:  k.Precomputed.Dq.Bytes(),
		QI:  k.Precomputed.Qinv.Bytes(),
		KeyOps: []*azkeys.KeyOperation{
			to.Ptr(azkeys.KeyOperationEncrypt), to.Ptr(azkeys.KeyOperationDecrypt),
			to.Ptr(azkeys.KeyOperationSign), to.Ptr(azkeys.KeyOperationVerify),
			to.Ptr(azkeys.KeyOperationWrapKey), to.Ptr(azkeys.KeyOperationUnwrapKey),
		},
	}
}

// secp256k1Public is a P-256K JWK's point, checked to be on the curve.
func secp256k1Public(t *testing.T, jwk *azkeys.JSONWebKey) *secp256k1.PublicKey {
	t.Helper()
	point := append(append([]byte{4}, jwk.X...), jwk.Y...)
	return must(secp256k1.ParsePubKey(point))(t)
}
