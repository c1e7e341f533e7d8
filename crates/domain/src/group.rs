//! Interconnected procedure groups (liên thông; Decree 63/2024/NĐ-CP, SPEC §3, DOMAIN-VN §5): one
//! application, one form and one set of documents, fanned out at submission into a dossier per
//! member procedure at its own competent agency. A member may wait for another one's result (the
//! birth registration feeds the permanent residence and the health insurance card); it starts by
//! itself once that result is issued, and never if that member ends without one.
//!
//! A group procedure lists its members in the catalogue (`members`): which procedure, which member
//! it waits for (`after`), when the applicant's answers include it (`when`), and how the group's
//! form fields and components become the member's (`form`, `components`: member key ← group key).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalogue::ProcedureCode;
use crate::lifecycle::Status;

/// A `form` source read from the group's applicant block rather than its form.
pub const APPLICANT: &str = "applicant.";

/// What an applicant block holds: `applicant.<one of these>` may be a `form` source.
pub const APPLICANT_KEYS: [&str; 4] = ["full_name", "citizen_id", "address", "phone"];

/// A `form` source read from the record of the member this one comes after, as its result left
/// it: `after.so_dinh_danh_tre`, the personal ID the birth registration gave the child.
pub const AFTER: &str = "after.";

/// A `form` source that is a fixed answer, the same for every application of the group:
/// `=Đăng ký thường trú cho trẻ em mới sinh`.
pub const FIXED: &str = "=";

/// One member procedure of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMember {
    pub procedure: ProcedureCode,
    /// The member whose result this one needs before it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<ProcedureCode>,
    /// Only when the group's form says so (the applicant chose this member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<MemberCondition>,
    /// The member's form field ← where its answer comes from: the group's form field of that
    /// name, `applicant.<key>` ([`APPLICANT`]), `after.<key>` ([`AFTER`]) or `=<answer>`
    /// ([`FIXED`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub form: BTreeMap<String, String>,
    /// The member's component ← the group's component (the same files, not copies).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub components: BTreeMap<String, String>,
}

/// A member is included when the group form's `field` holds one of `any_of` (for a multiple
/// choice, when it holds any of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberCondition {
    pub field: String,
    pub any_of: Vec<String>,
}

impl GroupMember {
    /// Whether the applicant's answers include this member.
    pub fn included(&self, form: &Map<String, Value>) -> bool {
        let Some(c) = &self.when else { return true };
        let holds = |v: &Value| v.as_str().is_some_and(|s| c.any_of.iter().any(|a| a == s));
        match form.get(&c.field) {
            Some(Value::Array(items)) => items.iter().any(holds),
            Some(v) => holds(v),
            None => false,
        }
    }

    /// The member's form: each mapped field the group's form answered; what the group's
    /// applicant block holds for an `applicant.<key>` source (the person applying, whom the
    /// group's form does not ask about again); what the record of the member it comes after
    /// (`after`) holds for an `after.<key>` source; the answer itself for `=<answer>`.
    pub fn member_form(
        &self,
        group_form: &Map<String, Value>,
        applicant: &Map<String, Value>,
        after: &Map<String, Value>,
    ) -> Map<String, Value> {
        self.form
            .iter()
            .filter_map(|(member_key, source)| {
                let value = if let Some(key) = source.strip_prefix(APPLICANT) {
                    applicant.get(key).cloned()
                } else if let Some(key) = source.strip_prefix(AFTER) {
                    after.get(key).cloned()
                } else if let Some(answer) = source.strip_prefix(FIXED) {
                    Some(Value::String(answer.to_owned()))
                } else {
                    group_form.get(source).cloned()
                };
                value
                    .filter(|v| !v.is_null())
                    .map(|v| (member_key.clone(), v))
            })
            .collect()
    }
}

/// Where a member stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "status")]
pub enum MemberState {
    /// Its dossier exists, in this status.
    Started(Status),
    /// It waits for the result of the member it comes after.
    Waiting,
    /// The member it comes after ended without a result: it will not start.
    Cancelled,
}

impl MemberState {
    /// Nothing more will happen to it.
    pub fn finished(self) -> bool {
        match self {
            MemberState::Started(s) => ends(s),
            MemberState::Waiting => false,
            MemberState::Cancelled => true,
        }
    }
}

/// A status after which a dossier moves no more: refused, stopped, result ready or returned.
/// (A result ready is still to be handed over, but the member's work is done.)
fn ends(s: Status) -> bool {
    matches!(
        s,
        Status::NotReceived | Status::Stopped | Status::ResultReady | Status::ResultReturned
    )
}

fn has_result(s: Status) -> bool {
    matches!(s, Status::ResultReady | Status::ResultReturned)
}

/// Each included member's state, in the catalogue's order, from the statuses of the members
/// started so far.
pub fn member_states<'a>(
    members: &[&'a GroupMember],
    started: &HashMap<String, Status>,
) -> Vec<(&'a GroupMember, MemberState)> {
    // Resolved in dependency order however the catalogue lists them; a member whose `after` is
    // not in the group (or a cycle) waits for nothing and counts as cancelled if never started.
    let mut known: HashMap<&str, MemberState> = HashMap::new();
    for _ in 0..=members.len() {
        for m in members {
            let code = m.procedure.as_str();
            if known.contains_key(code) {
                continue;
            }
            let state = match (started.get(code), &m.after) {
                (Some(s), _) => Some(MemberState::Started(*s)),
                (None, None) => Some(MemberState::Waiting),
                (None, Some(dep)) => match known.get(dep.as_str()) {
                    Some(MemberState::Started(s)) if ends(*s) && !has_result(*s) => {
                        Some(MemberState::Cancelled)
                    }
                    Some(MemberState::Cancelled) => Some(MemberState::Cancelled),
                    Some(_) => Some(MemberState::Waiting),
                    None => None,
                },
            };
            if let Some(s) = state {
                known.insert(code, s);
            }
        }
    }
    members
        .iter()
        .map(|m| {
            let s = known
                .get(m.procedure.as_str())
                .copied()
                .unwrap_or(MemberState::Cancelled);
            (*m, s)
        })
        .collect()
}

/// The members to start now: not started, and the member they come after has its result.
pub fn ready_to_start<'a>(
    members: &[&'a GroupMember],
    started: &HashMap<String, Status>,
) -> Vec<&'a GroupMember> {
    members
        .iter()
        .filter(|m| !started.contains_key(m.procedure.as_str()))
        .filter(|m| match &m.after {
            None => true,
            Some(dep) => started.get(dep.as_str()).is_some_and(|s| has_result(*s)),
        })
        .copied()
        .collect()
}

/// The group's status, as the applicant follows it: in processing until every member is done;
/// then result ready, or returned once every result is returned; stopped when no member produced
/// a result.
pub fn group_status(states: &[MemberState]) -> Status {
    if states.is_empty() || states.iter().any(|s| !s.finished()) {
        return Status::InProcessing;
    }
    let with_result: Vec<Status> = states
        .iter()
        .filter_map(|s| match s {
            MemberState::Started(st) if has_result(*st) => Some(*st),
            _ => None,
        })
        .collect();
    if with_result.is_empty() {
        Status::Stopped
    } else if with_result.iter().all(|s| *s == Status::ResultReturned) {
        Status::ResultReturned
    } else {
        Status::ResultReady
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(s: &str) -> ProcedureCode {
        ProcedureCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn member(p: &str, after: Option<&str>) -> GroupMember {
        GroupMember {
            procedure: code(p),
            after: after.map(code),
            when: None,
            form: BTreeMap::new(),
            components: BTreeMap::new(),
        }
    }

    /// Birth registration, then permanent residence and the health insurance card.
    fn birth_group() -> Vec<GroupMember> {
        vec![
            member("1.001193", None),
            member("1.004222", Some("1.001193")),
            member("9.900002", Some("1.001193")),
        ]
    }

    fn started(list: &[(&str, Status)]) -> HashMap<String, Status> {
        list.iter().map(|(c, s)| ((*c).to_owned(), *s)).collect()
    }

    #[test]
    fn members_start_when_the_one_they_need_has_its_result() {
        let g = birth_group();
        let all: Vec<&GroupMember> = g.iter().collect();
        let codes = |v: Vec<&GroupMember>| -> Vec<String> {
            v.iter().map(|m| m.procedure.as_str().to_owned()).collect()
        };
        // At submission: the birth registration alone.
        assert_eq!(codes(ready_to_start(&all, &started(&[]))), ["1.001193"]);
        // While it is handled, nothing else.
        let handling = started(&[("1.001193", Status::InProcessing)]);
        assert!(ready_to_start(&all, &handling).is_empty());
        // Its result issued: both others.
        let issued = started(&[("1.001193", Status::ResultReady)]);
        assert_eq!(
            codes(ready_to_start(&all, &issued)),
            ["1.004222", "9.900002"]
        );
        // Never twice.
        let both = started(&[
            ("1.001193", Status::ResultReturned),
            ("1.004222", Status::Submitted),
        ]);
        assert_eq!(codes(ready_to_start(&all, &both)), ["9.900002"]);
    }

    #[test]
    fn a_member_after_one_that_ended_without_a_result_is_cancelled() {
        let g = birth_group();
        let all: Vec<&GroupMember> = g.iter().collect();
        for end in [Status::NotReceived, Status::Stopped] {
            let s = started(&[("1.001193", end)]);
            assert!(ready_to_start(&all, &s).is_empty());
            let states: Vec<MemberState> = member_states(&all, &s)
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            assert_eq!(
                states,
                [
                    MemberState::Started(end),
                    MemberState::Cancelled,
                    MemberState::Cancelled
                ]
            );
            assert_eq!(group_status(&states), Status::Stopped);
        }
    }

    #[test]
    fn the_group_is_done_when_every_member_is() {
        let g = birth_group();
        let all: Vec<&GroupMember> = g.iter().collect();
        let status = |list: &[(&str, Status)]| {
            let states: Vec<MemberState> = member_states(&all, &started(list))
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            group_status(&states)
        };
        assert_eq!(status(&[]), Status::InProcessing);
        assert_eq!(
            status(&[("1.001193", Status::ResultReturned)]),
            Status::InProcessing,
            "the others wait"
        );
        assert_eq!(
            status(&[
                ("1.001193", Status::ResultReturned),
                ("1.004222", Status::ResultReady),
                ("9.900002", Status::ResultReturned)
            ]),
            Status::ResultReady
        );
        assert_eq!(
            status(&[
                ("1.001193", Status::ResultReturned),
                ("1.004222", Status::Stopped),
                ("9.900002", Status::ResultReturned)
            ]),
            Status::ResultReturned,
            "a member refused does not hold the others back"
        );
    }

    #[test]
    fn answers_choose_members_and_fill_their_forms() {
        let mut m = member("1.003197", Some("1.000656"));
        m.when = Some(MemberCondition {
            field: "thu_tuc_lien_thong".into(),
            any_of: vec!["xoa_thuong_tru".into()],
        });
        m.form.insert("ho_ten".into(), "ho_ten_nguoi_chet".into());
        m.form.insert("ly_do".into(), "nguyen_nhan_chet".into());
        m.form
            .insert("so_dinh_danh_chu_ho".into(), "applicant.citizen_id".into());
        m.form.insert(
            "so_dinh_danh".into(),
            "after.so_dinh_danh_nguoi_chet".into(),
        );
        m.form.insert("truong_hop_xoa".into(), "=chet".into());
        let chose = |v: Value| -> Map<String, Value> {
            json!({ "thu_tuc_lien_thong": v, "ho_ten_nguoi_chet": "Lê Văn Tư" })
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        assert!(m.included(&chose(json!(["mai_tang", "xoa_thuong_tru"]))));
        assert!(m.included(&chose(json!("xoa_thuong_tru"))));
        assert!(!m.included(&chose(json!(["mai_tang"]))));
        assert!(!m.included(&Map::new()));
        let applicant = json!({ "citizen_id": "031085012345", "full_name": "Nguyễn Văn An" });
        let after = json!({ "so_dinh_danh_nguoi_chet": "031050000123" });
        let f = m.member_form(
            &chose(json!([])),
            applicant.as_object().unwrap_or(&Map::new()),
            after.as_object().unwrap_or(&Map::new()),
        );
        assert_eq!(f.get("ho_ten"), Some(&json!("Lê Văn Tư")));
        assert_eq!(f.get("so_dinh_danh_chu_ho"), Some(&json!("031085012345")));
        assert_eq!(f.get("so_dinh_danh"), Some(&json!("031050000123")));
        assert_eq!(f.get("truong_hop_xoa"), Some(&json!("chet")));
        // An answer the group form did not get is left out, not invented.
        assert!(!f.contains_key("ly_do"));
        let bare = m.member_form(&chose(json!([])), &Map::new(), &Map::new());
        assert!(bare.get("so_dinh_danh_chu_ho").is_none());
        assert!(bare.get("so_dinh_danh").is_none());
        assert_eq!(bare.get("truong_hop_xoa"), Some(&json!("chet")));
    }
}
