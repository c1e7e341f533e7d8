//! A newborn's personal identification number (Law on Identification 2023, Art. 12): asked of
//! the population database when the birth registration's result is issued, printed on the birth
//! certificate and kept in the dossier's record; a database that cannot answer holds the issuing
//! back without costing a register number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_domain::national::Database;
use motcua_sim::registries::Mode;
use motcua_testkit::*;
use serde_json::{Value, json};

/// The text of a PDF, as lopdf decodes it through the fonts' ToUnicode maps, whitespace collapsed.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn result_text(t: &TestApp, token: &str, dossier: &Value) -> String {
    let doc = dossier["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "result")
        .unwrap_or_else(|| panic!("no result in {dossier}"));
    let bytes = t
        .get(token, doc["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    pdf_text(&bytes)
}

fn sims(t: &TestApp) -> &motcua_server::connectors::Simulators {
    t.registries.as_deref().expect("demo simulators")
}

async fn approved_birth(t: &TestApp) -> (String, String) {
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    t.approve_in_agency_a(&code).await;
    (code, t.staff_token(&format!("clerk@{AGENCY_A}")).await)
}

async fn issue(t: &TestApp, clerk: &str, code: &str) -> reqwest::Response {
    t.action(
        clerk,
        code,
        json!({ "action": "issue_result", "decision": "Cấp Giấy khai sinh" }),
    )
    .await
}

fn births_asked(t: &TestApp) -> usize {
    sims(t)
        .requests(Database::Population)
        .iter()
        .filter(|r| r.path.ends_with("/api/cong-dan/khai-sinh"))
        .count()
}

#[tokio::test]
async fn issuing_a_birth_certificate_gives_the_child_a_personal_id_the_population_database_knows() {
    let t = TestApp::spawn().await;
    let (code, clerk) = approved_birth(&t).await;
    let r = issue(&t, &clerk, &code).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let d = json(r).await;
    // Hải Phòng (31), a boy born in 2026: 031 2 26 and six more digits.
    let id = d["form"]["so_dinh_danh_tre"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        id.len() == 12 && id.starts_with("031226") && id.bytes().all(|b| b.is_ascii_digit()),
        "{id:?}"
    );
    assert_eq!(births_asked(&t), 1);
    // The certificate prints it, and its entry is the first of the year's birth register.
    let text = result_text(&t, &clerk, &d).await;
    assert!(text.contains(&id), "{text}");
    assert!(text.contains("Số: 1,"), "{text}");
    // The database now answers for the child, living with the father it knows.
    let record: Value = t
        .http
        .get(t.url(&format!("/sim/population/api/cong-dan/{id}")))
        .bearer_auth(sims(&t).token())
        .header("x-purpose", "kiem-tra")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["HoVaTen"], "Nguyễn Minh Khang", "{record}");
    assert_eq!(record["NgayThangNamSinh"], "2026-11-02");
    // The issuing step's audit entry holds what it added to the record.
    use motcua_store::entities::audit_entry;
    use motcua_store::sea_orm::EntityTrait;
    let audited = audit_entry::Entity::find()
        .all(&t.app.db)
        .await
        .unwrap()
        .into_iter()
        .any(|e| e.action.contains("issue_result") && e.data.contains(&id));
    assert!(
        audited,
        "the personal ID is not in the issuing step's audit entry"
    );
}

#[tokio::test]
async fn a_population_database_that_cannot_answer_holds_the_certificate_back_and_costs_no_number() {
    let t = TestApp::spawn().await;
    let (code, clerk) = approved_birth(&t).await;
    sims(&t).set_mode(Database::Population, Mode::Down);
    let p = expect_problem(
        issue(&t, &clerk, &code).await,
        503,
        "population_db_unavailable",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap_or_default().contains("thử lại")
            || p.to_string().contains("thử lại"),
        "{p}"
    );
    let d = json(t.get(&clerk, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_ne!(d["status"], 9, "nothing issued: {d}");
    assert!(
        !d["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|doc| doc["kind"] == "result"),
        "{d}"
    );
    assert!(d["form"].get("so_dinh_danh_tre").is_none());

    sims(&t).set_mode(Database::Population, Mode::Ok);
    let r = issue(&t, &clerk, &code).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let d = json(r).await;
    assert_eq!(d["status"], 9);
    let number = d["documents"][0]["number"].as_str().unwrap();
    assert!(
        number.starts_with("0001/"),
        "the failed try took no number: {number}"
    );
    assert!(
        d["form"]["so_dinh_danh_tre"]
            .as_str()
            .is_some_and(|s| s.starts_with("031226"))
    );
}

fn death_form() -> Value {
    json!({
        "ho_ten_nguoi_chet": "Lê Văn Tư",
        "so_dinh_danh_nguoi_chet": "031045001122",
        "ngay_sinh_nguoi_chet": "1945-03-02",
        "gioi_tinh": "nam",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "noi_cu_tru_cuoi_cung": { "commune": "11341", "street": "Số 15 Lạch Tray" },
        "thoi_diem_chet": "2026-11-10",
        "noi_chet": "Bệnh viện Việt Tiệp",
        "nguyen_nhan_chet": "Bệnh già",
        "giay_bao_tu_so": "GBT-2026-77",
        "ho_ten_nguoi_yeu_cau": "Nguyễn Văn An",
        "so_dinh_danh_nguoi_yeu_cau": CITIZEN_A,
        "quan_he": "con",
        "noi_cu_tru_nguoi_yeu_cau": { "commune": "11341", "street": "Số 15 Lạch Tray" },
        "so_dien_thoai": "0912345678"
    })
}

#[tokio::test]
async fn births_and_deaths_are_entered_in_books_of_their_own() {
    let t = TestApp::spawn().await;
    let (birth, clerk) = approved_birth(&t).await;
    let b = json(issue(&t, &clerk, &birth).await).await;
    assert!(result_text(&t, &clerk, &b).await.contains("Số: 1,"));

    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = json(
        t.post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.000656" }),
        )
        .await,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t
        .put_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/form"),
            &death_form(),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_bao_tu",
            "giay-bao-tu.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let death = json(r).await["code"].as_str().unwrap().to_owned();
    t.approve_in_agency_a(&death).await;
    let d = json(issue(&t, &clerk, &death).await).await;
    assert_eq!(d["status"], 9, "{d}");
    let text = result_text(&t, &clerk, &d).await;
    assert!(text.contains("TRÍCH LỤC KHAI TỬ"), "{text}");
    // The first death of the year: entry 1 of the death register, not entry 2 after the birth.
    assert!(text.contains("Số: 1,"), "{text}");
    // The agency's document numbers still run on across kinds.
    assert!(
        d["documents"].to_string().contains("0002/2026/KQ-"),
        "{}",
        d["documents"]
    );
}
