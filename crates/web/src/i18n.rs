//! UI texts in Vietnamese (default) and English, from `locales/{vi,en}.json`. No UI string is
//! written in a template or handler: tests check that both files have the same keys and that every
//! key used in the templates exists.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use motcua_domain::catalogue::Procedure;

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

/// A procedure as the reader's language shows it: the English texts of the catalogue for an
/// English reader ([`Procedure::in_english`]), the procedure itself for a Vietnamese one. For
/// display only.
pub fn procedure_in(lang: Lang, p: &Procedure) -> Cow<'_, Procedure> {
    match lang {
        Lang::En => Cow::Owned(p.in_english()),
        Lang::Vi => Cow::Borrowed(p),
    }
}

/// A catalogue text in the reader's language: the English version when there is one.
pub fn text_in<'a>(lang: Lang, vi: &'a str, en: Option<&'a str>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(en)) if !en.trim().is_empty() => en,
        _ => vi,
    }
}

/// The text for `key`; the key itself if missing (visible, and caught by the tests).
pub fn t(lang: Lang, key: &str) -> &str {
    table(lang).get(key).map(String::as_str).unwrap_or(key)
}

pub const VI_FTL: &str = include_str!("../../../locales/vi.ftl");
pub const EN_FTL: &str = include_str!("../../../locales/en.ftl");

type Bundle = fluent_bundle::concurrent::FluentBundle<fluent_bundle::FluentResource>;

fn bundle(lang: Lang) -> Option<&'static Bundle> {
    static VI: OnceLock<Option<Bundle>> = OnceLock::new();
    static EN: OnceLock<Option<Bundle>> = OnceLock::new();
    let (cell, source, id) = match lang {
        Lang::Vi => (&VI, VI_FTL, unic_langid::langid!("vi")),
        Lang::En => (&EN, EN_FTL, unic_langid::langid!("en")),
    };
    // A malformed file is caught by the tests; at run time it degrades to "count id".
    cell.get_or_init(|| {
        let resource = fluent_bundle::FluentResource::try_new(source.to_owned()).ok()?;
        let mut b = Bundle::new_concurrent(vec![id]);
        // Our pages are left-to-right only: no isolation marks around the number.
        b.set_use_isolating(false);
        b.add_resource(resource).ok()?;
        Some(b)
    })
    .as_ref()
}

/// A message with a count (`locales/*.ftl`), in the plural form the count takes in `lang`:
/// "1 working day", "2 working days", "2 ngày làm việc". Whole numbers read without decimals.
pub fn tn(lang: Lang, id: &str, count: f64) -> String {
    let formatted = bundle(lang).and_then(|b| {
        let pattern = b.get_message(id)?.value()?;
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("count", count);
        let mut errors = Vec::new();
        let text = b.format_pattern(pattern, Some(&args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    });
    formatted.unwrap_or_else(|| format!("{count} {id}"))
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

    /// The ids of the counted messages in `lang`'s file.
    fn counted_ids(lang: Lang) -> Vec<String> {
        let source = match lang {
            Lang::Vi => VI_FTL,
            Lang::En => EN_FTL,
        };
        let mut ids: Vec<String> = fluent_bundle::FluentResource::try_new(source.to_owned())
            .map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    #[test]
    fn counted_messages_take_the_plural_form_of_their_count() {
        for lang in [Lang::Vi, Lang::En] {
            let source = if lang == Lang::Vi { VI_FTL } else { EN_FTL };
            assert!(
                fluent_bundle::FluentResource::try_new(source.to_owned()).is_ok(),
                "{lang:?}.ftl parses"
            );
        }
        assert_eq!(counted_ids(Lang::Vi), counted_ids(Lang::En));
        assert!(counted_ids(Lang::En).len() >= 5);
        for (count, want) in [
            (0.0, "0 working days"),
            (1.0, "1 working day"),
            (2.0, "2 working days"),
            (21.0, "21 working days"),
            (1.5, "1.5 working days"),
        ] {
            assert_eq!(tn(Lang::En, "working-days", count), want);
        }
        assert_eq!(tn(Lang::En, "procedures", 1.0), "1 procedure");
        assert_eq!(tn(Lang::En, "hours-late", 1.0), "late by 1 working hour");
        assert_eq!(tn(Lang::En, "hours-left", 7.5), "7.5 working hours left");
        assert_eq!(tn(Lang::Vi, "working-days", 1.0), "1 ngày làm việc");
        assert_eq!(tn(Lang::Vi, "hours-left", 8.0), "còn 8 giờ làm việc");
        // Every counted message reads with a number in both languages, never the fallback.
        for lang in [Lang::Vi, Lang::En] {
            for id in counted_ids(lang) {
                for n in [0.0, 1.0, 2.0, 5.0, 11.0, 0.5] {
                    let text = tn(lang, &id, n);
                    assert!(
                        bundle(lang).is_some_and(|b| b.has_message(&id)),
                        "{id} in {lang:?}"
                    );
                    assert!(text.contains(&n.to_string()), "{id}: {text}");
                }
            }
        }
        assert_eq!(tn(Lang::En, "no-such-message", 3.0), "3 no-such-message");
    }

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
