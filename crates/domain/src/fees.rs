//! What an application costs (SPEC §3, §8): computed from the procedure version's fee lines, the
//! channel, the day, and the answers in the form — never typed by anyone.
//!
//! A fee line may say when it applies (`when`: an answer equals one of some values, or a date answer
//! lies within so many days before the day of submission), how many units are charged (`per`: a
//! number answer, counting only units beyond a threshold or up to a ceiling, times another number
//! answer) and when it is waived (`exempt_when`). Examples from the demo catalogue:
//!
//! - birth registration within 60 days of the birth is free, later it is charged (Civil Status Law
//!   2014 Art. 11, 15; the province's resolution sets the amount);
//! - a criminal record certificate costs 200,000 VND per person and 5,000 VND per certificate from
//!   the third one asked for at once (Circular 244/2016/TT-BTC, as amended);
//! - certified copies cost 2,000 VND a page for pages 1–2 and 1,000 VND a page from page 3, per
//!   copy (Circular 226/2016/TT-BTC Art. 4).
//!
//! The channel and the day pick the amount (`FeeLine::amount_for`): provinces cut online fees for
//! a time (e.g. Hải Phòng's NQ 23/2026/NQ-HĐND), and a line outside its validity window is not
//! charged.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalogue::{Channel, CollectionPoint, FeeLine, Procedure};

/// When a line applies (or is waived), read from the form's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeCondition {
    /// The form field whose answer decides.
    pub field: String,
    /// The answer is one of these values (a choice, or a number written as text).
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "in")]
    pub one_of: Vec<String>,
    /// The answer is a date at most this many days before the day of submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
    /// The answer is a date more than this many days before the day of submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_days: Option<u32>,
    /// The answer is a birth date of someone at least this old on the day of submission (whole
    /// years, by birthday: the elderly from 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_at_least: Option<u32>,
    /// The answer is a birth date of someone younger than this (children: under 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_under: Option<u32>,
    /// The answer is a number greater than this (a value band's lower end, exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<i64>,
    /// The answer is a number not greater than this (a value band's upper end, inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_more_than: Option<i64>,
}

impl FeeCondition {
    /// Whether the answers meet the condition on `on`. A missing or unreadable answer meets none.
    pub fn holds(&self, form: &Map<String, Value>, on: NaiveDate) -> bool {
        let Some(v) = form.get(&self.field) else {
            return false;
        };
        let text = match v {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return false,
        };
        if !self.one_of.is_empty() && !self.one_of.contains(&text) {
            return false;
        }
        if self.more_than.is_some() || self.not_more_than.is_some() {
            let Ok(n) = text.parse::<f64>() else {
                return false;
            };
            if self.more_than.is_some_and(|m| n <= m as f64)
                || self.not_more_than.is_some_and(|m| n > m as f64)
            {
                return false;
            }
        }
        if self.age_at_least.is_some() || self.age_under.is_some() {
            let Some(age) = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .ok()
                .and_then(|born| on.years_since(born))
            else {
                return false;
            };
            if self.age_at_least.is_some_and(|a| age < a)
                || self.age_under.is_some_and(|a| age >= a)
            {
                return false;
            }
        }
        if self.within_days.is_some() || self.after_days.is_some() {
            let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") else {
                return false;
            };
            let age = on.signed_duration_since(date);
            if let Some(d) = self.within_days
                && age > Duration::days(i64::from(d))
            {
                return false;
            }
            if let Some(d) = self.after_days
                && age <= Duration::days(i64::from(d))
            {
                return false;
            }
        }
        true
    }

    /// The form fields this condition reads.
    pub fn fields(&self) -> Vec<&str> {
        vec![self.field.as_str()]
    }
}

/// How many units of a line are charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeQuantity {
    /// A number field of the form.
    pub field: String,
    /// Only units above this count ("from the third certificate": beyond 2).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub beyond: u32,
    /// At most this many units count ("pages 1–2": at most 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u32>,
    /// Multiplied by this number field (pages × copies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn number(form: &Map<String, Value>, field: &str) -> u32 {
    match form.get(field) {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.floor() as u64))
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

impl FeeQuantity {
    pub fn units(&self, form: &Map<String, Value>) -> u32 {
        let n = number(form, &self.field).saturating_sub(self.beyond);
        let n = self.at_most.map_or(n, |m| n.min(m));
        match &self.times {
            Some(f) => n.saturating_mul(number(form, f)),
            None => n,
        }
    }

    pub fn fields(&self) -> Vec<&str> {
        let mut f = vec![self.field.as_str()];
        f.extend(self.times.as_deref());
        f
    }
}

/// One condition, or several that must all (`{"all": […]}`) or any (`{"any": […]}`) hold: an
/// area *and* a value band, children *or* the elderly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Conditions {
    All { all: Vec<FeeCondition> },
    Any { any: Vec<FeeCondition> },
    One(FeeCondition),
}

impl Conditions {
    pub fn holds(&self, form: &Map<String, Value>, on: NaiveDate) -> bool {
        match self {
            Conditions::One(c) => c.holds(form, on),
            Conditions::All { all } => all.iter().all(|c| c.holds(form, on)),
            Conditions::Any { any } => any.iter().any(|c| c.holds(form, on)),
        }
    }

    pub fn each(&self) -> Vec<&FeeCondition> {
        match self {
            Conditions::One(c) => vec![c],
            Conditions::All { all: v } | Conditions::Any { any: v } => v.iter().collect(),
        }
    }
}

/// The rules of a fee line; all empty means "always, one unit".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRule {
    /// The line applies only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Conditions>,
    /// The line does not apply when this holds (a blank answer then leaves it applying).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<Conditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<FeeQuantity>,
    /// The line applies but is waived for this applicant (shown at 0 with why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt_when: Option<Conditions>,
}

impl FeeRule {
    pub fn is_empty(&self) -> bool {
        self.when.is_none()
            && self.unless.is_none()
            && self.per.is_none()
            && self.exempt_when.is_none()
    }

    /// Every condition of the rule.
    pub fn conditions(&self) -> Vec<&FeeCondition> {
        [&self.when, &self.unless, &self.exempt_when]
            .into_iter()
            .flatten()
            .flat_map(Conditions::each)
            .collect()
    }

    /// Every form field the rule reads (checked against the form when the catalogue is imported).
    pub fn fields(&self) -> Vec<&str> {
        let mut f: Vec<&str> = self
            .conditions()
            .into_iter()
            .flat_map(FeeCondition::fields)
            .collect();
        if let Some(q) = &self.per {
            f.extend(q.fields());
        }
        f
    }
}

/// One charged line of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedLine {
    /// The line's index in the procedure version's fee lines.
    pub index: usize,
    pub name: String,
    /// The line's name in English, when the catalogue has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub unit_vnd: i64,
    pub quantity: u32,
    pub amount_vnd: i64,
    pub collected_at: CollectionPoint,
    /// Waived for this applicant (the line is shown with 0 and why).
    pub exempt: bool,
}

/// What an application costs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeeQuote {
    pub lines: Vec<QuotedLine>,
    pub total_vnd: i64,
}

impl FeeQuote {
    /// Nothing to pay: the application is free and skips payment.
    pub fn is_free(&self) -> bool {
        self.total_vnd == 0
    }

    /// The total of the lines collected at one point (at receipt, on supplementation, at return).
    pub fn due_at(&self, point: CollectionPoint) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.collected_at == point)
            .map(|l| l.amount_vnd)
            .sum()
    }
}

/// The fee of one line for this application, if the line applies.
pub fn quote_line(
    index: usize,
    line: &FeeLine,
    channel: Channel,
    on: NaiveDate,
    form: &Map<String, Value>,
) -> Option<QuotedLine> {
    let unit = line.amount_for(channel, on)?;
    if let Some(c) = &line.rule.when
        && !c.holds(form, on)
    {
        return None;
    }
    if let Some(c) = &line.rule.unless
        && c.holds(form, on)
    {
        return None;
    }
    let quantity = line.rule.per.as_ref().map_or(1, |q| q.units(form));
    if quantity == 0 {
        return None;
    }
    let exempt = line
        .rule
        .exempt_when
        .as_ref()
        .is_some_and(|c| c.holds(form, on));
    let amount = if exempt {
        0
    } else {
        unit.saturating_mul(i64::from(quantity))
    };
    Some(QuotedLine {
        index,
        name: line.name.clone(),
        name_en: line.name_en.clone(),
        unit_vnd: unit,
        quantity,
        amount_vnd: amount,
        collected_at: line.collected_at,
        exempt,
    })
}

/// What this application costs: every applicable line of the pinned procedure version with its
/// quantity and amount, and the total. Lines without an amount for the channel (e.g. only at a
/// mission abroad) are not charged here.
pub fn quote(
    procedure: &Procedure,
    channel: Channel,
    on: NaiveDate,
    form: &Map<String, Value>,
) -> FeeQuote {
    let lines: Vec<QuotedLine> = procedure
        .fees
        .iter()
        .enumerate()
        .filter_map(|(i, l)| quote_line(i, l, channel, on, form))
        .collect();
    let total_vnd = lines.iter().map(|l| l.amount_vnd).sum();
    FeeQuote { lines, total_vnd }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn cond(v: Value) -> FeeCondition {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_date_within_the_window_counts_from_the_day_of_submission() {
        // Civil Status Law Art. 15: the birth is registered within 60 days.
        let on_time = cond(json!({ "field": "ngay_sinh", "within_days": 60 }));
        let late = cond(json!({ "field": "ngay_sinh", "after_days": 60 }));
        let on = day("2026-12-31");
        for (born, timely) in [
            ("2026-12-31", true),
            ("2026-11-01", true),  // 60 days
            ("2026-10-31", false), // 61 days
            ("2020-01-01", false),
        ] {
            let f = form(json!({ "ngay_sinh": born }));
            assert_eq!(on_time.holds(&f, on), timely, "{born}");
            assert_eq!(late.holds(&f, on), !timely, "{born}");
        }
        // No date, or not a date: neither.
        for f in [
            json!({}),
            json!({ "ngay_sinh": "hôm qua" }),
            json!({ "ngay_sinh": null }),
        ] {
            assert!(!on_time.holds(&form(f.clone()), on) && !late.holds(&form(f), on));
        }
    }

    #[test]
    fn choices_and_numbers_match_as_text() {
        let c = cond(json!({ "field": "loai_yeu_cau", "in": ["cap_doi", "cap_lai"] }));
        let on = day("2026-12-01");
        assert!(c.holds(&form(json!({ "loai_yeu_cau": "cap_doi" })), on));
        assert!(!c.holds(&form(json!({ "loai_yeu_cau": "cap_moi" })), on));
        let n = cond(json!({ "field": "so_luong", "in": ["1"] }));
        assert!(n.holds(&form(json!({ "so_luong": 1 })), on));
        assert!(n.holds(&form(json!({ "so_luong": " 1 " })), on));
        // Unknown keys in a rule are a catalogue error, not silently ignored.
        assert!(
            serde_json::from_value::<FeeCondition>(json!({ "field": "x", "equals": "y" })).is_err()
        );
    }

    #[test]
    fn value_bands_include_their_upper_end() {
        // "≤ 15 million", "> 15 to 40 million", "> 40 million" (Circular 60/2023/TT-BTC).
        let low = cond(json!({ "field": "gia_tri_xe", "not_more_than": 15_000_000 }));
        let mid = cond(
            json!({ "field": "gia_tri_xe", "more_than": 15_000_000, "not_more_than": 40_000_000 }),
        );
        let high = cond(json!({ "field": "gia_tri_xe", "more_than": 40_000_000 }));
        let on = day("2026-12-01");
        for (v, expect) in [
            (0, [true, false, false]),
            (15_000_000, [true, false, false]),
            (15_000_001, [false, true, false]),
            (40_000_000, [false, true, false]),
            (40_000_001, [false, false, true]),
        ] {
            let f = form(json!({ "gia_tri_xe": v }));
            assert_eq!(
                [low.holds(&f, on), mid.holds(&f, on), high.holds(&f, on)],
                expect,
                "{v}"
            );
        }
        assert!(!low.holds(&form(json!({ "gia_tri_xe": "rẻ" })), on));
    }

    #[test]
    fn conditions_combine_all_any_and_unless() {
        let rule: FeeRule = serde_json::from_value(json!({
            "when": { "all": [
                { "field": "khu_vuc", "in": ["II"] },
                { "field": "gia_tri_xe", "more_than": 15_000_000, "not_more_than": 40_000_000 }
            ] },
            "unless": { "field": "bien_so", "in": ["dau_gia"] },
            "exempt_when": { "any": [
                { "field": "ngay_sinh", "within_days": 5843 },
                { "field": "ngay_sinh", "after_days": 21914 }
            ] }
        }))
        .unwrap();
        let on = day("2026-12-01");
        let holds = |v: Value| rule.when.as_ref().unwrap().holds(&form(v), on);
        assert!(holds(json!({ "khu_vuc": "II", "gia_tri_xe": 20_000_000 })));
        assert!(!holds(json!({ "khu_vuc": "I", "gia_tri_xe": 20_000_000 })));
        assert!(!holds(json!({ "khu_vuc": "II", "gia_tri_xe": 50_000_000 })));
        assert!(
            rule.unless
                .as_ref()
                .unwrap()
                .holds(&form(json!({ "bien_so": "dau_gia" })), on)
        );
        let exempt = rule.exempt_when.as_ref().unwrap();
        assert!(exempt.holds(&form(json!({ "ngay_sinh": "2020-01-01" })), on));
        assert!(exempt.holds(&form(json!({ "ngay_sinh": "1950-01-01" })), on));
        assert!(!exempt.holds(&form(json!({ "ngay_sinh": "1990-01-01" })), on));
        assert_eq!(rule.fields().len(), 5);
        // A list under an unknown key is no condition at all.
        assert!(serde_json::from_value::<Conditions>(json!({ "some": [] })).is_err());
    }

    #[test]
    fn ages_count_whole_years_by_birthday_across_leap_years() {
        let elderly = cond(json!({ "field": "ngay_sinh", "age_at_least": 60 }));
        let child = cond(json!({ "field": "ngay_sinh", "age_under": 16 }));
        let on = day("2026-11-23");
        for (born, old, young) in [
            ("1966-11-23", true, false),
            ("1966-11-24", false, false),
            ("2010-11-24", false, true),
            ("2010-11-23", false, false),
            ("2026-11-23", false, true),
            // Born on 29 February: a year older on 1 March in common years.
            ("2008-02-29", false, false),
        ] {
            let f = form(json!({ "ngay_sinh": born }));
            assert_eq!(elderly.holds(&f, on), old, "{born}");
            assert_eq!(child.holds(&f, on), young, "{born}");
        }
        let leap = cond(json!({ "field": "ngay_sinh", "age_at_least": 18 }));
        let f = form(json!({ "ngay_sinh": "2008-02-29" }));
        assert!(!leap.holds(&f, day("2026-02-28")));
        assert!(leap.holds(&f, day("2026-03-01")));
        // Not born yet, or no date: neither.
        assert!(!child.holds(&form(json!({ "ngay_sinh": "2027-01-01" })), on));
        assert!(!child.holds(&form(json!({})), on));
    }

    #[test]
    fn quantities_count_beyond_a_threshold_up_to_a_ceiling_times_copies() {
        let q: FeeQuantity =
            serde_json::from_value(json!({ "field": "so_luong", "beyond": 2 })).unwrap();
        for (n, units) in [(0, 0), (1, 0), (2, 0), (3, 1), (10, 8)] {
            assert_eq!(q.units(&form(json!({ "so_luong": n }))), units, "{n}");
        }
        let first_pages: FeeQuantity =
            serde_json::from_value(json!({ "field": "so_trang", "at_most": 2, "times": "so_ban" }))
                .unwrap();
        let later_pages: FeeQuantity =
            serde_json::from_value(json!({ "field": "so_trang", "beyond": 2, "times": "so_ban" }))
                .unwrap();
        let f = form(json!({ "so_trang": 5, "so_ban": 3 }));
        assert_eq!((first_pages.units(&f), later_pages.units(&f)), (6, 9));
        let f = form(json!({ "so_trang": 1, "so_ban": 2 }));
        assert_eq!((first_pages.units(&f), later_pages.units(&f)), (2, 0));
        // Nonsense answers charge nothing rather than something made up.
        assert_eq!(q.units(&form(json!({ "so_luong": -4 }))), 0);
        assert_eq!(q.units(&form(json!({ "so_luong": "ba" }))), 0);
    }
}
