//! Interconnected groups (issue 19, Decree 63/2024/NĐ-CP; rules in `motcua_domain::group`).
//!
//! The applicant submits the group's one application like any other. In that transaction the
//! group's dossier becomes the umbrella the applicant follows (`is_group`: in processing against
//! the group's time limit, in no queue, counted by no indicator), and the members that need no
//! other member's result become dossiers of their own, submitted at their competent agencies with
//! the group's answers and files. Every member step then runs [`after_member_step`] in its own
//! transaction: a member whose predecessor has its result starts there and then, and the group's
//! status follows its members'.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use motcua_domain::catalogue::{Channel, Procedure};
use motcua_domain::group::{self, GroupMember, MemberState};
use motcua_domain::ids::{AgencyCode, DossierCode};
use motcua_domain::lifecycle::{self, Actor, Command, DossierState, Role, Status};
use motcua_store::counters::next_sequence;
use motcua_store::entities::{agency, attachment, dossier};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::dossiers::{Author, apply_state, record_by, state_of, update_row};
use crate::{App, AppError, ErrorCode, catalogue, org};

const ACTOR: &str = "system:group";

fn form_of(row: &dossier::Model) -> Result<Map<String, Value>, AppError> {
    Ok(motcua_store::from_json("dossiers.form", &row.form)?)
}

/// Keeps a group's dossier out of every work queue: its members are worked, not it.
fn out_of_queues(am: &mut dossier::ActiveModel) {
    am.is_group = Set(true);
    am.assignee = Set(None);
    am.work_stage = Set(None);
    am.queue_due_at = Set(None);
    am.watch_due_at = Set(None);
}

/// Called in the transaction that submits a group's application: the group's dossier goes into
/// processing against the group's time limit, and its first members start. Returns the group's
/// row as updated.
pub(crate) async fn fan_out(
    txn: &DatabaseTransaction,
    app: &App,
    row: &dossier::Model,
    procedure: &Procedure,
    now: DateTime<Utc>,
) -> Result<dossier::Model, AppError> {
    let form = form_of(row)?;
    let mut state = state_of(row)?;
    let from = state.status;
    state.status = Status::InProcessing;
    state.received_at = Some(now);
    state.receipt_due_at = None;
    // Decree 63/2024 gives the group one time limit, from the moment it is submitted.
    state.due_at = Some(app.calendar.add_working_minutes(now, state.legal_minutes));
    let group = update_row(
        txn,
        row,
        |am| {
            apply_state(am, &state, None);
            out_of_queues(am);
        },
        now,
    )
    .await?;
    let included: Vec<&GroupMember> = procedure
        .members
        .iter()
        .filter(|m| m.included(&form))
        .collect();
    let mut started = Vec::new();
    // The first members come after no other: nothing to read from one.
    let none = Map::new();
    for m in group::ready_to_start(&included, &HashMap::new()) {
        started.push(
            start_member(txn, app, &group, &form, m, &none, now)
                .await?
                .code,
        );
    }
    record_by(
        txn,
        &group,
        &Author::system(ACTOR, &group.competent_agency),
        "group_start",
        (from, Status::InProcessing),
        Some(started.join(", ")),
        now,
        Some(serde_json::json!({ "members": started })),
    )
    .await?;
    Ok(group)
}

/// The agency that handles a member where the group's lead agency is: the same rule as for any
/// application from that commune (`org::agency_for_commune`).
async fn member_agency(
    txn: &impl ConnectionTrait,
    member: &Procedure,
    lead: &agency::Model,
) -> Result<agency::Model, AppError> {
    let found = match &lead.commune_code {
        Some(commune) => org::agency_for_commune(txn, member, commune).await?,
        None => None,
    };
    found.ok_or_else(|| {
        AppError::new(
            ErrorCode::Unprocessable,
            "no_member_agency",
            format!(
                "Chưa có cơ quan giải quyết thủ tục {} cho nơi này.",
                member.name_vi
            ),
            format!(
                "No agency handles {} for this place yet.",
                if member.name_en.is_empty() {
                    &member.name_vi
                } else {
                    &member.name_en
                }
            ),
        )
    })
}

/// Creates and submits one member's dossier at its competent agency, with the group's applicant,
/// the mapped answers and the mapped files (the same stored bytes).
async fn start_member(
    txn: &DatabaseTransaction,
    app: &App,
    group: &dossier::Model,
    group_form: &Map<String, Value>,
    m: &GroupMember,
    after: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<dossier::Model, AppError> {
    let member = catalogue::current(app, m.procedure.as_str())
        .await?
        .ok_or_else(|| {
            AppError::internal(motcua_store::StoreError::Corrupt(format!(
                "member procedure {} missing",
                m.procedure.as_str()
            )))
        })?;
    let lead = agency::Entity::find_by_id(group.competent_agency.clone())
        .one(txn)
        .await?
        .ok_or_else(|| {
            AppError::internal(motcua_store::StoreError::Corrupt(format!(
                "agency {} missing",
                group.competent_agency
            )))
        })?;
    let at = member_agency(txn, &member, &lead).await?;
    let draft = DossierState::new_draft(
        Channel::Online,
        member.processing_time.legal_working_minutes(),
        false,
    );
    // The member is submitted as the applicant submitted the group: online, by them.
    let applicant = Actor {
        username: group.applicant_id.clone(),
        role: Role::Citizen,
        is_applicant: true,
        at_receiving: false,
        at_competent: false,
    };
    let submitted = lifecycle::decide(&draft, &applicant, &Command::Submit, now, &app.calendar)
        .map_err(AppError::from)?
        .to;
    let code = AgencyCode::parse(&at.code).map_err(AppError::internal)?;
    let day = now.with_timezone(&app.calendar.offset()).date_naive();
    let seq = next_sequence(txn, code.as_str(), &day.format("%y%m%d").to_string()).await?;
    let official = DossierCode::new(&code, day, seq).to_string();
    let applicant: Map<String, Value> = serde_json::from_str(&group.applicant).unwrap_or_default();
    let mut form = m.member_form(group_form, &applicant, after);
    // Stored as a person's save would store it: canonical values (a fixed "1" for a number field
    // becomes 1), and what the member's own form derives (a date in words) derived.
    form = member.form.normalize(&form);
    member.form.derive(&mut form);
    let mut am = dossier::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        code: Set(official.clone()),
        draft_ref: Set(None),
        procedure_code: Set(member.code.as_str().to_owned()),
        procedure_version: Set(i32::try_from(member.version).unwrap_or(1)),
        channel: Set(Channel::Online.as_str().to_owned()),
        status: Set(0),
        applicant_id: Set(group.applicant_id.clone()),
        applicant: Set(group.applicant.clone()),
        created_by: Set(group.created_by.clone()),
        receiving_point: Set(None),
        receiving_agency: Set(at.code.clone()),
        competent_agency: Set(at.code.clone()),
        assignee: Set(None),
        due_at: Set(None),
        receipt_due_at: Set(None),
        submitted_at: Set(None),
        received_at: Set(None),
        finished_at: Set(None),
        form: Set(Value::Object(form).to_string()),
        lifecycle: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        row_version: Set(1),
        reused_data: Set(group.reused_data),
        from_warehouse: Set(group.from_warehouse),
        population_data: Set(group.population_data),
        vneid_applicant: Set(group.vneid_applicant),
        assisted_by: Set(group.assisted_by.clone()),
        on_behalf_of: Set(group.on_behalf_of.clone()),
        work_stage: Set(None),
        queue_due_at: Set(None),
        watch_due_at: Set(None),
        with_competent: Set(true),
        applicant_name: Set(group.applicant_name.clone()),
        group_id: Set(Some(group.id.clone())),
        is_group: Set(false),
    };
    apply_state(&mut am, &submitted, None);
    let row = am.insert(txn).await?;
    // The group's files for the member's components: new records of the same stored bytes.
    for (member_key, group_key) in &m.components {
        let files = attachment::Entity::find()
            .filter(attachment::Column::DossierId.eq(group.id.clone()))
            .filter(attachment::Column::ComponentKey.eq(group_key.clone()))
            .all(txn)
            .await?;
        for f in files {
            attachment::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                dossier_id: Set(row.id.clone()),
                component_key: Set(member_key.clone()),
                file_name: Set(f.file_name),
                mime: Set(f.mime),
                size_bytes: Set(f.size_bytes),
                sha256: Set(f.sha256),
                storage_key: Set(f.storage_key),
                uploaded_by: Set(f.uploaded_by),
                uploaded_at: Set(f.uploaded_at),
                digitized: Set(f.digitized),
                supplement: Set(false),
                source: Set(f.source),
            }
            .insert(txn)
            .await?;
        }
    }
    record_by(
        txn,
        &row,
        &Author::system(ACTOR, &at.code),
        "submit",
        (Status::Draft, submitted.status),
        Some(format!("Liên thông từ hồ sơ {}", group.code)),
        now,
        Some(serde_json::json!({ "group": group.code })),
    )
    .await?;
    Ok(row)
}

/// Runs after every step of a member dossier, in the step's transaction: starts the members that
/// were waiting for this one's result, and moves the group's status with its members'. Returns
/// the group's code when the group changed (its tracking answer is then stale).
pub(crate) async fn after_member_step(
    txn: &DatabaseTransaction,
    app: &App,
    member: &dossier::Model,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let Some(group_id) = &member.group_id else {
        return Ok(None);
    };
    let Some(group) = dossier::Entity::find_by_id(group_id.clone())
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let procedure = catalogue::pinned(txn, &group.procedure_code, group.procedure_version).await?;
    let form = form_of(&group)?;
    let included: Vec<&GroupMember> = procedure
        .members
        .iter()
        .filter(|m| m.included(&form))
        .collect();
    let rows = started_members(txn, &group.id).await?;
    let mut started: HashMap<String, Status> = rows
        .iter()
        .map(|r| (r.procedure_code.clone(), status_of(r)))
        .collect();
    for m in group::ready_to_start(&included, &started) {
        // The record of the member it comes after, as its result left it.
        let after = match rows.iter().find(|r| {
            m.after
                .as_ref()
                .is_some_and(|a| a.as_str() == r.procedure_code)
        }) {
            Some(r) => form_of(r)?,
            None => Map::new(),
        };
        let row = start_member(txn, app, &group, &form, m, &after, now).await?;
        started.insert(row.procedure_code.clone(), status_of(&row));
    }
    let states: Vec<MemberState> = group::member_states(&included, &started)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let to = group::group_status(&states);
    let mut state = state_of(&group)?;
    let from = state.status;
    if to == from {
        return Ok(Some(group.code));
    }
    state.status = to;
    state.finished_at = match to {
        Status::InProcessing => None,
        _ => state.finished_at.or(Some(now)),
    };
    let updated = update_row(
        txn,
        &group,
        |am| {
            apply_state(am, &state, None);
            out_of_queues(am);
        },
        now,
    )
    .await?;
    record_by(
        txn,
        &updated,
        &Author::system(ACTOR, &group.competent_agency),
        "group_progress",
        (from, to),
        Some(member.code.clone()),
        now,
        None,
    )
    .await?;
    Ok(Some(group.code))
}

fn status_of(row: &dossier::Model) -> Status {
    u8::try_from(row.status)
        .ok()
        .and_then(Status::from_code)
        .unwrap_or(Status::Draft)
}

async fn started_members(
    conn: &impl ConnectionTrait,
    group_id: &str,
) -> Result<Vec<dossier::Model>, AppError> {
    Ok(dossier::Entity::find()
        .filter(dossier::Column::GroupId.eq(group_id.to_owned()))
        .order_by_asc(dossier::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// A member as the applicant and the API see it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    /// The member's dossier code, once it started.
    pub code: Option<String>,
    pub procedure: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// Its competent agency, once it started.
    pub agency: Option<String>,
    /// Status code 0–10 once it started.
    pub status: Option<u8>,
    /// `started`, `waiting` (for another member's result) or `cancelled` (that member ended
    /// without one).
    pub state: &'static str,
    /// The member whose result it waits for.
    pub after: Option<String>,
}

/// A group's members, in the catalogue's order, started or not.
pub async fn members_of(
    app: &App,
    conn: &impl ConnectionTrait,
    group: &dossier::Model,
) -> Result<Vec<MemberView>, AppError> {
    if !group.is_group {
        return Ok(Vec::new());
    }
    let procedure = catalogue::pinned(conn, &group.procedure_code, group.procedure_version).await?;
    let form = form_of(group)?;
    let included: Vec<&GroupMember> = procedure
        .members
        .iter()
        .filter(|m| m.included(&form))
        .collect();
    let rows = started_members(conn, &group.id).await?;
    let started: HashMap<String, Status> = rows
        .iter()
        .map(|r| (r.procedure_code.clone(), status_of(r)))
        .collect();
    let mut out = Vec::new();
    for (m, s) in group::member_states(&included, &started) {
        let row = rows
            .iter()
            .find(|r| r.procedure_code == m.procedure.as_str());
        let names = catalogue::current(app, m.procedure.as_str()).await?;
        out.push(MemberView {
            code: row.map(|r| r.code.clone()),
            procedure: m.procedure.as_str().to_owned(),
            procedure_name_vi: names
                .as_ref()
                .map(|p| p.name_vi.clone())
                .unwrap_or_default(),
            procedure_name_en: names
                .as_ref()
                .map(|p| p.name_en.clone())
                .unwrap_or_default(),
            agency: row.map(|r| r.competent_agency.clone()),
            status: row.and_then(|r| u8::try_from(r.status).ok()),
            state: match s {
                MemberState::Started(_) => "started",
                MemberState::Waiting => "waiting",
                MemberState::Cancelled => "cancelled",
            },
            after: m.after.as_ref().map(|a| a.as_str().to_owned()),
        });
    }
    Ok(out)
}

/// The applicant withdraws a whole interconnected application: each member still being worked is
/// asked to be withdrawn, as the applicant would ask for it (its agency decides; one not yet
/// received is withdrawn at once). A member waiting for another's result never starts once that
/// one ends without it, and the group's status follows its members'. Returns the group's view.
pub(crate) async fn request_withdrawal(
    app: &App,
    principal: &crate::identity::Principal,
    group: &dossier::Model,
    reason: &str,
) -> Result<crate::views::DossierView, AppError> {
    let mut asked = 0;
    let mut refused = None;
    for m in started_members(&app.db, &group.id).await? {
        if MemberState::Started(status_of(&m)).finished() {
            continue;
        }
        let command = Command::RequestWithdrawal {
            reason: reason.to_owned(),
        };
        // Each member through the one path any withdrawal takes: its own checks, transaction,
        // audit entry and notice.
        match Box::pin(crate::dossiers::act(
            app,
            principal,
            &m.code,
            command,
            crate::dossiers::IssueDetails::default(),
        ))
        .await
        {
            Ok(_) => asked += 1,
            Err(e) => refused = Some(e),
        }
    }
    if asked == 0 {
        return Err(refused.unwrap_or_else(|| {
            AppError::new(
                ErrorCode::Conflict,
                "nothing_to_withdraw",
                "Không còn hồ sơ thành phần nào đang giải quyết để rút.",
                "No member dossier is still being handled: there is nothing to withdraw.",
            )
        }));
    }
    crate::dossiers::get(app, principal, &group.code).await
}

/// A group's dossier is worked through its members: no action runs on it.
pub(crate) fn refuse_action_on_group(row: &dossier::Model) -> Result<(), AppError> {
    if row.is_group {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "group_dossier",
            "Đây là hồ sơ liên thông: các cơ quan giải quyết từng hồ sơ thành phần của nó.",
            "This is an interconnected application: each agency works on its member dossier.",
        ));
    }
    Ok(())
}
