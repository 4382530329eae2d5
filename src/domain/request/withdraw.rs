//! Withdrawing a request: the referrer takes back a draft or a request the hub has not decided,
//! with a reason. The hub (when it was waiting on it) and the referrer's safeguarding lead hear.
use super::*;
use crate::alerts::AlertBus;
use crate::domain::alert::{self as alerting, AlertKind, Subject};

pub async fn withdraw(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    request_id: Uuid,
    expected_version: i32,
    reason: &str,
) -> AppResult<rfs::Model> {
    let p = &ctx.principal;
    let Some(r) = rfs::Entity::find_by_id(request_id).filter(policy::withdrawable_request_scope(p)).one(db).await?
    else {
        audit::record(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::RequestForSupport, Some(request_id))])
            .await?;
        return Err(AppError::invalid(
            "input.requestId",
            UserErrorCode::NotFound,
            "no such request waiting for a decision",
        ));
    };
    let reason = validate::long_text("input.reason", reason, TEXT_MAX).map_err(|e| AppError::Invalid(vec![e]))?;
    if reason.is_empty() {
        return Err(AppError::invalid("input.reason", UserErrorCode::Required, "say why the request is withdrawn"));
    }
    if r.version != expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the request has changed since you read it",
        ));
    }
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let done = rfs::Entity::update_many()
            .col_expr(rfs::Column::Status, Expr::value(RequestStatus::Withdrawn.code()))
            .col_expr(rfs::Column::WithdrawnAt, Expr::value(now))
            .col_expr(rfs::Column::WithdrawalReason, Expr::value(reason.clone()))
            .col_expr(rfs::Column::UpdatedAt, Expr::value(now))
            .col_expr(rfs::Column::Version, Expr::col(rfs::Column::Version).add(1))
            .filter(rfs::Column::Id.eq(r.id))
            .filter(rfs::Column::Version.eq(expected_version))
            .filter(rfs::Column::Status.eq(r.status.code()))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the request has changed since you read it",
            ));
        }
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, r.id, None)])
            .await?;
        let mut to = alerting::referrer_side(txn, &r, p.user).await?;
        if r.status == RequestStatus::Received {
            to.extend(alerting::hub_teams(txn).await?);
        }
        let signals = alerting::raise(txn, ctx, Subject::Request(r.id), None, AlertKind::RequestWithdrawn, &to).await?;
        let stored = rfs::Entity::find_by_id(r.id).one(txn).await?.ok_or(AppError::Internal)?;
        if r.status == RequestStatus::Received {
            // A draft was never received: no one outside knew of it.
            crate::domain::outbox::emit(txn, &[crate::domain::outbox::events::request_withdrawn(&stored)]).await?;
        }
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}
