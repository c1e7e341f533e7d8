//! Feedback and recommendations (phản ánh, kiến nghị — PAKN) about administrative procedures, a
//! dossier or an officer's conduct (SPEC §12; DOMAIN-VN §3 indicators 5.1–5.3).
//!
//! Legal frame: Decree 20/2008/NĐ-CP on receiving and handling feedback and recommendations of
//! individuals and organisations on administrative regulations, as amended (Decree 92/2017/NĐ-CP),
//! and Decision 766/QĐ-TTg, whose indicator 5.2 measures the agency against four limits, all in
//! working days: refuse within 2, ask for details within 5, answer within 15, and publish an
//! answer within 2 of answering (DOMAIN-VN §3 row 5.2). The article numbers of the limits were not
//! checked against the consolidated text; the numbers are those of the indicator.
//!
//! # Choices made here (and why)
//!
//! * **Counting.** Limits count from receipt, which for an online channel is the moment the
//!   feedback is sent. As for dossiers (SPEC §5), something sent outside office hours counts from
//!   the next working instant, and N working days are N × 8 working hours on the calendar, so a
//!   Friday afternoon before a holiday lands after the holiday, at the same time of day.
//! * **Details pause the 15-day answer clock.** While the agency waits for the details it asked
//!   for, it cannot answer; counting that time against it would punish the request the law
//!   provides for, and the person could run the clock out by not replying. So the clock stands
//!   still from the request until the details arrive and then runs on with the working time that
//!   was left, the same rule as a dossier's supplementation (SPEC §4) and as indicator 2.1, which
//!   subtracts the citizen's supplementation time (DOMAIN-VN §2.5). This is our reading: the texts
//!   available to us do not say it in so many words.
//! * **Details are asked for once**, within 5 working days of receipt: a second request would
//!   restart the person's wait, and the dossier rule (one supplementation; more counts as late)
//!   is the closest legal analogue.
//! * **Refusing** is allowed while the feedback is open (also when details never come, or once
//!   they show the matter is outside the agency's remit). Its 2-day limit counts from receipt,
//!   or from the details when the agency had asked for them, since only then could it judge.
//! * **Who acts.** The agency's handling staff (officer, specialist, leader) refuse, ask for
//!   details and answer; publishing an answer speaks for the agency in public, so only its leader
//!   publishes. The person who sent the feedback gives details and rates the answer, once.
//! * **Late is recorded, never blocking.** A step after its limit is still taken; indicator 5.2
//!   reads the recorded times ([`FeedbackState::handled_on_time`]).

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{MINUTES_PER_WORKING_DAY, WorkingCalendar};
use crate::lifecycle::Role;
use crate::notice::{Lang, Notice, SMS_MAX, gsm_safe, gsm7_len, gsm7_width};

/// Working days to refuse feedback that cannot be handled (indicator 5.2).
pub const REFUSE_DAYS: i64 = 2;
/// Working days, from receipt, to ask the person for details.
pub const DETAILS_DAYS: i64 = 5;
/// Working days, from receipt and less any pause for details, to answer.
pub const ANSWER_DAYS: i64 = 15;
/// Working days, from the answer, to publish it.
pub const PUBLISH_DAYS: i64 = 2;

/// The content of feedback: long enough to say something, short enough to read.
pub const CONTENT_MIN_CHARS: usize = 10;
pub const CONTENT_MAX_CHARS: usize = 5000;
/// Reasons, requests, details and answers.
pub const TEXT_MAX_CHARS: usize = 5000;
pub const RATING_REASON_MAX_CHARS: usize = 2000;

/// Roles that handle feedback at the agency.
pub const HANDLERS: [Role; 3] = [Role::Officer, Role::Specialist, Role::Leader];

/// Phản ánh (something is wrong) or kiến nghị (something should change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Complaint,
    Recommendation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Recommendation => "recommendation",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "complaint" => Some(Kind::Complaint),
            "recommendation" => Some(Kind::Recommendation),
            _ => None,
        }
    }
}

/// What the feedback is about. Indicator 5.1 splits feedback into regulations and procedures on
/// one side and officers' conduct on the other ([`Subject::is_conduct`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A dossier's handling.
    Dossier,
    /// A procedure (its rules, papers, fees, time).
    Procedure,
    /// An officer's conduct.
    Conduct,
    /// An agency's work in general.
    General,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Dossier => "dossier",
            Subject::Procedure => "procedure",
            Subject::Conduct => "conduct",
            Subject::General => "general",
        }
    }

    pub fn parse(s: &str) -> Option<Subject> {
        [
            Subject::Dossier,
            Subject::Procedure,
            Subject::Conduct,
            Subject::General,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// An officer named with a dossier or a procedure is still about conduct: what went wrong is
    /// a person's behaviour, which is what 5.1 separates out.
    pub fn of(has_officer: bool, has_dossier: bool, has_procedure: bool) -> Subject {
        if has_officer {
            Subject::Conduct
        } else if has_dossier {
            Subject::Dossier
        } else if has_procedure {
            Subject::Procedure
        } else {
            Subject::General
        }
    }

    pub fn is_conduct(self) -> bool {
        self == Subject::Conduct
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Received; the agency refuses, asks for details or answers.
    Received,
    /// Refused with a reason (final).
    Refused,
    /// The agency asked for details; the answer clock stands still.
    DetailsRequested,
    /// The details came; the clock runs again.
    DetailsGiven,
    /// Answered; the person may rate it and the agency's leader may publish it.
    Answered,
    /// The answer is public (final).
    Published,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Refused,
        Status::DetailsRequested,
        Status::DetailsGiven,
        Status::Answered,
        Status::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Refused => "refused",
            Status::DetailsRequested => "details_requested",
            Status::DetailsGiven => "details_given",
            Status::Answered => "answered",
            Status::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Status::Received => "Đã tiếp nhận",
            Status::Refused => "Từ chối xử lý",
            Status::DetailsRequested => "Đề nghị bổ sung thông tin",
            Status::DetailsGiven => "Đã bổ sung thông tin",
            Status::Answered => "Đã trả lời",
            Status::Published => "Đã công khai trả lời",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Status::Received => "Received",
            Status::Refused => "Refused",
            Status::DetailsRequested => "Details requested",
            Status::DetailsGiven => "Details given",
            Status::Answered => "Answered",
            Status::Published => "Answer published",
        }
    }

    /// The agency owes the next step (refuse, ask or answer).
    pub fn awaits_agency(self) -> bool {
        matches!(self, Status::Received | Status::DetailsGiven)
    }

    /// Nothing but rating happens any more.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Refused | Status::Answered | Status::Published)
    }
}

/// The person's rating of the answer (indicator 5.3 counts the dissatisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    Normal,
    Dissatisfied,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Normal => "normal",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        [Rating::Satisfied, Rating::Normal, Rating::Dissatisfied]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The times of one feedback item; the storage keeps exactly these, so the state is rebuilt from
/// a row without a serialized blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackState {
    pub status: Status,
    pub received_at: DateTime<Utc>,
    /// When the answer is due: receipt + 15 working days, moved by the time details were awaited.
    pub due_at: DateTime<Utc>,
    pub details_requested_at: Option<DateTime<Utc>>,
    pub details_given_at: Option<DateTime<Utc>>,
    /// Working minutes the clock stood still for details.
    pub paused_minutes: i64,
    pub refused_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub rating: Option<Rating>,
}

fn days_after(calendar: &WorkingCalendar, t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    calendar.add_working_minutes(t, days.saturating_mul(MINUTES_PER_WORKING_DAY))
}

impl FeedbackState {
    /// Feedback received at `now`: its answer is due 15 working days later (counted from the next
    /// working instant when it arrives after hours).
    pub fn received(now: DateTime<Utc>, calendar: &WorkingCalendar) -> Self {
        Self {
            status: Status::Received,
            received_at: now,
            due_at: days_after(calendar, now, ANSWER_DAYS),
            details_requested_at: None,
            details_given_at: None,
            paused_minutes: 0,
            refused_at: None,
            answered_at: None,
            published_at: None,
            rating: None,
        }
    }

    /// The limit for refusing: 2 working days from receipt, or from the details when the agency
    /// asked for them (see the module documentation).
    pub fn refuse_due(&self, calendar: &WorkingCalendar) -> DateTime<Utc> {
        days_after(
            calendar,
            self.details_given_at.unwrap_or(self.received_at),
            REFUSE_DAYS,
        )
    }

    /// The limit for asking for details: 5 working days from receipt.
    pub fn details_due(&self, calendar: &WorkingCalendar) -> DateTime<Utc> {
        days_after(calendar, self.received_at, DETAILS_DAYS)
    }

    /// The limit for publishing the answer: 2 working days after it, once answered.
    pub fn publish_due(&self, calendar: &WorkingCalendar) -> Option<DateTime<Utc>> {
        self.answered_at
            .map(|a| days_after(calendar, a, PUBLISH_DAYS))
    }

    /// The agency owes the next step and its answer date has passed.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.awaits_agency() && now > self.due_at
    }

    /// Indicator 5.2 for this item at `now`: every step taken met its limit, and the step still
    /// owed is not yet late. Publishing is optional, so an unpublished answer is never late.
    pub fn handled_on_time(&self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> bool {
        let met = |at: Option<DateTime<Utc>>, due: DateTime<Utc>| at.is_none_or(|t| t <= due);
        met(self.refused_at, self.refuse_due(calendar))
            && met(self.details_requested_at, self.details_due(calendar))
            && met(self.answered_at, self.due_at)
            && self
                .publish_due(calendar)
                .is_none_or(|due| met(self.published_at, due))
            && !self.is_overdue(now)
    }
}

/// A step in the handling of feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Refuse { reason: String },
    RequestDetails { request: String },
    GiveDetails { details: String },
    Answer { answer: String },
    Publish,
    Rate { rating: Rating, reason: String },
}

impl Command {
    /// The step's stable name (audit action, message event).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Refuse { .. } => "refuse",
            Command::RequestDetails { .. } => "request_details",
            Command::GiveDetails { .. } => "give_details",
            Command::Answer { .. } => "answer",
            Command::Publish => "publish",
            Command::Rate { .. } => "rate",
        }
    }
}

/// Who acts: their roles at the feedback's agency (staff), and whether they sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    pub agency_roles: Vec<Role>,
    pub is_submitter: bool,
}

/// Why a step was refused; each has a stable code (the API's problem `code`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not allowed while the feedback is {0:?}")]
    WrongStatus(Status),
    #[error("this step needs the role(s) {0:?} at the feedback's agency")]
    WrongRole(Vec<Role>),
    #[error("only the person who sent the feedback may do this")]
    NotSubmitter,
    #[error("the text of `{0}` is required")]
    TextRequired(&'static str),
    #[error("the text of `{0}` is longer than {1} characters")]
    TextTooLong(&'static str, usize),
    #[error("details may be requested only once")]
    DetailsAlreadyRequested,
    #[error("the answer was already rated")]
    AlreadyRated,
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::WrongStatus(_) => "illegal_transition",
            Rejection::WrongRole(_) => "role_not_allowed",
            Rejection::NotSubmitter => "not_submitter",
            Rejection::TextRequired(_) => "text_required",
            Rejection::TextTooLong(..) => "text_too_long",
            Rejection::DetailsAlreadyRequested => "details_already_requested",
            Rejection::AlreadyRated => "already_rated",
        }
    }

    /// The field a form shows the message on, when the rejection is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Rejection::TextRequired(f) | Rejection::TextTooLong(f, _) => Some(f),
            _ => None,
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Rejection::WrongStatus(s) => format!(
                "Không thể thực hiện bước này khi phản ánh, kiến nghị ở trạng thái \"{}\".",
                s.name_vi()
            ),
            Rejection::WrongRole(roles) if roles == &[Role::Leader] => {
                "Chỉ lãnh đạo cơ quan xử lý được công khai câu trả lời.".into()
            }
            Rejection::WrongRole(_) => {
                "Chỉ cán bộ xử lý của cơ quan tiếp nhận phản ánh, kiến nghị được thực hiện bước này."
                    .into()
            }
            Rejection::NotSubmitter => {
                "Chỉ người gửi phản ánh, kiến nghị được thực hiện bước này.".into()
            }
            Rejection::TextRequired(_) => "Vui lòng nhập nội dung.".into(),
            Rejection::TextTooLong(_, max) => format!("Nội dung dài quá {max} ký tự."),
            Rejection::DetailsAlreadyRequested => {
                "Chỉ được đề nghị bổ sung thông tin một lần.".into()
            }
            Rejection::AlreadyRated => "Câu trả lời này đã được đánh giá.".into(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Rejection::WrongStatus(s) => format!(
                "This step is not possible while the feedback is \"{}\".",
                s.name_en()
            ),
            Rejection::WrongRole(roles) if roles == &[Role::Leader] => {
                "Only the agency's leader may publish the answer.".into()
            }
            Rejection::WrongRole(_) => {
                "Only the handling staff of the agency the feedback was sent to may take this step."
                    .into()
            }
            Rejection::NotSubmitter => "Only the person who sent the feedback may do this.".into(),
            Rejection::TextRequired(_) => "Please write something.".into(),
            Rejection::TextTooLong(_, max) => format!("The text is longer than {max} characters."),
            Rejection::DetailsAlreadyRequested => "Details may be requested only once.".into(),
            Rejection::AlreadyRated => "This answer has already been rated.".into(),
        }
    }
}

/// Trimmed `text`, if present and within `max` characters.
pub fn required_text(field: &'static str, text: &str, max: usize) -> Result<String, Rejection> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Rejection::TextRequired(field));
    }
    if t.chars().count() > max {
        return Err(Rejection::TextTooLong(field, max));
    }
    Ok(t.to_owned())
}

fn require_status(state: &FeedbackState, allowed: &[Status]) -> Result<(), Rejection> {
    if allowed.contains(&state.status) {
        Ok(())
    } else {
        Err(Rejection::WrongStatus(state.status))
    }
}

fn require_handler(actor: &Actor, roles: &[Role]) -> Result<(), Rejection> {
    if actor.agency_roles.iter().any(|r| roles.contains(r)) {
        Ok(())
    } else {
        Err(Rejection::WrongRole(roles.to_vec()))
    }
}

fn require_submitter(actor: &Actor) -> Result<(), Rejection> {
    if actor.is_submitter {
        Ok(())
    } else {
        Err(Rejection::NotSubmitter)
    }
}

/// Decides a step: the new state, or why not. Texts are checked here so that every channel (API,
/// pages) refuses the same things; the caller stores the trimmed texts it passed.
pub fn decide(
    state: &FeedbackState,
    actor: &Actor,
    command: &Command,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> Result<FeedbackState, Rejection> {
    let mut s = state.clone();
    match command {
        Command::Refuse { reason } => {
            require_handler(actor, &HANDLERS)?;
            require_status(
                state,
                &[
                    Status::Received,
                    Status::DetailsRequested,
                    Status::DetailsGiven,
                ],
            )?;
            required_text("reason", reason, TEXT_MAX_CHARS)?;
            s.status = Status::Refused;
            s.refused_at = Some(now);
        }
        Command::RequestDetails { request } => {
            require_handler(actor, &HANDLERS)?;
            if state.details_requested_at.is_some() {
                return Err(Rejection::DetailsAlreadyRequested);
            }
            require_status(state, &[Status::Received])?;
            required_text("request", request, TEXT_MAX_CHARS)?;
            s.status = Status::DetailsRequested;
            s.details_requested_at = Some(now);
        }
        Command::GiveDetails { details } => {
            require_submitter(actor)?;
            require_status(state, &[Status::DetailsRequested])?;
            required_text("details", details, TEXT_MAX_CHARS)?;
            // The clock stood still from the request: the answer is due after the working time
            // that was left when it stopped.
            if let Some(paused) = state.details_requested_at {
                let left = calendar.working_minutes_between(paused, state.due_at);
                s.paused_minutes += calendar.working_minutes_between(paused, now);
                s.due_at = calendar.add_working_minutes(now, left);
            }
            s.status = Status::DetailsGiven;
            s.details_given_at = Some(now);
        }
        Command::Answer { answer } => {
            require_handler(actor, &HANDLERS)?;
            require_status(state, &[Status::Received, Status::DetailsGiven])?;
            required_text("answer", answer, TEXT_MAX_CHARS)?;
            s.status = Status::Answered;
            s.answered_at = Some(now);
        }
        Command::Publish => {
            require_handler(actor, &[Role::Leader])?;
            require_status(state, &[Status::Answered])?;
            s.status = Status::Published;
            s.published_at = Some(now);
        }
        Command::Rate { rating, reason } => {
            require_submitter(actor)?;
            require_status(state, &[Status::Answered, Status::Published])?;
            if state.rating.is_some() {
                return Err(Rejection::AlreadyRated);
            }
            if reason.trim().chars().count() > RATING_REASON_MAX_CHARS {
                return Err(Rejection::TextTooLong("reason", RATING_REASON_MAX_CHARS));
            }
            s.rating = Some(*rating);
        }
    }
    Ok(s)
}

// ----- messages to the person -----

/// A step the person is told about.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedbackEvent {
    /// Received, with its code and the date the answer is due.
    Received {
        due: DateTime<Utc>,
    },
    Refused {
        reason: String,
    },
    DetailsRequested {
        request: String,
    },
    Answered {
        answer: String,
    },
    Published,
}

impl FeedbackEvent {
    /// The message's stored event name.
    pub fn name(&self) -> &'static str {
        match self {
            FeedbackEvent::Received { .. } => "feedback_received",
            FeedbackEvent::Refused { .. } => "feedback_refused",
            FeedbackEvent::DetailsRequested { .. } => "feedback_details_requested",
            FeedbackEvent::Answered { .. } => "feedback_answered",
            FeedbackEvent::Published => "feedback_published",
        }
    }
}

/// Where and for whom a feedback message is written.
#[derive(Debug, Clone)]
pub struct FeedbackNoticeContext<'a> {
    pub code: &'a str,
    pub agency_name: &'a str,
    /// The feedback's page, absolute. For someone who sent it without signing in it carries
    /// their key, the only way back to give details or rate.
    pub link: &'a str,
    /// The page without the key, for an SMS too short for the keyed link.
    pub public_link: &'a str,
    pub lang: Lang,
    pub offset: FixedOffset,
}

fn when(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

fn day(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%d/%m/%Y").to_string()
}

/// Writes the person's message for `event`: an email with the full text and one SMS.
pub fn feedback_notice(event: &FeedbackEvent, ctx: &FeedbackNoticeContext<'_>) -> Notice {
    let o = ctx.offset;
    let code = ctx.code;
    let (title, lines, sms_core): (String, Vec<String>, String) = match (ctx.lang, event) {
        (Lang::Vi, FeedbackEvent::Received { due }) => (
            "Đã tiếp nhận phản ánh, kiến nghị".into(),
            vec![
                format!(
                    "{} đã tiếp nhận phản ánh, kiến nghị của Ông/Bà.",
                    ctx.agency_name
                ),
                format!("Mã số: {code}. Hạn trả lời: {}.", when(*due, o)),
            ],
            format!(
                "PAKN {code} da duoc tiep nhan, han tra loi {}.",
                day(*due, o)
            ),
        ),
        (Lang::En, FeedbackEvent::Received { due }) => (
            "Feedback received".into(),
            vec![
                format!("{} has received your feedback.", ctx.agency_name),
                format!("Code: {code}. Answer due by {}.", when(*due, o)),
            ],
            format!("Feedback {code} received; answer due {}.", day(*due, o)),
        ),
        (Lang::Vi, FeedbackEvent::Refused { reason }) => (
            "Phản ánh, kiến nghị không được xử lý".into(),
            vec![
                format!("{} từ chối xử lý phản ánh, kiến nghị.", ctx.agency_name),
                format!("Lý do: {reason}"),
            ],
            format!("PAKN {code} khong duoc xu ly. Xem ly do tai"),
        ),
        (Lang::En, FeedbackEvent::Refused { reason }) => (
            "Feedback not taken up".into(),
            vec![
                format!("{} will not handle this feedback.", ctx.agency_name),
                format!("Reason: {reason}"),
            ],
            format!("Feedback {code} was not taken up. Reason at"),
        ),
        (Lang::Vi, FeedbackEvent::DetailsRequested { request }) => (
            "Đề nghị bổ sung thông tin".into(),
            vec![
                format!("{} đề nghị Ông/Bà bổ sung thông tin:", ctx.agency_name),
                request.clone(),
                "Thời hạn trả lời tạm dừng cho đến khi Ông/Bà bổ sung.".into(),
            ],
            format!("PAKN {code} can bo sung thong tin. Bo sung tai"),
        ),
        (Lang::En, FeedbackEvent::DetailsRequested { request }) => (
            "Details requested".into(),
            vec![
                format!("{} asks you for more details:", ctx.agency_name),
                request.clone(),
                "The time to answer stands still until you reply.".into(),
            ],
            format!("Feedback {code}: more details needed. Reply at"),
        ),
        (Lang::Vi, FeedbackEvent::Answered { answer }) => (
            "Đã có câu trả lời".into(),
            vec![
                format!(
                    "{} trả lời phản ánh, kiến nghị của Ông/Bà:",
                    ctx.agency_name
                ),
                answer.clone(),
                "Ông/Bà có thể đánh giá mức độ hài lòng với câu trả lời trên cổng.".into(),
            ],
            format!("PAKN {code} da duoc tra loi. Xem va danh gia tai"),
        ),
        (Lang::En, FeedbackEvent::Answered { answer }) => (
            "Your feedback was answered".into(),
            vec![
                format!("{} answers your feedback:", ctx.agency_name),
                answer.clone(),
                "You can rate the answer on the portal.".into(),
            ],
            format!("Feedback {code} answered. Read and rate it at"),
        ),
        (Lang::Vi, FeedbackEvent::Published) => (
            "Câu trả lời đã được công khai".into(),
            vec![format!(
                "{} đã công khai câu trả lời; thông tin liên hệ của Ông/Bà không được công khai.",
                ctx.agency_name
            )],
            format!("PAKN {code}: cau tra loi da duoc cong khai tai"),
        ),
        (Lang::En, FeedbackEvent::Published) => (
            "Answer published".into(),
            vec![format!(
                "{} has published its answer; your contact details are not shown.",
                ctx.agency_name
            )],
            format!("Feedback {code}: the answer is now public at"),
        ),
    };
    let mut body = match ctx.lang {
        Lang::Vi => format!("Phản ánh, kiến nghị {code}\n\n"),
        Lang::En => format!("Feedback {code}\n\n"),
    };
    for l in lines {
        body.push_str(&l);
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&match ctx.lang {
        Lang::Vi => format!("Theo dõi: {}\n", ctx.link),
        Lang::En => format!("Follow it: {}\n", ctx.link),
    });
    body.push_str(match ctx.lang {
        Lang::Vi => "\nĐây là thư tự động của Cổng dịch vụ công; vui lòng không trả lời thư này.\n",
        Lang::En => {
            "\nThis is an automatic message from the public service portal; please do not reply.\n"
        }
    });
    Notice {
        title: format!("[{code}] {title}"),
        body,
        sms: sms(&sms_core, ctx),
    }
}

/// The SMS: the core sentence with the keyed link if the whole fits one GSM part, else with the
/// plain link, else the core alone (naming the portal when it ends on "at").
fn sms(core: &str, ctx: &FeedbackNoticeContext<'_>) -> String {
    let core = gsm_safe(core);
    for link in [ctx.link, ctx.public_link] {
        let with_link = format!("{core} {}", gsm_safe(link));
        if gsm7_len(&with_link).is_some_and(|n| n <= SMS_MAX) {
            return with_link;
        }
    }
    let mut short = core;
    if short.ends_with(" tai") || short.ends_with(" at") {
        short.push_str(match ctx.lang {
            Lang::Vi => " Cong DVC.",
            Lang::En => " the portal.",
        });
    }
    fit_gsm(&short, SMS_MAX)
}

fn fit_gsm(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in s.chars() {
        let w = gsm7_width(c).unwrap_or(1);
        if n + w > max {
            break;
        }
        n += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn cal() -> WorkingCalendar {
        WorkingCalendar::vietnam().unwrap()
    }

    /// Local Vietnam time (UTC+7) as UTC.
    fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn staff(role: Role) -> Actor {
        Actor {
            agency_roles: vec![role],
            is_submitter: false,
        }
    }

    fn submitter() -> Actor {
        Actor {
            agency_roles: Vec::new(),
            is_submitter: true,
        }
    }

    #[test]
    fn the_calendar_really_has_the_holidays_these_tests_rely_on() {
        let c = cal();
        // Hùng Kings' day 2026 falls on Sunday 26/4 and is taken on Monday 27/4; 30/4 and 1/5 are
        // Thursday and Friday.
        for (m, d) in [(4, 27), (4, 30), (5, 1)] {
            assert!(
                !c.is_working_day(NaiveDate::from_ymd_opt(2026, m, d).unwrap()),
                "{m}/{d}"
            );
        }
        for (m, d) in [(4, 24), (4, 28), (4, 29), (5, 4)] {
            assert!(
                c.is_working_day(NaiveDate::from_ymd_opt(2026, m, d).unwrap()),
                "{m}/{d}"
            );
        }
    }

    #[test]
    fn limits_from_a_friday_before_the_holidays_skip_them() {
        let c = cal();
        // Friday 24/4/2026 10:00: Monday 27/4 (Hùng Kings, compensatory), 30/4 and 1/5 are off.
        let s = FeedbackState::received(vn(2026, 4, 24, 10, 0), &c);
        // 2 working days: the rest of Friday (5.5 h), Tuesday (8 h), 2.5 h of Wednesday.
        assert_eq!(s.refuse_due(&c), vn(2026, 4, 29, 10, 0));
        // 5: Tue 28, Wed 29, Mon 4, Tue 5, Wed 6 May.
        assert_eq!(s.details_due(&c), vn(2026, 5, 6, 10, 0));
        // 15: ... Wed 20 May.
        assert_eq!(s.due_at, vn(2026, 5, 20, 10, 0));
        // Answered on Tuesday 28/4 at 16:00: publishing is due two working days later, across the
        // 30/4–1/5 break: 1 h on Tuesday, 8 h on Wednesday, 7 h on Monday 4/5.
        let answered = decide(
            &s,
            &staff(Role::Specialist),
            &Command::Answer {
                answer: "Trả lời".into(),
            },
            vn(2026, 4, 28, 16, 0),
            &c,
        )
        .unwrap();
        assert_eq!(answered.publish_due(&c), Some(vn(2026, 5, 4, 16, 0)));
    }

    #[test]
    fn after_hours_feedback_counts_from_the_next_working_morning() {
        let c = cal();
        // Friday 24/4/2026 18:30, after closing: the next working instant is Tuesday 28/4 07:30.
        let s = FeedbackState::received(vn(2026, 4, 24, 18, 30), &c);
        assert_eq!(s.refuse_due(&c), vn(2026, 4, 29, 17, 0));
        assert_eq!(s.details_due(&c), vn(2026, 5, 6, 17, 0));
        // Sent on the Saturday of a long weekend: the same.
        let sat = FeedbackState::received(vn(2026, 4, 25, 9, 0), &c);
        assert_eq!(sat.due_at, s.due_at);
        // During the lunch break: counting starts at 13:00, and 16 working hours from there end
        // with Thursday morning's period (the lunch break is not working time).
        let lunch = FeedbackState::received(vn(2026, 11, 17, 12, 0), &c);
        assert_eq!(lunch.refuse_due(&c), vn(2026, 11, 19, 11, 30));
    }

    #[test]
    fn a_request_for_details_pauses_the_answer_clock() {
        let c = cal();
        // Tuesday 17/11/2026 09:00; answer due 15 working days later (24/11 is Culture Day).
        let s = FeedbackState::received(vn(2026, 11, 17, 9, 0), &c);
        assert_eq!(s.due_at, vn(2026, 12, 9, 9, 0));
        // Asked on Wednesday 18/11 09:00 (1 working day used), answered by the person on Friday
        // 27/11 09:00: 6 working days of waiting (24/11 is off) do not count.
        let asked = decide(
            &s,
            &staff(Role::Officer),
            &Command::RequestDetails {
                request: "Ông/Bà cho biết ngày nộp hồ sơ.".into(),
            },
            vn(2026, 11, 18, 9, 0),
            &c,
        )
        .unwrap();
        assert_eq!(asked.status, Status::DetailsRequested);
        assert_eq!(
            asked.due_at, s.due_at,
            "the date moves when the details come"
        );
        assert!(
            !asked.is_overdue(vn(2027, 1, 1, 9, 0)),
            "waiting on the person"
        );
        let given = decide(
            &asked,
            &submitter(),
            &Command::GiveDetails {
                details: "Ngày 10/11.".into(),
            },
            vn(2026, 11, 27, 9, 0),
            &c,
        )
        .unwrap();
        assert_eq!(given.status, Status::DetailsGiven);
        assert_eq!(given.paused_minutes, 6 * MINUTES_PER_WORKING_DAY);
        // 14 working days were left: 27/11 09:00 + 14 days = 17/12 09:00.
        assert_eq!(given.due_at, vn(2026, 12, 17, 9, 0));
        assert_eq!(
            c.working_minutes_between(given.received_at, given.due_at) - given.paused_minutes,
            ANSWER_DAYS * MINUTES_PER_WORKING_DAY
        );
        // Refusing now counts 2 working days from the details.
        assert_eq!(given.refuse_due(&c), vn(2026, 12, 1, 9, 0));
    }

    #[test]
    fn the_happy_path_and_who_may_take_each_step() {
        let c = cal();
        let t0 = vn(2026, 11, 17, 9, 0);
        let s = FeedbackState::received(t0, &c);
        let answer = Command::Answer {
            answer: "Cơ quan đã chấn chỉnh.".into(),
        };
        // Not a handler of the agency, not the person.
        for who in [
            staff(Role::Admin),
            staff(Role::Monitor),
            staff(Role::Clerk),
            submitter(),
        ] {
            assert!(matches!(
                decide(&s, &who, &answer, t0, &c),
                Err(Rejection::WrongRole(_))
            ));
        }
        let answered = decide(&s, &staff(Role::Specialist), &answer, t0, &c).unwrap();
        assert_eq!(answered.status, Status::Answered);
        assert!(answered.handled_on_time(&c, t0));
        // Publishing needs the leader.
        assert_eq!(
            decide(&answered, &staff(Role::Officer), &Command::Publish, t0, &c),
            Err(Rejection::WrongRole(vec![Role::Leader]))
        );
        let published = decide(&answered, &staff(Role::Leader), &Command::Publish, t0, &c).unwrap();
        assert_eq!(published.status, Status::Published);
        // Only the person rates, once.
        let rate = Command::Rate {
            rating: Rating::Satisfied,
            reason: String::new(),
        };
        assert_eq!(
            decide(&published, &staff(Role::Leader), &rate, t0, &c),
            Err(Rejection::NotSubmitter)
        );
        let rated = decide(&published, &submitter(), &rate, t0, &c).unwrap();
        assert_eq!(rated.rating, Some(Rating::Satisfied));
        assert_eq!(
            decide(&rated, &submitter(), &rate, t0, &c),
            Err(Rejection::AlreadyRated)
        );
        // Nothing but rating after publishing.
        assert_eq!(
            decide(&rated, &staff(Role::Leader), &answer, t0, &c),
            Err(Rejection::WrongStatus(Status::Published))
        );
    }

    #[test]
    fn refusal_requests_and_texts() {
        let c = cal();
        let t0 = vn(2026, 11, 17, 9, 0);
        let s = FeedbackState::received(t0, &c);
        let officer = staff(Role::Officer);
        assert_eq!(
            decide(
                &s,
                &officer,
                &Command::Refuse {
                    reason: "  ".into()
                },
                t0,
                &c
            ),
            Err(Rejection::TextRequired("reason"))
        );
        assert_eq!(
            decide(
                &s,
                &officer,
                &Command::Answer {
                    answer: "x".repeat(TEXT_MAX_CHARS + 1)
                },
                t0,
                &c
            ),
            Err(Rejection::TextTooLong("answer", TEXT_MAX_CHARS))
        );
        // The person cannot rate before an answer, nor give details nobody asked for.
        assert_eq!(
            decide(
                &s,
                &submitter(),
                &Command::GiveDetails {
                    details: "x".into()
                },
                t0,
                &c
            ),
            Err(Rejection::WrongStatus(Status::Received))
        );
        let asked = decide(
            &s,
            &officer,
            &Command::RequestDetails {
                request: "?".into(),
            },
            t0,
            &c,
        )
        .unwrap();
        // No answer while waiting; refusing (details never came) is possible.
        assert_eq!(
            decide(
                &asked,
                &officer,
                &Command::Answer { answer: "a".into() },
                t0,
                &c
            ),
            Err(Rejection::WrongStatus(Status::DetailsRequested))
        );
        let given = decide(
            &asked,
            &submitter(),
            &Command::GiveDetails {
                details: "d".into(),
            },
            t0,
            &c,
        )
        .unwrap();
        assert_eq!(
            decide(
                &given,
                &officer,
                &Command::RequestDetails {
                    request: "again".into()
                },
                t0,
                &c
            ),
            Err(Rejection::DetailsAlreadyRequested)
        );
        let refused = decide(
            &given,
            &officer,
            &Command::Refuse {
                reason: "Không thuộc thẩm quyền.".into(),
            },
            t0,
            &c,
        )
        .unwrap();
        assert_eq!(refused.status, Status::Refused);
        assert!(refused.status.is_closed());
        assert_eq!(
            decide(
                &refused,
                &submitter(),
                &Command::Rate {
                    rating: Rating::Normal,
                    reason: String::new()
                },
                t0,
                &c
            ),
            Err(Rejection::WrongStatus(Status::Refused))
        );
    }

    #[test]
    fn on_time_for_indicator_5_2() {
        let c = cal();
        let s = FeedbackState::received(vn(2026, 4, 24, 10, 0), &c);
        // Refused on Wednesday 29/4 at 10:00 exactly: on time; a minute later: late.
        let refuse = Command::Refuse {
            reason: "Trùng lặp.".into(),
        };
        let officer = staff(Role::Officer);
        let on_time = decide(&s, &officer, &refuse, vn(2026, 4, 29, 10, 0), &c).unwrap();
        assert!(on_time.handled_on_time(&c, vn(2026, 6, 1, 9, 0)));
        let late = decide(&s, &officer, &refuse, vn(2026, 4, 29, 10, 1), &c).unwrap();
        assert!(!late.handled_on_time(&c, vn(2026, 6, 1, 9, 0)));
        // Details asked for on day 6 are late even if the answer comes in time.
        let asked = decide(
            &s,
            &officer,
            &Command::RequestDetails {
                request: "?".into(),
            },
            vn(2026, 5, 7, 9, 0),
            &c,
        )
        .unwrap();
        assert!(!asked.handled_on_time(&c, vn(2026, 5, 7, 9, 0)));
        // An open item is on time until its answer date, then overdue.
        assert!(s.handled_on_time(&c, s.due_at));
        assert!(!s.handled_on_time(&c, s.due_at + chrono::TimeDelta::minutes(1)));
        assert!(s.is_overdue(s.due_at + chrono::TimeDelta::minutes(1)));
        // An answer never published is not late; one published after 2 working days is.
        let answered = decide(
            &s,
            &officer,
            &Command::Answer { answer: "a".into() },
            vn(2026, 4, 28, 16, 0),
            &c,
        )
        .unwrap();
        assert!(answered.handled_on_time(&c, vn(2026, 12, 1, 9, 0)));
        let published_late = decide(
            &answered,
            &staff(Role::Leader),
            &Command::Publish,
            vn(2026, 5, 4, 16, 1),
            &c,
        )
        .unwrap();
        assert!(!published_late.handled_on_time(&c, vn(2026, 12, 1, 9, 0)));
    }

    #[test]
    fn subjects_for_indicator_5_1() {
        assert_eq!(Subject::of(true, true, false), Subject::Conduct);
        assert_eq!(Subject::of(false, true, true), Subject::Dossier);
        assert_eq!(Subject::of(false, false, true), Subject::Procedure);
        assert_eq!(Subject::of(false, false, false), Subject::General);
        assert!(Subject::Conduct.is_conduct() && !Subject::Procedure.is_conduct());
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Kind::parse("complaint"), Some(Kind::Complaint));
        assert_eq!(Kind::parse("Complaint"), None);
        assert_eq!(Rating::parse("dissatisfied"), Some(Rating::Dissatisfied));
    }

    fn ctx<'a>(lang: Lang, link: &'a str, public_link: &'a str) -> FeedbackNoticeContext<'a> {
        FeedbackNoticeContext {
            code: "PAKN-260424-0001",
            agency_name: "Ủy ban nhân dân Phường Ngô Quyền",
            link,
            public_link,
            lang,
            offset: FixedOffset::east_opt(7 * 3600).unwrap(),
        }
    }

    fn events(long: &str) -> Vec<FeedbackEvent> {
        vec![
            FeedbackEvent::Received {
                due: vn(2026, 5, 20, 10, 0),
            },
            FeedbackEvent::Refused {
                reason: long.into(),
            },
            FeedbackEvent::DetailsRequested {
                request: long.into(),
            },
            FeedbackEvent::Answered {
                answer: long.into(),
            },
            FeedbackEvent::Published,
        ]
    }

    #[test]
    fn every_sms_is_gsm_in_one_part_and_names_the_code() {
        let long = "Nội dung rất dài của cán bộ Đức ".repeat(50);
        let keyed =
            "https://dichvucong.example.gov.vn/phan-anh/PAKN-260424-0001?k=AbCdEfGhIjKlMnOpQrStUv";
        let plain = "https://dichvucong.example.gov.vn/phan-anh/PAKN-260424-0001";
        let huge = format!(
            "https://{}.example.vn/phan-anh/PAKN-260424-0001",
            "a".repeat(150)
        );
        for (link, public) in [
            (keyed, plain),
            (plain, plain),
            (huge.as_str(), huge.as_str()),
        ] {
            for lang in [Lang::Vi, Lang::En] {
                for e in events(&long) {
                    let n = feedback_notice(&e, &ctx(lang, link, public));
                    let len = gsm7_len(&n.sms);
                    assert!(
                        len.is_some_and(|l| l <= SMS_MAX),
                        "{lang:?} {e:?}: {} ({len:?})",
                        n.sms
                    );
                    assert!(n.sms.contains("PAKN-260424-0001"), "{}", n.sms);
                    assert!(n.sms.is_ascii(), "{}", n.sms);
                    assert!(n.title.contains("PAKN-260424-0001"));
                    assert!(
                        n.body.contains(link),
                        "the email always carries the full link"
                    );
                }
            }
        }
    }

    #[test]
    fn the_sms_keeps_the_keyed_link_when_it_fits_else_the_plain_one() {
        let keyed = "https://dvc.example.vn/phan-anh/PAKN-260424-0001?k=AbCdEfGhIjKlMnOpQrStUv";
        let plain = "https://dvc.example.vn/phan-anh/PAKN-260424-0001";
        let n = feedback_notice(
            &FeedbackEvent::DetailsRequested {
                request: "?".into(),
            },
            &ctx(Lang::Vi, keyed, plain),
        );
        assert!(n.sms.ends_with(keyed), "{}", n.sms);
        let longer = format!("{keyed}{}", "x".repeat(60));
        let n = feedback_notice(
            &FeedbackEvent::DetailsRequested {
                request: "?".into(),
            },
            &ctx(Lang::En, &longer, plain),
        );
        assert!(n.sms.ends_with(plain), "{}", n.sms);
    }

    #[test]
    fn emails_state_the_facts_in_the_persons_language() {
        let link = "https://dvc.example.vn/phan-anh/PAKN-260424-0001";
        let n = feedback_notice(
            &FeedbackEvent::Received {
                due: vn(2026, 5, 20, 10, 0),
            },
            &ctx(Lang::Vi, link, link),
        );
        assert!(
            n.body.contains("10:00 20/05/2026"),
            "local time: {}",
            n.body
        );
        assert!(n.body.contains("Ủy ban nhân dân Phường Ngô Quyền"));
        assert!(n.sms.contains("20/05/2026"), "{}", n.sms);
        let n = feedback_notice(
            &FeedbackEvent::Answered {
                answer: "Chúng tôi đã chấn chỉnh cán bộ.".into(),
            },
            &ctx(Lang::En, link, link),
        );
        assert!(n.title.contains("answered"), "{}", n.title);
        assert!(n.body.contains("Chúng tôi đã chấn chỉnh cán bộ."));
        assert!(n.body.contains("rate"), "{}", n.body);
    }
}
