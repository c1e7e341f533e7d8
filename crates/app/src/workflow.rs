//! An agency's workflow for a procedure (SPEC §4, issue "back office" item 4 and 7): how the legal
//! processing time is split across the internal steps, and which specialists take new dossiers
//! by default. The rules are in `motcua_domain::workflow`; this module stores templates and lets
//! the template make the first assignment in the same transaction as the step that brought the
//! dossier to the competent agency (receipt, counter intake, hand-over or the applicant's answer
//! to a supplementation request made at receipt).

use chrono::{DateTime, Utc};
use motcua_domain::lifecycle::{self, Actor, Command, Role, Status};
use motcua_domain::workflow::{Template, TemplateError, pick_assignee};
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{dossier, workflow_template};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;

use crate::admin::{admin_of, invalid};
use crate::dossiers::{Author, apply_state, record_by, state_of, update_row};
use crate::identity::Principal;
use crate::{App, AppError};

/// Statuses in which a dossier counts towards its assignee's open work.
const OPEN_WORK: [i32; 4] = [4, 5, 6, 7];

fn id_of(agency: &str, procedure: &str) -> String {
    format!("{agency}/{procedure}")
}

fn parse_minutes(text: &str) -> Option<[i64; 4]> {
    let v: Vec<i64> = text
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .collect();
    <[i64; 4]>::try_from(v).ok()
}

fn parse_assignees(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The template of `procedure` at `agency`, and whether the agency set it (else the default
/// split, with the leader assigning). A stored split the current legal time no longer allows
/// (the procedure was shortened) falls back to the default split but keeps its assignees.
pub async fn template_in(
    conn: &impl ConnectionTrait,
    agency: &str,
    procedure: &str,
    legal_minutes: i64,
) -> Result<(Template, bool), AppError> {
    let Some(row) = workflow_template::Entity::find_by_id(id_of(agency, procedure))
        .one(conn)
        .await?
    else {
        return Ok((Template::default_for(legal_minutes), false));
    };
    let assignees = parse_assignees(&row.assignees);
    let stored = parse_minutes(&row.minutes)
        .map(|minutes| Template {
            minutes,
            assignees: assignees.clone(),
        })
        .filter(|t| t.validate(legal_minutes).is_ok());
    Ok(match stored {
        Some(t) => (t, true),
        None => (
            Template {
                assignees,
                ..Template::default_for(legal_minutes)
            },
            false,
        ),
    })
}

pub async fn template_for(
    app: &App,
    agency: &str,
    procedure: &str,
    legal_minutes: i64,
) -> Result<(Template, bool), AppError> {
    template_in(&app.db, agency, procedure, legal_minutes).await
}

/// Whether `username` is an active specialist of `agency`.
async fn is_active_specialist(
    conn: &impl ConnectionTrait,
    agency: &str,
    username: &str,
) -> Result<bool, AppError> {
    crate::identity::staff_has_role_in(conn, username, agency, Role::Specialist).await
}

/// Sets the agency's template for a procedure: the split (working minutes, checked against the
/// current legal processing time) and the specialists who take new dossiers by default (each an
/// active specialist of the agency; none: the leader assigns).
pub async fn set_template(
    app: &App,
    principal: &Principal,
    agency: &str,
    procedure: &str,
    minutes: [i64; 4],
    assignees: &[String],
) -> Result<(), AppError> {
    admin_of(principal, agency)?;
    let p = crate::catalogue::current(app, procedure)
        .await?
        .ok_or_else(|| AppError::not_found("thủ tục", "Procedure"))?;
    let legal = p.processing_time.legal_working_minutes();
    let mut names: Vec<String> = Vec::new();
    for a in assignees.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if !names.iter().any(|n| n == a) {
            names.push(a.to_owned());
        }
    }
    let t = Template {
        minutes,
        assignees: names,
    };
    t.validate(legal).map_err(|e| {
        invalid(
            "invalid_workflow",
            &match e {
                TemplateError::TooShort => "Mỗi bước cần ít nhất 15 phút làm việc.".to_owned(),
                TemplateError::OverLegal(total, legal) => format!(
                    "Tổng thời gian các bước ({:.1} giờ) vượt thời hạn luật định ({:.1} giờ).",
                    total as f64 / 60.0,
                    legal as f64 / 60.0
                ),
            },
            &format!("{e}."),
        )
    })?;
    for a in &t.assignees {
        if !is_active_specialist(&app.db, agency, a).await? {
            return Err(invalid(
                "unknown_assignee",
                &format!("{a} không phải chuyên viên đang làm việc của cơ quan."),
                &format!("{a} is not an active specialist of the agency."),
            ));
        }
    }
    let id = id_of(agency, procedure);
    let text = minutes.map(|m| m.to_string()).join(",");
    let who = t.assignees.join(",");
    let txn = app.db.begin().await?;
    workflow_template::Entity::delete_by_id(id.clone())
        .exec(&txn)
        .await?;
    workflow_template::ActiveModel {
        id: Set(id),
        agency_code: Set(agency.to_owned()),
        procedure_code: Set(procedure.to_owned()),
        minutes: Set(text.clone()),
        assignees: Set(who.clone()),
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
            action: "workflow.update".into(),
            subject: format!("workflow:{agency}/{procedure}"),
            data: json!({
                "agency": agency,
                "procedure": procedure,
                "minutes": text,
                "legal_minutes": legal,
                "assignees": t.assignees,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One of the agency's own templates, for the administration page.
#[derive(Debug, Clone)]
pub struct TemplateRow {
    pub procedure: String,
    pub minutes: [i64; 4],
    pub assignees: Vec<String>,
}

/// The templates the agency set, by procedure code.
pub async fn list_templates(
    app: &App,
    principal: &Principal,
    agency: &str,
) -> Result<Vec<TemplateRow>, AppError> {
    admin_of(principal, agency)?;
    Ok(workflow_template::Entity::find()
        .filter(workflow_template::Column::AgencyCode.eq(agency.to_owned()))
        .order_by_asc(workflow_template::Column::ProcedureCode)
        .all(&app.db)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(TemplateRow {
                minutes: parse_minutes(&r.minutes)?,
                assignees: parse_assignees(&r.assignees),
                procedure: r.procedure_code,
            })
        })
        .collect())
}

/// If the dossier now waits for assignment at the competent agency and the agency's template
/// names specialists, assigns it to the least loaded of them, as the workflow, in the caller's
/// transaction. Returns the updated row, or `None` when the leader is to assign.
pub(crate) async fn assign_by_default(
    txn: &DatabaseTransaction,
    app: &App,
    row: &dossier::Model,
    now: DateTime<Utc>,
) -> Result<Option<dossier::Model>, AppError> {
    let state = state_of(row)?;
    if !state.awaiting_assignment() {
        return Ok(None);
    }
    let agency = row.competent_agency.as_str();
    let (template, _) = template_in(txn, agency, &row.procedure_code, state.legal_minutes).await?;
    if template.assignees.is_empty() {
        return Ok(None);
    }
    // Open dossiers of each assignee still able to take work; the others are not in the map.
    let mut load = std::collections::HashMap::new();
    for a in &template.assignees {
        if is_active_specialist(txn, agency, a).await? {
            let open = dossier::Entity::find()
                .filter(dossier::Column::CompetentAgency.eq(agency.to_owned()))
                .filter(dossier::Column::Assignee.eq(a.clone()))
                .filter(dossier::Column::Status.is_in(OPEN_WORK))
                .count(txn)
                .await?;
            load.insert(a.clone(), usize::try_from(open).unwrap_or(usize::MAX));
        }
    }
    let Some(assignee) = pick_assignee(&template, &|a: &str| load.contains_key(a), &|a: &str| {
        load.get(a).copied().unwrap_or_default()
    })
    .map(str::to_owned) else {
        return Ok(None);
    };
    let actor = Actor {
        username: "workflow".to_owned(),
        role: Role::Workflow,
        is_applicant: false,
        at_receiving: false,
        at_competent: true,
    };
    let command = Command::Assign { assignee };
    let transition = lifecycle::decide(&state, &actor, &command, now, &app.calendar)?;
    let to = transition.to;
    let updated = update_row(txn, row, |am| apply_state(am, &to, None), now).await?;
    record_by(
        txn,
        &updated,
        &Author::workflow(agency),
        command.kind().as_str(),
        (transition.from, to.status),
        transition.note,
        now,
        serde_json::to_value(&command).ok(),
    )
    .await?;
    debug_assert_eq!(to.status, Status::InProcessing);
    Ok(Some(updated))
}
