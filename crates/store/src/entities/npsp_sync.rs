//! Entity for the `npsp_sync` table (see `migration.rs`, M0027).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "npsp_sync")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub dossier_id: String,
    pub dossier_code: String,
    /// How many of the dossier's updates the portal acknowledged, in order.
    pub acked: i32,
    /// When the portal acknowledged the dossier's creation.
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub synced_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub acked_at: Option<DateTimeUtc>,
    /// SHA-256 of the fee list the portal last accepted.
    pub fees_digest: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub failing_since: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
