//! Connecting to the database (SQLite embedded or PostgreSQL), migrating, and counting the
//! statements each connection runs (so tests can prove DataLoaders keep that count flat).
use crate::error::AppResult;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    QueryResult, Statement, TransactionTrait,
};
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

/// The statement (and SQLite busy) timeout for a request deadline: nine tenths of it.
pub fn statement_timeout_for(deadline: Duration) -> Duration {
    deadline.mul_f64(0.9)
}

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
/// Both are `statement_timeout`: give it a little less than the request's deadline
/// ([`statement_timeout_for`]), so that a statement stuck behind a lock ends as a clean,
/// retryable `TIMEOUT` / `UNAVAILABLE` before the deadline cancels the request.
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
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(statement_timeout)
        });
    let ms = statement_timeout.as_millis().to_string();
    opts.map_sqlx_postgres_opts(move |o| {
        named(o, "casegraph").options([("statement_timeout", ms.as_str()), GENERIC_PLANS])
    });
    let mut db = Database::connect(opts).await?;
    let counter = StatementCounter::default();
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// The pool's name in `pg_stat_activity` (and in PostgreSQL's process titles), so that an
/// operator — or the benchmark's CPU split — can tell the request pool from the audit writers.
/// An `application_name` given in `DATABASE_URL` wins.
fn named(o: PgConnectOptions, name: &str) -> PgConnectOptions {
    if o.get_application_name().is_some() { o } else { o.application_name(name) }
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
pub async fn connect_audit(
    url: &str,
    pool: u32,
    counter: &StatementCounter,
    statement_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    // One connection per audit writer (group commit: requests share the writers' statements).
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .max_connections(pool)
        .min_connections(pool);
    let ms = statement_timeout.as_millis().to_string();
    opts.map_sqlx_postgres_opts(move |o| {
        named(o, "casegraph-audit").options([
            ("synchronous_commit", "off"),
            ("statement_timeout", ms.as_str()),
            GENERIC_PLANS,
        ])
    });
    let mut db = Database::connect(opts).await?;
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok(db)
}

/// Runs `work` in one transaction: committed when it returns `Ok`, rolled back when it returns
/// an error, so nothing is stored half-way. Every write command goes through here.
pub async fn transaction<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&DatabaseTransaction) -> crate::error::AppResult<T>,
) -> crate::error::AppResult<T> {
    let txn = db.begin().await?;
    match work(&txn).await {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// Two ways on purpose (one statement on PostgreSQL, a transaction on SQLite): an added partner
/// update became two round trips instead of seven, PostgreSQL CPU per add 0.74 → 0.60 ms
/// (`bench/README.md`). The statements are built once, by sea-query, and only glued here.
///
/// Writes that are stored together or not at all; the answer is the row the first one returns
/// (it must end in `RETURNING`). On PostgreSQL they go as one statement, each a data-modifying
/// CTE of it: one round trip and one commit, with no BEGIN or COMMIT to send, and a single
/// statement is atomic by itself. SQLite cannot modify data inside a CTE, so there they run in
/// order in one transaction. Either way the caller builds each write once.
pub async fn write_together(
    db: &DatabaseConnection,
    first: Statement,
    rest: Vec<Statement>,
) -> Result<QueryResult, DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        return db.query_one_raw(as_one_statement(first, rest)).await?.ok_or(DbErr::RecordNotInserted);
    }
    let txn = db.begin().await?;
    let row = txn.query_one_raw(first).await?.ok_or(DbErr::RecordNotInserted)?;
    for s in rest {
        txn.execute_raw(s).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// `WITH w0 AS (first), w1 AS (...), ... SELECT * FROM w0`, the placeholders of each statement
/// numbered on from the ones before it.
fn as_one_statement(first: Statement, rest: Vec<Statement>) -> Statement {
    let len: usize = first.sql.len() + rest.iter().map(|s| s.sql.len() + 16).sum::<usize>() + 32;
    let mut sql = String::with_capacity(len);
    sql.push_str("WITH ");
    let mut values = vec![];
    for (i, s) in std::iter::once(first).chain(rest).enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('w');
        push_number(&mut sql, i);
        sql.push_str(" AS (");
        renumber_placeholders(&s.sql, values.len(), &mut sql);
        sql.push(')');
        values.extend(s.values.map(|v| v.0).unwrap_or_default());
    }
    sql.push_str(" SELECT * FROM w0");
    Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
}

/// Copies `sql` into `out` with each `$n` placeholder written as `$(n + by)`. Quoted text and
/// identifiers are copied as they are (a doubled quote inside them stays inside). It runs on
/// every combined write, over the whole text: it copies the runs between placeholders whole
/// (a character at a time it was a tenth of the server's instructions for an added partner
/// update, `bench/outbox-cost.sh`). Every byte it looks for is ASCII, so each cut is on a
/// character boundary.
fn renumber_placeholders(sql: &str, by: usize, out: &mut String) {
    let bytes = sql.as_bytes();
    let (mut copied, mut i) = (0, 0);
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if c == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&sql[copied..=i]);
                let mut n = 0usize;
                i += 1;
                while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                    n = n * 10 + usize::from(d - b'0');
                    i += 1;
                }
                push_number(out, n + by);
                copied = i;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out.push_str(&sql[copied..]);
}

/// Writes `n` in decimal (placeholder numbers: no formatting machinery, no allocation).
pub fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_and_quoted_text_is_left_alone() {
        let mut out = String::new();
        renumber_placeholders(r#"INSERT INTO "t$1" (a, b) VALUES ($1, $12) -- 'it''s $2' "#, 3, &mut out);
        assert_eq!(out, r#"INSERT INTO "t$1" (a, b) VALUES ($4, $15) -- 'it''s $2' "#);
    }

    #[test]
    fn renumbering_copies_everything_else_byte_for_byte() {
        let mut out = String::new();
        let sql = "SELECT 'café $1', \"naïve\", $1 || '€', $ , $x, 'a''b', $9$10 FROM t WHERE x = $2";
        renumber_placeholders(sql, 98, &mut out);
        assert_eq!(out, "SELECT 'café $1', \"naïve\", $99 || '€', $ , $x, 'a''b', $107$108 FROM t WHERE x = $100");
        for (n, text) in [(0, "0"), (7, "7"), (10, "10"), (1234, "1234"), (usize::MAX, "18446744073709551615")] {
            let mut s = String::new();
            push_number(&mut s, n);
            assert_eq!(s, text);
        }
        let mut tail = String::new();
        renumber_placeholders("VALUES ($1)", 0, &mut tail);
        renumber_placeholders(" AND $", 1, &mut tail);
        assert_eq!(tail, "VALUES ($1) AND $");
    }

    #[test]
    fn statements_become_ctes_with_their_values_in_order() {
        let s = |sql: &str, v: Vec<sea_orm::Value>| Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, v);
        let one = as_one_statement(
            s("INSERT INTO a (x) VALUES ($1) RETURNING *", vec![1i32.into()]),
            vec![s("INSERT INTO b (y, z) VALUES ($1, $2)", vec![2i32.into(), 3i32.into()])],
        );
        assert_eq!(
            one.sql,
            "WITH w0 AS (INSERT INTO a (x) VALUES ($1) RETURNING *), w1 AS (INSERT INTO b (y, z) VALUES ($2, $3)) \
             SELECT * FROM w0"
        );
        let values: Vec<sea_orm::Value> = one.values.unwrap().0;
        assert_eq!(values, vec![1i32.into(), 2i32.into(), 3i32.into()]);
    }
}
