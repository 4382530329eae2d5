//! What every submit/create mutation shares: human reference numbers per series and year, and
//! idempotency (the same key and payload return the first result; another payload is a
//! `CONFLICT`). Payloads are fingerprinted, never stored twice.
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult};
use entity::reference_counter;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, Statement,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use sha2::{Digest, Sha256};

/// A stable fingerprint of a submission (its `Debug` form, which covers every field).
pub fn fingerprint(payload: &impl std::fmt::Debug) -> String {
    let mut h = Sha256::new();
    h.update(format!("{payload:?}"));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Replays a stored result for a repeated key, or refuses a key reused for another payload.
pub fn replay<T>(stored: T, stored_hash: &str, hash: &str) -> AppResult<T> {
    if stored_hash == hash {
        Ok(stored)
    } else {
        Err(AppError::invalid(
            "input.idempotencyKey",
            UserErrorCode::Conflict,
            "this idempotency key was already used for a different submission",
        ))
    }
}

/// The next number of a reference series in a year, in one statement: on PostgreSQL from a
/// sequence per series (no row lock held to commit; numbers run on across years), elsewhere by
/// one upsert of the year's counter row (atomic by itself, so it may run before the caller's
/// transaction as `nextval` does). Either way a number taken by a write that then fails is not
/// issued again: references can have gaps, never duplicates.
pub async fn next_reference(conn: &impl ConnectionTrait, series: &str, year: i32) -> AppResult<String> {
    let backend = conn.get_database_backend();
    let stmt = if let Some(next) = next_in_sequence(backend, series) {
        Statement::from_string(backend, format!("SELECT {next} AS last"))
    } else {
        use reference_counter::Column as C;
        let upsert = Query::insert()
            .into_table(reference_counter::Entity)
            .columns([C::Series, C::Year, C::Last])
            .values_panic([series.into(), year.into(), 1i64.into()])
            .on_conflict(
                OnConflict::columns([C::Series, C::Year])
                    .value(C::Last, Expr::col((reference_counter::Entity, C::Last)).add(1))
                    .to_owned(),
            )
            .returning_col(C::Last)
            .to_owned();
        backend.build(&upsert)
    };
    let row = conn.query_one_raw(stmt).await?.ok_or(AppError::Internal)?;
    let n: i64 = row.try_get("", "last")?;
    Ok(reference(series, year, n))
}

/// A reference as people quote it: `PU-2026-000123`.
pub fn reference(series: &str, year: i32, n: i64) -> String {
    format!("{series}-{year}-{n:06}")
}

/// On PostgreSQL, the SQL expression that takes a series' next number from its sequence, for a
/// statement that wants the number beside something else it reads.
pub fn next_in_sequence(backend: DatabaseBackend, series: &str) -> Option<String> {
    (backend == DatabaseBackend::Postgres && matches!(series, "RFS" | "PU"))
        .then(|| format!("nextval('reference_{}_seq')", series.to_lowercase()))
}
