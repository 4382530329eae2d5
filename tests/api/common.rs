//! Test harness: the real Router, in-process, on SQLite in memory or — when `DATABASE_URL`
//! names a PostgreSQL server — on a fresh PostgreSQL database per test.
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use casegraph::{
    config::{Config, Profile},
    error::ERROR_CODES,
    state::AppState,
};
use entity::staff;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, prelude::Uuid};
use serde_json::{Value, json};
use std::{collections::HashMap, path::PathBuf};
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnop";
pub const ISSUER: &str = "casegraph-test";
pub const AUDIENCE: &str = "casegraph";

pub fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/keys")
}

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// One test's database: SQLite in memory, or a new PostgreSQL database that is dropped again
/// when the test ends (a run would otherwise leave ~150 databases behind on a developer's server).
pub struct TestDb {
    pub url: String,
    /// The server's own URL and the database's name, on PostgreSQL.
    scratch: Option<(String, String)>,
}

pub async fn test_database() -> TestDb {
    test_database_on(std::env::var("DATABASE_URL").ok()).await
}

/// A test database on the PostgreSQL server `admin_url` names (SQLite in memory when `None`).
pub async fn test_database_on(admin_url: Option<String>) -> TestDb {
    match admin_url {
        Some(url) if url.starts_with("postgres") => {
            let admin = Database::connect(url.as_str()).await.expect("connect to PostgreSQL");
            sweep_stale(&admin).await;
            let name = format!("cgt_{}", Uuid::now_v7().simple());
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            admin.close().await.ok();
            let (base, _) = url.rsplit_once('/').expect("DATABASE_URL has a database name");
            TestDb { url: format!("{base}/{name}"), scratch: Some((url.clone(), name)) }
        }
        _ => TestDb { url: "sqlite::memory:".to_string(), scratch: None },
    }
}

impl TestDb {
    /// A SQLite database in a file (for tests that need a second connection to it).
    pub fn sqlite_file(path: &std::path::Path) -> TestDb {
        TestDb { url: format!("sqlite://{}?mode=rwc", path.display()), scratch: None }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.scratch.take() else { return };
        // The test's runtime is ending: drop the database from a thread with its own, ending the
        // connections the test's pools still hold (WITH FORCE). Not waited for: each DROP makes
        // PostgreSQL 15 take a checkpoint, and waiting for them took the suite from 40 to 62 s.
        // The last few of a run (and a single test's) may be cut off when the process exits; the
        // next run's sweep ([`sweep_stale`]) drops those.
        std::thread::spawn(move || drop_database(&admin, &name));
    }
}

fn drop_database(admin: &str, name: &str) -> Option<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
    rt.block_on(async {
        let db = Database::connect(admin).await.ok()?;
        db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()?;
        db.close().await.ok()
    })
}

/// Drops, once per process, the test databases that earlier runs left behind: nobody connected,
/// and older than two minutes by the creation time their names carry (UUIDv7). A test of a run
/// still going on holds its pool's connections from just after it creates its database.
async fn sweep_stale(admin: &DatabaseConnection) {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    SWEPT.call_once(|| first = true);
    if !first {
        return;
    }
    let list = sea_orm::Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT d.datname FROM pg_database d WHERE d.datname LIKE 'cgt\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    );
    let Ok(rows) = admin.query_all_raw(list).await else { return };
    let settled = now().saturating_sub(120) * 1000;
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else { continue };
        let created_ms = Uuid::try_parse(&name[4..]).ok().and_then(|u| u.get_timestamp()).map(|t| t.to_unix().0 * 1000);
        if created_ms.is_some_and(|ms| ms < settled) {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

pub fn test_config(database_url: String) -> Config {
    Config {
        database_url,
        bind: "127.0.0.1:0".parse().unwrap(),
        profile: Profile::Dev,
        jwt_issuer: ISSUER.into(),
        jwt_audience: AUDIENCE.into(),
        jwt_algorithms: vec!["HS256".into()],
        jwt_hs256_secret: Some(SECRET.into()),
        jwt_public_key_pem: None,
        jwt_key_id: "rs1".into(),
        jwt_jwks_file: None,
        jwt_max_lifetime_secs: 3600,
        data_dir: std::env::temp_dir().join("casegraph-tests"),
        demo_data: true,
        request_timeout_secs: 10,
        cors_origins: vec!["https://portal.example.org".into()],
        morning_check: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        afternoon_check: chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
        overdue_scan_secs: 0,
        audit_reads_async_commit: true,
        db_pool: 4,
        access_grace_working_days: 20,
        neglect_screening_max_age_days: 90,
        header_read_timeout_secs: 5,
        body_read_timeout_secs: 10,
        drain_secs: 0,
        shutdown_deadline_secs: 20,
        // The suite sends hundreds of requests a second with one token; the limits' own tests
        // set them.
        rate_per_second: 0,
        rate_burst: 100,
        concurrency_per_principal: 0,
        unauthenticated_per_minute: 0,
        identity_cache_secs: 60,
        jwt_issuer_url: None,
        jwt_jwks_refresh_secs: 600,
        jwt_jwks_min_refresh_secs: 30,
        log_format: casegraph::config::LogFormat::Text,
        metrics_bind: String::new(),
        metrics_sql_statements: false,
        persisted_operations: None,
        persisted_mode: casegraph::persisted::Mode::Off,
        persisted_enforced_roles: vec!["PARTNER_PRACTITIONER".into(), "SAFEGUARDING_LEAD".into(), "INTEGRATION".into()],
        introspection_for_admin: false,
        cors_max_age_secs: 600,
        report_suppression_threshold: 5,
        webhook_interval_ms: 0,
        webhook_timeout_secs: 2,
        webhook_max_attempts: 3,
        webhook_backoff_ms: 0,
        webhook_allow_hosts: "127.0.0.1".into(),
        event_retention_days: 30,
        referral_outcomes: casegraph::domain::Rules::parse_referral_outcomes(
            casegraph::domain::Rules::DEFAULT_REFERRAL_OUTCOMES,
        )
        .unwrap(),
    }
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: DatabaseConnection,
    pub staff: HashMap<String, staff::Model>,
    /// Last, so that it is dropped after the pools above.
    _database: TestDb,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Resp {
    /// The `extensions.code` of every error, in order.
    pub fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_string()).collect())
            .unwrap_or_default()
    }

    pub fn code(&self) -> String {
        self.codes().first().cloned().unwrap_or_default()
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The `userErrors` of a mutation's payload as (dotted field path, code) pairs.
    pub fn user_errors(&self, field: &str) -> Vec<(String, String)> {
        self.data()[field]["userErrors"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", self.raw))
            .iter()
            .map(|e| {
                let f: Vec<&str> = e["field"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
                (f.join("."), e["code"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// An app with the demo data, after `f` adjusts the configuration.
    pub async fn with(f: impl FnOnce(&mut Config)) -> Self {
        Self::on(test_database().await, f).await
    }

    /// An app on a given test database.
    pub async fn on(database: TestDb, f: impl FnOnce(&mut Config)) -> Self {
        let mut cfg = test_config(database.url.clone());
        f(&mut cfg);
        let state = casegraph::build_state(&cfg).await.expect("start");
        casegraph::seed::demo(&state.db).await.expect("seed");
        let staff =
            staff::Entity::find().all(&state.db).await.unwrap().into_iter().map(|s| (s.handle.clone(), s)).collect();
        let router = casegraph::app(state.clone(), &cfg);
        TestApp { router, db: state.db.clone(), state, staff, _database: database }
    }

    /// The test database's URL.
    pub fn url(&self) -> &str {
        &self._database.url
    }

    pub fn staff_id(&self, handle: &str) -> Uuid {
        self.staff[handle].id
    }

    /// The claims a seeded person's token carries.
    pub fn claims(&self, handle: &str) -> Value {
        let s = &self.staff[handle];
        let mut c = json!({
            "sub": s.id.to_string(), "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 600,
            "roles": s.roles.split(',').collect::<Vec<_>>(), "org": s.organisation_id.to_string(),
        });
        if let Some(t) = s.team_id {
            c["team"] = json!(t.to_string());
        }
        if !s.scopes.is_empty() {
            c["scope"] = json!(s.scopes);
        }
        c
    }

    pub fn token(&self, handle: &str) -> String {
        sign(&self.claims(handle))
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let raw = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
        let r = Resp { status, headers, body, raw };
        // INFO-04: every error the suite sees carries a code from the closed set.
        for code in r.codes() {
            assert!(ERROR_CODES.contains(&code.as_str()), "error code {code} outside the closed set: {}", r.raw);
        }
        r
    }

    /// POST /graphql with a JSON body and an optional bearer token.
    pub async fn post(&self, token: Option<&str>, body: &Value) -> Resp {
        let mut b = Request::post("/graphql").header("content-type", "application/json");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap()).await
    }

    /// Runs a query as a seeded person.
    pub async fn gql(&self, handle: &str, query: &str, variables: Value) -> Resp {
        let t = self.token(handle);
        self.post(Some(&t), &json!({ "query": query, "variables": variables })).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

/// Signs claims with the test HS256 secret, `kid` = dev.
pub fn sign(claims: &Value) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("dev".into());
    jsonwebtoken::encode(&h, claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

/// The UUID inside a global ID.
pub fn uuid_of(gid: &str) -> Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(gid).expect("a global ID");
    let text = String::from_utf8(raw).expect("utf-8");
    text.split_once(':').and_then(|(_, u)| Uuid::parse_str(u).ok()).expect("kind:uuid")
}

/// Global ID as the server encodes it (tests need IDs of seeded rows).
pub fn gid(kind: &str, id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{}", id.simple()))
}
