//! Partner updates (the former shared mailbox) and alerts.
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("partner_updates")
                .col(pk_uuid("id"))
                .col(string_len_uniq("reference", 20))
                .col(uuid("sender_id"))
                .col(uuid("sender_org_id"))
                .col(string_len("child_given_name", 100))
                .col(string_len("child_family_name", 100))
                .col(string_len("given_key", 100))
                .col(string_len("family_key", 100))
                .col(date("child_date_of_birth"))
                .col(string_len_null("nhs_number", 10))
                .col(string_len_null("upn", 13))
                .col(string_len("kind", 32))
                .col(string_len_null("contact_mode", 16))
                .col(string_len_null("unsuccessful_reason", 32))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(text("details"))
                .col(boolean("concern"))
                .col(timestamp_with_time_zone("received_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(uuid_null("child_id"))
                .col(uuid_null("case_id"))
                .col(timestamp_with_time_zone_null("matched_at"))
                .col(uuid_null("matched_by"))
                .col(timestamp_with_time_zone_null("reviewed_at"))
                .col(uuid_null("reviewed_by"))
                .col(string_len_null("review_action", 16))
                .col(text_null("review_note"))
                .col(boolean("overdue_alerted"))
                .col(string_len_null("idempotency_key", 100))
                .col(string_len("payload_hash", 64))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX ux_pu_idempotency ON partner_updates (sender_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE INDEX ix_pu_case ON partner_updates (case_id, id)",
            "CREATE INDEX ix_pu_child ON partner_updates (child_id, id)",
            "CREATE INDEX ix_pu_sender ON partner_updates (sender_id, id)",
            "CREATE INDEX ix_pu_inbox ON partner_updates (due_at, id)",
            "CREATE INDEX ix_pu_overdue ON partner_updates (overdue_alerted, reviewed_at, due_at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        m.create_table(
            Table::create()
                .table("alerts")
                .col(pk_uuid("id"))
                .col(uuid("recipient_id"))
                .col(string_len("kind", 16))
                .col(uuid("partner_update_id"))
                .col(uuid_null("case_id"))
                .col(string_len_uniq("dedupe_key", 120))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_alerts_recipient ON alerts (recipient_id, id)").await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
