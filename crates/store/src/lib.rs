//! Persistence for motcua: one schema on SQLite (embedded default) and PostgreSQL (`DATABASE_URL`),
//! attachments in an object store, and the hash-chained audit log.
//!
//! Repositories are plain functions taking `&impl ConnectionTrait`, so a use case composes them
//! inside one transaction: the state change, its audit entry and its progress entry commit together.

pub mod audit;
pub mod counters;
pub mod entities;
pub mod filecheck;
pub mod files;
pub mod migration;
pub mod outbox;
pub mod queue_columns;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

pub use sea_orm;

/// Errors from the storage layer. Never turned into "not found" by callers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("file storage error: {0}")]
    Files(#[from] object_store::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database named by `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite gets WAL, foreign keys, a busy timeout and one pooled connection: writes are serialized by
/// the pool instead of failing with "database is locked" (lldap learned this the hard way).
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        opts.max_connections(1).map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    } else {
        opts.max_connections(16).min_connections(1);
        if loopback_without_sslmode(url) {
            // TLS to a server on this machine protects nothing and cost the roll-up refresher 8x
            // its time (docs/PERFORMANCE.md); an explicit `sslmode` in the URL always wins.
            opts.map_sqlx_postgres_opts(|o| o.ssl_mode(sqlx::postgres::PgSslMode::Disable));
        }
    }
    Ok(Database::connect(opts).await?)
}

/// Connections for reads that need not see an uncommitted write of their own: on SQLite a pool
/// of read-only connections beside [`connect`]'s one writer — in WAL mode they read the last
/// commit while the writer writes, so readers never queue behind it; on PostgreSQL the writer's
/// own pool, which already serves many at once.
pub async fn connect_reader(
    url: &str,
    writer: &DatabaseConnection,
) -> Result<DatabaseConnection, StoreError> {
    if !url.starts_with("sqlite:") {
        return Ok(writer.clone());
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .max_connections(READERS)
        .min_connections(1)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(false)
                .read_only(true)
                .busy_timeout(Duration::from_secs(5))
        });
    Ok(Database::connect(opts).await?)
}

/// SQLite readers: a few per core, so a read waiting on the disk does not hold the others.
const READERS: u32 = 4;

/// The SQLite URL for a database file in `dir`.
pub fn sqlite_url_in(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("motcua.db").display())
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    migration::Migrator::up(db, None).await?;
    audit::ensure_head(db).await?;
    Ok(())
}

/// Held while a process migrates the schema or loads the demo data, so nodes started together
/// take turns instead of racing to create the same tables and rows. On PostgreSQL it is a session
/// advisory lock on a connection of its own, closed (so unlocked) when this is dropped — also when
/// the process dies; SQLite is one process's file and needs none.
pub struct StartupLock(#[allow(dead_code)] Option<sqlx::pool::PoolConnection<sqlx::Postgres>>);

/// The advisory lock's key: any constant the application uses for nothing else ("motcua" in ASCII).
const STARTUP_LOCK_KEY: i64 = 0x6d6f_7463_7561;

impl StartupLock {
    pub async fn acquire(db: &DatabaseConnection) -> Result<Self, StoreError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self(None));
        }
        let mut conn = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(|e| StoreError::Db(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into()))))?;
        conn.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::Db(DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e.into()))))?;
        Ok(Self(Some(conn)))
    }
}

/// Rolls back every migration (used by the up/down/up round-trip test and `motcua migrate --down`).
pub async fn migrate_down_all(db: &DatabaseConnection) -> Result<(), StoreError> {
    migration::Migrator::down(db, None).await?;
    Ok(())
}

/// Liveness of the database, for `/ready`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

/// Positional placeholder for raw SQL on this backend (`?` for SQLite, `$n` for PostgreSQL).
pub fn ph(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Parses a stored JSON text column, naming the column on failure.
pub fn from_json<T: serde::de::DeserializeOwned>(
    column: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Whether a URL names PostgreSQL.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A PostgreSQL URL for a server on this machine (loopback address, `localhost` or a Unix
/// socket) that says nothing of TLS, in the URL or in `PGSSLMODE`: sqlx would then try TLS
/// first (`sslmode=prefer`).
fn loopback_without_sslmode(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if std::env::var_os("PGSSLMODE").is_some()
        || u.query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("sslmode") || k.eq_ignore_ascii_case("ssl-mode"))
    {
        return false;
    }
    if let Some((_, host)) = u.query_pairs().find(|(k, _)| k == "host") {
        return host.starts_with('/');
    }
    // `postgres:` is not a special scheme to `url`: an IPv4 address comes back as a domain.
    match u.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    }
}

/// Checks a database URL without connecting, for clear configuration errors.
pub fn validate_url(url: &str) -> Result<(), String> {
    if url.starts_with("sqlite:") {
        sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else if is_postgres(url) {
        url::Url::parse(url).map(|_| ()).map_err(|e| e.to_string())
    } else {
        Err("DATABASE_URL must start with sqlite: or postgres://".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_without_sslmode;

    #[test]
    fn tls_is_skipped_only_for_this_machine_and_only_when_nothing_is_said() {
        for local in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@127.8.0.1/db",
            "postgresql://u@localhost/db",
            "postgres://u@LOCALHOST:5433/db?application_name=x",
            "postgres://u@[::1]:5432/db",
            "postgres:///db?host=/var/run/postgresql",
        ] {
            assert!(loopback_without_sslmode(local), "{local}");
        }
        for other in [
            "postgres://u@127.0.0.1:5432/db?sslmode=require",
            "postgres://u@localhost/db?sslmode=prefer",
            "postgres://u@localhost/db?ssl-mode=verify-full",
            "postgres://u@db.example.vn/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@[2001:db8::1]/db",
            "postgres:///db?host=db.example.vn",
            "not a url",
        ] {
            assert!(!loopback_without_sslmode(other), "{other}");
        }
    }
}
