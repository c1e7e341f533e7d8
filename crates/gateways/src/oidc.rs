//! Our OpenID Connect relying party for the national identity provider (VNeID, or its simulator in
//! `motcua-sim`).
//!
//! Citizens log in with the authorization code flow plus PKCE (S256), and we trust nothing in the ID
//! token we have not verified: signature against the provider's published JWKS (ES256 or RS256 only —
//! never `none` or a shared-secret HMAC, which would let anyone holding the client secret mint
//! identities), issuer, audience, expiry, issue time and the nonce bound to the browser's login
//! attempt.
//!
//! Usage:
//! 1. [`OidcClient::discover`] once at start-up;
//! 2. per login, [`OidcClient::authorization_request`]: keep `state`, `nonce` and `pkce_verifier` in
//!    the user's session and redirect the browser to `url`;
//! 3. on the callback, [`OidcClient::code_from_callback`] checks `state` and extracts the code, then
//!    [`OidcClient::exchange_code`] returns the [`VerifiedIdentity`].
//!
//! reqwest is built without a default TLS crypto provider: the process must install one (e.g.
//! `rustls::crypto::ring::default_provider().install_default()`) before calling `discover`.

use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

/// Scopes we request: `openid` for the ID token, `profile` for name, birth date, address, ...
pub const SCOPE: &str = "openid profile";

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 60;
/// We verify ID tokens right after receiving them; an older `iat` means a replayed or stale token.
const MAX_ID_TOKEN_AGE_SECS: i64 = 600;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a login could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("OpenID provider discovery failed: {0}")]
    Discovery(String),
    #[error("HTTP request to the OpenID provider failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("token endpoint error {error}: {}", .description.as_deref().unwrap_or("no description"))]
    TokenEndpoint {
        error: String,
        description: Option<String>,
    },
    #[error("unexpected response from the OpenID provider: {0}")]
    InvalidResponse(String),
    #[error("invalid ID token: {0}")]
    InvalidIdToken(String),
    #[error("ID token nonce does not match the login attempt")]
    NonceMismatch,
    #[error("callback state does not match the login attempt")]
    StateMismatch,
    #[error("the identity provider refused the login: {error}: {}", .description.as_deref().unwrap_or("no description"))]
    Authorization {
        error: String,
        description: Option<String>,
    },
    #[error("invalid login callback: {0}")]
    InvalidCallback(String),
}

/// One login attempt: redirect the browser to `url`, keep the rest in the user's session until the
/// callback.
#[derive(Clone)]
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl fmt::Debug for AuthorizationRequest {
    // The verifier is what makes a stolen code useless; keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url.as_str())
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("pkce_verifier", &"<redacted>")
            .finish()
    }
}

/// A citizen identity established by a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    /// The provider's subject identifier (`sub`).
    pub subject: String,
    /// 12-digit citizen identification number.
    pub citizen_id: String,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub birthdate: Option<String>,
    /// `male` / `female`.
    pub gender: Option<String>,
    pub phone: Option<String>,
    /// Commune-level unit code of the registered address (5 digits).
    pub commune_code: Option<String>,
    pub street: Option<String>,
    /// `acr` claim, e.g. `loa2`.
    pub assurance_level: Option<String>,
}

/// How we authenticate at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    Basic,
    Post,
    /// Public client: PKCE alone protects the code.
    None,
}

#[derive(Debug, Deserialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    response_types_supported: Vec<String>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

impl Jwk {
    /// The verification key if this JWK can verify `alg` signatures.
    fn decoding_key(&self, alg: Algorithm) -> Option<DecodingKey> {
        if self.usage.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        if self.alg.as_deref().is_some_and(|a| a != alg_name(alg)) {
            return None;
        }
        match (alg, self.kty.as_str()) {
            (Algorithm::ES256, "EC") if self.crv.as_deref() == Some("P-256") => {
                DecodingKey::from_ec_components(self.x.as_deref()?, self.y.as_deref()?).ok()
            }
            (Algorithm::RS256, "RSA") => {
                DecodingKey::from_rsa_components(self.n.as_deref()?, self.e.as_deref()?).ok()
            }
            _ => None,
        }
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "ES256",
        Algorithm::RS256 => "RS256",
        // Only the two algorithms above ever reach key selection.
        _ => "",
    }
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct IdTokenClaims {
    sub: String,
    /// A string or an array; its membership check is done by jsonwebtoken, we only need the count.
    aud: serde_json::Value,
    #[serde(default)]
    azp: Option<String>,
    iat: i64,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    acr: Option<String>,
    #[serde(default)]
    citizen_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    birthdate: Option<String>,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    address: Option<AddressClaim>,
}

#[derive(Deserialize)]
struct AddressClaim {
    #[serde(default)]
    commune_code: Option<String>,
    #[serde(default)]
    street: Option<String>,
    #[serde(default)]
    street_address: Option<String>,
}

/// The relying party: our client registration at one OpenID provider.
pub struct OidcClient {
    http: reqwest::Client,
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
    client_auth: ClientAuth,
    /// The provider's signing keys; replaced when a token names a key we do not know (rotation).
    keys: RwLock<Vec<Jwk>>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    /// Fetches the provider's discovery document and keys.
    ///
    /// The document's `issuer` must equal `issuer` exactly (OpenID Connect Discovery §4.3): otherwise
    /// a compromised or misconfigured endpoint could make us accept another provider's tokens.
    /// `client_secret: None` makes us a public client.
    pub async fn discover(
        issuer: &str,
        client_id: String,
        client_secret: Option<String>,
        redirect_uri: String,
    ) -> Result<Self, OidcError> {
        // Redirects are never followed: a redirect from a token or JWKS endpoint is an error, and
        // following one could leak client credentials to another host.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;

        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let response = http.get(&discovery_url).send().await?;
        if !response.status().is_success() {
            return Err(OidcError::Discovery(format!(
                "{discovery_url} answered HTTP {}",
                response.status()
            )));
        }
        let metadata: ProviderMetadata = response
            .json()
            .await
            .map_err(|e| OidcError::Discovery(format!("malformed discovery document: {e}")))?;
        if metadata.issuer != issuer {
            return Err(OidcError::Discovery(format!(
                "discovery document names issuer {:?}, expected {issuer:?}",
                metadata.issuer
            )));
        }
        if !metadata.response_types_supported.is_empty()
            && !metadata
                .response_types_supported
                .iter()
                .any(|t| t == "code")
        {
            return Err(OidcError::Discovery(
                "provider does not support the authorization code flow".into(),
            ));
        }
        if let Some(methods) = &metadata.code_challenge_methods_supported
            && !methods.iter().any(|m| m == "S256")
        {
            return Err(OidcError::Discovery(
                "provider does not support PKCE with S256".into(),
            ));
        }
        let endpoint = |name: &str, value: &str| {
            Url::parse(value).map_err(|e| OidcError::Discovery(format!("{name} {value:?}: {e}")))
        };
        let authorization_endpoint =
            endpoint("authorization_endpoint", &metadata.authorization_endpoint)?;
        let token_endpoint = endpoint("token_endpoint", &metadata.token_endpoint)?;
        let jwks_uri = endpoint("jwks_uri", &metadata.jwks_uri)?;
        for url in [&authorization_endpoint, &token_endpoint, &jwks_uri] {
            if url.scheme() != "https" && !is_loopback(url) {
                tracing::warn!(%url, "OpenID provider endpoint is not HTTPS");
            }
        }

        let client_auth = match (
            &client_secret,
            &metadata.token_endpoint_auth_methods_supported,
        ) {
            (None, _) => ClientAuth::None,
            // The discovery default is client_secret_basic (OpenID Connect Discovery §3).
            (Some(_), None) => ClientAuth::Basic,
            (Some(_), Some(methods)) if methods.iter().any(|m| m == "client_secret_basic") => {
                ClientAuth::Basic
            }
            (Some(_), Some(methods)) if methods.iter().any(|m| m == "client_secret_post") => {
                ClientAuth::Post
            }
            (Some(_), Some(_)) => {
                return Err(OidcError::Discovery(
                    "provider supports neither client_secret_basic nor client_secret_post".into(),
                ));
            }
        };

        let client = OidcClient {
            http,
            issuer: issuer.to_owned(),
            client_id,
            client_secret,
            redirect_uri,
            authorization_endpoint,
            token_endpoint,
            jwks_uri,
            client_auth,
            keys: RwLock::new(Vec::new()),
        };
        client.refresh_keys().await?;
        Ok(client)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Starts a login: fresh random `state` (CSRF), `nonce` (ID token replay) and PKCE verifier
    /// (code interception), and the provider URL to send the browser to.
    pub fn authorization_request(&self) -> AuthorizationRequest {
        let state = random_string();
        let nonce = random_string();
        // 32 random bytes give a 43-character verifier, the RFC 7636 minimum, with 256 bits of entropy.
        let pkce_verifier = random_string();
        let challenge = pkce_challenge(&pkce_verifier);
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", SCOPE)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        AuthorizationRequest {
            url,
            state,
            nonce,
            pkce_verifier,
        }
    }

    /// Reads the provider's redirect back to us (the query string of the callback URL) and returns
    /// the authorization code.
    ///
    /// `state` must equal the one of the login attempt stored in the user's session; an `iss`
    /// parameter, if present, must be our provider (RFC 9207, mix-up defence).
    pub fn code_from_callback(
        &self,
        callback_query: &str,
        expected_state: &str,
    ) -> Result<String, OidcError> {
        let mut state = None;
        let mut code = None;
        let mut iss = None;
        let mut error = None;
        let mut description = None;
        for (name, value) in url::form_urlencoded::parse(callback_query.as_bytes()) {
            let slot = match name.as_ref() {
                "state" => &mut state,
                "code" => &mut code,
                "iss" => &mut iss,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(OidcError::InvalidCallback(format!(
                    "repeated parameter {name}"
                )));
            }
        }
        if state.as_deref() != Some(expected_state) || expected_state.is_empty() {
            return Err(OidcError::StateMismatch);
        }
        if iss.as_deref().is_some_and(|i| i != self.issuer) {
            return Err(OidcError::InvalidCallback(
                "callback comes from another issuer".into(),
            ));
        }
        if let Some(error) = error {
            return Err(OidcError::Authorization { error, description });
        }
        code.filter(|c| !c.is_empty())
            .ok_or_else(|| OidcError::InvalidCallback("no authorization code".into()))
    }

    /// Redeems an authorization code and verifies the returned ID token.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", pkce_verifier),
        ];
        let mut request = self.http.post(self.token_endpoint.clone());
        match (self.client_auth, &self.client_secret) {
            (ClientAuth::Basic, Some(secret)) => {
                // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
                request =
                    request.basic_auth(form_encode(&self.client_id), Some(form_encode(secret)));
            }
            (ClientAuth::Post, Some(secret)) => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", secret));
            }
            _ => form.push(("client_id", &self.client_id)),
        }
        let response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<TokenErrorResponse>(&body) {
                Ok(e) => OidcError::TokenEndpoint {
                    error: e.error,
                    description: e.error_description,
                },
                Err(_) => {
                    OidcError::InvalidResponse(format!("token endpoint answered HTTP {status}"))
                }
            });
        }
        let tokens: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| OidcError::InvalidResponse(format!("malformed token response: {e}")))?;
        if tokens.access_token.is_none()
            || !tokens
                .token_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
        {
            return Err(OidcError::InvalidResponse(
                "token response lacks a Bearer access token".into(),
            ));
        }
        let Some(id_token) = tokens.id_token else {
            return Err(OidcError::InvalidResponse(
                "token response has no id_token".into(),
            ));
        };
        self.verify_id_token(&id_token, expected_nonce).await
    }

    /// Verifies an ID token (OpenID Connect Core §3.1.3.7) and extracts the identity.
    ///
    /// Used by [`OidcClient::exchange_code`]; public so tests can feed it hostile tokens.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        // `decode_header` rejects `alg: none` (not an algorithm it knows); HMAC is rejected here.
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| OidcError::InvalidIdToken(format!("malformed header: {e}")))?;
        let alg = header.alg;
        if !matches!(alg, Algorithm::ES256 | Algorithm::RS256) {
            return Err(OidcError::InvalidIdToken(format!(
                "signature algorithm {alg:?} is not allowed"
            )));
        }
        let kid = header.kid.as_deref();
        let key = match self.find_key(kid, alg)? {
            Some(key) => key,
            None => {
                // An unknown key ID usually means the provider rotated its keys: refetch once.
                self.refresh_keys().await?;
                self.find_key(kid, alg)?.ok_or_else(|| {
                    OidcError::InvalidIdToken(format!(
                        "no {} key with kid {kid:?} in the provider's JWKS",
                        alg_name(alg)
                    ))
                })?
            }
        };

        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation)
            .map_err(|e| {
                OidcError::InvalidIdToken(match e.kind() {
                    ErrorKind::InvalidSignature => "signature verification failed".into(),
                    ErrorKind::ExpiredSignature => "token expired".into(),
                    ErrorKind::InvalidIssuer => "issuer mismatch".into(),
                    ErrorKind::InvalidAudience => "audience does not include our client".into(),
                    ErrorKind::MissingRequiredClaim(claim) => format!("missing {claim} claim"),
                    _ => e.to_string(),
                })
            })?
            .claims;

        // OIDC Core §3.1.3.7 (4, 5): with several audiences, azp must be us; if present it must be us.
        let multiple_audiences = claims.aud.as_array().is_some_and(|list| list.len() > 1);
        match claims.azp.as_deref() {
            Some(azp) if azp != self.client_id => {
                return Err(OidcError::InvalidIdToken(
                    "authorized party (azp) is another client".into(),
                ));
            }
            None if multiple_audiences => {
                return Err(OidcError::InvalidIdToken(
                    "several audiences but no azp claim".into(),
                ));
            }
            _ => {}
        }

        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(60);
        if claims.iat > now + leeway {
            return Err(OidcError::InvalidIdToken("issued in the future".into()));
        }
        if claims.iat < now - MAX_ID_TOKEN_AGE_SECS {
            return Err(OidcError::InvalidIdToken("issued too long ago".into()));
        }
        if claims.nonce.as_deref() != Some(expected_nonce) || expected_nonce.is_empty() {
            return Err(OidcError::NonceMismatch);
        }

        let citizen_id = match claims.citizen_id {
            Some(id) if is_citizen_id(&id) => id,
            Some(_) => {
                return Err(OidcError::InvalidIdToken(
                    "citizen_id claim is not 12 digits".into(),
                ));
            }
            None if is_citizen_id(&claims.sub) => claims.sub.clone(),
            None => {
                return Err(OidcError::InvalidIdToken(
                    "no 12-digit citizen identification number".into(),
                ));
            }
        };
        let Some(full_name) = claims.name.filter(|n| !n.trim().is_empty()) else {
            return Err(OidcError::InvalidIdToken("missing name claim".into()));
        };
        let (commune_code, street) = match claims.address {
            Some(address) => (
                address.commune_code,
                address.street.or(address.street_address),
            ),
            None => (None, None),
        };
        Ok(VerifiedIdentity {
            subject: claims.sub,
            citizen_id,
            full_name,
            birthdate: claims.birthdate,
            gender: claims.gender,
            phone: claims.phone_number,
            commune_code,
            street,
            assurance_level: claims.acr,
        })
    }

    /// Looks up the key for a token header. A header without `kid` is accepted only when exactly one
    /// published key fits the algorithm, so the choice is unambiguous.
    fn find_key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Option<DecodingKey>, OidcError> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        match kid {
            Some(kid) => match keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
                Some(jwk) => jwk.decoding_key(alg).map(Some).ok_or_else(|| {
                    OidcError::InvalidIdToken(format!(
                        "key {kid:?} cannot verify {} signatures",
                        alg_name(alg)
                    ))
                }),
                None => Ok(None),
            },
            None => {
                let mut usable = keys.iter().filter_map(|k| k.decoding_key(alg));
                match (usable.next(), usable.next()) {
                    (Some(key), None) => Ok(Some(key)),
                    (None, _) => Ok(None),
                    (Some(_), Some(_)) => Err(OidcError::InvalidIdToken(
                        "token has no kid and the provider publishes several keys".into(),
                    )),
                }
            }
        }
    }

    async fn refresh_keys(&self) -> Result<(), OidcError> {
        let response = self.http.get(self.jwks_uri.clone()).send().await?;
        if !response.status().is_success() {
            return Err(OidcError::InvalidResponse(format!(
                "JWKS endpoint answered HTTP {}",
                response.status()
            )));
        }
        let set: JwkSet = response
            .json()
            .await
            .map_err(|e| OidcError::InvalidResponse(format!("malformed JWKS: {e}")))?;
        // Keys of types we do not understand are skipped rather than failing the whole set.
        let keys: Vec<Jwk> = set
            .keys
            .into_iter()
            .filter_map(|k| serde_json::from_value(k).ok())
            .collect();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        Ok(())
    }
}

/// Whether `value` has the shape of a citizen identification number (12 ASCII digits).
fn is_citizen_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// 32 random bytes, base64url without padding (43 characters).
fn random_string() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The RFC 7636 S256 code challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc7636_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_strings_are_long_and_distinct() {
        let a = random_string();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_string());
    }

    #[test]
    fn citizen_id_shape() {
        assert!(is_citizen_id("031085012345"));
        assert!(!is_citizen_id("03108501234"));
        assert!(!is_citizen_id("03108501234x"));
        assert!(!is_citizen_id("٠٣١٠٨٥٠١٢٣٤٥"));
    }

    #[test]
    fn jwk_selection_respects_type_use_and_alg() {
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": "k", "use": "sig", "alg": "ES256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        }))
        .unwrap();
        assert!(jwk.decoding_key(Algorithm::ES256).is_some());
        assert!(jwk.decoding_key(Algorithm::RS256).is_none());
        let enc = Jwk {
            usage: Some("enc".into()),
            ..jwk.clone()
        };
        assert!(enc.decoding_key(Algorithm::ES256).is_none());
        let p384 = Jwk {
            crv: Some("P-384".into()),
            alg: None,
            ..jwk
        };
        assert!(p384.decoding_key(Algorithm::ES256).is_none());
    }

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }
}
