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
    Unavailable,
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
                _ => "BAD_USER_INPUT",
            },
            AppError::Conflict => "CONFLICT",
            AppError::Unavailable => "UNAVAILABLE",
            AppError::Internal => "INTERNAL",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match e {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::error!(kind = "connection", "database unavailable: {e}");
                AppError::Unavailable
            }
            other => {
                // sqlx messages name tables and constraints, never bound values.
                tracing::error!(kind = "query", "database error: {other}");
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
            AppError::Unavailable => "service unavailable".into(),
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
    /// A string is longer than its maximum.
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
}
