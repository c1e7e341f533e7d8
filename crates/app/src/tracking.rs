//! Public tracking answers kept for a second (SPEC §15: status lookups at ten thousand a second).
//!
//! A tracking answer is a handful of public facts that change a few times in a dossier's life,
//! looked up far more often than that. Each node keeps the answers it gave for at most
//! [`FRESH_FOR`]; a state change made through this node drops the dossier's answer at once, one
//! made on another node is seen within that second. Whether the dossier is late is worked out on
//! every lookup, from the kept state, so the clock never serves a stale "on time".

use std::sync::Arc;
use std::time::Duration;

use motcua_domain::lifecycle::DossierState;

use crate::views::TrackView;

/// How long an answer is served without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Answers kept at most; about 1 KB each, so the cache stays within a few megabytes however
/// many codes are tracked within a second.
const CAPACITY: u64 = 20_000;

/// The answers this node gave in the last second, by dossier code.
pub struct TrackCache {
    answers: moka::sync::Cache<String, Arc<(TrackView, DossierState)>>,
}

impl Default for TrackCache {
    fn default() -> Self {
        Self {
            answers: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(FRESH_FOR)
                .build(),
        }
    }
}

impl TrackCache {
    /// The kept answer for `code`, with lateness as of `now`.
    pub fn get(&self, code: &str, now: chrono::DateTime<chrono::Utc>) -> Option<TrackView> {
        self.answers.get(code).map(|kept| {
            let (view, state) = &*kept;
            TrackView {
                overdue: state.is_overdue(now),
                ..view.clone()
            }
        })
    }

    pub fn keep(&self, view: &TrackView, state: DossierState) {
        self.answers
            .insert(view.code.clone(), Arc::new((view.clone(), state)));
    }

    /// Drops the answer of a dossier this node just changed.
    pub fn forget(&self, code: &str) {
        self.answers.invalidate(code);
    }
}
