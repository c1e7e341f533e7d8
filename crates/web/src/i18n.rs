//! UI texts in Vietnamese (default) and English, from `locales/{vi,en}.json`. No UI string is
//! written in a template or handler: tests check that both files have the same keys and that every
//! key used in the templates exists.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

pub const VI_JSON: &str = include_str!("../../../locales/vi.json");
pub const EN_JSON: &str = include_str!("../../../locales/en.json");

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static VI: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, json) = match lang {
        Lang::Vi => (&VI, VI_JSON),
        Lang::En => (&EN, EN_JSON),
    };
    // A malformed file is caught by the tests; at run time it degrades to showing keys.
    cell.get_or_init(|| serde_json::from_str(json).unwrap_or_default())
}

/// The text for `key`; the key itself if missing (visible, and caught by the tests).
pub fn t(lang: Lang, key: &str) -> &str {
    table(lang).get(key).map(String::as_str).unwrap_or(key)
}

pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = table(lang).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_no_empty_text() {
        assert_eq!(keys(Lang::Vi), keys(Lang::En));
        for lang in [Lang::Vi, Lang::En] {
            for k in keys(lang) {
                assert!(!t(lang, k).trim().is_empty(), "{k} is empty in {lang:?}");
            }
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        sources.push(include_str!("pages.rs").to_owned());
        sources.push(include_str!("portal.rs").to_owned());
        sources.push(include_str!("staff.rs").to_owned());
        sources.push(include_str!("indicators.rs").to_owned());
        sources.push(include_str!("statistics.rs").to_owned());
        sources.push(include_str!("quality.rs").to_owned());
        let known = keys(Lang::Vi);
        let mut used = 0;
        // The call shapes used: `c.t("key")` in templates, `t(lang, "key")` / `t(ui.lang, "key")` in code.
        // Keys built at run time (`level.{}`, `status.{}`) are checked by the page tests instead.
        for src in &sources {
            for pattern in [".t(\"", "t(lang, \"", "t(ui.lang, \""] {
                for part in src.split(pattern).skip(1) {
                    let key = part.split('"').next().unwrap();
                    used += 1;
                    assert!(
                        known.contains(&key),
                        "translation key {key:?} is used but not defined"
                    );
                }
            }
        }
        assert!(used > 30, "only {used} keys found: the scan is broken");
    }
}
