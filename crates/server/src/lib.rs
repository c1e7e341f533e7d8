//! Wiring of the one binary: configuration, database, demo data, simulators and the HTTP server.
//! `main.rs` is only the command line; tests start the same wiring through `motcua-testkit`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use motcua_app::identity::{self, CitizenClaims};
use motcua_app::sealing::SealingKey;
use motcua_app::{App, Clock, Profile, SystemClock, catalogue, org};
use motcua_domain::calendar::WorkingCalendar;
use motcua_gateways::csc::{CscClient, CscSettings};
use motcua_gateways::oidc::RpOptions;
use motcua_sim::csc::RemoteSigningService;
use motcua_sim::idp::{ClientRegistration, IdpConfig, NationalIdp};
use motcua_store::files::{FileStore, S3Config};
use motcua_web::signing::RemoteSigning;
use motcua_web::{AppState, OidcSettings};

pub mod connectors;
pub mod generate;
pub mod messaging;
pub mod payments;
pub mod sinks;

/// The payment gateway (VNPAY 2.1.0): `MOTCUA_VNPAY_URL` (the payment page), `MOTCUA_VNPAY_API_URL`
/// (the merchant API; default: beside the payment page), `MOTCUA_VNPAY_TMN_CODE`,
/// `MOTCUA_VNPAY_HASH_SECRET`. Without a URL the demo serves its sandbox bank at `/sim/vnpay`,
/// with the configured terminal code and secret if set.
#[derive(Debug, Clone, Default)]
pub struct VnpaySettings {
    pub url: Option<String>,
    pub api_url: Option<String>,
    pub tmn_code: Option<String>,
    pub hash_secret: Option<String>,
}

impl VnpaySettings {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            url: var("MOTCUA_VNPAY_URL"),
            api_url: var("MOTCUA_VNPAY_API_URL"),
            tmn_code: var("MOTCUA_VNPAY_TMN_CODE"),
            hash_secret: var("MOTCUA_VNPAY_HASH_SECRET"),
        }
    }
}

/// Shipped data, embedded so the binary runs anywhere (the repo's `data/` is the source).
pub const ADMIN_UNITS_JSON: &str = include_str!("../../../data/vn-admin-units-2025.json");
pub const DEMO_CATALOGUE_JSON: &str = include_str!("../../../data/demo-catalogue.json");

/// Settings of one process, from flags and environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// `DATABASE_URL`; SQLite under `data_dir` when absent.
    pub database_url: Option<String>,
    pub profile: Profile,
    /// `MOTCUA_PKI_DIR`; `<data_dir>/pki` when absent.
    pub pki_dir: Option<PathBuf>,
    /// `MOTCUA_SECRET_KEY` (64 hex digits); `<data_dir>/secret.key` when absent.
    pub secret_key: Option<String>,
    /// `MOTCUA_INDICATOR_SCORING`: a JSON file with the indicators' thresholds and points.
    pub scoring_file: Option<PathBuf>,
    /// `MOTCUA_S3_URL` (with `MOTCUA_S3_ENDPOINT`, `MOTCUA_S3_REGION`): attachments, results and
    /// anchors in an S3 bucket; `<data_dir>/files` when absent.
    pub s3: Option<S3Config>,
}

impl Settings {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| motcua_store::sqlite_url_in(&self.data_dir))
    }
}

/// `MOTCUA_PUBLIC_LIMIT_FACTOR`: a whole number from 1 to 1,000,000 that multiplies the public
/// surface's per-client limits, for a load generator that sends everything from one address.
fn public_limit_factor() -> anyhow::Result<Option<u32>> {
    match std::env::var("MOTCUA_PUBLIC_LIMIT_FACTOR") {
        Err(_) => Ok(None),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(f @ 1..=1_000_000) => Ok(Some(f)),
            _ => anyhow::bail!(
                "MOTCUA_PUBLIC_LIMIT_FACTOR must be a whole number from 1 to 1000000, not {v:?}"
            ),
        },
    }
}

/// Opens (and migrates) the database and builds the use-case context.
pub async fn open(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    let url = settings.database_url();
    motcua_store::validate_url(&url).map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
    let db = motcua_store::connect(&url)
        .await
        .context("cannot open the database")?;
    // Nodes started together migrate (and create a shared demo PKI) one after another.
    let startup = motcua_store::StartupLock::acquire(&db)
        .await
        .context("cannot take the start-up lock")?;
    motcua_store::migrate(&db)
        .await
        .context("migrations failed")?;
    let reader = motcua_store::connect_reader(&url, &db)
        .await
        .context("cannot open the database for reading")?;
    let files = match &settings.s3 {
        None => FileStore::local(&settings.data_dir.join("files"))?,
        Some(config) => {
            let store = FileStore::s3(config)?;
            store
                .check()
                .await
                .map_err(|e| anyhow::anyhow!(config.explain(&e)))?;
            store
        }
    };
    let calendar = WorkingCalendar::vietnam().context("the shipped calendar does not parse")?;
    let pki_dir = settings
        .pki_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("pki"));
    let pki = motcua_app::pki::Pki::open(&pki_dir, settings.profile)?;
    if pki.created {
        println!(
            "Demo certificate authority created in {} (results are signed with demo certificates; the trust root is served at /verify/ca.pem).",
            pki_dir.display()
        );
    }
    drop(startup);
    let sealing = sealing_key(settings)?;
    Ok(App {
        db,
        reader,
        files,
        calendar: Arc::new(calendar),
        clock,
        profile: settings.profile,
        pki: Arc::new(pki),
        public_url: "http://127.0.0.1:8080".into(),
        signature_roots: Arc::new(Vec::new()),
        sealing: Arc::new(sealing),
        staff_totp_required: settings.profile == Profile::Production,
        connectors: motcua_app::connectors::Connectors::default(),
        scoring: Arc::new(scoring(settings)?),
        catalogue: Arc::default(),
        tracking: Arc::default(),
    })
}

/// The indicators' scoring: `MOTCUA_INDICATOR_SCORING` names a JSON file (the shape of
/// `motcua indicators --scoring`), else Decision 766's defaults.
fn scoring(settings: &Settings) -> anyhow::Result<motcua_domain::indicators::Scoring> {
    match &settings.scoring_file {
        None => Ok(motcua_domain::indicators::Scoring::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("MOTCUA_INDICATOR_SCORING: cannot read {}", path.display())
            })?;
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "MOTCUA_INDICATOR_SCORING: {} is not a scoring",
                    path.display()
                )
            })
        }
    }
}

/// The key that seals stored secrets: `MOTCUA_SECRET_KEY`, else `<data_dir>/secret.key`. The demo
/// writes a new file (owner-only) on first start; production refuses to start without a key, as
/// a key made up on the spot would leave existing second factors unreadable after a move.
fn sealing_key(settings: &Settings) -> anyhow::Result<SealingKey> {
    if let Some(hex) = &settings.secret_key {
        return SealingKey::from_hex(hex).map_err(|e| anyhow::anyhow!("MOTCUA_SECRET_KEY: {e}"));
    }
    let path = settings.data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            SealingKey::from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && settings.profile == Profile::Demo => {
            let hex = SealingKey::generate_hex()?;
            write_private(&path, &hex)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(SealingKey::from_hex(&hex)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "no secret key: set MOTCUA_SECRET_KEY (64 hex digits, e.g. from `openssl rand -hex 32`) or write it to {}",
            path.display()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// What `seed_demo` did, for the start-up message.
#[derive(Debug, Default)]
pub struct Seeded {
    pub admin_units: usize,
    pub agencies: usize,
    pub staff: usize,
    pub procedures: usize,
    pub citizens: usize,
}

/// Loads the demo data into an empty database: admin units, the demo province's organisation,
/// the demo catalogue (through the same importer a deployment uses) and the demo citizens.
pub async fn seed_demo(app: &App) -> anyhow::Result<Seeded> {
    // Each step looks before it writes; the lock keeps two nodes from looking at the same time.
    let _startup = motcua_store::StartupLock::acquire(&app.db).await?;
    let mut s = Seeded {
        admin_units: org::load_admin_units(app, ADMIN_UNITS_JSON).await?,
        ..Seeded::default()
    };
    let o = org::seed_demo_org(app).await?;
    s.agencies = o.agencies;
    s.staff = o.staff;
    if catalogue::current_all(app).await?.is_empty() {
        let summary = catalogue::import(app, DEMO_CATALOGUE_JSON, "system").await?;
        s.procedures = summary.added;
    }
    for c in motcua_sim::citizens::demo_citizens() {
        if identity::find_citizen(app, &c.citizen_id).await?.is_none() {
            identity::upsert_citizen(app, &claims_of(&c)).await?;
            s.citizens += 1;
        }
    }
    Ok(s)
}

pub fn claims_of(c: &motcua_sim::citizens::DemoCitizen) -> CitizenClaims {
    CitizenClaims {
        citizen_id: c.citizen_id.clone(),
        full_name: c.full_name.clone(),
        birthdate: Some(c.birthdate.to_string()),
        gender: Some(c.gender.as_str().to_owned()),
        phone: Some(c.phone.clone()),
        commune_code: Some(c.commune_code.clone()),
        street: Some(c.street.clone()),
        assurance_level: Some(motcua_sim::idp::ACR_LOA2.to_owned()),
    }
}

/// The simulated national IdP's client for this deployment.
pub const DEMO_CLIENT_ID: &str = "motcua-portal";

/// A real remote signing service (CSC API) and the roots its citizens' certificates chain to.
#[derive(Debug, Clone)]
pub struct RemoteSigningConfig {
    pub service: motcua_gateways::csc::CscSettings,
    pub trust_roots_pem: String,
}

/// The full router: the app, plus (demo profile) the simulated national IdP at `/sim/idp` and
/// the simulated remote signing service at `/sim/csc`.
pub fn build_router(
    app: App,
    public_url: &str,
    oidc: Option<OidcSettings>,
) -> anyhow::Result<axum::Router> {
    let mut app = app;
    let registries = connectors::install(&mut app, public_url, &|k| std::env::var(k).ok())?;
    let gateway = payment_gateway(
        &app,
        public_url.trim_end_matches('/'),
        &VnpaySettings::default(),
    )?;
    build_router_with(
        app,
        public_url,
        oidc,
        None,
        None,
        gateway,
        NationalSims {
            registries,
            portal: None,
        },
    )
}

/// The simulated national systems a demo serves beside the app (none in production): the
/// national databases and the national portal.
#[derive(Clone, Default)]
pub struct NationalSims {
    pub registries: Option<Arc<connectors::Simulators>>,
    pub portal: Option<Arc<motcua_sim::npsp::NpspSim>>,
}

pub fn build_router_with(
    mut app: App,
    public_url: &str,
    oidc: Option<OidcSettings>,
    remote_signing: Option<RemoteSigningConfig>,
    sms_sim: Option<Arc<motcua_sim::sms::SmsGatewaySim>>,
    (vnpay_client, vnpay_sim): Gateway,
    sims: NationalSims,
) -> anyhow::Result<axum::Router> {
    let public_url = public_url.trim_end_matches('/').to_owned();
    app.public_url = public_url.clone();
    let (oidc, sim) = match (app.profile, oidc) {
        (_, Some(o)) => (Some(o), None),
        (Profile::Demo, None) => {
            let secret = random_secret();
            let issuer = format!("{public_url}/sim/idp");
            let idp = NationalIdp::new(IdpConfig {
                issuer: issuer.clone(),
                clients: vec![ClientRegistration {
                    client_id: DEMO_CLIENT_ID.into(),
                    client_secret: Some(secret.clone()),
                    redirect_uris: vec![format!("{public_url}/auth/callback")],
                }],
                demo_any_citizen: true,
            })?;
            (
                Some(OidcSettings {
                    issuer,
                    client_id: DEMO_CLIENT_ID.into(),
                    client_secret: Some(secret),
                    public_url: public_url.clone(),
                    // The simulator authenticates every citizen at level 2, as VNeID does for
                    // online public services.
                    options: RpOptions {
                        acr_values: vec![motcua_sim::idp::ACR_LOA2.into()],
                        ..RpOptions::default()
                    },
                }),
                Some(Arc::new(idp)),
            )
        }
        (Profile::Production, None) => {
            anyhow::bail!(
                "the production profile needs MOTCUA_OIDC_ISSUER (the simulated IdP is demo-only)"
            )
        }
    };
    let (signing, csc_sim) = match (app.profile, remote_signing) {
        (_, Some(cfg)) => {
            let roots = motcua_documents::pki::certs_from_pem(&cfg.trust_roots_pem)?;
            app.signature_roots = Arc::new(roots);
            let client = CscClient::new(cfg.service)?;
            (
                Some(RemoteSigning {
                    client: Arc::new(client),
                    simulator_phone: None,
                }),
                None,
            )
        }
        (Profile::Demo, None) => {
            let secret = random_secret();
            let sim = Arc::new(RemoteSigningService::new(DEMO_CLIENT_ID, &secret)?);
            app.signature_roots = Arc::new(vec![sim.root().clone()]);
            let client = CscClient::new(CscSettings {
                base_url: format!("{public_url}/sim/csc"),
                client_id: DEMO_CLIENT_ID.into(),
                client_secret: secret,
            })?;
            (
                Some(RemoteSigning {
                    client: Arc::new(client),
                    simulator_phone: Some(format!("{public_url}/sim/csc/phone")),
                }),
                Some(sim),
            )
        }
        // Production without a configured service: applicants are simply not offered signing.
        (Profile::Production, None) => (None, None),
    };
    let mut state = motcua_web::Shared::new(app, oidc);
    if let Some(factor) = public_limit_factor()? {
        tracing::warn!(
            factor,
            "MOTCUA_PUBLIC_LIMIT_FACTOR: every per-client limit of the public surface is raised (load tests only)"
        );
        state.public = Arc::new(motcua_web::ratelimit::PublicLimits::scaled(factor));
    }
    state.remote_signing = signing;
    state.vnpay = vnpay_client;
    state.metrics_token = std::env::var("MOTCUA_METRICS_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let state = AppState::from(state);
    spawn_telemetry_flushes(state.app.clone(), state.telemetry.clone());
    let mut router = motcua_web::router(state);
    if let Some(idp) = sim {
        router = router.nest("/sim/idp", idp.router());
    }
    if let Some(csc) = csc_sim {
        router = router.nest("/sim/csc", csc.router());
    }
    if let Some(sms) = sms_sim {
        router = router.nest("/sim/sms", sms.router());
    }
    if let Some(bank) = vnpay_sim {
        router = router.nest("/sim/vnpay", bank.router());
    }
    if let Some(r) = sims.registries {
        router = r.mount(router);
    }
    if let Some(portal) = sims.portal {
        router = router.nest("/sim/npsp", portal.router());
    }
    Ok(router)
}

/// The demo sandbox's hash secret when none is configured: derived from the deployment's secret,
/// so payments in flight survive a restart (and tests can sign as the sandbox does).
pub fn demo_vnpay_secret(app: &App) -> String {
    messaging::derived_token(app, "demo vnpay hash secret")
}

/// The demo sandbox's terminal code when none is configured.
pub const DEMO_VNPAY_TMN_CODE: &str = "MOTCUA01";

pub type Gateway = (
    Option<Arc<motcua_gateways::vnpay::Vnpay>>,
    Option<Arc<motcua_sim::vnpay::VnpaySandbox>>,
);

/// The configured gateway, or (demo) the sandbox bank served at `/sim/vnpay`; production without
/// a gateway takes fees at the desk only.
pub fn payment_gateway(app: &App, public_url: &str, s: &VnpaySettings) -> anyhow::Result<Gateway> {
    use motcua_gateways::vnpay::{Vnpay, VnpayConfig};
    match (&s.url, app.profile) {
        (Some(url), _) => {
            let api_url = s.api_url.clone().unwrap_or_else(|| {
                url.replace("/paymentv2/vpcpay.html", "/merchant_webapi/api/transaction")
            });
            let config = VnpayConfig {
                pay_url: url.clone(),
                api_url,
                tmn_code: s
                    .tmn_code
                    .clone()
                    .context("MOTCUA_VNPAY_URL needs MOTCUA_VNPAY_TMN_CODE")?,
                hash_secret: s
                    .hash_secret
                    .clone()
                    .context("MOTCUA_VNPAY_URL needs MOTCUA_VNPAY_HASH_SECRET")?,
            };
            Ok((Some(Arc::new(Vnpay::new(config)?)), None))
        }
        (None, Profile::Demo) => {
            let tmn = s
                .tmn_code
                .clone()
                .unwrap_or_else(|| DEMO_VNPAY_TMN_CODE.into());
            // Derived from the deployment's secret: payments in flight survive a restart.
            let secret = s
                .hash_secret
                .clone()
                .unwrap_or_else(|| demo_vnpay_secret(app));
            let bank = Arc::new(motcua_sim::vnpay::VnpaySandbox::new(
                &tmn,
                &secret,
                format!("{public_url}/payments/vnpay/ipn"),
            ));
            let client = Vnpay::new(VnpayConfig {
                pay_url: format!("{public_url}/sim/vnpay/paymentv2/vpcpay.html"),
                api_url: format!("{public_url}/sim/vnpay/merchant_webapi/api/transaction"),
                tmn_code: tmn,
                hash_secret: secret,
            })?;
            Ok((Some(Arc::new(client)), Some(bank)))
        }
        (None, Profile::Production) => Ok((None, None)),
    }
}

fn random_secret() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    public_url: &str,
    oidc: Option<OidcSettings>,
    remote_signing: Option<RemoteSigningConfig>,
    messaging: messaging::Messaging,
    worker_in_serve: bool,
) -> anyhow::Result<()> {
    let mut app = app;
    let registries = connectors::install(&mut app, public_url, &|k| std::env::var(k).ok())?;
    connectors::spawn_probes(app.clone());
    spawn_audit_checkpoints(app.clone());
    spawn_file_sweeps(app.clone());
    messaging::spawn_reminders(app.clone());
    payments::spawn_requeries(app.clone());
    spawn_rollup_refreshes(app.clone());
    let gateway = payment_gateway(
        &app,
        public_url.trim_end_matches('/'),
        &VnpaySettings::from_env(),
    )?;
    let (portal, npsp_sim) =
        sinks::national_portal(&app, Some(public_url), &sinks::PortalSettings::from_env())?;
    let sinks = sinks::Sinks {
        portal,
        bus: sinks::event_bus(&sinks::BusSettings::from_env()).await?,
    };
    if worker_in_serve {
        for line in sinks.described() {
            println!("{line}");
        }
        let mut app = app.clone();
        app.public_url = public_url.trim_end_matches('/').to_owned();
        let w = messaging::worker(
            app,
            messaging.couriers.clone(),
            gateway.0.clone(),
            &sinks,
            motcua_app::outbox::WorkerOptions::default(),
        );
        tokio::spawn(w.run(std::future::pending()));
    }
    let router = build_router_with(
        app,
        public_url,
        oidc,
        remote_signing,
        messaging.sms_sim,
        gateway,
        NationalSims {
            registries,
            portal: npsp_sim,
        },
    )?;
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Signs the audit chain's head at start-up and then once a day (SPEC §13: a signed daily digest).
/// A failure is logged loudly and retried at the next tick; it never stops the service.
fn spawn_audit_checkpoints(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            match motcua_app::audit_anchor::checkpoint(&app, app.now()).await {
                Ok(Ok(_)) => {}
                Ok(Err(b)) => {
                    tracing::error!(%b, "audit chain does not match its checkpoints; not checkpointed")
                }
                Err(e) => tracing::error!(error = ?e, "audit checkpoint failed"),
            }
        }
    });
}

/// Keeps the indicator roll-ups up to date (see `app::rollups`): rebuilt when their basis
/// changed, then the marked dossiers every few seconds. Every node may run it; they take turns.
pub fn spawn_rollup_refreshes(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut based = false;
        loop {
            tick.tick().await;
            if !based {
                match motcua_app::rollups::ensure_basis(&app).await {
                    Ok(rebuilt) => {
                        if rebuilt {
                            tracing::info!("indicator roll-ups: rebuilding from every dossier");
                        }
                        based = true;
                    }
                    Err(e) => {
                        tracing::error!(error = ?e, "indicator roll-ups: basis check failed");
                        continue;
                    }
                }
            }
            match motcua_app::rollups::refresh(&app, 50_000).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(dossiers = n, "indicator roll-ups refreshed"),
                Err(e) => tracing::error!(error = ?e, "indicator roll-ups: refresh failed"),
            }
        }
    });
}

/// Adds this node's request counts and timings to the database every minute (see
/// `web::telemetry`); what cannot be written waits for the next minute.
fn spawn_telemetry_flushes(app: App, telemetry: Arc<motcua_web::telemetry::Telemetry>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            telemetry.flush(&app).await;
        }
    });
}

/// Sweeps orphaned attachment bytes at start-up and then hourly (see `app::housekeeping`); a
/// failure is logged and retried at the next tick.
fn spawn_file_sweeps(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = motcua_app::housekeeping::sweep_orphan_files(&app, app.now()).await {
                tracing::error!(error = ?e, "file sweep failed");
            }
        }
    });
}

/// Resolves at Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The system clock, boxed.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// `./data` unless configured.
pub fn default_data_dir() -> &'static Path {
    Path::new("./data")
}
