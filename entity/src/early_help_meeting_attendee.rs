//! Someone invited to an early help meeting, and whether they attended.
use sea_orm::entity::prelude::*;

/// Someone invited to an early help meeting (a practitioner, a household member, or an external
/// person), and whether they attended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_meeting_attendees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    pub staff_id: Option<Uuid>,
    pub household_member_id: Option<Uuid>,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub attended: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
