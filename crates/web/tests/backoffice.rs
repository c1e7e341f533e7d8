//! The back office in plain HTML: staff sign in, see their queues, and take a dossier from receipt to
//! return with the action forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

async fn staff_cookie(t: &TestApp, username: &str) -> String {
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", username), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login {username}");
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn page(t: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let r = t
        .http
        .get(t.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn act(
    t: &TestApp,
    cookie: &str,
    code: &str,
    fields: &[(&str, &str)],
    file: bool,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if file {
        let part = reqwest::multipart::Part::bytes(sample_pdf())
            .file_name("ket-qua.pdf")
            .mime_str("application/pdf")
            .unwrap();
        form = form.part("file", part);
    }
    let r = t
        .http
        .post(t.url(&format!("/staff/dossiers/{code}/act")))
        .header("cookie", cookie)
        .header("origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn staff_take_a_dossier_from_receipt_to_return_in_the_browser_pages() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;

    // Wrong password: a clear message, no session.
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", "officer@H31.11341"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Tên đăng nhập hoặc mật khẩu không đúng")
    );

    let officer = staff_cookie(&t, &format!("officer@{AGENCY_A}")).await;
    let (status, html) = page(&t, &officer, "/staff").await;
    assert_eq!(status, 200);
    let to_receive = html
        .split("id=\"q-receive\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        to_receive.contains(&code),
        "the new online dossier waits in 'to receive'"
    );
    assert!(
        to_receive.contains("còn 8.0 giờ làm việc"),
        "with its 8-working-hour receipt limit"
    );

    let (_, html) = page(&t, &officer, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains("value=\"receive\"") && html.contains("value=\"refuse\""));
    assert!(
        !html.contains("value=\"approve\""),
        "an officer is not offered approval"
    );
    assert!(
        html.contains("Nguyễn Minh Khang"),
        "the form is shown inline"
    );
    // Refusing without a reason is refused, and says why.
    let (status, html) = act(&t, &officer, &code, &[("action", "refuse")], false).await;
    assert_eq!(status, 422);
    assert!(html.contains("Thiếu thông tin"));
    assert_eq!(
        act(&t, &officer, &code, &[("action", "receive")], false)
            .await
            .0,
        303
    );

    let leader = staff_cookie(&t, &format!("leader@{AGENCY_A}")).await;
    let (_, html) = page(&t, &leader, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains(&format!("<option value=\"specialist@{AGENCY_A}\">")));
    let spec = format!("specialist@{AGENCY_A}");
    assert_eq!(
        act(
            &t,
            &leader,
            &code,
            &[("action", "assign"), ("assignee", spec.as_str())],
            false
        )
        .await
        .0,
        303
    );

    let specialist = staff_cookie(&t, &spec).await;
    let (_, html) = page(&t, &specialist, "/staff").await;
    assert!(
        html.split("id=\"q-assigned\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    assert_eq!(
        act(&t, &specialist, &code, &[("action", "approve")], false)
            .await
            .0,
        403,
        "a specialist cannot approve"
    );
    assert_eq!(
        act(&t, &specialist, &code, &[("action", "forward")], false)
            .await
            .0,
        303
    );

    let (_, html) = page(&t, &leader, "/staff").await;
    assert!(
        html.split("id=\"q-review\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    assert_eq!(
        act(&t, &leader, &code, &[("action", "approve")], false)
            .await
            .0,
        303
    );

    let clerk = staff_cookie(&t, &format!("clerk@{AGENCY_A}")).await;
    assert_eq!(
        act(&t, &clerk, &code, &[("action", "issue_result")], false)
            .await
            .0,
        422,
        "the result file is required"
    );
    assert_eq!(
        act(&t, &clerk, &code, &[("action", "issue_result")], true)
            .await
            .0,
        303
    );

    let (_, html) = page(&t, &officer, "/staff").await;
    assert!(
        html.split("id=\"q-return\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    assert_eq!(
        act(&t, &officer, &code, &[("action", "return_result")], false)
            .await
            .0,
        303
    );
    let (_, html) = page(&t, &officer, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains("Đã trả kết quả"));

    // An officer of another commune sees nothing.
    let other = staff_cookie(&t, &format!("officer@{AGENCY_B}")).await;
    assert_eq!(
        page(&t, &other, &format!("/staff/dossiers/{code}")).await.0,
        404
    );
    assert!(!page(&t, &other, "/staff").await.1.contains(&code));
}
