//! Messages to people (email and SMS): each is a row in `messages`, written with the outbox job that
//! delivers it, so an unreachable mail or SMS server delays a message but never blocks the action
//! that caused it or loses it.
//!
//! The transports (SMTP, a local mailbox, an SMS gateway) live in `motcua-gateways` and are handed
//! to the worker as [`Courier`]s; this crate does not know how a message travels.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{message, notification_setting};
use motcua_store::outbox::{self, NewJob};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::identity::Principal;
use crate::outbox::{Handler, JobCtx, JobError};
use crate::{App, AppError};
use motcua_domain::form::{self, FieldError, FieldErrorCode};

/// The job kind that delivers one message.
pub const DELIVER: &str = "message.deliver";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A message on its way out.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Stable across attempts: the far side can recognise a repeat.
    pub id: String,
    pub to: String,
    pub title: Option<String>,
    pub body: String,
}

/// Why a delivery attempt failed.
#[derive(Debug, Clone)]
pub enum DeliveryError {
    /// The server is down, slow or said "later".
    Transient(String),
    /// The server refused this message (bad address, content): retrying cannot help.
    Permanent(String),
}

/// A way to send messages of one channel.
pub trait Courier: Send + Sync {
    /// Sends the message; returns the far side's reference for it, if it gives one.
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<Option<String>, DeliveryError>>;
    /// How the operator sees it in logs ("SMTP smtp.example.vn:587", "local mailbox ./data/mailbox").
    fn describe(&self) -> String;
}

/// The couriers this deployment has; a channel without one is not offered.
#[derive(Clone, Default)]
pub struct Couriers {
    pub email: Option<Arc<dyn Courier>>,
    pub sms: Option<Arc<dyn Courier>>,
}

impl Couriers {
    pub fn has(&self, c: Channel) -> bool {
        match c {
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.sms.is_some(),
        }
    }
    fn of(&self, c: Channel) -> Option<&Arc<dyn Courier>> {
        match c {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }
}

/// A message to write, with the subject it is about (`dossier:<id>`, `feedback:<id>`, `staff:<u>`).
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub subject: String,
    pub event: String,
    pub channel: Channel,
    pub recipient: String,
    pub lang: String,
    pub title: Option<String>,
    pub body: String,
}

/// A message id derived from what caused it (the job that wrote it and the channel), so a job
/// that runs twice writes the same message once.
pub fn message_id(cause: &str, channel: Channel) -> String {
    let h = Sha256::digest(format!("{cause}\u{0}{}", channel.as_str()));
    format!("msg-{}", hex::encode(h.get(..16).unwrap_or_default()))
}

/// Writes the message and its delivery job in the caller's transaction; writing the same id twice
/// is a no-op.
pub async fn queue(
    c: &impl ConnectionTrait,
    id: &str,
    m: NewMessage,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if message::Entity::find_by_id(id.to_owned())
        .one(c)
        .await?
        .is_some()
    {
        return Ok(());
    }
    message::ActiveModel {
        id: Set(id.to_owned()),
        subject: Set(m.subject),
        event: Set(m.event),
        channel: Set(m.channel.as_str().into()),
        recipient: Set(m.recipient),
        lang: Set(m.lang),
        title: Set(m.title),
        body: Set(m.body),
        status: Set("queued".into()),
        attempts: Set(0),
        last_error: Set(None),
        provider_ref: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(c)
    .await?;
    outbox::enqueue(
        c,
        NewJob::now(DELIVER, serde_json::json!({ "message": id }), now)
            .dedupe(format!("deliver:{id}")),
        now,
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
struct DeliverPayload {
    message: String,
}

/// Delivers one message through the courier of its channel.
pub struct Deliver {
    pub couriers: Couriers,
}

impl Handler for Deliver {
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: DeliverPayload = ctx.payload()?;
            let app = ctx.app;
            let Some(m) = message::Entity::find_by_id(p.message.clone())
                .one(&app.db)
                .await?
            else {
                return Err(JobError::permanent(format!(
                    "message {} is gone",
                    p.message
                )));
            };
            if m.status == "sent" {
                return Ok(());
            }
            let channel = match m.channel.as_str() {
                "sms" => Channel::Sms,
                _ => Channel::Email,
            };
            let Some(courier) = self.couriers.of(channel) else {
                return Err(JobError::transient(format!(
                    "no {} courier configured in this worker",
                    channel.as_str()
                )));
            };
            let out = Outgoing {
                id: m.id.clone(),
                to: m.recipient.clone(),
                title: m.title.clone(),
                body: m.body.clone(),
            };
            let sent = courier.send(&out).await;
            let now = app.now();
            let txn = app.db.begin().await?;
            let mut row: message::ActiveModel = m.clone().into();
            row.attempts = Set(m.attempts + 1);
            let outcome = match sent {
                Ok(reference) => {
                    row.status = Set("sent".into());
                    row.sent_at = Set(Some(now));
                    row.provider_ref = Set(reference);
                    row.last_error = Set(None);
                    row.update(&txn).await?;
                    audit_delivery(&txn, &m, "message.sent", None, now).await?;
                    ctx.complete_in(&txn).await?;
                    Ok(())
                }
                Err(e) => {
                    let (err, text) = match e {
                        DeliveryError::Transient(t) => (JobError::transient(t.clone()), t),
                        DeliveryError::Permanent(t) => (JobError::permanent(t.clone()), t),
                    };
                    let parked = ctx.last_attempt()
                        || err.failure == motcua_store::outbox::Failure::Permanent;
                    row.last_error = Set(Some(text.chars().take(1000).collect()));
                    if parked {
                        row.status = Set("failed".into());
                        audit_delivery(&txn, &m, "message.failed", Some(&text), now).await?;
                    }
                    row.update(&txn).await?;
                    Err(err)
                }
            };
            txn.commit().await?;
            outcome
        })
    }
}

async fn audit_delivery(
    c: &impl ConnectionTrait,
    m: &message::Model,
    action: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), JobError> {
    audit::append(
        c,
        &AuditRecord {
            at: now,
            actor: "system:outbox".into(),
            action: action.into(),
            subject: m.subject.clone(),
            data: serde_json::json!({
                "message": m.id, "event": m.event, "channel": m.channel,
                "recipient": mask(&m.recipient), "error": error,
            }),
        },
    )
    .await?;
    Ok(())
}

/// A recipient as logs and other people's screens may show it: enough to recognise, not to copy.
pub fn mask(recipient: &str) -> String {
    if let Some((user, domain)) = recipient.split_once('@') {
        let first: String = user.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let digits: Vec<char> = recipient.chars().collect();
    let keep = digits.len().saturating_sub(3);
    digits
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep && i >= 3 { '*' } else { *c })
        .collect()
}

/// A sent (or waiting) message as the dossier page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub title: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The messages about `subject`, newest first. Callers have already checked the reader may see the
/// subject; recipients are masked for everyone but the applicant's own view.
pub async fn about(
    c: &impl ConnectionTrait,
    subject: &str,
    masked: bool,
) -> Result<Vec<MessageView>, AppError> {
    Ok(message::Entity::find()
        .filter(message::Column::Subject.eq(subject))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Channel)
        .limit(100)
        .all(c)
        .await?
        .into_iter()
        .map(|m| MessageView {
            event: m.event,
            channel: m.channel,
            recipient: if masked {
                mask(&m.recipient)
            } else {
                m.recipient
            },
            title: m.title,
            status: m.status,
            created_at: m.created_at,
            sent_at: m.sent_at,
        })
        .collect())
}

/// How a person wants to be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub email_on: bool,
    pub sms_on: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            email: None,
            phone: None,
            lang: "vi".into(),
            email_on: true,
            sms_on: true,
        }
    }
}

pub async fn settings_of(
    c: &impl ConnectionTrait,
    owner: &str,
) -> Result<Option<Settings>, AppError> {
    Ok(notification_setting::Entity::find_by_id(owner.to_owned())
        .one(c)
        .await?
        .map(|s| Settings {
            email: s.email,
            phone: s.phone,
            lang: s.lang,
            email_on: s.email_on,
            sms_on: s.sms_on,
        }))
}

/// The caller's settings (defaults when never saved).
pub async fn my_settings(app: &App, principal: &Principal) -> Result<Settings, AppError> {
    Ok(settings_of(&app.db, &principal.key())
        .await?
        .unwrap_or_default())
}

/// Saves the caller's settings after checking the addresses; audited.
pub async fn save_settings(
    app: &App,
    principal: &Principal,
    s: Settings,
) -> Result<Settings, AppError> {
    let mut errors = Vec::new();
    let email = s
        .email
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    if let Some(e) = &email
        && !form::is_valid_email(e)
    {
        errors.push(FieldError::new(
            "email",
            FieldErrorCode::InvalidEmail,
            "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).".into(),
            "The email address is not valid (e.g. name@example.vn).".into(),
        ));
    }
    let phone = match s
        .phone
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => match form::normalize_phone(&p) {
            Some(n) => Some(n),
            None => {
                errors.push(FieldError::new(
                    "phone",
                    FieldErrorCode::InvalidPhone,
                    "Số điện thoại không hợp lệ (ví dụ: 0912 345 678).".into(),
                    "The phone number is not valid (e.g. 0912 345 678).".into(),
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::invalid_form(errors));
    }
    let lang = motcua_domain::notice::Lang::parse(&s.lang)
        .as_str()
        .to_owned();
    let saved = Settings {
        email,
        phone,
        lang,
        email_on: s.email_on,
        sms_on: s.sms_on,
    };
    let now = app.now();
    let owner = principal.key();
    let txn = app.db.begin().await?;
    let row = notification_setting::ActiveModel {
        owner: Set(owner.clone()),
        email: Set(saved.email.clone()),
        phone: Set(saved.phone.clone()),
        lang: Set(saved.lang.clone()),
        email_on: Set(saved.email_on),
        sms_on: Set(saved.sms_on),
        updated_at: Set(now),
    };
    if notification_setting::Entity::find_by_id(owner.clone())
        .one(&txn)
        .await?
        .is_some()
    {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "settings.notifications".into(),
            subject: owner,
            data: serde_json::json!({
                "email": saved.email.as_deref().map(mask), "phone": saved.phone.as_deref().map(mask),
                "lang": saved.lang, "email_on": saved.email_on, "sms_on": saved.sms_on,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_enough_to_recognise() {
        assert_eq!(mask("an.nguyen@example.vn"), "a***@example.vn");
        assert_eq!(mask("0912345678"), "091****678");
        assert_eq!(mask("123"), "123");
    }

    #[test]
    fn message_ids_are_stable_per_cause_and_channel() {
        assert_eq!(
            message_id("job-1", Channel::Email),
            message_id("job-1", Channel::Email)
        );
        assert_ne!(
            message_id("job-1", Channel::Email),
            message_id("job-1", Channel::Sms)
        );
        assert_ne!(
            message_id("job-1", Channel::Email),
            message_id("job-2", Channel::Email)
        );
    }
}
