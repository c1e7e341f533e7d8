//! Dossier use cases: create a draft, fill the form, attach files, submit, act, read, list, track.
//!
//! Each mutating use case is one transaction that writes the dossier row, a progress entry and an
//! audit entry together; a failed check returns before anything is written.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use motcua_domain::catalogue::{Channel, OnlineLevel, Procedure};
use motcua_domain::ids::{AgencyCode, CitizenId, DossierCode};
use motcua_domain::lifecycle::{self, Command, DossierState, Role, Status};
use motcua_store::audit::{self, AuditRecord};
use motcua_store::counters::next_sequence;
use motcua_store::entities::{
    agency, attachment, document, dossier, idempotency_key, progress_entry,
};
use motcua_store::filecheck::{self, OtherFormat, Refusal};
use motcua_store::files::{sha256_hex, sniff_mime};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::authz::{self, Access};
use crate::identity::Principal;
use crate::views::*;
use crate::{App, AppError, ErrorCode, catalogue, org};

/// The applicant as given by an officer at the counter (online, the citizen is the login).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ApplicantInput {
    pub citizen_id: String,
    pub full_name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<AddressInput>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct AddressInput {
    pub commune: String,
    #[serde(default)]
    pub street: String,
}

/// Body of `POST /api/v1/dossiers` (SPEC §17).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDossier {
    pub procedure: String,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
    #[serde(default)]
    pub receiving_point: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    /// The enterprise code, when the signed-in citizen applies as its legal representative.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
}

fn default_channel() -> Channel {
    Channel::Online
}

/// A stored reply to replay for a repeated `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub status: u16,
    pub body: Value,
}

/// What a create/submit returns: a fresh result or the replay of an earlier one.
pub enum Outcome {
    Fresh(Box<DossierView>),
    Replay(Replayed),
}

fn request_hash(v: &Value) -> String {
    hex::encode(Sha256::digest(v.to_string().as_bytes()))
}

async fn idempotent_lookup(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    key: &str,
    scope: &str,
    hash: &str,
) -> Result<Option<Replayed>, AppError> {
    let found =
        idempotency_key::Entity::find_by_id((principal.key(), key.to_owned(), scope.to_owned()))
            .one(conn)
            .await?;
    match found {
        None => Ok(None),
        Some(r) if r.request_hash == hash => Ok(Some(Replayed {
            status: u16::try_from(r.status_code).unwrap_or(200),
            body: motcua_store::from_json("idempotency_keys.response", &r.response)?,
        })),
        Some(_) => Err(AppError::new(
            ErrorCode::Unprocessable,
            "idempotency_key_reused",
            "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.",
            "This Idempotency-Key was already used with a different request body.",
        )),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename the arguments"
)]
async fn idempotent_store(
    txn: &DatabaseTransaction,
    principal: &Principal,
    key: &str,
    scope: &str,
    hash: &str,
    status: u16,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    idempotency_key::ActiveModel {
        principal: Set(principal.key()),
        idem_key: Set(key.to_owned()),
        scope: Set(scope.to_owned()),
        request_hash: Set(hash.to_owned()),
        status_code: Set(i32::from(status)),
        response: Set(body.to_string()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn validate_idempotency_key(key: &str) -> Result<(), AppError> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key phải gồm 1–200 ký tự ASCII in được.",
            "Idempotency-Key must be 1-200 printable ASCII characters.",
        ));
    }
    Ok(())
}

fn draft_ref() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("NHAP-{tail}")
}

pub(crate) fn state_of(row: &dossier::Model) -> Result<DossierState, AppError> {
    Ok(motcua_store::from_json(
        "dossiers.lifecycle",
        &row.lifecycle,
    )?)
}

async fn load(conn: &impl ConnectionTrait, code: &str) -> Result<Option<dossier::Model>, AppError> {
    Ok(dossier::Entity::find()
        .filter(
            Condition::any()
                .add(dossier::Column::Code.eq(code.to_owned()))
                .add(dossier::Column::DraftRef.eq(code.to_owned())),
        )
        .one(conn)
        .await?)
}

fn not_found() -> AppError {
    AppError::not_found("hồ sơ", "Dossier")
}

/// Loads a dossier the principal may see; anything else is "not found".
pub(crate) async fn load_visible(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    code: &str,
) -> Result<(dossier::Model, DossierState, Access), AppError> {
    let row = load(conn, code).await?.ok_or_else(not_found)?;
    let state = state_of(&row)?;
    let access = authz::access(principal, &row, &state);
    if !access.visible() {
        return Err(not_found());
    }
    Ok((row, state, access))
}

/// The dossier row by code or draft reference, for a use case that changes it in `txn`.
pub(crate) async fn load_for_update(
    txn: &DatabaseTransaction,
    code: &str,
) -> Result<dossier::Model, AppError> {
    load(txn, code).await?.ok_or_else(not_found)
}

/// Records that a community digital team member took up the citizen's draft with their consent.
pub(crate) async fn record_assist(
    txn: &DatabaseTransaction,
    row: &dossier::Model,
    helper: &Principal,
    now: DateTime<Utc>,
    consent: Value,
) -> Result<(), AppError> {
    record(
        txn,
        row,
        helper,
        "assist",
        Status::Draft,
        Status::Draft,
        None,
        now,
        Some(consent),
    )
    .await
}

fn unknown_procedure(code: &str) -> AppError {
    AppError::new(
        ErrorCode::Unprocessable,
        "unknown_procedure",
        format!("Không có thủ tục mã {code} trong danh mục."),
        format!("There is no procedure {code} in the catalogue."),
    )
}

/// Creates a draft (status 0). Citizens create online drafts for themselves; officers create counter
/// and postal drafts at a receiving point for a walk-in applicant.
pub async fn create(
    app: &App,
    principal: &Principal,
    input: CreateDossier,
    raw_body: &Value,
    idempotency_key: Option<&str>,
) -> Result<Outcome, AppError> {
    let hash = request_hash(raw_body);
    if let Some(key) = idempotency_key {
        validate_idempotency_key(key)?;
        if let Some(r) = idempotent_lookup(&app.db, principal, key, "create", &hash).await? {
            return Ok(Outcome::Replay(r));
        }
    }
    let procedure = catalogue::current(app, input.procedure.trim())
        .await?
        .ok_or_else(|| unknown_procedure(input.procedure.trim()))?;
    let on_behalf_of = match input.on_behalf_of.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) if !procedure.admits_enterprises() => {
            return Err(AppError::new(
                ErrorCode::Unprocessable,
                "enterprise_not_admitted",
                "Thủ tục này chỉ dành cho cá nhân; doanh nghiệp không nộp được.",
                "Only individuals apply for this procedure, not enterprises.",
            ));
        }
        Some(code) => {
            Some(crate::enterprise::verify(app, principal, code, "apply.enterprise").await?)
        }
    };
    let (mut applicant, applicant_commune) = match principal {
        Principal::Citizen {
            citizen_id,
            full_name,
        } => {
            if input.channel != Channel::Online {
                return Err(AppError::forbidden(
                    "channel_not_allowed",
                    "Công dân chỉ nộp hồ sơ trực tuyến; hồ sơ trực tiếp do công chức một cửa nhập.",
                    "Citizens apply online; counter and postal dossiers are entered by an officer.",
                ));
            }
            let stored = crate::identity::find_citizen(app, citizen_id.as_str()).await?;
            let commune = stored.as_ref().and_then(|c| c.commune_code.clone());
            let applicant = serde_json::json!({
                "citizen_id": citizen_id.as_str(),
                "full_name": full_name,
                "phone": stored.as_ref().and_then(|c| c.phone.clone()),
                "address": stored.as_ref().map(|c| serde_json::json!({
                    "commune": c.commune_code, "street": c.street })),
            });
            (applicant, commune)
        }
        Principal::Staff { .. } => {
            if input.channel == Channel::Online {
                return Err(AppError::forbidden(
                    "channel_not_allowed",
                    "Hồ sơ trực tuyến do công dân tự nộp.",
                    "Online dossiers are submitted by the applicant.",
                ));
            }
            let a = input.applicant.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unprocessable,
                    "applicant_required",
                    "Cần nhập thông tin người nộp (số định danh, họ tên).",
                    "Enter the applicant (citizen ID and full name).",
                )
            })?;
            CitizenId::parse(&a.citizen_id).map_err(|_| {
                AppError::new(
                    ErrorCode::Unprocessable,
                    "invalid_citizen_id",
                    "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                    "The citizen ID must be exactly 12 digits.",
                )
            })?;
            if a.full_name.trim().is_empty() {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "applicant_required",
                    "Cần nhập họ tên người nộp.",
                    "Enter the applicant's full name.",
                ));
            }
            // Where the applicant lives: as entered, else what the system already knows of them.
            let commune = match a.address.as_ref().map(|x| x.commune.clone()) {
                Some(c) => Some(c),
                None => crate::identity::find_citizen(app, a.citizen_id.trim())
                    .await?
                    .and_then(|c| c.commune_code),
            };
            (
                serde_json::to_value(&a).map_err(AppError::internal)?,
                commune,
            )
        }
    };
    if let (Some(e), Some(a)) = (&on_behalf_of, applicant.as_object_mut()) {
        a.insert(
            "enterprise".into(),
            serde_json::to_value(e).map_err(AppError::internal)?,
        );
    }
    if input.channel == Channel::Online && procedure.online_level == OnlineLevel::None {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "not_offered_online",
            "Thủ tục này chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp trực tiếp.",
            "This procedure is not offered online; apply at a counter.",
        ));
    }
    // Competent agency: as chosen, else from where the applicant lives (SPEC §17).
    let offered = org::agencies_for(app, &procedure).await?;
    let competent = match &input.agency {
        Some(code) => offered
            .iter()
            .find(|a| a.code == code.trim())
            .cloned()
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unprocessable,
                    "agency_not_offering",
                    format!("Cơ quan {code} không giải quyết thủ tục này."),
                    format!("Agency {code} does not handle this procedure."),
                )
            })?,
        None => {
            let by_home = match &applicant_commune {
                Some(c) => org::agency_for_commune(&app.db, &procedure, c).await?,
                None => None,
            };
            match by_home {
                Some(a) => a,
                None if offered.len() == 1 => offered[0].clone(),
                None => {
                    return Err(AppError::new(
                        ErrorCode::Unprocessable,
                        "agency_required",
                        "Vui lòng chọn cơ quan giải quyết (trường \"agency\").",
                        "Choose the competent agency (field \"agency\").",
                    ));
                }
            }
        }
    };
    let (receiving_point, receiving_agency) = match input.channel {
        Channel::Online => (None, competent.clone()),
        Channel::Counter | Channel::Post => {
            let rp_code = input.receiving_point.clone().ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unprocessable,
                    "receiving_point_required",
                    "Cần chọn điểm tiếp nhận.",
                    "Choose the receiving point.",
                )
            })?;
            let rp = org::find_receiving_point(app, &rp_code)
                .await?
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Unprocessable,
                        "unknown_receiving_point",
                        format!("Không có điểm tiếp nhận {rp_code}."),
                        format!("There is no receiving point {rp_code}."),
                    )
                })?;
            if !authz::has_role(principal, &rp.agency_code, Role::Officer) {
                return Err(AppError::forbidden(
                    "agency_not_allowed",
                    "Bạn không phải công chức một cửa của điểm tiếp nhận này.",
                    "You are not a one-stop officer of this receiving point.",
                ));
            }
            let ra = org::find_agency(app, &rp.agency_code)
                .await?
                .ok_or_else(not_found)?;
            // Boundary-free receipt (Decision 468/QĐ-TTg): any receiving point of the province, for any
            // procedure whose competent agency is in that province.
            if ra.province_code != competent.province_code {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "outside_province",
                    "Điểm tiếp nhận chỉ nhận hồ sơ của cơ quan trong cùng tỉnh.",
                    "A receiving point takes dossiers only for agencies of its own province.",
                ));
            }
            // Paperless days (SPEC §3): the procedure's pilot days and the receiving agency's own.
            let today = app.now().with_timezone(&app.calendar.offset()).date_naive();
            let agency_days = crate::admin::paperless_days(&app.db, &rp.agency_code).await?;
            if procedure
                .paperless
                .refuses_paper(input.channel, &agency_days, today)
            {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "paperless_day",
                    "Hôm nay là ngày không giấy tờ: không nhận hồ sơ giấy cho thủ tục này tại điểm tiếp nhận; hãy hướng dẫn, hỗ trợ công dân nộp trực tuyến.",
                    "Today is a paperless day: this receiving point takes no paper dossier for this procedure; help the applicant apply online.",
                ));
            }
            (Some(rp.code), ra)
        }
    };
    let needs_handover = receiving_agency.code != competent.code;
    let state = DossierState::new_draft(
        input.channel,
        procedure.processing_time.legal_working_minutes(),
        needs_handover,
    );
    let now = app.now();
    let id = uuid::Uuid::now_v7().to_string();
    let reference = draft_ref();
    let applicant_id = applicant
        .get("citizen_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let attempt = async {
        let txn = app.db.begin().await?;
        let row = dossier::ActiveModel {
            id: Set(id.clone()),
            code: Set(reference.clone()),
            draft_ref: Set(Some(reference.clone())),
            procedure_code: Set(procedure.code.as_str().to_owned()),
            procedure_version: Set(i32::try_from(procedure.version).unwrap_or(1)),
            channel: Set(input.channel.as_str().to_owned()),
            status: Set(0),
            applicant_id: Set(applicant_id),
            applicant: Set(applicant.to_string()),
            created_by: Set(principal.key()),
            receiving_point: Set(receiving_point.clone()),
            receiving_agency: Set(receiving_agency.code.clone()),
            competent_agency: Set(competent.code.clone()),
            assignee: Set(None),
            due_at: Set(None),
            receipt_due_at: Set(None),
            submitted_at: Set(None),
            received_at: Set(None),
            finished_at: Set(None),
            form: Set("{}".into()),
            lifecycle: Set(serde_json::to_string(&state).map_err(AppError::internal)?),
            created_at: Set(now),
            updated_at: Set(now),
            row_version: Set(1),
            reused_data: Set(false),
            from_warehouse: Set(false),
            population_data: Set(false),
            vneid_applicant: Set(false),
            assisted_by: Set(None),
            on_behalf_of: Set(on_behalf_of.as_ref().map(|e| e.code.clone())),
            work_stage: Set(None),
            queue_due_at: Set(None),
            watch_due_at: Set(None),
            with_competent: Set(!needs_handover),
            applicant_name: Set(motcua_store::queue_columns::applicant_name(&applicant)),
            group_id: Set(None),
            is_group: Set(false),
        }
        .insert(&txn)
        .await?;
        record(
            &txn,
            &row,
            principal,
            "create",
            Status::Draft,
            Status::Draft,
            None,
            now,
            Some(serde_json::json!({ "procedure": procedure.code.as_str(), "version": procedure.version, "channel": input.channel.as_str() })),
        )
        .await?;
        let view = view_in(&txn, app, &row, principal).await?;
        if let Some(key) = idempotency_key {
            let body = serde_json::to_value(&view).map_err(AppError::internal)?;
            idempotent_store(&txn, principal, key, "create", &hash, 201, &body, now).await?;
        }
        txn.commit().await?;
        Ok::<_, AppError>(view)
    }
    .await;
    match attempt {
        Ok(view) => Ok(Outcome::Fresh(Box::new(view))),
        Err(e) => {
            // A concurrent request with the same key won the race (its key row made ours fail):
            // answer with its result rather than an error.
            if let Some(key) = idempotency_key
                && let Some(r) = idempotent_lookup(&app.db, principal, key, "create", &hash).await?
            {
                return Ok(Outcome::Replay(r));
            }
            Err(e)
        }
    }
}

/// Who a progress entry and its audit entry name.
pub(crate) struct Author {
    actor: String,
    role: String,
    agency: Option<String>,
}

impl Author {
    /// The principal, with the role and agency they hold for this dossier.
    fn of(principal: &Principal, row: &dossier::Model) -> Self {
        match principal {
            Principal::Citizen { .. } => Author {
                actor: principal.audit_name(),
                role: "citizen".to_owned(),
                agency: None,
            },
            Principal::Staff {
                username, roles, ..
            } => {
                let agency = roles
                    .iter()
                    .find(|r| r.agency == row.receiving_agency || r.agency == row.competent_agency)
                    .map(|r| r.agency.clone());
                let role = roles
                    .iter()
                    .find(|r| Some(&r.agency) == agency.as_ref())
                    .map(|r| r.role.as_str().to_owned())
                    .unwrap_or_else(|| "staff".into());
                Author {
                    actor: format!("staff:{username}"),
                    role,
                    agency,
                }
            }
        }
    }

    /// A part of the system acting on its own (`system:payments` recording a confirmed payment).
    pub(crate) fn system(actor: &str, agency: &str) -> Self {
        Author {
            actor: actor.to_owned(),
            role: Role::Workflow.as_str().to_owned(),
            agency: Some(agency.to_owned()),
        }
    }

    /// The competent agency's workflow template, acting on its own.
    pub(crate) fn workflow(agency: &str) -> Self {
        Author {
            actor: "system:workflow".to_owned(),
            role: Role::Workflow.as_str().to_owned(),
            agency: Some(agency.to_owned()),
        }
    }
}

/// Writes the progress entry and the audit entry of one change, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn record(
    txn: &DatabaseTransaction,
    row: &dossier::Model,
    principal: &Principal,
    action: &str,
    from: Status,
    to: Status,
    note: Option<String>,
    now: DateTime<Utc>,
    extra: Option<Value>,
) -> Result<(), AppError> {
    let author = Author::of(principal, row);
    record_by(txn, row, &author, action, (from, to), note, now, extra).await
}

/// [`record`] for an author that is not the caller (the workflow template).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_by(
    txn: &DatabaseTransaction,
    row: &dossier::Model,
    author: &Author,
    action: &str,
    (from, to): (Status, Status),
    note: Option<String>,
    now: DateTime<Utc>,
    extra: Option<Value>,
) -> Result<(), AppError> {
    let Author {
        actor,
        role,
        agency,
    } = author;
    progress_entry::ActiveModel {
        id: Default::default(),
        dossier_id: Set(row.id.clone()),
        at: Set(now),
        actor: Set(actor.clone()),
        actor_role: Set(role.clone()),
        agency_code: Set(agency.clone()),
        receiving_point: Set(row.receiving_point.clone()),
        action: Set(action.to_owned()),
        from_status: Set(i32::from(from.code())),
        to_status: Set(i32::from(to.code())),
        note: Set(note.clone()),
    }
    .insert(txn)
    .await?;
    audit::append(
        txn,
        &AuditRecord {
            at: now,
            actor: actor.clone(),
            action: format!("dossier.{action}"),
            subject: format!("dossier:{}", row.id),
            data: serde_json::json!({
                "code": row.code,
                "from": from.code(),
                "to": to.code(),
                "agency": agency,
                "receiving_point": row.receiving_point,
                "note": note,
                "extra": extra,
            }),
        },
    )
    .await?;
    crate::notify::on_dossier_step(txn, row, action, to, note.as_deref(), now).await?;
    crate::events::on_dossier_step(txn, row, action, (from.code(), to.code()), now).await?;
    crate::payments::on_dossier_end(txn, row, action, now).await?;
    Ok(())
}

/// Who may still edit the application (form and attachments).
fn can_edit(access: &Access, row: &dossier::Model, state: &DossierState) -> bool {
    match access {
        // The applicant's own online draft, and any supplementation asked of them.
        Access::Applicant => {
            state.status == Status::SupplementRequested
                || (row.channel == "online" && state.status == Status::Draft)
        }
        Access::Assistant => row.channel == "online" && state.status == Status::Draft,
        // The officer's counter draft, and papers brought to the counter to supplement it.
        Access::Staff { at_receiving, .. } => {
            row.channel != "online"
                && matches!(state.status, Status::Draft | Status::SupplementRequested)
                && at_receiving.contains(&Role::Officer)
        }
        Access::None => false,
    }
}

fn not_editable(state: &DossierState) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "not_editable",
        format!(
            "Không thể sửa hồ sơ ở trạng thái \"{}\".",
            state.status.name_vi()
        ),
        format!(
            "The dossier cannot be edited in status \"{}\".",
            state.status.name_en()
        ),
    )
}

fn commune_codes(values: &Map<String, Value>) -> Vec<String> {
    values
        .values()
        .filter_map(|v| v.get("commune").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Saves form answers: the given keys are set (null clears one), others are kept. Values are checked
/// against the pinned form definition first; on any error nothing is stored.
pub async fn save_form(
    app: &App,
    principal: &Principal,
    code: &str,
    values: Map<String, Value>,
) -> Result<DossierView, AppError> {
    let txn = app.db.begin().await?;
    let (row, state, access) = load_visible(&txn, principal, code).await?;
    if !can_edit(&access, &row, &state) {
        return Err(
            if matches!(access, Access::Applicant | Access::Staff { .. })
                && state.status != Status::Draft
                && state.status != Status::SupplementRequested
            {
                not_editable(&state)
            } else {
                AppError::forbidden(
                    "not_allowed",
                    "Bạn không được sửa hồ sơ này.",
                    "You may not edit this dossier.",
                )
            },
        );
    }
    let procedure = catalogue::pinned(&txn, &row.procedure_code, row.procedure_version).await?;
    let mut merged: Map<String, Value> = motcua_store::from_json("dossiers.form", &row.form)?;
    for (k, v) in &values {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    // Values the form derives (a date in words) follow their source, whoever sent the form.
    procedure.form.derive(&mut merged);
    let known = org::known_communes(&txn, &commune_codes(&merged)).await?;
    let today = app.now().with_timezone(&app.calendar.offset()).date_naive();
    let errors = procedure
        .form
        .check_values(&merged, &|c: &str| known.contains(c), today);
    if !errors.is_empty() {
        return Err(AppError::invalid_form(errors));
    }
    let merged = procedure.form.normalize(&merged);
    let now = app.now();
    let updated = update_row(
        &txn,
        &row,
        |am| {
            am.form = Set(Value::Object(merged.clone()).to_string());
        },
        now,
    )
    .await?;
    record(
        &txn,
        &updated,
        principal,
        "save_form",
        state.status,
        state.status,
        None,
        now,
        Some(serde_json::json!({ "fields": values.keys().collect::<Vec<_>>() })),
    )
    .await?;
    let view = view_in(&txn, app, &updated, principal).await?;
    txn.commit().await?;
    Ok(view)
}

/// Writes a row change guarded by its version, so two concurrent writers cannot both win.
pub(crate) async fn update_row(
    txn: &DatabaseTransaction,
    row: &dossier::Model,
    change: impl FnOnce(&mut dossier::ActiveModel),
    now: DateTime<Utc>,
) -> Result<dossier::Model, AppError> {
    let mut am: dossier::ActiveModel = row.clone().into();
    change(&mut am);
    am.updated_at = Set(now);
    am.row_version = Set(row.row_version + 1);
    let res = dossier::Entity::update_many()
        .set(am)
        .filter(dossier::Column::Id.eq(row.id.clone()))
        .filter(dossier::Column::RowVersion.eq(row.row_version))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "concurrent_update",
            "Hồ sơ vừa được người khác cập nhật, vui lòng tải lại.",
            "The dossier was changed meanwhile; reload and try again.",
        ));
    }
    dossier::Entity::find_by_id(row.id.clone())
        .one(txn)
        .await?
        .ok_or_else(not_found)
}

/// An uploaded file, as received.
pub struct Upload {
    pub component: String,
    pub file_name: String,
    pub declared_mime: Option<String>,
    pub bytes: Bytes,
}

/// Attaches a file to a component after checking type (by content), size and the dossier's state.
/// The bytes are written first and removed again if the database refuses the record.
pub async fn add_attachment(
    app: &App,
    principal: &Principal,
    code: &str,
    upload: Upload,
) -> Result<AttachmentView, AppError> {
    let (row, state, access) = load_visible(&app.db, principal, code).await?;
    if !can_edit(&access, &row, &state) {
        return Err(not_editable(&state));
    }
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let component = procedure.component(&upload.component).ok_or_else(|| {
        AppError::new(
            ErrorCode::Unprocessable,
            "unknown_component",
            format!(
                "Thủ tục không có thành phần hồ sơ \"{}\".",
                upload.component
            ),
            format!("The procedure has no component \"{}\".", upload.component),
        )
    })?;
    if state.status == Status::SupplementRequested
        && !state.supplement_components.contains(&component.key)
    {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "component_not_requested",
            "Chỉ bổ sung đúng các thành phần hồ sơ được yêu cầu.",
            "Upload only the components the supplementation request asks for.",
        ));
    }
    let sniffed = check_file(&upload, &component.accepts, component.max_bytes).await?;
    store_file(
        app,
        principal,
        &row,
        &state,
        NewFile {
            component: component.key.clone(),
            upload,
            mime: sniffed,
            source: "upload".into(),
        },
    )
    .await
}

/// Files a document the system obtained for the applicant (an extract from a national database,
/// an item of their warehouse) as `component`, marked with where it came from
/// (`connector:<name>`, `warehouse`). Our own PDFs need no content check; the dossier must be
/// editable by `principal` as for an upload. Several are filed together, in one transaction.
pub async fn add_obtained(
    app: &App,
    principal: &Principal,
    code: &str,
    files: Vec<ObtainedFile>,
) -> Result<Vec<AttachmentView>, AppError> {
    let (row, state, access) = load_visible(&app.db, principal, code).await?;
    if !can_edit(&access, &row, &state) {
        return Err(not_editable(&state));
    }
    let files = files
        .into_iter()
        .map(|f| {
            let mime = sniff_mime(&f.bytes).unwrap_or(filecheck::PDF);
            NewFile {
                upload: Upload {
                    component: f.component.clone(),
                    file_name: f.file_name,
                    declared_mime: Some(filecheck::PDF.to_owned()),
                    bytes: f.bytes,
                },
                component: f.component,
                mime,
                source: f.source,
            }
        })
        .collect();
    store_files(app, principal, &row, &state, files).await
}

/// A document the system obtained for the applicant, to be filed as `component`.
pub struct ObtainedFile {
    pub component: String,
    pub file_name: String,
    pub bytes: Bytes,
    /// `connector:<name>`, `warehouse`.
    pub source: String,
}

/// Content checks that parse the file run a few at a time: each may hold up to
/// `filecheck::MAX_IMAGE_ALLOC` bytes of decoder memory, and a burst of uploads must not add up.
static CONTENT_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks size, type and content (see `motcua_store::filecheck`): the type the content is, or the
/// reason to refuse it.
async fn check_file(
    upload: &Upload,
    accepts: &[String],
    max_bytes: u64,
) -> Result<&'static str, AppError> {
    let size = u64::try_from(upload.bytes.len()).unwrap_or(u64::MAX);
    // A well-formed request with a file of nothing in it: data the component refuses, like a
    // file of the wrong type, not a request that does not parse.
    if size == 0 {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "empty_file",
            "Tệp rỗng.",
            "The file is empty.",
        ));
    }
    if size > max_bytes {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            "file_too_large",
            format!(
                "Tệp quá lớn: tối đa {} MB cho thành phần này.",
                max_bytes / (1024 * 1024)
            ),
            format!(
                "The file is too large: at most {} MB for this component.",
                max_bytes / (1024 * 1024)
            ),
        ));
    }
    let sniffed = sniff_mime(&upload.bytes);
    let accepted = sniffed.is_some_and(|m| accepts.iter().any(|a| a == m));
    let declared_matches = match (&upload.declared_mime, sniffed) {
        (Some(d), Some(s)) => d == s || d == "application/octet-stream",
        _ => true,
    };
    if !accepted || !declared_matches {
        return Err(unsupported_type(accepts));
    }
    // The permit moves into the check, so a client that hangs up does not free it early.
    let permit = CONTENT_CHECKS.acquire().await.map_err(AppError::internal)?;
    let bytes = upload.bytes.clone();
    let check = move || {
        let verdict = filecheck::inspect(&bytes);
        drop(permit);
        verdict
    };
    match tokio::task::spawn_blocking(check).await {
        Ok(Ok(mime)) => Ok(mime),
        Ok(Err(refusal)) => Err(refused(refusal, accepts)),
        // A parser that gives up on a crafted file by panicking has not read it either.
        Err(e) if e.is_panic() => Err(unreadable(sniffed.unwrap_or_default())),
        Err(e) => Err(AppError::internal(e)),
    }
}

fn unsupported_type(accepts: &[String]) -> AppError {
    AppError::new(
        ErrorCode::UnsupportedMediaType,
        "unsupported_file_type",
        format!(
            "Loại tệp không được chấp nhận; chỉ nhận: {}.",
            accepts.join(", ")
        ),
        format!(
            "This file type is not accepted; accepted: {}.",
            accepts.join(", ")
        ),
    )
}

/// The name people know a type by.
fn type_label(mime: &str) -> &'static str {
    match mime {
        filecheck::PDF => "PDF",
        filecheck::JPEG => "JPEG",
        filecheck::PNG => "PNG",
        filecheck::TIFF => "TIFF",
        _ => "?",
    }
}

fn unreadable(mime: &str) -> AppError {
    let kind = type_label(mime);
    AppError::new(
        ErrorCode::Unprocessable,
        "file_unreadable",
        format!(
            "Không đọc được tệp: nội dung không phải là một tệp {kind} hoàn chỉnh, hợp lệ. Vui lòng xuất hoặc quét lại tệp rồi tải lên."
        ),
        format!(
            "The file cannot be read: its content is not a complete, valid {kind} file. Export or scan it again and upload it."
        ),
    )
}

fn refused(refusal: Refusal, accepts: &[String]) -> AppError {
    match refusal {
        Refusal::UnknownType => unsupported_type(accepts),
        Refusal::Unreadable { claimed, detail } => {
            tracing::info!(mime = claimed, %detail, "upload refused: does not parse");
            unreadable(claimed)
        }
        Refusal::PasswordProtected => AppError::new(
            ErrorCode::Unprocessable,
            "file_unreadable",
            "Tệp PDF được đặt mật khẩu nên cơ quan không mở được. Vui lòng bỏ mật khẩu (hoặc in ra PDF mới) rồi tải lên.",
            "The PDF is protected by a password, so the agency cannot open it. Remove the password (or print it to a new PDF) and upload that.",
        ),
        Refusal::TooManyPixels { claimed, detail } => {
            tracing::info!(mime = claimed, %detail, "upload refused: too many pixels");
            let side = filecheck::MAX_IMAGE_SIDE;
            AppError::new(
                ErrorCode::Unprocessable,
                "file_unreadable",
                format!(
                    "Ảnh quá lớn để xử lý (tối đa {side} điểm ảnh mỗi cạnh). Vui lòng quét với độ phân giải thấp hơn (300 dpi là đủ)."
                ),
                format!(
                    "The image is too large to process (at most {side} pixels a side). Scan it at a lower resolution (300 dpi is enough)."
                ),
            )
        }
        Refusal::Ambiguous { claimed, other } => {
            tracing::warn!(mime = claimed, %other, "upload refused: polyglot file");
            let kind = type_label(claimed);
            AppError::new(
                ErrorCode::UnsupportedMediaType,
                "file_ambiguous",
                format!(
                    "Tệp bị từ chối: ngoài nội dung {kind}, tệp còn chứa {}, nên có thể bị một chương trình khác mở như một loại tệp khác. Vui lòng lưu lại thành một tệp {kind} thông thường rồi tải lên.",
                    other_vi(other)
                ),
                format!(
                    "The file is refused: besides its {kind} content it contains {other}, so another program could open it as a different kind of file. Save it again as a plain {kind} file and upload that."
                ),
            )
        }
    }
}

fn other_vi(other: OtherFormat) -> &'static str {
    match other {
        OtherFormat::Pdf => "một tài liệu PDF",
        OtherFormat::Zip => "một tệp nén ZIP",
        OtherFormat::Rar => "một tệp nén RAR",
        OtherFormat::SevenZip => "một tệp nén 7-Zip",
        OtherFormat::Gzip => "một tệp nén gzip",
        OtherFormat::Program => "một chương trình",
        OtherFormat::WindowsProgram => "một chương trình Windows",
        OtherFormat::OfficeDocument => "một tài liệu Office",
        OtherFormat::PostScript => "một chương trình PostScript",
        OtherFormat::Rtf => "một tài liệu RTF",
        OtherFormat::WebPage => "mã trang web hoặc mã kịch bản",
        OtherFormat::HiddenData => "dữ liệu ẩn sau phần cuối của ảnh",
    }
}

/// A file to be filed in a dossier, checked already.
struct NewFile {
    component: String,
    upload: Upload,
    mime: &'static str,
    /// `upload`, `connector:<name>`, `warehouse`.
    source: String,
}

async fn store_file(
    app: &App,
    principal: &Principal,
    row: &dossier::Model,
    state: &DossierState,
    file: NewFile,
) -> Result<AttachmentView, AppError> {
    store_files(app, principal, row, state, vec![file])
        .await?
        .pop()
        .ok_or_else(|| {
            AppError::internal(motcua_store::StoreError::Corrupt("no file filed".into()))
        })
}

/// Files `files` in one transaction (all or none): the bytes first, then a row, a history entry
/// and an audit entry each, and one touch of the dossier. Documents obtained together (a draft's
/// extracts from the national databases) cost one commit instead of one each.
async fn store_files(
    app: &App,
    principal: &Principal,
    row: &dossier::Model,
    state: &DossierState,
    files: Vec<NewFile>,
) -> Result<Vec<AttachmentView>, AppError> {
    let mut stored: Vec<(String, String, NewFile)> = Vec::with_capacity(files.len());
    for file in files {
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!("dossiers/{}/{id}", row.id);
        if let Err(e) = app.files.put(&key, file.upload.bytes.clone()).await {
            for (_, key, _) in &stored {
                let _ = app.files.delete(key.as_str()).await;
            }
            return Err(e.into());
        }
        stored.push((id, key, file));
    }
    let now = app.now();
    let result = async {
        let txn = app.db.begin().await?;
        let mut filed = Vec::with_capacity(stored.len());
        let mut replaced_all = Vec::new();
        for (id, key, file) in &stored {
            let sha = sha256_hex(&file.upload.bytes);
            let size = i64::try_from(file.upload.bytes.len()).unwrap_or(i64::MAX);
            let att = attachment::ActiveModel {
                id: Set(id.clone()),
                dossier_id: Set(row.id.clone()),
                component_key: Set(file.component.clone()),
                file_name: Set(filecheck::clean_file_name(&file.upload.file_name)),
                mime: Set(file.mime.to_owned()),
                size_bytes: Set(size),
                sha256: Set(sha.clone()),
                storage_key: Set(key.clone()),
                uploaded_by: Set(principal.key()),
                uploaded_at: Set(now),
                // Paper scanned at the counter is digitized by the officer (Decree 107/2021); the
                // digitization indicator counts these.
                digitized: Set(
                    matches!(principal, Principal::Staff { .. }) && row.channel != "online"
                ),
                supplement: Set(state.status == Status::SupplementRequested),
                source: Set(file.source.clone()),
            }
            .insert(&txn)
            .await?;
            // A file the applicant uploads replaces what the system had obtained for the
            // component (the "replace it" of the reuse line): the officer sees one, and the
            // right one.
            let replaced: Vec<attachment::Model> = if file.source == "upload" {
                attachment::Entity::find()
                    .filter(attachment::Column::DossierId.eq(row.id.clone()))
                    .filter(attachment::Column::ComponentKey.eq(file.component.clone()))
                    .filter(attachment::Column::Source.ne("upload"))
                    .filter(attachment::Column::Id.ne(id.clone()))
                    .all(&txn)
                    .await?
            } else {
                Vec::new()
            };
            for old in &replaced {
                attachment::Entity::delete_by_id(old.id.clone())
                    .exec(&txn)
                    .await?;
            }
            filed.push((
                att,
                serde_json::json!({
                    "component": file.component, "sha256": sha, "size": size, "mime": file.mime,
                    "source": file.source,
                    "replaced": replaced.iter().map(|a| &a.source).collect::<Vec<_>>(),
                }),
            ));
            replaced_all.extend(replaced);
        }
        // Touch the row so concurrent actions see the change.
        let updated = update_row(&txn, row, |_| {}, now).await?;
        let mut views = Vec::with_capacity(filed.len());
        for (att, details) in filed {
            record(
                &txn,
                &updated,
                principal,
                "attach",
                state.status,
                state.status,
                None,
                now,
                Some(details),
            )
            .await?;
            views.push(attachment_view(&updated, &att));
        }
        txn.commit().await?;
        Ok::<_, AppError>((views, replaced_all))
    }
    .await;
    match result {
        Ok((views, replaced)) => {
            for old in replaced {
                let _ = app.files.delete(&old.storage_key).await;
            }
            Ok(views)
        }
        Err(e) => {
            for (_, key, _) in &stored {
                let _ = app.files.delete(key.as_str()).await;
            }
            Err(e)
        }
    }
}

fn attachment_view(row: &dossier::Model, a: &attachment::Model) -> AttachmentView {
    AttachmentView {
        id: a.id.clone(),
        component: a.component_key.clone(),
        file_name: a.file_name.clone(),
        mime: a.mime.clone(),
        size_bytes: a.size_bytes,
        sha256: a.sha256.clone(),
        digitized: a.digitized,
        supplement: a.supplement,
        source: a.source.clone(),
        uploaded_at: a.uploaded_at,
        url: format!("/api/v1/dossiers/{}/attachments/{}", row.code, a.id),
    }
}

/// The components a dossier must carry a file for at submission (see
/// [`motcua_domain::national::must_be_filed`]), given the databases this deployment is connected to.
pub fn components_to_upload<'a>(app: &App, p: &'a Procedure, channel: &str) -> Vec<&'a str> {
    let connected = |d| app.connectors.get(d).is_some();
    p.components
        .iter()
        .filter(|c| motcua_domain::national::must_be_filed(c, &connected, channel == "online"))
        .map(|c| c.key.as_str())
        .collect()
}

async fn attachments_of(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<attachment::Model>, AppError> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::DossierId.eq(id.to_owned()))
        .order_by_asc(attachment::Column::UploadedAt)
        .all(conn)
        .await?)
}

fn missing_components(missing: Vec<String>) -> AppError {
    AppError::new(
        ErrorCode::Unprocessable,
        "missing_components",
        format!("Còn thiếu thành phần hồ sơ: {}.", missing.join(", ")),
        format!("Missing components: {}.", missing.join(", ")),
    )
}

/// Submits a draft: online → status 1 awaiting receipt; counter/post → status 2 received at once.
/// The official dossier code is allocated here, in the same transaction, so abandoned drafts leave
/// no gaps; the draft reference keeps resolving to the dossier.
pub async fn submit(
    app: &App,
    principal: &Principal,
    code: &str,
    idempotency_key: Option<&str>,
) -> Result<Outcome, AppError> {
    submit_with_fee(app, principal, code, idempotency_key, None).await
}

/// Submits a counter or postal dossier and records, in the same transaction, the fee line the
/// officer collected (`None`: nothing collected, e.g. exempt).
pub async fn submit_with_fee(
    app: &App,
    principal: &Principal,
    code: &str,
    idempotency_key: Option<&str>,
    fee: Option<crate::counter::CollectedFee>,
) -> Result<Outcome, AppError> {
    // The scope is the dossier, whichever of its two names (draft reference or official code) the
    // client uses on a retry.
    let id = match load(&app.db, code).await? {
        Some(row) => row.id,
        None => return Err(not_found()),
    };
    let scope = format!("submit:{id}");
    let hash = request_hash(&Value::String(id.clone()));
    if let Some(key) = idempotency_key {
        validate_idempotency_key(key)?;
        if let Some(r) = idempotent_lookup(&app.db, principal, key, &scope, &hash).await? {
            return Ok(Outcome::Replay(r));
        }
    }
    let attempt = async {
        let txn = app.db.begin().await?;
        let (row, state, access) = load_visible(&txn, principal, code).await?;
        let procedure = catalogue::pinned(&txn, &row.procedure_code, row.procedure_version).await?;
        let now = app.now();
        let actors = authz::actors(principal, &access);
        let transition = decide_first(&state, &actors, &Command::Submit, now, app)?;
        let form: Map<String, Value> = motcua_store::from_json("dossiers.form", &row.form)?;
        let known = org::known_communes(&txn, &commune_codes(&form)).await?;
        let today = now.with_timezone(&app.calendar.offset()).date_naive();
        let mut errors = procedure
            .form
            .check_values(&form, &|c: &str| known.contains(c), today);
        errors.extend(procedure.form.check_complete(&form));
        if !errors.is_empty() {
            return Err(AppError::invalid_form(errors));
        }
        let uploaded: BTreeSet<String> = attachments_of(&txn, &row.id)
            .await?
            .into_iter()
            .map(|a| a.component_key)
            .collect();
        let missing: Vec<String> = components_to_upload(app, &procedure, &row.channel)
            .into_iter()
            .filter(|k| !uploaded.contains(*k))
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            return Err(missing_components(missing));
        }
        // Online, the fees collected when applying are paid first (SPEC §8); the counter
        // records them with the submission instead.
        let payments = crate::payments::of_dossier(&txn, &row.id).await?;
        if let Some(due) = crate::payments::due_now(app, &row, &procedure, &payments)? {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "payment_required",
                format!(
                    "Cần thanh toán {} đồng phí, lệ phí trước khi nộp hồ sơ.",
                    motcua_domain::notice::vnd(due.amount_vnd)
                ),
                format!(
                    "Pay the fee of {} VND before submitting.",
                    motcua_domain::notice::vnd(due.amount_vnd).replace('.', ",")
                ),
            ));
        }
        let agency = AgencyCode::parse(&row.receiving_agency).map_err(AppError::internal)?;
        let day = now.with_timezone(&app.calendar.offset()).date_naive();
        let seq = next_sequence(&txn, agency.as_str(), &day.format("%y%m%d").to_string()).await?;
        let official = DossierCode::new(&agency, day, seq);
        let to = transition.to;
        let flags = once_only_flags(&txn, &row, principal).await?;
        let updated = update_row(
            &txn,
            &row,
            |am| {
                apply_state(am, &to, Some(official.to_string()));
                am.reused_data = Set(flags.reused_data);
                am.from_warehouse = Set(flags.from_warehouse);
                am.population_data = Set(flags.population_data);
                am.vneid_applicant = Set(flags.vneid_applicant);
            },
            now,
        )
        .await?;
        // The reads made for the draft (the national databases', at application) now name the
        // dossier by the code the person will know it by.
        crate::access_log::rename_dossier(&txn, &row.code, &updated.code).await?;
        record(
            &txn,
            &updated,
            principal,
            "submit",
            transition.from,
            to.status,
            None,
            now,
            None,
        )
        .await?;
        if let Some(fee) = fee
            && state.channel != Channel::Online
        {
            // What is due is computed from the form; the officer only says how it was paid.
            let lines = crate::counter::due_at_receipt(&procedure, state.channel, day, &form);
            let total: i64 = lines.iter().map(|l| l.amount_vnd).sum();
            if let Some(method) = fee.method().filter(|_| total > 0) {
                crate::payments::record_at_counter(&txn, &updated, principal, method, &lines, now)
                    .await?;
                record(
                    &txn,
                    &updated,
                    principal,
                    "fee_collected",
                    to.status,
                    to.status,
                    Some(format!(
                        "{}: {} đ",
                        if method == "card" {
                            "Thẻ"
                        } else {
                            "Tiền mặt"
                        },
                        motcua_domain::notice::vnd(total)
                    )),
                    now,
                    Some(serde_json::json!({ "method": method, "amount_vnd": total })),
                )
                .await?;
            }
        }
        // An interconnected group's application fans out into its members; any other dossier
        // may get its first assignment from the workflow.
        let updated = if procedure.members.is_empty() {
            crate::workflow::assign_by_default(&txn, app, &updated, now)
                .await?
                .unwrap_or(updated)
        } else {
            crate::groups::fan_out(&txn, app, &updated, &procedure, now).await?
        };
        let view = view_in(&txn, app, &updated, principal).await?;
        if let Some(key) = idempotency_key {
            let body = serde_json::to_value(&view).map_err(AppError::internal)?;
            idempotent_store(&txn, principal, key, &scope, &hash, 200, &body, now).await?;
        }
        txn.commit().await?;
        app.tracking.forget(&view.code).await;
        Ok::<_, AppError>(view)
    }
    .await;
    match attempt {
        Ok(view) => Ok(Outcome::Fresh(Box::new(view))),
        Err(e) => {
            if let Some(key) = idempotency_key
                && let Some(r) = idempotent_lookup(&app.db, principal, key, &scope, &hash).await?
            {
                return Ok(Outcome::Replay(r));
            }
            Err(e)
        }
    }
}

pub(crate) fn apply_state(am: &mut dossier::ActiveModel, s: &DossierState, code: Option<String>) {
    if let Some(c) = code {
        am.code = Set(c);
    }
    am.status = Set(i32::from(s.status.code()));
    am.assignee = Set(s.assignee().map(str::to_owned));
    am.due_at = Set(s.due_at);
    am.receipt_due_at = Set(s.receipt_due_at);
    am.submitted_at = Set(s.submitted_at);
    am.received_at = Set(s.received_at);
    am.finished_at = Set(s.finished_at);
    am.lifecycle = Set(serde_json::to_string(s).unwrap_or_else(|_| "{}".into()));
    crate::queues::columns(am, s);
}

/// Tries the command as each role the principal holds for this dossier; the first that the state
/// machine accepts acts. If none does, the most telling rejection is returned.
fn decide_first(
    state: &DossierState,
    actors: &[lifecycle::Actor],
    command: &Command,
    now: DateTime<Utc>,
    app: &App,
) -> Result<lifecycle::Transition, AppError> {
    let mut best: Option<lifecycle::TransitionError> = None;
    for actor in actors {
        match lifecycle::decide(state, actor, command, now, &app.calendar) {
            Ok(t) => return Ok(t),
            Err(e) => {
                // Prefer a business reason (status, step, once-only) over "wrong role".
                let role_like = matches!(
                    e.reason,
                    lifecycle::Rejection::WrongRole(_) | lifecycle::Rejection::WrongPlace(_)
                );
                if best.is_none() || !role_like {
                    best = Some(e);
                }
            }
        }
    }
    Err(match best {
        Some(e) => e.into(),
        None => AppError::forbidden(
            "not_allowed",
            "Bạn không được thực hiện thao tác này.",
            "You may not do this.",
        ),
    })
}

/// What `issue_result` may carry besides the command: a PDF the clerk prepared elsewhere (signed
/// as it is) and the decision written into a generated result.
#[derive(Default)]
pub struct IssueDetails {
    pub file: Option<Upload>,
    pub decision: String,
}

/// Runs an officer or citizen command on a dossier (`POST /dossiers/{code}/actions`). For
/// `issue_result` the result is generated from the service's template (or taken from the uploaded
/// PDF) and signed with the competent agency's key before anything is stored.
pub async fn act(
    app: &App,
    principal: &Principal,
    code: &str,
    command: Command,
    issue: IssueDetails,
) -> Result<DossierView, AppError> {
    if matches!(command, Command::Submit) {
        return match submit(app, principal, code, None).await? {
            Outcome::Fresh(v) => Ok(*v),
            Outcome::Replay(_) => Err(AppError::internal(motcua_store::StoreError::Corrupt(
                "replay without key".into(),
            ))),
        };
    }
    let (row, state, access) = load_visible(&app.db, principal, code).await?;
    if row.is_group
        && let Command::RequestWithdrawal { reason } = &command
    {
        return crate::groups::request_withdrawal(app, principal, &row, reason).await;
    }
    crate::groups::refuse_action_on_group(&row)?;
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let now = app.now();
    let actors = authz::actors(principal, &access);
    let transition = decide_first(&state, &actors, &command, now, app)?;
    // Checks that need data the state machine does not hold.
    match &command {
        Command::Assign { assignee } => {
            let ok = crate::identity::staff_has_role(
                app,
                assignee.trim(),
                &row.competent_agency,
                Role::Specialist,
            )
            .await?;
            if !ok {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "unknown_assignee",
                    format!("{assignee} không phải chuyên viên của cơ quan giải quyết."),
                    format!("{assignee} is not a specialist of the competent agency."),
                ));
            }
        }
        Command::RequestSupplement { components, .. } => known_components(&procedure, components)?,
        Command::RequestPayment { lines, .. } => {
            let day = fee_day(app, &state);
            let bad: Vec<String> = lines
                .iter()
                .filter(|l| {
                    !(1..=100).contains(&l.quantity)
                        || procedure
                            .fees
                            .get(l.line)
                            .and_then(|f| f.amount_for(state.channel, day))
                            .is_none()
                })
                .map(|l| l.line.to_string())
                .collect();
            if !bad.is_empty() {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "unknown_fee_line",
                    format!(
                        "Khoản phí không có trong danh mục của thủ tục, không áp dụng cho kênh nộp này, hoặc số lượng không hợp lệ (1–100): {}.",
                        bad.join(", ")
                    ),
                    format!(
                        "Fee line not in the procedure's catalogue, not charged on this channel, or a quantity outside 1–100: {}.",
                        bad.join(", ")
                    ),
                ));
            }
        }
        Command::Receive {
            checked: Some(checked),
        } => {
            // Receipt after the checklist: every component that came with a file was examined.
            known_components(&procedure, checked)?;
            let unchecked: Vec<String> = attachments_of(&app.db, &row.id)
                .await?
                .into_iter()
                .map(|a| a.component_key)
                .filter(|k| {
                    k != RESULT_COMPONENT
                        && k != crate::receipts::RECEIPT_COMPONENT
                        && !checked.iter().any(|c| c.trim() == k)
                })
                .collect::<BTreeSet<String>>()
                .into_iter()
                .map(|k| procedure.component(&k).map(|c| c.name.clone()).unwrap_or(k))
                .collect();
            if !unchecked.is_empty() {
                return Err(AppError::new(
                    ErrorCode::Unprocessable,
                    "components_unchecked",
                    format!(
                        "Chưa đánh dấu đã kiểm tra: {}. Thành phần thiếu hoặc không hợp lệ thì yêu cầu bổ sung hoặc từ chối tiếp nhận.",
                        unchecked.join("; ")
                    ),
                    format!(
                        "Not marked as checked: {}. Ask for supplementation or refuse if a component is missing or wrong.",
                        unchecked.join("; ")
                    ),
                ));
            }
        }
        Command::Supplement => {
            let requested_at = state.supplement_paused_at;
            let fresh: BTreeSet<String> = attachments_of(&app.db, &row.id)
                .await?
                .into_iter()
                .filter(|a| a.supplement && requested_at.is_some_and(|t| a.uploaded_at >= t))
                .map(|a| a.component_key)
                .collect();
            let missing: Vec<String> = state
                .supplement_components
                .iter()
                .filter(|c| !fresh.contains(*c))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(missing_components(missing));
            }
        }
        _ => {}
    }
    let mut result_key = None;
    if let Command::IssueResult = command {
        if let Some(upload) = &issue.file {
            check_file(upload, &["application/pdf".to_owned()], 20 * 1024 * 1024).await?;
        }
        let signed = crate::issued::produce_result(
            app,
            principal,
            &row,
            &procedure,
            issue.file.as_ref().map(|u| u.bytes.as_ref()),
            &issue.decision,
        )
        .await?;
        let key = format!("dossiers/{}/{}", row.id, signed.id);
        app.files
            .put(&key, Bytes::from(signed.bytes.clone()))
            .await?;
        result_key = Some((key, signed));
    }
    let outcome = async {
        let txn = app.db.begin().await?;
        if let Some((key, signed)) = &result_key {
            attachment::ActiveModel {
                id: Set(signed.id.clone()),
                dossier_id: Set(row.id.clone()),
                component_key: Set(RESULT_COMPONENT.into()),
                file_name: Set(filecheck::clean_file_name(&signed.file_name)),
                mime: Set("application/pdf".into()),
                size_bytes: Set(i64::try_from(signed.bytes.len()).unwrap_or(i64::MAX)),
                sha256: Set(signed.register.sha256.clone()),
                storage_key: Set(key.clone()),
                uploaded_by: Set(principal.key()),
                uploaded_at: Set(now),
                digitized: Set(false),
                supplement: Set(false),
                source: Set("issued".into()),
            }
            .insert(&txn)
            .await?;
            document::ActiveModel::from(signed.register.clone())
                .insert(&txn)
                .await?;
        }
        let to = transition.to.clone();
        // What issuing added to the record (the newborn's personal ID) joins the dossier's form.
        let form = match &result_key {
            Some((_, signed)) if !signed.facts.is_empty() => {
                let mut form: serde_json::Map<String, serde_json::Value> =
                    motcua_store::from_json("dossiers.form", &row.form)?;
                form.extend(signed.facts.clone());
                Some(serde_json::Value::Object(form).to_string())
            }
            _ => None,
        };
        let updated = update_row(
            &txn,
            &row,
            |am| {
                apply_state(am, &to, None);
                if let Some(form) = form {
                    am.form = Set(form);
                }
            },
            now,
        )
        .await?;
        // A result's hash and number go into the audit chain with the step that issued it.
        let extra = match &result_key {
            Some((_, signed)) => Some(serde_json::json!({
                "command": command,
                "document": {
                    "id": signed.id,
                    "number": signed.register.number,
                    "sha256": signed.register.sha256,
                    "signer": signed.register.signer,
                    "cert_sha256": signed.register.cert_sha256,
                },
                "facts": signed.facts,
            })),
            None => serde_json::to_value(command.redacted()).ok(),
        };
        record(
            &txn,
            &updated,
            principal,
            command.kind().as_str(),
            transition.from,
            to.status,
            transition.note.clone(),
            now,
            extra,
        )
        .await?;
        let updated = crate::workflow::assign_by_default(&txn, app, &updated, now)
            .await?
            .unwrap_or(updated);
        let group = crate::groups::after_member_step(&txn, app, &updated, now).await?;
        let view = view_in(&txn, app, &updated, principal).await?;
        txn.commit().await?;
        app.tracking.forget(&view.code).await;
        if let Some(g) = group {
            app.tracking.forget(&g).await;
        }
        Ok::<_, AppError>(view)
    }
    .await;
    if outcome.is_err()
        && let Some((key, _)) = &result_key
    {
        let _ = app.files.delete(key).await;
    }
    outcome
}

/// Refuses component keys the procedure does not have.
fn known_components(procedure: &Procedure, keys: &[String]) -> Result<(), AppError> {
    let unknown: Vec<String> = keys
        .iter()
        .filter(|c| procedure.component(c.trim()).is_none())
        .cloned()
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::Unprocessable,
        "unknown_component",
        format!("Thủ tục không có thành phần: {}.", unknown.join(", ")),
        format!("The procedure has no component: {}.", unknown.join(", ")),
    ))
}

/// The component key under which result documents are stored.
pub const RESULT_COMPONENT: &str = "result";

pub async fn get(app: &App, principal: &Principal, code: &str) -> Result<DossierView, AppError> {
    let row = read_as(app, principal, code, "dossier.view").await?;
    view_in(&app.reader, app, &row, principal).await
}

/// Loads a dossier for reading and records the read of its applicant's data (who read my data);
/// an official's attempt on a dossier they do not hold is refused as "not found" and recorded.
async fn read_as(
    app: &App,
    principal: &Principal,
    code: &str,
    purpose: &str,
) -> Result<dossier::Model, AppError> {
    match load_visible(&app.reader, principal, code).await {
        Ok((row, _, _)) => {
            crate::access_log::record(
                &app.db,
                &row.applicant_id,
                principal,
                purpose,
                Some(&row.code),
                true,
                app.now(),
            )
            .await?;
            Ok(row)
        }
        Err(e) if e.kind == ErrorCode::NotFound => {
            if matches!(principal, Principal::Staff { .. })
                && let Some(row) = load(&app.db, code).await?
            {
                crate::access_log::record(
                    &app.db,
                    &row.applicant_id,
                    principal,
                    purpose,
                    Some(&row.code),
                    false,
                    app.now(),
                )
                .await?;
            }
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// The bytes of an attachment or document the principal may see.
pub async fn file(
    app: &App,
    principal: &Principal,
    code: &str,
    attachment_id: &str,
) -> Result<(attachment::Model, Bytes), AppError> {
    let row = read_as(app, principal, code, "dossier.file").await?;
    let a = attachment::Entity::find_by_id(attachment_id.to_owned())
        .one(&app.db)
        .await?
        .filter(|a| a.dossier_id == row.id)
        .ok_or_else(|| AppError::not_found("tệp", "File"))?;
    let bytes = app.files.get(&a.storage_key).await?;
    Ok((a, bytes))
}

/// The once-only facts of a dossier at submission (Decision 766 4.3–4.5), from what it carries:
/// its files' provenance, the population database's reads made for it (the access log), and how
/// the applicant signed in.
async fn once_only_flags(
    txn: &DatabaseTransaction,
    row: &dossier::Model,
    principal: &Principal,
) -> Result<crate::views::OnceOnlyView, AppError> {
    use motcua_store::entities::access_log;
    let sources: Vec<String> = attachments_of(txn, &row.id)
        .await?
        .into_iter()
        .map(|a| a.source)
        .collect();
    let population_read = access_log::Entity::find()
        .filter(access_log::Column::DossierCode.eq(row.code.clone()))
        .filter(access_log::Column::Actor.eq("connector:population"))
        .one(txn)
        .await?
        .is_some();
    let vneid_applicant = match principal {
        Principal::Citizen { citizen_id, .. } if row.channel == "online" => {
            motcua_store::entities::citizen::Entity::find_by_id(citizen_id.as_str().to_owned())
                .one(txn)
                .await?
                .and_then(|c| c.assurance_level)
                .is_some_and(|l| !l.is_empty())
        }
        _ => false,
    };
    Ok(crate::views::OnceOnlyView {
        reused_data: sources
            .iter()
            .any(|s| s == "warehouse" || s.starts_with("connector:")),
        from_warehouse: sources.iter().any(|s| s == "warehouse"),
        population_data: population_read || sources.iter().any(|s| s == "connector:population"),
        vneid_applicant,
    })
}

/// Filters of `GET /dossiers`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    pub status: Option<u8>,
    pub procedure: Option<String>,
    pub limit: Option<u64>,
}

pub async fn list(
    app: &App,
    principal: &Principal,
    filter: &ListFilter,
) -> Result<Vec<DossierSummary>, AppError> {
    let limit = filter.limit.unwrap_or(100).min(500);
    // One index-ordered read per (column, value) the principal's dossiers are found by — the
    // applicant; or each handling agency as receiving and as competent agency — merged newest
    // first. (One query with `OR` and `IN` sorted every dossier of the commune.)
    let sources: Vec<(dossier::Column, String)> = match principal {
        Principal::Citizen { citizen_id, .. } => {
            vec![(dossier::Column::ApplicantId, citizen_id.as_str().to_owned())]
        }
        Principal::Staff { .. } => authz::handling_agencies(principal)
            .into_iter()
            .flat_map(|a| {
                [
                    (dossier::Column::ReceivingAgency, a.clone()),
                    (dossier::Column::CompetentAgency, a),
                ]
            })
            .collect(),
    };
    let reads = sources.into_iter().map(|(column, value)| {
        let mut q = dossier::Entity::find().filter(column.eq(value));
        if let Some(s) = filter.status {
            q = q.filter(dossier::Column::Status.eq(i32::from(s)));
        }
        if let Some(p) = &filter.procedure {
            q = q.filter(dossier::Column::ProcedureCode.eq(p.clone()));
        }
        q.order_by_desc(dossier::Column::UpdatedAt)
            .order_by_desc(dossier::Column::Id)
            .limit(limit)
            .all(&app.reader)
    });
    let mut rows: Vec<dossier::Model> = futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .collect();
    rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    rows.dedup_by(|a, b| a.id == b.id);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let now = app.now();
    let mut out = Vec::new();
    let mine = matches!(principal, Principal::Citizen { .. });
    let mut forms: HashMap<(String, i32), std::sync::Arc<Procedure>> = HashMap::new();
    for row in rows {
        let state = state_of(&row)?;
        // The same rule as single reads: staff of a competent agency see handed-over dossiers only.
        if !authz::access(principal, &row, &state).visible() {
            continue;
        }
        let subject = if mine {
            let key = (row.procedure_code.clone(), row.procedure_version);
            let procedure = match forms.get(&key) {
                Some(p) => p.clone(),
                None => {
                    let p = catalogue::pinned(&app.reader, &key.0, key.1).await?;
                    forms.insert(key, p.clone());
                    p
                }
            };
            let answers: Map<String, Value> = motcua_store::from_json("dossiers.form", &row.form)?;
            procedure.form.subject_of(&answers)
        } else {
            None
        };
        out.push(DossierSummary {
            code: row.code.clone(),
            status: state.status.code(),
            status_name_vi: state.status.name_vi().into(),
            status_name_en: state.status.name_en().into(),
            procedure_code: row.procedure_code.clone(),
            channel: row.channel.clone(),
            receiving_agency: row.receiving_agency.clone(),
            competent_agency: row.competent_agency.clone(),
            assignee: state.assignee().map(str::to_owned),
            due_at: state.due_at,
            overdue: state.is_overdue(now),
            submitted_at: state.submitted_at,
            subject,
            updated_at: row.updated_at,
        });
    }
    Ok(out)
}

/// Public status by official code: minimal facts, no personal data.
pub async fn track(app: &App, code: &str) -> Result<TrackView, AppError> {
    let code = DossierCode::parse(code).map_err(|_| AppError::not_found("hồ sơ", "Dossier"))?;
    let now = app.now();
    app.tracking
        .answer(code.as_str(), now, look_up_tracking(app, code.as_str()))
        .await
}

/// The public facts of a dossier, read from the database, with its state for lateness.
async fn look_up_tracking(app: &App, code: &str) -> Result<(TrackView, DossierState), AppError> {
    let now = app.now();
    let row = dossier::Entity::find()
        .filter(dossier::Column::Code.eq(code))
        .one(&app.reader)
        .await?
        .ok_or_else(not_found)?;
    let state = state_of(&row)?;
    let procedure =
        catalogue::pinned(&app.reader, &row.procedure_code, row.procedure_version).await?;
    let competent = agency_name(&app.reader, &row.competent_agency).await?;
    let members = crate::groups::members_of(app, &app.reader, &row).await?;
    let view = TrackView {
        code: row.code,
        status: state.status.code(),
        status_name_vi: state.status.name_vi().into(),
        status_name_en: state.status.name_en().into(),
        procedure_name_vi: procedure.name_vi.clone(),
        procedure_name_en: procedure.name_en.clone(),
        competent_agency: competent.name,
        received_at: state.received_at,
        due_at: state.due_at,
        overdue: state.is_overdue(now),
        members,
    };
    Ok((view, state))
}

async fn agency_name(conn: &impl ConnectionTrait, code: &str) -> Result<AgencyRef, AppError> {
    let name = agency::Entity::find_by_id(code.to_owned())
        .one(conn)
        .await?
        .map(|a| a.name_vi)
        .unwrap_or_else(|| code.to_owned());
    Ok(AgencyRef {
        code: code.to_owned(),
        name,
    })
}

/// The dossier row, if the principal may see it (else not found).
pub(crate) async fn load_visible_row(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    code: &str,
) -> Result<dossier::Model, AppError> {
    load_visible(conn, principal, code)
        .await
        .map(|(row, _, _)| row)
}

/// The view of a loaded row, as this principal sees it.
pub(crate) async fn view_of(
    app: &App,
    row: &dossier::Model,
    principal: &Principal,
) -> Result<DossierView, AppError> {
    view_in(&app.db, app, row, principal).await
}

/// What the dossier costs: its procedure version's fee lines for its channel, on the day it was
/// submitted (today for a draft), with the quantities and conditions its form answers.
pub fn fees_of(
    app: &App,
    row: &dossier::Model,
    procedure: &Procedure,
    state: &DossierState,
) -> Result<FeesView, AppError> {
    Ok(quote_of(app, row, procedure, state)?.into())
}

/// The local day a dossier's fees are priced on: the day it was submitted, today for a draft.
pub(crate) fn fee_day(app: &App, state: &DossierState) -> chrono::NaiveDate {
    state
        .submitted_at
        .unwrap_or_else(|| app.now())
        .with_timezone(&app.calendar.offset())
        .date_naive()
}

/// The quote of the dossier's form on its fee day. A member of an interconnected application
/// quotes nothing of its own: the application's one quote carried the fees of all its members
/// (Decree 63/2024/NĐ-CP: one application, one payment) and was paid before it was submitted.
pub(crate) fn quote_of(
    app: &App,
    row: &dossier::Model,
    procedure: &Procedure,
    state: &DossierState,
) -> Result<motcua_domain::fees::FeeQuote, AppError> {
    if row.group_id.is_some() {
        return Ok(motcua_domain::fees::FeeQuote {
            lines: Vec::new(),
            total_vnd: 0,
        });
    }
    let form: Map<String, Value> = motcua_store::from_json("dossiers.form", &row.form)?;
    Ok(motcua_domain::fees::quote(
        procedure,
        state.channel,
        fee_day(app, state),
        &form,
    ))
}

async fn view_in(
    conn: &impl ConnectionTrait,
    app: &App,
    row: &dossier::Model,
    principal: &Principal,
) -> Result<DossierView, AppError> {
    let state = state_of(row)?;
    let procedure = catalogue::pinned(conn, &row.procedure_code, row.procedure_version).await?;
    let is_citizen = matches!(principal, Principal::Citizen { .. });
    let history = progress_entry::Entity::find()
        .filter(progress_entry::Column::DossierId.eq(row.id.clone()))
        .order_by_asc(progress_entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| HistoryEntry {
            note: if is_citizen
                && lifecycle::ActionKind::parse(&p.action).is_some_and(|k| k.note_is_internal())
            {
                None
            } else {
                p.note
            },
            at: p.at,
            action: p.action,
            from_status: p.from_status,
            to_status: p.to_status,
            actor: if is_citizen && p.actor_role != "citizen" {
                p.actor_role
            } else {
                p.actor
            },
            agency: p.agency_code,
            receiving_point: p.receiving_point,
        })
        .collect();
    let all = attachments_of(conn, &row.id).await?;
    // Documents the system issued (results, fee receipts) are listed apart from the applicant's
    // files.
    let (results, attachments): (Vec<_>, Vec<_>) = all.iter().partition(|a| {
        a.component_key == RESULT_COMPONENT || a.component_key == crate::receipts::RECEIPT_COMPONENT
    });
    let result_visible = !is_citizen || matches!(state.status, Status::ResultReturned);
    let register: std::collections::HashMap<String, document::Model> = document::Entity::find()
        .filter(document::Column::DossierId.eq(row.id.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let fees = fees_of(app, row, &procedure, &state)?;
    let payments = crate::payments::of_dossier(conn, &row.id)
        .await?
        .iter()
        .map(crate::payments::PaymentView::from)
        .collect();
    let applicant: Value = motcua_store::from_json("dossiers.applicant", &row.applicant)?;
    // The enterprise's name as recorded in the applicant block when the dossier was created.
    let enterprise_name = applicant
        .pointer("/enterprise/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut view = DossierView {
        code: row.code.clone(),
        draft_ref: row.draft_ref.clone(),
        status: state.status.code(),
        status_name_vi: state.status.name_vi().into(),
        status_name_en: state.status.name_en().into(),
        procedure: ProcedureRef {
            code: row.procedure_code.clone(),
            version: row.procedure_version,
            name_vi: procedure.name_vi.clone(),
            name_en: procedure.name_en.clone(),
        },
        channel: row.channel.clone(),
        applicant,
        receiving_point: row.receiving_point.clone(),
        receiving_agency: agency_name(conn, &row.receiving_agency).await?,
        competent_agency: agency_name(conn, &row.competent_agency).await?,
        handed_over: state.handed_over,
        needs_handover: state.needs_handover,
        assignee: if is_citizen {
            None
        } else {
            state.assignee().map(str::to_owned)
        },
        // The sub-step only means something while the dossier is being processed: after the
        // result is issued the last step stays in the state but is no longer where it stands.
        step: match (
            &state.step,
            is_citizen || state.status.is_final() || state.status == Status::ResultReady,
        ) {
            (_, true) | (None, _) => None,
            (Some(lifecycle::Step::Assigned { .. }), _) => Some("assigned".into()),
            (Some(lifecycle::Step::InReview { .. }), _) => Some("in_review".into()),
            (Some(lifecycle::Step::Approved { .. }), _) => Some("approved".into()),
        },
        appraisal: if is_citizen {
            None
        } else {
            state.appraisal.clone()
        },
        submitted_at: state.submitted_at,
        receipt_due_at: state.receipt_due_at,
        received_at: state.received_at,
        due_at: state.due_at,
        finished_at: state.finished_at,
        overdue: state.is_overdue(app.now()),
        extended: state.extended,
        supplement_request: (state.status == Status::SupplementRequested).then(|| {
            SupplementRequestView {
                components: state.supplement_components.clone(),
                requested_at: state.supplement_paused_at,
            }
        }),
        fees,
        payments,
        form: motcua_store::from_json("dossiers.form", &row.form)?,
        once_only: crate::views::OnceOnlyView {
            reused_data: row.reused_data,
            from_warehouse: row.from_warehouse,
            population_data: row.population_data,
            vneid_applicant: row.vneid_applicant,
        },
        assisted_by: row.assisted_by.clone(),
        on_behalf_of: row
            .on_behalf_of
            .as_ref()
            .map(|code| crate::enterprise::EnterpriseRef {
                code: code.clone(),
                name: enterprise_name,
            }),
        attachments: attachments
            .into_iter()
            .map(|a| attachment_view(row, a))
            .collect(),
        documents: results
            .into_iter()
            // A result reaches the citizen when returned; a receipt as soon as it is written.
            .filter(|a| result_visible || a.component_key != RESULT_COMPONENT)
            .map(|a| {
                let reg = register.get(&a.id);
                DocumentView {
                    id: a.id.clone(),
                    kind: reg.map_or_else(|| "result".into(), |d| d.kind.clone()),
                    file_name: a.file_name.clone(),
                    sha256: Some(a.sha256.clone()),
                    url: format!("/api/v1/dossiers/{}/attachments/{}", row.code, a.id),
                    number: reg.map(|d| d.number.clone()),
                    signer: reg.map(|d| d.signer.clone()),
                    status: reg.map(|d| d.status.clone()),
                    verify_url: reg.map(|d| format!("/verify/{}", d.id)),
                }
            })
            .collect(),
        history,
        members: crate::groups::members_of(app, conn, row).await?,
        group: match &row.group_id {
            Some(id) => dossier::Entity::find_by_id(id.clone())
                .one(conn)
                .await?
                .map(|g| g.code),
            None => None,
        },
        updated_at: row.updated_at,
    };
    // The notices the dossier has reached, rendered when downloaded (SPEC §17).
    let notices = crate::issued::notices_reached(&view, is_citizen)
        .into_iter()
        .map(|kind| crate::issued::notice_document(&view.code, kind))
        .collect::<Vec<_>>();
    view.documents.extend(notices);
    Ok(view)
}

/// The citizen's rating of how their dossier was handled (SPEC §12), once, after the result is
/// returned; it feeds the satisfaction indicators.
pub async fn rate(
    app: &App,
    principal: &Principal,
    code: &str,
    rating: &str,
    reason: &str,
) -> Result<(), AppError> {
    use motcua_store::entities::rating;
    if !matches!(rating, "satisfied" | "normal" | "dissatisfied") {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_rating",
            "Vui lòng chọn một mức đánh giá.",
            "Choose one of the ratings.",
        ));
    }
    let txn = app.db.begin().await?;
    let (row, state, access) = load_visible(&txn, principal, code).await?;
    if access != Access::Applicant {
        return Err(AppError::forbidden(
            "not_applicant",
            "Chỉ người nộp hồ sơ được đánh giá.",
            "Only the applicant can rate.",
        ));
    }
    if state.status != Status::ResultReturned {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "not_ratable_yet",
            "Bạn có thể đánh giá sau khi nhận kết quả.",
            "You can rate once the result has been returned.",
        ));
    }
    if rating::Entity::find_by_id(row.id.clone())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "already_rated",
            "Bạn đã đánh giá hồ sơ này.",
            "You have already rated this dossier.",
        ));
    }
    let now = app.now();
    let reason = reason.trim();
    rating::ActiveModel {
        dossier_id: Set(row.id.clone()),
        rating: Set(rating.to_owned()),
        reason: Set((!reason.is_empty()).then(|| reason.chars().take(2000).collect())),
        rated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "dossier.rate".into(),
            subject: format!("dossier:{}", row.id),
            data: serde_json::json!({ "code": row.code, "rating": rating }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The rating given to a dossier, if any.
pub async fn rating_of(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<Option<String>, AppError> {
    use motcua_store::entities::rating;
    let (row, _, _) = load_visible(&app.db, principal, code).await?;
    Ok(rating::Entity::find_by_id(row.id)
        .one(&app.db)
        .await?
        .map(|r| r.rating))
}

/// The actions the state machine would accept from this principal now (with placeholder details),
/// so screens offer only what can succeed. The command sent is still decided in full by `act`.
pub async fn allowed_actions(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<Vec<lifecycle::ActionKind>, AppError> {
    let (row, state, access) = load_visible(&app.db, principal, code).await?;
    if row.is_group {
        return Ok(Vec::new());
    }
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let actors = authz::actors(principal, &access);
    let any_component = procedure
        .components
        .first()
        .map(|c| c.key.clone())
        .unwrap_or_default();
    let text = || "…".to_owned();
    let candidates = [
        Command::Receive { checked: None },
        Command::Refuse { reason: text() },
        Command::RequestSupplement {
            components: vec![any_component],
            note: text(),
        },
        Command::HandOver,
        Command::Assign { assignee: text() },
        Command::Forward {
            opinion: text(),
            proposal: text(),
        },
        Command::Approve {
            opinion: String::new(),
        },
        Command::SendBack { reason: text() },
        Command::IssueResult,
        Command::ReturnResult {
            delivery: lifecycle::Delivery::Online,
            recipient_name: String::new(),
            recipient_id: String::new(),
            postal_code: String::new(),
        },
        Command::Consult {
            agency: text(),
            question: text(),
        },
        Command::RecordConsultationReply { reply: text() },
        Command::RequestPayment {
            note: text(),
            lines: Vec::new(),
        },
        Command::RecordPayment,
        Command::Extend {
            // Any date after the current one: whether the extension is still allowed depends on
            // the time left, not on the date asked for.
            new_due_at: state
                .due_at
                .map(|d| d + chrono::Duration::days(30))
                .unwrap_or_default(),
            reason: text(),
        },
        Command::Supplement,
        Command::AcceptWithdrawal,
        Command::RejectWithdrawal { reason: text() },
        Command::Stop { reason: text() },
    ];
    let now = app.now();
    Ok(candidates
        .iter()
        .filter(|c| {
            actors
                .iter()
                .any(|a| lifecycle::decide(&state, a, c, now, &app.calendar).is_ok())
        })
        .map(Command::kind)
        .collect())
}

/// Active specialists of an agency, for the assignment list.
pub async fn specialists_of(app: &App, agency: &str) -> Result<Vec<(String, String)>, AppError> {
    use motcua_store::entities::{staff, staff_role};
    let holders: Vec<String> = staff_role::Entity::find()
        .filter(staff_role::Column::AgencyCode.eq(agency.to_owned()))
        .filter(staff_role::Column::Role.eq(Role::Specialist.as_str()))
        .order_by_asc(staff_role::Column::Username)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|r| r.username)
        .collect();
    let active: std::collections::BTreeMap<String, String> = staff::Entity::find()
        .filter(staff::Column::Username.is_in(holders.clone()))
        .filter(staff::Column::Active.eq(true))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|s| (s.username, s.full_name))
        .collect();
    Ok(holders
        .into_iter()
        .filter_map(|h| active.get(&h).map(|name| (h.clone(), name.clone())))
        .collect())
}

/// One entry of a dossier's audit trail, as stored in the hash chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditLine {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub agency: Option<String>,
    pub receiving_point: Option<String>,
    pub from_status: Option<u8>,
    pub to_status: Option<u8>,
    pub note: Option<String>,
    pub hash: String,
    /// The entry still hashes to its stored hash.
    pub intact: bool,
}

/// The audit trail of a dossier for staff who may see it (SPEC §13): who did what, when and from
/// which receiving point, exactly as chained.
pub async fn audit_trail(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<Vec<AuditLine>, AppError> {
    if !matches!(principal, Principal::Staff { .. }) {
        return Err(not_found());
    }
    let row = read_as(app, principal, code, "dossier.audit").await?;
    let entries = motcua_store::audit::entries_for(&app.db, &format!("dossier:{}", row.id)).await?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
            let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
            let status = |k: &str| {
                data.get(k)
                    .and_then(Value::as_u64)
                    .and_then(|v| u8::try_from(v).ok())
            };
            AuditLine {
                intact: motcua_store::audit::entry_intact(&e),
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action.trim_start_matches("dossier.").to_owned(),
                agency: text("agency"),
                receiving_point: text("receiving_point"),
                from_status: status("from"),
                to_status: status("to"),
                note: text("note"),
                hash: e.hash,
            }
        })
        .collect())
}
