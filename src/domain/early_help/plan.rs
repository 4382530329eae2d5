//! The plan: adding a row (which agrees the plan) and editing one between meetings.
use super::*;

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
    let a = for_edit(db, ctx, assessment_id, expected_version, policy::early_help_contribute_scope(p), &BY_ASSESSMENT)
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
    let changed = async |txn: &DatabaseTransaction| {
        let mut set = vec![];
        if a.plan_agreed_on.is_none() {
            set.push((eha::Column::PlanAgreedOn, Expr::value(Some(today))));
            set.push((eha::Column::NextReviewDue, Expr::value(next_review_due(Some(today), None, REVIEW_CADENCE))));
            set.push((eha::Column::Status, Expr::value(EarlyHelpStatus::PlanActive.code())));
        }
        action::Entity::insert(action_row(a.id, existing, &input, now)).exec_without_returning(txn).await?;
        let history = vec![(ChangeSection::Plan, vec![format!("plan.{existing} (added)")])];
        Ok((Changed { set, history, ..Default::default() }, ()))
    };
    Ok(commit_edit(db, ctx, &a, expected_version, now, changed).await?.0)
}

/// Edits a plan row (progress between meetings, a new target date, who is responsible...).
pub async fn update_action(db: &DatabaseConnection, ctx: &RequestCtx, u: ActionPatch) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let Some(row) = action::Entity::find_by_id(u.action_id).one(db).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::EarlyHelpAssessment, None)]).await?;
        return Err(BY_ACTION.not_found());
    };
    let a =
        for_edit(db, ctx, row.assessment_id, u.expected_version, policy::early_help_contribute_scope(p), &BY_ACTION)
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
    let changed = async |txn: &DatabaseTransaction| {
        action::Entity::update_many().set(m).filter(action::Column::Id.eq(row.id)).exec(txn).await?;
        Ok((Changed::history(ChangeSection::Plan, fields), ()))
    };
    Ok(commit_edit(db, ctx, &a, u.expected_version, now, changed).await?.0)
}
