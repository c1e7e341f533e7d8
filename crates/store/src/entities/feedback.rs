//! Entity for the `feedback` table (see `migration.rs`, `M0009Feedback`): feedback and
//! recommendations (phản ánh, kiến nghị) with the time of every step of their handling.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `PAKN-<YYMMDD>-<seq>`.
    #[sea_orm(unique)]
    pub code: String,
    /// `complaint` or `recommendation`.
    pub kind: String,
    /// `dossier`, `procedure`, `conduct` or `general` (indicator 5.1).
    pub subject_type: String,
    pub agency_code: String,
    pub procedure_code: Option<String>,
    pub dossier_code: Option<String>,
    /// The officer whose conduct it is about, as the person named them.
    #[sea_orm(column_type = "Text")]
    pub officer: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// The language of the messages to the person (`vi` or `en`).
    pub lang: String,
    /// The signed-in citizen who sent it; none when sent without signing in.
    pub citizen_id: Option<String>,
    /// The key of a person who sent it without signing in, sealed (see `app::sealing`).
    #[sea_orm(column_type = "Text")]
    pub access_key: Option<String>,
    pub status: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub received_at: DateTimeUtc,
    /// When the answer is due (moved by a pause for details).
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub due_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub details_requested_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub details_request: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub details_given_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub details: Option<String>,
    pub paused_minutes: i64,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub refused_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub refusal_reason: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub published: bool,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub published_at: Option<DateTimeUtc>,
    /// `satisfied`, `normal` or `dissatisfied`.
    pub rating: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub rating_reason: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub rated_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
    pub row_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A row without its texts: what the handling rules decide on and the indicators count
/// (read by the thousand for a province's year, so the contents stay in the table).
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Handling {
    pub code: String,
    pub agency_code: String,
    pub procedure_code: Option<String>,
    pub dossier_code: Option<String>,
    pub citizen_id: Option<String>,
    pub status: String,
    pub received_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub details_requested_at: Option<DateTimeUtc>,
    pub details_given_at: Option<DateTimeUtc>,
    pub paused_minutes: i64,
    pub refused_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub rating: Option<String>,
}

impl From<&Model> for Handling {
    fn from(m: &Model) -> Self {
        Self {
            code: m.code.clone(),
            agency_code: m.agency_code.clone(),
            procedure_code: m.procedure_code.clone(),
            dossier_code: m.dossier_code.clone(),
            citizen_id: m.citizen_id.clone(),
            status: m.status.clone(),
            received_at: m.received_at,
            due_at: m.due_at,
            details_requested_at: m.details_requested_at,
            details_given_at: m.details_given_at,
            paused_minutes: m.paused_minutes,
            refused_at: m.refused_at,
            answered_at: m.answered_at,
            published_at: m.published_at,
            rating: m.rating.clone(),
        }
    }
}
