//! The public statistics page `/thong-ke` (issue 16 item 4; SPEC §11): the province's and each
//! commune's Decision 766 figures month by month, as server-rendered SVG charts that read on a
//! phone with the numbers as text, and the same figures as open data (CSV and JSON).

use std::fmt::Write;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use motcua_app::indicators::{self, Indicators, Part};
use motcua_domain::indicators::{Band, Figure};
use motcua_store::entities::agency;
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, UiLang, chrome, render};
use crate::portal::app_error;
use motcua_app::quality::QualityReport;

/// Months on the page and in the open data.
const MONTHS: u32 = 12;
/// The figures the page charts: on time, online, digitized, satisfaction.
const CHARTED: [&str; 4] = ["2.1", "3.3", "4.2", "5.4"];
/// The licence of the open data (Decree 47/2024/NĐ-CP on open data: free to reuse with the
/// source named).
const LICENCE: &str = "Dữ liệu mở theo Nghị định 47/2024/NĐ-CP: được tự do sử dụng, chia sẻ, khai thác, có ghi nguồn \"motcua\" — Open data under Decree 47/2024/ND-CP: free to use, share and build on, naming the source \"motcua\".";
/// Bumped when a column or field changes meaning.
const SCHEMA: &str = "motcua-indicators/1";

#[derive(Debug, Default, serde::Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    agency: Option<String>,
}

struct Card {
    label: String,
    value: String,
    detail: String,
}

struct Chart {
    id: String,
    title: String,
    svg: String,
    rows: Vec<(String, String, String)>,
}

struct AgencyRow {
    code: String,
    name: String,
    dossiers: u64,
    cells: Vec<String>,
    total: String,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatsPage {
    c: Chrome,
    scope_name: String,
    scope_code: String,
    choices: Vec<(String, String, bool)>,
    period_text: String,
    cards: Vec<Card>,
    total: String,
    band: String,
    charts: Vec<Chart>,
    columns: Vec<String>,
    agencies: Vec<AgencyRow>,
    notes: Vec<String>,
    /// Last month's portal quality, in words, and the month.
    quality: Vec<(String, String)>,
    quality_month: String,
}

fn name_of(lang: Lang, vi: &str, en: &str) -> String {
    if lang == Lang::En && !en.is_empty() {
        en.to_owned()
    } else {
        vi.to_owned()
    }
}

fn percent(lang: Lang, f: Option<&Figure>) -> String {
    match f {
        Some(f) if !f.measured => t(lang, "stats.not_measured").to_owned(),
        Some(Figure { rate: Some(r), .. }) => number(lang, *r),
        _ => t(lang, "stats.not_applicable").to_owned(),
    }
}

/// `96,29 %` in Vietnamese, `96.29%` in English.
pub(crate) fn number(lang: Lang, r: f64) -> String {
    let s = format!("{r:.2}");
    if lang == Lang::En {
        format!("{s}%")
    } else {
        format!("{}\u{a0}%", s.replace('.', ","))
    }
}

pub(crate) fn band_name(lang: Lang, b: Option<Band>) -> String {
    let key = match b {
        Some(Band::Excellent) => "stats.band.excellent",
        Some(Band::Good) => "stats.band.good",
        Some(Band::Fair) => "stats.band.fair",
        Some(Band::Average) => "stats.band.average",
        Some(Band::Weak) => "stats.band.weak",
        None => "stats.not_applicable",
    };
    t(lang, key).to_owned()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar per month, 0–100 %, with each value written on its bar: a chart that stays legible
/// at 390 px wide. Months without a rate get no bar and a dash.
pub fn bar_chart(id: &str, title: &str, points: &[(String, Option<f64>)]) -> String {
    const W: f64 = 360.0;
    const H: f64 = 200.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 30.0;
    let n = points.len().max(1) as f64;
    let slot = W / n;
    let bar = slot * 0.7;
    let plot = H - TOP - BOTTOM;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t" focusable="false"><title id="{id}-t">{}</title>"#,
        escape(title)
    );
    for y in [0.0, 50.0, 100.0] {
        let py = TOP + plot * (1.0 - y / 100.0);
        let _ = write!(
            svg,
            r#"<line x1="0" x2="{W}" y1="{py:.1}" y2="{py:.1}" class="grid"/>"#
        );
    }
    for (i, (label, value)) in points.iter().enumerate() {
        let x = slot * i as f64 + (slot - bar) / 2.0;
        let cx = x + bar / 2.0;
        match value {
            Some(v) => {
                let v = v.clamp(0.0, 100.0);
                let h = plot * v / 100.0;
                let y = TOP + plot - h;
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" class="bar"/><text x="{cx:.1}" y="{:.1}" class="val">{:.0}</text>"#,
                    (y - 4.0).max(11.0),
                    v
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r#"<text x="{cx:.1}" y="{:.1}" class="val">–</text>"#,
                    TOP + plot - 4.0
                );
            }
        }
        // "11/26": short enough for twelve months at phone width.
        let short = label
            .split_once('-')
            .map(|(y, m)| {
                let yy: String = y
                    .chars()
                    .skip(y.chars().count().saturating_sub(2))
                    .collect();
                format!("{m}/{yy}")
            })
            .unwrap_or_else(|| label.clone());
        let _ = write!(
            svg,
            r#"<text x="{cx:.1}" y="{:.1}" class="axis">{}</text>"#,
            H - 10.0,
            escape(&short)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The deployment's top agency (its province) when there is one, else none (all of them).
async fn default_scope(s: &AppState) -> Option<String> {
    let roots = agency::Entity::find()
        .filter(agency::Column::ParentCode.is_null())
        .all(&s.app.db)
        .await
        .ok()?;
    match roots.as_slice() {
        [one] => Some(one.code.clone()),
        _ => None,
    }
}

/// The communes (people's committees) under a province, for the chooser.
async fn communes_of(s: &AppState, province: &str) -> Vec<agency::Model> {
    agency::Entity::find()
        .filter(agency::Column::ParentCode.eq(province.to_owned()))
        .filter(agency::Column::Level.eq("commune"))
        .order_by_asc(agency::Column::NameVi)
        .all(&s.app.db)
        .await
        .unwrap_or_default()
}

fn months_period_text(lang: Lang, series: &[(String, Indicators)]) -> String {
    match (series.first(), series.last()) {
        (Some((a, _)), Some((b, _))) => format!("{} {a} – {b}", t(lang, "stats.months")),
        _ => String::new(),
    }
}

/// `GET /thong-ke`.
pub async fn page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = ui.lang;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let province = default_scope(&s).await;
    let scope = q
        .agency
        .filter(|a| !a.trim().is_empty())
        .or_else(|| province.clone());
    // Each commune's figures over the twelve months too, for the province.
    let with_parts = scope.is_some() && scope == province;
    let ov = match indicators::overview(&s.app, scope.as_deref(), MONTHS, with_parts).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let series = ov.months;
    let Some(year) = ov.whole else {
        return app_error(
            &ui,
            &who,
            &motcua_app::AppError::not_found("thống kê", "statistics"),
        );
    };
    let get = |id: &str| year.report.indicators.get(id);
    let cards = CHARTED
        .iter()
        .map(|id| Card {
            label: indicators::name(id, lang.code()).to_owned(),
            value: percent(lang, get(id)),
            detail: get(id)
                .map(|f| {
                    format!(
                        "{} / {} {}",
                        f.numerator,
                        f.denominator,
                        t(lang, "stats.dossiers_word")
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    let charts = CHARTED
        .iter()
        .map(|id| {
            let title = indicators::name(id, lang.code()).to_owned();
            let points: Vec<(String, Option<f64>)> = series
                .iter()
                .map(|(m, r)| {
                    (
                        m.clone(),
                        r.report
                            .indicators
                            .get(*id)
                            .filter(|f| f.measured)
                            .and_then(|f| f.rate),
                    )
                })
                .collect();
            let chart_id = format!("c{}", id.replace('.', "-"));
            Chart {
                svg: bar_chart(&chart_id, &title, &points),
                rows: series
                    .iter()
                    .map(|(m, r)| {
                        let f = r.report.indicators.get(*id);
                        (
                            m.clone(),
                            percent(lang, f),
                            f.map(|f| format!("{}/{}", f.numerator, f.denominator))
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                id: chart_id,
                title,
            }
        })
        .collect();
    let (scope_name, scope_code) = match &year.agency {
        Some(a) => (name_of(lang, &a.name_vi, &a.name_en), a.code.clone()),
        None => (t(lang, "stats.all").to_owned(), String::new()),
    };
    let mut choices = Vec::new();
    if let Some(p) = &province {
        choices.push((
            p.clone(),
            t(lang, "stats.whole_province").to_owned(),
            scope.as_deref() == Some(p.as_str()),
        ));
        for c in communes_of(&s, p).await {
            let selected = scope.as_deref() == Some(c.code.as_str());
            choices.push((c.code, name_of(lang, &c.name_vi, &c.name_en), selected));
        }
    }
    let agencies = ov
        .parts
        .iter()
        .filter(|p| p.dossiers > 0)
        .map(|p| agency_row(lang, p))
        .collect();
    let notes = year
        .notes
        .values()
        .map(|n| if lang == Lang::En { n.en } else { n.vi }.to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // The portal's own quality last month (the seeds' survey causes), the same for every scope.
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    let last_month_end = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let last_month_start = last_month_end.with_day(1).unwrap_or(last_month_end);
    let quality = match last_month_quality(&s, last_month_start, last_month_end).await {
        Ok(r) => crate::quality::summary(lang, &r),
        Err(e) => return app_error(&ui, &who, &e),
    };
    let page = StatsPage {
        quality,
        quality_month: last_month_start.format("%Y-%m").to_string(),
        c: chrome(&ui, &who, "stats.title"),
        scope_name,
        scope_code,
        choices,
        period_text: months_period_text(lang, &series),
        cards,
        total: year
            .report
            .total
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| t(lang, "stats.not_applicable").to_owned()),
        band: band_name(lang, year.report.band),
        charts,
        columns: CHARTED
            .iter()
            .map(|id| indicators::name(id, lang.code()).to_owned())
            .collect(),
        agencies,
        notes,
    };
    render(&ui, StatusCode::OK, &page)
}

fn agency_row(lang: Lang, p: &Part) -> AgencyRow {
    AgencyRow {
        code: p.key.clone(),
        name: name_of(lang, &p.name_vi, &p.name_en),
        dossiers: p.dossiers,
        cells: CHARTED
            .iter()
            .map(|id| percent(lang, p.report.indicators.get(*id)))
            .collect(),
        total: p
            .report
            .total
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "–".into()),
    }
}

/// One open-data row: a month, an agency, an indicator.
struct DataRow<'a> {
    month: &'a str,
    agency: &'a str,
    indicator: &'a str,
    figure: &'a Figure,
}

async fn open_data(
    s: &AppState,
    q: StatsQuery,
) -> Result<Vec<(String, Indicators)>, motcua_app::AppError> {
    let scope = match q.agency.filter(|a| !a.trim().is_empty()) {
        Some(a) => Some(a),
        None => default_scope(s).await,
    };
    indicators::monthly(&s.app, scope.as_deref(), MONTHS).await
}

fn rows(series: &[(String, Indicators)]) -> Vec<DataRow<'_>> {
    let mut out = Vec::new();
    for (month, r) in series {
        let agency = r.agency.as_ref().map(|a| a.code.as_str()).unwrap_or("");
        for (id, _, _) in indicators::NAMES {
            if let Some(f) = r.report.indicators.get(id) {
                out.push(DataRow {
                    month,
                    agency,
                    indicator: id,
                    figure: f,
                });
            }
        }
    }
    out
}

/// `GET /thong-ke/du-lieu.csv`: month, agency, indicator, numerator, denominator, rate (empty =
/// not applicable or not measured), points, max, measured — with the licence as a comment line.
pub async fn csv(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let series = match open_data(&s, q).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let mut out = format!("# {LICENCE}\n# schema: {SCHEMA}\n");
    out.push_str("month,agency,indicator,numerator,denominator,rate,points,max,measured\n");
    for r in rows(&series) {
        let f = r.figure;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.month,
            r.agency,
            r.indicator,
            f.numerator,
            f.denominator,
            f.rate.map(|v| format!("{v:.2}")).unwrap_or_default(),
            f.points.map(|v| format!("{v:.2}")).unwrap_or_default(),
            f.max,
            f.measured
        );
    }
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    resp
}

/// `GET /thong-ke/du-lieu.json`: the same rows, with the licence and schema.
pub async fn json(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let series = match open_data(&s, q).await {
        Ok(v) => v,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let data: Vec<_> = rows(&series)
        .into_iter()
        .map(|r| {
            json!({
                "month": r.month, "agency": r.agency, "indicator": r.indicator,
                "numerator": r.figure.numerator, "denominator": r.figure.denominator,
                "rate": r.figure.rate, "points": r.figure.points, "max": r.figure.max,
                "measured": r.figure.measured,
            })
        })
        .collect();
    axum::Json(json!({ "schema": SCHEMA, "licence": LICENCE, "rows": data })).into_response()
}

/// A month's portal-quality report and when it was made.
#[derive(Debug, Clone)]
pub struct MonthlyQuality {
    month: chrono::NaiveDate,
    made: std::time::Instant,
    report: QualityReport,
}

/// How long the public page shows a month's report before making it again. The month is over;
/// what still moves (a draft resumed, a payment settled late) can wait this long, and the report
/// reads the month's every request, payment and draft (seconds at national scale).
const MONTHLY_QUALITY_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

/// Last month's report (`first..=last`), made at most once per [`MONTHLY_QUALITY_KEPT`]: requests
/// arriving meanwhile wait for the one being made rather than making their own.
async fn last_month_quality(
    s: &AppState,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<QualityReport, motcua_app::AppError> {
    let mut kept = s.monthly_quality.lock().await;
    if let Some(k) = kept
        .as_ref()
        .filter(|k| k.month == first && k.made.elapsed() < MONTHLY_QUALITY_KEPT)
    {
        return Ok(k.report.clone());
    }
    let report = motcua_app::quality::report(&s.app, first, last).await?;
    *kept = Some(MonthlyQuality {
        month: first,
        made: std::time::Instant::now(),
        report: report.clone(),
    });
    Ok(report)
}
