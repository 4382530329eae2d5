//! Reading requests for support under the policy's row scope: one by ID, the hub queue, and
//! the lists below a request that the loaders batch.
use super::*;

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
    Ok(crate::domain::group_by(rows, |r| r.request_id))
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
    Ok(crate::domain::group_by(rows, |r| r.request_id))
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

pub(super) async fn visible_request_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
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

/// Requests by ID, inside the caller's request scope (a draft is its author's alone), audited:
/// for those who read child records, as reads of each matched child, so the child's trail shows
/// who read why the case was opened.
pub async fn by_ids(db: &impl ConnectionTrait, ctx: &RequestCtx, ids: &[Uuid]) -> AppResult<HashMap<Uuid, rfs::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadRequests) {
        return Ok(HashMap::new());
    }
    let rows = rfs::Entity::find()
        .filter(rfs::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::request_scope(&ctx.principal))
        .all(db)
        .await?;
    audit_reads(db, ctx, &rows).await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// Audits reads of requests: one entry per matched child for those who read child records
/// (the read shows in the child's trail), one per request otherwise.
async fn audit_reads(db: &impl ConnectionTrait, ctx: &RequestCtx, rows: &[rfs::Model]) -> AppResult<()> {
    let mut entries = vec![];
    let children: HashMap<Uuid, Vec<Uuid>> = if policy::permits(&ctx.principal, Action::ReadChild) && !rows.is_empty() {
        let links: Vec<(Uuid, Option<Uuid>)> = request_child::Entity::find()
            .select_only()
            .column(request_child::Column::RequestId)
            .column(request_child::Column::ChildId)
            .filter(request_child::Column::RequestId.is_in(rows.iter().map(|r| r.id)))
            .into_tuple()
            .all(db)
            .await?;
        let mut m: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (r, c) in links {
            if let Some(c) = c {
                m.entry(r).or_default().push(c);
            }
        }
        m
    } else {
        HashMap::new()
    };
    for r in rows {
        match children.get(&r.id) {
            Some(kids) => entries.extend(
                kids.iter().map(|c| Entry::allowed(AuditAction::Read, RecordType::RequestForSupport, r.id, Some(*c))),
            ),
            None => entries.push(Entry::allowed(AuditAction::Read, RecordType::RequestForSupport, r.id, None)),
        }
    }
    audit::note(db, ctx, &entries).await
}

/// The requests about each of these children (newest first) that the caller may see.
pub async fn for_children(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    children: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<rfs::Model>>> {
    if children.is_empty() || !policy::permits(&ctx.principal, Action::ReadRequests) {
        return Ok(HashMap::new());
    }
    let links: Vec<(Uuid, Option<Uuid>)> = request_child::Entity::find()
        .select_only()
        .column(request_child::Column::RequestId)
        .column(request_child::Column::ChildId)
        .filter(request_child::Column::ChildId.is_in(children.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = links.iter().map(|(r, _)| *r).collect();
    let found = by_ids(db, ctx, &ids).await?;
    let mut out: HashMap<Uuid, Vec<rfs::Model>> = HashMap::new();
    for (r, c) in links {
        if let (Some(c), Some(m)) = (c, found.get(&r)) {
            out.entry(c).or_default().push(m.clone());
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
    }
    Ok(out)
}

/// The requests attached to each of these cases (the one that opened it first, then any passed
/// to its worker, oldest first) that the caller may see.
pub async fn for_cases(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    cases: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<rfs::Model>>> {
    use entity::case_request as cr;
    if cases.is_empty() || !policy::permits(&ctx.principal, Action::ReadRequests) {
        return Ok(HashMap::new());
    }
    let links = cr::Entity::find()
        .filter(cr::Column::CaseId.is_in(cases.iter().copied()))
        .order_by_asc(cr::Column::AttachedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = links.iter().map(|l| l.request_id).collect();
    let found = by_ids(db, ctx, &ids).await?;
    let mut out: HashMap<Uuid, Vec<rfs::Model>> = HashMap::new();
    for l in links {
        if let Some(m) = found.get(&l.request_id) {
            out.entry(l.case_id).or_default().push(m.clone());
        }
    }
    Ok(out)
}

/// Is an undecided request past its due time?
pub fn overdue(r: &rfs::Model, now: DateTime<Utc>) -> bool {
    r.status == RequestStatus::Received && now > r.due_at
}
