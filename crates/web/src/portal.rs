//! The citizen's own pages: apply (start → form → documents → check → submit → confirmation) and
//! "my dossiers". Plain HTML forms with redirects after POST, so everything works without JavaScript;
//! the draft is stored at every step, so it can be resumed on another device.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::dossiers::{self, CreateDossier, Outcome, Upload};
use motcua_app::identity::Principal;
use motcua_app::reuse::Obtained;
use motcua_app::views::DossierView;
use motcua_app::{AppError, ErrorCode, catalogue, org};
use motcua_domain::catalogue::{Channel, Procedure, RequirementKind};
use motcua_domain::form::FieldType;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, TIME_DATE, UiLang, chrome, error_page, local_time, message, render};

/// A signed-in citizen, or the response that sends them to sign in and come back.
pub(crate) fn citizen(
    ui: &UiLang,
    who: &Option<Principal>,
    back_to: &str,
) -> Result<Principal, Box<Response>> {
    match who {
        Some(p @ Principal::Citizen { .. }) => Ok(p.clone()),
        Some(Principal::Staff { .. }) => Err(Box::new(error_page(
            ui,
            who,
            StatusCode::FORBIDDEN,
            t(ui.lang, "error.title"),
            t(ui.lang, "apply.not_found"),
        ))),
        None => {
            let target = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", back_to)
                .finish();
            Err(Box::new(
                Redirect::to(&format!("/auth/login?{target}")).into_response(),
            ))
        }
    }
}

/// Which journey an apply page belongs to: a citizen applying online (`/my/…`) or a one-stop officer
/// entering a walk-in or postal dossier at the counter (`/staff/intake/…`). The pages and rules are
/// the same; the base path, who may use them and where they lead afterwards differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journey {
    Online,
    Counter,
    /// A community digital team member applying for a citizen, with their consent.
    Assisted,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Journey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(if parts.uri.path().starts_with("/staff/intake") {
            Journey::Counter
        } else if parts.uri.path().starts_with("/staff/assist") {
            Journey::Assisted
        } else {
            Journey::Online
        })
    }
}

impl Journey {
    pub(crate) fn base(self) -> &'static str {
        match self {
            Journey::Online => "/my",
            Journey::Counter => "/staff/intake",
            Journey::Assisted => "/staff/assist",
        }
    }

    /// Where a dossier that can no longer be edited is shown.
    fn dossier_page(self, code: &str) -> String {
        match self {
            Journey::Online => format!("/my/{code}"),
            Journey::Counter => format!("/staff/dossiers/{code}"),
            // Once submitted, the dossier is the citizen's and the agency's, not the helper's.
            Journey::Assisted => "/staff/assist".to_owned(),
        }
    }

    /// The person allowed on this journey, or the response that sends them to sign in.
    fn person(
        self,
        ui: &UiLang,
        who: &Option<Principal>,
        back_to: &str,
    ) -> Result<Principal, Box<Response>> {
        match (self, who) {
            (Journey::Online, _) => citizen(ui, who, back_to),
            (Journey::Counter | Journey::Assisted, Some(p @ Principal::Staff { .. })) => {
                Ok(p.clone())
            }
            (Journey::Counter | Journey::Assisted, _) => {
                Err(Box::new(Redirect::to("/staff").into_response()))
            }
        }
    }
}

pub(crate) fn app_error(ui: &UiLang, who: &Option<Principal>, e: &AppError) -> Response {
    if e.kind == ErrorCode::Internal {
        return crate::pages::server_error(ui, who, e);
    }
    let status = crate::problem::status_of(e.kind);
    let msg = if ui.lang == Lang::En {
        &e.message_en
    } else {
        &e.message_vi
    };
    error_page(ui, who, status, t(ui.lang, "apply.errors_title"), msg)
}

#[derive(Template)]
#[template(path = "apply_start.html")]
struct StartPage {
    c: Chrome,
    code: String,
    name: String,
    idem: String,
    /// The enterprises the citizen may apply for (procedures enterprises apply for only).
    enterprises: Vec<motcua_app::enterprise::EnterpriseRef>,
    /// The business registration database could not say whom they represent.
    register_down: bool,
}

fn pname(lang: Lang, p: &Procedure) -> String {
    if lang == Lang::En && !p.name_en.is_empty() {
        p.name_en.clone()
    } else {
        p.name_vi.clone()
    }
}

pub async fn apply_start(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let principal = match citizen(&ui, &who, &format!("/apply/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match catalogue::current(&s.app, &code).await {
        Ok(Some(p)) => {
            let (enterprises, register_down) = if p.admits_enterprises() {
                match motcua_app::enterprise::represented(&s.app, &principal, "apply.enterprise")
                    .await
                {
                    Ok(Ok(list)) => (list, false),
                    Ok(Err(_)) => (Vec::new(), true),
                    Err(e) => return app_error(&ui, &who, &e),
                }
            } else {
                (Vec::new(), false)
            };
            let page = StartPage {
                c: chrome(&ui, &who, "apply.start_title"),
                code: p.code.as_str().to_owned(),
                name: pname(ui.lang, &p),
                // Each rendering gets its own key: a double click or a retried POST makes one draft.
                idem: uuid::Uuid::new_v4().to_string(),
                enterprises,
                register_down,
            };
            render(&ui, StatusCode::OK, &page)
        }
        Ok(None) => crate::pages::not_found_page(&ui, &who),
        Err(e) => app_error(&ui, &who, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct IdemForm {
    #[serde(default)]
    idem: String,
    /// At the counter: how the fees were paid: `cash`, `card` or `none`.
    #[serde(default)]
    fee: Option<String>,
    /// Applying: `self`, or the code of an enterprise the citizen represents.
    #[serde(default)]
    applying_for: Option<String>,
}

pub(crate) fn code_of(o: Outcome) -> String {
    match o {
        Outcome::Fresh(v) => v.code,
        Outcome::Replay(r) => r
            .body
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

pub async fn apply_create(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<IdemForm>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/apply/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let on_behalf_of = f.applying_for.filter(|v| !v.is_empty() && v != "self");
    let raw = json!({ "procedure": code, "on_behalf_of": on_behalf_of });
    let input = CreateDossier {
        procedure: code.clone(),
        channel: Channel::Online,
        applicant: None,
        receiving_point: None,
        agency: None,
        on_behalf_of,
    };
    let key = (!f.idem.is_empty()).then_some(f.idem.as_str());
    match dossiers::create(&s.app, &p, input, &raw, key).await {
        Ok(o) => {
            let code = code_of(o);
            // Once-only (SPEC §7): the papers the national databases hold are filed at once; one
            // that cannot answer is said on the files page.
            if let Err(e) = motcua_app::reuse::obtain_components(&s.app, &p, &code).await {
                tracing::warn!(error = %e, "could not obtain components from the national databases");
            }
            Redirect::to(&format!("/my/{code}/form")).into_response()
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct FieldView {
    key: String,
    label: String,
    kind: &'static str,
    input_type: &'static str,
    inputmode: &'static str,
    required: bool,
    prefilled: bool,
    note: Option<String>,
    value: String,
    options: Vec<Opt>,
    province: String,
    communes: Vec<Opt>,
    street: String,
    error: Option<String>,
    /// A date field's allowed range as `YYYY-MM-DD`, for the browser's date picker; empty otherwise.
    min: String,
    max: String,
    /// Written by the system from another answer (the date of birth in words): shown, not typed.
    derived_from: Option<String>,
}

struct ErrorLink {
    field: String,
    label: String,
    message: String,
}

#[derive(Template)]
#[template(path = "apply_form.html")]
struct FormPage {
    c: Chrome,
    base: &'static str,
    /// Drafts autosave on the citizen's journey; at the counter the officer saves each page.
    autosave: bool,
    code: String,
    name: String,
    fields: Vec<FieldView>,
    provinces: Vec<Opt>,
    errors: Vec<ErrorLink>,
    /// This page's part of the form (0-based), of how many; its title when the form has parts.
    section: usize,
    sections: usize,
    section_title: Option<String>,
    /// The address field whose commune list was just refreshed: focus returns to it.
    refreshed: Option<String>,
}

fn kind_of(t: FieldType) -> (&'static str, &'static str, &'static str) {
    match t {
        FieldType::Text => ("text", "text", ""),
        FieldType::Textarea => ("textarea", "text", ""),
        FieldType::Date => ("date", "date", ""),
        FieldType::Number => ("number", "text", "numeric"),
        FieldType::Choice => ("choice", "text", ""),
        FieldType::CitizenId => ("citizen_id", "text", "numeric"),
        FieldType::Phone => ("phone", "tel", "tel"),
        FieldType::Email => ("email", "email", "email"),
        FieldType::Address => ("address", "text", ""),
    }
}

/// Flattens stored JSON answers into the strings an HTML form shows (`key`, `key.commune`, `key.street`).
fn flatten(form: &Map<String, Value>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in form {
        match v {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            Value::Number(n) => {
                out.insert(k.clone(), n.to_string());
            }
            Value::Object(o) => {
                for (sub, sv) in o {
                    if let Some(s) = sv.as_str() {
                        out.insert(format!("{k}.{sub}"), s.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

async fn load_for_edit(
    s: &AppState,
    p: &Principal,
    code: &str,
) -> Result<(DossierView, std::sync::Arc<Procedure>), AppError> {
    let view = dossiers::get(&s.app, p, code).await?;
    let proc = catalogue::pinned(&s.app.db, &view.procedure.code, view.procedure.version).await?;
    Ok((view, proc))
}

#[expect(
    clippy::too_many_arguments,
    reason = "two call sites; the page needs each of these"
)]
async fn form_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    view: &DossierView,
    proc: &Procedure,
    values: &HashMap<String, String>,
    prefilled: &HashMap<String, String>,
    errors: &[motcua_domain::form::FieldError],
    j: Journey,
    at: Place,
) -> Result<FormPage, AppError> {
    let lang = ui.lang;
    let shown = crate::i18n::procedure_in(lang, proc);
    let proc: &Procedure = &shown;
    let provinces = org::provinces(&s.app).await?;
    let parts = proc.form.sections();
    let section = at.section.min(parts.len().saturating_sub(1));
    let range = parts.get(section).map(|p| p.fields.clone()).unwrap_or(0..0);
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    let mut fields = Vec::new();
    for f in &proc.form.fields[range] {
        let (kind, input_type, inputmode) = kind_of(f.field_type);
        let range = (f.field_type == FieldType::Date).then(|| f.date_range(today));
        let error = errors.iter().find(|e| e.field == f.key).map(|e| {
            if lang == Lang::En {
                e.message_en.clone()
            } else {
                e.message_vi.clone()
            }
        });
        let get = |k: &str| values.get(k).cloned().unwrap_or_default();
        let mut fv = FieldView {
            key: f.key.clone(),
            label: f.label.clone(),
            kind,
            input_type,
            inputmode,
            required: f.required,
            prefilled: prefilled.contains_key(&f.key)
                || prefilled.contains_key(&format!("{}.commune", f.key)),
            note: f.note.clone(),
            // What most applicants answer is there to change, not to type.
            value: Some(get(&f.key))
                .filter(|v| !v.is_empty())
                .or_else(|| f.default.clone())
                .unwrap_or_default(),
            options: f
                .options
                .iter()
                .map(|o| Opt {
                    value: o.value.clone(),
                    label: o.label.clone(),
                    selected: match values.get(&f.key).filter(|v| !v.is_empty()) {
                        Some(v) => v == &o.value,
                        None => f.default.as_ref() == Some(&o.value),
                    },
                })
                .collect(),
            province: String::new(),
            communes: Vec::new(),
            street: get(&format!("{}.street", f.key)),
            error,
            min: range.map(|r| r.min.to_string()).unwrap_or_default(),
            max: range.map(|r| r.max.to_string()).unwrap_or_default(),
            derived_from: f
                .in_words_of
                .as_ref()
                .and_then(|k| proc.form.field(k))
                .map(|src| src.label.clone()),
        };
        if f.field_type == FieldType::Address {
            let commune = get(&format!("{}.commune", f.key));
            let chosen = get(&format!("{}.province", f.key));
            let province = if !chosen.is_empty() {
                chosen
            } else if let Some(u) = org::admin_unit(&s.app, &commune).await? {
                u.province_code
            } else {
                org::province_code(org::DEMO_PROVINCE)
            };
            fv.communes = org::communes_of(&s.app, &province)
                .await?
                .into_iter()
                .map(|c| Opt {
                    selected: c.code == commune,
                    value: c.code,
                    label: c.name,
                })
                .collect();
            fv.province = province;
        }
        fields.push(fv);
    }
    let errors = errors
        .iter()
        .map(|e| ErrorLink {
            field: e.field.clone(),
            label: proc
                .form
                .field(&e.field)
                .map(|f| f.label.clone())
                .unwrap_or_else(|| e.field.clone()),
            message: if lang == Lang::En {
                e.message_en.clone()
            } else {
                e.message_vi.clone()
            },
        })
        .collect();
    Ok(FormPage {
        c: chrome(ui, who, "apply.step_form"),
        base: j.base(),
        autosave: j == Journey::Online,
        code: view.code.clone(),
        name: pname(lang, proc),
        fields,
        provinces: provinces
            .into_iter()
            .map(|p| Opt {
                value: p.code,
                label: p.name,
                selected: false,
            })
            .collect(),
        errors,
        section,
        sections: parts.len(),
        section_title: parts.get(section).and_then(|p| {
            if lang == Lang::En {
                p.title_en.clone().or_else(|| p.title.clone())
            } else {
                p.title.clone()
            }
        }),
        refreshed: at.refreshed,
    })
}

/// Where on the form a page is: the part shown, and the address whose communes were refreshed.
#[derive(Debug, Default)]
struct Place {
    section: usize,
    refreshed: Option<String>,
}

impl Place {
    fn part(section: usize) -> Self {
        Place {
            section,
            refreshed: None,
        }
    }
}

/// The form page that asks for this field, anchored at it.
pub(crate) fn field_href(base: &str, code: &str, proc: &Procedure, key: &str) -> String {
    match proc.form.section_of(key) {
        Some(n) if n > 0 => format!("{base}/{code}/form?section={n}#f-{key}"),
        _ => format!("{base}/{code}/form#f-{key}"),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct FormQuery {
    #[serde(default)]
    section: Option<String>,
}

fn editable(view: &DossierView) -> bool {
    view.status == 0 || view.status == 5
}

pub async fn form_get(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<FormQuery>,
) -> Response {
    // An unreadable part number is the first part, never an error.
    let section = q
        .section
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let p = match j.person(&ui, &who, &format!("{}/{code}/form", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (view, proc) = match load_for_edit(&s, &p, &code).await {
        Ok(x) => x,
        Err(e) => return app_error(&ui, &who, &e),
    };
    if !editable(&view) {
        return Redirect::to(&j.dossier_page(&view.code)).into_response();
    }
    let stored = view.form.as_object().cloned().unwrap_or_default();
    let mut values = flatten(&stored);
    // Once-only (SPEC §7): a new form starts with what the state holds about the applicant.
    let prefilled = if stored.is_empty() {
        match motcua_app::reuse::prefill(&s.app, &p, &view, &proc).await {
            Ok((values, _)) => flatten(&values),
            Err(e) => return app_error(&ui, &who, &e),
        }
    } else {
        HashMap::new()
    };
    for (k, v) in &prefilled {
        values.entry(k.clone()).or_insert_with(|| v.clone());
    }
    match form_page(
        &s,
        &ui,
        &who,
        &view,
        &proc,
        &values,
        &prefilled,
        &[],
        j,
        Place::part(section),
    )
    .await
    {
        Ok(page) => render(&ui, StatusCode::OK, &page),
        Err(e) => app_error(&ui, &who, &e),
    }
}

/// The answers a page's part is saved onto: the stored form, or — before anything is saved — what
/// the state's databases fill in (once-only, SPEC §7), so that the parts not shown on this page
/// keep their prefilled answers.
async fn answers_so_far(
    s: &AppState,
    p: &Principal,
    view: &DossierView,
    proc: &Procedure,
) -> Result<Map<String, Value>, AppError> {
    let stored = view.form.as_object().cloned().unwrap_or_default();
    if !stored.is_empty() {
        return Ok(stored);
    }
    Ok(motcua_app::reuse::prefill(&s.app, p, view, proc).await?.0)
}

/// Turns posted strings into typed JSON answers; blanks clear an answer. Types are checked by the
/// form definition on the server, so a wrong value comes back with its own message.
///
/// Only the fields of `part` are taken from the post; the other parts' answers stay as stored, so
/// saving one page of a long form never clears another.
fn to_answers(
    proc: &Procedure,
    posted: &HashMap<String, String>,
    stored: &Map<String, Value>,
    part: std::ops::Range<usize>,
) -> Map<String, Value> {
    let mut out = stored.clone();
    for f in proc.form.fields.get(part).unwrap_or_default() {
        let v = match f.field_type {
            FieldType::Address => {
                let commune = posted
                    .get(&format!("{}.commune", f.key))
                    .map(|s| s.trim())
                    .unwrap_or("");
                let street = posted
                    .get(&format!("{}.street", f.key))
                    .map(|s| s.trim())
                    .unwrap_or("");
                if commune.is_empty() && street.is_empty() {
                    Value::Null
                } else {
                    json!({ "commune": commune, "street": street })
                }
            }
            FieldType::Number => match posted.get(&f.key).map(|s| s.trim()) {
                None | Some("") => Value::Null,
                Some(s) => s
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(s.to_owned())),
            },
            _ => match posted.get(&f.key).map(|s| s.trim()) {
                None | Some("") => Value::Null,
                Some(s) => Value::String(s.to_owned()),
            },
        };
        out.insert(f.key.clone(), v);
    }
    out
}

pub async fn form_post(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/form", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let posted: HashMap<String, String> = posted.into_iter().collect();
    let (view, proc) = match load_for_edit(&s, &p, &code).await {
        Ok(x) => x,
        Err(e) => return app_error(&ui, &who, &e),
    };
    if !editable(&view) {
        return Redirect::to(&j.dossier_page(&view.code)).into_response();
    }
    let parts = proc.form.sections();
    let section = posted
        .get("_section")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(parts.len().saturating_sub(1));
    // "Update the list of communes": show the chosen province's communes, keep what was typed,
    // and come back to the same address.
    if let Some(field) = posted.get("_refresh") {
        let at = Place {
            section,
            refreshed: proc.form.field(field).map(|f| f.key.clone()),
        };
        return match form_page(
            &s,
            &ui,
            &who,
            &view,
            &proc,
            &posted,
            &HashMap::new(),
            &[],
            j,
            at,
        )
        .await
        {
            Ok(page) => render(&ui, StatusCode::OK, &page),
            Err(e) => app_error(&ui, &who, &e),
        };
    }
    let stored = match answers_so_far(&s, &p, &view, &proc).await {
        Ok(m) => m,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let part = parts.get(section).map(|p| p.fields.clone()).unwrap_or(0..0);
    let errors = match dossiers::save_form(
        &s.app,
        &p,
        &view.code,
        to_answers(&proc, &posted, &stored, part),
    )
    .await
    {
        // Saved; the part is checked for what it still lacks before moving on, so mistakes
        // show where they were made, not at the end.
        Ok(v) => {
            let saved = v.form.as_object().cloned().unwrap_or_default();
            let missing = parts
                .get(section)
                .map(|part| proc.form.check_section_complete(part, &saved))
                .unwrap_or_default();
            if missing.is_empty() {
                let next = if section + 1 < parts.len() {
                    format!("{}/{}/form?section={}", j.base(), v.code, section + 1)
                } else {
                    format!("{}/{}/files", j.base(), v.code)
                };
                return Redirect::to(&next).into_response();
            }
            missing
        }
        Err(e) if !e.fields.is_empty() => e.fields,
        Err(e) => return app_error(&ui, &who, &e),
    };
    match form_page(
        &s,
        &ui,
        &who,
        &view,
        &proc,
        &posted,
        &HashMap::new(),
        &errors,
        j,
        Place::part(section),
    )
    .await
    {
        Ok(page) => render(&ui, StatusCode::UNPROCESSABLE_ENTITY, &page),
        Err(e) => app_error(&ui, &who, &e),
    }
}

struct ComponentView {
    key: String,
    name: String,
    requirement: String,
    /// What is filed for it: "Uploaded: x.pdf", "Taken for you from <database>: y.pdf".
    files: Vec<String>,
    /// The one sentence about how it is provided, when there is something to say.
    status: Option<String>,
    /// Papers only shown in person need no upload; anything else may be uploaded (also to
    /// replace what the system took from a database).
    uploadable: bool,
    accept: String,
    max_mb: u64,
    max_bytes: u64,
}

#[derive(Template)]
#[template(path = "apply_files.html")]
struct FilesPage {
    c: Chrome,
    base: &'static str,
    code: String,
    name: String,
    components: Vec<ComponentView>,
    /// The citizen's warehouse items (id, label), to attach one in a step.
    warehouse: Vec<(String, String)>,
    error: Option<String>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "two call sites; the page needs each of these"
)]
fn files_page(
    ui: &UiLang,
    who: &Option<Principal>,
    s: &AppState,
    view: &DossierView,
    proc: &Procedure,
    obtained: &BTreeMap<String, Obtained>,
    error: Option<String>,
    j: Journey,
) -> FilesPage {
    use motcua_domain::national::{Database, Provision, provision};
    let lang = ui.lang;
    let shown = crate::i18n::procedure_in(lang, proc);
    let proc: &Procedure = &shown;
    let wanted: Vec<String> = view
        .supplement_request
        .as_ref()
        .map(|r| r.components.clone())
        .unwrap_or_default();
    let connected = |d| s.app.connectors.get(d).is_some();
    let db_name = |d| crate::pages::database_name(lang, d);
    let components =
        proc.components
            .iter()
            // While supplementing, exactly what was asked for (SPEC §4).
            .filter(|c| wanted.is_empty() || wanted.contains(&c.key))
            .filter(|c| !matches!(c.copy_kind, motcua_domain::catalogue::CopyKind::EForm))
            .map(|c| {
                let how = provision(c, &connected);
                let files: Vec<String> = view
                    .attachments
                    .iter()
                    .filter(|a| a.component == c.key)
                    .map(|a| {
                        match a
                            .source
                            .strip_prefix("connector:")
                            .and_then(Database::from_name)
                        {
                            Some(d) => format!(
                                "{} {}: {}",
                                t(lang, "apply.taken_from"),
                                db_name(d),
                                a.file_name
                            ),
                            None if a.source == "warehouse" => {
                                format!("{}: {}", t(lang, "apply.from_warehouse"), a.file_name)
                            }
                            None => format!("{}: {}", t(lang, "apply.uploaded"), a.file_name),
                        }
                    })
                    .collect();
                let from_database = view
                    .attachments
                    .iter()
                    .any(|a| a.component == c.key && a.source != "upload");
                let status =
                    match obtained.get(&c.key) {
                        Some(Obtained::Unavailable { database }) if files.is_empty() => Some(
                            format!("{}: {}", db_name(*database), t(lang, "apply.db_down")),
                        ),
                        Some(Obtained::NoRecord { database }) if files.is_empty() => Some(format!(
                            "{}: {}",
                            db_name(*database),
                            t(lang, "apply.db_no_record")
                        )),
                        _ if from_database => Some(t(lang, "apply.replace_hint").to_owned()),
                        _ if files.is_empty() && wanted.is_empty() => {
                            crate::pages::provision_text(lang, s, c)
                        }
                        _ => None,
                    };
                ComponentView {
                    key: c.key.clone(),
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
                    files,
                    status,
                    uploadable: !(how == Provision::ShowInPerson && wanted.is_empty()),
                    accept: c.accepts.join(","),
                    max_mb: c.max_bytes / (1024 * 1024),
                    max_bytes: c.max_bytes,
                }
            })
            .collect();
    FilesPage {
        c: chrome(ui, who, "apply.step_files"),
        base: j.base(),
        code: view.code.clone(),
        name: pname(lang, proc),
        components,
        warehouse: Vec::new(),
        error,
    }
}

/// The warehouse that feeds the dossier (the citizen's, or the enterprise's they apply for) as
/// choices for the documents page ("title, number, date").
async fn warehouse_choices(
    s: &AppState,
    p: &Principal,
    view: &DossierView,
) -> Vec<(String, String)> {
    if !matches!(p, Principal::Citizen { .. }) {
        return Vec::new();
    }
    let items = match motcua_app::warehouse::Owner::of_dossier(&s.app, p, view).await {
        Ok(owner) => motcua_app::warehouse::items(&s.app, &owner).await,
        Err(e) => Err(e),
    };
    match items {
        Ok(items) => items
            .into_iter()
            .filter(|i| i.status == "valid")
            .map(|i| {
                let mut label = i.title;
                if let Some(n) = i.number.filter(|n| !n.is_empty()) {
                    label = format!("{label}, {n}");
                }
                let day = i.issued_at.with_timezone(&s.app.calendar.offset());
                (i.id, format!("{label} ({})", day.format("%d/%m/%Y")))
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "warehouse not listed");
            Vec::new()
        }
    }
}

/// `POST /my/{code}/files/warehouse`: attaches an item of the citizen's warehouse to a component.
pub async fn files_from_warehouse(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/files", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let component = f.get("component").cloned().unwrap_or_default();
    let item = f.get("warehouse_item").cloned().unwrap_or_default();
    match motcua_app::warehouse::attach(&s.app, &p, &code, &component, &item).await {
        Ok(_) => Redirect::to(&format!("{}/{code}/files#c-{component}", j.base())).into_response(),
        Err(e) => match load_for_edit(&s, &p, &code).await {
            Ok((view, proc)) => {
                let mut page = files_page(
                    &ui,
                    &who,
                    &s,
                    &view,
                    &proc,
                    &BTreeMap::new(),
                    Some(message(ui.lang, &e)),
                    j,
                );
                page.warehouse = warehouse_choices(&s, &p, &view).await;
                render(&ui, crate::problem::status_of(e.kind), &page)
            }
            Err(e) => app_error(&ui, &who, &e),
        },
    }
}

/// Files what the national databases hold for the draft's components (a database that cannot
/// answer is said on the page, not an error), then reloads the dossier with them.
async fn with_obtained(
    s: &AppState,
    p: &Principal,
    view: DossierView,
) -> (DossierView, BTreeMap<String, Obtained>) {
    match motcua_app::reuse::obtain_components(&s.app, p, &view.code).await {
        Ok(obtained) => match dossiers::get(&s.app, p, &view.code).await {
            Ok(fresh) => (fresh, obtained),
            Err(_) => (view, obtained),
        },
        Err(e) => {
            tracing::warn!(error = %e, "could not obtain components from the national databases");
            (view, BTreeMap::new())
        }
    }
}

pub async fn files_get(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/files", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match load_for_edit(&s, &p, &code).await {
        Ok((view, _)) if !editable(&view) => {
            Redirect::to(&j.dossier_page(&view.code)).into_response()
        }
        Ok((view, proc)) => {
            let (view, obtained) = with_obtained(&s, &p, view).await;
            let mut page = files_page(&ui, &who, &s, &view, &proc, &obtained, None, j);
            page.warehouse = warehouse_choices(&s, &p, &view).await;
            render(&ui, StatusCode::OK, &page)
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

pub async fn files_post(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    mp: Multipart,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/files", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // A broken body reads as "no file", which the page then asks for.
    let (fields, upload) = crate::api::read_multipart(mp).await.unwrap_or_default();
    let component = fields
        .into_iter()
        .find(|(k, _)| k == "component")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let (view, proc) = match load_for_edit(&s, &p, &code).await {
        Ok(x) => x,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let result = match upload {
        Some(upload) => dossiers::add_attachment(
            &s.app,
            &p,
            &view.code,
            Upload {
                component: component.clone(),
                ..upload
            },
        )
        .await
        .map(|_| ()),
        None => Err(AppError::bad_request(
            "file_required",
            "Vui lòng chọn tệp để tải lên.",
            "Choose a file to upload.",
        )),
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("{}/{}/files#c-{component}", j.base(), view.code)).into_response()
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            render(
                &ui,
                status,
                &files_page(
                    &ui,
                    &who,
                    &s,
                    &view,
                    &proc,
                    &BTreeMap::new(),
                    Some(message(ui.lang, &e)),
                    j,
                ),
            )
        }
    }
}

pub(crate) struct Answer {
    pub(crate) key: String,
    pub(crate) label: String,
    pub(crate) value: String,
    /// The part of the form that asks for it (for the "change" link).
    pub(crate) section: usize,
}

struct Problem {
    href: String,
    text: String,
}

struct FeeOpt {
    value: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "apply_check.html")]
struct CheckPage {
    c: Chrome,
    cost: crate::pages::FeeTable,
    /// Fees to pay online before submitting (formatted), when any are due.
    pay_due: Option<String>,
    base: &'static str,
    /// Fee lines the officer may have collected at the counter (empty online).
    fees: Vec<FeeOpt>,
    counter: bool,
    code: String,
    name: String,
    answers: Vec<Answer>,
    files: Vec<String>,
    problems: Vec<Problem>,
    idem: String,
    /// Remote signing is offered (online, and a service is configured).
    can_sign: bool,
    signature: Option<crate::signing::SignatureLine>,
}

pub(crate) async fn answers_of(
    s: &AppState,
    proc: &Procedure,
    form: &Map<String, Value>,
) -> Result<Vec<Answer>, AppError> {
    Ok(motcua_app::issued::answers(&s.app, proc, form)
        .await?
        .into_iter()
        .map(|a| Answer {
            section: proc.form.section_of(&a.key).unwrap_or(0),
            key: a.key,
            label: a.label,
            value: a.value,
        })
        .collect())
}

async fn check_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    view: &DossierView,
    proc: &Procedure,
    extra: Option<&AppError>,
    j: Journey,
) -> Result<CheckPage, AppError> {
    let lang = ui.lang;
    let shown = crate::i18n::procedure_in(lang, proc);
    let proc: &Procedure = &shown;
    let form = view.form.as_object().cloned().unwrap_or_default();
    let mut problems: Vec<Problem> = proc
        .form
        .check_complete(&form)
        .into_iter()
        .map(|e| Problem {
            href: field_href(j.base(), &view.code, proc, &e.field),
            text: format!(
                "{}: {}",
                proc.form
                    .field(&e.field)
                    .map(|f| f.label.as_str())
                    .unwrap_or(&e.field),
                if lang == Lang::En {
                    &e.message_en
                } else {
                    &e.message_vi
                }
            ),
        })
        .collect();
    for key in dossiers::components_to_upload(&s.app, proc, &view.channel) {
        if !view.attachments.iter().any(|a| a.component == key) {
            let name = proc
                .component(key)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| key.to_owned());
            problems.push(Problem {
                href: format!("{}/{}/files#c-{key}", j.base(), view.code),
                text: format!("{}: {name}", t(lang, "apply.missing_components")),
            });
        }
    }
    if let Some(e) = extra
        && problems.is_empty()
    {
        problems.push(Problem {
            href: "#main".into(),
            text: message(lang, e),
        });
    }
    // At the counter the officer says how the fees shown were paid (or that nothing was).
    let fees: Vec<FeeOpt> = if j == Journey::Counter {
        ["cash", "card", "none"]
            .into_iter()
            .map(|m| FeeOpt {
                value: m,
                label: t(ui.lang, &format!("intake.fee_method.{m}")).to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let can_sign = j == Journey::Online && s.remote_signing.is_some();
    let signature = if can_sign {
        motcua_app::applicant_signing::status(&s.app, view)
            .await?
            .and_then(|v| crate::signing::line(s, &v))
    } else {
        None
    };
    let pay_due = match (j, who) {
        (Journey::Online, Some(p)) => motcua_app::payments::owed(&s.app, p, &view.code)
            .await?
            .map(|a| crate::pages::money(lang, a)),
        _ => None,
    };
    Ok(CheckPage {
        c: chrome(ui, who, "apply.step_check"),
        cost: crate::pages::fee_table(lang, &view.fees),
        pay_due,
        base: j.base(),
        fees,
        counter: j == Journey::Counter,
        code: view.code.clone(),
        name: pname(lang, proc),
        answers: answers_of(s, proc, &form).await?,
        files: view
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "{} — {}",
                    a.file_name,
                    proc.component(&a.component)
                        .map(|c| c.name.as_str())
                        .unwrap_or(&a.component)
                )
            })
            .collect(),
        problems,
        idem: uuid::Uuid::new_v4().to_string(),
        can_sign,
        signature,
    })
}

pub async fn check_get(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/check", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (view, proc) = match load_for_edit(&s, &p, &code).await {
        Ok(x) => x,
        Err(e) => return app_error(&ui, &who, &e),
    };
    if view.status != 0 {
        return Redirect::to(&j.dossier_page(&view.code)).into_response();
    }
    match check_page(&s, &ui, &who, &view, &proc, None, j).await {
        Ok(page) => render(&ui, StatusCode::OK, &page),
        Err(e) => app_error(&ui, &who, &e),
    }
}

pub async fn submit_post(
    ui: UiLang,
    j: Journey,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<IdemForm>,
) -> Response {
    let p = match j.person(&ui, &who, &format!("{}/{code}/check", j.base())) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let key = (!f.idem.is_empty()).then_some(f.idem.as_str());
    let submitted = match (j, f.fee.as_deref()) {
        (Journey::Online | Journey::Assisted, _) => dossiers::submit(&s.app, &p, &code, key).await,
        // The officer says what was collected, even "nothing": a forgotten choice is asked again.
        (Journey::Counter, None) => Err(AppError::new(
            ErrorCode::Unprocessable,
            "fee_choice_required",
            "Chọn cách thu phí, lệ phí (tiền mặt, thẻ) hoặc \"không thu\".",
            "Choose how the fee was paid (cash, card) or \"nothing collected\".",
        )),
        (Journey::Counter, Some(choice)) => {
            match motcua_app::counter::CollectedFee::parse(choice) {
                Some(fee) => dossiers::submit_with_fee(&s.app, &p, &code, key, Some(fee)).await,
                None => Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "fee_choice_required",
                    "Chọn cách thu phí, lệ phí (tiền mặt, thẻ) hoặc \"không thu\".",
                    "Choose how the fee was paid (cash, card) or \"nothing collected\".",
                )),
            }
        }
    };
    match submitted {
        Ok(o) => {
            let code = code_of(o);
            let to = match j {
                Journey::Online => format!("/my/{code}/done"),
                Journey::Counter => format!("/staff/dossiers/{code}"),
                Journey::Assisted => format!("/staff/assist?submitted={code}"),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) if e.kind == ErrorCode::Internal || e.kind == ErrorCode::NotFound => {
            app_error(&ui, &who, &e)
        }
        Err(e) => {
            // Nothing entered is lost: the draft is stored; show what to fix, where.
            let (view, proc) = match load_for_edit(&s, &p, &code).await {
                Ok(x) => x,
                Err(e2) => return app_error(&ui, &who, &e2),
            };
            if view.status != 0 {
                return Redirect::to(&j.dossier_page(&view.code)).into_response();
            }
            match check_page(&s, &ui, &who, &view, &proc, Some(&e), j).await {
                Ok(page) => render(&ui, StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(e) => app_error(&ui, &who, &e),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "apply_done.html")]
struct DonePage {
    c: Chrome,
    cost: crate::pages::FeeTable,
    code: String,
    receipt_due: String,
    /// The acknowledgement of the submission, as PDF.
    acknowledgement: String,
}

pub async fn done(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/done")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match dossiers::get(&s.app, &p, &code).await {
        Ok(v) => render(
            &ui,
            StatusCode::OK,
            &DonePage {
                c: chrome(&ui, &who, "apply.done_title"),
                cost: crate::pages::fee_table(ui.lang, &v.fees),
                receipt_due: local_time(&s, v.receipt_due_at, TIME_DATE),
                acknowledgement: format!(
                    "/my/{}/notices/{}",
                    v.code,
                    motcua_documents::templates::NoticeKind::Submitted.slug()
                ),
                code: v.code,
            },
        ),
        Err(e) => app_error(&ui, &who, &e),
    }
}

struct Row {
    href: String,
    code: String,
    procedure: String,
    /// Whom the dossier is about (the child's name), when the procedure says which field tells.
    subject: Option<String>,
    status: String,
    submitted: String,
    due: String,
    /// A draft: the applicant may delete it.
    draft: bool,
}

#[derive(Template)]
#[template(path = "my_list.html")]
struct MyList {
    c: Chrome,
    rows: Vec<Row>,
    /// The reference of the draft just deleted, for the confirmation banner.
    deleted: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct MyListQuery {
    #[serde(default)]
    deleted: Option<String>,
}

pub async fn my_list(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(q): Query<MyListQuery>,
) -> Response {
    let p = match citizen(&ui, &who, "/my") {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let list = match dossiers::list(&s.app, &p, &Default::default()).await {
        Ok(l) => l,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let names = crate::pages::procedure_names(&s, ui.lang).await;
    let mut rows = Vec::new();
    for d in list {
        let procedure = names
            .get(&d.procedure_code)
            .cloned()
            .unwrap_or_else(|| d.procedure_code.clone());
        rows.push(Row {
            href: if d.status == 0 {
                format!("/my/{}/form", d.code)
            } else {
                format!("/my/{}", d.code)
            },
            status: t(ui.lang, &format!("status.{}", d.status)).to_owned(),
            submitted: d
                .submitted_at
                .map(|_| local_time(&s, d.submitted_at, TIME_DATE))
                .unwrap_or_default(),
            due: d
                .due_at
                .map(|_| local_time(&s, d.due_at, TIME_DATE))
                .unwrap_or_default(),
            draft: d.status == 0,
            code: d.code,
            subject: d.subject,
            procedure,
        });
    }
    render(
        &ui,
        StatusCode::OK,
        &MyList {
            c: chrome(&ui, &who, "my.title"),
            rows,
            // Only a draft reference is echoed: the banner never prints what a link made up.
            deleted: q.deleted.filter(|r| {
                r.len() <= 20
                    && r.starts_with("NHAP-")
                    && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }),
        },
    )
}

#[derive(Template)]
#[template(path = "my_documents.html")]
struct MyDocuments {
    c: Chrome,
    items: Vec<WarehouseRow>,
}

struct WarehouseRow {
    title: String,
    number: String,
    agency: String,
    issued: String,
    revoked: bool,
    sha256: String,
    dossier_code: String,
    url: String,
    verify_url: String,
}

/// `/my/documents`: the citizen's electronic results, from every dossier (SPEC §7 warehouse).
pub async fn my_documents(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
) -> Response {
    let p = match citizen(&ui, &who, "/my/documents") {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let items = match motcua_app::issued::warehouse(&s.app, &p).await {
        Ok(items) => items,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let items = items
        .into_iter()
        .map(|i| WarehouseRow {
            issued: local_time(&s, Some(i.issued_at), TIME_DATE),
            revoked: i.status == "revoked",
            title: i.title,
            number: i.number,
            agency: i.agency,
            sha256: i.sha256,
            dossier_code: i.dossier_code,
            url: i.url,
            verify_url: i.verify_url,
        })
        .collect();
    render(
        &ui,
        StatusCode::OK,
        &MyDocuments {
            c: chrome(&ui, &who, "warehouse.title"),
            items,
        },
    )
}

struct DossierPageView {
    /// The request's note and the names of the components asked for, while supplementing.
    supplement: Option<(String, Vec<String>)>,
    can_withdraw: bool,
    returned: bool,
    status_help: String,
    /// The rating already given, in words.
    rated: Option<String>,
    code: String,
    procedure: String,
    status: String,
    holder: String,
    /// "Name (code)" of the enterprise applied for.
    enterprise: Option<String>,
    due: String,
    is_draft: bool,
    documents: Vec<MyDocument>,
    /// (slug, label) of the slips the citizen can download.
    notices: Vec<(String, String)>,
    history: Vec<(String, String)>,
    sent: Vec<crate::pages::SentLine>,
    /// What the applicant answered and filed, to read back after submitting: (label, value) and
    /// (component — file name, download URL).
    answers: Vec<(String, String)>,
    files: Vec<(String, String)>,
    /// An interconnected application's members: (procedure, code or "", status in words).
    members: Vec<(String, String, String)>,
    /// The interconnected application a member dossier is part of.
    group: Option<String>,
}

struct MyDocument {
    name: String,
    url: String,
    number: Option<String>,
    verify_url: Option<String>,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "my_dossier.html")]
struct MyDossier {
    c: Chrome,
    cost: crate::pages::FeeTable,
    /// Asked to pay: the amount still due, formatted.
    pay_due: Option<String>,
    d: DossierPageView,
    error: Option<String>,
}

pub async fn my_dossier(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    dossier_page(&s, &ui, &who, &p, &code, StatusCode::OK, None).await
}

async fn dossier_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let v = match dossiers::get(&s.app, p, code).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    let lang = ui.lang;
    let history = v
        .history
        .iter()
        .filter(|h| h.from_status != h.to_status || h.action == "create")
        .map(|h| {
            let mut text = t(lang, &format!("status.{}", h.to_status)).to_owned();
            if let Some(n) = &h.note {
                text.push_str(" — ");
                text.push_str(&crate::pages::history_note(
                    lang,
                    &h.action,
                    n,
                    &HashMap::new(),
                ));
            }
            (local_time(s, Some(h.at), TIME_DATE), text)
        })
        .collect();
    let supplement = match &v.supplement_request {
        Some(r) => {
            let proc = catalogue::pinned(&s.app.db, &v.procedure.code, v.procedure.version)
                .await
                .ok();
            let proc = proc.as_ref().map(|p| crate::i18n::procedure_in(lang, p));
            let note = v
                .history
                .iter()
                .rev()
                .find(|h| h.action == "request_supplement")
                .and_then(|h| h.note.clone())
                .unwrap_or_default();
            let names = r
                .components
                .iter()
                .map(|k| {
                    proc.as_ref()
                        .and_then(|p| p.component(k))
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| k.clone())
                })
                .collect();
            Some((note, names))
        }
        None => None,
    };
    let rated = match dossiers::rating_of(&s.app, p, code).await {
        Ok(r) => r.map(|r| t(lang, &format!("rate.{r}")).to_owned()),
        Err(e) => return app_error(ui, who, &e),
    };
    let proc = catalogue::pinned(&s.app.db, &v.procedure.code, v.procedure.version).await;
    let shown = proc
        .as_ref()
        .ok()
        .map(|p| crate::i18n::procedure_in(lang, p));
    let (answers, files) = match (shown.as_deref(), v.form.as_object()) {
        (Some(pr), Some(form)) => {
            let answers = match answers_of(s, pr, form).await {
                Ok(a) => a.into_iter().map(|a| (a.label, a.value)).collect(),
                Err(e) => return app_error(ui, who, &e),
            };
            let files = v
                .attachments
                .iter()
                .map(|a| {
                    let component = pr
                        .component(&a.component)
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| a.component.clone());
                    (format!("{component} — {}", a.file_name), a.url.clone())
                })
                .collect();
            (answers, files)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let cost = crate::pages::fee_table(lang, &v.fees).of_member(v.group.as_deref());
    let pay_due = if v.status == 6 {
        match motcua_app::payments::owed(&s.app, p, code).await {
            Ok(o) => o.map(|a| crate::pages::money(lang, a)),
            Err(e) => return app_error(ui, who, &e),
        }
    } else {
        None
    };
    let d = DossierPageView {
        answers,
        files,
        enterprise: v
            .on_behalf_of
            .as_ref()
            .map(|e| format!("{} ({})", e.name, e.code)),
        returned: v.status == 10,
        status_help: t(lang, &format!("status_help.{}", v.status)).to_owned(),
        rated,
        supplement,
        // Withdrawing a group asks it of each member still being worked.
        can_withdraw: withdrawable(v.status),
        members: member_rows(lang, &v.members),
        group: v.group.clone(),
        procedure: if lang == Lang::En {
            v.procedure.name_en.clone()
        } else {
            v.procedure.name_vi.clone()
        },
        status: t(lang, &format!("status.{}", v.status)).to_owned(),
        holder: if v.status <= 1 {
            v.receiving_agency.name.clone()
        } else {
            v.competent_agency.name.clone()
        },
        due: local_time(s, v.due_at, TIME_DATE),
        is_draft: v.status == 0,
        documents: v
            .documents
            .iter()
            .filter(|d| !d.is_notice())
            .map(|d| MyDocument {
                name: d.file_name.clone(),
                url: d.url.clone(),
                number: d.number.clone(),
                verify_url: d.verify_url.clone(),
                revoked: d.status.as_deref() == Some("revoked"),
            })
            .collect(),
        notices: crate::verify::notices_of(lang, &v, true),
        history,
        sent: crate::pages::sent_lines(s, lang, p, code).await,
        code: v.code,
    };
    render(
        ui,
        status,
        &MyDossier {
            c: chrome(ui, who, "my.title"),
            cost,
            pay_due,
            d,
            error,
        },
    )
}

/// After an action from the dossier page: back to the page, or the page again with the reason.
async fn after_action(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    result: Result<String, AppError>,
) -> Response {
    match result {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(e) if e.kind == ErrorCode::Internal || e.kind == ErrorCode::NotFound => {
            app_error(ui, who, &e)
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            dossier_page(s, ui, who, p, code, status, Some(message(ui.lang, &e))).await
        }
    }
}

/// Sends the supplementation (the uploads were made on the documents page).
pub async fn supplement_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let result = dossiers::act(
        &s.app,
        &p,
        &code,
        motcua_domain::lifecycle::Command::Supplement,
        dossiers::IssueDetails::default(),
    )
    .await
    .map(|v| format!("/my/{}", v.code));
    after_action(&s, &ui, &who, &p, &code, result).await
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
    /// Sent by the confirmation page's button only: a withdrawal cannot be undone.
    #[serde(default)]
    confirm: String,
}

#[derive(Template)]
#[template(path = "my_withdraw.html")]
struct WithdrawPage {
    c: Chrome,
    code: String,
    procedure: String,
    /// Nobody has received it yet: the withdrawal takes effect at once.
    at_once: bool,
    /// An interconnected application: each member still being handled is asked to be withdrawn.
    group: bool,
    reason: String,
}

/// `GET /my/{code}/withdraw`: what withdrawing means for this dossier, and the confirmation.
pub async fn withdraw_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/withdraw")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    withdraw_page(&s, &ui, &who, &p, &code, String::new()).await
}

async fn withdraw_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    reason: String,
) -> Response {
    let v = match dossiers::get(&s.app, p, code).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    if !withdrawable(v.status) {
        return Redirect::to(&format!("/my/{}", v.code)).into_response();
    }
    render(
        ui,
        StatusCode::OK,
        &WithdrawPage {
            c: chrome(ui, who, "my.withdraw_title"),
            procedure: pname_of(ui.lang, &v),
            at_once: v.status == 1,
            group: !v.members.is_empty(),
            code: v.code,
            reason,
        },
    )
}

/// The state machine's rule, for a view's status code.
fn withdrawable(status: u8) -> bool {
    motcua_domain::lifecycle::Status::from_code(status).is_some_and(|s| s.withdrawable())
}

pub async fn withdraw_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if f.confirm != "yes" {
        // Only the confirmation page's button withdraws; anything else is shown that page.
        return withdraw_page(&s, &ui, &who, &p, &code, f.reason).await;
    }
    let command = motcua_domain::lifecycle::Command::RequestWithdrawal { reason: f.reason };
    let result = dossiers::act(
        &s.app,
        &p,
        &code,
        command,
        dossiers::IssueDetails::default(),
    )
    .await
    .map(|v| format!("/my/{}", v.code));
    after_action(&s, &ui, &who, &p, &code, result).await
}

#[derive(Template)]
#[template(path = "my_delete.html")]
struct DeletePage {
    c: Chrome,
    code: String,
    procedure: String,
    /// Whom the draft is about, when the form says (the child's name).
    subject: Option<String>,
    files: usize,
    error: Option<String>,
}

/// `GET /my/{code}/delete`: what deleting a draft throws away, and the confirmation.
pub async fn delete_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/delete")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    delete_page(&s, &ui, &who, &p, &code, None).await
}

async fn delete_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    error: Option<String>,
) -> Response {
    let v = match dossiers::get(&s.app, p, code).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    if v.status != 0 {
        return Redirect::to(&format!("/my/{}", v.code)).into_response();
    }
    let subject = match catalogue::pinned(&s.app.db, &v.procedure.code, v.procedure.version).await {
        Ok(proc) => v
            .form
            .as_object()
            .and_then(|form| proc.form.subject_of(form)),
        Err(e) => return app_error(ui, who, &e),
    };
    render(
        ui,
        if error.is_some() {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
        &DeletePage {
            c: chrome(ui, who, "my.delete_title"),
            procedure: pname_of(ui.lang, &v),
            subject,
            // What the applicant uploaded; the records the state's databases gave come again.
            files: v
                .attachments
                .iter()
                .filter(|a| a.source == "upload")
                .count(),
            code: v.code,
            error,
        },
    )
}

fn pname_of(lang: Lang, v: &DossierView) -> String {
    crate::i18n::text_in(lang, &v.procedure.name_vi, Some(&v.procedure.name_en)).to_owned()
}

#[derive(serde::Deserialize)]
pub struct DeleteForm {
    /// Sent by the confirmation page's button only: a deleted draft cannot be brought back.
    #[serde(default)]
    confirm: String,
}

/// `POST /my/{code}/delete`: deletes the draft, then "my dossiers" says so.
pub async fn delete_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<DeleteForm>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/delete")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if f.confirm != "yes" {
        return delete_page(&s, &ui, &who, &p, &code, None).await;
    }
    match motcua_app::drafts::delete(&s.app, &p, &code).await {
        Ok(draft_ref) => Redirect::to(&format!("/my?deleted={draft_ref}")).into_response(),
        Err(e) if e.kind == ErrorCode::Conflict => {
            delete_page(&s, &ui, &who, &p, &code, Some(message(ui.lang, &e))).await
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

#[derive(serde::Deserialize)]
pub struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    reason: String,
}

pub async fn rate_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<RateForm>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let result = dossiers::rate(&s.app, &p, &code, &f.rating, &f.reason)
        .await
        .map(|()| format!("/my/{code}#rate-h"));
    after_action(&s, &ui, &who, &p, &code, result).await
}

/// Background save from `static/app.js`: stores every answer that is valid now and leaves the rest
/// for the citizen to fix on "Save and continue". 204 when saved, 401 when the session is gone.
pub async fn autosave(
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let Some(p @ Principal::Citizen { .. }) = who else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let posted: HashMap<String, String> = posted.into_iter().collect();
    let Ok((view, proc)) = load_for_edit(&s, &p, &code).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !editable(&view) {
        return StatusCode::CONFLICT.into_response();
    }
    // The page posts only its own part of the form.
    let part = posted
        .get("_section")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .and_then(|n| proc.form.sections().get(n).map(|p| p.fields.clone()))
        .unwrap_or(0..proc.form.fields.len());
    let Ok(stored) = answers_so_far(&s, &p, &view, &proc).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut answers = to_answers(&proc, &posted, &stored, part);
    for _ in 0..2 {
        match dossiers::save_form(&s.app, &p, &view.code, answers.clone()).await {
            Ok(_) => return StatusCode::NO_CONTENT.into_response(),
            Err(e) if !e.fields.is_empty() => {
                for f in &e.fields {
                    answers.remove(&f.field);
                }
            }
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
    StatusCode::UNPROCESSABLE_ENTITY.into_response()
}

/// An interconnected application's members as a table's rows: (procedure, code or "", status in
/// words).
pub(crate) fn member_rows(
    lang: Lang,
    members: &[motcua_app::groups::MemberView],
) -> Vec<(String, String, String)> {
    members
        .iter()
        .map(|m| {
            let name = if lang == Lang::En && !m.procedure_name_en.is_empty() {
                m.procedure_name_en.clone()
            } else {
                m.procedure_name_vi.clone()
            };
            let status = match (m.state, m.status) {
                ("started", Some(st)) => t(lang, &format!("status.{st}")).to_owned(),
                ("cancelled", _) => t(lang, "my.member_cancelled").to_owned(),
                _ => t(lang, "my.member_waiting").to_owned(),
            };
            (name, m.code.clone().unwrap_or_default(), status)
        })
        .collect()
}
