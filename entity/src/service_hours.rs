//! Reference data: the hub's opening hours per weekday, in London local time.
use sea_orm::entity::prelude::*;

/// Reference data: the hub's opening hours (docs/domain.md §3.5), London local time. `weekday` is
/// 0 = Monday .. 6 = Sunday; `opens` and `closes` are "HH:MM". No row means closed that day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub weekday: i32,
    pub opens: String,
    pub closes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
