//! The applicant signs their application with a remote signing service (CSC API): ask for an
//! OTP, type it, and the service signs the hash we send. The rules (who, when, what is signed,
//! checking the answer) are in `motcua_app::applicant_signing`; this module talks to the service
//! and draws the pages.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::ErrorCode;
use motcua_app::applicant_signing::{self, SignatureView};
use motcua_app::identity::Principal;
use motcua_gateways::csc::{CscClient, CscError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::MaybeAuth;
use crate::download::{Disposition, content_disposition};
use crate::i18n::t;
use crate::pages::{Chrome, UiLang, chrome, error_page, render};
use crate::portal::{app_error, citizen};

/// The remote signing service this deployment uses.
#[derive(Clone)]
pub struct RemoteSigning {
    pub client: Arc<CscClient>,
    /// Demo only: where the simulator shows the SMS it would have sent (`…/phone`).
    pub simulator_phone: Option<String>,
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    c: Chrome,
    code: String,
    signer: String,
    content_sha256: String,
    phone_hint: Option<String>,
    error: Option<String>,
}

fn service_error(ui: &UiLang, who: &Option<Principal>, e: &CscError) -> Response {
    tracing::warn!(error = %e, "remote signing service");
    error_page(
        ui,
        who,
        StatusCode::SERVICE_UNAVAILABLE,
        t(ui.lang, "sign.title"),
        t(ui.lang, "sign.service_down"),
    )
}

fn not_offered(ui: &UiLang, who: &Option<Principal>) -> Response {
    error_page(
        ui,
        who,
        StatusCode::NOT_FOUND,
        t(ui.lang, "sign.title"),
        t(ui.lang, "sign.not_offered"),
    )
}

/// `POST /my/{code}/sign`: find the citizen's credential, have the OTP sent, remember the request.
pub async fn start(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/check")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Some(rs) = &s.remote_signing else {
        return not_offered(&ui, &who);
    };
    let Principal::Citizen { citizen_id, .. } = &p else {
        return not_offered(&ui, &who);
    };
    let user = citizen_id.to_string();
    let credential = match rs.client.list(&user).await {
        Ok(ids) => match ids.into_iter().next() {
            Some(id) => id,
            None => {
                return error_page(
                    &ui,
                    &who,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t(ui.lang, "sign.title"),
                    t(ui.lang, "sign.no_credential"),
                );
            }
        },
        Err(e) => return service_error(&ui, &who, &e),
    };
    let info = match rs.client.info(&credential).await {
        Ok(i) => i,
        Err(e) => return service_error(&ui, &who, &e),
    };
    // Check the request is acceptable before the citizen gets an SMS for nothing.
    if let Err(e) =
        applicant_signing::begin(&s.app, &p, &code, &credential, &info.certificates).await
    {
        return app_error(&ui, &who, &e);
    }
    if let Err(e) = rs.client.send_otp(&credential).await {
        return service_error(&ui, &who, &e);
    }
    Redirect::to(&format!("/my/{code}/sign")).into_response()
}

async fn page(
    s: &AppState,
    ui: &UiLang,
    who: &Option<Principal>,
    p: &Principal,
    code: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let Some(rs) = &s.remote_signing else {
        return not_offered(ui, who);
    };
    let view = match motcua_app::dossiers::get(&s.app, p, code).await {
        Ok(v) => v,
        Err(e) => return app_error(ui, who, &e),
    };
    let sig = match applicant_signing::status(&s.app, &view).await {
        Ok(Some(v)) if v.status == "pending" => v,
        Ok(_) => return Redirect::to(&format!("/my/{code}/check")).into_response(),
        Err(e) => return app_error(ui, who, &e),
    };
    let phone_hint = match (p, &rs.simulator_phone) {
        (Principal::Citizen { citizen_id, .. }, Some(base)) => Some(format!("{base}/{citizen_id}")),
        _ => None,
    };
    render(
        ui,
        status,
        &SignPage {
            c: chrome(ui, who, "sign.title"),
            code: code.to_owned(),
            signer: sig.signer.unwrap_or_default(),
            content_sha256: sig.content_sha256,
            phone_hint,
            error,
        },
    )
}

/// `GET /my/{code}/sign`: the OTP form of a pending request.
pub async fn form(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/sign")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    page(&s, &ui, &who, &p, &code, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct OtpForm {
    #[serde(default)]
    otp: String,
}

/// `POST /my/{code}/sign/confirm`: OTP → SAD → signHash → stored, checked signature.
pub async fn confirm(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Form(f): Form<OtpForm>,
) -> Response {
    let p = match citizen(&ui, &who, &format!("/my/{code}/sign")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Some(rs) = s.remote_signing.clone() else {
        return not_offered(&ui, &who);
    };
    let otp = f.otp.trim();
    if otp.len() != 6 || !otp.chars().all(|c| c.is_ascii_digit()) {
        let msg = t(ui.lang, "sign.otp_format").to_owned();
        return page(
            &s,
            &ui,
            &who,
            &p,
            &code,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
        .await;
    }
    let (credential, hash) = match applicant_signing::hash_to_sign(&s.app, &p, &code).await {
        Ok(x) => x,
        Err(e) => return app_error(&ui, &who, &e),
    };
    let sad = match rs.client.authorize(&credential, &hash, otp).await {
        Ok(sad) => sad,
        Err(e) if e.is_bad_otp() => {
            let msg = t(ui.lang, "sign.otp_wrong").to_owned();
            return page(
                &s,
                &ui,
                &who,
                &p,
                &code,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(msg),
            )
            .await;
        }
        Err(e) => return service_error(&ui, &who, &e),
    };
    let signature = match rs.client.sign_hash(&credential, &sad, &hash).await {
        Ok(sig) => sig,
        Err(e) => return service_error(&ui, &who, &e),
    };
    match applicant_signing::complete(&s.app, &p, &code, &signature).await {
        Ok(_) => Redirect::to(&format!("/my/{code}/check#signature")).into_response(),
        Err(e) => app_error(&ui, &who, &e),
    }
}

/// A line for pages: who signed, when, and whether it still holds.
pub struct SignatureLine {
    pub signer: String,
    pub when: String,
    /// `valid`, `changed` (the content changed after signing) or `invalid`.
    pub state: &'static str,
    pub failed: String,
}

pub fn line(s: &AppState, v: &SignatureView) -> Option<SignatureLine> {
    if v.status != "signed" {
        return None;
    }
    Some(SignatureLine {
        signer: v.signer.clone().unwrap_or_default(),
        when: crate::pages::local_time(s, v.signed_at, crate::pages::DATE_TIME),
        state: if !v.matches {
            "changed"
        } else if v.valid {
            "valid"
        } else {
            "invalid"
        },
        failed: v.failed_checks.join(", "),
    })
}

/// `GET …/{code}/application.json` and `…/{code}/signature.p7s`: the signed bytes and the
/// detached signature, for anyone who may see the dossier to check with other tools.
pub async fn download(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path((code, file)): Path<(String, String)>,
) -> Response {
    let Some(p) = who.clone() else {
        return Redirect::to("/").into_response();
    };
    let (content, cms) = match applicant_signing::export(&s.app, &p, &code).await {
        Ok(x) => x,
        Err(e) if matches!(e.kind, ErrorCode::NotFound | ErrorCode::Forbidden) => {
            return crate::pages::not_found_page(&ui, &who);
        }
        Err(e) => return crate::pages::server_error(&ui, &who, &e),
    };
    let (mime, bytes) = match file.as_str() {
        "application.json" => ("application/json", content),
        "signature.p7s" => ("application/pkcs7-signature", cms),
        _ => return crate::pages::not_found_page(&ui, &who),
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(Disposition::Attachment, &format!("{code}-{file}")),
            ),
        ],
        bytes,
    )
        .into_response()
}
