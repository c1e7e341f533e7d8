//! Feedback and recommendations (phản ánh, kiến nghị): the API (`POST /api/v1/feedback`,
//! `GET /api/v1/feedback/{code}`), the public page `/phan-anh` (published answers and the form to
//! send feedback, signed in or not), the page to follow one item (`/phan-anh/{code}`, where its
//! sender gives details and rates the answer), and the agency's list and item pages under
//! `/staff/feedback`. Plain forms; nothing needs JavaScript.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::feedback::{
    self, Audience, ContactInput, FeedbackView, NewFeedback, StaffQueue, Viewer,
};
use motcua_app::identity::Principal;
use motcua_app::{AppError, ErrorCode};
use motcua_domain::feedback::{Command, Rating, Status};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{
    Chrome, DATE_TIME, PeerIp, UiLang, chrome, local_time, message, not_found_page, render,
};
use crate::portal::app_error;
use crate::problem::{Problem, bad_request};

use crate::api::ApiResult;

// ----- API -----

fn parse_body(body: &Bytes) -> Result<NewFeedback, Problem> {
    let raw: Value = serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "malformed_json",
            &format!("Nội dung gửi lên không phải JSON hợp lệ: {e}"),
            &format!("The body is not valid JSON: {e}"),
        )
    })?;
    serde_json::from_value(raw).map_err(|e| {
        Problem(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_body",
            format!("Nội dung gửi lên không đúng cấu trúc: {e}"),
            format!("The body does not have the expected shape: {e}"),
        ))
    })
}

/// `POST /api/v1/feedback`: anyone, signed in or not; limited per client address like tracking,
/// since each one writes a row and sends messages.
pub async fn api_submit(
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    MaybeAuth(who): MaybeAuth,
    body: Bytes,
) -> ApiResult {
    if let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        return Ok(crate::ratelimit::too_many_problem(wait));
    }
    let input = parse_body(&body)?;
    let done = feedback::submit(&s.app, who.as_ref(), input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": done.code,
            "status": done.status.as_str(),
            "due_at": done.due_at,
        })),
    )
        .into_response())
}

/// `GET /api/v1/feedback/{code}`: the public view, or more for its sender and the agency's staff.
/// Limited per client address, so sequential codes cannot be walked in bulk.
pub async fn api_get(
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    MaybeAuth(who): MaybeAuth,
    Path(code): Path<String>,
) -> ApiResult {
    if let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        return Ok(crate::ratelimit::too_many_problem(wait));
    }
    let viewer = Viewer {
        principal: who.as_ref(),
        key: None,
    };
    Ok(Json(feedback::get(&s.app, &viewer, &code).await?).into_response())
}

// ----- shared page pieces -----

fn is_staff(who: &Option<Principal>) -> bool {
    matches!(who, Some(Principal::Staff { .. }))
}

/// Paragraphs of a text as typed (blank lines dropped), so line breaks survive escaping.
fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kind_name(lang: Lang, kind: &str) -> String {
    t(lang, &format!("feedback.kind.{kind}")).to_owned()
}

fn subject_name(lang: Lang, subject: &str) -> String {
    t(lang, &format!("feedback.subject.{subject}")).to_owned()
}

fn status_name(lang: Lang, status: &str) -> String {
    t(lang, &format!("feedback.status.{status}")).to_owned()
}

/// Field errors in the user's language, keyed by field.
fn field_errors(lang: Lang, e: &AppError) -> Vec<(String, String)> {
    e.fields
        .iter()
        .map(|f| {
            (
                f.field.clone(),
                if lang == Lang::En {
                    f.message_en.clone()
                } else {
                    f.message_vi.clone()
                },
            )
        })
        .collect()
}

fn error_for<'a>(errors: &'a [(String, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

// ----- the public page and the form -----

struct PublishedRow {
    code: String,
    kind: String,
    agency: String,
    published: String,
    content: Vec<String>,
    answer: Vec<String>,
}

/// What the person typed, shown again after a refusal.
#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

struct AgencyOption {
    code: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct ListPage {
    c: Chrome,
    items: Vec<PublishedRow>,
    page: u64,
    more: bool,
    f: SendForm,
    agencies: Vec<AgencyOption>,
    signed_in_citizen: bool,
    error: Option<String>,
    /// (field, message) of refused values, in the form's order.
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// The error summary's link target for a field.
    fn anchor(field: &str) -> String {
        match field {
            "kind" => "kind-complaint".into(),
            "contact" | "contact.email" => "email".into(),
            "contact.phone" => "phone".into(),
            "contact.name" => "name".into(),
            other => other.into(),
        }
    }

    fn field_label(&self, field: &str) -> String {
        let key = match field {
            "kind" => "feedback.kind_label",
            "content" => "feedback.content",
            "agency" => "feedback.agency",
            "procedure" => "feedback.procedure",
            "dossier" => "feedback.dossier",
            "officer" => "feedback.officer",
            "contact.name" => "feedback.name",
            "contact.email" => "feedback.email",
            "contact.phone" => "feedback.phone",
            _ => "feedback.contact",
        };
        t(self.c.lang, key).to_owned()
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

async fn list_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    page: u64,
    f: SendForm,
    status: StatusCode,
    error: Option<&AppError>,
) -> Response {
    let lang = ui.lang;
    let (items, more) = match feedback::published(&s.app, page).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    let agencies = match feedback::agencies(&s.app).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    let items = items
        .into_iter()
        .map(|i| PublishedRow {
            kind: kind_name(lang, &i.kind),
            agency: if lang == Lang::En {
                i.agency_name_en
            } else {
                i.agency_name_vi
            },
            published: local_time(s, i.published_at, DATE_TIME),
            content: paragraphs(&i.content),
            answer: paragraphs(&i.answer),
            code: i.code,
        })
        .collect();
    let agencies = agencies
        .into_iter()
        .map(|a| AgencyOption {
            selected: a.code == f.agency,
            name: if lang == Lang::En {
                a.name_en
            } else {
                a.name_vi
            },
            code: a.code,
        })
        .collect();
    let page_view = ListPage {
        c: chrome(ui, who, "feedback.title"),
        items,
        page,
        more,
        f,
        agencies,
        signed_in_citizen: matches!(who, Some(Principal::Citizen { .. })),
        error: error.map(|e| message(lang, e)),
        errors: error.map(|e| field_errors(lang, e)).unwrap_or_default(),
    };
    render(ui, status, &page_view)
}

/// `GET /phan-anh`: published answers, newest first, 20 a page; and the form to send feedback.
pub async fn page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Response {
    // Page numbers as people see them start at 1; anything unreadable is the first page.
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .map_or(0, |p| p - 1);
    list_page(
        &s,
        &ui,
        &who,
        page,
        SendForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

/// `POST /phan-anh`: sends the form; on success, on to the item's page (with the sender's key
/// when they are not signed in, so that address is theirs to keep).
pub async fn send(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    Form(f): Form<SendForm>,
) -> Response {
    if !is_staff(&who)
        && let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let input = NewFeedback {
        kind: f.kind.clone(),
        content: f.content.clone(),
        agency: some(&f.agency),
        procedure: some(&f.procedure),
        dossier: some(&f.dossier),
        officer: some(&f.officer),
        contact: Some(ContactInput {
            name: some(&f.name),
            email: some(&f.email),
            phone: some(&f.phone),
        }),
        lang: Some(ui.lang.code().to_owned()),
    };
    match feedback::submit(&s.app, who.as_ref(), input).await {
        Ok(done) => {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("sent", "1");
            if let Some(k) = &done.access_key {
                q.append_pair("k", k);
            }
            Redirect::to(&format!("/phan-anh/{}?{}", done.code, q.finish())).into_response()
        }
        Err(e) if e.kind == ErrorCode::Unprocessable => {
            list_page(
                &s,
                &ui,
                &who,
                0,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&e),
            )
            .await
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

// ----- following one item -----

#[derive(Template)]
#[template(path = "feedback_item.html")]
struct ItemPage {
    c: Chrome,
    v: ItemView,
    /// The sender's key, carried by the forms.
    key: String,
    sent: bool,
    done: bool,
    error: Option<String>,
    errors: Vec<(String, String)>,
}

impl ItemPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// An item as a page shows it, in the user's language.
struct ItemView {
    code: String,
    kind: String,
    subject: String,
    status: String,
    agency: String,
    procedure: String,
    dossier: String,
    officer: String,
    received: String,
    due: String,
    open: bool,
    overdue: bool,
    content: Vec<String>,
    details_request: Vec<String>,
    details_requested: String,
    details: Vec<String>,
    details_given: String,
    refusal: Vec<String>,
    refused: String,
    answer: Vec<String>,
    answered: String,
    published: String,
    rating: String,
    rating_reason: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    is_public: bool,
    can_give_details: bool,
    can_rate: bool,
    can: Vec<&'static str>,
    refuse_by: String,
    details_by: String,
    publish_by: String,
    on_time: bool,
}

fn item_view(s: &AppState, lang: Lang, v: FeedbackView) -> ItemView {
    let status = Status::parse(&v.status);
    // Absent times are empty, so a template shows a line only when there is one.
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| local_time(s, Some(t), DATE_TIME))
            .unwrap_or_default()
    };
    let text = |t: &Option<String>| t.as_deref().map(paragraphs).unwrap_or_default();
    let plain = |t: &Option<String>| t.clone().unwrap_or_default();
    let limits = v.limits.as_ref();
    ItemView {
        kind: kind_name(lang, &v.kind),
        subject: subject_name(lang, &v.subject),
        status: status_name(lang, &v.status),
        agency: if lang == Lang::En {
            v.agency_name_en.clone()
        } else {
            v.agency.name.clone()
        },
        procedure: plain(&v.procedure),
        dossier: plain(&v.dossier),
        officer: plain(&v.officer),
        received: time(Some(v.received_at)),
        due: time(Some(v.due_at)),
        open: status.is_some_and(|s| !s.is_closed()),
        overdue: v.overdue,
        content: text(&v.content),
        details_request: text(&v.details_request),
        details_requested: time(v.details_requested_at),
        details: text(&v.details),
        details_given: time(v.details_given_at),
        refusal: text(&v.refusal_reason),
        refused: time(v.refused_at),
        answer: text(&v.answer),
        answered: time(v.answered_at),
        published: time(v.published_at),
        rating: v
            .rating
            .as_deref()
            .map(|r| t(lang, &format!("rate.{r}")).to_owned())
            .unwrap_or_default(),
        rating_reason: plain(&v.rating_reason),
        contact_name: v
            .contact
            .as_ref()
            .and_then(|c| c.name.clone())
            .unwrap_or_default(),
        contact_email: v
            .contact
            .as_ref()
            .and_then(|c| c.email.clone())
            .unwrap_or_default(),
        contact_phone: v
            .contact
            .as_ref()
            .and_then(|c| c.phone.clone())
            .unwrap_or_default(),
        is_public: v.view == Audience::Public,
        can_give_details: v.can.contains(&"give_details"),
        can_rate: v.can.contains(&"rate"),
        refuse_by: limits.map(|l| time(Some(l.refuse_by))).unwrap_or_default(),
        details_by: limits.map(|l| time(Some(l.details_by))).unwrap_or_default(),
        publish_by: limits.map(|l| time(l.publish_by)).unwrap_or_default(),
        on_time: limits.is_some_and(|l| l.on_time),
        can: v.can,
        code: v.code,
    }
}

#[derive(Deserialize)]
pub struct ItemQuery {
    #[serde(default)]
    k: Option<String>,
    #[serde(default)]
    sent: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn item_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    code: &str,
    key: Option<&str>,
    status: StatusCode,
    flags: (bool, bool),
    error: Option<&AppError>,
) -> Response {
    let viewer = Viewer {
        principal: who.as_ref(),
        key,
    };
    match feedback::get(&s.app, &viewer, code).await {
        Ok(v) => {
            let page = ItemPage {
                c: {
                    let mut c = chrome(ui, who, "feedback.item_title");
                    c.title = format!("{} {}", c.title, v.code);
                    c
                },
                v: item_view(s, ui.lang, v),
                key: key.unwrap_or_default().to_owned(),
                sent: flags.0,
                done: flags.1,
                error: error.map(|e| message(ui.lang, e)),
                errors: error.map(|e| field_errors(ui.lang, e)).unwrap_or_default(),
            };
            render(ui, status, &page)
        }
        Err(e) if e.kind == ErrorCode::NotFound => not_found_page(ui, who),
        Err(e) => app_error(ui, who, &e),
    }
}

/// `GET /phan-anh/{code}`: the item as the viewer may see it (`?k=` is a sender's key).
pub async fn item(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    Path(code): Path<String>,
    Query(q): Query<ItemQuery>,
) -> Response {
    // A key does not exempt: any text would do, and senders rarely reload their page 30 times.
    if !is_staff(&who)
        && let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    item_page(
        &s,
        &ui,
        &who,
        &code,
        q.k.as_deref(),
        StatusCode::OK,
        (q.sent.is_some(), q.done.is_some()),
        None,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct SenderForm {
    #[serde(default)]
    k: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    reason: String,
}

async fn sender_step(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    code: &str,
    f: &SenderForm,
    command: Result<Command, AppError>,
) -> Response {
    let key = Some(f.k.as_str()).filter(|k| !k.is_empty());
    let result = match command {
        Ok(command) => {
            let viewer = Viewer {
                principal: who.as_ref(),
                key,
            };
            feedback::act(&s.app, &viewer, code, command).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("done", "1");
            if let Some(k) = key {
                q.append_pair("k", k);
            }
            Redirect::to(&format!("/phan-anh/{}?{}", v.code, q.finish())).into_response()
        }
        Err(e) if e.kind == ErrorCode::NotFound || e.kind == ErrorCode::Internal => {
            app_error(ui, who, &e)
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            item_page(s, ui, who, code, key, status, (false, false), Some(&e)).await
        }
    }
}

/// `POST /phan-anh/{code}/details`: the sender gives the details asked for.
pub async fn details_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<SenderForm>,
) -> Response {
    let command = Ok(Command::GiveDetails {
        details: f.details.clone(),
    });
    sender_step(&s, &ui, &who, &code, &f, command).await
}

/// `POST /phan-anh/{code}/rate`: the sender rates the answer.
pub async fn rate_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<SenderForm>,
) -> Response {
    let command = Rating::parse(&f.rating)
        .map(|rating| Command::Rate {
            rating,
            reason: f.reason.clone(),
        })
        .ok_or_else(|| {
            let mut e = AppError::new(
                ErrorCode::Unprocessable,
                "invalid_rating",
                "Vui lòng chọn một mức đánh giá.",
                "Choose one of the ratings.",
            );
            e.fields = vec![motcua_domain::form::FieldError::new(
                "rating",
                motcua_domain::form::FieldErrorCode::Required,
                e.message_vi.clone(),
                e.message_en.clone(),
            )];
            e
        });
    sender_step(&s, &ui, &who, &code, &f, command).await
}

// ----- the agency's pages -----

struct QueueRow {
    code: String,
    kind: String,
    subject: String,
    status: String,
    agency: String,
    received: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "staff_feedback.html")]
struct StaffListPage {
    c: Chrome,
    open: Vec<QueueRow>,
    to_publish: Vec<QueueRow>,
}

fn queue_rows(s: &AppState, lang: Lang, items: Vec<feedback::QueueItem>) -> Vec<QueueRow> {
    items
        .into_iter()
        .map(|i| QueueRow {
            kind: kind_name(lang, &i.kind),
            subject: subject_name(lang, &i.subject),
            status: status_name(lang, i.status.as_str()),
            received: local_time(s, Some(i.received_at), DATE_TIME),
            due: match i.due_at {
                Some(d) => local_time(s, Some(d), DATE_TIME),
                None => t(lang, "feedback.waiting_for_sender").to_owned(),
            },
            overdue: i.overdue,
            agency: i.agency,
            code: i.code,
        })
        .collect()
}

/// `GET /staff/feedback`: the feedback of the staff member's agencies, open items by answer date.
pub async fn staff_list(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    match feedback::staff_queue(&s.app, p).await {
        Ok(StaffQueue { open, to_publish }) => render(
            &ui,
            StatusCode::OK,
            &StaffListPage {
                c: chrome(&ui, &who, "feedback.staff_title"),
                open: queue_rows(&s, ui.lang, open),
                to_publish: queue_rows(&s, ui.lang, to_publish),
            },
        ),
        Err(e) => app_error(&ui, &who, &e),
    }
}

#[derive(Template)]
#[template(path = "staff_feedback_item.html")]
struct StaffItemPage {
    c: Chrome,
    v: ItemView,
    error: Option<String>,
    errors: Vec<(String, String)>,
    /// The text typed into a refused form, shown again.
    text: String,
    action: String,
}

impl StaffItemPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// The text area's content for `action`: what was typed, when that form was refused.
    fn typed(&self, action: &str) -> &str {
        if self.action == action {
            &self.text
        } else {
            ""
        }
    }
}

async fn staff_item_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    code: &str,
    status: StatusCode,
    error: Option<(&AppError, &StaffActForm)>,
) -> Response {
    let viewer = Viewer {
        principal: who.as_ref(),
        key: None,
    };
    match feedback::get(&s.app, &viewer, code).await {
        // Staff of other agencies see the public page, not this one.
        Ok(v) if v.view != Audience::Staff => not_found_page(ui, who),
        Ok(v) => {
            let mut c = chrome(ui, who, "feedback.staff_title");
            c.title = v.code.clone();
            let page = StaffItemPage {
                c,
                v: item_view(s, ui.lang, v),
                error: error.map(|(e, _)| message(ui.lang, e)),
                errors: error
                    .map(|(e, _)| field_errors(ui.lang, e))
                    .unwrap_or_default(),
                text: error.map(|(_, f)| f.text.clone()).unwrap_or_default(),
                action: error.map(|(_, f)| f.action.clone()).unwrap_or_default(),
            };
            render(ui, status, &page)
        }
        Err(e) if e.kind == ErrorCode::NotFound => not_found_page(ui, who),
        Err(e) => app_error(ui, who, &e),
    }
}

/// `GET /staff/feedback/{code}`: one item with the steps this officer may take now.
pub async fn staff_item(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    if !is_staff(&who) {
        return Redirect::to("/staff").into_response();
    }
    staff_item_page(&s, &ui, &who, &code, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StaffActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
}

/// `POST /staff/feedback/{code}/act`: refuse, request details, answer or publish.
pub async fn staff_act(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<StaffActForm>,
) -> Response {
    if !is_staff(&who) {
        return Redirect::to("/staff").into_response();
    }
    let text = f.text.clone();
    let command = match f.action.as_str() {
        "refuse" => Command::Refuse { reason: text },
        "request_details" => Command::RequestDetails { request: text },
        "answer" => Command::Answer { answer: text },
        "publish" => Command::Publish,
        _ => {
            let e = AppError::bad_request(
                "invalid_action",
                "Thao tác không hợp lệ.",
                "Unknown action.",
            );
            return staff_item_page(
                &s,
                &ui,
                &who,
                &code,
                StatusCode::BAD_REQUEST,
                Some((&e, &f)),
            )
            .await;
        }
    };
    let viewer = Viewer {
        principal: who.as_ref(),
        key: None,
    };
    match feedback::act(&s.app, &viewer, &code, command).await {
        Ok(v) => Redirect::to(&format!("/staff/feedback/{}", v.code)).into_response(),
        Err(e) if e.kind == ErrorCode::NotFound || e.kind == ErrorCode::Internal => {
            app_error(&ui, &who, &e)
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            staff_item_page(&s, &ui, &who, &code, status, Some((&e, &f))).await
        }
    }
}
