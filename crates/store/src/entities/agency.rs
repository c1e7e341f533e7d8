//! Entity for the `agencies` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub province_code: String,
    pub commune_code: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub successor_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
