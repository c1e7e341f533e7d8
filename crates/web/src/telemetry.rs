//! What the server records about itself (issue 16 item 5): every request by route template,
//! method and status, with its time and size; sign-in round trips. Two outlets: the Prometheus
//! endpoint `/metrics` (this process, for machines, separate from the indicators) and the
//! database (every node's counts added per day, for `/staff/quality` and the public summary),
//! written by [`Telemetry::flush`] every minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use motcua_app::App;
use motcua_app::quality::{RequestSample, TimingSample};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

type Labels = Vec<(&'static str, String)>;

fn latency_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn size_histogram() -> Histogram {
    // 256 B … 8 MB.
    Histogram::new(exponential_buckets(256.0, 2.0, 16))
}

fn login_histogram() -> Histogram {
    // 50 ms … ~100 s.
    Histogram::new(exponential_buckets(0.05, 2.0, 12))
}

#[derive(Default)]
struct Pending {
    requests: HashMap<(NaiveDate, String, String), RequestSample>,
    timings: Vec<TimingSample>,
}

pub struct Telemetry {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    bytes: Family<Labels, Histogram, fn() -> Histogram>,
    login: Family<Labels, Histogram, fn() -> Histogram>,
    pending: Mutex<Pending>,
}

/// The national databases' connectors, read from their own hour of samples at each scrape.
struct ConnectorGauges {
    connectors: motcua_app::connectors::Connectors,
    clock: std::sync::Arc<dyn motcua_app::Clock>,
}

impl std::fmt::Debug for ConnectorGauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectorGauges")
    }
}

impl Collector for ConnectorGauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        use motcua_app::connectors::ReportStatus;
        let r = self.connectors.report(self.clock.now());
        ConstGauge::new(i64::try_from(r.connected).unwrap_or(i64::MAX)).encode(
            encoder.encode_descriptor(
                "connectors_connected",
                "National databases connected or degraded (the province's N of M)",
                None,
                MetricType::Gauge,
            )?,
        )?;
        ConstGauge::new(i64::try_from(r.expected).unwrap_or(i64::MAX)).encode(
            encoder.encode_descriptor(
                "connectors_expected",
                "National databases a province is expected to connect",
                None,
                MetricType::Gauge,
            )?,
        )?;
        let configured: Vec<_> = r.items.iter().filter(|i| i.configured).collect();
        let mut up = encoder.encode_descriptor(
            "connector_up",
            "1 while the national database answers (connected or degraded), else 0",
            None,
            MetricType::Gauge,
        )?;
        for i in &configured {
            let labels = vec![("database", i.name.clone())];
            let value = matches!(i.status, ReportStatus::Connected | ReportStatus::Degraded);
            ConstGauge::new(i64::from(value)).encode(up.encode_family(&labels)?)?;
        }
        let mut errors = encoder.encode_descriptor(
            "connector_error_ratio",
            "Failed calls of the last hour, of all calls",
            None,
            MetricType::Gauge,
        )?;
        for i in &configured {
            if let Some(rate) = i.health.as_ref().and_then(|h| h.error_rate) {
                let labels = vec![("database", i.name.clone())];
                ConstGauge::new(rate).encode(errors.encode_family(&labels)?)?;
            }
        }
        let mut p95 = encoder.encode_descriptor(
            "connector_latency_p95_seconds",
            "95th percentile of the last hour's call times",
            None,
            MetricType::Gauge,
        )?;
        for i in &configured {
            if let Some(ms) = i.health.as_ref().and_then(|h| h.latency_p95_ms) {
                let labels = vec![("database", i.name.clone())];
                ConstGauge::new(ms as f64 / 1000.0).encode(p95.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

impl Telemetry {
    /// The recorder, with the deployment's connectors as gauges.
    pub fn new(app: &App) -> Self {
        let mut t = Self::default();
        t.registry.register_collector(Box::new(ConnectorGauges {
            connectors: app.connectors.clone(),
            clock: app.clock.clone(),
        }));
        t
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("motcua");
        let requests = Family::<Labels, Counter>::default();
        let latency =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let bytes =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(size_histogram);
        let login =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(login_histogram);
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status class",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by method and route template",
            latency.clone(),
        );
        registry.register(
            "http_response_bytes",
            "Response size before compression, by method and route template",
            bytes.clone(),
        );
        registry.register(
            "login_seconds",
            "Citizen sign-in: the server's exchange with the identity provider (idp) and the whole round trip (total)",
            login.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            bytes,
            login,
            pending: Mutex::new(Pending::default()),
        }
    }
}

impl Telemetry {
    /// One answered request.
    pub fn observe(
        &self,
        day: NaiveDate,
        method: &str,
        route: &str,
        status: StatusCode,
        seconds: f64,
        bytes: Option<u64>,
    ) {
        let class = format!("{}xx", status.as_u16() / 100);
        self.requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.to_owned()),
                ("status", class),
            ])
            .inc();
        let labels: Labels = vec![("method", method.to_owned()), ("route", route.to_owned())];
        self.latency.get_or_create(&labels).observe(seconds);
        if let Some(b) = bytes {
            self.bytes.get_or_create(&labels).observe(b as f64);
        }
        if let Ok(mut p) = self.pending.lock() {
            let e = p
                .requests
                .entry((day, method.to_owned(), route.to_owned()))
                .or_insert_with(|| RequestSample {
                    day,
                    method: method.to_owned(),
                    route: route.to_owned(),
                    ..RequestSample::default()
                });
            e.requests += 1;
            e.server_errors += i64::from(status.is_server_error());
            e.total_ms += (seconds * 1000.0).round() as i64;
            e.bytes += bytes.and_then(|b| i64::try_from(b).ok()).unwrap_or(0);
        }
    }

    /// A timed event (`login_idp`, `login_total`).
    pub fn time(&self, sample: TimingSample) {
        self.login
            .get_or_create(&vec![(
                "part",
                sample.kind.trim_start_matches("login_").to_owned(),
            )])
            .observe(sample.ms as f64 / 1000.0);
        if let Ok(mut p) = self.pending.lock() {
            p.timings.push(sample);
        }
    }

    /// Writes what was counted since the last flush to the database; kept for the next flush
    /// when the database cannot take it.
    pub async fn flush(&self, app: &App) {
        let (requests, timings) = match self.pending.lock() {
            Ok(mut p) => (
                std::mem::take(&mut p.requests),
                std::mem::take(&mut p.timings),
            ),
            Err(_) => return,
        };
        let samples: Vec<RequestSample> = requests.values().cloned().collect();
        if let Err(e) = motcua_app::quality::record_requests(app, &samples).await {
            tracing::warn!(error = %e, "request counts not stored; kept for the next flush");
            if let Ok(mut p) = self.pending.lock() {
                for (k, v) in requests {
                    match p.requests.get_mut(&k) {
                        Some(e) => {
                            e.requests += v.requests;
                            e.server_errors += v.server_errors;
                            e.total_ms += v.total_ms;
                            e.bytes += v.bytes;
                        }
                        None => {
                            p.requests.insert(k, v);
                        }
                    }
                }
            }
        }
        if let Err(e) = motcua_app::quality::record_timings(app, &timings).await {
            tracing::warn!(error = %e, "timings not stored; kept for the next flush");
            if let Ok(mut p) = self.pending.lock() {
                p.timings.extend(timings);
            }
        }
    }

    /// The OpenMetrics text of this process.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts every request by its route template (never the concrete path: codes stay out).
pub async fn record(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Labels stay few: the standard methods by name, anything else as one.
    let method = match *req.method() {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::OPTIONS => req.method().as_str().to_owned(),
        _ => "OTHER".to_owned(),
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let resp = next.run(req).await;
    let bytes = resp
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let day = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    s.telemetry.observe(
        day,
        &method,
        &route,
        resp.status(),
        started.elapsed().as_secs_f64(),
        bytes,
    );
    resp
}

/// `GET /metrics`: Prometheus exposition of this process. With `MOTCUA_METRICS_TOKEN` set, only
/// for a scraper presenting it as a bearer token.
pub async fn metrics(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = &s.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| {
            use sha2::Digest;
            sha2::Sha256::digest(g.as_bytes()) == sha2::Sha256::digest(token.as_bytes())
        });
        if !ok {
            return (StatusCode::UNAUTHORIZED, "metrics token required\n").into_response();
        }
    }
    let mut resp = s.telemetry.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}
