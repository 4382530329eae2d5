//! Webhook delivery (issue 19): at least once, in commit order per subscription (so in order per
//! subject), retried with exponential backoff and jitter, then a dead letter.
//!
//! Any number of server instances may run [`Dispatcher::run_once`] on one database. An instance
//! delivers to a subscription only while it holds the subscription's lease, taken with one
//! conditional `UPDATE` (on PostgreSQL its row is picked `FOR UPDATE SKIP LOCKED`, so instances
//! never queue on each other) and renewed before every send; where delivery has got to (the
//! cursor) moves only under the lease. Two instances therefore never send the same event to one
//! endpoint at once; an instance that dies mid-send leaves the event to be sent again once its
//! lease runs out, with the same `webhook-id` (at least once).
//!
//! Each send: the endpoint's host resolved and every address checked ([`webhook::blocked`],
//! unless allow-listed), the connection pinned to the checked address (no DNS rebinding), no
//! redirects followed, a timeout. `2xx` is delivered; `410 Gone` deactivates the subscription;
//! anything else (another status, a redirect, a timeout, no connection) is a failed attempt.
use crate::domain::outbox::{self, Position};
use crate::domain::webhook::{self, Settings};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::{event, webhook_dead_letter as dead, webhook_delivery as delivery, webhook_subscription as sub};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use std::sync::Arc;
use std::time::Duration;

/// How long a lease lasts; renewed before each send (which takes at most the timeout).
fn lease_for(s: &Settings) -> chrono::Duration {
    chrono::Duration::from_std(s.timeout * 3).unwrap_or(chrono::Duration::seconds(30)) + chrono::Duration::seconds(5)
}

/// The events sent to one subscription in one turn, before others get theirs.
const BATCH: u64 = 50;

/// What became of one send.
#[derive(Debug)]
enum Sent {
    Delivered(u16),
    Gone,
    Failed(Option<u16>, String),
}

/// One instance's deliverer.
pub struct Dispatcher {
    db: DatabaseConnection,
    settings: Arc<Settings>,
    instance: Uuid,
}

impl Dispatcher {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> Self {
        Dispatcher { db, settings, instance: Uuid::now_v7() }
    }

    /// One pass: every active subscription that is due and not leased by another instance gets
    /// its pending replays and then its new events. Returns the events delivered.
    pub async fn run_once(&self) -> AppResult<usize> {
        let now = Utc::now();
        let due: Vec<Uuid> = sub::Entity::find()
            .filter(sub::Column::Active.eq(true))
            .filter(Condition::any().add(sub::Column::NextAttemptAt.is_null()).add(sub::Column::NextAttemptAt.lte(now)))
            .filter(Condition::any().add(sub::Column::LeaseUntil.is_null()).add(sub::Column::LeaseUntil.lt(now)))
            .order_by_asc(sub::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let mut delivered = 0;
        for id in due {
            if !self.claim(id).await? {
                continue;
            }
            let outcome = self.serve(id).await;
            self.release(id).await?;
            delivered += outcome?;
        }
        Ok(delivered)
    }

    /// Takes the subscription's lease if it is free and the subscription still due: one
    /// conditional `UPDATE`, so two instances cannot both take it.
    async fn claim(&self, id: Uuid) -> AppResult<bool> {
        let now = Utc::now();
        let until = now + lease_for(&self.settings);
        let backend = self.db.get_database_backend();
        let (sql, values): (&str, Vec<sea_orm::Value>) = match backend {
            DbBackend::Postgres => (
                "UPDATE webhook_subscriptions SET lease_owner = $1, lease_until = $2 WHERE id = (SELECT id FROM \
                 webhook_subscriptions WHERE id = $3 AND active AND (lease_until IS NULL OR lease_until < $4) AND \
                 (next_attempt_at IS NULL OR next_attempt_at <= $4) FOR UPDATE SKIP LOCKED)",
                vec![self.instance.into(), until.into(), id.into(), now.into()],
            ),
            _ => (
                "UPDATE webhook_subscriptions SET lease_owner = ?, lease_until = ? WHERE id = ? AND active AND \
                 (lease_until IS NULL OR lease_until < ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
                vec![self.instance.into(), until.into(), id.into(), now.into(), now.into()],
            ),
        };
        let res = self.db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        Ok(res.rows_affected() == 1)
    }

    async fn release(&self, id: Uuid) -> AppResult<()> {
        sub::Entity::update_many()
            .col_expr(sub::Column::LeaseOwner, Expr::value(Option::<Uuid>::None))
            .col_expr(sub::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(sub::Column::Id.eq(id))
            .filter(sub::Column::LeaseOwner.eq(self.instance))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Renews the lease before a send; false when it is no longer this instance's.
    async fn renew(&self, id: Uuid) -> AppResult<bool> {
        let res = sub::Entity::update_many()
            .col_expr(sub::Column::LeaseUntil, Expr::value(Some(Utc::now() + lease_for(&self.settings))))
            .filter(sub::Column::Id.eq(id))
            .filter(sub::Column::LeaseOwner.eq(self.instance))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Delivers to one leased subscription: replays first, then new events in order.
    async fn serve(&self, id: Uuid) -> AppResult<usize> {
        let Some(s) = sub::Entity::find_by_id(id).one(&self.db).await? else { return Ok(0) };
        let mut delivered = 0;
        let replays = dead::Entity::find()
            .filter(dead::Column::SubscriptionId.eq(id))
            .filter(dead::Column::Status.eq("REPLAY_PENDING"))
            .order_by_asc(dead::Column::EventSeq)
            .all(&self.db)
            .await?;
        for d in replays {
            let Some(e) = event::Entity::find()
                .filter(event::Column::Txid.eq(d.event_txid))
                .filter(event::Column::Seq.eq(d.event_seq))
                .one(&self.db)
                .await?
            else {
                continue;
            };
            if !self.renew(id).await? {
                return Ok(delivered);
            }
            let (sent, ms) = self.send(&s, &e).await;
            self.log(&s, &e, d.attempts + 1, &sent, ms).await?;
            match sent {
                Sent::Delivered(_) => {
                    dead::Entity::update_many()
                        .col_expr(dead::Column::Status, Expr::value("REPLAYED"))
                        .col_expr(dead::Column::ReplayedAt, Expr::value(Some(Utc::now())))
                        .filter(dead::Column::Id.eq(d.id))
                        .exec(&self.db)
                        .await?;
                    delivered += 1;
                }
                Sent::Gone => return self.deactivate(&s).await.map(|_| delivered),
                // Stays pending: tried again on the next pass.
                Sent::Failed(..) => return Ok(delivered),
            }
        }
        let since = Utc::now() - self.settings.retention;
        let types = webhook::types_of(&s);
        let cursor = Position { txid: s.cursor_txid, seq: s.cursor_seq };
        let events = outbox::after(&self.db, s.org_id, cursor, &types, BATCH, since).await?;
        let mut attempts = s.attempts;
        for e in events {
            if !self.renew(id).await? {
                break;
            }
            let attempt = attempts + 1;
            let (sent, ms) = self.send(&s, &e).await;
            self.log(&s, &e, attempt, &sent, ms).await?;
            match sent {
                Sent::Delivered(code) => {
                    self.advance(&self.db, s.id, &e, Some(i32::from(code)), None).await?;
                    attempts = 0;
                    delivered += 1;
                }
                Sent::Gone => {
                    self.deactivate(&s).await?;
                    break;
                }
                Sent::Failed(code, why) if attempt >= self.settings.max_attempts => {
                    // Out of attempts: a dead letter, and on to the next event.
                    crate::db::transaction(&self.db, async |txn| {
                        dead::Entity::insert(dead::ActiveModel {
                            id: sea_orm::Set(Uuid::now_v7()),
                            subscription_id: sea_orm::Set(s.id),
                            event_id: sea_orm::Set(e.id),
                            event_txid: sea_orm::Set(e.txid),
                            event_seq: sea_orm::Set(e.seq),
                            attempts: sea_orm::Set(attempt),
                            last_error: sea_orm::Set(Some(why.clone())),
                            status: sea_orm::Set("DEAD".into()),
                            dead_at: sea_orm::Set(Utc::now()),
                            replayed_at: sea_orm::Set(None),
                        })
                        .exec_without_returning(txn)
                        .await?;
                        self.advance(txn, s.id, &e, code.map(i32::from), Some(&why)).await
                    })
                    .await?;
                    tracing::warn!(subscription = %s.id, event_type = %e.kind, "webhook event dead-lettered");
                    attempts = 0;
                }
                Sent::Failed(code, why) => {
                    let wait = backoff(&self.settings, attempt);
                    sub::Entity::update_many()
                        .col_expr(sub::Column::Attempts, Expr::value(attempt))
                        .col_expr(sub::Column::NextAttemptAt, Expr::value(Some(Utc::now() + wait)))
                        .col_expr(sub::Column::LastStatus, Expr::value(code.map(i32::from)))
                        .col_expr(sub::Column::LastError, Expr::value(Some(why)))
                        .filter(sub::Column::Id.eq(s.id))
                        .filter(sub::Column::LeaseOwner.eq(self.instance))
                        .exec(&self.db)
                        .await?;
                    break;
                }
            }
        }
        Ok(delivered)
    }

    /// Moves the cursor past `e` (under the lease) and clears the retry state.
    async fn advance(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        e: &event::Model,
        code: Option<i32>,
        error: Option<&str>,
    ) -> AppResult<()> {
        sub::Entity::update_many()
            .col_expr(sub::Column::CursorTxid, Expr::value(e.txid))
            .col_expr(sub::Column::CursorSeq, Expr::value(e.seq))
            .col_expr(sub::Column::Attempts, Expr::value(0))
            .col_expr(sub::Column::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sub::Column::LastStatus, Expr::value(code))
            .col_expr(sub::Column::LastError, Expr::value(error.map(str::to_string)))
            .filter(sub::Column::Id.eq(id))
            .filter(sub::Column::LeaseOwner.eq(self.instance))
            .exec(db)
            .await?;
        Ok(())
    }

    async fn deactivate(&self, s: &sub::Model) -> AppResult<()> {
        sub::Entity::update_many()
            .col_expr(sub::Column::Active, Expr::value(false))
            .col_expr(sub::Column::DeactivatedReason, Expr::value(Some("the endpoint answered 410 Gone")))
            .col_expr(sub::Column::Version, Expr::col(sub::Column::Version).add(1))
            .filter(sub::Column::Id.eq(s.id))
            .exec(&self.db)
            .await?;
        tracing::warn!(subscription = %s.id, "webhook subscription deactivated: 410 Gone");
        Ok(())
    }

    async fn log(&self, s: &sub::Model, e: &event::Model, attempt: i32, sent: &Sent, ms: i32) -> AppResult<()> {
        let (code, outcome, error) = match sent {
            Sent::Delivered(c) => (Some(i32::from(*c)), "DELIVERED", None),
            Sent::Gone => (Some(410), "GONE", None),
            Sent::Failed(c, why) if attempt >= self.settings.max_attempts => {
                (c.map(i32::from), "DEAD", Some(why.clone()))
            }
            Sent::Failed(c, why) => (c.map(i32::from), "FAILED", Some(why.clone())),
        };
        delivery::Entity::insert(delivery::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            subscription_id: sea_orm::Set(s.id),
            event_id: sea_orm::Set(e.id),
            event_seq: sea_orm::Set(e.seq),
            attempt: sea_orm::Set(attempt),
            at: sea_orm::Set(Utc::now()),
            status_code: sea_orm::Set(code),
            outcome: sea_orm::Set(outcome.into()),
            error: sea_orm::Set(error),
            duration_ms: sea_orm::Set(ms),
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Sends one event, timed (milliseconds).
    async fn send(&self, s: &sub::Model, e: &event::Model) -> (Sent, i32) {
        let started = std::time::Instant::now();
        let sent = self.send_once(s, e).await;
        (sent, i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX))
    }

    /// Sends one event: checked address, pinned connection, signed, no redirects, a timeout.
    async fn send_once(&self, s: &sub::Model, e: &event::Model) -> Sent {
        let url = match reqwest::Url::parse(&s.url) {
            Ok(u) => u,
            Err(_) => return Sent::Failed(None, "the endpoint is not a URL".into()),
        };
        let Some(host) = url.host_str().map(|h| h.trim_matches(['[', ']']).to_string()) else {
            return Sent::Failed(None, "the endpoint names no host".into());
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<std::net::SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(a) => a.collect(),
            Err(_) => return Sent::Failed(None, "the endpoint's host did not resolve".into()),
        };
        if !self.settings.allowed(&host, port) && addrs.iter().any(|a| webhook::blocked(a.ip())) {
            return Sent::Failed(None, "the endpoint resolves to an address webhooks may not reach".into());
        }
        let Some(addr) = addrs.first().copied() else {
            return Sent::Failed(None, "the endpoint's host did not resolve".into());
        };
        let client = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.settings.timeout)
            .resolve(&host, addr)
            .user_agent("casegraph-webhooks/1")
            .build()
        {
            Ok(c) => c,
            Err(_) => return Sent::Failed(None, "no HTTP client".into()),
        };
        let body = outbox::envelope(e).to_string();
        let id = e.id.to_string();
        let now = Utc::now();
        let signature = webhook::signature_header(s, &id, now.timestamp(), &body, now);
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", now.timestamp().to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Sent::Delivered(r.status().as_u16()),
            Ok(r) if r.status().as_u16() == 410 => Sent::Gone,
            Ok(r) if r.status().is_redirection() => {
                Sent::Failed(Some(r.status().as_u16()), "the endpoint redirected (not followed)".into())
            }
            Ok(r) => Sent::Failed(Some(r.status().as_u16()), format!("the endpoint answered {}", r.status().as_u16())),
            Err(err) if err.is_timeout() => Sent::Failed(None, "timed out".into()),
            Err(_) => Sent::Failed(None, "could not connect".into()),
        }
    }
}

/// The wait before attempt `attempt + 1`: the base doubled per attempt, at most an hour, less up
/// to a quarter at random (so many subscriptions failing together do not retry together).
fn backoff(s: &Settings, attempt: i32) -> chrono::Duration {
    let base = s.backoff.as_millis() as u64;
    let doublings = u32::try_from((attempt - 1).clamp(0, 20)).unwrap_or(0);
    let full = Ord::min(base.saturating_mul(1u64 << doublings), 3_600_000);
    let jitter = (Uuid::new_v4().as_u128() as u64) % (full / 4 + 1);
    chrono::Duration::milliseconds((full - jitter) as i64)
}

/// Runs a dispatcher every `every` until the process ends.
pub fn spawn(db: DatabaseConnection, settings: Arc<Settings>, every: Duration) -> tokio::task::JoinHandle<()> {
    let d = Dispatcher::new(db.clone(), settings.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned = std::time::Instant::now() - Duration::from_secs(3600);
        loop {
            tick.tick().await;
            if let Err(e) = d.run_once().await {
                tracing::warn!(code = e.code(), "webhook delivery pass failed");
            }
            // Once an hour: events past the retention window go.
            if pruned.elapsed() >= Duration::from_secs(3600) {
                pruned = std::time::Instant::now();
                match outbox::prune(&db, Utc::now() - settings.retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, "events past the retention window pruned"),
                    Err(e) => tracing::warn!(code = e.code(), "event pruning failed"),
                }
            }
        }
    })
}
