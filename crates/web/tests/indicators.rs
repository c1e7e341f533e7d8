//! The Decision 766 indicators from recorded events (issue 16; SPEC §11; DOMAIN-VN §3): the
//! figures of an agency over a period, the dossiers behind them, and who may see those.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
        ("period=0", 422, "invalid_period"),
        ("from=0001-01-01&to=0001-02-01", 422, "invalid_period"),
        ("procedure=", 422, "invalid_procedure"),
        ("agency=", 422, "invalid_agency"),
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

#[tokio::test]
async fn the_public_page_and_its_open_data_show_the_same_figures() {
    let t = TestApp::spawn().await;
    november(&t).await;

    let r = public(&t, "/thong-ke").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    // Charts drawn on the server, with the numbers as text.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4, "{html}");
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("<caption>Hồ sơ giải quyết trước hạn, đúng hạn</caption>"));
    // The commune with dossiers is listed, with a link to its own figures.
    assert!(
        html.contains(&format!("/thong-ke?agency={AGENCY_A}")),
        "{html}"
    );
    assert!(html.contains("100,00\u{a0}%"), "{html}");

    let r = public(&t, &format!("/thong-ke?agency={AGENCY_A}&lang=en")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Dossiers handled early or on time"));
    assert!(html.contains("100.00%"));

    let r = public(&t, &format!("/thong-ke/du-lieu.csv?agency={AGENCY_A}")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().contains("Nghị định 47/2024"));
    assert_eq!(lines.next().unwrap(), "# schema: motcua-indicators/1");
    assert_eq!(
        lines.next().unwrap(),
        "month,agency,indicator,numerator,denominator,rate,points,max,measured"
    );
    let row = csv
        .lines()
        .find(|l| l.starts_with(&format!("2026-11,{AGENCY_A},2.1,")))
        .unwrap();
    assert!(
        row.starts_with(&format!("2026-11,{AGENCY_A},2.1,2,2,100.00,")),
        "{row}"
    );
    // Twelve months of every indicator.
    assert_eq!(csv.lines().filter(|l| l.contains(",2.1,")).count(), 12);

    let j: Value = public(&t, &format!("/thong-ke/du-lieu.json?agency={AGENCY_A}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["schema"], "motcua-indicators/1");
    assert!(j["licence"].as_str().unwrap().contains("47/2024"));
    let same = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == "2026-11" && r["indicator"] == "2.1")
        .unwrap();
    assert_eq!(same["numerator"], 2);
    assert_eq!(same["denominator"], 2);
    assert_eq!(same["rate"], 100.0);
    // Every figure of every month is the API's for that month.
    for month in ["2026-10", "2026-11"] {
        let api: Value = public(
            &t,
            &format!("/api/v1/indicators?agency={AGENCY_A}&period={month}"),
        )
        .await
        .json()
        .await
        .unwrap();
        for row in j["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["month"] == month)
        {
            let f = &api["indicators"][row["indicator"].as_str().unwrap()];
            for k in ["numerator", "denominator", "rate", "points", "measured"] {
                assert_eq!(row[k], f[k], "{month} {} {k}", row["indicator"]);
            }
        }
    }
}

#[tokio::test]
async fn targets_show_who_is_behind_down_to_the_dossiers() {
    let t = TestApp::spawn().await;
    let (birth, counter, _) = november(&t).await;

    // The province's administrator sets an online-rate target of 80 % for 2026.
    let admin = t.staff_cookie("admin@H31").await;
    let (status, location, body) = t
        .submit_fields(
            &admin,
            "/staff/indicators/targets",
            &[
                ("agency", "H31"),
                ("year", "2026"),
                ("indicator", "3.3"),
                ("target", "80"),
                ("period", "2026-11"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    assert!(
        location.starts_with("/staff/indicators?agency=H31"),
        "{location}"
    );
    // A commune's leader cannot set the province's targets.
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    let (status, _, _) = t
        .submit_fields(
            &leader,
            "/staff/indicators/targets",
            &[
                ("agency", "H31"),
                ("year", "2026"),
                ("indicator", "3.3"),
                ("target", "10"),
            ],
        )
        .await;
    assert_eq!(status, 403);

    // The commune inherits it and is behind (1 of 2 online).
    let (status, html) = t.page(&leader, "/staff/indicators?period=2026-11").await;
    assert_eq!(status, 200);
    assert!(html.contains("≥ 80 (H31)"), "{html}");
    assert!(html.contains("chưa đạt"), "{html}");
    // The province sees which commune is behind, and drills into it.
    let (_, html) = t
        .page(&admin, "/staff/indicators?agency=H31&period=2026-11")
        .await;
    assert!(
        html.contains(&format!(
            "/staff/indicators?agency={AGENCY_A}&amp;period=2026-11"
        )),
        "{html}"
    );
    assert!(html.contains("Hồ sơ nộp trực tuyến &#60; 80"), "{html}");
    // … down to the dossiers, the one not online first.
    let (status, html) = t
        .page(
            &admin,
            &format!("/staff/indicators/3.3?agency={AGENCY_A}&period=2026-11"),
        )
        .await;
    assert_eq!(status, 200);
    let first = html.find(&counter).expect("counter dossier listed");
    let second = html.find(&birth).expect("online dossier listed");
    assert!(first < second, "the dossier not counted comes first");
    // Another commune's officer sees neither.
    let other = t.staff_cookie(&format!("officer@{AGENCY_B}")).await;
    let (status, _) = t
        .page(&other, &format!("/staff/indicators?agency={AGENCY_A}"))
        .await;
    assert_eq!(status, 403);
    // The change is in the audit trail.
    let entries = motcua_store::entities::audit_entry::Entity::find()
        .filter(motcua_store::entities::audit_entry::Column::Action.eq("indicator_target.set"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
}

#[tokio::test]
async fn the_staff_and_public_pages_read_in_english_too() {
    let t = TestApp::spawn().await;
    november(&t).await;
    let admin = t.staff_cookie("admin@H31").await;
    for path in [
        "/staff/indicators?agency=H31&period=2026-11&lang=en",
        "/staff/indicators/2.1?agency=H31&period=2026-11&lang=en",
        "/staff/quality?lang=en",
        "/thong-ke?lang=en",
    ] {
        let (status, html) = t.page(&admin, path).await;
        assert_eq!(status, 200, "{path}");
        // No key left untranslated, whether written in a template or built at run time.
        for prefix in ["dash.", "stats.", "quality.", "status."] {
            assert!(
                !html.contains(&format!(">{prefix}")) && !html.contains(&format!(" {prefix}")),
                "{path}: an untranslated {prefix} key\n{html}"
            );
        }
        assert!(html.contains("<html lang=\"en\">"), "{path}");
    }
    let (_, html) = t
        .page(
            &admin,
            "/staff/indicators?agency=H31&period=2026-11&lang=en",
        )
        .await;
    assert!(html.contains("1. Publicity and transparency"));
    assert!(html.contains("Dossiers filed online"));
}

#[tokio::test]
async fn targets_are_set_and_read_through_the_api() {
    let t = TestApp::spawn().await;
    let admin = t.staff_token("admin@H31").await;
    let body =
        serde_json::json!({ "agency": "H31", "year": 2026, "indicator": "3.3", "target": 80 });
    let r = t
        .put_json(&admin, "/api/v1/indicators/targets", &body)
        .await;
    assert_eq!(r.status(), 200);
    // A commune inherits it; read without signing in.
    let got: Value = public(
        &t,
        &format!("/api/v1/indicators/targets?agency={AGENCY_A}&year=2026"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(got["targets"][0]["indicator"], "3.3");
    assert_eq!(got["targets"][0]["target"], 80.0);
    assert_eq!(got["targets"][0]["set_for"], "H31");
    // Its own replaces the inherited one; removing it brings the province's back.
    let own =
        serde_json::json!({ "agency": AGENCY_A, "year": 2026, "indicator": "3.3", "target": 60.5 });
    let r = json(t.put_json(&admin, "/api/v1/indicators/targets", &own).await).await;
    assert_eq!(r["targets"][0]["set_for"], AGENCY_A);
    assert_eq!(r["targets"][0]["target"], 60.5);
    let off =
        serde_json::json!({ "agency": AGENCY_A, "year": 2026, "indicator": "3.3", "target": null });
    let r = json(t.put_json(&admin, "/api/v1/indicators/targets", &off).await).await;
    assert_eq!(r["targets"][0]["set_for"], "H31");
    // Refusals.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    expect_problem(
        t.put_json(&officer, "/api/v1/indicators/targets", &body)
            .await,
        403,
        "not_admin",
    )
    .await;
    for (b, code) in [
        (
            serde_json::json!({ "agency": "H31", "year": 2026, "indicator": "2.2", "target": 5 }),
            "unknown_indicator",
        ),
        (
            serde_json::json!({ "agency": "H31", "year": 1999, "indicator": "3.3", "target": 5 }),
            "invalid_year",
        ),
        (
            serde_json::json!({ "agency": "H31", "year": 2026, "indicator": "3.3", "target": 101 }),
            "invalid_target",
        ),
        (
            serde_json::json!({ "agency": "H31", "year": 2026, "indicator": "3.3", "target": 5, "x": 1 }),
            "invalid_body",
        ),
    ] {
        expect_problem(
            t.put_json(&admin, "/api/v1/indicators/targets", &b).await,
            422,
            code,
        )
        .await;
    }
    expect_problem(
        public(&t, "/api/v1/indicators/targets").await,
        422,
        "agency_required",
    )
    .await;
    expect_problem(
        public(&t, "/api/v1/indicators/targets?agency=H99").await,
        404,
        "not_found",
    )
    .await;
}

/// Feedback about a procedure counts in that procedure's 5.2 and 5.3, and not in another's.
#[tokio::test]
async fn feedback_counts_for_its_own_procedure() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(t.url("/api/v1/feedback"))
        .json(&serde_json::json!({
            "kind": "complaint",
            "content": "Bộ phận một cửa không niêm yết lệ phí khai sinh.",
            "agency": AGENCY_A,
            "procedure": "1.001193",
            "contact": { "name": "Lê Văn Cường", "email": "cuong@example.vn" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Received at 09:00; the period is measured up to now.
    t.clock.set(t.app.now() + TimeDelta::hours(1));
    let of = |procedure: &'static str| {
        let t = &t;
        async move {
            public(
                t,
                &format!(
                    "/api/v1/indicators?agency={AGENCY_A}&period=2026-11&procedure={procedure}"
                ),
            )
            .await
            .json::<Value>()
            .await
            .unwrap()
        }
    };
    let birth = of("1.001193").await;
    assert_eq!(birth["indicators"]["5.2"]["denominator"], 1, "{birth}");
    let other = of("1.004194").await;
    assert_eq!(other["indicators"]["5.2"]["denominator"], 0, "{other}");
    assert!(other["indicators"]["5.2"]["rate"].is_null());
}
