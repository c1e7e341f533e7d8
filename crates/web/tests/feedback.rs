//! Feedback and recommendations over HTTP: the API's shapes and refusals (problem+json in both
//! languages), what the public view leaves out, the public page with its form (without
//! JavaScript, errors per field in the user's language), the sender's page with their key, and
//! the agency's list and action pages (staff of another agency cannot act).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

async fn post_feedback(t: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut req = t.http.post(t.url("/api/v1/feedback")).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

async fn get_feedback(t: &TestApp, token: Option<&str>, code: &str) -> reqwest::Response {
    let mut req = t.http.get(t.url(&format!("/api/v1/feedback/{code}")));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

fn anonymous_body() -> Value {
    json!({
        "kind": "complaint",
        "content": "Bộ phận một cửa phường không niêm yết lệ phí khai sinh.",
        "agency": AGENCY_A,
        "officer": "Chị Hoa, quầy 2",
        "contact": { "name": "Lê Văn Cường", "email": "cuong@example.vn", "phone": "0903 111 222" }
    })
}

/// A page GET without a session (the public, or a sender with their key).
async fn page(t: &TestApp, path: &str) -> (u16, String) {
    let r = t.http.get(t.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// An anonymous form POST: (status, Location, body).
async fn post_form(t: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let r = t.http.post(t.url(path)).form(fields).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

#[tokio::test]
async fn the_api_answers_201_with_the_code_status_and_due_date() {
    // Friday 24/4/2026 10:00, before Hùng Kings' day (Mon 27/4) and 30/4–1/5.
    let t = TestApp::spawn_at("2026-04-24T03:00:00Z".parse().unwrap()).await;
    let r = post_feedback(&t, None, &anonymous_body()).await;
    assert_eq!(r.status(), 201);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = json(r).await;
    assert_eq!(
        body,
        json!({ "code": "PAKN-260424-0001", "status": "received", "due_at": "2026-05-20T03:00:00Z" })
    );
    // A signed-in citizen needs no contact details.
    let citizen = t.citizen_token(CITIZEN_A).await;
    let r = post_feedback(
        &t,
        Some(&citizen),
        &json!({ "kind": "recommendation", "content": "Nên gửi tin nhắn khi hồ sơ sắp đến hạn." }),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(json(r).await["code"], "PAKN-260424-0002");
}

#[tokio::test]
async fn bad_input_is_422_with_messages_in_both_languages() {
    let t = TestApp::spawn().await;
    let r = post_feedback(
        &t,
        None,
        &json!({ "kind": "praise", "content": "ngắn", "contact": { "email": "x@", "phone": "12" } }),
    )
    .await;
    let p = expect_problem(r, 422, "invalid_form").await;
    let errors = p["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["kind", "content", "contact.email", "contact.phone"]
    );
    for e in errors {
        assert!(!e["message_vi"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["message_en"].as_str().unwrap().is_empty(), "{e}");
    }
    assert!(p["message_vi"].as_str().unwrap().contains("hợp lệ"), "{p}");
    assert!(p["message_en"].as_str().unwrap().contains("fixing"), "{p}");
    let content = &errors[1];
    assert!(content["message_vi"].as_str().unwrap().contains("10 ký tự"));
    assert!(
        content["message_en"]
            .as_str()
            .unwrap()
            .contains("10 characters")
    );

    // Without signing in, some way to reach the sender is required.
    let r = post_feedback(
        &t,
        None,
        &json!({ "kind": "complaint", "content": "Nội dung đủ dài để gửi đi." }),
    )
    .await;
    let p = expect_problem(r, 422, "invalid_form").await;
    assert_eq!(p["errors"][0]["field"], "contact");
    // Unknown fields, wrong shapes and wrong media types are refused before anything is written.
    let r = post_feedback(
        &t,
        None,
        &json!({ "kind": "complaint", "content": "Nội dung đủ dài để gửi đi.", "email": "a@b.vn" }),
    )
    .await;
    expect_problem(r, 422, "invalid_body").await;
    let r = t
        .http
        .post(t.url("/api/v1/feedback"))
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "malformed_json").await;
    let r = t
        .http
        .post(t.url("/api/v1/feedback"))
        .header("content-type", "text/plain")
        .body(anonymous_body().to_string())
        .send()
        .await
        .unwrap();
    expect_problem(r, 415, "unsupported_media_type").await;
    let r = post_feedback(&t, None, &json!({ "kind": "complaint", "content": "Mã hồ sơ không có thật.", "dossier": "H31.11341-261117-9999", "contact": { "phone": "0903111222" } })).await;
    let p = expect_problem(r, 422, "invalid_form").await;
    assert_eq!(p["errors"][0]["field"], "dossier");
    // Unknown codes are 404 problems.
    let r = get_feedback(&t, None, "PAKN-261117-0001").await;
    expect_problem(r, 404, "not_found").await;
}

#[tokio::test]
async fn contact_details_are_never_in_the_public_view() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = json(
        post_feedback(
            &t,
            Some(&citizen),
            &json!({
                "kind": "complaint",
                "content": "Cán bộ yêu cầu bản sao chứng thực không có trong danh mục.",
                "agency": AGENCY_A,
                "officer": "Anh Tùng",
                "contact": { "email": "an@example.vn", "phone": "0912345678" }
            }),
        )
        .await,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let public = json(get_feedback(&t, None, &code).await).await;
    assert_eq!(public["view"], "public");
    assert_eq!(public["status"], "received");
    assert_eq!(public["agency"]["code"], AGENCY_A);
    for k in [
        "contact", "officer", "content", "dossier", "answer", "rating",
    ] {
        assert_eq!(public[k], Value::Null, "{k}");
    }
    let text = public.to_string();
    for private in ["an@example.vn", "0912345678", "Anh Tùng", "chứng thực"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // Its sender and the agency see everything; another citizen and another agency do not.
    let mine = json(get_feedback(&t, Some(&citizen), &code).await).await;
    assert_eq!(mine["view"], "submitter");
    assert_eq!(mine["contact"]["email"], "an@example.vn");
    assert_eq!(mine["officer"], "Anh Tùng");
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let theirs = json(get_feedback(&t, Some(&officer), &code).await).await;
    assert_eq!(theirs["view"], "staff");
    assert_eq!(theirs["contact"]["phone"], "0912345678");
    for other in [
        t.citizen_token(CITIZEN_B).await,
        t.staff_token(&format!("leader@{AGENCY_B}")).await,
    ] {
        let v = json(get_feedback(&t, Some(&other), &code).await).await;
        assert_eq!(v["view"], "public");
        assert_eq!(v["contact"], Value::Null);
    }
    // The public page leaves them out too.
    let (status, html) = page(&t, &format!("/phan-anh/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&code));
    for private in ["an@example.vn", "0912345678", "Anh Tùng"] {
        assert!(!html.contains(private), "{private} on the public page");
    }
}

#[tokio::test]
async fn the_form_works_without_javascript_and_speaks_the_users_language() {
    let t = TestApp::spawn().await;
    let (status, html) = page(&t, "/phan-anh").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<form method="post" action="/phan-anh""#));
    assert!(html.contains(r#"<label for="content">"#));
    assert!(html.contains(r#"<textarea id="content" name="content""#));
    assert!(html.contains("Chưa có câu trả lời nào được công khai."));
    assert!(
        html.contains(r#"<a href="/phan-anh">"#),
        "linked from the navigation"
    );

    // Refused per field, in Vietnamese by default, with what was typed kept.
    let (status, _, html) = post_form(
        &t,
        "/phan-anh",
        &[("kind", "complaint"), ("content", "ngắn"), ("email", "x@")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains(r#"id="content-error""#), "{html}");
    assert!(html.contains("ít nhất 10 ký tự"));
    assert!(html.contains(r#"id="email-error""#));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(
        html.contains(r##"href="#content""##),
        "the summary links to the field"
    );
    assert!(html.contains(">ngắn</textarea>"));
    // And in English.
    let (status, _, html) = post_form(
        &t,
        "/phan-anh?lang=en",
        &[("kind", ""), ("content", "Long enough to be sent.")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Choose the kind"), "{html}");
    assert!(html.contains("Give an email address or a phone number"));

    // Sent: on to the item's page with the sender's key, which lets them come back.
    let (status, location, _) = post_form(
        &t,
        "/phan-anh",
        &[
            ("kind", "recommendation"),
            ("content", "Nên cho đặt lịch hẹn trước qua cổng."),
            ("agency", AGENCY_A),
            ("phone", "0903 111 222"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/phan-anh/PAKN-261117-0001?sent=1&k="),
        "{location}"
    );
    let (status, html) = page(&t, &location).await;
    assert_eq!(status, 200);
    assert!(html.contains("PAKN-261117-0001"));
    assert!(html.contains("Hãy lưu địa chỉ trang này"));
    assert!(
        html.contains("Nên cho đặt lịch hẹn trước qua cổng."),
        "the sender sees it"
    );
}

#[tokio::test]
async fn the_agency_lists_answers_and_publishes_and_others_cannot_act() {
    let t = TestApp::spawn().await;
    let (_, location, _) = post_form(
        &t,
        "/phan-anh",
        &[
            ("kind", "complaint"),
            ("content", "Quầy số 2 đóng cửa sớm hơn giờ niêm yết."),
            ("agency", AGENCY_A),
            ("email", "khach@example.vn"),
        ],
    )
    .await;
    let code = location
        .trim_start_matches("/phan-anh/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let key = location.split("k=").nth(1).unwrap().to_owned();

    // The agency's list, by answer date; overdue once the date has passed.
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, html) = t.page(&officer, "/staff/feedback").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/staff/feedback/{code}")), "{html}");
    assert!(!html.contains("class=\"late\""));
    // Due Wednesday 9/12 09:00 (15 working days; 24/11 is Culture Day); a fresh session then.
    t.clock.set("2026-12-09T02:01:00Z".parse().unwrap());
    let later = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (_, html) = t.page(&later, "/staff/feedback").await;
    assert!(html.contains("class=\"late\""), "overdue is highlighted");
    t.clock.set("2026-11-17T03:00:00Z".parse().unwrap());

    // Another agency's leader cannot see the page nor act; nothing changes.
    let other = t.staff_cookie(&format!("leader@{AGENCY_B}")).await;
    let (status, _) = t.page(&other, &format!("/staff/feedback/{code}")).await;
    assert_eq!(status, 404);
    let (status, _, _) = t
        .submit_fields(
            &other,
            &format!("/staff/feedback/{code}/act"),
            &[
                ("action", "answer"),
                ("text", "Không phải việc của chúng tôi."),
            ],
        )
        .await;
    assert_ne!(status, 303);
    let (_, html) = t.page(&other, "/staff/feedback").await;
    assert!(!html.contains(&code));

    // The officer asks for details; an empty request is refused on its field.
    let (status, html) = t.page(&officer, &format!("/staff/feedback/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("khach@example.vn"), "staff see the contact");
    assert!(html.contains(r#"value="answer""#) && html.contains(r#"value="request_details""#));
    assert!(
        !html.contains(r#"value="publish""#),
        "only the leader publishes"
    );
    let (status, _, html) = t
        .submit_fields(
            &officer,
            &format!("/staff/feedback/{code}/act"),
            &[("action", "request_details"), ("text", " ")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains(r#"id="request-error""#), "{html}");
    let (status, location, _) = t
        .submit_fields(
            &officer,
            &format!("/staff/feedback/{code}/act"),
            &[
                ("action", "request_details"),
                ("text", "Ông/Bà đến lúc mấy giờ?"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/staff/feedback/{code}").as_str())
    );

    // The sender answers with their key (a wrong key cannot).
    let (status, _, _) = post_form(
        &t,
        &format!("/phan-anh/{code}/details"),
        &[("k", "wrong"), ("details", "Lúc 16 giờ.")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, html) = page(&t, &format!("/phan-anh/{code}?k={key}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ông/Bà đến lúc mấy giờ?"));
    assert!(html.contains(r#"action="/phan-anh/"#) && html.contains("/details\""));
    let (status, location, _) = post_form(
        &t,
        &format!("/phan-anh/{code}/details"),
        &[("k", &key), ("details", "Lúc 16 giờ thứ Ba.")],
    )
    .await;
    assert_eq!(status, 303, "{location}");

    // Answer, then the leader publishes.
    let (status, _, _) = t
        .submit_fields(
            &officer,
            &format!("/staff/feedback/{code}/act"),
            &[
                ("action", "answer"),
                ("text", "Phường đã nhắc nhở quầy số 2 mở cửa đúng giờ."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    let (_, html) = t.page(&leader, "/staff/feedback").await;
    assert!(html.contains(&code), "waiting to be published");
    let (status, _, _) = t
        .submit_fields(
            &leader,
            &format!("/staff/feedback/{code}/act"),
            &[("action", "publish")],
        )
        .await;
    assert_eq!(status, 303);

    // The public page lists the answer, without the sender.
    let (status, html) = page(&t, "/phan-anh").await;
    assert_eq!(status, 200);
    assert!(html.contains("Phường đã nhắc nhở quầy số 2 mở cửa đúng giờ."));
    assert!(html.contains("Quầy số 2 đóng cửa sớm hơn giờ niêm yết."));
    assert!(!html.contains("khach@example.vn"));
    let (_, html) = page(&t, "/phan-anh?lang=en").await;
    assert!(html.contains("Published answers"));

    // The sender rates it once.
    let (status, _, _) = post_form(
        &t,
        &format!("/phan-anh/{code}/rate"),
        &[("k", &key), ("rating", "")],
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = post_form(
        &t,
        &format!("/phan-anh/{code}/rate"),
        &[("k", &key), ("rating", "satisfied")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, _) = post_form(
        &t,
        &format!("/phan-anh/{code}/rate"),
        &[("k", &key), ("rating", "satisfied")],
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn sending_and_looking_up_are_limited_per_address() {
    let t = TestApp::spawn().await;
    let mut limited = None;
    for _ in 0..40 {
        let r = get_feedback(&t, None, "PAKN-261117-0001").await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), 404);
    }
    let r = limited.expect("the lookup limit answered");
    assert!(r.headers().contains_key("retry-after"));
    expect_problem(r, 429, "too_many_requests").await;
    let r = post_feedback(&t, None, &anonymous_body()).await;
    expect_problem(r, 429, "too_many_requests").await;
}
