//! A referral to the early help service, made by a hub `EARLY_HELP` decision.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub request_id: Uuid,
    /// `AWAITING_ALLOCATION`, `ALLOCATED` or `ASSESSMENT_STARTED`.
    pub status: String,
    pub lead_id: Option<Uuid>,
    pub allocated_by: Option<Uuid>,
    pub allocated_at: Option<DateTimeUtc>,
    pub assessment_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
