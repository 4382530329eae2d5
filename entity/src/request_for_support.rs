//! A request for support from a partner practitioner to the hub: status, due time, concerns.
use crate::enums::Level;
use sea_orm::entity::prelude::*;

/// A request for support from a partner practitioner to the hub. Code columns hold the codes of
/// `casegraph::domain::request` enums; free text is identifying and special-category data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requests_for_support")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub reference: String,
    pub referrer_id: Uuid,
    pub referrer_org_id: Uuid,
    pub status: super::enums::RequestStatus,
    pub urgent: bool,
    pub phone_contact_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub referrer_level: Level,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<Date>,
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    pub consent_status: String,
    pub consent_given_by: Option<String>,
    pub consent_covers: Option<String>,
    pub consent_reason: Option<String>,
    pub consent_date: Option<Date>,
    pub anonymous_source: bool,
    pub concerns: String,
    pub concern_categories: String,
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    pub child_views: Option<String>,
    pub neglect_screening_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    pub payload_hash: String,
    /// When the referrer withdrew it, and why.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
