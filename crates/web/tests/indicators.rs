//! The Decision 766 indicators from recorded events (issue 16; SPEC §11; DOMAIN-VN §3): the
//! figures of an agency over a period, the dossiers behind them, and who may see those.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use motcua_testkit::*;
use serde_json::Value;

async fn public(t: &TestApp, path: &str) -> reqwest::Response {
    t.http.get(t.url(path)).send().await.unwrap()
}

fn figure<'a>(r: &'a Value, id: &str) -> (u64, u64, &'a Value) {
    let f = &r["indicators"][id];
    (
        f["numerator"].as_u64().unwrap(),
        f["denominator"].as_u64().unwrap(),
        &f["rate"],
    )
}

/// An online birth registration taken to its signed result, and a counter temporary-residence
/// dossier (scanned papers) still waiting at the police: agency A's November.
async fn november(t: &TestApp) -> (String, String, DateTime<Utc>) {
    let now = t.app.now();
    let citizen = t.citizen_token(CITIZEN_A).await;
    let birth = t.submitted_birth_registration(&citizen).await;
    t.approve_in_agency_a(&birth).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    assert_eq!(t.issue_result(&clerk, &birth).await.status(), 200);
    let counter = t.submitted_counter_temporary_residence().await;
    // An hour later: what happened at 09:00 is inside a period measured up to now.
    t.clock.set(now + TimeDelta::hours(1));
    (birth, counter, now)
}

#[tokio::test]
async fn an_agencys_figures_come_from_its_dossiers() {
    let t = TestApp::spawn().await;
    let (birth, counter, _) = november(&t).await;

    let r = public(
        &t,
        &format!("/api/v1/indicators?agency={AGENCY_A}&period=2026-11"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["agency"]["code"], AGENCY_A);
    assert_eq!(r["dossiers"], 2);
    // 2.1: the birth registration ended early; the residence dossier is still within its time.
    assert_eq!(figure(&r, "2.1").0, 2);
    assert_eq!(figure(&r, "2.1").1, 2);
    assert_eq!(figure(&r, "2.1").2, 100.0);
    // 3.3: one of two received online, and its paper result was also issued electronically.
    assert_eq!((figure(&r, "3.3").0, figure(&r, "3.3").1), (1, 2));
    assert_eq!(figure(&r, "3.3").2, 50.0);
    // 4.1: the one result is electronic; 4.2: both dossiers carry their files.
    assert_eq!((figure(&r, "4.1").0, figure(&r, "4.1").1), (1, 1));
    assert_eq!((figure(&r, "4.2").0, figure(&r, "4.2").1), (2, 2));
    // The online dossier was received at once.
    assert_eq!(
        (figure(&r, "receipt_8h").0, figure(&r, "receipt_8h").1),
        (1, 1)
    );
    // 4.3–4.5b are the flags each dossier recorded.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let mut flags = [0u64; 3];
    for code in [&birth, &counter] {
        let v = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
        let o = &v["once_only"];
        flags[0] += u64::from(o["reused_data"] == true);
        flags[1] += u64::from(o["from_warehouse"] == true);
        flags[2] += u64::from(o["population_data"] == true || o["vneid_applicant"] == true);
    }
    assert_eq!(figure(&r, "4.3").0, flags[0]);
    assert_eq!(figure(&r, "4.4").0, flags[1]);
    assert_eq!(figure(&r, "4.5b").0, flags[2]);
    // Nothing here to measure 1.4 with; no feedback, so 5.2 is not applicable (never 0 %).
    assert_eq!(r["indicators"]["1.4"]["measured"], false);
    assert!(r["indicators"]["5.2"]["rate"].is_null());
    assert!(r["notes"]["1.4"]["en"].as_str().unwrap().contains("sync"));
    assert!(r["total"].as_f64().unwrap() > 0.0);
    assert!(r["band"].is_string());

    // Another commune had nothing.
    let b: Value = public(
        &t,
        &format!("/api/v1/indicators?agency={AGENCY_B}&period=2026-11"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(b["dossiers"], 0);
    assert!(b["indicators"]["2.1"]["rate"].is_null());
    // The province covers its communes.
    let p: Value = public(&t, "/api/v1/indicators?agency=H31&period=2026-11")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["dossiers"], 2);

    // The dossiers behind a figure: for the agency's staff, and those above it.
    let r = t
        .get(
            &officer,
            &format!("/api/v1/indicators/2.1/dossiers?agency={AGENCY_A}&period=2026-11"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let list = json(r).await;
    let mut codes: Vec<&str> = list["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    codes.sort();
    let mut want = vec![birth.as_str(), counter.as_str()];
    want.sort();
    assert_eq!(codes, want);
    let admin = t.staff_token("admin@H31").await;
    let r = t
        .get(
            &admin,
            &format!("/api/v1/indicators/3.3/dossiers?agency={AGENCY_A}&period=2026-11"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let other = t.staff_token(&format!("officer@{AGENCY_B}")).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for token in [&other, &citizen] {
        expect_problem(
            t.get(
                token,
                &format!("/api/v1/indicators/2.1/dossiers?agency={AGENCY_A}&period=2026-11"),
            )
            .await,
            403,
            "not_in_scope",
        )
        .await;
    }
    expect_problem(
        t.get(&officer, "/api/v1/indicators/2.1/dossiers?period=2026-11")
            .await,
        422,
        "agency_required",
    )
    .await;
    expect_problem(
        t.get(
            &officer,
            &format!("/api/v1/indicators/9.9/dossiers?agency={AGENCY_A}"),
        )
        .await,
        422,
        "unknown_indicator",
    )
    .await;
}

#[tokio::test]
async fn an_unfinished_dossier_turns_late_once_its_due_date_passes() {
    let t = TestApp::spawn().await;
    let (_, counter, start) = november(&t).await;
    // A month on, the residence dossier is still open and past its due date.
    t.clock.set(start + TimeDelta::days(30));
    let r: Value = public(
        &t,
        &format!("/api/v1/indicators?agency={AGENCY_A}&period=2026-12"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(figure(&r, "2.1").0, 0);
    assert_eq!(figure(&r, "2.1").1, 1);
    assert_eq!(figure(&r, "2.1").2, 0.0);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let list = json(
        t.get(
            &officer,
            &format!("/api/v1/indicators/2.1/dossiers?agency={AGENCY_A}&period=2026-12"),
        )
        .await,
    )
    .await;
    let d = &list["dossiers"][0];
    assert_eq!(d["code"], counter.as_str());
    assert_eq!(d["counted"], false);
    // November, measured at its end (1 December), already had it late: the early birth
    // registration and the late residence dossier.
    let nov: Value = public(
        &t,
        &format!("/api/v1/indicators?agency={AGENCY_A}&period=2026-11"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!((figure(&nov, "2.1").0, figure(&nov, "2.1").1), (1, 2));
    assert_eq!(figure(&nov, "2.1").2, 50.0);
}

#[tokio::test]
async fn bad_queries_are_refused_plainly() {
    let t = TestApp::spawn().await;
    for (q, status, code) in [
        ("period=2026-Q5", 422, "invalid_period"),
        ("period=2026-11&from=2026-11-01", 422, "invalid_period"),
        ("from=2026-11-30&to=2026-11-01", 422, "invalid_period"),
        ("from=2020-01-01&to=2026-01-01", 422, "period_too_long"),
        ("from=yesterday", 422, "invalid_date"),
        ("agency=H31%25", 422, "invalid_agency"),
        ("agency=H99", 404, "not_found"),
        ("procedure=1.1", 422, "invalid_procedure"),
        ("colour=red", 400, "invalid_query"),
    ] {
        let r = public(&t, &format!("/api/v1/indicators?{q}")).await;
        expect_problem(r, status, code).await;
    }
    // No parameters: the whole deployment, this quarter so far.
    let r: Value = public(&t, "/api/v1/indicators").await.json().await.unwrap();
    assert!(r["agency"].is_null());
    assert_eq!(r["from"], "2026-09-30T17:00:00Z");
}
