//! A member of staff or service account: handle, name, organisation, team, roles and scopes.
use sea_orm::entity::prelude::*;

/// A person (or a service account) who uses casegraph. `roles` is a comma-separated list of
/// role codes and `scopes` a space-separated list, as they appear in tokens.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub handle: String,
    pub display_name: String,
    pub organisation_id: Uuid,
    pub team_id: Option<Uuid>,
    pub roles: String,
    pub scopes: String,
    pub active: bool,
    pub synthetic: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
