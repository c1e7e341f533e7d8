//! The durable outbox: work that must happen after a change commits (send a message, re-query a
//! payment, sync a dossier to the national portal) is written as a job row in the same transaction
//! as the change, and workers take jobs from the table.
//!
//! A worker *claims* a job by writing a lease (`locked_by`, `locked_until`) and counting the
//! attempt; it then runs the job outside any transaction and marks it done or failed. A worker that
//! dies (kill -9, a lost machine) leaves a lease that simply runs out, and another worker takes the
//! job again, so delivery is at least once and handlers are written to be repeatable (stable message
//! ids, idempotency keys at the far side). On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so
//! workers on several machines never take the same job; SQLite has one writer, and the claim's
//! conditional update makes a second process lose the race instead of double-claiming.
//!
//! No job library: the maintained ones (apalis, fang, sqlxmq, graphile-worker ports) each tie us to
//! one database or to a different sqlx than sea-orm's; see docs/ARCHITECTURE.md.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::StoreError;
use crate::entities::outbox_job::{self, Column, Entity};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
/// Parked after the last attempt (a dead letter): an operator looks at the error and retries.
pub const DEAD: &str = "dead";

/// Attempts before a job is parked, unless the job says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 10;

/// A job to write in the caller's transaction.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// At most one job ever exists per key (a daily digest, a reminder per dossier and day).
    pub dedupe_key: Option<String>,
}

impl NewJob {
    pub fn now(kind: &str, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            run_at: now,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedupe_key: None,
        }
    }

    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Writes a job. Returns its id, or `None` when a job with the same dedupe key already exists.
pub async fn enqueue(
    c: &impl ConnectionTrait,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let row = outbox_job::ActiveModel {
        id: Set(id.clone()),
        kind: Set(job.kind),
        payload: Set(job.payload.to_string()),
        status: Set(PENDING.into()),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts.max(1)),
        run_at: Set(job.run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        dedupe_key: Set(job.dedupe_key),
        created_at: Set(now),
        updated_at: Set(now),
        done_at: Set(None),
    };
    let res = Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec(c)
        .await;
    match res {
        Ok(_) => Ok(Some(id)),
        Err(DbErr::RecordNotInserted) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Takes up to `limit` due jobs for `worker` until `now + lease`, counting the attempt.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox_job::Model>, StoreError> {
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let free = Condition::any()
        .add(Column::LockedUntil.is_null())
        .add(Column::LockedUntil.lt(now));
    let txn = db.begin().await?;
    let mut q = Entity::find()
        .filter(Column::Status.eq(PENDING))
        .filter(Column::RunAt.lte(now))
        .filter(free.clone())
        .order_by_asc(Column::RunAt)
        .order_by_asc(Column::Id)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let due = q.all(&txn).await?;
    let mut claimed = Vec::with_capacity(due.len());
    for job in due {
        let res = Entity::update_many()
            .col_expr(Column::LockedBy, Expr::value(worker))
            .col_expr(Column::LockedUntil, Expr::value(until))
            .col_expr(
                Column::Attempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(Column::Attempts), 1),
            )
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(job.id.clone()))
            .filter(Column::Status.eq(PENDING))
            .filter(free.clone())
            .exec(&txn)
            .await?;
        if res.rows_affected == 1 {
            claimed.push(outbox_job::Model {
                locked_by: Some(worker.to_owned()),
                locked_until: Some(until),
                attempts: job.attempts + 1,
                updated_at: now,
                ..job
            });
        }
    }
    txn.commit().await?;
    Ok(claimed)
}

/// Marks a claimed job done. False when the lease was lost (another worker took it over).
pub async fn complete(
    c: &impl ConnectionTrait,
    id: &str,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = Entity::update_many()
        .col_expr(Column::Status, Expr::value(DONE))
        .col_expr(Column::DoneAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::LockedBy.eq(worker))
        .filter(Column::Status.eq(PENDING))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// How a failed attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again later (the far side was down, timed out, said "later").
    Transient,
    /// Trying again cannot help (the far side refused the content): park it now.
    Permanent,
}

/// What `fail` did with the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    Parked,
    /// The lease was lost; the other worker's outcome stands.
    LeaseLost,
}

/// Records a failed attempt: the job waits `backoff(attempts)` or, after the last attempt (or a
/// permanent failure), is parked with its error.
pub async fn fail(
    c: &impl ConnectionTrait,
    job: &outbox_job::Model,
    worker: &str,
    error: &str,
    failure: Failure,
    jitter: f64,
    now: DateTime<Utc>,
) -> Result<AfterFailure, StoreError> {
    let park = failure == Failure::Permanent || job.attempts >= job.max_attempts;
    let error: String = error.chars().take(2000).collect();
    let mut q = Entity::update_many()
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let outcome = if park {
        q = q.col_expr(Column::Status, Expr::value(DEAD));
        AfterFailure::Parked
    } else {
        let wait = backoff(job.attempts, jitter);
        let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
        q = q.col_expr(Column::RunAt, Expr::value(at));
        AfterFailure::RetryAt(at)
    };
    let res = q
        .filter(Column::Id.eq(job.id.clone()))
        .filter(Column::LockedBy.eq(worker))
        .filter(Column::Status.eq(PENDING))
        .exec(c)
        .await?;
    Ok(if res.rows_affected == 1 {
        outcome
    } else {
        AfterFailure::LeaseLost
    })
}

/// The wait before the next attempt after `attempts` tries: 30 s doubling up to 6 h, with jitter
/// (`jitter` in [0, 1) takes up to half the wait off) so jobs that failed together — a mail
/// server outage — do not all come back in the same second.
pub fn backoff(attempts: i32, jitter: f64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let base = 30u64.saturating_mul(1u64 << exp).min(6 * 3600);
    let jitter = jitter.clamp(0.0, 1.0);
    // Whole milliseconds: the factor is in [0.5, 1].
    let ms = (base as f64 * 1000.0 * (1.0 - jitter / 2.0)).round();
    Duration::from_millis(ms as u64)
}

/// Puts a parked job back in the queue for another full round of attempts (operator action).
pub async fn retry(
    c: &impl ConnectionTrait,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = Entity::update_many()
        .col_expr(Column::Status, Expr::value(PENDING))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::RunAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(DEAD))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn get(
    c: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<outbox_job::Model>, StoreError> {
    Ok(Entity::find_by_id(id.to_owned()).one(c).await?)
}

/// Jobs in one status, newest first (the operator's view of parked jobs).
pub async fn list(
    c: &impl ConnectionTrait,
    status: &str,
    limit: u64,
) -> Result<Vec<outbox_job::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Status.eq(status))
        .order_by_desc(Column::UpdatedAt)
        .limit(limit)
        .all(c)
        .await?)
}

/// How many jobs wait, are parked, and the oldest due job's age — for the operator and `/ready`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Depth {
    pub pending: u64,
    pub dead: u64,
    pub oldest_due: Option<DateTime<Utc>>,
}

pub async fn depth(c: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Depth, StoreError> {
    let pending = Entity::find()
        .filter(Column::Status.eq(PENDING))
        .count(c)
        .await?;
    let dead = Entity::find()
        .filter(Column::Status.eq(DEAD))
        .count(c)
        .await?;
    let oldest_due = Entity::find()
        .filter(Column::Status.eq(PENDING))
        .filter(Column::RunAt.lte(now))
        .order_by_asc(Column::RunAt)
        .one(c)
        .await?
        .map(|j| j.run_at);
    Ok(Depth {
        pending,
        dead,
        oldest_due,
    })
}

/// Deletes done jobs finished before `before` (the messages they sent stay in `messages`).
pub async fn purge_done(
    c: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let res = Entity::delete_many()
        .filter(Column::Status.eq(DONE))
        .filter(Column::DoneAt.lt(before))
        .exec(c)
        .await?;
    Ok(res.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_stops_at_six_hours() {
        assert_eq!(backoff(1, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(2, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(5, 0.0), Duration::from_secs(480));
        assert_eq!(backoff(12, 0.0), Duration::from_secs(6 * 3600));
        assert_eq!(backoff(1000, 0.0), Duration::from_secs(6 * 3600));
        // Attempt counts below one (never claimed) wait like the first.
        assert_eq!(backoff(0, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(-3, 0.0), Duration::from_secs(30));
    }

    #[test]
    fn jitter_takes_at_most_half_off() {
        for attempts in 1..15 {
            let full = backoff(attempts, 0.0);
            for j in [0.0, 0.25, 0.5, 0.999, 1.0, 7.0, -1.0] {
                let w = backoff(attempts, j);
                assert!(w <= full, "{attempts} {j}");
                assert!(w >= full / 2, "{attempts} {j}");
            }
        }
    }
}
