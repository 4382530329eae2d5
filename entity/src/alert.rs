//! An alert to a member of staff (or to a team) about a partner update, a request for support or
//! an early help referral, de-duplicated.
use sea_orm::entity::prelude::*;

/// An alert to one member of staff, or to a team (`recipient_id` is then the team's ID, and any
/// member may acknowledge it). `dedupe_key` makes raising the same alert twice (several server
/// instances, retries) a no-op.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub partner_update_id: Option<Uuid>,
    pub request_id: Option<Uuid>,
    pub early_help_referral_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub created_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
