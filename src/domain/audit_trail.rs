//! Reading the audit trail: team managers for children in their scope, admins for any child.
use super::page::{Page, PageArgs};
use crate::audit;
use crate::auth::policy::{self};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::{AppError, AppResult};
use entity::{audit_event, child, enums::AuditAction};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, prelude::Uuid};

pub async fn for_child(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    child_id: Uuid,
    page: &PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    // Admins see the trail (IDs and codes only) of any child; managers only of children they may see.
    if !policy::may_read_any_audit_trail(&ctx.principal) {
        let visible = child::Entity::find_by_id(child_id).filter(policy::child_scope(&ctx.principal)).one(db).await?;
        if visible.is_none() {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::AuditTrail, Some(child_id))]).await?;
            return Err(AppError::NotFound);
        }
    }
    let page = audit::for_child(db, child_id, page).await?;
    audit::note(db, ctx, &[Entry::allowed(AuditAction::Read, RecordType::AuditTrail, child_id, Some(child_id))])
        .await?;
    Ok(page)
}
