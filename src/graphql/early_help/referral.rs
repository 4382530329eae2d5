//! Early help referrals: the queue the hub's `EARLY_HELP` decisions feed, allocation to a lead,
//! and starting the assessment pre-filled from the request.
use super::super::directory::Staff;
use super::*;
use crate::domain::early_help::ReferralStatus;
use entity::early_help_referral as ehr;

/// A referral to the early help service made by a hub decision. Early help managers allocate it
/// to a lead; the lead starts the assessment from it; the hub follows its status.
pub struct EarlyHelpReferral(pub ehr::Model);

/// A referral to the early help service made by a hub decision. Early help managers allocate it to
/// a lead practitioner, who starts the assessment from it; the hub follows its status.
#[Object]
impl EarlyHelpReferral {
    /// The referral's ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpReferral, self.0.id)
    }
    /// Where the referral stands: awaiting allocation, allocated, or assessment started.
    async fn status(&self) -> ReferralStatus {
        ReferralStatus::from_code(&self.0.status).unwrap_or(ReferralStatus::AwaitingAllocation)
    }
    /// When the hub's decision made the referral.
    async fn created_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When the referral was allocated to its lead; empty while awaiting allocation.
    async fn allocated_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.allocated_at.map(Into::into)
    }
    /// The request the hub decided: the family, the concerns and the consent.
    async fn request_for_support(&self, ctx: &Context<'_>) -> Result<Option<RequestForSupport>> {
        Ok(req(ctx)?.loaders.request.load_one(self.0.request_id).await?.map(RequestForSupport::from))
    }
    /// The lead practitioner allocated.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        match self.0.lead_id {
            Some(id) => Ok(req(ctx)?.loaders.staff.load_one(id).await?.map(Staff)),
            None => Ok(None),
        }
    }
    /// The assessment the lead started from it, for those who may read it.
    async fn assessment(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpAssessment>> {
        match self.0.assessment_id {
            Some(id) => match domain::early_help::get(&req(ctx)?.db, &req(ctx)?.ctx, id).await {
                Ok(a) => Ok(Some(a.into())),
                Err(crate::error::AppError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            },
            None => Ok(None),
        }
    }
    /// Send this back as `expectedVersion` when allocating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(Default)]
pub struct ReferralQuery;

#[Object(guard = "crate::graphql::Authorized(\"Query\")")]
impl ReferralQuery {
    /// Early help referrals, oldest first: every one for early help managers and the hub (the
    /// queue is `status: AWAITING_ALLOCATION`), a lead's own.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn early_help_referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only referrals with this status; leave out for all.")] status: Option<ReferralStatus>,
        #[graphql(desc = "How many referrals to return: 1 to 100.")] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page; leave out for the first page.")] after: Option<String>,
    ) -> Result<Connection<String, EarlyHelpReferral>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::early_help::referrals(&r.db, &r.ctx, status, &page).await?;
        Ok(connection(page, |x| x.id, EarlyHelpReferral))
    }
}

/// Allocating an early help referral to a lead practitioner.
#[derive(InputObject)]
pub struct AllocateEarlyHelpReferralInput {
    /// The referral to allocate.
    pub referral_id: ID,
    /// An early help practitioner, or a partner practitioner who has agreed to lead.
    pub lead_id: ID,
    /// Required (`true`) when the lead is a partner practitioner: they agreed to lead.
    #[graphql(default)]
    pub partner_agreed: bool,
    /// The `version` of the referral as last read. The allocation is refused if someone else has
    /// changed the referral since.
    pub expected_version: i32,
}

/// Starting the early help assessment of a referral allocated to the caller.
#[derive(InputObject)]
pub struct StartEarlyHelpAssessmentFromReferralInput {
    /// The referral allocated to the caller.
    pub referral_id: ID,
    /// Defaults to today.
    pub started_on: Option<Date>,
}

/// The result of a change to an early help referral: the referral as it now stands, or the problems
/// with the input.
#[derive(SimpleObject)]
pub struct EarlyHelpReferralPayload {
    /// The referral after the change; empty when the change was refused.
    pub referral: Option<EarlyHelpReferral>,
    /// What is wrong with the input, field by field; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

/// The result of starting an assessment from a referral: the new assessment and the referral, or
/// the problems with the input.
#[derive(SimpleObject)]
pub struct StartFromReferralPayload {
    /// The assessment started, pre-filled from the request for support; empty when refused.
    pub assessment: Option<EarlyHelpAssessment>,
    /// The referral, now marked as assessment started; empty when refused.
    pub referral: Option<EarlyHelpReferral>,
    /// What is wrong with the input, field by field; empty when the assessment started.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ReferralMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl ReferralMutation {
    /// Allocates a referral to a lead (early help managers); the lead is alerted.
    async fn allocate_early_help_referral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral and the lead practitioner.")] input: AllocateEarlyHelpReferralInput,
    ) -> Result<EarlyHelpReferralPayload> {
        let r = req(ctx)?;
        let result = async {
            let a = domain::early_help::Allocation {
                referral_id: ids::decode(&input.referral_id, Kind::EarlyHelpReferral, "input.referralId")?,
                lead_id: ids::decode(&input.lead_id, Kind::Staff, "input.leadId")?,
                partner_agreed: input.partner_agreed,
                expected_version: input.expected_version,
            };
            domain::early_help::allocate(&r.db, &r.services.bus, &r.ctx, a).await
        }
        .await;
        let (x, user_errors) = split(result)?;
        Ok(EarlyHelpReferralPayload { referral: x.map(EarlyHelpReferral), user_errors })
    }

    /// The lead starts the assessment of a referral allocated to them, pre-filled from the
    /// request: children, household, concerns, the child's views, consent and the hub's level.
    async fn start_early_help_assessment_from_referral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral and the start date.")] input: StartEarlyHelpAssessmentFromReferralInput,
    ) -> Result<StartFromReferralPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.referral_id, Kind::EarlyHelpReferral, "input.referralId")?;
            let on = input.started_on.map(|d| d.0).unwrap_or_else(|| Utc::now().date_naive());
            domain::early_help::start_from_referral(&r.db, &r.ctx, id, on).await
        }
        .await;
        let (x, user_errors) = split(result)?;
        let (assessment, referral) = match x {
            Some((a, f)) => (Some(EarlyHelpAssessment::from(a)), Some(EarlyHelpReferral(f))),
            None => (None, None),
        };
        Ok(StartFromReferralPayload { assessment, referral, user_errors })
    }
}
