//! The append-only audit trail. Every read of a child's identifying data and every write is one
//! row: who, which roles and organisation, what, which record, when, which request, and whether
//! it was allowed. Writes are recorded in the same transaction as the change they record; reads
//! fail closed when their audit row cannot be written. Rows carry IDs and codes only.
//!
//! There is no update or delete path here, and the database refuses both (triggers).
use crate::domain::{
    RequestCtx,
    page::{Page, PageArgs},
};
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::{
    audit_event,
    enums::{AuditAction, AuditOutcome},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, prelude::Uuid};

/// Record types named in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Child,
    HouseholdMember,
    Case,
    AuditTrail,
    RequestForSupport,
    NeglectScreening,
    AdviceConsultation,
    BankHoliday,
    EarlyHelpAssessment,
    EarlyHelpSummary,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Child => "CHILD",
            RecordType::HouseholdMember => "HOUSEHOLD_MEMBER",
            RecordType::Case => "CASE",
            RecordType::AuditTrail => "AUDIT_TRAIL",
            RecordType::RequestForSupport => "REQUEST_FOR_SUPPORT",
            RecordType::NeglectScreening => "NEGLECT_SCREENING",
            RecordType::AdviceConsultation => "ADVICE_CONSULTATION",
            RecordType::BankHoliday => "BANK_HOLIDAY",
            RecordType::EarlyHelpAssessment => "EARLY_HELP_ASSESSMENT",
            RecordType::EarlyHelpSummary => "EARLY_HELP_SUMMARY",
        }
    }
}

/// One thing that happened to one record.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub action: AuditAction,
    pub record_type: RecordType,
    pub record_id: Option<Uuid>,
    pub child_id: Option<Uuid>,
    pub outcome: AuditOutcome,
}

impl Entry {
    pub fn allowed(action: AuditAction, record_type: RecordType, record_id: Uuid, child_id: Option<Uuid>) -> Self {
        Entry { action, record_type, record_id: Some(record_id), child_id, outcome: AuditOutcome::Allowed }
    }

    /// An attempt that was refused or named a record the caller may not see (or that does not
    /// exist: the two are deliberately not told apart).
    pub fn denied(action: AuditAction, record_type: RecordType, record_id: Option<Uuid>) -> Self {
        Entry { action, record_type, record_id, child_id: None, outcome: AuditOutcome::Denied }
    }
}

/// Writes the entries in one statement, on the caller's connection or transaction.
pub async fn record(db: &impl ConnectionTrait, ctx: &RequestCtx, entries: &[Entry]) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let roles = ctx.principal.roles_string();
    let rows = entries.iter().map(|e| audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        request_id: Set(ctx.request_id.clone()),
        actor_id: Set(ctx.principal.user),
        roles: Set(roles.clone()),
        organisation_id: Set(ctx.principal.organisation),
        action: Set(e.action),
        record_type: Set(e.record_type.as_str().to_string()),
        record_id: Set(e.record_id),
        child_id: Set(e.child_id),
        operation: Set(ctx.operation.clone()),
        outcome: Set(e.outcome),
    });
    // No audit row, no access: a read or write that cannot be recorded fails closed (AUD-04).
    audit_event::Entity::insert_many(rows).exec_without_returning(db).await.map_err(|e| {
        tracing::error!("audit trail unavailable: {e}");
        AppError::Unavailable
    })?;
    Ok(())
}

/// Reads of several records of one type, one row each.
pub async fn reads(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    record_type: RecordType,
    ids: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> AppResult<()> {
    let entries: Vec<Entry> =
        ids.into_iter().map(|(id, child)| Entry::allowed(AuditAction::Read, record_type, id, Some(child))).collect();
    record(db, ctx, &entries).await
}

/// The trail for one child, newest first. The caller has already checked access to the child.
pub async fn for_child(
    db: &impl ConnectionTrait,
    child_id: Uuid,
    page: &PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    let mut q = audit_event::Entity::find().filter(
        sea_orm::Condition::any()
            .add(audit_event::Column::ChildId.eq(child_id))
            .add(audit_event::Column::RecordId.eq(child_id)),
    );
    if let Some(after) = page.after {
        q = q.filter(audit_event::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(audit_event::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}
