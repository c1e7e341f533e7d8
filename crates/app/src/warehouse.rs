//! The citizen's data warehouse (Decree 45/2020 Art. 16(3); Circular 01/2023 Art. 24; SPEC §7):
//! every file of their dossiers the state has received or issued — results and fee receipts (signed
//! by the agency), components digitized at the counter, and the components of their earlier
//! dossiers — each with its type, issuer, date, validity and hash; and attaching any of them to a
//! new dossier in one step, which also fills the form from what a result says.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use motcua_domain::national;
use motcua_store::entities::{agency, attachment, document, dossier};
use motcua_store::sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::identity::Principal;
use crate::views::{AttachmentView, DossierView};
use crate::{App, AppError, ErrorCode, catalogue, dossiers};

/// One item of the warehouse.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// What to name in `{"warehouse_item": …}` to attach it.
    pub id: String,
    /// `result`, `fee_receipt`, `digitized` (scanned at the counter) or `component` (a file of an
    /// earlier dossier).
    pub kind: &'static str,
    pub title: String,
    /// The register or document number of a result or receipt.
    pub number: Option<String>,
    /// The agency that issued or digitized it; `null` for the applicant's own uploads.
    pub issuer: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// `valid`, or `revoked` for a revoked result.
    pub status: String,
    pub sha256: String,
    pub mime: String,
    pub size_bytes: i64,
    pub dossier_code: String,
    pub procedure_code: String,
    /// The component it was filed as (`result` for a result).
    pub component: String,
    pub url: String,
    /// The public verification page of a signed document.
    pub verify_url: Option<String>,
}

/// Whose warehouse: a person's (by citizen ID) or an enterprise's (by enterprise code; Decree
/// 45/2020 Art. 16(3)(a)). Made only by [`Owner::open`] and [`Owner::of_dossier`], which check
/// that the principal may open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Citizen(String),
    Enterprise(String),
}

impl Owner {
    /// The signed-in citizen's own warehouse, or with `enterprise` the warehouse of an
    /// enterprise the business registration database says they represent today.
    pub async fn open(
        app: &App,
        principal: &Principal,
        enterprise: Option<&str>,
    ) -> Result<Owner, AppError> {
        let citizen = citizen_of(principal)?;
        match enterprise.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Owner::Citizen(citizen.to_owned())),
            Some(code) => {
                let e =
                    crate::enterprise::verify(app, principal, code, "warehouse.enterprise").await?;
                Ok(Owner::Enterprise(e.code))
            }
        }
    }

    /// The warehouse that feeds a dossier: the enterprise's for one its representative applied
    /// for, else the applicant's own.
    pub async fn of_dossier(
        app: &App,
        principal: &Principal,
        view: &DossierView,
    ) -> Result<Owner, AppError> {
        Owner::open(
            app,
            principal,
            view.on_behalf_of.as_ref().map(|e| e.code.as_str()),
        )
        .await
    }
}

fn citizen_of(principal: &Principal) -> Result<&str, AppError> {
    match principal {
        Principal::Citizen { citizen_id, .. } => Ok(citizen_id.as_str()),
        Principal::Staff { .. } => Err(AppError::forbidden(
            "citizens_only",
            "Kho dữ liệu này dành cho công dân.",
            "This data warehouse is for citizens.",
        )),
    }
}

/// The items of `owner`'s warehouse, newest first. Drafts are not in it: nothing of theirs was
/// received yet. A person's warehouse holds what they applied for themselves; what they applied
/// for as an enterprise's representative is the enterprise's.
pub async fn items(app: &App, owner: &Owner) -> Result<Vec<Item>, AppError> {
    let whose = match owner {
        Owner::Citizen(id) => Condition::all()
            .add(dossier::Column::ApplicantId.eq(id.clone()))
            .add(dossier::Column::OnBehalfOf.is_null()),
        Owner::Enterprise(code) => {
            Condition::all().add(dossier::Column::OnBehalfOf.eq(code.clone()))
        }
    };
    let own: HashMap<String, dossier::Model> = dossier::Entity::find()
        .filter(whose)
        .filter(dossier::Column::Status.ne(0))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = own.keys().cloned().collect();
    let files = attachment::Entity::find()
        .filter(attachment::Column::DossierId.is_in(ids.clone()))
        .order_by_desc(attachment::Column::UploadedAt)
        .all(&app.db)
        .await?;
    let docs: HashMap<String, document::Model> = document::Entity::find()
        .filter(document::Column::DossierId.is_in(ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    // Only the agencies these dossiers and documents name, not the province's thousands.
    let mut codes: Vec<String> = own
        .values()
        .map(|d| d.receiving_agency.clone())
        .chain(docs.values().map(|d| d.agency_code.clone()))
        .collect();
    codes.sort();
    codes.dedup();
    let agencies: HashMap<String, String> = agency::Entity::find()
        .filter(agency::Column::Code.is_in(codes))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name_vi))
        .collect();
    let mut out = Vec::new();
    let mut names: HashMap<(String, i32), std::sync::Arc<motcua_domain::catalogue::Procedure>> =
        HashMap::new();
    for a in files {
        let Some(d) = own.get(&a.dossier_id) else {
            continue;
        };
        // What the system read from a national database is a copy of the state's own record,
        // not the person's document: read it again rather than keep a stale extract.
        if a.source.starts_with("connector:") {
            continue;
        }
        let url = format!("/api/v1/dossiers/{}/attachments/{}", d.code, a.id);
        let item = if let Some(doc) = docs.get(&a.id) {
            Item {
                kind: if doc.kind == "result" {
                    "result"
                } else {
                    "fee_receipt"
                },
                title: doc.title.clone(),
                number: Some(doc.number.clone()),
                issuer: Some(
                    agencies
                        .get(&doc.agency_code)
                        .cloned()
                        .unwrap_or_else(|| doc.agency_code.clone()),
                ),
                issued_at: doc.issued_at,
                status: doc.status.clone(),
                verify_url: Some(format!("/verify/{}", doc.id)),
                ..item_base(&a, d, url)
            }
        } else {
            let key = (d.procedure_code.clone(), d.procedure_version);
            if !names.contains_key(&key) {
                let p = catalogue::pinned(&app.db, &d.procedure_code, d.procedure_version).await?;
                names.insert(key.clone(), p);
            }
            let title = names
                .get(&key)
                .and_then(|p| p.component(&a.component_key))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| a.component_key.clone());
            Item {
                kind: if a.digitized {
                    "digitized"
                } else {
                    "component"
                },
                title,
                issuer: a
                    .digitized
                    .then(|| agencies.get(&d.receiving_agency).cloned())
                    .flatten(),
                issued_at: a.uploaded_at,
                status: "valid".into(),
                verify_url: None,
                ..item_base(&a, d, url)
            }
        };
        out.push(item);
    }
    Ok(out)
}

fn item_base(a: &attachment::Model, d: &dossier::Model, url: String) -> Item {
    Item {
        id: a.id.clone(),
        kind: "component",
        title: String::new(),
        number: None,
        issuer: None,
        issued_at: a.uploaded_at,
        status: "valid".into(),
        sha256: a.sha256.clone(),
        mime: a.mime.clone(),
        size_bytes: a.size_bytes,
        dossier_code: d.code.clone(),
        procedure_code: d.procedure_code.clone(),
        component: a.component_key.clone(),
        url,
        verify_url: None,
    }
}

/// Attaches `item` of the warehouse that feeds dossier `code` (the applicant's, or for an
/// enterprise's dossier the enterprise's) to `component` (a copy: the earlier dossier keeps its
/// own), marked `warehouse`; a civil-status result also fills the form's fields that name it
/// (`prefill_from: "warehouse:…"`) where they are still empty.
pub async fn attach(
    app: &App,
    principal: &Principal,
    code: &str,
    component: &str,
    item: &str,
) -> Result<AttachmentView, AppError> {
    let view = dossiers::get(app, principal, code).await?;
    let owner = Owner::of_dossier(app, principal, &view).await?;
    let found = items(app, &owner)
        .await?
        .into_iter()
        .find(|i| i.id == item)
        .ok_or_else(|| AppError::not_found("mục trong kho dữ liệu", "warehouse item"))?;
    attach_item(app, principal, code, component, &found).await
}

/// [`attach`] of an item already taken from the caller's own [`items`].
pub(crate) async fn attach_item(
    app: &App,
    principal: &Principal,
    code: &str,
    component: &str,
    found: &Item,
) -> Result<AttachmentView, AppError> {
    if found.status != "valid" {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "warehouse_item_revoked",
            "Giấy tờ này đã bị thu hồi, không dùng được cho hồ sơ mới.",
            "This document has been revoked and cannot be used for a new dossier.",
        ));
    }
    let view = dossiers::get(app, principal, code).await?;
    let proc = catalogue::pinned(&app.db, &view.procedure.code, view.procedure.version).await?;
    let c = proc.component(component).ok_or_else(|| {
        AppError::new(
            ErrorCode::Unprocessable,
            "unknown_component",
            format!("Thủ tục không có thành phần hồ sơ \"{component}\"."),
            format!("The procedure has no component \"{component}\"."),
        )
    })?;
    if !c.accepts.contains(&found.mime)
        || u64::try_from(found.size_bytes).unwrap_or(u64::MAX) > c.max_bytes
    {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "warehouse_item_not_accepted",
            "Giấy tờ này không đúng loại tệp hoặc vượt dung lượng mà thành phần hồ sơ nhận.",
            "This document is not of a type or size the component accepts.",
        ));
    }
    let stored = attachment::Entity::find_by_id(found.id.clone())
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("mục trong kho dữ liệu", "warehouse item"))?;
    let bytes = app.files.get(&stored.storage_key).await?;
    let attached = dossiers::add_obtained(
        app,
        principal,
        &view.code,
        vec![dossiers::ObtainedFile {
            component: component.to_owned(),
            file_name: stored.file_name.clone(),
            bytes,
            source: "warehouse".into(),
        }],
    )
    .await?
    .pop()
    .ok_or_else(|| AppError::internal(motcua_store::StoreError::Corrupt("no file filed".into())))?;
    if found.kind == "result" {
        prefill_from_result(app, principal, &view, &proc, found).await?;
    }
    Ok(attached)
}

/// Fills the still-empty fields of the form that a result names.
async fn prefill_from_result(
    app: &App,
    principal: &Principal,
    view: &DossierView,
    proc: &motcua_domain::catalogue::Procedure,
    item: &Item,
) -> Result<(), AppError> {
    let Some(source) = dossier::Entity::find()
        .filter(dossier::Column::Code.eq(item.dossier_code.clone()))
        .one(&app.db)
        .await?
    else {
        return Ok(());
    };
    let form: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&source.form).unwrap_or_default();
    let issued_on = item
        .issued_at
        .with_timezone(&app.calendar.offset())
        .date_naive();
    let Some(facts) = national::result_facts(
        &source.procedure_code,
        &form,
        item.number.as_deref().unwrap_or_default(),
        issued_on,
        item.issuer.as_deref().unwrap_or_default(),
    ) else {
        return Ok(());
    };
    let current = view.form.as_object().cloned().unwrap_or_default();
    let blank = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    };
    let values: serde_json::Map<String, serde_json::Value> =
        national::prefill_from_result(&proc.form, &facts)
            .into_iter()
            .filter(|(k, _)| blank(current.get(k)))
            .collect();
    if !values.is_empty() {
        dossiers::save_form(app, principal, &view.code, values).await?;
    }
    Ok(())
}
