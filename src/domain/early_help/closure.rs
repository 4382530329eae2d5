//! Closing an assessment (step down, step up with a draft request, or another outcome) and
//! linking its children to child records.
use super::*;

/// Closes an assessment with its outcome (the lead only). Open plan actions need a reason; a
/// step up needs the concern, and makes a draft request for support pre-filled from the
/// assessment (children, household, concerns, consent, level), owned by the lead, in the same
/// transaction. Returns the closed assessment and the draft's ID.
pub async fn close(db: &DatabaseConnection, ctx: &RequestCtx, x: Closure) -> AppResult<(eha::Model, Option<Uuid>)> {
    let p = &ctx.principal;
    let a = for_edit(db, ctx, x.assessment_id, x.expected_version, policy::early_help_lead_scope(p), &BY_ASSESSMENT)
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
            consent: intake::consent_from_columns(
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
    let changed = async |txn: &DatabaseTransaction| {
        let draft_id = match draft {
            Some(d) => Some(request::create_draft(txn, ctx, d, now).await?),
            None => None,
        };
        let set = vec![
            (eha::Column::Status, Expr::value(EarlyHelpStatus::Closed.code())),
            (eha::Column::ClosedOn, Expr::value(Some(closed_on))),
            (eha::Column::ClosedAt, Expr::value(Some(now))),
            (eha::Column::ClosedBy, Expr::value(Some(p.user))),
            (eha::Column::ClosureOutcome, Expr::value(Some(x.outcome.code()))),
            (eha::Column::ClosureReason, Expr::value(reason.clone())),
            (eha::Column::StepUpRequestId, Expr::value(draft_id)),
            (eha::Column::NextReviewDue, Expr::value(Option::<NaiveDate>::None)),
        ];
        let mut fields = vec!["outcome".to_string(), "closedOn".into()];
        if reason.is_some() {
            fields.push("reason".into());
        }
        if draft_id.is_some() {
            fields.push("stepUpRequest (draft made)".into());
        }
        let event = crate::domain::outbox::events::assessment_closed(a.id, x.outcome.code(), a.lead_org_id);
        crate::domain::outbox::emit(txn, &[event]).await?;
        Ok((Changed { set, history: vec![(ChangeSection::Closure, fields)], ..Default::default() }, draft_id))
    };
    commit_edit(db, ctx, &a, x.expected_version, now, changed).await
}

/// Do the names and date of birth on an assessment agree with a child record? Names compare
/// normalised (case, accents and spacing aside); an unborn child compares the expected date of
/// delivery.
pub fn same_identity(row: &ehc::Model, record: &entity::child::Model) -> bool {
    use crate::domain::names::key;
    key(&row.given_name) == key(&record.given_name)
        && key(&row.family_name) == key(&record.family_name)
        && match (row.date_of_birth, record.date_of_birth) {
            (Some(a), Some(b)) => a == b,
            (None, None) => row.expected_delivery_date == record.expected_delivery_date,
            _ => false,
        }
}

/// Links a child on an assessment to a child record the caller may see (hub workers and social
/// workers who may read the assessment, including after a step up; partners cannot see child
/// records). The names and date of birth must agree, or `override_reason` says why the link is
/// right anyway (kept with the link).
pub async fn link_child(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    assessment_child_id: Uuid,
    child_id: Uuid,
    expected_version: i32,
    override_reason: Option<String>,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let Some(row) = ehc::Entity::find_by_id(assessment_child_id).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, None)]).await?;
        return Err(BY_CHILD.not_found());
    };
    let a = for_edit(db, ctx, row.assessment_id, expected_version, policy::early_help_link_scope(p), &BY_CHILD).await?;
    let visible = entity::child::Entity::find_by_id(child_id).filter(policy::child_scope(p)).one(db).await?;
    let Some(record) = visible else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Child, Some(child_id))]).await?;
        return Err(err("input.childId", UserErrorCode::NotFound, "no such child"));
    };
    if row.child_id.is_some() {
        return Err(err(
            "input.assessmentChildId",
            UserErrorCode::Conflict,
            "this child is already linked to a record",
        ));
    }
    let reason = match override_reason.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => {
            Some(validate::long_text("input.overrideReason", r, TEXT_MAX).map_err(|e| AppError::Invalid(vec![e]))?)
        }
        _ => None,
    };
    if reason.is_none() && !same_identity(&row, &record) {
        return Err(err(
            "input.childId",
            UserErrorCode::IdentityMismatch,
            "the names or date of birth on the assessment and the child record disagree: check they are the same \
             child, and give overrideReason to link them anyway",
        ));
    }
    let now = Utc::now();
    let changed = async |txn: &DatabaseTransaction| {
        let linked = ehc::Entity::update_many()
            .col_expr(ehc::Column::ChildId, Expr::value(Some(child_id)))
            .col_expr(ehc::Column::LinkOverrideReason, Expr::value(reason.clone()))
            .filter(ehc::Column::Id.eq(row.id))
            .filter(ehc::Column::ChildId.is_null())
            .exec(txn)
            .await?;
        if linked.rows_affected != 1 {
            return Err(stale());
        }
        let history = vec![(ChangeSection::ChildLink, vec![format!("children.{}.child", row.position)])];
        Ok((Changed { history, audit_child: Some(child_id), ..Default::default() }, ()))
    };
    Ok(commit_edit(db, ctx, &a, expected_version, now, changed).await?.0)
}
