//! Simulated residence database (Cơ sở dữ liệu về cư trú): `GET /api/cu-tru/{so_dinh_danh}` →
//! permanent and temporary residence and the household.
//!
//! Seeded households: Nguyễn Văn An heads one with his wife Trần Thị Bình ("Vợ", who also has a
//! temporary residence at her own address) and their son ("Con"); the children of the other
//! seeded couples are in their father's household; every other demo citizen heads their own
//! (Phan Thành Phong's is in Vĩnh Bảo; he is registered temporarily at his own address).
//! Any other structurally valid ID heads a household at its generated address; a valid ID whose
//! serial is `000000` is not found.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{ResidenceRec, world};
use super::{
    Registry, address_json, citizen_id_param, date, not_found, operator_methods, page_body,
    person_ref_json,
};

/// The simulated residence database.
pub struct ResidenceSim {
    registry: Arc<Registry>,
}

operator_methods!(ResidenceSim);

impl ResidenceSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let rows: Vec<Vec<String>> = world()
            .households
            .iter()
            .map(|h| {
                let members: Vec<String> = h
                    .members
                    .iter()
                    .map(|m| format!("{} ({})", m.person.name, m.relation))
                    .collect();
                vec![
                    h.head.id.clone().unwrap_or_default(),
                    h.head.name.clone(),
                    h.address.line(),
                    members.join(", "),
                ]
            })
            .collect();
        let body = page_body(
            &["GET /api/cu-tru/{so_dinh_danh}"],
            &[
                "Số định danh chủ hộ",
                "Chủ hộ",
                "Nơi thường trú",
                "Thành viên",
            ],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new("Cơ sở dữ liệu về cư trú", token, body)),
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/residence`).
    pub fn router(&self) -> Router {
        self.registry
            .router(Router::new().route("/api/cu-tru/{so_dinh_danh}", get(residence)))
    }
}

async fn residence(Path(id): Path<String>) -> Response {
    let id = match citizen_id_param(Some(&id)) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    match world().residence(&id) {
        Some(r) => Json(residence_json(&r)).into_response(),
        None => not_found(),
    }
}

/// The `Residence` object.
fn residence_json(r: &ResidenceRec) -> Value {
    let members: Vec<Value> = r
        .members
        .iter()
        .map(|m| {
            json!({
                "HoVaTen": m.person.name,
                "SoDinhDanh": m.person.id,
                "QuanHeVoiChuHo": m.relation,
            })
        })
        .collect();
    json!({
        "SoDinhDanh": r.id,
        "HoVaTen": r.name,
        "ThuongTru": address_json(&r.permanent),
        "NgayDangKyThuongTru": date(r.registered),
        "TamTru": r.temporary.as_ref().map(|(a, _)| address_json(a)),
        "HanTamTru": r.temporary.as_ref().map(|(_, until)| date(*until)),
        "ChuHo": person_ref_json(&r.head),
        "QuanHeVoiChuHo": r.relation,
        "ThanhVien": members,
    })
}
