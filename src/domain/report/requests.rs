//! Reports on requests for support and the hub's decisions: received by source, level, outcome
//! and concern; re-referrals; the hub's timeliness and the urgent follow-ups to phone referrals.
use super::{Frame, Kind, MeasureSpec, SOURCES, Tally, referral_source};
use crate::domain::calendar::london;
use crate::domain::codes::{self, ConcernCategory};
use crate::domain::request::HubOutcome;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::enums::{AgencyType, Level, RequestStatus};
use entity::{hub_decision, organisation, request_child as rc, request_for_support as rfs};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, QueryTrait};
use std::collections::HashMap;

/// What the request reports read of a request: times, codes and IDs only.
#[derive(FromQueryResult)]
struct Request {
    id: Uuid,
    received_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    status: RequestStatus,
    referrer_level: Level,
    referrer_org_id: Uuid,
    anonymous_source: bool,
    concern_categories: String,
    phone_contact_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct Decision {
    request_id: Uuid,
    outcome: String,
    decided_level: Level,
    decided_at: DateTime<Utc>,
    late: bool,
}

/// The IDs of the requests (not drafts) received within the frame's range, as a subquery.
fn received_ids(f: &Frame) -> sea_orm::sea_query::SelectStatement {
    let (start, end) = f.range.instants();
    rfs::Entity::find()
        .select_only()
        .column(rfs::Column::Id)
        .filter(rfs::Column::ReceivedAt.gte(start))
        .filter(rfs::Column::ReceivedAt.lt(end))
        .filter(rfs::Column::Status.ne(RequestStatus::Draft))
        .into_query()
}

async fn load(db: &impl ConnectionTrait, f: &Frame) -> AppResult<(Vec<Request>, HashMap<Uuid, Decision>)> {
    let (start, end) = f.range.instants();
    let requests = rfs::Entity::find()
        .select_only()
        .columns([
            rfs::Column::Id,
            rfs::Column::ReceivedAt,
            rfs::Column::DueAt,
            rfs::Column::Status,
            rfs::Column::ReferrerLevel,
            rfs::Column::ReferrerOrgId,
            rfs::Column::AnonymousSource,
            rfs::Column::ConcernCategories,
            rfs::Column::PhoneContactAt,
        ])
        .filter(rfs::Column::ReceivedAt.gte(start))
        .filter(rfs::Column::ReceivedAt.lt(end))
        .filter(rfs::Column::Status.ne(RequestStatus::Draft))
        .into_model::<Request>()
        .all(db)
        .await?;
    let decisions = hub_decision::Entity::find()
        .select_only()
        .columns([
            hub_decision::Column::RequestId,
            hub_decision::Column::Outcome,
            hub_decision::Column::DecidedLevel,
            hub_decision::Column::DecidedAt,
            hub_decision::Column::Late,
        ])
        .filter(hub_decision::Column::RequestId.in_subquery(received_ids(f)))
        .into_model::<Decision>()
        .all(db)
        .await?;
    Ok((requests, decisions.into_iter().map(|d| (d.request_id, d)).collect()))
}

/// Every organisation's type.
pub(super) async fn agencies(db: &impl ConnectionTrait) -> AppResult<HashMap<Uuid, AgencyType>> {
    Ok(organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::AgencyType)
        .into_tuple::<(Uuid, AgencyType)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The hub's timeliness columns, in order.
pub const TIMELINESS: [&str; 5] =
    ["decided_on_time", "decided_late", "awaiting_overdue", "awaiting_in_time", "withdrawn"];

pub(super) async fn report(db: &impl ConnectionTrait, f: &Frame, kind: Kind) -> AppResult<Tally> {
    let (requests, decisions) = load(db, f).await?;
    let awaiting = ["awaiting_decision".to_string(), "withdrawn".to_string()];
    let columns: Vec<String> = match kind {
        Kind::RequestsReceived => SOURCES.iter().map(|s| s.to_string()).collect(),
        Kind::RequestsByReferrerLevel => Tally::codes(Level::ALL, Level::code),
        Kind::RequestsByDecidedLevel => [Tally::codes(Level::ALL, Level::code), awaiting.to_vec()].concat(),
        Kind::RequestsByOutcome => [Tally::codes(HubOutcome::ALL, HubOutcome::code), awaiting.to_vec()].concat(),
        Kind::RequestsByConcern => Tally::codes(ConcernCategory::ALL, ConcernCategory::code),
        _ => TIMELINESS.iter().map(|s| s.to_string()).collect(),
    };
    let mut t = Tally::new(f, columns);
    let agencies = if kind == Kind::RequestsReceived { agencies(db).await? } else { HashMap::new() };
    let mut hours: Vec<Vec<f64>> = vec![vec![]; t.periods().len()];
    for r in &requests {
        let decision = decisions.get(&r.id);
        // Where a request stands: its decision, or awaiting one, or withdrawn before one.
        let standing = |decided: &dyn Fn(&Decision) -> String| match decision {
            Some(d) => decided(d),
            None if r.status == RequestStatus::Withdrawn => "withdrawn".to_string(),
            None => "awaiting_decision".to_string(),
        };
        match kind {
            Kind::RequestsReceived => {
                let source = match agencies.get(&r.referrer_org_id) {
                    Some(a) => referral_source(*a, r.anonymous_source),
                    None if r.anonymous_source => "9",
                    None => "10",
                };
                t.count_at(r.received_at, source);
            }
            Kind::RequestsByReferrerLevel => t.count_at(r.received_at, r.referrer_level.code()),
            Kind::RequestsByDecidedLevel => {
                t.count_at(r.received_at, &standing(&|d| d.decided_level.code().to_string()))
            }
            Kind::RequestsByOutcome => t.count_at(r.received_at, &standing(&|d| d.outcome.clone())),
            Kind::RequestsByConcern => {
                for c in codes::split(&r.concern_categories, ConcernCategory::from_code) {
                    t.count_at(r.received_at, c.code());
                }
            }
            _ => {
                // Urgent follow-ups: the written follow-up to a phone referral, timed from the
                // call; timeliness: every request, timed from receipt.
                let from = match (kind, r.phone_contact_at) {
                    (Kind::UrgentFollowUps, Some(call)) => call,
                    (Kind::UrgentFollowUps, None) => continue,
                    _ => r.received_at,
                };
                let column = match decision {
                    Some(d) if !d.late => 0,
                    Some(_) => 1,
                    None if r.status == RequestStatus::Withdrawn => 4,
                    None if f.now > r.due_at => 2,
                    None => 3,
                };
                if let Some(row) = t.row_at(r.received_at) {
                    t.add(row, column, 1);
                    if let Some(d) = decision {
                        hours[row].push(f.cal.working_hours_between(from, d.decided_at));
                    }
                }
            }
        }
    }
    if matches!(kind, Kind::HubTimeliness | Kind::UrgentFollowUps) {
        t.measure(MeasureSpec::Ratio { name: "on_time_rate", num: vec![0], den: vec![0, 1] });
        t.measure(MeasureSpec::Median { name: "median_working_hours_to_decision", over: vec![0, 1], rows: hours });
    }
    Ok(t)
}

/// Children on requests received in the range, each counted once per request: re-referred
/// (their record was on another request received in the 12 months before this one), not (a
/// first request in 12 months), or not matched to a record yet.
pub(super) async fn re_referrals(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let (start, end) = f.range.instants();
    let lookback = f.range.from.checked_sub_months(chrono::Months::new(12)).unwrap_or(f.range.from);
    let (back, _) = super::Range { from: lookback, to: f.range.to }.instants();
    // Every child on a request (not a draft) received from 12 months before the range to its end.
    let stmt = Query::select()
        .column((rc::Entity, rc::Column::RequestId))
        .column((rc::Entity, rc::Column::ChildId))
        .column((rfs::Entity, rfs::Column::ReceivedAt))
        .from(rc::Entity)
        .inner_join(rfs::Entity, Expr::col((rfs::Entity, rfs::Column::Id)).equals((rc::Entity, rc::Column::RequestId)))
        .and_where(Expr::col((rfs::Entity, rfs::Column::ReceivedAt)).gte(back))
        .and_where(Expr::col((rfs::Entity, rfs::Column::ReceivedAt)).lt(end))
        .and_where(Expr::col((rfs::Entity, rfs::Column::Status)).ne(RequestStatus::Draft.code()))
        .to_owned();
    let mut children: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = vec![];
    for row in super::rows(db, &stmt).await? {
        children.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?));
    }
    let mut seen: HashMap<Uuid, Vec<(DateTime<Utc>, Uuid)>> = HashMap::new();
    for (request, child, at) in &children {
        if let Some(c) = child {
            seen.entry(*c).or_default().push((*at, *request));
        }
    }
    let columns = ["re_referral", "first_in_12_months", "not_matched"].map(String::from).to_vec();
    let mut t = Tally::new(f, columns);
    for (request, child, at) in &children {
        if *at < start {
            continue;
        }
        let column = match child {
            None => "not_matched",
            Some(c) => {
                let day = london::to_local(*at).date();
                let year_before = day.checked_sub_months(chrono::Months::new(12)).unwrap_or(day);
                let earlier = seen.get(c).into_iter().flatten().any(|(other_at, other)| {
                    other != request && *other_at < *at && london::to_local(*other_at).date() >= year_before
                });
                if earlier { "re_referral" } else { "first_in_12_months" }
            }
        };
        t.count_at(*at, column);
    }
    t.measure(MeasureSpec::Ratio { name: "re_referral_rate", num: vec![0], den: vec![0, 1] });
    Ok(t)
}
