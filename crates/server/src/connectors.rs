//! Wires the national databases (SPEC §7): each one configured with `MOTCUA_CONNECTOR_<NAME>_URL`
//! is read through `motcua-gateways`' resilient client; in the demo profile every one that is not
//! configured is answered by its simulator from `motcua-sim`, mounted at `/sim/<name>` and reached
//! over the same HTTP. The application sees only `motcua_app::connectors`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_app::connectors::{Connectors, Health, NationalDatabase, Status, Unavailable};
use motcua_app::{App, Profile};
use motcua_domain::national::{Database, Query};
use motcua_gateways::connector::{
    Connector, ConnectorError, ConnectorHealth, ConnectorSettings, HealthStatus,
};
use motcua_sim::registries::{Mode, Registry, RequestLogEntry};

/// Adapts the gateways' client to the application's interface.
struct Adapter(Connector);

fn unavailable(e: ConnectorError) -> Unavailable {
    match e {
        ConnectorError::Refused { status, body } => {
            Unavailable::Refused(format!("HTTP {status}: {body}"))
        }
        ConnectorError::Invalid(why) | ConnectorError::Config(why) => Unavailable::Refused(why),
        other => Unavailable::Down(other.to_string()),
    }
}

fn health(h: ConnectorHealth) -> Health {
    Health {
        status: match h.status {
            HealthStatus::Connected => Status::Connected,
            HealthStatus::Degraded => Status::Degraded,
            HealthStatus::Down => Status::Down,
            HealthStatus::Unknown => Status::Unknown,
        },
        breaker_open: h.breaker_open,
        last_success: h.last_success,
        last_failure: h.last_failure,
        last_error: h.last_error,
        calls_last_hour: h.calls_last_hour,
        errors_last_hour: h.errors_last_hour,
        error_rate: h.error_rate,
        latency_p50_ms: h.latency_p50_ms,
        latency_p95_ms: h.latency_p95_ms,
    }
}

impl NationalDatabase for Adapter {
    fn fetch<'a>(
        &'a self,
        query: &'a Query,
        purpose: &'a str,
        request_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<serde_json::Value>, Unavailable>> {
        Box::pin(async move {
            self.0
                .fetch(query, purpose, request_id)
                .await
                .map_err(unavailable)
        })
    }

    fn submit<'a>(
        &'a self,
        path: &'a str,
        body: &'a serde_json::Value,
        purpose: &'a str,
        request_id: &'a str,
    ) -> BoxFuture<'a, Result<serde_json::Value, Unavailable>> {
        Box::pin(async move {
            self.0
                .submit(path, body, purpose, request_id)
                .await
                .map_err(unavailable)
        })
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), Unavailable>> {
        Box::pin(async move { self.0.probe().await.map_err(unavailable) })
    }

    fn health(&self, now: DateTime<Utc>) -> Health {
        health(self.0.health(now))
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// The simulated national databases of a demo deployment, for the router and for tests.
pub struct Simulators {
    token: String,
    sims: Vec<(Database, Arc<Registry>, axum::Router)>,
}

impl Simulators {
    fn new(token: &str) -> Self {
        use motcua_sim::registries::{
            civil_status::CivilStatusSim, enterprise::EnterpriseSim, land::LandSim,
            population::PopulationSim, residence::ResidenceSim,
            social_insurance::SocialInsuranceSim,
        };
        let mut sims = Vec::new();
        let p = PopulationSim::new(token);
        sims.push((Database::Population, Arc::clone(p.registry()), p.router()));
        let c = CivilStatusSim::new(token);
        sims.push((Database::CivilStatus, Arc::clone(c.registry()), c.router()));
        let r = ResidenceSim::new(token);
        sims.push((Database::Residence, Arc::clone(r.registry()), r.router()));
        let e = EnterpriseSim::new(token);
        sims.push((Database::Enterprise, Arc::clone(e.registry()), e.router()));
        let l = LandSim::new(token);
        sims.push((Database::Land, Arc::clone(l.registry()), l.router()));
        let s = SocialInsuranceSim::new(token);
        sims.push((
            Database::SocialInsurance,
            Arc::clone(s.registry()),
            s.router(),
        ));
        Simulators {
            token: token.to_owned(),
            sims,
        }
    }

    /// Where a database's simulator is mounted: `/sim/civil-status`.
    pub fn path(database: Database) -> String {
        format!("/sim/{}", database.name().replace('_', "-"))
    }

    /// Mounts every simulator under `/sim/<name>`.
    pub fn mount(&self, mut router: axum::Router) -> axum::Router {
        for (d, _, r) in &self.sims {
            router = router.nest(&Self::path(*d), r.clone());
        }
        router
    }

    fn registry(&self, database: Database) -> Option<&Arc<Registry>> {
        self.sims
            .iter()
            .find(|(d, _, _)| *d == database)
            .map(|(_, r, _)| r)
    }

    /// The operator's switch of one simulator (`ok`, `down`, `slow`).
    pub fn set_mode(&self, database: Database, mode: Mode) {
        if let Some(r) = self.registry(database) {
            r.set_mode(mode);
        }
    }

    /// What one simulator was asked, oldest first.
    pub fn requests(&self, database: Database) -> Vec<RequestLogEntry> {
        self.registry(database)
            .map(|r| r.requests())
            .unwrap_or_default()
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

/// Connects the application to its national databases: configured ones through
/// `MOTCUA_CONNECTOR_<NAME>_URL` (+ `_TOKEN`, `_TIMEOUT_MS`, `_RETRIES`, read through `vars`),
/// and in the demo profile the simulators for the others (returned, to be mounted). A production
/// deployment without a URL for a database is "not connected" to it.
pub fn install(
    app: &mut App,
    public_url: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<Arc<Simulators>>> {
    let public_url = public_url.trim_end_matches('/');
    let mut connectors = Connectors::default();
    let mut simulated = Vec::new();
    for d in Database::ALL {
        let settings = ConnectorSettings::from_vars(d, vars)
            .with_context(|| format!("connector {}", d.name()))?;
        let settings = match (settings, app.profile) {
            (Some(s), _) => s,
            (None, Profile::Demo) => {
                simulated.push(d);
                // The demo's own simulators answer locally: a short timeout, so a test (or a
                // visitor) switching one to "slow" sees the fallback quickly.
                let prefix = ConnectorSettings::env_prefix(d);
                let mut s =
                    ConnectorSettings::new(d, format!("{public_url}{}", Simulators::path(d)));
                s.token = Some(demo_token(app));
                if vars(&format!("{prefix}TIMEOUT_MS")).is_none() {
                    s.timeout = Duration::from_millis(1500);
                }
                if let Some(t) = vars(&format!("{prefix}TIMEOUT_MS")).and_then(|v| v.parse().ok()) {
                    s.timeout = Duration::from_millis(t);
                }
                if let Some(r) = vars(&format!("{prefix}RETRIES")).and_then(|v| v.parse().ok()) {
                    s.retries = r;
                }
                s
            }
            (None, Profile::Production) => continue,
        };
        let c = Connector::new(settings).with_context(|| format!("connector {}", d.name()))?;
        tracing::info!(connector = d.name(), endpoint = %c.describe(), "national database connected");
        connectors = connectors.with(d, Arc::new(Adapter(c)));
    }
    app.connectors = connectors;
    Ok((!simulated.is_empty()).then(|| Arc::new(Simulators::new(&demo_token(app)))))
}

/// The token the demo's simulators accept: derived from the deployment's secret.
fn demo_token(app: &App) -> String {
    crate::messaging::derived_token(app, "demo national databases token")
}

/// Probes every connector each minute, so the health view is live when nobody applies.
pub fn spawn_probes(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            app.connectors.probe_all().await;
        }
    });
}
