//! Use cases of motcua. Each public function is one transaction: it loads what it needs, asks the
//! domain to decide, and stores the result together with its audit entry and progress entry.
//!
//! There is no repository trait: sea-orm is the one implementation and already covers both
//! databases (see docs/ARCHITECTURE.md, "Deviations").

pub mod access_log;
pub mod admin;
pub mod applicant_signing;
pub mod assist;
pub mod audit_anchor;
pub mod authz;
pub mod catalogue;
pub mod connectors;
pub mod counter;
pub mod dossiers;
pub mod drafts;
pub mod enterprise;
pub mod error;
pub mod events;
pub mod feedback;
pub mod groups;
pub mod housekeeping;
pub mod identity;
pub mod indicators;
pub mod issued;
pub mod messaging;
pub mod national_portal;
pub mod notify;
pub mod org;
pub mod outbox;
pub mod payments;
pub mod personal_ids;
pub mod pki;
pub mod quality;
pub mod queues;
pub mod receipts;
pub mod reconciliation;
pub mod reminders;
pub mod reuse;
pub mod rollups;
pub mod sealing;
pub mod targets;
pub mod totp;
pub mod tracking;
pub mod views;
pub mod warehouse;
pub mod workflow;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use motcua_domain::calendar::WorkingCalendar;
use motcua_store::files::FileStore;
use motcua_store::sea_orm::DatabaseConnection;

pub use error::{AppError, ErrorCode};

/// The time source; tests pin it, production reads the system clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays where it is set (tests, replays).
pub struct FixedClock(pub std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(t: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(t))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|g| *g)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// Deployment profile: demo allows simulators and demo-only shortcuts; production refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Demo,
    Production,
}

/// Everything a use case needs.
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    /// For reads that need not see an uncommitted write of their own (public tracking, views,
    /// lists, search, indicators): on SQLite read-only connections beside the one writer
    /// ([`motcua_store::connect_reader`]); on PostgreSQL the same pool as `db`.
    pub reader: DatabaseConnection,
    pub files: FileStore,
    pub calendar: Arc<WorkingCalendar>,
    pub clock: Arc<dyn Clock>,
    pub profile: Profile,
    pub pki: Arc<pki::Pki>,
    /// The public address of the deployment, for links printed in documents (QR codes).
    pub public_url: String,
    /// Trust roots for applicants' certificates (the remote signing service's CA).
    pub signature_roots: Arc<Vec<motcua_documents::pki::Certificate>>,
    /// Seals secrets stored in the database that must be read back (staff TOTP seeds).
    pub sealing: Arc<sealing::SealingKey>,
    /// Staff must sign in with a second factor (the production profile): a password alone only
    /// opens the page where they enrol one.
    pub staff_totp_required: bool,
    /// The national databases this deployment reads from (none: every component is uploaded).
    pub connectors: connectors::Connectors,
    /// How the Decision 766 indicators score: thresholds and points change by decision.
    pub scoring: Arc<motcua_domain::indicators::Scoring>,
    /// The parsed, search-indexed current catalogue (see [`catalogue::snapshot`]).
    pub catalogue: Arc<catalogue::SnapshotCache>,
    /// Public tracking answers of the last second (see [`tracking`]).
    pub tracking: Arc<tracking::TrackCache>,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Renders a PDF on a blocking thread. A document costs milliseconds of CPU (layout, font
/// subsetting, compression); on one of the runtime's few worker threads it held up every other
/// request, among them the one holding SQLite's single writer, so drafts queued behind each
/// other's extracts (issue 18: 47 drafts/s with a core idle).
pub async fn render_pdf(
    doc: motcua_documents::Document,
) -> Result<Vec<u8>, motcua_documents::RenderError> {
    tokio::task::spawn_blocking(move || motcua_documents::render(&doc))
        .await
        .map_err(|e| motcua_documents::RenderError::Export(e.to_string()))?
}
