//! Assisted submission with consent (issue 15 item 6): a community digital team member applies for
//! a citizen after the citizen reads out the one-time code texted to their registered phone; the
//! dossier is the citizen's, records who assisted and the consent, and the helper loses access once
//! it is submitted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

const HELPER: &str = "digital_team@H31.11341";

/// The code in the last consent SMS sent to `phone`.
fn code_sent_to(sms: &Recorder, phone: &str) -> String {
    let m = sms
        .sent()
        .into_iter()
        .rfind(|m| m.to == phone && m.body.starts_with("Ma xac nhan "))
        .expect("a consent SMS");
    m.body
        .trim_start_matches("Ma xac nhan ")
        .chars()
        .take(6)
        .collect()
}

#[tokio::test]
async fn a_digital_team_member_applies_for_a_citizen_with_their_consent_and_then_sees_nothing() {
    let t = TestApp::spawn().await;
    let email = Recorder::up();
    let sms = Recorder::up();
    let w = t.worker(&email, &sms);
    // The citizen has signed in once: the state has their phone.
    let citizen = t.citizen_token(CITIZEN_A).await;
    let helper = t.staff_cookie(HELPER).await;

    // Only the team: an officer is refused.
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, _, _) = t
        .submit_fields(
            &officer,
            "/staff/assist",
            &[("citizen_id", CITIZEN_A), ("procedure", "1.001193")],
        )
        .await;
    assert_eq!(status, 403);

    let (status, consent, _) = t
        .submit_fields(
            &helper,
            "/staff/assist",
            &[("citizen_id", CITIZEN_A), ("procedure", "1.001193")],
        )
        .await;
    assert_eq!(status, 303);
    assert!(consent.starts_with("/staff/consent/"), "{consent}");
    drain(&w).await;
    let code = code_sent_to(&sms, "0912345678");
    assert_eq!(code.len(), 6, "{code}");
    let (_, page) = t.page(&helper, &consent).await;
    assert!(
        page.contains("091****678"),
        "the phone is shown masked: {page}"
    );

    // A wrong code is refused and counted; the right one starts the citizen's draft.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, _, html) = t.submit_fields(&helper, &consent, &[("code", wrong)]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Mã xác nhận không đúng"), "{html}");
    let (status, form, _) = t.submit_fields(&helper, &consent, &[("code", &code)]).await;
    assert_eq!(status, 303);
    assert!(
        form.starts_with("/staff/assist/NHAP-") && form.ends_with("/form"),
        "{form}"
    );
    let draft = form
        .trim_start_matches("/staff/assist/")
        .trim_end_matches("/form")
        .to_owned();
    // The code is spent.
    let (status, _, _) = t.submit_fields(&helper, &consent, &[("code", &code)]).await;
    assert_eq!(status, 409);

    // The helper fills it in through the apply pages (prefilled for the citizen) and the API.
    let (status, html) = t.page(&helper, &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"Nguyễn Văn An\""), "{html}");
    let helper_token = t.staff_token(HELPER).await;
    let r = t
        .put_json(
            &helper_token,
            &format!("/api/v1/dossiers/{draft}/form"),
            &birth_form(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .upload(
            &helper_token,
            &draft,
            "giay_chung_sinh",
            "gcs.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    // The citizen sees the draft in their own account, with who is helping.
    let d = json(t.get(&citizen, &format!("/api/v1/dossiers/{draft}")).await).await;
    assert_eq!(d["assisted_by"], HELPER);
    assert!(t.dossier_codes(&citizen).await.contains(&draft));

    let (status, done, _) = t
        .submit_fields(
            &helper,
            &format!("/staff/assist/{draft}/submit"),
            &[("idem", "assist-1")],
        )
        .await;
    assert_eq!(status, 303);
    let official = done
        .split("submitted=")
        .nth(1)
        .expect("the code on the helper's page")
        .to_owned();
    let (_, html) = t.page(&helper, &done).await;
    assert!(html.contains(&official));

    // Submitted: the helper sees nothing of it any more; the citizen owns it.
    let r = t
        .get(&helper_token, &format!("/api/v1/dossiers/{official}"))
        .await;
    assert_eq!(r.status(), 404);
    let (status, _) = t
        .page(&helper, &format!("/staff/assist/{official}/form"))
        .await;
    assert_eq!(status, 404);
    let d = json(
        t.get(&citizen, &format!("/api/v1/dossiers/{official}"))
            .await,
    )
    .await;
    assert_eq!(d["status"], 1);
    assert_eq!(d["assisted_by"], HELPER);
    // Audited: who assisted, with which consent; and the request is in the citizen's access log.
    let actions: Vec<(String, String)> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap().to_owned(),
                h["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // (The citizen's view names staff by role; the agency's audit trail has the username.)
    assert!(
        actions.contains(&("assist".into(), "digital_team".into())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("submit".into(), "digital_team".into())),
        "{actions:?}"
    );
    let log = json(t.get(&citizen, "/api/v1/me/access-log").await).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["purpose"] == "assist.request" && e["actor"] == format!("staff:{HELPER}")),
        "{log}"
    );
}

#[tokio::test]
async fn five_wrong_codes_void_the_request_and_a_stranger_has_no_phone_to_text() {
    let t = TestApp::spawn().await;
    let _ = t.citizen_token(CITIZEN_B).await;
    let helper = t.staff_cookie(HELPER).await;
    let (_, consent, _) = t
        .submit_fields(
            &helper,
            "/staff/assist",
            &[("citizen_id", CITIZEN_B), ("procedure", "1.001193")],
        )
        .await;
    for _ in 0..5 {
        let (status, _, _) = t
            .submit_fields(&helper, &consent, &[("code", "not-it")])
            .await;
        assert_eq!(status, 422);
    }
    let (status, _, html) = t
        .submit_fields(&helper, &consent, &[("code", "123456")])
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("Nhập sai quá nhiều lần"), "{html}");
    // Another helper cannot use this request.
    let other = t.staff_cookie("digital_team@H31.11383").await;
    let (status, _) = t.page(&other, &consent).await;
    assert_eq!(status, 404);
    // Someone the state has no phone for is not texted at a number the helper types.
    let (status, _, html) = t
        .submit_fields(
            &helper,
            "/staff/assist",
            &[("citizen_id", "031099000123"), ("procedure", "1.001193")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("chưa có số điện thoại"), "{html}");
    // Nobody's phone is flooded: three codes an hour per person, whoever asks.
    for expected in [303, 303, 429] {
        let (status, _, _) = t
            .submit_fields(
                &other,
                "/staff/assist",
                &[("citizen_id", CITIZEN_B), ("procedure", "1.001193")],
            )
            .await;
        assert_eq!(status, expected);
    }
}
