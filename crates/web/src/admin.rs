//! The agency administrator's staff page (`/staff/admin`): accounts, roles, deactivation and
//! password resets. The rules are in `motcua_app::admin`.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::admin::{self, ASSIGNABLE};
use motcua_app::identity::Principal;
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
    error: Option<String>,
    done: Option<String>,
}

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
    (error, done): (Option<String>, Option<String>),
) -> Response {
    let rows = match admin::list_staff(&s.app, p, agency).await {
        Ok(r) => r,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let points = match admin::list_points(&s.app, p, agency).await {
        Ok(r) => r,
        Err(e) => return crate::portal::app_error(ui, who, &e),
    };
    let procedures = motcua_app::catalogue::current_all(&s.app)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|pr| (pr.code.to_string(), format!("{} — {}", pr.code, pr.name_vi)))
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
    page(&s, &ui, &who, &p, &agency, StatusCode::OK, (None, done)).await
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
    done: &str,
) -> Response {
    match result {
        Ok(()) => {
            Redirect::to(&format!("/staff/admin?agency={agency}&done={done}")).into_response()
        }
        Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(ui, who, &e),
        Err(e) if e.kind == ErrorCode::Forbidden => forbidden(ui, who),
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            let msg = message(ui.lang, &e);
            page(s, ui, who, p, agency, status, (Some(msg), None)).await
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
    let r = admin::create_staff(
        &s.app,
        &p,
        &agency,
        f.get("name"),
        f.get("full_name"),
        &f.roles(),
        f.get("password"),
    )
    .await
    .map(|_| ());
    after(&s, &ui, &who, &p, &agency, r, "created").await
}

/// `POST /staff/admin/{agency}/staff/{username}/{what}`: roles, active, password.
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
        _ => return crate::pages::not_found_page(&ui, &who),
    };
    after(&s, &ui, &who, &p, &agency, r, done).await
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
    after(&s, &ui, &who, &p, &agency, r, "point").await
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
            return after(&s, &ui, &who, &p, &agency, Err(e), "workflow").await;
        }
    };
    let r = admin::set_template(&s.app, &p, &agency, f.get("procedure"), minutes).await;
    after(&s, &ui, &who, &p, &agency, r, "workflow").await
}
