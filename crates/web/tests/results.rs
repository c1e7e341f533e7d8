//! Signed results (SPEC §9): generated and signed by the competent agency when the clerk issues
//! them, registered, verifiable by anyone, and revocable only by that agency's leader.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

/// Takes a citizen's birth registration to "approved" and returns (code, citizen, clerk, leader,
/// specialist) tokens.
async fn approved(t: &TestApp) -> (String, String, String, String, String) {
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    t.approve_in_agency_a(&code).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist = t.staff_token(&format!("specialist@{AGENCY_A}")).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    (code, citizen, clerk, leader, specialist)
}

async fn check(t: &TestApp, pdf: Vec<u8>) -> Value {
    let r = t
        .http
        .post(t.url("/api/v1/verify"))
        .header("content-type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    json(r).await
}

#[tokio::test]
async fn an_issued_result_is_signed_registered_verifiable_and_revocable_by_the_leader_only() {
    let t = TestApp::spawn().await;
    let (code, citizen, clerk, leader, specialist) = approved(&t).await;
    let r = t
        .action(
            &clerk,
            &code,
            json!({ "action": "issue_result", "decision": "Cấp bản chính Giấy khai sinh cho trẻ." }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["status"], 9);
    let doc = &d["documents"][0];
    let id = doc["id"].as_str().unwrap().to_owned();
    let number = doc["number"].as_str().unwrap();
    assert!(
        number.ends_with(&format!("/2026/KQ-{AGENCY_A}")),
        "{number}"
    );
    assert_eq!(doc["status"], "valid");
    assert_eq!(doc["verify_url"], format!("/verify/{id}"));

    // The citizen downloads it; the register knows its hash.
    let pdf = t
        .get(&citizen, doc["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    let facts = json(
        t.http
            .get(t.url(&format!("/api/v1/documents/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(facts["sha256"], doc["sha256"]);
    assert_eq!(facts["status"], "valid");
    // The agency's own certificate signed it.
    assert_eq!(facts["signer"], facts["agency"], "{facts}");

    let ok = check(&t, pdf.clone()).await;
    assert_eq!(ok["signature_valid"], true, "{ok}");
    assert_eq!(ok["genuine"], true, "{ok}");
    assert_eq!(ok["registered"]["id"], id.as_str());

    // One byte changed inside the signed content: no longer genuine.
    let mut tampered = pdf.clone();
    let at = tampered
        .windows(4)
        .position(|w| w == b"/Kid" || w == b"/Typ")
        .unwrap_or(200);
    tampered[at + 1] ^= 0x01;
    let bad = check(&t, tampered).await;
    assert_eq!(bad["genuine"], false, "{bad}");
    assert_eq!(bad["signature_valid"], false, "{bad}");

    // The public page shows the facts, anonymously.
    let page = t
        .http
        .get(t.url(&format!("/verify/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(number), "number on the page");
    assert!(html.contains(doc["sha256"].as_str().unwrap()));

    // Revocation: only the issuing agency's leader, with a reason, once.
    assert_eq!(revoke(&t, &id, &specialist, "sai").await.status(), 403);
    assert_eq!(revoke(&t, &id, &citizen, "sai").await.status(), 403);
    expect_problem(revoke(&t, &id, &leader, "  ").await, 422, "reason_required").await;
    let r = revoke(&t, &id, &leader, "Sai ngày sinh của trẻ").await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["status"], "revoked");
    assert_eq!(revoke(&t, &id, &leader, "again").await.status(), 409);

    let after = check(&t, pdf).await;
    assert_eq!(after["signature_valid"], true, "the bytes are still intact");
    assert_eq!(after["genuine"], false, "but the register says revoked");
    let d = json(t.get(&leader, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["documents"][0]["status"], "revoked", "{d}");
    // The revocation is in the dossier's audit trail, with who and why.
    let cookie = t.staff_cookie("leader@H31.11341").await;
    let r = t
        .http
        .get(t.url(&format!("/staff/dossiers/{code}/audit")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("document.revoke"), "{html}");
    assert!(html.contains("Sai ngày sinh của trẻ"), "{html}");
    assert!(html.contains("staff:leader@H31.11341"), "{html}");

    // The result is in the citizen's warehouse of electronic results, marked revoked now; no one
    // else's warehouse holds it, and staff have none.
    let w = json(t.get(&citizen, "/api/v1/me/documents").await).await;
    assert_eq!(w["count"], 1, "{w}");
    assert_eq!(w["items"][0]["number"], number);
    assert_eq!(w["items"][0]["status"], "revoked");
    assert_eq!(w["items"][0]["dossier_code"], code.as_str());
    assert_eq!(w["items"][0]["verify_url"], format!("/verify/{id}"));
    let other = t.citizen_token(CITIZEN_B).await;
    assert_eq!(
        json(t.get(&other, "/api/v1/me/documents").await).await["count"],
        0
    );
    expect_problem(
        t.get(&leader, "/api/v1/me/documents").await,
        403,
        "citizens_only",
    )
    .await;
    let page = t.citizen_cookie(CITIZEN_A).await;
    let r = t
        .http
        .get(t.url("/my/documents"))
        .header("cookie", page)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(number) && html.contains("Đã bị thu hồi"),
        "{html}"
    );
}

#[tokio::test]
async fn the_trust_root_and_notices_are_served() {
    let t = TestApp::spawn().await;
    let ca = t
        .http
        .get(t.url("/verify/ca.pem"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    let (code, citizen, _, _, _) = approved(&t).await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let r = t
        .http
        .get(t.url(&format!("/my/{code}/notices/receipt")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // The process-control sheet is an internal document.
    let r = t
        .http
        .get(t.url(&format!("/my/{code}/notices/process-control")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // No refusal was issued, so there is no refusal notice.
    let r = t
        .http
        .get(t.url(&format!("/my/{code}/notices/refusal")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Another citizen cannot fetch it.
    let other = t.citizen_cookie(CITIZEN_B).await;
    let r = t
        .http
        .get(t.url(&format!("/my/{code}/notices/receipt")))
        .header("cookie", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let _ = citizen;
}

#[tokio::test]
async fn an_uploaded_result_that_is_not_a_pdf_we_can_sign_is_refused_and_nothing_changes() {
    let t = TestApp::spawn().await;
    let (code, _, clerk, _, _) = approved(&t).await;
    let before = json(t.get(&clerk, &format!("/api/v1/dossiers/{code}")).await).await;
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.7\nnot really a pdf".to_vec())
        .file_name("result.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("action", "issue_result")
        .part("file", part);
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{code}/actions")))
        .bearer_auth(&clerk)
        .multipart(form)
        .send()
        .await
        .unwrap();
    // It does not parse as a PDF, so it is refused before anyone tries to sign it.
    expect_problem(r, 422, "file_unreadable").await;
    let d = json(t.get(&clerk, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["status"], before["status"], "still approved");
    assert_eq!(d["history"], before["history"], "no step recorded");
    assert!(
        d["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["kind"] != "result"),
        "no result: {d}"
    );

    // The uploaded, well-formed PDF is signed as it is.
    let r = t.issue_result(&clerk, &code).await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    let pdf = t
        .get(&clerk, d["documents"][0]["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(
        pdf.starts_with(&sample_pdf()),
        "incremental update keeps the original bytes"
    );
    let checked = check(&t, pdf).await;
    assert_eq!(checked["genuine"], true, "{checked}");
}

async fn revoke(t: &TestApp, id: &str, token: &str, reason: &str) -> reqwest::Response {
    let path = format!("/api/v1/documents/{id}/revoke");
    let body = json!({ "reason": reason });
    t.post_json(token, &path, &body).await
}
