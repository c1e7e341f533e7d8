//! Assisted submission, the helper's pages (issue 15 item 6): `/staff/assist` (whom, for which
//! procedure; sends the citizen the consent code), `/staff/consent/{id}` (the code the citizen reads
//! out), then the apply journey at `/staff/assist/{code}/…` until submission. The rules are
//! `motcua_app::assist`'s.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::identity::Principal;
use motcua_app::{ErrorCode, catalogue};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::pages::{Chrome, UiLang, chrome, message, render};
use crate::portal::app_error;

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff_assist.html")]
struct StartPage {
    c: Chrome,
    procedures: Vec<Opt>,
    citizen_id: String,
    submitted: Option<String>,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    citizen_id: String,
    #[serde(default)]
    procedure: String,
}

#[derive(serde::Deserialize)]
pub struct StartQuery {
    submitted: Option<String>,
}

fn staff(who: &Option<Principal>) -> Option<Principal> {
    match who {
        Some(p @ Principal::Staff { .. }) => Some(p.clone()),
        _ => None,
    }
}

async fn start_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    f: &StartForm,
    submitted: Option<String>,
    error: Option<String>,
) -> Result<StartPage, motcua_app::AppError> {
    let procedures = catalogue::current_all(&s.app)
        .await?
        .into_iter()
        .filter(|p| p.online_level.as_str() != "none")
        .map(|p| Opt {
            selected: p.code.as_str() == f.procedure,
            value: p.code.as_str().to_owned(),
            label: p.name_vi,
        })
        .collect();
    Ok(StartPage {
        c: chrome(ui, who, "assist.title"),
        procedures,
        citizen_id: f.citizen_id.clone(),
        // Only a well-formed code is echoed back.
        submitted: submitted.filter(|c| {
            c.len() <= 64
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
        }),
        error,
    })
}

pub async fn start_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(q): Query<StartQuery>,
) -> Response {
    if staff(&who).is_none() {
        return Redirect::to("/staff").into_response();
    }
    match start_page(&s, &ui, &who, &StartForm::default(), q.submitted, None).await {
        Ok(page) => render(&ui, StatusCode::OK, &page),
        Err(e) => app_error(&ui, &who, &e),
    }
}

pub async fn start_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Form(f): Form<StartForm>,
) -> Response {
    let Some(p) = staff(&who) else {
        return Redirect::to("/staff").into_response();
    };
    match motcua_app::assist::request(&s.app, &p, &f.citizen_id, &f.procedure).await {
        Ok(r) => Redirect::to(&format!("/staff/consent/{}", r.id)).into_response(),
        Err(e) if matches!(e.kind, ErrorCode::Internal | ErrorCode::Forbidden) => {
            app_error(&ui, &who, &e)
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            match start_page(&s, &ui, &who, &f, None, Some(message(ui.lang, &e))).await {
                Ok(page) => render(&ui, status, &page),
                Err(e) => app_error(&ui, &who, &e),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "staff_consent.html")]
struct ConsentPage {
    c: Chrome,
    id: String,
    sent_to: String,
    procedure: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn consent_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    id: &str,
    error: Option<String>,
) -> Result<ConsentPage, motcua_app::AppError> {
    let c = motcua_app::assist::pending(&s.app, p, id).await?;
    let procedure = catalogue::current(&s.app, &c.procedure_code)
        .await?
        .map(|p| p.name_vi.clone())
        .unwrap_or(c.procedure_code);
    Ok(ConsentPage {
        c: chrome(ui, who, "assist.consent_title"),
        id: c.id,
        sent_to: c.sent_to,
        procedure,
        error,
    })
}

pub async fn consent_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let Some(p) = staff(&who) else {
        return Redirect::to("/staff").into_response();
    };
    match consent_page(&s, &ui, &who, &p, &id, None).await {
        Ok(page) => render(&ui, StatusCode::OK, &page),
        Err(e) => app_error(&ui, &who, &e),
    }
}

pub async fn consent_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(p) = staff(&who) else {
        return Redirect::to("/staff").into_response();
    };
    match motcua_app::assist::confirm(&s.app, &p, &id, &f.code).await {
        Ok(draft) => Redirect::to(&format!("/staff/assist/{draft}/form")).into_response(),
        Err(e)
            if matches!(
                e.kind,
                ErrorCode::Internal | ErrorCode::NotFound | ErrorCode::Forbidden
            ) =>
        {
            app_error(&ui, &who, &e)
        }
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            match consent_page(&s, &ui, &who, &p, &id, Some(message(ui.lang, &e))).await {
                Ok(page) => render(&ui, status, &page),
                Err(e) => app_error(&ui, &who, &e),
            }
        }
    }
}
