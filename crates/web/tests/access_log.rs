//! Who read my data: officials' reads of a citizen's dossier are recorded, a refused attempt too,
//! and the citizen sees them; their own reads are not listed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::Value;

async fn log(t: &TestApp, token: &str) -> Vec<Value> {
    let r = t.get(token, "/api/v1/me/access-log").await;
    assert_eq!(r.status(), 200);
    json(r).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn officials_reads_are_listed_for_the_citizen_and_refused_attempts_too() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    // The citizen's own reads are not anybody else's; what is logged so far is the system's reads
    // of the national databases made for them when they applied.
    let _ = t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await;
    let so_far = log(&t, &citizen).await;
    assert!(!so_far.is_empty());
    assert!(
        so_far.iter().all(
            |e| e["actor"].as_str().unwrap().starts_with("connector:") && e["role"] == "system"
        ),
        "{so_far:?}"
    );

    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let v = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    // Each component says where it came from (here: the birth notice, uploaded by the applicant).
    let upload = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["component"] == "giay_chung_sinh")
        .unwrap();
    assert_eq!(upload["source"], "upload");
    let file = upload["url"].as_str().unwrap().to_owned();
    assert_eq!(t.get(&officer, &file).await.status(), 200);
    // An official of another commune tries the code: refused as not found, and recorded.
    let stranger = t.staff_token(&format!("officer@{AGENCY_B}")).await;
    assert_eq!(
        t.get(&stranger, &format!("/api/v1/dossiers/{code}"))
            .await
            .status(),
        404
    );

    let entries = log(&t, &citizen).await;
    let seen: Vec<(String, String, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["purpose"].as_str().unwrap().to_owned(),
                e["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        seen.contains(&(
            format!("staff:officer@{AGENCY_A}"),
            "dossier.view".into(),
            true
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            format!("staff:officer@{AGENCY_A}"),
            "dossier.file".into(),
            true
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            format!("staff:officer@{AGENCY_B}"),
            "dossier.view".into(),
            false
        )),
        "{seen:?}"
    );
    assert!(entries.iter().all(|e| e["dossier"] == code.as_str()));
    // Another citizen's log is theirs alone.
    let other = t.citizen_token(CITIZEN_B).await;
    assert!(log(&t, &other).await.is_empty());
    // Staff have no such log.
    expect_problem(
        t.get(&officer, "/api/v1/me/access-log").await,
        403,
        "citizens_only",
    )
    .await;

    // The page, in the citizen's language.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, body) = t.page(&cookie, "/my/access-log").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Ai đã xem dữ liệu của tôi") && body.contains("(bị từ chối)"),
        "{body}"
    );
    // Officials by name and agency by name: never an account or an agency code.
    let officer_name = motcua_app::org::demo_person_name(&format!("officer@{AGENCY_A}"));
    assert!(body.contains(&officer_name), "{body}");
    assert!(!body.contains(&format!("officer@{AGENCY_A}")), "{body}");
    assert!(!body.contains(&format!(", {AGENCY_A}")), "{body}");
    let (_, body) = t.page(&cookie, "/my/access-log?lang=en").await;
    assert!(
        body.contains("Who read my data") && body.contains("Opened a file of the dossier"),
        "{body}"
    );
}
