//! INFO-05: after reads, searches, failures and refused tokens involving a sentinel child, the
//! logs hold no name, no date of birth and no token.
use crate::common::*;
use crate::fixtures;
use chrono::NaiveDate;
use entity::child;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread, so the subscriber set for this test sees every task it spawns (DataLoaders too).
#[tokio::test(flavor = "current_thread")]
async fn info_05_no_personal_data_or_tokens_in_logs() {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("debug,sqlx=warn,sea_orm=warn,hyper=info,h2=info,tower=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let mut sentinel: child::ActiveModel = fixtures::child(&app, c.child_id).await.into();
    sentinel.given_name = Set("ZZSENTINEL-NAME".into());
    sentinel.family_name = Set("ZZSENTINEL-FAMILY".into());
    sentinel.given_key = Set("zzsentinelname".into());
    sentinel.family_key = Set("zzsentinelfamily".into());
    sentinel.date_of_birth = Set(NaiveDate::from_ymd_opt(1901, 1, 1));
    sentinel.update(&app.db).await.unwrap();
    let id = gid("Child", c.child_id);
    let token = app.token("sw.alpha1");

    app.gql(
        "sw.alpha1",
        "query($id: ID!) { child(id: $id) { givenName familyName dateOfBirth } }",
        json!({ "id": id }),
    )
    .await;
    app.gql("hub.worker", "{ children(search: {familyName: \"ZZSENTINEL-FAMILY\", dateOfBirth: \"1901-01-01\"}, first: 5) { edges { node { givenName } } } }", json!({})).await;
    app.gql(
        "hub.worker",
        "{ children(search: {familyName: \"ZZSENTINEL-FAMILY\u{0}\"}, first: 5) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    app.gql("partner.school", "query($id: ID!) { child(id: $id) { givenName } }", json!({ "id": id })).await;
    app.post(Some(&format!("{token}x")), &json!({ "query": "{ viewer { roles } }" })).await;
    let mut expired = app.claims("sw.alpha1");
    expired["exp"] = json!(now() - 120);
    app.post(Some(&sign(&expired)), &json!({ "query": "{ viewer { roles } }" })).await;
    app.db.execute_unprepared("ALTER TABLE household_members RENAME TO hm_moved").await.unwrap();
    app.gql(
        "sw.alpha1",
        "query($id: ID!) { child(id: $id) { givenName household { givenName } } }",
        json!({ "id": id }),
    )
    .await;
    app.db.execute_unprepared("ALTER TABLE hm_moved RENAME TO household_members").await.unwrap();

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("authentication failed"), "the test captured the server's logs:\n{logs}");
    assert!(logs.contains("database error"), "and the database failure:\n{logs}");
    for secret in ["ZZSENTINEL", "zzsentinel", "1901-01-01", "eyJ", &token[..20], "Bearer"] {
        assert!(!logs.contains(secret), "{secret} found in logs:\n{logs}");
    }
}

/// Issue 17 (Medium): a token header whose `alg` holds a newline or an escape code writes no
/// forged log line and no raw control character: the reason is escaped before it is logged.
#[tokio::test(flavor = "current_thread")]
async fn an_injected_alg_forges_no_log_line() {
    use base64::Engine;
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber =
        tracing_subscriber::fmt().with_env_filter("info").with_writer(move || writer.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let header = json!({ "alg": "HS256\nFORGED level=ERROR admin logged in\u{1b}[2J", "typ": "JWT" }).to_string();
    let token = format!("{}.{}.{}", b64(&header), b64("{}"), b64("sig"));
    let r = app.post(Some(&token), &json!({ "query": "{ viewer { roles } }" })).await;
    assert_eq!(r.code(), "UNAUTHENTICATED");
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("authentication failed"), "{logs}");
    assert!(!logs.lines().any(|l| l.starts_with("FORGED")), "a forged line:\n{logs}");
    assert!(!logs.contains('\u{1b}'), "a raw escape code:\n{logs}");
}

/// Issue 17 (Medium): every 401 wrote a WARN line and nothing limited the rate. Now failures
/// are counted and logged at most once per ten seconds, with how many there were.
#[tokio::test(flavor = "current_thread")]
async fn failed_authentications_are_logged_sampled() {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber =
        tracing_subscriber::fmt().with_env_filter("info").with_writer(move || writer.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    for i in 0..50 {
        let r = app.post(Some(&format!("not-a-token-{i}")), &json!({ "query": "{ viewer { roles } }" })).await;
        assert_eq!(r.code(), "UNAUTHENTICATED");
    }
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let lines = logs.lines().filter(|l| l.contains("authentication failed")).count();
    assert_eq!(lines, 1, "fifty failures, one line:\n{logs}");
}

/// Issue 17 (Safe logs): `CASEGRAPH_LOG_FORMAT=json` writes one JSON object per line, and every
/// line written while a request runs carries the server's request ID.
#[tokio::test(flavor = "current_thread")]
async fn json_logs_carry_the_request_id_on_every_line() {
    let buf = Buffer::default();
    let writer = buf.clone();
    // The subscriber `casegraph serve` installs with CASEGRAPH_LOG_FORMAT=json.
    let subscriber = casegraph::logging::subscriber(
        casegraph::config::LogFormat::Json,
        "info,tower_http=debug".into(),
        move || writer.clone(),
        false,
    );
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    let r = app.post(Some("nonsense"), &json!({ "query": "{ viewer { roles } }" })).await;
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let mine: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .filter(|v| v["span"]["request_id"] == id.as_str())
        .collect();
    assert!(
        mine.iter().any(|v| v["fields"]["message"] == "authentication failed (one line per 10 s at most)"),
        "{logs}"
    );
    assert!(mine.len() >= 2, "the request's lines carry its ID:\n{logs}");
}
