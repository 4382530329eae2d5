//! A practitioner's membership of an early help team around the family (kept after removal).
use sea_orm::entity::prelude::*;

/// A practitioner's membership of a team around the family. Removal sets `removed_at`; the row
/// stays as history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_taf_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub staff_id: Uuid,
    pub added_by: Uuid,
    pub added_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
    pub removed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
