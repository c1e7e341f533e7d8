//! Dossier events for other systems (issue 19): every recorded step of a submitted dossier, and
//! every payment settled, writes a `dossier.event` job in its own transaction. The worker hands
//! each one on to the sinks this deployment has — the national portal's sync
//! ([`crate::national_portal`]), an event bus ([`EventBus`]) — as one job per sink, so each sink
//! retries, backs off and parks on its own, and a deployment with none pays one short job.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_store::entities::dossier;
use motcua_store::outbox::{self, NewJob};
use motcua_store::sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::outbox::{Handler, JobCtx, JobError};

/// The job a step writes.
pub const DOSSIER_EVENT: &str = "dossier.event";
/// The job that publishes one event on the bus.
pub const PUBLISH: &str = "events.publish";

/// One thing that happened to a dossier, as other systems are told it. The schema is documented
/// in docs/EVENTS.md; fields are only ever added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierEvent {
    /// Unique per event, the same on every delivery (consumers de-duplicate on it).
    pub id: String,
    /// `submit`, `receive`, …, the step's action; `payment_succeeded`, `payment_refunded`, … for
    /// a payment.
    pub event: String,
    pub dossier_id: String,
    pub code: String,
    pub procedure: String,
    pub channel: String,
    pub receiving_agency: String,
    pub competent_agency: String,
    /// Status codes 0–10 (DOMAIN-VN §2.2) before and after.
    pub from_status: u8,
    pub to_status: u8,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// The payment's amount and method, for a payment event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentFacts {
    pub id: String,
    pub amount_vnd: i64,
    pub method: String,
    pub status: String,
}

impl DossierEvent {
    fn of(row: &dossier::Model, event: &str, from: u8, to: u8, at: DateTime<Utc>) -> Self {
        DossierEvent {
            id: uuid::Uuid::now_v7().to_string(),
            event: event.to_owned(),
            dossier_id: row.id.clone(),
            code: row.code.clone(),
            procedure: row.procedure_code.clone(),
            channel: row.channel.clone(),
            receiving_agency: row.receiving_agency.clone(),
            competent_agency: row.competent_agency.clone(),
            from_status: from,
            to_status: to,
            at,
            due_at: row.due_at,
            payment: None,
        }
    }

    /// The bus subject: `motcua.dossier.<competent agency>.<event>`, the agency's dots made
    /// dashes (a dot separates subject tokens).
    pub fn subject(&self) -> String {
        format!(
            "motcua.dossier.{}.{}",
            token(&self.competent_agency),
            token(&self.event)
        )
    }
}

/// A subject token: letters, digits, `-` and `_` only.
fn token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if t.is_empty() { "-".into() } else { t }
}

async fn write(txn: &impl ConnectionTrait, e: &DossierEvent) -> Result<(), AppError> {
    let payload = serde_json::to_value(e).map_err(AppError::internal)?;
    outbox::enqueue(txn, NewJob::now(DOSSIER_EVENT, payload, e.at), e.at).await?;
    Ok(())
}

/// Called for every recorded step, in its transaction; a draft's steps are nobody else's business.
pub async fn on_dossier_step(
    txn: &impl ConnectionTrait,
    row: &dossier::Model,
    action: &str,
    (from, to): (u8, u8),
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if to == 0 {
        return Ok(());
    }
    write(txn, &DossierEvent::of(row, action, from, to, now)).await
}

/// Called when a payment settles (paid, failed, refunded), in its transaction.
pub async fn on_payment(
    txn: &impl ConnectionTrait,
    row: &dossier::Model,
    payment: PaymentFacts,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // A fee paid before submitting is in the dossier's first event (and update 1 to the portal).
    if row.status == 0 {
        return Ok(());
    }
    let status = u8::try_from(row.status).unwrap_or(0);
    let mut e = DossierEvent::of(
        row,
        &format!("payment_{}", payment.status),
        status,
        status,
        now,
    );
    e.payment = Some(payment);
    write(txn, &e).await
}

/// Hands each event on to the sinks this worker has: one job per sink kind.
pub struct Fanout {
    pub sinks: Vec<&'static str>,
}

impl Handler for Fanout {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            if self.sinks.is_empty() {
                return Ok(());
            }
            let payload: serde_json::Value = ctx.payload()?;
            let now = ctx.app.now();
            let txn = ctx.app.db.begin().await?;
            for kind in &self.sinks {
                outbox::enqueue(&txn, NewJob::now(kind, payload.clone(), now), now).await?;
            }
            ctx.complete_in(&txn).await?;
            txn.commit().await?;
            Ok(())
        })
    }
}

/// A message broker other agencies' systems subscribe to (NATS JetStream).
pub trait EventBus: Send + Sync {
    /// Publishes once per `event.id`: the broker drops a second publish of the same id.
    fn publish<'a>(&'a self, event: &'a DossierEvent) -> BoxFuture<'a, Result<(), String>>;
    fn describe(&self) -> String;
}

/// Publishes one event.
pub struct Publish {
    pub bus: Arc<dyn EventBus>,
}

impl Handler for Publish {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let e: DossierEvent = ctx.payload()?;
            self.bus.publish(&e).await.map_err(JobError::transient)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_keep_to_nats_tokens() {
        let e = DossierEvent {
            id: "x".into(),
            event: "issue_result".into(),
            dossier_id: "d".into(),
            code: "H31.01.02-261207-0001".into(),
            procedure: "1.001193".into(),
            channel: "online".into(),
            receiving_agency: "H31.01.02".into(),
            competent_agency: "H31.01.02".into(),
            from_status: 4,
            to_status: 9,
            at: DateTime::<Utc>::UNIX_EPOCH,
            due_at: None,
            payment: None,
        };
        assert_eq!(e.subject(), "motcua.dossier.H31-01-02.issue_result");
        assert_eq!(token("a b>*"), "a-b--");
        assert_eq!(token(""), "-");
    }
}
