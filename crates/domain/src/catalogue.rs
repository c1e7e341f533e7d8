//! The procedure catalogue (SPEC §3): the model of an administrative procedure (thủ tục hành chính) and its
//! JSON import/export.
//!
//! The wire format is the schema of the shipped demo catalogue (`data/demo-catalogue.json`, described in
//! `shared/data/demo-catalogue.md`), extended with the fields the product adds (`version`, `paperless`, fee
//! `kind`/`collected_at`/validity dates, component `accepts`/`max_bytes`). A deployment loads its province's
//! catalogue through [`import_catalogue`], the same importer the demo data goes through, and
//! [`export_catalogue`] writes a file that imports back to the same procedures.
//!
//! The importer validates everything and reports every problem with its JSON path, because whoever fixes a
//! catalogue file by hand wants the whole list at once, not one error per attempt. The store imports
//! all-or-nothing, so a single invalid procedure fails the whole import.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fees::{Conditions, FeeQuantity, FeeRule};
use crate::form::{
    Bound, ChoiceOption, FieldType, FormDefinition, FormField, bounds_conflict, parse_form_date,
};
use crate::text;

/// An enum with fixed snake_case wire names, parsed by name so the importer can list the allowed values.
pub trait WireEnum: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The wire name.
    fn wire_name(self) -> &'static str;
    /// The value with this exact wire name.
    fn from_wire_name(s: &str) -> Option<Self>;
}

/// Declares a fieldless enum whose serde names, `as_str`, `from_wire` and `Display` all use the same wire
/// names, written once.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The value with this exact wire name.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::catalogue::WireEnum for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn wire_name(self) -> &'static str {
                self.as_str()
            }
            fn from_wire_name(s: &str) -> Option<Self> {
                Self::from_wire(s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

// ---------------------------------------------------------------------------------------------------------
// Procedure code
// ---------------------------------------------------------------------------------------------------------

/// A national procedure code (mã TTHC) as published in the national database of administrative procedures:
/// one digit, a dot, six digits (e.g. `1.001193`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode(String);

/// A string that is not a procedure code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}” is not a procedure code: write one digit, a dot and six digits, for example 1.001193"
)]
pub struct InvalidProcedureCode(pub String);

impl ProcedureCode {
    /// Parses `d.dddddd` (ASCII digits only; no surrounding spaces).
    pub fn parse(s: &str) -> Result<Self, InvalidProcedureCode> {
        let chars: Vec<char> = s.chars().collect();
        let ok = chars.len() == 8
            && chars.iter().enumerate().all(|(i, c)| {
                if i == 1 {
                    *c == '.'
                } else {
                    c.is_ascii_digit()
                }
            });
        if ok {
            Ok(ProcedureCode(s.to_owned()))
        } else {
            Err(InvalidProcedureCode(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProcedureCode {
    type Error = InvalidProcedureCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ProcedureCode::parse(&s)
    }
}

impl From<ProcedureCode> for String {
    fn from(c: ProcedureCode) -> String {
        c.0
    }
}

// ---------------------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------------------

wire_enum! {
    /// The level of government that handles the procedure. Since the two-tier local-government reform of
    /// 1 July 2025 there is no district level: local procedures are commune or province.
    pub enum AgencyLevel {
        Commune = "commune",
        Province = "province",
        Ministry = "ministry",
    }
}

wire_enum! {
    /// Who may apply (the national catalogue's "đối tượng thực hiện"): a person for themselves, or
    /// an enterprise through its legal representative, who signs in with their own identity and
    /// names the enterprise code (SPEC §6).
    pub enum ApplicantKind {
        Citizen = "citizen",
        Enterprise = "enterprise",
    }
}

wire_enum! {
    /// Online service level: full-process (toàn trình), partial (một phần), or counter only.
    pub enum OnlineLevel {
        Full = "full",
        Partial = "partial",
        None = "none",
    }
}

wire_enum! {
    /// How a procedure's legal processing time is counted.
    pub enum TimeUnit {
        WorkingDays = "working_days",
        WorkingHours = "working_hours",
        Days = "days",
        Hours = "hours",
    }
}

wire_enum! {
    /// Whether a provenance statement was read in an official record or is our estimate.
    pub enum ProvenanceStatus {
        Verified = "verified",
        Estimated = "estimated",
    }
}

wire_enum! {
    /// The legal nature of a payment line.
    ///
    /// Law on Fees and Charges No. 97/2015/QH13, Art. 3: a *fee* (phí) recovers the cost of a public service,
    /// a *charge* (lệ phí) is fixed for a state administrative service. A *contribution* is neither (e.g. the
    /// health-insurance premium under the Law on Health Insurance), but is paid through the same step.
    pub enum FeeKind {
        Fee = "fee",
        Charge = "charge",
        Contribution = "contribution",
    }
}

wire_enum! {
    /// When a fee line is collected (SPEC §3: at receipt, on supplementation, at return).
    #[derive(Default)]
    pub enum CollectionPoint {
        #[default]
        Receipt = "receipt",
        Supplement = "supplement",
        Return = "return",
    }
}

wire_enum! {
    /// How a dossier reaches the agency. Postal submission pays the counter amount (the demo catalogue's
    /// `counter_vnd` covers counter and post).
    pub enum Channel {
        Online = "online",
        Counter = "counter",
        Post = "post",
    }
}

wire_enum! {
    /// Whether a document component must be provided.
    pub enum RequirementKind {
        Required = "required",
        Optional = "optional",
        /// Required only in the situation described by the component's `condition`.
        Conditional = "conditional",
    }
}

wire_enum! {
    /// The form in which a document component is provided.
    pub enum CopyKind {
        Original = "original",
        Copy = "copy",
        CertifiedCopy = "certified_copy",
        /// Shown at the counter for checking, not handed in.
        PresentOnly = "present_only",
        /// Filled in as an electronic form.
        EForm = "e_form",
    }
}

/// Whether paper is refused for a procedure: never, always, or on the province's pilot "paperless days".
///
/// Wire form: `"never"`, `"always"` or `{ "weekdays": ["Mon", "Thu"] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paperless {
    #[default]
    Never,
    Always,
    Weekdays(Vec<Weekday>),
}

impl Paperless {
    /// Whether paper dossiers are refused on this date.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        match self {
            Paperless::Never => false,
            Paperless::Always => true,
            Paperless::Weekdays(days) => days.contains(&day.weekday()),
        }
    }

    /// Whether a paper dossier for this procedure is refused on `day` at a receiving point whose
    /// agency keeps `agency_days` paperless (SPEC §3, Decision 468/QĐ-TTg pilots). Walk-ins are
    /// refused on the procedure's days and on the agency's; post is refused only for a procedure
    /// that is paperless always, since a letter cannot be turned away on a given weekday.
    pub fn refuses_paper(&self, channel: Channel, agency_days: &[Weekday], day: NaiveDate) -> bool {
        match channel {
            Channel::Online => false,
            Channel::Post => *self == Paperless::Always,
            Channel::Counter => self.applies_on(day) || agency_days.contains(&day.weekday()),
        }
    }
}

/// Weekdays as stored and as typed: "Mon,Thu" (English three-letter names, any case); `None`
/// when one is not a weekday. Sorted Monday first, without repeats.
pub fn parse_weekdays(text: &str) -> Option<Vec<Weekday>> {
    let mut days = Vec::new();
    for d in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let day: Weekday = d.parse().ok()?;
        if !days.contains(&day) {
            days.push(day);
        }
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    Some(days)
}

/// The stored form of [`parse_weekdays`].
pub fn weekdays_text(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------------------------------------------------
// Procedure parts
// ---------------------------------------------------------------------------------------------------------

/// Where a statement about a procedure comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub status: ProvenanceStatus,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Minutes in one working day: 8 hours (Labour Code No. 45/2019/QH14, Art. 105: normal working time does not
/// exceed 8 hours a day; public offices work a 40-hour week under Decision 188/1999/QĐ-TTg). One-stop systems
/// store deadlines in working hours at 8 h/day (DOMAIN-VN.md §2.5).
pub const WORKING_DAY_MINUTES: i64 = 8 * 60;

/// The legal maximum processing time of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessingTime {
    /// At least 1. A procedure decided on the spot is 1 working day with `same_day`.
    pub value: u32,
    pub unit: TimeUnit,
    /// The law says "ngay trong ngày" (same day); a dossier received after 15:00 is then returned the next
    /// working day (civil-status practice, see DOMAIN-VN.md §2.5 and each procedure's `note`).
    #[serde(default)]
    pub same_day: bool,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

impl ProcessingTime {
    /// The legal time in working minutes, the unit the deadline clock runs in.
    ///
    /// Working days count 480 minutes and working hours 60. Calendar `days` and `hours` are approximated as
    /// working days and hours: the deadline clock only runs on the working-hours calendar, and the only
    /// calendar-unit procedure in the demo catalogue (residence notification, "1 hours", handled on receipt)
    /// is not one where the difference matters. This is lenient towards the agency for long calendar-day
    /// limits (weekends do not count); a procedure that needs exact calendar time must be given in working
    /// units by the catalogue maintainer.
    pub fn legal_working_minutes(&self) -> i64 {
        let value = i64::from(self.value);
        match self.unit {
            TimeUnit::WorkingDays | TimeUnit::Days => value * WORKING_DAY_MINUTES,
            TimeUnit::WorkingHours | TimeUnit::Hours => value * 60,
        }
    }
}

/// One fee, charge or contribution line, with channel-dependent amounts in VND.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub kind: FeeKind,
    /// Amount when submitting at the counter or by post; `None` = no such channel or unknown, `Some(0)` = free.
    pub counter_vnd: Option<i64>,
    /// Amount when submitting online (provinces often reduce it, e.g. to 0 under their own resolutions).
    pub online_vnd: Option<i64>,
    #[serde(default)]
    pub collected_at: CollectionPoint,
    /// First day the line applies (inclusive); `None` = since ever.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day the line applies (inclusive); `None` = until further notice.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
    /// When the line applies, how many units, when it is waived — from the form's answers
    /// (see [`crate::fees`]).
    #[serde(default, flatten, skip_serializing_if = "FeeRule::is_empty")]
    pub rule: FeeRule,
}

impl FeeLine {
    /// Whether the line applies on this date.
    pub fn is_valid_on(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= on) && self.valid_to.is_none_or(|to| on <= to)
    }

    /// The amount for a channel on a date: `None` when the line does not apply on that date or has no amount
    /// for the channel. Post pays the counter amount.
    pub fn amount_for(&self, channel: Channel, on: NaiveDate) -> Option<i64> {
        if !self.is_valid_on(on) {
            return None;
        }
        match channel {
            Channel::Online => self.online_vnd,
            Channel::Counter | Channel::Post => self.counter_vnd,
        }
    }
}

/// MIME types a component accepts when the catalogue does not say: PDF and the two photo formats phones produce
/// when they scan a paper.
pub const DEFAULT_ACCEPTS: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
/// Largest upload per file when the catalogue does not say: 10 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

fn default_accepts() -> Vec<String> {
    DEFAULT_ACCEPTS.iter().map(|s| (*s).to_owned()).collect()
}

fn default_max_bytes() -> u64 {
    DEFAULT_MAX_BYTES
}

fn default_quantity() -> u32 {
    1
}

/// One document of the dossier (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Stable identifier (`[a-z0-9_]+`) used by uploads and supplementation requests.
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub required: RequirementKind,
    pub copy_kind: CopyKind,
    /// State data sources that can replace an upload (e.g. `population_db`); when one answers, the citizen
    /// must not be asked for the document (SPEC §3).
    #[serde(default)]
    pub reusable_from: Vec<String>,
    /// When a conditional component is needed, in Vietnamese.
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_en: Option<String>,
    #[serde(default = "default_quantity")]
    pub quantity: u32,
    /// Accepted MIME types of uploads.
    #[serde(default = "default_accepts")]
    pub accepts: Vec<String>,
    /// Largest accepted upload, per file.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
}

fn default_version() -> u32 {
    1
}

fn empty_array() -> Value {
    Value::Array(Vec::new())
}

/// One version of an administrative procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub code: ProcedureCode,
    /// Catalogue version; a dossier is pinned to the version it was submitted under (SPEC §3).
    #[serde(default = "default_version")]
    pub version: u32,
    pub name_vi: String,
    /// May be empty: a province's catalogue need not have English names; the UI then shows `name_vi`.
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_en: Option<String>,
    /// The sector's code in the national catalogue (e.g. `G15-TP07`); `None` when not known.
    #[serde(default)]
    pub sector_code: Option<String>,
    pub level: AgencyLevel,
    /// Kind of competent agency (e.g. `commune_peoples_committee`); an open list, mapped to agencies by the
    /// organisation model.
    pub competent_agency_kind: String,
    #[serde(default)]
    pub competent_agency_vi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competent_agency_en: Option<String>,
    /// Who may apply; a catalogue that does not say means people applying for themselves.
    #[serde(default = "citizens_only")]
    pub applicants: Vec<ApplicantKind>,
    pub online_level: OnlineLevel,
    #[serde(default)]
    pub paperless: Paperless,
    /// Number in the list of essential public services of Project 06, if on it.
    #[serde(default)]
    pub essential_service_no: Option<u32>,
    pub processing_time: ProcessingTime,
    #[serde(default)]
    pub fees: Vec<FeeLine>,
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub form: FormDefinition,
    #[serde(default)]
    pub result_document: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_document_en: Option<String>,
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// Procedures this one is chained with in an interconnected group (liên thông).
    #[serde(default)]
    pub interconnected_with: Vec<ProcedureCode>,
    /// For an interconnected group: the member procedures its application fans out into
    /// ([`crate::group`]). Empty for an ordinary procedure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<crate::group::GroupMember>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Per core field (`code`, `name_vi`, `fees`, …): verified or estimated, and from where.
    #[serde(default)]
    pub provenance: BTreeMap<String, Provenance>,
    /// The source list, kept verbatim (its shape is documentation, not behaviour).
    #[serde(default = "empty_array")]
    pub sources: Value,
}

fn citizens_only() -> Vec<ApplicantKind> {
    vec![ApplicantKind::Citizen]
}

impl Procedure {
    /// The procedure as an English reader is shown it: every text that has an English version
    /// (labels, hints, options, parts, components and their conditions, fees, result, sector,
    /// agency, the time note) replaced by it, the Vietnamese kept where the catalogue has none.
    /// For display only: what is stored, validated against or printed on a result stays the
    /// procedure as published (results are Vietnamese documents).
    pub fn in_english(&self) -> Procedure {
        fn swap(vi: &mut String, en: &Option<String>) {
            if let Some(en) = en.as_ref().filter(|e| !e.trim().is_empty()) {
                vi.clone_from(en);
            }
        }
        fn swap_opt(vi: &mut Option<String>, en: &Option<String>) {
            if en.as_ref().is_some_and(|e| !e.trim().is_empty()) {
                vi.clone_from(en);
            }
        }
        let mut p = self.clone();
        swap(&mut p.sector, &self.sector_en);
        swap(&mut p.competent_agency_vi, &self.competent_agency_en);
        swap(&mut p.result_document, &self.result_document_en);
        swap_opt(&mut p.processing_time.note, &self.processing_time.note_en);
        for f in &mut p.fees {
            let (name_en, note_en) = (f.name_en.clone(), f.note_en.clone());
            swap(&mut f.name, &name_en);
            swap_opt(&mut f.note, &note_en);
        }
        for c in &mut p.components {
            let (name_en, condition_en) = (c.name_en.clone(), c.condition_en.clone());
            swap(&mut c.name, &name_en);
            swap_opt(&mut c.condition, &condition_en);
        }
        for f in &mut p.form.fields {
            let (label_en, note_en, section_en) =
                (f.label_en.clone(), f.note_en.clone(), f.section_en.clone());
            swap(&mut f.label, &label_en);
            swap_opt(&mut f.note, &note_en);
            swap_opt(&mut f.section, &section_en);
            for o in &mut f.options {
                let label_en = o.label_en.clone();
                swap(&mut o.label, &label_en);
            }
        }
        p
    }

    /// Whether an enterprise may apply for it through its representative.
    pub fn admits_enterprises(&self) -> bool {
        self.applicants.contains(&ApplicantKind::Enterprise)
    }

    /// Whether a field's value was verified (`Some(true)`), estimated (`Some(false)`), or has no provenance.
    pub fn is_verified(&self, field: &str) -> Option<bool> {
        self.provenance
            .get(field)
            .map(|p| p.status == ProvenanceStatus::Verified)
    }

    /// The fields whose provenance is verified, in key order.
    pub fn verified_fields(&self) -> Vec<&str> {
        self.provenance
            .iter()
            .filter(|(_, p)| p.status == ProvenanceStatus::Verified)
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// The component with this key.
    pub fn component(&self, key: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.key == key)
    }

    /// Sum of every fee line's amount for the channel on the date (lines without an amount count 0).
    ///
    /// Beware: catalogues list alternative lines (per region, per person, late vs on-time registration), so the
    /// sum is an upper bound for display, not what a given dossier owes; the payment request picks lines.
    pub fn fee_total(&self, channel: Channel, on: NaiveDate) -> i64 {
        self.fees
            .iter()
            .filter_map(|f| f.amount_for(channel, on))
            .sum()
    }
}

/// Whether `s` is a valid key for components, form fields and data sources: `[a-z0-9_]+`.
pub fn is_valid_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The kind of a fee line that does not say, guessed from the Vietnamese name: "Lệ phí …" is a charge,
/// "Phí …" a fee, "Tiền đóng …" (money paid in, e.g. insurance premiums) a contribution; anything else a fee.
/// The demo catalogue has no `kind`; export writes it, so this guess is made once.
pub fn infer_fee_kind(name: &str) -> FeeKind {
    let tokens = text::tokens(name);
    let first: Vec<&str> = tokens.iter().take(2).map(String::as_str).collect();
    match first.as_slice() {
        ["le", "phi"] => FeeKind::Charge,
        ["tien", "dong"] => FeeKind::Contribution,
        _ => FeeKind::Fee,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Import errors
// ---------------------------------------------------------------------------------------------------------

/// One problem in a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The code of the procedure concerned, as written in the file (even when malformed).
    pub procedure: Option<String>,
    /// JSON path of the problem, e.g. `procedures[3].form_fields[2].options`. The procedure list is called
    /// `procedures` whether the file is a bare array or `{ "procedures": [...] }`; empty for the whole file.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}", self.path)?;
            if let Some(code) = &self.procedure {
                write!(f, " ({code})")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a catalogue file (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportErrors(pub Vec<ImportError>);

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the catalogue was not imported: {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

// ---------------------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------------------

/// Parses and validates a catalogue: a JSON array of procedures, or `{ "procedures": [...] }`.
///
/// Unknown keys are ignored (the demo file carries research metadata such as `verified_fields`, which is
/// only checked against `provenance`). Every problem is reported; any problem fails the whole import.
pub fn import_catalogue(json: &str) -> Result<Vec<Procedure>, ImportErrors> {
    let doc: Value = serde_json::from_str(json).map_err(|e| {
        ImportErrors(vec![ImportError {
            procedure: None,
            path: String::new(),
            message: format!("the file is not valid JSON: {e}"),
        }])
    })?;
    let items = match &doc {
        Value::Array(items) => items,
        Value::Object(o) => match o.get("procedures") {
            Some(Value::Array(items)) => items,
            _ => return Err(top_level_error()),
        },
        _ => return Err(top_level_error()),
    };

    let mut ctx = Ctx::default();
    let mut procedures = Vec::with_capacity(items.len());
    let mut seen_codes: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let base = format!("procedures[{i}]");
        if let Some(code) = item.get("code").and_then(Value::as_str) {
            if let Some(first) = seen_codes.get(code) {
                ctx.procedure = Some(code.to_owned());
                ctx.err(
                    &format!("{base}.code"),
                    format!(
                        "duplicate procedure code {code} (also procedures[{first}]); a catalogue lists each \
                         procedure once, with its current version"
                    ),
                );
            } else {
                seen_codes.insert(code, i);
            }
        }
        if let Ok(p) = ctx.procedure(item, &base) {
            procedures.push(p);
        }
    }
    if ctx.errors.is_empty() {
        Ok(procedures)
    } else {
        Err(ImportErrors(ctx.errors))
    }
}

fn top_level_error() -> ImportErrors {
    ImportErrors(vec![ImportError {
        procedure: None,
        path: String::new(),
        message:
            "a catalogue is a JSON array of procedures, or an object { \"procedures\": [...] }"
                .to_owned(),
    }])
}

/// Marks a value that could not be read; the reason is already in `Ctx::errors`.
struct Invalid;

type Parsed<T> = Result<T, Invalid>;

/// The value under `key`, treating `null` as absent (the demo data writes `null` for "none").
fn get<'v>(o: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    o.get(key).filter(|v| !v.is_null())
}

#[derive(Default)]
struct Ctx {
    errors: Vec<ImportError>,
    /// Code of the procedure being read, for error reports.
    procedure: Option<String>,
}

impl Ctx {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ImportError {
            procedure: self.procedure.clone(),
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        what: &str,
    ) -> Parsed<&'v Map<String, Value>> {
        v.as_object().ok_or_else(|| {
            self.err(path, format!("{what} must be a JSON object {{ … }}"));
            Invalid
        })
    }

    /// A string that must be present and not blank.
    fn required_text(&mut self, o: &Map<String, Value>, base: &str, key: &str) -> Parsed<String> {
        let path = format!("{base}.{key}");
        match get(o, key) {
            None => {
                self.err(
                    &path,
                    format!("“{key}” is missing; it must be a non-empty string"),
                );
                Err(Invalid)
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.err(
                    &path,
                    format!("“{key}” is empty; it must be a non-empty string"),
                );
                Err(Invalid)
            }
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => {
                self.err(&path, format!("“{key}” must be a string"));
                Err(Invalid)
            }
        }
    }

    /// A string that may be absent or `null`.
    fn opt_text(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
    ) -> Parsed<Option<String>> {
        match get(o, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => {
                self.err(
                    &format!("{base}.{key}"),
                    format!("“{key}” must be a string or null"),
                );
                Err(Invalid)
            }
        }
    }

    /// A string that defaults to empty.
    fn text_or_empty(&mut self, o: &Map<String, Value>, base: &str, key: &str) -> Parsed<String> {
        Ok(self.opt_text(o, base, key)?.unwrap_or_default())
    }

    fn array<'v>(
        &mut self,
        o: &'v Map<String, Value>,
        base: &str,
        key: &str,
    ) -> Parsed<&'v [Value]> {
        match get(o, key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(_) => {
                self.err(
                    &format!("{base}.{key}"),
                    format!("“{key}” must be an array [ … ]"),
                );
                Err(Invalid)
            }
        }
    }

    /// An array of strings; absent means empty.
    fn text_list(&mut self, o: &Map<String, Value>, base: &str, key: &str) -> Parsed<Vec<String>> {
        let items = self.array(o, base, key)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => {
                    self.err(&format!("{base}.{key}[{i}]"), "each entry must be a string");
                    ok = false;
                }
            }
        }
        if ok { Ok(out) } else { Err(Invalid) }
    }

    /// A list of keys (`[a-z0-9_]+`), e.g. data sources.
    /// State data sources: `source` (the agency may look it up) or `source:record` (a record the
    /// system reads and files in place of the component; see [`crate::national::Record`]).
    fn source_list(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
    ) -> Parsed<Vec<String>> {
        let list = self.text_list(o, base, key)?;
        let mut ok = true;
        for (i, k) in list.iter().enumerate() {
            let (source, record) = crate::national::split_source(k);
            if !is_valid_key(source) {
                self.err(&format!("{base}.{key}[{i}]"), key_message(source));
                ok = false;
            } else if record.is_some() && crate::national::Record::from_source(k).is_none() {
                self.err(
                    &format!("{base}.{key}[{i}]"),
                    format!("“{k}” names no record motcua can read; see domain::national::Record"),
                );
                ok = false;
            }
        }
        if ok { Ok(list) } else { Err(Invalid) }
    }

    fn boolean(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        default: bool,
    ) -> Parsed<bool> {
        match get(o, key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => {
                self.err(
                    &format!("{base}.{key}"),
                    format!("“{key}” must be true or false"),
                );
                Err(Invalid)
            }
        }
    }

    /// A whole number in `min..=max`; `default` when absent (an error when absent without default).
    fn uint(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        default: Option<u64>,
        min: u64,
        max: u64,
    ) -> Parsed<u64> {
        match (get(o, key), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => {
                self.err(
                    &format!("{base}.{key}"),
                    format!("“{key}” is missing; it must be a whole number from {min}"),
                );
                Err(Invalid)
            }
            (Some(v), _) => self.uint_value(v, &format!("{base}.{key}"), key, min, max),
        }
    }

    fn opt_uint(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        min: u64,
        max: u64,
    ) -> Parsed<Option<u64>> {
        match get(o, key) {
            None => Ok(None),
            Some(v) => self
                .uint_value(v, &format!("{base}.{key}"), key, min, max)
                .map(Some),
        }
    }

    fn uint_value(&mut self, v: &Value, path: &str, key: &str, min: u64, max: u64) -> Parsed<u64> {
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => {
                self.err(
                    path,
                    format!("“{key}” must be a whole number from {min} to {max}, got {v}"),
                );
                Err(Invalid)
            }
        }
    }

    /// An amount in đồng: absent/null, or a whole number ≥ 0.
    fn vnd(&mut self, o: &Map<String, Value>, base: &str, key: &str) -> Parsed<Option<i64>> {
        let path = format!("{base}.{key}");
        match get(o, key) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= 0 => Ok(Some(n)),
                Some(n) => {
                    self.err(
                        &path,
                        format!(
                            "“{key}” is negative ({n}); amounts are in đồng, 0 for free, null when the \
                             channel does not exist or the amount is unknown"
                        ),
                    );
                    Err(Invalid)
                }
                None => {
                    self.err(
                        &path,
                        format!("“{key}” must be a whole number of đồng (no decimals, no separators) or null"),
                    );
                    Err(Invalid)
                }
            },
        }
    }

    fn enum_value<E: WireEnum>(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        default: Option<E>,
    ) -> Parsed<E> {
        let path = format!("{base}.{key}");
        match (get(o, key), default) {
            (None, Some(d)) => Ok(d),
            (Some(Value::String(s)), _) => E::from_wire_name(s).ok_or_else(|| {
                self.err(
                    &path,
                    format!(
                        "unknown value “{s}” for “{key}”; expected one of: {}",
                        allowed::<E>()
                    ),
                );
                Invalid
            }),
            (None, None) => {
                self.err(
                    &path,
                    format!("“{key}” is missing; expected one of: {}", allowed::<E>()),
                );
                Err(Invalid)
            }
            (Some(_), _) => {
                self.err(
                    &path,
                    format!("“{key}” must be a string, one of: {}", allowed::<E>()),
                );
                Err(Invalid)
            }
        }
    }

    fn date(&mut self, o: &Map<String, Value>, base: &str, key: &str) -> Parsed<Option<NaiveDate>> {
        match self.opt_text(o, base, key)? {
            None => Ok(None),
            Some(s) => parse_form_date(&s).map(Some).ok_or_else(|| {
                self.err(
                    &format!("{base}.{key}"),
                    format!("“{key}” must be a real date written YYYY-MM-DD, got “{s}”"),
                );
                Invalid
            }),
        }
    }

    fn key(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<String> {
        let k = self.required_text(o, base, "key")?;
        if is_valid_key(&k) {
            Ok(k)
        } else {
            self.err(&format!("{base}.key"), key_message(&k));
            Err(Invalid)
        }
    }

    fn procedure(&mut self, v: &Value, base: &str) -> Parsed<Procedure> {
        self.procedure = v.get("code").and_then(Value::as_str).map(str::to_owned);
        let o = self.object(v, base, "a procedure")?;

        let code = self.required_text(o, base, "code").and_then(|c| {
            ProcedureCode::parse(&c).map_err(|e| {
                self.err(&format!("{base}.code"), e.to_string());
                Invalid
            })
        });
        let version = self.uint(o, base, "version", Some(1), 1, u64::from(u32::MAX));
        let name_vi = self.required_text(o, base, "name_vi");
        let name_en = self.text_or_empty(o, base, "name_en");
        let sector = self.text_or_empty(o, base, "sector");
        let sector_en = self.opt_text(o, base, "sector_en");
        let sector_code = self.opt_text(o, base, "sector_code");
        let level = self.enum_value::<AgencyLevel>(o, base, "level", None);
        let competent_agency_kind = self.required_text(o, base, "competent_agency_kind");
        let competent_agency_vi = self.text_or_empty(o, base, "competent_agency_vi");
        let competent_agency_en = self.opt_text(o, base, "competent_agency_en");
        let applicants = self.applicants(o, base);
        let online_level = self.enum_value::<OnlineLevel>(o, base, "online_level", None);
        let paperless = self.paperless(o, base);
        let essential_service_no =
            self.opt_uint(o, base, "essential_service_no", 1, u64::from(u32::MAX));
        let processing_time = self.processing_time(o, base);
        let fees = self.list(o, base, "fees", Ctx::fee);
        let components = self.components(o, base);
        let form = self.form(o, base);
        let result_document = self.text_or_empty(o, base, "result_document");
        let result_document_en = self.opt_text(o, base, "result_document_en");
        let legal_basis = self.text_list(o, base, "legal_basis");
        let interconnected_with = self.interconnected(o, base);
        let members = self.members(o, base);
        let notes = self.text_list(o, base, "notes");
        let provenance = self.provenance(o, base);
        let sources = Ok(get(o, "sources").cloned().unwrap_or_else(empty_array));

        let p = Procedure {
            code: code?,
            version: u32::try_from(version?).map_err(|_| Invalid)?,
            name_vi: name_vi?,
            name_en: name_en?,
            sector: sector?,
            sector_en: sector_en?,
            sector_code: sector_code?,
            level: level?,
            competent_agency_kind: competent_agency_kind?,
            competent_agency_vi: competent_agency_vi?,
            competent_agency_en: competent_agency_en?,
            applicants: applicants?,
            online_level: online_level?,
            paperless: paperless?,
            essential_service_no: essential_service_no?
                .map(u32::try_from)
                .transpose()
                .map_err(|_| Invalid)?,
            processing_time: processing_time?,
            fees: fees?,
            components: components?,
            form: form?,
            result_document: result_document?,
            result_document_en: result_document_en?,
            legal_basis: legal_basis?,
            interconnected_with: interconnected_with?,
            members: members?,
            notes: notes?,
            provenance: provenance?,
            sources: sources?,
        };
        self.check_verified_fields(o, base, &p);
        self.check_fee_rules(base, &p)?;
        Ok(p)
    }

    /// A fee rule reads form answers: each field it names must exist, quantities must read number
    /// fields and day windows date fields, or the fee could never be computed as written.
    fn check_fee_rules(&mut self, base: &str, p: &Procedure) -> Parsed<()> {
        let mut ok = true;
        for (i, line) in p.fees.iter().enumerate() {
            let field_type = |k: &str| {
                p.form
                    .fields
                    .iter()
                    .find(|f| f.key == k)
                    .map(|f| f.field_type)
            };
            let mut problems = Vec::new();
            for k in line.rule.fields() {
                if field_type(k).is_none() {
                    problems.push(format!(
                        "names the form field {k:?}, which the form does not have"
                    ));
                }
            }
            if let Some(q) = &line.rule.per {
                for k in q.fields() {
                    if field_type(k).is_some_and(|t| t != FieldType::Number) {
                        problems.push(format!(
                            "counts units from {k:?}, which is not a number field"
                        ));
                    }
                }
            }
            for c in line.rule.conditions() {
                if (c.within_days.is_some()
                    || c.after_days.is_some()
                    || c.age_at_least.is_some()
                    || c.age_under.is_some())
                    && field_type(&c.field).is_some_and(|t| t != FieldType::Date)
                {
                    problems.push(format!(
                        "measures days from {:?}, which is not a date field",
                        c.field
                    ));
                }
                if (c.more_than.is_some() || c.not_more_than.is_some())
                    && field_type(&c.field).is_some_and(|t| t != FieldType::Number)
                {
                    problems.push(format!(
                        "compares {:?} as a number, which is not a number field",
                        c.field
                    ));
                }
            }
            for m in problems {
                self.err(&format!("{base}.fees[{i}]"), format!("the fee rule {m}"));
                ok = false;
            }
        }
        if ok { Ok(()) } else { Err(Invalid) }
    }

    /// Parses each element of the array under `key` with `item`, collecting every element's errors.
    fn list<T>(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        item: fn(&mut Ctx, &Value, &str) -> Parsed<T>,
    ) -> Parsed<Vec<T>> {
        let items = self.array(o, base, key)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, v) in items.iter().enumerate() {
            match item(self, v, &format!("{base}.{key}[{i}]")) {
                Ok(t) => out.push(t),
                Err(Invalid) => ok = false,
            }
        }
        if ok { Ok(out) } else { Err(Invalid) }
    }

    fn paperless(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<Paperless> {
        let path = format!("{base}.paperless");
        const HOW: &str =
            "“paperless” must be \"never\", \"always\" or {\"weekdays\": [\"Mon\", …]}";
        match get(o, "paperless") {
            None => Ok(Paperless::Never),
            Some(Value::String(s)) if s == "never" => Ok(Paperless::Never),
            Some(Value::String(s)) if s == "always" => Ok(Paperless::Always),
            Some(Value::Object(m)) if m.len() == 1 => {
                let Some(Value::Array(days)) = m.get("weekdays") else {
                    self.err(&path, HOW);
                    return Err(Invalid);
                };
                if days.is_empty() {
                    self.err(
                        &format!("{path}.weekdays"),
                        "no weekday listed; use \"never\" for a procedure that always accepts paper",
                    );
                    return Err(Invalid);
                }
                let mut out = Vec::with_capacity(days.len());
                let mut ok = true;
                for (i, d) in days.iter().enumerate() {
                    match d.as_str().and_then(|s| s.parse::<Weekday>().ok()) {
                        Some(w) => out.push(w),
                        None => {
                            self.err(
                                &format!("{path}.weekdays[{i}]"),
                                format!("{d} is not a weekday; write Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
                            );
                            ok = false;
                        }
                    }
                }
                if ok {
                    Ok(Paperless::Weekdays(out))
                } else {
                    Err(Invalid)
                }
            }
            Some(_) => {
                self.err(&path, HOW);
                Err(Invalid)
            }
        }
    }

    fn processing_time(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<ProcessingTime> {
        let path = format!("{base}.processing_time");
        let Some(v) = get(o, "processing_time") else {
            self.err(
                &path,
                "“processing_time” is missing; write {\"value\": 3, \"unit\": \"working_days\"}",
            );
            return Err(Invalid);
        };
        let t = self.object(v, &path, "“processing_time”")?;
        let value = match get(t, "value") {
            Some(v) if v.as_u64() == Some(0) => {
                self.err(
                    &format!("{path}.value"),
                    "the processing time is 0; a procedure decided on the spot is 1 working_days with \
                     \"same_day\": true",
                );
                Err(Invalid)
            }
            _ => self.uint(t, &path, "value", None, 1, u64::from(u32::MAX)),
        };
        let unit = self.enum_value::<TimeUnit>(t, &path, "unit", None);
        let same_day = self.boolean(t, &path, "same_day", false);
        let note = self.opt_text(t, &path, "note");
        let note_en = self.opt_text(t, &path, "note_en");
        Ok(ProcessingTime {
            value: u32::try_from(value?).map_err(|_| Invalid)?,
            unit: unit?,
            same_day: same_day?,
            note: note?,
            note_en: note_en?,
        })
    }

    fn fee(&mut self, v: &Value, base: &str) -> Parsed<FeeLine> {
        let o = self.object(v, base, "a fee line")?;
        let name = self.required_text(o, base, "name");
        let name_en = self.opt_text(o, base, "name_en");
        let inferred = name.as_deref().map_or(FeeKind::Fee, infer_fee_kind);
        let kind = self.enum_value(o, base, "kind", Some(inferred));
        let counter_vnd = self.vnd(o, base, "counter_vnd");
        let online_vnd = self.vnd(o, base, "online_vnd");
        let collected_at = self.enum_value(o, base, "collected_at", Some(CollectionPoint::Receipt));
        let valid_from = self.date(o, base, "valid_from");
        let valid_to = self.date(o, base, "valid_to");
        let note = self.opt_text(o, base, "note");
        let note_en = self.opt_text(o, base, "note_en");
        let rule = self.fee_rule(o, base);
        if let (Ok(Some(from)), Ok(Some(to))) = (&valid_from, &valid_to)
            && from > to
        {
            self.err(
                &format!("{base}.valid_from"),
                format!(
                    "valid_from ({from}) is after valid_to ({to}); the validity window is inclusive"
                ),
            );
            return Err(Invalid);
        }
        Ok(FeeLine {
            name: name?,
            name_en: name_en?,
            kind: kind?,
            counter_vnd: counter_vnd?,
            online_vnd: online_vnd?,
            collected_at: collected_at?,
            valid_from: valid_from?,
            valid_to: valid_to?,
            note: note?,
            note_en: note_en?,
            rule: rule?,
        })
    }

    /// The line's rule keys (`when`, `unless`, `per`, `exempt_when`), each read by its own serde shape so an
    /// unknown key inside is reported at its path. Field references are checked later, against
    /// the form.
    fn fee_rule(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<FeeRule> {
        let mut rule = FeeRule::default();
        let mut ok = true;
        for key in ["when", "unless", "per", "exempt_when"] {
            let Some(v) = o.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            let path = format!("{base}.{key}");
            let parsed = match key {
                "per" => {
                    serde_json::from_value::<FeeQuantity>(v.clone()).map(|q| rule.per = Some(q))
                }
                "when" => {
                    serde_json::from_value::<Conditions>(v.clone()).map(|c| rule.when = Some(c))
                }
                "unless" => {
                    serde_json::from_value::<Conditions>(v.clone()).map(|c| rule.unless = Some(c))
                }
                _ => serde_json::from_value::<Conditions>(v.clone())
                    .map(|c| rule.exempt_when = Some(c)),
            };
            if let Err(e) = parsed {
                self.err(&path, format!("not a fee rule: {e}"));
                ok = false;
            }
        }
        if ok { Ok(rule) } else { Err(Invalid) }
    }

    fn components(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<Vec<Component>> {
        let components = self.list(o, base, "components", Ctx::component);
        // Duplicate keys are checked on the raw values so they are reported even when a component is
        // otherwise invalid.
        let dup_ok = self.check_duplicate_keys(o, base, "components", "component");
        let components = components?;
        dup_ok?;
        Ok(components)
    }

    fn check_duplicate_keys(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        list: &str,
        what: &str,
    ) -> Parsed<()> {
        let Some(Value::Array(items)) = get(o, list) else {
            return Ok(());
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let Some(key) = item.get("key").and_then(Value::as_str) else {
                continue;
            };
            if let Some(first) = seen.get(key) {
                self.err(
                    &format!("{base}.{list}[{i}].key"),
                    format!(
                        "duplicate {what} key “{key}” (also {list}[{first}]); keys must be unique"
                    ),
                );
                ok = false;
            } else {
                seen.insert(key, i);
            }
        }
        if ok { Ok(()) } else { Err(Invalid) }
    }

    fn component(&mut self, v: &Value, base: &str) -> Parsed<Component> {
        let o = self.object(v, base, "a component")?;
        let key = self.key(o, base);
        let name = self.required_text(o, base, "name");
        let name_en = self.opt_text(o, base, "name_en");
        let required = self.enum_value::<RequirementKind>(o, base, "required", None);
        let copy_kind = self.enum_value::<CopyKind>(o, base, "copy_kind", None);
        let reusable_from = self.source_list(o, base, "reusable_from");
        let condition = self.opt_text(o, base, "condition");
        let condition_en = self.opt_text(o, base, "condition_en");
        let quantity = self.uint(o, base, "quantity", Some(1), 1, u64::from(u32::MAX));
        let accepts = match get(o, "accepts") {
            None => Ok(default_accepts()),
            Some(_) => self.mime_list(o, base),
        };
        let max_bytes = self.uint(o, base, "max_bytes", Some(DEFAULT_MAX_BYTES), 1, u64::MAX);
        Ok(Component {
            key: key?,
            name: name?,
            name_en: name_en?,
            required: required?,
            copy_kind: copy_kind?,
            reusable_from: reusable_from?,
            condition: condition?,
            condition_en: condition_en?,
            quantity: u32::try_from(quantity?).map_err(|_| Invalid)?,
            accepts: accepts?,
            max_bytes: max_bytes?,
        })
    }

    /// `accepts`: MIME types `type/subtype`. An explicit empty list is allowed: nothing can be uploaded (a
    /// document only shown at the counter).
    fn mime_list(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<Vec<String>> {
        let list = self.text_list(o, base, "accepts")?;
        let mut ok = true;
        for (i, m) in list.iter().enumerate() {
            let well_formed = m
                .split_once('/')
                .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty() && !s.contains('/'))
                && m.chars().all(|c| c.is_ascii_graphic());
            if !well_formed {
                self.err(
                    &format!("{base}.accepts[{i}]"),
                    format!(
                        "“{m}” is not a MIME type; write it as type/subtype, e.g. application/pdf"
                    ),
                );
                ok = false;
            }
        }
        if ok { Ok(list) } else { Err(Invalid) }
    }

    fn form(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<FormDefinition> {
        // The wire name stays `form_fields` (the demo schema); the model nests it as `form.fields`.
        let fields = self.list(o, base, "form_fields", Ctx::form_field);
        let dup_ok = self.check_duplicate_keys(o, base, "form_fields", "form field");
        let fields = fields?;
        dup_ok?;
        // A date in words must name a date field of the same form.
        let mut refs_ok = true;
        for (i, f) in fields.iter().enumerate() {
            let Some(source) = &f.in_words_of else {
                continue;
            };
            let is_date = fields
                .iter()
                .any(|g| &g.key == source && g.field_type == FieldType::Date);
            if !is_date || f.field_type != FieldType::Text {
                self.err(
                    &format!("{base}.form_fields[{i}].in_words_of"),
                    format!("“{source}” must be a date field of this form, and this field a text field, to write it in words"),
                );
                refs_ok = false;
            }
        }
        if !refs_ok {
            return Err(Invalid);
        }
        Ok(FormDefinition { fields })
    }

    fn form_field(&mut self, v: &Value, base: &str) -> Parsed<FormField> {
        let o = self.object(v, base, "a form field")?;
        let key = self.key(o, base);
        let label = self.required_text(o, base, "label");
        let label_en = self.opt_text(o, base, "label_en");
        let field_type = self.enum_value::<FieldType>(o, base, "type", None);
        let required = self.boolean(o, base, "required", false);
        let options = self.options(o, base, field_type.as_ref().ok().copied());
        let bounds = self.bounds(o, base, field_type.as_ref().ok().copied());
        let prefill_from = self
            .opt_text(o, base, "prefill_from")
            .and_then(|p| match p.as_deref().map(crate::national::split_source) {
                Some((source, _)) if !is_valid_key(source) => {
                    self.err(&format!("{base}.prefill_from"), key_message(source));
                    Err(Invalid)
                }
                Some((source, Some(attr)))
                    if !crate::national::is_known_attribute(source, attr) =>
                {
                    self.err(
                        &format!("{base}.prefill_from"),
                        format!(
                            "“{attr}” is not an attribute motcua can read from {source}; see domain::national::ATTRIBUTES"
                        ),
                    );
                    Err(Invalid)
                }
                _ => Ok(p),
            });
        let note = self.opt_text(o, base, "note");
        let note_en = self.opt_text(o, base, "note_en");
        let subject = self.boolean(o, base, "subject", false);
        let section = self.opt_text(o, base, "section");
        let section_en = self.opt_text(o, base, "section_en");
        let in_words_of = self.opt_text(o, base, "in_words_of");
        let default = self.opt_text(o, base, "default").and_then(|d| {
            let (Some(d), Ok(t), Ok(opts)) = (&d, &field_type, &options) else {
                return Ok(d);
            };
            let fits = match t {
                FieldType::Text | FieldType::Textarea => true,
                FieldType::Choice => opts.iter().any(|o| &o.value == d),
                _ => false,
            };
            if fits {
                Ok(Some(d.clone()))
            } else {
                self.err(
                    &format!("{base}.default"),
                    format!("“{d}” cannot be this field's default: only text fields, and choice fields with it among their option values, have one"),
                );
                Err(Invalid)
            }
        });
        let (min, max) = bounds?;
        Ok(FormField {
            key: key?,
            label: label?,
            label_en: label_en?,
            field_type: field_type?,
            required: required?,
            min,
            max,
            options: options?,
            prefill_from: prefill_from?,
            note: note?,
            note_en: note_en?,
            subject: subject?,
            section: section?,
            section_en: section_en?,
            default: default?,
            in_words_of: in_words_of?,
        })
    }

    /// A field's `min` and `max` (see [`Bound`] for the grammar), fitting its type and not crossed.
    fn bounds(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        t: Option<FieldType>,
    ) -> Parsed<(Option<Bound>, Option<Bound>)> {
        let min = self.bound(o, base, "min", t);
        let max = self.bound(o, base, "max", t);
        let (min, max) = (min?, max?);
        if let (Some(lo), Some(hi)) = (&min, &max)
            && bounds_conflict(lo, hi)
        {
            let when = match (lo, hi) {
                (Bound::Today { .. }, Bound::Today { .. }) => " on some days",
                _ => "",
            };
            self.err(
                &format!("{base}.min"),
                format!(
                    "“min” ({lo}) comes after “max” ({hi}){when}, so the field would accept no value; swap them                      or correct one"
                ),
            );
            return Err(Invalid);
        }
        Ok((min, max))
    }

    fn bound(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        key: &str,
        t: Option<FieldType>,
    ) -> Parsed<Option<Bound>> {
        let path = format!("{base}.{key}");
        let bound = match get(o, key) {
            None => return Ok(None),
            Some(Value::Number(n)) => Bound::Number(n.clone()),
            Some(Value::String(s)) => Bound::parse(s).map_err(|e| {
                self.err(&path, format!("“{key}”: {e}"));
                Invalid
            })?,
            Some(_) => {
                self.err(
                    &path,
                    format!(
                        "“{key}” must be a date such as \"1900-01-01\", \"today\" or \"today-150y\" (date fields), \
                         or a number (number fields)"
                    ),
                );
                return Err(Invalid);
            }
        };
        if let Some(why) = t.and_then(|t| bound.unfit_for(t)) {
            self.err(&path, format!("“{key}”: {why}"));
            return Err(Invalid);
        }
        Ok(Some(bound))
    }

    fn options(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
        t: Option<FieldType>,
    ) -> Parsed<Vec<ChoiceOption>> {
        let options = self.list(o, base, "options", |ctx, v, path| {
            let o = ctx.object(v, path, "an option")?;
            let value = ctx.required_text(o, path, "value");
            let label = ctx.required_text(o, path, "label");
            let label_en = ctx.opt_text(o, path, "label_en");
            Ok(ChoiceOption {
                value: value?,
                label: label?,
                label_en: label_en?,
            })
        })?;
        let path = format!("{base}.options");
        match t {
            Some(FieldType::Choice) if options.is_empty() => {
                self.err(
                    &path,
                    "a choice field needs at least one option: \"options\": [{\"value\": \"…\", \"label\": \"…\"}]",
                );
                return Err(Invalid);
            }
            Some(FieldType::Choice) | None => {}
            Some(other) if !options.is_empty() => {
                self.err(
                    &path,
                    format!("only choice fields have options; this field's type is {other} (should it be choice?)"),
                );
                return Err(Invalid);
            }
            Some(_) => {}
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut ok = true;
        for (i, opt) in options.iter().enumerate() {
            if let Some(first) = seen.get(opt.value.as_str()) {
                self.err(
                    &format!("{path}[{i}].value"),
                    format!("duplicate option value “{}” (also options[{first}]); values must be unique", opt.value),
                );
                ok = false;
            } else {
                seen.insert(&opt.value, i);
            }
        }
        if ok { Ok(options) } else { Err(Invalid) }
    }

    /// `applicants`: absent means citizens only; present, a non-empty list without repeats.
    fn applicants(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<Vec<ApplicantKind>> {
        if get(o, "applicants").is_none() {
            return Ok(citizens_only());
        }
        let names = self.text_list(o, base, "applicants")?;
        let mut out = Vec::with_capacity(names.len());
        let mut ok = true;
        for (i, n) in names.iter().enumerate() {
            match ApplicantKind::from_wire(n) {
                Some(k) if !out.contains(&k) => out.push(k),
                Some(_) => {
                    self.err(
                        &format!("{base}.applicants[{i}]"),
                        format!("“{n}” is listed twice"),
                    );
                    ok = false;
                }
                None => {
                    self.err(
                        &format!("{base}.applicants[{i}]"),
                        format!(
                            "unknown value “{n}” for “applicants”; expected one of: {}",
                            allowed::<ApplicantKind>()
                        ),
                    );
                    ok = false;
                }
            }
        }
        if out.is_empty() && ok {
            self.err(
                &format!("{base}.applicants"),
                "“applicants” must name at least one kind of applicant".to_owned(),
            );
            ok = false;
        }
        if ok { Ok(out) } else { Err(Invalid) }
    }

    fn interconnected(&mut self, o: &Map<String, Value>, base: &str) -> Parsed<Vec<ProcedureCode>> {
        let codes = self.text_list(o, base, "interconnected_with")?;
        let mut out = Vec::with_capacity(codes.len());
        let mut ok = true;
        for (i, c) in codes.iter().enumerate() {
            match ProcedureCode::parse(c) {
                Ok(code) => out.push(code),
                Err(e) => {
                    self.err(&format!("{base}.interconnected_with[{i}]"), e.to_string());
                    ok = false;
                }
            }
        }
        if ok { Ok(out) } else { Err(Invalid) }
    }

    /// A group's members: each a known shape, waiting only for another member, mapping only the
    /// group's own fields and components (the member's side is checked against the whole catalogue
    /// by the demo catalogue's test).
    fn members(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
    ) -> Parsed<Vec<crate::group::GroupMember>> {
        let Some(v) = get(o, "members") else {
            return Ok(Vec::new());
        };
        let path = format!("{base}.members");
        let members: Vec<crate::group::GroupMember> = match serde_json::from_value(v.clone()) {
            Ok(m) => m,
            Err(e) => {
                self.err(&path, format!("not a list of group members: {e}"));
                return Err(Invalid);
            }
        };
        let fields: Vec<&str> = get(o, "form_fields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.get("key").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        let components: Vec<&str> = get(o, "components")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("key").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        let mut ok = true;
        for (i, m) in members.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if let Some(dep) = &m.after
                && (dep == &m.procedure || !members.iter().any(|x| &x.procedure == dep))
            {
                self.err(
                    &format!("{at}.after"),
                    format!("{dep} is not another member of the group"),
                );
                ok = false;
            }
            if members
                .iter()
                .filter(|x| x.procedure == m.procedure)
                .count()
                > 1
            {
                self.err(
                    &format!("{at}.procedure"),
                    format!("{} is listed twice", m.procedure.as_str()),
                );
                ok = false;
            }
            if let Some(c) = &m.when
                && !fields.contains(&c.field.as_str())
            {
                self.err(
                    &format!("{at}.when.field"),
                    format!("the group's form has no field {}", c.field),
                );
                ok = false;
            }
            for (member_key, group_key) in &m.form {
                let problem = if let Some(k) = group_key.strip_prefix(crate::group::APPLICANT) {
                    (!crate::group::APPLICANT_KEYS.contains(&k))
                        .then(|| format!("the applicant block has no {k}"))
                } else if let Some(k) = group_key.strip_prefix(crate::group::AFTER) {
                    if m.after.is_none() {
                        Some(format!("{group_key}: the member comes after no other"))
                    } else {
                        k.is_empty().then(|| "after. names no field".to_owned())
                    }
                } else if let Some(answer) = group_key.strip_prefix(crate::group::FIXED) {
                    answer
                        .trim()
                        .is_empty()
                        .then(|| "a fixed answer is empty".to_owned())
                } else {
                    (!fields.contains(&group_key.as_str()))
                        .then(|| format!("the group's form has no field {group_key}"))
                };
                if let Some(problem) = problem {
                    self.err(&format!("{at}.form.{member_key}"), problem);
                    ok = false;
                }
            }
            for (member_key, group_key) in &m.components {
                if !components.contains(&group_key.as_str()) {
                    self.err(
                        &format!("{at}.components.{member_key}"),
                        format!("the group has no component {group_key}"),
                    );
                    ok = false;
                }
            }
        }
        if ok { Ok(members) } else { Err(Invalid) }
    }

    fn provenance(
        &mut self,
        o: &Map<String, Value>,
        base: &str,
    ) -> Parsed<BTreeMap<String, Provenance>> {
        let path = format!("{base}.provenance");
        let Some(v) = get(o, "provenance") else {
            return Ok(BTreeMap::new());
        };
        let entries = self.object(v, &path, "“provenance”")?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (field, entry) in entries {
            let entry_path = format!("{path}.{field}");
            let parsed = self
                .object(entry, &entry_path, "a provenance entry")
                .and_then(|e| {
                    let status =
                        self.enum_value::<ProvenanceStatus>(e, &entry_path, "status", None);
                    let sources = self.text_list(e, &entry_path, "sources");
                    let note = self.opt_text(e, &entry_path, "note");
                    Ok(Provenance {
                        status: status?,
                        sources: sources?,
                        note: note?,
                    })
                });
            match parsed {
                Ok(p) => {
                    out.insert(field.clone(), p);
                }
                Err(Invalid) => ok = false,
            }
        }
        if ok { Ok(out) } else { Err(Invalid) }
    }

    /// `verified_fields` is redundant with `provenance`; when present it must agree, so a hand edit of one
    /// and not the other is caught.
    fn check_verified_fields(&mut self, o: &Map<String, Value>, base: &str, p: &Procedure) {
        let Ok(listed) = self.text_list(o, base, "verified_fields") else {
            return;
        };
        if get(o, "verified_fields").is_none() {
            return;
        }
        let listed: HashSet<&str> = listed.iter().map(String::as_str).collect();
        let derived: HashSet<&str> = p.verified_fields().into_iter().collect();
        if listed != derived {
            let mut only_listed: Vec<&str> = listed.difference(&derived).copied().collect();
            let mut only_derived: Vec<&str> = derived.difference(&listed).copied().collect();
            only_listed.sort_unstable();
            only_derived.sort_unstable();
            self.err(
                &format!("{base}.verified_fields"),
                format!(
                    "verified_fields disagrees with provenance (listed but not verified in provenance: \
                     [{}]; verified in provenance but not listed: [{}]); fix one of them",
                    only_listed.join(", "),
                    only_derived.join(", ")
                ),
            );
        }
    }
}

fn allowed<E: WireEnum>() -> String {
    E::ALL
        .iter()
        .map(|e| e.wire_name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_message(k: &str) -> String {
    format!(
        "“{k}” is not a valid key; use lowercase ASCII letters, digits and _ only (e.g. giay_chung_sinh)"
    )
}

// ---------------------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------------------

/// A procedure in the wire schema (keys in the demo file's order, plus the product's additions).
#[derive(Serialize)]
struct WireProcedure<'a> {
    code: &'a ProcedureCode,
    version: u32,
    name_vi: &'a str,
    name_en: &'a str,
    sector: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sector_en: Option<&'a str>,
    sector_code: Option<&'a str>,
    level: AgencyLevel,
    competent_agency_kind: &'a str,
    competent_agency_vi: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    competent_agency_en: Option<&'a str>,
    applicants: &'a [ApplicantKind],
    online_level: OnlineLevel,
    paperless: &'a Paperless,
    essential_service_no: Option<u32>,
    processing_time: &'a ProcessingTime,
    fees: &'a [FeeLine],
    components: &'a [Component],
    form_fields: &'a [FormField],
    result_document: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_document_en: Option<&'a str>,
    legal_basis: &'a [String],
    interconnected_with: &'a [ProcedureCode],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    members: &'a [crate::group::GroupMember],
    notes: &'a [String],
    provenance: &'a BTreeMap<String, Provenance>,
    verified_fields: Vec<&'a str>,
    sources: &'a Value,
}

/// Writes procedures as a pretty-printed JSON array in the import schema, such that
/// `import_catalogue(&export_catalogue(x)) == Ok(x)` for any `x` the importer produced.
pub fn export_catalogue(procs: &[Procedure]) -> String {
    let wire: Vec<WireProcedure<'_>> = procs
        .iter()
        .map(|p| WireProcedure {
            code: &p.code,
            version: p.version,
            name_vi: &p.name_vi,
            name_en: &p.name_en,
            sector: &p.sector,
            sector_en: p.sector_en.as_deref(),
            sector_code: p.sector_code.as_deref(),
            level: p.level,
            competent_agency_kind: &p.competent_agency_kind,
            competent_agency_vi: &p.competent_agency_vi,
            competent_agency_en: p.competent_agency_en.as_deref(),
            applicants: &p.applicants,
            online_level: p.online_level,
            paperless: &p.paperless,
            essential_service_no: p.essential_service_no,
            processing_time: &p.processing_time,
            fees: &p.fees,
            components: &p.components,
            form_fields: &p.form.fields,
            result_document: &p.result_document,
            result_document_en: p.result_document_en.as_deref(),
            legal_basis: &p.legal_basis,
            interconnected_with: &p.interconnected_with,
            members: &p.members,
            notes: &p.notes,
            provenance: &p.provenance,
            verified_fields: p.verified_fields(),
            sources: &p.sources,
        })
        .collect();
    // Serializing these plain structs cannot fail (string keys only, no non-finite floats); fall back to an
    // empty array rather than panic if serde_json ever disagrees.
    serde_json::to_string_pretty(&wire).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "code": "1.000001",
            "name_vi": "Thủ tục thử",
            "level": "commune",
            "competent_agency_kind": "commune_peoples_committee",
            "online_level": "full",
            "processing_time": { "value": 1, "unit": "working_days" }
        })
    }

    /// Imports `[minimal() patched by f]` and returns the error paths with messages.
    fn errors_after(f: impl FnOnce(&mut Value)) -> Vec<ImportError> {
        let mut p = minimal();
        f(&mut p);
        match import_catalogue(&json!([p]).to_string()) {
            Ok(_) => Vec::new(),
            Err(ImportErrors(errors)) => errors,
        }
    }

    fn paths_after(f: impl FnOnce(&mut Value)) -> Vec<String> {
        errors_after(f).into_iter().map(|e| e.path).collect()
    }

    fn set(p: &mut Value, pointer: &str, v: Value) {
        *p.pointer_mut(pointer).unwrap() = v;
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn minimal_procedure_gets_defaults() {
        let procs = import_catalogue(&json!([minimal()]).to_string()).unwrap();
        let p = &procs[0];
        assert_eq!(p.code.as_str(), "1.000001");
        assert_eq!(p.version, 1);
        assert_eq!(p.paperless, Paperless::Never);
        assert_eq!(p.sources, json!([]));
        assert!(p.form.fields.is_empty());
        assert_eq!(p.processing_time.legal_working_minutes(), 480);
    }

    #[test]
    fn wrapper_object_is_accepted_and_unknown_keys_ignored() {
        let mut p = minimal();
        p["something_new"] = json!({"x": 1});
        let procs =
            import_catalogue(&json!({ "procedures": [p], "generated": "2026" }).to_string())
                .unwrap();
        assert_eq!(procs.len(), 1);
    }

    #[test]
    fn rejects_non_catalogue_documents() {
        for doc in ["{", "42", "{\"items\": []}", "\"x\""] {
            let e = import_catalogue(doc).unwrap_err();
            assert_eq!(e.0.len(), 1, "{doc}");
            assert_eq!(e.0[0].path, "");
        }
        assert!(import_catalogue("[]").unwrap().is_empty());
    }

    #[test]
    fn procedure_code_format() {
        for bad in [
            "1001193",
            "1.00119",
            "1.0011930",
            "a.001193",
            " 1.001193",
            "1,001193",
            "1.00119３",
        ] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
        let c = ProcedureCode::parse("2.000815").unwrap();
        assert_eq!(c.to_string(), "2.000815");
        assert_eq!(serde_json::to_value(&c).unwrap(), json!("2.000815"));
        assert!(serde_json::from_value::<ProcedureCode>(json!("2.00081")).is_err());
        let errs = errors_after(|p| set(p, "/code", json!("1.1193")));
        assert_eq!(errs[0].path, "procedures[0].code");
        assert_eq!(errs[0].procedure.as_deref(), Some("1.1193"));
    }

    #[test]
    fn duplicate_procedure_codes() {
        let doc = json!([minimal(), minimal()]).to_string();
        let errs = import_catalogue(&doc).unwrap_err().0;
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "procedures[1].code");
        assert!(errs[0].message.contains("procedures[0]"));
    }

    #[test]
    fn empty_and_missing_names() {
        assert_eq!(
            paths_after(|p| set(p, "/name_vi", json!("  "))),
            vec!["procedures[0].name_vi"]
        );
        assert_eq!(
            paths_after(|p| {
                p.as_object_mut().unwrap().remove("name_vi");
            }),
            vec!["procedures[0].name_vi"]
        );
        assert_eq!(
            paths_after(|p| set(p, "/competent_agency_kind", json!(""))),
            vec!["procedures[0].competent_agency_kind"]
        );
        assert_eq!(
            paths_after(
                |p| p["components"] = json!([{ "key": "a", "name": "", "required": "required", "copy_kind": "copy" }])
            ),
            vec!["procedures[0].components[0].name"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] = json!([{ "key": "a", "label": "", "type": "text" }])),
            vec!["procedures[0].form_fields[0].label"]
        );
        assert_eq!(
            paths_after(|p| p["fees"] = json!([{ "name": "", "counter_vnd": 0 }])),
            vec!["procedures[0].fees[0].name"]
        );
    }

    #[test]
    fn duplicate_component_keys() {
        let comp = json!({ "key": "to_khai", "name": "Tờ khai", "required": "required", "copy_kind": "e_form" });
        assert_eq!(
            paths_after(|p| p["components"] = json!([comp.clone(), comp.clone()])),
            vec!["procedures[0].components[1].key"]
        );
    }

    #[test]
    fn duplicate_field_keys() {
        let f = json!({ "key": "ho_ten", "label": "Họ tên", "type": "text" });
        assert_eq!(
            paths_after(|p| p["form_fields"] = json!([f.clone(), f.clone(), f.clone()])),
            vec![
                "procedures[0].form_fields[1].key",
                "procedures[0].form_fields[2].key"
            ]
        );
    }

    #[test]
    fn key_format() {
        assert!(is_valid_key("giay_chung_sinh_2"));
        for bad in ["", "Giay", "giay-chung", "giấy", "a b"] {
            assert!(!is_valid_key(bad), "{bad}");
        }
        assert_eq!(
            paths_after(|p| p["form_fields"] =
                json!([{ "key": "Ho-Ten", "label": "Họ tên", "type": "text" }])),
            vec!["procedures[0].form_fields[0].key"]
        );
        assert_eq!(
            paths_after(|p| p["components"] = json!([{
                "key": "a", "name": "A", "required": "required", "copy_kind": "copy",
                "reusable_from": ["population_db", "Population DB"]
            }])),
            vec!["procedures[0].components[0].reusable_from[1]"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] =
                json!([{ "key": "a", "label": "A", "type": "text", "prefill_from": "dân cư" }])),
            vec!["procedures[0].form_fields[0].prefill_from"]
        );
    }

    #[test]
    fn a_date_in_words_names_a_date_field_of_the_form() {
        let with = |fields: Value| paths_after(|p| p["form_fields"] = fields);
        let date = json!({ "key": "ns", "label": "Ngày sinh", "type": "date" });
        assert!(with(json!([date, { "key": "nc", "label": "Bằng chữ", "type": "text", "in_words_of": "ns" }])).is_empty());
        for bad in [
            json!([date, { "key": "nc", "label": "Bằng chữ", "type": "text", "in_words_of": "zz" }]),
            json!([{ "key": "ns", "label": "Tên", "type": "text" },
                   { "key": "nc", "label": "Bằng chữ", "type": "text", "in_words_of": "ns" }]),
            json!([date, { "key": "nc", "label": "Bằng chữ", "type": "date", "in_words_of": "ns" }]),
        ] {
            assert_eq!(
                with(bad.clone()),
                vec!["procedures[0].form_fields[1].in_words_of"],
                "{bad}"
            );
        }
    }

    #[test]
    fn a_default_fits_its_field() {
        let ok = |f: Value| paths_after(|p| p["form_fields"] = json!([f]));
        assert!(
            ok(json!({ "key": "qt", "label": "Quốc tịch", "type": "text", "default": "Việt Nam" }))
                .is_empty()
        );
        assert!(
            ok(
                json!({ "key": "gt", "label": "Giới tính", "type": "choice", "default": "nam",
            "options": [{ "value": "nam", "label": "Nam" }, { "value": "nu", "label": "Nữ" }] })
            )
            .is_empty()
        );
        for bad in [
            json!({ "key": "gt", "label": "Giới tính", "type": "choice", "default": "Nam",
                "options": [{ "value": "nam", "label": "Nam" }] }),
            json!({ "key": "ns", "label": "Ngày sinh", "type": "date", "default": "2026-01-01" }),
            json!({ "key": "dc", "label": "Địa chỉ", "type": "address", "default": "Hải Phòng" }),
        ] {
            assert_eq!(
                ok(bad.clone()),
                vec!["procedures[0].form_fields[0].default"],
                "{bad}"
            );
        }
        // Read back as written.
        let mut p = minimal();
        p["form_fields"] =
            json!([{ "key": "qt", "label": "Quốc tịch", "type": "text", "default": "Việt Nam" }]);
        let procs = import_catalogue(&json!([p]).to_string()).unwrap();
        assert_eq!(procs[0].form.fields[0].default.as_deref(), Some("Việt Nam"));
    }

    #[test]
    fn choice_options() {
        assert_eq!(
            paths_after(|p| p["form_fields"] =
                json!([{ "key": "gt", "label": "Giới tính", "type": "choice" }])),
            vec!["procedures[0].form_fields[0].options"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] =
                json!([{ "key": "gt", "label": "Giới tính", "type": "choice", "options": [] }])),
            vec!["procedures[0].form_fields[0].options"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] = json!([{
                "key": "gt", "label": "Giới tính", "type": "choice",
                "options": [{ "value": "nam", "label": "Nam" }, { "value": "nam", "label": "Nữ" }]
            }])),
            vec!["procedures[0].form_fields[0].options[1].value"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] = json!([{
                "key": "gt", "label": "Giới tính", "type": "text",
                "options": [{ "value": "nam", "label": "Nam" }]
            }])),
            vec!["procedures[0].form_fields[0].options"]
        );
        assert_eq!(
            paths_after(|p| p["form_fields"] = json!([{
                "key": "gt", "label": "Giới tính", "type": "choice",
                "options": [{ "value": "", "label": "Nam" }]
            }])),
            vec!["procedures[0].form_fields[0].options[0].value"]
        );
    }

    #[test]
    fn fee_amounts_and_dates() {
        assert_eq!(
            paths_after(
                |p| p["fees"] = json!([{ "name": "Lệ phí", "counter_vnd": -1, "online_vnd": 0 }])
            ),
            vec!["procedures[0].fees[0].counter_vnd"]
        );
        assert_eq!(
            paths_after(|p| p["fees"] = json!([{ "name": "Lệ phí", "counter_vnd": 8000.5 }])),
            vec!["procedures[0].fees[0].counter_vnd"]
        );
        assert_eq!(
            paths_after(|p| p["fees"] = json!([{
                "name": "Lệ phí", "counter_vnd": 1, "valid_from": "2026-08-08", "valid_to": "2026-01-01"
            }])),
            vec!["procedures[0].fees[0].valid_from"]
        );
        assert_eq!(
            paths_after(|p| p["fees"] = json!([{ "name": "Lệ phí", "valid_to": "2026-02-30" }])),
            vec!["procedures[0].fees[0].valid_to"]
        );
        assert!(
            paths_after(|p| p["fees"] = json!([{
                "name": "Lệ phí", "counter_vnd": 1, "valid_from": "2026-01-01", "valid_to": "2026-01-01"
            }]))
            .is_empty()
        );
    }

    #[test]
    fn unknown_enum_values() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("/level", json!("district"), "procedures[0].level"),
            (
                "/online_level",
                json!("level4"),
                "procedures[0].online_level",
            ),
            (
                "/processing_time/unit",
                json!("weeks"),
                "procedures[0].processing_time.unit",
            ),
        ];
        for (pointer, v, path) in cases {
            let errs = errors_after(|p| set(p, pointer, v.clone()));
            assert_eq!(errs.len(), 1, "{pointer}");
            assert_eq!(errs[0].path, path);
            assert!(
                errs[0].message.contains("expected one of"),
                "{}",
                errs[0].message
            );
        }
        assert_eq!(
            paths_after(
                |p| p["components"] = json!([{ "key": "a", "name": "A", "required": "yes", "copy_kind": "photocopy" }])
            ),
            vec![
                "procedures[0].components[0].required",
                "procedures[0].components[0].copy_kind"
            ]
        );
        assert_eq!(
            paths_after(
                |p| p["form_fields"] = json!([{ "key": "a", "label": "A", "type": "signature" }])
            ),
            vec!["procedures[0].form_fields[0].type"]
        );
        assert_eq!(
            paths_after(
                |p| p["fees"] = json!([{ "name": "A", "kind": "tax", "collected_at": "later" }])
            ),
            vec![
                "procedures[0].fees[0].kind",
                "procedures[0].fees[0].collected_at"
            ]
        );
        assert_eq!(
            paths_after(
                |p| p["provenance"] = json!({ "code": { "status": "guessed", "sources": [] } })
            ),
            vec!["procedures[0].provenance.code.status"]
        );
        assert_eq!(
            paths_after(|p| p["paperless"] = json!("sometimes")),
            vec!["procedures[0].paperless"]
        );
        assert_eq!(
            paths_after(|p| p["paperless"] = json!({ "weekdays": ["Mon", "Funday"] })),
            vec!["procedures[0].paperless.weekdays[1]"]
        );
    }

    #[test]
    fn processing_time_zero() {
        let errs = errors_after(|p| set(p, "/processing_time/value", json!(0)));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "procedures[0].processing_time.value");
        assert_eq!(
            paths_after(|p| set(p, "/processing_time/value", json!(-2))),
            vec!["procedures[0].processing_time.value"]
        );
    }

    #[test]
    fn applicants_are_known_kinds_listed_once() {
        assert!(paths_after(|p| p["applicants"] = json!(["citizen", "enterprise"])).is_empty());
        assert_eq!(
            paths_after(|p| p["applicants"] = json!(["citizen", "company", "citizen"])),
            vec!["procedures[0].applicants[1]", "procedures[0].applicants[2]"]
        );
        assert_eq!(
            paths_after(|p| p["applicants"] = json!([])),
            vec!["procedures[0].applicants"]
        );
    }

    #[test]
    fn interconnected_codes() {
        assert_eq!(
            paths_after(|p| p["interconnected_with"] = json!(["3.000722", "3.722", 5])),
            vec!["procedures[0].interconnected_with[2]"]
        );
        assert_eq!(
            paths_after(|p| p["interconnected_with"] = json!(["3.000722", "3.722"])),
            vec!["procedures[0].interconnected_with[1]"]
        );
    }

    #[test]
    fn verified_fields_must_agree_with_provenance() {
        let prov = json!({ "code": { "status": "verified", "sources": [] }, "fees": { "status": "estimated" } });
        assert!(
            paths_after(|p| {
                p["provenance"] = prov.clone();
                p["verified_fields"] = json!(["code"]);
            })
            .is_empty()
        );
        assert_eq!(
            paths_after(|p| {
                p["provenance"] = prov.clone();
                p["verified_fields"] = json!(["code", "fees"]);
            }),
            vec!["procedures[0].verified_fields"]
        );
    }

    #[test]
    fn collects_all_errors_across_procedures() {
        let mut a = minimal();
        a["level"] = json!("district");
        a["name_vi"] = json!("");
        let mut b = minimal();
        b["code"] = json!("2.000002");
        let mut c = minimal();
        c["code"] = json!("3.3");
        c["fees"] = json!([{ "name": "x", "counter_vnd": -5 }, { "name": "y", "online_vnd": -1 }]);
        let errs = import_catalogue(&json!([a, b, c]).to_string()).unwrap_err();
        let paths: Vec<&str> = errs.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "procedures[0].name_vi",
                "procedures[0].level",
                "procedures[2].code",
                "procedures[2].fees[0].counter_vnd",
                "procedures[2].fees[1].online_vnd",
            ]
        );
        assert_eq!(errs.0[3].procedure.as_deref(), Some("3.3"));
        let shown = errs.to_string();
        assert!(shown.starts_with("the catalogue was not imported: 5 problems"));
        assert!(shown.contains("procedures[2].fees[0].counter_vnd (3.3): "));
    }

    #[test]
    fn component_defaults_and_explicit_upload_rules() {
        let comp =
            json!({ "key": "anh", "name": "Ảnh", "required": "optional", "copy_kind": "original" });
        let mut p = minimal();
        p["components"] = json!([comp.clone()]);
        let procs = import_catalogue(&json!([p]).to_string()).unwrap();
        let c = procs[0].component("anh").unwrap();
        assert_eq!(
            c.accepts,
            vec!["application/pdf", "image/jpeg", "image/png"]
        );
        assert_eq!(c.max_bytes, 10 * 1024 * 1024);
        assert_eq!(c.quantity, 1);
        assert!(procs[0].component("khac").is_none());

        let mut comp2 = comp.clone();
        comp2["accepts"] = json!(["image/heic"]);
        comp2["max_bytes"] = json!(2048);
        let mut p = minimal();
        p["components"] = json!([comp2]);
        let procs = import_catalogue(&json!([p]).to_string()).unwrap();
        assert_eq!(procs[0].components[0].accepts, vec!["image/heic"]);
        assert_eq!(procs[0].components[0].max_bytes, 2048);

        let mut comp3 = comp;
        comp3["accepts"] = json!(["pdf"]);
        comp3["max_bytes"] = json!(0);
        comp3["quantity"] = json!(0);
        assert_eq!(
            paths_after(|p| p["components"] = json!([comp3])),
            vec![
                "procedures[0].components[0].quantity",
                "procedures[0].components[0].accepts[0]",
                "procedures[0].components[0].max_bytes",
            ]
        );
    }

    fn fee(counter: Option<i64>, online: Option<i64>) -> FeeLine {
        FeeLine {
            name: "Lệ phí".into(),
            name_en: None,
            kind: FeeKind::Charge,
            counter_vnd: counter,
            online_vnd: online,
            collected_at: CollectionPoint::Receipt,
            valid_from: None,
            valid_to: None,
            note: None,
            note_en: None,
            rule: FeeRule::default(),
        }
    }

    #[test]
    fn fee_amounts_by_channel_and_date() {
        let day = date(2026, 9, 1);
        let f = fee(Some(8000), Some(0));
        assert_eq!(f.amount_for(Channel::Counter, day), Some(8000));
        assert_eq!(f.amount_for(Channel::Post, day), Some(8000));
        assert_eq!(f.amount_for(Channel::Online, day), Some(0));
        assert_eq!(fee(Some(2000), None).amount_for(Channel::Online, day), None);

        let windowed = FeeLine {
            valid_from: Some(date(2026, 8, 8)),
            valid_to: Some(date(2026, 12, 31)),
            ..fee(Some(10), Some(5))
        };
        assert_eq!(windowed.amount_for(Channel::Online, date(2026, 8, 7)), None);
        assert_eq!(
            windowed.amount_for(Channel::Online, date(2026, 8, 8)),
            Some(5)
        );
        assert_eq!(
            windowed.amount_for(Channel::Online, date(2026, 12, 31)),
            Some(5)
        );
        assert_eq!(windowed.amount_for(Channel::Online, date(2027, 1, 1)), None);
    }

    #[test]
    fn fee_kind_inference() {
        assert_eq!(infer_fee_kind("Lệ phí đăng ký thường trú"), FeeKind::Charge);
        assert_eq!(
            infer_fee_kind("Phí cấp bản sao Giấy khai sinh"),
            FeeKind::Fee
        );
        assert_eq!(infer_fee_kind("Phiếu thứ 3 trở đi"), FeeKind::Fee);
        assert_eq!(
            infer_fee_kind("Tiền đóng BHYT – người thứ nhất"),
            FeeKind::Contribution
        );
        let mut p = minimal();
        p["fees"] = json!([{ "name": "Lệ phí", "kind": "fee" }]);
        let procs = import_catalogue(&json!([p]).to_string()).unwrap();
        assert_eq!(
            procs[0].fees[0].kind,
            FeeKind::Fee,
            "an explicit kind wins over the guess"
        );
    }

    #[test]
    fn working_minutes_per_unit() {
        let t = |value, unit| ProcessingTime {
            value,
            unit,
            same_day: false,
            note: None,
            note_en: None,
        };
        assert_eq!(t(3, TimeUnit::WorkingDays).legal_working_minutes(), 3 * 480);
        assert_eq!(t(4, TimeUnit::WorkingHours).legal_working_minutes(), 240);
        assert_eq!(t(2, TimeUnit::Days).legal_working_minutes(), 960);
        assert_eq!(t(1, TimeUnit::Hours).legal_working_minutes(), 60);
        assert_eq!(
            t(u32::MAX, TimeUnit::WorkingDays).legal_working_minutes(),
            i64::from(u32::MAX) * 480
        );
    }

    #[test]
    fn paperless_days() {
        let p = Paperless::Weekdays(vec![Weekday::Thu]);
        assert!(p.applies_on(date(2026, 11, 26))); // a Thursday
        assert!(!p.applies_on(date(2026, 11, 27)));
        assert!(Paperless::Always.applies_on(date(2026, 11, 27)));
        assert!(!Paperless::Never.applies_on(date(2026, 11, 27)));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({ "weekdays": ["Thu"] })
        );
        assert_eq!(
            serde_json::to_value(Paperless::Always).unwrap(),
            json!("always")
        );
    }

    #[test]
    fn the_counter_refuses_paper_on_the_procedure_s_days_and_on_the_agency_s_days() {
        let thu = date(2026, 11, 26);
        let fri = date(2026, 11, 27);
        let never = Paperless::Never;
        assert!(!never.refuses_paper(Channel::Counter, &[], thu));
        assert!(never.refuses_paper(Channel::Counter, &[Weekday::Thu], thu));
        assert!(!never.refuses_paper(Channel::Counter, &[Weekday::Thu], fri));
        let weekly = Paperless::Weekdays(vec![Weekday::Fri]);
        assert!(weekly.refuses_paper(Channel::Counter, &[Weekday::Thu], fri));
        // Letters are not turned away by weekday, only by a procedure that takes no paper at all.
        assert!(!weekly.refuses_paper(Channel::Post, &[Weekday::Fri], fri));
        assert!(Paperless::Always.refuses_paper(Channel::Post, &[], fri));
        assert!(!Paperless::Always.refuses_paper(Channel::Online, &[], fri));
    }

    #[test]
    fn weekdays_read_and_write_as_short_english_names() {
        assert_eq!(
            parse_weekdays("thu, Mon,Thu"),
            Some(vec![Weekday::Mon, Weekday::Thu])
        );
        assert_eq!(parse_weekdays(""), Some(vec![]));
        assert_eq!(parse_weekdays("Mon,Funday"), None);
        assert_eq!(weekdays_text(&[Weekday::Mon, Weekday::Thu]), "Mon,Thu");
    }

    #[test]
    fn wire_enums_agree_with_serde() {
        fn check<E: WireEnum + Serialize>() {
            for e in E::ALL {
                assert_eq!(serde_json::to_value(e).unwrap(), json!(e.wire_name()));
                assert_eq!(
                    E::from_wire_name(e.wire_name()).map(|x| x.wire_name()),
                    Some(e.wire_name())
                );
            }
        }
        check::<AgencyLevel>();
        check::<OnlineLevel>();
        check::<TimeUnit>();
        check::<ProvenanceStatus>();
        check::<FeeKind>();
        check::<CollectionPoint>();
        check::<Channel>();
        check::<RequirementKind>();
        check::<CopyKind>();
        check::<FieldType>();
        assert_eq!(CopyKind::EForm.as_str(), "e_form");
        assert_eq!(CollectionPoint::default(), CollectionPoint::Receipt);
    }

    #[test]
    fn field_bounds_at_import() {
        let with = |field: Value| {
            move |p: &mut Value| {
                p["form_fields"] = json!([field]);
            }
        };
        // Every form of the grammar, on the field types it fits; null means no bound.
        for field in [
            json!({ "key": "a", "label": "A", "type": "date", "min": "1900-01-01", "max": "today" }),
            json!({ "key": "a", "label": "A", "type": "date", "min": "today-150y", "max": "today+2y" }),
            json!({ "key": "a", "label": "A", "type": "date", "min": "today-6m", "max": "today+30d" }),
            json!({ "key": "a", "label": "A", "type": "date", "min": "2024-02-29", "max": "2024-02-29" }),
            json!({ "key": "a", "label": "A", "type": "date", "min": "2030-01-01", "max": "today" }),
            json!({ "key": "a", "label": "A", "type": "date", "min": null, "max": null }),
            json!({ "key": "a", "label": "A", "type": "number", "min": 1900, "max": "today" }),
            json!({ "key": "a", "label": "A", "type": "number", "min": "today-150y", "max": 2.5e3 }),
            json!({ "key": "a", "label": "A", "type": "number", "min": -10, "max": 0 }),
        ] {
            assert_eq!(errors_after(with(field.clone())), Vec::new(), "{field}");
        }
        let p = {
            let mut p = minimal();
            with(
                json!({ "key": "a", "label": "A", "type": "date", "min": "today-150y", "max": "today" }),
            )(&mut p);
            import_catalogue(&json!([p]).to_string()).unwrap().remove(0)
        };
        let f = &p.form.fields[0];
        assert_eq!(f.min, Some(Bound::parse("today-150y").unwrap()));
        assert_eq!(f.max, Some(Bound::TODAY));

        // What is wrong, at which path, and what would be right.
        for (field, path, says) in [
            (
                json!({ "key": "a", "label": "A", "type": "date", "max": "tomorrow" }),
                "max",
                "write a date as YYYY-MM-DD",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "min": "2026-02-30" }),
                "min",
                "“2026-02-30” is not a bound",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "min": "today-150" }),
                "min",
                "end it with d (days), m (months) or y (years)",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "max": "today+999y" }),
                "max",
                "from 1 to 200y",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "max": 2026 }),
                "max",
                "a date field's bound is a date",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "number", "max": "2026-12-31" }),
                "max",
                "a number field's bound is a number",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "number", "min": "today-6m" }),
                "min",
                "a year relative to this year",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "text", "max": "today" }),
                "max",
                "only date and number fields have a min or max; this field's type is text",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "max": true }),
                "max",
                "must be a date such as",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "min": "2000-01-02", "max": "2000-01-01" }),
                "min",
                "“min” (2000-01-02) comes after “max” (2000-01-01), so the field would accept no value",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "number", "min": 10, "max": 1 }),
                "min",
                "“min” (10) comes after “max” (1)",
            ),
            (
                json!({ "key": "a", "label": "A", "type": "date", "min": "today-1m", "max": "today-30d" }),
                "min",
                "comes after “max” (today-30d) on some days",
            ),
        ] {
            let errors = errors_after(with(field.clone()));
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert_eq!(
                errors[0].path,
                format!("procedures[0].form_fields[0].{path}"),
                "{field}"
            );
            assert!(
                errors[0].message.contains(says),
                "{field}: {}",
                errors[0].message
            );
        }
        // Both ends are reported at once.
        assert_eq!(
            paths_after(with(
                json!({ "key": "a", "label": "A", "type": "date", "min": "x", "max": "y" })
            )),
            vec![
                "procedures[0].form_fields[0].min",
                "procedures[0].form_fields[0].max"
            ]
        );
    }

    #[test]
    fn export_round_trips_product_fields() {
        let mut p = minimal();
        p["version"] = json!(3);
        p["paperless"] = json!({ "weekdays": ["Mon", "thursday"] });
        p["fees"] = json!([{
            "name": "Lệ phí", "kind": "charge", "counter_vnd": 20000, "online_vnd": 10000,
            "collected_at": "return", "valid_from": "2026-08-08", "valid_to": null, "note": "NQ 23/2026"
        }]);
        p["components"] = json!([{
            "key": "anh", "name": "Ảnh", "required": "conditional", "copy_kind": "certified_copy",
            "condition": "Nếu có", "quantity": 2, "accepts": [], "max_bytes": 1
        }]);
        p["form_fields"] = json!([{
            "key": "gt", "label": "Giới tính", "type": "choice", "required": true, "note": "n",
            "options": [{ "value": "nam", "label": "Nam" }], "prefill_from": "population_db"
        }, {
            "key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "min": "today-150y", "max": "today"
        }, {
            "key": "het_han", "label": "Hết hạn", "type": "date", "min": "2000-01-01", "max": "today+6m"
        }, {
            "key": "nam_sinh", "label": "Năm sinh", "type": "number", "min": 1900, "max": "today-18y"
        }, {
            "key": "ty_le", "label": "Tỷ lệ", "type": "number", "min": 0.5
        }]);
        p["provenance"] =
            json!({ "code": { "status": "verified", "sources": ["https://x"], "note": null } });
        p["sources"] = json!([{ "id": "s", "anything": [1, 2] }]);
        p["essential_service_no"] = json!(12);
        p["interconnected_with"] = json!(["3.000722"]);
        let procs = import_catalogue(&json!([p]).to_string()).unwrap();
        assert_eq!(
            procs[0].paperless,
            Paperless::Weekdays(vec![Weekday::Mon, Weekday::Thu])
        );
        let exported = export_catalogue(&procs);
        assert_eq!(import_catalogue(&exported).unwrap(), procs);
        let v: Value = serde_json::from_str(&exported).unwrap();
        assert_eq!(v[0]["verified_fields"], json!(["code"]));
        assert_eq!(v[0]["form_fields"][0]["type"], "choice");
        assert!(v[0]["form_fields"][0].get("min").is_none());
        assert_eq!(v[0]["form_fields"][1]["min"], "today-150y");
        assert_eq!(v[0]["form_fields"][1]["max"], "today");
        assert_eq!(v[0]["form_fields"][2]["min"], "2000-01-01");
        assert_eq!(v[0]["form_fields"][2]["max"], "today+6m");
        assert_eq!(v[0]["form_fields"][3]["min"], 1900);
        assert_eq!(v[0]["form_fields"][3]["max"], "today-18y");
        assert_eq!(v[0]["form_fields"][4]["min"], 0.5);
        assert!(v[0].get("form").is_none());
    }
}
