//! A newborn's personal identification number (số định danh cá nhân), which the national
//! population database assigns when the birth is registered (Law on Identification 2023,
//! Art. 12; Law on Civil Status 2014, Art. 14) and the birth certificate carries.
//!
//! The handling system asks for it with the birth's facts and our reference (the dossier code): the
//! same reference always gets the same number, so a retried request never makes a second person.
//! The number's structure (Decree 137/2015/NĐ-CP Art. 7 as detailed by Circular 59/2021/TT-BCA
//! Art. 7, kept by the Law on Identification 2023): three digits for the province where the birth
//! is registered, one digit for the century of birth and the sex (1900s: male 0, female 1; 2000s:
//! male 2, female 3; 2100s: male 4, female 5), the last two digits of the year of birth, and six
//! random digits. The population database is the authority; we only check that its answer fits
//! the child, so that a wrong answer never reaches a signed certificate.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The birth registration procedures whose result gives the child a personal identification
/// number (the registration of a birth, 1.001193).
pub const ASSIGNED_BY: [&str; 1] = ["1.001193"];

/// The form field that holds the child's number once assigned.
pub const CHILD_ID_FIELD: &str = "so_dinh_danh_tre";

/// Where a request for a newborn's number goes, under the population database's base URL.
pub const PATH: &str = "/api/cong-dan/khai-sinh";

/// What the population database is told about the birth (its field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewbornIdRequest {
    /// Our reference: the birth registration's dossier code.
    #[serde(rename = "MaHoSo")]
    pub reference: String,
    #[serde(rename = "HoVaTen")]
    pub full_name: String,
    /// `yyyy-mm-dd`, as the database's records write dates.
    #[serde(rename = "NgayThangNamSinh")]
    pub date_of_birth: String,
    /// `Nam` or `Nữ`.
    #[serde(rename = "GioiTinh")]
    pub sex: String,
    #[serde(rename = "DanToc")]
    pub ethnicity: String,
    #[serde(rename = "QuocTich")]
    pub nationality: String,
    #[serde(rename = "NoiSinh")]
    pub place_of_birth: String,
    #[serde(rename = "QueQuan")]
    pub home_town: String,
    #[serde(
        rename = "SoDinhDanhMe",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub mother_id: Option<String>,
    #[serde(
        rename = "SoDinhDanhCha",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub father_id: Option<String>,
    /// The two-digit code of the province where the birth is registered.
    #[serde(rename = "MaTinhDangKy")]
    pub province: String,
    /// The registering agency.
    #[serde(rename = "MaCoQuanDangKy")]
    pub agency: String,
}

/// The database's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewbornIdAnswer {
    #[serde(rename = "SoDinhDanh")]
    pub personal_id: String,
}

/// The sex digit's meaning for a form's `gioi_tinh` answer (`nam`/`nu`): `Some(true)` for male.
pub fn is_male(answer: &str) -> Option<bool> {
    match answer {
        "nam" | "Nam" => Some(true),
        "nu" | "Nữ" | "nữ" => Some(false),
        _ => None,
    }
}

/// The first six digits of the number of a child born on `born`, of that sex, registered in the
/// province with the two-digit code `province`; `None` for a province code that is not two
/// digits or a year outside 1900–2199.
pub fn prefix(province: &str, born: NaiveDate, male: bool) -> Option<String> {
    if province.len() != 2 || !province.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let century = match born.year() {
        1900..=1999 => 0,
        2000..=2099 => 2,
        2100..=2199 => 4,
        _ => return None,
    };
    let digit = century + u8::from(!male);
    Some(format!(
        "0{province}{digit}{:02}",
        born.year().rem_euclid(100)
    ))
}

/// Whether `answer` is a number the population database may have assigned to this child: twelve
/// digits that start with the child's prefix.
pub fn fits(answer: &str, province: &str, born: NaiveDate, male: bool) -> bool {
    answer.len() == 12
        && answer.bytes().all(|b| b.is_ascii_digit())
        && prefix(province, born, male).is_some_and(|p| answer.starts_with(&p))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_prefix_is_province_century_and_sex_then_the_year() {
        // Hà Nội (01), a girl born in 2026: 001 3 26.
        assert_eq!(prefix("01", d(2026, 11, 30), false).unwrap(), "001326");
        // Hồ Chí Minh City (79), a boy born in 2026: 079 2 26.
        assert_eq!(prefix("79", d(2026, 1, 2), true).unwrap(), "079226");
        // The 1900s: male 0, female 1; a year ending in 05 keeps its zero.
        assert_eq!(prefix("31", d(1999, 12, 31), true).unwrap(), "031099");
        assert_eq!(prefix("31", d(1905, 6, 1), false).unwrap(), "031105");
        assert_eq!(prefix("31", d(2105, 6, 1), false).unwrap(), "031505");
    }

    #[test]
    fn a_province_code_or_year_out_of_the_scheme_has_no_prefix() {
        for bad in ["", "1", "001", "A1", "1 "] {
            assert_eq!(prefix(bad, d(2026, 1, 1), true), None, "{bad:?}");
        }
        assert_eq!(prefix("01", d(1899, 12, 31), true), None);
        assert_eq!(prefix("01", d(2200, 1, 1), true), None);
    }

    #[test]
    fn an_answer_fits_only_the_child_it_was_asked_for() {
        let born = d(2026, 11, 30);
        assert!(fits("001326123456", "01", born, false));
        // Another sex, province or year; too short, too long, not digits.
        for wrong in [
            "001226123456",
            "079326123456",
            "001325123456",
            "00132612345",
            "0013261234567",
            "00132612345a",
        ] {
            assert!(!fits(wrong, "01", born, false), "{wrong}");
        }
    }

    #[test]
    fn the_form_answer_gives_the_sex() {
        assert_eq!(is_male("nam"), Some(true));
        assert_eq!(is_male("nu"), Some(false));
        assert_eq!(is_male("Nữ"), Some(false));
        assert_eq!(is_male("khac"), None);
    }

    #[test]
    fn the_request_uses_the_databases_field_names() {
        let r = NewbornIdRequest {
            reference: "R".into(),
            full_name: "Nguyễn An".into(),
            date_of_birth: "2026-11-30".into(),
            sex: "Nữ".into(),
            ethnicity: "Kinh".into(),
            nationality: "Việt Nam".into(),
            place_of_birth: "Bệnh viện".into(),
            home_town: "Hà Nội".into(),
            mother_id: Some("001190000001".into()),
            father_id: None,
            province: "01".into(),
            agency: "X".into(),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["MaHoSo"], "R");
        assert_eq!(v["NgayThangNamSinh"], "2026-11-30");
        assert_eq!(v["SoDinhDanhMe"], "001190000001");
        assert!(v.get("SoDinhDanhCha").is_none());
    }
}
