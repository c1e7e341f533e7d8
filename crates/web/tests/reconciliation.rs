//! The daily payment reconciliation of an agency: payments made through the demo's sandbox bank
//! (paid, declined, left pending, and one paid whose order then received a forged and an altered
//! notification) come out in their classes with their totals, as JSON, as CSV and on the staff
//! page; only the agency's staff, its overseers and the operator may see it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use motcua_app::reconciliation::{self, Class, Issue, Report, Row, Total, Totals};
use motcua_testkit::*;
use serde_json::{Value, json};

mod common;
use common::*;

// ----- this suite's own -----

/// Starts paying the dossier's fees: (txn_ref, redirect_url).
async fn start(t: &TestApp, token: &str, code: &str) -> (String, String) {
    let r = t
        .post_json(
            token,
            &format!("/api/v1/dossiers/{code}/payments"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 201);
    let v = json(r).await;
    (
        v["txn_ref"].as_str().unwrap().to_owned(),
        v["redirect_url"].as_str().unwrap().to_owned(),
    )
}

fn report_path(agency: &str, date: &str, extra: &str) -> String {
    format!("/api/v1/payments/reconciliation?agency={agency}&date={date}{extra}")
}

struct Day {
    t: TestApp,
    agency: String,
    date: String,
    paid: (String, String),
    mismatched: (String, String),
    declined: (String, String),
    pending: (String, String),
}

/// One day of an agency's payments: (dossier code, txn_ref) of each kind.
async fn a_day_of_payments() -> Day {
    // The sandbox bank keeps real time; so does this server.
    let t = TestApp::spawn_at(chrono::Utc::now()).await;
    let secret = motcua_server::demo_vnpay_secret(&t.app);
    let token = t.citizen_token(CITIZEN_A).await;

    let paid = fee_draft(&t, &token).await;
    let (paid_ref, url) = start(&t, &token, &paid).await;
    pay_at_bank(&t, &url, "00").await;
    wait_for(&t, &token, &paid, "succeeded").await;

    let mismatched = fee_draft(&t, &token).await;
    let (mismatched_ref, url) = start(&t, &token, &mismatched).await;
    let back = query_of(&pay_at_bank(&t, &url, "00").await);
    wait_for(&t, &token, &mismatched, "succeeded").await;
    // Its notification again, with the amount altered after signing (refused: signature) and
    // re-signed by someone holding the secret (refused: amount).
    assert_eq!(ipn(&t, &with(&back, "vnp_Amount", "100")).await, "97");
    assert_eq!(
        ipn(&t, &resigned(&secret, with(&back, "vnp_Amount", "100"))).await,
        "04"
    );

    let declined = fee_draft(&t, &token).await;
    let (declined_ref, url) = start(&t, &token, &declined).await;
    pay_at_bank(&t, &url, "51").await;
    wait_for(&t, &token, &declined, "failed").await;

    let pending = fee_draft(&t, &token).await;
    let (pending_ref, _) = start(&t, &token, &pending).await;

    let d = json(t.get(&token, &format!("/api/v1/dossiers/{paid}")).await).await;
    let agency = d["competent_agency"]["code"].as_str().unwrap().to_owned();
    let date = t
        .app
        .now()
        .with_timezone(&t.app.calendar.offset())
        .date_naive()
        .to_string();
    Day {
        t,
        agency,
        date,
        paid: (paid, paid_ref),
        mismatched: (mismatched, mismatched_ref),
        declined: (declined, declined_ref),
        pending: (pending, pending_ref),
    }
}

fn row<'a>(report: &'a Value, txn_ref: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["txn_ref"] == txn_ref)
        .unwrap_or_else(|| panic!("{txn_ref} is not in {report}"))
}

#[tokio::test]
async fn the_day_s_payments_are_classed_totalled_and_downloadable() {
    let d = a_day_of_payments().await;
    let t = &d.t;
    let officer = t.staff_token(&format!("officer@{}", d.agency)).await;

    let r = t.get(&officer, &report_path(&d.agency, &d.date, "")).await;
    assert_eq!(r.status(), 200);
    let v = json(r).await;
    assert_eq!(v["agency"], d.agency.as_str());
    assert_eq!(v["date"], d.date.as_str());
    assert_eq!(v["rows"].as_array().unwrap().len(), 4, "{v}");

    let paid = row(&v, &d.paid.1);
    assert_eq!(paid["class"], "paid");
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["dossier_code"], d.paid.0.as_str());
    assert_eq!(paid["procedure_code"], "3.000333");
    assert!(!paid["procedure_name"].as_str().unwrap().is_empty());
    assert_eq!(paid["method"], "vnpay");
    assert_eq!(paid["amount"], 200_000);
    assert!(paid["refunded_amount"].is_null());
    assert!(
        paid["paid_at"].as_str().unwrap().ends_with("+07:00"),
        "{paid}"
    );
    assert!(
        paid["gateway_txn_no"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(paid["bank_code"].is_string());
    assert_eq!(paid["issues"], json!([]));
    assert_eq!(paid["created_other_day"], false);

    let mismatched = row(&v, &d.mismatched.1);
    assert_eq!(mismatched["class"], "mismatched");
    assert_eq!(
        mismatched["status"], "succeeded",
        "the forgery changed nothing"
    );
    assert_eq!(
        mismatched["issues"],
        json!(["callback_amount", "callback_signature"])
    );
    let declined = row(&v, &d.declined.1);
    assert_eq!(declined["class"], "failed");
    assert_eq!(declined["status"], "failed");
    assert!(declined["paid_at"].is_null());
    let pending = row(&v, &d.pending.1);
    assert_eq!(pending["class"], "pending");
    assert_eq!(pending["status"], "pending");

    let one = json!({ "count": 1, "amount": 200_000 });
    assert_eq!(
        v["totals"],
        json!({ "paid": one, "pending": one, "mismatched": one, "failed": one,
            "refunded": { "count": 0, "amount": 0 } })
    );
    // Both payments the bank took, the one with a forged notification included: the money came.
    assert_eq!(v["gateway_total"], json!({ "count": 2, "amount": 400_000 }));

    // Exactly what the OpenAPI document says: every property, all required, nothing else.
    let doc = json(
        t.http
            .get(t.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let schema = &doc["components"]["schemas"]["Reconciliation"];
    let rows_schema = &schema["properties"]["rows"]["items"];
    let totals_schema = &schema["properties"]["totals"];
    let total_schema = &totals_schema["properties"]["paid"];
    for (value, schema) in [
        (&v, schema),
        (paid, rows_schema),
        (mismatched, rows_schema),
        (&v["totals"], totals_schema),
        (&v["totals"]["failed"], total_schema),
        (&v["gateway_total"], &schema["properties"]["gateway_total"]),
    ] {
        assert_eq!(schema["additionalProperties"], false);
        let given: BTreeSet<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let described: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(given, described, "{value}");
        assert_eq!(required, described, "{value}");
    }
    let classes = &rows_schema["properties"]["class"]["enum"];
    for r in v["rows"].as_array().unwrap() {
        assert!(classes.as_array().unwrap().contains(&r["class"]));
    }

    // The same as CSV.
    let r = t
        .get(&officer, &report_path(&d.agency, &d.date, "&format=csv"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains(&format!("doi-soat-{}-{}.csv", d.agency, d.date)),
        "{disposition}"
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "dossier_code,procedure_code,procedure_name,txn_ref,method,amount_vnd,refunded_vnd,status,class,created_at,paid_at,gateway_txn_no,bank_code,created_other_day,issues"
    );
    let line = lines
        .find(|l| l.contains(&d.paid.1))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        line.starts_with(&format!("{},3.000333,", d.paid.0)),
        "{line}"
    );
    assert!(
        line.contains(&format!(",{},vnpay,200000,,succeeded,paid,", d.paid.1)),
        "{line}"
    );
    assert!(line.ends_with(",false,"), "{line}");
    assert!(
        csv.contains(",mismatched,") && csv.contains(",callback_amount|callback_signature\r\n"),
        "{csv}"
    );
    assert_eq!(csv.matches("\r\n").count(), 5, "a header and four rows");
    assert!(!csv.replace("\r\n", "").contains('\n'));

    // Another day: none of them.
    let r = t
        .get(&officer, &report_path(&d.agency, "2020-01-01", ""))
        .await;
    let other = json(r).await;
    assert_eq!(other["rows"], json!([]));
    assert_eq!(other["gateway_total"], json!({ "count": 0, "amount": 0 }));
}

#[tokio::test]
async fn only_the_agency_s_staff_its_overseers_and_the_operator_see_it() {
    let d = a_day_of_payments().await;
    let t = &d.t;
    let path = report_path(&d.agency, &d.date, "");
    let other_agency = if d.agency == AGENCY_A {
        AGENCY_B
    } else {
        AGENCY_A
    };
    // Any role at the agency; the monitor of the province, whose role includes its agencies; the
    // system administrator.
    for username in [
        format!("clerk@{}", d.agency),
        format!("admin@{}", d.agency),
        "monitor@H31".to_owned(),
        "admin@H31".to_owned(),
    ] {
        let token = t.staff_token(&username).await;
        let r = t.get(&token, &path).await;
        assert_eq!(r.status(), 200, "{username}");
        assert_eq!(json(r).await["rows"].as_array().unwrap().len(), 4);
    }
    // Staff of another agency, its administrator included, and citizens — the payer too.
    for username in [
        format!("officer@{other_agency}"),
        format!("admin@{other_agency}"),
    ] {
        let token = t.staff_token(&username).await;
        let p = expect_problem(t.get(&token, &path).await, 403, "not_allowed").await;
        assert!(!p["message_vi"].as_str().unwrap().is_empty());
        assert!(!p["message_en"].as_str().unwrap().is_empty());
    }
    let citizen = t.citizen_token(CITIZEN_A).await;
    expect_problem(t.get(&citizen, &path).await, 403, "not_allowed").await;
    let csv = report_path(&d.agency, &d.date, "&format=csv");
    expect_problem(t.get(&citizen, &csv).await, 403, "not_allowed").await;
}

#[tokio::test]
async fn a_query_that_does_not_parse_is_a_400_problem() {
    let t = TestApp::spawn().await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let a = AGENCY_A;
    for (query, code) in [
        ("date=2026-11-17".to_owned(), "agency_required"),
        (format!("agency={a}"), "date_required"),
        (format!("agency={a}&date=2026-02-30"), "invalid_date"),
        (format!("agency={a}&date=17/11/2026"), "invalid_date"),
        (format!("agency={a}&date=2026-11-7"), "invalid_date"),
        (format!("agency={a}&date=%2B2026-11-17"), "invalid_date"),
        (format!("agency={a}&date="), "invalid_date"),
        ("agency=&date=2026-11-17".to_owned(), "invalid_agency"),
        (
            "agency=H31%2F..&date=2026-11-17".to_owned(),
            "invalid_agency",
        ),
        (
            format!("agency={a}&date=2026-11-17&format=xml"),
            "invalid_format",
        ),
        (
            format!("agency={a}&date=2026-11-17&date=2026-11-18"),
            "duplicate_parameter",
        ),
        (
            format!("agency={a}&date=2026-11-17&formt=csv"),
            "unknown_parameter",
        ),
    ] {
        let r = t
            .get(
                &officer,
                &format!("/api/v1/payments/reconciliation?{query}"),
            )
            .await;
        expect_problem(r, 400, code).await;
    }
    // A well-formed code of no agency: not found.
    let r = t
        .get(
            &officer,
            "/api/v1/payments/reconciliation?agency=H31.NOPE&date=2026-11-17",
        )
        .await;
    expect_problem(r, 404, "unknown_agency").await;
    // A good query on a day without payments: an empty report, zero totals.
    let r = t
        .get(
            &officer,
            &report_path(AGENCY_A, "2026-11-17", "&format=json"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v = json(r).await;
    assert_eq!(v["rows"], json!([]));
    assert_eq!(v["totals"]["paid"], json!({ "count": 0, "amount": 0 }));
    // Without credentials: 401, as every signed-in operation.
    let r = t
        .http
        .get(t.url(&report_path(AGENCY_A, "2026-11-17", "")))
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_staff_page_shows_the_totals_the_table_and_the_csv_link() {
    let d = a_day_of_payments().await;
    let t = &d.t;
    let cookie = t.staff_cookie(&format!("officer@{}", d.agency)).await;
    let (status, body) = t
        .page(
            &cookie,
            &format!("/staff/payments?agency={}&date={}", d.agency, d.date),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Đối soát thanh toán"), "{body}");
    for txn_ref in [&d.paid.1, &d.mismatched.1, &d.declined.1, &d.pending.1] {
        assert!(body.contains(txn_ref.as_str()), "{txn_ref}");
    }
    assert!(body.contains(&d.paid.0));
    assert!(body.contains("Cần kiểm tra"), "the mismatched class");
    assert!(body.contains("<caption>"));
    assert!(body.contains("scope=\"col\"") && body.contains("scope=\"row\""));
    assert!(body.contains("<label for=\"r-agency\">") && body.contains("<label for=\"r-date\">"));
    assert!(body.contains("200.000\u{a0}đ"), "amounts in money format");
    assert!(body.contains("400.000\u{a0}đ"), "the gateway total");
    let csv_link = format!(
        "/api/v1/payments/reconciliation?agency={}&date={}&format=csv",
        d.agency, d.date
    );
    // Ampersands in an attribute are escaped (askama writes `&#38;`).
    assert!(
        body.replace("&#38;", "&")
            .contains(&format!("href=\"{csv_link}\"")),
        "{body}"
    );
    // The link downloads with the same session.
    let (status, csv) = t.page(&cookie, &csv_link).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("dossier_code,"));

    // Without a query: the officer's agency, today.
    let (status, body) = t.page(&cookie, "/staff/payments?lang=en").await;
    assert_eq!(status, 200);
    assert!(body.contains("Payment reconciliation"));
    assert!(body.contains(&format!("value=\"{}\"", d.date)));
    assert!(body.contains(&d.paid.1));
    // A day that is not one.
    let (status, body) = t
        .page(
            &cookie,
            &format!("/staff/payments?agency={}&date=2026-13-01", d.agency),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("role=\"alert\""));
    // Another agency's officer is told no; citizens are sent to the staff sign-in.
    let other_agency = if d.agency == AGENCY_A {
        AGENCY_B
    } else {
        AGENCY_A
    };
    let other = t.staff_cookie(&format!("officer@{other_agency}")).await;
    let (status, body) = t
        .page(
            &other,
            &format!("/staff/payments?agency={}&date={}", d.agency, d.date),
        )
        .await;
    assert_eq!(status, 403);
    assert!(!body.contains(&d.paid.1));
    let citizen = t.citizen_cookie(CITIZEN_A).await;
    let r = t
        .http
        .get(t.url("/staff/payments"))
        .header("cookie", citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff");
    // The staff home links to it.
    let (_, home) = t.page(&cookie, "/staff").await;
    assert!(home.contains("href=\"/staff/payments\""));
}

fn crafted(procedure_name: &str, bank_code: &str) -> Report {
    Report {
        agency: "H31.11341".into(),
        agency_name: "Ủy ban nhân dân Phường Ngô Quyền".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
        rows: vec![Row {
            dossier_code: "H31.11341-261117-0001".into(),
            procedure_code: "1.001193".into(),
            procedure_name: procedure_name.into(),
            txn_ref: "MC261117ABCDEFGHJKLM".into(),
            method: "vnpay".into(),
            amount: 50_000,
            refunded_amount: None,
            status: "succeeded".into(),
            class: Class::Mismatched,
            created_at: "2026-11-17T09:00:00+07:00".parse().unwrap(),
            paid_at: None,
            gateway_txn_no: None,
            bank_code: Some(bank_code.into()),
            created_other_day: true,
            issues: vec![Issue::NoGatewayTxnNo, Issue::NoGatewayConfirmation],
        }],
        totals: Totals {
            mismatched: Total {
                count: 1,
                amount: 50_000,
            },
            ..Totals::default()
        },
        gateway_total: Total::default(),
    }
}

#[test]
fn csv_quotes_a_name_with_a_comma_and_defuses_formulas() {
    let csv = reconciliation::to_csv(&crafted(
        "Đăng ký khai sinh, kết hôn \"liên thông\"",
        "=HYPERLINK(\"http://x.example\",\"ok\")",
    ));
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines.len(), 3, "header, row, and the CRLF ending the row");
    assert_eq!(lines[2], "");
    assert_eq!(
        lines[1],
        "H31.11341-261117-0001,1.001193,\"Đăng ký khai sinh, kết hôn \"\"liên thông\"\"\",MC261117ABCDEFGHJKLM,vnpay,50000,,succeeded,mismatched,2026-11-17T09:00:00+07:00,,,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"ok\"\")\",true,no_gateway_txn_no|no_gateway_confirmation"
    );
    for (given, written) in [
        ("+84", "'+84"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("NCB", "NCB"),
    ] {
        let csv = reconciliation::to_csv(&crafted("Thủ tục", given));
        assert!(csv.contains(&format!(",{written},true,")), "{given}: {csv}");
    }
}
