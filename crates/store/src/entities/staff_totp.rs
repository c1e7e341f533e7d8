//! Entity for the `staff_totp` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub username: String,
    /// The shared secret (base32 as the authenticator app shows it), sealed with the
    /// application's key: `v1:` + base64 (see `motcua_app::sealing`).
    pub secret: String,
    /// The last time step accepted: a code is never accepted twice.
    pub last_step: i64,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub enrolled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
