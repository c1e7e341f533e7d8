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
