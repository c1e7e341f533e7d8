//! Entity for the `citizens` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub street: Option<String>,
    pub assurance_level: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
