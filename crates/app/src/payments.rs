//! Paying a dossier's fees online (SPEC §8).
//!
//! The applicant starts a payment for what is due now — the fees collected when applying, while
//! the dossier is a draft, or everything not yet paid when the agency asks for payment — computed
//! from the form (`motcua_domain::fees`), never typed. The gateway's word settles it
//! ([`settle`], from its notification or a re-query), each change audited in the same transaction;
//! a payment that succeeds while the agency waits for it moves the dossier on by itself. Every
//! callback, genuine or not, is kept in `payment_callbacks` with what we answered.
//!
//! The gateway protocol itself (signing, verification) is in `motcua-gateways`; this module only
//! sees verified facts.

use chrono::{DateTime, Duration, Utc};
use motcua_domain::catalogue::{Channel, CollectionPoint};
use motcua_domain::fees::QuotedLine;
use motcua_domain::lifecycle::{self, Actor, Command, Role, Status};
use motcua_domain::payment::{
    self as rules, GatewayVerdict, Outcome, PaymentError, PaymentEvent, PaymentStatus,
};
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{dossier, payment, payment_callback};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use rand::Rng;
use serde::Serialize;
use serde_json::Value;

use crate::dossiers::{Author, apply_state, record_by, state_of, update_row};
use crate::identity::Principal;
use crate::{App, AppError, ErrorCode, catalogue};

/// How long the payer has at the gateway.
pub const PAYMENT_WINDOW: Duration = Duration::minutes(15);

/// A payment as the dossier's readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub status: String,
    pub amount: i64,
    pub method: String,
    pub paid_at: Option<DateTime<Utc>>,
}

impl From<&payment::Model> for PaymentView {
    fn from(p: &payment::Model) -> Self {
        Self {
            id: p.id.clone(),
            status: p.status.clone(),
            amount: p.amount_vnd,
            method: p.method.clone(),
            paid_at: p.paid_at,
        }
    }
}

pub async fn of_dossier(
    c: &impl ConnectionTrait,
    dossier_id: &str,
) -> Result<Vec<payment::Model>, AppError> {
    Ok(payment::Entity::find()
        .filter(payment::Column::DossierId.eq(dossier_id))
        .order_by_asc(payment::Column::CreatedAt)
        .all(c)
        .await?)
}

fn paid_total(payments: &[payment::Model]) -> i64 {
    payments
        .iter()
        .filter(|p| p.status == PaymentStatus::Succeeded.as_str())
        .map(|p| p.amount_vnd)
        .sum()
}

/// What is due now, and why: the lines and the amount still to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub purpose: &'static str,
    pub lines: Vec<QuotedLine>,
    pub amount_vnd: i64,
}

/// What the applicant owes now. A draft owes the fees collected when applying; a dossier whose
/// payment was requested owes every line not yet paid. Counter and postal dossiers pay at the desk.
pub fn due_now(
    app: &App,
    row: &dossier::Model,
    procedure: &motcua_domain::catalogue::Procedure,
    payments: &[payment::Model],
) -> Result<Option<Due>, AppError> {
    let state = state_of(row)?;
    if state.channel != Channel::Online {
        return Ok(None);
    }
    let day = crate::dossiers::fee_day(app, &state);
    let quote = crate::dossiers::quote_of(app, row, procedure, &state)?;
    let (purpose, lines): (&'static str, Vec<QuotedLine>) = match state.status {
        Status::Draft => (
            "submission",
            quote
                .lines
                .into_iter()
                .filter(|l| l.collected_at == CollectionPoint::Receipt)
                .collect(),
        ),
        Status::PaymentRequested => {
            // What the form costs, plus the catalogue lines the specialist added.
            let mut lines = quote.lines;
            for extra in &state.requested_fees {
                let Some(f) = procedure.fees.get(extra.line) else {
                    continue;
                };
                let Some(unit) = f.amount_for(state.channel, day) else {
                    continue;
                };
                lines.push(QuotedLine {
                    index: extra.line,
                    name: f.name.clone(),
                    name_en: f.name_en.clone(),
                    unit_vnd: unit,
                    quantity: extra.quantity,
                    amount_vnd: unit.saturating_mul(i64::from(extra.quantity)),
                    collected_at: f.collected_at,
                    exempt: false,
                });
            }
            ("request", lines)
        }
        _ => return Ok(None),
    };
    let owed: i64 = lines.iter().map(|l| l.amount_vnd).sum::<i64>() - paid_total(payments);
    Ok((owed > 0).then_some(Due {
        purpose,
        lines,
        amount_vnd: owed,
    }))
}

/// A payment the applicant is sent to pay at the gateway.
#[derive(Debug, Clone)]
pub struct Started {
    pub payment: payment::Model,
    /// The gateway page, reused while the payment is pending.
    pub redirect_url: String,
}

fn nothing_to_pay() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "nothing_to_pay",
        "Hồ sơ này hiện không có khoản phí, lệ phí nào phải nộp.",
        "Nothing is due for this dossier now.",
    )
}

/// A new order reference: the day and 12 random letters and digits (VNPAY takes up to 100).
fn txn_ref(now: DateTime<Utc>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("MC{}{tail}", now.format("%y%m%d"))
}

/// Starts (or resumes) the applicant's payment of what is due now. `url_for` builds the gateway
/// page for the new payment (signed by the gateway adapter); it is stored so that pressing "pay"
/// again returns to the same pending payment instead of opening a second one.
pub async fn start(
    app: &App,
    principal: &Principal,
    code: &str,
    url_for: impl Fn(&payment::Model) -> String,
) -> Result<Started, AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    let row = crate::dossiers::load_visible_row(&txn, principal, code).await?;
    let own = matches!(principal, Principal::Citizen { citizen_id, .. } if citizen_id.as_str() == row.applicant_id);
    if !own {
        return Err(AppError::forbidden(
            "not_applicant",
            "Chỉ người nộp hồ sơ thanh toán trực tuyến; tại quầy, công chức ghi nhận khoản thu.",
            "Only the applicant pays online; at the counter the officer records the payment.",
        ));
    }
    let procedure = catalogue::pinned(&txn, &row.procedure_code, row.procedure_version).await?;
    let payments = of_dossier(&txn, &row.id).await?;
    let due = due_now(app, &row, &procedure, &payments)?.ok_or_else(nothing_to_pay)?;
    // Still at the gateway for the same amount: the same payment, not a second charge.
    if let Some(open) = payments.iter().rev().find(|p| {
        p.status == PaymentStatus::Pending.as_str()
            && p.amount_vnd == due.amount_vnd
            && p.expires_at.is_some_and(|e| e > now)
    }) && let Some(url) = &open.redirect_url
    {
        return Ok(Started {
            payment: open.clone(),
            redirect_url: url.clone(),
        });
    }
    let mut model = payment::Model {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: row.id.clone(),
        txn_ref: txn_ref(now),
        purpose: due.purpose.into(),
        method: "vnpay".into(),
        status: PaymentStatus::Created.as_str().into(),
        amount_vnd: due.amount_vnd,
        lines: serde_json::to_string(&due.lines).map_err(AppError::internal)?,
        created_by: principal.key(),
        created_at: now,
        updated_at: now,
        expires_at: Some(now + PAYMENT_WINDOW),
        settled_at: None,
        gateway_txn_no: None,
        bank_code: None,
        paid_at: None,
        refunded_at: None,
        refunded_vnd: None,
        redirect_url: None,
        row_version: 1,
    };
    let to = match rules::decide(
        PaymentStatus::Created,
        model.amount_vnd,
        &PaymentEvent::Redirected,
    ) {
        Ok(Outcome::Moved(s)) => s,
        _ => PaymentStatus::Pending,
    };
    let url = url_for(&model);
    model.status = to.as_str().into();
    model.redirect_url = Some(url.clone());
    payment::ActiveModel::from(model.clone())
        .insert(&txn)
        .await?;
    audit_payment(
        &txn,
        &model,
        &principal.audit_name(),
        "payment.created",
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Started {
        payment: model,
        redirect_url: url,
    })
}

async fn audit_payment(
    c: &impl ConnectionTrait,
    p: &payment::Model,
    actor: &str,
    action: &str,
    extra: Option<Value>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::append(
        c,
        &AuditRecord {
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: format!("dossier:{}", p.dossier_id),
            data: serde_json::json!({
                "payment": p.id, "txn_ref": p.txn_ref, "status": p.status,
                "amount_vnd": p.amount_vnd, "method": p.method, "purpose": p.purpose, "extra": extra,
            }),
        },
    )
    .await?;
    // A payment that settled (one way or the other) is news for other systems.
    if let Some(status) = action.strip_prefix("payment.")
        && matches!(
            status,
            "succeeded" | "failed" | "cancelled" | "expired" | "refunded"
        )
        && let Some(row) = dossier::Entity::find_by_id(p.dossier_id.clone())
            .one(c)
            .await?
    {
        crate::events::on_payment(
            c,
            &row,
            crate::events::PaymentFacts {
                id: p.id.clone(),
                amount_vnd: p.amount_vnd,
                method: p.method.clone(),
                status: status.to_owned(),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// What the gateway said, verified by its adapter.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub verdict: GatewayVerdict,
    pub amount_vnd: i64,
    pub transaction_no: Option<String>,
    pub bank_code: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// `ipn` or `query`.
    pub source: &'static str,
    /// The callback as received (without its signature), for the trail.
    pub detail: String,
}

/// What [`settle`] did, which the IPN answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Applied(PaymentStatus),
    AlreadySettled,
    NotFound,
    AmountMismatch,
}

/// Records a callback that changed nothing (a forged or malformed one, a return page visit).
pub async fn log_callback(
    app: &App,
    txn_ref: &str,
    source: &str,
    answer: &str,
    accepted: bool,
    detail: &str,
) -> Result<(), AppError> {
    insert_callback(
        &app.db,
        txn_ref,
        source,
        answer,
        accepted,
        detail,
        app.now(),
    )
    .await
}

async fn insert_callback(
    c: &impl ConnectionTrait,
    txn_ref: &str,
    source: &str,
    answer: &str,
    accepted: bool,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    payment_callback::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        txn_ref: Set(txn_ref.chars().take(120).collect()),
        source: Set(source.to_owned()),
        answer: Set(answer.to_owned()),
        accepted: Set(accepted),
        detail: Set(detail.chars().take(4000).collect()),
        received_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Applies the gateway's word to the payment `txn_ref`, once: the payment's new status, its audit
/// entry, the callback's trail and — when it succeeded while the agency waits for it — the dossier
/// moving on, in one transaction.
pub async fn settle(app: &App, txn_ref: &str, s: Settlement) -> Result<Settled, AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    let Some(p) = payment::Entity::find()
        .filter(payment::Column::TxnRef.eq(txn_ref))
        .one(&txn)
        .await?
    else {
        insert_callback(&txn, txn_ref, s.source, "01", false, &s.detail, now).await?;
        txn.commit().await?;
        return Ok(Settled::NotFound);
    };
    let status = PaymentStatus::parse(&p.status).unwrap_or(PaymentStatus::Pending);
    let event = PaymentEvent::Settled {
        verdict: s.verdict,
        amount_vnd: s.amount_vnd,
    };
    let result = match rules::decide(status, p.amount_vnd, &event) {
        Err(PaymentError::AmountMismatch { .. }) => {
            insert_callback(&txn, txn_ref, s.source, "04", false, &s.detail, now).await?;
            audit_payment(
                &txn,
                &p,
                "system:payments",
                "payment.amount_mismatch",
                Some(serde_json::json!({ "reported_vnd": s.amount_vnd, "source": s.source })),
                now,
            )
            .await?;
            Settled::AmountMismatch
        }
        Err(e) => return Err(AppError::internal(e)),
        Ok(Outcome::AlreadySettled) => {
            insert_callback(&txn, txn_ref, s.source, "02", true, &s.detail, now).await?;
            Settled::AlreadySettled
        }
        Ok(Outcome::Moved(to)) => {
            let mut am: payment::ActiveModel = p.clone().into();
            am.status = Set(to.as_str().into());
            am.settled_at = Set(Some(now));
            am.updated_at = Set(now);
            am.row_version = Set(p.row_version + 1);
            if to == PaymentStatus::Succeeded {
                am.paid_at = Set(s.paid_at.or(Some(now)));
                am.gateway_txn_no = Set(s.transaction_no.clone());
                am.bank_code = Set(s.bank_code.clone());
            }
            // Guarded by the version read above: a concurrent settlement of the same payment
            // commits first and this one finds nothing to update.
            let res = payment::Entity::update_many()
                .set(am)
                .filter(payment::Column::Id.eq(p.id.clone()))
                .filter(payment::Column::RowVersion.eq(p.row_version))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "payment_changed",
                    "Khoản thanh toán vừa được cập nhật; vui lòng thử lại.",
                    "The payment was just updated; please try again.",
                ));
            }
            let updated = payment::Model {
                status: to.as_str().into(),
                ..p.clone()
            };
            audit_payment(&txn, &updated, "system:payments", &format!("payment.{}", to.as_str()),
                Some(serde_json::json!({ "source": s.source, "transaction_no": s.transaction_no, "bank": s.bank_code })), now).await?;
            insert_callback(&txn, txn_ref, s.source, "00", true, &s.detail, now).await?;
            if to == PaymentStatus::Succeeded {
                move_dossier_on(&txn, app, &p.dossier_id, now).await?;
                queue_receipt(&txn, &p.id, now).await?;
            }
            Settled::Applied(to)
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// A dossier waiting for payment goes back to processing once what was asked is paid.
async fn move_dossier_on(
    txn: &DatabaseTransaction,
    app: &App,
    dossier_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(row) = dossier::Entity::find_by_id(dossier_id.to_owned())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    // Tracking shows the new status on this node at once (another node within a second); a
    // lookup racing this transaction keeps the old answer at most that second.
    app.tracking.forget(&row.code).await;
    let state = state_of(&row)?;
    if state.status != Status::PaymentRequested {
        return Ok(());
    }
    let procedure = catalogue::pinned(txn, &row.procedure_code, row.procedure_version).await?;
    let payments = of_dossier(txn, &row.id).await?;
    if due_now(app, &row, &procedure, &payments)?.is_some() {
        return Ok(());
    }
    let actor = Actor {
        username: "payments".to_owned(),
        role: Role::Workflow,
        is_applicant: false,
        at_receiving: false,
        at_competent: false,
    };
    let transition =
        lifecycle::decide(&state, &actor, &Command::RecordPayment, now, &app.calendar)?;
    let to = transition.to;
    let updated = update_row(txn, &row, |am| apply_state(am, &to, None), now).await?;
    record_by(
        txn,
        &updated,
        &Author::system("system:payments", &row.competent_agency),
        "record_payment",
        (transition.from, to.status),
        Some("Thanh toán trực tuyến đã được cổng thanh toán xác nhận".into()),
        now,
        None,
    )
    .await?;
    Ok(())
}

/// What the caller (the applicant) owes on this dossier now, in VND; none when nothing is due or
/// they may not pay it online.
pub async fn owed(app: &App, principal: &Principal, code: &str) -> Result<Option<i64>, AppError> {
    let row = crate::dossiers::load_visible_row(&app.db, principal, code).await?;
    let own = matches!(principal, Principal::Citizen { citizen_id, .. } if citizen_id.as_str() == row.applicant_id);
    if !own {
        return Ok(None);
    }
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let payments = of_dossier(&app.db, &row.id).await?;
    Ok(due_now(app, &row, &procedure, &payments)?.map(|d| d.amount_vnd))
}

/// The job kind that asks the gateway about a payment whose notification never came.
pub const REQUERY: &str = "payment.requery";

/// Writes a re-query job for every open payment past its expiry and grace (at most one an hour
/// each). Returns how many were written.
pub async fn schedule_requeries(app: &App, now: DateTime<Utc>) -> Result<usize, AppError> {
    let open = payment::Entity::find()
        .filter(payment::Column::Status.is_in([
            PaymentStatus::Created.as_str(),
            PaymentStatus::Pending.as_str(),
        ]))
        .filter(payment::Column::Method.eq("vnpay"))
        .all(&app.db)
        .await?;
    let mut n = 0;
    for p in open {
        let status = PaymentStatus::parse(&p.status).unwrap_or(PaymentStatus::Pending);
        let expires = p.expires_at.unwrap_or(p.created_at);
        if !rules::due_for_requery(status, expires, now) {
            continue;
        }
        let job =
            motcua_store::outbox::NewJob::now(REQUERY, serde_json::json!({ "payment": p.id }), now)
                .dedupe(format!("requery:{}:{}", p.id, now.format("%Y%m%d%H")));
        if motcua_store::outbox::enqueue(&app.db, job, now)
            .await?
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

pub async fn get(app: &App, id: &str) -> Result<Option<payment::Model>, AppError> {
    Ok(payment::Entity::find_by_id(id.to_owned())
        .one(&app.db)
        .await?)
}

/// The gateway has no such transaction and the payer's time is over: the payment expired. A
/// payment settled meanwhile is left as it is.
pub async fn expire(app: &App, txn_ref: &str, detail: &str) -> Result<Settled, AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    let Some(p) = payment::Entity::find()
        .filter(payment::Column::TxnRef.eq(txn_ref))
        .one(&txn)
        .await?
    else {
        return Ok(Settled::NotFound);
    };
    let status = PaymentStatus::parse(&p.status).unwrap_or(PaymentStatus::Pending);
    let result = match rules::decide(status, p.amount_vnd, &PaymentEvent::Expire) {
        Ok(Outcome::Moved(to)) => {
            let res = payment::Entity::update_many()
                .col_expr(
                    payment::Column::Status,
                    motcua_store::sea_orm::sea_query::Expr::value(to.as_str()),
                )
                .col_expr(
                    payment::Column::SettledAt,
                    motcua_store::sea_orm::sea_query::Expr::value(now),
                )
                .col_expr(
                    payment::Column::UpdatedAt,
                    motcua_store::sea_orm::sea_query::Expr::value(now),
                )
                .col_expr(
                    payment::Column::RowVersion,
                    motcua_store::sea_orm::sea_query::Expr::value(p.row_version + 1),
                )
                .filter(payment::Column::Id.eq(p.id.clone()))
                .filter(payment::Column::RowVersion.eq(p.row_version))
                .exec(&txn)
                .await?;
            if res.rows_affected == 1 {
                let updated = payment::Model {
                    status: to.as_str().into(),
                    ..p.clone()
                };
                audit_payment(
                    &txn,
                    &updated,
                    "system:payments",
                    "payment.expired",
                    Some(serde_json::json!({ "source": "query" })),
                    now,
                )
                .await?;
                insert_callback(&txn, txn_ref, "query", "91", true, detail, now).await?;
                Settled::Applied(to)
            } else {
                Settled::AlreadySettled
            }
        }
        _ => Settled::AlreadySettled,
    };
    txn.commit().await?;
    Ok(result)
}

/// The job kind that refunds a payment through the gateway.
pub const REFUND: &str = "payment.refund";

/// When a paid dossier ends without its result (refused, stopped, withdrawn), writes a refund
/// job for each payment made through the gateway, in the step's transaction. What goes back is
/// decided by the job from the fee rules (`motcua_domain::payment::refundable`).
pub async fn on_dossier_end(
    txn: &impl ConnectionTrait,
    row: &dossier::Model,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ended_by = match action {
        "refuse" => "refused",
        "stop" => "stopped",
        "accept_withdrawal" => "withdrawn",
        _ => return Ok(()),
    };
    for p in of_dossier(txn, &row.id).await? {
        if p.status != PaymentStatus::Succeeded.as_str() || p.method != "vnpay" {
            continue;
        }
        motcua_store::outbox::enqueue(
            txn,
            motcua_store::outbox::NewJob::now(
                REFUND,
                serde_json::json!({
                    "payment": p.id, "ended_by": ended_by, "received": row.received_at.is_some(),
                }),
                now,
            )
            .dedupe(format!("refund:{}", p.id)),
            now,
        )
        .await?;
    }
    Ok(())
}

/// How much of `payment` goes back when its dossier ended `ended_by`.
pub async fn refund_due(
    app: &App,
    p: &payment::Model,
    ended_by: rules::EndedBy,
    received: bool,
) -> Result<i64, AppError> {
    let Some(row) = dossier::Entity::find_by_id(p.dossier_id.clone())
        .one(&app.db)
        .await?
    else {
        return Ok(0);
    };
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let lines: Vec<QuotedLine> = serde_json::from_str(&p.lines).unwrap_or_default();
    let lines: Vec<(i64, bool)> = lines
        .iter()
        .map(|l| {
            let charge = procedure
                .fees
                .get(l.index)
                .is_some_and(|f| f.kind == motcua_domain::catalogue::FeeKind::Charge);
            (l.amount_vnd, charge)
        })
        .collect();
    // Never more than was paid.
    Ok(rules::refundable(ended_by, received, &lines).min(p.amount_vnd))
}

/// Records a refund the gateway confirmed: the payment is refunded (all or part), audited.
pub async fn record_refund(
    app: &App,
    payment_id: &str,
    amount_vnd: i64,
    detail: &str,
) -> Result<Settled, AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    let Some(p) = payment::Entity::find_by_id(payment_id.to_owned())
        .one(&txn)
        .await?
    else {
        return Ok(Settled::NotFound);
    };
    let status = PaymentStatus::parse(&p.status).unwrap_or(PaymentStatus::Pending);
    let result = match rules::decide(status, p.amount_vnd, &PaymentEvent::Refunded) {
        Ok(Outcome::Moved(to)) => {
            let mut am: payment::ActiveModel = p.clone().into();
            am.status = Set(to.as_str().into());
            am.refunded_at = Set(Some(now));
            am.refunded_vnd = Set(Some(amount_vnd));
            am.updated_at = Set(now);
            am.row_version = Set(p.row_version + 1);
            am.update(&txn).await?;
            let updated = payment::Model {
                status: to.as_str().into(),
                ..p.clone()
            };
            audit_payment(
                &txn,
                &updated,
                "system:payments",
                "payment.refunded",
                Some(serde_json::json!({ "refunded_vnd": amount_vnd })),
                now,
            )
            .await?;
            insert_callback(&txn, &p.txn_ref, "refund", "00", true, detail, now).await?;
            Settled::Applied(to)
        }
        _ => Settled::AlreadySettled,
    };
    txn.commit().await?;
    Ok(result)
}

/// Notes in the trail that nothing was refundable (the work paid for was done).
pub async fn record_no_refund(app: &App, p: &payment::Model, why: &str) -> Result<(), AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    audit_payment(
        &txn,
        p,
        "system:payments",
        "payment.not_refunded",
        Some(serde_json::json!({ "why": why })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Records fees collected at the counter (cash or card) with the submission, in its transaction:
/// a succeeded payment of the lines due, and its receipt to be written by the worker.
pub async fn record_at_counter(
    txn: &impl ConnectionTrait,
    row: &dossier::Model,
    principal: &Principal,
    method: &str,
    lines: &[QuotedLine],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let amount: i64 = lines.iter().map(|l| l.amount_vnd).sum();
    let model = payment::Model {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: row.id.clone(),
        txn_ref: txn_ref(now),
        purpose: "submission".into(),
        method: method.into(),
        status: PaymentStatus::Succeeded.as_str().into(),
        amount_vnd: amount,
        lines: serde_json::to_string(lines).map_err(AppError::internal)?,
        created_by: principal.key(),
        created_at: now,
        updated_at: now,
        expires_at: None,
        settled_at: Some(now),
        gateway_txn_no: None,
        bank_code: None,
        paid_at: Some(now),
        refunded_at: None,
        refunded_vnd: None,
        redirect_url: None,
        row_version: 1,
    };
    payment::ActiveModel::from(model.clone())
        .insert(txn)
        .await?;
    audit_payment(
        txn,
        &model,
        &principal.audit_name(),
        "payment.succeeded",
        Some(serde_json::json!({ "at": "counter" })),
        now,
    )
    .await?;
    queue_receipt(txn, &model.id, now).await
}

/// The receipt of a payment that succeeded is rendered and signed by the worker, after the
/// transaction that recorded the payment commits; one per payment.
async fn queue_receipt(
    txn: &impl ConnectionTrait,
    payment_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    motcua_store::outbox::enqueue(
        txn,
        motcua_store::outbox::NewJob::now(
            crate::receipts::RECEIPT,
            serde_json::json!({ "payment": payment_id }),
            now,
        )
        .dedupe(format!("receipt:{payment_id}")),
        now,
    )
    .await?;
    Ok(())
}
