//! Everything configurable, from flags or the environment, validated once at start. A bad
//! setting stops the process with one clear line (never a panic deep inside a request).
use clap::{Args, ValueEnum};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// `dev` serves GraphiQL, introspection and the development token key; `prod` refuses all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    Dev,
    Prod,
}

/// How log lines are written: `text` for a person at a terminal, `json` for a log pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` (embedded default) or `postgres://user:pass@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/casegraph.db?mode=rwc", global = true)]
    pub database_url: String,

    /// Address to serve on.
    #[arg(long, env = "CASEGRAPH_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: SocketAddr,

    /// `dev` or `prod`.
    #[arg(long, env = "CASEGRAPH_PROFILE", value_enum, default_value = "dev", global = true)]
    pub profile: Profile,

    /// Expected `iss` of every token.
    #[arg(long, env = "JWT_ISSUER", default_value = "casegraph-dev", global = true)]
    pub jwt_issuer: String,

    /// Expected `aud` of every token.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "casegraph", global = true)]
    pub jwt_audience: String,

    /// Allowed signing algorithms (comma separated): HS256 (dev only), RS256, ES256.
    #[arg(long, env = "JWT_ALGORITHMS", default_value = "HS256", value_delimiter = ',', global = true,
          value_parser = ["HS256", "RS256", "ES256"])]
    pub jwt_algorithms: Vec<String>,

    /// HS256 secret (at least 32 bytes; dev profile only). In dev, when unset, a random secret is
    /// created once in `<data dir>/dev-jwt-secret` and reused.
    #[arg(long, env = "JWT_HS256_SECRET", hide_env_values = true, global = true)]
    pub jwt_hs256_secret: Option<String>,

    /// A PEM public key (RS256 or ES256) for verifying tokens, with `--jwt-key-id` as its `kid`.
    #[arg(long, env = "JWT_PUBLIC_KEY_PEM", global = true)]
    pub jwt_public_key_pem: Option<PathBuf>,

    /// `kid` of the PEM key.
    #[arg(long, env = "JWT_KEY_ID", default_value = "default", global = true)]
    pub jwt_key_id: String,

    /// A JWKS file of public keys, chosen by `kid`.
    #[arg(long, env = "JWT_JWKS_FILE", global = true)]
    pub jwt_jwks_file: Option<PathBuf>,

    /// Longest accepted token lifetime in seconds (from now to `exp`).
    #[arg(long, env = "JWT_MAX_LIFETIME_SECS", default_value_t = 3600, global = true,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub jwt_max_lifetime_secs: u64,

    /// Directory for the embedded database and the development key.
    #[arg(long, env = "CASEGRAPH_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Load the synthetic demo data when the database is empty (dev profile only).
    #[arg(long, env = "CASEGRAPH_DEMO_DATA", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub demo_data: bool,

    /// Seconds a request may run before it is cancelled with `TIMEOUT`.
    #[arg(long, env = "CASEGRAPH_REQUEST_TIMEOUT_SECS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub request_timeout_secs: u64,

    /// Browser origins allowed by CORS (comma separated), e.g. the partner portal.
    #[arg(long, env = "CASEGRAPH_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// The partner-update mailbox's morning check (London time, HH:MM): updates received
    /// before it on a working day are due by then.
    #[arg(long, env = "CASEGRAPH_MORNING_CHECK", default_value = "10:00", global = true, value_parser = hh_mm)]
    pub morning_check: chrono::NaiveTime,

    /// The afternoon check (HH:MM): updates received after the morning check are due by then.
    #[arg(long, env = "CASEGRAPH_AFTERNOON_CHECK", default_value = "15:00", global = true, value_parser = hh_mm)]
    pub afternoon_check: chrono::NaiveTime,

    /// Seconds between scans for partner updates not reviewed by their check (0: no scan).
    #[arg(long, env = "CASEGRAPH_OVERDUE_SCAN_SECS", default_value_t = 60, global = true)]
    pub overdue_scan_secs: u64,

    /// On PostgreSQL, write read-audit rows without waiting for the disk (a crash may lose the
    /// last fraction of a second of read rows; writes and their audit rows stay synchronous).
    #[arg(long, env = "CASEGRAPH_AUDIT_READS_ASYNC_COMMIT", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub audit_reads_async_commit: bool,

    /// Working days a social worker keeps access to an unrestricted child's record after their
    /// case closes, for recording (access through a restricted child's case ends at once).
    #[arg(long, env = "CASEGRAPH_ACCESS_GRACE_WORKING_DAYS", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u32).range(0..=120))]
    pub access_grace_working_days: u32,

    /// Days a completed neglect screening may be used on a request for support.
    #[arg(long, env = "CASEGRAPH_NEGLECT_SCREENING_MAX_AGE_DAYS", default_value_t = 90, global = true,
          value_parser = clap::value_parser!(u32).range(1..=730))]
    pub neglect_screening_max_age_days: u32,

    /// Seconds a client has to send a request's headers before the connection is closed.
    #[arg(long, env = "CASEGRAPH_HEADER_READ_TIMEOUT_SECS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub header_read_timeout_secs: u64,

    /// Seconds a client has to send a request's body once its token is accepted (408 after).
    #[arg(long, env = "CASEGRAPH_BODY_READ_TIMEOUT_SECS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_read_timeout_secs: u64,

    /// On SIGTERM: seconds `/readyz` answers 503 while requests are still accepted, so that a load
    /// balancer stops sending before the listener closes.
    #[arg(long, env = "CASEGRAPH_DRAIN_SECS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_secs: u64,

    /// On SIGTERM, after the drain: seconds open requests may still run before they are cancelled
    /// (their transactions roll back).
    #[arg(long, env = "CASEGRAPH_SHUTDOWN_DEADLINE_SECS", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_deadline_secs: u64,

    /// Requests per second one verified principal may make, sustained (0: no limit).
    #[arg(long, env = "CASEGRAPH_RATE_PER_SECOND", default_value_t = 20, global = true)]
    pub rate_per_second: u32,

    /// Requests one principal may make in a burst above the sustained rate.
    #[arg(long, env = "CASEGRAPH_RATE_BURST", default_value_t = 100, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_burst: u32,

    /// GraphQL requests one principal may have running or waiting at once (0: no limit).
    #[arg(long, env = "CASEGRAPH_CONCURRENCY_PER_PRINCIPAL", default_value_t = 4, global = true)]
    pub concurrency_per_principal: u32,

    /// Requests per minute without a valid token that one client address may make before they
    /// are answered 429 instead of 401 (0: no limit).
    #[arg(long, env = "CASEGRAPH_UNAUTHENTICATED_PER_MINUTE", default_value_t = 60, global = true)]
    pub unauthenticated_per_minute: u32,

    /// Seconds a staff record's state (active, roles, organisation) is cached: a deactivated
    /// person or a removed role stops working within this time.
    #[arg(long, env = "CASEGRAPH_IDENTITY_CACHE_SECS", default_value_t = 60, global = true,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub identity_cache_secs: u64,

    /// The identity provider's issuer URL: its OpenID discovery document names the JWKS, fetched
    /// at start, on a token with an unknown `kid` (at most every `JWT_JWKS_MIN_REFRESH_SECS`) and
    /// every `JWT_JWKS_REFRESH_SECS`. Its `issuer` must equal `JWT_ISSUER`.
    #[arg(long, env = "JWT_ISSUER_URL", global = true)]
    pub jwt_issuer_url: Option<String>,

    /// Seconds between scheduled JWKS refreshes.
    #[arg(long, env = "JWT_JWKS_REFRESH_SECS", default_value_t = 600, global = true,
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub jwt_jwks_refresh_secs: u64,

    /// Fewest seconds between two refreshes caused by unknown `kid`s.
    #[arg(long, env = "JWT_JWKS_MIN_REFRESH_SECS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub jwt_jwks_min_refresh_secs: u64,

    /// `text` or `json` (one JSON object per line, with the request ID on every line).
    #[arg(long, env = "CASEGRAPH_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Address of the Prometheus `/metrics` listener, apart from the API's (empty: none).
    #[arg(long, env = "CASEGRAPH_METRICS_BIND", default_value = "127.0.0.1:9464", global = true)]
    pub metrics_bind: String,

    /// Benchmarks only: also count SQL statements in the metrics. The count differs with what a
    /// request finds (e.g. whether a child is known), so it stays off in service.
    #[arg(long, env = "CASEGRAPH_METRICS_SQL_STATEMENTS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub metrics_sql_statements: bool,

    /// Registered persisted operations: a JSON object of `sha256 → text`, or an Apollo
    /// persisted-query manifest.
    #[arg(long, env = "CASEGRAPH_PERSISTED_OPERATIONS", global = true)]
    pub persisted_operations: Option<PathBuf>,

    /// `off` (any operation; clients may register by hash, Apollo's way), `audit` (the same, and
    /// operations not registered are logged by hash) or `enforce` (the enforced roles run
    /// registered operations only).
    #[arg(long, env = "CASEGRAPH_PERSISTED_MODE", value_enum, default_value = "off", global = true)]
    pub persisted_mode: crate::persisted::Mode,

    /// Roles held to registered operations in `enforce` mode (comma separated).
    #[arg(
        long,
        env = "CASEGRAPH_PERSISTED_ENFORCED_ROLES",
        value_delimiter = ',',
        global = true,
        default_value = "PARTNER_PRACTITIONER,SAFEGUARDING_LEAD,INTEGRATION"
    )]
    pub persisted_enforced_roles: Vec<String>,

    /// In the prod profile, let `ADMIN` introspect the schema (the dev profile always allows it).
    #[arg(long, env = "CASEGRAPH_INTROSPECTION_FOR_ADMIN", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub introspection_for_admin: bool,

    /// Seconds a browser may cache a CORS preflight answer.
    #[arg(long, env = "CASEGRAPH_CORS_MAX_AGE_SECS", default_value_t = 600, global = true,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub cors_max_age_secs: u64,

    /// Reports hide any count from 1 to this minus one (and what would give one away).
    #[arg(long, env = "CASEGRAPH_REPORT_SUPPRESSION_THRESHOLD", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(2..=100))]
    pub report_suppression_threshold: u64,

    /// The hub outcomes recorded as a CIN referral rather than a contact (Annex A lists 1 and 3,
    /// the CIN census): comma-separated hub outcome codes.
    #[arg(long, env = "CASEGRAPH_REFERRAL_OUTCOMES", default_value = crate::domain::Rules::DEFAULT_REFERRAL_OUTCOMES,
          global = true, value_parser = crate::domain::Rules::parse_referral_outcomes)]
    pub referral_outcomes: u16,

    /// Milliseconds between webhook delivery passes (0: this instance delivers none).
    #[arg(long, env = "CASEGRAPH_WEBHOOK_INTERVAL_MS", default_value_t = 1000, global = true,
          value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub webhook_interval_ms: u64,

    /// Seconds one webhook delivery may take.
    #[arg(long, env = "CASEGRAPH_WEBHOOK_TIMEOUT_SECS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_secs: u64,

    /// Attempts at one event before it goes to the dead letters.
    #[arg(long, env = "CASEGRAPH_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8, global = true,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub webhook_max_attempts: u32,

    /// Milliseconds before the first retry; each later one waits twice as long (at most an hour).
    #[arg(long, env = "CASEGRAPH_WEBHOOK_BACKOFF_MS", default_value_t = 2000, global = true,
          value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub webhook_backoff_ms: u64,

    /// Hosts (or host:port), comma-separated, that webhooks may reach even at a private,
    /// loopback or link-local address.
    #[arg(long, env = "CASEGRAPH_WEBHOOK_ALLOW_HOSTS", default_value = "", global = true)]
    pub webhook_allow_hosts: String,

    /// Days the events feed and webhook deliveries keep events.
    #[arg(long, env = "CASEGRAPH_EVENT_RETENTION_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub event_retention_days: u32,

    /// Database pool size.
    #[arg(long, env = "CASEGRAPH_DB_POOL", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u32).range(1..=200))]
    pub db_pool: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    pub fn dev(&self) -> bool {
        self.profile == Profile::Dev
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_bind.trim().parse().ok()
    }

    /// How webhooks are delivered.
    pub fn webhook_settings(&self) -> crate::domain::webhook::Settings {
        crate::domain::webhook::Settings {
            https_only: !self.dev(),
            allow_hosts: self
                .webhook_allow_hosts
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect(),
            timeout: std::time::Duration::from_secs(self.webhook_timeout_secs),
            max_attempts: i32::try_from(self.webhook_max_attempts).unwrap_or(8),
            backoff: std::time::Duration::from_millis(self.webhook_backoff_ms),
            retention: chrono::Duration::days(i64::from(self.event_retention_days)),
        }
    }

    /// The mailbox check times.
    pub fn check_times(&self) -> crate::domain::partner_update::CheckTimes {
        crate::domain::partner_update::CheckTimes { morning: self.morning_check, afternoon: self.afternoon_check }
    }

    /// Checks what single values cannot: combinations of settings and the profile's rules.
    /// Each value's own form and range is checked by its clap value parser as it is read.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: &str| Err(ConfigError(m.to_string()));
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return err("DATABASE_URL must start with sqlite:, postgres:// or postgresql://");
        }
        if self.jwt_issuer.trim().is_empty() || self.jwt_audience.trim().is_empty() {
            return err("JWT_ISSUER and JWT_AUDIENCE must not be empty");
        }
        if self.jwt_algorithms.is_empty() {
            return err("JWT_ALGORITHMS must name at least one algorithm");
        }
        let hs = self.jwt_algorithms.iter().any(|a| a == "HS256");
        if let Some(s) = &self.jwt_hs256_secret {
            if s.len() < 32 {
                return err("JWT_HS256_SECRET must be at least 32 bytes");
            }
            if !hs {
                return err("JWT_HS256_SECRET is set but HS256 is not in JWT_ALGORITHMS");
            }
        }
        if self.profile == Profile::Prod {
            if hs || self.jwt_hs256_secret.is_some() {
                return err("the prod profile refuses the HS256 development secret: configure RS256/ES256 keys");
            }
            if self.jwt_public_key_pem.is_none() && self.jwt_jwks_file.is_none() && self.jwt_issuer_url.is_none() {
                return err("the prod profile needs JWT_ISSUER_URL, JWT_PUBLIC_KEY_PEM or JWT_JWKS_FILE");
            }
            if let Some(u) = &self.jwt_issuer_url
                && !u.starts_with("https://")
            {
                return err("the prod profile needs an https:// JWT_ISSUER_URL");
            }
        }
        if let Some(u) = &self.jwt_issuer_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return err("JWT_ISSUER_URL must be an http(s) URL");
        }
        if !self.metrics_bind.trim().is_empty() && self.metrics_addr().is_none() {
            return err("CASEGRAPH_METRICS_BIND must be host:port (or empty for none)");
        }
        for r in &self.persisted_enforced_roles {
            if r.parse::<crate::auth::Role>().is_err() {
                return Err(ConfigError(format!("CASEGRAPH_PERSISTED_ENFORCED_ROLES: unknown role {r:?}")));
            }
        }
        if self.morning_check >= self.afternoon_check {
            return err("CASEGRAPH_MORNING_CHECK must be before CASEGRAPH_AFTERNOON_CHECK");
        }
        for o in &self.cors_origins {
            if o == "*" || !(o.starts_with("https://") || o.starts_with("http://")) {
                return Err(ConfigError(format!("CASEGRAPH_CORS_ORIGINS: {o:?} is not an origin (no wildcards)")));
            }
        }
        Ok(())
    }
}

/// A wall-clock time written `HH:MM`, e.g. `10:00`.
fn hh_mm(v: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(v, "%H:%M").map_err(|_| format!("{v:?} is not HH:MM, e.g. 10:00"))
}
