//! Requests for support: submission (with the significant-harm route, consent as a state, the
//! Neglect Protocol and idempotency), the hub queue, matching children, and hub decisions that
//! open cases in the same transaction.
use super::codes::{self, ConcernCategory, code_enum};
use super::page::{Page, PageArgs, decode_parts, encode_parts};
use super::validate::{self, Checks};
use super::{calendar, case as cases, names, submission};
use crate::context::RequestCtx;
use crate::error::UserErrorCode;
use crate::audit;
use crate::context::{Entry, RecordType};
use crate::auth::{
    Principal,
    policy::{self, Action},
};
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    case, child,
    enums::{AuditAction, CaseKind, CaseStatus, Level, Relationship, Sex},
    hub_decision, neglect_screening, request_child, request_for_support as rfs, request_household_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr, TransactionTrait,
    prelude::Uuid,
    sea_query::{Expr, ExprTrait},
};
use std::collections::HashMap;

/// The MASH telephone number: a child at immediate risk of significant harm is reported by
/// phone, never by a routine written request (R6).
pub const MASH_PHONE: &str = "01253 477299";

pub const MAX_CHILDREN: usize = 10;
pub const MAX_HOUSEHOLD: usize = 20;
pub const LONG_TEXT_MAX: usize = 10_000;
pub const TEXT_MAX: usize = 5_000;
pub const SHORT_TEXT_MAX: usize = 200;

code_enum! {
    RequestStatus {
        /// Made by an early help step up and not yet submitted: its author's alone, never in the
        /// hub's queue.
        Draft = "DRAFT",
        Received = "RECEIVED",
        Decided = "DECIDED",
    }
}

code_enum! {
    /// Consent is a state, never a bare boolean (docs/domain.md §3.2).
    ConsentStatus {
        /// Consent given to the request and to sharing information.
        Given = "GIVEN",
        /// The family or young person refused (a reason is required).
        Refused = "REFUSED",
        /// Consent was not asked for (a reason is required).
        NotSought = "NOT_SOUGHT",
        /// Seeking consent would put the child at risk or prejudice an investigation
        /// (DPA 2018 Sch.1 para 18; a safeguarding reason is required).
        NotRequiredSafeguarding = "NOT_REQUIRED_SAFEGUARDING",
    }
}

code_enum! {
    ConsentGivenBy { ParentCarer = "PARENT_CARER", YoungPerson = "YOUNG_PERSON", Both = "BOTH" }
}

code_enum! {
    SafeguardingConsentReason {
        SignificantHarmSuspected = "SIGNIFICANT_HARM_SUSPECTED",
        WouldIncreaseRisk = "WOULD_INCREASE_RISK",
        WouldPrejudiceInvestigation = "WOULD_PREJUDICE_INVESTIGATION",
    }
}

code_enum! {
    /// What the hub decided (docs/domain.md §3.3).
    HubOutcome {
        /// Information or advice given to the referrer.
        AdviceInformation = "ADVICE_INFORMATION",
        /// Signposted to universal services.
        SignpostUniversal = "SIGNPOST_UNIVERSAL",
        /// Step down to early help.
        EarlyHelp = "EARLY_HELP",
        /// Child and family assessment (s17): opens an assessment case.
        ChildAndFamilyAssessment = "CHILD_AND_FAMILY_ASSESSMENT",
        /// Strategy discussion (s47): opens a child protection case.
        StrategyDiscussion = "STRATEGY_DISCUSSION",
        NoFurtherAction = "NO_FURTHER_ACTION",
        /// The child's case is already open: passed to the allocated worker.
        PassToAllocatedWorker = "PASS_TO_ALLOCATED_WORKER",
    }
}

impl HubOutcome {
    /// The kind of case the outcome opens, if any.
    pub fn opens(self) -> Option<CaseKind> {
        match self {
            HubOutcome::ChildAndFamilyAssessment => Some(CaseKind::Assessment),
            HubOutcome::StrategyDiscussion => Some(CaseKind::ChildProtection),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChildIn {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_delivery: Option<NaiveDate>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HouseholdIn {
    pub given_name: String,
    pub family_name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub lives_with_child: bool,
}

#[derive(Debug, Clone)]
pub struct ConsentIn {
    pub status: ConsentStatus,
    pub given_by: Option<ConsentGivenBy>,
    pub covers: Option<String>,
    pub reason: Option<String>,
    pub safeguarding_reason: Option<SafeguardingConsentReason>,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Submission {
    pub children: Vec<ChildIn>,
    pub household: Vec<HouseholdIn>,
    pub concerns: String,
    pub concern_categories: Vec<ConcernCategory>,
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    pub child_views: Option<String>,
    pub referrer_level: Level,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<NaiveDate>,
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    pub consent: ConsentIn,
    pub anonymous_source: bool,
    pub immediate_risk_of_significant_harm: bool,
    pub phone_contact_made_at: Option<DateTime<Utc>>,
    pub neglect_screening_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

/// A stable fingerprint of what was submitted, for idempotency (the payload itself, which is
/// personal data, is not kept twice).
fn fingerprint(s: &Submission) -> String {
    submission::fingerprint(&Submission { idempotency_key: None, ..s.clone() })
}

/// Checks everything the user can fix and returns the cleaned submission.
fn check(s: &Submission, today: NaiveDate, now: DateTime<Utc>) -> AppResult<Submission> {
    let mut c = Checks::default();
    let mut out = s.clone();
    if s.children.is_empty() {
        c.0.push(FieldError::new("input.children", UserErrorCode::Required, "name at least one child"));
    }
    if s.children.len() > MAX_CHILDREN {
        c.0.push(FieldError::new("input.children", UserErrorCode::TooLong, format!("at most {MAX_CHILDREN} children")));
    }
    for (i, ch) in s.children.iter().enumerate().take(MAX_CHILDREN) {
        out.children[i] = check_child(&mut c, &format!("input.children.{i}"), ch, today);
    }
    if s.household.len() > MAX_HOUSEHOLD {
        c.0.push(FieldError::new("input.household", UserErrorCode::TooLong, format!("at most {MAX_HOUSEHOLD} people")));
    }
    for (i, m) in s.household.iter().enumerate().take(MAX_HOUSEHOLD) {
        out.household[i] = check_household_member(&mut c, &format!("input.household.{i}"), m);
    }
    if let Some(v) = c.take(validate::long_text("input.concerns", &s.concerns, LONG_TEXT_MAX)) {
        out.concerns = v;
    }
    if s.concern_categories.is_empty() {
        c.0.push(FieldError::new("input.concernCategories", UserErrorCode::Required, "choose at least one category"));
    }
    let mut cats = s.concern_categories.clone();
    cats.dedup();
    cats.sort_by_key(|c| c.code());
    cats.dedup();
    out.concern_categories = cats;
    out.support_in_place =
        c.take(validate::opt_long_text("input.supportInPlace", s.support_in_place.as_deref(), TEXT_MAX)).flatten();
    out.support_outcome =
        c.take(validate::opt_long_text("input.supportOutcome", s.support_outcome.as_deref(), TEXT_MAX)).flatten();
    out.child_views = c.take(validate::opt_long_text("input.childViews", s.child_views.as_deref(), TEXT_MAX)).flatten();
    if s.discussed_with_safeguarding_lead {
        match c.take(validate::opt_text(
            "input.safeguardingLeadName",
            s.safeguarding_lead_name.as_deref(),
            SHORT_TEXT_MAX,
        )) {
            Some(None) => c.0.push(FieldError::new(
                "input.safeguardingLeadName",
                UserErrorCode::Required,
                "name the safeguarding lead you discussed this with",
            )),
            Some(v) => out.safeguarding_lead_name = v,
            None => {}
        }
        match s.safeguarding_lead_consulted_on {
            None => c.0.push(FieldError::new(
                "input.safeguardingLeadConsultedOn",
                UserErrorCode::Required,
                "give the date you discussed this with the safeguarding lead",
            )),
            Some(d) => {
                c.take(validate::not_future("input.safeguardingLeadConsultedOn", d, today));
            }
        }
    } else {
        out.safeguarding_lead_name = None;
        out.safeguarding_lead_consulted_on = None;
    }
    if !s.parents_aware {
        match c.take(validate::opt_long_text(
            "input.parentsNotAwareReason",
            s.parents_not_aware_reason.as_deref(),
            TEXT_MAX,
        )) {
            Some(None) => c.0.push(FieldError::new(
                "input.parentsNotAwareReason",
                UserErrorCode::Required,
                "say why the parents or carers are not aware",
            )),
            Some(v) => out.parents_not_aware_reason = v,
            None => {}
        }
    } else {
        out.parents_not_aware_reason = None;
    }
    out.consent = check_consent(&mut c, "input.consent", &s.consent, today);
    if let Some(at) = s.phone_contact_made_at
        && at > now + chrono::Duration::minutes(5)
    {
        c.0.push(FieldError::new("input.phoneContactMadeAt", UserErrorCode::InFuture, "must not be in the future"));
    }
    if let Some(k) = &s.idempotency_key {
        out.idempotency_key = c.take(validate::text("input.idempotencyKey", k, 100));
    }
    c.finish()?;
    Ok(out)
}

/// Checks one child as a referrer or lead practitioner describes them (`prefix` names the
/// field, e.g. `input.children.0`) and returns the child cleaned.
pub(crate) fn check_child(c: &mut Checks, prefix: &str, ch: &ChildIn, today: NaiveDate) -> ChildIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut o = ch.clone();
    if let Some(v) = c.take(validate::text(&f("givenName"), &ch.given_name, validate::NAME_MAX)) {
        o.given_name = v;
    }
    if let Some(v) = c.take(validate::text(&f("familyName"), &ch.family_name, validate::NAME_MAX)) {
        o.family_name = v;
    }
    match (ch.date_of_birth, ch.expected_date_of_delivery) {
        (Some(d), None) => {
            c.take(validate::not_future(&f("dateOfBirth"), d, today));
        }
        (None, Some(edd)) => {
            if edd < today - chrono::Days::new(31) || edd > today + chrono::Days::new(300) {
                c.0.push(FieldError::new(
                    &f("expectedDateOfDelivery"),
                    UserErrorCode::Invalid,
                    "an expected date of delivery lies between a month ago and ten months ahead",
                ));
            }
        }
        (Some(_), Some(_)) => c.0.push(FieldError::new(
            &f("dateOfBirth"),
            UserErrorCode::Invalid,
            "give a date of birth or, for an unborn child, an expected date of delivery: not both",
        )),
        (None, None) => c.0.push(FieldError::new(
            &f("dateOfBirth"),
            UserErrorCode::Required,
            "give a date of birth or, for an unborn child, an expected date of delivery",
        )),
    }
    o.address_line =
        c.take(validate::opt_text(&f("addressLine"), ch.address_line.as_deref(), SHORT_TEXT_MAX)).flatten();
    o.postcode = c.take(validate::opt_text(&f("postcode"), ch.postcode.as_deref(), 10)).flatten();
    o.school_or_setting =
        c.take(validate::opt_text(&f("schoolOrSetting"), ch.school_or_setting.as_deref(), SHORT_TEXT_MAX)).flatten();
    o
}

/// Checks one household member (`prefix` e.g. `input.household.0`) and returns them cleaned.
pub(crate) fn check_household_member(c: &mut Checks, prefix: &str, m: &HouseholdIn) -> HouseholdIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut o = m.clone();
    if let Some(v) = c.take(validate::text(&f("givenName"), &m.given_name, validate::NAME_MAX)) {
        o.given_name = v;
    }
    if let Some(v) = c.take(validate::text(&f("familyName"), &m.family_name, validate::NAME_MAX)) {
        o.family_name = v;
    }
    o
}

/// Checks consent as a state with its reasons (docs/domain.md §3.2; `prefix` e.g. `input.consent`)
/// and returns it cleaned. Requests for support and early help assessments share it.
pub(crate) fn check_consent(c: &mut Checks, prefix: &str, consent: &ConsentIn, today: NaiveDate) -> ConsentIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut out = consent.clone();
    out.covers = c.take(validate::opt_long_text(&f("covers"), consent.covers.as_deref(), TEXT_MAX)).flatten();
    out.reason = c.take(validate::opt_long_text(&f("reason"), consent.reason.as_deref(), TEXT_MAX)).flatten();
    if let Some(d) = consent.date {
        c.take(validate::not_future(&f("date"), d, today));
    }
    match consent.status {
        ConsentStatus::Given if consent.given_by.is_none() => {
            c.0.push(FieldError::new(&f("givenBy"), UserErrorCode::Required, "say who gave consent"))
        }
        ConsentStatus::Refused | ConsentStatus::NotSought if out.reason.is_none() => c.0.push(FieldError::new(
            &f("reason"),
            UserErrorCode::Required,
            "give the reason consent was refused or not sought",
        )),
        ConsentStatus::NotRequiredSafeguarding if consent.safeguarding_reason.is_none() => c.0.push(FieldError::new(
            &f("safeguardingReason"),
            UserErrorCode::Required,
            "say why seeking consent would put the child at risk",
        )),
        _ => {}
    }
    out
}

/// The stored form of consent: for `NOT_REQUIRED_SAFEGUARDING` the reason column holds the
/// safeguarding reason's code, otherwise the free-text reason.
pub(crate) fn stored_consent_reason(c: &ConsentIn) -> Option<String> {
    match c.status {
        ConsentStatus::NotRequiredSafeguarding => c.safeguarding_reason.map(|r| r.code().into()),
        _ => c.reason.clone(),
    }
}

/// Reads stored consent columns back (the inverse of [`stored_consent_reason`]).
pub(crate) fn consent_from_columns(
    status: &str,
    given_by: Option<&str>,
    covers: Option<&str>,
    reason: Option<&str>,
    date: Option<NaiveDate>,
) -> ConsentIn {
    let status = ConsentStatus::from_code(status).unwrap_or(ConsentStatus::NotSought);
    let safeguarding = status == ConsentStatus::NotRequiredSafeguarding;
    ConsentIn {
        status,
        given_by: given_by.and_then(ConsentGivenBy::from_code),
        covers: covers.map(str::to_string),
        reason: if safeguarding { None } else { reason.map(str::to_string) },
        safeguarding_reason: if safeguarding { reason.and_then(SafeguardingConsentReason::from_code) } else { None },
        date,
    }
}

/// The rules every submission passes, whether typed in whole or completed from a draft: the
/// significant-harm route (R6), the field checks, and the Neglect Protocol (R8). Returns the
/// cleaned submission; nothing is stored.
async fn vet(db: &impl ConnectionTrait, p: &Principal, s: &Submission, now: DateTime<Utc>) -> AppResult<Submission> {
    // R6: immediate risk of significant harm is a phone call to MASH now, not a routine request.
    if s.immediate_risk_of_significant_harm && s.phone_contact_made_at.is_none() {
        return Err(AppError::invalid(
            "input.immediateRiskOfSignificantHarm",
            UserErrorCode::TelephoneMashNow,
            format!(
                "A child at immediate risk of significant harm must be reported by telephone to the MASH now on {MASH_PHONE}. \
                 Nothing has been submitted. After the call, submit this request with the time of the call."
            ),
        ));
    }
    let s = check(s, now.date_naive(), now)?;
    // R8, the Neglect Protocol: neglect at the specialist level needs a completed screening.
    if let Some(id) = s.neglect_screening_id {
        let found = neglect_screening::Entity::find_by_id(id).filter(policy::screening_scope(p)).one(db).await?;
        if found.is_none() {
            return Err(AppError::invalid(
                "input.neglectScreeningId",
                UserErrorCode::NotFound,
                "no such neglect screening",
            ));
        }
    } else if s.concern_categories.contains(&ConcernCategory::Neglect) && s.referrer_level == Level::Specialist {
        return Err(AppError::invalid(
            "input.neglectScreeningId",
            UserErrorCode::NeglectScreeningRequired,
            "Under the Neglect Protocol, a request for statutory intervention (level 4) about neglect must carry a \
             completed neglect screening: complete one with submitNeglectScreening and attach its ID.",
        ));
    }
    Ok(s)
}

/// The columns a submission fills (everything but identity, status and times).
fn stored_fields(s: &Submission) -> rfs::ActiveModel {
    rfs::ActiveModel {
        urgent: Set(s.phone_contact_made_at.is_some()),
        phone_contact_at: Set(s.phone_contact_made_at),
        referrer_level: Set(s.referrer_level),
        discussed_with_safeguarding_lead: Set(s.discussed_with_safeguarding_lead),
        safeguarding_lead_name: Set(s.safeguarding_lead_name.clone()),
        safeguarding_lead_consulted_on: Set(s.safeguarding_lead_consulted_on),
        advice_line_consulted: Set(s.advice_line_consulted),
        parents_aware: Set(s.parents_aware),
        parents_not_aware_reason: Set(s.parents_not_aware_reason.clone()),
        consent_status: Set(s.consent.status.code().into()),
        consent_given_by: Set(s.consent.given_by.map(|g| g.code().into())),
        consent_covers: Set(s.consent.covers.clone()),
        consent_reason: Set(stored_consent_reason(&s.consent)),
        consent_date: Set(s.consent.date),
        anonymous_source: Set(s.anonymous_source),
        concerns: Set(s.concerns.clone()),
        concern_categories: Set(codes::join(&s.concern_categories, ConcernCategory::code)),
        support_in_place: Set(s.support_in_place.clone()),
        support_outcome: Set(s.support_outcome.clone()),
        child_views: Set(s.child_views.clone()),
        neglect_screening_id: Set(s.neglect_screening_id),
        idempotency_key: Set(s.idempotency_key.clone()),
        ..Default::default()
    }
}

/// Stores the children (with any record already linked) and household of a request.
async fn insert_people(
    conn: &impl ConnectionTrait,
    id: Uuid,
    children: &[ChildIn],
    linked: &[Option<Uuid>],
    household: &[HouseholdIn],
) -> AppResult<()> {
    let children = children.iter().enumerate().map(|(i, c)| request_child::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(id),
        position: Set(i as i32),
        child_id: Set(linked.get(i).copied().flatten()),
        given_name: Set(c.given_name.clone()),
        family_name: Set(c.family_name.clone()),
        date_of_birth: Set(c.date_of_birth),
        expected_delivery_date: Set(c.expected_date_of_delivery),
        sex: Set(c.sex),
        address_line: Set(c.address_line.clone()),
        postcode: Set(c.postcode.clone()),
        school_or_setting: Set(c.school_or_setting.clone()),
    });
    request_child::Entity::insert_many(children).exec_without_returning(conn).await?;
    if !household.is_empty() {
        let members = household.iter().enumerate().map(|(i, m)| request_household_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(id),
            position: Set(i as i32),
            given_name: Set(m.given_name.clone()),
            family_name: Set(m.family_name.clone()),
            relationship: Set(m.relationship),
            parental_responsibility: Set(m.parental_responsibility),
            lives_with_child: Set(m.lives_with_child),
        });
        request_household_member::Entity::insert_many(members).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Submits a request for support. The referrer is the caller (never an input). Returns the
/// stored request; the same idempotency key with the same payload returns the first result.
pub async fn submit(db: &DatabaseConnection, ctx: &RequestCtx, s: Submission) -> AppResult<rfs::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::SubmitRequestForSupport)?;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    let now = Utc::now();
    let s = vet(db, p, &s, now).await?;
    let hash = fingerprint(&s);
    if let Some(key) = &s.idempotency_key
        && let Some(existing) = by_idempotency_key(db, p.user, key).await?
    {
        return replay(existing, &hash);
    }
    let calendar = calendar::load(db).await?;
    let due_at = calendar.due_after_working_days(now, 1);
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    let year = chrono::Datelike::year(&now);
    let reference = submission::next_reference(&txn, "RFS", year).await?;
    let model = rfs::ActiveModel {
        id: Set(id),
        reference: Set(reference),
        referrer_id: Set(p.user),
        referrer_org_id: Set(org),
        status: Set(RequestStatus::Received.code().into()),
        received_at: Set(now),
        due_at: Set(due_at),
        payload_hash: Set(hash.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..stored_fields(&s)
    };
    if let Err(e) = rfs::Entity::insert(model).exec_without_returning(&txn).await {
        txn.rollback().await?;
        // Two identical submissions raced: the first one stands.
        if let (Some(SqlErr::UniqueConstraintViolation(_)), Some(key)) = (e.sql_err(), &s.idempotency_key)
            && let Some(existing) = by_idempotency_key(db, p.user, key).await?
        {
            return replay(existing, &hash);
        }
        return Err(e.into());
    }
    insert_people(&txn, id, &s.children, &[], &s.household).await?;
    audit::record(&txn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::RequestForSupport, id, None)]).await?;
    let stored = rfs::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::Internal)?;
    txn.commit().await?;
    Ok(stored)
}

/// What an early help step up carries into a draft request for support (docs/domain.md §4.5).
#[derive(Debug, Clone)]
pub struct DraftIn {
    /// Each child, with the child record it is already linked to, if any.
    pub children: Vec<(ChildIn, Option<Uuid>)>,
    pub household: Vec<HouseholdIn>,
    pub concerns: String,
    pub child_views: Option<String>,
    pub support_in_place: Option<String>,
    pub referrer_level: Level,
    pub consent: ConsentIn,
    pub referrer_org_id: Uuid,
}

/// Stores a draft request owned by the caller, inside the caller's transaction (an early help
/// step up, which has checked its own content). The referrer reviews it and submits it with
/// [`submit_draft`], which runs every rule of [`submit`]. A draft has no reference number or
/// due time yet: the columns hold placeholders until submission.
pub(crate) async fn create_draft(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    d: DraftIn,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let (children, linked): (Vec<ChildIn>, Vec<Option<Uuid>>) = d.children.into_iter().unzip();
    let s = Submission {
        children,
        household: d.household,
        concerns: d.concerns,
        concern_categories: vec![],
        support_in_place: d.support_in_place,
        support_outcome: None,
        child_views: d.child_views,
        referrer_level: d.referrer_level,
        discussed_with_safeguarding_lead: false,
        safeguarding_lead_name: None,
        safeguarding_lead_consulted_on: None,
        advice_line_consulted: false,
        parents_aware: true,
        parents_not_aware_reason: None,
        consent: d.consent,
        anonymous_source: false,
        immediate_risk_of_significant_harm: false,
        phone_contact_made_at: None,
        neglect_screening_id: None,
        idempotency_key: None,
    };
    let model = rfs::ActiveModel {
        id: Set(id),
        reference: Set(format!("DRAFT-{}", &id.simple().to_string()[20..])),
        referrer_id: Set(ctx.principal.user),
        referrer_org_id: Set(d.referrer_org_id),
        status: Set(RequestStatus::Draft.code().into()),
        received_at: Set(now),
        due_at: Set(now),
        payload_hash: Set(String::new()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..stored_fields(&s)
    };
    rfs::Entity::insert(model).exec_without_returning(conn).await?;
    insert_people(conn, id, &s.children, &linked, &s.household).await?;
    audit::record(conn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::RequestForSupport, id, None)]).await?;
    Ok(id)
}

/// What the referrer confirms or adds when submitting a draft. `None` keeps what the draft
/// holds.
#[derive(Debug, Clone)]
pub struct DraftCompletion {
    pub request_id: Uuid,
    pub expected_version: i32,
    pub concerns: Option<String>,
    pub concern_categories: Vec<ConcernCategory>,
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    pub child_views: Option<String>,
    pub referrer_level: Option<Level>,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<NaiveDate>,
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    pub anonymous_source: bool,
    pub immediate_risk_of_significant_harm: bool,
    pub phone_contact_made_at: Option<DateTime<Utc>>,
    pub neglect_screening_id: Option<Uuid>,
}

/// Submits one's own draft through the same rules as [`submit`]: it becomes `RECEIVED` with a
/// reference number and a due time, and joins the hub's queue. A refused submission leaves the
/// draft as it was.
pub async fn submit_draft(db: &DatabaseConnection, ctx: &RequestCtx, d: DraftCompletion) -> AppResult<rfs::Model> {
    let p = &ctx.principal;
    policy::authorize(p, Action::SubmitDraftRequest)?;
    let Some(draft) = rfs::Entity::find_by_id(d.request_id).filter(policy::draft_request_scope(p)).one(db).await?
    else {
        audit::record(
            db,
            ctx,
            &[Entry::denied(AuditAction::Update, RecordType::RequestForSupport, Some(d.request_id))],
        )
        .await?;
        return Err(AppError::invalid("input.requestId", UserErrorCode::NotFound, "no such draft request"));
    };
    if draft.version != d.expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the draft has changed since you read it",
        ));
    }
    let kids = request_child::Entity::find()
        .filter(request_child::Column::RequestId.eq(draft.id))
        .order_by_asc(request_child::Column::Position)
        .all(db)
        .await?;
    let members = request_household_member::Entity::find()
        .filter(request_household_member::Column::RequestId.eq(draft.id))
        .order_by_asc(request_household_member::Column::Position)
        .all(db)
        .await?;
    let s = Submission {
        children: kids
            .iter()
            .map(|k| ChildIn {
                given_name: k.given_name.clone(),
                family_name: k.family_name.clone(),
                date_of_birth: k.date_of_birth,
                expected_date_of_delivery: k.expected_delivery_date,
                sex: k.sex,
                address_line: k.address_line.clone(),
                postcode: k.postcode.clone(),
                school_or_setting: k.school_or_setting.clone(),
            })
            .collect(),
        household: members
            .iter()
            .map(|m| HouseholdIn {
                given_name: m.given_name.clone(),
                family_name: m.family_name.clone(),
                relationship: m.relationship,
                parental_responsibility: m.parental_responsibility,
                lives_with_child: m.lives_with_child,
            })
            .collect(),
        concerns: d.concerns.unwrap_or(draft.concerns.clone()),
        concern_categories: d.concern_categories,
        support_in_place: d.support_in_place.or(draft.support_in_place.clone()),
        support_outcome: d.support_outcome.or(draft.support_outcome.clone()),
        child_views: d.child_views.or(draft.child_views.clone()),
        referrer_level: d.referrer_level.unwrap_or(draft.referrer_level),
        discussed_with_safeguarding_lead: d.discussed_with_safeguarding_lead,
        safeguarding_lead_name: d.safeguarding_lead_name,
        safeguarding_lead_consulted_on: d.safeguarding_lead_consulted_on,
        advice_line_consulted: d.advice_line_consulted,
        parents_aware: d.parents_aware,
        parents_not_aware_reason: d.parents_not_aware_reason,
        consent: consent_from_columns(
            &draft.consent_status,
            draft.consent_given_by.as_deref(),
            draft.consent_covers.as_deref(),
            draft.consent_reason.as_deref(),
            draft.consent_date,
        ),
        anonymous_source: d.anonymous_source,
        immediate_risk_of_significant_harm: d.immediate_risk_of_significant_harm,
        phone_contact_made_at: d.phone_contact_made_at,
        neglect_screening_id: d.neglect_screening_id,
        idempotency_key: None,
    };
    let now = Utc::now();
    let s = vet(db, p, &s, now).await?;
    let calendar = calendar::load(db).await?;
    let due_at = calendar.due_after_working_days(now, 1);
    let txn = db.begin().await?;
    let year = chrono::Datelike::year(&now);
    let reference = submission::next_reference(&txn, "RFS", year).await?;
    let model = rfs::ActiveModel {
        reference: Set(reference),
        status: Set(RequestStatus::Received.code().into()),
        received_at: Set(now),
        due_at: Set(due_at),
        payload_hash: Set(fingerprint(&s)),
        updated_at: Set(now),
        ..stored_fields(&s)
    };
    let updated = rfs::Entity::update_many()
        .set(model)
        .col_expr(rfs::Column::Version, Expr::col(rfs::Column::Version).add(1))
        .filter(rfs::Column::Id.eq(draft.id))
        .filter(rfs::Column::Version.eq(d.expected_version))
        .filter(rfs::Column::Status.eq(RequestStatus::Draft.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the draft has changed since you read it",
        ));
    }
    let first_child = kids.iter().find_map(|k| k.child_id);
    audit::record(
        &txn,
        ctx,
        &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, draft.id, first_child)],
    )
    .await?;
    let stored = rfs::Entity::find_by_id(draft.id).one(&txn).await?.ok_or(AppError::Internal)?;
    txn.commit().await?;
    Ok(stored)
}

async fn by_idempotency_key(db: &impl ConnectionTrait, referrer: Uuid, key: &str) -> AppResult<Option<rfs::Model>> {
    Ok(rfs::Entity::find()
        .filter(rfs::Column::ReferrerId.eq(referrer))
        .filter(rfs::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

fn replay(existing: rfs::Model, hash: &str) -> AppResult<rfs::Model> {
    let stored = existing.payload_hash.clone();
    submission::replay(existing, &stored, hash)
}

/// One request by ID, inside the caller's scope, audited; `NOT_FOUND` otherwise.
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<rfs::Model> {
    let found = if policy::permits(&ctx.principal, Action::ReadRequests) {
        rfs::Entity::find_by_id(id).filter(policy::request_scope(&ctx.principal)).one(db).await?
    } else {
        None
    };
    match found {
        Some(r) => {
            audit::note(db, ctx, &[Entry::allowed(AuditAction::Read, RecordType::RequestForSupport, r.id, None)])
                .await?;
            Ok(r)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::RequestForSupport, Some(id))]).await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct QueueFilter {
    pub status: Option<RequestStatus>,
    pub urgent: Option<bool>,
    /// Undecided and past the due time (or, with `false`, not).
    pub overdue: Option<bool>,
}

/// The queue: urgent first, then by due time, then by ID. Keyset on all three.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    filter: QueueFilter,
    first: i32,
    after: Option<&str>,
) -> AppResult<Page<rfs::Model>> {
    policy::authorize(&ctx.principal, Action::ReadRequests)?;
    let page = PageArgs::parse(first, None)?;
    let mut q = rfs::Entity::find().filter(policy::request_scope(&ctx.principal));
    if let Some(st) = filter.status {
        q = q.filter(rfs::Column::Status.eq(st.code()));
    }
    if let Some(u) = filter.urgent {
        q = q.filter(rfs::Column::Urgent.eq(u));
    }
    let now = Utc::now();
    match filter.overdue {
        Some(true) => {
            q = q.filter(rfs::Column::Status.eq(RequestStatus::Received.code())).filter(rfs::Column::DueAt.lt(now));
        }
        Some(false) => {
            q = q.filter(
                Condition::any()
                    .add(rfs::Column::Status.ne(RequestStatus::Received.code()))
                    .add(rfs::Column::DueAt.gte(now)),
            );
        }
        None => {}
    }
    if let Some(c) = after {
        let bad = || AppError::invalid("after", UserErrorCode::Invalid, "not a valid cursor");
        let parts = decode_parts("rq1", c).ok_or_else(bad)?;
        let [u, d, id] = parts.as_slice() else { return Err(bad()) };
        let urgent = match u.as_str() {
            "1" => true,
            "0" => false,
            _ => return Err(bad()),
        };
        let due = d.parse::<i64>().ok().and_then(DateTime::<Utc>::from_timestamp_micros).ok_or_else(bad)?;
        let id = Uuid::try_parse(id).map_err(|_| bad())?;
        let later_same_urgency = Condition::all().add(rfs::Column::Urgent.eq(urgent)).add(
            Condition::any()
                .add(rfs::Column::DueAt.gt(due))
                .add(Condition::all().add(rfs::Column::DueAt.eq(due)).add(rfs::Column::Id.gt(id))),
        );
        let mut cond = Condition::any().add(later_same_urgency);
        if urgent {
            cond = cond.add(rfs::Column::Urgent.eq(false));
        }
        q = q.filter(cond);
    }
    let rows = q
        .order_by_desc(rfs::Column::Urgent)
        .order_by_asc(rfs::Column::DueAt)
        .order_by_asc(rfs::Column::Id)
        .limit(page.limit())
        .all(db)
        .await?;
    let mut page = Page::from_rows(rows, &page);
    page.has_previous = after.is_some();
    let entries: Vec<Entry> = page
        .items
        .iter()
        .map(|r| Entry::allowed(AuditAction::Read, RecordType::RequestForSupport, r.id, None))
        .collect();
    audit::note(db, ctx, &entries).await?;
    Ok(page)
}

/// The cursor of a queue row.
pub fn queue_cursor(r: &rfs::Model) -> String {
    encode_parts(
        "rq1",
        &[if r.urgent { "1" } else { "0" }, &r.due_at.timestamp_micros().to_string(), &r.id.to_string()],
    )
}

/// Children named on requests the caller can see (for loaders), by request.
pub async fn children_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<request_child::Model>>> {
    let rows = request_child::Entity::find()
        .filter(request_child::Column::RequestId.is_in(visible_request_ids(db, ctx, ids).await?))
        .order_by_asc(request_child::Column::Position)
        .all(db)
        .await?;
    Ok(super::group_by(rows, |r| r.request_id))
}

pub async fn household_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<request_household_member::Model>>> {
    let rows = request_household_member::Entity::find()
        .filter(request_household_member::Column::RequestId.is_in(visible_request_ids(db, ctx, ids).await?))
        .order_by_asc(request_household_member::Column::Position)
        .all(db)
        .await?;
    Ok(super::group_by(rows, |r| r.request_id))
}

pub async fn decisions_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, hub_decision::Model>> {
    let rows = hub_decision::Entity::find()
        .filter(hub_decision::Column::RequestId.is_in(visible_request_ids(db, ctx, ids).await?))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|d| (d.request_id, d)).collect())
}

async fn visible_request_ids(db: &impl ConnectionTrait, ctx: &RequestCtx, ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadRequests) {
        return Ok(vec![]);
    }
    Ok(rfs::Entity::find()
        .select_only()
        .column(rfs::Column::Id)
        .filter(rfs::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::request_scope(&ctx.principal))
        .into_tuple()
        .all(db)
        .await?)
}

/// Cases opened by the decisions on these requests (the caller's case scope applies).
pub async fn cases_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case::Model>>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadCase) {
        return Ok(HashMap::new());
    }
    let rows = case::Entity::find()
        .filter(case::Column::OriginRequestId.is_in(ids.iter().copied()))
        .filter(policy::case_scope(&ctx.principal))
        .order_by_asc(case::Column::Id)
        .all(db)
        .await?;
    audit::reads(db, ctx, RecordType::Case, rows.iter().map(|c| (c.id, c.child_id))).await?;
    let mut out: HashMap<Uuid, Vec<case::Model>> = HashMap::new();
    for c in rows {
        if let Some(r) = c.origin_request_id {
            out.entry(r).or_default().push(c);
        }
    }
    Ok(out)
}

async fn request_child_for_triage(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
) -> AppResult<(request_child::Model, rfs::Model)> {
    policy::authorize(&ctx.principal, Action::TriageRequests)?;
    let not_found = || AppError::invalid("input.requestChildId", UserErrorCode::NotFound, "no such child on a request");
    let rc = request_child::Entity::find_by_id(id).one(conn).await?.ok_or_else(not_found)?;
    let r = rfs::Entity::find_by_id(rc.request_id)
        .filter(policy::request_scope(&ctx.principal))
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    if r.status != RequestStatus::Received.code() {
        return Err(AppError::invalid(
            "input.requestChildId",
            UserErrorCode::Conflict,
            "the request is already decided",
        ));
    }
    Ok((rc, r))
}

/// Links a child named on a request to an existing child record the hub worker can see.
pub async fn match_child(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    request_child_id: Uuid,
    child_id: Uuid,
) -> AppResult<request_child::Model> {
    let (rc, _) = request_child_for_triage(db, ctx, request_child_id).await?;
    let visible = child::Entity::find_by_id(child_id).filter(policy::child_scope(&ctx.principal)).one(db).await?;
    if visible.is_none() {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Child, Some(child_id))]).await?;
        return Err(AppError::invalid("input.childId", UserErrorCode::NotFound, "no such child"));
    }
    let txn = db.begin().await?;
    request_child::Entity::update_many()
        .col_expr(request_child::Column::ChildId, Expr::value(child_id))
        .filter(request_child::Column::Id.eq(rc.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx,
        &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, rc.request_id, Some(child_id))],
    )
    .await?;
    let out = request_child::Entity::find_by_id(rc.id).one(&txn).await?.ok_or(AppError::Internal)?;
    txn.commit().await?;
    Ok(out)
}

/// Creates a child record from what the referrer wrote, and links it.
pub async fn create_child(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    request_child_id: Uuid,
) -> AppResult<request_child::Model> {
    let (rc, _) = request_child_for_triage(db, ctx, request_child_id).await?;
    if rc.child_id.is_some() {
        return Err(AppError::invalid(
            "input.requestChildId",
            UserErrorCode::Conflict,
            "this child is already matched to a record",
        ));
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    child::Entity::insert(child::ActiveModel {
        id: Set(id),
        given_name: Set(rc.given_name.clone()),
        family_name: Set(rc.family_name.clone()),
        given_key: Set(names::key(&rc.given_name)),
        family_key: Set(names::key(&rc.family_name)),
        date_of_birth: Set(rc.date_of_birth),
        expected_delivery_date: Set(rc.expected_delivery_date),
        sex: Set(rc.sex),
        ethnicity: Set(None),
        address_line: Set(rc.address_line.clone()),
        town: Set(None),
        postcode: Set(rc.postcode.clone()),
        nhs_number: Set(None),
        upn: Set(None),
        restricted: Set(false),
        synthetic: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    let linked = request_child::Entity::update_many()
        .col_expr(request_child::Column::ChildId, Expr::value(id))
        .filter(request_child::Column::Id.eq(rc.id))
        .filter(request_child::Column::ChildId.is_null())
        .exec(&txn)
        .await?;
    if linked.rows_affected != 1 {
        txn.rollback().await?;
        return Err(AppError::invalid(
            "input.requestChildId",
            UserErrorCode::Conflict,
            "this child is already matched to a record",
        ));
    }
    audit::record(
        &txn,
        ctx,
        &[
            Entry::allowed(AuditAction::Create, RecordType::Child, id, Some(id)),
            Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, rc.request_id, Some(id)),
        ],
    )
    .await?;
    let out = request_child::Entity::find_by_id(rc.id).one(&txn).await?.ok_or(AppError::Internal)?;
    txn.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub request_id: Uuid,
    pub outcome: HubOutcome,
    pub decided_level: Level,
    pub rationale: String,
    pub feedback: String,
    pub expected_version: i32,
    /// For outcomes that open a case: the social-care team and, optionally, the worker.
    pub team_id: Option<Uuid>,
    pub allocated_worker_id: Option<Uuid>,
}

/// Records the hub's decision. An assessment (s17) or strategy discussion (s47) opens a case
/// for every child on the request, under the openCase rules, in the same transaction.
pub async fn decide(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    d: Decision,
) -> AppResult<(rfs::Model, hub_decision::Model)> {
    let p = &ctx.principal;
    policy::authorize(p, Action::TriageRequests)?;
    let Some(r) = rfs::Entity::find_by_id(d.request_id).filter(policy::request_scope(p)).one(db).await? else {
        audit::record(
            db,
            ctx,
            &[Entry::denied(AuditAction::Update, RecordType::RequestForSupport, Some(d.request_id))],
        )
        .await?;
        return Err(AppError::invalid("input.requestId", UserErrorCode::NotFound, "no such request"));
    };
    if r.status == RequestStatus::Decided.code() {
        return Err(AppError::invalid(
            "input.requestId",
            UserErrorCode::Conflict,
            "the request has already been decided",
        ));
    }
    if r.version != d.expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the request has changed since you read it",
        ));
    }
    let mut c = Checks::default();
    let rationale = c.take(validate::long_text("input.rationale", &d.rationale, TEXT_MAX));
    let feedback = c.take(validate::long_text("input.feedback", &d.feedback, TEXT_MAX));
    let kids = request_child::Entity::find()
        .filter(request_child::Column::RequestId.eq(r.id))
        .order_by_asc(request_child::Column::Position)
        .all(db)
        .await?;
    let matched: Vec<Uuid> = kids.iter().filter_map(|k| k.child_id).collect();
    let opens = d.outcome.opens();
    if opens.is_some() || d.outcome == HubOutcome::PassToAllocatedWorker {
        if matched.len() != kids.len() {
            c.0.push(FieldError::new(
                "input.requestId",
                UserErrorCode::NotMatched,
                "match or create the record of every child on the request first",
            ));
        }
        if opens.is_some() && d.team_id.is_none() {
            c.0.push(FieldError::new(
                "input.teamId",
                UserErrorCode::Required,
                "choose the social care team for the case",
            ));
        }
    }
    if d.outcome == HubOutcome::PassToAllocatedWorker && !matched.is_empty() {
        let open = case::Entity::find()
            .filter(case::Column::ChildId.is_in(matched.clone()))
            .filter(case::Column::Status.eq(CaseStatus::Open))
            .all(db)
            .await?;
        if open.is_empty() {
            c.0.push(FieldError::new(
                "input.outcome",
                UserErrorCode::Invalid,
                "no child on the request has an open case to pass to",
            ));
        }
    }
    c.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let updated = rfs::Entity::update_many()
        .col_expr(rfs::Column::Status, Expr::value(RequestStatus::Decided.code()))
        .col_expr(rfs::Column::UpdatedAt, Expr::value(now))
        .col_expr(rfs::Column::Version, Expr::col(rfs::Column::Version).add(1))
        .filter(rfs::Column::Id.eq(r.id))
        .filter(rfs::Column::Version.eq(d.expected_version))
        .filter(rfs::Column::Status.eq(RequestStatus::Received.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        txn.rollback().await?;
        return Err(AppError::invalid(
            "input.requestId",
            UserErrorCode::Conflict,
            "the request has already been decided",
        ));
    }
    let decision = hub_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(r.id),
        outcome: Set(d.outcome.code().into()),
        decided_level: Set(d.decided_level),
        rationale: Set(rationale.unwrap_or_default()),
        feedback: Set(feedback.unwrap_or_default()),
        decided_by: Set(p.user),
        decided_at: Set(now),
        late: Set(now > r.due_at),
    };
    hub_decision::Entity::insert(decision).exec_without_returning(&txn).await?;
    if let (Some(kind), Some(team)) = (opens, d.team_id) {
        for (i, child_id) in matched.iter().enumerate() {
            let opened = cases::open_on(
                &txn,
                ctx,
                cases::OpenCase {
                    child_id: *child_id,
                    kind,
                    team_id: team,
                    allocated_worker_id: d.allocated_worker_id,
                    origin_request_id: Some(r.id),
                },
                "input",
            )
            .await;
            if let Err(e) = opened {
                txn.rollback().await?;
                return Err(match e {
                    AppError::Invalid(mut errs) => {
                        for f in &mut errs {
                            if f.field.last().is_some_and(|l| l == "childId") {
                                f.field = vec!["input".into(), "requestId".into(), format!("children.{i}")];
                            }
                        }
                        AppError::Invalid(errs)
                    }
                    other => other,
                });
            }
        }
    }
    audit::record(
        &txn,
        ctx,
        &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, r.id, matched.first().copied())],
    )
    .await?;
    let stored = rfs::Entity::find_by_id(r.id).one(&txn).await?.ok_or(AppError::Internal)?;
    let decision = hub_decision::Entity::find()
        .filter(hub_decision::Column::RequestId.eq(r.id))
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    txn.commit().await?;
    Ok((stored, decision))
}

/// Is an undecided request past its due time?
pub fn overdue(r: &rfs::Model, now: DateTime<Utc>) -> bool {
    r.status == RequestStatus::Received.code() && now > r.due_at
}
