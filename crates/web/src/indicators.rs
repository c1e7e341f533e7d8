//! The Decision 766 indicators over HTTP (issue 16; SPEC §11): `GET /api/v1/indicators` for
//! anyone (the figures are public, as on the national portal), and the dossiers behind a figure,
//! `GET /api/v1/indicators/{id}/dossiers`, for the staff of the agency in scope; and the staff
//! dashboard `/staff/indicators`: figures, targets and who is behind, province → commune →
//! procedure → the dossiers themselves.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use motcua_app::identity::Principal;
use motcua_app::indicators::{self, Part, Request};
use motcua_app::targets::{self, Target};
use motcua_app::{AppError, ErrorCode};
use motcua_domain::indicators::{Figure, Unit};
use serde_json::json;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, UiLang, chrome, render};
use crate::portal::app_error;
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
    // Days are checked even when a period label wins over them (a schema cannot say "not both").
    let from = q.from.as_deref().map(day).transpose()?;
    let to = q.to.as_deref().map(day).transpose()?;
    let period = match (&q.period, from, to) {
        (Some(label), _, _) => indicators::parse_period(label, offset).ok_or_else(|| {
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
            let from = from.unwrap_or(quarter_start);
            // From a day still ahead: that day alone, not an error.
            let to = to.unwrap_or(today.max(from));
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
    };
    let procedure = match q.procedure.as_deref().map(str::trim) {
        None => None,
        Some(p) => Some(
            motcua_domain::catalogue::ProcedureCode::parse(p)
                .map_err(|e| unprocessable("invalid_procedure", &e.to_string(), &e.to_string()))?
                .to_string(),
        ),
    };
    if q.agency.as_deref().is_some_and(|a| a.trim().is_empty()) {
        return Err(unprocessable(
            "invalid_agency",
            "Mã cơ quan chỉ gồm chữ, số và dấu chấm, ví dụ H31.11341.",
            "An agency code has letters, digits and dots only, e.g. H31.11341.",
        ));
    }
    Ok(Request {
        agency: q.agency.as_deref().map(str::trim).map(str::to_owned),
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

// ---------------------------------------------------------------------------------------------
// The staff dashboard: figures, targets and who is behind, down to the late dossiers.
// ---------------------------------------------------------------------------------------------

/// The scope a staff member sees by default: the highest agency they hold a role at.
fn home_scope(p: &Principal) -> Option<String> {
    match p {
        Principal::Staff { roles, .. } => roles
            .iter()
            .map(|r| r.agency.clone())
            .min_by_key(|a| (a.matches('.').count(), a.clone())),
        Principal::Citizen { .. } => None,
    }
}

/// The agency a staff page is about: the one asked for if the principal works there or above
/// it, else their own; `Err(None)` when they hold no role anywhere.
fn staff_scope(p: &Principal, q: &DashQuery) -> Result<String, Option<AppError>> {
    let scope = q
        .agency
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| home_scope(p))
        .ok_or(None)?;
    if covers(p, &scope) {
        Ok(scope)
    } else {
        Err(Some(AppError::forbidden(
            "not_in_scope",
            "Bạn chỉ xem được số liệu và hồ sơ của cơ quan mình và các đơn vị trực thuộc.",
            "You see only the figures and dossiers of your agency and the units under it.",
        )))
    }
}

/// The periods offered on the dashboard: (label, query value).
fn period_choices(s: &AppState, lang: Lang) -> Vec<(String, String)> {
    let offset = s.app.calendar.offset();
    let today = s.app.now().with_timezone(&offset).date_naive();
    let q = today.month0() / 3 + 1;
    let (py, pq) = if q == 1 {
        (today.year() - 1, 4)
    } else {
        (today.year(), q - 1)
    };
    let prev_month = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let word = |k: &str| t(lang, k).to_owned();
    vec![
        (
            format!("{} {}-Q{q}", word("dash.quarter"), today.year()),
            format!("{}-Q{q}", today.year()),
        ),
        (
            format!("{} {py}-Q{pq}", word("dash.quarter")),
            format!("{py}-Q{pq}"),
        ),
        (
            format!("{} {}", word("dash.month"), today.format("%Y-%m")),
            today.format("%Y-%m").to_string(),
        ),
        (
            format!("{} {}", word("dash.month"), prev_month.format("%Y-%m")),
            prev_month.format("%Y-%m").to_string(),
        ),
        (
            format!("{} {}", word("dash.year"), today.year()),
            today.year().to_string(),
        ),
        (
            format!("{} {}", word("dash.year"), today.year() - 1),
            (today.year() - 1).to_string(),
        ),
    ]
}

fn rate_text(lang: Lang, f: &Figure) -> String {
    match (f.measured, f.rate) {
        (false, _) => t(lang, "stats.not_measured").to_owned(),
        (true, None) => t(lang, "stats.not_applicable").to_owned(),
        (true, Some(v)) if f.unit == Unit::WorkingMinutes => format!("{:.1} h", v / 60.0),
        (true, Some(v)) => format!("{v:.2}%"),
    }
}

struct FigureRow {
    id: String,
    /// The id as Decision 766 numbers it (1.1 … 5.4); empty for our own figures (receipt_8h),
    /// which are named only in words.
    number: String,
    name: String,
    count: String,
    rate: String,
    points: String,
    target: String,
    /// `met`, `behind` or empty.
    state: &'static str,
    state_text: String,
    /// The dossiers behind it can be listed.
    drill: bool,
}

struct PartRow {
    key: String,
    name: String,
    dossiers: u64,
    cells: Vec<String>,
    total: String,
    /// For sorting: the total, or −1 when there is none.
    score: f64,
    behind: String,
}

#[derive(Template)]
#[template(path = "staff_indicators.html")]
struct DashPage {
    c: Chrome,
    scope: String,
    scope_name: String,
    query: String,
    period: String,
    periods: Vec<(String, String, bool)>,
    procedure: Option<String>,
    dossiers: u64,
    total: String,
    band: String,
    groups: Vec<(String, String)>,
    rows: Vec<FigureRow>,
    columns: Vec<String>,
    children: Vec<PartRow>,
    procedures: Vec<PartRow>,
    can_set: bool,
    targetable: Vec<(String, String)>,
    year: i32,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    procedure: Option<String>,
}

/// The figures compared on the breakdown tables.
const COMPARED: [&str; 4] = ["2.1", "3.3", "4.2", "5.4"];

fn behind_list(
    lang: Lang,
    r: &motcua_domain::indicators::Report,
    goals: &BTreeMap<String, Target>,
) -> Vec<String> {
    goals
        .values()
        .filter_map(|g| {
            let rate = if g.indicator == "total" {
                r.total
            } else {
                r.indicators.get(&g.indicator).and_then(|f| f.rate)
            };
            (targets::met(rate, g.target) == Some(false)).then(|| {
                format!(
                    "{} < {}",
                    motcua_app::indicators::name(&g.indicator, lang.code()),
                    g.target
                )
            })
        })
        .collect()
}

fn part_row(lang: Lang, p: &Part, goals: &BTreeMap<String, Target>) -> PartRow {
    PartRow {
        key: p.key.clone(),
        name: if lang == Lang::En && !p.name_en.is_empty() {
            p.name_en.clone()
        } else {
            p.name_vi.clone()
        },
        dossiers: p.dossiers,
        cells: COMPARED
            .iter()
            .map(|id| {
                p.report
                    .indicators
                    .get(*id)
                    .map(|f| rate_text(lang, f))
                    .unwrap_or_default()
            })
            .collect(),
        total: p
            .report
            .total
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "–".into()),
        score: p.report.total.unwrap_or(-1.0),
        behind: behind_list(lang, &p.report, goals).join("; "),
    }
}

/// `GET /staff/indicators`.
pub async fn dashboard(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    q: Result<Query<DashQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let lang = ui.lang;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let scope = match staff_scope(p, &q) {
        Ok(s) => s,
        Err(None) => return Redirect::to("/staff").into_response(),
        Err(Some(e)) => return app_error(&ui, &who, &e),
    };
    let choices = period_choices(&s, lang);
    let period = q
        .period
        .clone()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| choices[0].1.clone());
    let iq = IndicatorQuery {
        agency: Some(scope.clone()),
        procedure: q.procedure.clone(),
        period: Some(period.clone()),
        from: None,
        to: None,
    };
    let req = match request_of(&s, &iq) {
        Ok(r) => r,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let year = req
        .period
        .from
        .with_timezone(&s.app.calendar.offset())
        .year();
    // The figures, the units under the scope and its procedures, from one read.
    let indicators::Breakdown {
        figures,
        agencies,
        procedures,
    } = match indicators::breakdown(&s.app, &req, q.procedure.is_none()).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    // One read of the targets for the scope, the agencies above it and the units under it.
    let in_force = match targets::in_force_around(&s.app, &scope, year).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let goals = in_force.for_agency(&scope);
    let mut rows = Vec::new();
    for (id, vi, en) in indicators::NAMES {
        let name = if lang == Lang::En { en } else { vi }.to_owned();
        let (count, rate, points, value) = if id == "total" {
            (
                String::new(),
                figures
                    .report
                    .total
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_else(|| t(lang, "stats.not_applicable").to_owned()),
                String::new(),
                figures.report.total,
            )
        } else {
            let Some(f) = figures.report.indicators.get(id) else {
                continue;
            };
            (
                format!("{}/{}", f.numerator, f.denominator),
                rate_text(lang, f),
                match f.points {
                    Some(p) => format!("{p:.2}/{}", f.max),
                    None if f.max > 0.0 => format!("–/{}", f.max),
                    None => String::new(),
                },
                f.rate.filter(|_| f.measured),
            )
        };
        let goal = goals.get(id);
        let (state, state_text) = match goal.and_then(|g| targets::met(value, g.target)) {
            Some(true) => ("met", t(lang, "dash.met").to_owned()),
            Some(false) => ("behind", t(lang, "dash.behind").to_owned()),
            None => ("", String::new()),
        };
        rows.push(FigureRow {
            drill: indicators::ratio_of(&Default::default(), id).is_some(),
            number: if id.starts_with(|c: char| c.is_ascii_digit()) {
                id.to_owned()
            } else {
                String::new()
            },
            id: id.to_owned(),
            name,
            count,
            rate,
            points,
            target: goal
                .map(|g| {
                    if g.set_for == scope {
                        format!("≥ {}", g.target)
                    } else {
                        format!("≥ {} ({})", g.target, g.set_for)
                    }
                })
                .unwrap_or_default(),
            state,
            state_text,
        });
    }
    let mut children = Vec::new();
    for part in agencies.iter().filter(|p| p.dossiers > 0) {
        children.push(part_row(lang, part, &in_force.for_agency(&part.key)));
    }
    // Who is behind first, then the lowest scores.
    children.sort_by(|a, b| {
        a.behind
            .is_empty()
            .cmp(&b.behind.is_empty())
            .then(a.score.total_cmp(&b.score))
    });
    let procedures: Vec<_> = procedures
        .iter()
        .map(|p| part_row(lang, p, &goals))
        .collect();
    let can_set = matches!(p, Principal::Staff { roles, .. }
        if roles.iter().any(|r| r.role == motcua_domain::lifecycle::Role::Admin
            && (r.agency == scope || scope.starts_with(&format!("{}.", r.agency)))));
    let scope_name = figures
        .agency
        .as_ref()
        .map(|a| {
            if lang == Lang::En {
                a.name_en.clone()
            } else {
                a.name_vi.clone()
            }
        })
        .unwrap_or_default();
    let query = form_urlencoded(&[
        ("agency", scope.as_str()),
        ("period", period.as_str()),
        ("procedure", q.procedure.as_deref().unwrap_or("")),
    ]);
    let page = DashPage {
        c: chrome(&ui, &who, "dash.title"),
        scope: scope.clone(),
        scope_name,
        query,
        periods: choices
            .into_iter()
            .map(|(label, value)| {
                let selected = value == period;
                (label, value, selected)
            })
            .collect(),
        period,
        procedure: q.procedure.clone(),
        dossiers: figures.dossiers,
        total: figures
            .report
            .total
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| t(lang, "stats.not_applicable").to_owned()),
        band: figures
            .report
            .band
            .map(|b| crate::statistics::band_name(lang, Some(b)))
            .unwrap_or_default(),
        groups: figures
            .report
            .groups
            .iter()
            .map(|(g, v)| {
                (
                    t(lang, &format!("dash.group.{g}")).to_owned(),
                    format!(
                        "{} / {}",
                        v.score
                            .map(|s| format!("{s:.2}"))
                            .unwrap_or_else(|| "–".into()),
                        v.max
                    ),
                )
            })
            .collect(),
        rows,
        columns: COMPARED
            .iter()
            .map(|id| indicators::name(id, lang.code()).to_owned())
            .collect(),
        children,
        procedures,
        can_set,
        targetable: indicators::NAMES
            .iter()
            .filter(|(id, _, _)| targets::targetable(id))
            .map(|(id, vi, en)| {
                let name = if lang == Lang::En { *en } else { *vi };
                (
                    (*id).to_owned(),
                    // Decision 766 numbers lead the name; our own figures are named in words.
                    if id.starts_with(|c: char| c.is_ascii_digit()) {
                        format!("{id} · {name}")
                    } else {
                        name.to_owned()
                    },
                )
            })
            .collect(),
        year,
    };
    render(&ui, StatusCode::OK, &page)
}

fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

struct DossierRow {
    code: String,
    procedure: String,
    agency: String,
    counted: bool,
}

#[derive(Template)]
#[template(path = "staff_indicator_dossiers.html")]
struct DossiersPage {
    c: Chrome,
    id: String,
    name: String,
    query: String,
    numerator: usize,
    denominator: usize,
    rows: Vec<DossierRow>,
}

/// `GET /staff/indicators/{id}`: the dossiers behind a figure, those not counted (late, not
/// online…) first.
pub async fn dossiers_page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<DashQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let scope = match staff_scope(p, &q) {
        Ok(s) => s,
        Err(None) => return Redirect::to("/staff").into_response(),
        Err(Some(e)) => return app_error(&ui, &who, &e),
    };
    let iq = IndicatorQuery {
        agency: Some(scope.clone()),
        procedure: q.procedure.clone(),
        period: q.period.clone(),
        from: None,
        to: None,
    };
    let req = match request_of(&s, &iq) {
        Ok(r) => r,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let mut list = match indicators::behind(&s.app, &req, &id).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    list.sort_by(|a, b| a.counted.cmp(&b.counted).then(a.code.cmp(&b.code)));
    let numerator = list.iter().filter(|b| b.counted).count();
    let page = DossiersPage {
        c: chrome(&ui, &who, "dash.dossiers_title"),
        name: indicators::name(&id, ui.lang.code()).to_owned(),
        id,
        query: form_urlencoded(&[
            ("agency", scope.as_str()),
            ("period", q.period.as_deref().unwrap_or("")),
            ("procedure", q.procedure.as_deref().unwrap_or("")),
        ]),
        numerator,
        denominator: list.len(),
        rows: list
            .into_iter()
            .map(|b| DossierRow {
                code: b.code,
                procedure: b.procedure,
                agency: b.agency,
                counted: b.counted,
            })
            .collect(),
    };
    render(&ui, StatusCode::OK, &page)
}

#[derive(Debug, serde::Deserialize)]
pub struct TargetForm {
    agency: String,
    year: i32,
    indicator: String,
    /// Empty removes the target.
    #[serde(default)]
    target: String,
    #[serde(default)]
    period: String,
}

/// `POST /staff/indicators/targets`: an administrator sets or removes a target.
pub async fn set_target(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Form(f): Form<TargetForm>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let target = match f.target.trim().replace(',', ".") {
        v if v.is_empty() => None,
        v => match v.parse::<f64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::new(
                    ErrorCode::Unprocessable,
                    "invalid_target",
                    "Chỉ tiêu là một số từ 0 đến 100.",
                    "A target is a number from 0 to 100.",
                );
                return app_error(&ui, &who, &e);
            }
        },
    };
    match targets::set(
        &s.app,
        p,
        f.agency.trim(),
        f.year,
        f.indicator.trim(),
        target,
    )
    .await
    {
        Ok(()) => Redirect::to(&format!(
            "/staff/indicators?{}",
            form_urlencoded(&[("agency", f.agency.trim()), ("period", f.period.trim())])
        ))
        .into_response(),
        Err(e) => app_error(&ui, &who, &e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsQuery {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    year: Option<i32>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    agency: String,
    year: i32,
    indicator: String,
    /// `null` removes the agency's own target (it then takes the one above it, if any).
    target: Option<f64>,
}

async fn targets_json(s: &AppState, agency: &str, year: i32) -> Result<Response, Problem> {
    let goals = targets::effective(&s.app, agency, year).await?;
    let list: Vec<_> = goals
        .values()
        .map(|g| json!({ "indicator": g.indicator, "target": g.target, "set_for": g.set_for }))
        .collect();
    Ok(Json(json!({ "agency": agency, "year": year, "targets": list })).into_response())
}

/// `GET /api/v1/indicators/targets?agency=&year=`: the targets in force for an agency (its own,
/// else those of the agencies above it). Public, like the figures they are set for.
pub async fn api_targets(
    State(s): State<AppState>,
    q: Result<Query<TargetsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = q.map_err(|_| {
        AppError::new(
            ErrorCode::BadRequest,
            "invalid_query",
            "Tham số không hợp lệ: chỉ nhận agency và year.",
            "Invalid parameters: only agency and year.",
        )
    })?;
    let Some(agency) = q.agency.as_deref().map(str::trim).filter(|a| !a.is_empty()) else {
        return Err(unprocessable(
            "agency_required",
            "Cần chọn cơ quan (agency).",
            "Name the agency (agency).",
        )
        .into());
    };
    let agency = indicators::find_agency(&s.app, agency).await?.code;
    let year = q
        .year
        .unwrap_or_else(|| s.app.now().with_timezone(&s.app.calendar.offset()).year());
    if !(2020..=2100).contains(&year) {
        return Err(unprocessable(
            "invalid_year",
            "Năm phải từ 2020 đến 2100.",
            "The year must be between 2020 and 2100.",
        )
        .into());
    }
    targets_json(&s, &agency, year).await
}

/// `PUT /api/v1/indicators/targets`: an administrator of the agency or of one above it sets (or
/// with `target: null` removes) a target; audited. Answers the targets then in force.
pub async fn api_set_target(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let (b, _): (TargetBody, serde_json::Value) = crate::api::parse_json(&body)?;
    targets::set(
        &s.app,
        &p,
        b.agency.trim(),
        b.year,
        b.indicator.trim(),
        b.target,
    )
    .await?;
    targets_json(&s, b.agency.trim(), b.year).await
}
