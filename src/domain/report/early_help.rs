//! Reports on early help: assessments started and closed, open at each period's end, reviews on
//! time, and the hub's referrals to early help with their time to allocation.
use super::{Frame, MeasureSpec, Tally};
use crate::domain::calendar::london;
use crate::domain::early_help::{EarlyHelpClosureOutcome, REVIEW_CADENCE, next_review_due};
use crate::error::AppResult;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::Level;
use entity::{early_help_assessment as eha, early_help_meeting as meeting, early_help_referral as referral};
use sea_orm::prelude::Uuid;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The London date of the last day of each period, or today for the current one (what stood
/// "at the end" of a period still running is what stands now).
pub(super) fn period_ends(t: &Tally, f: &Frame) -> Vec<NaiveDate> {
    let today = london::to_local(f.now).date();
    t.periods().iter().map(|p| f.by.next(*p).and_then(|n| n.pred_opt()).unwrap_or(*p).min(today)).collect()
}

/// Assessments started in each period, and closed by outcome.
pub(super) async fn activity(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let rows: Vec<(NaiveDate, Option<NaiveDate>, Option<String>)> = eha::Entity::find()
        .select_only()
        .columns([eha::Column::StartedOn, eha::Column::ClosedOn, eha::Column::ClosureOutcome])
        .filter(
            Condition::any()
                .add(eha::Column::StartedOn.between(f.range.from, f.range.to))
                .add(eha::Column::ClosedOn.between(f.range.from, f.range.to)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut columns = vec!["started".to_string()];
    columns.extend(EarlyHelpClosureOutcome::ALL.iter().map(|o| format!("closed_{}", o.code())));
    let mut t = Tally::new(f, columns);
    for (started, closed, outcome) in rows {
        if let Some(r) = t.row_on(started).filter(|_| (f.range.from..=f.range.to).contains(&started)) {
            t.add(r, 0, 1);
        }
        if let (Some(day), Some(o)) = (closed.filter(|d| (f.range.from..=f.range.to).contains(d)), outcome)
            && let (Some(r), Some(c)) = (t.row_on(day), t.column(&format!("closed_{o}")))
        {
            t.add(r, c, 1);
        }
    }
    Ok(t)
}

/// Assessments open (started, not closed) at the end of each period, by level.
pub(super) async fn open(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let rows: Vec<(NaiveDate, Option<NaiveDate>, Level)> = eha::Entity::find()
        .select_only()
        .columns([eha::Column::StartedOn, eha::Column::ClosedOn, eha::Column::Level])
        .filter(eha::Column::StartedOn.lte(f.range.to))
        .filter(Condition::any().add(eha::Column::ClosedOn.is_null()).add(eha::Column::ClosedOn.gte(f.range.from)))
        .into_tuple()
        .all(db)
        .await?;
    let mut t = Tally::new(f, Tally::codes(Level::ALL, Level::code));
    for (row, end) in period_ends(&t, f).into_iter().enumerate() {
        for (started, closed, level) in &rows {
            if *started <= end
                && closed.is_none_or(|c| c > end)
                && let Some(c) = t.column(level.code())
            {
                t.add(row, c, 1);
            }
        }
    }
    Ok(t)
}

/// Reviews (meetings held after the plan was agreed) in each period: on time when held by the
/// review date the plan and the meeting before set ([`next_review_due`], the rule the
/// assessments themselves follow), late otherwise.
pub(super) async fn reviews(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let meetings: Vec<(Uuid, NaiveDate, Option<NaiveDate>)> = meeting::Entity::find()
        .select_only()
        .columns([meeting::Column::AssessmentId, meeting::Column::HeldOn, meeting::Column::NextMeetingOn])
        .filter(meeting::Column::HeldOn.lte(f.range.to))
        .order_by_asc(meeting::Column::HeldOn)
        .order_by_asc(meeting::Column::RecordedAt)
        .into_tuple()
        .all(db)
        .await?;
    let plans: HashMap<Uuid, Option<NaiveDate>> = eha::Entity::find()
        .select_only()
        .columns([eha::Column::Id, eha::Column::PlanAgreedOn])
        .filter(eha::Column::PlanAgreedOn.is_not_null())
        .into_tuple::<(Uuid, Option<NaiveDate>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut t = Tally::new(f, ["on_time", "late"].map(String::from).to_vec());
    let mut previous: HashMap<Uuid, (NaiveDate, Option<NaiveDate>)> = HashMap::new();
    for (assessment, held, next) in meetings {
        let plan = plans.get(&assessment).copied().flatten();
        let last = previous.insert(assessment, (held, next));
        if plan.is_none_or(|p| held <= p) || held < f.range.from {
            continue;
        }
        let due = next_review_due(plan, last, REVIEW_CADENCE);
        if let Some(r) = t.row_on(held) {
            t.add(r, if due.is_none_or(|d| held <= d) { 0 } else { 1 }, 1);
        }
    }
    t.measure(MeasureSpec::Ratio { name: "on_time_rate", num: vec![0], den: vec![0, 1] });
    Ok(t)
}

/// The hub's referrals to early help made in each period: allocated to a lead, or awaiting one;
/// the median working days from referral to allocation.
pub(super) async fn referrals(db: &impl ConnectionTrait, f: &Frame) -> AppResult<Tally> {
    let (start, end) = f.range.instants();
    let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = referral::Entity::find()
        .select_only()
        .columns([referral::Column::CreatedAt, referral::Column::AllocatedAt])
        .filter(referral::Column::CreatedAt.gte(start))
        .filter(referral::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let mut t = Tally::new(f, ["allocated", "awaiting_allocation"].map(String::from).to_vec());
    let mut days: Vec<Vec<f64>> = vec![vec![]; t.periods().len()];
    for (created, allocated) in rows {
        if let Some(r) = t.row_at(created) {
            t.add(r, if allocated.is_some() { 0 } else { 1 }, 1);
            if let Some(at) = allocated {
                let (a, b) = (london::to_local(created).date(), london::to_local(at).date());
                days[r].push(f64::from(f.cal.working_days_between(a, b)));
            }
        }
    }
    t.measure(MeasureSpec::Median { name: "median_working_days_to_allocation", over: vec![0], rows: days });
    Ok(t)
}
