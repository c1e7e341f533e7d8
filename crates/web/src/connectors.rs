//! The national databases' connectors, for administrators and monitors (issue 15 item 2): the
//! page `/staff/connectors` and `GET /api/v1/connectors`. Each expected database is connected,
//! degraded, down, not yet contacted or not connected, with its last success, error rate and
//! latency over the last hour, and the deployment's "N of M connected".

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::connectors::{HealthReport, ReportStatus};
use motcua_app::identity::Principal;
use serde_json::json;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, DATE_TIME, UiLang, chrome, local_time, render};
use crate::portal::app_error;
use crate::problem::Problem;

fn summary(lang: Lang, r: &HealthReport) -> String {
    format!(
        "{} {} {} {}",
        r.connected,
        t(lang, "connectors.of"),
        r.expected,
        t(lang, "connectors.connected_suffix")
    )
}

pub async fn api(State(s): State<AppState>, Auth(p): Auth) -> Result<Response, Problem> {
    let r = motcua_app::connectors::health_view(&s.app, &p)?;
    let items: Vec<_> = r
        .items
        .iter()
        .map(|i| {
            let h = i.health.as_ref();
            json!({
                "name": i.name,
                "source": i.source,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "status": i.status,
                "last_success": h.and_then(|h| h.last_success),
                "last_failure": h.and_then(|h| h.last_failure),
                "last_error": h.and_then(|h| h.last_error.clone()),
                "error_rate": h.and_then(|h| h.error_rate),
                "calls_last_hour": h.map(|h| h.calls_last_hour),
                "latency_p50_ms": h.and_then(|h| h.latency_p50_ms),
                "latency_p95_ms": h.and_then(|h| h.latency_p95_ms),
                "breaker_open": h.map(|h| h.breaker_open),
            })
        })
        .collect();
    Ok(Json(json!({
        "connectors": items,
        "summary": {
            "connected": r.connected,
            "expected": r.expected,
            "text_vi": summary(Lang::Vi, &r),
            "text_en": summary(Lang::En, &r),
        },
        "at": r.at,
    }))
    .into_response())
}

struct Row {
    name: String,
    status: String,
    status_class: &'static str,
    last_success: String,
    error_rate: String,
    latency: String,
    calls: String,
    last_error: String,
}

#[derive(Template)]
#[template(path = "staff_connectors.html")]
struct Page {
    c: Chrome,
    summary: String,
    rows: Vec<Row>,
}

pub async fn page(ui: UiLang, MaybeAuth(who): MaybeAuth, State(s): State<AppState>) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let r = match motcua_app::connectors::health_view(&s.app, p) {
        Ok(r) => r,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let lang = ui.lang;
    let dash = "—".to_owned();
    let rows = r
        .items
        .iter()
        .map(|i| {
            let h = i.health.as_ref();
            let (status_key, status_class) = match i.status {
                ReportStatus::Connected => ("connectors.connected", "ok"),
                ReportStatus::Degraded => ("connectors.degraded", "warn"),
                ReportStatus::Down => ("connectors.down", "bad"),
                ReportStatus::Unknown => ("connectors.unknown", "warn"),
                ReportStatus::NotConnected => ("connectors.not_connected", "off"),
            };
            Row {
                name: if lang == Lang::En {
                    i.name_en
                } else {
                    i.name_vi
                }
                .to_owned(),
                status: t(lang, status_key).to_owned(),
                status_class,
                last_success: h
                    .and_then(|h| h.last_success)
                    .map(|at| local_time(&s, Some(at), DATE_TIME))
                    .unwrap_or_else(|| dash.clone()),
                error_rate: h
                    .and_then(|h| h.error_rate)
                    .map(|e| format!("{:.1}%", e * 100.0))
                    .unwrap_or_else(|| dash.clone()),
                latency: h
                    .and_then(|h| Some((h.latency_p50_ms?, h.latency_p95_ms?)))
                    .map(|(p50, p95)| format!("{p50} / {p95} ms"))
                    .unwrap_or_else(|| dash.clone()),
                calls: h
                    .map(|h| format!("{} / {}", h.errors_last_hour, h.calls_last_hour))
                    .unwrap_or_else(|| dash.clone()),
                last_error: h.and_then(|h| h.last_error.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let page = Page {
        c: chrome(&ui, &who, "connectors.title"),
        summary: summary(lang, &r),
        rows,
    };
    render(&ui, StatusCode::OK, &page)
}
