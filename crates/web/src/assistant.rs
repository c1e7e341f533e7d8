//! The virtual assistant (issue 13 item 6): `GET /tro-ly?q=…` (a page that works without
//! JavaScript) and `GET /api/v1/assistant?q=…&lang=vi|en`. The answer is `domain::assistant`'s,
//! from the current catalogue and its life events; these handlers only read the question, apply
//! the public search limits (it costs what a search costs) and render.

use askama::Template;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::catalogue;
use motcua_domain::assistant::{self, Answer, Assistant, Kind, MAX_QUESTION_CHARS, Topic};
use serde_json::json;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, PeerIp, UiLang, chrome, render};
use crate::problem::{Problem, bad_request};

fn domain_lang(lang: Lang) -> assistant::Lang {
    match lang {
        Lang::Vi => assistant::Lang::Vi,
        Lang::En => assistant::Lang::En,
    }
}

/// Why a question was not answered.
enum Refused {
    /// Over the search limit, or every search slot stayed busy: try again after this long.
    Busy(std::time::Duration),
    Failed(motcua_app::AppError),
}

/// Answers a question from the current catalogue, within the same limits as a search: per client
/// address, and in one of the few search slots (reading the catalogue takes a connection).
async fn answer(
    s: &AppState,
    peer: Option<std::net::IpAddr>,
    question: &str,
    lang: Lang,
) -> Result<Answer, Refused> {
    if let Some(ip) = peer {
        s.public.search.check(ip).map_err(Refused::Busy)?;
    }
    let wait = std::time::Duration::from_secs(2);
    let _slot = match tokio::time::timeout(wait, s.public.search_slots.acquire()).await {
        Ok(Ok(slot)) => slot,
        _ => return Err(Refused::Busy(std::time::Duration::from_secs(1))),
    };
    let procedures = catalogue::current_all(&s.app)
        .await
        .map_err(Refused::Failed)?;
    let topics: Vec<Topic> = catalogue::life_events()
        .into_iter()
        .map(|e| Topic {
            name_vi: e.name_vi,
            name_en: e.name_en,
            procedures: e.procedures,
        })
        .collect();
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    Ok(Assistant::new(&procedures, &topics).ask(question, domain_lang(lang), today))
}

/// The question of a query string: `Ok(None)` when absent, `Err` with the problem when given twice,
/// blank or too long.
fn question(query: Option<&str>) -> Result<Option<String>, (&'static str, String, String)> {
    let mut q = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if name == "q" {
            if q.is_some() {
                return Err((
                    "duplicate_parameter",
                    "Tham số q chỉ được có một lần.".into(),
                    "The parameter q may be given once.".into(),
                ));
            }
            q = Some(value.into_owned());
        }
    }
    match q {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Err((
            "query_required",
            "Hãy nhập câu hỏi.".into(),
            "Please type a question.".into(),
        )),
        Some(v) if v.chars().count() > MAX_QUESTION_CHARS => Err((
            "query_too_long",
            format!("Câu hỏi quá dài: tối đa {MAX_QUESTION_CHARS} ký tự."),
            format!("The question is too long: at most {MAX_QUESTION_CHARS} characters."),
        )),
        Some(v) => Ok(Some(v)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------------------

/// The caller's preferred language among ours by `Accept-Language` (highest weight first, the
/// earlier on a tie), else Vietnamese.
fn accept_language(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::Vi;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        let weight = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map_or(Lang::Vi, |(_, l)| l)
}

/// The language an API caller reads: `?lang=vi|en` (once), else `Accept-Language`, else Vietnamese.
pub(crate) fn api_lang(query: Option<&str>, headers: &HeaderMap) -> Result<Lang, Problem> {
    let mut given = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if name == "lang" {
            if given.is_some() {
                return Err(bad_request(
                    "duplicate_parameter",
                    "Tham số lang chỉ được có một lần.",
                    "The parameter lang may be given once.",
                ));
            }
            given = Some(Lang::parse(&value).ok_or_else(|| {
                bad_request(
                    "invalid_lang",
                    "Tham số lang phải là vi hoặc en.",
                    "The parameter lang must be vi or en.",
                )
            })?);
        }
    }
    Ok(given.unwrap_or_else(|| accept_language(headers)))
}

/// `GET /api/v1/assistant?q=…&lang=vi|en`
pub async fn api(
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let lang = api_lang(query.as_deref(), &headers)?;
    let q = match question(query.as_deref()) {
        Ok(Some(q)) => q,
        Ok(None) => {
            return Err(bad_request(
                "query_required",
                "Thiếu câu hỏi (tham số q).",
                "The question (parameter q) is missing.",
            ));
        }
        Err((code, vi, en)) => return Err(bad_request(code, &vi, &en)),
    };
    let a = match answer(&s, peer, &q, lang).await {
        Ok(a) => a,
        Err(Refused::Busy(wait)) => return Ok(crate::ratelimit::too_many_problem(wait)),
        Err(Refused::Failed(e)) => return Err(Problem(e)),
    };
    let procedures: Vec<_> = a
        .procedures
        .iter()
        .map(|p| json!({ "code": p.code, "name": p.name, "url": p.url }))
        .collect();
    Ok(Json(json!({
        "answer": a.text,
        "kind": a.kind.as_str(),
        "procedures": procedures,
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------------------

struct ItemView {
    text: String,
    /// `vi` when the text is the catalogue's Vietnamese on an English page.
    text_lang: Option<&'static str>,
    note: String,
}

struct SectionView {
    heading: String,
    items: Vec<ItemView>,
}

struct ProcedureLink {
    code: String,
    name: String,
    url: String,
}

struct AnswerView {
    kind: &'static str,
    intro: String,
    procedures: Vec<ProcedureLink>,
    sections: Vec<SectionView>,
    search_url: String,
}

#[derive(Template)]
#[template(path = "assistant.html")]
struct AssistantPage {
    c: Chrome,
    q: String,
    error: Option<String>,
    answer: Option<AnswerView>,
}

fn view(a: Answer, lang: Lang) -> AnswerView {
    let catalogue_lang = (lang != Lang::Vi).then_some("vi");
    AnswerView {
        kind: a.kind.as_str(),
        intro: a.intro,
        procedures: a
            .procedures
            .into_iter()
            .map(|p| ProcedureLink {
                code: p.code,
                name: p.name,
                url: p.url,
            })
            .collect(),
        sections: a
            .sections
            .into_iter()
            .map(|s| SectionView {
                heading: s.heading,
                items: s
                    .items
                    .into_iter()
                    .map(|i| ItemView {
                        text_lang: if i.from_catalogue {
                            catalogue_lang
                        } else {
                            None
                        },
                        text: i.text,
                        note: i.note.unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        search_url: a.search_url,
    }
}

/// `GET /tro-ly?q=…`: the form, and below it the answer.
pub async fn page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    PeerIp(peer): PeerIp,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = ui.lang;
    let mut page = AssistantPage {
        c: chrome(&ui, &who, "assistant.title"),
        q: String::new(),
        error: None,
        answer: None,
    };
    let q = match question(query.as_deref()) {
        Ok(Some(q)) => q,
        Ok(None) => return render(&ui, StatusCode::OK, &page),
        Err((_, vi, en)) => {
            page.error = Some(if lang == Lang::En { en } else { vi });
            return render(&ui, StatusCode::BAD_REQUEST, &page);
        }
    };
    page.q = q.clone();
    match answer(&s, peer, &q, lang).await {
        Ok(a) => {
            if a.kind != Kind::Answer {
                // The title says what the page holds for a reader of tabs and history.
                page.c.title = format!("{} – {}", t(lang, "assistant.title"), q);
            } else if let Some(p) = a.procedures.first() {
                page.c.title = format!("{} – {}", t(lang, "assistant.title"), p.name);
            }
            page.answer = Some(view(a, lang));
            render(&ui, StatusCode::OK, &page)
        }
        Err(Refused::Busy(wait)) => crate::ratelimit::too_many_page(&ui, wait),
        Err(Refused::Failed(e)) => crate::pages::server_error(&ui, &who, &e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_language_picks_our_best_language() {
        assert_eq!(accept_language(&HeaderMap::new()), Lang::Vi);
        assert_eq!(accept_language(&headers("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(
            accept_language(&headers("fr, en;q=0.5, vi;q=0.8")),
            Lang::Vi
        );
        assert_eq!(accept_language(&headers("vi;q=0, en;q=0.1")), Lang::En);
        assert_eq!(accept_language(&headers("de")), Lang::Vi);
    }

    #[test]
    fn questions_are_read_once_and_bounded() {
        assert_eq!(question(None).unwrap(), None);
        assert_eq!(question(Some("q=a+b")).unwrap(), Some("a b".into()));
        assert_eq!(
            question(Some("q=a&q=b")).unwrap_err().0,
            "duplicate_parameter"
        );
        assert_eq!(question(Some("q=+")).unwrap_err().0, "query_required");
        let long = format!("q={}", "ă".repeat(501));
        assert_eq!(question(Some(&long)).unwrap_err().0, "query_too_long");
        let max = format!("q={}", "ă".repeat(500));
        assert!(question(Some(&max)).unwrap().is_some());
    }
}
