//! What one dossier contributes to monthly roll-ups of the indicators (docs/INDICATORS.md), so a
//! province's figures over millions of dossiers are sums of small rows instead of a read of every
//! dossier.
//!
//! A period's tally splits into the events inside it and what is open at its end
//! ([`crate::indicators::open_at`]). Per dossier and month this module gives:
//!
//! - [`Slot::Events`]: what happened in the month (receipt, end, answer…), for every dossier;
//! - [`Slot::OpenAtEnd`]: what the dossier adds at the month's end while unfinished then — kept
//!   only once it has finished, because until then it changes with time without any event; the
//!   app measures still-open dossiers at the moment asked.
//!
//! For a period `P` made of whole months `a..=b`: `tally(f, P)` is the sum of `f`'s events of
//! those months plus, for a finished `f`, its open-at-end of month `b`, or for an unfinished `f`,
//! `open_at(f, P.to)`. The property tests check exactly that.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::indicators::{
    DossierFacts, HandlingTime, Period, Ratio, SatisfactionCounts, Tally, TimelinessCounts,
    open_at, tally,
};

/// Vietnam's offset (UTC+07:00, no daylight saving): months are Vietnamese calendar months.
const VN_OFFSET_HOURS: i64 = 7;

/// A calendar month in Vietnam's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// The month `t` falls in, in Vietnam.
    pub fn of(t: DateTime<Utc>) -> Month {
        let local = t + TimeDelta::hours(VN_OFFSET_HOURS);
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month >= 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first instant; `None` for a month chrono cannot represent.
    pub fn start(self) -> Option<DateTime<Utc>> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1)?;
        Some(day.and_hms_opt(0, 0, 0)?.and_utc() - TimeDelta::hours(VN_OFFSET_HOURS))
    }

    /// `[start, next start)`.
    pub fn period(self) -> Option<Period> {
        Some(Period {
            from: self.start()?,
            to: self.next().start()?,
        })
    }

    /// `2026-11`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// Which part of a dossier's contribution a roll-up row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Events,
    OpenAtEnd,
}

/// One roll-up row's share of a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub month: Month,
    pub slot: Slot,
    pub tally: Tally,
}

/// The roll-up columns: a [`Tally`] as plain counts, in this order ([`counts`], [`tally_of`]). The
/// names are the storage's column names.
pub const COLUMNS: [&str; 31] = [
    "on_time_num",
    "on_time_den",
    "early",
    "on_time",
    "in_time",
    "late",
    "handling_minutes",
    "handling_finished",
    "receipt_8h_num",
    "receipt_8h_den",
    "online_num",
    "online_den",
    "received_online",
    "paid_online_num",
    "paid_online_den",
    "e_result_num",
    "e_result_den",
    "digitized_num",
    "digitized_den",
    "reused_num",
    "reused_den",
    "warehouse_num",
    "warehouse_den",
    "population_num",
    "population_den",
    "synced_num",
    "synced_den",
    "sync_known",
    "satisfaction_total",
    "satisfaction_overdue",
    "satisfaction_dissatisfied",
];

/// Bumped whenever what a dossier contributes changes (a rule, a column): stored roll-ups made
/// under another version are rebuilt rather than diffed.
pub const RULES_VERSION: u32 = 1;

/// The tally as counts, in [`COLUMNS`] order.
pub fn counts(t: &Tally) -> [i64; 31] {
    let c = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    [
        c(t.on_time.num),
        c(t.on_time.den),
        c(t.timeliness.early),
        c(t.timeliness.on_time),
        c(t.timeliness.in_time),
        c(t.timeliness.late),
        c(t.handling.minutes),
        c(t.handling.finished),
        c(t.received_in_8h.num),
        c(t.received_in_8h.den),
        c(t.online.num),
        c(t.online.den),
        c(t.received_online),
        c(t.paid_online.num),
        c(t.paid_online.den),
        c(t.e_result.num),
        c(t.e_result.den),
        c(t.digitized.num),
        c(t.digitized.den),
        c(t.reused.num),
        c(t.reused.den),
        c(t.warehouse.num),
        c(t.warehouse.den),
        c(t.population.num),
        c(t.population.den),
        c(t.synced.num),
        c(t.synced.den),
        c(t.sync_known),
        c(t.satisfaction.total),
        c(t.satisfaction.overdue),
        c(t.satisfaction.dissatisfied),
    ]
}

/// The tally of counts in [`COLUMNS`] order; a missing or negative count reads as 0.
pub fn tally_of(c: &[i64]) -> Tally {
    let at = |i: usize| c.get(i).map_or(0, |&v| u64::try_from(v).unwrap_or(0));
    let ratio = |i: usize| Ratio::new(at(i), at(i + 1));
    Tally {
        on_time: ratio(0),
        timeliness: TimelinessCounts {
            early: at(2),
            on_time: at(3),
            in_time: at(4),
            late: at(5),
        },
        handling: HandlingTime {
            minutes: at(6),
            finished: at(7),
        },
        received_in_8h: ratio(8),
        online: ratio(10),
        received_online: at(12),
        paid_online: ratio(13),
        e_result: ratio(15),
        digitized: ratio(17),
        reused: ratio(19),
        warehouse: ratio(21),
        population: ratio(23),
        synced: ratio(25),
        sync_known: at(27),
        satisfaction: SatisfactionCounts {
            total: at(28),
            overdue: at(29),
            dissatisfied: at(30),
        },
    }
}

/// `a − b` count by count (the decomposition guarantees `b ≤ a`).
fn minus(a: &Tally, b: &Tally) -> Tally {
    let (a, b) = (counts(a), counts(b));
    let d: Vec<i64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    tally_of(&d)
}

/// Every non-zero share of the dossier, month by month: its events, and once it has finished,
/// what it added at each month's end while it was open.
pub fn contributions(
    f: &DossierFacts,
    minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
) -> Vec<Contribution> {
    let minutes = &minutes_between;
    let zero = Tally::default();
    let opened = f
        .supplement_open
        .then_some(f.supplement_opened_at)
        .flatten();
    let months: BTreeSet<Month> = [f.received_at, f.finished_at, opened]
        .into_iter()
        .flatten()
        .map(Month::of)
        .collect();
    let mut out = Vec::new();
    for m in months {
        let Some(p) = m.period() else { continue };
        let events = minus(&tally(f, &p, minutes), &open_at(f, p.to, minutes));
        if events != zero {
            out.push(Contribution {
                month: m,
                slot: Slot::Events,
                tally: events,
            });
        }
    }
    let first = [f.submitted_at, f.received_at].into_iter().flatten().min();
    if let (Some(first), Some(end)) = (first, f.finished_at) {
        let (mut m, last) = (Month::of(first), Month::of(end));
        while m <= last {
            if let Some(p) = m.period() {
                let open = open_at(f, p.to, minutes);
                if open != zero {
                    out.push(Contribution {
                        month: m,
                        slot: Slot::OpenAtEnd,
                        tally: open,
                    });
                }
            }
            m = m.next();
        }
    }
    out
}

/// What a dossier adds at an instant ([`open_at`]) written as a few instants, so a database can
/// sum it over many running dossiers for any moment without the working calendar:
///
/// - counted in 2.1 and 5.4 at `at` when `counted_from < at ≤ counted_until` (no `counted_until`:
///   not ended), late then when `at > late_after`, in time otherwise; dissatisfied when
///   `dissatisfied`;
/// - late receipt (the 8-working-hour limit passed unanswered) when
///   `receipt_late_after < at ≤ receipt_until`.
///
/// Instants are to the microsecond, as stored; [`OpenState::at`] equals [`open_at`] at every
/// microsecond (property-tested).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenState {
    pub counted_from: Option<DateTime<Utc>>,
    pub counted_until: Option<DateTime<Utc>>,
    pub late_after: Option<DateTime<Utc>>,
    pub dissatisfied: bool,
    pub receipt_late_after: Option<DateTime<Utc>>,
    pub receipt_until: Option<DateTime<Utc>>,
}

/// Far enough that a dossier not late by then never is (a legal time is days, not centuries).
const NEVER_LATE_YEARS: i64 = 200;

impl OpenState {
    pub fn of(
        f: &DossierFacts,
        minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
    ) -> OpenState {
        let supplement = f.supplement_open.then_some(f.supplement_opened_at);
        let mut s = OpenState {
            dissatisfied: f.rating == Some(crate::feedback::Rating::Dissatisfied) || f.has_feedback,
            ..OpenState::default()
        };
        // An open request of unknown time ends the dossier at any moment of measurement.
        if let Some(received) = f.received_at
            && supplement != Some(None)
        {
            s.counted_from = Some(received);
            s.counted_until = [f.finished_at, supplement.flatten()]
                .into_iter()
                .flatten()
                .min();
            s.late_after = if f.supplement_requests > 1 {
                Some(received)
            } else if let Some(due) = f.due_at {
                Some(due)
            } else {
                late_from(received, |at| {
                    minutes_between(received, at).saturating_sub(f.paused_minutes) > f.legal_minutes
                })
                .map(|first| first - TimeDelta::microseconds(1))
            };
        }
        if f.channel == crate::catalogue::Channel::Online
            && let (Some(limit), Some(submitted)) = (f.receipt_due_at, f.submitted_at)
        {
            let answer = f.received_at.or(f.finished_at).or(supplement.flatten());
            let citizen_holds = answer.is_none() && f.supplement_open;
            if !citizen_holds {
                s.receipt_late_after = Some(limit.max(submitted));
                s.receipt_until = answer;
            }
        }
        s
    }

    /// Adds nothing at any instant.
    pub fn is_empty(&self) -> bool {
        self.counted_from.is_none() && self.receipt_late_after.is_none()
    }

    /// What it adds at `at`: the same as [`open_at`] of its facts.
    pub fn at(&self, at: DateTime<Utc>) -> Tally {
        let mut t = Tally::default();
        let inside = |from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>| {
            from.is_some_and(|f| f < at) && until.is_none_or(|u| at <= u)
        };
        if inside(self.counted_from, self.counted_until) {
            let late = self.late_after.is_some_and(|l| at > l);
            t.on_time = Ratio::one(!late);
            if late {
                t.timeliness.late = 1;
            } else {
                t.timeliness.in_time = 1;
            }
            t.satisfaction = SatisfactionCounts {
                total: 1,
                overdue: u64::from(late),
                dissatisfied: u64::from(self.dissatisfied),
            };
        }
        if inside(self.receipt_late_after, self.receipt_until) {
            t.received_in_8h = Ratio::one(false);
        }
        t
    }
}

/// The first microsecond after `from` at which `late` holds, for a `late` that stays true once
/// true; `None` when it does not within [`NEVER_LATE_YEARS`].
fn late_from(from: DateTime<Utc>, late: impl Fn(DateTime<Utc>) -> bool) -> Option<DateTime<Utc>> {
    let at = |us: i64| from.checked_add_signed(TimeDelta::microseconds(us));
    let limit = NEVER_LATE_YEARS * 366 * 24 * 3600 * 1_000_000;
    // Widen until late, then halve: a few dozen calls of `late`.
    let (mut lo, mut hi) = (0i64, 60 * 1_000_000i64);
    loop {
        if at(hi).is_some_and(&late) {
            break;
        }
        if hi >= limit {
            return None;
        }
        lo = hi;
        hi = (hi * 2).min(limit);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at(mid).is_some_and(&late) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if lo == 0 && at(0).is_some_and(&late) {
        return Some(from);
    }
    at(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_vietnamese_calendar_months() {
        let t: DateTime<Utc> = "2026-11-30T17:00:00Z".parse().unwrap_or_default();
        // 00:00 on 1 December in Hanoi.
        assert_eq!(Month::of(t).label(), "2026-12");
        assert_eq!(Month::of(t - TimeDelta::seconds(1)).label(), "2026-11");
        let dec = Month {
            year: 2026,
            month: 12,
        };
        assert_eq!(
            dec.next(),
            Month {
                year: 2027,
                month: 1
            }
        );
        assert_eq!(dec.start(), Some(t));
    }
}
