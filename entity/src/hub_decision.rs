//! The hub's decision on a request for support: outcome, level, rationale and referrer feedback.
use crate::enums::Level;
use sea_orm::entity::prelude::*;

/// The hub's decision on a request: one per request, a record of its own (not a flag).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hub_decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub request_id: Uuid,
    pub outcome: String,
    pub decided_level: Level,
    pub rationale: String,
    pub feedback: String,
    pub decided_by: Uuid,
    pub decided_at: DateTimeUtc,
    pub late: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
