//! Our client of the national databases' connectors (`motcua_gateways::connector`) against tiny
//! connector servers on 127.0.0.1 that answer, fail, stall or refuse on cue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{TimeDelta, Utc};
use motcua_domain::national::{Database, Query};
use motcua_gateways::connector::{
    Connector, ConnectorError, ConnectorSettings, HealthStatus, encode_header_text,
};
use serde_json::{Value, json};

const CITIZEN_ID: &str = "031089001234";
const PURPOSE: &str =
    "Xác minh thông tin công dân cho hồ sơ 000.00.01.H26-250101-0001 (đăng ký khai sinh)";

async fn serve(app: Router) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/sim/population")
}

/// Settings fit for tests: short timeout, backoff and cooldown.
fn settings(base: &str) -> ConnectorSettings {
    let mut s = ConnectorSettings::new(Database::Population, base);
    s.timeout = Duration::from_millis(500);
    s.backoff = Duration::from_millis(10);
    s.breaker_cooldown = Duration::from_millis(200);
    s
}

fn citizen_query() -> Query {
    Query::Citizen {
        citizen_id: CITIZEN_ID.into(),
    }
}

fn citizen_json(id: &str) -> Value {
    json!({
        "SoDinhDanh": id,
        "HoVaTen": "Nguyễn Văn An",
        "NgayThangNamSinh": "1989-05-17",
        "GioiTinh": "Nam",
        "DanToc": "Kinh",
        "QuocTich": "Việt Nam",
        "NoiThuongTru": {"MaXa": "11311", "TenXa": "Phường Hồng Bàng", "MaTinh": "31", "TenTinh": "Hải Phòng", "ChiTiet": "12 Lý Tự Trọng"},
        "NoiOHienTai": {"MaXa": "11311", "TenXa": "Phường Hồng Bàng", "MaTinh": "31", "TenTinh": "Hải Phòng", "ChiTiet": "12 Lý Tự Trọng"}
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A server answering each hit with `answer(hit number from 0)`, counting hits.
async fn scripted(
    answer: impl Fn(usize) -> Response + Clone + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/sim/population/api/cong-dan/{id}",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            async move { answer(n) }
        }),
    );
    (serve(app).await, hits)
}

fn ok_citizen() -> Response {
    Json(citizen_json(CITIZEN_ID)).into_response()
}

#[test]
fn connector_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Connector>();
}

#[tokio::test]
async fn fetches_a_citizen_with_the_headers() {
    let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let s = seen.clone();
    let app = Router::new().route(
        "/sim/population/api/cong-dan/{id}",
        get(move |Path(id): Path<String>, headers: HeaderMap| {
            s.lock().unwrap().push(headers);
            async move { Json(citizen_json(&id)) }
        }),
    );
    let base = serve(app).await;
    let mut st = settings(&base);
    st.token = Some("tok-123".into());
    let c = Connector::new(st).unwrap();
    assert_eq!(c.database(), Database::Population);
    assert!(!c.describe().contains("tok-123"));

    let record = c
        .fetch(&citizen_query(), PURPOSE, "req-42")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record["SoDinhDanh"], CITIZEN_ID);
    assert_eq!(record["HoVaTen"], "Nguyễn Văn An");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let h = &seen[0];
    assert_eq!(h["authorization"], "Bearer tok-123");
    assert!(h["accept"].to_str().unwrap().contains("application/json"));
    assert_eq!(h["x-request-id"], "req-42");
    let purpose = h["x-purpose"].to_str().unwrap();
    assert!(purpose.is_ascii());
    assert_eq!(purpose, encode_header_text(PURPOSE));
    assert_eq!(percent_decode(purpose), PURPOSE);

    let health = c.health(Utc::now());
    assert_eq!(health.name, "population");
    assert_eq!(health.status, HealthStatus::Connected);
    assert_eq!(health.calls_last_hour, 1);
    assert_eq!(health.errors_last_hour, 0);
    assert_eq!(health.error_rate, Some(0.0));
    assert!(health.last_success.is_some());
}

#[tokio::test]
async fn no_record_is_an_answer_not_a_failure() {
    let (base, hits) = scripted(|_| StatusCode::NOT_FOUND.into_response()).await;
    let c = Connector::new(settings(&base)).unwrap();
    assert_eq!(c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap(), None);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let health = c.health(Utc::now());
    assert_eq!(health.status, HealthStatus::Connected);
    assert_eq!((health.calls_last_hour, health.errors_last_hour), (1, 0));
    assert!(health.last_failure.is_none());
}

#[tokio::test]
async fn retries_server_errors_until_an_answer() {
    let (base, hits) = scripted(|n| {
        if n < 2 {
            (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
        } else {
            ok_citizen()
        }
    })
    .await;
    let c = Connector::new(settings(&base)).unwrap();
    let record = c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap();
    assert_eq!(record.unwrap()["SoDinhDanh"], CITIZEN_ID);
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    let health = c.health(Utc::now());
    assert_eq!(health.calls_last_hour, 3, "each attempt is a sample");
    assert_eq!(health.errors_last_hour, 2);
    assert!(health.last_success.unwrap() > health.last_failure.unwrap());
    assert_eq!(health.last_error.as_deref(), Some("HTTP 500"));
    // Two of three attempts failed within the hour.
    assert_eq!(health.status, HealthStatus::Degraded);
}

#[tokio::test]
async fn too_many_requests_is_retried_and_bad_json_is_unavailable() {
    let (base, hits) = scripted(|n| {
        if n == 0 {
            StatusCode::TOO_MANY_REQUESTS.into_response()
        } else {
            "<html>maintenance</html>".into_response()
        }
    })
    .await;
    let c = Connector::new(settings(&base)).unwrap();
    let err = c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err}");
    assert!(err.is_unavailable());
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_stalled_database_times_out_quickly() {
    let hits = Arc::new(AtomicUsize::new(0));
    let hits2 = hits.clone();
    let app = Router::new().route(
        "/sim/population/api/cong-dan/{id}",
        get(move || {
            hits2.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                ok_citizen()
            }
        }),
    );
    let base = serve(app).await;
    let mut st = settings(&base);
    st.timeout = Duration::from_millis(100);
    st.retries = 2;
    let c = Connector::new(st).unwrap();

    let started = Instant::now();
    let err = c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(
        !err.to_string().contains(CITIZEN_ID),
        "no personal data in errors: {err}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert!(took < Duration::from_millis(1000), "took {took:?}");

    let health = c.health(Utc::now());
    assert_eq!((health.calls_last_hour, health.errors_last_hour), (3, 3));
    assert_eq!(health.error_rate, Some(1.0));
    assert_eq!(health.status, HealthStatus::Down);
    assert!(health.latency_p50_ms.unwrap() >= 100);
}

#[tokio::test]
async fn a_refusal_is_not_retried() {
    let (base, hits) =
        scripted(|_| (StatusCode::UNAUTHORIZED, "token expired").into_response()).await;
    let c = Connector::new(settings(&base)).unwrap();
    let err = c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap_err();
    match &err {
        ConnectorError::Refused { status, body } => {
            assert_eq!(*status, 401);
            assert_eq!(body, "token expired");
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(!err.is_unavailable());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let health = c.health(Utc::now());
    assert_eq!((health.calls_last_hour, health.errors_last_hour), (1, 1));
    assert_eq!(health.last_error.as_deref(), Some("refused with HTTP 401"));
}

#[tokio::test]
async fn wrong_calls_send_nothing() {
    let (base, hits) = scripted(|_| ok_citizen()).await;
    let c = Connector::new(settings(&base)).unwrap();
    let births = Query::Births {
        citizen_id: CITIZEN_ID.into(),
    };
    assert!(matches!(
        c.fetch(&births, PURPOSE, "r").await,
        Err(ConnectorError::Invalid(_))
    ));
    assert!(matches!(
        c.fetch(&citizen_query(), "  ", "r").await,
        Err(ConnectorError::Invalid(_))
    ));
    assert!(matches!(
        c.fetch(&citizen_query(), PURPOSE, "").await,
        Err(ConnectorError::Invalid(_))
    ));
    assert!(matches!(
        c.fetch(&citizen_query(), PURPOSE, "a\nb").await,
        Err(ConnectorError::Invalid(_))
    ));
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!(c.health(Utc::now()).status, HealthStatus::Unknown);
}

#[tokio::test]
async fn the_circuit_opens_fails_fast_and_closes_after_a_trial() {
    let healthy = Arc::new(AtomicBool::new(false));
    let hv = healthy.clone();
    let (base, hits) = scripted(move |_| {
        if hv.load(Ordering::SeqCst) {
            ok_citizen()
        } else {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    })
    .await;
    let mut st = settings(&base);
    st.retries = 0;
    st.breaker_threshold = 3;
    st.breaker_cooldown = Duration::from_millis(200);
    let c = Connector::new(st).unwrap();
    let q = citizen_query();

    for _ in 0..3 {
        let err = c.fetch(&q, PURPOSE, "r").await.unwrap_err();
        assert!(matches!(err, ConnectorError::Unavailable(_)), "{err}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // Open: fails fast, no request.
    let started = Instant::now();
    let err = c.fetch(&q, PURPOSE, "r").await.unwrap_err();
    match err {
        ConnectorError::CircuitOpen { until } => assert!(until > Utc::now()),
        other => panic!("expected an open circuit, got {other}"),
    }
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let health = c.health(Utc::now());
    assert!(health.breaker_open);
    assert_eq!(health.status, HealthStatus::Down);

    // After the cooldown a trial goes through; it fails, and the circuit opens again.
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(matches!(
        c.fetch(&q, PURPOSE, "r").await,
        Err(ConnectorError::Unavailable(_))
    ));
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    assert!(matches!(
        c.fetch(&q, PURPOSE, "r").await,
        Err(ConnectorError::CircuitOpen { .. })
    ));
    assert_eq!(hits.load(Ordering::SeqCst), 4);

    // The database recovers; after the next cooldown the trial succeeds and closes the circuit.
    healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(c.fetch(&q, PURPOSE, "r").await.unwrap().is_some());
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    assert!(!c.health(Utc::now()).breaker_open);
    assert!(c.fetch(&q, PURPOSE, "r").await.unwrap().is_some());
    assert_eq!(hits.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn only_one_trial_call_at_a_time() {
    let healthy = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicUsize::new(0));
    let (hv, h) = (healthy.clone(), hits.clone());
    let app = Router::new().route(
        "/sim/population/api/cong-dan/{id}",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            let ok = hv.load(Ordering::SeqCst);
            async move {
                if ok {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    ok_citizen()
                } else {
                    StatusCode::BAD_GATEWAY.into_response()
                }
            }
        }),
    );
    let base = serve(app).await;
    let mut st = settings(&base);
    st.retries = 0;
    st.breaker_threshold = 1;
    st.breaker_cooldown = Duration::from_millis(100);
    let c = Arc::new(Connector::new(st).unwrap());
    assert!(c.fetch(&citizen_query(), PURPOSE, "r").await.is_err());
    healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;

    let trial = {
        let c = c.clone();
        tokio::spawn(async move { c.fetch(&citizen_query(), PURPOSE, "trial").await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(
        c.fetch(&citizen_query(), PURPOSE, "other").await,
        Err(ConnectorError::CircuitOpen { .. })
    ));
    assert!(trial.await.unwrap().unwrap().is_some());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(c.fetch(&citizen_query(), PURPOSE, "r").await.is_ok());
}

#[tokio::test]
async fn a_dropped_trial_hands_the_trial_on() {
    let healthy = Arc::new(AtomicBool::new(false));
    let hv = healthy.clone();
    let (base, hits) = scripted(move |_| {
        if hv.load(Ordering::SeqCst) {
            ok_citizen()
        } else {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    })
    .await;
    let mut st = settings(&base);
    st.retries = 1;
    st.backoff = Duration::from_millis(300);
    st.breaker_threshold = 1;
    st.breaker_cooldown = Duration::from_millis(50);
    let c = Connector::new(st).unwrap();
    assert!(c.fetch(&citizen_query(), PURPOSE, "r").await.is_err());
    tokio::time::sleep(Duration::from_millis(80)).await;
    // The trial's caller gives up during its backoff.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(100),
        c.fetch(&citizen_query(), PURPOSE, "trial"),
    )
    .await;
    assert!(gave_up.is_err());
    healthy.store(true, Ordering::SeqCst);
    assert!(
        c.fetch(&citizen_query(), PURPOSE, "next")
            .await
            .unwrap()
            .is_some()
    );
    assert!(!c.health(Utc::now()).breaker_open);
    assert_eq!(hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn health_goes_connected_degraded_down() {
    let failing = Arc::new(AtomicBool::new(false));
    let fv = failing.clone();
    let (base, _) = scripted(move |_| {
        if fv.load(Ordering::SeqCst) {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        } else {
            ok_citizen()
        }
    })
    .await;
    let mut st = settings(&base);
    st.retries = 0;
    st.breaker_threshold = 100;
    let c = Connector::new(st).unwrap();
    let q = citizen_query();

    let h = c.health(Utc::now());
    assert_eq!(h.status, HealthStatus::Unknown);
    assert_eq!(
        (h.calls_last_hour, h.error_rate, h.latency_p50_ms),
        (0, None, None)
    );

    for _ in 0..20 {
        c.fetch(&q, PURPOSE, "r").await.unwrap();
    }
    let h = c.health(Utc::now());
    assert_eq!(h.status, HealthStatus::Connected);
    assert_eq!((h.calls_last_hour, h.errors_last_hour), (20, 0));
    assert_eq!(h.error_rate, Some(0.0));
    assert!(h.latency_p50_ms.unwrap() <= h.latency_p95_ms.unwrap());
    assert!(h.last_success.is_some() && h.last_failure.is_none());

    // 2 failures in 22 attempts: above 5%, but a success is recent.
    failing.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        assert!(c.fetch(&q, PURPOSE, "r").await.is_err());
    }
    let now = Utc::now();
    let h = c.health(now);
    assert_eq!(h.status, HealthStatus::Degraded);
    assert_eq!((h.calls_last_hour, h.errors_last_hour), (22, 2));
    assert!((h.error_rate.unwrap() - 2.0 / 22.0).abs() < 1e-9);
    assert!(!h.breaker_open);

    // Six minutes on without a success: the last call failed, so it is down.
    let h = c.health(now + TimeDelta::minutes(6));
    assert_eq!(h.status, HealthStatus::Down);

    // An hour and more on, the window is empty but the history says how it ended.
    let h = c.health(now + TimeDelta::minutes(61));
    assert_eq!((h.calls_last_hour, h.error_rate), (0, None));
    assert_eq!(h.status, HealthStatus::Down);
    assert!(h.last_success.is_some());

    // It answers again.
    failing.store(false, Ordering::SeqCst);
    c.fetch(&q, PURPOSE, "r").await.unwrap();
    let h = c.health(Utc::now() + TimeDelta::minutes(61));
    assert_eq!(h.status, HealthStatus::Connected);

    let json = serde_json::to_value(c.health(Utc::now())).unwrap();
    assert_eq!(json["name"], "population");
    assert_eq!(json["status"], "degraded");
    assert!(json["latency_p95_ms"].is_u64());
}

#[tokio::test]
async fn p95_reflects_the_slowest_attempts() {
    let n = Arc::new(AtomicUsize::new(0));
    let nv = n.clone();
    let app = Router::new().route(
        "/sim/population/api/cong-dan/{id}",
        get(move || {
            let i = nv.fetch_add(1, Ordering::SeqCst);
            async move {
                if i == 9 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                ok_citizen()
            }
        }),
    );
    let base = serve(app).await;
    let c = Connector::new(settings(&base)).unwrap();
    for _ in 0..10 {
        c.fetch(&citizen_query(), PURPOSE, "r").await.unwrap();
    }
    let h = c.health(Utc::now());
    assert!(h.latency_p50_ms.unwrap() < 100, "{h:?}");
    assert!(h.latency_p95_ms.unwrap() >= 200, "{h:?}");
}

#[tokio::test]
async fn probe_counts_like_a_call() {
    let app = Router::new().route(
        "/sim/population/health",
        get(|| async { Json(json!({"status": "ok"})) }),
    );
    let base = serve(app).await;
    let c = Connector::new(settings(&base)).unwrap();
    assert_eq!(c.health(Utc::now()).status, HealthStatus::Unknown);
    c.probe().await.unwrap();
    let h = c.health(Utc::now());
    assert_eq!(h.status, HealthStatus::Connected);
    assert_eq!(h.calls_last_hour, 1);

    // A connector without a health endpoint: the URL is wrong.
    let base = serve(Router::new()).await;
    let c = Connector::new(settings(&base)).unwrap();
    assert!(matches!(
        c.probe().await,
        Err(ConnectorError::Refused { status: 404, .. })
    ));

    // Nobody listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut st = settings(&format!("http://127.0.0.1:{port}/x"));
    st.retries = 1;
    let c = Connector::new(st).unwrap();
    let err = c.probe().await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
    let h = c.health(Utc::now());
    assert_eq!((h.calls_last_hour, h.errors_last_hour), (2, 2));
    assert_eq!(h.status, HealthStatus::Down);
    assert!(h.last_error.unwrap().contains("connect"));
}

#[test]
fn settings_from_variables() {
    let vars: HashMap<&str, &str> = [
        (
            "MOTCUA_CONNECTOR_CIVIL_STATUS_URL",
            "https://lgsp.haiphong.gov.vn/ho-tich",
        ),
        ("MOTCUA_CONNECTOR_CIVIL_STATUS_TOKEN", "secret-token"),
        ("MOTCUA_CONNECTOR_CIVIL_STATUS_TIMEOUT_MS", "1500"),
        ("MOTCUA_CONNECTOR_CIVIL_STATUS_RETRIES", "1"),
        (
            "MOTCUA_CONNECTOR_POPULATION_URL",
            "http://127.0.0.1:8080/sim/population",
        ),
        ("MOTCUA_CONNECTOR_LAND_URL", "https://lgsp.example/dat-dai"),
        ("MOTCUA_CONNECTOR_LAND_TIMEOUT_MS", "3s"),
        ("MOTCUA_CONNECTOR_ENTERPRISE_URL", ""),
    ]
    .into_iter()
    .collect();
    let get = |name: &str| vars.get(name).map(|v| v.to_string());

    let s = ConnectorSettings::from_vars(Database::CivilStatus, get)
        .unwrap()
        .unwrap();
    assert_eq!(s.database, Database::CivilStatus);
    assert_eq!(s.base_url, "https://lgsp.haiphong.gov.vn/ho-tich");
    assert_eq!(s.token.as_deref(), Some("secret-token"));
    assert_eq!(s.timeout, Duration::from_millis(1500));
    assert_eq!(s.retries, 1);
    assert!(!format!("{s:?}").contains("secret-token"));

    let s = ConnectorSettings::from_vars(Database::Population, get)
        .unwrap()
        .unwrap();
    assert_eq!(s.token, None);
    assert_eq!(s.timeout, Duration::from_secs(3));
    assert_eq!(s.retries, 2);
    assert_eq!(s.backoff, Duration::from_millis(200));
    assert_eq!(s.breaker_threshold, 5);
    assert_eq!(s.breaker_cooldown, Duration::from_secs(30));

    let err = ConnectorSettings::from_vars(Database::Land, get).unwrap_err();
    assert!(matches!(err, ConnectorError::Config(_)));
    assert!(
        err.to_string().contains("MOTCUA_CONNECTOR_LAND_TIMEOUT_MS"),
        "{err}"
    );

    assert!(
        ConnectorSettings::from_vars(Database::Enterprise, get)
            .unwrap()
            .is_none()
    );
    assert!(
        ConnectorSettings::from_vars(Database::Residence, get)
            .unwrap()
            .is_none()
    );
}

#[test]
fn bad_settings_are_refused() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for url in [
        "ftp://x/y",
        "not a url",
        "https://x/y?a=1",
        "https://x/y#top",
        "http://",
    ] {
        assert!(
            matches!(
                Connector::new(ConnectorSettings::new(Database::Land, url)),
                Err(ConnectorError::Config(_))
            ),
            "{url}"
        );
    }
    let mut s = ConnectorSettings::new(Database::Land, "https://x/y");
    s.breaker_threshold = 0;
    assert!(matches!(Connector::new(s), Err(ConnectorError::Config(_))));
    let mut s = ConnectorSettings::new(Database::Land, "https://x/y");
    s.token = Some("bad\ntoken".into());
    assert!(matches!(Connector::new(s), Err(ConnectorError::Config(_))));
}
