//! The virtual assistant over HTTP: the page answers without JavaScript, the API's shape, English,
//! "I don't know" with a search, and refused questions as problems.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::Value;

async fn page(t: &TestApp, path: &str) -> (u16, String) {
    let r = t.http.get(t.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn ask(t: &TestApp, query: &str, accept_language: Option<&str>) -> reqwest::Response {
    let mut req = t.http.get(t.url(&format!("/api/v1/assistant?{query}")));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    req.send().await.unwrap()
}

/// The body matches the documented schema exactly: these keys and no others.
fn assert_shape(body: &Value) {
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["answer", "kind", "procedures"], "{body}");
    assert!(!body["answer"].as_str().unwrap().is_empty());
    assert!(["answer", "follow_up", "unknown"].contains(&body["kind"].as_str().unwrap()));
    for p in body["procedures"].as_array().unwrap() {
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["code", "name", "url"], "{p}");
        assert_eq!(
            p["url"].as_str().unwrap(),
            format!("/procedures/{}", p["code"].as_str().unwrap())
        );
    }
}

#[tokio::test]
async fn the_page_answers_without_javascript() {
    let t = TestApp::spawn().await;
    // The empty page is a form with a labelled field and a button, no script needed to use it.
    let (status, html) = page(&t, "/tro-ly").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="vi">"#));
    assert!(html.contains(r#"<form class="search" action="/tro-ly" method="get">"#));
    assert!(html.contains(r#"<label for="assistant-q">"#));
    assert!(html.contains(r#"id="assistant-q" name="q""#));
    assert!(html.contains(r#"<button type="submit">"#));
    assert!(html.contains("<h1>Hỏi trợ lý ảo</h1>"));

    // A colloquial question without diacritics gets the procedure, its documents and fees.
    let (status, html) = page(&t, "/tro-ly?q=lam+giay+khai+sinh+cho+con").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-kind="answer""#), "{html}");
    assert!(html.contains(r#"href="/procedures/1.001193""#));
    assert!(html.contains("<h2 id=\"assistant-answer-title\">Trả lời</h2>"));
    assert!(html.contains("<h3>Giấy tờ cần nộp</h3>"));
    assert!(html.contains("Giấy chứng sinh"));
    assert!(html.contains("<h3>Phí, lệ phí</h3>"));
    assert!(html.contains("Luật Hộ tịch"));
    // The question stays in the field, escaped.
    assert!(html.contains(r#"value="lam giay khai sinh cho con""#));

    // An ambiguous question asks which procedure is meant, each a link.
    let (_, html) = page(&t, "/tro-ly?q=gi%E1%BA%A5y+ph%C3%A9p").await;
    assert!(html.contains(r#"data-kind="follow_up""#), "{html}");
    assert!(html.contains(r#"href="/tro-ly?q=1.013225""#));
    assert!(html.contains(r#"href="/tro-ly?q=3.000347""#));
    assert!(html.contains(r#"href="/procedures/3.000347""#));

    // Markup in the question is text.
    let (_, html) = page(&t, "/tro-ly?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!html.contains("<script>alert"));
}

#[tokio::test]
async fn every_portal_page_offers_the_assistant() {
    let t = TestApp::spawn().await;
    for path in ["/", "/search?q=khai+sinh", "/procedures/1.001193", "/track"] {
        let (_, html) = page(&t, path).await;
        assert!(
            html.contains(r#"<a href="/tro-ly">Hỏi trợ lý ảo</a>"#),
            "{path}"
        );
    }
    let (_, html) = page(&t, "/?lang=en").await;
    assert!(html.contains(r#"<a href="/tro-ly">Ask the assistant</a>"#));
}

#[tokio::test]
async fn the_api_answers_with_the_documented_shape() {
    let t = TestApp::spawn().await;
    let r = ask(&t, "q=cccd", None).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = json(r).await;
    assert_shape(&body);
    assert_eq!(body["kind"], "answer");
    assert_eq!(body["procedures"][0]["code"], "9.900003");
    assert_eq!(body["procedures"][0]["url"], "/procedures/9.900003");
    let answer = body["answer"].as_str().unwrap();
    assert!(answer.contains("Giấy tờ cần nộp"), "{answer}");
    assert!(answer.contains("Thời hạn giải quyết"), "{answer}");
    assert!(answer.contains("Nộp ở đâu, nộp thế nào"), "{answer}");

    let body = json(ask(&t, "q=gi%E1%BA%A5y+ph%C3%A9p", None).await).await;
    assert_shape(&body);
    assert_eq!(body["kind"], "follow_up");
    let n = body["procedures"].as_array().unwrap().len();
    assert!((2..=4).contains(&n), "{body}");
}

#[tokio::test]
async fn english_by_parameter_or_accept_language() {
    let t = TestApp::spawn().await;
    let body = json(ask(&t, "q=how+do+I+apply+for+a+passport&lang=en", None).await).await;
    assert_shape(&body);
    assert_eq!(body["kind"], "answer");
    assert_eq!(
        body["procedures"][0]["name"],
        "Ordinary passport issuance in Viet Nam (provincial level)"
    );
    let answer = body["answer"].as_str().unwrap();
    assert!(answer.contains("Documents to submit"), "{answer}");
    assert!(answer.contains("Fees and charges"), "{answer}");

    // Without lang, the caller's Accept-Language decides; the parameter wins over it.
    let body = json(ask(&t, "q=passport", Some("en-GB,en;q=0.9")).await).await;
    assert!(
        body["answer"]
            .as_str()
            .unwrap()
            .contains("Documents to submit")
    );
    let body = json(ask(&t, "q=passport&lang=vi", Some("en")).await).await;
    assert!(body["answer"].as_str().unwrap().contains("Giấy tờ cần nộp"));
    let body = json(ask(&t, "q=passport", None).await).await;
    assert!(body["answer"].as_str().unwrap().contains("Giấy tờ cần nộp"));

    // The page follows the site's language.
    let (_, html) = page(&t, "/tro-ly?q=passport&lang=en").await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<h3>Documents to submit</h3>"));
    // The catalogue's Vietnamese texts are marked as such on an English page.
    assert!(html.contains(r#"<span lang="vi">"#), "{html}");
}

#[tokio::test]
async fn what_we_do_not_know_is_said_plainly_with_a_search() {
    let t = TestApp::spawn().await;
    let body = json(ask(&t, "q=th%E1%BB%A7+t%E1%BB%A5c+ly+h%C3%B4n", None).await).await;
    assert_shape(&body);
    assert_eq!(body["kind"], "unknown");
    assert_eq!(body["procedures"], serde_json::json!([]));
    let answer = body["answer"].as_str().unwrap();
    assert!(answer.contains("không biết"), "{answer}");
    assert!(answer.contains("/search?q="), "{answer}");

    let (status, html) = page(&t, "/tro-ly?q=xin+visa+du+lich").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-kind="unknown""#), "{html}");
    assert!(
        html.contains(r#"href="/search?q=xin+visa+du+lich""#),
        "{html}"
    );
}

#[tokio::test]
async fn bad_questions_are_problems() {
    let t = TestApp::spawn().await;
    expect_problem(ask(&t, "", None).await, 400, "query_required").await;
    expect_problem(ask(&t, "q=", None).await, 400, "query_required").await;
    expect_problem(ask(&t, "q=+%20+", None).await, 400, "query_required").await;
    expect_problem(ask(&t, "q=a&q=b", None).await, 400, "duplicate_parameter").await;
    expect_problem(
        ask(&t, "q=khai+sinh&lang=fr", None).await,
        400,
        "invalid_lang",
    )
    .await;
    let long = "%C4%83".repeat(501);
    let p = expect_problem(
        ask(&t, &format!("q={long}"), None).await,
        400,
        "query_too_long",
    )
    .await;
    assert!(p["message_en"].as_str().unwrap().contains("500"), "{p}");
    // 500 characters are a question.
    let max = "%C4%83".repeat(500);
    assert_eq!(ask(&t, &format!("q={max}"), None).await.status(), 200);

    // The page says so in the form, with a 400.
    let (status, html) = page(&t, &format!("/tro-ly?q={long}")).await;
    assert_eq!(status, 400);
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(html.contains("tối đa 500 ký tự"));
}

#[tokio::test]
async fn the_assistant_counts_as_a_search() {
    let t = TestApp::spawn().await;
    // The tests' connections carry an address, so the per-address search limit applies: 120 a
    // minute, shared with the search.
    let mut limited = None;
    for _ in 0..130 {
        let r = ask(&t, "q=khai+sinh", None).await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let r = limited.expect("the search limit answered");
    assert!(r.headers().contains_key("retry-after"));
    expect_problem(r, 429, "too_many_requests").await;
    let (status, _) = page(&t, "/tro-ly?q=khai+sinh").await;
    assert_eq!(status, 429);
    let (status, _) = page(&t, "/search?q=khai+sinh").await;
    assert_eq!(status, 429);
}
