//! What every request handler shares: the schemas, the pools, the keys, the services and the
//! limits. Both transports (`app` for HTTP, `ws` for WebSocket) take it; it depends on neither.
use crate::auth::jwt::KeySet;
use crate::db::StatementCounter;
use crate::graphql::{AppSchema, Services, limits};
use sea_orm::DatabaseConnection;
use std::sync::{Arc, atomic::AtomicBool};
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    /// The HTTP schema (shape limits checked in the handler) and the WebSocket one (as an extension).
    pub schema: AppSchema,
    pub ws_schema: AppSchema,
    /// Parsed documents by text (see [`limits::DocumentCache`]).
    pub documents: Arc<limits::DocumentCache>,
    pub db: DatabaseConnection,
    pub keys: Arc<KeySet>,
    pub dev: bool,
    pub timeout: Duration,
    /// Set when SIGTERM arrives: `/readyz` turns 503 at once while requests drain.
    pub shutting_down: Arc<AtomicBool>,
    pub statements: StatementCounter,
    pub services: Services,
    /// Where read audit rows are written: on PostgreSQL a small pool whose commits do not wait
    /// for the disk (`synchronous_commit = off`); writes keep theirs in their own transaction.
    /// Where requests' deferred read rows are stored (group commit, see [`crate::audit::Sink`]).
    pub audit: crate::audit::Sink,
    /// GraphQL requests running at once; the rest wait in line (first come, first served). A
    /// slot is taken after the token is verified and the body read.
    pub in_flight: usize,
    pub slots: Arc<tokio::sync::Semaphore>,
}
