//! casegraph: one GraphQL API over the case information Blackpool children's services and
//! their partner agencies share. See README.md and DESIGN.md.
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod seed;

use app::AppState;
use auth::jwt::KeySet;
use config::Config;
use std::sync::{Arc, atomic::AtomicBool};

/// Validates the configuration, loads the keys, connects and migrates: everything `serve`
/// needs before it binds. Tests call it too, so they run the same start-up path.
pub async fn build_state(cfg: &Config) -> anyhow::Result<AppState> {
    cfg.validate()?;
    let keys = KeySet::from_config(cfg)?;
    let (db, statements) = db::connect(&cfg.database_url, cfg.db_pool, cfg.request_timeout()).await?;
    db::migrate(&db).await?;
    Ok(AppState {
        schema: graphql::build_schema(cfg.dev()),
        db,
        keys: Arc::new(keys),
        dev: cfg.dev(),
        timeout: cfg.request_timeout(),
        shutting_down: Arc::new(AtomicBool::new(false)),
        statements,
    })
}

/// The axum Router, as served and as tested.
pub fn app(state: AppState, cfg: &Config) -> axum::Router {
    app::router(state, &cfg.cors_origins)
}
