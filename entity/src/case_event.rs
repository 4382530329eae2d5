//! One append-only transition of a case: opened, allocated or closed, by whom and when.
use crate::enums::{CaseEventKind, ClosureReason};
use sea_orm::entity::prelude::*;

/// One transition of a case: opened, (re)allocated, closed. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: CaseEventKind,
    pub actor_id: Uuid,
    pub at: DateTimeUtc,
    pub team_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    pub closure_reason: Option<ClosureReason>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
