//! Starting an assessment and editing its sections: children, household, consent, voices,
//! strengths and needs.
use super::*;

/// Starts an early help assessment. The lead practitioner and their organisation come from the
/// token, never the input.
pub async fn start(db: &DatabaseConnection, ctx: &RequestCtx, s: Start) -> AppResult<eha::Model> {
    start_then(db, ctx, s, async |_, _| Ok(())).await
}

/// Starts an assessment and, in the same transaction, runs `then` with its ID (a referral
/// records the assessment it became): both are stored, or neither.
pub(super) async fn start_then(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    s: Start,
    then: impl AsyncFnOnce(&DatabaseTransaction, Uuid) -> AppResult<()>,
) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    let now = Utc::now();
    let today = now.date_naive();
    let mut c = Checks::default();
    let children = intake::check_children(&mut c, &s.children, today);
    let household = intake::check_household(&mut c, &s.household);
    let consent = intake::check_consent(&mut c, "input.consent", &s.consent, today);
    let reason = c.take(validate::long_text("input.reason", &s.reason, LONG_TEXT_MAX));
    let (child_voice, family_voice) = check_voices(&mut c, s.child_voice.as_deref(), s.family_voice.as_deref());
    c.take(validate::not_future("input.startedOn", s.started_on, today));
    let none = HashSet::new();
    let strengths = check_factors(&mut c, "input.strengths", &s.strengths, &none);
    let needs = check_factors(&mut c, "input.needs", &s.needs, &none);
    c.finish()?;
    let id = Uuid::now_v7();
    crate::db::transaction(db, async |txn| {
        let year = chrono::Datelike::year(&now);
        let reference = crate::domain::submission::next_reference(txn, "EHA", year).await?;
        eha::Entity::insert(eha::ActiveModel {
            id: Set(id),
            reference: Set(reference),
            lead_id: Set(p.user),
            lead_org_id: Set(org),
            status: Set(EarlyHelpStatus::Assessment),
            reason: Set(reason.unwrap_or_default()),
            child_voice: Set(child_voice),
            family_voice: Set(family_voice),
            level: Set(s.level),
            consent_status: Set(consent.status.code().into()),
            consent_given_by: Set(consent.given_by.map(|g| g.code().into())),
            consent_covers: Set(consent.covers.clone()),
            consent_reason: Set(intake::stored_consent_reason(&consent)),
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
        .exec_without_returning(txn)
        .await?;
        ehc::Entity::insert_many(children.iter().enumerate().map(|(i, ch)| child_row(id, Uuid::now_v7(), i, ch)))
            .exec_without_returning(txn)
            .await?;
        if !household.is_empty() {
            member::Entity::insert_many(
                household.iter().enumerate().map(|(i, m)| member_row(id, Uuid::now_v7(), i, m)),
            )
            .exec_without_returning(txn)
            .await?;
        }
        let factors: Vec<factor::ActiveModel> = strengths
            .iter()
            .enumerate()
            .map(|(i, f)| factor_row(id, Uuid::now_v7(), FactorKind::Strength, i, f))
            .chain(needs.iter().enumerate().map(|(i, f)| factor_row(id, Uuid::now_v7(), FactorKind::Need, i, f)))
            .collect();
        if !factors.is_empty() {
            factor::Entity::insert_many(factors).exec_without_returning(txn).await?;
        }
        log_change(txn, ctx, id, ChangeSection::Assessment, &["started".into()], now).await?;
        audit_write(txn, ctx, AuditAction::Create, id).await?;
        then(txn, id).await?;
        eha::Entity::find_by_id(id).one(txn).await?.ok_or(AppError::Internal)
    })
    .await
}

/// Edits an assessment's sections (lead, or a TAF member while it is open).
pub async fn update(db: &DatabaseConnection, ctx: &RequestCtx, u: Update) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let a =
        for_edit(db, ctx, u.assessment_id, u.expected_version, policy::early_help_contribute_scope(p), &BY_ASSESSMENT)
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
        let new = intake::check_consent(&mut c, "input.consent", consent, today);
        let old = intake::consent_from_columns(
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
                Expr::value(intake::stored_consent_reason(&new)),
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
        intake::check_children_count(&mut c, "input.children", rows.len());
        check_ids(&mut c, "input.children", rows, &old_children.iter().map(|k| k.id).collect());
        let cleaned: Vec<(Option<Uuid>, ChildIn)> = rows
            .iter()
            .enumerate()
            .take(MAX_CHILDREN)
            .map(|(i, (id, ch))| (*id, intake::check_child(&mut c, &format!("input.children.{i}"), ch, today)))
            .collect();
        plan_list(&old_children, &cleaned, |m| m.id, |m| m.position, child_diff)
    });
    let household = u.household.as_ref().map(|rows| {
        intake::check_household_count(&mut c, "input.household", rows.len());
        check_ids(&mut c, "input.household", rows, &old_members.iter().map(|m| m.id).collect());
        let cleaned: Vec<(Option<Uuid>, HouseholdIn)> = rows
            .iter()
            .enumerate()
            .take(MAX_HOUSEHOLD)
            .map(|(i, (id, m))| (*id, intake::check_household_member(&mut c, &format!("input.household.{i}"), m)))
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
    let changed = async |txn: &DatabaseTransaction| {
        if let Some(ch) = children {
            store_list::<ehc::Entity, _>(txn, &ch, ehc::Column::Id, ehc::Column::AssessmentId, |id, pos, v| {
                child_row(a.id, id, pos, v)
            })
            .await?;
        }
        if let Some(h) = household {
            let row = |id, pos, v: &HouseholdIn| member_row(a.id, id, pos, v);
            store_list::<member::Entity, _>(txn, &h, member::Column::Id, member::Column::AssessmentId, row).await?;
        }
        for (kind, _, ch) in factor_changes {
            let row = |id, pos, v: &FactorIn| factor_row(a.id, id, kind, pos, v);
            store_list::<factor::Entity, _>(txn, &ch, factor::Column::Id, factor::Column::AssessmentId, row).await?;
        }
        let history = vec![
            (ChangeSection::Assessment, assessment_fields),
            (ChangeSection::Consent, consent_fields),
            (ChangeSection::People, people_fields),
            (ChangeSection::Analysis, analysis_fields),
        ];
        Ok((Changed { set, history, ..Default::default() }, ()))
    };
    Ok(commit_edit(db, ctx, &a, u.expected_version, now, changed).await?.0)
}
