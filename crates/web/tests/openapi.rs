//! The served OpenAPI document describes every API route, and the health endpoints answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use motcua_testkit::*;
use motcua_web::API_ROUTES;
use serde_json::{Value, json};

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

/// The operations anyone may call without signing in.
const PUBLIC: [(&str, &str); 13] = [
    ("get", "/openapi.json"),
    ("get", "/indicators"),
    ("get", "/indicators/targets"),
    ("get", "/procedures"),
    ("get", "/procedures/{code}"),
    ("get", "/assistant"),
    ("get", "/track/{code}"),
    ("get", "/provinces/{code}/communes"),
    ("post", "/feedback"),
    ("get", "/feedback/{code}"),
    ("get", "/documents/{id}"),
    ("post", "/verify"),
    ("post", "/auth/staff"),
];

async fn document(t: &TestApp) -> Value {
    json(
        t.http
            .get(t.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Follows a local `$ref` (one level is all the document uses).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => v,
    }
}

fn statuses(op: &Value) -> BTreeSet<String> {
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_operation_lists_the_statuses_its_class_can_produce() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    let global = doc["security"].as_array().expect("global security");
    let schemes: BTreeSet<&str> = global
        .iter()
        .flat_map(|s| s.as_object().unwrap().keys().map(String::as_str))
        .collect();
    assert_eq!(
        schemes,
        BTreeSet::from(["bearer", "session"]),
        "bearer token or session cookie"
    );
    let mut ids = BTreeSet::new();
    for (method, path) in API_ROUTES {
        let op = &doc["paths"][path][method];
        let label = format!("{method} {path}");
        let id = op["operationId"].as_str().expect("operationId");
        assert!(
            ids.insert(id.to_owned()),
            "{label}: duplicate operationId {id}"
        );
        let codes = statuses(op);
        let public = PUBLIC.contains(&(method, path));
        if public {
            assert_eq!(op["security"], json!([]), "{label} is public");
            // Only the sign-in, whose credentials are its body, answers 401 without a session.
            assert_eq!(
                codes.contains("401"),
                path == "/auth/staff",
                "{label} is public: 401 only for wrong credentials"
            );
        } else {
            assert!(op.get("security").is_none(), "{label} overrides security");
            assert!(codes.contains("401"), "{label} does not list 401");
        }
        for always in ["414", "429", "500"] {
            assert!(codes.contains(always), "{label} does not list {always}");
        }
        let params = op["parameters"].as_array().unwrap();
        if !params.is_empty() {
            assert!(codes.contains("400"), "{label} has parameters but no 400");
        }
        if op.get("requestBody").is_some() {
            for s in ["400", "413", "415"] {
                assert!(
                    codes.contains(s),
                    "{label} takes a body but does not list {s}"
                );
            }
        }
        // Success is JSON (or, for a download, the file); every error a problem.
        for (status, response) in op["responses"].as_object().unwrap() {
            let response = resolve(&doc, response);
            if status == "204" {
                assert!(response.get("content").is_none(), "{label} 204 has content");
                continue;
            }
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{label} {status} has no content"));
            if status.starts_with('2') {
                assert!(
                    content.contains_key("application/json")
                        || content.contains_key("*/*")
                        || content.contains_key("application/pdf"),
                    "{label} {status}: {content:?}"
                );
            } else {
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{label} {status}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{label} {status}"
                );
            }
            if status == "429" {
                assert_eq!(
                    response["headers"]["Retry-After"]["required"], true,
                    "{label}: 429 says when to come back"
                );
            }
        }
    }
}

#[tokio::test]
async fn bodies_are_described_as_the_server_reads_them() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    for (method, path) in API_ROUTES {
        let op = &doc["paths"][path][method];
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        assert_eq!(body["required"], true, "{method} {path}");
        for (media, m) in body["content"].as_object().unwrap() {
            let schema = resolve(&doc, &m["schema"]);
            if media == "multipart/form-data" {
                // Parts are named, the required ones said, and no other part is taken.
                assert_eq!(schema["additionalProperties"], false, "{method} {path}");
                let required = schema["required"].as_array().expect("required parts");
                assert!(!required.is_empty(), "{method} {path}");
                for part in required {
                    assert!(
                        schema["properties"].get(part.as_str().unwrap()).is_some(),
                        "{method} {path}: required part {part} is not described"
                    );
                }
                assert_eq!(
                    schema["properties"]["file"]["format"], "binary",
                    "{method} {path}"
                );
            }
        }
    }
    let upload = &doc["paths"]["/dossiers/{code}/attachments"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"];
    assert_eq!(upload["required"], json!(["component", "file"]));
    // The list's limit is a documented range, refused outside it.
    let limit = doc["paths"]["/dossiers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")
        .clone();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 500);
}

#[tokio::test]
async fn public_operations_answer_without_credentials_and_the_others_ask_for_them() {
    let t = TestApp::spawn().await;
    for (method, path) in API_ROUTES {
        let concrete = path
            .replace("{code}", "1.001193")
            .replace("{id}", "0190e4f2-0000-7000-8000-000000000000");
        let url = t.url(&format!("/api/v1{concrete}"));
        let req = match method {
            "get" => t.http.get(url),
            "post" => t.http.post(url),
            "put" => t.http.put(url),
            "delete" => t.http.delete(url),
            other => panic!("unexpected method {other}"),
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        if PUBLIC.contains(&(method, path)) {
            assert_ne!(status, 401, "{method} {path} is documented as public");
        } else {
            expect_problem(r, 401, "unauthenticated").await;
        }
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
            "delete" => t.http.delete(t.url(&format!("/api/v1{concrete}"))),
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
