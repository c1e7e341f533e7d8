//! Opening hours of a receiving point (SPEC §2): the times the one-stop desk takes dossiers at
//! the counter, per weekday. Edited as text the way Vietnamese notices print them —
//! `T2-T6: 07:30-11:30, 13:00-17:00; T7: 07:30-11:30` — and stored as JSON keyed by day groups
//! (`{"mon-fri": [["07:30","11:30"], ["13:00","17:00"]], "sat": [["07:30","11:30"]]}`).
//! Days are Monday (T2) to Sunday (CN); within a day the ranges must be in order and must not
//! overlap; a day may appear once.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use serde_json::{Map, Value};

const DAYS_VI: [&str; 7] = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
const DAYS_EN: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One day's opening ranges, in order.
type Ranges = Vec<(NaiveTime, NaiveTime)>;
/// Days sharing the same ranges.
type Group = (Vec<usize>, Ranges);
/// A run of consecutive days (first, last) with the same ranges.
type Run<'a> = (usize, usize, &'a Ranges);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    /// Weekday (0 = Monday) → its ranges, in order.
    days: BTreeMap<usize, Ranges>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("unknown day {0:?} (T2…T7, CN)")]
    UnknownDay(String),
    #[error("bad time range {0:?} (HH:MM-HH:MM)")]
    BadRange(String),
    #[error("ranges of {0} overlap or are out of order")]
    Overlap(String),
    #[error("{0} is given twice")]
    Repeated(String),
    #[error("no opening hours")]
    Empty,
}

impl HoursError {
    /// The message in Vietnamese, for the administrator's form.
    pub fn message_vi(&self) -> String {
        match self {
            Self::UnknownDay(d) => format!("Không hiểu ngày \u{201c}{d}\u{201d} (dùng T2…T7, CN)."),
            Self::BadRange(r) => {
                format!("Khoảng giờ \u{201c}{r}\u{201d} không đúng dạng HH:MM-HH:MM.")
            }
            Self::Overlap(d) => format!("Các khoảng giờ của {d} chồng nhau hoặc sai thứ tự."),
            Self::Repeated(d) => format!("{d} được ghi hai lần."),
            Self::Empty => "Chưa có giờ làm việc.".into(),
        }
    }
}

fn day_index(s: &str) -> Result<usize, HoursError> {
    let s = s.trim();
    DAYS_VI
        .iter()
        .position(|d| d.eq_ignore_ascii_case(s))
        .or_else(|| DAYS_EN.iter().position(|d| d.eq_ignore_ascii_case(s)))
        .ok_or_else(|| HoursError::UnknownDay(s.to_owned()))
}

/// `T2-T6`, `T7`, `T2,T4`, `mon-fri` → weekday indexes.
fn days_of(spec: &str) -> Result<Vec<usize>, HoursError> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day_index(a)?, day_index(b)?);
                if a > b {
                    return Err(HoursError::UnknownDay(part.trim().to_owned()));
                }
                out.extend(a..=b);
            }
            None => out.push(day_index(part)?),
        }
    }
    Ok(out)
}

fn time(s: &str, whole: &str) -> Result<NaiveTime, HoursError> {
    let s = s.trim();
    if s == "24:00" {
        return NaiveTime::from_hms_opt(23, 59, 59)
            .ok_or_else(|| HoursError::BadRange(whole.into()));
    }
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| HoursError::BadRange(whole.trim().into()))
}

fn range(s: &str) -> Result<(NaiveTime, NaiveTime), HoursError> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| HoursError::BadRange(s.trim().into()))?;
    Ok((time(a, s)?, time(b, s)?))
}

impl OpeningHours {
    fn build(groups: Vec<Group>) -> Result<Self, HoursError> {
        let mut days = BTreeMap::new();
        for (ds, ranges) in groups {
            let ok = ranges.iter().all(|(a, b)| a < b)
                && ranges.windows(2).all(|w| matches!(w, [x, y] if x.1 <= y.0));
            for d in ds {
                let name = DAYS_VI[d].to_owned();
                if !ok {
                    return Err(HoursError::Overlap(name));
                }
                if days.insert(d, ranges.clone()).is_some() {
                    return Err(HoursError::Repeated(name));
                }
            }
        }
        if days.is_empty() {
            return Err(HoursError::Empty);
        }
        Ok(Self { days })
    }

    /// `T2-T6: 07:30-11:30, 13:00-17:00; T7: 07:30-11:30`
    pub fn parse_text(text: &str) -> Result<Self, HoursError> {
        let mut groups = Vec::new();
        for group in text.split(';').map(str::trim).filter(|g| !g.is_empty()) {
            let (days, ranges) = group
                .split_once(':')
                .ok_or_else(|| HoursError::BadRange(group.to_owned()))?;
            let ranges = ranges
                .split(',')
                .map(range)
                .collect::<Result<Vec<_>, _>>()?;
            groups.push((days_of(days)?, ranges));
        }
        Self::build(groups)
    }

    /// The stored JSON form.
    pub fn from_json(json: &str) -> Result<Self, HoursError> {
        let v: Map<String, Value> =
            serde_json::from_str(json).map_err(|_| HoursError::BadRange(json.to_owned()))?;
        let mut groups = Vec::new();
        for (days, ranges) in v {
            let ranges = ranges
                .as_array()
                .ok_or_else(|| HoursError::BadRange(days.clone()))?
                .iter()
                .map(|r| match r.as_array().map(Vec::as_slice) {
                    Some([Value::String(a), Value::String(b)]) => range(&format!("{a}-{b}")),
                    _ => Err(HoursError::BadRange(r.to_string())),
                })
                .collect::<Result<Vec<_>, _>>()?;
            groups.push((days_of(&days)?, ranges));
        }
        Self::build(groups)
    }

    /// Consecutive days with the same ranges, as (first, last, ranges).
    fn runs(&self) -> Vec<Run<'_>> {
        let mut runs: Vec<Run<'_>> = Vec::new();
        for (d, r) in &self.days {
            match runs.last_mut() {
                Some(last) if last.1 + 1 == *d && last.2 == r => last.1 = *d,
                _ => runs.push((*d, *d, r)),
            }
        }
        runs
    }

    fn ranges_text(r: &[(NaiveTime, NaiveTime)], sep: &str) -> String {
        r.iter()
            .map(|(a, b)| format!("{}{sep}{}", a.format("%H:%M"), b.format("%H:%M")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn to_text(&self) -> String {
        self.text_with(&DAYS_VI, "-")
    }

    /// For English readers: "Mon–Fri: 07:30–11:30, 13:00–17:00".
    pub fn to_text_en(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        self.text_with(&DAYS, "–")
    }

    fn text_with(&self, days: &[&str; 7], dash: &str) -> String {
        self.runs()
            .into_iter()
            .map(|(a, b, r)| {
                let span = if a == b {
                    days[a].to_owned()
                } else {
                    format!("{}{dash}{}", days[a], days[b])
                };
                format!("{span}: {}", Self::ranges_text(r, dash))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        for (a, b, r) in self.runs() {
            let key = if a == b {
                DAYS_EN[a].to_owned()
            } else {
                format!("{}-{}", DAYS_EN[a], DAYS_EN[b])
            };
            let ranges: Vec<Value> = r
                .iter()
                .map(|(x, y)| {
                    Value::Array(vec![
                        Value::String(x.format("%H:%M").to_string()),
                        Value::String(y.format("%H:%M").to_string()),
                    ])
                })
                .collect();
            m.insert(key, Value::Array(ranges));
        }
        Value::Object(m).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_round_trip_and_group_consecutive_days() {
        let h = OpeningHours::parse_text("T2-T6: 07:30-11:30, 13:00-17:00; T7: 07:30-11:30")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            h.to_text(),
            "T2-T6: 07:30-11:30, 13:00-17:00; T7: 07:30-11:30"
        );
        let json = h.to_json();
        assert_eq!(OpeningHours::from_json(&json), Ok(h.clone()));
        // The seeded default form reads too.
        let seeded = r#"{"mon-fri":[["07:30","11:30"],["13:00","17:00"]]}"#;
        let s = OpeningHours::from_json(seeded).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.to_text(), "T2-T6: 07:30-11:30, 13:00-17:00");
        // Days listed one by one come back grouped.
        let d = OpeningHours::parse_text("T2: 08:00-12:00; T3: 08:00-12:00; T5: 08:00-12:00")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.to_text(), "T2-T3: 08:00-12:00; T5: 08:00-12:00");
        assert_eq!(d.to_text_en(), "Mon–Tue: 08:00–12:00; Thu: 08:00–12:00");
        assert_eq!(s.to_text_en(), "Mon–Fri: 07:30–11:30, 13:00–17:00");
    }

    #[test]
    fn mistakes_are_named() {
        use HoursError::*;
        let p = OpeningHours::parse_text;
        assert!(matches!(p("T8: 07:30-11:30"), Err(UnknownDay(_))));
        assert!(matches!(p("T2: 7h30-11h"), Err(BadRange(_))));
        assert!(matches!(p("T2: 13:00-11:30"), Err(Overlap(_))));
        assert!(matches!(p("T2: 07:30-12:00, 11:00-17:00"), Err(Overlap(_))));
        assert!(matches!(
            p("T2-T6: 07:30-11:30; T6: 13:00-17:00"),
            Err(Repeated(_))
        ));
        assert!(matches!(p("  "), Err(Empty)));
        assert!(matches!(p("T6-T2: 07:30-11:30"), Err(UnknownDay(_))));
        assert!(p("CN: 07:30-11:30").is_ok());
    }
}
