//! The portal on its own: `portal` serves `/portal/` and talks to casegraph at
//! `CASEGRAPH_URL`. Dev profile: sign in as a demo person. Production: OpenID Connect.
use std::net::SocketAddr;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(env("RUST_LOG").unwrap_or_else(|| "info".into())).init();
    if std::env::args().nth(1).as_deref() == Some("manifest") {
        print!("{}", portal::ops::manifest());
        return;
    }
    let dev = env("PORTAL_PROFILE").as_deref() != Some("prod");
    let oidc = env("OIDC_ISSUER").map(|issuer| portal::oidc::Settings {
        issuer,
        client_id: env("OIDC_CLIENT_ID").expect("OIDC_CLIENT_ID with OIDC_ISSUER"),
        client_secret: env("OIDC_CLIENT_SECRET"),
        redirect_url: env("OIDC_REDIRECT_URL").expect("OIDC_REDIRECT_URL with OIDC_ISSUER"),
        scopes: env("OIDC_SCOPES").unwrap_or_else(|| "openid".into()),
    });
    if !dev && oidc.is_none() {
        eprintln!("the prod profile needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URL");
        std::process::exit(2);
    }
    let base = env("CASEGRAPH_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let cfg = portal::Config {
        api_url: format!("{}/graphql", base.trim_end_matches('/')),
        dev: dev && oidc.is_none(),
        secure_cookies: !dev,
        oidc,
    };
    let bind: SocketAddr = env("PORTAL_BIND").unwrap_or_else(|| "127.0.0.1:8090".into()).parse().expect("PORTAL_BIND");
    let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
    eprintln!("portal listening on http://{}/portal/", listener.local_addr().expect("addr"));
    axum::serve(listener, portal::router(cfg)).await.expect("serve");
}
