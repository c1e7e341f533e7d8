//! The API's edge answers every refusal as a problem with a stable code, including what the
//! framework itself refuses, and enforces its documented limits instead of clamping them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::json;

async fn get(t: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = t.http.get(t.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn list_parameters_out_of_their_range_are_refused_not_clamped() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for bad in [
        "abc", "100000", "501", "0", "-1", "+5", "1.5", "", " 5", "1e2",
    ] {
        let r = get(&t, Some(&citizen), &format!("/api/v1/dossiers?limit={bad}")).await;
        let p = expect_problem(r, 400, "invalid_limit").await;
        assert!(p["message_en"].as_str().unwrap().contains("500"), "{p}");
    }
    for bad in ["11", "-1", "x", "null", "256", ""] {
        let r = get(
            &t,
            Some(&citizen),
            &format!("/api/v1/dossiers?status={bad}"),
        )
        .await;
        expect_problem(r, 400, "invalid_status").await;
    }
    let r = get(&t, Some(&citizen), "/api/v1/dossiers?limit=1&limit=2").await;
    expect_problem(r, 400, "duplicate_parameter").await;
    let r = get(&t, Some(&citizen), "/api/v1/dossiers?status=1&status=1").await;
    expect_problem(r, 400, "duplicate_parameter").await;

    // The ends of the range are accepted, and the limit is honoured.
    t.birth_registration_draft(&citizen).await;
    t.birth_registration_draft(&citizen).await;
    for (query, expected) in [("limit=1", 1), ("limit=500", 2), ("", 2)] {
        let r = get(&t, Some(&citizen), &format!("/api/v1/dossiers?{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        assert_eq!(json(r).await["count"], expected, "{query}");
    }
    let r = get(&t, Some(&citizen), "/api/v1/dossiers?status=0&status_x=1").await;
    assert_eq!(r.status(), 200, "unknown parameters are ignored");
    let r = get(&t, Some(&citizen), "/api/v1/dossiers?status=10").await;
    assert_eq!(json(r).await["count"], 0);
}

#[tokio::test]
async fn query_values_the_framework_cannot_read_are_problems() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    // Axum's own Query rejection (a parameter given twice), rewritten at the edge.
    let r = get(&t, None, "/api/v1/procedures?q=a&q=b").await;
    let p = expect_problem(r, 400, "invalid_request").await;
    assert!(!p["message_vi"].as_str().unwrap().is_empty());
    let draft = t.birth_registration_draft(&citizen).await;
    let d = json(get(&t, Some(&citizen), &format!("/api/v1/dossiers/{draft}")).await).await;
    let url = d["attachments"][0]["url"].as_str().unwrap().to_owned();
    for bad in ["2", "yes", "true"] {
        let r = get(&t, Some(&citizen), &format!("{url}?inline={bad}")).await;
        expect_problem(r, 400, "invalid_inline").await;
    }
    for good in ["0", "1"] {
        let r = get(&t, Some(&citizen), &format!("{url}?inline={good}")).await;
        assert_eq!(r.status(), 200, "inline={good}");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_problems() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let big = format!(
        "{{\"procedure\": \"1.001193\", \"pad\": \"{}\"}}",
        "x".repeat(3 * 1024 * 1024)
    );
    for path in [
        "/api/v1/dossiers".to_owned(),
        format!("/api/v1/dossiers/{draft}/actions"),
        "/api/v1/auth/staff".to_owned(),
    ] {
        let r = t
            .http
            .post(t.url(&path))
            .bearer_auth(&citizen)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        expect_problem(r, 413, "body_too_large").await;
    }
    let r = t
        .http
        .put(t.url(&format!("/api/v1/dossiers/{draft}/form")))
        .bearer_auth(&citizen)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    expect_problem(r, 413, "body_too_large").await;
}

#[tokio::test]
async fn a_uri_over_8_kib_is_a_414_problem() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let long = "a".repeat(9 * 1024);
    for path in [
        format!("/api/v1/procedures?q={long}"),
        format!("/api/v1/dossiers/{long}"),
    ] {
        let r = get(&t, Some(&citizen), &path).await;
        expect_problem(r, 414, "uri_too_long").await;
    }
    // Just under the limit is an ordinary answer.
    let r = get(
        &t,
        Some(&citizen),
        &format!("/api/v1/dossiers/{}", "a".repeat(8 * 1024 - 40)),
    )
    .await;
    expect_problem(r, 404, "not_found").await;
}

#[tokio::test]
async fn an_unsupported_method_is_a_405_problem_with_allow() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/v1/procedures", "GET"),
        (reqwest::Method::PATCH, "/api/v1/dossiers", "POST"),
        (reqwest::Method::GET, "/api/v1/verify", "POST"),
        (reqwest::Method::POST, "/api/v1/me", "GET"),
    ] {
        let r = t
            .http
            .request(method.clone(), t.url(path))
            .bearer_auth(&citizen)
            .send()
            .await
            .unwrap();
        let allow = r
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{method} {path}: no Allow"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(allow.contains(allowed), "{method} {path}: {allow}");
        expect_problem(r, 405, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn bodies_not_declared_as_the_operation_takes_them_are_415_problems() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let json_body = json!({ "procedure": "1.001193" }).to_string();
    let action = json!({ "action": "submit" }).to_string();
    let login = json!({ "username": "officer@H31.11341", "password": "demo" }).to_string();
    for (path, body, ct) in [
        (
            "/api/v1/dossiers".to_owned(),
            &json_body,
            Some("text/plain"),
        ),
        ("/api/v1/dossiers".to_owned(), &json_body, None),
        (
            "/api/v1/dossiers".to_owned(),
            &json_body,
            Some("application/x-www-form-urlencoded"),
        ),
        (
            format!("/api/v1/dossiers/{draft}/actions"),
            &action,
            Some("text/plain"),
        ),
        (format!("/api/v1/dossiers/{draft}/actions"), &action, None),
        (
            format!("/api/v1/dossiers/{draft}/submit"),
            &action,
            Some("text/plain"),
        ),
        ("/api/v1/auth/staff".to_owned(), &login, Some("text/plain")),
        ("/api/v1/verify".to_owned(), &json_body, Some("text/plain")),
        (
            "/api/v1/verify".to_owned(),
            &json_body,
            Some("application/json"),
        ),
    ] {
        let mut req = t.http.post(t.url(&path)).bearer_auth(&citizen);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let r = req.body(body.clone()).send().await.unwrap();
        expect_problem(r, 415, "unsupported_media_type").await;
    }
    // Nothing happened to the draft.
    let d = json(get(&t, Some(&citizen), &format!("/api/v1/dossiers/{draft}")).await).await;
    assert_eq!(d["status"], 0);
    // The types each operation takes are accepted, in any case.
    for ct in [
        "application/pdf",
        "application/octet-stream",
        "Application/PDF",
    ] {
        let r = t
            .http
            .post(t.url("/api/v1/verify"))
            .header("content-type", ct)
            .body(b"%PDF-1.4 not really".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{ct}");
    }
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/submit")))
        .bearer_auth(&citizen)
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(action)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn multipart_takes_only_the_documented_parts() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let before = json(get(&t, Some(&citizen), &format!("/api/v1/dossiers/{draft}")).await).await;
    let pdf = || {
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
            .file_name("a.pdf")
            .mime_str("application/pdf")
            .unwrap()
    };
    let form = reqwest::multipart::Form::new()
        .text("component", "giay_chung_sinh")
        .text("note", "hello")
        .part("file", pdf());
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
        .bearer_auth(&citizen)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, 400, "unexpected_part").await;
    assert!(p["message_en"].as_str().unwrap().contains("note"), "{p}");
    let after = json(get(&t, Some(&citizen), &format!("/api/v1/dossiers/{draft}")).await).await;
    assert_eq!(after["attachments"], before["attachments"]);

    // Multipart on the actions is the result's upload; other actions are JSON commands.
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    for (form, status, problem) in [
        (
            reqwest::multipart::Form::new().text("action", "receive"),
            422,
            "invalid_action",
        ),
        (
            reqwest::multipart::Form::new()
                .text("action", "refuse")
                .text("reason", "x"),
            400,
            "unexpected_part",
        ),
    ] {
        let r = t
            .http
            .post(t.url(&format!("/api/v1/dossiers/{code}/actions")))
            .bearer_auth(&officer)
            .multipart(form)
            .send()
            .await
            .unwrap();
        expect_problem(r, status, problem).await;
    }
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{code}/actions")))
        .bearer_auth(&officer)
        .multipart(
            reqwest::multipart::Form::new()
                .text("action", "issue_result")
                .text("extra", "x")
                .part("file", pdf()),
        )
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "unexpected_part").await;
    let d = json(get(&t, Some(&officer), &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["status"], 1, "no action ran");
}

#[tokio::test]
async fn every_429_says_when_to_come_back() {
    let t = TestApp::spawn().await;
    // The per-address limit on staff sign-in attempts (each to another username, so no account's
    // growing delay is what answers).
    let mut limited = None;
    for i in 0..12 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/staff"))
            .json(&json!({ "username": format!("nobody{i}@H31.11341"), "password": "x" }))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        expect_problem(r, 401, "bad_credentials").await;
    }
    let r = limited.expect("the sign-in limit answered");
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    expect_problem(r, 429, "too_many_attempts").await;
}
