//! Staff, teams and organisations: the directory behind `viewer`, allocated workers and teams.
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::error::AppResult;
use entity::{organisation, staff, team};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, prelude::Uuid};
use std::collections::HashMap;

/// Staff records the caller may read, under the policy's staff scope.
pub async fn staff_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, staff::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = staff::Entity::find()
        .filter(staff::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::staff_scope(&ctx.principal))
        .all(db)
        .await?;
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

/// Organisations are reference data read on nearly every page (who sent an update): kept in
/// memory for a minute, and reloaded at once when an unknown ID is asked for.
#[derive(Default)]
pub struct OrganisationCache {
    inner: std::sync::RwLock<Option<(std::time::Instant, Organisations)>>,
}

type Organisations = std::sync::Arc<HashMap<Uuid, organisation::Model>>;

const ORGANISATIONS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl OrganisationCache {
    fn fresh(&self, ids: &[Uuid]) -> Option<Organisations> {
        let guard = self.inner.read().ok()?;
        let (at, map) = guard.as_ref()?;
        (at.elapsed() < ORGANISATIONS_TTL && ids.iter().all(|id| map.contains_key(id))).then(|| map.clone())
    }

    async fn all(
        &self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<std::sync::Arc<HashMap<Uuid, organisation::Model>>> {
        if let Some(map) = self.fresh(ids) {
            return Ok(map);
        }
        let rows = organisation::Entity::find().all(db).await?;
        let map = std::sync::Arc::new(rows.into_iter().map(|o| (o.id, o)).collect::<HashMap<_, _>>());
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((std::time::Instant::now(), map.clone()));
        }
        Ok(map)
    }
}

/// One organisation from a fresh cache, without the database or a loader batch (a caseload
/// page names a hundred senders): `Some(None)` when the caller may not read reference data,
/// `None` when the cache cannot answer.
pub fn cached_organisation(
    cache: &OrganisationCache,
    ctx: &RequestCtx,
    id: Uuid,
) -> Option<Option<organisation::Model>> {
    if !policy::permits(&ctx.principal, Action::ReadReferenceData) {
        return Some(None);
    }
    cache.fresh(&[id]).map(|all| all.get(&id).cloned())
}

pub async fn organisations_by_ids(
    db: &impl ConnectionTrait,
    cache: &OrganisationCache,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, organisation::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadReferenceData) {
        return Ok(HashMap::new());
    }
    let all = cache.all(db, ids).await?;
    Ok(ids.iter().filter_map(|id| all.get(id).map(|o| (*id, o.clone()))).collect())
}
