//! Public verification of issued documents (SPEC §9, §17): `/verify/<id>` shows the register's
//! minimal facts and checks an uploaded copy; `/verify/ca.pem` serves the trust root. Also the
//! notices as PDF for the back office and the applicant, and revocation by the issuing leader.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use motcua_app::identity::Principal;
use motcua_app::issued::{self, CheckOutcome, PublicFacts};
use motcua_app::{AppError, ErrorCode};
use motcua_documents::templates::NoticeKind;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::download::{Disposition, content_disposition};
use crate::i18n::{Lang, t};
use crate::pages::{
    Chrome, DATE_TIME, UiLang, chrome, local_time, not_found_page, render, server_error,
};
use crate::problem::Problem;

pub async fn ca_pem(State(s): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Attachment, "motcua-ca.pem"),
            ),
        ],
        s.app.pki.root_pem(),
    )
        .into_response()
}

struct FactsView {
    title: String,
    number: String,
    agency: String,
    issued: String,
    valid: bool,
    revoked: String,
    sha256: String,
    signer: String,
}

struct CheckView {
    genuine: bool,
    signature_valid: bool,
    registered: bool,
    revoked: bool,
    failed: String,
    sha256: String,
    signer: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    id: Option<String>,
    facts: Option<FactsView>,
    check: Option<CheckView>,
    message: Option<String>,
}

fn facts_view(s: &AppState, f: &PublicFacts) -> FactsView {
    FactsView {
        title: f.title.clone(),
        number: f.number.clone(),
        agency: f.agency.clone(),
        issued: local_time(s, Some(f.issued_at), DATE_TIME),
        valid: f.status == "valid",
        revoked: local_time(s, f.revoked_at, DATE_TIME),
        sha256: f.sha256.clone(),
        signer: f.signer.clone(),
    }
}

fn check_view(o: &CheckOutcome) -> CheckView {
    CheckView {
        genuine: o.genuine,
        signature_valid: o.signature_valid,
        registered: o.registered.is_some(),
        revoked: o.registered.as_ref().is_some_and(|r| r.status != "valid"),
        failed: o.failed_checks.join(", "),
        sha256: o.sha256.clone(),
        signer: o.signer.clone().unwrap_or_default(),
    }
}

pub async fn index(ui: UiLang, MaybeAuth(who): MaybeAuth) -> Response {
    let page = VerifyPage {
        c: chrome(&ui, &who, "verify.title"),
        id: None,
        facts: None,
        check: None,
        message: None,
    };
    render(&ui, StatusCode::OK, &page)
}

pub async fn document(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    match issued::facts(&s.app, &id).await {
        Ok(f) => {
            let page = VerifyPage {
                c: chrome(&ui, &who, "verify.title"),
                id: Some(id),
                facts: Some(facts_view(&s, &f)),
                check: None,
                message: None,
            };
            render(&ui, StatusCode::OK, &page)
        }
        Err(e) if e.kind == ErrorCode::NotFound => not_found_page(&ui, &who),
        Err(e) => server_error(&ui, &who, &e),
    }
}

async fn uploaded_pdf(mp: Multipart) -> Option<bytes::Bytes> {
    let (_, file) = crate::api::read_multipart(mp).await.ok()?;
    file.map(|f| f.bytes).filter(|b| !b.is_empty())
}

async fn check_page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    id: Option<String>,
    mp: Multipart,
) -> Response {
    let facts = match &id {
        Some(id) => match issued::facts(&s.app, id).await {
            Ok(f) => Some(facts_view(s, &f)),
            Err(e) if e.kind == ErrorCode::NotFound => return not_found_page(ui, who),
            Err(e) => return server_error(ui, who, &e),
        },
        None => None,
    };
    let mut page = VerifyPage {
        c: chrome(ui, who, "verify.title"),
        id: id.clone(),
        facts,
        check: None,
        message: None,
    };
    let Some(bytes) = uploaded_pdf(mp).await else {
        page.message = Some(t(ui.lang, "verify.no_file").to_owned());
        return render(ui, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match issued::check(&s.app, &bytes, id.as_deref()).await {
        Ok(o) => {
            page.check = Some(check_view(&o));
            render(ui, StatusCode::OK, &page)
        }
        Err(e) => server_error(ui, who, &e),
    }
}

pub async fn check_any(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    mp: Multipart,
) -> Response {
    // Checking a signature parses and hashes megabytes: limited per client like other lookups.
    if let Some(ip) = peer
        && let Err(wait) = s.public.verify.check(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    check_page(&s, &ui, &who, None, mp).await
}

pub async fn check_document(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    Path(id): Path<String>,
    mp: Multipart,
) -> Response {
    if let Some(ip) = peer
        && let Err(wait) = s.public.verify.check(ip)
    {
        return crate::ratelimit::too_many_page(&ui, wait);
    }
    check_page(&s, &ui, &who, Some(id), mp).await
}

/// `GET /api/v1/documents/{id}`: the register's public facts.
pub async fn api_facts(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PublicFacts>, Problem> {
    Ok(Json(issued::facts(&s.app, &id).await?))
}

/// `POST /api/v1/verify`: checks the PDF in the body (signature, chain, register).
pub async fn api_check(
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    body: bytes::Bytes,
) -> Result<Response, Problem> {
    if let Some(ip) = peer
        && let Err(wait) = s.public.verify.check(ip)
    {
        return Ok(crate::ratelimit::too_many_problem(wait));
    }
    if body.is_empty() {
        return Err(Problem(AppError::new(
            ErrorCode::Unprocessable,
            "file_required",
            "Cần gửi tệp PDF cần kiểm tra.",
            "Send the PDF to check.",
        )));
    }
    Ok(Json(issued::check(&s.app, &body, None).await?).into_response())
}

#[derive(serde::Deserialize)]
pub struct RevokeBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/documents/{id}/revoke`.
pub async fn api_revoke(
    crate::auth::Auth(p): crate::auth::Auth,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(b): Json<RevokeBody>,
) -> Result<Json<PublicFacts>, Problem> {
    Ok(Json(issued::revoke(&s.app, &p, &id, &b.reason).await?))
}

/// The staff page's revoke form.
pub async fn staff_revoke(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Form(b): Form<RevokeBody>,
) -> Response {
    let Some(p @ Principal::Staff { .. }) = who.clone() else {
        return Redirect::to("/staff").into_response();
    };
    match issued::revoke(&s.app, &p, &id, &b.reason).await {
        Ok(_) => Redirect::to(&format!("/verify/{id}")).into_response(),
        Err(e) if e.kind == ErrorCode::Internal => server_error(&ui, &who, &e),
        Err(e) => {
            let text = if ui.lang == Lang::En {
                e.message_en.clone()
            } else {
                e.message_vi.clone()
            };
            (crate::problem::status_of(e.kind), text).into_response()
        }
    }
}

/// `GET /staff/dossiers/{code}/notices/{kind}` and `/my/{code}/notices/{kind}`: a notice as PDF.
pub async fn notice(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path((code, kind)): Path<(String, String)>,
) -> Response {
    let Some(p) = who.clone() else {
        return Redirect::to("/").into_response();
    };
    let Some(kind) = NoticeKind::from_slug(kind.trim_end_matches(".pdf")) else {
        return not_found_page(&ui, &who);
    };
    match issued::notice(&s.app, &p, &code, kind).await {
        Ok(pdf) => crate::download::pdf_response(
            Disposition::Inline,
            &format!("{code}-{}.pdf", kind.slug()),
            pdf,
        ),
        // Someone else's dossier looks exactly like a missing one.
        Err(e) if matches!(e.kind, ErrorCode::NotFound | ErrorCode::Forbidden) => {
            not_found_page(&ui, &who)
        }
        Err(e) => server_error(&ui, &who, &e),
    }
}

/// The notices a dossier has reached, as (slug, name) for the dossier pages.
pub fn notices_of(
    lang: Lang,
    v: &motcua_app::views::DossierView,
    for_citizen: bool,
) -> Vec<(String, String)> {
    issued::notices_reached(v, for_citizen)
        .into_iter()
        .map(|kind| {
            (
                kind.slug().to_owned(),
                t(lang, &format!("notice.{}", kind.slug())).to_owned(),
            )
        })
        .collect()
}

/// `GET /audit/checkpoints`: the signed checkpoints of the audit chain and the key that signs them,
/// public so that anyone can keep copies and hold the operator to them.
pub async fn audit_checkpoints(State(s): State<AppState>) -> Result<Response, Problem> {
    let checkpoints = motcua_app::audit_anchor::checkpoints(&s.app).await?;
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(serde_json::json!({
            "algorithm": "Ed25519",
            "key": motcua_app::audit_anchor::public_key(&s.app),
            // Version 2 (with `chains`) signs the time and each chain's head; version 1 (without)
            // the single chain's entry number and hash.
            "message": "motcua audit checkpoint v2\\n{at}\\n{chain} {seq} {hash} (a line per chain)",
            "message_v1": "motcua audit checkpoint v1\\n{seq}\\n{hash}\\n{at}",
            "checkpoints": checkpoints,
        })),
    )
        .into_response())
}
