//! Entity for the `access_log` table: every read of a person's data by someone else.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The person whose data was read (citizen ID).
    pub subject: String,
    /// Who read it, as the audit trail names them (`staff:<username>`, `system:<part>`).
    pub actor: String,
    pub actor_role: String,
    pub agency: Option<String>,
    /// Why: `dossier.view`, `dossier.file`, `dossier.notice`, `dossier.audit`, `counter.lookup`, …
    pub purpose: String,
    pub dossier_code: Option<String>,
    /// False: the read was refused (and the person should know someone tried).
    pub allowed: bool,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
