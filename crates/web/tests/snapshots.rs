//! HTML snapshots of key fragments (the `<main>` of a page). A change to a page shows up as a diff
//! here; accept it with `UPDATE_SNAPSHOTS=1 cargo test -p motcua-web --test snapshots`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a <main> element");
    let end = html.find("</main>").expect("</main>") + "</main>".len();
    html.get(start..end).unwrap().to_owned()
}

fn assert_snapshot(name: &str, actual: &str) {
    let path = format!("{}/tests/snapshots/{name}.html", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {name} differs from line {}:\n--- expected\n{}\n+++ actual\n{}",
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>")
        );
    }
}

async fn get(t: &TestApp, path: &str) -> String {
    t.http
        .get(t.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn key_fragments_are_stable() {
    let t = TestApp::spawn().await;
    assert_snapshot(
        "procedure_1.001193_vi",
        &main_of(&get(&t, "/procedures/1.001193").await),
    );
    assert_snapshot(
        "procedure_1.001193_en",
        &main_of(&get(&t, "/procedures/1.001193?lang=en").await),
    );
    assert_snapshot(
        "search_dang_ky_khai_sinh",
        &main_of(&get(&t, "/search?q=dang+ky+khai+sinh").await),
    );
    assert_snapshot("home_vi", &main_of(&get(&t, "/").await));
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    // The clock is fixed, so the code and dates are too.
    assert_eq!(code, "H31.11341-261117-0001");
    assert_snapshot(
        "track_submitted",
        &main_of(&get(&t, &format!("/track?code={code}")).await),
    );
}
