//! Assisted submission (issue 15 item 6): a member of the commune's community digital team starts
//! an online application for a citizen at their home. The citizen consents with a one-time code
//! sent by SMS to the phone the state holds for them (`domain::consent`); the draft is then the
//! citizen's own — in their account, in their name — with the helper recorded, and the helper may
//! fill it in and submit it, and sees nothing of it afterwards (`authz::Access::Assistant`).

use chrono::{DateTime, Utc};
use motcua_domain::consent;
use motcua_domain::ids::CitizenId;
use motcua_domain::lifecycle::Role;
use motcua_store::entities::assisted_consent;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dossiers::{CreateDossier, Outcome};
use crate::identity::Principal;
use crate::messaging::{self, Channel, NewMessage};
use crate::{App, AppError, ErrorCode, catalogue, dossiers};

/// A code on its way to the citizen.
#[derive(Debug, Clone, Serialize)]
pub struct Requested {
    pub id: String,
    /// The phone it went to, masked.
    pub sent_to: String,
    pub citizen_name: String,
    pub procedure_name: String,
    pub expires_at: DateTime<Utc>,
}

/// The helper's commune, if they are on its community digital team.
fn team_agency(helper: &Principal) -> Result<(String, String, String), AppError> {
    match helper {
        Principal::Staff {
            username,
            full_name,
            roles,
        } => roles
            .iter()
            .find(|r| r.role == Role::DigitalTeam)
            .map(|r| (username.clone(), full_name.clone(), r.agency.clone()))
            .ok_or_else(not_on_team),
        Principal::Citizen { .. } => Err(not_on_team()),
    }
}

fn not_on_team() -> AppError {
    AppError::forbidden(
        "digital_team_only",
        "Chỉ thành viên tổ công nghệ số cộng đồng được nộp hồ sơ hỗ trợ người dân.",
        "Only members of a community digital team apply on people's behalf.",
    )
}

fn code_hash(id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{id}:{}", code.trim())))
}

/// Sends the citizen a one-time code asking their consent to `helper` applying for `procedure`
/// for them. The phone is the one the state holds (their digital identity's), never one typed by
/// the helper. Reading it is in the citizen's access log.
pub async fn request(
    app: &App,
    helper: &Principal,
    citizen_id: &str,
    procedure: &str,
) -> Result<Requested, AppError> {
    let (username, helper_name, agency) = team_agency(helper)?;
    let citizen_id = CitizenId::parse(citizen_id.trim()).map_err(|_| {
        AppError::new(
            ErrorCode::Unprocessable,
            "invalid_citizen_id",
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            "A citizen ID has exactly 12 digits.",
        )
    })?;
    let proc = catalogue::current(app, procedure.trim())
        .await?
        .filter(|p| p.online_level.as_str() != "none")
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unprocessable,
                "unknown_procedure",
                "Không có thủ tục trực tuyến với mã này trong danh mục.",
                "There is no online procedure with this code in the catalogue.",
            )
        })?;
    let person = crate::identity::find_citizen(app, citizen_id.as_str()).await?;
    let Some((person, phone)) = person.and_then(|p| p.phone.clone().map(|ph| (p, ph))) else {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "no_registered_phone",
            "Hệ thống chưa có số điện thoại của người dân này. Hãy hướng dẫn họ đăng nhập bằng tài khoản định danh điện tử (VNeID) một lần rồi thử lại.",
            "The system has no phone for this person. Help them sign in once with their digital identity (VNeID), then try again.",
        ));
    };
    let sent_lately = assisted_consent::Entity::find()
        .filter(assisted_consent::Column::CitizenId.eq(citizen_id.as_str()))
        .filter(assisted_consent::Column::RequestedAt.gt(app.now() - chrono::TimeDelta::hours(1)))
        .count(&app.db)
        .await?;
    if sent_lately >= consent::MAX_REQUESTS_PER_HOUR {
        return Err(AppError::new(
            ErrorCode::TooManyRequests,
            "consent_requests_exhausted",
            "Người dân này đã nhận đủ số mã xác nhận trong một giờ; hãy thử lại sau.",
            "This person has been sent as many codes as allowed in an hour; try again later.",
        ));
    }
    let code = {
        use rand::Rng;
        format!("{:06}", rand::rng().random_range(0..1_000_000u32))
    };
    let id = uuid::Uuid::now_v7().to_string();
    let now = app.now();
    let sent_to = messaging::mask(&phone);
    let txn = app.db.begin().await?;
    assisted_consent::ActiveModel {
        id: Set(id.clone()),
        citizen_id: Set(citizen_id.to_string()),
        helper: Set(username),
        agency: Set(agency),
        procedure_code: Set(proc.code.as_str().to_owned()),
        code_hash: Set(code_hash(&id, &code)),
        sent_to: Set(sent_to.clone()),
        attempts: Set(0),
        requested_at: Set(now),
        consented_at: Set(None),
        dossier_code: Set(None),
    }
    .insert(&txn)
    .await?;
    messaging::queue(
        &txn,
        &messaging::message_id(&format!("assist.consent:{id}"), Channel::Sms),
        NewMessage {
            subject: citizen_id.to_string(),
            event: "assist.consent".into(),
            channel: Channel::Sms,
            recipient: phone,
            lang: "vi".into(),
            title: None,
            body: consent::sms_text(&code, &helper_name, &proc.name_vi),
        },
        now,
    )
    .await?;
    crate::access_log::record(
        &txn,
        citizen_id.as_str(),
        helper,
        "assist.request",
        None,
        true,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Requested {
        id,
        sent_to,
        citizen_name: person.full_name,
        procedure_name: proc.name_vi.clone(),
        expires_at: now + consent::VALID_FOR,
    })
}

/// A pending request of this helper.
pub async fn pending(
    app: &App,
    helper: &Principal,
    id: &str,
) -> Result<assisted_consent::Model, AppError> {
    let (username, _, _) = team_agency(helper)?;
    assisted_consent::Entity::find_by_id(id.to_owned())
        .one(&app.db)
        .await?
        .filter(|c| c.helper == username)
        .ok_or_else(|| AppError::not_found("yêu cầu xác nhận", "consent request"))
}

/// Takes the code the citizen read out: with their consent, starts the draft in their name and
/// account, marked as assisted by the helper (audited). Returns the draft's code. Wrong codes
/// count towards the limit; a used, expired or locked request is refused.
pub async fn confirm(
    app: &App,
    helper: &Principal,
    id: &str,
    code: &str,
) -> Result<String, AppError> {
    let c = pending(app, helper, id).await?;
    let now = app.now();
    let matches = code_hash(&c.id, code) == c.code_hash;
    let attempts = u32::try_from(c.attempts).unwrap_or(u32::MAX);
    if let Err(refusal) = consent::check(
        now,
        c.requested_at,
        attempts,
        c.consented_at.is_some(),
        matches,
    ) {
        if refusal == consent::Refusal::WrongCode {
            let mut am = c.clone().into_active_model();
            am.attempts = Set(c.attempts.saturating_add(1));
            am.update(&app.db).await?;
        }
        let kind = match refusal {
            consent::Refusal::Used => ErrorCode::Conflict,
            _ => ErrorCode::Unprocessable,
        };
        return Err(AppError::new(
            kind,
            refusal.code(),
            refusal.message_vi(),
            refusal.message_en(),
        ));
    }
    let person = crate::identity::find_citizen(app, &c.citizen_id)
        .await?
        .ok_or_else(|| AppError::not_found("công dân", "citizen"))?;
    let citizen = Principal::Citizen {
        citizen_id: CitizenId::parse(&c.citizen_id).map_err(AppError::internal)?,
        full_name: person.full_name,
    };
    // The draft is the citizen's (their consent is the act); one per consent, whatever retries.
    let input = CreateDossier {
        procedure: c.procedure_code.clone(),
        channel: motcua_domain::catalogue::Channel::Online,
        applicant: None,
        receiving_point: None,
        agency: None,
        on_behalf_of: None,
    };
    let raw = serde_json::json!({ "procedure": c.procedure_code });
    let outcome = dossiers::create(
        app,
        &citizen,
        input,
        &raw,
        Some(&format!("assist:{}", c.id)),
    )
    .await?;
    let draft = match outcome {
        Outcome::Fresh(v) => v.code,
        Outcome::Replay(r) => r
            .body
            .get("code")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    let (username, _, _) = team_agency(helper)?;
    let txn = app.db.begin().await?;
    let row = dossiers::load_for_update(&txn, &draft).await?;
    let mut am = row.clone().into_active_model();
    am.assisted_by = Set(Some(username));
    let row = am.update(&txn).await?;
    let mut cam = c.clone().into_active_model();
    cam.consented_at = Set(Some(now));
    cam.dossier_code = Set(Some(draft.clone()));
    cam.update(&txn).await?;
    dossiers::record_assist(
        &txn,
        &row,
        helper,
        now,
        serde_json::json!({ "consent": c.id, "method": "otp", "sent_to": c.sent_to }),
    )
    .await?;
    txn.commit().await?;
    // Once-only for the assisted too: what the national databases hold is filed for them.
    if let Err(e) = crate::reuse::obtain_components(app, &citizen, &draft).await {
        tracing::warn!(error = %e, "could not obtain components from the national databases");
    }
    Ok(draft)
}
