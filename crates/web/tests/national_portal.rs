//! Sync with the National Public Service Portal (issue 19): the demo's simulated portal, reached
//! over HTTP by the worker, receives every status of a journey in order, once each — also after it
//! was down, after it forgot everything, and when the sender's count is ahead of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use motcua_store::entities::npsp_sync;
use motcua_store::sea_orm::{ActiveModelTrait, EntityTrait, Set};
use motcua_testkit::*;
use serde_json::{Value, json};

mod common;
use common::{pay_at_bank, wait_for};

/// A birth registration taken to "result returned" by agency A's staff; returns its code.
async fn full_journey(t: &TestApp) -> String {
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    t.approve_in_agency_a(&code).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    assert_eq!(t.issue_result(&clerk, &code).await.status(), 200);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, json!({ "action": "return_result" }))
        .await;
    assert_eq!(r.status(), 200);
    code
}

fn statuses(t: &TestApp, code: &str) -> Vec<(u32, u8)> {
    let held = t
        .npsp
        .as_ref()
        .expect("demo portal")
        .dossier(code)
        .unwrap_or_else(|| panic!("the portal holds {code}"));
    held.steps.iter().map(|s| (s.seq, s.status)).collect()
}

/// What the journey records, in order: submitted (1), received (2), assigned, forwarded and
/// approved while in processing (4), result ready (9), returned (10).
const JOURNEY: [(u32, u8); 7] = [(1, 1), (2, 2), (3, 4), (4, 4), (5, 4), (6, 9), (7, 10)];

#[tokio::test]
async fn every_status_of_a_journey_reaches_the_portal_in_order_once() {
    let t = TestApp::spawn().await;
    let code = full_journey(&t).await;
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    assert_eq!(statuses(&t, &code), JOURNEY);
    let held = t.npsp.as_ref().unwrap().dossier(&code).unwrap();
    assert_eq!(held.duplicates, 0, "each update once");
    assert_eq!(held.procedure, "1.001193");
    assert_eq!(held.status, 10);
    // The result's link is the public verification page of the signed result.
    let url = held.result_url.expect("result link");
    assert!(url.starts_with(&format!("{}/verify/", t.base)), "{url}");
    assert!(held.ended_at.is_some());
    // Handlers by name, never by account.
    for s in &held.steps {
        assert!(
            !s.handler.contains('@') && !s.handler.contains(':'),
            "{s:?}"
        );
    }
    // The same JSON at the simulator's public address.
    let v: Value = t
        .http
        .get(t.url(&format!("/sim/npsp/api/dossiers/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["TrangThaiHoSo"], 10);
    assert_eq!(v["TienTrinh"].as_array().unwrap().len(), 7);

    // Running the worker again sends nothing more.
    drain(&w).await;
    assert_eq!(
        t.npsp.as_ref().unwrap().dossier(&code).unwrap().duplicates,
        0
    );

    // The operator sees it synced, nothing waiting.
    let admin = t.staff_token("admin@H31").await;
    let s = json(t.get(&admin, "/api/v1/sync/npsp").await).await;
    assert_eq!(s["synced_dossiers"], 1, "{s}");
    assert_eq!(s["pending"], 0, "{s}");
    assert_eq!(s["lag_seconds"], Value::Null, "{s}");
    // Nobody else does.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    expect_problem(
        t.get(&officer, "/api/v1/sync/npsp").await,
        403,
        "not_operator",
    )
    .await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    expect_problem(
        t.get(&citizen, "/api/v1/sync/npsp").await,
        403,
        "not_operator",
    )
    .await;
}

#[tokio::test]
async fn a_portal_down_for_a_while_gets_everything_in_order_afterwards() {
    let t = TestApp::spawn().await;
    let portal = t.npsp.clone().unwrap();
    let w = t.worker(&Recorder::up(), &Recorder::up());
    portal.set_available(false);
    let code = full_journey(&t).await;
    drain(&w).await;
    assert!(portal.dossier(&code).is_none());
    // The failures wait, visible to the operator.
    let admin = t.staff_token("admin@H31").await;
    let s = json(t.get(&admin, "/api/v1/sync/npsp").await).await;
    assert!(s["pending"].as_u64().unwrap() >= 1, "{s}");
    assert!(s["retrying"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["failing"][0]["code"], code.as_str(), "{s}");
    let (_, page) = t
        .page(&t.staff_cookie("admin@H31").await, "/staff/outbox")
        .await;
    assert!(
        page.contains(&code),
        "the outbox page names the failing dossier"
    );

    // Back up: the retries (after their backoff) send the whole story once, in order.
    portal.set_available(true);
    t.clock.set(t.app.now() + Duration::hours(2));
    drain(&w).await;
    assert_eq!(statuses(&t, &code), JOURNEY);
    let s = json(t.get(&admin, "/api/v1/sync/npsp").await).await;
    assert_eq!(s["pending"], 0, "{s}");
    assert_eq!(s["failing"], json!([]), "{s}");
}

#[tokio::test]
async fn the_sender_resumes_where_the_portal_says() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    assert_eq!(statuses(&t, &code), [(1, 1)]);
    // Our count runs ahead of the portal (an acknowledgement recorded for an update it lost).
    let id: String = {
        let row = npsp_sync::Entity::find()
            .one(&t.app.db)
            .await
            .unwrap()
            .expect("sync row");
        let id = row.dossier_id.clone();
        let mut am: npsp_sync::ActiveModel = row.into();
        am.acked = Set(3);
        am.update(&t.app.db).await.unwrap();
        id
    };
    t.approve_in_agency_a(&code).await;
    drain(&w).await;
    // The portal asked for update 2, and got 2, 3, 4, 5.
    assert_eq!(
        statuses(&t, &code),
        [(1, 1), (2, 2), (3, 4), (4, 4), (5, 4)]
    );
    let row = npsp_sync::Entity::find_by_id(id)
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.acked, 5);

    // A resync sends everything again: the portal counts duplicates and changes nothing.
    let n = motcua_app::national_portal::resync(&t.app, t.app.now() - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(n, 1);
    drain(&w).await;
    assert_eq!(
        statuses(&t, &code),
        [(1, 1), (2, 2), (3, 4), (4, 4), (5, 4)]
    );
    assert_eq!(
        t.npsp.as_ref().unwrap().dossier(&code).unwrap().duplicates,
        5
    );
}

#[tokio::test]
async fn indicator_1_4_counts_what_the_portal_acknowledged() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let synced = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    assert_eq!(
        t.action(&officer, &synced, json!({ "action": "receive" }))
            .await
            .status(),
        200
    );
    let w = t.worker(&Recorder::up(), &Recorder::up());
    // Before any sync, 1.4 is not measured.
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let path = format!("/api/v1/indicators?agency={AGENCY_A}&period=2026-11");
    let figure = |v: &Value| v["indicators"]["1.4"].clone();
    let before = figure(&json(t.get(&leader, &path).await).await);
    assert_eq!(before["measured"], false, "{before}");
    drain(&w).await;
    // A second dossier the portal never acknowledges.
    t.npsp.as_ref().unwrap().set_available(false);
    let other = t.submitted_birth_registration(&citizen).await;
    assert_eq!(
        t.action(&officer, &other, json!({ "action": "receive" }))
            .await
            .status(),
        200
    );
    drain(&w).await;
    motcua_app::rollups::refresh(&t.app, 1000).await.unwrap();
    let after = figure(&json(t.get(&leader, &path).await).await);
    assert_eq!(after["measured"], true, "{after}");
    assert_eq!(
        after["rate"], 50.0,
        "one of two received dossiers synced: {after}"
    );
}

#[tokio::test]
async fn a_fee_paid_online_reaches_the_portal_and_the_event_log() {
    // The sandbox bank keeps real time; so does this server.
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&token).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist = t.staff_token(&format!("specialist@{AGENCY_A}")).await;
    for (who, body) in [
        (&officer, json!({ "action": "receive" })),
        (
            &leader,
            json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        ),
        (
            &specialist,
            json!({ "action": "request_payment", "lines": [{ "line": 2, "quantity": 2 }] }),
        ),
    ] {
        assert_eq!(t.action(who, &code, body).await.status(), 200);
    }
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    let held = t.npsp.as_ref().unwrap().dossier(&code).unwrap();
    assert_eq!(held.fees, json!([]), "nothing paid yet");
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(&t, &token, &code, "succeeded").await;
    drain(&w).await;
    // Payment requested (6), then back in processing by itself once paid (4).
    assert_eq!(
        statuses(&t, &code),
        [(1, 1), (2, 2), (3, 4), (4, 6), (5, 4)]
    );
    let held = t.npsp.as_ref().unwrap().dossier(&code).unwrap();
    assert_eq!(held.paid_online, 1);
    // The lines of the payment: the registration itself (exempt, 0) and the two copies.
    let fees = held.fees.as_array().unwrap();
    let amounts: Vec<i64> = fees.iter().map(|f| f["MucPhi"].as_i64().unwrap()).collect();
    assert_eq!(amounts.iter().sum::<i64>(), 16_000, "{fees:?}");
    assert!(amounts.contains(&16_000), "{fees:?}");
    for f in fees {
        assert_eq!(f["DaThanhToan"], 1);
        assert_eq!(f["HinhThucThanhToan"], 2, "the province's own gateway");
    }
    // The payment is an event of its own for other systems.
    use motcua_store::entities::outbox_job;
    use motcua_store::sea_orm::{ColumnTrait, QueryFilter};
    let events: Vec<Value> = outbox_job::Entity::find()
        .filter(outbox_job::Column::Kind.eq(motcua_app::events::DOSSIER_EVENT))
        .all(&t.app.db)
        .await
        .unwrap()
        .iter()
        .map(|j| serde_json::from_str(&j.payload).unwrap())
        .collect();
    let paid: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "payment_succeeded")
        .collect();
    assert_eq!(paid.len(), 1, "{events:?}");
    assert_eq!(paid[0]["code"], code.as_str());
    assert_eq!(paid[0]["payment"]["amount_vnd"], 16_000);
    assert_eq!(paid[0]["payment"]["method"], "vnpay");
}
