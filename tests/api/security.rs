//! HTTP-xx, LIM-xx, INFO-xx: the hardened GraphQL-over-HTTP surface.
use crate::common::*;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;

fn post_with(ctype: Option<&str>, token: &str, body: String) -> Request<Body> {
    let mut b = Request::post("/graphql").header("authorization", format!("Bearer {token}"));
    if let Some(c) = ctype {
        b = b.header("content-type", c);
    }
    b.body(Body::from(body)).unwrap()
}

/// HTTP-01/06, revised by issue 20: a mutation never runs over GET (405 with `Allow: POST`, in
/// both profiles); queries do (GraphQL-over-HTTP); the IDE answers only a browser in dev.
#[tokio::test]
async fn http_01_06_get_never_runs_a_mutation() {
    let app = TestApp::new().await;
    let t = app.token("tm.alpha");
    let before = app.count("audit_events").await;
    let q = urlencode(
        "mutation { closeCase(input: {caseId: \"x\", reason: DIED, expectedVersion: 1}) { userErrors { code } } }",
    );
    let req = Request::get(format!("/graphql?query={q}"))
        .header("authorization", format!("Bearer {t}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers["allow"], "POST");
    let page = Request::get(format!("/graphql?query={q}")).header("accept", "text/html").body(Body::empty()).unwrap();
    let r = app.send(page).await;
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"), "dev serves GraphiQL to a browser");
    assert_eq!(app.count("audit_events").await, before, "nothing ran");
    // Production: no IDE; the mutation is still 405.
    let prod = TestApp::with(|c| {
        c.profile = casegraph::config::Profile::Prod;
        c.jwt_algorithms = vec!["RS256".into()];
        c.jwt_hs256_secret = None;
        c.jwt_public_key_pem = Some(keys_dir().join("rsa-public.pem"));
    })
    .await;
    let r = prod.send(Request::get("/graphql").header("accept", "text/html").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no IDE in production: an API request without a token");
    for path in ["/graphiql", "/playground"] {
        assert_eq!(prod.send(Request::get(path).body(Body::empty()).unwrap()).await.status, StatusCode::NOT_FOUND);
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn http_02_only_json_posts_run() {
    let app = TestApp::new().await;
    let t = app.token("hub.worker");
    let body = json!({ "query": "{ viewer { roles } }" }).to_string();
    for ctype in
        [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), None]
    {
        let r = app.send(post_with(ctype, &t, body.clone())).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ctype:?}");
    }
    let r = app.send(post_with(Some("application/json; charset=utf-8"), &t, body)).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn http_03_cors_only_for_listed_origins() {
    let app = TestApp::new().await;
    let preflight = |origin: &str| {
        Request::options("/graphql")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(preflight("https://evil.example.com")).await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
    let r = app.send(preflight("https://portal.example.org")).await;
    assert_eq!(r.headers["access-control-allow-origin"], "https://portal.example.org");
}

#[tokio::test]
async fn http_04_headers_on_every_response() {
    let app = TestApp::new().await;
    let ok = app.gql("hub.worker", "{ viewer { roles } }", json!({})).await;
    let unauth = app.post(None, &json!({ "query": "{ __typename }" })).await;
    let bad = app.gql("hub.worker", "{ nope }", json!({})).await;
    for r in [&ok, &unauth, &bad] {
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert!(r.headers.get("server").is_none() && r.headers.get("x-powered-by").is_none());
        assert!(r.headers.get("x-request-id").is_some());
    }
}

#[tokio::test]
async fn media_type_follows_accept() {
    let app = TestApp::new().await;
    let t = app.token("hub.worker");
    let req = |accept: &str, q: &str| {
        Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", accept)
            .header("authorization", format!("Bearer {t}"))
            .body(Body::from(json!({ "query": q }).to_string()))
            .unwrap()
    };
    let r = app.send(req("application/graphql-response+json", "{ viewer { roles } }")).await;
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
    let r = app.send(req("application/json", "{ viewer { roles } }")).await;
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    // A validation error: 400 with the new media type, 200 with the legacy one; no "data" key.
    let r = app.send(req("application/graphql-response+json", "{ nope }")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.get("data").is_none());
    assert_eq!(r.code(), "BAD_REQUEST");
    let r = app.send(req("application/json", "{ nope }")).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn lim_01_02_05_06_depth_complexity_aliases_directives_fragments() {
    let app = TestApp::new().await;
    // The caller's staff record is read once (then cached): before the count starts.
    assert_eq!(app.gql("tm.alpha", "{ viewer { id } }", json!({})).await.status, StatusCode::OK);
    let audit_before = app.count("audit_events").await;
    let statements_before = app.state.statements.get();
    // Depth 12.
    let deep = format!(
        "{{ caseload(first: 1) {{ edges {{ node {{ {} id {} }} }} }} }}",
        "child { cases { ".repeat(4),
        "} } ".repeat(4)
    );
    assert_eq!(app.gql("tm.alpha", &deep, json!({})).await.code(), "QUERY_TOO_DEEP");
    // 1000 aliases; one field 1000 times.
    let aliases: String = (0..1000).map(|i| format!("a{i}: __typename ")).collect();
    assert_eq!(app.gql("tm.alpha", &format!("{{ {aliases} }}"), json!({})).await.code(), "QUERY_TOO_COMPLEX");
    let repeated = "__typename ".repeat(1000);
    assert_eq!(app.gql("tm.alpha", &format!("{{ {repeated} }}"), json!({})).await.code(), "QUERY_TOO_COMPLEX");
    // A wide page times a deep selection.
    let wide = "{ caseload(first: 100) { edges { node { id kind status version openedAt child { id givenName familyName dateOfBirth sex upn nhsNumber household { givenName familyName relationship } } allocatedWorker { id displayName } team { id name } } } } }";
    assert_eq!(app.gql("tm.alpha", wide, json!({})).await.code(), "QUERY_TOO_COMPLEX");
    // 11 directives on one field; duplicated directives.
    let dirs = "@include(if: true) ".repeat(11);
    assert!(!app.gql("tm.alpha", &format!("{{ viewer {dirs} {{ roles }} }}"), json!({})).await.codes().is_empty());
    // Cyclic fragments.
    let cyclic = "query { viewer { ...A } } fragment A on Viewer { team { ...B } } fragment B on Team { organisation { name } ...A }";
    assert!(!app.gql("tm.alpha", cyclic, json!({})).await.codes().is_empty());
    assert_eq!(app.state.statements.get(), statements_before, "no resolver ran: not one SQL statement");
    assert_eq!(app.count("audit_events").await, audit_before);
    // A real portal page fits.
    let page = "{ caseload(first: 20) { edges { node { id kind status child { id givenName familyName dateOfBirth } allocatedWorker { displayName } team { name } } } pageInfo { hasNextPage endCursor } } }";
    let r = app.gql("tm.alpha", page, json!({})).await;
    assert!(r.body["errors"].is_null(), "{}", r.raw);
}

#[tokio::test]
async fn lim_03_04_07_pages_batches_and_bodies() {
    let app = TestApp::new().await;
    let t = app.token("tm.alpha");
    let r = app.gql("tm.alpha", "{ caseload(first: 10000) { edges { node { id } } } }", json!({})).await;
    assert_eq!(r.code(), "BAD_USER_INPUT");
    // A JSON array of operations is refused.
    let batch = json!([{ "query": "{ viewer { roles } }" }, { "query": "{ viewer { roles } }" }]).to_string();
    let r = app.send(post_with(Some("application/json"), &t, batch)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A body over 1 MiB: 413 with Content-Length.
    let big = json!({ "query": format!("{{ viewer {{ roles }} }} #{}", "x".repeat(1 << 20)) }).to_string();
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("content-length", big.len())
        .header("authorization", format!("Bearer {t}"))
        .body(Body::from(big))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Chunked (no Content-Length): refused too, never 200.
    let big = json!({ "query": format!("{{ viewer {{ roles }} }} #{}", "x".repeat(1 << 20)) }).to_string();
    let stream = futures_stream(big);
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {t}"))
        .body(stream)
        .unwrap();
    let status = app.send(req).await.status;
    assert!(status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::BAD_REQUEST, "{status}");
    // Malformed JSON.
    let r = app.send(post_with(Some("application/json"), &t, "{not json".into())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

fn futures_stream(s: String) -> Body {
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> =
        s.into_bytes().chunks(64 * 1024).map(|c| Ok(axum::body::Bytes::copy_from_slice(c))).collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn info_01_02_introspection_and_suggestions() {
    let dev = TestApp::new().await;
    let r = dev.gql("hub.worker", "{ __schema { types { name } } }", json!({})).await;
    assert!(r.data()["__schema"]["types"].as_array().is_some_and(|t| !t.is_empty()), "dev keeps introspection");
    let r = dev.gql("hub.worker", "{ viewr { roles } }", json!({})).await;
    assert!(!r.raw.contains("Did you mean"), "{}", r.raw);
    let r = dev.gql("hub.worker", "{ caseload(frist: 5) { edges { node { id } } } }", json!({})).await;
    assert!(!r.raw.contains("Did you mean") && !r.codes().is_empty());
    let prod = TestApp::with(|c| {
        c.profile = casegraph::config::Profile::Prod;
        c.jwt_algorithms = vec!["RS256".into()];
        c.jwt_hs256_secret = None;
        c.jwt_public_key_pem = Some(keys_dir().join("rsa-public.pem"));
    })
    .await;
    let private =
        jsonwebtoken::EncodingKey::from_rsa_pem(&std::fs::read(keys_dir().join("rsa-private.pem")).unwrap()).unwrap();
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some("rs1".into());
    let t = jsonwebtoken::encode(&h, &prod.claims("hub.worker"), &private).unwrap();
    for q in [r#"{ __schema { types { name } } }"#, r#"{ __type(name: "Child") { fields { name } } }"#] {
        let r = prod.post(Some(&t), &json!({ "query": q })).await;
        let v = r.data();
        assert!(v["__schema"].is_null() && v["__type"].is_null(), "{}", r.raw);
        assert!(!r.raw.contains("givenName"), "{}", r.raw);
    }
}

#[tokio::test]
async fn info_03_database_errors_are_generic() {
    let app = TestApp::new().await;
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("ALTER TABLE children RENAME TO children_moved").await.unwrap();
    let r = app
        .gql("hub.worker", "{ children(search: {familyName: \"t\"}, first: 5) { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(r.code(), "INTERNAL", "{}", r.raw);
    for leak in
        ["DbErr", "sqlx", "SELECT", "relation \"", "no such table", "FROM", "src/", ".rs:", "panicked", "postgres://"]
    {
        assert!(!r.raw.contains(leak), "{leak} leaked: {}", r.raw);
    }
    app.db.execute_unprepared("ALTER TABLE children_moved RENAME TO children").await.unwrap();
    // The process keeps serving.
    let r = app
        .gql("hub.worker", "{ children(search: {familyName: \"t\"}, first: 5) { edges { node { id } } } }", json!({}))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.raw);
}

/// HTTP (issue 17, High): clients that send their headers and then never finish the body hold no
/// in-flight slot, with a token or without one: an authenticated request is answered at once.
/// Before, the slot was taken before the body was read and before authentication, so as many
/// stalled connections as there are slots stopped every GraphQL request.
#[tokio::test]
async fn slow_bodies_hold_no_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    let token = app.token("sw.alpha1");
    let mut stalled = vec![];
    for n in 0..app.state.in_flight * 4 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let auth = if n % 2 == 0 { format!("authorization: Bearer {token}\r\n") } else { String::new() };
        let head = format!(
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n{auth}content-length: 1000\r\n\r\n{{\"query\":"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let body = r#"{"query":"{ viewer { id } }"}"#;
    let started = std::time::Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    let answered = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_string(&mut out)).await;
    assert!(answered.is_ok(), "no answer within 5 s while {} connections trickled their bodies", stalled.len());
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"viewer\""), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    drop(stalled);
    server.abort();
}
