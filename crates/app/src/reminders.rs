//! Reminders for staff (SPEC §10): each working morning a digest email lists, per staff member who
//! gave an address, the dossiers of their queues that are overdue or near a deadline (the result
//! date within a working day; awaiting receipt within two working hours of the 8-working-hour
//! limit). The back office shows the same dossiers as a badge on its queue list.
//!
//! One `digest.staff` job per day (its dedupe key is the date), so several servers scheduling it
//! send one digest.

use chrono::{DateTime, NaiveTime, Utc};
use futures::future::BoxFuture;
use motcua_domain::notice::{self, Lang};
use motcua_store::entities::notification_setting;
use motcua_store::outbox::{self, NewJob};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::messaging::{self, Channel, NewMessage};
use crate::outbox::{Handler, JobCtx, JobError};
use crate::queues::{self, Order, Queue, QueueFilter};
use crate::{App, AppError};

/// The lines of each list in a staff digest: the most urgent; the queues page has the rest.
const DIGEST_LINES: u64 = 50;

pub const DIGEST: &str = "digest.staff";

/// When the digest goes out, local time: before the offices open at 07:30 or 08:00.
pub fn digest_time() -> NaiveTime {
    NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// Writes today's digest job once the morning has come on a working day. True when written now.
pub async fn schedule_digest(app: &App, now: DateTime<Utc>) -> Result<bool, AppError> {
    let local = now.with_timezone(&app.calendar.offset());
    let day = local.date_naive();
    if !app.calendar.is_working_day(day) || local.time() < digest_time() {
        return Ok(false);
    }
    let job =
        NewJob::now(DIGEST, serde_json::json!({ "day": day }), now).dedupe(format!("digest:{day}"));
    Ok(outbox::enqueue(&app.db, job, now).await?.is_some())
}

/// Sends the day's digests.
pub struct StaffDigest;

impl Handler for StaffDigest {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let app = ctx.app;
            let wanting = notification_setting::Entity::find()
                .filter(notification_setting::Column::Owner.starts_with("staff:"))
                .filter(notification_setting::Column::EmailOn.eq(true))
                .filter(notification_setting::Column::Email.is_not_null())
                .all(&app.db)
                .await?;
            let now = app.now();
            let link = format!("{}/staff", app.public_url.trim_end_matches('/'));
            let mut messages = Vec::new();
            for s in wanting {
                let (Some(username), Some(email)) =
                    (s.owner.strip_prefix("staff:"), s.email.clone())
                else {
                    continue;
                };
                let Some(principal) = crate::identity::staff_by_username(app, username).await?
                else {
                    continue;
                };
                // The most urgent of each list; the digest links to the queues for the rest.
                let all = QueueFilter::default();
                let list = |queue| {
                    queues::page(
                        app,
                        &principal,
                        queue,
                        &all,
                        Order::Urgent,
                        None,
                        DIGEST_LINES,
                    )
                };
                let pairs = |page: queues::QueuePage| -> Vec<(String, DateTime<Utc>)> {
                    page.items
                        .into_iter()
                        .filter_map(|i| i.deadline.map(|d| (i.code, d)))
                        .collect()
                };
                let overdue = pairs(list(Queue::Overdue).await?);
                let near = pairs(list(Queue::Near).await?);
                let overdue_total = queues::count(app, &principal, Queue::Overdue, &all).await?;
                let near_total = queues::count(app, &principal, Queue::Near, &all).await?;
                if overdue.is_empty() && near.is_empty() {
                    continue;
                }
                let lang = Lang::parse(&s.lang);
                let (title, body) = notice::staff_digest(
                    lang,
                    &notice::DigestList {
                        items: &overdue,
                        total: overdue_total,
                    },
                    &notice::DigestList {
                        items: &near,
                        total: near_total,
                    },
                    &link,
                    app.calendar.offset(),
                );
                messages.push((
                    messaging::message_id(&format!("{}:{username}", ctx.job.id), Channel::Email),
                    NewMessage {
                        subject: s.owner.clone(),
                        event: "staff_digest".into(),
                        channel: Channel::Email,
                        recipient: email,
                        lang: lang.as_str().into(),
                        title: Some(title),
                        body,
                    },
                ));
            }
            let txn = app.db.begin().await?;
            for (id, m) in messages {
                messaging::queue(&txn, &id, m, now).await?;
            }
            ctx.complete_in(&txn).await?;
            txn.commit().await?;
            Ok(())
        })
    }
}
