//! The credentials applications use, unchanged: the emulator answers their token requests, so
//! a client keeps its real credential type and changes only configuration.
//!
//! | endpoint | for | answer |
//! |---|---|---|
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration` | MSAL's discovery (authority = the emulator) | the OpenID configuration: `issuer`, `token_endpoint`, `jwks_uri`, … |
//! | `GET /{tenant}/discovery/v2.0/keys` | token verifiers | the JWKS: the issuer's RSA key (`RS256`) |
//! | `POST /{tenant}/oauth2/v2.0/token` | `ClientSecretCredential`, `ClientCertificateCredential` (client credentials, a secret or an assertion) | `{"token_type":"Bearer","expires_in":…,"ext_expires_in":…,"access_token":JWT}` |
//! | `GET /_kvcert/identity/token?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER` | `ManagedIdentityCredential` and `DefaultAzureCredential` on App Service (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`) | `{"access_token":JWT,"expires_on":"…","resource":…,"token_type":"Bearer","client_id":…}` |
//!
//! A token is a JWT signed `RS256` by a key the emulator makes at start (published in the
//! JWKS), with the claims the libraries and Key Vault read: `aud` (the scope's resource, e.g.
//! `https://vault.azure.net`), `iss` (`{emulator}/{tenant}/v2.0`), `iat`, `nbf`, `exp`
//! ([`TOKEN_LIFETIME_SECS`]), `tid`, `oid`, `sub`, `appid`, `azp`, `ver`, `idtyp`.
//!
//! # Decisions
//!
//! | question | kvcert's answer |
//! |---|---|
//! | which secrets or assertions a token request needs | any non-empty `client_secret` or `client_assertion`: an emulator authorizes nothing |
//! | the `oid` of a client | a UUID made from the `client_id` (SHA-256), so one client always has one `oid` |
//! | the managed identity's ids | `client_id` [`MANAGED_IDENTITY_CLIENT_ID`]; `IDENTITY_HEADER` any non-empty value, or the `--identity-header` value |
//! | the tenant of the challenge | [`TENANT`], the tenant a credential must use (or allow) |
//! | a vault request with a token | any bearer token, unless `--verify-tokens`: then a token this issuer signed, unexpired, for `https://vault.azure.net` (401 with the challenge otherwise, kvcert's message) |

use base64ct::{Base64UrlUnpadded, Encoding};
use std::sync::Mutex;

use kvcert::key::JwkParts;
use kvcert::rand_core::SeedableRng;
use kvcert::{ChaCha20Rng, KeyPair, KeySpec, RsaSize};
use serde_json::{Value, json};
use sha2::Digest;

use crate::Error;
use crate::error::TokenError;
use crate::error::kvcert;
use crate::http::{Request, Response};

/// The tenant the emulator's challenge names (Key Vault's `WWW-Authenticate`).
pub const TENANT: &str = "00000000-0000-0000-0000-000000000000";
/// How long a token is valid.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;
/// The managed-identity endpoint's path (App Service style, `IDENTITY_ENDPOINT`).
pub const MANAGED_IDENTITY_PATH: &str = "/_kvcert/identity/token";
/// The managed identity's `client_id`.
pub const MANAGED_IDENTITY_CLIENT_ID: &str = "6d6d6d6d-0000-4000-8000-000000000001";
/// The audience a vault request's token must have under `--verify-tokens`.
pub const VAULT_AUDIENCE: &str = "https://vault.azure.net";
/// The longest form body a token request may have.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The emulator's token issuer: its signing key and the settings of the credential endpoints.
pub struct Issuer {
    key: KeyPair,
    kid: String,
    n: String,
    e: String,
    rng: Mutex<ChaCha20Rng>,
    /// The managed-identity endpoint's required `X-IDENTITY-HEADER` (`None`: any non-empty).
    identity_header: Option<String>,
}

impl core::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issuer").field("kid", &self.kid).finish()
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// A UUID made from `text` (SHA-256, version 4 and variant bits set): stable per input.
fn uuid_of(text: &str) -> String {
    let h = sha2::Sha256::digest(text.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The `application/x-www-form-urlencoded` value of `key` in `form` (a body or a query).
fn form_value(form: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(form.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The query's value of `key`.
fn query_value(target: &str, key: &str) -> Option<String> {
    target.split_once('?').and_then(|(_, q)| form_value(q, key))
}

/// A tenant segment: a GUID, a domain or `common`/`organizations` (letters, digits, `.`, `-`).
fn tenant_ok(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= 128
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2), with an Entra-style description.
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        json!({"error": error, "error_description": description})
            .to_string()
            .into_bytes(),
    )
}

impl Issuer {
    /// An issuer with a new RSA-2048 key from `seed`; `identity_header` is the secret the
    /// managed-identity endpoint requires (`None`: any non-empty value).
    ///
    /// # Errors
    ///
    /// [`Error::Kvcert`] when kvcert refuses the key.
    pub fn new(seed: [u8; 32], identity_header: Option<String>) -> Result<Issuer, Error> {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let key = KeyPair::generate(KeySpec::Rsa(RsaSize::Rsa2048), &mut rng)
            .map_err(kvcert("the token issuer's key"))?;
        let JwkParts::Rsa { n, e } = key.jwk_parts().map_err(kvcert("the token issuer's JWK"))?
        else {
            return Err(Error::Internal("the issuer's key is not RSA"));
        };
        let kid = b64(&sha2::Sha256::digest(&n)[..16]);
        Ok(Issuer {
            key,
            kid,
            n: b64(&n),
            e: b64(&e),
            rng: Mutex::new(rng),
            identity_header,
        })
    }

    /// A token signed by this issuer, for `audience`, issued at `now` (Unix seconds).
    pub fn token(
        &self,
        base: &str,
        tenant: &str,
        audience: &str,
        client_id: &str,
        now: u64,
    ) -> String {
        let oid = uuid_of(client_id);
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let claims = json!({
            "aud": audience,
            "iss": format!("{base}/{tenant}/v2.0"),
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECS,
            "appid": client_id,
            "azp": client_id,
            "idtyp": "app",
            "oid": oid,
            "sub": oid,
            "tid": tenant,
            "ver": "2.0",
        });
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // RS256: PKCS#1 v1.5 over SHA-256 of the signing input (RFC 7518 §3.3).
        let signature = self
            .key
            .sign(input.as_bytes(), &mut *rng)
            .unwrap_or_default();
        format!("{input}.{}", b64(&signature))
    }

    /// Why `token` is not one this issuer signed for a vault at `now`, or `Ok`.
    ///
    /// # Errors
    ///
    /// The [`TokenError`] saying what is wrong (answered 401: [`Error::response`]).
    pub fn verify(&self, token: &str, now: u64) -> Result<(), TokenError> {
        use kvcert::key::operations::SignatureAlgorithm;
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::NotJwt);
        };
        let part = |p: &str| -> Result<Value, TokenError> {
            let bytes =
                Base64UrlUnpadded::decode_vec(p).map_err(|_| TokenError::PartNotBase64url)?;
            serde_json::from_slice(&bytes).map_err(|_| TokenError::PartNotJson)
        };
        let header = part(h)?;
        if header["alg"] != "RS256" || header["kid"] != self.kid.as_str() {
            return Err(TokenError::WrongIssuer);
        }
        let signature =
            Base64UrlUnpadded::decode_vec(s).map_err(|_| TokenError::SignatureNotBase64url)?;
        let digest = sha2::Sha256::digest(format!("{h}.{c}").as_bytes());
        let valid = self
            .key
            .verify_digest(SignatureAlgorithm::Rs256, &digest, &signature)
            .unwrap_or(false);
        if !valid {
            return Err(TokenError::BadSignature);
        }
        let claims = part(c)?;
        let audience = claims["aud"]
            .as_str()
            .unwrap_or_default()
            .trim_end_matches('/');
        if audience != VAULT_AUDIENCE {
            return Err(TokenError::WrongAudience {
                audience: audience.to_owned(),
                expected: VAULT_AUDIENCE,
            });
        }
        match (claims["nbf"].as_u64(), claims["exp"].as_u64()) {
            (Some(nbf), Some(exp)) if nbf <= now + 300 && now < exp => Ok(()),
            _ => Err(TokenError::Expired),
        }
    }

    /// The answer to a credential request, or `None` for any other path. `base` is the
    /// emulator's URL as the client called it (`https://host:port`), `now` Unix seconds.
    pub fn answer(&self, request: &Request, base: &str, now: u64) -> Option<Response> {
        let path = request.target.split('?').next().unwrap_or_default();
        if path == MANAGED_IDENTITY_PATH {
            return Some(self.managed_identity(request, base, now));
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.as_str();
        match (segments.as_slice(), method) {
            ([tenant, "v2.0", ".well-known", "openid-configuration"], "GET")
                if tenant_ok(tenant) =>
            {
                Some(self.openid_configuration(base, tenant))
            }
            ([tenant, "discovery", "v2.0", "keys"] | [tenant, "discovery", "keys"], "GET")
                if tenant_ok(tenant) =>
            {
                Some(self.jwks())
            }
            ([tenant, "oauth2", "v2.0", "token"], "POST") if tenant_ok(tenant) => {
                Some(self.client_credentials(request, base, tenant, now))
            }
            _ => None,
        }
    }

    fn openid_configuration(&self, base: &str, tenant: &str) -> Response {
        let t = format!("{base}/{tenant}");
        let body = json!({
            "token_endpoint": format!("{t}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{t}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{t}/v2.0"),
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{t}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{t}/oauth2/v2.0/devicecode"),
            "end_session_endpoint": format!("{t}/oauth2/v2.0/logout"),
            "tenant_region_scope": null,
            "cloud_instance_name": "kvcert.emulator",
        });
        Response::json(200, body.to_string().into_bytes())
    }

    fn jwks(&self) -> Response {
        let body = json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self.n, "e": self.e,
        }]});
        Response::json(200, body.to_string().into_bytes())
    }

    /// `grant_type=client_credentials` with `client_id`, `scope` (`{resource}/.default`) and a
    /// `client_secret` or `client_assertion`.
    fn client_credentials(
        &self,
        request: &Request,
        base: &str,
        tenant: &str,
        now: u64,
    ) -> Response {
        if request.body.len() > MAX_FORM_BYTES {
            return oauth_error(400, "invalid_request", "The request body is too large.");
        }
        let body = String::from_utf8_lossy(&request.body);
        let field = |k: &str| form_value(&body, k).filter(|v| !v.is_empty());
        if field("grant_type").as_deref() != Some("client_credentials") {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "The emulator issues tokens for the client credentials grant only.",
            );
        }
        let Some(client_id) = field("client_id") else {
            return oauth_error(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'client_id'.",
            );
        };
        if field("client_secret").is_none() && field("client_assertion").is_none() {
            return oauth_error(
                401,
                "invalid_client",
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        let Some(scope) = field("scope") else {
            return oauth_error(
                400,
                "invalid_request",
                "The request body must contain the following parameter: 'scope'.",
            );
        };
        // `https://vault.azure.net/.default` (one resource; the other scopes are ignored).
        let resource = scope
            .split(' ')
            .find_map(|s| s.strip_suffix("/.default"))
            .unwrap_or(scope.as_str())
            .to_owned();
        let token = self.token(base, tenant, &resource, &client_id, now);
        let lifetime = TOKEN_LIFETIME_SECS - 1;
        Response::json(
            200,
            json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token})
                .to_string()
                .into_bytes(),
        )
    }

    /// App Service's managed-identity endpoint (api-version 2019-08-01).
    fn managed_identity(&self, request: &Request, base: &str, now: u64) -> Response {
        let refuse = |status: u16, message: &str| {
            Response::json(
                status,
                json!({"statusCode": status, "message": message})
                    .to_string()
                    .into_bytes(),
            )
        };
        if request.method != "GET" {
            return refuse(405, "Only GET is supported.");
        }
        let sent = request.identity_header.as_deref().unwrap_or_default();
        let accepted = match &self.identity_header {
            Some(expected) => sent == expected,
            None => !sent.is_empty(),
        };
        if !accepted {
            return refuse(401, "The X-IDENTITY-HEADER header is missing or wrong.");
        }
        let Some(resource) = query_value(&request.target, "resource").filter(|r| !r.is_empty())
        else {
            return refuse(400, "The resource parameter is required.");
        };
        let audience = resource.trim_end_matches('/').trim_end_matches("/.default");
        let token = self.token(base, TENANT, audience, MANAGED_IDENTITY_CLIENT_ID, now);
        Response::json(
            200,
            json!({
                "access_token": token,
                "expires_on": (now + TOKEN_LIFETIME_SECS).to_string(),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": MANAGED_IDENTITY_CLIENT_ID,
            })
            .to_string()
            .into_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::new([7; 32], None).unwrap()
    }

    fn request(method: &str, target: &str, body: &str) -> Request {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            host: Some("127.0.0.1:8443".to_owned()),
            authorization: None,
            identity_header: Some("secret".to_owned()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_client_credentials_token_verifies_and_a_forged_one_does_not() {
        let i = issuer();
        let base = "https://127.0.0.1:8443";
        let body = "grant_type=client_credentials&client_id=app&client_secret=s&scope=https%3A%2F%2Fvault.azure.net%2F.default";
        let r = i
            .answer(
                &request("POST", &format!("/{TENANT}/oauth2/v2.0/token"), body),
                base,
                1000,
            )
            .unwrap();
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let token = v["access_token"].as_str().unwrap();
        assert_eq!(i.verify(token, 1000), Ok(()));
        assert_eq!(
            i.verify(token, 1000 + TOKEN_LIFETIME_SECS),
            Err(TokenError::Expired)
        );
        // One character of the signature changed.
        let at = token.len() - 10;
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
        assert_eq!(i.verify(&forged, 1000), Err(TokenError::BadSignature));
        let other = Issuer::new([8; 32], None).unwrap();
        assert_eq!(
            other.verify(token, 1000),
            Err(TokenError::WrongIssuer),
            "another issuer's key"
        );
        let storage = i.token(base, TENANT, "https://storage.azure.com", "app", 1000);
        let refused = i.verify(&storage, 1000).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "its audience is https://storage.azure.com, not https://vault.azure.net"
        );
        assert_eq!(i.verify("a.b", 1000), Err(TokenError::NotJwt));
        let no_secret = "grant_type=client_credentials&client_id=app&scope=x%2F.default";
        let r = i
            .answer(
                &request("POST", &format!("/{TENANT}/oauth2/v2.0/token"), no_secret),
                base,
                1000,
            )
            .unwrap();
        assert_eq!(r.status, 401);
    }

    #[test]
    fn discovery_keys_and_managed_identity_answer() {
        let i = issuer();
        let base = "https://127.0.0.1:8443";
        let config = i
            .answer(
                &request(
                    "GET",
                    &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
                    "",
                ),
                base,
                0,
            )
            .unwrap();
        let v: Value = serde_json::from_slice(&config.body).unwrap();
        assert_eq!(
            v["token_endpoint"],
            format!("{base}/{TENANT}/oauth2/v2.0/token")
        );
        let keys = i
            .answer(
                &request("GET", &format!("/{TENANT}/discovery/v2.0/keys"), ""),
                base,
                0,
            )
            .unwrap();
        let v: Value = serde_json::from_slice(&keys.body).unwrap();
        assert_eq!(v["keys"][0]["kid"], i.kid.as_str());
        let mi = i
            .answer(&request("GET", "/_kvcert/identity/token?api-version=2019-08-01&resource=https://vault.azure.net", ""), base, 50)
            .unwrap();
        assert_eq!(mi.status, 200);
        let v: Value = serde_json::from_slice(&mi.body).unwrap();
        assert_eq!(v["expires_on"], (50 + TOKEN_LIFETIME_SECS).to_string());
        assert_eq!(i.verify(v["access_token"].as_str().unwrap(), 50), Ok(()));
        let mut without = request("GET", "/_kvcert/identity/token?resource=x", "");
        without.identity_header = None;
        assert_eq!(i.answer(&without, base, 0).unwrap().status, 401);
        assert!(
            i.answer(&request("GET", "/certificates/x", ""), base, 0)
                .is_none()
        );
        assert_eq!(form_value("a=1&b=x%2Fy+z", "b").as_deref(), Some("x/y z"));
    }
}
