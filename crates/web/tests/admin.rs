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
        html.contains("<td>Thẩm định (chuyên viên)</td><td>6.0 giờ làm việc</td>"),
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
