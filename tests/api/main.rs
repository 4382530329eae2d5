//! The one integration-test binary: the real axum Router, in-process, on SQLite (default) or
//! PostgreSQL (`DATABASE_URL=postgres://...`).
mod audit;
mod auth;
mod authz;
mod cases;
mod children;
mod common;
mod contract;
mod early_help;
mod fixtures;
mod handovers;
mod hardening;
mod health;
mod integration;
mod logs;
mod partner_updates;
mod portal;
mod reports;
mod requests;
mod sdl;
mod security;
mod xsd;
