//! The daily payment reconciliation of an agency (issue 14 item 6):
//! `GET /api/v1/payments/reconciliation?agency=&date=[&format=csv]` (JSON, or CSV for a
//! spreadsheet) and the staff page `/staff/payments?agency=&date=`. The rules (which day a payment
//! belongs to, the classes) are `motcua_app::reconciliation`'s; these handlers read the query,
//! call it and render.

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_app::identity::Principal;
use motcua_app::reconciliation::{self, Class, Report};
use motcua_app::{AppError, ErrorCode};
use motcua_store::entities::agency;
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::download::{Disposition, content_disposition};
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, DATE_TIME, UiLang, chrome, message, money, render};
use crate::portal::app_error;
use crate::problem::{Problem, bad_request};

/// The longest agency code taken (real ones are under 20 characters).
pub const MAX_AGENCY_CHARS: usize = 64;

/// Why a query was refused: (code, Vietnamese, English).
type Refusal = (&'static str, String, String);

/// What a query asks for, each at most once.
#[derive(Default)]
struct Asked {
    agency: Option<String>,
    date: Option<String>,
    format: Option<String>,
}

/// Reads the query. The API refuses a parameter it does not know (a misspelt `formt=csv` must not
/// quietly answer JSON); the page ignores them, since its language switch adds `lang`.
fn read_query(query: Option<&str>, strict: bool) -> Result<Asked, Refusal> {
    let mut asked = Asked::default();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match name.as_ref() {
            "agency" => &mut asked.agency,
            "date" => &mut asked.date,
            "format" if strict => &mut asked.format,
            _ if strict => {
                return Err((
                    "unknown_parameter",
                    format!("Tham số {name} không được hỗ trợ (chỉ có agency, date, format)."),
                    format!("The parameter {name} is not supported (only agency, date, format)."),
                ));
            }
            _ => continue,
        };
        if slot.is_some() {
            return Err((
                "duplicate_parameter",
                format!("Tham số {name} chỉ được có một lần."),
                format!("The parameter {name} may be given once."),
            ));
        }
        *slot = Some(value.into_owned());
    }
    Ok(asked)
}

fn agency_code(v: &str) -> Result<String, Refusal> {
    let well_formed = !v.is_empty()
        && v.chars().count() <= MAX_AGENCY_CHARS
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if well_formed {
        Ok(v.to_owned())
    } else {
        Err((
            "invalid_agency",
            format!(
                "Mã cơ quan phải gồm 1–{MAX_AGENCY_CHARS} chữ cái, chữ số, dấu chấm, gạch ngang hoặc gạch dưới."
            ),
            format!(
                "The agency code must be 1-{MAX_AGENCY_CHARS} letters, digits, dots, hyphens or underscores."
            ),
        ))
    }
}

/// A day written `YYYY-MM-DD`, exactly: chrono alone would also take a year of five digits or
/// a sign, which the document does not promise.
fn day(v: &str) -> Result<NaiveDate, Refusal> {
    let shaped = v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            (
                "invalid_date",
                "Ngày phải là một ngày có thật, viết YYYY-MM-DD.".to_owned(),
                "The date must be a real day written YYYY-MM-DD.".to_owned(),
            )
        })
}

fn refused((code, vi, en): Refusal) -> Problem {
    bad_request(code, &vi, &en)
}

/// `GET /api/v1/payments/reconciliation?agency=&date=YYYY-MM-DD[&format=json|csv]`
pub async fn api(
    State(s): State<AppState>,
    Auth(p): Auth,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let asked = read_query(query.as_deref(), true).map_err(refused)?;
    let agency = asked.agency.ok_or_else(|| {
        bad_request(
            "agency_required",
            "Thiếu mã cơ quan (tham số agency).",
            "The agency's code (parameter agency) is missing.",
        )
    })?;
    let agency = agency_code(&agency).map_err(refused)?;
    let date = asked.date.ok_or_else(|| {
        bad_request(
            "date_required",
            "Thiếu ngày đối soát (tham số date, YYYY-MM-DD).",
            "The day (parameter date, YYYY-MM-DD) is missing.",
        )
    })?;
    let date = day(&date).map_err(refused)?;
    let csv = match asked.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(bad_request(
                "invalid_format",
                "Tham số format phải là json hoặc csv.",
                "The parameter format must be json or csv.",
            ));
        }
    };
    let report = reconciliation::report(&s.app, &p, &agency, date).await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let name = format!("doi-soat-{}-{}.csv", report.agency, report.date);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Attachment, &name),
            ),
        ],
        reconciliation::to_csv(&report),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------------------

struct TotalView {
    label: String,
    count: u64,
    amount: String,
}

struct RowView {
    dossier_code: String,
    procedure: String,
    txn_ref: String,
    method: String,
    amount: String,
    refunded: Option<String>,
    status: String,
    class: String,
    mismatched: bool,
    issues: Vec<String>,
    created_at: String,
    paid_at: String,
    gateway_txn_no: String,
    bank_code: String,
    created_other_day: bool,
}

struct ReportView {
    agency_name: String,
    day: String,
    totals: Vec<TotalView>,
    gateway_count: u64,
    gateway_amount: String,
    rows: Vec<RowView>,
    csv_url: String,
}

#[derive(Template)]
#[template(path = "staff_payments.html")]
struct Page {
    c: Chrome,
    /// (code, name, selected)
    agencies: Vec<(String, String, bool)>,
    date: String,
    error: Option<String>,
    report: Option<ReportView>,
}

/// A stored value's label under `prefix`, or the value itself when this version has none.
fn label(lang: Lang, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}.{value}");
    let text = t(lang, &key);
    if text == key {
        value.to_owned()
    } else {
        text.to_owned()
    }
}

fn view(lang: Lang, r: &Report) -> ReportView {
    let totals = Class::ALL
        .into_iter()
        .map(|class| {
            let total = r.totals.get(class);
            TotalView {
                label: label(lang, "recon.class", class.as_str()),
                count: total.count,
                amount: money(lang, total.amount),
            }
        })
        .collect();
    let rows = r
        .rows
        .iter()
        .map(|row| RowView {
            dossier_code: row.dossier_code.clone(),
            procedure: if row.procedure_name.is_empty() {
                row.procedure_code.clone()
            } else {
                format!("{} — {}", row.procedure_code, row.procedure_name)
            },
            txn_ref: row.txn_ref.clone(),
            method: label(lang, "recon.method", &row.method),
            amount: money(lang, row.amount),
            refunded: row.refunded_amount.map(|a| money(lang, a)),
            status: label(lang, "recon.status", &row.status),
            class: label(lang, "recon.class", row.class.as_str()),
            mismatched: row.class == Class::Mismatched,
            issues: row
                .issues
                .iter()
                .map(|i| label(lang, "recon.issue", i.as_str()))
                .collect(),
            created_at: row.created_at.format(DATE_TIME).to_string(),
            paid_at: row
                .paid_at
                .map_or_else(|| "—".to_owned(), |t| t.format(DATE_TIME).to_string()),
            gateway_txn_no: row.gateway_txn_no.clone().unwrap_or_else(|| "—".into()),
            bank_code: row.bank_code.clone().unwrap_or_else(|| "—".into()),
            created_other_day: row.created_other_day,
        })
        .collect();
    let csv_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("agency", &r.agency)
        .append_pair("date", &r.date.to_string())
        .append_pair("format", "csv")
        .finish();
    ReportView {
        agency_name: r.agency_name.clone(),
        day: r.date.format("%d/%m/%Y").to_string(),
        totals,
        gateway_count: r.gateway_total.count,
        gateway_amount: money(lang, r.gateway_total.amount),
        rows,
        csv_url: format!("/api/v1/payments/reconciliation?{csv_query}"),
    }
}

/// The agencies the staff member holds a role at, with their names, for the form's choice.
async fn own_agencies(
    s: &AppState,
    p: &Principal,
    lang: Lang,
) -> Result<Vec<(String, String)>, AppError> {
    let Principal::Staff { roles, .. } = p else {
        return Ok(Vec::new());
    };
    let mut codes: Vec<String> = roles.iter().map(|r| r.agency.clone()).collect();
    codes.sort();
    codes.dedup();
    let rows = agency::Entity::find()
        .filter(agency::Column::Code.is_in(codes.clone()))
        .all(&s.app.db)
        .await?;
    Ok(codes
        .into_iter()
        .map(|code| {
            let name = rows
                .iter()
                .find(|a| a.code == code)
                .map(|a| {
                    if lang == Lang::En && !a.name_en.is_empty() {
                        a.name_en.clone()
                    } else {
                        a.name_vi.clone()
                    }
                })
                .unwrap_or_default();
            (code, name)
        })
        .collect())
}

/// `GET /staff/payments?agency=&date=`: the form, the totals and the table.
pub async fn page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let lang = ui.lang;
    let own = match own_agencies(&s, p, lang).await {
        Ok(own) => own,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    let asked = read_query(query.as_deref(), false);
    let (agency_text, date_text) = match &asked {
        Ok(a) => (
            a.agency
                .clone()
                .or_else(|| own.first().map(|(code, _)| code.clone()))
                .unwrap_or_default(),
            a.date.clone().unwrap_or_else(|| today.to_string()),
        ),
        Err(_) => (
            own.first()
                .map(|(code, _)| code.clone())
                .unwrap_or_default(),
            today.to_string(),
        ),
    };
    let mut agencies: Vec<(String, String, bool)> = own
        .into_iter()
        .map(|(code, name)| {
            let selected = code == agency_text;
            (code, name, selected)
        })
        .collect();
    // An agency reached through a parent's role or as the operator is not among the staff
    // member's own: it stays chosen.
    if !agency_text.is_empty() && !agencies.iter().any(|a| a.2) {
        agencies.push((agency_text.clone(), String::new(), true));
    }
    let page = |status: StatusCode, error: Option<String>, report: Option<ReportView>| {
        render(
            &ui,
            status,
            &Page {
                c: chrome(&ui, &who, "recon.title"),
                agencies: agencies.clone(),
                date: date_text.clone(),
                error,
                report,
            },
        )
    };
    if asked.is_err() {
        return page(
            StatusCode::BAD_REQUEST,
            Some(t(lang, "recon.duplicate").to_owned()),
            None,
        );
    }
    if agency_text.is_empty() {
        return page(
            StatusCode::OK,
            Some(t(lang, "recon.no_agency").to_owned()),
            None,
        );
    }
    let Ok(agency) = agency_code(&agency_text) else {
        return page(
            StatusCode::BAD_REQUEST,
            Some(t(lang, "recon.invalid_agency").to_owned()),
            None,
        );
    };
    let Ok(date) = day(&date_text) else {
        return page(
            StatusCode::BAD_REQUEST,
            Some(t(lang, "recon.invalid_date").to_owned()),
            None,
        );
    };
    match reconciliation::report(&s.app, p, &agency, date).await {
        Ok(r) => page(StatusCode::OK, None, Some(view(lang, &r))),
        Err(e) if e.kind == ErrorCode::Internal => app_error(&ui, &who, &e),
        Err(e) => page(
            crate::problem::status_of(e.kind),
            Some(message(lang, &e)),
            None,
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_exactly() {
        assert_eq!(
            day("2026-11-17").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
        );
        for bad in [
            "2026-02-30",
            "2026-1-17",
            "17/11/2026",
            "+2026-11-17",
            "20261-11-17",
            "2026-11-17 ",
            "",
            "２０２６-11-17",
        ] {
            assert_eq!(day(bad).unwrap_err().0, "invalid_date", "{bad:?}");
        }
    }

    #[test]
    fn agency_codes_and_parameters() {
        assert!(agency_code("H31.11341.CA").is_ok());
        for bad in ["", "H31 11341", "H31/..", "Ủy", &"A".repeat(65)] {
            assert_eq!(agency_code(bad).unwrap_err().0, "invalid_agency", "{bad:?}");
        }
        assert_eq!(
            read_query(Some("agency=a&agency=b"), true).err().unwrap().0,
            "duplicate_parameter"
        );
        assert_eq!(
            read_query(Some("agency=a&formt=csv"), true)
                .err()
                .unwrap()
                .0,
            "unknown_parameter"
        );
        let lenient = read_query(Some("agency=a&lang=en&format=csv"), false).unwrap();
        assert_eq!(lenient.agency.as_deref(), Some("a"));
        assert!(lenient.format.is_none());
    }
}
