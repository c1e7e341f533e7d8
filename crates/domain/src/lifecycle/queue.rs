//! Where an open dossier waits in the back office, as plain values a database can index.
//!
//! The work queues (SPEC §10: to receive, to hand over, to assign, assigned to me, to review, to
//! issue, to return, requests) follow from the lifecycle state alone. They used to be worked out
//! in memory from every open dossier of an agency on each page view; storing the position beside
//! the state lets each queue be one indexed, paginated query (issue 18, at a million dossiers).

use chrono::{DateTime, Utc};

use super::{DossierState, Status, Step};
use crate::calendar::{MINUTES_PER_WORKING_DAY, WorkingCalendar};

/// The queue an open dossier sits in: who acts next, by role and side (receiving or competent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkStage {
    /// Submitted, waiting for the receiving officer (8 working hours, Decree 45/2020 Art. 11).
    Receive,
    /// Received for another agency: the receiving officer hands it over.
    HandOver,
    /// With the competent agency, nobody assigned: its leader assigns.
    Assign,
    /// A specialist of the competent agency appraises it.
    Assigned,
    /// Forwarded for decision: the competent leader reviews.
    Review,
    /// Approved: the competent clerk issues the result.
    Issue,
    /// Result ready: the receiving officer returns it.
    Return,
    /// The applicant asked to withdraw: the receiving officer or the competent leader decides.
    Withdrawal,
    /// A fee is due: it is recorded as paid at either side.
    Payment,
}

impl WorkStage {
    pub const ALL: [WorkStage; 9] = [
        WorkStage::Receive,
        WorkStage::HandOver,
        WorkStage::Assign,
        WorkStage::Assigned,
        WorkStage::Review,
        WorkStage::Issue,
        WorkStage::Return,
        WorkStage::Withdrawal,
        WorkStage::Payment,
    ];

    /// The stored value (`dossiers.work_stage`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkStage::Receive => "receive",
            WorkStage::HandOver => "hand_over",
            WorkStage::Assign => "assign",
            WorkStage::Assigned => "assigned",
            WorkStage::Review => "review",
            WorkStage::Issue => "issue",
            WorkStage::Return => "return",
            WorkStage::Withdrawal => "withdrawal",
            WorkStage::Payment => "payment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// How close to its deadline a dossier is "near": two working hours before the receipt limit,
    /// one working day before the result date (SPEC §10).
    pub fn warning_minutes(self) -> i64 {
        match self {
            WorkStage::Receive => 120,
            _ => MINUTES_PER_WORKING_DAY,
        }
    }
}

/// The queue columns of a dossier row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePosition {
    pub stage: Option<WorkStage>,
    /// The deadline that matters in that queue: the receipt limit before receipt, else the result
    /// date. Queues are ordered by it, most urgent first, so every queued dossier has one: the
    /// submission time stands in for a date not yet set (a fee asked before receipt).
    pub due_at: Option<DateTime<Utc>>,
    /// The deadline the "near" and "overdue" lists watch; none while the clock is stopped
    /// (supplementation), once the result is ready, or when the dossier is closed.
    pub watch_due_at: Option<DateTime<Utc>>,
    /// The competent agency may see the dossier: it is its own receipt, or it was handed over.
    pub with_competent: bool,
}

impl DossierState {
    pub fn queue_position(&self) -> QueuePosition {
        let with_competent = !self.needs_handover || self.handed_over;
        let stage = match (&self.status, &self.step) {
            (Status::Submitted, _) => Some(WorkStage::Receive),
            (Status::Received, _) if !with_competent => Some(WorkStage::HandOver),
            (Status::Received, _) => Some(WorkStage::Assign),
            (Status::WithdrawalRequested, _) => Some(WorkStage::Withdrawal),
            (Status::PaymentRequested, _) => Some(WorkStage::Payment),
            (Status::InProcessing, Some(Step::Assigned { .. })) => Some(WorkStage::Assigned),
            (Status::InProcessing, Some(Step::InReview { .. })) => Some(WorkStage::Review),
            (Status::InProcessing, Some(Step::Approved { .. })) => Some(WorkStage::Issue),
            (Status::ResultReady, _) => Some(WorkStage::Return),
            _ => None,
        };
        let due_at = if self.status == Status::Submitted {
            self.receipt_due_at
        } else {
            self.due_at
        };
        let open = matches!(
            self.status,
            Status::Submitted
                | Status::Received
                | Status::InProcessing
                | Status::SupplementRequested
                | Status::PaymentRequested
                | Status::WithdrawalRequested
        );
        let watch_due_at = if open && self.supplement_paused_at.is_none() {
            due_at
        } else {
            None
        };
        QueuePosition {
            stage,
            due_at: stage.and(due_at.or(self.submitted_at)),
            watch_due_at,
            with_competent,
        }
    }
}

/// The instants that split watched deadlines into overdue, near and later at `now`: a deadline
/// before `overdue_before` has passed; one before `near_before(stage)` is near. "Near" means at
/// most the stage's warning of working minutes left, counted as whole minutes the way
/// [`WorkingCalendar::working_minutes_between`] counts them.
pub fn near_before(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    stage: WorkStage,
) -> DateTime<Utc> {
    // floor(working minutes to d) <= w  ⇔  less than w + 1 working minutes to d.
    calendar.add_working_minutes(now, stage.warning_minutes() + 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::Channel;
    use chrono::{Duration, FixedOffset, TimeZone};

    fn vn(d: u32, h: u32, min: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn state(
        status: Status,
        step: Option<Step>,
        needs_handover: bool,
        handed_over: bool,
    ) -> DossierState {
        let mut s = DossierState::new_draft(Channel::Online, 5 * 480, needs_handover);
        s.status = status;
        s.step = step;
        s.handed_over = handed_over;
        s.submitted_at = Some(vn(16, 9, 0));
        s.receipt_due_at = Some(vn(17, 9, 0));
        if status != Status::Submitted {
            s.received_at = Some(vn(16, 10, 0));
            s.due_at = Some(vn(23, 10, 0));
        }
        s
    }

    fn assigned() -> Option<Step> {
        Some(Step::Assigned {
            assignee: "specialist".into(),
        })
    }

    #[test]
    fn each_open_status_and_step_sits_in_the_queue_of_who_acts_next() {
        let a = "specialist".to_owned();
        let cases = [
            (
                state(Status::Submitted, None, false, false),
                Some(WorkStage::Receive),
            ),
            (
                state(Status::Received, None, true, false),
                Some(WorkStage::HandOver),
            ),
            (
                state(Status::Received, None, true, true),
                Some(WorkStage::Assign),
            ),
            (
                state(Status::Received, None, false, false),
                Some(WorkStage::Assign),
            ),
            (
                state(Status::InProcessing, assigned(), false, false),
                Some(WorkStage::Assigned),
            ),
            (
                state(
                    Status::InProcessing,
                    Some(Step::InReview {
                        assignee: a.clone(),
                    }),
                    false,
                    false,
                ),
                Some(WorkStage::Review),
            ),
            (
                state(
                    Status::InProcessing,
                    Some(Step::Approved { assignee: a }),
                    false,
                    false,
                ),
                Some(WorkStage::Issue),
            ),
            (
                state(Status::ResultReady, assigned(), false, false),
                Some(WorkStage::Return),
            ),
            (
                state(Status::WithdrawalRequested, None, false, false),
                Some(WorkStage::Withdrawal),
            ),
            (
                state(Status::PaymentRequested, None, false, false),
                Some(WorkStage::Payment),
            ),
            (state(Status::SupplementRequested, None, false, false), None),
            (state(Status::Draft, None, false, false), None),
            (state(Status::NotReceived, None, false, false), None),
            (state(Status::Stopped, None, false, false), None),
            (state(Status::ResultReturned, None, false, false), None),
        ];
        for (s, stage) in cases {
            assert_eq!(
                s.queue_position().stage,
                stage,
                "{:?} {:?}",
                s.status,
                s.step
            );
        }
    }

    #[test]
    fn the_queue_deadline_is_the_receipt_limit_before_receipt_then_the_result_date() {
        let submitted = state(Status::Submitted, None, false, false).queue_position();
        assert_eq!(submitted.due_at, Some(vn(17, 9, 0)));
        assert_eq!(submitted.watch_due_at, Some(vn(17, 9, 0)));
        let processing = state(Status::InProcessing, assigned(), false, false).queue_position();
        assert_eq!(processing.due_at, Some(vn(23, 10, 0)));
        assert_eq!(processing.watch_due_at, Some(vn(23, 10, 0)));
    }

    #[test]
    fn stopped_clocks_ready_results_and_closed_dossiers_are_not_watched() {
        let mut paused = state(Status::SupplementRequested, None, false, false);
        paused.supplement_paused_at = Some(vn(18, 9, 0));
        assert_eq!(paused.queue_position().watch_due_at, None);
        // A withdrawal asked while supplementing keeps the clock stopped.
        paused.status = Status::WithdrawalRequested;
        let p = paused.queue_position();
        assert_eq!(
            (p.stage, p.watch_due_at),
            (Some(WorkStage::Withdrawal), None)
        );
        let ready = state(Status::ResultReady, assigned(), false, false).queue_position();
        assert_eq!(ready.watch_due_at, None);
        assert_eq!(
            ready.due_at,
            Some(vn(23, 10, 0)),
            "still ordered by its date"
        );
        for status in [Status::ResultReturned, Status::Stopped, Status::NotReceived] {
            let p = state(status, None, false, false).queue_position();
            assert_eq!((p.due_at, p.watch_due_at), (None, None), "{status:?}");
        }
    }

    #[test]
    fn the_competent_agency_sees_its_own_receipts_and_handed_over_dossiers_only() {
        assert!(
            state(Status::Received, None, false, false)
                .queue_position()
                .with_competent
        );
        assert!(
            !state(Status::Received, None, true, false)
                .queue_position()
                .with_competent
        );
        assert!(
            state(Status::Received, None, true, true)
                .queue_position()
                .with_competent
        );
    }

    #[test]
    fn near_matches_the_working_minutes_left_at_every_instant_around_the_limit() {
        let cal = WorkingCalendar::vietnam().unwrap();
        // A Friday afternoon: the limits cross the weekend.
        let now = vn(20, 15, 30);
        for stage in [WorkStage::Receive, WorkStage::Assigned] {
            let limit = near_before(&cal, now, stage);
            let mut d = now;
            while d < now + Duration::days(5) {
                let left = cal.working_minutes_between(now, d);
                assert_eq!(
                    d < limit,
                    left <= stage.warning_minutes(),
                    "{stage:?} deadline {d} ({left} working minutes left)"
                );
                d += Duration::seconds(30);
            }
        }
    }

    #[test]
    fn stored_values_round_trip() {
        for w in WorkStage::ALL {
            assert_eq!(WorkStage::parse(w.as_str()), Some(w));
        }
        assert_eq!(WorkStage::parse("online"), None);
    }
}
