//! Entity for the `progress_entries` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dossier_id: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub at: DateTimeUtc,
    pub actor: String,
    pub actor_role: String,
    pub agency_code: Option<String>,
    pub receiving_point: Option<String>,
    pub action: String,
    pub from_status: i32,
    pub to_status: i32,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
