//! The electronic fee receipt (biên lai thu phí, lệ phí điện tử; Decree 123/2020/NĐ-CP Art. 32):
//! written for every payment that succeeded, as a PDF signed with the collecting agency's key,
//! kept in the dossier's documents (kind `payment_receipt`) and the citizen's warehouse.
//!
//! It is written by the outbox (`payment.receipt`, queued in the transaction that settled the
//! payment) because rendering and signing take time and write to the object store, which cannot
//! join a database transaction. The receipt's id is the payment's, so a job that runs twice
//! writes one receipt.

use bytes::Bytes;
use futures::future::BoxFuture;
use motcua_documents::pades::{self, SignatureInfo};
use motcua_documents::templates::{self, FeeReceiptInput, FeeReceiptLine};
use motcua_domain::fees::QuotedLine;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{attachment, document, dossier, payment};
use motcua_store::files::sha256_hex;
use motcua_store::sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use serde::Deserialize;

use crate::outbox::{Handler, JobCtx, JobError};
use crate::{App, AppError, ErrorCode, catalogue};

/// The job kind that writes a payment's receipt.
pub const RECEIPT: &str = "payment.receipt";
/// The component key receipts are stored under beside the dossier's files.
pub const RECEIPT_COMPONENT: &str = "payment_receipt";

#[derive(Deserialize)]
struct Payload {
    payment: String,
}

/// Writes receipts.
pub struct IssueReceipt;

impl Handler for IssueReceipt {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: Payload = ctx.payload()?;
            issue(ctx.app, &p.payment).await.map_err(JobError::from)
        })
    }
}

/// Writes the receipt of a succeeded payment (nothing when it exists or the payment did not
/// succeed).
pub async fn issue(app: &App, payment_id: &str) -> Result<(), AppError> {
    if document::Entity::find_by_id(payment_id.to_owned())
        .one(&app.db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let Some(pay) = payment::Entity::find_by_id(payment_id.to_owned())
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    if pay.status != "succeeded" && pay.status != "refunded" {
        return Ok(());
    }
    let Some(row) = dossier::Entity::find_by_id(pay.dossier_id.clone())
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let now = app.now();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&app.calendar.offset());
    // The agency that handles the procedure collects its fees.
    let (issuer, agency) = crate::issued::issuer_of(app, &row.competent_agency).await?;
    let issued_at = local(pay.paid_at.unwrap_or(now));
    let year = issued_at.format("%y").to_string();
    let seq = motcua_store::counters::next_sequence(&app.db, &format!("BL:{}", agency.code), &year)
        .await?;
    let number = format!("{seq:07}");
    let series = format!("BLP-{year}E");
    let lines: Vec<QuotedLine> = serde_json::from_str(&pay.lines).unwrap_or_default();
    let applicant: serde_json::Value = serde_json::from_str(&row.applicant).unwrap_or_default();
    let text = |k: &str| {
        applicant
            .get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let payer_address = match applicant
        .get("address")
        .and_then(serde_json::Value::as_object)
    {
        Some(a) => crate::issued::address(app, a).await?,
        None => String::new(),
    };
    let verify_url = format!("{}/verify/{}", app.public_url.trim_end_matches('/'), pay.id);
    let input = FeeReceiptInput {
        issuer: issuer.clone(),
        series: series.clone(),
        number: number.clone(),
        issued_at,
        payer_name: text("full_name"),
        payer_id: text("citizen_id"),
        payer_address,
        dossier_code: row.code.clone(),
        procedure_name: procedure.name_vi.clone(),
        lines: lines
            .iter()
            .filter(|l| l.amount_vnd > 0)
            .map(|l| FeeReceiptLine {
                name: l.name.clone(),
                quantity: l.quantity,
                unit_vnd: l.unit_vnd,
                amount_vnd: l.amount_vnd,
            })
            .collect(),
        total_vnd: pay.amount_vnd,
        method: match pay.method.as_str() {
            "vnpay" => "Thanh toán trực tuyến qua cổng VNPAY".into(),
            "card" => "Thẻ tại quầy".into(),
            _ => "Tiền mặt tại quầy".into(),
        },
        transaction_no: pay.gateway_txn_no.clone(),
        collector: format!("TM. {}", agency.name_vi),
        verify_url,
    };
    let pdf = crate::render_pdf(templates::fee_receipt(&input))
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                "receipt_not_rendered",
                format!("Không tạo được biên lai: {e}"),
                format!("The receipt could not be rendered: {e}"),
            )
        })?;
    let credential = app
        .pki
        .credential(&agency.code, &agency.name_vi, now.into())?;
    let signed = pades::sign(
        &pdf,
        &credential,
        &SignatureInfo {
            time: local(now),
            name: credential.subject_name(),
            reason: format!("Biên lai thu phí, lệ phí hồ sơ {}", row.code),
            location: issuer.place.clone(),
        },
    )
    .map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            "receipt_not_signed",
            format!("Không ký số được biên lai: {e}"),
            format!("The receipt could not be signed: {e}"),
        )
    })?;
    let key = format!("dossiers/{}/{}", row.id, pay.id);
    app.files.put(&key, Bytes::from(signed.clone())).await?;
    let stored = async {
        let txn = app.db.begin().await?;
        let file_name = format!("{}-bien-lai-{number}.pdf", row.code);
        attachment::ActiveModel {
            id: Set(pay.id.clone()),
            dossier_id: Set(row.id.clone()),
            component_key: Set(RECEIPT_COMPONENT.into()),
            file_name: Set(file_name),
            mime: Set("application/pdf".into()),
            size_bytes: Set(i64::try_from(signed.len()).unwrap_or(i64::MAX)),
            sha256: Set(sha256_hex(&signed)),
            storage_key: Set(key.clone()),
            uploaded_by: Set("system:payments".into()),
            uploaded_at: Set(now),
            digitized: Set(false),
            supplement: Set(false),
            source: Set("issued".into()),
        }
        .insert(&txn)
        .await?;
        document::ActiveModel {
            id: Set(pay.id.clone()),
            dossier_id: Set(row.id.clone()),
            kind: Set(RECEIPT_COMPONENT.into()),
            title: Set("Biên lai thu phí, lệ phí".into()),
            number: Set(format!("{series}/{number}")),
            agency_code: Set(agency.code.clone()),
            issued_at: Set(now),
            sha256: Set(sha256_hex(&signed)),
            signer: Set(credential.subject_name()),
            cert_sha256: Set(motcua_documents::pki::cert_sha256(&credential.certificate)
                .map(hex::encode)
                .unwrap_or_default()),
            status: Set("valid".into()),
            revoked_at: Set(None),
            revoked_by: Set(None),
            revoke_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            &AuditRecord {
                at: now,
                actor: "system:payments".into(),
                action: "payment.receipt".into(),
                subject: format!("dossier:{}", row.id),
                data: serde_json::json!({
                    "payment": pay.id, "number": format!("{series}/{number}"),
                    "amount_vnd": pay.amount_vnd, "sha256": sha256_hex(&signed),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    if stored.is_err() {
        let _ = app.files.delete(&key).await;
    }
    stored
}
