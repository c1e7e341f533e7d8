//! The audit trail: every state change, data access and administrative change appends one entry in
//! the same transaction as the change (SPEC §13).
//!
//! Entries are hash-chained: `hash = SHA-256(prev_hash ‖ canonical entry)`, and a one-row head
//! holds the last sequence number and hash. Appending updates the head first, which on PostgreSQL
//! takes a row lock held to commit, so concurrent writers chain one after another. `verify` detects
//! an edited, deleted (anywhere, including the tail) or reordered entry.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    Statement, Value,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::entities::audit_entry;
use crate::{StoreError, ph};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing that happened, as the caller describes it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// `staff:<username>`, `citizen:<masked id>`, `system` or `cli`.
    pub actor: String,
    /// e.g. `dossier.receive`, `catalogue.import`, `token.create`.
    pub action: String,
    /// e.g. `dossier:H31.11311-261123-0001`.
    pub subject: String,
    pub data: serde_json::Value,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

pub(crate) async fn ensure_head(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    let b = conn.get_database_backend();
    let sql = format!(
        "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, {}) ON CONFLICT (id) DO NOTHING",
        ph(b, 1)
    );
    conn.execute_raw(Statement::from_sql_and_values(
        b,
        sql,
        [Value::from(GENESIS.to_owned())],
    ))
    .await?;
    Ok(())
}

fn canonical(
    seq: i64,
    at: &DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    data: &str,
) -> String {
    // A JSON array has exactly one serialization for these scalar values, so it is canonical.
    serde_json::json!([
        seq,
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor,
        action,
        subject,
        data
    ])
    .to_string()
}

fn chain_hash(prev: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Appends `record` to the chain inside the caller's transaction; returns its sequence number.
pub async fn append(conn: &impl ConnectionTrait, record: &AuditRecord) -> Result<i64, StoreError> {
    let b = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            b,
            "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash",
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit head missing (run migrations)".into()))?;
    let seq: i64 = row.try_get("", "last_seq")?;
    let prev: String = row.try_get("", "last_hash")?;
    // Both backends keep microseconds; hashing the stored precision keeps verification exact.
    let at = record.at.trunc_subsecs(6);
    let data = record.data.to_string();
    let hash = chain_hash(
        &prev,
        &canonical(
            seq,
            &at,
            &record.actor,
            &record.action,
            &record.subject,
            &data,
        ),
    );
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        seq: Set(seq),
        at: Set(at),
        actor: Set(record.actor.clone()),
        action: Set(record.action.clone()),
        subject: Set(record.subject.clone()),
        data: Set(data),
        prev_hash: Set(prev),
        hash: Set(hash.clone()),
    })
    .exec_without_returning(conn)
    .await?;
    let sql = format!(
        "UPDATE audit_head SET last_hash = {} WHERE id = 1",
        ph(b, 1)
    );
    conn.execute_raw(Statement::from_sql_and_values(b, sql, [Value::from(hash)]))
        .await?;
    Ok(seq)
}

/// The head row: the last sequence number and its hash.
pub async fn head(conn: &impl ConnectionTrait) -> Result<(i64, String), StoreError> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit head missing".into()))?;
    Ok((row.try_get("", "last_seq")?, row.try_get("", "last_hash")?))
}

/// Walks the whole chain. `Ok(n)` is the number of intact entries.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<Result<i64, ChainBreak>, StoreError> {
    let mut expected_seq = 1_i64;
    let mut prev = GENESIS.to_owned();
    loop {
        let page = audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(1000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if e.seq != expected_seq {
                return Ok(Err(ChainBreak {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing (next is {})", e.seq),
                }));
            }
            if e.prev_hash != prev {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: "previous-hash link does not match (entry removed or reordered)".into(),
                }));
            }
            let recomputed = chain_hash(
                &prev,
                &canonical(e.seq, &e.at, &e.actor, &e.action, &e.subject, &e.data),
            );
            if recomputed != e.hash {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: "content does not match its hash (entry edited)".into(),
                }));
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    let (head_seq, head_hash) = head(conn).await?;
    if head_seq != last || head_hash != prev {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: format!(
                "the head says {head_seq} entries but the chain ends at {last} (entries removed at the end)"
            ),
        }));
    }
    Ok(Ok(last))
}

/// Entries about one subject, oldest first (a dossier's history as stored in the chain).
pub async fn entries_for(
    conn: &impl ConnectionTrait,
    subject: &str,
) -> Result<Vec<audit_entry::Model>, StoreError> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Subject.eq(subject))
        .order_by_asc(audit_entry::Column::Seq)
        .all(conn)
        .await?)
}

/// Whether an entry still hashes to its stored hash from its own content and its predecessor's
/// hash. Linkage across the whole chain is `verify`'s job; this marks a single altered row.
pub fn entry_intact(e: &audit_entry::Model) -> bool {
    chain_hash(
        &e.prev_hash,
        &canonical(e.seq, &e.at, &e.actor, &e.action, &e.subject, &e.data),
    ) == e.hash
}
