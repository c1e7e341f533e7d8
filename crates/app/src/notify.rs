//! Telling the applicant (SPEC §10): every step that concerns them writes, in the step's own
//! transaction, a `notify.dossier` job holding the facts of the moment; the worker turns it into an
//! email and an SMS in the applicant's language ([`motcua_domain::notice`]) and queues their
//! delivery. A step commits at once whether or not any mail server is up.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_domain::catalogue::Procedure;
use motcua_domain::form::{self, FieldType};
use motcua_domain::lifecycle::{DossierState, Status};
use motcua_domain::notice::{self, DossierEvent, Lang, NoticeContext};
use motcua_store::entities::{document, dossier};
use motcua_store::outbox::{self, NewJob};
use motcua_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::messaging::{self, Channel, Couriers, NewMessage};
use crate::outbox::{Handler, JobCtx, JobError};
use crate::{AppError, catalogue};

/// The job kind that writes a dossier step's messages.
pub const NOTIFY_DOSSIER: &str = "notify.dossier";

/// The facts of a step, as they were when it happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepFacts {
    pub dossier_id: String,
    pub event: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub receipt_due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub components: Vec<String>,
}

/// Which applicant message a recorded step calls for, if any.
pub fn event_of(action: &str, to: Status) -> Option<&'static str> {
    Some(match (action, to) {
        ("submit", Status::Submitted) => "submitted",
        // A counter dossier is received the moment it is submitted.
        ("submit", Status::Received) | ("receive", _) => "received",
        ("refuse", _) => "refused",
        ("request_supplement", _) => "supplement_requested",
        ("request_payment", _) => "payment_requested",
        ("issue_result", _) => "result_ready",
        ("extend", _) => "late",
        ("stop", _) => "stopped",
        // A dossier nobody had received yet is withdrawn the moment the applicant asks.
        ("accept_withdrawal", _) | ("request_withdrawal", Status::Stopped) => "withdrawn",
        _ => return None,
    })
}

/// Writes the step's notification job in the step's transaction (called for every recorded step).
pub async fn on_dossier_step(
    txn: &impl ConnectionTrait,
    row: &dossier::Model,
    action: &str,
    to: Status,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(event) = event_of(action, to) else {
        return Ok(());
    };
    let state: DossierState = serde_json::from_str(&row.lifecycle).unwrap_or_else(|_| {
        DossierState::new_draft(motcua_domain::catalogue::Channel::Online, 0, false)
    });
    let facts = StepFacts {
        dossier_id: row.id.clone(),
        event: event.into(),
        note: note.map(str::to_owned),
        due_at: row.due_at,
        receipt_due_at: row.receipt_due_at,
        components: state.supplement_components.clone(),
    };
    let payload = serde_json::to_value(&facts).map_err(AppError::internal)?;
    outbox::enqueue(txn, NewJob::now(NOTIFY_DOSSIER, payload, now), now).await?;
    Ok(())
}

/// Where and how to reach the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: Lang,
}

/// The applicant's contact: what they wrote in this application first (the form's email and phone
/// fields, then the applicant block), then their saved settings; a channel they turned off in
/// their settings is not used.
pub fn contact_of(
    procedure: &Procedure,
    form_values: &Map<String, Value>,
    applicant: &Value,
    settings: Option<&messaging::Settings>,
) -> Contact {
    let field_of = |t: FieldType| {
        procedure
            .form
            .fields
            .iter()
            .filter(|f| f.field_type == t)
            .find_map(|f| form_values.get(&f.key).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let from_applicant = |k: &str| {
        applicant
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let email = field_of(FieldType::Email)
        .or_else(|| from_applicant("email"))
        .or_else(|| settings.and_then(|s| s.email.clone()))
        .filter(|e| form::is_valid_email(e));
    let phone = field_of(FieldType::Phone)
        .or_else(|| from_applicant("phone"))
        .or_else(|| settings.and_then(|s| s.phone.clone()))
        .and_then(|p| form::normalize_phone(&p))
        // Landlines (02…) cannot receive SMS.
        .filter(|p| !p.starts_with("02"));
    let (email_on, sms_on, lang) = match settings {
        Some(s) => (s.email_on, s.sms_on, Lang::parse(&s.lang)),
        None => (true, true, Lang::Vi),
    };
    Contact {
        email: email.filter(|_| email_on),
        phone: phone.filter(|_| sms_on),
        lang,
    }
}

/// Writes the messages of a `notify.dossier` job.
pub struct NotifyDossier {
    pub couriers: Couriers,
}

impl Handler for NotifyDossier {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let facts: StepFacts = ctx.payload()?;
            let app = ctx.app;
            let Some(row) = dossier::Entity::find_by_id(facts.dossier_id.clone())
                .one(&app.db)
                .await?
            else {
                return Err(JobError::permanent(format!(
                    "dossier {} is gone",
                    facts.dossier_id
                )));
            };
            let procedure =
                catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
            let form_values: Map<String, Value> =
                serde_json::from_str(&row.form).unwrap_or_default();
            let applicant: Value = serde_json::from_str(&row.applicant).unwrap_or(Value::Null);
            let settings =
                messaging::settings_of(&app.db, &format!("citizen:{}", row.applicant_id)).await?;
            let contact = contact_of(&procedure, &form_values, &applicant, settings.as_ref());
            let payments = crate::payments::of_dossier(&app.db, &row.id).await?;
            let owed =
                crate::payments::due_now(app, &row, &procedure, &payments)?.map(|d| d.amount_vnd);
            let Some(event) = event_from(&facts, &row, &procedure, app, owed) else {
                return Err(JobError::permanent(format!(
                    "unknown event {:?}",
                    facts.event
                )));
            };
            let base = app.public_url.trim_end_matches('/');
            let link = format!("{base}/my/{}", row.code);
            let document_link = match &event {
                DossierEvent::Late { .. } => Some(format!("{link}/notices/apology")),
                // The public page that verifies the signed result; the dossier page downloads it.
                DossierEvent::ResultReady { .. } => document::Entity::find()
                    .filter(document::Column::DossierId.eq(row.id.clone()))
                    .order_by_desc(document::Column::IssuedAt)
                    .one(&app.db)
                    .await?
                    .map(|d| format!("{base}/verify/{}", d.id)),
                _ => None,
            };
            let procedure_name = match contact.lang {
                Lang::Vi => procedure.name_vi.clone(),
                Lang::En => procedure.name_en.clone(),
            };
            let n = notice::dossier_notice(
                &event,
                &NoticeContext {
                    code: &row.code,
                    procedure_name: &procedure_name,
                    link: &link,
                    document_link: document_link.as_deref(),
                    lang: contact.lang,
                    offset: app.calendar.offset(),
                },
            );
            let now = app.now();
            let subject = format!("dossier:{}", row.id);
            let txn = app.db.begin().await?;
            if let Some(email) = contact
                .email
                .clone()
                .filter(|_| self.couriers.has(Channel::Email))
            {
                messaging::queue(
                    &txn,
                    &messaging::message_id(&ctx.job.id, Channel::Email),
                    NewMessage {
                        subject: subject.clone(),
                        event: event.name().into(),
                        channel: Channel::Email,
                        recipient: email,
                        lang: contact.lang.as_str().into(),
                        title: Some(n.title.clone()),
                        body: n.body.clone(),
                    },
                    now,
                )
                .await?;
            }
            if let Some(phone) = contact
                .phone
                .clone()
                .filter(|_| self.couriers.has(Channel::Sms))
            {
                messaging::queue(
                    &txn,
                    &messaging::message_id(&ctx.job.id, Channel::Sms),
                    NewMessage {
                        subject,
                        event: event.name().into(),
                        channel: Channel::Sms,
                        recipient: phone,
                        lang: contact.lang.as_str().into(),
                        title: None,
                        body: n.sms.clone(),
                    },
                    now,
                )
                .await?;
            }
            ctx.complete_in(&txn).await?;
            txn.commit().await?;
            Ok(())
        })
    }
}

fn event_from(
    facts: &StepFacts,
    row: &dossier::Model,
    procedure: &Procedure,
    app: &crate::App,
    owed: Option<i64>,
) -> Option<DossierEvent> {
    let note = facts.note.clone().unwrap_or_default();
    Some(match facts.event.as_str() {
        "submitted" => DossierEvent::Submitted {
            receipt_due: facts.receipt_due_at,
        },
        "received" => DossierEvent::Received { due: facts.due_at },
        "refused" => DossierEvent::Refused { reason: note },
        "supplement_requested" => DossierEvent::SupplementRequested {
            components: facts
                .components
                .iter()
                .map(|k| {
                    procedure
                        .component(k)
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| k.clone())
                })
                .collect(),
            note,
        },
        "payment_requested" => DossierEvent::PaymentRequested {
            amount_vnd: owed,
            note,
        },
        "result_ready" => DossierEvent::ResultReady {
            online: row.channel == "online",
        },
        "late" => DossierEvent::Late {
            new_due: facts.due_at.unwrap_or_else(|| app.now()),
            reason: note,
        },
        "stopped" => DossierEvent::Stopped { reason: note },
        "withdrawn" => DossierEvent::Withdrawn,
        _ => return None,
    })
}

/// What was sent about a dossier, for whoever may see it; recipients are masked for everyone but
/// the applicant.
pub async fn sent_for_dossier(
    app: &crate::App,
    principal: &crate::identity::Principal,
    code: &str,
) -> Result<Vec<messaging::MessageView>, AppError> {
    let row = crate::dossiers::load_visible_row(&app.db, principal, code).await?;
    let own = matches!(principal, crate::identity::Principal::Citizen { citizen_id, .. }
        if citizen_id.as_str() == row.applicant_id);
    messaging::about(&app.db, &format!("dossier:{}", row.id), !own).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn birth_registration() -> Procedure {
        motcua_domain::catalogue::import_catalogue(include_str!(
            "../../../data/demo-catalogue.json"
        ))
        .unwrap()
        .into_iter()
        .find(|p| p.code.as_str() == "1.001193")
        .unwrap()
    }

    fn settings(
        email: Option<&str>,
        phone: Option<&str>,
        email_on: bool,
        sms_on: bool,
    ) -> messaging::Settings {
        messaging::Settings {
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            lang: "en".into(),
            email_on,
            sms_on,
        }
    }

    #[test]
    fn the_dossiers_own_contact_comes_first_then_the_profile() {
        let p = birth_registration();
        let form = json!({ "email": "form@example.vn", "so_dien_thoai": "0912 345 678" });
        let form = form.as_object().unwrap();
        let s = settings(Some("profile@example.vn"), Some("0987654321"), true, true);
        let c = contact_of(&p, form, &json!({}), Some(&s));
        assert_eq!(c.email.as_deref(), Some("form@example.vn"));
        assert_eq!(c.phone.as_deref(), Some("0912345678"));
        assert_eq!(c.lang, Lang::En);
        // Nothing in the form: the applicant block (counter), then the profile.
        let empty = serde_json::Map::new();
        let c = contact_of(&p, &empty, &json!({ "phone": "+84 912 000 111" }), Some(&s));
        assert_eq!(c.phone.as_deref(), Some("0912000111"));
        assert_eq!(c.email.as_deref(), Some("profile@example.vn"));
        // No settings at all: both channels, Vietnamese.
        let c = contact_of(&p, form, &json!({}), None);
        assert!(c.email.is_some() && c.phone.is_some());
        assert_eq!(c.lang, Lang::Vi);
    }

    #[test]
    fn a_channel_turned_off_or_unusable_is_not_used() {
        let p = birth_registration();
        let form = json!({ "email": "form@example.vn", "so_dien_thoai": "0912345678" });
        let form = form.as_object().unwrap();
        let c = contact_of(
            &p,
            form,
            &json!({}),
            Some(&settings(None, None, false, true)),
        );
        assert_eq!(c.email, None);
        assert!(c.phone.is_some());
        let c = contact_of(
            &p,
            form,
            &json!({}),
            Some(&settings(None, None, true, false)),
        );
        assert_eq!(c.phone, None);
        // A landline cannot take an SMS; a malformed address is no address.
        let form = json!({ "email": "not an address", "so_dien_thoai": "0225 3841 234" });
        let c = contact_of(&p, form.as_object().unwrap(), &json!({}), None);
        assert_eq!((c.email, c.phone), (None, None));
    }

    #[test]
    fn only_steps_that_concern_the_applicant_are_told() {
        assert_eq!(event_of("submit", Status::Submitted), Some("submitted"));
        assert_eq!(event_of("submit", Status::Received), Some("received"));
        assert_eq!(event_of("receive", Status::Received), Some("received"));
        assert_eq!(event_of("extend", Status::InProcessing), Some("late"));
        assert_eq!(
            event_of("request_withdrawal", Status::Stopped),
            Some("withdrawn")
        );
        assert_eq!(
            event_of("request_withdrawal", Status::WithdrawalRequested),
            None
        );
        for internal in [
            "assign",
            "hand_over",
            "forward",
            "approve",
            "consult",
            "send_back",
        ] {
            assert_eq!(event_of(internal, Status::InProcessing), None, "{internal}");
        }
    }
}
