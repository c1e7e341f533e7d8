//! Monthly roll-ups of the indicators, so a province's figures over millions of dossiers are sums
//! of small rows (docs/INDICATORS.md, "Roll-ups").
//!
//! - Every write that can change a dossier's facts (the dossier, its files, results, payments,
//!   rating, feedback) marks the dossier in `indicator_dirty` — by database triggers, in the
//!   writer's own transaction, whoever the writer is.
//! - [`refresh`] (the server's worker, and a read that finds a few marks) recomputes each marked
//!   dossier's shares ([`contributions`]), adds the difference from the shares it stored last time
//!   to `indicator_rollups`, keeps the new shares, and keeps a running dossier's [`OpenState`] in
//!   `indicator_open`. A mark is removed only if nobody marked the dossier again meanwhile.
//! - [`read`] answers a run of whole months: the months' events, what finished dossiers added at
//!   the last month's end, and what running ones add at the period's end — summed by the database.
//!
//! Figures from roll-ups equal a full recomputation ([`crate::indicators::recompute`]) by the
//! decomposition property-tested in `motcua_domain::rollup`; `motcua indicators --verify` compares
//! them on live data.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::indicators::{Period, Tally};
use motcua_domain::rollup::{self, COLUMNS, Month, OpenState, Slot, contributions};
use motcua_store::entities::dossier;
use motcua_store::sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, QueryResult, Statement,
    TransactionTrait, Value,
};
use sha2::{Digest, Sha256};

use crate::indicators::{Facts, Pinned, Request, Tallies, facts_where};
use crate::{App, AppError};

/// Dossiers refreshed per transaction.
const BATCH: u64 = 1_000;

/// Marks a read clears itself before falling back to a full read.
const READ_CATCH_UP: u64 = 2_000;

/// What stored roll-ups were made under: the rules' version and the working calendar (a new
/// holiday moves due dates' working time). Another basis means a rebuild, not a diff.
pub fn basis(app: &App) -> String {
    let calendar = Sha256::digest(format!("{:?}", app.calendar).as_bytes());
    format!(
        "rules {}; layout {LAYOUT}; calendar {}",
        rollup::RULES_VERSION,
        hex::encode(calendar.get(..8).unwrap_or_default())
    )
}

/// What the stored rows are: 2 = months, and each year's events in a row of its own ([`year_row`]).
const LAYOUT: u32 = 2;

/// The `month` of a year's row of events: `yyyy00`, below the year's January (`yyyy01`), so a
/// run of months never takes it in. A year read sums one row per agency and procedure instead of
/// twelve.
fn year_row(year: i32) -> i32 {
    year * 100
}

/// Adds to `delta` each year's events (slot 0) in its year row.
fn with_year_totals(delta: &mut BTreeMap<(String, String, i32, i32), [i64; COLUMNS.len()]>) {
    let mut years: BTreeMap<(String, String, i32, i32), [i64; COLUMNS.len()]> = BTreeMap::new();
    for ((agency, procedure, month, slot), d) in delta.iter() {
        if *slot != slot_number(Slot::Events) || month % 100 == 0 {
            continue;
        }
        let y = years
            .entry((
                agency.clone(),
                procedure.clone(),
                year_row(month / 100),
                *slot,
            ))
            .or_insert([0; COLUMNS.len()]);
        for (x, c) in y.iter_mut().zip(d) {
            *x += c;
        }
    }
    for (key, y) in years {
        let d = delta.entry(key).or_insert([0; COLUMNS.len()]);
        for (x, c) in d.iter_mut().zip(y) {
            *x += c;
        }
    }
}

/// The months `first..=last` of events as ranges of stored rows to add (`true`) or take away:
/// per year, its months, or its year row less the months outside the run — whichever reads fewer
/// rows. Months after `now` have no rows yet and cost nothing.
fn event_terms(first: Month, last: Month, now: Month) -> Vec<(i32, i32, bool)> {
    let mut terms = Vec::new();
    for year in first.year..=last.year {
        let from = if year == first.year { first.month } else { 1 };
        let to = if year == last.year { last.month } else { 12 };
        let inside = to.saturating_sub(from) + 1;
        let stored = |m: u32| Month { year, month: m } <= now;
        let outside = (1..from).chain(to + 1..=12).filter(|&m| stored(m)).count();
        let (from_n, to_n) = (year * 100 + from as i32, year * 100 + to as i32);
        if 1 + outside < inside as usize {
            terms.push((year_row(year), year_row(year), true));
            if from > 1 {
                terms.push((year * 100 + 1, from_n - 1, false));
            }
            if to < 12 {
                terms.push((to_n + 1, year * 100 + 12, false));
            }
        } else {
            terms.push((from_n, to_n, true));
        }
    }
    terms
}

fn slot_number(s: Slot) -> i32 {
    match s {
        Slot::Events => 0,
        Slot::OpenAtEnd => 1,
    }
}

fn month_number(m: Month) -> i32 {
    m.year * 100 + i32::try_from(m.month).unwrap_or(0)
}

/// The months `first..=last` a period is made of, when it is a run of whole Vietnamese months —
/// the last one possibly cut at now (`clipped`: nothing has happened after now yet).
pub fn months_of(app: &App, period: &Period, clipped: bool) -> Option<(Month, Month)> {
    // Months are Vietnam's (UTC+7); a deployment in another zone reads dossiers instead.
    if app.calendar.offset().local_minus_utc() != 7 * 3600 || period.from >= period.to {
        return None;
    }
    let first = Month::of(period.from);
    let last = Month::of(period.to - TimeDelta::microseconds(1));
    let aligned_end = last.next().start() == Some(period.to);
    (first.start() == Some(period.from) && (aligned_end || clipped)).then_some((first, last))
}

/// Placeholders numbered for the backend, with their values.
struct Args {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Args {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    fn push(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// `agency_code` in the scope: the agency itself or any code under it (`H31` → `H31.…`), as one
/// index range in byte order.
fn scope_sql(args: &mut Args, req: &Request) -> String {
    let mut sql = String::from("1 = 1");
    if let Some(a) = &req.agency {
        let (eq, lo, hi) = (
            args.push(a.clone()),
            args.push(format!("{a}.")),
            args.push(format!("{a}/")),
        );
        sql.push_str(&format!(
            " AND (agency_code = {eq} OR (agency_code > {lo} AND agency_code < {hi}))"
        ));
    }
    if let Some(p) = &req.procedure {
        sql.push_str(&format!(" AND procedure_code = {}", args.push(p.clone())));
    }
    sql
}

fn key_of(row: &QueryResult) -> Result<(String, String), DbErr> {
    Ok((
        row.try_get("", "agency_code")?,
        row.try_get("", "procedure_code")?,
    ))
}

/// Whether the roll-ups can answer now: made under this basis, and no dossier waiting for a
/// refresh once a short catch-up is done.
pub async fn current(app: &App) -> Result<bool, AppError> {
    if stored_basis(&app.db).await?.as_deref() != Some(basis(app).as_str()) {
        return Ok(false);
    }
    // A read writes only when something is waiting, and only a little.
    match waiting(app, READ_CATCH_UP + 1).await? {
        0 => Ok(true),
        n if n <= READ_CATCH_UP => {
            refresh(app, READ_CATCH_UP).await?;
            Ok(waiting(app, 1).await? == 0)
        }
        _ => Ok(false),
    }
}

/// Marked dossiers, counted up to `limit` (a count of millions during a rebuild would cost more
/// than the read it guards).
async fn waiting(app: &App, limit: u64) -> Result<u64, AppError> {
    let b = app.db.get_database_backend();
    let mut args = Args::new(b);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM indicator_dirty LIMIT {}) AS marked",
        args.push(i64::try_from(limit).unwrap_or(i64::MAX))
    );
    let row = app.db.query_one_raw(args.statement(sql)).await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The basis the stored roll-ups were made under.
async fn stored_basis(c: &impl ConnectionTrait) -> Result<Option<String>, AppError> {
    let row = c
        .query_one_raw(Statement::from_string(
            c.get_database_backend(),
            "SELECT basis FROM indicator_state WHERE id = 1",
        ))
        .await?;
    Ok(row.map(|r| r.try_get("", "basis")).transpose()?)
}

/// Dossiers marked and not yet refreshed.
pub async fn pending(app: &App) -> Result<u64, AppError> {
    let b = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            b,
            "SELECT COUNT(*) AS n FROM indicator_dirty",
        ))
        .await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One period the roll-ups answer: the months `first..=last`, measured up to `at` (the period's
/// end, or now for the current month).
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub first: Month,
    pub last: Month,
    pub at: DateTime<Utc>,
}

/// The tallies of `req`'s scope (agency, procedure) for each span, in order: each span's months'
/// events and what finished dossiers added at its last month's end (one indexed sum per span),
/// and what running dossiers add at each span's end (one pass over the open states for all).
pub async fn read(app: &App, req: &Request, spans: &[Span]) -> Result<Vec<Tallies>, AppError> {
    let mut out = vec![Tallies::new(); spans.len()];
    if spans.is_empty() {
        return Ok(out);
    }
    let b = app.reader.get_database_backend();
    let sums: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM(sign * {c}) AS BIGINT) AS {c}"))
        .collect();
    let now = Month::of(app.now());
    let mut statements: Vec<Statement> = spans
        .iter()
        .map(|span| {
            let terms = event_terms(span.first, span.last, now);
            // Placeholders in the order they appear in the text (SQLite's are positional). Each
            // row read is added or, when it is a month outside the run, taken away: its sign is
            // decided once per row, and every sum multiplies by it.
            let mut args = Args::new(b);
            let mut taken: Vec<String> = terms
                .iter()
                .filter(|t| !t.2)
                .map(|&(lo, hi, _)| {
                    format!("(month >= {} AND month <= {})", args.push(lo), args.push(hi))
                })
                .collect();
            if taken.is_empty() {
                taken.push("1 = 0".to_owned());
            }
            let scope = scope_sql(&mut args, req);
            let mut rows: Vec<String> = terms
                .iter()
                .map(|&(lo, hi, _)| {
                    format!(
                        "(slot = 0 AND month >= {} AND month <= {})",
                        args.push(lo),
                        args.push(hi)
                    )
                })
                .collect();
            rows.push(format!(
                "(slot = 1 AND month = {})",
                args.push(month_number(span.last))
            ));
            let sql = format!(
                "SELECT agency_code, procedure_code, {} FROM (SELECT *, CASE WHEN slot = 0 AND ({}) \
                 THEN -1 ELSE 1 END AS sign FROM indicator_rollups WHERE {scope} AND ({})) AS r \
                 GROUP BY agency_code, procedure_code",
                sums.join(", "),
                taken.join(" OR "),
                rows.join(" OR ")
            );
            args.statement(sql)
        })
        .collect();
    statements.push(open_sums(b, req, spans));
    // The sums are independent: on PostgreSQL each runs on its own pooled connection, so the read
    // takes the longest of them rather than their total (SQLite's one connection takes them in turn).
    let mut results = futures::future::try_join_all(
        statements
            .into_iter()
            .map(|statement| app.reader.query_all_raw(statement)),
    )
    .await?;
    let open_rows = results.pop().unwrap_or_default();
    for (rows, tallies) in results.into_iter().zip(out.iter_mut()) {
        for row in rows {
            let mut counts = [0i64; COLUMNS.len()];
            for (i, count) in counts.iter_mut().enumerate() {
                *count = sum_at(&row, i + 2)?;
            }
            *tallies.entry(key_of(&row)?).or_default() += rollup::tally_of(&counts);
        }
    }
    for row in open_rows {
        let key = key_of(&row)?;
        for (i, tallies) in out.iter_mut().enumerate() {
            // Four sums per span, after the two key columns.
            let n = |k: usize| sum_at(&row, 2 + 4 * i + k).map(|v| u64::try_from(v).unwrap_or(0));
            let (counted, late) = (n(0)?, n(1)?);
            let mut t = Tally::default();
            t.on_time.den = counted;
            t.on_time.num = counted.saturating_sub(late);
            t.timeliness.in_time = counted.saturating_sub(late);
            t.timeliness.late = late;
            t.satisfaction.total = counted;
            t.satisfaction.overdue = late;
            t.satisfaction.dissatisfied = n(2)?;
            t.received_in_8h.den = n(3)?;
            if t != Tally::default() {
                *tallies.entry(key.clone()).or_default() += t;
            }
        }
    }
    Ok(out)
}

/// What running dossiers add at each span's end, in one pass over their open states: the two key
/// columns, then four sums per span (counted, late, dissatisfied, receipt late).
fn open_sums(b: DbBackend, req: &Request, spans: &[Span]) -> Statement {
    // Placeholders are taken in the order they appear in the text (SQLite's are positional),
    // each condition written afresh where it is used.
    let mut args = Args::new(b);
    let mut select = Vec::with_capacity(4 * spans.len());
    for (i, span) in spans.iter().enumerate() {
        let at = span.at;
        let counted = |args: &mut Args| {
            format!(
                "counted_from < {} AND (counted_until IS NULL OR {} <= counted_until)",
                args.push(at),
                args.push(at)
            )
        };
        let sums = [
            format!("CASE WHEN {} THEN 1 ELSE 0 END", counted(&mut args)),
            format!(
                "CASE WHEN {} AND late_after IS NOT NULL AND {} > late_after THEN 1 ELSE 0 END",
                counted(&mut args),
                args.push(at)
            ),
            format!(
                "CASE WHEN {} AND dissatisfied THEN 1 ELSE 0 END",
                counted(&mut args)
            ),
            format!(
                "CASE WHEN receipt_late_after < {} AND (receipt_until IS NULL OR {} <= receipt_until) \
                 THEN 1 ELSE 0 END",
                args.push(at),
                args.push(at)
            ),
        ];
        for (k, e) in sums.iter().enumerate() {
            select.push(format!("CAST(SUM({e}) AS BIGINT) AS s{i}_{k}"));
        }
    }
    let scope = scope_sql(&mut args, req);
    let sql = format!(
        "SELECT agency_code, procedure_code, {} FROM indicator_open WHERE {scope} \
         GROUP BY agency_code, procedure_code",
        select.join(", ")
    );
    args.statement(sql)
}

/// The summed column at `index` (a bigint; no rows give NULL). By position: thousands of rows
/// times dozens of sums, where a lookup by name would cost more than the decoding.
fn sum_at(row: &QueryResult, index: usize) -> Result<i64, DbErr> {
    Ok(row.try_get_by_index::<Option<i64>>(index)?.unwrap_or(0))
}

/// Starts over when the stored roll-ups were made under another basis (first start, new rules,
/// new calendar): empties them and marks every submitted dossier. Returns whether it did.
pub async fn ensure_basis(app: &App) -> Result<bool, AppError> {
    let want = basis(app);
    let b = app.db.get_database_backend();
    let txn = app.db.begin().await?;
    lock(&txn, app.now()).await?;
    if stored_basis(&txn).await?.as_deref() == Some(want.as_str()) {
        txn.commit().await?;
        return Ok(false);
    }
    for t in ["indicator_rollups", "indicator_shares", "indicator_open"] {
        txn.execute_raw(Statement::from_string(b, format!("DELETE FROM {t}")))
            .await?;
    }
    txn.execute_raw(Statement::from_string(
        b,
        "INSERT INTO indicator_dirty (dossier_id, gen) SELECT id, 1 FROM dossiers WHERE status <> 0 \
         ON CONFLICT (dossier_id) DO UPDATE SET gen = indicator_dirty.gen + 1",
    ))
    .await?;
    let mut args = Args::new(b);
    let sql = format!(
        "UPDATE indicator_state SET basis = {} WHERE id = 1",
        args.push(want)
    );
    txn.execute_raw(args.statement(sql)).await?;
    txn.commit().await?;
    Ok(true)
}

/// Takes the state row exclusively for the transaction (a rebuild's start): no refresh batch runs
/// meanwhile. SQLite refreshers take it too — it has one writer at a time anyway.
async fn lock(c: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut args = Args::new(c.get_database_backend());
    let sql = format!(
        "UPDATE indicator_state SET refreshed_at = {} WHERE id = 1",
        args.push(now)
    );
    c.execute_raw(args.statement(sql)).await?;
    Ok(())
}

/// One stored share: month (`YYYYMM`), slot, counts.
type Share = (i32, i32, Vec<i64>);

/// Refreshes up to `max` marked dossiers, a batch per transaction; returns how many it did.
/// Several may run at once on PostgreSQL (see [`refresh_batch`]).
pub async fn refresh(app: &App, max: u64) -> Result<u64, AppError> {
    let mut done = 0;
    let mut procs = Pinned::default();
    // Walks the marks in key order from where the last batch stopped, then once more from the
    // start for marks set meanwhile: a queue's head is never rescanned over its removed rows.
    let mut after: Option<String> = None;
    while done < max {
        let (n, last) =
            refresh_batch(app, &mut procs, after.as_deref(), BATCH.min(max - done)).await?;
        done += n;
        match (n, last) {
            (0, _) if after.is_none() => break,
            (0, _) => after = None,
            (_, last) => after = last,
        }
    }
    Ok(done)
}

/// One batch of marks after `after`: how many, and the last one's key.
async fn refresh_batch(
    app: &App,
    procs: &mut Pinned,
    after: Option<&str>,
    size: u64,
) -> Result<(u64, Option<String>), AppError> {
    let b = app.db.get_database_backend();
    let minutes = |a, z| app.calendar.working_minutes_between(a, z);
    let txn = app.db.begin().await?;
    // PostgreSQL: batches run side by side (nodes, or `--rebuild`'s workers), each on marks no
    // other batch holds, and none while a rebuild starts (which takes the state row exclusively).
    // A writer re-marking a held dossier waits for the batch, then its mark stays for the next.
    let pg = b == DbBackend::Postgres;
    if pg {
        txn.execute_raw(Statement::from_string(
            b,
            "SELECT id FROM indicator_state WHERE id = 1 FOR SHARE",
        ))
        .await?;
    } else {
        lock(&txn, app.now()).await?;
    }
    let mut args = Args::new(b);
    let from = match after {
        Some(key) => format!("WHERE dossier_id > {}", args.push(key.to_owned())),
        None => String::new(),
    };
    let sql = format!(
        "SELECT dossier_id, gen FROM indicator_dirty {from} ORDER BY dossier_id LIMIT {}{}",
        args.push(i64::try_from(size).unwrap_or(i64::MAX)),
        if pg { " FOR UPDATE SKIP LOCKED" } else { "" }
    );
    let marks: Vec<(String, i64)> = txn
        .query_all_raw(args.statement(sql))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "dossier_id")?, r.try_get("", "gen")?)))
        .collect::<Result<_, DbErr>>()?;
    if marks.is_empty() {
        txn.commit().await?;
        return Ok((0, None));
    }
    let ids: Vec<String> = marks.iter().map(|(id, _)| id.clone()).collect();
    let facts: HashMap<String, Facts> = facts_where(
        &txn,
        procs,
        Condition::all().add(dossier::Column::Id.is_in(ids.clone())),
        None,
    )
    .await?
    .into_iter()
    .collect();

    // The difference per roll-up row: new shares minus those stored last time.
    let mut delta: BTreeMap<(String, String, i32, i32), [i64; COLUMNS.len()]> = BTreeMap::new();
    let mut args = Args::new(b);
    let list: Vec<String> = ids.iter().map(|id| args.push(id.clone())).collect();
    let sql = format!(
        "SELECT dossier_id, agency_code, procedure_code, shares FROM indicator_shares \
         WHERE dossier_id IN ({})",
        list.join(", ")
    );
    for row in txn.query_all_raw(args.statement(sql)).await? {
        let (agency, procedure) = key_of(&row)?;
        let text: String = row.try_get("", "shares")?;
        let shares: Vec<Share> = motcua_store::from_json("indicator_shares.shares", &text)?;
        for (month, slot, counts) in shares {
            let d = delta
                .entry((agency.clone(), procedure.clone(), month, slot))
                .or_insert([0; COLUMNS.len()]);
            for (x, c) in d.iter_mut().zip(counts) {
                *x -= c;
            }
        }
    }
    let mut new_shares: Vec<(String, &Facts, String)> = Vec::new();
    let mut open: Vec<(String, &Facts, OpenState)> = Vec::new();
    for (id, f) in &facts {
        let mut shares: Vec<Share> = Vec::new();
        for c in contributions(&f.facts, minutes) {
            let counts = rollup::counts(&c.tally);
            let (month, slot) = (month_number(c.month), slot_number(c.slot));
            let d = delta
                .entry((f.agency.clone(), f.procedure.clone(), month, slot))
                .or_insert([0; COLUMNS.len()]);
            for (x, c) in d.iter_mut().zip(counts) {
                *x += c;
            }
            shares.push((month, slot, counts.to_vec()));
        }
        if !shares.is_empty() {
            let json = serde_json::to_string(&shares).map_err(AppError::internal)?;
            new_shares.push((id.clone(), f, json));
        }
        if f.facts.finished_at.is_none() {
            let state = OpenState::of(&f.facts, minutes);
            if !state.is_empty() {
                open.push((id.clone(), f, state));
            }
        }
    }
    with_year_totals(&mut delta);
    delta.retain(|_, d| d.iter().any(|&x| x != 0));
    add_to_rollups(&txn, &delta).await?;

    for t in ["indicator_shares", "indicator_open"] {
        let mut args = Args::new(b);
        let list: Vec<String> = ids.iter().map(|id| args.push(id.clone())).collect();
        let sql = format!("DELETE FROM {t} WHERE dossier_id IN ({})", list.join(", "));
        txn.execute_raw(args.statement(sql)).await?;
    }
    for chunk in new_shares.chunks(1_000) {
        let mut args = Args::new(b);
        let rows: Vec<String> = chunk
            .iter()
            .map(|(id, f, json)| {
                format!(
                    "({}, {}, {}, {})",
                    args.push(id.clone()),
                    args.push(f.agency.clone()),
                    args.push(f.procedure.clone()),
                    args.push(json.clone())
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO indicator_shares (dossier_id, agency_code, procedure_code, shares) VALUES {}",
            rows.join(", ")
        );
        txn.execute_raw(args.statement(sql)).await?;
    }
    for chunk in open.chunks(1_000) {
        let mut args = Args::new(b);
        let rows: Vec<String> = chunk
            .iter()
            .map(|(id, f, s)| {
                format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {})",
                    args.push(id.clone()),
                    args.push(f.agency.clone()),
                    args.push(f.procedure.clone()),
                    args.push(s.counted_from),
                    args.push(s.counted_until),
                    args.push(s.late_after),
                    args.push(s.dissatisfied),
                    args.push(s.receipt_late_after),
                    args.push(s.receipt_until)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO indicator_open (dossier_id, agency_code, procedure_code, counted_from, \
             counted_until, late_after, dissatisfied, receipt_late_after, receipt_until) VALUES {}",
            rows.join(", ")
        );
        txn.execute_raw(args.statement(sql)).await?;
    }
    // The marks taken: nobody could change them meanwhile (PostgreSQL: held FOR UPDATE; SQLite:
    // this transaction is the one writer), so a dossier marked again since waits with a new mark.
    for chunk in ids.chunks(1_000) {
        let mut args = Args::new(b);
        let list: Vec<String> = chunk.iter().map(|id| args.push(id.clone())).collect();
        let sql = format!(
            "DELETE FROM indicator_dirty WHERE dossier_id IN ({})",
            list.join(", ")
        );
        txn.execute_raw(args.statement(sql)).await?;
    }
    txn.commit().await?;
    let last = marks.last().map(|(id, _)| id.clone());
    Ok((u64::try_from(marks.len()).unwrap_or(0), last))
}

/// Adds each difference to its roll-up row, creating the row when it is new.
async fn add_to_rollups(
    c: &impl ConnectionTrait,
    delta: &BTreeMap<(String, String, i32, i32), [i64; COLUMNS.len()]>,
) -> Result<(), AppError> {
    let b = c.get_database_backend();
    let rows: Vec<_> = delta.iter().collect();
    let updates: Vec<String> = COLUMNS
        .iter()
        .map(|col| format!("{col} = indicator_rollups.{col} + excluded.{col}"))
        .collect();
    // 35 values a row: under SQLite's 32,766 parameters.
    for chunk in rows.chunks(900) {
        let mut args = Args::new(b);
        let values: Vec<String> = chunk
            .iter()
            .map(|((agency, procedure, month, slot), d)| {
                let mut v = vec![
                    args.push(agency.clone()),
                    args.push(procedure.clone()),
                    args.push(*month),
                    args.push(*slot),
                ];
                v.extend(d.iter().map(|x| args.push(*x)));
                format!("({})", v.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO indicator_rollups (agency_code, procedure_code, month, slot, {}) VALUES {} \
             ON CONFLICT (agency_code, procedure_code, month, slot) DO UPDATE SET {}",
            COLUMNS.join(", "),
            values.join(", "),
            updates.join(", ")
        );
        c.execute_raw(args.statement(sql)).await?;
    }
    Ok(())
}

/// Empties the roll-ups and marks every submitted dossier, whatever the basis (`motcua indicators
/// --rebuild`); the refresher then fills them again.
pub async fn rebuild(app: &App) -> Result<(), AppError> {
    let b = app.db.get_database_backend();
    app.db
        .execute_raw(Statement::from_string(
            b,
            "UPDATE indicator_state SET basis = '' WHERE id = 1",
        ))
        .await?;
    ensure_basis(app).await?;
    Ok(())
}

/// After a rebuild on PostgreSQL: the marks table emptied of millions of rows and the roll-ups
/// rewritten many times over are vacuumed, so reads do not wade through dead rows until
/// autovacuum comes by.
pub async fn tidy(app: &App) -> Result<(), AppError> {
    let b = app.db.get_database_backend();
    if b == DbBackend::Postgres {
        app.db
            .execute_unprepared(
                "VACUUM (ANALYZE) indicator_dirty, indicator_rollups, indicator_open, indicator_shares",
            )
            .await?;
    }
    Ok(())
}

/// One (agency, procedure) whose roll-up differs from the dossiers themselves.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub agency: String,
    pub procedure: String,
    pub rolled_up: Tally,
    pub recomputed: Tally,
}

/// Compares the roll-ups of each request (one scope, several periods: they are read together,
/// as the public page reads its months) with a full recomputation, (agency, procedure) by
/// (agency, procedure), after refreshing every marked dossier. For each request: the sums
/// compared and those that differ; `None` when its period is not a run of whole months (the
/// roll-ups do not answer it).
pub async fn verify(
    app: &App,
    reqs: &[Request],
) -> Result<Vec<Option<(usize, Vec<Mismatch>)>>, AppError> {
    ensure_basis(app).await?;
    while refresh(app, 50_000).await? > 0 {}
    let reqs: Vec<(Request, Option<Span>)> = reqs
        .iter()
        .map(|r| {
            let (req, clipped) = crate::indicators::up_to_now(app, r);
            let span = months_of(app, &req.period, clipped).map(|(first, last)| Span {
                first,
                last,
                at: req.period.to,
            });
            (req, span)
        })
        .collect();
    let spans: Vec<Span> = reqs.iter().filter_map(|(_, s)| *s).collect();
    let mut rolled = match reqs.first() {
        Some((req, _)) => read(app, req, &spans).await?.into_iter(),
        None => Vec::new().into_iter(),
    };
    let mut out = Vec::with_capacity(reqs.len());
    for (req, span) in &reqs {
        if span.is_none() {
            out.push(None);
            continue;
        }
        let rolled = rolled.next().unwrap_or_default();
        let recomputed = crate::indicators::recompute(app, req).await?;
        out.push(Some(differences(&rolled, &recomputed)));
    }
    Ok(out)
}

fn differences(rolled: &Tallies, recomputed: &Tallies) -> (usize, Vec<Mismatch>) {
    let keys: std::collections::BTreeSet<&(String, String)> =
        rolled.keys().chain(recomputed.keys()).collect();
    let mut out = Vec::new();
    for k in &keys {
        let (a, r) = (
            rolled.get(*k).copied().unwrap_or_default(),
            recomputed.get(*k).copied().unwrap_or_default(),
        );
        if a != r {
            out.push(Mismatch {
                agency: k.0.clone(),
                procedure: k.1.clone(),
                rolled_up: a,
                recomputed: r,
            });
        }
    }
    (keys.len(), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(year: i32, month: u32) -> Month {
        Month { year, month }
    }

    #[test]
    fn a_run_of_months_reads_year_rows_where_that_reads_fewer() {
        let dec = m(2026, 12);
        // A whole year: its row alone.
        assert_eq!(
            event_terms(m(2025, 1), m(2025, 12), dec),
            [(202500, 202500, true)]
        );
        // This year so far (November): the year row less December, which has no rows yet.
        assert_eq!(
            event_terms(m(2026, 1), m(2026, 11), m(2026, 11)),
            [(202600, 202600, true), (202612, 202612, false)]
        );
        // A quarter, a month: the months themselves.
        assert_eq!(
            event_terms(m(2026, 4), m(2026, 6), dec),
            [(202604, 202606, true)]
        );
        assert_eq!(
            event_terms(m(2026, 5), m(2026, 5), dec),
            [(202605, 202605, true)]
        );
        // Across a new year: ten months of 2025 as its row less two, nine of 2026 likewise.
        assert_eq!(
            event_terms(m(2025, 3), m(2026, 9), dec),
            [
                (202500, 202500, true),
                (202501, 202502, false),
                (202600, 202600, true),
                (202610, 202612, false),
            ]
        );
        // Two months on each side: months.
        assert_eq!(
            event_terms(m(2025, 11), m(2026, 2), dec),
            [(202511, 202512, true), (202601, 202602, true)]
        );
    }

    #[test]
    fn year_rows_sum_the_months_events_only() {
        let mut delta = BTreeMap::new();
        let key = |month, slot| ("H31".to_owned(), "1.1".to_owned(), month, slot);
        let mut a = [0i64; COLUMNS.len()];
        a[0] = 2;
        let mut b = [0i64; COLUMNS.len()];
        b[0] = -1;
        b[3] = 5;
        delta.insert(key(202601, 0), a);
        delta.insert(key(202611, 0), b);
        delta.insert(key(202611, 1), a);
        delta.insert(key(202512, 0), a);
        with_year_totals(&mut delta);
        let mut year = [0i64; COLUMNS.len()];
        year[0] = 1;
        year[3] = 5;
        assert_eq!(delta[&key(202600, 0)], year);
        assert_eq!(delta[&key(202500, 0)], a);
        assert!(!delta.contains_key(&key(202600, 1)));
        assert_eq!(delta.len(), 6);
    }
}
