//! Meeting records: attendance, views, a review of every open plan action, new actions, and
//! the next meeting within the review cadence.
use super::*;

/// Records a team-around-the-family meeting: attendance, the views of the child and family, a
/// review of every open plan action, new actions, and the next meeting date (at most the
/// cadence's months away). The next review falls due from it.
pub async fn record_meeting(db: &DatabaseConnection, ctx: &RequestCtx, m: MeetingIn) -> AppResult<eha::Model> {
    let p = &ctx.principal;
    let a =
        for_edit(db, ctx, m.assessment_id, m.expected_version, policy::early_help_contribute_scope(p), &BY_ASSESSMENT)
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
    let changed = async |txn: &DatabaseTransaction| {
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
        .exec_without_returning(txn)
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
        .exec_without_returning(txn)
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
            .exec_without_returning(txn)
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
                    .exec(txn)
                    .await?;
            }
        }
        if !reviews.is_empty() {
            fields.push(format!("actionReviews ({})", reviews.len()));
        }
        for (i, x) in new_actions.iter().enumerate() {
            let pos = actions.len() + i;
            action::Entity::insert(action_row(a.id, pos, x, now)).exec_without_returning(txn).await?;
            plan_fields.push(format!("plan.{pos} (added)"));
        }
        // The plan is agreed at the first meeting that makes one, if not before.
        let plan_agreed_on = a.plan_agreed_on.or((!new_actions.is_empty()).then_some(m.held_on));
        let latest = meeting::Entity::find()
            .filter(meeting::Column::AssessmentId.eq(a.id))
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .one(txn)
            .await?
            .map(|x| (x.held_on, x.next_meeting_on));
        let mut set =
            vec![(eha::Column::NextReviewDue, Expr::value(next_review_due(plan_agreed_on, latest, REVIEW_CADENCE)))];
        if a.plan_agreed_on.is_none() && plan_agreed_on.is_some() {
            set.push((eha::Column::PlanAgreedOn, Expr::value(plan_agreed_on)));
            set.push((eha::Column::Status, Expr::value(EarlyHelpStatus::PlanActive.code())));
        }
        let history = vec![(ChangeSection::Meeting, fields), (ChangeSection::Plan, plan_fields)];
        Ok((Changed { set, history, ..Default::default() }, ()))
    };
    Ok(commit_edit(db, ctx, &a, m.expected_version, now, changed).await?.0)
}
