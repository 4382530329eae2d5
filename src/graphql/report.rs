//! `reports`: counts for analysts, by period, with small numbers suppressed. The same reports are
//! served as CSV at `GET /reports/<name>.csv` ([`crate::app`]).
use super::{req, scalars::Date};
use crate::domain::report::{self, Grouping, Kind, Range, suppress};
use async_graphql::{Context, Object, Result, SimpleObject};

/// A published count: `null` with `suppressed: true` when it is hidden to protect the children
/// it counts (any count from 1 to 4, and what would give one away).
#[derive(SimpleObject)]
pub struct Count {
    /// The count; `null` when suppressed.
    pub value: Option<i64>,
    /// Whether the count is hidden (small-number suppression).
    pub suppressed: bool,
}

impl From<&suppress::Cell> for Count {
    fn from(c: &suppress::Cell) -> Self {
        Count { value: c.value.map(|v| v as i64), suppressed: c.suppressed }
    }
}

/// One period of a report.
#[derive(SimpleObject)]
pub struct ReportRow {
    /// The first day of the period (a Monday for weeks).
    pub period_start: Date,
    /// One count per column, in the order of `columns`.
    pub counts: Vec<Count>,
    /// The period's total across the columns.
    pub total: Count,
    /// The report's rate for the period (see `rateName`), from 0 to 1; `null` when either of its
    /// counts is suppressed or there is nothing to divide by.
    pub rate: Option<f64>,
}

/// A report: columns, one row per period, totals. It holds counts only: no names, dates of birth,
/// addresses, free text or record IDs.
#[derive(SimpleObject)]
pub struct Report {
    /// The report's name, as in its CSV address (`/reports/<name>.csv`).
    pub name: String,
    /// The first day covered.
    pub from: Date,
    /// The last day covered.
    pub to: Date,
    /// How the rows are grouped.
    pub by: Grouping,
    /// The column headings (for requests received: CIN census referral source codes).
    pub columns: Vec<String>,
    /// One row per period, oldest first.
    pub rows: Vec<ReportRow>,
    /// Each column's total over the whole range.
    pub column_totals: Vec<Count>,
    /// The total of everything counted.
    pub total: Count,
    /// What `rate` measures, when the report has one (hub timeliness: `on_time_rate`, the share
    /// of decided requests decided by their due time).
    pub rate_name: Option<String>,
    /// The rate over the whole range; `null` as for a row's.
    pub total_rate: Option<f64>,
}

impl From<report::Report> for Report {
    fn from(r: report::Report) -> Self {
        let t = &r.table;
        Report {
            name: r.name.to_string(),
            from: Date(r.range.0),
            to: Date(r.range.1),
            by: r.by,
            columns: r.columns.clone(),
            rows: r
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| ReportRow {
                    period_start: Date(*p),
                    counts: t.cells[i].iter().map(Count::from).collect(),
                    total: (&t.row_totals[i]).into(),
                    rate: r.rates.get(i).copied().flatten(),
                })
                .collect(),
            column_totals: t.column_totals.iter().map(Count::from).collect(),
            total: (&t.total).into(),
            rate_name: r.rate_name.map(str::to_string),
            total_rate: r.total_rate,
        }
    }
}

async fn make(ctx: &Context<'_>, kind: Kind, from: Date, to: Date, by: Grouping) -> Result<Report> {
    let r = req(ctx)?;
    let range = Range::new(from.0, to.0)?;
    let threshold = r.services.rules.suppression_threshold;
    Ok(report::make(&r.db, &r.ctx, kind, range, by, threshold).await?.into())
}

/// The reports an analyst may read (whole service).
pub struct Reports;

/// Reports over a date range (at most 5 years), grouped by week, month or quarter.
#[Object]
impl Reports {
    /// Requests for support received (drafts excluded), by period and CIN census referral source
    /// (DOMAIN §6.2, suggested from the referrer's organisation type; 9 when the referrer asked to
    /// stay anonymous; 10 for the authority's own services).
    async fn requests_received(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day to count (London time).")] from: Date,
        #[graphql(desc = "The last day to count (London time); at most 5 years after `from`.")] to: Date,
        #[graphql(desc = "How to group the rows.")] by: Grouping,
    ) -> Result<Report> {
        make(ctx, Kind::RequestsReceived, from, to, by).await
    }

    /// The hub's timeliness: requests received in each period by where they stand — decided by
    /// their due time (the end of the next working day) or late, awaiting a decision past or
    /// within it, or withdrawn — with the share decided on time.
    async fn hub_timeliness(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day to count (London time).")] from: Date,
        #[graphql(desc = "The last day to count (London time); at most 5 years after `from`.")] to: Date,
        #[graphql(desc = "How to group the rows.")] by: Grouping,
    ) -> Result<Report> {
        make(ctx, Kind::HubTimeliness, from, to, by).await
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ReportQuery {
    /// Counts for analysts, with small numbers suppressed and no identifiers.
    async fn reports(&self) -> Reports {
        Reports
    }
}
