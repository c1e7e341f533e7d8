//! The HTTP edge of motcua: the JSON API under `/api/v1`, citizen login through OpenID Connect,
//! staff login, health and readiness. Handlers are thin: parse, call a use case, render.

pub mod access;
pub mod admin;
pub mod api;
pub mod assist;
pub mod assistant;
pub mod auth;
pub mod connectors;
pub mod download;
pub mod edge;
pub mod feedback;
pub mod i18n;
pub mod indicators;
pub mod info;
pub mod intake;
pub mod login;
pub mod notifications;
pub mod openapi;
pub mod pages;
pub mod payments;
pub mod portal;
pub mod problem;
pub mod quality;
pub mod ratelimit;
pub mod reconciliation;
pub mod redirect;
pub mod signing;
pub mod staff;
pub mod statistics;
pub mod telemetry;
pub mod verify;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post, put};
use motcua_app::App;
use motcua_gateways::oidc::OidcClient;
use tokio::sync::OnceCell;
use tower_http::set_header::SetResponseHeaderLayer;

/// How the citizen login reaches the national IdP.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Our public base URL, e.g. `http://127.0.0.1:8080` (for the redirect URI).
    pub public_url: String,
    /// Scopes, required assurance levels and claim names of this deployment's provider.
    pub options: motcua_gateways::oidc::RpOptions,
}

/// The state every handler shares, behind one `Arc`: axum clones it for each request, and a clone
/// is then a reference count rather than a copy of the deployment's settings (a profile of public
/// tracking found those copies and their frees among its hottest work).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl AppState {
    pub fn new(app: App, oidc: Option<OidcSettings>) -> Self {
        Shared::new(app, oidc).into()
    }
}

/// What [`AppState`] holds; set up as a `Shared`, then turned into the state.
pub struct Shared {
    pub app: App,
    pub oidc: Option<OidcSettings>,
    /// Discovered lazily: the simulated IdP may be served by this very process.
    pub oidc_client: Arc<OnceCell<OidcClient>>,
    /// Abuse limits of the public surface (SPEC §15: rate limits on lookup).
    pub public: Arc<ratelimit::PublicLimits>,
    /// Staff password attempts per client address.
    pub login_limit: Arc<ratelimit::RateLimiter>,
    /// Growing delays after failed staff sign-ins (per account, and per account and address).
    pub sign_in: Arc<ratelimit::SignInThrottle>,
    /// The remote signing service applicants may sign with (none: not offered).
    pub remote_signing: Option<signing::RemoteSigning>,
    /// The public URL is https: cookies are `Secure` and browsers are told HSTS.
    pub public_https: bool,
    /// The payment gateway (none: fees are paid at the desk).
    pub vnpay: Option<Arc<motcua_gateways::vnpay::Vnpay>>,
    /// What the server records about itself (`/metrics`, `/staff/quality`).
    pub telemetry: Arc<telemetry::Telemetry>,
    /// `MOTCUA_METRICS_TOKEN`: when set, `/metrics` answers only a scraper presenting it.
    pub metrics_token: Option<String>,
    /// Last month's portal quality as the public page summarises it, kept a few minutes.
    pub monthly_quality: Arc<tokio::sync::Mutex<Option<statistics::MonthlyQuality>>>,
}

impl Shared {
    pub fn new(app: App, oidc: Option<OidcSettings>) -> Self {
        let telemetry = Arc::new(telemetry::Telemetry::new(&app));
        let public_https = app.public_url.starts_with("https://");
        Self {
            app,
            oidc,
            oidc_client: Arc::new(OnceCell::new()),
            public: Arc::new(ratelimit::PublicLimits::default()),
            sign_in: Arc::new(ratelimit::SignInThrottle::default()),
            public_https,
            login_limit: Arc::new(ratelimit::RateLimiter::new(
                10,
                std::time::Duration::from_secs(60),
            )),
            remote_signing: None,
            vnpay: None,
            telemetry,
            metrics_token: None,
            monthly_quality: Arc::default(),
        }
    }
}

/// Largest request body for attachment uploads (the per-component limit is checked separately).
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    // Browsers are told to use HTTPS only when we are served over HTTPS (an HSTS header on a plain
    // HTTP demo would lock localhost out of HTTP for a year).
    let hsts = state
        .public_https
        .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/procedures", get(api::list_procedures))
        .route("/procedures/{code}", get(api::get_procedure))
        .route("/assistant", get(assistant::api))
        .route(
            "/dossiers",
            post(api::create_dossier).get(api::list_dossiers),
        )
        .route(
            "/dossiers/{code}",
            get(api::get_dossier).delete(api::delete_draft),
        )
        .route("/dossiers/{code}/form", put(api::save_form))
        .route(
            "/dossiers/{code}/attachments",
            post(api::add_attachment).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/dossiers/{code}/attachments/{id}",
            get(api::get_attachment),
        )
        .route("/dossiers/{code}/notices/{kind}", get(api::get_notice))
        .route("/dossiers/{code}/submit", post(api::submit))
        .route("/dossiers/{code}/payments", post(payments::api_start))
        .route("/payments/reconciliation", get(reconciliation::api))
        .route("/connectors", get(connectors::api))
        .route("/sync/npsp", get(notifications::npsp_api))
        .route(
            "/dossiers/{code}/actions",
            post(api::act).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/track/{code}", get(api::track))
        .route("/provinces/{code}/communes", get(api::communes))
        .route("/feedback", post(feedback::api_submit))
        .route("/feedback/{code}", get(feedback::api_get))
        .route("/documents/{id}", get(verify::api_facts))
        .route("/documents/{id}/revoke", post(verify::api_revoke))
        .route(
            "/verify",
            post(verify::api_check).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/me", get(api::me))
        .route("/me/documents", get(api::my_documents))
        .route("/me/access-log", get(access::api))
        .route("/me/warehouse", get(api::my_warehouse))
        .route("/me/enterprises", get(api::my_enterprises))
        .route("/indicators", get(indicators::api))
        .route(
            "/indicators/targets",
            get(indicators::api_targets).put(indicators::api_set_target),
        )
        .route("/indicators/{id}/dossiers", get(indicators::api_behind))
        .route("/auth/staff", post(login::staff_login))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn(edge::api));
    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/tro-giup", get(info::help))
        .route("/lien-he", get(info::contact))
        .route("/tiep-can", get(info::accessibility))
        .route("/quyen-rieng-tu", get(info::privacy))
        .route("/tro-ly", get(assistant::page))
        .route("/procedures/{code}", get(pages::procedure))
        .route("/track", get(pages::track))
        .route("/thong-ke", get(statistics::page))
        .route("/thong-ke/du-lieu.csv", get(statistics::csv))
        .route("/thong-ke/du-lieu.json", get(statistics::json))
        .route("/phan-anh", get(feedback::page).post(feedback::send))
        .route("/phan-anh/{code}", get(feedback::item))
        .route("/phan-anh/{code}/details", post(feedback::details_post))
        .route("/phan-anh/{code}/rate", post(feedback::rate_post))
        .route("/staff/feedback", get(feedback::staff_list))
        .route("/staff/feedback/{code}", get(feedback::staff_item))
        .route("/staff/feedback/{code}/act", post(feedback::staff_act))
        .route(
            "/apply/{code}",
            get(portal::apply_start).post(portal::apply_create),
        )
        .route("/my", get(portal::my_list))
        .route("/my/documents", get(portal::my_documents))
        .route("/my/access-log", get(access::page))
        .route(
            "/my/settings",
            get(notifications::settings_get).post(notifications::settings_post),
        )
        .route(
            "/staff/settings",
            get(notifications::settings_get).post(notifications::settings_post),
        )
        .route("/staff/outbox", get(notifications::outbox))
        .route("/staff/payments", get(reconciliation::page))
        .route("/staff/connectors", get(connectors::page))
        .route("/staff/indicators", get(indicators::dashboard))
        .route("/staff/quality", get(quality::page))
        .route("/staff/indicators/targets", post(indicators::set_target))
        .route("/staff/indicators/{id}", get(indicators::dossiers_page))
        .route(
            "/staff/outbox/{id}/retry",
            post(notifications::outbox_retry),
        )
        .route("/my/{code}", get(portal::my_dossier))
        .route(
            "/my/{code}/form",
            get(portal::form_get).post(portal::form_post),
        )
        .route(
            "/my/{code}/files",
            get(portal::files_get)
                .post(portal::files_post)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/my/{code}/files/warehouse",
            post(portal::files_from_warehouse),
        )
        .route("/my/{code}/check", get(portal::check_get))
        .route("/my/{code}/submit", post(portal::submit_post))
        .route("/my/{code}/done", get(portal::done))
        .route("/my/{code}/supplement", post(portal::supplement_post))
        .route(
            "/my/{code}/withdraw",
            get(portal::withdraw_get).post(portal::withdraw_post),
        )
        .route(
            "/my/{code}/delete",
            get(portal::delete_get).post(portal::delete_post),
        )
        .route("/my/{code}/rate", post(portal::rate_post))
        .route("/my/{code}/pay", post(payments::portal_start))
        .route("/payments/vnpay/ipn", get(payments::ipn))
        .route("/payments/vnpay/return", get(payments::return_page))
        .route("/staff", get(staff::home))
        .route("/staff/login", post(staff::login))
        .route("/staff/dossiers/{code}", get(staff::dossier))
        .route("/staff/dossiers/{code}/audit", get(staff::audit))
        .route(
            "/staff/dossiers/{code}/result-preview",
            post(staff::result_preview),
        )
        .route(
            "/staff/security",
            get(staff::security).post(staff::security_post),
        )
        .route(
            "/staff/dossiers/{code}/act",
            post(staff::act).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/staff/intake",
            get(intake::start_get).post(intake::start_post),
        )
        .route(
            "/staff/intake/{code}/form",
            get(portal::form_get).post(portal::form_post),
        )
        .route(
            "/staff/intake/{code}/files",
            get(portal::files_get)
                .post(portal::files_post)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/staff/intake/{code}/check", get(portal::check_get))
        .route("/staff/intake/{code}/submit", post(portal::submit_post))
        .route(
            "/staff/assist",
            get(assist::start_get).post(assist::start_post),
        )
        .route(
            "/staff/consent/{id}",
            get(assist::consent_get).post(assist::consent_post),
        )
        .route(
            "/staff/assist/{code}/form",
            get(portal::form_get).post(portal::form_post),
        )
        .route(
            "/staff/assist/{code}/files",
            get(portal::files_get)
                .post(portal::files_post)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/staff/assist/{code}/check", get(portal::check_get))
        .route("/staff/assist/{code}/submit", post(portal::submit_post))
        .route("/verify/ca.pem", get(verify::ca_pem))
        .route("/audit/checkpoints", get(verify::audit_checkpoints))
        .route(
            "/verify",
            get(verify::index)
                .post(verify::check_any)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/verify/{id}",
            get(verify::document)
                .post(verify::check_document)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/staff/documents/{id}/revoke", post(verify::staff_revoke))
        .route("/staff/admin", get(admin::show))
        .route("/staff/dossiers/{code}/files/{id}", get(staff::file_view))
        .route("/staff/admin/{agency}/staff", post(admin::create))
        .route("/staff/admin/{agency}/points/{code}", post(admin::point))
        .route("/staff/admin/{agency}/workflow", post(admin::workflow))
        .route("/staff/admin/{agency}/paperless", post(admin::paperless))
        .route(
            "/staff/admin/{agency}/staff/{username}/{what}",
            post(admin::change),
        )
        .route("/staff/dossiers/{code}/notices/{kind}", get(verify::notice))
        .route("/my/{code}/notices/{kind}", get(verify::notice))
        .route("/my/{code}/sign", get(signing::form).post(signing::start))
        .route("/my/{code}/sign/confirm", post(signing::confirm))
        .route("/my/{code}/signed/{file}", get(signing::download))
        .route(
            "/staff/dossiers/{code}/signed/{file}",
            get(signing::download),
        )
        .route("/static/site.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/my/{code}/autosave", post(portal::autosave))
        .route("/health", get(api::health))
        .route("/metrics", get(telemetry::metrics))
        .route("/ready", get(api::ready))
        .route("/auth/login", get(login::start))
        .route("/auth/callback", get(login::callback))
        .route("/auth/logout", post(login::logout))
        .nest("/api/v1", api)
        .fallback(pages::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::record,
        ))
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(axum::middleware::from_fn(edge::site))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::anonymous,
        ))
        // Nothing personal is kept by browsers or proxies; the few public, immutable resources
        // (stylesheet, script, checkpoints) say so themselves.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
        ))
        // OWASP ASVS 14.4 habits: a strict CSP (no inline script or style anywhere in our pages), no
        // MIME sniffing, no framing, no referrer leaking dossier codes to other sites.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Pages and JSON are small text; gzip keeps them light on a slow 3G phone (SPEC §15).
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Every API route as (method, OpenAPI path); the OpenAPI test checks they are all documented.
pub const API_ROUTES: [(&str, &str); 35] = [
    ("get", "/procedures"),
    ("get", "/procedures/{code}"),
    ("get", "/assistant"),
    ("post", "/dossiers"),
    ("get", "/dossiers"),
    ("get", "/dossiers/{code}"),
    ("delete", "/dossiers/{code}"),
    ("put", "/dossiers/{code}/form"),
    ("post", "/dossiers/{code}/attachments"),
    ("get", "/dossiers/{code}/attachments/{id}"),
    ("get", "/dossiers/{code}/notices/{kind}"),
    ("post", "/dossiers/{code}/submit"),
    ("post", "/dossiers/{code}/payments"),
    ("get", "/payments/reconciliation"),
    ("get", "/connectors"),
    ("get", "/sync/npsp"),
    ("post", "/dossiers/{code}/actions"),
    ("get", "/track/{code}"),
    ("get", "/provinces/{code}/communes"),
    ("post", "/feedback"),
    ("get", "/feedback/{code}"),
    ("get", "/me"),
    ("get", "/me/documents"),
    ("get", "/me/access-log"),
    ("get", "/me/warehouse"),
    ("get", "/me/enterprises"),
    ("get", "/indicators"),
    ("get", "/indicators/targets"),
    ("put", "/indicators/targets"),
    ("get", "/indicators/{id}/dossiers"),
    ("post", "/auth/staff"),
    ("get", "/openapi.json"),
    ("get", "/documents/{id}"),
    ("post", "/documents/{id}/revoke"),
    ("post", "/verify"),
];
