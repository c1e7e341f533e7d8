//! The procedure catalogue as stored: versioned procedures imported through the one importer a
//! deployment uses (`motcua catalog import`), exported in the same format.

use motcua_domain::catalogue::{Procedure, export_catalogue, import_catalogue};
use motcua_domain::text::fold;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::procedure;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use crate::{App, AppError, ErrorCode};

/// What an import did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportSummary {
    pub added: usize,
    pub new_versions: usize,
    pub unchanged: usize,
}

/// Imports a catalogue all-or-nothing. A procedure whose content changed gets a new version;
/// dossiers stay pinned to the version they were created under (SPEC §3).
pub async fn import(app: &App, json: &str, actor: &str) -> Result<ImportSummary, AppError> {
    let procs = import_catalogue(json).map_err(|errs| {
        let mut e = AppError::new(
            ErrorCode::Unprocessable,
            "invalid_catalogue",
            format!("Danh mục không hợp lệ:\n{errs}"),
            format!("The catalogue is invalid:\n{errs}"),
        );
        e.source = Some(Box::new(errs));
        e
    })?;
    let now = app.now();
    let txn = app.db.begin().await?;
    let mut summary = ImportSummary::default();
    for mut p in procs {
        let current = procedure::Entity::find()
            .filter(procedure::Column::Code.eq(p.code.as_str()))
            .filter(procedure::Column::IsCurrent.eq(true))
            .one(&txn)
            .await?;
        let version = match &current {
            Some(row) => {
                let mut existing: Procedure =
                    motcua_store::from_json("procedures.definition", &row.definition)?;
                existing.version = p.version;
                if existing == p {
                    summary.unchanged += 1;
                    continue;
                }
                let mut am: procedure::ActiveModel = row.clone().into();
                am.is_current = Set(false);
                am.update(&txn).await?;
                summary.new_versions += 1;
                row.version + 1
            }
            None => {
                summary.added += 1;
                1
            }
        };
        p.version = u32::try_from(version).unwrap_or(1);
        let definition = serde_json::to_string(&p).map_err(AppError::internal)?;
        procedure::ActiveModel {
            id: Default::default(),
            code: Set(p.code.as_str().to_owned()),
            version: Set(version),
            is_current: Set(true),
            name_vi: Set(p.name_vi.clone()),
            name_en: Set(p.name_en.clone()),
            name_folded: Set(fold(&format!("{} {} {}", p.name_vi, p.name_en, p.code))),
            level: Set(p.level.as_str().to_owned()),
            competent_agency_kind: Set(p.competent_agency_kind.clone()),
            online_level: Set(p.online_level.as_str().to_owned()),
            definition: Set(definition),
            imported_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: actor.to_owned(),
            action: "catalogue.import".into(),
            subject: "catalogue".into(),
            data: serde_json::to_value(&summary).map_err(AppError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(summary)
}

/// The current versions, in code order.
pub async fn current_all(app: &App) -> Result<Vec<Procedure>, AppError> {
    procedure::Entity::find()
        .filter(procedure::Column::IsCurrent.eq(true))
        .order_by_asc(procedure::Column::Code)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|r| {
            Ok(motcua_store::from_json(
                "procedures.definition",
                &r.definition,
            )?)
        })
        .collect()
}

pub async fn export(app: &App) -> Result<String, AppError> {
    Ok(export_catalogue(&current_all(app).await?))
}

pub async fn current(app: &App, code: &str) -> Result<Option<Procedure>, AppError> {
    let row = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code.to_owned()))
        .filter(procedure::Column::IsCurrent.eq(true))
        .one(&app.db)
        .await?;
    row.map(|r| {
        Ok(motcua_store::from_json(
            "procedures.definition",
            &r.definition,
        )?)
    })
    .transpose()
}

pub async fn pinned(
    conn: &impl ConnectionTrait,
    code: &str,
    version: i32,
) -> Result<Procedure, AppError> {
    let row = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code.to_owned()))
        .filter(procedure::Column::Version.eq(version))
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::internal(motcua_store::StoreError::Corrupt(format!(
                "procedure {code} v{version} missing"
            )))
        })?;
    Ok(motcua_store::from_json(
        "procedures.definition",
        &row.definition,
    )?)
}

/// Plain-words search, with or without diacritics: every folded query token must start a word of the
/// folded name (or match the code). Issue-3 search (typos, ranking) builds on this.
pub async fn search(app: &App, q: &str) -> Result<Vec<Procedure>, AppError> {
    let all = current_all(app).await?;
    let q = fold(q);
    let tokens: Vec<&str> = q.split_whitespace().collect();
    if tokens.is_empty() {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|p| {
            let hay = fold(&format!("{} {}", p.name_vi, p.name_en));
            let words: Vec<&str> = hay.split_whitespace().collect();
            p.code.as_str() == q
                || tokens
                    .iter()
                    .all(|t| words.iter().any(|w| w.starts_with(t)))
        })
        .collect())
}
