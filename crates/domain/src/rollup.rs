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

use crate::indicators::{DossierFacts, Period, Tally, open_at, tally};

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

/// `a − b` field by field, where the decomposition guarantees `b ≤ a` (saturating all the same).
fn minus(a: &Tally, b: &Tally) -> Tally {
    let mut t = *a;
    let r = |x: &mut crate::indicators::Ratio, y: &crate::indicators::Ratio| {
        x.num = x.num.saturating_sub(y.num);
        x.den = x.den.saturating_sub(y.den);
    };
    r(&mut t.on_time, &b.on_time);
    r(&mut t.received_in_8h, &b.received_in_8h);
    r(&mut t.online, &b.online);
    r(&mut t.paid_online, &b.paid_online);
    r(&mut t.e_result, &b.e_result);
    r(&mut t.digitized, &b.digitized);
    r(&mut t.reused, &b.reused);
    r(&mut t.warehouse, &b.warehouse);
    r(&mut t.population, &b.population);
    r(&mut t.synced, &b.synced);
    t.sync_known = t.sync_known.saturating_sub(b.sync_known);
    t.timeliness.early = t.timeliness.early.saturating_sub(b.timeliness.early);
    t.timeliness.on_time = t.timeliness.on_time.saturating_sub(b.timeliness.on_time);
    t.timeliness.in_time = t.timeliness.in_time.saturating_sub(b.timeliness.in_time);
    t.timeliness.late = t.timeliness.late.saturating_sub(b.timeliness.late);
    t.handling.minutes = t.handling.minutes.saturating_sub(b.handling.minutes);
    t.handling.finished = t.handling.finished.saturating_sub(b.handling.finished);
    t.satisfaction.total = t.satisfaction.total.saturating_sub(b.satisfaction.total);
    t.satisfaction.overdue = t
        .satisfaction
        .overdue
        .saturating_sub(b.satisfaction.overdue);
    t.satisfaction.dissatisfied = t
        .satisfaction
        .dissatisfied
        .saturating_sub(b.satisfaction.dissatisfied);
    t
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
