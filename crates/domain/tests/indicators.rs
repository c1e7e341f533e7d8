//! Decision 766/QĐ-TTg indicators (DOMAIN-VN §2.5, §3): the on-time rule on hand-computed
//! dossiers, which date puts a dossier into which indicator, scoring and bands, and the roll-up
//! guarantee that tallies add up whatever the grouping.
//!
//! Time is local (UTC+7) in the fixtures. Unless a test says otherwise, working time is a plain
//! Monday–Friday 08:00–16:00 office ([`office`]), so the minutes can be checked by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalogue::Channel;
use motcua_domain::feedback::{FeedbackState, Rating};
use motcua_domain::indicators::{
    Band, CatalogueFacts, DossierFacts, End, FeedbackFacts, HandlingTime, Period, Ratio, Report,
    Rule, SatisfactionCounts, Scoring, Tally, Timeliness, TimelinessCounts, open_at, report, tally,
    tally_all, timeliness,
};
use motcua_domain::lifecycle::{DossierState, Status};
use proptest::prelude::*;

const DAY: i64 = 480;

fn local(date: NaiveDate, h: u32, mi: u32) -> DateTime<Utc> {
    date.and_hms_opt(h, mi, 0).unwrap().and_utc() - TimeDelta::hours(7)
}

fn vn(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(NaiveDate::from_ymd_opt(y, m, d).unwrap(), h, mi)
}

/// Working minutes in `[a, b)` for an office open Monday–Friday 08:00–16:00 local time.
fn office(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    if b <= a {
        return 0;
    }
    let date = |t: DateTime<Utc>| (t + TimeDelta::hours(7)).date_naive();
    let (mut day, last) = (date(a), date(b));
    let mut total = 0;
    while day <= last {
        if day.weekday().num_days_from_monday() < 5 {
            let lo = a.max(local(day, 8, 0));
            let hi = b.min(local(day, 16, 0));
            if hi > lo {
                total += (hi - lo).num_minutes();
            }
        }
        day = day.succ_opt().unwrap();
    }
    total
}

fn may() -> Period {
    Period {
        from: vn(2026, 5, 1, 0, 0),
        to: vn(2026, 6, 1, 0, 0),
    }
}

fn june() -> Period {
    Period {
        from: vn(2026, 6, 1, 0, 0),
        to: vn(2026, 7, 1, 0, 0),
    }
}

/// Received at the counter at `at`, due at `due`, five working days of legal time.
fn received(at: DateTime<Utc>, due: DateTime<Utc>) -> DossierFacts {
    DossierFacts {
        submitted_at: Some(at),
        received_at: Some(at),
        legal_minutes: 5 * DAY,
        due_at: Some(due),
        ..DossierFacts::new(Channel::Counter)
    }
}

fn finished(mut f: DossierFacts, at: DateTime<Utc>, end: End) -> DossierFacts {
    f.finished_at = Some(at);
    f.end = Some(end);
    f
}

fn at(f: &DossierFacts, t: DateTime<Utc>) -> Timeliness {
    timeliness(f, t, office)
}

/// Received Monday 4/5 09:00, due Monday 11/5 09:00.
fn week() -> DossierFacts {
    received(vn(2026, 5, 4, 9, 0), vn(2026, 5, 11, 9, 0))
}

#[test]
fn the_office_function_counts_as_expected() {
    assert_eq!(office(vn(2026, 5, 4, 8, 0), vn(2026, 5, 4, 16, 0)), DAY);
    // Friday 08:00 to Monday 16:00: two days, the weekend is not counted.
    assert_eq!(
        office(vn(2026, 5, 8, 8, 0), vn(2026, 5, 11, 16, 0)),
        2 * DAY
    );
    assert_eq!(office(vn(2026, 5, 4, 17, 0), vn(2026, 5, 5, 9, 0)), 60);
}

#[test]
fn early_on_time_and_late_against_the_due_date() {
    let f = week();
    let done = |t| finished(week(), t, End::Done);
    let measure = vn(2026, 5, 31, 12, 0);
    // Friday before the due date's day: early.
    assert_eq!(at(&done(vn(2026, 5, 8, 15, 0)), measure), Timeliness::Early);
    // On the due date's day, before or at the due time: on time.
    assert_eq!(
        at(&done(vn(2026, 5, 11, 8, 0)), measure),
        Timeliness::OnTime
    );
    assert_eq!(
        at(&done(vn(2026, 5, 11, 9, 0)), measure),
        Timeliness::OnTime
    );
    // A minute later: late.
    assert_eq!(at(&done(vn(2026, 5, 11, 9, 1)), measure), Timeliness::Late);
    // Local dates decide "early": 23:30 local on Sunday 10/5 is still the day before (16:30 UTC).
    assert_eq!(
        at(&done(vn(2026, 5, 10, 23, 30)), measure),
        Timeliness::Early
    );
    assert_eq!(
        at(&done(vn(2026, 5, 11, 0, 30)), measure),
        Timeliness::OnTime
    );
    // Measured before the finish, the dossier was still running.
    let later = done(vn(2026, 5, 8, 15, 0));
    assert_eq!(at(&later, vn(2026, 5, 6, 12, 0)), Timeliness::InTime);
    // Unfinished: in time up to the due instant, late after it.
    assert_eq!(at(&f, vn(2026, 5, 11, 9, 0)), Timeliness::InTime);
    assert_eq!(at(&f, vn(2026, 5, 11, 9, 1)), Timeliness::Late);
    // Not received yet at the moment of measurement.
    assert_eq!(at(&f, vn(2026, 5, 4, 8, 59)), Timeliness::NotCounted);
    assert_eq!(at(&f, vn(2026, 5, 4, 9, 0)), Timeliness::InTime);
    // Refused at receipt: never received, never counted.
    let refused = DossierFacts {
        submitted_at: Some(vn(2026, 5, 4, 9, 0)),
        finished_at: Some(vn(2026, 5, 4, 10, 0)),
        end: Some(End::Stopped),
        ..DossierFacts::new(Channel::Online)
    };
    assert_eq!(at(&refused, measure), Timeliness::NotCounted);
    assert_eq!(tally(&refused, &may(), office).on_time, Ratio::default());
    assert!(Timeliness::InTime.is_good() && !Timeliness::Late.is_good());
}

#[test]
fn two_supplementation_requests_are_late() {
    // Finished early, but the citizen was asked twice.
    let mut f = finished(week(), vn(2026, 5, 6, 10, 0), End::Done);
    f.supplement_requests = 2;
    assert_eq!(at(&f, vn(2026, 5, 31, 0, 0)), Timeliness::Late);
    // Even while still running and far from the due date.
    let mut open = week();
    open.supplement_requests = 2;
    assert_eq!(at(&open, vn(2026, 5, 5, 9, 0)), Timeliness::Late);
    let t = tally(&f, &may(), office);
    assert_eq!(t.on_time, Ratio::new(0, 1));
    assert_eq!(t.timeliness.late, 1);
    assert_eq!(
        t.satisfaction,
        SatisfactionCounts {
            total: 1,
            overdue: 1,
            dissatisfied: 0
        }
    );
    // One request is allowed.
    f.supplement_requests = 1;
    assert_eq!(at(&f, vn(2026, 5, 31, 0, 0)), Timeliness::Early);
}

#[test]
fn one_open_supplementation_request_counts_as_the_end() {
    let open = |opened: Option<DateTime<Utc>>| DossierFacts {
        supplement_requests: 1,
        supplement_open: true,
        supplement_opened_at: opened,
        ..week()
    };
    // Opened Wednesday, before the due date; still open long after it: on time, not early
    // (nothing was delivered).
    let f = open(Some(vn(2026, 5, 6, 10, 0)));
    assert_eq!(at(&f, vn(2026, 5, 20, 9, 0)), Timeliness::OnTime);
    // Opened after the due date: late.
    let f = open(Some(vn(2026, 5, 12, 10, 0)));
    assert_eq!(at(&f, vn(2026, 5, 20, 9, 0)), Timeliness::Late);
    // Opened after the moment of measurement: the dossier was running then.
    assert_eq!(at(&f, vn(2026, 5, 7, 9, 0)), Timeliness::InTime);
    // Opening time unknown: taken as the moment of measurement.
    let f = open(None);
    assert_eq!(at(&f, vn(2026, 5, 8, 9, 0)), Timeliness::OnTime);
    assert_eq!(at(&f, vn(2026, 5, 12, 9, 0)), Timeliness::Late);

    // The request ends the dossier in May: counted in May, not again in June.
    let f = open(Some(vn(2026, 5, 6, 10, 0)));
    let t = tally(&f, &may(), office);
    assert_eq!(t.on_time, Ratio::new(1, 1));
    assert_eq!(t.timeliness.on_time, 1);
    assert_eq!(tally(&f, &june(), office).on_time, Ratio::default());
    // No handling time: it has not ended with a result.
    assert_eq!(t.handling, HandlingTime::default());
}

#[test]
fn a_stopped_or_withdrawn_dossier_ends_without_a_result() {
    let mut f = finished(week(), vn(2026, 5, 7, 10, 0), End::Stopped);
    f.needs_paper_result = true;
    f.digitized_components = true;
    assert_eq!(at(&f, vn(2026, 5, 31, 0, 0)), Timeliness::Early);
    let t = tally(&f, &may(), office);
    // Counted for 2.1 by its stop date…
    assert_eq!(t.on_time, Ratio::new(1, 1));
    assert_eq!(t.timeliness.early, 1);
    // …but no handling time and no e-result are due from it.
    assert_eq!(t.handling, HandlingTime::default());
    assert_eq!(t.e_result, Ratio::default());
    // 4.2 asks only for the components' files.
    assert_eq!(t.digitized, Ratio::new(1, 1));
    // Stopped after the due date: late.
    let late = finished(week(), vn(2026, 5, 12, 10, 0), End::Stopped);
    assert_eq!(at(&late, vn(2026, 5, 31, 0, 0)), Timeliness::Late);
}

#[test]
fn the_citizens_supplementation_time_is_not_held_against_the_agency() {
    // Three working days (1440 minutes) from Monday 4/5 08:00: originally due Wednesday 16:00.
    // Supplementation asked Tuesday 08:00 (960 minutes left), answered Thursday 08:00: the clock
    // stood still for 960 minutes and the due date moved to Friday 08:00 + 960 = Friday 16:00.
    let mut f = received(vn(2026, 5, 4, 8, 0), vn(2026, 5, 8, 16, 0));
    f.legal_minutes = 3 * DAY;
    f.supplement_requests = 1;
    f.paused_minutes = office(vn(2026, 5, 5, 8, 0), vn(2026, 5, 7, 8, 0));
    assert_eq!(f.paused_minutes, 960);
    let f = finished(f, vn(2026, 5, 8, 15, 0), End::Done);
    // Late against the original date, on time against the moved one.
    assert_eq!(at(&f, vn(2026, 5, 31, 0, 0)), Timeliness::OnTime);
    // 2.2: Monday 08:00 to Friday 15:00 is 4 × 480 + 420 = 2340 minutes, less 960 paused.
    let t = tally(&f, &may(), office);
    assert_eq!(
        t.handling,
        HandlingTime {
            minutes: 1380,
            finished: 1
        }
    );
    // Without a due date the pause is subtracted from the time used: 1380 ≤ 1440, on time, and
    // not early (1380 + 480 > 1440).
    let no_due = DossierFacts { due_at: None, ..f };
    assert_eq!(at(&no_due, vn(2026, 5, 31, 0, 0)), Timeliness::OnTime);
}

#[test]
fn an_extension_moves_the_due_date_once() {
    // Originally due Monday 11/5 09:00; the apology letter set Friday 15/5 09:00.
    let f = DossierFacts {
        extended: true,
        due_at: Some(vn(2026, 5, 15, 9, 0)),
        ..week()
    };
    let measure = vn(2026, 5, 31, 0, 0);
    let done = |t| finished(f.clone(), t, End::Done);
    assert_eq!(
        at(&done(vn(2026, 5, 13, 10, 0)), measure),
        Timeliness::Early
    );
    assert_eq!(
        at(&done(vn(2026, 5, 15, 8, 30)), measure),
        Timeliness::OnTime
    );
    assert_eq!(at(&done(vn(2026, 5, 15, 10, 0)), measure), Timeliness::Late);
    // Unfinished: in time until the new date.
    assert_eq!(at(&f, vn(2026, 5, 12, 9, 0)), Timeliness::InTime);
    assert_eq!(at(&f, vn(2026, 5, 15, 9, 1)), Timeliness::Late);
}

#[test]
fn without_a_due_date_the_legal_time_decides() {
    // Two working days of legal time, received Monday 4/5 08:00, no due date recorded.
    let f = DossierFacts {
        due_at: None,
        legal_minutes: 2 * DAY,
        ..received(vn(2026, 5, 4, 8, 0), vn(2026, 5, 4, 8, 0))
    };
    let measure = vn(2026, 5, 31, 0, 0);
    let done = |g: &DossierFacts, t| finished(g.clone(), t, End::Done);
    // 960 minutes used: on time; 961: late.
    assert_eq!(
        at(&done(&f, vn(2026, 5, 6, 8, 0)), measure),
        Timeliness::OnTime
    );
    assert_eq!(
        at(&done(&f, vn(2026, 5, 6, 8, 1)), measure),
        Timeliness::Late
    );
    // 480 used, a whole working day to spare: early.
    assert_eq!(
        at(&done(&f, vn(2026, 5, 5, 8, 0)), measure),
        Timeliness::Early
    );
    // An hour of supplementation is not counted: 1020 − 60 = 960.
    let paused = DossierFacts {
        paused_minutes: 60,
        ..f.clone()
    };
    assert_eq!(
        at(&done(&paused, vn(2026, 5, 6, 9, 0)), measure),
        Timeliness::OnTime
    );
    // Unfinished: 720 minutes used by Tuesday noon, in time; by Thursday, late.
    assert_eq!(at(&f, vn(2026, 5, 5, 12, 0)), Timeliness::InTime);
    assert_eq!(at(&f, vn(2026, 5, 7, 9, 0)), Timeliness::Late);
    // Working time, not calendar time: Friday 08:00 to Monday 16:00 is 960 working minutes.
    let weekend = DossierFacts {
        received_at: Some(vn(2026, 5, 8, 8, 0)),
        ..f.clone()
    };
    assert_eq!(
        at(&done(&weekend, vn(2026, 5, 11, 16, 0)), measure),
        Timeliness::OnTime
    );
    let calendar_minutes = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_minutes();
    assert_eq!(
        timeliness(
            &done(&weekend, vn(2026, 5, 11, 16, 0)),
            measure,
            calendar_minutes
        ),
        Timeliness::Late
    );
}

#[test]
fn the_real_calendar_can_be_injected() {
    let cal = WorkingCalendar::vietnam().unwrap();
    // Received Wednesday 29/4/2026 09:00 with two working days and no due date: 30/4 and 1/5
    // are holidays and 2–3/5 a weekend, so Monday 4/5 at 16:00 is still within the legal time.
    let f = DossierFacts {
        due_at: None,
        legal_minutes: 2 * DAY,
        ..received(vn(2026, 4, 29, 9, 0), vn(2026, 4, 29, 9, 0))
    };
    let f = finished(f, vn(2026, 5, 4, 16, 0), End::Done);
    let worked = |a, b| cal.working_minutes_between(a, b);
    assert_eq!(
        timeliness(&f, vn(2026, 5, 31, 0, 0), worked),
        Timeliness::OnTime
    );
}

#[test]
fn unfinished_dossiers_are_measured_at_the_period_end() {
    let period = may();
    // Received 25/5, due 3/6: in time at the end of May.
    let f = received(vn(2026, 5, 25, 9, 0), vn(2026, 6, 3, 9, 0));
    let t = tally(&f, &period, office);
    assert_eq!(t.on_time, Ratio::new(1, 1));
    assert_eq!(t.timeliness.in_time, 1);
    // Received 18/5, due 28/5, still open on 1/6: late.
    let f = received(vn(2026, 5, 18, 9, 0), vn(2026, 5, 28, 9, 0));
    let t = tally(&f, &period, office);
    assert_eq!(t.on_time, Ratio::new(0, 1));
    assert_eq!(t.satisfaction.overdue, 1);
    // Due exactly at the period end: still in time.
    let f = received(vn(2026, 5, 25, 9, 0), period.to);
    assert_eq!(tally(&f, &period, office).timeliness.in_time, 1);
    // Received in April and still open: counted in May (and in April).
    let f = received(vn(2026, 4, 20, 9, 0), vn(2026, 6, 10, 9, 0));
    assert_eq!(tally(&f, &period, office).on_time, Ratio::new(1, 1));
    // Finished in April: not May's.
    let f = finished(f, vn(2026, 4, 28, 9, 0), End::Done);
    assert_eq!(tally(&f, &period, office).on_time, Ratio::default());
    // Received at the very end of May (the period is half-open): June's.
    let f = received(period.to, vn(2026, 7, 10, 9, 0));
    assert_eq!(tally(&f, &period, office).on_time, Ratio::default());
    assert_eq!(tally(&f, &june(), office).on_time, Ratio::new(1, 1));
    // Finished exactly at the end of May: open throughout May (in time), finished in June.
    let f = finished(
        received(vn(2026, 5, 25, 9, 0), vn(2026, 6, 3, 9, 0)),
        period.to,
        End::Done,
    );
    assert_eq!(tally(&f, &period, office).timeliness.in_time, 1);
    assert_eq!(tally(&f, &june(), office).timeliness.early, 1);
    // An empty period counts nothing.
    let empty = Period {
        from: period.to,
        to: period.to,
    };
    assert_eq!(tally(&f, &empty, office), Tally::default());
}

#[test]
fn a_counter_dossier_with_digitized_components() {
    let mut f = week();
    f.digitized_components = true;
    let t = tally(&f, &may(), office);
    assert_eq!(t.digitized, Ratio::new(1, 1));
    assert_eq!(t.online, Ratio::new(0, 1));
    assert_eq!(t.reused, Ratio::new(0, 1));
    assert_eq!(
        t.received_in_8h,
        Ratio::default(),
        "no receipt limit at the counter"
    );
    // Its procedure's result is a document: fine while running, but once the result is issued
    // without a file the dossier is no longer fully digitized, and 4.1 counts it in June.
    f.needs_paper_result = true;
    assert_eq!(tally(&f, &may(), office).digitized, Ratio::new(1, 1));
    let done = finished(f.clone(), vn(2026, 6, 2, 9, 0), End::Returned);
    let t = tally(&done, &may(), office);
    assert_eq!(t.digitized, Ratio::new(0, 1));
    assert_eq!(t.e_result, Ratio::default(), "the result came in June");
    assert_eq!(tally(&done, &june(), office).e_result, Ratio::new(0, 1));
    let with_file = DossierFacts {
        e_result: true,
        ..done
    };
    assert_eq!(
        tally(&with_file, &may(), office).digitized,
        Ratio::new(1, 1)
    );
    assert_eq!(
        tally(&with_file, &june(), office).e_result,
        Ratio::new(1, 1)
    );
}

#[test]
fn receipt_based_indicators() {
    let mut f = week();
    f.channel = Channel::Online;
    f.fee_due = true;
    f.paid_online = true;
    f.reused_data = true;
    f.from_warehouse = true;
    f.vneid_applicant = true;
    f.synced = Some(false);
    let t = tally(&f, &may(), office);
    assert_eq!(t.online, Ratio::new(1, 1));
    assert_eq!(t.paid_online, Ratio::new(1, 1));
    assert_eq!(t.reused, Ratio::new(1, 1));
    assert_eq!(t.warehouse, Ratio::new(1, 1));
    assert_eq!(t.population, Ratio::new(1, 1));
    assert_eq!(t.synced, Ratio::new(0, 1));
    assert_eq!(t.sync_known, 1);
    // No fee to pay: outside 3.6.
    f.fee_due = false;
    assert_eq!(tally(&f, &may(), office).paid_online, Ratio::default());
    // An online dossier of a procedure whose result is a document counts as online only with an
    // e-result.
    f.needs_paper_result = true;
    assert_eq!(tally(&f, &may(), office).online, Ratio::new(0, 1));
    f.e_result = true;
    assert_eq!(tally(&f, &may(), office).online, Ratio::new(1, 1));
    // Population data without VNeID also counts for 4.5b.
    let g = DossierFacts {
        population_data: true,
        ..week()
    };
    assert_eq!(tally(&g, &may(), office).population, Ratio::new(1, 1));
    // None of these count outside the month of receipt.
    let t = tally(&f, &june(), office);
    assert_eq!(
        (t.online, t.digitized, t.synced, t.sync_known),
        (Ratio::default(), Ratio::default(), Ratio::default(), 0)
    );
}

#[test]
fn receipt_within_eight_working_hours() {
    // Submitted online Monday 4/5 09:00; the limit is Tuesday 09:00.
    let submitted = DossierFacts {
        submitted_at: Some(vn(2026, 5, 4, 9, 0)),
        receipt_due_at: Some(vn(2026, 5, 5, 9, 0)),
        ..DossierFacts::new(Channel::Online)
    };
    let p = may();
    let receive = |t| DossierFacts {
        received_at: Some(t),
        ..submitted.clone()
    };
    assert_eq!(
        tally(&receive(vn(2026, 5, 4, 14, 0)), &p, office).received_in_8h,
        Ratio::new(1, 1)
    );
    assert_eq!(
        tally(&receive(vn(2026, 5, 5, 9, 0)), &p, office).received_in_8h,
        Ratio::new(1, 1)
    );
    assert_eq!(
        tally(&receive(vn(2026, 5, 5, 10, 0)), &p, office).received_in_8h,
        Ratio::new(0, 1)
    );
    // Refused in time is an answer too.
    let refused = finished(submitted.clone(), vn(2026, 5, 5, 8, 0), End::Stopped);
    assert_eq!(tally(&refused, &p, office).received_in_8h, Ratio::new(1, 1));
    // So is a supplementation request before receipt.
    let sent_back = DossierFacts {
        supplement_requests: 1,
        supplement_open: true,
        supplement_opened_at: Some(vn(2026, 5, 4, 11, 0)),
        ..submitted.clone()
    };
    assert_eq!(
        tally(&sent_back, &p, office).received_in_8h,
        Ratio::new(1, 1)
    );
    // Still waiting at the end of May, past its limit: late in May…
    assert_eq!(
        tally(&submitted, &p, office).received_in_8h,
        Ratio::new(0, 1)
    );
    // …but not in April, when its limit had not passed (it did not exist yet).
    let april = Period {
        from: vn(2026, 4, 1, 0, 0),
        to: p.from,
    };
    assert_eq!(
        tally(&submitted, &april, office).received_in_8h,
        Ratio::default()
    );
    // Waiting but within its limit at the period's end: not counted yet.
    let friday = DossierFacts {
        submitted_at: Some(vn(2026, 5, 29, 15, 0)),
        receipt_due_at: Some(vn(2026, 6, 1, 15, 0)),
        ..DossierFacts::new(Channel::Online)
    };
    assert_eq!(tally(&friday, &p, office).received_in_8h, Ratio::default());
    // Received in June after a May limit: late in May (waiting) and in June (answered).
    let late = DossierFacts {
        received_at: Some(vn(2026, 6, 1, 9, 0)),
        ..friday.clone()
    };
    let late = DossierFacts {
        receipt_due_at: Some(vn(2026, 5, 29, 16, 0)),
        ..late
    };
    assert_eq!(tally(&late, &p, office).received_in_8h, Ratio::new(0, 1));
    assert_eq!(
        tally(&late, &june(), office).received_in_8h,
        Ratio::new(0, 1)
    );
    // Answered in April: nothing in May.
    let early = receive(vn(2026, 4, 30, 9, 0));
    assert_eq!(tally(&early, &p, office).received_in_8h, Ratio::default());
}

#[test]
fn handling_time_counts_dossiers_received_in_the_period_once_they_have_a_result() {
    // Received Monday 4/5 08:00, result ready Wednesday 6/5 12:00: 960 + 240 = 1200 minutes.
    let f = finished(
        received(vn(2026, 5, 4, 8, 0), vn(2026, 5, 11, 8, 0)),
        vn(2026, 5, 6, 12, 0),
        End::Done,
    );
    let t = tally(&f, &may(), office);
    assert_eq!(
        t.handling,
        HandlingTime {
            minutes: 1200,
            finished: 1
        }
    );
    // Received in May, result in June: still May's 2.2, not June's.
    let g = finished(
        received(vn(2026, 5, 29, 8, 0), vn(2026, 6, 5, 8, 0)),
        vn(2026, 6, 1, 8, 0),
        End::Returned,
    );
    assert_eq!(tally(&g, &may(), office).handling.minutes, 480);
    assert_eq!(tally(&g, &june(), office).handling, HandlingTime::default());
    let r = report(
        &(t + tally(&g, &may(), office)),
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &Scoring::default(),
    );
    let avg = &r.indicators["2.2"];
    assert_eq!((avg.numerator, avg.denominator), (1680, 2));
    assert_eq!(avg.rate, Some(840.0));
    assert_eq!((avg.points, avg.max), (None, 0.0), "informative");
}

#[test]
fn lifecycle_states_map_onto_facts() {
    let mut s = DossierState::new_draft(Channel::Online, 3 * DAY, false);
    s.status = Status::SupplementRequested;
    s.submitted_at = Some(vn(2026, 5, 4, 9, 0));
    s.received_at = Some(vn(2026, 5, 4, 10, 0));
    s.receipt_due_at = Some(vn(2026, 5, 5, 9, 0));
    s.due_at = Some(vn(2026, 5, 7, 10, 0));
    s.supplement_requests = 1;
    s.supplement_paused_at = Some(vn(2026, 5, 5, 10, 0));
    let f = DossierFacts::from_lifecycle(&s);
    assert_eq!(f.channel, Channel::Online);
    assert_eq!(f.legal_minutes, 3 * DAY);
    assert!(f.supplement_open);
    assert_eq!(f.supplement_opened_at, s.supplement_paused_at);
    assert_eq!(f.end, None);
    assert_eq!(at(&f, vn(2026, 5, 20, 0, 0)), Timeliness::OnTime);
    assert_eq!(End::from_status(Status::ResultReady), Some(End::Done));
    assert_eq!(
        End::from_status(Status::ResultReturned),
        Some(End::Returned)
    );
    assert_eq!(End::from_status(Status::Stopped), Some(End::Stopped));
    assert_eq!(End::from_status(Status::NotReceived), Some(End::Stopped));
    assert_eq!(End::from_status(Status::InProcessing), None);
}

#[test]
fn feedback_items_become_counts() {
    let cal = WorkingCalendar::vietnam().unwrap();
    let t0 = vn(2026, 5, 4, 9, 0);
    let s = FeedbackState::received(t0, &cal);
    assert_eq!(
        FeedbackFacts::of(&s, &cal, t0, false),
        FeedbackFacts {
            total: 1,
            handled_on_time: 1,
            disliked_repeated_or_overdue: 0
        }
    );
    assert_eq!(
        FeedbackFacts::of(&s, &cal, t0, true).disliked_repeated_or_overdue,
        1
    );
    // Unanswered past its date: late and overdue.
    let late = FeedbackFacts::of(&s, &cal, s.due_at + TimeDelta::minutes(1), false);
    assert_eq!(
        (late.handled_on_time, late.disliked_repeated_or_overdue),
        (0, 1)
    );
    // Answered in time but rated dissatisfied.
    let rated = FeedbackState {
        status: motcua_domain::feedback::Status::Answered,
        answered_at: Some(t0),
        rating: Some(Rating::Dissatisfied),
        ..s
    };
    let f = FeedbackFacts::of(&rated, &cal, vn(2026, 12, 1, 9, 0), false);
    assert_eq!((f.handled_on_time, f.disliked_repeated_or_overdue), (1, 1));

    // Judged alone and told later that the sender wrote again: the same as judged knowing it.
    let answered = FeedbackState {
        status: motcua_domain::feedback::Status::Answered,
        answered_at: Some(t0),
        ..s
    };
    let due = s.due_at;
    for state in [s.clone(), rated, answered] {
        for at in [t0, due + TimeDelta::minutes(1), vn(2026, 12, 1, 9, 0)] {
            for repeated in [false, true] {
                assert_eq!(
                    FeedbackFacts::of(&state, &cal, at, false).sent_again(repeated),
                    FeedbackFacts::of(&state, &cal, at, repeated),
                    "{state:?} at {at} repeated {repeated}"
                );
            }
        }
    }
}

// ----- scoring -----

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn zero_denominators_are_not_applicable_never_zero() {
    let s = Scoring::default();
    let r = report(
        &Tally::default(),
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &s,
    );
    for (id, fig) in &r.indicators {
        assert_eq!(fig.rate, None, "{id}");
        assert_eq!(fig.points, None, "{id}");
    }
    assert!(r.groups.values().all(|g| g.score.is_none()));
    assert_eq!((r.total, r.band), (None, None));
    // 1.1–1.3 and 1.4 without data are "not measured"; the others merely not applicable.
    for id in ["1.1", "1.2", "1.3", "1.4"] {
        assert!(!r.indicators[id].measured, "{id}");
    }
    assert!(r.indicators["2.1"].measured);

    // Only 2.1 has data: group 2 alone is scored and the total scales it to 100.
    let t = Tally {
        on_time: Ratio::new(9, 10),
        ..Tally::default()
    };
    let r = report(
        &t,
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &s,
    );
    assert_eq!(r.indicators["2.1"].rate, Some(90.0));
    assert_eq!(r.indicators["2.1"].points, Some(18.0));
    assert!(close(r.groups["2"].score, 18.0));
    assert_eq!(r.groups["1"].score, None);
    assert!(close(r.total, 90.0));
    assert_eq!(r.band, Some(Band::Excellent));
    // The JSON says null, not 0.
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["indicators"]["3.3"]["rate"].is_null());
    assert_eq!(json["band"], "excellent");
    assert_eq!(json["indicators"]["2.2"]["unit"], "working_minutes");
}

#[test]
fn at_or_above_the_threshold_full_points_below_it_linear() {
    let rule = Rule {
        points: 6.0,
        threshold: 50.0,
    };
    assert_eq!(rule.score(50.0), 6.0);
    assert_eq!(rule.score(75.0), 6.0);
    assert_eq!(rule.score(25.0), 3.0);
    assert_eq!(rule.score(0.0), 0.0);
    let t = Tally {
        online: Ratio::new(1, 4),
        digitized: Ratio::new(72, 100),
        paid_online: Ratio::new(3, 20),
        satisfaction: SatisfactionCounts {
            total: 10,
            overdue: 1,
            dissatisfied: 1,
        },
        ..Tally::default()
    };
    let c = CatalogueFacts {
        procedures_in_competence: 10,
        with_online_service: 8,
        ..CatalogueFacts::default()
    };
    let r = report(&t, &c, &FeedbackFacts::default(), &Scoring::default());
    let fig = |id: &str| (r.indicators[id].rate, r.indicators[id].points);
    // 3.3 full at 50 %: 25 % earns half.
    assert_eq!(fig("3.3"), (Some(25.0), Some(3.0)));
    // 4.2 full at 80 %: 72 % × 6 ÷ 80.
    assert_eq!(fig("4.2"), (Some(72.0), Some(5.4)));
    // 3.6 full at 30 %: 15 % earns half.
    assert_eq!(fig("3.6"), (Some(15.0), Some(3.0)));
    // 3.1 full at 80 %.
    assert_eq!(fig("3.1"), (Some(80.0), Some(2.0)));
    // 5.4 = 100 % − (10 % overdue + 10 % dissatisfied) = 80 %, full at 90 %: 6 × 80 ÷ 90.
    assert_eq!(fig("5.4"), (Some(80.0), Some(5.33)));
    // 5.4 never goes below 0.
    let worse = Tally {
        satisfaction: SatisfactionCounts {
            total: 2,
            overdue: 2,
            dissatisfied: 2,
        },
        ..Tally::default()
    };
    let r = report(
        &worse,
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &Scoring::default(),
    );
    assert_eq!(r.indicators["5.4"].rate, Some(0.0));
}

#[test]
fn the_sync_rate_weighs_on_the_online_rate_once_sync_exists() {
    let mut t = Tally {
        online: Ratio::new(2, 2),
        synced: Ratio::new(0, 2),
        ..Tally::default()
    };
    let none = report(
        &t,
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &Scoring::default(),
    );
    assert!(!none.indicators["1.4"].measured);
    assert_eq!(none.indicators["1.4"].rate, None);
    assert_eq!(none.indicators["3.3"].rate, Some(100.0));
    t.synced = Ratio::new(1, 2);
    t.sync_known = 2;
    let half = report(
        &t,
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &Scoring::default(),
    );
    assert_eq!(half.indicators["1.4"].rate, Some(50.0));
    assert_eq!(half.indicators["1.4"].points, Some(3.0));
    assert_eq!(half.indicators["3.3"].rate, Some(50.0));
    assert_eq!(
        (
            half.indicators["3.3"].numerator,
            half.indicators["3.3"].denominator
        ),
        (2, 2)
    );
    // Configurable.
    let s = Scoring {
        online_rate_times_sync: false,
        ..Scoring::default()
    };
    let plain = report(
        &t,
        &CatalogueFacts::default(),
        &FeedbackFacts::default(),
        &s,
    );
    assert_eq!(plain.indicators["3.3"].rate, Some(100.0));
}

/// Every group has data, some indicators are not applicable; all numbers computed by hand.
#[test]
fn a_full_report() {
    let t = Tally {
        synced: Ratio::new(8, 10),
        sync_known: 10,
        on_time: Ratio::new(19, 20),
        timeliness: TimelinessCounts {
            early: 5,
            on_time: 10,
            in_time: 4,
            late: 1,
        },
        online: Ratio::new(4, 10),
        paid_online: Ratio::new(3, 10),
        e_result: Ratio::new(5, 10),
        digitized: Ratio::new(8, 10),
        reused: Ratio::new(4, 10),
        warehouse: Ratio::new(1, 10),
        population: Ratio::new(10, 10),
        satisfaction: SatisfactionCounts {
            total: 20,
            overdue: 1,
            dissatisfied: 1,
        },
        ..Tally::default()
    };
    let c = CatalogueFacts {
        announced_on_time: Some(Ratio::new(9, 10)),
        published_on_time: None,
        published_complete: Some(Ratio::new(10, 10)),
        procedures_in_competence: 10,
        with_online_service: 8,
        full_online_eligible: 4,
        full_online: 2,
        online_services: 6,
        services_with_online_dossier: 3,
        ..CatalogueFacts::default()
    };
    let fb = FeedbackFacts {
        total: 5,
        handled_on_time: 4,
        disliked_repeated_or_overdue: 1,
    };
    let r = report(&t, &c, &fb, &Scoring::default());
    let points = |id: &str| r.indicators[id].points;
    // Group 1: 1.1 90 % → 5.4; 1.2 not measured; 1.3 → 2; 1.4 80 % → 4.8.
    // 12.2 of 14 applicable points, scaled to 18.
    assert_eq!(points("1.1"), Some(5.4));
    assert_eq!(points("1.2"), None);
    assert_eq!(points("1.4"), Some(4.8));
    assert_eq!(r.groups["1"].scored_max, 14.0);
    assert!(close(r.groups["1"].score, 15.69));
    // Group 2: 95 % → 19.
    assert!(close(r.groups["2"].score, 19.0));
    // Group 3: 3.1 80 % → 2; 3.1b 50 % → 1.25; 3.2 50 % → 1; 3.3 40 % × 80 % sync = 32 % → 3.84;
    // 3.5 not applicable; 3.6 30 % → 6. 14.09 of 18, scaled to 22.
    assert_eq!(points("3.1b"), Some(1.25));
    assert_eq!(r.indicators["3.3"].rate, Some(32.0));
    assert_eq!(points("3.3"), Some(3.84));
    assert_eq!(points("3.5"), None);
    assert!(close(r.groups["3"].score, 17.22));
    // Group 4: 4.1 50 % → 3; 4.2 80 % → 6; 4.3 40 % → 1; 4.4 10 % → 0.2; 4.5a n/a; 4.5b → 2.
    // 12.2 of 18, scaled to 22.
    assert_eq!(points("4.4"), Some(0.2));
    assert!(close(r.groups["4"].score, 14.91));
    // Group 5: 5.2 80 % → 4.8; 5.3 80 % → 4.8; 5.4 90 % → 6.
    assert!(close(r.groups["5"].score, 15.6));
    // 15.69 + 19 + 17.22 + 14.91 + 15.6.
    assert!(close(r.total, 82.42));
    assert_eq!(r.band, Some(Band::Good));
}

#[test]
fn band_boundaries() {
    let s = Scoring::default();
    for (total, band) in [
        (100.0, Band::Excellent),
        (90.0, Band::Excellent),
        (89.99, Band::Good),
        (80.0, Band::Good),
        (79.99, Band::Fair),
        (65.0, Band::Fair),
        (64.99, Band::Average),
        (50.0, Band::Average),
        (49.99, Band::Weak),
        (0.0, Band::Weak),
    ] {
        assert_eq!(s.band(total), band, "{total}");
    }
}

#[test]
fn the_default_scoring_is_decision_766() {
    let s = Scoring::default();
    assert_eq!(s.groups.values().sum::<f64>(), 100.0);
    for (gid, max) in &s.groups {
        let points: f64 = s
            .indicators
            .iter()
            .filter(|(id, _)| id.split('.').next() == Some(gid.as_str()))
            .map(|(_, r)| r.points)
            .sum();
        assert_eq!(points, *max, "group {gid}");
    }
    assert_eq!(s.groups["5"], 18.0);
    assert_eq!(s.indicators["3.3"].threshold, 50.0);
    assert_eq!(s.indicators["5.4"].threshold, 90.0);
    // Round trip, and a partial configuration keeps the defaults it does not mention.
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Scoring>(&json).unwrap(), s);
    let partial: Scoring = serde_json::from_str(
        r#"{"bands": {"excellent": 95, "good": 85, "fair": 70, "average": 50}}"#,
    )
    .unwrap();
    assert_eq!(partial.indicators, s.indicators);
    assert_eq!(partial.band(92.0), Band::Good);
}

#[test]
fn counts_add_up() {
    let a = Tally {
        on_time: Ratio::new(1, 2),
        sync_known: 3,
        ..Tally::default()
    };
    let b = Tally {
        on_time: Ratio::new(2, 2),
        sync_known: 1,
        ..Tally::default()
    };
    let sum = a + b;
    assert_eq!(sum.on_time, Ratio::new(3, 4));
    assert_eq!(sum.sync_known, 4);
    assert_eq!([a, b].iter().sum::<Tally>(), sum);
    let mut c = a;
    c += b;
    assert_eq!(c, sum);
    // Not measured plus measured is measured.
    let x = CatalogueFacts {
        announced_on_time: Some(Ratio::new(1, 2)),
        ..CatalogueFacts::default()
    };
    let y = CatalogueFacts::default();
    assert_eq!((x + y).announced_on_time, Some(Ratio::new(1, 2)));
    assert_eq!((y + y).announced_on_time, None);
    assert_eq!((x + x).announced_on_time, Some(Ratio::new(2, 4)));
}

// ----- the roll-up guarantee -----

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // April to June 2026, to the minute.
    (0i64..91 * 24 * 60).prop_map(|m| vn(2026, 4, 1, 0, 0) + TimeDelta::minutes(m))
}

fn facts() -> impl Strategy<Value = DossierFacts> {
    let channel = prop_oneof![
        Just(Channel::Online),
        Just(Channel::Counter),
        Just(Channel::Post)
    ];
    let end = prop_oneof![Just(End::Done), Just(End::Returned), Just(End::Stopped)];
    let rating = prop_oneof![
        Just(Rating::Satisfied),
        Just(Rating::Normal),
        Just(Rating::Dissatisfied)
    ];
    (
        (
            proptest::option::of(instant()),
            proptest::option::of(instant()),
            channel,
            0i64..5 * DAY,
            proptest::option::of(instant()),
            proptest::option::of(instant()),
            proptest::option::of(end),
        ),
        (
            0u32..3,
            any::<bool>(),
            proptest::option::of(instant()),
            0i64..2 * DAY,
            proptest::option::of(instant()),
        ),
        any::<[bool; 12]>(),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(rating),
        ),
    )
        .prop_map(
            |(
                (submitted_at, received_at, channel, legal_minutes, due_at, finished_at, end),
                (supplement_requests, supplement_open, opened, paused_minutes, receipt_due_at),
                b,
                (synced, rating),
            )| DossierFacts {
                submitted_at,
                received_at,
                channel,
                legal_minutes,
                due_at,
                extended: b[0],
                finished_at,
                end,
                supplement_requests,
                supplement_open,
                supplement_opened_at: opened,
                paused_minutes,
                receipt_due_at,
                fee_due: b[1],
                paid_online: b[2],
                needs_paper_result: b[3],
                e_result: b[4],
                digitized_components: b[5],
                reused_data: b[6],
                from_warehouse: b[7],
                population_data: b[8],
                vneid_applicant: b[9],
                synced,
                rating,
                has_feedback: b[10],
            },
        )
}

fn summed(list: &[DossierFacts], period: &Period) -> Tally {
    list.iter().map(|f| tally(f, period, office)).sum()
}

fn whole_report(t: &Tally) -> Report {
    let c = CatalogueFacts {
        procedures_in_competence: 4,
        with_online_service: 3,
        ..CatalogueFacts::default()
    };
    report(t, &c, &FeedbackFacts::default(), &Scoring::default())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The order of the dossiers does not matter.
    #[test]
    fn order_does_not_matter(
        (list, shuffled) in proptest::collection::vec(facts(), 0..25)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let period = may();
        let total = summed(&list, &period);
        prop_assert_eq!(summed(&shuffled, &period), total);
        prop_assert_eq!(tally_all(&list, &period, office), total);
        let reversed: Tally = list.iter().rev().map(|f| tally(f, &period, office)).sum();
        prop_assert_eq!(reversed, total);
    }

    /// Splitting the dossiers into groups (agencies, procedures…) and adding the groups' tallies
    /// gives the same tally and the same report as counting them all at once.
    #[test]
    fn groups_roll_up(
        list in proptest::collection::vec(facts(), 0..25),
        cuts in proptest::collection::vec(0usize..25, 0..5),
    ) {
        let period = may();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(list.len())).collect();
        cuts.sort_unstable();
        let mut groups = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([list.len()]) {
            groups.push(summed(&list[start..cut], &period));
            start = cut;
        }
        let rolled: Tally = groups.iter().sum();
        let all = summed(&list, &period);
        prop_assert_eq!(rolled, all);
        prop_assert_eq!(whole_report(&rolled), whole_report(&all));
    }

    /// The counts agree with each other for every dossier.
    #[test]
    fn counts_are_consistent(f in facts()) {
        for period in [may(), june()] {
            let t = tally(&f, &period, office);
            let c = t.timeliness;
            prop_assert_eq!(t.on_time.den, c.early + c.on_time + c.in_time + c.late);
            prop_assert_eq!(t.on_time.num, c.early + c.on_time + c.in_time);
            prop_assert_eq!(t.satisfaction.total, t.on_time.den);
            prop_assert_eq!(t.satisfaction.overdue, c.late);
            for r in [t.on_time, t.received_in_8h, t.online, t.paid_online, t.e_result,
                      t.digitized, t.reused, t.warehouse, t.population, t.synced] {
                prop_assert!(r.num <= r.den && r.den <= 1);
            }
            // Receipt-based indicators share one denominator.
            prop_assert_eq!(t.online.den, t.digitized.den);
            prop_assert_eq!(t.online.den, t.synced.den);
            prop_assert!(t.sync_known <= t.synced.den);
        }
    }

    /// Indicators counted by one date (receipt, result) split exactly across adjacent periods.
    #[test]
    fn dated_indicators_split_across_periods(
        list in proptest::collection::vec(facts(), 0..20),
        split in 1i64..30 * 24 * 60,
    ) {
        let whole = may();
        let mid = whole.from + TimeDelta::minutes(split);
        let a = summed(&list, &Period { from: whole.from, to: mid });
        let b = summed(&list, &Period { from: mid, to: whole.to });
        let w = summed(&list, &whole);
        let dated = |t: &Tally| (
            t.online, t.paid_online, t.e_result, t.digitized, t.reused, t.warehouse,
            t.population, t.synced, t.sync_known, t.handling,
        );
        let (x, y) = (dated(&a), dated(&b));
        prop_assert_eq!(
            (x.0 + y.0, x.1 + y.1, x.2 + y.2, x.3 + y.3, x.4 + y.4, x.5 + y.5, x.6 + y.6,
             x.7 + y.7, x.8 + y.8, x.9 + y.9),
            dated(&w)
        );
    }
}

/// Facts a dossier can really have: nothing ends before it was received, a finished dossier has
/// no open supplementation request, and an open one has its time.
fn coherent() -> impl Strategy<Value = DossierFacts> {
    facts().prop_map(|mut f| {
        if let (Some(r), Some(e)) = (f.received_at, f.finished_at)
            && e < r
        {
            f.finished_at = Some(r);
        }
        if f.finished_at.is_some() {
            f.supplement_open = false;
        }
        if f.supplement_open {
            let at = f.supplement_opened_at.unwrap_or(vn(2026, 5, 10, 9, 0));
            f.supplement_opened_at = Some(f.received_at.map_or(at, |r| at.max(r)));
        }
        if let (Some(s), Some(r)) = (f.submitted_at, f.received_at)
            && r < s
        {
            f.submitted_at = Some(r);
        }
        f
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The roll-ups' decomposition: a period's figures are its parts' events plus what is open at
    /// its end, for any partition of the period and any coherent dossier.
    #[test]
    fn a_period_is_its_parts_events_plus_what_is_open_at_its_end(
        list in proptest::collection::vec(coherent(), 0..20),
        cuts in proptest::collection::vec(1i64..91 * 24 * 60, 0..4),
    ) {
        let whole = Period { from: vn(2026, 4, 1, 0, 0), to: vn(2026, 7, 1, 0, 0) };
        let mut points: Vec<DateTime<Utc>> = cuts
            .into_iter()
            .map(|m| whole.from + TimeDelta::minutes(m))
            .collect();
        points.sort();
        points.dedup();
        let mut parts = Vec::new();
        let mut from = whole.from;
        for p in points.into_iter().chain([whole.to]) {
            if p > from {
                parts.push(Period { from, to: p });
                from = p;
            }
        }
        for f in &list {
            let left: Tally = parts.iter().map(|p| tally(f, p, office)).sum::<Tally>()
                + open_at(f, whole.to, office);
            let right: Tally = tally(f, &whole, office)
                + parts.iter().map(|p| open_at(f, p.to, office)).sum::<Tally>();
            prop_assert_eq!(left, right, "{:?}", f);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Monthly roll-ups give a period's figures exactly: the months' events, plus what a finished
    /// dossier added at the last month's end (kept), or what a running one adds at the period's
    /// end (measured when asked).
    #[test]
    fn monthly_contributions_add_up_to_any_run_of_whole_months(
        list in proptest::collection::vec(coherent(), 0..15),
        a in 0usize..3,
        len in 1usize..4,
    ) {
        use motcua_domain::rollup::{Month, Slot, contributions};
        let months = [
            Month { year: 2026, month: 4 },
            Month { year: 2026, month: 5 },
            Month { year: 2026, month: 6 },
        ];
        let first = months[a];
        let last = months[(a + len - 1).min(2)];
        let period = Period {
            from: first.start().unwrap(),
            to: last.next().start().unwrap(),
        };
        for f in &list {
            let c = contributions(f, office);
            let events: Tally = c
                .iter()
                .filter(|x| x.slot == Slot::Events && x.month >= first && x.month <= last)
                .map(|x| x.tally)
                .sum();
            let open = if f.finished_at.is_some() {
                c.iter()
                    .filter(|x| x.slot == Slot::OpenAtEnd && x.month == last)
                    .map(|x| x.tally)
                    .sum()
            } else {
                open_at(f, period.to, office)
            };
            prop_assert_eq!(events + open, tally(f, &period, office), "{:?}\n{:?}", f, c);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// What a running dossier adds at an instant, written as a few instants a database can compare,
    /// is exactly what the rule says at every instant — the fact times and a microsecond either side
    /// of them included.
    #[test]
    fn the_open_state_is_open_at_at_every_instant(
        f in coherent(),
        extra in proptest::collection::vec(instant(), 0..6),
    ) {
        use motcua_domain::rollup::OpenState;
        let state = OpenState::of(&f, office);
        let mut at: Vec<DateTime<Utc>> = extra;
        for t in [
            f.submitted_at, f.received_at, f.due_at, f.finished_at,
            f.supplement_opened_at, f.receipt_due_at, state.late_after,
        ].into_iter().flatten() {
            for d in [-1, 0, 1] {
                at.push(t + TimeDelta::microseconds(d));
            }
        }
        for t in at {
            prop_assert_eq!(state.at(t), open_at(&f, t, office), "{:?} at {}\n{:?}", f, t, state);
        }
    }
}
