//! Issue 20: the GraphQL contract as client developers meet it. Each test names the finding it
//! covers.
use crate::common::*;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::{Value, json};

const INTROSPECTION: &str = include_str!("data/introspection.graphql");

fn prod(c: &mut casegraph::config::Config) {
    c.profile = casegraph::config::Profile::Prod;
    c.jwt_algorithms = vec!["RS256".into()];
    c.jwt_hs256_secret = None;
    c.jwt_public_key_pem = Some(keys_dir().join("rsa-public.pem"));
}

fn rs256(app: &TestApp, handle: &str) -> String {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some("rs1".into());
    let pem = std::fs::read(keys_dir().join("rsa-private.pem")).unwrap();
    jsonwebtoken::encode(&h, &app.claims(handle), &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

/// Finding: graphql-js's `getIntrospectionQuery()` (every option on) got `QUERY_TOO_DEEP`, so
/// GraphiQL, codegen and Inspector could not read the schema in dev. Now it works in dev and for
/// `ADMIN` in production when enabled; it stays off otherwise, and the depth limit still holds
/// for ordinary queries.
#[tokio::test]
async fn standard_introspection_works_where_it_is_allowed() {
    let app = TestApp::new().await;
    let r = app.gql("partner.school", INTROSPECTION, json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("errors").is_none(), "{}", &r.raw[..r.raw.len().min(600)]);
    let types = r.data()["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Child"));
    let deep = "{ caseload(first: 1) { edges { node { child { cases { child { cases { child { cases { child { id } } } } } } } } } } }";
    assert_eq!(app.gql("tm.alpha", deep, json!({})).await.code(), "QUERY_TOO_DEEP", "ordinary queries keep the limit");

    let closed = TestApp::with(prod).await;
    let r = closed.post(Some(&rs256(&closed, "admin")), &json!({ "query": INTROSPECTION })).await;
    assert!(r.body["data"]["__schema"].is_null(), "off in production by default: {}", &r.raw[..r.raw.len().min(300)]);
    let open = TestApp::with(|c| {
        prod(c);
        c.introspection_for_admin = true;
    })
    .await;
    let r = open.post(Some(&rs256(&open, "admin")), &json!({ "query": INTROSPECTION })).await;
    assert!(r.data()["__schema"]["types"].is_array(), "{}", &r.raw[..r.raw.len().min(300)]);
    let r = open.post(Some(&rs256(&open, "hub.worker")), &json!({ "query": INTROSPECTION })).await;
    assert!(r.body["data"]["__schema"].is_null(), "admins only");
}

/// Finding: `{ viewer { id } node(id: "<missing>") { id } }` returned `data` without the `node`
/// key (`node` was `Node!`). Now `node` is nullable, as in Relay: `node: null` with the error.
#[tokio::test]
async fn a_missing_node_is_null_beside_the_rest() {
    let app = TestApp::new().await;
    let missing = gid("Child", sea_orm::prelude::Uuid::now_v7());
    let r =
        app.gql("sw.alpha1", "query($id: ID!) { viewer { id } node(id: $id) { id } }", json!({ "id": missing })).await;
    assert_eq!(r.code(), "NOT_FOUND");
    assert!(r.data()["viewer"]["id"].is_string(), "{}", r.raw);
    assert!(r.data().as_object().unwrap().contains_key("node"), "{}", r.raw);
    assert!(r.data()["node"].is_null());
    assert_eq!(r.body["errors"][0]["path"], json!(["node"]));
    // `child` is `Child!`: its error makes `data` null (no object lacking a non-null field).
    let r =
        app.gql("sw.alpha1", "query($id: ID!) { viewer { id } child(id: $id) { id } }", json!({ "id": missing })).await;
    assert_eq!(r.code(), "NOT_FOUND");
    assert!(r.body.as_object().unwrap().contains_key("data") && r.body["data"].is_null(), "{}", r.raw);
}

/// Finding: urql's default (queries over GET) got the GraphiQL page. Now GET runs queries per
/// GraphQL-over-HTTP (mutations 405), and GraphiQL answers only `Accept: text/html`.
#[tokio::test]
async fn queries_run_over_get_and_mutations_do_not() {
    let app = TestApp::new().await;
    let token = app.token("sw.alpha1");
    let get = |q: &str, accept: &str| {
        Request::get(format!("/graphql?query={}", urlencode(q)))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", accept)
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(get("{ viewer { id } }", "application/graphql-response+json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(r.data()["viewer"]["id"].is_string());
    let before = app.count("partner_updates").await;
    let r = app
        .send(get("mutation { acknowledgeAlert(input: {alertId: \"x\"}) { alert { id } } }", "application/json"))
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.raw);
    assert_eq!(r.headers["allow"], "POST");
    assert_eq!(app.count("partner_updates").await, before);
    let page = app.send(get("{ viewer { id } }", "text/html,application/xhtml+xml")).await;
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let r =
        app.send(Request::get("/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "GET needs the token like POST");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Finding: CORS blocked `traceparent`, `tracestate`, `baggage` and `x-request-id` in preflight,
/// did not expose `x-request-id`, and had no `max-age`.
#[tokio::test]
async fn cors_lets_a_portal_trace_and_read_the_request_id() {
    let app = TestApp::new().await;
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/graphql")
        .header("origin", "https://portal.example.org")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,traceparent,tracestate,baggage,x-request-id",
        )
        .body(Body::empty())
        .unwrap();
    let r = app.send(preflight).await;
    assert!(r.status.is_success(), "{:?}", r.status);
    let allowed = r.headers["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["traceparent", "tracestate", "baggage", "x-request-id", "authorization"] {
        assert!(allowed.contains(h), "{h} not allowed: {allowed}");
    }
    assert_eq!(r.headers["access-control-max-age"], "600");
    let req = Request::post("/graphql")
        .header("origin", "https://portal.example.org")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", app.token("partner.school")))
        .body(Body::from(json!({ "query": "{ viewer { id } }" }).to_string()))
        .unwrap();
    let r = app.send(req).await;
    let exposed = r.headers["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

fn sha256(s: &str) -> String {
    casegraph::persisted::sha256_hex(s)
}

fn persisted(hash: &str, query: Option<&str>) -> Value {
    let mut body = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    if let Some(q) = query {
        body["query"] = json!(q);
    }
    body
}

/// Finding: a hash-only request got a parse error instead of `PERSISTED_QUERY_NOT_FOUND`, so
/// Apollo's persisted-query link could not fall back. Now Apollo's protocol works.
#[tokio::test]
async fn apollo_persisted_queries_fall_back_and_register() {
    let app = TestApp::new().await;
    let t = app.token("partner.school");
    let q = "query Me { viewer { id } }";
    let r = app.post(Some(&t), &persisted(&sha256(q), None)).await;
    assert_eq!(r.code(), "PERSISTED_QUERY_NOT_FOUND", "{}", r.raw);
    assert_eq!(r.body["errors"][0]["message"], "PersistedQueryNotFound");
    let r = app.post(Some(&t), &persisted(&sha256(q), Some(q))).await;
    assert!(r.data()["viewer"]["id"].is_string(), "{}", r.raw);
    let r = app.post(Some(&t), &persisted(&sha256(q), None)).await;
    assert!(r.data()["viewer"]["id"].is_string(), "now known by its hash: {}", r.raw);
    let r = app.post(Some(&t), &persisted(&sha256(q), Some("{ viewer { roles } }"))).await;
    assert_eq!(r.code(), "BAD_REQUEST");
}

/// Part: a safelist loaded at start, enforced per role. Partners run registered operations only
/// (by hash or by the same text); staff roles that are not enforced run anything.
#[tokio::test]
async fn enforced_roles_run_registered_operations_only() {
    let q = "query Me { viewer { id } }";
    let dir = std::env::temp_dir().join(format!("casegraph-pq-{}", sea_orm::prelude::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("operations.json");
    std::fs::write(&file, json!({ sha256(q): q }).to_string()).unwrap();
    let app = TestApp::with(|c| {
        c.persisted_operations = Some(file.clone());
        c.persisted_mode = casegraph::persisted::Mode::Enforce;
    })
    .await;
    let t = app.token("partner.school");
    assert!(app.post(Some(&t), &persisted(&sha256(q), None)).await.data()["viewer"]["id"].is_string());
    assert!(app.post(Some(&t), &json!({ "query": q })).await.data()["viewer"]["id"].is_string());
    let other = "{ viewer { roles } }";
    assert_eq!(app.post(Some(&t), &json!({ "query": other })).await.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(app.post(Some(&t), &persisted(&sha256(other), Some(other))).await.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert!(app.gql("sw.alpha1", other, json!({})).await.data()["viewer"]["roles"].is_array(), "staff are not held");
    // A file whose hash is not its text's stops the start.
    std::fs::write(&file, json!({ sha256("x"): q }).to_string()).unwrap();
    let mut cfg = test_config("sqlite::memory:".into());
    cfg.persisted_operations = Some(file.clone());
    assert!(casegraph::build_state(&cfg).await.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Finding: a query's cost was never reported. Now `extensions.cost` carries the complexity and
/// depth that validation counted (checked against async-graphql's own Analyzer) and the limits.
#[tokio::test]
async fn every_response_reports_its_cost_as_validation_counts_it() {
    let app = TestApp::new().await;
    let analyzed = casegraph::graphql::build_analyzed_schema();
    let queries = [
        ("{ viewer { id roles } }", json!({})),
        (
            "query($n: Int!) { caseload(first: $n) { edges { node { id child { givenName household { givenName } } } } } }",
            json!({ "n": 7 }),
        ),
        (
            "{ caseload(first: 3) { edges { node { ...C } } pageInfo { hasNextPage } } } fragment C on Case { id team { name } }",
            json!({}),
        ),
        (
            "{ children(search: {familyName: \"A\"}, first: 5) { edges { node { id ... on Child { cases { id } } } } } }",
            json!({}),
        ),
    ];
    for (q, vars) in queries {
        let r = app.gql("tm.alpha", q, vars.clone()).await;
        let cost = &r.body["extensions"]["cost"];
        assert_eq!(cost["limits"], json!({ "complexity": 2000, "depth": 10 }), "{}", r.raw);
        let reference =
            analyzed.execute(async_graphql::Request::new(q).variables(async_graphql::Variables::from_json(vars))).await;
        let reference = serde_json::to_value(&reference.extensions["analyzer"]).unwrap();
        assert_eq!(cost["complexity"], reference["complexity"], "{q}");
        assert_eq!(cost["depth"], reference["depth"], "{q}");
    }
}

/// Finding: IDs were not globally unique (`viewer.id` equalled `viewer.staff.id`) and ten types
/// with an `id` did not implement `Node`. Now every object type with an `id` implements `Node`,
/// and `node(id:)` finds each kind under the same policy as its typed queries.
#[tokio::test]
async fn every_object_with_an_id_is_a_node_and_ids_are_unique() {
    let sdl = casegraph::graphql::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).unwrap();
    let mut without = vec![];
    for def in doc.definitions {
        if let async_graphql::parser::types::TypeSystemDefinition::Type(t) = def
            && let async_graphql::parser::types::TypeKind::Object(o) = &t.node.kind
            && o.fields.iter().any(|f| f.node.name.node == "id")
            && !o.implements.iter().any(|i| i.node == "Node")
        {
            without.push(t.node.name.node.to_string());
        }
    }
    assert!(without.is_empty(), "types with an id that are not a Node: {without:?}");

    let app = TestApp::new().await;
    let r = app.gql("sw.alpha1", "{ viewer { id staff { id } } }", json!({})).await;
    let (viewer, staff) =
        (r.data()["viewer"]["id"].as_str().unwrap(), r.data()["viewer"]["staff"]["id"].as_str().unwrap());
    assert_ne!(viewer, staff);
    let node = |id: &str| json!({ "id": id });
    let q = "query($id: ID!) { node(id: $id) { __typename id } }";
    let r = app.gql("sw.alpha1", q, node(viewer)).await;
    assert_eq!(r.data()["node"], json!({ "__typename": "Viewer", "id": viewer }));
    assert_eq!(app.gql("sw.alpha2", q, node(viewer)).await.code(), "NOT_FOUND", "someone else's viewer");
    // An alert: its recipient finds it; anyone else gets NOT_FOUND.
    let c = crate::fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = crate::fixtures::child(&app, c.child_id).await;
    crate::fixtures::submit_update(&app, "partner.school", &child, false).await;
    let r = app.gql("sw.alpha1", "{ alerts(first: 1) { edges { node { id } } } }", json!({})).await;
    let alert =
        r.data()["alerts"]["edges"][0]["node"]["id"].as_str().unwrap_or_else(|| panic!("{}", r.raw)).to_string();
    assert_eq!(app.gql("sw.alpha1", q, node(&alert)).await.data()["node"]["__typename"], "Alert");
    assert_eq!(app.gql("sw.bravo1", q, node(&alert)).await.code(), "NOT_FOUND");
}
