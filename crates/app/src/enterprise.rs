//! Applying for an enterprise (SPEC §6: "businesses act through a representative with the
//! enterprise code"). The representative signs in with their own national identity; whom they
//! represent is what the national business registration database says today, asked each time it
//! matters (applying, opening the enterprise's warehouse) — never a claim the browser makes.

use motcua_domain::national::{Enterprise, Query};
use serde::Serialize;

use crate::connectors::Unavailable;
use crate::identity::Principal;
use crate::{App, AppError, ErrorCode};

/// An enterprise as the pages and the API name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterpriseRef {
    pub code: String,
    pub name: String,
}

impl From<&Enterprise> for EnterpriseRef {
    fn from(e: &Enterprise) -> Self {
        EnterpriseRef {
            code: e.ma_so_doanh_nghiep.clone(),
            name: e.ten_doanh_nghiep.clone(),
        }
    }
}

/// The enterprises the signed-in citizen is the legal representative of, per the enterprise
/// database (the read is in their access log, `why` being its purpose). `Err(Unavailable)` when
/// the database cannot answer: the caller says so and offers applying for oneself.
pub async fn represented(
    app: &App,
    principal: &Principal,
    why: &str,
) -> Result<Result<Vec<EnterpriseRef>, Unavailable>, AppError> {
    let Principal::Citizen { citizen_id, .. } = principal else {
        return Ok(Ok(Vec::new()));
    };
    let query = Query::EnterprisesOf {
        citizen_id: citizen_id.as_str().to_owned(),
    };
    let gathered = crate::reuse::gather(
        app,
        principal,
        citizen_id.as_str(),
        std::slice::from_ref(&query),
        (
            why,
            "Xác định doanh nghiệp do công dân làm người đại diện theo pháp luật",
        ),
        None,
    )
    .await?;
    if let Some(e) = gathered.failed.into_values().next() {
        return Ok(Err(e));
    }
    let list = gathered.known.enterprises.unwrap_or_default();
    Ok(Ok(list
        .iter()
        // The register answers by representative; checked again so that a broader answer never
        // lets someone act for an enterprise they do not represent.
        .filter(|e| e.nguoi_dai_dien.so_dinh_danh.as_deref() == Some(citizen_id.as_str()))
        .map(EnterpriseRef::from)
        .collect()))
}

/// The enterprise `code` if the citizen represents it today: 403 `not_representative` when the
/// register says otherwise, 503 `enterprise_db_unavailable` when it cannot answer.
pub async fn verify(
    app: &App,
    principal: &Principal,
    code: &str,
    why: &str,
) -> Result<EnterpriseRef, AppError> {
    if !matches!(principal, Principal::Citizen { .. }) {
        return Err(AppError::forbidden(
            "citizens_only",
            "Chỉ người đại diện theo pháp luật, đăng nhập bằng định danh của mình, mới thay mặt doanh nghiệp.",
            "Only the legal representative, signed in with their own identity, acts for an enterprise.",
        ));
    }
    match represented(app, principal, why).await? {
        Err(_) => Err(AppError::new(
            ErrorCode::Unavailable,
            "enterprise_db_unavailable",
            "Chưa kết nối được Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp để xác nhận bạn là người đại diện; vui lòng thử lại sau ít phút.",
            "The national business registration database cannot be reached to confirm you represent this enterprise; please try again in a few minutes.",
        )),
        Ok(list) => list.into_iter().find(|e| e.code == code.trim()).ok_or_else(|| {
            AppError::forbidden(
                "not_representative",
                format!(
                    "Theo Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp, bạn không phải người đại diện theo pháp luật của doanh nghiệp {code}."
                ),
                format!(
                    "According to the national business registration database, you are not the legal representative of enterprise {code}."
                ),
            )
        }),
    }
}
