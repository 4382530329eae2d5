//! Reading assessments under the policy's row scope: one by ID, lists, the aggregate summary,
//! and the lists below an assessment that the loaders batch.
use super::*;

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
pub(super) fn visible_assessments(ctx: &RequestCtx) -> sea_orm::sea_query::SelectStatement {
    eha::Entity::find()
        .select_only()
        .column(eha::Column::Id)
        .filter(policy::early_help_scope(&ctx.principal))
        .into_query()
}

pub(super) fn readable(ctx: &RequestCtx, ids: &[Uuid]) -> bool {
    !ids.is_empty() && policy::permits(&ctx.principal, Action::ReadEarlyHelp)
}

/// The rows of `E` below the given parents (assessments or meetings) that lie `within` what the
/// caller may see, ordered, grouped by parent: the one shape of every loader below an assessment.
async fn rows_below<E>(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
    parent: E::Column,
    within: sea_orm::sea_query::SelectStatement,
    order: &[E::Column],
    key: impl Fn(&E::Model) -> Uuid,
) -> AppResult<HashMap<Uuid, Vec<E::Model>>>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    if !readable(ctx, ids) {
        return Ok(HashMap::new());
    }
    let mut q = E::find().filter(parent.is_in(ids.iter().copied())).filter(parent.in_subquery(within));
    for column in order {
        q = q.order_by_asc(*column);
    }
    Ok(crate::domain::group_by(q.all(db).await?, key))
}

/// The children of the assessments the caller may see, by assessment (for loaders).
pub async fn children_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ehc::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<ehc::Entity>(db, ctx, ids, ehc::Column::AssessmentId, within, &[ehc::Column::Position], |r| {
        r.assessment_id
    })
    .await
}

/// The household members of the assessments the caller may see, by assessment.
pub async fn household_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<member::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<member::Entity>(db, ctx, ids, member::Column::AssessmentId, within, &[member::Column::Position], |r| {
        r.assessment_id
    })
    .await
}

/// Strengths and needs, by assessment.
pub async fn factors_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<factor::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<factor::Entity>(db, ctx, ids, factor::Column::AssessmentId, within, &[factor::Column::Position], |r| {
        r.assessment_id
    })
    .await
}

/// Plan actions, by assessment.
pub async fn actions_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<action::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<action::Entity>(db, ctx, ids, action::Column::AssessmentId, within, &[action::Column::Position], |r| {
        r.assessment_id
    })
    .await
}

/// Memberships of the team around the family, current and ended, in the order they were added.
pub async fn members_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<taf::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<taf::Entity>(db, ctx, ids, taf::Column::AssessmentId, within, &[taf::Column::Id], |r| r.assessment_id)
        .await
}

/// Meeting records, by assessment, oldest first.
pub async fn meetings_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<meeting::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<meeting::Entity>(
        db,
        ctx,
        ids,
        meeting::Column::AssessmentId,
        within,
        &[meeting::Column::HeldOn, meeting::Column::Id],
        |r| r.assessment_id,
    )
    .await
}

pub(super) fn visible_meetings(ctx: &RequestCtx) -> sea_orm::sea_query::SelectStatement {
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
    let within = visible_meetings(ctx);
    rows_below::<attendee::Entity>(
        db,
        ctx,
        meeting_ids,
        attendee::Column::MeetingId,
        within,
        &[attendee::Column::Position],
        |r| r.meeting_id,
    )
    .await
}

/// Plan reviews by meeting.
pub async fn reviews_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    meeting_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<review::Model>>> {
    let within = visible_meetings(ctx);
    rows_below::<review::Entity>(db, ctx, meeting_ids, review::Column::MeetingId, within, &[review::Column::Id], |r| {
        r.meeting_id
    })
    .await
}

/// The history of changes, oldest first.
pub async fn changes_of(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<change::Model>>> {
    let within = visible_assessments(ctx);
    rows_below::<change::Entity>(db, ctx, ids, change::Column::AssessmentId, within, &[change::Column::Id], |r| {
        r.assessment_id
    })
    .await
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
