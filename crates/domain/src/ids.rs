//! Identifiers that carry rules: parse, don't validate.
//!
//! A value of these types is always well formed, so the layers around the domain never re-check them.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Errors for malformed identifiers; the message is meant for the API client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("a citizen ID is exactly 12 digits")]
    CitizenId,
    #[error("an agency code is 1-40 characters of A-Z, a-z, 0-9, '.', '_' or '-'")]
    AgencyCode,
    #[error("a dossier code looks like H31.11311-261123-0001")]
    DossierCode,
}

/// The 12-digit personal identification number (số định danh cá nhân), the person's key
/// in the national population database (Law on Identification 2023, Art. 12; Decree 137/2015 Art. 7
/// fixes the structure: 3 digits of birth province, 1 of century and sex, 2 of birth year, 6 random).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

impl CitizenId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::CitizenId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ID with all but the last 3 digits hidden, for logs and public pages (never log full IDs).
    pub fn masked(&self) -> String {
        let tail: String = self.0.chars().skip(9).collect();
        format!("*********{tail}")
    }
}

/// Any ID document number (citizen ID, passport, …) with all but its last 3 characters hidden,
/// for logs and history lines; empty stays empty.
pub fn mask_document_number(number: &str) -> String {
    let n = number.chars().count();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 3 < n { '*' } else { c })
        .collect()
}

impl TryFrom<String> for CitizenId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<CitizenId> for String {
    fn from(c: CitizenId) -> String {
        c.0
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The agency's electronic identifier code (mã định danh điện tử, Decision 20/2020/QĐ-TTg),
/// e.g. `H15.50.05.13`. It prefixes every dossier code the agency receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::AgencyCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<AgencyCode> for String {
    fn from(c: AgencyCode) -> String {
        c.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Dossier code `{agency code}-{YYMMDD}-{sequence}` (Circular 03/2025/TT-VPCP Art. 13): the sequence
/// counts per receiving agency per day, at least 4 digits; the code never changes once given
/// (Decree 45/2020 Art. 12: edits keep the code).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

impl DossierCode {
    /// Builds the code for the `sequence`-th dossier (1-based) of `agency` on local date `day`.
    pub fn new(agency: &AgencyCode, day: NaiveDate, sequence: u32) -> Self {
        Self(format!(
            "{}-{}-{:04}",
            agency.as_str(),
            day.format("%y%m%d"),
            sequence
        ))
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let mut parts = s.rsplitn(3, '-');
        let seq = parts.next().ok_or(IdError::DossierCode)?;
        let date = parts.next().ok_or(IdError::DossierCode)?;
        let agency = parts.next().ok_or(IdError::DossierCode)?;
        let seq_ok = seq.len() >= 4 && seq.bytes().all(|b| b.is_ascii_digit());
        let date_ok = date.len() == 6
            && date.bytes().all(|b| b.is_ascii_digit())
            && NaiveDate::parse_from_str(date, "%y%m%d").is_ok();
        if seq_ok && date_ok && AgencyCode::parse(agency).is_ok() {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::DossierCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DossierCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<DossierCode> for String {
    fn from(c: DossierCode) -> String {
        c.0
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_are_masked_but_for_the_last_three() {
        assert_eq!(mask_document_number("031085012345"), "*********345");
        assert_eq!(mask_document_number("C1234567"), "*****567");
        assert_eq!(mask_document_number("12"), "12");
        assert_eq!(mask_document_number(""), "");
    }

    #[test]
    fn citizen_id_is_twelve_digits() {
        assert!(CitizenId::parse("031090001234").is_ok());
        assert_eq!(CitizenId::parse("03109000123"), Err(IdError::CitizenId));
        assert_eq!(CitizenId::parse("0310900012345"), Err(IdError::CitizenId));
        assert_eq!(CitizenId::parse("03109000123a"), Err(IdError::CitizenId));
        assert_eq!(
            CitizenId::parse("031090001234").unwrap().masked(),
            "*********234"
        );
    }

    #[test]
    fn dossier_code_round_trips() {
        let agency = AgencyCode::parse("H31.11311").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let code = DossierCode::new(&agency, day, 7);
        assert_eq!(code.as_str(), "H31.11311-261123-0007");
        assert_eq!(DossierCode::parse(code.as_str()).unwrap(), code);
        assert_eq!(
            DossierCode::new(&agency, day, 12345).as_str(),
            "H31.11311-261123-12345"
        );
        assert!(DossierCode::parse("H31.11311-261332-0001").is_err());
        assert!(DossierCode::parse("H31.11311-261123-01").is_err());
        assert!(DossierCode::parse("nonsense").is_err());
    }
}
