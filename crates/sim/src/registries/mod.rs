//! Simulators of six national databases a handling system reads from (Decree 45/2020 Art. 16,
//! Project 06), for development, demos and tests only: every record is fictional.
//!
//! Each database is its own simulator with its own router, speaking JSON over HTTP with the
//! PascalCase Vietnamese field names of the shared data-exchange platform's services (the wire
//! format `motcua_domain::national` parses; the simulators build their JSON independently):
//!
//! - [`population::PopulationSim`]: `GET /api/cong-dan/{so_dinh_danh}`;
//! - [`civil_status::CivilStatusSim`]: `GET /api/khai-sinh?so_dinh_danh=…`,
//!   `GET /api/ket-hon?so_dinh_danh=…`;
//! - [`residence::ResidenceSim`]: `GET /api/cu-tru/{so_dinh_danh}`;
//! - [`enterprise::EnterpriseSim`]: `GET /api/doanh-nghiep/{ma_so}`,
//!   `GET /api/doanh-nghiep?so_dinh_danh_nguoi_dai_dien=…`;
//! - [`land::LandSim`]: `GET /api/thua-dat?so_dinh_danh=…`;
//! - [`social_insurance::SocialInsuranceSim`]: `GET /api/nguoi-tham-gia/{so_dinh_danh}`.
//!
//! Common to all six (mount each router at its base URL, e.g.
//! `.nest("/sim/population", PopulationSim::new(token).router())`):
//!
//! - data requests need `Authorization: Bearer <token>` (else 401 `KHONG_CO_QUYEN`) and a
//!   non-empty `X-Purpose` (else 400 `THIEU_MUC_DICH`); `X-Request-Id` is optional. A malformed
//!   identifier is 400 `THAM_SO_KHONG_HOP_LE`, an unknown one (single-record endpoints) 404
//!   `KHONG_TIM_THAY`; list endpoints answer a JSON array, possibly empty. Errors are
//!   `{"MaLoi": …, "MoTa": …}`.
//! - every data request (admitted or refused) is appended to a bounded request log, newest last:
//!   `GET /requests` (no token: it is the operator's view), or [`Registry::requests`].
//! - `GET /health` → `{"TrangThai":"HoatDong"}` (no token).
//! - the operator's switch: `GET /control` → `{"mode":"ok","delay_ms":0}`; `POST /control` with
//!   `{"mode":"ok"|"down"|"slow","delay_ms":N}`, or [`Registry::set_mode`]. `down` answers every
//!   data request and `/health` with 503 `HE_THONG_BAN`; `slow` waits `delay_ms` first.
//! - `GET /` → a short HTML page: the database, the mode and the seeded records' keys.
//!
//! The records come from one seeded [`world`], consistent with the demo citizens the simulated
//! identity provider signs in, so the six databases agree with each other.

pub mod civil_status;
pub mod enterprise;
pub mod land;
pub mod population;
pub mod residence;
pub mod social_insurance;
pub mod world;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use chrono::{NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::citizens::{DEMO_PROVINCE_NAME, Gender};
use world::{Addr, PersonRef};

/// Entries kept in the request log.
pub const MAX_REQUEST_LOG: usize = 1_000;
/// The longest `slow` delay the switch accepts.
pub const MAX_DELAY_MS: u64 = 120_000;
/// The delay of `slow` when `POST /control` gives none.
pub const DEFAULT_SLOW_MS: u64 = 1_000;
/// Characters of a header value kept in the log.
const MAX_LOGGED_CHARS: usize = 300;

/// How the simulated database behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Answers normally.
    #[default]
    Ok,
    /// Out of service: data requests and `/health` answer 503 `HE_THONG_BAN`.
    Down,
    /// Answers normally after waiting this long.
    Slow { delay_ms: u64 },
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Ok => "ok",
            Mode::Down => "down",
            Mode::Slow { .. } => "slow",
        }
    }

    pub fn delay_ms(self) -> u64 {
        match self {
            Mode::Slow { delay_ms } => delay_ms,
            Mode::Ok | Mode::Down => 0,
        }
    }

    /// The `GET /control` body.
    pub fn to_json(self) -> Value {
        json!({ "mode": self.name(), "delay_ms": self.delay_ms() })
    }
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestLogEntry {
    /// When it arrived (RFC 3339, UTC).
    pub at: String,
    /// Path and query, relative to the simulator's base URL (e.g. `/api/cong-dan/031085012345`).
    pub path: String,
    /// The `X-Purpose` header, if any.
    pub purpose: Option<String>,
    /// The `X-Request-Id` header, if any.
    pub request_id: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

/// What the six simulators share: the token, the operator's switch and the request log.
pub struct Registry {
    title: &'static str,
    token: String,
    mode: Mutex<Mode>,
    log: Mutex<VecDeque<RequestLogEntry>>,
    /// The page's body below the mode: the endpoints and the seeded records (HTML, escaped).
    page_body: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    fn new(title: &'static str, token: &str, page_body: String) -> Self {
        Self {
            title,
            token: token.to_owned(),
            mode: Mutex::new(Mode::Ok),
            log: Mutex::new(VecDeque::new()),
            page_body,
        }
    }

    /// The database's Vietnamese name.
    pub fn title(&self) -> &'static str {
        self.title
    }

    pub fn mode(&self) -> Mode {
        *lock(&self.mode)
    }

    /// Sets the operator's switch (a `slow` delay is capped at [`MAX_DELAY_MS`]).
    pub fn set_mode(&self, mode: Mode) {
        let mode = match mode {
            Mode::Slow { delay_ms } => Mode::Slow {
                delay_ms: delay_ms.min(MAX_DELAY_MS),
            },
            other => other,
        };
        *lock(&self.mode) = mode;
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        lock(&self.log).iter().cloned().collect()
    }

    fn record(&self, entry: RequestLogEntry) {
        let mut log = lock(&self.log);
        if log.len() >= MAX_REQUEST_LOG {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// `Err` with the answer when the switch says so: 503 while down; waits while slow.
    async fn obey_mode(&self) -> Result<(), Response> {
        match self.mode() {
            Mode::Ok => Ok(()),
            Mode::Down => Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "HE_THONG_BAN",
                "Hệ thống đang bận hoặc tạm ngừng phục vụ, vui lòng thử lại sau",
            )),
            Mode::Slow { delay_ms } => {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                Ok(())
            }
        }
    }

    /// The checks every data request passes before its handler runs.
    async fn admit(&self, headers: &HeaderMap) -> Result<(), Response> {
        self.obey_mode().await?;
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        if self.token.is_empty() || token != Some(self.token.as_str()) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "KHONG_CO_QUYEN",
                "Không có quyền truy cập: thiếu hoặc sai mã xác thực (Authorization: Bearer …)",
            ));
        }
        if header_text(headers, "x-purpose").is_none() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "THIEU_MUC_DICH",
                "Thiếu mục đích khai thác, sử dụng dữ liệu (X-Purpose)",
            ));
        }
        Ok(())
    }

    /// The simulator's router: `data` (the database's own endpoints, behind the checks and the
    /// log) with `/`, `/health`, `/control` and `/requests`.
    fn router(self: &Arc<Self>, data: Router) -> Router {
        let data = data.layer(middleware::from_fn_with_state(Arc::clone(self), gate));
        Router::new()
            .route("/", get(page))
            .route("/health", get(health))
            .route("/control", get(control_get).post(control_set))
            .route("/requests", get(requests))
            .with_state(Arc::clone(self))
            .merge(data)
    }
}

/// Implements the operator's methods on a simulator holding `registry: Arc<Registry>`.
macro_rules! operator_methods {
    ($sim:ty) => {
        impl $sim {
            /// The shared token, switch and log.
            pub fn registry(&self) -> &std::sync::Arc<$crate::registries::Registry> {
                &self.registry
            }

            pub fn mode(&self) -> $crate::registries::Mode {
                self.registry.mode()
            }

            /// Sets the operator's switch (`ok`, `down`, `slow`).
            pub fn set_mode(&self, mode: $crate::registries::Mode) {
                self.registry.set_mode(mode);
            }

            /// The request log, oldest first.
            pub fn requests(&self) -> Vec<$crate::registries::RequestLogEntry> {
                self.registry.requests()
            }
        }
    };
}
pub(crate) use operator_methods;

async fn gate(State(reg): State<Arc<Registry>>, req: Request, next: Next) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let purpose = header_text(req.headers(), "x-purpose");
    let request_id = header_text(req.headers(), "x-request-id");
    let response = match reg.admit(req.headers()).await {
        Ok(()) => next.run(req).await,
        Err(refused) => refused,
    };
    reg.record(RequestLogEntry {
        at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        path: truncate(&path),
        purpose,
        request_id,
        status: response.status().as_u16(),
    });
    response
}

async fn health(State(reg): State<Arc<Registry>>) -> Response {
    match reg.obey_mode().await {
        Ok(()) => Json(json!({ "TrangThai": "HoatDong" })).into_response(),
        Err(refused) => refused,
    }
}

async fn control_get(State(reg): State<Arc<Registry>>) -> Response {
    Json(reg.mode().to_json()).into_response()
}

async fn control_set(State(reg): State<Arc<Registry>>, body: Bytes) -> Response {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&body) else {
        return bad_control();
    };
    let delay = match m.get("delay_ms") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(ms) => Some(ms),
            None => return bad_control(),
        },
    };
    let mode = match m.get("mode").and_then(Value::as_str) {
        Some("ok") => Mode::Ok,
        Some("down") => Mode::Down,
        Some("slow") => Mode::Slow {
            delay_ms: delay.unwrap_or(DEFAULT_SLOW_MS),
        },
        _ => return bad_control(),
    };
    reg.set_mode(mode);
    Json(reg.mode().to_json()).into_response()
}

fn bad_control() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "THAM_SO_KHONG_HOP_LE",
        "Cần một đối tượng JSON {\"mode\": \"ok\"|\"down\"|\"slow\", \"delay_ms\": N}",
    )
}

async fn requests(State(reg): State<Arc<Registry>>) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(reg.requests())).into_response()
}

async fn page(State(reg): State<Arc<Registry>>) -> Response {
    let mode = reg.mode();
    let mode = match mode {
        Mode::Slow { delay_ms } => format!("slow ({delay_ms} ms)"),
        other => other.name().to_owned(),
    };
    let title = html_escape(reg.title);
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — mô phỏng</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem;line-height:1.5}}\
         table{{border-collapse:collapse}}th,td{{border:1px solid #888;padding:.25rem .5rem;\
         text-align:left;vertical-align:top}}</style></head>\
         <body><main><h1>{title} — SIMULATOR</h1>\
         <p>Dữ liệu hư cấu, chỉ dùng để phát triển và trình diễn. Chế độ: <strong>{mode}</strong> \
         (<a href=\"control\">control</a>, <a href=\"requests\">requests</a>)</p>{body}</main></body></html>",
        mode = html_escape(&mode),
        body = reg.page_body,
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// The error body every simulator answers with.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "MaLoi": code, "MoTa": message }))).into_response()
}

pub(crate) fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "KHONG_TIM_THAY",
        "Không tìm thấy thông tin",
    )
}

/// A 12-digit citizen identification number, or the 400 answer.
pub(crate) fn citizen_id_param(id: Option<&str>) -> Result<String, Box<Response>> {
    match id.map(str::trim) {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Ok(id.to_owned()),
        _ => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "THAM_SO_KHONG_HOP_LE",
            "Số định danh cá nhân phải gồm đúng 12 chữ số",
        ))),
    }
}

/// The value of one query-string parameter.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A header's text; header values are ASCII, so clients percent-encode anything else (the
/// Vietnamese purpose) and it is decoded here.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| {
            let raw = String::from_utf8_lossy(v.as_bytes()).replace('+', "%2B");
            url::form_urlencoded::parse(format!("x={raw}").as_bytes())
                .next()
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        })
        .filter(|v| !v.is_empty())
        .map(|v| truncate(&v))
}

fn truncate(s: &str) -> String {
    s.chars().take(MAX_LOGGED_CHARS).collect()
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn gender_vi(g: Gender) -> &'static str {
    match g {
        Gender::Male => "Nam",
        Gender::Female => "Nữ",
    }
}

/// `NoiThuongTru`, `QueQuan`, `DiaChiTruSo`, …
pub(crate) fn address_json(a: &Addr) -> Value {
    json!({
        "MaXa": a.commune_code,
        "TenXa": a.commune_name,
        "MaTinh": world::PROVINCE_CODE,
        "TenTinh": DEMO_PROVINCE_NAME,
        "ChiTiet": a.detail,
    })
}

/// `Cha`, `Me`, `VoChong`, `ChuHo`, `NguoiDaiDien`, …
pub(crate) fn person_ref_json(p: &PersonRef) -> Value {
    json!({
        "HoVaTen": p.name,
        "SoDinhDanh": p.id,
        "NgaySinh": p.birth.map(date),
    })
}

pub(crate) fn opt_person_ref_json(p: Option<&PersonRef>) -> Value {
    p.map_or(Value::Null, person_ref_json)
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page's list of endpoints and a table (cells escaped here).
pub(crate) fn page_body(endpoints: &[&str], columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<h2>Điểm truy cập</h2><ul>");
    for e in endpoints {
        out.push_str(&format!("<li><code>{}</code></li>", html_escape(e)));
    }
    out.push_str("</ul><h2>Dữ liệu mẫu</h2><table><thead><tr>");
    for c in columns {
        out.push_str(&format!("<th>{}</th>", html_escape(c)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{}</td>", html_escape(cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}
