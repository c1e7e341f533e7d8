//! Simulated national population database (Cơ sở dữ liệu quốc gia về dân cư):
//! `GET /api/cong-dan/{so_dinh_danh}` → the citizen's record.
//!
//! Knows every seeded person of the [`world`](super::world) (demo citizens, their children and
//! parents) and makes up a deterministic person for any other structurally valid ID, so "any
//! citizen" sign-ins have a record too; a valid ID whose serial is `000000` is not found.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{Person, world};
use super::{
    Registry, address_json, citizen_id_param, date, gender_vi, not_found, operator_methods,
    opt_person_ref_json, page_body,
};

/// The simulated population database.
pub struct PopulationSim {
    registry: Arc<Registry>,
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
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/population`).
    pub fn router(&self) -> Router {
        self.registry
            .router(Router::new().route("/api/cong-dan/{so_dinh_danh}", get(citizen)))
    }
}

async fn citizen(Path(id): Path<String>) -> Response {
    let id = match citizen_id_param(Some(&id)) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    match world().person(&id) {
        Some(p) => Json(citizen_json(&p)).into_response(),
        None => not_found(),
    }
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
