//! An English reader reads the content, not only the frame (SPEC §9): the catalogue's English
//! texts on the procedure page, the form, the documents and the check page, in the field names of
//! validation messages, and from the procedure API for `?lang=en` or `Accept-Language: en`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::{Value, json};

async fn get(t: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, Value, String) {
    let mut r = t.http.get(t.url(path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let lang = r
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, r.json().await.unwrap_or(Value::Null), lang)
}

fn option_label(p: &Value, field: &str, value: &str) -> String {
    p["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == field)
        .unwrap()["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["value"] == value)
        .unwrap()["label"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_procedure_api_speaks_the_callers_language() {
    let t = TestApp::spawn().await;
    let path = "/api/v1/procedures/1.001193";
    let (status, vi, lang) = get(&t, path, &[]).await;
    assert_eq!((status, lang.as_str()), (200, "vi"));
    assert_eq!(option_label(&vi, "gioi_tinh", "nu"), "Nữ");
    assert_eq!(vi["lang"], "vi");

    for headers in [
        vec![("accept-language", "en-GB,en;q=0.9,vi;q=0.5")],
        vec![("accept-language", "vi")],
    ] {
        let query = if headers[0].1 == "vi" { "?lang=en" } else { "" };
        let (status, en, lang) = get(&t, &format!("{path}{query}"), &headers).await;
        assert_eq!((status, lang.as_str()), (200, "en"), "{headers:?}{query}");
        assert_eq!(en["lang"], "en");
        // Texts change, keys and stored values do not.
        assert_eq!(option_label(&en, "gioi_tinh", "nu"), "Female");
        assert_eq!(
            en["form"]["fields"][0]["key"],
            vi["form"]["fields"][0]["key"]
        );
        assert_eq!(
            en["form"]["fields"][0]["label"],
            "Full name of the person applying"
        );
        assert!(
            en["components"][0]["name"]
                .as_str()
                .unwrap()
                .starts_with("Birth registration declaration form")
        );
        assert!(
            en["fees"][0]["name"]
                .as_str()
                .unwrap()
                .starts_with("Charge")
        );
        assert!(
            en["result_document"]
                .as_str()
                .unwrap()
                .contains("Birth certificate")
        );
        assert_eq!(en["sector"], "Civil status");
    }

    // The search speaks it too; an unknown language is refused, not guessed.
    let (status, list, lang) = get(&t, "/api/v1/procedures?q=khai+sinh&lang=en", &[]).await;
    assert_eq!((status, lang.as_str()), (200, "en"));
    assert_eq!(list["items"][0]["sector"], "Civil status");
    let r = t
        .http
        .get(t.url(&format!("{path}?lang=fr")))
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "invalid_lang").await;
}

#[tokio::test]
async fn an_english_reader_applies_in_english_and_is_told_mistakes_in_english() {
    let t = TestApp::spawn().await;
    let cookie = t.citizen_cookie(CITIZEN_A).await;
    let en = format!("{cookie}; lang=en");
    let (_, page) = t.page(&en, "/procedures/1.001193").await;
    for text in [
        "Certificate of live birth",
        "Charge for late birth registration",
        "Birth certificate",
    ] {
        assert!(page.contains(text), "procedure page lacks {text:?}");
    }
    assert!(
        !page.contains("Giấy chứng sinh;"),
        "a Vietnamese component name"
    );

    let token = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&token).await;
    // The child's part: English part title, labels, options and hint.
    let (status, form) = t.page(&en, &format!("/my/{draft}/form?section=1")).await;
    assert_eq!(status, 200);
    for text in [
        "Full name of the child",
        "Date of birth",
        ">Female<",
        "Change this if the child has a different nationality.",
    ] {
        assert!(form.contains(text), "form part lacks {text:?}");
    }
    for vietnamese in ["Họ, chữ đệm, tên người được khai sinh", ">Nữ<", "Giới tính"]
    {
        assert!(
            !form.contains(vietnamese),
            "form part still has {vietnamese:?}"
        );
    }

    // A birth date in the future: the message names the field in English.
    let (status, _, body) = t
        .submit_fields(
            &en,
            &format!("/my/{draft}/form"),
            &[("_section", "1"), ("ngay_sinh", "2999-01-01")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("“Date of birth” cannot be after today"),
        "{body}"
    );
    assert!(!body.contains("Ngày, tháng, năm sinh"), "{body}");

    // The same through the API: each message in its language, with the field named in it.
    let r = t
        .put_json(
            &token,
            &format!("/api/v1/dossiers/{draft}/form"),
            &json!({ "gioi_tinh": "x" }),
        )
        .await;
    let problem = expect_problem(r, 422, "invalid_form").await;
    let e = &problem["errors"][0];
    assert!(
        e["message_en"].as_str().unwrap().contains("(Female)"),
        "{e}"
    );
    assert!(e["message_vi"].as_str().unwrap().contains("(Nữ)"), "{e}");

    // Documents and check pages name the components and the answers in English; the fee line
    // too.
    let (_, files) = t.page(&en, &format!("/my/{draft}/files")).await;
    assert!(files.contains("Certificate of live birth"), "{files}");
    let (_, check) = t.page(&en, &format!("/my/{draft}/check")).await;
    assert!(check.contains("Relationship to the child"), "{check}");
    assert!(check.contains("Certificate of live birth"), "{check}");
    assert!(
        !check.contains("Quan hệ với người được khai sinh"),
        "{check}"
    );
}
