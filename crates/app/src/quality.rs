//! The portal's own quality (issue 16 item 5; the seeds' survey: 36% met portal errors, 10%
//! payment errors, slow sign-in): server errors per page and endpoint, payment failures by cause,
//! the sign-in's round trip to the identity provider, where applicants give up, drafts resumed,
//! page weight — from what the server records, for operators and, monthly, for the public.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use motcua_store::entities::{payment, payment_callback, request_stat, timing};
use motcua_store::sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use motcua_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;

use crate::{App, AppError};

/// Requests of one day, method and route, as a node counted them since its last flush.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestSample {
    pub day: NaiveDate,
    pub method: String,
    pub route: String,
    pub requests: i64,
    pub server_errors: i64,
    pub total_ms: i64,
    pub bytes: i64,
}

/// A timed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingSample {
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    pub ms: i64,
}

/// Adds the samples to the stored counts: every node adds its own, so the figures are the
/// deployment's whatever the number of nodes.
pub async fn record_requests(app: &App, samples: &[RequestSample]) -> Result<(), AppError> {
    for s in samples {
        let t = Alias::new("request_stats");
        let add = |c: &str| {
            Expr::col((t.clone(), Alias::new(c)))
                .add(Expr::col((Alias::new("excluded"), Alias::new(c))))
        };
        let stmt = Query::insert()
            .into_table(t.clone())
            .columns(
                [
                    "day",
                    "method",
                    "route",
                    "requests",
                    "server_errors",
                    "total_ms",
                    "bytes",
                ]
                .map(Alias::new),
            )
            .values_panic([
                s.day.format("%Y-%m-%d").to_string().into(),
                s.method.clone().into(),
                s.route.clone().into(),
                s.requests.into(),
                s.server_errors.into(),
                s.total_ms.into(),
                s.bytes.into(),
            ])
            .on_conflict(
                OnConflict::columns(["day", "method", "route"].map(Alias::new))
                    .value(Alias::new("requests"), add("requests"))
                    .value(Alias::new("server_errors"), add("server_errors"))
                    .value(Alias::new("total_ms"), add("total_ms"))
                    .value(Alias::new("bytes"), add("bytes"))
                    .to_owned(),
            )
            .to_owned();
        app.db.execute(&stmt).await?;
    }
    Ok(())
}

pub async fn record_timings(app: &App, samples: &[TimingSample]) -> Result<(), AppError> {
    if samples.is_empty() {
        return Ok(());
    }
    let offset = app.calendar.offset();
    let rows = samples.iter().map(|s| timing::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        kind: Set(s.kind.to_owned()),
        day: Set(s.at.with_timezone(&offset).format("%Y-%m-%d").to_string()),
        at: Set(s.at),
        ms: Set(s.ms),
    });
    timing::Entity::insert_many(rows).exec(&app.db).await?;
    Ok(())
}

/// One route's figures over the period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteFigures {
    pub method: String,
    pub route: String,
    pub requests: i64,
    pub server_errors: i64,
    /// Percent of requests answered 5xx.
    pub error_rate: f64,
    pub average_ms: f64,
    /// Average response size before compression (page weight for pages).
    pub average_bytes: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Percentiles {
    pub count: usize,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

/// Where online applications stand: drafts created in the period and how far they got.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Funnel {
    pub started: u64,
    pub form_filled: u64,
    pub files_attached: u64,
    pub submitted: u64,
    /// Drafts worked on again on a later day than the one they were started.
    pub resumed: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QualityReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub requests: i64,
    pub server_errors: i64,
    pub error_rate: Option<f64>,
    /// Busiest first.
    pub routes: Vec<RouteFigures>,
    pub payments: u64,
    pub payments_failed: u64,
    pub payment_failure_rate: Option<f64>,
    /// Failed or refused gateway answers by cause (the gateway's response code or our reason).
    pub payment_failures: BTreeMap<String, u64>,
    pub login_idp: Percentiles,
    pub login_total: Percentiles,
    pub funnel: Funnel,
}

fn pct(num: i64, den: i64) -> Option<f64> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    motcua_domain::indicators::Ratio::new(count(num), count(den)).percent()
}

fn percentiles(mut v: Vec<i64>) -> Percentiles {
    v.sort_unstable();
    // Nearest rank: the value at ceil(p × n).
    let at = |p: f64| -> Option<i64> {
        if v.is_empty() {
            return None;
        }
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v.get(rank - 1).copied()
    };
    Percentiles {
        count: v.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
    }
}

/// The portal's quality over the days `from`–`to` (both included, the deployment's time zone).
pub async fn report(app: &App, from: NaiveDate, to: NaiveDate) -> Result<QualityReport, AppError> {
    let (d0, d1) = (
        from.format("%Y-%m-%d").to_string(),
        to.format("%Y-%m-%d").to_string(),
    );
    let stats = request_stat::Entity::find()
        .filter(request_stat::Column::Day.gte(d0.clone()))
        .filter(request_stat::Column::Day.lte(d1.clone()))
        .all(&app.db)
        .await?;
    let mut by_route: BTreeMap<(String, String), (i64, i64, i64, i64)> = BTreeMap::new();
    for s in &stats {
        let e = by_route
            .entry((s.method.clone(), s.route.clone()))
            .or_default();
        e.0 += s.requests;
        e.1 += s.server_errors;
        e.2 += s.total_ms;
        e.3 += s.bytes;
    }
    let mut routes: Vec<RouteFigures> = by_route
        .into_iter()
        .map(|((method, route), (n, errors, ms, bytes))| RouteFigures {
            method,
            route,
            requests: n,
            server_errors: errors,
            error_rate: pct(errors, n).unwrap_or(0.0),
            average_ms: if n > 0 { ms as f64 / n as f64 } else { 0.0 },
            average_bytes: if n > 0 { bytes as f64 / n as f64 } else { 0.0 },
        })
        .collect();
    routes.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
    let requests: i64 = routes.iter().map(|r| r.requests).sum();
    let server_errors: i64 = routes.iter().map(|r| r.server_errors).sum();

    let offset = app.calendar.offset();
    let start = from
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(offset).single())
        .map(|t| t.with_timezone(&Utc));
    let end = to
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(offset).single())
        .map(|t| t.with_timezone(&Utc));
    let (Some(start), Some(end)) = (start, end) else {
        return Err(AppError::new(
            crate::ErrorCode::Unprocessable,
            "invalid_period",
            "Khoảng ngày không hợp lệ.",
            "The dates are not valid.",
        ));
    };
    // Online payments started in the period; failures by the gateway's answer.
    let pays: Vec<(String, String)> = payment::Entity::find()
        .select_only()
        .columns([payment::Column::TxnRef, payment::Column::Status])
        .filter(payment::Column::Method.eq("vnpay"))
        .filter(payment::Column::CreatedAt.gte(start))
        .filter(payment::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(&app.db)
        .await?;
    let failed: Vec<&String> = pays
        .iter()
        .filter(|(_, status)| status == "failed")
        .map(|(r, _)| r)
        .collect();
    let mut payment_failures = BTreeMap::new();
    if !failed.is_empty() {
        let refs: Vec<String> = failed.iter().map(|r| (*r).clone()).collect();
        let calls = payment_callback::Entity::find()
            .filter(payment_callback::Column::TxnRef.is_in(refs.clone()))
            .all(&app.db)
            .await?;
        for r in &refs {
            let cause = calls
                .iter()
                .filter(|c| &c.txn_ref == r)
                .map(|c| cause_of(&c.detail))
                .next_back()
                .unwrap_or_else(|| "no_answer".to_owned());
            *payment_failures.entry(cause).or_insert(0) += 1;
        }
    }
    let timings = timing::Entity::find()
        .filter(timing::Column::Day.gte(d0))
        .filter(timing::Column::Day.lte(d1))
        .all(&app.db)
        .await?;
    let of_kind = |k: &str| -> Vec<i64> {
        timings
            .iter()
            .filter(|t| t.kind == k)
            .map(|t| t.ms)
            .collect()
    };
    let funnel = funnel(app, start, end).await?;
    let payments = u64::try_from(pays.len()).unwrap_or(0);
    let payments_failed = u64::try_from(failed.len()).unwrap_or(0);
    Ok(QualityReport {
        from,
        to,
        requests,
        server_errors,
        error_rate: pct(server_errors, requests),
        routes,
        payments,
        payments_failed,
        payment_failure_rate: pct(
            i64::try_from(payments_failed).unwrap_or(0),
            i64::try_from(payments).unwrap_or(0),
        ),
        payment_failures,
        login_idp: percentiles(of_kind("login_idp")),
        login_total: percentiles(of_kind("login_total")),
        funnel,
    })
}

/// The gateway's response code in a callback's detail (`vnp_ResponseCode=24` → `24`), else the
/// detail's first word.
fn cause_of(detail: &str) -> String {
    for part in detail.split([' ', ',', ';']) {
        if let Some(code) = part
            .strip_prefix("vnp_ResponseCode=")
            .or_else(|| part.strip_prefix("response_code="))
        {
            return format!("gateway_{code}");
        }
    }
    detail
        .split_whitespace()
        .next()
        .unwrap_or("unknown")
        .trim_end_matches(':')
        .to_owned()
}

/// Form filled, files attached, submitted (0 or 1 each), created, updated.
type DraftRow = (i32, i32, i32, DateTime<Utc>, DateTime<Utc>);

/// Online drafts started in the period and how far each got. The database tells, per draft,
/// whether its form has answers and whether it has an uploaded file: a month of a province's
/// drafts is hundreds of thousands of rows, their forms and file lists stay in the database.
async fn funnel(app: &App, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Funnel, AppError> {
    let offset = app.calendar.offset();
    let b = app.db.get_database_backend();
    let sql = format!(
        "SELECT \
           CASE WHEN TRIM(d.form) NOT IN ('{{}}', '') THEN 1 ELSE 0 END AS filled, \
           CASE WHEN EXISTS (SELECT 1 FROM attachments a WHERE a.dossier_id = d.id \
             AND a.source = 'upload') THEN 1 ELSE 0 END AS with_files, \
           CASE WHEN d.submitted_at IS NOT NULL THEN 1 ELSE 0 END AS submitted, \
           d.created_at, d.updated_at \
         FROM dossiers d WHERE d.channel = 'online' AND d.created_at >= {} AND d.created_at < {}",
        motcua_store::ph(b, 1),
        motcua_store::ph(b, 2)
    );
    let rows = app
        .db
        .query_all_raw(motcua_store::sea_orm::Statement::from_sql_and_values(
            b,
            sql,
            [start.into(), end.into()],
        ))
        .await?;
    let mut f = Funnel::default();
    for row in rows {
        let (filled, files, submitted, created, updated): DraftRow = (
            row.try_get("", "filled")?,
            row.try_get("", "with_files")?,
            row.try_get("", "submitted")?,
            row.try_get("", "created_at")?,
            row.try_get("", "updated_at")?,
        );
        let submitted = submitted == 1;
        f.started += 1;
        f.form_filled += u64::from(filled == 1 || submitted);
        f.files_attached += u64::from(files == 1 || submitted);
        f.submitted += u64::from(submitted);
        f.resumed += u64::from(
            updated.with_timezone(&offset).date_naive()
                > created.with_timezone(&offset).date_naive(),
        );
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = percentiles((1..=100).collect());
        assert_eq!((p.p50_ms, p.p95_ms), (Some(50), Some(95)));
        let p = percentiles(vec![300]);
        assert_eq!((p.p50_ms, p.p95_ms), (Some(300), Some(300)));
        let p = percentiles(vec![]);
        assert_eq!((p.count, p.p50_ms), (0, None));
    }

    #[test]
    fn a_failure_is_told_by_the_gateways_code() {
        assert_eq!(cause_of("vnp_ResponseCode=24 cancelled"), "gateway_24");
        assert_eq!(
            cause_of("bad_signature: the hash does not match"),
            "bad_signature"
        );
        assert_eq!(cause_of(""), "unknown");
    }

    #[test]
    fn rates_are_percent_to_two_decimals() {
        assert_eq!(pct(1, 3), Some(33.33));
        assert_eq!(pct(0, 0), None);
    }
}
