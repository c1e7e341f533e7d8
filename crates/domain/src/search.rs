//! Finding procedures in plain words (SPEC §1, §12): with or without diacritics, tolerant of one typo
//! per word, ranked so that the procedure whose name says what the citizen typed comes first.
//!
//! The catalogue is a few hundred to a few thousand procedures, so the index is a list of folded
//! words per procedure held in memory; a query is scored against every entry.
//!
//! A query is read as the assistant reads a question ([`crate::assistant::query_words`]):
//! abbreviations and colloquial names become the catalogue's words and question words are dropped,
//! so "cccd" finds the ID card and "lam giay khai sinh cho con" birth registration.

use crate::assistant::{query_words, singular};
use crate::catalogue::Procedure;
use crate::text::{fold, token_match, tokens};

/// The folded words of a text, English plurals made singular as the query's are ("copies" and
/// "copy" meet).
fn words(s: &str) -> Vec<String> {
    tokens(s).into_iter().map(singular).collect()
}

/// One searchable procedure: its folded name words (weighted) and other words (sector, life events).
#[derive(Debug, Clone)]
pub struct Entry {
    pub code: String,
    name_words: Vec<String>,
    /// The name words joined by spaces, for phrase matches.
    folded_name: String,
    other_words: Vec<String>,
    essential: bool,
}

/// A query as every entry is scored against it: prepared once per search, not once per entry.
struct Query<'a> {
    tokens: &'a [String],
    /// The whole query folded (a procedure code typed as the query).
    folded: String,
    /// The tokens joined by spaces (a phrase of the name).
    phrase: String,
}

impl Entry {
    pub fn new(p: &Procedure, extra: &[&str]) -> Self {
        let mut name_words = words(&p.name_vi);
        name_words.extend(words(&p.name_en));
        let mut other_words = words(&p.sector);
        for e in extra {
            other_words.extend(words(e));
        }
        Self {
            code: p.code.as_str().to_owned(),
            folded_name: name_words.join(" "),
            name_words,
            other_words,
            essential: p.essential_service_no.is_some(),
        }
    }

    /// The score of this entry for the folded query tokens; 0 means "not a result".
    /// Every token must match some word (AND), so adding words narrows the results.
    fn score(&self, q: &Query<'_>) -> u32 {
        let query_tokens = q.tokens;
        if query_tokens.is_empty() {
            return 0;
        }
        if q.folded.trim() == self.code {
            return 1000;
        }
        let mut total = 0u32;
        for t in query_tokens {
            let in_name = self
                .name_words
                .iter()
                .map(|w| token_match(t, w))
                .max()
                .unwrap_or(0);
            let elsewhere = self
                .other_words
                .iter()
                .map(|w| token_match(t, w))
                .max()
                .unwrap_or(0);
            let best = (u32::from(in_name) * 3).max(u32::from(elsewhere));
            if best == 0 {
                return 0;
            }
            total += best;
        }
        // Phrases: consecutive query tokens matching consecutive name words ("khai sinh") rank higher.
        if query_tokens.len() > 1 && self.folded_name.contains(&q.phrase) {
            total += 10;
        }
        if self.essential {
            total += 1;
        }
        total
    }
}

/// The words a query is searched for: its subject words, or, when it has none (only question
/// words, only a number), its words as typed.
fn search_words(query: &str) -> Vec<String> {
    let subject = query_words(query);
    if subject.is_empty() {
        words(query)
    } else {
        subject
    }
}

/// Codes of the matching entries, best first (ties by code).
pub fn rank<'a>(entries: impl IntoIterator<Item = &'a Entry>, query: &str) -> Vec<String> {
    let tokens = search_words(query);
    let q = Query {
        tokens: &tokens,
        folded: fold(query),
        phrase: tokens.join(" "),
    };
    let mut scored: Vec<(u32, &str)> = entries
        .into_iter()
        .map(|e| (e.score(&q), e.code.as_str()))
        .filter(|(s, _)| *s > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().map(|(_, c)| c.to_owned()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::import_catalogue;

    fn entries() -> Vec<Entry> {
        let procs = import_catalogue(include_str!("../../../data/demo-catalogue.json")).unwrap();
        procs.iter().map(|p| Entry::new(p, &[])).collect()
    }

    #[test]
    fn finds_birth_registration_with_or_without_diacritics_and_with_a_typo() {
        let e = entries();
        for q in [
            "Đăng ký khai sinh",
            "dang ky khai sinh",
            "DANG KY KHAI SINH",
            "dang ky khai sihn",
            "khai sinh",
            "birth registration",
        ] {
            let r = rank(&e, q);
            assert_eq!(
                r.first().map(String::as_str),
                Some("1.001193"),
                "query {q:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn more_words_narrow_the_results_and_nonsense_finds_nothing() {
        let e = entries();
        let broad = rank(&e, "dang ky");
        let narrow = rank(&e, "dang ky ket hon");
        assert!(narrow.len() < broad.len());
        assert_eq!(narrow.first().map(String::as_str), Some("1.000894"));
        assert!(rank(&e, "zzzz qqqq").is_empty());
        assert!(rank(&e, "").is_empty());
    }

    #[test]
    fn abbreviations_and_everyday_words_find_procedures() {
        let e = entries();
        let r = rank(&e, "lam giay khai sinh cho con");
        assert_eq!(r.first().map(String::as_str), Some("1.001193"), "{r:?}");
        for q in ["cccd", "CCCD", "làm cccd", "đổi cmnd"] {
            let r = rank(&e, q);
            assert!(r.iter().any(|c| c == "9.900003"), "query {q:?} gave {r:?}");
        }
        let r = rank(&e, "sổ đỏ");
        assert_eq!(r.first().map(String::as_str), Some("1.013833"), "{r:?}");
        let r = rank(&e, "gplx");
        assert_eq!(r.first().map(String::as_str), Some("3.000347"), "{r:?}");
        let r = rank(&e, "copies");
        assert!(r.iter().any(|c| c == "2.000635"), "{r:?}");
        // Question words alone are searched as typed rather than dropped to nothing.
        assert!(rank(&e, "thủ tục").len() > 1);
    }

    #[test]
    fn a_code_finds_its_procedure() {
        assert_eq!(rank(&entries(), "1.004222"), vec!["1.004222".to_owned()]);
    }
}
