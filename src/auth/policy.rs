//! The one policy. Every permission is decided here: a role × action table (default deny) and
//! row scopes pushed into SQL `WHERE` clauses. Resolvers and domain functions ask; they never
//! decide on their own.
use super::{Principal, Role};
use crate::error::{AppError, AppResult};
use entity::{
    case, child,
    enums::{CaseStatus, EarlyHelpStatus, RequestStatus},
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

/// Everything a caller can ask to do. Each GraphQL root field maps to exactly one action
/// ([`OPERATIONS`]); a test fails when a root field has no entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `viewer`: one's own identity.
    ReadViewer,
    /// Levels of need, organisations and teams: reference data every signed-in user may read.
    ReadReferenceData,
    /// `node(id:)`: allowed to ask; each type then applies its own scope.
    ReadNode,
    /// Other staff members' names and teams.
    ReadDirectory,
    /// A child's record by ID (row scope: [`child_scope`]).
    ReadChild,
    /// Search children by name and date of birth.
    SearchChildren,
    /// One's own (or one's team's) open cases.
    ReadCaseload,
    /// A case by ID (row scope: [`case_scope`]).
    ReadCase,
    OpenCase,
    AllocateCase,
    CloseCase,
    /// Who read or changed a child's record.
    ReadAuditTrail,
    /// Submit a request for support (integration clients need the `requests:write` scope).
    SubmitRequestForSupport,
    /// Read requests for support (row scope: [`request_scope`]).
    ReadRequests,
    /// Match or create the child records of a request; record the hub's decision.
    TriageRequests,
    /// Complete a neglect screening.
    SubmitNeglectScreening,
    /// Log and read advice-line consultations.
    AdviceLine,
    /// Edit the bank-holiday table.
    ManageCalendar,
    /// Send a partner update (service accounts need `partner_updates:write`).
    SubmitPartnerUpdate,
    /// Read partner updates (row scope: [`partner_update_scope`]).
    ReadPartnerUpdates,
    /// Review the updates on one's cases.
    ReviewPartnerUpdates,
    /// Attach an unmatched update to a child.
    MatchPartnerUpdates,
    /// One's own alerts, listed and live.
    ReceiveAlerts,
    /// Read early help assessments (row scope: [`early_help_scope`]).
    ReadEarlyHelp,
    /// Start an early help assessment and, as its lead, manage the team around the family and
    /// close it (row scope: [`early_help_lead_scope`]).
    LeadEarlyHelp,
    /// Work on an assessment one leads or is a team-around-the-family member of while it is
    /// open: sections, plan actions, meeting records (row scope: [`early_help_contribute_scope`]).
    ContributeEarlyHelp,
    /// Link a child on an assessment to a child record the caller may see.
    LinkEarlyHelpChild,
    /// Early help counts with no personal data (open, closed by outcome, overdue reviews).
    ReadEarlyHelpSummary,
    /// Service-wide reports: counts by period with small numbers suppressed, no identifiers.
    ReadReports,
    /// The reports about cases: a team manager's for their own team only, others' for any team
    /// or the whole service ([`report_team`]).
    ReadTeamReports,
    /// The statutory child-level extracts (Annex A lists, CIN census).
    ReadExtracts,
    /// The events feed: service accounts with `events:read`, their organisation's events.
    ReadEvents,
    /// Webhook subscriptions, their deliveries and dead letters (`ADMIN`).
    ManageWebhooks,
    /// Acknowledge that a matched partner update was copied onto the child's record: the local
    /// authority's case management system (a service account with `partner_updates:read`).
    RecordPartnerUpdates,
    /// Complete and submit one's own draft request for support (made by an early help step up).
    SubmitDraftRequest,
    /// Withdraw one's own request before the hub decides it (row scope:
    /// [`withdrawable_request_scope`]).
    WithdrawRequest,
    /// Read early help referrals made by the hub (row scope: [`early_help_referral_scope`]).
    ReadEarlyHelpReferrals,
    /// Allocate an early help referral to a lead (early help managers: [`may_allocate_early_help`]).
    AllocateEarlyHelpReferral,
}

use Action::*;

/// The role × action table. Anything not listed is denied.
pub const TABLE: &[(Role, &[Action])] = &[
    (
        Role::PartnerPractitioner,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            SubmitRequestForSupport,
            WithdrawRequest,
            ReadRequests,
            SubmitNeglectScreening,
            SubmitPartnerUpdate,
            ReadPartnerUpdates,
            ReadEarlyHelp,
            LeadEarlyHelp,
            ContributeEarlyHelp,
            SubmitDraftRequest,
            ReceiveAlerts,
            ReadEarlyHelpReferrals,
        ],
    ),
    (
        Role::SafeguardingLead,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            SubmitRequestForSupport,
            WithdrawRequest,
            ReadRequests,
            SubmitNeglectScreening,
            SubmitPartnerUpdate,
            ReadPartnerUpdates,
            ReadEarlyHelp,
            ContributeEarlyHelp,
            ReceiveAlerts,
        ],
    ),
    (
        Role::HubWorker,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            ReadDirectory,
            ReadChild,
            SearchChildren,
            ReadCase,
            OpenCase,
            ReadRequests,
            TriageRequests,
            SubmitNeglectScreening,
            AdviceLine,
            ReadPartnerUpdates,
            ReviewPartnerUpdates,
            MatchPartnerUpdates,
            ReceiveAlerts,
            ReadEarlyHelp,
            ContributeEarlyHelp,
            LinkEarlyHelpChild,
            ReadEarlyHelpReferrals,
        ],
    ),
    (
        Role::SocialWorker,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            ReadDirectory,
            ReadChild,
            SearchChildren,
            ReadCaseload,
            ReadCase,
            ReadPartnerUpdates,
            ReviewPartnerUpdates,
            ReceiveAlerts,
            ReadEarlyHelp,
            ContributeEarlyHelp,
            LinkEarlyHelpChild,
            ReadRequests,
        ],
    ),
    (
        Role::TeamManager,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            ReadDirectory,
            ReadChild,
            SearchChildren,
            ReadCaseload,
            ReadCase,
            OpenCase,
            AllocateCase,
            CloseCase,
            ReadAuditTrail,
            ReadPartnerUpdates,
            ReviewPartnerUpdates,
            ReceiveAlerts,
            ReadEarlyHelp,
            ReadEarlyHelpSummary,
            ReadRequests,
            ReadEarlyHelpReferrals,
            AllocateEarlyHelpReferral,
            ReadTeamReports,
        ],
    ),
    (
        Role::EarlyHelpPractitioner,
        &[
            ReadViewer,
            ReadReferenceData,
            ReadNode,
            SubmitNeglectScreening,
            ReadRequests,
            ReadEarlyHelp,
            LeadEarlyHelp,
            ContributeEarlyHelp,
            SubmitDraftRequest,
            WithdrawRequest,
            ReceiveAlerts,
            ReadEarlyHelpReferrals,
        ],
    ),
    (Role::Analyst, &[ReadViewer, ReadReferenceData, ReadNode, ReadEarlyHelpSummary, ReadReports, ReadTeamReports]),
    (
        Role::PerformanceOfficer,
        &[ReadViewer, ReadReferenceData, ReadNode, ReadEarlyHelpSummary, ReadReports, ReadTeamReports, ReadExtracts],
    ),
    (
        Role::Integration,
        &[
            ReadViewer,
            ReadReferenceData,
            SubmitRequestForSupport,
            WithdrawRequest,
            ReadRequests,
            SubmitPartnerUpdate,
            ReadPartnerUpdates,
            ReadEvents,
            RecordPartnerUpdates,
        ],
    ),
    (
        Role::Admin,
        &[ReadViewer, ReadReferenceData, ReadNode, ReadDirectory, ReadAuditTrail, ManageCalendar, ManageWebhooks],
    ),
];

/// How a refusal looks to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `FORBIDDEN`, before anything runs.
    Forbidden,
    /// Exactly like a missing record (reads by ID, AUTHZ-01/02): the operation runs and its row
    /// scope, which admits nothing for a role without the action, finds nothing; the refused
    /// attempt is audited like any miss. One code path, so the two cannot differ by a byte.
    AsMissing,
}

use Refusal::{AsMissing, Forbidden};

/// GraphQL root fields, the action each one needs, and how a refusal looks. This table is what
/// runs: every root field carries the guard that calls [`authorize_operation`], and a root field
/// missing here is refused (default deny).
pub const OPERATIONS: &[(&str, Action, Refusal)] = &[
    ("Query.viewer", ReadViewer, Forbidden),
    ("Query.node", ReadNode, Forbidden),
    ("Query.levelsOfNeed", ReadReferenceData, Forbidden),
    ("Query.serviceContacts", ReadReferenceData, Forbidden),
    ("Query.child", ReadChild, AsMissing),
    ("Query.case", ReadCase, AsMissing),
    ("Query.children", SearchChildren, Forbidden),
    ("Query.caseload", ReadCaseload, Forbidden),
    ("Query.auditEvents", ReadAuditTrail, Forbidden),
    ("Query.requestsForSupport", ReadRequests, Forbidden),
    ("Query.requestForSupport", ReadRequests, AsMissing),
    ("Query.neglectScreening", SubmitNeglectScreening, AsMissing),
    ("Query.adviceConsultations", AdviceLine, Forbidden),
    ("Query.bankHolidays", ReadReferenceData, Forbidden),
    ("Query.partnerUpdates", ReadPartnerUpdates, Forbidden),
    ("Query.partnerUpdate", ReadPartnerUpdates, AsMissing),
    ("Query.alerts", ReceiveAlerts, Forbidden),
    ("Mutation.submitPartnerUpdate", SubmitPartnerUpdate, Forbidden),
    ("Mutation.reviewPartnerUpdate", ReviewPartnerUpdates, Forbidden),
    ("Mutation.matchPartnerUpdate", MatchPartnerUpdates, Forbidden),
    ("Mutation.acknowledgePartnerUpdateRecorded", RecordPartnerUpdates, Forbidden),
    ("Query.events", ReadEvents, Forbidden),
    ("Query.webhookSubscriptions", ManageWebhooks, Forbidden),
    ("Mutation.createWebhookSubscription", ManageWebhooks, Forbidden),
    ("Mutation.updateWebhookSubscription", ManageWebhooks, Forbidden),
    ("Mutation.rotateWebhookSecret", ManageWebhooks, Forbidden),
    ("Mutation.replayWebhookDeadLetter", ManageWebhooks, Forbidden),
    ("Mutation.acknowledgeAlert", ReceiveAlerts, Forbidden),
    ("Subscription.alertRaised", ReceiveAlerts, Forbidden),
    ("Mutation.openCase", OpenCase, Forbidden),
    ("Mutation.submitRequestForSupport", SubmitRequestForSupport, Forbidden),
    ("Mutation.submitNeglectScreening", SubmitNeglectScreening, Forbidden),
    ("Mutation.matchRequestChild", TriageRequests, Forbidden),
    ("Mutation.createChildFromRequest", TriageRequests, Forbidden),
    ("Mutation.recordHubDecision", TriageRequests, Forbidden),
    ("Mutation.logAdviceConsultation", AdviceLine, Forbidden),
    ("Mutation.setBankHoliday", ManageCalendar, Forbidden),
    ("Mutation.removeBankHoliday", ManageCalendar, Forbidden),
    ("Mutation.allocateCase", AllocateCase, Forbidden),
    ("Mutation.closeCase", CloseCase, Forbidden),
    ("Query.earlyHelpAssessment", ReadEarlyHelp, AsMissing),
    ("Query.earlyHelpAssessments", ReadEarlyHelp, Forbidden),
    ("Query.earlyHelpSummary", ReadEarlyHelpSummary, Forbidden),
    ("Query.reports", ReadTeamReports, Forbidden),
    ("Mutation.startEarlyHelpAssessment", LeadEarlyHelp, Forbidden),
    ("Mutation.updateEarlyHelpAssessment", ContributeEarlyHelp, Forbidden),
    ("Mutation.addEarlyHelpPlanAction", ContributeEarlyHelp, Forbidden),
    ("Mutation.updateEarlyHelpPlanAction", ContributeEarlyHelp, Forbidden),
    ("Mutation.recordEarlyHelpMeeting", ContributeEarlyHelp, Forbidden),
    ("Mutation.addTeamAroundFamilyMember", LeadEarlyHelp, Forbidden),
    ("Mutation.removeTeamAroundFamilyMember", LeadEarlyHelp, Forbidden),
    ("Mutation.closeEarlyHelpAssessment", LeadEarlyHelp, Forbidden),
    ("Mutation.linkEarlyHelpChild", LinkEarlyHelpChild, Forbidden),
    ("Mutation.submitDraftRequestForSupport", SubmitDraftRequest, Forbidden),
    ("Mutation.withdrawRequestForSupport", WithdrawRequest, Forbidden),
    ("Query.earlyHelpReferrals", ReadEarlyHelpReferrals, Forbidden),
    ("Mutation.allocateEarlyHelpReferral", AllocateEarlyHelpReferral, Forbidden),
    ("Mutation.startEarlyHelpAssessmentFromReferral", LeadEarlyHelp, Forbidden),
];

/// Does the role's row of the table hold the action?
pub fn role_permits(role: Role, action: Action) -> bool {
    TABLE.iter().any(|(r, actions)| *r == role && actions.contains(&action))
}

/// Scopes a service account needs, on top of its role, for an action (GDPR-05 purpose limits).
pub const INTEGRATION_SCOPES: &[(Action, &str)] = &[
    (SubmitRequestForSupport, "requests:write"),
    (WithdrawRequest, "requests:write"),
    (ReadRequests, "requests:read"),
    (SubmitPartnerUpdate, "partner_updates:write"),
    (ReadPartnerUpdates, "partner_updates:read"),
    (RecordPartnerUpdates, "partner_updates:read"),
    (ReadEvents, "events:read"),
];

/// Does any of the principal's roles permit the action? A service account also needs the
/// action's scope.
pub fn permits(p: &Principal, action: Action) -> bool {
    p.roles.iter().any(|r| {
        role_permits(*r, action)
            && (*r != Role::Integration
                || INTEGRATION_SCOPES.iter().any(|(a, scope)| *a == action && p.has_scope(scope))
                || matches!(action, ReadViewer | ReadReferenceData))
    })
}

/// Which rows a report counts for this caller: `Ok(None)` for the whole service, `Ok(Some(team))`
/// for one team's cases. Service-wide reports need [`ReadReports`]. A report about cases
/// (`about_cases`) may also be read with [`ReadTeamReports`]: by a holder of `ReadReports` for
/// any team (or the whole service), by anyone else only for their own team, which is also what
/// they get when they name none. Anything else is `FORBIDDEN`.
pub fn report_team(
    p: &Principal,
    about_cases: bool,
    requested: Option<sea_orm::prelude::Uuid>,
) -> AppResult<Option<sea_orm::prelude::Uuid>> {
    if permits(p, ReadReports) {
        return Ok(requested.filter(|_| about_cases));
    }
    if !about_cases || !permits(p, ReadTeamReports) {
        return Err(AppError::Forbidden);
    }
    match (p.team, requested) {
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(asked)) if asked == own => Ok(Some(own)),
        _ => Err(AppError::Forbidden),
    }
}

/// `Ok` or `FORBIDDEN`, decided before any side effect.
pub fn authorize(p: &Principal, action: Action) -> AppResult<()> {
    if permits(p, action) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The one check every GraphQL root field goes through (`root` is `Query`, `Mutation` or
/// `Subscription`). An operation missing from [`OPERATIONS`] is refused.
pub fn authorize_operation(p: &Principal, root: &str, field: &str) -> AppResult<()> {
    let entry = OPERATIONS.iter().find(|(name, ..)| name.split_once('.') == Some((root, field)));
    match entry {
        Some((_, action, Forbidden)) => authorize(p, *action),
        Some((_, _, AsMissing)) => Ok(()),
        None => {
            tracing::error!(root, field, "a root field with no policy entry was refused");
            Err(AppError::Forbidden)
        }
    }
}

fn never() -> Condition {
    Condition::all().add(Expr::val(1).eq(Expr::val(0)))
}

fn cases_where(cond: Condition) -> SimpleExpr {
    // `children.id IN (SELECT child_id FROM cases WHERE ...)`
    child::Column::Id
        .in_subquery(case::Entity::find().select_only().column(case::Column::ChildId).filter(cond).into_query())
}

/// A case that still gives its worker and team access: open, or closed and still within the
/// access it kept for recording (`access_until`: at once for a restricted child, a grace period
/// of working days otherwise; set by the domain when the case closes).
fn live_case() -> Condition {
    Condition::any()
        .add(case::Column::Status.eq(CaseStatus::Open))
        .add(case::Column::AccessUntil.gt(chrono::Utc::now()))
}

fn unrestricted_children() -> SimpleExpr {
    case::Column::ChildId.in_subquery(
        child::Entity::find()
            .select_only()
            .column(child::Column::Id)
            .filter(child::Column::Restricted.eq(false))
            .into_query(),
    )
}

/// Which children the principal may see, as a condition on `children`:
/// - the allocated worker sees the child (restricted or not) while the case is live (open, or
///   closed within its grace period for recording: none for a restricted child);
/// - a hub worker sees every child who is not restricted;
/// - a social worker sees the unrestricted children of their team's live cases;
/// - a team manager sees every child with a case in their team (they allocate restricted cases
///   and answer for the team's records).
///
/// Everyone else sees no child.
pub fn child_scope(p: &Principal) -> Condition {
    if !permits(p, ReadChild) {
        return never();
    }
    // The column test before the subquery: PostgreSQL evaluates an OR in the order written, so
    // an unrestricted child passes a hub worker's scope without building the subquery's hash.
    let mut any = Condition::any();
    if p.has(Role::HubWorker) {
        any = any.add(child::Column::Restricted.eq(false));
    }
    any = any.add(cases_where(Condition::all().add(case::Column::AllocatedWorkerId.eq(p.user)).add(live_case())));
    if let Some(team) = p.team {
        if p.has(Role::TeamManager) {
            any = any.add(cases_where(Condition::all().add(case::Column::TeamId.eq(team))));
        } else if p.has(Role::SocialWorker) {
            any = any.add(
                Condition::all()
                    .add(child::Column::Restricted.eq(false))
                    .add(cases_where(Condition::all().add(case::Column::TeamId.eq(team)).add(live_case()))),
            );
        }
    }
    any
}

/// Which cases the principal may see, as a condition on `cases`. Mirrors [`child_scope`], so a
/// visible case always has a visible child.
pub fn case_scope(p: &Principal) -> Condition {
    if !permits(p, ReadCase) {
        return never();
    }
    let mut any =
        Condition::any().add(Condition::all().add(case::Column::AllocatedWorkerId.eq(p.user)).add(live_case()));
    if p.has(Role::HubWorker) {
        any = any.add(unrestricted_children());
    }
    if let Some(team) = p.team {
        if p.has(Role::TeamManager) {
            any = any.add(case::Column::TeamId.eq(team));
        } else if p.has(Role::SocialWorker) {
            any = any
                .add(Condition::all().add(case::Column::TeamId.eq(team)).add(live_case()).add(unrestricted_children()));
        }
    }
    any
}

/// The caseload: open cases allocated to the principal, or to their team for a manager.
pub fn caseload_scope(p: &Principal) -> AppResult<Condition> {
    authorize(p, ReadCaseload)?;
    let mut any = Condition::any().add(case::Column::AllocatedWorkerId.eq(p.user));
    if let (Some(team), true) = (p.team, p.has(Role::TeamManager)) {
        any = any.add(case::Column::TeamId.eq(team));
    }
    Ok(Condition::all().add(case::Column::Status.eq(CaseStatus::Open)).add(any))
}

/// May the principal act on cases of this team (open in it, allocate or close its cases)?
/// Hub workers open cases for any social-care team; a team manager acts for their own team.
pub fn may_manage_team_cases(p: &Principal, action: Action, team: sea_orm::prelude::Uuid) -> bool {
    p.roles.iter().any(|r| {
        role_permits(*r, action)
            && match r {
                Role::HubWorker => true,
                Role::TeamManager => p.team == Some(team),
                _ => false,
            }
    })
}

/// Which staff directory entries the principal may read, as a condition on `staff`: their own;
/// everyone's for the directory roles; their own organisation's for a safeguarding lead, who sees
/// who referred from their organisation.
pub fn staff_scope(p: &Principal) -> Condition {
    use entity::staff;
    if permits(p, ReadDirectory) {
        return Condition::all();
    }
    let mut any = Condition::any().add(staff::Column::Id.eq(p.user));
    if let (true, Some(org)) = (p.has(Role::SafeguardingLead), p.organisation) {
        any = any.add(staff::Column::OrganisationId.eq(org));
    }
    any
}

/// Which requests for support the principal may see, as a condition on `requests_for_support`:
/// the hub sees every submitted request; a safeguarding lead their organisation's; everyone else
/// (partner practitioners, early help practitioners, service accounts) the ones they submitted.
/// A draft (made by an early help step up) is its author's alone until it is submitted: it is
/// never in the hub's queue or an organisation's list.
pub fn request_scope(p: &Principal) -> Condition {
    use entity::request_for_support as rfs;
    if !permits(p, ReadRequests) {
        return never();
    }
    let own = rfs::Column::ReferrerId.eq(p.user);
    let submitted = rfs::Column::Status.ne(RequestStatus::Draft);
    if p.has(Role::HubWorker) {
        return Condition::any().add(own).add(submitted);
    }
    let mut any = Condition::any().add(own);
    if let (true, Some(org)) = (p.has(Role::SafeguardingLead) || p.has(Role::Integration), p.organisation) {
        // A safeguarding lead, or an agency's system with `requests:read` (which `permits`
        // checked above): the organisation's submitted requests, as a person there would see.
        any = any.add(Condition::all().add(rfs::Column::ReferrerOrgId.eq(org)).add(submitted.clone()));
    }
    if p.has(Role::SocialWorker) || p.has(Role::TeamManager) {
        // The requests attached to the cases they may see: why they have the case.
        any = any.add(rfs::Column::Id.in_subquery(requests_of_cases(case_scope(p))));
    }
    if permits(p, ReadEarlyHelpReferrals) {
        // The request behind an early help referral, for its lead and the early help managers.
        use entity::early_help_referral as ehr;
        any = any.add(
            rfs::Column::Id.in_subquery(
                ehr::Entity::find()
                    .select_only()
                    .column(ehr::Column::RequestId)
                    .filter(early_help_referral_scope(p))
                    .into_query(),
            ),
        );
    }
    any
}

/// `SELECT request_id FROM case_requests WHERE case_id IN (cases within `cases`)`.
fn requests_of_cases(cases: Condition) -> sea_orm::sea_query::SelectStatement {
    use entity::case_request as cr;
    cr::Entity::find()
        .select_only()
        .column(cr::Column::RequestId)
        .filter(
            cr::Column::CaseId
                .in_subquery(case::Entity::find().select_only().column(case::Column::Id).filter(cases).into_query()),
        )
        .into_query()
}

/// Which early help referrals the principal may see, as a condition on `early_help_referrals`:
/// the hub and the early help managers all of them (the hub follows what became of its
/// decisions); a lead the ones allocated to them.
pub fn early_help_referral_scope(p: &Principal) -> Condition {
    use entity::early_help_referral as ehr;
    if !permits(p, ReadEarlyHelpReferrals) {
        return never();
    }
    if p.has(Role::HubWorker) {
        return Condition::all();
    }
    let mut any = Condition::any().add(ehr::Column::LeadId.eq(p.user));
    if let Some(manager) = early_help_manager(p) {
        any = any.add(manager);
    }
    any
}

/// May the principal allocate early help referrals: an early help manager.
pub fn may_allocate_early_help(p: &Principal) -> Condition {
    match (permits(p, AllocateEarlyHelpReferral), early_help_manager(p)) {
        (true, Some(manager)) => Condition::all().add(manager),
        _ => never(),
    }
}

/// May this person lead an early help assessment allocated from a referral: an active early
/// help practitioner, or a partner practitioner (who must have agreed).
pub fn may_lead_early_help(person: &entity::staff::Model) -> (bool, bool) {
    let roles = super::stored_roles(&person.roles);
    let practitioner = roles.contains(&Role::EarlyHelpPractitioner);
    let partner = roles.contains(&Role::PartnerPractitioner);
    (person.active && (practitioner || partner), partner && !practitioner)
}

/// May this staff member be allocated the cases of `team`: an active social worker or team
/// manager of that team.
pub fn may_be_allocated(worker: &entity::staff::Model, team: sea_orm::prelude::Uuid) -> bool {
    let roles = super::stored_roles(&worker.roles);
    worker.active
        && worker.team_id == Some(team)
        && roles.iter().any(|r| matches!(r, Role::SocialWorker | Role::TeamManager))
}

/// May this staff member join a team around the family: an active practitioner holding one of
/// [`TAF_ROLES`].
pub fn may_join_team_around_family(person: &entity::staff::Model) -> bool {
    person.active && super::stored_roles(&person.roles).iter().any(|r| TAF_ROLES.contains(r))
}

/// Candidates for a team's alerts (a new update on an unallocated case, a concern, an
/// escalation, an overdue review), as a condition on `staff`: the team's active members whose
/// stored roles mention a manager. The text match only narrows the rows in SQL (a team's social
/// workers are not read on every partner update); [`receives_team_alerts`] decides on each.
pub fn team_alert_candidates(team: sea_orm::prelude::Uuid) -> Condition {
    use entity::staff;
    Condition::all()
        .add(staff::Column::TeamId.eq(team))
        .add(staff::Column::Active.eq(true))
        .add(staff::Column::Roles.contains(Role::TeamManager.as_str()))
}

/// Who among a team receives its alerts besides the allocated worker: its managers.
pub fn receives_team_alerts(member: &entity::staff::Model) -> bool {
    super::stored_roles(&member.roles).contains(&Role::TeamManager)
}

/// The alerts the principal sees (listed, acknowledged, delivered live): their own, and those
/// addressed to their team (any member may acknowledge one).
pub fn alert_scope(p: &Principal) -> Condition {
    use entity::alert;
    if !permits(p, ReceiveAlerts) {
        return never();
    }
    let mut any = Condition::any().add(alert::Column::RecipientId.eq(p.user));
    if let Some(team) = p.team {
        any = any.add(alert::Column::RecipientId.eq(team));
    }
    any
}

/// Whether a live alert addressed to `recipient` is for the principal: the rule of
/// [`alert_scope`], for a signal that carries only IDs.
pub fn receives_alert(p: &Principal, recipient: sea_orm::prelude::Uuid) -> bool {
    permits(p, ReceiveAlerts) && (recipient == p.user || Some(recipient) == p.team)
}

/// Candidates for the hub's team alerts (an unmatched concern, an unmatched update past its
/// check), as a condition on `staff`: active staff whose stored roles mention a hub worker.
/// [`is_hub_member`] decides on each; their teams are the hub.
pub fn hub_team_candidates() -> Condition {
    use entity::staff;
    Condition::all()
        .add(staff::Column::Active.eq(true))
        .add(staff::Column::TeamId.is_not_null())
        .add(staff::Column::Roles.contains(Role::HubWorker.as_str()))
}

pub fn is_hub_member(member: &entity::staff::Model) -> bool {
    super::stored_roles(&member.roles).contains(&Role::HubWorker)
}

/// Candidates for an organisation's safeguarding-lead alerts (the outcome of a request one of
/// its people made), as a condition on `staff`; [`is_safeguarding_lead`] decides on each.
pub fn organisation_leads(org: sea_orm::prelude::Uuid) -> Condition {
    use entity::staff;
    Condition::all()
        .add(staff::Column::OrganisationId.eq(org))
        .add(staff::Column::Active.eq(true))
        .add(staff::Column::Roles.contains(Role::SafeguardingLead.as_str()))
}

pub fn is_safeguarding_lead(member: &entity::staff::Model) -> bool {
    super::stored_roles(&member.roles).contains(&Role::SafeguardingLead)
}

/// Candidates for the early help service's alerts (a new referral from the hub), as a condition
/// on `staff`: active team managers of teams in an early help organisation.
pub fn early_help_manager_candidates() -> Condition {
    use entity::staff;
    Condition::all()
        .add(staff::Column::Active.eq(true))
        .add(staff::Column::Roles.contains(Role::TeamManager.as_str()))
        .add(staff::Column::TeamId.in_subquery(early_help_teams(None)))
}

/// Roles that make someone a known practitioner who may join a team around the family.
pub const TAF_ROLES: &[Role] = &[
    Role::PartnerPractitioner,
    Role::SafeguardingLead,
    Role::EarlyHelpPractitioner,
    Role::SocialWorker,
    Role::HubWorker,
];

/// Assessments whose team around the family the principal currently belongs to.
fn taf_member_of(p: &Principal) -> SimpleExpr {
    use entity::{early_help_assessment as eha, early_help_taf_member as taf};
    eha::Column::Id.in_subquery(
        taf::Entity::find()
            .select_only()
            .column(taf::Column::AssessmentId)
            .filter(taf::Column::StaffId.eq(p.user))
            .filter(taf::Column::RemovedAt.is_null())
            .into_query(),
    )
}

/// True (in SQL) when the principal is a team manager of a team in an early help service
/// (agency type `LA_EARLY_HELP`): the early help manager.
fn early_help_manager(p: &Principal) -> Option<SimpleExpr> {
    let team_id = p.team.filter(|_| p.has(Role::TeamManager))?;
    Some(Expr::exists(early_help_teams(Some(team_id))))
}

/// `SELECT id FROM teams` in an early help service (agency type `LA_EARLY_HELP`), or only `team`.
fn early_help_teams(team: Option<sea_orm::prelude::Uuid>) -> sea_orm::sea_query::SelectStatement {
    use entity::{enums::AgencyType, organisation, team as t};
    let mut q = t::Entity::find().select_only().column(t::Column::Id).filter(
        t::Column::OrganisationId.in_subquery(
            organisation::Entity::find()
                .select_only()
                .column(organisation::Column::Id)
                .filter(organisation::Column::AgencyType.eq(AgencyType::LaEarlyHelp))
                .into_query(),
        ),
    );
    if let Some(id) = team {
        q = q.filter(t::Column::Id.eq(id));
    }
    q.into_query()
}

/// Which early help assessments the principal may read, as a condition on
/// `early_help_assessments`:
/// - the lead practitioner, always;
/// - members of the team around the family while the assessment is open (their access ends by
///   itself when it closes or they are removed);
/// - the safeguarding lead of the lead's organisation;
/// - early help managers (team managers of an early help service), every assessment;
/// - hub workers, social workers and team managers, when they may see one of its children
///   (a child on the assessment linked to a record inside [`child_scope`]);
/// - read back after a step up: hub workers, the assessment behind any submitted step-up
///   request; social workers and team managers, the one behind a request attached to a case they
///   may see.
///
/// Everyone else (analysts included) sees none: aggregates only.
pub fn early_help_scope(p: &Principal) -> Condition {
    use entity::{early_help_assessment as eha, early_help_child as ehc};
    if !permits(p, ReadEarlyHelp) {
        return never();
    }
    let mut any = Condition::any()
        .add(eha::Column::LeadId.eq(p.user))
        .add(Condition::all().add(eha::Column::Status.ne(EarlyHelpStatus::Closed)).add(taf_member_of(p)));
    if let (true, Some(org)) = (p.has(Role::SafeguardingLead), p.organisation) {
        any = any.add(eha::Column::LeadOrgId.eq(org));
    }
    if let Some(manager) = early_help_manager(p) {
        any = any.add(manager);
    }
    if p.has(Role::HubWorker) {
        // Read back: the assessment a submitted step-up request came from.
        use entity::request_for_support as rfs;
        any = any.add(
            eha::Column::StepUpRequestId.in_subquery(
                rfs::Entity::find()
                    .select_only()
                    .column(rfs::Column::Id)
                    .filter(rfs::Column::Status.ne(RequestStatus::Draft))
                    .into_query(),
            ),
        );
    }
    if permits(p, ReadCase) {
        // Read back: the assessment behind a request attached to a case they may see.
        any = any.add(eha::Column::StepUpRequestId.in_subquery(requests_of_cases(case_scope(p))));
    }
    if permits(p, ReadChild) {
        any = any.add(
            eha::Column::Id.in_subquery(
                ehc::Entity::find()
                    .select_only()
                    .column(ehc::Column::AssessmentId)
                    .filter(
                        ehc::Column::ChildId.in_subquery(
                            child::Entity::find()
                                .select_only()
                                .column(child::Column::Id)
                                .filter(child_scope(p))
                                .into_query(),
                        ),
                    )
                    .into_query(),
            ),
        );
    }
    any
}

/// Assessments the principal may work on: the lead's own (open or closed: the domain then says
/// it is closed), and those whose team around the family they belong to while open.
pub fn early_help_contribute_scope(p: &Principal) -> Condition {
    use entity::early_help_assessment as eha;
    if !permits(p, ContributeEarlyHelp) {
        return never();
    }
    Condition::any()
        .add(eha::Column::LeadId.eq(p.user))
        .add(Condition::all().add(eha::Column::Status.ne(EarlyHelpStatus::Closed)).add(taf_member_of(p)))
}

/// Assessments the principal leads: only the lead manages the team around the family and closes.
pub fn early_help_lead_scope(p: &Principal) -> Condition {
    use entity::early_help_assessment as eha;
    if !permits(p, LeadEarlyHelp) {
        return never();
    }
    Condition::all().add(eha::Column::LeadId.eq(p.user))
}

/// Assessments on which the principal may link a child to a child record: those they may read.
pub fn early_help_link_scope(p: &Principal) -> Condition {
    if !permits(p, LinkEarlyHelpChild) {
        return never();
    }
    early_help_scope(p)
}

/// Requests the principal may withdraw: their own, while a draft or waiting for the hub.
pub fn withdrawable_request_scope(p: &Principal) -> Condition {
    use entity::request_for_support as rfs;
    if !permits(p, WithdrawRequest) {
        return never();
    }
    Condition::all()
        .add(rfs::Column::ReferrerId.eq(p.user))
        .add(rfs::Column::Status.is_in([RequestStatus::Draft, RequestStatus::Received]))
}

/// Drafts the principal may complete and submit: their own.
pub fn draft_request_scope(p: &Principal) -> Condition {
    use entity::request_for_support as rfs;
    if !permits(p, SubmitDraftRequest) {
        return never();
    }
    Condition::all().add(rfs::Column::ReferrerId.eq(p.user)).add(rfs::Column::Status.eq(RequestStatus::Draft))
}

/// Neglect screenings the principal may see: their own, their organisation's for a
/// safeguarding lead, all for the hub.
pub fn screening_scope(p: &Principal) -> Condition {
    use entity::neglect_screening as ns;
    if !permits(p, SubmitNeglectScreening) {
        return never();
    }
    if p.has(Role::HubWorker) {
        return Condition::all();
    }
    let mut any = Condition::any().add(ns::Column::CompletedBy.eq(p.user));
    if let (true, Some(org)) = (p.has(Role::SafeguardingLead), p.organisation) {
        any = any.add(ns::Column::OrganisationId.eq(org));
    }
    any
}

/// The hub's reasoning stays with the hub; the referrer sees the outcome and the feedback.
pub fn may_read_decision_rationale(p: &Principal) -> bool {
    permits(p, TriageRequests)
}

/// Which partner updates the principal may see: the hub the unmatched queue and those about
/// children it may see;
/// a social worker those on cases allocated to them; a team manager those on their team's
/// cases; a sender their own; a safeguarding lead their organisation's.
pub fn partner_update_scope(p: &Principal) -> Condition {
    use entity::partner_update as pu;
    if !permits(p, ReadPartnerUpdates) {
        return never();
    }
    let mut any = Condition::any().add(pu::Column::SenderId.eq(p.user));
    if p.has(Role::HubWorker) {
        // The unmatched queue, and the updates about children the hub may see: an update matched
        // to a restricted child is visible only to those who may see that child.
        any = any.add(pu::Column::ChildId.is_null()).add(pu::Column::ChildId.in_subquery(
            child::Entity::find().select_only().column(child::Column::Id).filter(child_scope(p)).into_query(),
        ));
    }
    if let (true, Some(org)) = (p.has(Role::SafeguardingLead), p.organisation) {
        any = any.add(pu::Column::SenderOrgId.eq(org));
    }
    if let (true, Some(org)) = (p.has(Role::Integration), p.organisation) {
        // The local authority's case management system: every matched update, to copy onto the
        // child's record. Another agency's system: only what it sent (above).
        any = any.add(Condition::all().add(pu::Column::CaseId.is_not_null()).add(local_authority(org)));
    }
    let cases = |cond: Condition| {
        pu::Column::CaseId
            .in_subquery(case::Entity::find().select_only().column(case::Column::Id).filter(cond).into_query())
    };
    if p.has(Role::SocialWorker) || p.has(Role::TeamManager) {
        any = any.add(cases(Condition::all().add(case::Column::AllocatedWorkerId.eq(p.user)).add(live_case())));
    }
    if let (true, Some(team)) = (p.has(Role::TeamManager), p.team) {
        any = any.add(cases(Condition::all().add(case::Column::TeamId.eq(team))));
    }
    any
}

/// True in SQL when `org` is the local authority's children's social care.
fn local_authority(org: sea_orm::prelude::Uuid) -> SimpleExpr {
    use entity::{enums::AgencyType, organisation};
    Expr::value(org).in_subquery(
        organisation::Entity::find()
            .select_only()
            .column(organisation::Column::Id)
            .filter(organisation::Column::AgencyType.eq(AgencyType::LaChildrensSocialCare))
            .into_query(),
    )
}

/// Whether the caller may learn that a child on an early help assessment is linked to a child
/// record: only those who may read child records. A partner leading an assessment never learns
/// from it that a child is known to social care.
pub fn may_see_child_links(p: &Principal) -> bool {
    permits(p, ReadChild)
}

/// Whether the caller reviews updates (and so may see whom an update matched, and the review).
pub fn may_see_update_matching(p: &Principal) -> bool {
    permits(p, ReviewPartnerUpdates)
}

/// [`may_see_update_matching`], or the local authority's case management system (a service
/// account of children's social care with `partner_updates:read`), which copies matched updates
/// onto the child's record. `org_type` is the caller's organisation's type. Another agency's
/// system never learns whether its update matched.
pub fn sees_update_matching(p: &Principal, org_type: Option<entity::enums::AgencyType>) -> bool {
    may_see_update_matching(p)
        || (permits(p, RecordPartnerUpdates) && org_type == Some(entity::enums::AgencyType::LaChildrensSocialCare))
}

/// Who acknowledges that a matched update was recorded: the local authority's case management
/// system only (not a reviewer, who reads the acknowledgement, nor another agency's system).
pub fn may_record_updates(p: &Principal, org_type: Option<entity::enums::AgencyType>) -> bool {
    sees_update_matching(p, org_type) && !may_see_update_matching(p)
}

/// Admins read the audit trail (IDs and codes only) of any child; team managers only of
/// children in their row scope.
pub fn may_read_any_audit_trail(p: &Principal) -> bool {
    p.has(Role::Admin) && permits(p, ReadAuditTrail)
}
