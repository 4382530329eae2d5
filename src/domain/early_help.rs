//! Early help (docs/domain.md §4): assessments led by a partner or early help practitioner with the
//! whole household, consent as a state, the voices of the child and the family, strengths and
//! needs on the resilience framework, a co-produced plan, the team around the family (TAF),
//! meeting records that review the plan, the review cadence, and closure with step down or step
//! up (a draft request for support pre-filled from the assessment).
//!
//! Every edit carries the version it read (one version for the assessment and all its rows), is
//! one transaction with its audit row, and writes a history row naming the fields it changed,
//! never their values (they are personal data).
use super::codes::code_enum;
use super::page::{Page, PageArgs};
use super::request::{
    self, ChildIn, ConsentIn, HouseholdIn, LONG_TEXT_MAX, MAX_CHILDREN, MAX_HOUSEHOLD, SHORT_TEXT_MAX, TEXT_MAX,
};
use super::validate::{self, Checks};
use crate::context::RequestCtx;
use crate::error::UserErrorCode;
use crate::audit;
use crate::context::{Entry, RecordType};
use crate::auth::policy::{self, Action};
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use entity::{
    early_help_action_review as review, early_help_assessment as eha, early_help_change as change,
    early_help_child as ehc, early_help_factor as factor, early_help_household_member as member,
    early_help_meeting as meeting, early_help_meeting_attendee as attendee, early_help_plan_action as action,
    early_help_taf_member as taf,
    enums::{AuditAction, AuditOutcome, Level},
    request_for_support as rfs, staff,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
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
    /// Where an assessment is in its life (docs/domain.md §4.4).
    EarlyHelpStatus {
        /// Started; no plan agreed yet.
        Assessment = "ASSESSMENT",
        /// A plan has been agreed and is being reviewed.
        PlanActive = "PLAN_ACTIVE",
        Closed = "CLOSED",
    }
}

code_enum! {
    /// The three Assessment Framework domains (docs/domain.md §4.1).
    AssessmentDomain {
        ChildDevelopmentalNeeds = "CHILD_DEVELOPMENTAL_NEEDS",
        ParentingCapacity = "PARENTING_CAPACITY",
        FamilyAndEnvironmentalFactors = "FAMILY_AND_ENVIRONMENTAL_FACTORS",
    }
}

code_enum! {
    /// The five compartments of the Boingboing Resilience Framework (Resilient Therapy, R5).
    ResilienceCompartment {
        Basics = "BASICS",
        Belonging = "BELONGING",
        Learning = "LEARNING",
        Coping = "COPING",
        CoreSelf = "CORE_SELF",
    }
}

code_enum! {
    FactorKind { Strength = "STRENGTH", Need = "NEED" }
}

code_enum! {
    PlanActionStatus {
        NotStarted = "NOT_STARTED",
        InProgress = "IN_PROGRESS",
        Done = "DONE",
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
        Consent = "CONSENT",
        /// Reason, voices, level of need, dates.
        Assessment = "ASSESSMENT",
        /// Strengths and needs.
        Analysis = "ANALYSIS",
        Plan = "PLAN",
        /// Team around the family.
        Team = "TEAM",
        Meeting = "MEETING",
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
    a.status != EarlyHelpStatus::Closed.code() && a.next_review_due.is_some_and(|d| d < today)
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

/// Commits on success and rolls back on failure: nothing is stored half-way.
async fn finish<T>(txn: DatabaseTransaction, r: AppResult<T>) -> AppResult<T> {
    match r {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// The assessment the caller may edit under `scope`; `field` names the input that identified
/// it. Missing and out of scope look the same (and are audited); a closed assessment and a
/// stale version are refused.
async fn for_edit(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
    expected_version: i32,
    scope: Condition,
    field: &str,
) -> AppResult<eha::Model> {
    let Some(a) = eha::Entity::find_by_id(id).filter(scope).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, Some(id))]).await?;
        return Err(err(field, UserErrorCode::NotFound, "no such early help assessment"));
    };
    if a.status == EarlyHelpStatus::Closed.code() {
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
        .filter(eha::Column::Status.ne(EarlyHelpStatus::Closed.code()))
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
    Ok(rows
        .into_iter()
        .filter(|s| s.roles.split(',').any(|r| policy::TAF_ROLES.iter().any(|t| t.as_str() == r)))
        .map(|s| s.id)
        .collect())
}

fn check_factors(c: &mut Checks, prefix: &str, list: &[FactorIn], known: &HashSet<Uuid>) -> Vec<FactorIn> {
    if list.len() > MAX_FACTORS {
        c.0.push(FieldError::new(prefix, UserErrorCode::TooLong, format!("at most {MAX_FACTORS} entries")));
    }
    let mut seen = HashSet::new();
    let mut out = vec![];
    for (i, f) in list.iter().enumerate().take(MAX_FACTORS) {
        let at = |n: &str| format!("{prefix}.{i}.{n}");
        let mut o = f.clone();
        if let Some(id) = f.id
            && (!known.contains(&id) || !seen.insert(id))
        {
            c.0.push(FieldError::new(&at("id"), UserErrorCode::NotFound, "no such entry on this assessment"));
        }
        if let Some(v) = c.take(validate::long_text(&at("description"), &f.description, ITEM_MAX)) {
            o.description = v;
        }
        if let Some(s) = f.score
            && !(1..=5).contains(&s)
        {
            c.0.push(FieldError::new(&at("score"), UserErrorCode::Invalid, "a score is from 1 to 5"));
        }
        out.push(o);
    }
    out
}

/// Checks a person reference against the assessment's household and the known practitioners.
fn check_person(
    c: &mut Checks,
    prefix: &str,
    p: &PersonIn,
    members: &HashSet<Uuid>,
    practitioners: &HashSet<Uuid>,
) -> PersonIn {
    let at = |n: &str| format!("{prefix}.{n}");
    let mut o = p.clone();
    o.name = c.take(validate::opt_text(&at("name"), p.name.as_deref(), SHORT_TEXT_MAX)).flatten();
    o.organisation =
        c.take(validate::opt_text(&at("organisation"), p.organisation.as_deref(), SHORT_TEXT_MAX)).flatten();
    let given = [
        p.staff_id.is_some(),
        p.household_member_id.is_some(),
        p.name.as_deref().is_some_and(|n| !n.trim().is_empty()),
    ];
    match given.iter().filter(|g| **g).count() {
        0 => c.0.push(FieldError::new(
            prefix,
            UserErrorCode::Required,
            "name a practitioner, a household member, or an external person and their organisation",
        )),
        1 => {}
        _ => c.0.push(FieldError::new(
            prefix,
            UserErrorCode::Invalid,
            "name one person: a practitioner, a household member or an external person",
        )),
    }
    if let Some(id) = p.staff_id
        && !practitioners.contains(&id)
    {
        c.0.push(FieldError::new(&at("staffId"), UserErrorCode::NotFound, "no such practitioner"));
    }
    if let Some(id) = p.household_member_id
        && !members.contains(&id)
    {
        c.0.push(FieldError::new(&at("householdMemberId"), UserErrorCode::NotFound, "no such household member"));
    }
    if given[2] && o.organisation.is_none() {
        c.0.push(FieldError::new(&at("organisation"), UserErrorCode::Required, "give the person's organisation"));
    }
    o
}

fn check_action(
    c: &mut Checks,
    prefix: &str,
    a: &ActionIn,
    started_on: NaiveDate,
    members: &HashSet<Uuid>,
    practitioners: &HashSet<Uuid>,
) -> ActionIn {
    let at = |n: &str| format!("{prefix}.{n}");
    let mut o = a.clone();
    if let Some(v) = c.take(validate::long_text(&at("need"), &a.need, ITEM_MAX)) {
        o.need = v;
    }
    if let Some(v) = c.take(validate::long_text(&at("action"), &a.action, ITEM_MAX)) {
        o.action = v;
    }
    if let Some(v) = c.take(validate::long_text(&at("intendedOutcome"), &a.intended_outcome, ITEM_MAX)) {
        o.intended_outcome = v;
    }
    check_target(c, &at("targetDate"), a.target_date, started_on);
    o.responsible = check_person(c, &at("responsible"), &a.responsible, members, practitioners);
    o
}

fn check_target(c: &mut Checks, field: &str, target: NaiveDate, started_on: NaiveDate) {
    if target < started_on {
        c.0.push(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "a target date cannot be before the assessment started",
        ));
    }
}

fn person_ids(people: &[&PersonIn]) -> Vec<Uuid> {
    people.iter().filter_map(|p| p.staff_id).collect()
}

async fn household_ids(conn: &impl ConnectionTrait, assessment_id: Uuid) -> AppResult<HashSet<Uuid>> {
    Ok(member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::AssessmentId.eq(assessment_id))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

fn child_row(assessment_id: Uuid, id: Uuid, position: usize, c: &ChildIn) -> ehc::ActiveModel {
    ehc::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        given_name: Set(c.given_name.clone()),
        family_name: Set(c.family_name.clone()),
        date_of_birth: Set(c.date_of_birth),
        expected_delivery_date: Set(c.expected_date_of_delivery),
        sex: Set(c.sex),
        address_line: Set(c.address_line.clone()),
        postcode: Set(c.postcode.clone()),
        school_or_setting: Set(c.school_or_setting.clone()),
        ..Default::default()
    }
}

fn member_row(assessment_id: Uuid, id: Uuid, position: usize, m: &HouseholdIn) -> member::ActiveModel {
    member::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        given_name: Set(m.given_name.clone()),
        family_name: Set(m.family_name.clone()),
        relationship: Set(m.relationship),
        parental_responsibility: Set(m.parental_responsibility),
        lives_with_child: Set(m.lives_with_child),
    }
}

fn factor_row(assessment_id: Uuid, id: Uuid, kind: FactorKind, position: usize, f: &FactorIn) -> factor::ActiveModel {
    factor::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        kind: Set(kind.code().into()),
        position: Set(position as i32),
        domain: Set(f.domain.code().into()),
        compartment: Set(f.compartment.code().into()),
        description: Set(f.description.clone()),
        score: Set(f.score),
    }
}

fn action_row(assessment_id: Uuid, position: usize, a: &ActionIn, now: DateTime<Utc>) -> action::ActiveModel {
    action::ActiveModel {
        id: Set(Uuid::now_v7()),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        need: Set(a.need.clone()),
        action: Set(a.action.clone()),
        responsible_staff_id: Set(a.responsible.staff_id),
        responsible_member_id: Set(a.responsible.household_member_id),
        responsible_name: Set(a.responsible.name.clone()),
        responsible_organisation: Set(a.responsible.organisation.clone()),
        intended_outcome: Set(a.intended_outcome.clone()),
        target_date: Set(a.target_date),
        compartment: Set(a.compartment.map(|c| c.code().into())),
        status: Set(a.status.code().into()),
        agreed_with_family: Set(a.agreed_with_family),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn check_voices(
    c: &mut Checks,
    child_voice: Option<&str>,
    family_voice: Option<&str>,
) -> (Option<String>, Option<String>) {
    (
        c.take(validate::opt_long_text("input.childVoice", child_voice, TEXT_MAX)).flatten(),
        c.take(validate::opt_long_text("input.familyVoice", family_voice, TEXT_MAX)).flatten(),
    )
}

/// R4: an assessment is complete only with the voice of the child and of the family.
fn check_completion(
    c: &mut Checks,
    completed_on: Option<NaiveDate>,
    started_on: NaiveDate,
    today: NaiveDate,
    voices: (&Option<String>, &Option<String>),
) {
    let Some(done) = completed_on else { return };
    if c.take(validate::not_future("input.completedOn", done, today)).is_some() && done < started_on {
        c.0.push(FieldError::new(
            "input.completedOn",
            UserErrorCode::Invalid,
            "cannot be before the assessment started",
        ));
    }
    if voices.0.is_none() {
        c.0.push(FieldError::new(
            "input.childVoice",
            UserErrorCode::Required,
            "record the voice of the child before completing the assessment",
        ));
    }
    if voices.1.is_none() {
        c.0.push(FieldError::new(
            "input.familyVoice",
            UserErrorCode::Required,
            "record the voice of the family before completing the assessment",
        ));
    }
}

/// Starts an early help assessment. The lead practitioner and their organisation come from the
/// token, never the input.
pub async fn start(db: &DatabaseConnection, ctx: &RequestCtx, s: Start) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::LeadEarlyHelp)?;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    let now = Utc::now();
    let today = now.date_naive();
    let mut c = Checks::default();
    if s.children.is_empty() {
        c.0.push(FieldError::new("input.children", UserErrorCode::Required, "name at least one child"));
    }
    if s.children.len() > MAX_CHILDREN {
        c.0.push(FieldError::new("input.children", UserErrorCode::TooLong, format!("at most {MAX_CHILDREN} children")));
    }
    let children: Vec<ChildIn> = s
        .children
        .iter()
        .enumerate()
        .take(MAX_CHILDREN)
        .map(|(i, ch)| request::check_child(&mut c, &format!("input.children.{i}"), ch, today))
        .collect();
    if s.household.len() > MAX_HOUSEHOLD {
        c.0.push(FieldError::new("input.household", UserErrorCode::TooLong, format!("at most {MAX_HOUSEHOLD} people")));
    }
    let household: Vec<HouseholdIn> = s
        .household
        .iter()
        .enumerate()
        .take(MAX_HOUSEHOLD)
        .map(|(i, m)| request::check_household_member(&mut c, &format!("input.household.{i}"), m))
        .collect();
    let consent = request::check_consent(&mut c, "input.consent", &s.consent, today);
    let reason = c.take(validate::long_text("input.reason", &s.reason, LONG_TEXT_MAX));
    let (child_voice, family_voice) = check_voices(&mut c, s.child_voice.as_deref(), s.family_voice.as_deref());
    c.take(validate::not_future("input.startedOn", s.started_on, today));
    let none = HashSet::new();
    let strengths = check_factors(&mut c, "input.strengths", &s.strengths, &none);
    let needs = check_factors(&mut c, "input.needs", &s.needs, &none);
    c.finish()?;
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    let r = async {
        let year = chrono::Datelike::year(&now);
        let reference = super::submission::next_reference(&txn, "EHA", year).await?;
        eha::Entity::insert(eha::ActiveModel {
            id: Set(id),
            reference: Set(reference),
            lead_id: Set(p.user),
            lead_org_id: Set(org),
            status: Set(EarlyHelpStatus::Assessment.code().into()),
            reason: Set(reason.unwrap_or_default()),
            child_voice: Set(child_voice),
            family_voice: Set(family_voice),
            level: Set(s.level),
            consent_status: Set(consent.status.code().into()),
            consent_given_by: Set(consent.given_by.map(|g| g.code().into())),
            consent_covers: Set(consent.covers.clone()),
            consent_reason: Set(request::stored_consent_reason(&consent)),
            consent_date: Set(consent.date),
            started_on: Set(s.started_on),
            completed_on: Set(None),
            plan_agreed_on: Set(None),
            next_review_due: Set(None),
            closed_on: Set(None),
            closed_at: Set(None),
            closed_by: Set(None),
            closure_outcome: Set(None),
            closure_reason: Set(None),
            step_up_request_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        ehc::Entity::insert_many(children.iter().enumerate().map(|(i, ch)| child_row(id, Uuid::now_v7(), i, ch)))
            .exec_without_returning(&txn)
            .await?;
        if !household.is_empty() {
            member::Entity::insert_many(
                household.iter().enumerate().map(|(i, m)| member_row(id, Uuid::now_v7(), i, m)),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        let factors: Vec<factor::ActiveModel> = strengths
            .iter()
            .enumerate()
            .map(|(i, f)| factor_row(id, Uuid::now_v7(), FactorKind::Strength, i, f))
            .chain(needs.iter().enumerate().map(|(i, f)| factor_row(id, Uuid::now_v7(), FactorKind::Need, i, f)))
            .collect();
        if !factors.is_empty() {
            factor::Entity::insert_many(factors).exec_without_returning(&txn).await?;
        }
        log_change(&txn, ctx, id, ChangeSection::Assessment, &["started".into()], now).await?;
        audit_write(&txn, ctx, AuditAction::Create, id).await?;
        eha::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// The names whose flag is set: what a change history records (names only, never values).
fn differing(fields: &[(bool, &'static str)]) -> Vec<&'static str> {
    fields.iter().filter(|(changed, _)| *changed).map(|(_, name)| *name).collect()
}

/// Field names that differ between two child descriptions.
fn child_diff(old: &ehc::Model, new: &ChildIn) -> Vec<&'static str> {
    differing(&[
        (old.given_name != new.given_name, "givenName"),
        (old.family_name != new.family_name, "familyName"),
        (old.date_of_birth != new.date_of_birth, "dateOfBirth"),
        (old.expected_delivery_date != new.expected_date_of_delivery, "expectedDateOfDelivery"),
        (old.sex != new.sex, "sex"),
        (old.address_line != new.address_line, "addressLine"),
        (old.postcode != new.postcode, "postcode"),
        (old.school_or_setting != new.school_or_setting, "schoolOrSetting"),
    ])
}

fn member_diff(old: &member::Model, new: &HouseholdIn) -> Vec<&'static str> {
    differing(&[
        (old.given_name != new.given_name, "givenName"),
        (old.family_name != new.family_name, "familyName"),
        (old.relationship != new.relationship, "relationship"),
        (old.parental_responsibility != new.parental_responsibility, "parentalResponsibility"),
        (old.lives_with_child != new.lives_with_child, "livesWithChild"),
    ])
}

fn factor_diff(old: &factor::Model, new: &FactorIn) -> Vec<&'static str> {
    differing(&[
        (old.domain != new.domain.code(), "domain"),
        (old.compartment != new.compartment.code(), "compartment"),
        (old.description != new.description, "description"),
        (old.score != new.score, "score"),
    ])
}

/// How a replaced list changes: kept rows that differ (with their fields), added and removed.
struct ListChange<T> {
    /// (id, new position, new value, changed field names)
    kept: Vec<(Uuid, usize, T, Vec<&'static str>)>,
    added: Vec<(usize, T)>,
    removed: Vec<Uuid>,
}

fn plan_list<M, T: Clone>(
    old: &[M],
    new: &[(Option<Uuid>, T)],
    id_of: impl Fn(&M) -> Uuid,
    position_of: impl Fn(&M) -> i32,
    diff: impl Fn(&M, &T) -> Vec<&'static str>,
) -> ListChange<T> {
    let by_id: HashMap<Uuid, &M> = old.iter().map(|m| (id_of(m), m)).collect();
    let mut out = ListChange { kept: vec![], added: vec![], removed: vec![] };
    let mut kept_ids = HashSet::new();
    for (pos, (id, v)) in new.iter().enumerate() {
        match id.and_then(|i| by_id.get(&i).map(|m| (i, *m))) {
            Some((i, m)) => {
                kept_ids.insert(i);
                let mut fields = diff(m, v);
                if position_of(m) != pos as i32 {
                    fields.push("position");
                }
                out.kept.push((i, pos, v.clone(), fields));
            }
            None => out.added.push((pos, v.clone())),
        }
    }
    out.removed = old.iter().map(&id_of).filter(|i| !kept_ids.contains(i)).collect();
    out
}

fn list_fields<T>(name: &str, ch: &ListChange<T>) -> Vec<String> {
    let mut f = vec![];
    for (_, pos, _, fields) in &ch.kept {
        for x in fields.iter().filter(|x| **x != "position") {
            f.push(format!("{name}.{pos}.{x}"));
        }
    }
    for (pos, _) in &ch.added {
        f.push(format!("{name}.{pos} (added)"));
    }
    if !ch.removed.is_empty() {
        f.push(format!("{name} ({} removed)", ch.removed.len()));
    }
    f
}

/// Checks that every ID in an edited list belongs to the assessment, once.
fn check_ids<T>(c: &mut Checks, prefix: &str, rows: &[(Option<Uuid>, T)], known: &HashSet<Uuid>) {
    let mut seen = HashSet::new();
    for (i, (id, _)) in rows.iter().enumerate() {
        let Some(id) = id else { continue };
        if !known.contains(id) {
            c.0.push(FieldError::new(
                &format!("{prefix}.{i}.id"),
                UserErrorCode::NotFound,
                "no such entry on this assessment",
            ));
        } else if !seen.insert(*id) {
            c.0.push(FieldError::new(&format!("{prefix}.{i}.id"), UserErrorCode::Invalid, "the same entry twice"));
        }
    }
}

/// Edits an assessment's sections (lead, or a TAF member while it is open).
pub async fn update(db: &DatabaseConnection, ctx: &RequestCtx, u: Update) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::ContributeEarlyHelp)?;
    let a = for_edit(
        db,
        ctx,
        u.assessment_id,
        u.expected_version,
        policy::early_help_contribute_scope(p),
        "input.assessmentId",
    )
    .await?;
    let now = Utc::now();
    let today = now.date_naive();
    let old_children = ehc::Entity::find()
        .filter(ehc::Column::AssessmentId.eq(a.id))
        .order_by_asc(ehc::Column::Position)
        .all(db)
        .await?;
    let old_members = member::Entity::find()
        .filter(member::Column::AssessmentId.eq(a.id))
        .order_by_asc(member::Column::Position)
        .all(db)
        .await?;
    let old_factors = factor::Entity::find()
        .filter(factor::Column::AssessmentId.eq(a.id))
        .order_by_asc(factor::Column::Position)
        .all(db)
        .await?;
    let mut c = Checks::default();
    let mut set: Vec<(eha::Column, SimpleExpr)> = vec![];
    let (mut assessment_fields, mut consent_fields, mut people_fields, mut analysis_fields) =
        (vec![], vec![], vec![], vec![]);

    if let Some(r) = &u.reason
        && let Some(v) = c.take(validate::long_text("input.reason", r, LONG_TEXT_MAX))
        && v != a.reason
    {
        set.push((eha::Column::Reason, Expr::value(v)));
        assessment_fields.push("reason".to_string());
    }
    let mut child_voice = a.child_voice.clone();
    if let Some(v) = &u.child_voice {
        child_voice = c.take(validate::opt_long_text("input.childVoice", Some(v), TEXT_MAX)).flatten();
        if child_voice != a.child_voice {
            set.push((eha::Column::ChildVoice, Expr::value(child_voice.clone())));
            assessment_fields.push("childVoice".into());
        }
    }
    let mut family_voice = a.family_voice.clone();
    if let Some(v) = &u.family_voice {
        family_voice = c.take(validate::opt_long_text("input.familyVoice", Some(v), TEXT_MAX)).flatten();
        if family_voice != a.family_voice {
            set.push((eha::Column::FamilyVoice, Expr::value(family_voice.clone())));
            assessment_fields.push("familyVoice".into());
        }
    }
    if let Some(level) = u.level
        && level != a.level
    {
        set.push((eha::Column::Level, Expr::value(level)));
        assessment_fields.push("level".into());
    }
    let completed_on = u.completed_on.or(a.completed_on);
    check_completion(&mut c, completed_on, a.started_on, today, (&child_voice, &family_voice));
    if u.completed_on.is_some() && u.completed_on != a.completed_on {
        set.push((eha::Column::CompletedOn, Expr::value(u.completed_on)));
        assessment_fields.push("completedOn".into());
    }
    if let Some(consent) = &u.consent {
        let new = request::check_consent(&mut c, "input.consent", consent, today);
        let old = request::consent_from_columns(
            &a.consent_status,
            a.consent_given_by.as_deref(),
            a.consent_covers.as_deref(),
            a.consent_reason.as_deref(),
            a.consent_date,
        );
        let columns: [(&str, bool, eha::Column, SimpleExpr); 5] = [
            ("consent.status", new.status != old.status, eha::Column::ConsentStatus, Expr::value(new.status.code())),
            (
                "consent.givenBy",
                new.given_by != old.given_by,
                eha::Column::ConsentGivenBy,
                Expr::value(new.given_by.map(|g| g.code())),
            ),
            ("consent.covers", new.covers != old.covers, eha::Column::ConsentCovers, Expr::value(new.covers.clone())),
            (
                "consent.reason",
                new.reason != old.reason || new.safeguarding_reason != old.safeguarding_reason,
                eha::Column::ConsentReason,
                Expr::value(request::stored_consent_reason(&new)),
            ),
            ("consent.date", new.date != old.date, eha::Column::ConsentDate, Expr::value(new.date)),
        ];
        for (name, changed, col, value) in columns {
            if changed {
                consent_fields.push(name.to_string());
                set.push((col, value));
            }
        }
    }
    let children = u.children.as_ref().map(|rows| {
        if rows.is_empty() {
            c.0.push(FieldError::new("input.children", UserErrorCode::Required, "name at least one child"));
        }
        if rows.len() > MAX_CHILDREN {
            c.0.push(FieldError::new(
                "input.children",
                UserErrorCode::TooLong,
                format!("at most {MAX_CHILDREN} children"),
            ));
        }
        check_ids(&mut c, "input.children", rows, &old_children.iter().map(|k| k.id).collect());
        let cleaned: Vec<(Option<Uuid>, ChildIn)> = rows
            .iter()
            .enumerate()
            .take(MAX_CHILDREN)
            .map(|(i, (id, ch))| (*id, request::check_child(&mut c, &format!("input.children.{i}"), ch, today)))
            .collect();
        plan_list(&old_children, &cleaned, |m| m.id, |m| m.position, child_diff)
    });
    let household = u.household.as_ref().map(|rows| {
        if rows.len() > MAX_HOUSEHOLD {
            c.0.push(FieldError::new(
                "input.household",
                UserErrorCode::TooLong,
                format!("at most {MAX_HOUSEHOLD} people"),
            ));
        }
        check_ids(&mut c, "input.household", rows, &old_members.iter().map(|m| m.id).collect());
        let cleaned: Vec<(Option<Uuid>, HouseholdIn)> = rows
            .iter()
            .enumerate()
            .take(MAX_HOUSEHOLD)
            .map(|(i, (id, m))| (*id, request::check_household_member(&mut c, &format!("input.household.{i}"), m)))
            .collect();
        plan_list(&old_members, &cleaned, |m| m.id, |m| m.position, member_diff)
    });
    // A household member named on the plan or at a meeting stays on the assessment.
    if let Some(h) = &household
        && !h.removed.is_empty()
    {
        let on_plan = action::Entity::find()
            .filter(action::Column::ResponsibleMemberId.is_in(h.removed.clone()))
            .count(db)
            .await?;
        let at_meetings = attendee::Entity::find()
            .filter(attendee::Column::HouseholdMemberId.is_in(h.removed.clone()))
            .count(db)
            .await?;
        if on_plan + at_meetings > 0 {
            c.0.push(FieldError::new(
                "input.household",
                UserErrorCode::Invalid,
                "a household member named on the plan or in a meeting record cannot be removed",
            ));
        }
    }
    let mut factor_changes = vec![];
    for (kind, list, name) in [(FactorKind::Strength, &u.strengths, "strengths"), (FactorKind::Need, &u.needs, "needs")]
    {
        let Some(list) = list else { continue };
        let old: Vec<factor::Model> = old_factors.iter().filter(|f| f.kind == kind.code()).cloned().collect();
        let known: HashSet<Uuid> = old.iter().map(|f| f.id).collect();
        let cleaned = check_factors(&mut c, &format!("input.{name}"), list, &known);
        let rows: Vec<(Option<Uuid>, FactorIn)> = cleaned.into_iter().map(|f| (f.id, f)).collect();
        factor_changes.push((kind, name, plan_list(&old, &rows, |m| m.id, |m| m.position, factor_diff)));
    }
    c.finish()?;
    if let Some(ch) = &children {
        people_fields.extend(list_fields("children", ch));
    }
    if let Some(h) = &household {
        people_fields.extend(list_fields("household", h));
    }
    for (_, name, ch) in &factor_changes {
        analysis_fields.extend(list_fields(name, ch));
    }
    let txn = db.begin().await?;
    let r = async {
        bump(&txn, &a, u.expected_version, now, set).await?;
        if let Some(ch) = children {
            for (id, pos, v, fields) in &ch.kept {
                if !fields.is_empty() {
                    let mut row = child_row(a.id, *id, *pos, v);
                    row.id = sea_orm::ActiveValue::NotSet;
                    row.assessment_id = sea_orm::ActiveValue::NotSet;
                    ehc::Entity::update_many().set(row).filter(ehc::Column::Id.eq(*id)).exec(&txn).await?;
                }
            }
            if !ch.removed.is_empty() {
                ehc::Entity::delete_many().filter(ehc::Column::Id.is_in(ch.removed.clone())).exec(&txn).await?;
            }
            if !ch.added.is_empty() {
                ehc::Entity::insert_many(ch.added.iter().map(|(pos, v)| child_row(a.id, Uuid::now_v7(), *pos, v)))
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
        if let Some(h) = household {
            for (id, pos, v, fields) in &h.kept {
                if !fields.is_empty() {
                    let mut row = member_row(a.id, *id, *pos, v);
                    row.id = sea_orm::ActiveValue::NotSet;
                    row.assessment_id = sea_orm::ActiveValue::NotSet;
                    member::Entity::update_many().set(row).filter(member::Column::Id.eq(*id)).exec(&txn).await?;
                }
            }
            if !h.removed.is_empty() {
                member::Entity::delete_many().filter(member::Column::Id.is_in(h.removed.clone())).exec(&txn).await?;
            }
            if !h.added.is_empty() {
                member::Entity::insert_many(h.added.iter().map(|(pos, v)| member_row(a.id, Uuid::now_v7(), *pos, v)))
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
        for (kind, _, ch) in factor_changes {
            for (id, pos, v, fields) in &ch.kept {
                if !fields.is_empty() {
                    let mut row = factor_row(a.id, *id, kind, *pos, v);
                    row.id = sea_orm::ActiveValue::NotSet;
                    row.assessment_id = sea_orm::ActiveValue::NotSet;
                    factor::Entity::update_many().set(row).filter(factor::Column::Id.eq(*id)).exec(&txn).await?;
                }
            }
            if !ch.removed.is_empty() {
                factor::Entity::delete_many().filter(factor::Column::Id.is_in(ch.removed.clone())).exec(&txn).await?;
            }
            if !ch.added.is_empty() {
                factor::Entity::insert_many(
                    ch.added.iter().map(|(pos, v)| factor_row(a.id, Uuid::now_v7(), kind, *pos, v)),
                )
                .exec_without_returning(&txn)
                .await?;
            }
        }
        log_change(&txn, ctx, a.id, ChangeSection::Assessment, &assessment_fields, now).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Consent, &consent_fields, now).await?;
        log_change(&txn, ctx, a.id, ChangeSection::People, &people_fields, now).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Analysis, &analysis_fields, now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// Adds a row to the plan (lead, or a TAF member while open). The first row agrees the plan:
/// the assessment becomes `PLAN_ACTIVE` and the first review falls due.
pub async fn add_action(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    expected_version: i32,
    input: ActionIn,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::ContributeEarlyHelp)?;
    let a = for_edit(
        db,
        ctx,
        assessment_id,
        expected_version,
        policy::early_help_contribute_scope(p),
        "input.assessmentId",
    )
    .await?;
    let existing = action::Entity::find().filter(action::Column::AssessmentId.eq(a.id)).count(db).await? as usize;
    let members = household_ids(db, a.id).await?;
    let practitioners = known_practitioners(db, &person_ids(&[&input.responsible])).await?;
    let mut c = Checks::default();
    if existing >= MAX_PLAN_ACTIONS {
        c.0.push(FieldError::new(
            "input.planAction",
            UserErrorCode::TooLong,
            format!("at most {MAX_PLAN_ACTIONS} plan actions"),
        ));
    }
    let input = check_action(&mut c, "input.planAction", &input, a.started_on, &members, &practitioners);
    c.finish()?;
    let now = Utc::now();
    let today = now.date_naive();
    let txn = db.begin().await?;
    let r = async {
        let mut set = vec![];
        if a.plan_agreed_on.is_none() {
            set.push((eha::Column::PlanAgreedOn, Expr::value(Some(today))));
            set.push((eha::Column::NextReviewDue, Expr::value(next_review_due(Some(today), None, REVIEW_CADENCE))));
            set.push((eha::Column::Status, Expr::value(EarlyHelpStatus::PlanActive.code())));
        }
        bump(&txn, &a, expected_version, now, set).await?;
        action::Entity::insert(action_row(a.id, existing, &input, now)).exec_without_returning(&txn).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Plan, &[format!("plan.{existing} (added)")], now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// Edits a plan row (progress between meetings, a new target date, who is responsible...).
pub async fn update_action(db: &DatabaseConnection, ctx: &RequestCtx, u: ActionPatch) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::ContributeEarlyHelp)?;
    let Some(row) = action::Entity::find_by_id(u.action_id).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, None)]).await?;
        return Err(err("input.actionId", UserErrorCode::NotFound, "no such plan action"));
    };
    let a = for_edit(
        db,
        ctx,
        row.assessment_id,
        u.expected_version,
        policy::early_help_contribute_scope(p),
        "input.actionId",
    )
    .await?;
    let members = household_ids(db, a.id).await?;
    let practitioners =
        known_practitioners(db, &u.responsible.iter().filter_map(|r| r.staff_id).collect::<Vec<_>>()).await?;
    let mut c = Checks::default();
    let mut m = action::ActiveModel::default();
    let mut fields = vec![];
    let pos = row.position;
    for (name, value, old, col) in [
        ("need", &u.need, &row.need, 0),
        ("action", &u.action, &row.action, 1),
        ("intendedOutcome", &u.intended_outcome, &row.intended_outcome, 2),
    ] {
        if let Some(v) = value
            && let Some(v) = c.take(validate::long_text(&format!("input.{name}"), v, ITEM_MAX))
            && &v != old
        {
            fields.push(format!("plan.{pos}.{name}"));
            match col {
                0 => m.need = Set(v),
                1 => m.action = Set(v),
                _ => m.intended_outcome = Set(v),
            }
        }
    }
    if let Some(t) = u.target_date {
        check_target(&mut c, "input.targetDate", t, a.started_on);
        if t != row.target_date {
            fields.push(format!("plan.{pos}.targetDate"));
            m.target_date = Set(t);
        }
    }
    if let Some(r) = &u.responsible {
        let r = check_person(&mut c, "input.responsible", r, &members, &practitioners);
        if (r.staff_id, r.household_member_id, &r.name, &r.organisation)
            != (
                row.responsible_staff_id,
                row.responsible_member_id,
                &row.responsible_name,
                &row.responsible_organisation,
            )
        {
            fields.push(format!("plan.{pos}.responsible"));
            m.responsible_staff_id = Set(r.staff_id);
            m.responsible_member_id = Set(r.household_member_id);
            m.responsible_name = Set(r.name);
            m.responsible_organisation = Set(r.organisation);
        }
    }
    if let Some(x) = u.compartment
        && Some(x.code()) != row.compartment.as_deref()
    {
        fields.push(format!("plan.{pos}.compartment"));
        m.compartment = Set(Some(x.code().into()));
    }
    if let Some(x) = u.agreed_with_family
        && x != row.agreed_with_family
    {
        fields.push(format!("plan.{pos}.agreedWithFamily"));
        m.agreed_with_family = Set(x);
    }
    if let Some(x) = u.status
        && x.code() != row.status
    {
        fields.push(format!("plan.{pos}.status"));
        m.status = Set(x.code().into());
    }
    c.finish()?;
    let now = Utc::now();
    m.updated_at = Set(now);
    let txn = db.begin().await?;
    let r = async {
        bump(&txn, &a, u.expected_version, now, vec![]).await?;
        action::Entity::update_many().set(m).filter(action::Column::Id.eq(row.id)).exec(&txn).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Plan, &fields, now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// Adds a known practitioner to the team around the family (the lead only). Members read and
/// contribute while the assessment is open.
pub async fn add_member(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    expected_version: i32,
    staff_id: Uuid,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::LeadEarlyHelp)?;
    let a = for_edit(db, ctx, assessment_id, expected_version, policy::early_help_lead_scope(p), "input.assessmentId")
        .await?;
    if staff_id == a.lead_id {
        return Err(err("input.staffId", UserErrorCode::Invalid, "the lead practitioner already leads the team"));
    }
    if !known_practitioners(db, &[staff_id]).await?.contains(&staff_id) {
        return Err(err("input.staffId", UserErrorCode::NotFound, "no such practitioner"));
    }
    let current = taf::Entity::find()
        .filter(taf::Column::AssessmentId.eq(a.id))
        .filter(taf::Column::RemovedAt.is_null())
        .all(db)
        .await?;
    if current.iter().any(|m| m.staff_id == staff_id) {
        return Err(err("input.staffId", UserErrorCode::Conflict, "already a member of the team around the family"));
    }
    if current.len() >= MAX_TAF_MEMBERS {
        return Err(err("input.staffId", UserErrorCode::TooLong, format!("at most {MAX_TAF_MEMBERS} members")));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let r = async {
        bump(&txn, &a, expected_version, now, vec![]).await?;
        taf::Entity::insert(taf::ActiveModel {
            id: Set(Uuid::now_v7()),
            assessment_id: Set(a.id),
            staff_id: Set(staff_id),
            added_by: Set(p.user),
            added_at: Set(now),
            removed_at: Set(None),
            removed_by: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        log_change(&txn, ctx, a.id, ChangeSection::Team, &["teamAroundFamily (member added)".into()], now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// Ends a practitioner's membership (the lead only); their access ends with it.
pub async fn remove_member(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_id: Uuid,
    expected_version: i32,
    staff_id: Uuid,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::LeadEarlyHelp)?;
    let a = for_edit(db, ctx, assessment_id, expected_version, policy::early_help_lead_scope(p), "input.assessmentId")
        .await?;
    let Some(m) = taf::Entity::find()
        .filter(taf::Column::AssessmentId.eq(a.id))
        .filter(taf::Column::StaffId.eq(staff_id))
        .filter(taf::Column::RemovedAt.is_null())
        .one(db)
        .await?
    else {
        return Err(err("input.staffId", UserErrorCode::NotFound, "not a member of the team around the family"));
    };
    let now = Utc::now();
    let txn = db.begin().await?;
    let r = async {
        bump(&txn, &a, expected_version, now, vec![]).await?;
        taf::Entity::update_many()
            .col_expr(taf::Column::RemovedAt, Expr::value(Some(now)))
            .col_expr(taf::Column::RemovedBy, Expr::value(Some(p.user)))
            .filter(taf::Column::Id.eq(m.id))
            .exec(&txn)
            .await?;
        log_change(&txn, ctx, a.id, ChangeSection::Team, &["teamAroundFamily (member removed)".into()], now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// Records a team-around-the-family meeting: attendance, the views of the child and family, a
/// review of every open plan action, new actions, and the next meeting date (at most the
/// cadence's months away). The next review falls due from it.
pub async fn record_meeting(db: &DatabaseConnection, ctx: &RequestCtx, m: MeetingIn) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::ContributeEarlyHelp)?;
    let a = for_edit(
        db,
        ctx,
        m.assessment_id,
        m.expected_version,
        policy::early_help_contribute_scope(p),
        "input.assessmentId",
    )
    .await?;
    let now = Utc::now();
    let today = now.date_naive();
    let actions = action::Entity::find()
        .filter(action::Column::AssessmentId.eq(a.id))
        .order_by_asc(action::Column::Position)
        .all(db)
        .await?;
    let members = household_ids(db, a.id).await?;
    let mut people: Vec<&PersonIn> = m.attendees.iter().map(|(p, _)| p).collect();
    people.extend(m.new_actions.iter().map(|x| &x.responsible));
    let practitioners = known_practitioners(db, &person_ids(&people)).await?;
    let mut c = Checks::default();
    if c.take(validate::not_future("input.heldOn", m.held_on, today)).is_some() && m.held_on < a.started_on {
        c.0.push(FieldError::new("input.heldOn", UserErrorCode::Invalid, "cannot be before the assessment started"));
    }
    if m.attendees.is_empty() {
        c.0.push(FieldError::new(
            "input.attendees",
            UserErrorCode::Required,
            "record who was invited and who attended",
        ));
    }
    if m.attendees.len() > MAX_ATTENDEES {
        c.0.push(FieldError::new("input.attendees", UserErrorCode::TooLong, format!("at most {MAX_ATTENDEES} people")));
    }
    let attendees: Vec<(PersonIn, bool)> = m
        .attendees
        .iter()
        .enumerate()
        .take(MAX_ATTENDEES)
        .map(|(i, (person, attended))| {
            (check_person(&mut c, &format!("input.attendees.{i}"), person, &members, &practitioners), *attended)
        })
        .collect();
    let child_views = c.take(validate::opt_long_text("input.childViews", m.child_views.as_deref(), TEXT_MAX)).flatten();
    let family_views =
        c.take(validate::opt_long_text("input.familyViews", m.family_views.as_deref(), TEXT_MAX)).flatten();
    let by_id: HashMap<Uuid, &action::Model> = actions.iter().map(|x| (x.id, x)).collect();
    let mut reviewed = HashSet::new();
    let mut reviews = vec![];
    if m.reviews.len() > MAX_PLAN_ACTIONS {
        c.0.push(FieldError::new(
            "input.actionReviews",
            UserErrorCode::TooLong,
            format!("at most {MAX_PLAN_ACTIONS} reviews"),
        ));
    }
    for (i, r) in m.reviews.iter().enumerate().take(MAX_PLAN_ACTIONS) {
        let at = |n: &str| format!("input.actionReviews.{i}.{n}");
        if !by_id.contains_key(&r.action_id) {
            c.0.push(FieldError::new(
                &at("actionId"),
                UserErrorCode::NotFound,
                "no such plan action on this assessment",
            ));
        } else if !reviewed.insert(r.action_id) {
            c.0.push(FieldError::new(&at("actionId"), UserErrorCode::Invalid, "this action is reviewed twice"));
        }
        let progress = c.take(validate::long_text(&at("progress"), &r.progress, TEXT_MAX));
        if let Some(t) = r.target_date {
            check_target(&mut c, &at("targetDate"), t, a.started_on);
        }
        reviews.push(ReviewIn { progress: progress.unwrap_or_default(), ..r.clone() });
    }
    let unreviewed = actions
        .iter()
        .filter(|x| PlanActionStatus::from_code(&x.status).is_some_and(|s| s.is_open()) && !reviewed.contains(&x.id))
        .count();
    if unreviewed > 0 {
        c.0.push(FieldError::new(
            "input.actionReviews",
            UserErrorCode::Required,
            format!("review every open plan action ({unreviewed} not reviewed)"),
        ));
    }
    if actions.len() + m.new_actions.len() > MAX_PLAN_ACTIONS {
        c.0.push(FieldError::new(
            "input.newActions",
            UserErrorCode::TooLong,
            format!("at most {MAX_PLAN_ACTIONS} plan actions"),
        ));
    }
    let new_actions: Vec<ActionIn> = m
        .new_actions
        .iter()
        .enumerate()
        .take(MAX_PLAN_ACTIONS)
        .map(|(i, x)| check_action(&mut c, &format!("input.newActions.{i}"), x, a.started_on, &members, &practitioners))
        .collect();
    if let Some(next) = m.next_meeting_on {
        let limit = latest_next_meeting(m.held_on, REVIEW_CADENCE);
        if next <= m.held_on || limit.is_some_and(|l| next > l) {
            c.0.push(FieldError::new(
                "input.nextMeetingOn",
                UserErrorCode::Invalid,
                format!(
                    "the next meeting falls after this one and at most {} months later",
                    REVIEW_CADENCE.later_review_months
                ),
            ));
        }
    }
    c.finish()?;
    let txn = db.begin().await?;
    let r = async {
        let meeting_id = Uuid::now_v7();
        meeting::Entity::insert(meeting::ActiveModel {
            id: Set(meeting_id),
            assessment_id: Set(a.id),
            held_on: Set(m.held_on),
            child_views: Set(child_views),
            family_views: Set(family_views),
            next_meeting_on: Set(m.next_meeting_on),
            recorded_by: Set(p.user),
            recorded_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        attendee::Entity::insert_many(attendees.iter().enumerate().map(|(i, (person, attended))| {
            attendee::ActiveModel {
                id: Set(Uuid::now_v7()),
                meeting_id: Set(meeting_id),
                position: Set(i as i32),
                staff_id: Set(person.staff_id),
                household_member_id: Set(person.household_member_id),
                name: Set(person.name.clone()),
                organisation: Set(person.organisation.clone()),
                attended: Set(*attended),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        let mut fields = vec!["meeting (added)".to_string()];
        let mut plan_fields = vec![];
        for r in &reviews {
            let old = by_id[&r.action_id];
            let target = r.target_date.unwrap_or(old.target_date);
            review::Entity::insert(review::ActiveModel {
                id: Set(Uuid::now_v7()),
                meeting_id: Set(meeting_id),
                action_id: Set(r.action_id),
                progress: Set(r.progress.clone()),
                status: Set(r.status.code().into()),
                target_date: Set(target),
            })
            .exec_without_returning(&txn)
            .await?;
            if r.status.code() != old.status || target != old.target_date {
                if r.status.code() != old.status {
                    plan_fields.push(format!("plan.{}.status", old.position));
                }
                if target != old.target_date {
                    plan_fields.push(format!("plan.{}.targetDate", old.position));
                }
                action::Entity::update_many()
                    .col_expr(action::Column::Status, Expr::value(r.status.code()))
                    .col_expr(action::Column::TargetDate, Expr::value(target))
                    .col_expr(action::Column::UpdatedAt, Expr::value(now))
                    .filter(action::Column::Id.eq(r.action_id))
                    .exec(&txn)
                    .await?;
            }
        }
        if !reviews.is_empty() {
            fields.push(format!("actionReviews ({})", reviews.len()));
        }
        for (i, x) in new_actions.iter().enumerate() {
            let pos = actions.len() + i;
            action::Entity::insert(action_row(a.id, pos, x, now)).exec_without_returning(&txn).await?;
            plan_fields.push(format!("plan.{pos} (added)"));
        }
        // The plan is agreed at the first meeting that makes one, if not before.
        let plan_agreed_on = a.plan_agreed_on.or((!new_actions.is_empty()).then_some(m.held_on));
        let latest = meeting::Entity::find()
            .filter(meeting::Column::AssessmentId.eq(a.id))
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .one(&txn)
            .await?
            .map(|x| (x.held_on, x.next_meeting_on));
        let mut set =
            vec![(eha::Column::NextReviewDue, Expr::value(next_review_due(plan_agreed_on, latest, REVIEW_CADENCE)))];
        if a.plan_agreed_on.is_none() && plan_agreed_on.is_some() {
            set.push((eha::Column::PlanAgreedOn, Expr::value(plan_agreed_on)));
            set.push((eha::Column::Status, Expr::value(EarlyHelpStatus::PlanActive.code())));
        }
        bump(&txn, &a, m.expected_version, now, set).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Meeting, &fields, now).await?;
        log_change(&txn, ctx, a.id, ChangeSection::Plan, &plan_fields, now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

fn truncate(s: String, max: usize) -> String {
    if s.chars().count() <= max { s } else { s.chars().take(max - 3).collect::<String>() + "..." }
}

/// Closes an assessment with its outcome (the lead only). Open plan actions need a reason; a
/// step up needs the concern, and makes a draft request for support pre-filled from the
/// assessment (children, household, concerns, consent, level), owned by the lead, in the same
/// transaction. Returns the closed assessment and the draft's ID.
pub async fn close(db: &DatabaseConnection, ctx: &RequestCtx, x: Closure) -> AppResult<(eha::Model, Option<Uuid>)> {
    let p = &ctx.principal;
    policy::authorize(p, Action::LeadEarlyHelp)?;
    let a =
        for_edit(db, ctx, x.assessment_id, x.expected_version, policy::early_help_lead_scope(p), "input.assessmentId")
            .await?;
    let now = Utc::now();
    let today = now.date_naive();
    let actions = action::Entity::find()
        .filter(action::Column::AssessmentId.eq(a.id))
        .order_by_asc(action::Column::Position)
        .all(db)
        .await?;
    let open = actions.iter().filter(|r| PlanActionStatus::from_code(&r.status).is_some_and(|s| s.is_open())).count();
    let mut c = Checks::default();
    let reason = c.take(validate::opt_long_text("input.reason", x.reason.as_deref(), TEXT_MAX)).flatten();
    let closed_on = x.closed_on.unwrap_or(today);
    if c.take(validate::not_future("input.closedOn", closed_on, today)).is_some() && closed_on < a.started_on {
        c.0.push(FieldError::new("input.closedOn", UserErrorCode::Invalid, "cannot be before the assessment started"));
    }
    let step_up = x.outcome == EarlyHelpClosureOutcome::StepUpToSocialCare;
    if reason.is_none() && step_up {
        c.0.push(FieldError::new(
            "input.reason",
            UserErrorCode::Required,
            "say what concern means social care should take the lead",
        ));
    } else if reason.is_none() && open > 0 {
        c.0.push(FieldError::new(
            "input.reason",
            UserErrorCode::Required,
            format!("{open} plan actions are still open: say why the assessment closes with them"),
        ));
    }
    c.finish()?;
    let draft = if step_up {
        let children = ehc::Entity::find()
            .filter(ehc::Column::AssessmentId.eq(a.id))
            .order_by_asc(ehc::Column::Position)
            .all(db)
            .await?;
        let household = member::Entity::find()
            .filter(member::Column::AssessmentId.eq(a.id))
            .order_by_asc(member::Column::Position)
            .all(db)
            .await?;
        let needs = factor::Entity::find()
            .filter(factor::Column::AssessmentId.eq(a.id))
            .filter(factor::Column::Kind.eq(FactorKind::Need.code()))
            .order_by_asc(factor::Column::Position)
            .all(db)
            .await?;
        let mut concerns =
            format!("Step up from early help assessment {}:\n{}", a.reference, reason.clone().unwrap_or_default());
        if !needs.is_empty() {
            concerns.push_str("\n\nNeeds identified in the early help assessment:");
            for n in &needs {
                concerns.push_str(&format!("\n- {} ({}): {}", n.domain, n.compartment, n.description));
            }
        }
        let support = (!actions.is_empty()).then(|| {
            let mut s = format!("Early help plan ({}):", a.reference);
            for r in &actions {
                s.push_str(&format!("\n- {} ({})", r.action, r.status));
            }
            truncate(s, TEXT_MAX)
        });
        Some(request::DraftIn {
            children: children
                .iter()
                .map(|k| {
                    (
                        ChildIn {
                            given_name: k.given_name.clone(),
                            family_name: k.family_name.clone(),
                            date_of_birth: k.date_of_birth,
                            expected_date_of_delivery: k.expected_delivery_date,
                            sex: k.sex,
                            address_line: k.address_line.clone(),
                            postcode: k.postcode.clone(),
                            school_or_setting: k.school_or_setting.clone(),
                        },
                        k.child_id,
                    )
                })
                .collect(),
            household: household
                .iter()
                .map(|m| HouseholdIn {
                    given_name: m.given_name.clone(),
                    family_name: m.family_name.clone(),
                    relationship: m.relationship,
                    parental_responsibility: m.parental_responsibility,
                    lives_with_child: m.lives_with_child,
                })
                .collect(),
            concerns: truncate(concerns, LONG_TEXT_MAX),
            child_views: a.child_voice.clone(),
            support_in_place: support,
            referrer_level: a.level,
            consent: request::consent_from_columns(
                &a.consent_status,
                a.consent_given_by.as_deref(),
                a.consent_covers.as_deref(),
                a.consent_reason.as_deref(),
                a.consent_date,
            ),
            referrer_org_id: a.lead_org_id,
        })
    } else {
        None
    };
    let txn = db.begin().await?;
    let r = async {
        let draft_id = match draft {
            Some(d) => Some(request::create_draft(&txn, ctx, d, now).await?),
            None => None,
        };
        bump(
            &txn,
            &a,
            x.expected_version,
            now,
            vec![
                (eha::Column::Status, Expr::value(EarlyHelpStatus::Closed.code())),
                (eha::Column::ClosedOn, Expr::value(Some(closed_on))),
                (eha::Column::ClosedAt, Expr::value(Some(now))),
                (eha::Column::ClosedBy, Expr::value(Some(p.user))),
                (eha::Column::ClosureOutcome, Expr::value(Some(x.outcome.code()))),
                (eha::Column::ClosureReason, Expr::value(reason.clone())),
                (eha::Column::StepUpRequestId, Expr::value(draft_id)),
                (eha::Column::NextReviewDue, Expr::value(Option::<NaiveDate>::None)),
            ],
        )
        .await?;
        let mut fields = vec!["outcome".to_string(), "closedOn".into()];
        if reason.is_some() {
            fields.push("reason".into());
        }
        if draft_id.is_some() {
            fields.push("stepUpRequest (draft made)".into());
        }
        log_change(&txn, ctx, a.id, ChangeSection::Closure, &fields, now).await?;
        audit_write(&txn, ctx, AuditAction::Update, a.id).await?;
        let stored = eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)?;
        Ok((stored, draft_id))
    }
    .await;
    finish(txn, r).await
}

/// Links a child on an assessment to a child record the caller may see (hub workers and social
/// workers who may read the assessment; partners cannot see child records).
pub async fn link_child(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_child_id: Uuid,
    child_id: Uuid,
    expected_version: i32,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::LinkEarlyHelpChild)?;
    let Some(row) = ehc::Entity::find_by_id(assessment_child_id).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, None)]).await?;
        return Err(err("input.assessmentChildId", UserErrorCode::NotFound, "no such child on an assessment"));
    };
    let a = for_edit(
        db,
        ctx,
        row.assessment_id,
        expected_version,
        policy::early_help_link_scope(p),
        "input.assessmentChildId",
    )
    .await?;
    let visible = entity::child::Entity::find_by_id(child_id).filter(policy::child_scope(p)).one(db).await?;
    if visible.is_none() {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Child, Some(child_id))]).await?;
        return Err(err("input.childId", UserErrorCode::NotFound, "no such child"));
    }
    if row.child_id.is_some() {
        return Err(err(
            "input.assessmentChildId",
            UserErrorCode::Conflict,
            "this child is already linked to a record",
        ));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let r = async {
        bump(&txn, &a, expected_version, now, vec![]).await?;
        let linked = ehc::Entity::update_many()
            .col_expr(ehc::Column::ChildId, Expr::value(Some(child_id)))
            .filter(ehc::Column::Id.eq(row.id))
            .filter(ehc::Column::ChildId.is_null())
            .exec(&txn)
            .await?;
        if linked.rows_affected != 1 {
            return Err(stale());
        }
        log_change(&txn, ctx, a.id, ChangeSection::ChildLink, &[format!("children.{}.child", row.position)], now)
            .await?;
        audit::record(
            &txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::EarlyHelpAssessment, a.id, Some(child_id))],
        )
        .await?;
        eha::Entity::find_by_id(a.id).one(&txn).await?.ok_or(AppError::Internal)
    }
    .await;
    finish(txn, r).await
}

/// One assessment by ID inside the caller's scope, audited; `NOT_FOUND` otherwise.
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<eha::Model> {
    let found = if policy::permits(&ctx.principal, Action::ReadEarlyHelp) {
        eha::Entity::find_by_id(id).filter(policy::early_help_scope(&ctx.principal)).one(db).await?
    } else {
        None
    };
    match found {
        Some(a) => {
            audit_write(db, ctx, AuditAction::Read, a.id).await?;
            Ok(a)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::EarlyHelpAssessment, Some(id))])
                .await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct ListFilter {
    pub status: Option<EarlyHelpStatus>,
    /// Open with the review date passed (or, with `false`, not).
    pub review_overdue: Option<bool>,
    /// Only the assessments the caller leads.
    pub led_by_me: Option<bool>,
}

/// Assessments the caller may see, oldest first, audited one row each.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    f: ListFilter,
    page: &PageArgs,
) -> AppResult<Page<eha::Model>> {
    policy::authorize(&ctx.principal, Action::ReadEarlyHelp)?;
    let mut q = eha::Entity::find().filter(policy::early_help_scope(&ctx.principal));
    if let Some(s) = f.status {
        q = q.filter(eha::Column::Status.eq(s.code()));
    }
    let today = Utc::now().date_naive();
    match f.review_overdue {
        Some(true) => {
            q = q
                .filter(eha::Column::Status.ne(EarlyHelpStatus::Closed.code()))
                .filter(eha::Column::NextReviewDue.lt(today));
        }
        Some(false) => {
            // Spelled out rather than negated: a missing review date is never overdue (SQL's
            // NOT of NULL is NULL).
            q = q.filter(
                Condition::any()
                    .add(eha::Column::Status.eq(EarlyHelpStatus::Closed.code()))
                    .add(eha::Column::NextReviewDue.is_null())
                    .add(eha::Column::NextReviewDue.gte(today)),
            );
        }
        None => {}
    }
    match f.led_by_me {
        Some(true) => q = q.filter(eha::Column::LeadId.eq(ctx.principal.user)),
        Some(false) => q = q.filter(eha::Column::LeadId.ne(ctx.principal.user)),
        None => {}
    }
    if let Some(after) = page.after {
        q = q.filter(eha::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(eha::Column::Id).limit(page.limit()).all(db).await?;
    let page = Page::from_rows(rows, page);
    let ids: Vec<Uuid> = page.items.iter().map(|a| a.id).collect();
    let linked = linked_children(db, &ids).await?;
    let entries: Vec<Entry> = ids
        .iter()
        .map(|id| Entry::allowed(AuditAction::Read, RecordType::EarlyHelpAssessment, *id, linked.get(id).copied()))
        .collect();
    audit::note(db, ctx, &entries).await?;
    Ok(page)
}

/// Counts with no personal data, for analysts and managers.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub open: u64,
    pub closed_by_outcome: Vec<(EarlyHelpClosureOutcome, u64)>,
    pub overdue_reviews: u64,
}

pub async fn summary(db: &impl ConnectionTrait, ctx: &RequestCtx) -> AppResult<Summary> {
    policy::authorize(&ctx.principal, Action::ReadEarlyHelpSummary)?;
    let closed = EarlyHelpStatus::Closed.code();
    let open = eha::Entity::find().filter(eha::Column::Status.ne(closed)).count(db).await?;
    let today = Utc::now().date_naive();
    let overdue_reviews = eha::Entity::find()
        .filter(eha::Column::Status.ne(closed))
        .filter(eha::Column::NextReviewDue.lt(today))
        .count(db)
        .await?;
    let rows: Vec<(Option<String>, i64)> = eha::Entity::find()
        .select_only()
        .column(eha::Column::ClosureOutcome)
        .column_as(eha::Column::Id.count(), "n")
        .filter(eha::Column::Status.eq(closed))
        .group_by(eha::Column::ClosureOutcome)
        .into_tuple()
        .all(db)
        .await?;
    let counts: HashMap<String, i64> = rows.into_iter().filter_map(|(o, n)| o.map(|o| (o, n))).collect();
    let closed_by_outcome =
        EarlyHelpClosureOutcome::ALL.iter().map(|o| (*o, counts.get(o.code()).copied().unwrap_or(0) as u64)).collect();
    audit::record(
        db,
        ctx,
        &[Entry {
            action: AuditAction::Read,
            record_type: RecordType::EarlyHelpSummary,
            record_id: None,
            child_id: None,
            outcome: AuditOutcome::Allowed,
        }],
    )
    .await?;
    Ok(Summary { open, closed_by_outcome, overdue_reviews })
}

/// `early_help_assessments.id IN (visible)`, for the rows of assessments.
fn visible_assessments(ctx: &RequestCtx) -> sea_orm::sea_query::SelectStatement {
    eha::Entity::find()
        .select_only()
        .column(eha::Column::Id)
        .filter(policy::early_help_scope(&ctx.principal))
        .into_query()
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}

fn readable(ctx: &RequestCtx, ids: &[Uuid]) -> bool {
    !ids.is_empty() && policy::permits(&ctx.principal, Action::ReadEarlyHelp)
}

/// The children of the assessments the caller may see, by assessment (for loaders).
pub async fn children_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ehc::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = ehc::Entity::find()
        .filter(ehc::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(ehc::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(ehc::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

pub async fn household_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<member::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = member::Entity::find()
        .filter(member::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(member::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(member::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

pub async fn factors_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<factor::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = factor::Entity::find()
        .filter(factor::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(factor::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(factor::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

pub async fn actions_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<action::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = action::Entity::find()
        .filter(action::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(action::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(action::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

/// Memberships of the team around the family, current and ended, in the order they were added.
pub async fn members_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<taf::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = taf::Entity::find()
        .filter(taf::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(taf::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(taf::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

pub async fn meetings_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<meeting::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = meeting::Entity::find()
        .filter(meeting::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(meeting::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(meeting::Column::HeldOn)
        .order_by_asc(meeting::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

fn visible_meetings(ctx: &RequestCtx) -> sea_orm::sea_query::SelectStatement {
    meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id)
        .filter(meeting::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .into_query()
}

/// Attendees by meeting.
pub async fn attendees_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    meeting_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<attendee::Model>>> {
    if !readable(ctx, meeting_ids) {
        return Ok(HashMap::new());
    }
    let rows = attendee::Entity::find()
        .filter(attendee::Column::MeetingId.is_in(meeting_ids.iter().copied()))
        .filter(attendee::Column::MeetingId.in_subquery(visible_meetings(ctx)))
        .order_by_asc(attendee::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.meeting_id))
}

/// Plan reviews by meeting.
pub async fn reviews_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    meeting_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<review::Model>>> {
    if !readable(ctx, meeting_ids) {
        return Ok(HashMap::new());
    }
    let rows = review::Entity::find()
        .filter(review::Column::MeetingId.is_in(meeting_ids.iter().copied()))
        .filter(review::Column::MeetingId.in_subquery(visible_meetings(ctx)))
        .order_by_asc(review::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.meeting_id))
}

/// The history of changes, oldest first.
pub async fn changes_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<change::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let rows = change::Entity::find()
        .filter(change::Column::AssessmentId.is_in(ids.iter().copied()))
        .filter(change::Column::AssessmentId.in_subquery(visible_assessments(ctx)))
        .order_by_asc(change::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |r| r.assessment_id))
}

/// The practitioners an assessment names (lead, team, plan, meetings, history), by
/// assessment: whoever may read the assessment may see who works on it, even without the
/// directory.
pub async fn people_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<staff::Model>>> {
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let assessments = eha::Entity::find()
        .filter(eha::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::early_help_scope(&ctx.principal))
        .all(db)
        .await?;
    let visible: Vec<Uuid> = assessments.iter().map(|a| a.id).collect();
    if visible.is_empty() {
        return Ok(HashMap::new());
    }
    let mut named: Vec<(Uuid, Uuid)> = vec![];
    for a in &assessments {
        named.push((a.id, a.lead_id));
        if let Some(c) = a.closed_by {
            named.push((a.id, c));
        }
    }
    for m in taf::Entity::find().filter(taf::Column::AssessmentId.is_in(visible.clone())).all(db).await? {
        named.push((m.assessment_id, m.staff_id));
    }
    for c in change::Entity::find().filter(change::Column::AssessmentId.is_in(visible.clone())).all(db).await? {
        named.push((c.assessment_id, c.actor_id));
    }
    for r in action::Entity::find()
        .filter(action::Column::AssessmentId.is_in(visible.clone()))
        .filter(action::Column::ResponsibleStaffId.is_not_null())
        .all(db)
        .await?
    {
        named.extend(r.responsible_staff_id.map(|s| (r.assessment_id, s)));
    }
    let meetings = meeting::Entity::find().filter(meeting::Column::AssessmentId.is_in(visible.clone())).all(db).await?;
    let meeting_of: HashMap<Uuid, Uuid> = meetings.iter().map(|m| (m.id, m.assessment_id)).collect();
    for m in &meetings {
        named.push((m.assessment_id, m.recorded_by));
    }
    if !meeting_of.is_empty() {
        for at in attendee::Entity::find()
            .filter(attendee::Column::MeetingId.is_in(meeting_of.keys().copied()))
            .filter(attendee::Column::StaffId.is_not_null())
            .all(db)
            .await?
        {
            if let (Some(s), Some(a)) = (at.staff_id, meeting_of.get(&at.meeting_id)) {
                named.push((*a, s));
            }
        }
    }
    let staff_ids: HashSet<Uuid> = named.iter().map(|(_, s)| *s).collect();
    let rows: HashMap<Uuid, staff::Model> = staff::Entity::find()
        .filter(staff::Column::Id.is_in(staff_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut out: HashMap<Uuid, Vec<staff::Model>> = HashMap::new();
    let mut seen = HashSet::new();
    for (a, s) in named {
        if seen.insert((a, s))
            && let Some(row) = rows.get(&s)
        {
            out.entry(a).or_default().push(row.clone());
        }
    }
    Ok(out)
}

/// Step-up requests by ID, inside the caller's request scope (a draft is its author's alone),
/// audited.
pub async fn requests_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, rfs::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadRequests) {
        return Ok(HashMap::new());
    }
    let rows = rfs::Entity::find()
        .filter(rfs::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::request_scope(&ctx.principal))
        .all(db)
        .await?;
    let entries: Vec<Entry> =
        rows.iter().map(|r| Entry::allowed(AuditAction::Read, RecordType::RequestForSupport, r.id, None)).collect();
    audit::note(db, ctx, &entries).await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

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
