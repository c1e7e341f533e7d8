//! Counter intake (SPEC §6 counter channel, issue 4): what an officer needs before entering a walk-in
//! or postal dossier — the receiving points they staff, what the system already holds about the
//! applicant, and the fee lines collected at the counter. The dossier itself goes through the same
//! `dossiers::create` / `submit` as an online one.

use chrono::NaiveDate;
use motcua_domain::catalogue::{Channel, CollectionPoint, Procedure};
use motcua_domain::ids::CitizenId;
use motcua_domain::lifecycle::Role;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{citizen, receiving_point};
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde::Serialize;

use crate::identity::Principal;
use crate::{App, AppError, ErrorCode, authz};

/// Receiving points where this person is a one-stop officer, in code order.
pub async fn receiving_points_of(
    app: &App,
    principal: &Principal,
) -> Result<Vec<receiving_point::Model>, AppError> {
    let Principal::Staff { roles, .. } = principal else {
        return Ok(Vec::new());
    };
    let agencies: Vec<String> = roles
        .iter()
        .filter(|r| r.role == Role::Officer)
        .map(|r| r.agency.clone())
        .collect();
    if agencies.is_empty() {
        return Ok(Vec::new());
    }
    Ok(receiving_point::Entity::find()
        .filter(receiving_point::Column::AgencyCode.is_in(agencies))
        .order_by_asc(receiving_point::Column::Code)
        .all(&app.db)
        .await?)
}

/// What the system already holds about an applicant, to prefill the counter form.
#[derive(Debug, Clone, Serialize)]
pub struct KnownApplicant {
    pub citizen_id: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub commune: Option<String>,
    pub street: Option<String>,
}

/// Looks an applicant up by citizen ID for a counter officer. Every look-up of a person's data is
/// audited with who, when and why (SPEC §7), found or not.
pub async fn lookup_applicant(
    app: &App,
    principal: &Principal,
    citizen_id: &str,
) -> Result<Option<KnownApplicant>, AppError> {
    if authz::handling_agencies(principal).is_empty()
        || !matches!(principal, Principal::Staff { .. })
    {
        return Err(AppError::forbidden(
            "not_allowed",
            "Chỉ công chức một cửa được tra cứu thông tin công dân.",
            "Only one-stop officers may look a citizen up.",
        ));
    }
    let id = CitizenId::parse(citizen_id.trim()).map_err(|_| {
        AppError::new(
            ErrorCode::Unprocessable,
            "invalid_citizen_id",
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            "The citizen ID must be exactly 12 digits.",
        )
    })?;
    let txn = app.db.begin().await?;
    let found = citizen::Entity::find_by_id(id.as_str().to_owned())
        .one(&txn)
        .await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: app.now(),
            actor: principal.audit_name(),
            action: "citizen.lookup".into(),
            subject: format!("citizen:{}", id.as_str()),
            data: serde_json::json!({ "purpose": "counter_intake", "found": found.is_some() }),
        },
    )
    .await?;
    if found.is_some() {
        crate::access_log::record(
            &txn,
            id.as_str(),
            principal,
            "counter.lookup",
            None,
            true,
            app.now(),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(found.map(|c| KnownApplicant {
        citizen_id: c.citizen_id,
        full_name: c.full_name,
        phone: c.phone,
        commune: c.commune_code,
        street: c.street,
    }))
}

/// How the officer collected the fees due when receiving a counter or postal dossier (the
/// amount itself is computed from the form, never typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectedFee {
    Cash,
    Card,
    /// Nothing collected: the applicant is exempt, or nothing is due.
    Nothing,
}

impl CollectedFee {
    pub fn parse(s: &str) -> Option<CollectedFee> {
        match s {
            "cash" => Some(CollectedFee::Cash),
            "card" => Some(CollectedFee::Card),
            "none" => Some(CollectedFee::Nothing),
            _ => None,
        }
    }

    pub fn method(self) -> Option<&'static str> {
        match self {
            CollectedFee::Cash => Some("cash"),
            CollectedFee::Card => Some("card"),
            CollectedFee::Nothing => None,
        }
    }
}

/// The fees due when receiving a dossier of this channel on this day, from its form.
pub fn due_at_receipt(
    procedure: &Procedure,
    channel: Channel,
    on: NaiveDate,
    form: &serde_json::Map<String, serde_json::Value>,
) -> Vec<motcua_domain::fees::QuotedLine> {
    motcua_domain::fees::quote(procedure, channel, on, form)
        .lines
        .into_iter()
        .filter(|l| l.collected_at == CollectionPoint::Receipt)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_officer_says_how_the_fee_was_collected() {
        assert_eq!(CollectedFee::parse("cash"), Some(CollectedFee::Cash));
        assert_eq!(
            CollectedFee::parse("card").and_then(CollectedFee::method),
            Some("card")
        );
        assert_eq!(
            CollectedFee::parse("none").and_then(CollectedFee::method),
            None
        );
        // An index of a fee line (the old form) or anything else is not a way of paying.
        assert_eq!(CollectedFee::parse("0"), None);
        assert_eq!(CollectedFee::parse(""), None);
    }

    #[test]
    fn only_lines_due_at_receipt_are_collected_at_the_counter() {
        let p = motcua_domain::catalogue::import_catalogue(include_str!(
            "../../../data/demo-catalogue.json"
        ))
        .unwrap()
        .into_iter()
        .find(|p| p.code.as_str() == "1.004194")
        .unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let form = serde_json::Map::new();
        let lines = due_at_receipt(&p, Channel::Counter, on, &form);
        assert_eq!(lines.iter().map(|l| l.amount_vnd).sum::<i64>(), 15_000);
        let lines = due_at_receipt(&p, Channel::Online, on, &form);
        assert_eq!(lines.iter().map(|l| l.amount_vnd).sum::<i64>(), 7_000);
    }
}
