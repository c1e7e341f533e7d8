//! Once-only (issue 15; SPEC §7; Decree 45/2020 Art. 16): what the national databases hold stands
//! in for the applicant's papers and fills their form, each read is in their access log, and a
//! database that is down or slow degrades to an upload with one clear sentence — and shows on the
//! health view.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_domain::national::Database;
use motcua_sim::registries::Mode;
use motcua_testkit::*;
use serde_json::{Value, json};

async fn new_draft(t: &TestApp, token: &str, procedure: &str) -> Value {
    let r = t
        .post_json(
            token,
            "/api/v1/dossiers",
            &json!({ "procedure": procedure }),
        )
        .await;
    assert_eq!(r.status(), 201);
    json(r).await
}

fn sources(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["component"].as_str().unwrap().to_owned(),
                a["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn submit(t: &TestApp, token: &str, code: &str) -> reqwest::Response {
    t.post_json(
        token,
        &format!("/api/v1/dossiers/{code}/submit"),
        &Value::Null,
    )
    .await
}

/// Fills the birth registration's form, uploads the birth notice (the health facility has no
/// connector) and submits.
async fn fill_and_submit(t: &TestApp, token: &str, code: &str) -> reqwest::Response {
    let r = t
        .put_json(
            token,
            &format!("/api/v1/dossiers/{code}/form"),
            &birth_form(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .upload(
            token,
            code,
            "giay_chung_sinh",
            "gcs.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    submit(t, token, code).await
}

fn sims(t: &TestApp) -> &motcua_server::connectors::Simulators {
    t.registries.as_deref().expect("demo simulators")
}

#[tokio::test]
async fn a_birth_registration_needs_no_paper_the_state_holds_and_says_where_each_came_from() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen, "1.001193").await;
    let code = draft["code"].as_str().unwrap().to_owned();
    // Identity, residence and the parents' marriage come from the databases, not from the citizen.
    assert_eq!(
        sources(&draft),
        vec![
            ("giay_to_cu_tru".into(), "connector:residence".into()),
            ("giay_to_tuy_than".into(), "connector:population".into()),
            (
                "thong_tin_ket_hon_cha_me".into(),
                "connector:civil_status".into()
            ),
        ]
    );
    // The extract is a real PDF naming the record.
    let marriage = draft["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["component"] == "thong_tin_ket_hon_cha_me")
        .unwrap();
    let r = t.get(&citizen, marriage["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    // Each database was asked with a purpose naming the dossier.
    let asked = sims(&t).requests(Database::CivilStatus);
    assert!(
        asked.iter().any(|r| r.path.starts_with("/api/ket-hon")
            && r.purpose.as_deref().is_some_and(|p| p.contains(&code))),
        "{asked:?}"
    );

    // Only the birth notice (no connector to the health facility) is uploaded; submission holds.
    let r = fill_and_submit(&t, &citizen, &code).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let official = json(r).await["code"].as_str().unwrap().to_owned();

    // The officer sees each component's provenance.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let v = json(
        t.get(&officer, &format!("/api/v1/dossiers/{official}"))
            .await,
    )
    .await;
    assert!(sources(&v).contains(&("giay_chung_sinh".into(), "upload".into())));
    // Decision 766 4.3–4.5, recorded with the submission.
    assert_eq!(
        v["once_only"],
        json!({ "reused_data": true, "from_warehouse": false, "population_data": true, "vneid_applicant": true })
    );
    assert!(sources(&v).contains(&("giay_to_tuy_than".into(), "connector:population".into())));

    // The citizen's access log lists every database read made for them, with the dossier (by the
    // code it has now, not the draft's reference).
    let r = t.get(&citizen, "/api/v1/me/access-log").await;
    let log = json(r).await["items"].as_array().unwrap().clone();
    for name in ["population", "residence", "civil_status"] {
        assert!(
            log.iter().any(|e| e["actor"] == format!("connector:{name}")
                && e["role"] == "system"
                && e["purpose"] == "apply.component"
                && e["dossier"] == official.as_str()),
            "{name}: {log:?}"
        );
    }
}

#[tokio::test]
async fn a_database_that_is_down_degrades_to_an_upload_with_one_clear_sentence() {
    let t = TestApp::spawn().await;
    sims(&t).set_mode(Database::Population, Mode::Down);
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen, "1.001193").await;
    let code = draft["code"].as_str().unwrap().to_owned();
    let got = sources(&draft);
    assert!(!got.iter().any(|(c, _)| c == "giay_to_tuy_than"), "{got:?}");
    // The others still came.
    assert!(got.contains(&("giay_to_cu_tru".into(), "connector:residence".into())));

    // The files page says so, once, and offers the upload; no "we have it" for that component.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, html) = t.page(&cookie, &format!("/my/{code}/files")).await;
    assert_eq!(status, 200);
    let sentence = "Cơ sở dữ liệu quốc gia về dân cư: hiện không kết nối được — vui lòng tải giấy tờ này lên thay thế.";
    assert_eq!(html.matches(sentence).count(), 1, "{html}");
    let part = html.split("id=\"c-giay_to_tuy_than\"").nth(1).unwrap();
    let part = part.split("</li>").next().unwrap();
    assert!(part.contains("name=\"file\""), "{part}");
    assert!(!part.contains("không phải tải lên"), "{part}");

    // Submitting without it is refused, naming it.
    let r = fill_and_submit(&t, &citizen, &code).await;
    let p = expect_problem(r, 422, "missing_components").await;
    assert!(
        p["detail"].as_str().unwrap().contains("giay_to_tuy_than"),
        "{p}"
    );
    // The applicant's own scan of the ID card stands in; then it goes through.
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_to_tuy_than",
            "cccd.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = submit(&t, &citizen, &code).await;
    assert_eq!(r.status(), 200);
    let v = json(r).await;
    // Residence and marriage were reused; the population database was never read for it.
    assert_eq!(v["once_only"]["reused_data"], true);
    assert_eq!(v["once_only"]["population_data"], false);

    // The health view shows it down, the others up.
    let admin = t.staff_token("admin@H31").await;
    let r = t.get(&admin, "/api/v1/connectors").await;
    assert_eq!(r.status(), 200);
    let h = json(r).await;
    let status = |name: &str| {
        h["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("population"), "down");
    assert_eq!(status("residence"), "connected");
    assert_eq!(status("tax"), "not_connected");
    assert_eq!(h["summary"]["expected"], 18);
    assert_eq!(h["summary"]["connected"], 2, "{h}");
    assert!(
        h["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "population")
            .unwrap()["error_rate"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[tokio::test]
async fn a_database_that_times_out_is_down_and_the_applicant_uploads_instead() {
    let t = TestApp::spawn().await;
    // Slower than the connector's timeout (300 ms in tests).
    sims(&t).set_mode(Database::CivilStatus, Mode::Slow { delay_ms: 2_000 });
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen, "1.001193").await;
    let code = draft["code"].as_str().unwrap().to_owned();
    assert!(
        !sources(&draft)
            .iter()
            .any(|(c, _)| c == "thong_tin_ket_hon_cha_me")
    );
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (_, html) = t.page(&cookie, &format!("/my/{code}/files")).await;
    assert!(
        html.contains("Cơ sở dữ liệu hộ tịch điện tử: hiện không kết nối được"),
        "{html}"
    );
    let admin = t.staff_token("admin@H31").await;
    let h = json(t.get(&admin, "/api/v1/connectors").await).await;
    let civil = h["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "civil_status")
        .unwrap()
        .clone();
    assert_eq!(civil["status"], "down", "{civil}");
    assert!(civil["last_error"].as_str().is_some());
    // Nothing was read, so nothing is in the access log for it.
    let log = json(t.get(&citizen, "/api/v1/me/access-log").await).await;
    assert!(
        !log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "connector:civil_status"),
        "{log}"
    );
}

#[tokio::test]
async fn an_upload_replaces_what_the_system_took() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen, "1.001193").await;
    let code = draft["code"].as_str().unwrap().to_owned();
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_to_cu_tru",
            "xac-nhan.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    let residence: Vec<_> = sources(&v)
        .into_iter()
        .filter(|(c, _)| c == "giay_to_cu_tru")
        .collect();
    assert_eq!(residence, vec![("giay_to_cu_tru".into(), "upload".into())]);
    // Opening the files page again does not fetch it back.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (_, _) = t.page(&cookie, &format!("/my/{code}/files")).await;
    let v = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(
        sources(&v)
            .iter()
            .filter(|(c, _)| c == "giay_to_cu_tru")
            .count(),
        1
    );
}

#[tokio::test]
async fn every_form_is_prefilled_the_same_way_from_the_population_database() {
    let t = TestApp::spawn().await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    // Marital status certificate: name, birth date, sex, ethnicity, nationality, ID, residence.
    let code = new_draft(&t, &citizen, "1.004873").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, html) = t.page(&cookie, &format!("/my/{code}/form")).await;
    assert_eq!(status, 200);
    for needle in [
        "value=\"Nguyễn Văn An\"",
        "value=\"1985-03-12\"",
        "value=\"Kinh\"",
        "value=\"Việt Nam\"",
        "value=\"031085012345\"",
        "value=\"Số 15 Lạch Tray\"",
    ] {
        assert!(html.contains(needle), "{needle} in {html}");
    }
    // Criminal record certificate: the same birth date, and the parents' names from the record.
    let code = new_draft(&t, &citizen, "3.000333").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, html) = t.page(&cookie, &format!("/my/{code}/form")).await;
    assert!(html.contains("value=\"1985-03-12\""), "{html}");
    assert!(html.contains("value=\"Kinh\""), "{html}");
    // The birth registration takes the parents' marriage from the civil status database.
    let code = new_draft(&t, &citizen, "1.001193").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    // It is asked in the form's fifth part, "the parents' marriage".
    let (_, html) = t.page(&cookie, &format!("/my/{code}/form?section=4")).await;
    assert!(html.contains("Việc kết hôn của cha mẹ"), "{html}");
    assert!(html.contains("value=\"2014-10-18\""), "{html}");
    assert!(html.contains("value=\"UBND phường Ngô Quyền\""), "{html}");
}

#[tokio::test]
async fn the_health_view_is_for_administrators_and_monitors() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let r = t.get(&citizen, "/api/v1/connectors").await;
    expect_problem(r, 403, "admins_and_monitors_only").await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    expect_problem(
        t.get(&officer, "/api/v1/connectors").await,
        403,
        "admins_and_monitors_only",
    )
    .await;
    let monitor = t.staff_token("monitor@H31").await;
    let h = json(t.get(&monitor, "/api/v1/connectors").await).await;
    // Nobody has applied yet: configured but not contacted.
    assert_eq!(h["summary"]["connected"], 0, "{h}");
    assert_eq!(h["connectors"].as_array().unwrap().len(), 18);
    let cookie = t.staff_cookie("monitor@H31").await;
    let (status, html) = t.page(&cookie, "/staff/connectors").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("0 trên 18 cơ sở dữ liệu đã kết nối"),
        "{html}"
    );
    assert!(html.contains("Chưa liên lạc") && html.contains("Chưa kết nối"));
}

/// Takes a submitted dossier to its result, as the agency's staff do.
async fn to_result(t: &TestApp, code: &str) {
    t.approve_in_agency_a(code).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    assert_eq!(t.issue_result(&clerk, code).await.status(), 200);
}

#[tokio::test]
async fn the_issued_birth_certificate_is_attached_from_the_warehouse_and_fills_the_copy_request() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let birth = t.submitted_birth_registration(&citizen).await;
    to_result(&t, &birth).await;

    // The warehouse holds the result (signed, verifiable) and the files of the dossier; not the
    // extracts read from the national databases.
    let r = t.get(&citizen, "/api/v1/me/warehouse").await;
    assert_eq!(r.status(), 200);
    let w = json(r).await;
    let items = w["items"].as_array().unwrap();
    let result = items
        .iter()
        .find(|i| i["kind"] == "result")
        .unwrap()
        .clone();
    assert_eq!(result["dossier_code"], birth.as_str());
    assert_eq!(result["status"], "valid");
    assert!(
        result["verify_url"]
            .as_str()
            .unwrap()
            .starts_with("/verify/")
    );
    assert!(result["issuer"].as_str().is_some());
    assert_eq!(result["sha256"].as_str().unwrap().len(), 64);
    assert!(items.iter().any(|i| i["kind"] == "component"));
    assert!(
        !items
            .iter()
            .any(|i| i["title"].as_str().unwrap().contains("Giấy tờ tùy thân"))
    );
    // Staff have no warehouse; another citizen cannot attach A's item.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    expect_problem(
        t.get(&officer, "/api/v1/me/warehouse").await,
        403,
        "citizens_only",
    )
    .await;

    // A copy of the birth certificate: attach it in one step; the child is filled in.
    let copy = new_draft(&t, &citizen, "2.000635").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = t.citizen_token(CITIZEN_B).await;
    let b_copy = new_draft(&t, &other, "2.000635").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({ "component": "giay_to_ho_tich_da_cap", "warehouse_item": result["id"] });
    let r = t
        .post_json(
            &other,
            &format!("/api/v1/dossiers/{b_copy}/attachments"),
            &body,
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{copy}/attachments"),
            &body,
        )
        .await;
    assert_eq!(r.status(), 201);
    let a = json(r).await;
    assert_eq!(a["source"], "warehouse");
    assert_eq!(a["sha256"], result["sha256"]);
    let v = json(t.get(&citizen, &format!("/api/v1/dossiers/{copy}")).await).await;
    assert_eq!(v["form"]["ho_ten_nguoi_duoc_cap"], "Nguyễn Minh Khang");
    assert_eq!(v["form"]["ngay_sinh_nguoi_duoc_cap"], "2026-11-02");
    assert_eq!(v["form"]["loai_giay_to"], "khai_sinh");
    assert_eq!(v["form"]["so_dang_ky"], result["number"]);
    // The attached copy is the same signed file.
    let bytes = t
        .get(
            &citizen,
            v["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["source"] == "warehouse")
                .unwrap()["url"]
                .as_str()
                .unwrap(),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let original = t
        .get(&citizen, result["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes, original);

    // The documents page offers the warehouse.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (_, html) = t.page(&cookie, &format!("/my/{copy}/files")).await;
    assert!(html.contains("Hoặc lấy từ kho dữ liệu của bạn"), "{html}");
    assert!(html.contains(&format!("value=\"{}\"", result["id"].as_str().unwrap())));
}

#[tokio::test]
async fn papers_digitized_at_the_counter_enter_the_citizens_warehouse() {
    let t = TestApp::spawn().await;
    let code = t
        .submitted_counter_temporary_residence_with(&["cho_o_hop_phap"])
        .await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let w = json(t.get(&citizen, "/api/v1/me/warehouse").await).await;
    let scanned: Vec<&Value> = w["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["dossier_code"] == code.as_str())
        .collect();
    assert!(!scanned.is_empty(), "{w}");
    for i in scanned {
        assert_eq!(i["kind"], "digitized", "{i}");
        // Digitized by the receiving commune, which is named as the issuer.
        assert!(i["issuer"].as_str().unwrap().contains("Ngô Quyền"), "{i}");
        assert_eq!(i["status"], "valid");
    }

    // Applying again online, the proof of lawful residence is taken from the warehouse (the
    // catalogue says the warehouse can hold it): the newest copy, marked as such.
    let again = new_draft(&t, &citizen, "1.004194").await;
    let taken: Vec<&Value> = again["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["component"] == "cho_o_hop_phap")
        .collect();
    assert_eq!(taken.len(), 1, "{again}");
    assert_eq!(taken[0]["source"], "warehouse");
}
