//! Wiring of the message transports and the outbox worker.
//!
//! Email goes through SMTP when `MOTCUA_SMTP_URL` is set, otherwise (demo and production alike)
//! into a local mailbox folder of `.eml` files the operator can open with any mail client, and the
//! start-up log says which. SMS goes through the configured brandname gateway; the demo, without
//! one, sends to the simulated gateway mounted at `/sim/sms` (its inboxes are at
//! `/sim/sms/<phone>`). Production without a gateway simply sends no SMS.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use futures::future::BoxFuture;
use motcua_app::messaging::{Courier, Couriers, DeliveryError, Outgoing};
use motcua_app::outbox::{Worker, WorkerOptions};
use motcua_app::{App, Profile};
use motcua_gateways::delivery::DeliveryError as GatewayError;
use motcua_gateways::mail::{Mailer, OutgoingEmail};
use motcua_gateways::sms::{SmsConfig, SmsGateway};
use motcua_sim::sms::SmsGatewaySim;

/// The brandname the demo registers with its simulated gateway.
pub const DEMO_BRANDNAME: &str = "MOTCUA";

/// Message settings from the environment.
#[derive(Debug, Clone, Default)]
pub struct MessagingSettings {
    /// `MOTCUA_SMTP_URL`: `smtp://host:port`, `smtp://user:pass@host:587?tls=starttls`,
    /// `smtps://user:pass@host`.
    pub smtp_url: Option<String>,
    /// `MOTCUA_MAIL_FROM`.
    pub mail_from: Option<String>,
    /// `MOTCUA_SMS_URL` (the provider's full send endpoint) with `MOTCUA_SMS_API_KEY`,
    /// `MOTCUA_SMS_SECRET_KEY`, `MOTCUA_SMS_BRANDNAME`.
    pub sms: Option<SmsConfig>,
    /// `MOTCUA_WORKER=off` keeps the worker out of `serve` (run `motcua worker` elsewhere).
    pub worker_in_serve: bool,
}

impl MessagingSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let sms = match var("MOTCUA_SMS_URL") {
            None => None,
            Some(url) => Some(SmsConfig {
                url,
                api_key: var("MOTCUA_SMS_API_KEY")
                    .context("MOTCUA_SMS_URL needs MOTCUA_SMS_API_KEY")?,
                secret_key: var("MOTCUA_SMS_SECRET_KEY")
                    .context("MOTCUA_SMS_URL needs MOTCUA_SMS_SECRET_KEY")?,
                brandname: var("MOTCUA_SMS_BRANDNAME")
                    .context("MOTCUA_SMS_URL needs MOTCUA_SMS_BRANDNAME")?,
            }),
        };
        let worker_in_serve = !matches!(
            var("MOTCUA_WORKER")
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("off" | "0" | "false" | "no")
        );
        Ok(Self {
            smtp_url: var("MOTCUA_SMTP_URL"),
            mail_from: var("MOTCUA_MAIL_FROM"),
            sms,
            worker_in_serve,
        })
    }
}

const DEFAULT_FROM: &str = "Cổng dịch vụ công <no-reply@motcua.local>";

/// The transports of this process, and the simulated SMS gateway when the demo uses it.
pub struct Messaging {
    pub couriers: Couriers,
    pub sms_sim: Option<Arc<SmsGatewaySim>>,
    /// One line per channel for the start-up message.
    pub described: Vec<String>,
}

/// Builds the couriers. `public_url` is where this deployment's own simulator answers (demo).
pub fn messaging(
    settings: &MessagingSettings,
    app: &App,
    data_dir: &std::path::Path,
    public_url: Option<&str>,
) -> anyhow::Result<Messaging> {
    let profile = app.profile;
    let from = settings.mail_from.as_deref().unwrap_or(DEFAULT_FROM);
    let mailer = match &settings.smtp_url {
        Some(url) => Mailer::from_url(url, from).context("MOTCUA_SMTP_URL")?,
        None => {
            let dir: PathBuf = data_dir.join("mailbox");
            Mailer::mailbox(dir, from).context("local mailbox")?
        }
    };
    let mut described = vec![match &settings.smtp_url {
        Some(_) => format!("Email: {}", mailer.describe()),
        None => format!(
            "Email: no MOTCUA_SMTP_URL, so messages are written to the local mailbox {} (one .eml file each).",
            data_dir.join("mailbox").display()
        ),
    }];
    let (sms_config, sms_sim) = match (&settings.sms, profile, public_url) {
        (Some(c), _, _) => (Some(c.clone()), None),
        (None, Profile::Demo, Some(base)) => {
            // Derived from the deployment's secret, so a separate `motcua worker` on the same
            // data reaches the simulator that `serve` hosts.
            let key = derived_token(app, "demo sms api key");
            let secret = derived_token(app, "demo sms secret key");
            let sim = Arc::new(SmsGatewaySim::new(
                &key,
                &secret,
                vec![DEMO_BRANDNAME.to_owned()],
            ));
            (
                Some(SmsConfig {
                    url: format!(
                        "{}/sim/sms/api/SendMultipleMessage_V4_post_json/",
                        base.trim_end_matches('/')
                    ),
                    api_key: key,
                    secret_key: secret,
                    brandname: DEMO_BRANDNAME.into(),
                }),
                Some(sim),
            )
        }
        _ => (None, None),
    };
    let sms = match sms_config {
        Some(c) => {
            let g = SmsGateway::new(c).context("SMS gateway settings")?;
            described.push(match &sms_sim {
                Some(_) => format!(
                    "SMS: the simulated brandname gateway; inboxes at {}/sim/sms/<phone>.",
                    public_url.unwrap_or("").trim_end_matches('/')
                ),
                None => format!("SMS: {}", g.describe()),
            });
            Some(Arc::new(SmsCourier(g)) as Arc<dyn Courier>)
        }
        None => {
            described.push("SMS: no gateway configured (MOTCUA_SMS_URL); none are sent.".into());
            None
        }
    };
    Ok(Messaging {
        couriers: Couriers {
            email: Some(Arc::new(MailCourier(mailer))),
            sms,
        },
        sms_sim,
        described,
    })
}

pub(crate) fn derived_token(app: &App, label: &str) -> String {
    use sha2::Digest;
    // Ed25519 signatures are deterministic: the same secret and label give the same token.
    let sig = app
        .sealing
        .sign_checkpoint(format!("motcua {label} v1").as_bytes());
    let h = sha2::Sha256::digest(sig);
    h.iter().take(16).map(|x| format!("{x:02x}")).collect()
}

fn delivery(e: GatewayError) -> DeliveryError {
    match e {
        GatewayError::Transient(t) => DeliveryError::Transient(t),
        GatewayError::Permanent(t) => DeliveryError::Permanent(t),
    }
}

struct MailCourier(Mailer);

impl Courier for MailCourier {
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<Option<String>, DeliveryError>> {
        Box::pin(async move {
            let email = OutgoingEmail {
                message_id: m.id.clone(),
                to: m.to.clone(),
                subject: m.title.clone().unwrap_or_default(),
                text: m.body.clone(),
            };
            self.0.send(&email).await.map_err(delivery)?;
            Ok(Some(format!("<{}@motcua>", m.id)))
        })
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

struct SmsCourier(SmsGateway);

impl Courier for SmsCourier {
    fn send<'a>(&'a self, m: &'a Outgoing) -> BoxFuture<'a, Result<Option<String>, DeliveryError>> {
        Box::pin(async move {
            let id = self.0.send(&m.to, &m.body, &m.id).await.map_err(delivery)?;
            Ok(Some(id).filter(|i| !i.is_empty()))
        })
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// A worker with every job kind this version knows.
pub fn worker(
    app: App,
    couriers: Couriers,
    vnpay: Option<Arc<motcua_gateways::vnpay::Vnpay>>,
    sinks: &crate::sinks::Sinks,
    options: WorkerOptions,
) -> Worker {
    let mut w = Worker::new(app, options);
    // Every dossier event is handed on to this worker's sinks (none: the event job just ends).
    let mut kinds = Vec::new();
    if let Some(portal) = &sinks.portal {
        kinds.push(motcua_app::national_portal::SYNC);
        w.register(
            motcua_app::national_portal::SYNC,
            Arc::new(motcua_app::national_portal::SyncDossier {
                portal: portal.clone(),
            }),
        );
    }
    if let Some(bus) = &sinks.bus {
        kinds.push(motcua_app::events::PUBLISH);
        w.register(
            motcua_app::events::PUBLISH,
            Arc::new(motcua_app::events::Publish { bus: bus.clone() }),
        );
    }
    w.register(
        motcua_app::events::DOSSIER_EVENT,
        Arc::new(motcua_app::events::Fanout { sinks: kinds }),
    );
    if let Some(vnpay) = vnpay {
        w.register(
            motcua_app::payments::REQUERY,
            Arc::new(crate::payments::Requery {
                vnpay: vnpay.clone(),
            }),
        );
        w.register(
            motcua_app::payments::REFUND,
            Arc::new(crate::payments::Refund { vnpay }),
        );
    }
    w.register(
        motcua_app::notify::NOTIFY_DOSSIER,
        Arc::new(motcua_app::notify::NotifyDossier {
            couriers: couriers.clone(),
        }),
    );
    w.register(
        motcua_app::messaging::DELIVER,
        Arc::new(motcua_app::messaging::Deliver { couriers }),
    );
    w.register(
        motcua_app::receipts::RECEIPT,
        Arc::new(motcua_app::receipts::IssueReceipt),
    );
    w.register(
        motcua_app::reminders::DIGEST,
        Arc::new(motcua_app::reminders::StaffDigest),
    );
    w
}

/// Writes the staff digest job each working morning (checked every ten minutes; the job's dedupe
/// key keeps it to one a day however many processes check).
pub fn spawn_reminders(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = motcua_app::reminders::schedule_digest(&app, app.now()).await {
                tracing::error!(error = ?e, "cannot schedule the staff digest");
            }
        }
    });
}
