//! Anchoring the audit chain outside the database (SPEC §13: a signed daily digest).
//!
//! The hash chain in `store::audit` shows an entry edited or removed by someone who cannot
//! recompute hashes. Someone who can write to the database can: truncate the tail and rewind the
//! head row, wipe the table, or edit an entry and re-hash everything after it. A checkpoint is the
//! chain head (sequence number and hash) at a moment, signed with a key derived from the
//! deployment's secret key, which lives outside the database (`sealing`). Checkpoints are written
//! to the object store (not the database) and published at `/audit/checkpoints`, so anyone may
//! keep copies. `verify` checks the chain, then that every checkpoint's entry is still there with
//! the hash it vouched for; a database writer can no longer rewrite history before the last
//! checkpoint without the verification naming where.
//!
//! Entries after the newest checkpoint are protected by the chain alone until the next one, which
//! the server writes at start-up and then daily, and `motcua audit checkpoint` on demand.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::TryStreamExt as _;
use motcua_store::audit::{self, ChainBreak};
use motcua_store::entities::audit_entry;
use motcua_store::sea_orm::EntityTrait;
use ring::signature::{ED25519, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// Where checkpoints live in the object store.
pub const PREFIX: &str = "audit/checkpoints";

/// A signed statement: "the audit chain had `seq` entries, the last hashing to `hash`, at `at`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// The signing key's public half, base64url (Ed25519).
    pub key: String,
    /// Ed25519 signature of [`Checkpoint::message`], base64url.
    pub signature: String,
}

impl Checkpoint {
    /// What is signed: a fixed label and the three facts, one per line.
    pub fn message(seq: i64, hash: &str, at: &str) -> String {
        format!("motcua audit checkpoint v1\n{seq}\n{hash}\n{at}")
    }

    /// Whether the signature is by `public_key` over this checkpoint's facts.
    pub fn signed_by(&self, public_key: &[u8]) -> bool {
        let Ok(sig) = URL_SAFE_NO_PAD.decode(&self.signature) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(
                Self::message(self.seq, &self.hash, &self.at).as_bytes(),
                &sig,
            )
            .is_ok()
    }
}

/// The deployment's checkpoint key, as published.
pub fn public_key(app: &App) -> String {
    URL_SAFE_NO_PAD.encode(app.sealing.checkpoint_public_key())
}

/// Every checkpoint in the object store, oldest first. A file that does not parse is reported as
/// a checkpoint nobody signed, so it fails verification rather than being skipped.
pub async fn checkpoints(app: &App) -> Result<Vec<Checkpoint>, AppError> {
    let listed: Vec<_> = app.files.list(PREFIX).try_collect().await?;
    let mut out = Vec::new();
    for object in listed {
        let bytes = app.files.get(&object.key).await?;
        out.push(
            serde_json::from_slice::<Checkpoint>(&bytes).unwrap_or_else(|_| Checkpoint {
                seq: i64::MAX,
                hash: String::new(),
                at: object.key.clone(),
                key: String::new(),
                signature: String::new(),
            }),
        );
    }
    out.sort_by(|a, b| (a.seq, &a.at).cmp(&(b.seq, &b.at)));
    Ok(out)
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: i64,
    pub checkpoints: usize,
}

/// Checks the chain, then the chain against every checkpoint. The first inconsistency found is
/// named: an entry (from the chain's own check) or the checkpoint that no longer matches.
pub async fn verify(app: &App) -> Result<Result<Verified, ChainBreak>, AppError> {
    let all = checkpoints(app).await?;
    verify_against(app, &all).await
}

async fn verify_against(
    app: &App,
    all: &[Checkpoint],
) -> Result<Result<Verified, ChainBreak>, AppError> {
    let key = app.sealing.checkpoint_public_key();
    let entries = match audit::verify(&app.db).await? {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    let mut previous = 0_i64;
    for cp in all {
        if !cp.signed_by(&key) {
            return Ok(Err(ChainBreak {
                seq: cp.seq,
                reason: format!(
                    "checkpoint {} is not signed by this deployment's key (forged or damaged)",
                    cp.at
                ),
            }));
        }
        if cp.seq > entries {
            return Ok(Err(ChainBreak {
                seq: entries + 1,
                reason: format!(
                    "the chain ends at entry {entries} but the checkpoint of {} vouches for {} entries \
                     (entries removed at the end, the head rewound, or the table emptied)",
                    cp.at, cp.seq
                ),
            }));
        }
        let stored = match cp.seq {
            0 => Some(audit::GENESIS.to_owned()),
            seq => audit_entry::Entity::find_by_id(seq)
                .one(&app.db)
                .await?
                .map(|e| e.hash),
        };
        if stored.as_deref() != Some(cp.hash.as_str()) {
            return Ok(Err(ChainBreak {
                seq: cp.seq,
                reason: format!(
                    "entry {} no longer has the hash the checkpoint of {} vouched for: the chain was \
                     rewritten and re-hashed somewhere in entries {}..={}",
                    cp.seq,
                    cp.at,
                    previous + 1,
                    cp.seq
                ),
            }));
        }
        previous = cp.seq;
    }
    Ok(Ok(Verified {
        entries,
        checkpoints: all.len(),
    }))
}

/// Writes a checkpoint of the current head, after checking the chain against the existing ones
/// (a tampered chain is never vouched for). Nothing is written when the head has not moved since
/// the newest checkpoint; that one is returned.
pub async fn checkpoint(
    app: &App,
    now: DateTime<Utc>,
) -> Result<Result<Checkpoint, ChainBreak>, AppError> {
    let existing = checkpoints(app).await?;
    if let Err(b) = verify_against(app, &existing).await? {
        return Ok(Err(b));
    }
    let (seq, hash) = audit::head(&app.db).await?;
    if let Some(last) = existing.into_iter().last()
        && last.seq == seq
        && last.hash == hash
    {
        return Ok(Ok(last));
    }
    let at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    let signature = app
        .sealing
        .sign_checkpoint(Checkpoint::message(seq, &hash, &at).as_bytes());
    let cp = Checkpoint {
        seq,
        hash,
        at,
        key: public_key(app),
        signature: URL_SAFE_NO_PAD.encode(signature),
    };
    let body = serde_json::to_vec_pretty(&cp).map_err(AppError::internal)?;
    let name = format!(
        "{PREFIX}/{seq:020}-{}.json",
        now.format("%Y%m%dT%H%M%S%.6fZ")
    );
    app.files.put(&name, body.into()).await?;
    tracing::info!(seq = cp.seq, hash = %cp.hash, "audit checkpoint written");
    Ok(Ok(cp))
}
