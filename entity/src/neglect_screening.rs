//! A completed neglect screening (child or pre-birth tool): responses, scores and outcome.
use sea_orm::entity::prelude::*;

/// A completed neglect screening (child or pre-birth tool). `responses` holds the item
/// responses as JSON; `domain_scores` the computed score per domain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "neglect_screenings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub variant: String,
    pub completed_by: Uuid,
    pub organisation_id: Uuid,
    pub completed_on: Date,
    pub responses: String,
    pub domain_scores: String,
    pub flagged: bool,
    pub outcome: String,
    pub created_at: DateTimeUtc,
    /// The child screened (the child tool), or the unborn child's expected delivery date.
    pub child_given_name: Option<String>,
    pub child_family_name: Option<String>,
    pub child_date_of_birth: Option<Date>,
    pub expected_delivery_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
