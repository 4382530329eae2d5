//! Referrals to early help: a hub `EARLY_HELP` decision queues one for the early help service;
//! an early help manager allocates it to a lead (an early help practitioner, or a partner
//! practitioner who has agreed); the lead starts an assessment pre-filled from the request. The
//! hub follows each referral's status.
use super::*;
use crate::alerts::{AlertBus, Signal};
use crate::domain::alert::{self as alerting, AlertKind, Subject};
use entity::{early_help_referral as ehr, request_child, request_household_member};

code_enum! {
    /// Where an early help referral stands: awaiting allocation, allocated to a lead, or its
    /// assessment started.
    ReferralStatus {
        /// Waiting for an early help manager to allocate a lead.
        AwaitingAllocation = "AWAITING_ALLOCATION",
        /// A lead is allocated; no assessment yet.
        Allocated = "ALLOCATED",
        /// The lead started the assessment.
        AssessmentStarted = "ASSESSMENT_STARTED",
    }
}

/// Queues a referral for a request the hub decided as `EARLY_HELP`, inside the decision's
/// transaction, and alerts the early help managers.
pub async fn create_on(
    txn: &DatabaseTransaction,
    ctx: &RequestCtx,
    request: &rfs::Model,
    now: DateTime<Utc>,
) -> AppResult<Vec<Signal>> {
    let id = Uuid::now_v7();
    ehr::Entity::insert(ehr::ActiveModel {
        id: Set(id),
        request_id: Set(request.id),
        status: Set(ReferralStatus::AwaitingAllocation.code().into()),
        lead_id: Set(None),
        allocated_by: Set(None),
        allocated_at: Set(None),
        assessment_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;
    audit::record(txn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::EarlyHelpReferral, id, None)]).await?;
    crate::domain::outbox::emit(txn, &[crate::domain::outbox::events::referral_created(id, request.id)]).await?;
    let managers = alerting::early_help_managers(txn).await?;
    alerting::raise(txn, ctx, Subject::Referral(id), None, AlertKind::EarlyHelpReferral, &managers).await
}

/// The assessment a request stepped up from, if the caller may read it (audited as a read).
pub async fn stepped_up_from(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    request_id: Uuid,
) -> AppResult<Option<eha::Model>> {
    let found = eha::Entity::find()
        .filter(eha::Column::StepUpRequestId.eq(request_id))
        .filter(policy::early_help_scope(&ctx.principal))
        .one(db)
        .await?;
    if let Some(a) = &found {
        audit::note(db, ctx, &[Entry::allowed(AuditAction::Read, RecordType::EarlyHelpAssessment, a.id, None)]).await?;
    }
    Ok(found)
}

/// Referrals by ID inside the caller's scope.
pub async fn referrals_by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, ehr::Model>> {
    referrals_keyed(db, ctx, ehr::Column::Id, ids, |r| r.id).await
}

/// The referral each request became, inside the caller's scope, by request.
pub async fn referrals_of_requests(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, ehr::Model>> {
    referrals_keyed(db, ctx, ehr::Column::RequestId, ids, |r| r.request_id).await
}

async fn referrals_keyed(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    column: ehr::Column,
    ids: &[Uuid],
    key: fn(&ehr::Model) -> Uuid,
) -> AppResult<HashMap<Uuid, ehr::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = ehr::Entity::find()
        .filter(column.is_in(ids.iter().copied()))
        .filter(policy::early_help_referral_scope(&ctx.principal))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (key(&r), r)).collect())
}

/// The referrals the caller may see, oldest first (the queue), optionally by status.
pub async fn referrals(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    status: Option<ReferralStatus>,
    page: &PageArgs,
) -> AppResult<Page<ehr::Model>> {
    let mut q = ehr::Entity::find().filter(policy::early_help_referral_scope(&ctx.principal));
    if let Some(s) = status {
        q = q.filter(ehr::Column::Status.eq(s.code()));
    }
    if let Some(after) = page.after {
        q = q.filter(ehr::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(ehr::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}

/// An allocation: the referral, the lead and whether a partner lead has agreed.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub referral_id: Uuid,
    pub lead_id: Uuid,
    pub partner_agreed: bool,
    pub expected_version: i32,
}

fn missing() -> AppError {
    AppError::invalid("input.referralId", UserErrorCode::NotFound, "no such referral")
}

/// Allocates a referral awaiting allocation (or re-allocates one whose lead has not started)
/// to a lead, and alerts the lead.
pub async fn allocate(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    a: Allocation,
) -> AppResult<ehr::Model> {
    let p = &ctx.principal;
    let r = ehr::Entity::find_by_id(a.referral_id)
        .filter(policy::early_help_referral_scope(p))
        .filter(policy::may_allocate_early_help(p))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if r.status == ReferralStatus::AssessmentStarted.code() {
        return Err(AppError::invalid(
            "input.referralId",
            UserErrorCode::Conflict,
            "the lead has already started the assessment",
        ));
    }
    if r.version != a.expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the referral has changed since you read it",
        ));
    }
    let lead = staff::Entity::find_by_id(a.lead_id).one(db).await?;
    let (may_lead, partner) = lead.as_ref().map(policy::may_lead_early_help).unwrap_or((false, false));
    if !may_lead {
        return Err(AppError::invalid(
            "input.leadId",
            UserErrorCode::NotAllowed,
            "the lead must be an active early help practitioner or partner practitioner",
        ));
    }
    if partner && !a.partner_agreed {
        return Err(AppError::invalid(
            "input.partnerAgreed",
            UserErrorCode::Required,
            "a partner practitioner leads only once they have agreed to: confirm they agreed",
        ));
    }
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let done = ehr::Entity::update_many()
            .col_expr(ehr::Column::Status, Expr::value(ReferralStatus::Allocated.code()))
            .col_expr(ehr::Column::LeadId, Expr::value(a.lead_id))
            .col_expr(ehr::Column::AllocatedBy, Expr::value(p.user))
            .col_expr(ehr::Column::AllocatedAt, Expr::value(now))
            .col_expr(ehr::Column::UpdatedAt, Expr::value(now))
            .col_expr(ehr::Column::Version, Expr::col(ehr::Column::Version).add(1))
            .filter(ehr::Column::Id.eq(r.id))
            .filter(ehr::Column::Version.eq(a.expected_version))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the referral has changed since you read it",
            ));
        }
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::EarlyHelpReferral, r.id, None)])
            .await?;
        let signals = alerting::raise(
            txn,
            ctx,
            Subject::Referral(r.id),
            None,
            AlertKind::EarlyHelpReferralAllocated,
            &[a.lead_id],
        )
        .await?;
        let stored = ehr::Entity::find_by_id(r.id).one(txn).await?.ok_or(AppError::Internal)?;
        let lead_org = lead.as_ref().map(|l| l.organisation_id);
        crate::domain::outbox::emit(
            txn,
            &[crate::domain::outbox::events::referral_allocated(r.id, a.lead_id, lead_org)],
        )
        .await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// The lead starts the assessment of a referral allocated to them, pre-filled from the request:
/// its children, household, concerns (as the reason), the child's views, consent and the hub's
/// level. The referral records the assessment in the same transaction.
pub async fn start_from_referral(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    referral_id: Uuid,
    started_on: NaiveDate,
) -> AppResult<(eha::Model, ehr::Model)> {
    let p = &ctx.principal;
    let r = ehr::Entity::find_by_id(referral_id)
        .filter(ehr::Column::LeadId.eq(p.user))
        .filter(policy::early_help_referral_scope(p))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if r.status != ReferralStatus::Allocated.code() {
        return Err(AppError::invalid(
            "input.referralId",
            UserErrorCode::Conflict,
            "the assessment for this referral has already been started",
        ));
    }
    let request = rfs::Entity::find_by_id(r.request_id).one(db).await?.ok_or(AppError::Internal)?;
    let level = entity::hub_decision::Entity::find()
        .filter(entity::hub_decision::Column::RequestId.eq(request.id))
        .one(db)
        .await?
        .map(|d| d.decided_level)
        .unwrap_or(request.referrer_level);
    let children = request_child::Entity::find()
        .filter(request_child::Column::RequestId.eq(request.id))
        .order_by_asc(request_child::Column::Position)
        .all(db)
        .await?;
    let household = request_household_member::Entity::find()
        .filter(request_household_member::Column::RequestId.eq(request.id))
        .order_by_asc(request_household_member::Column::Position)
        .all(db)
        .await?;
    let s = Start {
        children: children
            .into_iter()
            .map(|c| ChildIn {
                given_name: c.given_name,
                family_name: c.family_name,
                date_of_birth: c.date_of_birth,
                expected_date_of_delivery: c.expected_delivery_date,
                sex: c.sex,
                address_line: c.address_line,
                postcode: c.postcode,
                school_or_setting: c.school_or_setting,
            })
            .collect(),
        household: household
            .into_iter()
            .map(|m| HouseholdIn {
                given_name: m.given_name,
                family_name: m.family_name,
                relationship: m.relationship,
                parental_responsibility: m.parental_responsibility,
                lives_with_child: m.lives_with_child,
            })
            .collect(),
        consent: intake::consent_from_columns(
            &request.consent_status,
            request.consent_given_by.as_deref(),
            request.consent_covers.as_deref(),
            request.consent_reason.as_deref(),
            request.consent_date,
        ),
        reason: request.concerns.clone(),
        child_voice: request.child_views.clone(),
        family_voice: None,
        strengths: vec![],
        needs: vec![],
        level,
        started_on,
    };
    let mut recorded = None;
    let assessment = super::edit::start_then(db, ctx, s, async |txn, assessment_id| {
        let now = Utc::now();
        let done = ehr::Entity::update_many()
            .col_expr(ehr::Column::Status, Expr::value(ReferralStatus::AssessmentStarted.code()))
            .col_expr(ehr::Column::AssessmentId, Expr::value(assessment_id))
            .col_expr(ehr::Column::UpdatedAt, Expr::value(now))
            .col_expr(ehr::Column::Version, Expr::col(ehr::Column::Version).add(1))
            .filter(ehr::Column::Id.eq(r.id))
            .filter(ehr::Column::Version.eq(r.version))
            .filter(ehr::Column::LeadId.eq(p.user))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.referralId",
                UserErrorCode::Conflict,
                "the referral changed while the assessment was being started",
            ));
        }
        recorded = ehr::Entity::find_by_id(r.id).one(txn).await?;
        Ok(())
    })
    .await?;
    Ok((assessment, recorded.ok_or(AppError::Internal)?))
}
