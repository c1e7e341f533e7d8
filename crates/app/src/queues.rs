//! The back office's work queues (SPEC §10; issue 17 item 6, issue 18): who acts next on which
//! dossier, as indexed and paginated queries over the queue columns the lifecycle keeps beside
//! its state ([`motcua_domain::lifecycle::QueuePosition`], migration M0025).
//!
//! A queue is the union of a few *sources*, each one condition an index answers in order (one
//! stage at one side — receiving or competent agency — or the watched deadline at one side). Each
//! source reads at most a page past the cursor, in index order; the pages are merged. So a page
//! costs the same with a thousand or a million dossiers in the commune.

use chrono::{DateTime, Utc};
use motcua_domain::lifecycle::{self, Role, Status, Step, WorkStage, near_before};
use motcua_store::entities::dossier;
use motcua_store::sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;

use crate::authz::{self, agencies_with};
use crate::dossiers::state_of;
use crate::identity::Principal;
use crate::{App, AppError};

/// Counts stop here: a queue longer than this shows "999+" and is worked page by page.
pub const COUNT_CAP: u64 = 1_000;

/// The largest page a caller may ask for.
pub const MAX_PAGE: u64 = 200;

/// One list of the back office, in the order the home page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    Receive,
    HandOver,
    Assign,
    Assigned,
    Review,
    Issue,
    Return,
    /// Waiting on a decision or a record: withdrawal requests, fees to record as paid.
    Requests,
    Near,
    Overdue,
}

impl Queue {
    pub const ALL: [Queue; 10] = [
        Queue::Receive,
        Queue::HandOver,
        Queue::Assign,
        Queue::Assigned,
        Queue::Review,
        Queue::Issue,
        Queue::Return,
        Queue::Requests,
        Queue::Near,
        Queue::Overdue,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Queue::Receive => "receive",
            Queue::HandOver => "hand_over",
            Queue::Assign => "assign",
            Queue::Assigned => "assigned",
            Queue::Review => "review",
            Queue::Issue => "issue",
            Queue::Return => "return",
            Queue::Requests => "requests",
            Queue::Near => "near",
            Queue::Overdue => "overdue",
        }
    }

    pub fn parse(key: &str) -> Option<Queue> {
        Self::ALL.into_iter().find(|q| q.key() == key)
    }

    /// The roles that work this queue; the deadline lists concern every handling role.
    fn roles(self) -> &'static [Role] {
        match self {
            Queue::Receive | Queue::HandOver | Queue::Return => &[Role::Officer],
            Queue::Assign | Queue::Review => &[Role::Leader],
            Queue::Assigned => &[Role::Specialist],
            Queue::Issue => &[Role::Clerk],
            Queue::Requests => &[Role::Officer, Role::Leader, Role::Clerk],
            Queue::Near | Queue::Overdue => {
                &[Role::Officer, Role::Specialist, Role::Leader, Role::Clerk]
            }
        }
    }

    /// The deadline lists are ordered by the watched deadline, the others by their queue's.
    fn by_watched_deadline(self) -> bool {
        matches!(self, Queue::Near | Queue::Overdue)
    }

    fn sort_column(self) -> dossier::Column {
        if self.by_watched_deadline() {
            dossier::Column::WatchDueAt
        } else {
            dossier::Column::QueueDueAt
        }
    }

    /// A row's value in [`Self::sort_column`].
    fn sort_value(self, row: &dossier::Model) -> Option<DateTime<Utc>> {
        if self.by_watched_deadline() {
            row.watch_due_at
        } else {
            row.queue_due_at
        }
    }
}

/// The queues a staff member works, given their roles (an officer has no "to review" list).
pub fn queues_of(principal: &Principal) -> Vec<Queue> {
    let Principal::Staff { roles, .. } = principal else {
        return Vec::new();
    };
    Queue::ALL
        .into_iter()
        .filter(|q| roles.iter().any(|r| q.roles().contains(&r.role)))
        .collect()
}

/// Narrows the work queues: procedure, channel, status and the local days of submission
/// (inclusive). Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    #[serde(default)]
    pub procedure: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub status: Option<u8>,
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
}

impl QueueFilter {
    pub fn is_empty(&self) -> bool {
        self.procedure.is_none()
            && self.channel.is_none()
            && self.status.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }

    fn condition(&self, app: &App) -> Condition {
        let mut c = Condition::all();
        if let Some(p) = &self.procedure {
            c = c.add(dossier::Column::ProcedureCode.eq(p.trim().to_owned()));
        }
        if let Some(ch) = &self.channel {
            c = c.add(dossier::Column::Channel.eq(ch.trim().to_owned()));
        }
        if let Some(st) = self.status {
            c = c.add(dossier::Column::Status.eq(i32::from(st)));
        }
        // Local days to instants: a day starts at local midnight.
        let offset = app.calendar.offset();
        let local_midnight = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(offset).single())
                .map(|t| t.with_timezone(&Utc))
        };
        if let Some(from) = self.from.and_then(local_midnight) {
            c = c.add(dossier::Column::SubmittedAt.gte(from));
        }
        if let Some(to) = self.to.and_then(|d| d.succ_opt()).and_then(local_midnight) {
            c = c.add(dossier::Column::SubmittedAt.lt(to));
        }
        c
    }
}

/// Most urgent first (the default), or latest deadlines first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Urgent,
    Latest,
}

/// Where a page ends: the sort value and id of its last row. Opaque to clients
/// (`<microseconds>.<id>`), checked when read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    at: DateTime<Utc>,
    id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id)
    }

    /// `None` for anything this module did not write (the first page is shown instead).
    pub fn decode(s: &str) -> Option<Cursor> {
        let (micros, id) = s.split_once('.')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then(|| Cursor {
            at,
            id: id.to_owned(),
        })
    }
}

/// One line of a back-office queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueItem {
    pub code: String,
    pub procedure_code: String,
    pub status: u8,
    pub channel: String,
    /// The applicant's name as they gave it.
    pub applicant: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    /// The deadline that matters in this queue (receipt limit, or result date).
    pub deadline: Option<DateTime<Utc>>,
    /// Working minutes left to that deadline; negative when it has passed.
    pub minutes_left: Option<i64>,
    /// The clock is stopped while the applicant supplements.
    pub paused: bool,
    /// Where the dossier is inside "in processing": assigned, in_review or approved.
    pub step: Option<&'static str>,
    /// Who holds it (the assigned specialist), by name.
    pub holder: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// The index-ordered sources a queue is the union of, for this principal now.
fn sources(app: &App, principal: &Principal, queue: Queue, now: DateTime<Utc>) -> Vec<Condition> {
    let Principal::Staff { username, .. } = principal else {
        return Vec::new();
    };
    let officer = agencies_with(principal, &[Role::Officer]);
    let leader = agencies_with(principal, &[Role::Leader]);
    let clerk = agencies_with(principal, &[Role::Clerk]);
    let handling = authz::handling_agencies(principal);
    let stage = |s: WorkStage| dossier::Column::WorkStage.eq(s.as_str());
    let receiving = |agencies: &[String]| {
        (!agencies.is_empty()).then(|| {
            Condition::all().add(dossier::Column::ReceivingAgency.is_in(agencies.to_vec()))
        })
    };
    // The competent agency sees a dossier another one-stop received only once it is handed over.
    let competent = |agencies: &[String]| {
        (!agencies.is_empty()).then(|| {
            Condition::all()
                .add(dossier::Column::CompetentAgency.is_in(agencies.to_vec()))
                .add(dossier::Column::WithCompetent.eq(true))
        })
    };
    let at = |s: WorkStage, side: Option<Condition>| side.map(|c| c.add(stage(s)));
    let officer_or_clerk = agencies_with(principal, &[Role::Officer, Role::Clerk]);
    let watched = dossier::Column::WatchDueAt;
    let list: Vec<Option<Condition>> = match queue {
        Queue::Receive => vec![at(WorkStage::Receive, receiving(&officer))],
        Queue::HandOver => vec![at(WorkStage::HandOver, receiving(&officer))],
        Queue::Assign => vec![at(WorkStage::Assign, competent(&leader))],
        Queue::Assigned => vec![
            at(WorkStage::Assigned, competent(&handling))
                .map(|c| c.add(dossier::Column::Assignee.eq(username.clone()))),
        ],
        Queue::Review => vec![at(WorkStage::Review, competent(&leader))],
        Queue::Issue => vec![at(WorkStage::Issue, competent(&clerk))],
        Queue::Return => vec![at(WorkStage::Return, receiving(&officer))],
        Queue::Requests => vec![
            at(WorkStage::Withdrawal, receiving(&officer)),
            at(WorkStage::Withdrawal, competent(&leader)),
            at(WorkStage::Payment, receiving(&officer_or_clerk)),
            at(WorkStage::Payment, competent(&officer_or_clerk)),
        ],
        Queue::Overdue => [receiving(&handling), competent(&handling)]
            .into_iter()
            .map(|side| side.map(|c| c.add(watched.lt(now))))
            .collect(),
        Queue::Near => {
            let receipt = near_before(&app.calendar, now, WorkStage::Receive);
            let result = near_before(&app.calendar, now, WorkStage::Assigned);
            let near = Condition::all().add(watched.gte(now)).add(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(stage(WorkStage::Receive))
                            .add(watched.lt(receipt)),
                    )
                    .add(
                        Condition::all()
                            .add(
                                Condition::any()
                                    .add(dossier::Column::WorkStage.is_null())
                                    .add(
                                        dossier::Column::WorkStage.ne(WorkStage::Receive.as_str()),
                                    ),
                            )
                            .add(watched.lt(result)),
                    ),
            );
            [receiving(&handling), competent(&handling)]
                .into_iter()
                .map(|side| side.map(|c| c.add(near.clone())))
                .collect()
        }
    };
    list.into_iter().flatten().collect()
}

/// How many dossiers wait in the queue, counted up to [`COUNT_CAP`].
pub async fn count(
    app: &App,
    principal: &Principal,
    queue: Queue,
    filter: &QueueFilter,
) -> Result<u64, AppError> {
    let sources = sources(app, principal, queue, app.now());
    if sources.is_empty() {
        return Ok(0);
    }
    let any = sources.into_iter().fold(Condition::any(), Condition::add);
    Ok(dossier::Entity::find()
        .select_only()
        .column(dossier::Column::Id)
        .filter(any)
        .filter(filter.condition(app))
        .limit(COUNT_CAP)
        .count(&app.reader)
        .await?)
}

/// [`count`] of each queue, read concurrently.
pub async fn counts(
    app: &App,
    principal: &Principal,
    queues: &[Queue],
    filter: &QueueFilter,
) -> Result<Vec<u64>, AppError> {
    futures::future::try_join_all(queues.iter().map(|&q| count(app, principal, q, filter))).await
}

/// One page of a queue, after `after` (a cursor from the previous page), at most `limit` rows.
pub async fn page(
    app: &App,
    principal: &Principal,
    queue: Queue,
    filter: &QueueFilter,
    order: Order,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<QueuePage, AppError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let now = app.now();
    let sort = queue.sort_column();
    let reads = sources(app, principal, queue, now)
        .into_iter()
        .map(|source| {
            let mut q = dossier::Entity::find()
                .filter(source)
                .filter(filter.condition(app))
                .filter(sort.is_not_null());
            if let Some(c) = after {
                let (past, tie) = match order {
                    Order::Urgent => (sort.gt(c.at), dossier::Column::Id.gt(c.id.clone())),
                    Order::Latest => (sort.lt(c.at), dossier::Column::Id.lt(c.id.clone())),
                };
                q = q.filter(
                    Condition::any()
                        .add(past)
                        .add(Condition::all().add(sort.eq(c.at)).add(tie)),
                );
            }
            let q = match order {
                Order::Urgent => q.order_by_asc(sort).order_by_asc(dossier::Column::Id),
                Order::Latest => q.order_by_desc(sort).order_by_desc(dossier::Column::Id),
            };
            q.limit(limit + 1).all(&app.reader)
        });
    let mut rows: Vec<dossier::Model> = futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let key = |r: &dossier::Model| (queue.sort_value(r), r.id.clone());
    rows.sort_by_key(key);
    if order == Order::Latest {
        rows.reverse();
    }
    rows.dedup_by(|a, b| a.id == b.id);
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more {
        rows.last().and_then(|r| {
            let (at, id) = key(r);
            at.map(|at| Cursor { at, id }.encode())
        })
    } else {
        None
    };
    Ok(QueuePage {
        items: items(app, principal, rows, now).await?,
        next,
    })
}

/// Dossiers of the principal's agencies found by official code (or draft reference), citizen ID
/// number, or the applicant's name (folded, from its start: "nguyen van" finds "Nguyễn Văn An"),
/// latest first; at most `limit`.
pub async fn search(
    app: &App,
    principal: &Principal,
    text: &str,
    limit: u64,
) -> Result<Vec<QueueItem>, AppError> {
    let text = text.trim();
    let handling = authz::handling_agencies(principal);
    if text.is_empty() || handling.is_empty() {
        return Ok(Vec::new());
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let code = text.to_uppercase();
    let name = motcua_domain::text::fold(text);
    let mut by = Condition::any()
        .add(dossier::Column::Code.eq(code.clone()))
        .add(dossier::Column::DraftRef.eq(code));
    if text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()) {
        by = by.add(dossier::Column::ApplicantId.eq(text.to_owned()));
    }
    if name.chars().count() >= 2 {
        // A prefix of the bytewise-ordered column is the range [name, name + U+10FFFF).
        by = by.add(
            Condition::all()
                .add(dossier::Column::ApplicantName.gte(name.clone()))
                .add(dossier::Column::ApplicantName.lt(format!("{name}\u{10FFFF}"))),
        );
    }
    let scope = Condition::any()
        .add(dossier::Column::ReceivingAgency.is_in(handling.clone()))
        .add(
            Condition::all()
                .add(dossier::Column::CompetentAgency.is_in(handling))
                .add(dossier::Column::WithCompetent.eq(true)),
        );
    let rows = dossier::Entity::find()
        .filter(by)
        .filter(scope)
        .filter(dossier::Column::Status.ne(0))
        .order_by_desc(dossier::Column::UpdatedAt)
        .order_by_desc(dossier::Column::Id)
        .limit(limit)
        .all(&app.reader)
        .await?;
    items(app, principal, rows, app.now()).await
}

/// The lines of a page: each row's state read once (a page is at most [`MAX_PAGE`] rows), the
/// holders' names in one query.
async fn items(
    app: &App,
    principal: &Principal,
    rows: Vec<dossier::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<QueueItem>, AppError> {
    let cal = &app.calendar;
    let holders = rows.iter().filter_map(|r| r.assignee.clone());
    let names = crate::org::staff_names(&app.reader, holders).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let state = state_of(&row)?;
        // The same rule as single reads; the columns agree with it, this is the last word.
        if !authz::access(principal, &row, &state).visible() {
            continue;
        }
        let deadline = if state.status == Status::Submitted {
            state.receipt_due_at
        } else {
            state.due_at
        };
        // Time left means nothing once the dossier is closed (a search also finds those).
        let open_deadline = deadline.filter(|_| !state.status.is_final());
        let minutes_left = open_deadline.map(|d| {
            if d >= now {
                cal.working_minutes_between(now, d)
            } else {
                -cal.working_minutes_between(d, now)
            }
        });
        let step = match (&state.status, &state.step) {
            (Status::InProcessing, Some(Step::Assigned { .. })) => Some("assigned"),
            (Status::InProcessing, Some(Step::InReview { .. })) => Some("in_review"),
            (Status::InProcessing, Some(Step::Approved { .. })) => Some("approved"),
            _ => None,
        };
        let holder = state
            .assignee()
            .map(|a| names.get(a).cloned().unwrap_or_else(|| a.to_owned()));
        let applicant = serde_json::from_str::<serde_json::Value>(&row.applicant)
            .ok()
            .and_then(|v| {
                v.get("full_name")
                    .and_then(|n| n.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        out.push(QueueItem {
            code: row.code,
            procedure_code: row.procedure_code,
            status: state.status.code(),
            channel: row.channel,
            applicant,
            submitted_at: state.submitted_at,
            received_at: state.received_at,
            deadline,
            minutes_left,
            paused: state.supplement_paused_at.is_some(),
            step,
            holder,
        });
    }
    Ok(out)
}

/// The queue columns to store with a state (every write of `dossiers.lifecycle` goes with them).
pub(crate) fn columns(am: &mut dossier::ActiveModel, state: &lifecycle::DossierState) {
    use motcua_store::sea_orm::ActiveValue::Set;
    let p = state.queue_position();
    am.work_stage = Set(p.stage.map(|s| s.as_str().to_owned()));
    am.queue_due_at = Set(p.due_at);
    am.watch_due_at = Set(p.watch_due_at);
    am.with_competent = Set(p.with_competent);
}
