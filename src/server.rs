//! The listener: HTTP/1.1 and HTTP/2 connections served with a header-read timeout (a client that
//! never finishes its headers is closed, not held), each connection told its client's address
//! (for the unauthenticated budget), and a shutdown in three steps:
//!
//! 1. on the signal, `/readyz` answers 503 at once while requests are still accepted, for
//!    `drain` (a load balancer polling it stops sending);
//! 2. the listener closes and open connections finish their current request (idle keep-alive
//!    connections close at once);
//! 3. after `deadline`, whatever still runs is cancelled: its transaction rolls back.
use axum::{Router, extract::ConnectInfo};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio::{net::TcpListener, task::JoinSet};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub drain: Duration,
    pub deadline: Duration,
}

/// Serves `app` on `listener` until `signal` completes, then drains and stops as above.
/// `shutting_down` is the flag `/readyz` reads.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    opts: ServeOptions,
    shutting_down: Arc<AtomicBool>,
    signal: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(opts.header_read_timeout);
    // HTTP/2: a connection whose peer stops answering pings is closed; one connection runs at
    // most 100 requests at once.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(10))
        .max_concurrent_streams(100);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if !accept(accepted, &app, &builder, &graceful, &mut connections, opts.header_read_timeout) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            _ = &mut signal => break,
        }
    }
    shutting_down.store(true, Ordering::Relaxed);
    tracing::info!(drain_secs = opts.drain.as_secs(), "shutting down: /readyz answers 503, still accepting");
    let drained = tokio::time::sleep(opts.drain);
    tokio::pin!(drained);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if !accept(accepted, &app, &builder, &graceful, &mut connections, opts.header_read_timeout) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            _ = &mut drained => break,
        }
    }
    drop(listener);
    tracing::info!(deadline_secs = opts.deadline.as_secs(), "listener closed: finishing open requests");
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections finished"),
        _ = tokio::time::sleep(opts.deadline) => {
            tracing::warn!(cancelled = connections.len(), "shutdown deadline passed: cancelling open connections");
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

fn accept(
    accepted: std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
    app: &Router,
    builder: &auto::Builder<TokioExecutor>,
    graceful: &GracefulShutdown,
    connections: &mut JoinSet<()>,
    first_bytes: Duration,
) -> bool {
    while connections.try_join_next().is_some() {}
    let (stream, remote) = match accepted {
        Ok(a) => a,
        Err(e) => {
            // EMFILE and the like: say so and go on after a short pause (descriptors free up).
            tracing::warn!("accept failed: {e}");
            return false;
        }
    };
    let _ = stream.set_nodelay(true);
    let app = app.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        app.clone().oneshot(req)
    });
    let (builder, watcher) = (builder.clone(), graceful.watcher());
    connections.spawn(async move {
        // A client that connects and sends nothing (before the protocol is even known) is
        // closed at the header-read timeout too.
        let mut first = [0u8; 1];
        match tokio::time::timeout(first_bytes, stream.peek(&mut first)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return,
        }
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        // A client that goes away or breaks the protocol ends its connection; nothing to report.
        let _ = watcher.watch(conn).await;
    });
    true
}
