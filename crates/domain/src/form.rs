//! Application forms: one definition drives rendering, browser hints and server-side validation (SPEC §3).
//!
//! The server is the authority: whatever the browser checked, values are checked again here before a draft is
//! saved ([`FormDefinition::check_values`]) and before submission ([`FormDefinition::check_complete`]).
//! Value formats are the automation contract of SPEC §17: dates as `YYYY-MM-DD`, choices as one of
//! `options[].value`, addresses as `{ "commune": "<5-digit code>", "street": "…" }`.
//!
//! Blank values (JSON `null`, or a string of only whitespace, or an address whose members are all blank) mean
//! "not filled in": an HTML form posts `""` for every empty input, and treating that as a format error would make
//! every optional date or number field fail. Blank values pass `check_values` and fail `check_complete` when the
//! field is required.
//!
//! All lengths are counted in `char`s, not bytes: Vietnamese letters are multibyte in UTF-8 and a 500-byte
//! limit would allow only about 200 letters of a name with diacritics.
//!
//! Dates and numbers must also be plausible for what the field means: a birth date is not in the future, a year
//! is not 3000. The catalogue states a field's range with `min`/`max` ([`Bound`]); a date field it says nothing
//! about still gets [`DEFAULT_DATE_MIN`] to [`DEFAULT_DATE_MAX`] (today + 10 years), because a date outside
//! that is a typing mistake whatever the field means. Ranges relative to today are resolved against the
//! day passed to [`FormDefinition::check_values`] (the caller's clock, in Vietnam local time), so the checks
//! stay pure and a test can pin the day.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::catalogue::wire_enum;

/// Longest `text` value, in characters.
pub const TEXT_MAX_CHARS: usize = 500;
/// Longest `textarea` value, in characters.
pub const TEXTAREA_MAX_CHARS: usize = 5000;
/// Longest `street` part of an address, in characters.
pub const STREET_MAX_CHARS: usize = 500;

/// Earliest date a date field accepts when the catalogue gives it no `min`. No living person was born before
/// it, and the records a one-stop shop deals with (civil status, residence, land, licences) are younger; a
/// field about older records (a copy of a colonial-era register entry) states its own `min`.
pub const DEFAULT_DATE_MIN: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Latest date a date field accepts when the catalogue gives it no `max`: today + 10 years. Forward-looking
/// dates in application forms are planned periods (a temporary residence of at most 2 years, an absence, a
/// stay, an appointment, the end of works) and fit well within 10 years, which is also the longest validity of
/// a passport; a year such as 3000, or 2062 typed for 2026, is refused. A field that can mean something further
/// away (the end of a land-use term) states its own `max`.
pub const DEFAULT_DATE_MAX: Bound = Bound::Today {
    amount: 10,
    unit: OffsetUnit::Years,
};

/// The furthest a relative bound may reach from today, per unit: two centuries, which no field needs to exceed
/// and which keeps the date arithmetic far from chrono's limits.
const MAX_OFFSET_DAYS: u32 = 73_000;
const MAX_OFFSET_MONTHS: u32 = 2_400;
const MAX_OFFSET_YEARS: u32 = 200;

wire_enum! {
    /// The type of a form field: decides the widget and the format check. Wire names are those of SPEC §17.
    pub enum FieldType {
        Text = "text",
        Textarea = "textarea",
        Date = "date",
        Number = "number",
        Choice = "choice",
        CitizenId = "citizen_id",
        Phone = "phone",
        Email = "email",
        Address = "address",
    }
}

/// One allowed value of a `choice` field: `value` is stored, `label` is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    /// The label in English; the Vietnamese one stands in when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

impl ChoiceOption {
    /// The label an English reader sees.
    pub fn label_in_english(&self) -> &str {
        self.label_en.as_deref().unwrap_or(&self.label)
    }
}

/// One field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable identifier (`[a-z0-9_]+`), the key of the value in a dossier's form data.
    pub key: String,
    /// Vietnamese label as printed on the official form.
    pub label: String,
    /// The label in English; the Vietnamese one stands in when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Earliest allowed value of a `date` or `number` field (inclusive); see [`Bound`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Latest allowed value of a `date` or `number` field (inclusive); see [`Bound`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// Allowed values; only meaningful (and then non-empty) for `choice` fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// State data source that can fill the field in (e.g. `population_db`), so the citizen is not asked
    /// for data the state already holds (once-only principle, SPEC §7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_from: Option<String>,
    /// A hint under the label (Vietnamese).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The hint in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
    /// The field names whom or what the dossier is about (the child of a birth registration, the
    /// business being registered): a citizen with several dossiers of one procedure tells them
    /// apart by it in "my dossiers".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subject: bool,
    /// Starts a titled part of the form (Vietnamese title): a long form is asked one part per
    /// page, each checked when the applicant saves it, rather than as one long page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The part's title in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_en: Option<String>,
    /// The answer most applicants give (nationality: Việt Nam), filled in when nothing else is:
    /// the applicant changes it rather than types it. Text and choice fields only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// This field is the date held by the named date field, written in words (the date of birth
    /// "bằng chữ"): derived on every save, never typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_words_of: Option<String>,
}

/// A part of a form: its title (none for fields before the first titled part) and its fields,
/// as indexes into the form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub fields: std::ops::Range<usize>,
}

/// The fields of a procedure's application form, in display order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub fields: Vec<FormField>,
}

/// The unit of a relative [`Bound`]: `d`, `m` or `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    Days,
    Months,
    Years,
}

impl OffsetUnit {
    fn letter(self) -> char {
        match self {
            OffsetUnit::Days => 'd',
            OffsetUnit::Months => 'm',
            OffsetUnit::Years => 'y',
        }
    }

    fn limit(self) -> u32 {
        match self {
            OffsetUnit::Days => MAX_OFFSET_DAYS,
            OffsetUnit::Months => MAX_OFFSET_MONTHS,
            OffsetUnit::Years => MAX_OFFSET_YEARS,
        }
    }
}

/// One end of the allowed range of a `date` or `number` field, as the catalogue writes it in `min` or `max`.
///
/// Grammar of the string forms (no spaces):
///
/// ```text
/// bound    = iso-date | "today" [ sign amount unit ]
/// iso-date = YYYY-MM-DD            ; a real calendar date, zero-padded, e.g. "1900-01-01"
/// sign     = "+" | "-"
/// amount   = 1*DIGIT               ; from 1, at most 200 years' worth: 73000d, 2400m, 200y
/// unit     = "d" | "m" | "y"       ; days, calendar months, calendar years
/// ```
///
/// e.g. `"today"`, `"today-150y"`, `"today+2y"`, `"today+30d"`. Months and years are calendar steps that keep
/// the day of the month and fall back to the month's last day when it has none (29/02/2028 − 1y = 28/02/2027),
/// so "today-18y" is the last birth date of someone who is 18 today. A date field takes an ISO date or a
/// `today` form; a number field takes a JSON number, or `today`/`today±Ny` meaning that date's year (a year of
/// birth is at most "today"). Both ends are inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WireBound", into = "WireBound")]
pub enum Bound {
    /// A fixed date (date fields).
    Date(NaiveDate),
    /// The day of the check moved by `amount` units (negative: earlier); `amount` 0 is today itself.
    Today { amount: i32, unit: OffsetUnit },
    /// A fixed number (number fields).
    Number(Number),
}

/// The JSON shapes of a [`Bound`]: a number, or a string in the grammar above.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum WireBound {
    Number(Number),
    Text(String),
}

impl TryFrom<WireBound> for Bound {
    type Error = String;
    fn try_from(w: WireBound) -> Result<Self, String> {
        match w {
            WireBound::Number(n) => Ok(Bound::Number(n)),
            WireBound::Text(s) => Bound::parse(&s),
        }
    }
}

impl From<Bound> for WireBound {
    fn from(b: Bound) -> Self {
        match b {
            Bound::Number(n) => WireBound::Number(n),
            other => WireBound::Text(other.to_string()),
        }
    }
}

impl fmt::Display for Bound {
    /// The wire text: what [`Bound::parse`] reads back (numbers as JSON writes them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Bound::Today { amount: 0, .. } => f.write_str("today"),
            Bound::Today { amount, unit } => {
                let sign = if *amount < 0 { '-' } else { '+' };
                write!(f, "today{sign}{}{}", amount.unsigned_abs(), unit.letter())
            }
            Bound::Number(n) => write!(f, "{n}"),
        }
    }
}

impl Bound {
    /// `today` itself.
    pub const TODAY: Bound = Bound::Today {
        amount: 0,
        unit: OffsetUnit::Days,
    };

    /// Reads the string form of a bound (see the grammar on [`Bound`]). The error says what is allowed.
    pub fn parse(s: &str) -> Result<Bound, String> {
        let grammar = "write a date as YYYY-MM-DD (e.g. \"1900-01-01\"), \"today\", or \"today\" plus or minus \
                       a whole number of days, months or years (e.g. \"today-150y\", \"today+2y\", \"today+30d\")";
        if let Some(rest) = s.strip_prefix("today") {
            if rest.is_empty() {
                return Ok(Bound::TODAY);
            }
            let (negative, rest) = match (rest.strip_prefix('-'), rest.strip_prefix('+')) {
                (Some(r), _) => (true, r),
                (None, Some(r)) => (false, r),
                (None, None) => return Err(format!("“{s}” is not a bound: {grammar}")),
            };
            let unit = match rest.chars().last() {
                Some('d') => OffsetUnit::Days,
                Some('m') => OffsetUnit::Months,
                Some('y') => OffsetUnit::Years,
                _ => {
                    return Err(format!(
                        "“{s}” has no unit: end it with d (days), m (months) or y (years), e.g. \"today-150y\""
                    ));
                }
            };
            let digits = rest.trim_end_matches(unit.letter());
            if digits.is_empty()
                || digits.len() + 1 != rest.len()
                || !digits.chars().all(|c| c.is_ascii_digit())
            {
                return Err(format!("“{s}” is not a bound: {grammar}"));
            }
            let amount = digits
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=unit.limit()).contains(n))
                .ok_or_else(|| {
                    format!(
                        "“{s}” is out of range: the amount is from 1 to {}{} (write \"today\" for today itself)",
                        unit.limit(),
                        unit.letter()
                    )
                })?;
            // The limits are far below i32::MAX, so the conversion cannot fail.
            let amount = i32::try_from(amount).unwrap_or(i32::MAX);
            return Ok(Bound::Today {
                amount: if negative { -amount } else { amount },
                unit,
            });
        }
        parse_form_date(s)
            .map(Bound::Date)
            .ok_or_else(|| format!("“{s}” is not a bound: {grammar}"))
    }

    /// Why this bound cannot limit a field of type `t`, if it cannot.
    pub fn unfit_for(&self, t: FieldType) -> Option<String> {
        match (t, self) {
            (FieldType::Date, Bound::Date(_) | Bound::Today { .. }) => None,
            (FieldType::Date, Bound::Number(n)) => Some(format!(
                "a date field's bound is a date: write \"YYYY-MM-DD\", \"today\" or e.g. \"today-150y\", not {n}"
            )),
            (FieldType::Number, Bound::Number(_)) => None,
            (FieldType::Number, Bound::Today { amount: 0, .. })
            | (
                FieldType::Number,
                Bound::Today {
                    unit: OffsetUnit::Years,
                    ..
                },
            ) => None,
            (FieldType::Number, other) => Some(format!(
                "a number field's bound is a number (e.g. 1900) or a year relative to this year (\"today\", \
                 \"today-150y\"), not \"{other}\""
            )),
            (other, _) => Some(format!(
                "only date and number fields have a min or max; this field's type is {other}"
            )),
        }
    }

    /// The date this bound stands for on `today`; `None` for a number.
    pub fn date_on(&self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Bound::Date(d) => Some(*d),
            Bound::Today { amount, unit } => Some(shift(today, *amount, *unit)),
            Bound::Number(_) => None,
        }
    }

    /// The number this bound stands for on `today` (a relative bound is its date's year).
    fn number_on(&self, today: NaiveDate) -> Option<f64> {
        match self {
            Bound::Number(n) => n.as_f64(),
            Bound::Today { .. } => self.date_on(today).map(|d| f64::from(d.year())),
            Bound::Date(_) => None,
        }
    }

    fn is_today(&self) -> bool {
        matches!(self, Bound::Today { amount: 0, .. })
    }
}

/// `today` moved by `amount` units; saturates at chrono's limits, which the bound limits keep far away.
fn shift(today: NaiveDate, amount: i32, unit: OffsetUnit) -> NaiveDate {
    let n = amount.unsigned_abs();
    let moved = match (unit, amount < 0) {
        (OffsetUnit::Days, false) => today.checked_add_days(Days::new(u64::from(n))),
        (OffsetUnit::Days, true) => today.checked_sub_days(Days::new(u64::from(n))),
        (OffsetUnit::Months, false) => today.checked_add_months(Months::new(n)),
        (OffsetUnit::Months, true) => today.checked_sub_months(Months::new(n)),
        (OffsetUnit::Years, false) => today.checked_add_months(Months::new(n.saturating_mul(12))),
        (OffsetUnit::Years, true) => today.checked_sub_months(Months::new(n.saturating_mul(12))),
    };
    moved.unwrap_or(if amount < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// Whether `min` comes after `max`, so that the field would refuse every value. Fixed bounds are compared
/// directly. Two bounds relative to today are compared on every day of a leap cycle (2024–2027), because month
/// lengths make a pair such as `today-1m` / `today-30d` empty on some days only; a fixed bound against a
/// relative one depends on the day of the check and is not judged here.
pub fn bounds_conflict(min: &Bound, max: &Bound) -> bool {
    match (min, max) {
        (Bound::Date(a), Bound::Date(b)) => a > b,
        (Bound::Number(a), Bound::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a > b,
            _ => false,
        },
        (Bound::Today { .. }, Bound::Today { .. }) => {
            let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(DEFAULT_DATE_MIN);
            start
                .iter_days()
                .take(4 * 365 + 1)
                .any(|day| min.date_on(day) > max.date_on(day))
        }
        _ => false,
    }
}

/// A date field's allowed range on a given day, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub min: NaiveDate,
    pub max: NaiveDate,
    min_is_today: bool,
    max_is_today: bool,
}

wire_enum! {
    /// Machine-readable reason a form value was refused.
    pub enum FieldErrorCode {
        Required = "required",
        UnknownField = "unknown_field",
        InvalidType = "invalid_type",
        TooLong = "too_long",
        InvalidDate = "invalid_date",
        OutOfRange = "out_of_range",
        InvalidNumber = "invalid_number",
        InvalidChoice = "invalid_choice",
        InvalidCitizenId = "invalid_citizen_id",
        InvalidPhone = "invalid_phone",
        InvalidEmail = "invalid_email",
        InvalidAddress = "invalid_address",
        UnknownCommune = "unknown_commune",
    }
}

/// A refused form value, with a message in both languages that says how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
    pub message_vi: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: &str, code: FieldErrorCode, message_vi: String, message_en: String) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            message_vi,
            message_en,
        }
    }
}

impl FormDefinition {
    /// What the dossier is about, from its subject fields' answers (joined, in form order), if
    /// the procedure marks any and they are answered.
    pub fn subject_of(&self, form: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
        let parts: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.subject)
            .filter_map(|f| form.get(&f.key).and_then(serde_json::Value::as_str))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" – "))
    }

    /// Fills in the values derived from others (see [`FormField::in_words_of`]) wherever their
    /// source holds a readable date; anything else is left as it is.
    pub fn derive(&self, values: &mut Map<String, Value>) {
        for f in &self.fields {
            let Some(source) = &f.in_words_of else {
                continue;
            };
            let date = values
                .get(source)
                .and_then(Value::as_str)
                .and_then(parse_form_date);
            if let Some(date) = date {
                values.insert(
                    f.key.clone(),
                    Value::String(crate::text::date_in_words_vi(date)),
                );
            }
        }
    }

    /// The form's parts, in order, covering every field once. A form without titled parts is one
    /// part; fields before the first title form an untitled first part.
    pub fn sections(&self) -> Vec<Section> {
        let mut out: Vec<Section> = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            match out.last_mut() {
                Some(last) if f.section.is_none() => last.fields.end = i + 1,
                _ => out.push(Section {
                    title: f.section.clone(),
                    title_en: f.section_en.clone(),
                    fields: i..i + 1,
                }),
            }
        }
        out
    }

    /// The index of the part that holds this field.
    pub fn section_of(&self, key: &str) -> Option<usize> {
        let at = self.fields.iter().position(|f| f.key == key)?;
        self.sections().iter().position(|s| s.fields.contains(&at))
    }

    /// [`FormDefinition::check_complete`] for one part: what the applicant must still answer
    /// before moving on from it.
    pub fn check_section_complete(
        &self,
        section: &Section,
        values: &Map<String, Value>,
    ) -> Vec<FieldError> {
        let keys: Vec<&str> = self.fields[section.fields.clone()]
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        self.check_complete(values)
            .into_iter()
            .filter(|e| keys.contains(&e.field.as_str()))
            .collect()
    }

    /// The field with this key, if the form has one.
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Checks the type and format of every present, non-blank value, and refuses keys the form does not have.
    ///
    /// A draft is saved when this returns no error; it does not check that required fields are filled in
    /// (see [`FormDefinition::check_complete`]). `commune_exists` answers whether a 5-digit commune code is a
    /// current administrative unit: the caller owns the admin-unit data, this module stays pure. `today` is the
    /// caller's date in Vietnam local time, against which ranges such as "not after today" are resolved.
    /// Errors come in form order, then unknown keys in key order.
    pub fn check_values(
        &self,
        values: &Map<String, Value>,
        commune_exists: &dyn Fn(&str) -> bool,
        today: NaiveDate,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for field in &self.fields {
            if let Some(value) = values.get(&field.key)
                && let Err(e) = field.check_value(value, commune_exists, today)
            {
                errors.push(e);
            }
        }
        for key in values.keys() {
            if self.field(key).is_none() {
                errors.push(FieldError::new(
                    key,
                    FieldErrorCode::UnknownField,
                    format!("Biểu mẫu của thủ tục này không có trường “{key}”; hãy bỏ trường này."),
                    format!("This procedure's form has no field “{key}”; remove it."),
                ));
            }
        }
        errors
    }

    /// Checks that every required field is present and not blank. Submission requires this and
    /// [`FormDefinition::check_values`] to pass.
    pub fn check_complete(&self, values: &Map<String, Value>) -> Vec<FieldError> {
        self.fields
            .iter()
            .filter(|f| f.required && values.get(&f.key).is_none_or(is_blank))
            .map(|f| {
                let (label, label_en) = (&f.label, f.label_in_english());
                let (vi, en) = match f.field_type {
                    FieldType::Choice => (
                        format!("Vui lòng chọn “{label}”."),
                        format!("Please choose “{label_en}”."),
                    ),
                    FieldType::Address => (
                        format!("Vui lòng chọn xã/phường và nhập địa chỉ cho “{label}”."),
                        format!(
                            "Please pick the commune and enter the street address for “{label_en}”."
                        ),
                    ),
                    _ => (
                        format!("Vui lòng điền “{label}”."),
                        format!("Please fill in “{label_en}”."),
                    ),
                };
                FieldError::new(&f.key, FieldErrorCode::Required, vi, en)
            })
            .collect()
    }

    /// Returns the values in canonical form: strings trimmed, blank values turned into `null`, phone numbers
    /// as ten or eleven digits starting with 0 (`+84` replaced), numeric strings of `number` fields turned into
    /// JSON numbers. Values that do not pass the checks are left (trimmed) for the checks to report; keys the
    /// form does not have are copied unchanged.
    pub fn normalize(&self, values: &Map<String, Value>) -> Map<String, Value> {
        values
            .iter()
            .map(|(key, value)| {
                let normalized = match self.field(key) {
                    Some(field) => field.normalize_value(value),
                    None => value.clone(),
                };
                (key.clone(), normalized)
            })
            .collect()
    }
}

impl FormField {
    /// The label an English reader sees.
    pub fn label_in_english(&self) -> &str {
        self.label_en.as_deref().unwrap_or(&self.label)
    }

    /// Checks one value against this field's type and, for dates and numbers, its range on `today`. Blank values
    /// pass (see the module documentation).
    pub fn check_value(
        &self,
        value: &Value,
        commune_exists: &dyn Fn(&str) -> bool,
        today: NaiveDate,
    ) -> Result<(), FieldError> {
        if is_blank(value) {
            return Ok(());
        }
        let key = self.key.as_str();
        match self.field_type {
            FieldType::Text => check_length(key, self.field_type, value, TEXT_MAX_CHARS),
            FieldType::Textarea => check_length(key, self.field_type, value, TEXTAREA_MAX_CHARS),
            FieldType::Date => {
                let s = as_str_or_type_error(key, self.field_type, value)?.trim();
                let date = parse_form_date(s).ok_or_else(|| invalid_date(key, s))?;
                self.check_date_range(date, today)
            }
            FieldType::Number => {
                let n = match value {
                    Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
                    Value::String(s) => parse_number(s).as_ref().and_then(Value::as_f64),
                    _ => return Err(type_error(key, self.field_type)),
                };
                match n {
                    Some(n) => self.check_number_range(n, today),
                    None => Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidNumber,
                        "Giá trị phải là một số, dùng dấu chấm cho phần thập phân, ví dụ 1990 hoặc 2.5."
                            .to_owned(),
                        "Enter a number, with a dot for decimals, for example 1990 or 2.5.".to_owned(),
                    )),
                }
            }
            FieldType::Choice => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                let s = s.trim();
                if self.options.iter().any(|o| o.value == s) {
                    Ok(())
                } else {
                    let allowed = |label: fn(&ChoiceOption) -> &str| {
                        self.options
                            .iter()
                            .map(|o| format!("“{}” ({})", o.value, label(o)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidChoice,
                        format!(
                            "Hãy chọn một trong các giá trị: {}.",
                            allowed(|o| o.label.as_str())
                        ),
                        format!(
                            "Choose one of the values: {}.",
                            allowed(ChoiceOption::label_in_english)
                        ),
                    ))
                }
            }
            FieldType::CitizenId => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                check_citizen_id(s.trim()).map_err(|problem| match problem {
                    CitizenIdProblem::Shape => FieldError::new(
                        key,
                        FieldErrorCode::InvalidCitizenId,
                        "Số định danh cá nhân phải gồm đúng 12 chữ số.".to_owned(),
                        "The personal identification number must have exactly 12 digits.".to_owned(),
                    ),
                    CitizenIdProblem::Province => FieldError::new(
                        key,
                        FieldErrorCode::InvalidCitizenId,
                        "Số định danh cá nhân không hợp lệ: 3 chữ số đầu là mã tỉnh nơi đăng ký khai sinh, \
                         từ 001 đến 096; hãy kiểm tra lại trên thẻ căn cước."
                            .to_owned(),
                        "Invalid personal identification number: its first 3 digits are the code of the \
                         province of birth registration, from 001 to 096; check it against the ID card."
                            .to_owned(),
                    ),
                })
            }
            FieldType::Phone => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                if normalize_phone(s).is_some() {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidPhone,
                        "Số điện thoại phải gồm 10 chữ số bắt đầu bằng 0 (hoặc +84), ví dụ 0912345678; \
                         số cố định gồm 11 chữ số bắt đầu bằng 02."
                            .to_owned(),
                        "Enter a Vietnamese phone number: 10 digits starting with 0 (or +84), for example \
                         0912345678; landlines have 11 digits starting with 02."
                            .to_owned(),
                    ))
                }
            }
            FieldType::Email => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                if is_valid_email(s.trim()) {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidEmail,
                        "Địa chỉ thư điện tử không hợp lệ; hãy nhập theo dạng ten@vidu.vn."
                            .to_owned(),
                        "Invalid email address; enter it as name@example.vn.".to_owned(),
                    ))
                }
            }
            FieldType::Address => check_address(key, value, commune_exists),
        }
    }

    /// This date field's allowed range on `today`: the catalogue's `min` and `max`, each defaulting to
    /// [`DEFAULT_DATE_MIN`] and [`DEFAULT_DATE_MAX`]. The browser's date picker gets the same range.
    pub fn date_range(&self, today: NaiveDate) -> DateRange {
        let end = |b: &Option<Bound>, default: &Bound| {
            let b = b
                .as_ref()
                .filter(|b| b.date_on(today).is_some())
                .unwrap_or(default);
            (b.date_on(today).unwrap_or(today), b.is_today())
        };
        let (min, min_is_today) = end(&self.min, &Bound::Date(DEFAULT_DATE_MIN));
        let (max, max_is_today) = end(&self.max, &DEFAULT_DATE_MAX);
        DateRange {
            min,
            max,
            min_is_today,
            max_is_today,
        }
    }

    fn check_date_range(&self, date: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
        let r = self.date_range(today);
        if (r.min..=r.max).contains(&date) {
            return Ok(());
        }
        let (label, label_en) = (&self.label, self.label_in_english());
        let (lo, hi) = (dmy(r.min), dmy(r.max));
        if r.min > r.max {
            return Err(empty_range(&self.key, (label, label_en), &lo, &hi));
        }
        let (why_vi, why_en) = match (date > r.max, r.max_is_today, r.min_is_today) {
            (true, true, _) => (
                format!("“{label}” không được sau ngày hôm nay ({hi})."),
                format!("“{label_en}” cannot be after today ({hi})."),
            ),
            (true, false, _) => (
                format!("“{label}” không được sau ngày {hi}."),
                format!("“{label_en}” cannot be after {hi}."),
            ),
            (false, _, true) => (
                format!("“{label}” không được trước ngày hôm nay ({lo})."),
                format!("“{label_en}” cannot be before today ({lo})."),
            ),
            (false, _, false) => (
                format!("“{label}” phải từ ngày {lo} trở đi."),
                format!("“{label_en}” must be on or after {lo}."),
            ),
        };
        Err(FieldError::new(
            &self.key,
            FieldErrorCode::OutOfRange,
            format!("{why_vi} Hãy nhập một ngày từ {lo} đến {hi}."),
            format!("{why_en} Enter a date from {lo} to {hi}."),
        ))
    }

    fn check_number_range(&self, n: f64, today: NaiveDate) -> Result<(), FieldError> {
        let end = |b: &Option<Bound>| {
            b.as_ref()
                .and_then(|b| b.number_on(today).map(|v| (v, b.is_today())))
        };
        let (lo, hi) = (end(&self.min), end(&self.max));
        let below = lo.is_some_and(|(v, _)| n < v);
        let above = hi.is_some_and(|(v, _)| n > v);
        if !below && !above {
            return Ok(());
        }
        let (label, label_en) = (&self.label, self.label_in_english());
        if let (Some((l, _)), Some((h, _))) = (lo, hi)
            && l > h
        {
            return Err(empty_range(
                &self.key,
                (label, label_en),
                &l.to_string(),
                &h.to_string(),
            ));
        }
        let (why_vi, why_en) = match (above, hi, lo) {
            (true, Some((h, true)), _) => (
                format!("“{label}” không được lớn hơn {h} (năm nay)."),
                format!("“{label_en}” cannot be more than {h} (this year)."),
            ),
            (true, Some((h, false)), _) => (
                format!("“{label}” không được lớn hơn {h}."),
                format!("“{label_en}” cannot be more than {h}."),
            ),
            (_, _, Some((l, _))) => (
                format!("“{label}” không được nhỏ hơn {l}."),
                format!("“{label_en}” cannot be less than {l}."),
            ),
            _ => (String::new(), String::new()),
        };
        let (allowed_vi, allowed_en) = match (lo, hi) {
            (Some((l, _)), Some((h, _))) => (
                format!("Hãy nhập một số từ {l} đến {h}."),
                format!("Enter a number from {l} to {h}."),
            ),
            (Some((l, _)), None) => (
                format!("Hãy nhập một số từ {l} trở lên."),
                format!("Enter a number of at least {l}."),
            ),
            (None, Some((h, _))) => (
                format!("Hãy nhập một số không quá {h}."),
                format!("Enter a number of at most {h}."),
            ),
            (None, None) => (String::new(), String::new()),
        };
        Err(FieldError::new(
            &self.key,
            FieldErrorCode::OutOfRange,
            format!("{why_vi} {allowed_vi}"),
            format!("{why_en} {allowed_en}"),
        ))
    }

    fn normalize_value(&self, value: &Value) -> Value {
        if is_blank(value) {
            return Value::Null;
        }
        match (self.field_type, value) {
            (FieldType::Phone, Value::String(s)) => {
                Value::String(normalize_phone(s).unwrap_or_else(|| s.trim().to_owned()))
            }
            (FieldType::Number, Value::String(s)) => match parse_number(s) {
                Some(n) => n,
                None => Value::String(s.trim().to_owned()),
            },
            (_, Value::String(s)) => Value::String(s.trim().to_owned()),
            (FieldType::Address, Value::Object(o)) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(s) => Value::String(s.trim().to_owned()),
                            other => other.clone(),
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            (_, other) => other.clone(),
        }
    }
}

/// Whether a value counts as "not filled in": `null`, a whitespace-only string, an empty array, or an object
/// (address) whose members are all blank.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_blank),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn type_hint(t: FieldType) -> (&'static str, &'static str) {
    match t {
        FieldType::Text | FieldType::Textarea => ("một chuỗi văn bản", "a text string"),
        FieldType::Date => (
            "một ngày dạng chuỗi \"YYYY-MM-DD\"",
            "a date string \"YYYY-MM-DD\"",
        ),
        FieldType::Number => ("một số", "a number"),
        FieldType::Choice => (
            "một trong các giá trị được liệt kê (chuỗi)",
            "one of the listed values (a string)",
        ),
        FieldType::CitizenId => (
            "một chuỗi 12 chữ số, ví dụ \"001099012345\" (không ghi dạng số vì sẽ mất số 0 ở đầu)",
            "a string of 12 digits, e.g. \"001099012345\" (not a JSON number, which loses the leading zeros)",
        ),
        FieldType::Phone => ("một chuỗi số điện thoại", "a phone number string"),
        FieldType::Email => ("một chuỗi địa chỉ thư điện tử", "an email address string"),
        FieldType::Address => (
            "một đối tượng {\"commune\": \"<mã xã 5 chữ số>\", \"street\": \"…\"}",
            "an object {\"commune\": \"<5-digit commune code>\", \"street\": \"…\"}",
        ),
    }
}

fn type_error(key: &str, t: FieldType) -> FieldError {
    let (vi, en) = type_hint(t);
    FieldError::new(
        key,
        FieldErrorCode::InvalidType,
        format!("Giá trị không đúng kiểu: trường này cần {vi}."),
        format!("Wrong kind of value: this field needs {en}."),
    )
}

fn as_str_or_type_error<'v>(
    key: &str,
    t: FieldType,
    value: &'v Value,
) -> Result<&'v str, FieldError> {
    value.as_str().ok_or_else(|| type_error(key, t))
}

fn check_length(key: &str, t: FieldType, value: &Value, max: usize) -> Result<(), FieldError> {
    let s = as_str_or_type_error(key, t, value)?;
    let n = s.trim().chars().count();
    if n <= max {
        Ok(())
    } else {
        Err(FieldError::new(
            key,
            FieldErrorCode::TooLong,
            format!("Nội dung quá dài: tối đa {max} ký tự (hiện có {n}); hãy rút gọn."),
            format!("Too long: at most {max} characters (currently {n}); shorten it."),
        ))
    }
}

/// Parses a form date: exactly `YYYY-MM-DD` (zero-padded, as SPEC §17 says) and a real calendar date.
///
/// chrono alone would also take `2024-3-5` or a signed year; the shape check keeps one spelling per date.
pub fn parse_form_date(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = date_parts(s)?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Year, month and day of a string shaped `YYYY-MM-DD`, whether or not they make a real date.
fn date_parts(s: &str) -> Option<(i32, u32, u32)> {
    let chars: Vec<char> = s.chars().collect();
    let shape_ok = chars.len() == 10
        && chars.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape_ok {
        return None;
    }
    let number = |from: usize, to: usize| {
        chars[from..to]
            .iter()
            .filter_map(|c| c.to_digit(10))
            .fold(0, |acc, d| acc * 10 + d)
    };
    let year = i32::try_from(number(0, 4)).ok()?;
    Some((year, number(5, 7), number(8, 10)))
}

/// The refusal of a date that is not a real `YYYY-MM-DD` date, naming the impossible part when the shape is
/// right: "2026-02-30" is more often a slip than a misunderstanding of the format.
fn invalid_date(key: &str, s: &str) -> FieldError {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (vi, en) = match date_parts(s) {
        Some((_, m, _)) if !(1..=12).contains(&m) => (
            format!(
                "Ngày {s} không có thật: tháng phải từ 01 đến 12. Hãy nhập theo dạng YYYY-MM-DD, ví dụ 2024-03-15."
            ),
            format!(
                "{s} is not a real date: the month must be from 01 to 12. Enter it as YYYY-MM-DD, for example \
                 2024-03-15."
            ),
        ),
        Some((y, m, _)) => {
            let days = (28..=31)
                .rev()
                .find(|d| NaiveDate::from_ymd_opt(y, m, *d).is_some())
                .unwrap_or(28);
            let month = usize::try_from(m - 1)
                .ok()
                .and_then(|i| MONTHS.get(i))
                .unwrap_or(&"");
            (
                format!(
                    "Ngày {s} không có thật: tháng {m:02}/{y:04} có {days} ngày, nên ngày phải từ 01 đến {days}."
                ),
                format!(
                    "{s} is not a real date: {month} {y:04} has {days} days, so the day must be from 01 to {days}."
                ),
            )
        }
        None => (
            "Ngày không hợp lệ: hãy nhập một ngày có thật theo dạng YYYY-MM-DD, ví dụ 2024-03-15."
                .to_owned(),
            "Invalid date: enter a real date as YYYY-MM-DD, for example 2024-03-15.".to_owned(),
        ),
    };
    FieldError::new(key, FieldErrorCode::InvalidDate, vi, en)
}

/// A date as Vietnamese readers write it, dd/mm/yyyy (also in English messages, as the portal shows dates).
fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The refusal when a field's range is empty on this day (fixed and relative bounds that crossed): the
/// citizen cannot fix it, the agency's catalogue must.
fn empty_range(key: &str, (label, label_en): (&str, &str), lo: &str, hi: &str) -> FieldError {
    FieldError::new(
        key,
        FieldErrorCode::OutOfRange,
        format!(
            "Chưa thể nhận “{label}”: khoảng cho phép trong danh mục thủ tục (từ {lo} đến {hi}) không chứa giá trị \
             nào; vui lòng báo cho cơ quan giải quyết."
        ),
        format!(
            "“{label_en}” cannot be accepted yet: the range the procedure catalogue allows (from {lo} to {hi}) is \
             empty; please tell the agency."
        ),
    )
}

/// A numeric string as a JSON number (an integer when it is one), or `None` if it is not a finite number.
fn parse_number(s: &str) -> Option<Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    // Rust's float parser also accepts "inf" and "NaN"; those are not numbers a citizen can mean.
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    Number::from_f64(f).map(Value::Number)
}

enum CitizenIdProblem {
    Shape,
    Province,
}

/// Checks a 12-digit personal identification number (số định danh cá nhân).
///
/// Structure per Decree 137/2015/NĐ-CP Art. 7: 3 digits for the province where the birth was registered,
/// 1 digit for century and sex, 2 digits for the year of birth, 6 random digits. Province codes run from
/// 001 to 096 (the codes of the 63 pre-2025 provinces; numbers already issued keep their code after the 2025
/// merger). The century/sex digit can be any digit (0–9 cover the 20th to 24th centuries), so it is not checked.
fn check_citizen_id(s: &str) -> Result<(), CitizenIdProblem> {
    if s.chars().count() != 12 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(CitizenIdProblem::Shape);
    }
    let province: u32 = s
        .chars()
        .take(3)
        .filter_map(|c| c.to_digit(10))
        .fold(0, |acc, d| acc * 10 + d);
    if (1..=96).contains(&province) {
        Ok(())
    } else {
        Err(CitizenIdProblem::Province)
    }
}

/// Whether `s` is a well-formed personal identification number (see Decree 137/2015/NĐ-CP Art. 7).
pub fn is_valid_citizen_id(s: &str) -> bool {
    check_citizen_id(s).is_ok()
}

/// Normalizes a Vietnamese phone number to its domestic digits, or `None` if it is not one.
///
/// Spaces, dots, hyphens and parentheses are dropped; `+84` (with or without a following `0`) becomes `0`.
/// Mobile numbers have 10 digits starting with 0; landlines have 11 digits starting with 02 (area codes
/// 02x since the 2017 renumbering). A second digit 0 would be an international prefix, so it is refused.
pub fn normalize_phone(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\t'))
        .collect();
    let domestic = match compact.strip_prefix("+84") {
        Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
        None => compact,
    };
    let digits: Vec<char> = domestic.chars().collect();
    if !digits.iter().all(char::is_ascii_digit) {
        return None;
    }
    let ok = match digits.as_slice() {
        ['0', second, ..] if digits.len() == 10 => *second != '0',
        ['0', '2', ..] => digits.len() == 11,
        _ => false,
    };
    ok.then_some(domestic)
}

/// A deliberately simple email check: one `@`, a plausible local part, a dotted domain with a letter TLD.
/// Deliverability is proven by sending, not by a regular expression.
pub fn is_valid_email(s: &str) -> bool {
    if s.chars().count() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.chars().count())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.chars().any(|c| {
            matches!(
                c,
                '@' | '"' | ',' | ';' | '<' | '>' | '(' | ')' | '[' | ']' | '\\'
            )
        });
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.chars().count())
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    local_ok && labels_ok && tld_ok
}

fn address_error(key: &str, vi: &str, en: &str) -> FieldError {
    FieldError::new(
        key,
        FieldErrorCode::InvalidAddress,
        vi.to_owned(),
        en.to_owned(),
    )
}

fn check_address(
    key: &str,
    value: &Value,
    commune_exists: &dyn Fn(&str) -> bool,
) -> Result<(), FieldError> {
    let Value::Object(o) = value else {
        return Err(type_error(key, FieldType::Address));
    };
    if o.keys().any(|k| k != "commune" && k != "street") {
        return Err(address_error(
            key,
            "Địa chỉ chỉ gồm “commune” (mã xã/phường 5 chữ số) và “street” (số nhà, đường, thôn/xóm).",
            "An address has only “commune” (the 5-digit commune code) and “street” (house number, street, \
             village).",
        ));
    }
    let commune = match o.get("commune") {
        Some(Value::String(c)) => c.trim(),
        _ => "",
    };
    if commune.chars().count() != 5 || !commune.chars().all(|c| c.is_ascii_digit()) {
        return Err(address_error(
            key,
            "Hãy chọn xã/phường từ danh sách: mã xã/phường gồm 5 chữ số, ví dụ \"00004\".",
            "Pick the commune from the list: the commune code is 5 digits, for example \"00004\".",
        ));
    }
    match o.get("street") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            let n = s.trim().chars().count();
            if n > STREET_MAX_CHARS {
                return Err(FieldError::new(
                    key,
                    FieldErrorCode::TooLong,
                    format!(
                        "Số nhà, đường quá dài: tối đa {STREET_MAX_CHARS} ký tự (hiện có {n}); hãy rút gọn."
                    ),
                    format!(
                        "The street address is too long: at most {STREET_MAX_CHARS} characters (currently {n}); \
                         shorten it."
                    ),
                ));
            }
        }
        Some(_) => {
            return Err(address_error(
                key,
                "“street” phải là chuỗi văn bản (số nhà, đường, thôn/xóm).",
                "“street” must be a text string (house number, street, village).",
            ));
        }
    }
    if !commune_exists(commune) {
        return Err(FieldError::new(
            key,
            FieldErrorCode::UnknownCommune,
            format!(
                "Không có xã/phường nào mang mã {commune}; hãy chọn lại xã/phường từ danh sách hiện hành \
                 (sau sắp xếp đơn vị hành chính năm 2025)."
            ),
            format!(
                "No current commune has code {commune}; pick the commune again from the current list \
                 (after the 2025 reorganisation of administrative units)."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn field(key: &str, t: FieldType, required: bool) -> FormField {
        FormField {
            key: key.to_owned(),
            label: format!("Nhãn {key}"),
            label_en: None,
            field_type: t,
            required,
            min: None,
            max: None,
            options: Vec::new(),
            prefill_from: None,
            note: None,
            note_en: None,
            subject: false,
            section: None,
            section_en: None,
            default: None,
            in_words_of: None,
        }
    }

    #[test]
    fn a_date_in_words_follows_its_date_and_is_never_typed() {
        let form = FormDefinition {
            fields: vec![
                field("ngay_sinh", FieldType::Date, true),
                FormField {
                    in_words_of: Some("ngay_sinh".into()),
                    ..field("ngay_sinh_bang_chu", FieldType::Text, true)
                },
            ],
        };
        let mut values =
            json!({ "ngay_sinh": "2026-11-02", "ngay_sinh_bang_chu": "typed wrongly" })
                .as_object()
                .cloned()
                .unwrap();
        form.derive(&mut values);
        assert_eq!(
            values["ngay_sinh_bang_chu"],
            "Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu"
        );
        // dd/mm/yyyy as typed on a phone reads the same.
        values.insert("ngay_sinh".into(), json!("02/11/2026"));
        form.derive(&mut values);
        assert!(
            values["ngay_sinh_bang_chu"]
                .as_str()
                .unwrap()
                .starts_with("Ngày hai tháng mười một")
        );
        // No readable date, nothing derived: what is there stays for the checks to judge.
        for source in [json!("not a date"), json!(""), Value::Null] {
            let mut v = json!({ "ngay_sinh_bang_chu": "x" })
                .as_object()
                .cloned()
                .unwrap();
            v.insert("ngay_sinh".into(), source.clone());
            form.derive(&mut v);
            assert_eq!(v["ngay_sinh_bang_chu"], "x", "{source}");
        }
    }

    #[test]
    fn a_form_is_cut_into_parts_at_each_titled_field_and_each_part_is_checked_alone() {
        let titled = |key: &str, title: &str| FormField {
            section: Some(title.to_owned()),
            section_en: Some(format!("{title} (en)")),
            ..field(key, FieldType::Text, true)
        };
        let form = FormDefinition {
            fields: vec![
                field("a", FieldType::Text, true),
                titled("b", "Người được khai sinh"),
                field("c", FieldType::Text, false),
                field("d", FieldType::Text, true),
                titled("e", "Cha, mẹ"),
            ],
        };
        let parts = form.sections();
        assert_eq!(
            parts,
            vec![
                Section {
                    title: None,
                    title_en: None,
                    fields: 0..1
                },
                Section {
                    title: Some("Người được khai sinh".into()),
                    title_en: Some("Người được khai sinh (en)".into()),
                    fields: 1..4
                },
                Section {
                    title: Some("Cha, mẹ".into()),
                    title_en: Some("Cha, mẹ (en)".into()),
                    fields: 4..5
                },
            ]
        );
        // Every field in exactly one part.
        let covered: Vec<usize> = parts.iter().flat_map(|p| p.fields.clone()).collect();
        assert_eq!(covered, (0..5).collect::<Vec<_>>());
        assert_eq!(form.section_of("d"), Some(1));
        assert_eq!(form.section_of("e"), Some(2));
        assert_eq!(form.section_of("zz"), None);
        // Only the part's own required fields hold it back.
        let answers = json!({ "b": "Khang", "c": "" })
            .as_object()
            .cloned()
            .unwrap();
        let missing: Vec<String> = form
            .check_section_complete(&parts[1], &answers)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(missing, ["d"]);
        assert_eq!(form.check_section_complete(&parts[0], &answers).len(), 1);
        // A form without titles is one part; an empty form has none.
        let plain = FormDefinition {
            fields: vec![
                field("x", FieldType::Text, true),
                field("y", FieldType::Text, true),
            ],
        };
        assert_eq!(plain.sections().len(), 1);
        assert_eq!(plain.sections()[0].fields, 0..2);
        assert!(FormDefinition::default().sections().is_empty());
    }

    #[test]
    fn the_subject_is_read_from_the_marked_fields_in_form_order() {
        let mut form = FormDefinition {
            fields: vec![
                field("ho_ten_nguoi_yeu_cau", FieldType::Text, true),
                FormField {
                    subject: true,
                    ..field("ben_nu_ho_ten", FieldType::Text, true)
                },
                FormField {
                    subject: true,
                    ..field("ben_nam_ho_ten", FieldType::Text, true)
                },
            ],
        };
        let answers = |v: serde_json::Value| v.as_object().cloned().unwrap();
        let both = answers(json!({
            "ho_ten_nguoi_yeu_cau": "Nguyễn Văn An",
            "ben_nam_ho_ten": " Trần Văn Bình ",
            "ben_nu_ho_ten": "Lê Thị Chi"
        }));
        assert_eq!(
            form.subject_of(&both).as_deref(),
            Some("Lê Thị Chi – Trần Văn Bình")
        );
        // Unanswered or blank subject fields are left out; none answered is no subject.
        let one = answers(json!({ "ben_nu_ho_ten": "Lê Thị Chi", "ben_nam_ho_ten": "  " }));
        assert_eq!(form.subject_of(&one).as_deref(), Some("Lê Thị Chi"));
        assert_eq!(
            form.subject_of(&answers(json!({ "ben_nam_ho_ten": 7 }))),
            None
        );
        // A procedure that marks no field has no subject, whatever is answered.
        for f in &mut form.fields {
            f.subject = false;
        }
        assert_eq!(form.subject_of(&both), None);
    }

    fn form() -> FormDefinition {
        let mut choice = field("gioi_tinh", FieldType::Choice, true);
        choice.options = vec![
            ChoiceOption {
                value: "nam".into(),
                label: "Nam".into(),
                label_en: Some("Male".into()),
            },
            ChoiceOption {
                value: "nu".into(),
                label: "Nữ".into(),
                label_en: None,
            },
        ];
        FormDefinition {
            fields: vec![
                field("ho_ten", FieldType::Text, true),
                field("ghi_chu", FieldType::Textarea, false),
                // A birth date: not in the future.
                FormField {
                    max: Some(Bound::TODAY),
                    ..field("ngay_sinh", FieldType::Date, true)
                },
                field("nam_sinh", FieldType::Number, false),
                choice,
                field("so_dinh_danh", FieldType::CitizenId, true),
                field("dien_thoai", FieldType::Phone, false),
                field("email", FieldType::Email, false),
                field("noi_cu_tru", FieldType::Address, true),
                // The end of a temporary residence: not past, at most 2 years ahead.
                bounded(
                    "den_ngay",
                    FieldType::Date,
                    Some(Bound::TODAY),
                    Some(bound("today+2y")),
                ),
                // A date the catalogue says nothing about.
                field("ngay_hen", FieldType::Date, false),
                bounded(
                    "nam_sinh_me",
                    FieldType::Number,
                    Some(Bound::Number(1900.into())),
                    Some(Bound::TODAY),
                ),
            ],
        }
    }

    /// The day the checks run on, unless a test says otherwise: a Sunday, so nothing depends on working days.
    fn today() -> NaiveDate {
        ymd(2026, 12, 6)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bound(s: &str) -> Bound {
        Bound::parse(s).unwrap()
    }

    fn bounded(key: &str, t: FieldType, min: Option<Bound>, max: Option<Bound>) -> FormField {
        FormField {
            min,
            max,
            ..field(key, t, false)
        }
    }

    fn communes(code: &str) -> bool {
        matches!(code, "00004" | "26734")
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    fn codes(v: Value) -> Vec<(String, FieldErrorCode)> {
        form()
            .check_values(&obj(v), &communes, today())
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn one(key: &str, value: Value) -> Vec<FieldErrorCode> {
        let mut m = Map::new();
        m.insert(key.to_owned(), value);
        form()
            .check_values(&m, &communes, today())
            .into_iter()
            .map(|e| e.code)
            .collect()
    }

    fn valid() -> Value {
        json!({
            "ho_ten": "Nguyễn Văn An",
            "ghi_chu": "Không",
            "ngay_sinh": "2024-02-29",
            "nam_sinh": 1990,
            "gioi_tinh": "nam",
            "so_dinh_danh": "001099012345",
            "dien_thoai": "0912345678",
            "email": "an.nguyen@example.vn",
            "noi_cu_tru": { "commune": "00004", "street": "Số 1 Tràng Tiền" }
        })
    }

    #[test]
    fn valid_values_pass_both_checks() {
        let f = form();
        let v = obj(valid());
        assert!(f.check_values(&v, &communes, today()).is_empty());
        assert!(f.check_complete(&v).is_empty());
    }

    #[test]
    fn unknown_field() {
        assert_eq!(
            codes(json!({ "khong_co": "x" })),
            vec![("khong_co".to_owned(), FieldErrorCode::UnknownField)]
        );
    }

    #[test]
    fn blank_values_pass_check_values_but_fail_check_complete() {
        let f = form();
        let v = obj(json!({
            "ho_ten": "   ",
            "ngay_sinh": "",
            "nam_sinh": null,
            "gioi_tinh": "",
            "so_dinh_danh": null,
            "noi_cu_tru": { "commune": "", "street": "" }
        }));
        assert!(f.check_values(&v, &communes, today()).is_empty());
        let missing: Vec<String> = f.check_complete(&v).into_iter().map(|e| e.field).collect();
        assert_eq!(
            missing,
            vec![
                "ho_ten",
                "ngay_sinh",
                "gioi_tinh",
                "so_dinh_danh",
                "noi_cu_tru"
            ]
        );
        let all_required = f.check_complete(&Map::new());
        assert_eq!(all_required.len(), 5);
        assert!(
            all_required
                .iter()
                .all(|e| e.code == FieldErrorCode::Required)
        );
        assert!(all_required[0].message_vi.contains("Nhãn ho_ten"));
    }

    #[test]
    fn text_and_textarea() {
        assert!(one("ho_ten", json!("Trần Thị Bích")).is_empty());
        assert_eq!(one("ho_ten", json!(12)), vec![FieldErrorCode::InvalidType]);
        // 500 Vietnamese letters are 1000+ bytes but allowed: the limit counts characters.
        assert!(one("ho_ten", json!("ế".repeat(TEXT_MAX_CHARS))).is_empty());
        assert_eq!(
            one("ho_ten", json!("ế".repeat(TEXT_MAX_CHARS + 1))),
            vec![FieldErrorCode::TooLong]
        );
        assert!(one("ghi_chu", json!("ữ".repeat(TEXTAREA_MAX_CHARS))).is_empty());
        assert_eq!(
            one("ghi_chu", json!("a".repeat(TEXTAREA_MAX_CHARS + 1))),
            vec![FieldErrorCode::TooLong]
        );
        assert_eq!(
            one("ghi_chu", json!(["a"])),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn dates() {
        assert!(one("ngay_sinh", json!("2000-01-31")).is_empty());
        assert!(one("ngay_sinh", json!(" 2000-01-31 ")).is_empty());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-3-5",
            "15/03/2024",
            "2024-03-15T00:00",
            "+2024-03-1",
        ] {
            assert_eq!(
                one("ngay_sinh", json!(bad)),
                vec![FieldErrorCode::InvalidDate],
                "{bad}"
            );
        }
        assert_eq!(
            one("ngay_sinh", json!(20240315)),
            vec![FieldErrorCode::InvalidType]
        );
        assert_eq!(
            parse_form_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
    }

    #[test]
    fn numbers() {
        for ok in [
            json!(1990),
            json!(2.5),
            json!(-3),
            json!("1990"),
            json!(" 2.5 "),
            json!("1e3"),
        ] {
            assert!(one("nam_sinh", ok.clone()).is_empty(), "{ok}");
        }
        for bad in ["abc", "1,5", "NaN", "inf", "-infinity", "1e999"] {
            assert_eq!(
                one("nam_sinh", json!(bad)),
                vec![FieldErrorCode::InvalidNumber],
                "{bad}"
            );
        }
        assert_eq!(
            one("nam_sinh", json!(true)),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn each_language_names_the_field_in_its_own_words() {
        let f = FormField {
            label_en: Some("Child's date of birth".into()),
            max: Some(Bound::parse("today").unwrap()),
            ..field("ngay_sinh", FieldType::Date, true)
        };
        let form = FormDefinition { fields: vec![f] };
        let missing = form.check_complete(&Map::new());
        assert_eq!(
            missing[0].message_en,
            "Please fill in “Child's date of birth”."
        );
        assert_eq!(missing[0].message_vi, "Vui lòng điền “Nhãn ngay_sinh”.");
        let future = form.check_values(
            &obj(json!({ "ngay_sinh": "2999-01-01" })),
            &communes,
            today(),
        );
        assert!(
            future[0]
                .message_en
                .starts_with("“Child's date of birth” cannot be after today"),
            "{}",
            future[0].message_en
        );
        assert!(future[0].message_vi.starts_with("“Nhãn ngay_sinh”"));
    }

    #[test]
    fn choices() {
        assert!(one("gioi_tinh", json!("nu")).is_empty());
        let errs = form().check_values(&obj(json!({ "gioi_tinh": "Nữ" })), &communes, today());
        assert_eq!(errs[0].code, FieldErrorCode::InvalidChoice);
        assert!(errs[0].message_en.contains("“nam”"));
        // Each language names the options in its own words; an option without English keeps its
        // Vietnamese label rather than showing nothing.
        assert!(
            errs[0].message_en.contains("(Male)"),
            "{}",
            errs[0].message_en
        );
        assert!(
            errs[0].message_en.contains("(Nữ)"),
            "{}",
            errs[0].message_en
        );
        assert!(
            errs[0].message_vi.contains("(Nam)"),
            "{}",
            errs[0].message_vi
        );
        assert_eq!(
            one("gioi_tinh", json!(1)),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn citizen_ids() {
        assert!(one("so_dinh_danh", json!("001099012345")).is_empty());
        assert!(one("so_dinh_danh", json!("096212345678")).is_empty());
        let errs = form().check_values(
            &obj(json!({ "so_dinh_danh": "00109901234" })),
            &communes,
            today(),
        );
        assert_eq!(errs[0].code, FieldErrorCode::InvalidCitizenId);
        assert_eq!(
            errs[0].message_vi,
            "Số định danh cá nhân phải gồm đúng 12 chữ số."
        );
        assert_eq!(
            errs[0].message_en,
            "The personal identification number must have exactly 12 digits."
        );
        for bad in [
            "0010990123456",
            "00109901234a",
            "００１０９９０１２３４５",
            "000099012345",
            "097099012345",
        ] {
            assert_eq!(
                one("so_dinh_danh", json!(bad)),
                vec![FieldErrorCode::InvalidCitizenId],
                "{bad}"
            );
        }
        // As a JSON number the leading zeros are gone: refuse the type, and say why.
        assert_eq!(
            one("so_dinh_danh", json!(1099012345_u64)),
            vec![FieldErrorCode::InvalidType]
        );
        assert!(is_valid_citizen_id("079203001234"));
    }

    #[test]
    fn phones() {
        for ok in [
            "0912345678",
            "+84912345678",
            "+84 912 345 678",
            "091.234.5678",
            "+84 (0) 912345678",
            "02438251234",
        ] {
            assert!(one("dien_thoai", json!(ok)).is_empty(), "{ok}");
        }
        for bad in [
            "912345678",
            "09123456789",
            "0012345678",
            "0912-ABC-678",
            "+1 202 555 0100",
            "0312345678901",
        ] {
            assert_eq!(
                one("dien_thoai", json!(bad)),
                vec![FieldErrorCode::InvalidPhone],
                "{bad}"
            );
        }
        assert_eq!(
            one("dien_thoai", json!(912345678)),
            vec![FieldErrorCode::InvalidType]
        );
        assert_eq!(
            normalize_phone("+84 912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_phone("+840912345678").as_deref(),
            Some("0912345678")
        );
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.vn",
            "nguyen.van.an+dvc@mail.example.com.vn",
            "x@bộ-công-an.vn",
        ] {
            assert!(one("email", json!(ok)).is_empty(), "{ok}");
        }
        for bad in [
            "a", "a@b", "@b.vn", "a@@b.vn", "a b@c.vn", "a@b..vn", ".a@b.vn", "a@-b.vn", "a@b.v1",
        ] {
            assert_eq!(
                one("email", json!(bad)),
                vec![FieldErrorCode::InvalidEmail],
                "{bad}"
            );
        }
        assert_eq!(
            one("email", json!(false)),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn addresses() {
        assert!(one("noi_cu_tru", json!({ "commune": "26734" })).is_empty());
        assert!(one("noi_cu_tru", json!({ "commune": "00004", "street": null })).is_empty());
        assert_eq!(
            one("noi_cu_tru", json!({ "commune": "00007", "street": "x" })),
            vec![FieldErrorCode::UnknownCommune]
        );
        for bad in [
            json!({ "commune": "4", "street": "x" }),
            json!({ "commune": 4, "street": "x" }),
            json!({ "street": "Số 1" }),
            json!({ "commune": "00004", "street": 5 }),
            json!({ "commune": "00004", "province": "01" }),
        ] {
            assert_eq!(
                one("noi_cu_tru", bad.clone()),
                vec![FieldErrorCode::InvalidAddress],
                "{bad}"
            );
        }
        assert_eq!(
            one(
                "noi_cu_tru",
                json!({ "commune": "00004", "street": "a".repeat(STREET_MAX_CHARS + 1) })
            ),
            vec![FieldErrorCode::TooLong]
        );
        assert_eq!(
            one("noi_cu_tru", json!("Hà Nội")),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn errors_follow_form_order_then_unknown_keys() {
        let got = codes(json!({
            "zzz": 1,
            "email": "x",
            "ho_ten": 1,
            "aaa": 1
        }));
        assert_eq!(
            got,
            vec![
                ("ho_ten".to_owned(), FieldErrorCode::InvalidType),
                ("email".to_owned(), FieldErrorCode::InvalidEmail),
                ("aaa".to_owned(), FieldErrorCode::UnknownField),
                ("zzz".to_owned(), FieldErrorCode::UnknownField),
            ]
        );
    }

    #[test]
    fn normalize_trims_and_canonicalizes() {
        let f = form();
        let n = f.normalize(&obj(json!({
            "ho_ten": "  Lê Văn Tám ",
            "ngay_sinh": "",
            "nam_sinh": " 1990 ",
            "dien_thoai": "+84 912 345 678",
            "gioi_tinh": " nu",
            "noi_cu_tru": { "commune": " 00004 ", "street": " Ngõ 5 " },
            "la": "  giữ nguyên "
        })));
        assert_eq!(
            Value::Object(n.clone()),
            json!({
                "ho_ten": "Lê Văn Tám",
                "ngay_sinh": null,
                "nam_sinh": 1990,
                "dien_thoai": "0912345678",
                "gioi_tinh": "nu",
                "noi_cu_tru": { "commune": "00004", "street": "Ngõ 5" },
                "la": "  giữ nguyên "
            })
        );
        // Normalizing is idempotent, and the normalized values pass (only the unknown key is refused).
        assert_eq!(f.normalize(&n), n);
        let codes: Vec<FieldErrorCode> = f
            .check_values(&n, &communes, today())
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec![FieldErrorCode::UnknownField]);
    }

    #[test]
    fn error_codes_serialize_snake_case() {
        let e = FieldError::new(
            "x",
            FieldErrorCode::InvalidCitizenId,
            String::new(),
            String::new(),
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "invalid_citizen_id");
        for c in FieldErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        }
    }

    #[test]
    fn field_definition_serde_uses_type_key() {
        let f: FormField = serde_json::from_value(
            json!({ "key": "k", "label": "L", "type": "citizen_id", "required": true }),
        )
        .unwrap();
        assert_eq!(f.field_type, FieldType::CitizenId);
        assert_eq!(serde_json::to_value(&f).unwrap()["type"], "citizen_id");
    }

    /// The errors for one value checked on `day`.
    fn errors_on(key: &str, value: Value, day: NaiveDate) -> Vec<FieldError> {
        let mut m = Map::new();
        m.insert(key.to_owned(), value);
        form().check_values(&m, &communes, day)
    }

    fn iso(d: NaiveDate) -> Value {
        json!(d.format("%Y-%m-%d").to_string())
    }

    #[test]
    fn a_birth_date_is_not_in_the_future() {
        // Whatever the day of the check, its own date and any earlier one back to 1900 pass.
        for day in [
            today(),
            ymd(2028, 2, 29),
            ymd(2027, 1, 1),
            ymd(2026, 12, 31),
        ] {
            for ok in [
                day,
                day.pred_opt().unwrap(),
                ymd(1900, 1, 1),
                ymd(1985, 3, 12),
            ] {
                assert!(
                    errors_on("ngay_sinh", iso(ok), day).is_empty(),
                    "{ok} on {day}"
                );
            }
            for future in [
                day.succ_opt().unwrap(),
                day + chrono::Days::new(365),
                ymd(3000, 1, 1),
                ymd(9999, 12, 31),
            ] {
                let errs = errors_on("ngay_sinh", iso(future), day);
                assert_eq!(errs.len(), 1, "{future} on {day}");
                assert_eq!(
                    errs[0].code,
                    FieldErrorCode::OutOfRange,
                    "{future} on {day}"
                );
            }
        }
        let errs = errors_on("ngay_sinh", json!("2026-12-07"), today());
        assert_eq!(
            errs[0].message_vi,
            "“Nhãn ngay_sinh” không được sau ngày hôm nay (06/12/2026). Hãy nhập một ngày từ 01/01/1900 \
             đến 06/12/2026."
        );
        assert_eq!(
            errs[0].message_en,
            "“Nhãn ngay_sinh” cannot be after today (06/12/2026). Enter a date from 01/01/1900 to 06/12/2026."
        );
    }

    #[test]
    fn any_date_field_refuses_years_nobody_means() {
        // "ngay_hen" has no bounds in the catalogue: 1900-01-01 to today + 10 years.
        let errs = errors_on("ngay_hen", json!("0020-05-01"), today());
        assert_eq!(errs[0].code, FieldErrorCode::OutOfRange);
        assert_eq!(
            errs[0].message_vi,
            "“Nhãn ngay_hen” phải từ ngày 01/01/1900 trở đi. Hãy nhập một ngày từ 01/01/1900 đến 06/12/2036."
        );
        assert_eq!(
            errs[0].message_en,
            "“Nhãn ngay_hen” must be on or after 01/01/1900. Enter a date from 01/01/1900 to 06/12/2036."
        );
        for bad in [
            "0000-01-01",
            "0020-05-01",
            "1899-12-31",
            "2036-12-07",
            "3000-01-01",
            "9999-12-31",
        ] {
            let codes: Vec<_> = errors_on("ngay_hen", json!(bad), today())
                .into_iter()
                .map(|e| e.code)
                .collect();
            assert_eq!(codes, vec![FieldErrorCode::OutOfRange], "{bad}");
        }
        for ok in [
            "1900-01-01",
            "1950-06-15",
            "2026-12-06",
            "2030-01-01",
            "2036-12-06",
        ] {
            assert!(errors_on("ngay_hen", json!(ok), today()).is_empty(), "{ok}");
        }
        let errs = errors_on("ngay_hen", json!("3000-01-01"), today());
        assert!(
            errs[0]
                .message_en
                .starts_with("“Nhãn ngay_hen” cannot be after 06/12/2036.")
        );
        assert_eq!(
            form().field("ngay_hen").unwrap().date_range(today()),
            DateRange {
                min: ymd(1900, 1, 1),
                max: ymd(2036, 12, 6),
                min_is_today: false,
                max_is_today: false,
            }
        );
    }

    #[test]
    fn impossible_dates_say_which_part_is_wrong() {
        for (bad, vi, en) in [
            (
                "2026-02-30",
                "tháng 02/2026 có 28 ngày, nên ngày phải từ 01 đến 28",
                "February 2026 has 28 days",
            ),
            (
                "2027-02-29",
                "tháng 02/2027 có 28 ngày",
                "February 2027 has 28 days",
            ),
            (
                "2027-04-31",
                "tháng 04/2027 có 30 ngày",
                "April 2027 has 30 days",
            ),
            (
                "2027-01-00",
                "tháng 01/2027 có 31 ngày",
                "so the day must be from 01 to 31",
            ),
            (
                "2027-13-01",
                "tháng phải từ 01 đến 12",
                "the month must be from 01 to 12",
            ),
            (
                "2027-00-10",
                "tháng phải từ 01 đến 12",
                "the month must be from 01 to 12",
            ),
        ] {
            let errs = errors_on("den_ngay", json!(bad), today());
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!(errs[0].code, FieldErrorCode::InvalidDate, "{bad}");
            assert!(
                errs[0].message_vi.contains(vi),
                "{bad}: {}",
                errs[0].message_vi
            );
            assert!(
                errs[0].message_en.contains(en),
                "{bad}: {}",
                errs[0].message_en
            );
            assert!(
                errs[0]
                    .message_en
                    .starts_with(&format!("{bad} is not a real date"))
            );
        }
        // A leap day that exists passes; the format is still explained when the shape is wrong.
        assert!(errors_on("den_ngay", json!("2028-02-29"), today()).is_empty());
        let errs = errors_on("den_ngay", json!("29/02/2028"), today());
        assert_eq!(
            errs[0].message_en,
            "Invalid date: enter a real date as YYYY-MM-DD, for example 2024-03-15."
        );
    }

    #[test]
    fn relative_bounds_follow_the_day_of_the_check() {
        // "den_ngay" runs from today to today + 2 years, on any day, month ends and leap days included.
        for day in [
            today(),
            ymd(2028, 2, 29),
            ymd(2027, 1, 31),
            ymd(2026, 12, 31),
            ymd(2030, 3, 1),
        ] {
            let r = form().field("den_ngay").unwrap().date_range(day);
            assert_eq!(r.min, day);
            assert!(r.max > day + chrono::Days::new(729) && r.max <= day + chrono::Days::new(731));
            for ok in [r.min, r.max, day.succ_opt().unwrap()] {
                assert!(
                    errors_on("den_ngay", iso(ok), day).is_empty(),
                    "{ok} on {day}"
                );
            }
            for bad in [
                day.pred_opt().unwrap(),
                r.max.succ_opt().unwrap(),
                ymd(1990, 1, 1),
            ] {
                let errs = errors_on("den_ngay", iso(bad), day);
                assert_eq!(errs[0].code, FieldErrorCode::OutOfRange, "{bad} on {day}");
            }
        }
        // A year back from 29 February is the last day of the shorter February.
        assert_eq!(
            form()
                .field("den_ngay")
                .unwrap()
                .date_range(ymd(2028, 2, 29))
                .max,
            ymd(2030, 2, 28)
        );
        let errs = errors_on("den_ngay", json!("2026-12-05"), today());
        assert_eq!(
            errs[0].message_vi,
            "“Nhãn den_ngay” không được trước ngày hôm nay (06/12/2026). Hãy nhập một ngày từ 06/12/2026 \
             đến 06/12/2028."
        );
        assert_eq!(
            errs[0].message_en,
            "“Nhãn den_ngay” cannot be before today (06/12/2026). Enter a date from 06/12/2026 to 06/12/2028."
        );
        let errs = errors_on("den_ngay", json!("2028-12-07"), today());
        assert!(
            errs[0]
                .message_en
                .starts_with("“Nhãn den_ngay” cannot be after 06/12/2028.")
        );
    }

    #[test]
    fn a_year_field_is_bounded_by_this_year() {
        for ok in [
            json!(1900),
            json!(1985),
            json!(2026),
            json!("2026"),
            json!(" 1990 "),
        ] {
            assert!(
                errors_on("nam_sinh_me", ok.clone(), today()).is_empty(),
                "{ok}"
            );
        }
        for bad in [
            json!(2027),
            json!("2027"),
            json!(3000),
            json!(1899),
            json!(20),
            json!(-1985),
            json!(2026.5),
        ] {
            let errs = errors_on("nam_sinh_me", bad.clone(), today());
            assert_eq!(errs[0].code, FieldErrorCode::OutOfRange, "{bad}");
        }
        // Next year, next year's number is allowed.
        assert!(errors_on("nam_sinh_me", json!(2027), ymd(2027, 1, 1)).is_empty());
        let errs = errors_on("nam_sinh_me", json!(3000), today());
        assert_eq!(
            errs[0].message_vi,
            "“Nhãn nam_sinh_me” không được lớn hơn 2026 (năm nay). Hãy nhập một số từ 1900 đến 2026."
        );
        assert_eq!(
            errs[0].message_en,
            "“Nhãn nam_sinh_me” cannot be more than 2026 (this year). Enter a number from 1900 to 2026."
        );
        let errs = errors_on("nam_sinh_me", json!(20), today());
        assert_eq!(
            errs[0].message_en,
            "“Nhãn nam_sinh_me” cannot be less than 1900. Enter a number from 1900 to 2026."
        );
        // A number field without bounds takes any finite number.
        assert!(errors_on("nam_sinh", json!(-3000), today()).is_empty());
    }

    #[test]
    fn one_sided_number_bounds_say_the_one_side() {
        let f = FormDefinition {
            fields: vec![
                bounded(
                    "so_ban",
                    FieldType::Number,
                    Some(Bound::Number(1.into())),
                    None,
                ),
                bounded(
                    "so_tang",
                    FieldType::Number,
                    None,
                    Some(Bound::Number(7.into())),
                ),
            ],
        };
        let errs = f.check_values(
            &obj(json!({ "so_ban": 0, "so_tang": 8 })),
            &communes,
            today(),
        );
        assert_eq!(
            errs[0].message_en,
            "“Nhãn so_ban” cannot be less than 1. Enter a number of at least 1."
        );
        assert_eq!(
            errs[0].message_vi,
            "“Nhãn so_ban” không được nhỏ hơn 1. Hãy nhập một số từ 1 trở lên."
        );
        assert_eq!(
            errs[1].message_en,
            "“Nhãn so_tang” cannot be more than 7. Enter a number of at most 7."
        );
        assert!(
            f.check_values(
                &obj(json!({ "so_ban": 1, "so_tang": 7 })),
                &communes,
                today()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_range_that_crossed_is_the_catalogue_s_fault_and_says_so() {
        // A fixed minimum against a relative maximum is only empty on some days, so import accepts it.
        let f = FormDefinition {
            fields: vec![bounded(
                "ngay",
                FieldType::Date,
                Some(bound("2030-01-01")),
                Some(Bound::TODAY),
            )],
        };
        let errs = f.check_values(&obj(json!({ "ngay": "2026-01-01" })), &communes, today());
        assert_eq!(errs[0].code, FieldErrorCode::OutOfRange);
        assert!(
            errs[0].message_en.contains("please tell the agency"),
            "{}",
            errs[0].message_en
        );
        assert!(
            f.check_values(
                &obj(json!({ "ngay": "2030-01-01" })),
                &communes,
                ymd(2030, 6, 1)
            )
            .is_empty()
        );
    }

    #[test]
    fn bound_grammar() {
        for (text, expected) in [
            ("today", Bound::TODAY),
            (
                "today-150y",
                Bound::Today {
                    amount: -150,
                    unit: OffsetUnit::Years,
                },
            ),
            (
                "today+2y",
                Bound::Today {
                    amount: 2,
                    unit: OffsetUnit::Years,
                },
            ),
            (
                "today+30d",
                Bound::Today {
                    amount: 30,
                    unit: OffsetUnit::Days,
                },
            ),
            (
                "today-6m",
                Bound::Today {
                    amount: -6,
                    unit: OffsetUnit::Months,
                },
            ),
            (
                "today-73000d",
                Bound::Today {
                    amount: -73000,
                    unit: OffsetUnit::Days,
                },
            ),
            (
                "today+2400m",
                Bound::Today {
                    amount: 2400,
                    unit: OffsetUnit::Months,
                },
            ),
            (
                "today-200y",
                Bound::Today {
                    amount: -200,
                    unit: OffsetUnit::Years,
                },
            ),
            ("1900-01-01", Bound::Date(ymd(1900, 1, 1))),
            ("2028-02-29", Bound::Date(ymd(2028, 2, 29))),
        ] {
            assert_eq!(Bound::parse(text), Ok(expected.clone()), "{text}");
            assert_eq!(expected.to_string(), text);
        }
        // Leading zeros read, and write back without them.
        assert_eq!(bound("today-0150y").to_string(), "today-150y");
        for bad in [
            "",
            "Today",
            "today ",
            " today",
            "today+",
            "today-",
            "today+5",
            "today5y",
            "today+5w",
            "today+y",
            "today+0d",
            "today-201y",
            "today+73001d",
            "today-2401m",
            "today+ 5d",
            "today+5yy",
            "today+-5y",
            "today+5Y",
            "today+٥y",
            "now",
            "yesterday",
            "2026-02-30",
            "1900-1-1",
            "01/01/1900",
            "+2026-01-01",
            "1900-01-01T00:00",
        ] {
            let e = Bound::parse(bad).unwrap_err();
            assert!(e.contains(&format!("“{bad}”")), "{bad}: {e}");
        }
        assert!(
            Bound::parse("today+0d")
                .unwrap_err()
                .contains("write \"today\"")
        );
        assert!(
            Bound::parse("today+5w")
                .unwrap_err()
                .contains("d (days), m (months) or y (years)")
        );
    }

    #[test]
    fn bounds_fit_their_field_type() {
        let date = bound("1900-01-01");
        let rel_days = bound("today-30d");
        let rel_years = bound("today-150y");
        let number = Bound::Number(1900.into());
        assert_eq!(date.unfit_for(FieldType::Date), None);
        assert_eq!(rel_days.unfit_for(FieldType::Date), None);
        assert_eq!(Bound::TODAY.unfit_for(FieldType::Number), None);
        assert_eq!(rel_years.unfit_for(FieldType::Number), None);
        assert_eq!(number.unfit_for(FieldType::Number), None);
        for (b, t) in [
            (&number, FieldType::Date),
            (&date, FieldType::Number),
            (&rel_days, FieldType::Number),
            (&bound("today+6m"), FieldType::Number),
        ] {
            assert!(b.unfit_for(t).is_some(), "{b} on {t}");
        }
        for t in FieldType::ALL
            .iter()
            .filter(|t| !matches!(t, FieldType::Date | FieldType::Number))
        {
            for b in [&date, &rel_years, &number] {
                assert!(
                    b.unfit_for(*t)
                        .unwrap()
                        .contains("only date and number fields"),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn crossed_bounds_are_found_when_they_can_be() {
        let n = |v: i64| Bound::Number(v.into());
        // Fixed against fixed, relative against relative: judged.
        for (lo, hi, crossed) in [
            (bound("2000-01-01"), bound("1999-12-31"), true),
            (bound("2000-01-01"), bound("2000-01-01"), false),
            (n(1900), n(1899), true),
            (n(1900), n(1900), false),
            (bound("today"), bound("today-1d"), true),
            (bound("today-1y"), bound("today"), false),
            (bound("today+2y"), bound("today+1y"), true),
            (bound("today-1m"), bound("today-28d"), false),
            // Crossed only on some days (1 March: 1 February is after 30 January).
            (bound("today-1m"), bound("today-30d"), true),
            (bound("today-12m"), bound("today-1y"), false),
            // Fixed against relative depends on the day of the check.
            (bound("2030-01-01"), bound("today"), false),
            (bound("today"), bound("1900-01-01"), false),
        ] {
            assert_eq!(bounds_conflict(&lo, &hi), crossed, "{lo} .. {hi}");
        }
    }

    #[test]
    fn bounds_serialize_as_the_catalogue_writes_them() {
        let wire = json!({
            "key": "k", "label": "L", "type": "date", "required": true,
            "min": "today-150y", "max": "today"
        });
        let f: FormField = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(f.min, Some(bound("today-150y")));
        assert_eq!(f.max, Some(Bound::TODAY));
        assert_eq!(serde_json::to_value(&f).unwrap(), wire);
        let wire = json!({ "key": "n", "label": "L", "type": "number", "required": false, "min": 1900, "max": 2.5 });
        let f: FormField = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(serde_json::to_value(&f).unwrap(), wire);
        // No bounds: no keys.
        let plain = serde_json::to_value(field("x", FieldType::Date, false)).unwrap();
        assert!(plain.get("min").is_none() && plain.get("max").is_none());
        assert!(
            serde_json::from_value::<FormField>(json!({
                "key": "k", "label": "L", "type": "date", "max": "tomorrow"
            }))
            .is_err()
        );
    }

    fn arb_scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
            any::<String>().prop_map(Value::from),
            "[0-9+ .()-]{0,16}".prop_map(Value::from),
            "[0-9a-z@.-]{0,20}".prop_map(Value::from),
        ]
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => arb_scalar(),
            1 => (arb_scalar(), arb_scalar()).prop_map(|(c, s)| json!({ "commune": c, "street": s })),
            1 => prop::collection::vec(arb_scalar(), 0..3).prop_map(Value::from),
            1 => prop::collection::btree_map("[a-z]{1,8}", arb_scalar(), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    }

    proptest! {
        #[test]
        fn checks_never_panic(
            entries in prop::collection::vec(
                (prop::sample::select(vec![
                    "ho_ten", "ghi_chu", "ngay_sinh", "nam_sinh", "gioi_tinh", "so_dinh_danh",
                    "dien_thoai", "email", "noi_cu_tru", "den_ngay", "ngay_hen", "nam_sinh_me", "khac",
                ]), arb_value()),
                0..12,
            )
        ) {
            let f = form();
            let values: Map<String, Value> = entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let errors = f.check_values(&values, &communes, today());
            let _ = f.check_complete(&values);
            let normalized = f.normalize(&values);
            // Normalizing is idempotent; messages are never empty.
            prop_assert_eq!(f.normalize(&normalized), normalized.clone());
            prop_assert!(errors.iter().all(|e| !e.message_vi.is_empty() && !e.message_en.is_empty()));
            let _ = f.check_values(&normalized, &communes, today());
        }
    }
}
