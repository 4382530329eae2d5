//! What every request handler shares: the schemas, the pools, the keys, the services and the
//! limits. Both transports (`app` for HTTP, `ws` for WebSocket) take it; it depends on neither.
use crate::auth::jwt::KeySet;
use crate::db::StatementCounter;
use crate::graphql::{AppSchema, Services, limits};
use sea_orm::DatabaseConnection;
use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
use std::time::{Duration, Instant};

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
    /// Requests waiting for a slot, and when one last gave up waiting (for `/readyz`).
    pub queue: Arc<Queue>,
    /// How long a client may take to send a request's body.
    pub body_timeout: Duration,
    /// Rate and concurrency per principal, the unauthenticated budget per address.
    pub guards: Arc<crate::guard::Guards>,
    /// Whether a verified token's staff record is still active and holds its roles.
    pub identities: Arc<crate::auth::identity::Identities>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// For documents that only introspect (dev, or `ADMIN` when allowed in prod).
    pub introspection_schema: AppSchema,
    pub introspection_for_admin: bool,
    pub persisted: Arc<crate::persisted::Store>,
    /// Field types, for null propagation after field errors.
    pub types: Arc<crate::graphql::nulls::Types>,
}

/// The line for execution slots.
pub struct Queue {
    waiting: AtomicUsize,
    started: Instant,
    /// Milliseconds after `started` when a request last timed out having spent most of its
    /// deadline waiting for a slot (0: never).
    last_timeout_ms: AtomicU64,
}

/// `/readyz` answers 503 for this long after a request timed out waiting for a slot (for at
/// least half its deadline).
pub const OVERLOADED_FOR: Duration = Duration::from_secs(10);

impl Default for Queue {
    fn default() -> Self {
        Queue { waiting: AtomicUsize::new(0), started: Instant::now(), last_timeout_ms: AtomicU64::new(0) }
    }
}

impl Queue {
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Counts a request as waiting until the returned guard is dropped.
    pub fn enter(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(self)
    }

    pub fn timed_out(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.last_timeout_ms.store(ms.max(1), Ordering::Relaxed);
    }

    /// Whether a request timed out in the queue within [`OVERLOADED_FOR`].
    pub fn overloaded(&self) -> bool {
        let last = self.last_timeout_ms.load(Ordering::Relaxed);
        last != 0 && self.started.elapsed().as_millis() as u64 - last < OVERLOADED_FOR.as_millis() as u64
    }
}

pub struct Waiting<'a>(&'a Queue);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}
