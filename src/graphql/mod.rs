//! The GraphQL schema: roots merged from one module per area. Resolvers stay thin: they take
//! the request context, call a domain function and map the result.
pub mod advice;
pub mod alert;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod child;
pub mod cost;
pub mod directory;
pub mod early_help;
pub mod fast;
pub mod ids;
pub mod integration;
pub mod limits;
pub mod loaders;
pub mod neglect;
pub mod node;
pub mod nulls;
pub mod partner_update;
pub mod payload;
pub mod reference;
pub mod report;
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

/// Everything a client can read. Each field checks the caller's role before it runs and shows
/// only the records the caller may see.
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
    report::ReportQuery,
    integration::IntegrationQuery,
);

/// Everything a client can change. Each field checks the caller's role before it runs; a
/// problem the user can fix comes back as `userErrors` in the payload, not as an error.
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
    integration::IntegrationMutation,
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

/// Depth allowed to a document that only introspects (`__schema`, `__type`, `__typename`):
/// graphql-js's `getIntrospectionQuery()` nests `ofType` nine levels deep inside a type's fields,
/// past the depth limit ordinary queries keep. Used in the dev profile, and in production for
/// `ADMIN` when `CASEGRAPH_INTROSPECTION_FOR_ADMIN` is set.
pub const INTROSPECTION_DEPTH: usize = 20;

/// The schema for introspection-only documents: introspection on, the deeper depth limit.
pub fn build_introspection_schema() -> AppSchema {
    describe_generated(Schema::build(Query::default(), Mutation::default(), alert::Subscription))
        .limit_depth(INTROSPECTION_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES)
        .disable_suggestions()
        .finish()
}

/// The HTTP schema with async-graphql's own `Analyzer` extension, which reports complexity and
/// depth as its validation counted them: tests compare `extensions.cost` with it.
#[doc(hidden)]
pub fn build_analyzed_schema() -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), alert::Subscription)
        .limit_depth(INTROSPECTION_DEPTH)
        .limit_complexity(usize::MAX)
        .extension(async_graphql::extensions::Analyzer)
        .finish()
}

/// Whether every root field of every operation in `doc` is an introspection field (fragments
/// at the root included): such a document reads the schema, never data.
pub fn introspection_only(doc: &async_graphql::parser::types::ExecutableDocument) -> bool {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn all(set: &SelectionSet, doc: &async_graphql::parser::types::ExecutableDocument, depth: usize) -> bool {
        depth < 8
            && set.items.iter().all(|s| match &s.node {
                Selection::Field(f) => f.node.name.node.starts_with("__"),
                Selection::InlineFragment(f) => all(&f.node.selection_set.node, doc, depth + 1),
                Selection::FragmentSpread(sp) => doc
                    .fragments
                    .get(&sp.node.fragment_name.node)
                    .is_some_and(|f| all(&f.node.selection_set.node, doc, depth + 1)),
            })
    }
    doc.operations.iter().all(|(_, op)| all(&op.node.selection_set.node, doc, 0))
}

/// Names a type for [`async_graphql::SchemaBuilder::override_output_type_description`], which
/// needs only the name: async-graphql's `Connection` types take no description of their own.
macro_rules! type_names {
    ($($ident:ident = $name:literal),* $(,)?) => {$(
        struct $ident;
        impl async_graphql::OutputType for $ident {
            fn type_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
            fn create_type_info(_: &mut async_graphql::registry::Registry) -> String {
                $name.to_string()
            }
            async fn resolve(
                &self,
                _: &async_graphql::ContextSelectionSet<'_>,
                _: &async_graphql::Positioned<async_graphql::parser::types::Field>,
            ) -> async_graphql::ServerResult<async_graphql::Value> {
                Ok(async_graphql::Value::Null)
            }
        }
    )*};
}

type_names! {
    AdviceConsultationConnection = "AdviceConsultationConnection",
    AlertConnection = "AlertConnection",
    AuditEventConnection = "AuditEventConnection",
    CaseConnection = "CaseConnection",
    ChildConnection = "ChildConnection",
    EarlyHelpAssessmentConnection = "EarlyHelpAssessmentConnection",
    EarlyHelpReferralConnection = "EarlyHelpReferralConnection",
    PartnerUpdateConnection = "PartnerUpdateConnection",
    RequestForSupportConnection = "RequestForSupportConnection",
}

/// Descriptions for the types async-graphql generates without one.
fn describe_generated<Q, M, S>(b: async_graphql::SchemaBuilder<Q, M, S>) -> async_graphql::SchemaBuilder<Q, M, S> {
    b.override_output_type_description::<AdviceConsultationConnection>(
        "A page of advice-line consultations, newest first. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<AlertConnection>(
        "A page of the caller's alerts, newest first. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<AuditEventConnection>(
        "A page of a child's audit trail, newest first. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<CaseConnection>(
        "A page of cases. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<ChildConnection>(
        "A page of children. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<EarlyHelpAssessmentConnection>(
        "A page of early help assessments. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<EarlyHelpReferralConnection>(
        "A page of early help referrals from the hub. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<PartnerUpdateConnection>(
        "A page of partner updates, newest first. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
    .override_output_type_description::<RequestForSupportConnection>(
        "A page of requests for support. Ask for `first` (1 to 100) and pass `pageInfo.endCursor` as `after` for the next page.",
    )
}

fn builder(dev: bool, shape_extension: bool) -> AppSchema {
    let mut b = describe_generated(Schema::build(Query::default(), Mutation::default(), alert::Subscription))
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
    build_schema(true).sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
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
    /// Webhook delivery and the events feed (issue 19).
    pub webhooks: Arc<crate::domain::webhook::Settings>,
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
            webhooks: Default::default(),
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
