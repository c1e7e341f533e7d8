//! Notification pages: a person's settings, the dossier page's list of what was sent, and the
//! operator's delivery queue with its retry button.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeDelta;
use motcua_store::entities::outbox_job;
use motcua_store::outbox::{self, DEAD, NewJob};
use motcua_store::sea_orm::EntityTrait;
use motcua_testkit::*;
use serde_json::json;

#[tokio::test]
async fn a_citizen_chooses_how_to_be_told_and_bad_addresses_are_refused_in_their_language() {
    let t = TestApp::spawn().await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, body) = t.page(&cookie, "/my/settings").await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"name="email""#) && body.contains(r#"name="sms_on""#));

    let (status, _, body) = t
        .submit_fields(
            &cookie,
            "/my/settings",
            &[
                ("email", "khong-phai-thu"),
                ("phone", "123"),
                ("lang", "vi"),
                ("email_on", "1"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("Địa chỉ thư điện tử không hợp lệ"), "{body}");
    assert!(body.contains("Số điện thoại không hợp lệ"));
    assert!(body.contains(r#"aria-invalid="true""#));
    // The same mistake in English, for a reader of English.
    let (status, _, body) = t
        .submit_fields(
            &cookie,
            "/my/settings?lang=en",
            &[("email", "not-an-address"), ("lang", "en")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("The email address is not valid"), "{body}");

    let (status, location, _) = t
        .submit_fields(
            &cookie,
            "/my/settings",
            &[
                ("email", "an@example.vn"),
                ("phone", "+84 912 345 678"),
                ("lang", "en"),
                ("email_on", "1"),
            ],
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/my/settings?saved=1"));
    let (_, body) = t.page(&cookie, "/my/settings?saved=1").await;
    assert!(body.contains(r#"value="an@example.vn""#));
    // Stored in domestic form; SMS left unticked means off.
    assert!(body.contains(r#"value="0912345678""#));
    assert!(!body.contains(r#"name="sms_on" value="1" checked"#));
    assert!(body.contains(r#"value="en" checked"#));

    // Signed out: to the login, and back here after it.
    let r = t.http.get(t.url("/my/settings")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/auth/login?return_to=%2Fmy%2Fsettings")
    );
    // A cross-site form post changes nothing.
    let r = t
        .http
        .post(t.url("/my/settings"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&[("email", "attacker@evil.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, body) = t.page(&cookie, "/my/settings").await;
    assert!(body.contains(r#"value="an@example.vn""#));
}

#[tokio::test]
async fn the_dossier_pages_show_what_was_sent_and_when() {
    let t = TestApp::spawn().await;
    let email = Recorder::up();
    let sms = Recorder::up();
    let w = t.worker(&email, &sms);
    let token = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&token).await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (_, body) = t.page(&cookie, &format!("/my/{code}")).await;
    assert!(
        body.contains("Chưa có thông báo nào"),
        "nothing sent before the worker ran"
    );
    drain(&w).await;
    let (_, body) = t.page(&cookie, &format!("/my/{code}")).await;
    assert!(body.contains("Thông báo đã gửi"));
    assert!(body.contains("Xác nhận đã nộp hồ sơ") && body.contains("Tin nhắn SMS"));
    // The applicant sees their own number; staff see it masked.
    assert!(body.contains("0912345678"), "{body}");
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (_, body) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    // (Staff read the number in the form itself; the list of messages does not repeat it.)
    let sent = body.split("<table class=\"sent\">").nth(1).unwrap();
    assert!(
        sent.contains("091****678") && !sent.contains("0912345678"),
        "{sent}"
    );
}

#[tokio::test]
async fn the_operator_sees_parked_jobs_and_retries_them() {
    let t = TestApp::spawn().await;
    let now = t.app.now();
    let mut job = NewJob::now("message.deliver", json!({ "message": "gone" }), now);
    job.max_attempts = 1;
    let id = outbox::enqueue(&t.app.db, job, now).await.unwrap().unwrap();
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    assert_eq!(
        outbox::get(&t.app.db, &id).await.unwrap().unwrap().status,
        DEAD
    );

    let operator = t.staff_cookie("admin@H31").await;
    let (status, body) = t.page(&operator, "/staff/outbox").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("message.deliver") && body.contains("message gone is gone"),
        "{body}"
    );
    // A commune's administrator runs their agency, not the deployment.
    let commune_admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let (status, _) = t.page(&commune_admin, "/staff/outbox").await;
    assert_eq!(status, 403);
    let (status, _, _) = t
        .submit(
            &commune_admin,
            &format!("/staff/outbox/{id}/retry"),
            String::new(),
        )
        .await;
    assert_eq!(status, 403);

    let (status, location, _) = t
        .submit(
            &operator,
            &format!("/staff/outbox/{id}/retry"),
            String::new(),
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/staff/outbox"));
    let j: outbox_job::Model = outbox_job::Entity::find_by_id(id.clone())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((j.status.as_str(), j.attempts), ("pending", 0));
    // Pressed twice (two tabs): a clear message, not an error page.
    let (status, _, body) = t
        .submit(
            &operator,
            &format!("/staff/outbox/{id}/retry"),
            String::new(),
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.contains("không ở trạng thái dừng"));
    t.clock.set(now + TimeDelta::minutes(1));
}
