//! Live alerts across server instances. An alert is a row first; then a signal carrying IDs only
//! (alert and recipient) goes out: on PostgreSQL as `NOTIFY casegraph_alerts`, sent by a trigger
//! on the alerts table inside the same transaction (delivered on commit, to every instance that
//! listens), on SQLite through an in-process channel after commit. Subscribers filter by
//! recipient and load the row again, so a signal never carries personal data and at-least-once
//! delivery is safe.
use crate::error::AppResult;
use sea_orm::{DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, prelude::Uuid};
use std::sync::Arc;
use tokio::sync::broadcast;

pub const CHANNEL: &str = "casegraph_alerts";

/// One alert raised: enough to route it, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub alert_id: Uuid,
    pub recipient_id: Uuid,
}

impl Signal {
    /// The payload, as the alerts trigger writes it (migration 12).
    #[cfg(test)]
    fn encode(&self) -> String {
        format!("{}:{}", self.alert_id, self.recipient_id)
    }

    fn decode(s: &str) -> Option<Signal> {
        let (a, r) = s.split_once(':')?;
        Some(Signal { alert_id: Uuid::try_parse(a).ok()?, recipient_id: Uuid::try_parse(r).ok()? })
    }
}

/// This instance's fan-out point for live alerts.
pub struct AlertBus {
    tx: broadcast::Sender<Signal>,
    backend: DatabaseBackend,
}

impl AlertBus {
    pub fn new(backend: DatabaseBackend) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        Arc::new(AlertBus { tx, backend })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.tx.subscribe()
    }

    /// Commits the transaction that stored the alerts, and announces them: on PostgreSQL each
    /// alert row's trigger has already queued its NOTIFY in the transaction (migration 12: no
    /// signal without its row, and every instance hears it), on SQLite locally after the commit.
    pub async fn commit_and_announce(&self, txn: DatabaseTransaction, signals: &[Signal]) -> AppResult<()> {
        txn.commit().await?;
        self.announce(signals);
        Ok(())
    }

    /// Announces alerts whose rows are committed: on SQLite to this instance's subscribers; on
    /// PostgreSQL nothing is left to do (the rows' trigger sent them with the commit).
    pub fn announce(&self, signals: &[Signal]) {
        if self.backend != DatabaseBackend::Postgres {
            for s in signals {
                // No receivers is fine: nobody is subscribed on this instance.
                let _ = self.tx.send(*s);
            }
        }
    }

    /// On PostgreSQL, listens for every instance's alerts and re-broadcasts them here; returns
    /// once the LISTEN is in place. The task reconnects with a short back-off if the connection
    /// drops. On SQLite there is only this instance, and nothing to do.
    pub async fn listen(self: &Arc<Self>, db: &DatabaseConnection) -> Result<(), DbErr> {
        if self.backend != DatabaseBackend::Postgres {
            return Ok(());
        }
        let pool = db.get_postgres_connection_pool().clone();
        let first = connect(&pool).await.map_err(|e| DbErr::Custom(format!("alert listener: {e}")))?;
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

    fn forward(&self, payload: &str) {
        match Signal::decode(payload) {
            Some(s) => {
                let _ = self.tx.send(s);
            }
            None => tracing::warn!("ignored a malformed alert signal"),
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
        let s = Signal { alert_id: Uuid::now_v7(), recipient_id: Uuid::now_v7() };
        assert_eq!(Signal::decode(&s.encode()), Some(s));
        assert_eq!(Signal::decode("nonsense"), None);
    }
}
