//! The durable outbox on a real database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`): jobs
//! written with the step that causes them, retried with backoff, parked after the last attempt and
//! retried by the operator; two workers never take the same job; a worker that dies loses nothing;
//! and a dossier journey writes the applicant's messages, which reach them once even when the
//! transport was down for a while.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use futures::future::BoxFuture;
use motcua_app::identity::Principal;
use motcua_app::messaging;
use motcua_app::outbox::{Handler, JobCtx, JobError, Worker, WorkerOptions};
use motcua_store::entities::{audit_entry, message, outbox_job};
use motcua_store::outbox::{self as store_outbox, DEAD, DONE, NewJob, PENDING};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use motcua_testkit::*;
use serde_json::json;

fn options() -> WorkerOptions {
    WorkerOptions {
        lease: Duration::from_secs(60),
        attempt_timeout: Duration::from_secs(10),
        batch: 10,
        idle: Duration::from_millis(20),
    }
}

/// A handler that fails the first `failures` attempts of every job, then records the job.
struct Flaky {
    failures: i32,
    permanent: bool,
    done: Arc<Mutex<Vec<String>>>,
}

impl Handler for Flaky {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            if ctx.job.attempts <= self.failures {
                return Err(if self.permanent {
                    JobError::permanent("refused for good")
                } else {
                    JobError::transient(format!("down (attempt {})", ctx.job.attempts))
                });
            }
            // Interleave with other workers.
            tokio::time::sleep(Duration::from_millis(1)).await;
            self.done.lock().unwrap().push(ctx.job.id.clone());
            Ok(())
        })
    }
}

async fn enqueue(t: &TestApp, kind: &str, max_attempts: i32) -> String {
    let now = t.app.now();
    let mut job = NewJob::now(kind, json!({ "n": 1 }), now);
    job.max_attempts = max_attempts;
    store_outbox::enqueue(&t.app.db, job, now)
        .await
        .unwrap()
        .unwrap()
}

async fn job(t: &TestApp, id: &str) -> outbox_job::Model {
    store_outbox::get(&t.app.db, id).await.unwrap().unwrap()
}

async fn operator(t: &TestApp) -> Principal {
    // The province's administrator: the top agency, so every agency's messages are theirs to see.
    let token = t.staff_token("admin@H31").await;
    motcua_app::identity::resolve_token(&t.app, &token)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn failed_jobs_back_off_then_park_and_the_operator_retries_them() {
    let t = TestApp::spawn().await;
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut w = Worker::new(t.app.clone(), options());
    w.register(
        "test.flaky",
        Arc::new(Flaky {
            failures: 3,
            permanent: false,
            done: done.clone(),
        }),
    );
    let id = enqueue(&t, "test.flaky", 3).await;

    assert_eq!(w.run_once().await.unwrap(), 1);
    let j = job(&t, &id).await;
    assert_eq!((j.status.as_str(), j.attempts), (PENDING, 1));
    assert_eq!(j.last_error.as_deref(), Some("down (attempt 1)"));
    // Not due again until the backoff has passed: 15 to 30 s after the first failure.
    let wait = j.run_at - t.app.now();
    assert!(
        wait >= TimeDelta::seconds(15) && wait <= TimeDelta::seconds(30),
        "{wait}"
    );
    assert_eq!(w.run_once().await.unwrap(), 0);

    for attempt in 2..=3 {
        t.clock.set(j.run_at.max(t.app.now()) + TimeDelta::hours(1));
        assert_eq!(w.run_once().await.unwrap(), 1, "attempt {attempt}");
    }
    let j = job(&t, &id).await;
    assert_eq!((j.status.as_str(), j.attempts), (DEAD, 3));
    assert!(done.lock().unwrap().is_empty());

    // The operator sees it with its last error, and puts it back.
    let op = operator(&t).await;
    let q = motcua_app::outbox::queue(&t.app, &op).await.unwrap();
    assert_eq!(q.dead, 1);
    assert_eq!(q.parked[0].id, id);
    assert_eq!(q.parked[0].last_error.as_deref(), Some("down (attempt 3)"));
    // An agency's administrator is not the deployment's operator.
    let commune_admin = motcua_app::identity::resolve_token(
        &t.app,
        &t.staff_token(&format!("admin@{AGENCY_A}")).await,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        motcua_app::outbox::queue(&t.app, &commune_admin)
            .await
            .is_err()
    );
    assert!(
        motcua_app::outbox::retry(&t.app, &commune_admin, &id)
            .await
            .is_err()
    );

    motcua_app::outbox::retry(&t.app, &op, &id).await.unwrap();
    // A second press finds nothing parked.
    assert!(motcua_app::outbox::retry(&t.app, &op, &id).await.is_err());
    let audited = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("outbox.retry"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);

    // A fresh round of attempts: the handler now succeeds at its fourth attempt overall? No —
    // attempts restart at zero, so it fails three more times unless the far side is back. It is:
    let mut w2 = Worker::new(t.app.clone(), options());
    w2.register(
        "test.flaky",
        Arc::new(Flaky {
            failures: 0,
            permanent: false,
            done: done.clone(),
        }),
    );
    assert_eq!(w2.run_once().await.unwrap(), 1);
    let j = job(&t, &id).await;
    assert_eq!(j.status, DONE);
    assert_eq!(*done.lock().unwrap(), vec![id.clone()]);
}

#[tokio::test]
async fn a_permanent_failure_parks_at_once_and_unknown_kinds_wait_for_a_worker_that_knows_them() {
    let t = TestApp::spawn().await;
    let mut w = Worker::new(t.app.clone(), options());
    w.register(
        "test.refused",
        Arc::new(Flaky {
            failures: 100,
            permanent: true,
            done: Arc::new(Mutex::new(Vec::new())),
        }),
    );
    let refused = enqueue(&t, "test.refused", 10).await;
    let unknown = enqueue(&t, "test.newer_version", 10).await;
    assert_eq!(w.run_once().await.unwrap(), 2);
    let j = job(&t, &refused).await;
    assert_eq!((j.status.as_str(), j.attempts), (DEAD, 1));
    let j = job(&t, &unknown).await;
    assert_eq!(j.status, PENDING);
    assert!(j.last_error.unwrap().contains("no handler"));
}

#[tokio::test]
async fn two_workers_on_separate_connections_run_every_job_exactly_once() {
    let t = TestApp::spawn().await;
    let n = 300;
    let now = t.app.now();
    for i in 0..n {
        store_outbox::enqueue(
            &t.app.db,
            NewJob::now("test.count", json!({ "i": i }), now),
            now,
        )
        .await
        .unwrap();
    }
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        // Each worker has its own pool, as two machines would.
        let mut app = t.app.clone();
        app.db = motcua_store::connect(&t.database_url).await.unwrap();
        let mut w = Worker::new(app, options());
        w.register(
            "test.count",
            Arc::new(Flaky {
                failures: 0,
                permanent: false,
                done: done.clone(),
            }),
        );
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        tasks.push((
            tokio::spawn(w.run(async {
                let _ = stop_rx.await;
            })),
            stop_tx,
        ));
    }
    for _ in 0..600 {
        if done.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (task, stop) in tasks {
        let _ = stop.send(());
        task.await.unwrap();
    }
    let done = done.lock().unwrap().clone();
    let mut runs: HashMap<&str, usize> = HashMap::new();
    for id in &done {
        *runs.entry(id.as_str()).or_default() += 1;
    }
    assert_eq!(runs.len(), n, "every job ran");
    assert!(runs.values().all(|&c| c == 1), "no job ran twice");
    let d = store_outbox::depth(&t.app.db, t.app.now()).await.unwrap();
    assert_eq!((d.pending, d.dead), (0, 0));
}

#[tokio::test]
async fn a_job_held_by_a_dead_worker_is_taken_over_when_its_lease_runs_out() {
    let t = TestApp::spawn().await;
    let id = enqueue(&t, "test.count", 10).await;
    // Worker A claims the job and dies before finishing (no complete, no fail).
    let claimed = store_outbox::claim(
        &t.app.db,
        "worker-a",
        t.app.now(),
        Duration::from_secs(60),
        10,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut b = Worker::new(t.app.clone(), options());
    b.register(
        "test.count",
        Arc::new(Flaky {
            failures: 0,
            permanent: false,
            done: done.clone(),
        }),
    );
    // Within the lease it is A's.
    assert_eq!(b.run_once().await.unwrap(), 0);
    t.clock.set(t.app.now() + TimeDelta::seconds(61));
    assert_eq!(b.run_once().await.unwrap(), 1);
    assert_eq!(job(&t, &id).await.status, DONE);
    // A comes back to life and reports: its outcome no longer counts.
    assert!(
        !store_outbox::complete(&t.app.db, &id, "worker-a", t.app.now())
            .await
            .unwrap()
    );
    assert_eq!(done.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_dossier_journey_tells_the_applicant_once_per_step_even_through_an_outage() {
    let t = TestApp::spawn().await;
    let email = Recorder::up();
    let sms = Recorder::up();
    let w = t.worker(&email, &sms);

    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let r = t
        .put_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/form"),
            &json!({ "email": "an.nguyen@example.vn" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status(), 200);
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    drain(&w).await;
    {
        let mails = email.sent();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, "an.nguyen@example.vn");
        assert!(mails[0].title.as_deref().unwrap().contains(&code));
        assert!(mails[0].body.contains(&format!("{}/my/{code}", t.base)));
        let texts = sms.sent();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].to, "0912345678");
        assert!(texts[0].body.contains(&code) && texts[0].body.is_ascii());
    }

    // The mail server goes down: the officer's receipt still succeeds at once.
    email.set_up(false);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
    drain(&w).await;
    assert_eq!(email.sent().len(), 1, "mail server is down");
    assert_eq!(sms.sent().len(), 2, "SMS is not held up by mail");
    let queued = message::Entity::find()
        .filter(message::Column::Status.eq("queued"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].event, "received");

    // It comes back; the message goes out at the next attempt, once.
    email.set_up(true);
    t.clock.set(t.app.now() + TimeDelta::minutes(2));
    drain(&w).await;
    drain(&w).await;
    {
        let mails = email.sent();
        assert_eq!(mails.len(), 2);
        assert!(mails[1].title.as_deref().unwrap().contains("tiếp nhận"));
    }

    // Internal steps tell the applicant nothing.
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let r = t
        .action(
            &leader,
            &code,
            json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        )
        .await;
    assert_eq!(r.status(), 200);
    drain(&w).await;
    assert_eq!(email.sent().len(), 2);

    // What was sent is on record for the dossier page, masked for other readers.
    let dossier_id = message::Entity::find()
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap()
        .subject;
    let list = messaging::about(&t.app.db, &dossier_id, true)
        .await
        .unwrap();
    assert_eq!(list.len(), 4);
    assert!(
        list.iter()
            .all(|m| m.status == "sent" && m.sent_at.is_some())
    );
    assert!(list.iter().any(|m| m.recipient == "a***@example.vn"));
}

#[tokio::test]
async fn the_applicants_choice_of_channel_and_language_is_respected() {
    let t = TestApp::spawn().await;
    let email = Recorder::up();
    let sms = Recorder::up();
    let w = t.worker(&email, &sms);
    let citizen = t.citizen_token(CITIZEN_A).await;
    let me = motcua_app::identity::resolve_token(&t.app, &citizen)
        .await
        .unwrap()
        .unwrap();
    // Bad addresses are refused with the field named, and nothing is stored.
    let bad = messaging::save_settings(
        &t.app,
        &me,
        messaging::Settings {
            email: Some("not an address".into()),
            phone: Some("12".into()),
            lang: "en".into(),
            email_on: true,
            sms_on: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.fields.len(), 2);
    assert_eq!(
        messaging::my_settings(&t.app, &me).await.unwrap(),
        messaging::Settings::default()
    );
    messaging::save_settings(
        &t.app,
        &me,
        messaging::Settings {
            email: Some("an@example.vn".into()),
            phone: None,
            lang: "en".into(),
            email_on: true,
            sms_on: false,
        },
    )
    .await
    .unwrap();
    t.submitted_birth_registration(&citizen).await;
    drain(&w).await;
    let mails = email.sent();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "an@example.vn");
    assert!(
        mails[0]
            .title
            .as_deref()
            .unwrap()
            .contains("Online application received")
    );
    assert!(sms.sent().is_empty(), "SMS turned off");
}

#[tokio::test]
async fn staff_get_one_morning_digest_of_dossiers_near_the_receipt_limit() {
    let t = TestApp::spawn().await;
    let email = Recorder::up();
    let w = t.worker(&email, &Recorder::up());
    let officer_name = format!("officer@{AGENCY_A}");
    let officer = motcua_app::identity::staff_by_username(&t.app, &officer_name)
        .await
        .unwrap()
        .unwrap();
    messaging::save_settings(
        &t.app,
        &officer,
        messaging::Settings {
            email: Some("officer@example.vn".into()),
            ..messaging::Settings::default()
        },
    )
    .await
    .unwrap();
    // Submitted Tuesday 09:00; the 8 working hours run out Wednesday morning.
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    drain(&w).await;
    let before = email.sent().len();

    // Wednesday 06:00 local: too early.
    t.clock.set("2026-11-17T23:00:00Z".parse().unwrap());
    assert!(
        !motcua_app::reminders::schedule_digest(&t.app, t.app.now())
            .await
            .unwrap()
    );
    // Wednesday 07:30 local: the digest is written once, however often it is scheduled.
    t.clock.set("2026-11-18T00:30:00Z".parse().unwrap());
    assert!(
        motcua_app::reminders::schedule_digest(&t.app, t.app.now())
            .await
            .unwrap()
    );
    assert!(
        !motcua_app::reminders::schedule_digest(&t.app, t.app.now())
            .await
            .unwrap()
    );
    drain(&w).await;
    let digests: Vec<_> = email.sent().into_iter().skip(before).collect();
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(digests[0].to, "officer@example.vn");
    assert!(
        digests[0]
            .title
            .as_deref()
            .unwrap()
            .contains("1 sắp đến hạn")
    );
    assert!(digests[0].body.contains(&code));

    // Saturday: no digest.
    t.clock.set("2026-11-21T01:00:00Z".parse().unwrap());
    assert!(
        !motcua_app::reminders::schedule_digest(&t.app, t.app.now())
            .await
            .unwrap()
    );
}
