//! An update from a partner agency about a child: details, the match to a child and case, review.
use sea_orm::entity::prelude::*;

/// Information from a partner agency about a child open to social care (the former Partners
/// Update Mailbox). Code columns hold `casegraph::domain::partner_update` codes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub reference: String,
    pub sender_id: Uuid,
    pub sender_org_id: Uuid,
    pub child_given_name: String,
    pub child_family_name: String,
    pub given_key: String,
    pub family_key: String,
    pub child_date_of_birth: Date,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub kind: String,
    pub contact_mode: Option<String>,
    pub unsuccessful_reason: Option<String>,
    pub occurred_at: DateTimeUtc,
    pub details: String,
    pub concern: bool,
    pub received_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub child_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub matched_at: Option<DateTimeUtc>,
    pub matched_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<Uuid>,
    pub review_action: Option<String>,
    pub review_note: Option<String>,
    pub overdue_alerted: bool,
    pub idempotency_key: Option<String>,
    pub payload_hash: String,
    /// When the case management system acknowledged copying it onto the child's record.
    pub recorded_at: Option<DateTimeUtc>,
    pub recorded_by: Option<Uuid>,
    pub record_reference: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
