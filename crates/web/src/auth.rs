//! Who is calling: `Authorization: Bearer <token>` for API clients, or the session cookie set by
//! the OpenID Connect or staff login for browsers. Cookie-authenticated writes must come from our
//! own origin (Fetch Metadata / Origin check), which is the CSRF defence; bearer calls need none.

use axum::extract::FromRequestParts;
use axum::http::{Method, header, request::Parts};
use axum_extra::extract::cookie::CookieJar;
use motcua_app::identity::{self, Principal};

use crate::AppState;
use crate::problem::{Problem, unauthenticated};

pub const SESSION_COOKIE: &str = "motcua_session";

/// A signed-in caller (401 otherwise).
pub struct Auth(pub Principal);

/// A caller who may or may not be signed in.
pub struct MaybeAuth(pub Option<Principal>);

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether a request comes from our own pages (Fetch Metadata, else Origin against Host). Forms
/// that change who is signed in (staff sign-in, sign-out) check it even without a session.
pub(crate) fn same_origin(parts: &Parts) -> bool {
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return site == "same-origin" || site == "none";
    }
    match (
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        // No Origin header: not a cross-site browser form (browsers send Origin on POST).
        (None, _) => true,
        _ => false,
    }
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Principal>, Problem> {
    if let Some(token) = bearer(parts) {
        return match identity::resolve_token(&state.app, token).await? {
            Some(p) => Ok(Some(p)),
            None => Err(unauthenticated()),
        };
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let principal = identity::resolve_session(&state.app, cookie.value()).await?;
    if principal.is_some()
        && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        && !same_origin(parts)
    {
        return Err(Problem(motcua_app::AppError::forbidden(
            "cross_site_request",
            "Yêu cầu từ trang khác bị từ chối.",
            "Cross-site request refused.",
        )));
    }
    Ok(principal)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        resolve(parts, state)
            .await?
            .map(Auth)
            .ok_or_else(unauthenticated)
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Ok(MaybeAuth(resolve(parts, state).await?))
    }
}

/// Whether the request comes from our own pages (see [`same_origin`]).
pub struct SameSite(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for SameSite {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SameSite(same_origin(parts)))
    }
}
