//! The outbox worker: takes due jobs (see `motcua_store::outbox`), runs the handler registered for
//! each job's kind, and records the outcome. `motcua serve` runs one in-process; `motcua worker`
//! runs one alone, so sending can scale out or be kept off the web servers.
//!
//! Handlers must be repeatable: a worker killed after the far side accepted a message but before
//! the job was marked done leaves the job to run again when its lease runs out. Every handler here
//! uses a stable id the far side can recognise (the email's Message-ID, the SMS RequestId).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::outbox_job;
use motcua_store::outbox::{self, AfterFailure, Failure};
use motcua_store::sea_orm::TransactionTrait;
use rand::Rng;
use serde::Serialize;

use crate::identity::Principal;
use crate::{App, AppError, ErrorCode};

/// Why a job's attempt failed.
#[derive(Debug, Clone)]
pub struct JobError {
    pub failure: Failure,
    pub message: String,
}

impl JobError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Transient,
            message: message.into(),
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            failure: Failure::Permanent,
            message: message.into(),
        }
    }
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        // Our own failures (database busy, a row not yet visible) are worth another try; the
        // attempt limit parks a job that keeps failing.
        JobError::transient(format!("{}: {}", e.code, e.message_en))
    }
}

impl From<motcua_store::StoreError> for JobError {
    fn from(e: motcua_store::StoreError) -> Self {
        JobError::transient(e.to_string())
    }
}

impl From<motcua_store::sea_orm::DbErr> for JobError {
    fn from(e: motcua_store::sea_orm::DbErr) -> Self {
        JobError::transient(e.to_string())
    }
}

/// Runs one kind of job. `ctx` says which worker holds the job, so a handler that finishes its work
/// in a transaction can mark the job done in that same transaction ([`JobCtx::complete_in`]).
pub trait Handler: Send + Sync {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>>;
}

/// A claimed job and the worker that holds it.
pub struct JobCtx<'a> {
    pub app: &'a App,
    pub job: &'a outbox_job::Model,
    pub worker: &'a str,
}

impl JobCtx<'_> {
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.job.payload)
            .map_err(|e| JobError::permanent(format!("payload of {}: {e}", self.job.kind)))
    }

    /// Marks the job done inside the handler's transaction, so its effects and "done" commit
    /// together.
    pub async fn complete_in(
        &self,
        c: &impl motcua_store::sea_orm::ConnectionTrait,
    ) -> Result<(), JobError> {
        outbox::complete(c, &self.job.id, self.worker, self.app.now()).await?;
        Ok(())
    }

    /// This is the last attempt: a failure now parks the job.
    pub fn last_attempt(&self) -> bool {
        self.job.attempts >= self.job.max_attempts
    }
}

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How long a claimed job belongs to this worker; longer than any handler may run.
    pub lease: Duration,
    /// The longest one attempt may take before it counts as failed.
    pub attempt_timeout: Duration,
    pub batch: u64,
    /// The wait between polls when the queue is empty.
    pub idle: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(120),
            attempt_timeout: Duration::from_secs(60),
            batch: 20,
            idle: Duration::from_secs(1),
        }
    }
}

/// A worker: an id, the handlers, the app.
pub struct Worker {
    app: App,
    id: String,
    handlers: HashMap<String, Arc<dyn Handler>>,
    options: WorkerOptions,
}

impl Worker {
    pub fn new(app: App, options: WorkerOptions) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        let id = format!(
            "{host}-{}-{:08x}",
            std::process::id(),
            rand::rng().random::<u32>()
        );
        Self {
            app,
            id,
            handlers: HashMap::new(),
            options,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn register(&mut self, kind: &str, handler: Arc<dyn Handler>) -> &mut Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Claims one batch and runs it; returns how many jobs were attempted.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        let now = self.app.now();
        let jobs = outbox::claim(
            &self.app.db,
            &self.id,
            now,
            self.options.lease,
            self.options.batch,
        )
        .await?;
        let n = jobs.len();
        for job in &jobs {
            self.attempt(job).await?;
        }
        Ok(n)
    }

    async fn attempt(&self, job: &outbox_job::Model) -> Result<(), AppError> {
        let result = match self.handlers.get(&job.kind) {
            None => Err(JobError::transient(format!(
                "no handler for job kind {:?} in this worker (an older version?)",
                job.kind
            ))),
            Some(h) => {
                let ctx = JobCtx {
                    app: &self.app,
                    job,
                    worker: &self.id,
                };
                match tokio::time::timeout(self.options.attempt_timeout, h.run(&ctx)).await {
                    Ok(r) => r,
                    Err(_) => Err(JobError::transient(format!(
                        "attempt took longer than {} s",
                        self.options.attempt_timeout.as_secs()
                    ))),
                }
            }
        };
        let now = self.app.now();
        match result {
            // A handler that completed the job in its own transaction makes this a no-op.
            Ok(()) => {
                outbox::complete(&self.app.db, &job.id, &self.id, now).await?;
            }
            Err(e) => {
                let jitter: f64 = rand::rng().random();
                let after = outbox::fail(
                    &self.app.db,
                    job,
                    &self.id,
                    &e.message,
                    e.failure,
                    jitter,
                    now,
                )
                .await?;
                match after {
                    AfterFailure::Parked => tracing::error!(
                        job = %job.id, kind = %job.kind, attempts = job.attempts, error = %e.message,
                        "job parked after its last attempt; an operator can retry it"
                    ),
                    AfterFailure::RetryAt(at) => tracing::warn!(
                        job = %job.id, kind = %job.kind, attempts = job.attempts, error = %e.message,
                        retry_at = %at, "job failed; will retry"
                    ),
                    AfterFailure::LeaseLost => {}
                }
            }
        }
        Ok(())
    }

    /// Runs until `shutdown` resolves: a full batch is followed at once by the next, an empty one
    /// by a short wait. A database outage is logged and waited out.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tracing::info!(worker = %self.id, kinds = ?self.handlers.keys().collect::<Vec<_>>(), "outbox worker started");
        tokio::pin!(shutdown);
        loop {
            let wait = match self.run_once().await {
                Ok(n) if n as u64 >= self.options.batch => Duration::ZERO,
                Ok(_) => self.options.idle,
                Err(e) => {
                    tracing::error!(error = ?e, "outbox worker cannot reach the database");
                    self.options.idle.max(Duration::from_secs(5))
                }
            };
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!(worker = %self.id, "outbox worker stopped");
    }
}

/// A job as the operator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<outbox_job::Model> for JobView {
    fn from(j: outbox_job::Model) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// The queue as the operator sees it: counts and the parked jobs.
#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    pub pending: u64,
    pub dead: u64,
    pub oldest_due: Option<chrono::DateTime<chrono::Utc>>,
    pub parked: Vec<JobView>,
}

/// The operator of the deployment: an administrator of a top agency (one with no parent, the
/// province's or ministry's own), since the queue holds every agency's messages.
pub async fn operator_only(app: &App, principal: &Principal) -> Result<(), AppError> {
    use motcua_store::entities::agency;
    use motcua_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let admin_of: Vec<String> = match principal {
        Principal::Staff { roles, .. } => roles
            .iter()
            .filter(|r| r.role == motcua_domain::lifecycle::Role::Admin)
            .map(|r| r.agency.clone())
            .collect(),
        Principal::Citizen { .. } => Vec::new(),
    };
    let top = !admin_of.is_empty()
        && agency::Entity::find()
            .filter(agency::Column::Code.is_in(admin_of))
            .filter(agency::Column::ParentCode.is_null())
            .count(&app.db)
            .await?
            > 0;
    if top {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_operator",
            "Chỉ quản trị hệ thống được xem và xử lý hàng đợi gửi tin.",
            "Only a system administrator may see and handle the delivery queue.",
        ))
    }
}

pub async fn queue(app: &App, principal: &Principal) -> Result<QueueView, AppError> {
    operator_only(app, principal).await?;
    let d = outbox::depth(&app.db, app.now()).await?;
    let parked = outbox::list(&app.db, outbox::DEAD, 200)
        .await?
        .into_iter()
        .map(JobView::from)
        .collect();
    Ok(QueueView {
        pending: d.pending,
        dead: d.dead,
        oldest_due: d.oldest_due,
        parked,
    })
}

/// Puts a parked job back in the queue (the operator's retry button), audited.
pub async fn retry(app: &App, principal: &Principal, id: &str) -> Result<(), AppError> {
    operator_only(app, principal).await?;
    let now = app.now();
    let txn = app.db.begin().await?;
    let Some(job) = outbox::get(&txn, id).await? else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "job_not_found",
            "Không có việc này trong hàng đợi.",
            "No such job in the queue.",
        ));
    };
    if !outbox::retry(&txn, id, now).await? {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "job_not_parked",
            "Việc này không ở trạng thái dừng nên không cần thử lại.",
            "This job is not parked, so there is nothing to retry.",
        ));
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "outbox.retry".into(),
            subject: format!("job:{id}"),
            data: serde_json::json!({ "kind": job.kind, "attempts": job.attempts, "last_error": job.last_error }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
