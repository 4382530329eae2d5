//! Cases: the caseload, one case, and the open / allocate / close mutations.
use super::{
    child::Child,
    connection,
    directory::{Staff, Team},
    fast::Fast,
    ids::{self, Kind},
    payload::{UserError, split},
    req,
};
use crate::domain::{self, page::PageArgs};
use crate::error::AppResult;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, connection::Connection};
use entity::{case, case_event};

pub use entity::enums::CaseKind;

pub use entity::enums::CaseStatus;

pub use entity::enums::ClosureReason;

pub use entity::enums::CaseEventKind;

/// A child's involvement with children's social care.
pub struct Case(pub case::Model);

/// A child's involvement with children's social care: an assessment, child in need, child
/// protection or looked-after case, with its team, allocated worker and history.
#[Object]
impl Case {
    /// The case's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }
    /// What kind of involvement the case is: assessment, child in need, child protection or
    /// looked after.
    async fn kind(&self) -> CaseKind {
        self.0.kind
    }
    /// Whether the case is open or closed.
    async fn status(&self) -> CaseStatus {
        self.0.status
    }
    /// The child the case is about; `null` when the caller may not see the child's record.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Fast<Child>>> {
        Ok(req(ctx)?.loaders.child.load_one(self.0.child_id).await?.map(|c| Fast(Child(c))))
    }
    /// The social worker the case is allocated to; `null` while it is unallocated.
    async fn allocated_worker(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        match self.0.allocated_worker_id {
            Some(w) => Ok(req(ctx)?.loaders.staff.load_one(w).await?.map(Staff)),
            None => Ok(None),
        }
    }
    /// The children's social care team responsible for the case.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        Ok(req(ctx)?.loaders.team.load_one(self.0.team_id).await?.map(Team))
    }
    /// When the case was opened.
    async fn opened_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.opened_at.into()
    }
    /// When the case was closed; `null` while it is open.
    async fn closed_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// The CIN census reason for closure (RC1 to RC9); `null` while the case is open.
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
    /// Send this back as `expectedVersion` when changing the case.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The request for support whose hub decision opened the case: why the worker has it.
    /// `null` for a case opened without one.
    async fn origin_request(&self, ctx: &Context<'_>) -> Result<Option<super::request::RequestForSupport>> {
        match self.0.origin_request_id {
            Some(id) => Ok(req(ctx)?.loaders.request.load_one(id).await?.map(super::request::RequestForSupport::from)),
            None => Ok(None),
        }
    }
    /// Every request attached to the case, oldest first: the one that opened it and those the
    /// hub passed to its worker.
    async fn requests_for_support(&self, ctx: &Context<'_>) -> Result<Vec<super::request::RequestForSupport>> {
        let rows = req(ctx)?.loaders.requests_by_case.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(super::request::RequestForSupport::from).collect())
    }
    /// Opening, allocations and closure, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        let rows = req(ctx)?.loaders.case_events.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(CaseEvent).collect())
    }
}

pub struct CaseEvent(pub case_event::Model);

/// One change in a case's life: its opening, an allocation or its closure.
#[Object]
impl CaseEvent {
    /// What happened: `OPENED`, `ALLOCATED` or `CLOSED`.
    async fn kind(&self) -> CaseEventKind {
        self.0.kind
    }
    /// When it happened.
    async fn at(&self) -> crate::graphql::scalars::DateTime {
        self.0.at.into()
    }
    /// Who made the change.
    async fn actor_id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.actor_id)
    }
    /// The worker allocated, for `ALLOCATED`.
    async fn worker_id(&self) -> Option<ID> {
        self.0.worker_id.map(|w| ids::encode(Kind::Staff, w))
    }
    /// The CIN census reason for closure, for `CLOSED`; otherwise `null`.
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
}

#[derive(Default)]
pub struct CaseQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl CaseQuery {
    /// One case by ID; `NOT_FOUND` when missing or not visible to the caller.
    async fn case(&self, ctx: &Context<'_>, #[graphql(desc = "The case's global ID.")] id: ID) -> Result<Case> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::Case, "id")?;
        Ok(Case(domain::case::get(&r.db, &r.ctx, id).await?))
    }

    /// The caller's open cases; for a team manager, the whole team's.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn caseload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many cases to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, Fast<Case>>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::case::caseload(&r.db, &r.ctx, &page).await?;
        Ok(connection(page, |c| c.id, |c| Fast(Case(c))))
    }
}

/// What is needed to open a case for a child. A child may have only one open case.
#[derive(InputObject)]
pub struct OpenCaseInput {
    /// The child to open the case for (a `Child` ID).
    pub child_id: ID,
    /// What kind of case to open.
    pub kind: CaseKind,
    /// A children's social care team.
    pub team_id: ID,
    /// The worker to allocate the case to straight away (a `Staff` ID): an active social worker
    /// or team manager of the team. Leave out to allocate later.
    pub allocated_worker_id: Option<ID>,
}

/// What is needed to allocate (or reallocate) an open case to a worker.
#[derive(InputObject)]
pub struct AllocateCaseInput {
    /// The case to allocate (a `Case` ID).
    pub case_id: ID,
    /// The worker to allocate it to (a `Staff` ID): an active social worker or team manager of
    /// the case's team.
    pub worker_id: ID,
    /// The `version` of the case as last read.
    pub expected_version: i32,
}

/// What is needed to close an open case.
#[derive(InputObject)]
pub struct CloseCaseInput {
    /// The case to close (a `Case` ID).
    pub case_id: ID,
    /// The CIN census reason for closure (RC1 to RC9).
    pub reason: ClosureReason,
    /// The `version` of the case as last read.
    pub expected_version: i32,
}

/// The result of a case mutation: the case as it now is, or what to fix.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case as it now is; `null` when the change was refused.
    pub case: Option<Case>,
    /// What to fix before trying again; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

fn payload(r: AppResult<case::Model>) -> Result<CasePayload> {
    let (case, user_errors) = split(r)?;
    Ok(CasePayload { case: case.map(Case), user_errors })
}

#[derive(Default)]
pub struct CaseMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl CaseMutation {
    /// Opens a case for a child (hub workers; team managers for their own team).
    async fn open_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child, kind of case, team and (optionally) worker.")] input: OpenCaseInput,
    ) -> Result<CasePayload> {
        let r = req(ctx)?;
        // Refuse a role that may not do this before even reading its input.
        let parsed = (|| {
            Ok(domain::case::OpenCase {
                child_id: ids::decode(&input.child_id, Kind::Child, "input.childId")?,
                kind: input.kind,
                team_id: ids::decode(&input.team_id, Kind::Team, "input.teamId")?,
                allocated_worker_id: input
                    .allocated_worker_id
                    .as_ref()
                    .map(|w| ids::decode(w, Kind::Staff, "input.allocatedWorkerId"))
                    .transpose()?,
                origin_request_id: None,
            })
        })();
        payload(match parsed {
            Ok(i) => domain::case::open(&r.db, &r.ctx, i).await,
            Err(e) => Err(e),
        })
    }

    /// Allocates an open case to a worker in its team (the team's manager).
    async fn allocate_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case, the worker and the case's version as last read.")] input: AllocateCaseInput,
    ) -> Result<CasePayload> {
        let r = req(ctx)?;
        // Refuse a role that may not do this before even reading its input.
        let parsed: AppResult<_> = (|| {
            Ok(domain::case::AllocateCase {
                case_id: ids::decode(&input.case_id, Kind::Case, "input.caseId")?,
                worker_id: ids::decode(&input.worker_id, Kind::Staff, "input.workerId")?,
                expected_version: input.expected_version,
            })
        })();
        payload(match parsed {
            Ok(i) => domain::case::allocate(&r.db, &r.ctx, i).await,
            Err(e) => Err(e),
        })
    }

    /// Closes an open case with a reason (the team's manager).
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case, the reason for closure and the case's version as last read.")]
        input: CloseCaseInput,
    ) -> Result<CasePayload> {
        let r = req(ctx)?;
        // Refuse a role that may not do this before even reading its input.
        let parsed: AppResult<_> = (|| {
            Ok(domain::case::CloseCase {
                case_id: ids::decode(&input.case_id, Kind::Case, "input.caseId")?,
                reason: input.reason,
                expected_version: input.expected_version,
            })
        })();
        payload(match parsed {
            Ok(i) => {
                domain::case::close(&r.db, &r.services.calendar, r.services.rules.access_grace_working_days, &r.ctx, i)
                    .await
            }
            Err(e) => Err(e),
        })
    }
}
