//! The browser login of a citizen through OpenID Connect, against the simulated national IdP served by
//! the same process: redirects, the IdP's HTML form, the callback, the session cookie, and the CSRF
//! defence for cookie-authenticated writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_store::sea_orm::{EntityTrait, PaginatorTrait};
use motcua_testkit::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .expect("Location")
        .to_str()
        .unwrap()
        .to_owned()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in one HTML tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let rest = tag.get(start..)?;
    let end = rest.find('"')?;
    Some(unescape(rest.get(..end)?))
}

/// Every tag `<name ...>` of the page.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let tail = rest.get(i..).unwrap();
        let end = tail.find('>').expect("tag end");
        out.push(tail.get(..=end).unwrap());
        rest = tail.get(end..).unwrap();
    }
    out
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A login in flight: the IdP's answer (the callback URL) has not been followed yet.
struct AtCallback {
    callback: String,
    state: String,
    /// The cookie `/auth/login` set in the starting browser (`name=value`).
    binding: String,
}

/// `/auth/login` → the IdP's page → the form posted as a person would, with `citizen_id` typed in.
async fn login_until_callback(
    t: &TestApp,
    citizen_id: &str,
    return_to: Option<&str>,
) -> AtCallback {
    let start = match return_to {
        Some(r) => format!(
            "/auth/login?return_to={}",
            url::form_urlencoded::byte_serialize(r.as_bytes()).collect::<String>()
        ),
        None => "/auth/login".to_owned(),
    };
    let r = t.http.get(t.url(&start)).send().await.unwrap();
    assert_eq!(r.status(), 303, "login start redirects");
    let binding_cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("motcua_login_"))
        .expect("the starting browser gets a binding cookie");
    let attrs = binding_cookie.to_ascii_lowercase();
    assert!(
        attrs.contains("httponly") && attrs.contains("samesite=lax"),
        "{binding_cookie}"
    );
    assert!(
        attrs.contains("path=/auth/callback") && attrs.contains("max-age=600"),
        "{binding_cookie}"
    );
    let binding = binding_cookie.split(';').next().unwrap().to_owned();
    let authorize = location(&r);
    assert!(
        authorize.starts_with(&format!("{}/sim/idp/authorize?", t.base)),
        "{authorize}"
    );
    for p in [
        "client_id",
        "redirect_uri",
        "state",
        "nonce",
        "code_challenge",
    ] {
        assert!(
            query_param(&authorize, p).is_some_and(|v| !v.is_empty()),
            "{p} in {authorize}"
        );
    }
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&authorize, "redirect_uri"),
        Some(format!("{}/auth/callback", t.base))
    );

    let r = t.http.get(&authorize).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let forms = tags(&html, "form");
    assert_eq!(forms.len(), 1, "one login form");
    assert_eq!(attr(forms[0], "method").as_deref(), Some("post"));
    let action = attr(forms[0], "action").expect("form action");
    let action = if action.starts_with('/') {
        t.url(&action)
    } else {
        action
    };
    let mut fields: Vec<(String, String)> = tags(&html, "input")
        .into_iter()
        .filter(|i| attr(i, "type").as_deref() == Some("hidden"))
        .map(|i| {
            (
                attr(i, "name").unwrap(),
                attr(i, "value").unwrap_or_default(),
            )
        })
        .collect();
    let state = fields
        .iter()
        .find(|(k, _)| k == "state")
        .expect("hidden state")
        .1
        .clone();
    assert_eq!(Some(state.clone()), query_param(&authorize, "state"));
    assert!(
        tags(&html, "input")
            .iter()
            .any(|i| attr(i, "name").as_deref() == Some("citizen_id"))
    );
    fields.push(("citizen_id".into(), citizen_id.into()));
    fields.push(("action".into(), "login".into()));

    let r = t.http.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303, "the IdP sends the browser back");
    let callback = location(&r);
    assert!(
        callback.starts_with(&format!("{}/auth/callback?", t.base)),
        "{callback}"
    );
    assert!(query_param(&callback, "code").is_some_and(|c| !c.is_empty()));
    assert_eq!(query_param(&callback, "state"), Some(state.clone()));
    assert_eq!(
        query_param(&callback, "iss"),
        Some(format!("{}/sim/idp", t.base))
    );
    AtCallback {
        callback,
        state,
        binding,
    }
}

/// Opens the callback in the browser that started the login.
async fn open_callback(t: &TestApp, at: &AtCallback) -> reqwest::Response {
    t.http
        .get(&at.callback)
        .header(COOKIE, &at.binding)
        .send()
        .await
        .unwrap()
}

/// A failed callback: an HTML page (not JSON) with the stable code, and no session.
async fn expect_failed_login(r: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(r.status(), status);
    assert!(
        !r.headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("motcua_session=")),
        "no session after a failed login"
    );
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("<code class=\"error-code\">{code}</code>")),
        "{code} in {html}"
    );
    html
}

/// Follows the callback; returns where it sends the browser and the session cookie's value.
async fn finish(t: &TestApp, at: &AtCallback) -> (String, String) {
    let r = open_callback(t, at).await;
    let status = r.status();
    assert_eq!(
        status,
        303,
        "callback: {}",
        r.text().await.unwrap_or_default()
    );
    let set_cookie: Vec<String> = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("motcua_session="))
        .unwrap_or_else(|| panic!("no session cookie in {set_cookie:?}"))
        .clone();
    let attrs: Vec<String> = session
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.iter().any(|a| a == "httponly"), "{session}");
    assert!(attrs.iter().any(|a| a == "samesite=lax"), "{session}");
    assert!(attrs.iter().any(|a| a == "path=/"), "{session}");
    let value = session
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("motcua_session=")
        .to_owned();
    assert!(value.len() >= 20, "a real secret: {value}");
    (location(&r), value)
}

#[tokio::test]
async fn citizen_logs_in_through_the_simulated_idp_and_gets_a_session() {
    let t = TestApp::spawn().await;
    let at = login_until_callback(&t, CITIZEN_A, None).await;
    let (to, session) = finish(&t, &at).await;
    // Signing in without asking to come back anywhere lands on the citizen's own dossiers.
    assert_eq!(to, "/my");

    let r = t
        .http
        .get(t.url("/api/v1/me"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me = json(r).await;
    assert_eq!(me["kind"], "citizen");
    assert_eq!(me["citizen_id"], CITIZEN_A);
    assert_eq!(me["full_name"], "Nguyễn Văn An");

    // The session works for the API as the bearer token does.
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, format!("motcua_session={session}"))
        .header("origin", t.base.clone())
        .json(&json!({ "procedure": "1.001193" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bearer = t.citizen_token(CITIZEN_A).await;
    assert_eq!(t.dossier_codes(&bearer).await.len(), 1);

    // The sign-in was timed (the seeds' "slow login"): for machines and for operators.
    let metrics = t
        .http
        .get(t.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("motcua_login_seconds_count{part=\"idp\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("motcua_login_seconds_count{part=\"total\"} 1"),
        "{metrics}"
    );
    let admin = t.staff_cookie("admin@H31").await;
    let (status, html) = t.page(&admin, "/staff/quality").await;
    assert_eq!(status, 200);
    assert!(html.contains("(1 lượt)"), "{html}");

    // The callback cannot be replayed: its state was used up.
    let r = open_callback(&t, &at).await;
    let html = expect_failed_login(r, 400, "login_expired").await;
    assert!(
        html.contains("Đăng nhập không thành công"),
        "Vietnamese by default"
    );

    // Logging out ends the session on the server.
    let r = t
        .http
        .post(t.url("/auth/logout"))
        .header(COOKIE, format!("motcua_session={session}"))
        .header("origin", t.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = t
        .http
        .get(t.url("/api/v1/me"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
}

#[tokio::test]
async fn callback_with_a_wrong_or_missing_state_fails() {
    let t = TestApp::spawn().await;
    for query in [
        "code=abc&state=not-a-state",
        "code=abc",
        "",
        "state=%0d%0a%1b",
    ] {
        let r = t
            .http
            .get(t.url(&format!("/auth/callback?{query}")))
            .send()
            .await
            .unwrap();
        expect_failed_login(r, 400, "login_not_bound").await;
    }

    // A real code with another state is refused, and does not spend the genuine login.
    let at = login_until_callback(&t, CITIZEN_B, None).await;
    let mut forged = url::Url::parse(&at.callback).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let r = t
        .http
        .get(forged.as_str())
        .header(COOKIE, &at.binding)
        .send()
        .await
        .unwrap();
    expect_failed_login(r, 400, "login_not_bound").await;
    let (_, session) = finish(&t, &at).await;
    let r = t
        .http
        .get(t.url("/api/v1/me"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(r).await["citizen_id"], CITIZEN_B);
    assert!(!at.state.is_empty());

    // A login left at the IdP for too long expires.
    let at = login_until_callback(&t, CITIZEN_A, None).await;
    t.clock.set("2026-11-17T02:30:00Z".parse().unwrap());
    let r = open_callback(&t, &at).await;
    expect_failed_login(r, 400, "login_expired").await;
}

#[tokio::test]
async fn a_callback_opened_in_another_browser_signs_nobody_in() {
    let t = TestApp::spawn().await;
    // The attacker starts a login in their browser and sends the callback link to a victim (or a
    // page of theirs makes the victim's browser open it): the victim's browser has no binding.
    let at = login_until_callback(&t, CITIZEN_A, None).await;
    let r = t
        .http
        .get(&at.callback)
        .header("accept-language", "en")
        .header(COOKIE, "lang=en")
        .send()
        .await
        .unwrap();
    let html = expect_failed_login(r, 400, "login_not_bound").await;
    assert!(
        html.contains("started in another browser"),
        "English: {html}"
    );
    // Another login's binding cookie does not fit either.
    let other = login_until_callback(&t, CITIZEN_B, None).await;
    let r = t
        .http
        .get(&at.callback)
        .header(
            COOKIE,
            other.binding.replace(
                other.binding.split('=').next().unwrap(),
                at.binding.split('=').next().unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    expect_failed_login(r, 400, "login_not_bound").await;
    // The browser that started it can still finish it.
    let (to, session) = finish(&t, &at).await;
    assert_eq!(to, "/my");
    let r = t
        .http
        .get(t.url("/api/v1/me"))
        .header(COOKIE, format!("motcua_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(r).await["citizen_id"], CITIZEN_A);
    // Every refusal is in the audit trail, without the code or tokens.
    let failures = motcua_store::audit::entries_for(&t.app.db, "oidc")
        .await
        .unwrap();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|e| e.action == "citizen.login_failed"
        && e.data.contains("login_not_bound")
        && !e.data.contains("code=")));
}

#[tokio::test]
async fn abandoned_login_attempts_are_cleaned_up() {
    let t = TestApp::spawn().await;
    for _ in 0..5 {
        let r = t.http.get(t.url("/auth/login")).send().await.unwrap();
        assert_eq!(r.status(), 303);
    }
    let count = || async {
        motcua_store::entities::oidc_login::Entity::find()
            .count(&t.app.db)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 5);
    // Eleven minutes later they can no longer be used; the next start removes them.
    t.clock.set(t.app.now() + chrono::Duration::minutes(11));
    let r = t.http.get(t.url("/auth/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn login_returns_only_to_local_paths() {
    let t = TestApp::spawn().await;
    let at = login_until_callback(&t, CITIZEN_A, Some("/api/v1/me")).await;
    let (to, _) = finish(&t, &at).await;
    assert_eq!(to, "/api/v1/me");
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\\\\evil.example",
        "/.//evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "evil.example",
    ] {
        let at = login_until_callback(&t, CITIZEN_A, Some(evil)).await;
        let (to, _) = finish(&t, &at).await;
        assert_eq!(to, "/my", "return_to {evil}");
    }
}

#[tokio::test]
async fn cookie_authenticated_writes_from_another_site_are_refused() {
    let t = TestApp::spawn().await;
    let at = login_until_callback(&t, CITIZEN_A, None).await;
    let (_, session) = finish(&t, &at).await;
    let cookie = format!("motcua_session={session}");
    let body = json!({ "procedure": "1.001193" });

    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(r, 403, "cross_site_request").await;
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(r, 403, "cross_site_request").await;
    // The same origin on another port is another origin.
    let other_port = t
        .base
        .rsplit_once(':')
        .map(|(h, p)| format!("{h}:{}", p.parse::<u16>().unwrap() ^ 1))
        .unwrap();
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("origin", other_port)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(r, 403, "cross_site_request").await;
    // Reads are fine cross-site (nothing changes), and nothing was created.
    let r = t
        .http
        .get(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["count"], 0);

    // Same origin passes, by Origin or by Fetch Metadata.
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("origin", t.base.clone())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .header(COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A bearer token needs no origin check: no browser attaches it on its own.
    let bearer = t.citizen_token(CITIZEN_A).await;
    let r = t
        .http
        .post(t.url("/api/v1/dossiers"))
        .bearer_auth(&bearer)
        .header("origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(t.dossier_codes(&bearer).await.len(), 3);
}
