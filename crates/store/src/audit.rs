//! The audit trail: every state change, data access and administrative change appends one entry in
//! the same transaction as the change (SPEC §13).
//!
//! Entries are hash-chained: `hash = SHA-256(prev_hash ‖ canonical entry)`, and a head row per
//! chain holds the number and hash of the chain's last entry. Appending updates the head first,
//! which takes a row lock held to commit, so writers on one chain link one after another. There
//! are several chains so that writers do not all queue on one row: on PostgreSQL an entry joins
//! the chain of the connection that writes it (`pg_backend_pid() % CHAINS`), so one transaction
//! holds at most one head (never two: no deadlock) and concurrent transactions mostly hold
//! different ones; SQLite has a single writer and one chain. Entry numbers (`seq`) are global and
//! increase along every chain (on PostgreSQL from a sequence, drawn once the head is locked).
//! `verify` detects an edited, deleted (anywhere, including a chain's tail) or reordered entry;
//! the signed checkpoints (`app::audit_anchor`) vouch for every chain's head at once.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, Statement, Value,
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

/// How many chains a PostgreSQL deployment writes to (SQLite: one).
pub const CHAINS: i64 = 64;

/// The chains a backend writes to, numbered from 1.
fn chains(b: DbBackend) -> i64 {
    match b {
        DbBackend::Postgres => CHAINS,
        _ => 1,
    }
}

pub(crate) async fn ensure_head(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    let b = conn.get_database_backend();
    let sql = format!(
        "INSERT INTO audit_head (id, last_seq, last_hash) VALUES ({}, 0, {}) ON CONFLICT (id) DO NOTHING",
        ph(b, 1),
        ph(b, 2)
    );
    for chain in 1..=chains(b) {
        conn.execute_raw(Statement::from_sql_and_values(
            b,
            &sql,
            [Value::from(chain as i32), Value::from(GENESIS.to_owned())],
        ))
        .await?;
    }
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

/// Appends `record` to a chain inside the caller's transaction; returns its entry number.
pub async fn append(conn: &impl ConnectionTrait, record: &AuditRecord) -> Result<i64, StoreError> {
    let b = conn.get_database_backend();
    // The entry number is drawn in RETURNING, after the head's row lock is held: along a chain
    // numbers then increase in the order entries are linked.
    let lock = match b {
        DbBackend::Postgres => format!(
            "UPDATE audit_head SET last_seq = last_seq WHERE id = pg_backend_pid() % {CHAINS} + 1 \
             RETURNING id, last_hash, nextval('audit_log_seq') AS seq"
        ),
        _ => "UPDATE audit_head SET last_seq = last_seq WHERE id = 1 \
              RETURNING id, last_hash, (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log) AS seq"
            .to_owned(),
    };
    let row = conn
        .query_one_raw(Statement::from_string(b, lock))
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit head missing (run migrations)".into()))?;
    let chain: i32 = row.try_get("", "id")?;
    let seq: i64 = row.try_get("", "seq")?;
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
        chain: Set(chain),
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
        "UPDATE audit_head SET last_seq = {}, last_hash = {} WHERE id = {}",
        ph(b, 1),
        ph(b, 2),
        ph(b, 3)
    );
    conn.execute_raw(Statement::from_sql_and_values(
        b,
        sql,
        [Value::from(seq), Value::from(hash), Value::from(chain)],
    ))
    .await?;
    Ok(seq)
}

/// One chain's head: the number and hash of its last entry (0 and [`GENESIS`] when empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Head {
    pub chain: i32,
    pub seq: i64,
    pub hash: String,
}

/// Every chain's head, by chain.
pub async fn heads(conn: &impl ConnectionTrait) -> Result<Vec<Head>, StoreError> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT id, last_seq, last_hash FROM audit_head ORDER BY id",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Head {
                chain: r.try_get("", "id")?,
                seq: r.try_get("", "last_seq")?,
                hash: r.try_get("", "last_hash")?,
            })
        })
        .collect()
}

/// Walks every chain. `Ok(n)` is the number of intact entries.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<Result<i64, ChainBreak>, StoreError> {
    let heads = heads(conn).await?;
    let mut total = 0_i64;
    for head in &heads {
        match verify_chain(conn, head).await? {
            Ok(n) => total += n,
            Err(b) => return Ok(Err(b)),
        }
    }
    // An entry in a chain without a head would be walked by nobody.
    let known: Vec<String> = heads.iter().map(|h| h.chain.to_string()).collect();
    let stray = audit_entry::Entity::find()
        .filter(audit_entry::Column::Chain.is_not_in(heads.iter().map(|h| h.chain)))
        .one(conn)
        .await?;
    if let Some(e) = stray {
        return Ok(Err(ChainBreak {
            seq: e.seq,
            reason: format!(
                "entry {} names chain {}, which has no head (chains: {})",
                e.seq,
                e.chain,
                known.join(", ")
            ),
        }));
    }
    Ok(Ok(total))
}

async fn verify_chain(
    conn: &impl ConnectionTrait,
    head: &Head,
) -> Result<Result<i64, ChainBreak>, StoreError> {
    let mut count = 0_i64;
    let mut last = 0_i64;
    let mut prev = GENESIS.to_owned();
    loop {
        let page = audit_entry::Entity::find()
            .filter(audit_entry::Column::Chain.eq(head.chain))
            .filter(audit_entry::Column::Seq.gt(last))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(1000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if e.prev_hash != prev {
                return Ok(Err(ChainBreak {
                    seq: e.seq,
                    reason: format!(
                        "previous-hash link does not match in chain {} (entry removed or reordered)",
                        head.chain
                    ),
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
            last = e.seq;
            count += 1;
        }
    }
    if head.seq != last || head.hash != prev {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: format!(
                "the head of chain {} names entry {} but the chain ends at {last} (entries removed at the end)",
                head.chain, head.seq
            ),
        }));
    }
    Ok(Ok(count))
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
