//! Storage guarantees on a real database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`): the
//! migrations go up, down and up again; the audit chain detects edited, removed and reordered entries;
//! dossier counters are consecutive per agency and day.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use motcua_store::audit::{self, AuditRecord};
use motcua_store::counters::next_sequence;
use motcua_store::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};

/// Every table of the schema.
const TABLES: [&str; 20] = [
    "admin_units",
    "agencies",
    "receiving_points",
    "staff",
    "staff_roles",
    "procedures",
    "citizens",
    "dossiers",
    "progress_entries",
    "attachments",
    "dossier_counters",
    "idempotency_keys",
    "api_tokens",
    "sessions",
    "oidc_logins",
    "audit_log",
    "audit_head",
    "ratings",
    "staff_totp",
    "documents",
];

/// A connection to a database nobody else uses; the temp dir lives as long as it.
struct Fresh {
    db: DatabaseConnection,
    _dir: tempfile::TempDir,
}

/// A fresh, empty database: a temp SQLite file, or a new database on `TEST_DATABASE_URL` (the same
/// scheme as the testkit's, which this crate cannot depend on).
async fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let name = format!("motcua_s_{}", uuid::Uuid::new_v4().simple());
            let admin = motcua_store::sea_orm::Database::connect(url.as_str())
                .await
                .expect("connect TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            admin.close().await.ok();
            let mut u = url::Url::parse(&url).unwrap();
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        _ => motcua_store::sqlite_url_in(dir.path()),
    };
    let db = motcua_store::connect(&url).await.unwrap();
    Fresh { db, _dir: dir }
}

async fn migrated() -> Fresh {
    let f = fresh().await;
    motcua_store::migrate(&f.db).await.unwrap();
    f
}

async fn tables(db: &DatabaseConnection) -> BTreeSet<String> {
    let b = db.get_database_backend();
    let sql = match b {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    db.query_all_raw(Statement::from_string(b, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let f = fresh().await;
    let before = tables(&f.db).await;
    for t in TABLES {
        assert!(!before.contains(t), "{t} exists before migrating");
    }

    motcua_store::migrate(&f.db).await.unwrap();
    let up = tables(&f.db).await;
    for t in TABLES {
        assert!(up.contains(t), "{t} missing after up: {up:?}");
    }
    // Up again is a no-op, not an error.
    motcua_store::migrate(&f.db).await.unwrap();
    assert_eq!(tables(&f.db).await, up);
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(0));

    motcua_store::migrate_down_all(&f.db).await.unwrap();
    let down = tables(&f.db).await;
    for t in TABLES {
        assert!(!down.contains(t), "{t} still there after down: {down:?}");
    }

    motcua_store::migrate(&f.db).await.unwrap();
    let again = tables(&f.db).await;
    for t in TABLES {
        assert!(
            again.contains(t),
            "{t} missing after the second up: {again:?}"
        );
    }
    // The schema works after the round trip: the audit head is back and the chain can grow.
    append(&f.db, 2).await;
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(2));
}

fn start() -> DateTime<Utc> {
    // Nanoseconds on purpose: the chain hashes the stored (microsecond) precision.
    "2026-11-17T02:00:00.123456789Z".parse().unwrap()
}

fn record(i: i64) -> AuditRecord {
    AuditRecord {
        at: start() + Duration::seconds(i),
        actor: format!("staff:officer{i}@H31.11341"),
        action: "dossier.receive".into(),
        subject: format!("dossier:{i:04}"),
        data: serde_json::json!({ "i": i, "note": "Đã tiếp nhận", "code": format!("H31.11341-261117-{i:04}") }),
    }
}

/// Appends `n` entries in one transaction.
async fn append(db: &DatabaseConnection, n: i64) {
    let txn = db.begin().await.unwrap();
    for i in 1..=n {
        let seq = audit::append(&txn, &record(i)).await.unwrap();
        assert!(seq >= 1);
    }
    txn.commit().await.unwrap();
}

/// A migrated database with an intact chain of 5 entries.
async fn chain_of_five() -> Fresh {
    let f = migrated().await;
    append(&f.db, 5).await;
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(5));
    f
}

async fn broken_at(db: &DatabaseConnection) -> i64 {
    match audit::verify(db).await.unwrap() {
        Ok(n) => panic!("tampering went unnoticed ({n} entries verified)"),
        Err(b) => {
            assert!(!b.reason.is_empty());
            b.seq
        }
    }
}

#[tokio::test]
async fn an_intact_chain_verifies_and_a_rolled_back_append_leaves_no_trace() {
    let f = chain_of_five().await;
    let entries = audit::entries_for(&f.db, "dossier:0003").await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].seq, 3);
    assert_eq!(
        entries[0].at,
        "2026-11-17T02:00:03.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap()
    );

    let txn = f.db.begin().await.unwrap();
    assert_eq!(audit::append(&txn, &record(6)).await.unwrap(), 6);
    txn.rollback().await.unwrap();
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(5));
    let txn = f.db.begin().await.unwrap();
    // SQLite reuses the number; a PostgreSQL sequence skips it (numbers need only increase).
    assert!(audit::append(&txn, &record(6)).await.unwrap() >= 6);
    txn.commit().await.unwrap();
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(6));
}

#[tokio::test]
async fn an_edited_entry_is_reported() {
    let f = chain_of_five().await;
    exec(
        &f.db,
        r#"UPDATE audit_log SET data = '{"i":3,"note":"sửa"}' WHERE seq = 3"#,
    )
    .await;
    assert_eq!(broken_at(&f.db).await, 3);

    let f = chain_of_five().await;
    exec(
        &f.db,
        "UPDATE audit_log SET actor = 'staff:someone-else' WHERE seq = 5",
    )
    .await;
    assert_eq!(broken_at(&f.db).await, 5);

    let f = chain_of_five().await;
    exec(
        &f.db,
        "UPDATE audit_log SET action = 'dossier.refuse' WHERE seq = 1",
    )
    .await;
    assert_eq!(broken_at(&f.db).await, 1);
}

#[tokio::test]
async fn a_removed_entry_is_reported() {
    // Numbers may skip (other chains, rolled-back appends), so the hole shows at the entry after it,
    // whose link names a hash that is no longer there.
    let f = chain_of_five().await;
    exec(&f.db, "DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(broken_at(&f.db).await, 4);

    let f = chain_of_five().await;
    exec(&f.db, "DELETE FROM audit_log WHERE seq = 1").await;
    assert_eq!(broken_at(&f.db).await, 2);

    // Moved to another chain, an entry leaves a hole in its own and a bad link in the other.
    let f = chain_of_five().await;
    exec(&f.db, "UPDATE audit_log SET chain = 99 WHERE seq = 3").await;
    assert_eq!(broken_at(&f.db).await, 4);
}

#[tokio::test]
async fn removing_the_last_entries_is_reported_by_the_head() {
    let f = chain_of_five().await;
    exec(&f.db, "DELETE FROM audit_log WHERE seq = 5").await;
    assert_eq!(broken_at(&f.db).await, 5);

    let f = chain_of_five().await;
    exec(&f.db, "DELETE FROM audit_log WHERE seq >= 4").await;
    assert_eq!(broken_at(&f.db).await, 4);

    let f = chain_of_five().await;
    exec(&f.db, "DELETE FROM audit_log").await;
    assert_eq!(broken_at(&f.db).await, 1);
}

#[tokio::test]
async fn reordered_entries_are_reported() {
    // Swap the whole contents of entries 2 and 3, keeping the sequence numbers in place.
    let f = chain_of_five().await;
    exec(&f.db, "UPDATE audit_log SET seq = -2 WHERE seq = 2").await;
    exec(&f.db, "UPDATE audit_log SET seq = 2 WHERE seq = 3").await;
    exec(&f.db, "UPDATE audit_log SET seq = 3 WHERE seq = -2").await;
    assert_eq!(broken_at(&f.db).await, 2);

    // Swap only the payloads of entries 4 and 5.
    let f = chain_of_five().await;
    exec(
        &f.db,
        "UPDATE audit_log SET data = (SELECT data FROM audit_log WHERE seq = 5) WHERE seq = 4",
    )
    .await;
    exec(
        &f.db,
        r#"UPDATE audit_log SET data = '{"i":4}' WHERE seq = 5"#,
    )
    .await;
    assert_eq!(broken_at(&f.db).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_form_intact_chains() {
    let f = migrated().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 1..=12 {
        let db = f.db.clone();
        set.spawn(async move {
            let txn = db.begin().await.unwrap();
            let seq = audit::append(&txn, &record(i)).await.unwrap();
            txn.commit().await.unwrap();
            seq
        });
    }
    let mut seqs = Vec::new();
    while let Some(r) = set.join_next().await {
        seqs.push(r.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=12).collect::<Vec<i64>>());
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(12));
}

/// The backend's chain for the connection a transaction runs on (PostgreSQL).
async fn chain_of(txn: &motcua_store::sea_orm::DatabaseTransaction) -> i32 {
    let row = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_backend_pid() % {} + 1 AS chain", audit::CHAINS),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i32>("", "chain").unwrap()
}

/// Issue 18: writers no longer queue on one row. A transaction that has appended and is still
/// open does not hold up an append on another connection's chain (with one head it would wait
/// until the first commits: here, forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_append_does_not_block_another_chain() {
    let f = migrated().await;
    if f.db.get_database_backend() != DbBackend::Postgres {
        return; // SQLite has one writer, so one chain.
    }
    let first = f.db.begin().await.unwrap();
    let first_seq = audit::append(&first, &record(1)).await.unwrap();
    let first_chain = chain_of(&first).await;
    // Transactions held open keep their connections, so each begin takes a new one.
    let mut held = Vec::new();
    let second = loop {
        let txn = f.db.begin().await.unwrap();
        if chain_of(&txn).await != first_chain {
            break txn;
        }
        held.push(txn);
        assert!(held.len() < 10, "ten connections in one chain");
    };
    let second_seq = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        audit::append(&second, &record(2)),
    )
    .await
    .expect("an append on another chain waited for an open transaction")
    .unwrap();
    assert!(second_seq > first_seq);
    second.commit().await.unwrap();
    first.commit().await.unwrap();
    drop(held);
    assert_eq!(audit::verify(&f.db).await.unwrap(), Ok(2));
    let heads = audit::heads(&f.db).await.unwrap();
    assert_eq!(heads.len() as i64, audit::CHAINS);
    assert_eq!(heads.iter().filter(|h| h.seq > 0).count(), 2);
}

#[tokio::test]
async fn dossier_counters_count_per_agency_and_day() {
    let f = migrated().await;
    let db = &f.db;
    for expected in 1..=3 {
        assert_eq!(
            next_sequence(db, "H31.11341", "261117").await.unwrap(),
            expected
        );
    }
    assert_eq!(
        next_sequence(db, "H31.11383", "261117").await.unwrap(),
        1,
        "per agency"
    );
    assert_eq!(
        next_sequence(db, "H31.11341", "261118").await.unwrap(),
        1,
        "restarts each day"
    );
    assert_eq!(next_sequence(db, "H31.11341", "261118").await.unwrap(), 2);
    assert_eq!(
        next_sequence(db, "H31.11341", "261117").await.unwrap(),
        4,
        "the old day goes on"
    );

    // A rolled-back submission gives its number back: no gaps.
    let txn = db.begin().await.unwrap();
    assert_eq!(next_sequence(&txn, "H31.11341", "261117").await.unwrap(), 5);
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    assert_eq!(next_sequence(&txn, "H31.11341", "261117").await.unwrap(), 5);
    txn.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_counters_never_repeat_or_skip() {
    let f = migrated().await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let db = f.db.clone();
        set.spawn(async move {
            let txn = db.begin().await.unwrap();
            let n = next_sequence(&txn, "H31.11341", "261117").await.unwrap();
            txn.commit().await.unwrap();
            n
        });
    }
    let mut got = Vec::new();
    while let Some(r) = set.join_next().await {
        got.push(r.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=20).collect::<Vec<u32>>());
}

/// Upgrading a database whose trail is one chain (before M0024): its entries become chain 1, and
/// the next entry is numbered after them (on PostgreSQL the new sequence starts past them).
#[tokio::test]
async fn an_upgraded_trail_continues_after_its_entries() {
    use sea_orm_migration::MigratorTrait;
    let f = fresh().await;
    motcua_store::migration::Migrator::up(&f.db, Some(23))
        .await
        .unwrap();
    for seq in 1..=3 {
        exec(
            &f.db,
            &format!(
                "INSERT INTO audit_log (seq, at, actor, action, subject, data, prev_hash, hash) \
                 VALUES ({seq}, '2026-11-17 02:00:00+00', 'cli', 'old', 'old', '{{}}', 'p{seq}', 'h{seq}')"
            ),
        )
        .await;
    }
    exec(
        &f.db,
        "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 3, 'h3')",
    )
    .await;
    motcua_store::migrate(&f.db).await.unwrap();
    let txn = f.db.begin().await.unwrap();
    assert_eq!(audit::append(&txn, &record(4)).await.unwrap(), 4);
    txn.commit().await.unwrap();
    let row =
        f.db.query_one_raw(Statement::from_string(
            f.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_log WHERE chain = 1 AND action = 'old'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 3);
}

#[tokio::test]
async fn an_upgrade_puts_the_open_dossiers_it_finds_in_their_queues() {
    use motcua_domain::catalogue::Channel;
    use motcua_domain::lifecycle::{DossierState, Status};
    use motcua_store::entities::dossier;
    use motcua_store::sea_orm::EntityTrait;
    use sea_orm_migration::MigratorTrait;
    let f = fresh().await;
    motcua_store::migration::Migrator::up(&f.db, Some(24))
        .await
        .unwrap();
    let at = |h: i64| {
        DateTime::parse_from_rfc3339("2026-11-17T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::hours(h)
    };
    let mut submitted = DossierState::new_draft(Channel::Online, 2400, true);
    submitted.status = Status::Submitted;
    submitted.submitted_at = Some(at(0));
    submitted.receipt_due_at = Some(at(8));
    let mut returned = submitted.clone();
    returned.status = Status::ResultReturned;
    returned.finished_at = Some(at(30));
    let rows = [
        ("a", &submitted, "Nguyễn Văn  An"),
        ("b", &returned, "ĐỖ THỊ BÌNH"),
    ];
    for (id, state, name) in rows {
        let lifecycle = serde_json::to_string(state).unwrap();
        let applicant = serde_json::json!({ "full_name": name }).to_string();
        exec(
            &f.db,
            &format!(
                "INSERT INTO dossiers (id, code, procedure_code, procedure_version, channel, status, \
                 applicant_id, applicant, created_by, receiving_agency, competent_agency, form, \
                 lifecycle, created_at, updated_at, row_version) VALUES ('{id}', 'C-{id}', '1.001193', 1, \
                 'online', {}, '001090000001', '{applicant}', 'x', 'H31.1', 'H31.2', '{{}}', '{lifecycle}', \
                 '2026-11-17 02:00:00+00:00', '2026-11-17 02:00:00+00:00', 1)",
                state.status.code()
            ),
        )
        .await;
    }
    motcua_store::migrate(&f.db).await.unwrap();
    let a = dossier::Entity::find_by_id("a")
        .one(&f.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.work_stage.as_deref(), Some("receive"));
    assert_eq!(a.queue_due_at, Some(at(8)));
    assert_eq!(a.watch_due_at, Some(at(8)));
    assert!(!a.with_competent, "not handed over yet");
    assert_eq!(a.applicant_name.as_deref(), Some("nguyen van an"));
    let b = dossier::Entity::find_by_id("b")
        .one(&f.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (b.work_stage, b.queue_due_at, b.watch_due_at),
        (None, None, None)
    );
    assert_eq!(b.applicant_name.as_deref(), Some("do thi binh"));
}
