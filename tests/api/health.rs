//! REL-07/12: liveness without the database, readiness with it; a real socket once.
use crate::common::*;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn rel_07_livez_and_readyz() {
    let app = TestApp::new().await;
    let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
    assert_eq!(app.send(get("/livez")).await.status, StatusCode::OK);
    let r = app.send(get("/readyz")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    // Shutting down: not ready at once, still alive.
    app.state.shutting_down.store(true, Ordering::Relaxed);
    assert_eq!(app.send(get("/readyz")).await.status, StatusCode::SERVICE_UNAVAILABLE);
    app.state.shutting_down.store(false, Ordering::Relaxed);
    // Database gone: not ready; liveness never touches it.
    app.db.clone().close().await.ok();
    assert_eq!(app.send(get("/readyz")).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.send(get("/livez")).await.status, StatusCode::OK);
    // And a GraphQL read says UNAVAILABLE, not a hang or a 500.
    let r = app.gql("hub.worker", "{ levelsOfNeed { level } }", serde_json::json!({})).await;
    assert_eq!(r.code(), "UNAVAILABLE", "{}", r.raw);
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn serves_over_a_real_socket() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let token = app.token("hub.worker");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = r#"{"query":"{ levelsOfNeed { level ordinal } }"}"#;
    let req = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains(r#""level":"SPECIALIST","ordinal":4"#), "{out}");
    server.abort();
}

#[tokio::test]
async fn levels_of_need_for_every_role() {
    let app = TestApp::new().await;
    for who in ["partner.school", "analyst", "integration.police", "admin", "hub.worker"] {
        let r = app
            .gql(
                who,
                "{ levelsOfNeed { level ordinal name expectedResponse indicators { domain text } } }",
                serde_json::json!({}),
            )
            .await;
        let levels = r.data()["levelsOfNeed"].as_array().unwrap_or_else(|| panic!("{}", r.raw));
        let codes: Vec<&str> = levels.iter().map(|l| l["level"].as_str().unwrap()).collect();
        assert_eq!(codes, ["UNIVERSAL", "UNIVERSAL_PLUS", "INTENSIVE", "SPECIALIST"]);
        assert!(levels.iter().all(|l| !l["indicators"].as_array().unwrap().is_empty()));
    }
}

#[tokio::test]
async fn rel_12_not_ready_while_migrations_are_pending() {
    let database = test_database().await;
    let (db, _) = casegraph::db::connect(&database.url, 1, std::time::Duration::from_secs(5)).await.unwrap();
    assert!(!casegraph::db::ready(&db).await.unwrap(), "an unmigrated database is not ready");
    casegraph::db::migrate(&db).await.unwrap();
    assert!(casegraph::db::ready(&db).await.unwrap());
}

#[tokio::test]
async fn rel_08_database_down_at_start_exits_with_one_clear_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_casegraph"))
        .args(["migrate", "--database-url", "postgres://casegraph:secret-password@127.0.0.1:1/nowhere"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("casegraph:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(!err.contains("secret-password"), "no credentials in the message: {err}");
}

/// REL: when PostgreSQL ends the server's connections (a restart, a failover, an administrator),
/// each broken connection fails at most the request that finds it and is then closed, never
/// handed out again: the requests after that are served on new connections.
#[tokio::test]
async fn connections_the_database_ended_are_closed_and_replaced() {
    use sea_orm::{ConnectionTrait, DatabaseBackend};
    let app = TestApp::new().await;
    if app.db.get_database_backend() != DatabaseBackend::Postgres {
        return; // An embedded database has no connections to lose.
    }
    let c = crate::fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let q = "query($id: ID!) { child(id: $id) { givenName } }";
    let vars = serde_json::json!({ "id": gid("Child", c.child_id) });
    for _ in 0..4 {
        let r = app.gql("sw.alpha1", q, vars.clone()).await;
        assert!(r.body["errors"].is_null(), "{}", r.raw);
    }
    // Every backend of this test's database except the one asking (each test has its own).
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .ok();
    let mut outcomes = vec![];
    for _ in 0..16 {
        let r = app.gql("sw.alpha1", q, vars.clone()).await;
        outcomes.push(r.body["errors"].is_null());
    }
    let failures = outcomes.iter().filter(|ok| !**ok).count();
    // Each broken connection of the test pools (4 + 2) fails at most one request.
    assert!(failures <= 7, "{failures} failed requests: {outcomes:?}");
    assert!(outcomes[8..].iter().all(|ok| *ok), "later requests are served: {outcomes:?}");
}

/// Upgrading past the handovers migration keeps every alert, on the embedded default as it runs in
/// production (a file and a pool of connections: the alerts table is rebuilt there in one
/// transaction on one connection) and on PostgreSQL.
#[tokio::test]
async fn upgrading_keeps_every_alert() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, EntityTrait, sea_query::Query};
    let database = test_database().await;
    let file = std::env::temp_dir().join(format!("casegraph-upgrade-{}.db", sea_orm::prelude::Uuid::now_v7().simple()));
    let url = if database.url.starts_with("sqlite") {
        format!("sqlite://{}?mode=rwc", file.display())
    } else {
        database.url.clone()
    };
    let (db, _) = casegraph::db::connect(&url, 4, std::time::Duration::from_secs(5)).await.unwrap();
    Migrator::up(&db, Some(17)).await.unwrap();
    let (id, update) = (sea_orm::prelude::Uuid::now_v7(), sea_orm::prelude::Uuid::now_v7());
    let insert = Query::insert()
        .into_table("alerts")
        .columns(["id", "recipient_id", "kind", "partner_update_id", "dedupe_key", "created_at"])
        .values_panic([
            id.into(),
            sea_orm::prelude::Uuid::now_v7().into(),
            "NEW_UPDATE".into(),
            update.into(),
            format!("NEW_UPDATE:{update}:x").into(),
            chrono::Utc::now().into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert!(casegraph::db::ready(&db).await.unwrap());
    let kept = entity::alert::Entity::find_by_id(id).one(&db).await.unwrap().expect("the alert survives");
    assert_eq!((kept.partner_update_id, kept.request_id, kept.kind.as_str()), (Some(update), None, "NEW_UPDATE"));
    db.close().await.ok();
    let _ = std::fs::remove_file(&file);
}
