//! Staff, teams and organisations: the directory behind `viewer`, allocated workers and teams.
use super::RequestCtx;
use crate::auth::policy::{self, Action};
use crate::error::AppResult;
use entity::{organisation, staff, team};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, prelude::Uuid};
use std::collections::HashMap;

/// Staff records the caller may read (the directory roles read anyone; others only themselves).
pub async fn staff_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, staff::Model>> {
    let ids: Vec<Uuid> = ids.iter().copied().filter(|id| policy::may_read_staff(&ctx.principal, *id)).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = staff::Entity::find().filter(staff::Column::Id.is_in(ids)).all(db).await?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

pub async fn teams_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, team::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadReferenceData) {
        return Ok(HashMap::new());
    }
    let rows = team::Entity::find().filter(team::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

pub async fn organisations_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, organisation::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadReferenceData) {
        return Ok(HashMap::new());
    }
    let rows = organisation::Entity::find().filter(organisation::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}
