//! A social-care case for one child: kind, status, team, allocated worker, opening and closure.
use crate::enums::{CaseKind, CaseStatus, ClosureReason};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub team_id: Uuid,
    pub allocated_worker_id: Option<Uuid>,
    pub opened_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub closure_reason: Option<ClosureReason>,
    pub synthetic: bool,
    /// The request for support whose hub decision opened the case, if any.
    pub origin_request_id: Option<Uuid>,
    /// When access through this (closed) case ends for its worker and team.
    pub access_until: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
