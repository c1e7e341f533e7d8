//! Entity for the `documents` table: the register of issued, signed documents (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    /// Also the id of the attachment holding the file.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub dossier_id: String,
    /// `result` for results; notices are not registered.
    pub kind: String,
    pub title: String,
    pub number: String,
    pub agency_code: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub issued_at: DateTimeUtc,
    /// SHA-256 of the signed file.
    pub sha256: String,
    /// Common name of the signing certificate.
    pub signer: String,
    pub cert_sha256: String,
    /// `valid` or `revoked`.
    pub status: String,
    #[sea_orm(column_type = "TimestampWithTimeZone", nullable)]
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub revoke_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
