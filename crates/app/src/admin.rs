//! Agency administration (SPEC §1, admin row): an agency's administrator manages its staff —
//! accounts, roles, deactivation, password resets —, its receiving points and opening hours, and
//! its paperless days (workflow templates are in `workflow`). Every change is audited, and an
//! administrator can neither lock themself out nor touch another agency's staff.

use chrono::Weekday;
use motcua_domain::catalogue::{parse_weekdays, weekdays_text};
use motcua_domain::lifecycle::Role;
use motcua_domain::opening_hours::OpeningHours;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{paperless_day, receiving_point, staff, staff_role, staff_totp};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use crate::identity::{Principal, hash_password};
use crate::{App, AppError, ErrorCode};

/// Roles an agency administrator may give (citizens and the provincial monitor are not staff of
/// an agency in this sense).
pub const ASSIGNABLE: [Role; 5] = [
    Role::Officer,
    Role::Specialist,
    Role::Leader,
    Role::Clerk,
    Role::Admin,
];

/// Shortest password an administrator may set (NIST SP 800-63B recommends at least 8; we ask
/// for more because these accounts act on citizens' data).
pub const MIN_PASSWORD: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct StaffRow {
    pub username: String,
    pub full_name: String,
    pub active: bool,
    pub roles: Vec<Role>,
}

fn not_admin() -> AppError {
    AppError::forbidden(
        "admin_only",
        "Chỉ quản trị viên của cơ quan được quản lý cán bộ.",
        "Only the agency's administrator can manage its staff.",
    )
}

/// The agency the principal administers (`agency` when they are its admin).
pub(crate) fn admin_of(principal: &Principal, agency: &str) -> Result<(), AppError> {
    match principal {
        Principal::Staff { roles, .. }
            if roles
                .iter()
                .any(|r| r.role == Role::Admin && r.agency == agency) =>
        {
            Ok(())
        }
        _ => Err(not_admin()),
    }
}

pub(crate) fn invalid(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::new(ErrorCode::Unprocessable, code, vi, en)
}

/// The agency's staff (anyone holding a role there), by username.
pub async fn list_staff(
    app: &App,
    principal: &Principal,
    agency: &str,
) -> Result<Vec<StaffRow>, AppError> {
    admin_of(principal, agency)?;
    let roles = staff_role::Entity::find()
        .filter(staff_role::Column::AgencyCode.eq(agency.to_owned()))
        .order_by_asc(staff_role::Column::Username)
        .all(&app.db)
        .await?;
    let mut out: Vec<StaffRow> = Vec::new();
    for r in roles {
        let Some(role) = Role::parse(&r.role) else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.username == r.username => last.roles.push(role),
            _ => {
                let Some(s) = staff::Entity::find_by_id(r.username.clone())
                    .one(&app.db)
                    .await?
                else {
                    continue;
                };
                out.push(StaffRow {
                    username: s.username,
                    full_name: s.full_name,
                    active: s.active,
                    roles: vec![role],
                });
            }
        }
    }
    Ok(out)
}

fn check_roles(roles: &[Role]) -> Result<(), AppError> {
    if roles.is_empty() {
        return Err(invalid(
            "roles_required",
            "Chọn ít nhất một vai trò.",
            "Choose at least one role.",
        ));
    }
    if roles.iter().any(|r| !ASSIGNABLE.contains(r)) {
        return Err(invalid(
            "role_not_assignable",
            "Vai trò này không được giao ở cấp cơ quan.",
            "This role cannot be given by an agency administrator.",
        ));
    }
    Ok(())
}

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(
            "password_too_short",
            &format!("Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."),
            &format!("The password needs at least {MIN_PASSWORD} characters."),
        ));
    }
    Ok(())
}

/// A member of this agency's staff (holding a role here), or not found.
async fn member(app: &App, agency: &str, username: &str) -> Result<staff::Model, AppError> {
    let holds = staff_role::Entity::find()
        .filter(staff_role::Column::Username.eq(username.to_owned()))
        .filter(staff_role::Column::AgencyCode.eq(agency.to_owned()))
        .one(&app.db)
        .await?
        .is_some();
    let found = staff::Entity::find_by_id(username.to_owned())
        .one(&app.db)
        .await?;
    match found {
        Some(s) if holds => Ok(s),
        _ => Err(AppError::not_found("cán bộ", "Staff member")),
    }
}

fn record(
    app: &App,
    principal: &Principal,
    action: &str,
    username: &str,
    data: serde_json::Value,
) -> AuditRecord {
    AuditRecord {
        at: app.now(),
        actor: principal.audit_name(),
        action: action.into(),
        subject: format!("staff:{username}"),
        data,
    }
}

/// Creates `<name>@<agency>` with these roles and an initial password.
/// What an administrator types to open an account.
#[derive(Debug, Clone, Copy)]
pub struct NewStaff<'a> {
    pub name: &'a str,
    pub full_name: &'a str,
    /// Position printed above the name on what they sign ("Phó Chủ tịch"); may be empty.
    pub title: &'a str,
    pub roles: &'a [Role],
    pub password: &'a str,
}

pub async fn create_staff(
    app: &App,
    principal: &Principal,
    agency: &str,
    new: NewStaff<'_>,
) -> Result<StaffRow, AppError> {
    let NewStaff {
        name,
        full_name,
        title,
        roles,
        password,
    } = new;
    admin_of(principal, agency)?;
    let title = title.trim();
    if title.chars().count() > 100 {
        return Err(invalid(
            "title_too_long",
            "Chức vụ dài quá 100 ký tự.",
            "The position is longer than 100 characters.",
        ));
    }
    let name = name.trim().to_lowercase();
    if name.is_empty()
        || name.len() > 40
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err(invalid(
            "invalid_username",
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm và gạch ngang.",
            "A username has lowercase ASCII letters, digits, dots and hyphens only.",
        ));
    }
    let full_name = full_name.trim();
    if full_name.is_empty() {
        return Err(invalid(
            "full_name_required",
            "Nhập họ và tên cán bộ.",
            "Enter the staff member's full name.",
        ));
    }
    check_roles(roles)?;
    check_password(password)?;
    let username = format!("{name}@{agency}");
    if staff::Entity::find_by_id(username.clone())
        .one(&app.db)
        .await?
        .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "username_taken",
            "Tên đăng nhập đã có.",
            "This username is taken.",
        ));
    }
    let hash = slow_hash(password).await?;
    let now = app.now();
    let txn = app.db.begin().await?;
    staff::ActiveModel {
        username: Set(username.clone()),
        full_name: Set(full_name.to_owned()),
        title: Set(title.to_owned()),
        password_hash: Set(hash),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    insert_roles(&txn, &username, agency, roles).await?;
    let rec = record(
        app,
        principal,
        "staff.create",
        &username,
        json!({ "agency": agency, "title": title, "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() }),
    );
    audit::append(&txn, &rec).await?;
    txn.commit().await?;
    Ok(StaffRow {
        username,
        full_name: full_name.to_owned(),
        active: true,
        roles: roles.to_vec(),
    })
}

/// Argon2 takes a noticeable moment: off the async workers.
async fn slow_hash(password: &str) -> Result<String, AppError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?
}

async fn insert_roles(
    txn: &motcua_store::sea_orm::DatabaseTransaction,
    username: &str,
    agency: &str,
    roles: &[Role],
) -> Result<(), AppError> {
    for role in roles {
        staff_role::ActiveModel {
            id: Default::default(),
            username: Set(username.to_owned()),
            agency_code: Set(agency.to_owned()),
            role: Set(role.as_str().into()),
            include_descendants: Set(false),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

fn is_self(principal: &Principal, username: &str) -> bool {
    matches!(principal, Principal::Staff { username: u, .. } if u == username)
}

/// Replaces the member's roles at this agency.
pub async fn set_roles(
    app: &App,
    principal: &Principal,
    agency: &str,
    username: &str,
    roles: &[Role],
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    member(app, agency, username).await?;
    check_roles(roles)?;
    if is_self(principal, username) && !roles.contains(&Role::Admin) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "cannot_remove_own_admin",
            "Không thể tự bỏ quyền quản trị của mình.",
            "You cannot remove your own administrator role.",
        ));
    }
    let txn = app.db.begin().await?;
    staff_role::Entity::delete_many()
        .filter(staff_role::Column::Username.eq(username.to_owned()))
        .filter(staff_role::Column::AgencyCode.eq(agency.to_owned()))
        .exec(&txn)
        .await?;
    insert_roles(&txn, username, agency, roles).await?;
    let rec = record(
        app,
        principal,
        "staff.roles",
        username,
        json!({ "agency": agency, "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() }),
    );
    audit::append(&txn, &rec).await?;
    txn.commit().await?;
    Ok(())
}

/// Deactivates (sessions and tokens stop working at once) or reactivates an account.
pub async fn set_active(
    app: &App,
    principal: &Principal,
    agency: &str,
    username: &str,
    active: bool,
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let s = member(app, agency, username).await?;
    if is_self(principal, username) && !active {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "cannot_deactivate_self",
            "Không thể tự khóa tài khoản của mình.",
            "You cannot deactivate your own account.",
        ));
    }
    let txn = app.db.begin().await?;
    let mut am: staff::ActiveModel = s.into();
    am.active = Set(active);
    am.update(&txn).await?;
    let rec = record(
        app,
        principal,
        if active {
            "staff.activate"
        } else {
            "staff.deactivate"
        },
        username,
        json!({ "agency": agency }),
    );
    audit::append(&txn, &rec).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password and clears a lockout.
pub async fn reset_password(
    app: &App,
    principal: &Principal,
    agency: &str,
    username: &str,
    password: &str,
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let s = member(app, agency, username).await?;
    check_password(password)?;
    let hash = slow_hash(password).await?;
    let txn = app.db.begin().await?;
    let mut am: staff::ActiveModel = s.into();
    am.password_hash = Set(hash);
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.update(&txn).await?;
    let rec = record(
        app,
        principal,
        "staff.reset_password",
        username,
        json!({ "agency": agency }),
    );
    audit::append(&txn, &rec).await?;
    txn.commit().await?;
    Ok(())
}

/// Turns off a staff member's two-step sign-in (a lost phone): their next sign-in asks them to
/// enrol an authenticator again (production) or signs them in with the password alone (demo).
pub async fn reset_second_factor(
    app: &App,
    principal: &Principal,
    agency: &str,
    username: &str,
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let s = member(app, agency, username).await?;
    let txn = app.db.begin().await?;
    let removed = staff_totp::Entity::delete_by_id(s.username.clone())
        .exec(&txn)
        .await?
        .rows_affected;
    let rec = record(
        app,
        principal,
        "staff.reset_second_factor",
        username,
        json!({ "agency": agency, "was_enrolled": removed > 0 }),
    );
    audit::append(&txn, &rec).await?;
    txn.commit().await?;
    Ok(())
}

/// A receiving point of the agency, as its administrator edits it.
#[derive(Debug, Clone, Serialize)]
pub struct PointRow {
    pub code: String,
    pub name_vi: String,
    pub address: String,
    /// `T2-T6: 07:30-11:30, 13:00-17:00` (empty if the stored value cannot be read).
    pub opening_hours: String,
}

pub async fn list_points(
    app: &App,
    principal: &Principal,
    agency: &str,
) -> Result<Vec<PointRow>, AppError> {
    admin_of(principal, agency)?;
    Ok(receiving_point::Entity::find()
        .filter(receiving_point::Column::AgencyCode.eq(agency.to_owned()))
        .order_by_asc(receiving_point::Column::Code)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| PointRow {
            opening_hours: OpeningHours::from_json(&p.opening_hours)
                .map(|h| h.to_text())
                .unwrap_or_default(),
            code: p.code,
            name_vi: p.name_vi,
            address: p.address,
        })
        .collect())
}

/// The weekdays on which the agency's receiving points take no walk-in paper dossiers.
pub async fn paperless_days(
    conn: &impl ConnectionTrait,
    agency: &str,
) -> Result<Vec<Weekday>, AppError> {
    Ok(paperless_day::Entity::find_by_id(agency.to_owned())
        .one(conn)
        .await?
        .and_then(|r| parse_weekdays(&r.weekdays))
        .unwrap_or_default())
}

/// Sets the agency's paperless weekdays (empty: none), audited.
pub async fn set_paperless_days(
    app: &App,
    principal: &Principal,
    agency: &str,
    days: &[Weekday],
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let text = weekdays_text(days);
    let txn = app.db.begin().await?;
    paperless_day::Entity::delete_by_id(agency.to_owned())
        .exec(&txn)
        .await?;
    paperless_day::ActiveModel {
        agency_code: Set(agency.to_owned()),
        weekdays: Set(text.clone()),
        updated_by: Set(principal.key()),
        updated_at: Set(app.now()),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: app.now(),
            actor: principal.audit_name(),
            action: "paperless_days.update".into(),
            subject: format!("agency:{agency}"),
            data: json!({ "agency": agency, "weekdays": text }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Renames, re-addresses or changes the opening hours of one of the agency's receiving points.
pub async fn update_point(
    app: &App,
    principal: &Principal,
    agency: &str,
    code: &str,
    name_vi: &str,
    address: &str,
    opening_hours: &str,
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let point = receiving_point::Entity::find_by_id(code.to_owned())
        .one(&app.db)
        .await?
        .filter(|p| p.agency_code == agency)
        .ok_or_else(|| AppError::not_found("điểm tiếp nhận", "Receiving point"))?;
    if name_vi.trim().is_empty() || address.trim().is_empty() {
        return Err(invalid(
            "point_fields_required",
            "Nhập tên và địa chỉ điểm tiếp nhận.",
            "Enter the receiving point's name and address.",
        ));
    }
    let hours = OpeningHours::parse_text(opening_hours).map_err(|e| {
        invalid(
            "invalid_opening_hours",
            &format!("Giờ làm việc: {}", e.message_vi()),
            &format!("Opening hours: {e}."),
        )
    })?;
    let txn = app.db.begin().await?;
    let mut am: receiving_point::ActiveModel = point.into();
    am.name_vi = Set(name_vi.trim().to_owned());
    am.address = Set(address.trim().to_owned());
    am.opening_hours = Set(hours.to_json());
    am.update(&txn).await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: app.now(),
            actor: principal.audit_name(),
            action: "receiving_point.update".into(),
            subject: format!("receiving_point:{code}"),
            data: json!({ "agency": agency, "name": name_vi.trim(), "address": address.trim(), "opening_hours": hours.to_text() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_roles_are_checked_before_anything_is_written() {
        assert!(check_password("short").is_err());
        assert!(
            check_password("mười hai ký tự").is_ok(),
            "counted in characters"
        );
        assert!(check_roles(&[]).is_err());
        assert!(check_roles(&[Role::Monitor]).is_err());
        assert!(check_roles(&[Role::Citizen]).is_err());
        assert!(check_roles(&[Role::Officer, Role::Admin]).is_ok());
    }
}
