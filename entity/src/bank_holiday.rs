//! Reference data: a non-working day (bank holiday or local closure) for working-day deadlines.
use sea_orm::entity::prelude::*;

/// Reference data: one non-working day (docs/domain.md §7.1–7.2). `kind` is `BANK_HOLIDAY` or
/// `LOCAL_CLOSURE`; `substitute` marks a day that replaces a holiday falling on a weekend.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_holidays")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub date: Date,
    pub title: String,
    pub kind: String,
    pub substitute: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
