//! The Decision 766 indicators over HTTP (issue 16; SPEC §11): `GET /api/v1/indicators` for
//! anyone (the figures are public, as on the national portal), and the dossiers behind a figure,
//! `GET /api/v1/indicators/{id}/dossiers`, for the staff of the agency in scope.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use motcua_app::identity::Principal;
use motcua_app::indicators::{self, Request};
use motcua_app::{AppError, ErrorCode};
use serde_json::json;

use crate::AppState;
use crate::auth::Auth;
use crate::problem::Problem;

/// The query of both endpoints. A period is a label (`2026`, `2026-Q4`, `2026-11`) or days
/// `from`–`to` (both included); neither means the current quarter up to today.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorQuery {
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub procedure: Option<String>,
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

fn unprocessable(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::new(ErrorCode::Unprocessable, code, vi, en)
}

fn bad_query() -> AppError {
    AppError::new(
        ErrorCode::BadRequest,
        "invalid_query",
        "Tham số không hợp lệ: chỉ nhận agency, procedure, period (2026, 2026-Q4, 2026-11), from và to (YYYY-MM-DD).",
        "Invalid parameters: only agency, procedure, period (2026, 2026-Q4, 2026-11), from and to (YYYY-MM-DD).",
    )
}

fn day(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        unprocessable(
            "invalid_date",
            "Ngày phải có dạng YYYY-MM-DD, ví dụ 2026-10-01.",
            "Dates are YYYY-MM-DD, e.g. 2026-10-01.",
        )
    })
}

/// The request the query asks for, in the deployment's time zone.
pub fn request_of(s: &AppState, q: &IndicatorQuery) -> Result<Request, AppError> {
    let offset = s.app.calendar.offset();
    let today = s.app.now().with_timezone(&offset).date_naive();
    let period = match (&q.period, &q.from, &q.to) {
        (Some(label), None, None) => indicators::parse_period(label, offset).ok_or_else(|| {
            unprocessable(
                "invalid_period",
                "Kỳ phải là năm (2026), quý (2026-Q4) hoặc tháng (2026-11).",
                "A period is a year (2026), a quarter (2026-Q4) or a month (2026-11).",
            )
        })?,
        (None, from, to) => {
            let quarter_start =
                NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)
                    .unwrap_or(today);
            let from = from
                .as_deref()
                .map(day)
                .transpose()?
                .unwrap_or(quarter_start);
            let to = to.as_deref().map(day).transpose()?.unwrap_or(today);
            if (to - from).num_days() > 3 * 366 {
                return Err(unprocessable(
                    "period_too_long",
                    "Mỗi lần xem tối đa ba năm.",
                    "At most three years at a time.",
                ));
            }
            indicators::period_of_days(from, to, offset).ok_or_else(|| {
                unprocessable(
                    "invalid_period",
                    "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
                    "The start date must not be after the end date.",
                )
            })?
        }
        _ => {
            return Err(unprocessable(
                "invalid_period",
                "Chọn kỳ (period) hoặc khoảng ngày (from, to), không cả hai.",
                "Give a period or dates (from, to), not both.",
            ));
        }
    };
    let procedure = match q.procedure.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(
            motcua_domain::catalogue::ProcedureCode::parse(p)
                .map_err(|e| unprocessable("invalid_procedure", &e.to_string(), &e.to_string()))?
                .to_string(),
        ),
    };
    Ok(Request {
        agency: q
            .agency
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        procedure,
        period,
    })
}

fn query_of(
    q: Result<Query<IndicatorQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<IndicatorQuery, AppError> {
    q.map(|Query(q)| q).map_err(|_| bad_query())
}

/// `GET /api/v1/indicators`.
pub async fn api(
    State(s): State<AppState>,
    q: Result<Query<IndicatorQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let req = request_of(&s, &query_of(q)?)?;
    let figures = indicators::compute(&s.app, &req).await?;
    Ok(Json(figures).into_response())
}

/// Whether the principal works at the scope's agency or one above it (its code a prefix of the
/// scope's): the dossiers behind a figure are theirs to see.
fn covers(principal: &Principal, scope: &str) -> bool {
    match principal {
        Principal::Staff { roles, .. } => roles
            .iter()
            .any(|r| r.agency == scope || scope.starts_with(&format!("{}.", r.agency))),
        Principal::Citizen { .. } => false,
    }
}

/// `GET /api/v1/indicators/{id}/dossiers`: the dossiers a figure counts, for the staff in scope.
pub async fn api_behind(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    q: Result<Query<IndicatorQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let req = request_of(&s, &query_of(q)?)?;
    let Some(scope) = req.agency.clone() else {
        return Err(unprocessable(
            "agency_required",
            "Cần chọn cơ quan (agency) để xem danh sách hồ sơ.",
            "Name the agency (agency) to list its dossiers.",
        )
        .into());
    };
    if !covers(&p, &scope) {
        return Err(AppError::forbidden(
            "not_in_scope",
            "Bạn chỉ xem được hồ sơ của cơ quan mình và các đơn vị trực thuộc.",
            "You see only the dossiers of your agency and the units under it.",
        )
        .into());
    }
    let list = indicators::behind(&s.app, &req, &id).await?;
    let counted = list.iter().filter(|b| b.counted).count();
    Ok(Json(json!({
        "indicator": id,
        "from": req.period.from,
        "to": req.period.to,
        "denominator": list.len(),
        "numerator": counted,
        "dossiers": list,
    }))
    .into_response())
}
