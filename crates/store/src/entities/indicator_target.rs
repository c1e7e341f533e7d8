//! Entity for the `indicator_targets` table: an agency's target for an indicator in a year (see
//! `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator: String,
    /// Percent (0–100); for `total`, points out of 100.
    pub target: f64,
    pub set_by: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub set_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
