//! The applicant signs their application with the (simulated) remote signing service over its
//! real CSC API: OTP by "SMS", hash signed remotely, signature checked and kept; staff see who
//! signed and can take the signed bytes and the .p7s to other tools.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::json;

async fn post_form(
    t: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (status, location, body) = t.submit_fields(cookie, path, fields).await;
    (status, if location.is_empty() { body } else { location })
}

/// The OTP from the simulator's phone page (what the citizen would read on their phone).
async fn otp(t: &TestApp, citizen: &str) -> String {
    let html = t
        .http
        .get(t.url(&format!("/sim/csc/phone/{citizen}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, after) = html
        .split_once("OTP ky so ho so: ")
        .expect("an OTP message");
    after.chars().take(6).collect()
}

#[tokio::test]
async fn the_applicant_signs_with_an_otp_and_staff_see_a_valid_signature() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&token).await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;

    let (_, html) = t.page(&cookie, &format!("/my/{draft}/check")).await;
    assert!(
        html.contains(&format!("action=\"/my/{draft}/sign\"")),
        "signing offered"
    );

    // Someone else cannot start signing this draft.
    let other = t.citizen_cookie(CITIZEN_B).await;
    let (status, _) = post_form(&t, &other, &format!("/my/{draft}/sign"), &[]).await;
    assert_eq!(status, 404);

    let (status, to) = post_form(&t, &cookie, &format!("/my/{draft}/sign"), &[]).await;
    assert_eq!(status, 303, "{to}");
    assert_eq!(to, format!("/my/{draft}/sign"));
    let (status, html) = t.page(&cookie, &format!("/my/{draft}/sign")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Nguyễn Văn An"),
        "the certificate holder is shown"
    );
    assert!(
        html.contains(&format!("/sim/csc/phone/{CITIZEN_A}")),
        "demo hint"
    );

    // A malformed and a wrong code are refused and nothing is signed.
    let confirm = format!("/my/{draft}/sign/confirm");
    let (status, html) = post_form(&t, &cookie, &confirm, &[("otp", "12ab")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("6 chữ số"), "{html}");
    let code = otp(&t, CITIZEN_A).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, html) = post_form(&t, &cookie, &confirm, &[("otp", wrong)]).await;
    assert_eq!(status, 422);
    assert!(html.contains("không đúng hoặc đã hết hạn"), "{html}");

    let (status, to) = post_form(&t, &cookie, &confirm, &[("otp", &code)]).await;
    assert_eq!(status, 303, "{to}");
    let (_, html) = t.page(&cookie, &format!("/my/{draft}/check")).await;
    assert!(html.contains("Đã ký số bởi Nguyễn Văn An"), "{html}");
    // The OTP was single-use.
    let (status, _) = post_form(&t, &cookie, &confirm, &[("otp", &code)]).await;
    assert_ne!(status, 303);

    // Submitted as signed; the competent agency's officer sees a valid signature.
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &serde_json::Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200);
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    let officer = t.staff_cookie(&format!("officer@{AGENCY_A}")).await;
    let (status, html) = t.page(&officer, &format!("/staff/dossiers/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Đã ký số bởi Nguyễn Văn An"), "{html}");

    // The signed bytes and the detached signature verify with the service's root, and only
    // together.
    let content = t
        .http
        .get(t.url(&format!("/staff/dossiers/{code}/signed/application.json")))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let p7s = t
        .http
        .get(t.url(&format!("/staff/dossiers/{code}/signed/signature.p7s")))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&content).unwrap();
    assert_eq!(doc["dossier"], draft.as_str());
    assert_eq!(doc["form"]["ho_ten_tre"], "Nguyễn Minh Khang");
    let ca = t
        .http
        .get(t.url("/sim/csc/ca.pem"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let roots = &motcua_documents::pki::certs_from_pem(&ca).unwrap();
    let now = std::time::SystemTime::now();
    let report = motcua_documents::verify::verify_detached(&p7s, &content, roots, now);
    assert!(report.valid(), "{:?}", report.checks);
    let mut altered = content.to_vec();
    let at = altered.len() / 2;
    altered[at] ^= 0x01;
    assert!(!motcua_documents::verify::verify_detached(&p7s, &altered, roots, now).valid());

    // A third party's tool agrees: OpenSSL verifies the detached CMS over the content.
    let dir = std::env::temp_dir().join(format!("motcua-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("application.json"), &content).unwrap();
    std::fs::write(dir.join("altered.json"), &altered).unwrap();
    std::fs::write(dir.join("signature.p7s"), &p7s).unwrap();
    std::fs::write(dir.join("ca.pem"), &ca).unwrap();
    let openssl = |content_file: &str| {
        std::process::Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
            ])
            .arg("-in")
            .arg(dir.join("signature.p7s"))
            .arg("-content")
            .arg(dir.join(content_file))
            .arg("-CAfile")
            .arg(dir.join("ca.pem"))
            .arg("-out")
            .arg(dir.join("out"))
            .output()
            .expect("openssl (Debian's openssl package) must be installed")
    };
    let ok = openssl("application.json");
    let err = String::from_utf8_lossy(&ok.stderr).to_string();
    assert!(ok.status.success(), "{err}");
    assert!(err.contains("Verification successful"), "{err}");
    let bad = openssl("altered.json");
    assert!(!bad.status.success(), "openssl accepted altered content");
    let _ = std::fs::remove_dir_all(&dir);

    // Another agency's officer cannot fetch them.
    let stranger = t.staff_cookie(&format!("officer@{AGENCY_B}")).await;
    let (status, _) = t
        .page(
            &stranger,
            &format!("/staff/dossiers/{code}/signed/signature.p7s"),
        )
        .await;
    assert_eq!(status, 404);

    // The signing is in the audit trail.
    let (_, html) = t
        .page(&officer, &format!("/staff/dossiers/{code}/audit"))
        .await;
    assert!(html.contains("sign"), "{html}");
    assert!(html.contains("Ký số hồ sơ: Nguyễn Văn An"), "{html}");

    // After submission there is nothing more to sign.
    let (status, _) = post_form(&t, &cookie, &format!("/my/{code}/sign"), &[]).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn changing_the_application_after_signing_voids_the_signature_visibly() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&token).await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let (status, _) = post_form(&t, &cookie, &format!("/my/{draft}/sign"), &[]).await;
    assert_eq!(status, 303);
    let code = otp(&t, CITIZEN_A).await;

    // The form changes between the OTP request and the confirmation: refused, sign again.
    let mut form =
        json(t.get(&token, &format!("/api/v1/dossiers/{draft}")).await).await["form"].clone();
    form["noi_sinh"] = json!("Trạm y tế phường Ngô Quyền");
    let r = t
        .put_json(&token, &format!("/api/v1/dossiers/{draft}/form"), &form)
        .await;
    assert_eq!(r.status(), 200);
    let (status, html) = post_form(
        &t,
        &cookie,
        &format!("/my/{draft}/sign/confirm"),
        &[("otp", &code)],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("đã thay đổi"), "{html}");

    // Signed properly, then changed: the page says the signature no longer applies.
    let (status, _) = post_form(&t, &cookie, &format!("/my/{draft}/sign"), &[]).await;
    assert_eq!(status, 303);
    let code = otp(&t, CITIZEN_A).await;
    let (status, _) = post_form(
        &t,
        &cookie,
        &format!("/my/{draft}/sign/confirm"),
        &[("otp", &code)],
    )
    .await;
    assert_eq!(status, 303);
    form["noi_sinh"] = json!("Bệnh viện Phụ sản Hải Phòng");
    let r = t
        .put_json(&token, &format!("/api/v1/dossiers/{draft}/form"), &form)
        .await;
    assert_eq!(r.status(), 200);
    let (_, html) = t.page(&cookie, &format!("/my/{draft}/check")).await;
    assert!(html.contains("chữ ký không còn áp dụng"), "{html}");
    assert!(!html.contains("Đã ký số bởi"), "{html}");
}

#[tokio::test]
async fn the_simulated_service_speaks_csc_and_refuses_what_it_should() {
    let t = TestApp::spawn().await;
    let post = |path: &str, body: serde_json::Value| {
        t.http
            .post(t.url(&format!("/sim/csc{path}")))
            .json(&body)
            .send()
    };
    let info = json(post("/csc/v1/info", json!({})).await.unwrap()).await;
    assert_eq!(info["specs"], "1.0.4.0");
    // No token: 401 with a CSC error body.
    let r = post("/csc/v1/credentials/list", json!({ "userID": CITIZEN_A }))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(json(r).await["error"], "invalid_token");
    // A client that is not registered gets no token.
    let r = t
        .http
        .post(t.url("/sim/csc/oauth2/token"))
        .basic_auth("intruder", Some("guess"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(json(r).await["error"], "invalid_client");
}
