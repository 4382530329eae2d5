use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).take()
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("organisations")
                .col(pk_uuid("id"))
                .col(string_len("name", 200))
                .col(string_len("agency_type", 32))
                .col(boolean("synthetic"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("teams")
                .col(pk_uuid("id"))
                .col(uuid("organisation_id"))
                .col(string_len("name", 200))
                .col(boolean("synthetic"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(("teams", "organisation_id"), ("organisations", "id")))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("staff")
                .col(pk_uuid("id"))
                .col(string_len_uniq("handle", 64))
                .col(string_len("display_name", 200))
                .col(uuid("organisation_id"))
                .col(uuid_null("team_id"))
                .col(string_len("roles", 400))
                .col(string_len("scopes", 400))
                .col(boolean("active"))
                .col(boolean("synthetic"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(("staff", "organisation_id"), ("organisations", "id")))
                .foreign_key(&mut fk(("staff", "team_id"), ("teams", "id")))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("children")
                .col(pk_uuid("id"))
                .col(string_len("given_name", 100))
                .col(string_len("family_name", 100))
                .col(string_len("given_key", 100))
                .col(string_len("family_key", 100))
                .col(date_null("date_of_birth"))
                .col(date_null("expected_delivery_date"))
                .col(string_len("sex", 1))
                .col(string_len_null("ethnicity", 4))
                .col(string_len_null("address_line", 200))
                .col(string_len_null("town", 100))
                .col(string_len_null("postcode", 10))
                .col(string_len_null("nhs_number", 10))
                .col(string_len_null("upn", 13))
                .col(boolean("restricted"))
                .col(boolean("synthetic"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("children", "ix_children_family_key", &["family_key", "given_key"])).await?;
        m.create_index(index("children", "ix_children_dob", &["date_of_birth"])).await?;
        m.create_table(
            Table::create()
                .table("household_members")
                .col(pk_uuid("id"))
                .col(uuid("child_id"))
                .col(string_len("given_name", 100))
                .col(string_len("family_name", 100))
                .col(string_len("relationship", 24))
                .col(date_null("date_of_birth"))
                .col(boolean("lives_with_child"))
                .col(boolean("parental_responsibility"))
                .col(boolean("synthetic"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(("household_members", "child_id"), ("children", "id")))
                .take(),
        )
        .await?;
        m.create_index(index("household_members", "ix_household_child", &["child_id"])).await?;
        m.create_table(
            Table::create()
                .table("cases")
                .col(pk_uuid("id"))
                .col(uuid("child_id"))
                .col(string_len("kind", 24))
                .col(string_len("status", 8))
                .col(uuid("team_id"))
                .col(uuid_null("allocated_worker_id"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(string_len_null("closure_reason", 4))
                .col(boolean("synthetic"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(("cases", "child_id"), ("children", "id")))
                .foreign_key(&mut fk(("cases", "team_id"), ("teams", "id")))
                .foreign_key(&mut fk(("cases", "allocated_worker_id"), ("staff", "id")))
                .take(),
        )
        .await?;
        m.create_index(index("cases", "ix_cases_child", &["child_id"])).await?;
        // At most one open case per child, even under concurrent openCase calls. Partial
        // indexes have the same syntax on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX ux_cases_one_open ON cases (child_id) WHERE status = 'OPEN'")
            .await?;
        m.create_index(index("cases", "ix_cases_worker", &["allocated_worker_id", "status", "id"])).await?;
        m.create_index(index("cases", "ix_cases_team", &["team_id", "status", "id"])).await?;
        m.create_table(
            Table::create()
                .table("case_events")
                .col(pk_uuid("id"))
                .col(uuid("case_id"))
                .col(string_len("kind", 16))
                .col(uuid("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("team_id"))
                .col(uuid_null("worker_id"))
                .col(string_len_null("closure_reason", 4))
                .foreign_key(&mut fk(("case_events", "case_id"), ("cases", "id")))
                .take(),
        )
        .await?;
        m.create_index(index("case_events", "ix_case_events_case", &["case_id", "id"])).await?;
        m.create_table(
            Table::create()
                .table("levels_of_need")
                .col(string_len("level", 16).primary_key())
                .col(integer("ordinal"))
                .col(string_len("name", 100))
                .col(text("expected_response"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("need_indicators")
                .col(pk_uuid("id"))
                .col(string_len("level", 16))
                .col(string_len("domain", 100))
                .col(text("text"))
                .col(integer("sort_order"))
                .foreign_key(&mut fk(("need_indicators", "level"), ("levels_of_need", "level")))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_events")
                .col(pk_uuid("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("request_id", 64))
                .col(uuid("actor_id"))
                .col(string_len("roles", 400))
                .col(uuid_null("organisation_id"))
                .col(string_len("action", 16))
                .col(string_len("record_type", 32))
                .col(uuid_null("record_id"))
                .col(uuid_null("child_id"))
                .col(string_len("operation", 64))
                .col(string_len("outcome", 8))
                .take(),
        )
        .await?;
        m.create_index(index("audit_events", "ix_audit_child", &["child_id", "id"])).await?;
        m.create_index(index("audit_events", "ix_audit_actor", &["actor_id", "id"])).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Forward only (REL-12): a rollback is a new migration.
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
