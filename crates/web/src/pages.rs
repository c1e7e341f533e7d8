//! Public HTML pages of the citizen portal (SPEC §14): home with search and life events, search
//! results with filters, the procedure page and public tracking. Server-rendered, no JavaScript
//! needed; every text comes from `locales/`.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use motcua_app::catalogue::{self, SearchFilter};
use motcua_app::dossiers;
use motcua_app::identity::Principal;
use motcua_domain::catalogue::{Procedure, RequirementKind, TimeUnit};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};

/// Bumped when `static/site.css` or `static/app.js` changes, so browsers may cache it for a year.
pub const CSS_VERSION: &str = "13";
pub const SITE_CSS: &str = include_str!("../../../static/site.css");
pub const APP_JS: &str = include_str!("../../../static/app.js");

/// The language of this request: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese.
pub struct UiLang {
    pub lang: Lang,
    from_query: bool,
    path_and_query: String,
}

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UiLang::of(parts))
    }
}

impl UiLang {
    /// The language of a request, for code that holds its parts outside an extractor (middleware).
    pub fn of(parts: &Parts) -> UiLang {
        let query_lang = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Lang::parse(&v))
        });
        let cookie_lang = CookieJar::from_headers(&parts.headers)
            .get("lang")
            .and_then(|c| Lang::parse(c.value()));
        UiLang {
            lang: query_lang.or(cookie_lang).unwrap_or_default(),
            from_query: query_lang.is_some(),
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        }
    }

    /// The current URL with the other language selected.
    fn switch_url(&self) -> String {
        let (path, query) = self
            .path_and_query
            .split_once('?')
            .unwrap_or((self.path_and_query.as_str(), ""));
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if k != "lang" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair("lang", self.lang.other().code());
        // The request path is the client's to choose ("//evil.example" reaches our 404 page): the
        // link we print must stay on this site whatever it was.
        let path = crate::redirect::local_path(path)
            .map(|p| p.split(['?', '#']).next().unwrap_or("/").to_owned())
            .unwrap_or_else(|| "/".into());
        format!("{path}?{}", q.finish())
    }
}

/// The client's address when the server was started with connection info (always, in `serve`).
pub struct PeerIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// What every page shows around its content.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub switch_url: String,
    pub who: Option<String>,
    /// Staff see their queues where citizens see their dossiers.
    pub is_staff: bool,
    pub css_version: &'static str,
}

impl Chrome {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        t(self.lang, key)
    }

    /// A counted message (`locales/*.ftl`) in the plural form `count` takes.
    pub fn n(&self, id: &str, count: usize) -> String {
        crate::i18n::tn(self.lang, id, count as f64)
    }
}

pub fn chrome(ui: &UiLang, who: &Option<Principal>, title_key: &str) -> Chrome {
    Chrome {
        lang: ui.lang,
        title: t(ui.lang, title_key).to_owned(),
        switch_url: ui.switch_url(),
        who: who.as_ref().map(|p| match p {
            Principal::Citizen { full_name, .. } => full_name.clone(),
            Principal::Staff { full_name, .. } => full_name.clone(),
        }),
        is_staff: matches!(who, Some(Principal::Staff { .. })),
        css_version: CSS_VERSION,
    }
}

pub fn render(ui: &UiLang, status: StatusCode, page: &impl Template) -> Response {
    let body = match page.render() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response();
        }
    };
    let mut resp = (status, Html(body)).into_response();
    if ui.from_query
        && let Ok(v) = HeaderValue::from_str(
            &Cookie::build(("lang", ui.lang.code()))
                .path("/")
                .same_site(SameSite::Lax)
                .permanent()
                .build()
                .to_string(),
        )
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        SITE_CSS,
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        APP_JS,
    )
}

struct EventCard {
    key: String,
    name: String,
    count: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    events: Vec<EventCard>,
}

pub async fn home(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    let events = catalogue::life_events()
        .into_iter()
        .map(|e| EventCard {
            name: if ui.lang == Lang::En {
                e.name_en
            } else {
                e.name_vi
            },
            count: e.procedures.len(),
            key: e.key,
        })
        .collect();
    let page = HomePage {
        c: chrome(&ui, &who, "home.title"),
        events,
    };
    render(&ui, StatusCode::OK, &page)
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct ResultRow {
    code: String,
    name: String,
    level: String,
    online: String,
    time: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    filtered: bool,
    levels: Vec<Opt>,
    onlines: Vec<Opt>,
    events: Vec<Opt>,
    results: Vec<ResultRow>,
}

fn options(lang: Lang, current: Option<&str>, items: &[(String, String)]) -> Vec<Opt> {
    let mut v = vec![Opt {
        value: String::new(),
        label: t(lang, "search.any").to_owned(),
        selected: current.is_none_or(str::is_empty),
    }];
    v.extend(items.iter().map(|(value, label)| Opt {
        selected: current == Some(value.as_str()),
        value: value.clone(),
        label: label.clone(),
    }));
    v
}

fn name(lang: Lang, p: &Procedure) -> String {
    if lang == Lang::En && !p.name_en.is_empty() {
        p.name_en.clone()
    } else {
        p.name_vi.clone()
    }
}

fn time_text(lang: Lang, p: &Procedure) -> String {
    let pt = &p.processing_time;
    match pt.unit {
        TimeUnit::WorkingHours | TimeUnit::Hours => {
            crate::i18n::tn(lang, "working-hours", f64::from(pt.value))
        }
        TimeUnit::WorkingDays | TimeUnit::Days => {
            crate::i18n::tn(lang, "working-days", f64::from(pt.value))
        }
    }
}

pub async fn search(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    Query(f): Query<SearchFilter>,
) -> Response {
    let lang = ui.lang;
    if let Some(ip) = peer
        && let Err(wait) = s.public.search.check(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    let found = match crate::api::bounded_search(&s, &f).await {
        Ok(v) => v,
        Err(crate::api::SearchRefused::Busy(wait)) => {
            return crate::ratelimit::too_many_page(&ui, wait);
        }
        Err(crate::api::SearchRefused::Failed(e))
            if e.kind == motcua_app::ErrorCode::BadRequest =>
        {
            return error_page(
                &ui,
                &who,
                StatusCode::BAD_REQUEST,
                t(lang, "error.title"),
                &message(lang, &e),
            );
        }
        Err(crate::api::SearchRefused::Failed(e)) => return server_error(&ui, &who, &e),
    };
    let results = found
        .iter()
        .map(|p| ResultRow {
            code: p.code.as_str().to_owned(),
            name: name(lang, p),
            level: t(lang, &format!("level.{}", p.level.as_str())).to_owned(),
            online: t(lang, &format!("online.{}", p.online_level.as_str())).to_owned(),
            time: time_text(lang, p),
        })
        .collect();
    let level_items: Vec<(String, String)> = ["commune", "province"]
        .iter()
        .map(|l| ((*l).to_owned(), t(lang, &format!("level.{l}")).to_owned()))
        .collect();
    let online_items: Vec<(String, String)> = ["full", "partial", "none"]
        .iter()
        .map(|o| ((*o).to_owned(), t(lang, &format!("online.{o}")).to_owned()))
        .collect();
    let event_items: Vec<(String, String)> = catalogue::life_events()
        .into_iter()
        .map(|e| {
            (
                e.key,
                if lang == Lang::En {
                    e.name_en
                } else {
                    e.name_vi
                },
            )
        })
        .collect();
    let page = SearchPage {
        c: chrome(&ui, &who, "search.title"),
        filtered: [&f.level, &f.online, &f.event]
            .iter()
            .any(|x| x.as_deref().is_some_and(|v| !v.is_empty())),
        levels: options(lang, f.level.as_deref(), &level_items),
        onlines: options(lang, f.online.as_deref(), &online_items),
        events: options(lang, f.event.as_deref(), &event_items),
        q: f.q.clone(),
        results,
    };
    render(&ui, StatusCode::OK, &page)
}

struct ComponentRow {
    name: String,
    requirement: String,
    condition: String,
    /// How it is provided online, when that is not an upload (one sentence).
    provided: Option<String>,
    accepts: String,
}

/// The one sentence that says how a component is provided online, unless it is uploaded.
pub(crate) fn provision_text(
    lang: Lang,
    s: &AppState,
    c: &motcua_domain::catalogue::Component,
) -> Option<String> {
    use motcua_domain::national::{Provision, provision};
    let connected = |d| s.app.connectors.get(d).is_some();
    match provision(c, &connected) {
        Provision::FromDatabase(d) => Some(format!(
            "{}: {}",
            database_name(lang, d),
            t(lang, "proc.from_db")
        )),
        Provision::ShowInPerson => Some(t(lang, "proc.show_in_person").to_owned()),
        Provision::TheForm => Some(t(lang, "proc.the_form").to_owned()),
        Provision::Upload => None,
    }
}

pub(crate) fn database_name(lang: Lang, d: motcua_domain::national::Database) -> &'static str {
    if lang == Lang::En {
        d.name_en()
    } else {
        d.name_vi()
    }
}

struct FeeRow {
    name: String,
    online: String,
    counter: String,
}

struct ProcedureView {
    code: String,
    name: String,
    result: String,
    agency: String,
    level: String,
    time: String,
    same_day: bool,
    online: String,
    online_estimated: bool,
    online_available: bool,
    components: Vec<ComponentRow>,
    fees: Vec<FeeRow>,
    legal: Vec<String>,
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    c: Chrome,
    p: ProcedureView,
}

/// A history step's note as people read it. The lifecycle writes two notes as data rather than
/// words: the assignee's account (assign) and how the result went back (return: `online`,
/// `counter: name (id)`, `post: item number`); those are put in words, the rest is the person's
/// own text. `people` names staff accounts.
pub fn history_note(
    lang: Lang,
    action: &str,
    note: &str,
    people: &std::collections::HashMap<String, String>,
) -> String {
    match action {
        "assign" => people.get(note).cloned().unwrap_or_else(|| note.to_owned()),
        "return_result" => match note.split_once(": ") {
            None if note == "online" => t(lang, "staff.delivery_online").to_owned(),
            Some(("counter", who)) => format!("{}: {who}", t(lang, "staff.delivery_counter")),
            Some(("post", item)) => format!("{}: {item}", t(lang, "staff.delivery_post")),
            _ => note.to_owned(),
        },
        _ => note.to_owned(),
    }
}

/// A catalogue amount, or why there is none: written as [`money`] writes it.
pub fn vnd(lang: Lang, amount: Option<i64>) -> String {
    match amount {
        None => t(lang, "proc.no_channel").to_owned(),
        Some(0) => t(lang, "proc.free").to_owned(),
        Some(a) => money(lang, a),
    }
}

fn mime_label(m: &str) -> &str {
    match m {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        other => other,
    }
}

pub async fn procedure(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let lang = ui.lang;
    let p = match catalogue::current(&s.app, &code).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found_page(&ui, &who),
        Err(e) => return server_error(&ui, &who, &e),
    };
    let p = crate::i18n::procedure_in(lang, &p);
    let view = ProcedureView {
        code: p.code.as_str().to_owned(),
        name: name(lang, &p),
        result: p.result_document.clone(),
        agency: p.competent_agency_vi.clone(),
        level: t(lang, &format!("level.{}", p.level.as_str())).to_owned(),
        time: time_text(lang, &p),
        same_day: p.processing_time.same_day,
        online: t(lang, &format!("online.{}", p.online_level.as_str())).to_owned(),
        // Whether a catalogue fact is verified or estimated is for the staff who keep the
        // catalogue; a citizen reads the procedure as published.
        online_estimated: matches!(who, Some(Principal::Staff { .. }))
            && p.is_verified("online_level") == Some(false),
        online_available: p.online_level.as_str() != "none",
        components: p
            .components
            .iter()
            .map(|c| ComponentRow {
                name: c.name.clone(),
                requirement: t(
                    lang,
                    match c.required {
                        RequirementKind::Required => "proc.required",
                        RequirementKind::Optional => "proc.optional",
                        RequirementKind::Conditional => "proc.conditional",
                    },
                )
                .to_owned(),
                condition: c.condition.clone().unwrap_or_default(),
                provided: provision_text(lang, &s, c),
                accepts: c
                    .accepts
                    .iter()
                    .map(|m| mime_label(m))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        fees: p
            .fees
            .iter()
            .map(|f| FeeRow {
                name: f.name.clone(),
                online: vnd(lang, f.online_vnd),
                counter: vnd(lang, f.counter_vnd),
            })
            .collect(),
        legal: p.legal_basis.clone(),
    };
    let mut c = chrome(&ui, &who, "search.title");
    c.title = view.name.clone();
    render(&ui, StatusCode::OK, &ProcedurePage { c, p: view })
}

struct TrackFound {
    code: String,
    status: String,
    procedure: String,
    agency: String,
    received: String,
    due: String,
    overdue: bool,
    /// An interconnected application's members: (procedure, code or "", status in words).
    members: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    c: Chrome,
    code: String,
    message: Option<String>,
    found: Option<TrackFound>,
}

#[derive(serde::Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    code: String,
}

/// Date first, as in lists of facts ("18/11/2026 09:00").
pub const DATE_TIME: &str = "%d/%m/%Y %H:%M";
/// Time first, as in "by 09:00 18/11/2026".
pub const TIME_DATE: &str = "%H:%M %d/%m/%Y";

/// A stored UTC instant in the deployment's time zone, or a dash.
pub fn local_time(s: &AppState, t: Option<DateTime<Utc>>, format: &str) -> String {
    t.map(|t| {
        t.with_timezone(&s.app.calendar.offset())
            .format(format)
            .to_string()
    })
    .unwrap_or_else(|| "—".into())
}

/// What a dossier costs, as the check page, the confirmation and the dossier pages show it.
pub struct FeeTable {
    pub lines: Vec<QuotedRow>,
    pub total: String,
    pub free: bool,
    /// A member of an interconnected application: its fees were paid with that application
    /// (the code), not on this dossier.
    pub paid_with_group: Option<String>,
}

impl FeeTable {
    /// The table of a dossier that may be a member of an interconnected application.
    pub fn of_member(mut self, group: Option<&str>) -> Self {
        self.paid_with_group = group.map(str::to_owned);
        self
    }
}

pub struct QuotedRow {
    pub name: String,
    pub quantity: u32,
    pub amount: String,
    pub exempt: bool,
}

/// An amount in VND as people write it: "1.500.000 đ" (vi), "1,500,000 VND" (en).
/// `1.263.600 đ` in Vietnamese (thousands grouped with dots), `1,263,600 VND` in English.
pub fn money(lang: Lang, vnd: i64) -> String {
    let dotted = motcua_domain::notice::vnd(vnd);
    match lang {
        // A no-break space: an amount never wraps away from its currency.
        Lang::Vi => format!("{dotted}\u{a0}đ"),
        Lang::En => format!("{}\u{a0}VND", dotted.replace('.', ",")),
    }
}

pub fn fee_table(lang: Lang, fees: &motcua_app::views::FeesView) -> FeeTable {
    FeeTable {
        lines: fees
            .lines
            .iter()
            .map(|l| QuotedRow {
                name: crate::i18n::text_in(lang, &l.name, l.name_en.as_deref()).to_owned(),
                quantity: l.quantity,
                amount: money(lang, l.amount),
                exempt: l.exempt,
            })
            .collect(),
        total: money(lang, fees.total),
        free: fees.total == 0,
        paid_with_group: None,
    }
}

/// One message sent about a dossier, as the dossier pages list it.
pub struct SentLine {
    pub when: String,
    pub channel: String,
    pub to: String,
    pub what: String,
    pub status: String,
    pub failed: bool,
}

/// What was sent about the dossier (SPEC §10: the dossier page shows what was sent and when).
/// A failure to read it leaves the list empty rather than the page broken.
pub async fn sent_lines(
    s: &AppState,
    lang: Lang,
    p: &motcua_app::identity::Principal,
    code: &str,
) -> Vec<SentLine> {
    let sent = match motcua_app::notify::sent_for_dossier(&s.app, p, code).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = ?e, "messages of a dossier could not be read");
            return Vec::new();
        }
    };
    sent.into_iter()
        .map(|m| SentLine {
            when: local_time(s, Some(m.sent_at.unwrap_or(m.created_at)), TIME_DATE),
            channel: t(lang, &format!("sent.channel.{}", m.channel)).to_owned(),
            to: m.recipient,
            what: t(lang, &format!("sent.event.{}", m.event)).to_owned(),
            failed: m.status == "failed",
            status: t(lang, &format!("sent.status.{}", m.status)).to_owned(),
        })
        .collect()
}

/// Procedure names by code in the user's language (one catalogue read for a whole list).
pub async fn procedure_names(
    s: &AppState,
    lang: Lang,
) -> std::collections::HashMap<String, String> {
    catalogue::current_all(&s.app)
        .await
        .unwrap_or_default()
        .iter()
        .map(|p| (p.code.as_str().to_owned(), name(lang, p)))
        .collect()
}

/// An error's message in the user's language.
pub fn message(lang: Lang, e: &motcua_app::AppError) -> String {
    if lang == Lang::En {
        e.message_en.clone()
    } else {
        e.message_vi.clone()
    }
}

pub async fn track(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    Query(q): Query<TrackQuery>,
) -> Response {
    let lang = ui.lang;
    let code = q.code.trim().to_owned();
    let mut page = TrackPage {
        c: chrome(&ui, &who, "track.title"),
        code: code.clone(),
        message: None,
        found: None,
    };
    if code.is_empty() {
        return render(&ui, StatusCode::OK, &page);
    }
    if let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        page.message = Some(t(lang, "track.too_many").to_owned());
        return crate::ratelimit::with_retry_after(
            render(&ui, StatusCode::TOO_MANY_REQUESTS, &page),
            wait,
        );
    }
    match dossiers::track(&s.app, &code).await {
        Ok(v) => {
            page.found = Some(TrackFound {
                code: v.code,
                status: t(lang, &format!("status.{}", v.status)).to_owned(),
                procedure: if lang == Lang::En {
                    v.procedure_name_en
                } else {
                    v.procedure_name_vi
                },
                agency: v.competent_agency,
                received: local_time(&s, v.received_at, DATE_TIME),
                due: local_time(&s, v.due_at, DATE_TIME),
                overdue: v.overdue,
                members: crate::portal::member_rows(lang, &v.members),
            });
            render(&ui, StatusCode::OK, &page)
        }
        Err(e) if e.kind == motcua_app::ErrorCode::NotFound => {
            page.message = Some(t(lang, "track.not_found").to_owned());
            render(&ui, StatusCode::NOT_FOUND, &page)
        }
        Err(e) => server_error(&ui, &who, &e),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    heading: String,
    text: String,
    reference: Option<String>,
    /// The stable error code, for a person reading it out to the help desk.
    code: Option<String>,
}

/// A citizen login that did not complete: what went wrong and what to do, with its code.
pub fn login_failed_page(ui: &UiLang, status: StatusCode, text: &str, code: &str) -> Response {
    let page = ErrorPage {
        c: chrome(ui, &None, "login.failed_title"),
        heading: t(ui.lang, "login.failed_title").to_owned(),
        text: text.to_owned(),
        reference: None,
        code: Some(code.to_owned()),
    };
    render(ui, status, &page)
}

pub fn not_found_page(ui: &UiLang, who: &Option<Principal>) -> Response {
    let page = ErrorPage {
        c: chrome(ui, who, "error.title"),
        heading: t(ui.lang, "error.title").to_owned(),
        text: t(ui.lang, "error.text").to_owned(),
        reference: None,
        code: None,
    };
    render(ui, StatusCode::NOT_FOUND, &page)
}

/// A friendly page with a reference id; the error itself is logged once, here.
pub fn server_error(ui: &UiLang, who: &Option<Principal>, e: &motcua_app::AppError) -> Response {
    let reference = uuid::Uuid::now_v7().to_string();
    tracing::error!(error.reference = %reference, error = ?e, "page failed");
    let page = ErrorPage {
        c: chrome(ui, who, "error.server_title"),
        heading: t(ui.lang, "error.server_title").to_owned(),
        text: t(ui.lang, "error.server_text").to_owned(),
        reference: Some(reference),
        code: None,
    };
    render(ui, StatusCode::INTERNAL_SERVER_ERROR, &page)
}

/// A page with a heading and a message (errors a citizen can act on).
pub fn error_page(
    ui: &UiLang,
    who: &Option<Principal>,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> Response {
    let page = ErrorPage {
        c: chrome(ui, who, "error.title"),
        heading: heading.to_owned(),
        text: text.to_owned(),
        reference: None,
        code: None,
    };
    render(ui, status, &page)
}

pub async fn fallback(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    not_found_page(&ui, &who)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn history_notes_that_are_data_are_put_in_words() {
        let people: std::collections::HashMap<String, String> = [(
            "specialist@H31.11341".to_owned(),
            "Nguyễn Ngọc Linh".to_owned(),
        )]
        .into();
        let note = |lang, action, n| history_note(lang, action, n, &people);
        assert_eq!(
            note(Lang::Vi, "assign", "specialist@H31.11341"),
            "Nguyễn Ngọc Linh"
        );
        assert_eq!(
            note(Lang::En, "return_result", "online"),
            t(Lang::En, "staff.delivery_online")
        );
        assert_eq!(
            note(Lang::Vi, "return_result", "post: EL123456789VN"),
            format!("{}: EL123456789VN", t(Lang::Vi, "staff.delivery_post"))
        );
        assert_eq!(
            note(
                Lang::Vi,
                "return_result",
                "counter: Trần Thị Hoa (******3456)"
            ),
            format!(
                "{}: Trần Thị Hoa (******3456)",
                t(Lang::Vi, "staff.delivery_counter")
            )
        );
        // The person's own words stay as written, even when they look like data.
        assert_eq!(note(Lang::Vi, "receive", "online"), "online");
        assert_eq!(note(Lang::Vi, "assign", "ai đó"), "ai đó");
    }
}
