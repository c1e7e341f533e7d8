//! Simulated national population database (Cơ sở dữ liệu quốc gia về dân cư):
//! `GET /api/cong-dan/{so_dinh_danh}` → the citizen's record;
//! `POST /api/cong-dan/khai-sinh` with a registered birth → the newborn's personal identification
//! number (`{"SoDinhDanh": …}`): three digits of the registering province, the century-and-sex
//! digit, the year of birth's last two digits, six more. The same `MaHoSo` always gets the same
//! number (a retry is not a second child); the same `MaHoSo` with another child is refused (409).
//! The newborn is then a citizen it answers for, living with the mother or father it knows.
//!
//! Knows every seeded person of the [`world`](super::world) (demo citizens, their children and
//! parents) and makes up a deterministic person for any other structurally valid ID, so "any
//! citizen" sign-ins have a record too; a valid ID whose serial is `000000` is not found.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::world::{Person, world};
use super::{
    Registry, address_json, citizen_id_param, date, error, gender_vi, not_found, operator_methods,
    opt_person_ref_json, page_body,
};

/// The simulated population database.
pub struct PopulationSim {
    registry: Arc<Registry>,
    newborns: Arc<Newborns>,
}

/// The numbers assigned at birth registration, by `MaHoSo`.
#[derive(Default)]
struct Newborns {
    by_reference: Mutex<BTreeMap<String, Newborn>>,
}

#[derive(Clone)]
struct Newborn {
    id: String,
    request: Value,
}

impl Newborns {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Newborn>> {
        self.by_reference
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

operator_methods!(PopulationSim);

impl PopulationSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let rows: Vec<Vec<String>> = world()
            .people
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.name.clone(),
                    p.birth.to_string(),
                    p.current.line(),
                ]
            })
            .collect();
        let body = page_body(
            &["GET /api/cong-dan/{so_dinh_danh}"],
            &["Số định danh", "Họ và tên", "Ngày sinh", "Nơi ở hiện tại"],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new(
                "Cơ sở dữ liệu quốc gia về dân cư",
                token,
                body,
            )),
            newborns: Arc::default(),
        }
    }

    /// The numbers it assigned at birth registration: (`MaHoSo`, number), by reference.
    pub fn newborns(&self) -> Vec<(String, String)> {
        self.newborns
            .lock()
            .iter()
            .map(|(r, n)| (r.clone(), n.id.clone()))
            .collect()
    }

    /// The router to mount at the database's base URL (e.g. `/sim/population`).
    pub fn router(&self) -> Router {
        self.registry.router(
            Router::new()
                .route("/api/cong-dan/khai-sinh", post(register_birth))
                .route("/api/cong-dan/{so_dinh_danh}", get(citizen))
                .with_state(Arc::clone(&self.newborns)),
        )
    }
}

fn bad_request(why: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "DU_LIEU_KHONG_HOP_LE", why)
}

/// The text of a required field of the request, or why not.
fn required<'a>(v: &'a Value, key: &str) -> Result<&'a str, Box<Response>> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Box::new(bad_request(&format!("Thiếu hoặc sai trường {key}"))))
}

async fn register_birth(State(newborns): State<Arc<Newborns>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("Nội dung không phải JSON");
    };
    match assign(&newborns, &request) {
        Ok((id, fresh)) => {
            let status = if fresh {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (
                status,
                Json(json!({ "SoDinhDanh": id, "MaHoSo": request["MaHoSo"] })),
            )
                .into_response()
        }
        Err(refused) => *refused,
    }
}

/// The number for this birth: the one already given to its reference, or a new one.
fn assign(newborns: &Newborns, request: &Value) -> Result<(String, bool), Box<Response>> {
    let reference = required(request, "MaHoSo")?;
    let name = required(request, "HoVaTen")?;
    for key in ["DanToc", "QuocTich", "NoiSinh", "MaCoQuanDangKy"] {
        required(request, key)?;
    }
    let born = NaiveDate::parse_from_str(required(request, "NgayThangNamSinh")?, "%Y-%m-%d")
        .map_err(|_| Box::new(bad_request("NgayThangNamSinh không theo dạng yyyy-mm-dd")))?;
    if born > chrono::Utc::now().date_naive() {
        return Err(Box::new(bad_request("Ngày sinh sau ngày hôm nay")));
    }
    let female = match required(request, "GioiTinh")? {
        "Nam" => false,
        "Nữ" => true,
        _ => return Err(Box::new(bad_request("GioiTinh phải là Nam hoặc Nữ"))),
    };
    let province = required(request, "MaTinhDangKy")?;
    if province.len() != 2 || !province.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Box::new(bad_request("MaTinhDangKy phải gồm 2 chữ số")));
    }
    let century = match born.year() {
        1900..=1999 => 0,
        2000..=2099 => 2,
        _ => return Err(Box::new(bad_request("Năm sinh ngoài phạm vi"))),
    };
    let prefix = format!(
        "0{province}{}{:02}",
        century + u8::from(female),
        born.year().rem_euclid(100)
    );
    let mut held = newborns.lock();
    if let Some(n) = held.get(reference) {
        let same = n.request.get("HoVaTen") == request.get("HoVaTen")
            && n.request.get("NgayThangNamSinh") == request.get("NgayThangNamSinh")
            && n.request.get("GioiTinh") == request.get("GioiTinh");
        return if same {
            Ok((n.id.clone(), false))
        } else {
            Err(Box::new(error(
                StatusCode::CONFLICT,
                "HO_SO_DA_CAP_SO",
                "Mã hồ sơ này đã được cấp số định danh cho một trẻ khác",
            )))
        };
    }
    // Six digits drawn from the reference, never 000000 (the "unknown" serial), never one held.
    let digest = Sha256::digest(format!("{reference}|{name}").as_bytes());
    let mut serial = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1_000_000;
    loop {
        let id = format!("{prefix}{serial:06}");
        if serial != 0 && !held.values().any(|n| n.id == id) && !world().is_seeded(&id) {
            held.insert(
                reference.to_owned(),
                Newborn {
                    id: id.clone(),
                    request: request.clone(),
                },
            );
            return Ok((id, true));
        }
        serial = (serial + 1) % 1_000_000;
    }
}

async fn citizen(State(newborns): State<Arc<Newborns>>, Path(id): Path<String>) -> Response {
    let id = match citizen_id_param(Some(&id)) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let newborn = newborns.lock().values().find(|n| n.id == id).cloned();
    if let Some(record) = newborn.and_then(|n| newborn_json(&n)) {
        return Json(record).into_response();
    }
    match world().person(&id) {
        Some(p) => Json(citizen_json(&p)).into_response(),
        None => not_found(),
    }
}

/// A newborn's record, living where the parent it knows lives (else where the world places
/// that number).
fn newborn_json(n: &Newborn) -> Option<Value> {
    let r = &n.request;
    let parent = ["SoDinhDanhMe", "SoDinhDanhCha"]
        .iter()
        .filter_map(|k| r.get(*k).and_then(Value::as_str))
        .find_map(|id| world().person(id))
        .or_else(|| world().person(&n.id))?;
    let parent_ref = |key: &str| {
        r.get(key)
            .and_then(Value::as_str)
            .and_then(|id| world().person(id))
            .map(|p| p.reference())
    };
    Some(json!({
        "SoDinhDanh": n.id,
        "HoVaTen": r["HoVaTen"],
        "NgayThangNamSinh": r["NgayThangNamSinh"],
        "GioiTinh": r["GioiTinh"],
        "DanToc": r["DanToc"],
        "QuocTich": r["QuocTich"],
        "TonGiao": "Không",
        "QueQuan": address_json(&parent.hometown),
        "NoiThuongTru": address_json(&parent.permanent),
        "NoiOHienTai": address_json(&parent.current),
        "SoDienThoai": Value::Null,
        "Cha": opt_person_ref_json(parent_ref("SoDinhDanhCha").as_ref()),
        "Me": opt_person_ref_json(parent_ref("SoDinhDanhMe").as_ref()),
        "VoChong": Value::Null,
    }))
}

/// The `Citizen` object.
fn citizen_json(p: &Person) -> Value {
    json!({
        "SoDinhDanh": p.id,
        "HoVaTen": p.name,
        "NgayThangNamSinh": date(p.birth),
        "GioiTinh": gender_vi(p.gender),
        "DanToc": p.ethnicity,
        "QuocTich": "Việt Nam",
        "TonGiao": p.religion,
        "QueQuan": address_json(&p.hometown),
        "NoiThuongTru": address_json(&p.permanent),
        "NoiOHienTai": address_json(&p.current),
        "SoDienThoai": p.phone,
        "Cha": opt_person_ref_json(p.father.as_ref()),
        "Me": opt_person_ref_json(p.mother.as_ref()),
        "VoChong": opt_person_ref_json(p.spouse.as_ref()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn birth(reference: &str, name: &str) -> Value {
        json!({
            "MaHoSo": reference,
            "HoVaTen": name,
            "NgayThangNamSinh": "2026-11-02",
            "GioiTinh": "Nữ",
            "DanToc": "Kinh",
            "QuocTich": "Việt Nam",
            "NoiSinh": "Bệnh viện Phụ sản Hải Phòng",
            "QueQuan": "Hải Phòng",
            "MaTinhDangKy": "31",
            "MaCoQuanDangKy": "H31.11341",
        })
    }

    #[test]
    fn a_birth_gets_one_number_however_often_it_is_asked() {
        let n = Newborns::default();
        let (id, fresh) = assign(&n, &birth("A-1", "Nguyễn Gia Hân")).ok().unwrap();
        assert!(fresh);
        // Hải Phòng 031, a girl of the 2000s 3, born in 2026.
        assert!(id.starts_with("031326") && id.len() == 12, "{id}");
        let (again, fresh) = assign(&n, &birth("A-1", "Nguyễn Gia Hân")).ok().unwrap();
        assert_eq!((again.as_str(), fresh), (id.as_str(), false));
        let (other, _) = assign(&n, &birth("A-2", "Nguyễn Gia Hân")).ok().unwrap();
        assert_ne!(other, id, "another birth, another number");
    }

    #[test]
    fn another_child_under_a_used_reference_or_a_malformed_birth_is_refused() {
        let n = Newborns::default();
        assert!(assign(&n, &birth("A-1", "Nguyễn Gia Hân")).is_ok());
        let refused = assign(&n, &birth("A-1", "Trần Văn Bảo")).err().unwrap();
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        for (key, bad) in [
            ("NgayThangNamSinh", json!("02/11/2026")),
            ("NgayThangNamSinh", json!("2999-01-01")),
            ("GioiTinh", json!("nu")),
            ("MaTinhDangKy", json!("031")),
            ("HoVaTen", json!("  ")),
            ("MaHoSo", Value::Null),
        ] {
            let mut b = birth("B-1", "Lê Thị Mai");
            b[key] = bad.clone();
            let refused = assign(&n, &b).err().unwrap();
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{key}: {bad}");
        }
        assert_eq!(n.lock().len(), 1, "nothing refused was held");
    }
}
