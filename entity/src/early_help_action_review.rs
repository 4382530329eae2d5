//! A meeting's review of one early help plan action: progress, status and target date.
use sea_orm::entity::prelude::*;

/// A meeting's review of one plan action: progress, and the status and target date agreed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_action_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub action_id: Uuid,
    pub progress: String,
    pub status: String,
    pub target_date: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
