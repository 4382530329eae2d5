//! The team around the family: the lead adds and removes known practitioners.
use super::*;

/// Adds a known practitioner to the team around the family (the lead only). Members read and
/// contribute while the assessment is open.
pub async fn add_member(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    expected_version: i32,
    staff_id: Uuid,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let a =
        for_edit(db, ctx, assessment_id, expected_version, policy::early_help_lead_scope(p), &BY_ASSESSMENT).await?;
    if staff_id == a.lead_id {
        return Err(err("input.staffId", UserErrorCode::Invalid, "the lead practitioner already leads the team"));
    }
    if !known_practitioners(db, &[staff_id]).await?.contains(&staff_id) {
        return Err(err("input.staffId", UserErrorCode::NotFound, "no such practitioner"));
    }
    let current = taf::Entity::find()
        .filter(taf::Column::AssessmentId.eq(a.id))
        .filter(taf::Column::RemovedAt.is_null())
        .all(db)
        .await?;
    if current.iter().any(|m| m.staff_id == staff_id) {
        return Err(err("input.staffId", UserErrorCode::Conflict, "already a member of the team around the family"));
    }
    if current.len() >= MAX_TAF_MEMBERS {
        return Err(err("input.staffId", UserErrorCode::TooLong, format!("at most {MAX_TAF_MEMBERS} members")));
    }
    let now = Utc::now();
    let changed = async |txn: &DatabaseTransaction| {
        taf::Entity::insert(taf::ActiveModel {
            id: Set(Uuid::now_v7()),
            assessment_id: Set(a.id),
            staff_id: Set(staff_id),
            added_by: Set(p.user),
            added_at: Set(now),
            removed_at: Set(None),
            removed_by: Set(None),
        })
        .exec_without_returning(txn)
        .await?;
        Ok((Changed::history(ChangeSection::Team, vec!["teamAroundFamily (member added)".into()]), ()))
    };
    Ok(commit_edit(db, ctx, &a, expected_version, now, changed).await?.0)
}

/// Ends a practitioner's membership (the lead only); their access ends with it.
pub async fn remove_member(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    expected_version: i32,
    staff_id: Uuid,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let a =
        for_edit(db, ctx, assessment_id, expected_version, policy::early_help_lead_scope(p), &BY_ASSESSMENT).await?;
    let Some(m) = taf::Entity::find()
        .filter(taf::Column::AssessmentId.eq(a.id))
        .filter(taf::Column::StaffId.eq(staff_id))
        .filter(taf::Column::RemovedAt.is_null())
        .one(db)
        .await?
    else {
        return Err(err("input.staffId", UserErrorCode::NotFound, "not a member of the team around the family"));
    };
    let now = Utc::now();
    let changed = async |txn: &DatabaseTransaction| {
        taf::Entity::update_many()
            .col_expr(taf::Column::RemovedAt, Expr::value(Some(now)))
            .col_expr(taf::Column::RemovedBy, Expr::value(Some(p.user)))
            .filter(taf::Column::Id.eq(m.id))
            .exec(txn)
            .await?;
        Ok((Changed::history(ChangeSection::Team, vec!["teamAroundFamily (member removed)".into()]), ()))
    };
    Ok(commit_edit(db, ctx, &a, expected_version, now, changed).await?.0)
}
