//! Early help referrals: the queue the hub's `EARLY_HELP` decisions feed, allocation to a lead,
//! and starting the assessment pre-filled from the request.
use super::super::directory::Staff;
use super::*;
use crate::domain::early_help::ReferralStatus;
use entity::early_help_referral as ehr;

/// A referral to the early help service made by a hub decision. Early help managers allocate it
/// to a lead; the lead starts the assessment from it; the hub follows its status.
pub struct EarlyHelpReferral(pub ehr::Model);

#[Object]
impl EarlyHelpReferral {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpReferral, self.0.id)
    }
    async fn status(&self) -> ReferralStatus {
        ReferralStatus::from_code(&self.0.status).unwrap_or(ReferralStatus::AwaitingAllocation)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn allocated_at(&self) -> Option<DateTime<Utc>> {
        self.0.allocated_at
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
        status: Option<ReferralStatus>,
        first: i32,
        after: Option<String>,
    ) -> Result<Connection<String, EarlyHelpReferral>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::early_help::referrals(&r.db, &r.ctx, status, &page).await?;
        Ok(connection(page, |x| x.id, EarlyHelpReferral))
    }
}

#[derive(InputObject)]
pub struct AllocateEarlyHelpReferralInput {
    pub referral_id: ID,
    /// An early help practitioner, or a partner practitioner who has agreed to lead.
    pub lead_id: ID,
    /// Required (`true`) when the lead is a partner practitioner: they agreed to lead.
    #[graphql(default)]
    pub partner_agreed: bool,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct StartEarlyHelpAssessmentFromReferralInput {
    pub referral_id: ID,
    /// Defaults to today.
    pub started_on: Option<Date>,
}

#[derive(SimpleObject)]
pub struct EarlyHelpReferralPayload {
    pub referral: Option<EarlyHelpReferral>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct StartFromReferralPayload {
    pub assessment: Option<EarlyHelpAssessment>,
    pub referral: Option<EarlyHelpReferral>,
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
        input: AllocateEarlyHelpReferralInput,
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
        input: StartEarlyHelpAssessmentFromReferralInput,
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
