//! A newborn's personal identification number, asked of the population database when the birth
//! registration's result is issued (rules and the request: `motcua_domain::personal_id`). The
//! number goes on the birth certificate and into the dossier's record, where the members of an
//! interconnected group that wait for the birth (permanent residence, health insurance) read it.

use motcua_domain::form::parse_form_date;
use motcua_domain::national::Database;
use motcua_domain::personal_id::{self, NewbornIdAnswer, NewbornIdRequest};
use motcua_store::entities::{agency, dossier};
use serde_json::{Map, Value};

use crate::connectors::Unavailable;
use crate::{App, AppError, ErrorCode};

const PURPOSE: &str = "Cấp số định danh cá nhân khi đăng ký khai sinh";

/// What issuing `row`'s result adds to its record: the child's number for a birth registration
/// (`{"so_dinh_danh_tre": …}`), nothing for other procedures or when the record already has it.
/// A deployment without a population database connector issues the certificate without it; one
/// whose database cannot answer now does not issue (the clerk tries again).
pub async fn facts_for_result(
    app: &App,
    row: &dossier::Model,
    form: &Map<String, Value>,
    agency: &agency::Model,
) -> Result<Map<String, Value>, AppError> {
    let mut facts = Map::new();
    if !personal_id::ASSIGNED_BY.contains(&row.procedure_code.as_str())
        || form
            .get(personal_id::CHILD_ID_FIELD)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    {
        return Ok(facts);
    }
    if app.connectors.get(Database::Population).is_none() {
        tracing::warn!(
            dossier = %row.code,
            "no population database connector: the birth certificate goes without the child's personal ID"
        );
        return Ok(facts);
    }
    let text = |k: &str| {
        form.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let id = |k: &str| Some(text(k)).filter(|s| !s.is_empty());
    let (Some(born), Some(male)) = (
        parse_form_date(&text("ngay_sinh")),
        personal_id::is_male(&text("gioi_tinh")),
    ) else {
        return Err(unprocessable(
            "Hồ sơ thiếu ngày sinh hoặc giới tính của trẻ: chưa cấp được số định danh cá nhân.",
            "The dossier lacks the child's date of birth or sex: no personal ID can be assigned.",
        ));
    };
    let request = NewbornIdRequest {
        reference: row.code.clone(),
        full_name: text("ho_ten_tre"),
        date_of_birth: born.format("%Y-%m-%d").to_string(),
        sex: if male { "Nam" } else { "Nữ" }.to_owned(),
        ethnicity: text("dan_toc"),
        nationality: text("quoc_tich"),
        place_of_birth: text("noi_sinh"),
        home_town: text("que_quan"),
        mother_id: id("so_dinh_danh_me"),
        father_id: id("so_dinh_danh_cha"),
        province: agency.province_code.clone(),
        agency: agency.code.clone(),
    };
    let body = serde_json::to_value(&request).map_err(AppError::internal)?;
    // One request id per dossier: the database's log shows a retry as the same request.
    let request_id = format!("khai-sinh-{}", row.code);
    let answer = app
        .connectors
        .submit(
            Database::Population,
            personal_id::PATH,
            &body,
            PURPOSE,
            &request_id,
        )
        .await
        .map_err(|e| match e {
            Unavailable::Refused(why) => unprocessable(
                format!("CSDL quốc gia về dân cư từ chối cấp số định danh cá nhân cho trẻ: {why}"),
                format!("The national population database refused to assign the child's personal ID: {why}"),
            ),
            Unavailable::Down(why) => AppError::new(
                ErrorCode::Unavailable,
                "population_db_unavailable",
                format!("Chưa cấp được số định danh cá nhân cho trẻ: CSDL quốc gia về dân cư chưa trả lời ({why}). Kết quả chưa được ban hành; vui lòng thử lại sau ít phút."),
                format!("The child's personal ID could not be assigned: the national population database did not answer ({why}). The result was not issued; please try again in a few minutes."),
            ),
        })?;
    let assigned: NewbornIdAnswer = serde_json::from_value(answer).map_err(|e| {
        unprocessable(
            format!("CSDL quốc gia về dân cư trả lời không đúng dạng: {e}"),
            format!("The national population database's answer is malformed: {e}"),
        )
    })?;
    if !personal_id::fits(&assigned.personal_id, &agency.province_code, born, male) {
        return Err(unprocessable(
            format!(
                "Số định danh {} do CSDL quốc gia về dân cư trả về không khớp với trẻ (tỉnh, thế kỷ, giới tính, năm sinh).",
                assigned.personal_id
            ),
            format!(
                "The personal ID {} the population database returned does not fit the child (province, century, sex, year of birth).",
                assigned.personal_id
            ),
        ));
    }
    facts.insert(
        personal_id::CHILD_ID_FIELD.to_owned(),
        Value::String(assigned.personal_id),
    );
    Ok(facts)
}

fn unprocessable(vi: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::new(
        ErrorCode::Unprocessable,
        "personal_id_not_assigned",
        vi.into(),
        en.into(),
    )
}
