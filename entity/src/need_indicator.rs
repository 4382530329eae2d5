//! Reference data: an example indicator of need for one level and domain.
use crate::enums::Level;
use sea_orm::entity::prelude::*;

/// Reference data: an example indicator of need for one level, replaceable without a release.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "need_indicators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub level: Level,
    pub domain: String,
    pub text: String,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
