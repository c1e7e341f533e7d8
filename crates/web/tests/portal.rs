//! The citizen's apply journey through the HTML pages (no JavaScript): start → form → documents →
//! check → submit → confirmation → my dossiers, with retries and mistakes along the way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;
use serde_json::Value;

struct Browser<'a> {
    t: &'a TestApp,
    cookie: String,
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> (u16, String, String) {
        let r = self
            .t
            .http
            .get(self.t.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status().as_u16(), loc, r.text().await.unwrap())
    }

    async fn post_form(&self, path: &str, fields: &[(String, String)]) -> (u16, String, String) {
        let r = self
            .t
            .http
            .post(self.t.url(path))
            .header("cookie", &self.cookie)
            .header("origin", &self.t.base)
            .form(fields)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status().as_u16(), loc, r.text().await.unwrap())
    }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// The example answers as an HTML form would post them.
fn posted_answers() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in birth_form().as_object().unwrap() {
        match v {
            Value::Object(o) => {
                for (sub, sv) in o {
                    out.push((format!("{k}.{sub}"), sv.as_str().unwrap().to_owned()));
                }
            }
            Value::String(s) => out.push((k.clone(), s.clone())),
            other => out.push((k.clone(), other.to_string())),
        }
    }
    out
}

/// The answers for one part of the form: everything (the page takes its own fields) plus the part.
fn part_answers(section: usize) -> Vec<(String, String)> {
    let mut out = posted_answers();
    out.push(("_section".into(), section.to_string()));
    out
}

/// The birth registration form is asked in six parts.
const BIRTH_PARTS: usize = 6;

#[tokio::test]
async fn a_citizen_applies_for_birth_registration_in_the_browser_pages() {
    let t = TestApp::spawn().await;
    // Signed out, "apply" sends to the national login and back.
    let r = t.http.get(t.url("/apply/1.001193")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/auth/login?return_to=%2Fapply%2F1.001193"
    );

    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let (status, _, html) = b.get("/apply/1.001193").await;
    assert_eq!(status, 200);
    let idem = hidden(&html, "idem");
    let (status, form_url, _) = b
        .post_form("/apply/1.001193", &[("idem".into(), idem.clone())])
        .await;
    assert_eq!(status, 303);
    assert!(
        form_url.starts_with("/my/NHAP-") && form_url.ends_with("/form"),
        "{form_url}"
    );
    // A double click makes no second draft.
    let (_, again, _) = b
        .post_form("/apply/1.001193", &[("idem".into(), idem)])
        .await;
    assert_eq!(again, form_url);
    let draft = form_url
        .trim_start_matches("/my/")
        .trim_end_matches("/form")
        .to_owned();

    // The form comes prefilled from the digital identity.
    let (status, _, html) = b.get(&form_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"Nguyễn Văn An\""));
    assert!(html.contains(&format!("value=\"{CITIZEN_A}\"")));
    assert!(
        html.contains("Phường Ngô Quyền"),
        "communes of the applicant's province are offered"
    );
    // A long form is asked in titled parts, one page each.
    assert!(
        html.contains("Phần 1/6") && html.contains("Người yêu cầu"),
        "{html}"
    );
    assert!(
        !html.contains("name=\"ho_ten_tre\""),
        "the child is asked on a later page"
    );
    let child_url = format!("/my/{draft}/form?section=1");
    let (_, _, html) = b.get(&child_url).await;
    assert!(html.contains("Phần 2/6") && html.contains("Người được khai sinh"));
    // The date picker offers the range the server accepts: a birth date from 1900 to today.
    assert!(
        html.contains(r#"type="date" min="1900-01-01" max="2026-11-17""#),
        "{html}"
    );

    // A mistake comes back on its own page with a message that says how to fix it, and keeps
    // what was typed.
    let mut wrong = part_answers(1);
    for (k, v) in wrong.iter_mut() {
        if k == "ngay_sinh" {
            *v = "2026-13-45".into();
        }
    }
    let (status, _, html) = b.post_form(&form_url, &wrong).await;
    assert_eq!(status, 422);
    assert!(html.contains("error-summary") && html.contains("href=\"#f-ngay_sinh\""));
    assert!(html.contains("Phần 2/6"), "the same part comes back");
    assert!(
        html.contains("value=\"Nguyễn Minh Khang\""),
        "typed answers are kept"
    );
    // A required answer left out stops the applicant at that part, not at the end.
    let mut blank = part_answers(1);
    for (k, v) in blank.iter_mut() {
        if k == "ho_ten_tre" || k == "gioi_tinh" {
            v.clear();
        }
    }
    let (status, _, html) = b.post_form(&form_url, &blank).await;
    assert_eq!(status, 422);
    assert!(html.contains("href=\"#f-ho_ten_tre\"") && html.contains("href=\"#f-gioi_tinh\""));
    assert!(
        !html.contains("href=\"#f-ho_ten_me\""),
        "later parts are not judged yet"
    );

    // Part by part to the documents; saving one part keeps the others.
    for n in 0..BIRTH_PARTS {
        let (status, next, _) = b.post_form(&form_url, &part_answers(n)).await;
        let want = if n + 1 < BIRTH_PARTS {
            format!("/my/{draft}/form?section={}", n + 1)
        } else {
            format!("/my/{draft}/files")
        };
        assert_eq!((status, next.as_str()), (303, want.as_str()), "part {n}");
    }
    let (_, _, back) = b.get(&child_url).await;
    assert!(back.contains("value=\"Nguyễn Minh Khang\""), "{back}");
    // Nationality starts at what most answer; the date in words is written by the system.
    let (_, _, fresh) = b
        .get(&format!("/my/{}/form?section=1", {
            let html = b.get("/apply/1.001193").await.2;
            let idem = hidden(&html, "idem");
            let (_, url, _) = b
                .post_form("/apply/1.001193", &[("idem".into(), idem)])
                .await;
            url.trim_start_matches("/my/")
                .trim_end_matches("/form")
                .to_owned()
        }))
        .await;
    assert!(
        fresh.contains("name=\"quoc_tich\" value=\"Việt Nam\""),
        "{fresh}"
    );
    assert!(
        fresh.contains("name=\"ngay_sinh_bang_chu\" value=\"\" type=\"text\" readonly"),
        "{fresh}"
    );
    let mut typed = part_answers(1);
    for (k, v) in typed.iter_mut() {
        if k == "ngay_sinh" {
            *v = "2025-04-25".into();
        } else if k == "ngay_sinh_bang_chu" {
            *v = "typed by hand".into();
        }
    }
    let (status, _, _) = b.post_form(&form_url, &typed).await;
    assert_eq!(status, 303);
    let (_, _, back) = b.get(&child_url).await;
    assert!(
        back.contains("value=\"Ngày hai mươi lăm tháng tư năm hai nghìn không trăm hai mươi lăm\""),
        "{back}"
    );

    // What the national databases hold is filed already; the birth notice (the health facility
    // has no connector) is asked for, once, as the one thing left.
    let (_, _, html) = b.get(&format!("/my/{draft}/check")).await;
    assert!(html.contains("population-cong-dan.pdf"), "{html}");
    assert!(html.contains("civil-status-ket-hon.pdf"), "{html}");
    assert!(
        html.contains("error-summary") && html.contains("#c-giay_chung_sinh"),
        "{html}"
    );

    let part = reqwest::multipart::Part::bytes(sample_pdf())
        .file_name("giay-chung-sinh.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("component", "giay_chung_sinh")
        .part("file", part);
    let r = t
        .http
        .post(t.url(&format!("/my/{draft}/files")))
        .header("cookie", &b.cookie)
        .header("origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let bad = reqwest::multipart::Part::bytes(b"MZ not a pdf".to_vec())
        .file_name("virus.exe")
        .mime_str("application/octet-stream")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("component", "giay_chung_sinh")
        .part("file", bad);
    let r = t
        .http
        .post(t.url(&format!("/my/{draft}/files")))
        .header("cookie", &b.cookie)
        .header("origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Loại tệp không được chấp nhận")
    );

    let (status, _, html) = b.get(&format!("/my/{draft}/check")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("error-summary"), "nothing left to fix");
    assert!(html.contains("Nguyễn Minh Khang") && html.contains("giay-chung-sinh.pdf"));
    assert!(html.contains("Số 15 Lạch Tray, Phường Ngô Quyền, Thành phố Hải Phòng"));
    let idem = hidden(&html, "idem");
    let (status, done, _) = b
        .post_form(
            &format!("/my/{draft}/submit"),
            &[("idem".into(), idem.clone())],
        )
        .await;
    assert_eq!(status, 303);
    assert!(
        done.starts_with(&format!("/my/{AGENCY_A}-261117-")) && done.ends_with("/done"),
        "{done}"
    );
    let (_, again, _) = b
        .post_form(&format!("/my/{draft}/submit"), &[("idem".into(), idem)])
        .await;
    assert_eq!(again, done, "a retried submit shows the same dossier");
    let code = done
        .trim_start_matches("/my/")
        .trim_end_matches("/done")
        .to_owned();

    let (status, _, html) = b.get(&done).await;
    assert_eq!(status, 200);
    assert!(html.contains(&code));
    assert!(
        html.contains("09:00 18/11/2026"),
        "receipt limit: 8 working hours after Tue 09:00"
    );
    assert!(html.contains(&format!("/track?code={code}")));
    // What happens next, and how the applicant will be told.
    assert!(html.contains("Những gì xảy ra tiếp theo") && html.contains("href=\"/my/settings\""));
    // The acknowledgement is there at once, before any office has received the application.
    let ack = format!("/my/{code}/notices/submitted");
    assert!(html.contains(&format!("href=\"{ack}\"")), "{html}");
    let r = t
        .http
        .get(t.url(&ack))
        .header("cookie", &b.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let api = json(
        t.get(
            &t.citizen_token(CITIZEN_A).await,
            &format!("/api/v1/dossiers/{code}"),
        )
        .await,
    )
    .await;
    assert!(
        api["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "submission_acknowledgement"),
        "{api}"
    );

    let (_, _, html) = b.get("/my").await;
    assert!(html.contains(&code) && html.contains("Mới nộp, chờ tiếp nhận"));
    let (status, _, html) = b.get(&format!("/my/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ủy ban nhân dân Phường Ngô Quyền"));

    // Another citizen sees none of it.
    let other = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_B).await,
    };
    assert_eq!(other.get(&format!("/my/{code}")).await.0, 404);
    assert_eq!(other.get(&format!("/my/{draft}/form")).await.0, 404);
    assert!(!other.get("/my").await.2.contains(&code));
}

#[tokio::test]
async fn the_applicant_rates_once_after_the_result_is_returned() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&token).await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let rate = |r: &str| {
        vec![
            ("rating".to_owned(), r.to_owned()),
            ("reason".to_owned(), "Nhanh, rõ ràng".to_owned()),
        ]
    };
    let (status, _, html) = b
        .post_form(&format!("/my/{code}/rate"), &rate("satisfied"))
        .await;
    assert_eq!(status, 409, "not before the result");
    assert!(html.contains("sau khi nhận kết quả"));
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let leader = t.staff_token(&format!("leader@{AGENCY_A}")).await;
    let specialist = t.staff_token(&format!("specialist@{AGENCY_A}")).await;
    let clerk = t.staff_token(&format!("clerk@{AGENCY_A}")).await;
    for (tok, body) in [
        (&officer, serde_json::json!({ "action": "receive" })),
        (
            &leader,
            serde_json::json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
        ),
        (
            &specialist,
            serde_json::json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
        ),
        (&leader, serde_json::json!({ "action": "approve" })),
    ] {
        assert_eq!(t.action(tok, &code, body).await.status(), 200);
    }
    assert_eq!(t.issue_result(&clerk, &code).await.status(), 200);
    assert_eq!(
        t.action(
            &officer,
            &code,
            serde_json::json!({ "action": "return_result" })
        )
        .await
        .status(),
        200
    );
    let (_, _, html) = b.get(&format!("/my/{code}")).await;
    assert!(html.contains("Đánh giá việc giải quyết hồ sơ") && html.contains("Tải về"));
    // The signed result links to its verification page; the citizen's slips are there, the
    // internal process-control sheet is not.
    assert!(
        html.contains("/KQ-H31.11341") && html.contains("href=\"/verify/"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/my/{code}/notices/receipt")),
        "{html}"
    );
    assert!(!html.contains("/notices/process-control"), "{html}");
    let (status, _, _) = b.get(&format!("/my/{code}/notices/receipt")).await;
    assert_eq!(status, 200);
    let (status, _, _) = b
        .post_form(&format!("/my/{code}/rate"), &rate("bogus"))
        .await;
    assert_eq!(status, 422);
    let (status, _, _) = b
        .post_form(&format!("/my/{code}/rate"), &rate("satisfied"))
        .await;
    assert_eq!(status, 303);
    let (_, _, html) = b.get(&format!("/my/{code}")).await;
    assert!(html.contains("Cảm ơn bạn đã đánh giá") && html.contains("Hài lòng"));
    let (status, _, _) = b
        .post_form(&format!("/my/{code}/rate"), &rate("dissatisfied"))
        .await;
    assert_eq!(status, 409, "one rating per dossier");
    // Someone else cannot rate it.
    let other = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_B).await,
    };
    assert_eq!(
        other
            .post_form(&format!("/my/{code}/rate"), &rate("dissatisfied"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn autosave_keeps_valid_answers_and_skips_wrong_ones() {
    let t = TestApp::spawn().await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let html = b.get("/apply/1.001193").await.2;
    let idem = hidden(&html, "idem");
    let (_, form_url, _) = b
        .post_form("/apply/1.001193", &[("idem".into(), idem)])
        .await;
    let draft = form_url
        .trim_start_matches("/my/")
        .trim_end_matches("/form")
        .to_owned();
    // Each page autosaves its own part; saving one part leaves the others as they were.
    let first = vec![
        ("_section".to_owned(), "0".to_owned()),
        ("quan_he".to_owned(), "cha".to_owned()),
    ];
    let (status, _, _) = b.post_form(&format!("/my/{draft}/autosave"), &first).await;
    assert_eq!(status, 204);
    let answers = vec![
        ("_section".to_owned(), "1".to_owned()),
        ("ho_ten_tre".to_owned(), "Nguyễn Minh Khang".to_owned()),
        ("ngay_sinh".to_owned(), "not a date".to_owned()),
    ];
    let (status, _, _) = b
        .post_form(&format!("/my/{draft}/autosave"), &answers)
        .await;
    assert_eq!(status, 204);
    let (_, _, html) = b.get(&format!("{form_url}?section=1")).await;
    assert!(
        html.contains("value=\"Nguyễn Minh Khang\""),
        "the valid answer was saved"
    );
    let (_, _, part0) = b.get(&form_url).await;
    assert!(
        part0.contains("value=\"cha\" selected"),
        "the first part was kept: {part0}"
    );
    assert!(!html.contains("not a date"), "the wrong one was not");
    // The script that does it is served and referenced from every page.
    assert!(html.contains("/static/app.js"));
    assert!(html.contains(&format!("data-autosave=\"/my/{draft}/autosave\"")));
    // Without a session: 401, nothing saved.
    let r = t
        .http
        .post(t.url(&format!("/my/{draft}/autosave")))
        .form(&answers)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn withdrawing_asks_first_and_says_what_will_happen() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let fresh = t.submitted_birth_registration(&token).await;
    // The dossier page links to the confirmation instead of withdrawing from one click.
    let (_, _, page) = b.get(&format!("/my/{fresh}")).await;
    assert!(
        page.contains(&format!("href=\"/my/{fresh}/withdraw\"")),
        "{page}"
    );
    let (status, _, ask) = b.get(&format!("/my/{fresh}/withdraw")).await;
    assert_eq!(status, 200);
    assert!(ask.contains("hồ sơ sẽ được rút ngay"), "{ask}");
    assert!(ask.contains("name=\"confirm\" value=\"yes\""), "{ask}");
    // A post without the confirmation (an old form, a crafted request) only shows the question,
    // with the reason kept; nothing changes.
    let (status, _, again) = b
        .post_form(
            &format!("/my/{fresh}/withdraw"),
            &[("reason".into(), "Nộp nhầm <thủ tục>".into())],
        )
        .await;
    assert_eq!(status, 200);
    assert!(again.contains("Nộp nhầm &#60;thủ tục&#62;"), "{again}");
    let still: Value = t
        .get(&token, &format!("/api/v1/dossiers/{fresh}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], 1);
    // Confirmed: not yet received, so it stops at once.
    let (status, to, _) = b
        .post_form(
            &format!("/my/{fresh}/withdraw"),
            &[
                ("reason".into(), "Nộp nhầm".into()),
                ("confirm".into(), "yes".into()),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/my/{fresh}").as_str())
    );
    let done: Value = t
        .get(&token, &format!("/api/v1/dossiers/{fresh}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], 8);
    // Nothing left to withdraw: the confirmation page sends back to the dossier.
    let (status, to, _) = b.get(&format!("/my/{fresh}/withdraw")).await;
    assert_eq!((status, to), (303, format!("/my/{fresh}")));

    // Once received, the page says the agency decides; in English too.
    let received = t.submitted_birth_registration(&token).await;
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let r = t
        .action(
            &officer,
            &received,
            serde_json::json!({ "action": "receive" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, _, ask) = b.get(&format!("/my/{received}/withdraw?lang=en")).await;
    assert!(
        ask.contains("the office will consider your request"),
        "{ask}"
    );
    assert!(!ask.contains("withdrawn at once"), "{ask}");
    // Another citizen cannot even see the question.
    let other = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_B).await,
    };
    let (status, _, _) = other.get(&format!("/my/{received}/withdraw")).await;
    assert_eq!(status, 404);
    let (status, _, _) = other
        .post_form(
            &format!("/my/{received}/withdraw"),
            &[("confirm".into(), "yes".into())],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn my_dossiers_name_what_each_is_about_and_when_it_was_submitted() {
    let t = TestApp::spawn().await;
    let token = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&token).await;
    let draft = t.birth_registration_draft(&token).await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let (_, _, list) = b.get("/my").await;
    let row = |code: &str| {
        list.split(&format!("/my/{code}"))
            .nth(1)
            .and_then(|r| r.split("</li>").next())
            .unwrap_or_else(|| panic!("{code} not listed: {list}"))
            .to_owned()
    };
    let submitted = row(&code);
    assert!(
        submitted.contains("khai sinh — Nguyễn Minh Khang"),
        "{submitted}"
    );
    assert!(submitted.contains("Ngày nộp: "), "{submitted}");
    let unsent = row(&draft);
    assert!(unsent.contains("Nguyễn Minh Khang"), "{unsent}");
    assert!(!unsent.contains("Ngày nộp"), "{unsent}");
    // The API says the same to the applicant, and nothing of it to staff lists.
    let mine: Value = t
        .get(&token, "/api/v1/dossiers")
        .await
        .json()
        .await
        .unwrap();
    let item = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code.as_str())
        .unwrap();
    assert_eq!(item["subject"], "Nguyễn Minh Khang");
    assert!(item["submitted_at"].is_string());
    // After submitting, the applicant reads back what they answered and sent, and can download it.
    let (_, _, page) = b.get(&format!("/my/{code}")).await;
    let mine = page
        .split("class=\"my-application\"")
        .nth(1)
        .and_then(|r| r.split("</details>").next())
        .unwrap_or_else(|| panic!("no read-back of the application: {page}"))
        .to_owned();
    assert!(
        mine.contains("Nguyễn Minh Khang") && mine.contains("02/11/2026"),
        "{mine}"
    );
    let link = mine
        .split("href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .replace("&#x2f;", "/");
    let (status, _, _) = b.get(&link).await;
    assert_eq!(status, 200, "{link}");
    let other = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_B).await,
    };
    assert_eq!(other.get(&link).await.0, 404);
    let officer = t.staff_token(&format!("officer@{AGENCY_A}")).await;
    let theirs: Value = t
        .get(&officer, "/api/v1/dossiers")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["subject"].is_null()),
        "{theirs}"
    );
}

#[tokio::test]
async fn the_commune_list_follows_the_province_with_or_without_javascript() {
    let t = TestApp::spawn().await;
    // What the page's script asks for.
    let r = t
        .http
        .get(t.url("/api/v1/provinces/31/communes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["province"]["code"], "31");
    let items = body["items"].as_array().unwrap();
    assert!(items.len() > 50, "{}", items.len());
    assert!(items.iter().all(|c| c["code"].as_str().unwrap().len() == 5));
    assert!(items.iter().any(|c| c["name"] == "Phường Hồng Bàng"));
    for wrong in ["99", "3", "abc", "310", "%2e%2e", "%E1%BB%A9"] {
        let r = t
            .http
            .get(t.url(&format!("/api/v1/provinces/{wrong}/communes")))
            .send()
            .await
            .unwrap();
        expect_problem(r, 404, "not_found").await;
    }
    // Without script: the refresh button brings the page back on the same part, with the new
    // province's communes and the focus on the address that changed.
    let token = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&token).await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let (status, _, html) = b
        .post_form(
            &format!("/my/{draft}/form"),
            &[
                ("_section".into(), "0".into()),
                ("_refresh".into(), "noi_cu_tru_nguoi_yeu_cau".into()),
                ("noi_cu_tru_nguoi_yeu_cau.province".into(), "01".into()),
                (
                    "noi_cu_tru_nguoi_yeu_cau.street".into(),
                    "Số 1 Tràng Tiền".into(),
                ),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Phường Hoàn Kiếm"), "{html}");
    assert!(html.contains("value=\"Số 1 Tràng Tiền\""));
    assert!(
        html.contains("name=\"noi_cu_tru_nguoi_yeu_cau.commune\" autofocus"),
        "{html}"
    );
    assert!(html.contains("name=\"_section\" value=\"0\""));
    // A refresh naming no field of the form focuses nothing and still answers.
    let (status, _, html) = b
        .post_form(
            &format!("/my/{draft}/form"),
            &[("_refresh".into(), "<nope>".into())],
        )
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("autofocus"));
}

#[tokio::test]
async fn saving_the_first_part_keeps_what_the_state_filled_in_on_the_later_parts() {
    let t = TestApp::spawn().await;
    let b = Browser {
        t: &t,
        cookie: t.citizen_cookie(CITIZEN_A).await,
    };
    let html = b.get("/apply/1.001193").await.2;
    let idem = hidden(&html, "idem");
    let (_, form_url, _) = b
        .post_form("/apply/1.001193", &[("idem".into(), idem)])
        .await;
    let phone_in = |html: &str| {
        html.split("name=\"so_dien_thoai\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    // Before anything is saved, the last part shows the phone the population database holds.
    let (_, _, last) = b.get(&format!("{form_url}?section=5")).await;
    let held = phone_in(&last);
    assert!(!held.is_empty(), "{last}");
    // The first part is saved on its own; the phone is still there afterwards.
    let (status, next, _) = b.post_form(&form_url, &part_answers(0)).await;
    assert_eq!((status, next), (303, format!("{form_url}?section=1")));
    let (_, _, last) = b.get(&format!("{form_url}?section=5")).await;
    assert_eq!(phone_in(&last), held);
}
