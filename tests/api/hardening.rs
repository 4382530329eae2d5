//! Issue 17: the server seen from outside, as an attacker and an on-call engineer see it. Each
//! test names the finding it covers; the ones about sockets use real ones, on the same listener
//! `casegraph serve` runs ([`casegraph::server::serve`]).
use crate::common::*;
use crate::fixtures;
use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use casegraph::server::{ServeOptions, serve};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, Set};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
};
use tower::ServiceExt;

struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.done.abort();
    }
}

fn options(header_secs: u64, drain_secs: u64, deadline_secs: u64) -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_secs(header_secs),
        drain: Duration::from_secs(drain_secs),
        deadline: Duration::from_secs(deadline_secs),
    }
}

async fn served(app: &TestApp, opts: ServeOptions) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let (router, flag) = (app.router.clone(), app.state.shutting_down.clone());
    let done = tokio::spawn(async move {
        serve(listener, router, opts, flag, async {
            let _ = rx.await;
        })
        .await
    });
    Served { addr, stop: Some(tx), done }
}

/// One request on a fresh connection; the raw answer (status line, headers, body).
async fn raw(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out)).await.expect("an answer").unwrap();
    out
}

const VIEWER: &str = r#"{"query":"{ viewer { id } }"}"#;

/// Finding (Medium): slow-header connections were held 60 s and more. Now a client that has not
/// finished its headers within the header-read timeout is closed, and while eight such clients
/// trickle, an authenticated query answers at once.
#[tokio::test]
async fn slow_headers_are_closed_at_the_header_timeout() {
    let app = TestApp::new().await;
    let server = served(&app, options(1, 0, 5)).await;
    let mut slow = vec![];
    for _ in 0..8 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-ty").await.unwrap();
        slow.push(s);
    }
    // And clients that send nothing at all (before the protocol is known).
    for _ in 0..2 {
        slow.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let started = Instant::now();
    let out = raw(server.addr, "POST", "/graphql", Some(&app.token("sw.alpha1")), VIEWER).await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    for mut s in slow {
        let mut buf = vec![];
        let closed = tokio::time::timeout(Duration::from_secs(4), s.read_to_end(&mut buf)).await;
        assert!(closed.is_ok(), "a slow-header connection still open after 4 s");
    }
    assert!(started.elapsed() >= Duration::from_millis(900), "closed by the timeout, not at once");
}

/// Finding (High, remainder): nothing bounded the body read. A client with a valid token that
/// trickles its body is answered 408 at the body timeout.
#[tokio::test]
async fn a_trickled_body_is_cut_at_the_body_timeout() {
    let app = TestApp::with(|c| c.body_read_timeout_secs = 1).await;
    let server = served(&app, options(5, 0, 5)).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\n\
         content-length: 1000\r\n\r\n{{\"query\":",
        app.token("sw.alpha1")
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut out = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(4), s.read(&mut out)).await.expect("answered").unwrap();
    let out = String::from_utf8_lossy(&out[..n]);
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("\"TIMEOUT\""), "{out}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// Part "per-principal limits": a rate per principal with a burst, 429 `RATE_LIMITED` with
/// `Retry-After` beyond it; another principal is unaffected.
#[tokio::test]
async fn a_principal_over_its_rate_is_told_when_to_come_back() {
    let app = TestApp::with(|c| {
        c.rate_per_second = 1;
        c.rate_burst = 3;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.gql("sw.alpha1", "{ viewer { id } }", json!({})).await.status, StatusCode::OK);
    }
    let r = app.gql("sw.alpha1", "{ viewer { id } }", json!({})).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "RATE_LIMITED");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(app.gql("sw.alpha2", "{ viewer { id } }", json!({})).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.gql("sw.alpha1", "{ viewer { id } }", json!({})).await.status, StatusCode::OK, "came back");
}

/// Part "per-principal limits": concurrency. A principal with one request open (its body still
/// coming) is refused a second at once; another principal is not; the first's slot comes back
/// when its request ends.
#[tokio::test]
async fn a_principal_has_only_its_share_of_concurrent_requests() {
    let app = TestApp::with(|c| c.concurrency_per_principal = 1).await;
    let server = served(&app, options(5, 0, 5)).await;
    let token = app.token("sw.alpha1");
    let mut open = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\n\
         content-length: 1000\r\n\r\n{{\"query\":"
    );
    open.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = raw(server.addr, "POST", "/graphql", Some(&token), VIEWER).await;
    assert!(out.starts_with("HTTP/1.1 429"), "{out}");
    assert!(out.to_ascii_lowercase().contains("retry-after: 1"), "{out}");
    let other = raw(server.addr, "POST", "/graphql", Some(&app.token("sw.alpha2")), VIEWER).await;
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    drop(open);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = raw(server.addr, "POST", "/graphql", Some(&token), VIEWER).await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}

/// Part "a small budget for unauthenticated requests per client address": once spent, failures
/// from that address get 429; other addresses, and valid tokens from it, are unaffected.
#[tokio::test]
async fn failed_authentications_from_one_address_turn_into_429() {
    let app = TestApp::with(|c| c.unauthenticated_per_minute = 3).await;
    let from = |ip: &str, token: &str| {
        Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .extension(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 40000)))
            .body(Body::from(VIEWER))
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(app.send(from("192.0.2.1", "nonsense")).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = app.send(from("192.0.2.1", "nonsense")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "RATE_LIMITED");
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(app.send(from("192.0.2.2", "nonsense")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.send(from("192.0.2.1", &app.token("sw.alpha1"))).await.status, StatusCode::OK);
}

/// Finding (Low): a validly signed token for a deactivated staff member, or with roles or an
/// organisation the person does not hold, or for nobody, was accepted. Deactivation takes effect
/// within the identity cache's time.
#[tokio::test]
async fn a_token_speaks_only_for_an_active_record_holding_its_roles() {
    let app = TestApp::with(|c| c.identity_cache_secs = 1).await;
    let q = json!({ "query": "{ viewer { id } }" });
    let mut more = app.claims("hub.worker");
    more["roles"] = json!(["HUB_WORKER", "ADMIN"]);
    assert_eq!(app.post(Some(&sign(&more)), &q).await.status, StatusCode::UNAUTHORIZED, "a role not held");
    let mut nobody = app.claims("hub.worker");
    nobody["sub"] = json!(sea_orm::prelude::Uuid::now_v7().to_string());
    assert_eq!(app.post(Some(&sign(&nobody)), &q).await.status, StatusCode::UNAUTHORIZED, "no such record");
    let mut elsewhere = app.claims("partner.school");
    elsewhere["org"] = app.claims("partner.health")["org"].clone();
    assert_eq!(app.post(Some(&sign(&elsewhere)), &q).await.status, StatusCode::UNAUTHORIZED, "another organisation");

    let token = app.token("sw.alpha1");
    assert_eq!(app.post(Some(&token), &q).await.status, StatusCode::OK);
    entity::staff::ActiveModel { id: Set(app.staff_id("sw.alpha1")), active: Set(false), ..Default::default() }
        .update(&app.db)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.post(Some(&token), &q).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "deactivated: refused once the cache expires");
    assert_eq!(r.code(), "UNAUTHENTICATED");
}

/// Signs a token with a header of our own (HS256, the test secret).
fn sign_with_header(header: Value, claims: &Value) -> String {
    use base64::Engine;
    use hmac::Mac;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// Finding (Low): an unknown `crit` header was accepted and `typ` was not checked.
#[tokio::test]
async fn crit_is_refused_and_typ_must_say_jwt() {
    let app = TestApp::new().await;
    let claims = app.claims("hub.worker");
    let q = json!({ "query": "{ viewer { id } }" });
    let cases = [
        (json!({ "alg": "HS256", "kid": "dev" }), StatusCode::OK),
        (json!({ "alg": "HS256", "kid": "dev", "typ": "JWT" }), StatusCode::OK),
        (json!({ "alg": "HS256", "kid": "dev", "typ": "at+jwt" }), StatusCode::OK),
        (json!({ "alg": "HS256", "kid": "dev", "typ": "dpop+jwt" }), StatusCode::UNAUTHORIZED),
        (json!({ "alg": "HS256", "kid": "dev", "typ": 1 }), StatusCode::UNAUTHORIZED),
        (json!({ "alg": "HS256", "kid": "dev", "crit": ["exp"], "exp": 1 }), StatusCode::UNAUTHORIZED),
    ];
    for (header, expected) in cases {
        let r = app.post(Some(&sign_with_header(header.clone(), &claims)), &q).await;
        assert_eq!(r.status, expected, "{header}");
    }
}

/// A local identity provider: an OpenID discovery document and a JWKS that the test can change,
/// counting the JWKS fetches.
struct Idp {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<Mutex<usize>>,
    _task: Served,
}

async fn idp(keys: Value) -> Idp {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}");
    let jwks = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(Mutex::new(0usize));
    let discovery = json!({ "issuer": url, "jwks_uri": format!("{url}/jwks") });
    let (j, f) = (jwks.clone(), fetches.clone());
    let router = axum::Router::new()
        .route("/.well-known/openid-configuration", get(move || async move { axum::Json(discovery) }))
        .route(
            "/jwks",
            get(move || {
                let (j, f) = (j.clone(), f.clone());
                async move {
                    *f.lock().unwrap() += 1;
                    axum::Json(j.lock().unwrap().clone())
                }
            }),
        );
    let (tx, rx) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .ok();
    });
    Idp { url, jwks, fetches, _task: Served { addr, stop: Some(tx), done } }
}

/// The test RSA public key as a JWKS entry with the given `kid`.
fn rsa_jwk(kid: &str) -> Value {
    let set: Value = serde_json::from_str(&std::fs::read_to_string(keys_dir().join("jwks.json")).unwrap()).unwrap();
    let mut key = set["keys"][0].clone();
    key["kid"] = json!(kid);
    key
}

fn rs256(kid: &str, claims: &Value) -> String {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some(kid.into());
    let pem = std::fs::read(keys_dir().join("rsa-private.pem")).unwrap();
    jsonwebtoken::encode(&h, claims, &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

/// Part "keys from an identity provider": JWT_ISSUER_URL → discovery → JWKS; a new `kid` makes
/// the keys be fetched again, so keys rotate without a restart, and a key taken away stops
/// working at once; unknown-`kid` refreshes are rate-limited.
#[tokio::test]
async fn keys_rotate_through_the_identity_providers_jwks() {
    let idp = idp(json!({ "keys": [rsa_jwk("rot-1")] })).await;
    let configure = |min_refresh: u64| {
        let url = idp.url.clone();
        move |c: &mut casegraph::config::Config| {
            c.jwt_issuer = url.clone();
            c.jwt_issuer_url = Some(url);
            c.jwt_algorithms = vec!["HS256".into(), "RS256".into()];
            c.jwt_jwks_min_refresh_secs = min_refresh;
        }
    };
    let app = TestApp::with(configure(0)).await;
    assert_eq!(*idp.fetches.lock().unwrap(), 1, "fetched at start");
    let mut claims = app.claims("hub.worker");
    claims["iss"] = json!(idp.url);
    let q = json!({ "query": "{ viewer { id } }" });
    assert_eq!(app.post(Some(&rs256("rot-1", &claims)), &q).await.status, StatusCode::OK);
    assert_eq!(app.post(Some(&rs256("rot-2", &claims)), &q).await.status, StatusCode::UNAUTHORIZED, "not published");
    assert_eq!(*idp.fetches.lock().unwrap(), 2, "an unknown kid fetched the keys again");
    // The provider rotates: rot-2 in, rot-1 out.
    *idp.jwks.lock().unwrap() = json!({ "keys": [rsa_jwk("rot-2")] });
    assert_eq!(app.post(Some(&rs256("rot-2", &claims)), &q).await.status, StatusCode::OK, "rotated in");
    assert_eq!(app.post(Some(&rs256("rot-1", &claims)), &q).await.status, StatusCode::UNAUTHORIZED, "rotated out");

    // Unknown kids cannot make the server fetch again and again.
    let limited = TestApp::with(configure(30)).await;
    let before = *idp.fetches.lock().unwrap();
    for kid in ["x-1", "x-2", "x-3"] {
        assert_eq!(limited.post(Some(&rs256(kid, &claims)), &q).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(*idp.fetches.lock().unwrap(), before + 1, "one refresh in 30 s for unknown kids");

    // A discovery document for another issuer is refused at start.
    let mut cfg = test_config("sqlite::memory:".into());
    configure(0)(&mut cfg);
    cfg.jwt_issuer = "https://someone-else.example".into();
    assert!(casegraph::build_state(&cfg).await.is_err());
}

/// Finding (Medium): `/metrics` was public, and its SQL statement counter told whether a child
/// is known to social care. Now it is served only on its own listener, and what it holds does
/// not differ between an update about a known child and one about an unknown child.
#[tokio::test]
async fn metrics_are_private_and_tell_nothing_about_a_child() {
    let app = TestApp::new().await;
    assert_eq!(app.send(Request::get("/metrics").body(Body::empty()).unwrap()).await.status, StatusCode::NOT_FOUND);
    let metrics = casegraph::metrics_app(app.state.clone());
    let scrape = || async {
        let res = metrics.clone().oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    // Counts and totals only: the timing buckets and sums, and the pool's momentary gauges,
    // measure time, not content.
    let samples = |text: &str| -> BTreeMap<String, f64> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| l.rsplit_once(' '))
            .filter(|(k, _)| !k.contains("_bucket") && !k.contains("_sum") && !k.starts_with("casegraph_db_pool"))
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect()
    };
    let delta = |a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>| -> BTreeMap<String, f64> {
        b.iter().map(|(k, v)| (k.clone(), v - a.get(k).copied().unwrap_or(0.0))).filter(|(_, d)| *d != 0.0).collect()
    };
    // Warm up: the sender's staff record and the kinds of series are in place.
    fixtures::submit_update_named(&app, "partner.school", "Warm", "Up").await;
    let known = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let known = fixtures::child(&app, known.child_id).await;
    let s0 = samples(&scrape().await);
    fixtures::submit_update_named(&app, "partner.school", "Nobody", "Knownhere").await;
    let s1 = samples(&scrape().await);
    fixtures::submit_update(&app, "partner.school", &known, false).await;
    let s2 = samples(&scrape().await);
    let (unknown_delta, known_delta) = (delta(&s0, &s1), delta(&s1, &s2));
    assert!(unknown_delta.keys().any(|k| k.starts_with("casegraph_http_requests_total")), "{unknown_delta:?}");
    assert_eq!(unknown_delta, known_delta, "the metrics differ between an unknown and a known child");
    let text = scrape().await;
    assert!(!text.contains("sql_statements"), "{text}");
    for name in [
        "casegraph_request_duration_seconds_bucket",
        "casegraph_audit_flush_seconds",
        "casegraph_requests_in_flight",
        "casegraph_requests_queued",
        "casegraph_db_pool_connections",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
}

/// Finding (Low): queries and mutations ran over `/graphql/ws` without the HTTP path's deadline,
/// cap and one-operation rule. Now only subscriptions run there.
#[tokio::test]
async fn only_subscriptions_run_over_websocket() {
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
    let app = TestApp::new().await;
    let server = served(&app, options(5, 0, 5)).await;
    let mut req = format!("ws://{}/graphql/ws", server.addr).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let send = |v: Value| tungstenite::Message::Text(v.to_string().into());
    let token = app.token("partner.school");
    ws.send(send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })))
        .await
        .unwrap();
    assert_eq!(next_text(&mut ws).await["type"], "connection_ack");
    let before = app.count("partner_updates").await;
    let input = fixtures::update_input(&fixtures::children(&app).await[0], false);
    ws.send(send(json!({ "id": "1", "type": "subscribe",
        "payload": { "query": fixtures::SUBMIT_UPDATE, "variables": { "i": input } } })))
        .await
        .unwrap();
    ws.send(send(json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ viewer { id } }" } })))
        .await
        .unwrap();
    let mut refused = 0;
    while refused < 2 {
        let msg = next_text(&mut ws).await;
        if msg["type"] == "complete" {
            continue;
        }
        // Refused before it ran: no data, an error with a code.
        assert!(msg["payload"]["data"].is_null(), "{msg}");
        let error = &msg["payload"]["errors"][0];
        assert!(error["message"].as_str().unwrap().starts_with("Only subscriptions run over WebSocket"), "{msg}");
        assert_eq!(error["extensions"]["code"], "BAD_REQUEST", "{msg}");
        refused += 1;
    }
    assert_eq!(app.count("partner_updates").await, before, "the mutation did not run");
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn next_text(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Finding (Low): the alias and field limits did not count fragment spreads (1,056 aliased
/// values from a 48-alias fragment spread three times).
#[tokio::test]
async fn fragment_spreads_count_towards_the_limits_as_they_run() {
    let app = TestApp::new().await;
    let fields: String = (0..48).map(|i| format!("a{i}: id ")).collect();
    let once = format!("{{ viewer {{ ...F }} }} fragment F on Viewer {{ {fields} }}");
    assert_eq!(app.gql("hub.worker", &once, json!({})).await.status, StatusCode::OK);
    let thrice = format!("{{ viewer {{ ...F ...F ...F }} }} fragment F on Viewer {{ {fields} }}");
    let r = app.gql("hub.worker", &thrice, json!({})).await;
    assert_eq!(r.code(), "QUERY_TOO_COMPLEX", "{}", r.raw);
    assert!(r.body.get("data").is_none());
}

/// Finding (Low): the client chose the audit trail's request ID. Now the server makes one; the
/// client's is kept beside it, sanitised.
#[tokio::test]
async fn the_server_chooses_the_request_id() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", app.token("sw.alpha1")))
        .header("x-request-id", "forged-id\t<script>")
        .body(Body::from(
            json!({ "query": "query($id: ID!) { child(id: $id) { id } }", "variables": { "id": gid("Child", c.child_id) } })
                .to_string(),
        ))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let server_id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let parsed = sea_orm::prelude::Uuid::parse_str(&server_id).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 7);
    assert_eq!(r.headers["x-client-request-id"], "forged-idscript");
    assert!(audit_rows(&app, &server_id).await > 0, "the read is on the trail under the server's ID");
    assert_eq!(audit_rows(&app, "forged-id\t<script>").await, 0);
    assert_eq!(audit_rows(&app, "forged-idscript").await, 0);
}

async fn read_rows(app: &TestApp) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq(entity::enums::AuditAction::Read))
        .count(&app.db)
        .await
        .unwrap() as usize
}

async fn audit_rows(app: &TestApp, request_id: &str) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::RequestId.eq(request_id))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

/// Finding (Medium): SIGTERM closed the listener at once (`/readyz` never said 503) and waited
/// 39 s for slow connections. Now `/readyz` answers 503 through the drain while requests are
/// still accepted, and open requests are cancelled at the deadline.
#[tokio::test]
async fn shutdown_drains_then_cancels_at_the_deadline() {
    let app = TestApp::new().await;
    let mut server = served(&app, options(30, 1, 1)).await;
    // A request that will not finish by itself: its body keeps not coming.
    let mut stuck = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\n\
         content-length: 1000\r\n\r\n{{",
        app.token("sw.alpha1")
    );
    stuck.write_all(head.as_bytes()).await.unwrap();
    let ready = raw(server.addr, "GET", "/readyz", None, "").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let stopped = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let draining = raw(server.addr, "GET", "/readyz", None, "").await;
    assert!(draining.starts_with("HTTP/1.1 503"), "{draining}");
    assert!(draining.contains("shutting down"), "{draining}");
    let answered = raw(server.addr, "POST", "/graphql", Some(&app.token("sw.alpha1")), VIEWER).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "still served while draining: {answered}");
    tokio::time::timeout(Duration::from_secs(4), &mut server.done).await.expect("stopped by the deadline").unwrap();
    let took = stopped.elapsed();
    assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(4), "{took:?}");
    let mut rest = vec![];
    let closed = tokio::time::timeout(Duration::from_secs(1), stuck.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the stuck request was cancelled");
    assert!(TcpStream::connect(server.addr).await.is_err(), "the listener is closed");
}

/// Finding (Low): GraphiQL loaded unpinned scripts from a CDN. Now its files are casegraph's own
/// (dev only), under a Content-Security-Policy that allows nothing else.
#[tokio::test]
async fn graphiql_is_served_from_casegraph_itself() {
    let app = TestApp::new().await;
    let page = app.send(Request::get("/graphql").header("accept", "text/html").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
    assert!(page.raw.contains("/graphiql/graphiql.min.js"), "{}", page.raw);
    for host in ["unpkg", "jsdelivr", "cdn", "http://", "https://"] {
        assert!(!page.raw.contains(host), "{host} in the page:\n{}", page.raw);
    }
    let js = app.send(Request::get("/graphiql/graphiql.min.js").body(Body::empty()).unwrap()).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.headers["content-type"].to_str().unwrap().contains("javascript"));
    let prod = TestApp::with(|c| {
        c.profile = casegraph::config::Profile::Prod;
        c.jwt_algorithms = vec!["RS256".into()];
        c.jwt_hs256_secret = None;
        c.jwt_public_key_pem = Some(keys_dir().join("rsa-public.pem"));
    })
    .await;
    let r = prod.send(Request::get("/graphiql/graphiql.min.js").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Finding (High): the 10 s timeout did not bound the request (read-audit rows were written after
/// it, with no statement timeout, 29 s while `audit_events` was locked). Finding (Medium):
/// database outages came back as `INTERNAL` with HTTP 200. Now, with a table locked, a read
/// whose audit rows cannot be stored and a write that cannot be made answer 503 with
/// `TIMEOUT`/`UNAVAILABLE` and `Retry-After` within the deadline, nothing half-written; once the
/// lock goes, the same requests succeed.
#[tokio::test]
async fn a_locked_table_is_a_retryable_503_within_the_deadline() {
    let sqlite_dir = std::env::temp_dir().join(format!("casegraph-lock-{}", sea_orm::prelude::Uuid::now_v7().simple()));
    let database = if std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        test_database().await
    } else {
        std::fs::create_dir_all(&sqlite_dir).unwrap();
        TestDb::sqlite_file(&sqlite_dir.join("c.db"))
    };
    let app = TestApp::on(database, |c| c.request_timeout_secs = 2).await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let read = json!({ "query": "query($id: ID!) { child(id: $id) { id } }", "variables": { "id": gid("Child", c.child_id) } });
    let token = app.token("sw.alpha1");
    assert_eq!(app.post(Some(&token), &read).await.status, StatusCode::OK);
    let child = fixtures::child(&app, c.child_id).await;
    fixtures::submit_update(&app, "partner.school", &child, false).await;
    let reads = read_rows(&app).await;

    // Another connection takes the locks.
    // Another connection (one, so that its statements share a transaction) takes the locks.
    let mut opts = sea_orm::ConnectOptions::new(app.url().to_string());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let locker = Database::connect(opts).await.unwrap();
    match locker.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            locker.execute_unprepared("BEGIN").await.unwrap();
            locker
                .execute_unprepared("LOCK TABLE audit_events, partner_updates IN ACCESS EXCLUSIVE MODE")
                .await
                .unwrap();
        }
        // SQLite: the database's one write lock.
        _ => locker.execute_unprepared("BEGIN IMMEDIATE").await.map(|_| ()).unwrap(),
    }
    for (what, body, who) in [
        ("a read whose audit rows cannot be stored", read.clone(), token.clone()),
        (
            "a write",
            json!({ "query": fixtures::SUBMIT_UPDATE, "variables": { "i": fixtures::update_input(&child, false) } }),
            app.token("partner.school"),
        ),
    ] {
        let started = Instant::now();
        let r = app.post(Some(&who), &body).await;
        let took = started.elapsed();
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", r.raw);
        assert!(["TIMEOUT", "UNAVAILABLE"].contains(&r.code().as_str()), "{what}: {}", r.raw);
        assert!(r.headers.contains_key("retry-after"), "{what}");
        assert!(took < Duration::from_millis(3000), "{what} took {took:?} with a 2 s deadline");
    }
    // More writes at once than there are slots (2 here): those that wait most of their deadline
    // for a slot time out in the queue, and `/readyz` says the server is overloaded.
    assert_eq!(app.state.in_flight, 2);
    let school = app.token("partner.school");
    let writes: Vec<_> = (0..4)
        .map(|_| {
            let body = json!({ "query": fixtures::SUBMIT_UPDATE, "variables": { "i": fixtures::update_input(&child, false) } });
            let (app, school) = (&app, school.clone());
            async move { app.post(Some(&school), &body).await }
        })
        .collect();
    for r in futures_util::future::join_all(writes).await {
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.raw);
    }
    let ready = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.raw);
    assert!(ready.raw.contains("overloaded"), "{}", ready.raw);
    locker.execute_unprepared("ROLLBACK").await.unwrap();
    locker.close().await.unwrap();
    // A single-statement write that reached PostgreSQL just before its request's deadline may
    // still commit once the lock goes (the 503 says "not known to be stored": retry with the same
    // idempotency key). Give such statements their statement timeout to settle, then: every
    // update stored is whole (with its audit row), and the refused read left no read row.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let orphans = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM partner_updates p WHERE NOT EXISTS \
             (SELECT 1 FROM audit_events a WHERE a.record_id = p.id)",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(orphans, 0, "nothing half-written: every stored update has its audit row");
    assert_eq!(read_rows(&app).await, reads, "no read row for data never shown");
    let updates = app.count("partner_updates").await;
    assert_eq!(app.post(Some(&token), &read).await.status, StatusCode::OK, "the lock gone, the read works");
    fixtures::submit_update(&app, "partner.school", &child, false).await;
    assert_eq!(app.count("partner_updates").await, updates + 1);
    drop(app);
    let _ = std::fs::remove_dir_all(&sqlite_dir);
}

/// Every answer to `requests` is a 200 or a retryable 503 (`UNAVAILABLE`/`TIMEOUT` with
/// `Retry-After`), never `INTERNAL`; returns how many were 503.
fn retryable_or_ok(answers: &[Resp]) -> usize {
    let mut unavailable = 0;
    for r in answers {
        assert!(!r.codes().contains(&"INTERNAL".to_string()), "an outage answered INTERNAL: {}", r.raw);
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(["UNAVAILABLE", "TIMEOUT"].contains(&r.code().as_str()), "{}", r.raw);
            assert!(r.headers.contains_key("retry-after"), "{}", r.raw);
            unavailable += 1;
        } else {
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            assert!(r.codes().is_empty(), "{}", r.raw);
        }
    }
    unavailable
}

async fn sh(cmd: String) {
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("sh").arg("-c").arg(&cmd).output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Finding (Medium): database outages ("terminating connection due to administrator command",
/// an unexpected postmaster exit) came back as `INTERNAL` with HTTP 200. PostgreSQL only (the
/// SQLite run covers its outage, a held write lock, in the locked-table test above).
///
/// 1. Every connection of the test's database is terminated by an administrator: requests answer
///    200 or a retryable 503, and the service recovers by itself.
/// 2. When `CASEGRAPH_TEST_RESTART_PG_URL`, `..._STOP` and `..._START` name a spare PostgreSQL
///    server and the commands that stop and start it (`.ci/run` sets them), that server is
///    stopped and started under the app: 503s with `Retry-After` while it is down, `/readyz`
///    503, then everything works again without a restart of casegraph.
#[tokio::test]
async fn postgres_outages_are_retryable_503s_and_the_service_recovers() {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return;
    }
    let app = TestApp::with(|c| c.request_timeout_secs = 3).await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let read = json!({ "query": "query($id: ID!) { child(id: $id) { id } }", "variables": { "id": gid("Child", c.child_id) } });
    let token = app.token("sw.alpha1");
    assert_eq!(app.post(Some(&token), &read).await.status, StatusCode::OK);
    let killer = Database::connect(app.url()).await.unwrap();
    killer
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    killer.close().await.unwrap();
    let mut answers = vec![];
    for _ in 0..12 {
        answers.push(app.post(Some(&token), &read).await);
    }
    let failed = retryable_or_ok(&answers);
    assert!(failed >= 1, "the terminated connections were noticed");
    assert_eq!(answers.last().unwrap().status, StatusCode::OK, "recovered by itself");

    let (Ok(spare), Ok(stop), Ok(start)) = (
        std::env::var("CASEGRAPH_TEST_RESTART_PG_URL"),
        std::env::var("CASEGRAPH_TEST_RESTART_PG_STOP"),
        std::env::var("CASEGRAPH_TEST_RESTART_PG_START"),
    ) else {
        eprintln!("PostgreSQL stop/start drill not run: CASEGRAPH_TEST_RESTART_PG_* not set (.ci/run sets them)");
        return;
    };
    let app = TestApp::on(test_database_on(Some(spare)).await, |c| c.request_timeout_secs = 3).await;
    let child = fixtures::child(&app, fixtures::open_case_of(&app, "sw.alpha1", false).await.child_id).await;
    let submit =
        json!({ "query": fixtures::SUBMIT_UPDATE, "variables": { "i": fixtures::update_input(&child, false) } });
    let school = app.token("partner.school");
    assert_eq!(app.post(Some(&school), &submit).await.status, StatusCode::OK);
    let stored = app.count("partner_updates").await;
    sh(stop.clone()).await;
    let mut down = vec![];
    for _ in 0..3 {
        let started = Instant::now();
        down.push(app.post(Some(&school), &submit).await);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
    assert_eq!(retryable_or_ok(&down), 3, "every write while the database is down is a retryable 503");
    let ready = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers.contains_key("retry-after"));
    sh(start).await;
    let mut up = vec![];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.post(Some(&school), &submit).await;
        let ok = r.status == StatusCode::OK;
        up.push(r);
        if ok || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    retryable_or_ok(&up);
    assert_eq!(up.last().unwrap().status, StatusCode::OK, "writes work again once PostgreSQL is back");
    assert_eq!(app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await.status, StatusCode::OK);
    assert_eq!(app.count("partner_updates").await, stored + 1, "the 503s stored nothing; the retry stored one");
}
