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

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::catalogue::wire_enum;

/// Longest `text` value, in characters.
pub const TEXT_MAX_CHARS: usize = 500;
/// Longest `textarea` value, in characters.
pub const TEXTAREA_MAX_CHARS: usize = 5000;
/// Longest `street` part of an address, in characters.
pub const STREET_MAX_CHARS: usize = 500;

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
}

/// One field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable identifier (`[a-z0-9_]+`), the key of the value in a dossier's form data.
    pub key: String,
    /// Vietnamese label as printed on the official form.
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Allowed values; only meaningful (and then non-empty) for `choice` fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// State data source that can fill the field in (e.g. `population_db`), so the citizen is not asked
    /// for data the state already holds (once-only principle, SPEC §7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The fields of a procedure's application form, in display order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub fields: Vec<FormField>,
}

wire_enum! {
    /// Machine-readable reason a form value was refused.
    pub enum FieldErrorCode {
        Required = "required",
        UnknownField = "unknown_field",
        InvalidType = "invalid_type",
        TooLong = "too_long",
        InvalidDate = "invalid_date",
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
    fn new(field: &str, code: FieldErrorCode, message_vi: String, message_en: String) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            message_vi,
            message_en,
        }
    }
}

impl FormDefinition {
    /// The field with this key, if the form has one.
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Checks the type and format of every present, non-blank value, and refuses keys the form does not have.
    ///
    /// A draft is saved when this returns no error; it does not check that required fields are filled in
    /// (see [`FormDefinition::check_complete`]). `commune_exists` answers whether a 5-digit commune code is a
    /// current administrative unit: the caller owns the admin-unit data, this module stays pure.
    /// Errors come in form order, then unknown keys in key order.
    pub fn check_values(
        &self,
        values: &Map<String, Value>,
        commune_exists: &dyn Fn(&str) -> bool,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for field in &self.fields {
            if let Some(value) = values.get(&field.key)
                && let Err(e) = field.check_value(value, commune_exists)
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
                let label = &f.label;
                let (vi, en) = match f.field_type {
                    FieldType::Choice => (
                        format!("Vui lòng chọn “{label}”."),
                        format!("Please choose “{label}”."),
                    ),
                    FieldType::Address => (
                        format!("Vui lòng chọn xã/phường và nhập địa chỉ cho “{label}”."),
                        format!(
                            "Please pick the commune and enter the street address for “{label}”."
                        ),
                    ),
                    _ => (
                        format!("Vui lòng điền “{label}”."),
                        format!("Please fill in “{label}”."),
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
    /// Checks one value against this field's type. Blank values pass (see the module documentation).
    pub fn check_value(
        &self,
        value: &Value,
        commune_exists: &dyn Fn(&str) -> bool,
    ) -> Result<(), FieldError> {
        if is_blank(value) {
            return Ok(());
        }
        let key = self.key.as_str();
        match self.field_type {
            FieldType::Text => check_length(key, self.field_type, value, TEXT_MAX_CHARS),
            FieldType::Textarea => check_length(key, self.field_type, value, TEXTAREA_MAX_CHARS),
            FieldType::Date => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                if parse_form_date(s.trim()).is_some() {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidDate,
                        "Ngày không hợp lệ: hãy nhập một ngày có thật theo dạng YYYY-MM-DD, ví dụ 2024-03-15."
                            .to_owned(),
                        "Invalid date: enter a real date as YYYY-MM-DD, for example 2024-03-15.".to_owned(),
                    ))
                }
            }
            FieldType::Number => match value {
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(()),
                Value::String(s) if parse_number(s).is_some() => Ok(()),
                Value::Number(_) | Value::String(_) => Err(FieldError::new(
                    key,
                    FieldErrorCode::InvalidNumber,
                    "Giá trị phải là một số, dùng dấu chấm cho phần thập phân, ví dụ 1990 hoặc 2.5."
                        .to_owned(),
                    "Enter a number, with a dot for decimals, for example 1990 or 2.5.".to_owned(),
                )),
                _ => Err(type_error(key, self.field_type)),
            },
            FieldType::Choice => {
                let s = as_str_or_type_error(key, self.field_type, value)?;
                let s = s.trim();
                if self.options.iter().any(|o| o.value == s) {
                    Ok(())
                } else {
                    let allowed = self
                        .options
                        .iter()
                        .map(|o| format!("“{}” ({})", o.value, o.label))
                        .collect::<Vec<_>>()
                        .join(", ");
                    Err(FieldError::new(
                        key,
                        FieldErrorCode::InvalidChoice,
                        format!("Hãy chọn một trong các giá trị: {allowed}."),
                        format!("Choose one of the values: {allowed}."),
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
                        "Địa chỉ thư điện tử không hợp lệ; hãy nhập theo dạng ten@vidu.vn.".to_owned(),
                        "Invalid email address; enter it as name@example.vn.".to_owned(),
                    ))
                }
            }
            FieldType::Address => check_address(key, value, commune_exists),
        }
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
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
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
            field_type: t,
            required,
            options: Vec::new(),
            prefill_from: None,
            note: None,
        }
    }

    fn form() -> FormDefinition {
        let mut choice = field("gioi_tinh", FieldType::Choice, true);
        choice.options = vec![
            ChoiceOption {
                value: "nam".into(),
                label: "Nam".into(),
            },
            ChoiceOption {
                value: "nu".into(),
                label: "Nữ".into(),
            },
        ];
        FormDefinition {
            fields: vec![
                field("ho_ten", FieldType::Text, true),
                field("ghi_chu", FieldType::Textarea, false),
                field("ngay_sinh", FieldType::Date, true),
                field("nam_sinh", FieldType::Number, false),
                choice,
                field("so_dinh_danh", FieldType::CitizenId, true),
                field("dien_thoai", FieldType::Phone, false),
                field("email", FieldType::Email, false),
                field("noi_cu_tru", FieldType::Address, true),
            ],
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
            .check_values(&obj(v), &communes)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn one(key: &str, value: Value) -> Vec<FieldErrorCode> {
        let mut m = Map::new();
        m.insert(key.to_owned(), value);
        form()
            .check_values(&m, &communes)
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
        assert!(f.check_values(&v, &communes).is_empty());
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
        assert!(f.check_values(&v, &communes).is_empty());
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
    fn choices() {
        assert!(one("gioi_tinh", json!("nu")).is_empty());
        let errs = form().check_values(&obj(json!({ "gioi_tinh": "Nữ" })), &communes);
        assert_eq!(errs[0].code, FieldErrorCode::InvalidChoice);
        assert!(errs[0].message_en.contains("“nam”"));
        assert_eq!(
            one("gioi_tinh", json!(1)),
            vec![FieldErrorCode::InvalidType]
        );
    }

    #[test]
    fn citizen_ids() {
        assert!(one("so_dinh_danh", json!("001099012345")).is_empty());
        assert!(one("so_dinh_danh", json!("096212345678")).is_empty());
        let errs = form().check_values(&obj(json!({ "so_dinh_danh": "00109901234" })), &communes);
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
            .check_values(&n, &communes)
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
                    "dien_thoai", "email", "noi_cu_tru", "khac",
                ]), arb_value()),
                0..12,
            )
        ) {
            let f = form();
            let values: Map<String, Value> = entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let errors = f.check_values(&values, &communes);
            let _ = f.check_complete(&values);
            let normalized = f.normalize(&values);
            // Normalizing is idempotent; messages are never empty.
            prop_assert_eq!(f.normalize(&normalized), normalized.clone());
            prop_assert!(errors.iter().all(|e| !e.message_vi.is_empty() && !e.message_en.is_empty()));
            let _ = f.check_values(&normalized, &communes);
        }
    }
}
