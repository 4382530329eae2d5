//! Neglect Protocol screenings (docs/domain.md §5.2): the tool's answers, domain scores and
//! outcome. Resolvers call `domain::neglect`.
use super::{
    ids::{self, Kind},
    payload::{UserError, split},
    req,
    scalars::Date,
};
use crate::domain::{
    self,
    neglect::{ItemResponse, NeglectDomain, NeglectTool, ScreeningOutcome},
};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::neglect_screening;

#[derive(SimpleObject)]
pub struct DomainScore {
    pub domain: NeglectDomain,
    pub score: i32,
    /// At or above the concern threshold.
    pub flagged: bool,
}

/// A completed neglect screening.
pub struct NeglectScreening(pub neglect_screening::Model);

#[Object]
impl NeglectScreening {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::NeglectScreening, self.0.id)
    }
    async fn tool(&self) -> NeglectTool {
        NeglectTool::from_code(&self.0.variant).unwrap_or(NeglectTool::Child)
    }
    async fn completed_on(&self) -> Date {
        Date(self.0.completed_on)
    }
    async fn domain_scores(&self) -> Vec<DomainScore> {
        domain::neglect::scores_of(&self.0)
            .into_iter()
            .filter_map(|s| {
                Some(DomainScore {
                    domain: NeglectDomain::from_code(&s.domain)?,
                    score: s.score as i32,
                    flagged: s.flagged,
                })
            })
            .collect()
    }
    /// The child screened (`null` for an unborn child not yet named).
    async fn child_given_name(&self) -> Option<&str> {
        self.0.child_given_name.as_deref()
    }
    async fn child_family_name(&self) -> Option<&str> {
        self.0.child_family_name.as_deref()
    }
    async fn child_date_of_birth(&self) -> Option<Date> {
        self.0.child_date_of_birth.map(Date)
    }
    /// For an unborn child (the pre-birth tool).
    async fn expected_delivery_date(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    /// Any domain at or above the concern threshold.
    async fn flagged(&self) -> bool {
        self.0.flagged
    }
    /// The recommended next step (e.g. a Graded Care Profile 2).
    async fn outcome(&self) -> ScreeningOutcome {
        ScreeningOutcome::from_code(&self.0.outcome).unwrap_or(ScreeningOutcome::NoIndicators)
    }
}

#[derive(InputObject)]
pub struct NeglectItemInput {
    /// The item's number in the tool.
    pub item: i32,
    pub response: ItemResponse,
    /// Required for every item that applies (even sometimes).
    pub evidence: Option<String>,
}

#[derive(InputObject)]
pub struct NeglectDomainInput {
    pub domain: NeglectDomain,
    pub items: Vec<NeglectItemInput>,
}

#[derive(InputObject)]
pub struct SubmitNeglectScreeningInput {
    pub tool: NeglectTool,
    /// The child screened: a child already born for the child tool, an unborn child for the
    /// pre-birth tool. A request uses the screening only for this child.
    pub child: ScreenedChildInput,
    pub completed_on: Date,
    pub domains: Vec<NeglectDomainInput>,
}

/// The child (or unborn child) a neglect screening is about.
#[derive(InputObject)]
pub struct ScreenedChildInput {
    /// Required for a child already born.
    pub given_name: Option<String>,
    pub family_name: String,
    /// For the child tool: a child already born.
    pub date_of_birth: Option<Date>,
    /// For the pre-birth tool: an unborn child.
    pub expected_delivery_date: Option<Date>,
}

#[derive(SimpleObject)]
pub struct NeglectScreeningPayload {
    pub screening: Option<NeglectScreening>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct NeglectQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl NeglectQuery {
    /// One neglect screening by ID (its author, their safeguarding lead, the hub).
    async fn neglect_screening(&self, ctx: &Context<'_>, id: ID) -> Result<NeglectScreening> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::NeglectScreening, "id")?;
        Ok(NeglectScreening(domain::neglect::get(&r.db, &r.ctx, id).await?))
    }
}

#[derive(Default)]
pub struct NeglectMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl NeglectMutation {
    /// Records a completed neglect screening (child or pre-birth tool).
    async fn submit_neglect_screening(
        &self,
        ctx: &Context<'_>,
        input: SubmitNeglectScreeningInput,
    ) -> Result<NeglectScreeningPayload> {
        let r = req(ctx)?;
        let domains = input
            .domains
            .into_iter()
            .map(|d| domain::neglect::DomainIn {
                domain: d.domain,
                items: d.items.into_iter().map(|i| (i.item, i.response, i.evidence)).collect(),
            })
            .collect();
        let child = domain::neglect::ScreenedChild {
            given_name: input.child.given_name,
            family_name: input.child.family_name,
            date_of_birth: input.child.date_of_birth.map(|d| d.0),
            expected_delivery_date: input.child.expected_delivery_date.map(|d| d.0),
        };
        let (s, user_errors) =
            split(domain::neglect::submit(&r.db, &r.ctx, input.tool, child, input.completed_on.0, domains).await)?;
        Ok(NeglectScreeningPayload { screening: s.map(NeglectScreening), user_errors })
    }
}
