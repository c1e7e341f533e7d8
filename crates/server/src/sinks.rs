//! Where dossier events go besides the applicant (issue 19): the National Public Service Portal's
//! dossier sync and, with `MOTCUA_NATS_URL`, a NATS JetStream stream. Both are fed from the outbox
//! by the worker ([`motcua_app::events`]); a process that only serves pages needs neither.
//!
//! The portal: `MOTCUA_NPSP_URL` (+ `MOTCUA_NPSP_CLIENT_ID`, default `motcua`, and
//! `MOTCUA_NPSP_CLIENT_SECRET`). Without a URL the demo serves its simulator at `/sim/npsp` and
//! syncs to it; production without one does not sync (indicator 1.4 then reads "not measured").

use std::sync::Arc;

use anyhow::Context as _;
use futures::future::BoxFuture;
use motcua_app::events::EventBus;
use motcua_app::national_portal::{NationalPortal, PortalError};
use motcua_app::{App, Profile};
use motcua_domain::national_portal::{DossierRecord, FeeList, ProgressUpdate};
use motcua_gateways::npsp::{NpspClient, NpspError, NpspSettings};
use motcua_sim::npsp::NpspSim;

/// The demo's client id at its simulated portal.
pub const DEMO_NPSP_CLIENT: &str = "motcua";

/// The portal's settings from the environment.
#[derive(Debug, Clone, Default)]
pub struct PortalSettings {
    pub url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl PortalSettings {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            url: var("MOTCUA_NPSP_URL"),
            client_id: var("MOTCUA_NPSP_CLIENT_ID"),
            client_secret: var("MOTCUA_NPSP_CLIENT_SECRET"),
        }
    }
}

/// The sinks a worker feeds.
#[derive(Clone, Default)]
pub struct Sinks {
    pub portal: Option<Arc<dyn NationalPortal>>,
    pub bus: Option<Arc<dyn EventBus>>,
}

impl Sinks {
    /// One line per sink for the start-up message.
    pub fn described(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.portal {
            Some(p) => out.push(format!("National portal sync: {}", p.describe())),
            None => out.push("National portal sync: off (MOTCUA_NPSP_URL not set)".into()),
        }
        if let Some(b) = &self.bus {
            out.push(format!("Dossier events: {}", b.describe()));
        }
        out
    }
}

struct Portal(NpspClient);

fn portal_error(e: NpspError) -> PortalError {
    match e {
        NpspError::OutOfOrder { expected } => PortalError::OutOfOrder { expected },
        NpspError::Refused { status, message } => {
            PortalError::Refused(format!("HTTP {status}: {message}"))
        }
        NpspError::Unavailable(why) => PortalError::Unavailable(why),
    }
}

impl NationalPortal for Portal {
    fn create<'a>(&'a self, record: &'a DossierRecord) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move { self.0.create(record).await.map_err(portal_error) })
    }

    fn progress<'a>(
        &'a self,
        code: &'a str,
        update: &'a ProgressUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move { self.0.progress(code, update).await.map_err(portal_error) })
    }

    fn fees<'a>(
        &'a self,
        code: &'a str,
        fees: &'a FeeList,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move { self.0.fees(code, fees).await.map_err(portal_error) })
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// The demo simulator's client secret: derived from the deployment's secret, so a separate
/// worker process reaches the serving process's simulator.
pub fn demo_npsp_secret(app: &App) -> String {
    crate::messaging::derived_token(app, "demo npsp client secret")
}

/// The portal's client, and the simulator to mount when it is the demo's.
pub type PortalAndSim = (Option<Arc<dyn NationalPortal>>, Option<Arc<NpspSim>>);

/// The configured portal, or (demo, with a public URL to reach it) the simulator served at
/// `/sim/npsp`, returned to be mounted.
pub fn national_portal(
    app: &App,
    public_url: Option<&str>,
    s: &PortalSettings,
) -> anyhow::Result<PortalAndSim> {
    let client = |settings: NpspSettings| -> anyhow::Result<Arc<dyn NationalPortal>> {
        Ok(Arc::new(Portal(
            NpspClient::new(settings).context("national portal client")?,
        )))
    };
    match (&s.url, app.profile, public_url) {
        (Some(url), _, _) => Ok((
            Some(client(NpspSettings {
                base_url: url.clone(),
                client_id: s
                    .client_id
                    .clone()
                    .unwrap_or_else(|| DEMO_NPSP_CLIENT.into()),
                client_secret: s
                    .client_secret
                    .clone()
                    .context("MOTCUA_NPSP_URL needs MOTCUA_NPSP_CLIENT_SECRET")?,
            })?),
            None,
        )),
        (None, Profile::Demo, Some(public_url)) => {
            let secret = demo_npsp_secret(app);
            let sim = Arc::new(NpspSim::new(DEMO_NPSP_CLIENT, &secret));
            let portal = client(NpspSettings {
                base_url: format!("{}/sim/npsp", public_url.trim_end_matches('/')),
                client_id: DEMO_NPSP_CLIENT.into(),
                client_secret: secret,
            })?;
            Ok((Some(portal), Some(sim)))
        }
        _ => Ok((None, None)),
    }
}

/// The event bus's settings: `MOTCUA_NATS_URL` (off when unset), `MOTCUA_NATS_STREAM` (default
/// `MOTCUA`), taking the subjects `motcua.>`.
#[derive(Debug, Clone, Default)]
pub struct BusSettings {
    pub url: Option<String>,
    pub stream: Option<String>,
}

impl BusSettings {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            url: var("MOTCUA_NATS_URL"),
            stream: var("MOTCUA_NATS_STREAM"),
        }
    }
}

struct Bus(motcua_gateways::nats::NatsPublisher);

impl EventBus for Bus {
    fn publish<'a>(
        &'a self,
        event: &'a motcua_app::events::DossierEvent,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
            self.0
                .publish(&event.subject(), &event.id, body)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// The configured event bus, if any.
pub async fn event_bus(s: &BusSettings) -> anyhow::Result<Option<Arc<dyn EventBus>>> {
    let Some(url) = &s.url else {
        return Ok(None);
    };
    let publisher =
        motcua_gateways::nats::NatsPublisher::connect(motcua_gateways::nats::NatsSettings {
            url: url.clone(),
            stream: s.stream.clone().unwrap_or_else(|| "MOTCUA".into()),
            subjects: vec!["motcua.>".into()],
        })
        .await
        .with_context(|| format!("MOTCUA_NATS_URL {url}"))?;
    Ok(Some(Arc::new(Bus(publisher))))
}
