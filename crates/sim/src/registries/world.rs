//! The seeded world the six registry simulators answer from, in one place so they agree.
//!
//! The people are the demo citizens of [`crate::citizens`] (the ones the simulated identity
//! provider signs in), their fictional parents, and the children of some of the couples among
//! them; any other structurally valid citizen ID is a deterministic made-up person
//! ([`crate::citizens::generated`]) known to the population and residence databases only.
//! Nothing is random: what is not written out below is derived from a hash of the ID.
//!
//! Facts tests may rely on:
//! - citizen A, [`CITIZEN_A`] "Nguyễn Văn An", is married to citizen B, [`CITIZEN_B`] "Trần Thị
//!   Bình" (registration [`A_B_MARRIAGE_NO`], 2014-10-18, UBND phường Ngô Quyền); their son
//!   [`KHOI_ID`] "Nguyễn Minh Khôi" was born 2016-05-20. An is head of a household at Số 15 Lạch
//!   Tray, Phường Ngô Quyền, with Bình ("Vợ") and Khôi ("Con"); Bình's current residence (and
//!   temporary residence) is her own address, Số 42 Tô Hiệu, Phường Lê Chân.
//! - Every demo citizen's population record has the identity provider's name, birth date, phone
//!   and address (as `NoiOHienTai`; also `NoiThuongTru` but for Bình and Phan Thành Phong, whose
//!   address is a temporary residence).
//! - An represents [`LACH_TRAY_CODE`], "Công ty TNHH Thương mại Lạch Tray"; An and Bình hold
//!   parcel [`A_B_PARCEL`].
//! - [`UNKNOWN_SERIAL`]: a valid ID whose serial is `000000` is unknown to every database.
//! - Social insurance knows neither [`NOT_INSURED`] nor anybody outside the seeded people.

use std::sync::LazyLock;

use chrono::{Datelike, Months, NaiveDate};
use sha2::{Digest, Sha256};

use crate::citizens::{self, DemoCitizen, Gender, HAI_PHONG_COMMUNES, parse_citizen_id};

/// The demo province's code in addresses (`MaTinh`).
pub const PROVINCE_CODE: &str = "31";
/// Citizen A of the test suites: Nguyễn Văn An.
pub const CITIZEN_A: &str = "031085012345";
/// Citizen B of the test suites: Trần Thị Bình, A's wife.
pub const CITIZEN_B: &str = "031190004567";
/// Nguyễn Minh Khôi, born 2016-05-20, son of A and B.
pub const KHOI_ID: &str = "031216001579";
/// The registration number of A and B's marriage.
pub const A_B_MARRIAGE_NO: &str = "45/2014";
/// Công ty TNHH Thương mại Lạch Tray, represented by A.
pub const LACH_TRAY_CODE: &str = "0201234569";
/// Its branch in Hải Dương, headed by Đỗ Quang Minh.
pub const LACH_TRAY_BRANCH_CODE: &str = "0201234569-001";
/// Công ty TNHH Xây dựng và Vận tải Hải An: "Tạm ngừng kinh doanh".
pub const SUSPENDED_CODE: &str = "0203456782";
/// The parcel A and B hold together (`MaThua`).
pub const A_B_PARCEL: &str = "11341-12-245";
/// Demo citizens social insurance does not know (Cao Minh Tuấn, Tạ Thị Xuân).
pub const NOT_INSURED: [&str; 2] = ["031205002020", "031302003333"];
/// A valid ID with this serial (last six digits) is unknown everywhere.
pub const UNKNOWN_SERIAL: &str = "000000";
/// The month contribution periods still open are counted to.
const REFERENCE_MONTH: (i32, u32) = (2026, 4);

/// An address in the demo province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// 5-digit commune code.
    pub commune_code: String,
    pub commune_name: String,
    /// House, street or hamlet; empty for a home town.
    pub detail: String,
}

impl Addr {
    fn new(code: u32, detail: &str) -> Addr {
        Addr {
            commune_code: format!("{code:05}"),
            commune_name: commune_name(code),
            detail: detail.to_owned(),
        }
    }

    fn of(c: &DemoCitizen) -> Addr {
        Addr {
            commune_code: c.commune_code.clone(),
            commune_name: c.commune_name.clone(),
            detail: c.street.clone(),
        }
    }

    /// "Số 15 Lạch Tray, Phường Ngô Quyền".
    pub fn line(&self) -> String {
        [&self.detail, &self.commune_name]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn commune_name(code: u32) -> String {
    HAI_PHONG_COMMUNES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_default()
}

/// "Phường Ngô Quyền" → "UBND phường Ngô Quyền".
pub fn people_committee(commune_name: &str) -> String {
    let lowered = ["Phường", "Xã", "Đặc khu"]
        .into_iter()
        .find_map(|kind| {
            commune_name
                .strip_prefix(kind)
                .map(|rest| format!("{}{rest}", kind.to_lowercase()))
        })
        .unwrap_or_else(|| commune_name.to_owned());
    format!("UBND {lowered}")
}

/// Another person named in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub name: String,
    pub id: Option<String>,
    pub birth: Option<NaiveDate>,
}

/// A population record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub birth: NaiveDate,
    pub gender: Gender,
    pub ethnicity: String,
    pub religion: String,
    /// Quê quán: a commune, no detail.
    pub hometown: Addr,
    pub permanent: Addr,
    pub current: Addr,
    pub phone: Option<String>,
    pub father: Option<PersonRef>,
    pub mother: Option<PersonRef>,
    pub spouse: Option<PersonRef>,
}

impl Person {
    pub fn reference(&self) -> PersonRef {
        PersonRef {
            name: self.name.clone(),
            id: Some(self.id.clone()),
            birth: Some(self.birth),
        }
    }
}

/// A birth registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthRec {
    pub number: String,
    pub registered: NaiveDate,
    pub office: String,
    pub child: PersonRef,
    pub gender: Gender,
    pub birthplace: String,
    pub father: Option<PersonRef>,
    pub mother: Option<PersonRef>,
}

impl BirthRec {
    pub fn concerns(&self, id: &str) -> bool {
        std::iter::once(&self.child)
            .chain(self.father.as_ref())
            .chain(self.mother.as_ref())
            .any(|p| p.id.as_deref() == Some(id))
    }
}

/// A marriage registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarriageRec {
    pub number: String,
    pub registered: NaiveDate,
    pub office: String,
    pub husband: PersonRef,
    pub wife: PersonRef,
    pub status: String,
}

/// One member of a household other than its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person: PersonRef,
    /// Relation to the head: `Vợ`, `Con`, ….
    pub relation: String,
    pub registered: NaiveDate,
}

/// A household in the residence database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub head: PersonRef,
    pub address: Addr,
    pub head_registered: NaiveDate,
    pub members: Vec<Member>,
}

/// A residence record, as the residence database answers for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidenceRec {
    pub id: String,
    pub name: String,
    pub permanent: Addr,
    pub registered: NaiveDate,
    pub temporary: Option<(Addr, NaiveDate)>,
    pub head: PersonRef,
    pub relation: String,
    pub members: Vec<Member>,
}

/// An enterprise (or branch) in the business registration database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub founded: NaiveDate,
    pub address: Addr,
    pub representative: PersonRef,
    pub capital: Option<u64>,
    pub status: String,
}

/// A land parcel with its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelRec {
    pub code: String,
    pub map_sheet: String,
    pub number: String,
    pub area_m2: f64,
    pub land_use: String,
    pub address: Addr,
    pub certificate_no: String,
    pub register_no: String,
    pub issued: NaiveDate,
    pub issuer: String,
    pub holders: Vec<PersonRef>,
}

/// A health insurance card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// A contribution period, months as `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub employer: String,
    pub from: String,
    pub to: Option<String>,
}

/// A person insured (social and health insurance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsuredRec {
    pub social_no: String,
    pub name: String,
    pub id: String,
    pub birth: NaiveDate,
    pub clinic: Option<String>,
    pub card: Option<Card>,
    pub periods: Vec<Period>,
    pub unemployment_months: u32,
}

/// Everything the six databases hold.
#[derive(Debug)]
pub struct World {
    /// Demo citizens (in [`citizens::demo_citizens`] order), then the seeded children, then the
    /// parents with a citizen ID.
    pub people: Vec<Person>,
    pub births: Vec<BirthRec>,
    pub marriages: Vec<MarriageRec>,
    pub households: Vec<Household>,
    /// Temporary residences: citizen ID, address, until.
    pub temporary: Vec<(String, Addr, NaiveDate)>,
    pub enterprises: Vec<Company>,
    pub parcels: Vec<ParcelRec>,
    pub insured: Vec<InsuredRec>,
}

/// The seeded world (built once).
pub fn world() -> &'static World {
    static WORLD: LazyLock<World> = LazyLock::new(World::build);
    &WORLD
}

type Ymd = (i32, u32, u32);

fn ymd((y, m, d): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Marriages among demo citizens: husband, wife, registered, registration number, commune code of
/// the registering People's Committee.
const MARRIAGES: &[(&str, &str, Ymd, &str, u32)] = &[
    (CITIZEN_A, CITIZEN_B, (2014, 10, 18), A_B_MARRIAGE_NO, 11341),
    // Phạm Minh Cường & Lý Thị Ngọc.
    (
        "031078003311",
        "031182003030",
        (2006, 12, 9),
        "118/2006",
        11311,
    ),
    // Đỗ Quang Minh & Ngô Thị Mai.
    (
        "031088005151",
        "031193007070",
        (2019, 3, 16),
        "27/2019",
        10532,
    ),
    // Nguyễn Hữu Thắng & Đinh Thị Uyên.
    (
        "031073004444",
        "031174001357",
        (1998, 1, 10),
        "06/1998",
        10675,
    ),
    // Đặng Văn Hùng & Bùi Thị Lan.
    (
        "031062002468",
        "031170009753",
        (1992, 5, 2),
        "31/1992",
        11560,
    ),
];

/// Children of those couples: ID, name, birth, sex, father, mother, registered, registration
/// number, where born.
#[allow(clippy::type_complexity)]
const CHILDREN: &[(&str, &str, Ymd, Gender, &str, &str, Ymd, &str, &str)] = &[
    (
        KHOI_ID,
        "Nguyễn Minh Khôi",
        (2016, 5, 20),
        Gender::Male,
        CITIZEN_A,
        CITIZEN_B,
        (2016, 6, 1),
        "112/2016",
        "Bệnh viện Phụ sản Hải Phòng",
    ),
    (
        "031308002684",
        "Phạm Ngọc Anh",
        (2008, 9, 14),
        Gender::Female,
        "031078003311",
        "031182003030",
        (2008, 9, 26),
        "205/2008",
        "Bệnh viện Phụ sản Hải Phòng",
    ),
    (
        "031221003795",
        "Đỗ Gia Bảo",
        (2021, 2, 11),
        Gender::Male,
        "031088005151",
        "031193007070",
        (2021, 2, 24),
        "38/2021",
        "Bệnh viện Đa khoa tỉnh Hải Dương",
    ),
    (
        "031199004806",
        "Nguyễn Thu Trang",
        (1999, 6, 3),
        Gender::Female,
        "031073004444",
        "031174001357",
        (1999, 6, 15),
        "74/1999",
        "Bệnh viện Đa khoa tỉnh Hải Dương",
    ),
    (
        "031094005917",
        "Đặng Quốc Huy",
        (1994, 11, 27),
        Gender::Male,
        "031062002468",
        "031170009753",
        (1994, 12, 8),
        "163/1994",
        "Bệnh viện Đa khoa huyện Thủy Nguyên",
    ),
];

/// Members of a household headed by someone else: member, head, relation, registered.
/// (The seeded children are members of their father's household as "Con".)
const JOINED_HOUSEHOLDS: &[(&str, &str, &str, Ymd)] =
    &[(CITIZEN_B, CITIZEN_A, "Vợ", (2014, 11, 5))];
/// Registration date of A's permanent residence.
const A_REGISTERED: Ymd = (2012, 4, 16);

/// Demo citizens whose own address (the identity provider's, and the population database's
/// `NoiOHienTai`) is a temporary residence, until. Their permanent residence is elsewhere: in a
/// joined household, or in [`PERMANENT_ELSEWHERE`].
const TEMPORARY: &[(&str, Ymd)] = &[
    (CITIZEN_B, (2027, 6, 30)),
    // Phan Thành Phong rents a room near his work; his family home is in Vĩnh Bảo.
    ("031099004040", (2026, 12, 31)),
];
const PERMANENT_ELSEWHERE: &[(&str, u32, &str)] = &[("031099004040", 11824, "Thôn Nam Tiến")];

/// Demo citizens of an ethnic group other than Kinh.
const ETHNICITY: &[(&str, &str)] = &[("031091008080", "Tày"), ("031186009090", "Mường")];

const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
];
const FATHER_MIDDLE: &[&str] = &["Văn", "Đức", "Hữu", "Đình", "Xuân", "Quang", "Ngọc", "Công"];
const FATHER_GIVEN: &[&str] = &[
    "Thành", "Tuấn", "Hòa", "Lợi", "Tâm", "Toàn", "Chiến", "Thắng", "Hải", "Tiến", "Hưng", "Lâm",
    "Khải", "Phú", "Quý", "Sáu",
];
const MOTHER_MIDDLE: &[&str] = &["Thị", "Thị", "Thị", "Thu", "Kim", "Thanh"];
const MOTHER_GIVEN: &[&str] = &[
    "Hoa", "Lan", "Hằng", "Nga", "Thoa", "Huệ", "Liên", "Mận", "Tuyết", "Hường", "Nhàn", "Vân",
    "Cúc", "Đào", "Sen", "Loan",
];

/// Bytes of a hash of `salt` and `id`.
struct Hash([u8; 32]);

impl Hash {
    fn of(salt: &str, id: &str) -> Hash {
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update(b":");
        h.update(id.as_bytes());
        Hash(h.finalize().into())
    }

    fn byte(&self, i: usize) -> u32 {
        u32::from(self.0.get(i % 32).copied().unwrap_or_default())
    }

    /// A number in `0..n` from bytes `i..i+3`.
    fn below(&self, i: usize, n: u32) -> u32 {
        let v = (self.byte(i) << 16) | (self.byte(i + 1) << 8) | self.byte(i + 2);
        v % n.max(1)
    }

    fn pick<'a>(&self, i: usize, list: &[&'a str]) -> &'a str {
        let n = u32::try_from(list.len()).unwrap_or(1);
        list.get(usize::try_from(self.below(i, n)).unwrap_or_default())
            .copied()
            .unwrap_or_default()
    }

    fn commune(&self, i: usize) -> Addr {
        let n = u32::try_from(HAI_PHONG_COMMUNES.len()).unwrap_or(1);
        let (code, _) = HAI_PHONG_COMMUNES
            .get(usize::try_from(self.below(i, n)).unwrap_or_default())
            .copied()
            .unwrap_or((11341, ""));
        Addr::new(code, "")
    }

    /// A date in `year` (day 1–28, always valid).
    fn date_in(&self, i: usize, year: i32) -> NaiveDate {
        ymd((year, self.below(i, 12) + 1, self.below(i + 3, 28) + 1))
    }
}

/// A citizen ID: `031`, century/sex digit, year, serial (never `000000`).
fn citizen_id(gender: Gender, birth: NaiveDate, serial: u32) -> String {
    let digit = match (gender, birth.year() >= 2000) {
        (Gender::Male, false) => 0,
        (Gender::Female, false) => 1,
        (Gender::Male, true) => 2,
        (Gender::Female, true) => 3,
    };
    format!(
        "031{digit}{:02}{:06}",
        birth.year() % 100,
        serial % 999_999 + 1
    )
}

/// Fictional parents of someone born in `birth` with family name `family`. Parents born after
/// 1945 have citizen IDs when `with_ids`.
fn parents_of(id: &str, family: &str, birth: NaiveDate, with_ids: bool) -> (Person, Person) {
    let h = Hash::of("cha-me", id);
    let father_birth = h.date_in(
        0,
        birth.year() - 24 - i32::try_from(h.below(6, 9)).unwrap_or(0),
    );
    let mother_birth = h.date_in(
        9,
        father_birth.year() + 1 + i32::try_from(h.below(12, 4)).unwrap_or(0),
    );
    let mut mother_family = h.pick(15, FAMILY_NAMES);
    if mother_family == family {
        mother_family = if family == "Trần" { "Lê" } else { "Trần" };
    }
    let father_name = format!(
        "{family} {} {}",
        h.pick(18, FATHER_MIDDLE),
        h.pick(21, FATHER_GIVEN)
    );
    let mother_name = format!(
        "{mother_family} {} {}",
        h.pick(24, MOTHER_MIDDLE),
        h.pick(27, MOTHER_GIVEN)
    );
    let ids = with_ids && father_birth.year() > 1945;
    let father_id = citizen_id(Gender::Male, father_birth, h.below(1, 1_000_000));
    let mother_id = citizen_id(Gender::Female, mother_birth, h.below(4, 1_000_000));
    // They live together, at an address derived like a generated person's.
    let home = citizens::generated(&father_id);
    let home = Addr {
        commune_code: home.commune_code,
        commune_name: home.commune_name,
        detail: home.street,
    };
    let hometown = Hash::of("que-quan", &father_id).commune(0);
    let person = |id: &str, name: String, birth, gender, hometown: Addr| Person {
        id: if ids { id.to_owned() } else { String::new() },
        name,
        birth,
        gender,
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        hometown,
        permanent: home.clone(),
        current: home.clone(),
        phone: ids.then(|| citizens::generated(id).phone),
        father: None,
        mother: None,
        spouse: None,
    };
    let mut father = person(
        &father_id,
        father_name,
        father_birth,
        Gender::Male,
        hometown,
    );
    let mut mother = person(
        &mother_id,
        mother_name,
        mother_birth,
        Gender::Female,
        Hash::of("que-quan", &mother_id).commune(0),
    );
    father.spouse = Some(mother.reference_or_name());
    mother.spouse = Some(father.reference_or_name());
    (father, mother)
}

impl Person {
    /// A reference without an ID when the person has none.
    fn reference_or_name(&self) -> PersonRef {
        PersonRef {
            name: self.name.clone(),
            id: (!self.id.is_empty()).then(|| self.id.clone()),
            birth: Some(self.birth),
        }
    }
}

/// Where someone registered in `commune` was born.
fn birthplace(commune: &Addr) -> String {
    if commune.commune_code.starts_with("10") {
        "Bệnh viện Đa khoa tỉnh Hải Dương".into()
    } else if commune.commune_name.starts_with("Phường") {
        "Bệnh viện Phụ sản Hải Phòng".into()
    } else {
        format!(
            "Trạm y tế {}",
            people_committee(&commune.commune_name).trim_start_matches("UBND ")
        )
    }
}

/// A made-up person for a valid ID the world does not seed (no parents' IDs, no spouse).
fn generated_person(id: &str) -> Person {
    let g = citizens::generated(id);
    let h = Hash::of("sinh", id);
    let family = g.family_name().to_owned();
    let (father, mother) = parents_of(id, &family, g.birthdate, false);
    let home = Addr::of(&g);
    Person {
        id: id.to_owned(),
        name: g.full_name.clone(),
        birth: g.birthdate,
        gender: g.gender,
        ethnicity: "Kinh".into(),
        religion: "Không".into(),
        hometown: h.commune(0),
        permanent: home.clone(),
        current: home,
        phone: Some(g.phone),
        father: Some(father.reference_or_name()),
        mother: Some(mother.reference_or_name()),
        spouse: None,
    }
}

/// Whether the population database knows this ID (seeded, or structurally valid and not
/// ending in [`UNKNOWN_SERIAL`]).
fn knowable(id: &str) -> bool {
    parse_citizen_id(id).is_ok() && !id.ends_with(UNKNOWN_SERIAL)
}

fn residence_registered(id: &str, birth: NaiveDate) -> NaiveDate {
    let h = Hash::of("thuong-tru", id);
    let year = (birth.year() + 18 + i32::try_from(h.below(0, 10)).unwrap_or(0)).min(2023);
    h.date_in(3, year.max(birth.year())).max(birth)
}

fn month_index(month: &str) -> Option<i32> {
    let (y, m) = month.split_once('-')?;
    Some(y.parse::<i32>().ok()? * 12 + m.parse::<i32>().ok()? - 1)
}

/// Months of unemployment insurance (which began in 2009-01) the periods cover to
/// [`REFERENCE_MONTH`].
fn unemployment_months(periods: &[Period]) -> u32 {
    let (ry, rm) = REFERENCE_MONTH;
    let reference = ry * 12 + i32::try_from(rm).unwrap_or(1) - 1;
    let start_of_scheme = 2009 * 12;
    periods
        .iter()
        .filter_map(|p| {
            let from = month_index(&p.from)?.max(start_of_scheme);
            let to = p.to.as_deref().map_or(Some(reference), month_index)?;
            u32::try_from(to - from + 1).ok()
        })
        .sum()
}

type Employment<'a> = &'a [(&'a str, &'a str, Option<&'a str>)];

/// Social insurance of the seeded people: citizen ID, card kind and level, contribution periods.
/// Card kinds: DN enterprise employee, HC public body, GD household, HT retired, SV student,
/// HS pupil, TE child under six.
const INSURANCE: &[(&str, &str, u8, Employment<'static>)] = &[
    (
        CITIZEN_A,
        "DN",
        4,
        &[
            (
                "Công ty cổ phần Vận tải thủy Bạch Đằng",
                "2007-09",
                Some("2015-02"),
            ),
            ("Công ty TNHH Thương mại Lạch Tray", "2015-04", None),
        ],
    ),
    (
        CITIZEN_B,
        "HC",
        4,
        &[("Trường Mầm non Hoa Sen", "2012-08", None)],
    ),
    (
        "031078003311",
        "GD",
        4,
        &[(
            "Công ty TNHH Xây dựng và Vận tải Hải An",
            "2009-11",
            Some("2024-06"),
        )],
    ),
    (
        "031195008822",
        "DN",
        4,
        &[("Công ty TNHH Điện tử Tràng Duệ", "2017-07", None)],
    ),
    ("031203001234", "SV", 4, &[]),
    (
        "031301006789",
        "DN",
        4,
        &[("Công ty cổ phần Thủy sản Cát Hải", "2023-03", None)],
    ),
    (
        "031062002468",
        "HT",
        3,
        &[(
            "Công ty cổ phần Đóng tàu Sông Cấm",
            "1984-05",
            Some("2022-12"),
        )],
    ),
    (
        "031170009753",
        "DN",
        4,
        &[
            ("Công ty cổ phần May Hải Dương", "1990-03", Some("2018-05")),
            ("Công ty TNHH Nông sản Gia Lộc", "2018-07", None),
        ],
    ),
    (
        "031088005151",
        "DN",
        4,
        &[
            ("Công ty TNHH Điện tử Tràng Duệ", "2010-08", Some("2019-12")),
            (
                "Chi nhánh Công ty TNHH Thương mại Lạch Tray tại Hải Dương",
                "2020-01",
                None,
            ),
        ],
    ),
    (
        "031193007070",
        "HC",
        4,
        &[("UBND phường Chí Linh", "2016-02", None)],
    ),
    ("031055001010", "HT", 3, &[]),
    (
        "031182003030",
        "GD",
        4,
        &[("Công ty TNHH May mặc Vĩnh Bảo", "2003-01", Some("2011-06"))],
    ),
    (
        "031099004040",
        "DN",
        4,
        &[
            (
                "Công ty TNHH Xây dựng và Vận tải Hải An",
                "2021-05",
                Some("2024-06"),
            ),
            ("Công ty TNHH Logistics Đình Vũ", "2024-08", None),
        ],
    ),
    (
        "031167006060",
        "DN",
        4,
        &[("Hợp tác xã Nông nghiệp Cổ Trai", "1995-01", None)],
    ),
    (
        "031091008080",
        "DN",
        4,
        &[("Công ty cổ phần Thủy sản Cát Hải", "2012-09", None)],
    ),
    (
        "031186009090",
        "HC",
        4,
        &[("Trung tâm Y tế Dương Kinh", "2009-10", None)],
    ),
    (
        "031174001357",
        "DN",
        4,
        &[("Công ty cổ phần Gốm sứ Nam Sách", "1996-03", None)],
    ),
    (
        "031080002222",
        "DN",
        4,
        &[
            ("Công ty TNHH Cơ khí Gia Lộc", "2002-05", Some("2018-03")),
            ("Công ty TNHH Nông sản Gia Lộc", "2018-06", None),
        ],
    ),
    (
        "031073004444",
        "DN",
        4,
        &[("Công ty cổ phần Xi măng Phú Tân", "1994-09", None)],
    ),
    (
        "031198005555",
        "DN",
        4,
        &[("Công ty TNHH Thương mại Lạch Tray", "2020-09", None)],
    ),
    ("031060006666", "HT", 3, &[]),
    (
        "031187007777",
        "DN",
        4,
        &[
            ("Công ty TNHH Điện tử Tràng Duệ", "2011-03", Some("2019-12")),
            ("Công ty cổ phần Dịch vụ Cảng An Biên", "2020-02", None),
        ],
    ),
    (
        "031096008888",
        "DN",
        4,
        &[("Công ty TNHH Nông sản Gia Lộc", "2019-04", None)],
    ),
    // Seeded children.
    (KHOI_ID, "HS", 4, &[]),
    ("031308002684", "HS", 4, &[]),
    ("031221003795", "TE", 1, &[]),
    (
        "031199004806",
        "DN",
        4,
        &[("Công ty cổ phần Gốm sứ Nam Sách", "2021-07", None)],
    ),
    (
        "031094005917",
        "DN",
        4,
        &[("Công ty cổ phần Đóng tàu Sông Cấm", "2016-03", None)],
    ),
];

impl World {
    fn build() -> World {
        let demo = citizens::demo_citizens();
        let find_demo = |id: &str| demo.iter().find(|c| c.citizen_id == id);

        // Population: demo citizens, with their parents.
        let mut people = Vec::new();
        let mut parents = Vec::new();
        for c in &demo {
            let (mut father, mut mother) =
                parents_of(&c.citizen_id, c.family_name(), c.birthdate, true);
            let own = Addr::of(c);
            let permanent = JOINED_HOUSEHOLDS
                .iter()
                .find(|(member, ..)| *member == c.citizen_id)
                .and_then(|(_, head, ..)| find_demo(head))
                .map(Addr::of)
                .or_else(|| {
                    PERMANENT_ELSEWHERE
                        .iter()
                        .find(|(id, ..)| *id == c.citizen_id)
                        .map(|(_, code, detail)| Addr::new(*code, detail))
                })
                .unwrap_or_else(|| own.clone());
            let current = if TEMPORARY.iter().any(|(id, _)| *id == c.citizen_id) {
                own
            } else {
                permanent.clone()
            };
            let spouse = MARRIAGES.iter().find_map(|(h, w, ..)| {
                if *h == c.citizen_id {
                    find_demo(w)
                } else if *w == c.citizen_id {
                    find_demo(h)
                } else {
                    None
                }
            });
            let person = Person {
                id: c.citizen_id.clone(),
                name: c.full_name.clone(),
                birth: c.birthdate,
                gender: c.gender,
                ethnicity: ETHNICITY
                    .iter()
                    .find(|(id, _)| *id == c.citizen_id)
                    .map_or("Kinh", |(_, e)| e)
                    .to_owned(),
                religion: "Không".into(),
                hometown: father.hometown.clone(),
                permanent,
                current,
                phone: Some(c.phone.clone()),
                father: Some(father.reference_or_name()),
                mother: Some(mother.reference_or_name()),
                spouse: spouse.map(|s| PersonRef {
                    name: s.full_name.clone(),
                    id: Some(s.citizen_id.clone()),
                    birth: Some(s.birthdate),
                }),
            };
            if !father.id.is_empty() {
                father.ethnicity.clone_from(&person.ethnicity);
                mother.ethnicity.clone_from(&person.ethnicity);
                parents.push((father, mother));
            }
            people.push(person);
        }

        // The couples' children.
        let mut children = Vec::new();
        for &(id, name, birth, gender, father_id, mother_id, ..) in CHILDREN {
            let Some(father) = people.iter().find(|p| p.id == father_id) else {
                continue;
            };
            let mother = people.iter().find(|p| p.id == mother_id);
            let birth = ymd(birth);
            let adult = birth.year() <= 2008;
            children.push(Person {
                id: id.to_owned(),
                name: name.to_owned(),
                birth,
                gender,
                ethnicity: father.ethnicity.clone(),
                religion: "Không".into(),
                hometown: father.hometown.clone(),
                permanent: father.permanent.clone(),
                current: father.permanent.clone(),
                phone: adult.then(|| citizens::generated(id).phone),
                father: Some(father.reference()),
                mother: mother.map(Person::reference),
                spouse: None,
            });
        }

        // Civil status.
        let mut births: Vec<BirthRec> = people
            .iter()
            .filter_map(|p| {
                let c = find_demo(&p.id)?;
                let h = Hash::of("khai-sinh", &p.id);
                let at = Addr::of(c);
                Some(BirthRec {
                    number: format!("{}/{}", h.below(0, 300) + 1, p.birth.year()),
                    registered: p.birth + chrono::Days::new(u64::from(h.below(3, 25) + 3)),
                    office: people_committee(&at.commune_name),
                    child: p.reference(),
                    gender: p.gender,
                    birthplace: birthplace(&at),
                    father: p.father.clone(),
                    mother: p.mother.clone(),
                })
            })
            .collect();
        for &(id, .., registered, number, place) in CHILDREN {
            let Some(child) = children.iter().find(|c| c.id == id) else {
                continue;
            };
            births.push(BirthRec {
                number: number.to_owned(),
                registered: ymd(registered),
                office: people_committee(&child.permanent.commune_name),
                child: child.reference(),
                gender: child.gender,
                birthplace: place.to_owned(),
                father: child.father.clone(),
                mother: child.mother.clone(),
            });
        }
        let marriages = MARRIAGES
            .iter()
            .filter_map(|&(h, w, at, number, office)| {
                let husband = people.iter().find(|p| p.id == h)?;
                let wife = people.iter().find(|p| p.id == w)?;
                Some(MarriageRec {
                    number: number.to_owned(),
                    registered: ymd(at),
                    office: people_committee(&commune_name(office)),
                    husband: husband.reference(),
                    wife: wife.reference(),
                    status: "Đang có hiệu lực".into(),
                })
            })
            .collect();

        // Residence: every demo citizen heads a household but those who joined another; the
        // children are in their father's; each couple of parents has its own.
        let mut households: Vec<Household> = people
            .iter()
            .filter(|p| !JOINED_HOUSEHOLDS.iter().any(|(m, ..)| *m == p.id))
            .map(|p| Household {
                head: p.reference(),
                address: p.permanent.clone(),
                head_registered: if p.id == CITIZEN_A {
                    ymd(A_REGISTERED)
                } else {
                    residence_registered(&p.id, p.birth)
                },
                members: Vec::new(),
            })
            .collect();
        for &(member, head, relation, registered) in JOINED_HOUSEHOLDS {
            let member = people.iter().find(|p| p.id == member);
            let household = households
                .iter_mut()
                .find(|h| h.head.id.as_deref() == Some(head));
            if let (Some(member), Some(household)) = (member, household) {
                household.members.push(Member {
                    person: member.reference(),
                    relation: relation.to_owned(),
                    registered: ymd(registered),
                });
            }
        }
        for child in &children {
            let father = child.father.as_ref().and_then(|f| f.id.clone());
            if let Some(household) = households.iter_mut().find(|h| h.head.id == father) {
                let registered =
                    (child.birth + chrono::Days::new(20)).max(household.head_registered);
                household.members.push(Member {
                    person: child.reference(),
                    relation: "Con".into(),
                    registered,
                });
            }
        }
        for (father, mother) in &parents {
            let registered = residence_registered(&father.id, father.birth);
            households.push(Household {
                head: father.reference(),
                address: father.permanent.clone(),
                head_registered: registered,
                members: vec![Member {
                    person: mother.reference(),
                    relation: "Vợ".into(),
                    registered: registered.max(residence_registered(&mother.id, mother.birth)),
                }],
            });
        }
        let temporary = TEMPORARY
            .iter()
            .filter_map(|&(id, until)| Some((id.to_owned(), Addr::of(find_demo(id)?), ymd(until))))
            .collect();

        let enterprises = enterprises(&people);
        let parcels = parcels(&people);

        people.extend(children);
        for (father, mother) in parents {
            people.push(father);
            people.push(mother);
        }

        let insured = INSURANCE
            .iter()
            .filter_map(|&(id, kind, level, periods)| {
                let p = people.iter().find(|p| p.id == id)?;
                insured(p, kind, level, periods)
            })
            .collect();

        World {
            people,
            births,
            marriages,
            households,
            temporary,
            enterprises,
            parcels,
            insured,
        }
    }

    /// The population record of a citizen: seeded, else made up for a valid ID.
    /// Whether `id` is one of the seeded people (not a made-up one).
    pub fn is_seeded(&self, id: &str) -> bool {
        self.people.iter().any(|p| p.id == id)
    }

    pub fn person(&self, id: &str) -> Option<Person> {
        if let Some(p) = self.people.iter().find(|p| p.id == id) {
            return Some(p.clone());
        }
        knowable(id).then(|| generated_person(id))
    }

    /// Birth registrations where the citizen is the child or a parent.
    pub fn births_of(&self, id: &str) -> Vec<BirthRec> {
        self.births
            .iter()
            .filter(|b| b.concerns(id))
            .cloned()
            .collect()
    }

    /// Marriage registrations the citizen is a party to.
    pub fn marriages_of(&self, id: &str) -> Vec<MarriageRec> {
        self.marriages
            .iter()
            .filter(|m| m.husband.id.as_deref() == Some(id) || m.wife.id.as_deref() == Some(id))
            .cloned()
            .collect()
    }

    /// The residence record of a citizen: from the seeded households, else a generated
    /// person's own household.
    pub fn residence(&self, id: &str) -> Option<ResidenceRec> {
        let temporary = self
            .temporary
            .iter()
            .find(|(t, ..)| t == id)
            .map(|(_, a, until)| (a.clone(), *until));
        for h in &self.households {
            if h.head.id.as_deref() == Some(id) {
                return Some(ResidenceRec {
                    id: id.to_owned(),
                    name: h.head.name.clone(),
                    permanent: h.address.clone(),
                    registered: h.head_registered,
                    temporary,
                    head: h.head.clone(),
                    relation: "Chủ hộ".into(),
                    members: h.members.clone(),
                });
            }
            if let Some(m) = h
                .members
                .iter()
                .find(|m| m.person.id.as_deref() == Some(id))
            {
                return Some(ResidenceRec {
                    id: id.to_owned(),
                    name: m.person.name.clone(),
                    permanent: h.address.clone(),
                    registered: m.registered,
                    temporary,
                    head: h.head.clone(),
                    relation: m.relation.clone(),
                    members: h.members.clone(),
                });
            }
        }
        if self.people.iter().any(|p| p.id == id) {
            return None;
        }
        let p = self.person(id)?;
        Some(ResidenceRec {
            id: p.id.clone(),
            name: p.name.clone(),
            permanent: p.permanent.clone(),
            registered: residence_registered(&p.id, p.birth),
            temporary: None,
            head: p.reference(),
            relation: "Chủ hộ".into(),
            members: Vec::new(),
        })
    }

    pub fn enterprise(&self, code: &str) -> Option<Company> {
        self.enterprises.iter().find(|e| e.code == code).cloned()
    }

    /// Enterprises (and branches) the citizen represents.
    pub fn enterprises_of(&self, id: &str) -> Vec<Company> {
        self.enterprises
            .iter()
            .filter(|e| e.representative.id.as_deref() == Some(id))
            .cloned()
            .collect()
    }

    /// Parcels the citizen holds a certificate for.
    pub fn parcels_of(&self, id: &str) -> Vec<ParcelRec> {
        self.parcels
            .iter()
            .filter(|p| p.holders.iter().any(|h| h.id.as_deref() == Some(id)))
            .cloned()
            .collect()
    }

    pub fn insured(&self, id: &str) -> Option<InsuredRec> {
        self.insured.iter().find(|i| i.id == id).cloned()
    }
}

fn insured(p: &Person, kind: &str, level: u8, periods: Employment<'_>) -> Option<InsuredRec> {
    let digits: String = p.id.chars().skip(4).collect();
    let social_no = format!("{PROVINCE_CODE}{digits}");
    let (valid_from, valid_to) = match kind {
        "TE" => {
            let sixth = p.birth.checked_add_months(Months::new(72))?;
            (p.birth, sixth.pred_opt()?)
        }
        "HT" => (ymd((2026, 1, 1)), ymd((2030, 12, 31))),
        _ => (ymd((2026, 1, 1)), ymd((2026, 12, 31))),
    };
    let periods: Vec<Period> = periods
        .iter()
        .map(|&(employer, from, to)| Period {
            employer: employer.to_owned(),
            from: from.to_owned(),
            to: to.map(str::to_owned),
        })
        .collect();
    let clinic = if p.birth.year() >= 2010 {
        "Bệnh viện Trẻ em Hải Phòng"
    } else if p.permanent.commune_code.starts_with("10") {
        "Bệnh viện Đa khoa tỉnh Hải Dương"
    } else {
        "Bệnh viện Hữu nghị Việt Tiệp"
    };
    Some(InsuredRec {
        card: Some(Card {
            number: format!("{kind}{level}{PROVINCE_CODE}{social_no}"),
            valid_from,
            valid_to,
        }),
        social_no,
        name: p.name.clone(),
        id: p.id.clone(),
        birth: p.birth,
        clinic: Some(clinic.to_owned()),
        unemployment_months: unemployment_months(&periods),
        periods,
    })
}

fn reference(people: &[Person], id: &str) -> Option<PersonRef> {
    people.iter().find(|p| p.id == id).map(Person::reference)
}

/// The business registration database.
fn enterprises(people: &[Person]) -> Vec<Company> {
    #[allow(clippy::type_complexity)]
    let rows: [(
        &str,
        &str,
        Option<&str>,
        &str,
        Ymd,
        u32,
        &str,
        &str,
        Option<u64>,
        &str,
    ); 5] = [
        (
            LACH_TRAY_CODE,
            "Công ty TNHH Thương mại Lạch Tray",
            Some("LACH TRAY TRADING COMPANY LIMITED"),
            "Công ty trách nhiệm hữu hạn một thành viên",
            (2015, 3, 9),
            11341,
            "Số 210 Lạch Tray",
            CITIZEN_A,
            Some(2_000_000_000),
            "Đang hoạt động",
        ),
        (
            LACH_TRAY_BRANCH_CODE,
            "Chi nhánh Công ty TNHH Thương mại Lạch Tray tại Hải Dương",
            None,
            "Chi nhánh",
            (2019, 11, 25),
            10532,
            "Số 56 Nguyễn Lương Bằng",
            "031088005151",
            None,
            "Đang hoạt động",
        ),
        (
            "0202345670",
            "Công ty cổ phần Thủy sản Cát Hải",
            Some("CAT HAI SEAFOOD JOINT STOCK COMPANY"),
            "Công ty cổ phần",
            (2012, 8, 20),
            11914,
            "Số 18 Đường Núi Ngọc",
            "031091008080",
            Some(5_000_000_000),
            "Đang hoạt động",
        ),
        (
            SUSPENDED_CODE,
            "Công ty TNHH Xây dựng và Vận tải Hải An",
            Some("HAI AN CONSTRUCTION AND TRANSPORT COMPANY LIMITED"),
            "Công ty trách nhiệm hữu hạn hai thành viên trở lên",
            (2009, 11, 2),
            11413,
            "Số 245 Lê Hồng Phong",
            "031078003311",
            Some(3_500_000_000),
            "Tạm ngừng kinh doanh",
        ),
        (
            "0204567894",
            "Công ty TNHH Nông sản Gia Lộc",
            None,
            "Công ty trách nhiệm hữu hạn một thành viên",
            (2018, 6, 12),
            10999,
            "Thôn Lê Lợi",
            "031080002222",
            Some(1_200_000_000),
            "Đang hoạt động",
        ),
    ];
    rows.into_iter()
        .filter_map(
            |(code, name, name_en, kind, founded, commune, detail, rep, capital, status)| {
                Some(Company {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    name_en: name_en.map(str::to_owned),
                    kind: kind.to_owned(),
                    founded: ymd(founded),
                    address: Addr::new(commune, detail),
                    representative: reference(people, rep)?,
                    capital,
                    status: status.to_owned(),
                })
            },
        )
        .collect()
}

/// The land database.
fn parcels(people: &[Person]) -> Vec<ParcelRec> {
    const CITY: &str = "Sở Tài nguyên và Môi trường thành phố Hải Phòng";
    const HAI_DUONG: &str = "Sở Tài nguyên và Môi trường tỉnh Hải Dương";
    #[allow(clippy::type_complexity)]
    let rows: [(
        u32,
        &str,
        &str,
        f64,
        &str,
        &str,
        &str,
        &str,
        Ymd,
        &str,
        &[&str],
    ); 7] = [
        (
            11341,
            "12",
            "245",
            72.5,
            "Đất ở tại đô thị",
            "Số 15 Lạch Tray",
            "CS 123456",
            "CS01234",
            (2015, 6, 22),
            CITY,
            &[CITIZEN_A, CITIZEN_B],
        ),
        (
            11311,
            "7",
            "58",
            58.3,
            "Đất ở tại đô thị",
            "Số 8 Hoàng Văn Thụ",
            "BX 204871",
            "CH00873",
            (2008, 3, 14),
            CITY,
            &["031078003311", "031182003030"],
        ),
        (
            11755,
            "21",
            "112",
            300.0,
            "Đất ở tại nông thôn",
            "Thôn Đông Hà",
            "AK 518302",
            "H01562",
            (1998, 9, 5),
            "UBND huyện Tiên Lãng",
            &["031055001010"],
        ),
        (
            11755,
            "24",
            "37",
            1440.0,
            "Đất trồng lúa",
            "Cánh đồng Đông Hà",
            "AK 518303",
            "H01563",
            (1998, 9, 5),
            "UBND huyện Tiên Lãng",
            &["031055001010"],
        ),
        (
            10525,
            "15",
            "406",
            95.0,
            "Đất ở tại đô thị",
            "Số 9 Trần Hưng Đạo",
            "CD 771245",
            "CS05219",
            (2017, 10, 30),
            HAI_DUONG,
            &["031170009753"],
        ),
        (
            10999,
            "9",
            "211",
            210.0,
            "Đất ở tại nông thôn",
            "Thôn Lê Lợi",
            "DA 095318",
            "CS02871",
            (2021, 4, 8),
            HAI_DUONG,
            &["031080002222"],
        ),
        (
            11680,
            "33",
            "89",
            186.4,
            "Đất ở tại nông thôn",
            "Thôn Cổ Trai",
            "CK 640218",
            "CS03392",
            (2018, 7, 19),
            CITY,
            &["031167006060"],
        ),
    ];
    rows.into_iter()
        .map(
            |(
                commune,
                sheet,
                number,
                area,
                land_use,
                detail,
                cert,
                book,
                issued,
                issuer,
                holders,
            )| {
                ParcelRec {
                    code: format!("{commune:05}-{sheet}-{number}"),
                    map_sheet: sheet.to_owned(),
                    number: number.to_owned(),
                    area_m2: area,
                    land_use: land_use.to_owned(),
                    address: Addr::new(commune, detail),
                    certificate_no: cert.to_owned(),
                    register_no: book.to_owned(),
                    issued: ymd(issued),
                    issuer: issuer.to_owned(),
                    holders: holders
                        .iter()
                        .filter_map(|h| reference(people, h))
                        .collect(),
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seeded_ids_are_valid_and_unique() {
        let w = world();
        let ids: HashSet<_> = w.people.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids.len(), w.people.len());
        for p in &w.people {
            let parts = parse_citizen_id(&p.id).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            assert_eq!(parts.gender, p.gender, "{}", p.id);
            assert_eq!(parts.birth_year, p.birth.year(), "{}", p.id);
            assert!(!p.id.ends_with(UNKNOWN_SERIAL));
            assert!(!p.permanent.commune_name.is_empty(), "{}", p.id);
            assert!(!p.hometown.commune_name.is_empty(), "{}", p.id);
        }
        // 25 demo citizens, 5 children, and parents.
        assert!(w.people.len() > 30);
        assert_eq!(w.people.first().unwrap().id, CITIZEN_A);
    }

    #[test]
    fn families_agree() {
        let w = world();
        let a = w.person(CITIZEN_A).unwrap();
        let b = w.person(CITIZEN_B).unwrap();
        assert_eq!(a.spouse.as_ref().unwrap().id.as_deref(), Some(CITIZEN_B));
        assert_eq!(b.spouse.as_ref().unwrap().id.as_deref(), Some(CITIZEN_A));
        for p in &w.people {
            if let Some(s) = &p.spouse
                && let Some(sid) = &s.id
            {
                let spouse = w.person(sid).unwrap();
                assert_ne!(spouse.gender, p.gender);
                assert_eq!(spouse.name, s.name);
                assert_eq!(spouse.spouse.unwrap().id.as_deref(), Some(p.id.as_str()));
            }
            for parent in [&p.father, &p.mother].into_iter().flatten() {
                assert!(parent.birth.unwrap() < p.birth - chrono::Days::new(18 * 365));
                if let Some(pid) = &parent.id {
                    let known = w.people.iter().find(|q| &q.id == pid).unwrap();
                    assert_eq!(known.name, parent.name);
                    assert_eq!(Some(known.birth), parent.birth);
                }
            }
            if let Some(father) = &p.father {
                assert_eq!(
                    father.name.split_whitespace().next(),
                    p.name.split_whitespace().next(),
                    "{}",
                    p.id
                );
            }
        }
        let khoi = w.person(KHOI_ID).unwrap();
        assert_eq!(khoi.name, "Nguyễn Minh Khôi");
        assert_eq!(khoi.father.unwrap().id.as_deref(), Some(CITIZEN_A));
    }

    #[test]
    fn records_name_people_as_population_does() {
        let w = world();
        let same = |r: &PersonRef| {
            let p = w.person(r.id.as_deref().unwrap()).unwrap();
            assert_eq!(p.name, r.name);
            assert_eq!(Some(p.birth), r.birth);
        };
        for b in &w.births {
            same(&b.child);
            assert!(b.registered >= b.child.birth.unwrap());
        }
        for m in &w.marriages {
            same(&m.husband);
            same(&m.wife);
        }
        for e in &w.enterprises {
            same(&e.representative);
        }
        for p in &w.parcels {
            assert!(!p.holders.is_empty());
            p.holders.iter().for_each(same);
        }
        for i in &w.insured {
            let p = w.person(&i.id).unwrap();
            assert_eq!((p.name, p.birth), (i.name.clone(), i.birth));
            assert_eq!(i.social_no.len(), 10);
            assert!(i.social_no.starts_with("31"));
            let card = i.card.as_ref().unwrap();
            assert_eq!(card.number.len(), 15);
            assert!(card.valid_from <= ymd((2026, 1, 1)) || card.number.starts_with("TE"));
        }
        assert_eq!(w.marriages.len(), MARRIAGES.len());
        assert_eq!(w.births.len(), 25 + CHILDREN.len());
        assert_eq!(w.enterprises.len(), 5);
        assert_eq!(w.parcels.len(), 7);
        assert_eq!(w.insured.len(), 23 + CHILDREN.len());
    }

    #[test]
    fn households() {
        let w = world();
        let b = w.residence(CITIZEN_B).unwrap();
        assert_eq!(b.head.id.as_deref(), Some(CITIZEN_A));
        assert_eq!(b.relation, "Vợ");
        assert_eq!(b.temporary.as_ref().unwrap().0.detail, "Số 42 Tô Hiệu");
        let a = w.residence(CITIZEN_A).unwrap();
        assert_eq!(a.relation, "Chủ hộ");
        assert_eq!(a.permanent, b.permanent);
        assert_eq!(a.members.len(), 2);
        let k = w.residence(KHOI_ID).unwrap();
        assert_eq!((k.relation.as_str(), k.permanent), ("Con", a.permanent));
        for p in &w.people {
            let r = w.residence(&p.id).unwrap();
            assert_eq!(r.permanent, p.permanent, "{}", p.id);
            assert_eq!(r.name, p.name);
        }
        let g = w.residence("031179654321").unwrap();
        assert_eq!(g.relation, "Chủ hộ");
        assert!(w.residence("031179000000").is_none());
        assert!(w.person("031179000000").is_none());
    }

    #[test]
    fn tax_codes_have_check_digits() {
        for e in &world().enterprises {
            let digits: Vec<u32> = e
                .code
                .chars()
                .take(10)
                .filter_map(|c| c.to_digit(10))
                .collect();
            assert_eq!(digits.len(), 10);
            let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3];
            let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
            assert_eq!(10 - sum % 11, digits[9], "{}", e.code);
            assert!(e.code.starts_with("02"));
        }
    }

    #[test]
    fn committee_names() {
        assert_eq!(
            people_committee("Phường Ngô Quyền"),
            "UBND phường Ngô Quyền"
        );
        assert_eq!(people_committee("Xã An Lão"), "UBND xã An Lão");
        assert_eq!(people_committee("Đặc khu Cát Hải"), "UBND đặc khu Cát Hải");
    }

    #[test]
    fn unemployment_months_count_from_2009() {
        let p = |from: &str, to: Option<&str>| Period {
            employer: String::new(),
            from: from.into(),
            to: to.map(Into::into),
        };
        assert_eq!(unemployment_months(&[p("2007-09", Some("2009-12"))]), 12);
        assert_eq!(unemployment_months(&[p("2026-01", None)]), 4);
    }
}
