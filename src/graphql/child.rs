//! Children, their households and the child queries.
use super::{
    case::Case,
    connection,
    fast::Fast,
    ids::{self, Kind},
    req,
    scalars::Date,
};
use crate::domain::page::encode_cursor;
use crate::domain::{self, page::PageArgs};
use async_graphql::{
    Context, ID, InputObject, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use entity::{child, household_member};

pub use entity::enums::Sex;

pub use entity::enums::Ethnicity;

pub use entity::enums::Relationship;

/// A child's postal address as recorded; any part may be missing.
#[derive(SimpleObject)]
pub struct Address {
    /// The address line: house number or name and street; `null` when not recorded.
    pub line: Option<String>,
    /// The town or city; `null` when not recorded.
    pub town: Option<String>,
    /// The postcode; `null` when not recorded.
    pub postcode: Option<String>,
}

/// A child known to children's services. Every read of a child is recorded in the audit trail.
/// Shared, not copied: the loader hands the same row to every field that asked for it.
pub struct Child(pub std::sync::Arc<child::Model>);

impl From<child::Model> for Child {
    fn from(m: child::Model) -> Self {
        Child(std::sync::Arc::new(m))
    }
}

/// A child known to children's services. Every read of a child's record is recorded in the
/// audit trail.
#[Object]
impl Child {
    /// The child's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Child, self.0.id)
    }
    /// The child's given (first) name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The child's family name (surname).
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// The child's date of birth; `null` for an unborn child.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// For an unborn child.
    async fn expected_date_of_delivery(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    /// Whether the child is not yet born: no date of birth, only an expected date of delivery.
    async fn unborn(&self) -> bool {
        self.0.date_of_birth.is_none() && self.0.expected_delivery_date.is_some()
    }
    /// The child's sex as recorded for the CIN census: female, male or unknown.
    async fn sex(&self) -> Sex {
        self.0.sex
    }
    /// The child's ethnicity (a CIN census code); `null` when not recorded.
    async fn ethnicity(&self) -> Option<Ethnicity> {
        self.0.ethnicity
    }
    /// Where the child lives.
    async fn address(&self) -> Address {
        Address { line: self.0.address_line.clone(), town: self.0.town.clone(), postcode: self.0.postcode.clone() }
    }
    /// The child's NHS number: 10 digits; `null` when not known.
    async fn nhs_number(&self) -> Option<&str> {
        self.0.nhs_number.as_deref()
    }
    /// Unique pupil number.
    async fn upn(&self) -> Option<&str> {
        self.0.upn.as_deref()
    }
    /// Restricted records are visible only to the allocated worker and the allocated team's manager.
    async fn restricted(&self) -> bool {
        self.0.restricted
    }
    /// The version of the child's record: it goes up by one with every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Family and household members and their relationship to the child.
    async fn household(&self, ctx: &Context<'_>) -> Result<Vec<HouseholdMember>> {
        let rows = req(ctx)?.loaders.household.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(HouseholdMember).collect())
    }
    /// The child's whole timeline of partner updates, newest first, a page at a time, for those
    /// who may see them (the reviewers of the child's cases, the hub).
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn partner_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, desc = "How many updates to return: 1 to 100 (5 if left out).")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the newest updates.")]
        after: Option<String>,
    ) -> Result<Connection<String, Fast<super::partner_update::PartnerUpdate>>> {
        let page = domain::page::PageArgs::parse(first, after.as_deref())?;
        // Whether another page follows costs a row per child: read it only when asked.
        let peek = ctx.look_ahead().field("pageInfo").exists();
        let key = (self.0.id, first as u8, page.after, peek);
        let (rows, has_next) = req(ctx)?.loaders.updates_by_child.load_one(key).await?.unwrap_or_default();
        let mut c = Connection::new(page.after.is_some(), has_next);
        c.edges = rows.into_iter().map(|u| Edge::new(encode_cursor(u.id), Fast(u.into()))).collect();
        Ok(c)
    }
    /// The requests for support about the child that the caller may see, newest first (the
    /// allocated worker, the team and its manager see those attached to the child's cases).
    async fn requests_for_support(&self, ctx: &Context<'_>) -> Result<Vec<super::request::RequestForSupport>> {
        let rows = req(ctx)?.loaders.requests_by_child.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(super::request::RequestForSupport::from).collect())
    }
    /// The child's cases that the caller may see, oldest first.
    async fn cases(&self, ctx: &Context<'_>) -> Result<Vec<Case>> {
        let rows = req(ctx)?.loaders.cases_by_child.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Case).collect())
    }
}

pub struct HouseholdMember(pub household_member::Model);

/// A member of the child's family or household.
#[Object]
impl HouseholdMember {
    /// The person's given (first) name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The person's family name (surname).
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// The person's relationship to the child.
    async fn relationship(&self) -> Relationship {
        self.0.relationship
    }
    /// The person's date of birth; `null` when not known.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// Whether the person lives in the same household as the child.
    async fn lives_with_child(&self) -> bool {
        self.0.lives_with_child
    }
    /// Whether the person holds parental responsibility for the child.
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
}

/// Search by name and/or date of birth. Names ignore case, accents, spaces and hyphens and
/// match as a prefix; at least one field is required.
#[derive(InputObject, Default)]
pub struct ChildSearch {
    /// The family name (surname), or how it begins: at most 100 characters.
    pub family_name: Option<String>,
    /// The given (first) name, or how it begins: at most 100 characters.
    pub given_name: Option<String>,
    /// The exact date of birth; not in the future.
    pub date_of_birth: Option<Date>,
}

#[derive(Default)]
pub struct ChildQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ChildQuery {
    /// One child by ID. A child the caller may not see is reported as `NOT_FOUND`, exactly
    /// like one that does not exist.
    async fn child(&self, ctx: &Context<'_>, #[graphql(desc = "The child's global ID.")] id: ID) -> Result<Child> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::Child, "id")?;
        Ok(domain::child::get(&r.db, &r.ctx, id).await?.into())
    }

    /// Children matching a search, inside the caller's scope.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for: at least one of family name, given name or date of birth.")]
        search: ChildSearch,
        #[graphql(desc = "How many children to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, Fast<Child>>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let s = domain::child::Search {
            family_name: search.family_name,
            given_name: search.given_name,
            date_of_birth: search.date_of_birth.map(|d| d.0),
        };
        let page = domain::child::search(&r.db, &r.ctx, &s, &page).await?;
        Ok(connection(page, |c| c.id, |c| Fast(c.into())))
    }
}
