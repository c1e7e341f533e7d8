//! `/staff/quality`: the portal's own quality for operators (issue 16 item 5) — server errors
//! per page and endpoint, payment failures by cause, the sign-in's round trip to the identity
//! provider, where applicants stop, drafts resumed, page weight — from what the server recorded.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use motcua_app::identity::Principal;
use motcua_app::quality::{Percentiles, QualityReport};
use motcua_domain::lifecycle::Role;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, UiLang, chrome, render};
use crate::portal::app_error;

#[derive(Debug, Default, serde::Deserialize)]
pub struct QualityQuery {
    #[serde(default)]
    days: Option<i64>,
}

struct RouteRow {
    route: String,
    requests: i64,
    errors: i64,
    error_rate: String,
    average_ms: String,
    weight: String,
}

#[derive(Template)]
#[template(path = "staff_quality.html")]
struct QualityPage {
    c: Chrome,
    days: i64,
    period: String,
    cards: Vec<(String, String)>,
    funnel: Vec<(String, u64, String)>,
    failures: Vec<(String, u64)>,
    routes: Vec<RouteRow>,
}

pub fn percent(lang: Lang, v: Option<f64>) -> String {
    match v {
        Some(v) => crate::statistics::number(lang, v),
        None => t(lang, "stats.not_applicable").to_owned(),
    }
}

pub fn seconds(lang: Lang, p: &Percentiles) -> String {
    match (p.p50_ms, p.p95_ms) {
        (Some(a), Some(b)) => format!(
            "{:.1} s / {:.1} s ({} {})",
            a as f64 / 1000.0,
            b as f64 / 1000.0,
            p.count,
            t(lang, "quality.logins")
        ),
        _ => t(lang, "stats.not_applicable").to_owned(),
    }
}

/// The share of started drafts that reached a step.
fn share(part: u64, whole: u64) -> Option<f64> {
    motcua_domain::indicators::Ratio::new(part, whole).percent()
}

fn cards(lang: Lang, r: &QualityReport) -> Vec<(String, String)> {
    vec![
        (
            t(lang, "quality.error_rate").to_owned(),
            format!(
                "{} ({} / {})",
                percent(lang, r.error_rate),
                r.server_errors,
                r.requests
            ),
        ),
        (
            t(lang, "quality.payment_failures").to_owned(),
            format!(
                "{} ({} / {})",
                percent(lang, r.payment_failure_rate),
                r.payments_failed,
                r.payments
            ),
        ),
        (
            t(lang, "quality.login_idp").to_owned(),
            seconds(lang, &r.login_idp),
        ),
        (
            t(lang, "quality.login_total").to_owned(),
            seconds(lang, &r.login_total),
        ),
        (
            t(lang, "quality.completion").to_owned(),
            format!(
                "{} ({} / {})",
                percent(lang, share(r.funnel.submitted, r.funnel.started)),
                r.funnel.submitted,
                r.funnel.started
            ),
        ),
    ]
}

/// The report of the last `days` days up to today, after writing this node's pending counts.
pub async fn recent(s: &AppState, days: i64) -> Result<QualityReport, motcua_app::AppError> {
    s.telemetry.flush(&s.app).await;
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    motcua_app::quality::report(&s.app, today - TimeDelta::days(days - 1), today).await
}

/// `GET /staff/quality`: administrators and monitors.
pub async fn page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    q: Result<Query<QualityQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(Principal::Staff { roles, .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    if !roles
        .iter()
        .any(|r| matches!(r.role, Role::Admin | Role::Monitor))
    {
        let e = motcua_app::AppError::forbidden(
            "not_operator",
            "Trang này dành cho quản trị viên và người giám sát.",
            "This page is for administrators and monitors.",
        );
        return app_error(&ui, &who, &e);
    }
    let lang = ui.lang;
    let days = q
        .ok()
        .and_then(|Query(q)| q.days)
        .unwrap_or(30)
        .clamp(1, 366);
    let r = match recent(&s, days).await {
        Ok(r) => r,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let f = &r.funnel;
    let funnel = [
        ("quality.started", f.started),
        ("quality.form_filled", f.form_filled),
        ("quality.files_attached", f.files_attached),
        ("quality.submitted", f.submitted),
        ("quality.resumed", f.resumed),
    ]
    .into_iter()
    .map(|(k, n)| (t(lang, k).to_owned(), n, percent(lang, share(n, f.started))))
    .collect();
    let routes = r
        .routes
        .iter()
        .filter(|x| x.requests > 0)
        .take(60)
        .map(|x| RouteRow {
            route: format!("{} {}", x.method, x.route),
            requests: x.requests,
            errors: x.server_errors,
            error_rate: percent(lang, Some(x.error_rate)),
            average_ms: format!("{:.0} ms", x.average_ms),
            weight: format!("{:.1} kB", x.average_bytes / 1024.0),
        })
        .collect();
    let page = QualityPage {
        c: chrome(&ui, &who, "quality.title"),
        days,
        period: format!(
            "{} – {}",
            r.from.format("%d/%m/%Y"),
            r.to.format("%d/%m/%Y")
        ),
        cards: cards(lang, &r),
        funnel,
        failures: r.payment_failures.clone().into_iter().collect(),
        routes,
    };
    render(&ui, StatusCode::OK, &page)
}

/// The public page's monthly summary: last month's figures, in words.
pub fn summary(lang: Lang, r: &QualityReport) -> Vec<(String, String)> {
    cards(lang, r)
}
