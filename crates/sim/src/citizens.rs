//! Demo citizens known to the simulated national identity provider.
//!
//! The people below are fictional residents of the demo province, Hải Phòng (province code 31). Their
//! communes are real post-2025 commune-level units taken from `data/vn-admin-units-2025.json` (a test
//! checks every code against that file), so the portal can route their dossiers to a real office.
//!
//! Citizen identification numbers (CCCD, 12 digits) follow the national structure:
//! `PPP G YY NNNNNN` — the 3-digit birth-province code (`031` for Hải Phòng), one digit combining
//! century and sex (20th century: 0 male / 1 female; 21st century: 2 male / 3 female), the last two
//! digits of the birth year and a 6-digit serial.
//!
//! Any other structurally valid number can be turned into a deterministic made-up person with
//! [`generated`], which the identity provider uses in "any citizen" demo mode so a visitor can try the
//! portal with an ID of their choice.

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Province code of the demo province (Hải Phòng), as used in citizen IDs (`031`).
pub const DEMO_PROVINCE_CODE: u16 = 31;

/// Name of the demo province, used in formatted addresses.
pub const DEMO_PROVINCE_NAME: &str = "Thành phố Hải Phòng";

/// Sex as recorded in the national population database (OIDC `gender` claim values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    /// The OIDC standard claim value (`male` / `female`).
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// One person the simulated identity provider can authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCitizen {
    /// 12-digit citizen identification number; also the OIDC `sub`.
    pub citizen_id: String,
    /// Full name in Vietnamese order (family name first).
    pub full_name: String,
    pub birthdate: NaiveDate,
    pub gender: Gender,
    /// Mobile number in national format (10 digits, leading 0).
    pub phone: String,
    /// Commune-level unit code, zero-padded to 5 digits.
    pub commune_code: String,
    /// Official commune name, e.g. "Phường Ngô Quyền".
    pub commune_name: String,
    /// House number and street (or hamlet) inside the commune.
    pub street: String,
}

impl DemoCitizen {
    /// Family name: the first word of a Vietnamese full name.
    pub fn family_name(&self) -> &str {
        self.full_name.split_whitespace().next().unwrap_or_default()
    }

    /// Middle and given names: everything after the family name.
    pub fn given_name(&self) -> String {
        self.full_name
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// One-line postal address: street, commune, province.
    pub fn formatted_address(&self) -> String {
        format!(
            "{}, {}, {}",
            self.street, self.commune_name, DEMO_PROVINCE_NAME
        )
    }
}

/// Why a string is not a structurally valid citizen identification number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    #[error("a citizen ID has exactly 12 digits")]
    NotTwelveDigits,
    #[error("unknown birth-province code {0:03}")]
    UnknownProvince(u16),
    #[error("century/sex digit {0} is not used for living citizens")]
    UnsupportedCentury(u8),
    #[error("birth year {0} is in the future")]
    BirthYearInFuture(i32),
}

/// The decoded structure of a citizen identification number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitizenIdParts {
    pub birth_province: u16,
    pub gender: Gender,
    pub birth_year: i32,
    pub serial: u32,
}

/// Decodes the structure of a 12-digit citizen identification number.
///
/// Province codes run 001–096 (the pre-2025 numbering, still used in IDs); only the 20th and 21st
/// century digits (0–3) are accepted, and the birth year may not be after the current year.
pub fn parse_citizen_id(citizen_id: &str) -> Result<CitizenIdParts, CitizenIdError> {
    let digits: Vec<u32> = citizen_id.chars().filter_map(|c| c.to_digit(10)).collect();
    if citizen_id.len() != 12 || digits.len() != 12 {
        return Err(CitizenIdError::NotTwelveDigits);
    }
    let number = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .unwrap_or_default()
            .iter()
            .fold(0u32, |acc, d| acc * 10 + d)
    };
    let birth_province = u16::try_from(number(0..3)).unwrap_or(u16::MAX);
    if !(1..=96).contains(&birth_province) {
        return Err(CitizenIdError::UnknownProvince(birth_province));
    }
    let century_sex = u8::try_from(number(3..4)).unwrap_or(u8::MAX);
    let (century_base, gender) = match century_sex {
        0 => (1900, Gender::Male),
        1 => (1900, Gender::Female),
        2 => (2000, Gender::Male),
        3 => (2000, Gender::Female),
        other => return Err(CitizenIdError::UnsupportedCentury(other)),
    };
    let birth_year = century_base + i32::try_from(number(4..6)).unwrap_or_default();
    if birth_year > Utc::now().year() {
        return Err(CitizenIdError::BirthYearInFuture(birth_year));
    }
    Ok(CitizenIdParts {
        birth_province,
        gender,
        birth_year,
        serial: number(6..12),
    })
}

/// Whether `citizen_id` is a structurally valid citizen identification number.
pub fn is_valid_citizen_id(citizen_id: &str) -> bool {
    parse_citizen_id(citizen_id).is_ok()
}

/// Real commune-level units of Hải Phòng (code, official name), from `data/vn-admin-units-2025.json`.
/// A test cross-checks every entry against that file.
pub const HAI_PHONG_COMMUNES: &[(u32, &str)] = &[
    (11311, "Phường Hồng Bàng"),
    (11341, "Phường Ngô Quyền"),
    (11359, "Phường Gia Viên"),
    (11383, "Phường Lê Chân"),
    (11407, "Phường An Biên"),
    (11413, "Phường Hải An"),
    (11443, "Phường Kiến An"),
    (11455, "Phường Đồ Sơn"),
    (11560, "Phường Thuỷ Nguyên"),
    (11581, "Phường An Dương"),
    (11692, "Phường Dương Kinh"),
    (10525, "Phường Hải Dương"),
    (10532, "Phường Lê Thanh Nghị"),
    (10546, "Phường Chí Linh"),
    (10675, "Phường Kinh Môn"),
    (11629, "Xã An Lão"),
    (11680, "Xã Kiến Thụy"),
    (11755, "Xã Tiên Lãng"),
    (11824, "Xã Vĩnh Bảo"),
    (10606, "Xã Nam Sách"),
    (10813, "Xã Thanh Hà"),
    (10903, "Xã Cẩm Giàng"),
    (10999, "Xã Gia Lộc"),
    (11203, "Xã Ninh Giang"),
    (11914, "Đặc khu Cát Hải"),
];

fn commune_name(code: u32) -> String {
    HAI_PHONG_COMMUNES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_default()
}

fn citizen(
    citizen_id: &str,
    full_name: &str,
    (year, month, day): (i32, u32, u32),
    gender: Gender,
    phone: &str,
    commune: u32,
    street: &str,
) -> Option<DemoCitizen> {
    Some(DemoCitizen {
        citizen_id: citizen_id.to_owned(),
        full_name: full_name.to_owned(),
        birthdate: NaiveDate::from_ymd_opt(year, month, day)?,
        gender,
        phone: phone.to_owned(),
        commune_code: format!("{commune:05}"),
        commune_name: commune_name(commune),
        street: street.to_owned(),
    })
}

/// The demo citizens, in a stable order.
///
/// **The first two are "citizen A" and "citizen B" of the test suites** (e.g. authorization tests
/// checking that A cannot see B's dossiers): keep them first and keep their data stable.
#[rustfmt::skip] // One person per line reads as a table; rustfmt would explode each call.
pub fn demo_citizens() -> Vec<DemoCitizen> {
    use Gender::{Female as F, Male as M};
    [
        // Citizen A of the tests.
        citizen("031085012345", "Nguyễn Văn An", (1985, 3, 12), M, "0912345678", 11341, "Số 15 Lạch Tray"),
        // Citizen B of the tests.
        citizen("031190004567", "Trần Thị Bình", (1990, 7, 21), F, "0983456712", 11383, "Số 42 Tô Hiệu"),
        citizen("031078003311", "Phạm Minh Cường", (1978, 11, 2), M, "0904118822", 11311, "Số 8 Hoàng Văn Thụ"),
        citizen("031195008822", "Lê Thị Dung", (1995, 1, 30), F, "0868225413", 11413, "Số 120 Lê Hồng Phong"),
        citizen("031203001234", "Hoàng Đức Duy", (2003, 9, 9), M, "0357904126", 11443, "Số 27 Trần Thành Ngọ"),
        citizen("031301006789", "Vũ Ngọc Hà", (2001, 5, 17), F, "0703581946", 11455, "Số 5 Lý Thánh Tông"),
        citizen("031062002468", "Đặng Văn Hùng", (1962, 12, 25), M, "0936702485", 11560, "Số 21 Đường Bạch Đằng"),
        citizen("031170009753", "Bùi Thị Lan", (1970, 4, 8), F, "0779316520", 10525, "Số 9 Trần Hưng Đạo"),
        citizen("031088005151", "Đỗ Quang Minh", (1988, 6, 14), M, "0945207731", 10532, "Số 88 Nguyễn Lương Bằng"),
        citizen("031193007070", "Ngô Thị Mai", (1993, 10, 3), F, "0389614057", 10546, "Số 30 Nguyễn Trãi"),
        citizen("031055001010", "Dương Văn Nam", (1955, 2, 19), M, "0915830264", 11755, "Thôn Đông Hà"),
        citizen("031182003030", "Lý Thị Ngọc", (1982, 8, 27), F, "0962473108", 11824, "Số 14 Đường 20 tháng 8"),
        citizen("031099004040", "Phan Thành Phong", (1999, 3, 5), M, "0834519670", 11629, "Thôn Tiên Hội"),
        citizen("031167006060", "Trịnh Thị Quyên", (1967, 7, 11), F, "0913067452", 11680, "Thôn Cổ Trai"),
        citizen("031091008080", "Mai Xuân Sơn", (1991, 12, 1), M, "0988142367", 11914, "Số 6 Đường Núi Ngọc"),
        citizen("031186009090", "Hồ Thị Thảo", (1986, 9, 23), F, "0396258014", 11692, "Số 44 Phạm Văn Đồng"),
        citizen("031205002020", "Cao Minh Tuấn", (2005, 4, 16), M, "0707435921", 11581, "Số 101 Tôn Đức Thắng"),
        citizen("031174001357", "Đinh Thị Uyên", (1974, 2, 28), F, "0947380615", 10606, "Khu dân cư Trần Phú"),
        citizen("031080002222", "Lương Văn Việt", (1980, 5, 5), M, "0869027143", 10999, "Thôn Lê Lợi"),
        citizen("031302003333", "Tạ Thị Xuân", (2002, 1, 20), F, "0325671890", 10813, "Thôn Hà Liễu"),
        citizen("031073004444", "Nguyễn Hữu Thắng", (1973, 10, 10), M, "0918724036", 10675, "Số 12 Đường Nhị Chiểu"),
        citizen("031198005555", "Trần Thị Hồng Nhung", (1998, 6, 30), F, "0975310468", 11359, "Số 63 Điện Biên Phủ"),
        citizen("031060006666", "Vũ Đình Khoa", (1960, 3, 3), M, "0903586271", 11203, "Số 25 Đường Lê Thanh Nghị"),
        citizen("031187007777", "Nguyễn Thị Yến", (1987, 11, 11), F, "0354092817", 11407, "Số 19 Hai Bà Trưng"),
        citizen("031096008888", "Phạm Quốc Bảo", (1996, 8, 8), M, "0792648350", 10903, "Thôn Tràng Kỹ"),
    ]
    .into_iter()
    // Every literal above is a valid date (checked by a test), so nothing is dropped in practice.
    .flatten()
    .collect()
}

/// The demo citizen with this ID, if any.
pub fn lookup(citizen_id: &str) -> Option<DemoCitizen> {
    demo_citizens()
        .into_iter()
        .find(|c| c.citizen_id == citizen_id)
}

const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý",
];
const MALE_MIDDLE: &[&str] = &[
    "Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Xuân", "Đình",
];
const MALE_GIVEN: &[&str] = &[
    "An", "Bảo", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân",
    "Sơn", "Thắng", "Trung", "Tùng",
];
const FEMALE_MIDDLE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Kim",
];
const FEMALE_GIVEN: &[&str] = &[
    "Anh", "Chi", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngân", "Oanh",
    "Phương", "Thảo", "Trang", "Yến",
];
const STREETS: &[&str] = &[
    "Lạch Tray",
    "Trần Phú",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Trần Hưng Đạo",
    "Lê Thánh Tông",
];

/// A deterministic made-up person for an ID that is not in [`demo_citizens`].
///
/// Sex and birth year come from the ID's century/sex and year digits; everything else (name, birth
/// day, phone, commune in Hải Phòng, street) is derived from a hash of the ID, so the same ID always
/// yields the same person. Input that is not a valid ID still yields a person (with sex and year taken
/// from the hash), but the identity provider only calls this for valid IDs.
pub fn generated(citizen_id: &str) -> DemoCitizen {
    let hash = Sha256::digest(citizen_id.as_bytes());
    let byte = |i: usize| usize::from(hash.get(i).copied().unwrap_or_default());
    let pick = |list: &'static [&'static str], i: usize| -> &'static str {
        list.get(byte(i) % list.len().max(1))
            .copied()
            .unwrap_or_default()
    };

    let (gender, birth_year) = match parse_citizen_id(citizen_id) {
        Ok(parts) => (parts.gender, parts.birth_year),
        Err(_) => {
            let gender = if byte(0) % 2 == 0 {
                Gender::Male
            } else {
                Gender::Female
            };
            (
                gender,
                1950 + i32::from(hash.get(1).copied().unwrap_or_default() % 55),
            )
        }
    };
    let (middle, given) = match gender {
        Gender::Male => (pick(MALE_MIDDLE, 3), pick(MALE_GIVEN, 4)),
        Gender::Female => (pick(FEMALE_MIDDLE, 3), pick(FEMALE_GIVEN, 4)),
    };
    let full_name = format!("{} {middle} {given}", pick(FAMILY_NAMES, 2));

    // Day 1–28 exists in every month, so the date is always valid.
    let month = u32::try_from(byte(5) % 12 + 1).unwrap_or(1);
    let day = u32::try_from(byte(6) % 28 + 1).unwrap_or(1);
    let birthdate = NaiveDate::from_ymd_opt(birth_year, month, day).unwrap_or_default();

    let (commune, commune_name) = HAI_PHONG_COMMUNES
        .get(byte(7) % HAI_PHONG_COMMUNES.len())
        .copied()
        .unwrap_or((11341, "Phường Ngô Quyền"));
    let house = byte(8) % 150 + 1;
    let street = format!("Số {house} {}", pick(STREETS, 9));

    // Viettel-style "09x" mobile number: 10 digits.
    let phone_digits: String = (10..18)
        .map(|i| char::from(b'0' + (byte(i) % 10) as u8))
        .collect();
    let phone = format!("09{phone_digits}");

    DemoCitizen {
        citizen_id: citizen_id.to_owned(),
        full_name,
        birthdate,
        gender,
        phone,
        commune_code: format!("{commune:05}"),
        commune_name: commune_name.to_owned(),
        street,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::collections::HashSet;

    #[test]
    fn at_least_twenty_demo_citizens_with_unique_ids() {
        let citizens = demo_citizens();
        // 25 literals: none may be dropped by an invalid date.
        assert_eq!(citizens.len(), 25);
        let ids: HashSet<_> = citizens.iter().map(|c| c.citizen_id.clone()).collect();
        assert_eq!(ids.len(), citizens.len());
    }

    #[test]
    fn demo_citizen_ids_match_their_birth_data() {
        for c in demo_citizens() {
            let parts =
                parse_citizen_id(&c.citizen_id).unwrap_or_else(|e| panic!("{}: {e}", c.citizen_id));
            assert_eq!(parts.birth_province, DEMO_PROVINCE_CODE, "{}", c.citizen_id);
            assert!(c.citizen_id.starts_with("031"));
            assert_eq!(parts.gender, c.gender, "{}", c.citizen_id);
            assert_eq!(parts.birth_year, c.birthdate.year(), "{}", c.citizen_id);
        }
    }

    #[test]
    fn demo_citizens_have_plausible_contact_data() {
        for c in demo_citizens() {
            assert_eq!(c.phone.len(), 10, "{}", c.phone);
            assert!(c.phone.starts_with('0') && c.phone.chars().all(|d| d.is_ascii_digit()));
            assert_eq!(c.commune_code.len(), 5);
            assert!(
                !c.commune_name.is_empty(),
                "{} has no commune name",
                c.citizen_id
            );
            assert!(c.full_name.split_whitespace().count() >= 3);
            assert!(c.formatted_address().ends_with("Thành phố Hải Phòng"));
        }
    }

    #[test]
    fn communes_are_real_hai_phong_units() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/vn-admin-units-2025.json"
        );
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let province = data
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == 31)
            .unwrap();
        assert_eq!(province["name"], DEMO_PROVINCE_NAME);
        for (code, name) in HAI_PHONG_COMMUNES {
            let ward = province["wards"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["code"] == *code)
                .unwrap_or_else(|| panic!("{code} is not a Hải Phòng commune"));
            assert_eq!(ward["name"], *name);
        }
        for c in demo_citizens() {
            let code: u32 = c.commune_code.parse().unwrap();
            assert!(HAI_PHONG_COMMUNES.iter().any(|(k, _)| *k == code));
        }
    }

    #[test]
    fn lookup_finds_demo_citizens_only() {
        let a = &demo_citizens()[0];
        assert_eq!(lookup(&a.citizen_id).as_ref(), Some(a));
        assert_eq!(lookup("031085999999"), None);
    }

    #[test]
    fn citizen_id_structure_is_enforced() {
        assert_eq!(
            parse_citizen_id("03108501234"),
            Err(CitizenIdError::NotTwelveDigits)
        );
        assert_eq!(
            parse_citizen_id("03108501234a"),
            Err(CitizenIdError::NotTwelveDigits)
        );
        assert_eq!(
            parse_citizen_id("０31085012345"),
            Err(CitizenIdError::NotTwelveDigits)
        );
        assert_eq!(
            parse_citizen_id("000085012345"),
            Err(CitizenIdError::UnknownProvince(0))
        );
        assert_eq!(
            parse_citizen_id("097085012345"),
            Err(CitizenIdError::UnknownProvince(97))
        );
        assert_eq!(
            parse_citizen_id("031585012345"),
            Err(CitizenIdError::UnsupportedCentury(5))
        );
        assert_eq!(
            parse_citizen_id("031299012345"),
            Err(CitizenIdError::BirthYearInFuture(2099))
        );
        let parts = parse_citizen_id("001305123456").unwrap();
        assert_eq!(
            parts,
            CitizenIdParts {
                birth_province: 1,
                gender: Gender::Female,
                birth_year: 2005,
                serial: 123_456
            }
        );
    }

    #[test]
    fn generated_identity_is_deterministic_and_follows_the_id() {
        let id = "031179654321";
        let one = generated(id);
        assert_eq!(one, generated(id));
        assert_eq!(one.citizen_id, id);
        assert_eq!(one.gender, Gender::Female);
        assert_eq!(one.birthdate.year(), 1979);
        assert_eq!(one.full_name.split_whitespace().count(), 3);
        assert!(FEMALE_MIDDLE.contains(&one.full_name.split_whitespace().nth(1).unwrap()));
        assert!(
            HAI_PHONG_COMMUNES
                .iter()
                .any(|(c, n)| format!("{c:05}") == one.commune_code && *n == one.commune_name)
        );
        assert_eq!(one.phone.len(), 10);
        assert!(one.phone.chars().all(|d| d.is_ascii_digit()));

        let male = generated("031204000001");
        assert_eq!(male.gender, Gender::Male);
        assert_eq!(male.birthdate.year(), 2004);
        assert!(MALE_MIDDLE.contains(&male.full_name.split_whitespace().nth(1).unwrap()));

        // Different IDs give (almost always) different people.
        let names: HashSet<_> = (0..20)
            .map(|i| generated(&format!("0310800000{i:02}")).full_name)
            .collect();
        assert!(names.len() > 10);
    }

    #[test]
    fn generated_tolerates_invalid_input() {
        let p = generated("not an id");
        assert_eq!(p.citizen_id, "not an id");
        assert!(!p.full_name.is_empty());
    }

    #[test]
    fn names_split_into_family_and_given() {
        let b = &demo_citizens()[1];
        assert_eq!(b.family_name(), "Trần");
        assert_eq!(b.given_name(), "Thị Bình");
    }
}
