//! The `casegraph` command: serve (default), migrate, seed, token, schema.
use anyhow::{Context, bail};
use casegraph::{
    auth::{Role, jwt::KeySet},
    config::{Config, LogFormat},
    db, seed,
    server::{ServeOptions, serve as serve_http},
};
use clap::{Parser, Subcommand};
use entity::staff;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::str::FromStr;

#[derive(Parser)]
#[command(name = "casegraph", version, about = "GraphQL API over shared children's case information")]
struct Cli {
    #[command(flatten)]
    cfg: Config,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the synthetic demo data into an empty database.
    Seed,
    /// Print a signed development token for a seeded person (dev profile only).
    Token {
        /// A demo user's handle, e.g. `sw.alpha1` (see README).
        #[arg(long, conflicts_with = "role")]
        user: Option<String>,
        /// Or: the first demo user with this role, e.g. `SOCIAL_WORKER`.
        #[arg(long)]
        role: Option<String>,
        /// Minutes until the token expires.
        #[arg(long, default_value_t = 60)]
        ttl_minutes: u64,
    },
    /// Print the GraphQL schema (SDL), as committed in `schema.graphql`.
    Schema,
}

/// mimalloc instead of glibc's malloc: under load the server spent a quarter of its CPU in
/// glibc's allocator (perf, bench/run.sh caseload), and its arenas held on to memory. Built
/// with `no_thp`: mimalloc otherwise asks for transparent huge pages, and its partly used 2 MiB
/// pages put peak RSS under load at 64 MB instead of 39 MB (caseload, 64 connections).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    init_logging(cli.cfg.log_format);
    if let Err(e) = run(cli).await {
        eprintln!("casegraph: {e:#}");
        std::process::exit(1);
    }
}

/// Logs go to stderr, as [`casegraph::logging::subscriber`] writes them.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let subscriber = casegraph::logging::subscriber(format, filter, std::io::stderr, std::io::stderr().is_terminal());
    let _ = tracing::subscriber::set_global_default(subscriber);
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = cli.cfg;
    match cli.cmd.unwrap_or(Cmd::Serve) {
        Cmd::Schema => {
            print!("{}", casegraph::graphql::sdl());
            Ok(())
        }
        Cmd::Migrate => {
            cfg.validate()?;
            let (conn, _) = db::connect(&cfg.database_url, 1, cfg.request_timeout()).await?;
            db::migrate(&conn).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Cmd::Seed => {
            cfg.validate()?;
            let (conn, _) = db::connect(&cfg.database_url, 1, cfg.request_timeout()).await?;
            db::migrate(&conn).await?;
            if !seed::is_empty(&conn).await? {
                bail!("the database already holds data; demo data goes only into an empty database");
            }
            let n = seed::demo(&conn).await?;
            let r = seed::activity(&conn).await?;
            eprintln!("loaded synthetic demo data: {n} children, a year of activity ({r} requests for support)");
            Ok(())
        }
        Cmd::Token { user, role, ttl_minutes } => token(&cfg, user, role, ttl_minutes).await,
        Cmd::Serve => serve(cfg).await,
    }
}

async fn token(cfg: &Config, user: Option<String>, role: Option<String>, ttl_minutes: u64) -> anyhow::Result<()> {
    if !cfg.dev() {
        bail!("`token` mints development tokens and refuses to run in the prod profile");
    }
    cfg.validate()?;
    let keys = KeySet::from_config(cfg)?;
    if ttl_minutes == 0 || ttl_minutes * 60 > cfg.jwt_max_lifetime_secs {
        bail!("--ttl-minutes must be between 1 and {}", cfg.jwt_max_lifetime_secs / 60);
    }
    let (conn, _) = db::connect(&cfg.database_url, 1, cfg.request_timeout()).await?;
    db::migrate(&conn).await?;
    if cfg.demo_data && seed::is_empty(&conn).await? {
        seed::demo(&conn).await?;
        seed::activity(&conn).await?;
    }
    let person = match (user, role) {
        (Some(h), _) => staff::Entity::find().filter(staff::Column::Handle.eq(h.as_str())).one(&conn).await?,
        (None, Some(r)) => {
            let r = Role::from_str(&r).map_err(|_| anyhow::anyhow!("unknown role {r:?}"))?;
            staff::Entity::find()
                .filter(staff::Column::Roles.contains(r.as_str()))
                .order_by_asc(staff::Column::Handle)
                .one(&conn)
                .await?
        }
        (None, None) => bail!("give --user <handle> or --role <ROLE>"),
    }
    .context("no such demo user (see README for the handles)")?;
    let (token, _) = casegraph::devtoken::mint(&keys, &person, ttl_minutes * 60)
        .context("no development key: set the dev profile with HS256")?;
    println!("{token}");
    Ok(())
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    let state = casegraph::build_state(&cfg).await?;
    if cfg.dev() && cfg.demo_data && seed::is_empty(&state.db).await? {
        let n = seed::demo(&state.db).await?;
        let requests = seed::activity(&state.db).await?;
        tracing::info!(children = n, requests, "loaded synthetic demo data and a year of activity");
    }
    if cfg.webhook_interval_ms > 0 {
        casegraph::webhooks::spawn(
            state.db.clone(),
            state.services.webhooks.clone(),
            std::time::Duration::from_millis(cfg.webhook_interval_ms),
        );
    }
    if cfg.overdue_scan_secs > 0 {
        casegraph::spawn_overdue_scan(&state, std::time::Duration::from_secs(cfg.overdue_scan_secs));
    }
    let shutting_down = state.shutting_down.clone();
    let db = state.db.clone();
    if let Some(addr) = cfg.metrics_addr() {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                eprintln!("metrics:       http://{}/metrics", l.local_addr()?);
                let metrics = casegraph::metrics_app(state.clone());
                tokio::spawn(async move { axum::serve(l, metrics).await.ok() });
            }
            // A second instance on the same host, say: serve the API all the same.
            Err(e) => tracing::warn!("metrics not served: cannot bind {addr}: {e}"),
        }
    }
    let app = casegraph::app(state, &cfg);
    let listener =
        tokio::net::TcpListener::bind(cfg.bind).await.with_context(|| format!("cannot bind {}", cfg.bind))?;
    let addr = listener.local_addr()?;
    // The partner portal (portal/), in the dev profile: it calls this server's API over HTTP
    // like any other client. In production it runs as its own `portal` binary.
    let app = if cfg.dev() {
        let own =
            if addr.ip().is_unspecified() { std::net::SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        app.merge(portal::router(portal::Config {
            api_url: format!("http://{own}/graphql"),
            dev: true,
            secure_cookies: false,
            oidc: None,
        }))
    } else {
        app
    };
    eprintln!("casegraph listening on http://{addr}/graphql ({:?} profile)", cfg.profile);
    if cfg.dev() {
        eprintln!("GraphiQL:      http://{addr}/graphql");
        eprintln!("partner portal: http://{addr}/portal/   (sign in as a demo person)");
        eprintln!("a dev token:   cargo run -- token --user sw.alpha1   (or --role HUB_WORKER, ...)");
    }
    let opts = ServeOptions {
        header_read_timeout: std::time::Duration::from_secs(cfg.header_read_timeout_secs),
        drain: std::time::Duration::from_secs(cfg.drain_secs),
        deadline: std::time::Duration::from_secs(cfg.shutdown_deadline_secs),
    };
    serve_http(listener, app, opts, shutting_down, shutdown_signal()).await;
    db.close().await.ok();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
