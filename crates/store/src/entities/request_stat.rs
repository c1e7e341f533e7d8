//! Entity for the `request_stats` table: requests per day, method and route (see
//! `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_stats")]
pub struct Model {
    /// `YYYY-MM-DD` in the deployment's time zone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub method: String,
    /// The route's template (`/my/{code}/form`), never a concrete path.
    #[sea_orm(primary_key, auto_increment = false)]
    pub route: String,
    pub requests: i64,
    /// Answers 500–599.
    pub server_errors: i64,
    pub total_ms: i64,
    /// Response bytes before compression.
    pub bytes: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
