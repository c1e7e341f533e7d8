//! Bad input is refused with a clear problem+json and a stable code, and a refusal stores nothing:
//! unknown procedures, malformed or mis-shaped JSON, invalid form values, wrong, unreadable,
//! two-formats-at-once or oversize files, illegal or unknown actions, and reused idempotency keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use motcua_testkit::*;
use serde_json::{Value, json};

async fn dossier(t: &TestApp, token: &str, code: &str) -> Value {
    let r = t.get(token, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(r.status(), 200, "read {code}");
    json(r).await
}

async fn new_draft(t: &TestApp, token: &str) -> String {
    let r = t
        .post_json(
            token,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.001193" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    json(r).await["code"].as_str().unwrap().to_owned()
}

fn error_fields(problem: &Value) -> BTreeSet<String> {
    problem["errors"]
        .as_array()
        .expect("errors[]")
        .iter()
        .map(|e| e["field"].as_str().expect("errors[].field").to_owned())
        .collect()
}

async fn post_raw(t: &TestApp, token: &str, path: &str, body: &'static str) -> reqwest::Response {
    t.http
        .post(t.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_refuses_unknown_procedures_and_malformed_bodies() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;

    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "9.999999" }),
        )
        .await;
    let p = expect_problem(r, 422, "unknown_procedure").await;
    assert!(
        p["message_en"].as_str().unwrap().contains("9.999999"),
        "{p}"
    );
    assert!(!p["message_vi"].as_str().unwrap().is_empty());

    let r = post_raw(
        &t,
        &citizen,
        "/api/v1/dossiers",
        r#"{"procedure": "1.001193""#,
    )
    .await;
    expect_problem(r, 400, "malformed_json").await;
    let r = post_raw(&t, &citizen, "/api/v1/dossiers", "").await;
    expect_problem(r, 400, "malformed_json").await;

    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.001193", "priority": "high" }),
        )
        .await;
    let p = expect_problem(r, 422, "invalid_body").await;
    assert!(
        p["message_en"].as_str().unwrap().contains("priority"),
        "{p}"
    );
    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": 1001193 }),
        )
        .await;
    expect_problem(r, 422, "invalid_body").await;
    let r = t.post_json(&citizen, "/api/v1/dossiers", &json!({})).await;
    expect_problem(r, 422, "invalid_body").await;
    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.001193", "channel": "fax" }),
        )
        .await;
    expect_problem(r, 422, "invalid_body").await;
    // Citizens apply online only; counter dossiers are entered by an officer.
    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "1.001193", "channel": "counter" }),
        )
        .await;
    expect_problem(r, 403, "channel_not_allowed").await;
    // A procedure not offered online.
    let r = t
        .post_json(
            &citizen,
            "/api/v1/dossiers",
            &json!({ "procedure": "2.000815" }),
        )
        .await;
    expect_problem(r, 422, "not_offered_online").await;

    assert!(
        t.dossier_codes(&citizen).await.is_empty(),
        "a refused create stored a dossier"
    );
}

#[tokio::test]
async fn invalid_form_values_are_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    let path = format!("/api/v1/dossiers/{draft}/form");
    let r = t.put_json(&citizen, &path, &birth_form()).await;
    assert_eq!(r.status(), 200);
    let before = dossier(&t, &citizen, &draft).await;
    assert_eq!(before["form"]["ho_ten_tre"], "Nguyễn Minh Khang");

    let cases = [
        // A valid change next to an invalid one: neither is stored.
        (
            json!({ "ho_ten_tre": "Tên Khác", "ngay_sinh": "17/11/2026" }),
            "ngay_sinh",
        ),
        (json!({ "gioi_tinh": "khac" }), "gioi_tinh"),
        (
            json!({ "so_dinh_danh_nguoi_yeu_cau": 31085012345_u64 }),
            "so_dinh_danh_nguoi_yeu_cau",
        ),
        (
            json!({ "so_dinh_danh_nguoi_yeu_cau": "12345" }),
            "so_dinh_danh_nguoi_yeu_cau",
        ),
        (
            json!({ "noi_cu_tru_nguoi_yeu_cau": { "commune": "99999", "street": "Số 1" } }),
            "noi_cu_tru_nguoi_yeu_cau",
        ),
        (json!({ "so_dien_thoai": "không có" }), "so_dien_thoai"),
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "nam_sinh_me": "một nghìn" }), "nam_sinh_me"),
        (json!({ "truong_khong_co": "x" }), "truong_khong_co"),
    ];
    for (body, field) in cases {
        let r = t.put_json(&citizen, &path, &body).await;
        let p = expect_problem(r, 422, "invalid_form").await;
        assert!(error_fields(&p).contains(field), "{body} → {p}");
        let now = dossier(&t, &citizen, &draft).await;
        assert_eq!(
            now["form"], before["form"],
            "{body} changed the stored form"
        );
        assert_eq!(
            now["history"], before["history"],
            "{body} left a history entry"
        );
    }
    let r = t
        .http
        .put(t.url(&path))
        .bearer_auth(&citizen)
        .header("content-type", "application/json")
        .body("{\"ho_ten_tre\": ")
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "malformed_json").await;
    // A body not declared as JSON is refused whatever it holds (a cross-site form can post
    // text/plain without asking first).
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = t.http.put(t.url(&path)).bearer_auth(&citizen);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let r = req.body(birth_form().to_string()).send().await.unwrap();
        expect_problem(r, 415, "unsupported_media_type").await;
    }
    let r = t
        .put_json(&citizen, &path, &json!(["ho_ten_tre", "x"]))
        .await;
    expect_problem(r, 422, "invalid_body").await;
    assert_eq!(dossier(&t, &citizen, &draft).await["form"], before["form"]);
}

#[tokio::test]
async fn submit_with_missing_required_fields_names_each_field() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    let r = t
        .put_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/form"),
            &json!({ "ho_ten_tre": "Nguyễn Minh Khang" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "gcs.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let before = dossier(&t, &citizen, &draft).await;

    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    let p = expect_problem(r, 422, "invalid_form").await;
    let fields = error_fields(&p);
    let procedure = json(
        t.http
            .get(t.url("/api/v1/procedures/1.001193"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let required: BTreeSet<String> = procedure["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["required"] == true)
        .map(|f| f["key"].as_str().unwrap().to_owned())
        .filter(|k| k != "ho_ten_tre")
        .collect();
    assert!(!required.is_empty());
    assert_eq!(
        fields, required,
        "every missing required field, and only those: {p}"
    );
    for e in p["errors"].as_array().unwrap() {
        assert!(
            e["message_vi"].as_str().is_some_and(|m| !m.is_empty()),
            "{e}"
        );
    }

    let after = dossier(&t, &citizen, &draft).await;
    assert_eq!(after["status"], 0);
    assert_eq!(
        after["code"], before["code"],
        "no official code was allocated"
    );
    assert_eq!(after["history"], before["history"]);

    // Once complete it submits and gets the first number of the day: the refusal used none.
    let r = t
        .put_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/form"),
            &birth_form(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["code"], format!("{AGENCY_A}-261117-0001"));
}

fn padded_pdf(len: usize) -> Vec<u8> {
    let mut v = sample_pdf();
    v.resize(len, b' ');
    v
}

/// A complete 2×2 RGB PNG (IHDR, one zlib-compressed IDAT, IEND, with their CRCs): uploads are
/// decoded, so a PNG signature alone no longer passes.
fn png_bytes() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
        0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x38,
        0x21, 0x27, 0x07, 0x44, 0x0c, 0x10, 0x0a, 0x00, 0x1f, 0x26, 0x04, 0x11, 0x4a, 0x8e, 0x8d,
        0x20, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// The smallest valid ZIP archive: an end-of-central-directory record for no entries.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// Objects in the file store that no attachment names, found by a sweep far in the future (which
/// also removes them, so each check starts clean).
async fn leftover_bytes(t: &TestApp) -> Vec<String> {
    let far = chrono::Utc::now() + chrono::TimeDelta::days(3650);
    motcua_app::housekeeping::sweep_orphan_files(&t.app, far)
        .await
        .unwrap()
        .removed
}

#[tokio::test]
async fn files_that_do_not_parse_or_are_two_formats_at_once_are_refused_and_leave_nothing() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    let before = dossier(&t, &citizen, &draft).await;
    let pdf = sample_pdf();
    let mut pdf_with_script = b"%PDF-1.4\n%<script>alert(document.cookie)</script>\n".to_vec();
    pdf_with_script.extend_from_slice(&pdf[9..]);
    let mut jpeg_with_pdf = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x12];
    jpeg_with_pdf.extend_from_slice(b"%PDF-1.4 1 0 obj");
    jpeg_with_pdf.extend_from_slice(&[0xFF, 0xD9]);

    let refused: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        // Polyglots: a second reader would open them as something else.
        (
            "pdf+zip.pdf",
            "application/pdf",
            cat(&pdf, EMPTY_ZIP),
            415,
            "file_ambiguous",
        ),
        (
            "png+zip.png",
            "image/png",
            cat(&png_bytes(), EMPTY_ZIP),
            415,
            "file_ambiguous",
        ),
        (
            "png+pdf.png",
            "image/png",
            cat(&png_bytes(), &pdf),
            415,
            "file_ambiguous",
        ),
        (
            "jpeg+pdf.jpg",
            "image/jpeg",
            jpeg_with_pdf,
            415,
            "file_ambiguous",
        ),
        (
            "pdf+html.pdf",
            "application/pdf",
            pdf_with_script,
            415,
            "file_ambiguous",
        ),
        (
            "png+hidden.png",
            "image/png",
            cat(&png_bytes(), b"anything after IEND"),
            415,
            "file_ambiguous",
        ),
        // The right first bytes, and then not the file they promise.
        (
            "cut.pdf",
            "application/pdf",
            pdf[..pdf.len() / 2].to_vec(),
            422,
            "file_unreadable",
        ),
        (
            "fake.pdf",
            "application/pdf",
            b"%PDF-1.7\nnot really a pdf\n%%EOF\n".to_vec(),
            422,
            "file_unreadable",
        ),
        (
            "cut.png",
            "image/png",
            png_bytes()[..60].to_vec(),
            422,
            "file_unreadable",
        ),
        (
            "fake.png",
            "image/png",
            cat(&png_bytes()[..8], &[7u8; 300]),
            422,
            "file_unreadable",
        ),
        (
            "fake.jpg",
            "image/jpeg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xD9],
            422,
            "file_unreadable",
        ),
    ];
    for (name, mime, bytes, status, code) in refused {
        let r = t
            .upload(&citizen, &draft, "giay_chung_sinh", name, mime, bytes)
            .await;
        let p = expect_problem(r, status, code).await;
        assert!(!p["message_vi"].as_str().unwrap().is_empty(), "{p}");
        assert!(!p["message_en"].as_str().unwrap().is_empty(), "{p}");
        let now = dossier(&t, &citizen, &draft).await;
        assert_eq!(
            now["attachments"], before["attachments"],
            "{name} left an attachment"
        );
        assert_eq!(
            now["history"], before["history"],
            "{name} left a history entry"
        );
        assert_eq!(
            leftover_bytes(&t).await,
            Vec::<String>::new(),
            "{name} left bytes"
        );
    }
}

#[tokio::test]
async fn downloads_keep_the_name_with_its_spaces_and_without_invisible_characters() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    for (uploaded, stored, fallback, extended) in [
        (
            "Giấy chứng sinh của bé.pdf",
            "Giấy chứng sinh của bé.pdf",
            "Giay chung sinh cua be.pdf",
            "Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20sinh%20c%E1%BB%A7a%20b%C3%A9.pdf",
        ),
        (
            "scan 1 + 2.pdf",
            "scan 1 + 2.pdf",
            "scan 1 + 2.pdf",
            "scan%201%20+%202.pdf",
        ),
        (
            "hoa don\u{202E}fdp.exe",
            "hoa donfdp.exe",
            "hoa donfdp.exe",
            "hoa%20donfdp.exe",
        ),
        (
            "tab\there\u{200B}.pdf",
            "tab here.pdf",
            "tab here.pdf",
            "tab%20here.pdf",
        ),
    ] {
        // As browsers send it: the name in UTF-8 as it is (reqwest would percent-encode it).
        let part = reqwest::multipart::Part::bytes(sample_pdf())
            .file_name(uploaded.to_owned())
            .mime_str("application/pdf")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .percent_encode_noop()
            .text("component", "giay_chung_sinh")
            .part("file", part);
        let r = t
            .http
            .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
            .bearer_auth(&citizen)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{uploaded:?}");
        let a = json(r).await;
        assert_eq!(a["file_name"], stored);
        let r = t.get(&citizen, a["url"].as_str().unwrap()).await;
        assert_eq!(r.status(), 200);
        let header = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            header,
            format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{extended}"),
        );
        assert_eq!(r.bytes().await.unwrap().to_vec(), sample_pdf());
    }
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_size_and_refusals_store_nothing() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    let procedure = json(
        t.http
            .get(t.url("/api/v1/procedures/1.001193"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let component = procedure["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "giay_chung_sinh")
        .expect("component giay_chung_sinh")
        .clone();
    let max_bytes = usize::try_from(component["max_bytes"].as_u64().expect("max_bytes")).unwrap();
    assert_eq!(max_bytes, 10 * 1024 * 1024, "the default limit");
    let accepts: Vec<&str> = component["accepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(accepts.contains(&"application/pdf"), "{accepts:?}");
    let before = dossier(&t, &citizen, &draft).await;
    // Nothing uploaded yet (what the national databases gave is filed already).
    assert!(
        before["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["source"] != "upload")
    );

    let exe =
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 this program cannot be run"
            .to_vec();
    let refused: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "setup.exe",
            "application/octet-stream",
            exe.clone(),
            415,
            "unsupported_file_type",
        ),
        (
            "giay-chung-sinh.pdf",
            "application/pdf",
            exe.clone(),
            415,
            "unsupported_file_type",
        ),
        (
            "setup.exe",
            "application/x-msdownload",
            exe,
            415,
            "unsupported_file_type",
        ),
        (
            "note.txt",
            "text/plain",
            b"just text, no magic".to_vec(),
            415,
            "unsupported_file_type",
        ),
        (
            "page.html",
            "text/html",
            b"<html><script>alert(1)</script></html>".to_vec(),
            415,
            "unsupported_file_type",
        ),
        // A PDF declared as something else is refused too: declared and real type must agree.
        (
            "scan.jpg",
            "image/jpeg",
            sample_pdf(),
            415,
            "unsupported_file_type",
        ),
        (
            "big.pdf",
            "application/pdf",
            padded_pdf(max_bytes + 1),
            413,
            "file_too_large",
        ),
        (
            "empty.pdf",
            "application/pdf",
            Vec::new(),
            422,
            "empty_file",
        ),
    ];
    for (name, mime, bytes, status, code) in refused {
        let r = t
            .upload(&citizen, &draft, "giay_chung_sinh", name, mime, bytes)
            .await;
        expect_problem(r, status, code).await;
        let now = dossier(&t, &citizen, &draft).await;
        assert_eq!(
            now["attachments"], before["attachments"],
            "{name} ({mime}) left an attachment"
        );
        assert_eq!(
            now["history"], before["history"],
            "{name} ({mime}) left a history entry"
        );
    }
    let r = t
        .upload(
            &citizen,
            &draft,
            "khong_co_thanh_phan",
            "a.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    expect_problem(r, 422, "unknown_component").await;
    // Multipart without the file or the component.
    let form = reqwest::multipart::Form::new().text("component", "giay_chung_sinh");
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
        .bearer_auth(&citizen)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "file_required").await;
    let part = reqwest::multipart::Part::bytes(sample_pdf())
        .file_name("a.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
        .bearer_auth(&citizen)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "component_required").await;
    assert_eq!(
        dossier(&t, &citizen, &draft).await["attachments"],
        before["attachments"]
    );

    // PNG bytes declared as a PDF: never stored as a PDF. Accepted (as the PNG it is) only when the
    // component accepts PNG; otherwise refused.
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "scan.pdf",
            "application/pdf",
            png_bytes(),
        )
        .await;
    if r.status() == 201 {
        assert!(accepts.contains(&"image/png"));
        assert_eq!(json(r).await["mime"], "image/png");
    } else {
        expect_problem(r, 415, "unsupported_file_type").await;
        assert_eq!(
            dossier(&t, &citizen, &draft).await["attachments"],
            before["attachments"]
        );
    }
    let count = dossier(&t, &citizen, &draft).await["attachments"]
        .as_array()
        .unwrap()
        .len();

    // What is allowed is stored, with the type found in the content: exactly max_bytes, a PNG, a PDF
    // sent as application/octet-stream.
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "exact.pdf",
            "application/pdf",
            padded_pdf(max_bytes),
        )
        .await;
    assert_eq!(r.status(), 201, "a file of exactly max_bytes is accepted");
    let a = json(r).await;
    assert_eq!(a["size_bytes"], max_bytes);
    assert_eq!(a["mime"], "application/pdf");
    if accepts.contains(&"image/png") {
        let r = t
            .upload(
                &citizen,
                &draft,
                "giay_chung_sinh",
                "photo.png",
                "image/png",
                png_bytes(),
            )
            .await;
        assert_eq!(r.status(), 201);
        assert_eq!(json(r).await["mime"], "image/png");
    }
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "noname",
            "application/octet-stream",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(json(r).await["mime"], "application/pdf");
    let after = dossier(&t, &citizen, &draft).await["attachments"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        after,
        count + if accepts.contains(&"image/png") { 3 } else { 2 }
    );
}

#[tokio::test]
async fn an_upload_that_is_not_multipart_gets_a_problem() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    // JSON names an item of the warehouse (not a file): without one it is refused as a body
    // of the wrong shape.
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
        .bearer_auth(&citizen)
        .header("content-type", "application/json")
        .body(r#"{"component": "giay_chung_sinh"}"#)
        .send()
        .await
        .unwrap();
    expect_problem(r, 422, "invalid_body").await;
    for (content_type, body) in [("application/pdf", "%PDF-1.4 raw body")] {
        let r = t
            .http
            .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
            .bearer_auth(&citizen)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        expect_problem(r, 415, "multipart_required").await;
    }
    let d = dossier(&t, &citizen, &draft).await;
    assert!(
        d["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["source"] != "upload"),
        "{d}"
    );
}

#[tokio::test]
async fn illegal_and_unknown_actions_are_refused_without_effect() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let before = dossier(&t, &citizen, &code).await;
    assert_eq!(before["status"], 1);

    for (token, body) in [
        (&leader, json!({ "action": "approve" })),
        (
            &leader,
            json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        ),
        (&officer, json!({ "action": "return_result" })),
        (&officer, json!({ "action": "hand_over" })),
        (&officer, json!({ "action": "accept_withdrawal" })),
        (&citizen, json!({ "action": "supplement" })),
        (&citizen, json!({ "action": "submit" })),
    ] {
        let r = t.action(token, &code, body.clone()).await;
        let p = expect_problem(r, 409, "illegal_transition").await;
        assert!(!p["message_vi"].as_str().unwrap().is_empty(), "{body}: {p}");
    }
    for body in [
        json!({ "action": "fly_to_the_moon" }),
        json!({ "action": "refuse" }),
        json!({ "action": "assign" }),
        json!({ "action": "extend", "new_due_at": "tomorrow", "reason": "x" }),
        json!({ "reason": "no action" }),
        json!({}),
        json!("receive"),
    ] {
        let r = t.action(&officer, &code, body.clone()).await;
        expect_problem(r, 422, "invalid_action").await;
    }
    let r = post_raw(
        &t,
        &officer,
        &format!("/api/v1/dossiers/{code}/actions"),
        "{\"action\": \"receive\"",
    )
    .await;
    expect_problem(r, 400, "malformed_json").await;
    // A reason that is only blanks is no reason.
    let r = t
        .action(
            &officer,
            &code,
            json!({ "action": "refuse", "reason": "   " }),
        )
        .await;
    expect_problem(r, 422, "reason_required").await;

    let after = dossier(&t, &citizen, &code).await;
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["history"], before["history"]);
    assert_eq!(after["updated_at"], before["updated_at"]);

    // Final status: nothing leaves it.
    let r = t
        .action(
            &officer,
            &code,
            json!({ "action": "refuse", "reason": "Sai thẩm quyền" }),
        )
        .await;
    assert_eq!(json(r).await["status"], 3);
    for body in [
        json!({ "action": "receive" }),
        json!({ "action": "refuse", "reason": "lần hai" }),
    ] {
        let r = t.action(&officer, &code, body).await;
        expect_problem(r, 409, "illegal_transition").await;
    }
    let r = t
        .action(&citizen, &code, json!({ "action": "request_withdrawal" }))
        .await;
    expect_problem(r, 409, "illegal_transition").await;
}

fn create_with_key(t: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::RequestBuilder {
    t.http
        .post(t.url("/api/v1/dossiers"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
}

#[tokio::test]
async fn idempotency_key_replays_the_same_dossier_and_refuses_reuse_with_another_body() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let body = json!({ "procedure": "1.001193" });

    let r = create_with_key(&t, &citizen, "key-0001", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotency-replayed").is_none());
    let first = json(r).await;
    let code = first["code"].as_str().unwrap().to_owned();

    let r = create_with_key(&t, &citizen, "key-0001", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(json(r).await["code"], code.as_str());
    assert_eq!(t.dossier_codes(&citizen).await, std::slice::from_ref(&code));

    let r = create_with_key(
        &t,
        &citizen,
        "key-0001",
        &json!({ "procedure": "1.000656" }),
    )
    .send()
    .await
    .unwrap();
    expect_problem(r, 422, "idempotency_key_reused").await;
    assert_eq!(
        t.dossier_codes(&citizen).await,
        std::slice::from_ref(&code),
        "a reused key created a dossier"
    );

    // Keys are per caller: citizen B's "key-0001" is another request.
    let citizen_b = t.citizen_token(CITIZEN_B).await;
    let r = create_with_key(&t, &citizen_b, "key-0001", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_ne!(json(r).await["code"], code.as_str());

    for bad in ["", "   ", &"k".repeat(201)] {
        let r = t
            .http
            .post(t.url("/api/v1/dossiers"))
            .bearer_auth(&citizen)
            .header("idempotency-key", bad.as_bytes())
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_problem(r, 400, "invalid_idempotency_key").await;
    }
    assert_eq!(t.dossier_codes(&citizen).await.len(), 1);
}

/// A key the server cannot read as text must be refused: silently ignoring it would turn the
/// client's safe retry into a second dossier.
#[tokio::test]
async fn a_non_ascii_idempotency_key_is_refused_not_ignored() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let body = json!({ "procedure": "1.001193" });
    let key = "khóa-có-dấu".as_bytes();
    for _ in 0..2 {
        let r = t
            .http
            .post(t.url("/api/v1/dossiers"))
            .bearer_auth(&citizen)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        if r.status() != 400 {
            // Accepted: then the retry must at least be recognised.
            assert_eq!(r.status(), 201);
        } else {
            expect_problem(r, 400, "invalid_idempotency_key").await;
        }
    }
    let listed = t.dossier_codes(&citizen).await;
    assert!(listed.len() <= 1, "one key, two dossiers: {listed:?}");
}

#[tokio::test]
async fn idempotent_submit_allocates_one_number() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = new_draft(&t, &citizen).await;
    let r = t
        .put_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/form"),
            &birth_form(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "gcs.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let submit = || {
        t.http
            .post(t.url(&format!("/api/v1/dossiers/{draft}/submit")))
            .bearer_auth(&citizen)
            .header("idempotency-key", "submit-1")
    };
    let r = submit().send().await.unwrap();
    assert_eq!(r.status(), 200);
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    assert_eq!(code, format!("{AGENCY_A}-261117-0001"));
    let r = submit().send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["code"], code.as_str());
    // The same retry addressed by the official code is the same request.
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{code}/submit")))
        .bearer_auth(&citizen)
        .header("idempotency-key", "submit-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["code"], code.as_str());
    // Without the key, a second submit is an illegal transition, not a second number.
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &Value::Null,
        )
        .await;
    expect_problem(r, 409, "illegal_transition").await;
    let next = t.submitted_birth_registration(&citizen).await;
    assert_eq!(next, format!("{AGENCY_A}-261117-0002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_with_one_key_make_one_dossier() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let body = json!({ "procedure": "1.001193" });
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let req = create_with_key(&t, &citizen, "same-key-for-all", &body);
        set.spawn(async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        });
    }
    let mut codes = BTreeSet::new();
    let mut failures = Vec::new();
    while let Some(res) = set.join_next().await {
        let (status, text) = res.unwrap();
        if status == 201 {
            let v: Value = serde_json::from_str(&text).unwrap();
            codes.insert(v["code"].as_str().unwrap().to_owned());
        } else {
            failures.push(format!("{status}: {text}"));
        }
    }
    let listed = t.dossier_codes(&citizen).await;
    assert_eq!(listed.len(), 1, "exactly one dossier: {listed:?}");
    assert!(
        failures.is_empty(),
        "every retry gets the stored answer, none an error: {failures:#?}"
    );
    assert_eq!(
        codes.len(),
        1,
        "every reply names the same dossier: {codes:?}"
    );
    assert_eq!(codes.into_iter().next().unwrap(), listed[0]);
}
