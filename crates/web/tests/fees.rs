//! Fees are computed from the form and shown before submitting, after it and on the dossier pages;
//! a free application says so. (The rules themselves are tested in `motcua-domain`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

async fn draft(t: &TestApp, token: &str, procedure: &str, form: Value) -> String {
    let r = t
        .post_json(
            token,
            "/api/v1/dossiers",
            &json!({ "procedure": procedure }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    let r = t
        .put_json(token, &format!("/api/v1/dossiers/{code}/form"), &form)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    code
}

#[tokio::test]
async fn the_criminal_record_certificate_costs_what_its_form_says() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = draft(
        &t,
        &token,
        "3.000333",
        json!({ "so_luong": 5, "doi_tuong_nop_phi": "thong_thuong" }),
    )
    .await;
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(v["fees"]["total"], 215_000, "{}", v["fees"]);
    let lines = v["fees"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[1]["quantity"].as_u64(), lines[1]["amount"].as_i64()),
        (Some(3), Some(15_000))
    );

    // Answer again: a student pays the reduced fee; the quote follows the form, never a typed sum.
    let r = t
        .put_json(
            &token,
            &format!("/api/v1/dossiers/{code}/form"),
            &json!({ "so_luong": 1, "doi_tuong_nop_phi": "sinh_vien" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(v["fees"]["total"], 100_000);

    // The check page shows the lines and the total before submitting, in the reader's language.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, body) = t.page(&cookie, &format!("/my/{code}/check")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Phí, lệ phí") && body.contains("100.000\u{a0}đ"),
        "{body}"
    );
    let (_, body) = t.page(&cookie, &format!("/my/{code}/check?lang=en")).await;
    assert!(body.contains("100,000\u{a0}VND"), "{body}");
}

#[tokio::test]
async fn a_free_application_says_so_everywhere() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    // Birth registered within 60 days: free (Law on Civil Status Art. 11).
    let code = t.submitted_birth_registration(&token).await;
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(v["fees"]["total"], 0);
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    for path in [format!("/my/{code}/done"), format!("/my/{code}")] {
        let (_, body) = t.page(&cookie, &path).await;
        assert!(body.contains("Miễn phí"), "{path}: {body}");
    }
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (_, body) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert!(body.contains("Miễn phí"));
}
