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

#[derive(SimpleObject)]
pub struct Address {
    pub line: Option<String>,
    pub town: Option<String>,
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

#[Object]
impl Child {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Child, self.0.id)
    }
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// For an unborn child.
    async fn expected_date_of_delivery(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    async fn unborn(&self) -> bool {
        self.0.date_of_birth.is_none() && self.0.expected_delivery_date.is_some()
    }
    async fn sex(&self) -> Sex {
        self.0.sex
    }
    async fn ethnicity(&self) -> Option<Ethnicity> {
        self.0.ethnicity
    }
    async fn address(&self) -> Address {
        Address { line: self.0.address_line.clone(), town: self.0.town.clone(), postcode: self.0.postcode.clone() }
    }
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
        #[graphql(default = 5)] first: i32,
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

#[Object]
impl HouseholdMember {
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    async fn relationship(&self) -> Relationship {
        self.0.relationship
    }
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    async fn lives_with_child(&self) -> bool {
        self.0.lives_with_child
    }
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
}

/// Search by name and/or date of birth. Names ignore case, accents, spaces and hyphens and
/// match as a prefix; at least one field is required.
#[derive(InputObject, Default)]
pub struct ChildSearch {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<Date>,
}

#[derive(Default)]
pub struct ChildQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ChildQuery {
    /// One child by ID. A child the caller may not see is reported as `NOT_FOUND`, exactly
    /// like one that does not exist.
    async fn child(&self, ctx: &Context<'_>, id: ID) -> Result<Child> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::Child, "id")?;
        Ok(domain::child::get(&r.db, &r.ctx, id).await?.into())
    }

    /// Children matching a search, inside the caller's scope.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        search: ChildSearch,
        first: i32,
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
