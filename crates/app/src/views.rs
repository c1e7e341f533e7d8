//! What the API returns about a dossier. Citizens see who holds their dossier as an agency, not as
//! an officer's name; staff see the handler.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AgencyRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcedureRef {
    pub code: String,
    pub version: i32,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_status: i32,
    pub to_status: i32,
    /// The handler (staff view) or the handler's role (citizen view).
    pub actor: String,
    pub agency: Option<String>,
    pub receiving_point: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: String,
    pub component: String,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub digitized: bool,
    pub supplement: bool,
    /// Where it came from: `upload`, `warehouse` or `connector:<name>`.
    pub source: String,
    pub uploaded_at: DateTime<Utc>,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    /// A stored document's id; `notice-<slug>` for a notice, rendered when downloaded.
    pub id: String,
    /// `result`, `payment_receipt`, or a notice: `receipt`, `supplement_request`, `refusal`,
    /// `apology`, `stop`, `process_control`.
    pub kind: String,
    pub file_name: String,
    /// Of the stored bytes; none for a notice (rendered from the dossier's current facts).
    pub sha256: Option<String>,
    pub url: String,
    /// From the register of issued documents: number, signer, `valid`/`revoked`.
    pub number: Option<String>,
    pub signer: Option<String>,
    pub status: Option<String>,
    /// The public page that verifies it (`/verify/<id>`).
    pub verify_url: Option<String>,
}

impl DocumentView {
    /// A notice the system writes on request, as opposed to a stored result or receipt.
    pub fn is_notice(&self) -> bool {
        self.id.starts_with(crate::issued::NOTICE_ID_PREFIX)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SupplementRequestView {
    pub components: Vec<String>,
    pub requested_at: Option<DateTime<Utc>>,
}

/// The once-only facts recorded at submission (Decision 766 4.3–4.5); all false before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OnceOnlyView {
    pub reused_data: bool,
    pub from_warehouse: bool,
    pub population_data: bool,
    pub vneid_applicant: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DossierView {
    pub code: String,
    pub draft_ref: Option<String>,
    pub status: u8,
    pub status_name_vi: String,
    pub status_name_en: String,
    pub procedure: ProcedureRef,
    pub channel: String,
    pub applicant: serde_json::Value,
    pub receiving_point: Option<String>,
    pub receiving_agency: AgencyRef,
    pub competent_agency: AgencyRef,
    pub handed_over: bool,
    pub needs_handover: bool,
    pub assignee: Option<String>,
    /// Inside "in processing" (staff only): `assigned` (being appraised), `in_review` (awaiting
    /// the leader's decision) or `approved` (to be issued).
    pub step: Option<String>,
    /// The specialist's appraisal and proposal put to the leader, with the leader's opinion
    /// (staff only: the agency's internal working).
    pub appraisal: Option<motcua_domain::lifecycle::Appraisal>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub receipt_due_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub extended: bool,
    pub supplement_request: Option<SupplementRequestView>,
    /// What the application costs, computed from the form (never typed).
    pub fees: FeesView,
    pub payments: Vec<crate::payments::PaymentView>,
    pub form: serde_json::Value,
    pub once_only: OnceOnlyView,
    /// The community digital team member who applied for the citizen with their consent.
    pub assisted_by: Option<String>,
    /// The enterprise its legal representative applied for.
    pub on_behalf_of: Option<crate::enterprise::EnterpriseRef>,
    pub attachments: Vec<AttachmentView>,
    pub documents: Vec<DocumentView>,
    pub history: Vec<HistoryEntry>,
    /// An interconnected group's members (empty for any other dossier).
    pub members: Vec<crate::groups::MemberView>,
    /// The code of the group a member dossier belongs to.
    pub group: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The fees of a dossier, as computed by `motcua_domain::fees::quote`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeesView {
    pub lines: Vec<FeeLineView>,
    /// In VND.
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeeLineView {
    pub name: String,
    /// The name in English, when the catalogue has one.
    pub name_en: Option<String>,
    pub quantity: u32,
    pub unit_amount: i64,
    pub amount: i64,
    /// Waived for this applicant (amount 0).
    pub exempt: bool,
}

impl From<motcua_domain::fees::FeeQuote> for FeesView {
    fn from(q: motcua_domain::fees::FeeQuote) -> Self {
        Self {
            total: q.total_vnd,
            lines: q
                .lines
                .into_iter()
                .map(|l| FeeLineView {
                    name: l.name,
                    name_en: l.name_en,
                    quantity: l.quantity,
                    unit_amount: l.unit_vnd,
                    amount: l.amount_vnd,
                    exempt: l.exempt,
                })
                .collect(),
        }
    }
}

/// A line of a list.
#[derive(Debug, Clone, Serialize)]
pub struct DossierSummary {
    pub code: String,
    pub status: u8,
    pub status_name_vi: String,
    pub status_name_en: String,
    pub procedure_code: String,
    pub channel: String,
    pub receiving_agency: String,
    pub competent_agency: String,
    pub assignee: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Whom or what the dossier is about, from the form fields the procedure marks as its subject
    /// (the child of a birth registration). In the applicant's own list only: staff queues name
    /// the applicant instead.
    pub subject: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What anyone may learn from a dossier code (SPEC §14 `/track/{code}`).
#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub code: String,
    pub status: u8,
    pub status_name_vi: String,
    pub status_name_en: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub competent_agency: String,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// An interconnected group's members, each with its own code and status (empty for any other
    /// dossier): public facts, as the members' own tracking answers give them.
    pub members: Vec<crate::groups::MemberView>,
}
