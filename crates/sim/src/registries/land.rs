//! Simulated national land database (Cơ sở dữ liệu quốc gia về đất đai):
//! `GET /api/thua-dat?so_dinh_danh=…` → the parcels a citizen holds a certificate for (a JSON
//! array, possibly empty). Seven seeded parcels; see [`world`](super::world).

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{ParcelRec, world};
use super::{
    Registry, address_json, citizen_id_param, date, operator_methods, page_body, person_ref_json,
    query_param,
};

/// The simulated land database.
pub struct LandSim {
    registry: Arc<Registry>,
}

operator_methods!(LandSim);

impl LandSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let rows: Vec<Vec<String>> = world()
            .parcels
            .iter()
            .map(|p| {
                let holders: Vec<&str> = p.holders.iter().map(|h| h.name.as_str()).collect();
                vec![
                    p.code.clone(),
                    p.address.line(),
                    p.land_use.clone(),
                    p.certificate_no.clone(),
                    holders.join(", "),
                ]
            })
            .collect();
        let body = page_body(
            &["GET /api/thua-dat?so_dinh_danh=…"],
            &[
                "Mã thửa",
                "Địa chỉ",
                "Mục đích sử dụng",
                "Số phát hành GCN",
                "Chủ sử dụng",
            ],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new(
                "Cơ sở dữ liệu quốc gia về đất đai",
                token,
                body,
            )),
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/land`).
    pub fn router(&self) -> Router {
        self.registry
            .router(Router::new().route("/api/thua-dat", get(parcels)))
    }
}

async fn parcels(RawQuery(query): RawQuery) -> Response {
    match citizen_id_param(query_param(query.as_deref(), "so_dinh_danh").as_deref()) {
        Ok(id) => {
            let list: Vec<Value> = world().parcels_of(&id).iter().map(parcel_json).collect();
            Json(list).into_response()
        }
        Err(refused) => *refused,
    }
}

/// The `Parcel` object.
fn parcel_json(p: &ParcelRec) -> Value {
    let holders: Vec<Value> = p.holders.iter().map(person_ref_json).collect();
    json!({
        "MaThua": p.code,
        "SoToBanDo": p.map_sheet,
        "SoThua": p.number,
        "DienTich": p.area_m2,
        "MucDichSuDung": p.land_use,
        "DiaChi": address_json(&p.address),
        "GiayChungNhan": {
            "SoPhatHanh": p.certificate_no,
            "SoVaoSo": p.register_no,
            "NgayCap": date(p.issued),
            "CoQuanCap": p.issuer,
        },
        "ChuSuDung": holders,
    })
}
