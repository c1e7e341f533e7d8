//! Staff sign-in is not a lever against staff: no lock anyone can trigger, no answer that tells
//! which usernames exist, no sign-in or sign-out posted from another site, and where a second
//! factor is required a password alone opens only the page that sets it up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_app::totp;
use motcua_testkit::*;
use serde_json::{Value, json};

async fn api_sign_in(t: &TestApp, username: &str, password: &str) -> (u16, Value, Option<String>) {
    let r = t
        .http
        .post(t.url("/api/v1/auth/staff"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test]
async fn failed_sign_ins_slow_down_without_locking_or_telling_who_exists() {
    let t = TestApp::spawn().await;
    // The same answers, in the same order, for an existing account and an unknown one.
    for username in ["leader@H31.11341", "nobody@H31.11341"] {
        let mut codes = Vec::new();
        for _ in 0..4 {
            let (status, body, retry) = api_sign_in(&t, username, "wrong password").await;
            codes.push((
                status,
                body["code"].as_str().unwrap().to_owned(),
                retry.is_some(),
            ));
        }
        assert_eq!(
            codes,
            vec![
                (401, "bad_credentials".into(), false),
                (401, "bad_credentials".into(), false),
                (401, "bad_credentials".into(), false),
                (429, "too_many_attempts".into(), true),
            ],
            "{username}"
        );
    }
    // The account was never locked: after the delay the owner signs in with the right password.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body, _) = api_sign_in(&t, "leader@H31.11341", "demo").await;
    assert_eq!(status, 200, "{body}");
    // And nothing was set on the account that would keep it shut.
    let row = motcua_store::entities::staff::Entity::find_by_id("leader@H31.11341".to_owned())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.locked_until, None);
}

use motcua_store::sea_orm::EntityTrait;

#[tokio::test]
async fn sign_in_and_sign_out_forms_refuse_other_sites() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", "http://evil.example")
        .form(&[("username", "leader@H31.11341"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", "leader@H31.11341"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let cookie = t.staff_cookie("leader@H31.11341").await;
    let r = t
        .http
        .post(t.url("/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    expect_problem(r, 403, "cross_site_request").await;
    let (status, _) = t.page(&cookie, "/staff").await;
    assert_eq!(status, 200);
    let (status, html) = t.page(&cookie, "/staff").await;
    assert!(
        status == 200 && html.contains(&motcua_app::org::demo_person_name("leader@H31.11341")),
        "still signed in"
    );
}

#[tokio::test]
async fn where_a_second_factor_is_required_a_password_only_opens_its_enrolment() {
    let t = TestApp::spawn_configured("2026-11-17T02:00:00Z".parse().unwrap(), |app| {
        app.staff_totp_required = true;
    })
    .await;
    // The API refuses a password-only sign-in outright.
    let (status, body, _) = api_sign_in(&t, "clerk@H31.11341", "demo").await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "totp_enrollment_required");

    // The sign-in form leads to the enrolment page, and nowhere else.
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", "clerk@H31.11341"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/security");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for path in ["/api/v1/me", "/api/v1/dossiers"] {
        let r = t
            .http
            .get(t.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let (_, html) = t.page(&cookie, "/staff").await;
    assert!(
        !html.contains(&motcua_app::org::demo_person_name("clerk@H31.11341")),
        "the queues stay closed"
    );
    let (status, html) = t.page(&cookie, "/staff/security").await;
    assert_eq!(status, 200);
    let secret = html
        .split("name=\"secret\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    // The authenticator's camera reads the same account and key as the form sends (issue 17).
    let uri = totp::otpauth_uri("motcua", "clerk@H31.11341", &secret);
    let qr = motcua_documents::qr::Matrix::encode(&uri).unwrap();
    assert!(
        html.contains(&qr.svg(192, "Mã QR để thêm tài khoản vào ứng dụng xác thực")),
        "the enrolment page shows the key as a QR code"
    );
    let key = totp::base32_decode(&secret).unwrap();
    let code = |at: i64| format!("{:06}", totp::code_at(&key, totp::step_of(at)).unwrap());
    let now = t.app.now().timestamp();
    let (status, location, _) = t
        .submit_fields(
            &cookie,
            "/staff/security",
            &[("secret", &secret), ("code", &code(now))],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/staff?enrolled=1");
    // The enrolment session is spent; signing in now takes the code.
    let (status, _) = t.page(&cookie, "/staff/security").await;
    assert_ne!(status, 200);
    t.clock.set(t.app.now() + chrono::Duration::seconds(30));
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[
            ("username", "clerk@H31.11341"),
            ("password", "demo"),
            ("code", code(t.app.now().timestamp()).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff");
}

#[tokio::test]
async fn personal_responses_are_never_cached_and_hsts_only_over_https() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for path in ["/api/v1/me", "/api/v1/dossiers", "/my", "/"] {
        let r = t.get(&citizen, path).await;
        assert_eq!(
            r.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "{path}"
        );
    }
    let cookie = t.staff_cookie("officer@H31.11341").await;
    let r = t
        .http
        .get(t.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    // The stylesheet keeps its long cache.
    let r = t.http.get(t.url("/static/site.css")).send().await.unwrap();
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );

    // Served at an https public URL: HSTS on every response, and Secure cookies.
    let t = TestApp::spawn_configured("2026-11-17T02:00:00Z".parse().unwrap(), |app| {
        app.public_url = "https://dichvucong.example.gov.vn".into();
    })
    .await;
    let r = t.http.get(t.url("/")).send().await.unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", "leader@H31.11341"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    let set = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(set.contains("; secure"), "{set}");
}
