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
    txn.commit().await?;
    Ok(found.map(|c| KnownApplicant {
        citizen_id: c.citizen_id,
        full_name: c.full_name,
        phone: c.phone,
        commune: c.commune_code,
        street: c.street,
    }))
}

/// A fee line the officer can collect when receiving a dossier of this channel on this date: the
/// lines due at receipt that have an amount. Lines are alternatives (per case), so the officer picks
/// one; `None` in the picker means exempt or nothing due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeChoice {
    pub index: usize,
    pub name: String,
    pub amount_vnd: i64,
}

pub fn fee_choices(procedure: &Procedure, channel: Channel, on: NaiveDate) -> Vec<FeeChoice> {
    procedure
        .fees
        .iter()
        .enumerate()
        .filter(|(_, f)| f.collected_at == CollectionPoint::Receipt)
        .filter_map(|(index, f)| {
            f.amount_for(channel, on).map(|amount_vnd| FeeChoice {
                index,
                name: f.name.clone(),
                amount_vnd,
            })
        })
        .collect()
}

/// The fee the officer says was collected at the counter (index into the procedure's fee lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectedFee {
    pub line: usize,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use motcua_domain::catalogue::{FeeKind, FeeLine};

    fn line(name: &str, at: CollectionPoint, counter: Option<i64>, online: Option<i64>) -> FeeLine {
        FeeLine {
            name: name.into(),
            kind: FeeKind::Fee,
            counter_vnd: counter,
            online_vnd: online,
            collected_at: at,
            valid_from: None,
            valid_to: Some(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
            note: None,
            rule: Default::default(),
        }
    }

    #[test]
    fn only_lines_due_at_receipt_with_an_amount_for_the_channel_are_offered() {
        let mut p = motcua_domain::catalogue::import_catalogue(include_str!(
            "../../../data/demo-catalogue.json"
        ))
        .unwrap()
        .remove(0);
        p.fees = vec![
            line("Lệ phí A", CollectionPoint::Receipt, Some(8_000), Some(0)),
            line(
                "Phí trả kết quả",
                CollectionPoint::Return,
                Some(5_000),
                None,
            ),
            line(
                "Chỉ trực tuyến",
                CollectionPoint::Receipt,
                None,
                Some(1_000),
            ),
            line("Miễn", CollectionPoint::Receipt, Some(0), Some(0)),
        ];
        let on = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let got = fee_choices(&p, Channel::Counter, on);
        assert_eq!(
            got.iter()
                .map(|c| (c.index, c.amount_vnd))
                .collect::<Vec<_>>(),
            vec![(0, 8_000), (3, 0)]
        );
        // After the lines expire nothing is due.
        let later = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(fee_choices(&p, Channel::Post, later).is_empty());
    }
}
