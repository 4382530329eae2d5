//! Early help: assessments, their people, strengths and needs, the plan, the team around the
//! family, meeting records, the history of changes, closure and step up, the aggregate summary,
//! and completing a step-up draft request. Resolvers call `domain::early_help` (and
//! `domain::request::submit_draft`); every list below an assessment goes through a loader that
//! applies the caller's scope.
use super::{
    child::{Child, Relationship, Sex},
    connection,
    directory::Organisation,
    ids::{self, Kind},
    payload::{UserError, split},
    reference::Level,
    req,
    request::{Consent, ConsentInput, RequestForSupport, RequestForSupportPayload},
    scalars::Date,
};
use crate::domain::{
    self,
    codes::ConcernCategory,
    early_help::{
        AssessmentDomain, ChangeSection, EarlyHelpClosureOutcome, EarlyHelpStatus, PlanActionStatus,
        ResilienceCompartment,
    },
    intake::{ChildIn, ConsentIn, HouseholdIn},
    page::PageArgs,
};
use crate::error::AppResult;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
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
        EarlyHelpStatus::from_code(&self.0.status).unwrap_or(EarlyHelpStatus::Assessment)
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
        self.0.level.into()
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
        (self.0.status == EarlyHelpStatus::Closed.code()).then(|| EarlyHelpClosure(self.0.clone()))
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
            Some(id) => Ok(req(ctx)?.loaders.eh_requests.load_one(id).await?.map(RequestForSupport::from)),
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
        self.0.sex.into()
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
    /// Whether a child record has been linked (partners learn no more than that).
    async fn linked(&self) -> bool {
        self.0.child_id.is_some()
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
        self.0.relationship.into()
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

/// A child on the assessment. On update, give `id` to keep an existing child.
#[derive(InputObject)]
pub struct EarlyHelpChildInput {
    pub id: Option<ID>,
    pub given_name: String,
    pub family_name: String,
    /// For a child already born. Never in the future.
    pub date_of_birth: Option<Date>,
    /// For an unborn child, instead of a date of birth.
    pub expected_date_of_delivery: Option<Date>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
}

/// A parent, carer or other household member. On update, give `id` to keep an existing one.
#[derive(InputObject)]
pub struct EarlyHelpHouseholdMemberInput {
    pub id: Option<ID>,
    pub given_name: String,
    pub family_name: String,
    /// Relationship to the assessment's first child.
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub lives_with_child: bool,
}

/// A strength or a need. On update, give `id` to keep an existing entry.
#[derive(InputObject)]
pub struct EarlyHelpFactorInput {
    pub id: Option<ID>,
    pub domain: AssessmentDomain,
    pub compartment: ResilienceCompartment,
    pub description: String,
    /// Optional 1–5 score.
    pub score: Option<i32>,
}

#[derive(InputObject)]
pub struct StartEarlyHelpAssessmentInput {
    /// At least one child.
    pub children: Vec<EarlyHelpChildInput>,
    #[graphql(default)]
    pub household: Vec<EarlyHelpHouseholdMemberInput>,
    pub consent: ConsentInput,
    /// Why the assessment is being started.
    pub reason: String,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    #[graphql(default)]
    pub strengths: Vec<EarlyHelpFactorInput>,
    #[graphql(default)]
    pub needs: Vec<EarlyHelpFactorInput>,
    pub level: Level,
    pub started_on: Date,
}

/// Fields left out stay as they are. A list replaces the whole list: entries with an `id` are
/// kept (and updated), entries without are added, entries left out are removed. A blank voice
/// clears it.
#[derive(InputObject)]
pub struct UpdateEarlyHelpAssessmentInput {
    pub assessment_id: ID,
    /// The `version` of the assessment as last read.
    pub expected_version: i32,
    pub reason: Option<String>,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    pub level: Option<Level>,
    pub consent: Option<ConsentInput>,
    /// Completing needs the voice of the child and of the family.
    pub completed_on: Option<Date>,
    pub children: Option<Vec<EarlyHelpChildInput>>,
    pub household: Option<Vec<EarlyHelpHouseholdMemberInput>>,
    pub strengths: Option<Vec<EarlyHelpFactorInput>>,
    pub needs: Option<Vec<EarlyHelpFactorInput>>,
}

/// Exactly one of: a practitioner (`staffId`), a household member of the assessment
/// (`householdMemberId`), or an external person (`name` and `organisation`).
#[derive(InputObject, Default)]
pub struct EarlyHelpPersonInput {
    pub staff_id: Option<ID>,
    pub household_member_id: Option<ID>,
    pub name: Option<String>,
    pub organisation: Option<String>,
}

#[derive(InputObject)]
pub struct EarlyHelpPlanActionInput {
    pub need: String,
    pub action: String,
    pub responsible: EarlyHelpPersonInput,
    pub intended_outcome: String,
    /// Not before the assessment started.
    pub target_date: Date,
    pub compartment: Option<ResilienceCompartment>,
    /// The family agreed this action.
    pub agreed_with_family: bool,
    #[graphql(default_with = "PlanActionStatus::NotStarted")]
    pub status: PlanActionStatus,
}

#[derive(InputObject)]
pub struct AddEarlyHelpPlanActionInput {
    pub assessment_id: ID,
    pub expected_version: i32,
    pub plan_action: EarlyHelpPlanActionInput,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateEarlyHelpPlanActionInput {
    pub action_id: ID,
    /// The `version` of the assessment as last read.
    pub expected_version: i32,
    pub need: Option<String>,
    pub action: Option<String>,
    pub responsible: Option<EarlyHelpPersonInput>,
    pub intended_outcome: Option<String>,
    pub target_date: Option<Date>,
    pub compartment: Option<ResilienceCompartment>,
    pub agreed_with_family: Option<bool>,
    pub status: Option<PlanActionStatus>,
}

#[derive(InputObject)]
pub struct MeetingAttendeeInput {
    pub person: EarlyHelpPersonInput,
    /// `false` for someone invited who did not attend.
    pub attended: bool,
}

#[derive(InputObject)]
pub struct PlanActionReviewInput {
    pub action_id: ID,
    pub progress: String,
    pub status: PlanActionStatus,
    /// A new target date, if the meeting moved it.
    pub target_date: Option<Date>,
}

#[derive(InputObject)]
pub struct RecordEarlyHelpMeetingInput {
    pub assessment_id: ID,
    pub expected_version: i32,
    pub held_on: Date,
    pub attendees: Vec<MeetingAttendeeInput>,
    pub child_views: Option<String>,
    pub family_views: Option<String>,
    /// One review for every open plan action.
    #[graphql(default)]
    pub action_reviews: Vec<PlanActionReviewInput>,
    /// Actions the meeting added to the plan.
    #[graphql(default)]
    pub new_actions: Vec<EarlyHelpPlanActionInput>,
    /// After the meeting and at most 3 months later.
    pub next_meeting_on: Option<Date>,
}

#[derive(InputObject)]
pub struct TeamAroundFamilyMemberInput {
    pub assessment_id: ID,
    pub expected_version: i32,
    /// A known practitioner's staff ID.
    pub staff_id: ID,
}

#[derive(InputObject)]
pub struct CloseEarlyHelpAssessmentInput {
    pub assessment_id: ID,
    pub expected_version: i32,
    pub outcome: EarlyHelpClosureOutcome,
    /// Required with open plan actions, and for a step up (the concern).
    pub reason: Option<String>,
    /// Defaults to today.
    pub closed_on: Option<Date>,
}

#[derive(InputObject)]
pub struct LinkEarlyHelpChildInput {
    pub assessment_child_id: ID,
    pub child_id: ID,
    pub expected_version: i32,
}

/// What the referrer confirms to submit a draft made by a step up. Fields marked "replaces"
/// keep the pre-filled text when left out.
#[derive(InputObject)]
pub struct SubmitDraftRequestForSupportInput {
    pub request_id: ID,
    pub expected_version: i32,
    /// Replaces the pre-filled concerns.
    pub concerns: Option<String>,
    pub concern_categories: Vec<ConcernCategory>,
    /// Replaces the pre-filled support in place (the early help plan).
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    /// Replaces the pre-filled child's views (the voice of the child).
    pub child_views: Option<String>,
    /// Replaces the pre-filled level (the assessment's).
    pub referrer_level: Option<Level>,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<Date>,
    #[graphql(default)]
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    #[graphql(default)]
    pub anonymous_source: bool,
    /// Is the child at immediate risk of significant harm? Then telephone the MASH first
    /// (01253 477299) and give the time of the call in `phoneContactMadeAt`.
    pub immediate_risk_of_significant_harm: bool,
    pub phone_contact_made_at: Option<DateTime<Utc>>,
    pub neglect_screening_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct EarlyHelpAssessmentPayload {
    pub assessment: Option<EarlyHelpAssessment>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct CloseEarlyHelpAssessmentPayload {
    pub assessment: Option<EarlyHelpAssessment>,
    /// For a step up: the draft request for support, pre-filled, for the lead to review and
    /// submit with `submitDraftRequestForSupport`.
    pub draft_request: Option<RequestForSupport>,
    pub user_errors: Vec<UserError>,
}

fn opt_id(id: &Option<ID>, kind: Kind, field: &str) -> AppResult<Option<Uuid>> {
    id.as_ref().map(|i| ids::decode(i, kind, field)).transpose()
}

fn child_in(c: EarlyHelpChildInput) -> ChildIn {
    ChildIn {
        given_name: c.given_name,
        family_name: c.family_name,
        date_of_birth: c.date_of_birth.map(|d| d.0),
        expected_date_of_delivery: c.expected_date_of_delivery.map(|d| d.0),
        sex: c.sex.into(),
        address_line: c.address_line,
        postcode: c.postcode,
        school_or_setting: c.school_or_setting,
    }
}

fn member_in(m: EarlyHelpHouseholdMemberInput) -> HouseholdIn {
    HouseholdIn {
        given_name: m.given_name,
        family_name: m.family_name,
        relationship: m.relationship.into(),
        parental_responsibility: m.parental_responsibility,
        lives_with_child: m.lives_with_child,
    }
}

fn consent_in(c: ConsentInput) -> ConsentIn {
    ConsentIn {
        status: c.status,
        given_by: c.given_by,
        covers: c.covers,
        reason: c.reason,
        safeguarding_reason: c.safeguarding_reason,
        date: c.date.map(|d| d.0),
    }
}

fn factors_in(list: Vec<EarlyHelpFactorInput>, field: &str) -> AppResult<Vec<domain::early_help::FactorIn>> {
    list.into_iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(domain::early_help::FactorIn {
                id: opt_id(&f.id, Kind::EarlyHelpFactor, &format!("{field}.{i}.id"))?,
                domain: f.domain,
                compartment: f.compartment,
                description: f.description,
                score: f.score,
            })
        })
        .collect()
}

fn person_in(p: EarlyHelpPersonInput, field: &str) -> AppResult<domain::early_help::PersonIn> {
    Ok(domain::early_help::PersonIn {
        staff_id: opt_id(&p.staff_id, Kind::Staff, &format!("{field}.staffId"))?,
        household_member_id: opt_id(
            &p.household_member_id,
            Kind::EarlyHelpHouseholdMember,
            &format!("{field}.householdMemberId"),
        )?,
        name: p.name,
        organisation: p.organisation,
    })
}

fn action_in(a: EarlyHelpPlanActionInput, field: &str) -> AppResult<domain::early_help::ActionIn> {
    Ok(domain::early_help::ActionIn {
        need: a.need,
        action: a.action,
        responsible: person_in(a.responsible, &format!("{field}.responsible"))?,
        intended_outcome: a.intended_outcome,
        target_date: a.target_date.0,
        compartment: a.compartment,
        agreed_with_family: a.agreed_with_family,
        status: a.status,
    })
}

fn assessment_payload(r: AppResult<eha::Model>) -> Result<EarlyHelpAssessmentPayload> {
    let (a, user_errors) = split(r)?;
    Ok(EarlyHelpAssessmentPayload { assessment: a.map(EarlyHelpAssessment::from), user_errors })
}

#[derive(Default)]
pub struct EarlyHelpMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl EarlyHelpMutation {
    /// Starts an early help assessment led by the caller (an early help or partner
    /// practitioner) for their organisation.
    async fn start_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        input: StartEarlyHelpAssessmentInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let s = domain::early_help::Start {
                children: input.children.into_iter().map(child_in).collect(),
                household: input.household.into_iter().map(member_in).collect(),
                consent: consent_in(input.consent),
                reason: input.reason,
                child_voice: input.child_voice,
                family_voice: input.family_voice,
                strengths: factors_in(input.strengths, "input.strengths")?,
                needs: factors_in(input.needs, "input.needs")?,
                level: input.level.into(),
                started_on: input.started_on.0,
            };
            domain::early_help::start(&r.db, &r.ctx, s).await
        }
        .await;
        assessment_payload(result)
    }

    /// Edits the assessment's sections (lead, or a team-around-the-family member while open).
    async fn update_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        input: UpdateEarlyHelpAssessmentInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let children = match input.children {
                Some(list) => Some(
                    list.into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            Ok((opt_id(&c.id, Kind::EarlyHelpChild, &format!("input.children.{i}.id"))?, child_in(c)))
                        })
                        .collect::<AppResult<Vec<_>>>()?,
                ),
                None => None,
            };
            let household = match input.household {
                Some(list) => Some(
                    list.into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            Ok((
                                opt_id(&m.id, Kind::EarlyHelpHouseholdMember, &format!("input.household.{i}.id"))?,
                                member_in(m),
                            ))
                        })
                        .collect::<AppResult<Vec<_>>>()?,
                ),
                None => None,
            };
            let u = domain::early_help::Update {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                reason: input.reason,
                child_voice: input.child_voice,
                family_voice: input.family_voice,
                level: input.level.map(Into::into),
                consent: input.consent.map(consent_in),
                completed_on: input.completed_on.map(|d| d.0),
                children,
                household,
                strengths: input.strengths.map(|l| factors_in(l, "input.strengths")).transpose()?,
                needs: input.needs.map(|l| factors_in(l, "input.needs")).transpose()?,
            };
            domain::early_help::update(&r.db, &r.ctx, u).await
        }
        .await;
        assessment_payload(result)
    }

    /// Adds an action to the co-produced plan. The first action agrees the plan and starts the
    /// review clock.
    async fn add_early_help_plan_action(
        &self,
        ctx: &Context<'_>,
        input: AddEarlyHelpPlanActionInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let a = action_in(input.plan_action, "input.planAction")?;
            domain::early_help::add_action(&r.db, &r.ctx, id, input.expected_version, a).await
        }
        .await;
        assessment_payload(result)
    }

    /// Edits a plan action (status, target date, who is responsible...).
    async fn update_early_help_plan_action(
        &self,
        ctx: &Context<'_>,
        input: UpdateEarlyHelpPlanActionInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let u = domain::early_help::ActionPatch {
                action_id: ids::decode(&input.action_id, Kind::EarlyHelpPlanAction, "input.actionId")?,
                expected_version: input.expected_version,
                need: input.need,
                action: input.action,
                responsible: input.responsible.map(|p| person_in(p, "input.responsible")).transpose()?,
                intended_outcome: input.intended_outcome,
                target_date: input.target_date.map(|d| d.0),
                compartment: input.compartment,
                agreed_with_family: input.agreed_with_family,
                status: input.status,
            };
            domain::early_help::update_action(&r.db, &r.ctx, u).await
        }
        .await;
        assessment_payload(result)
    }

    /// Records a team-around-the-family meeting: who attended (and who was invited but absent),
    /// the review of each open plan action, new actions, the views of the child and family,
    /// and the next meeting date.
    async fn record_early_help_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordEarlyHelpMeetingInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let m = domain::early_help::MeetingIn {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                held_on: input.held_on.0,
                attendees: input
                    .attendees
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| Ok((person_in(a.person, &format!("input.attendees.{i}.person"))?, a.attended)))
                    .collect::<AppResult<Vec<_>>>()?,
                child_views: input.child_views,
                family_views: input.family_views,
                reviews: input
                    .action_reviews
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        Ok(domain::early_help::ReviewIn {
                            action_id: ids::decode(
                                &v.action_id,
                                Kind::EarlyHelpPlanAction,
                                &format!("input.actionReviews.{i}.actionId"),
                            )?,
                            progress: v.progress,
                            status: v.status,
                            target_date: v.target_date.map(|d| d.0),
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?,
                new_actions: input
                    .new_actions
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| action_in(a, &format!("input.newActions.{i}")))
                    .collect::<AppResult<Vec<_>>>()?,
                next_meeting_on: input.next_meeting_on.map(|d| d.0),
            };
            domain::early_help::record_meeting(&r.db, &r.ctx, m).await
        }
        .await;
        assessment_payload(result)
    }

    /// Adds a known practitioner to the team around the family (the lead only).
    async fn add_team_around_family_member(
        &self,
        ctx: &Context<'_>,
        input: TeamAroundFamilyMemberInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let staff = ids::decode(&input.staff_id, Kind::Staff, "input.staffId")?;
            domain::early_help::add_member(&r.db, &r.ctx, id, input.expected_version, staff).await
        }
        .await;
        assessment_payload(result)
    }

    /// Ends a practitioner's membership of the team around the family (the lead only).
    async fn remove_team_around_family_member(
        &self,
        ctx: &Context<'_>,
        input: TeamAroundFamilyMemberInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let staff = ids::decode(&input.staff_id, Kind::Staff, "input.staffId")?;
            domain::early_help::remove_member(&r.db, &r.ctx, id, input.expected_version, staff).await
        }
        .await;
        assessment_payload(result)
    }

    /// Closes the assessment with its outcome (the lead only). A step up to social care returns
    /// a draft request for support pre-filled from the assessment.
    async fn close_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        input: CloseEarlyHelpAssessmentInput,
    ) -> Result<CloseEarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let c = domain::early_help::Closure {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                outcome: input.outcome,
                reason: input.reason,
                closed_on: input.closed_on.map(|d| d.0),
            };
            domain::early_help::close(&r.db, &r.ctx, c).await
        }
        .await;
        let (pair, user_errors) = split(result)?;
        let (assessment, draft) = match pair {
            Some((a, d)) => (Some(EarlyHelpAssessment::from(a)), d),
            None => (None, None),
        };
        let draft_request = match draft {
            Some(id) => r.loaders.eh_requests.load_one(id).await?.map(RequestForSupport::from),
            None => None,
        };
        Ok(CloseEarlyHelpAssessmentPayload { assessment, draft_request, user_errors })
    }

    /// Links a child on an assessment to a child record the caller may see (hub workers and
    /// social workers).
    async fn link_early_help_child(
        &self,
        ctx: &Context<'_>,
        input: LinkEarlyHelpChildInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let ehc = ids::decode(&input.assessment_child_id, Kind::EarlyHelpChild, "input.assessmentChildId")?;
            let child = ids::decode(&input.child_id, Kind::Child, "input.childId")?;
            domain::early_help::link_child(&r.db, &r.ctx, ehc, child, input.expected_version).await
        }
        .await;
        assessment_payload(result)
    }

    /// Submits one's own draft request for support (made by a step up) through the same rules
    /// as `submitRequestForSupport`: the significant-harm route, consent, the Neglect Protocol.
    /// It then joins the hub's queue with a reference number and a due time.
    async fn submit_draft_request_for_support(
        &self,
        ctx: &Context<'_>,
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
                referrer_level: input.referrer_level.map(Into::into),
                discussed_with_safeguarding_lead: input.discussed_with_safeguarding_lead,
                safeguarding_lead_name: input.safeguarding_lead_name,
                safeguarding_lead_consulted_on: input.safeguarding_lead_consulted_on.map(|d| d.0),
                advice_line_consulted: input.advice_line_consulted,
                parents_aware: input.parents_aware,
                parents_not_aware_reason: input.parents_not_aware_reason,
                anonymous_source: input.anonymous_source,
                immediate_risk_of_significant_harm: input.immediate_risk_of_significant_harm,
                phone_contact_made_at: input.phone_contact_made_at,
                neglect_screening_id: opt_id(
                    &input.neglect_screening_id,
                    Kind::NeglectScreening,
                    "input.neglectScreeningId",
                )?,
            };
            domain::request::submit_draft(&r.db, &r.ctx, d).await
        }
        .await;
        let (request, user_errors) = split(result)?;
        Ok(RequestForSupportPayload { request: request.map(RequestForSupport::from), user_errors })
    }
}
