package flows

import (
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// 13. A client's own secrets beside a certificate's secret: set with a content type and tags,
// versions, update, a disabled version refused, the lists, the refusals, backup, delete,
// recover, purge, restore.
func TestSecretLifecycle(t *testing.T) {
	e := setup(t)
	c := e.secrets(t)
	create(t, e.certificates(t), "go-secret-cert", policy("secret-cert.example", azcertificates.KeyTypeRSA, 2048, "", pfxType))

	first := must(c.SetSecret(ctx, "go-db-password", azsecrets.SetSecretParameters{
		Value: to.Ptr("s3cret"), ContentType: to.Ptr("text/plain"), Tags: map[string]*string{"env": to.Ptr("test")},
	}, nil))(t)
	if *first.Value != "s3cret" || *first.ContentType != "text/plain" || *first.Tags["env"] != "test" || (first.Managed != nil && *first.Managed) {
		t.Fatalf("set: %+v", first.Secret)
	}
	expires := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	second := must(c.SetSecret(ctx, "go-db-password", azsecrets.SetSecretParameters{
		Value: to.Ptr("rotated"), SecretAttributes: &azsecrets.SecretAttributes{Expires: &expires},
	}, nil))(t)
	if !second.Attributes.Expires.Equal(expires) {
		t.Fatalf("expires %v", second.Attributes.Expires)
	}
	if got := must(c.GetSecret(ctx, "go-db-password", "", nil))(t); *got.Value != "rotated" {
		t.Fatalf("latest %q", *got.Value)
	}
	if got := must(c.GetSecret(ctx, "go-db-password", first.ID.Version(), nil))(t); *got.Value != "s3cret" {
		t.Fatalf("first version %q", *got.Value)
	}
	if empty := must(c.SetSecret(ctx, "go-empty", azsecrets.SetSecretParameters{Value: to.Ptr("")}, nil))(t); *empty.Value != "" {
		t.Fatalf("empty %q", *empty.Value)
	}
	var versions []string
	for _, page := range all(t, c.NewListSecretPropertiesVersionsPager("go-db-password", nil)) {
		for _, p := range page.Value {
			versions = append(versions, p.ID.Version())
		}
	}
	if !sameSet(versions, []string{first.ID.Version(), second.ID.Version()}) {
		t.Fatalf("versions %v", versions)
	}

	updated := must(c.UpdateSecretProperties(ctx, "go-db-password", first.ID.Version(), azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(false)},
		Tags:             map[string]*string{"env": to.Ptr("old")},
	}, nil))(t)
	if *updated.Attributes.Enabled || *updated.Tags["env"] != "old" {
		t.Fatalf("updated %+v %v", *updated.Attributes, updated.Tags)
	}
	_, err := c.GetSecret(ctx, "go-db-password", first.ID.Version(), nil)
	expectStatus(t, err, 403, "disabled secret")

	listed := map[string]*azsecrets.SecretProperties{}
	for _, page := range all(t, c.NewListSecretPropertiesPager(nil)) {
		for _, p := range page.Value {
			listed[p.ID.Name()] = p
		}
	}
	own, managed := listed["go-db-password"], listed["go-secret-cert"]
	if own == nil || (own.Managed != nil && *own.Managed) {
		t.Fatalf("go-db-password listed as %+v", own)
	}
	if managed == nil || managed.Managed == nil || !*managed.Managed || *managed.ContentType != pfxType {
		t.Fatalf("the certificate's secret listed as %+v", managed)
	}
	// A certificate's secret belongs to the certificate.
	_, err = c.SetSecret(ctx, "go-secret-cert", azsecrets.SetSecretParameters{Value: to.Ptr("x")}, nil)
	expectStatus(t, err, 403, "associated with a certificate")

	blob := must(c.BackupSecret(ctx, "go-db-password", nil))(t)
	deleted := must(c.DeleteSecret(ctx, "go-db-password", nil))(t)
	if deleted.RecoveryID == nil || !strings.HasSuffix(*deleted.RecoveryID, "/deletedsecrets/go-db-password") || deleted.ScheduledPurgeDate == nil {
		t.Fatalf("deleted %+v", deleted.DeletedSecret)
	}
	got := eventually(t, "get deleted", func() (azsecrets.GetDeletedSecretResponse, error) {
		return c.GetDeletedSecret(ctx, "go-db-password", nil)
	})
	if got.ID.Name() != "go-db-password" {
		t.Fatalf("deleted %s", *got.ID)
	}
	if !deletedSecretListed(t, c, "go-db-password") {
		t.Fatal("go-db-password is not among the deleted")
	}
	must(c.RecoverDeletedSecret(ctx, "go-db-password", nil))(t)
	back := eventually(t, "get recovered", func() (azsecrets.GetSecretResponse, error) {
		return c.GetSecret(ctx, "go-db-password", "", nil)
	})
	if *back.Value != "rotated" {
		t.Fatalf("recovered %q", *back.Value)
	}
	must(c.DeleteSecret(ctx, "go-db-password", nil))(t)
	eventually(t, "get deleted again", func() (azsecrets.GetDeletedSecretResponse, error) {
		return c.GetDeletedSecret(ctx, "go-db-password", nil)
	})
	must(c.PurgeDeletedSecret(ctx, "go-db-password", nil))(t)
	_, err = c.GetSecret(ctx, "go-db-password", "", nil)
	expectStatus(t, err, 404, "")

	restored := must(c.RestoreSecret(ctx, azsecrets.RestoreSecretParameters{SecretBackup: blob.Value}, nil))(t)
	if restored.ID.Version() != second.ID.Version() {
		t.Fatalf("restored %s, latest was %s", *restored.ID, *second.ID)
	}
	if got := must(c.GetSecret(ctx, "go-db-password", "", nil))(t); *got.Value != "rotated" {
		t.Fatalf("restored value %q", *got.Value)
	}
}

func deletedSecretListed(t *testing.T, c *azsecrets.Client, name string) bool {
	t.Helper()
	for _, page := range all(t, c.NewListDeletedSecretPropertiesPager(nil)) {
		for _, d := range page.Value {
			if d.ID.Name() == name {
				return true
			}
		}
	}
	return false
}
