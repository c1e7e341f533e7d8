//! "Who read my data": the citizen's access log, as a page (`/my/access-log`) and as JSON
//! (`GET /api/v1/me/access-log`).

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::i18n::t;
use crate::pages::{Chrome, TIME_DATE, UiLang, chrome, local_time, render};
use crate::portal::{app_error, citizen};
use crate::problem::Problem;

/// The newest entries shown (the page and the API).
const SHOWN: u64 = 200;

pub async fn api(State(s): State<AppState>, Auth(p): Auth) -> Result<Response, Problem> {
    let items = motcua_app::access_log::mine(&s.app, &p, SHOWN).await?;
    Ok(Json(json!({ "count": items.len(), "items": items })).into_response())
}

struct Row {
    when: String,
    who: String,
    purpose: String,
    dossier: Option<String>,
    refused: bool,
}

#[derive(Template)]
#[template(path = "my_access_log.html")]
struct Page {
    c: Chrome,
    rows: Vec<Row>,
}

pub async fn page(ui: UiLang, MaybeAuth(who): MaybeAuth, State(s): State<AppState>) -> Response {
    let p = match citizen(&ui, &who, "/my/access-log") {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let items = match motcua_app::access_log::mine(&s.app, &p, SHOWN).await {
        Ok(items) => items,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let lang = ui.lang;
    // Officials by their names and agencies by theirs, never by account or code.
    let accounts = items
        .iter()
        .filter_map(|i| i.actor.strip_prefix("staff:").map(str::to_owned));
    let people = motcua_app::org::staff_names(&s.app.reader, accounts)
        .await
        .unwrap_or_default();
    let mut agencies: HashMap<String, String> = HashMap::new();
    for code in items.iter().filter_map(|i| i.agency.clone()) {
        if agencies.contains_key(&code) {
            continue;
        }
        let name = match motcua_app::org::find_agency(&s.app, &code).await {
            Ok(Some(a)) => crate::i18n::text_in(lang, &a.name_vi, Some(&a.name_en)).to_owned(),
            _ => code.clone(),
        };
        agencies.insert(code, name);
    }
    let rows = items
        .into_iter()
        .map(|i| Row {
            when: local_time(&s, Some(i.at), TIME_DATE),
            who: format!(
                "{} ({}{})",
                // A read through a connector is the database's name, not a key.
                match i
                    .actor
                    .strip_prefix("connector:")
                    .and_then(motcua_domain::national::Database::from_name)
                {
                    Some(d) => crate::pages::database_name(lang, d).to_owned(),
                    None => {
                        let account = i.actor.trim_start_matches("staff:");
                        people
                            .get(account)
                            .cloned()
                            .unwrap_or_else(|| account.to_owned())
                    }
                },
                t(lang, &format!("access.role.{}", i.role)),
                i.agency
                    .map(|a| format!(", {}", agencies.get(&a).unwrap_or(&a)))
                    .unwrap_or_default()
            ),
            purpose: t(lang, &format!("access.purpose.{}", i.purpose)).to_owned(),
            dossier: i.dossier,
            refused: !i.allowed,
        })
        .collect();
    render(
        &ui,
        StatusCode::OK,
        &Page {
            c: chrome(&ui, &who, "access.title"),
            rows,
        },
    )
}
