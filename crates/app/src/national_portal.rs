//! Sync with the National Public Service Portal (issue 19, DOMAIN-VN §2.7): each submitted
//! dossier's creation, every step after it, its fee list and its result's link reach the portal
//! from the outbox, in order, once each there.
//!
//! The portal's updates of a dossier are its recorded steps from submission on, numbered from 1
//! (`motcua_domain::national_portal`). `npsp_sync` keeps how many the portal acknowledged; an
//! `npsp.sync` job (one per event, see [`crate::events`]) sends whatever follows, so jobs for the
//! same dossier may run in any order or twice and the portal still sees 1, 2, 3, … When the portal
//! expects another number (it lost its state, or an earlier attempt's answer was lost), sending
//! resumes from that number. The fee list is sent whole when it changed since the portal last
//! took it. Indicator 1.4 counts a dossier synced once the portal acknowledged its creation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_domain::national_portal::{
    self as wire, Applicant, Component, DossierRecord, Fee, FeeList, ProgressUpdate, flag,
    portal_time,
};
use motcua_store::entities::{
    attachment, document, dossier, npsp_sync, outbox_job, payment, progress_entry,
};
use motcua_store::outbox::{self, NewJob};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::outbox::{Handler, JobCtx, JobError};
use crate::{App, AppError, catalogue};

/// The job that sends a dossier's pending updates.
pub const SYNC: &str = "npsp.sync";

/// Why the portal did not take an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalError {
    /// It expects update `expected` next.
    OutOfOrder { expected: u32 },
    /// It read the update and refused it.
    Refused(String),
    /// Not reached or failing: try again later.
    Unavailable(String),
}

/// The portal's dossier-sync service.
pub trait NationalPortal: Send + Sync {
    fn create<'a>(&'a self, record: &'a DossierRecord) -> BoxFuture<'a, Result<(), PortalError>>;
    fn progress<'a>(
        &'a self,
        code: &'a str,
        update: &'a ProgressUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>>;
    fn fees<'a>(
        &'a self,
        code: &'a str,
        fees: &'a FeeList,
    ) -> BoxFuture<'a, Result<(), PortalError>>;
    fn describe(&self) -> String;
}

/// The worker's handler of [`SYNC`] jobs.
pub struct SyncDossier {
    pub portal: Arc<dyn NationalPortal>,
}

#[derive(Deserialize)]
struct Target {
    dossier_id: String,
}

impl Handler for SyncDossier {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let t: Target = ctx.payload()?;
            sync_dossier(ctx.app, self.portal.as_ref(), &t.dossier_id).await
        })
    }
}

/// What was acknowledged so far.
struct Cursor {
    row: Option<npsp_sync::Model>,
}

impl Cursor {
    fn acked(&self) -> u32 {
        self.row
            .as_ref()
            .map(|r| u32::try_from(r.acked).unwrap_or(0))
            .unwrap_or(0)
    }
}

async fn save(
    app: &App,
    cursor: &mut Cursor,
    dossier: &dossier::Model,
    change: impl FnOnce(&mut npsp_sync::Model),
) -> Result<(), AppError> {
    let now = app.now();
    let (mut m, new) = match cursor.row.clone() {
        Some(r) => (r, false),
        None => (
            npsp_sync::Model {
                dossier_id: dossier.id.clone(),
                dossier_code: dossier.code.clone(),
                acked: 0,
                synced_at: None,
                acked_at: None,
                fees_digest: None,
                last_error: None,
                failing_since: None,
                updated_at: now,
            },
            true,
        ),
    };
    change(&mut m);
    m.updated_at = now;
    let am = npsp_sync::ActiveModel::from(m).reset_all();
    let saved = if new {
        am.insert(&app.db).await?
    } else {
        am.update(&app.db).await?
    };
    cursor.row = Some(saved);
    Ok(())
}

/// Sends the dossier's updates the portal has not acknowledged, then its fee list if changed.
pub async fn sync_dossier(
    app: &App,
    portal: &dyn NationalPortal,
    dossier_id: &str,
) -> Result<(), JobError> {
    let Some(row) = dossier::Entity::find_by_id(dossier_id.to_owned())
        .one(&app.db)
        .await?
    else {
        // A draft deleted since: nothing was ever sent.
        return Ok(());
    };
    // A group's application reaches the portal through its member dossiers.
    if row.status == 0 || row.is_group {
        return Ok(());
    }
    let entries: Vec<progress_entry::Model> = progress_entry::Entity::find()
        .filter(progress_entry::Column::DossierId.eq(row.id.clone()))
        .filter(progress_entry::Column::ToStatus.ne(0))
        .order_by_asc(progress_entry::Column::Id)
        .all(&app.db)
        .await?;
    if entries.is_empty() {
        return Ok(());
    }
    let mut cursor = Cursor {
        row: npsp_sync::Entity::find_by_id(row.id.clone())
            .one(&app.db)
            .await?,
    };
    // The fee list as it stands: inside update 1, and on its own whenever it changes.
    let fees = fee_list(app, &row).await?;
    let digest = hex::encode(Sha256::digest(
        serde_json::to_vec(&fees).map_err(AppError::internal)?,
    ));
    let total = u32::try_from(entries.len()).unwrap_or(u32::MAX);
    let mut next = cursor.acked().saturating_add(1);
    let mut people: Option<HashMap<String, String>> = None;
    // Each resumption moves back; a portal that keeps asking for the impossible is stopped.
    let mut turns = 0u32;
    while next <= total {
        turns += 1;
        if turns > total.saturating_mul(2).saturating_add(4) {
            return Err(fail(
                app,
                &mut cursor,
                &row,
                "the portal keeps asking for other updates",
                false,
            )
            .await);
        }
        let sent = if next == 1 {
            let record = record(app, &row, &entries[0], fees.clone()).await?;
            portal.create(&record).await
        } else {
            let names = match &people {
                Some(p) => p,
                None => people.insert(handler_names(app, &row, &entries).await?),
            };
            let i = usize::try_from(next - 1).unwrap_or(usize::MAX);
            let Some(entry) = entries.get(i) else { break };
            let update = progress(app, &row, entry, next, names).await?;
            portal.progress(&row.code, &update).await
        };
        match sent {
            Ok(()) => {
                let n = next;
                let at = app.now();
                let with_fees = (n == 1).then(|| digest.clone());
                save(app, &mut cursor, &row, |m| {
                    m.acked = i32::try_from(n).unwrap_or(i32::MAX);
                    if with_fees.is_some() {
                        m.fees_digest = with_fees;
                    }
                    m.acked_at = Some(at);
                    if m.synced_at.is_none() {
                        m.synced_at = Some(at);
                    }
                    m.last_error = None;
                    m.failing_since = None;
                })
                .await?;
                next += 1;
            }
            Err(PortalError::OutOfOrder { expected }) if expected >= 1 && expected <= total + 1 => {
                let back = expected - 1;
                save(app, &mut cursor, &row, |m| {
                    m.acked = i32::try_from(back).unwrap_or(0);
                })
                .await?;
                next = expected;
            }
            Err(PortalError::OutOfOrder { expected }) => {
                let why = format!("the portal expects update {expected} of {total}");
                return Err(fail(app, &mut cursor, &row, &why, false).await);
            }
            Err(PortalError::Refused(why)) => {
                return Err(fail(app, &mut cursor, &row, &format!("refused: {why}"), true).await);
            }
            Err(PortalError::Unavailable(why)) => {
                return Err(fail(app, &mut cursor, &row, &why, false).await);
            }
        }
    }
    // The fee list, when it changed since the portal took it.
    if cursor.row.as_ref().and_then(|r| r.fees_digest.as_deref()) != Some(digest.as_str())
        && (!fees.fees.is_empty() || cursor.row.as_ref().is_some_and(|r| r.fees_digest.is_some()))
    {
        match portal.fees(&row.code, &fees).await {
            Ok(()) => {
                save(app, &mut cursor, &row, |m| m.fees_digest = Some(digest)).await?;
            }
            Err(PortalError::OutOfOrder { .. }) => {
                // The portal lost the dossier meanwhile: start again from update 1.
                save(app, &mut cursor, &row, |m| m.acked = 0).await?;
                return Err(JobError::transient("the portal asks for the dossier again"));
            }
            Err(PortalError::Refused(why)) => {
                return Err(fail(
                    app,
                    &mut cursor,
                    &row,
                    &format!("fees refused: {why}"),
                    true,
                )
                .await);
            }
            Err(PortalError::Unavailable(why)) => {
                return Err(fail(app, &mut cursor, &row, &why, false).await);
            }
        }
    }
    Ok(())
}

/// Notes the failure on the dossier's sync row (for the operator) and says how to retry.
async fn fail(
    app: &App,
    cursor: &mut Cursor,
    row: &dossier::Model,
    why: &str,
    permanent: bool,
) -> JobError {
    let now = app.now();
    let text = why.chars().take(1000).collect::<String>();
    if let Err(e) = save(app, cursor, row, |m| {
        m.last_error = Some(text.clone());
        if m.failing_since.is_none() {
            m.failing_since = Some(now);
        }
    })
    .await
    {
        tracing::warn!(error = ?e, "cannot note a sync failure");
    }
    if permanent {
        JobError::permanent(text)
    } else {
        JobError::transient(text)
    }
}

fn applicant_of(row: &dossier::Model) -> Applicant {
    let a: Value = serde_json::from_str(&row.applicant).unwrap_or(Value::Null);
    let s = |k: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let citizen = s("citizen_id");
    let (id, kind) = if citizen.is_empty() {
        let org = ["tax_code", "enterprise_code", "organisation_code"]
            .iter()
            .map(|k| s(k))
            .find(|v| !v.is_empty())
            .unwrap_or_else(|| row.applicant_id.clone());
        (org, 2)
    } else {
        (citizen, 1)
    };
    let name = Some(s("full_name"))
        .filter(|n| !n.is_empty())
        .or_else(|| row.applicant_name.clone())
        .unwrap_or_else(|| "—".into());
    Applicant {
        full_name: name,
        id_number: id,
        kind,
        commune: a
            .pointer("/address/commune")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Update 1.
async fn record(
    app: &App,
    row: &dossier::Model,
    submit: &progress_entry::Model,
    fees: FeeList,
) -> Result<DossierRecord, AppError> {
    let procedure = catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let files = attachment::Entity::find()
        .filter(attachment::Column::DossierId.eq(row.id.clone()))
        .filter(attachment::Column::ComponentKey.ne(crate::dossiers::RESULT_COMPONENT))
        .filter(attachment::Column::ComponentKey.ne(crate::receipts::RECEIPT_COMPONENT))
        .order_by_asc(attachment::Column::UploadedAt)
        .all(&app.db)
        .await?;
    let mut by_component: BTreeMap<String, Vec<wire::File>> = BTreeMap::new();
    for f in &files {
        by_component
            .entry(f.component_key.clone())
            .or_default()
            .push(wire::File {
                id: f.id.clone(),
                name: f.file_name.clone(),
                sha256: f.sha256.clone(),
                digitized: flag(f.digitized),
                from_warehouse: flag(f.source == "warehouse"),
            });
    }
    let components = by_component
        .into_iter()
        .map(|(key, files)| Component {
            name: procedure
                .components
                .iter()
                .find(|c| c.key == key)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| key.clone()),
            key,
            files,
        })
        .collect();
    Ok(DossierRecord {
        seq: 1,
        code: row.code.clone(),
        procedure_code: row.procedure_code.clone(),
        procedure_name: procedure.name_vi.clone(),
        receiving_agency: row.receiving_agency.clone(),
        competent_agency: row.competent_agency.clone(),
        channel: wire::channel_code(&row.channel),
        submitted_at: portal_time(row.submitted_at.unwrap_or(submit.at)),
        received_at: row.received_at.map(portal_time),
        due_at: row.due_at.map(portal_time),
        status: u8::try_from(submit.to_status).unwrap_or(1),
        applicant: applicant_of(row),
        vneid_account: flag(row.vneid_applicant),
        has_digitized_components: flag(files.iter().any(|f| f.digitized)),
        components,
        fees: fees.fees,
        paid_online: fees.paid_online,
    })
}

/// The people behind the steps, by name: staff from their accounts, the applicant as named.
async fn handler_names(
    app: &App,
    row: &dossier::Model,
    entries: &[progress_entry::Model],
) -> Result<HashMap<String, String>, AppError> {
    let staff = crate::org::staff_names(
        &app.db,
        entries
            .iter()
            .filter_map(|e| e.actor.strip_prefix("staff:").map(str::to_owned)),
    )
    .await?;
    let applicant = applicant_of(row).full_name;
    let mut names: HashMap<String, String> = staff
        .into_iter()
        .map(|(u, n)| (format!("staff:{u}"), n))
        .collect();
    for e in entries {
        if e.actor.starts_with("citizen:") {
            names.insert(e.actor.clone(), applicant.clone());
        }
    }
    Ok(names)
}

/// Update `seq` (2, 3, …): one recorded step.
async fn progress(
    app: &App,
    row: &dossier::Model,
    e: &progress_entry::Model,
    seq: u32,
    names: &HashMap<String, String>,
) -> Result<ProgressUpdate, AppError> {
    let status = u8::try_from(e.to_status).unwrap_or(0);
    let (result_url, result_sha256) = if e.action == "issue_result" {
        match document::Entity::find()
            .filter(document::Column::DossierId.eq(row.id.clone()))
            .filter(document::Column::Kind.eq("result"))
            .order_by_desc(document::Column::IssuedAt)
            .one(&app.db)
            .await?
        {
            Some(d) => (
                Some(format!("{}/verify/{}", app.public_url, d.id)),
                Some(d.sha256),
            ),
            None => (None, None),
        }
    } else {
        (None, None)
    };
    let content = match e.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        // An assignment's note is the assignee's account: say who, by name.
        Some(n) if e.action == "assign" => format!(
            "{}: {}",
            wire::step_content(&e.action),
            names
                .get(&format!("staff:{n}"))
                .cloned()
                .unwrap_or_else(|| n.to_owned())
        ),
        Some(n) => format!("{}: {n}", wire::step_content(&e.action)),
        None => wire::step_content(&e.action).to_owned(),
    };
    Ok(ProgressUpdate {
        seq,
        status,
        at: portal_time(e.at),
        handler: names.get(&e.actor).cloned().unwrap_or_else(|| {
            if e.actor.starts_with("system:") {
                "Hệ thống".into()
            } else {
                e.actor.clone()
            }
        }),
        unit: e.agency_code.clone(),
        content: content.chars().take(2000).collect(),
        due_at: row.due_at.map(portal_time),
        ended_at: wire::ends_handling(status).then(|| portal_time(e.at)),
        result_url,
        result_sha256,
    })
}

/// The dossier's fee lines as its payments stand.
async fn fee_list(app: &App, row: &dossier::Model) -> Result<FeeList, AppError> {
    let pays = payment::Entity::find()
        .filter(payment::Column::DossierId.eq(row.id.clone()))
        .order_by_asc(payment::Column::CreatedAt)
        .all(&app.db)
        .await?;
    let mut fees = Vec::new();
    let mut online = false;
    for p in pays {
        // Payments that never completed are attempts, not fees.
        if !matches!(p.status.as_str(), "succeeded" | "refunded") {
            continue;
        }
        let paid = p.status == "succeeded";
        online |= paid && p.method == "vnpay";
        let method = match p.method.as_str() {
            "vnpay" => 2,
            _ => 3,
        };
        let lines: Vec<motcua_domain::fees::QuotedLine> =
            serde_json::from_str(&p.lines).unwrap_or_default();
        let transaction = p.gateway_txn_no.clone().or(Some(p.txn_ref.clone()));
        if lines.is_empty() {
            fees.push(Fee {
                name: "Phí, lệ phí".into(),
                amount_vnd: p.amount_vnd,
                paid: flag(paid),
                method: Some(method),
                transaction,
            });
        } else {
            for l in lines {
                fees.push(Fee {
                    name: l.name,
                    amount_vnd: l.amount_vnd,
                    paid: flag(paid),
                    method: Some(method),
                    transaction: transaction.clone(),
                });
            }
        }
    }
    Ok(FeeList {
        fees,
        paid_online: flag(online),
    })
}

/// The operator's view of the sync.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Sync jobs waiting or being retried.
    pub pending: u64,
    /// The oldest waiting job's age: how far the portal is behind.
    pub lag_seconds: Option<i64>,
    /// Jobs that failed at least once and wait for another try.
    pub retrying: u64,
    /// Jobs given up on (refused, or out of attempts): an operator must look.
    pub parked: u64,
    /// Dossiers whose creation the portal acknowledged.
    pub synced_dossiers: u64,
    /// Dossiers whose last attempt failed, newest failure first.
    pub failing: Vec<Failing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    pub code: String,
    pub since: Option<DateTime<Utc>>,
    pub error: String,
}

/// [`status`] for a system administrator (the operator's screens and API).
pub async fn status_for(
    app: &App,
    principal: &crate::identity::Principal,
) -> Result<SyncStatus, AppError> {
    crate::outbox::operator_only(app, principal).await?;
    status(app).await
}

pub async fn status(app: &App) -> Result<SyncStatus, AppError> {
    let now = app.now();
    let jobs = || outbox_job::Entity::find().filter(outbox_job::Column::Kind.eq(SYNC));
    let pending = jobs()
        .filter(outbox_job::Column::Status.eq(outbox::PENDING))
        .count(&app.reader)
        .await?;
    let retrying = jobs()
        .filter(outbox_job::Column::Status.eq(outbox::PENDING))
        .filter(outbox_job::Column::Attempts.gt(0))
        .count(&app.reader)
        .await?;
    let parked = jobs()
        .filter(outbox_job::Column::Status.eq(outbox::DEAD))
        .count(&app.reader)
        .await?;
    let oldest: Option<DateTime<Utc>> = jobs()
        .select_only()
        .column(outbox_job::Column::CreatedAt)
        .filter(outbox_job::Column::Status.eq(outbox::PENDING))
        .order_by_asc(outbox_job::Column::CreatedAt)
        .into_tuple()
        .one(&app.reader)
        .await?;
    let synced_dossiers = npsp_sync::Entity::find()
        .filter(npsp_sync::Column::SyncedAt.is_not_null())
        .count(&app.reader)
        .await?;
    let failing = npsp_sync::Entity::find()
        .filter(npsp_sync::Column::LastError.is_not_null())
        .order_by_desc(npsp_sync::Column::UpdatedAt)
        .limit(20)
        .all(&app.reader)
        .await?
        .into_iter()
        .map(|r| Failing {
            code: r.dossier_code,
            since: r.failing_since,
            error: r.last_error.unwrap_or_default(),
        })
        .collect();
    Ok(SyncStatus {
        pending,
        lag_seconds: oldest.map(|t| (now - t).num_seconds().max(0)),
        retrying,
        parked,
        synced_dossiers,
        failing,
    })
}

/// Sends again, from update 1, every dossier submitted since `since` (the portal lost data, or
/// the deployment starts syncing): the portal takes what it already holds as duplicates.
/// Returns how many dossiers were queued.
pub async fn resync(app: &App, since: DateTime<Utc>) -> Result<u64, AppError> {
    let now = app.now();
    let mut after = String::new();
    let mut queued = 0u64;
    loop {
        let ids: Vec<String> = dossier::Entity::find()
            .select_only()
            .column(dossier::Column::Id)
            .filter(dossier::Column::Status.ne(0))
            .filter(dossier::Column::SubmittedAt.gte(since))
            .filter(dossier::Column::Id.gt(after.clone()))
            .order_by_asc(dossier::Column::Id)
            .limit(1000)
            .into_tuple()
            .all(&app.db)
            .await?;
        let Some(last) = ids.last() else { break };
        after = last.clone();
        let txn = motcua_store::sea_orm::TransactionTrait::begin(&app.db).await?;
        npsp_sync::Entity::update_many()
            .col_expr(npsp_sync::Column::Acked, 0.into())
            .col_expr(
                npsp_sync::Column::FeesDigest,
                motcua_store::sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(npsp_sync::Column::DossierId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        for id in &ids {
            outbox::enqueue(
                &txn,
                NewJob::now(SYNC, serde_json::json!({ "dossier_id": id }), now),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        queued += ids.len() as u64;
    }
    Ok(queued)
}
