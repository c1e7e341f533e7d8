//! The public HTML pages: search without diacritics, procedure page, tracking, language switch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

async fn page(t: &TestApp, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = t.http.get(t.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap(), headers)
}

/// No translation key may leak into a page as raw text.
fn assert_no_raw_keys(html: &str) {
    for prefix in [
        "level.", "online.", "status.", "proc.", "search.", "track.", "site.", "nav.", "home.",
        "error.",
    ] {
        assert!(
            !html.contains(&format!(">{prefix}")),
            "raw key {prefix}… in page"
        );
    }
}

#[tokio::test]
async fn home_is_vietnamese_by_default_and_switches_to_english() {
    let t = TestApp::spawn().await;
    let (status, html, _) = page(&t, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="vi">"#));
    assert!(html.contains("Sinh con") && html.contains("/search?event=birth"));
    assert!(html.contains(r#"href="/static/site.css?v="#));
    assert!(html.len() < 60 * 1024, "home page is {} bytes", html.len());
    assert_no_raw_keys(&html);
    let (_, html_en, headers) = page(&t, "/?lang=en").await;
    assert!(html_en.contains(r#"<html lang="en">"#));
    assert!(html_en.contains("Having a baby"));
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    // The choice sticks through the cookie.
    let r = t
        .http
        .get(t.url("/search"))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn search_without_diacritics_and_with_a_typo_finds_birth_registration_first() {
    let t = TestApp::spawn().await;
    for q in [
        "dang+ky+khai+sinh",
        "dang+ky+khai+sihn",
        "%C4%91%C4%83ng+k%C3%BD+khai+sinh",
    ] {
        let (status, html, _) = page(&t, &format!("/search?q={q}")).await;
        assert_eq!(status, 200);
        let first = html
            .split("<ol class=\"results\">")
            .nth(1)
            .expect("results list");
        let first_link = first
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(first_link, "/procedures/1.001193", "query {q}");
        assert_no_raw_keys(&html);
    }
    let (_, html, _) = page(&t, "/search?q=zzzz+qqqq").await;
    assert!(html.contains("Không tìm thấy thủ tục phù hợp"));
}

#[tokio::test]
async fn filters_narrow_by_level_online_level_and_life_event() {
    let t = TestApp::spawn().await;
    let (_, all, _) = page(&t, "/search").await;
    let (_, province, _) = page(&t, "/search?level=province").await;
    let count = |html: &str| html.matches("href=\"/procedures/").count();
    assert_eq!(count(&all), 26);
    assert_eq!(count(&province), 7);
    assert!(!province.contains("/procedures/1.001193"));
    let (_, births, _) = page(&t, "/search?event=birth").await;
    assert_eq!(count(&births), 3);
    let (_, counter_only, _) = page(&t, "/search?online=none").await;
    assert_eq!(count(&counter_only), 1);
    assert!(counter_only.contains("/procedures/2.000815"));
}

#[tokio::test]
async fn procedure_page_shows_components_fees_time_and_legal_basis() {
    let t = TestApp::spawn().await;
    let (status, html, _) = page(&t, "/procedures/1.001193").await;
    assert_eq!(status, 200);
    assert!(html.contains("Thủ tục đăng ký khai sinh"));
    assert!(html.contains("1 ngày làm việc"));
    assert!(html.contains("8.000\u{a0}đ") && html.contains("Miễn phí"));
    // Each component says once how it is provided: taken from a national database, or uploaded.
    assert!(
        html.contains("Cơ sở dữ liệu quốc gia về dân cư: hệ thống tự lấy khi bạn nộp hồ sơ"),
        "{html}"
    );
    assert!(
        html.contains("Cơ sở dữ liệu hộ tịch điện tử: hệ thống tự lấy khi bạn nộp hồ sơ"),
        "{html}"
    );
    assert!(
        !html.contains("Cơ quan tự tra cứu"),
        "no claim that nothing backs"
    );
    assert!(html.contains("Luật Hộ tịch số 60/2014/QH13"));
    // Whether a catalogue fact is estimated is for the staff who keep the catalogue.
    assert!(!html.contains("Thông tin ước tính"), "{html}");
    let staff = t.staff_cookie("admin@H31").await;
    let (_, for_staff) = t.page(&staff, "/procedures/1.001193").await;
    assert!(
        for_staff.contains("Thông tin ước tính"),
        "the estimated online level is flagged for staff"
    );
    assert_no_raw_keys(&html);
    let (_, en, _) = page(&t, "/procedures/1.001193?lang=en").await;
    assert!(
        en.contains("Birth registration") && en.contains("1 working day<"),
        "{en}"
    );
    let (status, html, _) = page(&t, "/procedures/9.999999").await;
    assert_eq!(status, 404);
    assert!(html.contains("Không tìm thấy trang"));
    let (_, counter, _) = page(&t, "/procedures/2.000815").await;
    assert!(counter.contains("chưa cung cấp dịch vụ trực tuyến"));
}

#[tokio::test]
async fn public_tracking_shows_minimal_facts_and_is_rate_limited() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let (status, html, _) = page(&t, &format!("/track?code={code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Mới nộp, chờ tiếp nhận"));
    assert!(html.contains("Ủy ban nhân dân Phường Ngô Quyền"));
    assert!(
        !html.contains("Nguyễn Văn An"),
        "no personal data on the public page"
    );
    assert!(!html.contains(CITIZEN_A));
    assert_no_raw_keys(&html);
    // Answers are kept for a second, but a change made on this node shows at once.
    let track = || async {
        json(
            t.http
                .get(t.url(&format!("/api/v1/track/{code}")))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    assert_eq!(track().await["status"], 1);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, serde_json::json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        track().await["status"],
        2,
        "the kept answer was dropped on receipt"
    );
    let (_, html, _) = page(&t, &format!("/track?code={code}")).await;
    assert!(!html.contains("Mới nộp, chờ tiếp nhận"), "{html}");
    let (status, html, _) = page(&t, "/track?code=H31.11341-261117-9999").await;
    assert_eq!(status, 404);
    assert!(html.contains("Không tìm thấy hồ sơ có mã này"));
    let mut last = 0;
    for _ in 0..31 {
        last = page(&t, "/track?code=H31.11341-261117-0001").await.0;
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn the_stylesheet_is_cached_and_unknown_pages_are_friendly() {
    let t = TestApp::spawn().await;
    let (status, css, headers) = page(&t, "/static/site.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(":focus-visible"));
    assert!(
        headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let (status, html, _) = page(&t, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Trang chủ"));
}

#[tokio::test]
async fn pages_carry_strict_security_headers_and_staff_logins_are_rate_limited() {
    let t = TestApp::spawn().await;
    let r = t.http.get(t.url("/")).send().await.unwrap();
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/staff"))
            .json(&serde_json::json!({ "username": format!("officer@{AGENCY_A}"), "password": "wrong" }))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.first(), Some(&401));
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}
