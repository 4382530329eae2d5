//! A household member named on a request for support and their relationship to its first child.
use crate::enums::Relationship;
use sea_orm::entity::prelude::*;

/// A household member named on a request, with their relationship to the request's first child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_household_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub position: i32,
    pub given_name: String,
    pub family_name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub lives_with_child: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
