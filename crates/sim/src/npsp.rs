//! A simulated National Public Service Portal dossier-sync service (Cổng Dịch vụ công quốc gia,
//! "hệ thống điều phối"), for demos and tests: it takes what a provincial handling system reports
//! of its dossiers, checks it as the portal would, and shows what it holds.
//!
//! - `POST /api/token`: OAuth 2.0 client credentials (HTTP Basic, or `client_id`/`client_secret`
//!   in the form) → `{"access_token","token_type":"Bearer","expires_in":3600}`.
//! - `POST /api/hoso`: update 1, the dossier (`SoThuTu` 1).
//! - `POST /api/hoso/{MaHoSo}/tientrinh`: update 2, 3, …: a step with its status (`TrangThaiHoSo`
//!   1–10).
//! - `PUT /api/hoso/{MaHoSo}/lephi`: the fee list, replaced whole.
//!
//! Answers are `{"error_code":0,"message":…}` on success. An update whose number the portal
//! already holds, with the same status, is the same update again: success, nothing changes, and
//! it is counted as a duplicate. A gap (or a step for a dossier the portal does not know) is HTTP
//! 409 with `SoThuTuTiepTheo`, the number expected next. A malformed update is HTTP 422 naming the
//! faulty fields; one that contradicts what the portal holds (another status under a number it
//! has, a step after the dossier ended, a time before the previous step) is HTTP 409 without a
//! next number. Without a valid token: HTTP 401. While [`NpspSim::set_available`] is off every
//! call is HTTP 503.
//!
//! What it holds: `GET /` (an HTML page), `GET /api/dossiers` and `GET /api/dossiers/{MaHoSo}`
//! (JSON: the latest status, every step in order, the fee list, duplicates received). The
//! operator's switch: `POST /control` `{"mode":"down"}` or `{"mode":"ok"}`.
//!
//! State is in memory: a restarted simulator knows nothing, and a sender resumes from update 1
//! when told `SoThuTuTiepTheo: 1`.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use chrono::{NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::registries::html_escape;

/// Dossiers kept; the oldest is forgotten beyond this.
const MAX_DOSSIERS: usize = 200_000;
const TIME: &str = "%Y%m%d%H%M%S";

/// One step as the portal holds it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeldStep {
    #[serde(rename = "SoThuTu")]
    pub seq: u32,
    #[serde(rename = "TrangThaiHoSo")]
    pub status: u8,
    #[serde(rename = "ThoiGian")]
    pub at: String,
    #[serde(rename = "NguoiXuLy")]
    pub handler: String,
    #[serde(rename = "NoiDung")]
    pub content: String,
    /// When the simulator received it (RFC 3339, UTC).
    #[serde(rename = "NhanLuc")]
    pub received: String,
}

/// A dossier as the portal holds it.
#[derive(Debug, Clone, Serialize)]
pub struct HeldDossier {
    #[serde(rename = "MaHoSo")]
    pub code: String,
    #[serde(rename = "MaTTHC")]
    pub procedure: String,
    #[serde(rename = "MaDonViXuLy")]
    pub agency: String,
    #[serde(rename = "KenhThucHien")]
    pub channel: u8,
    #[serde(rename = "TrangThaiHoSo")]
    pub status: u8,
    #[serde(rename = "NgayHenTra")]
    pub due_at: Option<String>,
    #[serde(rename = "NgayKetThucXuLy")]
    pub ended_at: Option<String>,
    #[serde(rename = "DuongDanTepTinKetQua")]
    pub result_url: Option<String>,
    #[serde(rename = "TienTrinh")]
    pub steps: Vec<HeldStep>,
    #[serde(rename = "DanhSachLePhi")]
    pub fees: Value,
    #[serde(rename = "DuocThanhToanTrucTuyen")]
    pub paid_online: u8,
    /// Updates received again (each counted once above).
    #[serde(rename = "SoLanNhanTrung")]
    pub duplicates: u32,
}

#[derive(Default)]
struct Inner {
    dossiers: BTreeMap<String, HeldDossier>,
    order: Vec<String>,
    tokens: HashSet<String>,
}

/// The simulated portal: one registered handling system (client id and secret).
pub struct NpspSim {
    client_id: String,
    client_secret: String,
    available: AtomicBool,
    inner: Mutex<Inner>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

type Answer = (StatusCode, Json<Value>);

fn ok(message: &str) -> Answer {
    (
        StatusCode::OK,
        Json(json!({ "error_code": 0, "message": message })),
    )
}

fn refuse(status: StatusCode, message: String) -> Answer {
    (
        status,
        Json(json!({ "error_code": status.as_u16(), "message": message })),
    )
}

fn out_of_order(expected: u32, message: String) -> Answer {
    (
        StatusCode::CONFLICT,
        Json(json!({ "error_code": 409, "message": message, "SoThuTuTiepTheo": expected })),
    )
}

impl NpspSim {
    pub fn new(client_id: &str, client_secret: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            available: AtomicBool::new(true),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Off simulates an outage: every call answers HTTP 503 until switched back on.
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::SeqCst);
    }

    pub fn available(&self) -> bool {
        self.available.load(Ordering::SeqCst)
    }

    /// What the portal holds of a dossier.
    pub fn dossier(&self, code: &str) -> Option<HeldDossier> {
        lock(&self.inner).dossiers.get(code).cloned()
    }

    pub fn dossiers(&self) -> Vec<HeldDossier> {
        lock(&self.inner).dossiers.values().cloned().collect()
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/", get(page))
            .route("/api/token", post(token))
            .route("/api/hoso", post(create))
            .route("/api/hoso/{code}/tientrinh", post(progress))
            .route("/api/hoso/{code}/lephi", axum::routing::put(fees))
            .route("/api/dossiers", get(list))
            .route("/api/dossiers/{code}", get(show))
            .route("/control", get(control_get).post(control_set))
            .with_state(Arc::clone(self))
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        lock(&self.inner).tokens.contains(token.trim())
    }

    /// Checks update 1 and stores it.
    pub fn take_dossier(&self, body: &Value) -> Answer {
        let Some(o) = body.as_object() else {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Dữ liệu không phải đối tượng JSON".into(),
            );
        };
        let mut faults = Vec::new();
        let code = text(o, "MaHoSo", &mut faults);
        if !code.is_empty() && !valid_code(&code) {
            faults.push("MaHoSo: chỉ gồm chữ, số, dấu chấm, gạch ngang (tối đa 64 ký tự)".into());
        }
        let procedure = text(o, "MaTTHC", &mut faults);
        text(o, "TenTTHC", &mut faults);
        text(o, "MaDonViTiepNhan", &mut faults);
        let agency = text(o, "MaDonViXuLy", &mut faults);
        let channel = number_in(o, "KenhThucHien", 1, 3, &mut faults);
        time(o, "NgayNop", true, &mut faults);
        time(o, "NgayTiepNhan", false, &mut faults);
        let due = time(o, "NgayHenTra", false, &mut faults);
        let status = number_in(o, "TrangThaiHoSo", 1, 10, &mut faults);
        let seq = number_in(o, "SoThuTu", 1, 1, &mut faults);
        for f in [
            "TaiKhoanDuocXacThucVoiVNeID",
            "HoSoCoThanhPhanSoHoa",
            "DuocThanhToanTrucTuyen",
        ] {
            number_in(o, f, 0, 1, &mut faults);
        }
        match o.get("ThongTinNguoiNop").and_then(Value::as_object) {
            None => faults.push("ThongTinNguoiNop: bắt buộc".into()),
            Some(a) => {
                text(a, "HoTen", &mut faults);
                let id = text(a, "SoGiayTo", &mut faults);
                let kind = number_in(a, "LoaiDoiTuong", 1, 2, &mut faults);
                if kind == 1 && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) {
                    faults.push(
                        "ThongTinNguoiNop.SoGiayTo: số định danh cá nhân gồm 12 chữ số".into(),
                    );
                }
            }
        }
        match o.get("ThanhPhanHoSo").and_then(Value::as_array) {
            None => faults.push("ThanhPhanHoSo: bắt buộc (mảng)".into()),
            Some(cs) => {
                for (i, c) in cs.iter().enumerate() {
                    let Some(c) = c.as_object() else {
                        faults.push(format!("ThanhPhanHoSo[{i}]: không phải đối tượng"));
                        continue;
                    };
                    text(c, "MaThanhPhan", &mut faults);
                    for (j, f) in c
                        .get("GiayToDinhKem")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                    {
                        let hash = f.get("HashTep").and_then(Value::as_str).unwrap_or_default();
                        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                            faults.push(format!(
                                "ThanhPhanHoSo[{i}].GiayToDinhKem[{j}].HashTep: SHA-256, 64 ký tự hex"
                            ));
                        }
                    }
                }
            }
        }
        check_fees(o, &mut faults);
        if !faults.is_empty() {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, faults.join("; "));
        }
        let _ = seq;
        let mut inner = lock(&self.inner);
        if let Some(held) = inner.dossiers.get_mut(&code) {
            if held.procedure != procedure {
                return refuse(
                    StatusCode::CONFLICT,
                    format!("Mã hồ sơ {code} đã có với thủ tục {}", held.procedure),
                );
            }
            held.duplicates += 1;
            return ok("Hồ sơ đã được đồng bộ trước đó");
        }
        if inner.dossiers.len() >= MAX_DOSSIERS && !inner.order.is_empty() {
            let oldest = inner.order.remove(0);
            inner.dossiers.remove(&oldest);
        }
        let step = HeldStep {
            seq: 1,
            status: u8::try_from(status).unwrap_or(1),
            at: o
                .get("NgayTiepNhan")
                .or_else(|| o.get("NgayNop"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            handler: o["ThongTinNguoiNop"]["HoTen"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            content: "Nộp hồ sơ".into(),
            received: now(),
        };
        inner.order.push(code.clone());
        inner.dossiers.insert(
            code.clone(),
            HeldDossier {
                code,
                procedure,
                agency,
                channel: u8::try_from(channel).unwrap_or(1),
                status: step.status,
                due_at: due,
                ended_at: None,
                result_url: None,
                steps: vec![step],
                fees: o.get("DanhSachLePhi").cloned().unwrap_or(json!([])),
                paid_online: o
                    .get("DuocThanhToanTrucTuyen")
                    .and_then(Value::as_u64)
                    .map(|v| u8::from(v == 1))
                    .unwrap_or(0),
                duplicates: 0,
            },
        );
        ok("Đồng bộ hồ sơ thành công")
    }

    /// Checks a step and appends it.
    pub fn take_step(&self, code: &str, body: &Value) -> Answer {
        let Some(o) = body.as_object() else {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Dữ liệu không phải đối tượng JSON".into(),
            );
        };
        let mut faults = Vec::new();
        let seq = number_in(o, "SoThuTu", 2, u32::MAX.into(), &mut faults);
        let status = number_in(o, "TrangThaiHoSo", 1, 10, &mut faults);
        let at = time(o, "ThoiGian", true, &mut faults).unwrap_or_default();
        let handler = text(o, "NguoiXuLy", &mut faults);
        let content = text(o, "NoiDung", &mut faults);
        let due = time(o, "NgayHenTra", false, &mut faults);
        let ended = time(o, "NgayKetThucXuLy", false, &mut faults);
        if matches!(status, 3 | 8 | 9 | 10) && ended.is_none() {
            faults.push(format!("NgayKetThucXuLy: bắt buộc với trạng thái {status}"));
        }
        if !faults.is_empty() {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, faults.join("; "));
        }
        let (seq, status) = (
            u32::try_from(seq).unwrap_or(u32::MAX),
            u8::try_from(status).unwrap_or(0),
        );
        let mut inner = lock(&self.inner);
        let Some(held) = inner.dossiers.get_mut(code) else {
            return out_of_order(1, format!("Hồ sơ {code} chưa được đồng bộ"));
        };
        let last = held.steps.last().map(|s| s.seq).unwrap_or(0);
        if seq <= last {
            let same = held
                .steps
                .iter()
                .find(|s| s.seq == seq)
                .is_some_and(|s| s.status == status);
            if !same {
                return refuse(
                    StatusCode::CONFLICT,
                    format!("Cập nhật số {seq} của hồ sơ {code} đã nhận với trạng thái khác"),
                );
            }
            held.duplicates += 1;
            return ok("Cập nhật đã nhận trước đó");
        }
        if seq > last + 1 {
            return out_of_order(
                last + 1,
                format!("Thiếu cập nhật số {} của hồ sơ {code}", last + 1),
            );
        }
        if matches!(held.status, 3 | 8 | 10) {
            return refuse(
                StatusCode::CONFLICT,
                format!(
                    "Hồ sơ {code} đã kết thúc (trạng thái {}), không nhận cập nhật",
                    held.status
                ),
            );
        }
        let previous = held
            .steps
            .last()
            .and_then(|s| NaiveDateTime::parse_from_str(&s.at, TIME).ok());
        let this = NaiveDateTime::parse_from_str(&at, TIME).ok();
        if let (Some(p), Some(t)) = (previous, this)
            && t < p
        {
            return refuse(
                StatusCode::CONFLICT,
                format!("ThoiGian {at} trước bước trước đó"),
            );
        }
        held.status = status;
        if due.is_some() {
            held.due_at = due;
        }
        if ended.is_some() {
            held.ended_at = ended;
        }
        if let Some(url) = o.get("DuongDanTepTinKetQua").and_then(Value::as_str) {
            held.result_url = Some(url.to_owned());
        }
        held.steps.push(HeldStep {
            seq,
            status,
            at,
            handler,
            content,
            received: now(),
        });
        ok("Cập nhật tiến trình thành công")
    }

    /// Replaces the fee list.
    pub fn take_fees(&self, code: &str, body: &Value) -> Answer {
        let Some(o) = body.as_object() else {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Dữ liệu không phải đối tượng JSON".into(),
            );
        };
        let mut faults = Vec::new();
        check_fees(o, &mut faults);
        let paid_online = number_in(o, "DuocThanhToanTrucTuyen", 0, 1, &mut faults);
        if !faults.is_empty() {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, faults.join("; "));
        }
        let mut inner = lock(&self.inner);
        let Some(held) = inner.dossiers.get_mut(code) else {
            return out_of_order(1, format!("Hồ sơ {code} chưa được đồng bộ"));
        };
        held.fees = o.get("DanhSachLePhi").cloned().unwrap_or(json!([]));
        held.paid_online = u8::from(paid_online == 1);
        ok("Cập nhật lệ phí thành công")
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn valid_code(code: &str) -> bool {
    code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn text(o: &Map<String, Value>, field: &str, faults: &mut Vec<String>) -> String {
    match o.get(field).and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() && s.chars().count() <= 2000 => s.to_owned(),
        Some(s) if !s.is_empty() => {
            faults.push(format!("{field}: quá dài"));
            String::new()
        }
        _ => {
            faults.push(format!("{field}: bắt buộc"));
            String::new()
        }
    }
}

fn number_in(
    o: &Map<String, Value>,
    field: &str,
    min: u64,
    max: u64,
    faults: &mut Vec<String>,
) -> u64 {
    match o.get(field).and_then(Value::as_u64) {
        Some(n) if (min..=max).contains(&n) => n,
        Some(n) => {
            faults.push(format!("{field}: {n} ngoài khoảng {min}–{max}"));
            0
        }
        None => {
            faults.push(format!("{field}: bắt buộc (số)"));
            0
        }
    }
}

/// A `yyyyMMddHHmmss` time: checked when present, required when `needed`.
fn time(
    o: &Map<String, Value>,
    field: &str,
    needed: bool,
    faults: &mut Vec<String>,
) -> Option<String> {
    match o.get(field) {
        None | Some(Value::Null) => {
            if needed {
                faults.push(format!("{field}: bắt buộc"));
            }
            None
        }
        Some(Value::String(s)) if NaiveDateTime::parse_from_str(s, TIME).is_ok() => Some(s.clone()),
        Some(_) => {
            faults.push(format!("{field}: định dạng yyyyMMddHHmmss"));
            None
        }
    }
}

fn check_fees(o: &Map<String, Value>, faults: &mut Vec<String>) {
    let Some(fees) = o.get("DanhSachLePhi").and_then(Value::as_array) else {
        faults.push("DanhSachLePhi: bắt buộc (mảng)".into());
        return;
    };
    for (i, f) in fees.iter().enumerate() {
        let Some(f) = f.as_object() else {
            faults.push(format!("DanhSachLePhi[{i}]: không phải đối tượng"));
            continue;
        };
        text(f, "TenPhiLePhi", faults);
        if f.get("MucPhi")
            .and_then(Value::as_i64)
            .is_none_or(|m| m < 0)
        {
            faults.push(format!("DanhSachLePhi[{i}].MucPhi: số tiền không âm"));
        }
        number_in(f, "DaThanhToan", 0, 1, faults);
        if f.get("HinhThucThanhToan").is_some() {
            number_in(f, "HinhThucThanhToan", 1, 3, faults);
        }
    }
}

fn unavailable() -> Response {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "Hệ thống đang bảo trì".into(),
    )
    .into_response()
}

fn unauthorized() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "Token không hợp lệ hoặc đã hết hạn".into(),
    )
    .into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(
    State(sim): State<Arc<NpspSim>>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    if !sim.available() {
        return unavailable();
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (id, secret) = match (basic, f.client_id, f.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => (String::new(), String::new()),
    };
    if f.grant_type.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    if id != sim.client_id || secret != sim.client_secret {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let t = uuid::Uuid::new_v4().simple().to_string();
    lock(&sim.inner).tokens.insert(t.clone());
    Json(json!({ "access_token": t, "token_type": "Bearer", "expires_in": 3600 })).into_response()
}

fn gate(sim: &NpspSim, headers: &HeaderMap) -> Option<Response> {
    if !sim.available() {
        return Some(unavailable());
    }
    if !sim.authorized(headers) {
        return Some(unauthorized());
    }
    None
}

/// Checks the caller and the body's JSON, then lets `take` answer.
fn answer(
    sim: &NpspSim,
    headers: &HeaderMap,
    body: &[u8],
    take: impl FnOnce(&NpspSim, &Value) -> Answer,
) -> Response {
    if let Some(r) = gate(sim, headers) {
        return r;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => take(sim, &v).into_response(),
        Err(e) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Dữ liệu không phải JSON hợp lệ: {e}"),
        )
        .into_response(),
    }
}

async fn create(
    State(sim): State<Arc<NpspSim>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(&sim, &headers, &body, |s, v| s.take_dossier(v))
}

async fn progress(
    State(sim): State<Arc<NpspSim>>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(&sim, &headers, &body, |s, v| s.take_step(&code, v))
}

async fn fees(
    State(sim): State<Arc<NpspSim>>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(&sim, &headers, &body, |s, v| s.take_fees(&code, v))
}

async fn list(State(sim): State<Arc<NpspSim>>) -> Response {
    Json(json!({ "available": sim.available(), "dossiers": sim.dossiers() })).into_response()
}

async fn show(State(sim): State<Arc<NpspSim>>, Path(code): Path<String>) -> Response {
    match sim.dossier(&code) {
        Some(d) => Json(d).into_response(),
        None => refuse(StatusCode::NOT_FOUND, format!("Không có hồ sơ {code}")).into_response(),
    }
}

fn mode(sim: &NpspSim) -> Value {
    json!({ "mode": if sim.available() { "ok" } else { "down" } })
}

async fn control_get(State(sim): State<Arc<NpspSim>>) -> Response {
    Json(mode(&sim)).into_response()
}

/// The operator's switch (tests and demos), as the other simulators have it: `{"mode":"down"}`
/// simulates an outage, `{"mode":"ok"}` ends it.
async fn control_set(State(sim): State<Arc<NpspSim>>, body: axum::body::Bytes) -> Response {
    let wanted = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("mode").and_then(Value::as_str).map(str::to_owned));
    match wanted.as_deref() {
        Some("ok") => sim.set_available(true),
        Some("down") => sim.set_available(false),
        _ => {
            return refuse(StatusCode::BAD_REQUEST, "mode: \"ok\" hoặc \"down\"".into())
                .into_response();
        }
    }
    Json(mode(&sim)).into_response()
}

async fn page(State(sim): State<Arc<NpspSim>>) -> Response {
    let dossiers = sim.dossiers();
    let mut rows = String::new();
    for d in dossiers.iter().rev().take(500) {
        rows.push_str(&format!(
            "<tr><td><a href=\"api/dossiers/{c}\">{c}</a></td><td>{p}</td><td>{a}</td><td>{s}</td><td>{n}</td><td>{dup}</td></tr>",
            c = html_escape(&d.code),
            p = html_escape(&d.procedure),
            a = html_escape(&d.agency),
            s = d.status,
            n = d.steps.len(),
            dup = d.duplicates,
        ));
    }
    let state = if sim.available() {
        "đang hoạt động (available)"
    } else {
        "đang bảo trì (down: every call answers 503)"
    };
    Html(format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Cổng DVCQG (mô phỏng) – đồng bộ hồ sơ</title></head>\
         <body><main><h1>Cổng Dịch vụ công quốc gia (mô phỏng): đồng bộ hồ sơ</h1>\
         <p lang=\"en\">Simulated National Public Service Portal, dossier sync: what it holds.</p>\
         <p>Trạng thái: {state}. Số hồ sơ: {n}.</p>\
         <table><caption>Hồ sơ mới nhất</caption><thead><tr><th scope=\"col\">MaHoSo</th><th scope=\"col\">MaTTHC</th>\
         <th scope=\"col\">MaDonViXuLy</th><th scope=\"col\">TrangThaiHoSo</th><th scope=\"col\">Số bước</th><th scope=\"col\">Nhận trùng</th></tr></thead>\
         <tbody>{rows}</tbody></table></main></body></html>",
        n = dossiers.len()
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dossier(code: &str) -> Value {
        json!({
            "SoThuTu": 1, "MaHoSo": code, "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh",
            "MaDonViTiepNhan": "H31.01.02", "MaDonViXuLy": "H31.01.02", "KenhThucHien": 2,
            "NgayNop": "20261207090000", "TrangThaiHoSo": 1,
            "ThongTinNguoiNop": { "HoTen": "Trần Văn An", "SoGiayTo": "031195008822", "LoaiDoiTuong": 1 },
            "TaiKhoanDuocXacThucVoiVNeID": 1, "HoSoCoThanhPhanSoHoa": 0,
            "ThanhPhanHoSo": [], "DanhSachLePhi": [], "DuocThanhToanTrucTuyen": 0
        })
    }

    fn step(seq: u32, status: u8, at: &str) -> Value {
        let mut v = json!({ "SoThuTu": seq, "TrangThaiHoSo": status, "ThoiGian": at,
            "NguoiXuLy": "Nguyễn Thị Lan", "NoiDung": "Tiếp nhận" });
        if matches!(status, 3 | 8 | 9 | 10) {
            v["NgayKetThucXuLy"] = json!(at);
        }
        v
    }

    #[test]
    fn updates_are_taken_in_order_once_each() {
        let sim = NpspSim::new("a", "b");
        assert_eq!(sim.take_dossier(&dossier("X-1")).0, StatusCode::OK);
        assert_eq!(sim.take_dossier(&dossier("X-1")).0, StatusCode::OK);
        // A gap is refused with the number expected.
        let (s, Json(v)) = sim.take_step("X-1", &step(3, 4, "20261207100000"));
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(v["SoThuTuTiepTheo"], 2);
        assert_eq!(
            sim.take_step("X-1", &step(2, 2, "20261207093000")).0,
            StatusCode::OK
        );
        // The same update again is one change.
        assert_eq!(
            sim.take_step("X-1", &step(2, 2, "20261207093000")).0,
            StatusCode::OK
        );
        // Another status under a number already held is refused without a next number.
        let (s, Json(v)) = sim.take_step("X-1", &step(2, 4, "20261207093000"));
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(v.get("SoThuTuTiepTheo").is_none());
        // A time before the previous step is refused.
        assert_eq!(
            sim.take_step("X-1", &step(3, 4, "20261207080000")).0,
            StatusCode::CONFLICT
        );
        assert_eq!(
            sim.take_step("X-1", &step(3, 10, "20261207110000")).0,
            StatusCode::OK
        );
        // Nothing after the end.
        assert_eq!(
            sim.take_step("X-1", &step(4, 4, "20261207120000")).0,
            StatusCode::CONFLICT
        );
        let d = sim.dossier("X-1");
        let Some(d) = d else { panic!("held") };
        assert_eq!(d.status, 10);
        assert_eq!(
            d.steps
                .iter()
                .map(|s| (s.seq, s.status))
                .collect::<Vec<_>>(),
            vec![(1, 1), (2, 2), (3, 10)]
        );
        assert_eq!(d.duplicates, 2);
    }

    #[test]
    fn an_unknown_dossier_asks_for_update_one() {
        let sim = NpspSim::new("a", "b");
        let (s, Json(v)) = sim.take_step("Y-1", &step(2, 2, "20261207093000"));
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(v["SoThuTuTiepTheo"], 1);
    }

    #[test]
    fn malformed_updates_name_their_faults() {
        let sim = NpspSim::new("a", "b");
        let mut d = dossier("Z-1");
        d["KenhThucHien"] = json!(7);
        d["NgayNop"] = json!("2026-12-07");
        d["ThongTinNguoiNop"]["SoGiayTo"] = json!("12345");
        let (s, Json(v)) = sim.take_dossier(&d);
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let m = v["message"].as_str().unwrap_or_default();
        for f in ["KenhThucHien", "NgayNop", "SoGiayTo"] {
            assert!(m.contains(f), "{f} not named in {m}");
        }
        assert!(sim.dossier("Z-1").is_none());
        assert_eq!(sim.take_dossier(&dossier("Z-1")).0, StatusCode::OK);
        // A result ready without its end time.
        let mut s9 = step(2, 9, "20261207093000");
        s9.as_object_mut().map(|o| o.remove("NgayKetThucXuLy"));
        assert_eq!(
            sim.take_step("Z-1", &s9).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            sim.take_step("Z-1", &json!([1, 2])).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            sim.take_step("Z-1", &step(2, 11, "20261207093000")).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
