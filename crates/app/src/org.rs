//! The organisation model (SPEC §2): administrative units, agencies, receiving points and staff,
//! and the demo organisation of one province.

use std::collections::{HashMap, HashSet};

use motcua_domain::catalogue::{AgencyLevel, Procedure};
use motcua_domain::lifecycle::Role;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{admin_unit, agency, receiving_point, staff, staff_role};
use motcua_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Deserialize;

use crate::{App, AppError};

#[derive(Deserialize)]
struct ProvinceJson {
    name: String,
    code: u32,
    division_type: String,
    wards: Vec<CommuneJson>,
}

#[derive(Deserialize)]
struct CommuneJson {
    name: String,
    code: u32,
    division_type: String,
}

/// Province codes are 2 digits and commune codes 5 digits, zero-padded as in the official list.
pub fn province_code(code: u32) -> String {
    format!("{code:02}")
}

pub fn commune_code(code: u32) -> String {
    format!("{code:05}")
}

/// Loads the 34 provinces and 3,321 communes of the 2025 two-tier local government; idempotent.
pub async fn load_admin_units(app: &App, json: &str) -> Result<usize, AppError> {
    let provinces: Vec<ProvinceJson> = serde_json::from_str(json).map_err(|e| {
        AppError::bad_request(
            "invalid_admin_units",
            format!("Dữ liệu đơn vị hành chính không hợp lệ: {e}"),
            format!("Invalid administrative-unit data: {e}"),
        )
    })?;
    if admin_unit::Entity::find().count(&app.db).await? > 0 {
        return Ok(0);
    }
    let txn = app.db.begin().await?;
    let mut rows = Vec::new();
    for p in &provinces {
        let pc = province_code(p.code);
        rows.push(admin_unit::ActiveModel {
            code: Set(pc.clone()),
            name: Set(p.name.clone()),
            division_type: Set(p.division_type.clone()),
            level: Set("province".into()),
            province_code: Set(pc.clone()),
        });
        for w in &p.wards {
            rows.push(admin_unit::ActiveModel {
                code: Set(commune_code(w.code)),
                name: Set(w.name.clone()),
                division_type: Set(w.division_type.clone()),
                level: Set("commune".into()),
                province_code: Set(pc.clone()),
            });
        }
    }
    let n = rows.len();
    for chunk in rows.chunks(500) {
        admin_unit::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(n)
}

/// Which of `codes` are communes in the loaded administrative units.
pub async fn known_communes(
    conn: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashSet<String>, AppError> {
    if codes.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(admin_unit::Entity::find()
        .filter(admin_unit::Column::Code.is_in(codes.to_vec()))
        .filter(admin_unit::Column::Level.eq("commune"))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect())
}

/// The agency kind that handles a procedure's competent-agency kind in our organisation model.
/// Interconnected groups (liên thông) are led by the commune people's committee (Decree 63/2024).
pub fn agency_kind_for(procedure: &Procedure) -> &str {
    match procedure.competent_agency_kind.as_str() {
        "interagency_commune_pc_police_vss" => "commune_peoples_committee",
        other => other,
    }
}

/// The agencies that offer a procedure: for a commune-level one, every commune's agency of that kind.
pub async fn agencies_for(
    app: &App,
    procedure: &Procedure,
) -> Result<Vec<agency::Model>, AppError> {
    Ok(agency::Entity::find()
        .filter(agency::Column::Kind.eq(agency_kind_for(procedure)))
        .filter(agency::Column::ValidTo.is_null())
        .order_by_asc(agency::Column::Code)
        .all(&app.db)
        .await?)
}

/// The competent agency of a procedure for a person living in `commune`.
pub async fn agency_for_commune(
    conn: &impl ConnectionTrait,
    procedure: &Procedure,
    commune: &str,
) -> Result<Option<agency::Model>, AppError> {
    let mut q = agency::Entity::find()
        .filter(agency::Column::Kind.eq(agency_kind_for(procedure)))
        .filter(agency::Column::ValidTo.is_null());
    match procedure.level {
        AgencyLevel::Commune => {
            q = q.filter(agency::Column::CommuneCode.eq(commune.to_owned()));
        }
        AgencyLevel::Province | AgencyLevel::Ministry => {
            let Some(unit) = admin_unit::Entity::find_by_id(commune.to_owned())
                .one(conn)
                .await?
            else {
                return Ok(None);
            };
            q = q.filter(agency::Column::ProvinceCode.eq(unit.province_code));
        }
    }
    let found = q.all(conn).await?;
    Ok(if found.len() == 1 {
        found.into_iter().next()
    } else {
        None
    })
}

pub async fn find_agency(app: &App, code: &str) -> Result<Option<agency::Model>, AppError> {
    Ok(agency::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await?)
}

pub async fn find_receiving_point(
    app: &App,
    code: &str,
) -> Result<Option<receiving_point::Model>, AppError> {
    Ok(receiving_point::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await?)
}

/// The demo province (SPEC §17): Hải Phòng, the province whose fee resolutions the demo catalogue uses.
pub const DEMO_PROVINCE: u32 = 31;
pub const DEMO_PASSWORD: &str = "demo";

/// Provincial departments of the demo province: (code suffix, kind, Vietnamese name, English name).
const DEPARTMENTS: [(&str, &str, &str, &str); 7] = [
    (
        "01",
        "civil_status_db_manager",
        "Sở Tư pháp",
        "Department of Justice",
    ),
    (
        "02",
        "provincial_police",
        "Công an thành phố",
        "City Police",
    ),
    (
        "03",
        "provincial_police_immigration",
        "Phòng Quản lý xuất nhập cảnh, Công an thành phố",
        "Immigration Division, City Police",
    ),
    (
        "04",
        "provincial_police_traffic",
        "Phòng Cảnh sát giao thông, Công an thành phố",
        "Traffic Police Division, City Police",
    ),
    (
        "05",
        "provincial_land_registration_office",
        "Văn phòng Đăng ký đất đai",
        "Land Registration Office",
    ),
    (
        "06",
        "social_insurance_office",
        "Bảo hiểm xã hội thành phố",
        "City Social Insurance",
    ),
    (
        "07",
        "provincial_employment_service_centre",
        "Trung tâm Dịch vụ việc làm",
        "Employment Service Centre",
    ),
];

/// Opening hours of a one-stop desk (Mon–Fri, the working hours of the calendar).
const OPENING_HOURS: &str = r#"{"mon-fri":[["07:30","11:30"],["13:00","17:00"]]}"#;

/// Summary of what the demo seeding created.
#[derive(Debug, Default, Clone)]
pub struct DemoSummary {
    pub agencies: usize,
    pub receiving_points: usize,
    pub staff: usize,
}

/// Seeds the demo organisation into an empty database: the province's people's committee, its
/// departments, every commune's people's committee and police, one one-stop desk per commune plus
/// the provincial PASC, and staff `officer@…`, `specialist@…`, `leader@…`, `clerk@…`, `admin@…` per
/// agency, `digital_team@…` per commune and `monitor@H31`, all with password `demo`. Does nothing if
/// agencies exist.
pub async fn seed_demo_org(app: &App) -> Result<DemoSummary, AppError> {
    if agency::Entity::find().count(&app.db).await? > 0 {
        return Ok(DemoSummary::default());
    }
    let pc = province_code(DEMO_PROVINCE);
    let province = admin_unit::Entity::find_by_id(pc.clone())
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("tỉnh demo", "Demo province"))?;
    let communes = admin_unit::Entity::find()
        .filter(admin_unit::Column::ProvinceCode.eq(pc.clone()))
        .filter(admin_unit::Column::Level.eq("commune"))
        .order_by_asc(admin_unit::Column::Code)
        .all(&app.db)
        .await?;
    // One hash for every demo account: hashing a thousand passwords would slow the first start for
    // nothing, and these accounts exist only in the demo profile.
    let hash = tokio::task::spawn_blocking(|| crate::identity::hash_password(DEMO_PASSWORD))
        .await
        .map_err(AppError::internal)??;
    let root = format!("H{pc}");
    let mut agencies = vec![agency::ActiveModel {
        code: Set(root.clone()),
        name_vi: Set(format!("Ủy ban nhân dân {}", province.name)),
        name_en: Set(format!("People's Committee of {}", province.name)),
        kind: Set("provincial_peoples_committee".into()),
        level: Set("province".into()),
        parent_code: Set(None),
        province_code: Set(pc.clone()),
        commune_code: Set(None),
        valid_from: Set(Some("2025-07-01".into())),
        valid_to: Set(None),
        successor_code: Set(None),
    }];
    for (suffix, kind, vi, en) in DEPARTMENTS {
        agencies.push(agency::ActiveModel {
            code: Set(format!("{root}.{suffix}")),
            name_vi: Set(format!(
                "{vi} {}",
                province
                    .name
                    .trim_start_matches("Thành phố ")
                    .trim_start_matches("Tỉnh ")
            )),
            name_en: Set(en.to_owned()),
            kind: Set(kind.to_owned()),
            level: Set("province".into()),
            parent_code: Set(Some(root.clone())),
            province_code: Set(pc.clone()),
            commune_code: Set(None),
            valid_from: Set(Some("2025-07-01".into())),
            valid_to: Set(None),
            successor_code: Set(None),
        });
    }
    let mut points = vec![receiving_point::ActiveModel {
        code: Set(format!("{root}.TTHCC")),
        agency_code: Set(root.clone()),
        name_vi: Set(format!(
            "Trung tâm Phục vụ hành chính công {}",
            province.name
        )),
        name_en: Set(format!(
            "Public Administrative Service Centre of {}",
            province.name
        )),
        address: Set(province.name.clone()),
        opening_hours: Set(OPENING_HOURS.into()),
    }];
    for c in &communes {
        let code = format!("{root}.{}", c.code);
        agencies.push(agency::ActiveModel {
            code: Set(code.clone()),
            name_vi: Set(format!("Ủy ban nhân dân {}", c.name)),
            name_en: Set(format!("People's Committee of {}", c.name)),
            kind: Set("commune_peoples_committee".into()),
            level: Set("commune".into()),
            parent_code: Set(Some(root.clone())),
            province_code: Set(pc.clone()),
            commune_code: Set(Some(c.code.clone())),
            valid_from: Set(Some("2025-07-01".into())),
            valid_to: Set(None),
            successor_code: Set(None),
        });
        agencies.push(agency::ActiveModel {
            code: Set(format!("{code}.CA")),
            name_vi: Set(format!("Công an {}", c.name)),
            name_en: Set(format!("Police of {}", c.name)),
            kind: Set("commune_police".into()),
            level: Set("commune".into()),
            parent_code: Set(Some(format!("{root}.02"))),
            province_code: Set(pc.clone()),
            commune_code: Set(Some(c.code.clone())),
            valid_from: Set(Some("2025-07-01".into())),
            valid_to: Set(None),
            successor_code: Set(None),
        });
        points.push(receiving_point::ActiveModel {
            code: Set(format!("{code}.MC")),
            agency_code: Set(code.clone()),
            name_vi: Set(format!("Bộ phận Một cửa {}", c.name)),
            name_en: Set(format!("One-stop desk of {}", c.name)),
            address: Set(format!("{}, {}", c.name, province.name)),
            opening_hours: Set(OPENING_HOURS.into()),
        });
    }
    let now = app.now();
    let mut staff_rows = Vec::new();
    let mut role_rows = Vec::new();
    for a in &agencies {
        let code = match &a.code {
            motcua_store::sea_orm::ActiveValue::Set(c) => c.clone(),
            _ => continue,
        };
        let commune = matches!(&a.kind, motcua_store::sea_orm::ActiveValue::Set(k) if k == "commune_peoples_committee");
        let mut roles = vec![
            Role::Officer,
            Role::Specialist,
            Role::Leader,
            Role::Clerk,
            Role::Admin,
        ];
        // Each commune's community digital team helps people apply at home (Project 06).
        if commune {
            roles.push(Role::DigitalTeam);
        }
        let kind = match &a.kind {
            motcua_store::sea_orm::ActiveValue::Set(k) => k.clone(),
            _ => String::new(),
        };
        for role in roles {
            let username = format!("{}@{code}", role.as_str());
            staff_rows.push(staff::ActiveModel {
                username: Set(username.clone()),
                full_name: Set(demo_person_name(&username)),
                title: Set(demo_title(role, &kind).to_owned()),
                password_hash: Set(hash.clone()),
                active: Set(true),
                failed_logins: Set(0),
                locked_until: Set(None),
                created_at: Set(now),
            });
            role_rows.push(staff_role::ActiveModel {
                id: Default::default(),
                username: Set(username),
                agency_code: Set(code.clone()),
                role: Set(role.as_str().into()),
                include_descendants: Set(false),
            });
        }
    }
    let monitor = format!("monitor@{root}");
    staff_rows.push(staff::ActiveModel {
        username: Set(monitor.clone()),
        full_name: Set(demo_person_name(&monitor)),
        title: Set(String::new()),
        password_hash: Set(hash.clone()),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
    });
    role_rows.push(staff_role::ActiveModel {
        id: Default::default(),
        username: Set(monitor),
        agency_code: Set(root.clone()),
        role: Set(Role::Monitor.as_str().into()),
        include_descendants: Set(true),
    });
    let summary = DemoSummary {
        agencies: agencies.len(),
        receiving_points: points.len(),
        staff: staff_rows.len(),
    };
    let txn = app.db.begin().await?;
    for chunk in agencies.chunks(200) {
        agency::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in points.chunks(200) {
        receiving_point::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in staff_rows.chunks(200) {
        staff::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in role_rows.chunks(200) {
        staff_role::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: "system".into(),
            action: "org.seed_demo".into(),
            subject: format!("agency:{root}"),
            data: serde_json::json!({
                "agencies": summary.agencies,
                "receiving_points": summary.receiving_points,
                "staff": summary.staff,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(summary)
}

/// The full names of staff accounts, for screens that show people rather than accounts. Unknown
/// usernames are left out.
pub async fn staff_names(
    db: &impl motcua_store::sea_orm::ConnectionTrait,
    usernames: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, String>, AppError> {
    // Each account asked once, however often the caller met it.
    let usernames: std::collections::BTreeSet<String> = usernames.into_iter().collect();
    if usernames.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(staff::Entity::find()
        .filter(staff::Column::Username.is_in(usernames))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.username, s.full_name))
        .collect())
}

/// A Vietnamese person's name for a demo account, the same for the same username: screens show
/// people by name ("Trần Thị Hoa"), never by account (`specialist@…`), so the demo must have names.
pub fn demo_person_name(username: &str) -> String {
    const FAMILY: [&str; 14] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
        "Ngô", "Dương",
    ];
    // Middle and given names that go together: "Văn" is a man's middle name, "Thị" a woman's.
    const MEN: ([&str; 4], [&str; 12]) = (
        ["Văn", "Đức", "Minh", "Quang"],
        [
            "An", "Bình", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong", "Quân", "Sơn",
            "Tuấn",
        ],
    );
    const WOMEN: ([&str; 4], [&str; 12]) = (
        ["Thị", "Thu", "Ngọc", "Thanh"],
        [
            "Chi", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Thảo",
            "Trang",
        ],
    );
    // FNV-1a: stable across builds and platforms (unlike the standard library's hasher).
    let h = username.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let pick = |list: &[&'static str], shift: u32| {
        let n = list.len() as u64;
        list[usize::try_from((h >> shift) % n).unwrap_or(0)]
    };
    let (middle, given) = if h >> 48 & 1 == 0 { MEN } else { WOMEN };
    format!(
        "{} {} {}",
        pick(&FAMILY, 0),
        pick(&middle, 16),
        pick(&given, 32)
    )
}

/// A one-stop desk as the public contact page shows it.
#[derive(Debug, Clone)]
pub struct PublicPoint {
    pub name_vi: String,
    pub name_en: String,
    pub agency_vi: String,
    pub agency_en: String,
    pub address: String,
    pub hours: Option<motcua_domain::opening_hours::OpeningHours>,
    /// Provincial desks (the public administrative service centre) come first.
    pub provincial: bool,
}

/// Every receiving point with its agency, provincial desks first, then by name. A few thousand at
/// national scale (one per commune), read from the reader pool.
pub async fn public_points(app: &App) -> Result<Vec<PublicPoint>, AppError> {
    let points = receiving_point::Entity::find()
        .order_by_asc(receiving_point::Column::Code)
        .all(&app.reader)
        .await?;
    let agencies: HashMap<String, agency::Model> = agency::Entity::find()
        .all(&app.reader)
        .await?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let mut out: Vec<PublicPoint> = points
        .into_iter()
        .map(|p| {
            let agency = agencies.get(&p.agency_code);
            PublicPoint {
                provincial: agency.is_some_and(|a| a.commune_code.is_none()),
                agency_vi: agency.map(|a| a.name_vi.clone()).unwrap_or_default(),
                agency_en: agency.map(|a| a.name_en.clone()).unwrap_or_default(),
                hours: motcua_domain::opening_hours::OpeningHours::from_json(&p.opening_hours).ok(),
                name_vi: p.name_vi,
                name_en: p.name_en,
                address: p.address,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.provincial
            .cmp(&a.provincial)
            .then(a.name_vi.cmp(&b.name_vi))
    });
    Ok(out)
}

/// The position a demo leader signs with: the deputy who signs day-to-day results (a commune
/// people's committee's vice-chairman, a police chief's deputy, a department's deputy director).
fn demo_title(role: Role, agency_kind: &str) -> &'static str {
    if role != Role::Leader {
        return "";
    }
    match agency_kind {
        "commune_peoples_committee" | "provincial_peoples_committee" => "Phó Chủ tịch",
        "commune_police" => "Phó Trưởng Công an",
        k if k.starts_with("provincial_police") => "Phó Trưởng phòng",
        _ => "Phó Giám đốc",
    }
}

/// The provinces, by name.
pub async fn provinces(app: &App) -> Result<Vec<admin_unit::Model>, AppError> {
    Ok(admin_unit::Entity::find()
        .filter(admin_unit::Column::Level.eq("province"))
        .order_by_asc(admin_unit::Column::Name)
        .all(&app.db)
        .await?)
}

/// The communes of a province, by name (the address picker's second step).
pub async fn communes_of(app: &App, province: &str) -> Result<Vec<admin_unit::Model>, AppError> {
    Ok(admin_unit::Entity::find()
        .filter(admin_unit::Column::ProvinceCode.eq(province.to_owned()))
        .filter(admin_unit::Column::Level.eq("commune"))
        .order_by_asc(admin_unit::Column::Name)
        .all(&app.db)
        .await?)
}

pub async fn admin_unit(app: &App, code: &str) -> Result<Option<admin_unit::Model>, AppError> {
    Ok(admin_unit::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::demo_person_name;

    #[test]
    fn demo_accounts_get_stable_varied_person_names() {
        let roles = [
            "officer",
            "specialist",
            "leader",
            "clerk",
            "admin",
            "digital_team",
        ];
        let names: Vec<String> = roles
            .iter()
            .map(|r| demo_person_name(&format!("{r}@H31.11341")))
            .collect();
        for (r, n) in roles.iter().zip(&names) {
            assert_eq!(n, &demo_person_name(&format!("{r}@H31.11341")), "stable");
            assert_eq!(n.split(' ').count(), 3, "{n}");
            assert!(!n.contains('@') && !n.contains("H31"), "{n}");
        }
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        assert!(
            distinct.len() >= 4,
            "one agency's staff are different people: {names:?}"
        );
    }
}
