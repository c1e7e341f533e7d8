//! The national and sector databases a handling system reads from (SPEC §7, Decree 45/2020 Art. 16,
//! Project 06): which ones exist, what we ask them, and what their records say.
//!
//! The wire format is the connectors' JSON over HTTPS (PascalCase Vietnamese field names, as the
//! shared data-exchange platform's services use); `motcua-gateways` sends the [`Query`], `motcua-sim`
//! answers it in development, and the records below are what business rules read. Nothing here knows
//! which of the two answered.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A database we have a connector for. The key is the name the catalogue uses in `reusable_from`
/// and `prefill_from` (`population_db`, …) and the `<name>` of `connector:<name>` provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Database {
    /// Cơ sở dữ liệu quốc gia về dân cư.
    Population,
    /// Cơ sở dữ liệu hộ tịch điện tử.
    CivilStatus,
    /// Cơ sở dữ liệu về cư trú.
    Residence,
    /// Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp.
    Enterprise,
    /// Cơ sở dữ liệu quốc gia về đất đai.
    Land,
    /// Cơ sở dữ liệu quốc gia về bảo hiểm.
    SocialInsurance,
}

impl Database {
    pub const ALL: [Database; 6] = [
        Database::Population,
        Database::CivilStatus,
        Database::Residence,
        Database::Enterprise,
        Database::Land,
        Database::SocialInsurance,
    ];

    /// The connector's short name: `connector:<name>`, `MOTCUA_CONNECTOR_<NAME>_URL`, `/sim/<path>`.
    pub fn name(self) -> &'static str {
        match self {
            Database::Population => "population",
            Database::CivilStatus => "civil_status",
            Database::Residence => "residence",
            Database::Enterprise => "enterprise",
            Database::Land => "land",
            Database::SocialInsurance => "social_insurance",
        }
    }

    /// The catalogue's source key (`reusable_from`, `prefill_from`).
    pub fn catalogue_key(self) -> &'static str {
        match self {
            Database::Population => "population_db",
            Database::CivilStatus => "civil_status_db",
            Database::Residence => "residence_db",
            Database::Enterprise => "enterprise_db",
            Database::Land => "land_db",
            Database::SocialInsurance => "social_insurance_db",
        }
    }

    pub fn from_name(name: &str) -> Option<Database> {
        Database::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn from_catalogue_key(key: &str) -> Option<Database> {
        Database::ALL.into_iter().find(|d| d.catalogue_key() == key)
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Database::Population => "Cơ sở dữ liệu quốc gia về dân cư",
            Database::CivilStatus => "Cơ sở dữ liệu hộ tịch điện tử",
            Database::Residence => "Cơ sở dữ liệu về cư trú",
            Database::Enterprise => "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
            Database::Land => "Cơ sở dữ liệu quốc gia về đất đai",
            Database::SocialInsurance => "Cơ sở dữ liệu quốc gia về bảo hiểm",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Database::Population => "National population database",
            Database::CivilStatus => "Electronic civil status database",
            Database::Residence => "Residence database",
            Database::Enterprise => "National business registration database",
            Database::Land => "National land database",
            Database::SocialInsurance => "National insurance database",
        }
    }
}

/// The national and sector databases a province's handling system is expected to connect to,
/// by catalogue key, the denominator of "N of M connected" (the seeds' "13 of 18"). The first six
/// are the ones motcua has connectors for; the others are named so the figure is honest about
/// what is not connected.
pub const EXPECTED_DATABASES: [(&str, &str, &str); 18] = [
    (
        "population_db",
        "Cơ sở dữ liệu quốc gia về dân cư",
        "National population database",
    ),
    (
        "civil_status_db",
        "Cơ sở dữ liệu hộ tịch điện tử",
        "Electronic civil status database",
    ),
    (
        "residence_db",
        "Cơ sở dữ liệu về cư trú",
        "Residence database",
    ),
    (
        "enterprise_db",
        "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
        "National business registration database",
    ),
    (
        "land_db",
        "Cơ sở dữ liệu quốc gia về đất đai",
        "National land database",
    ),
    (
        "social_insurance_db",
        "Cơ sở dữ liệu quốc gia về bảo hiểm",
        "National insurance database",
    ),
    (
        "tax_db",
        "Cơ sở dữ liệu quốc gia về thuế",
        "National tax database",
    ),
    (
        "einvoice_db",
        "Hệ thống hóa đơn điện tử",
        "E-invoice system",
    ),
    (
        "driver_license_db",
        "Cơ sở dữ liệu giấy phép lái xe",
        "Driving licence database",
    ),
    (
        "vehicle_origin_db",
        "Cơ sở dữ liệu nguồn gốc phương tiện",
        "Vehicle origin database",
    ),
    (
        "vehicle_registration_db",
        "Cơ sở dữ liệu đăng ký phương tiện",
        "Vehicle registration database",
    ),
    (
        "health_check_db",
        "Cơ sở dữ liệu giấy khám sức khỏe",
        "Health check certificate database",
    ),
    (
        "health_facility",
        "Hệ thống thông tin cơ sở khám chữa bệnh",
        "Health facility information system",
    ),
    (
        "criminal_record_db",
        "Cơ sở dữ liệu lý lịch tư pháp",
        "Criminal record database",
    ),
    (
        "education_db",
        "Cơ sở dữ liệu ngành giáo dục",
        "Education sector database",
    ),
    (
        "labour_db",
        "Cơ sở dữ liệu thị trường lao động",
        "Labour market database",
    ),
    (
        "social_protection_db",
        "Cơ sở dữ liệu an sinh xã hội",
        "Social protection database",
    ),
    (
        "national_tthc_db",
        "Cơ sở dữ liệu quốc gia về thủ tục hành chính",
        "National administrative procedures database",
    ),
];

/// What we ask a database. Each reads one subject's records; the purpose and the dossier travel
/// with the request (the access log and the far side's audit need them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Query {
    /// Population: the citizen's record. `GET /api/cong-dan/{so_dinh_danh}`.
    Citizen { citizen_id: String },
    /// Civil status: births where the citizen is the child or a parent.
    /// `GET /api/khai-sinh?so_dinh_danh=…`.
    Births { citizen_id: String },
    /// Civil status: marriages the citizen is a party to. `GET /api/ket-hon?so_dinh_danh=…`.
    Marriages { citizen_id: String },
    /// Residence: permanent and temporary residence, household. `GET /api/cu-tru/{so_dinh_danh}`.
    Residence { citizen_id: String },
    /// Enterprise registration: one enterprise. `GET /api/doanh-nghiep/{ma_so}`.
    Enterprise { code: String },
    /// Enterprise registration: enterprises the citizen represents.
    /// `GET /api/doanh-nghiep?so_dinh_danh_nguoi_dai_dien=…`.
    EnterprisesOf { citizen_id: String },
    /// Land: parcels the citizen holds a certificate for. `GET /api/thua-dat?so_dinh_danh=…`.
    Parcels { citizen_id: String },
    /// Social insurance: the insured person. `GET /api/nguoi-tham-gia/{so_dinh_danh}`.
    Insured { citizen_id: String },
}

impl Query {
    pub fn database(&self) -> Database {
        match self {
            Query::Citizen { .. } => Database::Population,
            Query::Births { .. } | Query::Marriages { .. } => Database::CivilStatus,
            Query::Residence { .. } => Database::Residence,
            Query::Enterprise { .. } | Query::EnterprisesOf { .. } => Database::Enterprise,
            Query::Parcels { .. } => Database::Land,
            Query::Insured { .. } => Database::SocialInsurance,
        }
    }

    /// The person (citizen ID) or organisation (enterprise code) whose data this reads.
    pub fn subject(&self) -> &str {
        match self {
            Query::Citizen { citizen_id }
            | Query::Births { citizen_id }
            | Query::Marriages { citizen_id }
            | Query::Residence { citizen_id }
            | Query::EnterprisesOf { citizen_id }
            | Query::Parcels { citizen_id }
            | Query::Insured { citizen_id } => citizen_id,
            Query::Enterprise { code } => code,
        }
    }

    /// The path and query string under the connector's base URL.
    pub fn path(&self) -> String {
        let q = |s: &str| url_component(s);
        match self {
            Query::Citizen { citizen_id } => format!("/api/cong-dan/{}", q(citizen_id)),
            Query::Births { citizen_id } => {
                format!("/api/khai-sinh?so_dinh_danh={}", q(citizen_id))
            }
            Query::Marriages { citizen_id } => {
                format!("/api/ket-hon?so_dinh_danh={}", q(citizen_id))
            }
            Query::Residence { citizen_id } => format!("/api/cu-tru/{}", q(citizen_id)),
            Query::Enterprise { code } => format!("/api/doanh-nghiep/{}", q(code)),
            Query::EnterprisesOf { citizen_id } => format!(
                "/api/doanh-nghiep?so_dinh_danh_nguoi_dai_dien={}",
                q(citizen_id)
            ),
            Query::Parcels { citizen_id } => {
                format!("/api/thua-dat?so_dinh_danh={}", q(citizen_id))
            }
            Query::Insured { citizen_id } => format!("/api/nguoi-tham-gia/{}", q(citizen_id)),
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3): identifiers are digits in
/// practice, but a path must never be steerable by what a caller typed.
fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An address as the national databases give it: commune code and name, province, and the
/// house/street/hamlet part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    #[serde(default)]
    pub ma_xa: String,
    #[serde(default)]
    pub ten_xa: String,
    #[serde(default)]
    pub ma_tinh: String,
    #[serde(default)]
    pub ten_tinh: String,
    #[serde(default)]
    pub chi_tiet: String,
}

impl Address {
    /// One line: detail, commune, province.
    pub fn line(&self) -> String {
        [&self.chi_tiet, &self.ten_xa, &self.ten_tinh]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Another person named in a record (parent, spouse, head of household, representative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PersonRef {
    pub ho_va_ten: String,
    #[serde(default)]
    pub so_dinh_danh: Option<String>,
    #[serde(default)]
    pub ngay_sinh: Option<NaiveDate>,
}

/// Population database: one citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Citizen {
    pub so_dinh_danh: String,
    pub ho_va_ten: String,
    pub ngay_thang_nam_sinh: NaiveDate,
    /// `Nam` or `Nữ`.
    pub gioi_tinh: String,
    pub dan_toc: String,
    pub quoc_tich: String,
    #[serde(default)]
    pub ton_giao: Option<String>,
    #[serde(default)]
    pub que_quan: Option<Address>,
    pub noi_thuong_tru: Address,
    pub noi_o_hien_tai: Address,
    #[serde(default)]
    pub so_dien_thoai: Option<String>,
    #[serde(default)]
    pub cha: Option<PersonRef>,
    #[serde(default)]
    pub me: Option<PersonRef>,
    #[serde(default)]
    pub vo_chong: Option<PersonRef>,
}

/// Civil status: a birth registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BirthRecord {
    pub so_dang_ky: String,
    pub ngay_dang_ky: NaiveDate,
    pub noi_dang_ky: String,
    pub ho_ten: String,
    pub ngay_sinh: NaiveDate,
    pub gioi_tinh: String,
    #[serde(default)]
    pub noi_sinh: String,
    #[serde(default)]
    pub so_dinh_danh: Option<String>,
    #[serde(default)]
    pub cha: Option<PersonRef>,
    #[serde(default)]
    pub me: Option<PersonRef>,
}

/// Civil status: a marriage registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MarriageRecord {
    pub so_dang_ky: String,
    pub ngay_dang_ky: NaiveDate,
    pub noi_dang_ky: String,
    pub chong: PersonRef,
    pub vo: PersonRef,
    /// `Đang có hiệu lực` while the marriage stands.
    pub tinh_trang: String,
}

/// Residence database: where a citizen lives and with whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Residence {
    pub so_dinh_danh: String,
    pub ho_va_ten: String,
    pub thuong_tru: Option<Address>,
    #[serde(default)]
    pub ngay_dang_ky_thuong_tru: Option<NaiveDate>,
    #[serde(default)]
    pub tam_tru: Option<Address>,
    #[serde(default)]
    pub han_tam_tru: Option<NaiveDate>,
    pub chu_ho: PersonRef,
    /// The citizen's relation to the head of household (`Chủ hộ`, `Vợ`, `Con`, …).
    pub quan_he_voi_chu_ho: String,
    #[serde(default)]
    pub thanh_vien: Vec<HouseholdMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HouseholdMember {
    pub ho_va_ten: String,
    #[serde(default)]
    pub so_dinh_danh: Option<String>,
    pub quan_he_voi_chu_ho: String,
}

/// Enterprise registration: one enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Enterprise {
    pub ma_so_doanh_nghiep: String,
    pub ten_doanh_nghiep: String,
    #[serde(default)]
    pub ten_tieng_anh: Option<String>,
    pub loai_hinh: String,
    pub ngay_thanh_lap: NaiveDate,
    pub dia_chi_tru_so: Address,
    pub nguoi_dai_dien: PersonRef,
    #[serde(default)]
    pub von_dieu_le: Option<u64>,
    pub tinh_trang: String,
}

/// Land: a parcel and its certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parcel {
    pub ma_thua: String,
    pub so_to_ban_do: String,
    pub so_thua: String,
    /// Square metres.
    pub dien_tich: f64,
    pub muc_dich_su_dung: String,
    pub dia_chi: Address,
    pub giay_chung_nhan: LandCertificate,
    pub chu_su_dung: Vec<PersonRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LandCertificate {
    pub so_phat_hanh: String,
    pub so_vao_so: String,
    pub ngay_cap: NaiveDate,
    pub co_quan_cap: String,
}

/// Social insurance: the insured person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Insured {
    pub ma_so_bhxh: String,
    pub ho_va_ten: String,
    pub so_dinh_danh: String,
    pub ngay_sinh: NaiveDate,
    #[serde(default)]
    pub noi_dang_ky_kcb_ban_dau: Option<String>,
    #[serde(default)]
    pub the_bhyt: Option<HealthInsuranceCard>,
    #[serde(default)]
    pub qua_trinh_dong: Vec<ContributionPeriod>,
    #[serde(default)]
    pub so_thang_dong_bhtn: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthInsuranceCard {
    pub ma_the: String,
    pub gia_tri_tu: NaiveDate,
    pub gia_tri_den: NaiveDate,
}

/// Months as `YYYY-MM`; `den_thang` empty while still contributing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContributionPeriod {
    pub don_vi: String,
    pub tu_thang: String,
    #[serde(default)]
    pub den_thang: Option<String>,
}

// -------------------------------------------------------------------------------------------------
// What the databases said about one applicant
// -------------------------------------------------------------------------------------------------

/// The records read for one applicant, as far as they were asked for. `None` means "not asked or
/// not answered"; an empty list means "asked, and the database holds none".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub citizen: Option<Citizen>,
    pub residence: Option<Residence>,
    pub marriages: Option<Vec<MarriageRecord>>,
    pub births: Option<Vec<BirthRecord>>,
    pub parcels: Option<Vec<Parcel>>,
    pub insured: Option<Insured>,
    pub enterprises: Option<Vec<Enterprise>>,
}

impl Known {
    /// Takes in what the database answered to `query` (`None`: it holds no record).
    pub fn absorb(
        &mut self,
        query: &Query,
        answer: Option<serde_json::Value>,
    ) -> Result<(), serde_json::Error> {
        fn one<T: serde::de::DeserializeOwned>(
            v: Option<serde_json::Value>,
        ) -> Result<Option<T>, serde_json::Error> {
            v.map(serde_json::from_value).transpose()
        }
        fn list<T: serde::de::DeserializeOwned>(
            v: Option<serde_json::Value>,
        ) -> Result<Option<Vec<T>>, serde_json::Error> {
            Ok(Some(one::<Vec<T>>(v)?.unwrap_or_default()))
        }
        match query {
            Query::Citizen { .. } => self.citizen = one(answer)?,
            Query::Residence { .. } => self.residence = one(answer)?,
            Query::Marriages { .. } => self.marriages = list(answer)?,
            Query::Births { .. } => self.births = list(answer)?,
            Query::Parcels { .. } => self.parcels = list(answer)?,
            Query::Insured { .. } => self.insured = one(answer)?,
            Query::EnterprisesOf { .. } => self.enterprises = list(answer)?,
            Query::Enterprise { .. } => {
                self.enterprises = Some(one::<Enterprise>(answer)?.into_iter().collect());
            }
        }
        Ok(())
    }

    /// The applicant's marriage that stands (the latest registered one).
    pub fn current_marriage(&self) -> Option<&MarriageRecord> {
        self.marriages
            .as_ref()?
            .iter()
            .filter(|m| crate::text::fold(&m.tinh_trang) == "dang co hieu luc")
            .max_by_key(|m| m.ngay_dang_ky)
    }

    /// The applicant's own birth registration.
    pub fn own_birth(&self, citizen_id: &str) -> Option<&BirthRecord> {
        self.births
            .as_ref()?
            .iter()
            .find(|b| b.so_dinh_danh.as_deref() == Some(citizen_id))
    }

    /// The one parcel the applicant holds, when there is exactly one (with several, the form
    /// cannot guess which one the application is about).
    pub fn only_parcel(&self) -> Option<&Parcel> {
        match self.parcels.as_deref() {
            Some([p]) => Some(p),
            _ => None,
        }
    }
}

/// A value read from a record, before it is shaped for a form field.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Text(String),
    Date(NaiveDate),
    Number(f64),
    Address(Address),
}

/// The attributes a form field may be prefilled from, per catalogue source key
/// (`prefill_from: "<source>:<attribute>"`). All of them are about the applicant (the signed-in
/// person, or the citizen the counter looked up); a field about someone else (the deceased, the
/// other party to a marriage) names its source without an attribute and is not prefilled.
pub const ATTRIBUTES: &[(&str, &[&str])] = &[
    (
        "population_db",
        &[
            "ho_ten",
            "so_dinh_danh",
            "ngay_sinh",
            "gioi_tinh",
            "dan_toc",
            "quoc_tich",
            "ton_giao",
            "que_quan",
            "noi_thuong_tru",
            "noi_o_hien_tai",
            "so_dien_thoai",
            "cha.ho_ten",
            "cha.so_dinh_danh",
            "me.ho_ten",
            "me.so_dinh_danh",
            "vo_chong.ho_ten",
            "vo_chong.so_dinh_danh",
        ],
    ),
    (
        "residence_db",
        &[
            "thuong_tru",
            "tam_tru",
            "noi_o_hien_tai",
            "chu_ho.ho_ten",
            "chu_ho.so_dinh_danh",
            "quan_he_voi_chu_ho",
        ],
    ),
    (
        "civil_status_db",
        &[
            "ket_hon.so_dang_ky",
            "ket_hon.ngay_dang_ky",
            "ket_hon.noi_dang_ky",
        ],
    ),
    (
        "land_db",
        &[
            "thua_dat.so_thua",
            "thua_dat.so_to_ban_do",
            "thua_dat.dien_tich",
            "thua_dat.dia_chi",
            "thua_dat.gcn.so_phat_hanh",
            "thua_dat.gcn.so_vao_so",
            "thua_dat.gcn.ngay_cap",
        ],
    ),
    (
        "social_insurance_db",
        &[
            "ma_so_bhxh",
            "noi_kcb_ban_dau",
            "don_vi_gan_nhat",
            "so_thang_dong_bhtn",
        ],
    ),
    // An item of the applicant's warehouse attached to the dossier: a civil-status result and
    // what it is about (see [`ResultFacts`]).
    (
        "warehouse",
        &[
            "loai_giay_to",
            "so_dang_ky",
            "ngay_dang_ky",
            "noi_dang_ky",
            "nguoi_co_su_kien.ho_ten",
            "nguoi_co_su_kien.ngay_sinh",
            "nguoi_co_su_kien.so_dinh_danh",
        ],
    ),
];

/// What an issued civil-status result says, as the warehouse keeps it: the kind of record
/// (`khai_sinh`, `khai_tu`), its register number, date and registering agency, and the person it
/// is about. It fills the form of a later procedure about the same record (a copy of the birth
/// certificate) through `prefill_from: "warehouse:<attribute>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFacts {
    pub kind: &'static str,
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub subject_name: Option<String>,
    pub subject_birth: Option<NaiveDate>,
    pub subject_id: Option<String>,
}

/// The civil-status procedures whose result is about one person, with the form fields naming
/// them: (procedure, kind, name field, birth-date field, ID field).
const RESULT_SUBJECTS: &[(&str, &str, &str, &str, Option<&str>)] = &[
    ("1.001193", "khai_sinh", "ho_ten_tre", "ngay_sinh", None),
    (
        "1.004884",
        "khai_sinh",
        "ho_ten",
        "ngay_sinh",
        Some("so_dinh_danh"),
    ),
    (
        "1.000656",
        "khai_tu",
        "ho_ten_nguoi_chet",
        "ngay_sinh_nguoi_chet",
        None,
    ),
];

/// The facts of a result issued for `procedure` with the dossier's `form` answers, if it is a
/// civil-status record about one person.
pub fn result_facts(
    procedure: &str,
    form: &serde_json::Map<String, serde_json::Value>,
    number: &str,
    issued_on: NaiveDate,
    issuer: &str,
) -> Option<ResultFacts> {
    let (_, kind, name, birth, id) = RESULT_SUBJECTS.iter().find(|r| r.0 == procedure)?;
    let text = |k: &str| {
        form.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some(ResultFacts {
        kind,
        number: number.to_owned(),
        issued_on,
        issuer: issuer.to_owned(),
        subject_name: text(name),
        subject_birth: text(birth).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        subject_id: id.and_then(text),
    })
}

/// The answers a warehouse result gives a form (`prefill_from: "warehouse:<attribute>"`), in the
/// form's formats.
pub fn prefill_from_result(
    form: &crate::form::FormDefinition,
    facts: &ResultFacts,
) -> serde_json::Map<String, serde_json::Value> {
    use crate::form::FieldType;
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    for f in &form.fields {
        let Some(("warehouse", Some(attr))) = f.prefill_from.as_deref().map(split_source) else {
            continue;
        };
        let v = match attr {
            "loai_giay_to" => Some(facts.kind.to_owned()),
            "so_dang_ky" => Some(facts.number.clone()),
            "ngay_dang_ky" => Some(facts.issued_on.format("%Y-%m-%d").to_string()),
            "noi_dang_ky" => Some(facts.issuer.clone()),
            "nguoi_co_su_kien.ho_ten" => facts.subject_name.clone(),
            "nguoi_co_su_kien.ngay_sinh" => facts
                .subject_birth
                .map(|d| d.format("%Y-%m-%d").to_string()),
            "nguoi_co_su_kien.so_dinh_danh" => facts.subject_id.clone(),
            _ => None,
        };
        let Some(v) = v else { continue };
        let v = match f.field_type {
            FieldType::Choice => match f.options.iter().find(|o| o.value == v) {
                Some(o) => o.value.clone(),
                None => continue,
            },
            FieldType::Address => continue,
            _ => v,
        };
        out.insert(f.key.clone(), Value::String(v));
    }
    out
}

/// The attribute each field of a form is prefilled from: `(field, source, attribute)`, for the
/// fields whose `prefill_from` names one. A form that names none (a catalogue imported from the
/// national procedures database, which only says `population_db`) gets the applicant's own basic
/// facts by field type, as the portal always did: the first `population_db` text field is the
/// name, the first citizen ID the ID number, the first address the current residence, and the
/// first phone field the phone.
pub fn field_attributes(
    form: &crate::form::FormDefinition,
) -> Vec<(&crate::form::FormField, &str, &str)> {
    use crate::form::FieldType;
    let named: Vec<_> = form
        .fields
        .iter()
        .filter_map(|f| match f.prefill_from.as_deref().map(split_source) {
            Some((source, Some(attr))) => Some((f, source, attr)),
            _ => None,
        })
        .collect();
    if !named.is_empty() {
        return named;
    }
    let population =
        |f: &&crate::form::FormField| f.prefill_from.as_deref() == Some("population_db");
    let first = |t: FieldType| {
        form.fields
            .iter()
            .filter(population)
            .find(|f| f.field_type == t)
    };
    let mut out = Vec::new();
    for (t, attr) in [
        (FieldType::Text, "ho_ten"),
        (FieldType::CitizenId, "so_dinh_danh"),
        (FieldType::Address, "noi_o_hien_tai"),
    ] {
        if let Some(f) = first(t) {
            out.push((f, "population_db", attr));
        }
    }
    if let Some(f) = form
        .fields
        .iter()
        .find(|f| f.field_type == FieldType::Phone)
    {
        out.push((f, "population_db", "so_dien_thoai"));
    }
    out
}

/// A catalogue source reference: `population_db` or `population_db:ho_ten`.
pub fn split_source(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((source, attr)) => (source, Some(attr)),
        None => (s, None),
    }
}

/// Whether `attr` is an attribute this source can prefill (unknown sources have none).
pub fn is_known_attribute(source: &str, attr: &str) -> bool {
    ATTRIBUTES
        .iter()
        .any(|(s, attrs)| *s == source && attrs.contains(&attr))
}

fn text(s: &str) -> Option<AttrValue> {
    let s = s.trim();
    (!s.is_empty()).then(|| AttrValue::Text(s.to_owned()))
}

fn person(p: Option<&PersonRef>, part: &str) -> Option<AttrValue> {
    let p = p?;
    match part {
        "ho_ten" => text(&p.ho_va_ten),
        "so_dinh_danh" => text(p.so_dinh_danh.as_deref()?),
        _ => None,
    }
}

/// The value of `source:attr` for the applicant, if the records hold it.
pub fn attribute(known: &Known, source: &str, attr: &str) -> Option<AttrValue> {
    let (head, rest) = attr.split_once('.').unwrap_or((attr, ""));
    match source {
        "population_db" => {
            let c = known.citizen.as_ref()?;
            match head {
                "ho_ten" => text(&c.ho_va_ten),
                "so_dinh_danh" => text(&c.so_dinh_danh),
                "ngay_sinh" => Some(AttrValue::Date(c.ngay_thang_nam_sinh)),
                "gioi_tinh" => text(&c.gioi_tinh),
                "dan_toc" => text(&c.dan_toc),
                "quoc_tich" => text(&c.quoc_tich),
                "ton_giao" => text(c.ton_giao.as_deref()?),
                "que_quan" => text(&c.que_quan.as_ref()?.line()),
                "noi_thuong_tru" => Some(AttrValue::Address(c.noi_thuong_tru.clone())),
                "noi_o_hien_tai" => Some(AttrValue::Address(c.noi_o_hien_tai.clone())),
                "so_dien_thoai" => text(c.so_dien_thoai.as_deref()?),
                "cha" => person(c.cha.as_ref(), rest),
                "me" => person(c.me.as_ref(), rest),
                "vo_chong" => person(c.vo_chong.as_ref(), rest),
                _ => None,
            }
        }
        "residence_db" => {
            let r = known.residence.as_ref()?;
            match head {
                "thuong_tru" => r.thuong_tru.clone().map(AttrValue::Address),
                "tam_tru" => r.tam_tru.clone().map(AttrValue::Address),
                "noi_o_hien_tai" => r
                    .tam_tru
                    .clone()
                    .or_else(|| r.thuong_tru.clone())
                    .map(AttrValue::Address),
                "chu_ho" => person(Some(&r.chu_ho), rest),
                "quan_he_voi_chu_ho" => text(&r.quan_he_voi_chu_ho),
                _ => None,
            }
        }
        "civil_status_db" => {
            let m = known.current_marriage()?;
            match (head, rest) {
                ("ket_hon", "so_dang_ky") => text(&m.so_dang_ky),
                ("ket_hon", "ngay_dang_ky") => Some(AttrValue::Date(m.ngay_dang_ky)),
                ("ket_hon", "noi_dang_ky") => text(&m.noi_dang_ky),
                _ => None,
            }
        }
        "land_db" => {
            let p = known.only_parcel()?;
            match rest {
                "so_thua" => text(&p.so_thua),
                "so_to_ban_do" => text(&p.so_to_ban_do),
                "dien_tich" => Some(AttrValue::Number(p.dien_tich)),
                "dia_chi" => Some(AttrValue::Address(p.dia_chi.clone())),
                "gcn.so_phat_hanh" => text(&p.giay_chung_nhan.so_phat_hanh),
                "gcn.so_vao_so" => text(&p.giay_chung_nhan.so_vao_so),
                "gcn.ngay_cap" => Some(AttrValue::Date(p.giay_chung_nhan.ngay_cap)),
                _ => None,
            }
        }
        "social_insurance_db" => {
            let i = known.insured.as_ref()?;
            match head {
                "ma_so_bhxh" => text(&i.ma_so_bhxh),
                "noi_kcb_ban_dau" => text(i.noi_dang_ky_kcb_ban_dau.as_deref()?),
                "don_vi_gan_nhat" => text(&i.qua_trinh_dong.last()?.don_vi),
                "so_thang_dong_bhtn" => Some(AttrValue::Number(f64::from(i.so_thang_dong_bhtn))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The answers the national databases give for this form, in the form's value formats (SPEC §17:
/// dates `YYYY-MM-DD`, choices one of the options' values, addresses `{commune, street}`), for
/// every field whose `prefill_from` names an attribute the records hold. The same rule for every
/// form, so a birth date or an address is filled in everywhere or nowhere. `commune_known` says
/// whether a commune code is one the deployment knows (an address in another province's numbering
/// is left for the applicant).
pub fn prefill(
    form: &crate::form::FormDefinition,
    known: &Known,
    commune_known: &dyn Fn(&str) -> bool,
) -> serde_json::Map<String, serde_json::Value> {
    use crate::form::FieldType;
    use serde_json::Value;
    let mut out = serde_json::Map::new();
    for (f, source, attr) in field_attributes(form) {
        let Some(v) = attribute(known, source, attr) else {
            continue;
        };
        let value = match (f.field_type, v) {
            (FieldType::Address, AttrValue::Address(a)) if commune_known(&a.ma_xa) => {
                serde_json::json!({ "commune": a.ma_xa, "street": a.chi_tiet })
            }
            (FieldType::Address, _) => continue,
            (FieldType::Date, AttrValue::Date(d)) => {
                Value::String(d.format("%Y-%m-%d").to_string())
            }
            (FieldType::Date, _) => continue,
            (FieldType::Number, AttrValue::Number(n)) => match serde_json::Number::from_f64(n) {
                Some(n) => Value::Number(n),
                None => continue,
            },
            (FieldType::Number, _) => continue,
            (FieldType::Choice, v) => {
                let wanted = crate::text::fold(&as_text(&v));
                match f.options.iter().find(|o| {
                    crate::text::fold(&o.value) == wanted || crate::text::fold(&o.label) == wanted
                }) {
                    Some(o) => Value::String(o.value.clone()),
                    None => continue,
                }
            }
            (_, v) => Value::String(as_text(&v)),
        };
        out.insert(f.key.clone(), value);
    }
    out
}

fn as_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Text(s) => s.clone(),
        AttrValue::Date(d) => d.format("%d/%m/%Y").to_string(),
        AttrValue::Number(n) => n.to_string(),
        AttrValue::Address(a) => a.line(),
    }
}

// -------------------------------------------------------------------------------------------------
// Components the databases can stand in for
// -------------------------------------------------------------------------------------------------

/// A record a database can hand over in place of a paper component (`reusable_from:
/// "<source>:<record>"` in the catalogue): the applicant does not upload it, the system reads it
/// and files an extract with the dossier, marked `connector:<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// Population: the citizen's identity (stands in for showing the ID card).
    CongDan,
    /// Residence: permanent/temporary residence and household.
    CuTru,
    /// Civil status: the marriage that stands.
    KetHon,
    /// Civil status: the applicant's own birth registration.
    KhaiSinh,
    /// Land: the parcels and their certificates.
    ThuaDat,
    /// Social insurance: contribution history and health-insurance card.
    QuaTrinhDong,
}

impl Record {
    pub const ALL: [Record; 6] = [
        Record::CongDan,
        Record::CuTru,
        Record::KetHon,
        Record::KhaiSinh,
        Record::ThuaDat,
        Record::QuaTrinhDong,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Record::CongDan => "cong_dan",
            Record::CuTru => "cu_tru",
            Record::KetHon => "ket_hon",
            Record::KhaiSinh => "khai_sinh",
            Record::ThuaDat => "thua_dat",
            Record::QuaTrinhDong => "qua_trinh_dong",
        }
    }

    pub fn database(self) -> Database {
        match self {
            Record::CongDan => Database::Population,
            Record::CuTru => Database::Residence,
            Record::KetHon | Record::KhaiSinh => Database::CivilStatus,
            Record::ThuaDat => Database::Land,
            Record::QuaTrinhDong => Database::SocialInsurance,
        }
    }

    /// Parses `<source>:<record>` as written in `reusable_from`.
    pub fn from_source(s: &str) -> Option<Record> {
        let (source, record) = split_source(s);
        let record = record?;
        Record::ALL
            .into_iter()
            .find(|r| r.key() == record && r.database().catalogue_key() == source)
    }

    pub fn query(self, citizen_id: &str) -> Query {
        let citizen_id = citizen_id.to_owned();
        match self {
            Record::CongDan => Query::Citizen { citizen_id },
            Record::CuTru => Query::Residence { citizen_id },
            Record::KetHon => Query::Marriages { citizen_id },
            Record::KhaiSinh => Query::Births { citizen_id },
            Record::ThuaDat => Query::Parcels { citizen_id },
            Record::QuaTrinhDong => Query::Insured { citizen_id },
        }
    }

    /// The extract's title, as the agency files it.
    pub fn title_vi(self) -> &'static str {
        match self {
            Record::CongDan => "Thông tin công dân (Cơ sở dữ liệu quốc gia về dân cư)",
            Record::CuTru => "Thông tin về cư trú (Cơ sở dữ liệu về cư trú)",
            Record::KetHon => "Thông tin đăng ký kết hôn (Cơ sở dữ liệu hộ tịch điện tử)",
            Record::KhaiSinh => "Thông tin đăng ký khai sinh (Cơ sở dữ liệu hộ tịch điện tử)",
            Record::ThuaDat => "Thông tin thửa đất (Cơ sở dữ liệu quốc gia về đất đai)",
            Record::QuaTrinhDong => {
                "Quá trình tham gia bảo hiểm (Cơ sở dữ liệu quốc gia về bảo hiểm)"
            }
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Record::CongDan => "Citizen record (national population database)",
            Record::CuTru => "Residence record (residence database)",
            Record::KetHon => "Marriage registration (electronic civil status database)",
            Record::KhaiSinh => "Birth registration (electronic civil status database)",
            Record::ThuaDat => "Land parcels (national land database)",
            Record::QuaTrinhDong => "Insurance record (national insurance database)",
        }
    }
}

/// The record that can stand in for this component, if the catalogue names one.
pub fn component_record(c: &crate::catalogue::Component) -> Option<Record> {
    c.reusable_from.iter().find_map(|s| Record::from_source(s))
}

/// The lines of an extract of `record` for the applicant (label, value), or `None` when the
/// database holds no such record for them.
pub fn extract(record: Record, known: &Known, citizen_id: &str) -> Option<Vec<(String, String)>> {
    let d = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let who = |p: &PersonRef| match &p.so_dinh_danh {
        Some(id) => format!("{} ({id})", p.ho_va_ten),
        None => p.ho_va_ten.clone(),
    };
    let row = |l: &str, v: String| (l.to_owned(), v);
    match record {
        Record::CongDan => {
            let c = known.citizen.as_ref()?;
            let mut rows = vec![
                row("Họ, chữ đệm và tên", c.ho_va_ten.clone()),
                row("Số định danh cá nhân", c.so_dinh_danh.clone()),
                row("Ngày, tháng, năm sinh", d(c.ngay_thang_nam_sinh)),
                row("Giới tính", c.gioi_tinh.clone()),
                row("Dân tộc", c.dan_toc.clone()),
                row("Quốc tịch", c.quoc_tich.clone()),
                row("Nơi thường trú", c.noi_thuong_tru.line()),
                row("Nơi ở hiện tại", c.noi_o_hien_tai.line()),
            ];
            if let Some(q) = &c.que_quan {
                rows.push(row("Quê quán", q.line()));
            }
            Some(rows)
        }
        Record::CuTru => {
            let r = known.residence.as_ref()?;
            let mut rows = vec![
                row("Họ, chữ đệm và tên", r.ho_va_ten.clone()),
                row("Số định danh cá nhân", r.so_dinh_danh.clone()),
            ];
            if let Some(a) = &r.thuong_tru {
                rows.push(row("Nơi thường trú", a.line()));
            }
            if let Some(day) = r.ngay_dang_ky_thuong_tru {
                rows.push(row("Ngày đăng ký thường trú", d(day)));
            }
            if let Some(a) = &r.tam_tru {
                rows.push(row("Nơi tạm trú", a.line()));
            }
            rows.push(row("Chủ hộ", who(&r.chu_ho)));
            rows.push(row("Quan hệ với chủ hộ", r.quan_he_voi_chu_ho.clone()));
            for m in &r.thanh_vien {
                rows.push(row(
                    "Thành viên hộ",
                    format!("{} – {}", m.ho_va_ten, m.quan_he_voi_chu_ho),
                ));
            }
            Some(rows)
        }
        Record::KetHon => {
            let m = known.current_marriage()?;
            Some(vec![
                row("Số đăng ký", m.so_dang_ky.clone()),
                row("Ngày đăng ký", d(m.ngay_dang_ky)),
                row("Nơi đăng ký", m.noi_dang_ky.clone()),
                row("Chồng", who(&m.chong)),
                row("Vợ", who(&m.vo)),
                row("Tình trạng", m.tinh_trang.clone()),
            ])
        }
        Record::KhaiSinh => {
            let b = known.own_birth(citizen_id)?;
            let mut rows = vec![
                row("Số đăng ký", b.so_dang_ky.clone()),
                row("Ngày đăng ký", d(b.ngay_dang_ky)),
                row("Nơi đăng ký", b.noi_dang_ky.clone()),
                row("Họ, chữ đệm và tên", b.ho_ten.clone()),
                row("Ngày sinh", d(b.ngay_sinh)),
                row("Giới tính", b.gioi_tinh.clone()),
                row("Nơi sinh", b.noi_sinh.clone()),
            ];
            if let Some(p) = &b.cha {
                rows.push(row("Cha", who(p)));
            }
            if let Some(p) = &b.me {
                rows.push(row("Mẹ", who(p)));
            }
            Some(rows)
        }
        Record::ThuaDat => {
            let parcels = known.parcels.as_ref().filter(|p| !p.is_empty())?;
            let mut rows = Vec::new();
            for p in parcels {
                rows.push(row(
                    "Thửa đất",
                    format!(
                        "Thửa số {}, tờ bản đồ số {}, {} m², {}",
                        p.so_thua,
                        p.so_to_ban_do,
                        p.dien_tich,
                        p.dia_chi.line()
                    ),
                ));
                rows.push(row("Mục đích sử dụng", p.muc_dich_su_dung.clone()));
                rows.push(row(
                    "Giấy chứng nhận",
                    format!(
                        "Số phát hành {}, số vào sổ {}, cấp ngày {}, {}",
                        p.giay_chung_nhan.so_phat_hanh,
                        p.giay_chung_nhan.so_vao_so,
                        d(p.giay_chung_nhan.ngay_cap),
                        p.giay_chung_nhan.co_quan_cap
                    ),
                ));
            }
            Some(rows)
        }
        Record::QuaTrinhDong => {
            let i = known.insured.as_ref()?;
            let mut rows = vec![
                row("Mã số BHXH", i.ma_so_bhxh.clone()),
                row("Họ và tên", i.ho_va_ten.clone()),
                row("Ngày sinh", d(i.ngay_sinh)),
                row("Số tháng đóng BHTN", i.so_thang_dong_bhtn.to_string()),
            ];
            if let Some(card) = &i.the_bhyt {
                rows.push(row(
                    "Thẻ BHYT",
                    format!(
                        "{} ({} – {})",
                        card.ma_the,
                        d(card.gia_tri_tu),
                        d(card.gia_tri_den)
                    ),
                ));
            }
            for p in &i.qua_trinh_dong {
                rows.push(row(
                    "Đơn vị",
                    format!(
                        "{}: {} – {}",
                        p.don_vi,
                        p.tu_thang,
                        p.den_thang.as_deref().unwrap_or("nay")
                    ),
                ));
            }
            Some(rows)
        }
    }
}

/// Everything to ask the databases before showing this procedure's form and files to the
/// applicant: the records its fields prefill from and the ones its components can be taken from.
pub fn queries_for(proc: &crate::catalogue::Procedure, citizen_id: &str) -> Vec<Query> {
    let mut out: Vec<Query> = Vec::new();
    let mut add = |q: Query| {
        if !out.contains(&q) {
            out.push(q);
        }
    };
    for (_, source, _) in field_attributes(&proc.form) {
        let id = citizen_id.to_owned();
        match source {
            "population_db" => add(Query::Citizen { citizen_id: id }),
            "residence_db" => add(Query::Residence { citizen_id: id }),
            "civil_status_db" => add(Query::Marriages { citizen_id: id }),
            "land_db" => add(Query::Parcels { citizen_id: id }),
            "social_insurance_db" => add(Query::Insured { citizen_id: id }),
            _ => {}
        }
    }
    for c in &proc.components {
        if let Some(r) = component_record(c) {
            add(r.query(citizen_id));
        }
    }
    out
}

/// Whether a dossier must carry a file for this component when it is submitted (once-only:
/// Decree 45/2020 Art. 16; Decree 104/2022 Art. 14(2) for civil status). Required components must,
/// except the e-form (the application form itself is its content) and a paper that is only shown
/// in person (`present_only`): at the counter the officer sees it; online, a connected database
/// that holds it stands in for it (the system files the extract), and where none is connected the
/// applicant shows it when collecting the result. A conditional component is the officer's call.
/// When a connected database cannot answer, the applicant uploads the paper instead: the rule
/// asks for a file, not for where it came from.
pub fn must_be_filed(
    c: &crate::catalogue::Component,
    connected: &dyn Fn(Database) -> bool,
    online: bool,
) -> bool {
    use crate::catalogue::{CopyKind, RequirementKind};
    c.required == RequirementKind::Required
        && match c.copy_kind {
            CopyKind::EForm => false,
            CopyKind::PresentOnly => {
                online && component_record(c).is_some_and(|r| connected(r.database()))
            }
            _ => true,
        }
}

/// How an applicant applying online provides a component, given the connected databases: the
/// one sentence the procedure page and the files page say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// A connected database holds it: the system files the extract when they apply (and asks for
    /// an upload only if the database cannot answer).
    FromDatabase(Database),
    /// A paper only shown in person that no connected database holds: shown when the result is
    /// collected, nothing to upload.
    ShowInPerson,
    /// The application form itself.
    TheForm,
    /// Uploaded by the applicant.
    Upload,
}

pub fn provision(
    c: &crate::catalogue::Component,
    connected: &dyn Fn(Database) -> bool,
) -> Provision {
    use crate::catalogue::CopyKind;
    if let Some(r) = component_record(c).filter(|r| connected(r.database())) {
        return Provision::FromDatabase(r.database());
    }
    match c.copy_kind {
        CopyKind::EForm => Provision::TheForm,
        CopyKind::PresentOnly => Provision::ShowInPerson,
        _ => Provision::Upload,
    }
}
