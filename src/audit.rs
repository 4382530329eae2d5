//! The append-only audit trail. Every read of a child's identifying data and every write is one
//! row: who, which roles and organisation, what, which record, when, which request, and whether
//! it was allowed. Writes are recorded in the same transaction as the change they record; reads
//! fail closed when their audit row cannot be written. Rows carry IDs and codes only.
//!
//! There is no update or delete path here, and the database refuses both (triggers).
//!
//! One row format and one INSERT ([`build`]) behind four entry points, each for a different
//! moment: [`record`] inside a write's own transaction; [`statement`] for a write that travels
//! as one statement ([`crate::db::write_together`]); [`note`] for reads, which a request defers
//! to its end; and [`Sink::flush`], which stores a request's deferred rows by group commit. The
//! INSERT has a PostgreSQL form (typed arrays) and a SQLite form (one JSON document): parsing
//! JSON cost PostgreSQL more than storing the rows.
use crate::context::{Entry, RecordType, RequestCtx};
use crate::domain::page::{Page, PageArgs};
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::{
    audit_event,
    enums::{AuditAction, AuditOutcome},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    prelude::Uuid,
};

/// Writes the entries in one statement, on the caller's connection or transaction.
pub async fn record(db: &impl ConnectionTrait, ctx: &RequestCtx, entries: &[Entry]) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    insert(db, rows(ctx, entries, &[])).await
}

/// One audit row, ready to store. Each carries its own request's who, when and why, so rows
/// of several requests can travel in one statement.
#[derive(Debug)]
struct Row {
    id: Uuid,
    at: chrono::DateTime<Utc>,
    request_id: String,
    actor_id: Uuid,
    roles: String,
    organisation_id: Option<Uuid>,
    action: &'static str,
    record_type: &'static str,
    record_id: Option<Uuid>,
    record_ids: Option<String>,
    child_id: Option<Uuid>,
    operation: String,
    outcome: &'static str,
}

fn rows(ctx: &RequestCtx, entries: &[Entry], more: &[Option<String>]) -> Vec<Row> {
    let at = Utc::now();
    let roles = ctx.principal.roles_string();
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| Row {
            id: Uuid::now_v7(),
            at,
            request_id: ctx.request_id.clone(),
            actor_id: ctx.principal.user,
            roles: roles.clone(),
            organisation_id: ctx.principal.organisation,
            action: action_code(e.action),
            record_type: e.record_type.as_str(),
            record_id: e.record_id,
            record_ids: more.get(i).cloned().flatten(),
            child_id: e.child_id,
            operation: ctx.operation.clone(),
            outcome: outcome_code(e.outcome),
        })
        .collect()
}

/// The statement text is the same whatever the number of rows, so it is prepared once per
/// connection. On PostgreSQL the columns travel as typed arrays in the binary protocol
/// (parsing the same rows as one JSON document cost more than storing them); the driver's
/// arrays cannot hold NULL, so absent IDs travel as the nil UUID and absent text as ''.
const INSERT_PG: &str = "INSERT INTO audit_events (id, at, request_id, actor_id, roles, organisation_id, action, \
    record_type, record_id, record_ids, child_id, operation, outcome) SELECT id, at, request_id, actor_id, roles, \
    NULLIF(organisation_id, '00000000-0000-0000-0000-000000000000'), action, record_type, \
    NULLIF(record_id, '00000000-0000-0000-0000-000000000000'), NULLIF(record_ids, ''), \
    NULLIF(child_id, '00000000-0000-0000-0000-000000000000'), operation, outcome \
    FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], \
    $8::text[], $9::uuid[], $10::text[], $11::uuid[], $12::text[], $13::text[]) \
    AS x(id, at, request_id, actor_id, roles, organisation_id, action, record_type, record_id, record_ids, child_id, \
    operation, outcome)";

const INSERT_SQLITE: &str = "INSERT INTO audit_events (id, at, request_id, actor_id, roles, organisation_id, action, \
    record_type, record_id, record_ids, child_id, operation, outcome) SELECT unhex(value ->> '$.id'), value ->> '$.at', \
    value ->> '$.request_id', unhex(value ->> '$.actor_id'), value ->> '$.roles', \
    unhex(value ->> '$.organisation_id'), value ->> '$.action', value ->> '$.record_type', \
    unhex(value ->> '$.record_id'), value ->> '$.record_ids', unhex(value ->> '$.child_id'), \
    value ->> '$.operation', value ->> '$.outcome' FROM json_each(?)";

/// The entries' rows as one INSERT, for a write to send with the change it records
/// ([`crate::db::write_together`]).
pub fn statement(backend: DatabaseBackend, ctx: &RequestCtx, entries: &[Entry]) -> Statement {
    build(backend, rows(ctx, entries, &[]))
}

/// One INSERT for all the rows.
async fn insert(db: &impl ConnectionTrait, rows: Vec<Row>) -> AppResult<()> {
    let stmt = build(db.get_database_backend(), rows);
    // No audit row, no access: a read or write that cannot be recorded fails closed (AUD-04).
    db.execute_raw(stmt).await.map_err(|e| {
        tracing::error!("audit trail unavailable: {e}");
        AppError::Unavailable
    })?;
    Ok(())
}

fn build(backend: DatabaseBackend, rows: Vec<Row>) -> Statement {
    if backend == DatabaseBackend::Postgres {
        use sea_orm::sea_query::{ArrayType, Value};
        let uuids = |f: &dyn Fn(&Row) -> Option<Uuid>| {
            let v = rows.iter().map(|r| Value::from(f(r).unwrap_or(Uuid::nil()))).collect();
            Value::Array(ArrayType::Uuid, Some(Box::new(v)))
        };
        let texts = |f: &dyn Fn(&Row) -> &str| {
            let v = rows.iter().map(|r| Value::from(f(r).to_string())).collect();
            Value::Array(ArrayType::String, Some(Box::new(v)))
        };
        let ats = Value::Array(
            ArrayType::ChronoDateTimeUtc,
            Some(Box::new(rows.iter().map(|r| Value::from(r.at)).collect())),
        );
        let values = [
            uuids(&|r| Some(r.id)),
            ats,
            texts(&|r| &r.request_id),
            uuids(&|r| Some(r.actor_id)),
            texts(&|r| &r.roles),
            uuids(&|r| r.organisation_id),
            texts(&|r| r.action),
            texts(&|r| r.record_type),
            uuids(&|r| r.record_id),
            texts(&|r| r.record_ids.as_deref().unwrap_or("")),
            uuids(&|r| r.child_id),
            texts(&|r| &r.operation),
            texts(&|r| r.outcome),
        ];
        Statement::from_sql_and_values(backend, INSERT_PG, values)
    } else {
        let hex = |u: Option<Uuid>| u.map(|u| u.simple().to_string());
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": hex(Some(r.id)), "at": r.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, false),
                    "request_id": r.request_id, "actor_id": hex(Some(r.actor_id)), "roles": r.roles,
                    "organisation_id": hex(r.organisation_id), "action": r.action, "record_type": r.record_type,
                    "record_id": hex(r.record_id), "record_ids": r.record_ids, "child_id": hex(r.child_id),
                    "operation": r.operation, "outcome": r.outcome,
                })
            })
            .collect();
        Statement::from_sql_and_values(backend, INSERT_SQLITE, [serde_json::Value::Array(json).into()])
    }
}

fn action_code(a: AuditAction) -> &'static str {
    match a {
        AuditAction::Read => "READ",
        AuditAction::Create => "CREATE",
        AuditAction::Update => "UPDATE",
        AuditAction::Search => "SEARCH",
    }
}

fn outcome_code(o: AuditOutcome) -> &'static str {
    match o {
        AuditOutcome::Allowed => "ALLOWED",
        AuditOutcome::Denied => "DENIED",
    }
}

/// Records reads and refused attempts: deferred to the end of the request when the request
/// collects them, otherwise written at once. (Writes use [`record`] inside their transaction.)
pub async fn note(db: &impl ConnectionTrait, ctx: &RequestCtx, entries: &[Entry]) -> AppResult<()> {
    match &ctx.pending {
        Some(p) => {
            p.push(entries);
            Ok(())
        }
        None => record(db, ctx, entries).await,
    }
}

/// A request's deferred entries, one row per (action, record type, child, outcome): a caseload
/// page's five partner updates about one child are one row listing their IDs, still found by
/// the child's ID.
fn grouped(ctx: &RequestCtx) -> Vec<Row> {
    let Some(p) = &ctx.pending else { return vec![] };
    let mut rows: Vec<Entry> = vec![];
    let mut ids: Vec<Vec<Uuid>> = vec![];
    for e in p.take() {
        let key = |r: &Entry| (r.action, r.record_type, r.child_id, r.outcome);
        match rows.iter().position(|r| e.child_id.is_some() && key(r) == key(&e)) {
            Some(i) => ids[i].extend(e.record_id),
            None => {
                rows.push(e);
                ids.push(e.record_id.into_iter().collect());
            }
        }
    }
    let more: Vec<Option<String>> = ids
        .iter()
        .map(|v| (v.len() > 1).then(|| v.iter().map(|u| u.to_string()).collect::<Vec<_>>().join(",")))
        .collect();
    self::rows(ctx, &rows, &more)
}

/// At most this many rows in one INSERT.
const MAX_BATCH_ROWS: usize = 2000;

struct Job {
    rows: Vec<Row>,
    done: tokio::sync::oneshot::Sender<bool>,
}

/// Group commit for the rows that requests defer to their end: each request hands its rows to
/// one of a few writers and waits until they are stored; a writer takes everything that is
/// waiting and stores it in one statement. Under load, dozens of requests share one INSERT and
/// one commit instead of one each; an idle server writes each request's rows at once. A request
/// still answers only after its own rows are stored, and with `UNAVAILABLE` if they could not
/// be (fail closed, AUD-04).
#[derive(Clone)]
pub struct Sink {
    tx: tokio::sync::mpsc::Sender<Job>,
}

impl Sink {
    /// Starts `writers` writer tasks on `db`; they stop when the last `Sink` clone is dropped.
    pub fn start(db: sea_orm::DatabaseConnection, writers: usize) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel::<Job>(4096);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..writers.max(1) {
            let (rx, db) = (rx.clone(), db.clone());
            tokio::spawn(async move {
                loop {
                    let mut jobs = vec![];
                    {
                        let mut rx = rx.lock().await;
                        let Some(first) = rx.recv().await else { return };
                        let mut n = first.rows.len();
                        jobs.push(first);
                        while n < MAX_BATCH_ROWS {
                            let Ok(next) = rx.try_recv() else { break };
                            n += next.rows.len();
                            jobs.push(next);
                        }
                    }
                    let rows: Vec<_> = jobs.iter_mut().flat_map(|j| std::mem::take(&mut j.rows)).collect();
                    let stored = insert(&db, rows).await.is_ok();
                    for j in jobs {
                        let _ = j.done.send(stored);
                    }
                }
            });
        }
        Sink { tx }
    }

    /// Stores a request's deferred entries; returns how many rows they made.
    pub async fn flush(&self, ctx: &RequestCtx) -> AppResult<usize> {
        let rows = grouped(ctx);
        let n = rows.len();
        if n == 0 {
            return Ok(0);
        }
        let (done, stored) = tokio::sync::oneshot::channel();
        self.tx.send(Job { rows, done }).await.map_err(|_| AppError::Unavailable)?;
        match stored.await {
            Ok(true) => Ok(n),
            _ => Err(AppError::Unavailable),
        }
    }
}

/// Reads of several records of one type, one row each.
pub async fn reads(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    record_type: RecordType,
    ids: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> AppResult<()> {
    let entries: Vec<Entry> =
        ids.into_iter().map(|(id, child)| Entry::allowed(AuditAction::Read, record_type, id, Some(child))).collect();
    note(db, ctx, &entries).await
}

/// The trail for one child, newest first. The caller has already checked access to the child.
pub async fn for_child(
    db: &impl ConnectionTrait,
    child_id: Uuid,
    page: &PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    let mut q = audit_event::Entity::find().filter(
        sea_orm::Condition::any()
            .add(audit_event::Column::ChildId.eq(child_id))
            .add(audit_event::Column::RecordId.eq(child_id)),
    );
    if let Some(after) = page.after {
        q = q.filter(audit_event::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(audit_event::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}
