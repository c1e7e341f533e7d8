//! The daily reconciliation of an agency's payments (issue 14 item 6): every payment of the
//! dossiers the agency is competent for, matched with what the gateway told us about it, so that
//! the agency's accountant can tick the day off against the gateway's statement.
//!
//! The rules, which the API documentation repeats:
//!
//! - **The day** is a local day of the deployment's calendar (Vietnam, UTC+7): from local midnight
//!   to the next. A payment belongs to the day it was *created*, and is counted in that day's
//!   totals only, so that adding up the reports of several days counts each payment once.
//! - A payment created on another day but paid, settled or refunded on this one is *listed* too,
//!   marked `created_other_day`, because it moves money on this day; it is not in this day's class
//!   totals (its own day counts it).
//! - **Classes**, each payment in exactly one, the first that applies:
//!   `mismatched` (a callback for its order was refused for its amount, answer 04, or its
//!   signature, answer 97; or it succeeded through the gateway without the gateway's transaction
//!   number or without a genuine notification or re-query on record; or its status is unknown),
//!   `refunded`, `paid` (succeeded), `pending` (created, pending), `failed` (failed, cancelled,
//!   expired). A class's total is the payments' own amounts; a refund, which may be partial, is
//!   the row's `refunded_amount`.
//! - **The gateway total** is what the gateway should pay out for this agency and day by our
//!   records: gateway payments (vnpay) that succeeded (or were refunded since) with a gateway
//!   transaction number and were paid this day by the gateway's own payment time — the figure
//!   to compare with the gateway's statement for the day, which is by payment time too.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use motcua_domain::payment::PaymentStatus;
use motcua_store::entities::{agency, dossier, payment, payment_callback, procedure};
use motcua_store::sea_orm::sea_query::Query;
use motcua_store::sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::identity::Principal;
use crate::{App, AppError, ErrorCode};

/// How many values one `IN (…)` list carries: well under SQLite's and PostgreSQL's limits on
/// bound parameters.
const IN_CHUNK: usize = 500;

/// How far up the agency tree a role with `include_descendants` is looked for: deeper than any
/// real hierarchy, and a stop should the stored tree ever loop.
const MAX_DEPTH: usize = 16;

/// What the reconciliation makes of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Paid,
    Pending,
    Mismatched,
    Refunded,
    Failed,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::Paid,
        Class::Pending,
        Class::Mismatched,
        Class::Refunded,
        Class::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Paid => "paid",
            Class::Pending => "pending",
            Class::Mismatched => "mismatched",
            Class::Refunded => "refunded",
            Class::Failed => "failed",
        }
    }
}

/// Why a payment is `mismatched`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue {
    /// A callback for its order reported another amount (we answered 04).
    CallbackAmount,
    /// A callback for its order did not carry a valid signature (we answered 97).
    CallbackSignature,
    /// Succeeded through the gateway, but the gateway's transaction number is missing.
    NoGatewayTxnNo,
    /// Succeeded through the gateway, but no genuine notification or re-query is on record.
    NoGatewayConfirmation,
    /// A status this version does not know.
    UnknownStatus,
}

impl Issue {
    pub fn as_str(self) -> &'static str {
        match self {
            Issue::CallbackAmount => "callback_amount",
            Issue::CallbackSignature => "callback_signature",
            Issue::NoGatewayTxnNo => "no_gateway_txn_no",
            Issue::NoGatewayConfirmation => "no_gateway_confirmation",
            Issue::UnknownStatus => "unknown_status",
        }
    }
}

/// One payment in the report. Times are in the report's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub dossier_code: String,
    pub procedure_code: String,
    /// The procedure's Vietnamese (official) name, of the version the dossier was made under.
    pub procedure_name: String,
    pub txn_ref: String,
    pub method: String,
    /// VND.
    pub amount: i64,
    /// What the gateway gave back (all or part of `amount`), once refunded.
    pub refunded_amount: Option<i64>,
    pub status: String,
    pub class: Class,
    pub created_at: DateTime<FixedOffset>,
    pub paid_at: Option<DateTime<FixedOffset>>,
    pub gateway_txn_no: Option<String>,
    pub bank_code: Option<String>,
    /// Created on another day; listed because it was paid, settled or refunded on this one, and
    /// counted in its own day's totals.
    pub created_other_day: bool,
    /// Why it is `mismatched` (empty otherwise).
    pub issues: Vec<Issue>,
}

/// How many payments, and how much (VND): the payments' amounts, refunded or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Total {
    pub count: u64,
    pub amount: i64,
}

impl Total {
    fn add(&mut self, amount: i64) {
        self.count += 1;
        self.amount = self.amount.saturating_add(amount);
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub paid: Total,
    pub pending: Total,
    pub mismatched: Total,
    pub refunded: Total,
    pub failed: Total,
}

impl Totals {
    pub fn get(&self, class: Class) -> Total {
        match class {
            Class::Paid => self.paid,
            Class::Pending => self.pending,
            Class::Mismatched => self.mismatched,
            Class::Refunded => self.refunded,
            Class::Failed => self.failed,
        }
    }

    fn slot(&mut self, class: Class) -> &mut Total {
        match class {
            Class::Paid => &mut self.paid,
            Class::Pending => &mut self.pending,
            Class::Mismatched => &mut self.mismatched,
            Class::Refunded => &mut self.refunded,
            Class::Failed => &mut self.failed,
        }
    }
}

/// One agency's payments of one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The agency's code.
    pub agency: String,
    pub agency_name: String,
    pub date: NaiveDate,
    pub rows: Vec<Row>,
    /// Of the payments created this day (rows not `created_other_day`).
    pub totals: Totals,
    pub gateway_total: Total,
}

fn not_allowed() -> AppError {
    AppError::forbidden(
        "not_allowed",
        "Chỉ công chức của cơ quan (hoặc của cơ quan cấp trên được xem cả cấp dưới) và quản trị hệ thống được xem đối soát thanh toán của cơ quan này.",
        "Only the agency's staff (or staff of a parent agency who oversee its agencies) and the system administrator may see this agency's payment reconciliation.",
    )
}

/// A well-formed code that names no agency is a resource that is not there: 404, not a bad
/// request (schemathesis holds us to it).
fn unknown_agency() -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        "unknown_agency",
        "Không có cơ quan với mã này.",
        "There is no agency with this code.",
    )
}

/// Whether `principal` may see `agency`'s reconciliation: a role of any kind there, a role that
/// includes descendants at one of its parents, or the system administrator (an administrator of
/// the top agency, as for the delivery queue). `chain` is the agency followed by its parents.
async fn may_see(app: &App, principal: &Principal, chain: &[String]) -> Result<bool, AppError> {
    let Principal::Staff { roles, .. } = principal else {
        return Ok(false);
    };
    let mut levels = chain.iter();
    if let Some(own) = levels.next()
        && roles.iter().any(|r| &r.agency == own)
    {
        return Ok(true);
    }
    if levels.any(|a| {
        roles
            .iter()
            .any(|r| r.include_descendants && &r.agency == a)
    }) {
        return Ok(true);
    }
    match crate::outbox::operator_only(app, principal).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind == ErrorCode::Forbidden => Ok(false),
        Err(e) => Err(e),
    }
}

/// The agency and its parents, nearest first; none when the agency is unknown.
async fn chain_of(app: &App, code: &str) -> Result<Option<(agency::Model, Vec<String>)>, AppError> {
    let Some(own) = agency::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    let mut chain = vec![own.code.clone()];
    let mut parent = own.parent_code.clone();
    while let Some(p) = parent {
        if chain.len() > MAX_DEPTH || chain.contains(&p) {
            break;
        }
        chain.push(p.clone());
        parent = agency::Entity::find_by_id(p)
            .one(&app.db)
            .await?
            .and_then(|a| a.parent_code);
    }
    Ok(Some((own, chain)))
}

/// A local day as the instants `[start, end)`.
fn bounds(day: NaiveDate, offset: FixedOffset) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .map(|t| t.with_timezone(&Utc))
    };
    match (midnight(day), day.succ_opt().and_then(midnight)) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(AppError::bad_request(
            "invalid_date",
            "Ngày không hợp lệ.",
            "The date is out of range.",
        )),
    }
}

/// Classifies one payment from its status and the callbacks received for its order.
pub fn classify(p: &payment::Model, callbacks: &[payment_callback::Model]) -> (Class, Vec<Issue>) {
    let mut issues = BTreeSet::new();
    for c in callbacks.iter().filter(|c| !c.accepted) {
        match c.answer.as_str() {
            "04" => {
                issues.insert(Issue::CallbackAmount);
            }
            "97" => {
                issues.insert(Issue::CallbackSignature);
            }
            _ => {}
        }
    }
    let status = PaymentStatus::parse(&p.status);
    if status == Some(PaymentStatus::Succeeded) && p.method == "vnpay" {
        if p.gateway_txn_no
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
        {
            issues.insert(Issue::NoGatewayTxnNo);
        }
        // The settlement writes an accepted "00" in the same transaction as the status; a
        // succeeded payment without one was changed by something other than the gateway's word.
        let confirmed = callbacks.iter().any(|c| {
            c.accepted && c.answer == "00" && matches!(c.source.as_str(), "ipn" | "query")
        });
        if !confirmed {
            issues.insert(Issue::NoGatewayConfirmation);
        }
    }
    let class = match status {
        None => {
            issues.insert(Issue::UnknownStatus);
            Class::Mismatched
        }
        Some(_) if !issues.is_empty() => Class::Mismatched,
        Some(PaymentStatus::Refunded) => Class::Refunded,
        Some(PaymentStatus::Succeeded) => Class::Paid,
        Some(PaymentStatus::Created | PaymentStatus::Pending) => Class::Pending,
        Some(PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired) => {
            Class::Failed
        }
    };
    (class, issues.into_iter().collect())
}

/// The reconciliation of `agency`'s payments on the local day `day`.
pub async fn report(
    app: &App,
    principal: &Principal,
    agency: &str,
    day: NaiveDate,
) -> Result<Report, AppError> {
    // Citizens are refused before anything is looked up, so they learn nothing about agencies.
    if !matches!(principal, Principal::Staff { .. }) {
        return Err(not_allowed());
    }
    let (agency_row, chain) = chain_of(app, agency).await?.ok_or_else(unknown_agency)?;
    if !may_see(app, principal, &chain).await? {
        return Err(not_allowed());
    }
    let offset = app.calendar.offset();
    let (start, end) = bounds(day, offset)?;
    let within = |c: payment::Column| Condition::all().add(c.gte(start)).add(c.lt(end));
    let of_agency = Query::select()
        .column(dossier::Column::Id)
        .from(dossier::Entity)
        .and_where(dossier::Column::CompetentAgency.eq(agency_row.code.clone()))
        .to_owned();
    let payments = payment::Entity::find()
        .filter(payment::Column::DossierId.in_subquery(of_agency))
        .filter(
            Condition::any()
                .add(within(payment::Column::CreatedAt))
                .add(within(payment::Column::PaidAt))
                .add(within(payment::Column::SettledAt))
                .add(within(payment::Column::RefundedAt)),
        )
        .order_by_asc(payment::Column::CreatedAt)
        .order_by_asc(payment::Column::TxnRef)
        .all(&app.db)
        .await?;

    let dossier_ids: Vec<String> = distinct(payments.iter().map(|p| p.dossier_id.clone()));
    let mut dossiers: HashMap<String, dossier::Model> = HashMap::new();
    for chunk in dossier_ids.chunks(IN_CHUNK) {
        for d in dossier::Entity::find()
            .filter(dossier::Column::Id.is_in(chunk.to_vec()))
            .all(&app.db)
            .await?
        {
            dossiers.insert(d.id.clone(), d);
        }
    }
    let codes: Vec<String> = distinct(dossiers.values().map(|d| d.procedure_code.clone()));
    let mut names: HashMap<(String, i32), String> = HashMap::new();
    for chunk in codes.chunks(IN_CHUNK) {
        for p in procedure::Entity::find()
            .filter(procedure::Column::Code.is_in(chunk.to_vec()))
            .all(&app.db)
            .await?
        {
            names.insert((p.code, p.version), p.name_vi);
        }
    }
    let refs: Vec<String> = distinct(payments.iter().map(|p| p.txn_ref.clone()));
    let mut callbacks: HashMap<String, Vec<payment_callback::Model>> = HashMap::new();
    for chunk in refs.chunks(IN_CHUNK) {
        for c in payment_callback::Entity::find()
            .filter(payment_callback::Column::TxnRef.is_in(chunk.to_vec()))
            .all(&app.db)
            .await?
        {
            callbacks.entry(c.txn_ref.clone()).or_default().push(c);
        }
    }

    let on_day = |t: DateTime<Utc>| t >= start && t < end;
    let mut totals = Totals::default();
    let mut gateway_total = Total::default();
    let mut rows = Vec::with_capacity(payments.len());
    for p in payments {
        let (class, issues) = classify(&p, callbacks.get(&p.txn_ref).map_or(&[], Vec::as_slice));
        let created_other_day = !on_day(p.created_at);
        if !created_other_day {
            totals.slot(class).add(p.amount_vnd);
        }
        let collected = matches!(
            PaymentStatus::parse(&p.status),
            Some(PaymentStatus::Succeeded | PaymentStatus::Refunded)
        );
        if p.method == "vnpay"
            && collected
            && p.gateway_txn_no
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty())
            && p.paid_at.is_some_and(on_day)
        {
            gateway_total.add(p.amount_vnd);
        }
        let d = dossiers.get(&p.dossier_id);
        let procedure_code = d.map(|d| d.procedure_code.clone()).unwrap_or_default();
        let procedure_name = d
            .and_then(|d| names.get(&(d.procedure_code.clone(), d.procedure_version)))
            .cloned()
            .unwrap_or_default();
        rows.push(Row {
            dossier_code: d.map(|d| d.code.clone()).unwrap_or_default(),
            procedure_code,
            procedure_name,
            txn_ref: p.txn_ref,
            method: p.method,
            amount: p.amount_vnd,
            refunded_amount: p.refunded_vnd,
            status: p.status,
            class,
            created_at: p.created_at.with_timezone(&offset),
            paid_at: p.paid_at.map(|t| t.with_timezone(&offset)),
            gateway_txn_no: p.gateway_txn_no,
            bank_code: p.bank_code,
            created_other_day,
            issues,
        });
    }
    Ok(Report {
        agency: agency_row.code,
        agency_name: agency_row.name_vi,
        date: day,
        rows,
        totals,
        gateway_total,
    })
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    values.collect::<BTreeSet<_>>().into_iter().collect()
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 15] = [
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "txn_ref",
    "method",
    "amount_vnd",
    "refunded_vnd",
    "status",
    "class",
    "created_at",
    "paid_at",
    "gateway_txn_no",
    "bank_code",
    "created_other_day",
    "issues",
];

/// A text field as a spreadsheet should take it: never as a formula (OWASP "CSV injection": a
/// leading `=`, `+`, `-`, `@`, tab or carriage return makes Excel and LibreOffice evaluate the
/// cell, so it is prefixed with an apostrophe), then quoted as RFC 4180 asks.
fn text_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    quoted(&guarded)
}

/// RFC 4180: a field with a comma, quote, CR or LF is enclosed in quotes, its quotes doubled.
fn quoted(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn time_field(t: Option<&DateTime<FixedOffset>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

/// The report's rows as CSV (RFC 4180: a header row, CRLF after every record). Amounts are whole
/// VND without separators and times RFC 3339 in local time, so that they read back unchanged.
pub fn to_csv(report: &Report) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for r in &report.rows {
        let issues: Vec<&str> = r.issues.iter().map(|i| i.as_str()).collect();
        let fields = [
            text_field(&r.dossier_code),
            text_field(&r.procedure_code),
            text_field(&r.procedure_name),
            text_field(&r.txn_ref),
            text_field(&r.method),
            r.amount.to_string(),
            r.refunded_amount.map(|a| a.to_string()).unwrap_or_default(),
            text_field(&r.status),
            text_field(r.class.as_str()),
            time_field(Some(&r.created_at)),
            time_field(r.paid_at.as_ref()),
            text_field(r.gateway_txn_no.as_deref().unwrap_or("")),
            text_field(r.bank_code.as_deref().unwrap_or("")),
            r.created_other_day.to_string(),
            text_field(&issues.join("|")),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn offset() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn row(procedure_name: &str, txn_ref: &str) -> Row {
        Row {
            dossier_code: "H31.11341-261117-0001".into(),
            procedure_code: "3.000333".into(),
            procedure_name: procedure_name.into(),
            txn_ref: txn_ref.into(),
            method: "vnpay".into(),
            amount: 200_000,
            refunded_amount: None,
            status: "succeeded".into(),
            class: Class::Paid,
            created_at: "2026-11-17T09:00:00+07:00".parse().unwrap(),
            paid_at: Some("2026-11-17T09:05:30+07:00".parse().unwrap()),
            gateway_txn_no: Some("14012345".into()),
            bank_code: Some("NCB".into()),
            created_other_day: false,
            issues: Vec::new(),
        }
    }

    fn report(rows: Vec<Row>) -> Report {
        Report {
            agency: "H31.11341".into(),
            agency_name: "Ủy ban nhân dân Phường Ngô Quyền".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
            rows,
            totals: Totals::default(),
            gateway_total: Total::default(),
        }
    }

    /// Splits CSV as RFC 4180 reads it (quotes, doubled quotes, CRLF records).
    fn parse(csv: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut in_quotes = false;
        let mut chars = csv.chars().peekable();
        while let Some(c) = chars.next() {
            match (in_quotes, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => in_quotes = false,
                (true, c) => field.push(c),
                (false, '"') => in_quotes = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CR only before LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, '\n') => panic!("a bare LF ends a record"),
                (false, c) => field.push(c),
            }
        }
        assert!(
            field.is_empty() && record.is_empty(),
            "the last record ends with CRLF"
        );
        records
    }

    #[test]
    fn csv_has_a_header_and_one_crlf_record_per_row() {
        let csv = to_csv(&report(vec![row(
            "Cấp Phiếu lý lịch tư pháp",
            "MC261117ABC",
        )]));
        assert!(csv.starts_with("dossier_code,procedure_code,procedure_name,txn_ref,"));
        assert!(csv.ends_with("\r\n"));
        let records = parse(&csv);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], CSV_HEADER);
        assert_eq!(
            records[1],
            [
                "H31.11341-261117-0001",
                "3.000333",
                "Cấp Phiếu lý lịch tư pháp",
                "MC261117ABC",
                "vnpay",
                "200000",
                "",
                "succeeded",
                "paid",
                "2026-11-17T09:00:00+07:00",
                "2026-11-17T09:05:30+07:00",
                "14012345",
                "NCB",
                "false",
                "",
            ]
        );
        // No rows: the header alone.
        assert_eq!(
            to_csv(&report(Vec::new())),
            format!("{}\r\n", CSV_HEADER.join(","))
        );
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        let name = "Đăng ký khai sinh, kết hôn \"liên thông\"\r\nmới";
        let csv = to_csv(&report(vec![row(name, "MC1")]));
        assert!(
            csv.contains(",\"Đăng ký khai sinh, kết hôn \"\"liên thông\"\"\r\nmới\","),
            "{csv}"
        );
        let records = parse(&csv);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1][2], name);
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_as_a_formula_is_defused() {
        for (given, written) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("a=b", "a=b"),
        ] {
            let mut r = row("Thủ tục", given);
            r.bank_code = Some(given.to_owned());
            let records = parse(&to_csv(&report(vec![r])));
            assert_eq!(records[1][3], written, "txn_ref {given:?}");
            assert_eq!(records[1][12], written, "bank_code {given:?}");
        }
        // Numbers are numbers: never prefixed.
        let mut r = row("Thủ tục", "MC1");
        r.amount = -5;
        assert_eq!(parse(&to_csv(&report(vec![r])))[1][5], "-5");
    }

    fn payment(status: &str, method: &str, txn_no: Option<&str>) -> payment::Model {
        let t: DateTime<Utc> = "2026-11-17T02:00:00Z".parse().unwrap();
        payment::Model {
            id: "p".into(),
            dossier_id: "d".into(),
            txn_ref: "MC1".into(),
            purpose: "submission".into(),
            method: method.into(),
            status: status.into(),
            amount_vnd: 200_000,
            lines: "[]".into(),
            created_by: "citizen:x".into(),
            created_at: t,
            updated_at: t,
            expires_at: None,
            settled_at: None,
            gateway_txn_no: txn_no.map(str::to_owned),
            bank_code: None,
            paid_at: None,
            refunded_at: None,
            refunded_vnd: None,
            redirect_url: None,
            row_version: 1,
        }
    }

    fn callback(source: &str, answer: &str, accepted: bool) -> payment_callback::Model {
        payment_callback::Model {
            id: format!("{source}{answer}"),
            txn_ref: "MC1".into(),
            source: source.into(),
            answer: answer.into(),
            accepted,
            detail: String::new(),
            received_at: "2026-11-17T02:01:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn classes_follow_the_status_and_the_callbacks() {
        let genuine = [callback("ipn", "00", true)];
        let c = |p: &payment::Model, cbs: &[payment_callback::Model]| classify(p, cbs);
        assert_eq!(
            c(&payment("succeeded", "vnpay", Some("1")), &genuine),
            (Class::Paid, vec![])
        );
        assert_eq!(
            c(&payment("succeeded", "cash", None), &[]),
            (Class::Paid, vec![])
        );
        assert_eq!(
            c(&payment("pending", "vnpay", None), &[]),
            (Class::Pending, vec![])
        );
        assert_eq!(
            c(&payment("created", "vnpay", None), &[]),
            (Class::Pending, vec![])
        );
        for s in ["failed", "cancelled", "expired"] {
            assert_eq!(c(&payment(s, "vnpay", None), &[]).0, Class::Failed, "{s}");
        }
        assert_eq!(
            c(&payment("refunded", "vnpay", Some("1")), &genuine).0,
            Class::Refunded
        );
        assert_eq!(
            c(&payment("succeeded", "vnpay", None), &genuine),
            (Class::Mismatched, vec![Issue::NoGatewayTxnNo])
        );
        assert_eq!(
            c(
                &payment("succeeded", "vnpay", Some("1")),
                &[callback("return", "00", true)]
            ),
            (Class::Mismatched, vec![Issue::NoGatewayConfirmation])
        );
        let refused = [
            callback("ipn", "00", true),
            callback("ipn", "97", false),
            callback("ipn", "04", false),
            callback("ipn", "02", true),
            callback("ipn", "01", false),
        ];
        assert_eq!(
            c(&payment("succeeded", "vnpay", Some("1")), &refused),
            (
                Class::Mismatched,
                vec![Issue::CallbackAmount, Issue::CallbackSignature]
            )
        );
        // A refused callback makes any payment worth a look, refunded and failed ones too.
        assert_eq!(
            c(&payment("failed", "vnpay", None), &refused).0,
            Class::Mismatched
        );
        assert_eq!(
            c(&payment("weird", "vnpay", None), &[]),
            (Class::Mismatched, vec![Issue::UnknownStatus])
        );
    }

    #[test]
    fn a_day_is_local_midnight_to_local_midnight() {
        let (start, end) =
            bounds(NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(), offset()).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-11-16T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-17T17:00:00+00:00");
        assert!(bounds(NaiveDate::MAX, offset()).is_err());
    }
}
