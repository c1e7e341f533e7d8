//! Targets for the indicators, per agency and year (SPEC §11: "an administrator assigns targets
//! per agency, e.g. online rate ≥ 80% in 2026; the dashboard shows progress and who is behind").
//! An agency without its own target for an indicator takes the nearest one above it (a
//! province's target holds for its communes unless a commune has its own).

use std::collections::BTreeMap;

use motcua_domain::lifecycle::Role;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::indicator_target;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use crate::identity::Principal;
use crate::{App, AppError, ErrorCode, indicators};

/// An agency's effective target for an indicator in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub indicator: String,
    /// Percent, or points out of 100 for `total`.
    pub target: f64,
    /// The agency that set it: this one or one above it.
    pub set_for: String,
    pub set_by: String,
}

/// Indicators a target can be set for: the rates where more is better, and the total score.
pub fn targetable(indicator: &str) -> bool {
    indicator != "2.2" && indicators::NAMES.iter().any(|(id, _, _)| *id == indicator)
}

/// The agency and the agencies above it, nearest first (`H31.11341.CA`, `H31.11341`, `H31`).
fn lineage(agency: &str) -> Vec<String> {
    let mut out = vec![agency.to_owned()];
    let mut cur = agency;
    while let Some((parent, _)) = cur.rsplit_once('.') {
        out.push(parent.to_owned());
        cur = parent;
    }
    out
}

fn may_set(principal: &Principal, agency: &str) -> bool {
    match principal {
        Principal::Staff { roles, .. } => {
            let above = lineage(agency);
            roles
                .iter()
                .any(|r| r.role == Role::Admin && above.contains(&r.agency))
        }
        Principal::Citizen { .. } => false,
    }
}

/// Sets (or with `None` removes) `agency`'s target for `indicator` in `year`: administrators of
/// the agency or of one above it; audited.
pub async fn set(
    app: &App,
    principal: &Principal,
    agency: &str,
    year: i32,
    indicator: &str,
    target: Option<f64>,
) -> Result<(), AppError> {
    indicators::find_agency(app, agency).await?;
    if !may_set(principal, agency) {
        return Err(AppError::forbidden(
            "not_admin",
            "Chỉ quản trị viên của cơ quan hoặc cơ quan cấp trên mới đặt chỉ tiêu.",
            "Only an administrator of the agency or of one above it sets targets.",
        ));
    }
    if !targetable(indicator) {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "unknown_indicator",
            format!("Không đặt chỉ tiêu cho chỉ số “{indicator}”."),
            format!("No target can be set for indicator “{indicator}”."),
        ));
    }
    if !(2020..=2100).contains(&year) {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_year",
            "Năm phải từ 2020 đến 2100.",
            "The year must be between 2020 and 2100.",
        ));
    }
    if target.is_some_and(|t| !(0.0..=100.0).contains(&t) || !t.is_finite()) {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_target",
            "Chỉ tiêu là một số từ 0 đến 100.",
            "A target is a number from 0 to 100.",
        ));
    }
    let now = app.now();
    let txn = app.db.begin().await?;
    indicator_target::Entity::delete_many()
        .filter(indicator_target::Column::AgencyCode.eq(agency.to_owned()))
        .filter(indicator_target::Column::Year.eq(year))
        .filter(indicator_target::Column::Indicator.eq(indicator.to_owned()))
        .exec(&txn)
        .await?;
    if let Some(t) = target {
        indicator_target::ActiveModel {
            agency_code: Set(agency.to_owned()),
            year: Set(year),
            indicator: Set(indicator.to_owned()),
            target: Set((t * 100.0).round() / 100.0),
            set_by: Set(principal.key()),
            set_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "indicator_target.set".into(),
            subject: format!("agency:{agency}"),
            data: json!({ "agency": agency, "year": year, "indicator": indicator, "target": target }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The targets set in a year for an agency, the agencies above it and those under it: enough
/// to say what is in force anywhere in that part of the tree without asking again.
#[derive(Debug, Clone, Default)]
pub struct InForce {
    rows: Vec<indicator_target::Model>,
}

impl InForce {
    /// The targets in force for `agency`, by indicator: its own, else the nearest above.
    pub fn for_agency(&self, agency: &str) -> BTreeMap<String, Target> {
        let mut out: BTreeMap<String, Target> = BTreeMap::new();
        // Farthest first, so a nearer agency's target replaces its parent's.
        for level in lineage(agency).iter().rev() {
            for r in self.rows.iter().filter(|r| &r.agency_code == level) {
                out.insert(
                    r.indicator.clone(),
                    Target {
                        indicator: r.indicator.clone(),
                        target: r.target,
                        set_for: r.agency_code.clone(),
                        set_by: r.set_by.clone(),
                    },
                );
            }
        }
        out
    }
}

/// The targets that can apply to `scope` or an agency under it in `year`, in one read.
pub async fn in_force_around(app: &App, scope: &str, year: i32) -> Result<InForce, AppError> {
    let rows = indicator_target::Entity::find()
        .filter(
            motcua_store::sea_orm::Condition::any()
                .add(indicator_target::Column::AgencyCode.is_in(lineage(scope)))
                .add(indicator_target::Column::AgencyCode.starts_with(format!("{scope}."))),
        )
        .filter(indicator_target::Column::Year.eq(year))
        .order_by_asc(indicator_target::Column::AgencyCode)
        .order_by_asc(indicator_target::Column::Indicator)
        .all(&app.db)
        .await?;
    Ok(InForce { rows })
}

/// The targets in force for `agency` in `year`, by indicator: its own, else the nearest above.
pub async fn effective(
    app: &App,
    agency: &str,
    year: i32,
) -> Result<BTreeMap<String, Target>, AppError> {
    Ok(in_force_around(app, agency, year).await?.for_agency(agency))
}

/// Whether a figure meets its target: `None` when it has no rate (nothing to judge).
pub fn met(rate: Option<f64>, target: f64) -> Option<bool> {
    rate.map(|r| r >= target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_inherits_from_the_agencies_above_it() {
        assert_eq!(
            lineage("H31.11341.CA"),
            ["H31.11341.CA", "H31.11341", "H31"]
        );
        assert_eq!(lineage("H31"), ["H31"]);
    }

    #[test]
    fn only_rates_and_the_total_take_targets() {
        assert!(targetable("3.3"));
        assert!(targetable("total"));
        assert!(!targetable("2.2"));
        assert!(!targetable("9.9"));
    }

    #[test]
    fn a_target_is_met_at_or_above_it() {
        assert_eq!(met(Some(80.0), 80.0), Some(true));
        assert_eq!(met(Some(79.99), 80.0), Some(false));
        assert_eq!(met(None, 80.0), None);
    }
}
