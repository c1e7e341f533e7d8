//! Simulated national insurance database (Cơ sở dữ liệu quốc gia về bảo hiểm):
//! `GET /api/nguoi-tham-gia/{so_dinh_danh}` → the insured person: social insurance number,
//! health insurance card, contribution periods and months of unemployment insurance.
//!
//! Knows the seeded people of the [`world`](super::world) but two young demo citizens
//! ([`NOT_INSURED`](super::world::NOT_INSURED)) and the seeded parents; anybody else is not found.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{InsuredRec, world};
use super::{Registry, citizen_id_param, date, not_found, operator_methods, page_body};

/// The simulated insurance database.
pub struct SocialInsuranceSim {
    registry: Arc<Registry>,
}

operator_methods!(SocialInsuranceSim);

impl SocialInsuranceSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let rows: Vec<Vec<String>> = world()
            .insured
            .iter()
            .map(|i| {
                vec![
                    i.social_no.clone(),
                    i.id.clone(),
                    i.name.clone(),
                    i.card
                        .as_ref()
                        .map(|c| c.number.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        let body = page_body(
            &["GET /api/nguoi-tham-gia/{so_dinh_danh}"],
            &["Mã số BHXH", "Số định danh", "Họ và tên", "Mã thẻ BHYT"],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new(
                "Cơ sở dữ liệu quốc gia về bảo hiểm",
                token,
                body,
            )),
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/social-insurance`).
    pub fn router(&self) -> Router {
        self.registry
            .router(Router::new().route("/api/nguoi-tham-gia/{so_dinh_danh}", get(insured)))
    }
}

async fn insured(Path(id): Path<String>) -> Response {
    let id = match citizen_id_param(Some(&id)) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    match world().insured(&id) {
        Some(i) => Json(insured_json(&i)).into_response(),
        None => not_found(),
    }
}

/// The `Insured` object.
fn insured_json(i: &InsuredRec) -> Value {
    let periods: Vec<Value> = i
        .periods
        .iter()
        .map(|p| json!({ "DonVi": p.employer, "TuThang": p.from, "DenThang": p.to }))
        .collect();
    json!({
        "MaSoBhxh": i.social_no,
        "HoVaTen": i.name,
        "SoDinhDanh": i.id,
        "NgaySinh": date(i.birth),
        "NoiDangKyKcbBanDau": i.clinic,
        "TheBhyt": i.card.as_ref().map(|c| json!({
            "MaThe": c.number,
            "GiaTriTu": date(c.valid_from),
            "GiaTriDen": date(c.valid_to),
        })),
        "QuaTrinhDong": periods,
        "SoThangDongBhtn": i.unemployment_months,
    })
}
