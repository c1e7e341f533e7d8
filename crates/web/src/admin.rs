//! The agency administrator's page (`/staff/admin`): accounts, roles, deactivation and password
//! resets; receiving points; workflow templates (time per step, default assignees); paperless
//! days. The rules are in `motcua_app::admin` and `motcua_app::workflow`.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::admin::{self, ASSIGNABLE};
use motcua_app::identity::Principal;
use motcua_app::workflow;
use motcua_app::{AppError, ErrorCode};
use motcua_domain::lifecycle::Role;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::t;
use crate::pages::{Chrome, UiLang, chrome, message, render};

struct RoleBox {
    value: &'static str,
    label: String,
    checked: bool,
}

struct StaffView {
    username: String,
    /// Safe for element ids.
    slug: String,
    full_name: String,
    active: bool,
    roles: Vec<RoleBox>,
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
struct AdminPage {
    c: Chrome,
    agency: String,
    staff: Vec<StaffView>,
    new_roles: Vec<RoleBox>,
    points: Vec<admin::PointRow>,
    /// (code, name) of every procedure, for the workflow form.
    procedures: Vec<(String, String)>,
    /// The templates the agency set.
    templates: Vec<TemplateView>,
    /// The workflow form, prefilled from `?procedure=`.
    wf: WorkflowForm,
    paperless: Vec<DayBox>,
    error: Option<String>,
    done: Option<String>,
}

struct TemplateView {
    procedure: String,
    name: String,
    hours: [String; 4],
    assignees: String,
}

struct Choice {
    value: String,
    /// "Trần Thị Hoa (specialist@…)": the person, and the account an administrator manages.
    label: String,
    checked: bool,
}

#[derive(Default)]
struct WorkflowForm {
    /// Empty until a procedure is chosen.
    procedure: String,
    name: String,
    legal_hours: String,
    hours: [String; 4],
    specialists: Vec<Choice>,
}

struct DayBox {
    /// The weekday's short name in lower case, as the form posts it ("thu").
    value: String,
    label: String,
    checked: bool,
}

/// Hours as an administrator types them: "0.5", "5.6", "12".
fn hours_text(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    let t = format!("{h:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The weekdays a receiving point may close to paper (Monday to Saturday: public offices work
/// Saturday mornings in many provinces).
const WEEKDAYS: [chrono::Weekday; 6] = [
    chrono::Weekday::Mon,
    chrono::Weekday::Tue,
    chrono::Weekday::Wed,
    chrono::Weekday::Thu,
    chrono::Weekday::Fri,
    chrono::Weekday::Sat,
];

/// The agency this administrator manages: `?agency=` if they administer it, else their first.
fn agency_of(p: &Principal, wanted: Option<&String>) -> Option<String> {
    let Principal::Staff { roles, .. } = p else {
        return None;
    };
    let mine: Vec<&str> = roles
        .iter()
        .filter(|r| r.role == Role::Admin)
        .map(|r| r.agency.as_str())
        .collect();
    match wanted {
        Some(w) if mine.contains(&w.as_str()) => Some(w.clone()),
        _ => mine.first().map(|a| (*a).to_owned()),
    }
}

fn boxes(lang: crate::i18n::Lang, checked: &[Role]) -> Vec<RoleBox> {
    ASSIGNABLE
        .iter()
        .map(|r| RoleBox {
            value: r.as_str(),
            label: t(lang, &format!("role.{}", r.as_str())).to_owned(),
            checked: checked.contains(r),
        })
        .collect()
}

async fn page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    agency: &str,
    status: StatusCode,
    (error, done, form_procedure): (Option<String>, Option<String>, Option<&str>),
) -> Response {
    let rows = match admin::list_staff(&s.app, p, agency).await {
        Ok(r) => r,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let points = match admin::list_points(&s.app, p, agency).await {
        Ok(r) => r,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let catalogue = motcua_app::catalogue::current_all(&s.app)
        .await
        .unwrap_or_default();
    let procedures: Vec<(String, String)> = catalogue
        .iter()
        .map(|pr| (pr.code.to_string(), format!("{} — {}", pr.code, pr.name_vi)))
        .collect();
    let name_of = |code: &str| {
        procedures
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let stored = match workflow::list_templates(&s.app, p, agency).await {
        Ok(r) => r,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let templates = stored
        .iter()
        .map(|t| TemplateView {
            procedure: t.procedure.clone(),
            name: name_of(&t.procedure),
            hours: t.minutes.map(hours_text),
            assignees: t.assignees.join(", "),
        })
        .collect();
    let specialists = motcua_app::dossiers::specialists_of(&s.app, agency)
        .await
        .unwrap_or_default();
    // The form shows the procedure asked for: its stored template, or the default split.
    let wanted =
        form_procedure.and_then(|code| catalogue.iter().find(|pr| pr.code.as_str() == code));
    let wf = match wanted {
        Some(pr) => {
            let legal = pr.processing_time.legal_working_minutes();
            let t = match workflow::template_for(&s.app, agency, pr.code.as_str(), legal).await {
                Ok((t, _)) => t,
                Err(e) => return crate::portal::app_error(ui, who, &e),
            };
            WorkflowForm {
                procedure: pr.code.to_string(),
                name: format!("{} — {}", pr.code, pr.name_vi),
                legal_hours: hours_text(legal),
                hours: t.minutes.map(hours_text),
                specialists: specialists
                    .iter()
                    .map(|(username, name)| Choice {
                        value: username.clone(),
                        label: format!("{name} ({username})"),
                        checked: t.assignees.contains(username),
                    })
                    .collect(),
            }
        }
        // The form opens once a procedure is chosen.
        None => WorkflowForm::default(),
    };
    let closed = match admin::paperless_days(&s.app.db, agency).await {
        Ok(d) => d,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let paperless = WEEKDAYS
        .iter()
        .map(|d| {
            let value = d.to_string().to_lowercase();
            DayBox {
                label: t(ui.lang, &format!("weekday.{value}")).to_owned(),
                value,
                checked: closed.contains(d),
            }
        })
        .collect();
    let staff = rows
        .into_iter()
        .map(|r| StaffView {
            slug: r
                .username
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect(),
            roles: boxes(ui.lang, &r.roles),
            username: r.username,
            full_name: r.full_name,
            active: r.active,
        })
        .collect();
    render(
        ui,
        status,
        &AdminPage {
            c: chrome(ui, who, "admin.title"),
            agency: agency.to_owned(),
            staff,
            new_roles: boxes(ui.lang, &[]),
            points,
            procedures,
            templates,
            wf,
            paperless,
            error,
            done,
        },
    )
}

fn admin_principal(who: &Option<Principal>) -> Option<Principal> {
    match who {
        Some(p @ Principal::Staff { .. }) => Some(p.clone()),
        _ => None,
    }
}

fn forbidden(ui: &UiLang, who: &Option<Principal>) -> Response {
    crate::pages::error_page(
        ui,
        who,
        StatusCode::FORBIDDEN,
        t(ui.lang, "admin.title"),
        t(ui.lang, "admin.forbidden"),
    )
}

pub async fn show(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let Some(agency) = agency_of(&p, q.get("agency")) else {
        return forbidden(&ui, &who);
    };
    let done = q
        .get("done")
        .map(|d| t(ui.lang, &format!("admin.done_{d}")).to_owned());
    let form = q.get("procedure").map(String::as_str);
    page(
        &s,
        &ui,
        &who,
        &p,
        &agency,
        StatusCode::OK,
        (None, done, form),
    )
    .await
}

/// A urlencoded body where `role` may repeat.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &Bytes) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn roles(&self) -> Vec<Role> {
        self.0
            .iter()
            .filter(|(k, _)| k == "role")
            .filter_map(|(_, v)| Role::parse(v))
            .collect()
    }
}

async fn after(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    agency: &str,
    result: Result<(), AppError>,
    (done, procedure): (&str, Option<&str>),
) -> Response {
    match result {
        // A saved workflow stays open in its form, so the administrator sees what was stored.
        Ok(()) => Redirect::to(&match procedure {
            Some(pr) => format!(
                "/staff/admin?agency={agency}&done={done}&procedure={}#wf-h",
                url::form_urlencoded::byte_serialize(pr.as_bytes()).collect::<String>()
            ),
            None => format!("/staff/admin?agency={agency}&done={done}"),
        })
        .into_response(),
        Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(ui, who, &e),
        Err(e) if e.kind == ErrorCode::Forbidden => forbidden(ui, who),
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            let msg = message(ui.lang, &e);
            page(s, ui, who, p, agency, status, (Some(msg), None, procedure)).await
        }
    }
}

/// `POST /staff/admin/{agency}/staff`: a new account.
pub async fn create(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(agency): Path<String>,
    body: Bytes,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = Fields::parse(&body);
    let roles = f.roles();
    let r = admin::create_staff(
        &s.app,
        &p,
        &agency,
        admin::NewStaff {
            name: f.get("name"),
            full_name: f.get("full_name"),
            title: f.get("title"),
            roles: &roles,
            password: f.get("password"),
        },
    )
    .await
    .map(|_| ());
    after(&s, &ui, &who, &p, &agency, r, ("created", None)).await
}

/// `POST /staff/admin/{agency}/staff/{username}/{what}`: roles, active, password, second_factor.
pub async fn change(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path((agency, username, what)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = Fields::parse(&body);
    let (r, done) = match what.as_str() {
        "roles" => (
            admin::set_roles(&s.app, &p, &agency, &username, &f.roles()).await,
            "roles",
        ),
        "active" => (
            admin::set_active(&s.app, &p, &agency, &username, f.get("active") == "true").await,
            "active",
        ),
        "password" => (
            admin::reset_password(&s.app, &p, &agency, &username, f.get("password")).await,
            "password",
        ),
        "second_factor" => (
            admin::reset_second_factor(&s.app, &p, &agency, &username).await,
            "second_factor",
        ),
        _ => return crate::pages::not_found_page(&ui, &who),
    };
    after(&s, &ui, &who, &p, &agency, r, (done, None)).await
}

/// `POST /staff/admin/{agency}/points/{code}`: name, address, opening hours.
pub async fn point(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path((agency, code)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = Fields::parse(&body);
    let r = admin::update_point(
        &s.app,
        &p,
        &agency,
        &code,
        f.get("name"),
        f.get("address"),
        f.get("opening_hours"),
    )
    .await;
    after(&s, &ui, &who, &p, &agency, r, ("point", None)).await
}

/// `POST /staff/admin/{agency}/workflow`: the split of a procedure's time, in working hours.
pub async fn workflow(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(agency): Path<String>,
    body: Bytes,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = Fields::parse(&body);
    let hours = |k: &str| -> Option<i64> {
        let v: f64 = f.get(k).trim().replace(',', ".").parse().ok()?;
        (v.is_finite() && (0.0..10_000.0).contains(&v)).then(|| (v * 60.0).round() as i64)
    };
    let minutes = match (
        hours("assignment"),
        hours("appraisal"),
        hours("review"),
        hours("issue"),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => [a, b, c, d],
        _ => {
            let e = AppError::new(
                ErrorCode::Unprocessable,
                "invalid_workflow",
                "Nhập số giờ làm việc cho cả bốn bước (ví dụ 0,5 hoặc 5,6).",
                "Enter working hours for all four steps (for example 0.5 or 5.6).",
            );
            let pr = Some(f.get("procedure")).filter(|x| !x.is_empty());
            return after(&s, &ui, &who, &p, &agency, Err(e), ("workflow", pr)).await;
        }
    };
    let r = workflow::set_template(
        &s.app,
        &p,
        &agency,
        f.get("procedure"),
        minutes,
        &f.all("assignee"),
    )
    .await;
    let pr = Some(f.get("procedure")).filter(|x| !x.is_empty());
    after(&s, &ui, &who, &p, &agency, r, ("workflow", pr)).await
}

/// `POST /staff/admin/{agency}/paperless`: the weekdays the agency's counters take no paper.
pub async fn paperless(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(agency): Path<String>,
    body: Bytes,
) -> Response {
    let Some(p) = admin_principal(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = Fields::parse(&body);
    let mut days = Vec::new();
    for v in f.all("day") {
        match v
            .parse::<chrono::Weekday>()
            .ok()
            .filter(|d| WEEKDAYS.contains(d))
        {
            Some(d) => days.push(d),
            None => {
                let e = AppError::new(
                    ErrorCode::Unprocessable,
                    "invalid_weekday",
                    "Chỉ chọn các ngày từ thứ Hai đến thứ Bảy.",
                    "Choose days from Monday to Saturday only.",
                );
                return after(&s, &ui, &who, &p, &agency, Err(e), ("paperless", None)).await;
            }
        }
    }
    let r = admin::set_paperless_days(&s.app, &p, &agency, &days).await;
    after(&s, &ui, &who, &p, &agency, r, ("paperless", None)).await
}
