//! The pages every public service links from its footer: help, contact (the one-stop desks with
//! their opening hours), the accessibility statement and the privacy notice. Their texts live in
//! the locale files, section by section, so both languages stay complete.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::identity::Principal;
use motcua_domain::text::fold;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, UiLang, chrome, render};

/// How many desks the contact page lists at once.
const POINTS_SHOWN: usize = 50;

/// A page: its key under `info.` and how many numbered sections it has.
struct Page {
    key: &'static str,
    sections: usize,
    /// (path, label key) of the pages it points to.
    links: &'static [(&'static str, &'static str)],
}

const HELP: Page = Page {
    key: "help",
    sections: 6,
    links: &[
        ("/search", "nav.search"),
        ("/tro-ly", "assistant.title"),
        ("/track", "nav.track"),
        ("/my", "my.title"),
        ("/lien-he", "footer.contact"),
    ],
};
const CONTACT: Page = Page {
    key: "contact",
    sections: 1,
    links: &[("/phan-anh", "feedback.title")],
};
const ACCESSIBILITY: Page = Page {
    key: "accessibility",
    sections: 5,
    links: &[("/phan-anh", "feedback.title")],
};
const PRIVACY: Page = Page {
    key: "privacy",
    sections: 6,
    links: &[
        ("/my/access-log", "nav.access_log"),
        ("/phan-anh", "feedback.title"),
    ],
};

struct PointRow {
    name: String,
    agency: String,
    address: String,
    hours: String,
}

struct Points {
    query: String,
    total: usize,
    rows: Vec<PointRow>,
}

#[derive(Template)]
#[template(path = "info.html")]
struct InfoTemplate {
    c: Chrome,
    lead: String,
    /// (heading, paragraphs).
    sections: Vec<(String, Vec<String>)>,
    links: Vec<(&'static str, String)>,
    points: Option<Points>,
}

fn page(ui: &UiLang, who: &Option<Principal>, p: &Page, points: Option<Points>) -> Response {
    let lang = ui.lang;
    let key = |k: &str| format!("info.{}.{k}", p.key);
    let sections = (1..=p.sections)
        .map(|n| {
            (
                t(lang, &key(&format!("{n}.h"))).to_owned(),
                t(lang, &key(&format!("{n}.p")))
                    .split('\n')
                    .map(str::to_owned)
                    .collect(),
            )
        })
        .collect();
    render(
        ui,
        StatusCode::OK,
        &InfoTemplate {
            c: chrome(ui, who, &key("title")),
            lead: t(lang, &key("lead")).to_owned(),
            sections,
            links: p
                .links
                .iter()
                .map(|(href, label)| (*href, t(lang, label).to_owned()))
                .collect(),
            points,
        },
    )
}

pub async fn help(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    page(&ui, &who, &HELP, None)
}

pub async fn accessibility(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    page(&ui, &who, &ACCESSIBILITY, None)
}

pub async fn privacy(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    page(&ui, &who, &PRIVACY, None)
}

#[derive(serde::Deserialize, Default)]
pub struct ContactQuery {
    #[serde(default)]
    q: String,
}

/// `/lien-he`: the one-stop desks, provincial ones first, found by commune or office name with or
/// without diacritics.
pub async fn contact(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Query(q): Query<ContactQuery>,
) -> Response {
    let query: String = q.q.chars().take(100).collect();
    let all = match motcua_app::org::public_points(&s.app).await {
        Ok(all) => all,
        Err(e) => return crate::pages::server_error(&ui, &who, &e),
    };
    let wanted = fold(query.trim());
    let lang = ui.lang;
    let found: Vec<_> = all
        .into_iter()
        .filter(|p| {
            wanted.is_empty()
                || [&p.name_vi, &p.agency_vi, &p.address, &p.name_en]
                    .iter()
                    .any(|text| fold(text).contains(&wanted))
        })
        .collect();
    let points = Points {
        total: found.len(),
        rows: found
            .into_iter()
            .take(POINTS_SHOWN)
            .map(|p| PointRow {
                name: if lang == Lang::En {
                    p.name_en
                } else {
                    p.name_vi
                },
                agency: if lang == Lang::En {
                    p.agency_en
                } else {
                    p.agency_vi
                },
                address: p.address,
                hours: p
                    .hours
                    .map(|h| {
                        if lang == Lang::En {
                            h.to_text_en()
                        } else {
                            h.to_text()
                        }
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        query,
    };
    page(&ui, &who, &CONTACT, Some(points))
}
