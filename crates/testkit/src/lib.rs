//! `TestApp`: the real router, in-process on 127.0.0.1 port 0, against a fresh database with the demo
//! data loaded. SQLite in a temp dir by default; with `TEST_DATABASE_URL=postgres://…` each TestApp
//! gets its own freshly created PostgreSQL database, so the same suites run on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use motcua_app::identity::{self, PrincipalKind};
use motcua_app::{App, FixedClock, Profile};
use motcua_server::{Settings, open, seed_demo};
use reqwest::{Client, Response};
use serde_json::Value;

pub use motcua_sim::citizens::demo_citizens;

/// Citizen A and B of the demo population (the first two demo citizens; both live in Hải Phòng).
pub const CITIZEN_A: &str = "031085012345";
pub const CITIZEN_B: &str = "031190004567";
/// Phường Ngô Quyền (where citizen A lives) and Phường Lê Chân (citizen B).
pub const AGENCY_A: &str = "H31.11341";
pub const AGENCY_B: &str = "H31.11383";

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub http: Client,
    pub database_url: String,
    /// The simulated national databases (switch one off, read what it was asked).
    pub registries: Option<Arc<motcua_server::connectors::Simulators>>,
    /// The simulated national portal, served at `/sim/npsp`, and what the worker syncs to it
    /// through ([`TestApp::worker`]).
    pub npsp: Option<Arc<motcua_sim::npsp::NpspSim>>,
    pub portal: Option<Arc<dyn motcua_app::national_portal::NationalPortal>>,
    _dir: tempfile::TempDir,
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A fresh database URL: a temp SQLite file, or a new database on the configured PostgreSQL server.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            use sea_orm::ConnectionTrait;
            let name = format!("motcua_t_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("connect TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut u = url::Url::parse(&url).expect("TEST_DATABASE_URL is a URL");
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        _ => motcua_store::sqlite_url_in(dir),
    }
}

impl TestApp {
    /// Starts at Tuesday 2026-11-17 09:00 Vietnam time, a plain working morning.
    pub async fn spawn() -> TestApp {
        Self::spawn_at("2026-11-17T02:00:00Z".parse().expect("time")).await
    }

    pub async fn spawn_at(now: DateTime<Utc>) -> TestApp {
        Self::spawn_configured(now, |_| {}).await
    }

    /// A server whose application settings `configure` changes first (e.g. what the production
    /// profile requires), on the demo data.
    pub async fn spawn_configured(
        now: DateTime<Utc>,
        configure: impl FnOnce(&mut motcua_app::App),
    ) -> TestApp {
        install_crypto();
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = fresh_database_url(dir.path()).await;
        let clock = Arc::new(FixedClock::new(now));
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            database_url: Some(database_url.clone()),
            profile: Profile::Demo,
            pki_dir: None,
            secret_key: None,
            scoring_file: None,
            s3: None,
        };
        let mut app = open(&settings, clock.clone()).await.expect("open app");
        seed_demo(&app).await.expect("seed demo");
        // As the server's refresher does at start: from here on, figures come from the roll-ups.
        motcua_app::rollups::ensure_basis(&app)
            .await
            .expect("indicator roll-ups");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        app.public_url = base.clone();
        configure(&mut app);
        let public_url = app.public_url.clone();
        // The demo's simulated national databases, answering quickly or not at all: a test that
        // switches one to "slow" sees the fallback in well under a second.
        let registries = motcua_server::connectors::install(&mut app, &public_url, &|k| {
            k.ends_with("_TIMEOUT_MS")
                .then(|| "300".to_owned())
                .or_else(|| k.ends_with("_RETRIES").then(|| "1".to_owned()))
        })
        .expect("connectors");
        let gateway = motcua_server::payment_gateway(
            &app,
            &public_url,
            &motcua_server::VnpaySettings::default(),
        )
        .expect("gateway");
        let (portal, npsp) = motcua_server::sinks::national_portal(
            &app,
            Some(&public_url),
            &motcua_server::sinks::PortalSettings::default(),
        )
        .expect("national portal");
        let router = motcua_server::build_router_with(
            app.clone(),
            &public_url,
            None,
            None,
            None,
            gateway,
            motcua_server::NationalSims {
                registries: registries.clone(),
                portal: npsp.clone(),
            },
        )
        .expect("router");
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            base,
            app,
            clock,
            http,
            database_url,
            registries,
            npsp,
            portal,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn staff_token(&self, username: &str) -> String {
        identity::create_token(&self.app, PrincipalKind::Staff, username, "test")
            .await
            .expect("staff token")
    }

    pub async fn citizen_token(&self, citizen_id: &str) -> String {
        if identity::find_citizen(&self.app, citizen_id)
            .await
            .expect("db")
            .is_none()
        {
            let person = motcua_sim::citizens::lookup(citizen_id)
                .unwrap_or_else(|| motcua_sim::citizens::generated(citizen_id));
            identity::upsert_citizen(&self.app, &motcua_server::claims_of(&person))
                .await
                .expect("citizen");
        }
        identity::create_token(&self.app, PrincipalKind::Citizen, citizen_id, "test")
            .await
            .expect("citizen token")
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(&self, token: &str, path: &str, body: &Value) -> Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn upload(
        &self,
        token: &str,
        code: &str,
        component: &str,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("component", component.to_owned())
            .part("file", part);
        self.http
            .post(self.url(&format!("/api/v1/dossiers/{code}/attachments")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn action(&self, token: &str, code: &str, body: Value) -> Response {
        self.post_json(token, &format!("/api/v1/dossiers/{code}/actions"), &body)
            .await
    }

    /// Takes a submitted dossier of agency A to "approved", as its staff do: the officer receives
    /// it, the leader assigns the specialist, who forwards it, and the leader approves.
    pub async fn approve_in_agency_a(&self, code: &str) {
        let officer = self.staff_token(&format!("officer@{AGENCY_A}")).await;
        let leader = self.staff_token(&format!("leader@{AGENCY_A}")).await;
        let specialist = self.staff_token(&format!("specialist@{AGENCY_A}")).await;
        for (token, body) in [
            (&officer, serde_json::json!({ "action": "receive" })),
            (
                &leader,
                serde_json::json!({ "action": "assign", "assignee": format!("specialist@{AGENCY_A}") }),
            ),
            (
                &specialist,
                serde_json::json!({ "action": "forward", "opinion": "Đủ điều kiện", "proposal": "Đề nghị phê duyệt" }),
            ),
            (&leader, serde_json::json!({ "action": "approve" })),
        ] {
            let r = self.action(token, code, body.clone()).await;
            assert_eq!(r.status(), 200, "{body}");
        }
    }

    /// Issues the result with a PDF (multipart), as a clerk.
    pub async fn issue_result(&self, token: &str, code: &str) -> Response {
        let part = reqwest::multipart::Part::bytes(sample_pdf())
            .file_name("result.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("action", "issue_result")
            .part("file", part);
        self.http
            .post(self.url(&format!("/api/v1/dossiers/{code}/actions")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Creates, fills and uploads a birth registration draft for `citizen` (token); returns its
    /// draft reference.
    pub async fn birth_registration_draft(&self, citizen_token: &str) -> String {
        let r = self
            .post_json(
                citizen_token,
                "/api/v1/dossiers",
                &serde_json::json!({ "procedure": "1.001193" }),
            )
            .await;
        assert_eq!(r.status(), 201, "create");
        let draft = r.json::<Value>().await.expect("json")["code"]
            .as_str()
            .expect("code")
            .to_owned();
        let r = self
            .put_json(
                citizen_token,
                &format!("/api/v1/dossiers/{draft}/form"),
                &birth_form(),
            )
            .await;
        assert_eq!(
            r.status(),
            200,
            "form: {}",
            r.text().await.unwrap_or_default()
        );
        let r = self
            .upload(
                citizen_token,
                &draft,
                "giay_chung_sinh",
                "giay-chung-sinh.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        assert_eq!(r.status(), 201, "upload");
        draft
    }

    /// Creates, fills, uploads and submits a birth registration for `citizen` (token); returns the
    /// official dossier code.
    pub async fn submitted_birth_registration(&self, citizen_token: &str) -> String {
        let draft = self.birth_registration_draft(citizen_token).await;
        let r = self
            .post_json(
                citizen_token,
                &format!("/api/v1/dossiers/{draft}/submit"),
                &Value::Null,
            )
            .await;
        assert_eq!(r.status(), 200, "submit");
        r.json::<Value>().await.expect("json")["code"]
            .as_str()
            .expect("code")
            .to_owned()
    }
}

/// A complete, valid birth-registration form for citizen A (docs/examples/birth-registration-form.json).
pub fn birth_form() -> Value {
    serde_json::from_str(include_str!(
        "../../../docs/examples/birth-registration-form.json"
    ))
    .expect("example form")
}

/// A small but real one-page PDF (it can be signed as a result).
pub fn sample_pdf() -> Vec<u8> {
    include_bytes!("../../../docs/examples/sample.pdf").to_vec()
}

pub async fn json(r: Response) -> Value {
    r.json().await.expect("json body")
}

/// Asserts an RFC 9457 error: this status, `application/problem+json`, and this stable `code`.
/// Returns the problem body.
pub async fn expect_problem(r: Response, status: u16, code: &str) -> Value {
    let got = r.status().as_u16();
    let content_type = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r.text().await.expect("body");
    assert_eq!(got, status, "expected {status} {code}, got {got}: {text}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type:?} for {text}"
    );
    let body: Value = serde_json::from_str(&text).expect("problem body is JSON");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    body
}

/// A complete temporary-residence form (procedure 1.004194) for citizen A, staying in commune 11341.
pub fn temporary_residence_form() -> Value {
    serde_json::json!({
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1985-03-12",
        "gioi_tinh": "nam",
        "so_dinh_danh": CITIZEN_A,
        "so_dien_thoai": "0912345678",
        "ho_ten_chu_ho": "Trần Văn Bình",
        "quan_he_chu_ho": "chu_ho",
        "so_dinh_danh_chu_ho": CITIZEN_B,
        "noi_dung_de_nghi": "Đăng ký tạm trú tại nhà thuê",
        "dia_chi_tam_tru": { "commune": "11341", "street": "Số 20 Lê Lợi" },
        "thoi_han_tam_tru": "2027-11-17",
    })
}

impl TestApp {
    /// The codes of `GET /api/v1/dossiers` as this caller sees them.
    pub async fn dossier_codes(&self, token: &str) -> Vec<String> {
        let r = self.get(token, "/api/v1/dossiers?limit=500").await;
        assert_eq!(r.status(), 200, "list");
        let body = json(r).await;
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["code"].as_str().expect("code").to_owned())
            .collect()
    }

    /// A counter dossier for temporary residence (1.004194, handled by the commune police) entered by
    /// `officer@H31.11341` at `H31.11341.MC` for citizen A (address given, commune 11341): created, form filled (every required field
    /// of the procedure JSON), a scanned paper attached and submitted, so status 2 and awaiting the
    /// hand-over to `H31.11341.CA`. Returns the official code.
    pub async fn submitted_counter_temporary_residence(&self) -> String {
        self.submitted_counter_temporary_residence_with(&[]).await
    }

    /// The same, with more scanned papers attached: one per component key in `more`.
    pub async fn submitted_counter_temporary_residence_with(&self, more: &[&str]) -> String {
        let officer = self.staff_token(&format!("officer@{AGENCY_A}")).await;
        let procedure = json(
            self.http
                .get(self.url("/api/v1/procedures/1.004194"))
                .send()
                .await
                .expect("request"),
        )
        .await;
        let form = temporary_residence_form();
        for f in procedure["form"]["fields"].as_array().expect("fields") {
            if f["required"] == true {
                let key = f["key"].as_str().expect("key");
                assert!(
                    form.get(key).is_some(),
                    "the test form lacks required field {key}"
                );
            }
        }
        let r = self
            .post_json(
                &officer,
                "/api/v1/dossiers",
                &serde_json::json!({
                    "procedure": "1.004194",
                    "channel": "counter",
                    "receiving_point": format!("{AGENCY_A}.MC"),
                    "applicant": {
                        "citizen_id": CITIZEN_A,
                        "full_name": "Nguyễn Văn An",
                        "address": { "commune": "11341", "street": "Số 15 Lạch Tray" },
                    },
                }),
            )
            .await;
        assert_eq!(
            r.status(),
            201,
            "counter create: {}",
            r.text().await.unwrap_or_default()
        );
        let draft = json(r).await["code"].as_str().expect("code").to_owned();
        let r = self
            .put_json(&officer, &format!("/api/v1/dossiers/{draft}/form"), &form)
            .await;
        assert_eq!(
            r.status(),
            200,
            "counter form: {}",
            r.text().await.unwrap_or_default()
        );
        let r = self
            .upload(
                &officer,
                &draft,
                "van_ban_de_nghi_danh_sach",
                "scan.pdf",
                "application/pdf",
                sample_pdf(),
            )
            .await;
        assert_eq!(
            r.status(),
            201,
            "counter upload: {}",
            r.text().await.unwrap_or_default()
        );
        for component in more {
            let r = self
                .upload(
                    &officer,
                    &draft,
                    component,
                    "scan.pdf",
                    "application/pdf",
                    sample_pdf(),
                )
                .await;
            assert_eq!(r.status(), 201, "counter upload of {component}");
        }
        let r = self
            .post_json(
                &officer,
                &format!("/api/v1/dossiers/{draft}/submit"),
                &Value::Null,
            )
            .await;
        assert_eq!(
            r.status(),
            200,
            "counter submit: {}",
            r.text().await.unwrap_or_default()
        );
        let d = json(r).await;
        assert_eq!(d["status"], 2, "{d}");
        d["code"].as_str().expect("code").to_owned()
    }
}

impl TestApp {
    /// A browser session for a citizen (as the OIDC callback would create), as a `Cookie` header value.
    /// Signs a demo staff account in through the login form; returns the session cookie.
    pub async fn staff_cookie(&self, username: &str) -> String {
        self.staff_cookie_with(username, "demo").await
    }

    /// Signs a staff account in with this password; returns the session cookie.
    pub async fn staff_cookie_with(&self, username: &str, password: &str) -> String {
        let r = self
            .http
            .post(self.url("/staff/login"))
            .header("origin", &self.base)
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 303, "login {username}");
        let cookie = r.headers()["set-cookie"].to_str().expect("cookie");
        cookie.split(';').next().unwrap_or_default().to_owned()
    }

    /// A browser-like GET with a session cookie: (status, body).
    pub async fn page(&self, cookie: &str, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// A browser-like form POST from our own origin with a session cookie, body already
    /// urlencoded (fields may repeat): (status, Location or empty, body).
    pub async fn submit(&self, cookie: &str, path: &str, body: String) -> (u16, String, String) {
        let r = self
            .http
            .post(self.url(path))
            .header("cookie", cookie)
            .header("origin", &self.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, location, r.text().await.unwrap_or_default())
    }

    /// [`TestApp::submit`] with these fields.
    pub async fn submit_fields(
        &self,
        cookie: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.submit(cookie, path, body).await
    }

    pub async fn citizen_cookie(&self, citizen_id: &str) -> String {
        let _ = self.citizen_token(citizen_id).await;
        let c = identity::find_citizen(&self.app, citizen_id)
            .await
            .expect("db")
            .expect("citizen");
        let principal = identity::Principal::Citizen {
            citizen_id: motcua_domain::ids::CitizenId::parse(&c.citizen_id).expect("id"),
            full_name: c.full_name,
        };
        let secret = identity::create_session(&self.app, &principal)
            .await
            .expect("session");
        format!("motcua_session={secret}")
    }
}

/// A message transport for tests that keeps what it is given and can be switched off like a mail
/// server going down. (The real SMTP server and SMS gateway are exercised in `motcua-gateways`'
/// tests and in CI's mail journey.)
#[derive(Default)]
pub struct Recorder {
    pub up: std::sync::Mutex<bool>,
    pub sent: std::sync::Mutex<Vec<motcua_app::messaging::Outgoing>>,
}

impl Recorder {
    pub fn up() -> Arc<Recorder> {
        let r = Recorder::default();
        *r.up.lock().unwrap() = true;
        Arc::new(r)
    }
    pub fn set_up(&self, up: bool) {
        *self.up.lock().unwrap() = up;
    }
    pub fn sent(&self) -> Vec<motcua_app::messaging::Outgoing> {
        self.sent.lock().unwrap().clone()
    }
}

impl motcua_app::messaging::Courier for Recorder {
    fn send<'a>(
        &'a self,
        m: &'a motcua_app::messaging::Outgoing,
    ) -> futures::future::BoxFuture<'a, Result<Option<String>, motcua_app::messaging::DeliveryError>>
    {
        Box::pin(async move {
            if !*self.up.lock().unwrap() {
                return Err(motcua_app::messaging::DeliveryError::Transient(
                    "connection refused".into(),
                ));
            }
            self.sent.lock().unwrap().push(m.clone());
            Ok(Some(format!("ref-{}", m.id)))
        })
    }
    fn describe(&self) -> String {
        "recorder".into()
    }
}

impl TestApp {
    /// The server's outbox worker with every job kind, delivering through these transports.
    pub fn worker(&self, email: &Arc<Recorder>, sms: &Arc<Recorder>) -> motcua_app::outbox::Worker {
        self.worker_with_bus(email, sms, None)
    }

    /// [`TestApp::worker`] that also publishes dossier events on `bus`.
    pub fn worker_with_bus(
        &self,
        email: &Arc<Recorder>,
        sms: &Arc<Recorder>,
        bus: Option<Arc<dyn motcua_app::events::EventBus>>,
    ) -> motcua_app::outbox::Worker {
        motcua_server::messaging::worker(
            self.app.clone(),
            motcua_app::messaging::Couriers {
                email: Some(email.clone()),
                sms: Some(sms.clone()),
            },
            motcua_server::payment_gateway(
                &self.app,
                &self.base,
                &motcua_server::VnpaySettings::default(),
            )
            .expect("payment gateway")
            .0,
            &motcua_server::sinks::Sinks {
                portal: self.portal.clone(),
                bus,
            },
            motcua_app::outbox::WorkerOptions {
                lease: std::time::Duration::from_secs(60),
                attempt_timeout: std::time::Duration::from_secs(10),
                batch: 10,
                idle: std::time::Duration::from_millis(20),
            },
        )
    }
}

/// Runs the worker until no job is due.
pub async fn drain(w: &motcua_app::outbox::Worker) {
    while w.run_once().await.expect("worker") > 0 {}
}
