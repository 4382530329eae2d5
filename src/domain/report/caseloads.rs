//! Caseloads (team managers): the open cases at the end of each period, allocated or waiting for
//! a worker (by how many working days they have waited), from the cases and their allocation
//! events.
use super::early_help::period_ends;
use super::{Frame, MeasureSpec, Tally};
use crate::domain::calendar::london;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::enums::CaseEventKind;
use entity::{case, case_event};
use sea_orm::prelude::Uuid;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use std::collections::{HashMap, HashSet};

/// The columns: allocated, then unallocated by working days waited.
pub const COLUMNS: [&str; 5] = [
    "allocated",
    "unallocated_0_5_days",
    "unallocated_6_10_days",
    "unallocated_11_20_days",
    "unallocated_over_20_days",
];

/// When a case was allocated, and to whom (none: unallocated).
type Allocation = (DateTime<Utc>, Option<Uuid>);

pub(super) async fn report(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let (start, end) = f.range.instants();
    let mut cases = case::Entity::find()
        .select_only()
        .columns([case::Column::Id, case::Column::OpenedAt, case::Column::ClosedAt])
        .filter(case::Column::OpenedAt.lt(end))
        .filter(Condition::any().add(case::Column::ClosedAt.is_null()).add(case::Column::ClosedAt.gte(start)));
    if let Some(team) = f.team {
        cases = cases.filter(case::Column::TeamId.eq(team));
    }
    let ids = cases.clone().select_only().column(case::Column::Id).into_query();
    let cases: Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = cases.into_tuple().all(db).await?;
    // Allocation events in time order: the worker a case had at an instant is the last one
    // allocated before it.
    let allocations: Vec<(Uuid, DateTime<Utc>, Option<Uuid>)> = case_event::Entity::find()
        .select_only()
        .columns([case_event::Column::CaseId, case_event::Column::At, case_event::Column::WorkerId])
        .filter(case_event::Column::Kind.is_in([CaseEventKind::Opened, CaseEventKind::Allocated]))
        .filter(case_event::Column::CaseId.in_subquery(ids))
        .filter(case_event::Column::At.lt(end))
        .order_by_asc(case_event::Column::At)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_case: HashMap<Uuid, Vec<Allocation>> = HashMap::new();
    for (case, at, worker) in allocations {
        by_case.entry(case).or_default().push((at, worker));
    }
    let mut t = Tally::new(f, COLUMNS.map(String::from).to_vec());
    let ends = period_ends(&t, f);
    let earliest = cases.iter().map(|c| london::to_local(c.1).date()).min().unwrap_or(f.range.from);
    let days = f.cal.working_day_index(earliest, f.range.to);
    let mut workers = vec![0.0; ends.len()];
    let mut waits: Vec<Vec<f64>> = vec![vec![]; ends.len()];
    for (row, day) in ends.into_iter().enumerate() {
        // The end of that London day, or now for today.
        let at =
            day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(london::from_local).map_or(f.now, |e| e.min(f.now));
        let mut allocated_to: HashSet<Uuid> = HashSet::new();
        for (id, opened, closed) in &cases {
            if *opened >= at || closed.is_some_and(|c| c < at) {
                continue;
            }
            let worker =
                by_case.get(id).and_then(|events| events.iter().rev().find(|(t, _)| *t < at)).and_then(|e| e.1);
            match worker {
                Some(w) => {
                    allocated_to.insert(w);
                    t.add(row, 0, 1);
                }
                None => {
                    let waited = days.between(london::to_local(*opened).date(), day);
                    t.add(row, band(waited), 1);
                    waits[row].push(f64::from(waited));
                }
            }
        }
        workers[row] = allocated_to.len() as f64;
    }
    t.measure(MeasureSpec::Per { name: "open_cases_per_allocated_worker", num: vec![0], per: workers });
    t.measure(MeasureSpec::Median { name: "median_working_days_unallocated", over: vec![1, 2, 3, 4], rows: waits });
    Ok(t)
}

fn band(waited: u32) -> usize {
    match waited {
        0..=5 => 1,
        6..=10 => 2,
        11..=20 => 3,
        _ => 4,
    }
}
