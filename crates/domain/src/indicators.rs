//! The quality indicators of Decision 766/QĐ-TTg (23 Jun 2022) — the real-time index of how well
//! agencies serve people and businesses in administrative procedures (SPEC §11; DOMAIN-VN §3).
//!
//! Three steps, all pure:
//!
//! 1. [`tally`] turns what one dossier contributes ([`DossierFacts`], filled by the app from the
//!    dossier's columns) into a [`Tally`] for a [`Period`]. Tallies are plain counts that add up, so
//!    a roll-up (agency → commune → province, procedure, month → year…) is a sum of per-dossier
//!    tallies and can be done in the database. Rates are never averaged.
//! 2. Procedure-level inputs ([`CatalogueFacts`]) and feedback (PAKN) inputs ([`FeedbackFacts`]) are
//!    counts too, and add up the same way.
//! 3. [`report`] turns the three into rates, points, group scores, a total out of 100 and a band,
//!    under a [`Scoring`] — configuration, because thresholds and points change by decision.
//!
//! # The on-time rule (2.1), as implemented by [`timeliness`]
//!
//! DOMAIN-VN §2.5, with these readings:
//!
//! * `due_at` is the **final** due date: our lifecycle already moves it forward by the citizen's
//!   supplementation time and replaces it on an extension, so "supplementation time is
//!   subtracted" is done by comparing the end with `due_at` as it stands. Only without a due date
//!   is `paused_minutes` subtracted, from the working time used, which is then compared with the
//!   legal time.
//! * The end is `finished_at` (Done 9, else Returned 10, else the stop, refusal or withdrawal); a
//!   single **open** supplementation request also ends the dossier, on time when it was opened by
//!   the due date. More than one request is late whatever the dates.
//! * Early = ended on an earlier local (UTC+7) calendar day than the due date; without a due date,
//!   with at least one working day of the legal time left. A simple, documented rule: the
//!   decision's own definition of "early" was not available.
//! * Unfinished = in time while the moment of measurement is not after the due date.
//!
//! # Which date puts a dossier into which indicator
//!
//! A [`Period`] is half-open, `[from, to)`, and everything is measured as seen at `to`: an event at
//! exactly `to` belongs to the next period.
//!
//! | Indicator | A dossier is in the denominator of period P when… |
//! |---|---|
//! | 2.1 on time, 5.4 satisfaction | it was received before `to`, and its end (finish, or the opening of a still-open supplementation request) is in P **or** it had not ended by `to` ("unfinished dossiers are measured at period end", DOMAIN-VN §2.5). A dossier open across several periods therefore counts in each of them, as the NPSP does. |
//! | 2.2 handling time | it was received in P and has ended with a result (Done 9 / Returned 10), whenever that was: the figure fills in as the period's dossiers finish ("finished dossiers started in period"). |
//! | 1.4, 3.3, 3.6, 4.2, 4.3, 4.4, 4.5b | it was received in P (`received_at` ∈ P). |
//! | 4.1 e-result | its procedure's result is a document and it ended with a result in P (`finished_at` ∈ P): before the end no result can exist. |
//! | receipt within 8 working hours | it is an online dossier with a receipt limit and its receipt was answered in P — received, refused, or sent back for supplementation — **or** it was still unanswered at `to` after its limit (late in that period, and again in the period it is answered). |
//!
//! Dossiers never received (refused at receipt, still waiting, drafts) are outside every
//! received-based indicator, 2.1 included ([`Timeliness::NotCounted`]).
//!
//! # Not applicable and not measured
//!
//! A zero denominator means "not applicable" and gives no rate and no points — never 0 %. An
//! indicator whose input does not exist here (1.1–1.3 without announcement data, 1.4 while no
//! national-portal sync exists) is "not measured" ([`Figure::measured`] false) and is treated the
//! same way. A group is scored over the points of its indicators that do have a rate and scaled to
//! the group's maximum; a group with none of them has no score. The total likewise sums the groups
//! that have a score and scales to 100; with no group scored there is no total and no band. The
//! [`Group::scored_max`] and each figure's `measured`/`rate` show what the score stands on.

use std::collections::BTreeMap;
use std::iter::Sum;
use std::ops::{Add, AddAssign};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{MINUTES_PER_WORKING_DAY, WorkingCalendar};
use crate::catalogue::Channel;
use crate::feedback::{FeedbackState, Rating};
use crate::lifecycle::{DossierState, Status};

/// Vietnam's offset (UTC+07:00, no daylight saving since 1975), for the "early" rule's dates.
const VN_OFFSET_HOURS: i64 = 7;

/// How a dossier ended, in the order DOMAIN-VN §2.5 takes the end time from: the first of Done (9),
/// Returned (10), Stopped/Refused/Withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// Result ready (NPSP 9).
    Done,
    /// Result returned (NPSP 10); its end time is still that of 9 when there was one.
    Returned,
    /// Processing stopped (8), refused at receipt (3) or withdrawn (8 after 7): no result.
    Stopped,
}

impl End {
    /// The end a lifecycle status stands for; `None` while the dossier is open.
    pub fn from_status(status: Status) -> Option<End> {
        match status {
            Status::ResultReady => Some(End::Done),
            Status::ResultReturned => Some(End::Returned),
            Status::Stopped | Status::NotReceived => Some(End::Stopped),
            _ => None,
        }
    }

    /// Ended with a result: what 2.2 (handling time) and 4.1 (e-result) count.
    pub fn has_result(self) -> bool {
        matches!(self, End::Done | End::Returned)
    }
}

/// What one dossier contributes to the indicators: plain values the app reads from the dossier's
/// columns (most come straight from [`DossierState`], see [`DossierFacts::from_lifecycle`]) and
/// from its procedure, files and payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    pub submitted_at: Option<DateTime<Utc>>,
    /// Official receipt (NPSP 2, `NgayTiepNhan`); `None` while not received or when refused.
    pub received_at: Option<DateTime<Utc>>,
    pub channel: Channel,
    /// Legal processing time in working minutes: 2.1's yardstick when there is no due date.
    pub legal_minutes: i64,
    /// The final due date (`NgayHenTra`): receipt + legal time, **already moved forward by the
    /// citizen's supplementation time and by an extension** (SPEC §5, Decree 61/2018 Art. 22). 2.1
    /// compares the end with it directly; subtracting `paused_minutes` again would count the pause
    /// twice.
    pub due_at: Option<DateTime<Utc>>,
    /// The due date was reset once with an apology letter. Informative: `due_at` already holds
    /// the new date, and meeting it is on time.
    pub extended: bool,
    /// End of processing (`NgayKetThucXuLy`): the time of Done (9) if any, else of Returned (10),
    /// else of the stop, refusal or accepted withdrawal.
    pub finished_at: Option<DateTime<Utc>>,
    pub end: Option<End>,
    /// Supplementation requests made. The law allows one; more than one makes the dossier late
    /// (DOMAIN-VN §2.5).
    pub supplement_requests: u32,
    /// A supplementation request is open (NPSP 5): it counts as the dossier's end for 2.1.
    pub supplement_open: bool,
    /// When the open request was made. Unknown with an open request is read as "at the moment of
    /// measurement", the latest it can have been, so it never makes a late dossier look on time.
    pub supplement_opened_at: Option<DateTime<Utc>>,
    /// Working minutes the clock stood still while the citizen supplemented.
    pub paused_minutes: i64,
    /// The 8-working-hour limit to receive or send back an online dossier (Decree 45/2020/NĐ-CP);
    /// `None` at the counter and by post.
    pub receipt_due_at: Option<DateTime<Utc>>,
    /// The procedure has a non-zero fee and this dossier's fees were not all 0 (3.6's population).
    pub fee_due: bool,
    /// Paid through the NPSP or the system's own gateway (`DuocThanhToanTrucTuyen` 1 or 2).
    pub paid_online: bool,
    /// The procedure's result is a document (4.1's population; 3.3 and 4.2 then need an e-result).
    pub needs_paper_result: bool,
    /// A result file is attached (`DuongDanTepTinKetQua`).
    pub e_result: bool,
    /// The components carry files (`HoSoCoThanhPhanSoHoa`).
    pub digitized_components: bool,
    /// At least one component reused already-digitized data (4.3).
    pub reused_data: bool,
    /// At least one component came from the citizen's warehouse on the NPSP (`DuocLayTuKhoDMQG`),
    /// or the result was linked into it (4.4).
    pub from_warehouse: bool,
    /// Data from the national population database was used (4.5b).
    pub population_data: bool,
    /// The applicant's account is authenticated with VNeID (`TaiKhoanDuocXacThucVoiVNeID`, 4.5b).
    pub vneid_applicant: bool,
    /// Synced to the national portal; `None` while no sync exists, so 1.4 is "not measured"
    /// rather than 0 %.
    pub synced: Option<bool>,
    /// The citizen's rating of the service (SPEC §12).
    pub rating: Option<Rating>,
    /// A feedback item (PAKN) was filed about this dossier: 5.4 counts it with the dislikes.
    pub has_feedback: bool,
}

impl DossierFacts {
    /// A dossier on `channel` with nothing recorded yet.
    pub fn new(channel: Channel) -> Self {
        Self {
            submitted_at: None,
            received_at: None,
            channel,
            legal_minutes: 0,
            due_at: None,
            extended: false,
            finished_at: None,
            end: None,
            supplement_requests: 0,
            supplement_open: false,
            supplement_opened_at: None,
            paused_minutes: 0,
            receipt_due_at: None,
            fee_due: false,
            paid_online: false,
            needs_paper_result: false,
            e_result: false,
            digitized_components: false,
            reused_data: false,
            from_warehouse: false,
            population_data: false,
            vneid_applicant: false,
            synced: None,
            rating: None,
            has_feedback: false,
        }
    }

    /// The lifecycle's part of the facts, so the state machine and the indicators cannot drift
    /// apart; the flags about fees, files, data and ratings stay for the caller to set.
    pub fn from_lifecycle(state: &DossierState) -> Self {
        Self {
            submitted_at: state.submitted_at,
            received_at: state.received_at,
            legal_minutes: state.legal_minutes,
            due_at: state.due_at,
            extended: state.extended,
            finished_at: state.finished_at,
            end: End::from_status(state.status),
            supplement_requests: state.supplement_requests,
            supplement_open: state.supplement_paused_at.is_some(),
            supplement_opened_at: state.supplement_paused_at,
            paused_minutes: state.paused_minutes,
            receipt_due_at: state.receipt_due_at,
            ..Self::new(state.channel)
        }
    }
}

/// Where a dossier stands for indicator 2.1 (DOMAIN-VN §2.5, §3.2 row 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Ended on a local (UTC+7) calendar day before the due date's day; without a due date, with
    /// at least one working day of the legal time to spare. An open supplementation request is
    /// never early: nothing was delivered.
    Early,
    /// Ended (or had its one supplementation request opened) by the due date.
    OnTime,
    /// Unfinished and not yet due at the moment of measurement.
    InTime,
    /// Ended after the due date, unfinished past it, or asked for supplementation more than once.
    Late,
    /// Not received by the moment of measurement (refusals at receipt included).
    NotCounted,
}

impl Timeliness {
    /// Counts as "handled early or on time" in 2.1's numerator.
    pub fn is_good(self) -> bool {
        matches!(
            self,
            Timeliness::Early | Timeliness::OnTime | Timeliness::InTime
        )
    }
}

/// The 766 on-time rule for one dossier as seen at `at` (DOMAIN-VN §2.5; Decision 766/QĐ-TTg
/// indicator 2.1). Events at exactly `at` have happened. `minutes_between(a, b)` is the working time
/// in `[a, b)` (e.g. [`WorkingCalendar::working_minutes_between`]); it is used only when the dossier
/// has no due date, to compare the working time used, less the citizen's supplementation time,
/// with the legal time.
pub fn timeliness(
    f: &DossierFacts,
    at: DateTime<Utc>,
    minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
) -> Timeliness {
    judge(f, at, Seen::UpTo, &minutes_between)
}

/// Whether an event at exactly the moment of measurement has happened: yes for [`timeliness`],
/// no for a half-open period's end.
#[derive(Debug, Clone, Copy)]
enum Seen {
    UpTo,
    Before,
}

impl Seen {
    fn by(self, t: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        match self {
            Seen::UpTo => t <= at,
            Seen::Before => t < at,
        }
    }
}

enum Ending {
    Finished(DateTime<Utc>),
    SupplementOpen(DateTime<Utc>),
    Running,
}

fn ending(f: &DossierFacts, at: DateTime<Utc>, seen: Seen) -> Ending {
    if let Some(t) = f.finished_at
        && seen.by(t, at)
    {
        return Ending::Finished(t);
    }
    if f.supplement_open {
        match f.supplement_opened_at {
            Some(t) if seen.by(t, at) => return Ending::SupplementOpen(t),
            // Opened after `at`: the dossier was still running then.
            Some(_) => {}
            None => return Ending::SupplementOpen(at),
        }
    }
    Ending::Running
}

fn judge<F>(f: &DossierFacts, at: DateTime<Utc>, seen: Seen, minutes_between: &F) -> Timeliness
where
    F: Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
{
    let Some(received) = f.received_at.filter(|&r| seen.by(r, at)) else {
        return Timeliness::NotCounted;
    };
    if f.supplement_requests > 1 {
        return Timeliness::Late;
    }
    match ending(f, at, seen) {
        Ending::Finished(end) => ended(f, received, end, true, minutes_between),
        Ending::SupplementOpen(end) => ended(f, received, end, false, minutes_between),
        Ending::Running => {
            let in_time = match f.due_at {
                Some(due) => at <= due,
                None => used_minutes(f, received, at, minutes_between) <= f.legal_minutes,
            };
            if in_time {
                Timeliness::InTime
            } else {
                Timeliness::Late
            }
        }
    }
}

fn ended<F>(
    f: &DossierFacts,
    received: DateTime<Utc>,
    end: DateTime<Utc>,
    may_be_early: bool,
    minutes_between: &F,
) -> Timeliness
where
    F: Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
{
    let (on_time, early) = match f.due_at {
        Some(due) => (end <= due, local_date(end) < local_date(due)),
        None => {
            let used = used_minutes(f, received, end, minutes_between);
            (
                used <= f.legal_minutes,
                used.saturating_add(MINUTES_PER_WORKING_DAY) <= f.legal_minutes,
            )
        }
    };
    match (on_time, early && may_be_early) {
        (false, _) => Timeliness::Late,
        (true, true) => Timeliness::Early,
        (true, false) => Timeliness::OnTime,
    }
}

/// Working time used between two instants, less the citizen's supplementation time.
fn used_minutes<F>(
    f: &DossierFacts,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    minutes_between: &F,
) -> i64
where
    F: Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
{
    minutes_between(from, to).saturating_sub(f.paused_minutes)
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.checked_add_signed(TimeDelta::hours(VN_OFFSET_HOURS))
        .unwrap_or(t)
        .date_naive()
}

/// A reporting period, half-open: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }
}

/// Adding counts: saturating, because an overflow panic in a roll-up would take a dashboard down
/// for a number nobody can reach.
trait Merge {
    fn merge(&mut self, other: &Self);
}

impl Merge for u64 {
    fn merge(&mut self, other: &Self) {
        *self = self.saturating_add(*other);
    }
}

impl<T: Merge + Clone> Merge for Option<T> {
    fn merge(&mut self, other: &Self) {
        match (self.as_mut(), other) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => *self = Some(b.clone()),
            (_, None) => {}
        }
    }
}

/// `+`, `+=` and `Sum` (of values and of references) field by field.
macro_rules! additive {
    ($t:ident { $($field:ident),+ $(,)? }) => {
        impl Merge for $t {
            fn merge(&mut self, other: &Self) {
                $( self.$field.merge(&other.$field); )+
            }
        }

        impl AddAssign for $t {
            fn add_assign(&mut self, other: Self) {
                self.merge(&other);
            }
        }

        impl<'a> AddAssign<&'a $t> for $t {
            fn add_assign(&mut self, other: &'a $t) {
                self.merge(other);
            }
        }

        impl Add for $t {
            type Output = $t;
            fn add(mut self, other: Self) -> $t {
                self.merge(&other);
                self
            }
        }

        impl Sum for $t {
            fn sum<I: Iterator<Item = $t>>(iter: I) -> $t {
                iter.fold(<$t>::default(), Add::add)
            }
        }

        impl<'a> Sum<&'a $t> for $t {
            fn sum<I: Iterator<Item = &'a $t>>(iter: I) -> $t {
                iter.fold(<$t>::default(), |mut acc, x| {
                    acc.merge(x);
                    acc
                })
            }
        }
    };
}

/// A count out of a count. Stored as counts, not as a rate, so that ratios add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    pub num: u64,
    pub den: u64,
}

additive!(Ratio { num, den });

impl Ratio {
    pub fn new(num: u64, den: u64) -> Self {
        Self { num, den }
    }

    /// One item, counted in the numerator when `hit`.
    pub fn one(hit: bool) -> Self {
        Self {
            num: u64::from(hit),
            den: 1,
        }
    }

    /// The rate in percent, rounded to 2 decimals as Decision 766 publishes it; `None` when
    /// nothing was counted ("not applicable", never 0 %).
    pub fn percent(self) -> Option<f64> {
        percent(self.num, self.den)
    }
}

fn percent(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| round2(num as f64 * 100.0 / den as f64))
}

fn fraction(r: Ratio) -> f64 {
    r.num as f64 / r.den as f64
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// 2.1's population by outcome, for drill-down (early / on time / in time / late).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimelinessCounts {
    pub early: u64,
    pub on_time: u64,
    pub in_time: u64,
    pub late: u64,
}

additive!(TimelinessCounts {
    early,
    on_time,
    in_time,
    late
});

/// Indicator 2.2: working minutes from receipt to result, less supplementation time, summed over
/// the dossiers that ended with a result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HandlingTime {
    pub minutes: u64,
    pub finished: u64,
}

additive!(HandlingTime { minutes, finished });

/// Indicator 5.4's inputs over 2.1's population.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SatisfactionCounts {
    pub total: u64,
    /// Late by the 2.1 rule.
    pub overdue: u64,
    /// Rated dissatisfied, or the subject of a feedback item.
    pub dissatisfied: u64,
}

additive!(SatisfactionCounts {
    total,
    overdue,
    dissatisfied
});

/// What dossiers contribute to the indicators in a period; additive, so that any roll-up is a sum
/// (see the module documentation for the date that puts a dossier into each field).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tally {
    /// 2.1: early + on time + in time, out of the dossiers counted.
    pub on_time: Ratio,
    pub timeliness: TimelinessCounts,
    /// 2.2.
    pub handling: HandlingTime,
    /// Online receipt within 8 working hours (Decree 45/2020; SPEC §5). Not part of the 766 score.
    pub received_in_8h: Ratio,
    /// 3.3: online dossiers (with an e-result where the result is a document) of all received.
    pub online: Ratio,
    /// Received in the period on the online channel, whatever the result: 3.2 counts a service as
    /// used when one of its dossiers is here.
    pub received_online: u64,
    /// 3.6: paid online, of the dossiers with fees to pay.
    pub paid_online: Ratio,
    /// 4.1: with a result file, of the dossiers of procedures whose result is a document.
    pub e_result: Ratio,
    /// 4.2: components digitized (and the e-result where one is due), of all received.
    pub digitized: Ratio,
    /// 4.3.
    pub reused: Ratio,
    /// 4.4.
    pub warehouse: Ratio,
    /// 4.5b: VNeID-authenticated applicant or population data, of all received.
    pub population: Ratio,
    /// 1.4: synced, of all received.
    pub synced: Ratio,
    /// Received dossiers whose sync state is known: 1.4 is measured only when some are.
    pub sync_known: u64,
    /// 5.4.
    pub satisfaction: SatisfactionCounts,
}

additive!(Tally {
    on_time,
    timeliness,
    handling,
    received_in_8h,
    online,
    received_online,
    paid_online,
    e_result,
    digitized,
    reused,
    warehouse,
    population,
    synced,
    sync_known,
    satisfaction,
});

/// One dossier's contribution to the indicators of `period` (Decision 766/QĐ-TTg; DOMAIN-VN §3.2).
/// An empty or inverted period counts nothing.
pub fn tally(
    f: &DossierFacts,
    period: &Period,
    minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
) -> Tally {
    let mut t = Tally::default();
    if period.from >= period.to {
        return t;
    }
    let minutes_between = &minutes_between;

    // 2.1 and 5.4: measured at the period's end.
    let in_population = f.received_at.is_some_and(|r| r < period.to)
        && match ending(f, period.to, Seen::Before) {
            Ending::Finished(e) | Ending::SupplementOpen(e) => e >= period.from,
            Ending::Running => true,
        };
    if in_population {
        count_verdict(
            &mut t,
            f,
            judge(f, period.to, Seen::Before, minutes_between),
        );
    }

    let with_result = f.end.is_some_and(End::has_result);

    // Received in the period.
    if let Some(received) = f.received_at
        && period.contains(received)
    {
        // 3.3: a dossier of a procedure whose result is a document is online only with an
        // e-result, since otherwise the citizen still had to come for the paper.
        t.online =
            Ratio::one(f.channel == Channel::Online && (!f.needs_paper_result || f.e_result));
        t.received_online = u64::from(f.channel == Channel::Online);
        if f.fee_due {
            t.paid_online = Ratio::one(f.paid_online);
        }
        // 4.2: files on the components, and the e-result once a result is due to exist.
        let result_due = f.needs_paper_result && with_result && f.finished_at.is_some();
        t.digitized = Ratio::one(f.digitized_components && (!result_due || f.e_result));
        t.reused = Ratio::one(f.reused_data);
        t.warehouse = Ratio::one(f.from_warehouse);
        t.population = Ratio::one(f.vneid_applicant || f.population_data);
        t.synced = Ratio::one(f.synced == Some(true));
        t.sync_known = u64::from(f.synced.is_some());
        if with_result && let Some(done) = f.finished_at {
            let used = used_minutes(f, received, done, minutes_between);
            t.handling = HandlingTime {
                minutes: u64::try_from(used).unwrap_or(0),
                finished: 1,
            };
        }
    }

    // 4.1: by the date the result came.
    if f.needs_paper_result && with_result && f.finished_at.is_some_and(|d| period.contains(d)) {
        t.e_result = Ratio::one(f.e_result);
    }

    // Receipt within 8 working hours: received, refused or sent back for supplementation.
    if f.channel == Channel::Online
        && let Some(limit) = f.receipt_due_at
    {
        let supplement = f
            .supplement_open
            .then_some(f.supplement_opened_at)
            .flatten();
        let answer = f.received_at.or(f.finished_at).or(supplement);
        match answer {
            Some(a) if period.contains(a) => t.received_in_8h = Ratio::one(a <= limit),
            Some(a) if a < period.from => {}
            _ => {
                // Unanswered at the period's end: late once its limit passed, unless the
                // citizen holds it (a supplementation request of unknown time is still open).
                let citizen_holds = answer.is_none() && f.supplement_open;
                let submitted = f.submitted_at.is_some_and(|s| s < period.to);
                if !citizen_holds && submitted && limit < period.to {
                    t.received_in_8h = Ratio::one(false);
                }
            }
        }
    }
    t
}

/// 2.1's and 5.4's counts for a verdict.
fn count_verdict(t: &mut Tally, f: &DossierFacts, verdict: Timeliness) {
    let counts = &mut t.timeliness;
    match verdict {
        Timeliness::Early => counts.early = 1,
        Timeliness::OnTime => counts.on_time = 1,
        Timeliness::InTime => counts.in_time = 1,
        Timeliness::Late => counts.late = 1,
        Timeliness::NotCounted => {}
    }
    if verdict != Timeliness::NotCounted {
        t.on_time = Ratio::one(verdict.is_good());
        t.satisfaction = SatisfactionCounts {
            total: 1,
            overdue: u64::from(verdict == Timeliness::Late),
            dissatisfied: u64::from(f.rating == Some(Rating::Dissatisfied) || f.has_feedback),
        };
    }
}

/// What a dossier contributes at the instant `at` alone, whatever period ends there: the verdict
/// on a dossier received and still unfinished at `at` (2.1, 5.4), and an online dossier still
/// unanswered after its receipt limit. Everything else [`tally`] counts is an event inside the
/// period, so `tally(f, P) = events(f, P) + open_at(f, P.to)`, and over any partition of `P` into
/// periods `Pᵢ`: `Σ tally(f, Pᵢ) + open_at(f, P.to) = tally(f, P) + Σ open_at(f, Pᵢ.to)` — the
/// decomposition roll-ups stand on (docs/INDICATORS.md): months' events add up, and only what is
/// open at the period's end is measured there. It holds for coherent facts (nothing ends before
/// it was received; a finished dossier has no open supplementation request; an open one has its
/// time).
pub fn open_at(
    f: &DossierFacts,
    at: DateTime<Utc>,
    minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
) -> Tally {
    let mut t = Tally::default();
    if f.received_at.is_some_and(|r| r < at)
        && matches!(ending(f, at, Seen::Before), Ending::Running)
    {
        count_verdict(&mut t, f, judge(f, at, Seen::Before, &minutes_between));
    }
    if f.channel == Channel::Online
        && let Some(limit) = f.receipt_due_at
    {
        let supplement = f
            .supplement_open
            .then_some(f.supplement_opened_at)
            .flatten();
        let answer = f.received_at.or(f.finished_at).or(supplement);
        let answered = answer.is_some_and(|a| a < at);
        let citizen_holds = answer.is_none() && f.supplement_open;
        let submitted = f.submitted_at.is_some_and(|s| s < at);
        if !answered && !citizen_holds && submitted && limit < at {
            t.received_in_8h = Ratio::one(false);
        }
    }
    t
}

/// The sum of [`tally`] over many dossiers.
pub fn tally_all<'a>(
    facts: impl IntoIterator<Item = &'a DossierFacts>,
    period: &Period,
    minutes_between: impl Fn(DateTime<Utc>, DateTime<Utc>) -> i64,
) -> Tally {
    facts
        .into_iter()
        .map(|f| tally(f, period, &minutes_between))
        .sum()
}

/// Procedure-level inputs, counted by the app from the catalogue for the agencies reported on.
/// Additive like [`Tally`] (a procedure in the competence of two agencies counts for each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CatalogueFacts {
    /// 1.1 procedures announced on time, of those in announcement decisions dated in the period;
    /// `None` = not measured (the announcement dates live in the National TTHC DB).
    pub announced_on_time: Option<Ratio>,
    /// 1.2 published on the National TTHC DB on time; `None` = not measured.
    pub published_on_time: Option<Ratio>,
    /// 1.3 published with all components (Decree 63/2010 Art. 8(2)); `None` = not measured.
    pub published_complete: Option<Ratio>,
    /// 3.1's denominator.
    pub procedures_in_competence: u64,
    /// 3.1: with a partial or full online service.
    pub with_online_service: u64,
    /// 3.1b's denominator: flagged eligible for a full-process online service in the National DB.
    pub full_online_eligible: u64,
    /// 3.1b: of those, provided full-process online.
    pub full_online: u64,
    /// 3.2's denominator: online services published, pending stop or in test.
    pub online_services: u64,
    /// 3.2: services with at least one online dossier in the period.
    pub services_with_online_dossier: u64,
    /// 3.5's denominator: procedures with a non-zero fee in the National DB.
    pub fee_procedures: u64,
    /// 3.5: of those, with fee data integrated for payment on the NPSP.
    pub fee_procedures_integrated: u64,
    /// 4.5a's denominator: procedures for citizens.
    pub citizen_procedures: u64,
    /// 4.5a: of those, connected to the national population database.
    pub population_connected: u64,
}

additive!(CatalogueFacts {
    announced_on_time,
    published_on_time,
    published_complete,
    procedures_in_competence,
    with_online_service,
    full_online_eligible,
    full_online,
    online_services,
    services_with_online_dossier,
    fee_procedures,
    fee_procedures_integrated,
    citizen_procedures,
    population_connected,
});

/// Feedback (PAKN) inputs for 5.2 and 5.3. The app counts feedback received in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedbackFacts {
    pub total: u64,
    /// 5.2: every step within its limit ([`FeedbackState::handled_on_time`]).
    pub handled_on_time: u64,
    /// 5.3: rated dissatisfied, sent again about the same matter, or answered late.
    pub disliked_repeated_or_overdue: u64,
}

additive!(FeedbackFacts {
    total,
    handled_on_time,
    disliked_repeated_or_overdue
});

impl FeedbackFacts {
    /// One feedback item as seen at `at`. Whether it repeats an earlier one is the caller's to
    /// know (it needs the other items).
    pub fn of(
        state: &FeedbackState,
        calendar: &WorkingCalendar,
        at: DateTime<Utc>,
        repeated: bool,
    ) -> Self {
        let overdue = match state.answered_at {
            Some(answered) => answered > state.due_at,
            None => state.is_overdue(at),
        };
        Self {
            total: 1,
            handled_on_time: u64::from(state.handled_on_time(calendar, at)),
            disliked_repeated_or_overdue: u64::from(
                state.rating == Some(Rating::Dissatisfied) || repeated || overdue,
            ),
        }
    }

    /// The facts of the same item once it is known whether its sender wrote again about the
    /// same dossier: what depends on the other items counted with it, so a reader can judge
    /// each item once and decide this per scope.
    pub fn sent_again(self, repeated: bool) -> Self {
        Self {
            disliked_repeated_or_overdue: self
                .disliked_repeated_or_overdue
                .max(u64::from(repeated)),
            ..self
        }
    }
}

/// How an indicator scores: `points` at or above `threshold` (percent), else linearly
/// `rate × points ÷ threshold` (DOMAIN-VN §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub points: f64,
    pub threshold: f64,
}

impl Rule {
    pub fn score(&self, rate: f64) -> f64 {
        if self.points <= 0.0 {
            0.0
        } else if self.threshold <= 0.0 || rate >= self.threshold {
            self.points
        } else {
            rate.max(0.0) * self.points / self.threshold
        }
    }
}

/// Lower bounds of the bands, on the total out of 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bands {
    pub excellent: f64,
    pub good: f64,
    pub fair: f64,
    pub average: f64,
}

/// The ranking of a total (Decision 766/QĐ-TTg; DOMAIN-VN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Xuất sắc.
    Excellent,
    /// Tốt.
    Good,
    /// Khá.
    Fair,
    /// Trung bình.
    Average,
    /// Yếu.
    Weak,
}

/// Points, thresholds and bands: configuration, because they change by decision.
///
/// [`Scoring::default`] is Decision 766/QĐ-TTg as recorded in DOMAIN-VN §3.1–3.2: group maxima
/// 18/20/22/22/18; 1.1 = 6, 1.2 = 4, 1.3 = 2, 1.4 = 6; 2.1 = 20 (2.2 informative); 5.2, 5.3, 5.4 = 6
/// each, 5.4 full at 90 %; bands 90–100 excellent, below 50 weak. **Assumptions** where the sources
/// stop (DOMAIN-VN marks them unverified): the split of group 3's 12 online-service points as
/// 3.1 = 2, 3.1b = 2 (both full at 80 %), 3.2 = 2, 3.3 = 6 (full at 50 %); group 3's 10 payment
/// points after a vendor's 2 + 2 + 6, with its two procedure-level 2-point measures merged into
/// 3.5 = 4 (full at 80 %) and 3.6 = 6 (full at 30 %); group 4's 22 points as 4.1 = 6, 4.2 = 6 (full
/// at 80 %), 4.3 = 2 (full at 80 %), 4.4 = 2, 4.5a = 4, 4.5b = 2; the Good/Fair/Average cut-offs
/// 80/65/50. An indicator without a stated threshold is scored in proportion to its rate
/// (threshold 100 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scoring {
    /// Where these values come from, shown with the report.
    pub source: String,
    /// Group id ("1".."5") → maximum points.
    pub groups: BTreeMap<String, f64>,
    /// Indicator id → rule; the group is the id's part before the first dot. An indicator
    /// without a rule is informative.
    pub indicators: BTreeMap<String, Rule>,
    pub bands: Bands,
    /// 3.3's rate is multiplied by the sync rate (1.4) when sync is measured, as the NPSP does.
    pub online_rate_times_sync: bool,
}

impl Default for Scoring {
    fn default() -> Self {
        let groups = [
            ("1", 18.0),
            ("2", 20.0),
            ("3", 22.0),
            ("4", 22.0),
            ("5", 18.0),
        ];
        let indicators = [
            ("1.1", 6.0, 100.0),
            ("1.2", 4.0, 100.0),
            ("1.3", 2.0, 100.0),
            ("1.4", 6.0, 100.0),
            ("2.1", 20.0, 100.0),
            ("3.1", 2.0, 80.0),
            ("3.1b", 2.0, 80.0),
            ("3.2", 2.0, 100.0),
            ("3.3", 6.0, 50.0),
            ("3.5", 4.0, 80.0),
            ("3.6", 6.0, 30.0),
            ("4.1", 6.0, 100.0),
            ("4.2", 6.0, 80.0),
            ("4.3", 2.0, 80.0),
            ("4.4", 2.0, 100.0),
            ("4.5a", 4.0, 100.0),
            ("4.5b", 2.0, 100.0),
            ("5.2", 6.0, 100.0),
            ("5.3", 6.0, 100.0),
            ("5.4", 6.0, 90.0),
        ];
        Self {
            source:
                "Decision 766/QĐ-TTg (23 Jun 2022); DOMAIN-VN §3.1–3.2; sub-points of groups 3 \
                     and 4 and the Good/Fair/Average cut-offs assumed"
                    .to_owned(),
            groups: groups
                .into_iter()
                .map(|(id, max)| (id.to_owned(), max))
                .collect(),
            indicators: indicators
                .into_iter()
                .map(|(id, points, threshold)| (id.to_owned(), Rule { points, threshold }))
                .collect(),
            bands: Bands {
                excellent: 90.0,
                good: 80.0,
                fair: 65.0,
                average: 50.0,
            },
            online_rate_times_sync: true,
        }
    }
}

impl Scoring {
    pub fn band(&self, total: f64) -> Band {
        let b = &self.bands;
        if total >= b.excellent {
            Band::Excellent
        } else if total >= b.good {
            Band::Good
        } else if total >= b.fair {
            Band::Fair
        } else if total >= b.average {
            Band::Average
        } else {
            Band::Weak
        }
    }
}

/// What a figure's rate is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    /// 2.2: the average handling time, in working minutes (the caller converts to the
    /// procedure's unit).
    WorkingMinutes,
}

/// One indicator in a [`Report`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub numerator: u64,
    pub denominator: u64,
    /// Rounded to 2 decimals; `None` when not applicable (denominator 0) or not measured. 3.3's is
    /// the online share times the sync rate when sync is measured.
    pub rate: Option<f64>,
    pub unit: Unit,
    /// `None` when there is no rate, or the indicator is informative.
    pub points: Option<f64>,
    /// 0 for an informative indicator.
    pub max: f64,
    /// false = "not yet measured" (e.g. no national-portal sync exists).
    pub measured: bool,
}

/// One group in a [`Report`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Points earned scaled from `scored_max` to `max`; `None` when nothing in the group could be
    /// scored.
    pub score: Option<f64>,
    pub max: f64,
    /// The points of the group's indicators that had a rate.
    pub scored_max: f64,
}

/// Rates, points, group scores, total and band (Decision 766/QĐ-TTg; SPEC §11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// By indicator id ("1.1" … "5.4", "3.1b", "4.5a", "4.5b"), plus "receipt_8h".
    pub indicators: BTreeMap<String, Figure>,
    /// By group id ("1".."5").
    pub groups: BTreeMap<String, Group>,
    /// Out of 100, rounded to 2 decimals.
    pub total: Option<f64>,
    pub band: Option<Band>,
}

struct Raw {
    num: u64,
    den: u64,
    rate: Option<f64>,
    unit: Unit,
    measured: bool,
}

impl Raw {
    fn ratio(r: Ratio) -> Self {
        Self {
            num: r.num,
            den: r.den,
            rate: r.percent(),
            unit: Unit::Percent,
            measured: true,
        }
    }

    fn counts(num: u64, den: u64) -> Self {
        Self::ratio(Ratio::new(num, den))
    }

    fn maybe(r: Option<Ratio>) -> Self {
        match r {
            Some(r) => Self::ratio(r),
            None => Self {
                measured: false,
                ..Self::ratio(Ratio::default())
            },
        }
    }

    fn measured_if(mut self, measured: bool) -> Self {
        self.measured = measured;
        if !measured {
            self.rate = None;
        }
        self
    }
}

/// The report of a period: see the module documentation for how not-applicable and not-measured
/// indicators weigh on groups and the total.
pub fn report(t: &Tally, c: &CatalogueFacts, fb: &FeedbackFacts, s: &Scoring) -> Report {
    let sync_measured = t.sync_known > 0;
    let sync = Raw::ratio(t.synced).measured_if(sync_measured);

    let mut online = Raw::ratio(t.online);
    if s.online_rate_times_sync && sync_measured && t.online.den > 0 && t.synced.den > 0 {
        online.rate = Some(round2(fraction(t.online) * fraction(t.synced) * 100.0));
    }

    let handling = Raw {
        num: t.handling.minutes,
        den: t.handling.finished,
        rate: (t.handling.finished > 0)
            .then(|| round2(t.handling.minutes as f64 / t.handling.finished as f64)),
        unit: Unit::WorkingMinutes,
        measured: true,
    };
    let sat = &t.satisfaction;
    let raws = [
        ("1.1", Raw::maybe(c.announced_on_time)),
        ("1.2", Raw::maybe(c.published_on_time)),
        ("1.3", Raw::maybe(c.published_complete)),
        ("1.4", sync),
        ("2.1", Raw::ratio(t.on_time)),
        ("2.2", handling),
        ("receipt_8h", Raw::ratio(t.received_in_8h)),
        (
            "3.1",
            Raw::counts(c.with_online_service, c.procedures_in_competence),
        ),
        ("3.1b", Raw::counts(c.full_online, c.full_online_eligible)),
        (
            "3.2",
            Raw::counts(c.services_with_online_dossier, c.online_services),
        ),
        ("3.3", online),
        (
            "3.5",
            Raw::counts(c.fee_procedures_integrated, c.fee_procedures),
        ),
        ("3.6", Raw::ratio(t.paid_online)),
        ("4.1", Raw::ratio(t.e_result)),
        ("4.2", Raw::ratio(t.digitized)),
        ("4.3", Raw::ratio(t.reused)),
        ("4.4", Raw::ratio(t.warehouse)),
        (
            "4.5a",
            Raw::counts(c.population_connected, c.citizen_procedures),
        ),
        ("4.5b", Raw::ratio(t.population)),
        ("5.2", Raw::counts(fb.handled_on_time, fb.total)),
        (
            "5.3",
            Raw::counts(
                fb.total.saturating_sub(fb.disliked_repeated_or_overdue),
                fb.total,
            ),
        ),
        (
            "5.4",
            // 100 % − (overdue rate + dissatisfied share), never below 0.
            Raw::counts(
                sat.total
                    .saturating_sub(sat.overdue.saturating_add(sat.dissatisfied)),
                sat.total,
            ),
        ),
    ];

    let mut indicators = BTreeMap::new();
    for (id, raw) in raws {
        let rule = s.indicators.get(id);
        let points = match (rule, raw.rate) {
            (Some(rule), Some(rate)) if raw.unit == Unit::Percent => Some(round2(rule.score(rate))),
            _ => None,
        };
        indicators.insert(
            id.to_owned(),
            Figure {
                numerator: raw.num,
                denominator: raw.den,
                rate: raw.rate,
                unit: raw.unit,
                points,
                max: rule.map_or(0.0, |r| r.points),
                measured: raw.measured,
            },
        );
    }

    let mut groups = BTreeMap::new();
    for (gid, &max) in &s.groups {
        let (mut earned, mut scored_max) = (0.0, 0.0);
        for (id, fig) in &indicators {
            if group_of(id) == gid
                && let Some(p) = fig.points
            {
                earned += p;
                scored_max += fig.max;
            }
        }
        let score = (scored_max > 0.0).then(|| round2(earned / scored_max * max));
        groups.insert(
            gid.clone(),
            Group {
                score,
                max,
                scored_max,
            },
        );
    }

    let full: f64 = groups.values().map(|g| g.max).sum();
    let (earned, scored): (f64, f64) = groups
        .values()
        .filter_map(|g| g.score.map(|sc| (sc, g.max)))
        .fold((0.0, 0.0), |(e, m), (sc, max)| (e + sc, m + max));
    let total = (scored > 0.0).then(|| round2(earned / scored * full));
    Report {
        indicators,
        groups,
        total,
        band: total.map(|x| s.band(x)),
    }
}

fn group_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}
