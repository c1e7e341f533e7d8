//! The assistant against questions a citizen might ask (`assistant_questions.json`, written before the
//! matching code and not tuned to it): the hit rate and every miss are printed (`cargo test -p
//! motcua-domain --test assistant -- --nocapture`), and the rate must stay at 90 % or more.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use motcua_domain::assistant::{Assistant, Kind, Lang, Topic, query_words};
use motcua_domain::catalogue::{Procedure, import_catalogue};
use serde::Deserialize;

const DEMO: &str = include_str!("../../../data/demo-catalogue.json");
const LIFE_EVENTS: &str = include_str!("../../../data/life-events.json");
const QUESTIONS: &str = include_str!("assistant_questions.json");

fn demo() -> Vec<Procedure> {
    match import_catalogue(DEMO) {
        Ok(procs) => procs,
        Err(e) => panic!("{e}"),
    }
}

fn topics() -> Vec<Topic> {
    serde_json::from_str(LIFE_EVENTS).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
}

#[derive(Deserialize)]
struct Question {
    q: String,
    lang: String,
    expect: String,
}

#[derive(Deserialize)]
struct QuestionSet {
    questions: Vec<Question>,
}

/// What the assistant made of a question, in the set's terms: a code, `follow_up` or `unknown`.
fn outcome(a: &motcua_domain::assistant::Answer) -> String {
    match a.kind {
        Kind::Answer => a
            .procedures
            .first()
            .map(|p| p.code.clone())
            .unwrap_or_default(),
        Kind::FollowUp => "follow_up".into(),
        Kind::Unknown => "unknown".into(),
    }
}

#[test]
fn the_question_set_is_answered_well_enough() {
    let procs = demo();
    let topics = topics();
    let assistant = Assistant::new(&procs, &topics);
    let set: QuestionSet = serde_json::from_str(QUESTIONS).unwrap();
    assert!(
        set.questions.len() >= 60,
        "the set has 60 questions or more"
    );
    let codes: Vec<&str> = procs.iter().map(|p| p.code.as_str()).collect();
    let mut hits = 0;
    let mut misses = Vec::new();
    for q in &set.questions {
        assert!(
            q.expect == "follow_up" || q.expect == "unknown" || codes.contains(&q.expect.as_str()),
            "{:?} expects {}, which is not in the catalogue",
            q.q,
            q.expect
        );
        let lang = if q.lang == "en" { Lang::En } else { Lang::Vi };
        let a = assistant.ask(&q.q, lang, day());
        let got = outcome(&a);
        if got == q.expect {
            hits += 1;
        } else {
            let top: Vec<String> = assistant
                .score(&q.q)
                .iter()
                .take(3)
                .map(|s| format!("{} cov {:.2} prec {:.2}", s.code, s.coverage, s.precision))
                .collect();
            misses.push(format!(
                "  {:?} → expected {}, got {} (words {:?}; {})",
                q.q,
                q.expect,
                got,
                query_words(&q.q),
                top.join(" | ")
            ));
        }
        // Every answer's links stay on the site and its text is in the asked language.
        for p in &a.procedures {
            assert_eq!(p.url, format!("/procedures/{}", p.code));
        }
        assert!(a.search_url.starts_with("/search?q="));
        assert!(!a.text.is_empty());
    }
    let rate = f64::from(hits) / set.questions.len() as f64;
    println!(
        "assistant hit rate: {hits}/{} = {:.3}",
        set.questions.len(),
        rate
    );
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    assert!(rate >= 0.9, "hit rate {rate:.3} is under 0.9");
}

#[test]
fn follow_ups_list_two_to_four_procedures_and_unknowns_none() {
    let procs = demo();
    let topics = topics();
    let assistant = Assistant::new(&procs, &topics);
    let a = assistant.ask("giấy phép", Lang::Vi, day());
    assert_eq!(a.kind, Kind::FollowUp, "{}", a.text);
    assert!((2..=4).contains(&a.procedures.len()), "{:?}", a.procedures);
    let codes: Vec<&str> = a.procedures.iter().map(|p| p.code.as_str()).collect();
    assert!(
        codes.contains(&"1.013225") && codes.contains(&"3.000347"),
        "{codes:?}"
    );
    assert!(a.text.contains("/procedures/1.013225"));
    let u = assistant.ask("thủ tục ly hôn", Lang::Vi, day());
    assert_eq!(u.kind, Kind::Unknown, "{}", u.text);
    assert!(u.procedures.is_empty());
    assert!(u.text.contains(&u.search_url));
}

#[test]
fn english_answers_are_in_english_and_keep_the_catalogue_words() {
    let procs = demo();
    let assistant = Assistant::new(&procs, &topics());
    let a = assistant.ask("how do I apply for a passport", Lang::En, day());
    assert_eq!(a.kind, Kind::Answer, "{}", a.text);
    assert_eq!(a.procedures[0].code, "1.001456");
    assert!(a.procedures[0].name.starts_with("Ordinary passport"));
    for heading in [
        "Documents to submit",
        "Fees and charges",
        "Time limit",
        "Where and how to apply",
    ] {
        assert!(a.sections.iter().any(|s| s.heading == heading), "{heading}");
    }
    // Document names are the catalogue's (Vietnamese) and marked so.
    let docs = &a.sections[0];
    assert!(docs.items.iter().all(|i| i.from_catalogue));
}
