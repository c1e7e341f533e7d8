//! "Who read my data" (SPEC §13, issue 15 item 5): every read of a person's data by someone other
//! than that person — an official opening their dossier, a file, a notice or the audit trail, an
//! officer looking them up at the counter — is one row: who, when, why, through which dossier,
//! and whether it was allowed. A refused attempt (an official of another agency trying a dossier
//! code) is recorded too. The person reads their log at `/my/access-log`.
//!
//! Cheap by construction: one insert, no audit-chain link, no read of its own; reads by the person
//! themselves are not logged.

use chrono::{DateTime, Utc};
use motcua_store::entities::access_log;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::identity::Principal;
use crate::{App, AppError};

/// Records that `principal` read (or tried to read) `subject`'s data for `purpose`. Nothing is
/// recorded when people read their own data.
pub async fn record(
    c: &impl ConnectionTrait,
    subject: &str,
    principal: &Principal,
    purpose: &str,
    dossier_code: Option<&str>,
    allowed: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (role, agency) = match principal {
        Principal::Citizen { citizen_id, .. } => {
            if citizen_id.as_str() == subject {
                return Ok(());
            }
            ("citizen".to_owned(), None)
        }
        Principal::Staff { roles, .. } => (
            roles
                .first()
                .map(|r| r.role.as_str().to_owned())
                .unwrap_or_else(|| "staff".into()),
            roles.first().map(|r| r.agency.clone()),
        ),
    };
    let read = Read {
        subject,
        purpose,
        dossier_code,
        allowed,
        now,
    };
    insert(c, &read, principal.key(), role, agency).await
}

/// One row's facts besides who read.
struct Read<'a> {
    subject: &'a str,
    purpose: &'a str,
    dossier_code: Option<&'a str>,
    allowed: bool,
    now: DateTime<Utc>,
}

async fn insert(
    c: &impl ConnectionTrait,
    r: &Read<'_>,
    actor: String,
    role: String,
    agency: Option<String>,
) -> Result<(), AppError> {
    access_log::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        subject: Set(r.subject.to_owned()),
        actor: Set(actor),
        actor_role: Set(role),
        agency: Set(agency),
        purpose: Set(r.purpose.to_owned()),
        dossier_code: Set(r.dossier_code.map(str::to_owned)),
        allowed: Set(r.allowed),
        at: Set(r.now),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// One read, as the person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub agency: Option<String>,
    pub purpose: String,
    pub dossier: Option<String>,
    pub allowed: bool,
}

/// The caller's own log, newest first (citizens only).
pub async fn mine(
    app: &App,
    principal: &Principal,
    limit: u64,
) -> Result<Vec<AccessView>, AppError> {
    let Principal::Citizen { citizen_id, .. } = principal else {
        return Err(AppError::forbidden(
            "citizens_only",
            "Nhật ký truy cập dữ liệu dành cho công dân.",
            "The data access log is for citizens.",
        ));
    };
    Ok(access_log::Entity::find()
        .filter(access_log::Column::Subject.eq(citizen_id.as_str()))
        .order_by_desc(access_log::Column::At)
        .limit(limit.clamp(1, 500))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|r| AccessView {
            at: r.at,
            actor: r.actor,
            role: r.actor_role,
            agency: r.agency,
            purpose: r.purpose,
            dossier: r.dossier_code,
            allowed: r.allowed,
        })
        .collect())
}

/// Records that the system read `subject`'s data from a national database on their behalf (or on
/// the behalf of the official serving them): the actor is the connector, the purpose what it was
/// for. Logged even when people act for themselves — they did not read the database, we did.
pub async fn record_connector_read(
    c: &impl ConnectionTrait,
    subject: &str,
    connector: &str,
    on_behalf_of: &Principal,
    purpose: &str,
    dossier_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let agency = match on_behalf_of {
        Principal::Staff { roles, .. } => roles.first().map(|r| r.agency.clone()),
        Principal::Citizen { .. } => None,
    };
    let read = Read {
        subject,
        purpose,
        dossier_code,
        allowed: true,
        now,
    };
    insert(
        c,
        &read,
        format!("connector:{connector}"),
        "system".into(),
        agency,
    )
    .await
}

/// Renames a dossier in the log (a draft's reference becomes its official code on submission).
pub async fn rename_dossier(
    c: &impl ConnectionTrait,
    from: &str,
    to: &str,
) -> Result<(), AppError> {
    use motcua_store::sea_orm::sea_query::Expr;
    if from != to {
        access_log::Entity::update_many()
            .col_expr(access_log::Column::DossierCode, Expr::value(to.to_owned()))
            .filter(access_log::Column::DossierCode.eq(from.to_owned()))
            .exec(c)
            .await?;
    }
    Ok(())
}
