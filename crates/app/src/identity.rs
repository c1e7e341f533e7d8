//! Who is calling: citizens (national IdP via OpenID Connect, or a bearer token), staff (argon2
//! password, or a bearer token). Tokens and session ids are random 256-bit secrets stored only as
//! SHA-256 hashes, so a database leak does not leak credentials.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use chrono::Duration;
use motcua_domain::ids::CitizenId;
use motcua_domain::lifecycle::Role;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{
    api_token, citizen, oidc_login, session, staff, staff_role, staff_totp,
};
use motcua_store::files::sha256_hex;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use rand::RngCore;
use serde::Serialize;

use crate::{App, AppError, ErrorCode};

/// A staff member's role at one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRole {
    pub agency: String,
    pub role: Role,
    pub include_descendants: bool,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Citizen {
        citizen_id: CitizenId,
        full_name: String,
    },
    Staff {
        username: String,
        full_name: String,
        roles: Vec<StaffRole>,
    },
}

impl Principal {
    /// The key used for idempotency records and `created_by`.
    pub fn key(&self) -> String {
        match self {
            Principal::Citizen { citizen_id, .. } => format!("citizen:{citizen_id}"),
            Principal::Staff { username, .. } => format!("staff:{username}"),
        }
    }

    /// How the audit trail names the caller (citizen IDs masked: never log full ID numbers).
    pub fn audit_name(&self) -> String {
        match self {
            Principal::Citizen { citizen_id, .. } => format!("citizen:{}", citizen_id.masked()),
            Principal::Staff { username, .. } => format!("staff:{username}"),
        }
    }
}

/// Identity claims as the IdP vouched for them.
#[derive(Debug, Clone, Default)]
pub struct CitizenClaims {
    pub citizen_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub street: Option<String>,
    pub assurance_level: Option<String>,
}

fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Hashes a password with Argon2id (PHC string). CPU-heavy: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            "internal_error",
            "Lỗi băm mật khẩu.",
            e.to_string(),
        )
    })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                "internal_error",
                "Lỗi băm mật khẩu.",
                e.to_string(),
            )
        })
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// An active staff member as a principal (for work done on their behalf, e.g. their digest).
pub async fn staff_by_username(app: &App, username: &str) -> Result<Option<Principal>, AppError> {
    match staff::Entity::find_by_id(username.to_owned())
        .one(&app.db)
        .await?
    {
        Some(s) if s.active => Ok(Some(staff_principal(app, s).await?)),
        _ => Ok(None),
    }
}

async fn staff_principal(app: &App, s: staff::Model) -> Result<Principal, AppError> {
    let roles = staff_role::Entity::find()
        .filter(staff_role::Column::Username.eq(s.username.clone()))
        .all(&app.reader)
        .await?
        .into_iter()
        .filter_map(|r| {
            // The workflow is the system's own role; a row giving it to a person is ignored.
            Role::parse(&r.role)
                .filter(|role| *role != Role::Workflow)
                .map(|role| StaffRole {
                    agency: r.agency_code,
                    role,
                    include_descendants: r.include_descendants,
                })
        })
        .collect();
    Ok(Principal::Staff {
        username: s.username,
        full_name: s.full_name,
        roles,
    })
}

fn bad_credentials() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "bad_credentials",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    )
}

fn totp_required() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "totp_required",
        "Nhập mã xác thực 6 chữ số từ ứng dụng xác thực của bạn.",
        "Enter the 6-digit code from your authenticator app.",
    )
}

fn totp_invalid() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "totp_invalid",
        "Mã xác thực không đúng hoặc đã dùng.",
        "The authenticator code is wrong or was already used.",
    )
}

/// Password login for staff, with lockout after repeated failures; staff who enrolled a second
/// factor also give the current authenticator code (a wrong code counts as a failed attempt).
pub async fn login_staff(
    app: &App,
    username: &str,
    password: &str,
    totp: Option<&str>,
) -> Result<Principal, AppError> {
    let now = app.now();
    let Some(s) = staff::Entity::find_by_id(username.to_owned())
        .one(&app.db)
        .await?
    else {
        // Spend the same time as a real check so the answer does not reveal which usernames exist.
        let pw = password.to_owned();
        let _ = tokio::task::spawn_blocking(move || verify_password(&pw, dummy_hash())).await;
        return Err(bad_credentials());
    };
    // No hard lock: a lock anyone can trigger with a few requests is a lever against staff, and
    // a distinct "locked" answer tells which usernames exist. The web edge slows failed attempts
    // down instead (growing delays per account and per address).
    let (pw, phc) = (password.to_owned(), s.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
        .await
        .map_err(AppError::internal)?;
    let second = staff_totp::Entity::find_by_id(username.to_owned())
        .one(&app.db)
        .await?;
    let mut second_ok = true;
    let mut accepted_step = None;
    if ok
        && s.active
        && let Some(t) = &second
    {
        let typed = totp.map(str::trim).unwrap_or("");
        if typed.is_empty() {
            // The password was right: ask for the code without counting a failure.
            return Err(totp_required());
        }
        let secret = totp_secret(app, username, &t.secret)?;
        accepted_step = crate::totp::accept(&secret, typed, now.timestamp(), t.last_step);
        second_ok = accepted_step.is_some();
    }
    let txn = app.db.begin().await?;
    let mut am: staff::ActiveModel = s.clone().into();
    if ok && s.active && second_ok {
        if let (Some(t), Some(step)) = (second, accepted_step) {
            // A seed stored before sealing existed is sealed the first time it is used.
            let reseal = (!crate::sealing::is_sealed(&t.secret))
                .then(|| app.sealing.seal(username, t.secret.as_bytes()))
                .transpose()
                .map_err(AppError::internal)?;
            let mut tm: staff_totp::ActiveModel = t.into();
            tm.last_step = Set(step);
            if let Some(sealed) = reseal {
                tm.secret = Set(sealed);
            }
            tm.update(&txn).await?;
        }
        am.failed_logins = Set(0);
        am.locked_until = Set(None);
        am.update(&txn).await?;
        audit::append(
            &txn,
            &AuditRecord {
                at: now,
                actor: format!("staff:{username}"),
                action: "staff.login".into(),
                subject: format!("staff:{username}"),
                data: serde_json::json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        staff_principal(app, s).await
    } else {
        let failed = s.failed_logins + 1;
        am.failed_logins = Set(failed);
        am.update(&txn).await?;
        audit::append(
            &txn,
            &AuditRecord {
                at: now,
                actor: "anonymous".into(),
                action: "staff.login_failed".into(),
                subject: format!("staff:{username}"),
                data: serde_json::json!({ "failed_logins": failed }),
            },
        )
        .await?;
        txn.commit().await?;
        Err(if ok && s.active {
            totp_invalid()
        } else {
            bad_credentials()
        })
    }
}

/// The TOTP key of a stored seed: sealed (see `sealing`), or plain base32 from before sealing.
fn totp_secret(app: &App, username: &str, stored: &str) -> Result<Vec<u8>, AppError> {
    let corrupt = || AppError::internal(motcua_store::StoreError::Corrupt("totp secret".into()));
    let b32 = if crate::sealing::is_sealed(stored) {
        let plain = app.sealing.open(username, stored).ok_or_else(corrupt)?;
        String::from_utf8(plain).map_err(|_| corrupt())?
    } else {
        stored.to_owned()
    };
    crate::totp::base32_decode(&b32).ok_or_else(corrupt)
}

/// Whether this staff member signs in with a second factor.
pub async fn totp_enrolled(app: &App, username: &str) -> Result<bool, AppError> {
    Ok(staff_totp::Entity::find_by_id(username.to_owned())
        .one(&app.db)
        .await?
        .is_some())
}

/// Turns the second factor on once the person proves their app shows the codes of `secret_b32`.
pub async fn enroll_totp(
    app: &App,
    principal: &Principal,
    secret_b32: &str,
    code: &str,
) -> Result<(), AppError> {
    let Principal::Staff { username, .. } = principal else {
        return Err(AppError::forbidden(
            "not_allowed",
            "Chỉ cán bộ, công chức dùng xác thực hai lớp bằng mã.",
            "Only staff use authenticator codes.",
        ));
    };
    let secret = crate::totp::base32_decode(secret_b32)
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_secret",
                "Khóa bí mật không hợp lệ; hãy tải lại trang.",
                "The secret is not valid; reload the page.",
            )
        })?;
    let now = app.now();
    let step =
        crate::totp::accept(&secret, code, now.timestamp(), i64::MIN).ok_or_else(totp_invalid)?;
    let sealed = app
        .sealing
        .seal(username, secret_b32.trim().to_ascii_uppercase().as_bytes())
        .map_err(AppError::internal)?;
    let txn = app.db.begin().await?;
    staff_totp::Entity::delete_by_id(username.clone())
        .exec(&txn)
        .await?;
    staff_totp::ActiveModel {
        username: Set(username.clone()),
        secret: Set(sealed),
        last_step: Set(step),
        enrolled_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: format!("staff:{username}"),
            action: "staff.totp_enrolled".into(),
            subject: format!("staff:{username}"),
            data: serde_json::json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A real Argon2 hash of a random secret, to spend the same time on unknown usernames.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_secret()).unwrap_or_default())
}

/// Records (or refreshes) a citizen from identity claims and returns the principal.
pub async fn upsert_citizen(app: &App, claims: &CitizenClaims) -> Result<Principal, AppError> {
    let id = CitizenId::parse(&claims.citizen_id).map_err(|_| {
        AppError::bad_request(
            "invalid_citizen_id",
            "Số định danh cá nhân không hợp lệ.",
            "Invalid personal identification number.",
        )
    })?;
    let now = app.now();
    // A provider that leaves out an optional claim this time says nothing about it: what we hold
    // from an earlier login stays.
    let keep = |v: &Option<String>| match v {
        Some(v) => Set(Some(v.clone())),
        None => motcua_store::sea_orm::ActiveValue::NotSet,
    };
    let row = citizen::ActiveModel {
        citizen_id: Set(id.to_string()),
        full_name: Set(claims.full_name.clone()),
        birthdate: keep(&claims.birthdate),
        gender: keep(&claims.gender),
        phone: keep(&claims.phone),
        commune_code: keep(&claims.commune_code),
        street: keep(&claims.street),
        assurance_level: keep(&claims.assurance_level),
        updated_at: Set(now),
    };
    let exists = citizen::Entity::find_by_id(id.to_string())
        .one(&app.db)
        .await?
        .is_some();
    if exists {
        row.update(&app.db).await?;
    } else {
        let mut row = row;
        for (slot, value) in [
            (&mut row.birthdate, &claims.birthdate),
            (&mut row.gender, &claims.gender),
            (&mut row.phone, &claims.phone),
            (&mut row.commune_code, &claims.commune_code),
            (&mut row.street, &claims.street),
            (&mut row.assurance_level, &claims.assurance_level),
        ] {
            *slot = Set(value.clone());
        }
        row.insert(&app.db).await?;
    }
    Ok(Principal::Citizen {
        citizen_id: id,
        full_name: claims.full_name.clone(),
    })
}

/// The stored citizen, read on the reader connections (committed state: what every caller wants).
pub async fn find_citizen(app: &App, citizen_id: &str) -> Result<Option<citizen::Model>, AppError> {
    Ok(citizen::Entity::find_by_id(citizen_id.to_owned())
        .one(&app.reader)
        .await?)
}

/// Which kind of principal a token or session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Staff,
    Citizen,
}

impl PrincipalKind {
    fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Staff => "staff",
            PrincipalKind::Citizen => "citizen",
        }
    }
}

/// Who a token or session stands for. Read on the reader connections, as every request that
/// carries credentials asks it: on SQLite the one writer connection is for writes (a committed
/// role change or deactivation is seen by the next read).
async fn load_principal(app: &App, kind: &str, key: &str) -> Result<Option<Principal>, AppError> {
    match kind {
        "staff" => match staff::Entity::find_by_id(key.to_owned())
            .one(&app.reader)
            .await?
        {
            Some(s) if s.active => Ok(Some(staff_principal(app, s).await?)),
            _ => Ok(None),
        },
        "citizen" => Ok(find_citizen(app, key).await?.and_then(|c| {
            CitizenId::parse(&c.citizen_id)
                .ok()
                .map(|id| Principal::Citizen {
                    citizen_id: id,
                    full_name: c.full_name,
                })
        })),
        _ => Ok(None),
    }
}

/// Creates an API bearer token (SPEC §17 `motcua token create`); only its hash is stored.
pub async fn create_token(
    app: &App,
    kind: PrincipalKind,
    principal: &str,
    label: &str,
) -> Result<String, AppError> {
    if load_principal(app, kind.as_str(), principal)
        .await?
        .is_none()
    {
        return Err(AppError::not_found("người dùng", "User"));
    }
    let secret = format!("mc_{}", random_secret());
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    let txn = app.db.begin().await?;
    api_token::ActiveModel {
        id: Set(id.clone()),
        token_hash: Set(sha256_hex(secret.as_bytes())),
        principal_kind: Set(kind.as_str().to_owned()),
        principal: Set(principal.to_owned()),
        label: Set(label.to_owned()),
        created_at: Set(now),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: "cli".into(),
            action: "token.create".into(),
            subject: format!("token:{id}"),
            data: serde_json::json!({ "kind": kind.as_str(), "label": label }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Revokes every token of a principal; returns how many.
pub async fn revoke_tokens(app: &App, principal: &str) -> Result<u64, AppError> {
    let now = app.now();
    let res = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            motcua_store::sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_token::Column::Principal.eq(principal.to_owned()))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&app.db)
        .await?;
    Ok(res.rows_affected)
}

/// The principal behind a bearer token, if the token is known and not revoked.
pub async fn resolve_token(app: &App, secret: &str) -> Result<Option<Principal>, AppError> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(secret.as_bytes())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&app.reader)
        .await?
    else {
        return Ok(None);
    };
    load_principal(app, &t.principal_kind, &t.principal).await
}

/// Browser sessions live in the database so any number of web processes can serve them.
const SESSION_HOURS: i64 = 8;

pub async fn create_session(app: &App, principal: &Principal) -> Result<String, AppError> {
    create_session_with(app, principal, None).await
}

/// A session opened by the national IdP keeps the ID token, to name it when logging out there too.
pub async fn create_session_with(
    app: &App,
    principal: &Principal,
    id_token_hint: Option<&str>,
) -> Result<String, AppError> {
    let (kind, key) = match principal {
        Principal::Citizen { citizen_id, .. } => ("citizen", citizen_id.to_string()),
        Principal::Staff { username, .. } => ("staff", username.clone()),
    };
    let data = match id_token_hint {
        Some(t) => serde_json::json!({ "id_token_hint": t }),
        None => serde_json::json!({}),
    };
    insert_session(app, kind, &key, &data, Duration::hours(SESSION_HOURS)).await
}

/// Stores a new session (only the secret's hash) and returns the secret for the cookie.
async fn insert_session(
    app: &App,
    kind: &str,
    principal: &str,
    data: &serde_json::Value,
    lasts: Duration,
) -> Result<String, AppError> {
    let secret = random_secret();
    let now = app.now();
    session::ActiveModel {
        id: Set(sha256_hex(secret.as_bytes())),
        principal_kind: Set(kind.into()),
        principal: Set(principal.to_owned()),
        data: Set(data.to_string()),
        created_at: Set(now),
        expires_at: Set(now + lasts),
    }
    .insert(&app.db)
    .await?;
    Ok(secret)
}

pub async fn resolve_session(app: &App, secret: &str) -> Result<Option<Principal>, AppError> {
    let Some(s) = session::Entity::find_by_id(sha256_hex(secret.as_bytes()))
        .one(&app.reader)
        .await?
    else {
        return Ok(None);
    };
    if s.expires_at <= app.now() {
        return Ok(None);
    }
    load_principal(app, &s.principal_kind, &s.principal).await
}

/// How long a staff member who must enrol a second factor has to do it after their password.
const ENROLMENT_MINUTES: i64 = 15;

/// A session that can do one thing: enrol the second factor of a staff member who gave the right
/// password where a second factor is required. It resolves to nobody everywhere else.
pub async fn create_enrolment_session(app: &App, username: &str) -> Result<String, AppError> {
    insert_session(
        app,
        "staff_enrolment",
        username,
        &serde_json::json!({}),
        Duration::minutes(ENROLMENT_MINUTES),
    )
    .await
}

/// The staff member an enrolment session is for, while it lasts.
pub async fn enrolment_of(app: &App, secret: &str) -> Result<Option<Principal>, AppError> {
    let Some(s) = session::Entity::find_by_id(sha256_hex(secret.as_bytes()))
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    if s.principal_kind != "staff_enrolment" || s.expires_at <= app.now() {
        return Ok(None);
    }
    load_principal(app, "staff", &s.principal).await
}

/// Ends a session; returns the ID token it was opened with, if any (for the IdP's logout).
pub async fn end_session(app: &App, secret: &str) -> Result<Option<String>, AppError> {
    let id = sha256_hex(secret.as_bytes());
    let hint = session::Entity::find_by_id(id.clone())
        .one(&app.db)
        .await?
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s.data).ok())
        .and_then(|d| d.get("id_token_hint")?.as_str().map(str::to_owned));
    session::Entity::delete_by_id(id).exec(&app.db).await?;
    Ok(hint)
}

/// A citizen login that could not be completed: kept in the audit trail with its reason (never
/// with the code or tokens), so repeated failures are visible to the operator.
pub async fn record_login_failure(app: &App, reason: &str, detail: &str) -> Result<(), AppError> {
    let txn = app.db.begin().await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: app.now(),
            actor: "anonymous".into(),
            action: "citizen.login_failed".into(),
            subject: "oidc".into(),
            data: serde_json::json!({ "reason": reason, "detail": detail.chars().take(300).collect::<String>() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Remembers an OpenID Connect login in flight (state → nonce, PKCE verifier, where to go back).
pub async fn remember_login(
    app: &App,
    state: &str,
    nonce: &str,
    pkce_verifier: &str,
    return_to: &str,
) -> Result<(), AppError> {
    // Attempts nobody finished (a closed tab, an anonymous hit on /auth/login) go when they can
    // no longer be used, so the table stays as small as the logins in flight.
    oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::CreatedAt.lt(app.now() - Duration::minutes(LOGIN_MINUTES)))
        .exec(&app.db)
        .await?;
    oidc_login::ActiveModel {
        state: Set(state.to_owned()),
        nonce: Set(nonce.to_owned()),
        pkce_verifier: Set(pkce_verifier.to_owned()),
        return_to: Set(return_to.to_owned()),
        created_at: Set(app.now()),
    }
    .insert(&app.db)
    .await?;
    Ok(())
}

/// How long a login may stay in flight at the IdP.
const LOGIN_MINUTES: i64 = 10;

/// Takes (once) a login in flight; an unknown, reused or stale state gives `None`.
pub async fn take_login(app: &App, state: &str) -> Result<Option<oidc_login::Model>, AppError> {
    let Some(l) = oidc_login::Entity::find_by_id(state.to_owned())
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    let deleted = oidc_login::Entity::delete_by_id(state.to_owned())
        .exec(&app.db)
        .await?;
    // Single use (a concurrent callback with the same state deletes nothing) and short-lived.
    if deleted.rows_affected != 1 || app.now() - l.created_at > Duration::minutes(LOGIN_MINUTES) {
        return Ok(None);
    }
    Ok(Some(l))
}

/// Whether `username` is an active staff member holding `role` at `agency`.
pub async fn staff_has_role(
    app: &App,
    username: &str,
    agency: &str,
    role: Role,
) -> Result<bool, AppError> {
    staff_has_role_in(&app.db, username, agency, role).await
}

/// [`staff_has_role`] inside the caller's transaction.
pub async fn staff_has_role_in(
    conn: &impl ConnectionTrait,
    username: &str,
    agency: &str,
    role: Role,
) -> Result<bool, AppError> {
    let active = staff::Entity::find_by_id(username.to_owned())
        .one(conn)
        .await?
        .is_some_and(|s| s.active);
    if !active {
        return Ok(false);
    }
    Ok(staff_role::Entity::find()
        .filter(staff_role::Column::Username.eq(username.to_owned()))
        .filter(staff_role::Column::AgencyCode.eq(agency.to_owned()))
        .filter(staff_role::Column::Role.eq(role.as_str()))
        .one(conn)
        .await?
        .is_some())
}
