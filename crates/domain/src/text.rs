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

#[cfg(test)]
mod tests {
    use super::*;

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
