//! A simulated national identity provider (stand-in for VNeID) speaking real OpenID Connect.
//!
//! We cannot reach the real national identity provider, so the portal authenticates citizens against
//! this simulator instead. It is deliberately a *real* OIDC provider — discovery, JWKS, authorization
//! code flow with mandatory PKCE (S256), signed ES256 ID tokens, userinfo — so that our relying-party
//! code (`motcua_gateways::oidc`) is exercised exactly as it would be against a production provider,
//! and swapping the simulator for the real thing is a configuration change.
//!
//! It is strict where a sloppy relying party could get away with mistakes elsewhere: redirect URIs must
//! match exactly, `state`, `nonce` and PKCE are required, codes are single-use and short-lived, and a
//! replayed code revokes the access token it produced (RFC 6749 §4.1.2).
//!
//! All state (codes, tokens, signing keys) is in memory: restarting the simulator logs everyone out
//! of it, which is fine for a demo. The login page has no password — anyone may sign in as any demo
//! citizen — and says so prominently.
//!
//! Mount it with [`NationalIdp::router`] either at the root of a listener or nested under the path of
//! [`IdpConfig::issuer`] (e.g. `.nest("/sim/idp", idp.router())`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::rand_core::OsRng;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::EncodePrivateKey as _;
use rand::RngCore as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::citizens::{self, DEMO_PROVINCE_NAME, DemoCitizen};

/// How long an authorization code may wait before being redeemed.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// Lifetime of access tokens and ID tokens, in seconds.
pub const TOKEN_LIFETIME_SECS: i64 = 300;
/// Authentication context class reported for every login: assurance level 2, the level the portal
/// requires before a citizen may submit a dossier (SPEC §6).
pub const ACR_LOA2: &str = "loa2";

/// Scopes the simulator understands; others are ignored as OIDC Core §3.1.2.1 requires.
const SUPPORTED_SCOPES: &[&str] = &["openid", "profile"];

/// How many demo citizens the login page offers as one-click choices.
const LOGIN_PAGE_DEMO_CHOICES: usize = 8;

/// A relying party allowed to use the simulator.
#[derive(Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    /// `None` registers a public client (PKCE only, no client authentication).
    pub client_secret: Option<String>,
    /// Redirect URIs, compared by exact string match.
    pub redirect_uris: Vec<String>,
}

impl fmt::Debug for ClientRegistration {
    // The secret must not end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientRegistration")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

/// Configuration of the simulated provider.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// Public base URL, e.g. `http://127.0.0.1:8080/sim/idp`, without trailing slash. Every endpoint
    /// URL is this plus a fixed suffix, and it is the `iss` of every token.
    pub issuer: String,
    pub clients: Vec<ClientRegistration>,
    /// Accept any structurally valid 12-digit ID (with a generated identity), not only the demo
    /// citizens, so visitors can try the portal with an ID of their choice.
    pub demo_any_citizen: bool,
}

/// Why the provider could not be created or could not sign.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    #[error("invalid identity provider configuration: {0}")]
    InvalidConfig(String),
    #[error("signing key: {0}")]
    Key(String),
    #[error("signing a token: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// One ES256 signing key with its public half in JWK form.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    public_jwk: Value,
}

impl SigningKey {
    fn generate() -> Result<Self, IdpError> {
        let secret = p256::SecretKey::random(&mut OsRng);
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| IdpError::Key(e.to_string()))?;
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(IdpError::Key("public key is the identity point".into()));
        };
        let x = URL_SAFE_NO_PAD.encode(x);
        let y = URL_SAFE_NO_PAD.encode(y);
        // RFC 7638 thumbprint as key ID: stable for the key, unique across keys, nothing to configure.
        let thumbprint_input = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
        let public_jwk = json!({
            "kty": "EC", "crv": "P-256", "x": x, "y": y,
            "kid": kid, "use": "sig", "alg": "ES256",
        });
        Ok(SigningKey {
            kid,
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            public_jwk,
        })
    }
}

/// Current key plus the one it replaced, which stays published so tokens signed just before a
/// rotation still verify.
struct KeyRing {
    current: Arc<SigningKey>,
    previous: Option<Arc<SigningKey>>,
}

/// An issued, not yet expired authorization code and everything it is bound to.
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: String,
    scope: Vec<String>,
    citizen: DemoCitizen,
    auth_time: i64,
    expires_at: Instant,
    /// Set on first presentation: any later presentation is a replay.
    consumed: bool,
    /// Access token issued from this code, revoked if the code is replayed.
    access_token: Option<String>,
}

struct IssuedToken {
    citizen: DemoCitizen,
    scope: Vec<String>,
    expires_at: Instant,
}

/// The simulated national identity provider. Share it as `Arc<NationalIdp>`.
pub struct NationalIdp {
    config: IdpConfig,
    keys: RwLock<KeyRing>,
    codes: Mutex<HashMap<String, PendingCode>>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl fmt::Debug for NationalIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalIdp")
            .field("config", &self.config)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

// A panic while holding one of these locks cannot leave the maps half-updated in a way that matters
// (every update is a single insert/remove), so recovering from poisoning is safe.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl NationalIdp {
    /// Validates the configuration and generates a fresh ES256 signing key.
    pub fn new(config: IdpConfig) -> Result<Self, IdpError> {
        validate_config(&config)?;
        let current = Arc::new(SigningKey::generate()?);
        Ok(NationalIdp {
            config,
            keys: RwLock::new(KeyRing {
                current,
                previous: None,
            }),
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// The axum router serving all endpoints, with paths relative to the issuer.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize_page).post(authorize_submit))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo).post(userinfo))
            .with_state(self)
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Key ID of the key currently used for signing.
    pub fn kid(&self) -> String {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .current
            .kid
            .clone()
    }

    /// Replaces the signing key, keeping the old one published in the JWKS so relying parties can
    /// still verify tokens it signed. Lets tests exercise relying-party key rotation handling.
    pub fn rotate_signing_key(&self) -> Result<(), IdpError> {
        let fresh = Arc::new(SigningKey::generate()?);
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        let old = std::mem::replace(&mut keys.current, fresh);
        keys.previous = Some(old);
        Ok(())
    }

    /// Signs arbitrary claims as a JWT with the current key (ES256). `kid_override` puts a different
    /// key ID in the header. Meant for tests of relying parties: minting tokens with wrong audiences,
    /// or forged tokens claiming another provider's key ID.
    pub fn sign_claims(
        &self,
        claims: &Value,
        kid_override: Option<&str>,
    ) -> Result<String, IdpError> {
        let key = Arc::clone(
            &self
                .keys
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .current,
        );
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid_override.unwrap_or(&key.kid).to_owned());
        header.typ = Some("JWT".to_owned());
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// The OpenID Provider metadata (OpenID Connect Discovery 1.0 §3).
    pub fn discovery_document(&self) -> Value {
        let issuer = &self.config.issuer;
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SUPPORTED_SCOPES,
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "acr_values_supported": [ACR_LOA2],
            "authorization_response_iss_parameter_supported": true,
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr",
                "name", "family_name", "given_name", "birthdate", "gender",
                "phone_number", "address", "citizen_id",
            ],
            "ui_locales_supported": ["vi", "en"],
        })
    }

    /// The public keys (JWK Set), current key first.
    pub fn jwks(&self) -> Value {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let mut list = vec![keys.current.public_jwk.clone()];
        if let Some(previous) = &keys.previous {
            list.push(previous.public_jwk.clone());
        }
        json!({ "keys": list })
    }

    fn client(&self, client_id: &str) -> Option<&ClientRegistration> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    fn endpoint(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.config.issuer)
    }

    /// Validates an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
    ///
    /// Client and redirect URI are checked first: until both are known good we must not redirect
    /// anywhere (open-redirector protection, RFC 6749 §4.1.2.1).
    fn validate_authorization(
        &self,
        params: &Params,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let client_id = match params.single("client_id") {
            Ok(Some(id)) if self.client(id).is_some() => id.to_owned(),
            Ok(Some(_)) => {
                return Err(AuthorizeError::Page(
                    "Ứng dụng không được đăng ký. / Unknown client_id.",
                ));
            }
            Ok(None) => {
                return Err(AuthorizeError::Page(
                    "Thiếu client_id. / Missing client_id.",
                ));
            }
            Err(_) => {
                return Err(AuthorizeError::Page(
                    "client_id bị lặp. / Repeated client_id.",
                ));
            }
        };
        let registered = self.client(&client_id).map(|c| &c.redirect_uris);
        let redirect_uri = match params.single("redirect_uri") {
            Ok(Some(uri)) if registered.is_some_and(|uris| uris.iter().any(|u| u == uri)) => {
                uri.to_owned()
            }
            Ok(Some(_)) => {
                return Err(AuthorizeError::Page(
                    "Địa chỉ chuyển hướng không được đăng ký cho ứng dụng này. / \
                     redirect_uri is not registered for this client.",
                ));
            }
            Ok(None) => {
                return Err(AuthorizeError::Page(
                    "Thiếu redirect_uri. / Missing redirect_uri.",
                ));
            }
            Err(_) => {
                return Err(AuthorizeError::Page(
                    "redirect_uri bị lặp. / Repeated redirect_uri.",
                ));
            }
        };

        // From here on errors go back to the (now trusted) client.
        let state = params.single("state").ok().flatten().map(str::to_owned);
        let fail = |error: &'static str, description: &str| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            error,
            description: description.to_owned(),
        };
        if let Some(name) = params.first_repeated() {
            return Err(fail(
                "invalid_request",
                &format!("parameter {name} is repeated"),
            ));
        }
        let get = |name: &str| params.single(name).ok().flatten().filter(|v| !v.is_empty());

        match get("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "only response_type=code is supported",
                ));
            }
            None => return Err(fail("invalid_request", "response_type is required")),
        }
        let requested: Vec<&str> = get("scope").unwrap_or_default().split(' ').collect();
        if !requested.contains(&"openid") {
            return Err(fail("invalid_scope", "scope must contain openid"));
        }
        let scope: Vec<String> = SUPPORTED_SCOPES
            .iter()
            .filter(|s| requested.contains(s))
            .map(|s| (*s).to_owned())
            .collect();
        // Our relying party always sends state and nonce; requiring them catches regressions there.
        let Some(state_value) = state.clone().filter(|s| !s.is_empty()) else {
            return Err(fail("invalid_request", "state is required"));
        };
        let Some(nonce) = get("nonce") else {
            return Err(fail("invalid_request", "nonce is required"));
        };
        let Some(code_challenge) = get("code_challenge") else {
            return Err(fail("invalid_request", "PKCE code_challenge is required"));
        };
        // An S256 challenge is a base64url SHA-256: exactly 43 characters.
        if code_challenge.len() != 43 || !code_challenge.bytes().all(is_base64url) {
            return Err(fail(
                "invalid_request",
                "code_challenge is not a base64url SHA-256 value",
            ));
        }
        if get("code_challenge_method") != Some("S256") {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256",
            ));
        }
        Ok(AuthorizationRequest {
            client_id,
            redirect_uri,
            scope,
            state: state_value,
            nonce: nonce.to_owned(),
            code_challenge: code_challenge.to_owned(),
        })
    }

    fn issue_code(&self, request: &AuthorizationRequest, citizen: DemoCitizen) -> String {
        let code = random_token();
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        // Redeemed codes stay until expiry so replays are recognised; expired ones are garbage.
        codes.retain(|_, c| c.expires_at > now);
        codes.insert(
            code.clone(),
            PendingCode {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                nonce: request.nonce.clone(),
                scope: request.scope.clone(),
                citizen,
                auth_time: chrono::Utc::now().timestamp(),
                expires_at: now + CODE_LIFETIME,
                consumed: false,
                access_token: None,
            },
        );
        code
    }

    /// Authenticates the client of a token request (RFC 6749 §2.3.1), via HTTP Basic, the request
    /// body, or — for public clients — `client_id` alone.
    fn authenticate_client(
        &self,
        headers: &HeaderMap,
        params: &Params,
    ) -> Result<&ClientRegistration, TokenError> {
        let invalid_client = TokenError::invalid_client;
        let basic = match headers.get(header::AUTHORIZATION) {
            Some(value) => Some(
                parse_basic(value)
                    .ok_or_else(|| invalid_client(true, "malformed Basic credentials"))?,
            ),
            None => None,
        };
        let body_id = params.single("client_id").ok().flatten();
        let body_secret = params.single("client_secret").ok().flatten();

        let (client_id, secret, used_basic) = match (basic, body_id, body_secret) {
            (Some(_), _, Some(_)) => {
                return Err(TokenError::bad(
                    "invalid_request",
                    "use only one client authentication method",
                ));
            }
            (Some((id, secret)), body_id, None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(invalid_client(
                        true,
                        "client_id in body differs from Basic credentials",
                    ));
                }
                (id, Some(secret), true)
            }
            (None, Some(id), secret) => (id.to_owned(), secret.map(str::to_owned), false),
            (None, None, _) => return Err(invalid_client(false, "client authentication required")),
        };
        let Some(client) = self.client(&client_id) else {
            return Err(invalid_client(used_basic, "unknown client"));
        };
        match (&client.client_secret, secret) {
            (Some(expected), Some(given))
                if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
            {
                Ok(client)
            }
            (None, None) => Ok(client),
            (None, Some(_)) => Err(invalid_client(
                used_basic,
                "public client must not send a secret",
            )),
            _ => Err(invalid_client(used_basic, "client authentication failed")),
        }
    }

    /// Redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6).
    fn redeem(&self, client: &ClientRegistration, params: &Params) -> Result<Value, TokenError> {
        let bad = TokenError::bad;
        if let Some(name) = params.first_repeated() {
            return Err(bad(
                "invalid_request",
                &format!("parameter {name} is repeated"),
            ));
        }
        let get = |name: &str| params.single(name).ok().flatten().filter(|v| !v.is_empty());
        match get("grant_type") {
            Some("authorization_code") => {}
            Some(_) => {
                return Err(bad(
                    "unsupported_grant_type",
                    "only authorization_code is supported",
                ));
            }
            None => return Err(bad("invalid_request", "grant_type is required")),
        }
        let (Some(code), Some(redirect_uri), Some(verifier)) =
            (get("code"), get("redirect_uri"), get("code_verifier"))
        else {
            return Err(bad(
                "invalid_request",
                "code, redirect_uri and code_verifier are required",
            ));
        };
        // RFC 7636 §4.1: 43–128 unreserved characters.
        if !(43..=128).contains(&verifier.len())
            || !verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(bad("invalid_request", "malformed code_verifier"));
        }

        // Mark the code consumed before checking anything else: a code is good for one attempt only.
        let pending = {
            let mut codes = lock(&self.codes);
            let Some(entry) = codes.get_mut(code) else {
                return Err(bad(
                    "invalid_grant",
                    "unknown or expired authorization code",
                ));
            };
            if entry.consumed {
                // RFC 6749 §4.1.2: a replayed code suggests it leaked; revoke what it produced.
                if let Some(token) = entry.access_token.take() {
                    lock(&self.tokens).remove(&token);
                }
                return Err(bad("invalid_grant", "authorization code already used"));
            }
            if entry.expires_at <= Instant::now() {
                return Err(bad("invalid_grant", "authorization code expired"));
            }
            entry.consumed = true;
            (
                entry.client_id.clone(),
                entry.redirect_uri.clone(),
                entry.code_challenge.clone(),
                entry.nonce.clone(),
                entry.scope.clone(),
                entry.citizen.clone(),
                entry.auth_time,
            )
        };
        let (code_client, code_redirect, challenge, nonce, scope, citizen, auth_time) = pending;
        if code_client != client.client_id {
            return Err(bad("invalid_grant", "code was issued to another client"));
        }
        if code_redirect != redirect_uri {
            return Err(bad(
                "invalid_grant",
                "redirect_uri differs from the authorization request",
            ));
        }
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if !constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
            return Err(bad("invalid_grant", "PKCE verification failed"));
        }

        let now = chrono::Utc::now().timestamp();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.config.issuer));
        claims.insert("sub".into(), json!(citizen.citizen_id));
        claims.insert("aud".into(), json!(client.client_id));
        claims.insert("exp".into(), json!(now + TOKEN_LIFETIME_SECS));
        claims.insert("iat".into(), json!(now));
        claims.insert("auth_time".into(), json!(auth_time));
        claims.insert("nonce".into(), json!(nonce));
        claims.insert("acr".into(), json!(ACR_LOA2));
        claims.extend(identity_claims(&citizen, &scope));
        let id_token = self
            .sign_claims(&Value::Object(claims), None)
            .map_err(|e| {
                tracing::error!(error = %e, "signing ID token");
                TokenError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "server_error",
                    description: "could not sign ID token".into(),
                    basic_challenge: false,
                }
            })?;

        let access_token = random_token();
        let expires_at = Instant::now() + Duration::from_secs(TOKEN_LIFETIME_SECS.unsigned_abs());
        {
            let mut tokens = lock(&self.tokens);
            let now = Instant::now();
            tokens.retain(|_, t| t.expires_at > now);
            tokens.insert(
                access_token.clone(),
                IssuedToken {
                    citizen,
                    scope: scope.clone(),
                    expires_at,
                },
            );
        }
        if let Some(entry) = lock(&self.codes).get_mut(code) {
            entry.access_token = Some(access_token.clone());
        }
        Ok(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECS,
            "id_token": id_token,
            "scope": scope.join(" "),
        }))
    }
}

fn validate_config(config: &IdpConfig) -> Result<(), IdpError> {
    let bad = |m: String| Err(IdpError::InvalidConfig(m));
    let issuer = match Url::parse(&config.issuer) {
        Ok(url) => url,
        Err(e) => return bad(format!("issuer {:?}: {e}", config.issuer)),
    };
    if !matches!(issuer.scheme(), "http" | "https")
        || issuer.query().is_some()
        || issuer.fragment().is_some()
        || config.issuer.ends_with('/')
    {
        return bad(format!(
            "issuer {:?} must be an http(s) URL without query, fragment or trailing slash",
            config.issuer
        ));
    }
    for (i, client) in config.clients.iter().enumerate() {
        if client.client_id.is_empty() {
            return bad("empty client_id".into());
        }
        if config
            .clients
            .iter()
            .skip(i + 1)
            .any(|c| c.client_id == client.client_id)
        {
            return bad(format!("client {} registered twice", client.client_id));
        }
        if client.redirect_uris.is_empty() {
            return bad(format!("client {} has no redirect URI", client.client_id));
        }
        for uri in &client.redirect_uris {
            match Url::parse(uri) {
                Ok(url) if url.fragment().is_none() => {}
                _ => {
                    return bad(format!(
                        "client {}: redirect URI {uri:?} must be absolute without fragment",
                        client.client_id
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The identity claims for a citizen, as put in the ID token and returned by userinfo.
fn identity_claims(citizen: &DemoCitizen, scope: &[String]) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("citizen_id".into(), json!(citizen.citizen_id));
    if scope.iter().any(|s| s == "profile") {
        claims.insert("name".into(), json!(citizen.full_name));
        claims.insert("family_name".into(), json!(citizen.family_name()));
        claims.insert("given_name".into(), json!(citizen.given_name()));
        claims.insert(
            "birthdate".into(),
            json!(citizen.birthdate.format("%Y-%m-%d").to_string()),
        );
        claims.insert("gender".into(), json!(citizen.gender.as_str()));
        claims.insert("phone_number".into(), json!(citizen.phone));
        claims.insert(
            "address".into(),
            json!({
                // Standard OIDC address members (OIDC Core §5.1.1) ...
                "formatted": citizen.formatted_address(),
                "street_address": citizen.street,
                "locality": citizen.commune_name,
                "region": DEMO_PROVINCE_NAME,
                "country": "VN",
                // ... plus what routing needs: the official commune code.
                "commune_code": citizen.commune_code,
                "street": citizen.street,
            }),
        );
    }
    claims
}

/// A validated authorization request.
struct AuthorizationRequest {
    client_id: String,
    redirect_uri: String,
    scope: Vec<String>,
    state: String,
    nonce: String,
    code_challenge: String,
}

enum AuthorizeError {
    /// The client cannot be trusted with a redirect: show an error page instead.
    Page(&'static str),
    /// Report the error to the client (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Form or query parameters, keeping repetitions: RFC 6749 §3.1 forbids repeating a parameter.
struct Params(HashMap<String, Vec<String>>);

struct Repeated;

impl Params {
    fn parse(raw: &[u8]) -> Self {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(raw) {
            map.entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Params(map)
    }

    fn single(&self, name: &str) -> Result<Option<&str>, Repeated> {
        match self.0.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([value]) => Ok(Some(value.as_str())),
            Some(_) => Err(Repeated),
        }
    }

    fn first_repeated(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, values)| values.len() > 1)
            .map(|(name, _)| name.as_str())
    }
}

async fn discovery(State(idp): State<Arc<NationalIdp>>) -> Response {
    json_response(StatusCode::OK, &idp.discovery_document())
}

async fn jwks(State(idp): State<Arc<NationalIdp>>) -> Response {
    json_response(StatusCode::OK, &idp.jwks())
}

async fn authorize_page(
    State(idp): State<Arc<NationalIdp>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    match idp.validate_authorization(&params) {
        Ok(request) => login_page(&idp, &request, StatusCode::OK, "", None),
        Err(error) => authorize_error_response(&idp, error),
    }
}

async fn authorize_submit(
    State(idp): State<Arc<NationalIdp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_form(&headers) {
        return error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Biểu mẫu không hợp lệ. / The form must be sent as application/x-www-form-urlencoded.",
        );
    }
    let params = Params::parse(&body);
    let request = match idp.validate_authorization(&params) {
        Ok(request) => request,
        Err(error) => return authorize_error_response(&idp, error),
    };
    if params.single("action").ok().flatten() == Some("cancel") {
        return authorize_error_response(
            &idp,
            AuthorizeError::Redirect {
                redirect_uri: request.redirect_uri,
                state: Some(request.state),
                error: "access_denied",
                description: "the citizen cancelled the login".into(),
            },
        );
    }
    // A one-click demo choice wins over whatever is typed in the text field.
    let entered: String = params
        .single("pick")
        .ok()
        .flatten()
        .or_else(|| params.single("citizen_id").ok().flatten())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();

    if let Err(e) = citizens::parse_citizen_id(&entered) {
        let message = format!(
            "Số định danh không hợp lệ: cần đúng 12 chữ số theo cấu trúc quy định. \
             / Invalid ID number ({e})."
        );
        return login_page(
            &idp,
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            &entered,
            Some(&message),
        );
    }
    let citizen = match citizens::lookup(&entered) {
        Some(citizen) => citizen,
        None if idp.config.demo_any_citizen => citizens::generated(&entered),
        None => {
            let message =
                "Không tìm thấy công dân với số định danh này. / No citizen with this ID number.";
            return login_page(
                &idp,
                &request,
                StatusCode::UNPROCESSABLE_ENTITY,
                &entered,
                Some(message),
            );
        }
    };

    let code = idp.issue_code(&request, citizen);
    redirect_to_client(
        &request.redirect_uri,
        &[
            ("code", &code),
            ("state", &request.state),
            // RFC 9207: lets the client detect mix-up attacks.
            ("iss", &idp.config.issuer),
        ],
    )
}

async fn token(State(idp): State<Arc<NationalIdp>>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_form(&headers) {
        return TokenError::bad(
            "invalid_request",
            "body must be application/x-www-form-urlencoded",
        )
        .into_response();
    }
    let params = Params::parse(&body);
    let client = match idp.authenticate_client(&headers, &params) {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    match idp.redeem(client, &params) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(error) => error.into_response(),
    }
}

async fn userinfo(State(idp): State<Arc<NationalIdp>>, headers: HeaderMap) -> Response {
    let unauthorized = |error: &str| {
        let mut response = json_response(StatusCode::UNAUTHORIZED, &json!({ "error": error }));
        let challenge = format!(r#"Bearer realm="national-idp-simulator", error="{error}""#);
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    };
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
    else {
        return unauthorized("invalid_request");
    };
    let found = lock(&idp.tokens)
        .get(&token)
        .filter(|t| t.expires_at > Instant::now())
        .map(|t| (t.citizen.clone(), t.scope.clone()));
    let Some((citizen, scope)) = found else {
        return unauthorized("invalid_token");
    };
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(citizen.citizen_id));
    claims.insert("acr".into(), json!(ACR_LOA2));
    claims.extend(identity_claims(&citizen, &scope));
    json_response(StatusCode::OK, &Value::Object(claims))
}

fn authorize_error_response(idp: &NationalIdp, error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::Page(message) => error_page(StatusCode::BAD_REQUEST, message),
        AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
            description,
        } => {
            let mut pairs = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(state) = &state {
                pairs.push(("state", state));
            }
            pairs.push(("iss", &idp.config.issuer));
            redirect_to_client(&redirect_uri, &pairs)
        }
    }
}

/// 303 See Other to a registered redirect URI with extra query parameters (RFC 6749 §4.1.2).
fn redirect_to_client(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        // Registered URIs are validated in `NationalIdp::new`, so this is unreachable in practice.
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Địa chỉ chuyển hướng hỏng. / Broken redirect URI.",
        );
    };
    url.query_pairs_mut().extend_pairs(pairs);
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    set_no_store(response.headers_mut());
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    set_no_store(response.headers_mut());
    response
}

/// An RFC 6749 §5.2 token endpoint error response.
struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Answer with a `WWW-Authenticate: Basic` challenge (required when the client tried Basic).
    basic_challenge: bool,
}

impl TokenError {
    fn bad(error: &'static str, description: &str) -> Self {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.to_owned(),
            basic_challenge: false,
        }
    }

    fn invalid_client(basic_challenge: bool, description: &str) -> Self {
        TokenError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.to_owned(),
            basic_challenge,
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let mut response = json_response(
            self.status,
            &json!({ "error": self.error, "error_description": self.description }),
        );
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="national-idp-simulator""#),
            );
        }
        response
    }
}

fn set_no_store(headers: &mut HeaderMap) {
    // Token responses and pages carrying codes must never be cached (RFC 6749 §5.1).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    set_no_store(headers);
    // A login page must not be framed (clickjacking) and has no scripts.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The page URL carries state and nonce; keep them out of Referer headers.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Decodes `Authorization: Basic` credentials, whose parts are form-urlencoded (RFC 6749 §2.3.1).
fn parse_basic(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a byte).
fn form_decode(input: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut iter = input.bytes();
    while let Some(b) = iter.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = char::from(iter.next()?).to_digit(16)?;
                let lo = char::from(iter.next()?).to_digit(16)?;
                bytes.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

/// Compares secrets without leaking where they differ through timing: both sides are hashed first so
/// the comparison always runs over 32 bytes, whatever the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (ha, hb) = (Sha256::digest(a), Sha256::digest(b));
    ha.iter()
        .zip(hb.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// 32 random bytes, base64url: unguessable codes and access tokens.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Escapes text for HTML element content and quoted attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1a1a1a;line-height:1.5}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;border:1px solid #ccd}
.sim{background:#fff3cd;border:2px solid #8a6d00;padding:.5rem 1rem;border-radius:4px}
h1{font-size:1.4rem;color:#8b0000}
label{display:block;font-weight:bold;margin-top:1rem}
input[type=text]{font-size:1.2rem;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #555;border-radius:4px}
input[aria-invalid=true]{border-color:#b00020}
button{font-size:1rem;padding:.5rem 1rem;margin:.5rem .5rem 0 0;border-radius:4px;border:2px solid #8b0000;background:#8b0000;color:#fff;cursor:pointer}
button.secondary,ul button{background:#fff;color:#1a1a1a;border-color:#555}
button:focus-visible,input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.error{color:#b00020;font-weight:bold}
.hint{color:#444;margin:.25rem 0}
ul{list-style:none;padding:0}
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <p class=\"sim\" role=\"note\"><strong>MÔ PHỎNG</strong> — đây không phải VNeID thật; \
         không nhập số định danh thật của bạn. <span lang=\"en\"><strong>SIMULATED</strong> — this is \
         not the real VNeID; do not enter your real ID number.</span></p>\n\
         {body}\n</main>\n</body>\n</html>\n"
    )
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Cổng định danh quốc gia (mô phỏng) <span lang=\"en\">/ National identity provider \
         (SIMULATED)</span></h1>\n\
         <h2>Yêu cầu đăng nhập không hợp lệ <span lang=\"en\">/ Invalid login request</span></h2>\n\
         <p role=\"alert\" class=\"error\">{}</p>\n\
         <p>Vui lòng quay lại ứng dụng và thử lại. <span lang=\"en\">Please go back to the application \
         and try again.</span></p>",
        esc(message)
    );
    html_response(
        status,
        page(
            "Lỗi — Cổng định danh quốc gia (mô phỏng) / Error — National identity provider (SIMULATED)",
            &body,
        ),
    )
}

fn login_page(
    idp: &NationalIdp,
    request: &AuthorizationRequest,
    status: StatusCode,
    entered: &str,
    error: Option<&str>,
) -> Response {
    let scope = request.scope.join(" ");
    let carried: [(&str, &str); 8] = [
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("response_type", "code"),
        ("scope", &scope),
        ("state", &request.state),
        ("nonce", &request.nonce),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", "S256"),
    ];
    let hidden: String = carried
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                esc(value)
            )
        })
        .collect();
    let (error_html, described_by, invalid) = match error {
        Some(message) => (
            format!(
                "<p id=\"citizen-id-error\" class=\"error\" role=\"alert\">{}</p>\n",
                esc(message)
            ),
            "citizen-id-hint citizen-id-error",
            " aria-invalid=\"true\"",
        ),
        None => (String::new(), "citizen-id-hint", ""),
    };
    let choices: String = citizens::demo_citizens()
        .iter()
        .take(LOGIN_PAGE_DEMO_CHOICES)
        .map(|c| {
            format!(
                "<li><button type=\"submit\" name=\"pick\" value=\"{id}\" formnovalidate>{name} — {id} \
                 ({commune})</button></li>\n",
                id = esc(&c.citizen_id),
                name = esc(&c.full_name),
                commune = esc(&c.commune_name),
            )
        })
        .collect();
    let any_hint = if idp.config.demo_any_citizen {
        "<p class=\"hint\">Chế độ trình diễn: mọi số định danh 12 chữ số đúng cấu trúc đều được chấp nhận \
         (danh tính được tạo tự động). <span lang=\"en\">Demo mode: any structurally valid 12-digit ID \
         is accepted, with a generated identity.</span></p>\n"
    } else {
        ""
    };
    let body = format!(
        "<h1>Cổng định danh quốc gia (mô phỏng) <span lang=\"en\">/ National identity provider \
         (SIMULATED)</span></h1>\n\
         <p>Ứng dụng <strong>{client}</strong> yêu cầu xác thực danh tính của bạn. \
         <span lang=\"en\">The application <strong>{client}</strong> asks to verify your identity.</span></p>\n\
         <form method=\"post\" action=\"{action}\">\n{hidden}\
         <label for=\"citizen_id\">Số định danh cá nhân (12 chữ số) \
         <span lang=\"en\">/ Personal identification number (12 digits)</span></label>\n\
         <p id=\"citizen-id-hint\" class=\"hint\">Ví dụ <span lang=\"en\">/ Example</span>: 031085012345</p>\n\
         {error_html}\
         <input type=\"text\" id=\"citizen_id\" name=\"citizen_id\" inputmode=\"numeric\" \
         pattern=\"[0-9]{{12}}\" minlength=\"12\" maxlength=\"12\" autocomplete=\"off\" required \
         aria-describedby=\"{described_by}\"{invalid} value=\"{entered}\">\n\
         <div><button type=\"submit\" name=\"action\" value=\"login\">Đăng nhập <span lang=\"en\">/ Sign in</span></button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\" class=\"secondary\" formnovalidate>Huỷ \
         <span lang=\"en\">/ Cancel</span></button></div>\n\
         <h2>Công dân mẫu <span lang=\"en\">/ Demo citizens</span></h2>\n\
         <p class=\"hint\">Chọn một người để đăng nhập ngay. <span lang=\"en\">Pick one to sign in as \
         them.</span></p>\n<ul>\n{choices}</ul>\n{any_hint}</form>",
        client = esc(&request.client_id),
        action = esc(&idp.endpoint("/authorize")),
        entered = esc(entered),
    );
    html_response(
        status,
        page(
            "Đăng nhập — Cổng định danh quốc gia (mô phỏng) / Sign in — National identity provider (SIMULATED)",
            &body,
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn config() -> IdpConfig {
        IdpConfig {
            issuer: "http://127.0.0.1:8080/sim/idp".into(),
            clients: vec![ClientRegistration {
                client_id: "portal".into(),
                client_secret: Some("s3cret".into()),
                redirect_uris: vec!["http://127.0.0.1:8080/auth/callback".into()],
            }],
            demo_any_citizen: true,
        }
    }

    #[test]
    fn rejects_bad_issuers_and_clients() {
        for issuer in [
            "http://x/idp/",
            "ftp://x/idp",
            "http://x/idp?a=b",
            "not a url",
        ] {
            let mut c = config();
            c.issuer = issuer.into();
            assert!(
                matches!(NationalIdp::new(c), Err(IdpError::InvalidConfig(_))),
                "{issuer}"
            );
        }
        let mut c = config();
        c.clients.push(c.clients[0].clone());
        assert!(NationalIdp::new(c).is_err());
        let mut c = config();
        c.clients[0].redirect_uris = vec!["/relative".into()];
        assert!(NationalIdp::new(c).is_err());
    }

    #[test]
    fn jwks_publishes_the_signing_key_and_keeps_the_previous_one_after_rotation() {
        let idp = NationalIdp::new(config()).unwrap();
        let first = idp.kid();
        let jwks = idp.jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["alg"], "ES256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["kid"], first.as_str());
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(key["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );

        idp.rotate_signing_key().unwrap();
        assert_ne!(idp.kid(), first);
        let kids: Vec<_> = idp.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kids, vec![idp.kid(), first]);
    }

    #[test]
    fn signed_tokens_verify_with_the_published_key() {
        let idp = NationalIdp::new(config()).unwrap();
        let token = idp
            .sign_claims(&json!({"sub": "x", "exp": 4_000_000_000u64}), None)
            .unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some(idp.kid().as_str()));
        let jwk = &idp.jwks()["keys"][0];
        let key = jsonwebtoken::DecodingKey::from_ec_components(
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap(),
        )
        .unwrap();
        let data = jsonwebtoken::decode::<Value>(
            &token,
            &key,
            &jsonwebtoken::Validation::new(Algorithm::ES256),
        )
        .unwrap();
        assert_eq!(data.claims["sub"], "x");
    }

    #[test]
    fn discovery_points_below_the_issuer() {
        let idp = NationalIdp::new(config()).unwrap();
        let doc = idp.discovery_document();
        assert_eq!(doc["issuer"], "http://127.0.0.1:8080/sim/idp");
        assert_eq!(doc["token_endpoint"], "http://127.0.0.1:8080/sim/idp/token");
        assert_eq!(doc["jwks_uri"], "http://127.0.0.1:8080/sim/idp/jwks");
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header =
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode("my%20client:a+b%3Ac")))
                .unwrap();
        assert_eq!(
            parse_basic(&header),
            Some(("my client".into(), "a b:c".into()))
        );
        assert_eq!(parse_basic(&HeaderValue::from_static("Bearer x")), None);
        assert_eq!(form_decode("%zz"), None);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn debug_output_hides_client_secrets() {
        let shown = format!("{:?}", config());
        assert!(!shown.contains("s3cret"));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn profile_claims_only_with_profile_scope() {
        let citizen = citizens::demo_citizens().remove(0);
        let minimal = identity_claims(&citizen, &["openid".into()]);
        assert_eq!(minimal.len(), 1);
        let full = identity_claims(&citizen, &["openid".into(), "profile".into()]);
        assert_eq!(full["name"], "Nguyễn Văn An");
        assert_eq!(full["birthdate"], "1985-03-12");
        assert_eq!(full["gender"], "male");
        assert_eq!(full["address"]["commune_code"], "11341");
    }
}
