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
use chrono::{DateTime, Utc};
use entity::{case, case_event};

pub use entity::enums::CaseKind;

pub use entity::enums::CaseStatus;

pub use entity::enums::ClosureReason;

pub use entity::enums::CaseEventKind;

/// A child's involvement with children's social care.
pub struct Case(pub case::Model);

#[Object]
impl Case {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }
    async fn kind(&self) -> CaseKind {
        self.0.kind
    }
    async fn status(&self) -> CaseStatus {
        self.0.status
    }
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Fast<Child>>> {
        Ok(req(ctx)?.loaders.child.load_one(self.0.child_id).await?.map(|c| Fast(Child(c))))
    }
    async fn allocated_worker(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        match self.0.allocated_worker_id {
            Some(w) => Ok(req(ctx)?.loaders.staff.load_one(w).await?.map(Staff)),
            None => Ok(None),
        }
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        Ok(req(ctx)?.loaders.team.load_one(self.0.team_id).await?.map(Team))
    }
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
    /// Send this back as `expectedVersion` when changing the case.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Opening, allocations and closure, oldest first.
    /// The request for support whose hub decision opened the case: why the worker has it.
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
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        let rows = req(ctx)?.loaders.case_events.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(CaseEvent).collect())
    }
}

pub struct CaseEvent(pub case_event::Model);

#[Object]
impl CaseEvent {
    async fn kind(&self) -> CaseEventKind {
        self.0.kind
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who made the change.
    async fn actor_id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.actor_id)
    }
    /// The worker allocated, for `ALLOCATED`.
    async fn worker_id(&self) -> Option<ID> {
        self.0.worker_id.map(|w| ids::encode(Kind::Staff, w))
    }
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
}

#[derive(Default)]
pub struct CaseQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl CaseQuery {
    /// One case by ID; `NOT_FOUND` when missing or not visible to the caller.
    async fn case(&self, ctx: &Context<'_>, id: ID) -> Result<Case> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::Case, "id")?;
        Ok(Case(domain::case::get(&r.db, &r.ctx, id).await?))
    }

    /// The caller's open cases; for a team manager, the whole team's.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn caseload(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> Result<Connection<String, Fast<Case>>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::case::caseload(&r.db, &r.ctx, &page).await?;
        Ok(connection(page, |c| c.id, |c| Fast(Case(c))))
    }
}

#[derive(InputObject)]
pub struct OpenCaseInput {
    pub child_id: ID,
    pub kind: CaseKind,
    /// A children's social care team.
    pub team_id: ID,
    pub allocated_worker_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AllocateCaseInput {
    pub case_id: ID,
    pub worker_id: ID,
    /// The `version` of the case as last read.
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct CloseCaseInput {
    pub case_id: ID,
    pub reason: ClosureReason,
    /// The `version` of the case as last read.
    pub expected_version: i32,
}

/// The result of a case mutation: the case as it now is, or what to fix.
#[derive(SimpleObject)]
pub struct CasePayload {
    pub case: Option<Case>,
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
    async fn open_case(&self, ctx: &Context<'_>, input: OpenCaseInput) -> Result<CasePayload> {
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
    async fn allocate_case(&self, ctx: &Context<'_>, input: AllocateCaseInput) -> Result<CasePayload> {
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
    async fn close_case(&self, ctx: &Context<'_>, input: CloseCaseInput) -> Result<CasePayload> {
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
