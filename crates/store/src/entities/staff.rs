//! Entity for the `staff` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub username: String,
    pub full_name: String,
    /// Position printed above the name when signing ("Phó Chủ tịch"); empty if none.
    pub title: String,
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: i32,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
