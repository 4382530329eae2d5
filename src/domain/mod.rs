//! Business rules with no GraphQL in them. Functions take a connection, the request context and
//! plain inputs, ask the policy, and return `AppResult`.
pub mod advice;
pub mod audit_trail;
pub mod calendar;
pub mod case;
pub mod child;
pub mod codes;
pub mod directory;
pub mod early_help;
pub mod holidays;
pub mod names;
pub mod neglect;
pub mod page;
pub mod partner_update;
pub mod reference;
pub mod request;
pub mod submission;
pub mod validate;

use crate::auth::Principal;

/// Rows grouped by a key, in their order: what a DataLoader answers for "the X of each Y".
pub fn group_by<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> sea_orm::prelude::Uuid,
) -> std::collections::HashMap<sea_orm::prelude::Uuid, Vec<T>> {
    let mut out: std::collections::HashMap<_, Vec<T>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

/// Who is asking, and for which request: what the audit trail records with every access.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub principal: Principal,
    pub request_id: String,
    /// The GraphQL operation name (letters, digits and `_` only), or `-`.
    pub operation: String,
    /// Where read entries wait to be written once per request (see `audit::note`); `None`
    /// writes them at once.
    pub pending: Option<crate::audit::Pending>,
}

impl RequestCtx {
    pub fn new(principal: Principal, request_id: impl Into<String>, operation: Option<&str>) -> Self {
        let operation: String =
            operation.unwrap_or("-").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
        let operation = if operation.is_empty() { "-".to_string() } else { operation };
        let request_id: String = request_id.into().chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        RequestCtx { principal, request_id, operation, pending: None }
    }

    /// Collects read audit entries for one write at the end of the request.
    pub fn deferring_reads(mut self) -> Self {
        self.pending = Some(crate::audit::Pending::default());
        self
    }

    /// The server acting on its own (timers): no roles, a nil actor in the audit trail.
    pub fn system(task: &str) -> Self {
        let principal = Principal {
            user: sea_orm::prelude::Uuid::nil(),
            roles: vec![],
            organisation: None,
            team: None,
            scopes: vec![],
            expires_at: 0,
        };
        RequestCtx::new(principal, format!("system-{}", sea_orm::prelude::Uuid::now_v7()), Some(task))
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
}
