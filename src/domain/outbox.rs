//! The transactional outbox (issue 19): every state change another system may care about writes
//! an event in the same transaction as the change, so an event exists if and only if the change
//! committed. Webhook deliveries ([`crate::webhooks`]) and the pull feed ([`feed`]) read them.
//!
//! **Who sees an event.** The local authority's own systems (organisations of type
//! `LA_CHILDRENS_SOCIAL_CARE`) see every event. A partner organisation sees only the events
//! naming it (`org_id`): its own requests received, decided and withdrawn, and its own partner
//! updates received. A partner's update is never "matched" or "reviewed" to the partner: that
//! would tell it whether the child is known to social care.
//!
//! **Order.** On PostgreSQL sequence numbers are handed out in insert order, not commit order,
//! so a reader that took "everything after seq N" could pass over a slower transaction's event.
//! Each event also carries its transaction's ID (`txid`); readers take only events of
//! transactions that have ended (`txid` below the snapshot's `xmin`) in `(txid, seq)` order. Any
//! transaction still running, or yet to start, has a `txid` at or above `xmin`, so nothing can
//! later appear before a position a reader has passed. SQLite has one writer at a time: `seq`
//! alone is commit order there (`txid` is 0).
use crate::auth::Principal;
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::graphql::ids::{self, Kind as IdKind};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::code_enum;
use entity::enums::AgencyType;
use entity::{event, organisation};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Value, json};

code_enum! {
    /// What happened: the type of an event, as webhooks and the events feed carry it.
    EventType {
        /// A request for support was received (payload: `requestId`, `reference`, `dueAt`).
        RequestReceived = "request.received",
        /// The hub decided a request (payload: `requestId`, `reference`, `outcome`, `decidedLevel`).
        RequestDecided = "request.decided",
        /// The referrer withdrew a request before the hub decided it (payload: `requestId`,
        /// `reference`).
        RequestWithdrawn = "request.withdrawn",
        /// A partner update was received (payload: `partnerUpdateId`, `reference`, `dueAt`). The
        /// sender's event never says whether it matched a child.
        PartnerUpdateReceived = "partner_update.received",
        /// A partner update was matched to a child and case (the local authority's systems only;
        /// payload: `partnerUpdateId`, `childId`, `caseId`).
        PartnerUpdateMatched = "partner_update.matched",
        /// A partner update was reviewed (local authority only; payload: `partnerUpdateId`,
        /// `caseId`, `action`).
        PartnerUpdateReviewed = "partner_update.reviewed",
        /// A case was opened (local authority only; payload: `caseId`, `childId`, `teamId`, `kind`).
        CaseOpened = "case.opened",
        /// A case was allocated to a worker (local authority only; payload: `caseId`, `teamId`,
        /// `workerId`).
        CaseAllocated = "case.allocated",
        /// A case was closed (local authority only; payload: `caseId`, `reason`).
        CaseClosed = "case.closed",
        /// The hub referred a request to early help (local authority only; payload:
        /// `earlyHelpReferralId`, `requestId`).
        EarlyHelpReferralCreated = "early_help_referral.created",
        /// An early help referral was allocated to a lead (local authority and the lead's
        /// organisation; payload: `earlyHelpReferralId`, `leadId`).
        EarlyHelpReferralAllocated = "early_help_referral.allocated",
        /// An early help assessment was closed (local authority and the lead's organisation;
        /// payload: `assessmentId`, `outcome`).
        EarlyHelpAssessmentClosed = "early_help_assessment.closed",
    }
}

/// An event to write with a change.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    pub subject: Uuid,
    /// The partner organisation that may also see it (the local authority sees every event).
    pub org: Option<Uuid>,
    pub payload: Value,
}

/// A global ID as the API gives it, for payloads.
pub fn gid(kind: IdKind, id: Uuid) -> String {
    ids::encode(kind, id).0
}

impl Event {
    pub fn new(kind: EventType, subject: Uuid, org: Option<Uuid>, payload: Value) -> Self {
        Event { kind, subject, org, payload }
    }
}

/// The insert of some events, for a caller that batches its writes ([`crate::db::write_together`]).
/// Written as SQL directly rather than through the query builder: it is on every partner update,
/// the hottest write, and the text for one shape is the same each time (the driver's cached
/// prepared statement).
pub fn statement(backend: DbBackend, events: &[Event], at: DateTime<Utc>) -> Option<Statement> {
    if events.is_empty() {
        return None;
    }
    let mut sql = String::with_capacity(64 + events.len() * 32);
    sql.push_str("INSERT INTO events (id, type, at, subject_id, org_id, payload) VALUES ");
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(events.len() * 6);
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for j in 0..6 {
            if j > 0 {
                sql.push_str(", ");
            }
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    crate::db::push_number(&mut sql, i * 6 + j + 1);
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
        values.push(Uuid::now_v7().into());
        values.push(e.kind.code().into());
        values.push(at.into());
        values.push(e.subject.into());
        values.push(e.org.into());
        values.push(e.payload.to_string().into());
    }
    Some(Statement::from_sql_and_values(backend, sql, values))
}

/// Writes events on the caller's connection: inside the caller's transaction, with its change.
pub async fn emit(db: &impl ConnectionTrait, events: &[Event]) -> AppResult<()> {
    if let Some(s) = statement(db.get_database_backend(), events, Utc::now()) {
        db.execute_raw(s).await?;
    }
    Ok(())
}

/// A position in the event stream: after the event at `(txid, seq)`, written at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub txid: i64,
    pub seq: i64,
}

/// A cursor for the feed: the position and the time of its event (to tell an expired one).
pub fn cursor(p: Position, at: DateTime<Utc>) -> String {
    URL_SAFE_NO_PAD.encode(format!("ev1:{}:{}:{}", p.txid, p.seq, at.timestamp()))
}

fn bad_cursor() -> AppError {
    AppError::invalid("after", UserErrorCode::Invalid, "not a cursor this feed gave")
}

/// Reads a cursor; a malformed one is `BAD_USER_INPUT`, one older than the retention window is
/// `CURSOR_EXPIRED` (its events are gone: start again from the beginning of the window).
pub fn read_cursor(s: &str, retention: chrono::Duration, now: DateTime<Utc>) -> AppResult<Position> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad_cursor)?;
    let parts: Vec<&str> = raw.split(':').collect();
    let [tag, txid, seq, at] = parts.as_slice() else { return Err(bad_cursor()) };
    if *tag != "ev1" {
        return Err(bad_cursor());
    }
    let (Ok(txid), Ok(seq), Ok(at)) = (txid.parse::<i64>(), seq.parse::<i64>(), at.parse::<i64>()) else {
        return Err(bad_cursor());
    };
    let at = DateTime::from_timestamp(at, 0).ok_or_else(bad_cursor)?;
    if at < now - retention {
        return Err(AppError::invalid(
            "after",
            UserErrorCode::CursorExpired,
            "this cursor is older than the feed keeps",
        ));
    }
    Ok(Position { txid, seq })
}

/// The events after `after` that `org` may see, of `types` (all when empty), up to `first`, in
/// commit order, within the retention window; only events of ended transactions.
pub async fn after(
    db: &impl ConnectionTrait,
    org: Uuid,
    after: Position,
    types: &[EventType],
    first: u64,
    since: DateTime<Utc>,
) -> AppResult<Vec<event::Model>> {
    let mut q = event::Entity::find()
        .filter(
            Condition::any()
                .add(event::Column::Txid.gt(after.txid))
                .add(Condition::all().add(event::Column::Txid.eq(after.txid)).add(event::Column::Seq.gt(after.seq))),
        )
        .filter(event::Column::At.gte(since));
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.filter(
            Expr::col(event::Column::Txid).lt(Expr::cust("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")),
        );
    }
    if !types.is_empty() {
        q = q.filter(event::Column::Kind.is_in(types.iter().map(|t| t.code())));
    }
    if !is_local_authority(db, org).await? {
        q = q.filter(event::Column::OrgId.eq(org));
    }
    let q = q.order_by_asc(event::Column::Txid).order_by_asc(event::Column::Seq).limit(first);
    Ok(q.all(db).await?)
}

/// Whether an organisation is the local authority's children's social care, whose systems see
/// every event.
pub async fn is_local_authority(db: &impl ConnectionTrait, org: Uuid) -> AppResult<bool> {
    let kind: Option<AgencyType> = organisation::Entity::find_by_id(org)
        .select_only()
        .column(organisation::Column::AgencyType)
        .into_tuple()
        .one(db)
        .await?;
    Ok(kind == Some(AgencyType::LaChildrensSocialCare))
}

/// The event types an organisation may receive: all for the local authority, else those that
/// can name a partner.
pub fn visible_types(local_authority: bool) -> Vec<EventType> {
    EventType::ALL
        .iter()
        .copied()
        .filter(|t| {
            local_authority
                || matches!(
                    t,
                    EventType::RequestReceived
                        | EventType::RequestDecided
                        | EventType::RequestWithdrawn
                        | EventType::PartnerUpdateReceived
                        | EventType::EarlyHelpReferralAllocated
                        | EventType::EarlyHelpAssessmentClosed
                )
        })
        .collect()
}

/// An event as webhooks and the feed carry it.
pub fn envelope(e: &event::Model) -> Value {
    json!({
        "id": e.id.to_string(),
        "type": e.kind,
        "occurredAt": e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
    })
}

/// The caller's organisation for the feed: service accounts with `events:read` only.
pub fn feed_org(p: &Principal) -> AppResult<Uuid> {
    if !crate::auth::policy::permits(p, crate::auth::policy::Action::ReadEvents) {
        return Err(AppError::Forbidden);
    }
    p.organisation.ok_or(AppError::Forbidden)
}

/// The events, built where the changes are made.
pub mod events {
    use super::{Event, EventType, gid};
    use crate::graphql::ids::Kind;
    use entity::{case, request_for_support as rfs};
    use sea_orm::prelude::Uuid;
    use serde_json::json;

    fn at(t: chrono::DateTime<chrono::Utc>) -> String {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub fn request_received(r: &rfs::Model) -> Event {
        let data =
            json!({ "requestId": gid(Kind::RequestForSupport, r.id), "reference": r.reference, "dueAt": at(r.due_at) });
        Event::new(EventType::RequestReceived, r.id, Some(r.referrer_org_id), data)
    }

    pub fn request_decided(r: &rfs::Model, outcome: &str, level: entity::enums::Level) -> Event {
        let data = json!({ "requestId": gid(Kind::RequestForSupport, r.id), "reference": r.reference,
                           "outcome": outcome, "decidedLevel": level.code() });
        Event::new(EventType::RequestDecided, r.id, Some(r.referrer_org_id), data)
    }

    pub fn request_withdrawn(r: &rfs::Model) -> Event {
        let data = json!({ "requestId": gid(Kind::RequestForSupport, r.id), "reference": r.reference });
        Event::new(EventType::RequestWithdrawn, r.id, Some(r.referrer_org_id), data)
    }

    /// The sender's event (`update`, from `sender_org`): the same whether or not the update
    /// matched a child. Built before the row is stored, which is written in the same statement.
    pub fn update_received(
        update: Uuid,
        sender_org: Uuid,
        reference: &str,
        due_at: chrono::DateTime<chrono::Utc>,
    ) -> Event {
        let data =
            json!({ "partnerUpdateId": gid(Kind::PartnerUpdate, update), "reference": reference, "dueAt": at(due_at) });
        Event::new(EventType::PartnerUpdateReceived, update, Some(sender_org), data)
    }

    /// The local authority's only.
    pub fn update_matched(update: Uuid, child: Uuid, case: Uuid) -> Event {
        let data = json!({ "partnerUpdateId": gid(Kind::PartnerUpdate, update), "childId": gid(Kind::Child, child),
                           "caseId": gid(Kind::Case, case) });
        Event::new(EventType::PartnerUpdateMatched, update, None, data)
    }

    /// The local authority's only.
    pub fn update_reviewed(update: Uuid, case: Option<Uuid>, action: &str) -> Event {
        let data = json!({ "partnerUpdateId": gid(Kind::PartnerUpdate, update),
                           "caseId": case.map(|c| gid(Kind::Case, c)), "action": action });
        Event::new(EventType::PartnerUpdateReviewed, update, None, data)
    }

    pub fn case_opened(c: &case::Model) -> Event {
        let data = json!({ "caseId": gid(Kind::Case, c.id), "childId": gid(Kind::Child, c.child_id),
                           "teamId": gid(Kind::Team, c.team_id), "kind": c.kind.code() });
        Event::new(EventType::CaseOpened, c.id, None, data)
    }

    pub fn case_allocated(c: &case::Model) -> Event {
        let data = json!({ "caseId": gid(Kind::Case, c.id), "teamId": gid(Kind::Team, c.team_id),
                           "workerId": c.allocated_worker_id.map(|w| gid(Kind::Staff, w)) });
        Event::new(EventType::CaseAllocated, c.id, None, data)
    }

    pub fn case_closed(c: &case::Model) -> Event {
        let data = json!({ "caseId": gid(Kind::Case, c.id), "reason": c.closure_reason.map(|r| r.code()) });
        Event::new(EventType::CaseClosed, c.id, None, data)
    }

    pub fn referral_created(referral: Uuid, request: Uuid) -> Event {
        let data = json!({ "earlyHelpReferralId": gid(Kind::EarlyHelpReferral, referral),
                           "requestId": gid(Kind::RequestForSupport, request) });
        Event::new(EventType::EarlyHelpReferralCreated, referral, None, data)
    }

    pub fn referral_allocated(referral: Uuid, lead: Uuid, lead_org: Option<Uuid>) -> Event {
        let data =
            json!({ "earlyHelpReferralId": gid(Kind::EarlyHelpReferral, referral), "leadId": gid(Kind::Staff, lead) });
        Event::new(EventType::EarlyHelpReferralAllocated, referral, lead_org, data)
    }

    pub fn assessment_closed(assessment: Uuid, outcome: &str, lead_org: Uuid) -> Event {
        let data = json!({ "assessmentId": gid(Kind::EarlyHelpAssessment, assessment), "outcome": outcome });
        Event::new(EventType::EarlyHelpAssessmentClosed, assessment, Some(lead_org), data)
    }
}

/// Drops events, and webhook delivery attempts, older than the retention window: the feed and
/// deliveries no longer reach them. Dead letters stay until an admin has dealt with them (a
/// replay of a pruned event finds nothing to send).
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    let events = event::Entity::delete_many().filter(event::Column::At.lt(before)).exec(db).await?;
    entity::webhook_delivery::Entity::delete_many()
        .filter(entity::webhook_delivery::Column::At.lt(before))
        .exec(db)
        .await?;
    Ok(events.rows_affected)
}
