//! Housekeeping: removing what a crash left behind.
//!
//! Attachment bytes are written to the object store before the transaction that records them
//! (`dossiers::store_file` for uploads, `dossiers::act` for an issued result, both under
//! `dossiers/`), because an object store cannot join a database transaction. When the transaction
//! fails the bytes are deleted again, but when the process dies in between, or that delete fails,
//! the object stays with no `attachments.storage_key` naming it. [`sweep_orphan_files`] finds and
//! removes those: `motcua files sweep` runs it by hand, and `serve` runs it at start-up and every
//! hour.
//!
//! An object is only removed once it is older than [`ORPHAN_GRACE`]: an upload whose transaction
//! is still running has its bytes in the store and no row yet, and must not lose them. No
//! transaction of ours lasts anywhere near an hour.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use motcua_store::files::StoredObject;
use motcua_store::sea_orm::{ConnectionTrait, Statement, Value};
use serde::Serialize;

use crate::{App, AppError};

/// The folders of the file store that only attachment rows refer to. Every writer of the file store
/// writes under `dossiers/{dossier id}/{attachment id}`; notices and the public CA certificate are
/// produced on request and never stored.
pub const ATTACHMENT_PREFIXES: [&str; 1] = ["dossiers"];

/// How old an unreferenced object must be before it is taken for an orphan.
pub const ORPHAN_GRACE: TimeDelta = TimeDelta::hours(1);

/// How many listed objects are checked against the database per query.
const BATCH: usize = 500;

/// What one sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Objects listed under the attachment folders.
    pub examined: u64,
    /// Younger than the grace period: possibly an upload in flight, left alone.
    pub recent: u64,
    /// Named by an attachment row.
    pub referenced: u64,
    /// Keys of the objects removed.
    pub removed: Vec<String>,
    pub bytes_removed: u64,
    /// Keys that are not of the form the application writes: not ours to judge, left alone.
    pub skipped: Vec<String>,
    /// Orphans whose removal failed (they are tried again at the next sweep).
    pub failed: Vec<String>,
}

/// Which of the objects' keys an attachment row names: one index probe per key that stops at
/// its first row. (`storage_key IN (…)` returned every row naming a key: with the generator's
/// 24 million attachments sharing one sample object, 24 million rows and 3.7 GB at start-up.)
async fn named_keys(app: &App, objects: &[StoredObject]) -> Result<HashSet<String>, AppError> {
    let b = app.db.get_database_backend();
    let mut values: Vec<Value> = Vec::with_capacity(2 * objects.len());
    let probes: Vec<String> = objects
        .iter()
        .map(|o| {
            // Each placeholder once, in the order written: SQLite's are positional.
            values.push(o.key.clone().into());
            let key = motcua_store::ph(b, values.len());
            values.push(o.key.clone().into());
            let probe = motcua_store::ph(b, values.len());
            format!(
                "SELECT {key} AS storage_key WHERE EXISTS \
                 (SELECT 1 FROM attachments WHERE storage_key = {probe})"
            )
        })
        .collect();
    let sql = probes.join(" UNION ALL ");
    let rows = app
        .db
        .query_all_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).map_err(AppError::from))
        .collect()
}

/// Removes attachment bytes that no attachment row names and that are older than
/// [`ORPHAN_GRACE`] at `now`; logs each removal.
pub async fn sweep_orphan_files(app: &App, now: DateTime<Utc>) -> Result<SweepReport, AppError> {
    let cutoff = now - ORPHAN_GRACE;
    let mut report = SweepReport::default();
    for prefix in ATTACHMENT_PREFIXES {
        let mut batches = app.files.list(prefix).chunks(BATCH);
        while let Some(batch) = batches.next().await {
            let mut candidates: Vec<StoredObject> = Vec::new();
            for object in batch {
                let object = object?;
                report.examined += 1;
                if object.last_modified > cutoff {
                    report.recent += 1;
                } else if !is_plain_key(&object.key) {
                    report.skipped.push(object.key);
                } else {
                    candidates.push(object);
                }
            }
            if candidates.is_empty() {
                continue;
            }
            let referenced = named_keys(app, &candidates).await?;
            for object in candidates {
                if referenced.contains(&object.key) {
                    report.referenced += 1;
                    continue;
                }
                match app.files.delete(&object.key).await {
                    Ok(()) => {
                        tracing::info!(
                            key = %object.key,
                            size = object.size,
                            last_modified = %object.last_modified,
                            "orphaned attachment bytes removed"
                        );
                        report.bytes_removed += object.size;
                        report.removed.push(object.key);
                    }
                    Err(e) => {
                        tracing::warn!(key = %object.key, error = %e, "cannot remove orphaned attachment bytes");
                        report.failed.push(object.key);
                    }
                }
            }
        }
    }
    if !report.skipped.is_empty() {
        tracing::warn!(keys = ?report.skipped, "objects under the attachment folders that the application did not write");
    }
    tracing::info!(
        examined = report.examined,
        recent = report.recent,
        referenced = report.referenced,
        removed = report.removed.len(),
        bytes_removed = report.bytes_removed,
        failed = report.failed.len(),
        "file sweep finished"
    );
    Ok(report)
}

/// Keys the application writes are made of ids (`dossiers/{uuid}/{uuid}`). The store lists keys in
/// its own encoding, so a key with other characters might not compare equal to the row naming it:
/// such a key is never taken for an orphan.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
        && !key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_made_of_ids_are_judged() {
        for key in [
            "dossiers/0199d2a4-7c1e-7b3a-9f00-1a2b3c4d5e6f/0199d2a4-7c1e-7b3a-9f00-aaaaaaaaaaaa",
            "dossiers/abc/def.pdf",
        ] {
            assert!(is_plain_key(key), "{key}");
        }
        for key in [
            "",
            "dossiers//x",
            "dossiers/../x",
            "dossiers/a b/c",
            "dossiers/%2E/c",
            "dossiers/ý/c",
        ] {
            assert!(!is_plain_key(key), "{key}");
        }
    }
}
