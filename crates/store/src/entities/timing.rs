//! Entity for the `timings` table: one timed event (a sign-in's round trip to the identity
//! provider, …), see `migration.rs`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "timings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `login_idp` (the server's exchange with the identity provider), `login_total` (from
    /// leaving for the identity provider to coming back signed in).
    pub kind: String,
    /// `YYYY-MM-DD` in the deployment's time zone.
    pub day: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub at: DateTimeUtc,
    pub ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
