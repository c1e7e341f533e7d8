//! The Decision 766 indicators of an agency (or the whole deployment) over a period, computed from
//! what the dossiers, payments, ratings and feedback recorded — never from typed numbers (SPEC §11;
//! DOMAIN-VN §3). The rules are in `motcua_domain::indicators`; this module only reads the facts.
//!
//! Scope: an agency code covers that agency and every agency whose code extends it with a dot —
//! the national e-ID codes (Decision 20/2020/QĐ-TTg) are hierarchical, so `H31` is the whole
//! province, `H31.11341` a commune's people's committee with its police `H31.11341.CA`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SubsecRound, TimeZone, Utc};
use motcua_domain::catalogue::{ApplicantKind, Channel, OnlineLevel, Procedure};
use motcua_domain::feedback::Rating;
use motcua_domain::indicators::{
    self, CatalogueFacts, DossierFacts, FeedbackFacts, Period, Ratio, Report, Tally,
};
use motcua_domain::lifecycle::DossierState;
use motcua_domain::national::{self, Database};
use motcua_store::entities::{
    agency, attachment, document, dossier, feedback, npsp_sync, payment, rating,
};
use motcua_store::sea_orm::sea_query::Query;
use motcua_store::sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::{App, AppError, ErrorCode, catalogue};

/// What to compute: a scope and a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `None`: every agency of the deployment.
    pub agency: Option<String>,
    pub procedure: Option<String>,
    pub period: Period,
}

/// The figures of one scope and period, as the API, the CLI and the dashboards show them.
#[derive(Debug, Clone, Serialize)]
pub struct Indicators {
    pub agency: Option<AgencyRef>,
    pub procedure: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Dossiers received in the period (3.3's denominator): a sum, so roll-ups give it too.
    pub dossiers: u64,
    #[serde(flatten)]
    pub report: Report,
    /// Why an indicator is not measured or how it is read here.
    pub notes: BTreeMap<String, Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub vi: &'static str,
    pub en: &'static str,
}

/// One dossier behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behind {
    pub code: String,
    pub procedure: String,
    pub agency: String,
    /// Counted in the numerator (on time, online, paid online…), not only the denominator.
    pub counted: bool,
}

/// The columns the indicators read; the form and applicant blocks stay in the database.
type Columns = (
    String,
    String,
    String,
    i32,
    String,
    String,
    bool,
    bool,
    bool,
    bool,
);

struct Row {
    id: String,
    code: String,
    procedure_code: String,
    procedure_version: i32,
    competent_agency: String,
    lifecycle: String,
    reused_data: bool,
    from_warehouse: bool,
    population_data: bool,
    vneid_applicant: bool,
}

/// An agency code as a scope: letters, digits and dots only, so it can be matched by prefix.
fn valid_scope(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

fn scope_condition(column: impl ColumnTrait + Copy, agency: &str) -> Condition {
    Condition::any()
        .add(column.eq(agency.to_owned()))
        .add(column.starts_with(format!("{agency}.")))
}

/// The agency by code; 404 for an unknown one, 422 for something that is not a code.
pub async fn find_agency(app: &App, code: &str) -> Result<AgencyRef, AppError> {
    if !valid_scope(code) {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_agency",
            "Mã cơ quan chỉ gồm chữ, số và dấu chấm, ví dụ H31.11341.",
            "An agency code has letters, digits and dots only, e.g. H31.11341.",
        ));
    }
    let a = agency::Entity::find_by_id(code.to_owned())
        .one(&app.reader)
        .await?
        .ok_or_else(|| AppError::not_found("cơ quan", "agency"))?;
    Ok(AgencyRef {
        code: a.code,
        name_vi: a.name_vi,
        name_en: a.name_en,
    })
}

/// The request measured no later than now (to the microsecond, as instants are stored): an
/// unfinished dossier is judged at the period's end or now, whichever comes first — never late for
/// a due date still ahead. Also says whether the end was cut to now.
pub(crate) fn up_to_now(app: &App, req: &Request) -> (Request, bool) {
    let now = app.now().trunc_subsecs(6);
    let mut r = req.clone();
    let clipped = r.period.to > now;
    r.period.to = r.period.to.min(now);
    r.period.from = r.period.from.min(r.period.to);
    (r, clipped)
}

/// What each (agency, procedure) counted in a period: the sums every figure is made of.
pub type Tallies = BTreeMap<(String, String), Tally>;

/// The tallies of each request (already measured up to now; `clipped` when cut at now), from
/// the roll-ups when they are current and the period is a run of whole months (the last one
/// possibly cut at now), else by reading every dossier of the scope and period. The requests
/// share one scope (agency, procedure): the roll-ups answer them together.
/// `rolled_up`: [`crate::rollups::current`], asked once per request however many periods it reads.
async fn tallies(
    app: &App,
    reqs: &[(Request, bool)],
    rolled_up: bool,
) -> Result<Vec<Tallies>, AppError> {
    let mut out = vec![Tallies::new(); reqs.len()];
    let mut spans = Vec::new();
    let mut spanned = Vec::new();
    for (i, (req, clipped)) in reqs.iter().enumerate() {
        match crate::rollups::months_of(app, &req.period, *clipped).filter(|_| rolled_up) {
            Some((first, last)) => {
                spans.push(crate::rollups::Span {
                    first,
                    last,
                    at: req.period.to,
                });
                spanned.push(i);
            }
            None => out[i] = recompute(app, req).await?,
        }
    }
    if let Some((req, _)) = spanned.first().and_then(|&i| reqs.get(i)) {
        let read = crate::rollups::read(app, req, &spans).await?;
        for (i, t) in spanned.into_iter().zip(read) {
            out[i] = t;
        }
    }
    Ok(out)
}

/// The tallies of `req` from the dossiers themselves, a page at a time (memory stays flat): what
/// `motcua indicators --verify` compares the roll-ups with.
pub async fn recompute(app: &App, req: &Request) -> Result<Tallies, AppError> {
    let minutes = |a, b| app.calendar.working_minutes_between(a, b);
    let mut out = Tallies::new();
    let mut procs = Pinned::default();
    let mut after: Option<String> = None;
    loop {
        let mut which = request_condition(req);
        if let Some(last) = &after {
            which = which.add(dossier::Column::Id.gt(last.clone()));
        }
        let page = facts_where(&app.db, &mut procs, which, Some(PAGE)).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        let full = page.len() >= PAGE as usize;
        for (_, f) in page {
            let t = indicators::tally(&f.facts, &req.period, minutes);
            *out.entry((f.agency, f.procedure)).or_default() += t;
        }
        if !full {
            break;
        }
    }
    Ok(out)
}

/// Dossiers read at a time when recomputing.
const PAGE: u64 = 5_000;

/// Computes every indicator for the request.
pub async fn compute(app: &App, req: &Request) -> Result<Indicators, AppError> {
    Ok(breakdown(app, req, false).await?.figures)
}

/// The report of `req`'s scope (agency and procedure) from tallies that may cover more, with the
/// procedure and feedback inputs of that scope; and the dossiers received in the period.
fn figures_of(
    app: &App,
    req: &Request,
    tallies: &Tallies,
    procs: &[Procedure],
    around: &Around,
    judged: &[Judged<'_>],
) -> Result<(Report, u64), AppError> {
    let covers = |code: &str| req.agency.as_deref().is_none_or(|a| in_scope(code, a));
    let mut total = Tally::default();
    let mut by_procedure: HashMap<&str, Tally> = HashMap::new();
    for ((agency, procedure), t) in tallies {
        if !covers(agency)
            || req
                .procedure
                .as_deref()
                .is_some_and(|p| p != procedure.as_str())
        {
            continue;
        }
        total += t;
        *by_procedure.entry(procedure.as_str()).or_default() += t;
    }
    let kinds: HashSet<&str> = around
        .agencies
        .iter()
        .filter(|(code, _)| covers(code))
        .map(|(_, kind)| kind.as_str())
        .collect();
    let catalogue = catalogue_facts(app, req, &by_procedure, procs, &kinds);
    let rows: Vec<&Judged<'_>> = judged
        .iter()
        .filter(|j| {
            covers(&j.row.agency_code)
                && req
                    .procedure
                    .as_deref()
                    .is_none_or(|p| j.row.procedure_code.as_deref() == Some(p))
        })
        .collect();
    let feedback = feedback_facts(&rows);
    Ok((
        indicators::report(&total, &catalogue, &feedback, &app.scoring),
        total.online.den,
    ))
}

/// The agencies (code, kind) and the feedback received of a scope and period: read once, then
/// narrowed in memory for each agency under the scope and each month inside the period.
struct Around {
    agencies: Vec<(String, String)>,
    feedback: Vec<feedback::Handling>,
}

async fn around(app: &App, req: &Request) -> Result<Around, AppError> {
    let mut agencies = agency::Entity::find()
        .select_only()
        .columns([agency::Column::Code, agency::Column::Kind]);
    let mut fb = feedback::Entity::find()
        .filter(feedback::Column::ReceivedAt.gte(req.period.from))
        .filter(feedback::Column::ReceivedAt.lt(req.period.to));
    if let Some(a) = &req.agency {
        agencies = agencies.filter(scope_condition(agency::Column::Code, a));
        fb = fb.filter(scope_condition(feedback::Column::AgencyCode, a));
    }
    let (agencies, feedback) = futures::try_join!(
        agencies.into_tuple().all(&app.reader),
        fb.into_partial_model().all(&app.reader)
    )?;
    Ok(Around { agencies, feedback })
}

/// A feedback item received in a period, judged at the period's end once, however many scopes
/// (the whole, each agency under it, each procedure) then count it.
struct Judged<'a> {
    row: &'a feedback::Handling,
    /// Its facts as if its sender had not written again: that depends on the scope.
    alone: FeedbackFacts,
}

fn judge<'a>(
    app: &App,
    period: &Period,
    rows: &'a [feedback::Handling],
) -> Result<Vec<Judged<'a>>, AppError> {
    rows.iter()
        .filter(|r| period.contains(r.received_at))
        .map(|row| {
            let state = crate::feedback::handling_state(row)?;
            Ok(Judged {
                row,
                alone: FeedbackFacts::of(&state, &app.calendar, period.to, false),
            })
        })
        .collect()
}

/// Whether an agency code falls in a scope (the scope itself or below it).
pub(crate) fn in_scope(agency: &str, scope: &str) -> bool {
    agency == scope
        || agency
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// One part of a breakdown: an agency under the scope, or a procedure.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Received in the period.
    pub dossiers: u64,
    #[serde(flatten)]
    pub report: Report,
}

/// The agencies directly under the scope (the province's departments and communes; the
/// deployment's provinces when there is no scope).
async fn children_of(app: &App, scope: Option<&str>) -> Result<Vec<agency::Model>, AppError> {
    let under = match scope {
        Some(code) => agency::Column::ParentCode.eq(code.to_owned()),
        None => agency::Column::ParentCode.is_null(),
    };
    Ok(agency::Entity::find()
        .filter(under)
        .all(&app.reader)
        .await?)
}

/// The figures of each of `children` (from [`children_of`]), from tallies made for `req`.
fn parts_by_agency(
    app: &App,
    req: &Request,
    children: Vec<agency::Model>,
    tallies: &Tallies,
    procs: &[Procedure],
    around: &Around,
    judged: &[Judged<'_>],
) -> Result<Vec<Part>, AppError> {
    let mut out = Vec::with_capacity(children.len());
    for child in children {
        let child_req = Request {
            agency: Some(child.code.clone()),
            ..req.clone()
        };
        let (report, dossiers) = figures_of(app, &child_req, tallies, procs, around, judged)?;
        out.push(Part {
            report,
            dossiers,
            key: child.code,
            name_vi: child.name_vi,
            name_en: child.name_en,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The figures of each procedure with dossiers in the scope and period, from tallies made for
/// `req`.
fn parts_by_procedure(
    app: &App,
    req: &Request,
    t: &Tallies,
    procs: &[Procedure],
    around: &Around,
    judged: &[Judged<'_>],
) -> Result<Vec<Part>, AppError> {
    let codes: BTreeSet<&str> = t
        .iter()
        .filter(|((agency, _), tally)| {
            req.agency.as_deref().is_none_or(|a| in_scope(agency, a)) && **tally != Tally::default()
        })
        .map(|((_, procedure), _)| procedure.as_str())
        .collect();
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        let proc_req = Request {
            procedure: Some(code.to_owned()),
            ..req.clone()
        };
        let p = procs.iter().find(|p| p.code.as_str() == code);
        let (report, dossiers) = figures_of(app, &proc_req, t, procs, around, judged)?;
        out.push(Part {
            report,
            dossiers,
            key: code.to_owned(),
            name_vi: p.map(|p| p.name_vi.clone()).unwrap_or_default(),
            name_en: p.map(|p| p.name_en.clone()).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// What the dashboard shows: the scope's figures and, with `parts`, those of each agency under
/// it and each procedure — from one set of tallies.
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub figures: Indicators,
    pub agencies: Vec<Part>,
    pub procedures: Vec<Part>,
}

pub async fn breakdown(app: &App, req: &Request, parts: bool) -> Result<Breakdown, AppError> {
    let (req, clipped) = &up_to_now(app, req);
    let agency = match &req.agency {
        Some(code) => Some(find_agency(app, code).await?),
        None => None,
    };
    let rolled_up = crate::rollups::current(app).await?;
    // Independent reads, together (on PostgreSQL each on its own pooled connection).
    let asked = [(req.clone(), *clipped)];
    let (mut t, procs, around, children) = futures::try_join!(
        tallies(app, &asked, rolled_up),
        catalogue::current_all(app),
        around(app, req),
        async {
            match parts {
                true => children_of(app, req.agency.as_deref()).await,
                false => Ok(Vec::new()),
            }
        },
    )?;
    let t = t.pop().unwrap_or_default();
    let judged = judge(app, &req.period, &around.feedback)?;
    let (report, dossiers) = figures_of(app, req, &t, &procs, &around, &judged)?;
    let (agencies, procedures) = if parts {
        (
            parts_by_agency(app, req, children, &t, &procs, &around, &judged)?,
            parts_by_procedure(app, req, &t, &procs, &around, &judged)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Breakdown {
        figures: Indicators {
            agency,
            procedure: req.procedure.clone(),
            from: req.period.from,
            to: req.period.to,
            dossiers,
            report,
            notes: notes(),
        },
        agencies,
        procedures,
    })
}

/// The figures of the last `months` calendar months (the current one so far last), in the
/// deployment's time zone.
pub async fn monthly(
    app: &App,
    agency: Option<&str>,
    months: u32,
) -> Result<Vec<(String, Indicators)>, AppError> {
    Ok(overview(app, agency, months, false).await?.months)
}

/// What the public page shows: each of the last `months` months, the whole window, and (with
/// `parts`) each agency under the scope over the window.
#[derive(Debug, Clone)]
pub struct Overview {
    pub months: Vec<(String, Indicators)>,
    pub whole: Option<Indicators>,
    pub parts: Vec<Part>,
}

pub async fn overview(
    app: &App,
    agency: Option<&str>,
    months: u32,
    parts: bool,
) -> Result<Overview, AppError> {
    let offset = app.calendar.offset();
    let today = app.now().with_timezone(&offset).date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let periods: Vec<(String, Period)> = (0..months)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(chrono::Months::new(back)))
        .filter_map(|start| {
            let label = start.format("%Y-%m").to_string();
            parse_period(&label, offset).map(|p| (label, p))
        })
        .collect();
    let (Some((_, first)), Some((_, last))) = (periods.first(), periods.last()) else {
        return Ok(Overview {
            months: Vec::new(),
            whole: None,
            parts: Vec::new(),
        });
    };
    let request = |period: Period| Request {
        agency: agency.map(str::to_owned),
        procedure: None,
        period,
    };
    let agency_ref = match agency {
        Some(code) => Some(find_agency(app, code).await?),
        None => None,
    };
    let (window, clipped) = up_to_now(
        app,
        &request(Period {
            from: first.from,
            to: last.to,
        }),
    );
    let indicators_of = |req: &Request, (report, dossiers): (Report, u64)| Indicators {
        agency: agency_ref.clone(),
        procedure: None,
        from: req.period.from,
        to: req.period.to,
        dossiers,
        report,
        notes: notes(),
    };
    let rolled_up = crate::rollups::current(app).await?;
    // The window first, then each month: one read of the roll-ups for all, beside the other
    // independent reads.
    let mut reqs = vec![(window.clone(), clipped)];
    reqs.extend(periods.iter().map(|(_, p)| up_to_now(app, &request(*p))));
    let (read, procs, around, children) = futures::try_join!(
        tallies(app, &reqs, rolled_up),
        catalogue::current_all(app),
        around(app, &window),
        async {
            match parts {
                true => children_of(app, agency).await,
                false => Ok(Vec::new()),
            }
        },
    )?;
    let mut read = read.into_iter();
    let t = read.next().unwrap_or_default();
    let judged = judge(app, &window.period, &around.feedback)?;
    let whole = indicators_of(
        &window,
        figures_of(app, &window, &t, &procs, &around, &judged)?,
    );
    let parts = parts_by_agency(app, &window, children, &t, &procs, &around, &judged)?;
    let mut out = Vec::with_capacity(periods.len());
    for ((label, _), ((req, _), t)) in periods.into_iter().zip(reqs.iter().skip(1).zip(read)) {
        let judged = judge(app, &req.period, &around.feedback)?;
        let figures = figures_of(app, req, &t, &procs, &around, &judged)?;
        out.push((label, indicators_of(req, figures)));
    }
    Ok(Overview {
        months: out,
        whole: Some(whole),
        parts,
    })
}

/// The dossiers in the population of `indicator` (e.g. `2.1`), with whether each counts in its
/// numerator: what a figure stands on, down to the late dossiers themselves.
pub async fn behind(app: &App, req: &Request, indicator: &str) -> Result<Vec<Behind>, AppError> {
    let (req, _) = &up_to_now(app, req);
    if ratio_of(&Tally::default(), indicator).is_none() {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "unknown_indicator",
            format!("Chỉ số {indicator} không tính theo từng hồ sơ."),
            format!("Indicator {indicator} is not counted per dossier."),
        ));
    }
    if let Some(code) = &req.agency {
        find_agency(app, code).await?;
    }
    let minutes = |a, b| app.calendar.working_minutes_between(a, b);
    let mut out = Vec::new();
    for (_, f) in dossier_facts(app, req).await? {
        if req
            .agency
            .as_deref()
            .is_some_and(|a| !in_scope(&f.agency, a))
        {
            continue;
        }
        let t = indicators::tally(&f.facts, &req.period, minutes);
        if let Some(r) = ratio_of(&t, indicator).filter(|r| r.den > 0) {
            out.push(Behind {
                code: f.code,
                procedure: f.procedure,
                agency: f.agency,
                counted: r.num > 0,
            });
        }
    }
    Ok(out)
}

/// The per-dossier ratio behind an indicator id, if it is counted per dossier.
pub fn ratio_of(t: &Tally, indicator: &str) -> Option<Ratio> {
    Some(match indicator {
        "2.1" => t.on_time,
        "receipt_8h" => t.received_in_8h,
        "1.4" => t.synced,
        "3.3" => t.online,
        "3.6" => t.paid_online,
        "4.1" => t.e_result,
        "4.2" => t.digitized,
        "4.3" => t.reused,
        "4.4" => t.warehouse,
        "4.5b" => t.population,
        _ => return None,
    })
}

fn notes() -> BTreeMap<String, Note> {
    let mut n = BTreeMap::new();
    let mut add = |id: &str, vi: &'static str, en: &'static str| {
        n.insert(id.to_owned(), Note { vi, en });
    };
    for id in ["1.1", "1.2", "1.3"] {
        add(
            id,
            "Chưa đo: ngày công bố, công khai thủ tục nằm trong Cơ sở dữ liệu quốc gia về thủ tục hành chính, hệ thống chưa kết nối.",
            "Not measured: the announcement and publication dates live in the National TTHC database, which this system is not connected to.",
        );
    }
    add(
        "1.4",
        "Chưa đo: hệ thống này chưa đồng bộ hồ sơ nào với Cổng Dịch vụ công quốc gia (chưa cấu hình); tỷ lệ hồ sơ trực tuyến (3.3) vì thế chưa nhân với tỷ lệ đồng bộ.",
        "Not measured: this deployment has not synced any dossier with the National Public Service Portal (none is configured), so the online rate (3.3) is not multiplied by a sync rate.",
    );
    add(
        "3.1b",
        "Mọi thủ tục thuộc thẩm quyền được coi là đủ điều kiện cung cấp toàn trình (danh mục chưa có cờ này).",
        "Every procedure in competence is read as eligible for a full-process online service (the catalogue has no such flag yet).",
    );
    add(
        "3.5",
        "Thủ tục có phí được coi là đã tích hợp thanh toán trực tuyến khi trong kỳ có hồ sơ của thủ tục được thanh toán trực tuyến thành công.",
        "A procedure with a fee counts as integrated for online payment when one of its dossiers in the period was paid online.",
    );
    n
}

/// The indicators' names (Decision 766/QĐ-TTg; DOMAIN-VN §3.2): id, Vietnamese, English — in the
/// order the reports list them.
pub const NAMES: [(&str, &str, &str); 23] = [
    (
        "1.1",
        "Thủ tục công bố đúng hạn",
        "Procedures announced on time",
    ),
    (
        "1.2",
        "Thủ tục công khai đúng hạn trên CSDL quốc gia",
        "Procedures published on time in the national database",
    ),
    (
        "1.3",
        "Thủ tục công khai đầy đủ các bộ phận",
        "Procedures published with all their parts",
    ),
    (
        "1.4",
        "Hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia",
        "Dossiers synced to the national portal",
    ),
    (
        "2.1",
        "Hồ sơ giải quyết trước hạn, đúng hạn",
        "Dossiers handled early or on time",
    ),
    (
        "2.2",
        "Thời gian giải quyết trung bình (giờ làm việc)",
        "Average handling time (working hours)",
    ),
    (
        "receipt_8h",
        "Hồ sơ trực tuyến được tiếp nhận trong 8 giờ làm việc",
        "Online dossiers received within 8 working hours",
    ),
    (
        "3.1",
        "Thủ tục có dịch vụ công trực tuyến",
        "Procedures with an online service",
    ),
    (
        "3.1b",
        "Thủ tục cung cấp dịch vụ công trực tuyến toàn trình",
        "Procedures offered fully online",
    ),
    (
        "3.2",
        "Dịch vụ trực tuyến có phát sinh hồ sơ",
        "Online services with dossiers",
    ),
    ("3.3", "Hồ sơ nộp trực tuyến", "Dossiers filed online"),
    (
        "3.5",
        "Thủ tục có phí tích hợp thanh toán trực tuyến",
        "Fee procedures payable online",
    ),
    ("3.6", "Hồ sơ thanh toán trực tuyến", "Dossiers paid online"),
    (
        "4.1",
        "Hồ sơ có kết quả điện tử",
        "Dossiers with an electronic result",
    ),
    ("4.2", "Hồ sơ được số hóa", "Dossiers digitized"),
    (
        "4.3",
        "Hồ sơ tái sử dụng dữ liệu số hóa",
        "Dossiers reusing digitized data",
    ),
    (
        "4.4",
        "Hồ sơ dùng kho dữ liệu của người dân",
        "Dossiers using the citizen's warehouse",
    ),
    (
        "4.5a",
        "Thủ tục kết nối CSDL quốc gia về dân cư",
        "Procedures connected to the population database",
    ),
    (
        "4.5b",
        "Hồ sơ dùng VNeID hoặc dữ liệu dân cư",
        "Dossiers using VNeID or population data",
    ),
    (
        "5.2",
        "Phản ánh, kiến nghị xử lý đúng hạn",
        "Feedback handled on time",
    ),
    (
        "5.3",
        "Hài lòng với việc xử lý phản ánh, kiến nghị",
        "Satisfaction with feedback handling",
    ),
    (
        "5.4",
        "Hài lòng với việc giải quyết thủ tục",
        "Satisfaction with procedure handling",
    ),
    ("total", "Tổng điểm", "Total"),
];

/// The name of an indicator in the language (`vi` or `en`); the id when unknown.
pub fn name<'a>(id: &'a str, lang: &str) -> &'a str {
    NAMES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|(_, vi, en)| if lang == "en" { *en } else { *vi })
        .unwrap_or(id)
}

/// A dossier's facts with what names it.
pub(crate) struct Facts {
    pub(crate) code: String,
    pub(crate) procedure: String,
    pub(crate) agency: String,
    pub(crate) facts: DossierFacts,
}

/// Procedures by (code, version) as dossiers pinned them, each read once.
#[derive(Default)]
pub(crate) struct Pinned(HashMap<(String, i32), std::sync::Arc<Procedure>>);

/// The dossiers that can count in the period: submitted before its end, not finished before its
/// start.
fn request_condition(req: &Request) -> Condition {
    let mut which = Condition::all()
        .add(dossier::Column::Status.ne(0))
        .add(dossier::Column::SubmittedAt.lt(req.period.to))
        .add(
            Condition::any()
                .add(dossier::Column::FinishedAt.is_null())
                .add(dossier::Column::FinishedAt.gte(req.period.from)),
        );
    if let Some(a) = &req.agency {
        which = which.add(scope_condition(dossier::Column::CompetentAgency, a));
    }
    if let Some(p) = &req.procedure {
        which = which.add(dossier::Column::ProcedureCode.eq(p.clone()));
    }
    which
}

async fn dossier_facts(app: &App, req: &Request) -> Result<Vec<(String, Facts)>, AppError> {
    facts_where(
        &app.db,
        &mut Pinned::default(),
        request_condition(req),
        None,
    )
    .await
}

/// The facts of the (non-draft) dossiers `which` names, by id in id order (the first `limit` of
/// them), with every fact the rules read.
pub(crate) async fn facts_where(
    conn: &impl ConnectionTrait,
    procs: &mut Pinned,
    which: Condition,
    limit: Option<u64>,
) -> Result<Vec<(String, Facts)>, AppError> {
    // A group's application is counted through its members, never itself.
    let which = which
        .add(dossier::Column::Status.ne(0))
        .add(dossier::Column::IsGroup.eq(false));
    let mut q = dossier::Entity::find()
        .select_only()
        .columns([
            dossier::Column::Id,
            dossier::Column::Code,
            dossier::Column::ProcedureCode,
            dossier::Column::ProcedureVersion,
            dossier::Column::CompetentAgency,
            dossier::Column::Lifecycle,
            dossier::Column::ReusedData,
            dossier::Column::FromWarehouse,
            dossier::Column::PopulationData,
            dossier::Column::VneidApplicant,
        ])
        .filter(which.clone())
        .order_by_asc(dossier::Column::Id);
    if let Some(n) = limit {
        q = q.limit(n);
    }
    let rows: Vec<Row> = q
        .into_tuple::<Columns>()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| Row {
            id: c.0,
            code: c.1,
            procedure_code: c.2,
            procedure_version: c.3,
            competent_agency: c.4,
            lifecycle: c.5,
            reused_data: c.6,
            from_warehouse: c.7,
            population_data: c.8,
            vneid_applicant: c.9,
        })
        .collect();
    // A page's side facts: the same condition narrowed to the page's ids.
    let side_which = match (limit, rows.first(), rows.last()) {
        (Some(_), Some(first), Some(last)) => which
            .add(dossier::Column::Id.gte(first.id.clone()))
            .add(dossier::Column::Id.lte(last.id.clone())),
        _ => which,
    };
    let side = SideFacts::load(conn, side_which).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (r.procedure_code.clone(), r.procedure_version);
        if !procs.0.contains_key(&key) {
            let p = catalogue::pinned(conn, &r.procedure_code, r.procedure_version).await?;
            procs.0.insert(key.clone(), p);
        }
        let Some(proc) = procs.0.get(&key) else {
            continue;
        };
        let state: DossierState = motcua_store::from_json("dossiers.lifecycle", &r.lifecycle)?;
        let mut f = DossierFacts::from_lifecycle(&state);
        f.needs_paper_result = !proc.result_document.trim().is_empty();
        f.e_result = side.results.contains(&r.id);
        f.digitized_components = side.files.contains(&r.id);
        f.fee_due = side.fee_due.contains(&r.id);
        f.paid_online = side.paid_online.contains(&r.id);
        f.reused_data = r.reused_data;
        f.from_warehouse = r.from_warehouse;
        f.population_data = r.population_data;
        f.vneid_applicant = r.vneid_applicant;
        f.rating = side.ratings.get(&r.id).copied();
        f.has_feedback = side.feedback.contains(&r.code);
        f.synced = side.synced.get(&r.id).copied();
        out.push((
            r.id.clone(),
            Facts {
                code: r.code,
                procedure: r.procedure_code,
                agency: r.competent_agency,
                facts: f,
            },
        ));
    }
    Ok(out)
}

/// What other tables say of the dossiers, by dossier id (feedback by dossier code).
#[derive(Default)]
struct SideFacts {
    results: HashSet<String>,
    files: HashSet<String>,
    fee_due: HashSet<String>,
    paid_online: HashSet<String>,
    ratings: HashMap<String, Rating>,
    feedback: HashSet<String>,
    /// Dossiers the national portal sync has tried: whether it acknowledged their creation.
    synced: HashMap<String, bool>,
}

impl SideFacts {
    /// One query per table, the dossiers named by the same condition inside the database (not a
    /// list of ids sent back and forth).
    async fn load(conn: &impl ConnectionTrait, which: Condition) -> Result<SideFacts, AppError> {
        let ids = Query::select()
            .column(dossier::Column::Id)
            .from(dossier::Entity)
            .cond_where(which.clone())
            .to_owned();
        let codes = Query::select()
            .column(dossier::Column::Code)
            .from(dossier::Entity)
            .cond_where(which)
            .to_owned();
        let mut s = SideFacts::default();
        let results: Vec<String> = document::Entity::find()
            .select_only()
            .column(document::Column::DossierId)
            .filter(document::Column::DossierId.in_subquery(ids.clone()))
            .filter(document::Column::Kind.eq("result"))
            .into_tuple()
            .all(conn)
            .await?;
        s.results.extend(results);
        let files: Vec<String> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::DossierId)
            .distinct()
            .filter(attachment::Column::DossierId.in_subquery(ids.clone()))
            .filter(attachment::Column::ComponentKey.ne(crate::dossiers::RESULT_COMPONENT))
            .filter(attachment::Column::ComponentKey.ne(crate::receipts::RECEIPT_COMPONENT))
            .into_tuple()
            .all(conn)
            .await?;
        s.files.extend(files);
        let pays: Vec<(String, String, String, i64)> = payment::Entity::find()
            .select_only()
            .columns([
                payment::Column::DossierId,
                payment::Column::Method,
                payment::Column::Status,
                payment::Column::AmountVnd,
            ])
            .filter(payment::Column::DossierId.in_subquery(ids.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, method, status, amount) in pays {
            if amount > 0 {
                s.fee_due.insert(id.clone());
            }
            let paid = status == "succeeded" || status == "refunded";
            if paid && amount > 0 && method == "vnpay" {
                s.paid_online.insert(id);
            }
        }
        let ratings: Vec<(String, String)> = rating::Entity::find()
            .select_only()
            .columns([rating::Column::DossierId, rating::Column::Rating])
            .filter(rating::Column::DossierId.in_subquery(ids.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        s.ratings.extend(
            ratings
                .into_iter()
                .filter_map(|(id, r)| Rating::parse(&r).map(|r| (id, r))),
        );
        let with_feedback: Vec<Option<String>> = feedback::Entity::find()
            .select_only()
            .column(feedback::Column::DossierCode)
            .filter(feedback::Column::DossierCode.in_subquery(codes))
            .into_tuple()
            .all(conn)
            .await?;
        s.feedback.extend(with_feedback.into_iter().flatten());
        let synced: Vec<(String, Option<DateTime<Utc>>)> = npsp_sync::Entity::find()
            .select_only()
            .columns([npsp_sync::Column::DossierId, npsp_sync::Column::SyncedAt])
            .filter(npsp_sync::Column::DossierId.in_subquery(ids))
            .into_tuple()
            .all(conn)
            .await?;
        s.synced
            .extend(synced.into_iter().map(|(id, at)| (id, at.is_some())));
        Ok(s)
    }
}

/// The procedure-level inputs: the procedures the scope's agencies handle (by their kind), and
/// which of them had an online dossier received, or a dossier paid online, in the period.
fn catalogue_facts(
    app: &App,
    req: &Request,
    by_procedure: &HashMap<&str, Tally>,
    procs: &[Procedure],
    kinds: &HashSet<&str>,
) -> CatalogueFacts {
    let today = app.now().with_timezone(&app.calendar.offset()).date_naive();
    let population_connected = app.connectors.get(Database::Population).is_some();
    let paid_online = |code: &str| {
        by_procedure
            .get(code)
            .is_some_and(|t| t.paid_online.num > 0)
    };
    let online_in_period = |code: &str| {
        by_procedure
            .get(code)
            .is_some_and(|t| t.received_online > 0)
    };
    let mut c = CatalogueFacts::default();
    for p in procs {
        if !kinds.contains(p.competent_agency_kind.as_str()) {
            continue;
        }
        if req
            .procedure
            .as_deref()
            .is_some_and(|code| code != p.code.as_str())
        {
            continue;
        }
        let online = p.online_level != OnlineLevel::None;
        c.procedures_in_competence += 1;
        c.full_online_eligible += 1;
        c.with_online_service += u64::from(online);
        c.full_online += u64::from(p.online_level == OnlineLevel::Full);
        c.online_services += u64::from(online);
        c.services_with_online_dossier += u64::from(online && online_in_period(p.code.as_str()));
        let has_fee = p.fees.iter().any(|f| {
            f.amount_for(Channel::Counter, today).unwrap_or(0) > 0
                || f.amount_for(Channel::Online, today).unwrap_or(0) > 0
        });
        c.fee_procedures += u64::from(has_fee);
        c.fee_procedures_integrated += u64::from(has_fee && paid_online(p.code.as_str()));
        if p.applicants.contains(&ApplicantKind::Citizen) {
            c.citizen_procedures += 1;
            let reads_population = national::queries_for(p, "000000000000")
                .iter()
                .any(|q| q.database() == Database::Population);
            c.population_connected += u64::from(reads_population && population_connected);
        }
    }
    c
}

/// Feedback received in the period by the scope's agencies (`rows`).
fn feedback_facts(rows: &[&Judged<'_>]) -> FeedbackFacts {
    // "Repeated": the same sender wrote again about the same dossier, within the scope.
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    for j in rows {
        if let (Some(who), Some(d)) = (&j.row.citizen_id, &j.row.dossier_code) {
            *seen.entry((who.as_str(), d.as_str())).or_default() += 1;
        }
    }
    let mut out = FeedbackFacts::default();
    for j in rows {
        let repeated = match (&j.row.citizen_id, &j.row.dossier_code) {
            (Some(who), Some(d)) => seen.get(&(who.as_str(), d.as_str())).copied().unwrap_or(0) > 1,
            _ => false,
        };
        out += j.alone.sent_again(repeated);
    }
    out
}

/// A period label in the deployment's time zone: `2026` (a year), `2026-Q4` (a quarter) or
/// `2026-11` (a month).
pub fn parse_period(label: &str, offset: FixedOffset) -> Option<Period> {
    let label = label.trim();
    let (start, end) = if let Some((y, q)) = label.split_once("-Q") {
        let y: i32 = y.parse().ok()?;
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        let start = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1)?;
        (start, add_months(start, 3)?)
    } else if let Some((y, m)) = label.split_once('-') {
        let start = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
        (start, add_months(start, 1)?)
    } else {
        let y: i32 = label.parse().ok()?;
        (
            NaiveDate::from_ymd_opt(y, 1, 1)?,
            NaiveDate::from_ymd_opt(y + 1, 1, 1)?,
        )
    };
    days(start, end, offset)
}

/// `[from, to]` as local calendar days, both included.
pub fn period_of_days(from: NaiveDate, to: NaiveDate, offset: FixedOffset) -> Option<Period> {
    if to < from {
        return None;
    }
    days(from, to.succ_opt()?, offset)
}

/// Years the indicators are asked for: the system's records start long after 2000.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn days(start: NaiveDate, end: NaiveDate, offset: FixedOffset) -> Option<Period> {
    if !YEARS.contains(&start.year()) || !YEARS.contains(&end.pred_opt()?.year()) {
        return None;
    }
    let at = |d: NaiveDate| {
        offset
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Some(Period {
        from: at(start)?,
        to: at(end)?,
    })
}

fn add_months(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    let total = d.year() * 12 + i32::try_from(d.month0() + months).ok()?;
    NaiveDate::from_ymd_opt(
        total.div_euclid(12),
        u32::try_from(total.rem_euclid(12)).ok()? + 1,
        1,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vn() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    #[test]
    fn period_labels_are_local_years_quarters_and_months() {
        let q4 = parse_period("2026-Q4", vn()).unwrap();
        assert_eq!(q4.from.to_rfc3339(), "2026-09-30T17:00:00+00:00");
        assert_eq!(q4.to.to_rfc3339(), "2026-12-31T17:00:00+00:00");
        let dec = parse_period("2026-12", vn()).unwrap();
        assert_eq!(
            dec.from,
            parse_period("2026-Q4", vn()).unwrap().from + chrono::TimeDelta::days(61)
        );
        assert_eq!(dec.to, q4.to);
        let y = parse_period("2025", vn()).unwrap();
        assert_eq!(y.from.to_rfc3339(), "2024-12-31T17:00:00+00:00");
        for bad in [
            "2026-Q5", "2026-Q0", "2026-13", "26-1x", "", "Q4", "2026-00", "0", "1999", "2101-01",
        ] {
            assert!(parse_period(bad, vn()).is_none(), "{bad}");
        }
    }

    #[test]
    fn days_include_both_ends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = period_of_days(d("2026-11-01"), d("2026-11-30"), vn()).unwrap();
        assert_eq!(p, parse_period("2026-11", vn()).unwrap());
        assert!(period_of_days(d("2026-11-02"), d("2026-11-01"), vn()).is_none());
    }

    #[test]
    fn a_scope_is_an_agency_code() {
        assert!(valid_scope("H31"));
        assert!(valid_scope("H31.11341.CA"));
        for bad in ["", "H31%", "H31_", "H31 11341", "H31'--"] {
            assert!(!valid_scope(bad), "{bad}");
        }
    }
}
