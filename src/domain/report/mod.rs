//! Reports for analysts and managers: counts from the stored facts, grouped by period, with no
//! identifiers and small numbers suppressed ([`suppress`]). Periods are London calendar weeks
//! (from Monday), months or quarters. The HTTP CSV routes and the GraphQL `reports` root serve the
//! same [`Report`].
pub mod suppress;

use crate::auth::policy::{self, Action};
use crate::context::{Entry, RecordType, RequestCtx};
use crate::domain::calendar::london;
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{AgencyType, AuditAction, AuditOutcome, RequestStatus};
use entity::{organisation, request_for_support as rfs};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// The longest range a report covers.
pub const MAX_YEARS: i32 = 5;

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Grouping {
    /// London calendar weeks, Monday to Sunday, labelled by their Monday.
    Week,
    /// Calendar months, labelled by their first day.
    Month,
    /// Calendar quarters (January, April, July, October), labelled by their first day.
    Quarter,
}

impl Grouping {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "week" | "WEEK" => Some(Grouping::Week),
            "month" | "MONTH" => Some(Grouping::Month),
            "quarter" | "QUARTER" => Some(Grouping::Quarter),
            _ => None,
        }
    }

    /// The first day of the period holding `d`.
    pub fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Grouping::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
            Grouping::Month => d.with_day(1).unwrap_or(d),
            Grouping::Quarter => NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1).unwrap_or(d),
        }
    }

    fn next(self, d: NaiveDate) -> Option<NaiveDate> {
        match self {
            Grouping::Week => d.checked_add_signed(Duration::days(7)),
            Grouping::Month => d.checked_add_months(chrono::Months::new(1)),
            Grouping::Quarter => d.checked_add_months(chrono::Months::new(3)),
        }
    }
}

/// A report's date range, inclusive, checked.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    pub fn new(from: NaiveDate, to: NaiveDate) -> AppResult<Self> {
        let sane = |d: NaiveDate| (2000..=2100).contains(&d.year());
        if !sane(from) {
            return Err(AppError::invalid("from", UserErrorCode::Invalid, "a date from 2000 to 2100"));
        }
        if !sane(to) {
            return Err(AppError::invalid("to", UserErrorCode::Invalid, "a date from 2000 to 2100"));
        }
        if from > to {
            return Err(AppError::invalid("from", UserErrorCode::Invalid, "from is after to"));
        }
        let limit = from.checked_add_months(chrono::Months::new(12 * MAX_YEARS as u32));
        if limit.is_none_or(|l| to >= l) {
            return Err(AppError::invalid("to", UserErrorCode::Invalid, "a report covers at most 5 years"));
        }
        Ok(Range { from, to })
    }

    /// The range widened to whole periods of `by`: from the first day of the period holding
    /// `from` to the last day of the period holding `to`. Reports count whole periods only, so
    /// that two requests whose ranges differ by a day cannot be subtracted to reveal that day.
    pub fn aligned(&self, by: Grouping) -> Range {
        let to = by.next(by.start(self.to)).and_then(|n| n.pred_opt()).unwrap_or(self.to);
        Range { from: by.start(self.from), to }
    }

    /// The period starts covering the range, in order.
    pub fn periods(&self, by: Grouping) -> Vec<NaiveDate> {
        let mut out = vec![];
        let mut p = Some(by.start(self.from));
        while let Some(d) = p.filter(|d| *d <= self.to) {
            out.push(d);
            p = by.next(d);
        }
        out
    }

    fn instants(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let start = london::from_local(self.from.and_hms_opt(0, 0, 0).unwrap_or_default());
        let end = london::from_local((self.to + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default());
        (start, end)
    }
}

/// A published report: columns, one row per period, totals; every count suppressed as
/// [`suppress::table`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: &'static str,
    pub range: (NaiveDate, NaiveDate),
    pub by: Grouping,
    pub columns: Vec<String>,
    pub periods: Vec<NaiveDate>,
    pub table: suppress::Table,
    /// A rate per row and over the whole range (`rate_name`), shown only when its counts are.
    pub rate_name: Option<&'static str>,
    pub rates: Vec<Option<f64>>,
    pub total_rate: Option<f64>,
}

/// The CIN census referral source (DOMAIN §6.2) a request from this kind of organisation
/// suggests (§6.1); `9` when the referrer asked to stay anonymous, `10` (unknown) for the
/// authority's own services.
pub fn referral_source(agency: AgencyType, anonymous: bool) -> &'static str {
    if anonymous {
        return "9";
    }
    match agency {
        AgencyType::School => "2A",
        AgencyType::EarlyYears | AgencyType::PupilWelfare => "2B",
        AgencyType::Gp => "3A",
        AgencyType::HealthVisitor => "3B",
        AgencyType::SchoolNurse => "3C",
        AgencyType::Midwife => "3D",
        AgencyType::Camhs | AgencyType::DrugService => "3F",
        AgencyType::Housing => "4",
        AgencyType::YouthJustice => "5B",
        AgencyType::LaEarlyHelp => "5D",
        AgencyType::Police => "6",
        AgencyType::Probation | AgencyType::Prison => "7",
        AgencyType::ChildrensCentre | AgencyType::Fire | AgencyType::VoluntarySector => "8",
        _ => "10",
    }
}

/// The reports, by the name their CSV address uses (`/reports/<name>.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RequestsReceived,
    HubTimeliness,
}

impl Kind {
    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "requests-received" => Some(Kind::RequestsReceived),
            "hub-timeliness" => Some(Kind::HubTimeliness),
            _ => None,
        }
    }
}

/// Makes a report for the caller: reports are for `ReadReports` holders, and count whole
/// periods of `by` (the range is widened to them).
pub async fn make(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    kind: Kind,
    range: Range,
    by: Grouping,
    threshold: u64,
) -> AppResult<Report> {
    if !policy::permits(&ctx.principal, Action::ReadReports) {
        return Err(AppError::Forbidden);
    }
    let range = range.aligned(by);
    let report = match kind {
        Kind::RequestsReceived => requests_received(db, range, by, threshold).await?,
        Kind::HubTimeliness => hub_timeliness(db, range, by, threshold).await?,
    };
    audit_report(db, ctx).await?;
    Ok(report)
}

/// The referral source columns, in the census order.
pub const SOURCES: [&str; 17] =
    ["2A", "2B", "3A", "3B", "3C", "3D", "3F", "4", "5B", "5D", "6", "7", "8", "9", "10", "1A", "1C"];

/// Requests for support received (drafts excluded), by period and CIN referral source.
async fn requests_received(db: &impl ConnectionTrait, range: Range, by: Grouping, threshold: u64) -> AppResult<Report> {
    let (start, end) = range.instants();
    let rows: Vec<(chrono::DateTime<chrono::Utc>, bool, uuid::Uuid)> = rfs::Entity::find()
        .select_only()
        .column(rfs::Column::ReceivedAt)
        .column(rfs::Column::AnonymousSource)
        .column(rfs::Column::ReferrerOrgId)
        .filter(rfs::Column::ReceivedAt.gte(start))
        .filter(rfs::Column::ReceivedAt.lt(end))
        .filter(rfs::Column::Status.ne(RequestStatus::Draft))
        .into_tuple()
        .all(db)
        .await?;
    let agencies: HashMap<uuid::Uuid, AgencyType> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::AgencyType)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let periods = range.periods(by);
    let index: HashMap<NaiveDate, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut counts = vec![vec![0u64; SOURCES.len()]; periods.len()];
    for (at, anonymous, org) in rows {
        let day = london::to_local(at).date();
        let source = match agencies.get(&org) {
            Some(a) => referral_source(*a, anonymous),
            None if anonymous => "9",
            None => "10",
        };
        if let (Some(&r), Some(c)) = (index.get(&by.start(day)), SOURCES.iter().position(|s| *s == source)) {
            counts[r][c] += 1;
        }
    }
    Ok(Report {
        name: "requests-received",
        range: (range.from, range.to),
        by,
        columns: SOURCES.iter().map(|s| s.to_string()).collect(),
        periods,
        table: suppress::table(&counts, threshold),
        rate_name: None,
        rates: vec![],
        total_rate: None,
    })
}

/// The hub's timeliness columns, in order.
pub const TIMELINESS: [&str; 5] =
    ["decided_on_time", "decided_late", "awaiting_overdue", "awaiting_in_time", "withdrawn"];

/// Requests for support received in each period (drafts excluded) by where they stand: decided
/// by their due time (the end of the next working day, set from the working-day calendar when
/// the request arrived) or late, awaiting a decision past or within that time, or withdrawn.
/// The rate is the share decided on time of those decided.
async fn hub_timeliness(db: &impl ConnectionTrait, range: Range, by: Grouping, threshold: u64) -> AppResult<Report> {
    use entity::hub_decision;
    let (start, end) = range.instants();
    let requests: Vec<(uuid::Uuid, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, RequestStatus)> =
        rfs::Entity::find()
            .select_only()
            .column(rfs::Column::Id)
            .column(rfs::Column::ReceivedAt)
            .column(rfs::Column::DueAt)
            .column(rfs::Column::Status)
            .filter(rfs::Column::ReceivedAt.gte(start))
            .filter(rfs::Column::ReceivedAt.lt(end))
            .filter(rfs::Column::Status.ne(RequestStatus::Draft))
            .into_tuple()
            .all(db)
            .await?;
    let ids: Vec<uuid::Uuid> = requests.iter().map(|r| r.0).collect();
    let mut late: HashMap<uuid::Uuid, bool> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(uuid::Uuid, bool)> = hub_decision::Entity::find()
            .select_only()
            .column(hub_decision::Column::RequestId)
            .column(hub_decision::Column::Late)
            .filter(hub_decision::Column::RequestId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        late.extend(rows);
    }
    let now = chrono::Utc::now();
    let periods = range.periods(by);
    let index: HashMap<NaiveDate, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut counts = vec![vec![0u64; TIMELINESS.len()]; periods.len()];
    for (id, at, due, status) in requests {
        let column = match (late.get(&id), status) {
            (Some(false), _) => 0,
            (Some(true), _) => 1,
            (None, RequestStatus::Withdrawn) => 4,
            (None, _) if now > due => 2,
            (None, _) => 3,
        };
        if let Some(&r) = index.get(&by.start(london::to_local(at).date())) {
            counts[r][column] += 1;
        }
    }
    let table = suppress::table(&counts, threshold);
    // On time over decided: both counts must be shown for the rate to be.
    let rate = |on_time: suppress::Cell, late: suppress::Cell| {
        let decided = match (on_time.value, late.value) {
            (Some(a), Some(b)) => suppress::Cell { value: Some(a + b), suppressed: false },
            _ => suppress::Cell { value: None, suppressed: true },
        };
        suppress::rate(on_time, decided)
    };
    let rates = table.cells.iter().map(|row| rate(row[0], row[1])).collect();
    let total_rate = rate(table.column_totals[0], table.column_totals[1]);
    Ok(Report {
        name: "hub-timeliness",
        range: (range.from, range.to),
        by,
        columns: TIMELINESS.iter().map(|s| s.to_string()).collect(),
        periods,
        table,
        rate_name: Some("on_time_rate"),
        rates,
        total_rate,
    })
}

/// A report read is on the audit trail (who read which report; it holds no record).
async fn audit_report(db: &impl ConnectionTrait, ctx: &RequestCtx) -> AppResult<()> {
    crate::audit::record(
        db,
        ctx,
        &[Entry {
            action: AuditAction::Read,
            record_type: RecordType::Report,
            record_id: None,
            child_id: None,
            outcome: AuditOutcome::Allowed,
        }],
    )
    .await
}

/// The report as CSV: a header row, one row per period (its first day, ISO), suppressed cells
/// empty, then a totals row.
pub fn csv(r: &Report) -> String {
    let cell = |c: &suppress::Cell| c.value.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from("period_start");
    for c in &r.columns {
        out.push(',');
        out.push_str(c);
    }
    out.push_str(",total");
    let rate = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_default();
    if let Some(name) = r.rate_name {
        out.push(',');
        out.push_str(name);
    }
    out.push_str("\r\n");
    for (i, p) in r.periods.iter().enumerate() {
        out.push_str(&p.to_string());
        for c in &r.table.cells[i] {
            out.push(',');
            out.push_str(&cell(c));
        }
        out.push(',');
        out.push_str(&cell(&r.table.row_totals[i]));
        if r.rate_name.is_some() {
            out.push(',');
            out.push_str(&rate(r.rates.get(i).copied().flatten()));
        }
        out.push_str("\r\n");
    }
    out.push_str("total");
    for c in &r.table.column_totals {
        out.push(',');
        out.push_str(&cell(c));
    }
    out.push(',');
    out.push_str(&cell(&r.table.total));
    if r.rate_name.is_some() {
        out.push(',');
        out.push_str(&rate(r.total_rate));
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_cover_the_range() {
        let r = Range::new(d("2026-01-15"), d("2026-04-02")).unwrap();
        assert_eq!(
            r.periods(Grouping::Month),
            vec![d("2026-01-01"), d("2026-02-01"), d("2026-03-01"), d("2026-04-01")]
        );
        assert_eq!(r.periods(Grouping::Quarter), vec![d("2026-01-01"), d("2026-04-01")]);
        assert_eq!(r.periods(Grouping::Week).first(), Some(&d("2026-01-12")), "a Monday");
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(Range::new(d("2026-02-01"), d("2026-01-01")).is_err());
        assert!(Range::new(d("2020-01-01"), d("2025-01-01")).is_err());
        assert!(Range::new(d("2020-01-02"), d("2024-12-31")).is_ok());
        assert!(Range::new(d("1999-12-31"), d("2000-01-01")).is_err());
    }

    #[test]
    fn ranges_cover_whole_periods() {
        let r = Range::new(d("2026-01-15"), d("2026-02-03")).unwrap();
        let m = r.aligned(Grouping::Month);
        assert_eq!((m.from, m.to), (d("2026-01-01"), d("2026-02-28")));
        let w = r.aligned(Grouping::Week);
        assert_eq!((w.from, w.to), (d("2026-01-12"), d("2026-02-08")));
    }
}
