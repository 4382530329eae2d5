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

/// One domain's score in a neglect screening.
#[derive(SimpleObject)]
pub struct DomainScore {
    /// The domain scored.
    pub domain: NeglectDomain,
    /// The domain's score: 2 points for each item that applies and 1 for each that sometimes
    /// applies.
    pub score: i32,
    /// At or above the concern threshold (a score of 4 or more).
    pub flagged: bool,
}

/// A completed neglect screening.
pub struct NeglectScreening(pub neglect_screening::Model);

/// A completed neglect screening of one child (or unborn child): the score of each domain and
/// the next step it recommends. Seen by its author, their organisation's safeguarding lead and
/// the hub.
#[Object]
impl NeglectScreening {
    /// The screening's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::NeglectScreening, self.0.id)
    }
    /// Which tool was used: the child tool or the pre-birth tool.
    async fn tool(&self) -> NeglectTool {
        NeglectTool::from_code(&self.0.variant).unwrap_or(NeglectTool::Child)
    }
    /// When the screening was completed.
    async fn completed_on(&self) -> Date {
        Date(self.0.completed_on)
    }
    /// The score of each domain the tool covers.
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
    /// The family name (surname) of the child screened.
    async fn child_family_name(&self) -> Option<&str> {
        self.0.child_family_name.as_deref()
    }
    /// The date of birth of the child screened (the child tool); `null` for an unborn child.
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

/// The answer to one item of the screening tool.
#[derive(InputObject)]
pub struct NeglectItemInput {
    /// The item's number in the tool.
    pub item: i32,
    /// The answer.
    pub response: ItemResponse,
    /// What shows that the item applies: required for every item that applies (even
    /// sometimes), at most 2,000 characters; line breaks are allowed.
    pub evidence: Option<String>,
}

/// The answers for one domain of the screening tool.
#[derive(InputObject)]
pub struct NeglectDomainInput {
    /// The domain: one the chosen tool covers.
    pub domain: NeglectDomain,
    /// The answers to the domain's items: 1 to 30.
    pub items: Vec<NeglectItemInput>,
}

/// A completed neglect screening of one child, to record for your organisation.
#[derive(InputObject)]
pub struct SubmitNeglectScreeningInput {
    /// Which tool was used: `CHILD` for a child already born, `PRE_BIRTH` for an unborn child.
    pub tool: NeglectTool,
    /// The child screened: a child already born for the child tool, an unborn child for the
    /// pre-birth tool. A request uses the screening only for this child.
    pub child: ScreenedChildInput,
    /// When the screening was completed; not in the future. A request for support may use the
    /// screening for a limited time after this date (90 days unless the service sets otherwise).
    pub completed_on: Date,
    /// The answers, domain by domain: every domain of the chosen tool, each once.
    pub domains: Vec<NeglectDomainInput>,
}

/// The child (or unborn child) a neglect screening is about.
#[derive(InputObject)]
pub struct ScreenedChildInput {
    /// The child's given (first) name: required for a child already born, at most 100
    /// characters.
    pub given_name: Option<String>,
    /// The child's family name (surname): required, at most 100 characters.
    pub family_name: String,
    /// For the child tool: a child already born. Required for that tool; not in the future.
    pub date_of_birth: Option<Date>,
    /// For the pre-birth tool: an unborn child.
    pub expected_delivery_date: Option<Date>,
}

/// The result of recording a neglect screening: the screening with its scores and outcome, or
/// what to fix.
#[derive(SimpleObject)]
pub struct NeglectScreeningPayload {
    /// The screening as stored, with its scores and outcome; `null` when it was refused.
    pub screening: Option<NeglectScreening>,
    /// What to fix before trying again; empty when the screening was recorded.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct NeglectQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl NeglectQuery {
    /// One neglect screening by ID (its author, their safeguarding lead, the hub).
    async fn neglect_screening(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The screening's global ID.")] id: ID,
    ) -> Result<NeglectScreening> {
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
        #[graphql(desc = "The tool, the child, the date completed and the answers.")]
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
