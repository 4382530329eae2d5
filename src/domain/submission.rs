//! What every submit/create mutation shares: human reference numbers per series and year, and
//! idempotency (the same key and payload return the first result; another payload is a
//! `CONFLICT`). Payloads are fingerprinted, never stored twice.
use super::UserErrorCode;
use crate::error::{AppError, AppResult};
use entity::reference_counter;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
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

/// The next number of a reference series in a year, inside the caller's transaction (the row
/// lock serialises concurrent submissions).
pub async fn next_reference(conn: &impl ConnectionTrait, series: &str, year: i32) -> AppResult<String> {
    // PostgreSQL: a sequence per series (no row lock held to commit; numbers run on across years).
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres && matches!(series, "RFS" | "PU") {
        let sql = format!("SELECT nextval('reference_{}_seq') AS n", series.to_lowercase());
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql))
            .await?
            .ok_or(AppError::Internal)?;
        let n: i64 = row.try_get("", "n")?;
        return Ok(format!("{series}-{year}-{n:06}"));
    }
    let bumped = reference_counter::Entity::update_many()
        .col_expr(reference_counter::Column::Last, Expr::col(reference_counter::Column::Last).add(1))
        .filter(reference_counter::Column::Series.eq(series))
        .filter(reference_counter::Column::Year.eq(year))
        .exec(conn)
        .await?;
    let n = if bumped.rows_affected == 0 {
        reference_counter::Entity::insert(reference_counter::ActiveModel {
            series: Set(series.to_string()),
            year: Set(year),
            last: Set(1),
        })
        .exec_without_returning(conn)
        .await?;
        1
    } else {
        reference_counter::Entity::find_by_id((series.to_string(), year))
            .one(conn)
            .await?
            .ok_or(AppError::Internal)?
            .last
    };
    Ok(format!("{series}-{year}-{n:06}"))
}
