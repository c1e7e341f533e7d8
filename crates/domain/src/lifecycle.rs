//! The dossier lifecycle: one pure state machine decides every transition (SPEC §4, §17).
//!
//! Status codes are those exchanged with the National Public Service Portal (DOMAIN-VN §2.2), so a
//! sync is a mapping. The HTTP layer never sets a status: it builds a [`Command`], the use case asks
//! [`decide`], and stores what comes back together with its audit entry.
//!
//! Who may act is decided from the actor's role *and* where they sit relative to the dossier
//! (applicant, receiving agency, competent agency): boundary-free receipt (Decision 468/QĐ-TTg)
//! means the one-stop that receives is often not the agency that decides.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{MINUTES_PER_WORKING_DAY, WorkingCalendar};
use crate::catalogue::Channel;
use crate::ids::mask_document_number;

/// The ten NPSP statuses plus the draft the citizen is still filling in (0, never synced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Received,
    NotReceived,
    InProcessing,
    SupplementRequested,
    PaymentRequested,
    WithdrawalRequested,
    Stopped,
    ResultReady,
    ResultReturned,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Draft,
        Status::Submitted,
        Status::Received,
        Status::NotReceived,
        Status::InProcessing,
        Status::SupplementRequested,
        Status::PaymentRequested,
        Status::WithdrawalRequested,
        Status::Stopped,
        Status::ResultReady,
        Status::ResultReturned,
    ];

    /// The NPSP code (`TrangThaiHoSo`); 0 is our draft.
    pub fn code(self) -> u8 {
        match self {
            Status::Draft => 0,
            Status::Submitted => 1,
            Status::Received => 2,
            Status::NotReceived => 3,
            Status::InProcessing => 4,
            Status::SupplementRequested => 5,
            Status::PaymentRequested => 6,
            Status::WithdrawalRequested => 7,
            Status::Stopped => 8,
            Status::ResultReady => 9,
            Status::ResultReturned => 10,
        }
    }

    /// The applicant may still ask to withdraw: until the result is ready (SPEC §4).
    pub fn withdrawable(self) -> bool {
        WITHDRAWABLE.contains(&self)
    }

    pub fn from_code(code: u8) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Status::Draft => "Đang soạn",
            Status::Submitted => "Mới đăng ký, chờ tiếp nhận",
            Status::Received => "Đã tiếp nhận",
            Status::NotReceived => "Không được tiếp nhận",
            Status::InProcessing => "Đang xử lý",
            Status::SupplementRequested => "Yêu cầu bổ sung hồ sơ",
            Status::PaymentRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Status::WithdrawalRequested => "Công dân yêu cầu rút hồ sơ",
            Status::Stopped => "Dừng xử lý",
            Status::ResultReady => "Đã xử lý xong, chờ trả kết quả",
            Status::ResultReturned => "Đã trả kết quả",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Submitted => "Submitted, awaiting receipt",
            Status::Received => "Received",
            Status::NotReceived => "Not received",
            Status::InProcessing => "In processing",
            Status::SupplementRequested => "Supplementation requested",
            Status::PaymentRequested => "Payment requested",
            Status::WithdrawalRequested => "Withdrawal requested",
            Status::Stopped => "Processing stopped",
            Status::ResultReady => "Result ready",
            Status::ResultReturned => "Result returned",
        }
    }

    /// No action leaves these statuses.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::NotReceived | Status::Stopped | Status::ResultReturned
        )
    }
}

/// Staff roles are scoped to an agency (SPEC §2); `Citizen` acts on their own dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Officer,
    Specialist,
    Leader,
    Clerk,
    Admin,
    Monitor,
    /// A member of the commune's community digital team (tổ công nghệ số cộng đồng): helps people
    /// apply online, at home, with their consent; handles no dossier.
    DigitalTeam,
    /// The agency's workflow template acting on its own: it makes the first assignment when a
    /// dossier reaches the competent agency (SPEC §4). Never held by a person.
    Workflow,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Citizen,
        Role::Officer,
        Role::Specialist,
        Role::Leader,
        Role::Clerk,
        Role::Admin,
        Role::Monitor,
        Role::DigitalTeam,
        Role::Workflow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Officer => "officer",
            Role::Specialist => "specialist",
            Role::Leader => "leader",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
            Role::Monitor => "monitor",
            Role::DigitalTeam => "digital_team",
            Role::Workflow => "workflow",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who is acting and where they sit relative to this dossier. The authorization module works out
/// the flags; the state machine only reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub username: String,
    pub role: Role,
    /// The citizen who applied (or their delegate).
    pub is_applicant: bool,
    /// Staff of the receiving agency (the one-stop that took the dossier in).
    pub at_receiving: bool,
    /// Staff of the competent agency (the one that decides).
    pub at_competent: bool,
}

/// Sub-steps of status 4, recorded as progress entries (the process-control sheet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Assigned { assignee: String },
    InReview { assignee: String },
    Approved { assignee: String },
}

/// A fee line of the procedure's catalogue added to a payment request, with how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraFee {
    /// The line's index in the procedure version's fee lines.
    pub line: usize,
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// Everything the state machine needs to know about a dossier; stored as JSON beside the
/// columns used for queues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierState {
    pub status: Status,
    pub channel: Channel,
    /// Legal processing time of the pinned procedure version, in working minutes.
    pub legal_minutes: i64,
    /// Receiving and competent agency differ: a hand-over is required before assignment.
    pub needs_handover: bool,
    pub handed_over: bool,
    pub step: Option<Step>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The 8-working-hour limit for receiving an online dossier (Decree 45/2020/NĐ-CP, SPEC §5).
    pub receipt_due_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// End of processing (result ready, stopped or refused) for the on-time indicator.
    pub finished_at: Option<DateTime<Utc>>,
    pub supplement_requests: u32,
    pub supplement_paused_at: Option<DateTime<Utc>>,
    /// Components the open supplementation request asks for.
    pub supplement_components: Vec<String>,
    /// Working minutes the clock stood still while the citizen supplemented.
    pub paused_minutes: i64,
    pub extended: bool,
    /// Where a paused status (5, 6, 7) goes back to.
    pub resume_status: Option<Status>,
    pub open_consultations: u32,
    /// Catalogue fee lines added by an open payment request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_fees: Vec<ExtraFee>,
    /// The latest appraisal put to the leader, with the leader's answer once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appraisal: Option<Appraisal>,
}

/// The specialist's appraisal (ý kiến thẩm định) and proposal (đề xuất) that travel with the
/// forward, and the leader's own opinion on them (approval note or reason for sending back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appraisal {
    pub by: String,
    pub opinion: String,
    pub proposal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_opinion: Option<String>,
}

impl DossierState {
    pub fn new_draft(channel: Channel, legal_minutes: i64, needs_handover: bool) -> Self {
        Self {
            status: Status::Draft,
            channel,
            legal_minutes,
            needs_handover,
            handed_over: false,
            step: None,
            submitted_at: None,
            receipt_due_at: None,
            received_at: None,
            due_at: None,
            finished_at: None,
            supplement_requests: 0,
            supplement_paused_at: None,
            supplement_components: Vec::new(),
            paused_minutes: 0,
            extended: false,
            resume_status: None,
            open_consultations: 0,
            requested_fees: Vec::new(),
            appraisal: None,
        }
    }

    /// Overdue is computed, never stored (SPEC §4): still open after the due date, or finished after it.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        let Some(due) = self.due_at else {
            return false;
        };
        if self.supplement_paused_at.is_some() {
            // The clock is stopped while the citizen supplements.
            return false;
        }
        match self.finished_at {
            Some(end) => end > due,
            None => now > due && !self.status.is_final(),
        }
    }

    /// Received by (or handed over to) the competent agency and not yet assigned: what the
    /// leader's "to assign" queue holds, and when the workflow template may assign by default.
    pub fn awaiting_assignment(&self) -> bool {
        self.status == Status::Received
            && self.step.is_none()
            && (!self.needs_handover || self.handed_over)
    }

    pub fn assignee(&self) -> Option<&str> {
        match &self.step {
            Some(Step::Assigned { assignee })
            | Some(Step::InReview { assignee })
            | Some(Step::Approved { assignee }) => Some(assignee),
            None => None,
        }
    }
}

/// How a result reaches the applicant (SPEC §4 status 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Online,
    Counter,
    Post,
}

/// A domain command; names are the wire names of `POST /dossiers/{code}/actions` (SPEC §17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    Submit,
    Receive {
        /// The officer's checklist: the components they examined and found in order. When
        /// given, every component with a file must be in it (checked by the use case, which
        /// knows the files); it is kept in the audit trail with the receipt.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checked: Option<Vec<String>>,
    },
    Refuse {
        reason: String,
    },
    HandOver,
    Assign {
        assignee: String,
    },
    Consult {
        /// The agency consulted (code or name).
        #[serde(default)]
        agency: String,
        #[serde(default, alias = "note")]
        question: String,
    },
    RecordConsultationReply {
        reply: String,
    },
    /// The specialist hands the draft to the leader with their appraisal (ý kiến thẩm định) and
    /// proposal (đề xuất): the leader decides with both in view.
    Forward {
        #[serde(default)]
        opinion: String,
        #[serde(default)]
        proposal: String,
    },
    SendBack {
        reason: String,
    },
    /// The leader's own opinion is optional: approving the proposal is an opinion in itself.
    Approve {
        #[serde(default)]
        opinion: String,
    },
    IssueResult,
    ReturnResult {
        #[serde(default = "default_delivery")]
        delivery: Delivery,
        /// At the counter: who collected the result, as on the ID document the officer checked
        /// (the applicant or the person they authorised).
        #[serde(default)]
        recipient_name: String,
        #[serde(default)]
        recipient_id: String,
        /// By post: the postal item number, to trace the letter.
        #[serde(default)]
        postal_code: String,
    },
    RequestSupplement {
        components: Vec<String>,
        note: String,
    },
    Supplement,
    RequestPayment {
        #[serde(default)]
        note: String,
        /// Lines of the procedure's fee catalogue the specialist adds to what the form already
        /// costs (e.g. copies asked for later) — never an amount typed by hand.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lines: Vec<ExtraFee>,
    },
    RecordPayment,
    Extend {
        new_due_at: DateTime<Utc>,
        reason: String,
    },
    RequestWithdrawal {
        #[serde(default)]
        reason: String,
    },
    AcceptWithdrawal,
    RejectWithdrawal {
        #[serde(default)]
        reason: String,
    },
    Stop {
        reason: String,
    },
}

fn default_delivery() -> Delivery {
    Delivery::Online
}

/// The kinds of commands, for tables and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    Submit,
    Receive,
    Refuse,
    HandOver,
    Assign,
    Consult,
    RecordConsultationReply,
    Forward,
    SendBack,
    Approve,
    IssueResult,
    ReturnResult,
    RequestSupplement,
    Supplement,
    RequestPayment,
    RecordPayment,
    Extend,
    RequestWithdrawal,
    AcceptWithdrawal,
    RejectWithdrawal,
    Stop,
}

impl ActionKind {
    pub const ALL: [ActionKind; 21] = [
        ActionKind::Submit,
        ActionKind::Receive,
        ActionKind::Refuse,
        ActionKind::HandOver,
        ActionKind::Assign,
        ActionKind::Consult,
        ActionKind::RecordConsultationReply,
        ActionKind::Forward,
        ActionKind::SendBack,
        ActionKind::Approve,
        ActionKind::IssueResult,
        ActionKind::ReturnResult,
        ActionKind::RequestSupplement,
        ActionKind::Supplement,
        ActionKind::RequestPayment,
        ActionKind::RecordPayment,
        ActionKind::Extend,
        ActionKind::RequestWithdrawal,
        ActionKind::AcceptWithdrawal,
        ActionKind::RejectWithdrawal,
        ActionKind::Stop,
    ];

    pub fn parse(name: &str) -> Option<ActionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The note is the agency's internal working (who is assigned, the appraisal, the leader's
    /// opinion, a consultation between agencies): staff read it, the applicant does not.
    pub fn note_is_internal(self) -> bool {
        matches!(
            self,
            ActionKind::Assign
                | ActionKind::Consult
                | ActionKind::RecordConsultationReply
                | ActionKind::Forward
                | ActionKind::SendBack
                | ActionKind::Approve
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Submit => "submit",
            ActionKind::Receive => "receive",
            ActionKind::Refuse => "refuse",
            ActionKind::HandOver => "hand_over",
            ActionKind::Assign => "assign",
            ActionKind::Consult => "consult",
            ActionKind::RecordConsultationReply => "record_consultation_reply",
            ActionKind::Forward => "forward",
            ActionKind::SendBack => "send_back",
            ActionKind::Approve => "approve",
            ActionKind::IssueResult => "issue_result",
            ActionKind::ReturnResult => "return_result",
            ActionKind::RequestSupplement => "request_supplement",
            ActionKind::Supplement => "supplement",
            ActionKind::RequestPayment => "request_payment",
            ActionKind::RecordPayment => "record_payment",
            ActionKind::Extend => "extend",
            ActionKind::RequestWithdrawal => "request_withdrawal",
            ActionKind::AcceptWithdrawal => "accept_withdrawal",
            ActionKind::RejectWithdrawal => "reject_withdrawal",
            ActionKind::Stop => "stop",
        }
    }
}

impl Command {
    /// The command as the audit trail keeps it: ID document numbers masked (never log full IDs).
    pub fn redacted(&self) -> Command {
        match self {
            Command::ReturnResult {
                delivery,
                recipient_name,
                recipient_id,
                postal_code,
            } => Command::ReturnResult {
                delivery: *delivery,
                recipient_name: recipient_name.trim().to_owned(),
                recipient_id: mask_document_number(recipient_id.trim()),
                postal_code: postal_code.trim().to_owned(),
            },
            other => other.clone(),
        }
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Command::Submit => ActionKind::Submit,
            Command::Receive { .. } => ActionKind::Receive,
            Command::Refuse { .. } => ActionKind::Refuse,
            Command::HandOver => ActionKind::HandOver,
            Command::Assign { .. } => ActionKind::Assign,
            Command::Consult { .. } => ActionKind::Consult,
            Command::RecordConsultationReply { .. } => ActionKind::RecordConsultationReply,
            Command::Forward { .. } => ActionKind::Forward,
            Command::SendBack { .. } => ActionKind::SendBack,
            Command::Approve { .. } => ActionKind::Approve,
            Command::IssueResult => ActionKind::IssueResult,
            Command::ReturnResult { .. } => ActionKind::ReturnResult,
            Command::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Command::Supplement => ActionKind::Supplement,
            Command::RequestPayment { .. } => ActionKind::RequestPayment,
            Command::RecordPayment => ActionKind::RecordPayment,
            Command::Extend { .. } => ActionKind::Extend,
            Command::RequestWithdrawal { .. } => ActionKind::RequestWithdrawal,
            Command::AcceptWithdrawal => ActionKind::AcceptWithdrawal,
            Command::RejectWithdrawal { .. } => ActionKind::RejectWithdrawal,
            Command::Stop { .. } => ActionKind::Stop,
        }
    }
}

/// Where the actor must sit for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Applicant,
    ReceivingAgency,
    CompetentAgency,
    ReceivingOrCompetentAgency,
}

/// Why a command was rejected. Each has a stable snake_case code (the API's problem `code`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("action not allowed while the dossier is in status {0:?}")]
    WrongStatus(Status),
    #[error("this action needs the role(s) {0:?}")]
    WrongRole(Vec<Role>),
    #[error("this action must be taken from {0:?}")]
    WrongPlace(Place),
    #[error("only the specialist assigned to the dossier may do this")]
    NotAssignee,
    #[error("the dossier is not at the right processing step for this action")]
    WrongStep,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("supplementation may be requested only once")]
    SupplementAlreadyRequested,
    #[error("list at least one component to supplement")]
    NothingToSupplement,
    #[error("the processing time may be extended only once")]
    AlreadyExtended,
    #[error("an extension must be made at least one working day before the due date")]
    ExtensionTooLate,
    #[error("the new date must be later than the current due date")]
    ExtensionNotLater,
    #[error("the dossier must first be handed over to the competent agency")]
    HandoverRequired,
    #[error("no hand-over is needed or it was already made")]
    HandoverNotNeeded,
    #[error("the assignee is required")]
    AssigneeRequired,
    #[error("there is no open consultation to record a reply for")]
    NoOpenConsultation,
    #[error(
        "a result handed over at the counter needs the recipient's name and ID document number"
    )]
    RecipientRequired,
    #[error("a result sent by post needs the postal item number")]
    PostalCodeRequired,
    #[error("the appraisal opinion and the proposal are required")]
    AppraisalRequired,
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::WrongStatus(_) => "illegal_transition",
            Rejection::WrongRole(_) => "role_not_allowed",
            Rejection::WrongPlace(_) => "agency_not_allowed",
            Rejection::NotAssignee => "not_assignee",
            Rejection::WrongStep => "wrong_step",
            Rejection::ReasonRequired => "reason_required",
            Rejection::SupplementAlreadyRequested => "supplement_already_requested",
            Rejection::NothingToSupplement => "nothing_to_supplement",
            Rejection::AlreadyExtended => "already_extended",
            Rejection::ExtensionTooLate => "extension_too_late",
            Rejection::ExtensionNotLater => "extension_not_later",
            Rejection::HandoverRequired => "handover_required",
            Rejection::HandoverNotNeeded => "handover_not_needed",
            Rejection::AssigneeRequired => "assignee_required",
            Rejection::NoOpenConsultation => "no_open_consultation",
            Rejection::RecipientRequired => "recipient_required",
            Rejection::PostalCodeRequired => "postal_code_required",
            Rejection::AppraisalRequired => "appraisal_required",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Rejection::WrongStatus(s) => format!(
                "Không thể thực hiện thao tác này khi hồ sơ ở trạng thái \"{}\".",
                s.name_vi()
            ),
            Rejection::WrongRole(_) => {
                "Vai trò của bạn không được phép thực hiện thao tác này.".into()
            }
            Rejection::WrongPlace(_) => {
                "Thao tác này phải do đúng cơ quan (tiếp nhận hoặc có thẩm quyền) thực hiện.".into()
            }
            Rejection::NotAssignee => "Chỉ chuyên viên được phân công mới được thực hiện.".into(),
            Rejection::WrongStep => "Hồ sơ chưa ở đúng bước xử lý cho thao tác này.".into(),
            Rejection::ReasonRequired => "Cần ghi rõ lý do.".into(),
            Rejection::SupplementAlreadyRequested => {
                "Chỉ được yêu cầu bổ sung hồ sơ một lần.".into()
            }
            Rejection::NothingToSupplement => {
                "Cần nêu ít nhất một thành phần hồ sơ phải bổ sung.".into()
            }
            Rejection::AlreadyExtended => "Chỉ được gia hạn thời gian giải quyết một lần.".into(),
            Rejection::ExtensionTooLate => {
                "Phải gia hạn chậm nhất 01 ngày làm việc trước ngày hẹn trả.".into()
            }
            Rejection::ExtensionNotLater => "Ngày hẹn mới phải sau ngày hẹn hiện tại.".into(),
            Rejection::HandoverRequired => {
                "Hồ sơ phải được chuyển cho cơ quan có thẩm quyền trước.".into()
            }
            Rejection::HandoverNotNeeded => {
                "Không cần chuyển hồ sơ hoặc hồ sơ đã được chuyển.".into()
            }
            Rejection::AssigneeRequired => "Cần chọn người được phân công.".into(),
            Rejection::NoOpenConsultation => {
                "Không có yêu cầu xin ý kiến nào đang chờ trả lời.".into()
            }
            Rejection::RecipientRequired => {
                "Trả kết quả tại quầy: ghi họ tên và số giấy tờ tùy thân của người nhận.".into()
            }
            Rejection::PostalCodeRequired => {
                "Trả kết quả qua bưu chính: ghi số hiệu bưu gửi.".into()
            }
            Rejection::AppraisalRequired => "Cần ghi ý kiến thẩm định và đề xuất.".into(),
        }
    }
}

/// A rejected command, with enough context for a clear message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} rejected in status {from:?}: {reason}")]
pub struct TransitionError {
    pub action: &'static str,
    pub from: Status,
    pub reason: Rejection,
}

/// What a successful command did: the new state, plus a line for the progress log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: DossierState,
    /// Human-readable content of the progress entry (reason, note, assignee...).
    pub note: Option<String>,
}

fn require_role(role: Role, allowed: &[Role]) -> Result<(), Rejection> {
    if allowed.contains(&role) {
        Ok(())
    } else {
        Err(Rejection::WrongRole(allowed.to_vec()))
    }
}

fn require_place(actor: &Actor, place: Place) -> Result<(), Rejection> {
    let ok = match place {
        Place::Applicant => actor.is_applicant,
        Place::ReceivingAgency => actor.at_receiving,
        Place::CompetentAgency => actor.at_competent,
        Place::ReceivingOrCompetentAgency => actor.at_receiving || actor.at_competent,
    };
    if ok {
        Ok(())
    } else {
        Err(Rejection::WrongPlace(place))
    }
}

fn require_status(s: &DossierState, allowed: &[Status]) -> Result<(), Rejection> {
    if allowed.contains(&s.status) {
        Ok(())
    } else {
        Err(Rejection::WrongStatus(s.status))
    }
}

fn require_text(t: &str) -> Result<String, Rejection> {
    let t = t.trim();
    if t.is_empty() {
        Err(Rejection::ReasonRequired)
    } else {
        Ok(t.to_owned())
    }
}

/// Statuses from which a citizen may still ask to withdraw: until the result is ready (SPEC §4).
const WITHDRAWABLE: [Status; 5] = [
    Status::Submitted,
    Status::Received,
    Status::InProcessing,
    Status::SupplementRequested,
    Status::PaymentRequested,
];

/// Statuses in which the competent agency may still stop or extend processing.
const OPEN_AFTER_RECEIPT: [Status; 4] = [
    Status::Received,
    Status::InProcessing,
    Status::SupplementRequested,
    Status::PaymentRequested,
];

/// Decides one command. Pure: the clock and the calendar are passed in.
pub fn decide(
    state: &DossierState,
    actor: &Actor,
    command: &Command,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> Result<Transition, TransitionError> {
    let from = state.status;
    let action = command.kind().as_str();
    apply(state, actor, command, now, calendar)
        .map(|(to, note)| Transition { from, to, note })
        .map_err(|reason| TransitionError {
            action,
            from,
            reason,
        })
}

fn start_clock(s: &mut DossierState, now: DateTime<Utc>, calendar: &WorkingCalendar) {
    // Decree 118/2025 Art. 19: the appointment date on the receipt slip is counted from receipt;
    // after-hours receipt starts at the next working hour (SPEC §5).
    let start = calendar.next_working_instant(now);
    s.received_at = Some(now);
    s.due_at = Some(calendar.add_working_minutes(start, s.legal_minutes));
    s.status = Status::Received;
}

fn apply(
    state: &DossierState,
    actor: &Actor,
    command: &Command,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> Result<(DossierState, Option<String>), Rejection> {
    let mut s = state.clone();
    let role = actor.role;
    let note = match command {
        Command::Submit => {
            require_status(state, &[Status::Draft])?;
            match state.channel {
                Channel::Online => {
                    require_role(role, &[Role::Citizen])?;
                    require_place(actor, Place::Applicant)?;
                    s.status = Status::Submitted;
                    s.submitted_at = Some(now);
                    // Decree 45/2020/NĐ-CP (SPEC §5): an online dossier is received or sent back
                    // within 8 working hours of arriving in the system.
                    s.receipt_due_at = Some(calendar.receipt_deadline(now));
                }
                Channel::Counter | Channel::Post => {
                    // At the counter the officer enters and receives in one go.
                    require_role(role, &[Role::Officer])?;
                    require_place(actor, Place::ReceivingAgency)?;
                    s.submitted_at = Some(now);
                    start_clock(&mut s, now, calendar);
                }
            }
            None
        }
        Command::Receive { .. } => {
            require_status(state, &[Status::Submitted])?;
            require_role(role, &[Role::Officer])?;
            require_place(actor, Place::ReceivingAgency)?;
            start_clock(&mut s, now, calendar);
            None
        }
        Command::Refuse { reason } => {
            require_status(state, &[Status::Submitted])?;
            require_role(role, &[Role::Officer])?;
            require_place(actor, Place::ReceivingAgency)?;
            let reason = require_text(reason)?;
            s.status = Status::NotReceived;
            s.finished_at = Some(now);
            Some(reason)
        }
        Command::HandOver => {
            require_status(state, &[Status::Received])?;
            require_role(role, &[Role::Officer])?;
            require_place(actor, Place::ReceivingAgency)?;
            if !state.needs_handover || state.handed_over {
                return Err(Rejection::HandoverNotNeeded);
            }
            s.handed_over = true;
            None
        }
        Command::Assign { assignee } => {
            require_status(state, &[Status::Received, Status::InProcessing])?;
            require_role(role, &[Role::Leader, Role::Workflow])?;
            require_place(actor, Place::CompetentAgency)?;
            if state.needs_handover && !state.handed_over {
                return Err(Rejection::HandoverRequired);
            }
            // The template only makes the first assignment; moving a dossier to someone else is
            // the leader's decision.
            if role == Role::Workflow && (state.status != Status::Received || state.step.is_some())
            {
                return Err(Rejection::WrongStep);
            }
            let assignee = assignee.trim();
            if assignee.is_empty() {
                return Err(Rejection::AssigneeRequired);
            }
            if matches!(state.step, Some(Step::Approved { .. })) {
                return Err(Rejection::WrongStep);
            }
            s.status = Status::InProcessing;
            s.step = Some(Step::Assigned {
                assignee: assignee.to_owned(),
            });
            Some(assignee.to_owned())
        }
        Command::Consult { agency, question } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Specialist])?;
            require_place(actor, Place::CompetentAgency)?;
            require_assignee(state, actor)?;
            let question = require_text(question)?;
            s.open_consultations += 1;
            let agency = agency.trim();
            Some(if agency.is_empty() {
                question
            } else {
                format!("{agency}: {question}")
            })
        }
        Command::RecordConsultationReply { reply } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Specialist])?;
            require_place(actor, Place::CompetentAgency)?;
            require_assignee(state, actor)?;
            if state.open_consultations == 0 {
                return Err(Rejection::NoOpenConsultation);
            }
            let reply = require_text(reply)?;
            s.open_consultations -= 1;
            Some(reply)
        }
        Command::Forward { opinion, proposal } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Specialist])?;
            require_place(actor, Place::CompetentAgency)?;
            let assignee = require_assignee(state, actor)?;
            if !matches!(state.step, Some(Step::Assigned { .. })) {
                return Err(Rejection::WrongStep);
            }
            let (opinion, proposal) = (opinion.trim(), proposal.trim());
            if opinion.is_empty() || proposal.is_empty() {
                return Err(Rejection::AppraisalRequired);
            }
            s.appraisal = Some(Appraisal {
                by: assignee.clone(),
                opinion: opinion.to_owned(),
                proposal: proposal.to_owned(),
                leader_opinion: None,
            });
            s.step = Some(Step::InReview { assignee });
            Some(format!("{opinion}\n→ {proposal}"))
        }
        Command::SendBack { reason } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Leader])?;
            require_place(actor, Place::CompetentAgency)?;
            let reason = require_text(reason)?;
            // The specialist reworks with the leader's reason beside their own appraisal.
            if let Some(a) = s.appraisal.as_mut() {
                a.leader_opinion = Some(reason.clone());
            }
            // Only what awaits the leader's decision goes back: once approved, the decision is
            // taken and the clerk issues it (issue 17: no "send back" after approval).
            match &state.step {
                Some(Step::InReview { assignee }) => {
                    s.step = Some(Step::Assigned {
                        assignee: assignee.clone(),
                    });
                }
                _ => return Err(Rejection::WrongStep),
            }
            Some(reason)
        }
        Command::Approve { opinion } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Leader])?;
            require_place(actor, Place::CompetentAgency)?;
            match &state.step {
                Some(Step::InReview { assignee }) => {
                    s.step = Some(Step::Approved {
                        assignee: assignee.clone(),
                    });
                }
                _ => return Err(Rejection::WrongStep),
            }
            let opinion = opinion.trim();
            let opinion = (!opinion.is_empty()).then(|| opinion.to_owned());
            if let Some(a) = s.appraisal.as_mut() {
                a.leader_opinion.clone_from(&opinion);
            }
            opinion
        }
        Command::IssueResult => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Clerk])?;
            require_place(actor, Place::CompetentAgency)?;
            if !matches!(state.step, Some(Step::Approved { .. })) {
                return Err(Rejection::WrongStep);
            }
            s.status = Status::ResultReady;
            s.finished_at = Some(now);
            None
        }
        Command::ReturnResult {
            delivery,
            recipient_name,
            recipient_id,
            postal_code,
        } => {
            require_status(state, &[Status::ResultReady])?;
            require_role(role, &[Role::Officer])?;
            require_place(actor, Place::ReceivingAgency)?;
            // Decree 118/2025 Art. 21 and Circular 01/2018 form 06: a result handed over at the
            // one-stop is signed for by the person who collects it, after the officer checks their
            // papers; one sent by post is traced by its item number.
            let note = match delivery {
                Delivery::Online => "online".to_owned(),
                Delivery::Counter => {
                    let (name, id) = (recipient_name.trim(), recipient_id.trim());
                    if name.is_empty() || id.is_empty() {
                        return Err(Rejection::RecipientRequired);
                    }
                    format!("counter: {name} ({})", mask_document_number(id))
                }
                Delivery::Post => {
                    let code = postal_code.trim();
                    if code.is_empty() {
                        return Err(Rejection::PostalCodeRequired);
                    }
                    format!("post: {code}")
                }
            };
            s.status = Status::ResultReturned;
            Some(note)
        }
        Command::RequestSupplement { components, note } => {
            // Decree 118/2025 Art. 17: the one-stop guides the applicant once, in writing, on what
            // is missing; during appraisal the specialist may do the same through the one-stop.
            match state.status {
                // At receipt, or just after it before anyone is assigned, the one-stop asks.
                Status::Submitted | Status::Received => {
                    require_role(role, &[Role::Officer])?;
                    require_place(actor, Place::ReceivingAgency)?;
                }
                Status::InProcessing => {
                    require_role(role, &[Role::Officer, Role::Specialist])?;
                    require_place(
                        actor,
                        if role == Role::Officer {
                            Place::ReceivingAgency
                        } else {
                            Place::CompetentAgency
                        },
                    )?;
                    if role == Role::Specialist {
                        require_assignee(state, actor)?;
                    }
                }
                other => return Err(Rejection::WrongStatus(other)),
            }
            if state.supplement_requests >= 1 {
                return Err(Rejection::SupplementAlreadyRequested);
            }
            let components: Vec<String> = components
                .iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect();
            if components.is_empty() {
                return Err(Rejection::NothingToSupplement);
            }
            let note = require_text(note)?;
            s.supplement_requests += 1;
            s.supplement_components = components;
            s.supplement_paused_at = Some(now);
            s.resume_status = Some(state.status);
            s.status = Status::SupplementRequested;
            Some(note)
        }
        Command::Supplement => {
            require_status(state, &[Status::SupplementRequested])?;
            // The applicant answers online whatever the channel; a counter or postal applicant may
            // instead bring the papers to the one-stop, whose officer scans them and answers.
            if state.channel == Channel::Online {
                require_role(role, &[Role::Citizen])?;
                require_place(actor, Place::Applicant)?;
            } else if role == Role::Citizen {
                require_place(actor, Place::Applicant)?;
            } else {
                require_role(role, &[Role::Citizen, Role::Officer])?;
                require_place(actor, Place::ReceivingAgency)?;
            }
            // The clock stood still from the request to the answer (SPEC §4): move the due date by
            // the working time that passed.
            if let Some(paused) = state.supplement_paused_at {
                let paused_for = calendar.working_minutes_between(paused, now);
                s.paused_minutes += paused_for;
                if let Some(due) = state.due_at {
                    let remaining = calendar.working_minutes_between(paused, due);
                    s.due_at = Some(calendar.add_working_minutes(now, remaining));
                }
                if state.received_at.is_none() && state.receipt_due_at.is_some() {
                    // Back before receipt: the 8-hour receipt limit restarts from the answer.
                    s.receipt_due_at = Some(calendar.receipt_deadline(now));
                }
            }
            s.supplement_paused_at = None;
            s.supplement_components.clear();
            s.status = state.resume_status.unwrap_or(Status::Submitted);
            s.resume_status = None;
            None
        }
        Command::RequestPayment { note, lines } => {
            require_status(state, &[Status::InProcessing])?;
            require_role(role, &[Role::Specialist])?;
            require_place(actor, Place::CompetentAgency)?;
            require_assignee(state, actor)?;
            s.resume_status = Some(Status::InProcessing);
            s.status = Status::PaymentRequested;
            s.requested_fees = lines.clone();
            let note = note.trim();
            (!note.is_empty()).then(|| note.to_owned())
        }
        Command::RecordPayment => {
            require_status(state, &[Status::PaymentRequested])?;
            // An officer records cash or card at the counter; the system records a payment the
            // gateway confirmed (SPEC §8: a paid request moves the dossier on by itself).
            require_role(role, &[Role::Officer, Role::Clerk, Role::Workflow])?;
            if role != Role::Workflow {
                require_place(actor, Place::ReceivingOrCompetentAgency)?;
            }
            s.status = state.resume_status.unwrap_or(Status::InProcessing);
            s.resume_status = None;
            s.requested_fees.clear();
            None
        }
        Command::Extend { new_due_at, reason } => {
            require_status(state, &OPEN_AFTER_RECEIPT)?;
            require_role(role, &[Role::Leader])?;
            require_place(actor, Place::CompetentAgency)?;
            let reason = require_text(reason)?;
            if state.extended {
                return Err(Rejection::AlreadyExtended);
            }
            let Some(due) = state.due_at else {
                return Err(Rejection::WrongStatus(state.status));
            };
            // Decree 61/2018 Art. 22 (kept by Decree 118/2025): at least one working day before
            // the due date the agency apologises in writing and sets a new date, once only.
            if calendar.working_minutes_between(now, due) < MINUTES_PER_WORKING_DAY {
                return Err(Rejection::ExtensionTooLate);
            }
            if *new_due_at <= due {
                return Err(Rejection::ExtensionNotLater);
            }
            s.extended = true;
            s.due_at = Some(*new_due_at);
            Some(reason)
        }
        Command::RequestWithdrawal { reason } => {
            require_status(state, &WITHDRAWABLE)?;
            require_role(role, &[Role::Citizen])?;
            require_place(actor, Place::Applicant)?;
            if state.status == Status::Submitted {
                // Nobody has taken the dossier in yet: there is nothing for an officer to weigh,
                // so the withdrawal takes effect at once (SPEC §4, issue 17).
                s.status = Status::Stopped;
                s.finished_at = Some(now);
            } else {
                s.resume_status = Some(state.status);
                s.status = Status::WithdrawalRequested;
            }
            let reason = reason.trim();
            (!reason.is_empty()).then(|| reason.to_owned())
        }
        Command::AcceptWithdrawal => {
            require_status(state, &[Status::WithdrawalRequested])?;
            require_role(role, &[Role::Officer, Role::Leader])?;
            require_place(
                actor,
                if role == Role::Officer {
                    Place::ReceivingAgency
                } else {
                    Place::CompetentAgency
                },
            )?;
            s.status = Status::Stopped;
            s.finished_at = Some(now);
            s.resume_status = None;
            None
        }
        Command::RejectWithdrawal { reason } => {
            require_status(state, &[Status::WithdrawalRequested])?;
            require_role(role, &[Role::Officer, Role::Leader])?;
            require_place(
                actor,
                if role == Role::Officer {
                    Place::ReceivingAgency
                } else {
                    Place::CompetentAgency
                },
            )?;
            let reason = require_text(reason)?;
            s.status = state.resume_status.unwrap_or(Status::InProcessing);
            s.resume_status = None;
            Some(reason)
        }
        Command::Stop { reason } => {
            require_status(state, &OPEN_AFTER_RECEIPT)?;
            require_role(role, &[Role::Leader])?;
            require_place(actor, Place::CompetentAgency)?;
            let reason = require_text(reason)?;
            s.status = Status::Stopped;
            s.finished_at = Some(now);
            s.supplement_paused_at = None;
            s.resume_status = None;
            Some(reason)
        }
    };
    Ok((s, note))
}

fn require_assignee(state: &DossierState, actor: &Actor) -> Result<String, Rejection> {
    match state.assignee() {
        Some(a) if a == actor.username => Ok(a.to_owned()),
        _ => Err(Rejection::NotAssignee),
    }
}

mod queue;
pub use queue::{QueuePosition, WorkStage, near_before};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
