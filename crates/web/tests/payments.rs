//! Paying online through the VNPAY 2.1.0 protocol, against the demo's sandbox bank served by the
//! same router: the notification (IPN) is the truth and only a genuine one counts; the return page
//! never settles a payment; a paid payment request moves the dossier on by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

mod common;
use common::*;

#[tokio::test]
async fn a_payment_is_settled_by_the_genuine_notification_once() {
    // The sandbox bank keeps real time; so does this server.
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let secret = motcua_server::demo_vnpay_secret(&t.app);
    let token = t.citizen_token(CITIZEN_A).await;
    let code = fee_draft(&t, &token).await;

    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 201);
    let started = json(r).await;
    assert_eq!(started["amount"], 200_000);
    assert_eq!(started["status"], "pending");
    let url = started["redirect_url"].as_str().unwrap().to_owned();
    let q = query_of(&url);
    assert!(
        q.iter().any(|(k, v)| k == "vnp_Amount" && v == "20000000"),
        "VND × 100"
    );
    // Pressing again while it is pending: the same payment, not a second one.
    let again = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    assert_eq!(again["id"], started["id"]);

    // The payer pays; the bank notifies us and sends the browser back.
    let back = pay_at_bank(&t, &url, "00").await;
    wait_for(&t, &token, &code, "succeeded").await;
    let back_query = query_of(&back);
    // The same genuine notification again (gateways retry): confirmed already, nothing changes.
    assert_eq!(ipn(&t, &back_query).await, "02");
    // Altered after signing: refused as forged.
    assert_eq!(ipn(&t, &with(&back_query, "vnp_Amount", "100")).await, "97");
    // Signed by someone who knows the secret but with another amount: the amount is refused.
    let altered = resigned(&secret, with(&back_query, "vnp_Amount", "100"));
    assert_eq!(ipn(&t, &altered).await, "04");
    // An order that is not ours.
    let unknown = resigned(&secret, with(&back_query, "vnp_TxnRef", "MC000000NOTOURS"));
    assert_eq!(ipn(&t, &unknown).await, "01");
    // A parameter given twice (a forgery trick): refused.
    let mut doubled = back_query.clone();
    doubled.push(("vnp_Amount".into(), "100".into()));
    assert_eq!(ipn(&t, &doubled).await, "97");
    assert_eq!(payment_status(&t, &token, &code).await, ["succeeded"]);

    // The return page shows the outcome as we hold it.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let path = back
        .split_once("/payments/")
        .map(|(_, p)| format!("/payments/{p}"))
        .unwrap();
    let (status, body) = t.page(&cookie, &path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Thanh toán thành công"), "{body}");
    // Paid: nothing more is due, and the audit trail has the payment's steps.
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await;
    expect_problem(r, 409, "nothing_to_pay").await;
}

#[tokio::test]
async fn the_return_page_never_settles_and_a_failed_payment_can_be_retried() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let secret = motcua_server::demo_vnpay_secret(&t.app);
    let token = t.citizen_token(CITIZEN_A).await;
    let code = fee_draft(&t, &token).await;
    // The bank's notifications are lost.
    let r = t
        .http
        .post(t.url("/sim/vnpay/control"))
        .form(&[("delay_secs", "0"), ("copies", "1"), ("drop", "on")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    let back = pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    // The browser's return, even genuine and signed, does not settle the payment.
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let path = back
        .split_once("/payments/")
        .map(|(_, p)| format!("/payments/{p}"))
        .unwrap();
    let (status, body) = t.page(&cookie, &path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Đang chờ cổng thanh toán xác nhận"), "{body}");
    assert_eq!(payment_status(&t, &token, &code).await, ["pending"]);
    // A forged return is said to be unverifiable.
    let forged = with(&query_of(&back), "vnp_SecureHash", "00");
    let (status, _) = t
        .page(
            &cookie,
            &format!("/payments/vnpay/return?{}", encode(&forged)),
        )
        .await;
    assert_eq!(status, 400);

    // A declined payment (insufficient funds) ends the payment, not the dossier: pay again.
    let t2 = TestApp::spawn_at(chrono::Utc::now()).await;
    let token2 = t2.citizen_token(CITIZEN_A).await;
    let code2 = fee_draft(&t2, &token2).await;
    let first = json(
        t2.post_json(
            &token2,
            &format!("/api/v1/dossiers/{code2}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    pay_at_bank(&t2, first["redirect_url"].as_str().unwrap(), "51").await;
    wait_for(&t2, &token2, &code2, "failed").await;
    let second = json(
        t2.post_json(
            &token2,
            &format!("/api/v1/dossiers/{code2}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    assert_ne!(second["id"], first["id"]);
    assert_ne!(second["txn_ref"], first["txn_ref"]);
    pay_at_bank(&t2, second["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(&t2, &token2, &code2, "succeeded").await;
    assert_eq!(
        payment_status(&t2, &token2, &code2).await,
        ["failed", "succeeded"]
    );
    let _ = secret;
}

#[tokio::test]
async fn fees_due_when_applying_are_paid_before_submitting() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = fee_draft(&t, &token).await;
    // Without paying, submitting is refused with the amount (the form is not complete either,
    // but payment is checked after the form: complete it first with the fixture's answers).
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/submit"),
            &Value::Null,
        )
        .await;
    assert!(matches!(r.status().as_u16(), 409 | 422), "{}", r.status());
    // Only the applicant pays online.
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .post_json(
            &officer,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await;
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
    // A free application has nothing to pay.
    let draft = t.birth_registration_draft(&token).await;
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{draft}/payments"),
            &Value::Null,
        )
        .await;
    expect_problem(r, 409, "nothing_to_pay").await;
}

#[tokio::test]
async fn a_lost_notification_is_made_good_by_the_requery_and_an_abandoned_payment_expires() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let token = t.citizen_token(CITIZEN_A).await;
    let paid = fee_draft(&t, &token).await;
    let abandoned = fee_draft(&t, &token).await;
    // Every notification is lost.
    t.http
        .post(t.url("/sim/vnpay/control"))
        .form(&[("delay_secs", "0"), ("copies", "1"), ("drop", "on")])
        .send()
        .await
        .unwrap();
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{paid}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    // The other applicant leaves at the bank's page.
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{abandoned}/payments"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 201);
    let w = t.worker(&Recorder::up(), &Recorder::up());
    // Not before the payer's time and a grace are over.
    assert_eq!(
        motcua_app::payments::schedule_requeries(&t.app, t.app.now())
            .await
            .unwrap(),
        0
    );
    t.clock.set(t.app.now() + chrono::Duration::minutes(21));
    assert_eq!(
        motcua_app::payments::schedule_requeries(&t.app, t.app.now())
            .await
            .unwrap(),
        2
    );
    // Scheduled again within the hour: nothing new.
    assert_eq!(
        motcua_app::payments::schedule_requeries(&t.app, t.app.now())
            .await
            .unwrap(),
        0
    );
    drain(&w).await;
    assert_eq!(payment_status(&t, &token, &paid).await, ["succeeded"]);
    assert_eq!(payment_status(&t, &token, &abandoned).await, ["expired"]);
    // Settled: no more re-queries.
    t.clock.set(t.app.now() + chrono::Duration::hours(2));
    assert_eq!(
        motcua_app::payments::schedule_requeries(&t.app, t.app.now())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_succeeded_payment_gets_a_signed_electronic_receipt() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = fee_draft(&t, &token).await;
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(&t, &token, &code, "succeeded").await;
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    drain(&w).await;
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    let receipts: Vec<&Value> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "payment_receipt")
        .collect();
    assert_eq!(receipts.len(), 1, "{}", v["documents"]);
    let receipt = receipts[0];
    assert!(receipt["number"].as_str().unwrap().starts_with("BLP-"));
    // The applicant downloads it: a PDF, signed.
    let r = t.get(&token, receipt["url"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.windows(b"/ByteRange".len()).any(|w| w == b"/ByteRange"));
    // Anyone can check it on the verification page; it is in the citizen's warehouse.
    let r = t
        .http
        .get(t.url(&format!(
            "/api/v1/documents/{}",
            receipt["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mine = json(t.get(&token, "/api/v1/me/documents").await).await;
    assert!(
        mine.to_string().contains(receipt["id"].as_str().unwrap()),
        "{mine}"
    );
    // A second run of the job writes nothing more.
    motcua_app::receipts::issue(&t.app, v["payments"][0]["id"].as_str().unwrap())
        .await
        .unwrap();
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "payment_receipt")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_paid_dossier_refused_at_receipt_is_refunded_through_the_gateway() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = fee_draft(&t, &token).await;
    let form = json!({
        "ho_ten": "Nguyễn Văn An", "gioi_tinh": "nam", "ngay_sinh": "1985-03-12",
        "noi_sinh": "Hải Phòng", "quoc_tich": "Việt Nam", "dan_toc": "Kinh",
        "so_dinh_danh": CITIZEN_A,
        "noi_thuong_tru": { "commune": "11341", "street": "Số 15 Lạch Tray" },
        "qua_trinh_cu_tru": "Từ 1985 đến nay: Phường Ngô Quyền, Hải Phòng",
        "loai_phieu": "so_1", "muc_dich": "Bổ sung hồ sơ xin việc",
        "so_luong": 1, "doi_tuong_nop_phi": "thong_thuong",
        "nhan_ket_qua": "vneid", "so_dien_thoai": "0912345678",
    });
    let r = t
        .put_json(&token, &format!("/api/v1/dossiers/{code}/form"), &form)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    for component in ["to_khai", "giay_to_tuy_than"] {
        let r = t
            .upload(
                &token,
                &code,
                component,
                "giay-to.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        assert_eq!(r.status(), 201, "{component}");
    }
    // Not paid: the submission waits for it.
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/submit"),
            &Value::Null,
        )
        .await;
    expect_problem(r, 409, "payment_required").await;
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(&t, &token, &code, "succeeded").await;
    let r = t
        .post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200);
    let v = json(r).await;
    let official = v["code"].as_str().unwrap().to_owned();
    let agency = v["receiving_agency"]["code"].as_str().unwrap().to_owned();
    // The one-stop refuses to receive it: everything paid goes back (nothing was done).
    let officer = t.staff_token(&format!("officer@{agency}")).await;
    let r = t
        .action(
            &officer,
            &official,
            json!({ "action": "refuse", "reason": "Hồ sơ không thuộc thẩm quyền" }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let w = t.worker(&Recorder::up(), &Recorder::up());
    drain(&w).await;
    assert_eq!(payment_status(&t, &token, &official).await, ["refunded"]);
    // Refunded once: the bank refuses a second full refund, and the job is not written twice.
    let jobs = motcua_store::outbox::list(&t.app.db, motcua_store::outbox::DONE, 100)
        .await
        .unwrap();
    assert_eq!(
        jobs.iter().filter(|j| j.kind == "payment.refund").count(),
        1
    );
}

#[tokio::test]
async fn a_paid_payment_request_moves_the_dossier_on_by_itself() {
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let token = t.citizen_token(CITIZEN_A).await;
    // A free birth registration; later the applicant asks for two copies of the certificate.
    let code = t.submitted_birth_registration(&token).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist_name = format!("specialist@{AGENCY_A}");
    let specialist = t.staff_token(&specialist_name).await;
    assert_eq!(
        t.action(&officer, &code, json!({ "action": "receive" }))
            .await
            .status(),
        200
    );
    let r = t
        .action(
            &leader,
            &code,
            json!({ "action": "assign", "assignee": specialist_name }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Amounts come from the catalogue only: an unknown line or a silly quantity is refused.
    for lines in [
        json!([{ "line": 99 }]),
        json!([{ "line": 2, "quantity": 0 }]),
    ] {
        let r = t
            .action(
                &specialist,
                &code,
                json!({ "action": "request_payment", "lines": lines }),
            )
            .await;
        expect_problem(r, 422, "unknown_fee_line").await;
    }
    let r = t
        .action(
            &specialist,
            &code,
            json!({ "action": "request_payment", "note": "Bản sao theo yêu cầu", "lines": [{ "line": 2, "quantity": 2 }] }),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let started = json(
        t.post_json(
            &token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await,
    )
    .await;
    assert_eq!(started["amount"], 16_000, "{started}");
    pay_at_bank(&t, started["redirect_url"].as_str().unwrap(), "00").await;
    wait_for(&t, &token, &code, "succeeded").await;
    // Paid: back in processing without anyone pressing "recorded as paid".
    let v = json(t.get(&token, &format!("/api/v1/dossiers/{code}")).await).await;
    assert_eq!(v["status"], 4, "{v}");
    assert!(v["history"].to_string().contains("record_payment"));
}
