//! One entry of an early help assessment's change history: who, when, which fields (no values).
use sea_orm::entity::prelude::*;

/// One entry of an assessment's history of changes: who, when, which section, and the names of
/// the fields that changed. Never the values, which are personal data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub actor_id: Uuid,
    pub at: DateTimeUtc,
    pub section: String,
    pub summary: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
