//! Reports on partner updates: received by kind, by the sender's organisation type, matched or
//! not; and the reviews of matched updates against their check time. A year holds a million
//! updates, so the counts are made in the database by UTC hour (see [`super::hour_of`]).
use super::{Frame, Kind, MeasureSpec, Tally, hour_of, hour_start};
use crate::domain::partner_update::UpdateKind;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::enums::AgencyType;
use entity::{case, partner_update as pu};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// Updates received in the range, as a statement to add columns and groups to.
fn received(f: &Frame) -> SelectStatement {
    let (start, end) = f.range.instants();
    Query::select()
        .from(pu::Entity)
        .and_where(Expr::col(pu::Column::ReceivedAt).gte(start))
        .and_where(Expr::col(pu::Column::ReceivedAt).lt(end))
        .to_owned()
}

pub(super) async fn received_counts(db: &impl ConnectionTrait, f: &Frame, kind: Kind) -> AppResult<Tally> {
    let backend = db.get_database_backend();
    let mut stmt = received(f);
    stmt.expr_as(Expr::cust(hour_of(backend, "received_at")), Alias::new("h"));
    match kind {
        Kind::PartnerUpdatesByKind => stmt.column(pu::Column::Kind),
        Kind::PartnerUpdatesByAgency => stmt.column(pu::Column::SenderOrgId),
        _ => stmt.expr_as(Expr::col(pu::Column::CaseId).is_not_null(), Alias::new("matched")),
    };
    stmt.expr(Expr::col(pu::Column::Id).count()).add_group_by([Expr::cust("1"), Expr::cust("2")]);
    let columns = match kind {
        Kind::PartnerUpdatesByKind => Tally::codes(UpdateKind::ALL, UpdateKind::code),
        Kind::PartnerUpdatesByAgency => Tally::codes(AgencyType::ALL, AgencyType::code),
        _ => vec!["matched".to_string(), "unmatched".to_string()],
    };
    let mut t = Tally::new(f, columns);
    let agencies =
        if kind == Kind::PartnerUpdatesByAgency { super::requests::agencies(db).await? } else { Default::default() };
    for row in super::rows(db, &stmt).await? {
        let hour: i64 = row.try_get_by_index(0)?;
        let n: i64 = row.try_get_by_index(2)?;
        let column = match kind {
            Kind::PartnerUpdatesByKind => t.column(&row.try_get_by_index::<String>(1)?),
            Kind::PartnerUpdatesByAgency => {
                let org: Uuid = row.try_get_by_index(1)?;
                agencies.get(&org).and_then(|a| t.column(a.code()))
            }
            _ => Some(if row.try_get_by_index::<bool>(1)? { 0 } else { 1 }),
        };
        if let (Some(r), Some(c)) = (hour_start(hour).and_then(|h| t.row_at(h)), column) {
            t.add(r, c, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(t)
}

/// The review columns, in order.
pub const REVIEW: [&str; 4] = ["reviewed_on_time", "reviewed_late", "overdue_now", "awaiting_check"];

/// Matched updates received in the range (of the frame's team's cases, when it has one) by
/// review: reviewed by their check time or after it, not reviewed and past it now, not reviewed
/// and within it. Concerns only for [`Kind::PartnerUpdateConcerns`], with the median working hours
/// from receipt to review.
pub(super) async fn reviews(db: &impl ConnectionTrait, f: &Frame, kind: Kind) -> AppResult<Tally> {
    let backend = db.get_database_backend();
    let concerns = kind == Kind::PartnerUpdateConcerns;
    let mut stmt = received(f);
    stmt.and_where(Expr::col(pu::Column::CaseId).is_not_null());
    if concerns {
        stmt.and_where(Expr::col(pu::Column::Concern).eq(true));
    }
    if let Some(team) = f.team {
        let cases = case::Entity::find().select_only().column(case::Column::Id).filter(case::Column::TeamId.eq(team));
        stmt.and_where(Expr::col(pu::Column::CaseId).in_subquery(cases.into_query()));
    }
    let mut t = Tally::new(f, REVIEW.map(String::from).to_vec());
    if concerns {
        // Few enough to read one by one: the median needs each update's time to review.
        stmt.columns([pu::Column::ReceivedAt, pu::Column::DueAt, pu::Column::ReviewedAt]);
        let mut hours: Vec<Vec<f64>> = vec![vec![]; t.periods().len()];
        for row in super::rows(db, &stmt).await? {
            let received: DateTime<Utc> = row.try_get_by_index(0)?;
            let due: DateTime<Utc> = row.try_get_by_index(1)?;
            let reviewed: Option<DateTime<Utc>> = row.try_get_by_index(2)?;
            let column = match reviewed {
                Some(at) if at <= due => 0,
                Some(_) => 1,
                None if f.now > due => 2,
                None => 3,
            };
            if let Some(r) = t.row_at(received) {
                t.add(r, column, 1);
                if let Some(at) = reviewed {
                    hours[r].push(f.cal.working_hours_between(received, at));
                }
            }
        }
        t.measure(MeasureSpec::Median { name: "median_working_hours_to_review", over: vec![0, 1], rows: hours });
    } else {
        let column = Expr::case(Expr::col(pu::Column::ReviewedAt).lte(Expr::col(pu::Column::DueAt)), 0)
            .case(Expr::col(pu::Column::ReviewedAt).is_not_null(), 1)
            .case(Expr::col(pu::Column::DueAt).lt(f.now), 2)
            .finally(3);
        stmt.expr_as(Expr::cust(hour_of(backend, "received_at")), Alias::new("h"))
            .expr_as(column, Alias::new("standing"))
            .expr(Expr::col(pu::Column::Id).count())
            .add_group_by([Expr::cust("1"), Expr::cust("2")]);
        for row in super::rows(db, &stmt).await? {
            let hour: i64 = row.try_get_by_index(0)?;
            let column: i32 = row.try_get_by_index(1)?;
            let n: i64 = row.try_get_by_index(2)?;
            if let Some(r) = hour_start(hour).and_then(|h| t.row_at(h)) {
                t.add(r, usize::try_from(column).unwrap_or(3), u64::try_from(n).unwrap_or(0));
            }
        }
    }
    t.measure(MeasureSpec::Ratio { name: "on_time_rate", num: vec![0], den: vec![0, 1] });
    Ok(t)
}
