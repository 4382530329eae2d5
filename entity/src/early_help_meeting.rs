//! An early help (team around the family) meeting: date, child's and family's views, next date.
use sea_orm::entity::prelude::*;

/// An early help (team around the family) meeting record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub held_on: Date,
    pub child_views: Option<String>,
    pub family_views: Option<String>,
    pub next_meeting_on: Option<Date>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
