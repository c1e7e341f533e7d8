//! The workflow template: how a procedure's legal processing time is split across the internal
//! steps (SPEC §3 "Processing time", §4 progress entries), so that each handler sees their own
//! allotment on the process-control sheet (Circular 01/2018/TT-VPCP, form 05: each step has its
//! handler, time received, time due and time done).
//!
//! Steps and the action that ends each one: assignment by the leader (`assign`), appraisal by the
//! specialist (`forward`), review by the leader (`approve`), issuing by the clerk (`issue_result`).
//! The clock of each step starts when the previous one ended (the first at receipt) and counts
//! working minutes only, less the time the clock stood still while the applicant supplemented
//! (SPEC §4: the request pauses the dossier's deadline, so it pauses the step it fell in too).
//!
//! A template may also name the specialists who take the procedure's dossiers by default: when a
//! dossier reaches the competent agency, the workflow assigns it to the least loaded of them, and
//! the leader only steps in to reassign.

use chrono::{DateTime, Utc};

use crate::calendar::WorkingCalendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Assignment,
    Appraisal,
    Review,
    Issue,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Assignment,
        Stage::Appraisal,
        Stage::Review,
        Stage::Issue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Assignment => "assignment",
            Stage::Appraisal => "appraisal",
            Stage::Review => "review",
            Stage::Issue => "issue",
        }
    }

    /// The dossier action that completes this step.
    pub fn ended_by(self) -> &'static str {
        match self {
            Stage::Assignment => "assign",
            Stage::Appraisal => "forward",
            Stage::Review => "approve",
            Stage::Issue => "issue_result",
        }
    }
}

/// Working minutes per step, and who takes new dossiers by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub minutes: [i64; 4],
    /// Specialists (usernames), in the administrator's order; empty: the leader assigns.
    pub assignees: Vec<String>,
}

/// The shortest allotment a step may get: a leader cannot assign in no time at all.
pub const MIN_STEP_MINUTES: i64 = 15;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("each step needs at least {MIN_STEP_MINUTES} working minutes")]
    TooShort,
    #[error("the steps take {0} working minutes, more than the legal {1}")]
    OverLegal(i64, i64),
}

impl Template {
    /// The default split of the legal time: 5% assignment, 15% review, 10% issuing (each at least
    /// the minimum step) and the rest appraisal — most of the time belongs to the specialist who
    /// examines the dossier. A time too short for that is split evenly.
    pub fn default_for(legal_minutes: i64) -> Self {
        let min = Self::min_step(legal_minutes);
        let part = |pct: i64| (legal_minutes * pct / 100).max(min);
        let (a, c, d) = (part(5), part(15), part(10));
        let b = legal_minutes - a - c - d;
        if b < min {
            let q = legal_minutes / 4;
            return Self {
                minutes: [q, legal_minutes - 3 * q, q, q],
                assignees: Vec::new(),
            };
        }
        Self {
            minutes: [a, b, c, d],
            assignees: Vec::new(),
        }
    }

    /// The minimum step, or a quarter of a legal time shorter than four minimum steps.
    fn min_step(legal_minutes: i64) -> i64 {
        MIN_STEP_MINUTES.min(legal_minutes / 4)
    }

    pub fn validate(&self, legal_minutes: i64) -> Result<(), TemplateError> {
        let min = Self::min_step(legal_minutes);
        if self.minutes.iter().any(|m| *m < min) {
            return Err(TemplateError::TooShort);
        }
        let total: i64 = self.minutes.iter().sum();
        if total > legal_minutes {
            return Err(TemplateError::OverLegal(total, legal_minutes));
        }
        Ok(())
    }
}

/// The default assignee for a new dossier: among the template's specialists still able to take
/// work (`available`), the one with the fewest open dossiers (`open_load`); on a tie the one the
/// administrator listed first. `None` when nobody is available: the leader assigns.
pub fn pick_assignee<'a>(
    template: &'a Template,
    available: &dyn Fn(&str) -> bool,
    open_load: &dyn Fn(&str) -> usize,
) -> Option<&'a str> {
    template
        .assignees
        .iter()
        .map(String::as_str)
        .filter(|a| available(a))
        .enumerate()
        .min_by_key(|(i, a)| (open_load(a), *i))
        .map(|(_, a)| a)
}

/// One line of the per-step report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLine {
    pub stage: Stage,
    pub allotted: i64,
    /// Working minutes spent so far (to the end of the step, or to `now` for the current one).
    pub used: i64,
    pub done: bool,
    pub started: bool,
}

impl StepLine {
    pub fn late(&self) -> bool {
        self.started && self.used > self.allotted
    }
}

/// The intervals the clock stood still: from each `request_supplement` to the `supplement` that
/// answered it (or to `now` while the applicant has not answered yet).
fn pauses(
    actions: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for (a, at) in actions {
        match a.as_str() {
            "request_supplement" => open = open.or(Some(*at)),
            "supplement" => {
                if let Some(from) = open.take() {
                    out.push((from, *at));
                }
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push((from, now));
    }
    out
}

/// Working minutes from `from` to `to`, less those inside a pause.
fn working_minutes_outside(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    calendar: &WorkingCalendar,
) -> i64 {
    let paused: i64 = pauses
        .iter()
        .map(|(p, q)| {
            let (a, b) = ((*p).max(from), (*q).min(to));
            if a < b {
                calendar.working_minutes_between(a, b)
            } else {
                0
            }
        })
        .sum();
    (calendar.working_minutes_between(from, to) - paused).max(0)
}

/// Allotted and used working time per step, from the receipt time and the dossier's actions
/// (action name, time), oldest first. Time paused for supplementation is not counted against the
/// step it fell in.
pub fn report(
    template: &Template,
    received_at: DateTime<Utc>,
    actions: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> Vec<StepLine> {
    let pauses = pauses(actions, now);
    let used_between = |a, b| working_minutes_outside(a, b, &pauses, calendar);
    let mut start = Some(received_at);
    let mut out = Vec::new();
    for (i, stage) in Stage::ALL.into_iter().enumerate() {
        let allotted = template.minutes.get(i).copied().unwrap_or_default();
        let end = start.and_then(|s| {
            actions
                .iter()
                .find(|(a, at)| a == stage.ended_by() && *at >= s)
                .map(|(_, at)| *at)
        });
        let (used, done, started) = match (start, end) {
            (Some(s), Some(e)) => (used_between(s, e), true, true),
            (Some(s), None) => (used_between(s, now), false, true),
            _ => (0, false, false),
        };
        out.push(StepLine {
            stage,
            allotted,
            used,
            done,
            started,
        });
        // The next step starts when this one ended; after an unfinished step nothing has started.
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_default_split_fits_the_legal_time_and_each_step_gets_something() {
        for legal in [30, 60, 100, 480, 3 * 480, 15 * 480] {
            let t = Template::default_for(legal);
            assert_eq!(t.validate(legal), Ok(()), "{legal}: {t:?}");
        }
        assert_eq!(Template::default_for(480).minutes, [24, 336, 72, 48]);
        assert_eq!(
            Template {
                minutes: [10, 300, 60, 60],
                assignees: Vec::new(),
            }
            .validate(480),
            Err(TemplateError::TooShort)
        );
        assert_eq!(
            Template {
                minutes: [60, 400, 60, 60],
                assignees: Vec::new(),
            }
            .validate(480),
            Err(TemplateError::OverLegal(580, 480))
        );
    }

    #[test]
    fn each_step_is_timed_from_the_end_of_the_one_before_in_working_minutes() {
        let Ok(cal) = WorkingCalendar::vietnam() else {
            panic!("calendar")
        };
        // Tuesday 17 November 2026, 09:00 local (02:00 UTC) … all within office hours.
        let at = |h: u32, m: u32| {
            Utc.with_ymd_and_hms(2026, 11, 17, h, m, 0)
                .single()
                .unwrap_or_default()
        };
        let received = at(2, 0);
        let actions = vec![
            ("receive".to_owned(), at(2, 0)),
            ("assign".to_owned(), at(2, 30)),
            ("forward".to_owned(), at(3, 30)),
        ];
        let t = Template {
            minutes: [20, 120, 60, 30],
            assignees: Vec::new(),
        };
        let r = report(&t, received, &actions, at(4, 0), &cal);
        assert_eq!(r[0].used, 30);
        assert!(r[0].done && r[0].late(), "30 minutes against 20 allotted");
        assert_eq!(r[1].used, 60);
        assert!(r[1].done && !r[1].late());
        assert_eq!((r[2].used, r[2].done, r[2].started), (30, false, true));
        assert_eq!((r[3].used, r[3].started), (0, false));
        assert!(!r[3].late());
    }

    #[test]
    fn time_paused_for_supplementation_is_not_counted_against_the_step() {
        let Ok(cal) = WorkingCalendar::vietnam() else {
            panic!("calendar")
        };
        // Tuesday 17 November 2026 (09:00 local is 02:00 UTC) and the next morning.
        let at = |d: u32, h: u32, m: u32| {
            Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
                .single()
                .unwrap_or_default()
        };
        let t = Template {
            minutes: [30, 600, 60, 30],
            assignees: Vec::new(),
        };
        let received = at(17, 2, 0);
        // Assigned at 09:10; the specialist asks for a document at 10:00 and gets it back at
        // 09:00 the next day (a full afternoon paused), then forwards at 10:30.
        let actions = vec![
            ("assign".to_owned(), at(17, 2, 10)),
            ("request_supplement".to_owned(), at(17, 3, 0)),
            ("supplement".to_owned(), at(18, 2, 0)),
            ("forward".to_owned(), at(18, 3, 30)),
        ];
        let r = report(&t, received, &actions, at(18, 4, 0), &cal);
        assert_eq!(r[0].used, 10);
        // 50 minutes before the request and 90 after the answer.
        assert_eq!((r[1].used, r[1].done), (140, true));
        // Still waiting for the applicant: the current step's clock stands still too.
        let waiting = &actions[..2];
        let r = report(&t, received, waiting, at(18, 4, 0), &cal);
        assert_eq!((r[1].used, r[1].done), (50, false));
    }

    #[test]
    fn the_default_assignee_is_the_least_loaded_available_specialist_listed_first_on_a_tie() {
        let t = Template {
            minutes: [30, 600, 60, 30],
            assignees: vec!["lan@x".into(), "minh@x".into(), "hoa@x".into()],
        };
        let load = |a: &str| match a {
            "lan@x" => 3,
            "minh@x" => 1,
            _ => 1,
        };
        assert_eq!(pick_assignee(&t, &|_| true, &load), Some("minh@x"));
        // Minh left: Hoa has as little work.
        assert_eq!(pick_assignee(&t, &|a| a != "minh@x", &load), Some("hoa@x"));
        assert_eq!(pick_assignee(&t, &|_| false, &load), None);
        assert_eq!(
            pick_assignee(&Template::default_for(480), &|_| true, &load),
            None,
            "no specialists named: the leader assigns"
        );
    }
}
