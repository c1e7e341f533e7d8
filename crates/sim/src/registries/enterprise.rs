//! Simulated national business registration database (Cơ sở dữ liệu quốc gia về đăng ký doanh
//! nghiệp):
//!
//! - `GET /api/doanh-nghiep/{ma_so}` → one enterprise (10-digit code, `-NNN` for a branch);
//! - `GET /api/doanh-nghiep?so_dinh_danh_nguoi_dai_dien=…` → the enterprises a citizen
//!   represents (a JSON array, possibly empty).
//!
//! Five seeded entries, with Hải Phòng's `02` prefix and valid check digits; see
//! [`world`](super::world).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::world::{Company, world};
use super::{
    Registry, address_json, citizen_id_param, date, error, not_found, operator_methods, page_body,
    person_ref_json, query_param,
};

/// The simulated business registration database.
pub struct EnterpriseSim {
    registry: Arc<Registry>,
}

operator_methods!(EnterpriseSim);

impl EnterpriseSim {
    /// A database that admits requests bearing `token`.
    pub fn new(token: &str) -> Self {
        let rows: Vec<Vec<String>> = world()
            .enterprises
            .iter()
            .map(|e| {
                vec![
                    e.code.clone(),
                    e.name.clone(),
                    e.representative.name.clone(),
                    e.status.clone(),
                ]
            })
            .collect();
        let body = page_body(
            &[
                "GET /api/doanh-nghiep/{ma_so}",
                "GET /api/doanh-nghiep?so_dinh_danh_nguoi_dai_dien=…",
            ],
            &["Mã số", "Tên doanh nghiệp", "Người đại diện", "Tình trạng"],
            &rows,
        );
        Self {
            registry: Arc::new(Registry::new(
                "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
                token,
                body,
            )),
        }
    }

    /// The router to mount at the database's base URL (e.g. `/sim/enterprise`).
    pub fn router(&self) -> Router {
        self.registry.router(
            Router::new()
                .route("/api/doanh-nghiep", get(represented_by))
                .route("/api/doanh-nghiep/{ma_so}", get(enterprise)),
        )
    }
}

/// 10 digits, optionally followed by `-` and a 3-digit branch number.
pub fn is_enterprise_code(code: &str) -> bool {
    let (main, branch) = match code.split_once('-') {
        Some((main, branch)) => (main, Some(branch)),
        None => (code, None),
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    digits(main, 10) && branch.is_none_or(|b| digits(b, 3))
}

async fn enterprise(Path(code): Path<String>) -> Response {
    let code = code.trim();
    if !is_enterprise_code(code) {
        return error(
            StatusCode::BAD_REQUEST,
            "THAM_SO_KHONG_HOP_LE",
            "Mã số doanh nghiệp phải gồm 10 chữ số (chi nhánh: thêm -NNN)",
        );
    }
    match world().enterprise(code) {
        Some(e) => Json(enterprise_json(&e)).into_response(),
        None => not_found(),
    }
}

async fn represented_by(RawQuery(query): RawQuery) -> Response {
    let id = query_param(query.as_deref(), "so_dinh_danh_nguoi_dai_dien");
    match citizen_id_param(id.as_deref()) {
        Ok(id) => {
            let list: Vec<Value> = world()
                .enterprises_of(&id)
                .iter()
                .map(enterprise_json)
                .collect();
            Json(list).into_response()
        }
        Err(refused) => *refused,
    }
}

/// The `Enterprise` object.
fn enterprise_json(e: &Company) -> Value {
    json!({
        "MaSoDoanhNghiep": e.code,
        "TenDoanhNghiep": e.name,
        "TenTiengAnh": e.name_en,
        "LoaiHinh": e.kind,
        "NgayThanhLap": date(e.founded),
        "DiaChiTruSo": address_json(&e.address),
        "NguoiDaiDien": person_ref_json(&e.representative),
        "VonDieuLe": e.capital,
        "TinhTrang": e.status,
    })
}

#[cfg(test)]
mod tests {
    use super::is_enterprise_code;

    #[test]
    fn codes() {
        assert!(is_enterprise_code("0201234569"));
        assert!(is_enterprise_code("0201234569-001"));
        assert!(!is_enterprise_code("020123456"));
        assert!(!is_enterprise_code("0201234569-01"));
        assert!(!is_enterprise_code("0201234569-"));
        assert!(!is_enterprise_code("02012345a9"));
    }
}
