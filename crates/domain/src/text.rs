//! Folding Vietnamese text for search and comparison.
//!
//! Citizens type procedure names with or without diacritics ("đăng ký khai sinh", "dang ky khai sinh",
//! "DANG KY KHAI SINH"), SPEC §1 requires all of them to find the same thing. We fold both the query and the
//! indexed text to plain lowercase ASCII.
//!
//! Unicode NFD decomposition alone is not enough: "đ"/"Đ" (U+0111/U+0110) is a separate letter, not "d" plus a
//! combining mark, so it would survive NFD. `deunicode` transliterates it to "d" and also drops the combining
//! marks of text that arrives already decomposed (some keyboards and PDF copy-paste produce NFD).

/// Lowercases, strips diacritics (including đ → d) and collapses runs of whitespace to one space.
///
/// "Đăng ký  khai sinh" → "dang ky khai sinh". Characters `deunicode` does not know are dropped rather than
/// replaced by a placeholder, so they cannot create spurious matches.
pub fn fold(s: &str) -> String {
    // Split on whitespace before transliterating: deunicode drops some ASCII control whitespace (tabs,
    // newlines after a non-ASCII letter), which would glue two words together.
    let ascii = s
        .split_whitespace()
        .map(|word| deunicode::deunicode_with_tofu(word, " "))
        .collect::<Vec<_>>()
        .join(" ");
    ascii
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The folded alphanumeric tokens of `s`, in order (duplicates kept).
///
/// Everything that is not an ASCII letter or digit separates tokens, so "1.001193" gives `["1", "001193"]` and
/// "Ông/Bà" gives `["ong", "ba"]`.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) between two ASCII
/// tokens: a transposed pair ("sihn" for "sinh") is one typo, as people count it.
pub fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    if let Some(row0) = d.first_mut() {
        for (j, cell) in row0.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

/// Whether `typo_distance(a, b) <= 1`, without the table: one pass to the first difference, then
/// the rest compared once per kind of typo (a letter changed, added, dropped, or two swapped).
/// Search asks this of every query word against every catalogue word, so it must not allocate.
pub fn within_one_typo(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return typo_distance(a, b) <= 1;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let Some(i) = short.iter().zip(long).position(|(x, y)| x != y) else {
        // One is the other, or the other plus one letter at the end.
        return true;
    };
    if short.len() == long.len() {
        short[i + 1..] == long[i + 1..]
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..])
    } else {
        short[i..] == long[i + 1..]
    }
}

/// How well a folded query token matches a folded word: 3 exact, 2 prefix (the citizen is still
/// typing), 1 one typo away (tokens of 4+ letters, so short words like "xe" stay exact), 0 no match.
pub fn token_match(token: &str, word: &str) -> u8 {
    if token == word {
        3
    } else if token.len() >= 2 && word.starts_with(token) {
        2
    } else if token.chars().count() >= 4 && within_one_typo(token, word) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_counted_as_people_count_them() {
        assert_eq!(typo_distance("sinh", "sinh"), 0);
        assert_eq!(typo_distance("sihn", "sinh"), 1);
        assert_eq!(typo_distance("khia", "khai"), 1);
        assert_eq!(typo_distance("kahi", "khai"), 1);
        assert_eq!(typo_distance("sinh", "tinh"), 1);
        assert_eq!(typo_distance("dang", "dung"), 1);
        assert_eq!(typo_distance("ket", "hon"), 3);
        assert_eq!(typo_distance("", "abc"), 3);
    }

    /// The fast check agrees with the distance table on every pair over a small alphabet (all
    /// strings up to four letters of "abc": every kind of typo, at every position).
    #[test]
    fn within_one_typo_agrees_with_the_distance() {
        let mut words = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = last
                .iter()
                .flat_map(|w| ["a", "b", "c"].map(|c| format!("{w}{c}")))
                .collect();
            words.extend(next.iter().cloned());
            last = next;
        }
        for a in &words {
            for b in &words {
                assert_eq!(
                    within_one_typo(a, b),
                    typo_distance(a, b) <= 1,
                    "{a:?} {b:?}"
                );
            }
        }
        assert!(within_one_typo("sihn", "sinh"));
        assert!(within_one_typo("khai", "kha"));
        assert!(!within_one_typo("ket", "hon"));
        assert!(
            within_one_typo("đăng", "dăng"),
            "non-ASCII falls back to the table"
        );
    }

    #[test]
    fn token_match_levels() {
        assert_eq!(token_match("khai", "khai"), 3);
        assert_eq!(token_match("kha", "khai"), 2);
        assert_eq!(token_match("khia", "khai"), 1);
        assert_eq!(
            token_match("xe", "xa"),
            0,
            "short words must match exactly or by prefix"
        );
        assert_eq!(token_match("hon", "ket"), 0);
    }

    #[test]
    fn folds_vietnamese_including_d_bar() {
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(fold("ĐĂNG KÝ KẾT HÔN"), "dang ky ket hon");
        assert_eq!(fold("đường Nguyễn Trãi"), "duong nguyen trai");
        assert_eq!(fold("Ủy ban nhân dân xã"), "uy ban nhan dan xa");
        assert_eq!(fold("Lệ phí"), "le phi");
    }

    #[test]
    fn folds_decomposed_input() {
        // "Hộ tịch" typed as base letters plus combining marks (NFD).
        let nfd = "Ho\u{0323}\u{0302} ti\u{0323}ch";
        assert_eq!(fold(nfd), "ho tich");
    }

    #[test]
    fn collapses_whitespace() {
        assert_eq!(
            fold("  Xác   nhận\t\ttình trạng\nhôn nhân  "),
            "xac nhan tinh trang hon nhan"
        );
        assert_eq!(fold(""), "");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn ascii_is_only_lowercased() {
        assert_eq!(fold("Dang Ky Khai Sinh"), "dang ky khai sinh");
    }

    #[test]
    fn tokens_split_on_punctuation() {
        assert_eq!(tokens("Ông/Bà, cha-mẹ"), vec!["ong", "ba", "cha", "me"]);
        assert_eq!(tokens("Mã 1.001193"), vec!["ma", "1", "001193"]);
        assert_eq!(tokens("  "), Vec::<String>::new());
        assert_eq!(
            tokens("Đăng ký thường trú"),
            vec!["dang", "ky", "thuong", "tru"]
        );
    }

    #[test]
    fn with_and_without_diacritics_match() {
        assert_eq!(tokens("giấy phép lái xe"), tokens("GIAY PHEP LAI XE"));
    }
}

const DIGITS_VI: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// 0–99 as read in Vietnamese: "mười lăm", "hai mươi mốt", "hai mươi tư", "ba mươi".
fn tens_vi(n: u32) -> String {
    let (t, u) = (n / 10, n % 10);
    match (t, u) {
        (0, u) => DIGITS_VI[u as usize].to_owned(),
        (1, 0) => "mười".to_owned(),
        (1, 5) => "mười lăm".to_owned(),
        (1, u) => format!("mười {}", DIGITS_VI[u as usize]),
        (t, 0) => format!("{} mươi", DIGITS_VI[t as usize]),
        (t, 1) => format!("{} mươi mốt", DIGITS_VI[t as usize]),
        (t, 4) => format!("{} mươi tư", DIGITS_VI[t as usize]),
        (t, 5) => format!("{} mươi lăm", DIGITS_VI[t as usize]),
        (t, u) => format!("{} mươi {}", DIGITS_VI[t as usize], DIGITS_VI[u as usize]),
    }
}

/// The part under a hundred after a hundreds or thousands word: "linh năm", "mười", "hai mươi".
fn after_hundreds_vi(rest: u32) -> String {
    if rest < 10 {
        format!("linh {}", DIGITS_VI[rest as usize])
    } else {
        tens_vi(rest)
    }
}

/// 0–999 as read in Vietnamese.
fn hundreds_vi(n: u32) -> String {
    let (h, rest) = (n / 100, n % 100);
    match (h, rest) {
        (0, r) => tens_vi(r),
        (h, 0) => format!("{} trăm", DIGITS_VI[h as usize]),
        (h, r) => format!("{} trăm {}", DIGITS_VI[h as usize], after_hundreds_vi(r)),
    }
}

/// A whole number below a million in Vietnamese words, as written on civil-status papers:
/// 2026 → "hai nghìn không trăm hai mươi sáu", 2005 → "hai nghìn không trăm linh năm".
pub fn number_in_words_vi(n: u32) -> String {
    let (th, rest) = (n / 1000, n % 1000);
    match (th, rest) {
        (0, r) => hundreds_vi(r),
        (t, 0) => format!("{} nghìn", hundreds_vi(t)),
        (t, r) if r < 100 => format!(
            "{} nghìn không trăm {}",
            hundreds_vi(t),
            after_hundreds_vi(r)
        ),
        (t, r) => format!("{} nghìn {}", hundreds_vi(t), hundreds_vi(r)),
    }
}

/// A date written in words, as the birth registration records the date of birth in figures and
/// in words (Law on Civil Status 60/2014/QH13, Art. 14; the birth certificate form's "bằng chữ"):
/// 2026-11-02 → "Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu". The fourth
/// month is read "tư", as it is said.
pub fn date_in_words_vi(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = match date.month() {
        4 => "tư".to_owned(),
        m => tens_vi(m),
    };
    format!(
        "Ngày {} tháng {month} năm {}",
        tens_vi(date.day()),
        number_in_words_vi(u32::try_from(date.year()).unwrap_or(0))
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod words_tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn numbers_are_read_as_vietnamese_writes_them() {
        for (n, words) in [
            (0, "không"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (31, "ba mươi mốt"),
            (100, "một trăm"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (999, "chín trăm chín mươi chín"),
            (1900, "một nghìn chín trăm"),
            (1985, "một nghìn chín trăm tám mươi lăm"),
            (2000, "hai nghìn"),
            (2005, "hai nghìn không trăm linh năm"),
            (2010, "hai nghìn không trăm mười"),
            (2026, "hai nghìn không trăm hai mươi sáu"),
            (12_345, "mười hai nghìn ba trăm bốn mươi lăm"),
        ] {
            assert_eq!(number_in_words_vi(n), words, "{n}");
        }
    }

    #[test]
    fn a_date_in_words_reads_every_day_and_month() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            date_in_words_vi(d(2026, 11, 2)),
            "Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu"
        );
        assert_eq!(
            date_in_words_vi(d(2025, 4, 25)),
            "Ngày hai mươi lăm tháng tư năm hai nghìn không trăm hai mươi lăm"
        );
        assert_eq!(
            date_in_words_vi(d(1999, 12, 31)),
            "Ngày ba mươi mốt tháng mười hai năm một nghìn chín trăm chín mươi chín"
        );
        // Every day of a leap year has words, never digits, and no two days read alike.
        let mut seen = std::collections::HashSet::new();
        let mut day = d(2024, 1, 1);
        while day.year() == 2024 {
            let w = date_in_words_vi(day);
            assert!(!w.chars().any(|c| c.is_ascii_digit()), "{w}");
            assert!(seen.insert(w));
            day = day.succ_opt().unwrap();
        }
        assert_eq!(seen.len(), 366);
    }
}
