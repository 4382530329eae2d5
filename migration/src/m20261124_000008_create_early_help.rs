//! Early help (issue 6): assessments with their children, household (the additional child and
//! family member sheet), strengths and needs, the co-produced plan, the team around the family,
//! meeting records with attendance and plan reviews, and the history of changes.
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
        let db = m.get_connection();
        m.create_table(
            Table::create()
                .table("early_help_assessments")
                .col(pk_uuid("id"))
                .col(string_len_uniq("reference", 20))
                .col(uuid("lead_id"))
                .col(uuid("lead_org_id"))
                .col(string_len("status", 16))
                .col(text("reason"))
                .col(text_null("child_voice"))
                .col(text_null("family_voice"))
                .col(string_len("level", 16))
                .col(string_len("consent_status", 32))
                .col(string_len_null("consent_given_by", 16))
                .col(text_null("consent_covers"))
                .col(text_null("consent_reason"))
                .col(date_null("consent_date"))
                .col(date("started_on"))
                .col(date_null("completed_on"))
                .col(date_null("plan_agreed_on"))
                .col(date_null("next_review_due"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(uuid_null("closed_by"))
                .col(string_len_null("closure_outcome", 32))
                .col(text_null("closure_reason"))
                .col(uuid_null("step_up_request_id"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(("early_help_assessments", "step_up_request_id"), ("requests_for_support", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_eha_lead ON early_help_assessments (lead_id, id)").await?;
        db.execute_unprepared("CREATE INDEX ix_eha_lead_org ON early_help_assessments (lead_org_id, id)").await?;
        // The overdue-review inbox: open assessments by due date.
        db.execute_unprepared("CREATE INDEX ix_eha_review ON early_help_assessments (status, next_review_due)").await?;

        m.create_table(
            Table::create()
                .table("early_help_children")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
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
                .foreign_key(&mut fk(("early_help_children", "assessment_id"), ("early_help_assessments", "id")))
                .foreign_key(&mut fk(("early_help_children", "child_id"), ("children", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_eh_children_assessment ON early_help_children (assessment_id, position)",
        )
        .await?;
        // Row scope: assessments of children a social worker or the hub may see.
        db.execute_unprepared("CREATE INDEX ix_eh_children_child ON early_help_children (child_id)").await?;

        m.create_table(
            Table::create()
                .table("early_help_household_members")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(integer("position"))
                .col(string_len("given_name", 100))
                .col(string_len("family_name", 100))
                .col(string_len("relationship", 24))
                .col(boolean("parental_responsibility"))
                .col(boolean("lives_with_child"))
                .foreign_key(&mut fk(
                    ("early_help_household_members", "assessment_id"),
                    ("early_help_assessments", "id"),
                ))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_eh_household_assessment ON early_help_household_members (assessment_id, position)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("early_help_factors")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(string_len("kind", 16))
                .col(integer("position"))
                .col(string_len("domain", 40))
                .col(string_len("compartment", 16))
                .col(text("description"))
                .col(integer_null("score"))
                .foreign_key(&mut fk(("early_help_factors", "assessment_id"), ("early_help_assessments", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_eh_factors_assessment ON early_help_factors (assessment_id, kind, position)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("early_help_plan_actions")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(integer("position"))
                .col(text("need"))
                .col(text("action"))
                .col(uuid_null("responsible_staff_id"))
                .col(uuid_null("responsible_member_id"))
                .col(string_len_null("responsible_name", 200))
                .col(string_len_null("responsible_organisation", 200))
                .col(text("intended_outcome"))
                .col(date("target_date"))
                .col(string_len_null("compartment", 16))
                .col(string_len("status", 16))
                .col(boolean("agreed_with_family"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(("early_help_plan_actions", "assessment_id"), ("early_help_assessments", "id")))
                .foreign_key(&mut fk(
                    ("early_help_plan_actions", "responsible_member_id"),
                    ("early_help_household_members", "id"),
                ))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_eh_actions_assessment ON early_help_plan_actions (assessment_id, position)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("early_help_taf_members")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(uuid("staff_id"))
                .col(uuid("added_by"))
                .col(timestamp_with_time_zone("added_at"))
                .col(timestamp_with_time_zone_null("removed_at"))
                .col(uuid_null("removed_by"))
                .foreign_key(&mut fk(("early_help_taf_members", "assessment_id"), ("early_help_assessments", "id")))
                .foreign_key(&mut fk(("early_help_taf_members", "staff_id"), ("staff", "id")))
                .take(),
        )
        .await?;
        // One current membership per person and assessment; removed rows stay as history.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_eh_taf_current ON early_help_taf_members (assessment_id, staff_id) \
             WHERE removed_at IS NULL",
        )
        .await?;
        // Row scope: the assessments a practitioner is a member of.
        db.execute_unprepared("CREATE INDEX ix_eh_taf_staff ON early_help_taf_members (staff_id, assessment_id)")
            .await?;

        m.create_table(
            Table::create()
                .table("early_help_meetings")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(date("held_on"))
                .col(text_null("child_views"))
                .col(text_null("family_views"))
                .col(date_null("next_meeting_on"))
                .col(uuid("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk(("early_help_meetings", "assessment_id"), ("early_help_assessments", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_eh_meetings_assessment ON early_help_meetings (assessment_id, held_on)")
            .await?;

        m.create_table(
            Table::create()
                .table("early_help_meeting_attendees")
                .col(pk_uuid("id"))
                .col(uuid("meeting_id"))
                .col(integer("position"))
                .col(uuid_null("staff_id"))
                .col(uuid_null("household_member_id"))
                .col(string_len_null("name", 200))
                .col(string_len_null("organisation", 200))
                .col(boolean("attended"))
                .foreign_key(&mut fk(("early_help_meeting_attendees", "meeting_id"), ("early_help_meetings", "id")))
                .foreign_key(&mut fk(
                    ("early_help_meeting_attendees", "household_member_id"),
                    ("early_help_household_members", "id"),
                ))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_eh_attendees_meeting ON early_help_meeting_attendees (meeting_id, position)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("early_help_action_reviews")
                .col(pk_uuid("id"))
                .col(uuid("meeting_id"))
                .col(uuid("action_id"))
                .col(text("progress"))
                .col(string_len("status", 16))
                .col(date("target_date"))
                .foreign_key(&mut fk(("early_help_action_reviews", "meeting_id"), ("early_help_meetings", "id")))
                .foreign_key(&mut fk(("early_help_action_reviews", "action_id"), ("early_help_plan_actions", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_eh_reviews_meeting ON early_help_action_reviews (meeting_id, id)")
            .await?;

        m.create_table(
            Table::create()
                .table("early_help_changes")
                .col(pk_uuid("id"))
                .col(uuid("assessment_id"))
                .col(uuid("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("section", 16))
                .col(string_len("summary", 1000))
                .foreign_key(&mut fk(("early_help_changes", "assessment_id"), ("early_help_assessments", "id")))
                .take(),
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_eh_changes_assessment ON early_help_changes (assessment_id, id)")
            .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
