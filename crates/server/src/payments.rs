//! The payment re-query: a pending payment whose notification never came is asked about at the
//! gateway (`querydr`) and settled from the signed answer, like a notification would have.

use std::sync::Arc;

use futures::future::BoxFuture;
use motcua_app::App;
use motcua_app::outbox::{Handler, JobCtx, JobError};
use motcua_app::payments::{self, Settlement};
use motcua_domain::payment::GatewayVerdict;
use motcua_gateways::vnpay::{QueryResult, Vnpay};
use serde::Deserialize;

#[derive(Deserialize)]
struct Payload {
    payment: String,
}

pub struct Requery {
    pub vnpay: Arc<Vnpay>,
}

impl Handler for Requery {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: Payload = ctx.payload()?;
            let app = ctx.app;
            let Some(pay) = payments::get(app, &p.payment).await? else {
                return Err(JobError::permanent(format!(
                    "payment {} is gone",
                    p.payment
                )));
            };
            if !matches!(pay.status.as_str(), "created" | "pending") {
                return Ok(());
            }
            let answer = self
                .vnpay
                .query(
                    &pay.txn_ref,
                    pay.created_at,
                    &format!("Tra cuu giao dich {}", pay.txn_ref),
                    "127.0.0.1",
                )
                .await;
            match answer {
                Ok(QueryResult::NotFound) => {
                    payments::expire(app, &pay.txn_ref, "querydr: 91 transaction not found")
                        .await?;
                    Ok(())
                }
                Ok(QueryResult::Found(tx)) => {
                    let verdict = match tx.transaction_status.as_str() {
                        "00" => GatewayVerdict::Paid,
                        // Not completed yet: ask again at the next round.
                        "01" => {
                            return Err(JobError::transient("the gateway says: not completed yet"));
                        }
                        _ => GatewayVerdict::Declined,
                    };
                    payments::settle(
                        app,
                        &pay.txn_ref,
                        Settlement {
                            verdict,
                            amount_vnd: tx.amount_vnd,
                            transaction_no: tx.transaction_no.clone(),
                            bank_code: tx.bank_code.clone(),
                            paid_at: tx.pay_date,
                            source: "query",
                            detail: format!(
                                "querydr: status {} type {} no {:?}",
                                tx.transaction_status, tx.transaction_type, tx.transaction_no
                            ),
                        },
                    )
                    .await?;
                    Ok(())
                }
                Err(e) if e.is_transient() => Err(JobError::transient(e.to_string())),
                Err(e) => Err(JobError::permanent(e.to_string())),
            }
        })
    }
}

/// Writes re-query jobs every minute for payments whose notification is overdue.
pub fn spawn_requeries(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = payments::schedule_requeries(&app, app.now()).await {
                tracing::error!(error = ?e, "cannot schedule payment re-queries");
            }
        }
    });
}

#[derive(Deserialize)]
struct RefundPayload {
    payment: String,
    ended_by: String,
    received: bool,
}

/// Refunds what the fee rules return when a paid dossier ends without its result.
pub struct Refund {
    pub vnpay: Arc<Vnpay>,
}

impl Handler for Refund {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            use motcua_domain::payment::EndedBy;
            use motcua_gateways::vnpay::{RefundKind, RefundRequest};
            let p: RefundPayload = ctx.payload()?;
            let app = ctx.app;
            let Some(pay) = payments::get(app, &p.payment).await? else {
                return Err(JobError::permanent(format!(
                    "payment {} is gone",
                    p.payment
                )));
            };
            if pay.status != "succeeded" {
                return Ok(());
            }
            let ended_by = match p.ended_by.as_str() {
                "refused" => EndedBy::Refused,
                "withdrawn" => EndedBy::Withdrawn,
                _ => EndedBy::Stopped,
            };
            let amount = payments::refund_due(app, &pay, ended_by, p.received).await?;
            if amount <= 0 {
                payments::record_no_refund(
                    app,
                    &pay,
                    "the fees paid were for work already done (phí), nothing is returned",
                )
                .await?;
                return Ok(());
            }
            let result = self
                .vnpay
                .refund(&RefundRequest {
                    txn_ref: pay.txn_ref.clone(),
                    amount_vnd: amount,
                    kind: if amount == pay.amount_vnd {
                        RefundKind::Full
                    } else {
                        RefundKind::Partial
                    },
                    transaction_no: pay.gateway_txn_no.clone(),
                    transaction_date: pay.created_at,
                    created_by: "motcua".into(),
                    order_info: format!("Hoan phi ho so ({})", p.ended_by),
                    ip: "127.0.0.1".into(),
                })
                .await;
            match result {
                Ok(r) => {
                    payments::record_refund(
                        app,
                        &pay.id,
                        amount,
                        &format!(
                            "refund {} VND: status {} no {:?}",
                            r.amount_vnd, r.transaction_status, r.transaction_no
                        ),
                    )
                    .await?;
                    Ok(())
                }
                Err(e) if e.is_transient() => Err(JobError::transient(e.to_string())),
                Err(e) => Err(JobError::permanent(e.to_string())),
            }
        })
    }
}
