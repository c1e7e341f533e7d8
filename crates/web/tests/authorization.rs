//! Who may see and touch a dossier (SPEC §6): outsiders get 404 on every dossier endpoint (codes cannot
//! be probed), unauthenticated callers 401, insiders with the wrong role 403, and a refused attempt
//! never changes the dossier.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

/// What a refused attempt must leave untouched, as the owner sees it.
#[derive(Debug, PartialEq)]
struct Snapshot {
    status: Value,
    history: usize,
    attachments: usize,
    form: Value,
    updated_at: Value,
}

async fn snapshot(t: &TestApp, owner: &str, code: &str) -> Snapshot {
    let r = t.get(owner, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(r.status(), 200, "owner reads {code}");
    let d = json(r).await;
    Snapshot {
        status: d["status"].clone(),
        history: d["history"].as_array().expect("history").len(),
        attachments: d["attachments"].as_array().expect("attachments").len(),
        form: d["form"].clone(),
        updated_at: d["updated_at"].clone(),
    }
}

/// Every dossier endpoint answers 404 `not_found` to `token`, for the official code and the draft
/// reference alike, and the dossier stays as it was.
async fn assert_invisible(
    t: &TestApp,
    who: &str,
    token: &str,
    owner: &str,
    code: &str,
    draft_ref: &str,
    attachment_id: &str,
) {
    let before = snapshot(t, owner, code).await;
    for c in [code, draft_ref] {
        let r = t.get(token, &format!("/api/v1/dossiers/{c}")).await;
        expect_problem(r, 404, "not_found").await;
        let r = t
            .put_json(
                token,
                &format!("/api/v1/dossiers/{c}/form"),
                &json!({ "ho_ten_tre": "Kẻ lạ" }),
            )
            .await;
        expect_problem(r, 404, "not_found").await;
        let r = t
            .upload(
                token,
                c,
                "giay_chung_sinh",
                "x.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        expect_problem(r, 404, "not_found").await;
        let r = t
            .get(
                token,
                &format!("/api/v1/dossiers/{c}/attachments/{attachment_id}"),
            )
            .await;
        expect_problem(r, 404, "not_found").await;
        let r = t
            .post_json(token, &format!("/api/v1/dossiers/{c}/submit"), &Value::Null)
            .await;
        expect_problem(r, 404, "not_found").await;
        for body in [
            json!({ "action": "receive" }),
            json!({ "action": "refuse", "reason": "thử" }),
            json!({ "action": "request_withdrawal" }),
            json!({ "action": "assign", "assignee": "specialist@H31.11383" }),
        ] {
            let r = t.action(token, c, body.clone()).await;
            expect_problem(r, 404, "not_found").await;
        }
    }
    let listed = t.dossier_codes(token).await;
    assert!(
        !listed.iter().any(|c| c == code),
        "{who} lists {code}: {listed:?}"
    );
    assert_eq!(
        snapshot(t, owner, code).await,
        before,
        "{who} changed the dossier"
    );
}

#[tokio::test]
async fn outsiders_get_not_found_on_every_dossier_endpoint() {
    let t = TestApp::spawn().await;
    let owner = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&owner).await;
    let d = json(t.get(&owner, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["status"], 1);
    let draft_ref = d["draft_ref"].as_str().expect("draft ref").to_owned();
    let attachment_id = d["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["source"] == "upload")
        .expect("the uploaded birth notice")["id"]
        .as_str()
        .expect("attachment")
        .to_owned();
    // The owner can fetch the attachment: the 404s below are about who asks, not about the id.
    let r = t
        .get(
            &owner,
            &format!("/api/v1/dossiers/{code}/attachments/{attachment_id}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), sample_pdf());

    let citizen_b = t.citizen_token(CITIZEN_B).await;
    assert_invisible(
        &t,
        "citizen B",
        &citizen_b,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;
    for role in ["officer", "leader", "specialist", "clerk", "admin"] {
        let token = t.staff_token(&format!("{role}@{AGENCY_B}")).await;
        assert_invisible(
            &t,
            &format!("{role}@{AGENCY_B}"),
            &token,
            &owner,
            &code,
            &draft_ref,
            &attachment_id,
        )
        .await;
    }
    // Admins of the citizen's own commune do not handle dossiers either.
    let admin_a = t.staff_token(&format!("admin@{AGENCY_A}")).await;
    assert_invisible(
        &t,
        "admin of commune A",
        &admin_a,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;
    // The commune police of A is not the competent agency of a birth registration.
    let police_leader = t.staff_token(&format!("leader@{AGENCY_A}.CA")).await;
    assert_invisible(
        &t,
        "commune police A",
        &police_leader,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;

    // Insiders do see it.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    assert!(t.dossier_codes(&officer).await.contains(&code));
    assert!(t.dossier_codes(&owner).await.contains(&code));
    assert!(!t.dossier_codes(&citizen_b).await.contains(&code));
}

#[tokio::test]
async fn unauthenticated_and_revoked_callers_get_401() {
    let t = TestApp::spawn().await;
    let owner = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&owner).await;
    let before = snapshot(&t, &owner, &code).await;

    // No credentials at all.
    let r = t.http.get(t.url("/api/v1/dossiers")).send().await.unwrap();
    expect_problem(r, 401, "unauthenticated").await;
    let r = t
        .http
        .get(t.url(&format!("/api/v1/dossiers/{code}")))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
    let r = t.http.get(t.url("/api/v1/me")).send().await.unwrap();
    expect_problem(r, 401, "unauthenticated").await;
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .json(&json!({ "procedure": "1.001193" }))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{code}/actions")))
        .json(&json!({ "action": "receive" }))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
    // Not a bearer scheme.
    let r = t
        .http
        .get(t.url(&format!("/api/v1/dossiers/{code}")))
        .header("authorization", "Basic b2ZmaWNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;

    // Garbage tokens.
    for garbage in ["mc_not-a-real-token", "x", &format!("{owner}x")] {
        let r = t.get(garbage, &format!("/api/v1/dossiers/{code}")).await;
        expect_problem(r, 401, "unauthenticated").await;
        let r = t
            .action(garbage, &code, json!({ "action": "receive" }))
            .await;
        expect_problem(r, 401, "unauthenticated").await;
    }

    // A revoked token stops working at once, for reads and for actions.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    assert_eq!(t.get(&officer, "/api/v1/me").await.status(), 200);
    let revoked = motcua_app::identity::revoke_tokens(&t.app, &format!("officer@{AGENCY_A}"))
        .await
        .unwrap();
    assert_eq!(revoked, 1);
    let r = t.get(&officer, "/api/v1/me").await;
    expect_problem(r, 401, "unauthenticated").await;
    let r = t.get(&officer, "/api/v1/dossiers").await;
    expect_problem(r, 401, "unauthenticated").await;
    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    expect_problem(r, 401, "unauthenticated").await;
    let citizen_b = t.citizen_token(CITIZEN_B).await;
    motcua_app::identity::revoke_tokens(&t.app, CITIZEN_B)
        .await
        .unwrap();
    let r = t.get(&citizen_b, "/api/v1/dossiers").await;
    expect_problem(r, 401, "unauthenticated").await;

    assert_eq!(snapshot(&t, &owner, &code).await, before);
    // A new token for the same officer works again.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn insiders_with_the_wrong_role_get_403_and_change_nothing() {
    let t = TestApp::spawn().await;
    let owner = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&owner).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist = t.staff_token(&format!("specialist@{AGENCY_A}")).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    let assign = json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") });

    // Status 1: the citizen cannot receive their own dossier, nor can the leader or the specialist.
    let before = snapshot(&t, &owner, &code).await;
    assert_eq!(before.status, 1);
    for token in [&owner, &leader, &specialist, &clerk] {
        let r = t.action(token, &code, json!({ "action": "receive" })).await;
        expect_problem(r, 403, "role_not_allowed").await;
    }
    assert_eq!(snapshot(&t, &owner, &code).await, before);

    let r = t
        .action(&officer, &code, json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);

    // Status 2: the officer (and the citizen, the specialist, the clerk) cannot assign.
    let before = snapshot(&t, &owner, &code).await;
    assert_eq!(before.status, 2);
    for token in [&officer, &owner, &specialist, &clerk] {
        let r = t.action(token, &code, assign.clone()).await;
        expect_problem(r, 403, "role_not_allowed").await;
    }
    assert_eq!(snapshot(&t, &owner, &code).await, before);

    let r = t.action(&leader, &code, assign.clone()).await;
    assert_eq!(r.status(), 200);
    let r = t
        .action(&specialist, &code, json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }))
        .await;
    assert_eq!(r.status(), 200);

    // In review: the specialist cannot approve their own work; nor can the officer, clerk or citizen.
    let before = snapshot(&t, &owner, &code).await;
    assert_eq!(before.status, 4);
    for token in [&specialist, &officer, &clerk, &owner] {
        let r = t.action(token, &code, json!({ "action": "approve" })).await;
        expect_problem(r, 403, "role_not_allowed").await;
    }
    // Only the clerk issues results, and only the leader stops processing.
    let r = t.issue_result(&officer, &code).await;
    expect_problem(r, 403, "role_not_allowed").await;
    let r = t
        .action(
            &specialist,
            &code,
            json!({ "action": "stop", "reason": "thử" }),
        )
        .await;
    expect_problem(r, 403, "role_not_allowed").await;
    assert_eq!(snapshot(&t, &owner, &code).await, before);

    let r = t
        .action(&leader, &code, json!({ "action": "approve" }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        snapshot(&t, &owner, &code).await.history,
        before.history + 1
    );
}

#[tokio::test]
async fn competent_police_see_a_counter_dossier_only_after_hand_over() {
    let t = TestApp::spawn().await;
    let owner = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let police_leader = t.staff_token(&format!("leader@{AGENCY_A}.CA")).await;
    let police_specialist = t.staff_token(&format!("specialist@{AGENCY_A}.CA")).await;
    let other_police = t.staff_token(&format!("leader@{AGENCY_B}.CA")).await;
    let assign = json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}.CA") });

    let d = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["receiving_agency"]["code"], AGENCY_A);
    assert_eq!(d["competent_agency"]["code"], format!("{AGENCY_A}.CA"));
    assert_eq!(d["needs_handover"], true);
    assert_eq!(d["handed_over"], false);
    let draft_ref = d["draft_ref"].as_str().unwrap().to_owned();
    let attachment_id = d["attachments"][0]["id"].as_str().unwrap().to_owned();

    // Before the hand-over the police cannot even see it.
    assert_invisible(
        &t,
        "police leader before hand-over",
        &police_leader,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;
    assert_invisible(
        &t,
        "police specialist before hand-over",
        &police_specialist,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;
    let before = snapshot(&t, &owner, &code).await;
    let r = t.action(&police_leader, &code, assign.clone()).await;
    expect_problem(r, 404, "not_found").await;
    assert_eq!(snapshot(&t, &owner, &code).await, before);

    let r = t
        .action(&officer, &code, json!({ "action": "hand_over" }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["handed_over"], true);

    let r = t
        .get(&police_leader, &format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(t.dossier_codes(&police_leader).await.contains(&code));
    assert!(t.dossier_codes(&police_specialist).await.contains(&code));
    // Police of another commune still see nothing.
    assert_invisible(
        &t,
        "police of commune B",
        &other_police,
        &owner,
        &code,
        &draft_ref,
        &attachment_id,
    )
    .await;

    let r = t.action(&police_leader, &code, assign).await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["status"], 4);
    assert_eq!(d["assignee"], format!("specialist@{AGENCY_A}.CA"));
}
