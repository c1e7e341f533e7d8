//! `motcua demo generate`: realistic dossiers in bulk, for the indicator dashboards and for
//! benchmarks (issue 16 item 6).
//!
//! Every dossier is *played* through the real state machine ([`lifecycle::decide`]) with the
//! deployment's working calendar: submitted, received, handed over, assigned, sent back for
//! supplementation, extended, approved, issued, returned, withdrawn or stopped, each step by the
//! actor the rules require, at a time chosen from the proportions below. Steps that would fall
//! after "now" are not taken, so the last weeks' dossiers are still open in the statuses such
//! dossiers have (submitted, received, in processing, supplementation requested, result ready),
//! and some are open past their due date. The lifecycle JSON, the status and date columns and the
//! progress entries therefore agree by construction.
//!
//! Speed: a producer thread generates chunks of dossiers (with their attachments, results,
//! payments, ratings, feedback and progress entries) while the writer inserts the previous chunk,
//! one transaction per chunk: `COPY` on PostgreSQL, multi-row INSERTs on SQLite. Memory is bounded
//! by a few chunks (plus one day's list of submission times), never by the number of dossiers.
//!
//! Supplementation is requested at most once per dossier, as the rules allow (Decree 118/2025):
//! there are no dossiers with two requests. The files of dossiers still open are all uploads: an
//! upload that replaces an obtained file deletes the replaced file's bytes — here the shared sample.
//!
//! Codes follow the official format `{receiving agency}-{YYMMDD}-{sequence}` (DOMAIN-VN §2.6). The
//! sequences come from the same `dossier_counters` rows real submissions use: each chunk reserves,
//! in its transaction, a block per agency and day with one upsert, so generated codes never collide
//! with existing ones, and a dossier submitted for real afterwards continues the sequence. Result
//! numbers (`VB:` counters) and feedback codes (`PAKN`) are reserved the same way.
//!
//! Files: every generated attachment and result names ONE shared sample PDF in the file store
//! ([`SAMPLE_KEY`]), written once; results are registered in `documents` but not individually
//! signed. No notification, outbox job or receipt is queued. One audit entry records the run.
//!
//! Determinism: the same seed, options, clock, catalogue and organisation give the same data. Ids
//! are also salted with the audit chain's length, so a second run into the same database does not
//! reuse the first run's ids.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, TimeZone, Utc};
use motcua_app::{App, Profile, catalogue, org};
use motcua_domain::calendar::WorkingCalendar;
use motcua_domain::catalogue::{AgencyLevel, Channel, Component, OnlineLevel, Procedure};
use motcua_domain::feedback::{self as fb, Rating};
use motcua_domain::fees::QuotedLine;
use motcua_domain::lifecycle::{self, Command, Delivery, DossierState, Role, Status};
use motcua_domain::national::Database;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{
    agency, attachment, document, dossier, feedback, payment, progress_entry, rating,
    receiving_point,
};
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityName,
    EntityTrait, IdenStatic, InsertMany, IntoActiveModel, Iterable, ModelTrait, NotSet,
    QueryFilter, QueryOrder, Statement, TransactionTrait, Value, sqlx,
};

/// Where the one sample PDF every generated file points at is stored.
pub const SAMPLE_KEY: &str = "dossiers/generated/sample.pdf";

// ---------------------------------------------------------------------------------------------
// Proportions. Each is a documented guess or a figure of the seed's province (SPEC intro).
// ---------------------------------------------------------------------------------------------

/// Relative volume of the demo catalogue's procedures: civil status, residence and certified
/// copies make most of a commune's traffic; provincial procedures are rarer. Unknown codes
/// (another catalogue) weigh [`DEFAULT_PROCEDURE_WEIGHT`].
const PROCEDURE_WEIGHTS: [(&str, f64); 26] = [
    ("2.000815", 20.0), // certified copies: the busiest counter service of every commune
    ("1.001193", 14.0), // birth registration
    ("1.004194", 12.0), // temporary residence
    ("1.004873", 9.0),  // certificate of marital status
    ("1.004222", 8.0),  // permanent residence
    ("2.001159", 6.0),  // stay notification
    ("9.900003", 6.0),  // citizen ID card
    ("1.010041", 5.0),  // confirmation of residence information
    ("1.000656", 4.0),  // death registration
    ("3.000722", 4.0),  // interconnected birth + residence + health insurance
    ("9.900001", 4.0),  // motorbike registration
    ("1.000894", 3.0),  // marriage registration
    ("3.000333", 3.0),  // criminal-record certificate
    ("1.001456", 3.0),  // passport
    ("9.900002", 3.0),  // household health insurance
    ("1.003677", 2.0),  // temporary absence
    ("3.000347", 2.0),  // driving licence exchange
    ("1.013833", 2.0),  // land register update
    ("2.000635", 2.0),  // civil-status extract copies
    ("1.003197", 1.5),  // deletion of permanent residence
    ("2.002913", 1.5),  // interconnected death
    ("1.014748", 1.5),  // unemployment benefit
    ("1.001612", 1.5),  // household business
    ("1.013225", 1.0),  // construction permit
    ("1.004884", 0.5),  // birth re-registration
    ("1.001731", 0.3),  // funeral-cost support
];
/// Weight of a procedure not listed above.
const DEFAULT_PROCEDURE_WEIGHT: f64 = 1.0;
/// Spread (log-normal sigma) of communes' sizes: a few big wards, many small communes.
const COMMUNE_SIZE_SIGMA: f64 = 0.8;
/// Wards (phường) are urban and busier than rural communes (xã).
const WARD_FACTOR: f64 = 1.8;
/// Online share of dossiers of procedures offered online, at the start and at the end of the
/// window: the province reports 80.39% (SPEC intro), growing year on year.
const ONLINE_SHARE_START: f64 = 0.72;
const ONLINE_SHARE_END: f64 = 0.88;
/// Of paper dossiers, the share sent by public post (about 1% of all dossiers).
const POST_SHARE_OF_PAPER: f64 = 0.05;
/// Paper dossiers a commune receives at its own one-stop; the rest go to another (boundary-free
/// receipt, Decision 468/QĐ-TTg).
const HOME_POINT_SHARE: f64 = 0.95;
/// Paper dossiers of provincial procedures filed at the provincial service centre (the rest at a
/// commune one-stop).
const PROVINCE_POINT_SHARE: f64 = 0.80;
/// Counter dossiers whose paper components the officer scans: the province's 73.51% digitization.
const DIGITIZED_SHARE: f64 = 0.7351;
/// Online dossiers received within the 8 working hours of Decree 45/2020.
const RECEIVED_IN_8H: f64 = 0.97;
/// Online dossiers refused at receipt (wrong agency, out of scope).
const REFUSED_SHARE: f64 = 0.008;
/// Dossiers with one supplementation request (the rules allow only one).
const SUPPLEMENT_SHARE: f64 = 0.08;
/// Of those, requests made by the one-stop at receipt rather than by the specialist later.
const SUPPLEMENT_AT_RECEIPT: f64 = 0.35;
/// Dossiers whose processing time is extended once, with an apology letter, among those whose
/// legal time allows it (2 working days or more, asked at least one day before the due date):
/// about 2% of all dossiers.
const EXTENDED_SHARE: f64 = 0.045;
/// Dossiers withdrawn by the applicant or stopped by the agency.
const STOPPED_SHARE: f64 = 0.015;
/// Of those, withdrawals (the rest: stopped as ineligible).
const WITHDRAWN_OF_STOPPED: f64 = 0.5;
/// Dossiers finished after the due date: the province's 96.29% on time.
const LATE_SHARE: f64 = 0.037;
/// Spread (log-normal sigma) of agencies' lateness around [`LATE_SHARE`]: some do much worse.
const LATE_AGENCY_SIGMA: f64 = 0.6;
/// Online dossiers with a fee paid through the gateway; the rest pay in cash when they collect
/// the result (national online-payment rates hover around this).
const PAID_ONLINE_SHARE: f64 = 0.45;
/// Counter fees paid by card rather than cash.
const CARD_SHARE: f64 = 0.05;
/// Components attached: 1, plus one more with this chance, plus a third with the next.
const SECOND_COMPONENT: f64 = 0.45;
const THIRD_COMPONENT: f64 = 0.15;
/// Online components taken from the citizen's warehouse when the catalogue allows it.
const FROM_WAREHOUSE: f64 = 0.25;
/// Online components read from a national database when the catalogue allows it.
const FROM_CONNECTOR_ONLINE: f64 = 0.40;
/// Counter components the officer reads from a national database instead of scanning.
const FROM_CONNECTOR_COUNTER: f64 = 0.10;
/// Returned dossiers the applicant rates.
const RATED_SHARE: f64 = 0.30;
/// Ratings of handled dossiers: satisfied, normal, dissatisfied.
const RATINGS: [(Rating, f64); 3] = [
    (Rating::Satisfied, 0.85),
    (Rating::Normal, 0.11),
    (Rating::Dissatisfied, 0.04),
];
/// Received dossiers that lead to feedback (phản ánh, kiến nghị).
const FEEDBACK_SHARE: f64 = 0.005;
/// Feedback: complaints (the rest are recommendations).
const COMPLAINT_SHARE: f64 = 0.6;
/// Feedback refused as out of scope within the 2 working days.
const FEEDBACK_REFUSED: f64 = 0.04;
/// Feedback for which the agency asks the sender for details.
const FEEDBACK_DETAILS: f64 = 0.08;
/// Feedback answered within the 15 working days (the rest late).
const FEEDBACK_ON_TIME: f64 = 0.93;
/// Answers the leader publishes.
const FEEDBACK_PUBLISHED: f64 = 0.45;
/// Answers the sender rates, and how.
const FEEDBACK_RATED: f64 = 0.35;
const FEEDBACK_RATINGS: [(Rating, f64); 3] = [
    (Rating::Satisfied, 0.65),
    (Rating::Normal, 0.22),
    (Rating::Dissatisfied, 0.13),
];
/// Activity on a weekend day or holiday relative to a working day (online only).
const DAY_OFF_ACTIVITY: f64 = 0.10;
/// Monday to Friday: people come after the weekend.
const WEEKDAY_FACTORS: [f64; 5] = [1.20, 1.08, 1.00, 0.97, 0.90];
/// January to December: a rush before Tết, a trough during it, school enrolment in summer.
const MONTH_FACTORS: [f64; 12] = [
    1.10, 0.80, 1.00, 1.00, 1.00, 1.00, 1.05, 1.08, 1.05, 1.00, 1.00, 1.02,
];
/// Volume at the end of the window relative to its start (population and online growth).
const VOLUME_GROWTH: f64 = 1.30;
/// Online submissions by time of day: office hours, evening, early morning, late night.
const ONLINE_HOURS: [(f64, f64, f64); 4] = [
    (0.72, 450.0, 1020.0),
    (0.20, 1020.0, 1350.0),
    (0.04, 330.0, 450.0),
    (0.04, 1350.0, 1440.0),
];
/// Counter receipts in the morning (the rest in the afternoon).
const MORNING_SHARE: f64 = 0.58;

const REFUSE_REASONS: [&str; 3] = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
    "Thông tin trên tờ khai không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
    "Thành phần hồ sơ không đúng quy định; đã hướng dẫn công dân nộp lại.",
];
const SUPPLEMENT_NOTES: [&str; 3] = [
    "Đề nghị bổ sung bản chụp giấy tờ rõ nét, đủ các trang.",
    "Giấy tờ đã hết hiệu lực; đề nghị bổ sung bản còn hiệu lực.",
    "Tờ khai thiếu chữ ký của người yêu cầu; đề nghị ký và nộp lại.",
];
const STOP_REASONS: [&str; 2] = [
    "Người yêu cầu không đủ điều kiện theo quy định.",
    "Kết quả xác minh không đủ căn cứ để giải quyết.",
];
const EXTEND_REASONS: [&str; 2] = [
    "Cần xác minh thêm thông tin tại cơ quan khác.",
    "Chờ ý kiến phối hợp của cơ quan có liên quan.",
];
const DISSATISFIED_REASONS: [&str; 3] = [
    "Thời gian giải quyết chậm so với giấy hẹn.",
    "Phải đi lại nhiều lần.",
    "Cán bộ hướng dẫn chưa rõ ràng.",
];
const FEEDBACK_TEXTS: [&str; 4] = [
    "Hồ sơ của tôi đã quá hạn hẹn trả nhưng chưa nhận được kết quả, đề nghị cơ quan kiểm tra.",
    "Đề nghị cơ quan hướng dẫn rõ hơn về thành phần hồ sơ cần nộp trên Cổng dịch vụ công.",
    "Tôi đã thanh toán lệ phí trực tuyến nhưng hệ thống chưa ghi nhận, đề nghị kiểm tra.",
    "Đề nghị bố trí thêm cán bộ tiếp nhận tại bộ phận một cửa vào buổi sáng thứ Hai.",
];
const BANKS: [&str; 5] = ["NCB", "VCB", "BIDV", "VIETINBANK", "TECHCOMBANK"];

/// How many parameters one INSERT binds at most (SQLite allows 32,766, PostgreSQL 65,535).
const PARAMS_PER_STATEMENT: usize = 30_000;
/// And how many rows.
const ROWS_PER_STATEMENT: usize = 1_000;

// ---------------------------------------------------------------------------------------------
// Options and summary
// ---------------------------------------------------------------------------------------------

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub dossiers: u64,
    pub seed: u64,
    /// Submissions are spread over this many months up to now.
    pub months: u32,
    /// Dossiers per transaction.
    pub chunk: usize,
    /// Print progress to stderr every few seconds.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dossiers: 1_000,
            seed: 1,
            months: 24,
            chunk: 2_000,
            progress: false,
        }
    }
}

/// What a run wrote and how fast.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub dossiers: u64,
    pub progress_entries: u64,
    pub attachments: u64,
    pub documents: u64,
    pub payments: u64,
    pub ratings: u64,
    pub feedback: u64,
    /// Dossiers by NPSP status code.
    pub by_status: BTreeMap<u8, u64>,
    pub online: u64,
    /// Dossiers of procedures offered online (the online share's denominator).
    pub online_capable: u64,
    /// Finished (result issued or stopped) with a due date, and of those on time.
    pub finished: u64,
    pub finished_on_time: u64,
    pub supplemented: u64,
    pub extended: u64,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn rows(&self) -> u64 {
        self.dossiers
            + self.progress_entries
            + self.attachments
            + self.documents
            + self.payments
            + self.ratings
            + self.feedback
    }

    pub fn dossiers_per_second(&self) -> f64 {
        per_second(self.dossiers, self.elapsed)
    }

    pub fn rows_per_second(&self) -> f64 {
        per_second(self.rows(), self.elapsed)
    }

    fn merge(&mut self, o: &Summary) {
        self.dossiers += o.dossiers;
        self.progress_entries += o.progress_entries;
        self.attachments += o.attachments;
        self.documents += o.documents;
        self.payments += o.payments;
        self.ratings += o.ratings;
        self.feedback += o.feedback;
        for (k, v) in &o.by_status {
            *self.by_status.entry(*k).or_default() += v;
        }
        self.online += o.online;
        self.online_capable += o.online_capable;
        self.finished += o.finished;
        self.finished_on_time += o.finished_on_time;
        self.supplemented += o.supplemented;
        self.extended += o.extended;
    }

    fn add(&mut self, c: &Chunk) {
        self.dossiers += c.dossiers.len() as u64;
        self.progress_entries += c.progress.len() as u64;
        self.attachments += c.attachments.len() as u64;
        self.documents += c.documents.len() as u64;
        self.payments += c.payments.len() as u64;
        self.ratings += c.ratings.len() as u64;
        self.feedback += c.feedback.len() as u64;
        for (k, v) in &c.stats.by_status {
            *self.by_status.entry(*k).or_default() += v;
        }
        self.online += c.stats.online;
        self.online_capable += c.stats.online_capable;
        self.finished += c.stats.finished;
        self.finished_on_time += c.stats.finished_on_time;
        self.supplemented += c.stats.supplemented;
        self.extended += c.stats.extended;
    }
}

fn per_second(n: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s > 0.0 { n as f64 / s } else { 0.0 }
}

fn pct(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let day = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "-".into())
        };
        writeln!(
            f,
            "generated {} dossiers submitted {} to {}:",
            self.dossiers,
            day(self.from),
            day(self.to)
        )?;
        for (name, n) in [
            ("dossiers", self.dossiers),
            ("progress entries", self.progress_entries),
            ("attachments", self.attachments),
            ("documents (results)", self.documents),
            ("payments", self.payments),
            ("ratings", self.ratings),
            ("feedback", self.feedback),
        ] {
            writeln!(f, "  {name:<20} {n:>12}")?;
        }
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        writeln!(f, "  by status            {}", statuses.join(", "))?;
        writeln!(
            f,
            "  online {:.1}% of online-capable, finished on time {:.1}%, supplemented {:.1}%, extended {:.1}%",
            pct(self.online, self.online_capable),
            pct(self.finished_on_time, self.finished),
            pct(self.supplemented, self.dossiers),
            pct(self.extended, self.dossiers),
        )?;
        write!(
            f,
            "  {:.1} s, {:.0} dossiers/s, {:.0} rows/s",
            self.elapsed.as_secs_f64(),
            self.dossiers_per_second(),
            self.rows_per_second()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/// Generates `opts.dossiers` dossiers (seeding the demo organisation and catalogue first when the
/// database has none) and records the run in the audit trail.
pub async fn generate(app: &App, opts: &Options) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        app.profile == Profile::Demo,
        "demo data is generated in the demo profile only"
    );
    anyhow::ensure!(opts.dossiers > 0, "--dossiers must be at least 1");
    anyhow::ensure!(
        (1..=120).contains(&opts.months),
        "--months must be between 1 and 120"
    );
    let no_agencies = agency::Entity::find()
        .filter(agency::Column::Kind.eq("commune_peoples_committee"))
        .one(&app.db)
        .await?
        .is_none();
    if no_agencies || catalogue::current_all(app).await?.is_empty() {
        crate::seed_demo(app)
            .await
            .context("cannot load the demo organisation and catalogue")?;
    }
    // Timed from here: the demo data's one-off seeding (password hashing) is not generation.
    let started = Instant::now();
    let sample = sample_file(app).await?;
    // Each run draws new identifiers: the audit trail grows with every run.
    let salt = audit::heads(&app.db)
        .await?
        .iter()
        .map(|h| h.seq)
        .max()
        .unwrap_or(0);
    let world = World::load(app, opts.seed).await?;
    let now = app.now();
    let plan = Plan::new(&app.calendar, now, opts)?;
    let (from, to) = (plan.from, now);

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(2);
    let producer = Producer {
        world,
        cal: app.calendar.clone(),
        now,
        rng: Rng::new(opts.seed),
        ids: Rng::new(opts.seed ^ 0x5EED_0F1D_u64 ^ (salt as u64).rotate_left(17)),
        sample,
        chunk_size: opts.chunk.max(1),
        chunk: Chunk::default(),
    };
    let handle = tokio::task::spawn_blocking(move || producer.run(plan, tx));

    let mut summary = Summary::default();
    let mut last_report = Instant::now();
    let mut written: anyhow::Result<()> = Ok(());
    while let Some(chunk) = rx.recv().await {
        let mut part = Summary::default();
        part.add(&chunk);
        if let Err(e) = write_chunk(&app.db, chunk).await {
            written = Err(e);
            break;
        }
        summary.merge(&part);
        if opts.progress && last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            let elapsed = started.elapsed();
            eprintln!(
                "  {} / {} dossiers, {:.0} dossiers/s",
                summary.dossiers,
                opts.dossiers,
                per_second(summary.dossiers, elapsed)
            );
        }
    }
    drop(rx);
    let produced = handle.await.context("the generator thread failed")?;
    written?;
    produced?;

    summary.from = Some(from);
    summary.to = Some(to);
    if app.db.get_database_backend() == DbBackend::Postgres {
        // Fresh statistics, so the planner sees millions of rows where there were none.
        for t in [
            "dossiers",
            "progress_entries",
            "attachments",
            "documents",
            "payments",
            "ratings",
            "feedback",
            "dossier_counters",
        ] {
            app.db.execute_unprepared(&format!("ANALYZE {t}")).await?;
        }
    }
    let txn = app.db.begin().await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: app.now(),
            actor: "cli".into(),
            action: "demo.generate".into(),
            subject: "demo:generate".into(),
            data: serde_json::json!({
                "seed": opts.seed,
                "months": opts.months,
                "submitted_from": from,
                "submitted_to": to,
                "sample_file": SAMPLE_KEY,
                "rows": {
                    "dossiers": summary.dossiers,
                    "progress_entries": summary.progress_entries,
                    "attachments": summary.attachments,
                    "documents": summary.documents,
                    "payments": summary.payments,
                    "ratings": summary.ratings,
                    "feedback": summary.feedback,
                },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The shared sample PDF: rendered and stored on first use, then reused as it is.
#[derive(Debug, Clone)]
struct SampleFile {
    size: i64,
    sha256: String,
}

async fn sample_file(app: &App) -> anyhow::Result<SampleFile> {
    let bytes = match app.files.get(SAMPLE_KEY).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            let pdf = render_sample()?;
            app.files
                .put(SAMPLE_KEY, axum::body::Bytes::from(pdf.clone()))
                .await
                .context("cannot write the sample file")?;
            pdf
        }
    };
    Ok(SampleFile {
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: motcua_store::files::sha256_hex(&bytes),
    })
}

fn render_sample() -> anyhow::Result<Vec<u8>> {
    use motcua_documents::{Block, Document, Footer, Letterhead, Meta};
    let issued_at = chrono::FixedOffset::east_opt(7 * 3600)
        .and_then(|o| o.with_ymd_and_hms(2025, 7, 1, 8, 0, 0).single())
        .context("sample date")?;
    let doc = Document {
        letterhead: Letterhead {
            authority: String::new(),
            agency: "HỆ THỐNG MỘT CỬA ĐIỆN TỬ (DỮ LIỆU MẪU)".into(),
            number: "MẪU".into(),
            place_and_date: "Dữ liệu sinh tự động".into(),
        },
        title: "TỆP MẪU".into(),
        subtitle: Some("Generated sample file".into()),
        blocks: vec![
            Block::Paragraph(
                "Tệp này thay cho mọi thành phần hồ sơ và mọi kết quả của hồ sơ sinh tự động bằng lệnh \"motcua demo generate\". Kết quả sinh tự động không được ký số riêng.".into(),
            ),
            Block::Paragraph(
                "This file stands for every component and every result of the dossiers written by \"motcua demo generate\". Generated results are not individually signed.".into(),
            ),
        ],
        signature: None,
        recipients: Vec::new(),
        footer: Footer {
            qr_payload: "motcua demo generate".into(),
            lines: vec!["Dữ liệu mẫu — sample data".into()],
        },
        meta: Meta {
            title: "Tệp mẫu — sample file".into(),
            language: "vi".into(),
            issued_at,
            document_id: "generated-sample".into(),
        },
    };
    Ok(motcua_documents::render(&doc)?)
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// splitmix64: small, fast and good enough for synthetic data; deterministic for a seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi] (whole numbers).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(f64::MIN_POSITIVE);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn weighted<T: Copy>(&mut self, table: &[(T, f64)]) -> Option<T> {
        let total: f64 = table.iter().map(|(_, w)| w).sum();
        let mut x = self.f64() * total;
        for (v, w) in table {
            if x < *w {
                return Some(*v);
            }
            x -= w;
        }
        table.last().map(|(v, _)| *v)
    }

    /// A UUID in version 7 layout: the instant's milliseconds, then random bits.
    fn uuid7(&mut self, at: DateTime<Utc>) -> String {
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
        let hi = (ms << 16) | 0x7000 | (self.next_u64() & 0x0FFF);
        let lo = 0x8000_0000_0000_0000 | (self.next_u64() & 0x3FFF_FFFF_FFFF_FFFF);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }

    /// Letters and digits without look-alikes, as the app's references use.
    fn reference(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.below(ALPHABET.len() as u64) as usize]))
            .collect()
    }
}

/// Picks an index with probability proportional to its weight.
#[derive(Debug, Clone, Default)]
struct Sampler {
    cumulative: Vec<f64>,
}

impl Sampler {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Sampler { cumulative }
    }

    fn is_empty(&self) -> bool {
        self.cumulative.last().is_none_or(|t| *t <= 0.0)
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.f64() * total;
        self.cumulative
            .partition_point(|c| *c <= x)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

// ---------------------------------------------------------------------------------------------
// The organisation and catalogue as the generator uses them
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Commune {
    /// Five-digit administrative code.
    code: String,
    /// The commune people's committee's one-stop.
    point: Option<Point>,
}

#[derive(Debug, Clone)]
struct Point {
    code: String,
    agency: String,
}

#[derive(Debug)]
struct Proc {
    p: Procedure,
    online: bool,
    title: String,
    /// Commune-level: the competent agency by commune index; `None` for province-level ones.
    by_commune: Option<HashMap<usize, String>>,
    /// Communes where it is offered, weighted by size (commune-level only).
    communes: Sampler,
    commune_list: Vec<usize>,
    /// Province-level: the agencies of its kind.
    agencies: Vec<String>,
}

#[derive(Debug)]
struct World {
    procs: Vec<Proc>,
    all: Sampler,
    online_only: Sampler,
    communes: Vec<Commune>,
    commune_sampler: Sampler,
    province_point: Option<Point>,
    /// Each competent agency's lateness factor.
    lateness: HashMap<String, f64>,
}

impl World {
    async fn load(app: &App, seed: u64) -> anyhow::Result<World> {
        let mut rng = Rng::new(seed ^ 0xC0FF_EE00);
        let agencies = agency::Entity::find()
            .filter(agency::Column::ValidTo.is_null())
            .order_by_asc(agency::Column::Code)
            .all(&app.db)
            .await?;
        let points = receiving_point::Entity::find()
            .order_by_asc(receiving_point::Column::Code)
            .all(&app.db)
            .await?;
        let point_of = |agency: &str| {
            points
                .iter()
                .find(|p| p.agency_code == agency)
                .map(|p| Point {
                    code: p.code.clone(),
                    agency: p.agency_code.clone(),
                })
        };
        // Communes: those with a people's committee, in code order.
        let mut communes = Vec::new();
        let mut weights = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for a in agencies
            .iter()
            .filter(|a| a.kind == "commune_peoples_committee")
        {
            let Some(code) = &a.commune_code else {
                continue;
            };
            index_of.insert(code.clone(), communes.len());
            communes.push(Commune {
                code: code.clone(),
                point: point_of(&a.code),
            });
            let ward = if a.name_vi.contains("Phường") {
                WARD_FACTOR
            } else {
                1.0
            };
            weights.push((COMMUNE_SIZE_SIGMA * rng.normal()).exp() * ward);
        }
        anyhow::ensure!(
            !communes.is_empty(),
            "the organisation has no commune people's committee"
        );
        let province_point = agencies
            .iter()
            .filter(|a| a.parent_code.is_none())
            .find_map(|a| point_of(&a.code));
        let mean_factor = (LATE_AGENCY_SIGMA * LATE_AGENCY_SIGMA / 2.0).exp();
        let lateness = agencies
            .iter()
            .map(|a| {
                (
                    a.code.clone(),
                    (LATE_AGENCY_SIGMA * rng.normal()).exp() / mean_factor,
                )
            })
            .collect();
        let mut procs = Vec::new();
        for p in catalogue::current_all(app).await? {
            let kind = org::agency_kind_for(&p).to_owned();
            let weight = PROCEDURE_WEIGHTS
                .iter()
                .find(|(c, _)| *c == p.code.as_str())
                .map_or(DEFAULT_PROCEDURE_WEIGHT, |(_, w)| *w);
            let online = p.online_level != OnlineLevel::None;
            let title =
                motcua_documents::templates::result_title(p.code.as_str(), &p.result_document);
            let mut proc = Proc {
                p,
                online,
                title,
                by_commune: None,
                communes: Sampler::default(),
                commune_list: Vec::new(),
                agencies: Vec::new(),
            };
            if proc.p.level == AgencyLevel::Commune {
                let mut by = HashMap::new();
                for a in agencies.iter().filter(|a| a.kind == kind) {
                    if let Some(i) = a.commune_code.as_ref().and_then(|c| index_of.get(c)) {
                        by.entry(*i).or_insert_with(|| a.code.clone());
                    }
                }
                let mut list: Vec<usize> = by.keys().copied().collect();
                list.sort_unstable();
                proc.communes =
                    Sampler::new(list.iter().map(|i| weights.get(*i).copied().unwrap_or(0.0)));
                proc.commune_list = list;
                proc.by_commune = Some(by);
                if proc.communes.is_empty() {
                    continue;
                }
            } else {
                proc.agencies = agencies
                    .iter()
                    .filter(|a| a.kind == kind)
                    .map(|a| a.code.clone())
                    .collect();
                if proc.agencies.is_empty() {
                    continue;
                }
            }
            procs.push((proc, weight));
        }
        anyhow::ensure!(
            !procs.is_empty(),
            "no procedure of the catalogue is offered by an agency of the organisation"
        );
        let all = Sampler::new(procs.iter().map(|(_, w)| *w));
        let online_only = Sampler::new(procs.iter().map(|(p, w)| if p.online { *w } else { 0.0 }));
        Ok(World {
            procs: procs.into_iter().map(|(p, _)| p).collect(),
            all,
            online_only,
            communes,
            commune_sampler: Sampler::new(weights),
            province_point,
            lateness,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// When: the days of the window and how many dossiers each gets
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Plan {
    from: DateTime<Utc>,
    days: Vec<Day>,
}

#[derive(Debug, Clone)]
struct Day {
    /// Local midnight, as an instant.
    start: DateTime<Utc>,
    working: bool,
    /// Position in the window, 0 at its start and 1 now.
    progress: f64,
    count: u64,
}

impl Plan {
    fn new(cal: &WorkingCalendar, now: DateTime<Utc>, opts: &Options) -> anyhow::Result<Plan> {
        let offset = cal.offset();
        let today = now.with_timezone(&offset).date_naive();
        let first = today
            .checked_sub_months(Months::new(opts.months))
            .context("--months goes back too far")?;
        let midnight = |d: NaiveDate| {
            offset
                .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        let from = midnight(first).context("window start")?;
        let span = (today - first).num_days().max(1) as f64;
        let mut days = Vec::new();
        let mut weights = Vec::new();
        let mut date = first;
        while date <= today {
            let start = midnight(date).context("local midnight")?;
            let working = cal.is_working_day(date);
            let progress = (date - first).num_days() as f64 / span;
            let mut w = if working {
                let wd = date.weekday().num_days_from_monday() as usize;
                WEEKDAY_FACTORS.get(wd).copied().unwrap_or(1.0)
            } else {
                DAY_OFF_ACTIVITY
            };
            w *= MONTH_FACTORS
                .get(date.month0() as usize)
                .copied()
                .unwrap_or(1.0);
            w *= 1.0 + (VOLUME_GROWTH - 1.0) * progress;
            if date == today {
                // Only the part of today that has passed (activity runs roughly 06:00–17:00).
                let minutes = (now - start).num_minutes() as f64;
                w *= ((minutes - 360.0) / 660.0).clamp(0.0, 1.0);
            }
            days.push(Day {
                start,
                working,
                progress,
                count: 0,
            });
            weights.push(w);
            date = date.succ_opt().context("date overflow")?;
        }
        // Whole numbers summing exactly to the total: round the running sum.
        let total: f64 = weights.iter().sum();
        anyhow::ensure!(total > 0.0, "the window has no activity");
        let (mut running, mut given) = (0.0, 0u64);
        for (d, w) in days.iter_mut().zip(&weights) {
            running += w / total * opts.dossiers as f64;
            let upto = (running.round() as u64).min(opts.dossiers);
            d.count = upto.saturating_sub(given);
            given = upto;
        }
        if let Some(last) = days.iter_mut().rev().find(|d| d.count > 0 || d.working) {
            last.count += opts.dossiers - given;
        }
        Ok(Plan { from, days })
    }
}

// ---------------------------------------------------------------------------------------------
// The producer: dossiers played through the state machine
// ---------------------------------------------------------------------------------------------

/// One chunk of rows, written in one transaction. Codes, result numbers and feedback codes are
/// filled in by the writer from the counters it reserves.
#[derive(Debug, Default)]
struct Chunk {
    dossiers: Vec<dossier::Model>,
    /// Receiving agency and local day (`YYMMDD`) of each dossier, for its code.
    dossier_keys: Vec<(String, String)>,
    /// Progress entries; their `id` is left to the database.
    progress: Vec<progress_entry::Model>,
    attachments: Vec<attachment::Model>,
    documents: Vec<document::Model>,
    /// Competent agency and year (`YYYY`) of each document, for its number.
    document_keys: Vec<(String, String)>,
    payments: Vec<payment::Model>,
    ratings: Vec<rating::Model>,
    feedback: Vec<feedback::Model>,
    /// Local day of each feedback item and the index of its dossier in `dossiers`.
    feedback_keys: Vec<(String, usize)>,
    stats: Stats,
}

#[derive(Debug, Default, Clone)]
struct Stats {
    by_status: BTreeMap<u8, u64>,
    online: u64,
    online_capable: u64,
    finished: u64,
    finished_on_time: u64,
    supplemented: u64,
    extended: u64,
}

struct Producer {
    world: World,
    cal: Arc<WorkingCalendar>,
    now: DateTime<Utc>,
    rng: Rng,
    /// Ids and references only, so that the rest of the data does not depend on the salt.
    ids: Rng,
    sample: SampleFile,
    chunk_size: usize,
    chunk: Chunk,
}

/// Who takes a step: the state machine's actor and how the progress entry names them.
#[derive(Debug, Clone)]
struct Who {
    actor: lifecycle::Actor,
    name: String,
    role: &'static str,
    agency: Option<String>,
}

/// One dossier being played.
struct Play<'c> {
    cal: &'c WorkingCalendar,
    now: DateTime<Utc>,
    state: DossierState,
    last: DateTime<Utc>,
    /// A step fell after now: nothing more happens.
    cut: bool,
    steps: Vec<Step>,
    /// When each command kind was taken.
    times: HashMap<&'static str, DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct Step {
    at: DateTime<Utc>,
    who: Who,
    action: &'static str,
    from: Status,
    to: Status,
    note: Option<String>,
}

impl<'c> Play<'c> {
    /// Takes `command` at `at` (moved after the previous step if needed), unless that is after
    /// now. Returns whether it was taken.
    fn act(&mut self, at: DateTime<Utc>, who: &Who, command: Command) -> anyhow::Result<bool> {
        if self.cut {
            return Ok(false);
        }
        let at = at.max(self.last + TimeDelta::seconds(1));
        if at > self.now {
            self.cut = true;
            return Ok(false);
        }
        let action = command.kind().as_str();
        let t = lifecycle::decide(&self.state, &who.actor, &command, at, self.cal)
            .with_context(|| format!("generated step {action} was refused"))?;
        self.steps.push(Step {
            at,
            who: who.clone(),
            action,
            from: t.from,
            to: t.to.status,
            note: t.note,
        });
        self.state = t.to;
        self.last = at;
        self.times.insert(action, at);
        Ok(true)
    }

    /// A step that changes no status (the dossier's creation, a fee collected).
    fn record(&mut self, at: DateTime<Utc>, who: &Who, action: &'static str, note: Option<String>) {
        let s = self.state.status;
        self.steps.push(Step {
            at,
            who: who.clone(),
            action,
            from: s,
            to: s,
            note,
        });
    }

    fn add(&self, t: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        self.cal.add_working_minutes(t, minutes)
    }

    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.cal.working_minutes_between(a, b)
    }
}

/// The applicant: a valid citizen ID and the person the simulator makes of it.
struct Applicant {
    id: String,
    name: String,
    phone: String,
    street: String,
}

impl Producer {
    fn run(mut self, plan: Plan, tx: tokio::sync::mpsc::Sender<Chunk>) -> anyhow::Result<()> {
        for day in &plan.days {
            if day.count == 0 {
                continue;
            }
            // The day's submissions in time order, so sequences grow with the clock.
            let mut todo: Vec<(DateTime<Utc>, usize, Channel)> = Vec::new();
            for _ in 0..day.count {
                todo.push(self.pick(day));
            }
            todo.sort_by_key(|(t, _, _)| *t);
            for (at, proc, channel) in todo {
                self.dossier(at, proc, channel)?;
                if self.chunk.dossiers.len() >= self.chunk_size {
                    let full = std::mem::take(&mut self.chunk);
                    if tx.blocking_send(full).is_err() {
                        // The writer stopped (and says why).
                        return Ok(());
                    }
                }
            }
        }
        if !self.chunk.dossiers.is_empty() {
            let last = std::mem::take(&mut self.chunk);
            let _ = tx.blocking_send(last);
        }
        Ok(())
    }

    /// A procedure, a channel and a submission time on `day`.
    fn pick(&mut self, day: &Day) -> (DateTime<Utc>, usize, Channel) {
        let sampler = if day.working {
            &self.world.all
        } else {
            &self.world.online_only
        };
        let proc = if sampler.is_empty() {
            self.world.all.sample(&mut self.rng)
        } else {
            sampler.sample(&mut self.rng)
        };
        let online_capable = self.world.procs.get(proc).is_some_and(|p| p.online);
        let share = ONLINE_SHARE_START + (ONLINE_SHARE_END - ONLINE_SHARE_START) * day.progress;
        let mut channel = if online_capable && (!day.working || self.rng.chance(share)) {
            Channel::Online
        } else if self.rng.chance(POST_SHARE_OF_PAPER) {
            Channel::Post
        } else {
            Channel::Counter
        };
        let at = match channel {
            Channel::Online => {
                let (lo, hi) = self
                    .rng
                    .weighted(&[
                        ((ONLINE_HOURS[0].1, ONLINE_HOURS[0].2), ONLINE_HOURS[0].0),
                        ((ONLINE_HOURS[1].1, ONLINE_HOURS[1].2), ONLINE_HOURS[1].0),
                        ((ONLINE_HOURS[2].1, ONLINE_HOURS[2].2), ONLINE_HOURS[2].0),
                        ((ONLINE_HOURS[3].1, ONLINE_HOURS[3].2), ONLINE_HOURS[3].0),
                    ])
                    .unwrap_or((450.0, 1020.0));
                let minutes = lo + (hi - lo) * self.rng.f64();
                let t = day.start + TimeDelta::seconds((minutes * 60.0) as i64);
                if t < self.now {
                    t
                } else {
                    let span = (self.now - day.start).num_seconds().max(1);
                    day.start + TimeDelta::seconds(self.rng.between(0, span - 1))
                }
            }
            Channel::Counter | Channel::Post => {
                let minutes = if self.rng.chance(MORNING_SHARE) {
                    450.0 + 240.0 * self.rng.f64()
                } else {
                    780.0 + 240.0 * self.rng.f64()
                };
                let t = day.start + TimeDelta::seconds((minutes * 60.0) as i64);
                if t < self.now {
                    t
                } else {
                    // Today, later than now: earlier today's office hours, or online if none
                    // has passed yet.
                    let open = self.cal.next_working_instant(day.start);
                    let passed = self.cal.working_minutes_between(open, self.now);
                    if passed > 0 {
                        let m = self.rng.between(0, passed - 1);
                        self.cal.add_working_minutes(open, m)
                    } else if online_capable {
                        channel = Channel::Online;
                        let span = (self.now - day.start).num_seconds().max(1);
                        day.start + TimeDelta::seconds(self.rng.between(0, span - 1))
                    } else {
                        self.cal.add_working_minutes(self.now, -1)
                    }
                }
            }
        };
        (at, proc, channel)
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one dossier's story, step by step; splitting it would scatter the timeline"
    )]
    fn dossier(
        &mut self,
        submitted: DateTime<Utc>,
        proc_idx: usize,
        channel: Channel,
    ) -> anyhow::Result<()> {
        let cal = &*self.cal;
        let now = self.now;
        let rng = &mut self.rng;
        let ids = &mut self.ids;
        let chunk = &mut self.chunk;
        let sample = &self.sample;
        let world = &self.world;
        let proc = world.procs.get(proc_idx).context("procedure index")?;
        let p = &proc.p;

        // Where: the competent agency, the applicant's commune, the receiving point.
        let (competent, home) = match &proc.by_commune {
            Some(by) => {
                let i = proc
                    .commune_list
                    .get(proc.communes.sample(rng))
                    .copied()
                    .context("commune index")?;
                (by.get(&i).cloned().context("competent agency")?, i)
            }
            None => {
                let a = rng.pick(&proc.agencies).cloned().context("agency")?;
                (a, world.commune_sampler.sample(rng))
            }
        };
        let home_commune = world.communes.get(home).context("commune")?;
        let point = match channel {
            Channel::Online => None,
            Channel::Counter | Channel::Post => {
                let home_point = home_commune.point.clone();
                let chosen = if proc.by_commune.is_some() {
                    if rng.chance(HOME_POINT_SHARE) {
                        home_point
                    } else {
                        let i = world.commune_sampler.sample(rng);
                        world.communes.get(i).and_then(|c| c.point.clone())
                    }
                } else if rng.chance(PROVINCE_POINT_SHARE) {
                    world.province_point.clone()
                } else {
                    home_point
                };
                chosen
                    .or_else(|| world.province_point.clone())
                    .or_else(|| world.communes.iter().find_map(|c| c.point.clone()))
            }
        };
        // Without any receiving point a paper dossier cannot exist: it goes online instead.
        let channel = if channel != Channel::Online && point.is_none() {
            Channel::Online
        } else {
            channel
        };
        let receiving = point
            .as_ref()
            .map_or_else(|| competent.clone(), |pt| pt.agency.clone());
        let needs_handover = receiving != competent;
        let home_code = home_commune.code.clone();
        let applicant = applicant(rng);
        let online = channel == Channel::Online;

        let staff = |role: Role, agency: &str| Who {
            actor: lifecycle::Actor {
                username: format!("{}@{agency}", role.as_str()),
                role,
                is_applicant: false,
                at_receiving: agency == receiving,
                at_competent: agency == competent,
            },
            name: format!("staff:{}@{agency}", role.as_str()),
            role: role.as_str(),
            agency: Some(agency.to_owned()),
        };
        let citizen = Who {
            actor: lifecycle::Actor {
                username: format!("citizen:{}", applicant.id),
                role: Role::Citizen,
                is_applicant: true,
                at_receiving: false,
                at_competent: false,
            },
            name: format!("citizen:*********{}", tail(&applicant.id, 3)),
            role: "citizen",
            agency: None,
        };
        let officer = staff(Role::Officer, &receiving);
        let leader = staff(Role::Leader, &competent);
        let specialist = staff(Role::Specialist, &competent);
        let clerk = staff(Role::Clerk, &competent);
        let submitter = if online { &citizen } else { &officer };

        let mut play = Play {
            cal,
            now,
            state: DossierState::new_draft(
                channel,
                p.processing_time.legal_working_minutes(),
                needs_handover,
            ),
            last: submitted - TimeDelta::hours(3),
            cut: false,
            steps: Vec::new(),
            times: HashMap::new(),
        };
        let created = if online {
            submitted - TimeDelta::seconds(rng.between(300, 5400))
        } else {
            submitted - TimeDelta::seconds(rng.between(120, 900))
        };
        play.record(created, submitter, "create", None);
        play.last = created;
        play.act(submitted, submitter, Command::Submit)?;

        // The outcome, decided up front; the clock decides how much of it has happened.
        let refused = online && rng.chance(REFUSED_SHARE);
        let stopped = !refused && rng.chance(STOPPED_SHARE);
        let supplement = !refused && !stopped && rng.chance(SUPPLEMENT_SHARE);
        let at_receipt = supplement && rng.chance(SUPPLEMENT_AT_RECEIPT);
        let extend = !refused && !stopped && rng.chance(EXTENDED_SHARE);
        let late_share =
            (LATE_SHARE * world.lateness.get(&competent).copied().unwrap_or(1.0)).clamp(0.0, 0.5);
        let late = rng.chance(late_share);
        let legal = play.state.legal_minutes.max(1);
        let supplement_component = p
            .components
            .get(rng.below(p.components.len().max(1) as u64) as usize)
            .map(|c| c.key.clone())
            .unwrap_or_else(|| "to_khai".into());

        if online {
            let minutes = if rng.chance(RECEIVED_IN_8H) {
                if rng.chance(0.55) {
                    rng.between(5, 120)
                } else {
                    rng.between(121, 470)
                }
            } else {
                rng.between(481, 1440)
            };
            let at = play.add(submitted, minutes);
            if refused {
                let reason = rng.pick(&REFUSE_REASONS).copied().unwrap_or_default();
                play.act(
                    at,
                    &officer,
                    Command::Refuse {
                        reason: reason.into(),
                    },
                )?;
            } else {
                play.act(at, &officer, Command::Receive { checked: None })?;
            }
        }
        if !refused {
            let received = play.state.received_at.unwrap_or(submitted);
            if needs_handover {
                let at = play.add(received, rng.between(5, (legal / 8).clamp(10, 90)));
                play.act(at, &officer, Command::HandOver)?;
            }
            let mut resumed = play.last;
            if at_receipt {
                let note = rng.pick(&SUPPLEMENT_NOTES).copied().unwrap_or_default();
                let at = play.add(play.last, rng.between(5, 60));
                play.act(
                    at,
                    &officer,
                    Command::RequestSupplement {
                        components: vec![supplement_component.clone()],
                        note: note.into(),
                    },
                )?;
                let pause = 240 + (480.0 * 7.0 * rng.f64().powi(2)) as i64;
                let answered = play.add(play.last, pause);
                let by = if online { &citizen } else { &officer };
                play.act(answered, by, Command::Supplement)?;
                resumed = play.last;
            }
            let gap = rng.between(5, (legal / 4).clamp(10, 240));
            let assigned_at = play.add(resumed, gap);
            play.act(
                assigned_at,
                &leader,
                Command::Assign {
                    assignee: specialist.actor.username.clone(),
                },
            )?;
            let mut t0 = play.last;
            if supplement && !at_receipt {
                let due = play.state.due_at.unwrap_or(t0);
                let left = play.between(t0, due).max(1);
                let at = play.add(t0, (left as f64 * (0.1 + 0.5 * rng.f64())) as i64);
                let note = rng.pick(&SUPPLEMENT_NOTES).copied().unwrap_or_default();
                play.act(
                    at,
                    &specialist,
                    Command::RequestSupplement {
                        components: vec![supplement_component.clone()],
                        note: note.into(),
                    },
                )?;
                let pause = 240 + (480.0 * 7.0 * rng.f64().powi(2)) as i64;
                let answered = play.add(play.last, pause);
                let by = if online { &citizen } else { &officer };
                play.act(answered, by, Command::Supplement)?;
                t0 = play.last;
            }
            if stopped {
                let due = play.state.due_at.unwrap_or(t0);
                let left = play.between(t0, due).max(1);
                let at = play.add(t0, (left as f64 * 0.8 * rng.f64()) as i64);
                if rng.chance(WITHDRAWN_OF_STOPPED) {
                    play.act(
                        at,
                        &citizen,
                        Command::RequestWithdrawal {
                            reason: "Công dân đề nghị rút hồ sơ để nộp lại sau.".into(),
                        },
                    )?;
                    let accept = play.add(play.last, rng.between(10, 480));
                    play.act(accept, &officer, Command::AcceptWithdrawal)?;
                } else {
                    let reason = rng.pick(&STOP_REASONS).copied().unwrap_or_default();
                    play.act(
                        at,
                        &leader,
                        Command::Stop {
                            reason: reason.into(),
                        },
                    )?;
                }
            } else {
                if extend
                    && legal >= 960
                    && let Some(due) = play.state.due_at
                {
                    // At least one working day before the due date (Decree 61/2018 Art. 22).
                    let at = play.add(due, -(480 + rng.between(0, 480)));
                    if at > t0 {
                        let days = (legal / 480 / 2).max(1);
                        let new_due = play.add(due, days * 480);
                        let reason = rng.pick(&EXTEND_REASONS).copied().unwrap_or_default();
                        play.act(
                            at,
                            &leader,
                            Command::Extend {
                                new_due_at: new_due,
                                reason: reason.into(),
                            },
                        )?;
                        t0 = play.last;
                    }
                }
                let due = play.state.due_at.unwrap_or(t0);
                let finish = if late {
                    let over = 15 + (2400.0 * rng.f64().powf(2.5)) as i64;
                    play.add(due, over)
                } else {
                    let left = play.between(t0, due).max(2);
                    let share = 0.1 + 0.88 * rng.f64().powf(0.7);
                    play.add(t0, ((left as f64 * share) as i64).clamp(1, left - 1))
                };
                let span = play.between(t0, finish).max(3);
                let forward = play.add(t0, span * 3 / 4);
                let approve = play.add(t0, span * 9 / 10);
                play.act(forward, &specialist, appraisal())?;
                play.act(
                    approve,
                    &leader,
                    Command::Approve {
                        opinion: String::new(),
                    },
                )?;
                play.act(finish, &clerk, Command::IssueResult)?;
                let issued = play.last;
                let (delivery, back) = match channel {
                    Channel::Online => (
                        Delivery::Online,
                        issued + TimeDelta::seconds(rng.between(60, 1800)),
                    ),
                    Channel::Counter => {
                        let m = (1440.0 * rng.f64().powi(2)) as i64;
                        (Delivery::Counter, play.add(issued, m))
                    }
                    Channel::Post => (Delivery::Post, play.add(issued, rng.between(60, 480))),
                };
                let postal = format!("EB{:09}VN", rng.below(1_000_000_000));
                play.act(
                    back,
                    &officer,
                    Command::ReturnResult {
                        delivery,
                        recipient_name: if delivery == Delivery::Counter {
                            applicant.name.clone()
                        } else {
                            String::new()
                        },
                        recipient_id: if delivery == Delivery::Counter {
                            applicant.id.clone()
                        } else {
                            String::new()
                        },
                        postal_code: if delivery == Delivery::Post {
                            postal
                        } else {
                            String::new()
                        },
                    },
                )?;
            }
        }

        // What the applicant handed in: 1–3 components, scanned at the counter or not at all.
        let state = play.state.clone();
        // Still open: a supplementation may be (or is) asked for, and an upload then replaces
        // an obtained file of the same component by deleting its bytes — the shared sample's.
        let replaceable = !state.status.is_final() && state.status != Status::ResultReady;
        let dossier_id = ids.uuid7(created);
        let with_files = online || rng.chance(DIGITIZED_SHARE);
        let mut sources: Vec<String> = Vec::new();
        if with_files {
            let comps = pick_components(rng, p);
            for c in comps {
                let source = if replaceable {
                    "upload".to_owned()
                } else {
                    source_for(rng, c, online)
                };
                let at = created
                    + TimeDelta::seconds(
                        rng.between(0, (submitted - created).num_seconds().max(1) - 1),
                    );
                chunk.attachments.push(attachment::Model {
                    id: ids.uuid7(at),
                    dossier_id: dossier_id.clone(),
                    component_key: c.key.clone(),
                    file_name: format!("{}.pdf", c.key),
                    mime: "application/pdf".into(),
                    size_bytes: sample.size,
                    sha256: sample.sha256.clone(),
                    storage_key: SAMPLE_KEY.into(),
                    uploaded_by: if online {
                        format!("citizen:{}", applicant.id)
                    } else {
                        officer.name.clone()
                    },
                    uploaded_at: at,
                    digitized: !online,
                    supplement: false,
                    source: source.clone(),
                });
                sources.push(source);
            }
            if let Some(answered) = play.times.get("supplement") {
                chunk.attachments.push(attachment::Model {
                    id: ids.uuid7(*answered),
                    dossier_id: dossier_id.clone(),
                    component_key: supplement_component.clone(),
                    file_name: format!("{supplement_component}-bo-sung.pdf"),
                    mime: "application/pdf".into(),
                    size_bytes: sample.size,
                    sha256: sample.sha256.clone(),
                    storage_key: SAMPLE_KEY.into(),
                    uploaded_by: if online {
                        format!("citizen:{}", applicant.id)
                    } else {
                        officer.name.clone()
                    },
                    uploaded_at: *answered - TimeDelta::seconds(30),
                    digitized: !online,
                    supplement: true,
                    source: "upload".into(),
                });
            }
        }

        // The result, registered (not signed: every result names the one sample file).
        if let (Some(issued), true) = (
            play.times.get("issue_result"),
            matches!(state.status, Status::ResultReady | Status::ResultReturned),
        ) {
            let id = ids.uuid7(*issued);
            let local = issued.with_timezone(&cal.offset());
            chunk.attachments.push(attachment::Model {
                id: id.clone(),
                dossier_id: dossier_id.clone(),
                component_key: motcua_app::dossiers::RESULT_COMPONENT.into(),
                file_name: "ket-qua.pdf".into(),
                mime: "application/pdf".into(),
                size_bytes: sample.size,
                sha256: sample.sha256.clone(),
                storage_key: SAMPLE_KEY.into(),
                uploaded_by: clerk.name.clone(),
                uploaded_at: *issued,
                digitized: false,
                supplement: false,
                source: "issued".into(),
            });
            chunk.documents.push(document::Model {
                id,
                dossier_id: dossier_id.clone(),
                kind: "result".into(),
                title: proc.title.clone(),
                number: String::new(),
                agency_code: competent.clone(),
                issued_at: *issued,
                sha256: sample.sha256.clone(),
                signer: String::new(),
                cert_sha256: String::new(),
                status: "valid".into(),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
            });
            chunk
                .document_keys
                .push((competent.clone(), local.format("%Y").to_string()));
        }

        // Fees: one line of the catalogue (lines are alternatives), paid online or in cash.
        let local_day = submitted.with_timezone(&cal.offset()).date_naive();
        let lines: Vec<(usize, i64)> = p
            .fees
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.amount_for(channel, local_day).map(|a| (i, a)))
            .filter(|(_, a)| *a > 0)
            .collect();
        if let Some((index, unit)) = rng.pick(&lines).copied()
            && let Some(line) = p.fees.get(index)
            && state.submitted_at.is_some()
        {
            let quantity = if p.code.as_str() == "2.000815" {
                rng.between(1, 6) as u32
            } else {
                1
            };
            let quoted = QuotedLine {
                index,
                name: line.name.clone(),
                name_en: line.name_en.clone(),
                unit_vnd: unit,
                quantity,
                amount_vnd: unit * i64::from(quantity),
                collected_at: line.collected_at,
                exempt: false,
            };
            let amount = quoted.amount_vnd;
            let lines_json = serde_json::to_string(&[quoted])?;
            let paid = if online {
                if rng.chance(PAID_ONLINE_SHARE) {
                    let paid_at = submitted - TimeDelta::seconds(rng.between(20, 120));
                    let opened = paid_at - TimeDelta::seconds(rng.between(30, 600));
                    Some((
                        "vnpay",
                        opened,
                        paid_at,
                        format!("citizen:{}", applicant.id),
                        Some(format!("{:08}", ids.below(100_000_000))),
                        rng.pick(&BANKS).map(|b| (*b).to_owned()),
                    ))
                } else {
                    // Cash at the one-stop when the result is collected.
                    play.times.get("return_result").map(|at| {
                        (
                            "cash",
                            *at,
                            *at,
                            officer.name.clone(),
                            None::<String>,
                            None::<String>,
                        )
                    })
                }
            } else {
                let method = if rng.chance(CARD_SHARE) {
                    "card"
                } else {
                    "cash"
                };
                let at = submitted + TimeDelta::seconds(30);
                (at <= now).then(|| (method, at, at, officer.name.clone(), None, None))
            };
            if let Some((method, opened, paid_at, by, txn_no, bank)) = paid {
                chunk.payments.push(payment::Model {
                    id: ids.uuid7(opened),
                    dossier_id: dossier_id.clone(),
                    txn_ref: format!(
                        "MC{}{}",
                        opened.with_timezone(&cal.offset()).format("%y%m%d"),
                        ids.reference(12)
                    ),
                    purpose: "submission".into(),
                    method: method.into(),
                    status: "succeeded".into(),
                    amount_vnd: amount,
                    lines: lines_json,
                    created_by: by,
                    created_at: opened,
                    updated_at: paid_at,
                    expires_at: (method == "vnpay").then(|| opened + TimeDelta::minutes(15)),
                    settled_at: Some(paid_at),
                    gateway_txn_no: txn_no,
                    bank_code: bank,
                    paid_at: Some(paid_at),
                    refunded_at: None,
                    refunded_vnd: None,
                    redirect_url: None,
                    row_version: if method == "vnpay" { 3 } else { 1 },
                });
                if !online {
                    let note = format!(
                        "{}: {} đ",
                        if method == "card" {
                            "Thẻ"
                        } else {
                            "Tiền mặt"
                        },
                        motcua_domain::notice::vnd(amount)
                    );
                    play.record(paid_at, &officer, "fee_collected", Some(note));
                }
            }
        }

        // The applicant's rating of a returned dossier.
        if state.status == Status::ResultReturned
            && rng.chance(RATED_SHARE)
            && let Some(back) = play.times.get("return_result")
        {
            let at = *back + TimeDelta::seconds(rng.between(120, 2 * 86_400));
            let r = rng.weighted(&RATINGS).unwrap_or(Rating::Satisfied);
            if at <= now {
                let reason = (r == Rating::Dissatisfied).then(|| {
                    rng.pick(&DISSATISFIED_REASONS)
                        .map(|s| (*s).to_owned())
                        .unwrap_or_default()
                });
                chunk.ratings.push(rating::Model {
                    dossier_id: dossier_id.clone(),
                    rating: r.as_str().into(),
                    reason,
                    rated_at: at,
                });
            }
        }

        // Feedback about the dossier, handled through the feedback rules.
        if let Some(received) = state.received_at
            && rng.chance(FEEDBACK_SHARE)
        {
            let at = cal.add_working_minutes(received, rng.between(480, 480 * 20));
            if at <= now {
                let item = feedback_item(
                    (cal, now),
                    (&mut *rng, &mut *ids),
                    at,
                    &competent,
                    p,
                    &applicant,
                    &officer,
                )?;
                chunk.feedback_keys.push((
                    at.with_timezone(&cal.offset()).format("%y%m%d").to_string(),
                    chunk.dossiers.len(),
                ));
                chunk.feedback.push(item);
            }
        }

        // Progress entries, in time order.
        let mut steps = play.steps;
        steps.sort_by_key(|s| s.at);
        let updated = steps.last().map_or(created, |s| s.at);
        let row_version = i32::try_from(steps.len()).unwrap_or(i32::MAX).max(1);
        for s in &steps {
            chunk.progress.push(progress_entry::Model {
                id: 0,
                dossier_id: dossier_id.clone(),
                at: s.at,
                actor: s.who.name.clone(),
                actor_role: s.who.role.to_owned(),
                agency_code: s.who.agency.clone(),
                receiving_point: point.as_ref().map(|pt| pt.code.clone()),
                action: s.action.to_owned(),
                from_status: i32::from(s.from.code()),
                to_status: i32::from(s.to.code()),
                note: s.note.clone(),
            });
        }

        let reused = sources
            .iter()
            .any(|s| s == "warehouse" || s.starts_with("connector:"));
        let applicant_json = if online {
            serde_json::json!({
                "citizen_id": applicant.id,
                "full_name": applicant.name,
                "phone": applicant.phone,
                "address": { "commune": home_code, "street": applicant.street },
            })
        } else {
            serde_json::json!({
                "citizen_id": applicant.id,
                "full_name": applicant.name,
                "phone": applicant.phone,
                "email": null,
                "address": { "commune": home_code, "street": applicant.street },
            })
        };
        let s = &state;
        let position = s.queue_position();
        chunk
            .dossier_keys
            .push((receiving.clone(), local_day.format("%y%m%d").to_string()));
        chunk.dossiers.push(dossier::Model {
            id: dossier_id,
            code: String::new(),
            draft_ref: None,
            procedure_code: p.code.as_str().to_owned(),
            procedure_version: i32::try_from(p.version).unwrap_or(1),
            channel: channel.as_str().to_owned(),
            status: i32::from(s.status.code()),
            applicant_id: applicant.id.clone(),
            applicant: applicant_json.to_string(),
            created_by: submitter_key(online, &applicant.id, &officer),
            receiving_point: point.as_ref().map(|pt| pt.code.clone()),
            receiving_agency: receiving,
            competent_agency: competent,
            assignee: s.assignee().map(str::to_owned),
            due_at: s.due_at,
            receipt_due_at: s.receipt_due_at,
            submitted_at: s.submitted_at,
            received_at: s.received_at,
            finished_at: s.finished_at,
            form: "{}".into(),
            lifecycle: serde_json::to_string(s)?,
            created_at: created,
            updated_at: updated,
            row_version,
            reused_data: reused,
            from_warehouse: sources.iter().any(|s| s == "warehouse"),
            population_data: sources.iter().any(|s| s == "connector:population"),
            vneid_applicant: online,
            assisted_by: None,
            on_behalf_of: None,
            work_stage: position.stage.map(|w| w.as_str().to_owned()),
            queue_due_at: position.due_at,
            watch_due_at: position.watch_due_at,
            with_competent: position.with_competent,
            applicant_name: motcua_store::queue_columns::applicant_name(&applicant_json),
            group_id: None,
            is_group: false,
        });

        let stats = &mut chunk.stats;
        *stats.by_status.entry(s.status.code()).or_default() += 1;
        if proc.online {
            stats.online_capable += 1;
            stats.online += u64::from(online);
        }
        if let (Some(f), Some(d)) = (s.finished_at, s.due_at) {
            stats.finished += 1;
            stats.finished_on_time += u64::from(f <= d);
        }
        stats.supplemented += u64::from(s.supplement_requests > 0);
        stats.extended += u64::from(s.extended);
        Ok(())
    }
}

/// Feedback being played through the feedback rules.
struct FeedbackPlay<'c> {
    cal: &'c WorkingCalendar,
    now: DateTime<Utc>,
    state: fb::FeedbackState,
    last: DateTime<Utc>,
    steps: i32,
}

impl FeedbackPlay<'_> {
    /// Takes a step at `t` (after the previous one), unless that is after now.
    fn step(&mut self, t: DateTime<Utc>, who: &fb::Actor, c: fb::Command) -> anyhow::Result<bool> {
        let t = t.max(self.last + TimeDelta::seconds(1));
        if t > self.now {
            return Ok(false);
        }
        self.state = fb::decide(&self.state, who, &c, t, self.cal)
            .map_err(|e| anyhow::anyhow!("generated feedback step {} refused: {e}", c.name()))?;
        self.last = t;
        self.steps += 1;
        Ok(true)
    }
}

/// One feedback item about a dossier, received at `at`, played through the feedback rules.
fn feedback_item(
    (cal, now): (&WorkingCalendar, DateTime<Utc>),
    (rng, ids): (&mut Rng, &mut Rng),
    at: DateTime<Utc>,
    agency: &str,
    p: &Procedure,
    applicant: &Applicant,
    officer: &Who,
) -> anyhow::Result<feedback::Model> {
    let handler = fb::Actor {
        agency_roles: vec![Role::Officer, Role::Leader],
        is_submitter: false,
    };
    let sender = fb::Actor {
        agency_roles: Vec::new(),
        is_submitter: true,
    };
    let mut play = FeedbackPlay {
        cal,
        now,
        state: fb::FeedbackState::received(at, cal),
        last: at,
        steps: 0,
    };
    let (mut refusal, mut request, mut details, mut answer, mut answered_by, mut rated) =
        (None, None, None, None, None, None);
    let kind = if rng.chance(COMPLAINT_SHARE) {
        fb::Kind::Complaint
    } else {
        fb::Kind::Recommendation
    };
    if rng.chance(FEEDBACK_REFUSED) {
        let t = cal.add_working_minutes(at, rng.between(30, 960));
        let reason = "Nội dung không thuộc phạm vi xử lý phản ánh, kiến nghị.";
        let c = fb::Command::Refuse {
            reason: reason.into(),
        };
        if play.step(t, &handler, c)? {
            refusal = Some(reason.to_owned());
        }
    } else {
        let mut open = true;
        if rng.chance(FEEDBACK_DETAILS) {
            let t = cal.add_working_minutes(at, rng.between(60, 2400));
            let text = "Đề nghị cung cấp thêm mã hồ sơ và thời gian nộp.";
            let c = fb::Command::RequestDetails {
                request: text.into(),
            };
            open = play.step(t, &handler, c)?;
            if open {
                request = Some(text.to_owned());
                let t = cal.add_working_minutes(play.last, rng.between(120, 2400));
                let given = "Đã bổ sung thông tin theo đề nghị.";
                let c = fb::Command::GiveDetails {
                    details: given.into(),
                };
                open = play.step(t, &sender, c)?;
                if open {
                    details = Some(given.to_owned());
                }
            }
        }
        if open {
            let base = play.state.details_given_at.unwrap_or(at);
            let t = if rng.chance(FEEDBACK_ON_TIME) {
                let left = cal.working_minutes_between(base, play.state.due_at).max(2);
                cal.add_working_minutes(base, rng.between(30.min(left - 1), left - 1))
            } else {
                cal.add_working_minutes(play.state.due_at, rng.between(60, 2400))
            };
            let text = "Cơ quan đã kiểm tra, xử lý và thông báo kết quả tới ông/bà.";
            let c = fb::Command::Answer {
                answer: text.into(),
            };
            if play.step(t, &handler, c)? {
                answer = Some(text.to_owned());
                answered_by = Some(officer.name.clone());
                if rng.chance(FEEDBACK_PUBLISHED) {
                    let t = cal.add_working_minutes(play.last, rng.between(30, 900));
                    play.step(t, &handler, fb::Command::Publish)?;
                }
                if rng.chance(FEEDBACK_RATED) {
                    let r = rng.weighted(&FEEDBACK_RATINGS).unwrap_or(Rating::Satisfied);
                    let t = play.last + TimeDelta::seconds(rng.between(600, 3 * 86_400));
                    let c = fb::Command::Rate {
                        rating: r,
                        reason: String::new(),
                    };
                    if play.step(t, &sender, c)? {
                        rated = Some(play.last);
                    }
                }
            }
        }
    }
    let content = rng
        .pick(&FEEDBACK_TEXTS)
        .copied()
        .unwrap_or_default()
        .to_owned();
    let state = play.state;
    Ok(feedback::Model {
        id: ids.uuid7(at),
        code: String::new(),
        kind: kind.as_str().into(),
        subject_type: fb::Subject::Dossier.as_str().into(),
        agency_code: agency.to_owned(),
        procedure_code: Some(p.code.as_str().to_owned()),
        dossier_code: None,
        officer: None,
        content,
        contact_name: Some(applicant.name.clone()),
        contact_email: None,
        contact_phone: Some(applicant.phone.clone()),
        lang: "vi".into(),
        citizen_id: Some(applicant.id.clone()),
        access_key: None,
        status: state.status.as_str().into(),
        received_at: state.received_at,
        due_at: state.due_at,
        details_requested_at: state.details_requested_at,
        details_request: request,
        details_given_at: state.details_given_at,
        details,
        paused_minutes: state.paused_minutes,
        refused_at: state.refused_at,
        refusal_reason: refusal,
        answered_at: state.answered_at,
        answer,
        answered_by,
        published: state.published_at.is_some(),
        published_at: state.published_at,
        rating: state.rating.map(|r| r.as_str().to_owned()),
        rating_reason: None,
        rated_at: rated,
        created_at: at,
        updated_at: play.last,
        row_version: 1 + play.steps,
    })
}

/// A valid citizen ID and the person the simulator makes of it.
fn applicant(rng: &mut Rng) -> Applicant {
    // Born in Hải Phòng (031) or the former Hải Dương (030) mostly.
    let province = match rng.below(10) {
        0..=6 => 31,
        7 | 8 => 30,
        _ => rng.between(1, 96),
    };
    let year = 1945 + (60.0 * rng.f64().powf(0.8)) as i64;
    let female = rng.chance(0.5);
    let century = match (year >= 2000, female) {
        (false, false) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    let serial = rng.below(1_000_000);
    let id = format!("{province:03}{century}{:02}{serial:06}", year % 100);
    let person = motcua_sim::citizens::generated(&id);
    Applicant {
        name: person.full_name,
        phone: person.phone,
        street: person.street,
        id,
    }
}

fn submitter_key(online: bool, citizen_id: &str, officer: &Who) -> String {
    if online {
        format!("citizen:{citizen_id}")
    } else {
        officer.name.clone()
    }
}

/// The last `n` characters.
fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    s.chars().skip(count.saturating_sub(n)).collect()
}

/// 1–3 components: the required ones first, in catalogue order.
fn pick_components<'p>(rng: &mut Rng, p: &'p Procedure) -> Vec<&'p Component> {
    use motcua_domain::catalogue::RequirementKind;
    let k =
        1 + usize::from(rng.chance(SECOND_COMPONENT)) + usize::from(rng.chance(THIRD_COMPONENT));
    p.components
        .iter()
        .filter(|c| c.required == RequirementKind::Required)
        .chain(
            p.components
                .iter()
                .filter(|c| c.required != RequirementKind::Required),
        )
        .take(k)
        .collect()
}

/// Where a component's file came from: uploaded, the citizen's warehouse, or a national database.
fn source_for(rng: &mut Rng, c: &Component, online: bool) -> String {
    let warehouse = c.reusable_from.iter().any(|s| s == "warehouse");
    let connector = c.reusable_from.iter().find_map(|s| {
        let key = s.split(':').next().unwrap_or_default();
        Database::ALL
            .into_iter()
            .find(|d| d.catalogue_key() == key)
            .map(Database::name)
    });
    if online {
        if warehouse && rng.chance(FROM_WAREHOUSE) {
            return "warehouse".into();
        }
        if let Some(name) = connector
            && rng.chance(FROM_CONNECTOR_ONLINE)
        {
            return format!("connector:{name}");
        }
    } else if let Some(name) = connector
        && rng.chance(FROM_CONNECTOR_COUNTER)
    {
        return format!("connector:{name}");
    }
    "upload".into()
}

// ---------------------------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------------------------

/// How many numbers each counter row must give the chunk: dossier codes per receiving agency and
/// day, result numbers per agency and year (`VB:`), feedback codes per day (`PAKN`).
fn wanted(chunk: &Chunk) -> BTreeMap<(String, String), u32> {
    let mut wanted: BTreeMap<(String, String), u32> = BTreeMap::new();
    for k in &chunk.dossier_keys {
        *wanted.entry(k.clone()).or_default() += 1;
    }
    for (agency, year) in &chunk.document_keys {
        *wanted
            .entry((format!("VB:{agency}"), year.clone()))
            .or_default() += 1;
    }
    for (day, _) in &chunk.feedback_keys {
        *wanted.entry(("PAKN".to_owned(), day.clone())).or_default() += 1;
    }
    wanted
}

/// Fills in codes and numbers from the first number of each reserved block.
fn fill_codes(chunk: &mut Chunk, mut next: HashMap<(String, String), u32>) -> anyhow::Result<()> {
    let mut take = |key: (String, String)| -> anyhow::Result<u32> {
        let n = next.get_mut(&key).context("unreserved counter")?;
        let v = *n;
        *n += 1;
        Ok(v)
    };
    for (d, (agency, day)) in chunk.dossiers.iter_mut().zip(&chunk.dossier_keys) {
        let seq = take((agency.clone(), day.clone()))?;
        d.code = format!("{agency}-{day}-{seq:04}");
    }
    for (d, (agency, year)) in chunk.documents.iter_mut().zip(&chunk.document_keys) {
        let seq = take((format!("VB:{agency}"), year.clone()))?;
        d.number = format!("{seq:04}/{year}/KQ-{agency}");
    }
    for (f, (day, i)) in chunk.feedback.iter_mut().zip(&chunk.feedback_keys) {
        let seq = take(("PAKN".to_owned(), day.clone()))?;
        f.code = format!("PAKN-{day}-{seq:04}");
        f.dossier_code = chunk.dossiers.get(*i).map(|d| d.code.clone());
    }
    Ok(())
}

/// The first number of each block, from the counter rows as the upsert left them.
fn firsts(
    wanted: &BTreeMap<(String, String), u32>,
    rows: impl IntoIterator<Item = (String, String, i32)>,
) -> anyhow::Result<HashMap<(String, String), u32>> {
    let mut first = HashMap::with_capacity(wanted.len());
    for (key, day, last) in rows {
        let k = (key, day);
        let n = wanted
            .get(&k)
            .copied()
            .context("a counter row nobody asked for")?;
        let last = u32::try_from(last).context("negative counter")?;
        first.insert(k, last + 1 - n);
    }
    anyhow::ensure!(
        first.len() == wanted.len(),
        "the counters returned {} of {} rows",
        first.len(),
        wanted.len()
    );
    Ok(first)
}

/// The same on PostgreSQL, from three arrays.
const RESERVE_PG: &str = "INSERT INTO dossier_counters (agency_code, day, last_seq) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::int4[]) \
     ON CONFLICT (agency_code, day) DO UPDATE \
     SET last_seq = dossier_counters.last_seq + excluded.last_seq RETURNING agency_code, day, last_seq";

/// What makes an insert into the counters reserve a block.
const RESERVE: &str = "ON CONFLICT (agency_code, day) DO UPDATE \
     SET last_seq = dossier_counters.last_seq + excluded.last_seq RETURNING agency_code, day, last_seq";

/// Writes one chunk in one transaction: reserves the counters' numbers (so a rolled-back chunk
/// gives them back), fills in the codes, then inserts every table's rows — with COPY on
/// PostgreSQL, multi-row INSERTs elsewhere.
async fn write_chunk(db: &DatabaseConnection, mut chunk: Chunk) -> anyhow::Result<()> {
    let wanted = wanted(&chunk);
    if db.get_database_backend() == DbBackend::Postgres {
        return write_chunk_pg(db.get_postgres_connection_pool(), chunk, &wanted).await;
    }
    let txn = db.begin().await?;
    let b = txn.get_database_backend();
    let entries: Vec<(&(String, String), &u32)> = wanted.iter().collect();
    let mut rows = Vec::with_capacity(wanted.len());
    for part in entries.chunks(ROWS_PER_STATEMENT) {
        let mut sql =
            String::from("INSERT INTO dossier_counters (agency_code, day, last_seq) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(part.len() * 3);
        for (i, ((key, day), n)) in part.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?)");
            values.push(Value::from(key.clone()));
            values.push(Value::from(day.clone()));
            values.push(Value::from(i32::try_from(**n).unwrap_or(i32::MAX)));
        }
        sql.push(' ');
        sql.push_str(RESERVE);
        for row in txn
            .query_all_raw(Statement::from_sql_and_values(b, sql, values))
            .await?
        {
            rows.push((
                row.try_get::<String>("", "agency_code")?,
                row.try_get::<String>("", "day")?,
                row.try_get::<i32>("", "last_seq")?,
            ));
        }
    }
    fill_codes(&mut chunk, firsts(&wanted, rows)?)?;
    insert_all::<dossier::ActiveModel, _>(&txn, chunk.dossiers).await?;
    insert_all::<attachment::ActiveModel, _>(&txn, chunk.attachments).await?;
    insert_all::<document::ActiveModel, _>(&txn, chunk.documents).await?;
    insert_all::<payment::ActiveModel, _>(&txn, chunk.payments).await?;
    insert_all::<rating::ActiveModel, _>(&txn, chunk.ratings).await?;
    insert_all::<feedback::ActiveModel, _>(&txn, chunk.feedback).await?;
    let progress: Vec<progress_entry::ActiveModel> = chunk
        .progress
        .into_iter()
        .map(|m| {
            let mut am = m.into_active_model();
            am.id = NotSet;
            am
        })
        .collect();
    insert_all::<progress_entry::ActiveModel, _>(&txn, progress).await?;
    txn.commit().await?;
    Ok(())
}

/// Inserts rows in statements of at most [`PARAMS_PER_STATEMENT`] parameters.
async fn insert_all<A, M>(conn: &impl ConnectionTrait, rows: Vec<M>) -> anyhow::Result<()>
where
    A: ActiveModelTrait,
    M: IntoActiveModel<A>,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count();
    let per = (PARAMS_PER_STATEMENT / columns.max(1)).clamp(1, ROWS_PER_STATEMENT);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows
            .by_ref()
            .take(per)
            .map(IntoActiveModel::into_active_model)
            .collect();
        InsertMany::many(part).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// PostgreSQL: the counters with one upsert of arrays, the rows with COPY (several times faster
/// than INSERTs with bound parameters), all in one transaction.
async fn write_chunk_pg(
    pool: &sqlx::PgPool,
    mut chunk: Chunk,
    wanted: &BTreeMap<(String, String), u32>,
) -> anyhow::Result<()> {
    use sqlx::Row as _;
    let mut tx = pool.begin().await?;
    // The roll-up triggers stand aside for this transaction; its dossiers are marked once below.
    sqlx::query("SET LOCAL motcua.bulk = 'on'")
        .execute(&mut *tx)
        .await?;
    let (mut keys, mut days, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for ((k, d), n) in wanted {
        keys.push(k.clone());
        days.push(d.clone());
        counts.push(i32::try_from(*n).unwrap_or(i32::MAX));
    }
    let rows = sqlx::query(RESERVE_PG)
        .bind(keys)
        .bind(days)
        .bind(counts)
        .fetch_all(&mut *tx)
        .await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("agency_code")?,
                r.try_get::<String, _>("day")?,
                r.try_get::<i32, _>("last_seq")?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    fill_codes(&mut chunk, firsts(wanted, rows)?)?;
    copy_in(&mut tx, &chunk.dossiers, &[]).await?;
    copy_in(&mut tx, &chunk.attachments, &[]).await?;
    copy_in(&mut tx, &chunk.documents, &[]).await?;
    copy_in(&mut tx, &chunk.payments, &[]).await?;
    copy_in(&mut tx, &chunk.ratings, &[]).await?;
    copy_in(&mut tx, &chunk.feedback, &[]).await?;
    copy_in(&mut tx, &chunk.progress, &["id"]).await?;
    let submitted: Vec<String> = chunk
        .dossiers
        .iter()
        .filter(|d| d.status != 0)
        .map(|d| d.id.clone())
        .collect();
    sqlx::query(
        "INSERT INTO indicator_dirty (dossier_id, gen) SELECT unnest($1::text[]), 1 \
         ON CONFLICT (dossier_id) DO UPDATE SET gen = indicator_dirty.gen + 1",
    )
    .bind(submitted)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `COPY table (columns) FROM STDIN` of the models, in the text format, every column of the
/// entity but `skip`.
async fn copy_in<M>(
    conn: &mut sqlx::PgConnection,
    models: &[M],
    skip: &[&str],
) -> anyhow::Result<()>
where
    M: ModelTrait,
{
    if models.is_empty() {
        return Ok(());
    }
    let columns: Vec<<M::Entity as EntityTrait>::Column> =
        <<M::Entity as EntityTrait>::Column as Iterable>::iter()
            .filter(|c| !skip.contains(&c.as_str()))
            .collect();
    let names: Vec<String> = columns
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect();
    let table = M::Entity::default().table_name().to_owned();
    let mut data = String::with_capacity(models.len() * 256);
    for m in models {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                data.push('\t');
            }
            copy_value(&mut data, m.get(*c))?;
        }
        data.push('\n');
    }
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY \"{table}\" ({}) FROM STDIN",
            names.join(", ")
        ))
        .await?;
    copy.send(data.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// One value in COPY's text format: `\N` for null, backslash escapes in text.
fn copy_value(out: &mut String, v: Value) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    match v {
        Value::Bool(Some(b)) => out.push(if b { 't' } else { 'f' }),
        Value::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::BigInt(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::String(Some(s)) => {
            for ch in s.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
        }
        Value::ChronoDateTimeUtc(Some(t)) => {
            out.push_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        }
        Value::Bool(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::String(None)
        | Value::ChronoDateTimeUtc(None) => out.push_str("\\N"),
        other => anyhow::bail!("no COPY encoding for {other:?}"),
    }
    Ok(())
}

/// The appraisal a generated specialist puts to the leader: the usual words of a complete dossier.
fn appraisal() -> Command {
    Command::Forward {
        opinion: "Hồ sơ đầy đủ, hợp lệ, đủ điều kiện giải quyết theo quy định.".into(),
        proposal: "Đề nghị lãnh đạo phê duyệt kết quả.".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut r = Rng::new(1);
        let mean: f64 = (0..10_000).map(|_| r.f64()).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        for _ in 0..1000 {
            let v = r.between(3, 5);
            assert!((3..=5).contains(&v));
        }
    }

    #[test]
    fn ids_look_like_version_7_uuids() {
        let mut r = Rng::new(1);
        let t: DateTime<Utc> = "2026-11-17T02:00:00Z".parse().unwrap();
        let id = r.uuid7(t);
        assert_eq!(id.len(), 36);
        assert_eq!(id.chars().nth(14), Some('7'));
        assert!(matches!(id.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        let later = r.uuid7(t + TimeDelta::seconds(1));
        assert!(later > id);
    }

    #[test]
    fn sampler_follows_weights() {
        let s = Sampler::new([1.0, 0.0, 3.0]);
        let mut r = Rng::new(3);
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            counts[s.sample(&mut r)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > 2 * counts[0], "{counts:?}");
    }

    #[test]
    fn the_window_gets_exactly_the_dossiers_asked_for() {
        let cal = WorkingCalendar::vietnam().unwrap();
        let now: DateTime<Utc> = "2026-11-17T02:00:00Z".parse().unwrap();
        let opts = Options {
            dossiers: 12_345,
            months: 24,
            ..Options::default()
        };
        let plan = Plan::new(&cal, now, &opts).unwrap();
        assert_eq!(plan.days.iter().map(|d| d.count).sum::<u64>(), 12_345);
        let weekend: u64 = plan
            .days
            .iter()
            .filter(|d| {
                let date = d.start.with_timezone(&cal.offset()).date_naive();
                matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            })
            .map(|d| d.count)
            .sum();
        assert!(weekend < 12_345 / 20, "{weekend}");
    }
}
