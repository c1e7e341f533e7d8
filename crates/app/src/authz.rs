//! The one place that decides who may see and act on a dossier (SPEC §6). Every dossier endpoint goes
//! through [`access`]: a citizen sees only their own dossiers; staff only those of their agency or
//! handed to it. "Not visible" is answered as not found, so codes cannot be probed.

use motcua_domain::lifecycle::{Actor, DossierState, Role};
use motcua_store::entities::dossier;

use crate::identity::Principal;

/// Staff roles that handle dossiers (admins and monitors do not).
const HANDLING: [Role; 4] = [Role::Officer, Role::Specialist, Role::Leader, Role::Clerk];

/// How the principal relates to one dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    None,
    Applicant,
    /// The community digital team member applying for the citizen, with their consent: the
    /// applicant's powers over the draft, and nothing once it is submitted.
    Assistant,
    Staff {
        at_receiving: Vec<Role>,
        at_competent: Vec<Role>,
    },
}

impl Access {
    pub fn visible(&self) -> bool {
        !matches!(self, Access::None)
    }
}

pub fn access(principal: &Principal, row: &dossier::Model, state: &DossierState) -> Access {
    match principal {
        Principal::Citizen { citizen_id, .. } => {
            if row.applicant_id == citizen_id.as_str() {
                Access::Applicant
            } else {
                Access::None
            }
        }
        Principal::Staff {
            username, roles, ..
        } if state.status == motcua_domain::lifecycle::Status::Draft
            && row.channel == "online"
            && row.assisted_by.as_deref() == Some(username.as_str())
            && roles.iter().any(|r| r.role == Role::DigitalTeam) =>
        {
            Access::Assistant
        }
        // A citizen's unsubmitted application is theirs alone: nothing has been given to the
        // agency until they submit it. Counter drafts are the receiving officer's own work in
        // progress and stay visible to their agency.
        Principal::Staff { .. }
            if state.status == motcua_domain::lifecycle::Status::Draft
                && row.channel == "online" =>
        {
            Access::None
        }
        Principal::Staff { roles, .. } => {
            let at = |agency: &str| -> Vec<Role> {
                roles
                    .iter()
                    .filter(|r| r.agency == agency && HANDLING.contains(&r.role))
                    .map(|r| r.role)
                    .collect()
            };
            let at_receiving = at(&row.receiving_agency);
            // The competent agency sees a dossier from another one-stop only once it is handed over.
            let at_competent = if !state.needs_handover || state.handed_over {
                at(&row.competent_agency)
            } else {
                Vec::new()
            };
            // Counter drafts are the receiving officer's work in progress.
            if at_receiving.is_empty() && at_competent.is_empty() {
                Access::None
            } else {
                Access::Staff {
                    at_receiving,
                    at_competent,
                }
            }
        }
    }
}

/// The actors the principal can be for this dossier: one per role held there.
pub fn actors(principal: &Principal, access: &Access) -> Vec<Actor> {
    match (principal, access) {
        (Principal::Citizen { citizen_id, .. }, Access::Applicant) => vec![Actor {
            username: citizen_id.to_string(),
            role: Role::Citizen,
            is_applicant: true,
            at_receiving: false,
            at_competent: false,
        }],
        // Acting for the applicant, who consented.
        (Principal::Staff { username, .. }, Access::Assistant) => vec![Actor {
            username: username.clone(),
            role: Role::Citizen,
            is_applicant: true,
            at_receiving: false,
            at_competent: false,
        }],
        (
            Principal::Staff { username, .. },
            Access::Staff {
                at_receiving,
                at_competent,
            },
        ) => {
            let mut roles: Vec<Role> = at_receiving.iter().chain(at_competent).copied().collect();
            roles.sort();
            roles.dedup();
            roles
                .into_iter()
                .map(|role| Actor {
                    username: username.clone(),
                    role,
                    is_applicant: false,
                    at_receiving: at_receiving.contains(&role),
                    at_competent: at_competent.contains(&role),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Agencies whose dossiers a staff principal handles.
pub fn handling_agencies(principal: &Principal) -> Vec<String> {
    agencies_with(principal, &HANDLING)
}

/// The agencies where a staff principal holds one of `roles`, sorted, each once.
pub fn agencies_with(principal: &Principal, roles: &[Role]) -> Vec<String> {
    match principal {
        Principal::Staff { roles: held, .. } => {
            let mut v: Vec<String> = held
                .iter()
                .filter(|r| roles.contains(&r.role))
                .map(|r| r.agency.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        }
        Principal::Citizen { .. } => Vec::new(),
    }
}

/// Whether a staff principal holds `role` at `agency`.
pub fn has_role(principal: &Principal, agency: &str, role: Role) -> bool {
    matches!(principal, Principal::Staff { roles, .. } if roles.iter().any(|r| r.agency == agency && r.role == role))
}
