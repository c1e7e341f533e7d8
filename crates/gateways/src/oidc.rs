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
    #[error("identity claim missing: {0}")]
    MissingClaim(String),
    #[error("assurance level {got:?} is below the required {required:?}")]
    InsufficientAssurance {
        got: Option<String>,
        required: Vec<String>,
    },
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
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    /// RFC 9207: the provider puts `iss` in every authorization response.
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
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
            (Algorithm::RS256 | Algorithm::PS256, "RSA") => {
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
        Algorithm::PS256 => "PS256",
        // Only the algorithms above ever reach key selection.
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

/// The ID token claims we check ourselves; the identity claims are read by [`ClaimMap`].
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
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// Which claims carry which part of the identity: each entry is a list of claim names tried in
/// order, a dot naming a member of an object claim (`address.street_address`). Providers name
/// things differently (the OIDC standard, VNeID-like names, an agency's own IdP), so this is
/// configuration; the defaults cover the first two.
///
/// `sub` is never the citizen ID unless it is configured to be (`citizen_id=sub`): a standard
/// provider's `sub` is an opaque, pairwise identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMap {
    pub citizen_id: Vec<String>,
    pub full_name: Vec<String>,
    pub birthdate: Vec<String>,
    pub gender: Vec<String>,
    pub phone: Vec<String>,
    pub commune_code: Vec<String>,
    pub street: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for ClaimMap {
    fn default() -> Self {
        Self {
            citizen_id: names(&[
                "citizen_id",
                "so_dinh_danh",
                "personal_identification_number",
            ]),
            full_name: names(&["name", "full_name", "ho_ten"]),
            birthdate: names(&["birthdate", "birth_date", "ngay_sinh"]),
            gender: names(&["gender", "gioi_tinh"]),
            phone: names(&["phone_number", "phone", "so_dien_thoai"]),
            commune_code: names(&[
                "address.commune_code",
                "address.ward_code",
                "commune_code",
                "ma_xa",
            ]),
            street: names(&[
                "address.street",
                "address.street_address",
                "street_address",
                "dia_chi",
            ]),
        }
    }
}

impl ClaimMap {
    /// Reads `part=claim[,claim…];part=…` (parts: citizen_id, full_name, birthdate, gender, phone,
    /// commune_code, street); parts not named keep their defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut map = Self::default();
        for item in spec.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (part, claims) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?}: expected part=claim[,claim]"))?;
            let list: Vec<String> = claims
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            if list.is_empty() {
                return Err(format!("{part}: no claim named"));
            }
            let slot = match part.trim() {
                "citizen_id" => &mut map.citizen_id,
                "full_name" => &mut map.full_name,
                "birthdate" => &mut map.birthdate,
                "gender" => &mut map.gender,
                "phone" => &mut map.phone,
                "commune_code" => &mut map.commune_code,
                "street" => &mut map.street,
                other => return Err(format!("unknown identity part {other:?}")),
            };
            *slot = list;
        }
        Ok(map)
    }

    /// The first non-empty string (or number, for codes) among the claims of `names`.
    fn read(
        claims: &serde_json::Map<String, serde_json::Value>,
        names: &[String],
    ) -> Option<String> {
        names.iter().find_map(|name| {
            let mut parts = name.split('.');
            let mut value = claims.get(parts.next()?)?;
            for p in parts {
                value = value.get(p)?;
            }
            match value {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        })
    }

    /// The identity in `claims` (the ID token's, completed by UserInfo).
    fn identity(
        &self,
        subject: &str,
        acr: Option<String>,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let citizen_id = Self::read(claims, &self.citizen_id).ok_or_else(|| {
            OidcError::MissingClaim(format!(
                "no citizen identification number (claims tried: {})",
                self.citizen_id.join(", ")
            ))
        })?;
        if !is_citizen_id(&citizen_id) {
            return Err(OidcError::InvalidIdToken(
                "citizen_id claim is not 12 digits".into(),
            ));
        }
        let full_name = Self::read(claims, &self.full_name)
            .or_else(|| {
                // OIDC standard parts, in Vietnamese order: family, middle, given.
                let parts: Vec<String> = ["family_name", "middle_name", "given_name"]
                    .iter()
                    .filter_map(|k| Self::read(claims, &[(*k).to_owned()]))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
            .ok_or_else(|| OidcError::MissingClaim("missing name claim".into()))?;
        Ok(VerifiedIdentity {
            subject: subject.to_owned(),
            citizen_id,
            full_name,
            birthdate: Self::read(claims, &self.birthdate).filter(|d| is_iso_date(d)),
            gender: Self::read(claims, &self.gender).and_then(|g| normalize_gender(&g)),
            phone: Self::read(claims, &self.phone),
            commune_code: Self::read(claims, &self.commune_code),
            street: Self::read(claims, &self.street),
            assurance_level: acr,
        })
    }
}

/// `YYYY-MM-DD` (OIDC Core §5.1 also allows `YYYY`, or `0000-MM-DD` for a withheld year, which we
/// cannot use as a date).
fn is_iso_date(value: &str) -> bool {
    use chrono::Datelike as _;
    value.len() == 10
        && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok_and(|d| d.year() >= 1800)
}

fn normalize_gender(value: &str) -> Option<String> {
    match value.trim().to_lowercase().as_str() {
        "male" | "nam" | "m" => Some("male".into()),
        "female" | "nữ" | "nu" | "f" => Some("female".into()),
        _ => None,
    }
}

/// How this deployment uses its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpOptions {
    /// Space-separated scopes (`openid` is always included).
    pub scope: String,
    /// The assurance levels (`acr`) we ask for and accept, in preference order; empty: any.
    pub acr_values: Vec<String>,
    pub claims: ClaimMap,
}

impl Default for RpOptions {
    fn default() -> Self {
        Self {
            scope: SCOPE.into(),
            acr_values: Vec::new(),
            claims: ClaimMap::default(),
        }
    }
}

/// A completed login: the identity, and the ID token to name the session at logout
/// (`id_token_hint`).
pub struct VerifiedLogin {
    pub identity: VerifiedIdentity,
    pub id_token: String,
}

impl fmt::Debug for VerifiedLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedLogin")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
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
    userinfo_endpoint: Option<Url>,
    end_session_endpoint: Option<Url>,
    /// RFC 9207: the provider promised `iss` in its authorization responses, so one without it is
    /// refused (a mix-up attack would strip it).
    iss_in_response: bool,
    client_auth: ClientAuth,
    options: RpOptions,
    /// The provider's signing keys; replaced when a token names a key we do not know or a known
    /// key no longer verifies (rotation). Tokens reach us only from the token endpoint, so a
    /// refetch per unverifiable token cannot be triggered by a third party.
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
        Self::discover_with(
            issuer,
            client_id,
            client_secret,
            redirect_uri,
            RpOptions::default(),
        )
        .await
    }

    /// [`OidcClient::discover`] with this deployment's scopes, assurance levels and claim names.
    pub async fn discover_with(
        issuer: &str,
        client_id: String,
        client_secret: Option<String>,
        redirect_uri: String,
        options: RpOptions,
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
        let userinfo_endpoint = metadata
            .userinfo_endpoint
            .as_deref()
            .map(|u| endpoint("userinfo_endpoint", u))
            .transpose()?;
        let end_session_endpoint = metadata
            .end_session_endpoint
            .as_deref()
            .map(|u| endpoint("end_session_endpoint", u))
            .transpose()?;
        for url in [&authorization_endpoint, &token_endpoint, &jwks_uri]
            .into_iter()
            .chain(userinfo_endpoint.as_ref())
        {
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
            userinfo_endpoint,
            end_session_endpoint,
            iss_in_response: metadata.authorization_response_iss_parameter_supported,
            client_auth,
            options,
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
        self.authorization_request_with_state(random_string())
    }

    /// [`OidcClient::authorization_request`] with a `state` chosen by the caller, e.g. one derived
    /// from a secret kept in the starting browser, which binds the login to that browser.
    pub fn authorization_request_with_state(&self, state: String) -> AuthorizationRequest {
        let nonce = random_string();
        // 32 random bytes give a 43-character verifier, the RFC 7636 minimum, with 256 bits of entropy.
        let pkce_verifier = random_string();
        let challenge = pkce_challenge(&pkce_verifier);
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.scope())
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if !self.options.acr_values.is_empty() {
            url.query_pairs_mut()
                .append_pair("acr_values", &self.options.acr_values.join(" "));
        }
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
        if iss.is_none() && self.iss_in_response {
            return Err(OidcError::InvalidCallback(
                "the provider promises iss in its responses (RFC 9207) but this one has none"
                    .into(),
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
        Ok(self
            .complete_login(code, pkce_verifier, expected_nonce)
            .await?
            .identity)
    }

    /// Redeems an authorization code, verifies the ID token, completes its claims from UserInfo
    /// and checks the assurance level.
    pub async fn complete_login(
        &self,
        code: &str,
        pkce_verifier: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedLogin, OidcError> {
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
        let mut claims = self
            .verify_id_token_claims(&id_token, expected_nonce)
            .await?;
        if let (Some(endpoint), Some(access_token)) =
            (&self.userinfo_endpoint, &tokens.access_token)
        {
            // Many providers put only `sub` in the ID token and the identity in UserInfo.
            let info = self.userinfo(endpoint, access_token).await?;
            if info.get("sub").and_then(|v| v.as_str()) != Some(claims.sub.as_str()) {
                // OIDC Core §5.3.4: otherwise the answer may be about someone else.
                return Err(OidcError::InvalidResponse(
                    "UserInfo is about another subject".into(),
                ));
            }
            for (k, v) in info {
                // The signed ID token wins where both speak.
                claims.rest.entry(k).or_insert(v);
            }
        }
        let identity = self.identity_of(claims)?;
        Ok(VerifiedLogin { identity, id_token })
    }

    async fn userinfo(
        &self,
        endpoint: &Url,
        access_token: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
        let response = self
            .http
            .get(endpoint.clone())
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(OidcError::InvalidResponse(format!(
                "UserInfo answered HTTP {status}"
            )));
        }
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !is_json {
            // A signed or encrypted UserInfo response (application/jwt) needs a registration we
            // do not make; better to say so than to read it unverified.
            return Err(OidcError::InvalidResponse(
                "UserInfo is not plain JSON".into(),
            ));
        }
        response
            .json()
            .await
            .map_err(|e| OidcError::InvalidResponse(format!("malformed UserInfo: {e}")))
    }

    fn identity_of(&self, claims: IdTokenClaims) -> Result<VerifiedIdentity, OidcError> {
        let required = &self.options.acr_values;
        if !required.is_empty() && !claims.acr.as_ref().is_some_and(|a| required.contains(a)) {
            return Err(OidcError::InsufficientAssurance {
                got: claims.acr,
                required: required.clone(),
            });
        }
        let mut all = claims.rest;
        // `sub` takes part only if the deployment names it in the claim map.
        all.insert("sub".into(), serde_json::Value::String(claims.sub.clone()));
        self.options.claims.identity(&claims.sub, claims.acr, &all)
    }

    /// The scopes we request, always with `openid`.
    fn scope(&self) -> String {
        let mut scopes: Vec<&str> = self.options.scope.split_whitespace().collect();
        if !scopes.contains(&"openid") {
            scopes.insert(0, "openid");
        }
        scopes.join(" ")
    }

    /// Where to send the browser to end the session at the provider too (OpenID Connect
    /// RP-Initiated Logout 1.0), or `None` if the provider offers no such endpoint.
    pub fn end_session_url(
        &self,
        id_token_hint: Option<&str>,
        post_logout_redirect_uri: &str,
    ) -> Option<Url> {
        let mut url = self.end_session_endpoint.clone()?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = id_token_hint {
                q.append_pair("id_token_hint", hint);
            }
            q.append_pair("client_id", &self.client_id)
                .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
        }
        Some(url)
    }

    /// Verifies an ID token (OpenID Connect Core §3.1.3.7) and extracts the identity.
    ///
    /// Used by [`OidcClient::exchange_code`]; public so tests can feed it hostile tokens.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        expected_nonce: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        let claims = self
            .verify_id_token_claims(id_token, expected_nonce)
            .await?;
        self.identity_of(claims)
    }

    async fn verify_id_token_claims(
        &self,
        id_token: &str,
        expected_nonce: &str,
    ) -> Result<IdTokenClaims, OidcError> {
        // `decode_header` rejects `alg: none` (not an algorithm it knows); HMAC is rejected here.
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| OidcError::InvalidIdToken(format!("malformed header: {e}")))?;
        let alg = header.alg;
        if !matches!(alg, Algorithm::ES256 | Algorithm::RS256 | Algorithm::PS256) {
            return Err(OidcError::InvalidIdToken(format!(
                "signature algorithm {alg:?} is not allowed"
            )));
        }
        let kid = header.kid.as_deref();
        let mut refreshed = false;
        let key = match self.find_key(kid, alg)? {
            Some(key) => key,
            None => {
                // An unknown key ID usually means the provider rotated its keys: refetch once.
                self.refresh_keys().await?;
                refreshed = true;
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
        let decoded = match jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation) {
            Err(e) if *e.kind() == ErrorKind::InvalidSignature && !refreshed => {
                // A provider may replace a key but keep its ID (or publish keys without IDs):
                // the signature stops matching the key we hold. Fetch the set again, once.
                self.refresh_keys().await?;
                match self.find_key(kid, alg)? {
                    Some(key) => jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation),
                    None => Err(e),
                }
            }
            other => other,
        };
        let claims = decoded
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

        Ok(claims)
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
    fn rsa_keys_verify_rs256_and_ps256_only_as_published() {
        // RFC 7517 Appendix A.1's RSA public key.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk = |alg: Option<&str>| Jwk {
            kty: "RSA".into(),
            kid: Some("r".into()),
            usage: Some("sig".into()),
            alg: alg.map(str::to_owned),
            crv: None,
            x: None,
            y: None,
            n: Some(n.into()),
            e: Some("AQAB".into()),
        };
        assert!(jwk(None).decoding_key(Algorithm::PS256).is_some());
        assert!(jwk(None).decoding_key(Algorithm::RS256).is_some());
        assert!(jwk(Some("PS256")).decoding_key(Algorithm::PS256).is_some());
        assert!(jwk(Some("PS256")).decoding_key(Algorithm::RS256).is_none());
        assert!(jwk(Some("RS256")).decoding_key(Algorithm::PS256).is_none());
        assert!(jwk(None).decoding_key(Algorithm::ES256).is_none());
    }

    #[test]
    fn claim_maps_parse_and_keep_defaults_for_parts_not_named() {
        let m = ClaimMap::parse("citizen_id=cccd, so_cccd; phone=sdt").unwrap();
        assert_eq!(m.citizen_id, vec!["cccd".to_owned(), "so_cccd".to_owned()]);
        assert_eq!(m.phone, vec!["sdt".to_owned()]);
        assert_eq!(m.full_name, ClaimMap::default().full_name);
        assert!(!ClaimMap::default().citizen_id.iter().any(|c| c == "sub"));
        assert_eq!(ClaimMap::parse("").unwrap(), ClaimMap::default());
    }

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }
}
