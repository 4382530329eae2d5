//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`, and the older `graphql-ws`),
//! on `GET /graphql/ws`. Browsers cannot set headers on a WebSocket, so the bearer token comes
//! in `connection_init` (`{"Authorization": "Bearer ..."}`) and is verified exactly as for HTTP.
//! A bad or missing token closes the socket with 4403; no `connection_init` within 10 s closes
//! it with 4408; the socket closes with 4401 when the token expires.
use crate::context::RequestCtx;
use crate::graphql::RequestData;
use crate::state::AppState;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt, future};
use std::{str::FromStr, time::Duration};
use tokio::sync::watch;

/// How long a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an open socket's caller is checked again against their staff record (the check
/// itself is cached for `CASEGRAPH_IDENTITY_CACHE_SECS`).
pub const RECHECK: Duration = Duration::from_secs(15);
const UNAUTHENTICATED: &str = "unauthenticated";

pub async fn upgrade(State(s): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let offered = headers.get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).unwrap_or("");
    let protocol = offered.split(',').map(str::trim).find_map(|p| WebSocketProtocols::from_str(p).ok());
    let Some(protocol) = protocol else {
        return (axum::http::StatusCode::BAD_REQUEST, "use the graphql-transport-ws subprotocol").into_response();
    };
    ws.protocols(["graphql-transport-ws", "graphql-ws"]).on_upgrade(move |socket| serve(s, socket, protocol))
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.to_string().into() }))
}

async fn serve(s: AppState, socket: WebSocket, protocol: WebSocketProtocols) {
    let (mut sink, stream) = socket.split();
    let input = stream.take_while(|m| future::ready(m.is_ok())).filter_map(|m| {
        future::ready(match m {
            Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
            Ok(Message::Binary(b)) => Some(b.to_vec()),
            _ => None,
        })
    });
    // The caller, once connection_init has been accepted.
    let (who_tx, mut who_rx) = watch::channel::<Option<crate::auth::Principal>>(None);
    let (db, services, keys, identities, guards) =
        (s.db.clone(), s.services.clone(), s.keys.clone(), s.identities.clone(), s.guards.clone());
    let (recheck_db, recheck) = (s.db.clone(), s.identities.clone());
    let on_init = move |payload: serde_json::Value| async move {
        let header = ["Authorization", "authorization"].iter().find_map(|k| payload.get(*k).and_then(|v| v.as_str()));
        let verified = match keys.authenticate_fresh(header).await {
            Ok(p) => match identities.check(&db, &p).await {
                Ok(Ok(())) => Ok(p),
                Ok(Err(revoked)) => Err(revoked.to_string()),
                Err(_) => Err("staff record unreadable".into()),
            },
            Err(reason) => Err(reason.to_string()),
        };
        match verified {
            Ok(principal) => {
                let _ = who_tx.send(Some(principal.clone()));
                let ctx = RequestCtx::new(principal, uuid::Uuid::now_v7().to_string(), Some("subscription"));
                let mut data = async_graphql::Data::default();
                data.insert(RequestData::new(db, services, ctx));
                Ok(data)
            }
            Err(reason) => {
                // Logged sampled, with HTTP's failures.
                let _ = guards.unauthenticated(None, &format!("websocket: {reason}"));
                Err(async_graphql::Error::new(UNAUTHENTICATED))
            }
        }
    };
    let mut out = async_graphql::http::WebSocket::new(s.ws_schema.clone(), input, protocol).on_connection_init(on_init);
    // Closes the socket at the token's expiry (or if connection_init never comes), and when the
    // caller's staff record is deactivated or loses the token's roles: checked again every
    // RECHECK, so revocation reaches open sockets too.
    let deadline = async move {
        let init = tokio::time::timeout(INIT_TIMEOUT, async {
            who_rx.wait_for(|e| e.is_some()).await.ok().and_then(|e| e.clone())
        })
        .await;
        let Ok(Some(who)) = init else {
            return close(4408, "connection initialisation timeout");
        };
        let now = jsonwebtoken::get_current_timestamp();
        let expiry = tokio::time::sleep(Duration::from_secs(who.expires_at.saturating_sub(now)));
        tokio::pin!(expiry);
        let mut tick = tokio::time::interval(RECHECK);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = &mut expiry => return close(4401, "token expired"),
                _ = tick.tick() => {
                    if let Ok(Err(_)) = recheck.check(&recheck_db, &who).await {
                        return close(4403, "Forbidden");
                    }
                }
            }
        }
    };
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            msg = out.next() => match msg {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let frame = if reason == UNAUTHENTICATED { close(4403, "Forbidden") } else { close(code, &reason) };
                    let _ = sink.send(frame).await;
                    break;
                }
                None => break,
            },
            frame = &mut deadline => {
                let _ = sink.send(frame).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
}
