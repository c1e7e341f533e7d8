//! Entity for the `workflow_templates` table: an agency's split of a procedure's processing time
//! (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_templates")]
pub struct Model {
    /// `<agency code>/<procedure code>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_code: String,
    pub procedure_code: String,
    /// Working minutes per step: assignment, appraisal, review, issue.
    pub minutes: String,
    /// Specialists who take new dossiers by default, comma-separated; empty: the leader assigns.
    pub assignees: String,
    pub updated_by: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
