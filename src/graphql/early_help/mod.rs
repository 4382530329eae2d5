//! Early help: the assessment and its rows as GraphQL types, the queries, and the aggregate
//! summary; the mutations live with their workflow (`edit`, `plan`, `team`, `meetings`,
//! `closure`), mirroring `domain::early_help`. Every list below an assessment goes through a
//! loader that applies the caller's scope.
use super::{
    child::{Child, Relationship, Sex},
    connection,
    directory::Organisation,
    ids::{self, Kind},
    payload::{UserError, split},
    reference::Level,
    req,
    request::{Consent, ConsentInput, RequestForSupport},
    scalars::Date,
};
use crate::domain::{
    self,
    early_help::{AssessmentDomain, ChangeSection, EarlyHelpClosureOutcome, PlanActionStatus, ResilienceCompartment},
    intake::{ChildIn, ConsentIn, HouseholdIn},
    page::PageArgs,
};
use crate::error::AppResult;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use entity::enums::EarlyHelpStatus;
use entity::{
    early_help_action_review as review, early_help_assessment as eha, early_help_change as change,
    early_help_child as ehc, early_help_factor as factor, early_help_household_member as member,
    early_help_meeting as meeting, early_help_meeting_attendee as attendee, early_help_plan_action as action,
    early_help_taf_member as taf, staff,
};
use sea_orm::prelude::Uuid;

/// A practitioner named on an assessment (lead, team member, responsible for an action,
/// attendee, author of a change). Whoever may read the assessment sees who works on it.
pub struct Practitioner(pub staff::Model);

#[Object]
impl Practitioner {
    /// The practitioner's staff ID (for `addTeamAroundFamilyMember` and plan actions).
    async fn id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.id)
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.organisation_id).await?.map(Organisation))
    }
}

async fn practitioner(ctx: &Context<'_>, assessment: Uuid, staff_id: Uuid) -> Result<Option<Practitioner>> {
    let people = req(ctx)?.loaders.eh_people.load_one(assessment).await?.unwrap_or_default();
    Ok(people.into_iter().find(|s| s.id == staff_id).map(Practitioner))
}

async fn household_member(ctx: &Context<'_>, assessment: Uuid, id: Uuid) -> Result<Option<EarlyHelpHouseholdMember>> {
    let rows = req(ctx)?.loaders.eh_household.load_one(assessment).await?.unwrap_or_default();
    Ok(rows.into_iter().find(|m| m.id == id).map(EarlyHelpHouseholdMember))
}

/// An early help assessment (the Early Help Assessment Form) with its plan, team around the
/// family and meeting records. Seen by the lead, team-around-the-family members while it is
/// open, the lead's safeguarding lead, early help managers, and hub workers and social workers
/// who may see one of its children.
pub struct EarlyHelpAssessment(pub Box<eha::Model>);

impl From<eha::Model> for EarlyHelpAssessment {
    fn from(m: eha::Model) -> Self {
        EarlyHelpAssessment(Box::new(m))
    }
}

/// How and when an assessment closed.
pub struct EarlyHelpClosure(Box<eha::Model>);

#[Object]
impl EarlyHelpClosure {
    async fn outcome(&self) -> Option<EarlyHelpClosureOutcome> {
        self.0.closure_outcome.as_deref().and_then(EarlyHelpClosureOutcome::from_code)
    }
    /// Why it closed (required with open plan actions, and for a step up).
    async fn reason(&self) -> Option<&str> {
        self.0.closure_reason.as_deref()
    }
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Date)
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    async fn closed_by(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        match self.0.closed_by {
            Some(s) => practitioner(ctx, self.0.id, s).await,
            None => Ok(None),
        }
    }
}

#[Object]
impl EarlyHelpAssessment {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpAssessment, self.0.id)
    }
    /// The human reference, e.g. `EHA-2026-000042`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn status(&self) -> EarlyHelpStatus {
        self.0.status
    }
    /// The lead practitioner (who started it).
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.id, self.0.lead_id).await
    }
    async fn lead_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.lead_org_id).await?.map(Organisation))
    }
    /// Why the assessment was started.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The voice of the child: wishes, feelings, lived experience.
    async fn child_voice(&self) -> Option<&str> {
        self.0.child_voice.as_deref()
    }
    /// The voice of the family.
    async fn family_voice(&self) -> Option<&str> {
        self.0.family_voice.as_deref()
    }
    async fn level(&self) -> Level {
        self.0.level
    }
    async fn consent(&self) -> Consent {
        let c = domain::intake::consent_from_columns(
            &self.0.consent_status,
            self.0.consent_given_by.as_deref(),
            self.0.consent_covers.as_deref(),
            self.0.consent_reason.as_deref(),
            self.0.consent_date,
        );
        Consent {
            status: c.status,
            given_by: c.given_by,
            covers: c.covers,
            reason: c.reason,
            safeguarding_reason: c.safeguarding_reason,
            date: c.date.map(Date),
        }
    }
    async fn started_on(&self) -> Date {
        Date(self.0.started_on)
    }
    async fn completed_on(&self) -> Option<Date> {
        self.0.completed_on.map(Date)
    }
    /// When the plan was first agreed (its first action).
    async fn plan_agreed_on(&self) -> Option<Date> {
        self.0.plan_agreed_on.map(Date)
    }
    /// When the plan's next review is due: 6 weeks after it was agreed, then at most 3 months
    /// after each review meeting (or the next meeting date it set).
    async fn next_review_due(&self) -> Option<Date> {
        self.0.next_review_due.map(Date)
    }
    /// Open and past its review date.
    async fn review_overdue(&self) -> bool {
        domain::early_help::review_overdue(&self.0, Utc::now().date_naive())
    }
    /// Set once closed.
    async fn closure(&self) -> Option<EarlyHelpClosure> {
        (self.0.status == EarlyHelpStatus::Closed).then(|| EarlyHelpClosure(self.0.clone()))
    }
    /// Send it back as `expectedVersion` with every edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpChild>> {
        let rows = req(ctx)?.loaders.eh_children.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpChild).collect())
    }
    /// Parents, carers and other household members (the additional child and family member
    /// sheet).
    async fn household(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpHouseholdMember>> {
        let rows = req(ctx)?.loaders.eh_household.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpHouseholdMember).collect())
    }
    async fn strengths(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpFactor>> {
        self.factors(ctx, domain::early_help::FactorKind::Strength).await
    }
    async fn needs(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpFactor>> {
        self.factors(ctx, domain::early_help::FactorKind::Need).await
    }
    /// The co-produced plan.
    async fn plan(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpPlanAction>> {
        let rows = req(ctx)?.loaders.eh_actions.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpPlanAction).collect())
    }
    /// The team around the family: current members and those whose membership ended.
    async fn team_around_family(&self, ctx: &Context<'_>) -> Result<Vec<TeamAroundFamilyMember>> {
        let rows = req(ctx)?.loaders.eh_members.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(TeamAroundFamilyMember).collect())
    }
    /// Meeting records, oldest first.
    async fn meetings(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpMeeting>> {
        let rows = req(ctx)?.loaders.eh_meetings.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpMeeting).collect())
    }
    /// Who changed what and when (field names only), oldest first.
    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpChange>> {
        let rows = req(ctx)?.loaders.eh_changes.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpChange).collect())
    }
    /// The request for support made by a step up, for those who may see it (while a draft,
    /// its author only).
    async fn step_up_request(&self, ctx: &Context<'_>) -> Result<Option<RequestForSupport>> {
        match self.0.step_up_request_id {
            Some(id) => Ok(req(ctx)?.loaders.request.load_one(id).await?.map(RequestForSupport::from)),
            None => Ok(None),
        }
    }
}

impl EarlyHelpAssessment {
    async fn factors(&self, ctx: &Context<'_>, kind: domain::early_help::FactorKind) -> Result<Vec<EarlyHelpFactor>> {
        let rows = req(ctx)?.loaders.eh_factors.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().filter(|f| f.kind == kind.code()).map(EarlyHelpFactor).collect())
    }
}

/// A child on an assessment as the lead described them; hub workers and social workers may
/// link the child record.
pub struct EarlyHelpChild(pub ehc::Model);

#[Object]
impl EarlyHelpChild {
    async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpChild, self.0.id)
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
    async fn expected_date_of_delivery(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    async fn sex(&self) -> Sex {
        self.0.sex
    }
    async fn address_line(&self) -> Option<&str> {
        self.0.address_line.as_deref()
    }
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    async fn school_or_setting(&self) -> Option<&str> {
        self.0.school_or_setting.as_deref()
    }
    /// Whether this child has been linked to a child record: `null` for callers who may not read
    /// child records (a partner never learns from an assessment that a child is known).
    async fn linked(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        Ok(crate::auth::policy::may_see_child_links(&req(ctx)?.ctx.principal).then_some(self.0.child_id.is_some()))
    }
    /// Why the child was linked to a record whose names or date of birth disagree; `null` when
    /// they agreed, and for callers who may not read child records.
    async fn link_override_reason(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let may = crate::auth::policy::may_see_child_links(&req(ctx)?.ctx.principal);
        Ok(self.0.link_override_reason.as_deref().filter(|_| may))
    }
    /// The linked child record, for those who may see it.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        match self.0.child_id {
            Some(id) => Ok(req(ctx)?.loaders.child.load_one(id).await?.map(Child)),
            None => Ok(None),
        }
    }
}

pub struct EarlyHelpHouseholdMember(pub member::Model);

#[Object]
impl EarlyHelpHouseholdMember {
    async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpHouseholdMember, self.0.id)
    }
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Relationship to the assessment's first child.
    async fn relationship(&self) -> Relationship {
        self.0.relationship
    }
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    async fn lives_with_child(&self) -> bool {
        self.0.lives_with_child
    }
}

/// A strength or a need, under an assessment domain and a resilience-framework compartment.
pub struct EarlyHelpFactor(pub factor::Model);

#[Object]
impl EarlyHelpFactor {
    async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpFactor, self.0.id)
    }
    async fn domain(&self) -> Option<AssessmentDomain> {
        AssessmentDomain::from_code(&self.0.domain)
    }
    async fn compartment(&self) -> Option<ResilienceCompartment> {
        ResilienceCompartment::from_code(&self.0.compartment)
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Optional 1–5 score.
    async fn score(&self) -> Option<i32> {
        self.0.score
    }
}

/// Someone on the plan or at a meeting: a practitioner, a household member, or an external
/// person with their organisation.
pub struct EarlyHelpPerson {
    assessment: Uuid,
    staff_id: Option<Uuid>,
    member_id: Option<Uuid>,
    name: Option<String>,
    organisation: Option<String>,
}

#[Object]
impl EarlyHelpPerson {
    async fn practitioner(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        match self.staff_id {
            Some(s) => practitioner(ctx, self.assessment, s).await,
            None => Ok(None),
        }
    }
    async fn household_member(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpHouseholdMember>> {
        match self.member_id {
            Some(m) => household_member(ctx, self.assessment, m).await,
            None => Ok(None),
        }
    }
    /// An external person's name.
    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The organisation given for the person.
    async fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }
}

/// A row of the co-produced plan.
pub struct EarlyHelpPlanAction(pub action::Model);

#[Object]
impl EarlyHelpPlanAction {
    async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpPlanAction, self.0.id)
    }
    async fn need(&self) -> &str {
        &self.0.need
    }
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Who does it (family members included).
    async fn responsible(&self) -> EarlyHelpPerson {
        EarlyHelpPerson {
            assessment: self.0.assessment_id,
            staff_id: self.0.responsible_staff_id,
            member_id: self.0.responsible_member_id,
            name: self.0.responsible_name.clone(),
            organisation: self.0.responsible_organisation.clone(),
        }
    }
    async fn intended_outcome(&self) -> &str {
        &self.0.intended_outcome
    }
    async fn target_date(&self) -> Date {
        Date(self.0.target_date)
    }
    async fn compartment(&self) -> Option<ResilienceCompartment> {
        self.0.compartment.as_deref().and_then(ResilienceCompartment::from_code)
    }
    async fn status(&self) -> PlanActionStatus {
        PlanActionStatus::from_code(&self.0.status).unwrap_or(PlanActionStatus::NotStarted)
    }
    /// Co-produced: the family agreed this action (R4).
    async fn agreed_with_family(&self) -> bool {
        self.0.agreed_with_family
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct TeamAroundFamilyMember(pub taf::Model);

#[Object]
impl TeamAroundFamilyMember {
    async fn practitioner(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.staff_id).await
    }
    async fn added_at(&self) -> DateTime<Utc> {
        self.0.added_at
    }
    async fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.0.removed_at
    }
    /// A member now (not removed).
    async fn current(&self) -> bool {
        self.0.removed_at.is_none()
    }
}

/// An early help (team around the family) meeting record.
pub struct EarlyHelpMeeting(pub meeting::Model);

#[Object]
impl EarlyHelpMeeting {
    async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpMeeting, self.0.id)
    }
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// Everyone invited, with whether they attended.
    async fn attendees(&self, ctx: &Context<'_>) -> Result<Vec<MeetingAttendee>> {
        let rows = req(ctx)?.loaders.eh_attendees.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(|a| MeetingAttendee(a, self.0.assessment_id)).collect())
    }
    /// The child's views at the meeting.
    async fn child_views(&self) -> Option<&str> {
        self.0.child_views.as_deref()
    }
    /// The family's views at the meeting.
    async fn family_views(&self) -> Option<&str> {
        self.0.family_views.as_deref()
    }
    /// The review of each plan action.
    async fn action_reviews(&self, ctx: &Context<'_>) -> Result<Vec<PlanActionReview>> {
        let rows = req(ctx)?.loaders.eh_reviews.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(|r| PlanActionReview(r, self.0.assessment_id)).collect())
    }
    async fn next_meeting_on(&self) -> Option<Date> {
        self.0.next_meeting_on.map(Date)
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.recorded_by).await
    }
}

pub struct MeetingAttendee(attendee::Model, Uuid);

#[Object]
impl MeetingAttendee {
    async fn person(&self) -> EarlyHelpPerson {
        EarlyHelpPerson {
            assessment: self.1,
            staff_id: self.0.staff_id,
            member_id: self.0.household_member_id,
            name: self.0.name.clone(),
            organisation: self.0.organisation.clone(),
        }
    }
    /// Attended, or invited but absent.
    async fn attended(&self) -> bool {
        self.0.attended
    }
}

pub struct PlanActionReview(review::Model, Uuid);

#[Object]
impl PlanActionReview {
    async fn action(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpPlanAction>> {
        let rows = req(ctx)?.loaders.eh_actions.load_one(self.1).await?.unwrap_or_default();
        Ok(rows.into_iter().find(|a| a.id == self.0.action_id).map(EarlyHelpPlanAction))
    }
    async fn progress(&self) -> &str {
        &self.0.progress
    }
    /// The status agreed at the meeting.
    async fn status(&self) -> PlanActionStatus {
        PlanActionStatus::from_code(&self.0.status).unwrap_or(PlanActionStatus::NotStarted)
    }
    /// The target date agreed at the meeting.
    async fn target_date(&self) -> Date {
        Date(self.0.target_date)
    }
}

/// One entry of the history: who, when, which section, which fields (never the values).
pub struct EarlyHelpChange(pub change::Model);

#[Object]
impl EarlyHelpChange {
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.actor_id).await
    }
    async fn section(&self) -> Option<ChangeSection> {
        ChangeSection::from_code(&self.0.section)
    }
    /// The names of the fields that changed.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

#[derive(SimpleObject)]
pub struct OutcomeCount {
    pub outcome: EarlyHelpClosureOutcome,
    pub count: i32,
}

/// Early help counts: no names, no dates of birth, no free text.
#[derive(SimpleObject)]
pub struct EarlyHelpSummary {
    pub open: i32,
    pub closed_by_outcome: Vec<OutcomeCount>,
    /// Open assessments past their review date.
    pub overdue_reviews: i32,
}

#[derive(InputObject, Default)]
pub struct EarlyHelpAssessmentFilter {
    pub status: Option<EarlyHelpStatus>,
    /// Open and past the review date: the overdue-review inbox.
    pub review_overdue: Option<bool>,
    /// Only the assessments the caller leads.
    pub led_by_me: Option<bool>,
}

#[derive(Default)]
pub struct EarlyHelpQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl EarlyHelpQuery {
    /// One early help assessment by ID; `NOT_FOUND` when missing or not the caller's to see.
    async fn early_help_assessment(&self, ctx: &Context<'_>, id: ID) -> Result<EarlyHelpAssessment> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::EarlyHelpAssessment, "id")?;
        Ok(domain::early_help::get(&r.db, &r.ctx, id).await?.into())
    }

    /// The early help assessments the caller may see, oldest first. `reviewOverdue: true` is the
    /// inbox of overdue reviews (the lead's own; every one for an early help manager).
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn early_help_assessments(
        &self,
        ctx: &Context<'_>,
        filter: Option<EarlyHelpAssessmentFilter>,
        first: i32,
        after: Option<String>,
    ) -> Result<Connection<String, EarlyHelpAssessment>> {
        let r = req(ctx)?;
        let f = filter.unwrap_or_default();
        let page = PageArgs::parse(first, after.as_deref())?;
        let f = domain::early_help::ListFilter {
            status: f.status,
            review_overdue: f.review_overdue,
            led_by_me: f.led_by_me,
        };
        let page = domain::early_help::list(&r.db, &r.ctx, f, &page).await?;
        Ok(connection(page, |a| a.id, EarlyHelpAssessment::from))
    }

    /// Counts for analysts and managers: open assessments, closures by outcome, overdue reviews.
    async fn early_help_summary(&self, ctx: &Context<'_>) -> Result<EarlyHelpSummary> {
        let r = req(ctx)?;
        let s = domain::early_help::summary(&r.db, &r.ctx).await?;
        let n = |v: u64| i32::try_from(v).unwrap_or(i32::MAX);
        Ok(EarlyHelpSummary {
            open: n(s.open),
            closed_by_outcome: s
                .closed_by_outcome
                .into_iter()
                .map(|(outcome, count)| OutcomeCount { outcome, count: n(count) })
                .collect(),
            overdue_reviews: n(s.overdue_reviews),
        })
    }
}

#[derive(SimpleObject)]
pub struct EarlyHelpAssessmentPayload {
    pub assessment: Option<EarlyHelpAssessment>,
    pub user_errors: Vec<UserError>,
}

fn assessment_payload(r: AppResult<eha::Model>) -> Result<EarlyHelpAssessmentPayload> {
    let (a, user_errors) = split(r)?;
    Ok(EarlyHelpAssessmentPayload { assessment: a.map(EarlyHelpAssessment::from), user_errors })
}

mod closure;
mod edit;
mod meetings;
mod plan;
mod referral;
mod team;
pub use self::{closure::*, edit::*, meetings::*, plan::*, referral::*, team::*};

/// Early help's mutations, one root object per workflow.
#[derive(async_graphql::MergedObject, Default)]
pub struct EarlyHelpMutation(
    edit::EditMutation,
    plan::PlanMutation,
    team::TeamMutation,
    meetings::MeetingMutation,
    closure::ClosureMutation,
    referral::ReferralMutation,
);
