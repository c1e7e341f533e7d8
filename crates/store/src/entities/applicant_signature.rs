//! Entity for the `applicant_signatures` table: an applicant's remote signature on their
//! application (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applicant_signatures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub dossier_id: String,
    pub citizen_id: String,
    pub credential_id: String,
    /// PEM: the signer's certificate first, then the chain the service gave.
    #[sea_orm(column_type = "Text")]
    pub certificates: String,
    /// SHA-256 (hex) of the canonical application content that is (being) signed.
    pub content_sha256: String,
    /// `pending` or `signed`.
    pub status: String,
    /// The detached CMS SignedData, base64.
    #[sea_orm(column_type = "Text", nullable)]
    pub cms: Option<String>,
    pub signer: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub started_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone", nullable)]
    pub signed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
