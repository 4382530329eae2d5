//! A household member on an early help assessment and their relationship to its first child.
use crate::enums::Relationship;
use sea_orm::entity::prelude::*;

/// A parent, carer or other household member on an early help assessment (the additional child
/// and family member sheet), with their relationship to the assessment's first child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_household_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
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
