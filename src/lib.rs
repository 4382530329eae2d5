//! casegraph: one GraphQL API over the case information Blackpool children's services and
//! their partner agencies share. See README.md and docs/design.md.
pub mod alerts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod context;
pub mod db;
pub mod devtoken;
pub mod domain;
pub mod error;
pub mod graphiql;
pub mod graphql;
pub mod guard;
pub mod logging;
pub mod metrics;
pub mod persisted;
pub mod rows;
pub mod seed;
pub mod server;
pub mod state;
pub mod webhooks;
pub mod ws;

use auth::jwt::KeySet;
use config::Config;
use state::AppState;
use std::sync::{Arc, atomic::AtomicBool};

/// Audit writers: enough for one to collect the next batch while another stores the last.
const AUDIT_WRITERS: usize = 2;

/// Validates the configuration, loads the keys, connects and migrates: everything `serve`
/// needs before it binds. Tests call it too, so they run the same start-up path.
pub async fn build_state(cfg: &Config) -> anyhow::Result<AppState> {
    cfg.validate()?;
    let keys = Arc::new(KeySet::from_config(cfg)?);
    if keys.has_remote() {
        let n = keys.refresh().await.map_err(|e| anyhow::anyhow!("JWT_ISSUER_URL: {e}"))?;
        tracing::info!(keys = n, "identity provider keys loaded");
        spawn_key_refresh(&keys, std::time::Duration::from_secs(cfg.jwt_jwks_refresh_secs));
    }
    let statement_timeout = db::statement_timeout_for(cfg.request_timeout());
    let (db, statements) = db::connect(&cfg.database_url, cfg.db_pool, statement_timeout).await?;
    db::migrate(&db).await?;
    let metrics = Arc::new(metrics::Metrics::new(cfg.metrics_sql_statements));
    let bus = alerts::AlertBus::new(db.get_database_backend());
    bus.set_metrics(metrics.clone());
    bus.start(&db).await?;
    let services = graphql::Services {
        bus,
        check_times: cfg.check_times(),
        organisations: Default::default(),
        calendar: Default::default(),
        rules: graphql::Rules {
            access_grace_working_days: cfg.access_grace_working_days,
            screening_max_age_days: cfg.neglect_screening_max_age_days,
            suppression_threshold: cfg.report_suppression_threshold,
            referral_outcomes: cfg.referral_outcomes,
        },
        webhooks: Arc::new(cfg.webhook_settings()),
    };
    let audit_db = if cfg.database_url.starts_with("postgres") && cfg.audit_reads_async_commit {
        db::connect_audit(&cfg.database_url, AUDIT_WRITERS as u32, &statements, statement_timeout).await?
    } else {
        db.clone()
    };
    let schema = graphql::build_schema(cfg.dev());
    // Field types for null propagation, read from the schema just built.
    let types = Arc::new(graphql::nulls::Types::from_sdl(&schema.sdl()));
    Ok(AppState {
        schema,
        ws_schema: graphql::build_ws_schema(cfg.dev()),
        documents: Default::default(),
        db,
        keys,
        dev: cfg.dev(),
        timeout: cfg.request_timeout(),
        shutting_down: Arc::new(AtomicBool::new(false)),
        statements: statements.clone(),
        services,
        audit: audit::Sink::start(audit_db, AUDIT_WRITERS),
        in_flight: (cfg.db_pool as usize / 2).max(2),
        slots: std::sync::Arc::new(tokio::sync::Semaphore::new((cfg.db_pool as usize / 2).max(2))),
        queue: Default::default(),
        body_timeout: std::time::Duration::from_secs(cfg.body_read_timeout_secs),
        guards: Arc::new(guard::Guards::new(guard::Limits {
            rate_per_second: cfg.rate_per_second,
            rate_burst: cfg.rate_burst,
            concurrency_per_principal: cfg.concurrency_per_principal,
            unauthenticated_per_minute: cfg.unauthenticated_per_minute,
        })),
        identities: Arc::new(auth::identity::Identities::new(std::time::Duration::from_secs(cfg.identity_cache_secs))),
        metrics,
        introspection_schema: graphql::build_introspection_schema(),
        types,
        introspection_for_admin: cfg.introspection_for_admin,
        // The partner portal's operations are registered in dev, where `cargo run` serves it;
        // a production deployment lists them in CASEGRAPH_PERSISTED_OPERATIONS
        // (portal/persisted-operations.json).
        persisted: Arc::new(
            persisted::Store::load(
                cfg.persisted_operations.as_deref(),
                cfg.persisted_mode,
                cfg.persisted_enforced_roles.iter().filter_map(|r| r.parse().ok()).collect(),
            )?
            .with_operations(if cfg.dev() { portal::ops::all() } else { vec![] }.into_iter().map(|(_, t)| t)),
        ),
    })
}

/// Fetches the identity provider's keys again every `every`, for as long as the process runs
/// (a failure keeps the current keys and is logged).
fn spawn_key_refresh(keys: &Arc<KeySet>, every: std::time::Duration) {
    let keys = Arc::downgrade(keys);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(keys) = keys.upgrade() else { return };
            if let Err(e) = keys.refresh().await {
                tracing::warn!(error = %e.escape_debug(), "scheduled identity provider key refresh failed");
            }
        }
    });
}

/// The axum Router, as served and as tested.
pub fn app(state: AppState, cfg: &Config) -> axum::Router {
    app::router(state, &cfg.cors_origins, cfg.cors_max_age_secs)
}

/// The metrics listener's Router (`GET /metrics`), served apart from the API.
pub fn metrics_app(state: AppState) -> axum::Router {
    metrics::router(state)
}

/// Raises alerts for partner updates not reviewed by their check, every `every` (all instances
/// may run it: each update is claimed once).
pub fn spawn_overdue_scan(state: &AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let (db, bus) = (state.db.clone(), state.services.bus.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match domain::partner_update::raise_overdue(&db, &bus, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(alerts = n, "overdue partner updates escalated"),
                Err(e) => tracing::warn!(code = e.code(), "overdue scan failed"),
            }
        }
    })
}
