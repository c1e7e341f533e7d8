//! An agency's administrator manages its staff in the browser pages: creates an account that can
//! sign in and work, changes roles, resets a password, deactivates (which ends the person's
//! sessions at once); never another agency's staff, never their own admin role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

async fn post(t: &TestApp, cookie: &str, path: &str, body: &str) -> (u16, String) {
    let (status, location, text) = t.submit(cookie, path, body.to_owned()).await;
    (status, if location.is_empty() { text } else { location })
}

async fn login(t: &TestApp, username: &str, password: &str) -> u16 {
    t.http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_administrator_creates_changes_and_deactivates_staff_of_their_agency_only() {
    let t = TestApp::spawn().await;
    let admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let (status, html) = t.page(&admin, "/staff/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("officer@{AGENCY_A}")), "{html}");
    let (_, home) = t.page(&admin, "/staff").await;
    assert!(home.contains("href=\"/staff/admin\""));

    // A leader is not an administrator.
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    assert_eq!(t.page(&leader, "/staff/admin").await.0, 403);
    let create = format!("/staff/admin/{AGENCY_A}/staff");
    let body = "name=lan.nguyen&full_name=Nguy%E1%BB%85n+Th%E1%BB%8B+Lan&role=specialist&role=officer&password=correct-horse-2026";
    assert_eq!(post(&t, &leader, &create, body).await.0, 403);

    // Bad input is refused with the reason and creates nothing.
    let (status, html) = post(
        &t,
        &admin,
        &create,
        "name=Lan+Nguyen&full_name=X&role=officer&password=correct-horse-2026",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("chữ thường không dấu"), "{html}");
    let (status, html) = post(
        &t,
        &admin,
        &create,
        "name=lan&full_name=X&role=officer&password=short",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("ít nhất 12 ký tự"), "{html}");
    let (status, _) = post(
        &t,
        &admin,
        &create,
        "name=lan&full_name=X&role=monitor&password=correct-horse-2026",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        login(&t, &format!("lan@{AGENCY_A}"), "correct-horse-2026").await,
        401
    );

    let (status, to) = post(&t, &admin, &create, body).await;
    assert_eq!(status, 303, "{to}");
    let username = format!("lan.nguyen@{AGENCY_A}");
    let (_, html) = t.page(&admin, &to).await;
    assert!(
        html.contains(&username) && html.contains("Nguyễn Thị Lan"),
        "{html}"
    );
    assert!(html.contains("Đã tạo tài khoản"));
    assert_eq!(
        post(&t, &admin, &create, body).await.0,
        409,
        "the name is taken"
    );

    // The new account signs in and has the specialist's queue.
    let lan = t.staff_cookie_with(&username, "correct-horse-2026").await;
    let (_, home) = t.page(&lan, "/staff").await;
    assert!(home.contains("q-assigned"), "{home}");

    // Roles change; the admin cannot drop their own admin role.
    let roles = format!("/staff/admin/{AGENCY_A}/staff/{username}/roles");
    assert_eq!(post(&t, &admin, &roles, "role=leader").await.0, 303);
    assert!(t.page(&admin, "/staff/admin").await.1.contains(&format!(
        "id=\"r-lan-nguyen-{}-leader\" name=\"role\" value=\"leader\" checked",
        AGENCY_A.replace('.', "-")
    )));
    let own = format!("/staff/admin/{AGENCY_A}/staff/admin@{AGENCY_A}/roles");
    let (status, html) = post(&t, &admin, &own, "role=officer").await;
    assert_eq!(status, 409);
    assert!(html.contains("Không thể tự bỏ quyền quản trị"), "{html}");

    // Password reset: the old one stops working.
    let pw = format!("/staff/admin/{AGENCY_A}/staff/{username}/password");
    assert_eq!(
        post(&t, &admin, &pw, "password=another-secret-42").await.0,
        303
    );
    assert_eq!(login(&t, &username, "correct-horse-2026").await, 401);
    assert_eq!(login(&t, &username, "another-secret-42").await, 303);

    // A lost phone (issue 17): the administrator turns the second factor off, audited.
    let enrolled = motcua_store::entities::staff_totp::ActiveModel {
        username: motcua_store::sea_orm::Set(username.clone()),
        secret: motcua_store::sea_orm::Set("v1:sealed".into()),
        last_step: motcua_store::sea_orm::Set(0),
        enrolled_at: motcua_store::sea_orm::Set(t.app.now()),
    };
    motcua_store::sea_orm::ActiveModelTrait::insert(enrolled, &t.app.db)
        .await
        .unwrap();
    assert!(
        motcua_app::identity::totp_enrolled(&t.app, &username)
            .await
            .unwrap()
    );
    let second = format!("/staff/admin/{AGENCY_A}/staff/{username}/second_factor");
    assert_eq!(post(&t, &admin, &second, "").await.0, 303);
    assert!(
        !motcua_app::identity::totp_enrolled(&t.app, &username)
            .await
            .unwrap()
    );
    let (_, page) = t
        .page(
            &admin,
            &format!("/staff/admin?agency={AGENCY_A}&done=second_factor"),
        )
        .await;
    assert!(
        page.contains("Đã tắt xác thực hai lớp"),
        "the banner says what was done"
    );
    let trail = motcua_store::audit::entries_for(&t.app.db, &format!("staff:{username}"))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "staff.reset_second_factor"
                && e.data.contains("\"was_enrolled\":true")),
        "{trail:?}"
    );
    // Not for another agency's staff.
    let foreign_second = format!("/staff/admin/{AGENCY_A}/staff/officer@{AGENCY_B}/second_factor");
    assert_ne!(post(&t, &admin, &foreign_second, "").await.0, 303);

    // Deactivation ends the open session at once and blocks sign-in; reactivation restores it.
    let active = format!("/staff/admin/{AGENCY_A}/staff/{username}/active");
    assert_eq!(post(&t, &admin, &active, "active=false").await.0, 303);
    let (_, home) = t.page(&lan, "/staff").await;
    assert!(
        !home.contains("q-assigned"),
        "the old session no longer works"
    );
    assert_eq!(login(&t, &username, "another-secret-42").await, 401);
    let own_active = format!("/staff/admin/{AGENCY_A}/staff/admin@{AGENCY_A}/active");
    assert_eq!(post(&t, &admin, &own_active, "active=false").await.0, 409);
    assert_eq!(post(&t, &admin, &active, "active=true").await.0, 303);
    assert_eq!(login(&t, &username, "another-secret-42").await, 303);

    // Another agency's staff are out of reach: not found, nothing changes.
    let foreign = format!("/staff/admin/{AGENCY_A}/staff/officer@{AGENCY_B}/active");
    assert_eq!(post(&t, &admin, &foreign, "active=false").await.0, 404);
    assert_eq!(login(&t, &format!("officer@{AGENCY_B}"), "demo").await, 303);
    let other_agency = format!("/staff/admin/{AGENCY_B}/staff");
    assert_eq!(post(&t, &admin, &other_agency, body).await.0, 403);

    // Every change is in the audit chain.
    let n = motcua_store::audit::verify(&t.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(n > 0);
    use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entries = motcua_store::entities::audit_entry::Entity::find()
        .filter(
            motcua_store::entities::audit_entry::Column::Subject.eq(format!("staff:{username}")),
        )
        .all(&t.app.db)
        .await
        .unwrap();
    let actions: Vec<String> = entries.into_iter().map(|e| e.action).collect();
    for a in [
        "staff.create",
        "staff.roles",
        "staff.reset_password",
        "staff.deactivate",
        "staff.activate",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn the_administrator_edits_opening_hours_of_their_own_receiving_point() {
    let t = TestApp::spawn().await;
    let admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let (_, html) = t.page(&admin, "/staff/admin").await;
    assert!(html.contains("T2-T6: 07:30-11:30, 13:00-17:00"), "{html}");
    let path = format!("/staff/admin/{AGENCY_A}/points/{AGENCY_A}.MC");

    // Overlapping ranges are refused with the reason; nothing changes.
    let bad = "name=B%E1%BB%99+ph%E1%BA%ADn+M%E1%BB%99t+c%E1%BB%ADa&address=S%E1%BB%91+1&opening_hours=T2-T6%3A+07%3A30-12%3A00%2C+11%3A00-17%3A00";
    let (status, html) = post(&t, &admin, &path, bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("chồng nhau"), "{html}");
    assert!(html.contains("T2-T6: 07:30-11:30, 13:00-17:00"));

    let good = "name=B%E1%BB%99+ph%E1%BA%ADn+M%E1%BB%99t+c%E1%BB%ADa&address=S%E1%BB%91+1+L%C3%AA+L%E1%BB%A3i&opening_hours=T2%3A+07%3A30-11%3A30%3B+T3-T6%3A+07%3A30-11%3A30%2C+13%3A00-17%3A00%3B+T7%3A+07%3A30-11%3A30";
    let (status, to) = post(&t, &admin, &path, good).await;
    assert_eq!(status, 303, "{to}");
    let (_, html) = t.page(&admin, &to).await;
    assert!(
        html.contains("T2: 07:30-11:30; T3-T6: 07:30-11:30, 13:00-17:00; T7: 07:30-11:30"),
        "{html}"
    );
    assert!(html.contains("Số 1 Lê Lợi"));

    // Another agency's point is out of reach.
    let other = format!("/staff/admin/{AGENCY_A}/points/{AGENCY_B}.MC");
    assert_eq!(post(&t, &admin, &other, good).await.0, 404);
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    assert_eq!(post(&t, &leader, &path, good).await.0, 403);
}

#[tokio::test]
async fn the_administrator_splits_a_procedure_s_time_within_the_law_and_the_dossier_page_uses_it() {
    let t = TestApp::spawn().await;
    let admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let path = format!("/staff/admin/{AGENCY_A}/workflow");
    // Birth registration has one working day (8 h): 9 h of steps is over the law.
    let (status, html) = post(
        &t,
        &admin,
        &path,
        "procedure=1.001193&assignment=1&appraisal=6&review=1&issue=1",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("vượt thời hạn luật định"), "{html}");
    let (status, _) = post(
        &t,
        &admin,
        &path,
        "procedure=1.001193&assignment=0,1&appraisal=6&review=1&issue=0.5",
    )
    .await;
    assert_eq!(status, 422, "6 minutes is under the 15-minute minimum");
    let (status, _) = post(
        &t,
        &admin,
        &path,
        "procedure=1.001193&assignment=abc&appraisal=6&review=1&issue=0.5",
    )
    .await;
    assert_eq!(status, 422);
    let (status, to) = post(
        &t,
        &admin,
        &path,
        "procedure=1.001193&assignment=0,5&appraisal=6&review=1&issue=0.5",
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    assert_eq!(
        post(
            &t,
            &leader,
            &path,
            "procedure=1.001193&assignment=0,5&appraisal=6&review=1&issue=0.5"
        )
        .await
        .0,
        403
    );

    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(&officer, &code, serde_json::json!({ "action": "receive" }))
        .await;
    assert_eq!(r.status(), 200);
    let (_, html) = t.page(&leader, &format!("/staff/dossiers/{code}")).await;
    assert!(
        html.contains("<td>Phân công (lãnh đạo)</td><td>0.5 giờ làm việc</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td>Thẩm định (chuyên viên)</td><td>6 giờ làm việc</td>"),
        "{html}"
    );
    // Another commune still has the default split.
    let other = t.citizen_token(CITIZEN_B).await;
    let code_b = t.submitted_birth_registration(&other).await;
    let officer_b = t.staff_token(&format!("officer@{AGENCY_B}")).await;
    assert_eq!(
        t.action(
            &officer_b,
            &code_b,
            serde_json::json!({ "action": "receive" })
        )
        .await
        .status(),
        200
    );
    let leader_b = t.staff_cookie(&format!("leader@{AGENCY_B}")).await;
    let (_, html) = t
        .page(&leader_b, &format!("/staff/dossiers/{code_b}"))
        .await;
    assert!(
        html.contains("<td>Phân công (lãnh đạo)</td><td>0.4 giờ làm việc</td>"),
        "{html}"
    );
}

#[tokio::test]
async fn the_workflow_template_assigns_new_dossiers_to_the_least_loaded_default_specialist() {
    let t = TestApp::spawn().await;
    let admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let specialist = format!("specialist@{AGENCY_A}");
    let lan = format!("lan@{AGENCY_A}");
    let create = format!("/staff/admin/{AGENCY_A}/staff");
    let (status, _) = post(
        &t,
        &admin,
        &create,
        "name=lan&full_name=Nguy%E1%BB%85n+Th%E1%BB%8B+Lan&role=specialist&password=correct-horse-2026",
    )
    .await;
    assert_eq!(status, 303);
    let path = format!("/staff/admin/{AGENCY_A}/workflow");
    let split = "procedure=1.001193&assignment=0.5&appraisal=6&review=1&issue=0.5";

    // Only active specialists of the agency can be default assignees; nothing is stored otherwise.
    for wrong in [
        format!("officer@{AGENCY_A}"),
        format!("specialist@{AGENCY_B}"),
        "nobody".to_owned(),
    ] {
        let (status, html) = post(&t, &admin, &path, &format!("{split}&assignee={wrong}")).await;
        assert_eq!(status, 422, "{wrong}");
        assert!(html.contains("không phải chuyên viên"), "{html}");
    }
    let (_, page) = t.page(&admin, "/staff/admin").await;
    assert!(page.contains("chưa đặt quy trình riêng"), "{page}");

    let (status, to) = post(
        &t,
        &admin,
        &path,
        &format!("{split}&assignee={specialist}&assignee={lan}"),
    )
    .await;
    assert_eq!(status, 303, "{to}");
    assert!(
        to.contains("procedure=1.001193"),
        "the saved workflow stays open: {to}"
    );
    let (_, page) = t.page(&admin, &to).await;
    assert!(
        page.contains("Thời hạn giải quyết luật định: 8 giờ"),
        "{page}"
    );
    assert!(
        page.contains(&format!("{specialist}, {lan}")),
        "the agency's template is listed: {page}"
    );
    // Its edit link fills the form with what is stored.
    let (_, form) = t
        .page(
            &admin,
            &format!("/staff/admin?agency={AGENCY_A}&procedure=1.001193"),
        )
        .await;
    assert!(
        form.contains("name=\"appraisal\" inputmode=\"decimal\" value=\"6\""),
        "{form}"
    );
    assert!(form.contains(&format!("value=\"{lan}\" checked")), "{form}");

    // Each received dossier goes straight to a specialist: the least loaded, the first on a tie.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let code = t.submitted_birth_registration(&citizen).await;
        let r = t
            .action(&officer, &code, serde_json::json!({ "action": "receive" }))
            .await;
        assert_eq!(r.status(), 200);
        let d = json(r).await;
        assert_eq!(d["status"], 4, "in processing at once: {d}");
        let last = &d["history"][d["history"].as_array().unwrap().len() - 1];
        assert_eq!(last["action"], "assign");
        assert_eq!(last["actor"], "system:workflow");
        got.push((code, d["assignee"].as_str().unwrap().to_owned()));
    }
    let who: Vec<&str> = got.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        who,
        [specialist.as_str(), lan.as_str(), specialist.as_str()]
    );

    // The specialist finds it in their queue and works it; the leader had nothing to assign.
    let spec_cookie = t.staff_cookie(&specialist).await;
    let (_, queue) = t.page(&spec_cookie, "/staff").await;
    assert!(queue.contains(&got[0].0), "{queue}");
    let spec_token = t.staff_token(&specialist).await;
    let r = t
        .action(
            &spec_token,
            &got[0].0,
            serde_json::json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The leader can still move a dossier to someone else.
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let r = t
        .action(
            &leader,
            &got[2].0,
            serde_json::json!({ "action": "assign", "assignee": lan }),
        )
        .await;
    assert_eq!(json(r).await["assignee"], lan.as_str());
    // The audit chain names the workflow as the author of the first assignment.
    let (_, audit) = t
        .page(&spec_cookie, &format!("/staff/dossiers/{}/audit", got[0].0))
        .await;
    assert!(audit.contains("system:workflow"), "{audit}");

    // A deactivated specialist gets nothing more, however little work they have.
    let (status, _) = post(
        &t,
        &admin,
        &format!("/staff/admin/{AGENCY_A}/staff/{lan}/active"),
        "active=false",
    )
    .await;
    assert_eq!(status, 303);
    let code = t.submitted_birth_registration(&citizen).await;
    let d = json(
        t.action(&officer, &code, serde_json::json!({ "action": "receive" }))
            .await,
    )
    .await;
    assert_eq!(d["assignee"], specialist.as_str());

    // Another commune without a template: the dossier waits for its leader.
    let other = t.citizen_token(CITIZEN_B).await;
    let code_b = t.submitted_birth_registration(&other).await;
    let officer_b = t.staff_token(&format!("officer@{AGENCY_B}")).await;
    let d = json(
        t.action(
            &officer_b,
            &code_b,
            serde_json::json!({ "action": "receive" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (d["status"].as_i64(), d["assignee"].is_null()),
        (Some(2), true)
    );
}

#[tokio::test]
async fn a_dossier_handed_over_from_another_one_stop_is_assigned_by_the_competent_agency_s_template()
 {
    let t = TestApp::spawn().await;
    // Temporary residence is decided by the commune police; the commune's one-stop receives it.
    let police = format!("{AGENCY_A}.CA");
    let admin = t.staff_cookie(&format!("admin@{police}")).await;
    let specialist = format!("specialist@{police}");
    let p = procedure_minutes(&t, "1.004194").await;
    let (status, to) = post(
        &t,
        &admin,
        &format!("/staff/admin/{police}/workflow"),
        &format!(
            "procedure=1.004194&assignment={}&appraisal={}&review={}&issue={}&assignee={specialist}",
            p[0], p[1], p[2], p[3]
        ),
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let code = t.submitted_counter_temporary_residence().await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let d = json(t.get(&officer, &format!("/api/v1/dossiers/{code}")).await).await;
    assert!(d["assignee"].is_null(), "not before the hand-over: {d}");
    let d = json(
        t.action(
            &officer,
            &code,
            serde_json::json!({ "action": "hand_over" }),
        )
        .await,
    )
    .await;
    assert_eq!(d["status"], 4);
    assert_eq!(d["assignee"], specialist.as_str());
}

/// The default split of a procedure's legal time, in hours as the form takes them.
async fn procedure_minutes(t: &TestApp, code: &str) -> [String; 4] {
    let p = motcua_app::catalogue::current(&t.app, code)
        .await
        .unwrap()
        .unwrap();
    let tpl =
        motcua_domain::workflow::Template::default_for(p.processing_time.legal_working_minutes());
    tpl.minutes.map(|m| format!("{}", m as f64 / 60.0))
}

#[tokio::test]
async fn the_administrator_closes_the_agency_s_counters_to_paper_on_chosen_weekdays() {
    let t = TestApp::spawn().await;
    let admin = t.staff_cookie(&format!("admin@{AGENCY_A}")).await;
    let path = format!("/staff/admin/{AGENCY_A}/paperless");
    let (status, _) = post(&t, &admin, &path, "day=tue&day=funday").await;
    assert_eq!(status, 422);
    // The pinned clock is Tuesday 17 November 2026.
    let (status, to) = post(&t, &admin, &path, "day=mon&day=tue").await;
    assert_eq!(status, 303, "{to}");
    let (_, page) = t.page(&admin, &to).await;
    assert!(
        page.contains("id=\"pl-tue\" name=\"day\" value=\"tue\" checked"),
        "{page}"
    );
    assert!(
        page.contains("id=\"pl-wed\" name=\"day\" value=\"wed\">"),
        "{page}"
    );

    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let body = |channel: &str, point: &str| {
        serde_json::json!({
            "procedure": "1.001193",
            "channel": channel,
            "receiving_point": point,
            "applicant": {
                "citizen_id": CITIZEN_A,
                "full_name": "Nguyễn Văn An",
                "address": { "commune": "11341", "street": "Số 15 Lạch Tray" },
            },
        })
    };
    let before = json(t.get(&officer, "/api/v1/dossiers").await).await;
    let r = t
        .post_json(
            &officer,
            "/api/v1/dossiers",
            &body("counter", &format!("{AGENCY_A}.MC")),
        )
        .await;
    let p = expect_problem(r, 422, "paperless_day").await;
    assert!(p["message_vi"].as_str().unwrap().contains("nộp trực tuyến"));
    assert_eq!(
        json(t.get(&officer, "/api/v1/dossiers").await).await,
        before
    );
    // A letter is still taken; so is paper at another commune's counter.
    let r = t
        .post_json(
            &officer,
            "/api/v1/dossiers",
            &body("post", &format!("{AGENCY_A}.MC")),
        )
        .await;
    assert_eq!(r.status(), 201);
    let officer_b = t.staff_token(&format!("officer@{AGENCY_B}")).await;
    let r = t
        .post_json(
            &officer_b,
            "/api/v1/dossiers",
            &body("counter", &format!("{AGENCY_B}.MC")),
        )
        .await;
    assert_eq!(r.status(), 201);

    // Reopened: no day checked.
    let (status, _) = post(&t, &admin, &path, "").await;
    assert_eq!(status, 303);
    let r = t
        .post_json(
            &officer,
            "/api/v1/dossiers",
            &body("counter", &format!("{AGENCY_A}.MC")),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Only the agency's administrator sets them, and each change is audited.
    let leader = t.staff_cookie(&format!("leader@{AGENCY_A}")).await;
    assert_eq!(post(&t, &leader, &path, "day=wed").await.0, 403);
    let other_admin = t.staff_cookie(&format!("admin@{AGENCY_B}")).await;
    assert_eq!(post(&t, &other_admin, &path, "day=wed").await.0, 403);
    use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audited = motcua_store::entities::audit_entry::Entity::find()
        .filter(motcua_store::entities::audit_entry::Column::Action.eq("paperless_days.update"))
        .all(&t.app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert!(
        audited
            .iter()
            .all(|e| e.subject == format!("agency:{AGENCY_A}"))
    );
}
