//! Reference data: one of the four levels of need, its name and expected response.
use crate::enums::Level;
use sea_orm::entity::prelude::*;

/// Reference data: one row per level of need (docs/domain.md §2).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "levels_of_need")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: Level,
    pub ordinal: i32,
    pub name: String,
    pub expected_response: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
