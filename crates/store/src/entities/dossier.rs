//! Entity for the `dossiers` table (see `migration.rs`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub code: String,
    pub draft_ref: Option<String>,
    pub procedure_code: String,
    pub procedure_version: i32,
    pub channel: String,
    pub status: i32,
    pub applicant_id: String,
    #[sea_orm(column_type = "Text")]
    pub applicant: String,
    pub created_by: String,
    pub receiving_point: Option<String>,
    pub receiving_agency: String,
    pub competent_agency: String,
    pub assignee: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub due_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub receipt_due_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub submitted_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub received_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub form: String,
    #[sea_orm(column_type = "Text")]
    pub lifecycle: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
    pub row_version: i32,
    /// Decision 766 4.3: a component reused from a national database or the warehouse.
    pub reused_data: bool,
    /// Decision 766 4.4: a component taken from the citizen's warehouse.
    pub from_warehouse: bool,
    /// Decision 766 4.5(b): population data used (read from the population database).
    pub population_data: bool,
    /// Decision 766 4.5(b): the applicant signed in with the national digital identity.
    pub vneid_applicant: bool,
    /// The community digital team member who applied for the citizen, with their consent; they
    /// may edit the draft until it is submitted, never after.
    pub assisted_by: Option<String>,
    /// The enterprise code when its legal representative applied for it (SPEC §6); its
    /// warehouse holds the dossier's files and results.
    pub on_behalf_of: Option<String>,
    /// The back-office queue the dossier waits in (`WorkStage::as_str`), none when nobody at
    /// an agency has to act; kept with the lifecycle state (migration M0025).
    pub work_stage: Option<String>,
    /// The deadline that orders its queue: the receipt limit, then the result date.
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub queue_due_at: Option<DateTimeUtc>,
    /// The deadline the near and overdue lists watch (none while the clock is stopped).
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub watch_due_at: Option<DateTimeUtc>,
    /// The competent agency may see it (its own receipt, or handed over).
    pub with_competent: bool,
    /// The applicant's full name folded for search (`queue_columns::applicant_name`).
    pub applicant_name: Option<String>,
    /// The interconnected group this dossier is a member of (its group's dossier id).
    pub group_id: Option<String>,
    /// This dossier is a group's application: its members are handled, not it.
    pub is_group: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
