//! Entity for the `procedures` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub is_current: bool,
    pub name_vi: String,
    pub name_en: String,
    #[sea_orm(column_type = "Text")]
    pub name_folded: String,
    pub level: String,
    pub competent_agency_kind: String,
    pub online_level: String,
    #[sea_orm(column_type = "Text")]
    pub definition: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
