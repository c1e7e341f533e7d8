//! Every (status, action, role, place) combination against the table of SPEC §4/§17, written out
//! here independently of the implementation, plus the clock rules.

use super::*;
use chrono::{Duration, FixedOffset, TimeZone};

fn cal() -> WorkingCalendar {
    WorkingCalendar::vietnam().expect("shipped calendar parses")
}

/// Local Vietnamese wall-clock time as UTC.
fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    // Tuesday 2026-11-17, 09:00: an ordinary working morning.
    vn(2026, 11, 17, 9, 0)
}

const SPEC: &str = "spec";

/// A named representative state for each status (and each sub-step of status 4).
fn states() -> Vec<(&'static str, DossierState)> {
    let base = DossierState::new_draft(Channel::Online, 5 * 480, false);
    let mut counter = DossierState::new_draft(Channel::Counter, 5 * 480, false);
    counter.status = Status::Draft;
    let with = |status: Status, f: &dyn Fn(&mut DossierState)| {
        let mut s = base.clone();
        s.status = status;
        s.submitted_at = Some(now() - Duration::days(1));
        if status != Status::Submitted {
            s.received_at = Some(now() - Duration::days(1));
            s.due_at = Some(now() + Duration::days(14));
        }
        f(&mut s);
        s
    };
    let assigned = Step::Assigned {
        assignee: SPEC.into(),
    };
    vec![
        ("draft_online", base.clone()),
        ("draft_counter", counter),
        ("submitted", with(Status::Submitted, &|_| {})),
        (
            "received_needs_handover",
            with(Status::Received, &|s| s.needs_handover = true),
        ),
        ("received", with(Status::Received, &|_| {})),
        (
            "not_received",
            with(Status::NotReceived, &|s| s.finished_at = Some(now())),
        ),
        (
            "assigned",
            with(Status::InProcessing, &|s| s.step = Some(assigned.clone())),
        ),
        (
            "in_review",
            with(Status::InProcessing, &|s| {
                s.step = Some(Step::InReview {
                    assignee: SPEC.into(),
                })
            }),
        ),
        (
            "approved",
            with(Status::InProcessing, &|s| {
                s.step = Some(Step::Approved {
                    assignee: SPEC.into(),
                })
            }),
        ),
        (
            "supplement_requested",
            with(Status::SupplementRequested, &|s| {
                s.step = Some(assigned.clone());
                s.supplement_requests = 1;
                s.supplement_paused_at = Some(now() - Duration::hours(2));
                s.resume_status = Some(Status::InProcessing);
            }),
        ),
        (
            "payment_requested",
            with(Status::PaymentRequested, &|s| {
                s.step = Some(assigned.clone());
                s.resume_status = Some(Status::InProcessing);
            }),
        ),
        (
            "withdrawal_requested",
            with(Status::WithdrawalRequested, &|s| {
                s.step = Some(assigned.clone());
                s.resume_status = Some(Status::InProcessing);
            }),
        ),
        (
            "stopped",
            with(Status::Stopped, &|s| s.finished_at = Some(now())),
        ),
        (
            "result_ready",
            with(Status::ResultReady, &|s| s.finished_at = Some(now())),
        ),
        (
            "result_returned",
            with(Status::ResultReturned, &|s| s.finished_at = Some(now())),
        ),
    ]
}

fn forward() -> Command {
    Command::Forward {
        opinion: "Hồ sơ đủ điều kiện theo Điều 16 Luật Hộ tịch".into(),
        proposal: "Đề nghị ký trích lục khai sinh".into(),
    }
}

fn approve() -> Command {
    Command::Approve {
        opinion: String::new(),
    }
}

fn commands() -> Vec<Command> {
    vec![
        Command::Submit,
        Command::Receive { checked: None },
        Command::Refuse {
            reason: "out of scope".into(),
        },
        Command::HandOver,
        Command::Assign {
            assignee: SPEC.into(),
        },
        Command::Consult {
            agency: "H31.S05".into(),
            question: "land use?".into(),
        },
        Command::RecordConsultationReply { reply: "ok".into() },
        forward(),
        Command::SendBack {
            reason: "fix the draft".into(),
        },
        approve(),
        Command::IssueResult,
        online_return(),
        Command::RequestSupplement {
            components: vec!["giay_chung_sinh".into()],
            note: "illegible scan".into(),
        },
        Command::Supplement,
        Command::RequestPayment {
            note: "fee".into(),
            lines: Vec::new(),
        },
        Command::RecordPayment,
        Command::Extend {
            new_due_at: now() + Duration::days(30),
            reason: "waiting for land records".into(),
        },
        Command::RequestWithdrawal {
            reason: "changed my mind".into(),
        },
        Command::AcceptWithdrawal,
        Command::RejectWithdrawal {
            reason: "already decided".into(),
        },
        Command::Stop {
            reason: "ineligible".into(),
        },
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seat {
    Applicant,
    Stranger,
    Receiving,
    Competent,
    Both,
    Elsewhere,
}

fn actors() -> Vec<(Seat, Actor)> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let seats: &[Seat] = if role == Role::Citizen {
            &[Seat::Applicant, Seat::Stranger]
        } else {
            &[
                Seat::Receiving,
                Seat::Competent,
                Seat::Both,
                Seat::Elsewhere,
            ]
        };
        for &seat in seats {
            out.push((
                seat,
                Actor {
                    username: if role == Role::Specialist {
                        SPEC.into()
                    } else {
                        format!("{}@x", role.as_str())
                    },
                    role,
                    is_applicant: seat == Seat::Applicant,
                    at_receiving: matches!(seat, Seat::Receiving | Seat::Both),
                    at_competent: matches!(seat, Seat::Competent | Seat::Both),
                },
            ));
        }
    }
    out
}

/// The specification, written as the set of allowed combinations.
fn allowed(state: &str, action: ActionKind, role: Role, seat: Seat) -> bool {
    use ActionKind as A;
    let r = matches!(seat, Seat::Receiving | Seat::Both);
    let c = matches!(seat, Seat::Competent | Seat::Both);
    let applicant = seat == Seat::Applicant;
    let in_processing = matches!(state, "assigned" | "in_review" | "approved");
    let open_after_receipt = matches!(
        state,
        "received_needs_handover"
            | "received"
            | "assigned"
            | "in_review"
            | "approved"
            | "supplement_requested"
            | "payment_requested"
    );
    match action {
        A::Submit => {
            (state == "draft_online" && role == Role::Citizen && applicant)
                || (state == "draft_counter" && role == Role::Officer && r)
        }
        A::Receive | A::Refuse => state == "submitted" && role == Role::Officer && r,
        A::HandOver => state == "received_needs_handover" && role == Role::Officer && r,
        A::Assign => {
            (matches!(state, "received" | "assigned" | "in_review") && role == Role::Leader && c)
                || (state == "received" && role == Role::Workflow && c)
        }
        // No consultation is open in the representative states.
        A::RecordConsultationReply => false,
        A::Consult | A::RequestPayment => in_processing && role == Role::Specialist && c,
        A::Forward => state == "assigned" && role == Role::Specialist && c,
        A::SendBack => state == "in_review" && role == Role::Leader && c,
        A::Approve => state == "in_review" && role == Role::Leader && c,
        A::IssueResult => state == "approved" && role == Role::Clerk && c,
        A::ReturnResult => state == "result_ready" && role == Role::Officer && r,
        A::RequestSupplement => {
            (matches!(state, "submitted" | "received" | "received_needs_handover")
                && role == Role::Officer
                && r)
                || (in_processing
                    && ((role == Role::Officer && r) || (role == Role::Specialist && c)))
        }
        A::Supplement => state == "supplement_requested" && role == Role::Citizen && applicant,
        // The system records a payment the gateway confirmed, wherever it stands.
        A::RecordPayment => {
            state == "payment_requested"
                && (matches!(role, Role::Officer | Role::Clerk) && (r || c)
                    || role == Role::Workflow)
        }
        A::Extend | A::Stop => open_after_receipt && role == Role::Leader && c,
        A::RequestWithdrawal => {
            (state == "submitted" || open_after_receipt) && role == Role::Citizen && applicant
        }
        A::AcceptWithdrawal | A::RejectWithdrawal => {
            state == "withdrawal_requested"
                && ((role == Role::Officer && r) || (role == Role::Leader && c))
        }
    }
}

#[test]
fn every_status_action_role_combination_matches_the_table() {
    let cal = cal();
    let mut checked = 0;
    let mut accepted = 0;
    for (name, state) in states() {
        for command in commands() {
            for (seat, actor) in actors() {
                let expected = allowed(name, command.kind(), actor.role, seat);
                let got = decide(&state, &actor, &command, now(), &cal);
                checked += 1;
                match (expected, &got) {
                    (true, Ok(_)) => accepted += 1,
                    (false, Err(e)) => {
                        // A rejection always says why, in a stable code and in Vietnamese.
                        assert!(!e.reason.code().is_empty());
                        assert!(!e.reason.message_vi().is_empty());
                        assert_eq!(e.from, state.status);
                    }
                    _ => panic!(
                        "state {name}, action {:?}, role {:?} at {seat:?}: expected allowed={expected}, got {got:?}",
                        command.kind(),
                        actor.role
                    ),
                }
            }
        }
    }
    // 15 states × 21 commands × 34 actors (the citizen at 2 seats, 8 staff roles at 4).
    assert_eq!(checked, 15 * 21 * 34);
    assert!(accepted > 40, "only {accepted} combinations accepted");
}

#[test]
fn final_statuses_accept_nothing() {
    let cal = cal();
    for (name, state) in states() {
        if !state.status.is_final() {
            continue;
        }
        for command in commands() {
            for (_, actor) in actors() {
                assert!(
                    decide(&state, &actor, &command, now(), &cal).is_err(),
                    "{name} accepted {command:?}"
                );
            }
        }
    }
}

fn actor(role: Role, applicant: bool, r: bool, c: bool) -> Actor {
    Actor {
        username: if role == Role::Specialist {
            SPEC.into()
        } else {
            format!("{}@x", role.as_str())
        },
        role,
        is_applicant: applicant,
        at_receiving: r,
        at_competent: c,
    }
}

fn citizen() -> Actor {
    actor(Role::Citizen, true, false, false)
}
fn officer() -> Actor {
    actor(Role::Officer, false, true, true)
}
fn leader() -> Actor {
    actor(Role::Leader, false, true, true)
}
fn specialist() -> Actor {
    actor(Role::Specialist, false, true, true)
}
fn clerk() -> Actor {
    actor(Role::Clerk, false, true, true)
}

fn step(
    s: &DossierState,
    a: &Actor,
    c: Command,
    at: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> DossierState {
    decide(s, a, &c, at, cal)
        .unwrap_or_else(|e| panic!("{c:?} by {:?}: {e}", a.role))
        .to
}

#[test]
fn main_path_reaches_result_returned_and_fixes_the_due_date_at_receipt() {
    let cal = cal();
    // Legal time 3 working days.
    let s = DossierState::new_draft(Channel::Online, 3 * 480, false);
    let t0 = vn(2026, 11, 17, 9, 0);
    let s = step(&s, &citizen(), Command::Submit, t0, &cal);
    assert_eq!(s.status, Status::Submitted);
    assert_eq!(s.receipt_due_at, Some(vn(2026, 11, 18, 9, 0)));
    let t1 = vn(2026, 11, 17, 10, 0);
    let s = step(&s, &officer(), Command::Receive { checked: None }, t1, &cal);
    assert_eq!(s.status, Status::Received);
    // Tue 10:00 + 24 working hours = Fri 10:00.
    assert_eq!(s.due_at, Some(vn(2026, 11, 20, 10, 0)));
    let s = step(
        &s,
        &leader(),
        Command::Assign {
            assignee: SPEC.into(),
        },
        t1,
        &cal,
    );
    let s = step(&s, &specialist(), forward(), t1, &cal);
    let s = step(&s, &leader(), approve(), t1, &cal);
    let s = step(&s, &clerk(), Command::IssueResult, t1, &cal);
    assert_eq!(s.status, Status::ResultReady);
    let s = step(&s, &officer(), online_return(), t1, &cal);
    assert_eq!(s.status, Status::ResultReturned);
    assert!(!s.is_overdue(vn(2026, 12, 30, 9, 0)));
}

#[test]
fn after_hours_receipt_counts_from_the_next_working_hour() {
    let cal = cal();
    let s = DossierState::new_draft(Channel::Counter, 480, false);
    // Friday 20 Nov 2026 at 18:00, after office hours: the clock starts Monday 07:30.
    let s = step(
        &s,
        &officer(),
        Command::Submit,
        vn(2026, 11, 20, 18, 0),
        &cal,
    );
    assert_eq!(s.status, Status::Received);
    assert_eq!(s.due_at, Some(vn(2026, 11, 23, 17, 0)));
}

#[test]
fn supplementation_pauses_the_clock_and_is_allowed_once() {
    let cal = cal();
    let s = DossierState::new_draft(Channel::Online, 3 * 480, false);
    let s = step(
        &s,
        &citizen(),
        Command::Submit,
        vn(2026, 11, 17, 8, 0),
        &cal,
    );
    let s = step(
        &s,
        &officer(),
        Command::Receive { checked: None },
        vn(2026, 11, 17, 9, 0),
        &cal,
    );
    let due_before = s.due_at.unwrap();
    let s = step(
        &s,
        &leader(),
        Command::Assign {
            assignee: SPEC.into(),
        },
        vn(2026, 11, 17, 9, 0),
        &cal,
    );
    let request = Command::RequestSupplement {
        components: vec!["giay_chung_sinh".into()],
        note: "the scan is unreadable".into(),
    };
    let s = step(
        &s,
        &specialist(),
        request.clone(),
        vn(2026, 11, 17, 10, 0),
        &cal,
    );
    assert_eq!(s.status, Status::SupplementRequested);
    assert!(
        !s.is_overdue(vn(2026, 12, 30, 9, 0)),
        "paused clock is never overdue"
    );
    // The citizen answers one working day later (Wed 10:00).
    let s = step(
        &s,
        &citizen(),
        Command::Supplement,
        vn(2026, 11, 18, 10, 0),
        &cal,
    );
    assert_eq!(s.status, Status::InProcessing);
    assert_eq!(s.paused_minutes, 480);
    assert_eq!(
        s.due_at.unwrap(),
        cal.add_working_minutes(due_before, 480),
        "the due date moves by the paused working time"
    );
    let again = decide(&s, &specialist(), &request, vn(2026, 11, 18, 11, 0), &cal);
    assert_eq!(
        again.unwrap_err().reason,
        Rejection::SupplementAlreadyRequested
    );
}

#[test]
fn extension_only_once_and_only_a_working_day_before_the_due_date() {
    let cal = cal();
    let s = DossierState::new_draft(Channel::Counter, 5 * 480, false);
    let s = step(
        &s,
        &officer(),
        Command::Submit,
        vn(2026, 11, 16, 8, 0),
        &cal,
    );
    let due = s.due_at.unwrap();
    let extend = |new_due: DateTime<Utc>| Command::Extend {
        new_due_at: new_due,
        reason: "waiting for a reply from the land office".into(),
    };
    let not_later = decide(&s, &leader(), &extend(due), vn(2026, 11, 17, 8, 0), &cal);
    assert_eq!(not_later.unwrap_err().reason, Rejection::ExtensionNotLater);
    let new_due = due + Duration::days(7);
    // Half a working day before the due date is too late.
    let too_late_at = cal.add_working_minutes(vn(2026, 11, 16, 8, 0), 5 * 480 - 240);
    let late = decide(&s, &leader(), &extend(new_due), too_late_at, &cal);
    assert_eq!(late.unwrap_err().reason, Rejection::ExtensionTooLate);
    let s = step(&s, &leader(), extend(new_due), vn(2026, 11, 17, 8, 0), &cal);
    assert_eq!(s.due_at, Some(new_due));
    let twice = decide(
        &s,
        &leader(),
        &extend(new_due + Duration::days(1)),
        vn(2026, 11, 17, 9, 0),
        &cal,
    );
    assert_eq!(twice.unwrap_err().reason, Rejection::AlreadyExtended);
}

#[test]
fn handover_is_explicit_when_agencies_differ() {
    let cal = cal();
    let receiving_officer = actor(Role::Officer, false, true, false);
    let competent_leader = actor(Role::Leader, false, false, true);
    let s = DossierState::new_draft(Channel::Counter, 480, true);
    let s = step(&s, &receiving_officer, Command::Submit, now(), &cal);
    let before = decide(
        &s,
        &competent_leader,
        &Command::Assign {
            assignee: SPEC.into(),
        },
        now(),
        &cal,
    );
    assert_eq!(before.unwrap_err().reason, Rejection::HandoverRequired);
    let s = step(&s, &receiving_officer, Command::HandOver, now(), &cal);
    assert!(s.handed_over);
    let again = decide(&s, &receiving_officer, &Command::HandOver, now(), &cal);
    assert_eq!(again.unwrap_err().reason, Rejection::HandoverNotNeeded);
    let s = step(
        &s,
        &competent_leader,
        Command::Assign {
            assignee: SPEC.into(),
        },
        now(),
        &cal,
    );
    assert_eq!(s.status, Status::InProcessing);
}

#[test]
fn overdue_is_computed_from_the_due_date() {
    let cal = cal();
    let s = DossierState::new_draft(Channel::Counter, 480, false);
    let s = step(
        &s,
        &officer(),
        Command::Submit,
        vn(2026, 11, 17, 9, 0),
        &cal,
    );
    assert!(!s.is_overdue(vn(2026, 11, 18, 8, 59)));
    assert!(s.is_overdue(vn(2026, 11, 18, 9, 1)));
}

#[test]
fn withdrawal_goes_back_where_it_was_when_refused() {
    let cal = cal();
    let s = DossierState::new_draft(Channel::Online, 480, false);
    let s = step(&s, &citizen(), Command::Submit, now(), &cal);
    // Once received, a withdrawal is a request the agency decides on.
    let s = step(
        &s,
        &officer(),
        Command::Receive { checked: None },
        now(),
        &cal,
    );
    let s = step(
        &s,
        &citizen(),
        Command::RequestWithdrawal {
            reason: String::new(),
        },
        now(),
        &cal,
    );
    assert_eq!(s.status, Status::WithdrawalRequested);
    let back = step(
        &s,
        &officer(),
        Command::RejectWithdrawal {
            reason: "already processed".into(),
        },
        now(),
        &cal,
    );
    assert_eq!(back.status, Status::Received);
    let stopped = step(&s, &officer(), Command::AcceptWithdrawal, now(), &cal);
    assert_eq!(stopped.status, Status::Stopped);
}

#[test]
fn status_codes_are_the_npsp_codes() {
    for (i, s) in Status::ALL.iter().enumerate() {
        assert_eq!(usize::from(s.code()), i);
        assert_eq!(Status::from_code(s.code()), Some(*s));
    }
    assert_eq!(Status::from_code(11), None);
}

#[test]
fn commands_parse_from_the_wire_names() {
    let c: Command =
        serde_json::from_str(r#"{"action":"assign","assignee":"specialist@H31"}"#).unwrap();
    assert_eq!(c.kind(), ActionKind::Assign);
    let c: Command = serde_json::from_str(r#"{"action":"return_result"}"#).unwrap();
    assert_eq!(c, online_return());
    for k in ActionKind::ALL {
        assert!(
            k.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        );
    }
}

#[test]
fn a_counter_dossier_is_supplemented_by_its_applicant_or_at_the_one_stop() {
    let cal = WorkingCalendar::vietnam().unwrap();
    let mut s = DossierState::new_draft(Channel::Counter, 3 * 480, false);
    s.status = Status::SupplementRequested;
    s.received_at = Some(now() - Duration::days(1));
    s.due_at = Some(now() + Duration::days(5));
    s.supplement_requests = 1;
    s.supplement_paused_at = Some(now() - Duration::hours(1));
    s.resume_status = Some(Status::Received);
    let at = now();
    for who in [citizen(), officer()] {
        let t = decide(&s, &who, &Command::Supplement, at, &cal);
        assert_eq!(
            t.map(|t| t.to.status).ok(),
            Some(Status::Received),
            "{:?}",
            who.role
        );
    }
    // Not the competent agency's specialist, and not an officer elsewhere.
    let elsewhere = actor(Role::Officer, false, false, true);
    assert!(decide(&s, &specialist(), &Command::Supplement, at, &cal).is_err());
    assert!(decide(&s, &elsewhere, &Command::Supplement, at, &cal).is_err());
    // Online, only the applicant answers.
    let mut online = s.clone();
    online.channel = Channel::Online;
    assert!(decide(&online, &officer(), &Command::Supplement, at, &cal).is_err());
}

#[test]
fn the_workflow_template_makes_only_the_first_assignment_once_the_competent_agency_has_the_dossier()
{
    let cal = cal();
    let receiving_officer = actor(Role::Officer, false, true, false);
    let workflow = actor(Role::Workflow, false, false, true);
    let competent_leader = actor(Role::Leader, false, false, true);
    let assign = |who: &str| Command::Assign {
        assignee: who.into(),
    };
    let s = DossierState::new_draft(Channel::Counter, 480, true);
    let s = step(&s, &receiving_officer, Command::Submit, now(), &cal);
    assert!(!s.awaiting_assignment(), "still at the receiving one-stop");
    let early = decide(&s, &workflow, &assign(SPEC), now(), &cal);
    assert_eq!(early.unwrap_err().reason, Rejection::HandoverRequired);
    let s = step(&s, &receiving_officer, Command::HandOver, now(), &cal);
    assert!(s.awaiting_assignment());
    let s = step(&s, &workflow, assign(SPEC), now(), &cal);
    assert_eq!(s.status, Status::InProcessing);
    assert_eq!(s.assignee(), Some(SPEC));
    assert!(!s.awaiting_assignment());
    // Reassigning is the leader's call, not the template's.
    let again = decide(&s, &workflow, &assign("other@x"), now(), &cal);
    assert_eq!(again.unwrap_err().reason, Rejection::WrongStep);
    let s = step(&s, &competent_leader, assign("other@x"), now(), &cal);
    assert_eq!(s.assignee(), Some("other@x"));
    // The template sits at the competent agency only.
    let elsewhere = actor(Role::Workflow, false, true, false);
    let s2 = DossierState::new_draft(Channel::Counter, 480, false);
    let s2 = step(&s2, &officer(), Command::Submit, now(), &cal);
    let wrong = decide(&s2, &elsewhere, &assign(SPEC), now(), &cal);
    assert!(matches!(
        wrong.unwrap_err().reason,
        Rejection::WrongPlace(_)
    ));
}

fn online_return() -> Command {
    Command::ReturnResult {
        delivery: Delivery::Online,
        recipient_name: String::new(),
        recipient_id: String::new(),
        postal_code: String::new(),
    }
}

#[test]
fn a_result_handed_over_at_the_counter_names_its_recipient_and_one_by_post_its_item_number() {
    let cal = cal();
    let mut s = DossierState::new_draft(Channel::Counter, 480, false);
    s.status = Status::ResultReady;
    let ret = |delivery, name: &str, id: &str, code: &str| Command::ReturnResult {
        delivery,
        recipient_name: name.into(),
        recipient_id: id.into(),
        postal_code: code.into(),
    };
    let no_name = decide(
        &s,
        &officer(),
        &ret(Delivery::Counter, " ", "031085012345", ""),
        now(),
        &cal,
    );
    assert_eq!(no_name.unwrap_err().reason, Rejection::RecipientRequired);
    let no_id = decide(
        &s,
        &officer(),
        &ret(Delivery::Counter, "Nguyễn Văn An", "", ""),
        now(),
        &cal,
    );
    assert_eq!(no_id.unwrap_err().reason, Rejection::RecipientRequired);
    let no_code = decide(
        &s,
        &officer(),
        &ret(Delivery::Post, "", "", " "),
        now(),
        &cal,
    );
    assert_eq!(no_code.unwrap_err().reason, Rejection::PostalCodeRequired);

    let c = ret(Delivery::Counter, " Nguyễn Văn An ", "031085012345", "");
    let t = decide(&s, &officer(), &c, now(), &cal).unwrap();
    assert_eq!(t.to.status, Status::ResultReturned);
    // The history line and the audit copy never hold the full ID number.
    assert_eq!(
        t.note.as_deref(),
        Some("counter: Nguyễn Văn An (*********345)")
    );
    let kept = serde_json::to_string(&c.redacted()).unwrap();
    assert!(
        kept.contains("*********345") && !kept.contains("031085012345"),
        "{kept}"
    );
    let t = decide(
        &s,
        &officer(),
        &ret(Delivery::Post, "", "", "EL123456789VN"),
        now(),
        &cal,
    )
    .unwrap();
    assert_eq!(t.note.as_deref(), Some("post: EL123456789VN"));
    let t = decide(&s, &officer(), &online_return(), now(), &cal).unwrap();
    assert_eq!(t.note.as_deref(), Some("online"));
}

#[test]
fn the_appraisal_travels_with_the_forward_and_the_leader_answers_it() {
    let cal = cal();
    let assigned = states()
        .into_iter()
        .find(|(n, _)| *n == "assigned")
        .map(|(_, s)| s)
        .unwrap();
    // Without an opinion or without a proposal the leader would decide blind.
    for (opinion, proposal) in [("", "ký"), ("đủ điều kiện", "  "), (" ", "")] {
        let c = Command::Forward {
            opinion: opinion.into(),
            proposal: proposal.into(),
        };
        let e = decide(&assigned, &specialist(), &c, now(), &cal).unwrap_err();
        assert_eq!(e.reason, Rejection::AppraisalRequired);
        assert_eq!(e.reason.code(), "appraisal_required");
    }
    let t = decide(&assigned, &specialist(), &forward(), now(), &cal).unwrap();
    let a = t.to.appraisal.clone().unwrap();
    assert_eq!(a.by, SPEC);
    assert_eq!(a.opinion, "Hồ sơ đủ điều kiện theo Điều 16 Luật Hộ tịch");
    assert_eq!(a.proposal, "Đề nghị ký trích lục khai sinh");
    assert_eq!(a.leader_opinion, None);
    assert!(t.note.unwrap().contains("Đề nghị ký"));
    // Sent back: the reason stands beside the appraisal for the rework.
    let back = step(
        &t.to,
        &leader(),
        Command::SendBack {
            reason: "Ghi rõ nơi sinh".into(),
        },
        now(),
        &cal,
    );
    assert_eq!(
        back.appraisal.as_ref().unwrap().leader_opinion.as_deref(),
        Some("Ghi rõ nơi sinh")
    );
    // The next forward replaces the appraisal and clears the old answer.
    let again = step(
        &back,
        &specialist(),
        Command::Forward {
            opinion: "Đã bổ sung nơi sinh".into(),
            proposal: "Đề nghị ký".into(),
        },
        now(),
        &cal,
    );
    let a = again.appraisal.clone().unwrap();
    assert_eq!(a.opinion, "Đã bổ sung nơi sinh");
    assert_eq!(a.leader_opinion, None);
    // The leader's own opinion is kept with the approval; an empty one is no opinion.
    let t = decide(
        &again,
        &leader(),
        &Command::Approve {
            opinion: "  Đồng ý ".into(),
        },
        now(),
        &cal,
    )
    .unwrap();
    assert_eq!(t.note.as_deref(), Some("Đồng ý"));
    assert_eq!(
        t.to.appraisal.unwrap().leader_opinion.as_deref(),
        Some("Đồng ý")
    );
    let t = decide(&again, &leader(), &approve(), now(), &cal).unwrap();
    assert_eq!(t.note, None);
    assert!(matches!(t.to.step, Some(Step::Approved { .. })));
}

#[test]
fn a_dossier_nobody_has_received_is_withdrawn_at_once_later_ones_wait_for_a_decision() {
    let cal = cal();
    let ask = Command::RequestWithdrawal {
        reason: "nộp nhầm".into(),
    };
    for (name, state) in states() {
        let Ok(t) = decide(&state, &citizen(), &ask, now(), &cal) else {
            continue;
        };
        if name == "submitted" {
            assert_eq!(t.to.status, Status::Stopped, "{name}");
            assert_eq!(t.to.finished_at, Some(now()));
            assert_eq!(t.to.resume_status, None);
        } else {
            assert_eq!(t.to.status, Status::WithdrawalRequested, "{name}");
            assert_eq!(t.to.resume_status, Some(state.status), "{name}");
            assert_eq!(t.to.finished_at, state.finished_at, "{name}");
        }
    }
}

#[test]
fn the_agency_internal_notes_are_the_working_steps_not_what_the_applicant_is_told() {
    let internal: Vec<&str> = ActionKind::ALL
        .into_iter()
        .filter(|k| k.note_is_internal())
        .map(ActionKind::as_str)
        .collect();
    assert_eq!(
        internal,
        [
            "assign",
            "consult",
            "record_consultation_reply",
            "forward",
            "send_back",
            "approve"
        ]
    );
    for k in ActionKind::ALL {
        assert_eq!(ActionKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(ActionKind::parse("Forward"), None);
}
