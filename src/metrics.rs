//! Operational metrics in the Prometheus text format, served on their own listen address
//! (`CASEGRAPH_METRICS_BIND`), never on the API's: requests and latency per operation name,
//! errors by code, refusals, the pools, requests in flight and queued, the audit flush and the
//! alert relay. Nothing here counts what a request found (a child known or not): only that it
//! ran, how long it took and how it ended. The SQL statement counter, which does differ with
//! what a request finds, is added only when `CASEGRAPH_METRICS_SQL_STATEMENTS` is set, for the
//! benchmark.
//!
//! Each [`Metrics`] is its own registry (the `metrics` crate's `Recorder` used directly, not the
//! process-global one), so the tests' many servers in one process do not mix their counts.
use crate::state::AppState;
use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::DatabaseBackend;
use std::{collections::HashSet, sync::Mutex, time::Duration};

static META: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Distinct operation names kept as labels; later new names count as `other` (a client chooses
/// the name, and each label value is a time series held in memory).
const MAX_OPERATIONS: usize = 200;

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    operations: Mutex<HashSet<String>>,
    sql_statements: bool,
}

impl Metrics {
    pub fn new(sql_statements: bool) -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let m = Metrics { recorder, handle, operations: Mutex::new(HashSet::new()), sql_statements };
        m.describe();
        m
    }

    fn describe(&self) {
        let c = |name: &'static str, help: &'static str| {
            self.recorder.describe_counter(KeyName::from_const_str(name), None, SharedString::const_str(help))
        };
        c("casegraph_http_requests_total", "GraphQL requests answered, by operation name and HTTP status.");
        c("casegraph_errors_total", "Errors returned to clients, by extensions.code.");
        c("casegraph_refused_total", "Requests refused before running, by reason.");
        let h = |name: &'static str, help: &'static str| {
            self.recorder.describe_histogram(
                KeyName::from_const_str(name),
                Some(Unit::Seconds),
                SharedString::const_str(help),
            )
        };
        h("casegraph_request_duration_seconds", "Time from a request's body being read to its answer, by operation.");
        h("casegraph_audit_flush_seconds", "Time to store a request's read audit rows.");
        h("casegraph_alert_relay_lag_seconds", "Time from an alert's commit to its signal reaching other instances.");
        let g = |name: &'static str, help: &'static str| {
            self.recorder.describe_gauge(KeyName::from_const_str(name), None, SharedString::const_str(help))
        };
        g("casegraph_db_pool_connections", "Database connections of the request pool, by state (open, idle).");
        g("casegraph_requests_in_flight", "GraphQL requests holding an execution slot.");
        g("casegraph_requests_queued", "GraphQL requests waiting for an execution slot.");
    }

    /// The operation label for a client-chosen name: itself if it looks like a GraphQL name and
    /// there is room, else `other`; `anonymous` when there is none.
    fn operation(&self, name: Option<&str>) -> String {
        let Some(name) = name else { return "anonymous".into() };
        let valid = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "other".into();
        }
        let mut known = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        if known.contains(name) || (known.len() < MAX_OPERATIONS && known.insert(name.to_string())) {
            name.to_string()
        } else {
            "other".into()
        }
    }

    /// One answered GraphQL request.
    pub fn request(&self, operation: Option<&str>, status: u16, took: Duration, codes: &[&str]) {
        let op = self.operation(operation);
        let labels = vec![Label::new("operation", op.clone()), Label::new("status", status.to_string())];
        self.recorder.register_counter(&Key::from_parts("casegraph_http_requests_total", labels), &META).increment(1);
        self.recorder
            .register_histogram(
                &Key::from_parts("casegraph_request_duration_seconds", vec![Label::new("operation", op)]),
                &META,
            )
            .record(took.as_secs_f64());
        for code in codes {
            self.error(code);
        }
    }

    pub fn error(&self, code: &str) {
        let labels = vec![Label::new("code", code.to_string())];
        self.recorder.register_counter(&Key::from_parts("casegraph_errors_total", labels), &META).increment(1);
    }

    /// A request turned away before it ran: `rate_limited`, `unauthenticated`, `timeout`...
    pub fn refused(&self, reason: &'static str) {
        let labels = vec![Label::new("reason", reason)];
        self.recorder.register_counter(&Key::from_parts("casegraph_refused_total", labels), &META).increment(1);
    }

    pub fn audit_flush(&self, took: Duration) {
        self.recorder
            .register_histogram(&Key::from_name("casegraph_audit_flush_seconds"), &META)
            .record(took.as_secs_f64());
    }

    pub fn alert_relay_lag(&self, lag: Duration) {
        self.recorder
            .register_histogram(&Key::from_name("casegraph_alert_relay_lag_seconds"), &META)
            .record(lag.as_secs_f64());
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>, v: f64) {
        self.recorder.register_gauge(&Key::from_parts(name, labels), &META).set(v);
    }

    /// The text a scrape gets, with the gauges read now.
    pub fn render(&self, s: &AppState) -> String {
        let (open, idle) = match s.db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let p = s.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
            DatabaseBackend::Sqlite => {
                let p = s.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => (0, 0),
        };
        self.gauge("casegraph_db_pool_connections", vec![Label::new("state", "open")], open as f64);
        self.gauge("casegraph_db_pool_connections", vec![Label::new("state", "idle")], idle as f64);
        self.gauge(
            "casegraph_requests_in_flight",
            vec![],
            s.in_flight.saturating_sub(s.slots.available_permits()) as f64,
        );
        self.gauge("casegraph_requests_queued", vec![], s.queue.waiting() as f64);
        let mut text = self.handle.render();
        if self.sql_statements {
            text.push_str(&format!(
                "# HELP casegraph_sql_statements_total SQL statements run (benchmark builds only).\n\
                 # TYPE casegraph_sql_statements_total counter\ncasegraph_sql_statements_total {}\n",
                s.statements.get()
            ));
        }
        text
    }
}

/// The metrics listener's routes: `GET /metrics` only.
pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(s): State<AppState>) -> Response {
    let mut res = (StatusCode::OK, s.metrics.render(&s)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    res
}
