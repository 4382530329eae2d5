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

/// Names this close (Jaro-Winkler over the normalised name) may be one name spelt differently:
/// "Jayden" and "Jaydon" (0.93) are; "Matrixone" and "Matrixtwo" (0.91) are not.
pub const CLOSE_NAMES: f64 = 0.92;

/// Are two full names the same or close once normalised: given name close to given name and
/// family name close to family name, or the two swapped (a form filled in the wrong way round)?
pub fn names_close(given_a: &str, family_a: &str, given_b: &str, family_b: &str) -> bool {
    let close = |x: &str, y: &str| {
        let (x, y) = (names::key(x), names::key(y));
        x == y || strsim::jaro_winkler(&x, &y) >= CLOSE_NAMES
    };
    (close(given_a, given_b) && close(family_a, family_b)) || (close(given_a, family_b) && close(family_a, given_b))
}

/// What a new child record would say about who the child is.
#[derive(Debug, Clone)]
pub struct Identity<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_delivery_date: Option<NaiveDate>,
    pub nhs_number: Option<&'a str>,
}

/// Child records the caller may see that may be this child: the same valid NHS number; the same
/// date of birth with the same or close names; an unborn child due the same day with the same
/// family name.
pub async fn possible_duplicates(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    who: &Identity<'_>,
) -> AppResult<Vec<child::Model>> {
    let nhs = who.nhs_number.filter(|n| validate::nhs_number_is_valid(n));
    let mut any = sea_orm::Condition::any();
    if let Some(d) = who.date_of_birth {
        any = any.add(child::Column::DateOfBirth.eq(d));
    }
    if let Some(d) = who.expected_delivery_date {
        any = any.add(
            sea_orm::Condition::all()
                .add(child::Column::ExpectedDeliveryDate.eq(d))
                .add(child::Column::FamilyKey.eq(names::key(who.family_name))),
        );
    }
    if let Some(n) = nhs {
        any = any.add(child::Column::NhsNumber.eq(n));
    }
    if any.is_empty() {
        return Ok(vec![]);
    }
    let rows = child::Entity::find()
        .filter(any)
        .filter(policy::child_scope(&ctx.principal))
        .order_by_asc(child::Column::Id)
        .limit(50)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            let same_nhs = nhs.is_some() && c.nhs_number.as_deref() == nhs;
            let born_same_day = who.date_of_birth.is_some() && c.date_of_birth == who.date_of_birth;
            let due_same_day = who.expected_delivery_date.is_some()
                && c.expected_delivery_date == who.expected_delivery_date
                && c.family_key == names::key(who.family_name);
            same_nhs
                || due_same_day
                || (born_same_day && names_close(who.given_name, who.family_name, &c.given_name, &c.family_name))
        })
        .collect())
}

/// Whether the caller's confirmations cover every possible duplicate, and name nothing else:
/// `Ok` to go on, or the user errors to show (the candidates themselves are listed separately).
pub fn check_confirmations(
    candidates: &[child::Model],
    confirmed: &[Uuid],
    field: &str,
) -> Result<(), Vec<crate::error::FieldError>> {
    use crate::error::FieldError;
    let mut errors = vec![];
    for (i, id) in confirmed.iter().enumerate() {
        if !candidates.iter().any(|c| c.id == *id) {
            errors.push(FieldError::new(
                &format!("{field}.{i}"),
                UserErrorCode::Invalid,
                "this record is not one of the possible duplicates",
            ));
        }
    }
    let unconfirmed = candidates.iter().filter(|c| !confirmed.contains(&c.id)).count();
    if unconfirmed > 0 {
        errors.push(FieldError::new(
            field,
            UserErrorCode::PossibleDuplicate,
            format!(
                "{unconfirmed} existing record(s) may be this child (see possibleDuplicates): match the child to one \
                 of them, or confirm each is a different child"
            ),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_on_the_same_day_are_possible_duplicates() {
        assert!(names_close("Jayden", "Testwood", "Jaydon", "Testwood"));
        assert!(names_close("Amy", "Sample-Field", "amy", "Samplefield"));
        assert!(names_close("Zoë", "Mockley", "Zoe", "Mockley"));
        assert!(!names_close("Amy", "Testwood", "Oliver", "Dummington"));
        assert!(!names_close("Ava", "Testwood", "Isla", "Fakeham"));
        assert!(!names_close("Testchild", "Matrixone", "Testchild", "Matrixtwo"));
        assert!(names_close("Testwood", "Amy", "Amy", "Testwood"));
    }
}
