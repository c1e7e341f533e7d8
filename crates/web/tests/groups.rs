//! Interconnected groups (issue 19, Decree 63/2024): one application fanned out into member
//! dossiers at each competent agency, members that wait for another's result starting by
//! themselves, one tracker for the applicant, each agency seeing only its own member.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

mod common;
use common::{pay_at_bank, wait_for};

const POLICE_A: &str = "H31.11341.CA";
const SOCIAL_INSURANCE: &str = "H31.06";

fn birth_group_form() -> Value {
    json!({
        "ho_ten_tre": "Nguyễn Minh Khang",
        "ngay_sinh": "2026-11-02",
        "gioi_tinh": "nam",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "noi_sinh": "Bệnh viện Phụ sản Hải Phòng",
        "que_quan": "Phường Ngô Quyền, thành phố Hải Phòng",
        "so_giay_chung_sinh": "GCS-2026-114",
        "ho_ten_me": "Trần Thị Bình",
        "so_dinh_danh_me": "031190004567",
        "ho_ten_cha": "Nguyễn Văn An",
        "so_dinh_danh_cha": CITIZEN_A,
        "nguoi_yeu_cau_quan_he": "cha",
        "noi_dang_ky_thuong_tru": "theo_cha",
        "dia_chi_thuong_tru": { "commune": "11341", "street": "Số 15 Lạch Tray" },
        "ho_ten_chu_ho": "Nguyễn Văn An",
        "so_dinh_danh_chu_ho": CITIZEN_A,
        "quan_he_chu_ho": "con",
        "loai_cho_o": "so_huu",
        "noi_kcb_ban_dau": "Trạm y tế phường Ngô Quyền",
        "de_nghi_cap_the_can_cuoc": "khong",
        "de_nghi_cap_ban_sao": "co",
        "so_luong_ban_sao_gks": 1,
        "nhan_ket_qua": "truc_tiep",
        "so_dien_thoai": "0912345678"
    })
}

/// A group's draft, its form filled and the given components uploaded; returns its reference.
async fn group_draft(
    t: &TestApp,
    citizen: &str,
    procedure: &str,
    form: &Value,
    components: &[&str],
) -> String {
    let r = t
        .post_json(
            citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": procedure }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft = json(r).await["code"].as_str().unwrap().to_owned();
    let r = t
        .put_json(citizen, &format!("/api/v1/dossiers/{draft}/form"), form)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    for component in components {
        let r = t
            .upload(
                citizen,
                &draft,
                component,
                "giay-to.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        assert_eq!(r.status(), 201, "{component}");
    }
    draft
}

async fn submit(t: &TestApp, citizen: &str, draft: &str) -> Value {
    let r = t
        .post_json(
            citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    json(r).await
}

/// A submitted birth + residence + health insurance application (the group's view).
async fn submitted_birth_group(t: &TestApp, citizen: &str) -> Value {
    let draft = group_draft(
        t,
        citizen,
        "3.000722",
        &birth_group_form(),
        &["to_khai_dien_tu", "giay_chung_sinh_dien_tu"],
    )
    .await;
    // The residence charge is paid online before submitting, as for any application.
    let started = json(
        t.post_json(
            citizen,
            &format!("/api/v1/dossiers/{draft}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    assert_eq!(started["amount"], 10_000, "{started}");
    pay_at_bank(t, started["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(t, citizen, &draft, "succeeded").await;
    submit(t, citizen, &draft).await
}

fn member<'a>(group: &'a Value, procedure: &str) -> &'a Value {
    group["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["procedure"] == procedure)
        .unwrap_or_else(|| panic!("no member {procedure} in {group}"))
}

/// Takes a member dossier of `agency` from submitted to result returned, as its staff do.
async fn work_through(t: &TestApp, agency: &str, code: &str) {
    let officer = t.staff_token(&format!("officer@{agency}")).await;
    let leader = t.staff_token(&format!("leader@{agency}")).await;
    let specialist = t.staff_token(&format!("specialist@{agency}")).await;
    let clerk = t.staff_token(&format!("clerk@{agency}")).await;
    for (who, body) in [
        (&officer, json!({ "action": "receive" })),
        (
            &leader,
            json!({ "action": "assign", "assignee": format!("specialist@{agency}") }),
        ),
        (
            &specialist,
            json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
        ),
        (&leader, json!({ "action": "approve" })),
    ] {
        let r = t.action(who, code, body.clone()).await;
        assert_eq!(
            r.status(),
            200,
            "{agency} {body}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let r = t.issue_result(&clerk, code).await;
    assert_eq!(
        r.status(),
        200,
        "{agency} issue: {}",
        r.text().await.unwrap_or_default()
    );
    let r = t
        .action(&officer, code, json!({ "action": "return_result" }))
        .await;
    assert_eq!(r.status(), 200, "{agency} return");
}

#[tokio::test]
async fn a_birth_group_fans_out_and_its_members_follow_the_birth_certificate() {
    // The sandbox bank keeps real time; so does this server.
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let group = submitted_birth_group(&t, &citizen).await;
    let code = group["code"].as_str().unwrap().to_owned();
    // The group is in processing against the group's time limit; its first member has started.
    assert_eq!(group["status"], 4, "{group}");
    assert!(group["due_at"].is_string());
    let birth = member(&group, "1.001193");
    assert_eq!(birth["state"], "started");
    assert_eq!(birth["status"], 1);
    assert_eq!(birth["agency"], AGENCY_A);
    let birth_code = birth["code"].as_str().unwrap().to_owned();
    assert!(
        birth_code.starts_with(&format!("{AGENCY_A}-")),
        "{birth_code}"
    );
    assert_ne!(birth_code, code);
    for p in ["1.004222", "9.900002"] {
        let m = member(&group, p);
        assert_eq!(m["state"], "waiting", "{m}");
        assert_eq!(m["code"], Value::Null);
        assert_eq!(m["after"], "1.001193");
    }
    // Anyone with the group's code follows every member, without personal data.
    let tracked = json(
        t.http
            .get(t.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let states: Vec<(&str, &str)> = tracked["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["procedure"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("1.001193", "started"),
            ("1.004222", "waiting"),
            ("9.900002", "waiting")
        ],
        "{tracked}"
    );
    assert_eq!(tracked["members"][0]["code"], birth_code.as_str());
    assert!(!tracked.to_string().contains("Nguyễn"), "{tracked}");
    let page = t
        .http
        .get(t.url(&format!("/track?code={code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/track?code={birth_code}")),
        "{page}"
    );
    // The member carries the group's answers and files.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let b = json(
        t.get(&officer, &format!("/api/v1/dossiers/{birth_code}"))
            .await,
    )
    .await;
    assert_eq!(b["group"], code.as_str());
    assert_eq!(b["form"]["ho_ten_tre"], "Nguyễn Minh Khang");
    // The person applying, whom the group's form does not ask about again, and what the birth
    // registration's own form derives.
    assert_eq!(b["form"]["so_dinh_danh_nguoi_yeu_cau"], CITIZEN_A);
    assert!(
        b["form"]["ho_ten_nguoi_yeu_cau"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{b}"
    );
    assert_eq!(
        b["form"]["ngay_sinh_bang_chu"],
        "Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu"
    );
    let files: Vec<&str> = b["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["component"].as_str().unwrap_or_default())
        .collect();
    assert!(
        files.contains(&"to_khai") && files.contains(&"giay_chung_sinh"),
        "{files:?}"
    );
    // Nobody acts on the group's own dossier.
    expect_problem(
        t.action(&officer, &code, json!({ "action": "receive" }))
            .await,
        409,
        "group_dossier",
    )
    .await;
    // The police of the commune do not see the civil-status member.
    let police = t.staff_token(&format!("officer@{POLICE_A}")).await;
    assert_eq!(
        t.get(&police, &format!("/api/v1/dossiers/{birth_code}"))
            .await
            .status(),
        404
    );

    // The commune issues the birth certificate: the residence and insurance members start.
    work_through(&t, AGENCY_A, &birth_code).await;
    let g = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(g["status"], 4, "the others are still being handled");
    let residence = member(&g, "1.004222");
    assert_eq!(residence["state"], "started", "{g}");
    assert_eq!(residence["agency"], POLICE_A);
    let insurance = member(&g, "9.900002");
    assert_eq!(insurance["agency"], SOCIAL_INSURANCE);
    let residence_code = residence["code"].as_str().unwrap().to_owned();
    let insurance_code = insurance["code"].as_str().unwrap().to_owned();
    let r = json(
        t.get(&police, &format!("/api/v1/dossiers/{residence_code}"))
            .await,
    )
    .await;
    assert_eq!(r["status"], 1);
    assert_eq!(r["form"]["ho_ten"], "Nguyễn Minh Khang");
    assert_eq!(r["form"]["dia_chi_dang_ky"]["commune"], "11341");
    // The personal ID the population database gave the child with the birth certificate: the
    // residence is registered, and the insurance card made out, under it.
    let birth = json(
        t.get(&officer, &format!("/api/v1/dossiers/{birth_code}"))
            .await,
    )
    .await;
    let child_id = birth["form"]["so_dinh_danh_tre"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(child_id.starts_with("031226"), "{child_id}");
    assert_eq!(r["form"]["so_dinh_danh"], child_id.as_str());
    assert_eq!(r["form"]["so_dinh_danh_chu_ho"], CITIZEN_A);
    assert_eq!(r["form"]["truong_hop_xoa"], Value::Null);
    assert!(
        r["form"]["noi_dung_de_nghi"]
            .as_str()
            .unwrap()
            .contains("khai sinh")
    );
    // The residence charge was paid once, on the group's application: the member asks nothing.
    assert_eq!(r["fees"]["total"], 0, "{}", r["fees"]);
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (_, page) = t.page(&cookie, &format!("/my/{residence_code}")).await;
    assert!(
        page.contains("được tính và nộp một lần cùng hồ sơ liên thông"),
        "{page}"
    );
    let i = json(
        t.get(&citizen, &format!("/api/v1/dossiers/{insurance_code}"))
            .await,
    )
    .await;
    assert_eq!(i["form"]["ma_so_bhxh"], child_id.as_str());
    assert_eq!(
        i["form"]["so_thanh_vien"], 1,
        "a fixed answer stored as its field's type"
    );
    assert_eq!(i["form"]["so_dinh_danh_nguoi_dong"], CITIZEN_A);

    work_through(&t, POLICE_A, &residence_code).await;
    let g = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(g["status"], 4);
    work_through(&t, SOCIAL_INSURANCE, &insurance_code).await;
    let g = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(g["status"], 10, "every member returned: {g}");
    assert!(g["finished_at"].is_string());
    // Every result is in the applicant's document warehouse.
    let docs = json(t.get(&citizen, "/api/v1/me/documents").await).await;
    let text = docs.to_string();
    for c in [&birth_code, &residence_code, &insurance_code] {
        assert!(text.contains(c.as_str()), "{c} not in {docs}");
    }
    // The applicant's page lists the members with their statuses.
    let (status, page) = t.page(&cookie, &format!("/my/{code}")).await;
    assert_eq!(status, 200);
    for c in [&birth_code, &residence_code, &insurance_code] {
        assert!(page.contains(c.as_str()), "{c} not on the group's page");
    }
    // The group itself counts in no indicator: only its three members were received.
    motcua_app::rollups::refresh(&t.app, 1000).await.unwrap();
    let r = json(t.get(&officer, "/api/v1/indicators?agency=H31").await).await;
    assert_eq!(r["dossiers"], 3, "{r}");
}

#[tokio::test]
async fn a_member_after_a_refused_one_never_starts_and_the_group_ends() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let group = submitted_birth_group(&t, &citizen).await;
    let code = group["code"].as_str().unwrap().to_owned();
    let birth_code = member(&group, "1.001193")["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(
            &officer,
            &birth_code,
            json!({ "action": "refuse", "reason": "Giấy chứng sinh không khớp dữ liệu cơ sở y tế" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let g = json(t.get(&citizen, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(g["status"], 8, "{g}");
    for p in ["1.004222", "9.900002"] {
        assert_eq!(member(&g, p)["state"], "cancelled");
        assert_eq!(member(&g, p)["code"], Value::Null);
    }
}

#[tokio::test]
async fn withdrawing_a_group_withdraws_its_members_and_the_waiting_ones_never_start() {
    // The sandbox bank checks a payment's expiry against the real time.
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let g = submitted_birth_group(&t, &citizen).await;
    let code = g["code"].as_str().unwrap().to_owned();
    let birth_code = member(&g, "1.001193")["code"].as_str().unwrap().to_owned();
    // The group's page offers withdrawal, saying what it means for a group.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, page) = t.page(&cookie, &format!("/my/{code}/withdraw")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("yêu cầu rút được gửi tới từng hồ sơ thành phần"),
        "{page}"
    );
    // Nobody else may withdraw it; the applicant may, with one request for the whole group.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    assert_ne!(
        t.action(
            &officer,
            &code,
            json!({ "action": "request_withdrawal", "reason": "x" })
        )
        .await
        .status(),
        200
    );
    let r = t
        .action(
            &citizen,
            &code,
            json!({ "action": "request_withdrawal", "reason": "Gia đình chuyển nơi cư trú" }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let g = json(r).await;
    // The birth registration was not yet received: withdrawn at once; the members waiting for
    // its result will not start, and the group has ended without a result.
    let birth = member(&g, "1.001193");
    assert_eq!(birth["state"], "started");
    assert_ne!(birth["status"], 1, "{g}");
    for p in ["1.004222", "9.900002"] {
        assert_eq!(member(&g, p)["state"], "cancelled", "{g}");
    }
    assert_eq!(g["status"], 8, "{g}");
    let b = json(
        t.get(&citizen, &format!("/api/v1/dossiers/{birth_code}"))
            .await,
    )
    .await;
    assert!(
        b["history"].to_string().contains("request_withdrawal"),
        "{}",
        b["history"]
    );
    // Nothing is left to withdraw.
    expect_problem(
        t.action(
            &citizen,
            &code,
            json!({ "action": "request_withdrawal", "reason": "" }),
        )
        .await,
        409,
        "nothing_to_withdraw",
    )
    .await;
}

#[tokio::test]
async fn the_death_group_includes_funeral_support_only_when_chosen() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for (choice, members) in [
        ("kt_xtt", vec!["1.000656", "1.003197"]),
        ("kt_xtt_mtp", vec!["1.000656", "1.003197", "1.001731"]),
    ] {
        let form = json!({
            "ho_ten_nguoi_chet": "Lê Văn Tư",
            "so_dinh_danh_nguoi_chet": "031045001122",
            "ngay_sinh_nguoi_chet": "1945-03-02",
            "gioi_tinh_nguoi_chet": "nam",
            "dan_toc_nguoi_chet": "Kinh",
            "quoc_tich_nguoi_chet": "Việt Nam",
            "noi_cu_tru_cuoi_cung": { "commune": "11341", "street": "Số 15 Lạch Tray" },
            "thoi_diem_chet": "2026-11-10",
            "noi_chet": "Bệnh viện Việt Tiệp",
            "nguyen_nhan_chet": "Bệnh già",
            "so_giay_bao_tu": "GBT-2026-77",
            "thu_tuc_lien_thong": choice,
            "ho_ten_chu_ho": "Lê Văn Tư",
            "so_dinh_danh_chu_ho": "031045001122",
            "quan_he_chu_ho": "chu_ho",
            "ho_ten_nguoi_yeu_cau": "Nguyễn Văn An",
            "so_dinh_danh_nguoi_yeu_cau": CITIZEN_A,
            "quan_he": "con",
            "so_dien_thoai": "0912345678"
        });
        let draft = group_draft(
            &t,
            &citizen,
            "2.002913",
            &form,
            &["to_khai_dien_tu", "giay_bao_tu_dien_tu"],
        )
        .await;
        let g = submit(&t, &citizen, &draft).await;
        let listed: Vec<&str> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["procedure"].as_str().unwrap())
            .collect();
        assert_eq!(listed, members, "{choice}: {g}");
        assert_eq!(member(&g, "1.000656")["state"], "started");
    }
}
