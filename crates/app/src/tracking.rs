//! Public tracking answers kept for a second (SPEC §15: status lookups at ten thousand a second).
//!
//! A tracking answer is a handful of public facts that change a few times in a dossier's life,
//! looked up far more often than that. Each node keeps the answers it gave for at most
//! [`FRESH_FOR`]; a state change made through this node drops the dossier's answer at once, one
//! made on another node is seen within that second. Whether the dossier is late is worked out on
//! every lookup, from the kept state, so the clock never serves a stale "on time". When an answer
//! has expired, the lookups of that code that arrive together wait for one database read rather
//! than each making their own (500 connections asking for one code would otherwise send 500
//! reads at the same instant, once a second).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use motcua_domain::lifecycle::DossierState;

use crate::views::TrackView;
use crate::{AppError, ErrorCode};

/// How long an answer is served without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Answers kept at most; about 1 KB each, so the cache stays within a few megabytes however
/// many codes are tracked within a second.
const CAPACITY: u64 = 20_000;

/// The answers this node gave in the last second, by dossier code.
pub struct TrackCache {
    answers: moka::future::Cache<String, Arc<(TrackView, DossierState)>>,
}

impl Default for TrackCache {
    fn default() -> Self {
        Self {
            answers: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(FRESH_FOR)
                .build(),
        }
    }
}

impl TrackCache {
    /// The answer for `code` with lateness as of `now`: the kept one, else what `look_up` reads
    /// (once for all the lookups of the code waiting on it). A failed read is not kept.
    pub async fn answer(
        &self,
        code: &str,
        now: DateTime<Utc>,
        look_up: impl Future<Output = Result<(TrackView, DossierState), AppError>>,
    ) -> Result<TrackView, AppError> {
        let kept = self
            .answers
            .try_get_with(code.to_owned(), async { look_up.await.map(Arc::new) })
            .await
            .map_err(|e| match e.kind {
                // The waiting lookups share the one error; "not found" is every caller's answer.
                ErrorCode::NotFound => AppError::not_found("hồ sơ", "Dossier"),
                _ => AppError::internal(e),
            })?;
        let (view, state) = &*kept;
        Ok(TrackView {
            overdue: state.is_overdue(now),
            ..view.clone()
        })
    }

    /// Drops the answer of a dossier this node just changed.
    pub async fn forget(&self, code: &str) {
        self.answers.invalidate(code).await;
    }
}
