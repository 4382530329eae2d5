//! GraphiQL served by casegraph itself (dev only), with no third-party CDN: the vendored, pinned
//! files of `assets/graphiql/` (versions, sha256 and licences in its README.md; `fetch.sh` re-checks
//! them against the npm tarballs) are compiled into the binary and served under `/graphiql/`, and
//! [`page`] is the HTML for `GET /graphql`, sent with a strict Content-Security-Policy: every script
//! and style comes from a file here, none inline (hence `boot.js` and `boot.css`).
//!
//! The CSP, and why each source is there (GraphiQL 4.1.2, CodeMirror 5, checked in Chromium):
//! - `script-src 'self'`: the page's five scripts; GraphiQL 4 uses no `eval` and no web workers (Monaco and
//!   its `blob:` workers came with GraphiQL 5), so no `'unsafe-eval'`, `blob:` or `worker-src`.
//! - `style-src 'self'`: the two style sheets. React, CodeMirror and framer-motion set styles
//!   through the CSSOM, which the CSP allows. The one thing refused: react-remove-scroll (Radix
//!   dialogs and menus) adds a `<style>` element hiding the page's scroll bar while one is open,
//!   which `boot.css` does anyway, so `'unsafe-inline'` is not worth granting for it (the browser
//!   logs one CSP error each time a dialog or menu opens; nothing looks or works differently).
//! - `img-src 'self' data:` and `font-src 'self' data:`: `graphiql.min.css` embeds its fonts
//!   (Roboto, Fira Code) and a few images as `data:` URLs; the page's icon is `data:,`.
//! - `connect-src 'self'`: `POST /graphql` and the WebSocket on `/graphql/ws` (CSP Level 3 lets
//!   `'self'` match `ws:`/`wss:` on the page's host; Safari only does since 2022, WebKit bug 235873).
use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

/// The page's Content-Security-Policy (see the module doc).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

macro_rules! asset {
    ($name:literal, $ctype:expr) => {
        ($name, $ctype, include_bytes!(concat!("../assets/graphiql/", $name)).as_slice())
    };
}

/// Served as `/graphiql/<name>`: the scripts and styles `index.html` loads, and the licences.
const FILES: &[(&str, &str, &[u8])] = &[
    asset!("react.production.min.js", JS),
    asset!("react-dom.production.min.js", JS),
    asset!("graphiql.min.js", JS),
    asset!("graphiql.min.css", CSS),
    asset!("boot.js", JS),
    asset!("boot.css", CSS),
    asset!("LICENSE.react", TEXT),
    asset!("LICENSE.react-dom", TEXT),
    asset!("LICENSE.graphiql", TEXT),
];

const INDEX: &[u8] = include_bytes!("../assets/graphiql/index.html");

/// `GET /graphiql/<file>` for each vendored file. The names carry no hash, so `no-cache`
/// (revalidate), not `immutable`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    FILES.iter().fold(Router::new(), |router, &(name, ctype, body)| {
        router.route(&format!("/graphiql/{name}"), get(move || async move { file(ctype, body) }))
    })
}

/// The GraphiQL page, with its Content-Security-Policy.
pub fn page() -> Response {
    let mut res = file("text/html; charset=utf-8", INDEX);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    res
}

fn file(ctype: &'static str, body: &'static [u8]) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}
