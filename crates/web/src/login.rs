//! Browser login: citizens through the national IdP (OpenID Connect authorization code + PKCE, with
//! state, nonce, issuer, audience and signature checked by the gateway client); staff with a password.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use motcua_app::identity::{self, CitizenClaims, Principal};
use motcua_app::{AppError, ErrorCode};
use motcua_gateways::oidc::OidcClient;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use crate::problem::Problem;

pub(crate) fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    // Lax, not Strict: a Strict cookie is dropped on the redirect back from the IdP.
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

async fn client(s: &AppState) -> Result<&OidcClient, Problem> {
    let settings = s.oidc.as_ref().ok_or_else(|| {
        Problem(AppError::new(
            ErrorCode::Unavailable,
            "login_unavailable",
            "Chưa cấu hình đăng nhập định danh quốc gia.",
            "National identity login is not configured.",
        ))
    })?;
    s.oidc_client
        .get_or_try_init(|| async {
            OidcClient::discover(
                &settings.issuer,
                settings.client_id.clone(),
                settings.client_secret.clone(),
                format!(
                    "{}/auth/callback",
                    settings.public_url.trim_end_matches('/')
                ),
            )
            .await
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "identity provider unreachable");
            Problem(AppError::new(
                ErrorCode::Unavailable,
                "idp_unavailable",
                "Không kết nối được cổng định danh quốc gia, vui lòng thử lại sau.",
                "The national identity provider cannot be reached; try again later.",
            ))
        })
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    return_to: Option<String>,
}

/// Only local paths are accepted as where to go after login (no open redirect).
/// Cookies are `Secure` when the public URL is HTTPS.
pub(crate) fn secure_cookies(s: &AppState) -> bool {
    s.oidc
        .as_ref()
        .is_some_and(|o| o.public_url.starts_with("https://"))
}

fn safe_return(r: Option<String>) -> String {
    match r {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/".into(),
    }
}

pub async fn start(
    State(s): State<AppState>,
    Query(q): Query<StartQuery>,
) -> Result<Response, Problem> {
    let c = client(&s).await?;
    let req = c.authorization_request();
    identity::remember_login(
        &s.app,
        &req.state,
        &req.nonce,
        &req.pkce_verifier,
        &safe_return(q.return_to),
    )
    .await?;
    Ok(Redirect::to(req.url.as_str()).into_response())
}

pub async fn callback(
    State(s): State<AppState>,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let query = query.unwrap_or_default();
    let state_param = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let login_failed = |en: &str| {
        Problem(AppError::new(
            ErrorCode::Unauthenticated,
            "login_failed",
            "Đăng nhập không thành công, vui lòng thử lại.",
            format!("Login failed: {en}"),
        ))
    };
    let pending = identity::take_login(&s.app, &state_param)
        .await?
        .ok_or_else(|| login_failed("unknown or expired login attempt"))?;
    let c = client(&s).await?;
    let code = c
        .code_from_callback(&query, &pending.state)
        .map_err(|e| login_failed(&e.to_string()))?;
    let who = c
        .exchange_code(&code, &pending.pkce_verifier, &pending.nonce)
        .await
        .map_err(|e| login_failed(&e.to_string()))?;
    let principal = identity::upsert_citizen(
        &s.app,
        &CitizenClaims {
            citizen_id: who.citizen_id,
            full_name: who.full_name,
            birthdate: who.birthdate,
            gender: who.gender,
            phone: who.phone,
            commune_code: who.commune_code,
            street: who.street,
            assurance_level: who.assurance_level,
        },
    )
    .await?;
    let secret = identity::create_session(&s.app, &principal).await?;
    let secure = secure_cookies(&s);
    Ok((
        jar.add(session_cookie(secret, secure)),
        Redirect::to(&pending.return_to),
    )
        .into_response())
}

pub async fn logout(State(s): State<AppState>, jar: CookieJar) -> Result<Response, Problem> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        identity::end_session(&s.app, c.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/").build()),
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Deserialize)]
struct StaffLogin {
    username: String,
    password: String,
    /// The authenticator code, for staff who enrolled a second factor.
    #[serde(default)]
    totp: Option<String>,
}

/// `POST /api/v1/auth/staff` `{username, password, totp?}`: sets the session cookie.
pub async fn staff_login(
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, Problem> {
    if let Some(ip) = peer
        && !s.login_limit.allow(ip)
    {
        return Err(Problem(AppError::new(
            ErrorCode::TooManyRequests,
            "too_many_attempts",
            "Quá nhiều lần đăng nhập, vui lòng thử lại sau một phút.",
            "Too many sign-in attempts; try again in a minute.",
        )));
    }
    let creds: StaffLogin = serde_json::from_slice(&body).map_err(|e| {
        crate::problem::bad_request(
            "malformed_json",
            &format!("JSON không hợp lệ: {e}"),
            &format!("Invalid JSON: {e}"),
        )
    })?;
    let principal = identity::login_staff(
        &s.app,
        creds.username.trim(),
        &creds.password,
        creds.totp.as_deref(),
    )
    .await?;
    let secret = identity::create_session(&s.app, &principal).await?;
    let Principal::Staff {
        username, roles, ..
    } = &principal
    else {
        return Err(Problem(AppError::forbidden(
            "not_staff",
            "Không phải cán bộ.",
            "Not a staff account.",
        )));
    };
    let secure = secure_cookies(&s);
    Ok((
        jar.add(session_cookie(secret, secure)),
        Json(json!({ "username": username, "roles": roles })),
    )
        .into_response())
}
