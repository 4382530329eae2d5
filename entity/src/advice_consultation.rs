//! An anonymous advice-line consultation: caller's agency, concerns, level discussed and outcome.
use crate::enums::{AgencyType, Level};
use sea_orm::entity::prelude::*;

/// An advice-line consultation. Deliberately no column that could identify a child or family.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advice_consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub logged_by: Uuid,
    pub called_at: DateTimeUtc,
    pub duration_minutes: i32,
    pub caller_agency_type: AgencyType,
    pub concern_categories: String,
    pub level_discussed: Option<Level>,
    pub summary: String,
    pub outcome: String,
    pub request_advised: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
