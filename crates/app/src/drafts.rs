//! Throwing a draft away (SPEC §9, "my dossiers"): an application never submitted is the
//! applicant's own work in progress, not yet given to any agency, so they may delete it — the
//! form, the files and the draft's own history with it. The audit trail keeps the fact that it
//! existed and was deleted, by whom; what was in it goes.

use motcua_domain::lifecycle::{Role, Status};
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{
    applicant_signature, attachment, document, dossier, payment, progress_entry, rating,
};
use motcua_store::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::authz::Access;
use crate::identity::Principal;
use crate::{App, AppError, ErrorCode, dossiers};

/// Deletes a draft its owner may still edit: the citizen's own online draft, or the receiving
/// officer's counter draft. A submitted dossier is never deleted (it can be withdrawn instead),
/// nor a draft with a payment on record, which the payment reconciliation must still find.
/// Returns the draft's reference.
pub async fn delete(app: &App, principal: &Principal, code: &str) -> Result<String, AppError> {
    let txn = app.db.begin().await?;
    let (row, state, access) = dossiers::load_visible(&txn, principal, code).await?;
    if state.status != Status::Draft {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "not_a_draft",
            "Chỉ xóa được hồ sơ chưa nộp. Hồ sơ đã nộp có thể rút.",
            "Only an application not yet submitted can be deleted. A submitted one can be withdrawn.",
        ));
    }
    let owner = match &access {
        Access::Applicant => row.channel == "online",
        Access::Staff { at_receiving, .. } => {
            row.channel != "online" && at_receiving.contains(&Role::Officer)
        }
        Access::Assistant | Access::None => false,
    };
    if !owner {
        return Err(AppError::forbidden(
            "not_allowed",
            "Bạn không được xóa hồ sơ này.",
            "You may not delete this application.",
        ));
    }
    let payments = payment::Entity::find()
        .filter(payment::Column::DossierId.eq(row.id.clone()))
        .count(&txn)
        .await?;
    if payments > 0 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "draft_has_payment",
            "Hồ sơ này đã có giao dịch thanh toán nên được giữ lại; bạn vẫn có thể nộp tiếp.",
            "This application has a payment on record, so it is kept; you can still submit it.",
        ));
    }
    let keys: Vec<String> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::StorageKey)
        .filter(attachment::Column::DossierId.eq(row.id.clone()))
        .into_tuple()
        .all(&txn)
        .await?;
    applicant_signature::Entity::delete_many()
        .filter(applicant_signature::Column::DossierId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    attachment::Entity::delete_many()
        .filter(attachment::Column::DossierId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    document::Entity::delete_many()
        .filter(document::Column::DossierId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    rating::Entity::delete_many()
        .filter(rating::Column::DossierId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    progress_entry::Entity::delete_many()
        .filter(progress_entry::Column::DossierId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    // Guarded by the row version, like every write: a save that lands meanwhile wins, and the
    // applicant is asked again.
    let gone = dossier::Entity::delete_many()
        .filter(dossier::Column::Id.eq(row.id.clone()))
        .filter(dossier::Column::RowVersion.eq(row.row_version))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "concurrent_update",
            "Hồ sơ vừa được người khác cập nhật, vui lòng tải lại.",
            "The dossier was changed meanwhile; reload and try again.",
        ));
    }
    let now = app.now();
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "dossier.delete_draft".into(),
            subject: format!("dossier:{}", row.id),
            data: serde_json::json!({
                "draft_ref": row.draft_ref,
                "procedure": row.procedure_code,
                "channel": row.channel,
                "files": keys.len(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    // The bytes go once the rows are gone; one left behind by a failure here names no row any
    // more and is taken by the orphan sweep (`housekeeping::sweep_orphan_files`).
    for key in &keys {
        if let Err(e) = app.files.delete(key).await {
            tracing::warn!(key = %key, error = %e, "cannot remove a deleted draft's file now; the orphan sweep will");
        }
    }
    Ok(row.draft_ref.unwrap_or_else(|| code.to_owned()))
}
