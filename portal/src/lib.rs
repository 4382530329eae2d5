//! The reference partner portal (issue 21): the pages a school's or health visitor's
//! practitioner uses to make a request for support, share an update about a child open to
//! social care, and hear back — on the GOV.UK Design System, server-rendered, working without
//! JavaScript. It reaches casegraph only through the public GraphQL API over HTTP with the
//! signed-in person's token ([`api`]); it has no database and calls no casegraph code.
//!
//! `casegraph` serves it at `/portal/` in the dev profile; the `portal` binary serves it on its
//! own (and is what a production deployment runs, with OpenID Connect sign-in).
pub mod api;
mod forms;
mod html;
pub mod oidc;
pub mod ops;
mod pages;
mod session;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// How the portal runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// casegraph's GraphQL endpoint, e.g. `http://127.0.0.1:8080/graphql`.
    pub api_url: String,
    /// Development sign-in (choose a demo person; tokens from casegraph's dev-only
    /// `/dev/people` and `/dev/token`, beside `api_url`). Never with `oidc`.
    pub dev: bool,
    /// Cookies marked `Secure` (always outside dev).
    pub secure_cookies: bool,
    /// Production sign-in: OpenID Connect authorization code flow with PKCE.
    pub oidc: Option<oidc::Settings>,
}

#[derive(Clone)]
pub(crate) struct App {
    pub api: api::Api,
    pub store: session::Store,
    pub cfg: Arc<Config>,
}

/// The portal's routes, all under `/portal/`, with its security headers.
pub fn router(cfg: Config) -> Router {
    let app = App { api: api::Api::new(cfg.api_url.clone()), store: session::Store::default(), cfg: Arc::new(cfg) };
    Router::new()
        .route("/portal", get(|| async { axum::response::Redirect::permanent("/portal/") }))
        .merge(pages::routes())
        .route("/portal/assets/{file}", get(asset))
        // No fallback of its own (casegraph merges these routes into its router, which has
        // one): a page that is not there, one segment deep; deeper ones are the forms' to refuse.
        .route("/portal/{form}", get(pages::not_found))
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

/// A strict Content-Security-Policy (no inline script or style, nothing from elsewhere), no
/// framing, no referrer, and no caching of pages that hold a child's details.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/portal/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The design system's files and the portal's own, compiled in (nothing to install beside the
/// binary, nothing from a CDN).
async fn asset(axum::extract::Path(file): axum::extract::Path<String>, State(_): State<App>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "govuk-frontend.min.css" => (include_bytes!("../assets/govuk-frontend.min.css"), "text/css"),
        "govuk-frontend.min.js" => (include_bytes!("../assets/govuk-frontend.min.js"), "text/javascript"),
        "init.js" => (include_bytes!("../assets/init.js"), "text/javascript"),
        "start.js" => (include_bytes!("../assets/start.js"), "text/javascript"),
        "portal.css" => (include_bytes!("../assets/portal.css"), "text/css"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
