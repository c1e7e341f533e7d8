//! Once-only on apply (SPEC §7; Decree 45/2020 Art. 16): what the national databases hold about
//! the applicant fills their form and stands in for their papers. Every read goes through the
//! deployment's connectors and is written to the person's access log ("who read my data").
//!
//! Connector calls are network I/O: they never run inside a database transaction, and a database
//! that cannot answer never stops an application — the applicant is told and uploads instead.

use std::collections::BTreeMap;

use bytes::Bytes;
use motcua_documents::render::{Block, Document, Footer, Letterhead, Meta};
use motcua_domain::catalogue::Procedure;
use motcua_domain::national::{self, Database, Known, Query, Record};
use serde::Serialize;

use crate::connectors::Unavailable;
use crate::identity::Principal;
use crate::views::DossierView;
use crate::{App, AppError, catalogue, dossiers};

/// What the databases said, and which could not answer.
#[derive(Debug, Default)]
pub struct Gathered {
    pub known: Known,
    pub failed: BTreeMap<Database, Unavailable>,
}

/// Asks each query of its database for `citizen_id`, logging every answered read against the
/// person: `why` is the log's purpose code (`apply.prefill`), `purpose` the sentence sent to the
/// database (its own audit), `dossier_code` the dossier it serves.
pub async fn gather(
    app: &App,
    on_behalf_of: &Principal,
    citizen_id: &str,
    queries: &[Query],
    (why, purpose): (&str, &str),
    dossier_code: Option<&str>,
) -> Result<Gathered, AppError> {
    let mut out = Gathered::default();
    // The databases are asked at once: a page waits for the slowest, not for the sum.
    let asked = queries.iter().map(|q| async move {
        let request_id = uuid::Uuid::now_v7().to_string();
        (q, app.connectors.fetch(q, purpose, &request_id).await)
    });
    for (q, answer) in futures::future::join_all(asked).await {
        let db = q.database();
        match answer {
            Ok(answer) => {
                crate::access_log::record_connector_read(
                    &app.db,
                    citizen_id,
                    db.name(),
                    on_behalf_of,
                    why,
                    dossier_code,
                    app.now(),
                )
                .await?;
                if let Err(e) = out.known.absorb(q, answer) {
                    tracing::warn!(connector = db.name(), error = %e, "connector answer does not parse");
                    out.failed
                        .insert(db, Unavailable::Down(format!("malformed answer: {e}")));
                }
            }
            Err(e) => {
                tracing::info!(connector = db.name(), error = %e, "connector did not answer");
                out.failed.insert(db, e);
            }
        }
    }
    Ok(out)
}

/// The applicant's citizen ID as the dossier records it.
pub fn applicant_id(view: &DossierView) -> Option<&str> {
    view.applicant
        .get("citizen_id")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
}

fn purpose(view: &DossierView) -> String {
    format!(
        "Điền sẵn tờ khai và lấy giấy tờ cho hồ sơ {} ({})",
        view.code, view.procedure.code
    )
}

/// The form values the databases give for this dossier's applicant, in the form's formats, with
/// what their digital identity asserted (name, ID number, phone, address) where no database
/// answered. The same attribute fills every form the same way.
pub async fn prefill(
    app: &App,
    principal: &Principal,
    view: &DossierView,
    proc: &Procedure,
) -> Result<(serde_json::Map<String, serde_json::Value>, Gathered), AppError> {
    let Some(id) = applicant_id(view) else {
        return Ok((serde_json::Map::new(), Gathered::default()));
    };
    let read = national::field_attributes(&proc.form);
    let reads_form = |q: &Query| {
        read.iter()
            .any(|(_, source, _)| *source == q.database().catalogue_key())
    };
    // Only the records the form reads; the components' are fetched with the files.
    let queries: Vec<Query> = national::queries_for(proc, id)
        .into_iter()
        .filter(reads_form)
        .collect();
    let g = gather(
        app,
        principal,
        id,
        &queries,
        ("apply.prefill", &purpose(view)),
        Some(&view.code),
    )
    .await?;
    let mut codes: Vec<String> = Vec::new();
    if let Some(c) = &g.known.citizen {
        codes.extend([
            c.noi_thuong_tru.ma_xa.clone(),
            c.noi_o_hien_tai.ma_xa.clone(),
        ]);
    }
    if let Some(r) = &g.known.residence {
        codes.extend(
            r.thuong_tru
                .iter()
                .chain(r.tam_tru.iter())
                .map(|a| a.ma_xa.clone()),
        );
    }
    if let Some(ps) = &g.known.parcels {
        codes.extend(ps.iter().map(|p| p.dia_chi.ma_xa.clone()));
    }
    let known = crate::org::known_communes(&app.db, &codes).await?;
    let mut values = national::prefill(&proc.form, &g.known, &|c| known.contains(c));
    for (k, v) in from_identity(proc, &view.applicant) {
        values.entry(k).or_insert(v);
    }
    Ok((values, g))
}

/// What the applicant's digital identity asserted, for the attributes it covers (the population
/// database's own name, ID, phone and address, when that database did not answer).
fn from_identity(
    proc: &Procedure,
    applicant: &serde_json::Value,
) -> serde_json::Map<String, serde_json::Value> {
    use motcua_domain::form::FieldType;
    use serde_json::Value;
    let text = |k: &str| {
        applicant
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
    };
    let address = applicant
        .get("address")
        .filter(|a| {
            a.get("commune")
                .and_then(Value::as_str)
                .is_some_and(|c| !c.is_empty())
        })
        .cloned();
    let mut out = serde_json::Map::new();
    for (f, source, attr) in national::field_attributes(&proc.form) {
        let v = match (source, attr, f.field_type) {
            ("population_db", "ho_ten", _) => text("full_name"),
            ("population_db", "so_dinh_danh", _) => text("citizen_id"),
            ("population_db", "so_dien_thoai", _) => text("phone"),
            ("population_db" | "residence_db", "noi_o_hien_tai", FieldType::Address) => {
                address.clone()
            }
            _ => None,
        };
        if let Some(v) = v {
            out.insert(f.key.clone(), v);
        }
    }
    out
}

/// How a component that a database can stand in for was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Obtained {
    /// Filed from the database now or earlier (or uploaded by the applicant).
    Filed { database: Database },
    /// The database answered: it holds no such record for the applicant.
    NoRecord { database: Database },
    /// The database could not be reached.
    Unavailable { database: Database },
    /// This deployment has no connector to it.
    NotConnected { database: Database },
}

/// Files what the state already holds for a draft's components that have no file yet: for each
/// one a connected database can stand in for, the extract of the applicant's record
/// (`connector:<name>`); for each one the catalogue says the warehouse can hold, the same
/// component of an earlier dossier of theirs (`warehouse`). Returns how the database-backed ones
/// stand. Nothing happens once the dossier is no longer a draft.
pub async fn obtain_components(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<BTreeMap<String, Obtained>, AppError> {
    let view = dossiers::get(app, principal, code).await?;
    let proc = catalogue::pinned(&app.db, &view.procedure.code, view.procedure.version).await?;
    let out = from_databases(app, principal, code, &view, &proc).await?;
    if view.status == 0 && matches!(principal, Principal::Citizen { .. }) {
        match from_warehouse(app, principal, &view, &proc).await {
            // Without the register the enterprise's warehouse cannot be opened: its
            // representative uploads, as when any database is down.
            Err(e) if e.code == "enterprise_db_unavailable" => {}
            other => other?,
        }
    }
    Ok(out)
}

/// Components the warehouse can hold (`reusable_from: ["warehouse"]`) that were filed in an
/// earlier dossier of the citizen's: the newest such file is attached (a copy, marked `warehouse`;
/// the applicant replaces it by uploading).
async fn from_warehouse(
    app: &App,
    principal: &Principal,
    view: &DossierView,
    proc: &Procedure,
) -> Result<(), AppError> {
    let open: Vec<&str> = proc
        .components
        .iter()
        .filter(|c| c.reusable_from.iter().any(|s| s == "warehouse"))
        .filter(|c| !view.attachments.iter().any(|a| a.component == c.key))
        .map(|c| c.key.as_str())
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let owner = crate::warehouse::Owner::of_dossier(app, principal, view).await?;
    let items = crate::warehouse::items(app, &owner).await?;
    for key in open {
        // Newest first: the latest copy of the same paper.
        if let Some(item) = items
            .iter()
            .find(|i| i.component == key && i.status == "valid" && i.dossier_code != view.code)
        {
            crate::warehouse::attach_item(app, principal, &view.code, key, item).await?;
        }
    }
    Ok(())
}

async fn from_databases(
    app: &App,
    principal: &Principal,
    code: &str,
    view: &DossierView,
    proc: &Procedure,
) -> Result<BTreeMap<String, Obtained>, AppError> {
    let mut out = BTreeMap::new();
    let Some(id) = applicant_id(view).map(str::to_owned) else {
        return Ok(out);
    };
    let wanted: Vec<(&str, Record)> = proc
        .components
        .iter()
        .filter_map(|c| national::component_record(c).map(|r| (c.key.as_str(), r)))
        .collect();
    let mut to_fetch: Vec<(&str, Record)> = Vec::new();
    for (key, record) in wanted {
        let database = record.database();
        if view.attachments.iter().any(|a| a.component == key) {
            out.insert(key.to_owned(), Obtained::Filed { database });
        } else if app.connectors.get(database).is_none() {
            out.insert(key.to_owned(), Obtained::NotConnected { database });
        } else {
            to_fetch.push((key, record));
        }
    }
    // Only a draft is filled in for the applicant; afterwards what was filed is what they sent.
    if view.status != 0 || to_fetch.is_empty() {
        return Ok(out);
    }
    let mut queries: Vec<Query> = Vec::new();
    for (_, r) in &to_fetch {
        let q = r.query(&id);
        if !queries.contains(&q) {
            queries.push(q);
        }
    }
    let g = gather(
        app,
        principal,
        &id,
        &queries,
        ("apply.component", &purpose(view)),
        Some(&view.code),
    )
    .await?;
    // The extracts are rendered at once (each on a blocking thread), then filed one by one.
    let mut found = Vec::new();
    for (key, record) in to_fetch {
        let database = record.database();
        if g.failed.contains_key(&database) {
            out.insert(key.to_owned(), Obtained::Unavailable { database });
            continue;
        }
        let Some(rows) = national::extract(record, &g.known, &id) else {
            out.insert(key.to_owned(), Obtained::NoRecord { database });
            continue;
        };
        found.push((key, record, rows));
    }
    let (filed, renders): (Vec<_>, Vec<_>) = found
        .into_iter()
        .map(|(key, record, rows)| ((key, record), extract_pdf(app, view, record, rows)))
        .unzip();
    let pdfs = futures::future::try_join_all(renders).await?;
    let mut files = Vec::with_capacity(pdfs.len());
    for ((key, record), pdf) in filed.into_iter().zip(pdfs) {
        let database = record.database();
        files.push(dossiers::ObtainedFile {
            component: key.to_owned(),
            file_name: format!(
                "{}-{}.pdf",
                database.name().replace('_', "-"),
                record.key().replace('_', "-")
            ),
            bytes: Bytes::from(pdf),
            source: format!("connector:{}", database.name()),
        });
        out.insert(key.to_owned(), Obtained::Filed { database });
    }
    if !files.is_empty() {
        dossiers::add_obtained(app, principal, code, files).await?;
    }
    Ok(out)
}

/// The extract as a PDF the officer reads like any paper: which database, when, for which
/// dossier, and the record's lines.
async fn extract_pdf(
    app: &App,
    view: &DossierView,
    record: Record,
    rows: Vec<(String, String)>,
) -> Result<Vec<u8>, AppError> {
    let now = app.now().with_timezone(&app.calendar.offset());
    let database = record.database();
    let tracking = format!("{}/tra-cuu/{}", app.public_url, view.code);
    let doc = Document {
        letterhead: Letterhead {
            authority: String::new(),
            agency: database.name_vi().to_uppercase(),
            number: String::new(),
            place_and_date: motcua_documents::templates::long_date(&now),
        },
        title: "PHIẾU CUNG CẤP THÔNG TIN".into(),
        subtitle: Some(record.title_vi().to_owned()),
        blocks: vec![
            Block::Paragraph(format!(
                "Thông tin dưới đây được hệ thống khai thác từ {} lúc {} để giải quyết hồ sơ {}; \
                 người nộp hồ sơ không phải nộp giấy tờ này (Nghị định 45/2020/NĐ-CP, Điều 16).",
                database.name_vi(),
                motcua_documents::templates::time_and_date(&now),
                view.code
            )),
            Block::Facts(rows),
        ],
        signature: None,
        recipients: Vec::new(),
        footer: Footer {
            qr_payload: tracking.clone(),
            lines: vec![
                format!("Mã hồ sơ: {}", view.code),
                "Quét mã QR để tra cứu tình trạng hồ sơ tại:".into(),
                tracking,
            ],
        },
        meta: Meta {
            title: record.title_vi().to_owned(),
            language: "vi-VN".into(),
            issued_at: now,
            document_id: uuid::Uuid::now_v7().to_string(),
        },
    };
    crate::render_pdf(doc).await.map_err(AppError::internal)
}
