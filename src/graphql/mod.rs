//! The GraphQL schema: roots merged from one module per area. Resolvers stay thin: they take
//! the request context, call a domain function and map the result.
pub mod audit;
pub mod case;
pub mod child;
pub mod directory;
pub mod early_help;
pub mod fast;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod partner_update;
pub mod payload;
pub mod reference;
pub mod request;
pub mod scalars;

use crate::alerts::AlertBus;
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
    partner_update::PartnerUpdateQuery,
    early_help::EarlyHelpQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    case::CaseMutation,
    request::RequestMutation,
    partner_update::PartnerUpdateMutation,
    early_help::EarlyHelpMutation,
);

pub type AppSchema = Schema<Query, Mutation, partner_update::Subscription>;

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
    let mut b = Schema::build(Query::default(), Mutation::default(), partner_update::Subscription)
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

/// Everything a resolver needs for one request.
pub struct RequestData {
    pub db: DatabaseConnection,
    pub ctx: Arc<RequestCtx>,
    pub loaders: Loaders,
    pub services: Services,
}

/// Shared services a request may need besides the database.
#[derive(Clone)]
pub struct Services {
    pub bus: Arc<AlertBus>,
    pub check_times: CheckTimes,
    pub organisations: Arc<crate::domain::directory::OrganisationCache>,
    pub calendar: Arc<crate::domain::calendar::CalendarCache>,
}

impl RequestData {
    pub fn new(db: DatabaseConnection, services: Services, ctx: RequestCtx) -> Self {
        let ctx = Arc::new(ctx);
        let loaders = Loaders::new(db.clone(), ctx.clone(), services.organisations.clone());
        RequestData { db, ctx, loaders, services }
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

pub fn req<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    ctx.data::<RequestData>().map_err(|_| AppError::Internal.into())
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
