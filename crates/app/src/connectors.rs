//! The national databases this deployment reads from (SPEC §7): one small interface the use cases
//! call, whatever answers behind it (the real data-exchange platform, or in demo and tests the
//! simulators of `motcua-sim`, over the same HTTP). `server` adapts `motcua-gateways`' connector
//! client to it, so `app` does not depend on `gateways`.
//!
//! A trait because a simulator stands in for each external party (ARCHITECTURE: traits only there).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use motcua_domain::national::{Database, EXPECTED_DATABASES, Query};
use serde::Serialize;
use serde_json::Value;

/// Why a database gave no answer (as opposed to "no record", which is an answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Timed out, refused, failing, or its circuit is open.
    Down(String),
    /// It refused our request (authorisation, malformed query): an operator must look.
    Refused(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::Down(why) => write!(f, "unavailable: {why}"),
            Unavailable::Refused(why) => write!(f, "refused our request: {why}"),
        }
    }
}

/// How a connector is doing, for the health view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Connected,
    Degraded,
    Down,
    /// Configured but not contacted yet.
    Unknown,
}

/// The health of one connector over the last hour.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub status: Status,
    pub breaker_open: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub calls_last_hour: u32,
    pub errors_last_hour: u32,
    pub error_rate: Option<f64>,
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
}

/// One national database behind a connector.
pub trait NationalDatabase: Send + Sync {
    /// Reads the records `query` asks for; `Ok(None)` when the database holds none. `purpose` and
    /// `request_id` travel to the far side (its own access log).
    fn fetch<'a>(
        &'a self,
        query: &'a Query,
        purpose: &'a str,
        request_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Value>, Unavailable>>;
    /// Writes to the database (`POST` of `body` at `path`): its JSON answer. The body carries our
    /// reference, so a retried write is the same write there.
    fn submit<'a>(
        &'a self,
        path: &'a str,
        body: &'a Value,
        purpose: &'a str,
        request_id: &'a str,
    ) -> BoxFuture<'a, Result<Value, Unavailable>>;
    /// A light call (its health endpoint) so the health view is live when nobody applies.
    fn probe(&self) -> BoxFuture<'_, Result<(), Unavailable>>;
    fn health(&self, now: DateTime<Utc>) -> Health;
    /// Where it points, for the operator ("https://lgsp…/dan-cu").
    fn describe(&self) -> String;
}

/// The connectors this deployment has; a database without one is "not connected".
#[derive(Clone, Default)]
pub struct Connectors {
    by_database: BTreeMap<Database, Arc<dyn NationalDatabase>>,
}

impl Connectors {
    pub fn with(mut self, database: Database, c: Arc<dyn NationalDatabase>) -> Self {
        self.by_database.insert(database, c);
        self
    }

    pub fn get(&self, database: Database) -> Option<&Arc<dyn NationalDatabase>> {
        self.by_database.get(&database)
    }

    pub fn is_empty(&self) -> bool {
        self.by_database.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Database, &Arc<dyn NationalDatabase>)> {
        self.by_database.iter().map(|(d, c)| (*d, c))
    }

    /// Asks `query` of its database; `Err` when none is configured or it cannot answer.
    pub async fn fetch(
        &self,
        query: &Query,
        purpose: &str,
        request_id: &str,
    ) -> Result<Option<Value>, Unavailable> {
        match self.get(query.database()) {
            Some(c) => c.fetch(query, purpose, request_id).await,
            None => Err(Unavailable::Down("not connected".into())),
        }
    }

    /// Writes to `database`; `Err` when none is configured or it cannot answer.
    pub async fn submit(
        &self,
        database: Database,
        path: &str,
        body: &Value,
        purpose: &str,
        request_id: &str,
    ) -> Result<Value, Unavailable> {
        match self.get(database) {
            Some(c) => c.submit(path, body, purpose, request_id).await,
            None => Err(Unavailable::Down("not connected".into())),
        }
    }

    /// Probes every connector once (the periodic health check).
    pub async fn probe_all(&self) {
        for (d, c) in self.iter() {
            if let Err(e) = c.probe().await {
                tracing::info!(connector = d.name(), error = %e, "connector probe failed");
            }
        }
    }

    /// Every expected database with its connector's health, and the "N of M connected" figure.
    pub fn report(&self, now: DateTime<Utc>) -> HealthReport {
        let mut items = Vec::with_capacity(EXPECTED_DATABASES.len());
        for (key, vi, en) in EXPECTED_DATABASES {
            let connector =
                Database::from_catalogue_key(key).and_then(|d| self.get(d).map(|c| (d, c)));
            let (name, health, endpoint) = match connector {
                Some((d, c)) => (d.name().to_owned(), Some(c.health(now)), Some(c.describe())),
                None => (key.trim_end_matches("_db").to_owned(), None, None),
            };
            items.push(ConnectorReport {
                name,
                source: key,
                name_vi: vi,
                name_en: en,
                configured: health.is_some(),
                status: health
                    .as_ref()
                    .map_or(ReportStatus::NotConnected, |h| match h.status {
                        Status::Connected => ReportStatus::Connected,
                        Status::Degraded => ReportStatus::Degraded,
                        Status::Down => ReportStatus::Down,
                        Status::Unknown => ReportStatus::Unknown,
                    }),
                endpoint,
                health,
            });
        }
        let connected = items
            .iter()
            .filter(|i| matches!(i.status, ReportStatus::Connected | ReportStatus::Degraded))
            .count();
        HealthReport {
            connected,
            expected: items.len(),
            items,
            at: now,
        }
    }
}

/// A database as the health view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Connected,
    Degraded,
    Down,
    Unknown,
    NotConnected,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectorReport {
    pub name: String,
    /// The catalogue's key for it (`population_db`).
    pub source: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub configured: bool,
    pub status: ReportStatus,
    pub endpoint: Option<String>,
    pub health: Option<Health>,
}

/// The health view: every expected database, and "N of M connected" (connected or degraded).
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub connected: usize,
    pub expected: usize,
    pub items: Vec<ConnectorReport>,
    pub at: DateTime<Utc>,
}

/// The health view, for administrators and monitors (of any agency: the connectors are the
/// deployment's, not an agency's).
pub fn health_view(
    app: &crate::App,
    principal: &crate::identity::Principal,
) -> Result<HealthReport, crate::AppError> {
    use motcua_domain::lifecycle::Role;
    let allowed = match principal {
        crate::identity::Principal::Staff { roles, .. } => roles
            .iter()
            .any(|r| matches!(r.role, Role::Admin | Role::Monitor)),
        crate::identity::Principal::Citizen { .. } => false,
    };
    if !allowed {
        return Err(crate::AppError::forbidden(
            "admins_and_monitors_only",
            "Chỉ quản trị viên và cán bộ giám sát xem được tình trạng kết nối.",
            "Only administrators and monitors see the connectors' health.",
        ));
    }
    Ok(app.connectors.report(app.now()))
}
