//! Counter intake, first page (issue 4): a one-stop officer enters a walk-in or postal dossier at
//! one of their receiving points — procedure, channel and applicant (looked up by citizen ID where
//! the system already knows them). The form, scanned documents and check pages that follow are the
//! citizen's own apply pages on the counter journey (`portal::Journey::Counter`).

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::dossiers::{self, AddressInput, ApplicantInput, CreateDossier};
use motcua_app::identity::Principal;
use motcua_app::{AppError, ErrorCode, catalogue, counter, org};
use motcua_domain::catalogue::Channel;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::Lang;
use crate::pages::{Chrome, UiLang, chrome, message, render};

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff_intake.html")]
struct IntakePage {
    c: Chrome,
    points: Vec<Opt>,
    procedures: Vec<Opt>,
    communes: Vec<Opt>,
    post: bool,
    f: IntakeForm,
    idem: String,
    message: Option<String>,
    /// The look-up found nobody: say so, the officer types the details in.
    not_found: bool,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    point: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    citizen_id: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    idem: String,
    /// Present when the officer pressed "look up" rather than "continue".
    #[serde(default)]
    lookup: Option<String>,
}

fn opts(items: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == chosen,
            value,
            label,
        })
        .collect()
}

async fn page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    f: IntakeForm,
    message: Option<String>,
    not_found: bool,
) -> Result<IntakePage, AppError> {
    let lang = ui.lang;
    let points = counter::receiving_points_of(&s.app, p).await?;
    let chosen_point = if f.point.is_empty() {
        points.first().map(|r| r.code.clone()).unwrap_or_default()
    } else {
        f.point.clone()
    };
    // Addresses are picked among the communes of the receiving point's province (where the
    // boundary-free rule lets it take dossiers); people from elsewhere are typed into the street line.
    let province = match points.iter().find(|r| r.code == chosen_point) {
        Some(r) => org::find_agency(&s.app, &r.agency_code)
            .await?
            .map(|a| a.province_code),
        None => None,
    }
    .unwrap_or_else(|| org::province_code(org::DEMO_PROVINCE));
    let communes = org::communes_of(&s.app, &province).await?;
    let procedures = catalogue::current_all(&s.app).await?;
    Ok(IntakePage {
        c: chrome(ui, who, "intake.title"),
        points: opts(
            points.into_iter().map(|r| {
                let name = if lang == Lang::En {
                    r.name_en
                } else {
                    r.name_vi
                };
                (r.code, name)
            }),
            &chosen_point,
        ),
        procedures: opts(
            procedures.into_iter().map(|pr| {
                let name = if lang == Lang::En && !pr.name_en.is_empty() {
                    pr.name_en.clone()
                } else {
                    pr.name_vi.clone()
                };
                (pr.code.as_str().to_owned(), name)
            }),
            &f.procedure,
        ),
        communes: opts(communes.into_iter().map(|c| (c.code, c.name)), &f.commune),
        post: f.channel == Channel::Post.as_str(),
        idem: if f.idem.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            f.idem.clone()
        },
        f,
        message,
        not_found,
    })
}

fn officer(who: &Option<Principal>) -> Option<Principal> {
    match who {
        Some(p @ Principal::Staff { .. }) => Some(p.clone()),
        _ => None,
    }
}

fn respond(
    ui: &UiLang,
    who: &Option<Principal>,
    status: StatusCode,
    built: Result<IntakePage, AppError>,
) -> Response {
    match built {
        Ok(pg) => render(ui, status, &pg),
        Err(e) => crate::pages::server_error(ui, who, &e),
    }
}

/// `/staff/intake`: the first page of a counter intake.
pub async fn start_get(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
) -> Response {
    let Some(p) = officer(&who) else {
        return Redirect::to("/staff").into_response();
    };
    let f = IntakeForm {
        channel: Channel::Counter.as_str().into(),
        ..IntakeForm::default()
    };
    let built = page(&s, &ui, &who, &p, f, None, false).await;
    respond(&ui, &who, StatusCode::OK, built)
}

/// Looks the applicant up, or creates the draft and goes on to its form.
pub async fn start_post(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Form(mut f): Form<IntakeForm>,
) -> Response {
    let Some(p) = officer(&who) else {
        return Redirect::to("/staff").into_response();
    };
    if f.lookup.take().is_some() {
        return match counter::lookup_applicant(&s.app, &p, &f.citizen_id).await {
            Ok(Some(known)) => {
                f.citizen_id = known.citizen_id;
                f.full_name = known.full_name;
                f.phone = known.phone.unwrap_or_default();
                f.commune = known.commune.unwrap_or_default();
                f.street = known.street.unwrap_or_default();
                let built = page(&s, &ui, &who, &p, f, None, false).await;
                respond(&ui, &who, StatusCode::OK, built)
            }
            Ok(None) => {
                let built = page(&s, &ui, &who, &p, f, None, true).await;
                respond(&ui, &who, StatusCode::OK, built)
            }
            Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(&ui, &who, &e),
            Err(e) => {
                let status = crate::problem::status_of(e.kind);
                let built = page(&s, &ui, &who, &p, f, Some(message(ui.lang, &e)), false).await;
                respond(&ui, &who, status, built)
            }
        };
    }
    let channel = match Channel::from_wire(&f.channel) {
        Some(c @ (Channel::Counter | Channel::Post)) => c,
        _ => Channel::Counter,
    };
    let optional = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    let applicant = ApplicantInput {
        citizen_id: f.citizen_id.trim().to_owned(),
        full_name: f.full_name.trim().to_owned(),
        phone: optional(&f.phone),
        email: None,
        address: optional(&f.commune).map(|commune| AddressInput {
            commune,
            street: f.street.trim().to_owned(),
        }),
    };
    let input = CreateDossier {
        procedure: f.procedure.trim().to_owned(),
        channel,
        applicant: Some(applicant.clone()),
        receiving_point: Some(f.point.trim().to_owned()),
        agency: None,
        on_behalf_of: None,
    };
    // The key covers what was entered: the same page sent twice makes one draft.
    let raw: Value = json!({
        "procedure": input.procedure,
        "channel": channel.as_str(),
        "applicant": applicant,
        "receiving_point": input.receiving_point,
    });
    let key = (!f.idem.is_empty()).then(|| f.idem.clone());
    match dossiers::create(&s.app, &p, input, &raw, key.as_deref()).await {
        Ok(o) => Redirect::to(&format!("/staff/intake/{}/form", crate::portal::code_of(o)))
            .into_response(),
        Err(e) if e.kind == ErrorCode::Internal => crate::pages::server_error(&ui, &who, &e),
        Err(e) => {
            let status = crate::problem::status_of(e.kind);
            let built = page(&s, &ui, &who, &p, f, Some(message(ui.lang, &e)), false).await;
            respond(&ui, &who, status, built)
        }
    }
}
