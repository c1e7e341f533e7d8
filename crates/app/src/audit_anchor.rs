//! Anchoring the audit chain outside the database (SPEC §13: a signed daily digest).
//!
//! The hash chain in `store::audit` shows an entry edited or removed by someone who cannot
//! recompute hashes. Someone who can write to the database can: truncate the tail and rewind the
//! head row, wipe the table, or edit an entry and re-hash everything after it. A checkpoint is
//! every chain's head (entry number and hash) at a moment, signed with a key derived from the
//! deployment's secret key, which lives outside the database (`sealing`). Checkpoints are written
//! to the object store (not the database) and published at `/audit/checkpoints`, so anyone may
//! keep copies. `verify` checks the chains, then that every entry a checkpoint names is still there
//! with the hash it vouched for; a database writer can no longer rewrite history before the last
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

/// A signed statement: "at `at`, the audit chains ended with these entries". `chains` lists
/// every chain's head; a checkpoint written before there were several chains (version 1) has none
/// and vouches for entry `seq` of the single chain with `hash`. In version 2 `seq` is the highest
/// entry number vouched for and `hash` a digest of the heads, for a reader's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<audit::Head>,
    /// The signing key's public half, base64url (Ed25519).
    pub key: String,
    /// Ed25519 signature of [`Checkpoint::signed_message`], base64url.
    pub signature: String,
}

impl Checkpoint {
    /// What version 1 signed: a fixed label and the three facts, one per line.
    pub fn message(seq: i64, hash: &str, at: &str) -> String {
        format!("motcua audit checkpoint v1\n{seq}\n{hash}\n{at}")
    }

    /// What version 2 signs: a fixed label, the time, then each chain's head on a line.
    pub fn message_v2(at: &str, chains: &[audit::Head]) -> String {
        let mut m = format!("motcua audit checkpoint v2\n{at}");
        for h in chains {
            m.push_str(&format!("\n{} {} {}", h.chain, h.seq, h.hash));
        }
        m
    }

    /// The message this checkpoint's signature covers.
    pub fn signed_message(&self) -> String {
        if self.chains.is_empty() {
            Self::message(self.seq, &self.hash, &self.at)
        } else {
            Self::message_v2(&self.at, &self.chains)
        }
    }

    /// The heads it vouches for: version 1's single chain is chain 1.
    pub fn heads(&self) -> Vec<audit::Head> {
        if self.chains.is_empty() {
            vec![audit::Head {
                chain: 1,
                seq: self.seq,
                hash: self.hash.clone(),
            }]
        } else {
            self.chains.clone()
        }
    }

    /// Whether the signature is by `public_key` over this checkpoint's facts.
    pub fn signed_by(&self, public_key: &[u8]) -> bool {
        let Ok(sig) = URL_SAFE_NO_PAD.decode(&self.signature) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(self.signed_message().as_bytes(), &sig)
            .is_ok()
    }
}

/// A digest of every head (SHA-256 of version 2's head lines), shown as a checkpoint's `hash`.
fn digest(chains: &[audit::Head]) -> String {
    use sha2::Digest as _;
    let lines: Vec<String> = chains
        .iter()
        .map(|h| format!("{} {} {}", h.chain, h.seq, h.hash))
        .collect();
    hex::encode(sha2::Sha256::digest(lines.join("\n").as_bytes()))
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
                chains: Vec::new(),
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
    // A chain nobody wrote to keeps its head from one checkpoint to the next: each vouched-for
    // entry is looked up once, not once per checkpoint (64 heads a day).
    let mut confirmed = std::collections::HashSet::new();
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
        for head in cp.heads() {
            if confirmed.contains(&head) {
                continue;
            }
            let stored = match head.seq {
                0 => Some((head.chain, audit::GENESIS.to_owned())),
                seq => audit_entry::Entity::find_by_id(seq)
                    .one(&app.db)
                    .await?
                    .map(|e| (e.chain, e.hash)),
            };
            if stored != Some((head.chain, head.hash.clone())) {
                return Ok(Err(ChainBreak {
                    seq: head.seq,
                    reason: format!(
                        "entry {} of chain {} is no longer there with the hash the checkpoint of {} \
                         vouched for: entries were removed at the end, the head rewound, the table \
                         emptied, or the chain rewritten and re-hashed up to that entry",
                        head.seq, head.chain, cp.at
                    ),
                }));
            }
            confirmed.insert(head);
        }
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
    let chains = audit::heads(&app.db).await?;
    if let Some(last) = existing.into_iter().last()
        && last.heads() == chains
    {
        return Ok(Ok(last));
    }
    let seq = chains.iter().map(|h| h.seq).max().unwrap_or(0);
    let at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    let signature = app
        .sealing
        .sign_checkpoint(Checkpoint::message_v2(&at, &chains).as_bytes());
    let cp = Checkpoint {
        seq,
        hash: digest(&chains),
        at,
        chains,
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
