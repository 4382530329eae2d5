//! One error type for the whole server. Each variant maps to a stable `extensions.code`; the
//! internal cause is logged (without personal data) and never sent to the client.
use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// The closed set of top-level error codes (INFO-04).
pub const ERROR_CODES: &[&str] = &[
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "INTERNAL",
    "BAD_REQUEST",
    "QUERY_TOO_DEEP",
    "QUERY_TOO_COMPLEX",
    "TIMEOUT",
    "UNAVAILABLE",
    "PERSISTED_QUERY_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "CURSOR_EXPIRED",
];

/// Something the caller can fix, tied to an input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Vec<String>,
    pub code: UserErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        FieldError { field: field.split('.').map(str::to_string).collect(), code, message: message.into() }
    }
}

/// Deliberately not `Display`: async-graphql turns any `Display` type into an error without a
/// code, so `?` on an `AppError` must go through the `From` below, which always sets one.
#[derive(Debug, Clone)]
pub enum AppError {
    Forbidden,
    NotFound,
    /// User-fixable problems with the input. Mutations return them as `userErrors`; queries as a
    /// top-level `BAD_USER_INPUT` (or `NOT_FOUND`/`CONFLICT`) error naming the field.
    Invalid(Vec<FieldError>),
    /// A concurrent write won a uniqueness race (the caller's transaction is rolled back).
    Conflict,
    /// The database is unreachable, restarting, overloaded or refused the transaction for a
    /// reason a retry may not meet (serialization failure, deadlock, lock wait): try again.
    Unavailable,
    /// A statement ran past its timeout and was cancelled: try again later.
    Timeout,
    Internal,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Forbidden => "FORBIDDEN",
            AppError::NotFound => "NOT_FOUND",
            AppError::Invalid(errs) => match errs.first().map(|e| e.code) {
                Some(UserErrorCode::NotFound) => "NOT_FOUND",
                Some(UserErrorCode::Conflict) => "CONFLICT",
                Some(UserErrorCode::CursorExpired) => "CURSOR_EXPIRED",
                _ => "BAD_USER_INPUT",
            },
            AppError::Conflict => "CONFLICT",
            AppError::Unavailable => "UNAVAILABLE",
            AppError::Timeout => "TIMEOUT",
            AppError::Internal => "INTERNAL",
        }
    }
}

/// Codes a client should retry after a pause (HTTP 503 with `Retry-After`).
pub const RETRYABLE_CODES: [&str; 2] = ["UNAVAILABLE", "TIMEOUT"];

/// What kind of database failure an error is: an outage a retry may get past, or a fault.
fn outage(e: &DbErr) -> Option<AppError> {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return Some(AppError::Unavailable),
        DbErr::Conn(RuntimeErr::SqlxError(x))
        | DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x)) => x,
        DbErr::Conn(_) => return Some(AppError::Unavailable),
        _ => return None,
    };
    match &**sqlx {
        Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::WorkerCrashed => Some(AppError::Unavailable),
        Sqlx::Database(d) => {
            let code = d.code()?;
            retryable_sqlstate(&code)
        }
        _ => None,
    }
}

/// PostgreSQL SQLSTATEs and SQLite result codes that mean "try again", not "this is a bug".
fn retryable_sqlstate(code: &str) -> Option<AppError> {
    match code {
        // query_canceled: statement_timeout (or a cancel request).
        "57014" => Some(AppError::Timeout),
        // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
        // serialization_failure, deadlock_detected, lock_not_available, read-only standby.
        "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01" | "55P03" | "25006" => Some(AppError::Unavailable),
        // Connection exceptions (class 08) and insufficient resources (class 53).
        c if c.starts_with("08") || c.starts_with("53") => Some(AppError::Unavailable),
        // SQLite: SQLITE_BUSY and SQLITE_LOCKED with their extended codes (busy timeout spent).
        c if c.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => Some(AppError::Unavailable),
        _ => None,
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match outage(&e) {
            Some(outage) => {
                // Expected during a restart or under load: a warning, not an error.
                tracing::warn!(code = outage.code(), "database unavailable: {e}");
                outage
            }
            None => {
                // sqlx messages name tables and constraints, never bound values.
                tracing::error!(kind = "query", "database error: {e}");
                AppError::Internal
            }
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let code = e.code();
        let message = match &e {
            AppError::Invalid(errs) => errs.first().map(|f| f.message.clone()).unwrap_or_default(),
            AppError::NotFound => "not found".into(),
            AppError::Forbidden => "forbidden".into(),
            AppError::Conflict => "changed at the same time by another request: try again".into(),
            AppError::Unavailable => "service unavailable: try again shortly".into(),
            AppError::Timeout => "the database did not answer in time: try again shortly".into(),
            AppError::Internal => "internal error".into(),
        };
        let field = match &e {
            AppError::Invalid(errs) => errs.first().map(|f| f.field.join(".")),
            _ => None,
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(f) = &field {
                ext.set("field", f.as_str());
            }
        })
    }
}

/// Codes for `userErrors`: what went wrong with a field the user can fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum UserErrorCode {
    /// A value is required and missing or blank.
    Required,
    /// A value has the wrong form (bad ID, impossible date, control characters...).
    Invalid,
    /// A text is longer than its maximum, or a list has more entries than allowed.
    TooLong,
    /// A date lies in the future where it cannot.
    InFuture,
    /// The referenced record does not exist, or the caller may not see it.
    NotFound,
    /// The record changed since it was read (`expectedVersion` is stale).
    Conflict,
    /// The child already has an open case.
    AlreadyOpen,
    /// The case is already closed.
    AlreadyClosed,
    /// The caller may not act for this team or person.
    NotAllowed,
    /// A child at immediate risk of significant harm: telephone the MASH now (01253 477299).
    TelephoneMashNow,
    /// The Neglect Protocol needs a completed neglect screening with this request.
    NeglectScreeningRequired,
    /// The request's children must be matched to child records first.
    NotMatched,
    /// Free text that looks as if it identifies someone where it must not.
    LooksIdentifying,
    /// Records that may be the same child exist: confirm each is a different child
    /// (`confirmedDifferentFrom`), or match the child to one of them.
    PossibleDuplicate,
    /// The names or date of birth of two records disagree: correct them, or override with a
    /// reason.
    IdentityMismatch,
    /// Too old to use: complete it again.
    Expired,
    /// Already used by another record, and usable once only.
    AlreadyUsed,
    /// A feed cursor older than the feed keeps events: start again from the beginning.
    CursorExpired,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_apart_from_faults() {
        let code = |c: &str| retryable_sqlstate(c).map(|e| e.code());
        assert_eq!(code("57014"), Some("TIMEOUT"), "statement timeout");
        for c in ["57P01", "57P02", "57P03", "08006", "08001", "53300", "40001", "40P01", "55P03"] {
            assert_eq!(code(c), Some("UNAVAILABLE"), "{c}");
        }
        // SQLite: SQLITE_BUSY (5), SQLITE_BUSY_SNAPSHOT (517), SQLITE_LOCKED (6).
        for c in ["5", "517", "6"] {
            assert_eq!(code(c), Some("UNAVAILABLE"), "{c}");
        }
        // A unique violation, a syntax error, a constraint: faults (or conflicts), not outages.
        for c in ["23505", "42601", "2067", "19"] {
            assert_eq!(code(c), None, "{c}");
        }
        assert_eq!(AppError::from(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)).code(), "UNAVAILABLE");
        assert_eq!(AppError::from(DbErr::Custom("x".into())).code(), "INTERNAL");
    }
}
