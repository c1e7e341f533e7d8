//! The README's API walk-through, end to end over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

#[tokio::test]
async fn citizen_applies_and_staff_take_it_to_result_returned() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    assert!(code.starts_with(&format!("{AGENCY_A}-261117-")), "{code}");
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist = t.staff_token(&format!("specialist@{AGENCY_A}")).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["status"], 2);
    // Tue 09:00 + 8 working hours (2.5 h before lunch, 4 h after, 1.5 h next morning) = Wed 09:00.
    assert_eq!(d["due_at"], "2026-11-18T02:00:00Z");
    for (token, body) in [
        (
            &leader,
            json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        ),
        (
            &specialist,
            json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
        ),
        (&leader, json!({ "action": "approve" })),
    ] {
        let r = t.action(token, &code, body.clone()).await;
        assert_eq!(r.status(), 200, "{body}");
    }
    let r = t.issue_result(&clerk, &code).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["status"], 9);
    let r = t
        .action(&officer, &code, json!({ "action": "return_result" }))
        .await;
    assert_eq!(json(r).await["status"], 10);
    let d = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    let kinds: Vec<&str> = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    // The result beside the notices the dossier reached; never the internal control sheet.
    assert_eq!(
        kinds,
        ["result", "submission_acknowledgement", "receipt"],
        "{d}"
    );
    let notice = &d["documents"][1];
    assert_eq!(notice["sha256"], Value::Null);
    let r = t.get(&citizen, notice["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // Staff see the process-control sheet too, and download it with their token.
    let staff = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    let control = staff["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "process_control")
        .expect("listed for staff")
        .clone();
    let r = t.get(&officer, control["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    // The citizen cannot fetch it, nor another citizen their receipt.
    let r = t.get(&citizen, control["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 404);
    let other = t.citizen_token(CITIZEN_B).await;
    let r = t.get(&other, notice["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 404);
    let actions: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            // Identity, residence and the parents' marriage, from the national databases.
            "attach",
            "attach",
            "attach",
            "save_form",
            "attach",
            "submit",
            "receive",
            "assign",
            "forward",
            "approve",
            "issue_result",
            "return_result"
        ]
    );
    let track = json(
        t.http
            .get(t.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(track["status"], 10);
    assert!(track.get("applicant").is_none());
    let chain = motcua_store::audit::verify(&t.app.db).await.unwrap();
    assert!(
        chain.as_ref().is_ok_and(|n| *n >= 10),
        "audit chain: {chain:?}"
    );
}
