//! The dossier lifecycle over HTTP beyond the happy path: counter intake with a hand-over to another
//! agency, supplementation, refusal, withdrawal, extension, and consecutive dossier codes under load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use motcua_testkit::*;
use serde_json::{Value, json};

async fn dossier(t: &TestApp, token: &str, code: &str) -> Value {
    let r = t.get(token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(r.status(), 200, "read {code}");
    json(r).await
}

/// Runs an action that must succeed; returns the dossier it answers with.
async fn ok(t: &TestApp, token: &str, code: &str, body: Value) -> Value {
    let r = t.action(token, code, body.clone()).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{body}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn actions(d: &Value) -> Vec<String> {
    d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect()
}

fn staff(role: &str, agency: &str) -> String {
    format!("{role}@{agency}")
}

#[tokio::test]
async fn counter_intake_is_handed_over_to_the_police_and_runs_to_result_returned() {
    let t = TestApp::spawn().await;
    let police = format!("{AGENCY_A}.CA");
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let p_leader = t.staff_token(&staff("leader", &police)).await;
    let p_specialist = t.staff_token(&staff("specialist", &police)).await;
    let p_clerk = t.staff_token(&staff("clerk", &police)).await;
    let p_officer = t.staff_token(&staff("officer", &police)).await;

    let code = t.submitted_counter_temporary_residence().await;
    assert!(
        code.starts_with(&format!("{AGENCY_A}-261117-")),
        "numbered by the receiving agency: {code}"
    );
    let d = dossier(&t, &officer, &code).await;
    assert_eq!(d["status"], 2);
    assert_eq!(d["channel"], "counter");
    assert_eq!(d["receiving_point"], format!("{AGENCY_A}.MC"));
    assert_eq!(d["receiving_agency"]["code"], AGENCY_A);
    assert_eq!(d["competent_agency"]["code"], police.as_str());
    assert_eq!(d["needs_handover"], true);
    assert_eq!(d["handed_over"], false);
    // Received at the counter on Tue 09:00; 3 working days → Fri 09:00.
    assert_eq!(d["received_at"], "2026-11-17T02:00:00Z");
    assert_eq!(d["due_at"], "2026-11-20T02:00:00Z");
    // Paper scanned at the counter counts as digitized.
    assert_eq!(d["attachments"][0]["digitized"], true);

    // The receiving officer cannot assign, and the police cannot act before the hand-over.
    let assign = json!({ "action": "assign", "assignee": staff("specialist", &police) });
    let r = t.action(&officer, &code, assign.clone()).await;
    expect_problem(r, 403, "role_not_allowed").await;
    let r = t.action(&p_leader, &code, assign.clone()).await;
    expect_problem(r, 404, "not_found").await;

    let d = ok(&t, &officer, &code, json!({ "action": "hand_over" })).await;
    assert_eq!(d["handed_over"], true);
    assert_eq!(d["status"], 2);
    let r = t
        .action(&officer, &code, json!({ "action": "hand_over" }))
        .await;
    expect_problem(r, 409, "handover_not_needed").await;

    // Only specialists of the competent agency can be assigned.
    let r = t
        .action(
            &p_leader,
            &code,
            json!({ "action": "assign", "assignee": staff("specialist", AGENCY_A) }),
        )
        .await;
    expect_problem(r, 422, "unknown_assignee").await;
    let d = ok(&t, &p_leader, &code, assign).await;
    assert_eq!(d["status"], 4);
    ok(
        &t,
        &p_specialist,
        &code,
        json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
    )
    .await;
    ok(&t, &p_leader, &code, json!({ "action": "approve" })).await;
    let r = t.issue_result(&p_clerk, &code).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let r = t.get(&p_clerk, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(json(r).await["status"], 9);
    // The result goes back through the one-stop that received the dossier, not the police desk.
    let r = t
        .action(
            &p_officer,
            &code,
            json!({ "action": "return_result", "delivery": "counter" }),
        )
        .await;
    expect_problem(r, 403, "agency_not_allowed").await;
    // At the counter the officer records who collected it, after checking their papers.
    let r = t
        .action(
            &officer,
            &code,
            json!({ "action": "return_result", "delivery": "counter" }),
        )
        .await;
    expect_problem(r, 422, "recipient_required").await;
    let d = ok(
        &t,
        &officer,
        &code,
        json!({ "action": "return_result", "delivery": "counter",
                "recipient_name": "Nguyễn Văn An", "recipient_id": CITIZEN_A }),
    )
    .await;
    assert_eq!(d["status"], 10);
    let returned = &d["history"][9];
    assert_eq!(
        returned["note"], "counter: Nguyễn Văn An (*********345)",
        "{returned}"
    );
    // The audit chain keeps the ID masked too.
    use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entry = motcua_store::entities::audit_entry::Entity::find()
        .filter(motcua_store::entities::audit_entry::Column::Action.eq("dossier.return_result"))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(entry.data.contains("*********345"), "{}", entry.data);
    assert!(!entry.data.contains(CITIZEN_A), "{}", entry.data);
    assert_eq!(
        actions(&d),
        [
            "create",
            "save_form",
            "attach",
            "submit",
            "hand_over",
            "assign",
            "forward",
            "approve",
            "issue_result",
            "return_result"
        ]
    );
    let hand_over = &d["history"][4];
    assert_eq!(hand_over["agency"], AGENCY_A, "{hand_over}");
    let assign = &d["history"][5];
    assert_eq!(assign["agency"], police.as_str(), "{assign}");

    // The applicant (citizen A) sees it too, with the result.
    let citizen = t.citizen_token(CITIZEN_A).await;
    let d = dossier(&t, &citizen, &code).await;
    let results = |d: &Value| {
        d["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == "result")
            .count()
    };
    assert_eq!(results(&d), 1, "{d}");
    let track = json(
        t.http
            .get(t.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(track["status"], 10);
    let chain = motcua_store::audit::verify(&t.app.db).await.unwrap();
    assert!(chain.is_ok(), "{chain:?}");
}

/// SPEC §17: without `agency`, "the applicant's commune of residence is used when known". At the
/// counter the officer identifies a citizen the system already knows (citizen A, commune 11341).
#[tokio::test]
async fn counter_intake_uses_the_known_residence_of_the_applicant() {
    let t = TestApp::spawn().await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let r = t
        .post_json(
            &officer,
            "/api/v1/dossiers",
            &json!({
                "procedure": "1.004194",
                "channel": "counter",
                "receiving_point": format!("{AGENCY_A}.MC"),
                "applicant": { "citizen_id": CITIZEN_A, "full_name": "Nguyễn Văn An" },
            }),
        )
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["receiving_agency"]["code"], AGENCY_A);
    assert_eq!(d["competent_agency"]["code"], format!("{AGENCY_A}.CA"));
    assert_eq!(d["needs_handover"], true);
}

#[tokio::test]
async fn counter_intake_within_the_same_agency_needs_no_hand_over() {
    let t = TestApp::spawn().await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let leader = t.staff_token(&staff("leader", AGENCY_A)).await;
    let r = t
        .post_json(
            &officer,
            "/api/v1/dossiers",
            &json!({
                "procedure": "1.001193",
                "channel": "counter",
                "receiving_point": format!("{AGENCY_A}.MC"),
                "applicant": { "citizen_id": CITIZEN_A, "full_name": "Nguyễn Văn An",
                               "address": { "commune": "11341", "street": "Số 15 Lạch Tray" } },
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft = json(r).await["code"].as_str().unwrap().to_owned();
    let r = t
        .put_json(
            &officer,
            &format!("/api/v1/dossiers/{draft}/form"),
            &birth_form(),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The officer scans the birth notice brought to the counter (no connector to the facility).
    let r = t
        .upload(
            &officer,
            &draft,
            "giay_chung_sinh",
            "giay-chung-sinh.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = t
        .post_json(
            &officer,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["status"], 2);
    assert_eq!(d["needs_handover"], false);
    let code = d["code"].as_str().unwrap().to_owned();
    let r = t
        .action(&officer, &code, json!({ "action": "hand_over" }))
        .await;
    expect_problem(r, 409, "handover_not_needed").await;
    let d = ok(
        &t,
        &leader,
        &code,
        json!({ "action": "assign", "assignee": staff("specialist", AGENCY_A) }),
    )
    .await;
    assert_eq!(d["status"], 4);
}

#[tokio::test]
async fn supplementation_round_trip_pauses_the_clock_once() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let leader = t.staff_token(&staff("leader", AGENCY_A)).await;
    let specialist = t.staff_token(&staff("specialist", AGENCY_A)).await;
    let code = t.submitted_birth_registration(&citizen).await;
    ok(&t, &officer, &code, json!({ "action": "receive" })).await;
    ok(
        &t,
        &leader,
        &code,
        json!({ "action": "assign", "assignee": staff("specialist", AGENCY_A) }),
    )
    .await;
    let before = dossier(&t, &citizen, &code).await;
    assert_eq!(before["due_at"], "2026-11-18T02:00:00Z");

    // Requests that do not count: unknown component, nothing listed, no note.
    for (body, status, problem) in [
        (
            json!({ "action": "request_supplement", "components": ["khong_co"], "note": "x" }),
            422,
            "unknown_component",
        ),
        (
            json!({ "action": "request_supplement", "components": [], "note": "x" }),
            422,
            "nothing_to_supplement",
        ),
        (
            json!({ "action": "request_supplement", "components": ["giay_chung_sinh"], "note": " " }),
            422,
            "reason_required",
        ),
    ] {
        let r = t.action(&specialist, &code, body).await;
        expect_problem(r, status, problem).await;
    }
    assert_eq!(
        dossier(&t, &citizen, &code).await["history"],
        before["history"]
    );

    let d = ok(
        &t,
        &specialist,
        &code,
        json!({ "action": "request_supplement", "components": ["giay_chung_sinh"], "note": "Giấy chứng sinh bị mờ, vui lòng tải lại." }),
    )
    .await;
    assert_eq!(d["status"], 5);
    assert_eq!(
        d["supplement_request"]["components"],
        json!(["giay_chung_sinh"])
    );
    let citizen_view = dossier(&t, &citizen, &code).await;
    assert_eq!(citizen_view["status"], 5);
    assert_eq!(
        citizen_view["history"].as_array().unwrap().last().unwrap()["note"],
        "Giấy chứng sinh bị mờ, vui lòng tải lại."
    );

    // The upload from before the request does not answer it.
    let r = t
        .action(&citizen, &code, json!({ "action": "supplement" }))
        .await;
    let p = expect_problem(r, 422, "missing_components").await;
    assert!(
        p["message_en"]
            .as_str()
            .unwrap()
            .contains("giay_chung_sinh"),
        "{p}"
    );
    // Only the requested components may be uploaded.
    let r = t
        .upload(
            &citizen,
            &code,
            "van_ban_uy_quyen",
            "uq.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    expect_problem(r, 422, "component_not_requested").await;
    // Staff cannot answer in the citizen's place.
    let r = t
        .action(&officer, &code, json!({ "action": "supplement" }))
        .await;
    expect_problem(r, 403, "role_not_allowed").await;

    // Two working hours later the citizen uploads and answers.
    t.clock.set("2026-11-17T04:00:00Z".parse().unwrap());
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_chung_sinh",
            "gcs-ro.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(json(r).await["supplement"], true);
    let d = ok(&t, &citizen, &code, json!({ "action": "supplement" })).await;
    assert_eq!(d["status"], 4, "back to where it was");
    assert!(d["supplement_request"].is_null());
    // The clock stood still for those two hours: Wed 09:00 → Wed 11:00.
    assert_eq!(d["due_at"], "2026-11-18T04:00:00Z");

    // Once only.
    let r = t
        .action(&specialist, &code, json!({ "action": "request_supplement", "components": ["giay_chung_sinh"], "note": "lần hai" }))
        .await;
    expect_problem(r, 409, "supplement_already_requested").await;
    // The application is closed again.
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_chung_sinh",
            "late.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    expect_problem(r, 409, "not_editable").await;
    let d = dossier(&t, &specialist, &code).await;
    assert_eq!(d["status"], 4);
    assert_eq!(d["assignee"], staff("specialist", AGENCY_A));
    // The processing can go on.
    ok(
        &t,
        &specialist,
        &code,
        json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
    )
    .await;
}

#[tokio::test]
async fn the_one_stop_can_request_supplementation_right_after_receipt() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let code = t.submitted_birth_registration(&citizen).await;
    ok(&t, &officer, &code, json!({ "action": "receive" })).await;
    let d = ok(
        &t,
        &officer,
        &code,
        json!({ "action": "request_supplement", "components": ["giay_chung_sinh"], "note": "Thiếu trang 2" }),
    )
    .await;
    assert_eq!(d["status"], 5);
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_chung_sinh",
            "gcs.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let d = ok(&t, &citizen, &code, json!({ "action": "supplement" })).await;
    assert_eq!(d["status"], 2);
}

#[tokio::test]
async fn refusal_from_submitted_is_final_and_keeps_its_reason() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let reason = "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường.";
    let d = ok(
        &t,
        &officer,
        &code,
        json!({ "action": "refuse", "reason": reason }),
    )
    .await;
    assert_eq!(d["status"], 3);
    assert_eq!(d["finished_at"], "2026-11-17T02:00:00Z");
    assert!(d["due_at"].is_null(), "never received, so never due");
    let d = dossier(&t, &citizen, &code).await;
    let last = d["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "refuse");
    assert_eq!(last["from_status"], 1);
    assert_eq!(last["to_status"], 3);
    assert_eq!(last["note"], reason);
    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    expect_problem(r, 409, "illegal_transition").await;
    let track = json(
        t.http
            .get(t.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(track["status"], 3);
}

#[tokio::test]
async fn withdrawal_is_requested_by_the_citizen_and_accepted_or_rejected_by_staff() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let leader = t.staff_token(&staff("leader", AGENCY_A)).await;

    let code = t.submitted_birth_registration(&citizen).await;
    ok(&t, &officer, &code, json!({ "action": "receive" })).await;
    let r = t
        .action(&officer, &code, json!({ "action": "request_withdrawal" }))
        .await;
    expect_problem(r, 403, "role_not_allowed").await;
    let d = ok(
        &t,
        &citizen,
        &code,
        json!({ "action": "request_withdrawal", "reason": "Đã nộp nhầm thủ tục" }),
    )
    .await;
    assert_eq!(d["status"], 7);
    let r = t
        .action(&citizen, &code, json!({ "action": "accept_withdrawal" }))
        .await;
    expect_problem(r, 403, "role_not_allowed").await;
    let d = ok(
        &t,
        &officer,
        &code,
        json!({ "action": "accept_withdrawal" }),
    )
    .await;
    assert_eq!(d["status"], 8);
    assert!(!d["finished_at"].is_null());
    let r = t
        .action(&citizen, &code, json!({ "action": "request_withdrawal" }))
        .await;
    expect_problem(r, 409, "illegal_transition").await;
    let r = t
        .action(
            &leader,
            &code,
            json!({ "action": "assign", "assignee": staff("specialist", AGENCY_A) }),
        )
        .await;
    expect_problem(r, 409, "illegal_transition").await;

    // Not yet received: withdrawn at once, nobody has anything to decide.
    let fresh = t.submitted_birth_registration(&citizen).await;
    let d = ok(
        &t,
        &citizen,
        &fresh,
        json!({ "action": "request_withdrawal", "reason": "Nộp nhầm" }),
    )
    .await;
    assert_eq!(d["status"], 8, "{d}");
    assert!(!d["finished_at"].is_null());
    let r = t
        .action(&officer, &fresh, json!({ "action": "accept_withdrawal" }))
        .await;
    expect_problem(r, 409, "illegal_transition").await;

    // Rejected: processing resumes where it was.
    let code = t.submitted_birth_registration(&citizen).await;
    ok(&t, &officer, &code, json!({ "action": "receive" })).await;
    ok(
        &t,
        &leader,
        &code,
        json!({ "action": "assign", "assignee": staff("specialist", AGENCY_A) }),
    )
    .await;
    ok(
        &t,
        &citizen,
        &code,
        json!({ "action": "request_withdrawal" }),
    )
    .await;
    let r = t
        .action(&leader, &code, json!({ "action": "reject_withdrawal" }))
        .await;
    expect_problem(r, 422, "reason_required").await;
    let d = ok(
        &t,
        &leader,
        &code,
        json!({ "action": "reject_withdrawal", "reason": "Đã có kết quả thẩm định" }),
    )
    .await;
    assert_eq!(d["status"], 4);
    assert_eq!(d["assignee"], staff("specialist", AGENCY_A));
}

#[tokio::test]
async fn processing_time_is_extended_once_and_not_at_the_last_minute() {
    // Monday 2026-11-16 08:00 in Hà Nội time.
    let t = TestApp::spawn_at("2026-11-16T01:00:00Z".parse().unwrap()).await;
    let police = format!("{AGENCY_A}.CA");
    let officer = t.staff_token(&staff("officer", AGENCY_A)).await;
    let leader = t.staff_token(&staff("leader", &police)).await;
    let specialist = t.staff_token(&staff("specialist", &police)).await;
    let first = t.submitted_counter_temporary_residence().await;
    let second = t.submitted_counter_temporary_residence().await;
    assert!(first.starts_with(&format!("{AGENCY_A}-261116-")), "{first}");
    for code in [&first, &second] {
        ok(&t, &officer, code, json!({ "action": "hand_over" })).await;
        ok(
            &t,
            &leader,
            code,
            json!({ "action": "assign", "assignee": staff("specialist", &police) }),
        )
        .await;
    }
    let d = dossier(&t, &leader, &first).await;
    // Mon 08:00 + 3 working days = Thu 08:00.
    assert_eq!(d["due_at"], "2026-11-19T01:00:00Z");
    assert_eq!(d["extended"], false);
    let later = "2026-11-24T10:00:00Z";

    for (body, status, problem) in [
        (
            json!({ "action": "extend", "new_due_at": "2026-11-19T01:00:00Z", "reason": "Cần xác minh" }),
            422,
            "extension_not_later",
        ),
        (
            json!({ "action": "extend", "new_due_at": "2026-11-18T01:00:00Z", "reason": "Cần xác minh" }),
            422,
            "extension_not_later",
        ),
        (
            json!({ "action": "extend", "new_due_at": later, "reason": "" }),
            422,
            "reason_required",
        ),
    ] {
        let r = t.action(&leader, &first, body.clone()).await;
        expect_problem(r, status, problem).await;
    }
    let r = t
        .action(
            &specialist,
            &first,
            json!({ "action": "extend", "new_due_at": later, "reason": "Cần xác minh" }),
        )
        .await;
    expect_problem(r, 403, "role_not_allowed").await;
    assert_eq!(
        dossier(&t, &leader, &first).await["due_at"],
        "2026-11-19T01:00:00Z"
    );

    let d = ok(&t, &leader, &first, json!({ "action": "extend", "new_due_at": later, "reason": "Cần xác minh thêm với chủ nhà" })).await;
    assert_eq!(d["due_at"], later);
    assert_eq!(d["extended"], true);
    let r = t
        .action(&leader, &first, json!({ "action": "extend", "new_due_at": "2026-11-30T10:00:00Z", "reason": "Lần hai" }))
        .await;
    expect_problem(r, 409, "already_extended").await;
    assert_eq!(dossier(&t, &leader, &first).await["due_at"], later);

    // Wednesday 09:00: less than one working day before Thursday 08:00 is too late to extend.
    t.clock.set("2026-11-18T02:00:00Z".parse().unwrap());
    let r = t
        .action(
            &leader,
            &second,
            json!({ "action": "extend", "new_due_at": later, "reason": "Cần xác minh" }),
        )
        .await;
    expect_problem(r, 422, "extension_too_late").await;
    let d = dossier(&t, &leader, &second).await;
    assert_eq!(d["extended"], false);
    assert_eq!(d["due_at"], "2026-11-19T01:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dossier_codes_are_consecutive_under_concurrent_submits() {
    const N: usize = 20;
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let mut drafts = Vec::new();
    for _ in 0..N {
        let r = t
            .post_json(
                &citizen,
                "/api/v1/dossiers",
                &json!({ "procedure": "1.001193" }),
            )
            .await;
        assert_eq!(r.status(), 201);
        let draft = json(r).await["code"].as_str().unwrap().to_owned();
        let r = t
            .put_json(
                &citizen,
                &format!("/api/v1/dossiers/{draft}/form"),
                &birth_form(),
            )
            .await;
        assert_eq!(r.status(), 200);
        let r = t
            .upload(
                &citizen,
                &draft,
                "giay_chung_sinh",
                "gcs.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        assert_eq!(r.status(), 201);
        drafts.push(draft);
    }
    let mut set = tokio::task::JoinSet::new();
    for draft in &drafts {
        let req = t
            .http
            .post(t.url(&format!("/api/v1/dossiers/{draft}/submit")))
            .bearer_auth(&citizen);
        set.spawn(async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
    }
    let mut codes = Vec::new();
    while let Some(res) = set.join_next().await {
        let (status, text) = res.unwrap();
        assert_eq!(status, 200, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        codes.push(v["code"].as_str().unwrap().to_owned());
    }
    codes.sort();
    let expected: Vec<String> = (1..=N)
        .map(|i| format!("{AGENCY_A}-261117-{i:04}"))
        .collect();
    assert_eq!(codes, expected, "no gaps, no duplicates");
    // And each draft reference now resolves to exactly one of them.
    let mut resolved = BTreeSet::new();
    for draft in &drafts {
        let d = dossier(&t, &citizen, draft).await;
        assert_eq!(d["status"], 1);
        resolved.insert(d["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(resolved.len(), N);
    // The next day starts again at 0001.
    t.clock.set("2026-11-18T02:00:00Z".parse().unwrap());
    let next = t.submitted_birth_registration(&citizen).await;
    assert_eq!(next, format!("{AGENCY_A}-261118-0001"));
}
