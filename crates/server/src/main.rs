//! `motcua`: the one binary (SPEC §14, §17). Run with no arguments to serve the demo.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use motcua_app::identity::{self, PrincipalKind};
use motcua_app::{Profile, catalogue};
use motcua_server::{Settings, default_data_dir, open, seed_demo, system_clock};
use motcua_web::OidcSettings;

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Administrative procedures online: public service portal and one-stop back office"
)]
struct Cli {
    /// Where the SQLite database and attachments live (when DATABASE_URL is not set).
    #[arg(long, env = "MOTCUA_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// `postgres://…` or `sqlite://…`; default: SQLite under the data dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// `demo` (simulators, demo data) or `production` (refuses demo-only parts).
    #[arg(long, env = "MOTCUA_PROFILE", global = true, default_value = "demo")]
    profile: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal, the back office and the API.
    Serve {
        #[arg(long, env = "MOTCUA_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Public base URL (for OIDC redirects); default http://<listen>.
        #[arg(long, env = "MOTCUA_PUBLIC_URL")]
        public_url: Option<String>,
        #[arg(long, env = "MOTCUA_OIDC_ISSUER")]
        oidc_issuer: Option<String>,
        #[arg(long, env = "MOTCUA_OIDC_CLIENT_ID", default_value = "motcua")]
        oidc_client_id: String,
        #[arg(long, env = "MOTCUA_OIDC_CLIENT_SECRET", hide_env_values = true)]
        oidc_client_secret: Option<String>,
        /// A remote signing service (CSC API) for applicants; the demo uses its simulator.
        #[arg(long, env = "MOTCUA_CSC_URL")]
        csc_url: Option<String>,
        #[arg(long, env = "MOTCUA_CSC_CLIENT_ID", default_value = "motcua")]
        csc_client_id: String,
        #[arg(long, env = "MOTCUA_CSC_CLIENT_SECRET", hide_env_values = true)]
        csc_client_secret: Option<String>,
        /// PEM file with the CA certificates applicants' signing certificates chain to.
        #[arg(long, env = "MOTCUA_CSC_TRUST")]
        csc_trust: Option<PathBuf>,
    },
    /// Run the outbox worker alone (sending email and SMS, and later payment re-queries and
    /// national-portal sync) until Ctrl-C or SIGTERM; `serve` runs one too unless MOTCUA_WORKER=off.
    Worker {
        /// Where this deployment's portal answers (links in messages; the demo's SMS simulator).
        #[arg(long, env = "MOTCUA_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Apply migrations (or roll them all back with --down).
    Migrate {
        #[arg(long)]
        down: bool,
    },
    /// Load the demo data into an empty database.
    SeedDemo,
    /// Import or export the procedure catalogue (JSON).
    Catalog {
        #[command(subcommand)]
        action: CatalogAction,
    },
    /// API bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The attachment file store.
    Files {
        #[command(subcommand)]
        action: FilesAction,
    },
    /// The Decision 766 indicators of an agency (or the deployment) over a period, computed
    /// from recorded events — the same figures as GET /api/v1/indicators.
    Indicators {
        /// An agency code; covers the agencies whose codes extend it (H31: the province).
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        procedure: Option<String>,
        /// 2026, 2026-Q4 or 2026-11 (the deployment's time zone); default the current quarter.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        period: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (included), YYYY-MM-DD.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Print the JSON of the API instead of a table.
        #[arg(long)]
        json: bool,
        /// Compare the roll-ups with a full recomputation from the dossiers, for the period and
        /// each of its months (agency by agency, procedure by procedure); exits 1 on a difference.
        #[arg(long, conflicts_with = "rebuild")]
        verify: bool,
        /// Rebuild the roll-ups from every dossier (after an operator's repair, say).
        #[arg(long)]
        rebuild: bool,
    },
    /// Check a signed result PDF: its signature and, without --ca, this system's register.
    /// Exits 0 only when the file is genuine (1 when it is not).
    Verify {
        file: PathBuf,
        /// Check offline against this trust root (PEM) instead of the deployment's keys and
        /// register.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
    /// The sync with the National Public Service Portal.
    Sync {
        #[command(subcommand)]
        target: SyncTarget,
    },
    /// Demo data for dashboards and benchmarks.
    Demo {
        #[command(subcommand)]
        action: DemoAction,
    },
}

#[derive(Subcommand)]
enum DemoAction {
    /// Write N realistic dossiers (with their files, results, payments, ratings, feedback and
    /// history) submitted over the last months, in bulk; seeds the demo data first if needed.
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// How many dossiers.
    #[arg(long)]
    dossiers: u64,
    /// The same seed (and clock, catalogue, organisation) gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Spread submissions over this many months up to now.
    #[arg(long, default_value_t = 24)]
    months: u32,
    /// Dossiers per transaction.
    #[arg(long, default_value_t = 2000)]
    chunk: usize,
}

#[derive(Subcommand)]
enum SyncTarget {
    /// Shows the sync's lag and failures; with --since, first queues every dossier submitted
    /// since that day to be sent again from its first update (the portal takes what it already
    /// holds as duplicates). A running worker sends them.
    Npsp {
        /// YYYY-MM-DD, in the deployment's time zone.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum CatalogAction {
    Import { file: PathBuf },
    Export { file: Option<PathBuf> },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print a new token for a staff user or (demo profile) a citizen.
    Create {
        #[arg(long, conflicts_with = "citizen")]
        user: Option<String>,
        #[arg(long)]
        citizen: Option<String>,
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Revoke every token of a user or citizen.
    Revoke { principal: String },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check the hash chain and that it still matches every signed checkpoint; exits 2 naming the
    /// first inconsistency.
    Verify,
    /// Sign the chain's head now and store the checkpoint in the object store (the server also
    /// does it at start-up and daily).
    Checkpoint,
}

#[derive(Subcommand)]
enum FilesAction {
    /// Remove attachment bytes that no attachment names and are over an hour old (left by a
    /// crash between writing the bytes and committing their record); the server also does it at
    /// start-up and hourly.
    Sweep,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(Cli::parse())) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `MOTCUA_S3_URL` and its companions; none when the URL is unset or empty.
fn s3_settings() -> Option<motcua_store::files::S3Config> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Some(motcua_store::files::S3Config {
        url: var("MOTCUA_S3_URL")?,
        endpoint: var("MOTCUA_S3_ENDPOINT"),
        region: var("MOTCUA_S3_REGION"),
        credentials: None,
    })
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let profile = match cli.profile.as_str() {
        "demo" => Profile::Demo,
        "production" => Profile::Production,
        other => anyhow::bail!("unknown profile {other:?} (demo or production)"),
    };
    let settings = Settings {
        data_dir: cli
            .data_dir
            .clone()
            .unwrap_or_else(|| default_data_dir().to_path_buf()),
        database_url: cli.database_url.clone().filter(|u| !u.is_empty()),
        profile,
        pki_dir: std::env::var_os("MOTCUA_PKI_DIR").map(std::path::PathBuf::from),
        secret_key: std::env::var("MOTCUA_SECRET_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
        scoring_file: std::env::var_os("MOTCUA_INDICATOR_SCORING")
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from),
        s3: s3_settings(),
    };
    let command = cli.command.unwrap_or(Command::Serve {
        listen: std::env::var("MOTCUA_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into()),
        public_url: std::env::var("MOTCUA_PUBLIC_URL").ok(),
        oidc_issuer: std::env::var("MOTCUA_OIDC_ISSUER").ok(),
        oidc_client_id: std::env::var("MOTCUA_OIDC_CLIENT_ID").unwrap_or_else(|_| "motcua".into()),
        oidc_client_secret: std::env::var("MOTCUA_OIDC_CLIENT_SECRET").ok(),
        csc_url: std::env::var("MOTCUA_CSC_URL").ok(),
        csc_client_id: std::env::var("MOTCUA_CSC_CLIENT_ID").unwrap_or_else(|_| "motcua".into()),
        csc_client_secret: std::env::var("MOTCUA_CSC_CLIENT_SECRET").ok(),
        csc_trust: std::env::var_os("MOTCUA_CSC_TRUST").map(PathBuf::from),
    });
    if let Command::Verify { file, ca: Some(ca) } = &command {
        return verify_offline(file, ca);
    }
    if let Command::Migrate { down: true } = command {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = motcua_store::connect(&settings.database_url()).await?;
        motcua_store::migrate_down_all(&db).await?;
        println!("all migrations rolled back");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let app = open(&settings, system_clock()).await?;
    match command {
        Command::Serve {
            listen,
            public_url,
            oidc_issuer,
            oidc_client_id,
            oidc_client_secret,
            csc_url,
            csc_client_id,
            csc_client_secret,
            csc_trust,
        } => {
            let remote_signing = match csc_url {
                Some(base_url) => {
                    let trust = csc_trust.context(
                        "MOTCUA_CSC_URL needs MOTCUA_CSC_TRUST (a PEM file of the CA certificates)",
                    )?;
                    Some(motcua_server::RemoteSigningConfig {
                        service: motcua_gateways::csc::CscSettings {
                            base_url,
                            client_id: csc_client_id,
                            client_secret: csc_client_secret
                                .context("MOTCUA_CSC_URL needs MOTCUA_CSC_CLIENT_SECRET")?,
                        },
                        trust_roots_pem: std::fs::read_to_string(&trust)
                            .with_context(|| format!("cannot read {}", trust.display()))?,
                    })
                }
                None => None,
            };
            if profile == Profile::Demo {
                let s = seed_demo(&app).await?;
                if s.agencies > 0 {
                    println!(
                        "Demo data loaded: {} administrative units, {} agencies, {} staff accounts, {} procedures, {} citizens.",
                        s.admin_units, s.agencies, s.staff, s.procedures, s.citizens
                    );
                }
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            let public_url = public_url.unwrap_or_else(|| format!("http://{addr}"));
            let oidc = match oidc_issuer {
                Some(issuer) => Some(OidcSettings {
                    issuer,
                    client_id: oidc_client_id,
                    client_secret: oidc_client_secret,
                    public_url: public_url.clone(),
                    options: rp_options_from_env()?,
                }),
                None => None,
            };
            if profile == Profile::Demo {
                print_demo_banner(&public_url, oidc.as_ref().map(|o| o.issuer.as_str()));
            }
            tracing::info!(url = %public_url, "motcua is ready");
            println!("motcua is serving at {public_url}");
            let msg_settings = motcua_server::messaging::MessagingSettings::from_env()?;
            let messaging = motcua_server::messaging::messaging(
                &msg_settings,
                &app,
                &settings.data_dir,
                Some(&public_url),
            )?;
            for line in &messaging.described {
                println!("{line}");
            }
            if !msg_settings.worker_in_serve {
                println!(
                    "Outbox worker: off in this process (MOTCUA_WORKER=off); run `motcua worker`."
                );
            }
            motcua_server::serve(
                app,
                listener,
                &public_url,
                oidc,
                remote_signing,
                messaging,
                msg_settings.worker_in_serve,
            )
            .await?;
        }
        Command::Worker { public_url } => {
            let mut app = app;
            if let Some(url) = &public_url {
                app.public_url = url.trim_end_matches('/').to_owned();
            }
            let msg_settings = motcua_server::messaging::MessagingSettings::from_env()?;
            let messaging = motcua_server::messaging::messaging(
                &msg_settings,
                &app,
                &settings.data_dir,
                public_url.as_deref(),
            )?;
            for line in &messaging.described {
                println!("{line}");
            }
            // The gateway as `serve` has it (the demo's sandbox only with a public URL to reach).
            let vnpay = match &public_url {
                Some(url) => {
                    motcua_server::payment_gateway(
                        &app,
                        url.trim_end_matches('/'),
                        &motcua_server::VnpaySettings::from_env(),
                    )?
                    .0
                }
                None => None,
            };
            // The portal as `serve` has it (the demo's simulator only with a public URL to reach).
            let (portal, _) = motcua_server::sinks::national_portal(
                &app,
                public_url.as_deref(),
                &motcua_server::sinks::PortalSettings::from_env(),
            )?;
            let sinks = motcua_server::sinks::Sinks {
                portal,
                bus:
                    motcua_server::sinks::event_bus(&motcua_server::sinks::BusSettings::from_env())
                        .await?,
            };
            for line in sinks.described() {
                println!("{line}");
            }
            let w = motcua_server::messaging::worker(
                app.clone(),
                messaging.couriers,
                vnpay,
                &sinks,
                motcua_app::outbox::WorkerOptions::default(),
            );
            motcua_server::messaging::spawn_reminders(app.clone());
            motcua_server::payments::spawn_requeries(app.clone());
            motcua_server::spawn_rollup_refreshes(app.clone());
            println!("outbox worker {} running; Ctrl-C to stop", w.id());
            w.run(motcua_server::shutdown_signal()).await;
        }
        Command::Sync {
            target: SyncTarget::Npsp { since },
        } => {
            use motcua_app::national_portal;
            if let Some(day) = since {
                let from = day
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(app.calendar.offset()).single())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .context("not a day in the deployment's time zone")?;
                let n = national_portal::resync(&app, from).await?;
                println!("queued {n} dossiers submitted since {day} to be sent again");
            }
            let s = national_portal::status(&app).await?;
            println!("synced dossiers: {}", s.synced_dossiers);
            println!("sync jobs waiting: {} (retrying {})", s.pending, s.retrying);
            match s.lag_seconds {
                Some(l) => println!("lag: {l} s (the oldest waiting job)"),
                None => println!("lag: none, nothing waits"),
            }
            println!("parked (need attention): {}", s.parked);
            for f in &s.failing {
                println!("failing: {} since {:?}: {}", f.code, f.since, f.error);
            }
        }
        Command::Migrate { .. } => println!("migrations applied"),
        Command::SeedDemo => {
            let s = seed_demo(&app).await?;
            println!(
                "seeded: {} administrative units, {} agencies, {} staff, {} procedures, {} citizens",
                s.admin_units, s.agencies, s.staff, s.procedures, s.citizens
            );
        }
        Command::Catalog {
            action: CatalogAction::Import { file },
        } => {
            let json = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let s = catalogue::import(&app, &json, "cli").await?;
            println!(
                "imported: {} added, {} new versions, {} unchanged",
                s.added, s.new_versions, s.unchanged
            );
        }
        Command::Catalog {
            action: CatalogAction::Export { file },
        } => {
            let json = catalogue::export(&app).await?;
            match file {
                Some(f) => std::fs::write(&f, json)
                    .with_context(|| format!("cannot write {}", f.display()))?,
                None => println!("{json}"),
            }
        }
        Command::Token {
            action:
                TokenAction::Create {
                    user,
                    citizen,
                    label,
                },
        } => {
            let secret = match (user, citizen) {
                (Some(u), None) => {
                    identity::create_token(&app, PrincipalKind::Staff, &u, &label).await?
                }
                (None, Some(c)) => {
                    anyhow::ensure!(
                        profile == Profile::Demo,
                        "--citizen is available in the demo profile only"
                    );
                    if identity::find_citizen(&app, &c).await?.is_none() {
                        anyhow::ensure!(
                            motcua_sim::citizens::is_valid_citizen_id(&c),
                            "{c} is not a valid 12-digit citizen ID"
                        );
                        let person = motcua_sim::citizens::lookup(&c)
                            .unwrap_or_else(|| motcua_sim::citizens::generated(&c));
                        identity::upsert_citizen(&app, &motcua_server::claims_of(&person)).await?;
                    }
                    identity::create_token(&app, PrincipalKind::Citizen, &c, &label).await?
                }
                _ => anyhow::bail!("give --user <username> or --citizen <citizen id>"),
            };
            println!("{secret}");
        }
        Command::Token {
            action: TokenAction::Revoke { principal },
        } => {
            let n = identity::revoke_tokens(&app, &principal).await?;
            println!("revoked {n} token(s)");
        }
        Command::Indicators {
            agency,
            procedure,
            period,
            from,
            to,
            json,
            verify,
            rebuild,
        } => {
            use chrono::Datelike;
            use motcua_app::indicators as ind;
            // The same connectors as the server's, so 4.5a reads the same configuration; the
            // indicators never call them.
            let mut app = app;
            let public_url = app.public_url.clone();
            motcua_server::connectors::install(&mut app, &public_url, &|k| std::env::var(k).ok())?;
            let offset = app.calendar.offset();
            let today = app.now().with_timezone(&offset).date_naive();
            let period = match (period, from, to) {
                (Some(label), _, _) => ind::parse_period(&label, offset).with_context(|| {
                    format!("{label} is not a period: write 2026, 2026-Q4 or 2026-11")
                })?,
                (None, None, None) => {
                    let q = format!("{}-Q{}", today.year(), today.month0() / 3 + 1);
                    ind::parse_period(&q, offset).context("the current quarter")?
                }
                (None, from, to) => {
                    let to = to.unwrap_or(today);
                    let from = from.unwrap_or(to);
                    ind::period_of_days(from, to, offset)
                        .context("--from must not be after --to")?
                }
            };
            let req = ind::Request {
                agency,
                procedure,
                period,
            };
            if rebuild {
                return rebuild_rollups(&app).await;
            }
            if verify {
                return verify_rollups(&app, &req, offset).await;
            }
            let r = ind::compute(&app, &req).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", indicator_table(&r, offset));
            }
        }
        Command::Verify { file, .. } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let o = motcua_app::issued::check(&app, &bytes, None).await?;
            println!("file: {}\nsha256: {}", file.display(), o.sha256);
            println!("signer: {}", o.signer.as_deref().unwrap_or("-"));
            if o.signature_valid {
                println!("signature: valid (trusted by this deployment's root)");
            } else {
                println!("signature: INVALID ({})", o.failed_checks.join(", "));
            }
            match &o.registered {
                Some(r) => println!(
                    "register: {} {} issued {} by {}, {}",
                    r.number, r.title, r.issued_at, r.agency, r.status
                ),
                None => println!("register: no issued document has this exact content"),
            }
            println!("{}", if o.genuine { "GENUINE" } else { "NOT GENUINE" });
            return Ok(if o.genuine {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            });
        }
        Command::Audit {
            action: AuditAction::Checkpoint,
        } => {
            return match motcua_app::audit_anchor::checkpoint(&app, app.now()).await? {
                Ok(cp) => {
                    println!(
                        "audit checkpoint at {}: {} chains up to entry {}, heads digest {}",
                        cp.at,
                        cp.chains.len(),
                        cp.seq,
                        cp.hash
                    );
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("not checkpointed: {b}");
                    Ok(std::process::ExitCode::from(2))
                }
            };
        }
        Command::Files {
            action: FilesAction::Sweep,
        } => {
            let r = motcua_app::housekeeping::sweep_orphan_files(&app, app.now()).await?;
            for key in &r.removed {
                println!("removed {key}");
            }
            println!(
                "files sweep: {} examined, {} removed ({} bytes), {} referenced, {} too recent, {} left alone, {} failed",
                r.examined,
                r.removed.len(),
                r.bytes_removed,
                r.referenced,
                r.recent,
                r.skipped.len(),
                r.failed.len()
            );
            if !r.failed.is_empty() {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => {
            return match motcua_app::audit_anchor::verify(&app).await? {
                Ok(v) => {
                    println!(
                        "audit chain intact: {} entries, consistent with {} signed checkpoints",
                        v.entries, v.checkpoints
                    );
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("{b}");
                    Ok(std::process::ExitCode::from(2))
                }
            };
        }
        Command::Demo {
            action: DemoAction::Generate(a),
        } => {
            let opts = motcua_server::generate::Options {
                dossiers: a.dossiers,
                seed: a.seed,
                months: a.months,
                chunk: a.chunk,
                progress: true,
            };
            let summary = motcua_server::generate::generate(&app, &opts).await?;
            println!("{summary}");
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `MOTCUA_OIDC_SCOPE` (default `openid profile`), `MOTCUA_OIDC_ACR_VALUES` (space-separated
/// levels requested and the only ones accepted), `MOTCUA_OIDC_CLAIMS` (`part=claim[,claim];…`).
fn rp_options_from_env() -> anyhow::Result<motcua_gateways::oidc::RpOptions> {
    let mut o = motcua_gateways::oidc::RpOptions::default();
    if let Ok(scope) = std::env::var("MOTCUA_OIDC_SCOPE")
        && !scope.trim().is_empty()
    {
        o.scope = scope;
    }
    if let Ok(acr) = std::env::var("MOTCUA_OIDC_ACR_VALUES") {
        o.acr_values = acr.split_whitespace().map(str::to_owned).collect();
    }
    if let Ok(spec) = std::env::var("MOTCUA_OIDC_CLAIMS") {
        o.claims = motcua_gateways::oidc::ClaimMap::parse(&spec)
            .map_err(|e| anyhow::anyhow!("MOTCUA_OIDC_CLAIMS: {e}"))?;
    }
    Ok(o)
}

/// Signature checks only, against a given root: usable on any machine holding the PDF and the
/// published `ca.pem`, with no database.
fn verify_offline(file: &Path, ca: &Path) -> anyhow::Result<std::process::ExitCode> {
    use motcua_documents::{pki, verify};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let pem =
        std::fs::read_to_string(ca).with_context(|| format!("cannot read {}", ca.display()))?;
    let roots =
        pki::certs_from_pem(&pem).with_context(|| format!("no certificate in {}", ca.display()))?;
    let report = verify::verify(&bytes, &roots, std::time::SystemTime::now());
    println!("file: {}\nsha256: {}", file.display(), report.file_sha256);
    println!("signer: {}", report.signer.as_deref().unwrap_or("-"));
    println!("signed at: {}", report.signed_at.as_deref().unwrap_or("-"));
    for (check, ok) in &report.checks {
        println!("  [{}] {}", if *ok { "ok" } else { "FAILED" }, check.code());
    }
    let valid = report.valid();
    println!("{}", if valid { "VALID" } else { "INVALID" });
    Ok(if valid {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

fn print_demo_banner(url: &str, issuer: Option<&str>) {
    if let Some(issuer) = issuer {
        // A real (or test) provider is configured: the simulator's IDs mean nothing there.
        println!(
            "\n  motcua demo — {url}\n\n  Citizens: sign in at {url}/auth/login through the identity provider {issuer}.\n  \
             Staff (password `demo`): officer@H31.11341, specialist@H31.11341, leader@H31.11341, clerk@H31.11341.\n"
        );
        return;
    }
    let citizens = motcua_sim::citizens::demo_citizens();
    let first: Vec<String> = citizens
        .iter()
        .take(3)
        .map(|c| format!("{} ({})", c.citizen_id, c.full_name))
        .collect();
    println!(
        "\n  motcua demo — {url}\n\
         \n  Citizens: sign in at {url}/auth/login through the SIMULATED national IdP; any valid 12-digit ID works,\n  \
         e.g. {}.\n  \
         Staff (password `demo`): officer@H31.11341, specialist@H31.11341, leader@H31.11341, clerk@H31.11341 (Phường Ngô Quyền),\n  \
         same pattern for every agency H31.<commune>, H31.<commune>.CA, H31.01–07; monitor@H31.\n  \
         API tokens: motcua token create --user officer@H31.11341 | --citizen {}\n",
        first.join(", "),
        citizens
            .first()
            .map(|c| c.citizen_id.as_str())
            .unwrap_or("031085012345"),
    );
}

/// The indicators as a plain-text table: id, name, numerator/denominator, rate, points.
/// `motcua indicators --rebuild`: empties the roll-ups and refills them, with the rate — two
/// refreshers side by side on PostgreSQL (they take disjoint marks), one on SQLite.
async fn rebuild_rollups(app: &motcua_app::App) -> anyhow::Result<std::process::ExitCode> {
    use motcua_app::rollups;
    let started = std::time::Instant::now();
    rollups::rebuild(app).await?;
    let total = rollups::pending(app).await?;
    let workers = match app.db.get_database_backend() {
        motcua_store::sea_orm::DbBackend::Postgres => 2,
        _ => 1,
    };
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (app, done) = (app.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = rollups::refresh(&app, 100_000).await?;
                if n == 0 {
                    return Ok::<(), motcua_app::AppError>(());
                }
                let sum = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
                eprintln!(
                    "{sum}/{total} dossiers, {:.0}/s",
                    sum as f64 / started.elapsed().as_secs_f64().max(0.001)
                );
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    rollups::tidy(app).await?;
    println!(
        "roll-ups rebuilt from {} dossiers in {:.1} s",
        done.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// `motcua indicators --verify`: the period and each of its months, roll-ups against the dossiers.
async fn verify_rollups(
    app: &motcua_app::App,
    req: &motcua_app::indicators::Request,
    offset: chrono::FixedOffset,
) -> anyhow::Result<std::process::ExitCode> {
    use motcua_domain::rollup::Month;
    let mut periods = vec![req.period];
    let (mut m, last) = (
        Month::of(req.period.from),
        Month::of(req.period.to - chrono::TimeDelta::microseconds(1)),
    );
    // Each month that has begun.
    while m <= last && m.start().is_some_and(|s| s < app.now()) {
        if let Some(p) = m.period()
            && p != req.period
        {
            periods.push(p);
        }
        m = m.next();
    }
    let started = std::time::Instant::now();
    let reqs: Vec<motcua_app::indicators::Request> = periods
        .iter()
        .map(|&period| motcua_app::indicators::Request {
            period,
            ..req.clone()
        })
        .collect();
    let results = motcua_app::rollups::verify(app, &reqs).await?;
    let mut bad = 0usize;
    for (period, result) in periods.iter().zip(results) {
        let label = format!(
            "{} – {}",
            period.from.with_timezone(&offset).format("%Y-%m-%d"),
            (period.to - chrono::TimeDelta::seconds(1))
                .with_timezone(&offset)
                .format("%Y-%m-%d")
        );
        match result {
            None => println!("{label}: not whole months; the roll-ups do not answer it"),
            Some((keys, diffs)) if diffs.is_empty() => {
                println!("{label}: equal ({keys} agency × procedure sums)")
            }
            Some((keys, diffs)) => {
                bad += diffs.len();
                println!("{label}: {} of {keys} sums DIFFER", diffs.len());
                for d in diffs.iter().take(20) {
                    println!(
                        "  {} {}: roll-ups {:?}\n  {} {}: dossiers {:?}",
                        d.agency, d.procedure, d.rolled_up, d.agency, d.procedure, d.recomputed
                    );
                }
            }
        }
    }
    println!("compared in {:.1} s", started.elapsed().as_secs_f64());
    Ok(if bad == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

fn indicator_table(r: &motcua_app::indicators::Indicators, offset: chrono::FixedOffset) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let scope = r
        .agency
        .as_ref()
        .map(|a| format!("{} {}", a.code, a.name_en))
        .unwrap_or_else(|| "all agencies".into());
    let last = r.to - chrono::TimeDelta::seconds(1);
    let _ = writeln!(
        out,
        "{scope}{}, {} to {} ({} dossiers)",
        r.procedure
            .as_ref()
            .map(|p| format!(", procedure {p}"))
            .unwrap_or_default(),
        r.from.with_timezone(&offset).format("%Y-%m-%d"),
        last.with_timezone(&offset).format("%Y-%m-%d"),
        r.dossiers
    );
    let _ = writeln!(
        out,
        "{:<11}{:<58}{:>17}{:>14}{:>14}",
        "id", "indicator", "num/den", "rate", "points"
    );
    for (id, _, en) in motcua_app::indicators::NAMES {
        let Some(f) = r.report.indicators.get(id) else {
            continue;
        };
        let rate = match (f.rate, f.measured) {
            (_, false) => "not measured".to_owned(),
            (None, true) => "n/a".to_owned(),
            (Some(v), true) if f.unit == motcua_domain::indicators::Unit::WorkingMinutes => {
                format!("{:.1} h", v / 60.0)
            }
            (Some(v), true) => format!("{v:.2}%"),
        };
        let points = match f.points {
            Some(p) => format!("{p:.2}/{}", f.max),
            None if f.max > 0.0 => format!("-/{}", f.max),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{id:<11}{en:<58}{:>17}{rate:>14}{points:>14}",
            format!("{}/{}", f.numerator, f.denominator)
        );
    }
    for (g, group) in &r.report.groups {
        let score = group
            .score
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "group {g}: {score} of {}", group.max);
    }
    let _ = writeln!(
        out,
        "total: {}  band: {}",
        r.report
            .total
            .map(|t| format!("{t:.2}/100"))
            .unwrap_or_else(|| "-".into()),
        r.report
            .band
            .map(|b| format!("{b:?}").to_lowercase())
            .unwrap_or_else(|| "-".into())
    );
    out
}
