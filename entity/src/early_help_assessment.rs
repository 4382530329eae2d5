//! An early help assessment: lead, status, level, consent, voices, plan dates, closure, step-up.
use crate::enums::Level;
use sea_orm::entity::prelude::*;

/// An early help assessment (the Early Help Assessment Form) and its lifecycle. Code columns hold
/// the codes of `casegraph::domain::early_help` enums; free text is identifying and
/// special-category data. `version` guards every edit of the assessment and of its rows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub reference: String,
    pub lead_id: Uuid,
    pub lead_org_id: Uuid,
    pub status: super::enums::EarlyHelpStatus,
    pub reason: String,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    pub level: Level,
    pub consent_status: String,
    pub consent_given_by: Option<String>,
    pub consent_covers: Option<String>,
    pub consent_reason: Option<String>,
    pub consent_date: Option<Date>,
    pub started_on: Date,
    pub completed_on: Option<Date>,
    pub plan_agreed_on: Option<Date>,
    pub next_review_due: Option<Date>,
    pub closed_on: Option<Date>,
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<Uuid>,
    pub closure_outcome: Option<String>,
    pub closure_reason: Option<String>,
    pub step_up_request_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
