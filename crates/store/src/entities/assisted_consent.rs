//! Entity for the `assisted_consents` table: a citizen's consent, by one-time code, to a community
//! digital team member applying for them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assisted_consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub citizen_id: String,
    /// The helper's staff username.
    pub helper: String,
    /// The helper's commune agency.
    pub agency: String,
    pub procedure_code: String,
    /// SHA-256 of the id and the code: the code itself is never stored.
    pub code_hash: String,
    /// Where the code went, masked (`091****678`).
    pub sent_to: String,
    pub attempts: i32,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub requested_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone", nullable)]
    pub consented_at: Option<DateTimeUtc>,
    /// The dossier started with it.
    pub dossier_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
