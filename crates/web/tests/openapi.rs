//! The served OpenAPI document describes every API route, and the health endpoints answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use motcua_testkit::*;
use motcua_web::API_ROUTES;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let doc = json(r).await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        doc["info"]["version"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let paths = doc["paths"].as_object().expect("paths");

    let routed: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        routed.len(),
        API_ROUTES.len(),
        "API_ROUTES has no duplicates"
    );
    for (method, path) in &routed {
        let op = &paths
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} is not in paths"))[method.as_str()];
        assert!(op.is_object(), "{method} {path} is not documented");
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{method} {path} documents no success"
        );
        // Every `{param}` of the path is declared.
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_start_matches('{').trim_end_matches('}');
            let declared = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
            assert!(
                declared,
                "{method} {path} does not declare path parameter {name}"
            );
        }
    }
    // And nothing is documented that is not routed.
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(|m| (m.clone(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        documented, routed,
        "documented and routed operations differ"
    );

    // Every `$ref` points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"").skip(1) {
        let target = piece.split('"').next().unwrap();
        let pointer = target.strip_prefix('#').expect("local ref");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
    }
}

#[tokio::test]
async fn documented_routes_are_served() {
    let t = TestApp::spawn().await;
    // An unknown API route is a problem+json 404, so a documented route answering otherwise is real.
    let r = t
        .http
        .get(t.url("/api/v1/no-such-route"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 404, "not_found").await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for (method, path) in API_ROUTES {
        let concrete = path
            .replace("{code}", "1.001193")
            .replace("{id}", "00000000");
        let req = match method {
            "get" => t.http.get(t.url(&format!("/api/v1{concrete}"))),
            "post" => t.http.post(t.url(&format!("/api/v1{concrete}"))),
            "put" => t.http.put(t.url(&format!("/api/v1{concrete}"))),
            other => panic!("unexpected method {other}"),
        };
        let r = req.bearer_auth(&citizen).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path} is not routed");
        assert!(
            !(status == 404 && body.contains("API route")),
            "{method} {path} falls through to the API fallback: {body}"
        );
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::spawn().await;
    let r = t.http.get(t.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["status"], "ok");
    let r = t.http.get(t.url("/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = json(r).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    // Readiness follows the database.
    t.app.db.clone().close().await.unwrap();
    let r = t.http.get(t.url("/ready")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(json(r).await["database"], "unreachable");
    // Liveness does not.
    let r = t.http.get(t.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
