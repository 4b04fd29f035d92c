package flows

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // RSA-OAEP's hash
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"math/big"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secp256k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// 15. The keys' cryptography, every result checked here: signatures verified by Go's crypto
// (and by the vault's verify), ciphertexts made here opened by the vault and the other way
// round, on plain keys and on a certificate's key.

// contentKey is what the encrypt and wrap flows seal: a 256-bit content key.
var contentKey = []byte("0123456789abcdef0123456789abcdef")

// digest is the hash of a fixed message: the vault signs digests, not messages.
func digest(h crypto.Hash) []byte {
	w := h.New()
	w.Write([]byte("kvcert"))
	return w.Sum(nil)
}

// splitSignature reads a JWS EC signature, r || s, each size bytes (not DER).
func splitSignature(t *testing.T, sig []byte, size int) (*big.Int, *big.Int) {
	t.Helper()
	if len(sig) != 2*size {
		t.Fatalf("a %d-byte signature, not r || s of %d bytes each", len(sig), size)
	}
	return new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
}

// vaultVerifies asks the vault to verify a signature.
func vaultVerifies(t *testing.T, c *azkeys.Client, kid *azkeys.ID, alg azkeys.SignatureAlgorithm, digest, sig []byte) bool {
	t.Helper()
	got := must(c.Verify(ctx, kid.Name(), kid.Version(), azkeys.VerifyParameters{Algorithm: &alg, Digest: digest, Signature: sig}, nil))(t)
	return *got.Value
}

// tampered is sig with one bit of its last byte flipped.
func tampered(sig []byte) []byte {
	out := bytes.Clone(sig)
	out[len(out)-1] ^= 1
	return out
}

// ES256, ES384, ES512 and ES256K with an EC key of each curve; RS256/384/512 and PS256/384/512
// with an RSA key.
func TestSignVerifyEveryAlgorithm(t *testing.T) {
	e := setup(t)
	c := e.keys(t)
	for _, k := range []struct {
		curve azkeys.CurveName
		alg   azkeys.SignatureAlgorithm
		hash  crypto.Hash
		size  int
	}{
		{azkeys.CurveNameP256, azkeys.SignatureAlgorithmES256, crypto.SHA256, 32},
		{azkeys.CurveNameP384, azkeys.SignatureAlgorithmES384, crypto.SHA384, 48},
		{azkeys.CurveNameP521, azkeys.SignatureAlgorithmES512, crypto.SHA512, 66},
		{azkeys.CurveNameP256K, azkeys.SignatureAlgorithmES256K, crypto.SHA256, 32},
	} {
		name := "go-sign-" + ecKeyName(k.curve)[len("go-"):]
		key := must(c.CreateKey(ctx, name, azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: &k.curve}, nil))(t).Key
		d := digest(k.hash)
		sig := must(c.Sign(ctx, name, key.KID.Version(), azkeys.SignParameters{Algorithm: &k.alg, Value: d}, nil))(t).Result
		r, s := splitSignature(t, sig, k.size)
		var verified bool
		if k.curve == azkeys.CurveNameP256K {
			// Go's standard library has no secp256k1: the decred module verifies ES256K.
			var rs, ss secp256k1.ModNScalar
			if rs.SetByteSlice(r.Bytes()) || ss.SetByteSlice(s.Bytes()) {
				t.Fatal("ES256K: r or s overflows the group order")
			}
			verified = secp256k1ecdsa.NewSignature(&rs, &ss).Verify(d, secp256k1Public(t, key))
		} else {
			verified = ecdsa.Verify(jwkPublic(t, key).(*ecdsa.PublicKey), d, r, s)
		}
		if !verified {
			t.Fatalf("%s: Go does not verify the vault's signature", k.alg)
		}
		if !vaultVerifies(t, c, key.KID, k.alg, d, sig) || vaultVerifies(t, c, key.KID, k.alg, d, tampered(sig)) {
			t.Fatalf("%s: the vault's verify disagrees", k.alg)
		}
	}

	key := must(c.CreateKey(ctx, "go-sign-rsa", azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr(int32(2048))}, nil))(t).Key
	pub := jwkPublic(t, key).(*rsa.PublicKey)
	for _, k := range []struct {
		alg  azkeys.SignatureAlgorithm
		hash crypto.Hash
		pss  bool
	}{
		{azkeys.SignatureAlgorithmRS256, crypto.SHA256, false},
		{azkeys.SignatureAlgorithmRS384, crypto.SHA384, false},
		{azkeys.SignatureAlgorithmRS512, crypto.SHA512, false},
		{azkeys.SignatureAlgorithmPS256, crypto.SHA256, true},
		{azkeys.SignatureAlgorithmPS384, crypto.SHA384, true},
		{azkeys.SignatureAlgorithmPS512, crypto.SHA512, true},
	} {
		d := digest(k.hash)
		sig := must(c.Sign(ctx, "go-sign-rsa", key.KID.Version(), azkeys.SignParameters{Algorithm: &k.alg, Value: d}, nil))(t).Result
		var err error
		if k.pss {
			// The JWA's PS algorithms: MGF1 with the same hash, a salt as long as the hash.
			err = rsa.VerifyPSS(pub, k.hash, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(pub, k.hash, d, sig)
		}
		if err != nil {
			t.Fatalf("%s: Go does not verify the vault's signature: %v", k.alg, err)
		}
		if !vaultVerifies(t, c, key.KID, k.alg, d, sig) || vaultVerifies(t, c, key.KID, k.alg, d, tampered(sig)) {
			t.Fatalf("%s: the vault's verify disagrees", k.alg)
		}
	}
}

var rsaEncryptions = []azkeys.EncryptionAlgorithm{
	azkeys.EncryptionAlgorithmRSA15, azkeys.EncryptionAlgorithmRSAOAEP, azkeys.EncryptionAlgorithmRSAOAEP256,
}

// seal encrypts msg to pub as the algorithm says (RSA-OAEP is SHA-1 with MGF1-SHA-1, RSA-OAEP-256
// SHA-256 with MGF1-SHA-256, both without a label).
func seal(t *testing.T, alg azkeys.EncryptionAlgorithm, pub *rsa.PublicKey, msg []byte) []byte {
	t.Helper()
	switch alg {
	case azkeys.EncryptionAlgorithmRSA15:
		return must(rsa.EncryptPKCS1v15(rand.Reader, pub, msg))(t)
	case azkeys.EncryptionAlgorithmRSAOAEP:
		return must(rsa.EncryptOAEP(crypto.SHA1.New(), rand.Reader, pub, msg, nil))(t)
	case azkeys.EncryptionAlgorithmRSAOAEP256:
		return must(rsa.EncryptOAEP(crypto.SHA256.New(), rand.Reader, pub, msg, nil))(t)
	}
	t.Fatalf("no seal for %s", alg)
	return nil
}

// open decrypts what the vault sealed with the algorithm.
func open(t *testing.T, alg azkeys.EncryptionAlgorithm, private *rsa.PrivateKey, sealed []byte) []byte {
	t.Helper()
	switch alg {
	case azkeys.EncryptionAlgorithmRSA15:
		return must(rsa.DecryptPKCS1v15(nil, private, sealed))(t)
	case azkeys.EncryptionAlgorithmRSAOAEP:
		return must(rsa.DecryptOAEP(crypto.SHA1.New(), nil, private, sealed, nil))(t)
	case azkeys.EncryptionAlgorithmRSAOAEP256:
		return must(rsa.DecryptOAEP(crypto.SHA256.New(), nil, private, sealed, nil))(t)
	}
	t.Fatalf("no open for %s", alg)
	return nil
}

// Each RSA padding both ways: sealed here with a vault key's public part, opened by the vault
// (decrypt, unwrapKey); sealed by the vault with an imported key, opened here with its private
// part (encrypt, wrapKey).
func TestEncryptDecryptWrapUnwrap(t *testing.T) {
	e := setup(t)
	c := e.keys(t)
	vaultKey := must(c.CreateKey(ctx, "go-wrap-rsa", azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr(int32(2048))}, nil))(t).Key
	pub := jwkPublic(t, vaultKey).(*rsa.PublicKey)
	own := must(rsa.GenerateKey(rand.Reader, 2048))(t)
	imported := must(c.ImportKey(ctx, "go-wrap-imported", azkeys.ImportKeyParameters{Key: rsaJWK(own)}, nil))(t).Key
	for _, alg := range rsaEncryptions {
		params := func(value []byte) azkeys.KeyOperationParameters {
			return azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: value}
		}
		decrypted := must(c.Decrypt(ctx, "go-wrap-rsa", vaultKey.KID.Version(), params(seal(t, alg, pub, contentKey)), nil))(t)
		if !bytes.Equal(decrypted.Result, contentKey) {
			t.Fatalf("%s: the vault's decrypt gives %x", alg, decrypted.Result)
		}
		unwrapped := must(c.UnwrapKey(ctx, "go-wrap-rsa", vaultKey.KID.Version(), params(seal(t, alg, pub, contentKey)), nil))(t)
		if !bytes.Equal(unwrapped.Result, contentKey) {
			t.Fatalf("%s: the vault's unwrap gives %x", alg, unwrapped.Result)
		}
		encrypted := must(c.Encrypt(ctx, "go-wrap-imported", imported.KID.Version(), params(contentKey), nil))(t)
		if !bytes.Equal(open(t, alg, own, encrypted.Result), contentKey) {
			t.Fatalf("%s: the vault's ciphertext opens to something else", alg)
		}
		wrapped := must(c.WrapKey(ctx, "go-wrap-imported", imported.KID.Version(), params(contentKey), nil))(t)
		if !bytes.Equal(open(t, alg, own, wrapped.Result), contentKey) {
			t.Fatalf("%s: the vault's wrapped key opens to something else", alg)
		}
	}
}

// A certificate's key (RSA, key usage digitalSignature, keyEncipherment, dataEncipherment)
// through the keys client at the certificate's version: it signs (verified with the
// certificate's public key), encrypts (opened with the private key of the certificate's
// secret), decrypts and unwraps (what was sealed here to the certificate's public key).
func TestCertificateKeyCrypto(t *testing.T) {
	e := setup(t)
	p := policy("signer.example", azcertificates.KeyTypeRSA, 2048, "", pfxType)
	p.X509CertificateProperties.KeyUsage = []*azcertificates.KeyUsageType{
		to.Ptr(azcertificates.KeyUsageTypeDigitalSignature),
		to.Ptr(azcertificates.KeyUsageTypeKeyEncipherment),
		to.Ptr(azcertificates.KeyUsageTypeDataEncipherment),
	}
	signer := create(t, e.certificates(t), "go-signer-cert", p)
	leaf, _, private := checkCertificate(t, e, signer)
	want := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment
	if leaf.KeyUsage != want {
		t.Fatalf("key usage %b, want %b", leaf.KeyUsage, want)
	}
	certPublic, certPrivate := leaf.PublicKey.(*rsa.PublicKey), private.(*rsa.PrivateKey)
	c := e.keys(t)
	name, version := signer.KID.Name(), signer.KID.Version()
	if version != signer.ID.Version() {
		t.Fatalf("kid %s, certificate %s", *signer.KID, *signer.ID)
	}

	d := digest(crypto.SHA256)
	signed := must(c.Sign(ctx, name, version, azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmRS256), Value: d}, nil))(t)
	if err := rsa.VerifyPKCS1v15(certPublic, crypto.SHA256, d, signed.Result); err != nil {
		t.Fatalf("the certificate's public key does not verify its key's signature: %v", err)
	}
	if signed.KID.Version() != version {
		t.Fatalf("signed by %s", *signed.KID)
	}
	params := func(alg azkeys.EncryptionAlgorithm, value []byte) azkeys.KeyOperationParameters {
		return azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: value}
	}
	sealed := must(c.Encrypt(ctx, name, version, params(azkeys.EncryptionAlgorithmRSAOAEP256, contentKey), nil))(t)
	if !bytes.Equal(open(t, azkeys.EncryptionAlgorithmRSAOAEP256, certPrivate, sealed.Result), contentKey) {
		t.Fatal("the secret's private key does not open what the certificate's key sealed")
	}
	opened := must(c.Decrypt(ctx, name, version, params(azkeys.EncryptionAlgorithmRSAOAEP, seal(t, azkeys.EncryptionAlgorithmRSAOAEP, certPublic, contentKey)), nil))(t)
	if !bytes.Equal(opened.Result, contentKey) {
		t.Fatal("the certificate's key does not decrypt what was sealed to the certificate")
	}
	unwrapped := must(c.UnwrapKey(ctx, name, version, params(azkeys.EncryptionAlgorithmRSA15, seal(t, azkeys.EncryptionAlgorithmRSA15, certPublic, contentKey)), nil))(t)
	if !bytes.Equal(unwrapped.Result, contentKey) {
		t.Fatal("the certificate's key does not unwrap what was wrapped to the certificate")
	}
}
