//! Feedback and recommendations (phản ánh, kiến nghị — PAKN): anyone sends one, signed in or with
//! a way to reach them; the agency refuses, asks for details, answers and may publish; the person
//! gives details and rates the answer. The rules and time limits are in
//! [`motcua_domain::feedback`]; each step here is one transaction with its audit entry and the
//! messages it sends (written to the outbox, delivered by the worker).
//!
//! Someone who sends feedback without signing in gets a random key in the links of their
//! messages (and in the address the portal sends them on to): it is how they come back to give
//! details or rate. It is stored sealed, so a copy of the database does not hand it out.
//!
//! Who sees what: the public sees a feedback item's code, kind, agency, status and dates, and its
//! content and answer only once the agency publishes them; never the contact details, the
//! officer named, the dossier, details or reasons. The sender and the agency's staff see it all.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use motcua_domain::feedback::{
    self as rules, Actor, Command, FeedbackEvent, FeedbackNoticeContext, FeedbackState, Kind,
    Rating, Rejection, Status, Subject,
};
use motcua_domain::form::{self, FieldError, FieldErrorCode};
use motcua_domain::lifecycle::Role;
use motcua_domain::notice::Lang;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::counters::next_sequence;
use motcua_store::entities::{agency, dossier, feedback};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::identity::Principal;
use crate::messaging::{self, Channel, NewMessage};
use crate::views::AgencyRef;
use crate::{App, AppError, ErrorCode, catalogue, org};

/// The sequence counter's key: feedback codes are numbered per day across the deployment, in the
/// dossier counters' table under a name no agency code can have.
const COUNTER: &str = "PAKN";

/// Longest name or officer description taken.
const NAME_MAX_CHARS: usize = 200;

/// Staff roles that see an item in full (the sender's contact details included): its handlers,
/// and the monitor who oversees the agency. An administrator manages accounts and a clerk keeps
/// records; neither needs the sender's personal data.
const READERS: [Role; 4] = [Role::Officer, Role::Specialist, Role::Leader, Role::Monitor];

/// How many published answers a page of the public list shows.
pub const PUBLISHED_PAGE: u64 = 20;

/// Body of `POST /api/v1/feedback`. Missing `kind` and `content` are reported per field rather
/// than as a malformed body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub procedure: Option<String>,
    #[serde(default)]
    pub dossier: Option<String>,
    /// The officer whose conduct it is about (name, position or desk).
    #[serde(default)]
    pub officer: Option<String>,
    #[serde(default)]
    pub contact: Option<ContactInput>,
    /// The language of our messages (`vi` or `en`).
    #[serde(default)]
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// What the sender is told at once.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub code: String,
    pub status: Status,
    pub due_at: DateTime<Utc>,
    /// The key of someone who sent it without signing in (also in their messages' links).
    pub access_key: Option<String>,
}

/// Who is looking: a signed-in principal, a sender's key, both or neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer<'a> {
    pub principal: Option<&'a Principal>,
    pub key: Option<&'a str>,
}

/// How much of an item a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Public,
    Submitter,
    Staff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One feedback item as the viewer may see it. Fields the viewer may not see are `null`.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackView {
    pub code: String,
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub status_name_vi: String,
    pub status_name_en: String,
    pub agency: AgencyRef,
    pub procedure: Option<String>,
    pub dossier: Option<String>,
    pub officer: Option<String>,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub content: Option<String>,
    pub details_requested_at: Option<DateTime<Utc>>,
    pub details_request: Option<String>,
    pub details_given_at: Option<DateTime<Utc>>,
    pub details: Option<String>,
    pub refused_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub rating: Option<String>,
    pub rating_reason: Option<String>,
    pub contact: Option<ContactView>,
    pub view: Audience,
    /// The agency's limits, for its staff's page.
    #[serde(skip)]
    pub limits: Option<Limits>,
    /// The steps this viewer may take now.
    #[serde(skip)]
    pub can: Vec<&'static str>,
    /// The agency's name in English, for English pages.
    #[serde(skip)]
    pub agency_name_en: String,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub refuse_by: DateTime<Utc>,
    pub details_by: DateTime<Utc>,
    pub answer_by: DateTime<Utc>,
    pub publish_by: Option<DateTime<Utc>>,
    pub on_time: bool,
}

/// A published answer in the public list.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedItem {
    pub code: String,
    pub kind: String,
    pub subject: String,
    pub agency_name_vi: String,
    pub agency_name_en: String,
    pub procedure: Option<String>,
    pub content: String,
    pub answer: String,
    pub received_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

/// One line of an agency's list.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub code: String,
    pub kind: String,
    pub subject: String,
    pub status: Status,
    pub agency: String,
    pub received_at: DateTime<Utc>,
    /// The answer's date, or the publishing limit once answered.
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

/// An agency's feedback: what is open (the agency owes a step, or waits for details), by answer
/// date, and the answers not yet published, oldest first.
#[derive(Debug, Clone, Default)]
pub struct StaffQueue {
    pub open: Vec<QueueItem>,
    pub to_publish: Vec<QueueItem>,
}

fn field(name: &str, code: FieldErrorCode, vi: &str, en: &str) -> FieldError {
    FieldError::new(name, code, vi.to_owned(), en.to_owned())
}

fn blank_to_none(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn owner(id: &str) -> String {
    format!("feedback:{id}")
}

fn not_found() -> AppError {
    AppError::not_found("phản ánh, kiến nghị", "Feedback")
}

fn rejected(r: &Rejection) -> AppError {
    let kind = match r {
        Rejection::WrongRole(_) | Rejection::NotSubmitter => ErrorCode::Forbidden,
        Rejection::WrongStatus(_)
        | Rejection::DetailsAlreadyRequested
        | Rejection::AlreadyRated => ErrorCode::Conflict,
        Rejection::TextRequired(_) | Rejection::TextTooLong(..) => ErrorCode::Unprocessable,
    };
    let mut e = AppError::new(kind, r.code(), r.message_vi(), r.message_en());
    if let Some(f) = r.field() {
        let code = match r {
            Rejection::TextTooLong(..) => FieldErrorCode::TooLong,
            _ => FieldErrorCode::Required,
        };
        e.fields = vec![FieldError::new(f, code, r.message_vi(), r.message_en())];
    }
    e
}

/// The province's top agency, which receives feedback no narrower agency is named for.
async fn root_agency(c: &impl ConnectionTrait) -> Result<agency::Model, AppError> {
    agency::Entity::find()
        .filter(agency::Column::ParentCode.is_null())
        .filter(agency::Column::ValidTo.is_null())
        .order_by_asc(agency::Column::Code)
        .one(c)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unavailable,
                "no_agency",
                "Chưa có cơ quan nào tiếp nhận phản ánh, kiến nghị.",
                "No agency is set up to receive feedback yet.",
            )
        })
}

/// The agency that a procedure leads to for this sender: the one agency offering it, or the one
/// of the signed-in citizen's commune.
async fn agency_of_procedure(
    app: &App,
    procedure: &motcua_domain::catalogue::Procedure,
    principal: Option<&Principal>,
) -> Result<Option<String>, AppError> {
    let offering = org::agencies_for(app, procedure).await?;
    if let [only] = offering.as_slice() {
        return Ok(Some(only.code.clone()));
    }
    if let Some(Principal::Citizen { citizen_id, .. }) = principal
        && let Some(commune) = crate::identity::find_citizen(app, citizen_id.as_str())
            .await?
            .and_then(|c| c.commune_code)
    {
        return Ok(org::agency_for_commune(&app.db, procedure, &commune)
            .await?
            .map(|a| a.code));
    }
    Ok(None)
}

/// Checks a submission and sends it: the code, the answer date, and the key of a sender who is
/// not signed in. Anyone may send; without a signed-in citizen an email or a phone is required,
/// so the answer can reach them.
pub async fn submit(
    app: &App,
    principal: Option<&Principal>,
    input: NewFeedback,
) -> Result<Submitted, AppError> {
    let mut errors = Vec::new();
    let kind = Kind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push(field(
            "kind",
            FieldErrorCode::InvalidChoice,
            "Chọn loại: phản ánh hoặc kiến nghị.",
            "Choose the kind: complaint or recommendation.",
        ));
    }
    let content = input.content.trim().to_owned();
    let length = content.chars().count();
    if length == 0 {
        errors.push(field(
            "content",
            FieldErrorCode::Required,
            "Vui lòng nhập nội dung phản ánh, kiến nghị.",
            "Please write what your feedback is about.",
        ));
    } else if length < rules::CONTENT_MIN_CHARS {
        errors.push(FieldError::new(
            "content",
            FieldErrorCode::OutOfRange,
            format!(
                "Nội dung cần ít nhất {} ký tự để cơ quan hiểu và xử lý.",
                rules::CONTENT_MIN_CHARS
            ),
            format!(
                "Please write at least {} characters so the agency can act on it.",
                rules::CONTENT_MIN_CHARS
            ),
        ));
    } else if length > rules::CONTENT_MAX_CHARS {
        errors.push(FieldError::new(
            "content",
            FieldErrorCode::TooLong,
            format!(
                "Nội dung tối đa {} ký tự (hiện có {length}).",
                rules::CONTENT_MAX_CHARS
            ),
            format!(
                "At most {} characters (you wrote {length}).",
                rules::CONTENT_MAX_CHARS
            ),
        ));
    }
    let contact = input.contact.unwrap_or_default();
    let name = blank_to_none(contact.name.as_deref());
    if name
        .as_ref()
        .is_some_and(|n| n.chars().count() > NAME_MAX_CHARS)
    {
        errors.push(FieldError::new(
            "contact.name",
            FieldErrorCode::TooLong,
            format!("Họ tên tối đa {NAME_MAX_CHARS} ký tự."),
            format!("The name may have at most {NAME_MAX_CHARS} characters."),
        ));
    }
    let email = blank_to_none(contact.email.as_deref());
    if email.as_ref().is_some_and(|e| !form::is_valid_email(e)) {
        errors.push(field(
            "contact.email",
            FieldErrorCode::InvalidEmail,
            "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).",
            "The email address is not valid (e.g. name@example.vn).",
        ));
    }
    let phone = match blank_to_none(contact.phone.as_deref()) {
        None => None,
        Some(p) => match form::normalize_phone(&p) {
            Some(n) => Some(n),
            None => {
                errors.push(field(
                    "contact.phone",
                    FieldErrorCode::InvalidPhone,
                    "Số điện thoại không hợp lệ (ví dụ: 0912 345 678).",
                    "The phone number is not valid (e.g. 0912 345 678).",
                ));
                None
            }
        },
    };
    let citizen = match principal {
        Some(Principal::Citizen { citizen_id, .. }) => Some(citizen_id.clone()),
        _ => None,
    };
    if citizen.is_none()
        && email.is_none()
        && phone.is_none()
        && contact.email.as_deref().is_none_or(|e| e.trim().is_empty())
        && contact.phone.as_deref().is_none_or(|p| p.trim().is_empty())
    {
        errors.push(field(
            "contact",
            FieldErrorCode::Required,
            "Hãy cho biết thư điện tử hoặc số điện thoại để nhận trả lời (hoặc đăng nhập).",
            "Give an email address or a phone number for the answer (or sign in).",
        ));
    }
    let officer = blank_to_none(input.officer.as_deref());
    if officer
        .as_ref()
        .is_some_and(|o| o.chars().count() > NAME_MAX_CHARS)
    {
        errors.push(FieldError::new(
            "officer",
            FieldErrorCode::TooLong,
            format!("Thông tin cán bộ tối đa {NAME_MAX_CHARS} ký tự."),
            format!("The officer's description may have at most {NAME_MAX_CHARS} characters."),
        ));
    }
    let lang = match blank_to_none(input.lang.as_deref()).as_deref() {
        None => None,
        Some("vi") => Some(Lang::Vi),
        Some("en") => Some(Lang::En),
        Some(_) => {
            errors.push(field(
                "lang",
                FieldErrorCode::InvalidChoice,
                "Ngôn ngữ là vi hoặc en.",
                "The language is vi or en.",
            ));
            None
        }
    };

    // What the feedback is about must exist; the agency follows from it.
    let mut agency_code = None;
    if let Some(code) = blank_to_none(input.agency.as_deref()) {
        match org::find_agency(app, &code).await? {
            Some(a) if a.valid_to.is_none() => agency_code = Some(a.code),
            _ => errors.push(field(
                "agency",
                FieldErrorCode::InvalidChoice,
                "Không có cơ quan với mã này.",
                "There is no agency with this code.",
            )),
        }
    }
    let dossier_code = blank_to_none(input.dossier.as_deref());
    if let Some(code) = &dossier_code {
        // Only official codes: a draft is its applicant's alone.
        let found = dossier::Entity::find()
            .filter(dossier::Column::Code.eq(code.clone()))
            .filter(dossier::Column::Status.ne(0))
            .one(&app.db)
            .await?;
        match found {
            Some(d) => {
                agency_code.get_or_insert(d.competent_agency);
            }
            None => errors.push(field(
                "dossier",
                FieldErrorCode::InvalidChoice,
                "Không tìm thấy hồ sơ với mã này (mã in trên giấy tiếp nhận).",
                "No dossier has this code (it is printed on the receipt).",
            )),
        }
    }
    let procedure_code = blank_to_none(input.procedure.as_deref());
    if let Some(code) = &procedure_code {
        match catalogue::current(app, code).await? {
            Some(p) => {
                if agency_code.is_none() {
                    agency_code = agency_of_procedure(app, &p, principal).await?;
                }
            }
            None => errors.push(field(
                "procedure",
                FieldErrorCode::InvalidChoice,
                "Không có thủ tục với mã này.",
                "There is no procedure with this code.",
            )),
        }
    }
    let Some(kind) = kind else {
        return Err(AppError::invalid_form(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::invalid_form(errors));
    }

    // A signed-in citizen is reached where they asked to be, unless they gave other details here.
    let (mut name, mut email, mut phone, mut lang) = (name, email, phone, lang);
    if let (Some(id), Some(p)) = (&citizen, principal) {
        let settings = messaging::settings_of(&app.db, &p.key()).await?;
        let stored = crate::identity::find_citizen(app, id.as_str()).await?;
        if name.is_none()
            && let Principal::Citizen { full_name, .. } = p
        {
            name = Some(full_name.clone());
        }
        if email.is_none() {
            email = settings
                .as_ref()
                .filter(|s| s.email_on)
                .and_then(|s| s.email.clone());
        }
        if phone.is_none() && settings.as_ref().is_none_or(|s| s.sms_on) {
            phone = settings
                .as_ref()
                .and_then(|s| s.phone.clone())
                .or_else(|| stored.and_then(|c| c.phone))
                .and_then(|p| form::normalize_phone(&p));
        }
        if lang.is_none() {
            lang = settings.map(|s| Lang::parse(&s.lang));
        }
    }
    let lang = lang.unwrap_or(Lang::Vi);
    let subject = Subject::of(
        officer.is_some(),
        dossier_code.is_some(),
        procedure_code.is_some(),
    );

    let now = app.now();
    let state = FeedbackState::received(now, &app.calendar);
    let id = uuid::Uuid::now_v7().to_string();
    let access_key = if citizen.is_none() {
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
    } else {
        None
    };
    let sealed_key = match &access_key {
        Some(k) => Some(
            app.sealing
                .seal(&owner(&id), k.as_bytes())
                .map_err(AppError::internal)?,
        ),
        None => None,
    };

    let txn = app.db.begin().await?;
    let agency = match agency_code {
        Some(code) => code,
        None => root_agency(&txn).await?.code,
    };
    let day = now.with_timezone(&app.calendar.offset()).date_naive();
    let yymmdd = day.format("%y%m%d").to_string();
    let seq = next_sequence(&txn, COUNTER, &yymmdd).await?;
    let code = format!("{COUNTER}-{yymmdd}-{seq:04}");
    let row = feedback::ActiveModel {
        id: Set(id.clone()),
        code: Set(code.clone()),
        kind: Set(kind.as_str().into()),
        subject_type: Set(subject.as_str().into()),
        agency_code: Set(agency.clone()),
        procedure_code: Set(procedure_code.clone()),
        dossier_code: Set(dossier_code.clone()),
        officer: Set(officer),
        content: Set(content),
        contact_name: Set(name),
        contact_email: Set(email.clone()),
        contact_phone: Set(phone.clone()),
        lang: Set(lang.as_str().into()),
        citizen_id: Set(citizen.as_ref().map(|c| c.as_str().to_owned())),
        access_key: Set(sealed_key),
        status: Set(state.status.as_str().into()),
        received_at: Set(state.received_at),
        due_at: Set(state.due_at),
        details_requested_at: Set(None),
        details_request: Set(None),
        details_given_at: Set(None),
        details: Set(None),
        paused_minutes: Set(0),
        refused_at: Set(None),
        refusal_reason: Set(None),
        answered_at: Set(None),
        answer: Set(None),
        answered_by: Set(None),
        published: Set(false),
        published_at: Set(None),
        rating: Set(None),
        rating_reason: Set(None),
        rated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        row_version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.map_or_else(|| "anonymous".to_owned(), Principal::audit_name),
            action: "feedback.submit".into(),
            subject: owner(&id),
            data: serde_json::json!({
                "code": code, "kind": kind.as_str(), "subject": subject.as_str(),
                "agency": agency, "procedure": procedure_code, "dossier": dossier_code,
                "email": email.as_deref().map(messaging::mask),
                "phone": phone.as_deref().map(messaging::mask),
                "received_at": state.received_at, "due_at": state.due_at,
            }),
        },
    )
    .await?;
    tell(
        &txn,
        app,
        &row,
        &FeedbackEvent::Received { due: state.due_at },
        "submit",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Submitted {
        code,
        status: state.status,
        due_at: state.due_at,
        access_key,
    })
}

/// Queues the person's email and SMS about a step, in the step's transaction.
async fn tell(
    txn: &DatabaseTransaction,
    app: &App,
    row: &feedback::Model,
    event: &FeedbackEvent,
    step: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if row.contact_email.is_none() && row.contact_phone.is_none() {
        return Ok(());
    }
    let lang = Lang::parse(&row.lang);
    let base = app.public_url.trim_end_matches('/');
    let public_link = format!("{base}/phan-anh/{}", row.code);
    let link = match key_of(app, row) {
        Some(k) => format!("{public_link}?k={k}"),
        None => public_link.clone(),
    };
    let agency_name = agency::Entity::find_by_id(row.agency_code.clone())
        .one(txn)
        .await?
        .map(|a| match lang {
            Lang::Vi => a.name_vi,
            Lang::En => a.name_en,
        })
        .unwrap_or_else(|| row.agency_code.clone());
    let n = rules::feedback_notice(
        event,
        &FeedbackNoticeContext {
            code: &row.code,
            agency_name: &agency_name,
            link: &link,
            public_link: &public_link,
            lang,
            offset: app.calendar.offset(),
        },
    );
    // One cause per step: a step happens once per item, so a retried transaction writes the
    // same messages once.
    let cause = format!("feedback:{}:{step}", row.id);
    let subject = owner(&row.id);
    if let Some(email) = &row.contact_email {
        messaging::queue(
            txn,
            &messaging::message_id(&cause, Channel::Email),
            NewMessage {
                subject: subject.clone(),
                event: event.name().into(),
                channel: Channel::Email,
                recipient: email.clone(),
                lang: lang.as_str().into(),
                title: Some(n.title.clone()),
                body: n.body.clone(),
            },
            now,
        )
        .await?;
    }
    // Landlines (02…) cannot receive SMS.
    if let Some(phone) = row.contact_phone.as_ref().filter(|p| !p.starts_with("02")) {
        messaging::queue(
            txn,
            &messaging::message_id(&cause, Channel::Sms),
            NewMessage {
                subject,
                event: event.name().into(),
                channel: Channel::Sms,
                recipient: phone.clone(),
                lang: lang.as_str().into(),
                title: None,
                body: n.sms,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

fn key_of(app: &App, row: &feedback::Model) -> Option<String> {
    let sealed = row.access_key.as_deref()?;
    String::from_utf8(app.sealing.open(&owner(&row.id), sealed)?).ok()
}

/// Whether `given` is the row's key; compared as hashes so the time taken says nothing about it.
fn key_matches(app: &App, row: &feedback::Model, given: &str) -> bool {
    key_of(app, row)
        .is_some_and(|k| Sha256::digest(k.as_bytes()) == Sha256::digest(given.as_bytes()))
}

/// The state the rules decide on, from the row.
pub(crate) fn state_of(row: &feedback::Model) -> Result<FeedbackState, AppError> {
    handling_state(&feedback::Handling::from(row))
}

/// The state the rules decide on, from the columns they need.
pub(crate) fn handling_state(row: &feedback::Handling) -> Result<FeedbackState, AppError> {
    let status = Status::parse(&row.status).ok_or_else(|| {
        AppError::internal(motcua_store::StoreError::Corrupt(format!(
            "feedback {} has status {:?}",
            row.code, row.status
        )))
    })?;
    Ok(FeedbackState {
        status,
        received_at: row.received_at,
        due_at: row.due_at,
        details_requested_at: row.details_requested_at,
        details_given_at: row.details_given_at,
        paused_minutes: row.paused_minutes,
        refused_at: row.refused_at,
        answered_at: row.answered_at,
        published_at: row.published_at,
        rating: row.rating.as_deref().and_then(Rating::parse),
    })
}

/// The viewer's place: their roles at the item's agency, whether they sent it, what they see.
fn relation(app: &App, row: &feedback::Model, viewer: &Viewer<'_>) -> (Audience, Actor) {
    let mut actor = Actor::default();
    match viewer.principal {
        Some(Principal::Staff { roles, .. }) => {
            actor.agency_roles = roles
                .iter()
                .filter(|r| r.agency == row.agency_code && READERS.contains(&r.role))
                .map(|r| r.role)
                .collect();
        }
        Some(Principal::Citizen { citizen_id, .. }) => {
            actor.is_submitter = row.citizen_id.as_deref() == Some(citizen_id.as_str());
        }
        None => {}
    }
    if !actor.is_submitter && viewer.key.is_some_and(|k| key_matches(app, row, k)) {
        actor.is_submitter = true;
    }
    let audience = if !actor.agency_roles.is_empty() {
        Audience::Staff
    } else if actor.is_submitter {
        Audience::Submitter
    } else {
        Audience::Public
    };
    (audience, actor)
}

async fn load(c: &impl ConnectionTrait, code: &str) -> Result<feedback::Model, AppError> {
    feedback::Entity::find()
        .filter(feedback::Column::Code.eq(code.trim()))
        .one(c)
        .await?
        .ok_or_else(not_found)
}

/// The steps the rules would accept from this actor now (texts aside).
fn possible(
    state: &FeedbackState,
    actor: &Actor,
    now: DateTime<Utc>,
    app: &App,
) -> Vec<&'static str> {
    // In the order a page offers them: answering first, refusing last.
    let probes = [
        Command::Answer { answer: "x".into() },
        Command::RequestDetails {
            request: "x".into(),
        },
        Command::Refuse { reason: "x".into() },
        Command::Publish,
        Command::GiveDetails {
            details: "x".into(),
        },
        Command::Rate {
            rating: Rating::Normal,
            reason: String::new(),
        },
    ];
    probes
        .iter()
        .filter(|c| rules::decide(state, actor, c, now, &app.calendar).is_ok())
        .map(Command::name)
        .collect()
}

async fn view_of(
    c: &impl ConnectionTrait,
    app: &App,
    row: &feedback::Model,
    audience: Audience,
    actor: &Actor,
) -> Result<FeedbackView, AppError> {
    let state = state_of(row)?;
    let now = app.now();
    let (agency_name, agency_name_en) = agency::Entity::find_by_id(row.agency_code.clone())
        .one(c)
        .await?
        .map(|a| (a.name_vi, a.name_en))
        .unwrap_or_else(|| (row.agency_code.clone(), row.agency_code.clone()));
    let full = audience != Audience::Public;
    let public_text = full || row.published;
    let only = |v: &Option<String>| if full { v.clone() } else { None };
    Ok(FeedbackView {
        code: row.code.clone(),
        kind: row.kind.clone(),
        subject: row.subject_type.clone(),
        status: state.status.as_str().into(),
        status_name_vi: state.status.name_vi().into(),
        status_name_en: state.status.name_en().into(),
        agency: AgencyRef {
            code: row.agency_code.clone(),
            name: agency_name,
        },
        procedure: row.procedure_code.clone(),
        dossier: only(&row.dossier_code),
        officer: only(&row.officer),
        received_at: row.received_at,
        due_at: row.due_at,
        overdue: state.is_overdue(now),
        content: public_text.then(|| row.content.clone()),
        details_requested_at: row.details_requested_at,
        details_request: only(&row.details_request),
        details_given_at: row.details_given_at,
        details: only(&row.details),
        refused_at: row.refused_at,
        refusal_reason: only(&row.refusal_reason),
        answered_at: row.answered_at,
        answer: if public_text {
            row.answer.clone()
        } else {
            None
        },
        published: row.published,
        published_at: row.published_at,
        rating: only(&row.rating),
        rating_reason: only(&row.rating_reason),
        contact: full.then(|| ContactView {
            name: row.contact_name.clone(),
            email: row.contact_email.clone(),
            phone: row.contact_phone.clone(),
        }),
        view: audience,
        limits: (audience == Audience::Staff).then(|| Limits {
            refuse_by: state.refuse_due(&app.calendar),
            details_by: state.details_due(&app.calendar),
            answer_by: state.due_at,
            publish_by: state.publish_due(&app.calendar),
            on_time: state.handled_on_time(&app.calendar, now),
        }),
        can: if audience == Audience::Public {
            Vec::new()
        } else {
            possible(&state, actor, now, app)
        },
        agency_name_en,
    })
}

/// One item as this viewer may see it (unknown codes are not found).
pub async fn get(app: &App, viewer: &Viewer<'_>, code: &str) -> Result<FeedbackView, AppError> {
    let row = load(&app.db, code).await?;
    let (audience, actor) = relation(app, &row, viewer);
    view_of(&app.db, app, &row, audience, &actor).await
}

/// Takes a step (staff: refuse, request details, answer, publish; the sender: give details, rate)
/// in one transaction with its audit entry and the person's messages.
pub async fn act(
    app: &App,
    viewer: &Viewer<'_>,
    code: &str,
    command: Command,
) -> Result<FeedbackView, AppError> {
    let now = app.now();
    let txn = app.db.begin().await?;
    let row = load(&txn, code).await?;
    let (audience, actor) = relation(app, &row, viewer);
    let state = state_of(&row)?;
    let next =
        rules::decide(&state, &actor, &command, now, &app.calendar).map_err(|r| rejected(&r))?;
    let text = |t: &str| t.trim().to_owned();
    let by = viewer
        .principal
        .map_or_else(|| "anonymous:sender".to_owned(), Principal::audit_name);
    let mut am: feedback::ActiveModel = row.clone().into();
    am.status = Set(next.status.as_str().into());
    am.due_at = Set(next.due_at);
    am.paused_minutes = Set(next.paused_minutes);
    let event = match &command {
        Command::Refuse { reason } => {
            am.refused_at = Set(next.refused_at);
            am.refusal_reason = Set(Some(text(reason)));
            Some(FeedbackEvent::Refused {
                reason: text(reason),
            })
        }
        Command::RequestDetails { request } => {
            am.details_requested_at = Set(next.details_requested_at);
            am.details_request = Set(Some(text(request)));
            Some(FeedbackEvent::DetailsRequested {
                request: text(request),
            })
        }
        Command::GiveDetails { details } => {
            am.details_given_at = Set(next.details_given_at);
            am.details = Set(Some(text(details)));
            None
        }
        Command::Answer { answer } => {
            am.answered_at = Set(next.answered_at);
            am.answer = Set(Some(text(answer)));
            am.answered_by = Set(Some(by.clone()));
            Some(FeedbackEvent::Answered {
                answer: text(answer),
            })
        }
        Command::Publish => {
            am.published = Set(true);
            am.published_at = Set(next.published_at);
            Some(FeedbackEvent::Published)
        }
        Command::Rate { rating, reason } => {
            am.rating = Set(Some(rating.as_str().into()));
            am.rating_reason = Set(Some(text(reason)).filter(|r| !r.is_empty()));
            am.rated_at = Set(Some(now));
            None
        }
    };
    am.updated_at = Set(now);
    am.row_version = Set(row.row_version + 1);
    let res = feedback::Entity::update_many()
        .set(am)
        .filter(feedback::Column::Id.eq(row.id.clone()))
        .filter(feedback::Column::RowVersion.eq(row.row_version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "concurrent_update",
            "Phản ánh, kiến nghị vừa được người khác cập nhật, vui lòng tải lại.",
            "The feedback was changed meanwhile; reload and try again.",
        ));
    }
    let updated = load(&txn, &row.code).await?;
    let step = command.name();
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: by,
            action: format!("feedback.{step}"),
            subject: owner(&row.id),
            data: serde_json::json!({
                "code": row.code,
                "from": state.status.as_str(),
                "to": next.status.as_str(),
                "agency": row.agency_code,
                "due_at": next.due_at,
                "paused_minutes": next.paused_minutes,
                "rating": next.rating.map(Rating::as_str),
                "on_time": next.handled_on_time(&app.calendar, now),
            }),
        },
    )
    .await?;
    if let Some(event) = event {
        tell(&txn, app, &updated, &event, step, now).await?;
    }
    let view = view_of(&txn, app, &updated, audience, &actor).await?;
    txn.commit().await?;
    Ok(view)
}

/// Published answers, newest first, a page at a time (0 is the first); the flag says whether
/// there are more.
pub async fn published(app: &App, page: u64) -> Result<(Vec<PublishedItem>, bool), AppError> {
    let rows = feedback::Entity::find()
        .filter(feedback::Column::Published.eq(true))
        .order_by_desc(feedback::Column::PublishedAt)
        .order_by_desc(feedback::Column::Code)
        .offset(page.saturating_mul(PUBLISHED_PAGE))
        .limit(PUBLISHED_PAGE + 1)
        .all(&app.db)
        .await?;
    let more = rows.len() as u64 > PUBLISHED_PAGE;
    let mut names = std::collections::HashMap::new();
    let mut items = Vec::new();
    for r in rows.into_iter().take(PUBLISHED_PAGE as usize) {
        if !names.contains_key(&r.agency_code) {
            let n = agency::Entity::find_by_id(r.agency_code.clone())
                .one(&app.db)
                .await?
                .map(|a| (a.name_vi, a.name_en))
                .unwrap_or_else(|| (r.agency_code.clone(), r.agency_code.clone()));
            names.insert(r.agency_code.clone(), n);
        }
        let (vi, en) = names.get(&r.agency_code).cloned().unwrap_or_default();
        items.push(PublishedItem {
            code: r.code,
            kind: r.kind,
            subject: r.subject_type,
            agency_name_vi: vi,
            agency_name_en: en,
            procedure: r.procedure_code,
            content: r.content,
            answer: r.answer.unwrap_or_default(),
            received_at: r.received_at,
            answered_at: r.answered_at,
            published_at: r.published_at,
        });
    }
    Ok((items, more))
}

/// How many answers are published (for the list's page count).
pub async fn published_count(app: &App) -> Result<u64, AppError> {
    Ok(feedback::Entity::find()
        .filter(feedback::Column::Published.eq(true))
        .count(&app.db)
        .await?)
}

/// The feedback of the agencies where the staff member reads feedback ([`READERS`]): open items
/// by answer date (overdue first, as they come first), then answers waiting to be published.
pub async fn staff_queue(app: &App, principal: &Principal) -> Result<StaffQueue, AppError> {
    let Principal::Staff { roles, .. } = principal else {
        return Err(AppError::forbidden(
            "staff_only",
            "Chỉ cán bộ xem được danh sách này.",
            "Only staff can see this list.",
        ));
    };
    let mut agencies: Vec<String> = roles
        .iter()
        .filter(|r| READERS.contains(&r.role))
        .map(|r| r.agency.clone())
        .collect();
    agencies.sort();
    agencies.dedup();
    if agencies.is_empty() {
        return Ok(StaffQueue::default());
    }
    let rows = feedback::Entity::find()
        .filter(feedback::Column::AgencyCode.is_in(agencies))
        .filter(feedback::Column::Status.is_in([
            Status::Received.as_str(),
            Status::DetailsRequested.as_str(),
            Status::DetailsGiven.as_str(),
            Status::Answered.as_str(),
        ]))
        .order_by_asc(feedback::Column::DueAt)
        .order_by_asc(feedback::Column::Code)
        .limit(1000)
        .all(&app.db)
        .await?;
    let now = app.now();
    let mut q = StaffQueue::default();
    for r in rows {
        let state = state_of(&r)?;
        let answered = state.status == Status::Answered;
        let item = QueueItem {
            code: r.code,
            kind: r.kind,
            subject: r.subject_type,
            status: state.status,
            agency: r.agency_code,
            received_at: r.received_at,
            due_at: if answered {
                state.publish_due(&app.calendar)
            } else if state.status == Status::DetailsRequested {
                None
            } else {
                Some(state.due_at)
            },
            overdue: state.is_overdue(now),
        };
        if answered {
            q.to_publish.push(item);
        } else {
            q.open.push(item);
        }
    }
    q.to_publish.sort_by_key(|i| i.due_at);
    Ok(q)
}

/// Agencies a sender may address, province level first, then by name.
pub async fn agencies(app: &App) -> Result<Vec<agency::Model>, AppError> {
    let mut all = agency::Entity::find()
        .filter(agency::Column::ValidTo.is_null())
        .all(&app.db)
        .await?;
    all.sort_by(|a, b| {
        (a.level != "province", &a.name_vi).cmp(&(b.level != "province", &b.name_vi))
    });
    Ok(all)
}
