//! Back office, first slice (issue 4): staff sign-in, the work queues, and a dossier page offering
//! the actions the state machine would accept from this officer now. Plain forms, no JavaScript.

use askama::Template;
use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use motcua_app::dossiers;
use motcua_app::identity::{self, Principal};
use motcua_app::queues::{self, Order, Queue, QueueFilter, QueueItem};
use motcua_app::{AppError, ErrorCode, catalogue, totp};
use motcua_domain::lifecycle::{ActionKind, Command, Role};
use serde_json::{Map, Value};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{
    Chrome, DATE_TIME, PeerIp, TIME_DATE, UiLang, chrome, local_time, message, render,
};

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    message: Option<String>,
}

struct ItemView {
    code: String,
    procedure: String,
    applicant: String,
    submitted: String,
    deadline: String,
    status: String,
    /// "Appraising — Trần Thị B": the step inside processing and who holds the dossier.
    step: String,
    channel: String,
    time_left: String,
    late: bool,
}

struct QueueView {
    key: &'static str,
    title: String,
    /// "12", or "999+" past the count cap.
    count: String,
    items: Vec<ItemView>,
    /// The full, paginated queue (on the overview, when it holds more than is shown).
    more: Option<String>,
    /// Pagination of the full queue: the next page, and the first when not on it.
    next: Option<String>,
    first: Option<String>,
    /// Re-sorts the full queue (most urgent first / latest deadlines first).
    sort_urgent: Option<String>,
    sort_latest: Option<String>,
}

struct TabView {
    title: String,
    count: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage {
    c: Chrome,
    filters: FilterView,
    can_intake: bool,
    can_admin: bool,
    /// Administrators and monitors see the national databases' connections.
    can_monitor: bool,
    /// Community digital team members help people apply.
    can_assist: bool,
    tabs: Vec<TabView>,
    /// One queue in full (`?queue=`), else every queue's most urgent rows.
    single: bool,
    queues: Vec<QueueView>,
    /// Staff search (`?q=`): dossier code, citizen ID number or applicant name.
    search: String,
    found: Option<Vec<ItemView>>,
}

fn hours(lang: Lang, minutes: i64) -> (String, bool) {
    let h = tenths(minutes.abs());
    if minutes < 0 {
        (crate::i18n::tn(lang, "hours-late", h), true)
    } else {
        (crate::i18n::tn(lang, "hours-left", h), false)
    }
}

/// Working minutes as hours to a tenth (7.5), whole hours without a decimal.
fn tenths(minutes: i64) -> f64 {
    (minutes as f64 / 6.0).round() / 10.0
}

/// Reads the queue filter from the query string; blank or unreadable fields do not filter.
fn queue_filter(q: &HashMap<String, String>) -> QueueFilter {
    let text = |k: &str| {
        q.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let date =
        |k: &str| text(k).and_then(|v| chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok());
    QueueFilter {
        procedure: text("procedure"),
        channel: text("channel"),
        status: text("status").and_then(|v| v.parse().ok()),
        from: date("from"),
        to: date("to"),
    }
}

struct FilterView {
    procedures: Vec<(String, String, bool)>,
    channels: Vec<(&'static str, String, bool)>,
    statuses: Vec<(u8, String, bool)>,
    from: String,
    to: String,
    active: bool,
}

fn filter_view(lang: Lang, f: &QueueFilter, names: &HashMap<String, String>) -> FilterView {
    let mut procedures: Vec<(String, String, bool)> = names
        .iter()
        .map(|(code, name)| {
            (
                code.clone(),
                name.clone(),
                f.procedure.as_ref() == Some(code),
            )
        })
        .collect();
    procedures.sort();
    FilterView {
        procedures,
        channels: ["online", "counter", "post"]
            .into_iter()
            .map(|c| {
                (
                    c,
                    t(lang, &format!("channel.{c}")).to_owned(),
                    f.channel.as_deref() == Some(c),
                )
            })
            .collect(),
        statuses: [1u8, 2, 4, 5, 6, 7, 9]
            .into_iter()
            .map(|st| {
                (
                    st,
                    t(lang, &format!("status.{st}")).to_owned(),
                    f.status == Some(st),
                )
            })
            .collect(),
        from: f.from.map(|d| d.to_string()).unwrap_or_default(),
        to: f.to.map(|d| d.to_string()).unwrap_or_default(),
        active: !f.is_empty(),
    }
}

/// A component by its name in the pinned procedure, never by its key.
fn component_name(procedure: Option<&motcua_domain::catalogue::Procedure>, key: &str) -> String {
    procedure
        .and_then(|p| p.components.iter().find(|c| c.key == key))
        .map_or_else(|| key.to_owned(), |c| c.name.clone())
}

/// Who took a step, as staff should read it: a colleague by name, the applicant, or the system.
fn actor_name(lang: Lang, actor: &str, people: &HashMap<String, String>) -> String {
    match actor.split_once(':') {
        Some(("staff", username)) => people
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_owned()),
        Some(("citizen", _)) => t(lang, "history.applicant").to_owned(),
        Some(("system", _)) => t(lang, "history.system").to_owned(),
        _ => actor.to_owned(),
    }
}

/// Rows per queue on the overview, and per page of one queue.
const OVERVIEW_ROWS: u64 = 10;
const PAGE_ROWS: u64 = 50;

fn queue_title(lang: Lang, q: Queue) -> String {
    let key = match q {
        Queue::Receive => "staff.q_to_receive",
        Queue::HandOver => "staff.q_hand_over",
        Queue::Assign => "staff.q_assign",
        Queue::Assigned => "staff.q_assigned",
        Queue::Review => "staff.q_review",
        Queue::Issue => "staff.q_issue",
        Queue::Return => "staff.q_return",
        Queue::Requests => "staff.q_requests",
        Queue::Near => "staff.q_near",
        Queue::Overdue => "staff.q_overdue",
    };
    t(lang, key).to_owned()
}

/// `/staff?…` keeping the filter, with `extra` pairs.
fn staff_href(query: &HashMap<String, String>, extra: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for k in ["procedure", "channel", "status", "from", "to"] {
        if let Some(v) = query.get(k).filter(|v| !v.trim().is_empty()) {
            ser.append_pair(k, v);
        }
    }
    for (k, v) in extra {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() {
        "/staff".into()
    } else {
        format!("/staff?{q}")
    }
}

fn item_views(
    s: &AppState,
    lang: Lang,
    names: &HashMap<String, String>,
    items: Vec<QueueItem>,
) -> Vec<ItemView> {
    items
        .into_iter()
        .map(|i| {
            let (mut time_left, late) = i.minutes_left.map(|m| hours(lang, m)).unwrap_or_default();
            if i.paused {
                time_left = t(lang, "staff.paused").to_owned();
            }
            let status = t(lang, &format!("status.{}", i.status)).to_owned();
            let step = match (i.step, &i.holder) {
                (Some(step), Some(holder)) => {
                    format!("{} — {holder}", t(lang, &format!("staff.step_{step}")))
                }
                (None, Some(holder)) => holder.clone(),
                _ => String::new(),
            };
            ItemView {
                procedure: names
                    .get(&i.procedure_code)
                    .cloned()
                    .unwrap_or(i.procedure_code),
                applicant: i.applicant,
                submitted: local_time(s, i.submitted_at, DATE_TIME),
                deadline: local_time(s, i.deadline, DATE_TIME),
                status,
                step,
                channel: t(lang, &format!("channel.{}", i.channel)).to_owned(),
                time_left,
                late,
                code: i.code,
            }
        })
        .collect()
}

fn count_label(n: u64) -> String {
    if n >= queues::COUNT_CAP {
        format!("{}+", queues::COUNT_CAP - 1)
    } else {
        n.to_string()
    }
}

/// `/staff`: the queues when signed in as staff, the sign-in form otherwise.
pub async fn home(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        let page = LoginPage {
            c: chrome(&ui, &who, "staff.login_title"),
            username: String::new(),
            message: None,
        };
        return render(&ui, StatusCode::OK, &page);
    };
    let lang = ui.lang;
    let filter = queue_filter(&query);
    let names = crate::pages::procedure_names(&s, lang).await;
    let filters = filter_view(lang, &filter, &names);
    let mine = queues::queues_of(p);
    let selected = query
        .get("queue")
        .and_then(|k| Queue::parse(k))
        .filter(|q| mine.contains(q));
    let order = match query.get("order").map(String::as_str) {
        Some("latest") => Order::Latest,
        _ => Order::Urgent,
    };
    let after = query.get("after").and_then(|c| queues::Cursor::decode(c));
    let search = query
        .get("q")
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();

    let counts = queues::counts(&s.app, p, &mine, &filter).await;
    let counts = match counts {
        Ok(c) => c,
        Err(e) => return crate::pages::server_error(&ui, &who, &e),
    };
    let tabs = mine
        .iter()
        .zip(&counts)
        .map(|(&q, &n)| TabView {
            title: queue_title(lang, q),
            count: count_label(n),
            href: staff_href(&query, &[("queue", q.key())]),
            current: selected == Some(q),
        })
        .collect();

    let shown: Vec<(Queue, u64)> = match selected {
        Some(q) => mine
            .iter()
            .zip(&counts)
            .filter(|(m, _)| **m == q)
            .map(|(&m, &n)| (m, n))
            .collect(),
        None => mine.iter().copied().zip(counts.iter().copied()).collect(),
    };
    let mut views = Vec::with_capacity(shown.len());
    for (q, n) in shown {
        let (limit, cursor) = if selected.is_some() {
            (PAGE_ROWS, after.as_ref())
        } else {
            (OVERVIEW_ROWS, None)
        };
        let page = if n == 0 {
            queues::QueuePage::default()
        } else {
            match queues::page(&s.app, p, q, &filter, order, cursor, limit).await {
                Ok(page) => page,
                Err(e) => return crate::pages::server_error(&ui, &who, &e),
            }
        };
        let order_key = match order {
            Order::Urgent => "urgent",
            Order::Latest => "latest",
        };
        let (more, next, first, sort_urgent, sort_latest) = if selected.is_some() && n > 0 {
            (
                None,
                page.next.as_ref().map(|c| {
                    staff_href(
                        &query,
                        &[("queue", q.key()), ("order", order_key), ("after", c)],
                    )
                }),
                cursor.map(|_| staff_href(&query, &[("queue", q.key()), ("order", order_key)])),
                (order != Order::Urgent).then(|| staff_href(&query, &[("queue", q.key())])),
                (order != Order::Latest)
                    .then(|| staff_href(&query, &[("queue", q.key()), ("order", "latest")])),
            )
        } else {
            (
                page.next
                    .is_some()
                    .then(|| staff_href(&query, &[("queue", q.key())])),
                None,
                None,
                None,
                None,
            )
        };
        views.push(QueueView {
            key: q.key(),
            title: queue_title(lang, q),
            count: count_label(n),
            items: item_views(&s, lang, &names, page.items),
            more,
            next,
            first,
            sort_urgent,
            sort_latest,
        });
    }
    let found = if search.is_empty() {
        None
    } else {
        match queues::search(&s.app, p, &search, PAGE_ROWS).await {
            Ok(items) => Some(item_views(&s, lang, &names, items)),
            Err(e) => return crate::pages::server_error(&ui, &who, &e),
        }
    };
    render(
        &ui,
        StatusCode::OK,
        &HomePage {
            c: chrome(&ui, &who, "staff.title"),
            filters,
            can_intake: motcua_app::counter::receiving_points_of(&s.app, p)
                .await
                .is_ok_and(|v| !v.is_empty()),
            can_admin: matches!(p, Principal::Staff { roles, .. } if roles.iter().any(|r| r.role == Role::Admin)),
            can_monitor: matches!(p, Principal::Staff { roles, .. } if roles.iter().any(|r| matches!(r.role, Role::Admin | Role::Monitor))),
            can_assist: matches!(p, Principal::Staff { roles, .. } if roles.iter().any(|r| r.role == Role::DigitalTeam)),
            tabs,
            single: selected.is_some(),
            queues: views,
            search,
            found,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Authenticator code; only asked of staff who enrolled one.
    #[serde(default)]
    code: String,
}

pub async fn login(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    crate::auth::SameSite(same_site): crate::auth::SameSite,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let fail = |status: StatusCode, message: String| {
        let page = LoginPage {
            c: chrome(&ui, &who, "staff.login_title"),
            username: f.username.clone(),
            message: Some(message),
        };
        render(&ui, status, &page)
    };
    if !same_site {
        // A page elsewhere must not sign a browser in to an account of its choosing.
        return fail(
            StatusCode::FORBIDDEN,
            t(ui.lang, "error.cross_site").to_owned(),
        );
    }
    if let Some(ip) = peer
        && !s.login_limit.allow(ip)
    {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            t(ui.lang, "staff.login_too_many").to_owned(),
        );
    }
    let username = f.username.trim();
    if let Err(wait) = s.sign_in.check(username, peer) {
        let e = crate::ratelimit::sign_in_wait_error(wait);
        return fail(StatusCode::TOO_MANY_REQUESTS, message(ui.lang, &e));
    }
    let principal =
        match identity::login_staff(&s.app, username, &f.password, Some(f.code.as_str())).await {
            Ok(p) => {
                s.sign_in.succeeded(username, peer);
                p
            }
            Err(e) if e.kind == ErrorCode::Internal => {
                return crate::pages::server_error(&ui, &who, &e);
            }
            Err(e) => {
                if e.code != "totp_required" {
                    s.sign_in.failed(username, peer);
                }
                return fail(crate::problem::status_of(e.kind), message(ui.lang, &e));
            }
        };
    if s.app.staff_totp_required {
        match identity::totp_enrolled(&s.app, username).await {
            Ok(true) => {}
            Ok(false) => {
                // The password was right, but a password alone opens nothing here: only the page
                // that sets up the second factor.
                return match identity::create_enrolment_session(&s.app, username).await {
                    Ok(secret) => {
                        let cookie =
                            crate::login::session_cookie(secret, crate::login::secure_cookies(&s));
                        (jar.add(cookie), Redirect::to("/staff/security")).into_response()
                    }
                    Err(e) => crate::pages::server_error(&ui, &who, &e),
                };
            }
            Err(e) => return crate::pages::server_error(&ui, &who, &e),
        }
    }
    match identity::create_session(&s.app, &principal).await {
        Ok(secret) => {
            let cookie = crate::login::session_cookie(secret, crate::login::secure_cookies(&s));
            (jar.add(cookie), Redirect::to("/staff")).into_response()
        }
        Err(e) => crate::pages::server_error(&ui, &who, &e),
    }
}

/// One action form on the dossier page and the details it asks for.
struct ActionView {
    name: &'static str,
    label: String,
    /// A required reason (refuse, send back, extend, stop, reject withdrawal).
    needs_reason: bool,
    /// Components to pick plus what is needed (supplementation request).
    needs_components: bool,
    /// An optional note (fee request).
    needs_note: bool,
    needs_assignee: bool,
    needs_file: bool,
    /// Agency consulted and the question.
    needs_question: bool,
    needs_reply: bool,
    /// The new due date of an extension, with the apology's reason.
    needs_new_date: bool,
    needs_delivery: bool,
    /// The specialist's appraisal opinion and proposal (forward).
    needs_appraisal: bool,
    /// The leader's own, optional opinion (approve).
    needs_opinion: bool,
    /// The checklist of components with files (receipt of an online dossier).
    needs_checklist: bool,
    /// Papers brought to the counter are scanned on the documents page first.
    needs_scan: bool,
    secondary: bool,
}

impl ActionView {
    fn of(lang: Lang, k: ActionKind) -> Self {
        use ActionKind as K;
        Self {
            name: k.as_str(),
            label: t(lang, &format!("action.{}", k.as_str())).to_owned(),
            needs_reason: matches!(
                k,
                K::Refuse | K::SendBack | K::Extend | K::Stop | K::RejectWithdrawal
            ),
            needs_components: matches!(k, K::RequestSupplement),
            needs_note: matches!(k, K::RequestPayment),
            needs_assignee: matches!(k, K::Assign),
            needs_file: matches!(k, K::IssueResult),
            needs_question: matches!(k, K::Consult),
            needs_reply: matches!(k, K::RecordConsultationReply),
            needs_new_date: matches!(k, K::Extend),
            needs_delivery: matches!(k, K::ReturnResult),
            needs_appraisal: matches!(k, K::Forward),
            needs_opinion: matches!(k, K::Approve),
            needs_checklist: matches!(k, K::Receive),
            needs_scan: matches!(k, K::Supplement),
            secondary: matches!(
                k,
                K::Refuse
                    | K::SendBack
                    | K::RequestSupplement
                    | K::Stop
                    | K::Extend
                    | K::Consult
                    | K::RequestPayment
                    | K::RejectWithdrawal
            ),
        }
    }
}

struct DossierPage {
    code: String,
    procedure: String,
    status: String,
    applicant: String,
    channel: String,
    /// "Awaiting the leader's decision — Trần Thị Hoa": where it is inside processing, and who
    /// holds it; empty outside processing.
    step: String,
    due: String,
    /// Working hours left overall (or late by), empty when no clock runs.
    time_left: String,
    late: bool,
    /// Suggested new date for an extension (one week after the current due date).
    extend_to: String,
    actions: Vec<ActionView>,
    components: Vec<(String, String)>,
    /// (key, name, number of files) of each component that came with files, for the checklist.
    checklist: Vec<(String, String, usize)>,
    /// (username, full name) of the competent agency's active specialists.
    specialists: Vec<(String, String)>,
    answers: Vec<(String, String)>,
    /// (label, download URL, viewer page, inline URL when the browser can show it beside).
    files: Vec<(String, String, String, String)>,
    /// The first file the browser can show: (label, inline URL), opened in the viewer pane.
    viewer: Option<(String, String)>,
    /// The appraisal put to the leader and the leader's opinion, with the specialist by name.
    appraisal: Option<AppraisalLine>,
    history: Vec<(String, String)>,
    sent: Vec<crate::pages::SentLine>,
    /// (index, label with amount) of the procedure's fee lines a payment request may add.
    fee_catalogue: Vec<(usize, String)>,
    /// (slug, label) of the notices this dossier has reached.
    notices: Vec<(String, String)>,
    results: Vec<ResultRow>,
    /// The applicant's own signature, re-checked now.
    signature: Option<crate::signing::SignatureLine>,
    /// The workflow template's steps: allotted and used working time (process-control sheet).
    steps: Vec<StepView>,
}

/// What a browser shows by itself, in the viewer beside the dossier.
fn shown_inline(mime: &str) -> bool {
    mime == "application/pdf" || mime.starts_with("image/")
}

struct AppraisalLine {
    by: String,
    opinion: String,
    proposal: String,
    leader_opinion: Option<String>,
}

struct StepView {
    name: String,
    allotted: String,
    used: String,
    state: &'static str,
}

struct ResultRow {
    id: String,
    number: String,
    signer: String,
    valid: bool,
    url: String,
    can_revoke: bool,
}

#[derive(Template)]
#[template(path = "staff_dossier.html")]
struct DossierTemplate {
    c: Chrome,
    cost: crate::pages::FeeTable,
    d: DossierPage,
    message: Option<String>,
    /// "Done: Receive" after an action succeeded.
    done: Option<String>,
}

/// The signed-in staff member, or the one whose password opened an enrolment session (where a
/// second factor is required and they have none yet).
async fn staff_or_enrolling(
    s: &AppState,
    who: &Option<Principal>,
    jar: &CookieJar,
) -> Option<Principal> {
    if let Some(p) = staff_only(who) {
        return Some(p);
    }
    let cookie = jar.get(crate::auth::SESSION_COOKIE)?;
    identity::enrolment_of(&s.app, cookie.value())
        .await
        .ok()
        .flatten()
}

fn staff_only(who: &Option<Principal>) -> Option<Principal> {
    match who {
        Some(p @ Principal::Staff { .. }) => Some(p.clone()),
        _ => None,
    }
}

async fn dossier_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    status: StatusCode,
    message: Option<String>,
) -> Response {
    dossier_page_with(s, ui, who, p, code, status, message, None).await
}

/// The dossier page, with an error to show (`message`) or the confirmation of an action just
/// taken (`done`).
#[allow(clippy::too_many_arguments)]
async fn dossier_page_with(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    status: StatusCode,
    message: Option<String>,
    done: Option<String>,
) -> Response {
    let lang = ui.lang;
    let v = match dossiers::get(&s.app, p, code).await {
        Ok(v) => v,
        Err(e) if e.kind == ErrorCode::NotFound => return crate::pages::not_found_page(ui, who),
        Err(e) => return crate::pages::server_error(ui, who, &e),
    };
    let cost = crate::pages::fee_table(lang, &v.fees).of_member(v.group.as_deref());
    let fee_catalogue = match motcua_app::catalogue::pinned(
        &s.app.db,
        &v.procedure.code,
        v.procedure.version,
    )
    .await
    {
        Ok(proc) => {
            let channel = motcua_domain::catalogue::Channel::from_wire(&v.channel)
                .unwrap_or(motcua_domain::catalogue::Channel::Online);
            let day = v
                .submitted_at
                .unwrap_or_else(|| s.app.now())
                .with_timezone(&s.app.calendar.offset())
                .date_naive();
            proc.fees
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    f.amount_for(channel, day).filter(|a| *a > 0).map(|a| {
                        let name = crate::i18n::text_in(lang, &f.name, f.name_en.as_deref());
                        (i, format!("{name} — {}", crate::pages::money(lang, a)))
                    })
                })
                .collect()
        }
        Err(e) => return crate::pages::server_error(ui, who, &e),
    };
    let signature = match motcua_app::applicant_signing::status(&s.app, &v).await {
        Ok(sig) => sig.and_then(|sig| crate::signing::line(s, &sig)),
        Err(e) => return crate::pages::server_error(ui, who, &e),
    };
    let allowed = dossiers::allowed_actions(&s.app, p, code)
        .await
        .unwrap_or_default();
    let proc = catalogue::pinned(&s.app.db, &v.procedure.code, v.procedure.version)
        .await
        .ok();
    let proc = proc.as_ref().map(|p| crate::i18n::procedure_in(lang, p));
    let specialists = dossiers::specialists_of(&s.app, &v.competent_agency.code)
        .await
        .unwrap_or_default();
    let actions = allowed.iter().map(|k| ActionView::of(lang, *k)).collect();
    // The staff named in the history, by name.
    let accounts = v
        .history
        .iter()
        .filter_map(|h| h.actor.strip_prefix("staff:").map(str::to_owned))
        .chain(
            v.history
                .iter()
                .filter(|h| h.action == "assign")
                .filter_map(|h| h.note.clone()),
        )
        .chain(v.assignee.clone())
        .chain(v.appraisal.as_ref().map(|a| a.by.clone()));
    let people = motcua_app::org::staff_names(&s.app.reader, accounts)
        .await
        .unwrap_or_default();
    let answers = match (&proc, v.form.as_object()) {
        (Some(pr), Some(form)) => crate::portal::answers_of(s, pr, form)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.label, a.value))
            .collect(),
        _ => Vec::new(),
    };
    let now = s.app.now();
    let steps = match (&proc, v.received_at) {
        (Some(pr), Some(received)) => {
            use motcua_domain::workflow::{Template, report};
            let legal = pr.processing_time.legal_working_minutes();
            let template = motcua_app::workflow::template_for(
                &s.app,
                &v.competent_agency.code,
                &pr.code.to_string(),
                legal,
            )
            .await
            .map(|(t, _)| t)
            .unwrap_or_else(|_| Template::default_for(legal));
            let actions: Vec<(String, chrono::DateTime<chrono::Utc>)> =
                v.history.iter().map(|h| (h.action.clone(), h.at)).collect();
            report(&template, received, &actions, now, &s.app.calendar)
                .into_iter()
                .map(|l| StepView {
                    name: t(lang, &format!("step.{}", l.stage.as_str())).to_owned(),
                    allotted: crate::i18n::tn(lang, "working-hours", tenths(l.allotted)),
                    used: if l.started {
                        crate::i18n::tn(lang, "working-hours", tenths(l.used))
                    } else {
                        String::new()
                    },
                    state: match (l.started, l.done, l.late()) {
                        (_, _, true) => "late",
                        (true, true, false) => "done",
                        (true, false, false) => "running",
                        _ => "waiting",
                    },
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let running = matches!(v.status, 1 | 2 | 4 | 6 | 7);
    let clock_end = if v.status == 1 {
        v.receipt_due_at
    } else {
        v.due_at
    };
    let (time_left, late) = match clock_end {
        Some(end) if running => hours(lang, s.app.calendar.working_minutes_between(now, end)),
        _ => (String::new(), false),
    };
    let extend_to = v
        .due_at
        .map(|d| {
            let later = s
                .app
                .calendar
                .add_working_minutes(d, 5 * s.app.calendar.minutes_per_day());
            later
                .with_timezone(&s.app.calendar.offset())
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    let mut d = DossierPage {
        time_left,
        late,
        extend_to,
        procedure: if lang == Lang::En {
            v.procedure.name_en.clone()
        } else {
            v.procedure.name_vi.clone()
        },
        status: t(lang, &format!("status.{}", v.status)).to_owned(),
        applicant: {
            let person = format!(
                "{} ({})",
                v.applicant
                    .get("full_name")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                v.applicant
                    .get("citizen_id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
            match &v.on_behalf_of {
                Some(e) => format!(
                    "{person}; {}: {} ({})",
                    t(lang, "apply.on_behalf_of"),
                    e.name,
                    e.code
                ),
                None => person,
            }
        },
        channel: t(lang, &format!("channel.{}", v.channel)).to_owned(),
        step: match (&v.step, &v.assignee) {
            (Some(step), Some(who)) => format!(
                "{} — {}",
                t(lang, &format!("staff.step_{step}")),
                people.get(who).cloned().unwrap_or_else(|| who.clone())
            ),
            _ => String::new(),
        },
        due: local_time(s, v.due_at.or(v.receipt_due_at), TIME_DATE),
        actions,
        components: proc
            .as_ref()
            .map(|pr| {
                pr.components
                    .iter()
                    .map(|c| (c.key.clone(), c.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        checklist: {
            let mut rows: Vec<(String, String, usize)> = Vec::new();
            for a in &v.attachments {
                match rows.iter_mut().find(|r| r.0 == a.component) {
                    Some(r) => r.2 += 1,
                    None => rows.push((
                        a.component.clone(),
                        proc.as_ref()
                            .and_then(|pr| pr.component(&a.component))
                            .map(|c| c.name.clone())
                            .unwrap_or_else(|| a.component.clone()),
                        1,
                    )),
                }
            }
            rows
        },
        specialists,
        answers,
        files: v
            .attachments
            .iter()
            .map(|a| {
                (
                    // The provenance the officer relies on: uploaded, from the warehouse, or
                    // from a national database.
                    format!(
                        "{} — {} ({})",
                        component_name(proc.as_deref(), &a.component),
                        a.file_name,
                        match a.source.split_once(':') {
                            Some(("connector", name)) => {
                                match motcua_domain::national::Database::from_name(name) {
                                    Some(db) if lang == Lang::En => db.name_en().to_owned(),
                                    Some(db) => db.name_vi().to_owned(),
                                    None => t(lang, "source.connector").to_owned(),
                                }
                            }
                            _ => t(lang, &format!("source.{}", a.source)).to_owned(),
                        }
                    ),
                    a.url.clone(),
                    format!("/staff/dossiers/{}/files/{}", v.code, a.id),
                    if shown_inline(&a.mime) {
                        format!("{}?inline=1", a.url)
                    } else {
                        String::new()
                    },
                )
            })
            .chain(v.documents.iter().filter(|d| !d.is_notice()).map(|d| {
                (
                    format!("{} — {}", t(lang, &format!("doc.{}", d.kind)), d.file_name),
                    d.url.clone(),
                    format!("/staff/dossiers/{}/files/{}", v.code, d.id),
                    // Results and receipts are PDFs.
                    format!("{}?inline=1", d.url),
                )
            }))
            .collect(),
        viewer: None,
        appraisal: v.appraisal.as_ref().map(|a| AppraisalLine {
            by: people.get(&a.by).cloned().unwrap_or_else(|| a.by.clone()),
            opinion: a.opinion.clone(),
            proposal: a.proposal.clone(),
            leader_opinion: a.leader_opinion.clone(),
        }),
        history: v
            .history
            .iter()
            .map(|h| {
                (
                    local_time(s, Some(h.at), TIME_DATE),
                    format!(
                        "{} — {} → {}{}",
                        actor_name(lang, &h.actor, &people),
                        action_label(lang, &h.action),
                        t(lang, &format!("status.{}", h.to_status)),
                        h.note
                            .as_ref()
                            .map(|n| format!(
                                " ({})",
                                crate::pages::history_note(lang, &h.action, n, &people)
                            ))
                            .unwrap_or_default()
                    ),
                )
            })
            .collect(),
        sent: crate::pages::sent_lines(s, lang, p, &v.code).await,
        fee_catalogue,
        notices: crate::verify::notices_of(lang, &v, false),
        signature,
        steps,
        results: v
            .documents
            .iter()
            .filter(|d| d.number.is_some())
            .map(|d| ResultRow {
                id: d.id.clone(),
                number: d.number.clone().unwrap_or_default(),
                signer: d.signer.clone().unwrap_or_default(),
                valid: d.status.as_deref() == Some("valid"),
                url: d.url.clone(),
                can_revoke: match p {
                    Principal::Staff { roles, .. } => roles
                        .iter()
                        .any(|r| r.agency == v.competent_agency.code && r.role == Role::Leader),
                    Principal::Citizen { .. } => false,
                },
            })
            .collect(),
        code: v.code,
    };
    d.viewer = d
        .files
        .iter()
        .find(|f| !f.3.is_empty())
        .map(|f| (f.0.clone(), f.3.clone()));
    render(
        ui,
        status,
        &DossierTemplate {
            c: chrome(ui, who, "staff.title"),
            cost,
            d,
            message,
            done,
        },
    )
}

/// An action of the history in the reader's language (unknown names are shown as stored).
fn action_label(lang: Lang, action: &str) -> String {
    let key = format!("action.{action}");
    let label = t(lang, &key);
    if label == key {
        action.to_owned()
    } else {
        label.to_owned()
    }
}

pub async fn dossier(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(p) = staff_only(&who) else {
        return Redirect::to("/staff").into_response();
    };
    // `?done=<action>` after an action succeeded: say what was done (only known actions).
    let done = query.get("done").and_then(|name| {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name.as_str())
            .map(|k| {
                format!(
                    "{} {}",
                    t(ui.lang, "staff.done"),
                    action_label(ui.lang, k.as_str())
                )
            })
    });
    dossier_page_with(&s, &ui, &who, &p, &code, StatusCode::OK, None, done).await
}

/// Runs one action from the dossier page (multipart: `action`, optional `reason`, `note`,
/// `assignee`, repeated `components`, and `file` for the result).
pub async fn act(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    mp: Multipart,
) -> Response {
    let Some(p) = staff_only(&who) else {
        return Redirect::to("/staff").into_response();
    };
    // A broken body reads as an empty form, which is answered as a missing detail.
    let (posted, file) = crate::api::read_multipart(mp).await.unwrap_or_default();
    // An empty file input still sends an empty part: that is no file.
    let file = file.filter(|f| !f.bytes.is_empty());
    let mut fields = Map::new();
    let mut components = Vec::new();
    // The receive form always carries its checklist, even with nothing ticked.
    let mut checked = Vec::new();
    let mut decision = String::new();
    // A payment request's extra catalogue lines: the ticked lines and their quantities.
    let mut fee_lines = Vec::new();
    let mut fee_qty = std::collections::HashMap::new();
    for (name, text) in posted {
        if name == "fee_line" {
            if let Ok(i) = text.trim().parse::<usize>() {
                fee_lines.push(i);
            }
        } else if let Some(i) = name.strip_prefix("fee_qty_") {
            if let (Ok(i), Ok(q)) = (i.parse::<usize>(), text.trim().parse::<u32>()) {
                fee_qty.insert(i, q);
            }
        } else if name == "decision" {
            decision = text;
        } else if name == "components" {
            components.push(Value::String(text));
        } else if name == "checked" {
            checked.push(Value::String(text));
        } else if name == "new_due_date" {
            // An apology letter names a day; the new deadline is that day's closing time. An
            // unreadable date leaves the field out and is answered as a missing detail.
            let closes = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| s.app.calendar.close_of(d));
            if let Some(at) = closes {
                fields.insert("new_due_at".into(), Value::String(at.to_rfc3339()));
            }
        } else if !text.trim().is_empty() {
            fields.insert(name, Value::String(text));
        }
    }
    if !components.is_empty() {
        fields.insert("components".into(), Value::Array(components));
    }
    if fields.get("action").and_then(Value::as_str) == Some("receive") {
        fields.insert("checked".into(), Value::Array(checked));
    }
    if !fee_lines.is_empty() {
        let lines = fee_lines
            .iter()
            .map(|i| serde_json::json!({ "line": i, "quantity": fee_qty.get(i).copied().unwrap_or(1) }))
            .collect();
        fields.insert("lines".into(), Value::Array(lines));
    }
    let command: Command = match serde_json::from_value(Value::Object(fields)) {
        Ok(c) => c,
        Err(_) => {
            let e = AppError::new(
                ErrorCode::Unprocessable,
                "invalid_action",
                "Thiếu thông tin cho thao tác này (lý do, nội dung, ngày hoặc thành phần).",
                "Some details of this action are missing (reason, note, date or components).",
            );
            return dossier_page(
                &s,
                &ui,
                &who,
                &p,
                &code,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message(ui.lang, &e)),
            )
            .await;
        }
    };
    let command_name = command.kind();
    let issue = dossiers::IssueDetails { file, decision };
    match dossiers::act(&s.app, &p, &code, command, issue).await {
        Ok(v) => Redirect::to(&format!(
            "/staff/dossiers/{}?done={}",
            v.code,
            command_name.as_str()
        ))
        .into_response(),
        Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(&ui, &who, &e),
        Err(e) => {
            dossier_page(
                &s,
                &ui,
                &who,
                &p,
                &code,
                crate::problem::status_of(e.kind),
                Some(message(ui.lang, &e)),
            )
            .await
        }
    }
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    place: String,
    action: String,
    note: String,
    status: String,
    hash: String,
    intact: bool,
}

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct AuditPage {
    c: Chrome,
    code: String,
    lines: Vec<AuditRow>,
    all_intact: bool,
}

/// `/staff/dossiers/{code}/audit`: the dossier's audit trail as chained, with each entry's hash
/// checked, so a supervisor sees who did what, when and from which receiving point.
pub async fn audit(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let Some(p) = staff_only(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let lang = ui.lang;
    let lines = match dossiers::audit_trail(&s.app, &p, &code).await {
        Ok(l) => l,
        Err(e) if e.kind == ErrorCode::NotFound => return crate::pages::not_found_page(&ui, &who),
        Err(e) => return crate::pages::server_error(&ui, &who, &e),
    };
    let status = |c: Option<u8>| {
        c.map(|c| t(lang, &format!("status.{c}")).to_owned())
            .unwrap_or_default()
    };
    let rows: Vec<AuditRow> = lines
        .into_iter()
        .map(|l| AuditRow {
            seq: l.seq,
            at: local_time(&s, Some(l.at), TIME_DATE),
            actor: l.actor,
            place: [l.agency, l.receiving_point]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            action: action_label(lang, &l.action),
            note: l.note.unwrap_or_default(),
            status: match (l.from_status, l.to_status) {
                (Some(a), Some(b)) if a != b => {
                    format!("{} → {}", status(Some(a)), status(Some(b)))
                }
                (_, b) => status(b),
            },
            hash: l.hash.chars().take(12).collect(),
            intact: l.intact,
        })
        .collect();
    let page = AuditPage {
        c: chrome(&ui, &who, "audit.title"),
        all_intact: rows.iter().all(|r| r.intact),
        lines: rows,
        code,
    };
    render(&ui, StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "staff_security.html")]
struct SecurityPage {
    c: Chrome,
    enrolled: bool,
    secret: String,
    uri: String,
    /// The `uri` as a QR code (SVG) for the authenticator app's camera; empty if it cannot be drawn.
    qr: String,
    message: Option<String>,
}

fn security_page(
    ui: &UiLang,
    who: &Option<Principal>,
    username: &str,
    enrolled: bool,
    secret: Option<String>,
    message: Option<String>,
) -> SecurityPage {
    let secret = secret.unwrap_or_else(totp::new_secret);
    let uri = totp::otpauth_uri("motcua", username, &secret);
    let c = chrome(ui, who, "totp.title");
    let qr = motcua_documents::qr::Matrix::encode(&uri)
        .map(|m| m.svg(192, c.t("totp.qr")))
        .unwrap_or_default();
    SecurityPage {
        c,
        enrolled,
        uri,
        qr,
        secret,
        message,
    }
}

/// `/staff/security`: turn on two-step sign-in with an authenticator app.
pub async fn security(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    jar: CookieJar,
) -> Response {
    let Some(Principal::Staff { username, .. }) = staff_or_enrolling(&s, &who, &jar).await else {
        return Redirect::to("/staff").into_response();
    };
    match identity::totp_enrolled(&s.app, &username).await {
        Ok(enrolled) => render(
            &ui,
            StatusCode::OK,
            &security_page(&ui, &who, &username, enrolled, None, None),
        ),
        Err(e) => crate::pages::server_error(&ui, &who, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn security_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    crate::auth::SameSite(same_site): crate::auth::SameSite,
    jar: CookieJar,
    Form(f): Form<EnrolForm>,
) -> Response {
    let enrolling = who.is_none();
    let Some(p) = staff_or_enrolling(&s, &who, &jar).await else {
        return Redirect::to("/staff").into_response();
    };
    if !same_site {
        return Redirect::to("/staff/security").into_response();
    }
    let Principal::Staff { username, .. } = &p else {
        return Redirect::to("/staff").into_response();
    };
    match identity::enroll_totp(&s.app, &p, &f.secret, &f.code).await {
        Ok(()) if enrolling => {
            // The enrolment session has done its one job: sign in again, now with the code.
            if let Some(c) = jar.get(crate::auth::SESSION_COOKIE) {
                let _ = identity::end_session(&s.app, c.value()).await;
            }
            let jar = jar.remove(Cookie::build(crate::auth::SESSION_COOKIE).path("/").build());
            (jar, Redirect::to("/staff?enrolled=1")).into_response()
        }
        Ok(()) => Redirect::to("/staff/security").into_response(),
        Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(&ui, &who, &e),
        Err(e) => render(
            &ui,
            crate::problem::status_of(e.kind),
            // The same secret again, so the entry already added to the app stays valid.
            &security_page(
                &ui,
                &who,
                username,
                false,
                Some(f.secret.clone()),
                Some(message(ui.lang, &e)),
            ),
        ),
    }
}

#[derive(Template)]
#[template(path = "staff_file.html")]
struct FilePage {
    c: Chrome,
    code: String,
    title: String,
    url: String,
    is_pdf: bool,
    is_image: bool,
    prev: Option<String>,
    next: Option<String>,
    position: String,
}

/// `GET /staff/dossiers/{code}/files/{id}`: one component shown in the page (PDF or image),
/// with the previous and next ones a click away, so paper and screen are compared side by side.
pub async fn file_view(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = &who else {
        return Redirect::to("/staff").into_response();
    };
    let v = match dossiers::get(&s.app, p, &code).await {
        Ok(v) => v,
        Err(e) if e.kind == ErrorCode::NotFound => return crate::pages::not_found_page(&ui, &who),
        Err(e) => return crate::pages::server_error(&ui, &who, &e),
    };
    let all: Vec<(String, String, String, String)> = v
        .attachments
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                format!("{} — {}", a.component, a.file_name),
                a.url.clone(),
                a.mime.clone(),
            )
        })
        .chain(v.documents.iter().filter(|d| !d.is_notice()).map(|d| {
            (
                d.id.clone(),
                format!("{} — {}", d.kind, d.file_name),
                d.url.clone(),
                "application/pdf".to_owned(),
            )
        }))
        .collect();
    let Some(i) = all.iter().position(|f| f.0 == id) else {
        return crate::pages::not_found_page(&ui, &who);
    };
    let link = |j: usize| {
        all.get(j)
            .map(|f| format!("/staff/dossiers/{code}/files/{}", f.0))
    };
    let (_, title, url, mime) = all[i].clone();
    render(
        &ui,
        StatusCode::OK,
        &FilePage {
            c: chrome(&ui, &who, "staff.files"),
            code: v.code.clone(),
            title,
            url,
            is_pdf: mime == "application/pdf",
            is_image: shown_inline(&mime) && mime != "application/pdf",
            prev: i.checked_sub(1).and_then(link),
            next: link(i + 1),
            position: format!("{}/{}", i + 1, all.len()),
        },
    )
}

/// `POST /staff/dossiers/{code}/result-preview`: the clerk sees the drafted result, unsigned and
/// unnumbered, before issuing it (the issue form's "preview" button, in a new tab).
pub async fn result_preview(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    mp: Multipart,
) -> Response {
    let Some(p) = staff_only(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let (posted, _) = crate::api::read_multipart(mp).await.unwrap_or_default();
    let decision = posted
        .iter()
        .find(|(k, _)| k == "decision")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    match motcua_app::issued::preview_result(&s.app, &p, &code, decision).await {
        Ok(pdf) => crate::download::pdf_response(
            crate::download::Disposition::Inline,
            &format!("{code}-xem-truoc.pdf"),
            pdf,
        ),
        Err(e) if matches!(e.kind, ErrorCode::NotFound) => crate::pages::not_found_page(&ui, &who),
        Err(e) if matches!(e.kind, ErrorCode::Forbidden | ErrorCode::Conflict) => {
            let msg = crate::pages::message(ui.lang, &e);
            dossier_page_with(
                &s,
                &ui,
                &who,
                &p,
                &code,
                StatusCode::FORBIDDEN,
                Some(msg),
                None,
            )
            .await
        }
        Err(e) => crate::pages::server_error(&ui, &who, &e),
    }
}
