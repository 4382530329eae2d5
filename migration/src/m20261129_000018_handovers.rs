//! Handovers between the teams (issue 16):
//! - alerts about a request for support or an early help referral, not only a partner update;
//!   an alert may be addressed to a team (any member acknowledges it, and who did is kept);
//! - `case_requests`: the requests attached to a case (the one that opened it, and any passed to
//!   its allocated worker), which is what lets a case's workers read them;
//! - `cases.access_until`: when access through a closed case ends;
//! - `early_help_referrals`: the hub's `EARLY_HELP` decisions, queued for the early help service;
//! - a referrer may withdraw a request the hub has not decided;
//! - a neglect screening names the child (or unborn child) it is about, and is used once;
//! - the reason an early help child was linked to a record whose identity disagrees, and the
//!   hub's confirmations that a new child record is not one of its possible duplicates.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the alerts table is rebuilt (SQLite cannot drop a NOT
    /// NULL), and every statement must run on one connection (a pooled connection holding an
    /// older snapshot still sees the old table) and land together with the migration's record.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                for sql in [
                    "ALTER TABLE alerts ALTER COLUMN partner_update_id DROP NOT NULL",
                    "ALTER TABLE alerts ALTER COLUMN kind TYPE varchar(32)",
                    "ALTER TABLE alerts ALTER COLUMN dedupe_key TYPE varchar(200)",
                    "ALTER TABLE alerts ADD COLUMN request_id uuid NULL",
                    "ALTER TABLE alerts ADD COLUMN early_help_referral_id uuid NULL",
                    "ALTER TABLE alerts ADD COLUMN acknowledged_by uuid NULL",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                // SQLite cannot drop a NOT NULL: the table is rebuilt with its rows.
                for sql in [
                    "CREATE TABLE alerts_new ( \
                       id uuid_text NOT NULL PRIMARY KEY, recipient_id uuid_text NOT NULL, \
                       kind varchar(32) NOT NULL, partner_update_id uuid_text NULL, \
                       case_id uuid_text NULL, dedupe_key varchar(200) NOT NULL UNIQUE, \
                       created_at timestamp_with_timezone_text NOT NULL, \
                       acknowledged_at timestamp_with_timezone_text NULL, \
                       request_id uuid_text NULL, early_help_referral_id uuid_text NULL, \
                       acknowledged_by uuid_text NULL)",
                    "INSERT INTO alerts_new (id, recipient_id, kind, partner_update_id, case_id, dedupe_key, \
                       created_at, acknowledged_at) SELECT id, recipient_id, kind, partner_update_id, case_id, \
                       dedupe_key, created_at, acknowledged_at FROM alerts",
                    "DROP TABLE alerts",
                    "ALTER TABLE alerts_new RENAME TO alerts",
                    "CREATE INDEX ix_alerts_recipient ON alerts (recipient_id, id)",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
        }
        m.create_table(
            Table::create()
                .table("case_requests")
                .col(uuid("case_id"))
                .col(uuid("request_id"))
                .col(string_len("how", 16))
                .col(uuid_null("attached_by"))
                .col(timestamp_with_time_zone("attached_at"))
                .primary_key(Index::create().col("case_id").col("request_id"))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_case_requests_request ON case_requests (request_id)").await?;
        db.execute_unprepared(
            "INSERT INTO case_requests (case_id, request_id, how, attached_by, attached_at) \
             SELECT id, origin_request_id, 'ORIGIN', NULL, opened_at FROM cases WHERE origin_request_id IS NOT NULL",
        )
        .await?;
        m.alter_table(Table::alter().table("cases").add_column(timestamp_with_time_zone_null("access_until")).take())
            .await?;
        // The scope subqueries now also ask whether the case is live (open, or within its access
        // window): the worker's and the team's indexes carry both columns, so those subqueries
        // still read the index alone (migration 13).
        for (old, new, col) in [
            ("ix_cases_worker_child", "ix_cases_worker_child_live", "allocated_worker_id"),
            ("ix_cases_team_child", "ix_cases_team_child_live", "team_id"),
        ] {
            m.drop_index(Index::drop().name(old).table("cases").to_owned()).await?;
            m.create_index(
                Index::create()
                    .name(new)
                    .table("cases")
                    .col(col)
                    .col("child_id")
                    .col("status")
                    .col("access_until")
                    .take(),
            )
            .await?;
        }
        // Cases closed before this migration: access ends at their closure.
        db.execute_unprepared("UPDATE cases SET access_until = closed_at WHERE closed_at IS NOT NULL").await?;
        m.create_table(
            Table::create()
                .table("early_help_referrals")
                .col(pk_uuid("id"))
                .col(uuid_uniq("request_id"))
                .col(string_len("status", 24))
                .col(uuid_null("lead_id"))
                .col(uuid_null("allocated_by"))
                .col(timestamp_with_time_zone_null("allocated_at"))
                .col(uuid_null("assessment_id"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_eh_referrals_status ON early_help_referrals (status, created_at)")
            .await?;
        for col in [
            string_len_null("child_given_name", 100),
            string_len_null("child_family_name", 100),
            date_null("child_date_of_birth"),
            date_null("expected_delivery_date"),
        ] {
            m.alter_table(Table::alter().table("neglect_screenings").add_column(col).take()).await?;
        }
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_requests_neglect_screening ON requests_for_support (neglect_screening_id)",
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("early_help_children")
                .add_column(string_len_null("link_override_reason", 2000))
                .take(),
        )
        .await?;
        // A referrer may withdraw a request the hub has not decided.
        m.alter_table(
            Table::alter()
                .table("requests_for_support")
                .add_column(timestamp_with_time_zone_null("withdrawn_at"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("requests_for_support").add_column(string_len_null("withdrawal_reason", 2000)).take(),
        )
        .await?;
        // Possible duplicates are looked for by date of birth without an index of their own: a
        // hub action, not a hot path, and an index on the date alone would be preferred by
        // PostgreSQL's generic plan over the names-and-date index partner-update matching needs.
        m.create_table(
            Table::create()
                .table("child_duplicate_confirmations")
                .col(uuid("child_id"))
                .col(uuid("other_child_id"))
                .col(uuid("confirmed_by"))
                .col(timestamp_with_time_zone("confirmed_at"))
                .primary_key(Index::create().col("child_id").col("other_child_id"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
