//! Applying for an enterprise and its warehouse (issue 15; SPEC §6, §7; Decree 45/2020 Art.
//! 16(3)(a)): the legal representative signs in as themselves and names the enterprise, which the
//! national business registration database must confirm; what is applied for an enterprise goes
//! to the enterprise's warehouse, not the person's, and feeds the enterprise's next dossier.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_domain::national::Database;
use motcua_sim::registries::Mode;
use motcua_sim::registries::world::LACH_TRAY_CODE;
use motcua_testkit::*;
use serde_json::{Value, json};

/// A construction permit (1.013225): the investor is a person or an organisation.
const PERMIT: &str = "1.013225";

fn sims(t: &TestApp) -> &motcua_server::connectors::Simulators {
    t.registries.as_deref().expect("demo simulators")
}

async fn draft_for(t: &TestApp, token: &str, on_behalf_of: Option<&str>) -> reqwest::Response {
    t.post_json(
        token,
        "/api/v1/dossiers",
        &json!({ "procedure": PERMIT, "on_behalf_of": on_behalf_of }),
    )
    .await
}

/// Fills, files the original and submits; returns the dossier code.
async fn submitted(t: &TestApp, token: &str, on_behalf_of: Option<&str>) -> String {
    let r = draft_for(t, token, on_behalf_of).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    let form = json!({
        "ten_chu_dau_tu": "Công ty TNHH Thương mại Lạch Tray",
        "so_dinh_danh_ca_nhan": CITIZEN_A,
        "nguoi_dai_dien": "Nguyễn Văn An", "chuc_vu": "Giám đốc",
        "so_dien_thoai": "0912345678", "lo_dat_so": "15", "dien_tich": 120,
        "tai_so_nha_duong_pho": "Số 210 Lạch Tray", "phuong_xa": "Phường Lê Chân",
        "tinh_thanh_pho": "Hải Phòng", "ten_to_chuc_lap_thiet_ke": "Công ty CP Tư vấn Thiết kế Hải Phòng",
        "loai_cong_trinh": "khong_theo_tuyen", "cap_cong_trinh": "IV", "cot_xay_dung": 0.45,
        "dien_tich_xay_dung_tang_1": 90, "tong_dien_tich_san": 270, "chieu_cao_cong_trinh": 11.5,
        "so_tang": 3, "du_kien_hoan_thanh_thang": 8
    });
    let r = t
        .put_json(token, &format!("/api/v1/dossiers/{code}/form"), &form)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = t
        .upload(
            token,
            &code,
            "ban_ve_thiet_ke",
            "ban-ve.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = t
        .post_json(
            token,
            &format!("/api/v1/dossiers/{code}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    json(r).await["code"].as_str().unwrap().to_owned()
}

async fn to_result(t: &TestApp, code: &str) {
    t.approve_in_agency_a(code).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    assert_eq!(t.issue_result(&clerk, code).await.status(), 200);
}

async fn warehouse(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = t.get(token, &format!("/api/v1/me/warehouse{query}")).await;
    assert_eq!(r.status(), 200);
    json(r).await["items"].as_array().unwrap().clone()
}

fn dossiers_of(items: &[Value]) -> Vec<&str> {
    let mut v: Vec<&str> = items
        .iter()
        .map(|i| i["dossier_code"].as_str().unwrap())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[tokio::test]
async fn only_the_registered_representative_applies_for_an_enterprise() {
    let t = TestApp::spawn().await;
    let an = t.citizen_token(CITIZEN_A).await;
    let binh = t.citizen_token(CITIZEN_B).await;

    // The register says whom An represents; Bình represents no enterprise of An's.
    let r = t.get(&an, "/api/v1/me/enterprises").await;
    assert_eq!(r.status(), 200);
    let list = json(r).await;
    assert!(
        list["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == LACH_TRAY_CODE),
        "{list}"
    );

    let r = draft_for(&t, &an, Some(LACH_TRAY_CODE)).await;
    assert_eq!(r.status(), 201);
    let v = json(r).await;
    assert_eq!(v["on_behalf_of"]["code"], LACH_TRAY_CODE);
    assert_eq!(
        v["on_behalf_of"]["name"],
        "Công ty TNHH Thương mại Lạch Tray"
    );

    let before = t.dossier_codes(&binh).await.len();
    expect_problem(
        draft_for(&t, &binh, Some(LACH_TRAY_CODE)).await,
        403,
        "not_representative",
    )
    .await;
    // A procedure only people apply for.
    let r = t
        .post_json(
            &an,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.001193", "on_behalf_of": LACH_TRAY_CODE }),
        )
        .await;
    expect_problem(r, 422, "enterprise_not_admitted").await;
    // Staff do not act as an enterprise's representative.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    expect_problem(
        t.get(&officer, "/api/v1/me/enterprises").await,
        403,
        "citizens_only",
    )
    .await;

    // With the register down nobody can claim to represent anything; nothing is created.
    sims(&t).set_mode(Database::Enterprise, Mode::Down);
    expect_problem(
        draft_for(&t, &an, Some(LACH_TRAY_CODE)).await,
        503,
        "enterprise_db_unavailable",
    )
    .await;
    expect_problem(
        t.get(
            &an,
            &format!("/api/v1/me/warehouse?enterprise={LACH_TRAY_CODE}"),
        )
        .await,
        503,
        "enterprise_db_unavailable",
    )
    .await;
    assert_eq!(t.dossier_codes(&binh).await.len(), before);
    // Applying for oneself does not need the register.
    assert_eq!(draft_for(&t, &an, None).await.status(), 201);

    // Each check is in An's access log.
    let r = t.get(&an, "/api/v1/me/access-log").await;
    let log = json(r).await;
    assert!(log.to_string().contains("apply.enterprise"), "{log}");
}

#[tokio::test]
async fn the_enterprises_results_go_to_its_own_warehouse_and_feed_its_next_dossier() {
    let t = TestApp::spawn().await;
    let an = t.citizen_token(CITIZEN_A).await;
    let binh = t.citizen_token(CITIZEN_B).await;

    let for_company = submitted(&t, &an, Some(LACH_TRAY_CODE)).await;
    to_result(&t, &for_company).await;
    let for_self = submitted(&t, &an, None).await;
    to_result(&t, &for_self).await;

    // Two warehouses, each with its own dossiers only.
    let company = warehouse(&t, &an, &format!("?enterprise={LACH_TRAY_CODE}")).await;
    let own = warehouse(&t, &an, "").await;
    assert_eq!(dossiers_of(&company), vec![for_company.as_str()]);
    assert_eq!(dossiers_of(&own), vec![for_self.as_str()]);
    let result = company
        .iter()
        .find(|i| i["kind"] == "result")
        .expect("the enterprise's result")
        .clone();
    assert_eq!(result["status"], "valid");

    // Someone who does not represent it cannot open it.
    expect_problem(
        t.get(
            &binh,
            &format!("/api/v1/me/warehouse?enterprise={LACH_TRAY_CODE}"),
        )
        .await,
        403,
        "not_representative",
    )
    .await;

    // The enterprise's next dossier takes the item in one step; the person's own cannot.
    let body = json!({ "component": "ket_qua_pccc", "warehouse_item": result["id"] });
    let next = json(draft_for(&t, &an, Some(LACH_TRAY_CODE)).await).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let personal = json(draft_for(&t, &an, None).await).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t
        .post_json(
            &an,
            &format!("/api/v1/dossiers/{personal}/attachments"),
            &body,
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    let r = t
        .post_json(&an, &format!("/api/v1/dossiers/{next}/attachments"), &body)
        .await;
    assert_eq!(r.status(), 201);
    let a = json(r).await;
    assert_eq!(a["source"], "warehouse");
    assert_eq!(a["sha256"], result["sha256"]);

    // Pages: the choice on the start page, the enterprise on the dossier page, and the
    // enterprise's warehouse offered on its dossier's documents page.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, html) = t.page(&cookie, &format!("/apply/{PERMIT}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("value=\"{LACH_TRAY_CODE}\"")),
        "{html}"
    );
    let (_, html) = t.page(&cookie, &format!("/apply/{PERMIT}?lang=en")).await;
    assert!(html.contains("Who are you applying for?"), "{html}");
    assert!(html.contains("Myself"));
    let (_, html) = t.page(&cookie, "/apply/1.001193").await;
    assert!(!html.contains("applying_for"), "{html}");
    let (_, html) = t.page(&cookie, &format!("/my/{for_company}")).await;
    assert!(html.contains("Công ty TNHH Thương mại Lạch Tray"), "{html}");
    let (_, html) = t.page(&cookie, &format!("/my/{next}/files")).await;
    assert!(html.contains(&format!("value=\"{}\"", result["id"].as_str().unwrap())));
    let (_, html) = t.page(&cookie, &format!("/my/{personal}/files")).await;
    assert!(!html.contains(&format!("value=\"{}\"", result["id"].as_str().unwrap())));
    // The officer sees for whom it was filed.
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (_, html) = t
        .page(&officer, &format!("/staff/dossiers/{for_company}"))
        .await;
    assert!(html.contains("Nộp cho doanh nghiệp"), "{html}");

    // The register down: the start page says so and still lets An apply for himself.
    sims(&t).set_mode(Database::Enterprise, Mode::Down);
    let (status, html) = t.page(&cookie, &format!("/apply/{PERMIT}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Chưa kết nối được Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"));
    assert!(!html.contains(&format!("value=\"{LACH_TRAY_CODE}\"")));
    let (_, html) = t.page(&cookie, &format!("/apply/{PERMIT}?lang=en")).await;
    assert!(html.contains("you can still apply for yourself"), "{html}");
}
