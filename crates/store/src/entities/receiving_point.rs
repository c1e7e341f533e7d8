//! Entity for the `receiving_points` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receiving_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub agency_code: String,
    pub name_vi: String,
    pub name_en: String,
    pub address: String,
    #[sea_orm(column_type = "Text")]
    pub opening_hours: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
