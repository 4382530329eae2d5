//! The audit trail as managers and admins read it. There is no mutation that changes it.
use super::{
    connection,
    ids::{self, Kind},
    req,
};
use crate::domain::{self, page::PageArgs};
use async_graphql::{Context, ID, Object, Result, connection::Connection};
use entity::audit_event;

pub use entity::enums::AuditAction;

pub use entity::enums::AuditOutcome;

/// One access to or change of a record: IDs and codes only.
pub struct AuditEvent(pub audit_event::Model);

/// One access to or change of a record: who, when, what, and whether it was allowed. IDs and
/// codes only.
#[Object]
impl AuditEvent {
    /// When it happened.
    async fn at(&self) -> crate::graphql::scalars::DateTime {
        self.0.at.into()
    }
    /// Who: a staff or service account ID.
    async fn actor_id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.actor_id)
    }
    /// The roles the caller's token carried.
    async fn roles(&self) -> Vec<String> {
        self.0.roles.split(',').map(str::to_string).collect()
    }
    /// The organisation the caller acted for (an `Organisation` ID); `null` when their token
    /// named none.
    async fn organisation_id(&self) -> Option<ID> {
        self.0.organisation_id.map(|o| ids::encode(Kind::Organisation, o))
    }
    /// What was done: read, create, update or search.
    async fn action(&self) -> AuditAction {
        self.0.action
    }
    /// `CHILD`, `HOUSEHOLD_MEMBER`, `CASE` or `AUDIT_TRAIL`.
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }
    /// The record's global ID, for children and cases.
    async fn record_id(&self) -> Option<ID> {
        let kind = match self.0.record_type.as_str() {
            "CHILD" | "AUDIT_TRAIL" => Kind::Child,
            "CASE" => Kind::Case,
            _ => return None,
        };
        self.0.record_id.map(|id| ids::encode(kind, id))
    }
    /// The name of the GraphQL operation the caller sent (at most 64 letters, digits and `_`),
    /// or `-` when it had none.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// Whether the access was allowed or denied.
    async fn outcome(&self) -> AuditOutcome {
        self.0.outcome
    }
    /// The server's ID for the HTTP request, as in its logs and the `x-request-id` response
    /// header.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl AuditQuery {
    /// Who read or changed a child's records, newest first (team managers for children in their
    /// scope; admins for any child).
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child whose records to show (a `Child` ID).")] child_id: ID,
        #[graphql(desc = "How many events to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, AuditEvent>> {
        let r = req(ctx)?;
        let child_id = ids::decode(&child_id, Kind::Child, "childId")?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::audit_trail::for_child(&r.db, &r.ctx, child_id, &page).await?;
        Ok(connection(page, |e| e.id, AuditEvent))
    }
}
