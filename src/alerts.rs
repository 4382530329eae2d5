//! Live alerts across server instances. An alert is a row first; once its transaction has
//! committed, a signal carrying IDs only (alert and recipient) goes to this instance's subscribers
//! at once and, on PostgreSQL, to the other instances as `NOTIFY casegraph_alerts`. Subscribers
//! filter by recipient and load the row again, so a signal never carries personal data and
//! at-least-once delivery is safe.
//!
//! The NOTIFY is sent after the commit, by one relay task per instance that takes every signal
//! waiting and sends them in one statement. It used to be queued by a trigger inside the inserting
//! transaction (migration 12), but PostgreSQL serialises every transaction holding a NOTIFY: one
//! database-wide lock from before the commit record until the commit is flushed. Every partner
//! update waited for the one before it to reach the disk (migration 15 drops the trigger). The
//! price: if an instance dies between a commit and its relay, the other instances' subscribers
//! miss that live push. The alert itself is stored, and it is listed for its recipient
//! (`alerts`) like any other.
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, prelude::Uuid};
use std::sync::{Arc, OnceLock};
use tokio::sync::{broadcast, mpsc};

pub const CHANNEL: &str = "casegraph_alerts";

/// Signals sent in one NOTIFY statement at most.
const RELAY_BATCH: usize = 512;

/// Signals waiting for the relay at most; beyond this (the database unreachable for a long
/// time) further live pushes to other instances are dropped, never the alerts.
const RELAY_QUEUE: usize = 16_384;

/// One alert raised: enough to route it, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub alert_id: Uuid,
    pub recipient_id: Uuid,
}

impl Signal {
    /// The NOTIFY payload: alert, recipient and the instance that announced it.
    fn encode(&self, origin: Uuid) -> String {
        format!("{}:{}:{}", self.alert_id, self.recipient_id, origin)
    }

    /// A payload, and the instance that sent it (absent in the trigger's two-part payloads).
    fn decode(s: &str) -> Option<(Signal, Option<Uuid>)> {
        let mut parts = s.split(':');
        let alert_id = Uuid::try_parse(parts.next()?).ok()?;
        let recipient_id = Uuid::try_parse(parts.next()?).ok()?;
        let origin = match parts.next() {
            Some(o) => Some(Uuid::try_parse(o).ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some((Signal { alert_id, recipient_id }, origin))
    }
}

/// This instance's fan-out point for live alerts.
pub struct AlertBus {
    tx: broadcast::Sender<Signal>,
    backend: DatabaseBackend,
    /// Names this instance in the signals it relays, so its own listener skips them.
    origin: Uuid,
    /// Committed alerts waiting to be relayed to the other instances (PostgreSQL, once started).
    relay: OnceLock<mpsc::Sender<(Signal, std::time::Instant)>>,
    /// Where the relay's lag is measured.
    metrics: OnceLock<Arc<crate::metrics::Metrics>>,
}

impl AlertBus {
    pub fn new(backend: DatabaseBackend) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        Arc::new(AlertBus { tx, backend, origin: Uuid::now_v7(), relay: OnceLock::new(), metrics: OnceLock::new() })
    }

    /// Measures the relay's lag in these metrics (set before [`AlertBus::start`]).
    pub fn set_metrics(&self, metrics: Arc<crate::metrics::Metrics>) {
        let _ = self.metrics.set(metrics);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.tx.subscribe()
    }

    /// Announces alerts whose rows are committed: to this instance's subscribers at once, and
    /// to the other instances through the relay. Never waits.
    pub fn announce(&self, signals: &[Signal]) {
        for s in signals {
            // No receivers is fine: nobody is subscribed on this instance.
            let _ = self.tx.send(*s);
            if let Some(relay) = self.relay.get()
                && relay.try_send((*s, std::time::Instant::now())).is_err()
            {
                tracing::warn!("alert relay full or stopped: a live alert was not sent to other instances");
            }
        }
    }

    /// On PostgreSQL, starts the relay to the other instances and the listener for theirs;
    /// returns once the LISTEN is in place. The listener reconnects with a short back-off if its
    /// connection drops. On SQLite there is only this instance, and nothing to do.
    pub async fn start(self: &Arc<Self>, db: &DatabaseConnection) -> Result<(), DbErr> {
        if self.backend != DatabaseBackend::Postgres {
            return Ok(());
        }
        let pool = db.get_postgres_connection_pool().clone();
        let first = connect(&pool).await.map_err(|e| DbErr::Custom(format!("alert listener: {e}")))?;
        let (relay, waiting) = mpsc::channel(RELAY_QUEUE);
        if self.relay.set(relay).is_ok() {
            tokio::spawn(relay_task(db.clone(), waiting, self.origin, self.metrics.get().cloned()));
        }
        let bus = self.clone();
        tokio::spawn(async move {
            let mut next = Some(first);
            loop {
                let mut listener = match next.take() {
                    Some(l) => l,
                    None => match connect(&pool).await {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::warn!("alert listener cannot connect: {e}");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            continue;
                        }
                    },
                };
                loop {
                    match listener.recv().await {
                        Ok(n) => bus.forward(n.payload()),
                        Err(e) => {
                            tracing::warn!("alert listener lost its connection: {e}");
                            break;
                        }
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
        Ok(())
    }

    /// Passes on another instance's signal; this instance's own were delivered when announced.
    fn forward(&self, payload: &str) {
        match Signal::decode(payload) {
            Some((_, Some(origin))) if origin == self.origin => {}
            Some((s, _)) => {
                let _ = self.tx.send(s);
            }
            None => tracing::warn!("ignored a malformed alert signal"),
        }
    }
}

/// Sends the signals waiting, as one `pg_notify` statement per batch (each its own
/// notification), for as long as the bus lives. A failed send is retried twice, then given up with
/// a warning: the alerts are stored whatever happens here.
async fn relay_task(
    db: DatabaseConnection,
    mut waiting: mpsc::Receiver<(Signal, std::time::Instant)>,
    origin: Uuid,
    metrics: Option<Arc<crate::metrics::Metrics>>,
) {
    use sea_orm::sea_query::{ArrayType, Value};
    let mut batch = Vec::with_capacity(RELAY_BATCH);
    while waiting.recv_many(&mut batch, RELAY_BATCH).await > 0 {
        let oldest = batch.first().map(|(_, at)| *at);
        let payloads = batch.drain(..).map(|(s, _)| Value::from(s.encode(origin))).collect();
        let stmt = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
            [Value::from(CHANNEL), Value::Array(ArrayType::String, Some(Box::new(payloads)))],
        );
        for attempt in 0..3u32 {
            match db.execute_raw(stmt.clone()).await {
                Ok(_) => {
                    if let (Some(m), Some(at)) = (&metrics, oldest) {
                        m.alert_relay_lag(at.elapsed());
                    }
                    break;
                }
                Err(e) if attempt < 2 => {
                    tracing::warn!("alert relay failed, retrying: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
                Err(e) => tracing::error!("alert relay gave up on a batch of live alerts: {e}"),
            }
        }
    }
}

async fn connect(pool: &sea_orm::sqlx::PgPool) -> Result<sea_orm::sqlx::postgres::PgListener, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_round_trip_and_carry_ids_only() {
        let (s, origin) = (Signal { alert_id: Uuid::now_v7(), recipient_id: Uuid::now_v7() }, Uuid::now_v7());
        assert_eq!(Signal::decode(&s.encode(origin)), Some((s, Some(origin))));
        // The trigger's payloads (before migration 15) had no origin.
        let old = format!("{}:{}", s.alert_id, s.recipient_id);
        assert_eq!(Signal::decode(&old), Some((s, None)));
        assert_eq!(Signal::decode("nonsense"), None);
        assert_eq!(Signal::decode(&format!("{}:x", s.alert_id)), None);
        assert_eq!(Signal::decode(&format!("{}:{origin}", s.encode(origin))), None);
    }
}
