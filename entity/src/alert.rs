//! An alert to one member of staff about one partner update (new or overdue), de-duplicated.
use sea_orm::entity::prelude::*;

/// An alert to one member of staff about one partner update. `dedupe_key` makes raising the
/// same alert twice (several server instances, retries) a no-op.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub partner_update_id: Uuid,
    pub case_id: Option<Uuid>,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub created_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
