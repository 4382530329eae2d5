//! Reports for analysts and managers: counts from the stored facts, grouped by period, with no
//! identifiers and small numbers suppressed ([`suppress`]). Periods are London calendar weeks
//! (from Monday), months or quarters. The HTTP CSV routes and the GraphQL `reports` root serve the
//! same [`Report`]; [`extract`] holds the statutory child-level extracts.
//!
//! Each report module loads the facts it counts (IDs and times only, never a name or free text)
//! into a [`Tally`]; [`make`] checks the policy, suppresses the table, works out the measures
//! (rates, medians) from what is shown, and audits the read.
mod advice;
mod caseloads;
mod early_help;
pub mod extract;
mod partner_updates;
mod requests;
pub mod suppress;

use crate::auth::policy;
use crate::context::{Entry, RecordType, RequestCtx};
use crate::domain::calendar::{Calendar, london};
use crate::error::{AppError, AppResult, UserErrorCode};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{AgencyType, AuditAction, AuditOutcome};
use sea_orm::prelude::Uuid;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, sea_query::SelectStatement};
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

    pub fn next(self, d: NaiveDate) -> Option<NaiveDate> {
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

    /// The range as instants: London midnight at its start, London midnight after its end.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = london::from_local(self.from.and_hms_opt(0, 0, 0).unwrap_or_default());
        let end = london::from_local((self.to + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default());
        (start, end)
    }
}

/// A measure beside the counts: a rate or a median per row and over the whole range, shown only
/// when the counts it is worked out from are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub name: &'static str,
    pub rows: Vec<Option<f64>>,
    pub total: Option<f64>,
}

/// A published report: columns, one row per period, totals; every count suppressed as
/// [`suppress::table`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub kind: Kind,
    pub range: (NaiveDate, NaiveDate),
    pub by: Grouping,
    /// The team counted, for a report about one team's cases.
    pub team: Option<Uuid>,
    pub columns: Vec<String>,
    pub periods: Vec<NaiveDate>,
    pub table: suppress::Table,
    /// A snapshot report counts what stood at the end of each period: its rows do not add up
    /// over the range, so it publishes no column totals.
    pub snapshot: bool,
    pub measures: Vec<Measure>,
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

/// The referral source columns, in the census order.
pub const SOURCES: [&str; 17] =
    ["2A", "2B", "3A", "3B", "3C", "3D", "3F", "4", "5B", "5D", "6", "7", "8", "9", "10", "1A", "1C"];

/// The reports, by the name their CSV address uses (`/reports/<name>.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "ReportName")]
pub enum Kind {
    /// `requests-received`: requests for support received (drafts excluded), by CIN census
    /// referral source (DOMAIN §6.2, suggested from the referrer's organisation type; 9 when the
    /// referrer asked to stay anonymous; 10 for the authority's own services).
    RequestsReceived,
    /// `requests-by-referrer-level`: requests received, by the level of need the referrer gave.
    RequestsByReferrerLevel,
    /// `requests-by-decided-level`: requests received, by the level of need the hub decided (or
    /// still awaiting a decision, or withdrawn).
    RequestsByDecidedLevel,
    /// `requests-by-outcome`: requests received, by the hub's decision (or awaiting, withdrawn).
    RequestsByOutcome,
    /// `requests-by-concern`: concern categories named on requests received (a request naming
    /// three categories counts in three columns, so the total counts mentions).
    RequestsByConcern,
    /// `re-referrals`: children on requests received whose record was on another request in the
    /// 12 months before; children not yet matched to a record are counted apart. Rate: the share
    /// of matched children who were re-referred.
    ReReferrals,
    /// `hub-timeliness`: requests received by where they stand — decided by their due time (the
    /// end of the next working day) or late, awaiting a decision past or within it, or withdrawn.
    /// Measures: the share decided on time; the median working hours from receipt to decision.
    HubTimeliness,
    /// `urgent-follow-ups`: written follow-ups to phone referrals, as `hub-timeliness`. Median
    /// working hours from the phone call to the decision.
    UrgentFollowUps,
    /// `partner-updates-by-kind`: partner updates received, by kind.
    PartnerUpdatesByKind,
    /// `partner-updates-by-agency`: partner updates received, by the sender's organisation type.
    PartnerUpdatesByAgency,
    /// `partner-updates-matching`: partner updates received, matched to a case or not (yet).
    PartnerUpdatesMatching,
    /// `partner-update-reviews`: matched partner updates by review: by their check time or late,
    /// overdue now, awaiting their check. Rate: the share reviewed on time of those reviewed.
    /// About cases: a team manager reads it for their own team.
    PartnerUpdateReviews,
    /// `partner-update-concerns`: matched partner updates marked as a concern, by review as
    /// `partner-update-reviews`, with the median working hours from receipt to review.
    PartnerUpdateConcerns,
    /// `early-help-activity`: early help assessments started, and closed by outcome (step ups
    /// to social care among them).
    EarlyHelpActivity,
    /// `early-help-open` (snapshot): assessments open at the end of each period, by their level of
    /// need.
    EarlyHelpOpen,
    /// `early-help-reviews`: team-around-the-family reviews held, on time (by the review date
    /// the plan and the meeting before it set) or late. Rate: the share on time.
    EarlyHelpReviews,
    /// `early-help-referrals`: the hub's step downs to early help, allocated to a lead or awaiting
    /// one, with the median working days to allocation.
    EarlyHelpReferrals,
    /// `advice-line-by-agency`: advice-line consultations, by the caller's organisation type.
    AdviceLineByAgency,
    /// `advice-line-by-topic`: concern categories discussed on the advice line (mentions).
    AdviceLineByTopic,
    /// `advice-line-outcomes`: advice-line consultations by outcome, with the share advised to
    /// make a request for support.
    AdviceLineOutcomes,
    /// `caseloads` (snapshot): open cases at the end of each period, allocated or unallocated by
    /// how many working days they have waited, with the open cases per allocated worker and the
    /// median wait of the unallocated. About cases: a team manager reads it for their own team.
    Caseloads,
}

impl Kind {
    pub const ALL: [Kind; 21] = [
        Kind::RequestsReceived,
        Kind::RequestsByReferrerLevel,
        Kind::RequestsByDecidedLevel,
        Kind::RequestsByOutcome,
        Kind::RequestsByConcern,
        Kind::ReReferrals,
        Kind::HubTimeliness,
        Kind::UrgentFollowUps,
        Kind::PartnerUpdatesByKind,
        Kind::PartnerUpdatesByAgency,
        Kind::PartnerUpdatesMatching,
        Kind::PartnerUpdateReviews,
        Kind::PartnerUpdateConcerns,
        Kind::EarlyHelpActivity,
        Kind::EarlyHelpOpen,
        Kind::EarlyHelpReviews,
        Kind::EarlyHelpReferrals,
        Kind::AdviceLineByAgency,
        Kind::AdviceLineByTopic,
        Kind::AdviceLineOutcomes,
        Kind::Caseloads,
    ];

    /// The name in the report's address.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RequestsReceived => "requests-received",
            Kind::RequestsByReferrerLevel => "requests-by-referrer-level",
            Kind::RequestsByDecidedLevel => "requests-by-decided-level",
            Kind::RequestsByOutcome => "requests-by-outcome",
            Kind::RequestsByConcern => "requests-by-concern",
            Kind::ReReferrals => "re-referrals",
            Kind::HubTimeliness => "hub-timeliness",
            Kind::UrgentFollowUps => "urgent-follow-ups",
            Kind::PartnerUpdatesByKind => "partner-updates-by-kind",
            Kind::PartnerUpdatesByAgency => "partner-updates-by-agency",
            Kind::PartnerUpdatesMatching => "partner-updates-matching",
            Kind::PartnerUpdateReviews => "partner-update-reviews",
            Kind::PartnerUpdateConcerns => "partner-update-concerns",
            Kind::EarlyHelpActivity => "early-help-activity",
            Kind::EarlyHelpOpen => "early-help-open",
            Kind::EarlyHelpReviews => "early-help-reviews",
            Kind::EarlyHelpReferrals => "early-help-referrals",
            Kind::AdviceLineByAgency => "advice-line-by-agency",
            Kind::AdviceLineByTopic => "advice-line-by-topic",
            Kind::AdviceLineOutcomes => "advice-line-outcomes",
            Kind::Caseloads => "caseloads",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Reports about cases, which a team manager may read for their own team.
    pub fn about_cases(self) -> bool {
        matches!(self, Kind::PartnerUpdateReviews | Kind::PartnerUpdateConcerns | Kind::Caseloads)
    }

    /// Reports that count what stood at the end of each period.
    pub fn snapshot(self) -> bool {
        matches!(self, Kind::EarlyHelpOpen | Kind::Caseloads)
    }
}

/// What a report is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub kind: Kind,
    pub range: Range,
    pub by: Grouping,
    /// One team's cases, for a report about cases.
    pub team: Option<Uuid>,
}

/// What a report module works from: the aligned range, the grouping, the team (if one), the
/// working-day calendar and the time now.
pub(crate) struct Frame {
    pub range: Range,
    pub by: Grouping,
    pub team: Option<Uuid>,
    pub cal: std::sync::Arc<Calendar>,
    pub now: DateTime<Utc>,
}

/// Counts by period (row) and column, filled from the facts.
pub(crate) struct Tally {
    by: Grouping,
    periods: Vec<NaiveDate>,
    index: HashMap<NaiveDate, usize>,
    columns: Vec<String>,
    counts: Vec<Vec<u64>>,
    measures: Vec<MeasureSpec>,
}

/// How a measure is worked out from the counts once they are suppressed.
pub(crate) enum MeasureSpec {
    /// The sum of the `num` columns over the sum of the `den` columns (all columns when empty).
    Ratio { name: &'static str, num: Vec<usize>, den: Vec<usize> },
    /// The median of each row's values; shown when the row's `over` cells are shown and count at
    /// least the suppression threshold.
    Median { name: &'static str, over: Vec<usize>, rows: Vec<Vec<f64>> },
    /// The sum of the `num` columns divided by a per-row figure that is not about children
    /// (e.g. workers with cases); shown when those cells are.
    Per { name: &'static str, num: Vec<usize>, per: Vec<f64> },
}

impl Tally {
    pub fn new(f: &Frame, columns: Vec<String>) -> Self {
        let periods = f.range.periods(f.by);
        let index = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let counts = vec![vec![0u64; columns.len()]; periods.len()];
        Tally { by: f.by, periods, index, columns, counts, measures: vec![] }
    }

    /// Column headings from codes.
    pub fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|c| code(*c).to_string()).collect()
    }

    pub fn periods(&self) -> &[NaiveDate] {
        &self.periods
    }

    /// The row of the period holding London date `day`.
    pub fn row_on(&self, day: NaiveDate) -> Option<usize> {
        self.index.get(&self.by.start(day)).copied()
    }

    /// The row of the period holding instant `at` (its London date).
    pub fn row_at(&self, at: DateTime<Utc>) -> Option<usize> {
        self.row_on(london::to_local(at).date())
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Counts `n` at `row`, column `col` (ignored when out of range).
    pub fn add(&mut self, row: usize, col: usize, n: u64) {
        if let Some(cell) = self.counts.get_mut(row).and_then(|r| r.get_mut(col)) {
            *cell += n;
        }
    }

    /// Counts one fact at instant `at` in the column named `col`.
    pub fn count_at(&mut self, at: DateTime<Utc>, col: &str) {
        if let (Some(r), Some(c)) = (self.row_at(at), self.column(col)) {
            self.add(r, c, 1);
        }
    }

    pub fn measure(&mut self, m: MeasureSpec) {
        self.measures.push(m);
    }

    fn finish(self, ask: &Ask, range: Range, team: Option<Uuid>, threshold: u64) -> Report {
        let table = suppress::table(&self.counts, threshold);
        let snapshot = ask.kind.snapshot();
        let measures = self.measures.into_iter().map(|m| m.work_out(&table, threshold, snapshot)).collect();
        Report {
            kind: ask.kind,
            range: (range.from, range.to),
            by: ask.by,
            team,
            columns: self.columns,
            periods: self.periods,
            table,
            snapshot,
            measures,
        }
    }
}

impl MeasureSpec {
    fn work_out(self, t: &suppress::Table, threshold: u64, snapshot: bool) -> Measure {
        // The shown sum of some cells, or nothing when any is hidden.
        let sum = |cells: &[suppress::Cell], cols: &[usize]| -> Option<u64> {
            if cols.is_empty() {
                return None;
            }
            cols.iter().map(|&c| cells.get(c).and_then(|x| x.value)).sum()
        };
        let all: Vec<usize> = (0..t.column_totals.len()).collect();
        match self {
            MeasureSpec::Ratio { name, num, den } => {
                let den = if den.is_empty() { all } else { den };
                let ratio = |cells: &[suppress::Cell]| match (sum(cells, &num), sum(cells, &den)) {
                    (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
                    _ => None,
                };
                let total = if snapshot { None } else { ratio(&t.column_totals) };
                Measure { name, rows: t.cells.iter().map(|r| ratio(r)).collect(), total }
            }
            MeasureSpec::Median { name, over, rows } => {
                let shown = |cells: &[suppress::Cell], n: usize| {
                    sum(cells, &over).is_some_and(|s| s >= threshold && n as u64 >= threshold)
                };
                let per_row = t
                    .cells
                    .iter()
                    .zip(&rows)
                    .map(|(cells, values)| if shown(cells, values.len()) { median(values) } else { None })
                    .collect();
                let everything: Vec<f64> = rows.iter().flatten().copied().collect();
                let total =
                    if !snapshot && shown(&t.column_totals, everything.len()) { median(&everything) } else { None };
                Measure { name, rows: per_row, total }
            }
            MeasureSpec::Per { name, num, per } => {
                let rows = t
                    .cells
                    .iter()
                    .zip(&per)
                    .map(|(cells, &p)| sum(cells, &num).filter(|_| p > 0.0).map(|n| n as f64 / p))
                    .collect();
                Measure { name, rows, total: None }
            }
        }
    }
}

/// The median of some values (the mean of the middle two for an even count), to two decimals.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let m = if v.len().is_multiple_of(2) { (v[mid - 1] + v[mid]) / 2.0 } else { v[mid] };
    Some((m * 100.0).round() / 100.0)
}

/// Runs a statement built with sea-query on the connection's own backend.
pub(crate) async fn rows(db: &impl ConnectionTrait, stmt: &SelectStatement) -> AppResult<Vec<QueryResult>> {
    Ok(db.query_all(stmt).await?)
}

/// SQL for the UTC hour (hours since the epoch) holding a timestamp column, on each backend:
/// counting by hour in the database keeps a million rows there, and whole UTC hours fall within
/// one London day (the clocks change on the hour).
pub(crate) fn hour_of(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS BIGINT)"),
        _ => format!("CAST(strftime('%s', {column}) AS INTEGER) / 3600"),
    }
}

/// The instant an hour number (from [`hour_of`]) starts.
pub(crate) fn hour_start(hour: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(hour.checked_mul(3600)?, 0)
}

/// Makes a report for the caller: the policy decides which rows it may count (the whole service
/// or one team, [`policy::report_team`]); it counts whole periods of `by` (the range is widened
/// to them); the read is audited.
pub async fn make(db: &impl ConnectionTrait, ctx: &RequestCtx, ask: Ask, threshold: u64) -> AppResult<Report> {
    if ask.team.is_some() && !ask.kind.about_cases() {
        return Err(AppError::invalid("team", UserErrorCode::Invalid, "this report covers the whole service"));
    }
    let team = policy::report_team(&ctx.principal, ask.kind.about_cases(), ask.team)?;
    let range = ask.range.aligned(ask.by);
    let f = Frame {
        range,
        by: ask.by,
        team,
        cal: crate::domain::calendar::load(db).await.map(std::sync::Arc::new)?,
        now: Utc::now(),
    };
    let tally = match ask.kind {
        Kind::RequestsReceived
        | Kind::RequestsByReferrerLevel
        | Kind::RequestsByDecidedLevel
        | Kind::RequestsByOutcome
        | Kind::RequestsByConcern
        | Kind::HubTimeliness
        | Kind::UrgentFollowUps => requests::report(db, &f, ask.kind).await?,
        Kind::ReReferrals => requests::re_referrals(db, &f).await?,
        Kind::PartnerUpdatesByKind | Kind::PartnerUpdatesByAgency | Kind::PartnerUpdatesMatching => {
            partner_updates::received_counts(db, &f, ask.kind).await?
        }
        Kind::PartnerUpdateReviews | Kind::PartnerUpdateConcerns => partner_updates::reviews(db, &f, ask.kind).await?,
        Kind::EarlyHelpActivity => early_help::activity(db, &f).await?,
        Kind::EarlyHelpOpen => early_help::open(db, &f).await?,
        Kind::EarlyHelpReviews => early_help::reviews(db, &f).await?,
        Kind::EarlyHelpReferrals => early_help::referrals(db, &f).await?,
        Kind::AdviceLineByAgency | Kind::AdviceLineByTopic | Kind::AdviceLineOutcomes => {
            advice::report(db, &f, ask.kind).await?
        }
        Kind::Caseloads => caseloads::report(db, &f).await?,
    };
    let report = tally.finish(&ask, range, team, threshold);
    audit_read(db, ctx, RecordType::Report, &[]).await?;
    Ok(report)
}

/// A report or extract read is on the audit trail: who read which (the request's operation
/// names it) and, for an extract, one row per child it holds.
pub(crate) async fn audit_read(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    record_type: RecordType,
    children: &[(Option<Uuid>, Option<Uuid>)],
) -> AppResult<()> {
    let entry = |record_id, child_id| Entry {
        action: AuditAction::Read,
        record_type,
        record_id,
        child_id,
        outcome: AuditOutcome::Allowed,
    };
    let entries: Vec<Entry> = if children.is_empty() {
        vec![entry(None, None)]
    } else {
        children.iter().map(|(record, child)| entry(*record, *child)).collect()
    };
    crate::audit::record(db, ctx, &entries).await
}

/// The report as CSV: a header row, one row per period (its first day, ISO), suppressed cells
/// and measures that are not shown empty, then a totals row (not for a snapshot).
pub fn csv(r: &Report) -> String {
    let cell = |c: &suppress::Cell| c.value.map(|v| v.to_string()).unwrap_or_default();
    let measure = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_default();
    let mut lines: Vec<Vec<String>> = vec![];
    let mut header = vec!["period_start".to_string()];
    header.extend(r.columns.iter().cloned());
    header.push("total".into());
    header.extend(r.measures.iter().map(|m| m.name.to_string()));
    lines.push(header);
    for (i, p) in r.periods.iter().enumerate() {
        let mut line = vec![p.to_string()];
        line.extend(r.table.cells[i].iter().map(cell));
        line.push(cell(&r.table.row_totals[i]));
        line.extend(r.measures.iter().map(|m| measure(m.rows.get(i).copied().flatten())));
        lines.push(line);
    }
    if !r.snapshot {
        let mut line = vec!["total".to_string()];
        line.extend(r.table.column_totals.iter().map(cell));
        line.push(cell(&r.table.total));
        line.extend(r.measures.iter().map(|m| measure(m.total)));
        lines.push(line);
    }
    lines.into_iter().map(|l| l.join(",") + "\r\n").collect()
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
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 6.5, 4.0, 6.5]), Some(5.25));
    }

    #[test]
    fn measures_show_only_over_shown_counts() {
        // Row 0: 6 on time, 1 late (hidden, and 6 with it); row 1: 10 and 5, shown.
        let shown = |v: u64| suppress::Cell { value: Some(v), suppressed: false };
        let hidden = suppress::Cell { value: None, suppressed: true };
        let t = suppress::Table {
            cells: vec![vec![hidden, hidden], vec![shown(10), shown(5)]],
            row_totals: vec![shown(7), shown(15)],
            column_totals: vec![hidden, hidden],
            total: shown(22),
        };
        let rate = MeasureSpec::Ratio { name: "r", num: vec![0], den: vec![0, 1] }.work_out(&t, 5, false);
        assert_eq!(rate.rows[0], None);
        assert_eq!(rate.rows[1], Some(10.0 / 15.0));
        // A median needs its counts shown and at least the threshold of values behind it.
        let rows = vec![vec![1.0; 7], vec![2.0, 2.0, 3.0, 3.0, 3.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0]];
        let m = MeasureSpec::Median { name: "m", over: vec![0, 1], rows }.work_out(&t, 5, false);
        assert_eq!(m.rows, vec![None, Some(9.0)]);
        // A snapshot has no measure over the whole range.
        let snap = MeasureSpec::Ratio { name: "r", num: vec![0], den: vec![] }.work_out(&t, 5, true);
        assert_eq!(snap.total, None);
        let per = MeasureSpec::Per { name: "p", num: vec![0], per: vec![2.0, 0.0] }.work_out(&t, 5, true);
        assert_eq!(per.rows, vec![None, None], "hidden, and nothing to divide by");
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
