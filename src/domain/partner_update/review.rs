//! Reviewing an update, matching an unmatched one to a child, and escalating updates not
//! reviewed by their check.
use super::*;
use crate::domain::alert::{self as alerting, Subject};

pub(super) async fn reviewable(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<pu::Model> {
    match pu::Entity::find_by_id(id).filter(policy::partner_update_scope(&ctx.principal)).one(db).await? {
        Some(u) => Ok(u),
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::PartnerUpdate, Some(id))]).await?;
            Err(AppError::invalid("input.partnerUpdateId", UserErrorCode::NotFound, "no such partner update"))
        }
    }
}

/// Records the review: who, when, what was done. Escalating alerts the team's managers.
pub async fn review(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    id: Uuid,
    action: ReviewAction,
    note: Option<String>,
    expected_version: i32,
) -> AppResult<pu::Model> {
    let u = reviewable(db, ctx, id).await?;
    let note =
        validate::opt_long_text("input.note", note.as_deref(), DETAILS_MAX).map_err(|e| AppError::Invalid(vec![e]))?;
    if u.reviewed_at.is_some() {
        return Err(AppError::invalid(
            "input.partnerUpdateId",
            UserErrorCode::Conflict,
            "the update has already been reviewed",
        ));
    }
    if u.version != expected_version {
        return Err(stale());
    }
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let res = pu::Entity::update_many()
            .col_expr(pu::Column::ReviewedAt, Expr::value(now))
            .col_expr(pu::Column::ReviewedBy, Expr::value(ctx.principal.user))
            .col_expr(pu::Column::ReviewAction, Expr::value(action.code()))
            .col_expr(pu::Column::ReviewNote, Expr::value(note))
            .col_expr(pu::Column::UpdatedAt, Expr::value(now))
            .col_expr(pu::Column::Version, Expr::col(pu::Column::Version).add(1))
            .filter(pu::Column::Id.eq(u.id))
            .filter(pu::Column::Version.eq(expected_version))
            .filter(pu::Column::ReviewedAt.is_null())
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(stale());
        }
        let stored = pu::Entity::find_by_id(u.id).one(txn).await?.ok_or(AppError::Internal)?;
        let mut signals = vec![];
        if action == ReviewAction::Escalated
            && let Some(case_id) = stored.case_id
            && let Some(case) = case::Entity::find_by_id(case_id).one(txn).await?
        {
            let team_managers = alerting::team_managers(txn, case.team_id).await?;
            signals = alerting::raise(
                txn,
                ctx,
                Subject::Update(stored.id),
                Some(case.id),
                AlertKind::Escalated,
                &team_managers,
            )
            .await?;
        }
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::PartnerUpdate, u.id, u.child_id)])
            .await?;
        let event = crate::domain::outbox::events::update_reviewed(stored.id, stored.case_id, action.code());
        crate::domain::outbox::emit(txn, &[event]).await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// The hub attaches an unmatched update to a child who has an open case.
pub async fn match_to_child(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    id: Uuid,
    child_id: Uuid,
    expected_version: i32,
) -> AppResult<pu::Model> {
    let u = reviewable(db, ctx, id).await?;
    if u.child_id.is_some() {
        return Err(AppError::invalid(
            "input.partnerUpdateId",
            UserErrorCode::Conflict,
            "the update is already matched",
        ));
    }
    if u.version != expected_version {
        return Err(stale());
    }
    if child::Entity::find_by_id(child_id).filter(policy::child_scope(&ctx.principal)).one(db).await?.is_none() {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Child, Some(child_id))]).await?;
        return Err(AppError::invalid("input.childId", UserErrorCode::NotFound, "no such child"));
    }
    let Some(case) = case::Entity::find()
        .filter(case::Column::ChildId.eq(child_id))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .one(db)
        .await?
    else {
        return Err(AppError::invalid("input.childId", UserErrorCode::Invalid, "the child has no open case"));
    };
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let res = pu::Entity::update_many()
            .col_expr(pu::Column::ChildId, Expr::value(child_id))
            .col_expr(pu::Column::CaseId, Expr::value(case.id))
            .col_expr(pu::Column::MatchedAt, Expr::value(now))
            .col_expr(pu::Column::MatchedBy, Expr::value(ctx.principal.user))
            .col_expr(pu::Column::UpdatedAt, Expr::value(now))
            .col_expr(pu::Column::Version, Expr::col(pu::Column::Version).add(1))
            .filter(pu::Column::Id.eq(u.id))
            .filter(pu::Column::Version.eq(expected_version))
            .filter(pu::Column::ChildId.is_null())
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(stale());
        }
        let stored = pu::Entity::find_by_id(u.id).one(txn).await?.ok_or(AppError::Internal)?;
        let signals = alerts_for_match(txn, ctx, &stored, &case).await?;
        audit::record(
            txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::PartnerUpdate, u.id, Some(child_id))],
        )
        .await?;
        crate::domain::outbox::emit(txn, &[crate::domain::outbox::events::update_matched(u.id, child_id, case.id)])
            .await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// Alerts about updates not reviewed by their due time: the case's team managers for a matched
/// update, the hub's teams for an unmatched one. Safe to run on every instance at once: each
/// update is claimed by exactly one of them (`overdue_alerted` flips once), and alert keys are
/// unique. Returns the alerts raised here.
pub async fn raise_overdue(db: &DatabaseConnection, bus: &AlertBus, now: DateTime<Utc>) -> AppResult<usize> {
    let due = pu::Entity::find()
        .filter(pu::Column::OverdueAlerted.eq(false))
        .filter(pu::Column::ReviewedAt.is_null())
        .filter(pu::Column::DueAt.lt(now))
        .order_by_asc(pu::Column::DueAt)
        .limit(500)
        .all(db)
        .await?;
    let mut raised = 0;
    let system = RequestCtx::system("overdue-scan");
    for u in due {
        let signals = crate::db::transaction(db, async |txn| {
            let claimed = pu::Entity::update_many()
                .col_expr(pu::Column::OverdueAlerted, Expr::value(true))
                .filter(pu::Column::Id.eq(u.id))
                .filter(pu::Column::OverdueAlerted.eq(false))
                .exec(txn)
                .await?;
            if claimed.rows_affected != 1 {
                return Ok(None);
            }
            let case = match u.case_id {
                Some(id) => case::Entity::find_by_id(id).one(txn).await?,
                None => None,
            };
            let (kind, recipients) = match &case {
                Some(case) => (AlertKind::Overdue, alerting::team_managers(txn, case.team_id).await?),
                None => (AlertKind::UnmatchedOverdue, alerting::hub_teams(txn).await?),
            };
            let case_id = case.map(|c| c.id);
            let signals = alerting::raise(txn, &system, Subject::Update(u.id), case_id, kind, &recipients).await?;
            Ok(Some(signals))
        })
        .await?;
        if let Some(signals) = signals {
            raised += signals.len();
            bus.announce(&signals);
        }
    }
    Ok(raised)
}

/// The answer when the update changed since the caller read it (`expectedVersion` is stale).
fn stale() -> AppError {
    AppError::invalid("input.expectedVersion", UserErrorCode::Conflict, "the update has changed since you read it")
}

/// The case management system acknowledges that a matched update was copied onto the child's
/// record, with its own reference for the entry. Acknowledging again changes nothing (the first
/// acknowledgement stands). Only the local authority's system, within its row scope (matched
/// updates).
pub async fn record_in_case_system(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    id: Uuid,
    record_reference: String,
) -> AppResult<pu::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::RecordPartnerUpdates)?;
    if !policy::may_record_updates(p, caller_org_type(db, p).await?) {
        return Err(AppError::Forbidden);
    }
    let reference =
        validate::text("input.recordReference", &record_reference, 100).map_err(|e| AppError::Invalid(vec![e]))?;
    let u = reviewable(db, ctx, id).await?;
    if u.case_id.is_none() {
        return Err(AppError::invalid("input.partnerUpdateId", UserErrorCode::NotFound, "no such partner update"));
    }
    if u.recorded_at.is_some() {
        return Ok(u);
    }
    let now = Utc::now();
    crate::db::transaction(db, async |txn| {
        pu::Entity::update_many()
            .col_expr(pu::Column::RecordedAt, Expr::value(Some(now)))
            .col_expr(pu::Column::RecordedBy, Expr::value(Some(p.user)))
            .col_expr(pu::Column::RecordReference, Expr::value(Some(reference.clone())))
            .col_expr(pu::Column::UpdatedAt, Expr::value(now))
            .col_expr(pu::Column::Version, Expr::col(pu::Column::Version).add(1))
            .filter(pu::Column::Id.eq(u.id))
            .filter(pu::Column::RecordedAt.is_null())
            .exec(txn)
            .await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::PartnerUpdate, u.id, u.child_id)])
            .await?;
        pu::Entity::find_by_id(u.id).one(txn).await?.ok_or(AppError::Internal)
    })
    .await
}
