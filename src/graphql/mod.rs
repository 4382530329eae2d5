//! The GraphQL schema: roots merged from one module per area. Resolvers stay thin: they take
//! the request context, call a domain function and map the result.
pub mod advice;
pub mod alert;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod child;
pub mod directory;
pub mod early_help;
pub mod fast;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod neglect;
pub mod node;
pub mod partner_update;
pub mod payload;
pub mod reference;
pub mod request;
pub mod scalars;

use crate::alerts::AlertBus;
use crate::auth::policy;
use crate::context::RequestCtx;
use crate::domain::page::{Page, encode_cursor};
use crate::domain::partner_update::CheckTimes;
use crate::error::AppError;
use async_graphql::{
    Context, MergedObject, OutputType, Schema,
    connection::{Connection, Edge},
};
use loaders::Loaders;
use sea_orm::{DatabaseConnection, prelude::Uuid};
use std::sync::Arc;

pub const MAX_DEPTH: usize = 10;
/// Lists multiply by their `first`: a 20-row caseload page with its children, workers and
/// teams costs about 300 and a 100-row search of a dozen fields about 1,300; the cap refuses
/// 100-row pages of deep selections.
pub const MAX_COMPLEXITY: usize = 2000;
pub const MAX_DIRECTIVES: usize = 10;

#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    directory::ViewerQuery,
    reference::ReferenceQuery,
    child::ChildQuery,
    case::CaseQuery,
    audit::AuditQuery,
    request::RequestQuery,
    neglect::NeglectQuery,
    advice::AdviceQuery,
    calendar::CalendarQuery,
    partner_update::PartnerUpdateQuery,
    alert::AlertQuery,
    early_help::EarlyHelpQuery,
    early_help::ReferralQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    case::CaseMutation,
    request::RequestMutation,
    neglect::NeglectMutation,
    advice::AdviceMutation,
    calendar::CalendarMutation,
    partner_update::PartnerUpdateMutation,
    alert::AlertMutation,
    early_help::EarlyHelpMutation,
);

pub type AppSchema = Schema<Query, Mutation, alert::Subscription>;

/// Builds the schema with its limits. `dev` keeps introspection on; `prod` turns it off.
/// Field suggestions ("Did you mean") are off in both: they leak names even without
/// introspection. This is the HTTP schema: the handler checks the shape limits itself
/// ([`limits::check`]) before it executes.
pub fn build_schema(dev: bool) -> AppSchema {
    builder(dev, false)
}

/// The same schema for WebSocket subscriptions, with the shape limits as an extension.
pub fn build_ws_schema(dev: bool) -> AppSchema {
    builder(dev, true)
}

fn builder(dev: bool, shape_extension: bool) -> AppSchema {
    let mut b = Schema::build(Query::default(), Mutation::default(), alert::Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES)
        .disable_suggestions();
    if shape_extension {
        b = b.extension(limits::ShapeLimits);
    }
    if dev { b.finish() } else { b.disable_introspection().finish() }
}

/// The SDL as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(true).sdl()
}

/// Distinct root response keys one request (or WebSocket connection) may use.
const MAX_AUTHORIZED_KEYS: usize = 256;

/// Everything a resolver needs for one request.
pub struct RequestData {
    pub db: DatabaseConnection,
    pub ctx: Arc<RequestCtx>,
    pub loaders: Loaders,
    pub services: Services,
    /// Response keys of the root fields whose [`Authorized`] guard has passed.
    authorized: std::sync::Mutex<Vec<String>>,
}

/// Shared services a request may need besides the database.
#[derive(Clone)]
pub struct Services {
    pub bus: Arc<AlertBus>,
    pub check_times: CheckTimes,
    pub organisations: Arc<crate::domain::directory::OrganisationCache>,
    pub calendar: Arc<crate::domain::calendar::CalendarCache>,
    pub rules: Rules,
}

pub use crate::domain::Rules;

impl RequestData {
    pub fn new(db: DatabaseConnection, services: Services, ctx: RequestCtx) -> Self {
        let ctx = Arc::new(ctx);
        let loaders = Loaders::new(db.clone(), ctx.clone(), services.organisations.clone());
        RequestData { db, ctx, loaders, services, authorized: Default::default() }
    }

    /// Remembers a root field's response key once its guard has passed. A WebSocket connection
    /// keeps one `RequestData` for all its operations, so the list is capped: a client that has
    /// used more distinct aliases than that gets `INTERNAL` for new ones, never unbounded memory.
    fn mark_authorized(&self, key: &str) {
        if let Ok(mut keys) = self.authorized.lock()
            && !keys.iter().any(|k| k == key)
            && keys.len() < MAX_AUTHORIZED_KEYS
        {
            keys.push(key.to_string());
        }
    }

    fn was_authorized(&self, key: &str) -> bool {
        self.authorized.lock().is_ok_and(|keys| keys.iter().any(|k| k == key))
    }
}

/// The policy table, enforced: every root object carries `#[Object(guard =
/// "Authorized(\"Query\")")]` (or `Mutation`, `Subscription`), so each root field is
/// authorised by [`policy::authorize_operation`] from its `OPERATIONS` entry before it runs.
/// Resolvers and domain functions do not authorise again; they apply the policy's row scopes.
pub struct Authorized(pub &'static str);

impl async_graphql::Guard for Authorized {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let r = ctx.data::<RequestData>().map_err(|_| AppError::Internal)?;
        policy::authorize_operation(&r.ctx.principal, self.0, &ctx.item.node.name.node)?;
        if let Some(key) = root_key(ctx) {
            r.mark_authorized(key);
        }
        Ok(())
    }
}

/// The response key of the root field a context lies under.
fn root_key<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    let mut node = ctx.path_node.as_ref()?;
    while let Some(parent) = node.parent {
        node = parent;
    }
    match node.segment {
        async_graphql::QueryPathSegment::Name(name) => Some(name),
        async_graphql::QueryPathSegment::Index(_) => None,
    }
}

impl RequestData {
    /// An organisation (reference data): from the in-memory cache when it is fresh, through
    /// the loader otherwise.
    pub async fn organisation(&self, id: Uuid) -> async_graphql::Result<Option<entity::organisation::Model>> {
        if let Some(hit) = crate::domain::directory::cached_organisation(&self.services.organisations, &self.ctx, id) {
            return Ok(hit);
        }
        Ok(self.loaders.organisation.load_one(id).await?)
    }
}

/// The request's data, for a resolver. A root resolver gets it only after its [`Authorized`]
/// guard has passed: one that was added without the guard fails with `INTERNAL` on its first
/// call instead of running unauthorised.
pub fn req<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    let r = ctx.data::<RequestData>().map_err(|_| AppError::Internal)?;
    if let Some(node) = ctx.path_node.as_ref()
        && node.parent.is_none()
        && root_key(ctx).is_some_and(|key| !r.was_authorized(key))
    {
        tracing::error!(field = %ctx.item.node.name.node, "a root field ran without its policy guard");
        return Err(AppError::Internal.into());
    }
    Ok(r)
}

/// A Relay connection over a keyset page.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    id: impl Fn(&M) -> Uuid,
    wrap: impl Fn(M) -> N,
) -> Connection<String, N> {
    let mut c = Connection::new(page.has_previous, page.has_next);
    c.edges = page.items.into_iter().map(|m| Edge::new(encode_cursor(id(&m)), wrap(m))).collect();
    c
}

/// Complexity of a connection field: its selection times the page size asked for.
pub fn page_cost(first: i32, child_complexity: usize) -> usize {
    (first.clamp(1, crate::domain::page::MAX_PAGE) as usize).saturating_mul(child_complexity.max(1)).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Principal, Role};
    use async_graphql::{EmptyMutation, EmptySubscription, Object};

    /// A root object added without the guard: its resolver must not get the request's data.
    struct Unguarded;

    #[Object]
    impl Unguarded {
        async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
            req(ctx)?;
            Ok(true)
        }
    }

    /// The same field behind the guard, and one with no `OPERATIONS` entry.
    struct Guarded;

    #[Object(guard = "Authorized(\"Query\")")]
    impl Guarded {
        async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
            req(ctx)?;
            Ok(true)
        }

        async fn not_in_the_table(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
            req(ctx)?;
            Ok(true)
        }
    }

    async fn data() -> RequestData {
        let db = sea_orm::Database::connect("sqlite::memory:").await.expect("sqlite");
        let services = Services {
            bus: AlertBus::new(sea_orm::DatabaseBackend::Sqlite),
            check_times: Default::default(),
            organisations: Default::default(),
            calendar: Default::default(),
            rules: Default::default(),
        };
        let principal = Principal {
            user: Uuid::now_v7(),
            roles: vec![Role::HubWorker],
            organisation: None,
            team: None,
            scopes: vec![],
            expires_at: u64::MAX,
        };
        RequestData::new(db, services, RequestCtx::new(principal, "test", None))
    }

    fn code(res: &async_graphql::Response) -> Option<String> {
        let e = res.errors.first()?;
        match e.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_root_field_runs_only_through_the_policy_guard() {
        let unguarded = Schema::new(Unguarded, EmptyMutation, EmptySubscription);
        let res = unguarded.execute(async_graphql::Request::new("{ viewer }").data(data().await)).await;
        assert_eq!(code(&res).as_deref(), Some("INTERNAL"), "an unguarded root resolver must not run: {res:?}");

        let guarded = Schema::new(Guarded, EmptyMutation, EmptySubscription);
        let res = guarded.execute(async_graphql::Request::new("{ v: viewer }").data(data().await)).await;
        assert!(res.errors.is_empty(), "{res:?}");
        let res = guarded.execute(async_graphql::Request::new("{ notInTheTable }").data(data().await)).await;
        assert_eq!(code(&res).as_deref(), Some("FORBIDDEN"), "default deny: {res:?}");
    }
}
