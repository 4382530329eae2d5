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
use chrono::Utc;
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

/// A practitioner named on an early help assessment: the lead, a member of the team around the
/// family, the person responsible for a plan action, a meeting attendee or the author of a change.
#[Object]
impl Practitioner {
    /// The practitioner's global ID. Inputs that name a member of staff
    /// (`addTeamAroundFamilyMember`, plan actions) take it as well as `staffId`.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Practitioner, self.0.id)
    }
    /// The practitioner's staff record ID (`Staff.id`).
    async fn staff_id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.id)
    }
    /// The practitioner's name, as shown on forms and records.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// The organisation the practitioner works for.
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

/// How and when an early help assessment closed: the outcome, the reason, the closure date and who
/// closed it.
#[Object]
impl EarlyHelpClosure {
    /// How the assessment ended: needs met, step down to universal services, single agency, consent
    /// withdrawn, or step up to social care.
    async fn outcome(&self) -> Option<EarlyHelpClosureOutcome> {
        self.0.closure_outcome.as_deref().and_then(EarlyHelpClosureOutcome::from_code)
    }
    /// Why it closed (required with open plan actions, and for a step up). At most 5,000 characters.
    async fn reason(&self) -> Option<&str> {
        self.0.closure_reason.as_deref()
    }
    /// The date the assessment closed, as the lead practitioner gave it.
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Date)
    }
    /// When the closure was recorded.
    async fn closed_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// The lead practitioner who closed the assessment.
    async fn closed_by(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        match self.0.closed_by {
            Some(s) => practitioner(ctx, self.0.id, s).await,
            None => Ok(None),
        }
    }
}

/// An early help assessment (the Early Help Assessment Form) of one or more children and their
/// household, with its strengths and needs, co-produced plan, team around the family and meeting
/// records.
#[Object]
impl EarlyHelpAssessment {
    /// The assessment's ID, used to read and edit it.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpAssessment, self.0.id)
    }
    /// The human reference, e.g. `EHA-2026-000042`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Where the assessment is in its life: assessment, plan active or closed.
    async fn status(&self) -> EarlyHelpStatus {
        self.0.status
    }
    /// The lead practitioner (who started it).
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.id, self.0.lead_id).await
    }
    /// The lead practitioner's organisation, which the assessment belongs to.
    async fn lead_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.lead_org_id).await?.map(Organisation))
    }
    /// Why the assessment was started. At most 10,000 characters.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The voice of the child: wishes, feelings, lived experience. At most 5,000 characters.
    async fn child_voice(&self) -> Option<&str> {
        self.0.child_voice.as_deref()
    }
    /// The voice of the family. At most 5,000 characters.
    async fn family_voice(&self) -> Option<&str> {
        self.0.family_voice.as_deref()
    }
    /// The level of need the lead practitioner judges the family to be at.
    async fn level(&self) -> Level {
        self.0.level
    }
    /// The family's consent to the assessment and to sharing their information: who gave it, what
    /// it covers, and the reason when it was not given.
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
    /// The date the assessment started.
    async fn started_on(&self) -> Date {
        Date(self.0.started_on)
    }
    /// The date the assessment was completed; empty while it is still being done.
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
    /// When the assessment was recorded.
    async fn created_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When the assessment was last changed (any edit, including its plan, team and meetings).
    async fn updated_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.updated_at.into()
    }
    /// The children the assessment is about, in the order given: at least 1 and at most 10
    /// children.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpChild>> {
        let rows = req(ctx)?.loaders.eh_children.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpChild).collect())
    }
    /// Parents, carers and other household members (the additional child and family member
    /// sheet). At most 20 people.
    async fn household(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpHouseholdMember>> {
        let rows = req(ctx)?.loaders.eh_household.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpHouseholdMember).collect())
    }
    /// What is going well for the family, by assessment domain and resilience compartment. At most
    /// 50 strengths.
    async fn strengths(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpFactor>> {
        self.factors(ctx, domain::early_help::FactorKind::Strength).await
    }
    /// What the family needs help with, by assessment domain and resilience compartment. At most 50
    /// needs.
    async fn needs(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpFactor>> {
        self.factors(ctx, domain::early_help::FactorKind::Need).await
    }
    /// The co-produced plan. At most 100 actions.
    async fn plan(&self, ctx: &Context<'_>) -> Result<Vec<EarlyHelpPlanAction>> {
        let rows = req(ctx)?.loaders.eh_actions.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(EarlyHelpPlanAction).collect())
    }
    /// The team around the family: current members and those whose membership ended. At most 30
    /// current members.
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

/// A child on an early help assessment, as the lead practitioner described them. Hub workers and
/// social workers may link the child to a child record.
#[Object]
impl EarlyHelpChild {
    /// The ID of this child on the assessment (not a child record ID). Give it back to keep the
    /// child when editing the list of children, or to link the child to a record.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpChild, self.0.id)
    }
    /// The child's first name. At most 100 characters.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The child's last name (surname). At most 100 characters.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// The child's date of birth; empty for an unborn child.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// For an unborn child, the expected date of delivery; empty for a child already born.
    async fn expected_date_of_delivery(&self) -> Option<Date> {
        self.0.expected_delivery_date.map(Date)
    }
    /// The child's sex.
    async fn sex(&self) -> Sex {
        self.0.sex
    }
    /// The child's address, on one line. At most 200 characters.
    async fn address_line(&self) -> Option<&str> {
        self.0.address_line.as_deref()
    }
    /// The child's postcode. At most 10 characters.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// The school, nursery or other setting the child attends. At most 200 characters.
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

/// A parent, carer or other member of the household on an early help assessment (the additional
/// child and family member sheet).
#[Object]
impl EarlyHelpHouseholdMember {
    /// The ID of this household member on the assessment. Give it back to keep them when editing
    /// the household, or to name them on the plan or at a meeting.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpHouseholdMember, self.0.id)
    }
    /// The person's first name. At most 100 characters.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// The person's last name (surname). At most 100 characters.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Relationship to the assessment's first child.
    async fn relationship(&self) -> Relationship {
        self.0.relationship
    }
    /// Whether this person has parental responsibility for the child.
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    /// Whether this person lives with the child.
    async fn lives_with_child(&self) -> bool {
        self.0.lives_with_child
    }
}

/// A strength or a need, under an assessment domain and a resilience-framework compartment.
pub struct EarlyHelpFactor(pub factor::Model);

/// A strength or a need found by the assessment, under an Assessment Framework domain and a
/// resilience framework compartment.
#[Object]
impl EarlyHelpFactor {
    /// The ID of this strength or need. Give it back to keep it when editing the list.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpFactor, self.0.id)
    }
    /// The Assessment Framework domain it falls under: the child's developmental needs, parenting
    /// capacity, or family and environmental factors.
    async fn domain(&self) -> Option<AssessmentDomain> {
        AssessmentDomain::from_code(&self.0.domain)
    }
    /// The resilience framework compartment it falls under: basics, belonging, learning, coping or
    /// core self.
    async fn compartment(&self) -> Option<ResilienceCompartment> {
        ResilienceCompartment::from_code(&self.0.compartment)
    }
    /// The strength or need, in words. At most 2,000 characters.
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

/// Someone on the plan or at a meeting: a practitioner, a household member, or an external person
/// with their organisation. Only one of `practitioner`, `householdMember` and `name` is given.
#[Object]
impl EarlyHelpPerson {
    /// The practitioner, when the person is a practitioner known to the service.
    async fn practitioner(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        match self.staff_id {
            Some(s) => practitioner(ctx, self.assessment, s).await,
            None => Ok(None),
        }
    }
    /// The household member, when the person is one of the family on the assessment.
    async fn household_member(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpHouseholdMember>> {
        match self.member_id {
            Some(m) => household_member(ctx, self.assessment, m).await,
            None => Ok(None),
        }
    }
    /// An external person's name. At most 200 characters.
    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The organisation given for the person. At most 200 characters.
    async fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }
}

/// A row of the co-produced plan.
pub struct EarlyHelpPlanAction(pub action::Model);

/// A row of the co-produced plan: the need, the action, who is responsible, the intended outcome
/// and the target date.
#[Object]
impl EarlyHelpPlanAction {
    /// The plan action's ID, used to edit it or review it at a meeting.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpPlanAction, self.0.id)
    }
    /// The need this action addresses. At most 2,000 characters.
    async fn need(&self) -> &str {
        &self.0.need
    }
    /// What will be done. At most 2,000 characters.
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
    /// What should be different for the child or family once the action is done. At most 2,000
    /// characters.
    async fn intended_outcome(&self) -> &str {
        &self.0.intended_outcome
    }
    /// The date by which the action should be done; never before the assessment started.
    async fn target_date(&self) -> Date {
        Date(self.0.target_date)
    }
    /// The resilience framework compartment the action builds on, if one was given.
    async fn compartment(&self) -> Option<ResilienceCompartment> {
        self.0.compartment.as_deref().and_then(ResilienceCompartment::from_code)
    }
    /// Where the action stands: not started, in progress, done or not done.
    async fn status(&self) -> PlanActionStatus {
        PlanActionStatus::from_code(&self.0.status).unwrap_or(PlanActionStatus::NotStarted)
    }
    /// Co-produced: the family agreed this action (R4).
    async fn agreed_with_family(&self) -> bool {
        self.0.agreed_with_family
    }
    /// When the action was added to the plan.
    async fn created_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When the action last changed.
    async fn updated_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.updated_at.into()
    }
}

pub struct TeamAroundFamilyMember(pub taf::Model);

/// A practitioner's membership of the team around the family. Current members may read the
/// assessment and contribute to it while it is open.
#[Object]
impl TeamAroundFamilyMember {
    /// The practitioner who is, or was, a member.
    async fn practitioner(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.staff_id).await
    }
    /// When the practitioner joined the team.
    async fn added_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.added_at.into()
    }
    /// When the membership ended; empty for a current member.
    async fn removed_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.removed_at.map(Into::into)
    }
    /// A member now (not removed).
    async fn current(&self) -> bool {
        self.0.removed_at.is_none()
    }
}

/// An early help (team around the family) meeting record.
pub struct EarlyHelpMeeting(pub meeting::Model);

/// A team around the family meeting record (the Early Help Meeting Record): who attended, the views
/// of the child and family, the review of the plan and the next meeting date.
#[Object]
impl EarlyHelpMeeting {
    /// The meeting record's ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EarlyHelpMeeting, self.0.id)
    }
    /// The date the meeting was held.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// Everyone invited, with whether they attended. At most 50 people.
    async fn attendees(&self, ctx: &Context<'_>) -> Result<Vec<MeetingAttendee>> {
        let rows = req(ctx)?.loaders.eh_attendees.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(|a| MeetingAttendee(a, self.0.assessment_id)).collect())
    }
    /// The child's views at the meeting. At most 5,000 characters.
    async fn child_views(&self) -> Option<&str> {
        self.0.child_views.as_deref()
    }
    /// The family's views at the meeting. At most 5,000 characters.
    async fn family_views(&self) -> Option<&str> {
        self.0.family_views.as_deref()
    }
    /// The review of each plan action.
    async fn action_reviews(&self, ctx: &Context<'_>) -> Result<Vec<PlanActionReview>> {
        let rows = req(ctx)?.loaders.eh_reviews.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(|r| PlanActionReview(r, self.0.assessment_id)).collect())
    }
    /// The date of the next meeting: after this one and at most 3 months later.
    async fn next_meeting_on(&self) -> Option<Date> {
        self.0.next_meeting_on.map(Date)
    }
    /// When the meeting record was saved.
    async fn recorded_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.recorded_at.into()
    }
    /// The practitioner who recorded the meeting.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.recorded_by).await
    }
}

pub struct MeetingAttendee(attendee::Model, Uuid);

/// Someone invited to a team around the family meeting, with whether they attended.
#[Object]
impl MeetingAttendee {
    /// Who was invited: a practitioner, a household member or an external person.
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

/// The review of one plan action at a team around the family meeting: the progress made, and the
/// status and target date agreed.
#[Object]
impl PlanActionReview {
    /// The plan action reviewed.
    async fn action(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpPlanAction>> {
        let rows = req(ctx)?.loaders.eh_actions.load_one(self.1).await?.unwrap_or_default();
        Ok(rows.into_iter().find(|a| a.id == self.0.action_id).map(EarlyHelpPlanAction))
    }
    /// The progress made on the action, as discussed at the meeting. At most 5,000 characters.
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

/// One entry of an assessment's history: who changed it, when, which section and which fields
/// (never the values).
#[Object]
impl EarlyHelpChange {
    /// When the change was made.
    async fn at(&self) -> crate::graphql::scalars::DateTime {
        self.0.at.into()
    }
    /// The practitioner who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Practitioner>> {
        practitioner(ctx, self.0.assessment_id, self.0.actor_id).await
    }
    /// The part of the assessment that changed.
    async fn section(&self) -> Option<ChangeSection> {
        ChangeSection::from_code(&self.0.section)
    }
    /// The names of the fields that changed.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// How many closed early help assessments ended with one closure outcome.
#[derive(SimpleObject)]
pub struct OutcomeCount {
    /// The closure outcome.
    pub outcome: EarlyHelpClosureOutcome,
    /// How many closed assessments ended with this outcome.
    pub count: i32,
}

/// Early help counts: no names, no dates of birth, no free text.
#[derive(SimpleObject)]
pub struct EarlyHelpSummary {
    /// How many early help assessments are open (not closed).
    pub open: i32,
    /// How many assessments have closed with each outcome, every outcome listed.
    pub closed_by_outcome: Vec<OutcomeCount>,
    /// Open assessments past their review date.
    pub overdue_reviews: i32,
}

/// Which early help assessments to list. A field left out does not filter.
#[derive(InputObject, Default)]
pub struct EarlyHelpAssessmentFilter {
    /// Only assessments with this status.
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
    async fn early_help_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment's ID.")] id: ID,
    ) -> Result<EarlyHelpAssessment> {
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
        #[graphql(desc = "Which assessments to list; leave out for all.")] filter: Option<EarlyHelpAssessmentFilter>,
        #[graphql(desc = "How many assessments to return: 1 to 100.")] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page; leave out for the first page.")] after: Option<String>,
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

/// The result of a change to an early help assessment: the assessment as it now stands, or the
/// problems with the input.
#[derive(SimpleObject)]
pub struct EarlyHelpAssessmentPayload {
    /// The assessment after the change; empty when the change was refused.
    pub assessment: Option<EarlyHelpAssessment>,
    /// What is wrong with the input, field by field; empty when the change was made.
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
