//! Simulated electronic civil status database (Cơ sở dữ liệu hộ tịch điện tử):
//!
//! - `GET /api/khai-sinh?so_dinh_danh=…` → birth registrations where the citizen is the child or a
//!   parent (each demo citizen's own, and the children of the seeded couples);
//! - `GET /api/ket-hon?so_dinh_danh=…` → marriage registrations the citizen is a party to.
//!
//! Both answer a JSON array, empty for anybody not in the seeded [`world`](super::world).

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{BirthRec, MarriageRec, world};
use super::{
    Registry, citizen_id_param, date, gender_vi, operator_methods, opt_person_ref_json, page_body,
    person_ref_json, query_param,
};

/// The simulated civil status database.
pub struct CivilStatusSim {
    registry: Arc<Registry>,
}

operator_methods!(CivilStatusSim);

impl CivilStatusSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let w = world();
        let births = w.births.iter().map(|b| {
            vec![
                "Khai sinh".to_owned(),
                b.number.clone(),
                b.registered.to_string(),
                b.child.name.clone(),
                b.child.id.clone().unwrap_or_default(),
            ]
        });
        let marriages = w.marriages.iter().map(|m| {
            vec![
                "Kết hôn".to_owned(),
                m.number.clone(),
                m.registered.to_string(),
                format!("{} – {}", m.husband.name, m.wife.name),
                format!(
                    "{} – {}",
                    m.husband.id.as_deref().unwrap_or_default(),
                    m.wife.id.as_deref().unwrap_or_default()
                ),
            ]
        });
        let rows: Vec<Vec<String>> = marriages.chain(births).collect();
        let body = page_body(
            &[
                "GET /api/khai-sinh?so_dinh_danh=…",
                "GET /api/ket-hon?so_dinh_danh=…",
            ],
            &[
                "Loại",
                "Số đăng ký",
                "Ngày đăng ký",
                "Họ tên",
                "Số định danh",
            ],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new("Cơ sở dữ liệu hộ tịch điện tử", token, body)),
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/civil-status`).
    pub fn router(&self) -> Router {
        self.registry.router(
            Router::new()
                .route("/api/khai-sinh", get(births))
                .route("/api/ket-hon", get(marriages)),
        )
    }
}

async fn births(RawQuery(query): RawQuery) -> Response {
    match citizen_id_param(query_param(query.as_deref(), "so_dinh_danh").as_deref()) {
        Ok(id) => {
            let list: Vec<Value> = world().births_of(&id).iter().map(birth_json).collect();
            Json(list).into_response()
        }
        Err(refused) => *refused,
    }
}

async fn marriages(RawQuery(query): RawQuery) -> Response {
    match citizen_id_param(query_param(query.as_deref(), "so_dinh_danh").as_deref()) {
        Ok(id) => {
            let list: Vec<Value> = world()
                .marriages_of(&id)
                .iter()
                .map(marriage_json)
                .collect();
            Json(list).into_response()
        }
        Err(refused) => *refused,
    }
}

/// A `BirthRecord` object.
fn birth_json(b: &BirthRec) -> Value {
    json!({
        "SoDangKy": b.number,
        "NgayDangKy": date(b.registered),
        "NoiDangKy": b.office,
        "HoTen": b.child.name,
        "NgaySinh": b.child.birth.map(date),
        "GioiTinh": gender_vi(b.gender),
        "NoiSinh": b.birthplace,
        "SoDinhDanh": b.child.id,
        "Cha": opt_person_ref_json(b.father.as_ref()),
        "Me": opt_person_ref_json(b.mother.as_ref()),
    })
}

/// A `MarriageRecord` object.
fn marriage_json(m: &MarriageRec) -> Value {
    json!({
        "SoDangKy": m.number,
        "NgayDangKy": date(m.registered),
        "NoiDangKy": m.office,
        "Chong": person_ref_json(&m.husband),
        "Vo": person_ref_json(&m.wife),
        "TinhTrang": m.status,
    })
}
