//! The portal's own quality (issue 16 item 5): what the server records about its requests, for
//! machines at `/metrics` and for operators at `/staff/quality`, summarised on the public page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

#[tokio::test]
async fn requests_are_counted_by_route_never_by_their_codes() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    for _ in 0..3 {
        let r = t
            .http
            .get(t.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = t.http.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let m = r.text().await.unwrap();
    assert!(
        m.contains(
            "motcua_http_requests_total{method=\"GET\",route=\"/api/v1/track/{code}\",status=\"2xx\"} 3"
        ),
        "{m}"
    );
    assert!(!m.contains(&code), "a dossier code leaked into the metrics");
    assert!(m.contains("motcua_http_request_duration_seconds_bucket"));
    // The national databases too: the demo's six simulated ones, of the province's 18.
    assert!(m.contains("motcua_connectors_expected 18"), "{m}");
    assert!(
        m.contains("motcua_connector_up{database=\"population\"}"),
        "{m}"
    );
    assert!(m.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn operators_see_errors_pages_and_where_applicants_stop() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    // One application submitted, one left after the first step.
    t.submitted_birth_registration(&citizen).await;
    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &serde_json::json!({ "procedure": "1.004873" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, _) = t.page(&cookie, "/my").await;
    assert_eq!(status, 200);

    let admin = t.staff_cookie("admin@H31").await;
    let (status, html) = t.page(&admin, "/staff/quality").await;
    assert_eq!(status, 200);
    // The citizen's page, by its template, with its size.
    assert!(html.contains("<code>GET /my</code>"), "{html}");
    assert!(
        html.contains("<code>POST /api/v1/dossiers</code>"),
        "{html}"
    );
    assert!(html.contains(" kB</td>"));
    // Two started, one submitted: 50 %.
    assert!(html.contains("50,00\u{a0}% (1 / 2)"), "{html}");
    // Operators only.
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, _) = t.page(&officer, "/staff/quality").await;
    assert_eq!(status, 403);
    // Stored, so every node's counts add up and the public page can summarise them.
    let stored = motcua_app::quality::report(
        &t.app,
        t.app.now().date_naive() - chrono::TimeDelta::days(1),
        t.app.now().date_naive() + chrono::TimeDelta::days(1),
    )
    .await
    .unwrap();
    assert!(stored.requests >= 5, "{stored:?}");
    assert_eq!(stored.server_errors, 0);
    let (status, html) = t.page(&admin, "/thong-ke").await;
    assert_eq!(status, 200);
    assert!(html.contains("Chất lượng vận hành cổng tháng trước"));
}

#[tokio::test]
async fn odd_methods_and_unknown_paths_do_not_grow_the_labels() {
    let t = TestApp::spawn().await;
    for m in ["FOO", "BAR", "BAZQUX"] {
        let _ = t
            .http
            .request(
                reqwest::Method::from_bytes(m.as_bytes()).unwrap(),
                t.url("/x"),
            )
            .send()
            .await
            .unwrap();
    }
    for p in ["/nope-1", "/nope-2", "/api/v1/nope-3"] {
        let r = t.http.get(t.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    let m = t
        .http
        .get(t.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!m.contains("FOO") && !m.contains("nope"), "{m}");
    assert!(m.contains("method=\"OTHER\""), "{m}");
}
