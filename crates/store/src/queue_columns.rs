//! Fills the queue columns of migration M0025 for dossiers written before it, from each row's
//! lifecycle state and applicant, in batches by id so memory stays flat however large the table.

use motcua_domain::lifecycle::DossierState;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ConnectionTrait, DbErr, Value};
use sea_orm_migration::prelude::{Alias, Expr, Order, Query};

const BATCH: u64 = 1_000;

/// The folded name staff find an applicant by (`dossiers.applicant_name`): the same folding as
/// catalogue search, so "Nguyễn Văn An", "nguyen van an" and "NGUYEN VAN AN" are one name.
pub fn applicant_name(applicant: &serde_json::Value) -> Option<String> {
    let name = motcua_domain::text::fold(applicant.get("full_name")?.as_str()?);
    (!name.is_empty()).then_some(name)
}

pub(crate) async fn backfill(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let dossiers = Alias::new("dossiers");
    let mut after = String::new();
    loop {
        let select = Query::select()
            .columns(["id", "lifecycle", "applicant"].map(Alias::new))
            .from(dossiers.clone())
            .and_where(Expr::col(Alias::new("id")).gt(after.clone()))
            .order_by(Alias::new("id"), Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get::<String>("", "id")?;
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let lifecycle: String = row.try_get("", "lifecycle")?;
            let applicant: String = row.try_get("", "applicant")?;
            let mut update = Query::update();
            update
                .table(dossiers.clone())
                .value(
                    Alias::new("applicant_name"),
                    serde_json::from_str(&applicant)
                        .ok()
                        .and_then(|v| applicant_name(&v)),
                )
                .and_where(Expr::col(Alias::new("id")).eq(id.clone()));
            match serde_json::from_str::<DossierState>(&lifecycle) {
                Ok(state) => {
                    let p = state.queue_position();
                    update
                        .value(
                            Alias::new("work_stage"),
                            p.stage.map(|s| s.as_str().to_owned()),
                        )
                        .value(Alias::new("queue_due_at"), Value::from(p.due_at))
                        .value(Alias::new("watch_due_at"), Value::from(p.watch_due_at))
                        .value(Alias::new("with_competent"), p.with_competent);
                }
                Err(e) => {
                    // An unreadable state cannot be queued; the row is kept as it is and shows up
                    // in no queue rather than stopping the upgrade.
                    tracing::warn!(dossier = %id, error = %e, "lifecycle state unreadable: not queued");
                }
            }
            db.execute(&update).await?;
        }
    }
}
