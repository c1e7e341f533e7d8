//! Pages about messages: a person's notification settings (`/my/settings` for citizens,
//! `/staff/settings` for staff) and the operator's view of the delivery queue (`/staff/outbox`),
//! with a retry button for parked jobs, and the national portal sync's lag and failures beside it
//! (also `GET /api/v1/sync/npsp`).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use motcua_app::identity::Principal;
use motcua_app::messaging::{self, Settings};
use serde::Deserialize;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::t;
use crate::pages::{Chrome, TIME_DATE, UiLang, chrome, local_time, message, render};
use crate::portal::app_error;

#[derive(Template)]
#[template(path = "notifications.html")]
struct SettingsPage {
    c: Chrome,
    action: String,
    s: Settings,
    saved: bool,
    error: Option<String>,
    /// (field, message) of refused values.
    field_errors: Vec<(String, String)>,
}

impl SettingsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.field_errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn settings_path(p: &Principal) -> &'static str {
    match p {
        Principal::Citizen { .. } => "/my/settings",
        Principal::Staff { .. } => "/staff/settings",
    }
}

/// The caller, on the settings page of their kind (citizens under `/my`, staff under `/staff`).
fn signed_in(ui: &UiLang, who: &Option<Principal>, path: &str) -> Result<Principal, Box<Response>> {
    if path.starts_with("/staff") {
        return staff(who).ok_or_else(|| Box::new(Redirect::to("/staff").into_response()));
    }
    crate::portal::citizen(ui, who, path)
}

pub async fn settings_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    uri: axum::http::Uri,
) -> Response {
    let p = match signed_in(&ui, &who, uri.path()) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match messaging::my_settings(&s.app, &p).await {
        Ok(settings) => render(
            &ui,
            StatusCode::OK,
            &SettingsPage {
                c: chrome(&ui, &who, "settings.title"),
                action: settings_path(&p).into(),
                s: settings,
                saved: uri.query().is_some_and(|q| q.contains("saved=1")),
                error: None,
                field_errors: Vec::new(),
            },
        ),
        Err(e) => app_error(&ui, &who, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    email_on: Option<String>,
    #[serde(default)]
    sms_on: Option<String>,
}

pub async fn settings_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    uri: axum::http::Uri,
    Form(f): Form<SettingsForm>,
) -> Response {
    let p = match signed_in(&ui, &who, uri.path()) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let wanted = Settings {
        email: Some(f.email),
        phone: Some(f.phone),
        lang: f.lang,
        email_on: f.email_on.is_some(),
        sms_on: f.sms_on.is_some(),
    };
    match messaging::save_settings(&s.app, &p, wanted.clone()).await {
        Ok(_) => Redirect::to(&format!("{}?saved=1", settings_path(&p))).into_response(),
        Err(e) if !e.fields.is_empty() => {
            let lang = ui.lang;
            let field_errors = e
                .fields
                .iter()
                .map(|fe| {
                    (
                        fe.field.clone(),
                        if lang == crate::i18n::Lang::En {
                            fe.message_en.clone()
                        } else {
                            fe.message_vi.clone()
                        },
                    )
                })
                .collect();
            render(
                &ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &SettingsPage {
                    c: chrome(&ui, &who, "settings.title"),
                    action: settings_path(&p).into(),
                    s: wanted,
                    saved: false,
                    error: Some(message(lang, &e)),
                    field_errors,
                },
            )
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

struct ParkedRow {
    id: String,
    kind: String,
    attempts: String,
    error: String,
    since: String,
}

#[derive(Template)]
#[template(path = "staff_outbox.html")]
struct OutboxPage {
    c: Chrome,
    sync: motcua_app::national_portal::SyncStatus,
    sync_lag: String,
    pending: u64,
    dead: u64,
    oldest_due: String,
    parked: Vec<ParkedRow>,
    error: Option<String>,
}

async fn outbox_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let q = match motcua_app::outbox::queue(&s.app, p).await {
        Ok(q) => q,
        Err(e) => return app_error(ui, who, &e),
    };
    let sync = match motcua_app::national_portal::status(&s.app).await {
        Ok(sync) => sync,
        Err(e) => return app_error(ui, who, &e),
    };
    let sync_lag = match sync.lag_seconds {
        Some(secs) => crate::i18n::tn(ui.lang, "seconds", secs as f64),
        None => t(ui.lang, "outbox.sync_up_to_date").to_owned(),
    };
    let parked = q
        .parked
        .into_iter()
        .map(|j| ParkedRow {
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            error: j.last_error.unwrap_or_default(),
            since: local_time(s, Some(j.updated_at), TIME_DATE),
            kind: j.kind,
            id: j.id,
        })
        .collect();
    render(
        ui,
        status,
        &OutboxPage {
            c: chrome(ui, who, "outbox.title"),
            sync,
            sync_lag,
            pending: q.pending,
            dead: q.dead,
            oldest_due: match q.oldest_due {
                Some(at) => local_time(s, Some(at), TIME_DATE),
                None => t(ui.lang, "outbox.none_due").to_owned(),
            },
            parked,
            error,
        },
    )
}

fn staff(who: &Option<Principal>) -> Option<Principal> {
    match who {
        Some(p @ Principal::Staff { .. }) => Some(p.clone()),
        _ => None,
    }
}

pub async fn outbox(ui: UiLang, MaybeAuth(who): MaybeAuth, State(s): State<AppState>) -> Response {
    let Some(p) = staff(&who) else {
        return Redirect::to("/staff").into_response();
    };
    outbox_page(&s, &ui, &who, &p, StatusCode::OK, None).await
}

pub async fn outbox_retry(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let Some(p) = staff(&who) else {
        return Redirect::to("/staff").into_response();
    };
    match motcua_app::outbox::retry(&s.app, &p, &id).await {
        Ok(()) => Redirect::to("/staff/outbox").into_response(),
        Err(e)
            if e.kind == motcua_app::ErrorCode::Conflict
                || e.kind == motcua_app::ErrorCode::NotFound =>
        {
            let status = crate::problem::status_of(e.kind);
            outbox_page(&s, &ui, &who, &p, status, Some(message(ui.lang, &e))).await
        }
        Err(e) => app_error(&ui, &who, &e),
    }
}

/// `GET /api/v1/sync/npsp`: the national portal sync as the operator sees it.
pub async fn npsp_api(
    State(s): State<AppState>,
    crate::auth::Auth(p): crate::auth::Auth,
) -> Result<Response, crate::problem::Problem> {
    let status = motcua_app::national_portal::status_for(&s.app, &p).await?;
    Ok(Json(status).into_response())
}
