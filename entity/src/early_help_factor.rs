//! A strength or need on an early help assessment, by framework domain and compartment.
use sea_orm::entity::prelude::*;

/// A strength or a need on an early help assessment, under one Assessment Framework domain and
/// tagged with a resilience-framework compartment (codes of `casegraph::domain::early_help`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "early_help_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub kind: String,
    pub position: i32,
    pub domain: String,
    pub compartment: String,
    pub description: String,
    pub score: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
