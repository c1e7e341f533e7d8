//! The procedure catalogue as stored: versioned procedures imported through the one importer a
//! deployment uses (`motcua catalog import`), exported in the same format.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

use motcua_domain::catalogue::{Procedure, export_catalogue, import_catalogue};
use motcua_domain::search::{Entry, rank};
use motcua_domain::text::fold;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::procedure;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Statement, TransactionTrait,
};
use serde::Serialize;

use crate::{App, AppError, ErrorCode};

/// What an import did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportSummary {
    pub added: usize,
    pub new_versions: usize,
    pub unchanged: usize,
}

/// Imports a catalogue all-or-nothing. A procedure whose content changed gets a new version;
/// dossiers stay pinned to the version they were created under (SPEC §3).
pub async fn import(app: &App, json: &str, actor: &str) -> Result<ImportSummary, AppError> {
    let procs = import_catalogue(json).map_err(|errs| {
        let mut e = AppError::new(
            ErrorCode::Unprocessable,
            "invalid_catalogue",
            format!("Danh mục không hợp lệ:\n{errs}"),
            format!("The catalogue is invalid:\n{errs}"),
        );
        e.source = Some(Box::new(errs));
        e
    })?;
    let now = app.now();
    let txn = app.db.begin().await?;
    let mut summary = ImportSummary::default();
    for mut p in procs {
        let current = procedure::Entity::find()
            .filter(procedure::Column::Code.eq(p.code.as_str()))
            .filter(procedure::Column::IsCurrent.eq(true))
            .one(&txn)
            .await?;
        let version = match &current {
            Some(row) => {
                let mut existing: Procedure =
                    motcua_store::from_json("procedures.definition", &row.definition)?;
                existing.version = p.version;
                if existing == p {
                    summary.unchanged += 1;
                    continue;
                }
                let mut am: procedure::ActiveModel = row.clone().into();
                am.is_current = Set(false);
                am.update(&txn).await?;
                summary.new_versions += 1;
                row.version + 1
            }
            None => {
                summary.added += 1;
                1
            }
        };
        p.version = u32::try_from(version).unwrap_or(1);
        let definition = serde_json::to_string(&p).map_err(AppError::internal)?;
        procedure::ActiveModel {
            id: Default::default(),
            code: Set(p.code.as_str().to_owned()),
            version: Set(version),
            is_current: Set(true),
            name_vi: Set(p.name_vi.clone()),
            name_en: Set(p.name_en.clone()),
            name_folded: Set(fold(&format!("{} {} {}", p.name_vi, p.name_en, p.code))),
            level: Set(p.level.as_str().to_owned()),
            competent_agency_kind: Set(p.competent_agency_kind.clone()),
            online_level: Set(p.online_level.as_str().to_owned()),
            definition: Set(definition),
            imported_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: actor.to_owned(),
            action: "catalogue.import".into(),
            subject: "catalogue".into(),
            data: serde_json::to_value(&summary).map_err(AppError::internal)?,
        },
    )
    .await?;
    txn.commit().await?;
    // This node sees its own import at once.
    if let Ok(mut cached) = app.catalogue.0.lock() {
        *cached = None;
    }
    Ok(summary)
}

/// The current versions, in code order.
pub async fn current_all(app: &App) -> Result<Vec<Procedure>, AppError> {
    Ok(snapshot(app)
        .await?
        .procedures
        .iter()
        .map(|p| Procedure::clone(p))
        .collect())
}

/// The current catalogue, parsed and indexed for search: what every search and catalogue page
/// needs, built once per change instead of once per request (issue 18: a search read and hashed
/// every definition, parsed the life events and normalised every name each time).
pub struct Snapshot {
    /// The current versions, in code order.
    pub procedures: Vec<Arc<Procedure>>,
    /// One search entry per procedure, in the same order (names, sector, life events).
    entries: Vec<Entry>,
    events: Vec<LifeEvent>,
}

/// A deployment's [`Snapshot`], with the catalogue generation it was built from and when that
/// was last confirmed.
#[derive(Default)]
pub struct SnapshotCache(Mutex<Option<Cached>>);

struct Cached {
    generation: i64,
    confirmed: std::time::Instant,
    snapshot: Arc<Snapshot>,
}

/// How long a confirmed snapshot is used without asking the database again: an import on this
/// node is seen at once (it drops the snapshot), one on another node within this time.
const SNAPSHOT_CONFIRMED_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// The current catalogue. An import only ever adds rows (a new version is a new row, and it is
/// what makes the old one not current), so the highest row id names the catalogue's state: one
/// index lookup a second tells whether the snapshot is still the catalogue, also after another
/// node's import.
pub async fn snapshot(app: &App) -> Result<Arc<Snapshot>, AppError> {
    if let Ok(cached) = app.catalogue.0.lock()
        && let Some(c) = cached.as_ref()
        && c.confirmed.elapsed() < SNAPSHOT_CONFIRMED_FOR
    {
        return Ok(c.snapshot.clone());
    }
    let asked = std::time::Instant::now();
    let row = app
        .reader
        .query_one_raw(Statement::from_string(
            app.reader.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) AS generation FROM procedures",
        ))
        .await?;
    let generation: i64 = match row {
        Some(r) => r.try_get("", "generation")?,
        None => 0,
    };
    if let Ok(mut cached) = app.catalogue.0.lock()
        && let Some(c) = cached.as_mut()
        && c.generation == generation
    {
        c.confirmed = asked;
        return Ok(c.snapshot.clone());
    }
    let procedures: Vec<Arc<Procedure>> = procedure::Entity::find()
        .filter(procedure::Column::IsCurrent.eq(true))
        .order_by_asc(procedure::Column::Code)
        .all(&app.reader)
        .await?
        .iter()
        .map(parsed)
        .collect::<Result<_, _>>()?;
    let events = life_events();
    let entries = procedures
        .iter()
        .map(|p| {
            let extra: Vec<&str> = events
                .iter()
                .filter(|ev| ev.procedures.iter().any(|c| c == p.code.as_str()))
                .flat_map(|ev| [ev.name_vi.as_str(), ev.name_en.as_str()])
                .collect();
            Entry::new(p, &extra)
        })
        .collect();
    let snap = Arc::new(Snapshot {
        procedures,
        entries,
        events,
    });
    if let Ok(mut cached) = app.catalogue.0.lock() {
        *cached = Some(Cached {
            generation,
            confirmed: asked,
            snapshot: snap.clone(),
        });
    }
    Ok(snap)
}

pub async fn export(app: &App) -> Result<String, AppError> {
    Ok(export_catalogue(&current_all(app).await?))
}

pub async fn current(app: &App, code: &str) -> Result<Option<Arc<Procedure>>, AppError> {
    Ok(snapshot(app)
        .await?
        .procedures
        .iter()
        .find(|p| p.code.as_str() == code)
        .cloned())
}

pub async fn pinned(
    conn: &impl ConnectionTrait,
    code: &str,
    version: i32,
) -> Result<Arc<Procedure>, AppError> {
    let row = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code.to_owned()))
        .filter(procedure::Column::Version.eq(version))
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::internal(motcua_store::StoreError::Corrupt(format!(
                "procedure {code} v{version} missing"
            )))
        })?;
    parsed(&row)
}

/// Parsed definitions by row and text. A stored version never changes (an import adds a row),
/// but parsing one costs more than reading it, and every dossier page, payment and search needs
/// them: the text read is still compared (by hash), so several databases in one process (tests)
/// or an operator's edit never get another row's definition.
static PARSED: LazyLock<Mutex<ParsedCache>> = LazyLock::new(Default::default);

/// (row id, hash of its definition) → the parsed definition.
type ParsedCache = HashMap<(i64, u64), Arc<Procedure>>;

/// Definitions kept at most (a catalogue has hundreds of procedures, each with a few versions).
const PARSED_MAX: usize = 4_096;

fn parsed(row: &procedure::Model) -> Result<Arc<Procedure>, AppError> {
    let mut h = std::hash::DefaultHasher::new();
    row.definition.hash(&mut h);
    let key = (row.id, h.finish());
    if let Some(p) = PARSED.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(p);
    }
    let p: Arc<Procedure> = Arc::new(motcua_store::from_json(
        "procedures.definition",
        &row.definition,
    )?);
    if let Ok(mut m) = PARSED.lock() {
        if m.len() >= PARSED_MAX {
            m.clear();
        }
        m.insert(key, p.clone());
    }
    Ok(p)
}

/// A life event (birth, marriage, …) and the procedures it leads to: how citizens look for services.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LifeEvent {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub procedures: Vec<String>,
}

/// The shipped life-event groups of the demo catalogue (`data/life-events.json`).
pub fn life_events() -> Vec<LifeEvent> {
    serde_json::from_str(include_str!("../../../data/life-events.json")).unwrap_or_default()
}

/// Search filters (SPEC §1: by agency level and online level).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SearchFilter {
    #[serde(default)]
    pub q: String,
    /// `commune` | `province` | `ministry`
    #[serde(default)]
    pub level: Option<String>,
    /// `full` | `partial` | `none`
    #[serde(default)]
    pub online: Option<String>,
    /// A life-event key.
    #[serde(default)]
    pub event: Option<String>,
}

/// Plain-words search (with or without diacritics, one typo per word tolerated), ranked; with an
/// empty query, the filtered catalogue in code order.
pub async fn search(app: &App, q: &str) -> Result<Vec<Arc<Procedure>>, AppError> {
    search_filtered(
        app,
        &SearchFilter {
            q: q.to_owned(),
            ..SearchFilter::default()
        },
    )
    .await
}

/// The longest search accepted, in characters: a procedure's name is under 200, and scoring costs
/// grow with every word, so a longer query is refused rather than cut (and never costs seconds).
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a search may have.
pub const MAX_QUERY_WORDS: usize = 16;

pub async fn search_filtered(app: &App, f: &SearchFilter) -> Result<Vec<Arc<Procedure>>, AppError> {
    if f.q.chars().count() > MAX_QUERY_CHARS || f.q.split_whitespace().count() > MAX_QUERY_WORDS {
        return Err(AppError::bad_request(
            "query_too_long",
            format!(
                "Từ khóa tìm kiếm quá dài: tối đa {MAX_QUERY_CHARS} ký tự và {MAX_QUERY_WORDS} từ."
            ),
            format!(
                "The search is too long: at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words."
            ),
        ));
    }
    for v in [&f.level, &f.online, &f.event].into_iter().flatten() {
        if v.len() > 64 {
            return Err(AppError::bad_request(
                "invalid_filter",
                "Bộ lọc không hợp lệ.",
                "Invalid filter.",
            ));
        }
    }
    let snap = snapshot(app).await?;
    let events = &snap.events;
    let keep = |p: &Procedure| {
        f.level
            .as_deref()
            .is_none_or(|l| l.is_empty() || p.level.as_str() == l)
            && f.online
                .as_deref()
                .is_none_or(|o| o.is_empty() || p.online_level.as_str() == o)
            && f.event.as_deref().is_none_or(|e| {
                e.is_empty()
                    || events
                        .iter()
                        .any(|ev| ev.key == e && ev.procedures.iter().any(|c| c == p.code.as_str()))
            })
    };
    if fold(&f.q).trim().is_empty() {
        return Ok(snap
            .procedures
            .iter()
            .filter(|p| keep(p))
            .cloned()
            .collect());
    }
    let entries: Vec<&Entry> = snap
        .procedures
        .iter()
        .zip(&snap.entries)
        .filter(|(p, _)| keep(p))
        .map(|(_, e)| e)
        .collect();
    let order = rank(entries, &f.q);
    let by_code: HashMap<&str, &Arc<Procedure>> = snap
        .procedures
        .iter()
        .map(|p| (p.code.as_str(), p))
        .collect();
    Ok(order
        .into_iter()
        .filter_map(|c| by_code.get(c.as_str()).map(|p| Arc::clone(p)))
        .collect())
}
