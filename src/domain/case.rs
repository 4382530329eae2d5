//! Cases: reads under the policy's row scope, and the open / allocate / close workflow. Every
//! change is one transaction holding the case row, its transition record and its audit row;
//! edits carry the version they read (optimistic concurrency).
use super::page::{Page, PageArgs};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::domain::outbox;
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::Utc;
use entity::{
    case, case_event, child,
    enums::{AgencyType, AuditAction, CaseEventKind, CaseKind, CaseStatus, ClosureReason},
    organisation, staff, team,
};
use sea_orm::{
    ActiveValue::NotSet,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    prelude::Uuid,
    sea_query::{Expr, ExprTrait},
};
use std::collections::HashMap;

/// One case by ID, inside the caller's scope; anything else is `NOT_FOUND` (audited).
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<case::Model> {
    match find_visible(db, ctx, id).await? {
        Some(c) => {
            audit::reads(db, ctx, RecordType::Case, [(c.id, c.child_id)]).await?;
            Ok(c)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::Case, Some(id))]).await?;
            Err(AppError::NotFound)
        }
    }
}

async fn find_visible(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<Option<case::Model>> {
    if !policy::permits(&ctx.principal, Action::ReadCase) {
        return Ok(None);
    }
    Ok(case::Entity::find_by_id(id).filter(policy::case_scope(&ctx.principal)).one(db).await?)
}

/// Several cases by ID (for DataLoaders), audited.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, case::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadCase) {
        return Ok(HashMap::new());
    }
    let rows = case::Entity::find()
        .filter(case::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::case_scope(&ctx.principal))
        .all(db)
        .await?;
    audit::reads(db, ctx, RecordType::Case, rows.iter().map(|c| (c.id, c.child_id))).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// The cases of several children that the caller may see, oldest first, audited.
pub async fn for_children(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    child_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case::Model>>> {
    if child_ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadCase) {
        return Ok(HashMap::new());
    }
    let rows = case::Entity::find()
        .filter(case::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(policy::case_scope(&ctx.principal))
        .order_by_asc(case::Column::Id)
        .all(db)
        .await?;
    audit::reads(db, ctx, RecordType::Case, rows.iter().map(|c| (c.id, c.child_id))).await?;
    Ok(super::group_by(rows, |c| c.child_id))
}

/// The transitions of several cases, oldest first. The caller passes visible cases' IDs.
pub async fn events_for(
    db: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_event::Model>>> {
    if case_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = case_event::Entity::find()
        .filter(case_event::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    Ok(super::group_by(rows, |e| e.case_id))
}

/// The caller's caseload: open cases allocated to them (and, for a team manager, to their team).
pub async fn caseload(db: &impl ConnectionTrait, ctx: &RequestCtx, page: &PageArgs) -> AppResult<Page<case::Model>> {
    let mut q = case::Entity::find().filter(policy::caseload_scope(&ctx.principal)?);
    if let Some(after) = page.after {
        q = q.filter(case::Column::Id.gt(after));
    }
    let rows = crate::rows::select_all(db, q.order_by_asc(case::Column::Id).limit(page.limit())).await?;
    let page = Page::from_rows(rows, page);
    audit::reads(db, ctx, RecordType::Case, page.items.iter().map(|c| (c.id, c.child_id))).await?;
    Ok(page)
}

#[derive(Debug, Clone)]
pub struct OpenCase {
    pub child_id: Uuid,
    pub kind: CaseKind,
    pub team_id: Uuid,
    pub allocated_worker_id: Option<Uuid>,
    pub origin_request_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct AllocateCase {
    pub case_id: Uuid,
    pub worker_id: Uuid,
    pub expected_version: i32,
}

#[derive(Debug, Clone)]
pub struct CloseCase {
    pub case_id: Uuid,
    pub reason: ClosureReason,
    pub expected_version: i32,
}

fn field_err(field: &str, code: UserErrorCode, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, code, message)])
}

/// A team of a children's social care organisation, or `None`.
async fn social_care_team(db: &impl ConnectionTrait, team_id: Uuid) -> AppResult<Option<team::Model>> {
    let Some(t) = team::Entity::find_by_id(team_id).one(db).await? else {
        return Ok(None);
    };
    let org = organisation::Entity::find_by_id(t.organisation_id).one(db).await?;
    Ok(org.filter(|o| o.agency_type == AgencyType::LaChildrensSocialCare).map(|_| t))
}

/// The worker must be an active social worker or team manager of the team.
async fn check_worker(db: &impl ConnectionTrait, field: &str, worker_id: Uuid, team_id: Uuid) -> AppResult<()> {
    let Some(w) = staff::Entity::find_by_id(worker_id).filter(staff::Column::Active.eq(true)).one(db).await? else {
        return Err(field_err(field, UserErrorCode::NotFound, "no such worker"));
    };
    if !policy::may_be_allocated(&w, team_id) {
        return Err(field_err(
            field,
            UserErrorCode::NotAllowed,
            "the worker must be a social worker or manager in the case's team",
        ));
    }
    Ok(())
}

/// Opens a case for a child. One open case per child (also enforced by a unique index).
pub async fn open(db: &DatabaseConnection, ctx: &RequestCtx, input: OpenCase) -> AppResult<case::Model> {
    match crate::db::transaction(db, async |txn| open_on(txn, ctx, input, "input").await).await {
        Ok(model) => Ok(model),
        Err(e) => {
            if let AppError::Invalid(errs) = &e
                && errs
                    .iter()
                    .any(|f| f.code == UserErrorCode::NotFound && f.field.last().is_some_and(|l| l == "childId"))
            {
                // The refused attempt is on the trail even though the transaction was not.
                audit::note(db, ctx, &[Entry::denied(AuditAction::Create, RecordType::Case, None)]).await?;
            }
            Err(e)
        }
    }
}

/// The rules and writes of opening a case, on the caller's connection or transaction (a hub
/// decision opens cases inside its own). `prefix` names the input in field paths.
pub async fn open_on(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    input: OpenCase,
    prefix: &str,
) -> AppResult<case::Model> {
    let p = &ctx.principal;
    let f = |name: &str| format!("{prefix}.{name}");
    if social_care_team(conn, input.team_id).await?.is_none() {
        return Err(field_err(&f("teamId"), UserErrorCode::NotFound, "no such social care team"));
    }
    if !policy::may_manage_team_cases(p, Action::OpenCase, input.team_id) {
        return Err(field_err(&f("teamId"), UserErrorCode::NotAllowed, "you may not open cases for this team"));
    }
    let visible = child::Entity::find_by_id(input.child_id).filter(policy::child_scope(p)).one(conn).await?;
    if visible.is_none() {
        return Err(field_err(&f("childId"), UserErrorCode::NotFound, "no such child"));
    }
    if let Some(w) = input.allocated_worker_id {
        check_worker(conn, &f("allocatedWorkerId"), w, input.team_id).await?;
    }
    let already = case::Entity::find()
        .filter(case::Column::ChildId.eq(input.child_id))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .one(conn)
        .await?;
    if already.is_some() {
        return Err(field_err(&f("childId"), UserErrorCode::AlreadyOpen, "the child already has an open case"));
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let inserted = case::Entity::insert(case::ActiveModel {
        id: Set(id),
        child_id: Set(input.child_id),
        kind: Set(input.kind),
        status: Set(CaseStatus::Open),
        team_id: Set(input.team_id),
        allocated_worker_id: Set(input.allocated_worker_id),
        opened_at: Set(now),
        closed_at: Set(None),
        closure_reason: Set(None),
        synthetic: Set(false),
        origin_request_id: Set(input.origin_request_id),
        access_until: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await;
    if let Err(e) = inserted {
        return Err(match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                field_err(&f("childId"), UserErrorCode::AlreadyOpen, "the child already has an open case")
            }
            _ => e.into(),
        });
    }
    let mut events = vec![event(id, CaseEventKind::Opened, p.user, now, Some(input.team_id), None, None)];
    if let Some(w) = input.allocated_worker_id {
        events.push(event(id, CaseEventKind::Allocated, p.user, now, Some(input.team_id), Some(w), None));
    }
    case_event::Entity::insert_many(events).exec_without_returning(conn).await?;
    if let Some(request) = input.origin_request_id {
        attach_request(conn, id, request, RequestLink::Origin, p.user, now).await?;
    }
    audit::record(conn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::Case, id, Some(input.child_id))])
        .await?;
    let opened = case::Entity::find_by_id(id).one(conn).await?.ok_or(AppError::Internal)?;
    let mut events = vec![outbox::events::case_opened(&opened)];
    if opened.allocated_worker_id.is_some() {
        events.push(outbox::events::case_allocated(&opened));
    }
    outbox::emit(conn, &events).await?;
    Ok(opened)
}

/// How a request for support came to be attached to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLink {
    /// The hub's decision on it opened the case.
    Origin,
    /// The hub passed it to the case's allocated worker.
    Passed,
}

/// Attaches a request to a case (once: attaching it again changes nothing). Its workers may then
/// read it, and the assessment it came from after a step up.
pub async fn attach_request(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    request_id: Uuid,
    how: RequestLink,
    by: Uuid,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    use entity::case_request as cr;
    let how = match how {
        RequestLink::Origin => "ORIGIN",
        RequestLink::Passed => "PASSED",
    };
    cr::Entity::insert(cr::ActiveModel {
        case_id: Set(case_id),
        request_id: Set(request_id),
        how: Set(how.into()),
        attached_by: Set(Some(by)),
        attached_at: Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([cr::Column::CaseId, cr::Column::RequestId]).do_nothing().to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

fn event(
    case_id: Uuid,
    kind: CaseEventKind,
    actor: Uuid,
    at: chrono::DateTime<Utc>,
    team_id: Option<Uuid>,
    worker_id: Option<Uuid>,
    closure_reason: Option<ClosureReason>,
) -> case_event::ActiveModel {
    case_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        kind: Set(kind),
        actor_id: Set(actor),
        at: Set(at),
        team_id: Set(team_id),
        worker_id: Set(worker_id),
        closure_reason: Set(closure_reason),
    }
}

/// Loads a case the caller may manage for `action`, open, at the expected version.
async fn editable(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    action: Action,
    case_id: Uuid,
    expected_version: i32,
) -> AppResult<case::Model> {
    let Some(c) = find_visible(db, ctx, case_id).await? else {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Case, Some(case_id))]).await?;
        return Err(field_err("input.caseId", UserErrorCode::NotFound, "no such case"));
    };
    if !policy::may_manage_team_cases(&ctx.principal, action, c.team_id) {
        return Err(field_err("input.caseId", UserErrorCode::NotAllowed, "you may not manage this team's cases"));
    }
    if c.status == CaseStatus::Closed {
        return Err(field_err("input.caseId", UserErrorCode::AlreadyClosed, "the case is closed"));
    }
    if c.version != expected_version {
        return Err(field_err(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the case has changed since you read it",
        ));
    }
    Ok(c)
}

/// Applies `changes` to the case if its version is still `expected`, with its transition and
/// audit row, in one transaction. Zero rows updated means someone else got there first.
async fn update_versioned(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    c: &case::Model,
    expected: i32,
    changes: case::ActiveModel,
    ev: case_event::ActiveModel,
) -> AppResult<case::Model> {
    crate::db::transaction(db, async |txn| {
        let res = case::Entity::update_many()
            .set(changes)
            .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
            .filter(case::Column::Id.eq(c.id))
            .filter(case::Column::Version.eq(expected))
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(field_err(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the case has changed since you read it",
            ));
        }
        case_event::Entity::insert(ev).exec_without_returning(txn).await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::Case, c.id, Some(c.child_id))])
            .await?;
        let model = case::Entity::find_by_id(c.id).one(txn).await?.ok_or(AppError::Internal)?;
        let event = if model.status == CaseStatus::Closed {
            outbox::events::case_closed(&model)
        } else {
            outbox::events::case_allocated(&model)
        };
        outbox::emit(txn, &[event]).await?;
        Ok(model)
    })
    .await
}

fn blank_changes(now: chrono::DateTime<Utc>) -> case::ActiveModel {
    case::ActiveModel {
        id: NotSet,
        child_id: NotSet,
        kind: NotSet,
        status: NotSet,
        team_id: NotSet,
        allocated_worker_id: NotSet,
        opened_at: NotSet,
        closed_at: NotSet,
        closure_reason: NotSet,
        synthetic: NotSet,
        origin_request_id: NotSet,
        access_until: NotSet,
        version: NotSet,
        created_at: NotSet,
        updated_at: Set(now),
    }
}

/// Allocates (or reallocates) an open case to a worker in its team.
pub async fn allocate(db: &DatabaseConnection, ctx: &RequestCtx, input: AllocateCase) -> AppResult<case::Model> {
    let c = editable(db, ctx, Action::AllocateCase, input.case_id, input.expected_version).await?;
    check_worker(db, "input.workerId", input.worker_id, c.team_id).await?;
    let now = Utc::now();
    let mut changes = blank_changes(now);
    changes.allocated_worker_id = Set(Some(input.worker_id));
    let ev =
        event(c.id, CaseEventKind::Allocated, ctx.principal.user, now, Some(c.team_id), Some(input.worker_id), None);
    update_versioned(db, ctx, &c, input.expected_version, changes, ev).await
}

/// Closes an open case with a CIN census reason. Access through the case ends at once for a
/// restricted child, and after `grace` working days (for recording) otherwise.
pub async fn close(
    db: &DatabaseConnection,
    cal: &crate::domain::calendar::CalendarCache,
    grace: u32,
    ctx: &RequestCtx,
    input: CloseCase,
) -> AppResult<case::Model> {
    let c = editable(db, ctx, Action::CloseCase, input.case_id, input.expected_version).await?;
    let now = Utc::now();
    let restricted = child::Entity::find_by_id(c.child_id).one(db).await?.is_none_or(|k| k.restricted);
    let access_until =
        if restricted || grace == 0 { now } else { cal.get(db).await?.due_after_working_days(now, grace) };
    let mut changes = blank_changes(now);
    changes.status = Set(CaseStatus::Closed);
    changes.closed_at = Set(Some(now));
    changes.access_until = Set(Some(access_until));
    changes.closure_reason = Set(Some(input.reason));
    let ev = event(c.id, CaseEventKind::Closed, ctx.principal.user, now, Some(c.team_id), None, Some(input.reason));
    update_versioned(db, ctx, &c, input.expected_version, changes, ev).await
}
