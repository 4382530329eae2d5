//! One action of an early help plan: need, action, who is responsible, target date and status.
use sea_orm::entity::prelude::*;

/// One row of the co-produced plan: need, action, who is responsible (a practitioner, a
/// household member, or an external person with their organisation), intended outcome, target
/// date and status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_plan_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub position: i32,
    pub need: String,
    pub action: String,
    pub responsible_staff_id: Option<Uuid>,
    pub responsible_member_id: Option<Uuid>,
    pub responsible_name: Option<String>,
    pub responsible_organisation: Option<String>,
    pub intended_outcome: String,
    pub target_date: Date,
    pub compartment: Option<String>,
    pub status: String,
    pub agreed_with_family: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
