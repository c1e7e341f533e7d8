//! One set of migrations for SQLite and PostgreSQL, written with the schema builder so each backend
//! gets its own SQL. Portable types only: timestamps as `timestamptz` (text on SQLite), JSON as text,
//! enums as text, booleans, 64-bit integers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Core),
            Box::new(M0002Ratings),
            Box::new(M0003StaffTotp),
            Box::new(M0004Documents),
            Box::new(M0005ApplicantSignatures),
            Box::new(M0006WorkflowTemplates),
            Box::new(M0007DefaultAssigneesAndPaperlessDays),
            Box::new(M0008Outbox),
            Box::new(M0009Feedback),
            Box::new(M0010Payments),
            Box::new(M0011PaymentRefunds),
            Box::new(M0012AccessLog),
            Box::new(M0013AttachmentSource),
            Box::new(M0014AccessLogDossier),
            Box::new(M0015OnceOnlyFlags),
            Box::new(M0016AssistedSubmission),
            Box::new(M0017OnBehalfOf),
            Box::new(M0018IndicatorTargets),
            Box::new(M0019PortalQuality),
            Box::new(M0020IndicatorRollups),
            Box::new(M0021FeedbackByReceipt),
            Box::new(M0022ScanIndexes),
            Box::new(M0023ListIndexes),
            Box::new(M0024AuditChains),
            Box::new(M0025WorkQueues),
            Box::new(M0026StaffTitle),
            Box::new(M0027NationalPortalSync),
            Box::new(M0028InterconnectedGroups),
        ]
    }
}

/// Names are written out: the derive takes the file name, which would give every migration in this
/// file the same version.
struct M0001Core;

impl MigrationName for M0001Core {
    fn name(&self) -> &str {
        "m0001_core"
    }
}

fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).to_owned()
}

fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

const TABLES: [&str; 17] = [
    "admin_units",
    "agencies",
    "receiving_points",
    "staff",
    "staff_roles",
    "procedures",
    "citizens",
    "dossiers",
    "progress_entries",
    "attachments",
    "dossier_counters",
    "idempotency_keys",
    "api_tokens",
    "sessions",
    "oidc_logins",
    "audit_log",
    "audit_head",
];

#[async_trait::async_trait]
impl MigrationTrait for M0001Core {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("admin_units")
                .col(string("code").primary_key())
                .col(string("name"))
                .col(string("division_type"))
                .col(string("level"))
                .col(string("province_code"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("agencies")
                .col(string("code").primary_key())
                .col(string("name_vi"))
                .col(string("name_en"))
                .col(string("kind"))
                .col(string("level"))
                .col(string_null("parent_code"))
                .col(string("province_code"))
                .col(string_null("commune_code"))
                .col(string_null("valid_from"))
                .col(string_null("valid_to"))
                .col(string_null("successor_code"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_agencies_kind",
            "agencies",
            &["kind", "province_code"],
            false,
        ))
        .await?;
        m.create_table(
            table("receiving_points")
                .col(string("code").primary_key())
                .col(string("agency_code"))
                .col(string("name_vi"))
                .col(string("name_en"))
                .col(string("address"))
                .col(text("opening_hours"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_rp_agency")
                        .from("receiving_points", "agency_code")
                        .to("agencies", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("staff")
                .col(string("username").primary_key())
                .col(string("full_name"))
                .col(string("password_hash"))
                .col(boolean("active"))
                .col(integer("failed_logins"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("staff_roles")
                .col(big_pk_auto("id"))
                .col(string("username"))
                .col(string("agency_code"))
                .col(string("role"))
                .col(boolean("include_descendants"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sr_staff")
                        .from("staff_roles", "username")
                        .to("staff", "username"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sr_agency")
                        .from("staff_roles", "agency_code")
                        .to("agencies", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_staff_roles",
            "staff_roles",
            &["username", "agency_code", "role"],
            true,
        ))
        .await?;
        m.create_table(
            table("procedures")
                .col(big_pk_auto("id"))
                .col(string("code"))
                .col(integer("version"))
                .col(boolean("is_current"))
                .col(string("name_vi"))
                .col(string("name_en"))
                .col(text("name_folded"))
                .col(string("level"))
                .col(string("competent_agency_kind"))
                .col(string("online_level"))
                .col(text("definition"))
                .col(timestamp_with_time_zone("imported_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_procedures_version",
            "procedures",
            &["code", "version"],
            true,
        ))
        .await?;
        m.create_table(
            table("citizens")
                .col(string("citizen_id").primary_key())
                .col(string("full_name"))
                .col(string_null("birthdate"))
                .col(string_null("gender"))
                .col(string_null("phone"))
                .col(string_null("commune_code"))
                .col(string_null("street"))
                .col(string_null("assurance_level"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("dossiers")
                .col(string("id").primary_key())
                .col(string("code"))
                .col(string_null("draft_ref"))
                .col(string("procedure_code"))
                .col(integer("procedure_version"))
                .col(string("channel"))
                .col(integer("status"))
                .col(string("applicant_id"))
                .col(text("applicant"))
                .col(string("created_by"))
                .col(string_null("receiving_point"))
                .col(string("receiving_agency"))
                .col(string("competent_agency"))
                .col(string_null("assignee"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(timestamp_with_time_zone_null("receipt_due_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("received_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(text("form"))
                .col(text("lifecycle"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(integer("row_version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_dossiers_code", "dossiers", &["code"], true))
            .await?;
        m.create_index(index(
            "ux_dossiers_draft_ref",
            "dossiers",
            &["draft_ref"],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_dossiers_applicant",
            "dossiers",
            &["applicant_id", "status"],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_dossiers_receiving",
            "dossiers",
            &["receiving_agency", "status"],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_dossiers_competent",
            "dossiers",
            &["competent_agency", "status"],
            false,
        ))
        .await?;
        m.create_table(
            table("progress_entries")
                .col(big_pk_auto("id"))
                .col(string("dossier_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("actor_role"))
                .col(string_null("agency_code"))
                .col(string_null("receiving_point"))
                .col(string("action"))
                .col(integer("from_status"))
                .col(integer("to_status"))
                .col(text_null("note"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_pe_dossier")
                        .from("progress_entries", "dossier_id")
                        .to("dossiers", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_progress_dossier",
            "progress_entries",
            &["dossier_id"],
            false,
        ))
        .await?;
        m.create_table(
            table("attachments")
                .col(string("id").primary_key())
                .col(string("dossier_id"))
                .col(string("component_key"))
                .col(string("file_name"))
                .col(string("mime"))
                .col(big_integer("size_bytes"))
                .col(string("sha256"))
                .col(string("storage_key"))
                .col(string("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .col(boolean("digitized"))
                .col(boolean("supplement"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_att_dossier")
                        .from("attachments", "dossier_id")
                        .to("dossiers", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_attachments_dossier",
            "attachments",
            &["dossier_id"],
            false,
        ))
        .await?;
        m.create_table(
            table("dossier_counters")
                .col(string("agency_code"))
                .col(string("day"))
                .col(integer("last_seq"))
                .primary_key(Index::create().col("agency_code").col("day"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("idempotency_keys")
                .col(string("principal"))
                .col(string("idem_key"))
                .col(string("scope"))
                .col(string("request_hash"))
                .col(integer("status_code"))
                .col(text("response"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(
                    Index::create()
                        .col("principal")
                        .col("idem_key")
                        .col("scope"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("api_tokens")
                .col(string("id").primary_key())
                .col(string("token_hash"))
                .col(string("principal_kind"))
                .col(string("principal"))
                .col(string("label"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_api_tokens_hash",
            "api_tokens",
            &["token_hash"],
            true,
        ))
        .await?;
        m.create_table(
            table("sessions")
                .col(string("id").primary_key())
                .col(string("principal_kind"))
                .col(string("principal"))
                .col(text("data"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("oidc_logins")
                .col(string("state").primary_key())
                .col(string("nonce"))
                .col(string("pkce_verifier"))
                .col(string("return_to"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("action"))
                .col(string("subject"))
                .col(text("data"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("last_seq"))
                .col(string("last_hash"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            m.drop_table(Table::drop().table(*t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Citizens' ratings of a handled dossier (SPEC §12): one per dossier, after the result is returned.
struct M0002Ratings;

impl MigrationName for M0002Ratings {
    fn name(&self) -> &str {
        "m0002_ratings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002Ratings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("ratings")
                .col(string("dossier_id").primary_key())
                .col(string("rating"))
                .col(text_null("reason"))
                .col(timestamp_with_time_zone("rated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_rating_dossier")
                        .from("ratings", "dossier_id")
                        .to("dossiers", "id"),
                )
                .check(Expr::col("rating").is_in(["satisfied", "normal", "dissatisfied"]))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("ratings").if_exists().to_owned())
            .await
    }
}

/// Second factor for staff (RFC 6238 time-based codes). A table of its own rather than columns on
/// `staff`, so that both backends add and drop it the same way.
struct M0003StaffTotp;

impl MigrationName for M0003StaffTotp {
    fn name(&self) -> &str {
        "m0003_staff_totp"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003StaffTotp {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("staff_totp")
                .col(string("username").primary_key())
                .col(string("secret"))
                .col(big_integer("last_step"))
                .col(timestamp_with_time_zone("enrolled_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_totp_staff")
                        .from("staff_totp", "username")
                        .to("staff", "username"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("staff_totp").if_exists().to_owned())
            .await
    }
}

/// The register of issued documents (SPEC §9): what `/verify/<id>` answers from.
struct M0004Documents;

impl MigrationName for M0004Documents {
    fn name(&self) -> &str {
        "m0004_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004Documents {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("documents")
                .col(string("id").primary_key())
                .col(string("dossier_id"))
                .col(string("kind"))
                .col(string("title"))
                .col(string("number"))
                .col(string("agency_code"))
                .col(timestamp_with_time_zone("issued_at"))
                .col(string("sha256"))
                .col(string("signer"))
                .col(string("cert_sha256"))
                .col(string("status"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(string_null("revoked_by"))
                .col(text_null("revoke_reason"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_documents_dossier")
                        .from("documents", "dossier_id")
                        .to("dossiers", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_documents_dossier",
            "documents",
            &["dossier_id"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("documents").if_exists().to_owned())
            .await
    }
}

/// The applicant's own signature on their application, made with a remote signing service: one
/// per dossier; `pending` from the OTP request until the signature comes back.
struct M0005ApplicantSignatures;

impl MigrationName for M0005ApplicantSignatures {
    fn name(&self) -> &str {
        "m0005_applicant_signatures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005ApplicantSignatures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("applicant_signatures")
                .col(string("dossier_id").primary_key())
                .col(string("citizen_id"))
                .col(string("credential_id"))
                .col(text("certificates"))
                .col(string("content_sha256"))
                .col(string("status"))
                .col(text_null("cms"))
                .col(string_null("signer"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("signed_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_applicant_signatures_dossier")
                        .from("applicant_signatures", "dossier_id")
                        .to("dossiers", "id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table("applicant_signatures")
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

/// An agency's own split of a procedure's processing time across the internal steps (working
/// minutes, "assignment,appraisal,review,issue"); without a row the default split applies.
struct M0006WorkflowTemplates;

impl MigrationName for M0006WorkflowTemplates {
    fn name(&self) -> &str {
        "m0006_workflow_templates"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0006WorkflowTemplates {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("workflow_templates")
                .col(string("id").primary_key())
                .col(string("agency_code"))
                .col(string("procedure_code"))
                .col(string("minutes"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table("workflow_templates")
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

/// Who takes a procedure's dossiers by default (comma-separated specialist usernames, empty: the
/// leader assigns), and the weekdays on which an agency's receiving points take no paper.
struct M0007DefaultAssigneesAndPaperlessDays;

impl MigrationName for M0007DefaultAssigneesAndPaperlessDays {
    fn name(&self) -> &str {
        "m0007_default_assignees_and_paperless_days"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0007DefaultAssigneesAndPaperlessDays {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("workflow_templates")
                .add_column(string("assignees").default(""))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("paperless_days")
                .col(string("agency_code").primary_key())
                .col(string("weekdays"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("paperless_days").if_exists().to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table("workflow_templates")
                .drop_column("assignees")
                .to_owned(),
        )
        .await
    }
}

/// The durable outbox (jobs written with the change that causes them), the messages it delivers,
/// and each person's notification settings.
struct M0008Outbox;

impl MigrationName for M0008Outbox {
    fn name(&self) -> &str {
        "m0008_outbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0008Outbox {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("outbox_jobs")
                .col(string("id").primary_key())
                .col(string("kind"))
                .col(text("payload"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(timestamp_with_time_zone("run_at"))
                .col(string_null("locked_by"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(string_null("dedupe_key").unique_key())
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("done_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_outbox_due",
            "outbox_jobs",
            &["status", "run_at"],
            false,
        ))
        .await?;
        m.create_table(
            table("messages")
                .col(string("id").primary_key())
                .col(string("subject"))
                .col(string("event"))
                .col(string("channel"))
                .col(string("recipient"))
                .col(string("lang"))
                .col(text_null("title"))
                .col(text("body"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(text_null("last_error"))
                .col(string_null("provider_ref"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_messages_subject",
            "messages",
            &["subject", "created_at"],
            false,
        ))
        .await?;
        m.create_table(
            table("notification_settings")
                .col(string("owner").primary_key())
                .col(string_null("email"))
                .col(string_null("phone"))
                .col(string("lang"))
                .col(boolean("email_on"))
                .col(boolean("sms_on"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["notification_settings", "messages", "outbox_jobs"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Feedback and recommendations (phản ánh, kiến nghị) and every step of their handling: the times
/// are the columns, so indicator 5.2 reads them without parsing anything.
struct M0009Feedback;

impl MigrationName for M0009Feedback {
    fn name(&self) -> &str {
        "m0009_feedback"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0009Feedback {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("feedback")
                .col(string("id").primary_key())
                .col(string("code").unique_key())
                .col(string("kind"))
                .col(string("subject_type"))
                .col(string("agency_code"))
                .col(string_null("procedure_code"))
                .col(string_null("dossier_code"))
                .col(text_null("officer"))
                .col(text("content"))
                .col(text_null("contact_name"))
                .col(string_null("contact_email"))
                .col(string_null("contact_phone"))
                .col(string("lang"))
                .col(string_null("citizen_id"))
                .col(text_null("access_key"))
                .col(string("status"))
                .col(timestamp_with_time_zone("received_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone_null("details_requested_at"))
                .col(text_null("details_request"))
                .col(timestamp_with_time_zone_null("details_given_at"))
                .col(text_null("details"))
                .col(big_integer("paused_minutes"))
                .col(timestamp_with_time_zone_null("refused_at"))
                .col(text_null("refusal_reason"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .col(text_null("answer"))
                .col(string_null("answered_by"))
                .col(boolean("published"))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(string_null("rating"))
                .col(text_null("rating_reason"))
                .col(timestamp_with_time_zone_null("rated_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(integer("row_version"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_feedback_agency")
                        .from("feedback", "agency_code")
                        .to("agencies", "code"),
                )
                .check(Expr::col("kind").is_in(["complaint", "recommendation"]))
                .check(Expr::col("status").is_in([
                    "received",
                    "refused",
                    "details_requested",
                    "details_given",
                    "answered",
                    "published",
                ]))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_feedback_queue",
            "feedback",
            &["agency_code", "status", "due_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_feedback_published",
            "feedback",
            &["published", "published_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("feedback").if_exists().to_owned())
            .await
    }
}

/// Payments of dossiers' fees and what gateways said about them.
struct M0010Payments;

impl MigrationName for M0010Payments {
    fn name(&self) -> &str {
        "m0010_payments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0010Payments {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("payments")
                .col(string("id").primary_key())
                .col(string("dossier_id"))
                .col(string("txn_ref").unique_key())
                .col(string("purpose"))
                .col(string("method"))
                .col(string("status"))
                .col(big_integer("amount_vnd"))
                .col(text("lines"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("settled_at"))
                .col(string_null("gateway_txn_no"))
                .col(string_null("bank_code"))
                .col(timestamp_with_time_zone_null("paid_at"))
                .col(timestamp_with_time_zone_null("refunded_at"))
                .col(text_null("redirect_url"))
                .col(integer("row_version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_payments_dossier",
            "payments",
            &["dossier_id", "created_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_payments_open",
            "payments",
            &["status", "expires_at"],
            false,
        ))
        .await?;
        m.create_table(
            table("payment_callbacks")
                .col(string("id").primary_key())
                .col(string("txn_ref"))
                .col(string("source"))
                .col(string("answer"))
                .col(boolean("accepted"))
                .col(text("detail"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_payment_callbacks_ref",
            "payment_callbacks",
            &["txn_ref", "received_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["payment_callbacks", "payments"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// How much of a payment was refunded (a refund may be partial).
struct M0011PaymentRefunds;

impl MigrationName for M0011PaymentRefunds {
    fn name(&self) -> &str {
        "m0011_payment_refunds"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0011PaymentRefunds {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("payments")
                .add_column(big_integer_null("refunded_vnd"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("payments")
                .drop_column("refunded_vnd")
                .to_owned(),
        )
        .await
    }
}

/// Who read a person's data, when, why and through which dossier ("who read my data").
struct M0012AccessLog;

impl MigrationName for M0012AccessLog {
    fn name(&self) -> &str {
        "m0012_access_log"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0012AccessLog {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("access_log")
                .col(string("id").primary_key())
                .col(string("subject"))
                .col(string("actor"))
                .col(string("actor_role"))
                .col(string_null("agency"))
                .col(string("purpose"))
                .col(string_null("dossier_code"))
                .col(boolean("allowed"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_access_log_subject",
            "access_log",
            &["subject", "at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("access_log").if_exists().to_owned())
            .await
    }
}

/// Where an attachment came from: `upload` (the applicant or the counter), `warehouse` (an item of
/// the applicant's data warehouse) or `connector:<name>` (a national database) — the provenance
/// the officer sees and the once-only indicators count.
struct M0013AttachmentSource;

impl MigrationName for M0013AttachmentSource {
    fn name(&self) -> &str {
        "m0013_attachment_source"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0013AttachmentSource {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("attachments")
                .add_column(string("source").default("upload"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("attachments")
                .drop_column("source")
                .to_owned(),
        )
        .await
    }
}

/// The access log by dossier: a draft's reads are renamed to its official code on submission.
struct M0014AccessLogDossier;

impl MigrationName for M0014AccessLogDossier {
    fn name(&self) -> &str {
        "m0014_access_log_dossier"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0014AccessLogDossier {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "ix_access_log_dossier",
            "access_log",
            &["dossier_code"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_access_log_dossier")
                .table("access_log")
                .to_owned(),
        )
        .await
    }
}

/// The once-only facts of a dossier, recorded at submission for Decision 766 indicators 4.3–4.5:
/// a component reused (from a national database or the warehouse), one taken from the warehouse,
/// population data used, and an applicant authenticated by the national identity (VNeID).
struct M0015OnceOnlyFlags;

impl MigrationName for M0015OnceOnlyFlags {
    fn name(&self) -> &str {
        "m0015_once_only_flags"
    }
}

const ONCE_ONLY_FLAGS: [&str; 4] = [
    "reused_data",
    "from_warehouse",
    "population_data",
    "vneid_applicant",
];

#[async_trait::async_trait]
impl MigrationTrait for M0015OnceOnlyFlags {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for c in ONCE_ONLY_FLAGS {
            m.alter_table(
                Table::alter()
                    .table("dossiers")
                    .add_column(boolean(c).default(false))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ONCE_ONLY_FLAGS {
            m.alter_table(Table::alter().table("dossiers").drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Assisted submission: the citizen's consent by one-time code, and who assisted a dossier.
struct M0016AssistedSubmission;

impl MigrationName for M0016AssistedSubmission {
    fn name(&self) -> &str {
        "m0016_assisted_submission"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0016AssistedSubmission {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("assisted_consents")
                .col(string("id").primary_key())
                .col(string("citizen_id"))
                .col(string("helper"))
                .col(string("agency"))
                .col(string("procedure_code"))
                .col(string("code_hash"))
                .col(string("sent_to"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("requested_at"))
                .col(timestamp_with_time_zone_null("consented_at"))
                .col(string_null("dossier_code"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .add_column(string_null("assisted_by"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .drop_column("assisted_by")
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table("assisted_consents")
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

/// Dossiers an enterprise applied for through its legal representative: the enterprise code, by
/// which the enterprise's warehouse finds them (Decree 45/2020 Art. 16(3)(a)).
struct M0017OnBehalfOf;

impl MigrationName for M0017OnBehalfOf {
    fn name(&self) -> &str {
        "m0017_on_behalf_of"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0017OnBehalfOf {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .add_column(string_null("on_behalf_of"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossiers_on_behalf_of")
                .table("dossiers")
                .col("on_behalf_of")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_dossiers_on_behalf_of")
                .table("dossiers")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .drop_column("on_behalf_of")
                .to_owned(),
        )
        .await
    }
}

/// Targets per agency, year and indicator (SPEC §11: "online rate ≥ 80% in 2026"), set by
/// administrators; an agency without its own takes its parent's.
struct M0018IndicatorTargets;

impl MigrationName for M0018IndicatorTargets {
    fn name(&self) -> &str {
        "m0018_indicator_targets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0018IndicatorTargets {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("indicator_targets")
                .col(string("agency_code"))
                .col(integer("year"))
                .col(string("indicator"))
                .col(double("target"))
                .col(string("set_by"))
                .col(timestamp_with_time_zone("set_at"))
                .primary_key(
                    Index::create()
                        .col("agency_code")
                        .col("year")
                        .col("indicator"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table("indicator_targets")
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

/// The portal's own quality (issue 16 item 5): requests per day, method and route with their
/// server errors, time and bytes (added to by every node), and timed events such as sign-ins.
struct M0019PortalQuality;

impl MigrationName for M0019PortalQuality {
    fn name(&self) -> &str {
        "m0019_portal_quality"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0019PortalQuality {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("request_stats")
                .col(string("day"))
                .col(string("method"))
                .col(string("route"))
                .col(big_integer("requests").default(0))
                .col(big_integer("server_errors").default(0))
                .col(big_integer("total_ms").default(0))
                .col(big_integer("bytes").default(0))
                .primary_key(Index::create().col("day").col("method").col("route"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("timings")
                .col(string("id").primary_key())
                .col(string("kind"))
                .col(string("day"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer("ms"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_timings_kind_day",
            "timings",
            &["kind", "day"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("timings").if_exists().to_owned())
            .await?;
        m.drop_table(Table::drop().table("request_stats").if_exists().to_owned())
            .await
    }
}

struct M0020IndicatorRollups;

impl MigrationName for M0020IndicatorRollups {
    fn name(&self) -> &str {
        "m0020_indicator_rollups"
    }
}

/// The tables whose rows feed a dossier's indicator facts, with the column naming the dossier: a
/// trigger marks the dossier for the roll-up refresher in the writer's own transaction, whoever
/// writes (the app, the generator, an operator's SQL). Drafts contribute nothing and are skipped.
const MARKED: [(&str, &str); 5] = [
    ("attachments", "dossier_id"),
    ("documents", "dossier_id"),
    ("payments", "dossier_id"),
    ("ratings", "dossier_id"),
    ("dossiers", "id"),
];

const MARK_SQLITE: &str = "INSERT INTO indicator_dirty (dossier_id, gen) VALUES ({id}, 1) \
     ON CONFLICT (dossier_id) DO UPDATE SET gen = gen + 1;";

#[async_trait::async_trait]
impl MigrationTrait for M0020IndicatorRollups {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut rollups = table("indicator_rollups")
            .col(string("agency_code"))
            .col(string("procedure_code"))
            .col(integer("month"))
            .col(integer("slot"))
            .to_owned();
        // Counts as 32-bit integers, which PostgreSQL sums in 64 bits quickly (bigint sums go
        // through numeric, 8× slower over a year of a province); the minutes may outgrow them.
        for c in motcua_domain::rollup::COLUMNS {
            if c == "handling_minutes" {
                rollups.col(big_integer(c).default(0));
            } else {
                rollups.col(integer(c).default(0));
            }
        }
        m.create_table(
            rollups
                .primary_key(
                    Index::create()
                        .col("agency_code")
                        .col("procedure_code")
                        .col("month")
                        .col("slot"),
                )
                .to_owned(),
        )
        .await?;
        // A period's months are a small part of the table: read only their rows.
        m.create_index(index(
            "idx_indicator_rollups_month",
            "indicator_rollups",
            &["month", "slot"],
            false,
        ))
        .await?;
        m.create_table(
            table("indicator_shares")
                .col(string("dossier_id").primary_key())
                .col(string("agency_code"))
                .col(string("procedure_code"))
                .col(text("shares"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("indicator_open")
                .col(string("dossier_id").primary_key())
                .col(string("agency_code"))
                .col(string("procedure_code"))
                .col(timestamp_with_time_zone_null("counted_from"))
                .col(timestamp_with_time_zone_null("counted_until"))
                .col(timestamp_with_time_zone_null("late_after"))
                .col(boolean("dissatisfied"))
                .col(timestamp_with_time_zone_null("receipt_late_after"))
                .col(timestamp_with_time_zone_null("receipt_until"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_indicator_open_agency",
            "indicator_open",
            &["agency_code", "procedure_code"],
            false,
        ))
        .await?;
        // The refresher reads a batch's feedback by dossier code.
        m.create_index(index(
            "idx_feedback_dossier_code",
            "feedback",
            &["dossier_code"],
            false,
        ))
        .await?;
        m.create_table(
            table("indicator_dirty")
                .col(string("dossier_id").primary_key())
                .col(big_integer("gen"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("indicator_state")
                .col(integer("id").primary_key())
                .col(string("basis"))
                .col(timestamp_with_time_zone_null("refreshed_at"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared("INSERT INTO indicator_state (id, basis) VALUES (1, '')")
            .await?;
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                // Byte order, so an agency scope (`H31` and `H31.…`) is one index range.
                for t in ["indicator_rollups", "indicator_open"] {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {t} ALTER COLUMN agency_code TYPE varchar COLLATE \"C\""
                    ))
                    .await?;
                }
                db.execute_unprepared(
                    "CREATE FUNCTION indicator_mark() RETURNS trigger LANGUAGE plpgsql AS $$
                     DECLARE d text;
                     BEGIN
                       -- Bulk writers (the generator) mark their dossiers themselves.
                       IF current_setting('motcua.bulk', true) = 'on' THEN RETURN NULL; END IF;
                       IF TG_TABLE_NAME = 'feedback' THEN
                         INSERT INTO indicator_dirty (dossier_id, gen)
                           SELECT id, 1 FROM dossiers WHERE code = NEW.dossier_code
                           ON CONFLICT (dossier_id) DO UPDATE SET gen = indicator_dirty.gen + 1;
                         RETURN NULL;
                       ELSIF TG_TABLE_NAME = 'dossiers' THEN
                         IF TG_OP = 'DELETE' THEN d := OLD.id; ELSE d := NEW.id; END IF;
                       ELSE
                         IF TG_OP = 'DELETE' THEN d := OLD.dossier_id; ELSE d := NEW.dossier_id; END IF;
                       END IF;
                       INSERT INTO indicator_dirty (dossier_id, gen) VALUES (d, 1)
                         ON CONFLICT (dossier_id) DO UPDATE SET gen = indicator_dirty.gen + 1;
                       RETURN NULL;
                     END $$",
                )
                .await?;
                for (t, _) in MARKED {
                    let when = |op: &str| match (t, op) {
                        ("dossiers", "INSERT") => " WHEN (NEW.status <> 0)",
                        ("dossiers", "UPDATE") => " WHEN (NEW.status <> 0 OR OLD.status <> 0)",
                        ("dossiers", _) => " WHEN (OLD.status <> 0)",
                        _ => "",
                    };
                    for op in ["INSERT", "UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER indicator_mark_{t}_{op} AFTER {op} ON {t} FOR EACH ROW{} \
                             EXECUTE FUNCTION indicator_mark()",
                            when(op)
                        ))
                        .await?;
                    }
                }
                db.execute_unprepared(
                    "CREATE TRIGGER indicator_mark_feedback AFTER INSERT OR UPDATE ON feedback \
                     FOR EACH ROW WHEN (NEW.dossier_code IS NOT NULL) EXECUTE FUNCTION indicator_mark()",
                )
                .await?;
            }
            _ => {
                for (t, col) in MARKED {
                    for op in ["INSERT", "UPDATE", "DELETE"] {
                        let row = if op == "DELETE" { "OLD" } else { "NEW" };
                        let when = match (t, op) {
                            ("dossiers", "INSERT") => " WHEN NEW.status <> 0",
                            ("dossiers", "UPDATE") => " WHEN NEW.status <> 0 OR OLD.status <> 0",
                            ("dossiers", _) => " WHEN OLD.status <> 0",
                            _ => "",
                        };
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER indicator_mark_{t}_{op} AFTER {op} ON {t}{when} BEGIN {} END",
                            MARK_SQLITE.replace("{id}", &format!("{row}.{col}"))
                        ))
                        .await?;
                    }
                }
                for op in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER indicator_mark_feedback_{op} AFTER {op} ON feedback \
                         WHEN NEW.dossier_code IS NOT NULL BEGIN \
                         INSERT INTO indicator_dirty (dossier_id, gen) \
                         SELECT id, 1 FROM dossiers WHERE code = NEW.dossier_code AND true \
                         ON CONFLICT (dossier_id) DO UPDATE SET gen = gen + 1; END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == sea_orm::DbBackend::Postgres;
        for (t, _) in MARKED {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                let on = if pg {
                    format!(" ON {t}")
                } else {
                    String::new()
                };
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS indicator_mark_{t}_{op}{on}"
                ))
                .await?;
            }
        }
        if pg {
            db.execute_unprepared("DROP TRIGGER IF EXISTS indicator_mark_feedback ON feedback")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS indicator_mark()")
                .await?;
        } else {
            for op in ["INSERT", "UPDATE"] {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS indicator_mark_feedback_{op}"
                ))
                .await?;
            }
        }
        m.drop_index(
            Index::drop()
                .name("idx_feedback_dossier_code")
                .table("feedback")
                .to_owned(),
        )
        .await?;
        for t in [
            "indicator_state",
            "indicator_dirty",
            "indicator_open",
            "indicator_shares",
            "indicator_rollups",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

struct M0021FeedbackByReceipt;

impl MigrationName for M0021FeedbackByReceipt {
    fn name(&self) -> &str {
        "m0021_feedback_by_receipt"
    }
}

/// Indicators 5.2 and 5.3 read a period's feedback: by the time it was received, not by the
/// whole table (a province's year is 25,000 of 50,000 rows on the 10-million benchmark).
#[async_trait::async_trait]
impl MigrationTrait for M0021FeedbackByReceipt {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "idx_feedback_received_at",
            "feedback",
            &["received_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_feedback_received_at")
                .table("feedback")
                .to_owned(),
        )
        .await
    }
}

struct M0022ScanIndexes;

impl MigrationName for M0022ScanIndexes {
    fn name(&self) -> &str {
        "m0022_scan_indexes"
    }
}

/// Lookups that read whole tables on 10 million dossiers (docs/PERFORMANCE.md): the orphan-file
/// sweep asks which stored keys are named (17 s per batch over 24 million attachments), the
/// portal-quality report reads a month's payments and drafts by creation time.
const SCAN_INDEXES: [(&str, &str, &str); 3] = [
    ("idx_attachments_storage_key", "attachments", "storage_key"),
    ("idx_payments_created_at", "payments", "created_at"),
    ("idx_dossiers_created_at", "dossiers", "created_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for M0022ScanIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in SCAN_INDEXES {
            m.create_index(index(name, table, &[column], false)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in SCAN_INDEXES {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

struct M0023ListIndexes;

impl MigrationName for M0023ListIndexes {
    fn name(&self) -> &str {
        "m0023_list_indexes"
    }
}

/// The dossier lists newest first, per agency and per applicant: each list reads its first page
/// from an index in order instead of sorting every dossier of a commune (88,915 of them took
/// seconds per page on the 10-million database, docs/PERFORMANCE.md).
const LIST_INDEXES: [(&str, &str); 3] = [
    ("idx_dossiers_competent_updated", "competent_agency"),
    ("idx_dossiers_receiving_updated", "receiving_agency"),
    ("idx_dossiers_applicant_updated", "applicant_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for M0023ListIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in LIST_INDEXES {
            m.create_index(index(name, "dossiers", &[column, "updated_at"], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in LIST_INDEXES {
            m.drop_index(Index::drop().name(name).table("dossiers").to_owned())
                .await?;
        }
        Ok(())
    }
}

struct M0024AuditChains;

impl MigrationName for M0024AuditChains {
    fn name(&self) -> &str {
        "m0024_audit_chains"
    }
}

/// The audit trail as several hash chains instead of one, so concurrent writers no longer queue
/// on a single head row (see `audit`). Entries keep their global number `seq` (on PostgreSQL now
/// drawn from a sequence, which takes no lock); `chain` says which chain an entry links into. The
/// entries written before stay chain 1, whose head is the old single head row.
#[async_trait::async_trait]
impl MigrationTrait for M0024AuditChains {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("audit_log")
                .add_column(integer("chain").default(1))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_audit_log_chain",
            "audit_log",
            &["chain", "seq"],
            false,
        ))
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("CREATE SEQUENCE audit_log_seq")
                .await?;
            db.execute_unprepared(
                "SELECT setval('audit_log_seq', COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP SEQUENCE IF EXISTS audit_log_seq")
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name("idx_audit_log_chain")
                .table("audit_log")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("audit_log")
                .drop_column("chain")
                .to_owned(),
        )
        .await
    }
}

struct M0025WorkQueues;

impl MigrationName for M0025WorkQueues {
    fn name(&self) -> &str {
        "m0025_work_queues"
    }
}

/// The queue columns of a dossier ([`motcua_domain::lifecycle::QueuePosition`]) and the folded
/// applicant name staff search by, so that each back-office queue is one indexed, paginated
/// query instead of a walk through every open dossier of an agency (issue 18).
///
/// The indexes are partial: only open dossiers sit in a queue, so they stay the size of the work
/// at hand however many closed dossiers the tables hold. The name column compares bytewise
/// (`COLLATE "C"` on PostgreSQL; SQLite's default) so a prefix is an index range.
const QUEUE_INDEXES: [(&str, &str); 5] = [
    (
        "idx_dossiers_stage_receiving",
        "(work_stage, receiving_agency, queue_due_at, id) WHERE work_stage IS NOT NULL",
    ),
    (
        "idx_dossiers_stage_competent",
        "(work_stage, competent_agency, queue_due_at, id) WHERE work_stage IS NOT NULL",
    ),
    (
        "idx_dossiers_watch_receiving",
        "(receiving_agency, watch_due_at) WHERE watch_due_at IS NOT NULL",
    ),
    (
        "idx_dossiers_watch_competent",
        "(competent_agency, watch_due_at) WHERE watch_due_at IS NOT NULL",
    ),
    ("idx_dossiers_applicant_name", "(applicant_name)"),
];

#[async_trait::async_trait]
impl MigrationTrait for M0025WorkQueues {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let pg = m.get_database_backend() == sea_orm::DbBackend::Postgres;
        for column in [
            string_null("work_stage"),
            timestamp_with_time_zone_null("queue_due_at"),
            timestamp_with_time_zone_null("watch_due_at"),
            boolean("with_competent").default(false).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("dossiers")
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(if pg {
            r#"ALTER TABLE dossiers ADD COLUMN applicant_name TEXT COLLATE "C""#
        } else {
            "ALTER TABLE dossiers ADD COLUMN applicant_name TEXT"
        })
        .await?;
        crate::queue_columns::backfill(db).await?;
        for (name, definition) in QUEUE_INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON dossiers {definition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in QUEUE_INDEXES {
            m.drop_index(Index::drop().name(name).table("dossiers").to_owned())
                .await?;
        }
        for column in [
            "applicant_name",
            "with_competent",
            "watch_due_at",
            "queue_due_at",
            "work_stage",
        ] {
            m.alter_table(
                Table::alter()
                    .table("dossiers")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

struct M0026StaffTitle;

impl MigrationName for M0026StaffTitle {
    fn name(&self) -> &str {
        "m0026_staff_title"
    }
}

/// A staff member's position ("Phó Chủ tịch"), printed above their name when they sign a result
/// (Decree 30/2020/NĐ-CP, Appendix I). Empty for staff who never sign.
#[async_trait::async_trait]
impl MigrationTrait for M0026StaffTitle {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("staff")
                .add_column(string("title").default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("staff")
                .drop_column("title")
                .to_owned(),
        )
        .await
    }
}

struct M0027NationalPortalSync;

impl MigrationName for M0027NationalPortalSync {
    fn name(&self) -> &str {
        "m0027_national_portal_sync"
    }
}

/// What the National Public Service Portal has acknowledged of each dossier (issue 19): how many
/// of its updates, in order, and the fee list it last accepted. Indicator 1.4 counts a dossier as
/// synced once the portal acknowledged its creation, so a change to `synced_at` marks the dossier
/// for the roll-ups like any other fact.
#[async_trait::async_trait]
impl MigrationTrait for M0027NationalPortalSync {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("npsp_sync")
                .col(string("dossier_id").primary_key())
                .col(string("dossier_code"))
                .col(integer("acked").default(0))
                .col(timestamp_with_time_zone_null("synced_at"))
                .col(timestamp_with_time_zone_null("acked_at"))
                .col(string_null("fees_digest"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone_null("failing_since"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TRIGGER indicator_mark_npsp_sync_INSERT AFTER INSERT ON npsp_sync \
                     FOR EACH ROW EXECUTE FUNCTION indicator_mark()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER indicator_mark_npsp_sync_UPDATE AFTER UPDATE ON npsp_sync \
                     FOR EACH ROW WHEN (OLD.synced_at IS DISTINCT FROM NEW.synced_at) \
                     EXECUTE FUNCTION indicator_mark()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER indicator_mark_npsp_sync_INSERT AFTER INSERT ON npsp_sync \
                     BEGIN {} END",
                    MARK_SQLITE.replace("{id}", "NEW.dossier_id")
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER indicator_mark_npsp_sync_UPDATE AFTER UPDATE ON npsp_sync \
                     WHEN OLD.synced_at IS NOT NEW.synced_at BEGIN {} END",
                    MARK_SQLITE.replace("{id}", "NEW.dossier_id")
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == sea_orm::DbBackend::Postgres;
        for op in ["INSERT", "UPDATE"] {
            let on = if pg { " ON npsp_sync" } else { "" };
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS indicator_mark_npsp_sync_{op}{on}"
            ))
            .await?;
        }
        m.drop_table(Table::drop().table("npsp_sync").if_exists().to_owned())
            .await
    }
}

struct M0028InterconnectedGroups;

impl MigrationName for M0028InterconnectedGroups {
    fn name(&self) -> &str {
        "m0028_interconnected_groups"
    }
}

/// Interconnected groups (issue 19): a group's application is a dossier of its own (`is_group`),
/// which no queue lists and no indicator counts; each member dossier names its group
/// (`group_id`), and the group's page and tracker read its members by that index.
#[async_trait::async_trait]
impl MigrationTrait for M0028InterconnectedGroups {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .add_column(string_null("group_id"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("dossiers")
                .add_column(boolean("is_group").default(false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_dossiers_group_id",
            "dossiers",
            &["group_id"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_dossiers_group_id")
                .table("dossiers")
                .to_owned(),
        )
        .await?;
        for column in ["is_group", "group_id"] {
            m.alter_table(
                Table::alter()
                    .table("dossiers")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
