//! The portal's virtual assistant (issue 13 item 6): "what do I need to …" answered from the
//! catalogue alone, in Vietnamese or English.
//!
//! A question is folded (with or without diacritics is the same), abbreviations and colloquial
//! names are rewritten to the words the catalogue uses ([`query_words`], shared with the portal
//! search), question words are dropped, and what is left is scored against every procedure's
//! name, result, sector and life events. Three outcomes:
//!
//! - one procedure clearly fits: an answer with its documents, fees, time limit, where and how to
//!   apply, and the legal basis, all read from the procedure;
//! - a few fit about as well ("giấy phép": building or driving?): a follow-up question listing them;
//! - nothing fits well enough: "I don't know", said plainly, with a link to the search.
//!
//! Scoring: each query word, and each pair of adjacent words the catalogue also has ("khai sinh"),
//! weighs by how rare it is in procedure names (a word every procedure has, such as "đăng ký", says
//! little); a procedure's *coverage* is the share of the question's weight it matches, and its
//! *precision* the share of its own name the question matches. Among procedures covering the
//! question equally, the one the question names outright wins ("đăng ký khai sinh", not "đăng ký
//! lại khai sinh"); a life event that covers the question better than any procedure ("nhà có người
//! mất") gives a follow-up with its procedures. A word the catalogue does not know at all ("visa",
//! "học bổng") counts against every procedure: that is how the assistant notices it is asked about
//! something we do not have.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::catalogue::{
    AgencyLevel, CopyKind, OnlineLevel, Procedure, ProcedureCode, RequirementKind, TimeUnit,
};
use crate::text::{fold, typo_distance};

/// The longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 500;

/// Content words scored per question: a question is a sentence or two, and scoring cost grows with
/// every word; words past this are ignored.
const MAX_SCORED_WORDS: usize = 32;

/// The portal search refuses longer queries (`app::catalogue::MAX_QUERY_CHARS` and
/// `MAX_QUERY_WORDS`), so the search link offered must stay within them.
const SEARCH_MAX_CHARS: usize = 200;
const SEARCH_MAX_WORDS: usize = 16;

/// The language of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// What kind of answer the assistant gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One procedure fits: here is what it needs.
    Answer,
    /// A few fit: which one is meant?
    FollowUp,
    /// Nothing fits: we do not know, try the search.
    Unknown,
}

impl Kind {
    /// The wire name (`answer`, `follow_up`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::FollowUp => "follow_up",
            Kind::Unknown => "unknown",
        }
    }
}

/// A group of procedures citizens look for together (a life event: having a baby, a death in the
/// family…); its name is matched as part of each of its procedures.
#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub name_vi: String,
    pub name_en: String,
    pub procedures: Vec<String>,
}

/// A procedure the answer points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub code: String,
    /// In the answer's language (Vietnamese when the catalogue has no English name).
    pub name: String,
    /// `/procedures/{code}`
    pub url: String,
}

/// One line of an answer: `text` is the catalogue's own words when `from_catalogue` (the
/// catalogue is in Vietnamese, whatever the answer's language), `note` is in the answer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    pub from_catalogue: bool,
    pub note: Option<String>,
}

/// A headed list of an answer (documents, fees…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub items: Vec<Item>,
}

/// The assistant's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub kind: Kind,
    /// The opening sentence.
    pub intro: String,
    /// The procedure answered (one), the candidates of a follow-up (2–4), or none.
    pub procedures: Vec<Suggestion>,
    /// For an answer: documents, fees, time limit, where and how, legal basis.
    pub sections: Vec<Section>,
    /// `/search?q=…` for the same question.
    pub search_url: String,
    /// Everything above as plain text, in the answer's language.
    pub text: String,
}

// ---------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------

/// Abbreviations, rewritten before anything else (folded, one word → the catalogue's words).
/// Only those that lead to procedures a catalogue like ours has; "mst" (mã số thuế) is not here
/// because no procedure of ours issues a tax code, and expanding it would only make the assistant
/// sound surer than it is.
const ABBREVIATIONS: &[(&str, &str)] = &[
    // Căn cước công dân: the card's name 2016–2024; the catalogue now says "thẻ căn cước".
    ("cccd", "can cuoc"),
    // Chứng minh nhân dân / chứng minh thư: the card the căn cước replaced; "đổi CMND" means
    // getting a căn cước.
    ("cmnd", "can cuoc"),
    ("cmt", "can cuoc"),
    // Giấy khai sinh.
    ("gks", "giay khai sinh"),
    // Bảo hiểm y tế / xã hội / thất nghiệp, as on every insurance card and form.
    ("bhyt", "bao hiem y te"),
    ("bhxh", "bao hiem xa hoi"),
    ("bhtn", "bao hiem that nghiep"),
    // Giấy phép lái xe, as printed on the licence.
    ("gplx", "giay phep lai xe"),
    // Giấy phép xây dựng.
    ("gpxd", "giay phep xay dung"),
    // Hộ khẩu: the household book, abolished in 2023; see the phrase rule below.
    ("hk", "ho khau"),
    // KT3: the long-term temporary-residence book, abolished with the paper books in 2023; people
    // still ask for "KT3" when they mean registering temporary residence.
    ("kt3", "tam tru"),
    // CT07: the form number of the residence confirmation people are asked to bring.
    ("ct07", "xac nhan thong tin cu tru"),
    // Đăng ký kinh doanh / hộ kinh doanh.
    ("dkkd", "dang ky kinh doanh"),
    ("hkd", "ho kinh doanh"),
    // Lý lịch tư pháp.
    ("lltp", "ly lich tu phap"),
    // English spellings and everyday words for what the catalogue's English names say.
    ("license", "licence"),
    ("driver", "driving"),
    ("motorcycle", "motorbike"),
    ("scooter", "motorbike"),
    ("married", "marriage"),
    ("marry", "marriage"),
    ("wedding", "marriage"),
    ("single", "marital status"),
    ("unmarried", "marital status"),
    ("newborn", "birth"),
    ("unemployed", "unemployment"),
    ("jobless", "unemployment"),
    ("died", "death"),
    ("deceased", "death"),
    ("building", "construction"),
    ("build", "construction"),
    ("shop", "business"),
    ("store", "business"),
    // Losing an ID card means having it re-issued ("re-issuing" in the catalogue).
    ("lost", "issuing"),
];

/// Phrases rewritten after the abbreviations, longest first: colloquial names for what the
/// catalogue calls otherwise. An empty replacement drops the phrase (a question phrase).
const PHRASES: &[(&str, &str)] = &[
    // The old names of the ID card (see ABBREVIATIONS).
    ("can cuoc cong dan", "can cuoc"),
    ("chung minh nhan dan", "can cuoc"),
    ("chung minh thu", "can cuoc"),
    // "Làm giấy khai sinh" is registering the birth; the certificate is what registration issues.
    // ("bản sao giấy khai sinh" still finds the copies: "bản sao" stays.)
    ("giay khai sinh", "khai sinh"),
    // The death certificate (giấy chứng tử, now "trích lục khai tử") comes from death registration.
    ("giay chung tu", "khai tu"),
    ("chung tu", "khai tu"),
    ("giay bao tu", "khai tu"),
    ("bao tu", "khai tu"),
    // Passing away, in the words of the life event "Khi gia đình có người mất".
    ("qua doi", "nguoi mat"),
    ("tu vong", "nguoi mat"),
    // Losing a document means having it issued again ("cấp lại").
    ("bi mat", "cap lai"),
    ("lam mat", "cap lai"),
    ("danh mat", "cap lai"),
    // Losing one's job is what the unemployment benefit is for.
    ("mat viec", "that nghiep"),
    ("nghi viec", "that nghiep"),
    ("lost job", "unemployment"),
    ("lost my job", "unemployment"),
    // "Bằng lái" is the driving licence.
    ("bang lai xe", "giay phep lai xe"),
    ("bang lai", "giay phep lai xe"),
    // The household book (hộ khẩu) was replaced by residence registration in 2023: moving one's
    // "hộ khẩu" in is registering permanent residence, cutting it is deleting that registration.
    ("nhap ho khau", "dang ky thuong tru"),
    ("chuyen ho khau", "dang ky thuong tru"),
    ("cat ho khau", "xoa dang ky thuong tru"),
    ("xoa ho khau", "xoa dang ky thuong tru"),
    ("ho khau", "thuong tru"),
    ("so tam tru", "tam tru"),
    // Sổ đỏ / sổ hồng: the land-use right certificate, by the colour of its cover.
    ("so do", "quyen su dung dat"),
    ("so hong", "quyen su dung dat"),
    // "Giấy xác nhận độc thân" is the certificate of marital status.
    ("doc than", "tinh trang hon nhan"),
    // Getting married.
    ("cuoi vo", "ket hon"),
    ("cuoi chong", "ket hon"),
    ("lay vo", "ket hon"),
    ("lay chong", "ket hon"),
    ("dam cuoi", "ket hon"),
    ("cuoi nhau", "ket hon"),
    // "Photo công chứng": a certified copy, which communes certify (chứng thực bản sao).
    ("photo cong chung", "chung thuc ban sao"),
    ("cong chung", "chung thuc"),
    // Building a house needs the construction permit for individual houses.
    ("xay nha", "xay dung nha o"),
    // Opening a small shop is setting up a household business.
    ("mo quan", "kinh doanh"),
    ("mo cua hang", "kinh doanh"),
    ("mo tiem", "kinh doanh"),
    ("buon ban", "kinh doanh"),
    // English.
    ("police clearance", "criminal record"),
    ("background check", "criminal record"),
    // "Cả nhà" is the household ("hộ gia đình" in the catalogue).
    ("ca nha", "ho gia dinh"),
    ("ca gia dinh", "ho gia dinh"),
    // Question phrases: they ask, they do not say what about.
    ("thu tuc", ""),
    ("ho so", ""),
    ("giay to", ""),
    ("the nao", ""),
    ("nhu the nao", ""),
    ("lam sao", ""),
    ("o dau", ""),
    ("bao lau", ""),
    ("bao nhieu", ""),
    ("lan dau", ""),
    ("cung luc", ""),
    // "Hỏi" (ask) alone would also drop "hội" of "xã hội".
    ("cho hoi", ""),
    ("xin hoi", ""),
    ("muon hoi", ""),
    ("duoc khong", ""),
    ("co phai", ""),
    ("phai khong", ""),
    ("how long", ""),
    ("how much", ""),
];

/// Single words that carry no subject: question words, pronouns, family words ("cho con", "cho
/// bố", "ông nội"), ages ("14 tuổi": a detail of the case, not what is asked), verbs of asking and
/// doing, and their English counterparts. Folded, so "ở", "o" and "ơ" are one word; words that
/// fold to a content word ("bản"/"bạn", "nhà"/"nha", "hội"/"hỏi") are kept.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // Vietnamese
    "a", "ah", "anh", "ba", "be", "bo", "can", "cac", "chau", "cho", "chong", "co", "con", "cua",
    "cung", "da", "dau", "de", "den", "di", "duoc", "em", "gi", "hay", "khi", "khong", "la", "lam",
    "lay", "ma", "me", "minh", "moi", "mot", "mua", "muon", "nao", "nay", "neu", "nhe", "nhung",
    "noi", "nop", "o", "oi", "ong", "phai", "roi", "se", "the", "thi", "toi", "tren", "tuoi", "va",
    "vay", "ve", "vo", "voi", "vua", "xin", "xong",
    // English
    "about", "am", "an", "and", "any", "apply", "applying", "are", "at", "be", "by", "could",
    "did", "do", "document", "does", "for", "from", "get", "getting", "go", "got", "have", "how",
    "i", "im", "in", "is", "it", "m", "me", "my", "need", "new", "of", "on", "one", "or", "our",
    "paper", "please", "procedure", "re", "required", "s", "should", "some", "t", "that", "the",
    "there", "this", "to", "us", "want", "we", "what", "when", "where", "which", "who", "will",
    "with", "would", "you", "your",
];

/// Plural English words to their singular ("cards" → "card", "copies" → "copy"), so questions and
/// names meet. No Vietnamese syllable ends in "s", so Vietnamese words pass unchanged.
pub(crate) fn singular(word: String) -> String {
    if word.chars().count() <= 4 {
        return word;
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with('s') && !word.ends_with("ss") {
        return word.strip_suffix('s').map(str::to_owned).unwrap_or(word);
    }
    word
}

/// Replaces every occurrence of a rule's words in `words`, longest rule first at each position.
fn rewrite(words: Vec<String>, rules: &[(&str, &str)]) -> Vec<String> {
    let rules: Vec<(Vec<&str>, &str)> = rules
        .iter()
        .map(|(from, to)| (from.split(' ').collect(), *to))
        .collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let best = rules
            .iter()
            .filter(|(from, _)| {
                words
                    .get(i..i + from.len())
                    .is_some_and(|w| w.iter().zip(from).all(|(a, b)| a == b))
            })
            .max_by_key(|(from, _)| from.len());
        match best {
            Some((from, to)) => {
                // An empty replacement stays as an empty word: it separates phrases.
                out.extend(to.split(' ').map(str::to_owned));
                i += from.len();
            }
            None => {
                out.extend(words.get(i).cloned());
                i += 1;
            }
        }
    }
    out
}

/// The folded words of a text, with an empty word wherever punctuation separates them: words
/// across a comma or a bracket are not a phrase ("… khai sinh, đăng ký thường trú …").
fn folded_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in fold(text).chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(singular(std::mem::take(&mut word)));
        }
        // Spaces, hyphens and apostrophes join the words of a phrase ("health-insurance",
        // "baby's"); any other mark ends it.
        if !(c.is_whitespace() || c == '-' || c == '\'') {
            out.push(String::new());
        }
    }
    if !word.is_empty() {
        out.push(singular(word));
    }
    out
}

/// The subject words of a text in runs of adjacent words, repeats kept (see [`query_words`]): a
/// dropped question word or punctuation ends a run.
fn word_runs(text: &str) -> Vec<Vec<String>> {
    let words = rewrite(folded_words(text), ABBREVIATIONS);
    let words = rewrite(words, PHRASES);
    let mut runs = vec![Vec::new()];
    for (i, w) in words.iter().enumerate() {
        // "cần" (need) is a question word, "căn" (in "căn cước") is not; both fold to "can".
        let protected = w == "can" && words.get(i + 1).is_some_and(|n| n == "cuoc");
        let stop = STOP_WORDS.contains(&w.as_str()) && !protected;
        if w.is_empty() || stop || w.chars().all(|c| c.is_ascii_digit()) {
            runs.push(Vec::new());
        } else if let Some(run) = runs.last_mut() {
            run.push(w.clone());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// The subject words of a text in order, repeats kept.
fn word_sequence(text: &str) -> Vec<String> {
    word_runs(text).concat()
}

/// The words of a question or a catalogue text that say what it is about: folded, abbreviations
/// and colloquial names rewritten to the catalogue's words, question words and numbers dropped,
/// each word once, in order.
///
/// "Làm giấy khai sinh cho con cần gì?" → `["khai", "sinh"]`; "cccd" → `["can", "cuoc"]`.
pub fn query_words(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    word_sequence(text)
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Adjacent word pairs of a text, as "a b". Vietnamese words are mostly two syllables ("khai
/// sinh", "kết hôn"), and a folded syllable alone is often several words ("hôn" of "kết hôn" and of
/// "ly hôn", "lý" of "lý lịch" and of "quản lý"): a pair that matches says much more.
fn pairs(runs: &[Vec<String>]) -> Vec<String> {
    runs.iter()
        .flat_map(|run| run.windows(2).map(|w| w.join(" ")))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Index
// ---------------------------------------------------------------------------------------------------------

/// How much a match in each part of a procedure counts: its name says what it is; its result,
/// sector and life events only what it is near.
const NAME: f64 = 1.0;
const RESULT: f64 = 0.5;
const SECTOR: f64 = 0.6;
const TOPIC: f64 = 0.6;

/// How well a query word matches a catalogue word: exactly, as an English word form ("register" /
/// "registration", as good as the same word), or as a typo of a word the question would otherwise
/// not have.
const EXACT: f64 = 1.0;
const WORD_FORM: f64 = 1.0;
const TYPO: f64 = 0.6;

/// Words of procedure names that say what is done, not to what ("đăng ký", "cấp", "registration"):
/// a question that leaves them out still names the procedure ("khai sinh" is "Đăng ký khai sinh").
const GENERIC: &[&str] = &["dang", "ky", "cap", "registration", "issuing", "issuance"];

/// The least share of a question a procedure must match to be the answer or a candidate.
const MIN_COVERAGE: f64 = 0.6;
/// A procedure whose whole name is in the question is a candidate with less: the rest of the
/// question is the citizen's situation ("đăng ký tạm trú cho sinh viên thuê trọ").
const MIN_COVERAGE_NAMED: f64 = 0.3;
/// Coverage this close to the best is a tie, which the name decides.
const TIE: f64 = 0.05;
/// Procedures with at least this share of the best coverage are candidates too: the question
/// does not tell them apart.
const CLOSE: f64 = 0.85;
/// The most candidates a follow-up question lists.
const MAX_CANDIDATES: usize = 4;

/// What can be matched of a procedure or a life event.
struct Profile {
    /// Each word and the weight of the best part it appears in.
    words: HashMap<String, f64>,
    /// Each adjacent pair of words, likewise.
    pairs: HashMap<String, f64>,
    /// The subject words of each name (Vietnamese, English), generic words left out.
    names: Vec<Vec<String>>,
}

impl Profile {
    fn new(parts: &[(&str, f64)], names: &[&str]) -> Self {
        let mut words: HashMap<String, f64> = HashMap::new();
        let mut pair_map: HashMap<String, f64> = HashMap::new();
        for (text, weight) in parts {
            let runs = word_runs(text);
            for p in pairs(&runs) {
                let e = pair_map.entry(p).or_insert(0.0);
                *e = e.max(*weight);
            }
            for w in runs.concat() {
                let e = words.entry(w).or_insert(0.0);
                *e = e.max(*weight);
            }
        }
        Profile {
            words,
            pairs: pair_map,
            names: names
                .iter()
                .map(|n| {
                    query_words(n)
                        .into_iter()
                        .filter(|w| !GENERIC.contains(&w.as_str()))
                        .collect()
                })
                .collect(),
        }
    }
}

/// One thing of the question to find: a word or a pair of words, how telling it is, and the
/// catalogue words (or pairs) it matches with how well.
struct Unit {
    weight: f64,
    pair: bool,
    matches: Vec<(String, f64)>,
}

/// The catalogue prepared for questions.
pub struct Assistant<'a> {
    procedures: &'a [Procedure],
    profiles: Vec<Profile>,
    topics: Vec<(Profile, Vec<String>)>,
    /// In how many procedures each word appears in the name or result, the parts that say what a
    /// procedure is (a sector word such as "quản lý" is shared by design and says little).
    df_strong: HashMap<String, usize>,
    /// In how many procedures each word appears anywhere.
    df_any: HashMap<String, usize>,
    pair_df: HashMap<String, usize>,
}

/// A procedure's scores for a question (for tests and tuning).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub code: String,
    /// Share of the question's weight the procedure matches (0–1).
    pub coverage: f64,
    /// Share of the procedure's name (without generic words) the question matches (0–1).
    pub precision: f64,
}

/// Of procedures tied on coverage, the one whose name the question says at least half of and
/// twice as much as of any other's ("certified copy": certification of copies, not copies of
/// civil-status extracts), if there is one.
fn dominant<'s>(tied: &[&'s Scored]) -> Option<&'s Scored> {
    let (first, rest) = tied.split_first()?;
    let best = rest
        .iter()
        .fold(*first, |a, b| if b.precision > a.precision { b } else { a });
    let others_ok = tied
        .iter()
        .filter(|s| s.code != best.code)
        .all(|s| best.precision >= 2.0 * s.precision);
    (best.precision >= 0.5 && others_ok).then_some(best)
}

/// Whether two English word forms share their stem: a common start of five letters or more, one
/// of them at least seven long ("register"/"registration", "certified"/"certification"). Vietnamese
/// syllables are at most seven letters and distinct ones rarely share five, so they stay apart.
fn same_stem(a: &str, b: &str) -> bool {
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    common >= 5 && a.len().max(b.len()) >= 7
}

/// Whether `word` is a typo of `known`: one edit for words of five letters or more, only two
/// swapped letters ("sihn", "khia") for four. One changed letter in a short Vietnamese syllable
/// is usually another syllable ("bong"/"dong", "sang"/"dang"), not a typo.
fn is_typo(word: &str, known: &str) -> bool {
    let (n, m) = (word.chars().count(), known.chars().count());
    if n < 4 || m < 4 || typo_distance(word, known) != 1 {
        return false;
    }
    if n >= 5 {
        return true;
    }
    let mut a: Vec<char> = word.chars().collect();
    let mut b: Vec<char> = known.chars().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn count_into(df: &mut HashMap<String, usize>, words: impl Iterator<Item = String>) {
    for w in words.collect::<HashSet<_>>() {
        *df.entry(w).or_insert(0) += 1;
    }
}

impl<'a> Assistant<'a> {
    pub fn new(procedures: &'a [Procedure], topics: &[Topic]) -> Self {
        let mut df_strong = HashMap::new();
        let mut df_any = HashMap::new();
        let mut pair_df = HashMap::new();
        let profiles: Vec<Profile> = procedures
            .iter()
            .map(|p| {
                let mut parts = vec![
                    (p.name_vi.as_str(), NAME),
                    (p.name_en.as_str(), NAME),
                    (p.result_document.as_str(), RESULT),
                    (p.sector.as_str(), SECTOR),
                ];
                for t in topics
                    .iter()
                    .filter(|t| t.procedures.iter().any(|c| c == p.code.as_str()))
                {
                    parts.push((t.name_vi.as_str(), TOPIC));
                    parts.push((t.name_en.as_str(), TOPIC));
                }
                let profile = Profile::new(&parts, &[&p.name_vi, &p.name_en]);
                count_into(
                    &mut df_strong,
                    [&p.name_vi, &p.name_en, &p.result_document]
                        .into_iter()
                        .flat_map(|t| word_sequence(t)),
                );
                count_into(&mut df_any, profile.words.keys().cloned());
                count_into(&mut pair_df, profile.pairs.keys().cloned());
                profile
            })
            .collect();
        let topics = topics
            .iter()
            .map(|t| {
                let profile = Profile::new(
                    &[(t.name_vi.as_str(), NAME), (t.name_en.as_str(), NAME)],
                    &[&t.name_vi, &t.name_en],
                );
                (profile, t.procedures.clone())
            })
            .collect();
        Self {
            procedures,
            profiles,
            topics,
            df_strong,
            df_any,
            pair_df,
        }
    }

    fn n(&self) -> f64 {
        self.procedures.len().max(1) as f64
    }

    /// How telling a word is: rare words say more. Rarity is counted in names and results where
    /// the word appears there at all.
    fn idf(&self, word: &str) -> f64 {
        let df = self
            .df_strong
            .get(word)
            .or_else(|| self.df_any.get(word))
            .copied()
            .unwrap_or(1)
            .max(1) as f64;
        (1.0 + self.n() / df).ln()
    }

    fn pair_idf(&self, pair: &str) -> f64 {
        let df = self.pair_df.get(pair).copied().unwrap_or(1).max(1) as f64;
        (1.0 + self.n() / df).ln()
    }

    /// The weight of a word the catalogue does not have: as telling as a word two procedures
    /// share. It counts, so that a question about something we lack ("visa", "thuê nhà", "adopt a
    /// child") is not answered by its one other word; not more, so that the citizen's own
    /// situation ("cho sinh viên thuê trọ") does not hide the procedure they name.
    fn unknown_weight(&self) -> f64 {
        (1.0 + self.n() / 2.0).ln()
    }

    /// The catalogue words a query word matches, with how well.
    fn matches(&self, word: &str) -> Vec<(String, f64)> {
        let known = self.df_any.contains_key(word);
        let mut out: Vec<(String, f64)> = self
            .df_any
            .keys()
            .filter_map(|w| {
                if w == word {
                    Some((w.clone(), EXACT))
                } else if same_stem(word, w) {
                    Some((w.clone(), WORD_FORM))
                } else if !known && is_typo(word, w) {
                    Some((w.clone(), TYPO))
                } else {
                    None
                }
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The units of a question: its words, and its word pairs the catalogue has.
    fn units(&self, question: &str) -> Vec<Unit> {
        let runs = word_runs(question);
        let mut seq = runs.concat();
        seq.truncate(MAX_SCORED_WORDS);
        let mut seen = HashSet::new();
        let mut units: Vec<Unit> = seq
            .iter()
            .filter(|w| seen.insert((*w).clone()))
            .map(|w| {
                let matches = self.matches(w);
                let weight = matches
                    .iter()
                    .map(|(cw, _)| self.idf(cw))
                    .reduce(f64::max)
                    .unwrap_or_else(|| self.unknown_weight());
                Unit {
                    weight,
                    pair: false,
                    matches,
                }
            })
            .collect();
        let mut seen_pairs = HashSet::new();
        for p in pairs(&runs).into_iter().take(MAX_SCORED_WORDS) {
            if self.pair_df.contains_key(&p) && seen_pairs.insert(p.clone()) {
                units.push(Unit {
                    weight: self.pair_idf(&p),
                    pair: true,
                    matches: vec![(p, EXACT)],
                });
            }
        }
        units
    }

    /// Coverage and precision of a profile for the units of a question.
    fn measure(&self, units: &[Unit], profile: &Profile) -> (f64, f64) {
        let total: f64 = units.iter().map(|u| u.weight).sum();
        let got: f64 = units
            .iter()
            .map(|u| {
                let part = if u.pair {
                    &profile.pairs
                } else {
                    &profile.words
                };
                let best = u
                    .matches
                    .iter()
                    .filter_map(|(cw, q)| part.get(cw).map(|weight| weight * q))
                    .fold(0.0, f64::max);
                u.weight * best
            })
            .sum();
        let coverage = if total > 0.0 { got / total } else { 0.0 };
        let hit: HashSet<&str> = units
            .iter()
            .filter(|u| !u.pair)
            .flat_map(|u| u.matches.iter().map(|(cw, _)| cw.as_str()))
            .collect();
        let precision = profile
            .names
            .iter()
            .map(|name| {
                let all: f64 = name.iter().map(|w| self.idf(w)).sum();
                let found: f64 = name
                    .iter()
                    .filter(|w| hit.contains(w.as_str()))
                    .map(|w| self.idf(w))
                    .sum();
                if all > 0.0 { found / all } else { 0.0 }
            })
            .fold(0.0, f64::max);
        (coverage, precision)
    }

    /// Every procedure's scores for a question, best coverage first (ties by code).
    pub fn score(&self, question: &str) -> Vec<Scored> {
        let units = self.units(question);
        if units.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<Scored> = self
            .procedures
            .iter()
            .zip(&self.profiles)
            .map(|(p, prof)| {
                let (coverage, precision) = self.measure(&units, prof);
                Scored {
                    code: p.code.as_str().to_owned(),
                    coverage,
                    precision,
                }
            })
            .collect();
        scored.sort_by(|a, b| {
            b.coverage
                .total_cmp(&a.coverage)
                .then(b.precision.total_cmp(&a.precision))
                .then(a.code.cmp(&b.code))
        });
        scored
    }

    /// The life event the question is about, when it fits better than any one procedure ("nhà có
    /// người mất": what is there to do when someone dies): its procedures.
    fn topic_for(&self, question: &str, best_coverage: f64) -> Option<&[String]> {
        let units = self.units(question);
        self.topics
            .iter()
            .map(|(profile, codes)| (self.measure(&units, profile).0, codes))
            .filter(|(coverage, _)| *coverage >= MIN_COVERAGE && *coverage > best_coverage)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, codes)| codes.as_slice())
    }

    /// The subject words of a procedure's names.
    fn name_words(&self, code: &str) -> Vec<&String> {
        self.procedures
            .iter()
            .zip(&self.profiles)
            .filter(|(p, _)| p.code.as_str() == code)
            .flat_map(|(_, prof)| prof.names.iter().flatten())
            .collect()
    }

    fn procedure(&self, code: &str) -> Option<&'a Procedure> {
        self.procedures.iter().find(|p| p.code.as_str() == code)
    }

    /// What the question is about: one procedure, a few, or none.
    ///
    /// A life event that fits better than any procedure gives its procedures. Otherwise, among the
    /// procedures matching the question best (and well enough), the one whose name the question
    /// says entirely, or says much more of than the others', is meant; else those close to the best
    /// are candidates. When nothing matches enough of the question, a procedure whose whole name is
    /// in it is still meant.
    fn decide(&self, question: &str) -> Vec<&'a Procedure> {
        let scored = self.score(question);
        let Some(best) = scored.first() else {
            return Vec::new();
        };
        if let Some(codes) = self.topic_for(question, best.coverage) {
            let mut found: Vec<&Scored> =
                scored.iter().filter(|s| codes.contains(&s.code)).collect();
            found.truncate(MAX_CANDIDATES);
            return found
                .iter()
                .filter_map(|s| self.procedure(&s.code))
                .collect();
        }
        let named = |s: &Scored| s.precision >= 0.99 && s.coverage >= MIN_COVERAGE_NAMED;
        let candidates: Vec<&Scored> = if best.coverage >= MIN_COVERAGE {
            // Tied on coverage: the procedure the question names outright is the one meant
            // ("đăng ký khai sinh", not "đăng ký lại khai sinh").
            let tied: Vec<&Scored> = scored
                .iter()
                .filter(|s| s.coverage >= best.coverage - TIE)
                .collect();
            let named_tied: Vec<&Scored> = tied.iter().copied().filter(|s| named(s)).collect();
            let mut chosen: Vec<&Scored> = if let [one] = named_tied.as_slice() {
                vec![*one]
            } else if let Some(one) = dominant(&tied) {
                vec![one]
            } else {
                scored
                    .iter()
                    .filter(|s| s.coverage >= best.coverage * CLOSE)
                    .collect()
            };
            // The question names another procedure outright than the one it matches most of
            // ("kết hôn với người nước ngoài" matches more of the criminal-record certificate
            // "cho … người nước ngoài"): ask rather than guess. Not when the named one's name is
            // part of the chosen one's ("khai sinh" in "bản sao giấy khai sinh").
            if chosen.iter().all(|s| !named(s)) {
                let chosen_words: HashSet<&String> = chosen
                    .iter()
                    .flat_map(|c| self.name_words(&c.code))
                    .collect();
                for s in scored.iter().filter(|s| named(s)) {
                    let inside = self
                        .name_words(&s.code)
                        .iter()
                        .all(|w| chosen_words.contains(w));
                    if !inside && !chosen.iter().any(|c| c.code == s.code) {
                        chosen.push(s);
                    }
                }
            }
            chosen
        } else {
            scored.iter().filter(|s| named(s)).collect()
        };
        candidates
            .iter()
            .take(MAX_CANDIDATES)
            .filter_map(|s| self.procedure(&s.code))
            .collect()
    }

    /// The assistant's answer to `question`, with the fees that apply on `on`.
    pub fn ask(&self, question: &str, lang: Lang, on: NaiveDate) -> Answer {
        let search_url = search_url(question);
        // A procedure code names its procedure.
        if let Some(p) = question
            .split_whitespace()
            .filter_map(|w| {
                ProcedureCode::parse(w.trim_matches(|c: char| !c.is_ascii_digit())).ok()
            })
            .find_map(|c| self.procedure(c.as_str()))
        {
            return answer(p, lang, on, search_url);
        }
        if query_words(question).is_empty() {
            return unknown(lang, search_url, true);
        }
        match self.decide(question).as_slice() {
            [] => unknown(lang, search_url, false),
            [one] => answer(one, lang, on, search_url),
            several => follow_up(several, lang, search_url),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

fn pick(lang: Lang, vi: &str, en: &str) -> String {
    match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn name(p: &Procedure, lang: Lang) -> String {
    if lang == Lang::En && !p.name_en.trim().is_empty() {
        p.name_en.clone()
    } else {
        p.name_vi.clone()
    }
}

fn suggestion(p: &Procedure, lang: Lang) -> Suggestion {
    Suggestion {
        code: p.code.as_str().to_owned(),
        name: name(p, lang),
        url: format!("/procedures/{}", p.code.as_str()),
    }
}

/// `application/x-www-form-urlencoded` of a query value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The portal search for the question: the question itself when the search takes it, else its
/// subject words.
fn search_url(question: &str) -> String {
    let q = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let q = if q.chars().count() <= SEARCH_MAX_CHARS && q.split(' ').count() <= SEARCH_MAX_WORDS {
        q
    } else {
        let mut words = query_words(&q);
        words.truncate(SEARCH_MAX_WORDS);
        words.join(" ")
    };
    format!("/search?q={}", form_encode(&q))
}

/// `1.263.600 đ` in Vietnamese, `1,263,600 VND` in English, a no-break space before the
/// currency; 0 is free.
fn vnd(lang: Lang, amount: Option<i64>) -> String {
    match (amount, lang) {
        (None, _) => pick(lang, "danh mục không ghi", "not stated in the catalogue"),
        (Some(0), _) => pick(lang, "miễn phí", "free"),
        (Some(a), Lang::Vi) => format!("{}\u{a0}đ", crate::notice::vnd(a)),
        (Some(a), Lang::En) => format!("{}\u{a0}VND", crate::notice::vnd(a).replace('.', ",")),
    }
}

fn item(text: String, note: Option<String>) -> Item {
    Item {
        text,
        from_catalogue: true,
        note,
    }
}

fn own_item(text: String) -> Item {
    Item {
        text,
        from_catalogue: false,
        note: None,
    }
}

fn documents(p: &Procedure, lang: Lang) -> Section {
    let mut items: Vec<Item> = p
        .components
        .iter()
        .map(|c| {
            let mut parts = vec![match c.required {
                RequirementKind::Required => pick(lang, "bắt buộc", "required"),
                RequirementKind::Optional => pick(lang, "không bắt buộc", "optional"),
                RequirementKind::Conditional => match &c.condition {
                    Some(cond) => match (lang, &c.condition_en) {
                        (Lang::Vi, _) => format!("khi: {cond}"),
                        (Lang::En, Some(_)) => format!("only if: {cond}"),
                        (Lang::En, None) => format!("only if (in Vietnamese): {cond}"),
                    },
                    None => pick(lang, "tùy trường hợp", "in some cases"),
                },
            }];
            parts.push(match c.copy_kind {
                CopyKind::Original => pick(lang, "bản chính", "original"),
                CopyKind::Copy => pick(lang, "bản sao", "copy"),
                CopyKind::CertifiedCopy => pick(lang, "bản sao có chứng thực", "certified copy"),
                CopyKind::PresentOnly => pick(lang, "chỉ xuất trình", "shown, not handed in"),
                CopyKind::EForm => pick(lang, "bản điện tử", "electronic"),
            });
            if c.quantity > 1 {
                parts.push(match lang {
                    Lang::Vi => format!("{} bản", c.quantity),
                    Lang::En => format!("{} copies", c.quantity),
                });
            }
            if !c.reusable_from.is_empty() {
                parts.push(pick(
                    lang,
                    "không phải nộp nếu cơ quan tra cứu được trong dữ liệu nhà nước",
                    "not needed if the agency finds it in state data",
                ));
            }
            // A conditional component's condition is the catalogue's text; the rest is ours.
            item(c.name.clone(), Some(parts.join("; ")))
        })
        .collect();
    if items.is_empty() {
        items.push(own_item(pick(
            lang,
            "Danh mục không ghi giấy tờ nào phải nộp.",
            "The catalogue lists no document to submit.",
        )));
    }
    Section {
        heading: pick(lang, "Giấy tờ cần nộp", "Documents to submit"),
        items,
    }
}

fn fees(p: &Procedure, lang: Lang, on: NaiveDate) -> Section {
    let mut items: Vec<Item> = p
        .fees
        .iter()
        .filter(|f| f.is_valid_on(on))
        .map(|f| {
            let online = vnd(lang, f.online_vnd);
            let counter = vnd(lang, f.counter_vnd);
            let note = match lang {
                Lang::Vi => {
                    format!("nộp trực tuyến: {online}; nộp trực tiếp hoặc qua bưu chính: {counter}")
                }
                Lang::En => format!("online: {online}; at the counter or by post: {counter}"),
            };
            item(f.name.clone(), Some(note))
        })
        .collect();
    if items.is_empty() {
        items.push(own_item(pick(
            lang,
            "Danh mục không ghi khoản phí, lệ phí nào.",
            "The catalogue lists no fee or charge.",
        )));
    } else if items.len() > 1 {
        items.push(own_item(pick(
            lang,
            "Các khoản có thể là phương án thay thế nhau (theo trường hợp, theo vùng); cơ quan báo số tiền phải nộp cho hồ sơ của bạn.",
            "Lines may be alternatives (by case, by area); the agency tells you what your dossier owes.",
        )));
    }
    Section {
        heading: pick(lang, "Phí, lệ phí", "Fees and charges"),
        items,
    }
}

fn time_limit(p: &Procedure, lang: Lang) -> Section {
    let pt = &p.processing_time;
    let unit = match (pt.unit, lang) {
        (TimeUnit::WorkingDays, Lang::Vi) => "ngày làm việc",
        (TimeUnit::WorkingDays, Lang::En) => "working days",
        (TimeUnit::WorkingHours, Lang::Vi) => "giờ làm việc",
        (TimeUnit::WorkingHours, Lang::En) => "working hours",
        (TimeUnit::Days, Lang::Vi) => "ngày",
        (TimeUnit::Days, Lang::En) => "days",
        (TimeUnit::Hours, Lang::Vi) => "giờ",
        (TimeUnit::Hours, Lang::En) => "hours",
    };
    let mut text = match lang {
        Lang::Vi => format!("Tối đa {} {unit}", pt.value),
        Lang::En => format!("At most {} {unit}", pt.value),
    };
    if pt.same_day {
        text.push_str(&pick(
            lang,
            " (giải quyết trong ngày)",
            " (decided the same day)",
        ));
    }
    let mut items = vec![own_item(text)];
    if let Some(note) = pt.note.as_ref().filter(|n| !n.trim().is_empty()) {
        items.push(item(note.clone(), None));
    }
    Section {
        heading: pick(lang, "Thời hạn giải quyết", "Time limit"),
        items,
    }
}

fn where_and_how(p: &Procedure, lang: Lang) -> Section {
    let level = match (p.level, lang) {
        (AgencyLevel::Commune, Lang::Vi) => "cấp xã",
        (AgencyLevel::Commune, Lang::En) => "commune level",
        (AgencyLevel::Province, Lang::Vi) => "cấp tỉnh",
        (AgencyLevel::Province, Lang::En) => "provincial level",
        (AgencyLevel::Ministry, Lang::Vi) => "cấp bộ",
        (AgencyLevel::Ministry, Lang::En) => "ministry level",
    };
    let mut items = Vec::new();
    if !p.competent_agency_vi.trim().is_empty() {
        let note = match lang {
            Lang::Vi => format!("cơ quan giải quyết, {level}"),
            Lang::En => format!("the competent agency, {level}"),
        };
        items.push(item(p.competent_agency_vi.clone(), Some(note)));
    }
    let how = match p.online_level {
        OnlineLevel::Full => pick(
            lang,
            "Nộp trực tuyến toàn trình trên cổng này (không phải đến cơ quan), hoặc nộp trực tiếp tại điểm tiếp nhận.",
            "Fully online on this portal (no need to go to the office), or in person at a receiving point.",
        ),
        OnlineLevel::Partial => pick(
            lang,
            "Nộp trực tuyến một phần trên cổng này (vẫn phải đến cơ quan cho một bước, ví dụ nộp bản gốc hoặc lấy sinh trắc học), hoặc nộp trực tiếp tại điểm tiếp nhận.",
            "Partly online on this portal (one step still needs a visit, e.g. handing in an original or biometrics), or in person at a receiving point.",
        ),
        OnlineLevel::None => pick(
            lang,
            "Chưa nộp trực tuyến được: nộp trực tiếp tại điểm tiếp nhận.",
            "Not available online yet: apply in person at a receiving point.",
        ),
    };
    items.push(own_item(how));
    if !p.result_document.trim().is_empty() {
        let note = pick(lang, "kết quả bạn nhận được", "what you receive");
        items.push(item(p.result_document.clone(), Some(note)));
    }
    Section {
        heading: pick(lang, "Nộp ở đâu, nộp thế nào", "Where and how to apply"),
        items,
    }
}

/// The first few laws; the procedure page lists them all.
const LEGAL_SHOWN: usize = 3;

fn legal_basis(p: &Procedure, lang: Lang) -> Option<Section> {
    if p.legal_basis.is_empty() {
        return None;
    }
    let mut items: Vec<Item> = p
        .legal_basis
        .iter()
        .take(LEGAL_SHOWN)
        .map(|l| item(l.clone(), None))
        .collect();
    let more = p.legal_basis.len().saturating_sub(LEGAL_SHOWN);
    if more > 0 {
        items.push(own_item(match lang {
            Lang::Vi => format!("và {more} văn bản khác (xem trang thủ tục)"),
            Lang::En => format!("and {more} more (see the procedure page)"),
        }));
    }
    Some(Section {
        heading: pick(lang, "Căn cứ pháp lý", "Legal basis"),
        items,
    })
}

fn render_text(intro: &str, sections: &[Section], tail: &[String]) -> String {
    let mut out = intro.to_owned();
    for s in sections {
        out.push_str("\n\n");
        out.push_str(&s.heading);
        out.push(':');
        for i in &s.items {
            out.push_str("\n- ");
            out.push_str(&i.text);
            if let Some(n) = &i.note {
                out.push_str(" (");
                out.push_str(n);
                out.push(')');
            }
        }
    }
    for line in tail {
        out.push_str("\n\n");
        out.push_str(line);
    }
    out
}

fn answer(p: &Procedure, lang: Lang, on: NaiveDate, search_url: String) -> Answer {
    // The catalogue's own texts in the reader's language where it has them.
    let english;
    let p = match lang {
        Lang::En => {
            english = p.in_english();
            &english
        }
        Lang::Vi => p,
    };
    let s = suggestion(p, lang);
    let intro = match lang {
        Lang::Vi => format!(
            "Thủ tục phù hợp: “{}” (mã {}). Theo danh mục thủ tục của cổng, bạn cần chuẩn bị như sau.",
            s.name, s.code
        ),
        Lang::En => format!(
            "The procedure that fits: “{}” (code {}). From the portal's catalogue, this is what you need.",
            s.name, s.code
        ),
    };
    let mut sections = vec![
        documents(p, lang),
        fees(p, lang, on),
        time_limit(p, lang),
        where_and_how(p, lang),
    ];
    sections.extend(legal_basis(p, lang));
    let tail = vec![match lang {
        Lang::Vi => format!("Xem đầy đủ và nộp hồ sơ: {}", s.url),
        Lang::En => format!("Full details and applying: {}", s.url),
    }];
    let text = render_text(&intro, &sections, &tail);
    Answer {
        kind: Kind::Answer,
        intro,
        procedures: vec![s],
        sections,
        search_url,
        text,
    }
}

fn follow_up(candidates: &[&Procedure], lang: Lang, search_url: String) -> Answer {
    let procedures: Vec<Suggestion> = candidates.iter().map(|p| suggestion(p, lang)).collect();
    let intro = pick(
        lang,
        "Câu hỏi của bạn có thể ứng với nhiều thủ tục. Bạn muốn hỏi thủ tục nào?",
        "Your question could mean several procedures. Which one do you mean?",
    );
    let mut tail: Vec<String> = procedures
        .iter()
        .map(|s| format!("- {}: {}", s.name, s.url))
        .collect();
    tail.push(match lang {
        Lang::Vi => format!("Không thấy thủ tục bạn cần? Tìm kiếm: {search_url}"),
        Lang::En => format!("Not there? Search: {search_url}"),
    });
    let text = format!("{intro}\n\n{}", tail.join("\n"));
    Answer {
        kind: Kind::FollowUp,
        intro,
        procedures,
        sections: Vec::new(),
        search_url,
        text,
    }
}

fn unknown(lang: Lang, search_url: String, empty: bool) -> Answer {
    let intro = if empty {
        pick(
            lang,
            "Hãy cho tôi biết bạn cần làm việc gì, ví dụ: “làm giấy khai sinh cho con cần gì?”.",
            "Tell me what you need to do, for example: “what do I need to register a birth?”.",
        )
    } else {
        pick(
            lang,
            "Xin lỗi, tôi không biết: không có thủ tục nào trong danh mục của cổng khớp với câu hỏi của bạn.",
            "Sorry, I don't know: no procedure in this portal's catalogue matches your question.",
        )
    };
    let tail = match lang {
        Lang::Vi => format!("Bạn có thể tìm kiếm với từ khóa khác: {search_url}"),
        Lang::En => format!("You can search with other words: {search_url}"),
    };
    let text = format!("{intro}\n\n{tail}");
    Answer {
        kind: Kind::Unknown,
        intro,
        procedures: Vec::new(),
        sections: Vec::new(),
        search_url,
        text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::import_catalogue;

    fn demo() -> Vec<Procedure> {
        import_catalogue(include_str!("../../../data/demo-catalogue.json")).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
    }

    #[test]
    fn question_words_are_the_subject_only() {
        assert_eq!(
            query_words("Làm giấy khai sinh cho con cần những gì?"),
            ["khai", "sinh"]
        );
        assert_eq!(query_words("lam giay khai sinh cho con"), ["khai", "sinh"]);
        assert_eq!(query_words("CCCD"), ["can", "cuoc"]);
        assert_eq!(query_words("cần căn cước"), ["can", "cuoc"]);
        assert_eq!(
            query_words("nhập hộ khẩu ở đâu"),
            ["dang", "ky", "thuong", "tru"]
        );
        assert_eq!(
            query_words("What do I need to renew my cards?"),
            ["renew", "card"]
        );
        assert!(query_words("cần gì? như thế nào?").is_empty());
    }

    #[test]
    fn answers_with_what_the_procedure_needs() {
        let procs = demo();
        let a = Assistant::new(&procs, &[]);
        let r = a.ask("lam giay khai sinh cho con", Lang::Vi, day());
        assert_eq!(r.kind, Kind::Answer, "{}", r.text);
        assert_eq!(r.procedures[0].url, "/procedures/1.001193");
        assert!(r.text.contains("Giấy chứng sinh"), "{}", r.text);
        assert!(r.text.contains("miễn phí"), "{}", r.text);
        assert!(r.text.contains("Tối đa 1 ngày làm việc"), "{}", r.text);
        assert!(r.text.contains("Luật Hộ tịch"), "{}", r.text);
        let en = a.ask("How do I register a birth?", Lang::En, day());
        assert_eq!(en.kind, Kind::Answer);
        assert_eq!(en.procedures[0].name, "Birth registration");
        assert!(en.text.contains("Documents to submit"), "{}", en.text);
        // The catalogue's own texts come in English too: documents, conditions, fees, result.
        for text in [
            "Certificate of live birth",
            "only if: Abandoned child",
            "Charge for late birth registration",
            "Birth certificate (original",
        ] {
            assert!(en.text.contains(text), "{text} in {}", en.text);
        }
        assert!(!en.text.contains("Giấy chứng sinh"), "{}", en.text);
    }

    #[test]
    fn a_code_is_answered_directly() {
        let procs = demo();
        let a = Assistant::new(&procs, &[]);
        let r = a.ask("1.004222?", Lang::Vi, day());
        assert_eq!(r.kind, Kind::Answer);
        assert_eq!(r.procedures[0].code, "1.004222");
    }

    #[test]
    fn nothing_known_is_said_plainly_with_a_search() {
        let procs = demo();
        let a = Assistant::new(&procs, &[]);
        let r = a.ask("xin visa đi Mỹ", Lang::Vi, day());
        assert_eq!(r.kind, Kind::Unknown);
        assert!(r.procedures.is_empty());
        assert_eq!(r.search_url, "/search?q=xin+visa+%C4%91i+M%E1%BB%B9");
        assert!(r.text.contains("không biết"));
        let empty = a.ask("cần gì?", Lang::En, day());
        assert_eq!(empty.kind, Kind::Unknown);
    }

    #[test]
    fn a_long_question_searches_its_subject() {
        let q = format!("{} khai sinh", "rất ".repeat(60));
        assert_eq!(search_url(&q), "/search?q=rat+khai+sinh");
    }

    #[test]
    fn amounts_group_thousands() {
        assert_eq!(vnd(Lang::Vi, Some(1_263_600)), "1.263.600\u{a0}đ");
        assert_eq!(vnd(Lang::En, Some(1_263_600)), "1,263,600\u{a0}VND");
        assert_eq!(vnd(Lang::En, Some(0)), "free");
        assert_eq!(vnd(Lang::Vi, None), "danh mục không ghi");
    }
}
