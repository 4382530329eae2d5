//! Connecting to the database (SQLite embedded or PostgreSQL), migrating, and counting the
//! statements each connection runs (so tests can prove DataLoaders keep that count flat).
use crate::error::AppResult;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

/// How long a request waits for a pooled connection before `UNAVAILABLE` (REL-09).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pooled connection idle for longer than this is pinged before it is handed out. sqlx's
/// default pings on every checkout: a round trip per statement, which cost PostgreSQL more than
/// a child lookup's own query. A connection that breaks while in use is found when it is
/// returned (its outstanding response cannot be read, `vendor/README.md`) and closed.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(5);

/// Every statement is prepared once per connection and planned once (a generic plan). By default
/// PostgreSQL plans again on each execution whenever the parameters' values change its cost
/// estimate (a name prefix, the length of an ID array), which took more of its time than running
/// a child lookup. casegraph's statements are written so that their generic plan is the right
/// one: equality and ranges on indexed columns, IDs as arrays.
const GENERIC_PLANS: (&str, &str) = ("plan_cache_mode", "force_generic_plan");

/// Statements run on a connection pool since it opened.
#[derive(Clone, Default, Debug)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens a pool. SQLite runs in WAL mode with foreign keys and a busy timeout; PostgreSQL
/// connections carry a `statement_timeout` so a cancelled request stops in the database too.
pub async fn connect(
    url: &str,
    pool: u32,
    statement_timeout: Duration,
) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(&path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        // Each connection to `sqlite::memory:` is a new database: keep one.
        .max_connections(if memory { 1 } else { pool })
        // PostgreSQL connections are opened up front: opening (SCRAM) many at once under load
        // made requests wait past the acquire timeout.
        .min_connections(if url.starts_with("postgres") { pool } else { 1 })
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    let ms = statement_timeout.as_millis().to_string();
    opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", ms.as_str()), GENERIC_PLANS]));
    let mut db = Database::connect(opts).await?;
    let counter = StatementCounter::default();
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path.contains(":memory:") { None } else { Some(path.to_string()) }
}

/// Applies pending migrations (transactional on PostgreSQL).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Ready means: the database answers and its schema is the one this build expects.
pub async fn ready(db: &DatabaseConnection) -> AppResult<bool> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(Migrator::get_pending_migrations_read_only(db).await?.is_empty())
}

/// A small PostgreSQL pool for read audit rows whose commits do not wait for the WAL flush
/// (`synchronous_commit = off`): a crash can lose the last fraction of a second of read rows,
/// never a write (writes keep their audit row in their own, synchronous, transaction). Its
/// statements count with the main pool's.
pub async fn connect_audit(url: &str, pool: u32, counter: &StatementCounter) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    // One connection per audit writer (group commit: requests share the writers' statements).
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .max_connections(pool)
        .min_connections(pool);
    opts.map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off"), GENERIC_PLANS]));
    let mut db = Database::connect(opts).await?;
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok(db)
}
