//! Requests for support, their children and household, hub decisions, neglect screenings,
//! advice-line consultations and the reference-number counters.
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("reference_counters")
                .col(string_len("series", 8))
                .col(integer("year"))
                .col(big_integer("last"))
                .primary_key(Index::create().col("series").col("year"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("neglect_screenings")
                .col(pk_uuid("id"))
                .col(string_len("variant", 16))
                .col(uuid("completed_by"))
                .col(uuid("organisation_id"))
                .col(date("completed_on"))
                .col(text("responses"))
                .col(text("domain_scores"))
                .col(boolean("flagged"))
                .col(string_len("outcome", 40))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("requests_for_support")
                .col(pk_uuid("id"))
                .col(string_len_uniq("reference", 20))
                .col(uuid("referrer_id"))
                .col(uuid("referrer_org_id"))
                .col(string_len("status", 16))
                .col(boolean("urgent"))
                .col(timestamp_with_time_zone_null("phone_contact_at"))
                .col(timestamp_with_time_zone("received_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(string_len("referrer_level", 16))
                .col(boolean("discussed_with_safeguarding_lead"))
                .col(string_len_null("safeguarding_lead_name", 200))
                .col(date_null("safeguarding_lead_consulted_on"))
                .col(boolean("advice_line_consulted"))
                .col(boolean("parents_aware"))
                .col(text_null("parents_not_aware_reason"))
                .col(string_len("consent_status", 32))
                .col(string_len_null("consent_given_by", 16))
                .col(text_null("consent_covers"))
                .col(text_null("consent_reason"))
                .col(date_null("consent_date"))
                .col(boolean("anonymous_source"))
                .col(text("concerns"))
                .col(string_len("concern_categories", 400))
                .col(text_null("support_in_place"))
                .col(text_null("support_outcome"))
                .col(text_null("child_views"))
                .col(uuid_null("neglect_screening_id"))
                .col(string_len_null("idempotency_key", 100))
                .col(string_len("payload_hash", 64))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(("requests_for_support", "neglect_screening_id"), ("neglect_screenings", "id")))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        // Idempotency keys are scoped per caller.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_rfs_idempotency ON requests_for_support (referrer_id, idempotency_key) \
             WHERE idempotency_key IS NOT NULL",
        )
        .await?;
        // The hub queue: open requests, urgent first, then by due time.
        db.execute_unprepared("CREATE INDEX ix_rfs_queue ON requests_for_support (status, urgent, due_at, id)").await?;
        db.execute_unprepared("CREATE INDEX ix_rfs_referrer ON requests_for_support (referrer_id, id)").await?;
        db.execute_unprepared("CREATE INDEX ix_rfs_org ON requests_for_support (referrer_org_id, id)").await?;
        m.create_table(
            Table::create()
                .table("request_children")
                .col(pk_uuid("id"))
                .col(uuid("request_id"))
                .col(integer("position"))
                .col(uuid_null("child_id"))
                .col(string_len("given_name", 100))
                .col(string_len("family_name", 100))
                .col(date_null("date_of_birth"))
                .col(date_null("expected_delivery_date"))
                .col(string_len("sex", 1))
                .col(string_len_null("address_line", 200))
                .col(string_len_null("postcode", 10))
                .col(string_len_null("school_or_setting", 200))
                .foreign_key(&mut fk(("request_children", "request_id"), ("requests_for_support", "id")))
                .foreign_key(&mut fk(("request_children", "child_id"), ("children", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_request_children_request ON request_children (request_id, position)")
            .await?;
        m.create_table(
            Table::create()
                .table("request_household_members")
                .col(pk_uuid("id"))
                .col(uuid("request_id"))
                .col(integer("position"))
                .col(string_len("given_name", 100))
                .col(string_len("family_name", 100))
                .col(string_len("relationship", 24))
                .col(boolean("parental_responsibility"))
                .col(boolean("lives_with_child"))
                .foreign_key(&mut fk(("request_household_members", "request_id"), ("requests_for_support", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_request_household_request ON request_household_members (request_id, position)",
        )
        .await?;
        m.create_table(
            Table::create()
                .table("hub_decisions")
                .col(pk_uuid("id"))
                .col(uuid_uniq("request_id"))
                .col(string_len("outcome", 32))
                .col(string_len("decided_level", 16))
                .col(text("rationale"))
                .col(text("feedback"))
                .col(uuid("decided_by"))
                .col(timestamp_with_time_zone("decided_at"))
                .col(boolean("late"))
                .foreign_key(&mut fk(("hub_decisions", "request_id"), ("requests_for_support", "id")))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("advice_consultations")
                .col(pk_uuid("id"))
                .col(uuid("logged_by"))
                .col(timestamp_with_time_zone("called_at"))
                .col(integer("duration_minutes"))
                .col(string_len("caller_agency_type", 32))
                .col(string_len("concern_categories", 400))
                .col(string_len_null("level_discussed", 16))
                .col(string_len("summary", 1000))
                .col(string_len("outcome", 32))
                .col(boolean("request_advised"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
