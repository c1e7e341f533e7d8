//! The back office in plain HTML: staff sign in, see their queues, and take a dossier from receipt to
//! return with the action forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

async fn act(
    t: &TestApp,
    cookie: &str,
    code: &str,
    fields: &[(&str, &str)],
    file: bool,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if file {
        let part = reqwest::multipart::Part::bytes(sample_pdf())
            .file_name("ket-qua.pdf")
            .mime_str("application/pdf")
            .unwrap();
        form = form.part("file", part);
    }
    let r = t
        .http
        .post(t.url(&format!("/staff/dossiers/{code}/act")))
        .header("cookie", cookie)
        .header("origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn staff_take_a_dossier_from_receipt_to_return_in_the_browser_pages() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;

    // Wrong password: a clear message, no session.
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", "officer@H31.11341"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Tên đăng nhập hoặc mật khẩu không đúng")
    );

    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, html) = t.page(&officer, "/staff").await;
    assert_eq!(status, 200);
    let to_receive = html
        .split("id=\"q-receive\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        to_receive.contains(&code),
        "the new online dossier waits in 'to receive'"
    );
    assert!(
        to_receive.contains("còn 8 giờ làm việc"),
        "with its 8-working-hour receipt limit"
    );

    let (_, html) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains("value=\"receive\"") && html.contains("value=\"refuse\""));
    assert!(
        !html.contains("value=\"approve\""),
        "an officer is not offered approval"
    );
    assert!(
        html.contains("Nguyễn Minh Khang"),
        "the form is shown inline"
    );
    // Refusing without a reason is refused, and says why.
    let (status, html) = act(&t, &officer, &code, &[("action", "refuse")], false).await;
    assert_eq!(status, 422);
    assert!(html.contains("Thiếu thông tin"));
    // Receipt follows the checklist: each component that came with a file is ticked as examined.
    assert!(
        html.contains("name=\"checked\" value=\"giay_chung_sinh\""),
        "the checklist lists the birth notice"
    );
    let (status, html) = act(&t, &officer, &code, &[("action", "receive")], false).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Chưa đánh dấu đã kiểm tra: Giấy chứng sinh"),
        "{html}"
    );
    let (status, _) = act(
        &t,
        &officer,
        &code,
        &[
            ("action", "receive"),
            ("checked", "giay_chung_sinh"),
            ("checked", "no_such"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 422, "an unknown component is refused");
    assert_eq!(
        act(
            &t,
            &officer,
            &code,
            &[
                ("action", "receive"),
                ("checked", "giay_chung_sinh"),
                // What the national databases gave is examined like any paper.
                ("checked", "giay_to_tuy_than"),
                ("checked", "giay_to_cu_tru"),
                ("checked", "thong_tin_ket_hon_cha_me"),
            ],
            false
        )
        .await
        .0,
        303
    );
    // The page it lands on says what was done; anything else in `done` says nothing.
    let (_, html) = t
        .page(&officer, &format!("/staff/dossiers/{code}?done=receive"))
        .await;
    assert!(html.contains("Đã thực hiện: Tiếp nhận"), "{html}");
    let (status, html) = t
        .page(&officer, &format!("/staff/dossiers/{code}?done=%3Cb%3E"))
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("Đã thực hiện") && !html.contains("<b>"));
    use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let receipt = motcua_store::entities::audit_entry::Entity::find()
        .filter(motcua_store::entities::audit_entry::Column::Action.eq("dossier.receive"))
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        receipt.data.contains(
            "\"checked\":[\"giay_chung_sinh\",\"giay_to_tuy_than\",\"giay_to_cu_tru\",\"thong_tin_ket_hon_cha_me\"]"
        ),
        "the checklist is kept with the receipt: {}",
        receipt.data
    );

    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    let (_, html) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains(&format!("<option value=\"specialist@{AGENCY_A}\">")));
    let spec = format!("specialist@{AGENCY_A}");
    assert_eq!(
        act(
            &t,
            &leader,
            &code,
            &[("action", "assign"), ("assignee", spec.as_str())],
            false
        )
        .await
        .0,
        303
    );

    let specialist = t.staff_cookie(&spec).await;
    let (_, html) = t.page(&specialist, "/staff").await;
    assert!(
        html.split("id=\"q-assigned\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    assert_eq!(
        act(&t, &specialist, &code, &[("action", "approve")], false)
            .await
            .0,
        403,
        "a specialist cannot approve"
    );
    // The form asks for the appraisal; without it the forward is refused and nothing moves.
    let (_, form) = t
        .page(&specialist, &format!("/staff/dossiers/{code}"))
        .await;
    assert!(
        form.contains("name=\"opinion\"") && form.contains("name=\"proposal\""),
        "{form}"
    );
    let (status, refused) = act(
        &t,
        &specialist,
        &code,
        &[("action", "forward"), ("opinion", "  "), ("proposal", "x")],
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("Cần ghi ý kiến thẩm định và đề xuất."),
        "{refused}"
    );
    assert_eq!(
        act(
            &t,
            &specialist,
            &code,
            &[
                ("action", "forward"),
                ("opinion", "Đủ điều kiện theo Điều 16 Luật Hộ tịch"),
                ("proposal", "Đề nghị ký Giấy khai sinh")
            ],
            false
        )
        .await
        .0,
        303
    );

    let (_, html) = t.page(&leader, "/staff").await;
    assert!(
        html.split("id=\"q-review\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    // The leader sees where it is and who holds it, by name; the queue row says the same.
    let holder = motcua_app::org::demo_person_name(&spec);
    let (_, page) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(
        page.contains(&format!("Chờ lãnh đạo duyệt — {holder}")),
        "{page}"
    );
    assert!(
        html.contains(&format!("Chờ lãnh đạo duyệt — {holder}")),
        "{html}"
    );
    assert!(
        page.contains("value=\"send_back\""),
        "sent back before the decision"
    );
    // The leader decides with the appraisal and the proposal in view, and the specialist's name.
    let appraisal = page
        .split("class=\"appraisal\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .unwrap_or_else(|| panic!("no appraisal on the leader's page: {page}"));
    for want in [
        "Đủ điều kiện theo Điều 16 Luật Hộ tịch",
        "Đề nghị ký Giấy khai sinh",
        holder.as_str(),
    ] {
        assert!(appraisal.contains(want), "{want}: {appraisal}");
    }
    assert_eq!(
        act(
            &t,
            &leader,
            &code,
            &[("action", "approve"), ("opinion", "Đồng ý, ký ban hành")],
            false
        )
        .await
        .0,
        303
    );
    // The leader's opinion stays with the appraisal; the applicant reads none of this working.
    let (_, page) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(page.contains("Đồng ý, ký ban hành"), "{page}");
    let citizen = t.citizen_token(CITIZEN_A).await;
    let mine: serde_json::Value = t
        .get(&citizen, &format!("/api/v1/dossiers/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(mine["appraisal"].is_null(), "{mine}");
    let told = mine["history"].to_string();
    for internal in ["Điều 16", "Đề nghị ký", "Đồng ý, ký", "specialist@"] {
        assert!(!told.contains(internal), "{internal}: {told}");
    }
    let staff_view: serde_json::Value = t
        .get(
            &t.staff_token(&format!("leader@{AGENCY_A}")).await,
            &format!("/api/v1/dossiers/{code}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        staff_view["appraisal"]["leader_opinion"], "Đồng ý, ký ban hành",
        "{staff_view}"
    );
    let (_, page) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(
        page.contains(&format!("Đã duyệt, chờ ban hành — {holder}")),
        "{page}"
    );
    assert!(
        !page.contains("value=\"send_back\""),
        "no sending back once approved"
    );

    let clerk = t.staff_cookie(&format!("clerk@{AGENCY_A}")).await;
    // The clerk previews the drafted result before issuing: a PDF, unsigned, nothing registered.
    let (_, page) = t.page(&clerk, &format!("/staff/dossiers/{code}")).await;
    assert!(page.contains(&format!(
        "formaction=\"/staff/dossiers/{code}/result-preview\""
    )));
    let preview = |cookie: String| {
        let form = reqwest::multipart::Form::new().text("decision", "Cấp Giấy khai sinh.");
        t.http
            .post(t.url(&format!("/staff/dossiers/{code}/result-preview")))
            .header("cookie", cookie)
            .header("origin", &t.base)
            .multipart(form)
            .send()
    };
    let r = preview(clerk.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let r = preview(specialist.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "only the clerk who issues previews");
    let registered = motcua_store::entities::document::Entity::find()
        .all(&t.app.db)
        .await
        .unwrap();
    assert!(registered.is_empty(), "a preview registers nothing");
    // Without an uploaded file the result is generated from the template and signed.
    assert_eq!(
        act(
            &t,
            &clerk,
            &code,
            &[
                ("action", "issue_result"),
                ("decision", "Cấp bản chính Giấy khai sinh.")
            ],
            false
        )
        .await
        .0,
        303
    );
    let (_, html) = t.page(&clerk, &format!("/staff/dossiers/{code}")).await;
    assert!(
        html.contains(&format!("/KQ-{AGENCY_A}")),
        "result number shown"
    );
    assert!(html.contains("/verify/"), "link to the verification page");
    // Issued: the last sub-step is no longer where it stands.
    assert!(!html.contains("Đã duyệt, chờ ban hành"), "{html}");

    let (_, html) = t.page(&officer, "/staff").await;
    assert!(
        html.split("id=\"q-return\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&code)
    );
    assert_eq!(
        act(&t, &officer, &code, &[("action", "return_result")], false)
            .await
            .0,
        303
    );
    let (_, html) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert!(html.contains("Đã trả kết quả"));

    // An officer of another commune sees nothing.
    let other = t.staff_cookie(&format!("officer@{AGENCY_B}")).await;
    assert_eq!(
        t.page(&other, &format!("/staff/dossiers/{code}")).await.0,
        404
    );
    assert!(!t.page(&other, "/staff").await.1.contains(&code));
}

async fn scan(t: &TestApp, cookie: &str, path: &str, component: &str) -> u16 {
    let part = reqwest::multipart::Part::bytes(sample_pdf())
        .file_name("scan.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("component", component.to_owned())
        .part("file", part);
    t.http
        .post(t.url(path))
        .header("cookie", cookie)
        .header("origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn counter_intake_looks_up_the_applicant_scans_two_papers_collects_the_fee_and_receives() {
    let t = TestApp::spawn().await;
    let officer = t.staff_cookie("officer@H31.11341").await;

    // The queues offer the counter; the intake page lists this officer's receiving point.
    let (_, home) = t.page(&officer, "/staff").await;
    assert!(home.contains("href=\"/staff/intake\""), "{home}");
    let (status, start) = t.page(&officer, "/staff/intake").await;
    assert_eq!(status, 200);
    assert!(start.contains("value=\"H31.11341.MC\""), "{start}");

    // Citizen A has signed in before, so the look-up fills the name; the look-up is audited.
    t.citizen_cookie(CITIZEN_A).await;
    let (status, _, looked) = t
        .submit_fields(
            &officer,
            "/staff/intake",
            &[
                ("citizen_id", CITIZEN_A),
                ("lookup", "1"),
                ("point", "H31.11341.MC"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(looked.contains("value=\"Nguyễn Văn An\""), "{looked}");
    // Nobody by that number: said so, nothing invented.
    let (_, _, unknown) = t
        .submit_fields(
            &officer,
            "/staff/intake",
            &[("citizen_id", "031099999999"), ("lookup", "1")],
        )
        .await;
    assert!(unknown.contains("class=\"notice\""), "{unknown}");
    // A malformed number is refused in the officer's language.
    let (status, _, bad) = t
        .submit_fields(
            &officer,
            "/staff/intake",
            &[("citizen_id", "12ab"), ("lookup", "1")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(bad.contains("12 chữ số"), "{bad}");

    // Create the draft; the same page sent twice (same key) makes one draft.
    let fields = [
        ("point", "H31.11341.MC"),
        ("channel", "counter"),
        ("procedure", "1.004194"),
        ("citizen_id", CITIZEN_A),
        ("full_name", "Nguyễn Văn An"),
        ("commune", "11341"),
        ("street", "Số 15 Lạch Tray"),
        ("idem", "intake-test-1"),
    ];
    let (status, form_url, _) = t.submit_fields(&officer, "/staff/intake", &fields).await;
    assert_eq!(status, 303);
    assert!(form_url.starts_with("/staff/intake/NHAP-"), "{form_url}");
    let (_, again, _) = t.submit_fields(&officer, "/staff/intake", &fields).await;
    assert_eq!(again, form_url);
    let base = form_url.trim_end_matches("/form").to_owned();

    // The form comes prefilled with what the officer entered.
    let (status, form) = t.page(&officer, &form_url).await;
    assert_eq!(status, 200);
    assert!(form.contains("Nguyễn Văn An"), "{form}");
    assert!(
        !form.contains("data-autosave"),
        "no autosave at the counter"
    );
    let answers = temporary_residence_form();
    let mut posted: Vec<(String, String)> = Vec::new();
    for (k, v) in answers.as_object().unwrap() {
        match v {
            serde_json::Value::Object(o) => {
                for (sub, sv) in o {
                    posted.push((format!("{k}.{sub}"), sv.as_str().unwrap().to_owned()));
                }
            }
            other => posted.push((k.clone(), other.as_str().unwrap().to_owned())),
        }
    }
    let posted_ref: Vec<(&str, &str)> = posted
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (status, files_url, body) = t.submit_fields(&officer, &form_url, &posted_ref).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(files_url, format!("{base}/files"));

    // Two paper documents scanned at the counter.
    for c in ["van_ban_de_nghi_danh_sach", "giay_gioi_thieu_don_vi"] {
        assert_eq!(scan(&t, &officer, &files_url, c).await, 303, "{c}");
    }
    let (status, check) = t.page(&officer, &format!("{base}/check")).await;
    assert_eq!(status, 200);
    assert!(
        check.contains("15.000\u{a0}đ"),
        "counter fee computed: {check}"
    );

    // Forgetting to say what was collected is asked again; the draft stays a draft.
    let (status, _, _) = t
        .submit_fields(&officer, &format!("{base}/submit"), &[("idem", "s1")])
        .await;
    assert_eq!(status, 422);
    let (status, dossier_url, _) = t
        .submit_fields(
            &officer,
            &format!("{base}/submit"),
            &[("idem", "s1"), ("fee", "cash")],
        )
        .await;
    assert_eq!(status, 303);
    assert!(
        dossier_url.starts_with("/staff/dossiers/H31.11341-"),
        "{dossier_url}"
    );
    let code = dossier_url
        .trim_start_matches("/staff/dossiers/")
        .to_owned();

    // Received at once, documents marked digitized, fee and look-up on record.
    let token = t.staff_token("officer@H31.11341").await;
    let d = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["status"], 2, "{d}");
    assert_eq!(d["channel"], "counter");
    let atts = d["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 2, "{d}");
    assert!(atts.iter().all(|a| a["digitized"] == true), "{d}");
    let history = d["history"].to_string();
    assert!(history.contains("fee_collected"), "{history}");
    assert!(history.contains("Tiền mặt: 15.000 đ"), "{history}");
    // The cash is a payment on record, with its receipt written by the worker.
    assert_eq!(d["payments"][0]["method"], "cash");
    assert_eq!(d["payments"][0]["status"], "succeeded");
    assert_eq!(d["payments"][0]["amount"], 15_000);
    drain(&t.worker(&Recorder::up(), &Recorder::up())).await;
    let d = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert!(
        d["documents"].to_string().contains("payment_receipt"),
        "{d}"
    );
    let (_, staff_page) = t.page(&officer, &dossier_url).await;
    assert!(staff_page.contains("Thu phí, lệ phí"), "{staff_page}");
}

/// Decree 61/2018 as amended: legal time runs in working hours, skips weekends and public holidays,
/// stands still while the applicant supplements, and may be extended once, in writing, at least a
/// working day before the due date. Times below are Vietnam local (UTC+7) unless marked Z.
#[tokio::test]
async fn deadlines_skip_the_holiday_pause_for_supplementation_and_extend_only_once() {
    // Friday 28/08/2026 15:00: the National Day break (Mon 31/08 – Wed 02/09) follows the weekend.
    let t = TestApp::spawn_at("2026-08-28T08:00:00Z".parse().unwrap()).await;
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_token("officer@H31.11341").await;
    let d = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    // 3 working days = 24 h: Fri 2 h, Thu 03/09 8 h, Fri 04/09 8 h, Mon 07/09 6 h → 15:00.
    assert_eq!(d["due_at"], "2026-09-07T08:00:00Z", "{d}");
    let officer_page = t.staff_cookie("officer@H31.11341").await;
    let (_, html) = t
        .page(&officer_page, &format!("/staff/dossiers/{code}"))
        .await;
    assert!(html.contains("15:00 07/09/2026"), "{html}");
    assert!(
        html.contains("còn 24 giờ làm việc"),
        "24 working hours left: {html}"
    );

    // Thursday 03/09 09:00 the officer asks for one missing paper; the citizen answers on Monday
    // 07/09 09:00. Paused: Thu 6.5 h + Fri 8 h + Mon 1.5 h = 16 h, so the due date moves by two
    // working days to Wednesday 09/09 15:00.
    t.clock.set("2026-09-03T02:00:00Z".parse().unwrap());
    // Sessions do not outlive the long weekend: sign in again.
    let officer_page = t.staff_cookie("officer@H31.11341").await;
    let (status, body) = act(
        &t,
        &officer_page,
        &code,
        &[
            ("action", "request_supplement"),
            ("components", "giay_gioi_thieu_don_vi"),
            ("note", "Thiếu giấy giới thiệu của đơn vị"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");
    t.clock.set("2026-09-07T02:00:00Z".parse().unwrap());
    let citizen = t.citizen_token(CITIZEN_A).await;
    let r = t
        .upload(
            &citizen,
            &code,
            "giay_gioi_thieu_don_vi",
            "gioi-thieu.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = t
        .action(
            &citizen,
            &code,
            serde_json::json!({ "action": "supplement" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["due_at"], "2026-09-09T08:00:00Z", "{d}");

    // The competent agency (commune police) takes it over; its leader extends once, through the page.
    let r = t
        .action(
            &officer,
            &code,
            serde_json::json!({ "action": "hand_over" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let leader = t.staff_cookie("leader@H31.11341.CA").await;
    let (_, html) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(
        html.contains("value=\"extend\""),
        "extension offered: {html}"
    );
    // No reason, no apology letter.
    let (status, _) = act(
        &t,
        &leader,
        &code,
        &[("action", "extend"), ("new_due_date", "2026-09-14")],
        false,
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = act(
        &t,
        &leader,
        &code,
        &[
            ("action", "extend"),
            ("new_due_date", "2026-09-14"),
            ("reason", "Cần xác minh chỗ ở với chủ nhà"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let d = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    // The new date is the close of office on the day given.
    assert_eq!(d["due_at"], "2026-09-14T10:00:00Z", "{d}");
    // Once only: the form is gone, and a forged second request is refused with the reason.
    let (_, html) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(!html.contains("value=\"extend\""), "{html}");
    let (status, body) = act(
        &t,
        &leader,
        &code,
        &[
            ("action", "extend"),
            ("new_due_date", "2026-09-21"),
            ("reason", "Lần nữa"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let d = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["due_at"], "2026-09-14T10:00:00Z", "unchanged: {d}");
}

#[tokio::test]
async fn papers_brought_to_the_counter_answer_a_supplementation_request() {
    let t = TestApp::spawn().await;
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_cookie("officer@H31.11341").await;
    let (status, body) = act(
        &t,
        &officer,
        &code,
        &[
            ("action", "request_supplement"),
            ("components", "giay_gioi_thieu_don_vi"),
            ("note", "Thiếu giấy giới thiệu"),
        ],
        false,
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert!(
        html.contains(&format!("/staff/intake/{code}/files")),
        "{html}"
    );
    // Answering before the paper is scanned is refused with what is missing.
    let (status, body) = act(&t, &officer, &code, &[("action", "supplement")], false).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("giay_gioi_thieu_don_vi"), "{body}");
    // Only the requested paper may be added.
    let files = format!("/staff/intake/{code}/files");
    assert_eq!(
        scan(&t, &officer, &files, "van_ban_de_nghi_danh_sach").await,
        422
    );
    assert_eq!(
        scan(&t, &officer, &files, "giay_gioi_thieu_don_vi").await,
        303
    );
    let (status, body) = act(&t, &officer, &code, &[("action", "supplement")], false).await;
    assert_eq!(status, 303, "{body}");
    let token = t.staff_token("officer@H31.11341").await;
    let d = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(d["status"], 2, "back to received: {d}");
    let supplements: Vec<_> = d["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["supplement"] == true)
        .collect();
    assert_eq!(supplements.len(), 1, "{d}");
    assert_eq!(supplements[0]["digitized"], true);
}

/// The section of the queues page for one queue, up to the next section.
fn queue<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html.find(&format!("id=\"q-{key}\"")).expect("queue shown");
    let rest = html.get(start..).unwrap();
    let end = rest.find("</section>").unwrap();
    rest.get(..end).unwrap()
}

#[tokio::test]
async fn queues_route_each_dossier_to_who_acts_next_and_filter_by_channel_procedure_and_date() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let online = t.submitted_birth_registration(&citizen).await;
    let counter = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_cookie("officer@H31.11341").await;

    let (_, all) = t.page(&officer, "/staff").await;
    assert!(queue(&all, "receive").contains(&online), "{all}");
    assert!(queue(&all, "hand_over").contains(&counter), "{all}");

    let (_, only_counter) = t
        .page(
            &officer,
            "/staff?channel=counter&procedure=&status=&from=&to=",
        )
        .await;
    assert!(only_counter.contains(&counter));
    assert!(!only_counter.contains(&online), "{only_counter}");
    let (_, birth) = t.page(&officer, "/staff?procedure=1.001193").await;
    assert!(birth.contains(&online));
    assert!(!birth.contains(&counter));
    let (_, received) = t.page(&officer, "/staff?status=2").await;
    assert!(received.contains(&counter) && !received.contains(&online));
    // Both were submitted on 17/11/2026 (local): a range that excludes that day shows nothing.
    let (_, later) = t.page(&officer, "/staff?from=2026-11-18").await;
    assert!(!later.contains(&counter) && !later.contains(&online));
    let (_, that_day) = t
        .page(&officer, "/staff?from=2026-11-17&to=2026-11-17")
        .await;
    assert!(that_day.contains(&counter) && that_day.contains(&online));
    // A malformed date does not filter and does not fail.
    let (status, _) = t.page(&officer, "/staff?from=yesterday").await;
    assert_eq!(status, 200);

    // After the hand-over the commune police leader finds it to assign; the officer no longer does.
    let token = t.staff_token("officer@H31.11341").await;
    let r = t
        .action(
            &token,
            &counter,
            serde_json::json!({ "action": "hand_over" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let leader = t.staff_cookie("leader@H31.11341.CA").await;
    let (_, lq) = t.page(&leader, "/staff").await;
    assert!(queue(&lq, "assign").contains(&counter), "{lq}");
    let (_, oq) = t.page(&officer, "/staff").await;
    assert!(!queue(&oq, "hand_over").contains(&counter));

    // Once received, a withdrawal request waits for a decision in the officer's queue.
    let received = t.submitted_birth_registration(&citizen).await;
    let r = t
        .action(
            &token,
            &received,
            serde_json::json!({ "action": "receive" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .action(
            &citizen,
            &received,
            serde_json::json!({ "action": "request_withdrawal", "reason": "Nộp nhầm" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, oq) = t.page(&officer, "/staff").await;
    assert!(queue(&oq, "requests").contains(&received), "{oq}");
    // One nobody has received yet is withdrawn at once: nothing is left for the officer to do.
    let r = t
        .action(
            &citizen,
            &online,
            serde_json::json!({ "action": "request_withdrawal", "reason": "Nộp nhầm" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], 8, "{v}");
    let (_, oq) = t.page(&officer, "/staff").await;
    assert!(!oq.contains(&online), "{oq}");
}

#[tokio::test]
async fn the_audit_trail_page_shows_who_did_what_from_where_and_flags_an_altered_entry() {
    use motcua_store::sea_orm::{ConnectionTrait, Statement};
    let t = TestApp::spawn().await;
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_cookie("officer@H31.11341").await;
    let (status, html) = t
        .page(&officer, &format!("/staff/dossiers/{code}/audit"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("staff:officer@H31.11341"), "{html}");
    assert!(
        html.contains("H31.11341.MC"),
        "receiving point shown: {html}"
    );
    assert!(html.contains("Nộp hồ sơ"), "{html}");
    assert!(html.contains("Mọi bản ghi đều khớp mã băm"), "{html}");
    // Another commune's officer does not see it; neither does a citizen.
    let other = t.staff_cookie("officer@H31.11383").await;
    let (status, _) = t
        .page(&other, &format!("/staff/dossiers/{code}/audit"))
        .await;
    assert_eq!(status, 404);

    // Someone edits the stored log behind the application's back.
    let db = &t.app.db;
    let sql = "UPDATE audit_log SET actor = 'staff:nobody' WHERE seq = (SELECT MIN(seq) FROM audit_log WHERE action = 'dossier.submit')";
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let (_, html) = t
        .page(&officer, &format!("/staff/dossiers/{code}/audit"))
        .await;
    assert!(html.contains("nhật ký đã bị sửa"), "{html}");
    assert!(html.contains("bị sửa</strong>"), "{html}");
}

#[tokio::test]
async fn staff_turn_on_two_step_sign_in_and_then_need_a_fresh_code_each_time() {
    use motcua_app::{Clock, totp};
    let t = TestApp::spawn().await;
    let leader = t.staff_cookie("leader@H31.11341").await;
    let (status, html) = t.page(&leader, "/staff/security").await;
    assert_eq!(status, 200);
    let secret = html
        .split("name=\"secret\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        html.contains("otpauth://totp/motcua:leader@H31.11341?secret="),
        "{html}"
    );
    let key = totp::base32_decode(&secret).unwrap();
    let code_now = |t: &TestApp| {
        let step = totp::step_of(t.clock.now().timestamp());
        format!("{:06}", totp::code_at(&key, step).unwrap())
    };
    // A wrong code does not turn it on.
    let (status, _, body) = t
        .submit_fields(
            &leader,
            "/staff/security",
            &[("secret", &secret), ("code", "000000")],
        )
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, _, _) = t
        .submit_fields(
            &leader,
            "/staff/security",
            &[("secret", &secret), ("code", &code_now(&t))],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = t.page(&leader, "/staff/security").await;
    assert!(html.contains("Đã bật xác thực hai lớp"), "{html}");

    let login = |code: String| {
        let t = &t;
        async move {
            let r = t
                .http
                .post(t.url("/staff/login"))
                .header("origin", &t.base)
                .form(&[
                    ("username", "leader@H31.11341"),
                    ("password", "demo"),
                    ("code", code.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    // The password alone is no longer enough.
    let (status, body) = login(String::new()).await;
    assert_eq!(status, 401);
    assert!(body.contains("Nhập mã xác thực"), "{body}");
    // The code used to enrol cannot be replayed.
    let (status, body) = login(code_now(&t)).await;
    assert_eq!(status, 401);
    assert!(body.contains("đã dùng"), "{body}");
    // Thirty seconds later the app shows a new code, which works once.
    t.clock.set(t.clock.now() + chrono::Duration::seconds(30));
    let (status, _) = login(code_now(&t)).await;
    assert_eq!(status, 303);
    let (status, _) = login(code_now(&t)).await;
    assert_eq!(status, 401, "replay");
    // The API sign-in asks for it too.
    let r = t
        .http
        .post(t.url("/api/v1/auth/staff"))
        .json(&serde_json::json!({ "username": "leader@H31.11341", "password": "demo" }))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "totp_required").await;

    // The seed is stored sealed: the database alone does not give it away.
    use motcua_store::entities::staff_totp;
    use motcua_store::sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let row = staff_totp::Entity::find_by_id("leader@H31.11341".to_owned())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.secret.starts_with("v1:"), "{}", row.secret);
    assert!(!row.secret.contains(&secret));
    // Copied onto another person's row, it does not open: that sign-in fails, nothing leaks.
    let mut copy: staff_totp::ActiveModel = row.clone().into();
    copy.username = Set("clerk@H31.11341".into());
    copy.insert(&t.app.db).await.unwrap();
    t.clock.set(t.clock.now() + chrono::Duration::seconds(30));
    let r = t
        .http
        .post(t.url("/api/v1/auth/staff"))
        .json(&serde_json::json!({ "username": "clerk@H31.11341", "password": "demo", "totp": code_now(&t) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    // A seed stored in the clear before sealing existed still works, and is sealed on use.
    let mut legacy: staff_totp::ActiveModel = row.into();
    legacy.secret = Set(secret.clone());
    legacy.update(&t.app.db).await.unwrap();
    let (status, _) = login(code_now(&t)).await;
    assert_eq!(status, 303);
    let row = staff_totp::Entity::find_by_id("leader@H31.11341".to_owned())
        .one(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.secret.starts_with("v1:") && !row.secret.contains(&secret));
}

/// Sets the paperless rule of one procedure through the catalogue importer, as a province would.
async fn set_paperless(t: &TestApp, code: &str, rule: serde_json::Value) {
    let exported = motcua_app::catalogue::export(&t.app).await.unwrap();
    let mut all: serde_json::Value = serde_json::from_str(&exported).unwrap();
    for p in all.as_array_mut().unwrap() {
        if p["code"] == code {
            p["paperless"] = rule.clone();
            p["version"] = serde_json::json!(p["version"].as_i64().unwrap() + 1);
        }
    }
    let s = motcua_app::catalogue::import(&t.app, &all.to_string(), "test")
        .await
        .unwrap();
    assert_eq!(s.new_versions, 1);
}

#[tokio::test]
async fn on_a_paperless_day_the_counter_takes_no_paper_for_that_procedure() {
    let t = TestApp::spawn().await;
    // The pinned clock is Tuesday 17 November 2026: a Wednesday-only rule lets paper in.
    set_paperless(&t, "1.004194", serde_json::json!({ "weekdays": ["Wed"] })).await;
    let code = t.submitted_counter_temporary_residence().await;
    assert!(code.starts_with(AGENCY_A));

    set_paperless(&t, "1.004194", serde_json::json!({ "weekdays": ["Tue"] })).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let body = serde_json::json!({
        "procedure": "1.004194",
        "channel": "counter",
        "receiving_point": format!("{AGENCY_A}.MC"),
        "applicant": {
            "citizen_id": CITIZEN_A,
            "full_name": "Nguyễn Văn An",
            "address": { "commune": "11341", "street": "Số 15 Lạch Tray" },
        },
    });
    let before = json(t.get(&officer, "/api/v1/dossiers").await).await;
    let r = t.post_json(&officer, "/api/v1/dossiers", &body).await;
    let p = expect_problem(r, 422, "paperless_day").await;
    assert!(
        p["message_vi"]
            .as_str()
            .unwrap()
            .contains("ngày không giấy tờ")
    );
    let after = json(t.get(&officer, "/api/v1/dossiers").await).await;
    assert_eq!(before, after, "nothing was created");
    // Another procedure still takes paper the same day.
    let mut other = body.clone();
    other["procedure"] = serde_json::json!("1.001193");
    assert_eq!(
        t.post_json(&officer, "/api/v1/dossiers", &other)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn staff_view_each_component_in_the_page_and_only_their_agency_s() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, html) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert_eq!(status, 200);
    // The viewer of the uploaded birth notice (the others are the national databases' extracts).
    let viewers: Vec<String> = html
        .split("href=\"")
        .filter_map(|rest| rest.split_once('"').map(|(href, _)| href))
        .filter(|href| href.contains("/files/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(viewers.len(), 4, "{viewers:?}");
    let mut found = None;
    for v in &viewers {
        let (status, view) = t.page(&officer, v).await;
        assert_eq!(status, 200);
        if view.contains("giay-chung-sinh.pdf") {
            found = Some((v.clone(), view));
        }
    }
    let (viewer, view) = found.expect("the birth notice's viewer");
    assert!(view.contains("<iframe class=\"viewer\""), "{view}");
    assert!(view.contains("giay_chung_sinh"), "{view}");
    let (_, after) = view
        .split_once("<iframe class=\"viewer\" src=\"")
        .expect("the iframe");
    let (src, _) = after.split_once('"').unwrap();
    assert!(src.ends_with("?inline=1"), "{src}");

    // Inline: shown, and framable by our own pages only; the plain link still downloads.
    let r = t
        .http
        .get(t.url(src))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'self'")
    );
    let plain = src.trim_end_matches("?inline=1");
    let r = t
        .http
        .get(t.url(plain))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");

    // Another commune's officer sees nothing.
    let other = t.staff_cookie(&format!("officer@{AGENCY_B}")).await;
    assert_eq!(t.page(&other, &viewer).await.0, 404);
    let unknown = format!("/staff/dossiers/{code}/files/nope");
    assert_eq!(t.page(&officer, &unknown).await.0, 404);
}

#[tokio::test]
async fn the_dossier_page_shows_each_step_s_allotted_and_used_time() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, serde_json::json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .action(
            &leader,
            &code,
            serde_json::json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Two working hours later the specialist is still appraising.
    let later = t.app.now() + chrono::Duration::hours(2);
    t.clock.set(later);
    let cookie = t.staff_cookie(&format!("specialist@{AGENCY_A}")).await;
    let (status, html) = t.page(&cookie, &format!("/staff/dossiers/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Thời gian từng bước"), "{html}");
    // Birth registration: 1 working day = 480 minutes; assignment gets 24 (0.4 h), appraisal 336 (5.6 h).
    assert!(
        html.contains(
            "<td>Phân công (lãnh đạo)</td><td>0.4 giờ làm việc</td><td>0 giờ làm việc</td><td>Xong đúng hạn</td>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<td>Thẩm định (chuyên viên)</td><td>5.6 giờ làm việc</td><td>2 giờ làm việc</td><td>Đang xử lý</td>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<td>Ban hành kết quả (văn thư)</td><td>0.8 giờ làm việc</td><td></td><td>Chưa đến bước</td>"
        ),
        "{html}"
    );
}

/// The catalogue is parsed and indexed once per change (issue 18): a search after an import finds
/// what the import added, and no longer what it renamed.
#[tokio::test]
async fn a_search_after_an_import_sees_the_new_catalogue() {
    let t = TestApp::spawn().await;
    let search = |q: &'static str| {
        let t = &t;
        async move {
            let r = t
                .http
                .get(t.url(&format!("/api/v1/procedures?q={q}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let body: serde_json::Value = r.json().await.unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["code"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(search("birth").await.contains(&"1.001193".to_owned()));
    assert!(search("zebra").await.is_empty());
    let exported = motcua_app::catalogue::export(&t.app).await.unwrap();
    let mut all: serde_json::Value = serde_json::from_str(&exported).unwrap();
    for p in all.as_array_mut().unwrap() {
        if p["code"] == "1.001193" {
            p["name_en"] = serde_json::json!("Zebra crossing permit");
        }
    }
    motcua_app::catalogue::import(&t.app, &all.to_string(), "test")
        .await
        .unwrap();
    assert_eq!(search("zebra").await, vec!["1.001193".to_owned()]);
    assert!(
        !search("birth registration")
            .await
            .contains(&"1.001193".to_owned())
    );
}

/// The officer of the test commune, as the application sees them.
async fn officer_a(t: &TestApp) -> motcua_app::identity::Principal {
    motcua_app::identity::staff_by_username(&t.app, &format!("officer@{AGENCY_A}"))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_queue_is_read_page_by_page_in_deadline_order_each_dossier_once() {
    use motcua_app::queues::{self, Cursor, Order, Queue, QueueFilter};
    let t = TestApp::spawn().await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(t.submitted_counter_temporary_residence().await);
    }
    codes.sort();
    let officer = officer_a(&t).await;
    let filter = QueueFilter::default();
    assert_eq!(
        queues::count(&t.app, &officer, Queue::HandOver, &filter)
            .await
            .unwrap(),
        5
    );
    for order in [Order::Urgent, Order::Latest] {
        let mut seen = Vec::new();
        let mut after: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let page = queues::page(
                &t.app,
                &officer,
                Queue::HandOver,
                &filter,
                order,
                after.as_ref(),
                2,
            )
            .await
            .unwrap();
            pages += 1;
            assert!(page.items.len() <= 2);
            seen.extend(page.items.into_iter().map(|i| (i.deadline, i.code)));
            match page.next {
                Some(c) => after = Some(Cursor::decode(&c).expect("our own cursor")),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{order:?}");
        let deadlines: Vec<_> = seen.iter().map(|s| s.0).collect();
        let mut sorted = deadlines.clone();
        sorted.sort();
        if order == Order::Latest {
            sorted.reverse();
        }
        assert_eq!(deadlines, sorted, "{order:?}");
        let mut found: Vec<String> = seen.into_iter().map(|s| s.1).collect();
        found.sort();
        assert_eq!(found, codes, "{order:?}: every dossier exactly once");
    }
    // A cursor this module did not write shows the first page rather than failing.
    assert_eq!(Cursor::decode("yesterday"), None);
    assert_eq!(Cursor::decode("1.a'b"), None);

    // The page: the full queue as a table, with the applicant and deadline columns.
    let cookie = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, html) = t.page(&cookie, "/staff?queue=hand_over").await;
    assert_eq!(status, 200);
    for c in &codes {
        assert!(queue(&html, "hand_over").contains(c.as_str()), "{html}");
    }
    assert!(
        html.contains("Nguyễn Văn An"),
        "the applicant's name: {html}"
    );
    assert!(!html.contains("id=\"q-receive\""), "one queue only: {html}");
    let (status, _) = t
        .page(&cookie, "/staff?queue=hand_over&order=latest&after=garbage")
        .await;
    assert_eq!(status, 200);
    // A queue this officer does not work is not offered; the overview shows instead.
    let (_, html) = t.page(&cookie, "/staff?queue=review").await;
    assert!(!html.contains("id=\"q-review\""), "{html}");
    assert!(html.contains("id=\"q-receive\""), "{html}");
}

#[tokio::test]
async fn staff_find_a_dossier_by_code_citizen_id_or_name_within_their_own_agencies() {
    let t = TestApp::spawn().await;
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let other = t.staff_cookie(&format!("officer@{AGENCY_B}")).await;
    for q in [
        code.clone(),
        code.to_lowercase(),
        CITIZEN_A.to_owned(),
        "Nguyễn Văn An".to_owned(),
        "nguyen van".to_owned(),
        "NGUYEN  VAN AN".to_owned(),
    ] {
        let url = format!(
            "/staff?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let (status, html) = t.page(&officer, &url).await;
        assert_eq!(status, 200);
        assert!(queue(&html, "found").contains(&code), "{q}: {html}");
        let (_, html) = t.page(&other, &url).await;
        assert!(
            !queue(&html, "found").contains(&code),
            "another commune's officer finds nothing by {q}"
        );
    }
    for q in ["Trần", "031085012", "nguyen van an b", "%", "'"] {
        let url = format!(
            "/staff?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let (status, html) = t.page(&officer, &url).await;
        assert_eq!(status, 200);
        assert!(!queue(&html, "found").contains(&code), "{q}: {html}");
    }
    // Very long input is neither an error nor slow to refuse.
    let long = "a".repeat(20_000);
    let (status, _) = t.page(&officer, &format!("/staff?q={long}")).await;
    assert!(status == 200 || status == 414 || status == 431, "{status}");
}
