//! A simulated brandname SMS provider speaking the eSMS.vn-style HTTP protocol, for demos and tests
//! only: nothing is sent to any phone. Each "sent" message lands in an in-memory inbox per phone
//! number that a page shows.
//!
//! - `POST /api/SendMultipleMessage_V4_post_json/` — JSON `{"ApiKey","SecretKey","Phone",
//!   "Content","Brandname","SmsType":"2","IsUnicode":"0"|"1","Sandbox":"0"|"1","RequestId"}`
//!   (`SmsType`, `IsUnicode` and `Sandbox` as strings or numbers). Always HTTP 200 with a JSON
//!   `CodeResult`, as eSMS answers: `100` accepted (with `SMSID`), `101` wrong ApiKey/SecretKey,
//!   `104` unknown brandname, `108` not a Vietnamese mobile number, `118` a message type other
//!   than customer care, `124` a `RequestId` already accepted (with the first `SMSID`; nothing is
//!   stored twice), `99` content the simulator will not carry: empty, or more than one SMS
//!   (160 GSM-7 characters, or 70 UCS-2 ones with `IsUnicode` 1, or characters outside GSM-7
//!   with `IsUnicode` 0). While [`SmsGatewaySim::set_available`] is off it answers HTTP 503.
//!   `Sandbox` 1 validates and answers like a send but delivers nothing.
//! - `GET /{phone}` — that phone's inbox, newest first: an HTML page, or with `?format=json` an
//!   array of `{"to","text","at"}` (`at` in RFC 3339, UTC).
//!
//! Mount [`SmsGatewaySim::router`] at its base URL (e.g. `.nest("/sim/sms", sim.router())`).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Messages kept per phone, and phones kept, so the inbox cannot grow without bound.
pub const INBOX_PER_PHONE: usize = 200;
pub const INBOX_PHONES: usize = 10_000;
/// Request ids remembered for duplicate detection.
const REQUEST_IDS: usize = 100_000;
const SEND_PATH: &str = "/api/SendMultipleMessage_V4_post_json/";

/// One message as the simulated phone received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimSms {
    /// The phone in national form, `0xxxxxxxxx`.
    pub to: String,
    pub text: String,
    pub at: String,
    pub brandname: String,
    pub sms_id: String,
}

#[derive(Default)]
struct Inner {
    /// phone → messages, oldest first.
    inbox: HashMap<String, VecDeque<SimSms>>,
    /// RequestId → SMSID, with the ids in arrival order for eviction.
    requests: HashMap<String, String>,
    request_order: VecDeque<String>,
}

/// The simulated provider: one account (API key and secret) with its registered brandnames.
pub struct SmsGatewaySim {
    api_key: String,
    secret_key: String,
    brandnames: Vec<String>,
    available: AtomicBool,
    inner: Mutex<Inner>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SmsGatewaySim {
    pub fn new(api_key: &str, secret_key: &str, brandnames: Vec<String>) -> Self {
        Self {
            api_key: api_key.to_owned(),
            secret_key: secret_key.to_owned(),
            brandnames,
            available: AtomicBool::new(true),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Off simulates an outage: the send endpoint answers HTTP 503 until switched back on.
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
    }

    /// The messages a phone received, newest first (`phone` in any form the API accepts).
    pub fn messages(&self, phone: &str) -> Vec<SimSms> {
        let Some(phone) = normalize_phone(phone) else {
            return Vec::new();
        };
        lock(&self.inner)
            .inbox
            .get(&phone)
            .map(|q| q.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(SEND_PATH, post(send))
            .route(SEND_PATH.trim_end_matches('/'), post(send))
            .route("/{phone}", get(inbox))
            .with_state(Arc::clone(self))
    }

    /// Accepts or refuses one request; the answer body eSMS would give.
    fn handle(&self, body: &[u8]) -> Value {
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return refusal("99", "Invalid request: the body must be a JSON object");
        };
        let field = |name: &str| -> Option<String> {
            // eSMS's own samples spell keys in more than one case (ApiKey, Apikey).
            find(&req, name).and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let given = |name: &str| field(name).unwrap_or_default();
        if given("ApiKey") != self.api_key || given("SecretKey") != self.secret_key {
            return refusal("101", "Authorize Failed");
        }
        let brandname = given("Brandname");
        if !self.brandnames.contains(&brandname) {
            return refusal("104", "Brand name code is not exist");
        }
        if field("SmsType").as_deref() != Some("2") {
            return refusal(
                "118",
                "Loại tin nhắn không hợp lệ: simulator only accepts SmsType 2 (customer care)",
            );
        }
        let Some(phone) = normalize_phone(&given("Phone")) else {
            return refusal(
                "108",
                "Số điện thoại không đúng định dạng: a Vietnamese mobile number (03x, 05x, 07x, 08x, 09x) is needed",
            );
        };
        let content = field("Content").unwrap_or_default();
        let unicode = field("IsUnicode").as_deref() == Some("1");
        if let Err(why) = check_content(&content, unicode) {
            return refusal("99", &why);
        }
        let request_id = field("RequestId").filter(|r| !r.is_empty());
        let sandbox = field("Sandbox").as_deref() == Some("1");

        let mut inner = lock(&self.inner);
        if let Some(first) = request_id.as_ref().and_then(|r| inner.requests.get(r)) {
            return json!({
                "CodeResult": "124",
                "CountRegenerate": 0,
                "ErrorMessage": "Request exist",
                "SMSID": first,
            });
        }
        let sms_id = uuid::Uuid::new_v4().simple().to_string();
        if sandbox {
            // eSMS's sandbox checks the request and charges nothing; no phone receives it.
            return accepted(&sms_id);
        }
        if let Some(r) = request_id {
            if inner.request_order.len() >= REQUEST_IDS
                && let Some(old) = inner.request_order.pop_front()
            {
                inner.requests.remove(&old);
            }
            inner.requests.insert(r.clone(), sms_id.clone());
            inner.request_order.push_back(r);
        }
        if !inner.inbox.contains_key(&phone) && inner.inbox.len() >= INBOX_PHONES {
            // Forget the phone whose latest message is the oldest.
            let stalest = inner
                .inbox
                .iter()
                .min_by(|a, b| a.1.back().map(|m| &m.at).cmp(&b.1.back().map(|m| &m.at)))
                .map(|(p, _)| p.clone());
            if let Some(p) = stalest {
                inner.inbox.remove(&p);
            }
        }
        let queue = inner.inbox.entry(phone.clone()).or_default();
        if queue.len() >= INBOX_PER_PHONE {
            queue.pop_front();
        }
        queue.push_back(SimSms {
            to: phone,
            text: content,
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            brandname,
            sms_id: sms_id.clone(),
        });
        accepted(&sms_id)
    }
}

fn find<'a>(req: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    req.get(name).or_else(|| {
        req.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn accepted(sms_id: &str) -> Value {
    json!({ "CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id })
}

fn refusal(code: &str, message: &str) -> Value {
    json!({ "CodeResult": code, "CountRegenerate": 0, "ErrorMessage": message })
}

/// The simulator's own idea of a Vietnamese mobile number: `0` + 9 digits on networks 03, 05,
/// 07, 08, 09, given as `0…`, `84…` or `+84…`.
fn normalize_phone(phone: &str) -> Option<String> {
    let compact: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    let national = compact
        .strip_prefix("+84")
        .or_else(|| compact.strip_prefix("84").filter(|r| r.len() == 9))
        .or_else(|| compact.strip_prefix('0'))?;
    (national.len() == 9
        && national.bytes().all(|b| b.is_ascii_digit())
        && national.starts_with(['3', '5', '7', '8', '9']))
    .then(|| format!("0{national}"))
}

/// GSM 03.38 default alphabet and extension table (the latter costs two septets per character).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// Refuses what one SMS cannot carry in the encoding asked for: the real provider would split
/// it and bill several messages, which our sender must never cause.
fn check_content(content: &str, unicode: bool) -> Result<(), String> {
    if content.trim().is_empty() {
        return Err("Nội dung tin nhắn trống (Content is empty)".into());
    }
    if unicode {
        let units = content.encode_utf16().count();
        if units > 70 {
            return Err(format!(
                "Tin nhắn có dấu dài {units} ký tự, quá 70 ký tự của một tin (Unicode SMS longer than 70 UCS-2 characters)"
            ));
        }
        return Ok(());
    }
    let mut septets = 0usize;
    for c in content.chars() {
        if GSM7_BASIC.contains(c) {
            septets += 1;
        } else if GSM7_EXTENSION.contains(c) {
            septets += 2;
        } else {
            return Err(format!(
                "Ký tự {c:?} không có trong bảng GSM-7; gửi IsUnicode 1 hoặc bỏ dấu (character outside GSM-7 with IsUnicode 0)"
            ));
        }
    }
    if septets > 160 {
        return Err(format!(
            "Tin nhắn không dấu dài {septets} ký tự, quá 160 ký tự của một tin (GSM-7 SMS longer than 160 characters)"
        ));
    }
    Ok(())
}

async fn send(State(sim): State<Arc<SmsGatewaySim>>, body: Bytes) -> Response {
    if !sim.available.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            Json(json!({ "error": "Service Unavailable (simulated outage)" })),
        )
            .into_response();
    }
    Json(sim.handle(&body)).into_response()
}

#[derive(Deserialize)]
struct InboxQuery {
    format: Option<String>,
}

#[derive(Serialize)]
struct InboxEntry<'a> {
    to: &'a str,
    text: &'a str,
    at: &'a str,
    brandname: &'a str,
    sms_id: &'a str,
}

async fn inbox(
    State(sim): State<Arc<SmsGatewaySim>>,
    Path(phone): Path<String>,
    Query(q): Query<InboxQuery>,
) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    let Some(number) = normalize_phone(&phone) else {
        return (
            StatusCode::NOT_FOUND,
            no_store,
            Html(page(
                "Không phải số di động",
                &format!(
                    "<p>{} không phải số di động Việt Nam.</p>",
                    html_escape(&phone)
                ),
            )),
        )
            .into_response();
    };
    let messages = sim.messages(&number);
    if q.format.as_deref() == Some("json") {
        let entries: Vec<InboxEntry<'_>> = messages
            .iter()
            .map(|m| InboxEntry {
                to: &m.to,
                text: &m.text,
                at: &m.at,
                brandname: &m.brandname,
                sms_id: &m.sms_id,
            })
            .collect();
        return (no_store, Json(entries)).into_response();
    }
    let vietnam = FixedOffset::east_opt(7 * 3600);
    let rows: String = messages
        .iter()
        .map(|m| {
            let shown = DateTime::parse_from_rfc3339(&m.at)
                .ok()
                .zip(vietnam)
                .map(|(t, tz)| t.with_timezone(&tz).format("%H:%M:%S %d/%m/%Y").to_string())
                .unwrap_or_else(|| m.at.clone());
            format!(
                "<tr><td><time datetime=\"{}\">{}</time></td><td>{}</td><td class=\"sms\">{}</td></tr>",
                html_escape(&m.at),
                html_escape(&shown),
                html_escape(&m.brandname),
                html_escape(&m.text)
            )
        })
        .collect();
    let table = if rows.is_empty() {
        "<p>Chưa có tin nhắn.</p>".to_owned()
    } else {
        format!(
            "<table><caption>Tin nhắn đã nhận, mới nhất trước</caption><thead><tr>\
             <th scope=\"col\">Thời gian (giờ Việt Nam)</th><th scope=\"col\">Người gửi</th>\
             <th scope=\"col\">Nội dung</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    let body = format!(
        "<p>Tin nhắn SMS mà cổng SMS mô phỏng lẽ ra đã gửi tới số {}. Chỉ có trong bản demo: \
         không có tin nào thật sự được gửi.</p>{table}",
        html_escape(&number)
    );
    (
        no_store,
        Html(page(&format!("Hộp thư SMS {number}"), &body)),
    )
        .into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} — mô phỏng</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem;line-height:1.5}}\
         table{{border-collapse:collapse}}th,td{{border:1px solid #888;padding:.25rem .5rem;\
         text-align:left;vertical-align:top}}.sms{{white-space:pre-wrap}}</style></head>\
         <body><main><h1>{t} — SIMULATOR</h1>{body}</main></body></html>",
        t = html_escape(title)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn sim() -> SmsGatewaySim {
        SmsGatewaySim::new("key", "secret", vec!["MOTCUA".into()])
    }

    fn req(extra: Value) -> Vec<u8> {
        let mut v = json!({
            "ApiKey": "key", "SecretKey": "secret", "Phone": "0912345678",
            "Content": "Ho so cua ban da duoc tiep nhan", "Brandname": "MOTCUA",
            "SmsType": "2", "IsUnicode": "0", "Sandbox": "0"
        });
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn codes() {
        let s = sim();
        assert_eq!(s.handle(&req(json!({})))["CodeResult"], "100");
        assert_eq!(
            s.handle(&req(json!({"SecretKey": "x"})))["CodeResult"],
            "101"
        );
        assert_eq!(
            s.handle(&req(json!({"Brandname": "OTHER"})))["CodeResult"],
            "104"
        );
        assert_eq!(
            s.handle(&req(json!({"Phone": "0212345678"})))["CodeResult"],
            "108"
        );
        assert_eq!(s.handle(&req(json!({"SmsType": 1})))["CodeResult"], "118");
        assert_eq!(s.handle(&req(json!({"Content": " "})))["CodeResult"], "99");
        assert_eq!(
            s.handle(&req(json!({"Content": "Hồ sơ"})))["CodeResult"],
            "99"
        );
        assert_eq!(
            s.handle(&req(json!({"Content": "Hồ sơ", "IsUnicode": 1})))["CodeResult"],
            "100"
        );
        assert_eq!(
            s.handle(&req(json!({"Content": "a".repeat(160)})))["CodeResult"],
            "100"
        );
        assert_eq!(
            s.handle(&req(json!({"Content": "a".repeat(161)})))["CodeResult"],
            "99"
        );
        assert_eq!(
            s.handle(&req(json!({"Content": "€".repeat(81)})))["CodeResult"],
            "99"
        );
        assert_eq!(s.handle(b"not json")["CodeResult"], "99");
        assert_eq!(s.messages("+84912345678").len(), 3);
    }

    #[test]
    fn sandbox_delivers_nothing() {
        let s = sim();
        assert_eq!(s.handle(&req(json!({"Sandbox": 1})))["CodeResult"], "100");
        assert!(s.messages("0912345678").is_empty());
    }

    #[test]
    fn inbox_is_capped() {
        let s = sim();
        for i in 0..(INBOX_PER_PHONE + 5) {
            s.handle(&req(json!({ "Content": format!("tin {i}") })));
        }
        let m = s.messages("0912345678");
        assert_eq!(m.len(), INBOX_PER_PHONE);
        assert_eq!(m[0].text, format!("tin {}", INBOX_PER_PHONE + 4));
    }
}
