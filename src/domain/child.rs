//! Children and their households: reads under the policy's row scope, each one audited.
use super::{
    names,
    page::{Page, PageArgs},
    validate,
};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use entity::{child, enums::AuditAction, household_member};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, prelude::Uuid,
};
use std::collections::HashMap;

/// One child by ID. Missing and not permitted look the same (`NOT_FOUND`); the attempt is
/// audited either way.
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<child::Model> {
    let found = if policy::permits(&ctx.principal, Action::ReadChild) {
        child::Entity::find_by_id(id).filter(policy::child_scope(&ctx.principal)).one(db).await?
    } else {
        None
    };
    match found {
        Some(c) => {
            audit::reads(db, ctx, RecordType::Child, [(c.id, c.id)]).await?;
            Ok(c)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::Child, Some(id))]).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Several children by ID (for DataLoaders): the ones the caller may see, audited in one row each.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, child::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadChild) {
        return Ok(HashMap::new());
    }
    let find = child::Entity::find()
        .filter(child::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::child_scope(&ctx.principal));
    let rows = crate::rows::select_all(db, find).await?;
    audit::reads(db, ctx, RecordType::Child, rows.iter().map(|c| (c.id, c.id))).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// What a search may match on. Names match on their normalised form, as a prefix.
#[derive(Debug, Default, Clone)]
pub struct Search {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Children matching the search, inside the caller's scope, in creation order.
pub async fn search(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    s: &Search,
    page: &PageArgs,
) -> AppResult<Page<child::Model>> {
    let mut checks = validate::Checks::default();
    let family =
        checks.take(validate::opt_text("search.familyName", s.family_name.as_deref(), validate::NAME_MAX)).flatten();
    let given =
        checks.take(validate::opt_text("search.givenName", s.given_name.as_deref(), validate::NAME_MAX)).flatten();
    if let Some(d) = s.date_of_birth {
        // An unborn child has an expected date of delivery, never a date of birth in the future.
        checks.take(validate::not_future("search.dateOfBirth", d, chrono::Utc::now().date_naive()));
    }
    checks.finish()?;
    let family = family.map(|f| names::key(&f)).filter(|k| !k.is_empty());
    let given = given.map(|g| names::key(&g)).filter(|k| !k.is_empty());
    if family.is_none() && given.is_none() && s.date_of_birth.is_none() {
        return Err(AppError::invalid(
            "search",
            UserErrorCode::Required,
            "give a family name, a given name or a date of birth",
        ));
    }
    let mut q = child::Entity::find().filter(policy::child_scope(&ctx.principal));
    // A prefix as a range, so one generic plan serves every prefix (see migration 11).
    if let Some(f) = family {
        q = q
            .filter(child::Column::FamilyKey.gte(f.as_str()))
            .filter(child::Column::FamilyKey.lt(names::past_prefix(&f)));
    }
    if let Some(g) = given {
        q = q
            .filter(child::Column::GivenKey.gte(g.as_str()))
            .filter(child::Column::GivenKey.lt(names::past_prefix(&g)));
    }
    if let Some(d) = s.date_of_birth {
        q = q.filter(child::Column::DateOfBirth.eq(d));
    }
    if let Some(after) = page.after {
        q = q.filter(child::Column::Id.gt(after));
    }
    let rows = crate::rows::select_all(db, q.order_by_asc(child::Column::Id).limit(page.limit())).await?;
    let page = Page::from_rows(rows, page);
    let entries: Vec<Entry> =
        page.items.iter().map(|c| Entry::allowed(AuditAction::Search, RecordType::Child, c.id, Some(c.id))).collect();
    audit::note(db, ctx, &entries).await?;
    Ok(page)
}

/// Household members of the given children, inside the caller's child scope, audited one row
/// per member.
pub async fn households(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    child_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<household_member::Model>>> {
    if child_ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadChild) {
        return Ok(HashMap::new());
    }
    let rows = household_member::Entity::find()
        .filter(household_member::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(
            household_member::Column::ChildId.in_subquery(
                child::Entity::find()
                    .select_only()
                    .column(child::Column::Id)
                    .filter(policy::child_scope(&ctx.principal))
                    .into_query(),
            ),
        )
        .order_by_asc(household_member::Column::Id)
        .all(db)
        .await?;
    audit::reads(db, ctx, RecordType::HouseholdMember, rows.iter().map(|m| (m.id, m.child_id))).await?;
    Ok(super::group_by(rows, |m| m.child_id))
}
