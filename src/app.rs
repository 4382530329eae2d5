//! The HTTP surface: the hardened `POST /graphql` handler (docs/security.md §2), GraphiQL on GET in
//! dev only, `/livez` and `/readyz`, and the layers every response goes through.
use crate::auth::Role;
use crate::context::RequestCtx;
use crate::error::{ERROR_CODES, RETRYABLE_CODES};
use crate::graphql::{RequestData, limits};
use crate::persisted::Lookup;
use crate::state::AppState;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{ParseRequestError, ServerError, Value};
use async_graphql_axum::{GraphQLRequest, rejection::GraphQLRejection};
use axum::{
    Router,
    extract::{ConnectInfo, DefaultBodyLimit, FromRequest, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;
use std::{any::Any, net::SocketAddr, sync::atomic::Ordering, time::Duration};
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

/// Largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Default)]
struct MakeV7;

impl MakeRequestId for MakeV7 {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).ok().map(RequestId::new)
    }
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static X_CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-client-request-id");

/// The request ID is always the server's (a UUIDv7): the audit trail and the logs use it. A
/// client's own `x-request-id` is kept beside it as `x-client-request-id`, sanitised (letters,
/// digits and `-_.:` only, at most 64), and echoed back.
async fn client_request_id(mut req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let theirs = req.headers_mut().remove(&X_REQUEST_ID);
    req.headers_mut().remove(&X_CLIENT_REQUEST_ID);
    let clean = theirs.and_then(|v| {
        let clean: String = v
            .as_bytes()
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
            .take(64)
            .map(|b| *b as char)
            .collect();
        HeaderValue::from_str(&clean).ok().filter(|_| !clean.is_empty())
    });
    if let Some(v) = &clean {
        req.headers_mut().insert(X_CLIENT_REQUEST_ID.clone(), v.clone());
    }
    let mut res = next.run(req).await;
    if let Some(v) = clean {
        res.headers_mut().insert(X_CLIENT_REQUEST_ID.clone(), v);
    }
    res
}

fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let h = |n: &HeaderName| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %h(&X_REQUEST_ID),
        client_request_id = %h(&X_CLIENT_REQUEST_ID),
    )
}

pub fn router(state: AppState, cors_origins: &[String], cors_max_age_secs: u64) -> Router {
    // The in-flight slots (`AppState::slots`) are taken inside the handler, once the token is
    // verified and the body read: a client that trickles its body holds a connection, never a slot.
    // GraphQL over POST and, for queries, over GET (GraphQL-over-HTTP); GraphiQL for a browser
    // (`Accept: text/html`) in dev.
    let graphql_route = post(graphql).get(graphql);
    let set = |k: HeaderName, v: &'static str| SetResponseHeaderLayer::overriding(k, HeaderValue::from_static(v));
    let router = Router::new()
        .route("/graphql", graphql_route)
        .route("/graphql/ws", get(crate::ws::upgrade))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/reports/{file}", get(report_csv))
        .route("/extracts/{file}", get(extract_file));
    // GraphiQL's own files, vendored and pinned (assets/graphiql/README.md): dev only.
    let dev = state.dev;
    // GraphiQL and the demo people's tokens for the partner portal's sign-in: dev only.
    let router = if dev {
        router
            .merge(crate::graphiql::routes())
            .route("/dev/people", get(crate::devtoken::people))
            .route("/dev/token", post(crate::devtoken::token))
    } else {
        router
    };
    let mut router: Router = router
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(set(header::CACHE_CONTROL, "no-store"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(CatchPanicLayer::custom(|_: Box<dyn Any + Send>| {
            tracing::error!("a request handler panicked");
            fail(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
        }))
        // Logs method, path, status and latency only: never headers or bodies. Every line of a
        // request carries its server-made ID (and the client's, sanitised).
        // A 5xx is a warning here (an outage answers many of them, each already counted in the
        // metrics); a fault inside the handler is logged as an error where it happens.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), MakeV7))
        .layer(axum::middleware::from_fn(client_request_id));
    let origins: Vec<HeaderValue> = cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if !origins.is_empty() {
        // The headers a browser client sends: its token, JSON, W3C trace context and its own
        // request ID; the server's request ID is readable by the page.
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::POST, Method::GET])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::ACCEPT,
                    HeaderName::from_static("traceparent"),
                    HeaderName::from_static("tracestate"),
                    HeaderName::from_static("baggage"),
                    X_REQUEST_ID.clone(),
                ])
                .expose_headers([X_REQUEST_ID.clone(), X_CLIENT_REQUEST_ID.clone(), header::RETRY_AFTER])
                .max_age(Duration::from_secs(cors_max_age_secs)),
        );
    }
    router
}

async fn livez() -> Response {
    reply(StatusCode::OK, "application/json", json!({ "status": "ok" }))
}

async fn readyz(State(s): State<AppState>) -> Response {
    if s.shutting_down.load(Ordering::Relaxed) {
        return unavailable_json(json!({ "status": "shutting down" }));
    }
    if s.queue.overloaded() {
        return unavailable_json(json!({ "status": "overloaded: requests are timing out in the queue" }));
    }
    match tokio::time::timeout(Duration::from_secs(3), crate::db::ready(&s.db)).await {
        Ok(Ok(true)) => reply(StatusCode::OK, "application/json", json!({ "status": "ready" })),
        Ok(Ok(false)) => unavailable_json(json!({ "status": "migrations pending" })),
        _ => unavailable_json(json!({ "status": "database unavailable" })),
    }
}

fn unavailable_json(body: serde_json::Value) -> Response {
    retry_after(reply(StatusCode::SERVICE_UNAVAILABLE, "application/json", body), RETRY_AFTER_SECS)
}

/// Seconds a client is asked to wait before retrying after a 503.
const RETRY_AFTER_SECS: u64 = 2;

fn retry_after(mut res: Response, secs: u64) -> Response {
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

fn reply(status: StatusCode, ctype: &'static str, body: serde_json::Value) -> Response {
    reply_text(status, ctype, body.to_string())
}

fn reply_text(status: StatusCode, ctype: &'static str, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res
}

fn fail(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    reply(status, "application/json; charset=utf-8", body)
}

fn rate_limited(secs: u64) -> Response {
    retry_after(fail(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests: try again later"), secs)
}

fn unavailable(code: &str) -> Response {
    let message = if code == "TIMEOUT" {
        "request timed out: try again shortly"
    } else {
        "service unavailable: try again shortly"
    };
    retry_after(fail(StatusCode::SERVICE_UNAVAILABLE, code, message), RETRY_AFTER_SECS)
}

fn unauthenticated() -> Response {
    let mut res = fail(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "unauthenticated");
    res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
    res
}

/// Code for an error raised before execution (parse, validation, limits).
fn request_error_code(message: &str) -> &'static str {
    match message {
        "Query is nested too deep." => "QUERY_TOO_DEEP",
        "Query is too complex." | limits::TOO_MANY_ALIASES | limits::TOO_MANY_FIELDS => "QUERY_TOO_COMPLEX",
        m if m.starts_with("Invalid value for argument") || m.starts_with("Variable") => "BAD_USER_INPUT",
        _ => "BAD_REQUEST",
    }
}

/// Every error leaves with a code from the closed set. Field errors raised by async-graphql
/// itself (argument coercion) are the caller's input; anything else without a code is
/// replaced by a generic `INTERNAL`, so no internal message escapes.
fn ensure_code(e: &mut ServerError) {
    let has = e
        .extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .is_some_and(|c| matches!(c, Value::String(s) if ERROR_CODES.contains(&s.as_str())));
    if has {
        return;
    }
    let m = e.message.as_str();
    if m.starts_with("Invalid value for argument")
        || m.starts_with("Failed to parse")
        || m.starts_with("Expected input type")
        || m.contains("(occurred while parsing")
    {
        e.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
    } else {
        tracing::error!(path = ?e.path, "resolver error without a code");
        e.message = "internal error".into();
        e.source = None;
        e.extensions.get_or_insert_with(Default::default).set("code", "INTERNAL");
    }
}

async fn graphql(State(s): State<AppState>, request: axum::extract::Request) -> Response {
    let headers: HeaderMap = request.headers().clone();
    let h = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let from = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let get = request.method() == Method::GET;
    if get {
        // A browser asking for a page gets GraphiQL in dev; nothing runs.
        if s.dev && h(header::ACCEPT).contains("text/html") {
            return crate::graphiql::page();
        }
    } else {
        // 1. JSON only: text/plain, form and multipart posts (CSRF "simple requests") never run.
        let ctype = h(header::CONTENT_TYPE).split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if ctype != "application/json" {
            return fail(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST", "content-type must be application/json");
        }
    }
    // 2-3. The token, its staff record, and this principal's rate and concurrency.
    let (principal, _permit) = match admit(&s, &headers, from).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    // 4. The body (or, for GET, the query string), read only now (after the token) and within
    //    its own timeout; one operation per request (the single extractor refuses JSON arrays).
    let read =
        tokio::time::timeout(s.body_timeout, GraphQLRequest::<GraphQLRejection>::from_request(request, &s)).await;
    let Ok(req) = read else {
        s.metrics.refused("body_timeout");
        return fail(StatusCode::REQUEST_TIMEOUT, "TIMEOUT", "request body not received in time");
    };
    let mut req = match req {
        Ok(r) => r.into_inner(),
        Err(GraphQLRejection(ParseRequestError::PayloadTooLarge)) => {
            return fail(StatusCode::PAYLOAD_TOO_LARGE, "BAD_REQUEST", "request body too large");
        }
        Err(_) => {
            return fail(StatusCode::BAD_REQUEST, "BAD_REQUEST", "malformed GraphQL request");
        }
    };
    // 5. Response media type from Accept.
    let modern = h(header::ACCEPT).contains("application/graphql-response+json");
    let rtype =
        if modern { "application/graphql-response+json; charset=utf-8" } else { "application/json; charset=utf-8" };
    // 6. A persisted operation: its text from its hash (Apollo's protocol), and the safelist.
    let hash = req
        .extensions
        .get("persistedQuery")
        .and_then(|p| match p {
            Value::Object(o) => o.get("sha256Hash"),
            _ => None,
        })
        .and_then(|h| match h {
            Value::String(h) => Some(h.clone()),
            _ => None,
        });
    match s.persisted.lookup(&principal, hash.as_deref(), &req.query) {
        Lookup::Text => {}
        Lookup::Found(text) => req.query = text,
        Lookup::NotFound => {
            return coded_error(StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", rtype);
        }
        Lookup::NotRegistered => {
            return coded_error(
                StatusCode::OK,
                "PERSISTED_QUERY_NOT_FOUND",
                "only registered (persisted) operations may run for this role",
                rtype,
            );
        }
        Lookup::Mismatch => {
            return coded_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "provided sha does not match query", rtype);
        }
    }
    // 7. Parsed here, once per distinct document (execute reuses it), and held to the shape limits.
    if let Err(e) = s.documents.prepare(&mut req) {
        return request_errors(vec![e], modern, rtype);
    }
    let (variables, operation_name) = (std::mem::take(&mut req.variables), req.operation_name.take());
    let facts = req.parsed_query().map(|doc| {
        (
            crate::graphql::introspection_only(doc),
            crate::graphql::cost::of(doc, &variables),
            selected_operation(doc, operation_name.as_deref()),
        )
    });
    req.variables = variables;
    req.operation_name = operation_name;
    let (introspective, cost, kind) = match facts {
        Ok(f) => f,
        Err(e) => return request_errors(vec![e], modern, rtype),
    };
    // GraphQL over GET runs queries only (GraphQL-over-HTTP): a mutation is 405.
    if get && kind != Some(OperationType::Query) {
        let mut res = coded_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "only queries run over GET: send mutations with POST",
            rtype,
        );
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    // Introspection-only documents run on the schema that allows their depth: in dev, and for
    // ADMIN in production when configured. Anything else runs on the ordinary schema.
    let schema = if introspective && (s.dev || (s.introspection_for_admin && principal.has(Role::Admin))) {
        &s.introspection_schema
    } else {
        &s.schema
    };
    let request_id = h(X_REQUEST_ID.clone()).to_string();
    let operation = req.operation_name.clone().or_else(|| first_operation_name(&req.query));
    let ctx = RequestCtx::new(principal, request_id, operation.as_deref()).deferring_reads();
    let audit_ctx = ctx.clone();
    // The text, to find the fields again if errors need nulls written (rare; a cache hit).
    let text = req.query.clone();
    let req = req.data(RequestData::new(s.db.clone(), s.services.clone(), ctx));
    let started = std::time::Instant::now();
    // 7. One deadline for the wait for a slot, the execution and the audit flush. A request may
    //    hold two pooled connections at once (two loaders on one level): more requests in flight
    //    than the pool can serve made some wait past the acquire timeout while others overtook
    //    them, so excess requests wait for a slot instead, in order.
    let waited = std::sync::Mutex::new(None::<Duration>);
    let work = async {
        let queued = s.queue.enter();
        let _slot = s.slots.acquire().await.ok()?;
        drop(queued);
        *waited.lock().unwrap_or_else(|e| e.into_inner()) = Some(started.elapsed());
        let res = schema.execute(req).await;
        let executed = started.elapsed();
        // The request's reads go on the audit trail before anyone sees them: no row, no data.
        let flushed = s.audit.flush(&audit_ctx).await.is_ok();
        s.metrics.audit_flush(started.elapsed() - executed);
        Some((res, flushed))
    };
    let (res, flushed) = match tokio::time::timeout(s.timeout, work).await {
        Ok(Some(done)) => done,
        Ok(None) => return unavailable("UNAVAILABLE"),
        Err(_) => {
            // Most of the deadline spent waiting for a slot (or never given one): the server is
            // overloaded, and `/readyz` says so for a while.
            let waited = waited.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(s.timeout);
            if waited >= s.timeout / 2 {
                s.queue.timed_out();
            }
            s.metrics.request(operation.as_deref(), 503, started.elapsed(), &["TIMEOUT"]);
            return unavailable("TIMEOUT");
        }
    };
    if !flushed {
        s.metrics.request(operation.as_deref(), 503, started.elapsed(), &["UNAVAILABLE"]);
        return unavailable("UNAVAILABLE");
    }
    // 8. Request error (validation, limits): nothing ran.
    if res.data == Value::Null && !res.errors.is_empty() && res.errors.iter().all(|e| e.path.is_empty()) {
        let codes: Vec<&str> = res.errors.iter().map(|e| request_error_code(&e.message)).collect();
        s.metrics.request(operation.as_deref(), if modern { 400 } else { 200 }, started.elapsed(), &codes);
        return request_errors(res.errors, modern, rtype);
    }
    let mut res = res;
    if res.errors.iter().any(|e| !e.path.is_empty()) {
        let mut again = async_graphql::Request::new(text);
        if s.documents.prepare(&mut again).is_ok()
            && let Ok(doc) = again.parsed_query()
        {
            crate::graphql::nulls::propagate(&s.types, doc, operation.as_deref(), &mut res.data, &res.errors);
        }
    }
    res.errors.iter_mut().for_each(ensure_code);
    res.extensions.insert("cost".into(), cost_value(cost));
    let codes: Vec<&str> = res.errors.iter().filter_map(error_code).collect();
    // An outage (database unreachable, restarting, a statement timeout): 503 with Retry-After, so
    // that a client can tell a retryable failure from a fault. `data` still holds what completed.
    // A mutation whose result is in `data` may have committed: 200, so that no client retries
    // it blindly; the error still says UNAVAILABLE or TIMEOUT.
    let committed = kind == Some(OperationType::Mutation) && res.data != Value::Null;
    let retry = codes.iter().find(|c| RETRYABLE_CODES.contains(c)).copied().filter(|_| !committed);
    let status = if retry.is_some() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    s.metrics.request(operation.as_deref(), status.as_u16(), started.elapsed(), &codes);
    // Straight to text: no intermediate JSON tree for a response of hundreds of fields.
    let res = match serde_json::to_string(&res) {
        Ok(body) => reply_text(status, rtype, body),
        Err(_) => fail(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error"),
    };
    if retry.is_some() { retry_after(res, RETRY_AFTER_SECS) } else { res }
}

/// Who is calling, or the answer that refuses them: a missing or invalid token is 401 (never
/// "anonymous"; the reason is logged only, sampled, and an address that keeps failing gets 429
/// instead); the token must still speak for someone (an active record holding its roles); and
/// the principal must be within its rate and concurrency (429). The permit is held until the
/// request ends.
async fn admit(
    s: &AppState,
    headers: &HeaderMap,
    from: Option<std::net::IpAddr>,
) -> Result<(crate::auth::Principal, crate::guard::Permit), Response> {
    let principal =
        match s.keys.authenticate_fresh(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())).await {
            Ok(p) => p,
            Err(reason) => return Err(refuse_unauthenticated(s, from, &reason)),
        };
    match s.identities.check(&s.db, &principal).await {
        Ok(Ok(())) => {}
        Ok(Err(revoked)) => return Err(refuse_unauthenticated(s, from, &revoked)),
        Err(e) => {
            s.metrics.refused("unavailable");
            return Err(unavailable(e.code()));
        }
    }
    match s.guards.admit(principal.user) {
        Ok(p) => Ok((principal, p)),
        Err(refused) => {
            s.metrics.refused("rate_limited");
            Err(rate_limited(refused.retry_after_secs))
        }
    }
}

#[derive(serde::Deserialize)]
struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    team: Option<String>,
}

/// A 400 with a JSON body naming the field, for the CSV and XML routes.
fn bad_input(field: &str, message: &str) -> Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT", "field": field } }] });
    reply(StatusCode::BAD_REQUEST, "application/json; charset=utf-8", body)
}

/// The export routes' shared prelude: the caller admitted (token, rate and concurrency limits),
/// the query string read, `from` and `to` checked into a range.
async fn export_prelude(
    s: &AppState,
    request: &axum::http::request::Parts,
    operation: &str,
) -> Result<(RequestCtx, ReportParams, crate::domain::report::Range, crate::guard::Permit), Response> {
    use crate::domain::report::Range;
    let headers = &request.headers;
    let from_ip = request.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let (principal, permit) = admit(s, headers, from_ip).await?;
    let params: ReportParams = match axum::extract::Query::try_from_uri(&request.uri) {
        Ok(axum::extract::Query(p)) => p,
        Err(_) => return Err(bad_input("query", "expected from, to and by")),
    };
    let date = |v: &Option<String>| {
        v.as_deref().filter(|d| d.len() == 10).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let (Some(from), Some(to)) = (date(&params.from), date(&params.to)) else {
        return Err(bad_input("from", "from and to are required, as YYYY-MM-DD"));
    };
    let range = match Range::new(from, to) {
        Ok(r) => r,
        Err(crate::error::AppError::Invalid(errs)) => {
            let e = &errs[0];
            return Err(bad_input(&e.field.join("."), &e.message));
        }
        Err(_) => return Err(bad_input("from", "bad range")),
    };
    let request_id = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ctx = RequestCtx::new(principal, request_id, Some(operation));
    Ok((ctx, params, range, permit))
}

/// An export's answer: the body as an attachment, or the error as the API reports it.
fn export_reply(
    made: Result<crate::error::AppResult<String>, tokio::time::error::Elapsed>,
    content_type: &'static str,
    file_name: &str,
) -> Response {
    match made {
        Ok(Ok(body)) => {
            let mut res = reply_text(StatusCode::OK, content_type, body);
            let disposition = format!("attachment; filename=\"{file_name}\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Ok(Err(crate::error::AppError::Forbidden)) => fail(StatusCode::FORBIDDEN, "FORBIDDEN", "forbidden"),
        Ok(Err(crate::error::AppError::Invalid(errs))) => {
            let e = &errs[0];
            bad_input(&e.field.join("."), &e.message)
        }
        Ok(Err(e)) if RETRYABLE_CODES.contains(&e.code()) => unavailable(e.code()),
        Ok(Err(_)) => fail(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error"),
        Err(_) => unavailable("TIMEOUT"),
    }
}

/// `GET /reports/<name>.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&by=week|month|quarter[&team=<ID>]` (by
/// defaults to month): a report as CSV for reporting tools, with the same token, policy,
/// suppression and audit as `reports` in GraphQL. Bad input is 400 with a JSON body; nothing is
/// exported.
async fn report_csv(
    State(s): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> Response {
    use crate::domain::report::{self, Ask, Grouping};
    let Some(kind) = file.strip_suffix(".csv").and_then(report::Kind::from_name) else {
        return fail(StatusCode::NOT_FOUND, "NOT_FOUND", "no such report");
    };
    let (parts, _) = request.into_parts();
    let (ctx, params, range, _permit) =
        match export_prelude(&s, &parts, &format!("report_{}", kind.name().replace('-', "_"))).await {
            Ok(p) => p,
            Err(refusal) => return refusal,
        };
    let Some(by) = Grouping::parse(params.by.as_deref().unwrap_or("month")) else {
        return bad_input("by", "by is week, month or quarter");
    };
    let team = match params
        .team
        .as_deref()
        .map(|t| crate::graphql::ids::decode(&t.into(), crate::graphql::ids::Kind::Team, "team"))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return bad_input("team", "not a team ID"),
    };
    let threshold = s.services.rules.suppression_threshold;
    let ask = Ask { kind, range, by, team };
    let made = tokio::time::timeout(s.timeout, async {
        report::make(&s.db, &ctx, ask, threshold).await.map(|r| report::csv(&r))
    })
    .await;
    let file_name = format!("{}_{}_{}.csv", kind.name(), range.from, range.to);
    export_reply(made, "text/csv; charset=utf-8", &file_name)
}

/// `GET /extracts/<file>?from=YYYY-MM-DD&to=YYYY-MM-DD`: the statutory child-level extracts
/// (`annex-a-list-1.csv`, `annex-a-list-2.csv`, `annex-a-list-3.csv`, `cin-census.xml`) for
/// performance officers, audited with every child they hold.
async fn extract_file(
    State(s): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> Response {
    use crate::domain::report::extract::{self, Extract};
    let Some(which) = Extract::from_file(&file) else {
        return fail(StatusCode::NOT_FOUND, "NOT_FOUND", "no such extract");
    };
    let (parts, _) = request.into_parts();
    let operation = format!("extract_{}", file.split('.').next().unwrap_or("").replace('-', "_"));
    let (ctx, _params, range, _permit) = match export_prelude(&s, &parts, &operation).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let rules = s.services.rules;
    let made = tokio::time::timeout(s.timeout, extract::make(&s.db, &ctx, which, range, &rules)).await;
    let (stem, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    export_reply(made, which.content_type(), &format!("{stem}_{}_{}.{ext}", range.from, range.to))
}

/// `extensions.cost`: what this request cost and the limits it is held to.
fn cost_value(c: crate::graphql::cost::Cost) -> Value {
    let limits = Value::from_json(json!({
        "complexity": crate::graphql::MAX_COMPLEXITY,
        "depth": crate::graphql::MAX_DEPTH,
    }))
    .unwrap_or(Value::Null);
    let mut m = async_graphql::indexmap::IndexMap::new();
    m.insert(async_graphql::Name::new("complexity"), Value::from(c.complexity as u64));
    m.insert(async_graphql::Name::new("depth"), Value::from(c.depth as u64));
    m.insert(async_graphql::Name::new("limits"), limits);
    Value::Object(m)
}

/// The type of the operation a request runs (`operationName`, or the only one).
fn selected_operation(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
        _ => None,
    }
}

/// An error before anything ran, with its code.
fn coded_error(status: StatusCode, code: &str, message: &str, rtype: &'static str) -> Response {
    reply(status, rtype, json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// The code of an error that `ensure_code` has seen (always one of [`ERROR_CODES`]).
fn error_code(e: &ServerError) -> Option<&'static str> {
    match e.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(Value::String(c)) => ERROR_CODES.iter().find(|k| **k == c.as_str()).copied(),
        _ => None,
    }
}

/// 401, or 429 once the client's address has spent its budget of failed authentications.
fn refuse_unauthenticated(s: &AppState, from: Option<std::net::IpAddr>, reason: &dyn std::fmt::Display) -> Response {
    match s.guards.unauthenticated(from, reason) {
        Ok(()) => {
            s.metrics.refused("unauthenticated");
            unauthenticated()
        }
        Err(refused) => {
            s.metrics.refused("unauthenticated_rate_limited");
            rate_limited(refused.retry_after_secs)
        }
    }
}

/// A request error (parse, validation, limits): nothing ran. No "data" key; a code on each.
fn request_errors(mut errors: Vec<ServerError>, modern: bool, rtype: &'static str) -> Response {
    for e in &mut errors {
        let code = request_error_code(&e.message);
        e.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    let status = if modern { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    reply(status, rtype, json!({ "errors": errors }))
}

/// The name of the document's first operation (`query Name` / `mutation Name`), for the audit
/// trail when the client did not send `operationName`. A cheap scan, not a parse: it only
/// labels the audit row and never decides anything.
fn first_operation_name(query: &str) -> Option<String> {
    let mut rest = query;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
        if let Some(comment) = rest.strip_prefix('#') {
            rest = comment.split_once('\n').map(|(_, r)| r).unwrap_or("");
            continue;
        }
        break;
    }
    let rest = rest
        .strip_prefix("query")
        .or_else(|| rest.strip_prefix("mutation"))
        .or_else(|| rest.strip_prefix("subscription"))?;
    let rest = rest.trim_start();
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::first_operation_name as name;

    #[test]
    fn operation_names() {
        assert_eq!(name("query ChildCard($id: ID!) { x }").as_deref(), Some("ChildCard"));
        assert_eq!(name("# hi\n  mutation Open { x }").as_deref(), Some("Open"));
        assert_eq!(name("{ x }"), None);
        assert_eq!(name("query { x }"), None);
        assert_eq!(name("query($a: Int) { x }"), None);
    }
}
