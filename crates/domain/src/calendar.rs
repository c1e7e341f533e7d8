//! Legal time: the working-hours calendar (SPEC §5 "Time").
//!
//! Deadlines of administrative procedures (TTHC) are counted in *working days* (Decree 118/2025/NĐ-CP,
//! which replaced Decrees 61/2018 and 107/2021 from 01/07/2025) and, for the electronic steps, in
//! *working hours*, 8 per working day. This module turns a UTC instant plus an amount of working time
//! into a UTC instant, and measures the working time between two instants.
//!
//! # What a working day is
//!
//! The state administration works a 40-hour week, Monday to Friday (Decision 188/1999/QĐ-TTg). A day
//! is a working day when it is not a weekend day and not a day off of the data, **or** when it is a
//! make-up Saturday (ngày làm bù) decreed to replace a swapped day off. Days off are the public
//! holidays of the Labour Code 2019 Art. 112, the compensatory days of Art. 111(3) (a holiday that
//! falls on a weekend is taken on the next working day), the swapped days (ngày hoán đổi) announced
//! each year by the Prime Minister / Government Office / Ministry of Home Affairs, and Vietnam Culture
//! Day 24/11 from 2026 (Resolution 28/2026/QH16).
//!
//! The dates come from `data/vn-holidays.json` (2025–2027). Tết and Hùng Kings' day follow the lunar
//! calendar and swaps are decided year by year, so they cannot be computed: for a year **not covered
//! by the data** only the weekend and the fixed solar holidays apply (1/1, 30/4, 1/5, 2/9, and 24/11
//! from 2026; see [`WorkingCalendar::is_fixed_statutory_holiday`]). Deadlines in such a year can come
//! out earlier than the legal ones, never later; the data must be extended every year once the
//! official schedule is announced (usually October–December of the previous year).
//! `pending_proposals` of the data are deliberately **not** applied: a proposal is not law.
//!
//! # Working hours
//!
//! Office hours are local periods, by default 07:30–11:30 and 13:00–17:00 (8 hours). Provinces set
//! their own hours, so they are configurable ([`WorkingCalendar::with_office_hours`]). Vietnam has
//! used UTC+07:00 all year, without daylight saving, since 1975: a [`FixedOffset`] is exact, and is
//! configurable too ([`WorkingCalendar::with_offset`]). A period is half-open, `[start, end)`: the
//! instant 11:30 is lunch, not work.
//!
//! All inputs and outputs are `DateTime<Utc>`; sub-minute precision is kept (an amount of working
//! time added to 08:00:30 lands on a `:30`), while [`WorkingCalendar::working_minutes_between`] rounds
//! down to whole minutes.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

/// Legal length of a working day: 8 hours (Decision 188/1999/QĐ-TTg, 40-hour week of 5 days).
pub const MINUTES_PER_WORKING_DAY: i64 = 480;

/// A search that meets this many consecutive non-working days gives up and saturates: no real
/// calendar has ten years without a working day, so the calendar has none at all (e.g. every weekday
/// declared weekend) and looping further would never end.
const MAX_IDLE_DAYS: u32 = 3_660;

/// Upper bound on the calendar days one computation walks (about a century). Legal times are at most
/// a few months; the bound only keeps absurd inputs (e.g. `i64::MAX` minutes) from burning CPU.
const MAX_SCAN_DAYS: u32 = 36_600;

/// The shipped holiday data, compiled in so that the domain crate does no I/O.
const VIETNAM_HOLIDAYS_JSON: &str = include_str!("../../../data/vn-holidays.json");

/// Errors found while loading or configuring a calendar. They describe the data, for the operator
/// who edits the holiday file or the office hours.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("holiday data is not valid JSON for this schema: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{context}: `{value}` is not a date of the form YYYY-MM-DD")]
    BadDate { context: String, value: String },
    #[error("`{0}` is not a time of day of the form HH:MM")]
    BadTime(String),
    #[error("`{0}` is not a weekday (Mon, Tue, ... Sun)")]
    BadWeekday(String),
    #[error("`{0}` is not a year")]
    BadYear(String),
    #[error("time zone `{0}` is not known; give `utc_offset` (e.g. \"+07:00\") as well")]
    UnknownTimezone(String),
    #[error("`{0}` is not a UTC offset of the form +HH:MM")]
    BadOffset(String),
    #[error("office hours must contain at least one period")]
    NoOfficeHours,
    #[error("office period {start}–{end} does not end after it starts")]
    EmptyPeriod { start: NaiveTime, end: NaiveTime },
    #[error("office periods {first_start}–{first_end} and {second_start}–{second_end} overlap")]
    OverlappingPeriods {
        first_start: NaiveTime,
        first_end: NaiveTime,
        second_start: NaiveTime,
        second_end: NaiveTime,
    },
    #[error(
        "office hours add up to {actual_minutes} minutes a day but hours_per_working_day says {declared_hours} hours"
    )]
    HoursMismatch {
        declared_hours: i64,
        actual_minutes: i64,
    },
    #[error("{date} is listed under year {year}")]
    DateOutsideYear { date: NaiveDate, year: i32 },
    #[error("{0} is listed twice")]
    DuplicateDate(NaiveDate),
    #[error("{0} is both a day off and a make-up working day")]
    MakeUpIsDayOff(NaiveDate),
    #[error("{date} is labelled `{label}` but is a {actual}")]
    WeekdayMismatch {
        date: NaiveDate,
        label: String,
        actual: Weekday,
    },
    #[error("{date}: on_weekend={claimed} contradicts the weekend days")]
    OnWeekendMismatch { date: NaiveDate, claimed: bool },
    #[error("{date} cites source `{key}` which is not in `sources`")]
    UnknownSource { date: NaiveDate, key: String },
    #[error("make-up day {date} replaces {replaces}, which is not a day off")]
    ReplacesWorkingDay {
        date: NaiveDate,
        replaces: NaiveDate,
    },
}

/// A day on which the administration does not work, as listed in the data. Weekend days are listed
/// only when a holiday falls on them (they then usually cause a compensatory day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayOff {
    pub date: NaiveDate,
    pub name_vi: String,
    pub name_en: String,
    /// `holiday`, `compensatory` (Labour Code Art. 111(3)) or `swap_day_off` (ngày hoán đổi).
    pub kind: String,
    /// The holiday it belongs to: `new_year`, `tet`, `hung_kings`, `apr30_may1`, `national_day`, ...
    pub occasion: String,
    /// True when the date is computed (lunar calendar, precedent) rather than officially announced.
    pub estimated: bool,
    /// Keys into the data's `sources` (see [`WorkingCalendar::source`]).
    pub sources: Vec<String>,
    pub note: Option<String>,
}

/// A weekend day worked to make up for a swapped day off (ngày làm bù).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MakeUpDay {
    pub date: NaiveDate,
    /// The day off it pays back.
    pub replaces: Option<NaiveDate>,
    pub note: String,
    pub sources: Vec<String>,
}

/// A document cited by the data (law, decree, official notice, or the press report of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub title: String,
    pub url: Option<String>,
    pub kind: Option<String>,
}

/// The calendar of working time: office periods in local time, weekend, days off, make-up days.
///
/// Built once (e.g. [`WorkingCalendar::vietnam`]) and shared read-only.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    offset: FixedOffset,
    /// Sorted, non-empty, non-overlapping `[start, end)` periods of one day.
    periods: Vec<(NaiveTime, NaiveTime)>,
    /// Sum of the periods, cached because the day-skipping loops compare against it.
    day_length: TimeDelta,
    /// Indexed by `Weekday::num_days_from_monday`.
    weekend: [bool; 7],
    days_off: BTreeMap<NaiveDate, DayOff>,
    make_up: BTreeMap<NaiveDate, MakeUpDay>,
    /// Years present in the data, with their `status` (`official`, `statutory_only`, ...).
    years: BTreeMap<i32, String>,
    sources: BTreeMap<String, Source>,
}

// ----- raw JSON schema (private: the public types are the validated ones) -----

#[derive(Deserialize)]
struct RawCalendar {
    timezone: String,
    #[serde(default)]
    utc_offset: Option<String>,
    weekend: Vec<String>,
    office_hours: Vec<[String; 2]>,
    #[serde(default)]
    hours_per_working_day: Option<i64>,
    years: BTreeMap<String, RawYear>,
    #[serde(default)]
    sources: BTreeMap<String, RawSource>,
}

#[derive(Deserialize)]
struct RawYear {
    status: String,
    #[serde(default)]
    days_off: Vec<RawDayOff>,
    #[serde(default)]
    make_up_working_days: Vec<RawMakeUp>,
}

#[derive(Deserialize)]
struct RawDayOff {
    date: String,
    #[serde(default)]
    weekday: Option<String>,
    name_vi: String,
    name_en: String,
    kind: String,
    #[serde(default)]
    occasion: String,
    #[serde(default)]
    on_weekend: Option<bool>,
    #[serde(default)]
    source: Vec<String>,
    #[serde(default)]
    estimated: bool,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawMakeUp {
    date: String,
    #[serde(default)]
    weekday: Option<String>,
    #[serde(default)]
    replaces: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    source: Vec<String>,
}

#[derive(Deserialize)]
struct RawSource {
    title: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

fn parse_date(value: &str, context: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| CalendarError::BadDate {
        context: context.to_owned(),
        value: value.to_owned(),
    })
}

fn parse_time(value: &str) -> Result<NaiveTime, CalendarError> {
    NaiveTime::parse_from_str(value, "%H:%M").map_err(|_| CalendarError::BadTime(value.to_owned()))
}

fn parse_weekday(value: &str) -> Result<Weekday, CalendarError> {
    value
        .parse::<Weekday>()
        .map_err(|_| CalendarError::BadWeekday(value.to_owned()))
}

/// The UTC offset of the data's time zone. Only zones without daylight saving can be represented by
/// a fixed offset, so unknown names must come with an explicit `utc_offset`.
fn parse_offset(timezone: &str, utc_offset: Option<&str>) -> Result<FixedOffset, CalendarError> {
    if let Some(s) = utc_offset {
        return s
            .parse::<FixedOffset>()
            .map_err(|_| CalendarError::BadOffset(s.to_owned()));
    }
    match timezone {
        // Indochina Time, UTC+07:00, no DST. "Asia/Saigon" is the IANA backward-compatible alias.
        "Asia/Ho_Chi_Minh" | "Asia/Saigon" => FixedOffset::east_opt(7 * 3600)
            .ok_or_else(|| CalendarError::UnknownTimezone(timezone.to_owned())),
        other => Err(CalendarError::UnknownTimezone(other.to_owned())),
    }
}

/// Sorts and checks office periods; returns them with their total length.
fn validate_periods(
    periods: &[(NaiveTime, NaiveTime)],
) -> Result<(Vec<(NaiveTime, NaiveTime)>, TimeDelta), CalendarError> {
    if periods.is_empty() {
        return Err(CalendarError::NoOfficeHours);
    }
    let mut sorted = periods.to_vec();
    sorted.sort();
    let mut total = TimeDelta::zero();
    for &(start, end) in &sorted {
        if end <= start {
            return Err(CalendarError::EmptyPeriod { start, end });
        }
        total += end.signed_duration_since(start);
    }
    for pair in sorted.windows(2) {
        if let [(first_start, first_end), (second_start, second_end)] = *pair
            && second_start < first_end
        {
            return Err(CalendarError::OverlappingPeriods {
                first_start,
                first_end,
                second_start,
                second_end,
            });
        }
    }
    Ok((sorted, total))
}

fn check_weekday_label(date: NaiveDate, label: Option<&str>) -> Result<(), CalendarError> {
    if let Some(label) = label {
        let claimed = parse_weekday(label)?;
        if claimed != date.weekday() {
            return Err(CalendarError::WeekdayMismatch {
                date,
                label: label.to_owned(),
                actual: date.weekday(),
            });
        }
    }
    Ok(())
}

impl WorkingCalendar {
    /// The shipped Vietnamese calendar 2025–2027 (`data/vn-holidays.json`).
    pub fn vietnam() -> Result<Self, CalendarError> {
        Self::from_holidays_json(VIETNAM_HOLIDAYS_JSON)
    }

    /// Loads a calendar in the schema of `data/vn-holidays.json`.
    ///
    /// Besides parsing, it checks what a hand-edited file gets wrong: dates filed under the wrong
    /// year, duplicates, a date both off and made up, weekday labels and `on_weekend` flags that
    /// contradict the date, unknown source keys, make-up days replacing a day that is not off.
    pub fn from_holidays_json(json: &str) -> Result<Self, CalendarError> {
        let raw: RawCalendar = serde_json::from_str(json)?;
        let offset = parse_offset(&raw.timezone, raw.utc_offset.as_deref())?;

        let mut weekend = [false; 7];
        for day in &raw.weekend {
            let index = parse_weekday(day)?.num_days_from_monday() as usize;
            if let Some(slot) = weekend.get_mut(index) {
                *slot = true;
            }
        }

        let periods = raw
            .office_hours
            .iter()
            .map(|[start, end]| Ok((parse_time(start)?, parse_time(end)?)))
            .collect::<Result<Vec<_>, CalendarError>>()?;
        let (periods, day_length) = validate_periods(&periods)?;
        if let Some(declared_hours) = raw.hours_per_working_day {
            let actual_minutes = day_length.num_minutes();
            if declared_hours.checked_mul(60) != Some(actual_minutes) {
                return Err(CalendarError::HoursMismatch {
                    declared_hours,
                    actual_minutes,
                });
            }
        }

        let sources: BTreeMap<String, Source> = raw
            .sources
            .into_iter()
            .map(|(key, s)| {
                (
                    key,
                    Source {
                        title: s.title,
                        url: s.url,
                        kind: s.kind,
                    },
                )
            })
            .collect();
        let check_sources = |date: NaiveDate, keys: &[String]| -> Result<(), CalendarError> {
            match keys.iter().find(|k| !sources.contains_key(k.as_str())) {
                Some(key) => Err(CalendarError::UnknownSource {
                    date,
                    key: key.clone(),
                }),
                None => Ok(()),
            }
        };

        let mut years = BTreeMap::new();
        let mut days_off = BTreeMap::new();
        let mut make_up = BTreeMap::new();
        for (year_key, raw_year) in raw.years {
            let year: i32 = year_key
                .trim()
                .parse()
                .map_err(|_| CalendarError::BadYear(year_key.clone()))?;
            for d in raw_year.days_off {
                let date = parse_date(&d.date, &format!("days_off of {year}"))?;
                if date.year() != year {
                    return Err(CalendarError::DateOutsideYear { date, year });
                }
                check_weekday_label(date, d.weekday.as_deref())?;
                if let Some(claimed) = d.on_weekend
                    && claimed != weekend[date.weekday().num_days_from_monday() as usize]
                {
                    return Err(CalendarError::OnWeekendMismatch { date, claimed });
                }
                check_sources(date, &d.source)?;
                let day = DayOff {
                    date,
                    name_vi: d.name_vi,
                    name_en: d.name_en,
                    kind: d.kind,
                    occasion: d.occasion,
                    estimated: d.estimated,
                    sources: d.source,
                    note: d.note,
                };
                if days_off.insert(date, day).is_some() {
                    return Err(CalendarError::DuplicateDate(date));
                }
            }
            for m in raw_year.make_up_working_days {
                let date = parse_date(&m.date, &format!("make_up_working_days of {year}"))?;
                if date.year() != year {
                    return Err(CalendarError::DateOutsideYear { date, year });
                }
                check_weekday_label(date, m.weekday.as_deref())?;
                check_sources(date, &m.source)?;
                let replaces = m
                    .replaces
                    .as_deref()
                    .map(|r| parse_date(r, &format!("make-up day {date} replaces")))
                    .transpose()?;
                let day = MakeUpDay {
                    date,
                    replaces,
                    note: m.note,
                    sources: m.source,
                };
                if make_up.insert(date, day).is_some() {
                    return Err(CalendarError::DuplicateDate(date));
                }
            }
            years.insert(year, raw_year.status);
        }
        // Cross-year checks once everything is loaded (a make-up Saturday in late December may
        // pay back a day off in January).
        for (date, day) in &make_up {
            if days_off.contains_key(date) {
                return Err(CalendarError::MakeUpIsDayOff(*date));
            }
            if let Some(replaces) = day.replaces
                && !days_off.contains_key(&replaces)
            {
                return Err(CalendarError::ReplacesWorkingDay {
                    date: *date,
                    replaces,
                });
            }
        }

        Ok(Self {
            offset,
            periods,
            day_length,
            weekend,
            days_off,
            make_up,
            years,
            sources,
        })
    }

    /// The same calendar in another fixed UTC offset (local office hours are kept as local times).
    #[must_use]
    pub fn with_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// The same calendar with other local office hours, e.g. a province that opens at 08:00.
    /// Periods may be given in any order; they must not be empty or overlap.
    pub fn with_office_hours(
        mut self,
        periods: &[(NaiveTime, NaiveTime)],
    ) -> Result<Self, CalendarError> {
        let (periods, day_length) = validate_periods(periods)?;
        self.periods = periods;
        self.day_length = day_length;
        Ok(self)
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// The office periods of a working day, sorted, as local `[start, end)` times.
    pub fn office_periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.periods
    }

    /// The instant the office closes on `date` (17:00 local by default): a due date given as a
    /// day, as on an apology letter's new date, means the end of that day's office hours.
    pub fn close_of(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let end = self.periods.last()?.1;
        date.and_time(end)
            .and_local_timezone(self.offset)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Working minutes in one working day with the configured office hours (480 by default).
    pub fn minutes_per_day(&self) -> i64 {
        self.day_length.num_minutes()
    }

    /// Whether the data covers the year of `date`. Outside it, [`Self::is_working_day`] knows only the
    /// weekend and the fixed solar holidays (see the module documentation).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// The `status` of a covered year in the data: `official` when announced, `statutory_only` when
    /// derived from the law and the lunar calendar (some dates then carry `estimated`).
    pub fn year_status(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(String::as_str)
    }

    /// The fixed-date public holidays of Labour Code 2019 Art. 112(1) (a) New Year 1/1, (c) 30/4,
    /// (d) 1/5, (đ) National Day 2/9, plus Vietnam Culture Day 24/11 from 2026 (Resolution
    /// 28/2026/QH16, in force 01/07/2026). Used only for years the data does not cover: the second
    /// National Day, Tết, Hùng Kings' day, compensatory days and swaps need the yearly announcement.
    pub fn is_fixed_statutory_holiday(date: NaiveDate) -> bool {
        matches!(
            (date.month(), date.day()),
            (1, 1) | (4, 30) | (5, 1) | (9, 2)
        ) || ((date.month(), date.day()) == (11, 24) && date.year() >= 2026)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        // A make-up day is worked even though it is a weekend day (counting rule of the data).
        if self.make_up.contains_key(&date) {
            return true;
        }
        if self.weekend[date.weekday().num_days_from_monday() as usize] {
            return false;
        }
        if self.covers(date) {
            !self.days_off.contains_key(&date)
        } else {
            !Self::is_fixed_statutory_holiday(date)
        }
    }

    /// The day off listed in the data for `date` (including holidays that fall on a weekend).
    /// Always `None` outside covered years, even on a fixed statutory holiday.
    pub fn day_off(&self, date: NaiveDate) -> Option<&DayOff> {
        self.days_off.get(&date)
    }

    /// The make-up working day listed in the data for `date`.
    pub fn make_up_day(&self, date: NaiveDate) -> Option<&MakeUpDay> {
        self.make_up.get(&date)
    }

    /// The days off listed for `year`, in date order (empty for a year the data does not cover).
    pub fn days_off_in(&self, year: i32) -> Vec<&DayOff> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Vec::new();
        };
        self.days_off.range(first..=last).map(|(_, d)| d).collect()
    }

    /// A document cited by a day off or a make-up day.
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.sources.get(key)
    }

    /// Inside `[start, end)` of an office period on a working day.
    pub fn is_working_instant(&self, t: DateTime<Utc>) -> bool {
        let Some(local) = self.to_local(t) else {
            return false;
        };
        let time = local.time();
        self.is_working_day(local.date())
            && self
                .periods
                .iter()
                .any(|&(start, end)| start <= time && time < end)
    }

    /// Online dossiers submitted outside working hours count from the next working hour (SPEC §5):
    /// `t` itself if it is a working instant, else the start of the next office period.
    pub fn next_working_instant(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.forward(t, TimeDelta::zero())
    }

    /// `t` plus `minutes` of working time.
    ///
    /// * `minutes == 0` returns [`Self::next_working_instant`]`(t)`.
    /// * `minutes > 0` counts from the next working instant; landing exactly on the end of a period
    ///   returns that end (8 hours from Monday 07:30 is Monday 17:00, not Tuesday 07:30), so the
    ///   result is the earliest instant by which that much working time has elapsed.
    /// * `minutes < 0` counts backwards and returns the latest instant `s` with
    ///   `working_minutes_between(s, t) == -minutes` (a working instant, possibly a period start).
    ///
    /// Whole working days are skipped at once. If no working time is found (a calendar without
    /// working days) or the amount exceeds about a century, the search stops and the result
    /// saturates at the local midnight where it stopped.
    pub fn add_working_minutes(&self, t: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let amount = TimeDelta::try_minutes(minutes.saturating_abs()).unwrap_or(TimeDelta::MAX);
        if minutes >= 0 {
            self.forward(t, amount)
        } else {
            self.backward(t, amount)
        }
    }

    /// Working minutes in `[a, b)`, rounded down; 0 if `b <= a`.
    pub fn working_minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.working_time_between(a, b).num_minutes()
    }

    /// Working time in `[a, b)` with full precision; zero if `b <= a`. It walks the calendar days
    /// between `a` and `b`, so it costs one step per day of the interval.
    pub fn working_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        if b <= a {
            return total;
        }
        let (Some(from), Some(until)) = (self.to_local(a), self.to_local(b)) else {
            return total;
        };
        let mut date = from.date();
        while date <= until.date() {
            if self.is_working_day(date) {
                for &(start, end) in &self.periods {
                    let lo = date.and_time(start).max(from);
                    let hi = date.and_time(end).min(until);
                    if hi > lo {
                        total += hi.signed_duration_since(lo);
                    }
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    /// The limit of 8 working hours to receive, or send back for completion, a dossier submitted
    /// online (Decree 45/2020/NĐ-CP on administrative procedures in the electronic environment;
    /// SPEC §5), counted from the next working instant. It is the legal 8 hours
    /// ([`MINUTES_PER_WORKING_DAY`]) whatever the configured office hours.
    pub fn receipt_deadline(&self, submitted_at: DateTime<Utc>) -> DateTime<Utc> {
        self.add_working_minutes(submitted_at, MINUTES_PER_WORKING_DAY)
    }

    // ----- internals -----

    /// Local wall-clock time of `t`; `None` only at the very ends of chrono's range.
    fn to_local(&self, t: DateTime<Utc>) -> Option<NaiveDateTime> {
        t.naive_utc().checked_add_offset(self.offset)
    }

    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        // Fails only at the very ends of chrono's range, where being off by the offset is harmless.
        local
            .checked_sub_offset(self.offset)
            .unwrap_or(local)
            .and_utc()
    }

    /// The answer when a search gives up: local midnight of the day it stopped at.
    fn saturated(&self, date: NaiveDate) -> DateTime<Utc> {
        self.to_utc(date.and_time(NaiveTime::MIN))
    }

    /// Consumes `remaining` working time from `t` forwards; with zero, finds the next working instant.
    fn forward(&self, t: DateTime<Utc>, mut remaining: TimeDelta) -> DateTime<Utc> {
        let Some(local) = self.to_local(t) else {
            return t;
        };
        let mut date = local.date();
        // Only the first day is partial; later days start at their first period.
        let mut from_time = Some(local.time());
        let mut idle_days = 0u32;
        for _ in 0..MAX_SCAN_DAYS {
            if self.is_working_day(date) {
                idle_days = 0;
                if from_time.is_none() && remaining > self.day_length {
                    remaining -= self.day_length;
                } else {
                    for &(start, end) in &self.periods {
                        let begin = match from_time {
                            Some(time) if time >= end => continue,
                            Some(time) if time > start => time,
                            _ => start,
                        };
                        let available = end.signed_duration_since(begin);
                        // `<=`: finishing exactly at the end of a period stays on that end.
                        if remaining <= available {
                            let landing = date.and_time(begin).checked_add_signed(remaining);
                            return landing.map_or(DateTime::<Utc>::MAX_UTC, |l| self.to_utc(l));
                        }
                        remaining -= available;
                    }
                }
            } else {
                idle_days += 1;
                if idle_days > MAX_IDLE_DAYS {
                    return self.saturated(date);
                }
            }
            from_time = None;
            match date.succ_opt() {
                Some(next) => date = next,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
        self.saturated(date)
    }

    /// Consumes `remaining` (> 0) working time from `t` backwards.
    fn backward(&self, t: DateTime<Utc>, mut remaining: TimeDelta) -> DateTime<Utc> {
        let Some(local) = self.to_local(t) else {
            return t;
        };
        let mut date = local.date();
        let mut until_time = Some(local.time());
        let mut idle_days = 0u32;
        for _ in 0..MAX_SCAN_DAYS {
            if self.is_working_day(date) {
                idle_days = 0;
                if until_time.is_none() && remaining > self.day_length {
                    remaining -= self.day_length;
                } else {
                    for &(start, end) in self.periods.iter().rev() {
                        let finish = match until_time {
                            Some(time) if time <= start => continue,
                            Some(time) if time < end => time,
                            _ => end,
                        };
                        let available = finish.signed_duration_since(start);
                        if remaining <= available {
                            let landing = date.and_time(finish).checked_sub_signed(remaining);
                            return landing.map_or(DateTime::<Utc>::MIN_UTC, |l| self.to_utc(l));
                        }
                        remaining -= available;
                    }
                }
            } else {
                idle_days += 1;
                if idle_days > MAX_IDLE_DAYS {
                    return self.saturated(date);
                }
            }
            until_time = None;
            match date.pred_opt() {
                Some(previous) => date = previous,
                None => return DateTime::<Utc>::MIN_UTC,
            }
        }
        self.saturated(date)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::LazyLock;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    static VN: LazyLock<WorkingCalendar> =
        LazyLock::new(|| WorkingCalendar::vietnam().expect("shipped data loads"));

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An instant given in Vietnamese local time (UTC+07:00).
    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// A minimal calendar in the data's schema, for loader and degenerate-calendar tests.
    fn json_with(weekend: &str, office_hours: &str, years: &str) -> String {
        format!(
            r#"{{"timezone":"Asia/Ho_Chi_Minh","weekend":{weekend},"office_hours":{office_hours},
                "years":{years},"sources":{{"LAW":{{"title":"Law"}}}}}}"#
        )
    }

    #[test]
    fn a_day_given_as_a_date_ends_when_the_office_closes() {
        assert_eq!(
            VN.close_of(date(2026, 12, 4)),
            Some(local(2026, 12, 4, 17, 0))
        );
        let morning_only = WorkingCalendar::vietnam()
            .unwrap()
            .with_office_hours(&[(hm(8, 0), hm(12, 0))])
            .unwrap();
        assert_eq!(
            morning_only.close_of(date(2026, 12, 4)),
            Some(local(2026, 12, 4, 12, 0))
        );
    }

    #[test]
    fn calendar_loads_shipped_data() {
        let cal = &*VN;
        assert_eq!(cal.offset(), FixedOffset::east_opt(7 * 3600).unwrap());
        assert_eq!(
            cal.office_periods(),
            &[(hm(7, 30), hm(11, 30)), (hm(13, 0), hm(17, 0))]
        );
        assert_eq!(cal.minutes_per_day(), MINUTES_PER_WORKING_DAY);
        assert_eq!(cal.year_status(2025), Some("official"));
        assert_eq!(cal.year_status(2026), Some("official"));
        assert_eq!(cal.year_status(2027), Some("statutory_only"));
        assert!(cal.covers(date(2027, 12, 31)));
        assert!(!cal.covers(date(2028, 1, 1)));
        assert!(!cal.covers(date(2024, 12, 31)));
        assert_eq!(cal.days_off_in(2025).len(), 12);
        assert_eq!(cal.days_off_in(2026).len(), 15);
        assert_eq!(cal.days_off_in(2027).len(), 15);
        assert!(cal.days_off_in(2028).is_empty());
        let labour_code = cal.source("BLLD2019").unwrap();
        assert!(labour_code.title.contains("Bộ luật Lao động 2019"));
    }

    /// The data states the number of working days of each year; recount them with our rule.
    #[test]
    fn calendar_working_day_counts_match_data() {
        for (year, expected) in [(2025, 250), (2026, 249), (2027, 249)] {
            let count = date(year, 1, 1)
                .iter_days()
                .take_while(|d| d.year() == year)
                .filter(|d| VN.is_working_day(*d))
                .count();
            assert_eq!(count, expected, "working days in {year}");
        }
    }

    #[test]
    fn calendar_tet_2026_is_off() {
        // Thông báo 9441/TB-BNV: Tết Bính Ngọ off Mon 16/2 to Fri 20/2/2026 (9 days with weekends).
        for d in 16..=20 {
            let day = date(2026, 2, d);
            assert!(!VN.is_working_day(day), "{day}");
            assert_eq!(VN.day_off(day).unwrap().occasion, "tet");
        }
        assert!(!VN.is_working_day(date(2026, 2, 14)));
        assert!(!VN.is_working_day(date(2026, 2, 22)));
        assert!(
            VN.day_off(date(2026, 2, 14)).is_none(),
            "ordinary weekend is not listed"
        );
        assert!(VN.is_working_day(date(2026, 2, 13)));
        assert!(VN.is_working_day(date(2026, 2, 23)));
        let tet = VN.day_off(date(2026, 2, 17)).unwrap();
        assert_eq!(tet.name_en, "Lunar New Year's Day");
        assert!(!tet.estimated);
        assert_eq!(tet.sources, vec!["TB9441_2025".to_owned()]);
    }

    #[test]
    fn calendar_swaps_and_make_up_days() {
        // Công văn 12729/VPCP-KGVX: Fri 2/1/2026 off, worked back on Sat 10/1/2026.
        assert!(!VN.is_working_day(date(2026, 1, 2)));
        assert_eq!(VN.day_off(date(2026, 1, 2)).unwrap().kind, "swap_day_off");
        assert!(VN.is_working_day(date(2026, 1, 10)));
        assert_eq!(
            VN.make_up_day(date(2026, 1, 10)).unwrap().replaces,
            Some(date(2026, 1, 2))
        );
        assert!(VN.is_working_instant(local(2026, 1, 10, 9, 0)));
        // Sat 22/8/2026 replaces Mon 31/8/2026; Sat 26/4/2025 replaces Fri 2/5/2025.
        assert!(VN.is_working_day(date(2026, 8, 22)));
        assert!(!VN.is_working_day(date(2026, 8, 31)));
        assert!(VN.is_working_day(date(2025, 4, 26)));
        assert!(!VN.is_working_day(date(2025, 5, 2)));
        // A normal Saturday and Sunday are not working days.
        assert!(!VN.is_working_day(date(2026, 1, 17)));
        assert!(!VN.is_working_day(date(2026, 1, 18)));
    }

    #[test]
    fn calendar_culture_day_from_2026_only() {
        // Resolution 28/2026/QH16: 24/11 is a paid day off from 2026; 2025-11-24 was a normal Monday.
        assert!(!VN.is_working_day(date(2026, 11, 24)));
        assert_eq!(
            VN.day_off(date(2026, 11, 24)).unwrap().occasion,
            "culture_day"
        );
        assert!(VN.is_working_day(date(2025, 11, 24)));
        assert_eq!(date(2025, 11, 24).weekday(), Weekday::Mon);
        // The 23/11 ↔ 28/11/2026 swap is only a pending proposal: not applied.
        assert!(VN.is_working_day(date(2026, 11, 23)));
        assert!(!VN.is_working_day(date(2026, 11, 28)));
        assert!(!VN.is_working_day(date(2027, 11, 24)));
    }

    #[test]
    fn calendar_holiday_on_weekend_and_compensatory_day() {
        // Hùng Kings 2026 falls on Sunday 26/4; Labour Code Art. 111(3) moves it to Monday 27/4.
        let sunday = VN.day_off(date(2026, 4, 26)).unwrap();
        assert_eq!(sunday.occasion, "hung_kings");
        assert!(!VN.is_working_day(date(2026, 4, 27)));
        assert_eq!(VN.day_off(date(2026, 4, 27)).unwrap().kind, "compensatory");
        // 2027 Tết dates are estimates.
        assert!(VN.day_off(date(2027, 2, 8)).unwrap().estimated);
    }

    #[test]
    fn calendar_outside_data_uses_fixed_holidays() {
        assert!(VN.is_working_day(date(2028, 1, 3)));
        assert!(!VN.is_working_day(date(2028, 5, 1)), "Monday 1/5/2028");
        assert!(!VN.is_working_day(date(2028, 11, 24)), "Friday 24/11/2028");
        assert!(!VN.is_working_day(date(2024, 4, 30)), "Tuesday 30/4/2024");
        assert!(VN.is_working_day(date(2024, 11, 25)));
        assert!(VN.day_off(date(2028, 5, 1)).is_none());
        assert!(WorkingCalendar::is_fixed_statutory_holiday(date(
            2030, 9, 2
        )));
        assert!(!WorkingCalendar::is_fixed_statutory_holiday(date(
            2025, 11, 24
        )));
        assert!(WorkingCalendar::is_fixed_statutory_holiday(date(
            2026, 11, 24
        )));
    }

    #[test]
    fn calendar_working_instants() {
        // Monday 2026-11-23.
        assert!(!VN.is_working_instant(local(2026, 11, 23, 7, 29)));
        assert!(VN.is_working_instant(local(2026, 11, 23, 7, 30)));
        assert!(VN.is_working_instant(local(2026, 11, 23, 11, 29)));
        assert!(
            !VN.is_working_instant(local(2026, 11, 23, 11, 30)),
            "periods are half-open"
        );
        assert!(!VN.is_working_instant(local(2026, 11, 23, 12, 0)));
        assert!(VN.is_working_instant(local(2026, 11, 23, 13, 0)));
        assert!(!VN.is_working_instant(local(2026, 11, 23, 17, 0)));
        assert!(
            !VN.is_working_instant(local(2026, 11, 24, 9, 0)),
            "Culture Day"
        );
        // 07:30 in Hà Nội is 00:30 UTC.
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 0, 30, 0).unwrap();
        assert_eq!(t, local(2026, 11, 23, 7, 30));
        assert!(VN.is_working_instant(t));
    }

    #[test]
    fn calendar_next_working_instant() {
        // Friday 20/11/2026 18:00 → Monday 23/11 07:30 (the 23/11 swap is not applied).
        assert_eq!(
            VN.next_working_instant(local(2026, 11, 20, 18, 0)),
            local(2026, 11, 23, 7, 30)
        );
        // Lunch → 13:00; end of day → next morning; Monday 23/11 evening → Wednesday (24/11 is off).
        assert_eq!(
            VN.next_working_instant(local(2026, 11, 23, 12, 0)),
            local(2026, 11, 23, 13, 0)
        );
        assert_eq!(
            VN.next_working_instant(local(2026, 11, 23, 11, 30)),
            local(2026, 11, 23, 13, 0)
        );
        assert_eq!(
            VN.next_working_instant(local(2026, 11, 23, 17, 0)),
            local(2026, 11, 25, 7, 30)
        );
        assert_eq!(
            VN.next_working_instant(local(2026, 11, 23, 5, 0)),
            local(2026, 11, 23, 7, 30)
        );
        // A working instant is its own next working instant, to the nanosecond.
        let t = local(2026, 11, 23, 9, 15) + TimeDelta::nanoseconds(123_456_789);
        assert_eq!(VN.next_working_instant(t), t);
        // Submitted during Tết 2026 → Monday 23/2/2026 07:30.
        assert_eq!(
            VN.next_working_instant(local(2026, 2, 17, 10, 0)),
            local(2026, 2, 23, 7, 30)
        );
    }

    #[test]
    fn calendar_add_working_minutes_examples() {
        // Monday 2026-11-16.
        let mon = |h, m| local(2026, 11, 16, h, m);
        assert_eq!(
            VN.add_working_minutes(mon(7, 30), 480),
            mon(17, 0),
            "lands on the end, not Tue 07:30"
        );
        assert_eq!(VN.add_working_minutes(mon(7, 30), 240), mon(11, 30));
        assert_eq!(VN.add_working_minutes(mon(7, 30), 241), mon(13, 1));
        // 4h left on Monday afternoon, then 4h on Tuesday morning.
        assert_eq!(
            VN.add_working_minutes(mon(13, 0), 480),
            local(2026, 11, 17, 11, 30)
        );
        assert_eq!(VN.add_working_minutes(mon(12, 0), 0), mon(13, 0));
        assert_eq!(VN.add_working_minutes(mon(9, 0), 0), mon(9, 0));
        // Five working days from Monday morning end on Friday at 17:00.
        assert_eq!(
            VN.add_working_minutes(mon(7, 30), 5 * 480),
            local(2026, 11, 20, 17, 0)
        );
        // Sub-minute precision is kept.
        let t = mon(11, 29) + TimeDelta::seconds(30);
        assert_eq!(
            VN.add_working_minutes(t, 1),
            mon(13, 0) + TimeDelta::seconds(30)
        );
    }

    #[test]
    fn calendar_receipt_deadline_examples() {
        // Friday 20/11/2026 18:00 → counts from Mon 23/11 07:30 → 8h → Mon 17:00.
        assert_eq!(
            VN.receipt_deadline(local(2026, 11, 20, 18, 0)),
            local(2026, 11, 23, 17, 0)
        );
        // Monday 23/11 15:00: 2h left, Tuesday 24/11 is Culture Day, 6h on Wednesday → Wed 15:00.
        assert_eq!(
            VN.receipt_deadline(local(2026, 11, 23, 15, 0)),
            local(2026, 11, 25, 15, 0)
        );
        // Friday 13/2/2026 15:00, the last working day before Tết: 2h on Friday, Tết 16–20/2, weekend,
        // then 6h from Monday 23/2 07:30 → 15:00.
        assert_eq!(
            VN.receipt_deadline(local(2026, 2, 13, 15, 0)),
            local(2026, 2, 23, 15, 0)
        );
        // Wednesday 29/4/2026 14:00: 3h; 30/4 and 1/5 off, weekend; 5h from Monday 4/5 → 14:00.
        assert_eq!(
            VN.receipt_deadline(local(2026, 4, 29, 14, 0)),
            local(2026, 5, 4, 14, 0)
        );
        // Friday 9/1/2026 16:00: 1h, then 7h on the make-up Saturday 10/1 → Sat 16:00.
        assert_eq!(
            VN.receipt_deadline(local(2026, 1, 9, 16, 0)),
            local(2026, 1, 10, 16, 0)
        );
        // New Year 2026: Wed 31/12/2025 16:00 → 1h, then Thu 1/1 and Fri 2/1 off → Mon 5/1 16:00.
        assert_eq!(
            VN.receipt_deadline(local(2025, 12, 31, 16, 0)),
            local(2026, 1, 5, 16, 0)
        );
    }

    #[test]
    fn calendar_subtracting_working_minutes() {
        let mon = |h, m| local(2026, 11, 16, h, m);
        assert_eq!(
            VN.add_working_minutes(mon(13, 30), -30),
            mon(13, 0),
            "latest instant, not 11:30"
        );
        assert_eq!(VN.add_working_minutes(mon(13, 0), -1), mon(11, 29));
        assert_eq!(VN.add_working_minutes(mon(17, 0), -480), mon(7, 30));
        // From Monday 07:30 one hour back is the previous Friday 16:00.
        assert_eq!(
            VN.add_working_minutes(mon(7, 30), -60),
            local(2026, 11, 13, 16, 0)
        );
        // Across Tết 2026: Monday 23/2 08:00 minus 2h → 30 min on Monday, 90 min on Friday 13/2 → 15:30.
        assert_eq!(
            VN.add_working_minutes(local(2026, 2, 23, 8, 0), -120),
            local(2026, 2, 13, 15, 30)
        );
    }

    #[test]
    fn calendar_working_minutes_between_examples() {
        // A full normal week (Mon 16/11 – Sun 22/11/2026).
        assert_eq!(
            VN.working_minutes_between(local(2026, 11, 16, 0, 0), local(2026, 11, 23, 0, 0)),
            5 * 480
        );
        // The Culture Day week has 4 working days.
        assert_eq!(
            VN.working_minutes_between(local(2026, 11, 23, 0, 0), local(2026, 11, 30, 0, 0)),
            4 * 480
        );
        // The Tết week 2026 has none.
        assert_eq!(
            VN.working_minutes_between(local(2026, 2, 14, 0, 0), local(2026, 2, 23, 0, 0)),
            0
        );
        let mon = |h, m| local(2026, 11, 16, h, m);
        assert_eq!(VN.working_minutes_between(mon(11, 0), mon(13, 30)), 60);
        assert_eq!(VN.working_minutes_between(mon(13, 30), mon(11, 0)), 0);
        assert_eq!(VN.working_minutes_between(mon(9, 0), mon(9, 0)), 0);
        // Rounded down to whole minutes.
        assert_eq!(
            VN.working_minutes_between(mon(9, 0), mon(9, 1) - TimeDelta::seconds(1)),
            0
        );
        assert_eq!(
            VN.working_time_between(mon(9, 0), mon(9, 0) + TimeDelta::seconds(59)),
            TimeDelta::seconds(59)
        );
    }

    #[test]
    fn calendar_configurable_hours_and_offset() {
        // Phú Yên: 7:30–12:00, 13:30–17:00 (given out of order on purpose).
        let cal = VN
            .clone()
            .with_office_hours(&[(hm(13, 30), hm(17, 0)), (hm(7, 30), hm(12, 0))])
            .unwrap();
        assert_eq!(cal.minutes_per_day(), 480);
        assert_eq!(
            cal.next_working_instant(local(2026, 11, 16, 12, 0)),
            local(2026, 11, 16, 13, 30)
        );
        assert_eq!(
            cal.receipt_deadline(local(2026, 11, 16, 13, 30)),
            local(2026, 11, 17, 12, 0)
        );
        // A shorter day still gives the legal 8 hours for receipt.
        let short = VN
            .clone()
            .with_office_hours(&[(hm(8, 0), hm(11, 0)), (hm(13, 0), hm(16, 0))])
            .unwrap();
        assert_eq!(short.minutes_per_day(), 360);
        assert_eq!(
            short.receipt_deadline(local(2026, 11, 16, 8, 0)),
            local(2026, 11, 17, 10, 0)
        );
        // Another offset moves the same local hours to other UTC instants.
        let utc8 = VN
            .clone()
            .with_offset(FixedOffset::east_opt(8 * 3600).unwrap());
        assert_eq!(
            utc8.next_working_instant(Utc.with_ymd_and_hms(2026, 11, 15, 22, 0, 0).unwrap()),
            Utc.with_ymd_and_hms(2026, 11, 15, 23, 30, 0).unwrap()
        );
        assert!(matches!(
            VN.clone()
                .with_office_hours(&[(hm(8, 0), hm(12, 0)), (hm(11, 0), hm(17, 0))]),
            Err(CalendarError::OverlappingPeriods { .. })
        ));
        assert!(matches!(
            VN.clone().with_office_hours(&[]),
            Err(CalendarError::NoOfficeHours)
        ));
        assert!(matches!(
            VN.clone().with_office_hours(&[(hm(12, 0), hm(12, 0))]),
            Err(CalendarError::EmptyPeriod { .. })
        ));
    }

    #[test]
    fn calendar_loader_rejects_bad_data() {
        let hours = r#"[["07:30","11:30"],["13:00","17:00"]]"#;
        let ok_year = r#"{"2026":{"status":"official","days_off":[],"make_up_working_days":[]}}"#;
        assert!(
            WorkingCalendar::from_holidays_json(&json_with(r#"["Sat","Sun"]"#, hours, ok_year))
                .is_ok()
        );

        let err = |json: String| WorkingCalendar::from_holidays_json(&json).unwrap_err();
        assert!(matches!(
            WorkingCalendar::from_holidays_json("{ nope").unwrap_err(),
            CalendarError::Json(_)
        ));
        assert!(matches!(
            err(json_with(
                r#"["Sat","Sun"]"#,
                r#"[["7h30","11:30"]]"#,
                ok_year
            )),
            CalendarError::BadTime(_)
        ));
        assert!(matches!(
            err(json_with(
                r#"["Sat","Sun"]"#,
                r#"[["07:30","12:00"],["11:30","17:00"]]"#,
                ok_year
            )),
            CalendarError::OverlappingPeriods { .. }
        ));
        assert!(matches!(
            err(json_with(r#"["Sat","Caturday"]"#, hours, ok_year)),
            CalendarError::BadWeekday(_)
        ));
        let day = |date: &str, extra: &str| {
            format!(
                r#"{{"2026":{{"status":"official","days_off":[{{"date":"{date}","name_vi":"x","name_en":"x",
                    "kind":"holiday","occasion":"x","source":["LAW"]{extra}}}]}}}}"#
            )
        };
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, &day("2026-13-01", ""))),
            CalendarError::BadDate { .. }
        ));
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, &day("2025-12-31", ""))),
            CalendarError::DateOutsideYear { .. }
        ));
        assert!(matches!(
            err(json_with(
                r#"["Sat","Sun"]"#,
                hours,
                &day("2026-11-24", r#","weekday":"Mon""#)
            )),
            CalendarError::WeekdayMismatch { .. }
        ));
        assert!(matches!(
            err(json_with(
                r#"["Sat","Sun"]"#,
                hours,
                &day("2026-11-24", r#","on_weekend":true"#)
            )),
            CalendarError::OnWeekendMismatch { .. }
        ));
        let unknown_source = r#"{"2026":{"status":"official","days_off":[{"date":"2026-11-24","name_vi":"x",
            "name_en":"x","kind":"holiday","source":["NOPE"]}]}}"#;
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, unknown_source)),
            CalendarError::UnknownSource { .. }
        ));
        let conflict = r#"{"2026":{"status":"official","days_off":[{"date":"2026-11-28","name_vi":"x",
            "name_en":"x","kind":"holiday"}],"make_up_working_days":[{"date":"2026-11-28"}]}}"#;
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, conflict)),
            CalendarError::MakeUpIsDayOff(_)
        ));
        let replaces = r#"{"2026":{"status":"official","make_up_working_days":[{"date":"2026-11-28",
            "replaces":"2026-11-23"}]}}"#;
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, replaces)),
            CalendarError::ReplacesWorkingDay { .. }
        ));
        let duplicate = format!(
            r#"{{"2026":{{"status":"official","days_off":[{d},{d}]}}}}"#,
            d = r#"{"date":"2026-11-24","name_vi":"x","name_en":"x","kind":"holiday"}"#
        );
        assert!(matches!(
            err(json_with(r#"["Sat","Sun"]"#, hours, &duplicate)),
            CalendarError::DuplicateDate(_)
        ));
        let other_tz = json_with(r#"["Sat","Sun"]"#, hours, ok_year)
            .replace("Asia/Ho_Chi_Minh", "Europe/Paris");
        assert!(matches!(
            err(other_tz.clone()),
            CalendarError::UnknownTimezone(_)
        ));
        let with_offset = other_tz.replacen('{', r#"{"utc_offset":"+01:00","#, 1);
        let paris = WorkingCalendar::from_holidays_json(&with_offset).unwrap();
        assert_eq!(paris.offset(), FixedOffset::east_opt(3600).unwrap());
        let mismatch = json_with(r#"["Sat","Sun"]"#, hours, ok_year).replacen(
            '{',
            r#"{"hours_per_working_day":7,"#,
            1,
        );
        assert!(matches!(err(mismatch), CalendarError::HoursMismatch { .. }));
    }

    #[test]
    fn calendar_without_working_days_saturates() {
        let every_day = r#"["Mon","Tue","Wed","Thu","Fri","Sat","Sun"]"#;
        let hours = r#"[["07:30","11:30"],["13:00","17:00"]]"#;
        let cal = WorkingCalendar::from_holidays_json(&json_with(every_day, hours, "{}")).unwrap();
        let t = local(2026, 11, 16, 9, 0);
        let later = cal.add_working_minutes(t, 480);
        assert!(later > t + TimeDelta::days(3_000));
        assert!(cal.next_working_instant(t) > t);
        assert!(cal.add_working_minutes(t, -480) < t);
        assert_eq!(cal.working_minutes_between(t, t + TimeDelta::days(30)), 0);
        // An absurd amount on a real calendar stops after about a century instead of spinning.
        let far = VN.add_working_minutes(t, i64::MAX);
        assert!(far > t + TimeDelta::days(36_000));
        let far_back = VN.add_working_minutes(t, i64::MIN);
        assert!(far_back < t - TimeDelta::days(36_000));
    }

    // ----- properties -----

    /// Instants over 2025–2027: half anywhere (to the second), half on or next to period
    /// boundaries, where the off-by-one mistakes live.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        let start = local(2025, 1, 1, 0, 0);
        let anywhere = (0i64..3 * 365 * 86_400).prop_map(move |s| start + TimeDelta::seconds(s));
        let boundary = (
            0i64..3 * 365,
            prop::sample::select(vec![(7, 30), (11, 30), (13, 0), (17, 0), (0, 0), (12, 0)]),
            -1i64..=1,
        )
            .prop_map(move |(day, (h, m), shift)| {
                start + TimeDelta::days(day) + TimeDelta::minutes(h * 60 + m + shift)
            });
        prop_oneof![anywhere, boundary]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn calendar_prop_add_then_measure(t in instant(), m in 0i64..20_000) {
            let start = VN.next_working_instant(t);
            let end = VN.add_working_minutes(t, m);
            prop_assert_eq!(VN.working_minutes_between(start, end), m);
            prop_assert_eq!(VN.working_time_between(start, end), TimeDelta::minutes(m));
        }

        #[test]
        fn calendar_prop_monotone(t in instant(), m in 0i64..20_000, extra in 0i64..2_000) {
            prop_assert!(VN.add_working_minutes(t, m) <= VN.add_working_minutes(t, m + extra));
            prop_assert!(VN.add_working_minutes(t, m) >= t);
        }

        #[test]
        fn calendar_prop_additive(t in instant(), a in 0i64..10_000, b in 0i64..10_000) {
            let step = VN.add_working_minutes(t, a);
            let twice = VN.add_working_minutes(step, b);
            if b > 0 {
                prop_assert_eq!(twice, VN.add_working_minutes(t, a + b));
            } else {
                // Adding nothing moves a period end (e.g. 11:30) to the next period start.
                prop_assert_eq!(twice, VN.next_working_instant(step));
            }
        }

        #[test]
        fn calendar_prop_lands_on_working_time(t in instant(), m in 0i64..20_000) {
            let end = VN.add_working_minutes(t, m);
            let local = VN.to_local(end).unwrap();
            prop_assert!(VN.is_working_day(local.date()));
            let time = local.time();
            prop_assert!(VN.periods.iter().any(|&(s, e)| s <= time && time <= e));
            prop_assert!(VN.is_working_instant(VN.next_working_instant(t)));
            if m == 0 {
                prop_assert!(VN.is_working_instant(end));
            }
        }

        #[test]
        fn calendar_prop_between_bounded(a in instant(), b in instant()) {
            let between = VN.working_minutes_between(a, b);
            prop_assert!(between >= 0);
            prop_assert!(between <= (b - a).num_minutes().max(0));
        }

        #[test]
        fn calendar_prop_subtract(t in instant(), m in 1i64..20_000) {
            let s = VN.add_working_minutes(t, -m);
            prop_assert!(VN.is_working_instant(s));
            prop_assert_eq!(VN.working_time_between(s, t), TimeDelta::minutes(m));
        }
    }
}
