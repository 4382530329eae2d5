//! Early help (docs/domain.md §4): assessments led by a partner or early help practitioner with the
//! whole household, consent as a state, the voices of the child and the family, strengths and
//! needs on the resilience framework, a co-produced plan, the team around the family (TAF),
//! meeting records that review the plan, the review cadence, and closure with step down or step
//! up (a draft request for support pre-filled from the assessment).
//!
//! Every edit carries the version it read (one version for the assessment and all its rows), is
//! one transaction with its audit row, and writes a history row naming the fields it changed,
//! never their values (they are personal data).
use super::intake::{
    self, ChildIn, ConsentIn, HouseholdIn, LONG_TEXT_MAX, MAX_CHILDREN, MAX_HOUSEHOLD, SHORT_TEXT_MAX, TEXT_MAX,
};
use super::page::{Page, PageArgs};
use super::request;
use super::validate::{self, Checks};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use entity::code_enum;
use entity::{
    early_help_action_review as review, early_help_assessment as eha, early_help_change as change,
    early_help_child as ehc, early_help_factor as factor, early_help_household_member as member,
    early_help_meeting as meeting, early_help_meeting_attendee as attendee, early_help_plan_action as action,
    early_help_taf_member as taf,
    enums::{AuditAction, AuditOutcome, EarlyHelpStatus, Level},
    request_for_support as rfs, staff,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
    prelude::Uuid,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};
use std::collections::{HashMap, HashSet};

/// Strengths (and, separately, needs) one assessment may hold.
pub const MAX_FACTORS: usize = 50;
pub const MAX_PLAN_ACTIONS: usize = 100;
pub const MAX_ATTENDEES: usize = 50;
pub const MAX_TAF_MEMBERS: usize = 30;
/// A strength, a need, or a plan row's need, action or intended outcome.
pub const ITEM_MAX: usize = 2_000;

/// How often the plan is reviewed (docs/domain.md §4.4). Blackpool's own cadence is unverified, so
/// it is configuration, not a rule in code: pass another value to the functions that take one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewCadence {
    /// The first review is due this many days after the plan is first agreed.
    pub first_review_days: u64,
    /// Later reviews are at most this many calendar months apart (clamped to month ends).
    pub later_review_months: u32,
}

/// The cadence in force: first review within 6 weeks of the plan, later ones at most 3 months
/// apart (a comparator area's, [S16]).
pub const REVIEW_CADENCE: ReviewCadence = ReviewCadence { first_review_days: 42, later_review_months: 3 };

code_enum! {
    /// The three Assessment Framework domains (docs/domain.md §4.1).
    AssessmentDomain {
        /// The child's developmental needs: health, education, emotional development, identity,
        /// relationships and self-care.
        ChildDevelopmentalNeeds = "CHILD_DEVELOPMENTAL_NEEDS",
        /// Parenting capacity: basic care, safety, warmth, stimulation, guidance and stability.
        ParentingCapacity = "PARENTING_CAPACITY",
        /// Family and environmental factors: family history and functioning, wider family, housing,
        /// work, income, social integration and community resources.
        FamilyAndEnvironmentalFactors = "FAMILY_AND_ENVIRONMENTAL_FACTORS",
    }
}

code_enum! {
    /// The five compartments of the Boingboing Resilience Framework (Resilient Therapy, R5).
    ResilienceCompartment {
        /// Basics: a good enough home, enough money, food, being safe, access and transport,
        /// exercise, sleep and play.
        Basics = "BASICS",
        /// Belonging: good relationships, people to count on, a sense of place and
        /// responsibilities.
        Belonging = "BELONGING",
        /// Learning: school or college, skills and talents, and plans for the future.
        Learning = "LEARNING",
        /// Coping: understanding boundaries, solving problems, calming down and staying hopeful.
        Coping = "COPING",
        /// Core self: hope, self-understanding, responsibility for oneself and confidence.
        CoreSelf = "CORE_SELF",
    }
}

code_enum! {
    FactorKind { Strength = "STRENGTH", Need = "NEED" }
}

code_enum! {
    /// Where a plan action stands. Actions not started or in progress are open: each is reviewed at
    /// every meeting, and closing the assessment while any is open needs a reason.
    PlanActionStatus {
        /// Agreed but not started yet.
        NotStarted = "NOT_STARTED",
        /// Being worked on.
        InProgress = "IN_PROGRESS",
        /// Done.
        Done = "DONE",
        /// Not done, and no longer being worked on.
        NotDone = "NOT_DONE",
    }
}

impl PlanActionStatus {
    /// Still to be done: reviewed at every meeting, and a reason is needed to close with it.
    pub fn is_open(self) -> bool {
        matches!(self, PlanActionStatus::NotStarted | PlanActionStatus::InProgress)
    }
}

code_enum! {
    /// How an assessment ends (docs/domain.md §4.5).
    EarlyHelpClosureOutcome {
        /// Needs met.
        NeedsMet = "NEEDS_MET",
        /// Step down to universal services.
        StepDownToUniversal = "STEP_DOWN_TO_UNIVERSAL",
        /// The remaining actions can be done by one agency.
        SingleAgency = "SINGLE_AGENCY",
        /// The family withdrew consent (consider whether the concerns meet level 4).
        ConsentWithdrawn = "CONSENT_WITHDRAWN",
        /// Social care takes the lead: a draft request for support is made from the assessment.
        StepUpToSocialCare = "STEP_UP_TO_SOCIAL_CARE",
    }
}

code_enum! {
    /// The part of an assessment a change touched.
    ChangeSection {
        /// Children and household.
        People = "PEOPLE",
        /// The family's consent.
        Consent = "CONSENT",
        /// Reason, voices, level of need, dates.
        Assessment = "ASSESSMENT",
        /// Strengths and needs.
        Analysis = "ANALYSIS",
        /// The plan and its actions.
        Plan = "PLAN",
        /// Team around the family.
        Team = "TEAM",
        /// A meeting record.
        Meeting = "MEETING",
        /// The closure of the assessment.
        Closure = "CLOSURE",
        /// A child linked to a child record.
        ChildLink = "CHILD_LINK",
    }
}

/// When the next review is due: `first_review_days` after the plan was first agreed until a
/// meeting after that day reviews it; then the next meeting date set at the latest meeting, at
/// most `later_review_months` after it. `None` while there is no plan.
pub fn next_review_due(
    plan_agreed_on: Option<NaiveDate>,
    latest_meeting: Option<(NaiveDate, Option<NaiveDate>)>,
    cadence: ReviewCadence,
) -> Option<NaiveDate> {
    let plan = plan_agreed_on?;
    match latest_meeting.filter(|(held, _)| *held > plan) {
        Some((held, next)) => {
            let limit = latest_next_meeting(held, cadence)?;
            Some(next.map_or(limit, |n| Ord::min(n, limit)))
        }
        None => plan.checked_add_days(Days::new(cadence.first_review_days)),
    }
}

/// The latest date the meeting after one held on `held` may be.
pub fn latest_next_meeting(held: NaiveDate, cadence: ReviewCadence) -> Option<NaiveDate> {
    held.checked_add_months(Months::new(cadence.later_review_months))
}

/// An open assessment whose review date has passed.
pub fn review_overdue(a: &eha::Model, today: NaiveDate) -> bool {
    a.status != EarlyHelpStatus::Closed && a.next_review_due.is_some_and(|d| d < today)
}

/// A strength or need as entered; `id` keeps an existing entry on update.
#[derive(Debug, Clone)]
pub struct FactorIn {
    pub id: Option<Uuid>,
    pub domain: AssessmentDomain,
    pub compartment: ResilienceCompartment,
    pub description: String,
    /// Optional 1–5 score.
    pub score: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Start {
    pub children: Vec<ChildIn>,
    pub household: Vec<HouseholdIn>,
    pub consent: ConsentIn,
    pub reason: String,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    pub strengths: Vec<FactorIn>,
    pub needs: Vec<FactorIn>,
    pub level: Level,
    pub started_on: NaiveDate,
}

/// An edit of an assessment's sections. `None` leaves a field as it is; a list replaces the
/// whole list (entries with an `id` are kept and updated, those without are added, those left
/// out are removed); a blank voice clears it.
#[derive(Debug, Clone, Default)]
pub struct Update {
    pub assessment_id: Uuid,
    pub expected_version: i32,
    pub reason: Option<String>,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    pub level: Option<Level>,
    pub consent: Option<ConsentIn>,
    pub completed_on: Option<NaiveDate>,
    pub children: Option<Vec<(Option<Uuid>, ChildIn)>>,
    pub household: Option<Vec<(Option<Uuid>, HouseholdIn)>>,
    pub strengths: Option<Vec<FactorIn>>,
    pub needs: Option<Vec<FactorIn>>,
}

/// A person on the plan or at a meeting: a practitioner, a household member of the assessment,
/// or someone external named with their organisation. Exactly one of the three.
#[derive(Debug, Clone, Default)]
pub struct PersonIn {
    pub staff_id: Option<Uuid>,
    pub household_member_id: Option<Uuid>,
    pub name: Option<String>,
    pub organisation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ActionIn {
    pub need: String,
    pub action: String,
    pub responsible: PersonIn,
    pub intended_outcome: String,
    pub target_date: NaiveDate,
    pub compartment: Option<ResilienceCompartment>,
    pub agreed_with_family: bool,
    pub status: PlanActionStatus,
}

#[derive(Debug, Clone, Default)]
pub struct ActionPatch {
    pub action_id: Uuid,
    pub expected_version: i32,
    pub need: Option<String>,
    pub action: Option<String>,
    pub responsible: Option<PersonIn>,
    pub intended_outcome: Option<String>,
    pub target_date: Option<NaiveDate>,
    pub compartment: Option<ResilienceCompartment>,
    pub agreed_with_family: Option<bool>,
    pub status: Option<PlanActionStatus>,
}

#[derive(Debug, Clone)]
pub struct ReviewIn {
    pub action_id: Uuid,
    pub progress: String,
    pub status: PlanActionStatus,
    /// A new target date, if the meeting moved it.
    pub target_date: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct MeetingIn {
    pub assessment_id: Uuid,
    pub expected_version: i32,
    pub held_on: NaiveDate,
    /// Everyone invited, and whether they attended.
    pub attendees: Vec<(PersonIn, bool)>,
    pub child_views: Option<String>,
    pub family_views: Option<String>,
    pub reviews: Vec<ReviewIn>,
    pub new_actions: Vec<ActionIn>,
    pub next_meeting_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Closure {
    pub assessment_id: Uuid,
    pub expected_version: i32,
    pub outcome: EarlyHelpClosureOutcome,
    pub reason: Option<String>,
    pub closed_on: Option<NaiveDate>,
}

fn err(field: &str, code: UserErrorCode, message: impl Into<String>) -> AppError {
    AppError::invalid(field, code, message)
}

fn stale() -> AppError {
    err("input.expectedVersion", UserErrorCode::Conflict, "the assessment has changed since you read it")
}

/// The assessment the caller may edit under `scope`; `named` says which input identified it. Missing and out of scope look the same (and are audited); a closed assessment and a
/// stale version are refused.
/// How a command named what it edits: the input field, and what "there is none" says. A miss and
/// a record outside the caller's scope answer with the same field, code and words (AUTHZ-01/02).
pub(super) struct Named {
    pub field: &'static str,
    pub missing: &'static str,
    /// The command still works once the assessment is closed (linking its children to records
    /// after a step up is record-keeping, not an edit of the family's assessment).
    pub closed_ok: bool,
}

impl Named {
    /// The answer for a record that is not there or not the caller's to edit.
    pub fn not_found(&self) -> AppError {
        err(self.field, UserErrorCode::NotFound, self.missing)
    }
}

pub(super) const BY_ASSESSMENT: Named =
    Named { field: "input.assessmentId", missing: "no such early help assessment", closed_ok: false };
pub(super) const BY_ACTION: Named = Named { field: "input.actionId", missing: "no such plan action", closed_ok: false };
pub(super) const BY_CHILD: Named =
    Named { field: "input.assessmentChildId", missing: "no such child on an assessment", closed_ok: true };

async fn for_edit(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
    expected_version: i32,
    scope: Condition,
    named: &Named,
) -> AppResult<eha::Model> {
    let field = named.field;
    let Some(a) = eha::Entity::find_by_id(id).filter(scope).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, Some(id))]).await?;
        return Err(named.not_found());
    };
    if a.status == EarlyHelpStatus::Closed && !named.closed_ok {
        return Err(err(field, UserErrorCode::AlreadyClosed, "the assessment is closed"));
    }
    if a.version != expected_version {
        return Err(stale());
    }
    Ok(a)
}

/// Takes the optimistic lock: bumps the version with the given column changes, or fails as a
/// conflict when someone else changed the assessment first.
async fn bump(
    txn: &DatabaseTransaction,
    a: &eha::Model,
    expected_version: i32,
    now: DateTime<Utc>,
    set: Vec<(eha::Column, SimpleExpr)>,
) -> AppResult<()> {
    let mut u = eha::Entity::update_many()
        .col_expr(eha::Column::Version, Expr::col(eha::Column::Version).add(1))
        .col_expr(eha::Column::UpdatedAt, Expr::value(now));
    for (col, value) in set {
        u = u.col_expr(col, value);
    }
    let r = u
        .filter(eha::Column::Id.eq(a.id))
        .filter(eha::Column::Version.eq(expected_version))
        // The status it was read with (every status change also bumps the version).
        .filter(eha::Column::Status.eq(a.status.code()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(stale());
    }
    Ok(())
}

/// One history row: who, when, which section, and the names of the fields changed.
async fn log_change(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    section: ChangeSection,
    fields: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let mut summary = fields.join(", ");
    if summary.chars().count() > 1000 {
        summary = summary.chars().take(997).collect::<String>() + "...";
    }
    change::Entity::insert(change::ActiveModel {
        id: Set(Uuid::now_v7()),
        assessment_id: Set(assessment_id),
        actor_id: Set(ctx.principal.user),
        at: Set(now),
        section: Set(section.code().into()),
        summary: Set(summary),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The first child record an assessment is linked to, for the audit trail's `child_id`.
async fn linked_children(conn: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Uuid>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = ehc::Entity::find()
        .filter(ehc::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(ehc::Column::ChildId.is_not_null())
        .order_by_asc(ehc::Column::Position)
        .all(conn)
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        if let Some(c) = r.child_id {
            out.entry(r.assessment_id).or_insert(c);
        }
    }
    Ok(out)
}

/// What one edit changed besides its own rows: columns of the assessment (set with the version
/// bump) and the history rows, one per section, naming the fields changed.
#[derive(Default)]
pub(super) struct Changed {
    pub set: Vec<(eha::Column, SimpleExpr)>,
    pub history: Vec<(ChangeSection, Vec<String>)>,
    /// The child record the audit row names, when the edit itself decides it (a link).
    pub audit_child: Option<Uuid>,
}

impl Changed {
    pub fn history(section: ChangeSection, fields: Vec<String>) -> Self {
        Changed { history: vec![(section, fields)], ..Default::default() }
    }
}

/// The skeleton every edit of an assessment shares, written once: in one transaction, make the
/// change, take the optimistic lock (the version bump, with the changed columns), write the
/// history and the audit row, and re-read the assessment. `change` also returns anything else
/// the command answers with.
pub(super) async fn commit_edit<T>(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    a: &eha::Model,
    expected_version: i32,
    now: DateTime<Utc>,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<(Changed, T)>,
) -> AppResult<(eha::Model, T)> {
    crate::db::transaction(db, async |txn| {
        let (changed, extra) = change(txn).await?;
        bump(txn, a, expected_version, now, changed.set).await?;
        for (section, fields) in &changed.history {
            log_change(txn, ctx, a.id, *section, fields, now).await?;
        }
        match changed.audit_child {
            Some(child) => {
                let entry = Entry::allowed(AuditAction::Update, RecordType::EarlyHelpAssessment, a.id, Some(child));
                audit::record(txn, ctx, &[entry]).await?
            }
            None => audit_write(txn, ctx, AuditAction::Update, a.id).await?,
        }
        let stored = eha::Entity::find_by_id(a.id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok((stored, extra))
    })
    .await
}

async fn audit_write(conn: &impl ConnectionTrait, ctx: &RequestCtx, action: AuditAction, id: Uuid) -> AppResult<()> {
    let child = linked_children(conn, &[id]).await?.get(&id).copied();
    audit::record(conn, ctx, &[Entry::allowed(action, RecordType::EarlyHelpAssessment, id, child)]).await
}

/// Known practitioners among `ids`: active staff holding a role that may join a team around the
/// family.
async fn known_practitioners(conn: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = staff::Entity::find()
        .filter(staff::Column::Id.is_in(ids.iter().copied()))
        .filter(staff::Column::Active.eq(true))
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter(policy::may_join_team_around_family).map(|s| s.id).collect())
}

mod closure;
mod edit;
mod meetings;
mod plan;
mod read;
mod referral;
mod rules;
mod team;
use self::rules::*;
pub use self::{closure::*, edit::*, meetings::*, plan::*, read::*, referral::*, team::*};

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn no_plan_no_review_due() {
        assert_eq!(next_review_due(None, None, REVIEW_CADENCE), None);
        assert_eq!(next_review_due(None, Some((d(2026, 11, 1), None)), REVIEW_CADENCE), None);
    }

    #[test]
    fn first_review_six_weeks_after_the_plan() {
        assert_eq!(next_review_due(Some(d(2026, 11, 24)), None, REVIEW_CADENCE), Some(d(2027, 1, 5)));
        // A meeting on or before the day the plan was agreed is not a review of it.
        assert_eq!(
            next_review_due(Some(d(2026, 11, 24)), Some((d(2026, 11, 24), Some(d(2026, 12, 1)))), REVIEW_CADENCE),
            Some(d(2027, 1, 5))
        );
    }

    #[test]
    fn later_reviews_at_most_three_months_apart() {
        let plan = Some(d(2026, 9, 1));
        assert_eq!(next_review_due(plan, Some((d(2026, 10, 10), None)), REVIEW_CADENCE), Some(d(2027, 1, 10)));
        assert_eq!(
            next_review_due(plan, Some((d(2026, 10, 10), Some(d(2026, 12, 1)))), REVIEW_CADENCE),
            Some(d(2026, 12, 1)),
            "the next meeting date set at the review"
        );
        assert_eq!(
            next_review_due(plan, Some((d(2026, 10, 10), Some(d(2027, 6, 1)))), REVIEW_CADENCE),
            Some(d(2027, 1, 10)),
            "never later than the cadence allows"
        );
        // Calendar months, clamped to the end of a shorter month.
        assert_eq!(next_review_due(plan, Some((d(2026, 11, 30), None)), REVIEW_CADENCE), Some(d(2027, 2, 28)));
    }

    #[test]
    fn the_cadence_is_configuration() {
        let monthly = ReviewCadence { first_review_days: 14, later_review_months: 1 };
        assert_eq!(next_review_due(Some(d(2026, 11, 24)), None, monthly), Some(d(2026, 12, 8)));
        assert_eq!(next_review_due(Some(d(2026, 1, 1)), Some((d(2026, 1, 31), None)), monthly), Some(d(2026, 2, 28)));
    }

    #[test]
    fn open_actions() {
        assert!(PlanActionStatus::NotStarted.is_open() && PlanActionStatus::InProgress.is_open());
        assert!(!PlanActionStatus::Done.is_open() && !PlanActionStatus::NotDone.is_open());
    }
}
