//! Public tracking answers kept for a second (SPEC §15: status lookups at ten thousand a second).
//!
//! A tracking answer is a handful of public facts that change a few times in a dossier's life,
//! looked up far more often than that. Each node serves the answer it last read for
//! [`FRESH_FOR`]; after that, the first lookup of the code reads it again while the others are
//! still served the kept one (so a popular code never makes every waiting lookup wait for the
//! database together, once a second), and an answer nobody asked for in [`KEPT_FOR`] is dropped.
//! A state change made through this node drops the dossier's answer at once; one made on another
//! node is seen within about a second. Whether the dossier is late is worked out on every lookup,
//! from the kept state, so the clock never serves a stale "on time". When nothing is kept, the
//! lookups of the code that arrive together wait for one read rather than each making their own.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use motcua_domain::lifecycle::DossierState;

use crate::views::TrackView;
use crate::{AppError, ErrorCode};

/// How long an answer is served before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// How long an answer is kept at all: a code not looked up for this long is read afresh.
pub const KEPT_FOR: Duration = Duration::from_secs(2);
/// Answers kept at most; about 1 KB each, so the cache stays within a few megabytes however
/// many codes are tracked.
const CAPACITY: u64 = 20_000;

struct Kept {
    view: TrackView,
    state: DossierState,
    read_at: Instant,
    /// A lookup is reading the answer again.
    refreshing: AtomicBool,
}

impl Kept {
    fn new((view, state): (TrackView, DossierState)) -> Arc<Self> {
        Arc::new(Self {
            view,
            state,
            read_at: Instant::now(),
            refreshing: AtomicBool::new(false),
        })
    }

    fn at(&self, now: DateTime<Utc>) -> TrackView {
        TrackView {
            overdue: self.state.is_overdue(now),
            ..self.view.clone()
        }
    }
}

/// The answers this node gave lately, by dossier code.
pub struct TrackCache {
    answers: moka::future::Cache<String, Arc<Kept>>,
}

impl Default for TrackCache {
    fn default() -> Self {
        Self {
            answers: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(KEPT_FOR)
                .build(),
        }
    }
}

impl TrackCache {
    /// The answer for `code` with lateness as of `now`: the kept one, else what `look_up` reads.
    pub async fn answer(
        &self,
        code: &str,
        now: DateTime<Utc>,
        look_up: impl Future<Output = Result<(TrackView, DossierState), AppError>>,
    ) -> Result<TrackView, AppError> {
        if let Some(kept) = self.answers.get(code).await {
            if kept.read_at.elapsed() < FRESH_FOR || kept.refreshing.swap(true, Ordering::AcqRel) {
                return Ok(kept.at(now));
            }
            // This lookup reads it again; the others go on being served the kept answer.
            return match look_up.await {
                Ok(fresh) => {
                    let fresh = Kept::new(fresh);
                    self.answers.insert(code.to_owned(), fresh.clone()).await;
                    Ok(fresh.at(now))
                }
                Err(e) => {
                    self.answers.invalidate(code).await;
                    Err(e)
                }
            };
        }
        let kept = self
            .answers
            .try_get_with(code.to_owned(), async { look_up.await.map(Kept::new) })
            .await
            .map_err(|e| match e.kind {
                // The waiting lookups share the one error; "not found" is every caller's answer.
                ErrorCode::NotFound => AppError::not_found("hồ sơ", "Dossier"),
                _ => AppError::internal(e),
            })?;
        Ok(kept.at(now))
    }

    /// Drops the answer of a dossier this node just changed.
    pub async fn forget(&self, code: &str) {
        self.answers.invalidate(code).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use motcua_domain::catalogue::Channel;
    use std::sync::atomic::AtomicUsize;

    fn answer(status: u8) -> (TrackView, DossierState) {
        let view = TrackView {
            code: "H31.11341-261117-0001".into(),
            status,
            status_name_vi: String::new(),
            status_name_en: String::new(),
            procedure_name_vi: String::new(),
            procedure_name_en: String::new(),
            competent_agency: String::new(),
            received_at: None,
            due_at: None,
            overdue: false,
            members: Vec::new(),
        };
        (view, DossierState::new_draft(Channel::Online, 480, false))
    }

    #[tokio::test]
    async fn an_answer_is_read_once_a_second_and_forgotten_when_changed_here() {
        let cache = TrackCache::default();
        let reads = AtomicUsize::new(0);
        let read = |status| {
            let reads = &reads;
            async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(answer(status))
            }
        };
        let code = "H31.11341-261117-0001";
        let now = Utc::now();
        assert_eq!(cache.answer(code, now, read(1)).await.unwrap().status, 1);
        // Within the second: the kept answer, no read.
        assert_eq!(cache.answer(code, now, read(2)).await.unwrap().status, 1);
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // A change made here is seen at once.
        cache.forget(code).await;
        assert_eq!(cache.answer(code, now, read(3)).await.unwrap().status, 3);
        // After the second, the next lookup reads again.
        tokio::time::sleep(FRESH_FOR + Duration::from_millis(50)).await;
        assert_eq!(cache.answer(code, now, read(4)).await.unwrap().status, 4);
        // A failed read is not kept: the next lookup reads again.
        cache.forget(code).await;
        let failed = cache
            .answer(code, now, async {
                Err(AppError::not_found("hồ sơ", "Dossier"))
            })
            .await;
        assert_eq!(failed.unwrap_err().kind, ErrorCode::NotFound);
        assert_eq!(cache.answer(code, now, read(5)).await.unwrap().status, 5);
    }
}
