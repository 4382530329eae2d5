//! A child named on an early help assessment, optionally linked to a child record.
use crate::enums::Sex;
use sea_orm::entity::prelude::*;

/// A child on an early help assessment, as the lead practitioner described them; `child_id`
/// links a child record when a hub worker or social worker sets it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub position: i32,
    pub child_id: Option<Uuid>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub expected_delivery_date: Option<Date>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
    /// Why the child was linked to a record whose names or date of birth disagree.
    pub link_override_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
