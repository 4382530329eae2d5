//! Integrating agencies (issue 19):
//! - `events`: the transactional outbox. Each state change another system may care about writes
//!   one row in the same transaction as the change. `seq` numbers them; on PostgreSQL `txid` is
//!   the writing transaction's ID, so that readers can take only events of transactions that have
//!   ended (below the snapshot's xmin) in `(txid, seq)` order, which no later commit can insert
//!   into. SQLite has one writer at a time, so `seq` alone is commit order there.
//! - `webhook_subscriptions`: an organisation's endpoint, its event types, its signing secret (and
//!   the previous one during a rotation's overlap), where delivery has got to (`cursor_*`), the
//!   retry state and the lease an instance holds while it delivers.
//! - `webhook_deliveries`: every attempt (for the admin's view); `webhook_dead_letters`: events
//!   that ran out of attempts, until an admin replays them.
//! - `partner_updates.recorded_*`: the case management system's acknowledgement that a matched
//!   update was copied onto the child's record.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // One index only, where it counts: every partner update writes events, so each extra
        // index is paid on the hottest write. PostgreSQL: the primary key is the read order
        // `(txid, seq)`; SQLite: `seq` is the rowid (AUTOINCREMENT: never reused after a prune).
        match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TABLE events (seq bigserial NOT NULL, id uuid NOT NULL, \
                     txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint), type varchar(48) NOT NULL, \
                     at timestamptz NOT NULL, subject_id uuid NOT NULL, org_id uuid NULL, payload text NOT NULL, \
                     PRIMARY KEY (txid, seq))",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id uuid_text NOT NULL, \
                     txid bigint NOT NULL DEFAULT 0, type varchar(48) NOT NULL, at timestamp_with_timezone_text NOT NULL, \
                     subject_id uuid_text NOT NULL, org_id uuid_text NULL, payload text NOT NULL)",
                )
                .await?;
            }
        }
        m.create_table(
            Table::create()
                .table("webhook_subscriptions")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(string_len("url", 2000))
                .col(string_len("event_types", 2000))
                .col(boolean("active"))
                .col(string_len("secret", 200))
                .col(string_len_null("previous_secret", 200))
                .col(timestamp_with_time_zone_null("previous_secret_until"))
                .col(big_integer("cursor_txid"))
                .col(big_integer("cursor_seq"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .col(uuid_null("lease_owner"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(integer_null("last_status"))
                .col(string_len_null("last_error", 500))
                .col(string_len_null("deactivated_reason", 200))
                .col(uuid("created_by"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_webhook_subscriptions_org ON webhook_subscriptions (org_id, id)")
            .await?;
        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(pk_uuid("id"))
                .col(uuid("subscription_id"))
                .col(uuid("event_id"))
                .col(big_integer("event_seq"))
                .col(integer("attempt"))
                .col(timestamp_with_time_zone("at"))
                .col(integer_null("status_code"))
                .col(string_len("outcome", 24))
                .col(string_len_null("error", 500))
                .col(integer("duration_ms"))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_webhook_deliveries_sub ON webhook_deliveries (subscription_id, at)")
            .await?;
        m.create_table(
            Table::create()
                .table("webhook_dead_letters")
                .col(pk_uuid("id"))
                .col(uuid("subscription_id"))
                .col(uuid("event_id"))
                .col(big_integer("event_txid"))
                .col(big_integer("event_seq"))
                .col(integer("attempts"))
                .col(string_len_null("last_error", 500))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("dead_at"))
                .col(timestamp_with_time_zone_null("replayed_at"))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_webhook_dead_letters_sub ON webhook_dead_letters (subscription_id, status)",
        )
        .await?;
        for col in [
            timestamp_with_time_zone_null("recorded_at"),
            uuid_null("recorded_by"),
            string_len_null("record_reference", 100),
        ] {
            m.alter_table(Table::alter().table("partner_updates").add_column(col).take()).await?;
        }
        Ok(())
    }
}
