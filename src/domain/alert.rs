//! Alerts: raised inside the transaction that makes them true (once each, whatever retries or
//! instances do), addressed to a member of staff or to a team, listed and acknowledged by their
//! recipients, and announced live once committed. Who receives what is asked of the policy.
use super::page::{Page, PageArgs};
use crate::alerts::Signal;
use crate::audit;
use crate::auth::policy;
use crate::context::{Entry, RecordType, RequestCtx};
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{DateTime, Utc};
use entity::{alert, code_enum, enums::AuditAction, request_for_support as rfs, staff};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    prelude::Uuid,
    sea_query::{Expr, OnConflict},
};

code_enum! {
    /// Why an alert was raised, which also says who receives it.
    AlertKind {
        /// A new update about a child allocated to you.
        NewUpdate = "NEW_UPDATE",
        /// The sender is concerned: straight to the team manager.
        Concern = "CONCERN",
        /// Not reviewed by its due check.
        Overdue = "OVERDUE",
        /// The reviewer escalated it.
        Escalated = "ESCALATED",
        /// To the hub: an update marked as a concern matched no child with an open case.
        UnmatchedConcern = "UNMATCHED_CONCERN",
        /// To the hub: an unmatched update is past its check time and not reviewed.
        UnmatchedOverdue = "UNMATCHED_OVERDUE",
        /// The hub passed a request for support about a child on your case (or, unallocated,
        /// your team's) to you.
        RequestPassed = "REQUEST_PASSED",
        /// To the referrer and their organisation's safeguarding lead: the hub decided the
        /// request; its outcome and feedback are on the request.
        RequestDecided = "REQUEST_DECIDED",
        /// To the referrer's organisation's safeguarding lead: a request was submitted to the hub.
        RequestSubmitted = "REQUEST_SUBMITTED",
        /// To the hub (a request it was waiting to decide) and the referrer's safeguarding lead:
        /// the referrer withdrew the request.
        RequestWithdrawn = "REQUEST_WITHDRAWN",
        /// To early help managers: a hub decision referred a family to early help.
        EarlyHelpReferral = "EARLY_HELP_REFERRAL",
        /// To the lead an early help manager allocated a referral to.
        EarlyHelpReferralAllocated = "EARLY_HELP_REFERRAL_ALLOCATED",
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Update(Uuid),
    Request(Uuid),
    Referral(Uuid),
}

impl Subject {
    fn id(self) -> Uuid {
        match self {
            Subject::Update(id) | Subject::Request(id) | Subject::Referral(id) => id,
        }
    }
}

/// One alert for one recipient (a staff member or a team). The dedupe key makes raising it
/// again a no-op.
pub fn row(
    subject: Subject,
    case_id: Option<Uuid>,
    kind: AlertKind,
    recipient: Uuid,
    now: DateTime<Utc>,
) -> alert::ActiveModel {
    let pick = |want: fn(Uuid) -> Subject| Set((want(subject.id()) == subject).then_some(subject.id()));
    alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        recipient_id: Set(recipient),
        kind: Set(kind.code().into()),
        partner_update_id: pick(Subject::Update),
        request_id: pick(Subject::Request),
        early_help_referral_id: pick(Subject::Referral),
        case_id: Set(case_id),
        dedupe_key: Set(format!("{}:{}:{}", kind.code(), subject.id(), recipient)),
        created_at: Set(now),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
    }
}

pub fn signal_of(a: &alert::ActiveModel) -> Option<Signal> {
    Some(Signal { alert_id: *a.id.try_as_ref()?, recipient_id: *a.recipient_id.try_as_ref()? })
}

pub fn dedupe() -> OnConflict {
    OnConflict::column(alert::Column::DedupeKey).do_nothing().to_owned()
}

/// Inserts alerts (skipping any already raised with the same key) and returns the signals of
/// the ones this call created, each with its audit row.
pub async fn raise(
    txn: &DatabaseTransaction,
    ctx: &RequestCtx,
    subject: Subject,
    case_id: Option<Uuid>,
    kind: AlertKind,
    recipients: &[Uuid],
) -> AppResult<Vec<Signal>> {
    let mut signals = vec![];
    let now = Utc::now();
    let mut seen = std::collections::HashSet::new();
    for r in recipients.iter().filter(|r| seen.insert(**r)) {
        let row = row(subject, case_id, kind, *r, now);
        let signal = signal_of(&row);
        let inserted = alert::Entity::insert(row).on_conflict(dedupe()).exec_without_returning(txn).await?;
        if inserted > 0 {
            signals.extend(signal);
        }
    }
    let entries: Vec<Entry> =
        signals.iter().map(|s| Entry::allowed(AuditAction::Create, RecordType::Alert, s.alert_id, None)).collect();
    audit::record(txn, ctx, &entries).await?;
    Ok(signals)
}

/// Active staff matching a policy prefilter, kept when the policy's rule says so.
async fn staff_where(
    conn: &impl ConnectionTrait,
    prefilter: sea_orm::Condition,
    keep: impl Fn(&staff::Model) -> bool,
) -> AppResult<Vec<staff::Model>> {
    Ok(staff::Entity::find().filter(prefilter).all(conn).await?.into_iter().filter(|s| keep(s)).collect())
}

/// Active team managers of a team.
pub async fn team_managers(conn: &impl ConnectionTrait, team: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = staff_where(conn, policy::team_alert_candidates(team), policy::receives_team_alerts).await?;
    Ok(rows.into_iter().map(|s| s.id).collect())
}

/// The hub's teams (alerts addressed to a team reach each member).
pub async fn hub_teams(conn: &impl ConnectionTrait) -> AppResult<Vec<Uuid>> {
    let rows = staff_where(conn, policy::hub_team_candidates(), policy::is_hub_member).await?;
    let mut teams: Vec<Uuid> = rows.into_iter().filter_map(|s| s.team_id).collect();
    teams.sort();
    teams.dedup();
    Ok(teams)
}

/// Who hears back about a request: its referrer and their organisation's safeguarding leads,
/// except the person who acted.
pub async fn referrer_side(conn: &impl ConnectionTrait, r: &rfs::Model, actor: Uuid) -> AppResult<Vec<Uuid>> {
    let leads = staff_where(conn, policy::organisation_leads(r.referrer_org_id), policy::is_safeguarding_lead).await?;
    let mut out = vec![r.referrer_id];
    out.extend(leads.into_iter().map(|s| s.id));
    out.retain(|id| *id != actor);
    Ok(out)
}

/// The early help service's managers.
pub async fn early_help_managers(conn: &impl ConnectionTrait) -> AppResult<Vec<Uuid>> {
    let rows = staff_where(conn, policy::early_help_manager_candidates(), policy::receives_team_alerts).await?;
    Ok(rows.into_iter().map(|s| s.id).collect())
}

/// The caller's own alerts (and their team's), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    unacknowledged: bool,
    page: &PageArgs,
) -> AppResult<Page<alert::Model>> {
    let mut q = alert::Entity::find().filter(policy::alert_scope(&ctx.principal));
    if unacknowledged {
        q = q.filter(alert::Column::AcknowledgedAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(alert::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(alert::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}

/// One of the caller's alerts (what a live signal turns into), or `None`.
pub async fn own(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<Option<alert::Model>> {
    Ok(alert::Entity::find_by_id(id).filter(policy::alert_scope(&ctx.principal)).one(db).await?)
}

/// Marks one of the caller's alerts (or their team's) as seen, keeping who did. Someone else's
/// alert answers like a missing one.
pub async fn acknowledge(db: &DatabaseConnection, ctx: &RequestCtx, id: Uuid) -> AppResult<alert::Model> {
    let Some(a) = own(db, ctx, id).await? else {
        return Err(AppError::invalid("input.alertId", UserErrorCode::NotFound, "no such alert"));
    };
    if a.acknowledged_at.is_some() {
        return Ok(a);
    }
    crate::db::transaction(db, async |txn| {
        alert::Entity::update_many()
            .col_expr(alert::Column::AcknowledgedAt, Expr::value(Utc::now()))
            .col_expr(alert::Column::AcknowledgedBy, Expr::value(ctx.principal.user))
            .filter(alert::Column::Id.eq(a.id))
            .filter(alert::Column::AcknowledgedAt.is_null())
            .exec(txn)
            .await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::Alert, a.id, None)]).await?;
        let stored = alert::Entity::find_by_id(a.id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(stored)
    })
    .await
}
