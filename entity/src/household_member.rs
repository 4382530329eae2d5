//! A family or household member of a child and their relationship to the child.
use crate::enums::Relationship;
use sea_orm::entity::prelude::*;

/// A family or household member and their relationship to one child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "household_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub relationship: Relationship,
    pub date_of_birth: Option<Date>,
    pub lives_with_child: bool,
    pub parental_responsibility: bool,
    pub synthetic: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
