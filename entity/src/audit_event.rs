//! One append-only audit row: who did what to which record, and the outcome; IDs and codes only.
use crate::enums::{AuditAction, AuditOutcome};
use sea_orm::entity::prelude::*;

/// One append-only audit row: IDs and codes only, never names, dates of birth or free text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub request_id: String,
    pub actor_id: Uuid,
    pub roles: String,
    pub organisation_id: Option<Uuid>,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: Option<Uuid>,
    /// For a read row standing for several records of one type about one child: all their IDs.
    pub record_ids: Option<String>,
    pub child_id: Option<Uuid>,
    pub operation: String,
    pub outcome: AuditOutcome,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
