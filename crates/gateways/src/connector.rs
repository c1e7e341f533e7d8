//! Our HTTP client of the national and sector databases' connectors (SPEC §7): one [`Connector`]
//! per [`Database`], sending the [`Query`] of `motcua_domain::national` as
//! `GET {base_url}{query.path()}` and handing back the JSON record.
//!
//! The databases are other agencies' systems, reached through the shared data-exchange platform
//! (LGSP/NDXP): they are slow or down now and then, and a dossier must not wait on them forever.
//! So each call is bounded and watched:
//!
//! - every attempt has a timeout ([`ConnectorSettings::timeout`]);
//! - transient failures (timeout, connection error, HTTP 5xx or 429, unreadable JSON) are retried
//!   with exponential backoff and a little jitter; a refusal (other 4xx) never is, since sending
//!   the same request again gets the same answer;
//! - a circuit breaker stops calling a database that failed [`ConnectorSettings::breaker_threshold`]
//!   calls in a row: for [`ConnectorSettings::breaker_cooldown`] calls fail at once with
//!   [`ConnectorError::CircuitOpen`], then one trial call decides whether to close it again;
//! - every attempt is a sample of the last hour's metrics, which [`Connector::health`] sums up
//!   for the operators' view of the connections. [`Connector::probe`] keeps that view live when
//!   nobody applies.
//!
//! The purpose of the access and our request id travel in headers (`X-Purpose`, `X-Request-Id`):
//! the far side's audit and our access log must tell the same story.
//!
//! reqwest is built without a default TLS crypto provider: the process must install one (as for
//! [`crate::oidc`]) before [`Connector::new`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::national::{Database, Query};
use rand::Rng as _;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
pub const DEFAULT_RETRIES: u32 = 2;
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(200);
pub const DEFAULT_BREAKER_THRESHOLD: u32 = 5;
pub const DEFAULT_BREAKER_COOLDOWN: Duration = Duration::from_secs(30);
/// More retries than this only make a caller wait longer on a database that is down.
pub const MAX_RETRIES: u32 = 10;
/// The longest wait between two attempts, however the doubling goes.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Connecting may not take longer than this even when the attempt's timeout is longer.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The metrics window: what `health` sums up.
const WINDOW: TimeDelta = TimeDelta::hours(1);
/// The most samples kept: a busy hour is summed up well enough by its last 10,000 attempts.
const MAX_SAMPLES: usize = 10_000;
/// A connector whose last call failed is down unless it succeeded this recently.
const RECENT_SUCCESS: TimeDelta = TimeDelta::minutes(5);
/// Above these it is degraded.
const DEGRADED_ERROR_RATE: f64 = 0.05;
const DEGRADED_P95_MS: u64 = 2_000;
/// How much of a refusal's body is kept in the error: enough to read the far side's reason.
const MAX_BODY_CHARS: usize = 500;

const X_PURPOSE: HeaderName = HeaderName::from_static("x-purpose");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The database could not be reached or did not answer usably (timeout, connection refused,
    /// HTTP 5xx or 429, unreadable JSON), after all attempts. Worth trying again later.
    #[error("national database unavailable: {0}")]
    Unavailable(String),
    /// The circuit breaker is open after repeated failures: nothing was sent. Calls go through
    /// again from `until` (or, while a trial call is in flight, shortly).
    #[error("national database connector paused after repeated failures until {until}")]
    CircuitOpen { until: DateTime<Utc> },
    /// The database refused our request (HTTP 4xx other than 404 and 429, or an unexpected
    /// status): the request or our credentials are wrong. Not retried.
    #[error("national database refused the request with HTTP {status}: {body}")]
    Refused { status: u16, body: String },
    /// The call itself is wrong (a query for another database, an empty purpose or request id);
    /// nothing was sent.
    #[error("invalid connector call: {0}")]
    Invalid(String),
    /// The connector's settings are wrong.
    #[error("connector configuration: {0}")]
    Config(String),
}

impl ConnectorError {
    /// The database is out of reach for now (unavailable or circuit open): the caller may go on
    /// without it (ask the citizen for the document) or try again later. A refusal, an invalid
    /// call or a configuration error will not go away by waiting.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::CircuitOpen { .. })
    }
}

/// How to reach one database's connector.
#[derive(Clone)]
pub struct ConnectorSettings {
    pub database: Database,
    /// The connector's base URL, e.g. `https://lgsp.haiphong.gov.vn/dan-cu` or, in development,
    /// `http://127.0.0.1:8080/sim/population`; a query's path is appended to it.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
    /// Per attempt, from connecting to the end of the body.
    pub timeout: Duration,
    /// Extra attempts after the first, for transient failures only.
    pub retries: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub backoff: Duration,
    /// Consecutive failed calls that open the circuit.
    pub breaker_threshold: u32,
    /// How long the circuit stays open before a trial call.
    pub breaker_cooldown: Duration,
}

impl fmt::Debug for ConnectorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorSettings")
            .field("database", &self.database)
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .field("breaker_threshold", &self.breaker_threshold)
            .field("breaker_cooldown", &self.breaker_cooldown)
            .finish()
    }
}

impl ConnectorSettings {
    /// The defaults: 3 s per attempt, 2 retries from 200 ms, circuit open for 30 s after 5
    /// failed calls in a row; no token.
    pub fn new(database: Database, base_url: impl Into<String>) -> Self {
        Self {
            database,
            base_url: base_url.into(),
            token: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            backoff: DEFAULT_BACKOFF,
            breaker_threshold: DEFAULT_BREAKER_THRESHOLD,
            breaker_cooldown: DEFAULT_BREAKER_COOLDOWN,
        }
    }

    /// The prefix of this database's variables: `MOTCUA_CONNECTOR_POPULATION_`,
    /// `MOTCUA_CONNECTOR_CIVIL_STATUS_`, …
    pub fn env_prefix(database: Database) -> String {
        format!("MOTCUA_CONNECTOR_{}_", database.name().to_ascii_uppercase())
    }

    /// Reads `<prefix>URL`, and the optional `<prefix>TOKEN`, `<prefix>TIMEOUT_MS` and
    /// `<prefix>RETRIES` (prefix from [`Self::env_prefix`]) through `get`; `None` when the URL is
    /// unset, i.e. this database is not connected. An empty value counts as unset.
    pub fn from_vars(
        database: Database,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConnectorError> {
        let prefix = Self::env_prefix(database);
        let var = |suffix: &str| {
            let name = format!("{prefix}{suffix}");
            let value = get(&name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            (name, value)
        };
        let (_, Some(url)) = var("URL") else {
            return Ok(None);
        };
        let mut settings = Self::new(database, url);
        settings.token = var("TOKEN").1;
        if let (name, Some(ms)) = var("TIMEOUT_MS") {
            let ms: u64 = ms.parse().map_err(|_| {
                ConnectorError::Config(format!("{name}: {ms:?} is not a number of milliseconds"))
            })?;
            if ms == 0 {
                return Err(ConnectorError::Config(format!("{name} must be above 0")));
            }
            settings.timeout = Duration::from_millis(ms);
        }
        if let (name, Some(n)) = var("RETRIES") {
            let n: u32 = n.parse().map_err(|_| {
                ConnectorError::Config(format!("{name}: {n:?} is not a number of retries"))
            })?;
            if n > MAX_RETRIES {
                return Err(ConnectorError::Config(format!(
                    "{name}: {n} retries; at most {MAX_RETRIES}"
                )));
            }
            settings.retries = n;
        }
        Ok(Some(settings))
    }

    /// [`Self::from_vars`] over the process environment.
    pub fn from_env(database: Database) -> Result<Option<Self>, ConnectorError> {
        Self::from_vars(database, |name| std::env::var(name).ok())
    }
}

/// How a connector is doing, for the operators' view and `/health`-style endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Never contacted since the process started: neither a call nor a probe yet.
    Unknown,
    Connected,
    Degraded,
    Down,
}

/// A connector's health at a moment. The status is, in this order:
///
/// 1. [`HealthStatus::Down`] while the circuit breaker is open (not closed again by a successful
///    trial call yet);
/// 2. [`HealthStatus::Unknown`] when the connector was never contacted (no attempt at all);
/// 3. [`HealthStatus::Down`] when the last attempt failed and none succeeded in the last
///    5 minutes;
/// 4. [`HealthStatus::Degraded`] when over the last hour more than 5% of the attempts failed, or
///    the 95th percentile of their latency is above 2,000 ms;
/// 5. [`HealthStatus::Connected`] otherwise.
///
/// Every attempt counts, retries and probes included; an answer "no such record" (HTTP 404 to a
/// query) is a success — the database answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectorHealth {
    /// The database's short name (`population`, `civil_status`, …).
    pub name: &'static str,
    pub status: HealthStatus,
    pub breaker_open: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    /// What went wrong at the last failure (kept after later successes, with `last_failure`).
    pub last_error: Option<String>,
    pub calls_last_hour: u32,
    pub errors_last_hour: u32,
    /// `errors_last_hour / calls_last_hour`; `None` without calls.
    pub error_rate: Option<f64>,
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
}

/// Our client of one database's connector. Cheap to share in an `Arc`; all state is behind one
/// mutex, never held across an `.await`.
pub struct Connector {
    settings: ConnectorSettings,
    /// `base_url` without a trailing slash: query paths start with one.
    base: String,
    /// Built once, as every request carries it.
    authorization: Option<HeaderValue>,
    http: reqwest::Client,
    state: Mutex<State>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Connector {
    pub fn new(settings: ConnectorSettings) -> Result<Self, ConnectorError> {
        let name = settings.database.name();
        let bad_url = || {
            ConnectorError::Config(format!(
                "{name} connector URL {:?} is not an http(s) URL without query or fragment",
                settings.base_url
            ))
        };
        let url = url::Url::parse(&settings.base_url).map_err(|_| bad_url())?;
        // The query's path and query string are appended as text: the base must end at its path.
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(bad_url());
        }
        if url.scheme() != "https" {
            tracing::warn!(database = name, url = %settings.base_url, "connector endpoint is not HTTPS");
        }
        if settings.timeout.is_zero() {
            return Err(ConnectorError::Config(format!(
                "{name} connector timeout must be above 0"
            )));
        }
        if settings.breaker_threshold == 0 {
            return Err(ConnectorError::Config(format!(
                "{name} connector breaker threshold must be at least 1"
            )));
        }
        if settings.retries > MAX_RETRIES {
            return Err(ConnectorError::Config(format!(
                "{name} connector: {} retries; at most {MAX_RETRIES}",
                settings.retries
            )));
        }
        let authorization = match settings.token.as_deref() {
            None => None,
            Some(token) => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        ConnectorError::Config(format!(
                            "{name} connector token holds characters a header cannot carry"
                        ))
                    })?;
                // Keeps it out of reqwest's debug output.
                value.set_sensitive(true);
                Some(value)
            }
        };
        let http = reqwest::Client::builder()
            // A redirect from a data-exchange platform is a misconfigured URL, not something to
            // follow with a bearer token and a citizen's ID in the path.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout.min(MAX_CONNECT_TIMEOUT))
            .timeout(settings.timeout)
            .build()
            .map_err(|e| ConnectorError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            base: settings.base_url.trim_end_matches('/').to_owned(),
            authorization,
            http,
            settings,
            state: Mutex::new(State::default()),
        })
    }

    pub fn database(&self) -> Database {
        self.settings.database
    }

    /// One line for the start-up log; never contains the token.
    pub fn describe(&self) -> String {
        format!(
            "{} connector at {} ({} ms per attempt, {} retries{})",
            self.settings.database.name(),
            self.base,
            self.settings.timeout.as_millis(),
            self.settings.retries,
            if self.authorization.is_some() {
                ", with token"
            } else {
                ""
            }
        )
    }

    /// Asks the database: `GET {base_url}{query.path()}` with `Accept: application/json`, the
    /// token, `X-Purpose: <purpose>` (percent-encoded, see [`encode_header_text`]) and
    /// `X-Request-Id: <request_id>`.
    ///
    /// `Ok(Some(record))` on HTTP 200; `Ok(None)` on 404: the database has no such record, which
    /// is an answer, not a failure of the connector.
    pub async fn fetch(
        &self,
        query: &Query,
        purpose: &str,
        request_id: &str,
    ) -> Result<Option<Value>, ConnectorError> {
        if query.database() != self.settings.database {
            return Err(ConnectorError::Invalid(format!(
                "a {} query sent to the {} connector",
                query.database().name(),
                self.settings.database.name()
            )));
        }
        let headers = self.purpose_headers(purpose, request_id)?;
        self.call(&query.path(), headers, Kind::Fetch, request_id)
            .await
    }

    /// Writes to the database: `POST {base_url}{path}` with the JSON `body`, the token,
    /// `X-Purpose` and `X-Request-Id` as for [`Connector::fetch`]. The far side must treat a
    /// repeated request (a retry after a lost answer) as the same one: the body carries our
    /// reference for that. Its JSON answer on 2xx; a 404 is a refusal here, not "no record".
    pub async fn submit(
        &self,
        path: &str,
        body: &Value,
        purpose: &str,
        request_id: &str,
    ) -> Result<Value, ConnectorError> {
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(ConnectorError::Invalid(format!(
                "the path {path:?} does not start with / or holds a query"
            )));
        }
        let headers = self.purpose_headers(purpose, request_id)?;
        self.call(path, headers, Kind::Submit(body), request_id)
            .await?
            .ok_or_else(|| ConnectorError::Unavailable("an empty answer to a write".into()))
    }

    fn purpose_headers(
        &self,
        purpose: &str,
        request_id: &str,
    ) -> Result<HeaderMap, ConnectorError> {
        if purpose.trim().is_empty() {
            // The law asks for the purpose of every access (Decree 13/2023); the far side logs it.
            return Err(ConnectorError::Invalid("the purpose is empty".into()));
        }
        let request_id_value = HeaderValue::from_str(request_id)
            .ok()
            .filter(|_| !request_id.trim().is_empty())
            .ok_or_else(|| {
                ConnectorError::Invalid(format!(
                    "request id {request_id:?} is empty or not a header value"
                ))
            })?;
        let purpose_value = HeaderValue::from_str(&encode_header_text(purpose))
            .map_err(|_| ConnectorError::Invalid("the purpose cannot be encoded".into()))?;
        let mut headers = HeaderMap::new();
        headers.insert(X_PURPOSE, purpose_value);
        headers.insert(X_REQUEST_ID, request_id_value);
        Ok(headers)
    }

    /// `GET {base_url}/health`, through the breaker and counted in the metrics like any call: a
    /// periodic probe keeps the health view live when nobody applies, and after a cooldown it is
    /// the trial call that closes the circuit again. Any 2xx is up; a 404 is a refusal (the URL
    /// is wrong), unlike for a query.
    pub async fn probe(&self) -> Result<(), ConnectorError> {
        self.call("/health", HeaderMap::new(), Kind::Probe, "probe")
            .await
            .map(|_| ())
    }

    /// The connector's health at `now` (see [`ConnectorHealth`] for the rules).
    pub fn health(&self, now: DateTime<Utc>) -> ConnectorHealth {
        let state = self.lock();
        let since = now - WINDOW;
        let mut latencies = Vec::new();
        let mut errors = 0usize;
        for s in state.samples.iter().filter(|s| s.at > since) {
            latencies.push(s.latency_ms);
            if !s.ok {
                errors += 1;
            }
        }
        latencies.sort_unstable();
        let calls = latencies.len();
        let error_rate = (calls > 0).then(|| ratio(errors, calls));
        let p50 = percentile(&latencies, 50);
        let p95 = percentile(&latencies, 95);
        let breaker_open = !matches!(state.breaker, Breaker::Closed { .. });
        let last_failed = match (state.last_success, state.last_failure) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(ok), Some(failed)) => failed > ok,
        };
        let recent_success = state.last_success.is_some_and(|t| t > now - RECENT_SUCCESS);
        let status = if breaker_open {
            HealthStatus::Down
        } else if state.last_success.is_none() && state.last_failure.is_none() {
            HealthStatus::Unknown
        } else if last_failed && !recent_success {
            HealthStatus::Down
        } else if error_rate.is_some_and(|r| r > DEGRADED_ERROR_RATE)
            || p95.is_some_and(|p| p > DEGRADED_P95_MS)
        {
            HealthStatus::Degraded
        } else {
            HealthStatus::Connected
        };
        ConnectorHealth {
            name: self.settings.database.name(),
            status,
            breaker_open,
            last_success: state.last_success,
            last_failure: state.last_failure,
            last_error: state.last_error.clone(),
            calls_last_hour: u32::try_from(calls).unwrap_or(u32::MAX),
            errors_last_hour: u32::try_from(errors).unwrap_or(u32::MAX),
            error_rate,
            latency_p50_ms: p50,
            latency_p95_ms: p95,
        }
    }

    /// One call: through the breaker, then attempts until one is conclusive or the retries run
    /// out.
    async fn call(
        &self,
        path: &str,
        headers: HeaderMap,
        kind: Kind<'_>,
        request_id: &str,
    ) -> Result<Option<Value>, ConnectorError> {
        let guard = self.admit()?;
        let url = format!("{}{path}", self.base);
        let name = self.settings.database.name();
        let attempts = self.settings.retries.saturating_add(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            if attempt > 1 {
                tokio::time::sleep(backoff_delay(self.settings.backoff, attempt - 1)).await;
            }
            let started = Instant::now();
            let outcome = self.attempt(&url, &headers, kind).await;
            let latency = started.elapsed();
            match outcome {
                Attempt::Answer(answer) => {
                    self.record(latency, None);
                    guard.finish(true);
                    return Ok(answer);
                }
                Attempt::Refused { status, body } => {
                    self.record(latency, Some(format!("refused with HTTP {status}")));
                    // The database answered: it is up, whatever it thinks of our request.
                    guard.finish(true);
                    tracing::warn!(
                        database = name,
                        request_id,
                        status,
                        "connector refused the request"
                    );
                    return Err(ConnectorError::Refused { status, body });
                }
                Attempt::Transient(why) => {
                    tracing::debug!(database = name, request_id, attempt, error = %why, "connector attempt failed");
                    self.record(latency, Some(why.clone()));
                    last = why;
                }
            }
        }
        guard.finish(false);
        tracing::warn!(database = name, request_id, attempts, error = %last, "connector unavailable");
        Err(ConnectorError::Unavailable(format!(
            "{name}: {attempts} attempt(s) failed, the last with: {last}"
        )))
    }

    async fn attempt(&self, url: &str, headers: &HeaderMap, kind: Kind<'_>) -> Attempt {
        let request = match kind {
            Kind::Submit(body) => self.http.post(url).json(body),
            Kind::Fetch | Kind::Probe => self.http.get(url),
        };
        let mut request = request
            .header(ACCEPT, "application/json")
            .headers(headers.clone());
        if let Some(auth) = &self.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Transient(self.describe_error(e)),
        };
        let status = response.status();
        if status.is_success() {
            return match kind {
                Kind::Probe => Attempt::Answer(None),
                Kind::Fetch | Kind::Submit(_) => match response.json::<Value>().await {
                    Ok(v) => Attempt::Answer(Some(v)),
                    Err(e) if e.is_decode() => Attempt::Transient(format!(
                        "HTTP {} with a body that is not JSON",
                        status.as_u16()
                    )),
                    Err(e) => Attempt::Transient(self.describe_error(e)),
                },
            };
        }
        if status == StatusCode::NOT_FOUND && matches!(kind, Kind::Fetch) {
            return Attempt::Answer(None);
        }
        if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
        {
            return Attempt::Transient(format!("HTTP {}", status.as_u16()));
        }
        // The reason is only for the log: reading it may fail without changing the outcome.
        let body = response.text().await.unwrap_or_default();
        Attempt::Refused {
            status: status.as_u16(),
            body: body.chars().take(MAX_BODY_CHARS).collect(),
        }
    }

    /// A transport error in words, without the URL: it holds the citizen's ID, which has no place
    /// in logs or the health view.
    fn describe_error(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("timed out after {} ms", self.settings.timeout.as_millis());
        }
        let connect = e.is_connect();
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if connect {
            format!("cannot connect: {text}")
        } else {
            text
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent: a panic elsewhere cannot have half-done one.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets a call through the breaker, or refuses it without I/O.
    fn admit(&self) -> Result<CallGuard<'_>, ConnectorError> {
        let mut state = self.lock();
        match state.breaker {
            Breaker::Closed { .. } => Ok(CallGuard::new(self, false)),
            Breaker::Open { until, until_wall } if Instant::now() < until => {
                Err(ConnectorError::CircuitOpen { until: until_wall })
            }
            Breaker::Open { .. } => {
                state.breaker = Breaker::HalfOpen;
                Ok(CallGuard::new(self, true))
            }
            // One trial at a time; it takes at most about one attempt's time to decide.
            Breaker::HalfOpen => Err(ConnectorError::CircuitOpen {
                until: Utc::now() + self.settings.timeout,
            }),
        }
    }

    /// Settles the breaker after a call. `up`: the database answered (a record, none, or a
    /// refusal).
    fn settle(&self, trial: bool, up: bool) {
        let mut state = self.lock();
        let threshold = self.settings.breaker_threshold;
        state.breaker = match (state.breaker, trial, up) {
            (_, true, true) => Breaker::Closed { failures: 0 },
            (_, true, false) => self.open(),
            (Breaker::Closed { .. }, false, true) => Breaker::Closed { failures: 0 },
            (Breaker::Closed { failures }, false, false) => {
                let failures = failures.saturating_add(1);
                if failures >= threshold {
                    tracing::warn!(
                        database = self.settings.database.name(),
                        failures,
                        cooldown_ms = self.settings.breaker_cooldown.as_millis(),
                        "connector circuit opened"
                    );
                    self.open()
                } else {
                    Breaker::Closed { failures }
                }
            }
            // Calls let through before the circuit opened: the trial decides, not them.
            (other, false, _) => other,
        };
    }

    fn open(&self) -> Breaker {
        let cooldown = self.settings.breaker_cooldown;
        Breaker::Open {
            until: Instant::now() + cooldown,
            until_wall: Utc::now() + TimeDelta::from_std(cooldown).unwrap_or(TimeDelta::MAX),
        }
    }

    /// A trial call was dropped before it finished (its caller gave up): the next call is the
    /// trial instead, or the circuit would stay half-open for good.
    fn release_trial(&self) {
        let mut state = self.lock();
        if matches!(state.breaker, Breaker::HalfOpen) {
            state.breaker = Breaker::Open {
                until: Instant::now(),
                until_wall: Utc::now(),
            };
        }
    }

    /// One attempt's sample; `error` is `None` for a success.
    fn record(&self, latency: Duration, error: Option<String>) {
        let now = Utc::now();
        let mut state = self.lock();
        let since = now - WINDOW;
        while state
            .samples
            .front()
            .is_some_and(|s| s.at <= since || state.samples.len() >= MAX_SAMPLES)
        {
            state.samples.pop_front();
        }
        state.samples.push_back(Sample {
            at: now,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            ok: error.is_none(),
        });
        match error {
            None => state.last_success = Some(now),
            Some(e) => {
                state.last_failure = Some(now);
                state.last_error = Some(e);
            }
        }
    }
}

/// Percent-encodes what a header value cannot carry as visible ASCII: bytes outside
/// `0x20..=0x7E` (UTF-8 of Vietnamese letters, control characters) and `%` itself, so that
/// percent-decoding as UTF-8 gives the text back exactly. `Xác minh` travels as `X%C3%A1c minh`.
pub fn encode_header_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (0x20..=0x7E).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The wait before retry `n` (1 for the first): `backoff × 2^(n-1)`, at most [`MAX_BACKOFF`],
/// plus up to a fifth more at random so that callers who failed together do not retry together.
fn backoff_delay(backoff: Duration, n: u32) -> Duration {
    let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
    let base = backoff.saturating_mul(factor).min(MAX_BACKOFF);
    let jitter_max = u64::try_from(base.as_millis() / 5).unwrap_or(0);
    let jitter = if jitter_max == 0 {
        0
    } else {
        rand::rng().random_range(0..=jitter_max)
    };
    base + Duration::from_millis(jitter)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn ratio(part: usize, whole: usize) -> f64 {
    let part = u32::try_from(part).unwrap_or(u32::MAX);
    let whole = u32::try_from(whole).unwrap_or(u32::MAX);
    f64::from(part) / f64::from(whole)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Fetch,
    Probe,
    /// A write: the JSON body posted.
    Submit(&'a Value),
}

enum Attempt {
    /// A conclusive answer: the record, or none.
    Answer(Option<Value>),
    Refused {
        status: u16,
        body: String,
    },
    Transient(String),
}

#[derive(Debug, Clone, Copy)]
enum Breaker {
    Closed {
        failures: u32,
    },
    /// Calls fail fast until `until`; `until_wall` is the same moment for error messages.
    Open {
        until: Instant,
        until_wall: DateTime<Utc>,
    },
    /// The cooldown is over and one trial call is in flight.
    HalfOpen,
}

#[derive(Debug)]
struct Sample {
    at: DateTime<Utc>,
    latency_ms: u64,
    ok: bool,
}

#[derive(Debug)]
struct State {
    breaker: Breaker,
    samples: VecDeque<Sample>,
    last_success: Option<DateTime<Utc>>,
    last_failure: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            breaker: Breaker::Closed { failures: 0 },
            samples: VecDeque::new(),
            last_success: None,
            last_failure: None,
            last_error: None,
        }
    }
}

/// A call let through the breaker. Finishing it settles the breaker; dropping an unfinished
/// trial call hands the trial to the next call.
struct CallGuard<'a> {
    connector: &'a Connector,
    trial: bool,
    finished: bool,
}

impl<'a> CallGuard<'a> {
    fn new(connector: &'a Connector, trial: bool) -> Self {
        Self {
            connector,
            trial,
            finished: false,
        }
    }

    fn finish(mut self, up: bool) {
        self.finished = true;
        self.connector.settle(self.trial, up);
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if !self.finished && self.trial {
            self.connector.release_trial();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 95), Some(7));
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 95), Some(95));
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 95), Some(10));
    }

    #[test]
    fn backoff_doubles_with_little_jitter() {
        let b = Duration::from_millis(100);
        for (n, base) in [(1, 100), (2, 200), (3, 400)] {
            let d = backoff_delay(b, n).as_millis();
            assert!((base..=base + base / 5).contains(&d), "retry {n}: {d} ms");
        }
        assert!(backoff_delay(b, 40) <= MAX_BACKOFF + MAX_BACKOFF / 5);
    }

    #[test]
    fn header_text() {
        assert_eq!(encode_header_text("Xác minh 100%"), "X%C3%A1c minh 100%25");
        assert_eq!(encode_header_text("a\r\nb"), "a%0D%0Ab");
    }
}
