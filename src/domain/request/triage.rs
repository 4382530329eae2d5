//! The hub's triage: matching a request's children to child records (or creating them) and
//! recording the decision, which opens cases in the same transaction.
use super::*;
use crate::domain::alert::{self as alerting, AlertKind, Subject};

pub(super) async fn request_child_for_triage(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
) -> AppResult<(request_child::Model, rfs::Model)> {
    let not_found = || AppError::invalid("input.requestChildId", UserErrorCode::NotFound, "no such child on a request");
    let rc = request_child::Entity::find_by_id(id).one(conn).await?.ok_or_else(not_found)?;
    let r = rfs::Entity::find_by_id(rc.request_id)
        .filter(policy::request_scope(&ctx.principal))
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    if r.status != RequestStatus::Received {
        return Err(AppError::invalid(
            "input.requestChildId",
            UserErrorCode::Conflict,
            "the request is already decided or withdrawn",
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
    crate::db::transaction(db, async |txn| {
        request_child::Entity::update_many()
            .col_expr(request_child::Column::ChildId, Expr::value(child_id))
            .filter(request_child::Column::Id.eq(rc.id))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, rc.request_id, Some(child_id))],
        )
        .await?;
        let out = request_child::Entity::find_by_id(rc.id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(out)
    })
    .await
}

/// The records that may already be this request child (see `child::possible_duplicates`).
pub async fn duplicates_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    rc: &request_child::Model,
) -> AppResult<Vec<child::Model>> {
    let who = crate::domain::child::Identity {
        given_name: &rc.given_name,
        family_name: &rc.family_name,
        date_of_birth: rc.date_of_birth,
        expected_delivery_date: rc.expected_delivery_date,
        nhs_number: None,
    };
    crate::domain::child::possible_duplicates(db, ctx, &who).await
}

/// Possible duplicates of a request's child, for the hub deciding whether to match or create.
pub async fn request_child_duplicates(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    request_child_id: Uuid,
) -> AppResult<Vec<child::Model>> {
    let (rc, _) = request_child_for_triage(db, ctx, request_child_id).await?;
    duplicates_of(db, ctx, &rc).await
}

/// Creates a child record from what the referrer wrote, and links it. When records that may be
/// the same child exist, the caller must confirm each is a different child (`confirmed`; the
/// confirmations are kept), or match the child to one of them instead.
pub async fn create_child(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    request_child_id: Uuid,
    confirmed: &[Uuid],
) -> AppResult<request_child::Model> {
    let (rc, _) = request_child_for_triage(db, ctx, request_child_id).await?;
    if rc.child_id.is_some() {
        return Err(AppError::invalid(
            "input.requestChildId",
            UserErrorCode::Conflict,
            "this child is already matched to a record",
        ));
    }
    let candidates = duplicates_of(db, ctx, &rc).await?;
    crate::domain::child::check_confirmations(&candidates, confirmed, "input.confirmedDifferentFrom")
        .map_err(AppError::Invalid)?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    crate::db::transaction(db, async |txn| {
        if !confirmed.is_empty() {
            use entity::child_duplicate_confirmation as dup;
            dup::Entity::insert_many(confirmed.iter().map(|other| dup::ActiveModel {
                child_id: Set(id),
                other_child_id: Set(*other),
                confirmed_by: Set(ctx.principal.user),
                confirmed_at: Set(now),
            }))
            .exec_without_returning(txn)
            .await?;
        }
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
        .exec_without_returning(txn)
        .await?;
        let linked = request_child::Entity::update_many()
            .col_expr(request_child::Column::ChildId, Expr::value(id))
            .filter(request_child::Column::Id.eq(rc.id))
            .filter(request_child::Column::ChildId.is_null())
            .exec(txn)
            .await?;
        if linked.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.requestChildId",
                UserErrorCode::Conflict,
                "this child is already matched to a record",
            ));
        }
        audit::record(
            txn,
            ctx,
            &[
                Entry::allowed(AuditAction::Create, RecordType::Child, id, Some(id)),
                Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, rc.request_id, Some(id)),
            ],
        )
        .await?;
        let out = request_child::Entity::find_by_id(rc.id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(out)
    })
    .await
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

/// Records the hub's decision, and hands the work on in the same transaction:
/// - an assessment (s17) or strategy discussion (s47) opens a case for every child on the
///   request, under the openCase rules, with the request attached;
/// - passing to the allocated worker attaches the request to each child's open case and alerts
///   its worker (or, with nobody allocated, the team's managers);
/// - early help queues a referral for the early help service and alerts its managers;
/// - whatever the outcome, the referrer and their organisation's safeguarding lead are alerted
///   (the outcome and feedback are on the request; the alert carries nothing about a case).
pub async fn decide(
    db: &DatabaseConnection,
    bus: &crate::alerts::AlertBus,
    ctx: &RequestCtx,
    d: Decision,
) -> AppResult<(rfs::Model, hub_decision::Model)> {
    let p = &ctx.principal;
    let Some(r) = rfs::Entity::find_by_id(d.request_id).filter(policy::request_scope(p)).one(db).await? else {
        audit::record(
            db,
            ctx,
            &[Entry::denied(AuditAction::Update, RecordType::RequestForSupport, Some(d.request_id))],
        )
        .await?;
        return Err(AppError::invalid("input.requestId", UserErrorCode::NotFound, "no such request"));
    };
    match r.status {
        RequestStatus::Decided => {
            return Err(AppError::invalid(
                "input.requestId",
                UserErrorCode::Conflict,
                "the request has already been decided",
            ));
        }
        RequestStatus::Withdrawn => {
            return Err(AppError::invalid(
                "input.requestId",
                UserErrorCode::Conflict,
                "the referrer withdrew the request",
            ));
        }
        RequestStatus::Draft | RequestStatus::Received => {}
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
    let mut open = vec![];
    if d.outcome == HubOutcome::PassToAllocatedWorker && !matched.is_empty() {
        open = case::Entity::find()
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
    let (stored, decision, signals) = crate::db::transaction(db, async |txn| {
        let updated = rfs::Entity::update_many()
            .col_expr(rfs::Column::Status, Expr::value(RequestStatus::Decided.code()))
            .col_expr(rfs::Column::UpdatedAt, Expr::value(now))
            .col_expr(rfs::Column::Version, Expr::col(rfs::Column::Version).add(1))
            .filter(rfs::Column::Id.eq(r.id))
            .filter(rfs::Column::Version.eq(d.expected_version))
            .filter(rfs::Column::Status.eq(RequestStatus::Received.code()))
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
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
        hub_decision::Entity::insert(decision).exec_without_returning(txn).await?;
        if let (Some(kind), Some(team)) = (opens, d.team_id) {
            for (i, child_id) in matched.iter().enumerate() {
                let opened = cases::open_on(
                    txn,
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
        let mut signals = vec![];
        for case in &open {
            cases::attach_request(txn, case.id, r.id, cases::RequestLink::Passed, p.user, now).await?;
            let to = match case.allocated_worker_id {
                Some(w) => vec![w],
                None => alerting::team_managers(txn, case.team_id).await?,
            };
            signals.extend(
                alerting::raise(txn, ctx, Subject::Request(r.id), Some(case.id), AlertKind::RequestPassed, &to).await?,
            );
        }
        if d.outcome == HubOutcome::EarlyHelp {
            signals.extend(crate::domain::early_help::create_on(txn, ctx, &r, now).await?);
        }
        let referrer_side = alerting::referrer_side(txn, &r, p.user).await?;
        signals.extend(
            alerting::raise(txn, ctx, Subject::Request(r.id), None, AlertKind::RequestDecided, &referrer_side).await?,
        );
        audit::record(
            txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, r.id, matched.first().copied())],
        )
        .await?;
        let stored = rfs::Entity::find_by_id(r.id).one(txn).await?.ok_or(AppError::Internal)?;
        let decision = hub_decision::Entity::find()
            .filter(hub_decision::Column::RequestId.eq(r.id))
            .one(txn)
            .await?
            .ok_or(AppError::Internal)?;
        let event = crate::domain::outbox::events::request_decided(&stored, &decision.outcome, decision.decided_level);
        crate::domain::outbox::emit(txn, &[event]).await?;
        Ok((stored, decision, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok((stored, decision))
}
