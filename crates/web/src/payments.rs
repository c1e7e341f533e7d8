//! Online payment (SPEC §8) over VNPAY 2.1.0: the applicant starts a payment (API or the portal's
//! "pay" button) and is sent to the gateway; the gateway's server-to-server notification (IPN)
//! settles it; the return page only shows where the payment stands and never settles anything.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::identity::Principal;
use motcua_app::payments::{self, Settled, Settlement};
use motcua_domain::payment::GatewayVerdict;
use motcua_gateways::vnpay::{Callback, IpnAnswer, Locale, PaymentRequest, Vnpay};
use motcua_store::entities::payment;
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::AppState;
use crate::auth::{Auth, MaybeAuth};
use crate::i18n::{Lang, t};
use crate::pages::{Chrome, UiLang, chrome, money, render};

use crate::api::ApiResult;

fn gateway(s: &AppState) -> Result<&Arc<Vnpay>, motcua_app::AppError> {
    s.vnpay.as_ref().ok_or_else(|| {
        motcua_app::AppError::new(
            motcua_app::ErrorCode::Unavailable,
            "payments_unavailable",
            "Cổng này chưa kết nối cổng thanh toán; vui lòng nộp phí tại bộ phận một cửa.",
            "This portal has no payment gateway; please pay at the one-stop desk.",
        )
    })
}

/// Starts the payment and returns the gateway page to send the payer to.
async fn start(
    s: &AppState,
    p: &Principal,
    code: &str,
    ip: Option<SocketAddr>,
    lang: Lang,
) -> Result<payments::Started, motcua_app::AppError> {
    let vnpay = gateway(s)?.clone();
    let return_url = format!(
        "{}/payments/vnpay/return",
        s.app.public_url.trim_end_matches('/')
    );
    let ip = ip.map_or_else(|| "127.0.0.1".to_owned(), |a| a.ip().to_string());
    payments::start(&s.app, p, code, |pay| {
        vnpay.payment_url(&PaymentRequest {
            txn_ref: pay.txn_ref.clone(),
            amount_vnd: pay.amount_vnd,
            order_info: format!("Thanh toan phi ho so {code}"),
            return_url: return_url.clone(),
            ip: ip.clone(),
            locale: if lang == Lang::En {
                Locale::English
            } else {
                Locale::Vietnamese
            },
            created_at: pay.created_at,
            expires_at: pay.expires_at.unwrap_or(pay.created_at),
            bank_code: None,
        })
    })
    .await
}

/// `POST /api/v1/dossiers/{code}/payments` (the applicant): 201 with where to pay.
pub async fn api_start(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> ApiResult {
    let started = start(&s, &p, &code, Some(peer), Lang::Vi).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": started.payment.id,
            "status": started.payment.status,
            "amount": started.payment.amount_vnd,
            "txn_ref": started.payment.txn_ref,
            "redirect_url": started.redirect_url,
        })),
    )
        .into_response())
}

/// `POST /my/{code}/pay`: the portal's "pay online" button.
pub async fn portal_start(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let p = match crate::portal::citizen(&ui, &who, &format!("/my/{code}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match start(&s, &p, &code, Some(peer), ui.lang).await {
        // The gateway is another site: a plain 303 the browser follows.
        Ok(started) => Redirect::to(&started.redirect_url).into_response(),
        Err(e) => crate::portal::app_error(&ui, &who, &e),
    }
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn verdict(c: &Callback) -> GatewayVerdict {
    match c.response_code.as_str() {
        _ if c.is_paid() => GatewayVerdict::Paid,
        "24" => GatewayVerdict::Cancelled,
        "11" => GatewayVerdict::TimedOut,
        _ => GatewayVerdict::Declined,
    }
}

/// The query without its signature, for the trail.
fn unsigned(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(k, _)| k != "vnp_SecureHash" && k != "vnp_SecureHashType")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /payments/vnpay/ipn`: the gateway's notification. Only a genuine one for one of our
/// orders, with the amount we asked, changes anything; the answer is VNPAY's `{RspCode, Message}`.
pub async fn ipn(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let txn_ref = pairs
        .iter()
        .find(|(k, _)| k == "vnp_TxnRef")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let answer = match s.vnpay.as_ref() {
        None => IpnAnswer::UnknownError,
        Some(vnpay) => match vnpay.verify_callback(&pairs) {
            Err(e) => {
                let answer = e.ipn_answer();
                tracing::warn!(txn_ref = %txn_ref, error = %e, "payment notification refused");
                let _ = payments::log_callback(
                    &s.app,
                    &txn_ref,
                    "ipn",
                    answer.code(),
                    false,
                    &format!("{e}: {}", unsigned(&pairs)),
                )
                .await;
                answer
            }
            Ok(c) => {
                let settlement = Settlement {
                    verdict: verdict(&c),
                    amount_vnd: c.amount_vnd,
                    transaction_no: c.transaction_no.clone(),
                    bank_code: c.bank_code.clone(),
                    paid_at: c.pay_date,
                    source: "ipn",
                    detail: unsigned(&pairs),
                };
                match payments::settle(&s.app, &c.txn_ref, settlement).await {
                    Ok(Settled::Applied(_)) => IpnAnswer::Confirmed,
                    Ok(Settled::AlreadySettled) => IpnAnswer::AlreadyConfirmed,
                    Ok(Settled::NotFound) => IpnAnswer::OrderNotFound,
                    Ok(Settled::AmountMismatch) => IpnAnswer::InvalidAmount,
                    Err(e) => {
                        tracing::error!(error = ?e, txn_ref = %c.txn_ref, "payment notification not recorded");
                        IpnAnswer::UnknownError
                    }
                }
            }
        },
    };
    Json(answer.to_json()).into_response()
}

#[derive(Template)]
#[template(path = "payment_return.html")]
struct ReturnPage {
    c: Chrome,
    /// `succeeded`, `pending`, `failed`, … or `unverified` when the return was not genuine.
    outcome: String,
    message: String,
    amount: String,
    code: Option<String>,
    /// Pay again (failed, cancelled, expired) from the dossier page.
    retry: bool,
}

/// `GET /payments/vnpay/return`: where the payer's browser comes back. It shows the payment as
/// we hold it — settled by the notification — and never settles it itself.
pub async fn return_page(
    ui: UiLang,
    MaybeAuth(who): MaybeAuth,
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let lang = ui.lang;
    let verified = s.vnpay.as_ref().map(|v| v.verify_callback(&pairs));
    let page = |outcome: &str, amount: String, code: Option<String>| ReturnPage {
        c: chrome(&ui, &who, "payment.return_title"),
        message: t(lang, &format!("payment.outcome.{outcome}")).to_owned(),
        retry: matches!(outcome, "failed" | "cancelled" | "expired"),
        outcome: outcome.to_owned(),
        amount,
        code,
    };
    let Some(Ok(c)) = verified else {
        return render(
            &ui,
            StatusCode::BAD_REQUEST,
            &page("unverified", String::new(), None),
        );
    };
    let held = payment::Entity::find()
        .filter(payment::Column::TxnRef.eq(c.txn_ref.clone()))
        .one(&s.app.db)
        .await;
    match held {
        Ok(Some(p)) => {
            let code = motcua_store::entities::dossier::Entity::find_by_id(p.dossier_id.clone())
                .one(&s.app.db)
                .await
                .ok()
                .flatten()
                .map(|d| d.code);
            render(
                &ui,
                StatusCode::OK,
                &page(&p.status, money(lang, p.amount_vnd), code),
            )
        }
        Ok(None) => render(
            &ui,
            StatusCode::NOT_FOUND,
            &page("unverified", String::new(), None),
        ),
        Err(e) => {
            tracing::error!(error = %e, "payment return page");
            crate::pages::server_error(&ui, &who, &motcua_app::AppError::internal(e))
        }
    }
}
