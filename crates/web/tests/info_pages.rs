//! The footer's pages: help, contact with the one-stop desks, the accessibility statement and the
//! privacy notice, in both languages, linked from every page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_testkit::*;

async fn get(t: &TestApp, path: &str) -> (u16, String) {
    let r = t.http.get(t.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_footer_pages_exist_in_both_languages_and_every_page_links_them() {
    let t = TestApp::spawn().await;
    let (_, home) = get(&t, "/").await;
    let footer = home.split("<footer").nth(1).unwrap();
    for path in ["/tro-giup", "/lien-he", "/tiep-can", "/quyen-rieng-tu"] {
        assert!(footer.contains(&format!("href=\"{path}\"")), "{path}");
        for (lang, heading_tag) in [("vi", "<h1>"), ("en", "<h1>")] {
            let (status, html) = get(&t, &format!("{path}?lang={lang}")).await;
            assert_eq!(status, 200, "{path} {lang}");
            assert!(html.contains(heading_tag), "{path}");
            // Every section has a heading and text, and no key shows through.
            let main = html.split("<main").nth(1).unwrap();
            assert!(main.matches("<h2").count() >= 2, "{path} {lang}: {main}");
            assert!(!main.contains("info."), "{path} {lang}: a raw key: {main}");
        }
    }
    let (_, privacy) = get(&t, "/quyen-rieng-tu").await;
    assert!(privacy.contains("Nghị định 61/2018/NĐ-CP"));
    assert!(privacy.contains("href=\"/my/access-log\""));
    let (_, statement) = get(&t, "/tiep-can?lang=en").await;
    assert!(statement.contains("WCAG") && statement.contains("Known limitations"));
}

#[tokio::test]
async fn the_contact_page_finds_a_one_stop_desk_by_commune_with_or_without_accents() {
    let t = TestApp::spawn().await;
    let (_, all) = get(&t, "/lien-he").await;
    // Provincial desks first, each with its address and opening hours.
    let first = all.split("<ul class=\"results points\">").nth(1).unwrap();
    let first = first.split("</li>").next().unwrap();
    assert!(first.contains("T2-T6: 07:30-11:30, 13:00-17:00"), "{first}");
    let total = |html: &str| -> usize {
        html.split("Số nơi tiếp nhận tìm thấy: ")
            .nth(1)
            .or_else(|| html.split("Desks found: ").nth(1))
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let everything = total(&all);
    assert!(everything > 50, "the demo province has a desk per commune");
    assert_eq!(all.matches("<li><strong>").count(), 50, "at most 50 listed");
    assert!(all.contains("Chỉ hiển thị 50 nơi đầu tiên"));
    // The commune of the demo citizen, typed with and without diacritics, in any case.
    let (_, accented) = get(&t, "/lien-he?q=Hồng+Bàng").await;
    let (_, plain) = get(&t, "/lien-he?q=HONG+BANG").await;
    assert!(total(&accented) >= 1 && total(&accented) < everything);
    assert_eq!(total(&accented), total(&plain));
    assert!(accented.contains("Hồng Bàng"), "{accented}");
    let (_, en) = get(&t, "/lien-he?q=hong%20bang&lang=en").await;
    assert!(en.contains("Mon–Fri: 07:30–11:30, 13:00–17:00"), "{en}");
    // Nothing found is said, and odd or long input is only text.
    let (status, none) = get(&t, "/lien-he?q=%3Cscript%3Ezzzz").await;
    assert_eq!(status, 200);
    assert_eq!(total(&none), 0);
    assert!(!none.contains("<script>zzzz"));
    // A long query (within the URI limit) is cut, not an error.
    let long = "a".repeat(4_000);
    let (status, _) = get(&t, &format!("/lien-he?q={long}")).await;
    assert_eq!(status, 200);
}
