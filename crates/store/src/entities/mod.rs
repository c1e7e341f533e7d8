//! Hand-kept sea-orm entities, one per table; portable types only.

pub mod admin_unit;
pub mod agency;
pub mod api_token;
pub mod applicant_signature;
pub mod attachment;
pub mod audit_entry;
pub mod citizen;
pub mod document;
pub mod dossier;
pub mod feedback;
pub mod idempotency_key;
pub mod message;
pub mod notification_setting;
pub mod oidc_login;
pub mod outbox_job;
pub mod paperless_day;
pub mod procedure;
pub mod progress_entry;
pub mod rating;
pub mod receiving_point;
pub mod session;
pub mod staff;
pub mod staff_role;
pub mod staff_totp;
pub mod workflow_template;
