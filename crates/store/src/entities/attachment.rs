//! Entity for the `attachments` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub dossier_id: String,
    pub component_key: String,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub uploaded_at: DateTimeUtc,
    pub digitized: bool,
    pub supplement: bool,
    /// `upload`, `warehouse` or `connector:<name>`; the system's own documents say `issued`.
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
