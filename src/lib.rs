//! casegraph: one GraphQL API over the case information Blackpool children's services and
//! their partner agencies share. See README.md and docs/design.md.
pub mod alerts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod context;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod rows;
pub mod seed;
pub mod state;
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
    let keys = KeySet::from_config(cfg)?;
    let (db, statements) = db::connect(&cfg.database_url, cfg.db_pool, cfg.request_timeout()).await?;
    db::migrate(&db).await?;
    let bus = alerts::AlertBus::new(db.get_database_backend());
    bus.start(&db).await?;
    let services = graphql::Services {
        bus,
        check_times: cfg.check_times(),
        organisations: Default::default(),
        calendar: Default::default(),
        rules: graphql::Rules {
            access_grace_working_days: cfg.access_grace_working_days,
            screening_max_age_days: cfg.neglect_screening_max_age_days,
        },
    };
    let audit_db = if cfg.database_url.starts_with("postgres") && cfg.audit_reads_async_commit {
        db::connect_audit(&cfg.database_url, AUDIT_WRITERS as u32, &statements).await?
    } else {
        db.clone()
    };
    Ok(AppState {
        schema: graphql::build_schema(cfg.dev()),
        ws_schema: graphql::build_ws_schema(cfg.dev()),
        documents: Default::default(),
        db,
        keys: Arc::new(keys),
        dev: cfg.dev(),
        timeout: cfg.request_timeout(),
        shutting_down: Arc::new(AtomicBool::new(false)),
        statements: statements.clone(),
        services,
        audit: audit::Sink::start(audit_db, AUDIT_WRITERS),
        in_flight: (cfg.db_pool as usize / 2).max(2),
        slots: std::sync::Arc::new(tokio::sync::Semaphore::new((cfg.db_pool as usize / 2).max(2))),
    })
}

/// The axum Router, as served and as tested.
pub fn app(state: AppState, cfg: &Config) -> axum::Router {
    app::router(state, &cfg.cors_origins)
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
