//! Requests for support: submission (and completing an early help step-up draft), the hub
//! queue, matching children and hub decisions. Types wrap stored rows; resolvers call
//! `domain::request`.
use super::neglect::NeglectScreening;
use super::{
    case::Case,
    child::{Relationship, Sex},
    directory::{Organisation, Staff},
    ids::{self, Kind},
    payload::{UserError, split},
    reference::Level,
    req,
    scalars::Date,
};
use crate::auth::policy::{self};
use crate::domain::{
    self,
    codes::{self, ConcernCategory},
    intake::{ConsentGivenBy, ConsentStatus, SafeguardingConsentReason},
    request::HubOutcome,
};
use crate::error::AppResult;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, connection::Connection};
use chrono::Utc;
use entity::enums::RequestStatus;
use entity::{hub_decision, request_child, request_for_support as rfs, request_household_member};

/// A request for support: what the referrer sent, where it is in the hub's queue, and the
/// decision. Referrers (and their organisation's safeguarding lead) see their own requests and
/// the outcome fed back, never the case or the child's other records.
pub struct RequestForSupport(pub Box<rfs::Model>);

impl From<rfs::Model> for RequestForSupport {
    fn from(m: rfs::Model) -> Self {
        RequestForSupport(Box::new(m))
    }
}

/// A request for support: what the referrer sent, where it is in the hub's queue, and the
/// decision. Referrers (and their organisation's safeguarding lead) see their own requests and
/// the outcome fed back, never the case or the child's other records.
#[Object]
impl RequestForSupport {
    /// The request's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RequestForSupport, self.0.id)
    }
    /// The human reference, e.g. `RFS-2026-000123`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Where the request is in its life: draft, received, decided or withdrawn.
    async fn status(&self) -> RequestStatus {
        self.0.status
    }
    /// A written request following a phone call to the MASH: top of the queue.
    async fn urgent(&self) -> bool {
        self.0.urgent
    }
    /// When the referrer telephoned the MASH about the child, for a written request that follows
    /// the call; `null` otherwise.
    async fn phone_contact_made_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.phone_contact_at.map(Into::into)
    }
    /// When the hub received the request (for a draft, when the draft was made).
    async fn received_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.received_at.into()
    }
    /// One working day from receipt (hub hours, bank holidays), fixed when received.
    async fn due_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.due_at.into()
    }
    /// Undecided and past its due time.
    async fn overdue(&self) -> bool {
        domain::request::overdue(&self.0, Utc::now())
    }
    /// The level of need the referrer sees.
    async fn referrer_level(&self) -> Level {
        self.0.referrer_level
    }
    /// The referrer's concerns, in their own words: at most 10,000 characters.
    async fn concerns(&self) -> &str {
        &self.0.concerns
    }
    /// The categories of concern the referrer chose.
    async fn concern_categories(&self) -> Vec<ConcernCategory> {
        codes::split(&self.0.concern_categories, ConcernCategory::from_code)
    }
    /// The support already in place for the child and family, if given: at most 5,000
    /// characters.
    async fn support_in_place(&self) -> Option<&str> {
        self.0.support_in_place.as_deref()
    }
    /// How the support already tried has gone, if given: at most 5,000 characters.
    async fn support_outcome(&self) -> Option<&str> {
        self.0.support_outcome.as_deref()
    }
    /// The child's own views, if given: at most 5,000 characters.
    async fn child_views(&self) -> Option<&str> {
        self.0.child_views.as_deref()
    }
    /// Whether the referrer talked the concerns over with their organisation's safeguarding lead
    /// before asking for support.
    async fn discussed_with_safeguarding_lead(&self) -> bool {
        self.0.discussed_with_safeguarding_lead
    }
    /// The name of the safeguarding lead the referrer talked to; `null` when they did not.
    async fn safeguarding_lead_name(&self) -> Option<&str> {
        self.0.safeguarding_lead_name.as_deref()
    }
    /// When the referrer talked to the safeguarding lead; `null` when they did not.
    async fn safeguarding_lead_consulted_on(&self) -> Option<Date> {
        self.0.safeguarding_lead_consulted_on.map(Date)
    }
    /// Whether the referrer called the professionals' advice line first.
    async fn advice_line_consulted(&self) -> bool {
        self.0.advice_line_consulted
    }
    /// Whether the parents or carers know about the request.
    async fn parents_aware(&self) -> bool {
        self.0.parents_aware
    }
    /// Why the parents or carers do not know about the request; `null` when they do.
    async fn parents_not_aware_reason(&self) -> Option<&str> {
        self.0.parents_not_aware_reason.as_deref()
    }
    /// Whether consent was given, by whom and for what, or why not.
    async fn consent(&self) -> Consent {
        let status = ConsentStatus::from_code(&self.0.consent_status).unwrap_or(ConsentStatus::NotSought);
        let safeguarding = status == ConsentStatus::NotRequiredSafeguarding;
        Consent {
            status,
            given_by: self.0.consent_given_by.as_deref().and_then(ConsentGivenBy::from_code),
            covers: self.0.consent_covers.clone(),
            reason: if safeguarding { None } else { self.0.consent_reason.clone() },
            safeguarding_reason: if safeguarding {
                self.0.consent_reason.as_deref().and_then(SafeguardingConsentReason::from_code)
            } else {
                None
            },
            date: self.0.consent_date.map(Date),
        }
    }
    /// The referrer asked that the family not be told who raised the concern.
    async fn anonymous_source(&self) -> bool {
        self.0.anonymous_source
    }
    /// The request's version: give it as `expectedVersion` when withdrawing, submitting or
    /// deciding the request, so that a change made meanwhile is not overwritten.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The children the request is about, as the referrer described them.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<RequestChild>> {
        Ok(req(ctx)?
            .loaders
            .request_children
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(RequestChild)
            .collect())
    }
    /// The parents, carers and other household members the referrer named.
    async fn household(&self, ctx: &Context<'_>) -> Result<Vec<RequestHouseholdMember>> {
        let rows = req(ctx)?.loaders.request_household.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(RequestHouseholdMember).collect())
    }
    /// The neglect screening attached to the request, if any (required for neglect at level 4).
    async fn neglect_screening(&self, ctx: &Context<'_>) -> Result<Option<NeglectScreening>> {
        match self.0.neglect_screening_id {
            Some(id) => Ok(req(ctx)?.loaders.screening.load_one(id).await?.map(NeglectScreening)),
            None => Ok(None),
        }
    }
    /// The hub's decision, once made.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<HubDecision>> {
        Ok(req(ctx)?.loaders.decision.load_one(self.0.id).await?.map(HubDecision))
    }
    /// The referral to early help an `EARLY_HELP` decision made, and where it is (the hub, the
    /// early help service and the lead).
    async fn early_help_referral(&self, ctx: &Context<'_>) -> Result<Option<super::early_help::EarlyHelpReferral>> {
        let found = req(ctx)?.loaders.referral_by_request.load_one(self.0.id).await?;
        Ok(found.map(super::early_help::EarlyHelpReferral))
    }
    /// The early help assessment this request stepped up from, for those who may read it: the
    /// lead, the hub, and the workers of a case the request is attached to (audited).
    async fn stepped_up_from(&self, ctx: &Context<'_>) -> Result<Option<super::early_help::EarlyHelpAssessment>> {
        let r = req(ctx)?;
        Ok(domain::early_help::stepped_up_from(&r.db, &r.ctx, self.0.id).await?.map(Into::into))
    }
    /// When the referrer withdrew it, and why.
    async fn withdrawn_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.withdrawn_at.map(Into::into)
    }
    /// Why the referrer withdrew the request; `null` unless it was withdrawn.
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawal_reason.as_deref()
    }
    /// The practitioner who made the request.
    async fn referrer(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        Ok(req(ctx)?.loaders.staff.load_one(self.0.referrer_id).await?.map(Staff))
    }
    /// The organisation the referrer works for.
    async fn referrer_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.referrer_org_id).await?.map(Organisation))
    }
}

/// Consent for a request for support: whether it was given, by whom and for what, or why not.
#[derive(SimpleObject)]
pub struct Consent {
    /// Where consent stands.
    pub status: ConsentStatus,
    /// Who gave consent, when it was given; otherwise `null`.
    pub given_by: Option<ConsentGivenBy>,
    /// Whose information the consent covers.
    pub covers: Option<String>,
    /// Why consent was refused or not sought.
    pub reason: Option<String>,
    /// Why consent was not needed, for `NOT_REQUIRED_SAFEGUARDING`; otherwise `null`.
    pub safeguarding_reason: Option<SafeguardingConsentReason>,
    /// The date of the consent decision, if recorded.
    pub date: Option<Date>,
}

/// A child as the referrer described them, and the record the hub matched them to.
pub struct RequestChild(pub request_child::Model);

/// A child as the referrer described them, and the record the hub matched them to.
#[Object]
impl RequestChild {
    /// The global ID of this child on the request (not the ID of a child record).
    pub async fn id(&self) -> ID {
        ids::encode(Kind::RequestChild, self.0.id)
    }
    /// The child's given (first) name, as the referrer gave it.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The child's family name (surname), as the referrer gave it.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// The child's date of birth; `null` for an unborn child.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// For an unborn child, the expected date of delivery; otherwise `null`.
    async fn expected_date_of_delivery(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    /// The child's sex.
    async fn sex(&self) -> Sex {
        self.0.sex
    }
    /// The child's address, if given.
    async fn address_line(&self) -> Option<&str> {
        self.0.address_line.as_deref()
    }
    /// The child's postcode, if given.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// The child's school or early years setting, if given.
    async fn school_or_setting(&self) -> Option<&str> {
        self.0.school_or_setting.as_deref()
    }
    /// Whether the hub has matched this child to a record (a referrer learns no more than that
    /// it has been dealt with).
    async fn matched(&self) -> bool {
        self.0.child_id.is_some()
    }
    /// The matched child record, for those who may see it.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<super::child::Child>> {
        match self.0.child_id {
            Some(id) => Ok(req(ctx)?.loaders.child.load_one(id).await?.map(super::child::Child)),
            None => Ok(None),
        }
    }
}

pub struct RequestHouseholdMember(pub request_household_member::Model);

/// A parent, carer or other member of the child's household, as the referrer named them.
#[Object]
impl RequestHouseholdMember {
    /// The person's given (first) name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The person's family name (surname).
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Relationship to the request's first child.
    async fn relationship(&self) -> Relationship {
        self.0.relationship
    }
    /// Whether the person holds parental responsibility for the child.
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    /// Whether the person lives with the child.
    async fn lives_with_child(&self) -> bool {
        self.0.lives_with_child
    }
}

/// The hub's decision. The referrer sees the outcome, date and feedback; the rationale and the
/// cases it opened are for the hub (and those who may see the cases).
pub struct HubDecision(pub hub_decision::Model);

/// The hub's decision. The referrer sees the outcome, date and feedback; the rationale and the
/// cases it opened are for the hub (and those who may see the cases).
#[Object]
impl HubDecision {
    /// What the hub decided.
    async fn outcome(&self) -> HubOutcome {
        HubOutcome::from_code(&self.0.outcome).unwrap_or(HubOutcome::NoFurtherAction)
    }
    /// The level of need the hub decided on.
    async fn decided_level(&self) -> Level {
        self.0.decided_level
    }
    /// When the decision was recorded.
    async fn decided_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.decided_at.into()
    }
    /// The referrer is told through this API when the decision is recorded.
    async fn referrer_informed_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.decided_at.into()
    }
    /// Decided after the request's due time.
    async fn late(&self) -> bool {
        self.0.late
    }
    /// Feedback written for the referrer.
    async fn feedback(&self) -> &str {
        &self.0.feedback
    }
    /// The hub's reasoning (hub only; `null` for others).
    async fn rationale(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(policy::may_read_decision_rationale(&req(ctx)?.ctx.principal).then_some(self.0.rationale.as_str()))
    }
    /// Cases the decision opened, for those who may see them.
    async fn cases(&self, ctx: &Context<'_>) -> Result<Vec<Case>> {
        let rows = req(ctx)?.loaders.cases_by_request.load_one(self.0.request_id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Case).collect())
    }
}

/// Narrows the list of requests for support; a field left out does not narrow it.
#[derive(InputObject, Default)]
pub struct RequestQueueFilter {
    /// Only requests with this status.
    pub status: Option<RequestStatus>,
    /// When `true`, only urgent requests (written follow-ups to a phone call to the MASH); when
    /// `false`, only the others.
    pub urgent: Option<bool>,
    /// When `true`, only requests still waiting for a decision after their due time; when
    /// `false`, only the others.
    pub overdue: Option<bool>,
}

#[derive(Default)]
pub struct RequestQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl RequestQuery {
    /// Requests for support: the hub's queue (urgent first, then by due time), a referrer's own,
    /// or a safeguarding lead's organisation's.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn requests_for_support(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which requests to list; leave out for all you may see.")] filter: Option<RequestQueueFilter>,
        #[graphql(desc = "How many requests to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, RequestForSupport>> {
        let r = req(ctx)?;
        let filter = filter.unwrap_or_default();
        let f = domain::request::QueueFilter { status: filter.status, urgent: filter.urgent, overdue: filter.overdue };
        let page = domain::request::list(&r.db, &r.ctx, f, first, after.as_deref()).await?;
        let mut c = Connection::new(page.has_previous, page.has_next);
        c.edges = page
            .items
            .into_iter()
            .map(|m| {
                async_graphql::connection::Edge::new(domain::request::queue_cursor(&m), RequestForSupport::from(m))
            })
            .collect();
        Ok(c)
    }

    /// One request by ID; `NOT_FOUND` when missing or not the caller's to see.
    async fn request_for_support(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's global ID.")] id: ID,
    ) -> Result<RequestForSupport> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::RequestForSupport, "id")?;
        Ok(domain::request::get(&r.db, &r.ctx, id).await?.into())
    }
}

/// A child the request is about, or an unborn child. Give a date of birth or, for an unborn
/// child, an expected date of delivery: one of the two, not both.
#[derive(InputObject)]
pub struct RequestChildInput {
    /// The child's given (first) name: required, at most 100 characters.
    pub given_name: String,
    /// The child's family name (surname): required, at most 100 characters.
    pub family_name: String,
    /// For a child already born. Never in the future.
    pub date_of_birth: Option<Date>,
    /// For an unborn child, instead of a date of birth: between a month ago and ten months
    /// ahead.
    pub expected_date_of_delivery: Option<Date>,
    /// The child's sex; `UNKNOWN` when it is not known, for example for an unborn child.
    pub sex: Sex,
    /// The child's address on one line, if known: at most 200 characters.
    pub address_line: Option<String>,
    /// The child's postcode, if known: at most 10 characters.
    pub postcode: Option<String>,
    /// The child's school or early years setting, if any: at most 200 characters.
    pub school_or_setting: Option<String>,
}

/// A parent, carer or other member of the child's household.
#[derive(InputObject)]
pub struct RequestHouseholdMemberInput {
    /// The person's given (first) name: required, at most 100 characters.
    pub given_name: String,
    /// The person's family name (surname): required, at most 100 characters.
    pub family_name: String,
    /// Relationship to the first child on the request.
    pub relationship: Relationship,
    /// Whether the person holds parental responsibility for the child.
    pub parental_responsibility: bool,
    /// Whether the person lives with the child.
    pub lives_with_child: bool,
}

/// Consent for the request and for sharing information: whether it was given, by whom and for
/// what, or why not.
#[derive(InputObject)]
pub struct ConsentInput {
    /// Where consent stands. Every status but `GIVEN` needs a reason.
    pub status: ConsentStatus,
    /// Required when consent was given.
    pub given_by: Option<ConsentGivenBy>,
    /// Whose information may be shared: at most 5,000 characters.
    pub covers: Option<String>,
    /// Required when consent was refused or not sought: at most 5,000 characters; line breaks
    /// are allowed.
    pub reason: Option<String>,
    /// Required for `NOT_REQUIRED_SAFEGUARDING`.
    pub safeguarding_reason: Option<SafeguardingConsentReason>,
    /// The date consent was given, refused or considered, if known; not in the future.
    pub date: Option<Date>,
}

/// A request for support to the Request for Support Hub. Not for a child at immediate risk of
/// significant harm: telephone the MASH on 01253 477299 first.
#[derive(InputObject)]
pub struct SubmitRequestForSupportInput {
    /// The children the request is about: at least 1, at most 10.
    pub children: Vec<RequestChildInput>,
    /// The parents, carers and other members of the child's household: at most 20. Leave out
    /// or empty when none is known.
    #[graphql(default)]
    pub household: Vec<RequestHouseholdMemberInput>,
    /// What worries you about the child, in your own words: required, at most 10,000
    /// characters; line breaks are allowed.
    pub concerns: String,
    /// The categories of concern: at least one. Repeats are ignored.
    pub concern_categories: Vec<ConcernCategory>,
    /// The support already in place for the child and family, if any: at most 5,000 characters.
    pub support_in_place: Option<String>,
    /// How the support already tried has gone, if any: at most 5,000 characters.
    pub support_outcome: Option<String>,
    /// The child's own views: at most 5,000 characters.
    pub child_views: Option<String>,
    /// The level of need the referrer sees.
    pub referrer_level: Level,
    /// Whether you talked your concerns over with your organisation's safeguarding lead. When
    /// true, give their name and the date.
    pub discussed_with_safeguarding_lead: bool,
    /// The safeguarding lead's name: required when `discussedWithSafeguardingLead` is true, at
    /// most 200 characters.
    pub safeguarding_lead_name: Option<String>,
    /// When you talked to the safeguarding lead: required when `discussedWithSafeguardingLead`
    /// is true; not in the future.
    pub safeguarding_lead_consulted_on: Option<Date>,
    /// Whether you called the professionals' advice line first. Defaults to false.
    #[graphql(default)]
    pub advice_line_consulted: bool,
    /// Whether the parents or carers know about this request. When false, say why.
    pub parents_aware: bool,
    /// Why the parents or carers do not know: required when `parentsAware` is false, at most
    /// 5,000 characters.
    pub parents_not_aware_reason: Option<String>,
    /// Consent for the request and for sharing information, or why there is none.
    pub consent: ConsentInput,
    /// Whether you ask that the family not be told who raised the concern. Defaults to false.
    #[graphql(default)]
    pub anonymous_source: bool,
    /// Is the child at immediate risk of significant harm? Then telephone the MASH first
    /// (01253 477299) and give the time of the call in `phoneContactMadeAt`.
    pub immediate_risk_of_significant_harm: bool,
    /// When the phone referral to the MASH was made, for a written follow-up (urgent); not in
    /// the future.
    pub phone_contact_made_at: Option<crate::graphql::scalars::DateTime>,
    /// A completed neglect screening (required for neglect at level 4: the Neglect Protocol).
    pub neglect_screening_id: Option<ID>,
    /// Retrying with the same key and the same content returns the first result. At most 100
    /// characters.
    pub idempotency_key: Option<String>,
}

/// The result of submitting or withdrawing a request for support: the request as stored, or
/// what to fix, and any guidance.
#[derive(SimpleObject)]
pub struct RequestForSupportPayload {
    /// The request as stored; `null` when it was refused.
    pub request: Option<RequestForSupport>,
    /// What to fix before trying again; empty when the request was accepted.
    pub user_errors: Vec<UserError>,
    /// Guidance about an accepted request (what the thresholds guidance expects); `[]` when none
    /// applies or nothing was accepted. Warnings never stop a request.
    pub warnings: Vec<IntakeWarning>,
}

/// Guidance about an accepted request for support.
#[derive(SimpleObject)]
pub struct IntakeWarning {
    /// Which expectation the request did not show.
    pub code: domain::request::IntakeWarningCode,
    /// What the guidance expects, in words a referrer can act on.
    pub message: String,
}

impl RequestForSupportPayload {
    /// The payload for a submission's outcome, with the guidance for an accepted request.
    fn of(request: Option<rfs::Model>, user_errors: Vec<UserError>) -> Self {
        let warnings = request
            .as_ref()
            .map(domain::request::intake_warnings)
            .unwrap_or_default()
            .into_iter()
            .map(|w| IntakeWarning { code: w.code, message: w.message.to_string() })
            .collect();
        RequestForSupportPayload { request: request.map(RequestForSupport::from), user_errors, warnings }
    }
}

/// Links a child named on a request to an existing child record.
#[derive(InputObject)]
pub struct MatchRequestChildInput {
    /// The child on the request (a `RequestChild` ID).
    pub request_child_id: ID,
    /// The child record to link them to (a `Child` ID).
    pub child_id: ID,
}

/// Creates a child record from what the referrer wrote about a child on a request.
#[derive(InputObject)]
pub struct CreateChildFromRequestInput {
    /// The child on the request (a `RequestChild` ID).
    pub request_child_id: ID,
    /// Child records listed as possible duplicates that the hub has checked are a different
    /// child (each is recorded). Every possible duplicate must be named, and nothing else.
    #[graphql(default)]
    pub confirmed_different_from: Vec<ID>,
}

/// The result of matching a child on a request to a record, or creating their record.
#[derive(SimpleObject)]
pub struct RequestChildPayload {
    /// The child on the request as it now is; `null` when the change was refused.
    pub request_child: Option<RequestChild>,
    /// With a `POSSIBLE_DUPLICATE` user error: the records that may be this child.
    pub possible_duplicates: Vec<super::child::Child>,
    /// What to fix before trying again; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

/// The hub's decision on a request for support.
#[derive(InputObject)]
pub struct RecordHubDecisionInput {
    /// The request decided (a `RequestForSupport` ID).
    pub request_id: ID,
    /// What the hub decided. An assessment or a strategy discussion opens a case for each child,
    /// and passing to the allocated worker needs an open case: for these, match every child on
    /// the request to a child record first.
    pub outcome: HubOutcome,
    /// The level of need the hub decided on.
    pub decided_level: Level,
    /// The hub's reasoning (kept from the referrer): required, at most 5,000 characters.
    pub rationale: String,
    /// What the referrer is told: required, at most 5,000 characters.
    pub feedback: String,
    /// The `version` of the request as last read.
    pub expected_version: i32,
    /// For an assessment or strategy discussion: the social-care team for the case. Required
    /// for those outcomes.
    pub team_id: Option<ID>,
    /// For an assessment or strategy discussion: the worker to allocate the cases to straight
    /// away (a `Staff` ID). Leave out to allocate later.
    pub allocated_worker_id: Option<ID>,
}

/// The result of recording a hub decision: the request and the decision as stored, or what to
/// fix.
#[derive(SimpleObject)]
pub struct HubDecisionPayload {
    /// The request as it now is; `null` when the decision was refused.
    pub request: Option<RequestForSupport>,
    /// The decision as stored; `null` when it was refused.
    pub decision: Option<HubDecision>,
    /// What to fix before trying again; empty when the decision was recorded.
    pub user_errors: Vec<UserError>,
}

fn submission(i: SubmitRequestForSupportInput) -> AppResult<domain::request::Submission> {
    use domain::intake::{ChildIn, ConsentIn, HouseholdIn};
    use domain::request::Submission;
    Ok(Submission {
        children: i
            .children
            .into_iter()
            .map(|c| ChildIn {
                given_name: c.given_name,
                family_name: c.family_name,
                date_of_birth: c.date_of_birth.map(|d| d.0),
                expected_date_of_delivery: c.expected_date_of_delivery.map(|d| d.0),
                sex: c.sex,
                address_line: c.address_line,
                postcode: c.postcode,
                school_or_setting: c.school_or_setting,
            })
            .collect(),
        household: i
            .household
            .into_iter()
            .map(|m| HouseholdIn {
                given_name: m.given_name,
                family_name: m.family_name,
                relationship: m.relationship,
                parental_responsibility: m.parental_responsibility,
                lives_with_child: m.lives_with_child,
            })
            .collect(),
        concerns: i.concerns,
        concern_categories: i.concern_categories,
        support_in_place: i.support_in_place,
        support_outcome: i.support_outcome,
        child_views: i.child_views,
        referrer_level: i.referrer_level,
        discussed_with_safeguarding_lead: i.discussed_with_safeguarding_lead,
        safeguarding_lead_name: i.safeguarding_lead_name,
        safeguarding_lead_consulted_on: i.safeguarding_lead_consulted_on.map(|d| d.0),
        advice_line_consulted: i.advice_line_consulted,
        parents_aware: i.parents_aware,
        parents_not_aware_reason: i.parents_not_aware_reason,
        consent: ConsentIn {
            status: i.consent.status,
            given_by: i.consent.given_by,
            covers: i.consent.covers,
            reason: i.consent.reason,
            safeguarding_reason: i.consent.safeguarding_reason,
            date: i.consent.date.map(|d| d.0),
        },
        anonymous_source: i.anonymous_source,
        immediate_risk_of_significant_harm: i.immediate_risk_of_significant_harm,
        phone_contact_made_at: i.phone_contact_made_at.map(|t| t.0),
        neglect_screening_id: i
            .neglect_screening_id
            .as_ref()
            .map(|id| ids::decode(id, Kind::NeglectScreening, "input.neglectScreeningId"))
            .transpose()?,
        idempotency_key: i.idempotency_key,
    })
}

/// Withdraws one's own request for support (or draft) before the hub decides it, with the
/// reason.
#[derive(InputObject)]
pub struct WithdrawRequestForSupportInput {
    /// The request to withdraw (a `RequestForSupport` ID).
    pub request_id: ID,
    /// The `version` of the request as last read.
    pub expected_version: i32,
    /// Why it is withdrawn (kept with the request): required, at most 5,000 characters.
    pub reason: String,
}

/// What the referrer confirms to submit a draft made by a step up. Fields marked "replaces"
/// keep the pre-filled text when left out.
#[derive(InputObject)]
pub struct SubmitDraftRequestForSupportInput {
    /// The draft to submit (a `RequestForSupport` ID).
    pub request_id: ID,
    /// The `version` of the draft as last read.
    pub expected_version: i32,
    /// Replaces the pre-filled concerns: at most 10,000 characters; line breaks are allowed.
    pub concerns: Option<String>,
    /// The categories of concern: at least one. Repeats are ignored.
    pub concern_categories: Vec<ConcernCategory>,
    /// Replaces the pre-filled support in place (the early help plan): at most 5,000
    /// characters.
    pub support_in_place: Option<String>,
    /// How the support already tried has gone: at most 5,000 characters. Replaces any
    /// pre-filled text.
    pub support_outcome: Option<String>,
    /// Replaces the pre-filled child's views (the voice of the child): at most 5,000
    /// characters.
    pub child_views: Option<String>,
    /// Replaces the pre-filled level (the assessment's).
    pub referrer_level: Option<Level>,
    /// Whether you talked your concerns over with your organisation's safeguarding lead. When
    /// true, give their name and the date.
    pub discussed_with_safeguarding_lead: bool,
    /// The safeguarding lead's name: required when `discussedWithSafeguardingLead` is true, at
    /// most 200 characters.
    pub safeguarding_lead_name: Option<String>,
    /// When you talked to the safeguarding lead: required when `discussedWithSafeguardingLead`
    /// is true; not in the future.
    pub safeguarding_lead_consulted_on: Option<Date>,
    /// Whether you called the professionals' advice line first. Defaults to false.
    #[graphql(default)]
    pub advice_line_consulted: bool,
    /// Whether the parents or carers know about this request. When false, say why.
    pub parents_aware: bool,
    /// Why the parents or carers do not know: required when `parentsAware` is false, at most
    /// 5,000 characters.
    pub parents_not_aware_reason: Option<String>,
    /// Whether you ask that the family not be told who raised the concern. Defaults to false.
    #[graphql(default)]
    pub anonymous_source: bool,
    /// Is the child at immediate risk of significant harm? Then telephone the MASH first
    /// (01253 477299) and give the time of the call in `phoneContactMadeAt`.
    pub immediate_risk_of_significant_harm: bool,
    /// When the phone referral to the MASH was made, for a written follow-up (urgent); not in
    /// the future.
    pub phone_contact_made_at: Option<crate::graphql::scalars::DateTime>,
    /// A completed neglect screening (required for neglect at level 4: the Neglect Protocol).
    pub neglect_screening_id: Option<ID>,
}

#[derive(Default)]
pub struct RequestMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl RequestMutation {
    /// Asks the Request for Support Hub for help. The referrer is the caller. A child at
    /// immediate risk of significant harm is refused here: telephone the MASH on 01253 477299.
    async fn submit_request_for_support(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request to submit.")] input: SubmitRequestForSupportInput,
    ) -> Result<RequestForSupportPayload> {
        let r = req(ctx)?;
        let result = match submission(input) {
            Ok(s) => domain::request::submit(&r.db, &r.services.rules, &r.ctx, s).await,
            Err(e) => Err(e),
        };
        let (request, user_errors) = split(result)?;
        Ok(RequestForSupportPayload::of(request, user_errors))
    }

    /// Links a child named on a request to an existing child record (hub workers).
    async fn match_request_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child on the request and the child record to link it to.")] input: MatchRequestChildInput,
    ) -> Result<RequestChildPayload> {
        let r = req(ctx)?;
        let result = async {
            let rc = ids::decode(&input.request_child_id, Kind::RequestChild, "input.requestChildId")?;
            let child = ids::decode(&input.child_id, Kind::Child, "input.childId")?;
            domain::request::match_child(&r.db, &r.ctx, rc, child).await
        }
        .await;
        let (rc, user_errors) = split(result)?;
        Ok(RequestChildPayload { request_child: rc.map(RequestChild), possible_duplicates: vec![], user_errors })
    }

    /// Creates a child record from what the referrer wrote, and links it (hub workers).
    async fn create_child_from_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child on the request, and any possible duplicates checked.")]
        input: CreateChildFromRequestInput,
    ) -> Result<RequestChildPayload> {
        let r = req(ctx)?;
        let result = async {
            let rc = ids::decode(&input.request_child_id, Kind::RequestChild, "input.requestChildId")?;
            let confirmed = input
                .confirmed_different_from
                .iter()
                .enumerate()
                .map(|(i, id)| ids::decode(id, Kind::Child, &format!("input.confirmedDifferentFrom.{i}")))
                .collect::<AppResult<Vec<_>>>()?;
            domain::request::create_child(&r.db, &r.ctx, rc, &confirmed).await
        }
        .await;
        let (rc, user_errors) = split(result)?;
        let mut possible_duplicates = vec![];
        if user_errors.iter().any(|e| e.code == crate::error::UserErrorCode::PossibleDuplicate)
            && let Some(id) = ids::decode_opt(&Some(input.request_child_id), Kind::RequestChild, "input")?
        {
            possible_duplicates = domain::request::request_child_duplicates(&r.db, &r.ctx, id)
                .await?
                .into_iter()
                .map(super::child::Child::from)
                .collect();
        }
        Ok(RequestChildPayload { request_child: rc.map(RequestChild), possible_duplicates, user_errors })
    }

    /// Records the hub's decision and the feedback for the referrer. An assessment (s17) or a
    /// strategy discussion (s47) opens a case for each child in the same transaction.
    async fn record_hub_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request, the decision and the request's version as last read.")]
        input: RecordHubDecisionInput,
    ) -> Result<HubDecisionPayload> {
        let r = req(ctx)?;
        let result = async {
            let d = domain::request::Decision {
                request_id: ids::decode(&input.request_id, Kind::RequestForSupport, "input.requestId")?,
                outcome: input.outcome,
                decided_level: input.decided_level,
                rationale: input.rationale,
                feedback: input.feedback,
                expected_version: input.expected_version,
                team_id: input.team_id.as_ref().map(|t| ids::decode(t, Kind::Team, "input.teamId")).transpose()?,
                allocated_worker_id: input
                    .allocated_worker_id
                    .as_ref()
                    .map(|w| ids::decode(w, Kind::Staff, "input.allocatedWorkerId"))
                    .transpose()?,
            };
            domain::request::decide(&r.db, &r.services.bus, &r.ctx, d).await
        }
        .await;
        let (pair, user_errors) = split(result)?;
        let (request, decision) = match pair {
            Some((a, b)) => (Some(RequestForSupport::from(a)), Some(HubDecision(b))),
            None => (None, None),
        };
        Ok(HubDecisionPayload { request, decision, user_errors })
    }

    /// Withdraws one's own request before the hub decides it (or a draft), with the reason. The
    /// hub and the organisation's safeguarding lead are alerted.
    async fn withdraw_request_for_support(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request, the reason and the request's version as last read.")]
        input: WithdrawRequestForSupportInput,
    ) -> Result<RequestForSupportPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.request_id, Kind::RequestForSupport, "input.requestId")?;
            domain::request::withdraw(&r.db, &r.services.bus, &r.ctx, id, input.expected_version, &input.reason).await
        }
        .await;
        let (request, user_errors) = split(result)?;
        Ok(RequestForSupportPayload { request: request.map(RequestForSupport::from), user_errors, warnings: vec![] })
    }

    /// Submits one's own draft request for support (made by a step up) through the same rules
    /// as `submitRequestForSupport`: the significant-harm route, consent, the Neglect Protocol.
    /// It then joins the hub's queue with a reference number and a due time.
    async fn submit_draft_request_for_support(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft, what to confirm or add, and the draft's version as last read.")]
        input: SubmitDraftRequestForSupportInput,
    ) -> Result<RequestForSupportPayload> {
        let r = req(ctx)?;
        let result = async {
            let d = domain::request::DraftCompletion {
                request_id: ids::decode(&input.request_id, Kind::RequestForSupport, "input.requestId")?,
                expected_version: input.expected_version,
                concerns: input.concerns,
                concern_categories: input.concern_categories,
                support_in_place: input.support_in_place,
                support_outcome: input.support_outcome,
                child_views: input.child_views,
                referrer_level: input.referrer_level,
                discussed_with_safeguarding_lead: input.discussed_with_safeguarding_lead,
                safeguarding_lead_name: input.safeguarding_lead_name,
                safeguarding_lead_consulted_on: input.safeguarding_lead_consulted_on.map(|d| d.0),
                advice_line_consulted: input.advice_line_consulted,
                parents_aware: input.parents_aware,
                parents_not_aware_reason: input.parents_not_aware_reason,
                anonymous_source: input.anonymous_source,
                immediate_risk_of_significant_harm: input.immediate_risk_of_significant_harm,
                phone_contact_made_at: input.phone_contact_made_at.map(|t| t.0),
                neglect_screening_id: ids::decode_opt(
                    &input.neglect_screening_id,
                    Kind::NeglectScreening,
                    "input.neglectScreeningId",
                )?,
            };
            domain::request::submit_draft(&r.db, &r.services.bus, &r.services.rules, &r.ctx, d).await
        }
        .await;
        let (request, user_errors) = split(result)?;
        Ok(RequestForSupportPayload::of(request, user_errors))
    }
}
