//! Browser login: citizens through the national IdP (OpenID Connect authorization code + PKCE, with
//! state, nonce, issuer, audience and signature checked by the gateway client); staff with a password.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use motcua_app::identity::{self, CitizenClaims, Principal};
use motcua_app::{AppError, ErrorCode};
use motcua_gateways::oidc::{OidcClient, OidcError};
use rand::RngCore as _;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use crate::pages::{PeerIp, UiLang};
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
            OidcClient::discover_with(
                &settings.issuer,
                settings.client_id.clone(),
                settings.client_secret.clone(),
                format!(
                    "{}/auth/callback",
                    settings.public_url.trim_end_matches('/')
                ),
                settings.options.clone(),
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

/// Cookies are `Secure` when the public URL is HTTPS.
pub(crate) fn secure_cookies(s: &AppState) -> bool {
    s.public_https
}

/// The cookie that ties a login in flight to the browser that started it.
///
/// The browser keeps a random secret; the `state` sent to the provider is its SHA-256. A callback
/// URL carried to another browser (sent in a link, or a login-CSRF page that makes a victim's
/// browser open the attacker's callback) finds no secret there hashing to its state, so nothing
/// is signed in. The name carries a prefix of the state so two tabs can log in at once.
fn binding_cookie_name(state: &str) -> String {
    let prefix: String = state.chars().take(12).collect();
    format!("motcua_login_{prefix}")
}

fn state_of_binding(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// How long a login may stay at the provider (as `identity::take_login` allows).
const LOGIN_COOKIE_SECONDS: i64 = 600;

pub async fn start(
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    ui: UiLang,
    jar: CookieJar,
    Query(q): Query<StartQuery>,
) -> Response {
    // Each start writes a row until it is finished or expires: anonymous clients may not make
    // that many.
    if let Some(ip) = peer
        && let Err(wait) = s.public.login.check(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    let c = match client(&s).await {
        Ok(c) => c,
        Err(Problem(e)) => return failure_page(&ui, StatusCode::SERVICE_UNAVAILABLE, e.code, &e),
    };
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let req = c.authorization_request_with_state(state_of_binding(&secret));
    let return_to = crate::redirect::local_or_my_dossiers(q.return_to.as_deref());
    if let Err(e) = identity::remember_login(
        &s.app,
        &req.state,
        &req.nonce,
        &req.pkce_verifier,
        &return_to,
    )
    .await
    {
        return failure_page(&ui, StatusCode::INTERNAL_SERVER_ERROR, e.code, &e);
    }
    let cookie = Cookie::build((binding_cookie_name(&req.state), secret))
        .path("/auth/callback")
        .http_only(true)
        // Lax: the provider's redirect back is a top-level GET navigation from another site.
        .same_site(SameSite::Lax)
        .secure(secure_cookies(&s))
        .max_age(time::Duration::seconds(LOGIN_COOKIE_SECONDS))
        .build();
    (jar.add(cookie), Redirect::to(req.url.as_str())).into_response()
}

/// Why a callback failed, as the citizen reads it and as the audit trail keeps it.
fn login_error(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::new(ErrorCode::Unauthenticated, code, vi, en)
}

/// The page a failed login shows: in the user's language, with the stable code, never JSON.
fn failure_page(ui: &UiLang, status: StatusCode, code: &str, e: &AppError) -> Response {
    let text = match ui.lang {
        crate::i18n::Lang::En => e.message_en.clone(),
        crate::i18n::Lang::Vi => e.message_vi.clone(),
    };
    let mut r = crate::pages::login_failed_page(ui, status, &text, code);
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

pub async fn callback(
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    ui: UiLang,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(ip) = peer
        && let Err(wait) = s.public.login.check(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    let query = query.unwrap_or_default();
    let state_param = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let cookie_name = binding_cookie_name(&state_param);
    let bound = !state_param.is_empty()
        && jar
            .get(&cookie_name)
            .is_some_and(|c| state_of_binding(c.value()) == state_param);
    let jar = jar.remove(Cookie::build(cookie_name).path("/auth/callback").build());
    match finish_login(&s, bound, &state_param, &query).await {
        Ok((secret, return_to)) => {
            // A new session secret at every login (no fixation); the old session, if any, ends.
            if let Some(old) = jar.get(SESSION_COOKIE) {
                let _ = identity::end_session(&s.app, old.value()).await;
            }
            let secure = secure_cookies(&s);
            (
                jar.add(session_cookie(secret, secure)),
                Redirect::to(&return_to),
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(code = %e.code, detail = %e.message_en, "citizen login failed");
            if e.kind != ErrorCode::Internal {
                let _ = identity::record_login_failure(&s.app, e.code, &e.message_en).await;
            }
            let status = match e.kind {
                ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            (jar, failure_page(&ui, status, e.code, &e)).into_response()
        }
    }
}

/// The callback's checks, in order; the session secret and where to go on success.
async fn finish_login(
    s: &AppState,
    bound: bool,
    state: &str,
    query: &str,
) -> Result<(String, String), AppError> {
    if !bound {
        // The attempt is left in place: the browser that started it may still finish it.
        return Err(login_error(
            "login_not_bound",
            "Đăng nhập không thành công: phiên đăng nhập này được bắt đầu trên một trình duyệt khác hoặc đã hết hạn. Vui lòng đăng nhập lại từ đầu.",
            "Sign-in failed: this sign-in was started in another browser or has expired. Please start again.",
        ));
    }
    let pending = identity::take_login(&s.app, state).await?.ok_or_else(|| {
        login_error(
            "login_expired",
            "Đăng nhập không thành công: phiên đăng nhập đã hết hạn hoặc đã được dùng. Vui lòng đăng nhập lại.",
            "Sign-in failed: this sign-in has expired or was already used. Please start again.",
        )
    })?;
    let c = client(s).await.map_err(|Problem(e)| e)?;
    let code = c
        .code_from_callback(query, &pending.state)
        .map_err(callback_error)?;
    let exchange = std::time::Instant::now();
    let login = c
        .complete_login(&code, &pending.pkce_verifier, &pending.nonce)
        .await
        .map_err(callback_error)?;
    // The seeds' "slow login": the server's exchange with the identity provider, and the whole
    // round trip from leaving for it to coming back.
    let now = s.app.now();
    s.telemetry.time(motcua_app::quality::TimingSample {
        kind: "login_idp",
        at: now,
        ms: i64::try_from(exchange.elapsed().as_millis()).unwrap_or(i64::MAX),
    });
    s.telemetry.time(motcua_app::quality::TimingSample {
        kind: "login_total",
        at: now,
        ms: (now - pending.created_at).num_milliseconds().max(0),
    });
    let who = login.identity;
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
    let secret = identity::create_session_with(&s.app, &principal, Some(&login.id_token)).await?;
    Ok((secret, pending.return_to))
}

fn callback_error(e: OidcError) -> AppError {
    match &e {
        OidcError::InsufficientAssurance { got, required } => AppError::new(
            ErrorCode::Forbidden,
            "assurance_too_low",
            format!(
                "Đăng nhập không thành công: tài khoản định danh điện tử ở mức định danh {} chưa đủ; cần mức {}. Vui lòng nâng cấp tài khoản lên mức 2 rồi đăng nhập lại.",
                got.as_deref().unwrap_or("không rõ"),
                required.join(" hoặc ")
            ),
            format!(
                "Sign-in failed: your electronic identity is at assurance level {}, which is not enough; level {} is required. Upgrade your account to level 2 and sign in again.",
                got.as_deref().unwrap_or("unknown"),
                required.join(" or ")
            ),
        ),
        OidcError::Authorization { error, .. } if error == "access_denied" => login_error(
            "login_cancelled",
            "Đăng nhập không thành công: bạn đã hủy đăng nhập tại cổng định danh.",
            "Sign-in failed: you cancelled at the identity provider.",
        ),
        OidcError::Http(_) => AppError::new(
            ErrorCode::Unavailable,
            "idp_unavailable",
            "Không kết nối được cổng định danh quốc gia, vui lòng thử lại sau.",
            "The national identity provider cannot be reached; try again later.",
        ),
        _ => login_error(
            "login_failed",
            "Đăng nhập không thành công, vui lòng thử lại.",
            &format!("Sign-in failed: {e}"),
        ),
    }
}

pub async fn logout(
    State(s): State<AppState>,
    crate::auth::SameSite(same_site): crate::auth::SameSite,
    jar: CookieJar,
) -> Result<Response, Problem> {
    if !same_site {
        // Another site cannot sign our users out (a nuisance, and a step in session attacks).
        return Err(Problem(AppError::forbidden(
            "cross_site_request",
            "Yêu cầu từ trang khác bị từ chối.",
            "Cross-site request refused.",
        )));
    }
    let mut hint = None;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        hint = identity::end_session(&s.app, c.value()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
    // A citizen signed in through the IdP is signed out there too, or the next person at a shared
    // computer would be let straight back in as them (RP-Initiated Logout 1.0).
    let to = match (&hint, s.oidc.as_ref(), s.oidc_client.get()) {
        (Some(hint), Some(settings), Some(c)) => c
            .end_session_url(
                Some(hint),
                &format!("{}/", settings.public_url.trim_end_matches('/')),
            )
            .map(|u| u.to_string()),
        _ => None,
    };
    Ok((jar, Redirect::to(to.as_deref().unwrap_or("/"))).into_response())
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
        && let Err(wait) = s.login_limit.check(ip)
    {
        return Ok(crate::ratelimit::sign_in_wait_problem(wait));
    }
    let creds: StaffLogin = serde_json::from_slice(&body).map_err(|e| {
        crate::problem::bad_request(
            "malformed_json",
            &format!("JSON không hợp lệ: {e}"),
            &format!("Invalid JSON: {e}"),
        )
    })?;
    let username = creds.username.trim();
    if let Err(wait) = s.sign_in.check(username, peer) {
        return Ok(crate::ratelimit::sign_in_wait_problem(wait));
    }
    let principal =
        match identity::login_staff(&s.app, username, &creds.password, creds.totp.as_deref()).await
        {
            Ok(p) => {
                s.sign_in.succeeded(username, peer);
                p
            }
            Err(e) => {
                if e.kind != ErrorCode::Internal && e.code != "totp_required" {
                    s.sign_in.failed(username, peer);
                }
                return Err(Problem(e));
            }
        };
    if s.app.staff_totp_required && !identity::totp_enrolled(&s.app, username).await? {
        return Err(Problem(AppError::forbidden(
            "totp_enrollment_required",
            "Cán bộ phải đăng nhập hai bước: hãy đăng nhập trên trang /staff để cài đặt ứng dụng xác thực trước.",
            "Staff must use two-step sign-in: sign in at /staff to set up an authenticator app first.",
        )));
    }
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
